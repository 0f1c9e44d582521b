//! Every guest test program with an expected output, under `xlat-aarch64` at
//! each tier: `-tier interp`, `-tier jit`, `-tier mixed`, mixed with
//! `-d nochain`, and (for the small programs) mixed with `-one-insn-per-tb`.
//! stdout and exit status must equal `tests/expected/<name>.*`, which come
//! from `qemu-aarch64` (see `tools/build-guests --bless`).

use xlat_tests::check_guest;

/// xlat options for each mode name used in the `guest!` rows below.
fn opts(mode: &str) -> &'static [&'static str] {
    match mode {
        "interp" => &["-tier", "interp"],
        "jit" => &["-tier", "jit"],
        "mixed" => &["-tier", "mixed"],
        "nochain" => &["-tier", "mixed", "-d", "nochain"],
        "one_insn" => &["-tier", "mixed", "-one-insn-per-tb"],
        "one_insn_jit" => &["-tier", "jit", "-one-insn-per-tb"],
        other => panic!("unknown mode {other}"),
    }
}

/// `guest!(module, "name", "source base", [mode, ...])` makes one test per mode.
macro_rules! guest {
    ($m:ident, $name:literal, $base:literal, [$($mode:ident),* $(,)?]) => {
        mod $m {
            $(
                #[test]
                fn $mode() {
                    super::check_guest($name, $base, super::opts(stringify!($mode)));
                }
            )*
        }
    };
}

// Small programs: every mode, including one instruction per block.
guest!(
    rawhello,
    "rawhello",
    "rawhello",
    [interp, jit, mixed, nochain, one_insn, one_insn_jit]
);
guest!(
    rawloop,
    "rawloop",
    "rawloop",
    [interp, jit, mixed, nochain, one_insn, one_insn_jit]
);
guest!(
    sigill,
    "sigill",
    "sigill",
    [interp, jit, mixed, nochain, one_insn]
);
guest!(
    sigill2,
    "sigill2",
    "sigill2",
    [interp, jit, mixed, nochain, one_insn]
);
guest!(
    hello,
    "hello",
    "hello",
    [interp, jit, mixed, nochain, one_insn, one_insn_jit]
);
guest!(
    hello_pie,
    "hello-pie",
    "hello",
    [interp, jit, mixed, nochain, one_insn]
);
guest!(
    exit42,
    "exit42",
    "exit42",
    [interp, jit, mixed, nochain, one_insn]
);
guest!(
    segv,
    "segv",
    "segv",
    [interp, jit, mixed, nochain, one_insn]
);
guest!(
    faultretry,
    "faultretry",
    "faultretry",
    [interp, jit, mixed, nochain, one_insn]
);
guest!(
    guardfault,
    "guardfault",
    "guardfault",
    [interp, jit, mixed, nochain, one_insn]
);
// AArch64 top-byte-ignore: data accesses through tagged pointers.
guest!(tbi, "tbi", "tbi", [interp, jit, mixed, nochain, one_insn]);
guest!(
    args,
    "args",
    "args",
    [interp, jit, mixed, nochain, one_insn]
);
guest!(
    syscalls,
    "syscalls",
    "syscalls",
    [interp, jit, mixed, nochain]
);
// Bigger programs: the three tiers and unchained mixed mode.
guest!(strings, "strings", "strings", [interp, jit, mixed, nochain]);
guest!(intwork, "intwork", "intwork", [interp, jit, mixed, nochain]);
// Unwinding out of signal handlers (libgcc's AArch64 fallback reads the
// trampoline's words and the frame at the CFA).
guest!(sigunwind, "sigunwind", "sigunwind", [interp, mixed]);
// SIMD/FP/crypto: ACLE intrinsics (AArch64-only), -O3 auto-vectorized loops,
// floating-point edge cases under each rounding mode.
guest!(
    acle,
    "acle",
    "acle",
    [interp, jit, mixed, nochain, one_insn]
);
guest!(
    autovec,
    "autovec",
    "autovec",
    [interp, jit, mixed, nochain, one_insn]
);
guest!(
    fpedge,
    "fpedge",
    "fpedge",
    [interp, jit, mixed, nochain, one_insn]
);

/// `cpu_guest!(module, "name", "source base", "model")`: a program under
/// `-cpu model`, at tiers interp and mixed; the expected output of the
/// feature probes (tests/guest/features.c) comes from `qemu-aarch64 -cpu
/// model`.
macro_rules! cpu_guest {
    ($m:ident, $name:literal, $base:literal, $cpu:literal) => {
        mod $m {
            #[test]
            fn interp() {
                super::check_guest($name, $base, &["-cpu", $cpu, "-tier", "interp"]);
            }
            #[test]
            fn mixed() {
                super::check_guest($name, $base, &["-cpu", $cpu, "-tier", "mixed"]);
            }
        }
    };
}

// LDXR/STXR, LDAXR/STLXR, LDXP/STXP and CASP between threads, CLREX.
guest!(exclusive, "exclusive", "exclusive", [interp, jit, mixed]);
// EL0 system registers, DC ZVA, IC IVAU, BRK/HLT/UDF per named model.
cpu_guest!(sysregs_a53, "sysregs-cortex-a53", "sysregs", "cortex-a53");
cpu_guest!(sysregs_a72, "sysregs-cortex-a72", "sysregs", "cortex-a72");
cpu_guest!(sysregs_n1, "sysregs-neoverse-n1", "sysregs", "neoverse-n1");
// Optional features per CPU model: SIGILL or a result, HWCAP and ID fields.
cpu_guest!(features_max, "features", "features", "max");
cpu_guest!(
    features_a53,
    "features-cortex-a53",
    "features",
    "cortex-a53"
);
cpu_guest!(
    features_a72,
    "features-cortex-a72",
    "features",
    "cortex-a72"
);
cpu_guest!(
    features_n1,
    "features-neoverse-n1",
    "features",
    "neoverse-n1"
);
// Pointer authentication: a -mbranch-protection=standard -march=armv8.3-a
// program (max), and hello with hint-space PACIASP/AUTIASP, which are NOPs
// on a model without PAuth.
guest!(
    pauth,
    "pauth",
    "pauth",
    [interp, jit, mixed, nochain, one_insn]
);
cpu_guest!(hello_pac_a53, "hello-pac", "hello", "cortex-a53");
// FPCR.AHP: half-precision conversions in the alternative format.
guest!(fpahp, "fpahp", "fpahp", [interp, jit, mixed, one_insn]);
// Arm's NaN results in the fast FP path (IR float ops before FPSR is read),
// FPSR flags once fenv has looked at it, directed rounding.
guest!(
    fpnan,
    "fpnan",
    "fpnan",
    [interp, jit, mixed, nochain, one_insn]
);
// Chains of scalar FP ops (one NaN test per chain in compiled code) over
// NaNs, infinities and zeros, FPCR.DN off and on.
guest!(
    fpchain,
    "fpchain",
    "fpchain",
    [interp, jit, mixed, nochain, one_insn]
);
// FPSR flags of fast-path arithmetic before the first FPSR read.
guest!(
    fpsrfirst,
    "fpsrfirst",
    "fpsrfirst",
    [interp, jit, mixed, nochain, one_insn]
);
// FEAT_LSE2 alignment rules (max has LSE2, Neoverse N1 does not; the
// program prints the same either way when they follow HWCAP_USCAT).
guest!(lse2, "lse2", "lse2", [interp, jit, mixed]);
cpu_guest!(lse2_n1, "lse2", "lse2", "neoverse-n1");
cpu_guest!(hello_pac_max, "hello-pac", "hello", "max");
// Branch target identification: landing pads in guarded pages (mprotect
// and mmap with PROT_BTI), BTYPE in signal frames, handlers in guarded
// pages; a static program whose ELF property note marks it BTI; and the
// same C program on a model without BTI (PROT_BTI rejected).
guest!(bti, "bti", "bti", [interp, jit, mixed, nochain, one_insn]);
guest!(
    btielf,
    "btielf",
    "btielf",
    [interp, jit, mixed, nochain, one_insn, one_insn_jit]
);
cpu_guest!(bti_a53, "bti-cortex-a53", "bti", "cortex-a53");

/// Every expected file has a test: a program added to tests/guest and
/// blessed but forgotten in the test files makes this fail. A program counts
/// as tested when its name appears as a string literal in one of the
/// `tests/tests/*.rs` files (the rows above, or another file's rows).
#[test]
fn every_expected_program_is_tested() {
    let root = xlat_tests::workspace_root();
    let mut sources = String::new();
    for e in std::fs::read_dir(root.join("tests/tests")).expect("tests/tests") {
        let p = e.expect("dir entry").path();
        if p.extension().is_some_and(|x| x == "rs") {
            sources += &std::fs::read_to_string(&p).expect("read test source");
        }
    }
    let mut missing = Vec::new();
    for e in std::fs::read_dir(root.join("tests/expected")).expect("tests/expected") {
        let name = e
            .expect("dir entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if let Some(stem) = name.strip_suffix(".stdout")
            && !sources.contains(&format!("\"{stem}\""))
        {
            missing.push(stem.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "expected output without a test in tests/tests/*.rs: {missing:?}"
    );
}

/// The compile failures `-d stats` reports for `prog` under `xlat` at the
/// mixed tier (summed over every process that printed statistics).
fn compile_failures(xlat: &std::path::Path, prog: &std::path::Path) -> u64 {
    let prog = prog.to_str().expect("UTF-8 build path");
    let out = xlat_tests::run(
        xlat,
        &["-tier", "mixed", "-d", "stats", prog],
        &Default::default(),
    );
    out.assert_no_panic();
    let counts: Vec<u64> = out
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("regions compiled"))
        .map(|l| {
            let f = l.split(", ").nth(1).expect("blocks, failures");
            let n = f.strip_suffix(" failures").expect("failures count");
            n.parse().expect("a count")
        })
        .collect();
    assert!(!counts.is_empty(), "`{}`: no statistics", out.cmdline);
    counts.iter().sum()
}

/// Every region of a few larger programs compiles at the mixed tier, on
/// both guests: a failed compile leaves its blocks at tier 0 with the
/// same output, so only `-d stats` shows it (a lowering panic once left
/// most of `intwork` and `goprog` interpreted).
#[test]
fn mixed_tier_compiles_every_region() {
    for (arch, xlat, names) in [
        (
            "aarch64",
            xlat_tests::xlat_aarch64(),
            &["intwork", "strings", "goprog"][..],
        ),
        (
            "ppc64le",
            xlat_tests::xlat_ppc64le(),
            &["intwork", "strings"],
        ),
    ] {
        for &name in names {
            let prog = xlat_tests::guest(arch, name);
            assert_eq!(compile_failures(xlat, &prog), 0, "{arch} {name}");
        }
    }
}
