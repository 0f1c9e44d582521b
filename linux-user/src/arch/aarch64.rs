//! The AArch64 Linux ABI: syscall numbers (asm-generic), registers,
//! auxiliary-vector values, structure layouts.

use super::{AbiRegs, ArchDef};
use crate::stack::AuxArch;
use crate::syscall::ArgKind::*;
use crate::syscall::{self, RetKind, SyscallDef, fd, info, mem, process, signal, structs, time};
use std::sync::Arc;
use xlat_frontend_aarch64::state::{R_SP, R_TPIDR, r_x};

/// HWCAP_FP.
pub const HWCAP_FP: u64 = 1 << 0;
/// HWCAP_ASIMD.
pub const HWCAP_ASIMD: u64 = 1 << 1;

macro_rules! sc {
    ($nr:literal, $name:literal, [$($a:ident),*], $h:path) => {
        sc!($nr, $name, [$($a),*], Int, $h)
    };
    ($nr:literal, $name:literal, [$($a:ident),*], $ret:ident, $h:path) => {
        SyscallDef { nr: $nr, name: $name, args: &[$($a),*], ret: RetKind::$ret, handler: $h }
    };
}

/// The AArch64 syscall table.
pub static SYSCALLS: &[SyscallDef] = &[
    sc!(17, "getcwd", [OutBuf, Uint], fd::sys_getcwd),
    sc!(23, "dup", [Fd], fd::sys_dup),
    sc!(24, "dup3", [Fd, Fd, Hex], fd::sys_dup3),
    sc!(25, "fcntl", [Fd, Int, Hex], fd::sys_fcntl),
    sc!(29, "ioctl", [Fd, Hex, Hex], fd::sys_ioctl),
    sc!(32, "flock", [Fd, Int], fd::sys_flock),
    sc!(33, "mknodat", [Fd, Str, Mode, Hex], fd::sys_mknodat),
    sc!(34, "mkdirat", [Fd, Str, Mode], fd::sys_mkdirat),
    sc!(35, "unlinkat", [Fd, Str, Hex], fd::sys_unlinkat),
    sc!(36, "symlinkat", [Str, Fd, Str], fd::sys_symlinkat),
    sc!(37, "linkat", [Fd, Str, Fd, Str, Hex], fd::sys_linkat),
    sc!(38, "renameat", [Fd, Str, Fd, Str], fd::sys_renameat),
    sc!(43, "statfs", [Str, Ptr], fd::sys_statfs),
    sc!(44, "fstatfs", [Fd, Ptr], fd::sys_fstatfs),
    sc!(45, "truncate", [Str, Int], fd::sys_truncate),
    sc!(46, "ftruncate", [Fd, Int], fd::sys_ftruncate),
    sc!(47, "fallocate", [Fd, Int, Int, Int], fd::sys_fallocate),
    sc!(48, "faccessat", [Fd, Str, Int], fd::sys_faccessat),
    sc!(49, "chdir", [Str], fd::sys_chdir),
    sc!(50, "fchdir", [Fd], fd::sys_fchdir),
    sc!(52, "fchmod", [Fd, Mode], fd::sys_fchmod),
    sc!(53, "fchmodat", [Fd, Str, Mode], fd::sys_fchmodat),
    sc!(54, "fchownat", [Fd, Str, Int, Int, Hex], fd::sys_fchownat),
    sc!(55, "fchown", [Fd, Int, Int], fd::sys_fchown),
    sc!(56, "openat", [Fd, Str, OpenFlags, Mode], fd::sys_openat),
    sc!(57, "close", [Fd], fd::sys_close),
    sc!(59, "pipe2", [Ptr, OpenFlags], fd::sys_pipe2),
    sc!(61, "getdents64", [Fd, OutBuf, Uint], fd::sys_getdents64),
    sc!(62, "lseek", [Fd, Int, Int], fd::sys_lseek),
    sc!(63, "read", [Fd, OutBuf, Uint], fd::sys_read),
    sc!(64, "write", [Fd, InBuf, Uint], fd::sys_write),
    sc!(65, "readv", [Fd, Ptr, Int], fd::sys_readv),
    sc!(66, "writev", [Fd, Ptr, Int], fd::sys_writev),
    sc!(67, "pread64", [Fd, OutBuf, Uint, Int], fd::sys_pread64),
    sc!(68, "pwrite64", [Fd, InBuf, Uint, Int], fd::sys_pwrite64),
    sc!(
        78,
        "readlinkat",
        [Fd, Str, OutBuf, Uint],
        fd::sys_readlinkat
    ),
    sc!(79, "newfstatat", [Fd, Str, Ptr, Hex], fd::sys_newfstatat),
    sc!(80, "fstat", [Fd, Ptr], fd::sys_fstat),
    sc!(81, "sync", [], fd::sys_sync),
    sc!(82, "fsync", [Fd], fd::sys_fsync),
    sc!(83, "fdatasync", [Fd], fd::sys_fsync),
    sc!(88, "utimensat", [Fd, Str, Ptr, Hex], fd::sys_utimensat),
    sc!(93, "exit", [Int], None, process::sys_exit),
    sc!(94, "exit_group", [Int], None, process::sys_exit_group),
    sc!(96, "set_tid_address", [Ptr], process::sys_set_tid_address),
    sc!(
        98,
        "futex",
        [Ptr, Int, Int, Ptr, Ptr, Int],
        process::sys_futex
    ),
    sc!(
        99,
        "set_robust_list",
        [Ptr, Uint],
        process::sys_set_robust_list
    ),
    sc!(101, "nanosleep", [Ptr, Ptr], time::sys_nanosleep),
    sc!(113, "clock_gettime", [Int, Ptr], time::sys_clock_gettime),
    sc!(114, "clock_getres", [Int, Ptr], time::sys_clock_getres),
    sc!(
        115,
        "clock_nanosleep",
        [Int, Hex, Ptr, Ptr],
        time::sys_clock_nanosleep
    ),
    sc!(
        123,
        "sched_getaffinity",
        [Int, Uint, Ptr],
        process::sys_sched_getaffinity
    ),
    sc!(124, "sched_yield", [], process::sys_sched_yield),
    sc!(129, "kill", [Int, Signal], signal::sys_kill),
    sc!(130, "tkill", [Int, Signal], signal::sys_tkill),
    sc!(131, "tgkill", [Int, Int, Signal], signal::sys_tgkill),
    sc!(132, "sigaltstack", [Ptr, Ptr], signal::sys_sigaltstack),
    sc!(
        134,
        "rt_sigaction",
        [Signal, Ptr, Ptr, Uint],
        signal::sys_rt_sigaction
    ),
    sc!(
        135,
        "rt_sigprocmask",
        [Int, Ptr, Ptr, Uint],
        signal::sys_rt_sigprocmask
    ),
    sc!(139, "rt_sigreturn", [], syscall::unsupported),
    sc!(153, "times", [Ptr], time::sys_times),
    sc!(154, "setpgid", [Int, Int], process::sys_setpgid),
    sc!(155, "getpgid", [Int], process::sys_getpgid),
    sc!(156, "getsid", [Int], process::sys_getsid),
    sc!(160, "uname", [Ptr], info::sys_uname),
    sc!(163, "getrlimit", [Int, Ptr], process::sys_getrlimit),
    sc!(164, "setrlimit", [Int, Ptr], process::sys_setrlimit),
    sc!(165, "getrusage", [Int, Ptr], process::sys_getrusage),
    sc!(166, "umask", [Mode], fd::sys_umask),
    sc!(
        167,
        "prctl",
        [Int, Hex, Hex, Hex, Hex],
        syscall::unsupported
    ),
    sc!(169, "gettimeofday", [Ptr, Ptr], time::sys_gettimeofday),
    sc!(172, "getpid", [], process::sys_getpid),
    sc!(173, "getppid", [], process::sys_getppid),
    sc!(174, "getuid", [], process::sys_getuid),
    sc!(175, "geteuid", [], process::sys_geteuid),
    sc!(176, "getgid", [], process::sys_getgid),
    sc!(177, "getegid", [], process::sys_getegid),
    sc!(178, "gettid", [], process::sys_gettid),
    sc!(179, "sysinfo", [Ptr], info::sys_sysinfo),
    sc!(214, "brk", [Hex], Hex, mem::sys_brk),
    sc!(215, "munmap", [Hex, Uint], mem::sys_munmap),
    sc!(
        216,
        "mremap",
        [Hex, Uint, Uint, Hex, Hex],
        Hex,
        mem::sys_mremap
    ),
    sc!(
        220,
        "clone",
        [Hex, Ptr, Ptr, Ptr, Ptr],
        syscall::unsupported
    ),
    sc!(221, "execve", [Str, Ptr, Ptr], syscall::unsupported),
    sc!(
        222,
        "mmap",
        [Hex, Uint, Prot, MapFlags, Fd, Hex],
        Hex,
        mem::sys_mmap
    ),
    sc!(223, "fadvise64", [Fd, Int, Int, Int], fd::sys_fadvise64),
    sc!(226, "mprotect", [Hex, Uint, Prot], mem::sys_mprotect),
    sc!(233, "madvise", [Hex, Uint, Int], mem::sys_madvise),
    sc!(260, "wait4", [Int, Ptr, Hex, Ptr], syscall::unsupported),
    sc!(
        261,
        "prlimit64",
        [Int, Int, Ptr, Ptr],
        process::sys_prlimit64
    ),
    sc!(276, "renameat2", [Fd, Str, Fd, Str, Hex], fd::sys_renameat2),
    sc!(278, "getrandom", [OutBuf, Uint, Hex], info::sys_getrandom),
    sc!(291, "statx", [Fd, Str, Hex, Hex, Ptr], fd::sys_statx),
    sc!(293, "rseq", [Ptr, Uint, Hex, Hex], syscall::unsupported),
    sc!(435, "clone3", [Ptr, Uint], syscall::unsupported),
    sc!(439, "faccessat2", [Fd, Str, Int, Hex], fd::sys_faccessat2),
];

fn new_frontend() -> Arc<dyn xlat_ir::Frontend> {
    Arc::new(xlat_frontend_aarch64::Aarch64Frontend)
}

/// The AArch64 ABI.
pub static ARCH: ArchDef = ArchDef {
    name: "aarch64",
    elf_machine: 183,
    elf_machine_name: "AArch64",
    uname_machine: "aarch64",
    aux: AuxArch {
        hwcap: HWCAP_FP | HWCAP_ASIMD,
        hwcap2: 0,
        platform: "aarch64",
        minsigstksz: 5120,
    },
    regs: AbiRegs {
        nr: r_x(8),
        args: [r_x(0), r_x(1), r_x(2), r_x(3), r_x(4), r_x(5)],
        ret: r_x(0),
        sp: R_SP,
        tls: R_TPIDR,
    },
    syscalls: SYSCALLS,
    encode_stat: structs::stat_generic64,
    // O_DIRECTORY, O_NOFOLLOW, O_DIRECT, O_LARGEFILE differ from x86-64.
    open_flags: &[
        (0o040000, 0o200000),
        (0o100000, 0o400000),
        (0o200000, 0o040000),
        (0o400000, 0o100000),
    ],
    isa: crate::dlog::GuestIsa::Aarch64,
    new_frontend,
};

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
    fn open_flags_conversion() {
        // O_RDONLY|O_DIRECTORY|O_CLOEXEC on AArch64.
        let g = 0o040000 | 0o2000000;
        assert_eq!(
            ARCH.open_flags_to_host(g),
            libc::O_DIRECTORY | libc::O_CLOEXEC
        );
        assert_eq!(
            ARCH.open_flags_to_host(0o1 | 0o100 | 0o1000 | 0o100000),
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_NOFOLLOW
        );
        assert_eq!(
            ARCH.open_flags_from_host(libc::O_DIRECT | libc::O_RDWR),
            0o200000 | 2
        );
        // O_LARGEFILE as the host kernel reports it for F_GETFL.
        assert_eq!(ARCH.open_flags_from_host(0o100000), 0o400000);
    }
}
