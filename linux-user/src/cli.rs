//! The command line of `xlat-<arch>`: qemu-style single-dash long options,
//! each also settable through one `XLAT_*` environment variable (the
//! command line wins).

use crate::log::{ITEMS, Log, LogItems};
use clap::builder::FalseyValueParser;
use clap::{Parser, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;
use thiserror::Error;
use xlat_exec::{ExecOptions, Tier};

/// Tier choice on the command line.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum TierArg {
    /// Interpreter only.
    Interp,
    /// Compile every block.
    Jit,
    /// Interpret, compile hot code in the background.
    Mixed,
}

/// Parsed options.
#[derive(Parser, Debug)]
#[command(
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true
)]
pub struct Cli {
    /// Sysroot prefix for guest absolute paths.
    #[arg(short = 'L', env = "XLAT_LD_PREFIX", value_name = "PATH")]
    pub ld_prefix: Option<PathBuf>,
    /// Set guest environment variables.
    #[arg(
        short = 'E',
        env = "XLAT_SET_ENV",
        value_name = "VAR=VALUE",
        value_delimiter = ','
    )]
    pub set_env: Vec<String>,
    /// Unset guest environment variables.
    #[arg(
        short = 'U',
        env = "XLAT_UNSET_ENV",
        value_name = "VAR",
        value_delimiter = ','
    )]
    pub unset_env: Vec<String>,
    /// Guest argv[0].
    #[arg(short = '0', env = "XLAT_ARGV0", value_name = "ARGV0")]
    pub argv0: Option<OsString>,
    /// CPU model (`help` lists them).
    #[arg(long = "cpu", env = "XLAT_CPU", value_name = "MODEL")]
    pub cpu: Option<String>,
    /// Log system calls.
    #[arg(long = "strace", env = "XLAT_STRACE", value_parser = FalseyValueParser::new(), overrides_with = "strace")]
    pub strace: bool,
    /// Log items.
    #[arg(
        short = 'd',
        env = "XLAT_LOG",
        value_name = "ITEMS",
        overrides_with = "log"
    )]
    pub log: Option<String>,
    /// Log file.
    #[arg(short = 'D', env = "XLAT_LOG_FILE", value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// Append to the `-D` file instead of truncating it (internal: passed
    /// when xlat re-executes itself for a guest `execve`).
    #[arg(long = "log-append", overrides_with = "log_append")]
    pub log_append: bool,
    /// One guest instruction per block.
    #[arg(
        long = "one-insn-per-tb",
        env = "XLAT_ONE_INSN_PER_TB",
        value_parser = FalseyValueParser::new(),
        overrides_with = "one_insn_per_tb"
    )]
    pub one_insn_per_tb: bool,
    /// Execution tier.
    #[arg(
        long = "tier",
        env = "XLAT_TIER",
        value_enum,
        ignore_case = true,
        overrides_with = "tier"
    )]
    pub tier: Option<TierArg>,
    /// Write `/tmp/perf-<pid>.map` for Linux `perf`.
    #[arg(
        long = "perfmap",
        env = "XLAT_PERFMAP",
        value_parser = FalseyValueParser::new(),
        overrides_with = "perfmap"
    )]
    pub perfmap: bool,
    /// Print the version.
    #[arg(long = "version")]
    pub version: bool,
    /// Print help.
    #[arg(short = 'h', long = "help")]
    pub help: bool,
    /// The guest program.
    pub program: Option<OsString>,
    /// Its arguments (passed untouched).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<OsString>,
}

/// Command-line errors (one line each).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CliError {
    /// clap rejected the command line.
    #[error("{0}")]
    Parse(String),
    /// Unknown `-d` item.
    #[error("unknown log item '{0}' (try -d help)")]
    LogItem(String),
    /// An option xlat does not know.
    #[error("unknown option '{0}' (try -h)")]
    UnknownOption(String),
    /// No program given.
    #[error("no program given (try -h)")]
    NoProgram,
    /// Bad `-E` value.
    #[error("bad -E value '{0}', expected VAR=VALUE")]
    SetEnv(String),
}

/// Options xlat understands as single-dash long options, and whether each
/// takes a value.
const LONG: &[(&str, bool)] = &[
    ("strace", false),
    ("one-insn-per-tb", false),
    ("tier", true),
    ("cpu", true),
    ("perfmap", false),
    ("log-append", false),
    ("version", false),
    ("help", false),
];
/// Short options that take a value.
const SHORT_VALUE: &[&str] = &["-L", "-E", "-U", "-0", "-d", "-D"];

/// Rewrites qemu-style `-long` options before the program into clap's
/// `--long` and puts `--` before the program, so nothing after it is
/// parsed by xlat.
pub fn normalize_args(args: &[OsString]) -> Result<Vec<OsString>, CliError> {
    let mut out: Vec<OsString> = args.iter().take(1).cloned().collect();
    let mut i = 1;
    while i < args.len() {
        let a = args[i].to_string_lossy().into_owned();
        if a == "--" {
            out.extend(args[i..].iter().cloned());
            return Ok(out);
        }
        if !a.starts_with('-') || a == "-" {
            out.push("--".into());
            out.extend(args[i..].iter().cloned());
            return Ok(out);
        }
        let name = a.trim_start_matches('-');
        let (name_only, has_eq) = match name.split_once('=') {
            Some((n, _)) => (n, true),
            None => (name, false),
        };
        if let Some((_, takes)) = LONG.iter().find(|(n, _)| *n == name_only) {
            out.push(format!("--{name}").into());
            if *takes && !has_eq && i + 1 < args.len() {
                out.push(args[i + 1].clone());
                i += 1;
            }
        } else if SHORT_VALUE.contains(&a.as_str()) {
            out.push(args[i].clone());
            if i + 1 < args.len() {
                out.push(args[i + 1].clone());
                i += 1;
            }
        } else if a == "-h" {
            out.push(args[i].clone());
        } else {
            return Err(CliError::UnknownOption(a));
        }
        i += 1;
    }
    Ok(out)
}

/// What the binary should do.
#[derive(Debug)]
pub enum Command {
    /// Print this text to stdout and exit 0.
    Print(String),
    /// Run a guest program.
    Run(Box<Setup>),
}

/// A parsed, validated command line.
#[derive(Debug)]
pub struct Setup {
    /// The guest program.
    pub program: PathBuf,
    /// Guest argv.
    pub argv: Vec<OsString>,
    /// Guest environment.
    pub envp: Vec<OsString>,
    /// `-L`.
    pub ld_prefix: Option<PathBuf>,
    /// `-d` items (with `-strace` folded in).
    pub items: LogItems,
    /// `-D`.
    pub log_file: Option<PathBuf>,
    /// `-log-append`: open the `-D` file for appending (a re-executed
    /// xlat continues its parent's log).
    pub log_append: bool,
    /// Engine options.
    pub exec: ExecOptions,
    /// `-cpu` model name.
    pub cpu: Option<String>,
    /// `-perfmap`.
    pub perfmap: bool,
}

/// The `-h` text.
pub fn usage(bin: &str) -> String {
    format!(
        "usage: {bin} [OPTIONS] PROGRAM [ARGS...]\n\
         Runs a Linux PROGRAM built for another CPU.\n\n\
         Options (each also from the environment variable shown):\n\
         \x20 -h, -help            print this help and exit\n\
         \x20 -L PATH              prefix for guest absolute paths    XLAT_LD_PREFIX\n\
         \x20 -E VAR=VALUE         set a guest environment variable   XLAT_SET_ENV (comma-separated)\n\
         \x20 -U VAR               unset a guest environment variable XLAT_UNSET_ENV (comma-separated)\n\
         \x20 -0 ARGV0             guest argv[0]                      XLAT_ARGV0\n\
         \x20 -strace              log system calls                   XLAT_STRACE=1\n\
         \x20 -d ITEM[,...]        log items (-d help lists them)     XLAT_LOG\n\
         \x20 -D FILE              write logs to FILE                 XLAT_LOG_FILE\n\
         \x20 -one-insn-per-tb     one guest instruction per block    XLAT_ONE_INSN_PER_TB=1\n\
         \x20 -tier interp|jit|mixed  execution tier (default mixed)  XLAT_TIER\n\
         \x20 -cpu MODEL           CPU model (-cpu help lists them)   XLAT_CPU\n\
         \x20 -perfmap             write /tmp/perf-PID.map for perf   XLAT_PERFMAP=1\n\
         \x20 -version             print the version and exit\n"
    )
}

/// Parses the command line (`args[0]` is the binary) given the host
/// environment `env` (to build the guest's).
pub fn parse(
    bin: &str,
    args: &[OsString],
    env: &[(OsString, OsString)],
) -> Result<Command, CliError> {
    let norm = normalize_args(args)?;
    let cli = Cli::try_parse_from(norm).map_err(|e| {
        let s = e.to_string();
        let line = s
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("bad command line")
            .trim_start_matches("error: ")
            .to_string();
        CliError::Parse(line)
    })?;
    if cli.help {
        return Ok(Command::Print(usage(bin)));
    }
    if cli.version {
        return Ok(Command::Print(format!(
            "{bin} version {}\n",
            env!("CARGO_PKG_VERSION")
        )));
    }
    let mut items = LogItems::default();
    if let Some(d) = &cli.log {
        if d.split(',').any(|s| s.trim() == "help") {
            let mut s = String::from("Log items (comma separated):\n");
            for (n, h) in ITEMS {
                s.push_str(&format!("{n:<10} {h}\n"));
            }
            return Ok(Command::Print(s));
        }
        items = LogItems::parse(d).map_err(CliError::LogItem)?;
    }
    items.strace |= cli.strace;
    let program = PathBuf::from(cli.program.ok_or(CliError::NoProgram)?);
    let mut argv = vec![
        cli.argv0
            .clone()
            .unwrap_or_else(|| program.as_os_str().to_owned()),
    ];
    argv.extend(cli.args);
    let mut vars: Vec<(OsString, OsString)> = env
        .iter()
        .filter(|(k, _)| !cli.unset_env.iter().any(|u| k == u.as_str()))
        .cloned()
        .collect();
    for e in &cli.set_env {
        let (k, v) = e
            .split_once('=')
            .ok_or_else(|| CliError::SetEnv(e.clone()))?;
        vars.retain(|(kk, _)| kk != k);
        vars.push((k.into(), v.into()));
    }
    let envp = vars
        .into_iter()
        .map(|(k, v)| {
            let mut s = k;
            s.push("=");
            s.push(v);
            s
        })
        .collect();
    let exec = ExecOptions {
        tier: match cli.tier {
            Some(TierArg::Interp) => Tier::Interp,
            Some(TierArg::Jit) => Tier::Jit,
            Some(TierArg::Mixed) | None => Tier::Mixed,
        },
        chain: !items.nochain,
        max_insns_per_block: if cli.one_insn_per_tb {
            1
        } else {
            ExecOptions::default().max_insns_per_block
        },
        ..ExecOptions::default()
    };
    Ok(Command::Run(Box::new(Setup {
        program,
        argv,
        envp,
        ld_prefix: cli.ld_prefix,
        items,
        log_file: cli.log_file,
        log_append: cli.log_append,
        exec,
        cpu: cli.cpu,
        perfmap: cli.perfmap,
    })))
}

/// Opens the log sink for a setup. A `-D` file is opened with `O_APPEND`
/// (created and truncated unless `-log-append`), so that forked children
/// and re-executed guest programs add their lines after the parent's
/// instead of overwriting them.
pub fn open_log(s: &Setup) -> std::io::Result<Log> {
    use std::os::unix::fs::OpenOptionsExt;
    let out: Box<dyn std::io::Write + Send> = match &s.log_file {
        Some(p) => Box::new(
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(!s.log_append)
                .custom_flags(libc::O_APPEND)
                .open(p)?,
        ),
        None => Box::new(std::io::stderr()),
    };
    let log = Log::new(s.items, out);
    // SAFETY: fstat into a local.
    let stderr_breaks = unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        libc::fstat(2, &mut st) == 0
            && matches!(st.st_mode & libc::S_IFMT, libc::S_IFIFO | libc::S_IFSOCK)
    };
    Ok(if s.log_file.is_none() && stderr_breaks {
        log.guard_sigpipe()
    } else {
        log
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(|s| OsString::from(*s)).collect()
    }

    fn run_setup(args: &[&str], env: &[(&str, &str)]) -> Setup {
        let env: Vec<(OsString, OsString)> = env
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        match parse("xlat-aarch64", &os(args), &env).unwrap() {
            Command::Run(s) => *s,
            Command::Print(p) => panic!("unexpected print: {p}"),
        }
    }

    #[test]
    fn log_append_is_off_unless_given() {
        let s = run_setup(&["x", "-D", "f.log", "p"], &[]);
        assert!(!s.log_append);
        let s = run_setup(&["x", "-D", "f.log", "-log-append", "p"], &[]);
        assert!(s.log_append);
        assert_eq!(s.log_file, Some(PathBuf::from("f.log")));
    }

    #[test]
    fn perfmap_option_before_the_program_only() {
        assert!(run_setup(&["x", "-perfmap", "p"], &[]).perfmap);
        let s = run_setup(&["x", "p", "-perfmap"], &[]);
        assert!(!s.perfmap);
        assert_eq!(s.argv, os(&["p", "-perfmap"]));
    }

    #[test]
    fn guest_args_untouched() {
        let s = run_setup(
            &[
                "x", "-strace", "-tier", "interp", "./prog", "-x", "-strace", "--", "-d",
            ],
            &[],
        );
        assert_eq!(s.program, PathBuf::from("./prog"));
        assert_eq!(s.argv, os(&["./prog", "-x", "-strace", "--", "-d"]));
        assert!(s.items.strace);
        assert_eq!(s.exec.tier, Tier::Interp);
    }

    #[test]
    fn options_and_env() {
        let s = run_setup(
            &[
                "x",
                "-strace",
                "-L",
                "/sys",
                "-E",
                "A=1",
                "-strace",
                "-E",
                "C=3",
                "-U",
                "HOME",
                "-0",
                "zero",
                "-d",
                "in_asm,nochain",
                "-one-insn-per-tb",
                "prog",
                "a",
            ],
            &[("HOME", "/root"), ("A", "old"), ("B", "2")],
        );
        assert_eq!(s.ld_prefix, Some(PathBuf::from("/sys")));
        assert_eq!(s.argv, os(&["zero", "a"]));
        assert_eq!(s.envp, os(&["B=2", "A=1", "C=3"]));
        assert!(s.items.in_asm && s.items.nochain && !s.exec.chain);
        assert_eq!(s.exec.max_insns_per_block, 1);
        assert_eq!(s.exec.tier, Tier::Mixed);
    }

    #[test]
    fn errors_and_prints() {
        let e = |a: &[&str]| parse("xlat-aarch64", &os(a), &[]).unwrap_err();
        assert_eq!(e(&["x"]), CliError::NoProgram);
        assert_eq!(
            e(&["x", "-d", "bogus", "p"]),
            CliError::LogItem("bogus".into())
        );
        assert!(matches!(
            e(&["x", "-tier", "fast", "p"]),
            CliError::Parse(_)
        ));
        assert_eq!(
            e(&["x", "-nosuch", "p"]),
            CliError::UnknownOption("-nosuch".into())
        );
        for a in [
            &["x", "-version"][..],
            &["x", "--version"],
            &["x", "-h"],
            &["x", "-d", "help"],
        ] {
            assert!(matches!(
                parse("xlat-aarch64", &os(a), &[]).unwrap(),
                Command::Print(_)
            ));
        }
    }

    #[test]
    fn normalize() {
        assert_eq!(
            normalize_args(&os(&[
                "x",
                "-strace",
                "-tier=jit",
                "-L",
                "p",
                "prog",
                "-strace"
            ]))
            .unwrap(),
            os(&[
                "x",
                "--strace",
                "--tier=jit",
                "-L",
                "p",
                "--",
                "prog",
                "-strace"
            ])
        );
    }
}
