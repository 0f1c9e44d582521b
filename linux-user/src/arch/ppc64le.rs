//! The PowerPC 64-bit little-endian Linux ABI (ELFv2): syscall numbers
//! (arch/powerpc/kernel/syscalls/syscall.tbl, not asm-generic), the `sc`
//! and `scv` result conventions, registers at program start, the auxiliary
//! vector, structure layouts.
//!
//! Signal frames follow Linux's 64-bit `struct rt_sigframe` for a kernel
//! without transactional memory (as qemu builds them): the ucontext with
//! GPRs, FPRs, VMX and the VSX low doublewords, then the trampoline,
//! `pinfo`/`puc` and the siginfo, with the 512-byte ABI gap above.

use super::{AbiRegs, ArchDef, FrameIn, FrameOut, SignalAbi};
use crate::errno::Errno;
use crate::mmap::AddressSpace;
use crate::stack::AuxArch;
use crate::syscall::table::{self, sc};
use crate::syscall::{self, SysCtx, SysResult, SyscallDef, cred, events, fd, net, process};
use std::sync::Arc;
use xlat_exec::Cpu;
use xlat_frontend_ppc64le::state::{
    R_CA, R_CA32, R_CTR, R_FPSCR, R_LR, R_OV, R_OV32, R_SO, R_VRSAVE, R_VSCR, R_XER_BC, r_cr,
    r_gpr, r_vr, r_vsx,
};
use xlat_ir::abi::FaultKind;

use xlat_frontend_ppc64le::cpu::{self as ppc_cpu, CpuModel};
pub use xlat_frontend_ppc64le::cpu::{hwcap, hwcap2};

pub mod vdso;

/// Auxiliary-vector tags specific to PowerPC.
pub mod at {
    /// Data cache block size.
    pub const DCACHEBSIZE: u64 = 19;
    /// Instruction cache block size.
    pub const ICACHEBSIZE: u64 = 20;
    /// Unified cache block size.
    pub const UCACHEBSIZE: u64 = 21;
}

/// Cache block size presented to the guest (`dcbz` zeroes this many bytes).
pub const CACHE_BLOCK: u64 = xlat_frontend_ppc64le::translate::storage::DCBZ_BYTES;

/// `AT_FDCWD`.
const AT_FDCWD: u64 = -100i64 as u64;
/// `AT_SYMLINK_NOFOLLOW`.
const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
/// `AT_REMOVEDIR`.
const AT_REMOVEDIR: u64 = 0x200;

// The legacy path syscalls that PowerPC still has (asm-generic dropped
// them): each is the `*at` form relative to the current directory.

fn sys_open(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_openat(ctx, &[AT_FDCWD, a[0], a[1], a[2], 0, 0])
}

fn sys_creat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    // O_WRONLY | O_CREAT | O_TRUNC (same bits on PowerPC and x86-64).
    fd::sys_openat(ctx, &[AT_FDCWD, a[0], 0o1101, a[1], 0, 0])
}

fn sys_stat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_newfstatat(ctx, &[AT_FDCWD, a[0], a[1], 0, 0, 0])
}

fn sys_lstat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_newfstatat(ctx, &[AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW, 0, 0])
}

fn sys_access(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_faccessat(ctx, &[AT_FDCWD, a[0], a[1], 0, 0, 0])
}

fn sys_readlink(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_readlinkat(ctx, &[AT_FDCWD, a[0], a[1], a[2], 0, 0])
}

fn sys_unlink(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_unlinkat(ctx, &[AT_FDCWD, a[0], 0, 0, 0, 0])
}

fn sys_rmdir(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_unlinkat(ctx, &[AT_FDCWD, a[0], AT_REMOVEDIR, 0, 0, 0])
}

fn sys_mkdir(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_mkdirat(ctx, &[AT_FDCWD, a[0], a[1], 0, 0, 0])
}

fn sys_mknod(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_mknodat(ctx, &[AT_FDCWD, a[0], a[1], a[2], 0, 0])
}

fn sys_rename(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_renameat(ctx, &[AT_FDCWD, a[0], AT_FDCWD, a[1], 0, 0])
}

fn sys_symlink(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_symlinkat(ctx, &[a[0], AT_FDCWD, a[1], 0, 0, 0])
}

fn sys_link(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_linkat(ctx, &[AT_FDCWD, a[0], AT_FDCWD, a[1], 0, 0])
}

fn sys_chmod(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_fchmodat(ctx, &[AT_FDCWD, a[0], a[1], 0, 0, 0])
}

fn sys_chown(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_fchownat(ctx, &[AT_FDCWD, a[0], a[1], a[2], 0, 0])
}

fn sys_lchown(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_fchownat(ctx, &[AT_FDCWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW, 0])
}

fn sys_pipe(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    fd::sys_pipe2(ctx, &[a[0], 0, 0, 0, 0, 0])
}

fn sys_dup2(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[0] as u32 == a[1] as u32 {
        // dup2(fd, fd) returns fd if it is open, EBADF otherwise.
        fd::sys_fcntl(ctx, &[a[0], libc::F_GETFD as u64, 0, 0, 0, 0])?;
        return Ok(a[1] as u32 as u64);
    }
    fd::sys_dup3(ctx, &[a[0], a[1], 0, 0, 0, 0])
}

/// `_llseek(fd, offset_high, offset_low, result, whence)`: glibc's lseek
/// on ppc64 uses it because the number exists.
fn sys_llseek(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let off = (a[1] << 32) | (a[2] & 0xffff_ffff);
    let r = fd::sys_lseek(ctx, &[a[0], off, a[4], 0, 0, 0])?;
    ctx.mem().write_guest(a[3], &r.to_le_bytes())?;
    Ok(0)
}

/// `fork()`: `clone(SIGCHLD, 0, ...)`.
fn sys_fork(ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    process::sys_clone(ctx, &[libc::SIGCHLD as u64, 0, 0, 0, 0, 0])
}

/// `vfork()`: `clone(CLONE_VM | CLONE_VFORK | SIGCHLD, 0, ...)`.
fn sys_vfork(ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    let flags = (libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD) as u64;
    process::sys_clone(ctx, &[flags, 0, 0, 0, 0, 0])
}

/// `pause()`: `ppoll(NULL, 0, NULL, NULL)` (returns EINTR after a handler).
fn sys_pause(ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    fd::sys_ppoll(ctx, &[0, 0, 0, 0, 8, 0])
}

/// `alarm(seconds)`: the host's (SIGALRM reaches the guest like any
/// routed signal).
fn sys_alarm(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    syscall::raw6(libc::SYS_alarm, [a[0] & 0xffff_ffff, 0, 0, 0, 0, 0])
}

fn sys_getpgrp(ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    process::sys_getpgid(ctx, &[0; 6])
}

/// Terminal ioctls: PowerPC numbers them with the `_IOR`/`_IOW` encoding
/// and its `struct termios` has other flag bits, another `c_cc` order and
/// speed fields (arch/powerpc/include/uapi/asm/termbits.h, ioctls.h);
/// converted here to the host's (x86-64) and back.
pub mod termios {
    use super::*;

    /// PowerPC request -> x86-64 request for the ioctls whose argument is
    /// the same on both (an int, a `struct winsize`, or none).
    const SAME_ARG: &[(u64, u64)] = &[
        (0x4004_7477, 0x540f),      // TIOCGPGRP
        (0x8004_7476, 0x5410),      // TIOCSPGRP
        (0x4008_7468, 0x5413),      // TIOCGWINSZ
        (0x8008_7467, 0x5414),      // TIOCSWINSZ
        (0x4004_667f, 0x541b),      // FIONREAD
        (0x8004_667e, 0x5421),      // FIONBIO
        (0x2000_6602, 0x5450),      // FIONCLEX
        (0x2000_6601, 0x5451),      // FIOCLEX
        (0x2000_741f, 0x540b),      // TCFLSH
        (0x2000_741d, 0x5409),      // TCSBRK
        (0x2000_741e, 0x540a),      // TCXONC
        (0x4004_5430, 0x8004_5430), // TIOCGPTN
        (0x8004_5431, 0x4004_5431), // TIOCSPTLCK
        (0x4004_5432, 0x8004_5432), // TIOCGDEV
        (0x540e, 0x540e),           // TIOCSCTTY
        (0x5422, 0x5422),           // TIOCNOTTY
        (0x5429, 0x5429),           // TIOCGSID
        (0x4004_7473, 0x5411),      // TIOCOUTQ
    ];
    /// TCGETS (`_IOR('t', 19, struct termios)`).
    pub const TCGETS: u64 = 0x402c_7413;
    /// TCSETS, TCSETSW, TCSETSF.
    pub const TCSETS: [u64; 3] = [0x802c_7414, 0x802c_7415, 0x802c_7416];
    /// `sizeof(struct termios)` on PowerPC.
    pub const GUEST_SIZE: usize = 44;
    /// `sizeof(struct termios)` of the x86-64 kernel (TCGETS).
    pub const HOST_SIZE: usize = 36;

    /// (PowerPC mask, x86-64 mask) per field; multi-bit fields keep their
    /// value (shifted), fields the host lacks are dropped.
    const IFLAG: &[(u32, u32)] = &[
        (0o1, 0o1),
        (0o2, 0o2),
        (0o4, 0o4),
        (0o10, 0o10),
        (0o20, 0o20),
        (0o40, 0o40),
        (0o100, 0o100),
        (0o200, 0o200),
        (0o400, 0o400),
        (0o1000, 0o2000),   // IXON
        (0o2000, 0o10000),  // IXOFF
        (0o4000, 0o4000),   // IXANY
        (0o10000, 0o1000),  // IUCLC
        (0o20000, 0o20000), // IMAXBEL
        (0o40000, 0o40000), // IUTF8
    ];
    const OFLAG: &[(u32, u32)] = &[
        (0o1, 0o1),
        (0o2, 0o4), // ONLCR
        (0o4, 0o2), // OLCUC
        (0o10, 0o10),
        (0o20, 0o20),
        (0o40, 0o40),
        (0o100, 0o100),
        (0o200, 0o200),
        (0o400, 0o400),      // NL1 (NL2/NL3 do not exist on the host)
        (0o30000, 0o3000),   // CRDLY
        (0o6000, 0o14000),   // TABDLY
        (0o100000, 0o20000), // BSDLY
        (0o200000, 0o40000), // VTDLY
        (0o40000, 0o100000), // FFDLY
    ];
    const CFLAG: &[(u32, u32)] = &[
        (0o1400, 0o60),                 // CSIZE
        (0o2000, 0o100),                // CSTOPB
        (0o4000, 0o200),                // CREAD
        (0o10000, 0o400),               // PARENB
        (0o20000, 0o1000),              // PARODD
        (0o40000, 0o2000),              // HUPCL
        (0o100000, 0o4000),             // CLOCAL
        (0o10000000000, 0o10000000000), // CMSPAR
        (0o20000000000, 0o20000000000), // CRTSCTS
    ];
    const LFLAG: &[(u32, u32)] = &[
        (0o200, 0o1),             // ISIG
        (0o400, 0o2),             // ICANON
        (0o40000, 0o4),           // XCASE
        (0o10, 0o10),             // ECHO
        (0o2, 0o20),              // ECHOE
        (0o4, 0o40),              // ECHOK
        (0o20, 0o100),            // ECHONL
        (0o20000000000, 0o200),   // NOFLSH
        (0o20000000, 0o400),      // TOSTOP
        (0o100, 0o1000),          // ECHOCTL
        (0o40, 0o2000),           // ECHOPRT
        (0o1, 0o4000),            // ECHOKE
        (0o40000000, 0o10000),    // FLUSHO
        (0o4000000000, 0o40000),  // PENDIN
        (0o2000, 0o100000),       // IEXTEN
        (0o2000000000, 0o200000), // EXTPROC
    ];
    /// (PowerPC index, x86-64 index) of each `c_cc` entry.
    const CC: &[(usize, usize)] = &[
        (0, 0),   // VINTR
        (1, 1),   // VQUIT
        (2, 2),   // VERASE
        (3, 3),   // VKILL
        (4, 4),   // VEOF
        (7, 5),   // VTIME
        (5, 6),   // VMIN
        (9, 7),   // VSWTC
        (13, 8),  // VSTART
        (14, 9),  // VSTOP
        (12, 10), // VSUSP
        (6, 11),  // VEOL
        (11, 12), // VREPRINT
        (16, 13), // VDISCARD
        (10, 14), // VWERASE
        (15, 15), // VLNEXT
        (8, 16),  // VEOL2
    ];
    /// Speeds of the baud codes 0..=31 (PowerPC numbering: B57600 = 16).
    const SPEEDS: [u32; 32] = [
        0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600,
        115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000,
        2500000, 3000000, 3500000, 4000000, 0,
    ];
    const X86_CBAUD: u32 = 0o10017;
    const X86_CBAUDEX: u32 = 0o10000;
    const PPC_CBAUD: u32 = 0o377;
    const IBSHIFT: u32 = 16;

    fn map(v: u32, table: &[(u32, u32)], to_host: bool) -> u32 {
        table.iter().fold(0, |acc, &(g, h)| {
            let (from, to) = if to_host { (g, h) } else { (h, g) };
            acc | ((((v & from) >> from.trailing_zeros()) << to.trailing_zeros()) & to)
        })
    }

    /// PowerPC baud code (0..=31) -> x86-64 CBAUD value.
    fn baud_to_host(c: u32) -> u32 {
        if c < 16 {
            c
        } else {
            X86_CBAUDEX | ((c - 15) & 0xf)
        }
    }

    /// x86-64 CBAUD value -> PowerPC baud code.
    fn baud_from_host(h: u32) -> u32 {
        if h & X86_CBAUDEX == 0 {
            h & 0xf
        } else {
            ((h & 0xf) + 15).min(31)
        }
    }

    fn get(b: &[u8], o: usize) -> u32 {
        u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes"))
    }

    fn put(b: &mut [u8], o: usize, v: u32) {
        b[o..o + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// x86-64 kernel `struct termios` -> PowerPC `struct termios`.
    pub fn to_guest(h: &[u8; HOST_SIZE]) -> [u8; GUEST_SIZE] {
        let mut g = [0u8; GUEST_SIZE];
        put(&mut g, 0, map(get(h, 0), IFLAG, false));
        put(&mut g, 4, map(get(h, 4), OFLAG, false));
        let hc = get(h, 8);
        let ob = baud_from_host(hc & X86_CBAUD);
        let ib = baud_from_host((hc >> IBSHIFT) & X86_CBAUD);
        put(&mut g, 8, map(hc, CFLAG, false) | ob | (ib << IBSHIFT));
        put(&mut g, 12, map(get(h, 12), LFLAG, false));
        for &(gi, hi) in CC {
            g[16 + gi] = h[17 + hi];
        }
        g[35] = h[16];
        put(&mut g, 36, SPEEDS[(if ib == 0 { ob } else { ib }) as usize]);
        put(&mut g, 40, SPEEDS[ob as usize]);
        g
    }

    /// PowerPC `struct termios` -> x86-64 kernel `struct termios`.
    pub fn to_host(g: &[u8; GUEST_SIZE]) -> [u8; HOST_SIZE] {
        let mut h = [0u8; HOST_SIZE];
        put(&mut h, 0, map(get(g, 0), IFLAG, true));
        put(&mut h, 4, map(get(g, 4), OFLAG, true));
        let gc = get(g, 8);
        let ob = baud_to_host(gc & PPC_CBAUD & 31);
        let ib = baud_to_host((gc >> IBSHIFT) & PPC_CBAUD & 31);
        put(&mut h, 8, map(gc, CFLAG, true) | ob | (ib << IBSHIFT));
        put(&mut h, 12, map(get(g, 12), LFLAG, true));
        h[16] = g[35];
        for &(gi, hi) in CC {
            h[17 + hi] = g[16 + gi];
        }
        h
    }

    /// `ioctl(fd, request, arg)` with PowerPC request numbers.
    pub fn sys_ioctl(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
        let req = a[1] & 0xffff_ffff;
        if let Some(&(_, h)) = SAME_ARG.iter().find(|(g, _)| *g == req) {
            return fd::sys_ioctl(ctx, &[a[0], h, a[2], a[3], a[4], a[5]]);
        }
        if req == TCGETS || TCSETS.contains(&req) {
            let mut hb = [0u8; HOST_SIZE];
            if req == TCGETS {
                // Check the guest buffer before the host call.
                ctx.mem().read_guest(a[2], &mut [0u8; GUEST_SIZE])?;
            } else {
                let mut gb = [0u8; GUEST_SIZE];
                ctx.mem().read_guest(a[2], &mut gb)?;
                hb = to_host(&gb);
            }
            let hreq = match req {
                TCGETS => libc::TCGETS,
                r if r == TCSETS[0] => libc::TCSETS,
                r if r == TCSETS[1] => libc::TCSETSW,
                _ => libc::TCSETSF,
            };
            // SAFETY: `hb` is a local buffer of the size of the x86-64
            // kernel's struct termios, which these requests read or write.
            let r = unsafe { libc::ioctl(a[0] as libc::c_int, hreq, hb.as_mut_ptr()) };
            syscall::host_ret(r as libc::c_long)?;
            if req == TCGETS {
                ctx.mem().write_guest(a[2], &to_guest(&hb))?;
            }
            return Ok(0);
        }
        ctx.proc.log.unimp(&format!(
            "Unsupported ioctl: fd {} request 0x{req:x}",
            a[0] as i32
        ));
        Err(Errno::ENOTTY)
    }
}

/// `poll(fds, nfds, timeout_ms)`: a host `ppoll` with the timeout as a
/// timespec (negative: wait forever), signal-safe like `ppoll`.
fn sys_poll(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[1] > 1 << 20 {
        return Err(Errno::EINVAL);
    }
    let fds = ctx.mem().syscall_ptr(a[0], a[1] * 8)?;
    let ms = a[2] as i32;
    let ts = libc::timespec {
        tv_sec: libc::time_t::from(ms.max(0) / 1000),
        tv_nsec: libc::c_long::from(ms.max(0) % 1000) * 1_000_000,
    };
    let tmo: *const libc::timespec = if ms < 0 { std::ptr::null() } else { &ts };
    fd::masked_wait(ctx, None, |set| {
        // SAFETY: `fds` covers nfds pollfds in guest memory (or is NULL),
        // `tmo` is NULL or points at `ts`, `set` is a valid host sigset.
        syscall::host_ret(unsafe {
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

/// `epoll_wait(epfd, events, maxevents, timeout)`: `epoll_pwait` without
/// a mask.
fn sys_epoll_wait(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    events::sys_epoll_pwait(ctx, &[a[0], a[1], a[2], a[3], 0, 0])
}

/// Bytes of the 64-bit `struct statfs64` (the same layout as `statfs`).
const STATFS64: u64 = 120;

/// `statfs64(path, size, buf)`.
fn sys_statfs64(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[1] != STATFS64 {
        return Err(Errno::EINVAL);
    }
    fd::sys_statfs(ctx, &[a[0], a[2], 0, 0, 0, 0])
}

/// `fstatfs64(fd, size, buf)`.
fn sys_fstatfs64(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if a[1] != STATFS64 {
        return Err(Errno::EINVAL);
    }
    fd::sys_fstatfs(ctx, &[a[0], a[2], 0, 0, 0, 0])
}

/// `SOL_SOCKET` option numbers that powerpc numbers differently from
/// asm-generic/x86-64 (arch/powerpc/include/uapi/asm/socket.h): (guest,
/// host) for `SO_RCVLOWAT`, `SO_SNDLOWAT`, `SO_RCVTIMEO_OLD`,
/// `SO_SNDTIMEO_OLD`, `SO_PASSCRED`, `SO_PEERCRED`.
const SOCKOPT_MAP: [(u64, u64); 6] = [(16, 18), (17, 19), (18, 20), (19, 21), (20, 16), (21, 17)];

/// Converts a guest `(level, optname)` to the host's option name.
fn sockopt_to_host(level: u64, name: u64) -> u64 {
    if level as i32 != libc::SOL_SOCKET {
        return name;
    }
    SOCKOPT_MAP
        .iter()
        .find(|(g, _)| *g == name & 0xffff_ffff)
        .map_or(name, |(_, h)| *h)
}

/// `setsockopt` with powerpc `SO_*` numbers.
fn sys_setsockopt(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let mut b = *a;
    b[2] = sockopt_to_host(a[1], a[2]);
    net::sys_setsockopt(ctx, &b)
}

/// `getsockopt` with powerpc `SO_*` numbers.
fn sys_getsockopt(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let mut b = *a;
    b[2] = sockopt_to_host(a[1], a[2]);
    net::sys_getsockopt(ctx, &b)
}

/// ppc64 numbers of the shared rows (`syscall::table::COMMON`).
const NUMBERS: &[(u32, &str)] = &[
    (1, "exit"),
    (3, "read"),
    (4, "write"),
    (6, "close"),
    (11, "execve"),
    (12, "chdir"),
    (19, "lseek"),
    (20, "getpid"),
    (23, "setuid"),
    (24, "getuid"),
    (36, "sync"),
    (37, "kill"),
    (41, "dup"),
    (43, "times"),
    (45, "brk"),
    (46, "setgid"),
    (47, "getgid"),
    (49, "geteuid"),
    (50, "getegid"),
    (55, "fcntl"),
    (57, "setpgid"),
    (60, "umask"),
    (64, "getppid"),
    (66, "setsid"),
    (70, "setreuid"),
    (71, "setregid"),
    (75, "setrlimit"),
    (76, "getrlimit"),
    (77, "getrusage"),
    (78, "gettimeofday"),
    (80, "getgroups"),
    (81, "setgroups"),
    (90, "mmap"),
    (91, "munmap"),
    (92, "truncate"),
    (93, "ftruncate"),
    (94, "fchmod"),
    (95, "fchown"),
    (96, "getpriority"),
    (97, "setpriority"),
    (99, "statfs"),
    (100, "fstatfs"),
    (103, "syslog"),
    (104, "setitimer"),
    (105, "getitimer"),
    (108, "fstat"),
    (114, "wait4"),
    (116, "sysinfo"),
    (118, "fsync"),
    (120, "clone"),
    (122, "uname"),
    (125, "mprotect"),
    (132, "getpgid"),
    (133, "fchdir"),
    (136, "personality"),
    (138, "setfsuid"),
    (139, "setfsgid"),
    (143, "flock"),
    (144, "msync"),
    (145, "readv"),
    (146, "writev"),
    (147, "getsid"),
    (148, "fdatasync"),
    (150, "mlock"),
    (151, "munlock"),
    (152, "mlockall"),
    (153, "munlockall"),
    (154, "sched_setparam"),
    (155, "sched_getparam"),
    (156, "sched_setscheduler"),
    (157, "sched_getscheduler"),
    (158, "sched_yield"),
    (159, "sched_get_priority_max"),
    (160, "sched_get_priority_min"),
    (161, "sched_rr_get_interval"),
    (162, "nanosleep"),
    (163, "mremap"),
    (164, "setresuid"),
    (165, "getresuid"),
    (169, "setresgid"),
    (170, "getresgid"),
    (172, "rt_sigreturn"),
    (173, "rt_sigaction"),
    (174, "rt_sigprocmask"),
    (175, "rt_sigpending"),
    (176, "rt_sigtimedwait"),
    (177, "rt_sigqueueinfo"),
    (178, "rt_sigsuspend"),
    (179, "pread64"),
    (180, "pwrite64"),
    (182, "getcwd"),
    (183, "capget"),
    (184, "capset"),
    (185, "sigaltstack"),
    (186, "sendfile"),
    (202, "getdents64"),
    (205, "madvise"),
    (207, "gettid"),
    (208, "tkill"),
    (209, "setxattr"),
    (210, "lsetxattr"),
    (211, "fsetxattr"),
    (212, "getxattr"),
    (213, "lgetxattr"),
    (214, "fgetxattr"),
    (215, "listxattr"),
    (216, "llistxattr"),
    (217, "flistxattr"),
    (218, "removexattr"),
    (219, "lremovexattr"),
    (220, "fremovexattr"),
    (221, "futex"),
    (222, "sched_setaffinity"),
    (223, "sched_getaffinity"),
    (232, "set_tid_address"),
    (233, "fadvise64"),
    (234, "exit_group"),
    (237, "epoll_ctl"),
    (246, "clock_gettime"),
    (247, "clock_getres"),
    (248, "clock_nanosleep"),
    (250, "tgkill"),
    (272, "waitid"),
    (276, "inotify_add_watch"),
    (277, "inotify_rm_watch"),
    (280, "pselect6"),
    (281, "ppoll"),
    (283, "splice"),
    (284, "tee"),
    (286, "openat"),
    (287, "mkdirat"),
    (288, "mknodat"),
    (289, "fchownat"),
    (291, "newfstatat"),
    (292, "unlinkat"),
    (293, "renameat"),
    (294, "linkat"),
    (295, "symlinkat"),
    (296, "readlinkat"),
    (297, "fchmodat"),
    (298, "faccessat"),
    (299, "get_robust_list"),
    (300, "set_robust_list"),
    (302, "getcpu"),
    (303, "epoll_pwait"),
    (304, "utimensat"),
    (306, "timerfd_create"),
    (309, "fallocate"),
    (311, "timerfd_settime"),
    (312, "timerfd_gettime"),
    (313, "signalfd4"),
    (314, "eventfd2"),
    (315, "epoll_create1"),
    (316, "dup3"),
    (317, "pipe2"),
    (318, "inotify_init1"),
    (322, "rt_tgsigqueueinfo"),
    (325, "prlimit64"),
    (326, "socket"),
    (327, "bind"),
    (328, "connect"),
    (329, "listen"),
    (330, "accept"),
    (331, "getsockname"),
    (332, "getpeername"),
    (333, "socketpair"),
    (335, "sendto"),
    (337, "recvfrom"),
    (338, "shutdown"),
    (341, "sendmsg"),
    (342, "recvmsg"),
    (344, "accept4"),
    (355, "sched_setattr"),
    (356, "sched_getattr"),
    (357, "renameat2"),
    (359, "getrandom"),
    (360, "memfd_create"),
    (365, "membarrier"),
    (378, "mlock2"),
    (379, "copy_file_range"),
    (383, "statx"),
    (387, "rseq"),
    (395, "shmget"),
    (396, "shmctl"),
    (397, "shmat"),
    (398, "shmdt"),
    (435, "clone3"),
    (439, "faccessat2"),
    (441, "epoll_pwait2"),
];

/// The rows only ppc64 has (or has with another handler).
const OWN: &[SyscallDef] = &[
    sc!(2, "fork", [], None, sys_fork),
    sc!(5, "open", [Str, OpenFlags, Mode], sys_open),
    sc!(8, "creat", [Str, Mode], sys_creat),
    sc!(9, "link", [Str, Str], sys_link),
    sc!(10, "unlink", [Str], sys_unlink),
    sc!(14, "mknod", [Str, Mode, Hex], sys_mknod),
    sc!(15, "chmod", [Str, Mode], sys_chmod),
    sc!(16, "lchown", [Str, Int, Int], sys_lchown),
    sc!(27, "alarm", [Uint], sys_alarm),
    sc!(29, "pause", [], sys_pause),
    sc!(33, "access", [Str, Int], sys_access),
    sc!(38, "rename", [Str, Str], sys_rename),
    sc!(39, "mkdir", [Str, Mode], sys_mkdir),
    sc!(40, "rmdir", [Str], sys_rmdir),
    sc!(42, "pipe", [Ptr], sys_pipe),
    sc!(54, "ioctl", [Fd, Hex, Hex], termios::sys_ioctl),
    sc!(63, "dup2", [Fd, Fd], sys_dup2),
    sc!(65, "getpgrp", [], sys_getpgrp),
    sc!(83, "symlink", [Str, Str], sys_symlink),
    sc!(85, "readlink", [Str, OutBuf, Uint], sys_readlink),
    sc!(106, "stat", [Str, Ptr], sys_stat),
    sc!(107, "lstat", [Str, Ptr], sys_lstat),
    sc!(
        117,
        "ipc",
        [Uint, Int, Int, Hex, Ptr, Hex],
        syscall::mem::sys_ipc
    ),
    sc!(140, "_llseek", [Fd, Int, Int, Ptr, Int], sys_llseek),
    sc!(167, "poll", [Ptr, Uint, Int], sys_poll),
    sc!(171, "prctl", [Int, Hex, Hex, Hex, Hex], cred::sys_prctl),
    sc!(181, "chown", [Str, Int, Int], sys_chown),
    sc!(189, "vfork", [], None, sys_vfork),
    sc!(190, "ugetrlimit", [Int, Ptr], process::sys_getrlimit),
    sc!(238, "epoll_wait", [Fd, Ptr, Int, Int], sys_epoll_wait),
    sc!(252, "statfs64", [Str, Uint, Ptr], sys_statfs64),
    sc!(253, "fstatfs64", [Fd, Uint, Ptr], sys_fstatfs64),
    sc!(334, "send", [Fd, InBuf, Uint, Hex], net::sys_send),
    sc!(336, "recv", [Fd, OutBuf, Uint, Hex], net::sys_recv),
    sc!(339, "setsockopt", [Fd, Int, Int, Ptr, Uint], sys_setsockopt),
    sc!(340, "getsockopt", [Fd, Int, Int, Ptr, Ptr], sys_getsockopt),
];

/// The ppc64 syscall table (numbers from the kernel's powerpc
/// `syscall.tbl`, 64-bit and common rows).
pub static SYSCALLS: [SyscallDef; NUMBERS.len() + OWN.len()] = table::build(NUMBERS, OWN);

fn new_frontend() -> Arc<dyn xlat_ir::Frontend> {
    Arc::new(xlat_frontend_ppc64le::Ppc64Frontend::new(cpu_model()))
}

/// `exc_info` bit that marks a syscall made with `scv` (see the frontend).
pub const SCV_INFO: u64 = xlat_frontend_ppc64le::translate::branch::SCV_FLAG;

/// Writes a syscall result as the kernel returns it. `sc`: on error r3 =
/// positive errno and CR0.SO = 1, on success CR0.SO = 0. `scv`: r3 =
/// value or negative errno, CR0 untouched.
fn set_syscall_result(cpu: &mut Cpu, regs: &AbiRegs, ret: u64, info: u64) {
    if info & SCV_INFO != 0 {
        cpu.set(regs.ret, ret as u128);
        return;
    }
    let err = (ret as i64) < 0 && (ret as i64) >= -4095;
    if err {
        cpu.set(regs.ret, (ret as i64).unsigned_abs() as u128);
    } else {
        cpu.set(regs.ret, ret as u128);
    }
    cpu.set(r_cr(3), u128::from(err));
}

/// Registers at program start besides the SP: the ELFv2 ABI wants the
/// entry address in r12 (global entry point computes the TOC from it).
fn init_regs(cpu: &mut Cpu, entry: u64) {
    cpu.set(r_gpr(12), entry as u128);
}

/// Encodes a host `struct stat` in the ppc64 kernel layout
/// (arch/powerpc/include/uapi/asm/stat.h, `__powerpc64__`): 144 bytes,
/// `st_nlink` 64-bit before a 32-bit `st_mode`, 64-bit `st_blksize`. It
/// happens to match x86-64's layout field for field (checked against the
/// cross compiler's headers), but is written field by field so that the
/// guest layout does not depend on the host's.
pub fn stat_ppc64(st: &libc::stat) -> Vec<u8> {
    let mut b = vec![0u8; 144];
    let mut put = |off: usize, bytes: &[u8]| b[off..off + bytes.len()].copy_from_slice(bytes);
    put(0, &st.st_dev.to_le_bytes());
    put(8, &st.st_ino.to_le_bytes());
    put(16, &st.st_nlink.to_le_bytes());
    put(24, &st.st_mode.to_le_bytes());
    put(28, &st.st_uid.to_le_bytes());
    put(32, &st.st_gid.to_le_bytes());
    put(40, &st.st_rdev.to_le_bytes());
    put(48, &st.st_size.to_le_bytes());
    put(56, &st.st_blksize.to_le_bytes());
    put(64, &st.st_blocks.to_le_bytes());
    put(72, &st.st_atime.to_le_bytes());
    put(80, &st.st_atime_nsec.to_le_bytes());
    put(88, &st.st_mtime.to_le_bytes());
    put(96, &st.st_mtime_nsec.to_le_bytes());
    put(104, &st.st_ctime.to_le_bytes());
    put(112, &st.st_ctime_nsec.to_le_bytes());
    b
}

/// The CPU model chosen with `-cpu` (default: POWER9, as qemu-ppc64le).
static CPU: std::sync::OnceLock<&'static CpuModel> = std::sync::OnceLock::new();

fn cpu_model() -> &'static CpuModel {
    CPU.get().copied().unwrap_or_else(ppc_cpu::default_model)
}

/// Applies `-cpu NAME`: `Ok(Some(text))` for `-cpu help`, `Err` for an
/// unknown model.
pub fn select_cpu(name: &str) -> Result<Option<String>, String> {
    if name == "help" || name == "?" {
        return Ok(Some(ppc_cpu::help()));
    }
    let m =
        ppc_cpu::find(name).ok_or_else(|| format!("unknown CPU model '{name}' (try -cpu help)"))?;
    let _ = CPU.set(m);
    Ok(None)
}

fn hwcaps() -> (u64, u64) {
    let m = cpu_model();
    (m.hwcap(), m.hwcap2())
}

fn platform() -> &'static str {
    cpu_model().platform
}

/// `/proc/cpuinfo` for `ncpus` CPUs of `model` in the format of Linux
/// ppc64's `show_cpuinfo` (arch/powerpc/kernel/setup-common.c) on bare
/// metal: a block per CPU, then the timebase/platform/model footer.
pub fn cpuinfo_for(model: &CpuModel, ncpus: usize) -> String {
    let mut s = String::new();
    for i in 0..ncpus {
        s.push_str(&format!(
            "processor\t: {i}\n\
             cpu\t\t: {}\n\
             clock\t\t: 3425.000000MHz\n\
             revision\t: {}\n\n",
            model.cpuinfo_name,
            model.revision(),
        ));
    }
    s.push_str(&format!(
        "timebase\t: {}\n\
         platform\t: PowerNV\n\
         model\t\t: xlat\n\
         machine\t\t: PowerNV xlat\n\
         firmware\t: OPAL\n\
         MMU\t\t: {}\n",
        xlat_frontend_ppc64le::translate::fixed::TIMEBASE_HZ,
        // POWER9 and later boot with the radix MMU.
        if model.isa >= ppc_cpu::Isa::V300 {
            "Radix"
        } else {
            "Hash"
        }
    ));
    s
}

fn cpuinfo() -> String {
    cpuinfo_for(cpu_model(), super::online_cpus())
}

/// The ppc64le ABI.
pub static ARCH: ArchDef = ArchDef {
    name: "ppc64le",
    elf_machine: 21,
    elf_machine_name: "PowerPC64",
    uname_machine: "ppc64le",
    aux: AuxArch {
        hwcap: 0,
        hwcap2: 0,
        hwcaps: Some(hwcaps),
        platform: "power9",
        platform_fn: Some(platform),
        minsigstksz: 8192,
        base_platform: Some("power9"),
        extra: &[
            (at::DCACHEBSIZE, CACHE_BLOCK),
            (at::ICACHEBSIZE, CACHE_BLOCK),
            (at::UCACHEBSIZE, CACHE_BLOCK),
        ],
    },
    regs: AbiRegs {
        nr: r_gpr(0),
        args: [r_gpr(3), r_gpr(4), r_gpr(5), r_gpr(6), r_gpr(7), r_gpr(8)],
        ret: r_gpr(3),
        sp: r_gpr(1),
        tls: r_gpr(13),
    },
    syscalls: &SYSCALLS,
    encode_stat: stat_ppc64,
    // O_DIRECTORY, O_NOFOLLOW, O_LARGEFILE, O_DIRECT differ from x86-64
    // (arch/powerpc/include/uapi/asm/fcntl.h).
    open_flags: &[
        (0o040000, 0o200000),
        (0o100000, 0o400000),
        (0o400000, 0o040000),
        (0o200000, 0o100000),
    ],
    isa: crate::dlog::GuestIsa::Ppc64le,
    new_frontend,
    set_syscall_result,
    init_regs,
    signal: SignalAbi {
        setup_frame,
        restore_frame,
        trampoline: &SIGTRAMP,
        sa_restorer: false,
        syscall_insn_len: 4,
        fault_syndrome,
    },
    cpuinfo,
    vdso: Some(vdso::image),
};

/// The kernel's 64-bit signal trampoline: `addi r1, r1, 128` (pop the
/// dummy caller frame, so r1 points at the ucontext); `li r0, 172
/// (rt_sigreturn)`; `sc`.
const SIGTRAMP: [u8; 12] = [
    0x80, 0x00, 0x21, 0x38, 0xac, 0x00, 0x00, 0x38, 0x02, 0x00, 0x00, 0x44,
];

/// Layout of the ppc64 `struct rt_sigframe` (arch/powerpc/kernel/
/// signal_64.c, without `uc_transact`) and `struct ucontext` /
/// `struct sigcontext` (uapi asm/ucontext.h, asm/sigcontext.h); offsets
/// checked with `offsetof` on the cross compiler's headers.
pub mod frame {
    /// `sizeof(struct rt_sigframe)`: ucontext 1696, `_unused[2]`,
    /// `tramp[7]` (+4 padding), `pinfo`, `puc`, siginfo 128, abigap 512.
    pub const SIZE: u64 = 2400;
    /// `__SIGNAL_FRAMESIZE`: the dummy caller frame below the frame.
    pub const CALLER_FRAME: u64 = 128;
    /// `uc.uc_flags` (the ucontext is at the start of the frame).
    pub const UC_FLAGS: usize = 0;
    /// `uc.uc_link`.
    pub const UC_LINK: usize = 8;
    /// `uc.uc_stack` (ss_sp, ss_flags, ss_size).
    pub const UC_STACK: usize = 16;
    /// `uc.uc_sigmask`.
    pub const UC_SIGMASK: usize = 40;
    /// `uc.uc_mcontext` (`struct sigcontext`).
    pub const MC: usize = 168;
    /// `sigcontext.signal`.
    pub const SIGNAL: usize = MC + 32;
    /// `sigcontext.handler`.
    pub const HANDLER: usize = MC + 40;
    /// `sigcontext.oldmask`.
    pub const OLDMASK: usize = MC + 48;
    /// `sigcontext.regs` (points at `gp_regs`).
    pub const REGS_PTR: usize = MC + 56;
    /// `sigcontext.gp_regs[48]`.
    pub const GP_REGS: usize = MC + 64;
    /// `sigcontext.fp_regs[33]` (FPR0..31, FPSCR).
    pub const FP_REGS: usize = MC + 448;
    /// `sigcontext.v_regs`.
    pub const V_REGS_PTR: usize = MC + 712;
    /// `sigcontext.vmx_reserve` (101 doublewords).
    pub const VMX_RESERVE: usize = MC + 720;
    /// `frame.tramp`.
    pub const TRAMP: usize = 1712;
    /// `frame.pinfo`.
    pub const PINFO: usize = 1744;
    /// `frame.puc`.
    pub const PUC: usize = 1752;
    /// `frame.info`.
    pub const INFO: usize = 1760;
    /// `gp_regs` indices (asm/ptrace.h).
    pub const PT_NIP: usize = 32;
    /// MSR.
    pub const PT_MSR: usize = 33;
    /// r3 at syscall entry.
    pub const PT_ORIG_R3: usize = 34;
    /// CTR.
    pub const PT_CTR: usize = 35;
    /// LR.
    pub const PT_LNK: usize = 36;
    /// XER.
    pub const PT_XER: usize = 37;
    /// CR.
    pub const PT_CCR: usize = 38;
    /// Soft-enable flag.
    pub const PT_SOFTE: usize = 39;
    /// Interrupt vector.
    pub const PT_TRAP: usize = 40;
    /// Data address of a storage interrupt.
    pub const PT_DAR: usize = 41;
    /// Number of vector entries in the VMX area (32 VRs, VSCR, VRSAVE).
    pub const NVRREG: usize = 34;
    /// User MSR as Linux shows it for a little-endian task using FP, VMX
    /// and VSX: SF, VEC, VSX, EE, PR, FP, ME, IR, DR, RI, LE.
    pub const MSR: u64 = 0x8000_0000_0280_f033;
    /// MSR.VEC: the VMX area is valid.
    pub const MSR_VEC: u64 = 1 << 25;
    /// MSR.VSX: the VSX low doublewords are valid.
    pub const MSR_VSX: u64 = 1 << 23;
}

fn put32(b: &mut [u8], o: usize, v: u32) {
    b[o..o + 4].copy_from_slice(&v.to_le_bytes());
}

fn put64(b: &mut [u8], o: usize, v: u64) {
    b[o..o + 8].copy_from_slice(&v.to_le_bytes());
}

fn get32(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes"))
}

fn get64(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes"))
}

/// Doubleword `dw` (0 = FPR `n`, the high half; 1 = the low half) of
/// VSR `n` (0..32).
fn vsr_dw(cpu: &Cpu, n: usize, dw: u32) -> u64 {
    (cpu.get(r_vsx(n as u32)) >> (64 - 64 * dw)) as u64
}

/// Sets doubleword `dw` of VSR `n` (0..32), keeping the other.
fn set_vsr_dw(cpu: &mut Cpu, n: usize, dw: u32, v: u64) {
    let sh = 64 - 64 * dw;
    let keep = cpu.get(r_vsx(n as u32)) & !(u128::from(u64::MAX) << sh);
    cpu.set(r_vsx(n as u32), keep | u128::from(v) << sh);
}

/// CR as `mfcr` reads it (CR bit 0 is the word's most significant bit).
fn cr_word(cpu: &Cpu) -> u32 {
    (0..32).fold(0, |w, i| w | (((cpu.get(r_cr(i)) & 1) as u32) << (31 - i)))
}

fn set_cr_word(cpu: &mut Cpu, w: u32) {
    for i in 0..32 {
        cpu.set(r_cr(i), ((w >> (31 - i)) & 1) as u128);
    }
}

/// XER as `mfxer` reads it.
fn xer(cpu: &Cpu) -> u64 {
    use xlat_frontend_ppc64le::state::{XER_CA, XER_CA32, XER_OV, XER_OV32, XER_SO};
    let bit = |r, n: u32| ((cpu.get(r) & 1) as u64) << n;
    cpu.get(R_XER_BC) as u64
        | bit(R_SO, XER_SO)
        | bit(R_OV, XER_OV)
        | bit(R_CA, XER_CA)
        | bit(R_OV32, XER_OV32)
        | bit(R_CA32, XER_CA32)
}

fn set_xer(cpu: &mut Cpu, x: u64) {
    use xlat_frontend_ppc64le::state::{XER_BC_MASK, XER_CA, XER_CA32, XER_OV, XER_OV32, XER_SO};
    let flag = |n: u32| ((x >> n) & 1) as u128;
    cpu.set(R_SO, flag(XER_SO));
    cpu.set(R_OV, flag(XER_OV));
    cpu.set(R_CA, flag(XER_CA));
    cpu.set(R_OV32, flag(XER_OV32));
    cpu.set(R_CA32, flag(XER_CA32));
    cpu.set(R_XER_BC, (x & XER_BC_MASK) as u128);
}

/// Offset in the frame of the VMX area (`v_regs`): the first 16-byte
/// aligned address in `vmx_reserve` of a frame at `at`.
fn vregs_offset(at: u64) -> usize {
    let r = at + frame::VMX_RESERVE as u64;
    ((r + 15) & !15).wrapping_sub(at) as usize
}

/// Builds the frame as Linux's `handle_rt_signal64` does.
fn setup_frame(cpu: &mut Cpu, mem: &AddressSpace, f: &FrameIn<'_>) -> Result<(), Errno> {
    use frame::*;
    let at = f.sp_top.wrapping_sub(SIZE) & !15;
    let mut b = vec![0u8; SIZE as usize];
    put64(&mut b, UC_FLAGS, 0);
    put64(&mut b, UC_LINK, 0);
    put64(&mut b, UC_STACK, f.uc_stack.0);
    put32(&mut b, UC_STACK + 8, f.uc_stack.1 as u32);
    put64(&mut b, UC_STACK + 16, f.uc_stack.2);
    put64(&mut b, UC_SIGMASK, f.saved_mask);
    put32(&mut b, SIGNAL, f.sig as u32);
    put64(&mut b, HANDLER, f.handler);
    put64(&mut b, OLDMASK, f.saved_mask);
    put64(&mut b, REGS_PTR, at + GP_REGS as u64);
    for i in 0..32 {
        put64(&mut b, GP_REGS + 8 * i, cpu.get(r_gpr(i as u32)) as u64);
    }
    let gp = |i: usize| GP_REGS + 8 * i;
    put64(&mut b, gp(PT_NIP), cpu.pc());
    put64(&mut b, gp(PT_MSR), MSR);
    put64(&mut b, gp(PT_ORIG_R3), cpu.get(r_gpr(3)) as u64);
    put64(&mut b, gp(PT_CTR), cpu.get(R_CTR) as u64);
    put64(&mut b, gp(PT_LNK), cpu.get(R_LR) as u64);
    put64(&mut b, gp(PT_XER), xer(cpu));
    put64(&mut b, gp(PT_CCR), cr_word(cpu) as u64);
    put64(&mut b, gp(PT_SOFTE), 1);
    if f.fault_address != 0 {
        put64(&mut b, gp(PT_TRAP), 0x300);
        put64(&mut b, gp(PT_DAR), f.fault_address);
    }
    for i in 0..32 {
        put64(&mut b, FP_REGS + 8 * i, vsr_dw(cpu, i, 0));
    }
    // Before the thread's first FPSCR access the arithmetic leaves its
    // exception flags in the host's sticky flags (as that access reads them).
    let host_flags = if cpu.get(xlat_frontend_ppc64le::state::R_FPTRACK) == 0 {
        xlat_frontend_ppc64le::helpers::host_fpscr_flags(xlat_ir::hostfp::status())
    } else {
        0
    };
    put64(
        &mut b,
        FP_REGS + 8 * 32,
        cpu.get(R_FPSCR) as u64 | host_flags,
    );
    let vr = vregs_offset(at);
    put64(&mut b, V_REGS_PTR, at + vr as u64);
    for i in 0..32 {
        let v = cpu.get(r_vr(i as u32));
        b[vr + 16 * i..vr + 16 * i + 16].copy_from_slice(&v.to_le_bytes());
    }
    // VSCR in the word a little-endian stvx of mfvscr's result puts first;
    // VRSAVE in the first word of entry 33.
    put32(&mut b, vr + 16 * 32, cpu.get(R_VSCR) as u32);
    put32(&mut b, vr + 16 * 33, cpu.get(R_VRSAVE) as u32);
    let vsl = vr + 16 * NVRREG;
    for i in 0..32 {
        put64(&mut b, vsl + 8 * i, vsr_dw(cpu, i, 1));
    }
    debug_assert!(vsl + 8 * 32 <= VMX_RESERVE + 8 * 101);
    b[TRAMP..TRAMP + SIGTRAMP.len()].copy_from_slice(&SIGTRAMP);
    put64(&mut b, PINFO, at + INFO as u64);
    put64(&mut b, PUC, at);
    b[INFO..INFO + 128].copy_from_slice(f.info);
    // The dummy caller frame: its back chain is the interrupted r1.
    let newsp = at.wrapping_sub(CALLER_FRAME);
    let mut chain = [0u8; CALLER_FRAME as usize];
    put64(&mut chain, 0, cpu.get(r_gpr(1)) as u64);
    mem.write_guest(at, &b)?;
    mem.write_guest(newsp, &chain)?;
    // Enter the handler (ELFv2: CTR = r12 = entry).
    cpu.set(R_CTR, f.handler as u128);
    cpu.set(r_gpr(12), f.handler as u128);
    cpu.set(r_gpr(1), newsp as u128);
    cpu.set(r_gpr(3), f.sig as u128);
    if f.siginfo {
        cpu.set(r_gpr(4), (at + INFO as u64) as u128);
        cpu.set(r_gpr(5), at as u128);
        cpu.set(r_gpr(6), at as u128);
    } else {
        cpu.set(r_gpr(4), (at + MC as u64) as u128);
    }
    cpu.set(R_LR, f.restorer as u128);
    // No spurious FP exceptions in the handler.
    cpu.set(R_FPSCR, 0);
    cpu.set_pc(f.handler);
    Ok(())
}

/// `rt_sigreturn`: r1 points at the ucontext (the trampoline popped the
/// dummy frame). Restores GPRs, NIP, CTR, LR, XER, CR, FPRs and FPSCR,
/// and the VMX/VSX state when the saved MSR says it is there; an
/// unreadable frame is an error (the caller forces SIGSEGV).
fn restore_frame(cpu: &mut Cpu, mem: &AddressSpace) -> Result<FrameOut, Errno> {
    use frame::*;
    let at = cpu.get(r_gpr(1)) as u64;
    let mut b = vec![0u8; MC + 720];
    mem.read_guest(at, &mut b)?;
    let gp = |i: usize| GP_REGS + 8 * i;
    let msr = get64(&b, gp(PT_MSR));
    // Only little-endian 64-bit user state can be returned to.
    if msr & 1 == 0 {
        return Err(Errno::EINVAL);
    }
    let v_regs = get64(&b, V_REGS_PTR);
    let mut vmx = vec![0u8; 16 * NVRREG + 8 * 32];
    if v_regs != 0 {
        mem.read_guest(v_regs, &mut vmx)?;
    }
    for i in 0..32 {
        cpu.set(r_gpr(i as u32), get64(&b, gp(i)) as u128);
    }
    cpu.set_pc(get64(&b, gp(PT_NIP)));
    cpu.set(R_CTR, get64(&b, gp(PT_CTR)) as u128);
    cpu.set(R_LR, get64(&b, gp(PT_LNK)) as u128);
    set_xer(cpu, get64(&b, gp(PT_XER)));
    set_cr_word(cpu, get64(&b, gp(PT_CCR)) as u32);
    for i in 0..32 {
        set_vsr_dw(cpu, i, 0, get64(&b, FP_REGS + 8 * i));
    }
    cpu.set(R_FPSCR, get64(&b, FP_REGS + 8 * 32) as u128);
    if v_regs != 0 {
        if msr & MSR_VEC != 0 {
            for i in 0..32 {
                let v = u128::from_le_bytes(vmx[16 * i..16 * i + 16].try_into().expect("16 bytes"));
                cpu.set(r_vr(i as u32), v);
            }
            cpu.set(R_VSCR, get32(&vmx, 16 * 32) as u128);
        }
        cpu.set(R_VRSAVE, get32(&vmx, 16 * 33) as u128);
        if msr & MSR_VSX != 0 {
            for i in 0..32 {
                set_vsr_dw(cpu, i, 1, get64(&vmx, 16 * NVRREG + 8 * i));
            }
        }
    }
    Ok(FrameOut {
        mask: get64(&b, UC_SIGMASK),
        uc_stack: (
            get64(&b, UC_STACK),
            get32(&b, UC_STACK + 8) as i32,
            get64(&b, UC_STACK + 16),
        ),
    })
}

/// No syndrome record on PowerPC (DSISR would go into the frame).
fn fault_syndrome(_write: bool, _kind: FaultKind) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpuinfo_lists_cpus_then_the_footer() {
        let p8 = ppc_cpu::find("power8").expect("model");
        let text = cpuinfo_for(p8, 3);
        let procs: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("processor"))
            .collect();
        assert_eq!(
            procs,
            ["processor\t: 0", "processor\t: 1", "processor\t: 2"]
        );
        assert_eq!(text.matches("cpu\t\t: POWER8").count(), 3);
        assert!(text.contains("revision\t: 2.0 (pvr 004d 0200)\n"));
        // The footer comes once, after the last CPU's blank line.
        let foot = text.rsplit("\n\n").next().expect("footer");
        assert!(foot.starts_with("timebase\t: 512000000\nplatform\t: PowerNV\n"));
        assert_eq!(text.matches("timebase").count(), 1);
        assert!(text.ends_with("MMU\t\t: Hash\n"));
        let p10 = cpuinfo_for(ppc_cpu::find("power10").expect("model"), 1);
        assert!(p10.contains("cpu\t\t: POWER10 (raw), altivec supported\n"));
        assert!(p10.contains("revision\t: 2.0 (pvr 0080 0200)\n"));
        assert!(p10.ends_with("MMU\t\t: Radix\n"));
    }

    #[test]
    fn cpu_model_sets_hwcap2_and_platform() {
        assert!(
            select_cpu("help")
                .expect("help")
                .expect("text")
                .contains("power10")
        );
        assert!(select_cpu("power7").is_err());
        // Default (no -cpu in this test process): POWER10.
        let (_, h2) = hwcaps();
        assert_ne!(h2 & hwcap2::ARCH_3_00, 0);
        assert_ne!(h2 & hwcap2::ARCH_3_1, 0);
        assert_eq!(ARCH.aux.platforms(), ("power10", Some("power10")));
    }

    /// AArch64 rows that have no ppc64 counterpart on purpose.
    const DELIBERATELY_ABSENT: &[&str] = &[];

    #[test]
    fn every_aarch64_syscall_has_a_ppc64_row() {
        let missing: Vec<&str> = crate::arch::aarch64::SYSCALLS
            .iter()
            .map(|d| d.name)
            .filter(|n| !DELIBERATELY_ABSENT.contains(n))
            .filter(|n| !SYSCALLS.iter().any(|d| d.name == *n))
            .collect();
        assert!(missing.is_empty(), "missing on ppc64le: {missing:?}");
    }

    #[test]
    fn new_rows_use_powerpc_numbers() {
        // From the ppc64el asm/unistd_64.h.
        let nr = |name: &str| SYSCALLS.iter().find(|d| d.name == name).map(|d| d.nr);
        assert_eq!(nr("socket"), Some(326));
        assert_eq!(nr("accept4"), Some(344));
        assert_eq!(nr("recvmsg"), Some(342));
        assert_eq!(nr("epoll_ctl"), Some(237));
        assert_eq!(nr("epoll_pwait"), Some(303));
        assert_eq!(nr("setuid"), Some(23));
        assert_eq!(nr("getresgid"), Some(170));
        assert_eq!(nr("prctl"), Some(171));
        assert_eq!(nr("memfd_create"), Some(360));
        assert_eq!(nr("copy_file_range"), Some(379));
        assert_eq!(nr("fremovexattr"), Some(220));
        assert_eq!(nr("timerfd_gettime"), Some(312));
        // glibc's ppc64 epoll_wait/poll/statfs use these, not the
        // generic epoll_pwait/ppoll/statfs.
        assert_eq!(nr("epoll_wait"), Some(238));
        assert_eq!(nr("statfs64"), Some(252));
        assert_eq!(nr("fstatfs64"), Some(253));
        assert_eq!(nr("poll"), Some(167));
    }

    #[test]
    fn sockopt_numbers_follow_powerpc() {
        let sol = libc::SOL_SOCKET as u64;
        assert_eq!(sockopt_to_host(sol, 20), libc::SO_PASSCRED as u64);
        assert_eq!(sockopt_to_host(sol, 21), libc::SO_PEERCRED as u64);
        assert_eq!(sockopt_to_host(sol, 18), libc::SO_RCVTIMEO as u64);
        assert_eq!(sockopt_to_host(sol, 16), libc::SO_RCVLOWAT as u64);
        // Same numbers elsewhere, other levels untouched.
        assert_eq!(sockopt_to_host(sol, 2), libc::SO_REUSEADDR as u64);
        assert_eq!(sockopt_to_host(libc::IPPROTO_TCP as u64, 20), 20);
    }

    #[test]
    fn table_numbers_unique_and_sorted() {
        let mut last = None;
        for d in &SYSCALLS {
            assert!(last < Some(d.nr), "{} out of order or duplicate", d.name);
            last = Some(d.nr);
            assert!(d.args.len() <= 6);
        }
    }

    #[test]
    fn table_numbers_are_powerpc_not_generic() {
        // Spot checks against arch/powerpc/kernel/syscalls/syscall.tbl.
        let nr = |name: &str| SYSCALLS.iter().find(|d| d.name == name).map(|d| d.nr);
        assert_eq!(nr("write"), Some(4));
        assert_eq!(nr("exit_group"), Some(234));
        assert_eq!(nr("openat"), Some(286));
        assert_eq!(nr("newfstatat"), Some(291));
        assert_eq!(nr("mmap"), Some(90));
        assert_eq!(nr("brk"), Some(45));
        assert_eq!(nr("rt_sigreturn"), Some(172));
        assert_eq!(nr("clone3"), Some(435));
        assert_eq!(nr("getrandom"), Some(359));
    }

    #[test]
    fn stat_layout_matches_ppc64() {
        // SAFETY: a zeroed stat is a valid value.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        st.st_dev = 0x0102;
        st.st_ino = 0x1122334455;
        st.st_mode = 0o100644;
        st.st_nlink = 3;
        st.st_uid = 1000;
        st.st_gid = 100;
        st.st_rdev = 0x0809;
        st.st_size = 0x1_0000_0001;
        st.st_blksize = 4096;
        st.st_blocks = 9;
        st.st_mtime = 1_700_000_000;
        st.st_mtime_nsec = 123;
        st.st_ctime_nsec = 77;
        let b = stat_ppc64(&st);
        let u32at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        let u64at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        // offsetof() values printed by a powerpc64le-linux-gnu-gcc build
        // of <asm/stat.h> under qemu-ppc64le.
        assert_eq!(b.len(), 144);
        assert_eq!(u64at(0), 0x0102);
        assert_eq!(u64at(8), 0x1122334455);
        assert_eq!(u64at(16), 3, "st_nlink");
        assert_eq!(u32at(24), 0o100644, "st_mode");
        assert_eq!(u32at(28), 1000);
        assert_eq!(u32at(32), 100);
        assert_eq!(u64at(40), 0x0809, "st_rdev");
        assert_eq!(u64at(48), 0x1_0000_0001);
        assert_eq!(u64at(56), 4096, "st_blksize");
        assert_eq!(u64at(64), 9);
        assert_eq!(u64at(88), 1_700_000_000);
        assert_eq!(u64at(96), 123);
        assert_eq!(u64at(112), 77);
    }

    fn cpu() -> (Arc<xlat_exec::Engine>, Cpu) {
        crate::probe::install_fault_handler(None).unwrap();
        let mem = AddressSpace::reserve(34).unwrap();
        let memref: xlat_ir::abi::MemRef = mem;
        let engine =
            xlat_exec::Engine::new(new_frontend(), memref, xlat_exec::ExecOptions::default())
                .unwrap();
        let cpu = engine.new_cpu();
        (engine, cpu)
    }

    #[test]
    fn sc_error_convention_sets_cr0_so() {
        let (_e, mut cpu) = cpu();
        let regs = ARCH.regs;
        cpu.set(r_cr(3), 1);
        set_syscall_result(&mut cpu, &regs, 42, 0);
        assert_eq!((cpu.get(r_gpr(3)), cpu.get(r_cr(3))), (42, 0));
        set_syscall_result(&mut cpu, &regs, (-2i64) as u64, 0);
        assert_eq!((cpu.get(r_gpr(3)), cpu.get(r_cr(3))), (2, 1), "ENOENT");
        // A large address (mmap result) is not an error.
        set_syscall_result(&mut cpu, &regs, 0xffff_ffff_ffff_0000, 0);
        assert_eq!(cpu.get(r_gpr(3)), 0xffff_ffff_ffff_0000);
        assert_eq!(cpu.get(r_cr(3)), 0);
        // scv: negative errno, CR0 untouched.
        cpu.set(r_cr(3), 1);
        set_syscall_result(&mut cpu, &regs, (-22i64) as u64, SCV_INFO);
        assert_eq!(cpu.get(r_gpr(3)) as u64, (-22i64) as u64);
        assert_eq!(cpu.get(r_cr(3)), 1);
    }

    #[test]
    fn start_sets_r12_to_entry() {
        let (_e, mut cpu) = cpu();
        init_regs(&mut cpu, 0x1000_0abc);
        assert_eq!(cpu.get(r_gpr(12)), 0x1000_0abc);
    }

    #[test]
    fn open_flags_conversion() {
        // O_RDONLY|O_DIRECTORY|O_CLOEXEC as ppc64le glibc passes them.
        assert_eq!(
            ARCH.open_flags_to_host(0o040000 | 0o2000000),
            libc::O_DIRECTORY | libc::O_CLOEXEC
        );
        assert_eq!(ARCH.open_flags_to_host(0o100000), libc::O_NOFOLLOW);
        assert_eq!(ARCH.open_flags_to_host(0o400000), libc::O_DIRECT);
        assert_eq!(ARCH.open_flags_from_host(0o100000), 0o200000, "O_LARGEFILE");
    }

    #[test]
    fn termios_flags_and_control_chars_convert() {
        use termios::*;
        // A typical x86-64 terminal: ICRNL|IXON|IUTF8, OPOST|ONLCR,
        // B38400|CS8|CREAD, ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN.
        let mut h = [0u8; HOST_SIZE];
        h[0..4].copy_from_slice(&(0o400u32 | 0o2000 | 0o40000).to_le_bytes());
        h[4..8].copy_from_slice(&(0o1u32 | 0o4).to_le_bytes());
        h[8..12].copy_from_slice(&(0o17u32 | 0o60 | 0o200).to_le_bytes());
        let lflag = 0o1u32 | 0o2 | 0o10 | 0o20 | 0o40 | 0o1000 | 0o4000 | 0o100000;
        h[12..16].copy_from_slice(&lflag.to_le_bytes());
        h[17] = 3; // VINTR
        h[17 + 5] = 0; // VTIME
        h[17 + 6] = 1; // VMIN
        h[17 + 11] = 0xaa; // VEOL
        let g = to_guest(&h);
        let w = |o: usize| u32::from_le_bytes(g[o..o + 4].try_into().unwrap());
        // The same settings in PowerPC bits (asm/termbits.h).
        assert_eq!(w(0), 0o400 | 0o1000 | 0o40000, "c_iflag");
        assert_eq!(w(4), 0o1 | 0o2, "c_oflag");
        assert_eq!(w(8), 0o17 | 0o1400 | 0o4000, "c_cflag");
        assert_eq!(
            w(12),
            0o200 | 0o400 | 0o10 | 0o2 | 0o4 | 0o100 | 0o1 | 0o2000,
            "c_lflag"
        );
        assert_eq!((g[16], g[16 + 5], g[16 + 7], g[16 + 6]), (3, 1, 0, 0xaa));
        assert_eq!((w(36), w(40)), (38400, 38400), "speeds");
        assert_eq!(to_host(&g), h, "round trip");
        // Extended baud rates: B115200 is 17 on PowerPC, CBAUDEX|2 on x86-64.
        let mut g2 = g;
        g2[8..12].copy_from_slice(&(17u32 | 0o1400).to_le_bytes());
        let h2 = to_host(&g2);
        assert_eq!(
            u32::from_le_bytes(h2[8..12].try_into().unwrap()),
            0o10002 | 0o60
        );
        assert_eq!(to_guest(&h2)[40..44], 115200u32.to_le_bytes());
    }

    #[test]
    fn termios_ioctls_on_a_pty() {
        use crate::log::{Log, LogItems};
        use crate::mmap::prot;
        use crate::syscall::{Process, ThreadState, dispatch};
        crate::probe::install_fault_handler(None).unwrap();
        let mem = AddressSpace::reserve(34).unwrap();
        mem.map_anon(0x10000, 0x1000, prot::READ | prot::WRITE);
        let log = Arc::new(Log::new(LogItems::default(), Box::new(std::io::sink())));
        let p = Process::new(&ARCH, mem, "/bin/guest".into(), None, log);
        let mut t = ThreadState::default();
        let (mut m, mut s) = (0, 0);
        // SAFETY: openpty writes two descriptors into the locals.
        let r = unsafe {
            libc::openpty(
                &mut m,
                &mut s,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(r, 0);
        let ioctl = |t: &mut ThreadState, fd: i32, req: u64, arg: u64| {
            dispatch(&p, t, 54, [fd as u64, req, arg, 0, 0, 0]).0 as i64
        };
        assert_eq!(ioctl(&mut t, s, termios::TCGETS, 0x10000), 0);
        let lflag = p.mem.read_u32(0x10000 + 12).unwrap();
        assert_ne!(lflag & 0o400, 0, "ICANON in PowerPC bits");
        assert_ne!(lflag & 0o10, 0, "ECHO");
        // Clear ECHO through TCSETS and read it back.
        p.mem.write_u32(0x10000 + 12, lflag & !0o10).unwrap();
        assert_eq!(ioctl(&mut t, s, termios::TCSETS[0], 0x10000), 0);
        assert_eq!(ioctl(&mut t, s, termios::TCGETS, 0x10100), 0);
        assert_eq!(p.mem.read_u32(0x10100 + 12).unwrap(), lflag & !0o10);
        // TIOCGWINSZ by its PowerPC number; a pipe is not a terminal.
        assert_eq!(ioctl(&mut t, s, 0x4008_7468, 0x10200), 0);
        let mut fds = [0; 2];
        // SAFETY: pipe writes two descriptors into the local array.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        assert_eq!(ioctl(&mut t, fds[0], termios::TCGETS, 0x10000), -25);
        // The x86-64 number means nothing on PowerPC; bad buffer: EFAULT.
        assert_eq!(ioctl(&mut t, s, 0x5401, 0x10000), -25);
        assert_eq!(ioctl(&mut t, s, termios::TCGETS, 0x3000), -14);
        for fd in [m, s, fds[0], fds[1]] {
            // SAFETY: closing descriptors this test opened.
            unsafe { libc::close(fd) };
        }
    }

    #[test]
    fn binfmt_entry_matches_little_endian_ppc64_only() {
        let a = crate::binfmt::BinfmtArch::find("ppc64le").expect("ppc64le row");
        assert_eq!((a.machine, a.binary), (ARCH.elf_machine, "xlat-ppc64le"));
        let matches = |h: &[u8]| {
            h.iter()
                .zip(a.magic.iter().zip(a.mask.iter()))
                .all(|(b, (m, k))| b & k == m & k)
        };
        // e_ident of an ELF64 LE program, ET_DYN, EM_PPC64.
        let mut h = [0u8; 20];
        h[..8].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
        h[16] = 3;
        h[18..20].copy_from_slice(&21u16.to_le_bytes());
        assert!(matches(&h));
        // Big-endian ppc64 is not claimed.
        let mut be = h;
        be[5] = 2;
        be[16..18].copy_from_slice(&3u16.to_be_bytes());
        be[18..20].copy_from_slice(&21u16.to_be_bytes());
        assert!(!matches(&be));
        assert!(!a.is_host());
    }

    #[test]
    fn sigreturn_trampoline_decodes() {
        let w = |i: usize| u32::from_le_bytes(SIGTRAMP[4 * i..4 * i + 4].try_into().unwrap());
        // addi r1, r1, 128
        assert_eq!(w(0) >> 26, 14);
        assert_eq!(((w(0) >> 21) & 31, (w(0) >> 16) & 31), (1, 1));
        assert_eq!(w(0) & 0xffff, 128);
        // addi r0, 0, 172
        assert_eq!(w(1) >> 26, 14);
        assert_eq!((w(1) >> 21) & 31, 0);
        assert_eq!(w(1) & 0xffff, 172);
        assert_eq!(w(2), 0x4400_0002, "sc");
    }

    #[test]
    fn signal_frame_layout_and_round_trip() {
        let mem = crate::mmap::test_space();
        let memref: xlat_ir::abi::MemRef = mem.clone();
        let engine =
            xlat_exec::Engine::new(new_frontend(), memref, xlat_exec::ExecOptions::default())
                .unwrap();
        let mut cpu = engine.new_cpu();
        for i in 0..32 {
            cpu.set(r_gpr(i), 0x1000 + i as u128);
        }
        cpu.set(r_gpr(1), 0x1_fff0);
        cpu.set_pc(0x4000);
        cpu.set(R_LR, 0x4444);
        cpu.set(R_CTR, 0x5555);
        set_cr_word(&mut cpu, 0x2480_0001);
        cpu.set(R_CA, 1);
        cpu.set(R_SO, 1);
        cpu.set(R_FPSCR, 0xf8);
        // FPSCR is tracked: the frame holds it alone, not the host's flags.
        cpu.set(xlat_frontend_ppc64le::state::R_FPTRACK, 1);
        set_vsr_dw(&mut cpu, 31, 0, 2.5f64.to_bits());
        set_vsr_dw(&mut cpu, 2, 1, 0x77);
        cpu.set(r_vr(5), 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10);
        cpu.set(R_VSCR, 0x0001_0000);
        cpu.set(R_VRSAVE, 0xffff_0000);
        let info = [7u8; 128];
        let fi = FrameIn {
            sig: 10,
            info: &info,
            siginfo: true,
            sp_top: 0x1_fff0,
            handler: 0x5000,
            restorer: 0x6000,
            saved_mask: 0x0102,
            uc_stack: (0, 2, 0),
            fault_address: 0,
            syndrome: None,
        };
        setup_frame(&mut cpu, &mem, &fi).unwrap();
        let at = (0x1_fff0u64 - 2400) & !15;
        assert_eq!(at % 16, 0);
        assert_eq!(cpu.get(r_gpr(1)) as u64, at - 128, "dummy caller frame");
        assert_eq!(mem.read_u64(at - 128).unwrap(), 0x1_fff0, "back chain");
        assert_eq!(cpu.pc(), 0x5000);
        assert_eq!((cpu.get(r_gpr(12)), cpu.get(R_CTR)), (0x5000, 0x5000));
        assert_eq!(cpu.get(r_gpr(3)), 10);
        assert_eq!(cpu.get(r_gpr(4)) as u64, at + 1760, "&frame->info");
        assert_eq!(cpu.get(r_gpr(5)) as u64, at, "&frame->uc");
        assert_eq!(cpu.get(R_LR), 0x6000);
        assert_eq!(cpu.get(R_FPSCR), 0, "handler starts with FPSCR 0");
        // Offsets of the kernel's ucontext/sigcontext.
        assert_eq!(mem.read_u64(at + 40).unwrap(), 0x0102, "uc_sigmask");
        assert_eq!(mem.read_u32(at + 24).unwrap(), 2, "uc_stack.ss_flags");
        let mc = at + 168;
        assert_eq!(mem.read_u32(mc + 32).unwrap(), 10, "signal");
        assert_eq!(mem.read_u64(mc + 40).unwrap(), 0x5000, "handler");
        assert_eq!(mem.read_u64(mc + 56).unwrap(), mc + 64, "regs");
        let gp = mc + 64;
        assert_eq!(mem.read_u64(gp + 8 * 7).unwrap(), 0x1007, "r7");
        assert_eq!(mem.read_u64(gp + 8).unwrap(), 0x1_fff0, "r1");
        assert_eq!(mem.read_u64(gp + 8 * 32).unwrap(), 0x4000, "nip");
        assert_eq!(mem.read_u64(gp + 8 * 35).unwrap(), 0x5555, "ctr");
        assert_eq!(mem.read_u64(gp + 8 * 36).unwrap(), 0x4444, "link");
        assert_eq!(mem.read_u64(gp + 8 * 37).unwrap(), 0xa000_0000, "xer SO|CA");
        assert_eq!(mem.read_u64(gp + 8 * 38).unwrap(), 0x2480_0001, "ccr");
        let fp = mc + 448;
        assert_eq!(mem.read_u64(fp + 8 * 31).unwrap(), 2.5f64.to_bits());
        assert_eq!(mem.read_u64(fp + 8 * 32).unwrap(), 0xf8, "fpscr");
        let vr = mem.read_u64(mc + 712).unwrap();
        assert_eq!(vr % 16, 0);
        assert!(vr >= mc + 720 && vr + 800 <= mc + 720 + 808);
        let mut b = [0u8; 16];
        mem.read_guest(vr + 16 * 5, &mut b).unwrap();
        assert_eq!(
            u128::from_le_bytes(b),
            0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10
        );
        assert_eq!(mem.read_u32(vr + 16 * 32).unwrap(), 0x0001_0000, "vscr");
        assert_eq!(mem.read_u32(vr + 16 * 33).unwrap(), 0xffff_0000, "vrsave");
        assert_eq!(mem.read_u64(vr + 16 * 34 + 16).unwrap(), 0x77, "vsr2 dw1");
        // The handler clobbers everything; its return runs the trampoline
        // (r1 += 128) and rt_sigreturn restores.
        for i in 0..32 {
            cpu.set(r_gpr(i), 0);
        }
        set_cr_word(&mut cpu, 0);
        cpu.set(R_CA, 0);
        cpu.set(r_vr(5), 0);
        set_vsr_dw(&mut cpu, 2, 1, 0);
        set_vsr_dw(&mut cpu, 31, 0, 0);
        cpu.set(r_gpr(1), at as u128);
        let out = restore_frame(&mut cpu, &mem).unwrap();
        assert_eq!(out.mask, 0x0102);
        assert_eq!(out.uc_stack, (0, 2, 0));
        assert_eq!(cpu.get(r_gpr(7)), 0x1007);
        assert_eq!(cpu.get(r_gpr(1)), 0x1_fff0);
        assert_eq!(cpu.pc(), 0x4000);
        assert_eq!((cpu.get(R_LR), cpu.get(R_CTR)), (0x4444, 0x5555));
        assert_eq!(cr_word(&cpu), 0x2480_0001);
        assert_eq!((cpu.get(R_CA), cpu.get(R_SO)), (1, 1));
        assert_eq!(cpu.get(R_FPSCR), 0xf8);
        assert_eq!(cpu.get(r_vsx(31)) >> 64, u128::from(2.5f64.to_bits()));
        assert_eq!(cpu.get(r_vr(5)), 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10);
        assert_eq!(cpu.get(r_vsx(2)), 0x77);
        // A big-endian MSR is refused; an unreadable frame is an error.
        mem.write_u64(gp + 8 * 33, 0x8000_0000_0000_f032).unwrap();
        assert!(restore_frame(&mut cpu, &mem).is_err());
        cpu.set(r_gpr(1), 0x3000);
        assert!(restore_frame(&mut cpu, &mem).is_err());
        let bad = FrameIn {
            sp_top: 0x10100,
            ..fi
        };
        assert!(setup_frame(&mut cpu, &mem, &bad).is_err());
    }
}
