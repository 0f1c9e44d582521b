//! Unmodified Debian `busybox-static` of each guest architecture (arm64
//! under `xlat-aarch64`, ppc64el under `xlat-ppc64le`), compared with the
//! amd64 build of the same package version run natively. Every check runs
//! for both guests. The packages are downloaded by `tools/fetch-debian`
//! (never committed); a missing package fails the test with a message
//! naming the script.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use xlat_tests::{
    Outcome, Status, first_difference, run, workspace_root, xlat_aarch64, xlat_ppc64le,
};

/// A guest: its Debian architecture name and its xlat binary.
struct Guest {
    debian_arch: &'static str,
    xlat: fn() -> &'static Path,
}

/// Every guest whose busybox the tests run.
const GUESTS: [Guest; 2] = [
    Guest {
        debian_arch: "arm64",
        xlat: xlat_aarch64,
    },
    Guest {
        debian_arch: "ppc64el",
        xlat: xlat_ppc64le,
    },
];

/// `build/debian/<arch>/busybox-static/bin/busybox`, or a failure naming
/// the script.
fn busybox(arch: &str) -> PathBuf {
    let p = workspace_root()
        .join("build/debian")
        .join(arch)
        .join("busybox-static/bin/busybox");
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

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs `busybox args` natively and under the guest's xlat with `opts`
/// and returns both.
fn both(g: &Guest, opts: &[&str], args: &[&str]) -> (Outcome, Outcome) {
    let env = BTreeMap::new();
    let native = run(&busybox("amd64"), args, &env);
    let guest = busybox(g.debian_arch);
    let mut xargs: Vec<&str> = opts.to_vec();
    xargs.push(path(&guest));
    xargs.extend_from_slice(args);
    let xlat = run((g.xlat)(), &xargs, &env);
    xlat.assert_no_panic();
    (native, xlat)
}

/// `busybox args` under every guest with `opts`: the native run exits 0
/// with some output, and each guest run exits the same with the same
/// stdout.
fn same_with(opts: &[&str], args: &[&str]) {
    for g in &GUESTS {
        let (native, xlat) = both(g, opts, args);
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
}

fn same(args: &[&str]) {
    same_with(&[], args);
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
    same(&["awk", "{ s += $7 } END { printf \"%.6f\\n\", s / NR }", f]);
    same(&["sed", "-e", "s/alpha/ALPHA/g", "-e", "/theta/d", f]);
    same(&["od", "-A", "x", "-t", "x1", f]);
    same(&["wc", f]);
    same(&["uniq", "-c", f]);
}

#[test]
fn busybox_text_tools_interp_and_jit() {
    let f = input_file();
    same_with(&["-tier", "interp"], &["sha256sum", path(&f)]);
    same_with(&["-tier", "jit"], &["sort", "-n", "-k", "7", path(&f)]);
}

#[test]
fn busybox_bc() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("debian-bc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let script = dir.join("calc.bc");
    std::fs::write(
        &script,
        "2^200 + 3*7\nscale=30\n4*a(1)\nsqrt(2)\ndefine f(n) { if (n < 2) return n; return f(n-1) + f(n-2); }\nf(20)\nscale=60; 4*a(1)\ne(1)\nsqrt(2)/3\n",
    )
    .expect("write script");
    same(&["bc", "-l", path(&script)]);
}

#[test]
fn busybox_gzip_round_trip() {
    let f = input_file();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("debian-gzip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    for g in &GUESTS {
        // Compressed bytes are identical to the native build's ...
        let (native, xlat) = both(g, &[], &["gzip", "-c", "-6", path(&f)]);
        assert_eq!(xlat.status, Status::Exit(0), "{}", xlat.stderr);
        assert!(
            xlat.stdout == native.stdout,
            "{}: gzip output differs from native",
            xlat.cmdline
        );
        // ... and decompress (under xlat) to the original.
        let gz = dir.join(format!("{}.gz", g.debian_arch));
        std::fs::write(&gz, &xlat.stdout).expect("write gz");
        let (_, back) = both(g, &[], &["gunzip", "-c", path(&gz)]);
        assert_eq!(back.status, Status::Exit(0), "{}", back.stderr);
        assert!(
            back.stdout == std::fs::read(&f).expect("read input"),
            "{}: gunzip did not restore the input",
            back.cmdline
        );
    }
}

/// `id` needs getgroups (it said "can't get groups" while that was ENOSYS).
#[test]
fn id_and_groups() {
    same(&["id"]);
    same(&["id", "-G"]);
    same(&["id", "-un"]);
}

#[test]
fn shell_pipelines_fork_and_wait() {
    same(&[
        "sh",
        "-c",
        "for i in 1 2 3 4 5; do echo line $i; done | sed s/line/L/ | sort -r; \
         echo $((6 * 7)); (exit 3); echo status $?; x=$(echo sub); echo $x",
    ]);
}
