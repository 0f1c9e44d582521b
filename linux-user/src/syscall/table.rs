//! The syscall rows both guest ABIs share, keyed by name: argument and
//! result kinds (for `-strace`) and the handler. Each ABI numbers them
//! (its `NUMBERS` list) and adds the rows only it has (`OWN`);
//! [`build`] makes the ABI's table at compile time, so one row here is
//! one syscall for every guest.

use super::ArgKind::*;
use super::{RetKind, SyscallDef};
use crate::errno::Errno;
use crate::syscall::{self, cred, events, fd, info, mem, net, process, signal, time};

/// A syscall row without its number.
#[derive(Debug)]
pub struct SyscallRow {
    /// Name (as `-strace` shows it).
    pub name: &'static str,
    /// Argument kinds (only as many as the syscall takes).
    pub args: &'static [super::ArgKind],
    /// Result kind.
    pub ret: RetKind,
    /// The handler.
    pub handler: super::Handler,
}

/// `sc!(nr, "name", [args], [ret,] handler)`: one [`SyscallDef`] (a row
/// only one ABI has).
macro_rules! sc {
    ($nr:literal, $name:literal, [$($a:ident),*], $h:path) => {
        $crate::syscall::table::sc!($nr, $name, [$($a),*], Int, $h)
    };
    ($nr:literal, $name:literal, [$($a:ident),*], $ret:ident, $h:path) => {
        $crate::syscall::SyscallDef {
            nr: $nr,
            name: $name,
            args: &[$($crate::syscall::ArgKind::$a),*],
            ret: $crate::syscall::RetKind::$ret,
            handler: $h,
        }
    };
}
pub(crate) use sc;

/// `row!("name", [args], [ret,] handler)`: one [`SyscallRow`].
macro_rules! row {
    ($name:literal, [$($a:ident),*], $h:path) => {
        row!($name, [$($a),*], Int, $h)
    };
    ($name:literal, [$($a:ident),*], $ret:ident, $h:path) => {
        SyscallRow { name: $name, args: &[$($a),*], ret: RetKind::$ret, handler: $h }
    };
}

/// The rows every ABI has (in asm-generic number order).
pub const COMMON: &[SyscallRow] = &[
    row!("setxattr", [Str, Str, Ptr, Uint, Hex], events::sys_setxattr),
    row!(
        "lsetxattr",
        [Str, Str, Ptr, Uint, Hex],
        events::sys_lsetxattr
    ),
    row!(
        "fsetxattr",
        [Fd, Str, Ptr, Uint, Hex],
        events::sys_fsetxattr
    ),
    row!("getxattr", [Str, Str, OutBuf, Uint], events::sys_getxattr),
    row!("lgetxattr", [Str, Str, OutBuf, Uint], events::sys_lgetxattr),
    row!("fgetxattr", [Fd, Str, OutBuf, Uint], events::sys_fgetxattr),
    row!("listxattr", [Str, OutBuf, Uint], events::sys_listxattr),
    row!("llistxattr", [Str, OutBuf, Uint], events::sys_llistxattr),
    row!("flistxattr", [Fd, OutBuf, Uint], events::sys_flistxattr),
    row!("removexattr", [Str, Str], events::sys_removexattr),
    row!("lremovexattr", [Str, Str], events::sys_lremovexattr),
    row!("fremovexattr", [Fd, Str], events::sys_fremovexattr),
    row!("getcwd", [OutBuf, Uint], fd::sys_getcwd),
    row!("eventfd2", [Uint, Hex], events::sys_eventfd2),
    row!("epoll_create1", [Hex], events::sys_epoll_create1),
    row!("epoll_ctl", [Fd, Int, Fd, Ptr], events::sys_epoll_ctl),
    row!(
        "epoll_pwait",
        [Fd, Ptr, Int, Int, Ptr, Uint],
        events::sys_epoll_pwait
    ),
    row!("dup", [Fd], fd::sys_dup),
    row!("dup3", [Fd, Fd, Hex], fd::sys_dup3),
    row!("fcntl", [Fd, Int, Hex], fd::sys_fcntl),
    row!("inotify_init1", [Hex], events::sys_inotify_init1),
    row!(
        "inotify_add_watch",
        [Fd, Str, Hex],
        events::sys_inotify_add_watch
    ),
    row!("inotify_rm_watch", [Fd, Int], events::sys_inotify_rm_watch),
    row!("flock", [Fd, Int], fd::sys_flock),
    row!("mknodat", [Fd, Str, Mode, Hex], fd::sys_mknodat),
    row!("mkdirat", [Fd, Str, Mode], fd::sys_mkdirat),
    row!("unlinkat", [Fd, Str, Hex], fd::sys_unlinkat),
    row!("symlinkat", [Str, Fd, Str], fd::sys_symlinkat),
    row!("linkat", [Fd, Str, Fd, Str, Hex], fd::sys_linkat),
    row!("renameat", [Fd, Str, Fd, Str], fd::sys_renameat),
    row!("statfs", [Str, Ptr], fd::sys_statfs),
    row!("fstatfs", [Fd, Ptr], fd::sys_fstatfs),
    row!("truncate", [Str, Int], fd::sys_truncate),
    row!("ftruncate", [Fd, Int], fd::sys_ftruncate),
    row!("fallocate", [Fd, Int, Int, Int], fd::sys_fallocate),
    row!("faccessat", [Fd, Str, Int], fd::sys_faccessat),
    row!("chdir", [Str], fd::sys_chdir),
    row!("fchdir", [Fd], fd::sys_fchdir),
    row!("fchmod", [Fd, Mode], fd::sys_fchmod),
    row!("fchmodat", [Fd, Str, Mode], fd::sys_fchmodat),
    row!("fchownat", [Fd, Str, Int, Int, Hex], fd::sys_fchownat),
    row!("fchown", [Fd, Int, Int], fd::sys_fchown),
    row!("openat", [Fd, Str, OpenFlags, Mode], fd::sys_openat),
    row!("close", [Fd], fd::sys_close),
    row!("pipe2", [Ptr, OpenFlags], fd::sys_pipe2),
    row!("getdents64", [Fd, OutBuf, Uint], fd::sys_getdents64),
    row!("lseek", [Fd, Int, Int], fd::sys_lseek),
    row!("read", [Fd, OutBuf, Uint], fd::sys_read),
    row!("write", [Fd, InBuf, Uint], fd::sys_write),
    row!("readv", [Fd, Ptr, Int], fd::sys_readv),
    row!("writev", [Fd, Ptr, Int], fd::sys_writev),
    row!("pread64", [Fd, OutBuf, Uint, Int], fd::sys_pread64),
    row!("pwrite64", [Fd, InBuf, Uint, Int], fd::sys_pwrite64),
    row!("sendfile", [Fd, Fd, Ptr, Uint], events::sys_sendfile),
    row!("pselect6", [Int, Ptr, Ptr, Ptr, Ptr, Ptr], fd::sys_pselect6),
    row!("ppoll", [Ptr, Uint, Ptr, Ptr, Uint], fd::sys_ppoll),
    row!("signalfd4", [Fd, Ptr, Uint, Hex], events::sys_signalfd4),
    row!("splice", [Fd, Ptr, Fd, Ptr, Uint, Hex], events::sys_splice),
    row!("tee", [Fd, Fd, Uint, Hex], events::sys_tee),
    row!("readlinkat", [Fd, Str, OutBuf, Uint], fd::sys_readlinkat),
    row!("newfstatat", [Fd, Str, Ptr, Hex], fd::sys_newfstatat),
    row!("fstat", [Fd, Ptr], fd::sys_fstat),
    row!("sync", [], fd::sys_sync),
    row!("fsync", [Fd], fd::sys_fsync),
    row!("fdatasync", [Fd], fd::sys_fsync),
    row!("timerfd_create", [Int, Hex], events::sys_timerfd_create),
    row!(
        "timerfd_settime",
        [Fd, Hex, Ptr, Ptr],
        events::sys_timerfd_settime
    ),
    row!("timerfd_gettime", [Fd, Ptr], events::sys_timerfd_gettime),
    row!("utimensat", [Fd, Str, Ptr, Hex], fd::sys_utimensat),
    row!("capget", [Ptr, Ptr], cred::sys_capget),
    row!("capset", [Ptr, Ptr], cred::sys_capset),
    row!("personality", [Hex], cred::sys_personality),
    row!("exit", [Int], None, process::sys_exit),
    row!("exit_group", [Int], None, process::sys_exit_group),
    row!("waitid", [Int, Int, Ptr, Hex, Ptr], process::sys_waitid),
    row!("set_tid_address", [Ptr], process::sys_set_tid_address),
    row!("futex", [Ptr, Int, Int, Ptr, Ptr, Int], process::sys_futex),
    row!("set_robust_list", [Ptr, Uint], process::sys_set_robust_list),
    row!(
        "get_robust_list",
        [Int, Ptr, Ptr],
        process::sys_get_robust_list
    ),
    row!("nanosleep", [Ptr, Ptr], time::sys_nanosleep),
    row!("getitimer", [Int, Ptr], time::sys_getitimer),
    row!("setitimer", [Int, Ptr, Ptr], time::sys_setitimer),
    row!("clock_gettime", [Int, Ptr], time::sys_clock_gettime),
    row!("clock_getres", [Int, Ptr], time::sys_clock_getres),
    row!(
        "clock_nanosleep",
        [Int, Hex, Ptr, Ptr],
        time::sys_clock_nanosleep
    ),
    row!("syslog", [Int, OutBuf, Int], cred::sys_syslog),
    row!("sched_setparam", [Int, Ptr], cred::sys_sched_setparam),
    row!(
        "sched_setscheduler",
        [Int, Int, Ptr],
        cred::sys_sched_setscheduler
    ),
    row!("sched_getscheduler", [Int], cred::sys_sched_getscheduler),
    row!("sched_getparam", [Int, Ptr], cred::sys_sched_getparam),
    row!(
        "sched_setaffinity",
        [Int, Uint, Ptr],
        process::sys_sched_setaffinity
    ),
    row!(
        "sched_getaffinity",
        [Int, Uint, Ptr],
        process::sys_sched_getaffinity
    ),
    row!("sched_yield", [], process::sys_sched_yield),
    row!(
        "sched_get_priority_max",
        [Int],
        cred::sys_sched_get_priority_max
    ),
    row!(
        "sched_get_priority_min",
        [Int],
        cred::sys_sched_get_priority_min
    ),
    row!(
        "sched_rr_get_interval",
        [Int, Ptr],
        cred::sys_sched_rr_get_interval
    ),
    row!("kill", [Int, Signal], signal::sys_kill),
    row!("tkill", [Int, Signal], signal::sys_tkill),
    row!("tgkill", [Int, Int, Signal], signal::sys_tgkill),
    row!("sigaltstack", [Ptr, Ptr], signal::sys_sigaltstack),
    row!("rt_sigsuspend", [Ptr, Uint], signal::sys_rt_sigsuspend),
    row!(
        "rt_sigaction",
        [Signal, Ptr, Ptr, Uint],
        signal::sys_rt_sigaction
    ),
    row!(
        "rt_sigprocmask",
        [Int, Ptr, Ptr, Uint],
        signal::sys_rt_sigprocmask
    ),
    row!("rt_sigpending", [Ptr, Uint], signal::sys_rt_sigpending),
    row!(
        "rt_sigtimedwait",
        [Ptr, Ptr, Ptr, Uint],
        signal::sys_rt_sigtimedwait
    ),
    row!(
        "rt_sigqueueinfo",
        [Int, Signal, Ptr],
        signal::sys_rt_sigqueueinfo
    ),
    row!("rt_sigreturn", [], None, signal::sys_rt_sigreturn),
    row!("setpriority", [Int, Int, Int], cred::sys_setpriority),
    row!("getpriority", [Int, Int], cred::sys_getpriority),
    row!("setregid", [Int, Int], cred::sys_setregid),
    row!("setgid", [Int], cred::sys_setgid),
    row!("setreuid", [Int, Int], cred::sys_setreuid),
    row!("setuid", [Int], cred::sys_setuid),
    row!("setresuid", [Int, Int, Int], cred::sys_setresuid),
    row!("getresuid", [Ptr, Ptr, Ptr], cred::sys_getresuid),
    row!("setresgid", [Int, Int, Int], cred::sys_setresgid),
    row!("getresgid", [Ptr, Ptr, Ptr], cred::sys_getresgid),
    row!("setfsuid", [Int], cred::sys_setfsuid),
    row!("setfsgid", [Int], cred::sys_setfsgid),
    row!("times", [Ptr], time::sys_times),
    row!("setpgid", [Int, Int], process::sys_setpgid),
    row!("getpgid", [Int], process::sys_getpgid),
    row!("getsid", [Int], process::sys_getsid),
    row!("setsid", [], cred::sys_setsid),
    row!("getgroups", [Int, Ptr], cred::sys_getgroups),
    row!("setgroups", [Uint, Ptr], cred::sys_setgroups),
    row!("uname", [Ptr], info::sys_uname),
    row!("getrlimit", [Int, Ptr], process::sys_getrlimit),
    row!("setrlimit", [Int, Ptr], process::sys_setrlimit),
    row!("getrusage", [Int, Ptr], process::sys_getrusage),
    row!("umask", [Mode], fd::sys_umask),
    row!("getcpu", [Ptr, Ptr, Ptr], process::sys_getcpu),
    row!("gettimeofday", [Ptr, Ptr], time::sys_gettimeofday),
    row!("getpid", [], process::sys_getpid),
    row!("getppid", [], process::sys_getppid),
    row!("getuid", [], process::sys_getuid),
    row!("geteuid", [], process::sys_geteuid),
    row!("getgid", [], process::sys_getgid),
    row!("getegid", [], process::sys_getegid),
    row!("gettid", [], process::sys_gettid),
    row!("sysinfo", [Ptr], info::sys_sysinfo),
    row!("socket", [Int, Hex, Int], net::sys_socket),
    row!("socketpair", [Int, Hex, Int, Ptr], net::sys_socketpair),
    row!("bind", [Fd, Ptr, Uint], net::sys_bind),
    row!("listen", [Fd, Int], net::sys_listen),
    row!("accept", [Fd, Ptr, Ptr], net::sys_accept),
    row!("connect", [Fd, Ptr, Uint], net::sys_connect),
    row!("getsockname", [Fd, Ptr, Ptr], net::sys_getsockname),
    row!("getpeername", [Fd, Ptr, Ptr], net::sys_getpeername),
    row!("sendto", [Fd, InBuf, Uint, Hex, Ptr, Uint], net::sys_sendto),
    row!(
        "recvfrom",
        [Fd, OutBuf, Uint, Hex, Ptr, Ptr],
        net::sys_recvfrom
    ),
    row!("shutdown", [Fd, Int], net::sys_shutdown),
    row!("sendmsg", [Fd, Ptr, Hex], net::sys_sendmsg),
    row!("recvmsg", [Fd, Ptr, Hex], net::sys_recvmsg),
    row!("brk", [Hex], Hex, mem::sys_brk),
    row!("munmap", [Hex, Uint], mem::sys_munmap),
    row!("mremap", [Hex, Uint, Uint, Hex, Hex], Hex, mem::sys_mremap),
    row!("clone", [Hex, Ptr, Ptr, Ptr, Ptr], None, process::sys_clone),
    row!("execve", [Str, Ptr, Ptr], process::sys_execve),
    row!(
        "mmap",
        [Hex, Uint, Prot, MapFlags, Fd, Hex],
        Hex,
        mem::sys_mmap
    ),
    row!("fadvise64", [Fd, Int, Int, Int], fd::sys_fadvise64),
    row!("mprotect", [Hex, Uint, Prot], mem::sys_mprotect),
    row!("msync", [Hex, Uint, Hex], mem::sys_msync),
    row!("mlock", [Hex, Uint], mem::sys_mlock),
    row!("munlock", [Hex, Uint], mem::sys_munlock),
    row!("mlockall", [Hex], mem::sys_mlockall),
    row!("munlockall", [], mem::sys_munlockall),
    row!("madvise", [Hex, Uint, Int], mem::sys_madvise),
    row!("mlock2", [Hex, Uint, Hex], mem::sys_mlock2),
    row!("shmget", [Hex, Uint, Hex], mem::sys_shmget),
    row!("shmctl", [Int, Int, Ptr], mem::sys_shmctl),
    row!("shmat", [Int, Hex, Hex], Hex, mem::sys_shmat),
    row!("shmdt", [Hex], mem::sys_shmdt),
    row!(
        "rt_tgsigqueueinfo",
        [Int, Int, Signal, Ptr],
        signal::sys_rt_tgsigqueueinfo
    ),
    row!("accept4", [Fd, Ptr, Ptr, Hex], net::sys_accept4),
    row!("wait4", [Int, Ptr, Hex, Ptr], process::sys_wait4),
    row!("prlimit64", [Int, Int, Ptr, Ptr], process::sys_prlimit64),
    row!("sched_setattr", [Int, Ptr, Hex], cred::sys_sched_setattr),
    row!(
        "sched_getattr",
        [Int, Ptr, Uint, Hex],
        cred::sys_sched_getattr
    ),
    row!("renameat2", [Fd, Str, Fd, Str, Hex], fd::sys_renameat2),
    row!("getrandom", [OutBuf, Uint, Hex], info::sys_getrandom),
    row!("memfd_create", [Str, Hex], events::sys_memfd_create),
    row!("membarrier", [Int, Hex, Int], cred::sys_membarrier),
    row!(
        "copy_file_range",
        [Fd, Ptr, Fd, Ptr, Uint, Hex],
        events::sys_copy_file_range
    ),
    row!("statx", [Fd, Str, Hex, Hex, Ptr], fd::sys_statx),
    row!("rseq", [Ptr, Uint, Hex, Hex], syscall::unsupported),
    row!("clone3", [Ptr, Uint], None, process::sys_clone3),
    row!("faccessat2", [Fd, Str, Int, Hex], fd::sys_faccessat2),
    row!(
        "epoll_pwait2",
        [Fd, Ptr, Int, Ptr, Ptr, Uint],
        events::sys_epoll_pwait2
    ),
];

/// Placeholder for [`build`]'s array (every slot is overwritten).
fn unused(_ctx: &mut super::SysCtx<'_>, _a: &[u64; 6]) -> super::SysResult {
    Err(Errno::ENOSYS)
}

/// The placeholder row.
const UNUSED: SyscallDef = SyscallDef {
    nr: 0,
    name: "",
    args: &[],
    ret: RetKind::Int,
    handler: unused,
};

/// `a == b` in a constant.
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The [`COMMON`] row called `name` (a compile error if there is none).
const fn common(name: &str) -> &'static SyscallRow {
    let mut i = 0;
    while i < COMMON.len() {
        if str_eq(COMMON[i].name, name) {
            return &COMMON[i];
        }
        i += 1;
    }
    panic!("a NUMBERS entry names no row of syscall::table::COMMON")
}

/// An ABI's syscall table, sorted by number: the [`COMMON`] rows with the
/// ABI's `numbers` (number, name) and its `own` rows. `N` must be the sum
/// of both lengths.
pub const fn build<const N: usize>(
    numbers: &[(u32, &'static str)],
    own: &[SyscallDef],
) -> [SyscallDef; N] {
    assert!(numbers.len() + own.len() == N, "N must count every row");
    let mut out = [UNUSED; N];
    let mut i = 0;
    while i < numbers.len() {
        let r = common(numbers[i].1);
        out[i] = SyscallDef {
            nr: numbers[i].0,
            name: r.name,
            args: r.args,
            ret: r.ret,
            handler: r.handler,
        };
        i += 1;
    }
    let mut k = 0;
    while k < own.len() {
        out[i + k] = SyscallDef {
            nr: own[k].nr,
            name: own[k].name,
            args: own[k].args,
            ret: own[k].ret,
            handler: own[k].handler,
        };
        k += 1;
    }
    // Sorted by number (insertion sort: the inputs are almost sorted).
    let mut j = 1;
    while j < N {
        let mut m = j;
        while m > 0 && out[m - 1].nr > out[m].nr {
            let t = out[m];
            out[m] = out[m - 1];
            out[m - 1] = t;
            m -= 1;
        }
        j += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::{aarch64, ppc64le};

    #[test]
    fn every_abi_numbers_every_common_row_once() {
        for (abi, table) in [
            ("aarch64", &aarch64::SYSCALLS[..]),
            ("ppc64le", &ppc64le::SYSCALLS[..]),
        ] {
            for r in COMMON {
                let n = table.iter().filter(|d| d.name == r.name).count();
                assert_eq!(n, 1, "{abi}: {} rows named {}", n, r.name);
            }
            let mut nrs: Vec<u32> = table.iter().map(|d| d.nr).collect();
            nrs.sort_unstable();
            nrs.dedup();
            assert_eq!(nrs.len(), table.len(), "{abi}: a number used twice");
        }
    }

    #[test]
    fn build_numbers_common_rows_and_keeps_own_rows() {
        let own = [sc!(999, "own_call", [Fd], unused)];
        let t: [SyscallDef; 2] = build(&[(7, "read")], &own);
        assert_eq!(
            (t[0].nr, t[0].name, t[0].args),
            (7, "read", &[Fd, OutBuf, Uint][..])
        );
        assert_eq!(
            (t[1].nr, t[1].name, t[1].args),
            (999, "own_call", &[Fd][..])
        );
        let t: [SyscallDef; 3] = build(&[(50, "write"), (7, "read")], &own);
        let nrs: Vec<u32> = t.iter().map(|d| d.nr).collect();
        assert_eq!(nrs, [7, 50, 999], "sorted by number");
    }
}
