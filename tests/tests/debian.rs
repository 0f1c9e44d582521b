//! Unmodified Debian arm64 programs under `xlat-aarch64`, compared with the
//! amd64 build of the same package version run natively. The packages are
//! downloaded by `tools/fetch-debian` (never committed); a missing package
//! fails the test with a message naming the script.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use xlat_tests::{Outcome, Status, first_difference, run, workspace_root, xlat_aarch64};

/// `build/debian/<arch>/<package>/<path>`, or a failure naming the script.
fn debian(arch: &str, package: &str, path: &str) -> PathBuf {
    let p = workspace_root()
        .join("build/debian")
        .join(arch)
        .join(package)
        .join(path);
    assert!(
        p.is_file(),
        "{} is missing: run tools/fetch-debian first",
        p.display()
    );
    p
}

/// The shared text input (see `xlat_tests::text_input`).
fn input_file() -> PathBuf {
    xlat_tests::text_input().to_path_buf()
}

fn busybox_native() -> PathBuf {
    debian("amd64", "busybox-static", "bin/busybox")
}

fn busybox_guest() -> PathBuf {
    debian("arm64", "busybox-static", "bin/busybox")
}

/// Runs `busybox args` natively and under xlat (default tier) and returns both.
fn both(args: &[&str]) -> (Outcome, Outcome) {
    let env = BTreeMap::new();
    let native = run(&busybox_native(), args, &env);
    let guest = busybox_guest();
    let mut xargs = vec![guest.to_str().expect("utf-8 path")];
    xargs.extend_from_slice(args);
    let xlat = run(xlat_aarch64(), &xargs, &env);
    xlat.assert_no_panic();
    (native, xlat)
}

fn same(args: &[&str]) {
    let (native, xlat) = both(args);
    assert_eq!(
        native.status,
        Status::Exit(0),
        "native busybox failed: {}",
        native.stderr
    );
    assert_eq!(
        xlat.status, native.status,
        "{}: {}",
        xlat.cmdline, xlat.stderr
    );
    assert!(
        !native.stdout.is_empty(),
        "no output from `{}`",
        native.cmdline
    );
    assert!(
        xlat.stdout == native.stdout,
        "{}: output differs from native: {}",
        xlat.cmdline,
        first_difference(&native.stdout_str(), &xlat.stdout_str())
    );
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn busybox_digests() {
    let f = input_file();
    for applet in ["sha256sum", "sha1sum", "md5sum", "sha512sum"] {
        same(&[applet, path(&f)]);
    }
}

#[test]
fn busybox_text_tools() {
    let f = input_file();
    let f = path(&f);
    same(&["sort", f]);
    same(&["sort", "-n", "-k", "7", f]);
    same(&[
        "awk",
        "{ s += $7; n[$1]++ } END { print s; for (w in n) print w, n[w] }",
        f,
    ]);
    same(&["sed", "-e", "s/alpha/ALPHA/g", "-e", "/theta/d", f]);
    same(&["od", "-A", "x", "-t", "x1", f]);
    same(&["wc", f]);
    same(&["uniq", "-c", f]);
}

#[test]
fn busybox_bc() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("debian-bc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let script = dir.join("calc.bc");
    std::fs::write(
        &script,
        "2^200 + 3*7\nscale=30\n4*a(1)\nsqrt(2)\ndefine f(n) { if (n < 2) return n; return f(n-1) + f(n-2); }\nf(20)\n",
    )
    .expect("write script");
    same(&["bc", "-l", path(&script)]);
}

#[test]
fn busybox_gzip_round_trip() {
    let f = input_file();
    let dir = f.parent().expect("scratch dir").to_path_buf();
    // Compressed bytes are identical to the native build's ...
    let (native, xlat) = both(&["gzip", "-c", "-6", path(&f)]);
    assert_eq!(xlat.status, Status::Exit(0), "{}", xlat.stderr);
    assert!(
        xlat.stdout == native.stdout,
        "gzip output differs from native"
    );
    // ... and decompress (under xlat) to the original.
    let gz = dir.join("xlat.gz");
    std::fs::write(&gz, &xlat.stdout).expect("write gz");
    let (_, back) = both(&["gunzip", "-c", path(&gz)]);
    assert_eq!(back.status, Status::Exit(0), "{}", back.stderr);
    assert!(
        back.stdout == std::fs::read(&f).expect("read input"),
        "gunzip did not restore the input"
    );
}

/// `id` needs getgroups (it said "can't get groups" while that was ENOSYS).
#[test]
fn id_and_groups() {
    same(&["id"]);
    same(&["id", "-G"]);
    same(&["id", "-un"]);
}
