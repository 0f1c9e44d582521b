//! Starting a guest program and the run loop: load, build the stack,
//! create the engine and CPU, then run guest code and serve its syscalls,
//! faults and signals until it exits.

use crate::arch::ArchDef;
use crate::dlog::DebugLogger;
use crate::elf::{self, ElfError};
use crate::log::Log;
use crate::mmap::{AddressSpace, MmapError, PAGE_SIZE};
use crate::probe;
use crate::signal;
use crate::stack::{self, StackError, StackInput};
use crate::syscall::{self, Action, Process, ThreadState};
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;
use thiserror::Error;
use xlat_exec::{Cpu, Engine, ExceptionKind, ExecOptions, Exit};
use xlat_ir::abi::MemRef;

/// Guest address-space size requested (2^46; smaller if the host refuses).
pub const GUEST_SPACE_BITS: u32 = 46;
/// Default guest stack size.
pub const STACK_SIZE: u64 = 8 << 20;

/// Errors that stop xlat before or while starting the guest.
#[derive(Debug, Error)]
pub enum RunError {
    /// The program file could not be read.
    #[error("{0}: {1}")]
    Open(String, String),
    /// The ELF file is unusable.
    #[error("{0}: {1}")]
    Elf(String, ElfError),
    /// The dynamic linker named by `PT_INTERP` could not be read.
    #[error("{0}: cannot open the dynamic linker {1}: {2}")]
    Interp(String, String, String),
    /// The address space could not be set up.
    #[error("{0}")]
    Mmap(#[from] MmapError),
    /// The stack could not be built.
    #[error("{0}")]
    Stack(#[from] StackError),
    /// The engine could not be created.
    #[error("{0}")]
    Exec(#[from] xlat_exec::ExecError),
    /// Host setup failed.
    #[error("{0}")]
    Host(#[from] std::io::Error),
}

/// Everything needed to start a guest program.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Path of the guest executable.
    pub program: PathBuf,
    /// Guest argv (argv[0] included).
    pub argv: Vec<OsString>,
    /// Guest environment (`VAR=VAL`).
    pub envp: Vec<OsString>,
    /// `-L` prefix.
    pub ld_prefix: Option<PathBuf>,
    /// Engine options (the logger is filled in by [`run`]).
    pub exec: ExecOptions,
    /// xlat options for a guest `execve` of another guest program.
    pub reexec: Vec<OsString>,
    /// `-perfmap`: name compiled regions in `/tmp/perf-<pid>.map`.
    pub perfmap: bool,
}

/// Runs the guest program to completion; returns its exit status, for
/// the caller to exit with at once (the process's translator state is
/// leaked, not freed). Death by a signal does not return (xlat dies of
/// the same signal).
pub fn run(arch: &'static ArchDef, cfg: RunConfig, log: Arc<Log>) -> Result<i32, RunError> {
    // The blocked mask survives execve, as natively (posix_spawn's
    // POSIX_SPAWN_SETSIGMASK).
    let inherited_mask = signal::inherited_mask();
    probe::install_fault_handler(Some(xlat_exec::handle_host_fault))?;
    let shown = cfg.program.display().to_string();
    let data = crate::binfmt::read_program(&cfg.program).map_err(|e| {
        let msg = e.to_string();
        let msg = msg.split(" (os error").next().unwrap_or("").to_string();
        RunError::Open(shown.clone(), msg)
    })?;
    let mem = AddressSpace::reserve(GUEST_SPACE_BITS)?;
    if arch.name == "aarch64" {
        // Linux sets TCR_EL1.TBI0 for user space: data accesses ignore
        // the top address byte.
        mem.set_top_byte_ignore();
    }
    let exe_path = std::fs::canonicalize(&cfg.program).unwrap_or_else(|_| cfg.program.clone());
    let name: Arc<str> = Arc::from(exe_path.to_string_lossy().as_ref());
    let loaded = elf::load(
        &data,
        data.fd(),
        &mem,
        arch.elf_machine,
        arch.elf_machine_name,
        name,
    )
    .map_err(|e| RunError::Elf(shown.clone(), e))?;
    drop(data);
    mem.init_brk(loaded.brk);
    // Linux's arch_elf_adjust_prot: with BTI, a marked static program or
    // a marked dynamic linker gets guarded executable pages.
    let bti = arch.name == "aarch64" && crate::arch::aarch64::has_bti();
    let (entry, interp_base) = match &loaded.interp {
        Some(ip) => {
            let il = load_interp(arch, &mem, cfg.ld_prefix.as_deref(), ip)
                .map_err(|(what, e)| RunError::Interp(shown.clone(), what, e))?;
            if bti && il.bti {
                elf::guard_exec_pages(&mem, &il)?;
            }
            (il.entry, il.start)
        }
        None => {
            if bti && loaded.bti {
                elf::guard_exec_pages(&mem, &loaded)?;
            }
            (loaded.entry, 0)
        }
    };

    let vdso = match arch.vdso {
        Some(image) => Some((crate::vdso::map(&mem, image())?, image())),
        None => None,
    };
    // Stack at the top of the guest space, below a 64 KiB gap.
    let top = mem.limit() - 16 * PAGE_SIZE;
    let mut random = [0u8; 16];
    // SAFETY: getrandom writes into the local buffer.
    unsafe { libc::getrandom(random.as_mut_ptr() as *mut libc::c_void, 16, 0) };
    let argv: Vec<Vec<u8>> = cfg.argv.iter().map(|s| s.as_bytes().to_vec()).collect();
    let envp: Vec<Vec<u8>> = cfg.envp.iter().map(|s| s.as_bytes().to_vec()).collect();
    let execfn = cfg.program.as_os_str().as_bytes().to_vec();
    let sp = stack::setup(
        &mem,
        top,
        STACK_SIZE,
        loaded.exec_stack,
        &StackInput {
            argv: &argv,
            envp: &envp,
            execfn: &execfn,
            elf: &loaded,
            interp_base,
            arch: &arch.aux,
            random,
            vdso: vdso.map_or(0, |(at, _)| at),
        },
    )?;

    let mut opts = cfg.exec.clone();
    let items = log.items;
    if items.in_asm || items.op || items.out_asm || items.exec {
        opts.logger = Some(Arc::new(DebugLogger::new(
            log.clone(),
            mem.clone(),
            arch.isa,
        )));
    }
    if cfg.perfmap {
        let inner = opts.logger.take();
        opts.logger = Some(Arc::new(crate::perfmap::PerfMap::new(inner)));
    }
    let memref: MemRef = mem.clone();
    // The engine's background compiler thread inherits this mask: host
    // signals meant for the guest must land on guest threads only.
    signal::block_all_routed();
    let engine = Engine::new((arch.new_frontend)(), memref, opts)?;
    let weak = Arc::downgrade(&engine);
    mem.set_invalidate_hook(Box::new(move |s, l| {
        if let Some(e) = weak.upgrade() {
            e.invalidate(s, l);
        }
    }));
    let mut cpu = engine.new_cpu();
    cpu.set_pc(entry);
    cpu.set(arch.regs.sp, sp as u128);
    (arch.init_regs)(&mut cpu, entry);

    let mut proc = Process::new(
        arch,
        mem.clone(),
        exe_path,
        cfg.ld_prefix.clone(),
        log.clone(),
    );
    proc.reexec = cfg.reexec.clone();
    if let Some((at, img)) = vdso
        && let Some(off) = img.sigreturn
    {
        proc.vdso_sigreturn = at + off;
    }
    // The auxiliary vector follows argc, argv[], NULL, envp[], NULL.
    proc.auxv_addr = sp + 8 * (1 + argv.len() as u64 + 1 + envp.len() as u64 + 1);
    proc.cmdline = argv
        .iter()
        .flat_map(|a| a.iter().copied().chain([0]))
        .collect();
    let proc = Arc::new(proc);
    signal::init_process(&proc);
    signal::install_kick_handler();
    // SAFETY: gettid cannot fail.
    let tid = unsafe { libc::gettid() };
    let mut thread = ThreadState {
        tid,
        sigmask: inherited_mask,
        altstack: (0, signal::SS_DISABLE, 0),
        ..Default::default()
    };
    thread.sig.attach_cpu(cpu.stop_handle());
    signal::register_thread(&thread.sig);
    proc.group.add(tid, thread.sig.clone());
    signal::apply_host_mask(thread.sigmask);
    let sh = Arc::new(Shared {
        proc,
        engine,
        log,
        mem,
    });
    // A fresh guest process starts with no FP exception flags raised;
    // fast FP paths read the host's sticky flags back (xlat_ir::hostfp).
    xlat_ir::hostfp::clear_status();
    let status = match thread_loop(&sh, &mut cpu, &mut thread) {
        LoopEnd::ExitGroup(s) => s,
        LoopEnd::ExitThread(s) => crate::thread::leader_exit(&sh, &thread, s),
    };
    finish(&sh.engine, &sh.log);
    // The process ends when this returns (the caller exits at once):
    // freeing the translated blocks, the engine and the guest memory
    // would only cost time (0.75 M host instructions after a static
    // hello).
    std::mem::forget(cpu);
    std::mem::forget(sh);
    Ok(status & 0xff)
}

/// What every guest thread of the process shares.
pub struct Shared {
    /// Process state (dispositions, syscall table, threads).
    pub proc: Arc<Process>,
    /// The translator.
    pub engine: Arc<Engine>,
    /// Logging.
    pub log: Arc<Log>,
    /// The guest address space.
    pub mem: Arc<AddressSpace>,
}

/// How a guest thread's run loop ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LoopEnd {
    /// `exit_group(status)`: the whole process ends.
    ExitGroup(i32),
    /// `exit(status)`: only this thread ends.
    ExitThread(i32),
}

/// Runs one guest thread: guest code, its syscalls, faults and signals,
/// until it calls `exit` or `exit_group`. Death by a signal does not
/// return.
pub fn thread_loop(sh: &Arc<Shared>, cpu: &mut Cpu, thread: &mut ThreadState) -> LoopEnd {
    let proc = &*sh.proc;
    let arch = proc.arch;
    let (engine, log, mem) = (&sh.engine, &sh.log, &sh.mem);
    loop {
        if thread.sig.pending() != 0 || thread.restore_mask.is_some() {
            signal::deliver_pending(proc, cpu, thread);
        }
        crate::thread::safe_point(&thread.sig);
        match engine.run(cpu) {
            Exit::Exception {
                kind: ExceptionKind::Syscall,
                info: sc_info,
                ..
            } => {
                let nr = cpu.get(arch.regs.nr) as u64;
                let mut args = [0u64; 6];
                for (i, r) in arch.regs.args.iter().enumerate() {
                    args[i] = cpu.get(*r) as u64;
                }
                thread.sp = cpu.get(arch.regs.sp) as u64;
                crate::thread::enter_syscall(&thread.sig);
                let (ret, action) = syscall::dispatch(proc, thread, nr, args);
                match action {
                    // The kernel releases the caller's robust futexes on
                    // either exit, and every other thread's at exit_group.
                    Some(Action::ExitGroup(s)) => {
                        crate::thread::exit_group_robust_lists(mem, &proc.group, thread);
                        return LoopEnd::ExitGroup(s);
                    }
                    Some(Action::ExitThread(s)) => {
                        crate::thread::exit_robust_list(mem, thread);
                        return LoopEnd::ExitThread(s);
                    }
                    Some(Action::SigReturn) => signal::sigreturn(proc, cpu, thread),
                    Some(Action::Signal(sig, code)) => {
                        (arch.set_syscall_result)(cpu, &arch.regs, ret, sc_info);
                        signal::queue_self(thread, sig, code);
                    }
                    Some(Action::Clone(c)) => {
                        let r = match crate::thread::clone(sh, cpu, thread, &c) {
                            Ok(v) => v,
                            Err(e) => (-(e.0 as i64)) as u64,
                        };
                        if proc.log.strace {
                            proc.log
                                .line(&format!("{} clone result = {}\n", thread.tid, r as i64));
                        }
                        (arch.set_syscall_result)(cpu, &arch.regs, r, sc_info);
                    }
                    None => {
                        if ret as i64 == -(libc::EINTR as i64)
                            && restart_after_signal(proc, thread, nr, args[0])
                        {
                            // ERESTARTSYS: re-run the syscall instruction
                            // once the handler returns (x0 still holds the
                            // first argument).
                            let pc = cpu.pc().wrapping_sub(arch.signal.syscall_insn_len);
                            cpu.set_pc(pc);
                        } else {
                            (arch.set_syscall_result)(cpu, &arch.regs, ret, sc_info);
                        }
                    }
                }
            }
            Exit::Exception { kind, pc, info } => {
                let (sig, code, addr) = match kind {
                    ExceptionKind::Undefined => (libc::SIGILL, 1, pc), // ILL_ILLOPC
                    ExceptionKind::Breakpoint | ExceptionKind::Trap => (libc::SIGTRAP, 1, pc), // TRAP_BRKPT
                    ExceptionKind::FetchFault => {
                        // SEGV_ACCERR for a mapped but non-executable page.
                        let code = if mem.mapping_at(info).is_some() { 2 } else { 1 };
                        (libc::SIGSEGV, code, info)
                    }
                    ExceptionKind::PcAlignment => (libc::SIGBUS, 1, pc), // BUS_ADRALN
                    ExceptionKind::Yield => continue,
                    ExceptionKind::Syscall => unreachable!("handled above"),
                };
                log.unimp(&format!(
                    "guest exception {kind:?} at pc 0x{pc:x} (info 0x{info:x}) -> signal {sig}"
                ));
                cpu.set_pc(pc);
                let s = signal::SyncSignal {
                    sig,
                    info: signal::siginfo_fault(sig, code, addr),
                    fault_address: if kind == ExceptionKind::FetchFault {
                        addr
                    } else {
                        0
                    },
                    syndrome: None,
                };
                if !signal::has_handler(proc, thread, sig) {
                    finish(engine, log);
                }
                signal::deliver_sync(proc, cpu, thread, s);
            }
            Exit::Fault { fault, pc } => {
                if fault.write
                    && fault.kind == xlat_ir::abi::FaultKind::Protection
                    && mem.smc_write_fault(fault.addr)
                {
                    // A store into a page holding translated code: the
                    // translations are gone, the store runs again.
                    cpu.set_pc(pc);
                    continue;
                }
                let (sig, code) = signal::fault_signal(fault.kind);
                cpu.set_pc(pc);
                let s = signal::SyncSignal {
                    sig,
                    info: signal::siginfo_fault(sig, code, fault.addr),
                    // A branch target exception is no data abort: Linux
                    // leaves the sigcontext's fault_address 0.
                    fault_address: if fault.kind == xlat_ir::abi::FaultKind::BranchTarget {
                        0
                    } else {
                        fault.addr
                    },
                    syndrome: (arch.signal.fault_syndrome)(fault.write, fault.kind),
                };
                if !signal::has_handler(proc, thread, sig) {
                    finish(engine, log);
                }
                signal::deliver_sync(proc, cpu, thread, s);
            }
            Exit::Stopped => cpu.stop_handle().clear(),
        }
    }
}

/// With `-L PREFIX`, a dynamic linker that is a symbolic link with an
/// absolute target (Debian ppc64el's `/lib64/ld64.so.2` ->
/// `/lib/powerpc64le-linux-gnu/ld64.so.2`) is followed inside PREFIX, as
/// the guest system would resolve it, not on the host (where qemu-user's
/// `-L` fails on it). Relative targets resolve inside PREFIX by
/// themselves; at most 8 links are followed.
fn reroot_symlinks(prefix: Option<&std::path::Path>, mut host: PathBuf) -> PathBuf {
    let Some(pre) = prefix else { return host };
    if !host.starts_with(pre) {
        return host;
    }
    for _ in 0..8 {
        let Ok(target) = std::fs::read_link(&host) else {
            break;
        };
        let Ok(rel) = target.strip_prefix("/") else {
            break;
        };
        let inside = pre.join(rel);
        if std::fs::symlink_metadata(&inside).is_err() {
            break;
        }
        host = inside;
    }
    host
}

/// Loads the dynamic linker `path` (looked up under `prefix` first);
/// errors are (shown path, message).
fn load_interp(
    arch: &'static ArchDef,
    mem: &AddressSpace,
    prefix: Option<&std::path::Path>,
    path: &[u8],
) -> Result<elf::LoadedElf, (String, String)> {
    let host = syscall::prefixed_path(prefix, path);
    let host = reroot_symlinks(
        prefix,
        PathBuf::from(std::ffi::OsStr::from_bytes(host.as_bytes())),
    );
    let shown = String::from_utf8_lossy(path).into_owned();
    let data = crate::image::Image::open(&host).map_err(|e| {
        let msg = e.to_string();
        let msg = msg.split(" (os error").next().unwrap_or("").to_string();
        (shown.clone(), msg)
    })?;
    let real = std::fs::canonicalize(&host).unwrap_or(host);
    let name: Arc<str> = Arc::from(real.to_string_lossy().as_ref());
    elf::load_at(
        &data,
        data.fd(),
        mem,
        arch.elf_machine,
        arch.elf_machine_name,
        name,
        elf::Placement::Interpreter,
    )
    .map_err(|e| (shown, e.to_string()))
}

/// Syscalls that return EINTR after a handler even with `SA_RESTART`
/// (Linux's ERESTARTNOHAND / ERESTART_RESTARTBLOCK ones).
const NO_RESTART: &[&str] = &[
    "pause",
    "ppoll",
    "pselect6",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "nanosleep",
    "clock_nanosleep",
    "epoll_pwait",
    "epoll_pwait2",
    // PowerPC's own.
    "poll",
    "epoll_wait",
];

/// Socket calls that wait for data (`SO_RCVTIMEO`) or for room
/// (`SO_SNDTIMEO`): Linux does not restart them after a handler once that
/// timeout is set on the socket (their first argument), whatever
/// `SA_RESTART` says (`sock_intr_errno`).
const SOCKET_RECEIVE: &[&str] = &[
    "read", "readv", "recv", "recvfrom", "recvmsg", "accept", "accept4",
];
/// See [`SOCKET_RECEIVE`].
const SOCKET_SEND: &[&str] = &["write", "writev", "send", "sendto", "sendmsg", "connect"];

/// True if `fd` is a socket with a non-zero `SO_RCVTIMEO` (`receive`) or
/// `SO_SNDTIMEO`.
fn socket_timeout_set(fd: u64, receive: bool) -> bool {
    let opt = if receive {
        libc::SO_RCVTIMEO
    } else {
        libc::SO_SNDTIMEO
    };
    let mut tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    let mut len = std::mem::size_of::<libc::timeval>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into the local `tv`; a
    // descriptor that is no socket fails with ENOTSOCK.
    let r = unsafe {
        libc::getsockopt(
            fd as i32,
            libc::SOL_SOCKET,
            opt,
            &mut tv as *mut libc::timeval as *mut libc::c_void,
            &mut len,
        )
    };
    r == 0 && (tv.tv_sec != 0 || tv.tv_usec != 0)
}

/// Whether a syscall that returned EINTR is restarted: a signal with a
/// guest handler is about to be delivered, the handler has `SA_RESTART`,
/// and the syscall is restartable; or no signal is deliverable at all:
/// the host interrupted the call for a signal the guest blocks (one
/// xlat cannot block on the host, such as SIGSEGV sent by `kill`, or a
/// kick), which natively would not have interrupted it.
fn restart_after_signal(proc: &Process, thread: &ThreadState, nr: u64, fd: u64) -> bool {
    let Some(sig) = signal::deliverable(thread) else {
        return true;
    };
    let act = proc.sigaction(sig as u32);
    act.handler > 1
        && act.flags & signal::SA_RESTART != 0
        && proc.lookup(nr).is_some_and(|d| {
            let never = NO_RESTART.contains(&d.name)
                || (SOCKET_RECEIVE.contains(&d.name) && socket_timeout_set(fd, true))
                || (SOCKET_SEND.contains(&d.name) && socket_timeout_set(fd, false));
            !never
        })
}

/// End-of-run logging (`-d stats`).
pub fn finish(engine: &Engine, log: &Log) {
    if log.items.stats {
        log.line(&format!("{}\n", engine.stats()));
    }
}
