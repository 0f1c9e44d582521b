//! Guest signals: dispositions, per-thread blocked masks and pending
//! queues, host signals caught and queued, and delivery to guest handlers
//! through the architecture's signal frame (`arch::SignalAbi`).
//!
//! How a signal reaches the guest:
//! - **Host signals** (SIGINT from a terminal, SIGALRM from a timer,
//!   SIGCHLD, a `kill` from another process) for which the guest has a
//!   handler are caught by [`host_signal_handler`], which records the host
//!   `siginfo` in the receiving thread's [`ThreadSignals`] and sets that
//!   thread's CPU stop word; the run loop delivers at the next safe point
//!   (`Exit::Stopped`, or after the current syscall). Signals the guest
//!   leaves at SIG_DFL or SIG_IGN keep that disposition on the host, so
//!   the kernel acts exactly as for a native process.
//! - The guest's blocked mask is mirrored into the host thread's mask (for
//!   the signals routed through the host), so the kernel picks a thread
//!   that does not block a process-directed signal, and keeps blocked ones
//!   pending.
//! - **Synchronous signals** (faults, undefined instructions, traps) are
//!   delivered at once; blocked or ignored ones kill the process, as Linux
//!   does.
//! - **Signals a thread sends itself** (`raise`, `kill(getpid())`) are
//!   queued directly.
//! - **Real-time signals** queue (one entry per signal sent, each with its
//!   siginfo); a host-routed one stays blocked on its host thread while
//!   an instance waits for the guest, so the rest wait in the host
//!   kernel's queue. Standard signals coalesce.
//!
//! A blocking host syscall interrupted by a caught signal returns `EINTR`;
//! the run loop then restarts it if the handler has `SA_RESTART`
//! (Linux's `ERESTARTSYS`), else the guest sees `-EINTR`. A signal that
//! arrives after the pending check and before the blocking syscall starts
//! is noticed only when the syscall returns (except for `ppoll`/`pselect`
//! style calls and `rt_sigsuspend`, which take the mask atomically).

use crate::arch::FrameIn;
use crate::errno::Errno;
use crate::probe;
use crate::syscall::{GuestSigAction, Process, ThreadState};
use std::cell::{Cell, UnsafeCell};
use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};
use xlat_exec::{Cpu, FaultKind, StopHandle};

/// `SA_NOCLDSTOP`.
pub const SA_NOCLDSTOP: u64 = 1;
/// `SA_NOCLDWAIT`.
pub const SA_NOCLDWAIT: u64 = 2;
/// `SA_SIGINFO`.
pub const SA_SIGINFO: u64 = 4;
/// `SA_RESTORER`.
pub const SA_RESTORER: u64 = 0x0400_0000;
/// `SA_ONSTACK`.
pub const SA_ONSTACK: u64 = 0x0800_0000;
/// `SA_RESTART`.
pub const SA_RESTART: u64 = 0x1000_0000;
/// `SA_NODEFER`.
pub const SA_NODEFER: u64 = 0x4000_0000;
/// `SA_RESETHAND`.
pub const SA_RESETHAND: u64 = 0x8000_0000;

/// `SS_ONSTACK`.
pub const SS_ONSTACK: i32 = 1;
/// `SS_DISABLE`.
pub const SS_DISABLE: i32 = 2;
/// `SS_AUTODISARM`.
pub const SS_AUTODISARM: i32 = 1 << 31;

/// `SI_USER`: sent by kill.
pub const SI_USER: i32 = 0;
/// `SI_TKILL`: sent by tkill/tgkill.
pub const SI_TKILL: i32 = -6;

const SIGILL: i32 = 4;
const SIGTRAP: i32 = 5;
const SIGABRT: i32 = 6;
const SIGBUS: i32 = 7;
const SIGFPE: i32 = 8;
const SIGKILL: i32 = 9;
const SIGSEGV: i32 = 11;
const SIGSTOP: i32 = 19;

/// The bit of signal `sig` (1..=64) in a mask.
pub const fn bit(sig: i32) -> u64 {
    1u64 << (sig - 1)
}

/// Signals that can never be blocked.
pub const UNBLOCKABLE: u64 = bit(SIGKILL) | bit(SIGSTOP);

/// What Linux does by default with a signal.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum DefaultAction {
    /// Terminate (possibly with a core dump).
    Terminate,
    /// Ignore.
    Ignore,
    /// Stop the process.
    Stop,
    /// Continue a stopped process (nothing to do for a running one).
    Continue,
}

/// The default action of signal `sig` (generic Linux numbering).
pub fn default_action(sig: i32) -> DefaultAction {
    match sig {
        17 | 23 | 28 => DefaultAction::Ignore,
        18 => DefaultAction::Continue,
        19..=22 => DefaultAction::Stop,
        _ => DefaultAction::Terminate,
    }
}

/// True for signals whose guest disposition is mirrored on the host (a
/// guest handler becomes [`host_signal_handler`]). Not routed: SIGKILL and
/// SIGSTOP (cannot be caught), SIGSEGV/SIGBUS (xlat's fault handler),
/// SIGILL/SIGFPE/SIGTRAP/SIGABRT (raised by xlat itself if it crashes) and
/// 32/33 (reserved by the host C library).
pub fn host_routed(sig: i32) -> bool {
    (1..=64).contains(&sig)
        && !matches!(
            sig,
            SIGKILL | SIGSTOP | SIGSEGV | SIGBUS | SIGILL | SIGFPE | SIGTRAP | SIGABRT | 32 | 33
        )
}

/// The first real-time signal (Linux numbering; the host C library keeps
/// 32 and 33 for itself, the guest's C library too).
pub const SIGRT_FIRST: i32 = 32;

/// How many instances of one real-time signal a thread holds before
/// delivery. Host-routed ones beyond the first stay queued in the host
/// kernel (the host handler blocks a real-time signal on the thread while
/// one instance waits here; see [`apply_host_mask`]), so this only has to
/// cover the short windows where the host mask is being changed.
const RT_QUEUE: usize = 8;

/// A bounded multi-producer, single-consumer FIFO of `siginfo`s for one
/// real-time signal. Producers are the owning thread, its host signal
/// handler and other threads; the consumer is the owning thread. Every
/// operation is lock-free and async-signal-safe (a producer interrupted
/// between reserving and publishing a slot delays only that slot).
struct InfoQueue {
    /// Next position to read (consumer only).
    head: AtomicU32,
    /// Next position to reserve.
    tail: AtomicU32,
    /// Per slot: `pos + 1` once written for position `pos`, `pos` while
    /// free for position `pos`.
    seq: [AtomicU32; RT_QUEUE],
    /// The slots.
    data: [UnsafeCell<[u8; 128]>; RT_QUEUE],
}

impl Default for InfoQueue {
    fn default() -> Self {
        InfoQueue {
            head: AtomicU32::new(0),
            tail: AtomicU32::new(0),
            seq: std::array::from_fn(|i| AtomicU32::new(i as u32)),
            data: std::array::from_fn(|_| UnsafeCell::new([0; 128])),
        }
    }
}

impl InfoQueue {
    /// Appends `info`; false when full.
    fn push(&self, info: &[u8; 128]) -> bool {
        let mut pos = self.tail.load(Ordering::Relaxed);
        loop {
            let i = pos as usize % RT_QUEUE;
            let d = self.seq[i].load(Ordering::Acquire).wrapping_sub(pos) as i32;
            if d == 0 {
                match self.tail.compare_exchange_weak(
                    pos,
                    pos.wrapping_add(1),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: the CAS reserved slot `i` for this
                        // producer alone until `seq` publishes it.
                        unsafe { *self.data[i].get() = *info };
                        self.seq[i].store(pos.wrapping_add(1), Ordering::Release);
                        return true;
                    }
                    Err(p) => pos = p,
                }
            } else if d < 0 {
                return false;
            } else {
                pos = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// True if the next entry is published.
    fn ready(&self) -> bool {
        let pos = self.head.load(Ordering::Relaxed);
        self.seq[pos as usize % RT_QUEUE].load(Ordering::Acquire) == pos.wrapping_add(1)
    }

    /// Takes the oldest published entry (owning thread only).
    fn pop(&self) -> Option<[u8; 128]> {
        let pos = self.head.load(Ordering::Relaxed);
        let i = pos as usize % RT_QUEUE;
        if self.seq[i].load(Ordering::Acquire) != pos.wrapping_add(1) {
            return None;
        }
        // SAFETY: the slot is published and only this consumer frees it.
        let v = unsafe { *self.data[i].get() };
        self.seq[i].store(pos.wrapping_add(RT_QUEUE as u32), Ordering::Release);
        self.head.store(pos.wrapping_add(1), Ordering::Relaxed);
        Some(v)
    }
}

/// The per-thread part of signal state that the host signal handler
/// writes: pending bits and the `siginfo`s of pending signals.
pub struct ThreadSignals {
    /// Pending guest signals (bit `sig - 1`).
    pending: AtomicU64,
    /// `siginfo` of each pending standard signal (the last one for a
    /// repeated signal: standard signals coalesce).
    infos: [UnsafeCell<[u8; 128]>; 64],
    /// Real-time signals (32..=64) queue: one entry per signal sent.
    rt: [InfoQueue; 64 - SIGRT_FIRST as usize + 1],
    /// The thread's CPU stop word.
    stop: OnceLock<StopHandle>,
    /// Where the thread stands for a fork by another thread
    /// (`thread::fork_state`).
    fork: AtomicU32,
}

// SAFETY: `infos` slots are written by the host signal handler of the
// owning thread (or by the owning thread itself) and read by the owning
// thread after it cleared the pending bit; a torn read can only mix two
// siginfos of the same signal, which the guest cannot tell from a
// coalesced signal.
unsafe impl Sync for ThreadSignals {}
// SAFETY: as above; the cells hold plain bytes.
unsafe impl Send for ThreadSignals {}

impl Default for ThreadSignals {
    fn default() -> Self {
        ThreadSignals {
            pending: AtomicU64::new(0),
            infos: std::array::from_fn(|_| UnsafeCell::new([0; 128])),
            rt: std::array::from_fn(|_| InfoQueue::default()),
            stop: OnceLock::new(),
            fork: AtomicU32::new(0),
        }
    }
}

impl std::fmt::Debug for ThreadSignals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadSignals")
            .field("pending", &self.pending.load(Ordering::Relaxed))
            .finish()
    }
}

impl ThreadSignals {
    /// Attaches the thread's CPU, whose stop word is set when a signal
    /// is queued.
    pub fn attach_cpu(&self, stop: StopHandle) {
        let _ = self.stop.set(stop);
    }

    /// Queues `sig` with `info`: a real-time signal adds an entry (one
    /// more is dropped when [`RT_QUEUE`] are waiting), a standard one
    /// replaces the pending one's siginfo. Async-signal-safe.
    pub fn queue(&self, sig: i32, info: &[u8; 128]) {
        if !(1..=64).contains(&sig) {
            return;
        }
        if sig >= SIGRT_FIRST {
            if !self.rt[(sig - SIGRT_FIRST) as usize].push(info) {
                return;
            }
        } else {
            // SAFETY: see the `Sync` impl; plain byte copy into our slot.
            unsafe { *self.infos[sig as usize - 1].get() = *info };
        }
        self.pending.fetch_or(bit(sig), Ordering::SeqCst);
        self.request_stop();
    }

    /// Asks the thread's CPU to leave compiled code and the dispatcher at
    /// its next block boundary (no signal is queued).
    pub(crate) fn request_stop(&self) {
        if let Some(s) = self.stop.get() {
            s.request();
        }
    }

    /// The thread's fork state (`thread::fork_state`).
    pub(crate) fn fork_state(&self) -> &AtomicU32 {
        &self.fork
    }

    /// The pending word itself (for `safe_syscall`'s check).
    pub fn pending_word(&self) -> *const AtomicU64 {
        &self.pending
    }

    /// Pending signals.
    pub fn pending(&self) -> u64 {
        self.pending.load(Ordering::SeqCst)
    }

    /// Removes `sig` (one instance of a real-time signal) from the
    /// pending set and returns its siginfo.
    fn take(&self, sig: i32) -> [u8; 128] {
        self.pending.fetch_and(!bit(sig), Ordering::SeqCst);
        if sig >= SIGRT_FIRST {
            // Cleared first, so a producer that publishes meanwhile sets
            // the bit again itself.
            let q = &self.rt[(sig - SIGRT_FIRST) as usize];
            let info = q.pop();
            if q.ready() {
                self.pending.fetch_or(bit(sig), Ordering::SeqCst);
            }
            return info.unwrap_or_else(|| siginfo_kill(sig, SI_USER));
        }
        // SAFETY: see the `Sync` impl.
        unsafe { *self.infos[sig as usize - 1].get() }
    }
}

thread_local! {
    /// The calling host thread's guest signal state.
    static CURRENT: Cell<*const ThreadSignals> = const { Cell::new(std::ptr::null()) };
}

/// The first guest thread's state: receives host signals that land on a
/// thread with no guest CPU.
static MAIN: AtomicPtr<ThreadSignals> = AtomicPtr::new(std::ptr::null_mut());

/// Registers `ts` as the calling host thread's signal state. The `Arc`
/// must outlive the thread (the thread state holds it).
pub fn register_thread(ts: &std::sync::Arc<ThreadSignals>) {
    let p = std::sync::Arc::as_ptr(ts);
    CURRENT.with(|c| c.set(p));
    let _ = MAIN.compare_exchange(
        std::ptr::null_mut(),
        p as *mut ThreadSignals,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
}

/// Forgets the calling host thread's guest signal state (its guest thread
/// has exited and the state is about to be dropped): a late host signal
/// on this thread goes to the first guest thread's state instead.
pub fn unregister_thread() {
    CURRENT.with(|c| c.set(std::ptr::null()));
}

/// Registers `ts` as the calling thread's and the process's main signal
/// state (the only thread after a fork).
pub fn register_main_thread(ts: &std::sync::Arc<ThreadSignals>) {
    let p = std::sync::Arc::as_ptr(ts);
    CURRENT.with(|c| c.set(p));
    MAIN.store(p as *mut ThreadSignals, Ordering::SeqCst);
}

/// Host handler for routed signals: queue for the guest thread running
/// on this host thread and stop its CPU. Async-signal-safe.
extern "C" fn host_signal_handler(sig: i32, info: *mut libc::siginfo_t, uctx: *mut libc::c_void) {
    // SAFETY: called by the kernel with this invocation's siginfo and
    // ucontext.
    unsafe { queue_from_host(sig, info, uctx) };
}

/// Queues host signal `sig` with the kernel's `info` for the guest thread
/// of the calling host thread (the first guest thread when it has none).
/// A real-time signal stays blocked on this host thread (in the
/// interrupted context's mask) until the guest takes it, so that further
/// instances wait in the host kernel's queue, in order. Async-signal-safe.
///
/// # Safety
/// `info` and `uctx` must be the arguments of an `SA_SIGINFO` host signal
/// handler invocation (or null).
pub(crate) unsafe fn queue_from_host(
    sig: i32,
    info: *const libc::siginfo_t,
    uctx: *mut libc::c_void,
) {
    let own = CURRENT.with(|c| c.get());
    let ts = if own.is_null() {
        MAIN.load(Ordering::SeqCst) as *const ThreadSignals
    } else {
        own
    };
    if ts.is_null() || info.is_null() {
        return;
    }
    let mut b = [0u8; 128];
    // SAFETY: the kernel passes a valid 128-byte siginfo.
    unsafe { std::ptr::copy_nonoverlapping(info as *const u8, b.as_mut_ptr(), 128) };
    // SAFETY: registered thread states live as long as their threads, and
    // MAIN's as long as the process runs guest code.
    unsafe { (*ts).queue(sig, &b) };
    if sig >= SIGRT_FIRST && !own.is_null() && !uctx.is_null() {
        // SAFETY: `uctx` is this handler's ucontext; the kernel restores
        // the thread's mask from it on return.
        unsafe { libc::sigaddset(&mut (*(uctx as *mut libc::ucontext_t)).uc_sigmask, sig) };
    }
}

/// Host signal used to interrupt another guest thread's blocking host
/// syscall after queueing a non-routed signal for it (SIGCANCEL, 32: the
/// host C library reserves it for pthread_cancel, which xlat never uses,
/// and never blocks it).
pub const KICK_SIGNAL: i32 = 32;

// The x86-64 kernel returns from a handler through `sa_restorer`; the C
// library refuses to install handlers for its reserved signals, so the
// kick handler is installed with the raw syscall and this restorer.
#[cfg(target_arch = "x86_64")]
std::arch::global_asm!(
    ".globl xlat_kick_restorer",
    "xlat_kick_restorer:",
    "mov eax, 15",
    "syscall",
    "ud2",
);

#[cfg(target_arch = "x86_64")]
unsafe extern "C" {
    fn xlat_kick_restorer();
}

/// The kick handler does nothing: its only job is to make the interrupted
/// host syscall return EINTR.
extern "C" fn kick_handler(_sig: i32, _info: *mut libc::siginfo_t, uctx: *mut libc::c_void) {
    // SAFETY: `uctx` is this invocation's ucontext.
    unsafe { crate::safe_syscall::fixup(uctx) };
}

/// Installs the kick handler (once per process; inherited by forks).
pub fn install_kick_handler() {
    #[cfg(target_arch = "x86_64")]
    {
        #[repr(C)]
        struct KernelSigaction {
            handler: usize,
            flags: u64,
            restorer: usize,
            mask: u64,
        }
        const SA_RESTORER_HOST: u64 = 0x0400_0000;
        let ksa = KernelSigaction {
            handler: kick_handler as *const () as usize,
            flags: libc::SA_SIGINFO as u64 | libc::SA_ONSTACK as u64 | SA_RESTORER_HOST,
            restorer: xlat_kick_restorer as *const () as usize,
            mask: 0,
        };
        // SAFETY: the kernel's struct sigaction for x86-64 with a valid
        // handler and restorer; only signal 32 is changed.
        unsafe {
            libc::syscall(
                libc::SYS_rt_sigaction,
                KICK_SIGNAL,
                &ksa as *const KernelSigaction,
                std::ptr::null_mut::<KernelSigaction>(),
                8usize,
            )
        };
    }
}

/// Interrupts guest thread `tid`'s blocking host syscall (if any) so that
/// it sees a signal just queued for it.
pub fn kick(tid: i32) {
    // SAFETY: a signal to one of our own threads, whose handler is a no-op.
    unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, KICK_SIGNAL) };
}

/// Signals the guest catches (bit `sig - 1`), for host handlers that
/// cannot take the dispositions lock.
static GUEST_CAUGHT: AtomicU64 = AtomicU64::new(0);
/// Signals the guest ignores (bit `sig - 1`).
static GUEST_IGNORED: AtomicU64 = AtomicU64::new(0);

/// A fault signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE) that another process
/// or thread sent with `kill`/`tgkill`/`sigqueue` (`si_code <= 0`) is an
/// asynchronous signal: queued for the guest when it has a handler (and
/// delivered once unblocked), discarded when it ignores the signal.
/// Returns false when the default action applies. Async-signal-safe.
///
/// # Safety
/// `info` and `uctx` must be the arguments of an `SA_SIGINFO` host signal
/// handler invocation.
pub(crate) unsafe fn external_fault_signal(
    sig: i32,
    info: *const libc::siginfo_t,
    uctx: *mut libc::c_void,
) -> bool {
    if !(1..=64).contains(&sig) {
        return false;
    }
    if GUEST_IGNORED.load(Ordering::SeqCst) & bit(sig) != 0 {
        return true;
    }
    if GUEST_CAUGHT.load(Ordering::SeqCst) & bit(sig) == 0 {
        return false;
    }
    // SAFETY: forwarded from the caller's contract.
    unsafe { queue_from_host(sig, info, uctx) };
    true
}

/// Host handler of SIGILL and SIGFPE while the guest catches or ignores
/// them: a fault of xlat itself (`si_code > 0`) gets the default action
/// (the instruction faults again and the process dies as before); one
/// sent by `kill` goes to the guest (see [`external_fault_signal`]).
extern "C" fn host_sent_fault_handler(
    sig: i32,
    info: *mut libc::siginfo_t,
    uctx: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo and ucontext.
    let external = !info.is_null() && unsafe { (*info).si_code } <= 0;
    // SAFETY: as above.
    if external && unsafe { external_fault_signal(sig, info, uctx) } {
        return;
    }
    probe::reset_to_default(sig);
    if external {
        // SAFETY: re-raising with the default action (SA_NODEFER: not
        // blocked in this handler).
        unsafe { libc::raise(sig) };
    }
}

/// Sets the host disposition of a routed signal to match the guest's:
/// SIG_DFL and SIG_IGN as they are, a guest handler as
/// [`host_signal_handler`] (without SA_RESTART, so that blocking host
/// syscalls return EINTR and the run loop decides). SIGILL and SIGFPE
/// get [`host_sent_fault_handler`] while the guest catches or ignores
/// them.
pub fn sync_host_disposition(sig: i32, act: &GuestSigAction) {
    if (1..=64).contains(&sig) {
        let (caught, ignored) = (act.handler > 1, act.handler == 1);
        for (word, on) in [(&GUEST_CAUGHT, caught), (&GUEST_IGNORED, ignored)] {
            if on {
                word.fetch_or(bit(sig), Ordering::SeqCst);
            } else {
                word.fetch_and(!bit(sig), Ordering::SeqCst);
            }
        }
    }
    if sig == SIGILL || sig == SIGFPE {
        // SAFETY: installing a handler or SIG_DFL for a signal xlat
        // itself does not catch; `sa` is a local.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            libc::sigemptyset(&mut sa.sa_mask);
            if act.handler == 0 {
                sa.sa_sigaction = libc::SIG_DFL;
            } else {
                sa.sa_sigaction = host_sent_fault_handler as *const () as usize;
                sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
            }
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
        return;
    }
    if !host_routed(sig) {
        return;
    }
    // SAFETY: installing a handler/SIG_DFL/SIG_IGN with a full mask for
    // the handler; `sa` is a local.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        libc::sigfillset(&mut sa.sa_mask);
        // A vfork child shares its parent's memory and locks: a signal
        // that kills by default waits for the run loop's next safe point
        // (whose default action kills there), so that the child never
        // dies inside xlat holding a lock, or a borrow of the parent
        // thread's thread-locals, that the parent would then wait on.
        let deferred = act.handler == 0
            && default_action(sig) == DefaultAction::Terminate
            && crate::thread::in_vfork_child();
        match act.handler {
            0 if !deferred => sa.sa_sigaction = libc::SIG_DFL,
            1 => sa.sa_sigaction = libc::SIG_IGN,
            _ => {
                sa.sa_sigaction = host_signal_handler as *const () as usize;
                sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            }
        }
        if sig == libc::SIGCHLD {
            sa.sa_flags |= (act.flags & (SA_NOCLDSTOP | SA_NOCLDWAIT)) as i32;
        }
        libc::sigaction(sig, &sa, std::ptr::null_mut());
    }
}

/// Recomputes the caught and ignored sets that host handlers consult
/// from `proc`'s dispositions: a `vfork` child shares this memory and
/// sets them for its own dispositions, so its parent does this when it
/// resumes.
pub fn resync_guest_sets(proc: &Process) {
    let t = proc.sigactions.lock().unwrap_or_else(|e| e.into_inner());
    let (mut caught, mut ignored) = (0u64, 0u64);
    for (i, act) in t.iter().enumerate() {
        let b = 1u64 << i;
        if act.handler > 1 {
            caught |= b;
        } else if act.handler == 1 {
            ignored |= b;
        }
    }
    // Stored under the lock: a concurrent `rt_sigaction` updates its bit
    // after this.
    GUEST_CAUGHT.store(caught, Ordering::SeqCst);
    GUEST_IGNORED.store(ignored, Ordering::SeqCst);
}

/// The routed signals blocked on the calling host thread, as a guest
/// mask: what a program started by `execve` inherits.
pub fn inherited_mask() -> u64 {
    // SAFETY: reading this thread's mask into a local set.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut set);
        set
    };
    (1..=64)
        .filter(|&sig| host_routed(sig))
        // SAFETY: membership test on a local set.
        .filter(|&sig| unsafe { libc::sigismember(&set, sig) } == 1)
        .fold(0, |m, sig| m | bit(sig))
        & !UNBLOCKABLE
}

/// Host signal set of the routed signals in guest mask `mask`.
pub fn host_sigset(mask: u64) -> libc::sigset_t {
    host_set(mask)
}

/// Takes the lowest queued signal of `set` with its siginfo, if any.
pub fn take_pending_in(thread: &ThreadState, set: u64) -> Option<(i32, [u8; 128])> {
    let p = thread.sig.pending() & set;
    if p == 0 {
        return None;
    }
    let sig = p.trailing_zeros() as i32 + 1;
    let info = thread.sig.take(sig);
    if sig >= SIGRT_FIRST {
        // The next instance may now come from the host kernel.
        apply_host_mask(thread.sigmask);
    }
    Some((sig, info))
}

/// Host signal set of the routed signals in guest mask `mask`.
pub(crate) fn host_set(mask: u64) -> libc::sigset_t {
    // SAFETY: sigemptyset/sigaddset on a local set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in 1..=64 {
            if mask & bit(sig) != 0 && host_routed(sig) {
                libc::sigaddset(&mut set, sig);
            }
        }
        set
    }
}

/// Real-time signals pending for the calling host thread's guest thread:
/// they stay blocked on the host until taken (see [`queue_from_host`]).
fn own_pending_rt() -> u64 {
    let ts = CURRENT.with(|c| c.get());
    if ts.is_null() {
        return 0;
    }
    // SAFETY: the calling thread's registered state outlives it.
    unsafe { (*ts).pending() & !(bit(SIGRT_FIRST) - 1) }
}

/// Mirrors the guest blocked mask into the calling host thread's mask
/// (plus the real-time signals waiting for delivery on this thread).
pub fn apply_host_mask(mask: u64) {
    let set = host_set(mask | own_pending_rt());
    // SAFETY: `set` is a valid local set.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &set, std::ptr::null_mut()) };
}

/// Blocks every routed signal on the calling host thread (while xlat
/// itself must not be interrupted, e.g. before a mask-atomic wait).
pub fn block_all_routed() {
    apply_host_mask(!0);
}

/// Waits like `ppoll`/`rt_sigsuspend` with guest mask `wait_mask` in
/// force, without losing a signal that arrives before the wait starts:
/// routed signals are blocked, pending guest signals are checked, and the
/// host call gets the mask atomically. `call` receives the host sigset
/// to pass. Returns `Err(EINTR)` at once when a signal is deliverable.
pub fn wait_with_mask(
    thread: &ThreadState,
    wait_mask: u64,
    call: impl FnOnce(&libc::sigset_t) -> Result<u64, Errno>,
) -> Result<u64, Errno> {
    block_all_routed();
    let r = if thread.sig.pending() & !wait_mask != 0 {
        Err(Errno(libc::EINTR))
    } else {
        let set = host_set(wait_mask);
        crate::thread::blocking(&thread.sig, || call(&set))
    };
    apply_host_mask(thread.sigmask);
    r
}

/// A guest `siginfo_t` for a signal sent by `kill`/`tgkill`.
pub fn siginfo_kill(sig: i32, code: i32) -> [u8; 128] {
    let mut b = [0u8; 128];
    b[0..4].copy_from_slice(&sig.to_le_bytes());
    b[8..12].copy_from_slice(&code.to_le_bytes());
    // SAFETY: getpid/getuid cannot fail.
    let (pid, uid) = unsafe { (libc::getpid(), libc::getuid()) };
    b[16..20].copy_from_slice(&pid.to_le_bytes());
    b[20..24].copy_from_slice(&uid.to_le_bytes());
    b
}

/// A guest `siginfo_t` for a synchronous fault at `addr`.
pub fn siginfo_fault(sig: i32, code: i32, addr: u64) -> [u8; 128] {
    let mut b = [0u8; 128];
    b[0..4].copy_from_slice(&sig.to_le_bytes());
    b[8..12].copy_from_slice(&code.to_le_bytes());
    b[16..24].copy_from_slice(&addr.to_le_bytes());
    b
}

/// Signal number and `si_code` of a guest memory fault.
pub fn fault_signal(kind: FaultKind) -> (i32, i32) {
    match kind {
        FaultKind::Unmapped => (SIGSEGV, 1),   // SEGV_MAPERR
        FaultKind::Protection => (SIGSEGV, 2), // SEGV_ACCERR
        FaultKind::Alignment => (SIGBUS, 1),   // BUS_ADRALN
        FaultKind::Bus => (SIGBUS, 2),         // BUS_ADRERR
        // Linux do_el0_bti: force_signal_inject(SIGILL, ILL_ILLOPC, pc).
        FaultKind::BranchTarget => (libc::SIGILL, 1),
    }
}

/// A guest thread dies of `sig` and takes the process with it: as Linux
/// does for each dying thread, every thread's robust futex list is
/// walked first (a process-shared robust mutex goes to its next locker
/// with `EOWNERDEAD`), then [`die_of_signal`].
fn die_with_robust_lists(proc: &Process, thread: &ThreadState, sig: i32) -> ! {
    crate::thread::exit_group_robust_lists(&proc.mem, &proc.group, thread);
    die_of_signal(sig)
}

/// Kills xlat with `sig` so that the parent sees the same wait status as
/// for a native process: the host handler is reset, core dumps are
/// disabled (a core of xlat would be of no use), the signal is unblocked
/// and raised.
pub fn die_of_signal(sig: i32) -> ! {
    // SAFETY: plain libc calls on our own process; `rl` and `set` are locals.
    unsafe {
        let rl = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &rl);
        probe::reset_to_default(sig);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
        // Not reached for terminating signals.
        libc::_exit(128 + sig);
    }
}

/// A synchronous signal to deliver now.
#[derive(Clone, Debug)]
pub struct SyncSignal {
    /// Signal number.
    pub sig: i32,
    /// Guest siginfo.
    pub info: [u8; 128],
    /// Fault address for the frame (0 if none).
    pub fault_address: u64,
    /// Architecture syndrome (ESR) for the frame.
    pub syndrome: Option<u64>,
}

/// Delivers a synchronous signal (fault, illegal instruction, trap):
/// blocked or ignored ones kill the process, as Linux's
/// `force_sig_info` does; a handler gets a frame. Returns only if the
/// CPU now runs the handler.
pub fn deliver_sync(proc: &Process, cpu: &mut Cpu, thread: &mut ThreadState, s: SyncSignal) {
    let act = proc.sigaction(s.sig as u32);
    if act.handler <= 1 || thread.sigmask & bit(s.sig) != 0 {
        // As qemu-user does, say why the guest died: a native process
        // dumps core here, and the shell reports the signal.
        let _ = writeln!(
            std::io::stderr(),
            "xlat: uncaught guest signal {} ({}) at pc 0x{:x}, address 0x{:x}",
            s.sig,
            crate::strace::signal_name(s.sig as u64),
            cpu.pc(),
            s.fault_address
        );
        die_with_robust_lists(proc, thread, s.sig);
    }
    if setup(
        proc,
        cpu,
        thread,
        s.sig,
        &s.info,
        act,
        s.fault_address,
        s.syndrome,
    )
    .is_err()
    {
        // The frame could not be written: SIGSEGV by force.
        die_with_robust_lists(proc, thread, SIGSEGV);
    }
}

/// True if a synchronous `sig` would run a guest handler (not blocked,
/// not SIG_DFL/SIG_IGN).
pub fn has_handler(proc: &Process, thread: &ThreadState, sig: i32) -> bool {
    proc.sigaction(sig as u32).handler > 1 && thread.sigmask & bit(sig) == 0
}

/// Process start: the guest inherits ignored signals from xlat's parent
/// (as across execve) except SIGPIPE, which the Rust runtime ignores for
/// itself; SIGPIPE goes back to SIG_DFL for the guest.
pub fn init_process(proc: &Process) {
    let mut t = proc.sigactions.lock().unwrap_or_else(|e| e.into_inner());
    for sig in 1..=64 {
        if !host_routed(sig) {
            continue;
        }
        if sig == libc::SIGPIPE {
            sync_host_disposition(sig, &GuestSigAction::default());
            continue;
        }
        // SAFETY: querying the current disposition into a local.
        let ignored = unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, std::ptr::null(), &mut old) == 0
                && old.sa_sigaction == libc::SIG_IGN
        };
        if ignored {
            t[sig as usize - 1].handler = 1;
        }
    }
}

/// Queues a signal the guest thread sends itself.
pub fn queue_self(thread: &ThreadState, sig: i32, code: i32) {
    thread.sig.queue(sig, &siginfo_kill(sig, code));
}

/// At thread exit (routed signals already blocked on this host thread):
/// the signals the host handed to this thread that were meant for the
/// process (anything but `tkill`/`tgkill`, `si_code` `SI_TKILL`) go back to
/// the process, as the kernel leaves a process-directed signal to the
/// threads that stay; thread-directed ones die with the thread.
pub fn redirect_pending(thread: &ThreadState) {
    while let Some(sig) =
        (thread.sig.pending() != 0).then(|| thread.sig.pending().trailing_zeros() as i32 + 1)
    {
        let info = thread.sig.take(sig);
        let code = i32::from_le_bytes(info[8..12].try_into().expect("4 bytes"));
        if code != SI_TKILL {
            // SAFETY: `info` is a local 128-byte siginfo; the target is
            // our own process.
            unsafe {
                libc::syscall(
                    libc::SYS_rt_sigqueueinfo,
                    libc::getpid(),
                    sig,
                    info.as_ptr(),
                )
            };
        }
    }
}

/// The lowest pending signal not blocked by `mask`.
pub fn deliverable(thread: &ThreadState) -> Option<i32> {
    let p = thread.sig.pending() & !thread.sigmask;
    (p != 0).then(|| p.trailing_zeros() as i32 + 1)
}

/// Delivers the pending, unblocked signals (at a safe point: between
/// blocks or after a syscall) as Linux does on the way back to user
/// space: one frame after another, each handler's mask applying to the
/// next choice, so the last frame set up runs first. Returns true if the
/// guest state changed (a handler frame was set up).
pub fn deliver_pending(proc: &Process, cpu: &mut Cpu, thread: &mut ThreadState) -> bool {
    let mut changed = false;
    let mut took_rt = false;
    while let Some(sig) = deliverable(thread) {
        took_rt |= sig >= SIGRT_FIRST;
        let info = thread.sig.take(sig);
        let act = proc.sigaction(sig as u32);
        match act.handler {
            1 => continue,
            0 => {
                match default_action(sig) {
                    DefaultAction::Ignore | DefaultAction::Continue => continue,
                    DefaultAction::Stop => {
                        // SAFETY: stops our own process as the guest asked.
                        unsafe { libc::raise(libc::SIGSTOP) };
                        continue;
                    }
                    DefaultAction::Terminate => die_with_robust_lists(proc, thread, sig),
                }
            }
            _ => {
                if setup(proc, cpu, thread, sig, &info, act, 0, None).is_err() {
                    die_with_robust_lists(proc, thread, SIGSEGV);
                }
                changed = true;
            }
        }
    }
    if let Some(m) = thread.restore_mask.take() {
        thread.sigmask = m;
        apply_host_mask(m);
    } else if took_rt {
        apply_host_mask(thread.sigmask);
    }
    changed
}

/// True if the guest SP `sp` lies on the thread's alternate stack.
fn on_altstack(thread: &ThreadState, sp: u64) -> bool {
    let (ss, _, size) = thread.altstack;
    size != 0 && sp > ss && sp - ss <= size
}

/// Builds the frame for `sig` and points the CPU at the handler; updates
/// the mask, altstack and disposition as Linux's `handle_signal` does.
#[allow(clippy::too_many_arguments)]
fn setup(
    proc: &Process,
    cpu: &mut Cpu,
    thread: &mut ThreadState,
    sig: i32,
    info: &[u8; 128],
    act: GuestSigAction,
    fault_address: u64,
    syndrome: Option<u64>,
) -> Result<(), Errno> {
    let abi = &proc.arch.signal;
    let sp = cpu.get(proc.arch.regs.sp) as u64;
    let (ss_sp, ss_flags, ss_size) = thread.altstack;
    let altstack_on = ss_size != 0 && ss_flags & SS_DISABLE == 0;
    let on = on_altstack(thread, sp);
    let sp_top = if act.flags & SA_ONSTACK != 0 && altstack_on && !on {
        ss_sp + ss_size
    } else {
        sp
    };
    // __save_altstack: the flags as sigaltstack(NULL, &old) would report.
    let saved_flags = if ss_size == 0 || ss_flags & SS_DISABLE != 0 {
        SS_DISABLE
    } else if on {
        SS_ONSTACK
    } else {
        ss_flags & SS_AUTODISARM
    };
    let uc_stack = (ss_sp, saved_flags, ss_size);
    let restorer = if abi.sa_restorer && act.flags & SA_RESTORER != 0 && act.restorer != 0 {
        act.restorer
    } else {
        proc.sigtramp().map_err(|_| Errno::EFAULT)?
    };
    let saved_mask = thread.restore_mask.take().unwrap_or(thread.sigmask);
    let fi = FrameIn {
        sig,
        info,
        siginfo: act.flags & SA_SIGINFO != 0,
        sp_top,
        handler: act.handler,
        restorer,
        saved_mask,
        uc_stack,
        fault_address,
        syndrome,
    };
    (abi.setup_frame)(cpu, &proc.mem, &fi)?;
    if ss_flags & SS_AUTODISARM != 0 && sp_top != sp {
        thread.altstack = (0, SS_DISABLE, 0);
    }
    let mut mask = thread.sigmask | act.mask;
    if act.flags & SA_NODEFER == 0 {
        mask |= bit(sig);
    }
    thread.sigmask = mask & !UNBLOCKABLE;
    apply_host_mask(thread.sigmask);
    if act.flags & SA_RESETHAND != 0 {
        let mut t = proc.sigactions.lock().unwrap_or_else(|e| e.into_inner());
        t[sig as usize - 1] = GuestSigAction::default();
        drop(t);
        sync_host_disposition(sig, &GuestSigAction::default());
    }
    Ok(())
}

/// `rt_sigreturn`: restores the state saved by the handler's frame. A bad
/// frame kills the process with SIGSEGV, as Linux does.
pub fn sigreturn(proc: &Process, cpu: &mut Cpu, thread: &mut ThreadState) {
    match (proc.arch.signal.restore_frame)(cpu, &proc.mem) {
        Ok(out) => {
            thread.sigmask = out.mask & !UNBLOCKABLE;
            apply_host_mask(thread.sigmask);
            // restore_altstack: as sigaltstack(&uc_stack, NULL); errors
            // are ignored, as the kernel does.
            let (sp, flags, size) = out.uc_stack;
            if !on_altstack(thread, cpu.get(proc.arch.regs.sp) as u64) {
                if flags & SS_DISABLE != 0 {
                    thread.altstack = (0, SS_DISABLE, 0);
                } else if size >= proc.arch.aux.minsigstksz {
                    thread.altstack = (sp, flags & SS_AUTODISARM, size);
                }
            }
        }
        Err(_) => {
            proc.log.unimp("rt_sigreturn: bad signal frame -> SIGSEGV");
            die_with_robust_lists(proc, thread, SIGSEGV)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_actions() {
        assert_eq!(default_action(11), DefaultAction::Terminate);
        assert_eq!(default_action(17), DefaultAction::Ignore);
        assert_eq!(default_action(20), DefaultAction::Stop);
        assert_eq!(default_action(18), DefaultAction::Continue);
        assert_eq!(default_action(6), DefaultAction::Terminate);
    }

    #[test]
    fn routing_and_siginfo() {
        assert!(host_routed(2) && host_routed(14) && host_routed(17) && host_routed(64));
        assert!(!host_routed(11) && !host_routed(9) && !host_routed(32) && !host_routed(0));
        let i = siginfo_fault(11, 2, 0xdead_beef);
        assert_eq!(i32::from_le_bytes(i[0..4].try_into().unwrap()), 11);
        assert_eq!(i32::from_le_bytes(i[8..12].try_into().unwrap()), 2);
        assert_eq!(
            u64::from_le_bytes(i[16..24].try_into().unwrap()),
            0xdead_beef
        );
        assert_eq!(fault_signal(FaultKind::Protection), (11, 2));
        assert_eq!(fault_signal(FaultKind::Alignment), (7, 1));
    }

    #[test]
    fn realtime_signals_queue_in_order_standard_ones_coalesce() {
        let t = ThreadState::default();
        let with_value = |sig: i32, v: u8| {
            let mut i = siginfo_kill(sig, -1);
            i[24] = v;
            i
        };
        for v in 1..=3 {
            t.sig.queue(40, &with_value(40, v));
            t.sig.queue(10, &with_value(10, v));
        }
        let first = t.sig.take(10);
        assert_eq!(first[24], 3, "standard: the last siginfo");
        assert_eq!(t.sig.pending() & bit(10), 0, "standard: one delivery");
        for v in 1..=3 {
            assert_ne!(t.sig.pending() & bit(40), 0, "entry {v} pending");
            assert_eq!(t.sig.take(40)[24], v, "real-time: in order");
        }
        assert_eq!(t.sig.pending(), 0);
        // A full queue drops further entries but keeps the queued ones.
        for v in 0..(RT_QUEUE as u8 + 2) {
            t.sig.queue(64, &with_value(64, v));
        }
        for v in 0..RT_QUEUE as u8 {
            assert_eq!(t.sig.take(64)[24], v);
        }
        assert_eq!(t.sig.pending(), 0);
        // Wrapping around the ring many times.
        for v in 0..100u8 {
            t.sig.queue(33, &with_value(33, v));
            assert_eq!(t.sig.take(33)[24], v);
        }
    }

    #[test]
    fn queue_and_deliverable_respect_mask() {
        let mut t = ThreadState::default();
        queue_self(&t, 10, SI_TKILL);
        queue_self(&t, 2, SI_USER);
        assert_eq!(deliverable(&t), Some(2), "lowest first");
        t.sigmask = bit(2);
        assert_eq!(deliverable(&t), Some(10));
        let info = t.sig.take(10);
        assert_eq!(
            i32::from_le_bytes(info[8..12].try_into().unwrap()),
            SI_TKILL
        );
        assert_eq!(deliverable(&t), None, "2 is blocked");
        t.sigmask = 0;
        assert_eq!(deliverable(&t), Some(2));
    }
}
