//! Event and file-data syscalls: epoll (converted: `struct epoll_event`
//! is packed to 12 bytes on x86-64 but 16 bytes on AArch64), eventfd,
//! timerfd, signalfd, inotify, memfd, splice/tee/sendfile/copy_file_range
//! and extended attributes (same layouts as the host, passed through).

use super::fd::{masked_wait, path_arg, wait_mask};
use super::{SysCtx, SysResult, host_ret, raw6};
use crate::errno::Errno;
use crate::safe_syscall::safe_syscall;
use libc::c_void;

fn ptr(ctx: &SysCtx<'_>, addr: u64, len: u64) -> Result<*mut c_void, Errno> {
    Ok(ctx.mem().syscall_ptr(addr, len)? as *mut c_void)
}

/// Bytes of a guest (AArch64, ppc64le: natural alignment) `epoll_event`.
pub const GUEST_EPOLL_EVENT: usize = 16;
/// Bytes of the host (x86-64: packed) `epoll_event`.
pub const HOST_EPOLL_EVENT: usize = 12;
/// Most events fetched from the host per `epoll_wait` (fewer than asked is
/// fine: the rest stay ready for the next call).
const MAX_EPOLL_EVENTS: usize = 1024;

/// Converts a guest `epoll_event` (events u32, 4 bytes padding, data u64)
/// into the host's packed layout.
pub fn epoll_event_to_host(g: &[u8; GUEST_EPOLL_EVENT]) -> [u8; HOST_EPOLL_EVENT] {
    let mut h = [0u8; HOST_EPOLL_EVENT];
    h[..4].copy_from_slice(&g[..4]);
    h[4..].copy_from_slice(&g[8..]);
    h
}

/// Converts a host packed `epoll_event` into the guest layout.
pub fn epoll_event_from_host(h: &[u8]) -> [u8; GUEST_EPOLL_EVENT] {
    let mut g = [0u8; GUEST_EPOLL_EVENT];
    g[..4].copy_from_slice(&h[..4]);
    g[8..].copy_from_slice(&h[4..HOST_EPOLL_EVENT]);
    g
}

/// `epoll_create1(flags)` (EPOLL_CLOEXEC is O_CLOEXEC everywhere).
pub fn sys_epoll_create1(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_epoll_create1, [a[0], 0, 0, 0, 0, 0])
}

/// `epoll_ctl(epfd, op, fd, event)`.
pub fn sys_epoll_ctl(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let h = if a[3] != 0 && a[1] as i32 != libc::EPOLL_CTL_DEL {
        let mut g = [0u8; GUEST_EPOLL_EVENT];
        ctx.mem().read_guest(a[3], &mut g)?;
        Some(epoll_event_to_host(&g))
    } else {
        None
    };
    let hp = h.as_ref().map_or(std::ptr::null(), |e| e.as_ptr());
    // SAFETY: `hp` is a local host epoll_event or NULL.
    host_ret(unsafe { libc::syscall(libc::SYS_epoll_ctl, a[0], a[1], a[2], hp) })
}

/// Waits on the host into a local buffer and converts the events into the
/// guest array.
fn epoll_wait_common(ctx: &mut SysCtx<'_>, a: &[u64; 6], tmo: u64, wait2: bool) -> SysResult {
    let max = a[2] as i32;
    if max <= 0 || max as usize > i32::MAX as usize / GUEST_EPOLL_EVENT {
        return Err(Errno::EINVAL);
    }
    let n = (max as usize).min(MAX_EPOLL_EVENTS);
    if ctx
        .mem()
        .syscall_ptr(a[1], (n * GUEST_EPOLL_EVENT) as u64)?
        .is_null()
    {
        return Err(Errno::EFAULT);
    }
    let mut buf = vec![0u8; n * HOST_EPOLL_EVENT];
    let bp = buf.as_mut_ptr() as u64;
    let nr = if wait2 {
        libc::SYS_epoll_pwait2
    } else {
        libc::SYS_epoll_pwait
    };
    let mask = wait_mask(ctx, a[4], a[5])?;
    let got = match mask {
        None => {
            // SAFETY: `bp` is a local buffer of `n` host events; `tmo` is an
            // integer or a pointer into guest memory (epoll_pwait2).
            unsafe { safe_syscall(ctx.thread, nr, [a[0], bp, n as u64, tmo, 0, 8]) }
        }
        Some(m) => masked_wait(ctx, Some(m), |set| {
            // SAFETY: as above; `set` is a valid host sigset.
            host_ret(unsafe {
                libc::syscall(nr, a[0], bp, n, tmo, set as *const libc::sigset_t, 8usize)
            })
        }),
    }?;
    for (i, h) in buf
        .chunks_exact(HOST_EPOLL_EVENT)
        .take(got as usize)
        .enumerate()
    {
        ctx.mem().write_guest(
            a[1] + (i * GUEST_EPOLL_EVENT) as u64,
            &epoll_event_from_host(h),
        )?;
    }
    Ok(got)
}

/// `epoll_pwait(epfd, events, maxevents, timeout, sigmask, sigsetsize)`.
pub fn sys_epoll_pwait(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    epoll_wait_common(ctx, a, a[3] as i32 as i64 as u64, false)
}

/// `epoll_pwait2(epfd, events, maxevents, timeout*, sigmask, sigsetsize)`.
pub fn sys_epoll_pwait2(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let t = ptr(ctx, a[3], 16)? as u64;
    epoll_wait_common(ctx, a, t, true)
}

/// `eventfd2(initval, flags)`.
pub fn sys_eventfd2(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_eventfd2, [a[0], a[1], 0, 0, 0, 0])
}

/// `timerfd_create(clockid, flags)`.
pub fn sys_timerfd_create(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_timerfd_create, [a[0], a[1], 0, 0, 0, 0])
}

/// `timerfd_settime(fd, flags, new, old)` (itimerspec is the same on
/// 64-bit guests).
pub fn sys_timerfd_settime(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let n = ptr(ctx, a[2], 32)?;
    let o = ptr(ctx, a[3], 32)?;
    // SAFETY: both cover 32 guest bytes (or are NULL).
    host_ret(unsafe { libc::syscall(libc::SYS_timerfd_settime, a[0], a[1], n, o) })
}

/// `timerfd_gettime(fd, cur)`.
pub fn sys_timerfd_gettime(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let c = ptr(ctx, a[1], 32)?;
    // SAFETY: `c` covers 32 guest bytes (or is NULL).
    host_ret(unsafe { libc::syscall(libc::SYS_timerfd_gettime, a[0], c) })
}

/// `signalfd4(fd, mask, sizemask, flags)`: the guest mask becomes the host
/// set of the same signals (the numbers agree; signalfd_siginfo is the
/// same everywhere).
pub fn sys_signalfd4(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[2] != 8 {
        return Err(Errno::EINVAL);
    }
    let m = ctx.mem().read_u64(a[1])?;
    let set = crate::signal::host_set(m);
    // SAFETY: `set` is a local host sigset.
    host_ret(unsafe {
        libc::syscall(
            libc::SYS_signalfd4,
            a[0],
            &set as *const libc::sigset_t,
            8usize,
            a[3],
        )
    })
}

/// `inotify_init1(flags)`.
pub fn sys_inotify_init1(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_inotify_init1, [a[0], 0, 0, 0, 0, 0])
}

/// `inotify_add_watch(fd, path, mask)`.
pub fn sys_inotify_add_watch(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = path_arg(ctx, a[1])?;
    // SAFETY: `p` is a C string.
    host_ret(unsafe { libc::syscall(libc::SYS_inotify_add_watch, a[0], p.as_ptr(), a[2]) })
}

/// `inotify_rm_watch(fd, wd)`.
pub fn sys_inotify_rm_watch(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_inotify_rm_watch, [a[0], a[1], 0, 0, 0, 0])
}

/// `memfd_create(name, flags)`.
pub fn sys_memfd_create(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let n = ctx.mem().read_cstring(a[0], 249)?;
    let n = std::ffi::CString::new(n).map_err(|_| Errno::EINVAL)?;
    // SAFETY: `n` is a C string.
    host_ret(unsafe { libc::syscall(libc::SYS_memfd_create, n.as_ptr(), a[1]) })
}

/// `copy_file_range(fd_in, off_in, fd_out, off_out, len, flags)`.
pub fn sys_copy_file_range(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let i = ptr(ctx, a[1], 8)? as u64;
    let o = ptr(ctx, a[3], 8)? as u64;
    // SAFETY: the offsets cover 8 guest bytes (or are NULL).
    unsafe {
        safe_syscall(
            ctx.thread,
            libc::SYS_copy_file_range,
            [a[0], i, a[2], o, a[4], a[5]],
        )
    }
}

/// `splice(fd_in, off_in, fd_out, off_out, len, flags)`.
pub fn sys_splice(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let i = ptr(ctx, a[1], 8)? as u64;
    let o = ptr(ctx, a[3], 8)? as u64;
    // SAFETY: the offsets cover 8 guest bytes (or are NULL).
    unsafe { safe_syscall(ctx.thread, libc::SYS_splice, [a[0], i, a[2], o, a[4], a[5]]) }
}

/// `tee(fd_in, fd_out, len, flags)`.
pub fn sys_tee(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    // SAFETY: integer arguments only.
    unsafe { safe_syscall(ctx.thread, libc::SYS_tee, [a[0], a[1], a[2], a[3], 0, 0]) }
}

/// `sendfile(out_fd, in_fd, offset, count)`.
pub fn sys_sendfile(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let off = ptr(ctx, a[2], 8)? as u64;
    // SAFETY: `off` covers 8 guest bytes (or is NULL).
    unsafe {
        safe_syscall(
            ctx.thread,
            libc::SYS_sendfile,
            [a[0], a[1], off, a[3], 0, 0],
        )
    }
}

/// Longest xattr name (XATTR_NAME_MAX).
const XATTR_NAME_MAX: usize = 255;
/// Largest xattr value or list (XATTR_SIZE_MAX).
const XATTR_SIZE_MAX: u64 = 65536;

/// Which object an xattr call names.
#[derive(Copy, Clone)]
enum XTarget {
    Path,
    LinkPath,
    Fd,
}

fn xattr_target(
    ctx: &SysCtx<'_>,
    t: XTarget,
    arg: u64,
) -> Result<Option<std::ffi::CString>, Errno> {
    match t {
        XTarget::Fd => Ok(None),
        XTarget::Path | XTarget::LinkPath => Ok(Some(path_arg(ctx, arg)?)),
    }
}

fn xattr_name(ctx: &SysCtx<'_>, arg: u64) -> Result<std::ffi::CString, Errno> {
    let n = ctx.mem().read_cstring(arg, XATTR_NAME_MAX + 1)?;
    if n.is_empty() || n.len() > XATTR_NAME_MAX {
        return Err(Errno::ERANGE);
    }
    std::ffi::CString::new(n).map_err(|_| Errno::EINVAL)
}

/// The host syscall number for `t` out of (path, lpath, fd) variants.
fn pick(t: XTarget, nrs: [libc::c_long; 3]) -> libc::c_long {
    match t {
        XTarget::Path => nrs[0],
        XTarget::LinkPath => nrs[1],
        XTarget::Fd => nrs[2],
    }
}

/// First argument of an xattr call: a host path pointer or the fd.
fn first_arg(p: &Option<std::ffi::CString>, a0: u64) -> u64 {
    p.as_ref().map_or(a0, |c| c.as_ptr() as u64)
}

fn getxattr(ctx: &mut SysCtx<'_>, a: &[u64; 6], t: XTarget) -> SysResult {
    let p = xattr_target(ctx, t, a[0])?;
    let n = xattr_name(ctx, a[1])?;
    let v = ptr(ctx, a[2], a[3].min(XATTR_SIZE_MAX))?;
    let nr = pick(
        t,
        [libc::SYS_getxattr, libc::SYS_lgetxattr, libc::SYS_fgetxattr],
    );
    // SAFETY: path and name are C strings; `v` covers the guest buffer.
    host_ret(unsafe { libc::syscall(nr, first_arg(&p, a[0]), n.as_ptr(), v, a[3]) })
}

fn setxattr(ctx: &mut SysCtx<'_>, a: &[u64; 6], t: XTarget) -> SysResult {
    if a[3] > XATTR_SIZE_MAX {
        return Err(Errno::E2BIG);
    }
    let p = xattr_target(ctx, t, a[0])?;
    let n = xattr_name(ctx, a[1])?;
    let v = ptr(ctx, a[2], a[3])?;
    let nr = pick(
        t,
        [libc::SYS_setxattr, libc::SYS_lsetxattr, libc::SYS_fsetxattr],
    );
    // SAFETY: path and name are C strings; `v` covers the guest value.
    host_ret(unsafe { libc::syscall(nr, first_arg(&p, a[0]), n.as_ptr(), v, a[3], a[4]) })
}

fn listxattr(ctx: &mut SysCtx<'_>, a: &[u64; 6], t: XTarget) -> SysResult {
    let p = xattr_target(ctx, t, a[0])?;
    let l = ptr(ctx, a[1], a[2].min(XATTR_SIZE_MAX))?;
    let nr = pick(
        t,
        [
            libc::SYS_listxattr,
            libc::SYS_llistxattr,
            libc::SYS_flistxattr,
        ],
    );
    // SAFETY: the path is a C string; `l` covers the guest buffer.
    host_ret(unsafe { libc::syscall(nr, first_arg(&p, a[0]), l, a[2]) })
}

fn removexattr(ctx: &mut SysCtx<'_>, a: &[u64; 6], t: XTarget) -> SysResult {
    let p = xattr_target(ctx, t, a[0])?;
    let n = xattr_name(ctx, a[1])?;
    let nr = pick(
        t,
        [
            libc::SYS_removexattr,
            libc::SYS_lremovexattr,
            libc::SYS_fremovexattr,
        ],
    );
    // SAFETY: path and name are C strings.
    host_ret(unsafe { libc::syscall(nr, first_arg(&p, a[0]), n.as_ptr()) })
}

macro_rules! xattr_fns {
    ($($(#[$m:meta])* $f:ident => $g:ident, $t:ident;)*) => {
        $(
            $(#[$m])*
            pub fn $f(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
                $g(ctx, a, XTarget::$t)
            }
        )*
    };
}

xattr_fns! {
    /// `getxattr(path, name, value, size)`.
    sys_getxattr => getxattr, Path;
    /// `lgetxattr(path, name, value, size)`.
    sys_lgetxattr => getxattr, LinkPath;
    /// `fgetxattr(fd, name, value, size)`.
    sys_fgetxattr => getxattr, Fd;
    /// `setxattr(path, name, value, size, flags)`.
    sys_setxattr => setxattr, Path;
    /// `lsetxattr(path, name, value, size, flags)`.
    sys_lsetxattr => setxattr, LinkPath;
    /// `fsetxattr(fd, name, value, size, flags)`.
    sys_fsetxattr => setxattr, Fd;
    /// `listxattr(path, list, size)`.
    sys_listxattr => listxattr, Path;
    /// `llistxattr(path, list, size)`.
    sys_llistxattr => listxattr, LinkPath;
    /// `flistxattr(fd, list, size)`.
    sys_flistxattr => listxattr, Fd;
    /// `removexattr(path, name)`.
    sys_removexattr => removexattr, Path;
    /// `lremovexattr(path, name)`.
    sys_lremovexattr => removexattr, LinkPath;
    /// `fremovexattr(fd, name)`.
    sys_fremovexattr => removexattr, Fd;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoll_event_round_trip() {
        let mut g = [0u8; 16];
        g[..4].copy_from_slice(&0x8000_0005u32.to_le_bytes());
        g[4..8].copy_from_slice(&[0xee; 4]); // padding is dropped
        g[8..].copy_from_slice(&0x1122_3344_5566_7788u64.to_le_bytes());
        let h = epoll_event_to_host(&g);
        assert_eq!(&h[..4], &0x8000_0005u32.to_le_bytes());
        assert_eq!(&h[4..], &0x1122_3344_5566_7788u64.to_le_bytes());
        let back = epoll_event_from_host(&h);
        assert_eq!(&back[..4], &g[..4]);
        assert_eq!(&back[4..8], &[0; 4]);
        assert_eq!(&back[8..], &g[8..]);
    }
}
