//! Time syscalls (timespec/timeval are the same on every 64-bit guest).

use super::{SysCtx, SysResult, host_ret};
use crate::errno::Errno;
use crate::safe_syscall::safe_syscall;

fn ptr(ctx: &SysCtx<'_>, addr: u64, len: u64) -> Result<*mut libc::c_void, Errno> {
    Ok(ctx.mem().syscall_ptr(addr, len)? as *mut libc::c_void)
}

/// `clock_gettime(clock, tp)`: through the host C library, i.e. the host
/// vDSO for the common clocks (no kernel entry: the guest has no vDSO of
/// its own, so this is every guest clock read), then a fault-safe copy to
/// guest memory. Errors as the kernel orders them: a bad clock first,
/// then EFAULT.
pub fn sys_clock_gettime(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a local the call fills.
    if unsafe { libc::clock_gettime(a[0] as libc::clockid_t, &mut ts) } != 0 {
        return Err(Errno::last());
    }
    if a[1] == 0 {
        return Err(Errno::EFAULT);
    }
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&ts.tv_sec.to_le_bytes());
    b[8..].copy_from_slice(&ts.tv_nsec.to_le_bytes());
    ctx.mem().write_guest(a[1], &b)?;
    Ok(0)
}

/// `clock_getres(clock, res)`.
pub fn sys_clock_getres(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[1], 16)?;
    // SAFETY: as above.
    host_ret(unsafe { libc::syscall(libc::SYS_clock_getres, a[0], p) })
}

/// `gettimeofday(tv, tz)`.
pub fn sys_gettimeofday(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let tv = ptr(ctx, a[0], 16)?;
    let tz = ptr(ctx, a[1], 8)?;
    // SAFETY: both cover guest memory or are NULL.
    host_ret(unsafe { libc::syscall(libc::SYS_gettimeofday, tv, tz) })
}

/// A relative sleep of `req` (guest address) on `clock` that the host
/// may interrupt for a signal the guest blocks (one xlat cannot block on
/// the host): it then sleeps on for the time left, as natively it would
/// not have been interrupted. On a real interruption the time left goes
/// to `rem` (guest address, may be 0).
fn sleep_relative(ctx: &mut SysCtx<'_>, clock: u64, req: u64, rem: u64) -> SysResult {
    let mut t = [0u8; 16];
    ctx.mem().read_guest(req, &mut t)?;
    let mut left = [0u8; 16];
    loop {
        // SAFETY: `t` and `left` are local 16-byte timespecs.
        let r = unsafe {
            safe_syscall(
                ctx.thread,
                libc::SYS_clock_nanosleep,
                [clock, 0, t.as_ptr() as u64, left.as_mut_ptr() as u64, 0, 0],
            )
        };
        if r != Err(Errno(libc::EINTR)) || crate::signal::deliverable(ctx.thread).is_some() {
            if r == Err(Errno(libc::EINTR)) && rem != 0 {
                ctx.mem().write_guest(rem, &left)?;
            }
            return r;
        }
        t = left;
    }
}

/// `nanosleep(req, rem)` (measured on CLOCK_MONOTONIC, as Linux does).
pub fn sys_nanosleep(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    sleep_relative(ctx, libc::CLOCK_MONOTONIC as u64, a[0], a[1])
}

/// `clock_nanosleep(clock, flags, req, rem)`.
pub fn sys_clock_nanosleep(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[1] & libc::TIMER_ABSTIME as u64 == 0 {
        return sleep_relative(ctx, a[0], a[2], a[3]);
    }
    let req = ptr(ctx, a[2], 16)?;
    // SAFETY: `req` covers 16 guest bytes or is NULL; an absolute sleep
    // restarted after a spurious interruption ends at the same time.
    unsafe {
        safe_syscall(
            ctx.thread,
            libc::SYS_clock_nanosleep,
            [a[0], a[1], req as u64, 0, 0, 0],
        )
    }
}

/// `times(buf)`.
pub fn sys_times(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[0], 32)?;
    // SAFETY: `p` covers 32 guest bytes or is NULL.
    host_ret(unsafe { libc::syscall(libc::SYS_times, p) })
}

/// `getitimer(which, value)` (struct itimerval is the same on every
/// 64-bit guest).
pub fn sys_getitimer(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[1], 32)?;
    // SAFETY: `p` covers 32 guest bytes or is NULL.
    host_ret(unsafe { libc::syscall(libc::SYS_getitimer, a[0], p) })
}

/// `setitimer(which, new, old)`: the host timer signals (SIGALRM,
/// SIGVTALRM, SIGPROF) reach the guest through the host handler.
pub fn sys_setitimer(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let new = ptr(ctx, a[1], 32)?;
    let old = ptr(ctx, a[2], 32)?;
    // SAFETY: both cover 32 guest bytes or are NULL.
    host_ret(unsafe { libc::syscall(libc::SYS_setitimer, a[0], new, old) })
}
