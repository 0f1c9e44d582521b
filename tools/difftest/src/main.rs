//! `xlat-difftest`: runs random A64 instruction sequences under
//! `xlat-aarch64 -tier interp|jit` and `qemu-aarch64` and reports
//! differences.
//!
//! Usage: `xlat-difftest [--seed N] [--per-class N] [--max-len N]
//! [--class SUBSTR] [--cpu MODEL] [--long] [--table] [--fp-fast]
//! [--undefined]`. `--long` runs
//! 20000 sequences per class (about a million instructions over all
//! classes) unless `--per-class` says otherwise; `--cpu` runs both sides
//! under that model (default `max`); `--fp-fast` tests xlat's scalar FP
//! fast path (no FPSR tracking, FPSR not compared, NaN corner operands);
//! `--undefined` runs single words of each class that xlat rejects
//! (SIGILL), which qemu must reject too.

use std::process::ExitCode;
use xlat_difftest::{Config, cpu_runners, find_qemu, find_xlat, run_all};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut seed = 1u64;
    let mut per_class = None;
    let mut max_len = 4;
    let mut filter = None;
    let mut long = false;
    let mut table = false;
    let mut fp_fast = false;
    let mut undefined = false;
    let mut cpu = String::from("max");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = |what: &str| -> Option<u64> {
            let v = it.next().and_then(|s| s.parse().ok());
            if v.is_none() {
                eprintln!("xlat-difftest: {what} needs a number");
            }
            v
        };
        match a.as_str() {
            "--seed" => match num("--seed") {
                Some(v) => seed = v,
                None => return ExitCode::from(2),
            },
            "--per-class" => match num("--per-class") {
                Some(v) => per_class = Some(v as u32),
                None => return ExitCode::from(2),
            },
            "--max-len" => match num("--max-len") {
                Some(v) => max_len = v.max(1) as u32,
                None => return ExitCode::from(2),
            },
            "--class" => filter = it.next().cloned(),
            "--cpu" => match it.next() {
                Some(c) => cpu = c.clone(),
                None => {
                    eprintln!("xlat-difftest: --cpu needs a model name");
                    return ExitCode::from(2);
                }
            },
            "--long" => long = true,
            "--table" => table = true,
            "--fp-fast" => fp_fast = true,
            "--undefined" => undefined = true,
            _ => {
                eprintln!("xlat-difftest: unknown argument {a}");
                return ExitCode::from(2);
            }
        }
    }
    let (Some(xlat), Some(qemu)) = (find_xlat(), find_qemu()) else {
        eprintln!(
            "xlat-difftest: needs xlat-aarch64 (build it or set XLAT_AARCH64) and qemu-aarch64"
        );
        return ExitCode::from(2);
    };
    let (subjects, oracle) = cpu_runners(&xlat, &qemu, &cpu);
    let cfg = Config {
        seed,
        per_class: per_class.unwrap_or(if long { 20_000 } else { 50 }),
        max_len,
        subjects: subjects.clone(),
        oracle,
        filter,
        dir: std::env::temp_dir().join(format!("xlat-difftest-{}", std::process::id())),
        max_reports: 50,
        fp_fast,
        undefined,
    };
    let report = match run_all(&cfg) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("xlat-difftest: {e}");
            return ExitCode::from(2);
        }
    };
    for f in &report.failures {
        println!("{f}");
    }
    if table {
        println!("{}", report.table(&subjects));
    }
    println!(
        "{} sequences, {} mismatches",
        report.classes.iter().map(|c| c.sequences).sum::<u32>(),
        report.mismatches()
    );
    if report.mismatches() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
