//! Run-time support of compiled code: the assembly entry trampoline and
//! fault-recovery stub, the host fault handler, the table of code ranges,
//! and the `extern "C"` slow paths that compiled code calls.

use std::cell::Cell;
use std::mem::offset_of;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use xlat_ir::abi::{
    FAULT_WRITE, Fault, FaultKind, LAZY_CMPS32, LAZY_CMPS64, LAZY_CMPU32, LAZY_CMPU64, LAZY_FCMP32,
    LAZY_FCMP64, LAZY_POISON, LAZY_SUB32, MemRef,
};
use xlat_ir::{CpuHeader, ExitCode, MemFlags, Opcode, RmwOp, Type};

// Entry: `xlat_jit_enter_asm(env, code)` saves the callee-saved registers,
// records the stack pointer in `CpuHeader::host_sp` and calls `code(env)`
// directly: a region takes its one argument in rdi and returns with `ret`
// under the tail-call convention as under SystemV (no stack arguments to
// pop), and whatever registers it leaves changed are restored here.
// `xlat_jit_recover_asm` is both the normal return path and where the fault
// handler resumes with RSP = host_sp.
std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl xlat_jit_enter_asm",
    ".type xlat_jit_enter_asm,@function",
    "xlat_jit_enter_asm:",
    "push rbp",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "sub rsp, 8",
    "mov [rdi + {host_sp}], rsp",
    "call rsi",
    ".globl xlat_jit_recover_asm",
    "xlat_jit_recover_asm:",
    "add rsp, 8",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    ".size xlat_jit_enter_asm, . - xlat_jit_enter_asm",
    host_sp = const offset_of!(CpuHeader, host_sp),
);

// The target of an exit that goes back to the dispatcher (an unpatched
// chaining slot, a jump-cache miss): entered by a tail call with `env` in
// rdi and the stack as at the region's entry, it sets `exit` to
// `Continue` and returns to `xlat_jit_enter_asm`.
std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl xlat_jit_unchained_asm",
    ".type xlat_jit_unchained_asm,@function",
    "xlat_jit_unchained_asm:",
    "mov dword ptr [rdi + {exit}], {cont}",
    "ret",
    ".size xlat_jit_unchained_asm, . - xlat_jit_unchained_asm",
    exit = const offset_of!(CpuHeader, exit),
    cont = const ExitCode::Continue as u32,
);

// Slow-path thunks with Cranelift's `preserve_all` convention: compiled
// code calls them without giving up any register (so values live across a
// slow-path call need neither callee-saved registers nor spill slots on the
// fast path). Each saves every caller-saved register of the SystemV ABI
// (the argument registers included) and xmm0-15, calls the `extern "C"`
// function with the same arguments and, for the memory slow paths, stores
// its status (0 or 1) into `CpuHeader::helper_fault` of `env` (the first
// argument), since `preserve_all` functions return nothing. Stack: 8
// (return address) + 72 + 256 = 336 = 0 mod 16 at the inner call.
macro_rules! preserve_all_thunk {
    ($name:literal, $target:path, $status:literal) => {
        std::arch::global_asm!(
            ".text",
            ".p2align 4",
            concat!(".globl ", $name),
            concat!(".type ", $name, ",@function"),
            concat!($name, ":"),
            "push rax",
            "push rcx",
            "push rdx",
            "push rsi",
            "push rdi",
            "push r8",
            "push r9",
            "push r10",
            "push r11",
            "sub rsp, 256",
            "movdqu [rsp + 0], xmm0",
            "movdqu [rsp + 16], xmm1",
            "movdqu [rsp + 32], xmm2",
            "movdqu [rsp + 48], xmm3",
            "movdqu [rsp + 64], xmm4",
            "movdqu [rsp + 80], xmm5",
            "movdqu [rsp + 96], xmm6",
            "movdqu [rsp + 112], xmm7",
            "movdqu [rsp + 128], xmm8",
            "movdqu [rsp + 144], xmm9",
            "movdqu [rsp + 160], xmm10",
            "movdqu [rsp + 176], xmm11",
            "movdqu [rsp + 192], xmm12",
            "movdqu [rsp + 208], xmm13",
            "movdqu [rsp + 224], xmm14",
            "movdqu [rsp + 240], xmm15",
            "call {target}",
            concat!(".if ", $status),
            // The saved rdi (env) is at 256 + 4 * 8.
            "mov rdi, [rsp + 288]",
            "mov dword ptr [rdi + {hf}], eax",
            ".endif",
            "movdqu xmm0, [rsp + 0]",
            "movdqu xmm1, [rsp + 16]",
            "movdqu xmm2, [rsp + 32]",
            "movdqu xmm3, [rsp + 48]",
            "movdqu xmm4, [rsp + 64]",
            "movdqu xmm5, [rsp + 80]",
            "movdqu xmm6, [rsp + 96]",
            "movdqu xmm7, [rsp + 112]",
            "movdqu xmm8, [rsp + 128]",
            "movdqu xmm9, [rsp + 144]",
            "movdqu xmm10, [rsp + 160]",
            "movdqu xmm11, [rsp + 176]",
            "movdqu xmm12, [rsp + 192]",
            "movdqu xmm13, [rsp + 208]",
            "movdqu xmm14, [rsp + 224]",
            "movdqu xmm15, [rsp + 240]",
            "add rsp, 256",
            "pop r11",
            "pop r10",
            "pop r9",
            "pop r8",
            "pop rdi",
            "pop rsi",
            "pop rdx",
            "pop rcx",
            "pop rax",
            "ret",
            concat!(".size ", $name, ", . - ", $name),
            target = sym $target,
            hf = const offset_of!(CpuHeader, helper_fault),
        );
    };
}

preserve_all_thunk!("xlat_jit_load_pa", xlat_jit_load, "1");
preserve_all_thunk!("xlat_jit_store_pa", xlat_jit_store, "1");
preserve_all_thunk!("xlat_jit_rmw_pa", xlat_jit_rmw, "1");
preserve_all_thunk!("xlat_jit_cas_pa", xlat_jit_cas, "1");
preserve_all_thunk!("xlat_jit_eval_pa", xlat_jit_eval, "0");
// A loop's entry check (`lower/loop_entry.rs`): its answer to `helper_fault`.
preserve_all_thunk!(
    "xlat_jit_ranges_pa",
    crate::lower::loop_entry::xlat_jit_ranges,
    "1"
);

unsafe extern "C" {
    fn xlat_jit_enter_asm(env: *mut u8, code: usize);
    fn xlat_jit_recover_asm();
    /// Returns `Continue` to the dispatcher (see the assembly above).
    pub(crate) fn xlat_jit_unchained_asm();
    /// `preserve_all` thunk of [`xlat_jit_load`] (status to `helper_fault`).
    pub(crate) fn xlat_jit_load_pa();
    /// `preserve_all` thunk of [`xlat_jit_store`].
    pub(crate) fn xlat_jit_store_pa();
    /// `preserve_all` thunk of [`xlat_jit_rmw`].
    pub(crate) fn xlat_jit_rmw_pa();
    /// `preserve_all` thunk of [`xlat_jit_cas`].
    pub(crate) fn xlat_jit_cas_pa();
    /// `preserve_all` thunk of [`xlat_jit_eval`].
    pub(crate) fn xlat_jit_eval_pa();
}

thread_local! {
    /// The state block of the CPU running compiled code on this thread.
    static CURRENT_ENV: Cell<usize> = const { Cell::new(0) };
}

/// Calls compiled code through the assembly entry.
///
/// # Safety
/// `code` is a live region entry, `env` a valid state block.
pub(crate) unsafe fn enter_raw(env: *mut u8, code: usize) -> ExitCode {
    let prev = CURRENT_ENV.with(|c| c.replace(env as usize));
    // The world's promise to compiled loops holds while its generation
    // stays (without one: until they return).
    // SAFETY: env starts with a CpuHeader (caller) whose `mem_gen` is 0 or
    // points to the world's live generation.
    unsafe {
        let hdr = env as *mut CpuHeader;
        let g = (*hdr).mem_gen as *const AtomicU64;
        let now = if g.is_null() {
            0
        } else {
            (*g).load(Ordering::Acquire)
        };
        if g.is_null() || (*hdr).window_gen != now {
            (*hdr).windows = Default::default();
            (*hdr).window_gen = now;
        }
    }
    // SAFETY: forwarded contract; the assembly preserves the SystemV
    // callee-saved registers and the stack.
    unsafe { xlat_jit_enter_asm(env, code) };
    CURRENT_ENV.with(|c| c.set(prev));
    // SAFETY: env is a valid state block (caller) starting with a header.
    unsafe { materialize_flags(env) };
    // SAFETY: env starts with a CpuHeader.
    ExitCode::from_u32(unsafe { (*(env as *const CpuHeader)).exit })
}

/// Writes the NZCV bytes of a [`LazyFlags`] record that compiled code
/// left in `env` (a snapshot edge's, see `lower`) and clears it, so that
/// whatever reads the state after compiled code returns (the retry at
/// tier 0, signal frames, syscalls) sees the four bytes. Only the bytes
/// still holding [`LAZY_POISON`] are the record's: compiled code may
/// have written some of the group's real bytes after it (an edge that
/// skips the others, a snapshot between the target's flag sets).
///
/// # Safety
/// `env` is a valid state block whose record, if any, names a state
/// offset inside it.
pub(crate) unsafe fn materialize_flags(env: *mut u8) {
    let hdr = env as *mut CpuHeader;
    // SAFETY: env starts with a CpuHeader (caller).
    let rec = unsafe { (*hdr).lazy };
    if rec.desc == 0 {
        return;
    }
    // SAFETY: as above.
    unsafe { (*hdr).lazy.desc = 0 };
    // SAFETY: compiled code writes only the offset of a layout's N byte,
    // followed by Z, C and V (or CR0's LT, GT, EQ), inside the state
    // block (caller).
    let p = unsafe { env.add((rec.desc >> 16 & 0xffff) as usize) };
    let kind = rec.desc & 0xff;
    let (bytes, n) = match lazy_cr(kind, rec.a, rec.b) {
        Some([lt, gt, eq]) => ([lt, gt, eq, 0], 3),
        None => (lazy_nzcv(kind, rec.a, rec.b), 4),
    };
    // Only the bytes that still hold the poison: real bytes written after
    // the record (0 or 1) are newer than it.
    for (q, v) in bytes.into_iter().take(n).enumerate() {
        // SAFETY: as above: the group's bytes.
        unsafe {
            if p.add(q).read() == LAZY_POISON {
                p.add(q).write(v);
            }
        }
    }
}

/// LT, GT, EQ (0 or 1 each) of a PowerPC compare of `a` and `b` for the
/// record kinds [`LAZY_CMPS32`] .. [`LAZY_CMPU64`] (32-bit kinds compare
/// the low 32 bits); `None` for other kinds.
pub(crate) fn lazy_cr(kind: u64, a: u64, b: u64) -> Option<[u8; 3]> {
    let (x, y) = match kind {
        LAZY_CMPS32 => (i128::from(a as i32), i128::from(b as i32)),
        LAZY_CMPU32 => (i128::from(a as u32), i128::from(b as u32)),
        LAZY_CMPS64 => (i128::from(a as i64), i128::from(b as i64)),
        LAZY_CMPU64 => (i128::from(a), i128::from(b)),
        _ => return None,
    };
    Some([u8::from(x < y), u8::from(x > y), u8::from(x == y)])
}

/// N, Z, C, V (0 or 1 each) of `a - b` in 32 ([`LAZY_SUB32`]) or 64 bits,
/// as the Arm `AddWithCarry(a, NOT b, 1)` pseudo-code defines them.
pub(crate) fn lazy_nzcv(kind: u64, a: u64, b: u64) -> [u8; 4] {
    if let Some(f) = lazy_fcmp(kind, a, b) {
        return f;
    }
    let (bits, mask) = if kind == LAZY_SUB32 {
        (32, u64::from(u32::MAX))
    } else {
        (64, u64::MAX)
    };
    let (a, b) = (a & mask, b & mask);
    let r = a.wrapping_sub(b) & mask;
    let sign = |x: u64| (x >> (bits - 1) & 1) as u8;
    [
        sign(r),
        u8::from(r == 0),
        u8::from(a >= b),
        sign((a ^ b) & (a ^ r)),
    ]
}

/// N, Z, C, V (0 or 1 each) of an AArch64 FCMP of the floats `a` and `b`
/// for the record kinds [`LAZY_FCMP32`] (the low 32 bits, singles) and
/// [`LAZY_FCMP64`], as the IR's flags of it define them: N = `a < b`, Z =
/// `a == b`, C = not `a < b`, V = unordered (`0011` if either is a NaN,
/// `0110` equal, `1000` less, `0010` greater); `None` for other kinds.
pub(crate) fn lazy_fcmp(kind: u64, a: u64, b: u64) -> Option<[u8; 4]> {
    let (lt, eq, uno) = match kind {
        LAZY_FCMP32 => {
            let (x, y) = (f32::from_bits(a as u32), f32::from_bits(b as u32));
            (x < y, x == y, x.is_nan() || y.is_nan())
        }
        LAZY_FCMP64 => {
            let (x, y) = (f64::from_bits(a), f64::from_bits(b));
            (x < y, x == y, x.is_nan() || y.is_nan())
        }
        _ => return None,
    };
    Some([u8::from(lt), u8::from(eq), u8::from(!lt), u8::from(uno)])
}

/// `si_code` of SIGSEGV: invalid permissions for mapped object.
const SEGV_ACCERR: i32 = 2;
/// `si_code` of SIGBUS: invalid address alignment.
const BUS_ADRALN: i32 = 1;

/// Size of the lock-free code-range table.
pub(crate) const RANGES: usize = 16384;

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: AtomicUsize = AtomicUsize::new(0);
/// `[start, end)` pairs of compiled code; (0, 0) is free.
static RANGE_START: [AtomicUsize; RANGES] = [EMPTY; RANGES];
static RANGE_END: [AtomicUsize; RANGES] = [EMPTY; RANGES];

/// Records a range of compiled code; false if the table is full.
pub(crate) fn add_range(start: usize, len: usize) -> bool {
    for i in 0..RANGES {
        if RANGE_START[i]
            .compare_exchange(0, usize::MAX, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            RANGE_END[i].store(start + len, Ordering::SeqCst);
            RANGE_START[i].store(start, Ordering::SeqCst);
            return true;
        }
    }
    false
}

/// Forgets a range recorded by [`add_range`].
pub(crate) fn remove_range(start: usize) {
    for i in 0..RANGES {
        if RANGE_START[i].load(Ordering::SeqCst) == start {
            RANGE_END[i].store(0, Ordering::SeqCst);
            RANGE_START[i].store(0, Ordering::SeqCst);
            return;
        }
    }
}

/// True if `pc` lies in recorded compiled code. Lock-free.
pub(crate) fn in_code(pc: usize) -> bool {
    (0..RANGES).any(|i| {
        let s = RANGE_START[i].load(Ordering::Relaxed);
        s != 0 && s != usize::MAX && pc >= s && pc < RANGE_END[i].load(Ordering::Relaxed)
    })
}

/// See `xlat_exec::handle_host_fault`.
///
/// # Safety
/// Only from a `SA_SIGINFO` handler for SIGSEGV/SIGBUS with the kernel's
/// `info` and `uctx`.
pub unsafe fn handle_host_fault(
    signo: i32,
    info: *mut libc::siginfo_t,
    uctx: *mut libc::c_void,
) -> bool {
    if info.is_null() || uctx.is_null() {
        return false;
    }
    let uc = uctx as *mut libc::ucontext_t;
    // SAFETY: the kernel passes a valid ucontext to SA_SIGINFO handlers.
    let gregs = unsafe { &mut (*uc).uc_mcontext.gregs };
    let rip = gregs[libc::REG_RIP as usize] as usize;
    if !in_code(rip) {
        return false;
    }
    let env = CURRENT_ENV.with(|c| c.get());
    if env == 0 {
        return false;
    }
    let hdr = env as *mut CpuHeader;
    // SAFETY: valid siginfo from the kernel; si_addr is set for SIGSEGV/SIGBUS.
    let (addr, code) = unsafe { ((*info).si_addr() as u64, (*info).si_code) };
    let kind = if signo == libc::SIGBUS {
        if code == BUS_ADRALN {
            FaultKind::Alignment
        } else {
            FaultKind::Bus
        }
    } else if code == SEGV_ACCERR {
        FaultKind::Protection
    } else {
        FaultKind::Unmapped
    };
    // Page-fault error code bit 1: the access was a write.
    let write = gregs[libc::REG_ERR as usize] & 2 != 0;
    // Every host fault retries: at every inline access `env` holds a
    // snapshot with no side effect since that re-running would repeat
    // differently (loads, the first plain store after the snapshot; stores
    // and atomics after another side effect have a snapshot of their own
    // instruction, or of its start when only plain stores of it preceded;
    // accesses that must report exactly always take the slow path). The
    // dispatcher re-runs from the snapshot at tier 0, which faults with
    // exact state (see `lower`). The kind recorded here is not used then.
    let exit = ExitCode::Retry;
    // SAFETY: `env` is the live state block of the CPU that entered the
    // compiled code on this thread (set by `enter_raw`).
    unsafe {
        (*hdr).fault_kind = kind as u32 | if write { FAULT_WRITE } else { 0 };
        (*hdr).exc_info = addr.wrapping_sub((*hdr).mem_base);
        (*hdr).exit = exit as u32;
        gregs[libc::REG_RSP as usize] = (*hdr).host_sp as i64;
    }
    gregs[libc::REG_RIP as usize] = xlat_jit_recover_asm as *const () as usize as i64;
    true
}

/// Bit of the `imm` argument of [`xlat_jit_load`] and [`xlat_jit_store`]
/// (above the `MemFlags` bits): report a failure as [`ExitCode::Fault`]
/// (state exact) instead of [`ExitCode::Retry`] (state = last snapshot).
pub(crate) const ACCESS_EXACT: u64 = 1 << 63;

/// The exit of a failed slow-path load or store with `imm` (see
/// [`ACCESS_EXACT`]).
fn access_exit(imm: u64) -> ExitCode {
    if imm & ACCESS_EXACT != 0 {
        ExitCode::Fault
    } else {
        ExitCode::Retry
    }
}

/// Records a failed access in the header with exit code `exit`; the region
/// then returns.
///
/// # Safety
/// `env` is a valid state block.
unsafe fn record_fault_as(env: *mut u8, f: Fault, exit: ExitCode) -> u32 {
    let hdr = env as *mut CpuHeader;
    // SAFETY: caller contract.
    unsafe {
        (*hdr).fault_kind = f.kind as u32 | if f.write { FAULT_WRITE } else { 0 };
        (*hdr).exc_info = f.addr;
        (*hdr).exit = exit as u32;
    }
    1
}

/// Records a failed access with exact state ([`ExitCode::Fault`]).
///
/// # Safety
/// `env` is a valid state block.
unsafe fn record_fault(env: *mut u8, f: Fault) -> u32 {
    // SAFETY: caller contract.
    unsafe { record_fault_as(env, f, ExitCode::Fault) }
}

/// The world's memory of a CPU, or the fault to report without one.
///
/// # Safety
/// `env` is a valid state block whose `mem` is 0 or a live `*const MemRef`.
unsafe fn mem_of<'a>(env: *mut u8, addr: u64, write: bool) -> Result<&'a MemRef, Fault> {
    // SAFETY: caller contract.
    let m = unsafe { (*(env as *const CpuHeader)).mem } as *const MemRef;
    if m.is_null() {
        return Err(Fault {
            addr,
            kind: FaultKind::Unmapped,
            write,
        });
    }
    // SAFETY: caller contract.
    Ok(unsafe { &*m })
}

fn check_align(f: MemFlags, addr: u64, write: bool) -> Result<(), Fault> {
    if f.aligned && f.size > 1 && !addr.is_multiple_of(f.size as u64) {
        return Err(Fault {
            addr,
            kind: FaultKind::Alignment,
            write,
        });
    }
    Ok(())
}

/// Slow-path load: `size` bytes at guest `addr` to `out` (16 bytes,
/// zero-extended). Returns 0, or 1 after recording a fault: exit
/// [`ExitCode::Retry`], or [`ExitCode::Fault`] with [`ACCESS_EXACT`] in `imm`.
///
/// # Safety
/// Called by compiled code with its state block and a 16-byte buffer.
pub(crate) unsafe extern "C" fn xlat_jit_load(
    env: *mut u8,
    addr: u64,
    imm: u64,
    out: *mut u8,
) -> u32 {
    let f = MemFlags::from_imm(imm);
    // SAFETY: compiled-code contract.
    let r = unsafe { mem_of(env, addr, false) }
        .and_then(|m| check_align(f, addr, false).and_then(|_| m.load(addr, f.size)));
    match r {
        Ok(v) => {
            // SAFETY: `out` has room for 16 bytes.
            unsafe { (out as *mut [u8; 16]).write_unaligned(v.to_le_bytes()) };
            0
        }
        // SAFETY: compiled-code contract.
        Err(e) => unsafe { record_fault_as(env, e, access_exit(imm)) },
    }
}

/// Slow-path store of the 16-byte little-endian value at `inp`; a failure
/// exits as for [`xlat_jit_load`].
///
/// # Safety
/// As for [`xlat_jit_load`].
pub(crate) unsafe extern "C" fn xlat_jit_store(
    env: *mut u8,
    addr: u64,
    imm: u64,
    inp: *mut u8,
) -> u32 {
    let f = MemFlags::from_imm(imm);
    // SAFETY: `inp` holds 16 bytes.
    let v = u128::from_le_bytes(unsafe { (inp as *const [u8; 16]).read_unaligned() });
    // SAFETY: compiled-code contract.
    let r = unsafe { mem_of(env, addr, true) }
        .and_then(|m| check_align(f, addr, true).and_then(|_| m.store(addr, f.size, v)));
    match r {
        Ok(()) => 0,
        // SAFETY: compiled-code contract.
        Err(e) => unsafe { record_fault_as(env, e, access_exit(imm)) },
    }
}

/// Slow-path atomic read-modify-write; the old value goes to `out`.
///
/// # Safety
/// As for [`xlat_jit_load`].
pub(crate) unsafe extern "C" fn xlat_jit_rmw(
    env: *mut u8,
    addr: u64,
    imm: u64,
    v: u64,
    out: *mut u8,
) -> u32 {
    let f = MemFlags::from_imm(imm);
    let op = RmwOp::from_imm(imm).unwrap_or(RmwOp::Xchg);
    // SAFETY: compiled-code contract.
    let r = unsafe { mem_of(env, addr, true) }
        .and_then(|m| check_align(f, addr, true).and_then(|_| m.rmw(addr, f.size, op, v)));
    match r {
        Ok(old) => {
            // SAFETY: `out` has room for 16 bytes.
            unsafe { (out as *mut [u8; 16]).write_unaligned((old as u128).to_le_bytes()) };
            0
        }
        // SAFETY: compiled-code contract.
        Err(e) => unsafe { record_fault(env, e) },
    }
}

/// Slow-path compare-and-swap: `io` holds expected (bytes 0..16) and new
/// (16..32); the old value is written to bytes 0..16.
///
/// # Safety
/// As for [`xlat_jit_load`], with a 32-byte buffer.
pub(crate) unsafe extern "C" fn xlat_jit_cas(
    env: *mut u8,
    addr: u64,
    imm: u64,
    io: *mut u8,
) -> u32 {
    let f = MemFlags::from_imm(imm);
    // SAFETY: `io` holds 32 bytes.
    let (e, n) = unsafe {
        (
            u128::from_le_bytes((io as *const [u8; 16]).read_unaligned()),
            u128::from_le_bytes((io.add(16) as *const [u8; 16]).read_unaligned()),
        )
    };
    let m = if f.size >= 16 {
        u128::MAX
    } else {
        (1u128 << (f.size as u32 * 8)) - 1
    };
    // SAFETY: compiled-code contract.
    let r = unsafe { mem_of(env, addr, true) }
        .and_then(|mm| check_align(f, addr, true).and_then(|_| mm.cas(addr, f.size, e & m, n & m)));
    match r {
        Ok(old) => {
            // SAFETY: `io` has room for 16 bytes.
            unsafe { (io as *mut [u8; 16]).write_unaligned(old.to_le_bytes()) };
            0
        }
        // SAFETY: compiled-code contract.
        Err(e) => unsafe { record_fault(env, e) },
    }
}

/// Codes of IR types in fallback descriptors.
pub(crate) fn type_code(t: Type) -> u64 {
    match t {
        Type::Void => 0,
        Type::I8 => 1,
        Type::I16 => 2,
        Type::I32 => 3,
        Type::I64 => 4,
        Type::I128 => 5,
        Type::F32 => 6,
        Type::F64 => 7,
        Type::V128 => 8,
    }
}

fn type_of_code(c: u64) -> Type {
    Type::ALL.get(c as usize).copied().unwrap_or(Type::Void)
}

/// Generic fallback for ops without a native lowering: evaluates op
/// `desc & 0xff` (index in `Opcode::ALL`) with result type `desc >> 8 & 0xff`
/// and first-operand type `desc >> 16 & 0xff` by the interpreter's
/// semantics. `io` holds the three operands (16 bytes each, zero-extended)
/// and receives the result at byte 48. `_env` (unused) is there so that
/// compiled code keeps `env` in the first argument register of every slow
/// path call.
///
/// # Safety
/// `io` points to 64 bytes.
pub(crate) unsafe extern "C" fn xlat_jit_eval(_env: *mut u8, desc: u64, imm: u64, io: *mut u8) {
    let op = Opcode::ALL.get((desc & 0xff) as usize).copied();
    let ty = type_of_code((desc >> 8) & 0xff);
    let aty = type_of_code((desc >> 16) & 0xff);
    // SAFETY: `io` holds 64 bytes.
    let rd = |k: usize| unsafe {
        u128::from_le_bytes((io.add(16 * k) as *const [u8; 16]).read_unaligned())
    };
    let (a, b, c) = (rd(0), rd(1), rd(2));
    let r = match op {
        None => 0,
        Some(op) => xlat_interp::eval_pure(op, ty, aty, imm, a, b, c),
    };
    // SAFETY: `io` holds 64 bytes.
    unsafe { (io.add(48) as *mut [u8; 16]).write_unaligned(r.to_le_bytes()) };
}
