//! Integration-test harness: runs the guest programs under the xlat binaries.
//!
//! The guest programs are built by `tools/build-guests` into
//! `build/guests/<arch>/<name>`; their expected stdout and exit status are
//! checked in under `tests/expected/` (regenerated with
//! `tools/build-guests --bless`, which runs them under `qemu-aarch64`).
//!
//! # Locating `xlat-aarch64`
//!
//! Cargo only hands `CARGO_BIN_EXE_<name>` to tests of the crate that owns the
//! binary, so this crate builds the binary itself, once per test process: it
//! runs `cargo build -p xlat-linux-user --bin xlat-aarch64` with the profile
//! the tests were built with (taken from the test executable's path,
//! `target/<profile>/deps/...`) and uses `target/<profile>/xlat-aarch64`.
//! When nothing changed that build is a no-op. Set `XLAT_TESTS_AARCH64` to the
//! path of an existing binary to skip the build.
//!
//! Missing guest binaries make a test fail with a message naming
//! `tools/build-guests`: the tests never pass by skipping.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Default limit for one guest run; override with `XLAT_TESTS_TIMEOUT` (seconds).
const DEFAULT_TIMEOUT_S: u64 = 300;

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent directory")
        .to_path_buf()
}

/// Path of a built guest program, `build/guests/<arch>/<name>`.
///
/// Panics with instructions when it has not been built.
pub fn guest(arch: &str, name: &str) -> PathBuf {
    let p = workspace_root().join("build/guests").join(arch).join(name);
    assert!(
        p.is_file(),
        "guest program {} is missing: run tools/build-guests first",
        p.display()
    );
    p
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Normal exit with this status.
    Exit(i32),
    /// Killed by this signal.
    Signal(i32),
    /// Still running after the time limit (it was killed).
    Timeout,
}

impl Status {
    /// Parses the `tests/expected/<name>.status` format: `exit N` or `signal N`.
    pub fn parse(text: &str) -> Option<Status> {
        let mut it = text.split_whitespace();
        let kind = it.next()?;
        let n: i32 = it.next()?.parse().ok()?;
        if it.next().is_some() {
            return None;
        }
        match kind {
            "exit" => Some(Status::Exit(n)),
            "signal" => Some(Status::Signal(n)),
            _ => None,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Exit(n) => write!(f, "exit {n}"),
            Status::Signal(n) => write!(f, "signal {n}"),
            Status::Timeout => write!(f, "timeout"),
        }
    }
}

/// Result of one run.
#[derive(Debug)]
pub struct Outcome {
    /// Everything the process wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything the process wrote to stderr, lossily decoded.
    pub stderr: String,
    /// How it ended.
    pub status: Status,
    /// The command line, for messages.
    pub cmdline: String,
}

impl Outcome {
    /// stdout, lossily decoded.
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Asserts that no Rust panic message reached stderr.
    pub fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked"),
            "`{}` panicked:\n{}",
            self.cmdline,
            self.stderr
        );
    }
}

/// The expected result of a guest test program, from `tests/expected/`.
#[derive(Debug)]
pub struct Expected {
    /// Expected stdout bytes.
    pub stdout: Vec<u8>,
    /// Expected status.
    pub status: Status,
    /// Guest arguments (from `tests/guest/<base>.args`).
    pub args: Vec<String>,
    /// Extra guest environment (from `tests/guest/<base>.env`).
    pub env: BTreeMap<String, String>,
}

/// Reads the expected stdout/status of `name` and the arguments/environment
/// of its source program `base` (differs from `name` for variants such as
/// `hello-pie`).
pub fn expected(name: &str, base: &str) -> Expected {
    let root = workspace_root();
    let dir = root.join("tests/expected");
    let stdout = std::fs::read(dir.join(format!("{name}.stdout")))
        .unwrap_or_else(|e| panic!("tests/expected/{name}.stdout: {e}"));
    let st = std::fs::read_to_string(dir.join(format!("{name}.status")))
        .unwrap_or_else(|e| panic!("tests/expected/{name}.status: {e}"));
    let status = Status::parse(&st)
        .unwrap_or_else(|| panic!("tests/expected/{name}.status: bad contents {st:?}"));
    let src = root.join("tests/guest");
    let args = match std::fs::read_to_string(src.join(format!("{base}.args"))) {
        Ok(mut t) => {
            if t.ends_with('\n') {
                t.pop();
            }
            t.split('\n').map(str::to_owned).collect()
        }
        Err(_) => Vec::new(),
    };
    let mut env = BTreeMap::new();
    if let Ok(t) = std::fs::read_to_string(src.join(format!("{base}.env"))) {
        for line in t.lines().filter(|l| !l.is_empty()) {
            let (k, v) = line.split_once('=').unwrap_or((line, ""));
            env.insert(k.to_owned(), v.to_owned());
        }
    }
    Expected {
        stdout,
        status,
        args,
        env,
    }
}

fn timeout() -> Duration {
    let s = std::env::var("XLAT_TESTS_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_TIMEOUT_S);
    Duration::from_secs(s)
}

/// Runs `program args...` with a clean environment scheme: variables that
/// would change xlat's or the guest's behaviour behind the test's back
/// (`XLAT_*`, `QEMU_*`, `GUEST_TEST_*`) are removed, then `env` is added.
/// The process and the processes it started are killed after the time
/// limit.
pub fn run(program: &Path, args: &[&str], env: &BTreeMap<String, String>) -> Outcome {
    let mut cmd = Command::new(program);
    // A process group of its own, so that a timeout ends the children the
    // guest forked too (a hung child would keep the output pipes open).
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("XLAT_") || k.starts_with("QEMU_") || k.starts_with("GUEST_TEST_") {
            cmd.env_remove(&*k);
        }
    }
    cmd.envs(env);
    let cmdline = format!(
        "{} {}",
        program.display(),
        args.iter()
            .map(|a| format!("{a:?}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{cmdline}`: {e}"));
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + timeout();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => {
                break match (st.code(), st.signal()) {
                    (Some(c), _) => Status::Exit(c),
                    (None, Some(s)) => Status::Signal(s),
                    (None, None) => unreachable!("a process ends by exit or signal"),
                };
            }
            Ok(None) if Instant::now() >= deadline => {
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .status();
                let _ = child.kill();
                let _ = child.wait();
                break Status::Timeout;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("waiting for `{cmdline}`: {e}"),
        }
    };
    let stdout = t_out.join().expect("stdout reader");
    let stderr = String::from_utf8_lossy(&t_err.join().expect("stderr reader")).into_owned();
    Outcome {
        stdout,
        stderr,
        status,
        cmdline,
    }
}

/// Path of the `xlat-aarch64` binary, built on first use (see the crate docs).
pub fn xlat_aarch64() -> &'static Path {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BIN.get_or_init(|| build_binary("xlat-linux-user", "xlat-aarch64", "XLAT_TESTS_AARCH64"))
    {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

/// Path of the `xlat-ppc64le` binary, built on first use like
/// [`xlat_aarch64`] (override: `XLAT_TESTS_PPC64LE`).
pub fn xlat_ppc64le() -> &'static Path {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BIN.get_or_init(|| build_binary("xlat-linux-user", "xlat-ppc64le", "XLAT_TESTS_PPC64LE"))
    {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

/// Path of the `xlat-binfmt` binary, built on first use like
/// [`xlat_aarch64`] (override: `XLAT_TESTS_BINFMT`).
pub fn xlat_binfmt() -> &'static Path {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BIN.get_or_init(|| build_binary("xlat-linux-user", "xlat-binfmt", "XLAT_TESTS_BINFMT")) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

fn build_binary(package: &str, bin: &str, override_var: &str) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(override_var) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("{override_var}={} is not a file", p.display()))
        };
    }
    // The test executable is target/<profile-dir>/deps/<test>-<hash>.
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("unexpected test executable path {}", exe.display()))?;
    let profile = match profile_dir.file_name().and_then(|s| s.to_str()) {
        Some("debug") => "dev",
        Some(other) => other,
        None => return Err(format!("cannot tell the profile from {}", exe.display())),
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_owned());
    let status = Command::new(&cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            package,
            "--bin",
            bin,
            "--profile",
            profile,
        ])
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "`cargo build -p {package} --bin {bin} --profile {profile}` failed ({status}); \
             the integration tests need that binary"
        ));
    }
    let p = profile_dir.join(bin);
    if p.is_file() {
        Ok(p)
    } else {
        Err(format!("{} was not produced by cargo build", p.display()))
    }
}

/// Runs the guest test program `name` (source program `base`) under
/// `xlat-aarch64` with the given xlat options and checks stdout and status
/// against `tests/expected/`.
pub fn check_guest(name: &str, base: &str, xlat_opts: &[&str]) {
    let exp = expected(name, base);
    let prog = guest("aarch64", name);
    let prog_s = prog.to_str().expect("UTF-8 build path");
    let mut args: Vec<&str> = xlat_opts.to_vec();
    args.push(prog_s);
    args.extend(exp.args.iter().map(String::as_str));
    let out = run(xlat_aarch64(), &args, &exp.env);
    out.assert_no_panic();
    let got = out.stdout_str();
    let want = String::from_utf8_lossy(&exp.stdout);
    if got != want {
        let diff = first_difference(&want, &got);
        panic!(
            "`{}`: stdout differs from tests/expected/{name}.stdout ({diff})\n\
             --- expected ---\n{want}\n--- got ---\n{got}\n--- stderr ---\n{}",
            out.cmdline,
            tail(&out.stderr, 40)
        );
    }
    assert_eq!(
        out.status,
        exp.status,
        "`{}`: status differs from tests/expected/{name}.status; stderr:\n{}",
        out.cmdline,
        tail(&out.stderr, 40)
    );
}

/// stdout without the lines that start with `[arch]` (architecture-specific
/// values such as `uname -m`).
pub fn portable(out: &[u8]) -> String {
    String::from_utf8_lossy(out)
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("[arch]"))
        .collect()
}

/// Runs the ppc64le build of the portable test program `name` under
/// `xlat-ppc64le` with the given xlat options (and `-L` with the ppc64le
/// sysroot for `dynamic` programs) and checks it against the shared
/// `tests/expected/<name>.*` files, `[arch]` lines left out on both sides
/// (ppc64le has no expected files of its own; see `tools/build-guests`).
/// Returns the run for further checks of the `[arch]` lines.
pub fn check_guest_ppc64le(name: &str, xlat_opts: &[&str], dynamic: bool) -> Outcome {
    let exp = expected(name, name);
    let prog = guest("ppc64le", name);
    let prog_s = prog.to_str().expect("UTF-8 build path");
    let mut args: Vec<&str> = xlat_opts.to_vec();
    if dynamic {
        args.extend(["-L", "/usr/powerpc64le-linux-gnu"]);
    }
    args.push(prog_s);
    args.extend(exp.args.iter().map(String::as_str));
    let out = run(xlat_ppc64le(), &args, &exp.env);
    out.assert_no_panic();
    let got = portable(&out.stdout);
    let want = portable(&exp.stdout);
    if got != want {
        let diff = first_difference(&want, &got);
        panic!(
            "`{}`: stdout ([arch] lines left out) differs from tests/expected/{name}.stdout ({diff})\n\
             --- expected ---\n{want}\n--- got ---\n{got}\n--- stderr ---\n{}",
            out.cmdline,
            tail(&out.stderr, 40)
        );
    }
    assert_eq!(
        out.status,
        exp.status,
        "`{}`: status differs from tests/expected/{name}.status; stderr:\n{}",
        out.cmdline,
        tail(&out.stderr, 40)
    );
    out
}

/// Runs the PowerPC-specific test program `name`
/// (`tests/guest/ppc64le/<name>.c`, built into `build/guests/ppc64le/`)
/// under `xlat-ppc64le` and checks stdout and status against
/// `tests/expected/ppc64le/<name>.*` (from `qemu-ppc64le`, every line).
pub fn check_ppc64le_specific(name: &str, xlat_opts: &[&str]) {
    let dir = workspace_root().join("tests/expected/ppc64le");
    let want = std::fs::read(dir.join(format!("{name}.stdout")))
        .unwrap_or_else(|e| panic!("tests/expected/ppc64le/{name}.stdout: {e}"));
    let st = std::fs::read_to_string(dir.join(format!("{name}.status")))
        .unwrap_or_else(|e| panic!("tests/expected/ppc64le/{name}.status: {e}"));
    let status = Status::parse(&st)
        .unwrap_or_else(|| panic!("tests/expected/ppc64le/{name}.status: bad contents {st:?}"));
    let prog = guest("ppc64le", name);
    let mut args: Vec<&str> = xlat_opts.to_vec();
    args.push(prog.to_str().expect("UTF-8 build path"));
    let out = run(xlat_ppc64le(), &args, &BTreeMap::new());
    out.assert_no_panic();
    let got = out.stdout_str();
    let want = String::from_utf8_lossy(&want);
    if got != want {
        panic!(
            "`{}`: stdout differs from tests/expected/ppc64le/{name}.stdout ({})\n\
             --- expected ---\n{want}\n--- got ---\n{got}\n--- stderr ---\n{}",
            out.cmdline,
            first_difference(&want, &got),
            tail(&out.stderr, 40)
        );
    }
    assert_eq!(
        out.status,
        status,
        "`{}`: status differs; stderr:\n{}",
        out.cmdline,
        tail(&out.stderr, 40)
    );
}

/// "line N: expected ... got ..." for the first differing line.
pub fn first_difference(want: &str, got: &str) -> String {
    let (mut w, mut g) = (want.lines(), got.lines());
    for n in 1.. {
        match (w.next(), g.next()) {
            (None, None) => return "trailing newline differs".to_owned(),
            (a, b) if a == b => continue,
            (a, b) => return format!("first at line {n}: expected {a:?}, got {b:?}"),
        }
    }
    unreachable!()
}

/// The last `n` lines of `s`.
pub fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A deterministic text input of about 600 KiB (six words and a number per
/// line) for tests that compare text tools, written once per test process
/// (tests run on parallel threads) into a per-process scratch directory.
pub fn text_input() -> &'static Path {
    static INPUT: OnceLock<PathBuf> = OnceLock::new();
    INPUT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("xlat-tests-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let words = [
            "alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta",
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut s = String::new();
        for _ in 0..20_000 {
            for _ in 0..6 {
                s.push_str(words[(next() % 8) as usize]);
                s.push(' ');
            }
            s.push_str(&format!("{}\n", next() % 1_000_000));
        }
        let p = dir.join("in.txt");
        std::fs::write(&p, s).expect("write input");
        p
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_parse() {
        assert_eq!(Status::parse("exit 42\n"), Some(Status::Exit(42)));
        assert_eq!(Status::parse("signal 11"), Some(Status::Signal(11)));
        assert_eq!(Status::parse("exit"), None);
        assert_eq!(Status::parse("exit 1 2"), None);
        assert_eq!(Status::parse("killed 9"), None);
    }

    #[test]
    fn run_reports_exit_signal_and_output() {
        let sh = Path::new("/bin/sh");
        let env = BTreeMap::from([("GUEST_TEST_X".to_owned(), "v".to_owned())]);
        let o = run(
            sh,
            &["-c", "echo out $GUEST_TEST_X; echo err >&2; exit 3"],
            &env,
        );
        assert_eq!(o.stdout, b"out v\n");
        assert_eq!(o.stderr, "err\n");
        assert_eq!(o.status, Status::Exit(3));
        let o = run(sh, &["-c", "kill -SEGV $$"], &BTreeMap::new());
        assert_eq!(o.status, Status::Signal(11));
    }

    #[test]
    fn portable_drops_arch_lines_only() {
        assert_eq!(
            portable(b"a\n[arch] m=x\nb [arch]\n[arch] tail"),
            "a\nb [arch]\n"
        );
    }

    #[test]
    fn first_difference_names_line() {
        assert_eq!(
            first_difference("a\nb\n", "a\nc\n"),
            "first at line 2: expected Some(\"b\"), got Some(\"c\")"
        );
        assert_eq!(first_difference("a\n", "a"), "trailing newline differs");
    }

    #[test]
    fn expected_files_are_well_formed() {
        for name in ["hello", "exit42", "segv", "args"] {
            let e = expected(name, name);
            assert!(!e.stdout.is_empty(), "{name}");
        }
        assert_eq!(expected("exit42", "exit42").status, Status::Exit(42));
        assert_eq!(expected("segv", "segv").status, Status::Signal(11));
        assert!(expected("args", "args").args.iter().any(String::is_empty));
    }
}
