//! Linux user mode for real programs (issue #4): dynamic executables,
//! guest signal handlers, threads, processes, `/proc`. Each guest program
//! runs under `xlat-aarch64` at every tier and must match
//! `tests/expected/` (from `qemu-aarch64`, checked against native).

use std::collections::BTreeMap;
use std::path::Path;
use xlat_tests::{Status, check_guest, guest, run, xlat_aarch64};

/// The AArch64 sysroot of Debian's cross toolchain, used as `-L` prefix.
const SYSROOT: &str = "/usr/aarch64-linux-gnu";

/// xlat options for each mode name used in the `guest!` rows below.
fn opts(mode: &str) -> &'static [&'static str] {
    match mode {
        "interp" => &["-tier", "interp"],
        "jit" => &["-tier", "jit"],
        "mixed" => &["-tier", "mixed"],
        "nochain" => &["-tier", "mixed", "-d", "nochain"],
        // Every log item that takes the log's lock from guest threads and
        // the compiler thread, written to /dev/null.
        "logged" => &[
            "-tier",
            "mixed",
            "-strace",
            "-d",
            "unimp,out_asm",
            "-D",
            "/dev/null",
        ],
        other => panic!("unknown mode {other}"),
    }
}

/// Runs `name` with `-L SYSROOT` and the mode's options.
fn check_dynamic(name: &str, mode: &str) {
    let mut o: Vec<&str> = vec!["-L", SYSROOT];
    o.extend_from_slice(opts(mode));
    check_guest(name, name, &o);
}

/// Runs static program `name` with the mode's options.
fn check_static(name: &str, mode: &str) {
    check_guest(name, name, opts(mode));
}

/// Runs the native x86-64 build of `name` with `guest_args` (it must end
/// with `status` and print `marker`), then the AArch64 build under xlat
/// once per entry of `modes`: each run must print the same stdout and
/// end with the same status. For behaviour qemu-aarch64 gets wrong.
fn matches_native(name: &str, guest_args: &[&str], status: Status, marker: &str, modes: &[&str]) {
    let native = run(&guest("x86_64", name), guest_args, &BTreeMap::new());
    assert_eq!(native.status, status, "{native:?}");
    assert!(native.stdout_str().contains(marker), "{native:?}");
    let prog = guest("aarch64", name);
    for mode in modes {
        let mut args: Vec<&str> = opts(mode).to_vec();
        args.push(prog.to_str().expect("UTF-8 path"));
        args.extend_from_slice(guest_args);
        let o = run(xlat_aarch64(), &args, &BTreeMap::new());
        o.assert_no_panic();
        assert_eq!(
            o.stdout_str(),
            native.stdout_str(),
            "{mode}: {}",
            xlat_tests::tail(&o.stderr, 40)
        );
        assert_eq!(o.status, status, "{mode}: {}", o.stderr);
    }
}

/// `guest!(module, "name", check_fn, [mode, ...])` makes one test per mode.
macro_rules! guest {
    ($m:ident, $name:literal, $check:ident, [$($mode:ident),* $(,)?]) => {
        mod $m {
            $(
                #[test]
                fn $mode() {
                    super::$check($name, stringify!($mode));
                }
            )*
        }
    };
}

guest!(
    dynhello,
    "dynhello",
    check_dynamic,
    [interp, jit, mixed, nochain]
);
// BTI: glibc's ld.so guards a BTI-marked program (mprotect PROT_BTI).
guest!(
    btidyn,
    "btidyn",
    check_dynamic,
    [interp, jit, mixed, nochain]
);

// Guest signal handlers: frames, masks, SA_* flags, faults fixed up,
// siglongjmp, sigaltstack, timers interrupting pause/read/hot loops.
guest!(
    sighandlers,
    "sighandlers",
    check_static,
    [interp, jit, mixed, nochain]
);
guest!(
    sigjmp,
    "sigjmp",
    check_static,
    [interp, jit, mixed, nochain]
);
guest!(
    sigasync,
    "sigasync",
    check_static,
    [interp, jit, mixed, nochain]
);

guest!(sigwait, "sigwait", check_static, [interp, mixed]);

// pthreads: atomics, mutex, TLS, join, condvar, barrier, main thread
// exiting first.
guest!(
    threads,
    "threads",
    check_static,
    [interp, jit, mixed, nochain]
);

// pthread_cancel (SIGCANCEL to another thread, blocked or spinning).
guest!(
    cancel,
    "cancel",
    check_static,
    [interp, jit, mixed, nochain]
);

guest!(threadsig, "threadsig", check_static, [interp, mixed]);

/// The threads program many times in a row (races show up as wrong
/// counts, hangs or crashes).
#[test]
fn threads_repeated() {
    for _ in 0..10 {
        check_guest("threads", "threads", opts("mixed"));
    }
}

// Processes: fork/vfork/wait4/waitid, exit statuses and deaths by signal.
guest!(procs, "procs", check_static, [interp, jit, mixed, nochain]);

/// A guest program execs a guest program (itself, through
/// `/proc/self/exe`): xlat re-executes itself. qemu-aarch64 cannot do
/// this without binfmt_misc, so the reference is the native build.
#[test]
fn exec_of_guest_program_matches_native() {
    matches_native(
        "procs",
        &["execself"],
        Status::Exit(0),
        "exec child: exited 5",
        &["interp", "mixed"],
    );
}

/// vfork suspends the parent until the child exits or execs (a host
/// program here); qemu-aarch64 runs vfork as a plain fork, so the
/// reference is the native build.
#[test]
fn vfork_suspends_parent_like_native() {
    matches_native(
        "procs",
        &["vforkwait"],
        Status::Exit(0),
        "resumed after the child's sleep: 1",
        &["interp", "jit", "mixed"],
    );
}

/// A guest program execs a host program: it runs natively.
#[test]
fn exec_of_host_program_runs_natively() {
    let prog = guest("aarch64", "procs");
    let p = prog.to_str().expect("UTF-8 path");
    let o = run(
        xlat_aarch64(),
        &[p, "exec", "/bin/sh", "-c", "echo from host sh; exit 4"],
        &BTreeMap::new(),
    );
    o.assert_no_panic();
    assert_eq!(o.stdout_str(), "from host sh\n", "{}", o.stderr);
    assert_eq!(o.status, Status::Exit(4));
    // A missing program: the guest sees ENOENT.
    let o = run(
        xlat_aarch64(),
        &[p, "exec", "/no/such/program"],
        &BTreeMap::new(),
    );
    assert_eq!(o.status, Status::Exit(127));
    assert!(o.stderr.contains("No such file"), "{}", o.stderr);
}

// vfork sharing the memory (posix_spawn's exec errors, the child's stores),
// also from a multi-threaded process; expected output from the native build.
guest!(vfork, "vfork", check_static, [interp, jit, mixed, nochain]);

/// The vfork program several times in a row (races between the vfork
/// child and the parent's other threads show up as hangs, crashes or
/// wrong counts).
#[test]
fn vfork_repeated() {
    for _ in 0..5 {
        check_guest("vfork", "vfork", opts("mixed"));
    }
}

// fork while other threads start and exit (the child inherited a thread
// group lock a leaving thread held: it hung in its first step).
guest!(forkexit, "forkexit", check_static, [interp, jit, mixed]);
// fork while the other threads are inside the translator (SysV shared
// memory, mappings, signals, thread creation, code invalidated and compiled
// again, logging): they stop at a safe point first (hung with the previous
// build, a child inheriting a lock held).
guest!(
    forkbusy,
    "forkbusy",
    check_static,
    [interp, jit, mixed, logged]
);

// /proc/self/{exe,maps,auxv,cmdline} and /proc/<pid>/...
guest!(procself, "procself", check_static, [interp, mixed]);

/// Without a prefix that holds the dynamic linker, xlat prints one line
/// naming the program and the missing linker, and fails.
#[test]
fn missing_dynamic_linker_is_one_error_line() {
    let prog = guest("aarch64", "dynhello");
    let empty = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-sysroot");
    std::fs::create_dir_all(&empty).expect("create empty sysroot");
    let prog_s = prog.to_str().expect("UTF-8 path");
    let o = run(
        xlat_aarch64(),
        &["-L", empty.to_str().expect("UTF-8 path"), prog_s],
        &BTreeMap::new(),
    );
    o.assert_no_panic();
    if Path::new("/lib/ld-linux-aarch64.so.1").exists() {
        // The host has an AArch64 dynamic linker of its own: nothing to test.
        eprintln!("skipped: /lib/ld-linux-aarch64.so.1 exists on this host");
        return;
    }
    assert!(matches!(o.status, Status::Exit(c) if c != 0), "{o:?}");
    assert!(o.stdout.is_empty(), "{o:?}");
    let lines: Vec<&str> = o.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{o:?}");
    assert!(
        lines[0].contains("/lib/ld-linux-aarch64.so.1") && lines[0].contains(prog_s),
        "{}",
        lines[0]
    );
}

// The syscall surface of a Debian userland: ids/groups, prctl, sockets
// with SCM_RIGHTS/SCM_CREDENTIALS, epoll (converted layout), eventfd,
// timerfd, signalfd, inotify, memfd, sendfile/splice/tee/copy_file_range,
// record locks, xattrs, statfs.
guest!(unixapi, "unixapi", check_static, [interp, jit, mixed]);

// Self-modifying code: RWX pages rewritten (hot, from a second thread,
// data next to code), W^X mprotect cycles, code placed by read().
guest!(smc, "smc", check_static, [interp, jit, mixed, nochain]);

/// A Go program (tests/guest/go/goprog.go: goroutines on 4 Ps, channels,
/// mutex, atomics, timers, select, panic/recover, GC, asynchronous
/// preemption by SIGURG, signal.Notify, TCP over loopback, os/exec of a
/// host program and of itself) cross-built with Debian's golang-go runs under
/// xlat as the native amd64 build of the same source does: the same
/// stdout and exit status, several times in a row.
#[test]
fn go_program_matches_native() {
    matches_native(
        "goprog",
        &[],
        Status::Exit(7),
        "mutex counter: 16000",
        &["mixed", "mixed", "mixed", "jit"],
    );
}

/// `-D FILE` carries across a guest `execve` of a guest program: the
/// re-executed xlat appends to the same file (given as an absolute path)
/// instead of truncating it or logging to stderr, and the parent's later
/// lines follow the child's.
#[test]
fn log_file_carries_across_exec() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("logexec");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let log = dir.join(format!("strace-{}.log", std::process::id()));
    std::fs::write(&log, "stale line from an earlier run\n").expect("seed log");
    let prog = guest("aarch64", "procs");
    let o = run(
        xlat_aarch64(),
        &[
            "-strace",
            "-D",
            log.to_str().expect("UTF-8 path"),
            prog.to_str().expect("UTF-8 path"),
            "execself",
        ],
        &BTreeMap::new(),
    );
    o.assert_no_panic();
    assert_eq!(o.status, Status::Exit(0), "{}", o.stderr);
    assert!(o.stdout_str().contains("exec child: exited 5"), "{o:?}");
    assert!(
        !o.stderr.contains("exit_group("),
        "strace on stderr: {}",
        o.stderr
    );
    let text = std::fs::read_to_string(&log).expect("read log");
    std::fs::remove_file(&log).ok();
    assert!(!text.contains("stale line"), "not truncated:\n{text}");
    let lines: Vec<&str> = text.lines().collect();
    let pos = |pat: &str| lines.iter().position(|l| l.contains(pat));
    // The exec'd program's own write, its exit, the parent's final exit.
    let exec = pos("exec-child: argc=3").unwrap_or_else(|| panic!("no exec'd write:\n{text}"));
    let child_exit = pos("exit_group(5)").unwrap_or_else(|| panic!("no exit_group(5):\n{text}"));
    let parent_exit = lines
        .iter()
        .rposition(|l| l.contains("exit_group(0)"))
        .unwrap_or_else(|| panic!("no exit_group(0):\n{text}"));
    assert!(exec < child_exit && child_exit < parent_exit, "{text}");
}

// Real-time signals: one delivery per sigqueue/kill/pthread_sigqueue with
// its own si_value, in order; standard signals coalesce; several pending
// signals nest their frames as Linux does.
guest!(rtsig, "rtsig", check_static, [interp, jit, mixed, nochain]);

/// The same real-time signal program built for PowerPC 64 LE under
/// `xlat-ppc64le` (the signal core is shared; the frames are not).
#[test]
fn rtsig_ppc64le() {
    for mode in ["interp", "mixed"] {
        xlat_tests::check_guest_ppc64le("rtsig", opts(mode), false);
    }
}

/// SIGSEGV/SIGBUS/SIGILL/SIGFPE sent with kill() (from the process itself
/// or another one) reach the guest's handler like any asynchronous signal,
/// wait while blocked, are discarded when ignored and kill at SIG_DFL.
/// qemu-aarch64 dies of them, so the reference is the native build.
#[test]
fn fault_signals_sent_by_kill_match_native() {
    matches_native(
        "rtsig",
        &["faultkill"],
        Status::Exit(0),
        "SIGFPE by kill with SIG_DFL: killed by 8",
        &["interp", "jit", "mixed"],
    );
}

// Robust mutexes: a thread (or a child process) that exits holding them
// leaves them to the next locker with EOWNERDEAD (the robust futex list
// is walked at exit). Expected output from the native build (qemu-aarch64
// hangs: it does not walk the list).
guest!(robust, "robust", check_static, [interp, jit, mixed]);

// msync, mlock/munlock/mlock2 and SysV shared memory. Expected output from
// the native build (qemu-aarch64 7.2 has no mlock2).
guest!(memsys, "memsys", check_static, [interp, jit, mixed]);

// SA_RESTART against EINTR for each class of blocking syscall, including
// socket reads with SO_RCVTIMEO (EINTR although the handler has SA_RESTART).
guest!(restart, "restart", check_static, [interp, jit, mixed]);

// Futex operations (requeue, bitset, PI, timeouts), clone3, waitid with
// WSTOPPED/WCONTINUED, sessions and process groups, MAP_GROWSDOWN, mremap,
// madvise and brk corners. Native reference (qemu-aarch64 7.2 has no clone3).
guest!(lxcorners, "lxcorners", check_static, [interp, jit, mixed]);
