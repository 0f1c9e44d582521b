//! Sockets. `sockaddr_*`, `struct msghdr`, `struct cmsghdr` (with
//! `SCM_RIGHTS` fds and `SCM_CREDENTIALS` `struct ucred`), socket option
//! values and the `SOL_*`/`SO_*` numbers are the same on the 64-bit
//! little-endian guests as on x86-64 (asm-generic; powerpc renumbers six
//! `SO_*` options, which `arch/ppc64le.rs` maps before calling here), so
//! only the pointers inside `msghdr` need translating: the host reads and
//! writes the guest's buffers in place.

use super::fd::host_iovecs;
use super::{SysCtx, SysResult, raw6};
use crate::errno::Errno;
use crate::safe_syscall::safe_syscall;
use libc::c_void;

fn ptr(ctx: &SysCtx<'_>, addr: u64, len: u64) -> Result<*mut c_void, Errno> {
    Ok(ctx.mem().syscall_ptr(addr, len)? as *mut c_void)
}

/// Largest socket address (`sizeof(struct sockaddr_storage)`).
const SOCKADDR_MAX: u64 = 128;
/// Largest control buffer passed through.
const CONTROL_MAX: u64 = 1 << 20;
/// Bytes of a 64-bit `struct msghdr`.
const MSGHDR: usize = 56;

/// A guest `(addr, socklen_t *len)` output pair: the host pointers.
fn addr_out(ctx: &SysCtx<'_>, addr: u64, lenp: u64) -> Result<(u64, u64), Errno> {
    if addr == 0 || lenp == 0 {
        return Ok((0, 0));
    }
    let len = ctx.mem().read_u32(lenp)? as i32;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let a = ptr(ctx, addr, (len as u64).min(SOCKADDR_MAX))?;
    let l = ptr(ctx, lenp, 4)?;
    Ok((a as u64, l as u64))
}

/// `socket(domain, type, protocol)` (SOCK_NONBLOCK/SOCK_CLOEXEC are the
/// O_ values, the same on AArch64 and x86-64).
pub fn sys_socket(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_socket, [a[0], a[1], a[2], 0, 0, 0])
}

/// `socketpair(domain, type, protocol, sv)`.
pub fn sys_socketpair(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let sv = ptr(ctx, a[3], 8)?;
    if sv.is_null() {
        return Err(Errno::EFAULT);
    }
    // SAFETY: `sv` covers two ints in guest memory.
    super::host_ret(unsafe { libc::syscall(libc::SYS_socketpair, a[0], a[1], a[2], sv) })
}

/// `bind(fd, addr, len)` and `connect`: an input address.
fn addr_in_call(ctx: &mut SysCtx<'_>, a: &[u64; 6], nr: libc::c_long, blocking: bool) -> SysResult {
    let p = ptr(ctx, a[1], a[2].min(SOCKADDR_MAX))? as u64;
    if blocking {
        // SAFETY: `p` covers the guest address (or is NULL).
        unsafe { safe_syscall(ctx.thread, nr, [a[0], p, a[2], 0, 0, 0]) }
    } else {
        raw_ptr_call(nr, [a[0], p, a[2], 0, 0, 0])
    }
}

/// A host syscall whose pointer arguments were checked by the caller.
fn raw_ptr_call(nr: libc::c_long, a: [u64; 6]) -> SysResult {
    // SAFETY: callers pass only pointers that cover guest memory inside the
    // reservation (or NULL) and integers.
    super::host_ret(unsafe { libc::syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]) })
}

/// `bind(fd, addr, len)`.
pub fn sys_bind(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    addr_in_call(ctx, a, libc::SYS_bind, false)
}

/// `connect(fd, addr, len)`.
pub fn sys_connect(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    addr_in_call(ctx, a, libc::SYS_connect, true)
}

/// `listen(fd, backlog)`.
pub fn sys_listen(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_listen, [a[0], a[1], 0, 0, 0, 0])
}

/// `shutdown(fd, how)`.
pub fn sys_shutdown(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    raw6(libc::SYS_shutdown, [a[0], a[1], 0, 0, 0, 0])
}

/// `accept4(fd, addr, len, flags)`.
pub fn sys_accept4(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let (p, l) = addr_out(ctx, a[1], a[2])?;
    // SAFETY: `p`/`l` cover the guest address and length (or are NULL).
    unsafe { safe_syscall(ctx.thread, libc::SYS_accept4, [a[0], p, l, a[3], 0, 0]) }
}

/// `accept(fd, addr, len)`.
pub fn sys_accept(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    sys_accept4(ctx, &[a[0], a[1], a[2], 0, 0, 0])
}

/// `getsockname(fd, addr, len)`.
pub fn sys_getsockname(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let (p, l) = addr_out(ctx, a[1], a[2])?;
    raw_ptr_call(libc::SYS_getsockname, [a[0], p, l, 0, 0, 0])
}

/// `getpeername(fd, addr, len)`.
pub fn sys_getpeername(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let (p, l) = addr_out(ctx, a[1], a[2])?;
    raw_ptr_call(libc::SYS_getpeername, [a[0], p, l, 0, 0, 0])
}

/// `sendto(fd, buf, len, flags, addr, addrlen)`.
pub fn sys_sendto(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let b = ptr(ctx, a[1], a[2])? as u64;
    let d = ptr(ctx, a[4], a[5].min(SOCKADDR_MAX))? as u64;
    // SAFETY: `b` and `d` cover guest memory (or are NULL).
    unsafe { safe_syscall(ctx.thread, libc::SYS_sendto, [a[0], b, a[2], a[3], d, a[5]]) }
}

/// `recvfrom(fd, buf, len, flags, addr, addrlen)`.
pub fn sys_recvfrom(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let b = ptr(ctx, a[1], a[2])? as u64;
    let (p, l) = addr_out(ctx, a[4], a[5])?;
    // SAFETY: `b`, `p` and `l` cover guest memory (or are NULL).
    unsafe { safe_syscall(ctx.thread, libc::SYS_recvfrom, [a[0], b, a[2], a[3], p, l]) }
}

/// `send(fd, buf, len, flags)` (PowerPC has it as a syscall): `sendto`
/// without an address.
pub fn sys_send(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    sys_sendto(ctx, &[a[0], a[1], a[2], a[3], 0, 0])
}

/// `recv(fd, buf, len, flags)` (PowerPC has it as a syscall): `recvfrom`
/// without an address.
pub fn sys_recv(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    sys_recvfrom(ctx, &[a[0], a[1], a[2], a[3], 0, 0])
}

/// `setsockopt(fd, level, name, value, len)`.
pub fn sys_setsockopt(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let v = ptr(ctx, a[3], a[4] & 0xffff_ffff)? as u64;
    raw_ptr_call(libc::SYS_setsockopt, [a[0], a[1], a[2], v, a[4], 0])
}

/// `getsockopt(fd, level, name, value, len*)`.
pub fn sys_getsockopt(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let (v, l) = if a[4] == 0 {
        (0, 0)
    } else {
        let len = ctx.mem().read_u32(a[4])? as i32;
        if len < 0 {
            return Err(Errno::EINVAL);
        }
        (
            ptr(ctx, a[3], len as u64)? as u64,
            ptr(ctx, a[4], 4)? as u64,
        )
    };
    raw_ptr_call(libc::SYS_getsockopt, [a[0], a[1], a[2], v, l, 0])
}

/// A host `msghdr` built from a guest one, with the iovecs it points to.
struct HostMsg {
    hdr: libc::msghdr,
    _iov: Vec<libc::iovec>,
}

fn get64(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes"))
}

/// Reads the guest `msghdr` at `addr`.
fn host_msg(ctx: &SysCtx<'_>, addr: u64) -> Result<HostMsg, Errno> {
    let mut g = [0u8; MSGHDR];
    ctx.mem().read_guest(addr, &mut g)?;
    let namelen = u32::from_le_bytes(g[8..12].try_into().expect("4 bytes"));
    let controllen = get64(&g, 40);
    if controllen > CONTROL_MAX {
        return Err(Errno(libc::ENOBUFS));
    }
    let iov = host_iovecs(ctx, get64(&g, 16), get64(&g, 24))?;
    // SAFETY: a zeroed msghdr is valid.
    let mut hdr: libc::msghdr = unsafe { std::mem::zeroed() };
    hdr.msg_name = ptr(ctx, get64(&g, 0), (namelen as u64).min(SOCKADDR_MAX))?;
    hdr.msg_namelen = namelen;
    hdr.msg_iov = iov.as_ptr() as *mut libc::iovec;
    hdr.msg_iovlen = iov.len();
    hdr.msg_control = ptr(ctx, get64(&g, 32), controllen)?;
    hdr.msg_controllen = controllen as usize;
    hdr.msg_flags = i32::from_le_bytes(g[48..52].try_into().expect("4 bytes"));
    Ok(HostMsg { hdr, _iov: iov })
}

/// `sendmsg(fd, msg, flags)`.
pub fn sys_sendmsg(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let m = host_msg(ctx, a[1])?;
    let hp = &m.hdr as *const libc::msghdr as u64;
    // SAFETY: the msghdr and everything it points to cover guest memory or
    // live locals.
    unsafe { safe_syscall(ctx.thread, libc::SYS_sendmsg, [a[0], hp, a[2], 0, 0, 0]) }
}

/// `recvmsg(fd, msg, flags)`: the lengths and flags the kernel updates
/// are copied back into the guest `msghdr`.
pub fn sys_recvmsg(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let mut m = host_msg(ctx, a[1])?;
    let hp = &mut m.hdr as *mut libc::msghdr as u64;
    // SAFETY: as in `sys_sendmsg`; the kernel writes only into guest memory
    // and the local msghdr.
    let r = unsafe { safe_syscall(ctx.thread, libc::SYS_recvmsg, [a[0], hp, a[2], 0, 0, 0]) }?;
    let mem = ctx.mem();
    mem.write_u32(a[1] + 8, m.hdr.msg_namelen)?;
    mem.write_u64(a[1] + 40, m.hdr.msg_controllen as u64)?;
    mem.write_u32(a[1] + 48, m.hdr.msg_flags as u32)?;
    Ok(r)
}
