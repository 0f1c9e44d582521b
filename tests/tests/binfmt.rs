//! binfmt_misc: `xlat-binfmt` registers `xlat-aarch64` under a unique entry
//! name and foreign programs are then executed directly, with the entry
//! flags P (preserve argv[0]), O/C (program passed as a descriptor,
//! `AT_EXECFD`) and F. Needs root and a kernel with binfmt_misc; otherwise
//! the test says it was skipped.
//!
//! Competing handlers: the kernel tries enabled entries newest first, so a
//! handler registered by the test wins over an older one for the same
//! binaries (e.g. `qemu-aarch64` from Debian's `qemu-user-binfmt`). The test
//! still checks that xlat ran: it sets `XLAT_STRACE=1`, which only xlat
//! reads, and expects xlat's system-call log on stderr.
//!
//! The preserve-argv0 marker (an interpreter named `...-binfmt-P`) is
//! checked without binfmt_misc, by running xlat through such a symlink.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use xlat_tests::{Outcome, Status, expected, guest, run, xlat_aarch64, xlat_binfmt};

const BINFMT: &str = "/proc/sys/fs/binfmt_misc";

/// Prints a skip note that cargo's output capture does not swallow.
fn skip(why: &str) {
    let _ = writeln!(std::io::stderr(), "binfmt test skipped: {why}");
}

fn euid() -> Option<u32> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Removes the entry when dropped, also when an assertion failed.
struct Registration {
    name: String,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let p = Path::new(BINFMT).join(&self.name);
        if p.exists() {
            let _ = std::fs::write(&p, "-1");
        }
    }
}

fn binfmt_cmd(args: &[&str]) -> Outcome {
    run(xlat_binfmt(), args, &BTreeMap::new())
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Registers `name` with the given extra `xlat-binfmt install` options
/// (replacing an earlier registration of the same name).
fn install(reg: &Registration, opts: &[&str]) {
    let mut args = vec![
        "install",
        "--name",
        &reg.name,
        "--interpreter",
        s(xlat_aarch64()),
    ];
    args.extend_from_slice(opts);
    let o = binfmt_cmd(&args);
    o.assert_no_panic();
    assert_eq!(
        o.status,
        Status::Exit(0),
        "`{}` failed: {}{}",
        o.cmdline,
        o.stdout_str(),
        o.stderr
    );
    let text = std::fs::read_to_string(Path::new(BINFMT).join(&reg.name))
        .unwrap_or_else(|e| panic!("entry {} not registered: {e}", reg.name));
    assert!(text.starts_with("enabled\n"), "{text}");
    assert!(
        text.contains(&format!("interpreter {}\n", s(xlat_aarch64()))),
        "{text}"
    );
    // The magic the kernel stored: ELF64 little-endian, EM_AARCH64.
    assert!(
        text.contains("magic 7f454c460201010000000000000000000200b700\n"),
        "{text}"
    );
}

/// The entry's flag letters as the kernel reports them.
fn kernel_flags(reg: &Registration) -> String {
    let text = std::fs::read_to_string(Path::new(BINFMT).join(&reg.name)).expect("entry");
    text.lines()
        .find_map(|l| l.strip_prefix("flags: "))
        .unwrap_or("")
        .to_owned()
}

fn strace_env() -> BTreeMap<String, String> {
    BTreeMap::from([("XLAT_STRACE".to_owned(), "1".to_owned())])
}

/// Runs the guest `hello` by executing it directly and checks its output
/// and that xlat (not another handler) ran it.
fn direct_hello() {
    let exp = expected("hello", "hello");
    let o = run(&guest("aarch64", "hello"), &[], &strace_env());
    o.assert_no_panic();
    assert_eq!(
        o.stdout_str(),
        String::from_utf8_lossy(&exp.stdout),
        "`{}`: stderr:\n{}",
        o.cmdline,
        o.stderr
    );
    assert_eq!(o.status, Status::Exit(0), "{}", o.stderr);
    assert_xlat_ran(&o);
}

fn assert_xlat_ran(o: &Outcome) {
    assert!(
        o.stderr.contains("exit_group(0)"),
        "`{}`: no xlat -strace log on stderr, so another handler ran the program:\n{}",
        o.cmdline,
        o.stderr
    );
}

/// Runs PROGRAM with `argv[0]` = ARGV0 (through Python's `os.execv`).
fn exec_with_argv0(program: &Path, argv: &[&str]) -> Outcome {
    let script = "import os,sys\nos.execv(sys.argv[1],sys.argv[2:])\n";
    let mut args = vec!["-c", script, s(program)];
    args.extend_from_slice(argv);
    run(Path::new("/usr/bin/python3"), &args, &strace_env())
}

/// A scratch directory of this test process (several test runs may share
/// the target directory at once).
fn scratch_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("xlat-binfmt-tests-{}", std::process::id()))
}

/// A copy of `hello` that only its owner (root) may read: others may only
/// execute it, which works through binfmt_misc only with flag O.
fn exec_only_hello() -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch_dir();
    std::fs::create_dir_all(&dir).expect("scratch dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod dir");
    let p = dir.join("hello-exec-only");
    let _ = std::fs::remove_file(&p);
    std::fs::copy(guest("aarch64", "hello"), &p).expect("copy hello");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o711)).expect("chmod");
    p
}

/// Runs `program` as user `nobody`.
fn run_as_nobody(program: &Path) -> Outcome {
    run(
        Path::new("/usr/bin/setpriv"),
        &[
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            s(program),
        ],
        &strace_env(),
    )
}

/// Whether binfmt_misc can be used here; mounts it through `xlat-binfmt
/// status` when needed.
fn binfmt_usable() -> bool {
    if euid() != Some(0) {
        skip("not root");
        return false;
    }
    if !Path::new(BINFMT).join("register").exists() {
        let o = binfmt_cmd(&["status"]);
        o.assert_no_panic();
        if !Path::new(BINFMT).join("register").exists() {
            skip(&format!(
                "binfmt_misc is not mounted and could not be mounted: {}{}",
                o.stdout_str(),
                o.stderr
            ));
            return false;
        }
    }
    let status = std::fs::read_to_string(Path::new(BINFMT).join("status")).unwrap_or_default();
    if status.trim() != "enabled" {
        skip("binfmt_misc is disabled on this host");
        return false;
    }
    for tool in ["/usr/bin/python3", "/usr/bin/setpriv"] {
        if !Path::new(tool).exists() {
            skip(&format!("{tool} is missing"));
            return false;
        }
    }
    true
}

#[test]
fn binfmt_register_run_unregister() {
    // Build both binaries and find the guests before touching the kernel.
    let _ = (xlat_aarch64(), xlat_binfmt());
    let args_prog = guest("aarch64", "args");
    if !binfmt_usable() {
        return;
    }
    let reg = Registration {
        name: format!("xlat-test-{}", std::process::id()),
    };

    // No flags: the kernel drops argv[0] and passes the path.
    install(&reg, &[]);
    assert_eq!(kernel_flags(&reg), "");
    let st = binfmt_cmd(&["status", "--name", &reg.name]);
    assert!(
        st.stdout_str()
            .contains(&format!("aarch64: {} enabled", reg.name)),
        "status does not list the entry:\n{}",
        st.stdout_str()
    );
    direct_hello();
    let o = exec_with_argv0(&args_prog, &["zero-name", "-strace", "two words"]);
    let out = o.stdout_str();
    assert!(out.contains("argc=3\n"), "{out}\n{}", o.stderr);
    assert!(out.contains("argv[0] basename=args\n"), "{out}");
    assert!(
        out.contains("argv[1]=[-strace]\nargv[2]=[two words]\n"),
        "{out}"
    );
    // Without O, xlat has to open the program itself.
    let xonly = exec_only_hello();
    let o = run_as_nobody(&xonly);
    o.assert_no_panic();
    assert!(
        !o.stdout_str().contains("Hello") && o.stderr.contains("ermission denied"),
        "an execute-only program should not be readable by xlat without flag O: {}\n{}",
        o.stdout_str(),
        o.stderr
    );

    // P: the guest sees the original argv[0] (AT_FLAGS on Linux >= 5.12,
    // else the -binfmt-P interpreter name).
    install(&reg, &["--preserve-argv0"]);
    assert_eq!(kernel_flags(&reg), "P");
    let o = exec_with_argv0(&args_prog, &["zero-name", "-strace", "two words"]);
    let out = o.stdout_str();
    assert!(out.contains("argc=3\n"), "{out}\n{}", o.stderr);
    assert!(out.contains("argv[0] basename=zero-name\n"), "{out}");
    assert!(
        out.contains("argv[1]=[-strace]\nargv[2]=[two words]\n"),
        "{out}"
    );
    assert!(out.contains("AT_EXECFN basename=args\n"), "{out}");
    direct_hello();

    // C (implies O): xlat reads the program from AT_EXECFD, so an
    // execute-only program runs.
    install(&reg, &["--credential"]);
    assert_eq!(kernel_flags(&reg), "OC");
    direct_hello();
    let o = run_as_nobody(&xonly);
    o.assert_no_panic();
    assert_eq!(o.stdout_str(), "Hello, world!\n", "stderr:\n{}", o.stderr);
    assert_eq!(o.status, Status::Exit(0));
    assert_xlat_ran(&o);

    // P, O and F together.
    install(&reg, &["--preserve-argv0", "--open-binary", "--persistent"]);
    assert_eq!(kernel_flags(&reg), "POF");
    let o = exec_with_argv0(&args_prog, &["o-zero", "x"]);
    let out = o.stdout_str();
    assert!(out.contains("argc=2\n"), "{out}\n{}", o.stderr);
    assert!(out.contains("argv[0] basename=o-zero\n"), "{out}");
    assert!(out.contains("argv[1]=[x]\n"), "{out}");
    assert_eq!(o.status, Status::Exit(0));
    let o = run_as_nobody(&xonly);
    assert_eq!(o.stdout_str(), "Hello, world!\n", "stderr:\n{}", o.stderr);

    // uninstall removes it.
    let o = binfmt_cmd(&["uninstall", "--name", &reg.name]);
    assert_eq!(o.status, Status::Exit(0), "{}", o.stderr);
    assert!(o.stdout_str().contains("removed"), "{}", o.stdout_str());
    assert!(!Path::new(BINFMT).join(&reg.name).exists());
    let o = binfmt_cmd(&["uninstall", "--name", &reg.name]);
    assert_eq!(o.status, Status::Exit(0), "{}", o.stderr);
    assert!(
        o.stdout_str().contains("not registered"),
        "{}",
        o.stdout_str()
    );
}

/// Without binfmt_misc: an interpreter whose name ends in `-binfmt-P` takes
/// `PROGRAM ARGV0 ARGS...` like the kernel passes them with flag P.
#[test]
fn preserve_argv0_marker_name() {
    let dir = scratch_dir();
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let link = dir.join("xlat-aarch64-binfmt-P");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(xlat_aarch64(), &link).expect("symlink");
    let args_prog = guest("aarch64", "args");
    let o = run(
        &link,
        &[s(&args_prog), "my-zero", "-d", "one"],
        &BTreeMap::new(),
    );
    o.assert_no_panic();
    let out = o.stdout_str();
    assert!(out.contains("argc=3\n"), "{out}\n{}", o.stderr);
    assert!(out.contains("argv[0] basename=my-zero\n"), "{out}");
    assert!(out.contains("argv[1]=[-d]\nargv[2]=[one]\n"), "{out}");
    // The plain name keeps the ordinary command line.
    let o = run(
        xlat_aarch64(),
        &[s(&args_prog), "my-zero", "-d"],
        &BTreeMap::new(),
    );
    let out = o.stdout_str();
    assert!(out.contains("argv[0] basename=args\n"), "{out}");
    assert!(out.contains("argv[1]=[my-zero]\n"), "{out}");
}

/// `--systemd DIR` writes a binfmt.d file and `uninstall --systemd`
/// removes it, without touching the kernel.
#[test]
fn systemd_files() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("xlat-binfmt-systemd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = binfmt_cmd(&[
        "install",
        "--systemd",
        s(&dir),
        "--persistent",
        "--interpreter",
        "/usr/bin/xlat-aarch64",
    ]);
    assert_eq!(o.status, Status::Exit(0), "{}", o.stderr);
    let conf = std::fs::read_to_string(dir.join("xlat-aarch64.conf")).expect("conf written");
    let lines: Vec<&str> = conf
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert_eq!(
        lines,
        [":xlat-aarch64:M::\
          \\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\
          \\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:\
          /usr/bin/xlat-aarch64:F"]
    );
    let o = binfmt_cmd(&["uninstall", "--systemd", s(&dir)]);
    assert_eq!(o.status, Status::Exit(0), "{}", o.stderr);
    assert!(!dir.join("xlat-aarch64.conf").exists());
    // Bad input: one error line, exit 1.
    for bad in [
        &["install", "--arch", "sparc", "--systemd", "/tmp"][..],
        &["install", "--name", "a/b", "--systemd", "/tmp"],
        &["install", "--interpreter", "/a:b", "--systemd", "/tmp"],
    ] {
        let o = binfmt_cmd(bad);
        o.assert_no_panic();
        assert_eq!(o.status, Status::Exit(1), "{}", o.cmdline);
        assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
        assert!(o.stderr.starts_with("xlat-binfmt: "), "{}", o.stderr);
    }
}
