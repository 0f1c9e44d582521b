//! Process and thread syscalls: exit, ids, futex, limits, scheduling.

use super::{Action, SysCtx, SysResult, host_ret, raw6};
use crate::errno::Errno;

fn ptr(ctx: &SysCtx<'_>, addr: u64, len: u64) -> Result<*mut libc::c_void, Errno> {
    Ok(ctx.mem().syscall_ptr(addr, len)? as *mut libc::c_void)
}

/// `exit(status)`: ends the calling thread.
pub fn sys_exit(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    ctx.action = Some(Action::ExitThread(a[0] as i32));
    Ok(0)
}

/// `exit_group(status)`: ends the process.
pub fn sys_exit_group(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    ctx.action = Some(Action::ExitGroup(a[0] as i32));
    Ok(0)
}

/// `set_tid_address(tidptr)`: records the pointer, returns the tid.
pub fn sys_set_tid_address(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    ctx.thread.clear_child_tid = a[0];
    Ok(ctx.thread.tid as u64)
}

/// `set_robust_list(head, len)`: recorded (walked at thread exit once
/// threads exist); the kernel cannot walk guest pointers itself.
pub fn sys_set_robust_list(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[1] != 24 {
        return Err(Errno::EINVAL);
    }
    ctx.thread.robust_list = (a[0], a[1]);
    Ok(0)
}

/// `futex(uaddr, op, val, timeout/val2, uaddr2, val3)` on the host address
/// of the guest word.
pub fn sys_futex(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if !a[0].is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    let uaddr = ptr(ctx, a[0], 4)?;
    if uaddr.is_null() {
        return Err(Errno::EFAULT);
    }
    let cmd = a[1] & 0x7f;
    let (arg4, arg5): (u64, u64) = match cmd {
        // WAIT, LOCK_PI, WAIT_BITSET, LOCK_PI2: timeout pointer.
        0 | 6 | 9 | 13 => (ptr(ctx, a[3], 16)? as u64, 0),
        // REQUEUE, CMP_REQUEUE, WAKE_OP: val2 and a second futex word.
        3..=5 => {
            if !a[4].is_multiple_of(4) {
                return Err(Errno::EINVAL);
            }
            (a[3], ptr(ctx, a[4], 4)? as u64)
        }
        // WAKE, UNLOCK_PI, TRYLOCK_PI, WAKE_BITSET.
        1 | 7 | 8 | 10 => (0, 0),
        _ => {
            ctx.proc
                .log
                .unimp(&format!("Unsupported futex op: {}", a[1]));
            return Err(Errno::ENOSYS);
        }
    };
    // SAFETY: every pointer argument points into the guest reservation
    // (checked above) or is NULL; the rest are integers.
    host_ret(unsafe { libc::syscall(libc::SYS_futex, uaddr, a[1], a[2], arg4, arg5, a[5]) })
}

/// `sched_getaffinity(pid, size, mask)`.
pub fn sys_sched_getaffinity(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[2], a[1])?;
    // SAFETY: `p` covers `size` guest bytes.
    host_ret(unsafe { libc::syscall(libc::SYS_sched_getaffinity, a[0], a[1], p) })
}

/// `sched_yield()`.
pub fn sys_sched_yield(_ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_sched_yield, [0; 6])
}

/// `getpid()`.
pub fn sys_getpid(_ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_getpid, [0; 6])
}

/// `getppid()`.
pub fn sys_getppid(_ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_getppid, [0; 6])
}

/// `getuid()`.
pub fn sys_getuid(_ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_getuid, [0; 6])
}

/// `geteuid()`.
pub fn sys_geteuid(_ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_geteuid, [0; 6])
}

/// `getgid()`.
pub fn sys_getgid(_ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_getgid, [0; 6])
}

/// `getegid()`.
pub fn sys_getegid(_ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_getegid, [0; 6])
}

/// `gettid()`.
pub fn sys_gettid(ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    Ok(ctx.thread.tid as u64)
}

/// `setpgid(pid, pgid)`.
pub fn sys_setpgid(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_setpgid, [a[0], a[1], 0, 0, 0, 0])
}

/// `getpgid(pid)`.
pub fn sys_getpgid(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_getpgid, [a[0], 0, 0, 0, 0, 0])
}

/// `getsid(pid)`.
pub fn sys_getsid(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_getsid, [a[0], 0, 0, 0, 0, 0])
}

/// `getrlimit(resource, rlim)` (struct rlimit is two u64 everywhere).
pub fn sys_getrlimit(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[1], 16)?;
    // SAFETY: `p` covers 16 guest bytes.
    host_ret(unsafe { libc::syscall(libc::SYS_getrlimit, a[0], p) })
}

/// `setrlimit(resource, rlim)`.
pub fn sys_setrlimit(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[1], 16)?;
    // SAFETY: `p` covers 16 guest bytes.
    host_ret(unsafe { libc::syscall(libc::SYS_setrlimit, a[0], p) })
}

/// `prlimit64(pid, resource, new, old)`.
pub fn sys_prlimit64(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let n = ptr(ctx, a[2], 16)?;
    let o = ptr(ctx, a[3], 16)?;
    // SAFETY: both pointers cover 16 guest bytes or are NULL.
    host_ret(unsafe { libc::syscall(libc::SYS_prlimit64, a[0], a[1], n, o) })
}

/// `getrusage(who, usage)` (struct rusage is the same on 64-bit guests).
pub fn sys_getrusage(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[1], 144)?;
    // SAFETY: `p` covers 144 guest bytes.
    host_ret(unsafe { libc::syscall(libc::SYS_getrusage, a[0], p) })
}

/// `clone(flags, stack, parent_tid, tls, child_tid)` (the generic
/// argument order, as on AArch64): handed to the run loop.
pub fn sys_clone(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    ctx.action = Some(Action::Clone(crate::thread::CloneArgs {
        flags: a[0] & !0xff,
        stack: a[1],
        parent_tid: a[2],
        tls: a[3],
        child_tid: a[4],
        exit_signal: a[0] & 0xff,
    }));
    Ok(0)
}

/// `clone3(args, size)`: `struct clone_args` (flags, pidfd, child_tid,
/// parent_tid, exit_signal, stack, stack_size, tls, ...).
pub fn sys_clone3(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[1] < 64 || a[1] > 4096 {
        return Err(Errno::EINVAL);
    }
    let mut b = vec![0u8; a[1] as usize];
    ctx.mem().read_guest(a[0], &mut b)?;
    let w = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    // Fields past the ones xlat knows must be zero.
    if b[88.min(b.len())..].iter().any(|x| *x != 0) || (b.len() >= 88 && w(8) != 0) {
        return Err(Errno::E2BIG);
    }
    let (flags, stack, size) = (w(0), w(5), w(6));
    if flags & 0xff != 0 || (stack == 0) != (size == 0) {
        return Err(Errno::EINVAL);
    }
    ctx.action = Some(Action::Clone(crate::thread::CloneArgs {
        flags,
        stack: stack.wrapping_add(size),
        parent_tid: w(3),
        tls: w(7),
        child_tid: w(2),
        exit_signal: w(4),
    }));
    Ok(0)
}

/// `sched_setaffinity(pid, size, mask)`.
pub fn sys_sched_setaffinity(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[2], a[1])?;
    // SAFETY: `p` covers `size` guest bytes.
    host_ret(unsafe { libc::syscall(libc::SYS_sched_setaffinity, a[0], a[1], p) })
}

/// `getcpu(cpu, node, cache)`.
pub fn sys_getcpu(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let c = ptr(ctx, a[0], 4)?;
    let n = ptr(ctx, a[1], 4)?;
    // SAFETY: both cover 4 guest bytes or are NULL; the cache argument is unused.
    host_ret(unsafe { libc::syscall(libc::SYS_getcpu, c, n, 0usize) })
}
