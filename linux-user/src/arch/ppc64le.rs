//! The PowerPC 64-bit little-endian Linux ABI (ELFv2): syscall numbers
//! (arch/powerpc/kernel/syscalls/syscall.tbl, not asm-generic), the `sc`
//! and `scv` result conventions, registers at program start, the auxiliary
//! vector, structure layouts.
//!
//! Signal frames are not built yet: a signal whose disposition is a guest
//! handler cannot be delivered (the frame builder fails, so the process
//! dies of SIGSEGV as Linux does for an unwritable frame); default
//! actions (death, core, ignore) work as for every guest.

use super::{AbiRegs, ArchDef, FrameIn, FrameOut, SignalAbi};
use crate::errno::Errno;
use crate::mmap::AddressSpace;
use crate::stack::AuxArch;
use crate::syscall::ArgKind::*;
use crate::syscall::{
    self, RetKind, SysCtx, SysResult, SyscallDef, fd, info, mem, process, signal, time,
};
use std::sync::Arc;
use xlat_exec::Cpu;
use xlat_frontend_ppc64le::state::{r_cr, r_gpr};
use xlat_ir::abi::FaultKind;

/// `PPC_FEATURE_*` bits of AT_HWCAP (arch/powerpc/include/uapi/asm/cputable.h).
pub mod hwcap {
    /// 32-bit mode available.
    pub const PPC32: u64 = 0x8000_0000;
    /// 64-bit mode.
    pub const PPC64: u64 = 0x4000_0000;
    /// AltiVec (VMX).
    pub const ALTIVEC: u64 = 0x1000_0000;
    /// Floating point.
    pub const FPU: u64 = 0x0800_0000;
    /// MMU.
    pub const MMU: u64 = 0x0400_0000;
    /// POWER5+ instructions (popcntb, fri*).
    pub const POWER5_PLUS: u64 = 0x0002_0000;
    /// Simultaneous multithreading.
    pub const SMT: u64 = 0x0000_4000;
    /// Instruction cache snoops data stores (icbi still required by ISA).
    pub const ICACHE_SNOOP: u64 = 0x0000_2000;
    /// ISA 2.05 (POWER6).
    pub const ARCH_2_05: u64 = 0x0000_1000;
    /// ISA 2.06 (POWER7).
    pub const ARCH_2_06: u64 = 0x0000_0100;
    /// VSX.
    pub const VSX: u64 = 0x0000_0080;
    /// True little-endian mode.
    pub const TRUE_LE: u64 = 0x0000_0002;
}

/// `PPC_FEATURE2_*` bits of AT_HWCAP2.
pub mod hwcap2 {
    /// ISA 2.07 (POWER8).
    pub const ARCH_2_07: u64 = 0x8000_0000;
    /// DSCR user access.
    pub const DSCR: u64 = 0x2000_0000;
    /// isel.
    pub const ISEL: u64 = 0x0800_0000;
    /// Target address register.
    pub const TAR: u64 = 0x0400_0000;
}

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

fn sys_getpgrp(ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    process::sys_getpgid(ctx, &[0; 6])
}

macro_rules! sc {
    ($nr:literal, $name:literal, [$($a:ident),*], $h:path) => {
        sc!($nr, $name, [$($a),*], Int, $h)
    };
    ($nr:literal, $name:literal, [$($a:ident),*], $ret:ident, $h:path) => {
        SyscallDef { nr: $nr, name: $name, args: &[$($a),*], ret: RetKind::$ret, handler: $h }
    };
}

/// The ppc64 syscall table (numbers from the kernel's powerpc
/// `syscall.tbl`, 64-bit and common rows).
pub static SYSCALLS: &[SyscallDef] = &[
    sc!(1, "exit", [Int], None, process::sys_exit),
    sc!(2, "fork", [], None, sys_fork),
    sc!(3, "read", [Fd, OutBuf, Uint], fd::sys_read),
    sc!(4, "write", [Fd, InBuf, Uint], fd::sys_write),
    sc!(5, "open", [Str, OpenFlags, Mode], sys_open),
    sc!(6, "close", [Fd], fd::sys_close),
    sc!(8, "creat", [Str, Mode], sys_creat),
    sc!(9, "link", [Str, Str], sys_link),
    sc!(10, "unlink", [Str], sys_unlink),
    sc!(11, "execve", [Str, Ptr, Ptr], process::sys_execve),
    sc!(12, "chdir", [Str], fd::sys_chdir),
    sc!(14, "mknod", [Str, Mode, Hex], sys_mknod),
    sc!(15, "chmod", [Str, Mode], sys_chmod),
    sc!(16, "lchown", [Str, Int, Int], sys_lchown),
    sc!(19, "lseek", [Fd, Int, Int], fd::sys_lseek),
    sc!(20, "getpid", [], process::sys_getpid),
    sc!(24, "getuid", [], process::sys_getuid),
    sc!(33, "access", [Str, Int], sys_access),
    sc!(36, "sync", [], fd::sys_sync),
    sc!(37, "kill", [Int, Signal], signal::sys_kill),
    sc!(38, "rename", [Str, Str], sys_rename),
    sc!(39, "mkdir", [Str, Mode], sys_mkdir),
    sc!(40, "rmdir", [Str], sys_rmdir),
    sc!(41, "dup", [Fd], fd::sys_dup),
    sc!(42, "pipe", [Ptr], sys_pipe),
    sc!(43, "times", [Ptr], time::sys_times),
    sc!(45, "brk", [Hex], Hex, mem::sys_brk),
    sc!(47, "getgid", [], process::sys_getgid),
    sc!(49, "geteuid", [], process::sys_geteuid),
    sc!(50, "getegid", [], process::sys_getegid),
    sc!(54, "ioctl", [Fd, Hex, Hex], fd::sys_ioctl),
    sc!(55, "fcntl", [Fd, Int, Hex], fd::sys_fcntl),
    sc!(57, "setpgid", [Int, Int], process::sys_setpgid),
    sc!(60, "umask", [Mode], fd::sys_umask),
    sc!(63, "dup2", [Fd, Fd], sys_dup2),
    sc!(64, "getppid", [], process::sys_getppid),
    sc!(65, "getpgrp", [], sys_getpgrp),
    sc!(75, "setrlimit", [Int, Ptr], process::sys_setrlimit),
    sc!(76, "getrlimit", [Int, Ptr], process::sys_getrlimit),
    sc!(77, "getrusage", [Int, Ptr], process::sys_getrusage),
    sc!(78, "gettimeofday", [Ptr, Ptr], time::sys_gettimeofday),
    sc!(83, "symlink", [Str, Str], sys_symlink),
    sc!(85, "readlink", [Str, OutBuf, Uint], sys_readlink),
    sc!(
        90,
        "mmap",
        [Hex, Uint, Prot, MapFlags, Fd, Hex],
        Hex,
        mem::sys_mmap
    ),
    sc!(91, "munmap", [Hex, Uint], mem::sys_munmap),
    sc!(92, "truncate", [Str, Int], fd::sys_truncate),
    sc!(93, "ftruncate", [Fd, Int], fd::sys_ftruncate),
    sc!(94, "fchmod", [Fd, Mode], fd::sys_fchmod),
    sc!(95, "fchown", [Fd, Int, Int], fd::sys_fchown),
    sc!(99, "statfs", [Str, Ptr], fd::sys_statfs),
    sc!(100, "fstatfs", [Fd, Ptr], fd::sys_fstatfs),
    sc!(104, "setitimer", [Int, Ptr, Ptr], time::sys_setitimer),
    sc!(105, "getitimer", [Int, Ptr], time::sys_getitimer),
    sc!(106, "stat", [Str, Ptr], sys_stat),
    sc!(107, "lstat", [Str, Ptr], sys_lstat),
    sc!(108, "fstat", [Fd, Ptr], fd::sys_fstat),
    sc!(114, "wait4", [Int, Ptr, Hex, Ptr], process::sys_wait4),
    sc!(116, "sysinfo", [Ptr], info::sys_sysinfo),
    sc!(118, "fsync", [Fd], fd::sys_fsync),
    sc!(
        120,
        "clone",
        [Hex, Ptr, Ptr, Ptr, Ptr],
        None,
        process::sys_clone
    ),
    sc!(122, "uname", [Ptr], info::sys_uname),
    sc!(125, "mprotect", [Hex, Uint, Prot], mem::sys_mprotect),
    sc!(132, "getpgid", [Int], process::sys_getpgid),
    sc!(133, "fchdir", [Fd], fd::sys_fchdir),
    sc!(140, "_llseek", [Fd, Int, Int, Ptr, Int], sys_llseek),
    sc!(143, "flock", [Fd, Int], fd::sys_flock),
    sc!(145, "readv", [Fd, Ptr, Int], fd::sys_readv),
    sc!(146, "writev", [Fd, Ptr, Int], fd::sys_writev),
    sc!(147, "getsid", [Int], process::sys_getsid),
    sc!(148, "fdatasync", [Fd], fd::sys_fsync),
    sc!(158, "sched_yield", [], process::sys_sched_yield),
    sc!(162, "nanosleep", [Ptr, Ptr], time::sys_nanosleep),
    sc!(
        163,
        "mremap",
        [Hex, Uint, Uint, Hex, Hex],
        Hex,
        mem::sys_mremap
    ),
    sc!(167, "poll", [Ptr, Uint, Int], syscall::unsupported),
    sc!(
        171,
        "prctl",
        [Int, Hex, Hex, Hex, Hex],
        syscall::unsupported
    ),
    sc!(172, "rt_sigreturn", [], None, signal::sys_rt_sigreturn),
    sc!(
        173,
        "rt_sigaction",
        [Signal, Ptr, Ptr, Uint],
        signal::sys_rt_sigaction
    ),
    sc!(
        174,
        "rt_sigprocmask",
        [Int, Ptr, Ptr, Uint],
        signal::sys_rt_sigprocmask
    ),
    sc!(175, "rt_sigpending", [Ptr, Uint], signal::sys_rt_sigpending),
    sc!(178, "rt_sigsuspend", [Ptr, Uint], signal::sys_rt_sigsuspend),
    sc!(179, "pread64", [Fd, OutBuf, Uint, Int], fd::sys_pread64),
    sc!(180, "pwrite64", [Fd, InBuf, Uint, Int], fd::sys_pwrite64),
    sc!(181, "chown", [Str, Int, Int], sys_chown),
    sc!(182, "getcwd", [OutBuf, Uint], fd::sys_getcwd),
    sc!(185, "sigaltstack", [Ptr, Ptr], signal::sys_sigaltstack),
    sc!(189, "vfork", [], None, sys_vfork),
    sc!(190, "ugetrlimit", [Int, Ptr], process::sys_getrlimit),
    sc!(202, "getdents64", [Fd, OutBuf, Uint], fd::sys_getdents64),
    sc!(205, "madvise", [Hex, Uint, Int], mem::sys_madvise),
    sc!(207, "gettid", [], process::sys_gettid),
    sc!(208, "tkill", [Int, Signal], signal::sys_tkill),
    sc!(
        221,
        "futex",
        [Ptr, Int, Int, Ptr, Ptr, Int],
        process::sys_futex
    ),
    sc!(
        222,
        "sched_setaffinity",
        [Int, Uint, Ptr],
        process::sys_sched_setaffinity
    ),
    sc!(
        223,
        "sched_getaffinity",
        [Int, Uint, Ptr],
        process::sys_sched_getaffinity
    ),
    sc!(232, "set_tid_address", [Ptr], process::sys_set_tid_address),
    sc!(233, "fadvise64", [Fd, Int, Int, Int], fd::sys_fadvise64),
    sc!(234, "exit_group", [Int], None, process::sys_exit_group),
    sc!(246, "clock_gettime", [Int, Ptr], time::sys_clock_gettime),
    sc!(247, "clock_getres", [Int, Ptr], time::sys_clock_getres),
    sc!(
        248,
        "clock_nanosleep",
        [Int, Hex, Ptr, Ptr],
        time::sys_clock_nanosleep
    ),
    sc!(250, "tgkill", [Int, Int, Signal], signal::sys_tgkill),
    sc!(272, "waitid", [Int, Int, Ptr, Hex, Ptr], process::sys_waitid),
    sc!(
        280,
        "pselect6",
        [Int, Ptr, Ptr, Ptr, Ptr, Ptr],
        fd::sys_pselect6
    ),
    sc!(281, "ppoll", [Ptr, Uint, Ptr, Ptr, Uint], fd::sys_ppoll),
    sc!(286, "openat", [Fd, Str, OpenFlags, Mode], fd::sys_openat),
    sc!(287, "mkdirat", [Fd, Str, Mode], fd::sys_mkdirat),
    sc!(288, "mknodat", [Fd, Str, Mode, Hex], fd::sys_mknodat),
    sc!(289, "fchownat", [Fd, Str, Int, Int, Hex], fd::sys_fchownat),
    sc!(291, "newfstatat", [Fd, Str, Ptr, Hex], fd::sys_newfstatat),
    sc!(292, "unlinkat", [Fd, Str, Hex], fd::sys_unlinkat),
    sc!(293, "renameat", [Fd, Str, Fd, Str], fd::sys_renameat),
    sc!(294, "linkat", [Fd, Str, Fd, Str, Hex], fd::sys_linkat),
    sc!(295, "symlinkat", [Str, Fd, Str], fd::sys_symlinkat),
    sc!(
        296,
        "readlinkat",
        [Fd, Str, OutBuf, Uint],
        fd::sys_readlinkat
    ),
    sc!(297, "fchmodat", [Fd, Str, Mode], fd::sys_fchmodat),
    sc!(298, "faccessat", [Fd, Str, Int], fd::sys_faccessat),
    sc!(
        300,
        "set_robust_list",
        [Ptr, Uint],
        process::sys_set_robust_list
    ),
    sc!(302, "getcpu", [Ptr, Ptr, Ptr], process::sys_getcpu),
    sc!(304, "utimensat", [Fd, Str, Ptr, Hex], fd::sys_utimensat),
    sc!(309, "fallocate", [Fd, Int, Int, Int], fd::sys_fallocate),
    sc!(316, "dup3", [Fd, Fd, Hex], fd::sys_dup3),
    sc!(317, "pipe2", [Ptr, OpenFlags], fd::sys_pipe2),
    sc!(
        325,
        "prlimit64",
        [Int, Int, Ptr, Ptr],
        process::sys_prlimit64
    ),
    sc!(357, "renameat2", [Fd, Str, Fd, Str, Hex], fd::sys_renameat2),
    sc!(359, "getrandom", [OutBuf, Uint, Hex], info::sys_getrandom),
    sc!(383, "statx", [Fd, Str, Hex, Hex, Ptr], fd::sys_statx),
    sc!(387, "rseq", [Ptr, Uint, Hex, Hex], syscall::unsupported),
    sc!(435, "clone3", [Ptr, Uint], None, process::sys_clone3),
    sc!(439, "faccessat2", [Fd, Str, Int, Hex], fd::sys_faccessat2),
];

fn new_frontend() -> Arc<dyn xlat_ir::Frontend> {
    Arc::new(xlat_frontend_ppc64le::Ppc64Frontend)
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

/// The ppc64le ABI.
pub static ARCH: ArchDef = ArchDef {
    name: "ppc64le",
    elf_machine: 21,
    elf_machine_name: "PowerPC64",
    uname_machine: "ppc64le",
    aux: AuxArch {
        hwcap: hwcap::PPC32
            | hwcap::PPC64
            | hwcap::ALTIVEC
            | hwcap::FPU
            | hwcap::MMU
            | hwcap::POWER5_PLUS
            | hwcap::SMT
            | hwcap::ICACHE_SNOOP
            | hwcap::ARCH_2_05
            | hwcap::ARCH_2_06
            | hwcap::VSX
            | hwcap::TRUE_LE,
        hwcap2: hwcap2::ARCH_2_07 | hwcap2::DSCR | hwcap2::ISEL | hwcap2::TAR,
        platform: "power8",
        minsigstksz: 8192,
        base_platform: Some("power8"),
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
    syscalls: SYSCALLS,
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
        syscall_insn_len: 4,
        fault_syndrome,
    },
};

/// `li r0, 172 (rt_sigreturn); sc`.
const SIGTRAMP: [u8; 8] = [0xac, 0x00, 0x00, 0x38, 0x02, 0x00, 0x00, 0x44];

/// Signal frames for ppc64le are not implemented yet: delivery to a guest
/// handler fails (the process dies of SIGSEGV).
fn setup_frame(_cpu: &mut Cpu, _mem: &AddressSpace, _f: &FrameIn<'_>) -> Result<(), Errno> {
    Err(Errno::ENOSYS)
}

/// See [`setup_frame`]: there is never a frame to return from.
fn restore_frame(_cpu: &mut Cpu, _mem: &AddressSpace) -> Result<FrameOut, Errno> {
    Err(Errno::ENOSYS)
}

/// No syndrome record on PowerPC (DSISR would go into the frame).
fn fault_syndrome(_write: bool, _kind: FaultKind) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_numbers_unique_and_sorted() {
        let mut last = None;
        for d in SYSCALLS {
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
    fn sigreturn_trampoline_decodes() {
        let w0 = u32::from_le_bytes(SIGTRAMP[..4].try_into().unwrap());
        let w1 = u32::from_le_bytes(SIGTRAMP[4..].try_into().unwrap());
        // addi r0, 0, 172
        assert_eq!(w0 >> 26, 14);
        assert_eq!((w0 >> 21) & 31, 0);
        assert_eq!(w0 & 0xffff, 172);
        assert_eq!(w1, 0x4400_0002, "sc");
    }
}
