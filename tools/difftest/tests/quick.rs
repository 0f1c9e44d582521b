//! The fast deterministic subset: a few sequences per class with a fixed
//! seed under xlat (interp and jit) and qemu-aarch64. Skips with a message
//! when qemu-aarch64 or the xlat-aarch64 binary is missing.

use xlat_difftest::{Config, cpu_runners, find_qemu, find_xlat, run_all, standard_runners};

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

#[test]
fn quick_difftest_against_qemu() {
    let (Some(xlat), Some(qemu)) = (find_xlat(), find_qemu()) else {
        eprintln!(
            "SKIPPED: quick_difftest_against_qemu needs qemu-aarch64 and a built xlat-aarch64"
        );
        return;
    };
    let (subjects, oracle) = standard_runners(&xlat, &qemu);
    let cfg = Config {
        seed: 0x5eed,
        per_class: 4,
        max_len: 3,
        subjects: subjects.clone(),
        oracle,
        filter: std::env::var("DIFFTEST_CLASS").ok(),
        dir: std::env::temp_dir().join(format!("xlat-difftest-quick-{}", std::process::id())),
        max_reports: 30,
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

/// Feature gating: single instructions of every class under `-cpu
/// cortex-a53` (Armv8.0 with crypto and CRC32) on both sides, so that the
/// later extensions raise SIGILL under xlat exactly when under qemu.
#[test]
fn quick_gating_against_qemu_cortex_a53() {
    let (Some(xlat), Some(qemu)) = (find_xlat(), find_qemu()) else {
        eprintln!(
            "SKIPPED: quick_gating_against_qemu_cortex_a53 needs qemu-aarch64 and xlat-aarch64"
        );
        return;
    };
    let (subjects, oracle) = cpu_runners(&xlat, &qemu, "cortex-a53");
    let cfg = Config {
        seed: 12,
        per_class: 3,
        max_len: 1,
        subjects: subjects.clone(),
        oracle,
        filter: None,
        dir: std::env::temp_dir().join(format!("xlat-difftest-a53-{}", std::process::id())),
        max_reports: 30,
    };
    let report = run_all(&cfg).expect("difftest runs");
    assert!(
        report.failures.is_empty(),
        "{} mismatches:\n{}",
        report.mismatches(),
        report.failures.join("\n")
    );
}
