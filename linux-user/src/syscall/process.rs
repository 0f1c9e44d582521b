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

/// `set_robust_list(head, len)`: recorded and walked when the thread
/// exits ([`crate::thread::exit_robust_list`]); the host kernel cannot
/// walk guest pointers itself.
pub fn sys_set_robust_list(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[1] != 24 {
        return Err(Errno::EINVAL);
    }
    ctx.thread.robust_list = (a[0], a[1]);
    ctx.proc
        .group
        .set_robust(ctx.thread.tid, ctx.thread.robust_list);
    Ok(0)
}

/// `get_robust_list(tid, head_ptr, len_ptr)`: the list head the caller
/// (tid 0) or another thread of this process registered (0 before any);
/// for a thread of another process `EPERM` (xlat cannot see the guest
/// lists of other processes).
pub fn sys_get_robust_list(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let tid = a[0] as i32;
    let (head, _) = if tid == 0 || tid == ctx.thread.tid {
        ctx.thread.robust_list
    } else if ctx.proc.group.get(tid).is_some() {
        ctx.proc.group.robust(tid).unwrap_or((0, 0))
    } else {
        return Err(Errno::EPERM);
    };
    // Linux reports sizeof(struct robust_list_head), list or not.
    let len = 24u64;
    ctx.mem().write_guest(a[1], &head.to_le_bytes())?;
    ctx.mem().write_guest(a[2], &len.to_le_bytes())?;
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
    unsafe {
        crate::safe_syscall::safe_syscall(
            ctx.thread,
            libc::SYS_futex,
            [uaddr as u64, a[1], a[2], arg4, arg5, a[5]],
        )
    }
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

/// Most strings in an execve argv or envp (the host limit applies too).
const MAX_EXEC_STRINGS: usize = 1 << 17;
/// Longest single argv/envp string (Linux's MAX_ARG_STRLEN).
const MAX_ARG_STRLEN: usize = 32 * 4096;

/// Reads a NULL-terminated guest array of string pointers.
fn read_str_array(ctx: &SysCtx<'_>, mut addr: u64) -> Result<Vec<std::ffi::CString>, Errno> {
    let mut v = Vec::new();
    if addr == 0 {
        return Ok(v);
    }
    loop {
        let p = ctx.mem().read_u64(addr)?;
        if p == 0 {
            return Ok(v);
        }
        if v.len() >= MAX_EXEC_STRINGS {
            return Err(Errno::E2BIG);
        }
        let s = ctx.mem().read_cstring(p, MAX_ARG_STRLEN)?;
        v.push(std::ffi::CString::new(s).map_err(|_| Errno::EINVAL)?);
        addr += 8;
    }
}

/// What an `execve` target is.
#[derive(Debug, PartialEq, Eq)]
pub enum ExecKind {
    /// An ELF for the guest machine: run it under xlat.
    Guest,
    /// Anything else (host ELF, `#!` script): the host kernel runs it.
    Host,
}

/// Classifies an executable by its first bytes.
pub fn exec_kind(head: &[u8], guest_machine: u16) -> ExecKind {
    if head.len() >= 20 && &head[..4] == b"\x7fELF" && head[5] == 1 {
        let m = u16::from_le_bytes([head[18], head[19]]);
        if m == guest_machine {
            return ExecKind::Guest;
        }
    }
    ExecKind::Host
}

/// `execve(path, argv, envp)`: a guest program is re-executed under xlat
/// (the host's `/proc/self/exe`) with the same xlat options and the
/// guest's argv[0]; a host program or script is executed natively. On
/// success this does not return.
pub fn sys_execve(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    use std::os::unix::ffi::OsStrExt;
    let path = super::fd::path_arg(ctx, a[0])?;
    let argv = read_str_array(ctx, a[1])?;
    let envp = read_str_array(ctx, a[2])?;
    // Errors the kernel would give for the file itself come first.
    // SAFETY: `path` is a C string.
    if unsafe { libc::access(path.as_ptr(), libc::X_OK) } != 0 {
        return Err(Errno::last());
    }
    let mut head = [0u8; 64];
    let n = std::fs::File::open(std::ffi::OsStr::from_bytes(path.as_bytes()))
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .map_err(|e| Errno(e.raw_os_error().unwrap_or(libc::ENOEXEC)))?;
    let (prog, args): (std::ffi::CString, Vec<std::ffi::CString>) =
        match exec_kind(&head[..n], ctx.proc.arch.elf_machine) {
            ExecKind::Host => (path.clone(), argv),
            ExecKind::Guest => {
                // xlat re-executes itself through /proc/self/exe, which
                // names the running binary even after it was replaced or
                // deleted on disk (a package upgrade, a rebuild); its path
                // is only argv[0].
                let me = std::env::current_exe()
                    .ok()
                    .and_then(|p| std::ffi::CString::new(p.as_os_str().as_bytes()).ok())
                    .unwrap_or_else(|| c"xlat".into());
                let mut v = vec![me];
                for o in &ctx.proc.reexec {
                    v.push(std::ffi::CString::new(o.as_bytes()).map_err(|_| Errno::EINVAL)?);
                }
                if let Some(a0) = argv.first() {
                    v.push(c"-0".into());
                    v.push(a0.clone());
                }
                v.push(path.clone());
                v.extend(argv.into_iter().skip(1));
                (c"/proc/self/exe".into(), v)
            }
        };
    let mut argp: Vec<*const libc::c_char> = args.iter().map(|s| s.as_ptr()).collect();
    argp.push(std::ptr::null());
    let mut envpp: Vec<*const libc::c_char> = envp.iter().map(|s| s.as_ptr()).collect();
    envpp.push(std::ptr::null());
    let (p, av, ev) = (prog.as_ptr(), argp.as_ptr(), envpp.as_ptr());
    // A vfork child's strings stay allocated until its parent resumes
    // (moving them keeps their heap buffers where they are).
    let _keep = crate::thread::vfork_park(Box::new((path, prog, args, envp, argp, envpp)));
    // A guest signal caught by xlat just before the exec would be lost
    // with this process image: the exec does not start then (EINTR, the
    // run loop delivers it and restarts the call after an SA_RESTART
    // handler).
    // SAFETY: NULL-terminated arrays of live C strings (kept just above).
    unsafe {
        crate::safe_syscall::safe_syscall(
            ctx.thread,
            libc::SYS_execve,
            [p as u64, av as u64, ev as u64, 0, 0, 0],
        )
    }
}

/// `wait4(pid, status, options, rusage)` (int status and struct rusage
/// are the same on every 64-bit guest).
pub fn sys_wait4(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let st = ptr(ctx, a[1], 4)?;
    let ru = ptr(ctx, a[3], 144)?;
    // SAFETY: both cover guest memory or are NULL.
    unsafe {
        crate::safe_syscall::safe_syscall(
            ctx.thread,
            libc::SYS_wait4,
            [a[0], st as u64, a[2], ru as u64, 0, 0],
        )
    }
}

/// `waitid(idtype, id, infop, options, rusage)` (siginfo_t and rusage are
/// the same on every 64-bit guest).
pub fn sys_waitid(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let info = ptr(ctx, a[2], 128)?;
    let ru = ptr(ctx, a[4], 144)?;
    // SAFETY: both cover guest memory or are NULL.
    unsafe {
        crate::safe_syscall::safe_syscall(
            ctx.thread,
            libc::SYS_waitid,
            [a[0], a[1], info as u64, a[3], ru as u64, 0],
        )
    }
}
