//! The body of every `xlat-<arch>` binary.

use crate::arch::ArchDef;
use crate::cli::{self, Command};
use crate::run::{self, RunConfig};
use std::ffi::OsString;
use std::io::Write;
use std::sync::Arc;

/// The xlat options a guest `execve` of another guest program passes on
/// (`-L`, `-d`, `-D` as an absolute path with `-log-append`, so the new
/// program continues the log, `-one-insn-per-tb`, `-perfmap`, `-cpu`,
/// `-tier`).
fn reexec_options(setup: &cli::Setup) -> Vec<OsString> {
    let mut o: Vec<OsString> = Vec::new();
    if let Some(p) = &setup.log_file {
        o.push("-D".into());
        o.push(
            std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .into_os_string(),
        );
        o.push("-log-append".into());
    }
    if let Some(p) = &setup.ld_prefix {
        o.push("-L".into());
        o.push(p.clone().into_os_string());
    }
    let items = setup.items.names();
    if !items.is_empty() {
        o.push("-d".into());
        o.push(items.join(",").into());
    }
    if setup.exec.max_insns_per_block == 1 {
        o.push("-one-insn-per-tb".into());
    }
    if setup.perfmap {
        o.push("-perfmap".into());
    }
    if let Some(c) = &setup.cpu {
        o.push("-cpu".into());
        o.push(c.into());
    }
    o.push("-tier".into());
    o.push(
        match setup.exec.tier {
            xlat_exec::Tier::Interp => "interp",
            xlat_exec::Tier::Jit => "jit",
            _ => "mixed",
        }
        .into(),
    );
    o
}

/// Prints `bin: message` to stderr and exits with `code`.
fn fail(bin: &str, msg: &str, code: i32) -> ! {
    let _ = writeln!(std::io::stderr(), "{bin}: {msg}");
    std::process::exit(code)
}

/// Runs `xlat-<arch>`: parses the command line, runs the guest and exits
/// with its status. Errors print one line and exit 1; an internal error
/// (a panic) prints one line and exits 70, but for a panic inside a JIT
/// compile, which leaves that region's blocks at tier 0.
pub fn main(arch: &'static ArchDef) -> ! {
    let bin: &'static str = Box::leak(format!("xlat-{}", arch.name).into_boxed_str());
    std::panic::set_hook(Box::new(move |info| {
        // The JIT catches panics of a compile: the region stays at tier 0
        // (counted as a failed compile under `-d stats`).
        if xlat_exec::panic_is_caught() {
            return;
        }
        let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "panic".to_string()
        };
        let loc = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(std::io::stderr(), "{bin}: internal error: {msg}{loc}");
        std::process::exit(70);
    }));
    let args: Vec<OsString> = std::env::args_os().collect();
    // Started by the kernel through binfmt_misc: see crate::binfmt.
    let launch = crate::binfmt::Launch::detect(args.first().map_or("".as_ref(), |a| a.as_os_str()));
    let (args, binfmt_argv0) = launch.rewrite_args(args);
    let env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    // `-cpu help` needs no program.
    if let Some(k) = args.iter().position(|a| a == "-cpu" || a == "--cpu")
        && args.get(k + 1).is_some_and(|a| a == "help")
    {
        match crate::arch::select_cpu(arch, "help") {
            Ok(Some(list)) => {
                let _ = std::io::stdout().write_all(list.as_bytes());
                std::process::exit(0)
            }
            Ok(None) => {}
            Err(e) => fail(bin, &e, 1),
        }
    }
    let setup = match cli::parse(bin, &args, &env) {
        Ok(Command::Print(s)) => {
            let _ = std::io::stdout().write_all(s.as_bytes());
            std::process::exit(0)
        }
        Ok(Command::Run(mut s)) => {
            if let Some(a0) = binfmt_argv0 {
                s.argv[0] = a0;
            }
            s
        }
        Err(e) => fail(bin, &e.to_string(), 1),
    };
    if let Some(name) = &setup.cpu {
        match crate::arch::select_cpu(arch, name) {
            Ok(Some(list)) => {
                let _ = std::io::stdout().write_all(list.as_bytes());
                std::process::exit(0)
            }
            Ok(None) => {}
            Err(e) => fail(bin, &e, 1),
        }
    }
    let log = match cli::open_log(&setup) {
        Ok(l) => Arc::new(l),
        Err(e) => fail(
            bin,
            &format!(
                "cannot open log file {}: {e}",
                setup
                    .log_file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            ),
            1,
        ),
    };
    let reexec = reexec_options(&setup);
    let cfg = RunConfig {
        reexec,
        program: setup.program,
        argv: setup.argv,
        envp: setup.envp,
        ld_prefix: setup.ld_prefix,
        exec: setup.exec,
        perfmap: setup.perfmap,
    };
    match run::run(arch, cfg, log) {
        Ok(status) => std::process::exit(status),
        Err(e) => fail(bin, &e.to_string(), 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reexec_passes_the_log_file_absolute_for_appending() {
        let args: Vec<OsString> = ["xlat-aarch64", "-D", "rel.log", "-tier", "interp", "prog"]
            .iter()
            .map(OsString::from)
            .collect();
        let setup = match cli::parse("xlat-aarch64", &args, &[]) {
            Ok(Command::Run(s)) => s,
            other => panic!("unexpected {other:?}"),
        };
        let o = reexec_options(&setup);
        let abs = std::env::current_dir().expect("cwd").join("rel.log");
        assert_eq!(o[0], "-D");
        assert_eq!(o[1], abs.as_os_str());
        assert_eq!(o[2], "-log-append");
        assert!(o.ends_with(&["-tier".into(), "interp".into()]));
    }
}
