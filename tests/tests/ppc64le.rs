//! The portable guest test programs built for PowerPC 64 LE
//! (`build/guests/ppc64le/`, see `tools/build-guests`) under `xlat-ppc64le`
//! at each tier (`-tier interp`, `-tier jit`, `-tier mixed`, and mixed with
//! `-d nochain`). They have no expected files of their own: stdout must
//! equal `tests/expected/<name>.stdout` with the `[arch]` lines left out,
//! and the status `tests/expected/<name>.status`; the `[arch]` lines are
//! checked against ppc64le values separately. Plus the ELF checks
//! (big-endian ppc64, another machine) and `-d in_asm`.

use xlat_tests::{check_guest_ppc64le, check_ppc64le_specific, guest, run, xlat_ppc64le};

/// xlat options for each mode name used in the `guest!` rows below.
fn opts(mode: &str) -> &'static [&'static str] {
    match mode {
        "interp" => &["-tier", "interp"],
        "jit" => &["-tier", "jit"],
        "mixed" => &["-tier", "mixed"],
        "nochain" => &["-tier", "mixed", "-d", "nochain"],
        other => panic!("unknown mode {other}"),
    }
}

/// `guest!(module, "name", dynamic, [mode, ...])` makes one test per mode.
macro_rules! guest {
    ($m:ident, $name:literal, $dynamic:literal, [$($mode:ident),* $(,)?]) => {
        mod $m {
            $(
                #[test]
                fn $mode() {
                    super::check_guest_ppc64le(
                        $name,
                        super::opts(stringify!($mode)),
                        $dynamic,
                    );
                }
            )*
        }
    };
}

guest!(hello, "hello", false, [interp, jit, mixed, nochain]);
guest!(exit42, "exit42", false, [interp, jit, mixed]);
guest!(segv, "segv", false, [interp, jit, mixed]);
guest!(
    guardfault,
    "guardfault",
    false,
    [interp, jit, mixed, nochain]
);
guest!(args, "args", false, [interp, jit, mixed]);
guest!(syscalls, "syscalls", false, [interp, jit, mixed, nochain]);
guest!(strings, "strings", false, [interp, jit, mixed, nochain]);
guest!(intwork, "intwork", false, [interp, jit, mixed, nochain]);
guest!(threads, "threads", false, [interp, jit, mixed]);
guest!(dynhello, "dynhello", true, [interp, jit, mixed]);
guest!(sigasync, "sigasync", false, [interp, jit, mixed]);
guest!(sigjmp, "sigjmp", false, [interp, jit, mixed, nochain]);
guest!(procs, "procs", false, [interp, jit, mixed]);
guest!(procself, "procself", false, [interp, jit, mixed]);
guest!(vfork, "vfork", false, [interp, jit, mixed, nochain]);
guest!(autovec, "autovec", false, [interp, mixed]);
guest!(sigwait, "sigwait", false, [interp, mixed]);
guest!(threadsig, "threadsig", false, [interp, mixed]);
guest!(unixapi, "unixapi", false, [interp, mixed]);
// Robust mutexes released at thread exit and at exit_group (every thread's
// list); the expected output is the native build's.
guest!(robust, "robust", false, [interp, jit, mixed]);
guest!(forkexit, "forkexit", false, [interp, jit, mixed]);
guest!(forkbusy, "forkbusy", false, [interp, jit, mixed]);
// msync, mlock, SysV shared memory (through the ipc multiplexer here).
guest!(memsys, "memsys", false, [interp, jit, mixed]);
// SA_RESTART against EINTR per blocking syscall (PowerPC's own poll,
// epoll_wait, send and recv too).
guest!(restart, "restart", false, [interp, jit, mixed]);
// Futex operations, clone3, waitid, sessions, mremap/madvise/brk corners.
guest!(lxcorners, "lxcorners", false, [interp, jit, mixed]);
// Unwinding out of signal handlers: needs the vDSO's CFI for the signal
// trampoline (pthread_cancel of an asynchronous thread, _Unwind_Backtrace
// and glibc's backtrace() from handlers).
guest!(cancel, "cancel", false, [interp, jit, mixed]);
guest!(sigunwind, "sigunwind", false, [interp, jit, mixed, nochain]);

/// The vDSO as the guest sees it (`sigunwind`'s `[arch]` line): the
/// `/proc/self/maps` line at AT_SYSINFO_EHDR is an r-x `[vdso]`, and glibc
/// registered it as `linux-vdso64.so.1` (it reports that soname through
/// `dl_iterate_phdr`, the path libgcc's unwinder takes).
#[test]
fn vdso_is_mapped_and_registered() {
    let out = check_guest_ppc64le("sigunwind", opts("mixed"), false);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("[arch] vdso:"))
        .expect("vdso line");
    assert_eq!(
        line,
        "[arch] vdso: maps r-xp [vdso], soname linux-vdso64.so.1"
    );
}

/// `ppcisa` (tests/guest/ppc64le/): CR/XER from the recording and carrying
/// forms, CR logical ops, reservations, FPSCR rounding modes, VMX/VSX, the
/// `sc` error convention and the signal context, against qemu-ppc64le.
mod ppcisa {
    #[test]
    fn interp() {
        super::check_ppc64le_specific("ppcisa", super::opts("interp"));
    }
    #[test]
    fn jit() {
        super::check_ppc64le_specific("ppcisa", super::opts("jit"));
    }
    #[test]
    fn mixed() {
        super::check_ppc64le_specific("ppcisa", super::opts("mixed"));
    }
    #[test]
    fn one_insn() {
        super::check_ppc64le_specific("ppcisa", &["-tier", "mixed", "-one-insn-per-tb"]);
    }
}

/// `power9isa` / `power10isa` (tests/guest/ppc64le/, built with
/// `-mcpu=power9` / `-mcpu=power10`): glibc's POWER9/POWER10 string
/// routines, VMX crypto, ISA 3.0 builtins and (power10isa) prefixed
/// instructions, against `qemu-ppc64le -cpu power9` / `-cpu power10`.
macro_rules! model_program {
    ($m:ident, $name:literal, $cpu:literal) => {
        mod $m {
            fn check(tier: &str) {
                super::check_ppc64le_specific($name, &["-cpu", $cpu, "-tier", tier]);
            }
            #[test]
            fn interp() {
                check("interp");
            }
            #[test]
            fn mixed() {
                check("mixed");
            }
            #[test]
            fn jit() {
                check("jit");
            }
        }
    };
}

model_program!(power9isa, "power9isa", "power9");
// fpscr: the portable fpedge program with ppc64le's own expected output
// (FPSCR exception bits as fetestexcept reads them, rounding modes).
model_program!(fpscr, "fpscr", "power9");
// fpcompare: fcmpu/fcmpo CR1 and FPSCR (FPCC, VXSNAN, VXVC) on NaNs.
model_program!(fpcompare, "fpcompare", "power9");
// fpscrfirst: FPSCR status bits raised before the first FPSCR access (from
// the host's sticky flags), in fetestexcept and in a signal frame.
model_program!(fpscrfirst, "fpscrfirst", "power9");
// fpchain: chains of scalar FP ops (one NaN test per chain in compiled
// code) over NaNs, infinities and zeros, Power's NaN rules.
model_program!(fpchain, "fpchain", "power9");
model_program!(power10isa, "power10isa", "power10");
// vsxfp: GCC-vectorized double/float loops, the VSX vector FP builtins,
// __float128 (xs*qp) and the MMA builtins.
model_program!(vsxfp, "vsxfp", "power10");

/// A POWER10 program on the POWER9 model: its first prefixed instruction
/// raises SIGILL (as under `qemu-ppc64le -cpu power9`); AT_PLATFORM and
/// `/proc/cpuinfo` follow `-cpu`.
#[test]
fn cpu_model_gates_instructions_and_shows_in_auxv() {
    let p10 = guest("ppc64le", "power10isa");
    let out = run(
        xlat_ppc64le(),
        &["-cpu", "power9", p10.to_str().expect("UTF-8")],
        &Default::default(),
    );
    assert_eq!(out.status, xlat_tests::Status::Signal(4), "{}", out.stderr);
    let args = guest("ppc64le", "args");
    for (cpu, platform) in [("power8", "power8"), ("power10", "power10")] {
        let out = run(
            xlat_ppc64le(),
            &["-cpu", cpu, args.to_str().expect("UTF-8")],
            &Default::default(),
        );
        let text = out.stdout_str();
        assert!(
            text.contains(&format!("[arch] AT_PLATFORM={platform}\n")),
            "{cpu}: {text}"
        );
    }
    let out = run(xlat_ppc64le(), &["-cpu", "help"], &Default::default());
    for m in ["power8", "power9", "power10"] {
        assert!(out.stdout_str().contains(m), "{}", out.stdout_str());
    }
}

/// The `[arch]` lines show the ppc64le ABI: `uname -m` and AT_PLATFORM.
#[test]
fn arch_lines_show_ppc64le() {
    let out = check_guest_ppc64le("syscalls", &[], false);
    let text = out.stdout_str();
    assert!(
        text.contains("[arch] uname machine=ppc64le\n"),
        "syscalls output:\n{text}"
    );
    let out = check_guest_ppc64le("args", &[], false);
    let text = out.stdout_str();
    assert!(
        text.contains("[arch] AT_PLATFORM=power10\n"),
        "args output:\n{text}"
    );
}

/// A big-endian ppc64 program is refused with one clear line, as is a
/// program for another machine.
#[test]
fn elf_endianness_and_machine_checked() {
    let hello = guest("ppc64le", "hello");
    let mut data = std::fs::read(&hello).expect("read hello");
    // EI_DATA = ELFDATA2MSB, e_machine = EM_PPC64 in big-endian order.
    data[5] = 2;
    data[18..20].copy_from_slice(&21u16.to_be_bytes());
    let dir = std::env::temp_dir().join(format!("xlat-ppc64le-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let be = dir.join("hello-be");
    std::fs::write(&be, &data).expect("write");
    let out = run(
        xlat_ppc64le(),
        &[be.to_str().expect("UTF-8")],
        &Default::default(),
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status, xlat_tests::Status::Exit(1), "{}", out.stderr);
    assert!(
        out.stderr.contains("big-endian PowerPC64 program"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let a64 = guest("aarch64", "hello");
    let out = run(
        xlat_ppc64le(),
        &[a64.to_str().expect("UTF-8")],
        &Default::default(),
    );
    assert_eq!(out.status, xlat_tests::Status::Exit(1), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("ELF for machine AArch64, expected PowerPC64"),
        "{}",
        out.stderr
    );
}

/// `-d in_asm` disassembles guest blocks with capstone's PowerPC mode: the
/// ELFv2 `_start` begins by computing the TOC with `lis r2` / `addi r2`.
#[test]
fn in_asm_shows_power_instructions() {
    let prog = guest("ppc64le", "exit42");
    let out = run(
        xlat_ppc64le(),
        &["-d", "in_asm", prog.to_str().expect("UTF-8")],
        &Default::default(),
    );
    assert_eq!(out.status, xlat_tests::Status::Exit(42), "{}", out.stderr);
    assert!(out.stderr.contains("lis r2, "), "{}", out.stderr);
    assert!(out.stderr.contains("stdu r1, "), "{}", out.stderr);
    assert!(!out.stderr.contains("cannot disassemble"), "{}", out.stderr);
}
