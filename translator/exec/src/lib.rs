//! Block cache, dispatcher, chaining and invalidation.
//!
//! An [`Engine`] is shared by all guest threads of one guest process. It
//! owns the block cache (keyed by guest PC and the frontend's `tb_flags`),
//! the tier policy and the JIT (one background compiler thread in
//! [`Tier::Mixed`]). Each guest thread runs guest code on its own [`Cpu`]
//! through [`Engine::run`], which returns an [`Exit`] whenever the world
//! (user mode or system mode) has to act: an exception such as a syscall, a
//! memory fault, or a stop request.

mod cpu;
mod engine;
mod queue;

pub use cpu::{Cpu, StopHandle};
pub use engine::{CompilerPause, Engine, Stats};
pub use xlat_ir::ExceptionKind;
pub use xlat_ir::abi::{DirectMem, Fault, FaultKind, GuestMemory, MemRef};
pub use xlat_jit::panic_is_caught;

use std::sync::Arc;

/// Which tier runs guest code.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Tier {
    /// Never compile: the interpreter runs everything.
    Interp,
    /// Compile every block (synchronously) before running it.
    Jit,
    /// Interpret, and compile hot code on a background thread.
    Mixed,
}

/// Executions of a block (at tier 0) before it is queued for compilation in
/// [`Tier::Mixed`].
///
/// Measured on the development machine (release build, `measure_tier_costs`
/// in this crate's tests, a 3-instruction loop body): interpreting costs
/// 60-110 ns per block, compiling a small region with Cranelift about
/// 175 µs, compiled code about 2 ns per block. Compiling pays for itself
/// after roughly 1600-2900 executions; since compilation runs on a
/// background thread (the guest keeps running meanwhile) a threshold a bit
/// below break-even is used, which still keeps one-shot start-up code (most
/// blocks of glibc's initialisation run a handful of times) away from the
/// compiler.
pub const DEFAULT_JIT_THRESHOLD: u32 = 1000;

/// Most blocks in one compiled region.
pub const MAX_REGION_BLOCKS: usize = 16;

/// Distinct targets the dispatcher records per block that ends in a
/// computed jump or a return (executions at tier 0; later targets are only
/// counted). A bytecode interpreter's dispatch jump has one per handler
/// (`tools/benchmarks/interp.c`: 10); the jit reaches at most 16 region
/// blocks from one computed jump.
pub const PROFILE_TARGETS: usize = 16;

/// An observed target of a computed jump joins the region of the jumping
/// block (see `form_region`) when at least 1 in `TARGET_SHARE` of the
/// recorded jumps went there: in `interp.c` the rarest handlers of the
/// inner loop take 1 in 17.
pub const TARGET_SHARE: u64 = 32;

/// Most IR instructions (optimized) in one compiled region: blocks past
/// this are left out (the entry block is always compiled).
///
/// Cranelift's time and memory grow faster than linearly with a function's
/// size. Measured on `bzip2 -9` (its compression loops are blocks of
/// hundreds of instructions; VmHWM before and after each compile): regions
/// of 600 IR instructions took 0.3-0.6 MiB and 2.5 ms, one of 2 069 took
/// 1.7 MiB and 7 ms, but two of 6 205 and 7 112 took 16 and 14 MiB and 50
/// and 85 ms, raising the process's peak RSS from 25 to 56 MiB.
pub const MAX_REGION_INSTS: usize = 1536;

/// Entries per second into a quick region (see [`QUICK_REGION_BLOCKS`]),
/// counting iterations of its internal loops, above which the compiler
/// thread recompiles it at full optimisation, once the queue is empty:
/// code that stays hot should not keep `opt_level=none`'s code.
///
/// Deliberately high. Measured as guest-thread CPU time (task clock less
/// compile time, 2 runs each, machine loaded): at 100 000/s python3
/// recompiled ~260 regions (compile time 1.5 -> 2.1 s) and bzip2, lua5.4
/// and python3 ran no faster; at 1 000 000/s 13-48 regions, compile time
/// +5 %, guest time within the noise either way. With every first
/// compilation quick, 200 000/s recompiled ~370 of python3's ~2 700
/// quick regions instead of ~160 (compile time 0.87 -> 1.22 s) for a
/// guest-thread time within the noise (2.05 -> 2.02 s; lua5.4, sqlite3
/// likewise).
pub const RECOMPILE_RATE: u64 = 1_000_000;

/// Most quick regions recompiled at a time (each batch flushes every CPU's
/// block and jump caches once).
pub const RECOMPILE_BATCH: usize = 8;

/// How often the compiler thread looks for hot quick regions.
pub const RECOMPILE_PERIOD: std::time::Duration = std::time::Duration::from_millis(20);

/// Most blocks in a region compiled at [`xlat_jit::OptLevel::Quick`]:
/// the background compiler's first compilation of every hot block.
///
/// The first compilation is quick (Cranelift `opt_level=none`, about half
/// the compile time, in small regions) and what stays hot is compiled
/// again at full optimisation (see [`RECOMPILE_RATE`]). A large, flat
/// program queues blocks faster than one thread compiles them (python3.11
/// running `tools/benchmarks/debian/script.py`: ~2 800 regions, 1.1-1.3 s
/// of compile time against qemu's 1.55 s for the whole run), and every
/// block waiting runs at tier 0 meanwhile: half of its 10 M tier-0
/// dispatches were of queued blocks (`-d stats`, "tier-0 dispatches").
/// Measured (BENCHMARKS.md, "python3: tier 0 and the compile backlog";
/// 3 interleaved runs, medians): compiling at full optimisation while at
/// most 8 blocks waited (the policy before) cost python3 / sqlite3 /
/// lua5.4 1.32 / 1.26 / 0.47 s of compile time, quick first 0.87 / 0.95 /
/// 0.38 s, with the same guest-thread time (2.06 / 3.07 / 1.40 s against
/// 2.05 / 3.08 / 1.40 s) and the C suite unchanged (`interp`, `sort`,
/// `strings`: hot loops are recompiled within a `RECOMPILE_PERIOD`).
///
/// Measured (BENCHMARKS.md, "Register allocator and thresholds"; user-time
/// medians, 3 interleaved runs): 2 blocks against 4 took python3 3.63 ->
/// 3.35 s, lua5.4 1.98 -> 1.90 s, sqlite3 4.56 -> 4.40 s, compile time
/// -12 to -18 %, the C suite (`sort`, `interp`, `strings`, `inthash`)
/// unchanged within the noise; 8 blocks lost 10-13 % on all three.
pub const QUICK_REGION_BLOCKS: usize = 2;

/// Tier-0 executions of a block's unoptimized IR (as the frontend made it)
/// before [`xlat_ir::passes::optimize`] runs on it; compiling a region, and
/// `-d op`, optimize its blocks at once.
///
/// Most blocks of a short process run a handful of times (a static hello
/// world: 786 blocks, 7 256 executions) and optimizing a block costs about
/// as much as interpreting it a dozen times. Measured with callgrind,
/// host instructions of `-tier interp` hello / dynamic hello: optimizing
/// every block at translation 21.9 M / 86.0 M, after 1 execution 17.6 M,
/// 4: 17.3 M, 16: 16.9 M / 68.8 M, 64: 17.0 M, never 18.1 M / 71.6 M.
pub const OPTIMIZE_AFTER: u32 = 16;

/// Engine options (the `-d`, `-one-insn-per-tb` and tier switches).
#[derive(Clone)]
pub struct ExecOptions {
    /// Which tier(s) to use.
    pub tier: Tier,
    /// `false` = `-d nochain`: compiled code always returns to the dispatcher.
    pub chain: bool,
    /// Most guest instructions per block (1 for `-one-insn-per-tb`).
    pub max_insns_per_block: u32,
    /// Executions of a block before it is queued for compilation (Mixed).
    pub jit_threshold: u32,
    /// Logging hooks.
    pub logger: Option<Arc<dyn ExecLogger>>,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            tier: Tier::Mixed,
            chain: true,
            max_insns_per_block: 256,
            jit_threshold: DEFAULT_JIT_THRESHOLD,
            logger: None,
        }
    }
}

impl std::fmt::Debug for ExecOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecOptions")
            .field("tier", &self.tier)
            .field("chain", &self.chain)
            .field("max_insns_per_block", &self.max_insns_per_block)
            .field("jit_threshold", &self.jit_threshold)
            .field("logger", &self.logger.is_some())
            .finish()
    }
}

/// Hooks for `-d` logging; all default to doing nothing.
pub trait ExecLogger: Send + Sync {
    /// True if [`ExecLogger::translated`] should be called.
    fn wants_ir(&self) -> bool {
        false
    }
    /// A block was translated and optimised (`-d in_asm`, `-d op`).
    fn translated(&self, block: &xlat_ir::Block, layout: &xlat_ir::StateLayout) {
        let _ = (block, layout);
    }
    /// A region was compiled (`-d out_asm`): its entry, the guest PCs of its
    /// blocks, the host code and its address.
    fn compiled(&self, entry_pc: u64, guest_pcs: &[u64], host_code: &[u8], host_addr: u64) {
        let _ = (entry_pc, guest_pcs, host_code, host_addr);
    }
    /// The dispatcher enters the block at `pc` (`-d exec`).
    fn exec(&self, pc: u64) {
        let _ = pc;
    }
}

/// Why [`Engine::run`] returned.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Exit {
    /// A guest exception: syscall (`pc` = next instruction), undefined
    /// instruction (`pc` = the instruction), breakpoint, fetch fault, ...
    Exception {
        /// What happened.
        kind: ExceptionKind,
        /// The PC (also in the CPU state).
        pc: u64,
        /// Kind-specific information (BRK immediate, faulting address, ...).
        info: u64,
    },
    /// A guest memory access faulted; `pc` is the faulting instruction and
    /// the guest registers are exact.
    Fault {
        /// The failed access.
        fault: Fault,
        /// The faulting instruction.
        pc: u64,
    },
    /// The stop word was set (signal pending, exit requested).
    Stopped,
}

/// Errors creating an [`Engine`].
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The JIT could not be set up for this host.
    #[error("cannot set up the JIT: {0}")]
    Jit(#[from] xlat_jit::JitError),
    /// The frontend's state layout is unusable.
    #[error("bad CPU state layout: {0}")]
    Layout(String),
    /// The background compiler thread could not be started.
    #[error("cannot start the compiler thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// Called first by the world's host SIGSEGV/SIGBUS handler. If the faulting
/// host PC is in compiled guest code, records the fault in that CPU's
/// header, rewrites the ucontext so that execution resumes in the recovery
/// stub, and returns true. The region then exits with `ExitCode::Retry`:
/// the dispatcher re-runs from the snapshot in the CPU state at tier 0,
/// where the access faults again and [`Engine::run`] returns
/// [`Exit::Fault`] with exact state. Async-signal-safe (no locks, no
/// allocation).
///
/// # Safety
/// Must only be called from a signal handler installed with `SA_SIGINFO`,
/// with the `info` and `uctx` pointers the kernel passed to it.
pub unsafe fn handle_host_fault(
    signo: i32,
    info: *mut libc::siginfo_t,
    uctx: *mut libc::c_void,
) -> bool {
    // SAFETY: forwarded under the same contract.
    unsafe { xlat_jit::handle_host_fault(signo, info, uctx) }
}

#[cfg(test)]
mod tests;
