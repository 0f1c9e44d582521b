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
    quick_fp(test, cpu, seed, per_class, max_len, filter, false);
}

/// As [`quick`], with [`Config::fp_fast`](xlat_difftest::Config) set to `fp_fast`.
fn quick_fp(
    test: &str,
    cpu: &str,
    seed: u64,
    per_class: u32,
    max_len: u32,
    filter: Option<String>,
    fp_fast: bool,
) {
    let (Some(xlat), Some(qemu)) = (find_xlat(), find_qemu()) else {
        eprintln!("SKIPPED: {test} needs qemu-aarch64 and a built xlat-aarch64");
        return;
    };
    let (subjects, oracle) = cpu_runners(&xlat, &qemu, cpu);
    let cfg = Config {
        seed,
        per_class,
        max_len,
        subjects: subjects.clone(),
        oracle,
        filter,
        dir: std::env::temp_dir().join(format!("xlat-difftest-{test}-{}", std::process::id())),
        max_reports: 30,
        fp_fast,
    };
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
    quick_fp("fpfast", "max", 0xf00d, 16, 3, Some("FP_".into()), true);
}
