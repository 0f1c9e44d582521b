//! Tier 1: lowers xlat IR regions to host code with Cranelift.

use xlat_ir::{Block, ExitCode, StateLayout};

/// Entries in a CPU's jump cache (`CpuHeader::jump_cache`).
pub const JUMP_CACHE_ENTRIES: usize = 4096;

/// One jump-cache entry: guest PC and the compiled entry for it (0 = empty).
#[repr(C)]
#[derive(Copy, Clone, Default, Debug, PartialEq, Eq)]
pub struct JumpCacheEntry {
    /// Guest PC.
    pub pc: u64,
    /// Host entry of the region starting at `pc`.
    pub code: u64,
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

/// JIT options.
#[derive(Copy, Clone, Debug)]
pub struct JitOptions {
    /// Chain exits and use the jump cache (`false` = `-d nochain`).
    pub chain: bool,
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
}

/// The compiler and its code memory.
pub struct Jit {
    _layout: StateLayout,
}

impl Jit {
    /// Sets up the compiler for the host.
    pub fn new(layout: &StateLayout, opts: JitOptions) -> Result<Jit, JitError> {
        let _ = opts;
        Ok(Jit { _layout: *layout })
    }

    /// Compiles a region (entry block first).
    pub fn compile(&mut self, blocks: &[&Block]) -> Result<Region, JitError> {
        let _ = blocks;
        Err(JitError::Codegen("not implemented".into()))
    }

    /// Records that one region of `generation` became dead at `epoch`.
    pub fn retire(&mut self, generation: u32, epoch: u64) {
        let _ = (generation, epoch);
    }

    /// Frees dead generations that died before `quiescent_epoch`; returns
    /// how many were freed.
    pub fn reclaim(&mut self, quiescent_epoch: u64) -> usize {
        let _ = quiescent_epoch;
        0
    }
}

/// Runs compiled code at `entry` on the state block `env`.
///
/// # Safety
/// `entry` must come from a live [`Region`]; `env` must be a valid state block.
pub unsafe fn enter(env: *mut u8, entry: usize) -> ExitCode {
    let _ = (env, entry);
    ExitCode::Continue
}

/// Points an exit slot at `entry` (0 = return to the dispatcher).
///
/// # Safety
/// `slot` must be the slot of a live region.
pub unsafe fn patch_slot(slot: usize, entry: usize) {
    let _ = (slot, entry);
}

/// See `xlat_exec::handle_host_fault`.
///
/// # Safety
/// Only from a `SA_SIGINFO` signal handler with the kernel's pointers.
pub unsafe fn handle_host_fault(
    signo: i32,
    info: *mut libc::siginfo_t,
    uctx: *mut libc::c_void,
) -> bool {
    let _ = (signo, info, uctx);
    false
}
