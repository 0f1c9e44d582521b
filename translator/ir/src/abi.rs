//! The contract between translated code (either tier), the dispatcher and
//! the world (user mode or system mode): the CPU state header, helper
//! functions, exit codes and the guest memory interface.

use crate::RmwOp;
use std::sync::atomic::{AtomicU32, AtomicU64};

/// Header at offset 0 of every guest CPU state block (`env`). Frontends
/// place their registers after it (at offsets >= `size_of::<CpuHeader>()`).
#[repr(C)]
#[derive(Debug, Default)]
pub struct CpuHeader {
    /// Non-zero asks translated code to leave at the next block exit
    /// (signals, interrupts, exit requests, invalidation).
    pub stop: AtomicU32,
    /// Reason of the last exit, an [`ExitCode`] (set by translated code).
    pub exit: u32,
    /// Exception kind (`ExceptionKind as u32`) when `exit == ExitCode::Exception`.
    pub exc_kind: u32,
    /// Fault kind (a [`FaultKind`] as u32) when `exit == ExitCode::Fault`.
    pub fault_kind: u32,
    /// Exception info or faulting guest address.
    pub exc_info: u64,
    /// Host address of guest address 0 when memory is direct, else 0.
    pub mem_base: u64,
    /// Direct accesses at or above this guest address take the slow path
    /// (the `GuestMemory` methods), which reports the fault.
    pub mem_limit: u64,
    /// The world's memory: a `*const MemRef` (thin pointer), used by the
    /// slow path of memory ops and by helpers.
    pub mem: usize,
    /// Host stack pointer saved on entry to compiled code (fault recovery).
    pub host_sp: u64,
    /// Per-CPU jump cache used by computed jumps in compiled code.
    pub jump_cache: usize,
    /// The world's per-CPU data, opaque to the translator.
    pub world: usize,
    /// Set by a helper that faulted: the helper returned early and the block
    /// must leave with `exit == ExitCode::Fault`.
    pub helper_fault: u32,
    /// Padding.
    pub _pad: u32,
    /// Count of blocks executed (statistics; maintained by the interpreter).
    pub blocks_executed: u64,
    /// Flags that compiled code left as the operands of the compare that
    /// set them (see [`LazyFlags`]); only ever non-zero inside compiled
    /// code and until `xlat_jit` materializes them on its return.
    pub lazy: LazyFlags,
    /// Two guest ranges `[lo, hi)` ([`DirectWindow`]) in which compiled
    /// loops access memory directly with no check: what the world last
    /// promised ([`GuestMemory::direct_ranges`]), the latest first.
    /// Emptied (0, 0) on an entry to compiled code that finds the world's
    /// generation ([`CpuHeader::mem_gen`]) no longer
    /// [`CpuHeader::window_gen`], and on every entry where the world has
    /// none: as long as the promise holds.
    pub windows: [DirectWindow; 2],
    /// The world's generation of its mappings: a `*const AtomicU64`
    /// ([`GuestMemory::direct_generation`]) that lives as long as `mem`,
    /// or 0 where the world has none.
    pub mem_gen: usize,
    /// The value of `*mem_gen` under which `windows` were kept or emptied
    /// (by the entry to compiled code).
    pub window_gen: u64,
}

/// A range of guest memory that direct reads and writes may use without
/// a check or a snapshot ([`CpuHeader::windows`]).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct DirectWindow {
    /// First guest address.
    pub lo: u64,
    /// First guest address past it.
    pub hi: u64,
}

impl DirectWindow {
    /// Whether it holds no byte.
    pub fn is_empty(&self) -> bool {
        self.lo >= self.hi
    }
}

/// NZCV as compiled code may leave them in a snapshot: the operands of
/// the subtraction or float compare whose flags they are, instead of the
/// four bytes. Each
/// of the bytes then holds [`LAZY_POISON`]; a later write of a real byte
/// overwrites it (some of them may be written without the others), so
/// the record stands for exactly the bytes that still hold it. Compiled code writes a record only where nothing but the return
/// to the dispatcher can read the flags before compiled code sets them
/// again, and the JIT's entry function computes the four bytes before it
/// returns, so no other reader of the state (interpreter, signal frames,
/// syscalls, debugger) sees a record.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct LazyFlags {
    /// First operand (the low 32 bits for [`LAZY_SUB32`]).
    pub a: u64,
    /// Second operand.
    pub b: u64,
    /// 0, or a kind ([`LAZY_SUB32`] .. [`LAZY_FCMP64`]) in bits 0-7 and the
    /// state offset of N (Z, C, V follow it, one byte each), or of a CR
    /// field's LT (GT, EQ follow it) for the `LAZY_CMP*` kinds, in bits 16-31.
    pub desc: u64,
}

/// [`LazyFlags::desc`] kind: NZCV of the 32-bit `a - b`.
pub const LAZY_SUB32: u64 = 1;
/// [`LazyFlags::desc`] kind: NZCV of the 64-bit `a - b`.
pub const LAZY_SUB64: u64 = 2;
/// [`LazyFlags::desc`] kind: a PowerPC CR field's LT, GT, EQ (three bytes;
/// SO is not part of the record) of the signed 32-bit compare of `a`, `b`.
pub const LAZY_CMPS32: u64 = 3;
/// [`LazyFlags::desc`] kind: as [`LAZY_CMPS32`], unsigned 32-bit.
pub const LAZY_CMPU32: u64 = 4;
/// [`LazyFlags::desc`] kind: as [`LAZY_CMPS32`], signed 64-bit.
pub const LAZY_CMPS64: u64 = 5;
/// [`LazyFlags::desc`] kind: as [`LAZY_CMPS32`], unsigned 64-bit.
pub const LAZY_CMPU64: u64 = 6;
/// [`LazyFlags::desc`] kind: AArch64 NZCV of the FCMP of the singles in
/// the low 32 bits of `a` and `b` (the IR's `fcmp lt`, `eq`, `uno`: N =
/// `a < b`, Z = `a == b`, C = not `a < b`, V = unordered).
pub const LAZY_FCMP32: u64 = 7;
/// [`LazyFlags::desc`] kind: as [`LAZY_FCMP32`], of the doubles `a`, `b`.
pub const LAZY_FCMP64: u64 = 8;
/// What a flag byte holds while a [`LazyFlags`] record stands for it.
pub const LAZY_POISON: u8 = 0x80;

/// Size of the header; frontend registers start at or after this offset.
pub const HEADER_SIZE: usize = std::mem::size_of::<CpuHeader>();

/// Why translated code returned to the dispatcher.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u32)]
pub enum ExitCode {
    /// The PC holds the next block to run.
    Continue = 0,
    /// A terminal raised an exception (`exc_kind`, `exc_info`, PC set).
    Exception = 1,
    /// A memory access faulted (`fault_kind`, `exc_info` = address, PC set
    /// to the faulting instruction, registers exact).
    Fault = 2,
    /// The stop word was set.
    Stopped = 3,
    /// A load in compiled code faulted. `env` holds a consistent snapshot
    /// of an earlier instruction boundary (registers and PC, with no side
    /// effect since): the dispatcher re-runs from that PC at tier 0, which
    /// raises the fault precisely (or, if memory changed meanwhile,
    /// simply continues).
    Retry = 4,
}

impl ExitCode {
    /// Decodes a raw exit code.
    pub fn from_u32(v: u32) -> ExitCode {
        match v {
            1 => ExitCode::Exception,
            2 => ExitCode::Fault,
            3 => ExitCode::Stopped,
            4 => ExitCode::Retry,
            _ => ExitCode::Continue,
        }
    }
}

/// What went wrong with a guest memory access.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u32)]
pub enum FaultKind {
    /// No mapping at the address (SEGV_MAPERR).
    Unmapped = 1,
    /// Mapping present but the access is not permitted (SEGV_ACCERR).
    Protection = 2,
    /// Misaligned access to an alignment-checked op (SIGBUS/BUS_ADRALN).
    Alignment = 3,
    /// Access past the end of a file mapping (SIGBUS/BUS_ADRERR).
    Bus = 4,
    /// Not a memory access: an indirect branch landed on an instruction
    /// that is not a valid branch target in a guarded page (AArch64 BTI;
    /// Linux: SIGILL/ILL_ILLOPC). Raised by a frontend helper; the address
    /// is the landing PC.
    BranchTarget = 5,
}

impl FaultKind {
    /// Decodes a raw fault kind.
    pub fn from_u32(v: u32) -> FaultKind {
        match v {
            2 => FaultKind::Protection,
            3 => FaultKind::Alignment,
            4 => FaultKind::Bus,
            5 => FaultKind::BranchTarget,
            _ => FaultKind::Unmapped,
        }
    }
}

/// Bit or-ed into [`CpuHeader::fault_kind`] (above the [`FaultKind`] value)
/// when the faulting access was a write.
pub const FAULT_WRITE: u32 = 1 << 8;

/// A failed guest memory access.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Fault {
    /// Guest address.
    pub addr: u64,
    /// Why.
    pub kind: FaultKind,
    /// True for a write.
    pub write: bool,
}

/// Guest memory as the translator sees it. User mode implements it over
/// the reserved host range at `guest_base`; system mode over a soft-MMU.
pub trait GuestMemory: Send + Sync {
    /// `Some` if guest address `a < limit` is host address `base + a`
    /// (faults are then caught by the world's host signal handler, and a
    /// guard area follows `base + limit`, and precedes `base` where
    /// [`DirectMem::guard`] says so); addresses at or above `limit`
    /// must go through the methods below.
    fn direct(&self) -> Option<DirectMem>;
    /// Loads `size` (1, 2, 4, 8, 16) bytes, zero-extended.
    fn load(&self, addr: u64, size: u8) -> Result<u128, Fault>;
    /// Stores the low `size` bytes of `v`.
    fn store(&self, addr: u64, size: u8, v: u128) -> Result<(), Fault>;
    /// Atomic read-modify-write of `size` (1..8) bytes; returns the old value.
    fn rmw(&self, addr: u64, size: u8, op: RmwOp, v: u64) -> Result<u64, Fault>;
    /// Atomic compare-and-swap of `size` (1..16) bytes; returns the old value.
    fn cas(&self, addr: u64, size: u8, expected: u128, new: u128) -> Result<u128, Fault>;
    /// Reads guest code for translation (needs execute permission).
    fn fetch_code(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault>;
    /// Whether the page holding `addr` is a guarded page (AArch64 BTI):
    /// `None` while the world has no guarded page at all (translation
    /// then need not track branch types), else `Some(guarded)`. A world
    /// whose answer changes for a page invalidates that page's
    /// translations; one that goes from `None` to `Some` invalidates all.
    fn code_guarded(&self, addr: u64) -> Option<bool> {
        let _ = addr;
        None
    }
    /// Whether direct accesses (`base + a`, see [`GuestMemory::direct`])
    /// to every byte of `[rlo, rhi)` (reads) and of `[wlo, whi)` (writes;
    /// an empty range asks nothing) can neither fault on the host nor need
    /// the methods above (no write-protected code page under a write), and
    /// stay so until the calling compiled code next returns to the
    /// dispatcher (nothing but the caller's thread can change it: no second
    /// guest thread shares the memory). `None` where not; else one or two
    /// windows for which the same holds for reads and writes (empty ones
    /// where the ranges asked are not in one: one around both ranges, or
    /// one around the writes and one around the reads), which compiled
    /// code keeps in [`CpuHeader::windows`] until it returns, or, in a
    /// world with a [`direct_generation`](GuestMemory::direct_generation),
    /// as long as that generation keeps its value. Compiled loops that run
    /// without snapshots behind such a check rely on it; the default says
    /// no.
    fn direct_ranges(&self, rlo: u64, rhi: u64, wlo: u64, whi: u64) -> Option<[DirectWindow; 2]> {
        let _ = (rlo, rhi, wlo, whi);
        None
    }
    /// A counter that the world changes before any change that could break
    /// a promise of [`direct_ranges`](GuestMemory::direct_ranges) made
    /// while it had its current value (a mapping unmapped, moved or
    /// protected, a code page write-protected, a second thread sharing the
    /// memory), and that lives as long as the world: a window kept in
    /// [`CpuHeader::windows`] then holds across entries to compiled code
    /// until it changes. `None` (the default): every entry empties the
    /// window.
    fn direct_generation(&self) -> Option<&AtomicU64> {
        None
    }
}

/// [`GuestMemory::rmw`] as a load then a store: atomic only for a memory
/// that one guest thread uses at a time (test memories, not user mode).
pub fn rmw_by_load_store(
    m: &(impl GuestMemory + ?Sized),
    addr: u64,
    size: u8,
    op: RmwOp,
    v: u64,
) -> Result<u64, Fault> {
    let old = m.load(addr, size)? as u64;
    let new = op.apply(crate::Type::int(size as u32 * 8), old, v);
    m.store(addr, size, new as u128)?;
    Ok(old)
}

/// [`GuestMemory::cas`] as a load then a store when the old value is
/// `expected`: atomic only for a memory that one guest thread uses at a
/// time (test memories, not user mode).
pub fn cas_by_load_store(
    m: &(impl GuestMemory + ?Sized),
    addr: u64,
    size: u8,
    expected: u128,
    new: u128,
) -> Result<u128, Fault> {
    let old = m.load(addr, size)?;
    if old == expected {
        m.store(addr, size, new)?;
    }
    Ok(old)
}

/// Direct (user-mode) mapping of guest memory into host memory.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct DirectMem {
    /// Host address of guest address 0.
    pub base: u64,
    /// First guest address not covered by the direct mapping.
    pub limit: u64,
    /// Bytes of host address space on each side of the window,
    /// `[base - guard, base)` and `[base + limit, base + limit + guard)`,
    /// that never hold a mapping (PROT_NONE, reserved with the window): an
    /// access `r + imm` with `r < limit` and `-guard <= imm`,
    /// `imm + 16 <= guard` then faults on the host instead of touching other
    /// memory, so compiled code checks only `r`. 0 promises only the
    /// 16 bytes after the limit that every direct window has (one check of
    /// the whole address per access).
    pub guard: u64,
}

/// What `CpuHeader::mem` points to.
pub type MemRef = std::sync::Arc<dyn GuestMemory>;

/// A helper function: `env` is the CPU state block, `a`..`c` the (i64)
/// arguments; the result is the low bits of the return value.
pub type HelperFn = unsafe extern "C" fn(env: *mut u8, a: u64, b: u64, c: u64) -> u64;

/// What a helper may touch, so passes and the JIT know what to sync.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct HelperFlags {
    /// Reads guest registers from `env` (they must be written back before).
    pub reads_state: bool,
    /// Writes guest registers in `env` (cached copies must be reloaded after).
    pub writes_state: bool,
    /// May access guest memory and fail (sets `CpuHeader::helper_fault`).
    pub may_fault: bool,
}

impl HelperFlags {
    /// A helper that only computes from its arguments.
    pub const PURE: HelperFlags = HelperFlags {
        reads_state: false,
        writes_state: false,
        may_fault: false,
    };
    /// A helper that reads and writes guest registers.
    pub const STATE: HelperFlags = HelperFlags {
        reads_state: true,
        writes_state: true,
        may_fault: false,
    };
    /// A helper that reads and writes guest registers and memory.
    pub const STATE_MEM: HelperFlags = HelperFlags {
        reads_state: true,
        writes_state: true,
        may_fault: true,
    };
}

/// A helper known to the IR by name (the JIT imports it by this name).
#[derive(Debug)]
pub struct HelperDesc {
    /// Unique symbol name.
    pub name: &'static str,
    /// The function.
    pub func: HelperFn,
    /// Effects.
    pub flags: HelperFlags,
}
