//! `xlat-binfmt`: registers the `xlat-<arch>` binaries with the kernel's
//! binfmt_misc so that foreign executables run directly (`./prog`), shows
//! what is registered, and writes systemd `binfmt.d` files.
//!
//! ```text
//! xlat-binfmt install   [--arch aarch64|all] [--persistent] [--open-binary]
//!                       [--credential] [--preserve-argv0] [--name NAME]
//!                       [--interpreter PATH] [--systemd DIR]
//! xlat-binfmt uninstall [--arch aarch64|all] [--name NAME] [--systemd DIR]
//! xlat-binfmt status    [--arch aarch64|all] [--name NAME]
//! ```
//!
//! See `xlat_linux_user::binfmt` for the entry format and the flags.

use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use xlat_linux_user::binfmt::{
    self, ARCHES, BinfmtArch, BinfmtError, BinfmtFs, Entry, Flags, PRESERVE_ARGV0_SUFFIX,
};

/// Command line.
#[derive(Parser, Debug)]
#[command(
    name = "xlat-binfmt",
    version,
    about = "Register xlat with binfmt_misc to run foreign Linux executables directly"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
enum Cmd {
    /// Register xlat as the handler (replacing an entry of the same name).
    Install(Opts),
    /// Remove the entries (or the binfmt.d files with --systemd).
    Uninstall(Opts),
    /// Show the registered entries that claim each architecture.
    Status(Opts),
}

/// Options shared by the subcommands.
#[derive(Args, Debug)]
struct Opts {
    /// Guest architecture, or `all`.
    #[arg(long, default_value = "aarch64", value_name = "ARCH")]
    arch: String,
    /// Flag F: the kernel opens the interpreter at registration (works in
    /// containers and chroots without xlat inside).
    #[arg(long)]
    persistent: bool,
    /// Flag O: the kernel passes the program as an open file (AT_EXECFD).
    #[arg(long)]
    open_binary: bool,
    /// Flag C: set-user/group-ID bits of the program apply (implies O).
    #[arg(long)]
    credential: bool,
    /// Flag P: the guest sees its original argv[0].
    #[arg(long)]
    preserve_argv0: bool,
    /// Entry name (default xlat-ARCH); needs a single --arch.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Interpreter (default: xlat-ARCH next to this program); needs a
    /// single --arch.
    #[arg(long, value_name = "PATH")]
    interpreter: Option<PathBuf>,
    /// Write (or remove) DIR/NAME.conf in binfmt.d format instead of
    /// registering.
    #[arg(long, value_name = "DIR")]
    systemd: Option<PathBuf>,
}

/// Errors of this program.
#[derive(Debug, thiserror::Error)]
enum Error {
    /// From the binfmt module.
    #[error("{0}")]
    Binfmt(#[from] BinfmtError),
    /// Writing the report failed.
    #[error("cannot write output: {0}")]
    Out(#[from] std::io::Error),
    /// `--name`/`--interpreter` with `--arch all`.
    #[error("--name and --interpreter need a single --arch")]
    Several,
}

/// The architectures selected by `--arch`.
fn arches(o: &Opts) -> Result<Vec<&'static BinfmtArch>, Error> {
    if o.arch == "all" {
        if ARCHES.len() > 1 && (o.name.is_some() || o.interpreter.is_some()) {
            return Err(Error::Several);
        }
        return Ok(ARCHES.iter().filter(|a| !a.is_host()).collect());
    }
    let a = BinfmtArch::find(&o.arch).ok_or_else(|| {
        let known: Vec<&str> = ARCHES.iter().map(|a| a.name).collect();
        BinfmtError::UnknownArch(o.arch.clone(), format!("{}, all", known.join(", ")))
    })?;
    if a.is_host() {
        return Err(BinfmtError::HostArch(a.name.to_owned()).into());
    }
    Ok(vec![a])
}

fn entry_name(o: &Opts, a: &BinfmtArch) -> String {
    o.name.clone().unwrap_or_else(|| a.default_name())
}

/// The interpreter for `a`: `--interpreter` made absolute, or the
/// `xlat-<arch>` binary next to this program.
fn interpreter(o: &Opts, a: &BinfmtArch) -> Result<PathBuf, Error> {
    let p = match &o.interpreter {
        Some(p) => p.clone(),
        None => {
            let me =
                std::env::current_exe().map_err(|e| BinfmtError::Io("/proc/self/exe".into(), e))?;
            me.parent().unwrap_or(Path::new("/")).join(a.binary)
        }
    };
    Ok(std::path::absolute(&p).map_err(|e| BinfmtError::Io(p.display().to_string(), e))?)
}

fn flags(o: &Opts) -> Flags {
    Flags {
        preserve_argv0: o.preserve_argv0,
        open_binary: o.open_binary,
        credentials: o.credential,
        fix_binary: o.persistent,
    }
}

/// On kernels that do not report `P` through `AT_FLAGS`, registers
/// `<interpreter>-binfmt-P` (a symlink to the interpreter), whose name
/// tells xlat.
fn p_marker_interpreter(interp: &Path, out: &mut dyn Write) -> Result<PathBuf, Error> {
    let mut name = interp.as_os_str().to_owned();
    name.push(PRESERVE_ARGV0_SUFFIX);
    let link = PathBuf::from(name);
    if std::fs::symlink_metadata(&link).is_err() {
        std::os::unix::fs::symlink(interp, &link)
            .map_err(|e| BinfmtError::Io(link.display().to_string(), e))?;
        writeln!(out, "created {} -> {}", link.display(), interp.display())?;
    }
    Ok(link)
}

fn install(fs: &BinfmtFs, o: &Opts, out: &mut dyn Write) -> Result<(), Error> {
    for a in arches(o)? {
        let name = entry_name(o, a);
        let mut interp = interpreter(o, a)?;
        let fl = flags(o);
        if let Some(dir) = &o.systemd {
            let e = Entry::for_arch(a, &name, &interp, fl);
            let conf = e.systemd_conf(&format!(
                "Run {} executables with {}",
                a.name,
                interp.display()
            ))?;
            std::fs::create_dir_all(dir)
                .map_err(|e| BinfmtError::Io(dir.display().to_string(), e))?;
            let p = dir.join(format!("{name}.conf"));
            std::fs::write(&p, conf).map_err(|e| BinfmtError::Io(p.display().to_string(), e))?;
            writeln!(out, "wrote {}", p.display())?;
            continue;
        }
        if !interp.is_file() {
            return Err(BinfmtError::MissingInterpreter(interp.display().to_string()).into());
        }
        if fl.preserve_argv0 && !binfmt::release_has_at_flags_argv0(&binfmt::kernel_release()) {
            interp = p_marker_interpreter(&interp, out)?;
        }
        let e = Entry::for_arch(a, &name, &interp, fl);
        // Validate before touching the kernel.
        e.register_string()?;
        fs.ensure_mounted()?;
        if fs.unregister(&name)? {
            writeln!(out, "replacing the existing entry {name}")?;
        }
        fs.register(&e)?;
        writeln!(
            out,
            "registered {name}: {} executables run with {} (flags: {})",
            a.name,
            interp.display(),
            fl.letters()
        )?;
        for other in fs.list()? {
            if other.name != name && other.enabled && other.claims(a) {
                writeln!(
                    out,
                    "note: {} ({}) also claims {} executables; the kernel uses the most recently registered entry, {name}",
                    other.name,
                    other.interpreter.display(),
                    a.name
                )?;
            }
        }
    }
    Ok(())
}

fn uninstall(fs: &BinfmtFs, o: &Opts, out: &mut dyn Write) -> Result<(), Error> {
    for a in arches(o)? {
        let name = entry_name(o, a);
        binfmt::check_name(&name)?;
        if let Some(dir) = &o.systemd {
            let p = dir.join(format!("{name}.conf"));
            match std::fs::remove_file(&p) {
                Ok(()) => writeln!(out, "removed {}", p.display())?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    writeln!(out, "{} does not exist", p.display())?
                }
                Err(e) => return Err(BinfmtError::Io(p.display().to_string(), e).into()),
            }
            continue;
        }
        if !fs.is_mounted() {
            writeln!(out, "{name} is not registered (binfmt_misc is not mounted)")?;
            continue;
        }
        if fs.unregister(&name)? {
            writeln!(out, "removed {name}")?;
        } else {
            writeln!(out, "{name} is not registered")?;
        }
    }
    Ok(())
}

fn status(fs: &BinfmtFs, o: &Opts, out: &mut dyn Write) -> Result<(), Error> {
    match fs.ensure_mounted() {
        Ok(()) => {}
        Err(BinfmtError::NotRoot(d)) => {
            writeln!(
                out,
                "binfmt_misc is not mounted at {d}: nothing is registered"
            )?;
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    }
    let on = fs.enabled()?;
    writeln!(
        out,
        "binfmt_misc at {}: {}",
        fs.dir().display(),
        if on { "enabled" } else { "disabled" }
    )?;
    let all = fs.list()?;
    for a in arches(o)? {
        let claim: Vec<_> = all
            .iter()
            .filter(|r| r.claims(a) && o.name.as_ref().is_none_or(|n| *n == r.name))
            .collect();
        if claim.is_empty() {
            writeln!(out, "{}: no entry", a.name)?;
            continue;
        }
        for r in claim {
            writeln!(
                out,
                "{}: {} {} interpreter {} flags: {}",
                a.name,
                r.name,
                if r.enabled { "enabled" } else { "disabled" },
                r.interpreter.display(),
                r.flags.letters()
            )?;
        }
    }
    Ok(())
}

fn main() {
    let cli = Cli::parse();
    let fs = BinfmtFs::default();
    let mut out = std::io::stdout();
    let r = match &cli.cmd {
        Cmd::Install(o) => install(&fs, o, &mut out),
        Cmd::Uninstall(o) => uninstall(&fs, o, &mut out),
        Cmd::Status(o) => status(&fs, o, &mut out),
    };
    if let Err(e) = r {
        let _ = writeln!(std::io::stderr(), "xlat-binfmt: {e}");
        std::process::exit(1);
    }
}
