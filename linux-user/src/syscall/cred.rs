//! Credentials, capabilities, `prctl`, scheduling parameters and other
//! per-process settings. Credential syscalls act on the calling host
//! thread only, as the kernel's do: the guest C library broadcasts them
//! to its other threads itself (each of which is a host thread).

use super::{SysCtx, SysResult, host_ret, raw6};
use crate::errno::Errno;
use libc::c_void;

fn ptr(ctx: &SysCtx<'_>, addr: u64, len: u64) -> Result<*mut c_void, Errno> {
    Ok(ctx.mem().syscall_ptr(addr, len)? as *mut c_void)
}

/// Most supplementary groups (Linux's NGROUPS_MAX).
const NGROUPS_MAX: u64 = 65536;

/// `getgroups(size, list)` (gid_t is 32 bits everywhere).
pub fn sys_getgroups(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let n = a[0] as i32;
    if n < 0 {
        return Err(Errno::EINVAL);
    }
    let p = ptr(ctx, a[1], (n as u64).min(NGROUPS_MAX) * 4)?;
    // SAFETY: `p` covers `size` gids in guest memory (or is NULL).
    host_ret(unsafe { libc::syscall(libc::SYS_getgroups, n, p) })
}

/// `setgroups(size, list)`.
pub fn sys_setgroups(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[0] > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    let p = ptr(ctx, a[1], a[0] * 4)?;
    // SAFETY: `p` covers `size` gids in guest memory (or is NULL).
    host_ret(unsafe { libc::syscall(libc::SYS_setgroups, a[0], p) })
}

/// `setuid`, `setgid`, `setreuid`, `setregid`, `setresuid`, `setresgid`,
/// `setfsuid`, `setfsgid`: integer arguments only.
macro_rules! int_ids {
    ($($(#[$m:meta])* $f:ident => $nr:ident),* $(,)?) => {
        $(
            $(#[$m])*
            pub fn $f(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
                raw6(libc::$nr, [a[0], a[1], a[2], 0, 0, 0])
            }
        )*
    };
}

int_ids! {
    /// `setuid(uid)`.
    sys_setuid => SYS_setuid,
    /// `setgid(gid)`.
    sys_setgid => SYS_setgid,
    /// `setreuid(ruid, euid)`.
    sys_setreuid => SYS_setreuid,
    /// `setregid(rgid, egid)`.
    sys_setregid => SYS_setregid,
    /// `setresuid(ruid, euid, suid)`.
    sys_setresuid => SYS_setresuid,
    /// `setresgid(rgid, egid, sgid)`.
    sys_setresgid => SYS_setresgid,
    /// `setfsuid(uid)`.
    sys_setfsuid => SYS_setfsuid,
    /// `setfsgid(gid)`.
    sys_setfsgid => SYS_setfsgid,
    /// `setsid()`.
    sys_setsid => SYS_setsid,
    /// `getpriority(which, who)`.
    sys_getpriority => SYS_getpriority,
    /// `setpriority(which, who, prio)`.
    sys_setpriority => SYS_setpriority,
    /// `sched_getscheduler(pid)`.
    sys_sched_getscheduler => SYS_sched_getscheduler,
    /// `sched_get_priority_max(policy)`.
    sys_sched_get_priority_max => SYS_sched_get_priority_max,
    /// `sched_get_priority_min(policy)`.
    sys_sched_get_priority_min => SYS_sched_get_priority_min,
    /// `membarrier(cmd, flags, cpu_id)`: the guest's threads are host threads.
    sys_membarrier => SYS_membarrier,
}

/// `getresuid(ruid*, euid*, suid*)` and `getresgid`: three 32-bit ids.
fn get_res(ctx: &SysCtx<'_>, a: &[u64; 6], nr: libc::c_long) -> SysResult {
    let mut ids = [0u32; 3];
    // SAFETY: the three pointers are locals.
    host_ret(unsafe {
        libc::syscall(
            nr,
            &mut ids[0] as *mut u32,
            &mut ids[1] as *mut u32,
            &mut ids[2] as *mut u32,
        )
    })?;
    for (i, id) in ids.iter().enumerate() {
        ctx.mem().write_u32(a[i], *id)?;
    }
    Ok(0)
}

/// `getresuid(ruid, euid, suid)`.
pub fn sys_getresuid(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    get_res(ctx, a, libc::SYS_getresuid)
}

/// `getresgid(rgid, egid, sgid)`.
pub fn sys_getresgid(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    get_res(ctx, a, libc::SYS_getresgid)
}

/// `capget(hdr, data)` and `capset`: the header is {version, pid}, the data
/// up to two 12-byte records (version 2/3); same layout everywhere.
fn cap(ctx: &SysCtx<'_>, a: &[u64; 6], nr: libc::c_long) -> SysResult {
    let h = ptr(ctx, a[0], 8)?;
    if h.is_null() {
        return Err(Errno::EFAULT);
    }
    let d = ptr(ctx, a[1], 24)?;
    // SAFETY: `h` covers 8 and `d` 24 guest bytes (or NULL).
    host_ret(unsafe { libc::syscall(nr, h, d) })
}

/// `capget(hdr, data)`.
pub fn sys_capget(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    cap(ctx, a, libc::SYS_capget)
}

/// `capset(hdr, data)`.
pub fn sys_capset(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    cap(ctx, a, libc::SYS_capset)
}

/// `personality(persona)`: only queries and `PER_LINUX` with flags that
/// do not change what xlat emulates are accepted; the host persona is
/// left alone (it would change xlat's own address-space layout).
pub fn sys_personality(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    // SAFETY: 0xffffffff only queries.
    let cur = host_ret(unsafe { libc::syscall(libc::SYS_personality, 0xffff_ffffu64) })?;
    let p = a[0] as u32;
    if p != 0xffff_ffff && p & 0xff != 0 {
        ctx.proc
            .log
            .unimp(&format!("Unsupported personality: 0x{p:x}"));
        return Err(Errno::EINVAL);
    }
    Ok(cur)
}

/// `syslog(type, buf, len)`.
pub fn sys_syslog(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let len = (a[2] as i32).max(0) as u64;
    let p = ptr(ctx, a[1], len)?;
    // SAFETY: `p` covers `len` guest bytes (or is NULL).
    host_ret(unsafe { libc::syscall(libc::SYS_syslog, a[0], p, a[2]) })
}

/// `prctl` options xlat handles.
mod pr {
    pub const SET_PDEATHSIG: u64 = 1;
    pub const GET_PDEATHSIG: u64 = 2;
    pub const GET_DUMPABLE: u64 = 3;
    pub const SET_DUMPABLE: u64 = 4;
    pub const GET_KEEPCAPS: u64 = 7;
    pub const SET_KEEPCAPS: u64 = 8;
    pub const SET_NAME: u64 = 15;
    pub const GET_NAME: u64 = 16;
    pub const CAPBSET_READ: u64 = 23;
    pub const GET_TIMERSLACK: u64 = 30;
    pub const SET_TIMERSLACK: u64 = 29;
    pub const SET_CHILD_SUBREAPER: u64 = 36;
    pub const GET_CHILD_SUBREAPER: u64 = 37;
    pub const SET_NO_NEW_PRIVS: u64 = 38;
    pub const GET_NO_NEW_PRIVS: u64 = 39;
    pub const CAP_AMBIENT: u64 = 47;
    pub const SET_VMA: u64 = 0x5356_4d41;
}

/// `prctl(option, arg2, arg3, arg4, arg5)`: the options a userland uses;
/// the others are unsupported (EINVAL, logged under `-d unimp`).
pub fn sys_prctl(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    match a[0] {
        pr::SET_NAME => {
            // The name is truncated to 15 bytes; read no further than that.
            let mut name = [0u8; 16];
            for (i, b) in name.iter_mut().take(15).enumerate() {
                let mut c = [0u8];
                ctx.mem().read_guest(a[1] + i as u64, &mut c)?;
                if c[0] == 0 {
                    break;
                }
                *b = c[0];
            }
            // SAFETY: `name` is a local NUL-terminated 16-byte buffer.
            host_ret(unsafe { libc::prctl(libc::PR_SET_NAME, name.as_ptr()) } as libc::c_long)
        }
        pr::GET_NAME => {
            let mut name = [0u8; 16];
            // SAFETY: `name` is a local 16-byte buffer.
            host_ret(unsafe { libc::prctl(libc::PR_GET_NAME, name.as_mut_ptr()) } as libc::c_long)?;
            ctx.mem().write_guest(a[1], &name)?;
            Ok(0)
        }
        pr::GET_PDEATHSIG | pr::GET_CHILD_SUBREAPER => {
            let mut v: libc::c_int = 0;
            let vp = &mut v as *mut libc::c_int;
            // SAFETY: `vp` points to a local int.
            let r = unsafe { libc::prctl(a[0] as libc::c_int, vp) };
            host_ret(r as libc::c_long)?;
            ctx.mem().write_u32(a[1], v as u32)?;
            Ok(0)
        }
        pr::SET_PDEATHSIG
        | pr::GET_DUMPABLE
        | pr::SET_DUMPABLE
        | pr::GET_KEEPCAPS
        | pr::SET_KEEPCAPS
        | pr::CAPBSET_READ
        | pr::GET_TIMERSLACK
        | pr::SET_TIMERSLACK
        | pr::SET_CHILD_SUBREAPER
        | pr::SET_NO_NEW_PRIVS
        | pr::GET_NO_NEW_PRIVS
        | pr::CAP_AMBIENT => raw6(libc::SYS_prctl, [a[0], a[1], a[2], a[3], a[4], 0]),
        // Naming anonymous mappings is advisory.
        pr::SET_VMA => Ok(0),
        o => {
            ctx.proc
                .log
                .unimp(&format!("Unsupported prctl option: {o}"));
            Err(Errno::EINVAL)
        }
    }
}

/// `sched_setparam(pid, param)` / `sched_getparam` (struct sched_param
/// is one int).
pub fn sys_sched_setparam(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[1], 4)?;
    // SAFETY: `p` covers 4 guest bytes (or is NULL).
    host_ret(unsafe { libc::syscall(libc::SYS_sched_setparam, a[0], p) })
}

/// `sched_getparam(pid, param)`.
pub fn sys_sched_getparam(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[1], 4)?;
    // SAFETY: `p` covers 4 guest bytes (or is NULL).
    host_ret(unsafe { libc::syscall(libc::SYS_sched_getparam, a[0], p) })
}

/// `sched_setscheduler(pid, policy, param)`.
pub fn sys_sched_setscheduler(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[2], 4)?;
    // SAFETY: `p` covers 4 guest bytes (or is NULL).
    host_ret(unsafe { libc::syscall(libc::SYS_sched_setscheduler, a[0], a[1], p) })
}

/// `sched_rr_get_interval(pid, tp)` (timespec is the same on 64-bit guests).
pub fn sys_sched_rr_get_interval(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[1], 16)?;
    // SAFETY: `p` covers 16 guest bytes (or is NULL).
    host_ret(unsafe { libc::syscall(libc::SYS_sched_rr_get_interval, a[0], p) })
}

/// `sched_getattr(pid, attr, size, flags)` (struct sched_attr has the same
/// layout everywhere).
pub fn sys_sched_getattr(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let p = ptr(ctx, a[1], a[2].min(4096))?;
    // SAFETY: `p` covers `size` guest bytes (or is NULL).
    host_ret(unsafe { libc::syscall(libc::SYS_sched_getattr, a[0], p, a[2].min(4096), a[3]) })
}

/// `sched_setattr(pid, attr, flags)`: the size is the struct's first word.
pub fn sys_sched_setattr(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let size = ctx.mem().read_u32(a[1])? as u64;
    let p = ptr(ctx, a[1], size.clamp(48, 4096))?;
    // SAFETY: `p` covers the guest struct.
    host_ret(unsafe { libc::syscall(libc::SYS_sched_setattr, a[0], p, a[2]) })
}
