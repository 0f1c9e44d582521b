//! The fast deterministic subset: a few sequences per class with a fixed
//! seed under xlat (interp and jit) and qemu-aarch64. Skips with a message
//! when qemu-aarch64 or the xlat-aarch64 binary is missing.

use xlat_difftest::{Config, cpu_runners, find_qemu, find_xlat, run_all};

#[test]
fn generated_words_stay_in_their_class() {
    let mut rng = xlat_difftest::Rng(7);
    for row in xlat_difftest::classes() {
        for _ in 0..20 {
            if let Some(w) = xlat_difftest::gen_word(&mut rng, row) {
                let got =
                    xlat_frontend_aarch64::decode::decode(xlat_frontend_aarch64::decode::Insn(w));
                assert_eq!(got.map(|r| r.name), Some(row.name), "{w:#010x}");
                if row.name.starts_with("LDST_") {
                    assert_eq!((w >> 5) & 31, 28, "memory base is x28: {w:#010x}");
                }
                assert_ne!(w & 31, 28, "x28 never written: {w:#010x}");
            }
        }
    }
}

/// Runs `per_class` sequences of up to `max_len` instructions per class
/// (those matching `filter`) under `-cpu cpu` on both sides and asserts
/// that they all agree; skips with a message without qemu or xlat.
fn quick(test: &str, cpu: &str, seed: u64, per_class: u32, max_len: u32, filter: Option<String>) {
    quick_with(test, cpu, seed, per_class, max_len, filter, |_| {});
}

/// As [`quick`], with `tweak` applied to the [`Config`] (fast FP path,
/// UNDEFINED words).
fn quick_with(
    test: &str,
    cpu: &str,
    seed: u64,
    per_class: u32,
    max_len: u32,
    filter: Option<String>,
    tweak: fn(&mut Config),
) {
    let (Some(xlat), Some(qemu)) = (find_xlat(), find_qemu()) else {
        eprintln!("SKIPPED: {test} needs qemu-aarch64 and a built xlat-aarch64");
        return;
    };
    let (subjects, oracle) = cpu_runners(&xlat, &qemu, cpu);
    let mut cfg = Config {
        seed,
        per_class,
        max_len,
        subjects: subjects.clone(),
        oracle,
        filter,
        dir: std::env::temp_dir().join(format!("xlat-difftest-{test}-{}", std::process::id())),
        max_reports: 30,
        fp_fast: false,
        undefined: false,
    };
    tweak(&mut cfg);
    let report = run_all(&cfg).expect("difftest runs");
    println!("{}", report.table(&subjects));
    assert!(report.classes.iter().map(|c| c.sequences).sum::<u32>() > 100);
    assert!(
        report.failures.is_empty(),
        "{} mismatches:\n{}",
        report.mismatches(),
        report.failures.join("\n")
    );
}

#[test]
fn quick_difftest_against_qemu() {
    let filter = std::env::var("DIFFTEST_CLASS").ok();
    quick("quick", "max", 0x5eed, 4, 3, filter);
}

/// Feature gating: single instructions of every class under `-cpu
/// cortex-a53` (Armv8.0 with crypto and CRC32) on both sides, so that the
/// later extensions raise SIGILL under xlat exactly when under qemu.
#[test]
fn quick_gating_against_qemu_cortex_a53() {
    quick("a53", "cortex-a53", 12, 3, 1, None);
}

/// The scalar FP fast path (no FPSR tracking, IR float ops): the FP
/// classes from NaN/zero corner operands, FPSR left out.
#[test]
fn quick_fp_fast_path_against_qemu() {
    quick_with("fpfast", "max", 0xf00d, 16, 3, Some("FP_".into()), |c| {
        c.fp_fast = true
    });
}

/// Words of every class that xlat treats as UNDEFINED: qemu must raise
/// SIGILL on them too (a valid encoding xlat rejects is a mismatch).
#[test]
fn quick_undefined_words_against_qemu() {
    quick_with("undef", "max", 0xbad, 3, 1, None, |c| c.undefined = true);
}
