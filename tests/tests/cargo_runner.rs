//! xlat as Cargo's target runner: the small crate in `tests/cargo-runner/`
//! is cross-built for `aarch64-unknown-linux-gnu` (linker
//! `aarch64-linux-gnu-gcc`) and `cargo test` runs its unit tests through
//! `xlat-aarch64 -L /usr/aarch64-linux-gnu` (the test binary is dynamically
//! linked against the Debian arm64 cross glibc).
//!
//! Skips with a message when the Rust target cannot be installed (offline)
//! or the cross linker is missing.
//!
//! Threads: libtest runs every test on a thread of its own, so this also
//! exercises guest threads (`clone`) under the runner.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use xlat_tests::{Status, run, tail, workspace_root, xlat_aarch64};

/// Number of `#[test]` functions in `tests/cargo-runner/src/lib.rs`.
const CRATE_TESTS: usize = 6;

/// Prints a note that cargo's output capture does not swallow.
fn note(msg: &str) {
    let _ = writeln!(std::io::stderr(), "cargo runner test: {msg}");
}

/// Prints a skip note.
fn skip(why: &str) {
    note(&format!("skipped: {why}"));
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// `rustup target add aarch64-unknown-linux-gnu` (for the toolchain that
/// runs this test); false when it cannot be installed.
fn have_target() -> bool {
    let o = run(
        Path::new("/bin/sh"),
        &[
            "-c",
            "command -v rustup >/dev/null || exit 127; \
             rustup target add aarch64-unknown-linux-gnu",
        ],
        &BTreeMap::new(),
    );
    match o.status {
        Status::Exit(0) => true,
        _ => {
            skip(&format!(
                "`rustup target add aarch64-unknown-linux-gnu` failed ({}): {}",
                o.status,
                tail(&o.stderr, 5)
            ));
            false
        }
    }
}

#[test]
fn cargo_test_through_xlat() {
    let xlat = xlat_aarch64();
    if !Path::new("/usr/bin/aarch64-linux-gnu-gcc").exists() {
        skip("aarch64-linux-gnu-gcc is missing (tools/setup installs it)");
        return;
    }
    if !have_target() {
        return;
    }
    let root = workspace_root();
    let krate = root.join("tests/cargo-runner");
    let target_dir = root.join("target/cargo-runner");
    let manifest = krate.join("Cargo.toml");
    let cargo_test = |runner: String| {
        let env = BTreeMap::from([
            (
                "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER".to_owned(),
                "aarch64-linux-gnu-gcc".to_owned(),
            ),
            (
                "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER".to_owned(),
                runner,
            ),
            (
                "CARGO_TARGET_DIR".to_owned(),
                target_dir.to_str().expect("UTF-8 path").to_owned(),
            ),
            ("CARGO_TERM_COLOR".to_owned(), "never".to_owned()),
            ("RUST_BACKTRACE".to_owned(), "0".to_owned()),
        ]);
        let o = run(
            Path::new(&cargo()),
            &[
                "test",
                "--manifest-path",
                manifest.to_str().expect("UTF-8 path"),
                "--target",
                "aarch64-unknown-linux-gnu",
            ],
            &env,
        );
        // The guest's own panics are expected; xlat's say "internal error".
        assert!(
            !o.stderr.contains("xlat-aarch64: internal error"),
            "{}",
            tail(&o.stderr, 30)
        );
        o
    };
    let runner = format!("{} -L /usr/aarch64-linux-gnu", xlat.display());
    let o = cargo_test(runner);
    let out = o.stdout_str();
    let summary = format!("test result: ok. {CRATE_TESTS} passed; 0 failed");
    assert!(
        out.contains(&summary),
        "`{}`: no \"{summary}\" in the output\n--- stdout ---\n{out}\n--- stderr ---\n{}",
        o.cmdline,
        tail(&o.stderr, 60)
    );
    for t in [
        "tests::integer_math ... ok",
        "tests::floats ... ok",
        "tests::hash_map ... ok",
        "tests::strings_and_sorting ... ok",
        "tests::panics_are_caught - should panic ... ok",
    ] {
        assert!(out.contains(t), "missing `{t}` in:\n{out}");
    }
    assert_eq!(o.status, Status::Exit(0), "{}", tail(&o.stderr, 30));
}
