//! System information syscalls: uname, getrandom, sysinfo.

use super::{SysCtx, SysResult, host_ret, structs};
use crate::errno::Errno;

/// `uname(buf)` with the guest's machine name.
pub fn sys_uname(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    // SAFETY: a zeroed utsname is valid; uname fills it.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a local.
    host_ret(unsafe { libc::uname(&mut u) } as libc::c_long)?;
    let b = structs::utsname(&u, ctx.proc.arch.uname_machine);
    ctx.mem().write_guest(a[0], &b)?;
    Ok(0)
}

/// `getrandom(buf, len, flags)`.
pub fn sys_getrandom(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ctx.mem().syscall_ptr(a[0], a[1])?;
    // SAFETY: `p` covers `len` guest bytes or is NULL.
    host_ret(unsafe { libc::syscall(libc::SYS_getrandom, p, a[1], a[2]) })
}

/// `sysinfo(info)` (struct sysinfo is 112 bytes on 64-bit guests).
pub fn sys_sysinfo(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ctx.mem().syscall_ptr(a[0], 112)?;
    if p.is_null() {
        return Err(Errno::EFAULT);
    }
    // SAFETY: `p` covers 112 guest bytes.
    host_ret(unsafe { libc::syscall(libc::SYS_sysinfo, p) })
}
