//! Per-thread CPU: the state block, the dispatcher's block cache and the
//! compiled code's jump cache.

use crate::engine::{Engine, Tb};
use std::alloc::Layout;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use xlat_ir::{CpuHeader, Reg, StateLayout};
use xlat_jit::JumpCacheEntry;

/// Stop-word bit set by [`StopHandle::request`]: leave [`Engine::run`] with
/// `Exit::Stopped`.
pub(crate) const STOP_REQUEST: u32 = 1;
/// Stop-word bit set by invalidation: return to the dispatcher so it drops
/// its cached translations; not reported to the world.
pub(crate) const STOP_FLUSH: u32 = 2;

/// Entries of the dispatcher's per-CPU block cache (direct mapped).
const TB_CACHE: usize = 8192;

/// The heap allocation holding a CPU state block.
pub(crate) struct EnvBox {
    ptr: *mut u8,
    layout: Layout,
}

// SAFETY: the block is plain memory; the only field other threads touch is
// the header's atomic stop word (through `StopHandle`).
unsafe impl Send for EnvBox {}
// SAFETY: as above.
unsafe impl Sync for EnvBox {}

impl EnvBox {
    fn new(size: usize) -> EnvBox {
        let size = size
            .max(std::mem::size_of::<CpuHeader>())
            .next_multiple_of(16);
        let layout = Layout::from_size_align(size, 16).expect("state block layout");
        // SAFETY: `layout` has non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        EnvBox { ptr, layout }
    }

    fn stop(&self) -> &AtomicU32 {
        // SAFETY: the block starts with a CpuHeader and lives as long as self.
        unsafe { &(*(self.ptr as *const CpuHeader)).stop }
    }
}

impl Drop for EnvBox {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(self.ptr, self.layout) };
    }
}

/// Sets or clears a CPU's stop word from any thread (or a signal handler).
#[derive(Clone)]
pub struct StopHandle {
    env: Arc<EnvBox>,
}

impl StopHandle {
    /// Asks the CPU to leave [`Engine::run`] with `Exit::Stopped` at the next
    /// block boundary. Async-signal-safe: one atomic read-modify-write.
    pub fn request(&self) {
        self.env.stop().fetch_or(STOP_REQUEST, Ordering::SeqCst);
    }

    /// Withdraws a stop request.
    pub fn clear(&self) {
        self.env.stop().fetch_and(!STOP_REQUEST, Ordering::SeqCst);
    }

    /// True if a stop request is pending.
    pub fn is_requested(&self) -> bool {
        self.env.stop().load(Ordering::SeqCst) & STOP_REQUEST != 0
    }
}

impl std::fmt::Debug for StopHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StopHandle")
            .field("requested", &self.is_requested())
            .finish()
    }
}

/// What the engine knows about a CPU for invalidation and code reclamation.
pub(crate) struct CpuShared {
    pub(crate) env: Arc<EnvBox>,
    /// Last engine epoch this CPU observed at the top of the dispatcher.
    pub(crate) seen: AtomicU64,
    /// True while the CPU is inside `Engine::run`.
    pub(crate) running: AtomicBool,
}

impl CpuShared {
    pub(crate) fn stop(&self) -> &AtomicU32 {
        self.env.stop()
    }
}

/// One guest CPU (one guest thread): the CPU state block (`layout.size`
/// bytes, 16-byte aligned, starting with [`CpuHeader`]) plus per-CPU caches.
///
/// A frontend state struct is `#[repr(C)]` starting with `CpuHeader`, so the
/// world may view the block as that struct through [`Cpu::env_ptr`]; size and
/// alignment (16) are guaranteed.
pub struct Cpu {
    pub(crate) engine: Arc<Engine>,
    pub(crate) env: Arc<EnvBox>,
    pub(crate) shared: Arc<CpuShared>,
    pub(crate) layout: StateLayout,
    pub(crate) scratch: xlat_interp::Scratch,
    pub(crate) tb_cache: Vec<Option<Arc<Tb>>>,
    pub(crate) jump_cache: Box<[JumpCacheEntry]>,
    /// Engine epoch of the last cache flush.
    pub(crate) flushed_epoch: u64,
    /// `tb_flags` the jump cache was filled under.
    pub(crate) jc_flags: u64,
    /// Dispatches to tier 0 since [`Engine::run`] was entered (added to
    /// the engine's statistics when it returns).
    pub(crate) interp_dispatches: u64,
    /// Of `interp_dispatches`, those of blocks waiting in the compile
    /// queue (or being compiled), inside a compiled region that is not
    /// theirs, and not to be compiled (see [`crate::Stats::interp_queued`]),
    /// likewise.
    pub(crate) interp_why: [u64; 3],
    /// Dispatches into compiled code, likewise.
    pub(crate) jit_dispatches: u64,
    /// Dispatches that missed `tb_cache`, likewise.
    pub(crate) tb_cache_misses: u64,
    /// Never compile for this CPU (see [`Cpu::set_no_compile`]).
    pub(crate) no_compile: bool,
}

impl Cpu {
    pub(crate) fn new(engine: &Arc<Engine>, mem_ptr: usize) -> Cpu {
        let layout = *engine.frontend().layout();
        let env = Arc::new(EnvBox::new(layout.size));
        let mut jump_cache =
            vec![JumpCacheEntry::default(); xlat_jit::JUMP_CACHE_ENTRIES].into_boxed_slice();
        let hdr = env.ptr as *mut CpuHeader;
        // SAFETY: freshly allocated block starting with a zeroed CpuHeader.
        unsafe {
            if let Some(d) = engine.mem().direct() {
                (*hdr).mem_base = d.base;
                (*hdr).mem_limit = d.limit;
            }
            (*hdr).mem = mem_ptr;
            (*hdr).mem_gen = engine
                .mem()
                .direct_generation()
                .map_or(0, |g| g as *const AtomicU64 as usize);
            (*hdr).jump_cache = jump_cache.as_mut_ptr() as usize;
        }
        let shared = Arc::new(CpuShared {
            env: env.clone(),
            seen: AtomicU64::new(0),
            running: AtomicBool::new(false),
        });
        Cpu {
            engine: engine.clone(),
            env,
            shared,
            layout,
            scratch: xlat_interp::Scratch::new(),
            tb_cache: vec![None; TB_CACHE],
            jump_cache,
            flushed_epoch: 0,
            jc_flags: 0,
            interp_dispatches: 0,
            interp_why: [0; 3],
            jit_dispatches: 0,
            tb_cache_misses: 0,
            no_compile: false,
        }
    }

    /// The whole state block.
    pub fn env(&self) -> &[u8] {
        // SAFETY: the block is `layout.size` initialised bytes owned by self.
        unsafe { std::slice::from_raw_parts(self.env.ptr, self.env.layout.size()) }
    }

    /// The whole state block, mutable.
    pub fn env_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above; `&mut self` gives exclusive access (other threads
        // only touch the atomic stop word).
        unsafe { std::slice::from_raw_parts_mut(self.env.ptr, self.env.layout.size()) }
    }

    /// Raw pointer to the state block (16-byte aligned, at least
    /// `layout.size` bytes).
    pub fn env_ptr(&self) -> *mut u8 {
        self.env.ptr
    }

    /// The common header.
    pub fn header(&self) -> &CpuHeader {
        // SAFETY: the block starts with a CpuHeader.
        unsafe { &*(self.env.ptr as *const CpuHeader) }
    }

    /// Reads a register (zero-extended).
    pub fn get(&self, r: Reg) -> u128 {
        let Some(ri) = self.layout.regs.get(r.0 as usize) else {
            return 0;
        };
        let (o, n) = (ri.offset as usize, ri.ty.bytes() as usize);
        let e = &self.env()[o..o + n];
        // The PC (read at every dispatch) without a variable-length copy.
        if let Ok(w) = <[u8; 8]>::try_from(e) {
            return u64::from_le_bytes(w).into();
        }
        let mut b = [0u8; 16];
        b[..n].copy_from_slice(e);
        u128::from_le_bytes(b)
    }

    /// Writes a register (truncated to its width).
    pub fn set(&mut self, r: Reg, v: u128) {
        let Some(ri) = self.layout.regs.get(r.0 as usize).copied() else {
            return;
        };
        let (o, n) = (ri.offset as usize, ri.ty.bytes() as usize);
        self.env_mut()[o..o + n].copy_from_slice(&v.to_le_bytes()[..n]);
    }

    /// The guest PC.
    pub fn pc(&self) -> u64 {
        self.get(self.layout.pc) as u64
    }

    /// Sets the guest PC.
    pub fn set_pc(&mut self, pc: u64) {
        self.set(self.layout.pc, pc as u128);
    }

    /// A handle that can stop this CPU from another thread or a signal
    /// handler.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            env: self.env.clone(),
        }
    }

    /// The engine this CPU belongs to.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// With `on`, this CPU never compiles: it neither compiles a block
    /// itself (`Tier::Jit`) nor counts executions towards queueing one
    /// for the background compiler (`Tier::Mixed`), which it therefore
    /// never starts; code that is already compiled still runs. For a CPU
    /// that runs in another host process sharing the engine's memory (a
    /// `vfork` child): a compiler thread it started would belong to that
    /// process and vanish with it.
    pub fn set_no_compile(&mut self, on: bool) {
        self.no_compile = on;
    }

    /// Drops the per-CPU caches (after invalidation or a `tb_flags` change).
    pub(crate) fn flush_caches(&mut self) {
        self.tb_cache.iter_mut().for_each(|e| *e = None);
        self.jump_cache
            .iter_mut()
            .for_each(|e| *e = JumpCacheEntry::default());
    }

    pub(crate) fn tb_slot(pc: u64) -> usize {
        ((pc >> 2) ^ (pc >> 15)) as usize & (TB_CACHE - 1)
    }
}

impl std::fmt::Debug for Cpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cpu").field("pc", &self.pc()).finish()
    }
}
