//! Signal syscalls. Dispositions and masks are kept in xlat (the guest's
//! view) and mirrored on the host where the host delivers (see
//! [`crate::signal`]); signals a guest sends to itself become an
//! [`Action::Signal`] for the run loop, other targets go to the host
//! kernel.

use super::{Action, GuestSigAction, NSIG, SysCtx, SysResult, host_ret, raw6};
use crate::errno::Errno;
use crate::signal::{self as sig, SI_TKILL, SI_USER, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK};

const SIGKILL: u64 = 9;
const SIGSTOP: u64 = 19;

fn check_sig(sig: u64) -> Result<(), Errno> {
    if sig > NSIG as u64 {
        Err(Errno::EINVAL)
    } else {
        Ok(())
    }
}

/// A signal the calling thread sends itself or its process (`process`:
/// `kill`/`sigqueue` to its own pid while it is the only thread; else
/// `tkill`/`tgkill` to itself): a blocked one that the host routes is
/// left pending on the host (see [`host_pending`]); others become an
/// [`Action::Signal`] for the run loop.
fn self_signal(ctx: &mut SysCtx<'_>, sig: u64, code: i32, process: bool) -> SysResult {
    if let Some(r) = host_pending(ctx, sig, &sig::siginfo_kill(sig as i32, code), process) {
        return r;
    }
    if sig != 0 {
        ctx.action = Some(Action::Signal(sig as i32, code));
    }
    Ok(0)
}

/// A blocked signal that the host routes, sent by the calling thread to
/// itself or (`process`) to its process, is left pending on the host
/// (whose masks mirror the guest's), where signalfd, sigtimedwait and
/// sigpending see it and from where it is delivered once unblocked. A
/// process-directed one goes to the process's shared queue, as on Linux:
/// the kernel dequeues a thread's own signals before the process's, so
/// queueing it on the thread would let it overtake the process-directed
/// instances already waiting there (a real-time signal's order). `None`
/// when the signal is not blocked or not routed.
fn host_pending(ctx: &SysCtx<'_>, sig: u64, info: &[u8; 128], process: bool) -> Option<SysResult> {
    if sig == 0 || !sig::host_routed(sig as i32) || ctx.thread.sigmask & sig::bit(sig as i32) == 0 {
        return None;
    }
    // SAFETY: getpid cannot fail; `info` is a local 128-byte siginfo (the
    // same layout on the host) sent to our own process or thread.
    let r = unsafe {
        if process {
            libc::syscall(
                libc::SYS_rt_sigqueueinfo,
                libc::getpid(),
                sig,
                info.as_ptr(),
            )
        } else {
            libc::syscall(
                libc::SYS_rt_tgsigqueueinfo,
                libc::getpid(),
                ctx.thread.tid,
                sig,
                info.as_ptr(),
            )
        }
    };
    Some(host_ret(r).map(|_| 0))
}

/// `kill(pid, sig)`.
pub fn sys_kill(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    check_sig(a[1])?;
    // SAFETY: getpid cannot fail.
    let me = unsafe { libc::getpid() };
    // A process-directed signal the host routes goes through the host
    // kernel, which picks a thread that does not block it (the guest
    // masks are mirrored); the others are queued on the calling thread.
    if a[0] as i32 == me && !(sig::host_routed(a[1] as i32) && ctx.proc.group.live() > 1) {
        return self_signal(ctx, a[1], SI_USER, true);
    }
    raw6(libc::SYS_kill, [a[0], a[1], 0, 0, 0, 0])
}

/// A signal to another guest thread of this process that the host does
/// not route (SIGSEGV, 32/33, ...): queued on that thread directly.
fn queue_other(ctx: &SysCtx<'_>, tid: i32, signo: u64) -> Option<SysResult> {
    if sig::host_routed(signo as i32) || signo == 0 {
        return None;
    }
    let t = ctx.proc.group.get(tid)?;
    t.queue(signo as i32, &sig::siginfo_kill(signo as i32, SI_TKILL));
    sig::kick(tid);
    Some(Ok(0))
}

/// `tkill(tid, sig)`.
pub fn sys_tkill(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    check_sig(a[1])?;
    if a[0] as i32 == ctx.thread.tid {
        return self_signal(ctx, a[1], SI_TKILL, false);
    }
    if let Some(r) = queue_other(ctx, a[0] as i32, a[1]) {
        return r;
    }
    raw6(libc::SYS_tkill, [a[0], a[1], 0, 0, 0, 0])
}

/// `tgkill(tgid, tid, sig)`.
pub fn sys_tgkill(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    check_sig(a[2])?;
    // SAFETY: getpid cannot fail.
    let me = unsafe { libc::getpid() };
    if a[0] as i32 == me && a[1] as i32 == ctx.thread.tid {
        return self_signal(ctx, a[2], SI_TKILL, false);
    }
    if a[0] as i32 == me
        && let Some(r) = queue_other(ctx, a[1] as i32, a[2])
    {
        return r;
    }
    raw6(libc::SYS_tgkill, [a[0], a[1], a[2], 0, 0, 0])
}

/// Reads the guest `siginfo_t` of `rt_sigqueueinfo`/`rt_tgsigqueueinfo`
/// (the same 128-byte layout as the host's) with `si_signo` set to `sig`;
/// as Linux, a sender may not pose as the kernel or `tkill` towards
/// another process (`EPERM`).
fn queued_info(ctx: &SysCtx<'_>, pid: i32, sig: u64, uinfo: u64) -> Result<[u8; 128], Errno> {
    check_sig(sig)?;
    let mut info = [0u8; 128];
    ctx.mem().read_guest(uinfo, &mut info)?;
    info[0..4].copy_from_slice(&(sig as i32).to_le_bytes());
    let code = i32::from_le_bytes(info[8..12].try_into().expect("4 bytes"));
    // SAFETY: getpid cannot fail.
    if (code >= 0 || code == SI_TKILL) && pid != unsafe { libc::getpid() } {
        return Err(Errno::EPERM);
    }
    Ok(info)
}

/// A queued signal with its siginfo to the calling thread or (`process`)
/// its process: blocked ones that the host routes wait in the host
/// kernel's queue ([`host_pending`]), the others are queued for delivery
/// on return.
fn queue_self_info(ctx: &mut SysCtx<'_>, sig: u64, info: &[u8; 128], process: bool) -> SysResult {
    if let Some(r) = host_pending(ctx, sig, info, process) {
        return r;
    }
    if sig != 0 {
        ctx.thread.sig.queue(sig as i32, info);
    }
    Ok(0)
}

/// `rt_sigqueueinfo(tgid, sig, uinfo)`: like `kill` with the caller's
/// siginfo (`sigqueue`); real-time signals queue one entry per call.
pub fn sys_rt_sigqueueinfo(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let info = queued_info(ctx, a[0] as i32, a[1], a[2])?;
    // SAFETY: getpid cannot fail.
    let me = unsafe { libc::getpid() };
    if a[0] as i32 == me && !(sig::host_routed(a[1] as i32) && ctx.proc.group.live() > 1) {
        return queue_self_info(ctx, a[1], &info, true);
    }
    // SAFETY: `info` is a local 128-byte siginfo (same layout on the host).
    host_ret(unsafe { libc::syscall(libc::SYS_rt_sigqueueinfo, a[0], a[1], info.as_ptr()) })
        .map(|_| 0)
}

/// `rt_tgsigqueueinfo(tgid, tid, sig, uinfo)` (`pthread_sigqueue`).
pub fn sys_rt_tgsigqueueinfo(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let info = queued_info(ctx, a[0] as i32, a[2], a[3])?;
    // SAFETY: getpid cannot fail.
    let me = unsafe { libc::getpid() };
    if a[0] as i32 == me && a[1] as i32 == ctx.thread.tid {
        return queue_self_info(ctx, a[2], &info, false);
    }
    if a[0] as i32 == me
        && !sig::host_routed(a[2] as i32)
        && a[2] != 0
        && let Some(t) = ctx.proc.group.get(a[1] as i32)
    {
        t.queue(a[2] as i32, &info);
        sig::kick(a[1] as i32);
        return Ok(0);
    }
    // SAFETY: `info` is a local 128-byte siginfo (same layout on the host).
    host_ret(unsafe { libc::syscall(libc::SYS_rt_tgsigqueueinfo, a[0], a[1], a[2], info.as_ptr()) })
        .map(|_| 0)
}

/// `rt_sigaction(sig, act, oldact, sigsetsize)`: records the guest's
/// disposition (32-byte kernel `struct sigaction`: handler, flags,
/// restorer, mask).
pub fn sys_rt_sigaction(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let sig = a[0];
    if a[3] != 8 || sig == 0 || sig > NSIG as u64 {
        return Err(Errno::EINVAL);
    }
    if a[1] != 0 && (sig == SIGKILL || sig == SIGSTOP) {
        return Err(Errno::EINVAL);
    }
    let new = if a[1] != 0 {
        let mut b = [0u8; 32];
        ctx.mem().read_guest(a[1], &mut b)?;
        let w = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        Some(GuestSigAction {
            handler: w(0),
            flags: w(1),
            restorer: w(2),
            mask: w(3),
        })
    } else {
        None
    };
    let old = ctx.proc.sigaction(sig as u32);
    if a[2] != 0 {
        let mut b = [0u8; 32];
        for (i, v) in [old.handler, old.flags, old.restorer, old.mask]
            .iter()
            .enumerate()
        {
            b[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
        }
        ctx.mem().write_guest(a[2], &b)?;
    }
    if let Some(n) = new {
        let mut t = ctx
            .proc
            .sigactions
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        t[sig as usize - 1] = n;
        drop(t);
        sig::sync_host_disposition(sig as i32, &n);
    }
    Ok(0)
}

/// `rt_sigprocmask(how, set, oldset, sigsetsize)` on the thread's guest mask.
pub fn sys_rt_sigprocmask(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[3] != 8 {
        return Err(Errno::EINVAL);
    }
    let old = ctx.thread.sigmask;
    let new = if a[1] != 0 {
        let set = ctx.mem().read_u64(a[1])?;
        Some(match a[0] {
            0 => old | set,
            1 => old & !set,
            2 => set,
            _ => return Err(Errno::EINVAL),
        })
    } else {
        None
    };
    if a[2] != 0 {
        ctx.mem().write_u64(a[2], old)?;
    }
    if let Some(n) = new {
        ctx.thread.sigmask = n & !sig::UNBLOCKABLE;
        sig::apply_host_mask(ctx.thread.sigmask);
    }
    Ok(0)
}

/// `rt_sigreturn()`: the run loop restores the frame.
pub fn sys_rt_sigreturn(ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    ctx.action = Some(Action::SigReturn);
    Ok(0)
}

/// `rt_sigsuspend(mask, sigsetsize)`: waits with `mask` until a signal
/// is delivered; the handler's frame saves the previous mask.
pub fn sys_rt_sigsuspend(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[1] != 8 {
        return Err(Errno::EINVAL);
    }
    let m = ctx.mem().read_u64(a[0])? & !sig::UNBLOCKABLE;
    let old = ctx.thread.sigmask;
    let r = sig::wait_with_mask(ctx.thread, m, |set| {
        // SAFETY: `set` is a valid host sigset; sigsuspend only reads it.
        unsafe { libc::sigsuspend(set) };
        Err(Errno(libc::EINTR))
    });
    // Deliver under the suspend mask; the frame saves the old one.
    ctx.thread.sigmask = m;
    ctx.thread.restore_mask = Some(old);
    r
}

/// `rt_sigpending(set, sigsetsize)`: guest-queued plus host-pending
/// signals that are blocked.
pub fn sys_rt_sigpending(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[1] != 8 {
        return Err(Errno::EINVAL);
    }
    let mut p = ctx.thread.sig.pending();
    // SAFETY: sigpending writes into the local set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigpending(&mut set);
        for s in 1..=64 {
            if libc::sigismember(&set, s) == 1 {
                p |= sig::bit(s);
            }
        }
    }
    ctx.mem().write_u64(a[0], p & ctx.thread.sigmask)?;
    Ok(0)
}

/// `sigaltstack(ss, old_ss)` (24-byte `stack_t`: sp, flags, size), as
/// Linux's `do_sigaltstack`: EPERM while running on the alternate stack.
pub fn sys_sigaltstack(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let (cur_sp, cur_flags, cur_size) = ctx.thread.altstack;
    let sp_now = ctx.thread.sp;
    let on = cur_size != 0 && sp_now > cur_sp && sp_now - cur_sp <= cur_size;
    let old_flags = if cur_size == 0 {
        SS_DISABLE
    } else if on {
        SS_ONSTACK
    } else {
        0
    } | (cur_flags & SS_AUTODISARM);
    let new = if a[0] != 0 {
        let mut b = [0u8; 24];
        ctx.mem().read_guest(a[0], &mut b)?;
        let sp = u64::from_le_bytes(b[0..8].try_into().expect("8 bytes"));
        let flags = i32::from_le_bytes(b[8..12].try_into().expect("4 bytes"));
        let size = u64::from_le_bytes(b[16..24].try_into().expect("8 bytes"));
        if on {
            return Err(Errno::EPERM);
        }
        let mode = flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
            return Err(Errno::EINVAL);
        }
        Some(if mode == SS_DISABLE {
            (0, SS_DISABLE, 0)
        } else {
            if size < ctx.proc.arch.aux.minsigstksz {
                return Err(Errno::ENOMEM);
            }
            (sp, flags & SS_AUTODISARM, size)
        })
    } else {
        None
    };
    if a[1] != 0 {
        let mut b = [0u8; 24];
        b[0..8].copy_from_slice(&cur_sp.to_le_bytes());
        b[8..12].copy_from_slice(&old_flags.to_le_bytes());
        b[16..24].copy_from_slice(&cur_size.to_le_bytes());
        ctx.mem().write_guest(a[1], &b)?;
    }
    if let Some(n) = new {
        ctx.thread.altstack = n;
    }
    Ok(0)
}

/// `rt_sigtimedwait(set, info, timeout, sigsetsize)`: a signal of `set`
/// already queued for the guest thread is taken first; otherwise the host
/// waits (the guest has normally blocked `set`, so the host keeps those
/// signals pending for this call instead of running the handler).
pub fn sys_rt_sigtimedwait(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[3] != 8 {
        return Err(Errno::EINVAL);
    }
    let set = ctx.mem().read_u64(a[0])? & !sig::UNBLOCKABLE;
    if let Some(s) = sig::take_pending_in(ctx.thread, set) {
        if a[1] != 0 {
            ctx.mem().write_guest(a[1], &s.1)?;
        }
        return Ok(s.0 as u64);
    }
    let info = if a[1] != 0 {
        ctx.mem().syscall_ptr(a[1], 128)?
    } else {
        std::ptr::null_mut()
    };
    let tmo = if a[2] != 0 {
        ctx.mem().syscall_ptr(a[2], 16)?
    } else {
        std::ptr::null_mut()
    };
    let hset = sig::host_sigset(set);
    // SAFETY: `hset` is a local sigset; `info` and `tmo` point into guest
    // memory (checked) or are NULL.
    super::host_ret(crate::thread::blocking(&ctx.thread.sig, || unsafe {
        libc::syscall(
            libc::SYS_rt_sigtimedwait,
            &hset as *const libc::sigset_t,
            info,
            tmo,
            8usize,
        )
    }))
}
