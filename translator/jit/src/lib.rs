//! Tier 1: lowers xlat IR regions to host code with Cranelift.
//!
//! A compiled unit is a *region*: one or more IR blocks (entry first) as one
//! Cranelift function `fn(env)` with the tail-call convention (see
//! [`lower`](crate) for how registers, memory and exits are lowered).
//! Regions are grouped into code *generations* (one `JITModule` each) whose
//! memory is freed as a whole once all their regions are dead and no CPU can
//! be running them ([`Jit::retire`], [`Jit::reclaim`]). Compiled code is
//! entered through [`enter`] (an assembly entry that saves the callee-saved
//! registers, records the host stack for fault recovery, see
//! [`handle_host_fault`], and calls the region directly).

mod lower;
mod memory;
mod runtime;

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::{self, AbiParam, FuncRef, InstBuilder, types};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{DataDescription, Linkage, Module};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use xlat_ir::{Block, ExitCode, HelperDesc, StateLayout};

/// Entries in a CPU's jump cache (`CpuHeader::jump_cache`).
pub const JUMP_CACHE_ENTRIES: usize = 4096;

/// One jump-cache entry: guest PC and the compiled entry for it. An empty
/// entry (the default) holds `xlat_jit_unchained_asm`, the stub that
/// returns `Continue`, so compiled code needs no test for empty entries: a
/// jump to its PC (0) goes to the dispatcher as a miss does.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct JumpCacheEntry {
    /// Guest PC.
    pub pc: u64,
    /// Host entry of the region starting at `pc`, or the stub.
    pub code: u64,
}

impl Default for JumpCacheEntry {
    fn default() -> Self {
        JumpCacheEntry {
            pc: 0,
            code: runtime::xlat_jit_unchained_asm as *const () as u64,
        }
    }
}

/// After [`ExitCode::Retry`], the dispatcher interprets at most this many
/// blocks from the snapshot PC before it enters compiled code again.
/// Interpreting from a snapshot is always correct; the bound only limits
/// how long a retry stays at tier 0. A loop without side effects writes no
/// snapshot at its back edge, so the faulting access may lie more than
/// this many blocks after the snapshot: compiled code then resumes where
/// the retry stopped (a later snapshot) and the next fault retries from
/// there, so a fault after n blocks costs about n / `RETRY_BLOCKS` extra
/// compiled runs of the rest of the loop.
pub const RETRY_BLOCKS: usize = 4096;

/// Bytes after a computed jump's block that a compile may read as its
/// switch table (256 words, one per index byte: `lower::word_table`); the
/// engine watches them as code before the compile.
pub const SWITCH_TABLE_BYTES: u64 = 1024;

thread_local! {
    /// Set while this thread runs a compile whose panics [`Jit`] catches.
    static IN_COMPILE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
thread_local! {
    /// Tests: the next compile on this thread panics after lowering its
    /// first block (a lowering bug, as the region's later blocks would
    /// meet it).
    pub(crate) static PANIC_AFTER_FIRST_BLOCK: std::cell::Cell<bool> =
        const { std::cell::Cell::new(false) };
}

/// Whether a panic on this thread now is one that [`Jit`] catches (the
/// region fails to compile and its blocks stay at tier 0): a process-wide
/// panic hook that ends the process should let such a panic unwind.
pub fn panic_is_caught() -> bool {
    IN_COMPILE.with(std::cell::Cell::get)
}

/// Index of `pc` in a jump cache.
pub fn jump_cache_index(pc: u64) -> usize {
    ((pc >> 2) as usize) & (JUMP_CACHE_ENTRIES - 1)
}

/// JIT errors.
#[derive(Debug, thiserror::Error)]
pub enum JitError {
    /// The host ISA is not supported by Cranelift.
    #[error("host ISA: {0}")]
    Isa(String),
    /// Cranelift rejected the function.
    #[error("code generation failed: {0}")]
    Codegen(String),
    /// The region is empty or malformed.
    #[error("bad region: {0}")]
    BadRegion(String),
}

/// How hard Cranelift optimizes a region.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum OptLevel {
    /// `opt_level=speed`: the best code (tier 1's default).
    Speed,
    /// `opt_level=none` (no e-graph pass): about half the compile time, for
    /// code the engine needs compiled soon rather than well (see
    /// `xlat_exec`'s compile policy).
    Quick,
}

impl OptLevel {
    fn index(self) -> usize {
        match self {
            OptLevel::Speed => 0,
            OptLevel::Quick => 1,
        }
    }

    fn cranelift_name(self) -> &'static str {
        match self {
            OptLevel::Speed => "speed",
            OptLevel::Quick => "none",
        }
    }
}

/// JIT options.
#[derive(Copy, Clone, Debug)]
pub struct JitOptions {
    /// Chain exits and use the jump cache (`false` = `-d nochain`).
    pub chain: bool,
    /// The world's [`DirectMem::guard`](xlat_ir::abi::DirectMem::guard)
    /// (0 where memory is not direct): with guards, an access `r + imm`
    /// checks only `r`, once per value of `r` in a block.
    pub guard: u64,
}

/// An exit of a compiled region to a constant guest PC outside it.
#[derive(Copy, Clone, Debug)]
pub struct RegionExit {
    /// Guest PC the exit continues at.
    pub target: u64,
    /// Address of the exit's chaining slot (see [`patch_slot`]).
    pub slot: usize,
}

/// A compiled region.
#[derive(Clone, Debug)]
pub struct Region {
    /// Host entry (pass to [`enter`]).
    pub entry: usize,
    /// Host code address.
    pub code: usize,
    /// Host code length in bytes.
    pub code_len: usize,
    /// Chainable exits.
    pub exits: Vec<RegionExit>,
    /// Code generation holding the region.
    pub generation: u32,
    /// Guest PCs of the region's blocks, entry first.
    pub guest_pcs: Vec<u64>,
    /// Address of the region's entry counter, a `u64` in its data that its
    /// code increments (not atomically) whenever it is entered, from the
    /// dispatcher, an exit slot or the jump cache, and at the head of each
    /// of its internal loops (read it with [`entry_count`]); 0 = none. Only
    /// [`OptLevel::Quick`] regions count: the engine recompiles those
    /// that stay hot at [`OptLevel::Speed`].
    pub entries: usize,
    /// Guest byte ranges `[start, end)` the compiler read (switch tables,
    /// see [`Jit::compile_reading`]): the region is valid only while they
    /// hold what they held then, so a store into them must drop it as a
    /// store into its code does.
    pub tables: Vec<(u64, u64)>,
}

/// A group of regions sharing one `JITModule`; its memory is freed as a
/// whole once all its regions are dead and no CPU can be running them.
struct Generation {
    module: Option<JITModule>,
    /// Regions not yet retired.
    live: usize,
    /// Regions compiled into it.
    total: usize,
    /// Host code bytes.
    bytes: usize,
    /// Epoch at which the last region died.
    dead_at: Option<u64>,
    /// Code ranges registered for the fault handler: the arena's code
    /// half once, or (without an arena) each region's code.
    ranges: Vec<usize>,
    /// The arena's code half is registered: its regions add no range.
    arena_range: bool,
}

/// A generation stops taking new regions at this much code...
const GEN_MAX_BYTES: usize = 1 << 20;
/// ...or this many regions.
const GEN_MAX_REGIONS: usize = 512;

/// The compiler and its code memory.
pub struct Jit {
    /// One ISA per [`OptLevel`] (indexed by [`OptLevel::index`]).
    isa: [OwnedTargetIsa; 2],
    layout: StateLayout,
    opts: JitOptions,
    gens: Vec<Generation>,
    /// The generation taking new regions, per [`OptLevel`] (a module
    /// compiles with one ISA, so each level fills its own).
    current: [Option<usize>; 2],
    /// Helper symbols by name, consulted when a module resolves imports.
    helpers: Arc<Mutex<HashMap<String, usize>>>,
    fctx: FunctionBuilderContext,
    /// Cranelift's compilation context, reused by every compile: it keeps
    /// its allocations (regalloc2's above all) from one region to the next.
    ctx: cranelift_codegen::Context,
}

// SAFETY: a `JITModule` holds raw pointers into code memory it owns; the
// `Jit` is only used through `&mut` (callers keep it behind a mutex), so
// moving it to another thread is sound.
unsafe impl Send for Jit {}

fn make_isa(level: OptLevel) -> Result<OwnedTargetIsa, JitError> {
    let mut fb = settings::builder();
    let set = |fb: &mut settings::Builder, k: &str, v: &str| {
        fb.set(k, v)
            .map_err(|e| JitError::Isa(format!("{k}={v}: {e}")))
    };
    set(&mut fb, "opt_level", level.cranelift_name())?;
    set(&mut fb, "is_pic", "false")?;
    // The x64 tail-call implementation needs frame pointers.
    set(&mut fb, "preserve_frame_pointers", "true")?;
    set(&mut fb, "use_colocated_libcalls", "false")?;
    set(
        &mut fb,
        "enable_verifier",
        if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        },
    )?;
    let ib = cranelift_native::builder().map_err(|e| JitError::Isa(e.to_string()))?;
    ib.finish(settings::Flags::new(fb))
        .map_err(|e| JitError::Isa(e.to_string()))
}

/// A module for compiled regions (`arena`: code memory of its own, see
/// [`memory`]) or, without one, cranelift-jit's default provider.
fn new_module(
    isa: &OwnedTargetIsa,
    helpers: &Arc<Mutex<HashMap<String, usize>>>,
    arena: Option<memory::Arena>,
) -> JITModule {
    let mut jb = JITBuilder::with_isa(isa.clone(), cranelift_module::default_libcall_names());
    if let Some(a) = arena {
        jb.memory_provider(Box::new(a));
    }
    jb.symbol("xlat_jit_load_pa", runtime::xlat_jit_load_pa as *const u8);
    jb.symbol("xlat_jit_store_pa", runtime::xlat_jit_store_pa as *const u8);
    jb.symbol("xlat_jit_rmw_pa", runtime::xlat_jit_rmw_pa as *const u8);
    jb.symbol("xlat_jit_cas_pa", runtime::xlat_jit_cas_pa as *const u8);
    jb.symbol("xlat_jit_eval_pa", runtime::xlat_jit_eval_pa as *const u8);
    jb.symbol(
        "xlat_jit_unchained_asm",
        runtime::xlat_jit_unchained_asm as *const u8,
    );
    let h = helpers.clone();
    jb.symbol_lookup_fn(Box::new(move |name| {
        h.lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .map(|a| *a as *const u8)
    }));
    JITModule::new(jb)
}

fn sig(cc: CallConv, params: usize, ret: Option<ir::Type>) -> ir::Signature {
    let mut s = ir::Signature::new(cc);
    for _ in 0..params {
        s.params.push(AbiParam::new(types::I64));
    }
    if let Some(r) = ret {
        s.returns.push(AbiParam::new(r));
    }
    s
}

fn cg<E: std::fmt::Debug>(e: E) -> JitError {
    JitError::Codegen(format!("{e:?}"))
}

impl Jit {
    /// Sets up the compiler for the host.
    pub fn new(layout: &StateLayout, opts: JitOptions) -> Result<Jit, JitError> {
        let isa = [make_isa(OptLevel::Speed)?, make_isa(OptLevel::Quick)?];
        Ok(Jit {
            isa,
            layout: *layout,
            opts,
            gens: Vec::new(),
            current: [None; 2],
            helpers: Arc::new(Mutex::new(HashMap::new())),
            fctx: FunctionBuilderContext::new(),
            ctx: cranelift_codegen::Context::new(),
        })
    }

    fn generation(&mut self, level: OptLevel) -> usize {
        let l = level.index();
        if let Some(g) = self.current[l] {
            let gen_ = &self.gens[g];
            if gen_.module.is_some() && gen_.bytes < GEN_MAX_BYTES && gen_.total < GEN_MAX_REGIONS {
                return g;
            }
            if gen_.live == 0 && gen_.dead_at.is_none() {
                // Full but all dead already: it can go at the next reclaim.
                self.gens[g].dead_at = Some(0);
            }
        }
        // Without an arena (address space exhausted) the module uses
        // cranelift-jit's own page-per-finalize memory.
        let arena = memory::Arena::new(memory::ARENA_BYTES).ok();
        // One fault-handler range for the whole arena rather than one per
        // region: the table has `runtime::RANGES` entries, which a large
        // program at `-tier jit` (python3: ~25 000 regions) used up.
        let ranges: Vec<usize> = arena
            .as_ref()
            .map(|a| a.code_range())
            .filter(|&(start, len)| runtime::add_range(start, len))
            .map(|(start, _)| start)
            .into_iter()
            .collect();
        self.gens.push(Generation {
            module: Some(new_module(&self.isa[l], &self.helpers, arena)),
            live: 0,
            total: 0,
            bytes: 0,
            dead_at: None,
            arena_range: !ranges.is_empty(),
            ranges,
        });
        self.current[l] = Some(self.gens.len() - 1);
        self.gens.len() - 1
    }

    /// The level whose current generation is `g`, if any.
    fn current_level(&self, g: usize) -> Option<usize> {
        self.current.iter().position(|&c| c == Some(g))
    }

    /// Compiles a region at [`OptLevel::Speed`]: `blocks[0]` is the entry;
    /// jumps between the region's blocks are direct, other constant exits
    /// get chaining slots.
    pub fn compile(&mut self, blocks: &[&Block]) -> Result<Region, JitError> {
        self.compile_at(blocks, OptLevel::Speed)
    }

    /// Compiles a region (as [`Jit::compile`]) at the given level.
    pub fn compile_at(&mut self, blocks: &[&Block], level: OptLevel) -> Result<Region, JitError> {
        self.compile_with(blocks, &[], level)
    }

    /// Compiles a region (as [`Jit::compile_at`]) whose computed jumps may
    /// continue inside it: `targets[k]` lists guest PCs that block `k`'s
    /// computed jump (or return) was seen to continue at, hottest first.
    /// Those that are blocks of the region, and the return addresses of the
    /// region's calls for a return, are reached directly (the computed PC
    /// is compared against them); any other PC leaves through the jump
    /// cache as before. A missing or short `targets` means no hints.
    pub fn compile_with(
        &mut self,
        blocks: &[&Block],
        targets: &[Vec<u64>],
        level: OptLevel,
    ) -> Result<Region, JitError> {
        self.compile_reading(blocks, targets, level, None)
    }

    /// Compiles a region (as [`Jit::compile_with`]) that may read guest
    /// memory through `code` ([`GuestMemory::fetch_code`]: executable
    /// memory, which the world watches as code) while it is compiled: a
    /// PowerPC switch's table of words becomes a jump on its index
    /// (`lower/word_table.rs`). What it read is listed in
    /// [`Region::tables`]; the caller must drop the region when those
    /// bytes change.
    pub fn compile_reading(
        &mut self,
        blocks: &[&Block],
        targets: &[Vec<u64>],
        level: OptLevel,
        code: Option<&dyn xlat_ir::abi::GuestMemory>,
    ) -> Result<Region, JitError> {
        if blocks.is_empty() {
            return Err(JitError::BadRegion("no blocks".into()));
        }
        for b in blocks {
            xlat_ir::verify(b, &self.layout).map_err(|e| JitError::BadRegion(e.to_string()))?;
        }
        let g = self.generation(level);
        {
            let mut h = self.helpers.lock().unwrap_or_else(|e| e.into_inner());
            for b in blocks {
                for d in &b.helpers {
                    h.insert(d.name.to_string(), d.func as usize);
                }
            }
        }
        let layout = self.layout;
        let chain = self.opts.chain;
        let guard = self.opts.guard;
        let (fctx, ctx) = (&mut self.fctx, &mut self.ctx);
        let module = self.gens[g]
            .module
            .as_mut()
            .expect("current generation has a module");
        IN_COMPILE.with(|c| c.set(true));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let count = level == OptLevel::Quick;
            compile_into(
                module, fctx, ctx, &layout, blocks, targets, chain, guard, count, code,
            )
        }));
        IN_COMPILE.with(|c| c.set(false));
        let (entry, code_len, slots, exits, entries, tables) = match result {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                // Start afresh: the module may hold a half-declared function.
                self.retire_current_if_empty(g);
                return Err(e);
            }
            Err(_) => {
                // Contexts left mid-compile by a panic are not reused: the
                // builder's SSA state would make every later compile panic.
                self.ctx = cranelift_codegen::Context::new();
                self.fctx = FunctionBuilderContext::new();
                self.retire_current_if_empty(g);
                self.current[level.index()] = None;
                return Err(JitError::Codegen("Cranelift panicked".into()));
            }
        };
        let gen_ = &mut self.gens[g];
        gen_.live += 1;
        gen_.total += 1;
        gen_.bytes += code_len;
        if !gen_.arena_range {
            if !runtime::add_range(entry, code_len) {
                gen_.live -= 1;
                if gen_.live == 0 {
                    gen_.dead_at = Some(0);
                }
                self.current[level.index()] = None;
                return Err(JitError::Codegen("code range table full".into()));
            }
            gen_.ranges.push(entry);
        }
        Ok(Region {
            entry,
            code: entry,
            code_len,
            exits: exits
                .iter()
                .enumerate()
                .map(|(i, t)| RegionExit {
                    target: *t,
                    slot: slots + 8 * i,
                })
                .collect(),
            generation: g as u32,
            guest_pcs: blocks.iter().map(|b| b.pc).collect(),
            entries,
            tables,
        })
    }

    fn retire_current_if_empty(&mut self, g: usize) {
        if self.gens[g].live == 0 {
            self.gens[g].dead_at = Some(0);
            if let Some(l) = self.current_level(g) {
                self.current[l] = None;
            }
        }
    }

    /// Records that one region of `generation` became dead at `epoch` (the
    /// caller's invalidation epoch: code of that epoch may still run until
    /// every CPU has observed a later one).
    pub fn retire(&mut self, generation: u32, epoch: u64) {
        let g = generation as usize;
        let Some(gen_) = self.gens.get_mut(g) else {
            return;
        };
        gen_.live = gen_.live.saturating_sub(1);
        if gen_.live == 0 {
            gen_.dead_at = Some(epoch);
            if let Some(l) = self.current_level(g) {
                self.current[l] = None;
            }
        }
    }

    /// Frees the code memory of dead generations that died before
    /// `quiescent_epoch` (every CPU has observed a later epoch); returns how
    /// many were freed.
    pub fn reclaim(&mut self, quiescent_epoch: u64) -> usize {
        let mut n = 0;
        let current = self.current;
        for (i, gen_) in self.gens.iter_mut().enumerate() {
            if current.contains(&Some(i)) {
                continue;
            }
            if let Some(e) = gen_.dead_at
                && e < quiescent_epoch
                && let Some(m) = gen_.module.take()
            {
                for r in gen_.ranges.drain(..) {
                    runtime::remove_range(r);
                }
                // SAFETY: every region of the module is dead and no CPU can
                // be running it (quiescence established by the caller).
                unsafe { m.free_memory() };
                n += 1;
            }
        }
        n
    }

    /// Code generations still holding memory.
    pub fn live_generations(&self) -> usize {
        self.gens.iter().filter(|g| g.module.is_some()).count()
    }
}

impl Drop for Jit {
    /// Frees all code memory. The owner guarantees that no CPU runs code of
    /// this `Jit` any more (the engine is dropped only after its CPUs).
    fn drop(&mut self) {
        for gen_ in &mut self.gens {
            if let Some(m) = gen_.module.take() {
                for r in gen_.ranges.drain(..) {
                    runtime::remove_range(r);
                }
                // SAFETY: no code of this Jit can run any more (see above).
                unsafe { m.free_memory() };
            }
        }
    }
}

/// What [`compile_into`] returns: entry, code length, slot array address,
/// exit targets, entry counter address or 0, guest ranges read.
type Compiled = (usize, usize, usize, Vec<u64>, usize, Vec<(u64, u64)>);

/// Lowers and defines one region in `module`; returns [`Compiled`].
#[allow(clippy::too_many_arguments)]
fn compile_into(
    module: &mut JITModule,
    fctx: &mut FunctionBuilderContext,
    ctx: &mut cranelift_codegen::Context,
    layout: &StateLayout,
    blocks: &[&Block],
    targets: &[Vec<u64>],
    chain: bool,
    guard: u64,
    count_entries: bool,
    code: Option<&dyn xlat_ir::abi::GuestMemory>,
) -> Result<Compiled, JitError> {
    let tail = lower::region_sig(CallConv::Tail);
    // Named after the guest PC (plus a sequence number: the same PC can be
    // compiled again after an invalidation): cranelift-jit writes the names
    // to `/tmp/perf-<pid>.map` when running under `perf record` (which sets
    // `PERF_BUILDID_DIR`), so profiles name regions by guest address.
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "xlat_region_{:x}_{}",
        blocks[0].pc,
        SEQ.fetch_add(1, Ordering::Relaxed)
    );
    let func_id = module
        .declare_function(&name, Linkage::Local, &tail)
        .map_err(cg)?;
    let data_id = module.declare_anonymous_data(true, false).map_err(cg)?;
    // Cleared before each compile (not after it: an error returns early).
    module.clear_context(ctx);
    ctx.func.signature = tail.clone();
    let sysv = CallConv::SystemV;
    let mut import =
        |name: &str, s: ir::Signature, func: &mut ir::Function| -> Result<FuncRef, JitError> {
            let id = module
                .declare_function(name, Linkage::Import, &s)
                .map_err(cg)?;
            Ok(module.declare_func_in_func(id, func))
        };
    // Slow paths: `preserve_all` thunks (see `runtime`), no return value.
    let pa = CallConv::PreserveAll;
    let load = import("xlat_jit_load_pa", sig(pa, 4, None), &mut ctx.func)?;
    let store = import("xlat_jit_store_pa", sig(pa, 4, None), &mut ctx.func)?;
    let rmw = import("xlat_jit_rmw_pa", sig(pa, 5, None), &mut ctx.func)?;
    let cas = import("xlat_jit_cas_pa", sig(pa, 4, None), &mut ctx.func)?;
    let eval = import("xlat_jit_eval_pa", sig(pa, 4, None), &mut ctx.func)?;
    let mut helpers = HashMap::new();
    for b in blocks {
        for d in &b.helpers {
            let key = *d as *const HelperDesc;
            if let std::collections::hash_map::Entry::Vacant(v) = helpers.entry(key) {
                let fr = import(d.name, sig(sysv, 4, Some(types::I64)), &mut ctx.func)?;
                v.insert(fr);
            }
        }
    }
    let unchained = import("xlat_jit_unchained_asm", tail.clone(), &mut ctx.func)?;
    let tail_sig = ctx.func.import_signature(tail);
    let slots = module.declare_data_in_func(data_id, &mut ctx.func);
    let refs = lower::Refs {
        load,
        store,
        rmw,
        cas,
        eval,
        tail_sig,
        slots,
        unchained,
        helpers,
    };
    let lowered = lower::lower(
        &mut ctx.func,
        fctx,
        layout,
        blocks,
        targets,
        &refs,
        chain,
        guard,
        module.isa().frontend_config(),
        code,
    );
    // Loop counters, exit slots, then (if wanted) the entry counter.
    let cells = 8 * lowered.cells;
    let counter_at = cells + 8 * lowered.exits.len().max(1);
    if count_entries {
        count_entry(&mut ctx.func, refs.slots, counter_at as i32);
    }
    let mut data = DataDescription::new();
    data.define_zeroinit(counter_at + if count_entries { 8 } else { 0 });
    data.set_align(8);
    module.define_data(data_id, &data).map_err(cg)?;
    // Tests read the host code as Cranelift prints it (after register
    // allocation, so with its moves).
    #[cfg(test)]
    ctx.set_disasm(true);
    module.define_function(func_id, ctx).map_err(cg)?;
    #[cfg(test)]
    tests::LAST_VCODE.with(|c| {
        *c.borrow_mut() = ctx
            .compiled_code()
            .and_then(|c| c.vcode.clone())
            .unwrap_or_default()
    });
    #[cfg(test)]
    tests::LAST_CLIF.with(|c| *c.borrow_mut() = ctx.func.display().to_string());
    #[cfg(test)]
    tests::LAST_FUNC.with(|f| *f.borrow_mut() = Some(ctx.func.clone()));
    let code_len = ctx
        .compiled_code()
        .map(|c| c.code_buffer().len())
        .unwrap_or(0);
    module.finalize_definitions().map_err(cg)?;
    let entry = module.get_finalized_function(func_id) as usize;
    let (data_ptr, _) = module.get_finalized_data(data_id);
    let slots_ptr = data_ptr as usize + cells;
    for i in 0..lowered.exits.len() {
        // SAFETY: the region's slots, 8-byte aligned words of its data, not
        // yet visible to any other thread.
        unsafe { patch_slot(slots_ptr + 8 * i, 0) };
    }
    let entries = if count_entries {
        data_ptr as usize + counter_at
    } else {
        0
    };
    Ok((
        entry,
        code_len,
        slots_ptr,
        lowered.exits,
        entries,
        lowered.tables,
    ))
}

/// Adds `+1` to the `u64` at `data + offset` at the start of `func`'s entry
/// block, which lowering keeps for the region's entry only (it loads the
/// registers; jumps back to the first guest block go past it), and at the
/// start of every loop header: the count is then the region's entries plus
/// the iterations of its internal loops, so a quick region that is one hot
/// loop (entered once, run 10^8 times) is as hot as it is.
fn count_entry(func: &mut ir::Function, data: ir::GlobalValue, offset: i32) {
    let Some(entry) = func.layout.entry_block() else {
        return;
    };
    let cfg = cranelift_codegen::flowgraph::ControlFlowGraph::with_function(func);
    let domtree = cranelift_codegen::dominator_tree::DominatorTree::with_function(func, &cfg);
    let mut loops = cranelift_codegen::loop_analysis::LoopAnalysis::new();
    loops.compute(func, &cfg, &domtree);
    let mut at: Vec<ir::Block> = loops.loops().map(|l| loops.loop_header(l)).collect();
    if !at.contains(&entry) {
        at.push(entry);
    }
    let mut cur = FuncCursor::new(func);
    let flags = ir::MemFlagsData::trusted();
    for b in at {
        cur.goto_first_insertion_point(b);
        let base = cur.ins().symbol_value(types::I64, data);
        let n = cur.ins().load(types::I64, flags, base, offset);
        let n = cur.ins().iadd_imm_s(n, 1);
        cur.ins().store(flags, n, base, offset);
    }
}

/// The current value of a region's entry counter ([`Region::entries`]).
///
/// # Safety
/// `entries` must be the non-zero counter address of a region whose code
/// memory is not freed yet.
pub unsafe fn entry_count(entries: usize) -> u64 {
    // SAFETY: an 8-byte aligned word in the live region's data (caller);
    // compiled code updates it with plain stores, read here as relaxed.
    unsafe { (*(entries as *const std::sync::atomic::AtomicU64)).load(Ordering::Relaxed) }
}

/// Runs compiled code at `entry` on the state block `env`.
///
/// # Safety
/// `entry` must come from a live [`Region`]; `env` must be a valid state block.
pub unsafe fn enter(env: *mut u8, entry: usize) -> ExitCode {
    // SAFETY: forwarded contract.
    unsafe { runtime::enter_raw(env, entry) }
}

/// Points an exit slot at `entry` (0 = return to the dispatcher: the slot
/// then holds the stub that does, so that exits jump without a test).
///
/// # Safety
/// `slot` must be the slot of a live region.
pub unsafe fn patch_slot(slot: usize, entry: usize) {
    let to = if entry == 0 {
        runtime::xlat_jit_unchained_asm as *const () as usize
    } else {
        entry
    };
    // SAFETY: slots are 8-byte aligned words in a live region's data.
    unsafe { (*(slot as *const AtomicUsize)).store(to, Ordering::Release) };
}

pub use lower::loop_entry::loop_questions;
pub use runtime::handle_host_fault;

#[cfg(test)]
mod tests;
