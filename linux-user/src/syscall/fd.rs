//! File-descriptor and path syscalls.

use super::{SysCtx, SysResult, guest_path, host_ret, is_proc_self_exe, raw6, read_path};
use crate::errno::Errno;
use crate::safe_syscall::safe_syscall;
use libc::{c_int, c_long, c_void};
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;

/// Most iovecs per readv/writev call (IOV_MAX).
const IOV_MAX: u64 = 1024;

fn ptr(ctx: &SysCtx<'_>, addr: u64, len: u64) -> Result<*mut c_void, Errno> {
    Ok(ctx.mem().syscall_ptr(addr, len)? as *mut c_void)
}

/// Reads a path argument and resolves it for the host (`-L`, `/proc/self/exe`).
pub fn path_arg(ctx: &SysCtx<'_>, addr: u64) -> Result<CString, Errno> {
    let p = read_path(ctx, addr)?;
    if is_proc_self_exe(&p) {
        return CString::new(ctx.proc.exe_path.as_os_str().as_bytes()).map_err(|_| Errno::ENOENT);
    }
    Ok(guest_path(ctx.proc, &p))
}

/// `read(fd, buf, count)`.
pub fn sys_read(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[1], a[2])?;
    // SAFETY: `p` covers [buf, buf+count) inside the guest reservation (or
    // is NULL); the kernel reports EFAULT for unmapped pages.
    unsafe { safe_syscall(ctx.thread, libc::SYS_read, [a[0], p as u64, a[2], 0, 0, 0]) }
}

/// `write(fd, buf, count)`.
pub fn sys_write(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[1], a[2])?;
    // SAFETY: as in `sys_read`.
    unsafe { safe_syscall(ctx.thread, libc::SYS_write, [a[0], p as u64, a[2], 0, 0, 0]) }
}

/// `pread64(fd, buf, count, offset)`.
pub fn sys_pread64(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[1], a[2])?;
    // SAFETY: as in `sys_read`.
    unsafe {
        safe_syscall(
            ctx.thread,
            libc::SYS_pread64,
            [a[0], p as u64, a[2], a[3], 0, 0],
        )
    }
}

/// `pwrite64(fd, buf, count, offset)`.
pub fn sys_pwrite64(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[1], a[2])?;
    // SAFETY: as in `sys_read`.
    unsafe {
        safe_syscall(
            ctx.thread,
            libc::SYS_pwrite64,
            [a[0], p as u64, a[2], a[3], 0, 0],
        )
    }
}

/// Converts a guest iovec array to host iovecs (same layout on 64-bit guests).
pub(crate) fn host_iovecs(
    ctx: &SysCtx<'_>,
    addr: u64,
    cnt: u64,
) -> Result<Vec<libc::iovec>, Errno> {
    if cnt > IOV_MAX {
        return Err(Errno::EINVAL);
    }
    let mut raw = vec![0u8; cnt as usize * 16];
    ctx.mem().read_guest(addr, &mut raw)?;
    raw.chunks_exact(16)
        .map(|c| {
            let base = u64::from_le_bytes(c[..8].try_into().expect("8 bytes"));
            let len = u64::from_le_bytes(c[8..].try_into().expect("8 bytes"));
            if len > isize::MAX as u64 {
                return Err(Errno::EINVAL);
            }
            Ok(libc::iovec {
                iov_base: ptr(ctx, base, len)?,
                iov_len: len as usize,
            })
        })
        .collect()
}

/// `readv(fd, iov, iovcnt)`.
pub fn sys_readv(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let v = host_iovecs(ctx, a[1], a[2])?;
    // SAFETY: every iovec points into the guest reservation (or is NULL).
    unsafe {
        safe_syscall(
            ctx.thread,
            libc::SYS_readv,
            [a[0], v.as_ptr() as u64, v.len() as u64, 0, 0, 0],
        )
    }
}

/// `writev(fd, iov, iovcnt)`.
pub fn sys_writev(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let v = host_iovecs(ctx, a[1], a[2])?;
    // SAFETY: as in `sys_readv`.
    unsafe {
        safe_syscall(
            ctx.thread,
            libc::SYS_writev,
            [a[0], v.as_ptr() as u64, v.len() as u64, 0, 0, 0],
        )
    }
}

/// `openat(dirfd, path, flags, mode)`.
pub fn sys_openat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let flags = ctx.proc.arch.open_flags_to_host(a[2] as u32);
    if let Some(f) = crate::procfs::classify(&read_path(ctx, a[1])?) {
        return crate::procfs::open(ctx.proc, f, flags);
    }
    let path = path_arg(ctx, a[1])?;
    // SAFETY: `path` is a valid C string.
    host_ret(
        unsafe { libc::openat(a[0] as c_int, path.as_ptr(), flags, a[3] as libc::c_uint) }
            as c_long,
    )
}

/// `close(fd)`.
pub fn sys_close(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_close, [a[0], 0, 0, 0, 0, 0])
}

/// `lseek(fd, off, whence)`.
pub fn sys_lseek(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_lseek, [a[0], a[1], a[2], 0, 0, 0])
}

/// `dup(fd)`.
pub fn sys_dup(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_dup, [a[0], 0, 0, 0, 0, 0])
}

/// `dup3(old, new, flags)` (only O_CLOEXEC, the same bit everywhere).
pub fn sys_dup3(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_dup3, [a[0], a[1], a[2], 0, 0, 0])
}

/// `fsync`/`fdatasync(fd)`.
pub fn sys_fsync(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_fsync, [a[0], 0, 0, 0, 0, 0])
}

/// `ftruncate(fd, len)`.
pub fn sys_ftruncate(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_ftruncate, [a[0], a[1], 0, 0, 0, 0])
}

/// `fchdir(fd)`.
pub fn sys_fchdir(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_fchdir, [a[0], 0, 0, 0, 0, 0])
}

/// `umask(mask)`.
pub fn sys_umask(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_umask, [a[0], 0, 0, 0, 0, 0])
}

/// `fcntl(fd, cmd, arg)`.
pub fn sys_fcntl(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let fd = a[0] as c_int;
    let cmd = a[1] as c_int;
    match cmd {
        libc::F_GETFL => {
            // SAFETY: integer-only fcntl.
            let r = host_ret(unsafe { libc::fcntl(fd, cmd) } as c_long)?;
            Ok(ctx.proc.arch.open_flags_from_host(r as i32) as u64)
        }
        libc::F_SETFL => {
            let f = ctx.proc.arch.open_flags_to_host(a[2] as u32);
            // SAFETY: integer-only fcntl.
            host_ret(unsafe { libc::fcntl(fd, cmd, f) } as c_long)
        }
        libc::F_GETLK
        | libc::F_SETLK
        | libc::F_SETLKW
        | libc::F_OFD_GETLK
        | libc::F_OFD_SETLK
        | libc::F_OFD_SETLKW => {
            // struct flock has the same 32-byte layout on 64-bit guests.
            let p = ptr(ctx, a[2], 32)?;
            // SAFETY: `p` covers the guest flock inside the reservation.
            host_ret(unsafe { libc::fcntl(fd, cmd, p) } as c_long)
        }
        libc::F_DUPFD
        | libc::F_GETFD
        | libc::F_SETFD
        | libc::F_SETOWN
        | libc::F_GETOWN
        | libc::F_DUPFD_CLOEXEC
        | libc::F_SETPIPE_SZ
        | libc::F_GETPIPE_SZ
        | libc::F_ADD_SEALS
        | libc::F_GET_SEALS
        | libc::F_SETLEASE
        | libc::F_GETLEASE
        | libc::F_NOTIFY => raw6(libc::SYS_fcntl, [a[0], a[1], a[2], 0, 0, 0]),
        _ => {
            ctx.proc
                .log
                .unimp(&format!("Unsupported fcntl command: {cmd}"));
            Err(Errno::EINVAL)
        }
    }
}

/// ioctls xlat passes through: (request, argument bytes, direction).
/// Direction: 0 = integer argument, 1 = host writes, 2 = host reads.
const IOCTLS: &[(u64, u64, u8)] = &[
    (0x5401, 36, 1),     // TCGETS
    (0x5402, 36, 2),     // TCSETS
    (0x5403, 36, 2),     // TCSETSW
    (0x5404, 36, 2),     // TCSETSF
    (0x540f, 4, 1),      // TIOCGPGRP
    (0x5410, 4, 2),      // TIOCSPGRP
    (0x5413, 8, 1),      // TIOCGWINSZ
    (0x5414, 8, 2),      // TIOCSWINSZ
    (0x541b, 4, 1),      // FIONREAD
    (0x5421, 4, 2),      // FIONBIO
    (0x5450, 0, 0),      // FIONCLEX
    (0x5451, 0, 0),      // FIOCLEX
    (0x540b, 0, 0),      // TCFLSH
    (0x5409, 0, 0),      // TCSBRK
    (0x540a, 0, 0),      // TCXONC
    (0x540e, 0, 0),      // TIOCSCTTY
    (0x5422, 0, 0),      // TIOCNOTTY
    (0x5411, 4, 1),      // TIOCOUTQ
    (0x5429, 4, 1),      // TIOCGSID
    (0x5452, 4, 2),      // FIOASYNC
    (0x5460, 8, 1),      // FIOQSIZE
    (0x8004_5430, 4, 1), // TIOCGPTN
    (0x4004_5431, 4, 2), // TIOCSPTLCK
    (0x8004_5432, 4, 1), // TIOCGDEV
    (0x8008_6601, 4, 1), // FS_IOC_GETFLAGS (the kernel copies an int)
    (0x4008_6602, 4, 2), // FS_IOC_SETFLAGS
    (0x4004_9409, 0, 0), // FICLONE
];

/// `ioctl(fd, request, arg)`: the terminal ioctls (same numbers and
/// layouts on AArch64 and x86-64) pass through; others give ENOTTY.
pub fn sys_ioctl(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let req = a[1] & 0xffff_ffff;
    let Some(&(_, size, dir)) = IOCTLS.iter().find(|(r, _, _)| *r == req) else {
        ctx.proc.log.unimp(&format!(
            "Unsupported ioctl: fd {} request 0x{req:x}",
            a[0] as i32
        ));
        return Err(Errno::ENOTTY);
    };
    let arg = if dir == 0 {
        a[2] as *mut c_void
    } else {
        if a[2] == 0 {
            return Err(Errno::EFAULT);
        }
        ptr(ctx, a[2], size)?
    };
    // SAFETY: pointer arguments cover `size` bytes inside the guest
    // reservation; integer arguments are not dereferenced.
    host_ret(unsafe { libc::ioctl(a[0] as c_int, req as libc::c_ulong, arg) } as c_long)
}

/// `pipe2(fds, flags)`.
pub fn sys_pipe2(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let mut fds = [0 as c_int; 2];
    let flags = ctx.proc.arch.open_flags_to_host(a[1] as u32);
    // SAFETY: `fds` is a local array of two ints.
    host_ret(unsafe { libc::pipe2(fds.as_mut_ptr(), flags) } as c_long)?;
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&fds[0].to_le_bytes());
    b[4..].copy_from_slice(&fds[1].to_le_bytes());
    if let Err(e) = ctx.mem().write_guest(a[0], &b) {
        // SAFETY: closing the fds we just created.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
        return Err(e);
    }
    Ok(0)
}

/// `getdents64(fd, buf, count)` (linux_dirent64 is the same everywhere).
pub fn sys_getdents64(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[1], a[2])?;
    // SAFETY: `p` covers the guest buffer inside the reservation.
    host_ret(unsafe { libc::syscall(libc::SYS_getdents64, a[0], p, a[2]) })
}

/// `readlinkat(dirfd, path, buf, size)`; `/proc/self/exe` is the guest binary.
pub fn sys_readlinkat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = read_path(ctx, a[1])?;
    if is_proc_self_exe(&p) {
        let exe = ctx.proc.exe_path.as_os_str().as_bytes();
        let n = exe.len().min(a[3] as usize);
        ctx.mem().write_guest(a[2], &exe[..n])?;
        return Ok(n as u64);
    }
    let path = guest_path(ctx.proc, &p);
    let b = ptr(ctx, a[2], a[3])?;
    // SAFETY: `path` is a C string; `b` covers the guest buffer.
    host_ret(unsafe {
        libc::readlinkat(
            a[0] as c_int,
            path.as_ptr(),
            b as *mut libc::c_char,
            a[3] as usize,
        )
    } as c_long)
}

fn put_stat(ctx: &SysCtx<'_>, addr: u64, st: &libc::stat) -> SysResult {
    let b = (ctx.proc.arch.encode_stat)(st);
    ctx.mem().write_guest(addr, &b)?;
    Ok(0)
}

/// `newfstatat(dirfd, path, statbuf, flags)`.
pub fn sys_newfstatat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let path = path_arg(ctx, a[1])?;
    // SAFETY: a zeroed stat is valid; fstatat writes only into it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a C string, `st` a local.
    let r = unsafe { libc::fstatat(a[0] as c_int, path.as_ptr(), &mut st, a[3] as c_int) };
    host_ret(r as c_long)?;
    put_stat(ctx, a[2], &st)
}

/// `fstat(fd, statbuf)`.
pub fn sys_fstat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    // SAFETY: a zeroed stat is valid.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `st` is a local.
    host_ret(unsafe { libc::fstat(a[0] as c_int, &mut st) } as c_long)?;
    put_stat(ctx, a[1], &st)
}

/// `statx(dirfd, path, flags, mask, buf)` (struct statx is the same everywhere).
pub fn sys_statx(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let path = path_arg(ctx, a[1])?;
    let b = ptr(ctx, a[4], 256)?;
    // SAFETY: `path` is a C string; `b` covers 256 guest bytes.
    host_ret(unsafe { libc::syscall(libc::SYS_statx, a[0], path.as_ptr(), a[2], a[3], b) })
}

/// `faccessat(dirfd, path, mode)`.
pub fn sys_faccessat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let path = path_arg(ctx, a[1])?;
    // SAFETY: `path` is a C string.
    host_ret(unsafe { libc::syscall(libc::SYS_faccessat, a[0], path.as_ptr(), a[2]) })
}

/// `faccessat2(dirfd, path, mode, flags)`.
pub fn sys_faccessat2(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let path = path_arg(ctx, a[1])?;
    // SAFETY: `path` is a C string.
    host_ret(unsafe { libc::syscall(libc::SYS_faccessat2, a[0], path.as_ptr(), a[2], a[3]) })
}

/// `getcwd(buf, size)`.
pub fn sys_getcwd(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let b = ptr(ctx, a[0], a[1])?;
    // SAFETY: `b` covers the guest buffer.
    host_ret(unsafe { libc::syscall(libc::SYS_getcwd, b, a[1]) })
}

/// `chdir(path)`.
pub fn sys_chdir(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let path = path_arg(ctx, a[0])?;
    // SAFETY: `path` is a C string.
    host_ret(unsafe { libc::chdir(path.as_ptr()) } as c_long)
}

/// `mkdirat(dirfd, path, mode)`.
pub fn sys_mkdirat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let path = path_arg(ctx, a[1])?;
    // SAFETY: `path` is a C string.
    host_ret(unsafe { libc::mkdirat(a[0] as c_int, path.as_ptr(), a[2] as libc::mode_t) } as c_long)
}

/// `unlinkat(dirfd, path, flags)`.
pub fn sys_unlinkat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let path = path_arg(ctx, a[1])?;
    // SAFETY: `path` is a C string.
    host_ret(unsafe { libc::unlinkat(a[0] as c_int, path.as_ptr(), a[2] as c_int) } as c_long)
}

/// Passes a syscall through whose only pointer arguments are paths (at
/// the given argument indices); other arguments are integers.
fn path_passthrough(ctx: &SysCtx<'_>, nr: c_long, a: &[u64; 6], paths: &[usize]) -> SysResult {
    let mut args = *a;
    let mut keep = Vec::new();
    for &i in paths {
        let p = path_arg(ctx, a[i])?;
        args[i] = p.as_ptr() as u64;
        keep.push(p);
    }
    // SAFETY: the path arguments point at live C strings in `keep`; the
    // others are integers the kernel does not dereference.
    let r = unsafe { libc::syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5]) };
    drop(keep);
    host_ret(r)
}

/// `fchmod(fd, mode)`.
pub fn sys_fchmod(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_fchmod, [a[0], a[1], 0, 0, 0, 0])
}

/// `fchown(fd, uid, gid)`.
pub fn sys_fchown(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_fchown, [a[0], a[1], a[2], 0, 0, 0])
}

/// `flock(fd, op)`.
pub fn sys_flock(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_flock, [a[0], a[1], 0, 0, 0, 0])
}

/// `fallocate(fd, mode, off, len)`.
pub fn sys_fallocate(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_fallocate, [a[0], a[1], a[2], a[3], 0, 0])
}

/// `fadvise64(fd, off, len, advice)`.
pub fn sys_fadvise64(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_fadvise64, [a[0], a[1], a[2], a[3], 0, 0])
}

/// `sync()`.
pub fn sys_sync(_ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_sync, [0; 6])
}

/// `fchmodat(dirfd, path, mode)`.
pub fn sys_fchmodat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    path_passthrough(ctx, libc::SYS_fchmodat, a, &[1])
}

/// `fchownat(dirfd, path, uid, gid, flags)`.
pub fn sys_fchownat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    path_passthrough(ctx, libc::SYS_fchownat, a, &[1])
}

/// `mknodat(dirfd, path, mode, dev)`.
pub fn sys_mknodat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    path_passthrough(ctx, libc::SYS_mknodat, a, &[1])
}

/// `truncate(path, len)`.
pub fn sys_truncate(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    path_passthrough(ctx, libc::SYS_truncate, a, &[0])
}

/// `symlinkat(target, dirfd, linkpath)`.
pub fn sys_symlinkat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    // The link target is stored as given, not resolved.
    let target = CString::new(read_path(ctx, a[0])?).map_err(|_| Errno::EINVAL)?;
    let link = path_arg(ctx, a[2])?;
    // SAFETY: both are C strings.
    host_ret(unsafe { libc::syscall(libc::SYS_symlinkat, target.as_ptr(), a[1], link.as_ptr()) })
}

/// `linkat(olddirfd, old, newdirfd, new, flags)`.
pub fn sys_linkat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    path_passthrough(ctx, libc::SYS_linkat, a, &[1, 3])
}

/// `renameat(olddirfd, old, newdirfd, new)`.
pub fn sys_renameat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let mut b = *a;
    b[4] = 0;
    path_passthrough(ctx, libc::SYS_renameat2, &b, &[1, 3])
}

/// `renameat2(olddirfd, old, newdirfd, new, flags)`.
pub fn sys_renameat2(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    path_passthrough(ctx, libc::SYS_renameat2, a, &[1, 3])
}

/// `utimensat(dirfd, path, times, flags)` (path may be NULL).
pub fn sys_utimensat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let path = if a[1] != 0 {
        Some(path_arg(ctx, a[1])?)
    } else {
        None
    };
    let times = ptr(ctx, a[2], 32)?;
    let pp = path.as_ref().map_or(std::ptr::null(), |p| p.as_ptr());
    // SAFETY: `pp` is a C string or NULL; `times` covers 32 guest bytes or is NULL.
    host_ret(unsafe { libc::syscall(libc::SYS_utimensat, a[0], pp, times, a[3]) })
}

/// `statfs(path, buf)` (struct statfs is 120 bytes on 64-bit guests).
pub fn sys_statfs(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let path = path_arg(ctx, a[0])?;
    let b = ptr(ctx, a[1], 120)?;
    // SAFETY: `path` is a C string; `b` covers 120 guest bytes.
    host_ret(unsafe { libc::syscall(libc::SYS_statfs, path.as_ptr(), b) })
}

/// `fstatfs(fd, buf)`.
pub fn sys_fstatfs(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let b = ptr(ctx, a[1], 120)?;
    // SAFETY: `b` covers 120 guest bytes.
    host_ret(unsafe { libc::syscall(libc::SYS_fstatfs, a[0], b) })
}

/// Reads the optional guest signal mask of `ppoll`/`pselect6`.
pub(crate) fn wait_mask(ctx: &SysCtx<'_>, addr: u64, size: u64) -> Result<Option<u64>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    Ok(Some(
        ctx.mem().read_u64(addr)? & !crate::signal::UNBLOCKABLE,
    ))
}

/// Runs a mask-taking wait (`ppoll`, `pselect6`) race-free against guest
/// signals; on EINTR with a mask, the handler's frame saves the old mask.
pub(crate) fn masked_wait(
    ctx: &mut SysCtx<'_>,
    mask: Option<u64>,
    call: impl FnOnce(&libc::sigset_t) -> SysResult,
) -> SysResult {
    let old = ctx.thread.sigmask;
    let m = mask.unwrap_or(old);
    let r = crate::signal::wait_with_mask(ctx.thread, m, call);
    if r == Err(Errno(libc::EINTR)) && mask.is_some() {
        ctx.thread.sigmask = m;
        ctx.thread.restore_mask = Some(old);
    }
    r
}

/// `ppoll(fds, nfds, tmo, sigmask, sigsetsize)` (struct pollfd and
/// timespec are the same on every 64-bit guest).
pub fn sys_ppoll(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[1] > 1 << 20 {
        return Err(Errno::EINVAL);
    }
    let fds = ptr(ctx, a[0], a[1] * 8)?;
    let tmo = ptr(ctx, a[2], 16)?;
    let mask = wait_mask(ctx, a[3], a[4])?;
    masked_wait(ctx, mask, |set| {
        // SAFETY: `fds` covers nfds pollfds and `tmo` a timespec in guest
        // memory (or NULL); `set` is a valid host sigset.
        host_ret(unsafe {
            libc::syscall(
                libc::SYS_ppoll,
                fds,
                a[1],
                tmo,
                set as *const libc::sigset_t,
                8usize,
            )
        })
    })
}

/// `pselect6(n, in, out, ex, tmo, {sigmask, size})` (fd_set and timespec
/// are the same on every 64-bit little-endian guest).
pub fn sys_pselect6(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[0] as i64 > 1 << 20 || (a[0] as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let bytes = a[0].div_ceil(64) * 8;
    let r = ptr(ctx, a[1], bytes)?;
    let w = ptr(ctx, a[2], bytes)?;
    let e = ptr(ctx, a[3], bytes)?;
    let tmo = ptr(ctx, a[4], 16)?;
    let mask = if a[5] != 0 {
        let p = ctx.mem().read_u64(a[5])?;
        let size = ctx.mem().read_u64(a[5] + 8)?;
        wait_mask(ctx, p, size)?
    } else {
        None
    };
    masked_wait(ctx, mask, |set| {
        let arg: [u64; 2] = [set as *const libc::sigset_t as u64, 8];
        // SAFETY: the fd sets and timespec point into guest memory (or are
        // NULL); `arg` is the kernel's {sigset pointer, size} pair.
        host_ret(unsafe { libc::syscall(libc::SYS_pselect6, a[0], r, w, e, tmo, arg.as_ptr()) })
    })
}
