//! binfmt_misc: registering the `xlat-<arch>` binaries as the kernel's
//! handlers for foreign ELF executables (used by the `xlat-binfmt` tool),
//! and the interpreter side of such a launch (`AT_EXECFD`, preserve-argv0).
//!
//! # How the kernel starts xlat
//!
//! An entry `:name:M::magic:mask:interpreter:flags` written to
//! `/proc/sys/fs/binfmt_misc/register` makes the kernel run
//! `interpreter PATH ARGS...` for every executed file whose first bytes
//! match `magic` under `mask` (see the kernel's
//! `Documentation/admin-guide/binfmt-misc.rst`). Of several matching enabled
//! entries the most recently registered one wins. The flags:
//!
//! - `P` (preserve-argv0): the kernel passes `interpreter PATH ARGV0
//!   ARGS...` instead of dropping the original `argv[0]`. It does not say
//!   so on the command line; since Linux 5.12 it sets bit 0 of `AT_FLAGS`
//!   in the interpreter's auxiliary vector. xlat also honours the older
//!   convention of an interpreter whose file name ends in `-binfmt-P`
//!   ([`PRESERVE_ARGV0_SUFFIX`], as in Debian's
//!   `/usr/libexec/qemu-binfmt/aarch64-binfmt-P`); `xlat-binfmt` registers
//!   such a symlink on kernels older than 5.12.
//! - `O` (open-binary): the kernel opens the program and passes the file
//!   descriptor as `AT_EXECFD`; xlat reads the program from it (so programs
//!   that are executable but not readable by the user work) and passes
//!   `AT_EXECFD` on to the guest.
//! - `C` (credentials): set-user-ID and set-group-ID bits of the program
//!   apply (implies `O`).
//! - `F` (fix-binary): the kernel opens the interpreter when the entry is
//!   registered, so it works in other mount namespaces and chroots.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use thiserror::Error;

/// Where binfmt_misc is mounted.
pub const BINFMT_DIR: &str = "/proc/sys/fs/binfmt_misc";

/// Number of header bytes an entry matches: `e_ident` (16), `e_type` (2),
/// `e_machine` (2).
pub const MAGIC_LEN: usize = 20;

/// The first [`MAGIC_LEN`] bytes of a 64-bit little-endian ELF executable
/// (`ET_EXEC`) for `machine`: `\x7fELF`, ELFCLASS64, ELFDATA2LSB,
/// EV_CURRENT, zero padding, `e_type` = 2, `e_machine`.
pub const fn elf64_le_magic(machine: u16) -> [u8; MAGIC_LEN] {
    let m = machine.to_le_bytes();
    [
        0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, m[0], m[1],
    ]
}

/// The mask that goes with [`elf64_le_magic`]: any `EI_OSABI` (byte 7),
/// everything else of `e_ident` exact, `e_type` 2 or 3 (`ET_EXEC` or
/// `ET_DYN`, bit 0 of the low byte ignored), `e_machine` exact.
pub const ELF64_LE_MASK: [u8; MAGIC_LEN] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xfe, 0xff, 0xff, 0xff,
];

/// One guest architecture xlat can register for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BinfmtArch {
    /// The name used by `--arch` (`aarch64`).
    pub name: &'static str,
    /// `e_machine` of its executables.
    pub machine: u16,
    /// File name of its user-mode binary (`xlat-aarch64`).
    pub binary: &'static str,
    /// Header bytes to match.
    pub magic: [u8; MAGIC_LEN],
    /// Mask applied before comparing.
    pub mask: [u8; MAGIC_LEN],
}

/// Every architecture `xlat-binfmt` knows. A new guest adds one row, e.g.
/// x86-64 (62, `xlat-x86_64`; never registered on an x86-64 host, see
/// [`BinfmtArch::is_host`]).
pub const ARCHES: &[BinfmtArch] = &[
    BinfmtArch {
        name: "aarch64",
        machine: 183,
        binary: "xlat-aarch64",
        magic: elf64_le_magic(183),
        mask: ELF64_LE_MASK,
    },
    BinfmtArch {
        name: "ppc64le",
        machine: 21,
        binary: "xlat-ppc64le",
        magic: elf64_le_magic(21),
        mask: ELF64_LE_MASK,
    },
];

/// `e_machine` of the host's own executables.
pub const HOST_MACHINE: u16 = if cfg!(target_arch = "x86_64") {
    62
} else if cfg!(target_arch = "aarch64") {
    183
} else if cfg!(target_arch = "powerpc64") {
    21
} else {
    0
};

impl BinfmtArch {
    /// Looks an architecture up by name.
    pub fn find(name: &str) -> Option<&'static BinfmtArch> {
        ARCHES.iter().find(|a| a.name == name)
    }

    /// Whether this is the host's own architecture: registering it would
    /// hand every native program to xlat.
    pub fn is_host(&self) -> bool {
        self.machine == HOST_MACHINE
    }

    /// The default entry name, `xlat-<arch>`.
    pub fn default_name(&self) -> String {
        format!("xlat-{}", self.name)
    }
}

/// Errors of this module (one line each).
#[derive(Debug, Error)]
pub enum BinfmtError {
    /// An entry name the kernel would refuse or misplace.
    #[error(
        "bad entry name {0:?}: it must be non-empty, not '.', '..', 'register' or 'status', and contain no '/', ':' or whitespace"
    )]
    BadName(String),
    /// An interpreter path that cannot be written into an entry.
    #[error("bad interpreter path {0:?}: it must be absolute and contain no ':' or whitespace")]
    BadInterpreter(String),
    /// The interpreter does not exist.
    #[error("interpreter {0} does not exist (build it first or pass --interpreter)")]
    MissingInterpreter(String),
    /// Magic and mask of different lengths or too long.
    #[error("bad magic/mask: {0}")]
    BadMagic(String),
    /// An unknown `--arch`.
    #[error("unknown architecture {0:?} (known: {1})")]
    UnknownArch(String, String),
    /// The host's own architecture.
    #[error(
        "{0} is the host's architecture: registering it would run every native program under xlat"
    )]
    HostArch(String),
    /// `--name` with more than one architecture.
    #[error("--name needs a single --arch")]
    NameWithSeveral,
    /// binfmt_misc is not mounted and we may not mount it.
    #[error(
        "binfmt_misc is not mounted at {0} and mounting it needs root (run as root, or mount -t binfmt_misc binfmt_misc {0})"
    )]
    NotRoot(String),
    /// Mounting failed.
    #[error("cannot mount binfmt_misc at {0}: {1}")]
    Mount(String, std::io::Error),
    /// A file operation failed.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// A binfmt_misc entry file could not be parsed.
    #[error("cannot parse binfmt_misc entry {0}: {1}")]
    Parse(String, String),
}

fn io_err(p: &Path) -> impl FnOnce(std::io::Error) -> BinfmtError + '_ {
    move |e| BinfmtError::Io(p.display().to_string(), e)
}

/// Entry flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    /// `P`: keep the original `argv[0]`.
    pub preserve_argv0: bool,
    /// `O`: pass the program as an open file descriptor (`AT_EXECFD`).
    pub open_binary: bool,
    /// `C`: credentials from the program (implies `O`).
    pub credentials: bool,
    /// `F`: open the interpreter at registration.
    pub fix_binary: bool,
}

impl Flags {
    /// The flag letters in the kernel's order (`POCF`); `C` adds `O`.
    pub fn letters(&self) -> String {
        let mut s = String::new();
        if self.preserve_argv0 {
            s.push('P');
        }
        if self.open_binary || self.credentials {
            s.push('O');
        }
        if self.credentials {
            s.push('C');
        }
        if self.fix_binary {
            s.push('F');
        }
        s
    }

    /// Parses flag letters (unknown letters are ignored, as the kernel
    /// ignores nothing but we only report).
    pub fn parse(s: &str) -> Flags {
        Flags {
            preserve_argv0: s.contains('P'),
            open_binary: s.contains('O'),
            credentials: s.contains('C'),
            fix_binary: s.contains('F'),
        }
    }
}

/// A binfmt_misc entry to register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Entry name (file name under the binfmt_misc directory).
    pub name: String,
    /// Header bytes at offset 0.
    pub magic: Vec<u8>,
    /// Mask (same length as `magic`).
    pub mask: Vec<u8>,
    /// Absolute interpreter path.
    pub interpreter: PathBuf,
    /// Flags.
    pub flags: Flags,
}

/// Writes every byte as `\xHH` (the kernel unescapes hex sequences in the
/// magic and mask fields; this also keeps `:` and newlines out).
pub fn escape_bytes(b: &[u8]) -> String {
    b.iter().map(|x| format!("\\x{x:02x}")).collect()
}

/// Checks an entry name.
pub fn check_name(name: &str) -> Result<(), BinfmtError> {
    let bad = name.is_empty()
        || matches!(name, "." | ".." | "register" | "status")
        || name
            .chars()
            .any(|c| c == '/' || c == ':' || c.is_whitespace() || c.is_control())
        || name.len() > 200;
    if bad {
        Err(BinfmtError::BadName(name.to_owned()))
    } else {
        Ok(())
    }
}

impl Entry {
    /// The entry for `arch` with the given name and interpreter.
    pub fn for_arch(arch: &BinfmtArch, name: &str, interpreter: &Path, flags: Flags) -> Entry {
        Entry {
            name: name.to_owned(),
            magic: arch.magic.to_vec(),
            mask: arch.mask.to_vec(),
            interpreter: interpreter.to_owned(),
            flags,
        }
    }

    /// The string to write to `register`:
    /// `:name:M::magic:mask:interpreter:flags`.
    pub fn register_string(&self) -> Result<String, BinfmtError> {
        check_name(&self.name)?;
        let interp = self.interpreter.as_os_str();
        let ok = self.interpreter.is_absolute()
            && std::str::from_utf8(interp.as_bytes()).is_ok()
            && !interp
                .as_bytes()
                .iter()
                .any(|&c| c == b':' || c.is_ascii_whitespace() || c.is_ascii_control())
            && interp.len() < 1024;
        if !ok {
            return Err(BinfmtError::BadInterpreter(
                self.interpreter.display().to_string(),
            ));
        }
        // The kernel reads at most BINPRM_BUF_SIZE (256) header bytes.
        if self.magic.is_empty() || self.magic.len() != self.mask.len() || self.magic.len() > 128 {
            return Err(BinfmtError::BadMagic(format!(
                "magic has {} bytes, mask {}",
                self.magic.len(),
                self.mask.len()
            )));
        }
        Ok(format!(
            ":{}:M::{}:{}:{}:{}",
            self.name,
            escape_bytes(&self.magic),
            escape_bytes(&self.mask),
            self.interpreter.display(),
            self.flags.letters()
        ))
    }

    /// The contents of a systemd `binfmt.d` file registering this entry.
    pub fn systemd_conf(&self, what: &str) -> Result<String, BinfmtError> {
        Ok(format!(
            "# {what}\n# Written by xlat-binfmt; systemd-binfmt registers it at boot.\n{}\n",
            self.register_string()?
        ))
    }
}

/// How a registered entry matches files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matcher {
    /// Header bytes at an offset, optionally masked.
    Magic {
        /// Offset in the file.
        offset: usize,
        /// Bytes to compare.
        magic: Vec<u8>,
        /// Mask applied to the file's bytes, if any.
        mask: Option<Vec<u8>>,
    },
    /// File name extension (without the dot).
    Extension(String),
}

/// A registered entry as read back from the binfmt_misc directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    /// Entry name.
    pub name: String,
    /// Whether it is enabled.
    pub enabled: bool,
    /// Interpreter path.
    pub interpreter: PathBuf,
    /// Flags.
    pub flags: Flags,
    /// What it matches.
    pub matcher: Matcher,
}

fn parse_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Parses the contents of `/proc/sys/fs/binfmt_misc/<name>`:
///
/// ```text
/// enabled
/// interpreter /usr/bin/xlat-aarch64
/// flags: OCF
/// offset 0
/// magic 7f454c46...
/// mask ffffffff...
/// ```
///
/// (or `extension .ext` instead of offset/magic/mask).
pub fn parse_registered(name: &str, text: &str) -> Result<Registered, BinfmtError> {
    let perr = |m: &str| BinfmtError::Parse(name.to_owned(), m.to_owned());
    let mut enabled = None;
    let mut interpreter = None;
    let mut flags = None;
    let mut offset = 0usize;
    let mut magic = None;
    let mut mask = None;
    let mut extension = None;
    for line in text.lines() {
        let (key, val) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "enabled" => enabled = Some(true),
            "disabled" => enabled = Some(false),
            "interpreter" => interpreter = Some(PathBuf::from(val)),
            "flags:" => flags = Some(Flags::parse(val)),
            "offset" => offset = val.trim().parse().map_err(|_| perr("bad offset"))?,
            "magic" => magic = Some(parse_hex(val.trim()).ok_or_else(|| perr("bad magic"))?),
            "mask" => mask = Some(parse_hex(val.trim()).ok_or_else(|| perr("bad mask"))?),
            "extension" => extension = Some(val.trim_start_matches('.').to_owned()),
            _ => {}
        }
    }
    let matcher = match (magic, extension) {
        (Some(magic), None) => {
            if mask
                .as_ref()
                .is_some_and(|m: &Vec<u8>| m.len() != magic.len())
            {
                return Err(perr("mask and magic differ in length"));
            }
            Matcher::Magic {
                offset,
                magic,
                mask,
            }
        }
        (None, Some(e)) => Matcher::Extension(e),
        _ => return Err(perr("neither a magic nor an extension")),
    };
    Ok(Registered {
        name: name.to_owned(),
        enabled: enabled.ok_or_else(|| perr("no enabled/disabled line"))?,
        interpreter: interpreter.ok_or_else(|| perr("no interpreter line"))?,
        flags: flags.unwrap_or_default(),
        matcher,
    })
}

impl Registered {
    /// Whether the entry claims a file that starts with `header` (the
    /// kernel's test: `(file[offset + i] ^ magic[i]) & mask[i] == 0`).
    pub fn matches_header(&self, header: &[u8]) -> bool {
        match &self.matcher {
            Matcher::Magic {
                offset,
                magic,
                mask,
            } => {
                let Some(file) = header.get(*offset..*offset + magic.len()) else {
                    return false;
                };
                file.iter().zip(magic).enumerate().all(|(i, (f, m))| {
                    let k = mask.as_ref().map_or(0xff, |mk| mk[i]);
                    (f ^ m) & k == 0
                })
            }
            Matcher::Extension(_) => false,
        }
    }

    /// Whether the entry claims executables (`ET_EXEC` or `ET_DYN`) of
    /// `arch`.
    pub fn claims(&self, arch: &BinfmtArch) -> bool {
        let exec = elf64_le_magic(arch.machine);
        let mut dyn_ = exec;
        dyn_[16] = 3;
        self.matches_header(&exec) || self.matches_header(&dyn_)
    }
}

/// A binfmt_misc mount.
#[derive(Clone, Debug)]
pub struct BinfmtFs {
    dir: PathBuf,
}

impl Default for BinfmtFs {
    fn default() -> Self {
        BinfmtFs::new(BINFMT_DIR)
    }
}

impl BinfmtFs {
    /// A binfmt_misc directory (normally [`BINFMT_DIR`]).
    pub fn new(dir: impl Into<PathBuf>) -> BinfmtFs {
        BinfmtFs { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether binfmt_misc is mounted there (its `register` file exists).
    pub fn is_mounted(&self) -> bool {
        self.dir.join("register").exists()
    }

    /// Mounts binfmt_misc unless it is mounted already.
    pub fn ensure_mounted(&self) -> Result<(), BinfmtError> {
        if self.is_mounted() {
            return Ok(());
        }
        let shown = self.dir.display().to_string();
        // SAFETY: geteuid cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return Err(BinfmtError::NotRoot(shown));
        }
        let target = std::ffi::CString::new(self.dir.as_os_str().as_bytes()).map_err(|_| {
            BinfmtError::Mount(shown.clone(), std::io::ErrorKind::InvalidInput.into())
        })?;
        let fstype = c"binfmt_misc";
        // SAFETY: all pointers are NUL-terminated strings that outlive the
        // call; no data argument.
        let r = unsafe {
            libc::mount(
                fstype.as_ptr(),
                target.as_ptr(),
                fstype.as_ptr(),
                0,
                std::ptr::null(),
            )
        };
        if r != 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EPERM) {
                return Err(BinfmtError::NotRoot(shown));
            }
            return Err(BinfmtError::Mount(shown, e));
        }
        if self.is_mounted() {
            Ok(())
        } else {
            Err(BinfmtError::Mount(
                shown,
                std::io::Error::other("no register file after mounting"),
            ))
        }
    }

    /// Whether binfmt_misc as a whole is enabled (its `status` file).
    pub fn enabled(&self) -> Result<bool, BinfmtError> {
        let p = self.dir.join("status");
        let s = std::fs::read_to_string(&p).map_err(io_err(&p))?;
        Ok(s.trim() == "enabled")
    }

    /// Every registered entry, sorted by name.
    pub fn list(&self) -> Result<Vec<Registered>, BinfmtError> {
        let mut out = Vec::new();
        for ent in std::fs::read_dir(&self.dir).map_err(io_err(&self.dir))? {
            let ent = ent.map_err(io_err(&self.dir))?;
            let name = ent.file_name().to_string_lossy().into_owned();
            if name == "register" || name == "status" {
                continue;
            }
            let p = ent.path();
            let text = match std::fs::read_to_string(&p) {
                Ok(t) => t,
                // Removed between readdir and read.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(BinfmtError::Io(p.display().to_string(), e)),
            };
            out.push(parse_registered(&name, &text)?);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Whether an entry of that name exists.
    pub fn exists(&self, name: &str) -> bool {
        self.dir.join(name).exists()
    }

    /// Registers an entry (one `write` to `register`).
    pub fn register(&self, e: &Entry) -> Result<(), BinfmtError> {
        let line = e.register_string()?;
        let p = self.dir.join("register");
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .map_err(io_err(&p))?;
        f.write_all(line.as_bytes()).map_err(io_err(&p))
    }

    /// Removes an entry; `Ok(false)` when there was none of that name.
    pub fn unregister(&self, name: &str) -> Result<bool, BinfmtError> {
        check_name(name)?;
        let p = self.dir.join(name);
        let mut f = match std::fs::OpenOptions::new().write(true).open(&p) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(BinfmtError::Io(p.display().to_string(), e)),
        };
        f.write_all(b"-1").map_err(io_err(&p))?;
        Ok(true)
    }
}

/// Whether a kernel release string (`uname -r`) is at least 5.12, the
/// first to report the `P` flag through `AT_FLAGS`.
pub fn release_has_at_flags_argv0(release: &str) -> bool {
    let mut it = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|s| s.parse::<u32>().unwrap_or(0));
    let major = it.next().unwrap_or(0);
    let minor = it.next().unwrap_or(0);
    (major, minor) >= (5, 12)
}

/// The running kernel's release.
pub fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------
// The interpreter side: xlat started by the kernel through binfmt_misc.
// ---------------------------------------------------------------------

/// Auxiliary-vector tag of the program's file descriptor.
pub const AT_EXECFD: u64 = 2;
/// Auxiliary-vector tag of the flags word.
pub const AT_FLAGS: u64 = 8;
/// `AT_FLAGS` bit the kernel sets for an interpreter registered with `P`
/// (`AT_FLAGS_PRESERVE_ARGV0`, Linux 5.12+).
pub const AT_FLAGS_PRESERVE_ARGV0: u64 = 1;
/// File-name suffix of an interpreter that was registered with `P` (for
/// kernels that do not set [`AT_FLAGS_PRESERVE_ARGV0`]).
pub const PRESERVE_ARGV0_SUFFIX: &str = "-binfmt-P";

/// One value from xlat's own auxiliary vector, `None` if absent.
fn own_auxval(tag: u64) -> Option<u64> {
    // SAFETY: getauxval only reads the process's auxiliary vector; errno
    // is thread-local and reset first so ENOENT can be told from a zero
    // value.
    unsafe {
        *libc::__errno_location() = 0;
        let v = libc::getauxval(tag);
        if v == 0 && *libc::__errno_location() == libc::ENOENT {
            None
        } else {
            Some(v)
        }
    }
}

/// How this xlat process was started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Launch {
    /// The program's file descriptor (`AT_EXECFD`, binfmt flag `O`).
    pub exec_fd: Option<i32>,
    /// The kernel passed the original `argv[0]` after the program path.
    pub preserve_argv0: bool,
}

impl Launch {
    /// Reads xlat's own auxiliary vector; `argv0` is xlat's `argv[0]` (the
    /// registered interpreter path when started by the kernel).
    pub fn detect(argv0: &OsStr) -> Launch {
        Launch::from_parts(
            own_auxval(AT_EXECFD),
            own_auxval(AT_FLAGS).unwrap_or(0),
            argv0,
        )
    }

    /// [`Launch::detect`] on given values.
    pub fn from_parts(exec_fd: Option<u64>, at_flags: u64, argv0: &OsStr) -> Launch {
        let marker = Path::new(argv0)
            .file_name()
            .is_some_and(|n| n.as_bytes().ends_with(PRESERVE_ARGV0_SUFFIX.as_bytes()));
        Launch {
            exec_fd: exec_fd.and_then(|v| i32::try_from(v).ok()),
            preserve_argv0: at_flags & AT_FLAGS_PRESERVE_ARGV0 != 0 || marker,
        }
    }

    /// Whether the kernel started xlat through binfmt_misc (known only
    /// with `O` or `P`; without them a binfmt launch looks like a normal
    /// command line, which it then is).
    pub fn is_binfmt(&self) -> bool {
        self.exec_fd.is_some() || self.preserve_argv0
    }

    /// Turns the kernel's command line into xlat's: `[xlat, PATH, ARGV0,
    /// ARGS...]` (with `P`) or `[xlat, PATH, ARGS...]` becomes `[xlat, "--",
    /// PATH, ARGS...]` so that no xlat option is taken from it; returns the
    /// guest `argv[0]` to use with `P`.
    pub fn rewrite_args(&self, args: Vec<OsString>) -> (Vec<OsString>, Option<OsString>) {
        if !self.is_binfmt() || args.len() < 2 {
            return (args, None);
        }
        let mut it = args.into_iter();
        let mut out: Vec<OsString> = Vec::new();
        out.extend(it.next());
        out.push("--".into());
        out.extend(it.next());
        let argv0 = if self.preserve_argv0 { it.next() } else { None };
        out.extend(it);
        (out, argv0)
    }
}

/// The program's file descriptor passed by the kernel (`AT_EXECFD`), if
/// any.
pub fn exec_fd() -> Option<i32> {
    static FD: OnceLock<Option<i32>> = OnceLock::new();
    *FD.get_or_init(|| own_auxval(AT_EXECFD).and_then(|v| i32::try_from(v).ok()))
}

/// Opens the guest program: the `AT_EXECFD` descriptor the first time
/// when there is one (binfmt flag `O`), otherwise `path`.
pub fn read_program(path: &Path) -> std::io::Result<crate::image::Image> {
    use std::sync::atomic::{AtomicBool, Ordering};
    static USED: AtomicBool = AtomicBool::new(false);
    match exec_fd() {
        Some(fd) if !USED.swap(true, Ordering::Relaxed) => {
            if fd < 0 {
                return Err(std::io::Error::from_raw_os_error(libc::EBADF));
            }
            // SAFETY: the descriptor the kernel opened for this process
            // (AT_EXECFD); it stays open (for the guest) while borrowed.
            let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
            crate::image::Image::from_fd(fd)
        }
        _ => crate::image::Image::open(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aarch64_register_string() {
        let a = BinfmtArch::find("aarch64").unwrap();
        let e = Entry::for_arch(
            a,
            "xlat-aarch64",
            Path::new("/usr/bin/xlat-aarch64"),
            Flags {
                credentials: true,
                fix_binary: true,
                ..Flags::default()
            },
        );
        // Same bytes as the well-known qemu-aarch64 entry.
        assert_eq!(
            e.register_string().unwrap(),
            ":xlat-aarch64:M::\
             \\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:\
             \\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:\
             /usr/bin/xlat-aarch64:OCF"
        );
        let conf = e.systemd_conf("AArch64").unwrap();
        assert!(conf.starts_with("# AArch64\n"));
        assert!(conf.ends_with(":OCF\n"));
        assert_eq!(conf.lines().filter(|l| !l.starts_with('#')).count(), 1);
    }

    #[test]
    fn flag_letters() {
        let f = |p, o, c, x| Flags {
            preserve_argv0: p,
            open_binary: o,
            credentials: c,
            fix_binary: x,
        };
        assert_eq!(f(false, false, false, false).letters(), "");
        assert_eq!(f(true, false, false, false).letters(), "P");
        assert_eq!(f(false, false, true, false).letters(), "OC");
        assert_eq!(f(true, true, true, true).letters(), "POCF");
        assert_eq!(Flags::parse("POF"), f(true, true, false, true));
        assert_eq!(Flags::parse(""), Flags::default());
    }

    #[test]
    fn bad_names_and_interpreters() {
        let a = &ARCHES[0];
        let ok = Path::new("/x/xlat");
        for n in ["", ".", "..", "a/b", "a:b", "a b", "register", "status"] {
            let e = Entry::for_arch(a, n, ok, Flags::default());
            assert!(
                matches!(e.register_string(), Err(BinfmtError::BadName(_))),
                "{n:?}"
            );
        }
        for i in ["rel/xlat", "/a:b", "/a b", "/a\nb"] {
            let e = Entry::for_arch(a, "n", Path::new(i), Flags::default());
            assert!(
                matches!(e.register_string(), Err(BinfmtError::BadInterpreter(_))),
                "{i:?}"
            );
        }
        let mut e = Entry::for_arch(a, "n", ok, Flags::default());
        e.mask.pop();
        assert!(matches!(e.register_string(), Err(BinfmtError::BadMagic(_))));
    }

    #[test]
    fn magic_matches_aarch64_only() {
        let a = BinfmtArch::find("aarch64").unwrap();
        assert!(!a.is_host() || !cfg!(target_arch = "x86_64"));
        let r = Registered {
            name: "t".into(),
            enabled: true,
            interpreter: "/i".into(),
            flags: Flags::default(),
            matcher: Matcher::Magic {
                offset: 0,
                magic: a.magic.to_vec(),
                mask: Some(a.mask.to_vec()),
            },
        };
        let mut h = elf64_le_magic(183).to_vec();
        assert!(r.matches_header(&h));
        h[16] = 3; // ET_DYN (PIE, ld.so)
        assert!(r.matches_header(&h));
        h[7] = 3; // EI_OSABI = Linux
        assert!(r.matches_header(&h));
        h[16] = 1; // ET_REL
        assert!(!r.matches_header(&h));
        h[16] = 4; // ET_CORE
        assert!(!r.matches_header(&h));
        h[16] = 2;
        h[18] = 62; // x86-64
        assert!(!r.matches_header(&h));
        h[18] = 183;
        h[4] = 1; // 32-bit
        assert!(!r.matches_header(&h));
        assert!(!r.matches_header(&h[..10]));
        assert!(r.claims(a));
    }

    #[test]
    fn parse_status_files() {
        let t = "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POF\n\
                 offset 0\nmagic 7f454c460201010000000000000000000200b700\n\
                 mask ffffffffffffff00fffffffffffffffffeffffff\n";
        let r = parse_registered("qemu-aarch64", t).unwrap();
        assert!(r.enabled);
        assert_eq!(
            r.interpreter,
            PathBuf::from("/usr/libexec/qemu-binfmt/aarch64-binfmt-P")
        );
        assert_eq!(r.flags.letters(), "POF");
        assert!(r.claims(&ARCHES[0]));
        let Matcher::Magic { magic, mask, .. } = &r.matcher else {
            panic!("not a magic entry");
        };
        assert_eq!(magic.as_slice(), &ARCHES[0].magic);
        assert_eq!(mask.as_deref(), Some(&ARCHES[0].mask[..]));

        let t = "disabled\ninterpreter /usr/bin/wine\nflags: \nextension .exe\n";
        let r = parse_registered("wine", t).unwrap();
        assert!(!r.enabled);
        assert_eq!(r.matcher, Matcher::Extension("exe".into()));
        assert!(!r.claims(&ARCHES[0]));

        // No mask: exact comparison; a python entry does not claim aarch64.
        let t = "enabled\ninterpreter /usr/bin/python3.11\nflags: \noffset 0\nmagic a70d0d0a\n";
        let r = parse_registered("python3.11", t).unwrap();
        assert!(r.matches_header(&[0xa7, 0x0d, 0x0d, 0x0a, 0]));
        assert!(!r.claims(&ARCHES[0]));

        for bad in [
            "interpreter /x\nflags: \noffset 0\nmagic 00\n",
            "enabled\nflags: \noffset 0\nmagic 00\n",
            "enabled\ninterpreter /x\nflags: \noffset 0\nmagic 0g\n",
            "enabled\ninterpreter /x\nflags: \noffset 0\nmagic 000\n",
            "enabled\ninterpreter /x\nflags: \noffset 0\nmagic 00\nmask 0000\n",
            "enabled\ninterpreter /x\nflags: \n",
        ] {
            assert!(
                matches!(parse_registered("b", bad), Err(BinfmtError::Parse(..))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn list_a_directory() {
        let dir = std::env::temp_dir().join(format!("xlat-binfmt-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("register"), "").unwrap();
        std::fs::write(dir.join("status"), "enabled\n").unwrap();
        std::fs::write(
            dir.join("zz"),
            "enabled\ninterpreter /b\nflags: F\noffset 0\nmagic 41\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("aa"),
            "disabled\ninterpreter /a\nflags: \nextension .x\n",
        )
        .unwrap();
        let fs = BinfmtFs::new(&dir);
        assert!(fs.is_mounted());
        assert!(fs.enabled().unwrap());
        let l = fs.list().unwrap();
        assert_eq!(
            l.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["aa", "zz"]
        );
        assert!(l[1].flags.fix_binary);
        assert!(fs.exists("zz") && !fs.exists("nope"));
        assert!(!fs.unregister("nope").unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(!BinfmtFs::new(&dir).is_mounted());
    }

    #[test]
    fn kernel_releases() {
        assert!(release_has_at_flags_argv0("5.12.0"));
        assert!(release_has_at_flags_argv0("6.1.0-18-amd64"));
        assert!(!release_has_at_flags_argv0("5.11.22"));
        assert!(!release_has_at_flags_argv0("4.19.0-27-amd64"));
        assert!(!release_has_at_flags_argv0(""));
    }

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn launch_detection() {
        let plain = Launch::from_parts(None, 0, OsStr::new("/usr/bin/xlat-aarch64"));
        assert!(!plain.is_binfmt());
        let a = os(&["xlat-aarch64", "-strace", "prog", "x"]);
        assert_eq!(plain.rewrite_args(a.clone()), (a, None));

        let p = Launch::from_parts(None, AT_FLAGS_PRESERVE_ARGV0, OsStr::new("/x/xlat-aarch64"));
        assert_eq!(
            p,
            Launch {
                exec_fd: None,
                preserve_argv0: true
            }
        );
        assert_eq!(
            p.rewrite_args(os(&["/x/xlat-aarch64", "/bin/prog", "prog", "-d", "x"])),
            (
                os(&["/x/xlat-aarch64", "--", "/bin/prog", "-d", "x"]),
                Some("prog".into())
            )
        );
        // Other AT_FLAGS bits do not mean P.
        assert!(!Launch::from_parts(None, 2, OsStr::new("xlat")).preserve_argv0);

        let m = Launch::from_parts(None, 0, OsStr::new("/usr/lib/xlat/xlat-aarch64-binfmt-P"));
        assert!(m.preserve_argv0 && m.exec_fd.is_none());
        // Only the file name counts.
        assert!(!Launch::from_parts(None, 0, OsStr::new("/a-binfmt-P/xlat")).preserve_argv0);

        let o = Launch::from_parts(Some(3), 0, OsStr::new("/x/xlat-aarch64"));
        assert_eq!(o.exec_fd, Some(3));
        assert_eq!(
            o.rewrite_args(os(&["/x/xlat-aarch64", "/bin/prog", "-strace"])),
            (os(&["/x/xlat-aarch64", "--", "/bin/prog", "-strace"]), None)
        );
        // P with argc 0 execs: no argv[0] to take.
        assert_eq!(
            p.rewrite_args(os(&["/x/xlat-aarch64", "/bin/prog"])),
            (os(&["/x/xlat-aarch64", "--", "/bin/prog"]), None)
        );
    }

    #[test]
    fn not_started_through_binfmt_misc() {
        // This test process has no AT_EXECFD: the program is opened by path.
        assert_eq!(exec_fd(), None);
        assert!(read_program(Path::new("/nonexistent/xlat-prog")).is_err());
    }
}
