//! System calls: the per-ABI table type, the process and thread state the
//! handlers see, dispatch, the generic passthrough and the unsupported list.
//!
//! Handlers live in topic files (`fd`, `mem`, `process`, `signal`, `time`,
//! `info`) and are architecture-neutral; each guest ABI lists its rows
//! (number, name, argument kinds, handler) in `arch/<guest>.rs`.

pub mod cred;
pub mod events;
pub mod fd;
pub mod info;
pub mod mem;
pub mod net;
pub mod process;
pub mod signal;
pub mod structs;
pub mod table;
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
#[derive(Clone, Copy, Debug)]
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
    /// Guest address of the signal-return trampoline, mapped on first use.
    sigtramp: Mutex<u64>,
    /// The live guest threads.
    pub group: crate::thread::ThreadGroup,
    /// xlat options passed on when the guest execs another guest program.
    pub reexec: Vec<std::ffi::OsString>,
    /// Guest address of the initial auxiliary vector (`/proc/self/auxv`).
    pub auxv_addr: u64,
    /// Guest address of the vDSO's signal-return trampoline (0: none; the
    /// `[sigpage]` one is used).
    pub vdso_sigreturn: u64,
    /// The guest's argv as NUL-terminated strings (`/proc/self/cmdline`).
    pub cmdline: Vec<u8>,
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
            sigtramp: Mutex::new(0),
            group: Default::default(),
            reexec: Vec::new(),
            auxv_addr: 0,
            vdso_sigreturn: 0,
            cmdline: Vec::new(),
        }
    }

    /// Guest address of the code that calls `rt_sigreturn` (for handlers
    /// without `SA_RESTORER`): one read-only executable page, mapped on
    /// first use, like the vDSO's `__kernel_rt_sigreturn`; or the vDSO's
    /// own where the guest has one.
    pub fn sigtramp(&self) -> Result<u64, crate::mmap::MmapError> {
        if self.vdso_sigreturn != 0 {
            return Ok(self.vdso_sigreturn);
        }
        let mut t = self.sigtramp.lock().unwrap_or_else(|e| e.into_inner());
        if *t == 0 {
            *t = crate::vdso::map_code(&self.mem, self.arch.signal.trampoline, "[sigpage]")?;
        }
        Ok(*t)
    }

    /// The process state of a `vfork` child (`CLONE_VM | CLONE_VFORK`):
    /// the same address space and settings, its own copy of the
    /// dispositions (with `clear_handlers`, `CLONE_CLEAR_SIGHAND`: every
    /// disposition but SIG_IGN back to the default, as the kernel does)
    /// and its own, empty, thread group.
    pub fn vfork_copy(&self, clear_handlers: bool) -> Process {
        let mut acts = *self.sigactions.lock().unwrap_or_else(|e| e.into_inner());
        if clear_handlers {
            for a in acts.iter_mut().filter(|a| a.handler != 1) {
                *a = GuestSigAction::default();
            }
        }
        Process {
            arch: self.arch,
            mem: self.mem.clone(),
            exe_path: self.exe_path.clone(),
            ld_prefix: self.ld_prefix.clone(),
            log: self.log.clone(),
            sigactions: Mutex::new(acts),
            table: self.table.clone(),
            sigtramp: Mutex::new(*self.sigtramp.lock().unwrap_or_else(|e| e.into_inner())),
            group: Default::default(),
            reexec: self.reexec.clone(),
            auxv_addr: self.auxv_addr,
            vdso_sigreturn: self.vdso_sigreturn,
            cmdline: self.cmdline.clone(),
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
    /// Pending signals (written by the host signal handler too).
    pub sig: Arc<crate::signal::ThreadSignals>,
    /// Guest SP at the current syscall (for `sigaltstack`).
    pub sp: u64,
    /// Mask to restore after the next signal delivery (`rt_sigsuspend`,
    /// `ppoll` with a mask): the frame saves this one.
    pub restore_mask: Option<u64>,
}

/// Something a syscall asks the run loop to do after it returns.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `exit_group(status)`.
    ExitGroup(i32),
    /// `exit(status)` of the calling thread.
    ExitThread(i32),
    /// A signal to the calling thread (kill/tgkill to self): (signal,
    /// `si_code`).
    Signal(i32, i32),
    /// `rt_sigreturn`: restore the state from the signal frame.
    SigReturn,
    /// `clone`/`clone3`: the run loop creates the thread or process.
    Clone(crate::thread::CloneArgs),
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
    prefixed_path(proc.ld_prefix.as_deref(), path)
}

/// Resolves `path` as [`guest_path`] does, for an explicit prefix.
pub fn prefixed_path(prefix: Option<&std::path::Path>, path: &[u8]) -> std::ffi::CString {
    use std::os::unix::ffi::OsStrExt;
    if let Some(pre) = prefix
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
    if path == b"/proc/self/exe" || path == b"/proc/thread-self/exe" {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::LogItems;
    use crate::mmap::prot;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    const BUF: u64 = 0x10000;

    fn setup(items: LogItems) -> (Process, Sink) {
        crate::probe::install_fault_handler(None).unwrap();
        let mem = AddressSpace::reserve(34).unwrap();
        mem.map_anon(BUF, 0x2000, prot::READ | prot::WRITE);
        let sink = Sink::default();
        let log = Arc::new(Log::new(items, Box::new(sink.clone())));
        let p = Process::new(
            &crate::arch::aarch64::ARCH,
            mem,
            PathBuf::from("/bin/guest"),
            None,
            log,
        );
        (p, sink)
    }

    fn call(p: &Process, t: &mut ThreadState, nr: u64, a: &[u64]) -> (i64, Option<Action>) {
        let mut args = [0u64; 6];
        args[..a.len()].copy_from_slice(a);
        let (v, act) = dispatch(p, t, nr, args);
        (v as i64, act)
    }

    #[test]
    fn vfork_copy_has_its_own_dispositions() {
        let (p, _) = setup(LogItems::default());
        let usr1 = GuestSigAction {
            handler: 0x1234,
            flags: 4,
            ..Default::default()
        };
        {
            let mut t = p.sigactions.lock().unwrap();
            t[10 - 1] = usr1;
            t[1 - 1].handler = 1; // SIGHUP ignored
            t[12 - 1].flags = 0x1000_0000; // SIGUSR2: SIG_DFL with SA_RESTART
        }
        let c = p.vfork_copy(false);
        assert_eq!(c.sigaction(10), usr1);
        c.sigactions.lock().unwrap()[10 - 1].handler = 0x5678;
        assert_eq!(p.sigaction(10), usr1, "the child's change is its own");
        assert_eq!(c.group.live(), 0, "a thread group of its own");
        assert_eq!(c.lookup(64).map(|d| d.name), Some("write"));
        // CLONE_CLEAR_SIGHAND: back to SIG_DFL without flags, but for
        // ignored signals.
        let c = p.vfork_copy(true);
        assert_eq!(c.sigaction(10), GuestSigAction::default());
        assert_eq!(c.sigaction(1).handler, 1);
        assert_eq!(c.sigaction(12), GuestSigAction::default());
    }

    #[test]
    fn unknown_and_unsupported_give_enosys_and_log() {
        let (p, sink) = setup(LogItems {
            unimp: true,
            ..Default::default()
        });
        let mut t = ThreadState::default();
        assert_eq!(call(&p, &mut t, 9999, &[]).0, -38);
        assert_eq!(call(&p, &mut t, 293, &[]).0, -38); // rseq
        let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert!(log.contains("Unsupported syscall: 9999"), "{log}");
        assert!(log.contains("Unsupported syscall: 293 (rseq)"), "{log}");
    }

    #[test]
    fn sigprocmask_and_sigaction_round_trip() {
        let (p, _) = setup(LogItems::default());
        let mut t = ThreadState::default();
        let m = &p.mem;
        // Block SIGUSR1 (10) and SIGKILL (9): SIGKILL cannot be blocked.
        m.write_u64(BUF, (1 << 9) | (1 << 8)).unwrap();
        assert_eq!(call(&p, &mut t, 135, &[0, BUF, BUF + 8, 8]).0, 0);
        assert_eq!(m.read_u64(BUF + 8).unwrap(), 0);
        assert_eq!(t.sigmask, 1 << 9);
        assert_eq!(call(&p, &mut t, 135, &[2, 0, BUF + 8, 8]).0, 0);
        assert_eq!(m.read_u64(BUF + 8).unwrap(), 1 << 9);
        assert_eq!(call(&p, &mut t, 135, &[7, BUF, 0, 8]).0, -22);
        assert_eq!(call(&p, &mut t, 135, &[0, BUF, 0, 4]).0, -22);
        assert_eq!(call(&p, &mut t, 135, &[0, 0x3000, 0, 8]).0, -14);
        // rt_sigaction(SIGUSR1, {handler 0x1234, flags 4, restorer 8, mask 2}).
        for (i, v) in [0x1234u64, 4, 8, 2].iter().enumerate() {
            m.write_u64(BUF + 0x100 + 8 * i as u64, *v).unwrap();
        }
        assert_eq!(call(&p, &mut t, 134, &[10, BUF + 0x100, 0, 8]).0, 0);
        assert_eq!(call(&p, &mut t, 134, &[10, 0, BUF + 0x200, 8]).0, 0);
        assert_eq!(m.read_u64(BUF + 0x200).unwrap(), 0x1234);
        assert_eq!(m.read_u64(BUF + 0x218).unwrap(), 2);
        assert_eq!(p.sigaction(10).handler, 0x1234);
        assert_eq!(call(&p, &mut t, 134, &[9, BUF + 0x100, 0, 8]).0, -22);
        assert_eq!(call(&p, &mut t, 134, &[65, 0, 0, 8]).0, -22);
    }

    #[test]
    fn mmap_munmap_and_brk_through_dispatch() {
        let (p, _) = setup(LogItems::default());
        let mut t = ThreadState::default();
        let (a, _) = call(&p, &mut t, 222, &[0, 0x3000, 3, 0x22, u64::MAX, 0]);
        assert!(a > 0 && a % 4096 == 0, "mmap returned {a:x}");
        let a = a as u64;
        p.mem.write_u64(a + 0x2ff8, 5).unwrap();
        assert_eq!(call(&p, &mut t, 215, &[a + 1, 0x1000]).0, -22);
        assert_eq!(call(&p, &mut t, 215, &[a, 0x1000]).0, 0);
        assert!(p.mem.read_u64(a).is_err());
        // MAP_FIXED_NOREPLACE over a live page: EEXIST.
        assert_eq!(
            call(
                &p,
                &mut t,
                222,
                &[a + 0x1000, 0x1000, 3, 0x100022, u64::MAX, 0]
            )
            .0,
            -17
        );
        assert_eq!(call(&p, &mut t, 222, &[0, 0, 3, 0x22, u64::MAX, 0]).0, -22);
        // mprotect of an unmapped range: ENOMEM.
        assert_eq!(call(&p, &mut t, 226, &[a, 0x2000, 1]).0, -12);
        // exit_group is an action.
        assert_eq!(call(&p, &mut t, 94, &[3]).1, Some(Action::ExitGroup(3)));
    }

    #[test]
    fn clock_gettime_through_dispatch() {
        // aarch64 numbers: clock_gettime 113, mmap 222, munmap 215.
        let (p, _) = setup(LogItems::default());
        let mut t = ThreadState::default();
        let (a, _) = call(&p, &mut t, 222, &[0, 0x1000, 3, 0x22, u64::MAX, 0]);
        let a = a as u64;
        let read = |at: u64| {
            let s = p.mem.read_u64(at).unwrap();
            let ns = p.mem.read_u64(at + 8).unwrap();
            assert!(ns < 1_000_000_000, "tv_nsec {ns}");
            s as u128 * 1_000_000_000 + ns as u128
        };
        let mut host = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: a local timespec.
        unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut host) };
        assert_eq!(call(&p, &mut t, 113, &[0, a]).0, 0);
        let real = read(a);
        let h = host.tv_sec as u128 * 1_000_000_000 + host.tv_nsec as u128;
        assert!(real >= h && real - h < 60_000_000_000, "{real} vs host {h}");
        assert_eq!(call(&p, &mut t, 113, &[1, a]).0, 0);
        let m1 = read(a);
        assert_eq!(call(&p, &mut t, 113, &[1, a + 16]).0, 0);
        assert!(read(a + 16) >= m1);
        // A bad clock before a bad pointer, as the kernel orders them.
        assert_eq!(call(&p, &mut t, 113, &[12345, 0]).0, -22);
        assert_eq!(call(&p, &mut t, 113, &[1, 0]).0, -14);
        assert_eq!(call(&p, &mut t, 215, &[a, 0x1000]).0, 0);
        assert_eq!(call(&p, &mut t, 113, &[1, a]).0, -14);
    }

    #[test]
    fn strace_line_format() {
        let (p, sink) = setup(LogItems {
            strace: true,
            ..Default::default()
        });
        let mut t = ThreadState::default();
        p.mem.write_guest(BUF, b"/no/such/file\0").unwrap();
        let (r, _) = call(&p, &mut t, 56, &[(-100i64) as u64, BUF, 0o2000000, 0]);
        assert_eq!(r, -2);
        let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let line = log.lines().next().unwrap();
        let (_pid, rest) = line.split_once(' ').unwrap();
        assert_eq!(
            rest,
            "openat(AT_FDCWD,\"/no/such/file\",O_RDONLY|O_CLOEXEC,00) = -1 ENOENT (No such file or directory)"
        );
    }

    #[test]
    fn stat_and_readlink_proc_self_exe() {
        let (p, _) = setup(LogItems::default());
        let mut t = ThreadState::default();
        p.mem.write_guest(BUF, b"/proc/self/exe\0").unwrap();
        let (n, _) = call(&p, &mut t, 78, &[(-100i64) as u64, BUF, BUF + 0x100, 64]);
        assert_eq!(n, 10);
        let mut b = [0u8; 10];
        p.mem.read_guest(BUF + 0x100, &mut b).unwrap();
        assert_eq!(&b, b"/bin/guest");
        // fstat(0..) into guest memory: st_mode at offset 16 non-zero.
        p.mem.write_guest(BUF, b"/\0").unwrap();
        assert_eq!(
            call(&p, &mut t, 79, &[(-100i64) as u64, BUF, BUF + 0x200, 0]).0,
            0
        );
        let mode = p.mem.read_u32(BUF + 0x200 + 16).unwrap();
        assert_eq!(mode & 0o170000, 0o040000, "/ is a directory");
        // Bad buffer: EFAULT.
        assert_eq!(
            call(&p, &mut t, 79, &[(-100i64) as u64, BUF, 0x5000, 0]).0,
            -14
        );
    }
}
