//! Unmodified Debian ppc64el `busybox-static` under `xlat-ppc64le`,
//! compared with the amd64 build of the same package version run natively.
//! The packages are downloaded by `tools/fetch-debian` (never committed); a
//! missing package fails the test with a message naming the script.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use xlat_tests::{Status, first_difference, run, workspace_root, xlat_ppc64le};

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
    p.to_str().expect("UTF-8 path")
}

/// Runs `busybox args` natively and under xlat-ppc64le with `opts`; both
/// must exit 0 with the same stdout.
fn same_with(opts: &[&str], args: &[&str]) {
    let env = BTreeMap::new();
    let native = run(&busybox("amd64"), args, &env);
    assert_eq!(
        native.status,
        Status::Exit(0),
        "native busybox {args:?} failed: {}",
        native.stderr
    );
    let guest = busybox("ppc64el");
    let mut xargs: Vec<&str> = opts.to_vec();
    xargs.push(path(&guest));
    xargs.extend_from_slice(args);
    let xlat = run(xlat_ppc64le(), &xargs, &env);
    xlat.assert_no_panic();
    assert_eq!(
        xlat.status,
        Status::Exit(0),
        "`{}` failed: {}",
        xlat.cmdline,
        xlat.stderr
    );
    if xlat.stdout != native.stdout {
        panic!(
            "`{}`: output differs from native busybox ({})",
            xlat.cmdline,
            first_difference(&native.stdout_str(), &xlat.stdout_str())
        );
    }
}

fn same(args: &[&str]) {
    same_with(&[], args);
}

#[test]
fn checksums() {
    let f = input_file();
    for applet in ["md5sum", "sha1sum", "sha256sum", "sha512sum"] {
        same(&[applet, path(&f)]);
    }
}

#[test]
fn text_tools() {
    let f = input_file();
    let f = path(&f);
    same(&["sort", f]);
    same(&["sort", "-n", "-k", "7", f]);
    same(&["sed", "-e", "s/alpha/ALPHA/g", "-e", "/theta/d", f]);
    same(&["od", "-A", "x", "-t", "x1", f]);
    same(&["wc", f]);
    same(&["uniq", "-c", f]);
    same(&["awk", "{ s += $7 } END { printf \"%.6f\\n\", s / NR }", f]);
}

#[test]
fn text_tools_interp_and_jit() {
    let f = input_file();
    same_with(&["-tier", "interp"], &["sha256sum", path(&f)]);
    same_with(&["-tier", "jit"], &["sort", "-n", "-k", "7", path(&f)]);
}

#[test]
fn bc_floating_point() {
    let dir = input_file().parent().expect("dir").to_path_buf();
    let script = dir.join("pi.bc");
    std::fs::write(&script, "scale=60; 4*a(1)\ne(1)\nsqrt(2)/3\n").expect("script");
    same(&["bc", "-l", path(&script)]);
}

#[test]
fn gzip_round_trip() {
    let f = input_file();
    same(&["gzip", "-c", "-6", path(&f)]);
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
