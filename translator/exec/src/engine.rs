//! The engine: shared block cache, dispatcher loop, tier policy, background
//! compiler, chaining and invalidation.

use crate::cpu::{Cpu, CpuShared, STOP_FLUSH, STOP_REQUEST};
use crate::queue::HeatQueue;
use crate::{
    ExecError, ExecOptions, Exit, Fault, FaultKind, MAX_REGION_BLOCKS, MAX_REGION_INSTS, MemRef,
    OPTIMIZE_AFTER, PROFILE_TARGETS, QUICK_REGION_BLOCKS, TARGET_SHARE, Tier,
};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};
use xlat_ir::abi::{FAULT_WRITE, Fault as IrFault};
use xlat_ir::{Block, CodeSource, CpuHeader, ExceptionKind, ExitCode, Frontend, StateLayout};
use xlat_jit::{Jit, JitOptions, OptLevel};

/// Block-cache key: guest PC and the frontend's translation flags.
type Key = (u64, u64);

/// A hash map keyed by [`Key`] with [`KeyHasher`].
type KeyMap<V> = HashMap<Key, V, BuildHasherDefault<KeyHasher>>;

/// A multiply-rotate hasher for block keys (guest PC, flags): the keys are
/// not attacker-chosen in a way that matters (a guest can only slow itself
/// down), and SipHash was a visible part of start-up under callgrind.
#[derive(Default, Clone, Copy)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // Fold the well-mixed high half into the low bits (bucket index).
        self.0 ^ (self.0 >> 29)
    }
}

/// A translated block and its compiled code, if any.
///
/// `repr(C)`, in this order: what the dispatcher reads for every block
/// (key, entry, tier-0 form, counts and flags) comes first, in as few
/// cache lines as it fits, before the fields only cold blocks, the
/// compiler and logging use.
#[repr(C)]
pub(crate) struct Tb {
    pub(crate) key: Key,
    /// Entry of the compiled region starting here (0 = none).
    pub(crate) host: AtomicUsize,
    /// `opt` pre-decoded for tier 0 (once tier 0 runs it; `None` inside if
    /// it is too large, then tier 0 runs the `Block`).
    pub(crate) opt_dec: OnceLock<Option<xlat_interp::Decoded>>,
    /// Tier-0 executions (Mixed).
    pub(crate) hits: AtomicU32,
    /// Tier-0 executions of `block` so far (up to [`OPTIMIZE_AFTER`]).
    pub(crate) cold_runs: AtomicU32,
    /// Set once the block was invalidated.
    pub(crate) dead: AtomicBool,
    /// Queued for, or being, compiled.
    pub(crate) queued: AtomicBool,
    /// Part of a compiled region (as its entry or not).
    pub(crate) member: AtomicBool,
    /// Compile failed or was skipped; do not retry.
    pub(crate) no_jit: AtomicBool,
    /// What the engine keeps of the frontend's IR for the block's life:
    /// its guest range and terminal (the IR itself goes once optimized).
    pub(crate) block: Head,
    /// Observed targets of a computed terminal (made on the first one).
    targets: OnceLock<Box<Targets>>,
    /// `block` pre-decoded for tier 0 (on its second execution; `None`
    /// before, if it is too large, and once `opt_dec` is made). Locked by
    /// the CPU running it: another CPU meanwhile runs the `Block`.
    pub(crate) cold_dec: Mutex<Option<xlat_interp::Decoded>>,
    /// The frontend's IR, unoptimized (what tier 0 runs while cold);
    /// taken, to be optimized in place, when `opt` is made. Shared with a
    /// CPU running it meanwhile.
    pub(crate) cold: Mutex<Option<Arc<Block>>>,
    /// The optimized IR, made on first demand (warm at tier 0, compiled,
    /// or logged with `-d op`); dropped once its region is compiled, and
    /// made again (from a new translation) when needed after that.
    pub(crate) opt: Mutex<Option<Arc<Block>>>,
}

/// Guest PCs that a block's computed jump (or return) continued at, with
/// counts: recorded by the dispatcher after interpreting the block, read
/// when a region is formed. Plain loads and stores, not locked operations:
/// guest threads racing on one block may lose a count or, rarely, a slot,
/// which only makes the hint weaker (compiled code compares the PC).
#[derive(Default)]
pub(crate) struct Targets {
    pcs: [AtomicU64; PROFILE_TARGETS],
    counts: [AtomicU32; PROFILE_TARGETS],
    /// Executions whose target found no slot left.
    other: AtomicU32,
}

impl Targets {
    /// Counts one continuation at `pc`.
    fn record(&self, pc: u64) {
        for (p, c) in self.pcs.iter().zip(&self.counts) {
            let n = c.load(Ordering::Relaxed);
            if n == 0 {
                p.store(pc, Ordering::Relaxed);
                c.store(1, Ordering::Relaxed);
                return;
            }
            if p.load(Ordering::Relaxed) == pc {
                c.store(n.saturating_add(1), Ordering::Relaxed);
                return;
            }
        }
        let n = self.other.load(Ordering::Relaxed);
        self.other.store(n.saturating_add(1), Ordering::Relaxed);
    }

    /// The targets seen at least [`TARGET_SHARE`] of the time, hottest
    /// first.
    pub(crate) fn hot(&self) -> Vec<u64> {
        let mut seen: Vec<(u32, u64)> = self
            .counts
            .iter()
            .zip(&self.pcs)
            .map(|(c, p)| (c.load(Ordering::Relaxed), p.load(Ordering::Relaxed)))
            .filter(|&(c, _)| c > 0)
            .collect();
        let total: u64 = seen.iter().map(|&(c, _)| c as u64).sum::<u64>()
            + self.other.load(Ordering::Relaxed) as u64;
        seen.retain(|&(c, _)| c as u64 * TARGET_SHARE >= total);
        seen.sort_by_key(|&(c, _)| std::cmp::Reverse(c));
        seen.into_iter().map(|(_, p)| p).collect()
    }
}

/// A translated block's guest length and terminal (see [`Tb::block`]; its
/// PC is the key's).
#[derive(Debug)]
pub(crate) struct Head {
    /// Bytes of guest code covered (from the PC).
    pub(crate) guest_len: u32,
    /// How the block ends (every translated block has a terminal:
    /// [`Frontend::translate`](xlat_ir::Frontend::translate) never fails).
    pub(crate) term: xlat_ir::Terminal,
}

impl Tb {
    /// Whether the block ends in a computed jump or a return (whose
    /// targets the dispatcher records, see [`Targets`]).
    fn computed(&self) -> bool {
        matches!(
            self.block.term,
            xlat_ir::Terminal::JumpIndirect(_) | xlat_ir::Terminal::Return(_)
        )
    }

    /// The hot observed targets of its computed terminal, hottest first.
    pub(crate) fn hot_targets(&self) -> Vec<u64> {
        self.targets.get().map(|t| t.hot()).unwrap_or_default()
    }

    /// Whether the block has, or is queued for, a compiled region of its
    /// own (it got hot; a failed compile excepted).
    fn heads_own_region(&self) -> bool {
        self.host.load(Ordering::Relaxed) != 0
            || (self.queued.load(Ordering::Relaxed) && !self.no_jit.load(Ordering::Relaxed))
    }

    fn end(&self) -> u64 {
        self.key.0 + (self.block.guest_len.max(1)) as u64
    }

    /// The optimized IR (optimizing it now if it is not kept; another
    /// thread asking meanwhile waits for it).
    pub(crate) fn optimized(&self, e: &Engine) -> Arc<Block> {
        let mut opt = lock(&self.opt);
        if let Some(b) = &*opt {
            return b.clone();
        }
        // The unoptimized IR is not needed any more: the optimized IR
        // replaces it for tier 0, the JIT and logging (a CPU still running
        // it keeps its reference until it is done). Translated again if
        // it went when the block was pre-decoded (or optimized before).
        let cold = lock(&self.cold).take();
        let mut b = cold.map_or_else(|| e.retranslate(self), Arc::unwrap_or_clone);
        xlat_ir::passes::optimize(&mut b, &e.layout);
        // The passes compact in place.
        b.insts.shrink_to_fit();
        // Nor its pre-decoded form (unless a CPU runs it now: then
        // `opt_form` frees it).
        if let Ok(mut d) = self.cold_dec.try_lock() {
            d.take();
        }
        opt.insert(Arc::new(b)).clone()
    }

    /// Drops the optimized IR (made again on demand): the block's region
    /// is compiled, and its pre-decoded form serves tier 0.
    fn drop_optimized(&self) {
        lock(&self.opt).take();
    }

    /// The unoptimized IR while it is kept (`None` once optimized).
    fn cold_ir(&self) -> Option<Arc<Block>> {
        lock(&self.cold).clone()
    }

    /// The IR tier 0 runs now: the unoptimized block for its first
    /// [`OPTIMIZE_AFTER`] executions, then the optimized one. Both have the
    /// same guest semantics (the passes never drop an effect a fault could
    /// observe). From the second execution on, in pre-decoded form.
    fn for_interp(&self, e: &Engine) -> Interp<'_> {
        let layout = &e.layout;
        if let Some(d) = self.opt_dec.get() {
            return match d {
                Some(d) => Interp::Decoded(d),
                None => Interp::Shared(self.optimized(e)),
            };
        }
        if lock(&self.opt).is_some() {
            return self.opt_form(e);
        }
        let n = self.cold_runs.load(Ordering::Relaxed);
        if n < OPTIMIZE_AFTER {
            // Not a locked add: a lost count between threads is harmless.
            self.cold_runs.store(n + 1, Ordering::Relaxed);
            // Many blocks of a short process run once: pre-decoding costs
            // about four executions' worth of ops, so the first run takes
            // the plain IR.
            if n > 0
                && let Ok(mut cold) = self.cold_dec.try_lock()
            {
                if cold.is_some() {
                    return Interp::Cold(cold);
                }
                if let Some(b) = self.cold_ir() {
                    *cold = xlat_interp::Decoded::new(&b, layout);
                    if cold.is_none() {
                        return Interp::Shared(b);
                    }
                    // Only the decoded form runs from now on: the IR goes
                    // (translated again once the block is warm). A block
                    // run once (most of them) keeps it.
                    lock(&self.cold).take();
                    return Interp::Cold(cold);
                }
            } else if let Some(b) = self.cold_ir() {
                return Interp::Shared(b);
            }
            // Optimized meanwhile (by the compiler thread or another CPU).
        }
        self.opt_form(e)
    }

    /// Tier 0's form of the optimized IR (pre-decoding it now if nobody
    /// has yet).
    fn opt_form(&self, e: &Engine) -> Interp<'_> {
        let d = self.opt_dec.get_or_init(|| {
            let b = self.optimized(e);
            // The unoptimized form is not run any more.
            if let Ok(mut cold) = self.cold_dec.try_lock() {
                cold.take();
            }
            xlat_interp::Decoded::new(&b, &e.layout)
        });
        match d {
            Some(d) => Interp::Decoded(d),
            None => Interp::Shared(self.optimized(e)),
        }
    }
}

/// What tier 0 runs for a block (see [`Tb::for_interp`]).
enum Interp<'a> {
    /// The IR itself (unoptimized while cold, or optimized but too large
    /// to decode), through [`xlat_interp::run_block`].
    Shared(Arc<Block>),
    /// The optimized block's pre-decoded form.
    Decoded(&'a xlat_interp::Decoded),
    /// The unoptimized block's pre-decoded form (always `Some`), locked
    /// while it runs so that it can be freed once the optimized form
    /// replaces it.
    Cold(std::sync::MutexGuard<'a, Option<xlat_interp::Decoded>>),
}

/// Chaining bookkeeping (under `Engine::jit`).
struct Links {
    /// Exit slots that target a key: patched when the key gets code,
    /// reset when it is invalidated. Values: slot addresses.
    incoming: KeyMap<Vec<usize>>,
    /// Compiled regions by entry key.
    owned: KeyMap<Owned>,
}

/// A compiled region as the engine tracks it.
struct Owned {
    generation: u32,
    /// Exit slots: (target key, slot address).
    exits: Vec<(Key, usize)>,
    /// Guest ranges `[start, end)` of the region's blocks.
    ranges: Vec<(u64, u64)>,
    /// The region's entry counter ([`xlat_jit::Region::entries`]): set for
    /// a quick region not yet recompiled, else 0.
    entries: usize,
    /// Its value when [`Engine::recompile_hot`] last looked.
    entries_seen: u64,
}

impl Links {
    /// Forgets the exit slots `exits` of a region that is going away.
    fn drop_exits(&mut self, exits: Vec<(Key, usize)>) {
        for (k, s) in exits {
            if let Some(v) = self.incoming.get_mut(&k) {
                v.retain(|&x| x != s);
                if v.is_empty() {
                    self.incoming.remove(&k);
                }
            }
        }
    }
}

struct JitState {
    jit: Jit,
    links: Links,
}

/// Counters for `-d stats`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Blocks translated to IR.
    pub blocks_translated: u64,
    /// Guest instructions translated.
    pub insns_translated: u64,
    /// Blocks translated again to be optimized (their unoptimized IR was
    /// dropped once pre-decoded).
    pub blocks_retranslated: u64,
    /// Regions compiled to host code.
    pub regions_compiled: u64,
    /// Blocks in compiled regions.
    pub blocks_compiled: u64,
    /// Regions compiled at [`OptLevel::Quick`] (the queue was long).
    pub regions_quick: u64,
    /// Quick regions that stayed hot, recompiled at [`OptLevel::Speed`]
    /// (also counted in `regions_compiled`).
    pub regions_recompiled: u64,
    /// Compilation failures (those blocks stay interpreted).
    pub compile_failures: u64,
    /// Total compilation time in microseconds (CPU time of the compiling
    /// thread, so that it does not depend on the machine's load).
    pub compile_us: u64,
    /// Host code bytes produced.
    pub code_bytes: u64,
    /// Blocks dropped by invalidation.
    pub blocks_invalidated: u64,
    /// Code generations freed.
    pub generations_freed: u64,
    /// Blocks entered by the dispatcher at tier 0.
    pub interp_dispatches: u64,
    /// Of those (in [`Tier::Mixed`]), blocks queued for compilation and
    /// not compiled yet (the compiler's backlog). The rest of
    /// `interp_dispatches` less the next two is blocks still below the
    /// threshold.
    pub interp_queued: u64,
    /// Of `interp_dispatches`, blocks compiled inside a region that they do
    /// not start (entered from outside it: a computed jump, an exit of
    /// another region, a return to the dispatcher), not queued themselves.
    pub interp_in_region: u64,
    /// Of `interp_dispatches`, blocks that are not to be compiled: other
    /// tiers, retries after a fault in compiled code, failed compilations,
    /// CPUs that never compile.
    pub interp_other: u64,
    /// Entries into compiled code by the dispatcher.
    pub jit_dispatches: u64,
    /// Dispatches that missed the per-CPU block cache (looked up in the
    /// shared one, or translated).
    pub tb_cache_misses: u64,
    /// Loads that faulted in compiled code and were re-run at tier 0 from
    /// the last snapshot ([`ExitCode::Retry`]).
    pub fault_retries: u64,
    /// Questions that compiled loops' entry checks asked the world
    /// (`GuestMemory::direct_ranges`), process-wide, and of those the
    /// refused ones.
    pub loop_questions: (u64, u64),
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "blocks translated   {} ({} guest insns, {} translated again)",
            self.blocks_translated, self.insns_translated, self.blocks_retranslated
        )?;
        writeln!(
            f,
            "regions compiled    {} ({} blocks, {} failures, {} quick, {} recompiled)",
            self.regions_compiled,
            self.blocks_compiled,
            self.compile_failures,
            self.regions_quick,
            self.regions_recompiled
        )?;
        writeln!(
            f,
            "compile time        {:.3} ms",
            self.compile_us as f64 / 1000.0
        )?;
        writeln!(f, "host code           {} bytes", self.code_bytes)?;
        writeln!(
            f,
            "invalidated         {} blocks, {} generations freed",
            self.blocks_invalidated, self.generations_freed
        )?;
        writeln!(
            f,
            "dispatches          {} interpreted, {} compiled, {} per-CPU cache misses",
            self.interp_dispatches, self.jit_dispatches, self.tb_cache_misses
        )?;
        writeln!(
            f,
            "tier-0 dispatches   {} below the threshold, {} queued or compiling, {} inside a region, {} other",
            self.interp_dispatches
                .saturating_sub(self.interp_queued + self.interp_in_region + self.interp_other),
            self.interp_queued,
            self.interp_in_region,
            self.interp_other
        )?;
        writeln!(f, "fault retries       {}", self.fault_retries)?;
        write!(
            f,
            "loop entry checks   {} questions, {} refused",
            self.loop_questions.0, self.loop_questions.1
        )
    }
}

#[derive(Default)]
struct Counters {
    blocks_translated: AtomicU64,
    insns_translated: AtomicU64,
    retranslated: AtomicU64,
    regions_compiled: AtomicU64,
    blocks_compiled: AtomicU64,
    regions_quick: AtomicU64,
    regions_recompiled: AtomicU64,
    compile_failures: AtomicU64,
    compile_us: AtomicU64,
    code_bytes: AtomicU64,
    blocks_invalidated: AtomicU64,
    generations_freed: AtomicU64,
    interp_dispatches: AtomicU64,
    interp_why: [AtomicU64; 3],
    jit_dispatches: AtomicU64,
    tb_cache_misses: AtomicU64,
    fault_retries: AtomicU64,
}

/// One guest process's translator: shared by all its guest threads.
pub struct Engine {
    frontend: Arc<dyn Frontend>,
    layout: StateLayout,
    /// Boxed so CPU headers can point at it (`CpuHeader::mem`).
    mem: Box<MemRef>,
    opts: ExecOptions,
    cache: RwLock<KeyMap<Arc<Tb>>>,
    /// Guest pages (address >> 12) that code was ever translated from: a
    /// superset of those holding live blocks, so that invalidating a range
    /// without code (python3 unmapping heap arenas) takes neither the JIT
    /// lock, which the compiler thread holds while it compiles, nor a walk
    /// of the whole cache.
    code_pages: Mutex<HashSet<u64, BuildHasherDefault<KeyHasher>>>,
    /// Bumped by every invalidation; CPUs flush their caches when it moves.
    epoch: AtomicU64,
    cpus: Mutex<Vec<Arc<CpuShared>>>,
    jit: Option<Mutex<JitState>>,
    /// The background compiler's queue (Mixed), started by the first block
    /// that gets hot: short processes never pay for the thread.
    queue: Mutex<Queue>,
    /// Blocks waiting for the compiler thread, hottest first.
    pending: Arc<HeatQueue<Weak<Tb>>>,
    /// This engine, for the compiler thread (which holds only a `Weak`).
    me: Weak<Engine>,
    counters: Counters,
}

/// The background compiler held between two compiles while this lives
/// (see [`Engine::pause_compiler`]).
pub struct CompilerPause<'a> {
    _paused: Option<crate::queue::Paused<'a, Weak<Tb>>>,
}

impl std::fmt::Debug for CompilerPause<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompilerPause")
            .field("paused", &self._paused.is_some())
            .finish()
    }
}

/// State of the background compiler thread.
enum Queue {
    /// Not started yet (or not wanted: tiers other than Mixed).
    Idle,
    /// Running; blocks to compile go to `Engine::pending`.
    Running,
    /// Could not be started: blocks stay interpreted.
    Failed,
}

/// Bytes [`Fetch`] reads ahead (never across a 4 KiB boundary).
const FETCH_CHUNK: usize = 64;

/// Reads guest code through the world's memory for one translation, a
/// chunk at a time: frontends ask for one instruction at a time, and each
/// `fetch_code` is a map lookup plus a probed copy (hello: 3 870 fetches,
/// 680 000 host instructions). A chunk never crosses a 4 KiB boundary, the
/// smallest page any world uses, so it needs exactly the permissions (and
/// write-protects exactly the pages) that the instructions in it would.
pub(crate) struct Fetch<'a> {
    mem: &'a MemRef,
    /// The chunk: bytes, guest address of the first, count valid.
    chunk: std::cell::RefCell<([u8; FETCH_CHUNK], u64, usize)>,
}

impl<'a> Fetch<'a> {
    pub(crate) fn new(mem: &'a MemRef) -> Fetch<'a> {
        Fetch {
            mem,
            chunk: std::cell::RefCell::new(([0; FETCH_CHUNK], 0, 0)),
        }
    }
}

impl CodeSource for Fetch<'_> {
    fn read_code(&self, addr: u64, buf: &mut [u8]) -> Result<(), IrFault> {
        let mut c = self.chunk.borrow_mut();
        let (bytes, start, len) = &mut *c;
        let off = addr.wrapping_sub(*start);
        if off <= *len as u64 && buf.len() as u64 <= *len as u64 - off {
            let off = off as usize;
            buf.copy_from_slice(&bytes[off..off + buf.len()]);
            return Ok(());
        }
        let n = FETCH_CHUNK.min((4096 - (addr & 4095)) as usize);
        if buf.len() <= n && self.mem.fetch_code(addr, &mut bytes[..n]).is_ok() {
            (*start, *len) = (addr, n);
            buf.copy_from_slice(&bytes[..buf.len()]);
            return Ok(());
        }
        // Partly inaccessible, or longer than a chunk: exactly what was
        // asked for, so a fault names the same address.
        *len = 0;
        self.mem.fetch_code(addr, buf)
    }

    fn code_guarded(&self, addr: u64) -> Option<bool> {
        self.mem.code_guarded(addr)
    }
}

impl Engine {
    /// Creates the engine for one guest process.
    pub fn new(
        frontend: Arc<dyn Frontend>,
        mem: MemRef,
        opts: ExecOptions,
    ) -> Result<Arc<Engine>, ExecError> {
        let layout = *frontend.layout();
        if layout.size < std::mem::size_of::<CpuHeader>()
            || layout.regs.get(layout.pc.0 as usize).is_none()
            || layout
                .regs
                .iter()
                .any(|r| (r.offset as usize) + (r.ty.bytes() as usize) > layout.size)
        {
            return Err(ExecError::Layout(format!(
                "{}: registers must lie inside the {}-byte block after the header",
                frontend.name(),
                layout.size
            )));
        }
        let jit = match opts.tier {
            Tier::Interp => None,
            Tier::Jit | Tier::Mixed => Some(Mutex::new(JitState {
                jit: Jit::new(
                    &layout,
                    JitOptions {
                        chain: opts.chain,
                        guard: mem.direct().map_or(0, |d| d.guard),
                    },
                )?,
                links: Links {
                    incoming: KeyMap::default(),
                    owned: KeyMap::default(),
                },
            })),
        };
        let engine = Arc::new_cyclic(|me| Engine {
            frontend,
            layout,
            mem: Box::new(mem),
            opts,
            cache: RwLock::new(KeyMap::default()),
            code_pages: Mutex::new(HashSet::default()),
            epoch: AtomicU64::new(1),
            cpus: Mutex::new(Vec::new()),
            jit,
            queue: Mutex::new(Queue::Idle),
            pending: Arc::new(HeatQueue::new()),
            me: me.clone(),
            counters: Counters::default(),
        });
        Ok(engine)
    }

    /// The frontend.
    pub fn frontend(&self) -> &Arc<dyn Frontend> {
        &self.frontend
    }

    /// The world's memory.
    pub fn mem(&self) -> &MemRef {
        &self.mem
    }

    /// The options the engine was created with.
    pub fn options(&self) -> &ExecOptions {
        &self.opts
    }

    /// A new CPU: zeroed state, header filled in (memory base and limit,
    /// memory pointer, jump cache).
    pub fn new_cpu(self: &Arc<Self>) -> Cpu {
        let cpu = Cpu::new(self, &*self.mem as *const MemRef as usize);
        lock(&self.cpus).push(cpu.shared.clone());
        cpu
    }

    /// Statistics so far.
    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            blocks_translated: l(&c.blocks_translated),
            insns_translated: l(&c.insns_translated),
            blocks_retranslated: l(&c.retranslated),
            regions_compiled: l(&c.regions_compiled),
            blocks_compiled: l(&c.blocks_compiled),
            regions_quick: l(&c.regions_quick),
            regions_recompiled: l(&c.regions_recompiled),
            compile_failures: l(&c.compile_failures),
            compile_us: l(&c.compile_us),
            code_bytes: l(&c.code_bytes),
            blocks_invalidated: l(&c.blocks_invalidated),
            generations_freed: l(&c.generations_freed),
            interp_dispatches: l(&c.interp_dispatches),
            interp_queued: l(&c.interp_why[0]),
            interp_in_region: l(&c.interp_why[1]),
            interp_other: l(&c.interp_why[2]),
            jit_dispatches: l(&c.jit_dispatches),
            tb_cache_misses: l(&c.tb_cache_misses),
            fault_retries: l(&c.fault_retries),
            loop_questions: xlat_jit::loop_questions(),
        }
    }

    /// Runs guest code on `cpu` from its PC until the world has to act.
    pub fn run(&self, cpu: &mut Cpu) -> Exit {
        cpu.shared.running.store(true, Ordering::SeqCst);
        let exit = self.run_loop(cpu);
        // Dispatch counts are per CPU while it runs (no shared cache line
        // written per block) and added to the engine's here.
        let c = &self.counters;
        c.interp_dispatches.fetch_add(
            std::mem::take(&mut cpu.interp_dispatches),
            Ordering::Relaxed,
        );
        for (c, n) in c.interp_why.iter().zip(&mut cpu.interp_why) {
            c.fetch_add(std::mem::take(n), Ordering::Relaxed);
        }
        c.jit_dispatches
            .fetch_add(std::mem::take(&mut cpu.jit_dispatches), Ordering::Relaxed);
        c.tb_cache_misses
            .fetch_add(std::mem::take(&mut cpu.tb_cache_misses), Ordering::Relaxed);
        cpu.shared
            .seen
            .store(self.epoch.load(Ordering::SeqCst), Ordering::SeqCst);
        cpu.shared.running.store(false, Ordering::SeqCst);
        exit
    }

    fn run_loop(&self, cpu: &mut Cpu) -> Exit {
        let env = cpu.env_ptr();
        let hdr = env as *const CpuHeader;
        // Blocks still to interpret after `ExitCode::Retry` (the faulting
        // load lies within them; compiled code would fault again).
        let mut retry = 0usize;
        // Read once, not per dispatch: the memory and frontend behind
        // their `Arc<dyn _>`, the options, and where the PC lies (an
        // 8-byte register inside the block is read directly).
        let (mem, frontend) = (&**self.mem, &*self.frontend);
        let (tier, chain) = (self.opts.tier, self.opts.chain);
        let logger = self.opts.logger.as_ref();
        let pc_off = self
            .layout
            .regs
            .get(self.layout.pc.0 as usize)
            .filter(|r| r.ty.bytes() == 8 && r.offset as usize + 8 <= self.layout.size)
            .map(|r| r.offset as usize);
        loop {
            // Quiescent point: no compiled code of this CPU is running.
            // Publishing `seen` is a locked instruction on x86: done only
            // when the epoch moved (the value published last is still true).
            let e = self.epoch.load(Ordering::SeqCst);
            if e != cpu.flushed_epoch {
                cpu.flush_caches();
                cpu.flushed_epoch = e;
                cpu.shared.seen.store(e, Ordering::SeqCst);
            }
            // SAFETY: `hdr` is the live header of cpu's block.
            let stop = unsafe { &(*hdr).stop };
            let s = stop.load(Ordering::SeqCst);
            if s != 0 {
                if s & STOP_FLUSH != 0 {
                    stop.fetch_and(!STOP_FLUSH, Ordering::SeqCst);
                }
                if s & STOP_REQUEST != 0 {
                    return Exit::Stopped;
                }
                continue;
            }
            let pc = match pc_off {
                // SAFETY: the 8 bytes at `o` lie inside the CPU's block
                // (checked above), which nothing else writes meanwhile.
                Some(o) => u64::from_le(unsafe { (env.add(o) as *const u64).read_unaligned() }),
                None => cpu.pc(),
            };
            let flags = frontend.tb_flags(cpu.env());
            if flags != cpu.jc_flags {
                cpu.flush_caches();
                cpu.jc_flags = flags;
            }
            let slot = Cpu::tb_slot(pc);
            let entry = &mut cpu.tb_cache[slot];
            if !matches!(entry, Some(tb) if tb.key == (pc, flags) && !tb.dead.load(Ordering::Relaxed))
            {
                *entry = Some(self.lookup_or_translate(pc, flags));
                cpu.tb_cache_misses += 1;
            }
            // Borrowed from the per-CPU cache, which keeps it alive for this
            // iteration: no reference-count traffic per dispatch.
            let Some(tb) = &cpu.tb_cache[slot] else {
                continue;
            };
            if let Some(l) = logger {
                l.exec(pc);
            }
            let retrying = retry > 0;
            let mut host = if retrying {
                retry -= 1;
                0
            } else {
                tb.host.load(Ordering::Acquire)
            };
            if host == 0
                && !retrying
                && tier == Tier::Jit
                && !cpu.no_compile
                && !tb.no_jit.load(Ordering::Relaxed)
            {
                self.compile_now(tb);
                host = tb.host.load(Ordering::Acquire);
            }
            let code = if host != 0 {
                cpu.jit_dispatches += 1;
                if chain {
                    let jc = &mut cpu.jump_cache[xlat_jit::jump_cache_index(pc)];
                    jc.pc = pc;
                    jc.code = host as u64;
                }
                // SAFETY: `host` is the entry of a live compiled region for
                // this engine's layout (regions are freed only after every
                // CPU passed a quiescent point), `env` the CPU's block.
                unsafe { xlat_jit::enter(env, host) }
            } else {
                cpu.interp_dispatches += 1;
                // Why tier 0 (see `Stats::interp_queued`): three relaxed
                // loads of the block's flags, no branch but the tier's.
                let why = if tier == Tier::Mixed && !retrying && !cpu.no_compile {
                    self.count_hit(tb);
                    if tb.no_jit.load(Ordering::Relaxed) {
                        Some(2)
                    } else if tb.member.load(Ordering::Relaxed) {
                        Some(1)
                    } else {
                        tb.queued.load(Ordering::Relaxed).then_some(0)
                    }
                } else {
                    Some(2)
                };
                if let Some(i) = why {
                    cpu.interp_why[i] += 1;
                }
                let scratch = &mut cpu.scratch;
                match tb.for_interp(self) {
                    // SAFETY: `env` is the CPU's live block laid out per
                    // `self.layout`, which `d` was decoded for.
                    Interp::Decoded(d) => unsafe { xlat_interp::run_decoded(d, env, mem, scratch) },
                    Interp::Cold(g) => {
                        let d = g.as_ref().expect("Interp::Cold holds a decoded form");
                        // SAFETY: as above.
                        unsafe { xlat_interp::run_decoded(d, env, mem, scratch) }
                    }
                    // SAFETY: `env` is the CPU's live block laid out per
                    // `self.layout`; the block passed the verifier's rules.
                    Interp::Shared(b) => unsafe {
                        xlat_interp::run_block(&b, &self.layout, env, mem, scratch)
                    },
                }
            };
            if host == 0 && code == ExitCode::Continue && tier == Tier::Mixed && tb.computed() {
                // Profile: where tier 0 saw the computed jump go.
                let next = cpu.pc();
                tb.targets.get_or_init(Box::default).record(next);
            }
            match code {
                ExitCode::Continue | ExitCode::Stopped => {}
                ExitCode::Retry => {
                    self.counters.fault_retries.fetch_add(1, Ordering::Relaxed);
                    retry = xlat_jit::RETRY_BLOCKS;
                }
                ExitCode::Exception => {
                    // SAFETY: live header.
                    let (k, info) = unsafe { ((*hdr).exc_kind, (*hdr).exc_info) };
                    return Exit::Exception {
                        kind: ExceptionKind::from_u32(k).unwrap_or(ExceptionKind::Undefined),
                        pc: cpu.pc(),
                        info,
                    };
                }
                ExitCode::Fault => {
                    // SAFETY: live header.
                    let (k, addr) = unsafe { ((*hdr).fault_kind, (*hdr).exc_info) };
                    return Exit::Fault {
                        fault: Fault {
                            addr,
                            kind: FaultKind::from_u32(k & !FAULT_WRITE),
                            write: k & FAULT_WRITE != 0,
                        },
                        pc: cpu.pc(),
                    };
                }
            }
        }
    }

    /// The cached translation of `(pc, flags)`, if any.
    #[cfg(test)]
    pub(crate) fn cached(&self, pc: u64, flags: u64) -> Option<Arc<Tb>> {
        read(&self.cache).get(&(pc, flags)).cloned()
    }

    fn lookup_or_translate(&self, pc: u64, flags: u64) -> Arc<Tb> {
        if let Some(tb) = read(&self.cache).get(&(pc, flags)) {
            return tb.clone();
        }
        let block = self.translate_block(pc, flags);
        self.counters
            .blocks_translated
            .fetch_add(1, Ordering::Relaxed);
        self.counters
            .insns_translated
            .fetch_add(block.guest_insns as u64, Ordering::Relaxed);
        let tb = Arc::new(Tb {
            key: (pc, flags),
            block: Head {
                guest_len: block.guest_len,
                term: block
                    .term
                    .expect("Frontend::translate ends every block with a terminal"),
            },
            cold: Mutex::new(Some(Arc::new(block))),
            opt: Mutex::new(None),
            cold_dec: Mutex::new(None),
            opt_dec: OnceLock::new(),
            cold_runs: AtomicU32::new(0),
            hits: AtomicU32::new(0),
            host: AtomicUsize::new(0),
            dead: AtomicBool::new(false),
            queued: AtomicBool::new(false),
            member: AtomicBool::new(false),
            no_jit: AtomicBool::new(false),
            targets: OnceLock::new(),
        });
        if let Some(l) = &self.opts.logger
            && l.wants_ir()
        {
            // `-d op` shows the optimized IR, which tier 0 then runs from
            // the start.
            l.translated(&tb.optimized(self), &self.layout);
        }
        lock(&self.code_pages).extend(page_range(pc, tb.end()));
        // Another thread may have translated the same block meanwhile.
        write(&self.cache).entry((pc, flags)).or_insert(tb).clone()
    }

    /// The frontend's IR of the block at `(pc, flags)`, read from guest
    /// memory now.
    fn translate_block(&self, pc: u64, flags: u64) -> Block {
        let topts = xlat_ir::TranslateOptions {
            max_insns: self.opts.max_insns_per_block.max(1),
        };
        let mut block = self
            .frontend
            .translate(pc, flags, &Fetch::new(&self.mem), &topts);
        // The builder reserves room for 64 instructions; tens of thousands
        // of blocks live as long as the process (python3: 40 000).
        block.insts.shrink_to_fit();
        block.helpers.shrink_to_fit();
        // Debug builds check the frontend's IR here and (inside
        // `optimize`) after every pass.
        if cfg!(debug_assertions)
            && let Err(e) = xlat_ir::verify(&block, &self.layout)
        {
            panic!(
                "frontend {} produced invalid IR at {pc:#x}: {e}\n{}",
                self.frontend.name(),
                xlat_ir::print::print_block(&block, &self.layout)
            );
        }
        block
    }

    /// The frontend's IR of `tb` again, for a block whose unoptimized IR
    /// was dropped (see [`Tb::cold`]). The guest code it covers is what it
    /// was at translation: a store into it invalidates the block first
    /// (see "Self-modifying code" in docs/architecture.md). Should a racing
    /// thread's store change it anyway, the new IR is what that code does
    /// now, and its pages are watched as for a fresh translation.
    fn retranslate(&self, tb: &Tb) -> Block {
        let block = self.translate_block(tb.key.0, tb.key.1);
        self.counters.retranslated.fetch_add(1, Ordering::Relaxed);
        if block.guest_len != tb.block.guest_len {
            lock(&self.code_pages).extend(page_range(
                block.pc,
                block.pc + block.guest_len.max(1) as u64,
            ));
        }
        block
    }

    fn count_hit(&self, tb: &Arc<Tb>) {
        // A plain load and store, not a locked add: a count lost to a race
        // between guest threads only delays compilation a little.
        let n = tb.hits.load(Ordering::Relaxed).saturating_add(1);
        tb.hits.store(n, Ordering::Relaxed);
        if n >= self.opts.jit_threshold
            && !tb.no_jit.load(Ordering::Relaxed)
            && !tb.queued.load(Ordering::Relaxed)
            && !tb.queued.swap(true, Ordering::Relaxed)
            && self.opts.tier == Tier::Mixed
        {
            let mut q = lock(&self.queue);
            if matches!(*q, Queue::Idle) {
                *q = self.start_compiler();
            }
            if matches!(*q, Queue::Running) {
                self.pending.push(Arc::downgrade(tb), n);
            }
        }
    }

    /// Starts the background compiler thread (on the first hot block).
    ///
    /// It is spawned from whichever guest thread got there first, so it is
    /// started with every signal blocked: it must not inherit that
    /// thread's (guest-controlled) mask and so become a candidate for
    /// process-directed signals meant for guest threads.
    fn start_compiler(&self) -> Queue {
        let weak = self.me.clone();
        let pending = self.pending.clone();
        // SAFETY: plain sigset manipulation on local values and this
        // thread's mask, restored right after the spawn.
        let old = unsafe {
            let mut all: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut old);
            old
        };
        let r = std::thread::Builder::new()
            .name("xlat-jit".into())
            .spawn(move || compiler_thread(weak, &pending));
        // SAFETY: restores the mask saved above.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
        match r {
            Ok(_) => Queue::Running,
            Err(_) => Queue::Failed,
        }
    }

    /// Holds the background compiler thread between two compiles, where
    /// it holds no lock and no region (the compile in progress, if any,
    /// ends first), until the returned guard is dropped; at once when no
    /// compiler thread runs. For a host fork ([`Engine::fork`], which
    /// takes the guard): the child must not inherit a lock that thread
    /// held (the logger's, the address space's).
    pub fn pause_compiler(&self) -> CompilerPause<'_> {
        let running = matches!(*lock(&self.queue), Queue::Running);
        CompilerPause {
            _paused: running.then(|| self.pending.pause()),
        }
    }

    /// Runs `fork`, a host fork, and returns its result; `is_child` tells
    /// the child's result from the parent's. The caller holds the compiler
    /// thread with `paused` and has every other guest thread of the process
    /// stopped outside [`Engine::run`] (at most adding or removing its CPU:
    /// the CPU list is locked across the fork), so the engine is whole in
    /// the child, which keeps it: every translation and compiled region of
    /// the parent's (the code memory is a private mapping, copied by the
    /// fork), where a fresh engine would translate and compile again all
    /// the child runs (forkbusy's children at `-tier jit`: 500 regions,
    /// 0.2 s each). There the CPUs of the threads that do not exist are
    /// forgotten and, where the parent had a compiler thread, a new one
    /// takes the queue. Statistics go on from the parent's.
    pub fn fork<T>(
        &self,
        paused: CompilerPause<'_>,
        fork: impl FnOnce() -> T,
        is_child: impl FnOnce(&T) -> bool,
    ) -> T {
        let mut cpus = lock(&self.cpus);
        let r = fork();
        if !is_child(&r) {
            drop(cpus);
            drop(paused);
            return r;
        }
        cpus.clear();
        drop(cpus);
        // The paused thread does not exist here: its pause is not undone.
        std::mem::forget(paused);
        self.pending.forked();
        let mut q = lock(&self.queue);
        if matches!(*q, Queue::Running) {
            *q = self.start_compiler();
        }
        r
    }

    /// Holds the background compiler at its first look at the queue (or
    /// its next one), without waiting for it to get there: for tests that
    /// count tier-0 runs of queued blocks.
    #[cfg(test)]
    pub(crate) fn hold_compiler(&self) -> crate::queue::Paused<'_, Weak<Tb>> {
        self.pending.hold()
    }

    /// Picks the region for `entry`: the entry block plus blocks reachable
    /// through constant successors that are already translated (and, in
    /// Mixed, were executed) and through the hot observed targets of
    /// computed jumps (see [`Targets`]), bounded in count.
    ///
    /// A jump (constant or computed, not a call or return) back to a block
    /// before the entry is taken to close a loop that the entry lies
    /// inside: unless the entry heads a loop itself (the target of such a
    /// jump in its region), a head that got hot itself (has or will get
    /// its own region) and whose region holds the entry stays out, an exit
    /// into the head's region, so that the loop runs in one region entered
    /// at its head whichever of its blocks was compiled first (`interp`:
    /// the region at the table jump 0x4005c4 carried NZCV round the loop,
    /// ~10 % slower, in 7 of 12 runs). Without the last condition sort's
    /// merge loop, whose comparator call returns to the entry by an exit,
    /// lost ~10 % on ppc64le; inner loops keep their outer loop.
    pub(crate) fn form_region(&self, entry: &Arc<Tb>, max_blocks: usize) -> Vec<Arc<Tb>> {
        if self.opts.tier == Tier::Jit {
            // Tier::Jit compiles block by block (each then chains).
            return vec![entry.clone()];
        }
        let (region, heads_loop, enclosing) = self.grow_region(entry, max_blocks, false);
        if let Some(head) = enclosing
            && !heads_loop
            && self.head_region_holds(&head, entry, max_blocks)
        {
            return self.grow_region(entry, max_blocks, true).0;
        }
        region
    }

    /// Whether the region of the enclosing head `head` holds `entry`: the
    /// blocks of its compiled region once that is final (compiled at
    /// speed, or a quick one that is not recompiled), else those of the
    /// region a walk from `head` forms now (a quick region stays hot only
    /// to be recompiled: the walk answers for what `head` will get then).
    pub(crate) fn head_region_holds(&self, head: &Arc<Tb>, entry: &Tb, max_blocks: usize) -> bool {
        if let Some(js) = &self.jit
            && let Some(o) = lock(js).links.owned.get(&head.key)
            && o.entries == 0
        {
            return o.ranges.iter().any(|&(s, _)| s == entry.key.0);
        }
        (self.grow_region(head, max_blocks, false).0)
            .iter()
            .any(|t| t.key == entry.key)
    }

    /// [`Engine::form_region`]'s walk, leaving enclosing heads out if
    /// `leave_heads`; also returns whether the entry heads a loop and the
    /// first enclosing head the walk met.
    pub(crate) fn grow_region(
        &self,
        entry: &Arc<Tb>,
        max_blocks: usize,
        leave_heads: bool,
    ) -> (Vec<Arc<Tb>>, bool, Option<Arc<Tb>>) {
        let mut region = vec![entry.clone()];
        let (mut heads_loop, mut enclosing) = (false, None);
        let cache = read(&self.cache);
        let min_hits = (self.opts.jit_threshold / 4).max(1);
        // Quick regions (the queue is long) keep to constant successors:
        // lua5.4 (~1 100 regions, most of them quick) compiled 44 % longer
        // with observed targets followed in all regions, 5 % longer with
        // speed regions only (and returns as below).
        let follow_computed = max_blocks > QUICK_REGION_BLOCKS;
        let mut i = 0;
        while i < region.len() && region.len() < max_blocks {
            // Constant successors must have run often themselves; a hot
            // target of a computed jump was seen often enough from here.
            let mut observed = if follow_computed {
                region[i].hot_targets()
            } else {
                Vec::new()
            };
            if matches!(region[i].block.term, xlat_ir::Terminal::Return(_)) {
                // A return joins only a call of the region to its return
                // address: following every hot return site (a function
                // called from several loops) made lua5.4 compile 22 %
                // longer for no gain.
                observed.retain(|&t| {
                    region.iter().any(
                        |c| matches!(c.block.term, xlat_ir::Terminal::Call { ret, .. } if ret == t),
                    )
                });
            }
            // The frontend's terminal: the passes renumber its operand,
            // never its kind or targets, and the optimized IR of a block
            // compiled before is gone (made again only by translating it
            // again).
            let term = region[i].block.term;
            let (at, jumps) = (
                region[i].key.0,
                !matches!(
                    term,
                    xlat_ir::Terminal::Call { .. } | xlat_ir::Terminal::Return(_)
                ),
            );
            let enclosing_head =
                |s: u64, t: &Tb| jumps && s <= at && s < entry.key.0 && t.heads_own_region();
            let mut succs: Vec<(u64, bool)> = term
                .successors()
                .map(|s| (s, false))
                .chain(observed.into_iter().map(|s| (s, true)))
                .collect();
            if !follow_computed {
                // A quick region has room for one successor of its entry:
                // the one that ran more often at tier 0, not the branch's
                // taken side (python3: an exit to the hot fall-through in
                // every run of the region otherwise).
                let runs = |s: u64| {
                    cache
                        .get(&(s, entry.key.1))
                        .map_or(0, |t| t.hits.load(Ordering::Relaxed))
                };
                succs.sort_by_key(|&(s, _)| std::cmp::Reverse(runs(s)));
            }
            for (s, observed) in succs {
                let key = (s, entry.key.1);
                heads_loop |= jumps && s == entry.key.0 && s <= at;
                if region.iter().any(|t| t.key == key) {
                    continue;
                }
                if let Some(t) = cache.get(&key)
                    && !t.dead.load(Ordering::Relaxed)
                    && (observed || t.hits.load(Ordering::Relaxed) >= min_hits)
                    && region.len() < max_blocks
                {
                    if enclosing_head(s, t) {
                        enclosing.get_or_insert_with(|| t.clone());
                        if leave_heads {
                            continue;
                        }
                    }
                    region.push(t.clone());
                }
            }
            i += 1;
        }
        (region, heads_loop, enclosing)
    }

    /// Compiles the region starting at `tb` and installs it.
    pub(crate) fn compile_now(&self, tb: &Arc<Tb>) {
        self.compile_region(tb, OptLevel::Speed);
    }

    /// Compiles the region starting at `tb` at `level` and installs it:
    /// [`OptLevel::Quick`] also keeps the region to [`QUICK_REGION_BLOCKS`].
    pub(crate) fn compile_region(&self, tb: &Arc<Tb>, level: OptLevel) {
        self.compile_region_as(tb, level, false);
    }

    /// [`Engine::compile_region`], or with `replace` a new region for `tb`
    /// in place of its quick one (see [`Engine::recompile_hot`]): exits
    /// into it and `tb`'s entry go to the new code, the old region's exits
    /// back to the dispatcher, and its code is retired at the current
    /// epoch (the caller moves the epoch). Returns whether it installed a
    /// region.
    fn compile_region_as(&self, tb: &Arc<Tb>, level: OptLevel, replace: bool) -> bool {
        let Some(js) = &self.jit else { return false };
        let max_blocks = match level {
            OptLevel::Speed => MAX_REGION_BLOCKS,
            OptLevel::Quick => QUICK_REGION_BLOCKS,
        };
        let mut region = self.form_region(tb, max_blocks);
        // The blocks were added breadth-first from the entry, so every
        // prefix is connected: cut the region at MAX_REGION_INSTS.
        let mut insts = 0;
        let keep = region
            .iter()
            .take_while(|t| {
                insts += t.optimized(self).insts.len();
                insts <= MAX_REGION_INSTS
            })
            .count();
        region.truncate(keep.max(1));
        let owned: Vec<Arc<Block>> = region.iter().map(|t| t.optimized(self)).collect();
        let blocks: Vec<&Block> = owned.iter().map(|b| &**b).collect();
        let targets: Vec<Vec<u64>> = region.iter().map(|t| t.hot_targets()).collect();
        // A switch table the compiler may read (`Jit::compile_reading`)
        // lies in the KiB after its computed jump: watched as code before
        // it is read, so that a store racing with the compile finds the
        // region (through its `tables`) rather than an unwatched page.
        {
            let mut pages = lock(&self.code_pages);
            for b in &blocks {
                if matches!(b.term, Some(xlat_ir::Terminal::JumpIndirect(_))) {
                    let end = b.pc.saturating_add(b.guest_len as u64);
                    pages.extend(page_range(
                        end,
                        end.saturating_add(xlat_jit::SWITCH_TABLE_BYTES),
                    ));
                }
            }
        }
        let mut js = lock(js);
        let wanted = if replace {
            js.links.owned.get(&tb.key).is_some_and(|o| o.entries != 0)
        } else {
            tb.host.load(Ordering::SeqCst) == 0
        };
        if tb.dead.load(Ordering::SeqCst) || !wanted {
            return false;
        }
        let t0 = thread_cpu_us();
        let res = js
            .jit
            .compile_reading(&blocks, &targets, level, Some(&**self.mem));
        let us = thread_cpu_us().saturating_sub(t0);
        self.counters.compile_us.fetch_add(us, Ordering::Relaxed);
        let r = match res {
            Ok(r) => r,
            Err(_) => {
                self.counters
                    .compile_failures
                    .fetch_add(1, Ordering::Relaxed);
                match js.links.owned.get_mut(&tb.key) {
                    // Keep the quick code, and do not try again.
                    Some(o) if replace => o.entries = 0,
                    _ => tb.no_jit.store(true, Ordering::Relaxed),
                }
                return false;
            }
        };
        if region.iter().any(|t| t.dead.load(Ordering::SeqCst)) {
            // A block of the region was invalidated while it was compiled.
            js.jit
                .retire(r.generation, self.epoch.load(Ordering::SeqCst));
            return false;
        }
        self.counters
            .regions_compiled
            .fetch_add(1, Ordering::Relaxed);
        for t in &region {
            t.member.store(true, Ordering::Relaxed);
            // Made again if another region (or a recompilation) needs it.
            t.drop_optimized();
        }
        self.counters
            .blocks_compiled
            .fetch_add(region.len() as u64, Ordering::Relaxed);
        if level == OptLevel::Quick {
            self.counters.regions_quick.fetch_add(1, Ordering::Relaxed);
        }
        if replace {
            self.counters
                .regions_recompiled
                .fetch_add(1, Ordering::Relaxed);
        }
        self.counters
            .code_bytes
            .fetch_add(r.code_len as u64, Ordering::Relaxed);
        if let Some(l) = &self.opts.logger {
            // SAFETY: the region's code is live and `code_len` bytes long.
            let code = unsafe { std::slice::from_raw_parts(r.code as *const u8, r.code_len) };
            l.compiled(tb.key.0, &r.guest_pcs, code, r.code as u64);
        }
        let flags = tb.key.1;
        let links = &mut js.links;
        // Link: this region's exits to already compiled targets, and
        // waiting exits of other regions to this one.
        let cache = read(&self.cache);
        let mut owned = Vec::with_capacity(r.exits.len());
        for x in &r.exits {
            let key = (x.target, flags);
            links.incoming.entry(key).or_default().push(x.slot);
            owned.push((key, x.slot));
            if let Some(t) = cache.get(&key) {
                let h = t.host.load(Ordering::SeqCst);
                if h != 0 {
                    // SAFETY: `x.slot` is an exit slot of the live region `r`.
                    unsafe { xlat_jit::patch_slot(x.slot, h) };
                }
            }
        }
        drop(cache);
        let old = links.owned.insert(
            tb.key,
            Owned {
                generation: r.generation,
                exits: owned,
                ranges: region
                    .iter()
                    .map(|t| (t.key.0, t.end()))
                    .chain(r.tables.iter().copied())
                    .collect(),
                entries: r.entries,
                entries_seen: 0,
            },
        );
        let old_generation = old.map(|o| {
            // The replaced quick region: a CPU still in it leaves at its
            // next exit.
            for &(_, s) in &o.exits {
                // SAFETY: a slot of the old region, whose code is live
                // until it is retired below and every CPU moved on.
                unsafe { xlat_jit::patch_slot(s, 0) };
            }
            links.drop_exits(o.exits);
            o.generation
        });
        if let Some(slots) = links.incoming.get(&tb.key) {
            for &s in slots {
                // SAFETY: slots in `incoming` belong to live regions (they
                // are removed when their region is invalidated).
                unsafe { xlat_jit::patch_slot(s, r.entry) };
            }
        }
        tb.host.store(r.entry, Ordering::SeqCst);
        if let Some(g) = old_generation {
            js.jit.retire(g, self.epoch.load(Ordering::SeqCst));
        }
        true
    }

    /// Recompiles at [`OptLevel::Speed`] the quick regions entered at least
    /// `min_entries` times since the last call, most entered first, at most
    /// [`crate::RECOMPILE_BATCH`] of them, then moves the epoch so that every CPU
    /// drops the old entries from its jump cache (and the old code can be
    /// freed). Returns how many were replaced.
    pub(crate) fn recompile_hot(&self, min_entries: u64) -> usize {
        let Some(js) = &self.jit else { return 0 };
        let mut hot: Vec<(u64, Key)> = lock(js)
            .links
            .owned
            .iter_mut()
            .filter(|(_, o)| o.entries != 0)
            .map(|(k, o)| {
                // SAFETY: the counter of a live region (owned regions are
                // not retired), read under the JIT lock.
                let n = unsafe { xlat_jit::entry_count(o.entries) };
                let grew = n.wrapping_sub(std::mem::replace(&mut o.entries_seen, n));
                (grew, *k)
            })
            .filter(|&(n, _)| n >= min_entries.max(1))
            .collect();
        hot.sort_unstable_by_key(|&(n, _)| std::cmp::Reverse(n));
        hot.truncate(crate::RECOMPILE_BATCH);
        let mut n = 0;
        for (_, key) in hot {
            let tb = read(&self.cache).get(&key).cloned();
            if let Some(tb) = tb
                && self.compile_region_as(&tb, OptLevel::Speed, true)
            {
                n += 1;
            }
        }
        if n > 0 {
            self.flush_cpus();
            self.reclaim();
        }
        n
    }

    /// Moves the epoch and kicks every CPU out of compiled code: each
    /// flushes its caches at its next dispatch, after which code retired
    /// before can be freed.
    fn flush_cpus(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        for c in lock(&self.cpus).iter() {
            c.stop().fetch_or(STOP_FLUSH, Ordering::SeqCst);
        }
    }

    /// Drops every translation overlapping `[guest_start, guest_start+len)`
    /// (self-modifying code, munmap, mprotect). CPUs running compiled code
    /// leave it at their next block exit; the code memory is freed once
    /// every CPU passed through the dispatcher.
    pub fn invalidate(&self, guest_start: u64, len: u64) {
        let end = guest_start.saturating_add(len.max(1));
        if !self.may_hold_code(guest_start, end) {
            return;
        }
        let overlaps = |s: u64, e: u64| s < end && e > guest_start;
        // Lock order: JIT state, then the cache (as in `compile_now`).
        let mut js = self.jit.as_ref().map(lock);
        // Regions that contain an affected block die with it, whatever
        // their entry.
        let extra: std::collections::HashSet<Key> = js
            .as_deref()
            .map(|js| {
                js.links
                    .owned
                    .iter()
                    .filter(|(_, o)| o.ranges.iter().any(|&(s, e)| overlaps(s, e)))
                    .map(|(k, _)| *k)
                    .collect()
            })
            .unwrap_or_default();
        let mut dead = Vec::new();
        {
            let mut cache = write(&self.cache);
            cache.retain(|k, tb| {
                let hit = overlaps(tb.key.0, tb.end()) || extra.contains(k);
                if hit {
                    tb.dead.store(true, Ordering::SeqCst);
                    dead.push(tb.clone());
                }
                !hit
            });
        }
        if dead.is_empty() {
            return;
        }
        self.counters
            .blocks_invalidated
            .fetch_add(dead.len() as u64, Ordering::Relaxed);
        let epoch = self.epoch.load(Ordering::SeqCst);
        if let Some(js) = js.as_deref_mut() {
            let JitState { jit, links } = js;
            for tb in &dead {
                // Exits into this block go back to the dispatcher.
                if let Some(slots) = links.incoming.get(&tb.key) {
                    for &s in slots {
                        // SAFETY: live slot (see compile_now).
                        unsafe { xlat_jit::patch_slot(s, 0) };
                    }
                }
                tb.host.store(0, Ordering::SeqCst);
                if let Some(o) = links.owned.remove(&tb.key) {
                    links.drop_exits(o.exits);
                    jit.retire(o.generation, epoch);
                }
            }
        }
        drop(js);
        self.flush_cpus();
        self.reclaim();
    }

    /// False if no code was ever translated from `[start, end)`.
    fn may_hold_code(&self, start: u64, end: u64) -> bool {
        let pages = lock(&self.code_pages);
        let range = page_range(start, end);
        if (range.end() - range.start()) as usize <= pages.len() {
            range.into_iter().any(|p| pages.contains(&p))
        } else {
            pages.iter().any(|p| range.contains(p))
        }
    }

    /// Frees code generations that no CPU can be running any more.
    fn reclaim(&self) {
        let Some(js) = &self.jit else { return };
        let quiet = lock(&self.cpus)
            .iter()
            .filter(|c| c.running.load(Ordering::SeqCst))
            .map(|c| c.seen.load(Ordering::SeqCst))
            .min()
            .unwrap_or(u64::MAX);
        let freed = lock(js).jit.reclaim(quiet);
        self.counters
            .generations_freed
            .fetch_add(freed as u64, Ordering::Relaxed);
    }

    pub(crate) fn unregister(&self, shared: &Arc<CpuShared>) {
        lock(&self.cpus).retain(|c| !Arc::ptr_eq(c, shared));
    }
}

impl Drop for Cpu {
    fn drop(&mut self) {
        self.engine.unregister(&self.shared);
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // Ends the compiler thread (it waits in `pop`).
        self.pending.close();
    }
}

fn compiler_thread(engine: Weak<Engine>, pending: &HeatQueue<Weak<Tb>>) {
    let heat = |tb: &Weak<Tb>| {
        let tb = tb.upgrade()?;
        // A block that joined another region while it waited runs at
        // tier 0 only when entered from outside that region (through the
        // dispatcher): worth a region of its own only once that happens.
        let parked = tb.member.load(Ordering::Relaxed) && tb.host.load(Ordering::Relaxed) == 0;
        (!tb.dead.load(Ordering::Relaxed)).then(|| (tb.hits.load(Ordering::Relaxed), parked))
    };
    let mut scanned = std::time::Instant::now();
    loop {
        // While quick regions may stay hot, wake up now and then to look
        // for them even when nothing is queued.
        let quick = match engine.upgrade() {
            Some(e) => {
                let st = e.stats();
                st.regions_quick > st.regions_recompiled
            }
            None => return,
        };
        let Some(popped) = pending.pop_timeout(heat, quick.then_some(crate::RECOMPILE_PERIOD))
        else {
            return;
        };
        let Some(engine) = engine.upgrade() else {
            return;
        };
        let (tb, waiting) = popped.map_or((None, 0), |(tb, w)| (tb.upgrade(), w));
        if let Some(tb) = tb
            && !tb.dead.load(Ordering::SeqCst)
        {
            // Quickly, in small regions, rather than well: what stays hot
            // is compiled again at Speed (`recompile_hot`), while a large,
            // flat program's many warm blocks get compiled code soon.
            engine.compile_region(&tb, OptLevel::Quick);
        }
        // Quick regions still hot, at low priority: only once the queue
        // is empty, and at most a batch per period.
        let since = scanned.elapsed();
        if waiting == 0 && since >= crate::RECOMPILE_PERIOD {
            let ms = since.as_millis().min(u64::MAX as u128) as u64;
            engine.recompile_hot(crate::RECOMPILE_RATE.saturating_mul(ms) / 1000);
            scanned = std::time::Instant::now();
        }
        engine.reclaim();
    }
}

/// The 4 KiB guest pages that `[start, end)` touches (`end > start`).
fn page_range(start: u64, end: u64) -> std::ops::RangeInclusive<u64> {
    (start >> 12)..=((end - 1) >> 12)
}

/// CPU time of the calling thread in microseconds: compile time counted this
/// way does not grow when the compiler thread waits for a core.
fn thread_cpu_us() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes only the local `ts`.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return 0;
    }
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1000
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("frontend", &self.frontend.name())
            .field("opts", &self.opts)
            .finish()
    }
}
