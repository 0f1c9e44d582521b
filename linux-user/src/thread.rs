//! Guest threads and processes: `clone` with `CLONE_VM | CLONE_THREAD`
//! makes one host thread per guest thread, each with its own [`Cpu`] from
//! the shared engine; thread exit (`CLONE_CHILD_CLEARTID` wake-up), the
//! thread group's bookkeeping, and the end of the process when the last
//! thread leaves. Fork is a host fork with a fresh engine; vfork a host
//! vfork sharing the memory and the engine.
//!
//! Memory is shared (one guest address space), so futexes pass through to
//! the host futex on the host address of the guest word.

use crate::errno::Errno;
use crate::probe;
use crate::run::{self, LoopEnd, Shared};
use crate::signal::{self, ThreadSignals};
use crate::syscall::ThreadState;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};
use xlat_exec::Cpu;
use xlat_ir::abi::HEADER_SIZE;

/// `CLONE_VM`.
pub const CLONE_VM: u64 = 0x100;
/// `CLONE_FS`.
pub const CLONE_FS: u64 = 0x200;
/// `CLONE_FILES`.
pub const CLONE_FILES: u64 = 0x400;
/// `CLONE_SIGHAND`.
pub const CLONE_SIGHAND: u64 = 0x800;
/// `CLONE_PIDFD`.
pub const CLONE_PIDFD: u64 = 0x1000;
/// `CLONE_PTRACE`.
pub const CLONE_PTRACE: u64 = 0x2000;
/// `CLONE_VFORK`.
pub const CLONE_VFORK: u64 = 0x4000;
/// `CLONE_PARENT`.
pub const CLONE_PARENT: u64 = 0x8000;
/// `CLONE_THREAD`.
pub const CLONE_THREAD: u64 = 0x10000;
/// `CLONE_SYSVSEM`.
pub const CLONE_SYSVSEM: u64 = 0x40000;
/// `CLONE_SETTLS`.
pub const CLONE_SETTLS: u64 = 0x80000;
/// `CLONE_PARENT_SETTID`.
pub const CLONE_PARENT_SETTID: u64 = 0x100000;
/// `CLONE_CHILD_CLEARTID`.
pub const CLONE_CHILD_CLEARTID: u64 = 0x200000;
/// `CLONE_DETACHED` (ignored by Linux).
pub const CLONE_DETACHED: u64 = 0x400000;
/// `CLONE_CHILD_SETTID`.
pub const CLONE_CHILD_SETTID: u64 = 0x1000000;
/// `CLONE_IO`.
pub const CLONE_IO: u64 = 0x8000_0000;
/// `CLONE_CLEAR_SIGHAND` (`clone3` only): the child's handlers go back
/// to SIG_DFL (glibc's `posix_spawn` asks for it).
pub const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;

/// Host stack size of a guest thread's host thread (run loop, interpreter,
/// synchronous Cranelift compiles).
const HOST_STACK: usize = 8 << 20;

/// The arguments of `clone`/`clone3` in one form.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct CloneArgs {
    /// `CLONE_*` flags (without the exit signal).
    pub flags: u64,
    /// New stack pointer (0: keep the parent's).
    pub stack: u64,
    /// `CLONE_PARENT_SETTID` address.
    pub parent_tid: u64,
    /// `CLONE_SETTLS` value.
    pub tls: u64,
    /// `CLONE_CHILD_SETTID` / `CLONE_CHILD_CLEARTID` address.
    pub child_tid: u64,
    /// Signal sent to the parent when a child process ends.
    pub exit_signal: u64,
}

/// The live threads of the guest process.
#[derive(Default)]
pub struct ThreadGroup {
    /// Signal state of each live thread, by tid (signals to a thread
    /// that the host does not route are queued here).
    threads: Mutex<HashMap<i32, Arc<ThreadSignals>>>,
    /// Number of live threads and the leader's exit status once it left.
    live: Mutex<(usize, Option<i32>)>,
    /// Signalled when a thread leaves.
    left: Condvar,
    /// Each live thread's `set_robust_list` head and length, by tid: at
    /// `exit_group` the kernel walks the list of every thread, not only
    /// the caller's.
    robust: Mutex<HashMap<i32, (u64, u64)>>,
}

impl std::fmt::Debug for ThreadGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadGroup").finish()
    }
}

impl ThreadGroup {
    /// Registers a live thread.
    pub fn add(&self, tid: i32, sig: Arc<ThreadSignals>) {
        self.insert(tid, sig);
        self.live.lock().unwrap_or_else(|e| e.into_inner()).0 += 1;
    }

    /// Puts `tid` in the thread table and among the threads a fork waits
    /// for ([`fork_state`]).
    fn insert(&self, tid: i32, sig: Arc<ThreadSignals>) {
        GATE.join(&sig);
        self.threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(tid, sig);
    }

    /// The signal state of thread `tid`, if it is one of ours.
    pub fn get(&self, tid: i32) -> Option<Arc<ThreadSignals>> {
        self.threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&tid)
            .cloned()
    }

    /// Records thread `tid`'s robust list (`set_robust_list`).
    pub fn set_robust(&self, tid: i32, list: (u64, u64)) {
        self.robust
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(tid, list);
    }

    /// Thread `tid`'s robust list, if it is a live thread that set one.
    pub fn robust(&self, tid: i32) -> Option<(u64, u64)> {
        self.robust
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&tid)
            .copied()
    }

    /// The robust lists of the live threads other than `except`.
    fn robust_lists_but(&self, except: i32) -> Vec<(i32, (u64, u64))> {
        let r = self.robust.lock().unwrap_or_else(|e| e.into_inner());
        r.iter()
            .filter(|(t, _)| **t != except)
            .map(|(t, l)| (*t, *l))
            .collect()
    }

    /// Runs `f` (the fork) with every lock of the group held, so that no
    /// other guest thread (one leaving, one starting) holds one of them
    /// in the child, where that thread does not exist: the child's
    /// [`ThreadGroup::reset`] would wait for it for ever. The locks are
    /// leaves (no code takes another lock while holding one of them), so
    /// the order here cannot deadlock.
    pub fn while_locked<R>(&self, f: impl FnOnce() -> R) -> R {
        let t = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        let l = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let r = self.robust.lock().unwrap_or_else(|e| e.into_inner());
        let out = f();
        drop((r, l, t));
        out
    }

    /// After fork: `tid` is the only thread.
    pub fn reset(&self, tid: i32, sig: Arc<ThreadSignals>) {
        GATE.lock().members = vec![sig.clone()];
        self.robust
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        let mut t = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        t.clear();
        t.insert(tid, sig);
        *self.live.lock().unwrap_or_else(|e| e.into_inner()) = (1, None);
    }

    /// Number of live threads.
    pub fn live(&self) -> usize {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).0
    }

    /// Unregisters `tid`; returns (threads left, leader status).
    fn remove(&self, tid: i32, leader_status: Option<i32>) -> (usize, Option<i32>) {
        let sig = self
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&tid);
        if let Some(sig) = sig {
            GATE.leave(&sig);
        }
        self.robust
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&tid);
        let mut l = self.live.lock().unwrap_or_else(|e| e.into_inner());
        l.0 = l.0.saturating_sub(1);
        if leader_status.is_some() {
            l.1 = leader_status;
        }
        self.left.notify_all();
        *l
    }
}

/// Where a guest thread stands for a fork by another thread of the
/// process (its [`ThreadSignals`]' fork state). A fork waits until every
/// other thread is [`BLOCKED`](fork_state::BLOCKED) or
/// [`PARKED`](fork_state::PARKED): then none holds a lock of xlat's,
/// which a forked child, where that thread does not exist, would inherit
/// held for ever.
pub mod fork_state {
    /// Running xlat code outside a syscall (guest code, the dispatcher,
    /// signal delivery): the fork asks it to stop (its CPU's stop word)
    /// and waits until it parks at the run loop's safe point.
    pub const GUEST: u32 = 0;
    /// Serving a syscall: the fork waits until it parks or blocks, for at
    /// most [`SYSCALL_WAIT`](super::SYSCALL_WAIT) (a host call xlat does
    /// not mark may block for ever; it holds no lock either).
    pub const SYSCALL: u32 = 1;
    /// Inside a host call made for the guest with no xlat lock held
    /// ([`blocking`](super::blocking)); it parks when it comes back while a
    /// fork is under way.
    pub const BLOCKED: u32 = 2;
    /// Waiting at the gate until the fork is over.
    pub const PARKED: u32 = 3;
}

/// How long a fork waits for threads that serve a syscall to park or
/// block before it goes ahead without them (they may be inside a host
/// call that blocks and is not marked, holding no lock).
pub const SYSCALL_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

/// The threads a fork waits for, and whether a fork is under way.
struct GateState {
    /// A thread is forking (between [`ForkGate::stop_others`] and
    /// [`ForkGate::resume_others`]).
    forking: bool,
    /// The guest threads of this process and a running vfork child (which
    /// shares this memory and xlat's locks).
    members: Vec<Arc<ThreadSignals>>,
}

/// The fork gate: one per host process ([`GATE`]); a vfork child shares
/// it with its parent (same memory), a forked child resets it.
struct ForkGate {
    /// Set while a fork is under way: threads check it at safe points.
    pending: std::sync::atomic::AtomicBool,
    state: Mutex<GateState>,
    /// Signalled when a thread parks, blocks or leaves, and when a fork
    /// ends.
    changed: Condvar,
}

/// The process's fork gate.
static GATE: ForkGate = ForkGate::new();

/// Threads of the process still at work, while a fork waits.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
struct Busy {
    /// Running guest code or the dispatcher (stop requested).
    guest: usize,
    /// Serving a syscall.
    syscall: usize,
}

/// The gate's lock, held from the end of [`ForkGate::stop_others`] to
/// [`ForkGate::resume_others`], so that no thread parks or leaves
/// meanwhile.
type GateGuard<'a> = std::sync::MutexGuard<'a, GateState>;

impl ForkGate {
    const fn new() -> ForkGate {
        ForkGate {
            pending: std::sync::atomic::AtomicBool::new(false),
            state: Mutex::new(GateState {
                forking: false,
                members: Vec::new(),
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> GateGuard<'_> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes `sig`'s thread one a fork waits for.
    fn join(&self, sig: &Arc<ThreadSignals>) {
        self.lock().members.push(sig.clone());
    }

    /// `sig`'s thread runs no more xlat code that matters to a fork (it
    /// left the thread group; a vfork child exec'd or exited).
    fn leave(&self, sig: &ThreadSignals) {
        self.lock()
            .members
            .retain(|m| !std::ptr::eq(Arc::as_ptr(m), sig));
        self.changed.notify_all();
    }

    /// See [`safe_point`].
    fn safe_point(&self, sig: &ThreadSignals) {
        sig.fork_state().store(fork_state::GUEST, Ordering::Relaxed);
        if self.pending.load(Ordering::Relaxed) {
            self.park(sig);
        }
    }

    /// See [`blocking`].
    fn blocking<R>(&self, sig: &ThreadSignals, f: impl FnOnce() -> R) -> R {
        let st = sig.fork_state();
        let before = st.swap(fork_state::BLOCKED, Ordering::SeqCst);
        if self.pending.load(Ordering::SeqCst) {
            // The forking thread may be waiting for this one.
            drop(self.lock());
            self.changed.notify_all();
        }
        let r = f();
        // Paired with the forking thread's store of `pending` and its
        // load of this state: one of the two sees the other.
        st.store(before, Ordering::SeqCst);
        if self.pending.load(Ordering::SeqCst) {
            self.park(sig);
        }
        r
    }

    /// Waits while a fork is under way (state PARKED meanwhile).
    #[cold]
    fn park(&self, sig: &ThreadSignals) {
        let st = sig.fork_state();
        let before = st.load(Ordering::Relaxed);
        let mut g = self.lock();
        while g.forking {
            st.store(fork_state::PARKED, Ordering::SeqCst);
            self.changed.notify_all();
            g = self.changed.wait(g).unwrap_or_else(|e| e.into_inner());
        }
        st.store(before, Ordering::SeqCst);
    }

    /// Looks at every member but `me`: asks those running guest code to
    /// stop and counts those still at work.
    fn busy(g: &GateState, me: &ThreadSignals) -> Busy {
        let mut b = Busy::default();
        for m in g
            .members
            .iter()
            .filter(|m| !std::ptr::eq(Arc::as_ptr(m), me))
        {
            match m.fork_state().load(Ordering::SeqCst) {
                fork_state::GUEST => {
                    m.request_stop();
                    b.guest += 1;
                }
                fork_state::SYSCALL => b.syscall += 1,
                _ => {}
            }
        }
        b
    }

    /// The start of a fork by `me`'s thread (qemu's `start_exclusive`):
    /// brings every other member to a point where it holds no lock of
    /// xlat's (parked at its run loop's safe point, or inside a host call
    /// made through [`blocking`]), waiting first for a fork of another
    /// thread to end. Threads that serve a syscall are waited for at most
    /// `syscall_wait`; returns how many were left so, with the gate's lock.
    fn stop_others(
        &self,
        me: &ThreadSignals,
        syscall_wait: std::time::Duration,
    ) -> (GateGuard<'_>, usize) {
        let st = me.fork_state();
        let mut g = self.lock();
        while g.forking {
            let before = st.swap(fork_state::PARKED, Ordering::SeqCst);
            self.changed.notify_all();
            g = self.changed.wait(g).unwrap_or_else(|e| e.into_inner());
            st.store(before, Ordering::SeqCst);
        }
        g.forking = true;
        self.pending.store(true, Ordering::SeqCst);
        let start = std::time::Instant::now();
        loop {
            let b = Self::busy(&g, me);
            if b == Busy::default() {
                return (g, 0);
            }
            if b.guest == 0 && start.elapsed() >= syscall_wait {
                return (g, b.syscall);
            }
            g = self
                .changed
                .wait_timeout(g, std::time::Duration::from_millis(1))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// The end of a fork, in the parent and in the child: parked threads
    /// go on (in the child there are none).
    fn resume_others(&self, mut g: GateGuard<'_>) {
        g.forking = false;
        self.pending.store(false, Ordering::SeqCst);
        drop(g);
        self.changed.notify_all();
    }
}

/// The run loop's safe point, before it runs guest code: waits while
/// another thread forks. A relaxed store and load when none does.
pub fn safe_point(sig: &ThreadSignals) {
    GATE.safe_point(sig);
}

/// The run loop serves a syscall (until its next [`safe_point`]).
pub fn enter_syscall(sig: &ThreadSignals) {
    sig.fork_state()
        .store(fork_state::SYSCALL, Ordering::Relaxed);
}

/// Runs `f`, a host call made for the guest that may block, while the
/// caller holds no lock of xlat's (it must hold none): a fork by another
/// thread need not wait for it. Coming back while a fork is under way,
/// the thread parks until it is over.
pub fn blocking<R>(sig: &ThreadSignals, f: impl FnOnce() -> R) -> R {
    GATE.blocking(sig, f)
}

/// Copies the guest registers (everything after the header) of `cpu`.
fn snapshot(cpu: &Cpu) -> Vec<u8> {
    cpu.env()[HEADER_SIZE..].to_vec()
}

/// `clone`: a new guest thread for `CLONE_VM | CLONE_THREAD`, a process
/// for a fork (no `CLONE_VM`: `fork`) or a vfork (`CLONE_VM |
/// CLONE_VFORK`: `vfork`); `CLONE_VM` alone is not supported (`ENOSYS`,
/// logged under `-d unimp`). Returns the child's tid.
pub fn clone(
    sh: &Arc<Shared>,
    cpu: &Cpu,
    parent: &ThreadState,
    c: &CloneArgs,
) -> Result<u64, Errno> {
    let proc = &sh.proc;
    if c.flags & (CLONE_VM | CLONE_THREAD) == 0 {
        return fork(sh, cpu, parent, c);
    }
    if c.flags & (CLONE_VM | CLONE_VFORK | CLONE_THREAD) == CLONE_VM | CLONE_VFORK {
        return if REAL_VFORK {
            vfork(sh, cpu, parent, c)
        } else {
            fork(sh, cpu, parent, c)
        };
    }
    if in_vfork_child() {
        // A host thread of a vfork child would be one of the parent's C
        // library and Rust runtime (shared memory, the parent thread's
        // TLS): refused.
        proc.log.unimp("clone of a thread in a vfork child");
        return Err(Errno(libc::EAGAIN));
    }
    let thread_flags = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND;
    if c.flags & thread_flags != thread_flags {
        proc.log.unimp(&format!(
            "Unsupported clone flags 0x{:x} (only threads are supported)",
            c.flags
        ));
        return Err(Errno::ENOSYS);
    }
    if c.flags & (CLONE_VFORK | CLONE_PIDFD | CLONE_PTRACE | CLONE_PARENT) != 0 {
        proc.log.unimp(&format!(
            "Unsupported clone flags 0x{:x} for a thread",
            c.flags
        ));
        return Err(Errno::EINVAL);
    }
    let regs = snapshot(cpu);
    let arch = proc.arch;
    let (tx, rx) = std::sync::mpsc::channel::<Result<i32, Errno>>();
    let sh2 = sh.clone();
    let c = *c;
    let mask = parent.sigmask;
    // The new host thread starts with every routed signal blocked, and
    // unblocks its guest mask once it is registered.
    signal::block_all_routed();
    // Compiled loops stop relying on ranges only this thread can change.
    sh.mem.note_thread();
    // Count the child before it exists, so the group never looks empty.
    proc.group.live.lock().unwrap_or_else(|e| e.into_inner()).0 += 1;
    let spawned = std::thread::Builder::new()
        .name("xlat-guest".into())
        .stack_size(HOST_STACK)
        .spawn(move || {
            // SAFETY: gettid cannot fail.
            let tid = unsafe { libc::gettid() };
            let _ = probe::install_alt_stack();
            let mut cpu = sh2.engine.new_cpu();
            cpu.env_mut()[HEADER_SIZE..].copy_from_slice(&regs);
            (arch.set_syscall_result)(&mut cpu, &arch.regs, 0, 0);
            if c.stack != 0 {
                cpu.set(arch.regs.sp, c.stack as u128);
            }
            if c.flags & CLONE_SETTLS != 0 {
                cpu.set(arch.regs.tls, c.tls as u128);
            }
            let mut thread = ThreadState {
                tid,
                sigmask: mask,
                altstack: (0, signal::SS_DISABLE, 0),
                clear_child_tid: if c.flags & CLONE_CHILD_CLEARTID != 0 {
                    c.child_tid
                } else {
                    0
                },
                ..Default::default()
            };
            thread.sig.attach_cpu(cpu.stop_handle());
            signal::register_thread(&thread.sig);
            sh2.proc.group.insert(tid, thread.sig.clone());
            let mem = &sh2.mem;
            let mut ok = Ok(tid);
            if c.flags & CLONE_PARENT_SETTID != 0
                && mem.write_u32(c.parent_tid, tid as u32).is_err()
            {
                ok = Err(Errno::EFAULT);
            }
            if c.flags & CLONE_CHILD_SETTID != 0 {
                let _ = mem.write_u32(c.child_tid, tid as u32);
            }
            let failed = ok.is_err();
            let _ = tx.send(ok);
            if failed {
                sh2.proc.group.remove(tid, None);
                return;
            }
            signal::apply_host_mask(thread.sigmask);
            match run::thread_loop(&sh2, &mut cpu, &mut thread) {
                LoopEnd::ExitGroup(s) => exit_group(&sh2, s),
                LoopEnd::ExitThread(_) => thread_exit(&sh2, &thread),
            }
        });
    signal::apply_host_mask(parent.sigmask);
    match spawned {
        Ok(_) => match rx.recv() {
            Ok(Ok(tid)) => Ok(tid as u64),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Errno(libc::EAGAIN)),
        },
        Err(_) => {
            proc.group.remove(-1, None);
            Err(Errno(libc::EAGAIN))
        }
    }
}

/// Whether a guest `vfork` (`CLONE_VM | CLONE_VFORK` without
/// `CLONE_THREAD`) is a host vfork sharing the memory ([`vfork`]) rather
/// than a fork whose parent waits ([`fork`]), the fallback.
const REAL_VFORK: bool = true;

/// Host stack of a vfork child (run loop, interpreter; it never
/// compiles).
const VFORK_STACK: usize = HOST_STACK;

/// Everything a vfork child runs with. The parent allocates it before the
/// clone and frees it when it resumes: the child never returns (it execs
/// or exits), so nothing it uses stays allocated in the memory it shares
/// with its parent.
struct VforkChild {
    /// The child's process: own dispositions and thread group, the
    /// parent's engine, log and memory.
    sh: Arc<Shared>,
    /// The child's guest CPU (from the parent's engine, never compiling).
    cpu: Cpu,
    /// The child's guest thread.
    thread: ThreadState,
    /// Signals whose host handler goes back to SIG_DFL in the child
    /// (`CLONE_CLEAR_SIGHAND`; bit `sig - 1`).
    cleared: u64,
    /// What the child's `execve` keeps alive for a successful exec.
    parked: Vec<Box<dyn std::any::Any>>,
    /// Set by a child that exits (rather than execs).
    exiting: std::sync::atomic::AtomicBool,
}

thread_local! {
    /// In a vfork child: its [`VforkChild`]. The child runs on its
    /// suspended parent thread's thread-local storage, so the child sets
    /// this and the parent puts its own value back when it resumes
    /// (nested vforks stack up). Null elsewhere.
    static VFORK_CHILD: std::cell::Cell<*mut VforkChild> =
        const { std::cell::Cell::new(std::ptr::null_mut()) };
}

/// True on a host thread that runs a vfork child (which shares its
/// parent's memory and thread-local storage).
pub fn in_vfork_child() -> bool {
    !VFORK_CHILD.with(|c| c.get()).is_null()
}

/// For `execve`: in a vfork child, keeps `v` (the exec's strings) until
/// the parent resumes and frees it, since a successful exec never
/// returns to drop it in the memory the child shares; returns `None`.
/// Elsewhere returns `v` for the caller to keep over the call.
pub fn vfork_park(v: Box<dyn std::any::Any>) -> Option<Box<dyn std::any::Any>> {
    let child = VFORK_CHILD.with(|c| c.get());
    if child.is_null() {
        return Some(v);
    }
    // SAFETY: a non-null pointer is this host thread's live child record
    // (see `vfork`), used only by this thread.
    unsafe { (*child).parked.push(v) };
    None
}

/// An mmap'd host stack with a guard page below it, unmapped on drop.
struct HostStack {
    base: *mut libc::c_void,
    len: usize,
}

impl HostStack {
    fn new(size: usize) -> Result<HostStack, Errno> {
        let len = size + 4096;
        // SAFETY: a fresh anonymous mapping; no existing memory is touched.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_STACK,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(Errno(libc::EAGAIN));
        }
        // SAFETY: the lowest page of the mapping just made.
        unsafe { libc::mprotect(base, 4096, libc::PROT_NONE) };
        Ok(HostStack { base, len })
    }

    /// The initial stack pointer (16-byte aligned top).
    fn top(&self) -> *mut libc::c_void {
        // SAFETY: one past the end of the mapping.
        unsafe { self.base.cast::<u8>().add(self.len).cast() }
    }
}

impl Drop for HostStack {
    fn drop(&mut self) {
        // SAFETY: unmapping the mapping this value owns, no longer in use.
        unsafe { libc::munmap(self.base, self.len) };
    }
}

/// A guest vfork (`CLONE_VM | CLONE_VFORK`): a host
/// `clone(CLONE_VM | CLONE_VFORK)` on a stack of its own. The child
/// shares xlat's whole address space, so its stores (posix_spawn's exec
/// error) are the parent's, as natively; the kernel suspends the parent
/// thread until the child execs or exits. The child continues the guest
/// on a copy of the CPU state with the parent's engine (the engine's
/// locks are futexes shared across the two processes, which other parent
/// threads release), but compiles nothing: a compiler thread it started
/// would be its own. It has its own dispositions ([`Process::vfork_copy`]),
/// runs on the parent thread's thread-local storage (which the parent
/// restores when it resumes: the signal state pointer, the vfork record)
/// and ends with a raw `_exit` (no exit handlers, no destructors).
///
/// [`Process::vfork_copy`]: crate::syscall::Process::vfork_copy
fn vfork(sh: &Arc<Shared>, cpu: &Cpu, parent: &ThreadState, c: &CloneArgs) -> Result<u64, Errno> {
    let proc = &sh.proc;
    if c.flags & (CLONE_SIGHAND | CLONE_PIDFD | CLONE_PTRACE | CLONE_PARENT) != 0 {
        proc.log.unimp(&format!(
            "Unsupported clone flags 0x{:x} for a vfork",
            c.flags
        ));
        return Err(Errno::EINVAL);
    }
    if c.exit_signal > 64 {
        return Err(Errno::EINVAL);
    }
    let tid_ptr = |on: bool, addr: u64| -> Result<*mut u8, Errno> {
        if on {
            sh.mem.syscall_ptr(addr, 4)
        } else {
            Ok(std::ptr::null_mut())
        }
    };
    let ptid = tid_ptr(c.flags & CLONE_PARENT_SETTID != 0, c.parent_tid)?;
    let ctid = tid_ptr(
        c.flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) != 0,
        c.child_tid,
    )?;
    let clear = c.flags & CLONE_CLEAR_SIGHAND != 0;
    let child_proc = proc.vfork_copy(clear);
    let cleared = if clear {
        let t = proc.sigactions.lock().unwrap_or_else(|e| e.into_inner());
        (1..=64)
            .filter(|&s| t[s - 1].handler > 1)
            .fold(0u64, |m, s| m | 1 << (s - 1))
    } else {
        0
    };
    let arch = proc.arch;
    let mut ccpu = sh.engine.new_cpu();
    ccpu.set_no_compile(true);
    ccpu.env_mut()[HEADER_SIZE..].copy_from_slice(&snapshot(cpu));
    (arch.set_syscall_result)(&mut ccpu, &arch.regs, 0, 0);
    if c.stack != 0 {
        ccpu.set(arch.regs.sp, c.stack as u128);
    }
    if c.flags & CLONE_SETTLS != 0 {
        ccpu.set(arch.regs.tls, c.tls as u128);
    }
    // The kernel gives a new task no robust list; the tid words are the
    // host's to write and clear (at exec or exit).
    let thread = ThreadState {
        sigmask: parent.sigmask,
        altstack: parent.altstack,
        ..Default::default()
    };
    thread.sig.attach_cpu(ccpu.stop_handle());
    let child = Box::new(VforkChild {
        sh: Arc::new(Shared {
            proc: Arc::new(child_proc),
            engine: sh.engine.clone(),
            log: sh.log.clone(),
            mem: sh.mem.clone(),
        }),
        cpu: ccpu,
        thread,
        cleared,
        parked: Vec::new(),
        exiting: std::sync::atomic::AtomicBool::new(false),
    });
    let stack = HostStack::new(VFORK_STACK)?;
    let passed = c.flags
        & (CLONE_VM
            | CLONE_VFORK
            | CLONE_FS
            | CLONE_FILES
            | CLONE_SYSVSEM
            | CLONE_IO
            | CLONE_PARENT_SETTID
            | CLONE_CHILD_SETTID
            | CLONE_CHILD_CLEARTID);
    let outer = VFORK_CHILD.with(|v| v.get());
    // No routed signal may run a host handler on this thread until its
    // thread-local signal state is its own again (the child sets it to
    // its own); the child starts with this mask too.
    signal::block_all_routed();
    let child_sig = child.thread.sig.clone();
    let raw = Box::into_raw(child);
    // While suspended, this thread holds no lock; the child is a member of
    // the fork gate on its own until it execs or exits, when this thread
    // takes it out (still inside `blocking`: a fork under way meanwhile
    // need not wait for either).
    let (pid, err) = blocking(&parent.sig, || {
        // SAFETY: the child runs `vfork_child` on its own stack with
        // `raw`, which stays allocated until this call returns: the kernel
        // suspends this thread until the child has exec'd or exited. No
        // host TLS change (no CLONE_SETTLS); the tid pointers point into
        // the guest reservation or are null.
        let pid = unsafe {
            libc::clone(
                vfork_child,
                stack.top(),
                (passed | c.exit_signal) as libc::c_int,
                raw.cast(),
                ptid,
                std::ptr::null_mut::<libc::c_void>(),
                ctid,
            )
        };
        let err = Errno::last();
        GATE.leave(&child_sig);
        (pid, err)
    });
    // The child is gone from this memory: this thread's state is its own.
    VFORK_CHILD.with(|v| v.set(outer));
    signal::register_thread(&parent.sig);
    signal::resync_guest_sets(proc);
    // SAFETY: `raw` came from `Box::into_raw` above and the child no
    // longer uses it.
    let child = unsafe { Box::from_raw(raw) };
    if pid > 0 && child.exiting.load(std::sync::atomic::Ordering::SeqCst) {
        wait_zombie(pid);
    }
    drop(child);
    drop(stack);
    signal::apply_host_mask(parent.sigmask);
    if pid < 0 {
        return Err(err);
    }
    Ok(pid as u64)
}

/// Waits (without reaping) until the exiting child `pid` is a zombie.
/// The kernel resumes a vfork parent when the child releases the memory,
/// a moment before an exiting child becomes one; waiting lets
/// `waitpid(WNOHANG)` right after `vfork` see it, as it (almost always)
/// does natively.
fn wait_zombie(pid: libc::pid_t) {
    loop {
        // SAFETY: waitid writes into a local siginfo; WNOWAIT leaves the
        // child to the guest's own wait.
        let r = unsafe {
            let mut si: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut si,
                libc::WEXITED | libc::WNOWAIT | libc::__WALL,
            )
        };
        if r == 0 || Errno::last() != Errno(libc::EINTR) {
            break;
        }
    }
}

/// The child side of [`vfork`], on its own host stack: runs the guest
/// until it execs (never returns) or exits (a raw `_exit`).
extern "C" fn vfork_child(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the parent's record, alive and used by nobody
    // else until this child has exec'd or exited.
    let child = unsafe { &mut *arg.cast::<VforkChild>() };
    VFORK_CHILD.with(|v| v.set(child));
    // SAFETY: gettid cannot fail.
    let tid = unsafe { libc::gettid() };
    child.thread.tid = tid;
    signal::register_thread(&child.thread.sig);
    let proc = &child.sh.proc;
    proc.group.add(tid, child.thread.sig.clone());
    // Handlers CLONE_CLEAR_SIGHAND reset, and the signals that kill by
    // default (which wait for a safe point in a vfork child: see
    // `signal::sync_host_disposition`).
    for sig in 1..=64 {
        let act = proc.sigaction(sig as u32);
        let deferred = act.handler == 0
            && signal::host_routed(sig)
            && signal::default_action(sig) == signal::DefaultAction::Terminate;
        if deferred || child.cleared & 1 << (sig - 1) != 0 {
            signal::sync_host_disposition(sig, &act);
        }
    }
    signal::apply_host_mask(child.thread.sigmask);
    let status = match run::thread_loop(&child.sh, &mut child.cpu, &mut child.thread) {
        LoopEnd::ExitGroup(s) | LoopEnd::ExitThread(s) => s,
    };
    child
        .exiting
        .store(true, std::sync::atomic::Ordering::SeqCst);
    // SAFETY: ends this child process only, without exit handlers or
    // destructors (the memory is the parent's).
    unsafe { libc::_exit(status & 0xff) }
}

/// In a `vfork` child: the write end of the pipe its parent waits on
/// (close-on-exec, so it closes when the child execs or exits); -1
/// elsewhere.
static VFORK_FD: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

/// Creates the pipe a vfork parent waits on, its ends moved to high fd
/// numbers so that the guest's own fds are numbered as natively.
fn vfork_pipe() -> Result<(i32, i32), Errno> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a local array of two ints.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(Errno::last());
    }
    // SAFETY: getrlimit writes into a local.
    let limit = unsafe {
        let mut rl: libc::rlimit = std::mem::zeroed();
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl);
        rl.rlim_cur
    };
    let low = limit.saturating_sub(16).clamp(3, 1 << 20) as libc::c_int;
    for f in &mut fds {
        // SAFETY: duplicating and closing fds this function created.
        unsafe {
            let h = libc::fcntl(*f, libc::F_DUPFD_CLOEXEC, low);
            if h >= 0 {
                libc::close(*f);
                *f = h;
            }
        }
    }
    Ok((fds[0], fds[1]))
}

/// The parent side of a vfork: blocks until the child has closed its end
/// of the pipe (by exiting or by a successful exec). A child that exits
/// writes a byte first; then the parent also waits (without reaping) until
/// the child is a zombie, so `waitpid(WNOHANG)` right after `vfork`
/// returns sees it, as it (almost always) does natively.
fn vfork_wait(r: i32, pid: libc::pid_t) {
    let mut b = [0u8; 1];
    let n = loop {
        // SAFETY: reading one byte into a local from a pipe we own.
        let n = unsafe { libc::read(r, b.as_mut_ptr().cast(), 1) };
        if n >= 0 || Errno::last() != Errno(libc::EINTR) {
            break n;
        }
    };
    // SAFETY: closing our own fd.
    unsafe { libc::close(r) };
    if n == 1 {
        wait_zombie(pid);
    }
}

/// Called when the process exits: a vfork child tells its parent that it
/// exits (rather than execs).
fn vfork_exiting() {
    let fd = VFORK_FD.swap(-1, std::sync::atomic::Ordering::Relaxed);
    if fd >= 0 {
        // SAFETY: writing one byte from a local to our own pipe end.
        unsafe { libc::write(fd, b"x".as_ptr().cast(), 1) };
    }
}

/// `fork` and `clone` without `CLONE_VM`: a host `fork`. With
/// `CLONE_VFORK` (and, when [`REAL_VFORK`] is off, for a guest vfork) the
/// parent thread is suspended until the child execs or exits, as the
/// kernel does; it waits for EOF on a close-on-exec pipe whose write end
/// only the child holds. The child gets a copy of the memory, so for a
/// guest vfork what the child writes is not seen by the parent:
/// `posix_spawn` then reports a failed exec as a child exiting with
/// status 127 instead of an error return.
fn fork(sh: &Arc<Shared>, cpu: &Cpu, parent: &ThreadState, c: &CloneArgs) -> Result<u64, Errno> {
    let proc = &sh.proc;
    if c.flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_PIDFD | CLONE_PTRACE | CLONE_PARENT) != 0 {
        proc.log.unimp(&format!(
            "Unsupported clone flags 0x{:x} for a process",
            c.flags
        ));
        return Err(Errno::EINVAL);
    }
    if c.exit_signal != libc::SIGCHLD as u64 {
        proc.log.unimp(&format!(
            "clone exit signal {} treated as SIGCHLD",
            c.exit_signal
        ));
    }
    let vfork = if c.flags & CLONE_VFORK != 0 {
        Some(vfork_pipe()?)
    } else {
        None
    };
    let regs = snapshot(cpu);
    signal::block_all_routed();
    // Every other thread of the process (and a vfork child sharing it)
    // stopped where it holds no lock of xlat's, and the compiler thread
    // between two compiles: the child, where none of them exists, inherits
    // no lock held (the log's, the address space's, the allocator's
    // arenas are glibc's own business at fork).
    // The compiler first: a thread may be waiting for a lock it holds
    // (an invalidation in munmap or mprotect waits for the compile).
    let compiler = sh.engine.pause_compiler();
    let (gate, left) = GATE.stop_others(&parent.sig, SYSCALL_WAIT);
    // The mappings (and the invalidate hook), the dispositions, the thread
    // group and the log are locked as well, for threads the gate did not
    // wait for.
    let pid = sh.mem.while_locked(|| {
        let acts = proc.sigactions.lock().unwrap_or_else(|e| e.into_inner());
        let pid = proc.group.while_locked(|| {
            // The engine, kept by the child, takes the compiler's pause.
            sh.engine.fork(
                compiler,
                // SAFETY: fork duplicates the process; the child continues
                // only in `forked_child`, which never returns into the
                // parent's frames.
                || proc.log.while_locked(|| unsafe { libc::fork() }),
                |&pid| pid == 0,
            )
        });
        drop(acts);
        pid
    });
    GATE.resume_others(gate);
    if left > 0 && pid != 0 {
        // Logged with the other threads running again (one of them may be
        // the reader of the log's pipe).
        proc.log.unimp(&format!(
            "fork: {left} thread(s) still serving a syscall after {SYSCALL_WAIT:?}: forked without waiting for them"
        ));
    }
    if pid == 0 {
        // The child holds only its own vfork pipe end, if any (not one
        // inherited from a vfork parent of its own).
        let mine = vfork.map_or(-1, |(r, w)| {
            // SAFETY: closing the read end, which only the parent uses.
            unsafe { libc::close(r) };
            w
        });
        let old = VFORK_FD.swap(mine, std::sync::atomic::Ordering::Relaxed);
        if old >= 0 {
            // SAFETY: closing an fd xlat created.
            unsafe { libc::close(old) };
        }
        forked_child(sh, regs, parent, c);
    }
    if let Some((r, w)) = vfork {
        // SAFETY: closing our copy of the write end (the child has its own).
        unsafe { libc::close(w) };
        if pid > 0 {
            blocking(&parent.sig, || vfork_wait(r, pid));
        } else {
            // SAFETY: the fork failed; closing our own fd.
            unsafe { libc::close(r) };
        }
    }
    signal::apply_host_mask(parent.sigmask);
    if pid < 0 {
        return Err(Errno::last());
    }
    if c.flags & CLONE_PARENT_SETTID != 0 {
        let _ = sh.mem.write_u32(c.parent_tid, pid as u32);
    }
    Ok(pid as u64)
}

/// The child side of a fork: only the forking host thread exists. The
/// child keeps the parent's engine (see [`xlat_exec::Engine::fork`]), its
/// translations and compiled code, and continues the guest thread on a new
/// CPU with the parent's registers.
fn forked_child(sh: &Arc<Shared>, regs: Vec<u8>, parent: &ThreadState, c: &CloneArgs) -> ! {
    // SAFETY: gettid cannot fail.
    let tid = unsafe { libc::gettid() };
    let proc = &sh.proc;
    let arch = proc.arch;
    let mut cpu = sh.engine.new_cpu();
    cpu.env_mut()[HEADER_SIZE..].copy_from_slice(&regs);
    (arch.set_syscall_result)(&mut cpu, &arch.regs, 0, 0);
    if c.stack != 0 {
        cpu.set(arch.regs.sp, c.stack as u128);
    }
    if c.flags & CLONE_SETTLS != 0 {
        cpu.set(arch.regs.tls, c.tls as u128);
    }
    let mut thread = ThreadState {
        tid,
        sigmask: parent.sigmask,
        altstack: parent.altstack,
        robust_list: parent.robust_list,
        clear_child_tid: if c.flags & CLONE_CHILD_CLEARTID != 0 {
            c.child_tid
        } else {
            0
        },
        ..Default::default()
    };
    thread.sig.attach_cpu(cpu.stop_handle());
    signal::register_main_thread(&thread.sig);
    proc.group.reset(tid, thread.sig.clone());
    proc.group.set_robust(tid, thread.robust_list);
    if c.flags & CLONE_CHILD_SETTID != 0 {
        let _ = sh.mem.write_u32(c.child_tid, tid as u32);
    }
    signal::apply_host_mask(thread.sigmask);
    let status = match run::thread_loop(sh, &mut cpu, &mut thread) {
        LoopEnd::ExitGroup(s) => s,
        LoopEnd::ExitThread(s) => leader_exit(sh, &thread, s),
    };
    exit_group(sh, status)
}

/// `exit_group` from any thread: ends the process with `status`.
///
/// It ends it with `_exit`, not through the Rust runtime's exit: the
/// runtime's clean-up takes a lock of its own that a forked child can have
/// inherited held (another thread of the parent was starting or ending at
/// the fork), and it has nothing to flush (xlat's log writes each line
/// through, the guest writes by syscalls, and Rust's stdout is written
/// only before a guest runs).
pub fn exit_group(sh: &Shared, status: i32) -> ! {
    vfork_exiting();
    run::finish(&sh.engine, &sh.log);
    // SAFETY: ends the process; nothing runs after it.
    unsafe { libc::_exit(status & 0xff) }
}

/// Clears and wakes the `CLONE_CHILD_CLEARTID` word, as the kernel does
/// when a thread exits (`pthread_join` waits on it).
fn clear_tid(sh: &Shared, thread: &ThreadState) {
    let a = thread.clear_child_tid;
    if a == 0 || !a.is_multiple_of(4) || sh.mem.write_u32(a, 0).is_err() {
        return;
    }
    if let Ok(p) = sh.mem.syscall_ptr(a, 4) {
        // SAFETY: `p` is the host address of a mapped guest word; a shared
        // FUTEX_WAKE does not write memory.
        unsafe { libc::syscall(libc::SYS_futex, p, libc::FUTEX_WAKE, 1, 0, 0, 0) };
    }
}

/// `FUTEX_WAITERS`: a robust futex word has waiters.
const FUTEX_WAITERS: u32 = 0x8000_0000;
/// `FUTEX_OWNER_DIED`: the owner of a robust futex exited holding it.
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
/// `FUTEX_TID_MASK`: the owner's tid in a robust futex word.
const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// Linux's bound on the robust list walk (a circular list ends it).
const ROBUST_LIST_LIMIT: usize = 2048;

/// Wakes one waiter of the guest futex word at host address `p` (shared
/// wake, as the kernel's robust-list handling and glibc's robust mutexes
/// use).
fn futex_wake_one(p: *mut u8) {
    // SAFETY: `p` is the host address of a guest word; FUTEX_WAKE does
    // not write memory and reports a bad address itself.
    unsafe { libc::syscall(libc::SYS_futex, p, libc::FUTEX_WAKE, 1, 0, 0, 0) };
}

/// `handle_futex_death` of the kernel for the robust futex word at guest
/// `uaddr` of exiting thread `tid`: if the thread owns it, mark it
/// `FUTEX_OWNER_DIED` (keeping `FUTEX_WAITERS`) and wake one waiter of a
/// non-PI futex; a pending lock operation on a free word wakes one waiter.
/// Unmapped or misaligned words are left alone.
fn futex_death(mem: &crate::mmap::AddressSpace, uaddr: u64, tid: i32, pi: bool, pending: bool) {
    if !uaddr.is_multiple_of(4) {
        return;
    }
    let Ok(p) = mem.syscall_ptr(uaddr, 4) else {
        return;
    };
    if p.is_null() {
        return;
    }
    // SAFETY: fault-safe probe of a guest word.
    let Ok(mut uval) = (unsafe { probe::load(p, 4) }).map(|v| v as u32) else {
        return;
    };
    loop {
        if pending && !pi && uval == 0 {
            futex_wake_one(p);
            return;
        }
        if uval & FUTEX_TID_MASK != tid as u32 {
            return;
        }
        let new = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        // SAFETY: fault-safe atomic CAS on an aligned guest word.
        match unsafe { probe::cas(p, 4, uval as u128, new as u128) } {
            Ok(old) if old as u32 == uval => break,
            Ok(old) => uval = old as u32,
            Err(_) => return,
        }
    }
    if !pi && uval & FUTEX_WAITERS != 0 {
        futex_wake_one(p);
    }
}

/// Walks the thread's robust futex list (`set_robust_list`) as the kernel
/// does when a thread exits: every lock it still holds is marked
/// `FUTEX_OWNER_DIED` and one waiter is woken, so the next locker of a
/// robust pthread mutex gets `EOWNERDEAD`. The list head is
/// `{ list, futex_offset, list_op_pending }` (three 64-bit words); bit 0
/// of an entry pointer marks a PI futex.
pub fn exit_robust_list(mem: &crate::mmap::AddressSpace, thread: &ThreadState) {
    walk_robust_list(mem, thread.tid, thread.robust_list);
}

/// `exit_group`: the calling thread's robust list and then every other
/// live thread's, as Linux walks each thread's list when the group's
/// threads die (a process-shared robust mutex held by any thread of the
/// process goes to the next locker with `EOWNERDEAD`). The other threads
/// may still run meanwhile; `futex_death` changes only words they own,
/// with a compare-and-swap.
pub fn exit_group_robust_lists(
    mem: &crate::mmap::AddressSpace,
    group: &ThreadGroup,
    thread: &ThreadState,
) {
    exit_robust_list(mem, thread);
    for (tid, list) in group.robust_lists_but(thread.tid) {
        walk_robust_list(mem, tid, list);
    }
}

/// Walks robust list `(head, len)` of exiting thread `tid`.
fn walk_robust_list(mem: &crate::mmap::AddressSpace, tid: i32, (head, len): (u64, u64)) {
    if head == 0 || len != 24 {
        return;
    }
    let (Ok(first), Ok(offset), Ok(pending)) = (
        mem.read_u64(head),
        mem.read_u64(head + 8),
        mem.read_u64(head + 16),
    ) else {
        return;
    };
    let word = |entry: u64| entry.wrapping_add(offset);
    let (pending_pi, pending) = (pending & 1 != 0, pending & !1);
    let (mut entry, mut pi) = (first & !1, first & 1 != 0);
    for _ in 0..ROBUST_LIST_LIMIT {
        if entry == head {
            break;
        }
        // The next pointer is read before the entry's lock is released.
        let next = mem.read_u64(entry);
        if entry != pending {
            futex_death(mem, word(entry), tid, pi, false);
        }
        let Ok(next) = next else {
            break;
        };
        (entry, pi) = (next & !1, next & 1 != 0);
    }
    if pending != 0 {
        futex_death(mem, word(pending), tid, pending_pi, true);
    }
}

/// A non-leader thread calls `exit`: clear its tid word, leave the group,
/// and end the process if it was the last thread (with the leader's
/// status, as Linux reports the group leader's exit code).
fn thread_exit(sh: &Shared, thread: &ThreadState) {
    // No longer a candidate for process-directed signals once a joiner
    // can see this thread gone.
    signal::block_all_routed();
    signal::redirect_pending(thread);
    signal::unregister_thread();
    clear_tid(sh, thread);
    let (left, leader) = sh.proc.group.remove(thread.tid, None);
    if left == 0 {
        exit_group(sh, leader.unwrap_or(0));
    }
}

/// The leader thread calls `exit`: if other threads live on, the process
/// continues and ends when the last one leaves (this host thread waits);
/// returns the process exit status when the leader was the last.
pub fn leader_exit(sh: &Shared, thread: &ThreadState, status: i32) -> i32 {
    signal::block_all_routed();
    signal::redirect_pending(thread);
    clear_tid(sh, thread);
    let g = &sh.proc.group;
    let (left, _) = g.remove(thread.tid, Some(status));
    if left == 0 {
        return status;
    }
    // Wait for the others; the last one ends the process itself.
    let mut l = g.live.lock().unwrap_or_else(|e| e.into_inner());
    while l.0 != 0 {
        l = g.left.wait(l).unwrap_or_else(|e| e.into_inner());
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmap::test_space as space;

    /// A fork waits until a thread running guest code parks at its safe
    /// point and keeps it there; a thread inside a blocking host call is
    /// not waited for, but parks when the call returns during the fork;
    /// one serving a syscall is waited for up to the bound only.
    #[test]
    fn fork_gate_stops_the_other_threads() {
        use std::sync::atomic::{AtomicBool, AtomicU64};
        use std::time::Duration;
        let gate = ForkGate::new();
        let [me, guest, blocked, syscall]: [Arc<ThreadSignals>; 4] = Default::default();
        for m in [&me, &guest, &blocked, &syscall] {
            gate.join(m);
        }
        let (laps, returned, quit) = (
            AtomicU64::new(0),
            AtomicBool::new(false),
            AtomicBool::new(false),
        );
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|sc| {
            sc.spawn(|| {
                while !quit.load(Ordering::SeqCst) {
                    gate.safe_point(&guest);
                    laps.fetch_add(1, Ordering::SeqCst);
                }
            });
            let (g2, b2, r2) = (&gate, &blocked, &returned);
            sc.spawn(move || {
                g2.blocking(b2, || rx.recv().expect("sender"));
                r2.store(true, Ordering::SeqCst);
            });
            enter_syscall(&syscall);
            while blocked.fork_state().load(Ordering::SeqCst) != fork_state::BLOCKED {
                std::thread::yield_now();
            }
            let t0 = std::time::Instant::now();
            let (g, left) = gate.stop_others(&me, Duration::from_millis(50));
            assert_eq!(left, 1, "the thread serving a syscall, after the bound");
            assert!(t0.elapsed() >= Duration::from_millis(50));
            assert_eq!(
                guest.fork_state().load(Ordering::SeqCst),
                fork_state::PARKED
            );
            let n = laps.load(Ordering::SeqCst);
            // The blocked thread's call returns during the fork: it waits
            // (for the gate's lock, which the fork holds).
            tx.send(()).expect("receiver");
            std::thread::sleep(Duration::from_millis(30));
            assert_eq!(
                laps.load(Ordering::SeqCst),
                n,
                "the guest thread stays parked"
            );
            assert!(
                !returned.load(Ordering::SeqCst),
                "back from blocking during the fork"
            );
            gate.resume_others(g);
            while laps.load(Ordering::SeqCst) == n || !returned.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
            quit.store(true, Ordering::SeqCst);
        });
        // Threads that left are not waited for; with none busy, no wait.
        for m in [&guest, &blocked, &syscall] {
            gate.leave(m);
        }
        let t0 = std::time::Instant::now();
        let (g, left) = gate.stop_others(&me, Duration::from_secs(60));
        assert_eq!(left, 0);
        assert!(t0.elapsed() < Duration::from_secs(30));
        gate.resume_others(g);
    }

    #[test]
    fn robust_list_walk_marks_owned_locks_only() {
        let mem = space();
        let tid = 1234;
        let (head, off) = (0x10000u64, 16u64);
        // head -> a -> b (PI) -> c -> head; d is the pending operation.
        let (a, b, c, d) = (0x10100u64, 0x10200u64, 0x10300u64, 0x10400u64);
        mem.write_u64(head, a).unwrap();
        mem.write_u64(head + 8, off).unwrap();
        mem.write_u64(head + 16, d).unwrap();
        mem.write_u64(a, b | 1).unwrap();
        mem.write_u64(b, c).unwrap();
        mem.write_u64(c, head).unwrap();
        mem.write_u32(a + off, tid as u32 | FUTEX_WAITERS).unwrap();
        mem.write_u32(b + off, tid as u32).unwrap();
        mem.write_u32(c + off, 999).unwrap();
        mem.write_u32(d + off, tid as u32).unwrap();
        let t = ThreadState {
            tid,
            robust_list: (head, 24),
            ..Default::default()
        };
        exit_robust_list(&mem, &t);
        let word = |e: u64| mem.read_u32(e + off).unwrap();
        assert_eq!(word(a), FUTEX_WAITERS | FUTEX_OWNER_DIED, "waiters kept");
        assert_eq!(word(b), FUTEX_OWNER_DIED, "PI entry marked too");
        assert_eq!(word(c), 999, "another thread's lock untouched");
        assert_eq!(word(d), FUTEX_OWNER_DIED, "the pending operation's lock");
    }

    #[test]
    fn exit_group_walks_every_threads_robust_list() {
        let mem = space();
        let group = ThreadGroup::default();
        // Threads 10 (the caller), 11 and 12 each hold one lock; 13 left
        // the group before exit_group; each list has one entry.
        let off = 8u64;
        let list = |i: u64| (0x10000 + i * 0x100, 0x10000 + i * 0x100 + 0x40);
        for (i, tid) in [10i32, 11, 12, 13].into_iter().enumerate() {
            let (head, e) = list(i as u64);
            mem.write_u64(head, e).unwrap();
            mem.write_u64(head + 8, off).unwrap();
            mem.write_u64(head + 16, 0).unwrap();
            mem.write_u64(e, head).unwrap();
            mem.write_u32(e + off, tid as u32).unwrap();
            group.add(tid, Arc::default());
            group.set_robust(tid, (head, 24));
        }
        group.remove(13, None);
        let caller = ThreadState {
            tid: 10,
            robust_list: (list(0).0, 24),
            ..Default::default()
        };
        exit_group_robust_lists(&mem, &group, &caller);
        let word = |i: u64| mem.read_u32(list(i).1 + off).unwrap();
        assert_eq!(word(0), FUTEX_OWNER_DIED, "the caller's lock");
        assert_eq!(word(1), FUTEX_OWNER_DIED, "thread 11's lock");
        assert_eq!(word(2), FUTEX_OWNER_DIED, "thread 12's lock");
        assert_eq!(word(3), 13, "a thread that left is not walked");
    }

    #[test]
    fn robust_list_walk_survives_bad_lists() {
        let mem = space();
        let head = 0x10000u64;
        mem.write_u64(head + 8, 16).unwrap();
        // A cycle that never comes back to the head: the walk stops.
        mem.write_u64(head, 0x10100).unwrap();
        mem.write_u64(0x10100, 0x10200).unwrap();
        mem.write_u64(0x10200, 0x10100).unwrap();
        mem.write_u32(0x10110, 5).unwrap();
        let t = ThreadState {
            tid: 77,
            robust_list: (head, 24),
            ..Default::default()
        };
        exit_robust_list(&mem, &t);
        assert_eq!(mem.read_u32(0x10110).unwrap(), 5, "not ours: untouched");
        // Pointers into unmapped memory, misaligned words: no fault.
        mem.write_u64(head, 0x5_0000_0000).unwrap();
        exit_robust_list(&mem, &t);
        mem.write_u64(head, 0x10100).unwrap();
        mem.write_u64(head + 8, 1).unwrap();
        exit_robust_list(&mem, &t);
        mem.write_u64(head + 8, (-0x20000i64) as u64).unwrap();
        exit_robust_list(&mem, &t);
    }
}
