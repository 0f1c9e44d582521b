//! System calls: the per-ABI table type, the process and thread state the
//! handlers see, dispatch, the generic passthrough and the unsupported list.
//!
//! Handlers live in topic files (`fd`, `mem`, `process`, `signal`, `time`,
//! `info`) and are architecture-neutral; each guest ABI lists its rows
//! (number, name, argument kinds, handler) in `arch/<guest>.rs`.

pub mod fd;
pub mod info;
pub mod mem;
pub mod process;
pub mod signal;
pub mod structs;
pub mod time;

use crate::arch::ArchDef;
use crate::errno::Errno;
use crate::log::Log;
use crate::mmap::AddressSpace;
use crate::strace;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// What a handler returns: the result value or a guest errno.
pub type SysResult = Result<u64, Errno>;

/// A syscall handler.
pub type Handler = fn(&mut SysCtx<'_>, &[u64; 6]) -> SysResult;

/// How `-strace` shows an argument.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum ArgKind {
    /// Signed decimal.
    Int,
    /// Unsigned decimal (sizes, counts).
    Uint,
    /// Hexadecimal.
    Hex,
    /// File descriptor (`AT_FDCWD` for -100).
    Fd,
    /// Guest pointer.
    Ptr,
    /// Guest NUL-terminated string.
    Str,
    /// Guest buffer written by the host (shown as a pointer).
    OutBuf,
    /// Guest buffer read by the host, shown as a string of `len` (the next
    /// argument) bytes.
    InBuf,
    /// `open` flags.
    OpenFlags,
    /// File mode, octal.
    Mode,
    /// `PROT_*` bits.
    Prot,
    /// `MAP_*` flags.
    MapFlags,
    /// Signal number.
    Signal,
}

/// How `-strace` shows the result.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum RetKind {
    /// Signed decimal (negative values in -4095..-1 are errors).
    Int,
    /// Hexadecimal (addresses).
    Hex,
    /// The call does not return.
    None,
}

/// One row of a per-ABI syscall table.
#[derive(Debug)]
pub struct SyscallDef {
    /// Guest syscall number.
    pub nr: u32,
    /// Name (as `-strace` shows it).
    pub name: &'static str,
    /// Argument kinds (only as many as the syscall takes).
    pub args: &'static [ArgKind],
    /// Result kind.
    pub ret: RetKind,
    /// The handler.
    pub handler: Handler,
}

/// A guest `sigaction` as recorded by `rt_sigaction`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct GuestSigAction {
    /// Handler address, or SIG_DFL (0) / SIG_IGN (1).
    pub handler: u64,
    /// SA_* flags.
    pub flags: u64,
    /// Restorer.
    pub restorer: u64,
    /// Blocked mask during the handler.
    pub mask: u64,
}

/// Number of guest signals (1..=64).
pub const NSIG: usize = 64;

/// State shared by all threads of the guest process.
pub struct Process {
    /// The guest ABI.
    pub arch: &'static ArchDef,
    /// The guest address space.
    pub mem: Arc<AddressSpace>,
    /// Absolute host path of the guest executable (`/proc/self/exe`).
    pub exe_path: PathBuf,
    /// `-L` prefix.
    pub ld_prefix: Option<PathBuf>,
    /// Logging.
    pub log: Arc<Log>,
    /// Guest signal dispositions, index = signal number - 1.
    pub sigactions: Mutex<[GuestSigAction; NSIG]>,
    /// Table indexed by guest syscall number.
    table: Vec<Option<&'static SyscallDef>>,
}

impl Process {
    /// Creates the process state.
    pub fn new(
        arch: &'static ArchDef,
        mem: Arc<AddressSpace>,
        exe_path: PathBuf,
        ld_prefix: Option<PathBuf>,
        log: Arc<Log>,
    ) -> Process {
        let max = arch.syscalls.iter().map(|d| d.nr).max().unwrap_or(0) as usize;
        let mut table = vec![None; max + 1];
        for d in arch.syscalls {
            table[d.nr as usize] = Some(d);
        }
        Process {
            arch,
            mem,
            exe_path,
            ld_prefix,
            log,
            sigactions: Mutex::new([GuestSigAction::default(); NSIG]),
            table,
        }
    }

    /// The table row for a guest syscall number.
    pub fn lookup(&self, nr: u64) -> Option<&'static SyscallDef> {
        self.table.get(nr as usize).copied().flatten()
    }

    /// The disposition of guest signal `sig` (1..=64).
    pub fn sigaction(&self, sig: u32) -> GuestSigAction {
        let t = self.sigactions.lock().unwrap_or_else(|e| e.into_inner());
        t.get((sig as usize).wrapping_sub(1))
            .copied()
            .unwrap_or_default()
    }
}

/// Per-thread state the syscalls see.
#[derive(Debug, Default, Clone)]
pub struct ThreadState {
    /// Host thread id (the guest sees host ids).
    pub tid: i32,
    /// Blocked guest signals.
    pub sigmask: u64,
    /// `set_tid_address` pointer.
    pub clear_child_tid: u64,
    /// `set_robust_list` head and length.
    pub robust_list: (u64, u64),
    /// Alternate signal stack (sp, flags, size).
    pub altstack: (u64, i32, u64),
}

/// Something a syscall asks the run loop to do after it returns.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `exit_group(status)`.
    ExitGroup(i32),
    /// `exit(status)` of the calling thread.
    ExitThread(i32),
    /// A signal to the calling thread (kill/tgkill to self).
    Signal(i32),
}

/// What handlers get: the process, the calling thread and a slot for an
/// [`Action`].
pub struct SysCtx<'a> {
    /// The process.
    pub proc: &'a Process,
    /// The calling thread.
    pub thread: &'a mut ThreadState,
    /// Set by exit/kill-to-self.
    pub action: Option<Action>,
    /// The table row being run.
    pub current: Option<&'static SyscallDef>,
}

impl SysCtx<'_> {
    /// The address space.
    pub fn mem(&self) -> &AddressSpace {
        &self.proc.mem
    }
}

/// Runs guest syscall `nr` with `args`; returns the value for the result
/// register (negative errno on failure) and a possible [`Action`].
pub fn dispatch(
    proc: &Process,
    thread: &mut ThreadState,
    nr: u64,
    args: [u64; 6],
) -> (u64, Option<Action>) {
    let def = proc.lookup(nr);
    let mut ctx = SysCtx {
        proc,
        thread,
        action: None,
        current: def,
    };
    let prefix = if proc.log.strace {
        Some(strace::format_call(proc, nr, def, &args))
    } else {
        None
    };
    if let Some(p) = &prefix
        && def.is_some_and(|d| d.ret == RetKind::None)
    {
        // Calls that do not return are printed before they run.
        proc.log.line(&format!("{p}\n"));
    }
    let res = match def {
        Some(d) => (d.handler)(&mut ctx, &args),
        None => {
            proc.log
                .unimp(&format!("Unsupported syscall: {nr} (unknown number)"));
            Err(Errno::ENOSYS)
        }
    };
    if let Some(p) = prefix
        && !def.is_some_and(|d| d.ret == RetKind::None)
    {
        let kind = def.map(|d| d.ret).unwrap_or(RetKind::Int);
        proc.log
            .line(&format!("{p} = {}\n", strace::format_result(res, kind)));
    }
    let v = match res {
        Ok(v) => v,
        Err(e) => (-(e.0 as i64)) as u64,
    };
    (v, ctx.action)
}

/// Handler for syscalls deliberately not supported: `-ENOSYS`, logged
/// under `-d unimp`.
pub fn unsupported(ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    if let Some(d) = ctx.current {
        ctx.proc
            .log
            .unimp(&format!("Unsupported syscall: {} ({})", d.nr, d.name));
    }
    Err(Errno::ENOSYS)
}

/// Converts a host syscall return value into a [`SysResult`].
pub fn host_ret(r: libc::c_long) -> SysResult {
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(r as u64)
    }
}

/// Resolves a guest path: with `-L PREFIX`, an absolute path is looked up
/// under PREFIX first.
pub fn guest_path(proc: &Process, path: &[u8]) -> std::ffi::CString {
    use std::os::unix::ffi::OsStrExt;
    if let Some(pre) = &proc.ld_prefix
        && path.first() == Some(&b'/')
    {
        let mut p = pre.as_os_str().as_bytes().to_vec();
        p.extend_from_slice(path);
        if let Ok(c) = std::ffi::CString::new(p.clone()) {
            // SAFETY: `c` is a valid NUL-terminated path; lstat only
            // writes into `st`.
            let exists = unsafe {
                let mut st: libc::stat = std::mem::zeroed();
                libc::lstat(c.as_ptr(), &mut st) == 0
            };
            if exists {
                return c;
            }
        }
    }
    // read_cstring never returns interior NULs.
    std::ffi::CString::new(path).unwrap_or_default()
}

/// Reads a guest path argument (at most PATH_MAX bytes).
pub fn read_path(ctx: &SysCtx<'_>, addr: u64) -> Result<Vec<u8>, Errno> {
    ctx.mem().read_cstring(addr, libc::PATH_MAX as usize)
}

/// True if `path` names the guest executable through `/proc`.
pub fn is_proc_self_exe(path: &[u8]) -> bool {
    if path == b"/proc/self/exe" {
        return true;
    }
    // SAFETY: getpid cannot fail.
    let pid = unsafe { libc::getpid() };
    path == format!("/proc/{pid}/exe").as_bytes()
}

/// Generic passthrough helpers: a host syscall whose arguments are plain
/// integers.
pub fn raw6(nr: libc::c_long, a: [u64; 6]) -> SysResult {
    // SAFETY: used only for syscalls whose arguments are integers (no
    // pointers), so the host kernel cannot touch memory on our behalf.
    host_ret(unsafe { libc::syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]) })
}
