//! Lowering of a region (one or more IR blocks) to one Cranelift function.
//!
//! The function takes `env` and uses the tail-call convention. Each guest
//! block is a Cranelift block; jumps between blocks of the region are direct.
//! Guest registers live in Cranelift variables, loaded at region entry,
//! written back (the possibly dirty ones) at *snapshot points*, and reloaded
//! after helpers that write state.
//!
//! **Snapshots and precise faults.** Wherever compiled code may fault,
//! `env` holds a consistent snapshot: every register and the PC as they
//! were at one earlier instruction boundary, with no side effect (store,
//! atomic, helper that writes state or memory) executed since that
//! re-running from there would repeat differently. A snapshot is written
//! (all dirty registers plus the PC) before every atomic and
//! state-touching helper, at every exit, at in-region edges (back edges
//! too) leaving a block with a side effect after its last snapshot, and
//! before the first load or plain store after such a side effect. Plain
//! loads and the first plain store (up to 8 bytes, or a 16-byte vector:
//! one host instruction, all or nothing) after a snapshot write nothing
//! back: when one faults (host fault or failed slow path), the region
//! returns [`ExitCode::Retry`] and the dispatcher re-runs from the
//! snapshot PC at tier 0, which faults precisely. Nor does a plain store
//! when only plain stores happened since the snapshot (no load, no other
//! side effect; a block entered with a fresh snapshot on every way in,
//! [`clean_at_entry`], starts so): the retry repeats those stores with the
//! same values at the same addresses, nothing stored since having come
//! from memory (`glibc`'s `stp q0, q0` table zeroing writes no PC). Every
//! host fault retries, so the
//! handler needs no map from host PCs. A loop without side effects writes
//! no snapshot at its back edge: the retry then re-runs its iterations
//! (at most [`RETRY_BLOCKS`](crate::RETRY_BLOCKS) blocks at a time); so
//! does a loop that only stores at the region entry ([`replay_loop`]). A
//! block whose last side effect is followed by instructions that set
//! registers before anything observes them writes its snapshot right
//! after that side effect, without them, where that is cheaper than at its
//! in-region edges ([`tail_snapshot`]). A
//! snapshot edge skips the registers its target sets before anything
//! observes `env`, and the PC where `env` holds it already. A
//! store after plain stores of its own instruction (a store pair) has a
//! snapshot of that instruction's start: the retry repeats those stores
//! with the same values. Any other access in the same guest instruction
//! as an earlier side effect of it cannot be re-run from a snapshot; it
//! always takes the slow path, which reports [`ExitCode::Fault`] with the
//! state exact (the PC of the instruction).

mod branch_flags;
mod checks;
mod dead_loads;
mod dispatch;
mod flag_word;
mod float_cmp;
mod forward_loads;
mod lane_test;
mod lazy_flags;
pub(crate) mod loop_entry;
mod loop_exits;
mod scalar_nan;
mod vector_nan;
mod vsx_swaps;
mod word_table;

use crate::runtime::type_code;
use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{
    self, AbiParam, AtomicRmwOp, BlockArg, Endianness, FuncRef, GlobalValue, InstBuilder,
    MemFlagsData, SigRef, StackSlot, StackSlotData, StackSlotKind, types,
};
use cranelift_frontend::{FunctionBuilder, Variable};
use std::collections::HashMap;
use std::mem::offset_of;
use xlat_ir::{
    Block, CpuHeader, ExitCode, FCond, HelperDesc, Lanes, MemFlags, Opcode, Ordering, RmwOp, Shape,
    StateLayout, Terminal, Type,
};

/// Functions and signatures the lowering refers to.
pub(crate) struct Refs {
    pub load: FuncRef,
    pub store: FuncRef,
    pub rmw: FuncRef,
    pub cas: FuncRef,
    pub eval: FuncRef,
    pub tail_sig: SigRef,
    pub slots: GlobalValue,
    /// `xlat_jit_unchained_asm` (see `runtime`): the entry an exit takes
    /// back to the dispatcher (an unpatched slot, a jump-cache miss).
    pub unchained: FuncRef,
    pub helpers: HashMap<*const HelperDesc, FuncRef>,
}

/// Result of lowering: the constant targets of the chainable exits, in
/// slot order.
pub(crate) struct Lowered {
    pub exits: Vec<u64>,
    /// Words at the start of the region's data that its versioned loops'
    /// counters use ([`loop_entry`]); the exit slots follow them.
    pub cells: usize,
    /// Guest byte ranges read at compile time ([`word_table`]): the code
    /// is valid only while they are unchanged.
    pub tables: Vec<(u64, u64)>,
}

fn off_stop() -> i32 {
    offset_of!(CpuHeader, stop) as i32
}
fn off_exit() -> i32 {
    offset_of!(CpuHeader, exit) as i32
}

fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

fn little() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// Cranelift type of an IR type (v128 as i8x16).
pub(crate) fn clif_ty(t: Type) -> ir::Type {
    match t {
        Type::I8 => types::I8,
        Type::I16 => types::I16,
        Type::I32 => types::I32,
        Type::I64 | Type::Void => types::I64,
        Type::I128 => types::I128,
        Type::F32 => types::F32,
        Type::F64 => types::F64,
        Type::V128 => types::I8X16,
    }
}

/// The vector `v` when `inst` truncates `bitcast.i128(v)` to 64 bits or
/// fewer.
fn vector_low(block: &Block, inst: &xlat_ir::Inst) -> Option<xlat_ir::Value> {
    let d = &block.insts[inst.args[0].index()];
    (inst.ty.bits() <= 64 && d.op == Opcode::Bitcast && block.ty(d.args[0]) == Type::V128)
        .then_some(d.args[0])
}

/// True if instruction `i` is `bitcast.i128(v)` of a vector and every
/// reader is a [`vector_low`] truncation.
fn low_reads_only(block: &Block, i: usize) -> bool {
    let inst = &block.insts[i];
    inst.ty == Type::I128
        && block.ty(inst.args[0]) == Type::V128
        && block.insts[i + 1..].iter().all(|u| {
            !u.args.iter().any(|a| a.is_some() && a.index() == i)
                || (u.op == Opcode::Trunc && vector_low(block, u).is_some())
        })
}

/// The integer `x` (64 bits or fewer) when `inst` is
/// `bitcast.v128(zext.i128(x))`.
fn scalar_to_vector(block: &Block, inst: &xlat_ir::Inst) -> Option<xlat_ir::Value> {
    let d = &block.insts[inst.args[0].index()];
    let x = d.args[0];
    (inst.ty == Type::V128
        && d.op == Opcode::Zext
        && block.ty(x).is_int()
        && block.ty(x).bits() <= 64)
        .then_some(x)
}

/// The vector `v` when `inst` is `bitcast.f32/f64(x)` and `x` a
/// [`vector_low`] truncation of `v` to the float's width: a float read of
/// a V register's low lane.
fn float_low(block: &Block, inst: &xlat_ir::Inst) -> Option<xlat_ir::Value> {
    if inst.op != Opcode::Bitcast || !inst.ty.is_float() {
        return None;
    }
    let t = &block.insts[inst.args[0].index()];
    if t.op != Opcode::Trunc || t.ty.bits() != inst.ty.bits() {
        return None;
    }
    vector_low(block, t)
}

/// `(v, k)` when `inst` is `bitcast.f64(vextract.i64x2 v, k)` (or the
/// F32 / I32x4 form): a float read of lane `k` of vector `v`.
fn float_of_lane(block: &Block, inst: &xlat_ir::Inst) -> Option<(xlat_ir::Value, u8)> {
    if inst.op != Opcode::Bitcast || !inst.ty.is_float() {
        return None;
    }
    let e = &block.insts[inst.args[0].index()];
    let l = Lanes::from_imm(e.imm);
    (e.op == Opcode::Vextract && l.lane_bits() == inst.ty.bits() && l.count() <= 4)
        .then(|| (e.args[0], ((e.imm >> 8) as u32 % l.count()) as u8))
}

/// The float `f` when `inst` is `bitcast.v128(zext.i128(bitcast.iN(f)))`:
/// a float written to a V register, the other lanes zero.
fn float_to_vector(block: &Block, inst: &xlat_ir::Inst) -> Option<xlat_ir::Value> {
    if inst.op != Opcode::Bitcast {
        return None;
    }
    let x = scalar_to_vector(block, inst)?;
    let d = &block.insts[x.index()];
    (d.op == Opcode::Bitcast && block.ty(d.args[0]).is_float()).then_some(d.args[0])
}

/// Some(false) if `inst` is a 4- or 8-byte load without extension whose
/// readers are all `zext.i128` read only by `bitcast.v128` (a scalar load
/// into a V register, `ldr d0`/`ldr s0`), Some(true) if they are all
/// `vsplat`s of lanes of its width (`ld1r`): it is loaded straight into a
/// vector register (movsd/movss, movddup/vbroadcastss), the integer form
/// extracted only if used.
fn vector_load(block: &Block, i: usize) -> Option<bool> {
    let inst = &block.insts[i];
    if inst.op != Opcode::Load
        || !matches!(inst.ty, Type::I32 | Type::I64)
        || u32::from(MemFlags::from_imm(inst.imm).size) * 8 != inst.ty.bits()
    {
        return None;
    }
    let splat = |u: &xlat_ir::Inst| {
        u.op == Opcode::Vsplat && Lanes::from_imm(u.imm).lane_bits() == inst.ty.bits()
    };
    if readers(block, i).next().is_some() && readers(block, i).all(|(_, u)| splat(u)) {
        return Some(true);
    }
    low_load(block, i).then_some(false)
}

/// The ops of `block` after op `j` that read its value, with their indices.
fn readers(block: &Block, j: usize) -> impl Iterator<Item = (usize, &xlat_ir::Inst)> {
    block.insts[j + 1..]
        .iter()
        .enumerate()
        .filter(move |(_, u)| u.operands().any(|a| a.index() == j))
        .map(move |(k, u)| (j + 1 + k, u))
}

/// The `zext`/`bitcast` half of [`vector_load`].
fn low_load(block: &Block, i: usize) -> bool {
    let mut any = false;
    for (k, u) in readers(block, i) {
        if u.op != Opcode::Zext || u.ty != Type::I128 {
            return false;
        }
        if !readers(block, k).all(|(_, w)| w.op == Opcode::Bitcast && w.ty == Type::V128) {
            return false;
        }
        any = true;
    }
    any
}

/// The vector `v` and the float type of its low 4 or 8 bytes when `inst`
/// stores exactly those bytes (a [`vector_low`] truncation of `v`).
fn stored_lane(block: &Block, inst: &xlat_ir::Inst) -> Option<(xlat_ir::Value, Type)> {
    if inst.op != Opcode::Store {
        return None;
    }
    let x = &block.insts[inst.args[1].index()];
    let ft = match x.ty {
        Type::I32 => Type::F32,
        Type::I64 => Type::F64,
        _ => return None,
    };
    let size = u32::from(MemFlags::from_imm(inst.imm).size);
    if x.op != Opcode::Trunc || size * 8 != x.ty.bits() {
        return None;
    }
    vector_low(block, x).map(|v| (v, ft))
}

/// A vector float op that the frontend wrote lane by lane: for every lane
/// `k` of a full vector, `bitcast(fnan(op(x_k, y_k), ..))` inserted into a
/// zero vector, `x_k` lane `k` of vector `n` and `y_k` lane `k` of vector
/// `m` (or one float for every lane). Lowered as one host vector op with
/// one NaN test of the whole result; the lanes' `fnan`s run out of line
/// only when a lane is a NaN (see [`vector_float_ops`]).
#[derive(Clone, Debug)]
struct VecFloat {
    op: Opcode,
    /// F64X2 or F32X4.
    vt: ir::Type,
    n: xlat_ir::Value,
    /// `Ok(m)`: lanes of vector `m`; `Err(y)`: float `y` in every lane.
    m: Result<xlat_ir::Value, xlat_ir::Value>,
    /// The `fnan` of each lane.
    nans: Vec<usize>,
}

/// Finds the [`VecFloat`] patterns of `block`: per op, the pattern whose
/// last lane insert it is, and which ops of the patterns are not lowered
/// on their own (the `fnan`s, their bitcasts and the inner inserts, each
/// read only inside its pattern).
fn vector_float_ops(block: &Block) -> (Vec<Option<VecFloat>>, Vec<bool>) {
    let n = block.insts.len();
    let mut uses = vec![0u32; n];
    for inst in &block.insts {
        for a in inst.operands() {
            uses[a.index()] += 1;
        }
    }
    match block.terminal() {
        Terminal::Branch { cond: v, .. } | Terminal::JumpIndirect(v) | Terminal::Return(v) => {
            uses[v.index()] += 2;
        }
        _ => {}
    }
    let ins = |v: xlat_ir::Value| &block.insts[v.index()];
    // `bitcast.f(vextract lanes[k] v)`: Some(v).
    let lane_of = |x: xlat_ir::Value, lanes: Lanes, k: u32| {
        let b = ins(x);
        if b.op != Opcode::Bitcast {
            return None;
        }
        let e = ins(b.args[0]);
        (e.op == Opcode::Vextract
            && Lanes::from_imm(e.imm) == lanes
            && (e.imm >> 8) as u32 % lanes.count() == k)
            .then_some(e.args[0])
    };
    let mut pats = vec![None; n];
    let mut skip = vec![false; n];
    for (i, last) in block.insts.iter().enumerate() {
        if last.op != Opcode::Vinsert {
            continue;
        }
        let lanes = Lanes::from_imm(last.imm);
        let (ft, vt) = match lanes {
            Lanes::I64x2 => (Type::F64, types::F64X2),
            Lanes::I32x4 => (Type::F32, types::F32X4),
            _ => continue,
        };
        let count = lanes.count();
        // Walk the inserts from the last lane down: per lane the op, its
        // operands and the `fnan`.
        let mut acc = i;
        let mut inner = Vec::new();
        let mut per = Vec::new();
        for k in (0..count).rev() {
            // Each op's operands are followed only once its op is known.
            let vi = &block.insts[acc];
            if vi.op != Opcode::Vinsert
                || Lanes::from_imm(vi.imm) != lanes
                || (vi.imm >> 8) as u32 % count != k
                || (acc != i && uses[acc] != 1)
            {
                break;
            }
            let z = vi.args[1];
            let zi = ins(z);
            if zi.op != Opcode::Bitcast || zi.ty != Type::int(ft.bits()) || uses[z.index()] != 1 {
                break;
            }
            let f = zi.args[0];
            let fi = ins(f);
            if fi.op != Opcode::Fnan || fi.ty != ft || uses[f.index()] != 1 {
                break;
            }
            let ri = ins(fi.args[0]);
            let arith = matches!(
                ri.op,
                Opcode::Fadd | Opcode::Fsub | Opcode::Fmul | Opcode::Fdiv
            );
            // The fix-up of `op(x, y)` from `x` and `y` (the slow path
            // takes them from the vectors' lanes).
            let own = fi.args[1] == ri.args[0] && fi.args[2] == ri.args[1];
            if !arith || ri.ty != ft || !own {
                break;
            }
            per.push((k, ri.op, ri.args[0], ri.args[1], f.index()));
            inner.extend([z.index(), f.index()]);
            if acc != i {
                inner.push(acc);
            }
            acc = vi.args[0].index();
        }
        let zero = &block.insts[acc];
        if per.len() != count as usize
            || zero.op != Opcode::Const
            || zero.ty != Type::V128
            || zero.imm != 0
        {
            continue;
        }
        let (_, op, x0, y0, _) = per[0];
        let Some(nv) = lane_of(x0, lanes, count - 1) else {
            continue;
        };
        // `y` one float in every lane (by element), else lane k of one
        // vector.
        let m = if per.iter().all(|p| p.3 == y0) {
            Err(y0)
        } else {
            match lane_of(y0, lanes, count - 1) {
                Some(mv) => Ok(mv),
                None => continue,
            }
        };
        let same = per.iter().all(|&(k, o, x, y, _)| {
            o == op
                && lane_of(x, lanes, k) == Some(nv)
                && match m {
                    Ok(mv) => lane_of(y, lanes, k) == Some(mv),
                    Err(_) => true,
                }
        });
        // The fnans' other operands are lowered on their own.
        let nans: Vec<usize> = per.iter().rev().map(|p| p.4).collect();
        let outside = nans.iter().all(|&f| {
            block.insts[f]
                .operands()
                .all(|a| !inner.contains(&a.index()))
        });
        if !same || !outside {
            continue;
        }
        for &j in &inner {
            skip[j] = true;
        }
        pats[i] = Some(VecFloat {
            op,
            vt,
            n: nv,
            m,
            nans,
        });
    }
    (pats, skip)
}

fn lane_vec(l: Lanes) -> ir::Type {
    match l {
        Lanes::I8x16 => types::I8X16,
        Lanes::I16x8 => types::I16X8,
        Lanes::I32x4 => types::I32X4,
        Lanes::I64x2 => types::I64X2,
    }
}

struct Fx<'a, 'b> {
    b: FunctionBuilder<'b>,
    layout: &'a StateLayout,
    blocks: &'a [&'a Block],
    refs: &'a Refs,
    chain: bool,
    env: ir::Value,
    /// Variable per register (None for the PC and unused registers).
    vars: Vec<Option<Variable>>,
    /// Registers with a variable.
    used: Vec<usize>,
    dirty: Vec<bool>,
    pc_known: Option<u64>,
    base: ir::Value,
    limit: ir::Value,
    io: StackSlot,
    /// Holds `io`'s address (stored at entry when [`Fx::io_addr`] was
    /// used): helper calls load it where they stand, so that no register
    /// keeps it across the region (Cranelift hoists a `stack_addr`).
    io_ptr: StackSlot,
    /// [`Fx::io_addr`] was used.
    io_used: bool,
    cblocks: Vec<ir::Block>,
    exits: Vec<u64>,
    /// The region has ops that may fault (so snapshots are needed).
    faulty: bool,
    /// Per block: a side effect may have happened after the last snapshot
    /// at its end (see [`effect_after`]).
    effect_end: Vec<bool>,
    /// PC of the guest instruction whose side effect happened after the
    /// last snapshot in the block being lowered.
    effect: Option<u64>,
    /// Per block: a store-only loop at the region entry ([`replay_loop`]):
    /// its stores set no pending side effect.
    replay: Vec<bool>,
    /// Per block: the snapshot it writes after its last side effect
    /// ([`tail_snapshot`]).
    tail: Vec<Option<Tail>>,
    /// Only plain stores happened since the last snapshot in the block
    /// being lowered ([`stores_only_after`]): a plain store needs no
    /// snapshot of its own ([`needs_snapshot`]).
    stores_only: bool,
    /// The guest instruction being lowered has so far done nothing that
    /// may fault or has a side effect but plain stores (of any size):
    /// re-running it from its start repeats only those stores, with the
    /// same values at the same addresses.
    insn_plain: bool,
    /// Per block, the region blocks its computed jump may continue at
    /// directly (see [`indirect_targets`]).
    indirect: Vec<Vec<usize>>,
    /// Per block and register: its entry value may be observed there or
    /// later (see [`observed_at_entry`]).
    observed: Vec<Vec<bool>>,
    /// Per block: the PC `env` holds on entry and whether the block may
    /// store another ([`env_pc_at_entry`]).
    env_pc: Vec<EnvPc>,
    /// Per block: a loop header (the target of an in-region back edge).
    header: Vec<bool>,
    /// Shared exit blocks (see [`Fx::shared_exit`]), filled at the end.
    shared: Vec<(SharedExit, ir::Block)>,
    /// Index of the block being lowered.
    cur: usize,
    /// Per op of the block being lowered: a pure integer op whose value
    /// only feeds `set`s and other such ops (see [`sinkable`]); it is not
    /// emitted where it stands but where a register it feeds is needed.
    sink: Vec<bool>,
    /// Host values of the block's ops lowered so far (None: sunk or void).
    vals: Vec<Option<ir::Value>>,
    /// Per op of the block being lowered: the last lane insert of a
    /// [`VecFloat`], lowered as one vector op.
    vec_float: Vec<Option<VecFloat>>,
    /// Per op of the block being lowered: the [`vector_nan::NanChain`]
    /// of a [`VecFloat`].
    nan_chain: Vec<Option<vector_nan::NanChain>>,
    /// Per op of the block being lowered: the untested earlier patterns
    /// of the chains ending there.
    chained: Vec<Vec<vector_nan::Link>>,
    /// The tested values of a chain's links (op index), known once its
    /// end is lowered.
    chain_fix: Vec<(usize, ir::Value)>,
    /// Per op of the block being lowered: part of a [`VecFloat`], not
    /// lowered on its own.
    vec_skip: Vec<bool>,
    /// Per register: the host float whose zero-extension the register was
    /// last set to in the block being lowered ([`float_to_vector`]); a
    /// write-back stores the float and zeros, so the vector form need
    /// not be built (and kept in a register) for snapshots.
    fsrc: Vec<Option<ir::Value>>,
    /// Per op of the block being lowered: the value of an `fnan` already
    /// checked together with an earlier one (see [`Fx::nan_pair`]).
    nan_done: Vec<Option<ir::Value>>,
    /// The block's deferred scalar `fnan`s, tested together
    /// ([`scalar_nan`]).
    nan_pend: scalar_nan::NanPend,
    /// Per op of the block being lowered: the loaded value as a vector
    /// (lane 0, the rest zero) for a [`vector_load`].
    vec_loads: Vec<Option<ir::Value>>,
    /// Per op of the block being lowered: the float a [`vector_load`] off
    /// a checked base loaded (its vector form is `vec_loads`').
    float_loads: Vec<Option<ir::Value>>,
    /// Per op of the block being lowered: the access's base and offset
    /// when it checks its base alone ([`access_sites`]).
    sites: Vec<Option<Site>>,
    /// Per value of the block being lowered: `mem_base +` the value, once
    /// an access checked it against the limit, or [`POISON`] where that
    /// access took the slow path ([`Fx::mem_op`]).
    checked: Vec<Option<ir::Value>>,
    /// Checked bases carried across blocks ([`checks::Plan`]).
    cross: checks::Plan,
    /// Per register: the sunk op whose value it was last set to, not yet
    /// emitted (its variable is stale until [`Fx::materialize`]).
    pending: Vec<Option<usize>>,
    /// Snapshot edges that leave NZCV as operands ([`lazy_flags`]).
    lazy: Option<lazy_flags::LazyFx>,
    /// Guest memory the lowering may read at compile time (tables of
    /// [`word_table`]), if the caller gave it.
    code: Option<&'a dyn xlat_ir::abi::GuestMemory>,
    /// The current block's table jump ([`word_table`]).
    table: Option<word_table::Plan>,
    /// Guest byte ranges read at compile time (see [`Lowered::tables`]).
    tables: Vec<(u64, u64)>,
    /// Per block: the loop it is lowered as, twice behind an entry check
    /// ([`loop_entry`]).
    loops: Vec<Option<loop_entry::Loop>>,
    /// Words reserved at the start of the region's data for the loops'
    /// counters (one per planned loop), and those given out so far.
    cells: (usize, usize),
    /// Lowering a loop's snapshot-free copy ([`loop_entry`]): no snapshot,
    /// no bounds check, a snapshot at every edge but the one to itself.
    fast: bool,
    /// Where the block being lowered jumps to itself (the copy being
    /// lowered of a [`loop_entry`] loop), if not its own block.
    self_jump: Option<ir::Block>,
    /// The region's loops, for reloads at their exits ([`loop_exits`]).
    loop_exits: loop_exits::Plan,
    /// Loads that take an earlier load's value ([`forward_loads`]).
    fwd: forward_loads::Plan,
}

/// Lowers `blocks` (entry first) into `func` (whose signature is already
/// `fn(env)` with the tail convention). `targets[k]`, where present, lists
/// guest PCs that block `k`'s computed jump was seen to continue at, hottest
/// first (a hint: see [`indirect_targets`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn lower(
    func: &mut ir::Function,
    fctx: &mut cranelift_frontend::FunctionBuilderContext,
    layout: &StateLayout,
    blocks: &[&Block],
    targets: &[Vec<u64>],
    refs: &Refs,
    chain: bool,
    guard: u64,
    fcfg: cranelift_codegen::isa::TargetFrontendConfig,
    code: Option<&dyn xlat_ir::abi::GuestMemory>,
) -> Lowered {
    let mut b = FunctionBuilder::new(func, fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let env = b.block_params(entry)[0];
    let io = b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 64, 4));
    let io_ptr = b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));

    // Registers used in the region.
    let nregs = layout.regs.len();
    let mut used_mask = vec![false; nregs];
    for bl in blocks {
        for i in &bl.insts {
            if matches!(i.op, Opcode::Get | Opcode::Set) {
                let r = i.imm as usize;
                if r < nregs && r != layout.pc.0 as usize {
                    used_mask[r] = true;
                }
            }
        }
    }
    let mut vars = vec![None; nregs];
    let mut used = Vec::new();
    for r in 0..nregs {
        if used_mask[r] {
            let v = b.declare_var(clif_ty(layout.regs[r].ty));
            vars[r] = Some(v);
            used.push(r);
        }
    }
    // Memory base and limit (see `inline_ok`): constant while the region
    // runs, so read-only loads that Cranelift may move, and drops where a
    // region has no memory access.
    let fixed = trusted().with_readonly().with_can_move();
    let base = b.ins().load(
        types::I64,
        fixed,
        env,
        offset_of!(CpuHeader, mem_base) as i32,
    );
    let limit = b.ins().load(
        types::I64,
        fixed,
        env,
        offset_of!(CpuHeader, mem_limit) as i32,
    );
    // Snapshot rules (module docs): only regions with fault points need
    // them; an in-region edge (back edges too) is a snapshot only when the
    // source block ends with a side effect after its last snapshot.
    let faulty = blocks
        .iter()
        .any(|bl| bl.insts.iter().any(|i| sync_of(bl, i) != Sync::None));
    let indirect = indirect_targets(blocks, targets);
    let succ = region_successors(blocks, &indirect);
    let cross = checks::plan(&mut b, layout, blocks, &succ, guard);
    let lazy = lazy_flags::plan(&mut b, layout, blocks, &succ, &used_mask, faulty);
    let loop_exits = loop_exits::plan(layout, blocks, &succ);
    let fwd = forward_loads::plan(&mut b, layout, blocks, &succ);
    let replay: Vec<bool> = (0..blocks.len())
        .map(|k| replay_loop(blocks, &succ, k))
        .collect();
    let mut summary: Vec<Summary> = blocks
        .iter()
        .zip(&replay)
        .map(|(bl, &rp)| summarize(layout, bl, nregs, rp, None, false))
        .collect();
    let sets = set_masks(layout, blocks, nregs);
    // Blocks that write their snapshot after their last side effect
    // instead of at their in-region edges ([`tail_snapshot`]).
    let tail: Vec<Option<Tail>> = if faulty {
        let din = dirty_at_entry(&succ, &summary, |k, _| !summary[k].effect_end);
        let entry_pc = succ.iter().skip(1).all(|s| !s.contains(&0));
        (0..blocks.len())
            .map(|k| tail_snapshot(layout, blocks, &succ, &summary, &din, &sets, entry_pc, k))
            .collect()
    } else {
        vec![None; blocks.len()]
    };
    for (k, t) in tail.iter().enumerate() {
        if t.is_some() {
            summary[k] = summarize(layout, blocks[k], nregs, replay[k], t.as_ref(), false);
        }
    }
    let effect_end: Vec<bool> = summary.iter().map(|s| s.effect_end).collect();
    let snapshot_edge = |from: usize, _to: usize| faulty && effect_end[from];
    // Blocks entered with a fresh snapshot in `env` (the pending side
    // effect, and so `effect_end`, does not depend on it).
    let clean = clean_at_entry(&succ, snapshot_edge);
    for (k, _) in clean.iter().enumerate().filter(|(_, c)| **c) {
        summary[k] = summarize(layout, blocks[k], nregs, replay[k], tail[k].as_ref(), true);
    }
    let cblocks: Vec<ir::Block> = blocks.iter().map(|_| b.create_block()).collect();
    // One-block loops whose stores need a snapshot per iteration.
    let loops = (0..blocks.len())
        .map(|k| {
            let snap = effect_end[k] || tail[k].is_some();
            (faulty && snap && !replay[k] && succ[k].contains(&k))
                .then(|| loop_entry::plan(layout, blocks, k))
                .flatten()
        })
        .collect::<Vec<_>>();
    let ncells = loops.iter().filter(|l| l.is_some()).count();
    let mut fx = Fx {
        b,
        layout,
        blocks,
        refs,
        chain,
        env,
        vars,
        used,
        dirty: vec![false; nregs],
        pc_known: None,
        base,
        limit,
        io,
        io_ptr,
        io_used: false,
        cblocks,
        exits: Vec::new(),
        faulty,
        effect_end: effect_end.clone(),
        effect: None,
        replay,
        tail,
        stores_only: false,
        insn_plain: true,
        env_pc: Vec::new(),
        header: loop_headers(&succ),
        shared: Vec::new(),
        indirect,
        observed: Vec::new(),
        cur: 0,
        sink: Vec::new(),
        vals: Vec::new(),
        vec_loads: Vec::new(),
        float_loads: Vec::new(),
        sites: Vec::new(),
        checked: Vec::new(),
        cross,
        nan_done: Vec::new(),
        nan_pend: scalar_nan::NanPend::default(),
        fsrc: vec![None; nregs],
        vec_float: Vec::new(),
        nan_chain: Vec::new(),
        chained: Vec::new(),
        chain_fix: Vec::new(),
        vec_skip: Vec::new(),
        pending: vec![None; nregs],
        lazy,
        code,
        table: None,
        tables: Vec::new(),
        loops,
        cells: (ncells, 0),
        fast: false,
        self_jump: None,
        loop_exits,
        fwd,
    };
    // Registers possibly dirty (set and not yet written back) on entry to
    // each block; snapshot edges carry nothing.
    let dirty_in = dirty_at_entry(&succ, &summary, |k, j| !snapshot_edge(k, j));
    // Entry loads: only registers whose entry value can be observed.
    let mut observed = vec![vec![false; nregs]; blocks.len()];
    for &r in &fx.used {
        let obs = observed_at_entry(layout, blocks, &succ, &sets, &dirty_in, r);
        for (k, o) in obs.into_iter().enumerate() {
            observed[k][r] = o;
        }
    }
    let needed: Vec<usize> = fx
        .used
        .iter()
        .copied()
        .filter(|&r| observed[0][r])
        .collect();
    fx.observed = observed;
    fx.load_regs(&needed);
    let first = fx.cblocks[0];
    fx.b.ins().jump(first, &[]);
    // The PC `env` holds on entry to each block, where one is known: a
    // snapshot edge need not store it again (see [`env_pc_at_entry`]).
    fx.env_pc = env_pc_at_entry(blocks, &succ, &summary, snapshot_edge);
    for (k, din) in dirty_in.iter().enumerate() {
        let cb = fx.cblocks[k];
        fx.b.switch_to_block(cb);
        fx.dirty = din.clone();
        fx.pc_known = fx.env_pc[k].entry;
        fx.effect = None;
        fx.stores_only = clean[k];
        fx.insn_plain = true;
        fx.lower_loop_or_block(k);
        #[cfg(test)]
        if crate::PANIC_AFTER_FIRST_BLOCK.with(|p| p.replace(false)) {
            panic!("test: lowering panics after the region's first block");
        }
    }
    fx.fill_shared_exits();
    fx.b.seal_all_blocks();
    let io_used = fx.io_used;
    let exits = std::mem::take(&mut fx.exits);
    let tables = std::mem::take(&mut fx.tables);
    fx.b.finalize(fcfg);
    if io_used {
        let mut pos = FuncCursor::new(func).at_first_insertion_point(entry);
        let a = pos.ins().stack_addr(types::I64, io, 0);
        pos.ins().stack_store(types::I64, a, io_ptr, 0);
    }
    dead_loads::drop_unused_loads(func);
    Lowered {
        exits,
        cells: ncells,
        tables,
    }
}

impl Fx<'_, '_> {
    fn load_all(&mut self) {
        self.load_regs(&self.used.clone());
    }

    /// Loads registers `regs` from `env` into their variables.
    fn load_regs(&mut self, regs: &[usize]) {
        for &r in regs {
            let ri = self.layout.regs[r];
            let v = self
                .b
                .ins()
                .load(clif_ty(ri.ty), trusted(), self.env, ri.offset as i32);
            self.b.def_var(self.vars[r].expect("used register"), v);
            self.pending[r] = None;
            self.fsrc[r] = None;
        }
    }

    /// Emits the sunk values of the registers in `regs` that have one and
    /// defines their variables (one emission per op at this point).
    fn materialize(&mut self, regs: &[usize]) {
        let mut memo = HashMap::new();
        for &r in regs {
            if let Some(i) = self.pending[r].take() {
                let v = self.remat(i, &mut memo);
                self.b.def_var(self.vars[r].expect("used register"), v);
            }
        }
    }

    /// Emits sunk op `i` of the current block (and the sunk ops it uses).
    fn remat(&mut self, i: usize, memo: &mut HashMap<usize, ir::Value>) -> ir::Value {
        if let Some(&v) = memo.get(&i) {
            return v;
        }
        if let Some(v) = self.word_table_load(i) {
            memo.insert(i, v);
            return v;
        }
        let block = self.blocks[self.cur];
        let inst = &block.insts[i];
        let n = xlat_ir::verify::nargs(inst.op.shape(), inst);
        let mut args = Vec::with_capacity(n);
        for a in &inst.args[..n] {
            let a = a.index();
            let v = if self.sink[a] {
                self.remat(a, memo)
            } else {
                self.vals[a].expect("operand defined")
            };
            args.push(v);
        }
        let v = if inst.op.shape() == Shape::Const {
            self.constant(inst.ty, inst.imm)
        } else {
            let aty = block.ty(inst.args[0]);
            self.int_op(inst.op, inst.ty, aty, inst.imm, &args, block, inst)
        };
        memo.insert(i, v);
        v
    }

    fn writeback(&mut self) {
        debug_assert!(!self.nan_pend.active(), "untested float values");
        let dirty: Vec<usize> = self
            .used
            .iter()
            .copied()
            .filter(|&r| self.dirty[r])
            .collect();
        self.materialize(&dirty);
        self.write_const_flags();
        for &r in &self.used.clone() {
            if self.dirty[r] {
                let ri = self.layout.regs[r];
                let off = ri.offset as i32;
                if let Some(f) = self.fsrc[r] {
                    // The float, then zeros up to 16 bytes.
                    self.b.ins().store(trusted(), f, self.env, off);
                    let fb = self.b.func.dfg.value_type(f).bytes() as i32;
                    if fb == 4 {
                        let z = self.b.ins().iconst(types::I32, 0);
                        self.b.ins().store(trusted(), z, self.env, off + 4);
                    }
                    let z = self.b.ins().iconst(types::I64, 0);
                    self.b.ins().store(trusted(), z, self.env, off + 8);
                } else {
                    let v = self.b.use_var(self.vars[r].expect("used register"));
                    self.b.ins().store(trusted(), v, self.env, off);
                }
                self.dirty[r] = false;
            }
        }
    }

    fn store_pc(&mut self, pc: u64) {
        let ri = self.layout.info(self.layout.pc);
        let v = self.b.ins().iconst(types::I64, pc as i64);
        self.store_pc_val(v, ri.ty);
    }

    fn store_pc_val(&mut self, v: ir::Value, ty: Type) {
        let ri = self.layout.info(self.layout.pc);
        let v = if ty.bits() < 64 {
            self.b.ins().ireduce(clif_ty(ty), v)
        } else {
            v
        };
        self.b.ins().store(trusted(), v, self.env, ri.offset as i32);
    }

    /// Writes a snapshot at the boundary of the instruction at `pc`: the
    /// dirty registers and the PC (guest state exact before that op).
    fn before_fault(&mut self, pc: u64) {
        self.stores_only = true;
        self.writeback();
        if self.pc_known != Some(pc) {
            self.store_pc(pc);
            self.pc_known = Some(pc);
        }
    }

    /// Writes block `k`'s [`Tail`] snapshot at the boundary of the
    /// instruction at `pc`: the dirty registers but those it skips (they
    /// stay dirty), and the PC.
    fn tail_snapshot(&mut self, k: usize, pc: u64) {
        let skip = self.tail[k].as_ref().expect("tail snapshot").skip.clone();
        let kept: Vec<usize> = (0..self.dirty.len())
            .filter(|&r| self.dirty[r] && skip[r])
            .collect();
        kept.iter().for_each(|&r| self.dirty[r] = false);
        self.before_fault(pc);
        kept.iter().for_each(|&r| self.dirty[r] = true);
        self.effect = None;
    }

    fn set_exit(&mut self, code: ExitCode) {
        let c = self.b.ins().iconst(types::I32, code as i64);
        self.b.ins().store(trusted(), c, self.env, off_exit());
    }

    fn ret_with(&mut self, code: ExitCode) {
        self.set_exit(code);
        self.b.ins().return_(&[]);
    }

    /// Emits `if stop != 0 { exit = Stopped; return }` (state already
    /// written back).
    fn stop_check(&mut self) {
        let stop = self.b.ins().load(
            types::I32,
            MemFlagsData::new().with_notrap(),
            self.env,
            off_stop(),
        );
        let stopped = self.shared_exit(SharedExit::Stopped);
        let cont = self.b.create_block();
        self.b.ins().brif(stop, stopped, &[], cont, &[]);
        self.b.switch_to_block(cont);
    }

    /// Emits `if stop != 0 { write back; exit = Stopped; return }`, the
    /// write-back of the dirty registers, those in `also` and the PC `pc`
    /// (if any) on the stop path only.
    fn stop_writing_back(&mut self, also: &[usize], pc: Option<u64>) {
        let stop = self.b.ins().load(
            types::I32,
            MemFlagsData::new().with_notrap(),
            self.env,
            off_stop(),
        );
        let stopped = self.b.create_block();
        let cont = self.b.create_block();
        self.b.ins().brif(stop, stopped, &[], cont, &[]);
        self.b.switch_to_block(stopped);
        let saved = (self.dirty.clone(), self.pending.clone());
        also.iter().for_each(|&r| self.dirty[r] = true);
        self.writeback();
        if let Some(pc) = pc {
            self.store_pc(pc);
        }
        self.ret_with(ExitCode::Stopped);
        (self.dirty, self.pending) = saved;
        self.b.switch_to_block(cont);
    }

    /// The region's one block that leaves as `kind` says, created on first
    /// use and filled by [`Fx::fill_shared_exits`]. Its predecessors are
    /// spread over the region, so it sits outside every loop of the
    /// function: a return dominated by a block of a loop (a per-site exit)
    /// makes Cranelift's loop-invariant code motion lose the loop nest for
    /// the rest of its walk (see [`Fx::pin_loop_invariants`]); the shared
    /// one does not, and it is emitted once.
    fn shared_exit(&mut self, kind: SharedExit) -> ir::Block {
        if let Some(&(_, b)) = self.shared.iter().find(|(k, _)| *k == kind) {
            return b;
        }
        let b = self.b.create_block();
        self.b.set_cold_block(b);
        self.shared.push((kind, b));
        b
    }

    /// Emits the shared exit blocks used by the region.
    fn fill_shared_exits(&mut self) {
        for (kind, b) in self.shared.clone() {
            self.b.switch_to_block(b);
            match kind {
                SharedExit::Stopped => self.ret_with(ExitCode::Stopped),
                SharedExit::HelperFault(exit) => {
                    let z = self.b.ins().iconst(types::I32, 0);
                    self.b.ins().store(
                        trusted(),
                        z,
                        self.env,
                        offset_of!(CpuHeader, helper_fault) as i32,
                    );
                    match exit {
                        Some(code) => self.ret_with(code),
                        None => {
                            self.b.ins().return_(&[]);
                        }
                    }
                }
            }
        }
    }

    /// Emits the edge from block `from` to constant `target`.
    fn edge(&mut self, from: usize, target: u64) {
        if let Some(j) = self.blocks.iter().position(|bl| bl.pc == target) {
            debug_assert!(self.fast || self.effect.is_some() == self.effect_end[from]);
            // `env_pc_at_entry` takes the blocks without a snapshot for
            // ones that leave the PC in `env` as they found it.
            debug_assert!(
                self.env_pc[from].stores || self.pc_known == self.env_pc[from].entry,
                "block {from} stored a PC the analysis did not expect"
            );
            // A snapshot (same rule as `snapshot_edge` in `lower`; a
            // loop's fast copy: every edge but the one to itself).
            let snapshot = if self.fast {
                j != from
            } else {
                self.faulty && self.effect_end[from]
            };
            // Registers the target sets before anything can observe `env`
            // (a read, a fault point, a helper, its terminal): a retry
            // from `target` sets them again, so the snapshot skips them.
            let mut skipped = Vec::new();
            if snapshot {
                for r in 0..self.dirty.len() {
                    if self.dirty[r] && !reads_entry_value(self.layout, self.blocks[j], r, true) {
                        self.dirty[r] = false;
                        skipped.push(r);
                    }
                }
                self.lazy_edge(from, j);
                self.writeback();
                if self.pc_known != Some(target) {
                    self.store_pc(target);
                }
            }
            if j <= from && snapshot && skipped.is_empty() {
                // Back edge: a loop inside the region must still see stop;
                // `env` holds the state at `target` already.
                self.stop_check();
            } else if j <= from {
                // Back edge: a loop inside the region must still see stop;
                // its stop path writes what `env` lacks of the state at
                // `target`: without a snapshot the dirty registers and the
                // PC, with one the registers it skipped.
                self.stop_writing_back(&skipped, (!snapshot).then_some(target));
            }
            let cb = match self.self_jump {
                Some(c) if j == from => c,
                _ => self.cblocks[j],
            };
            // Sunk values reach the target only where it may observe them.
            let live: Vec<usize> = (0..self.pending.len())
                .filter(|&r| self.observed[j][r])
                .collect();
            self.materialize(&live);
            self.pending.iter_mut().for_each(|p| *p = None);
            self.reload_at_loop_exit(from, j, &skipped);
            if j > from && self.header[j] {
                self.pin_loop_invariants(j);
            }
            self.b.ins().jump(cb, &[]);
            return;
        }
        self.writeback();
        if self.pc_known != Some(target) {
            self.store_pc(target);
        }
        self.stop_check();
        if self.chain {
            let idx = self.exits.len();
            self.exits.push(target);
            let slots = self.b.ins().symbol_value(types::I64, self.refs.slots);
            let f = self.b.ins().load(
                types::I64,
                MemFlagsData::new().with_notrap().with_aligned(),
                slots,
                ((self.cells.0 + idx) * 8) as i32,
            );
            // The next region, or the stub that returns `Continue` (an
            // unchained slot holds it): no test, one epilogue.
            let env = self.env;
            self.b
                .ins()
                .return_call_indirect(self.refs.tail_sig, f, &[env]);
            return;
        }
        self.ret_with(ExitCode::Continue);
    }

    /// `v` (an `i64`) through `isplit(iconcat(v, v))`: the same value,
    /// with no host instruction, that Cranelift's egraph cannot see
    /// through (it neither moves the computation behind it nor merges a
    /// load off it with an equal load elsewhere).
    fn opaque(&mut self, v: ir::Value) -> ir::Value {
        let pair = self.b.ins().iconcat(v, v);
        self.b.ins().isplit(pair).0
    }

    /// On the way into loop header `j` from outside the loop: passes the
    /// registers whose value `j` may observe and that hold a pure computed
    /// value through an opaque `isplit(iconcat(x, x))` (no host instruction),
    /// so that the computation stays here. Cranelift's egraph otherwise
    /// places a pure value at its uses and relies on its loop-invariant code
    /// motion to hoist it, which loses the loop nest once its dominator-tree
    /// walk has visited a block outside the loop (every exit, stop path or
    /// slow-path fault return is one): a value computed before the loop and
    /// only read in it was then recomputed in every iteration.
    fn pin_loop_invariants(&mut self, j: usize) {
        for r in self.used.clone() {
            if !self.observed[j][r] {
                continue;
            }
            let var = self.vars[r].expect("used register");
            let v = self.b.use_var(var);
            let ir::ValueDef::Result(inst, _) = self.b.func.dfg.value_def(v) else {
                continue;
            };
            let op = self.b.func.dfg.insts[inst].opcode();
            let pure = !(op.can_load()
                || op.can_store()
                || op.is_call()
                || op.can_trap()
                || op.other_side_effects()
                || op == ir::Opcode::Iconst)
                && self.b.func.dfg.inst_results(inst).len() == 1;
            let ty = self.b.func.dfg.value_type(v);
            if !pure || !ty.is_int() || ty.bits() > 64 {
                continue;
            }
            let x = if ty == types::I64 {
                v
            } else {
                self.b.ins().uextend(types::I64, v)
            };
            let lo = self.opaque(x);
            let lo = if ty == types::I64 {
                lo
            } else {
                self.b.ins().ireduce(ty, lo)
            };
            self.b.def_var(var, lo);
        }
    }

    fn indirect_exit(&mut self, target: ir::Value) {
        self.writeback();
        let pcty = self.layout.info(self.layout.pc).ty;
        self.store_pc_val(target, pcty);
        self.stop_check();
        if self.chain {
            let jc = self.b.ins().load(
                types::I64,
                trusted(),
                self.env,
                offset_of!(CpuHeader, jump_cache) as i32,
            );
            let idx = self.b.ins().ushr_imm_s(target, 2);
            let idx = self
                .b
                .ins()
                .band_imm_s(idx, (crate::JUMP_CACHE_ENTRIES - 1) as i64);
            let off = self.b.ins().ishl_imm_s(idx, 4);
            let e = self.b.ins().iadd(jc, off);
            let epc = self.b.ins().load(types::I64, trusted(), e, 0);
            let code = self.b.ins().load(types::I64, trusted(), e, 8);
            let same = self.b.ins().icmp(IntCC::Equal, epc, target);
            // A miss goes to the stub that returns `Continue` (an empty
            // entry holds it: no test of `code`).
            let stub = self.b.ins().func_addr(types::I64, self.refs.unchained);
            let next = self.b.ins().select(same, code, stub);
            let env = self.env;
            self.b
                .ins()
                .return_call_indirect(self.refs.tail_sig, next, &[env]);
            return;
        }
        self.ret_with(ExitCode::Continue);
    }

    /// The computed jump of block `k` to `target`: straight to the region
    /// block whose guest PC it equals (one of `self.indirect[k]`), through a
    /// compare chain or, for more candidates, a `br_table` on a collision
    /// free hash of the PC followed by one compare (on the byte itself,
    /// with no compare, where the key extends a byte:
    /// [`dispatch::byte_key`]); any other target leaves
    /// as [`Fx::indirect_exit`] does. Each in-region path is the ordinary
    /// [`Fx::edge`] (stop check on back edges, snapshot rules).
    fn indirect_in_region(&mut self, k: usize, target: ir::Value) {
        let pcs: Vec<u64> = self.indirect[k]
            .iter()
            .map(|&j| self.blocks[j].pc)
            .collect();
        let hits: Vec<ir::Block> = pcs.iter().map(|_| self.b.create_block()).collect();
        let miss = self.b.create_block();
        // Matched on the table index where the target is computed from
        // one ([`dispatch`]), else on the target.
        let (key, keys) = dispatch::table_key(&self.b.func.dfg, target, &pcs)
            .unwrap_or_else(|| (target, pcs.clone()));
        let byte = dispatch::byte_key(&self.b.func.dfg, key).filter(|_| pcs.len() >= BR_TABLE_MIN);
        if let Some((x, signed)) = byte {
            // A table on the key's byte: one slot per key value, no
            // compare after it.
            let mut slot_of = vec![None; 256];
            for (i, s) in dispatch::byte_slots(&keys, signed).into_iter().enumerate() {
                if let Some(s) = s {
                    slot_of[s].get_or_insert(i);
                }
            }
            self.br_table_to(x, &slot_of, &hits, miss);
        }
        match (pcs.len() >= BR_TABLE_MIN && byte.is_none())
            .then(|| pc_hash(&keys))
            .flatten()
        {
            Some((shift, bits)) => {
                let h = self.b.ins().ushr_imm_s(key, shift as i64);
                let h = self.b.ins().band_imm_s(h, (1i64 << bits) - 1);
                let h = self.b.ins().ireduce(types::I32, h);
                let mut slot_of = vec![None; 1 << bits];
                let mut checks = Vec::with_capacity(pcs.len());
                for (i, &pc) in keys.iter().enumerate() {
                    slot_of[((pc >> shift) & ((1 << bits) - 1)) as usize] = Some(i);
                    checks.push(self.b.create_block());
                }
                self.br_table_to(h, &slot_of, &checks, miss);
                for ((&pc, &chk), &hit) in keys.iter().zip(&checks).zip(&hits) {
                    self.b.switch_to_block(chk);
                    let same = self.b.ins().icmp_imm_s(IntCC::Equal, key, pc as i64);
                    self.b.ins().brif(same, hit, &[], miss, &[]);
                }
            }
            None if byte.is_some() => {}
            None => {
                for (&pc, &hit) in keys.iter().zip(&hits) {
                    let next = self.b.create_block();
                    let same = self.b.ins().icmp_imm_s(IntCC::Equal, key, pc as i64);
                    self.b.ins().brif(same, hit, &[], next, &[]);
                    self.b.switch_to_block(next);
                }
                self.b.ins().jump(miss, &[]);
            }
        }
        let (dirty, pcn, eff) = (self.dirty.clone(), self.pc_known, self.effect);
        let pending = self.pending.clone();
        for (&pc, &hit) in pcs.iter().zip(&hits) {
            self.b.switch_to_block(hit);
            self.edge(k, pc);
            self.dirty = dirty.clone();
            self.pending = pending.clone();
            self.pc_known = pcn;
            self.effect = eff;
        }
        self.b.switch_to_block(miss);
        self.indirect_exit(target);
    }

    /// Emits a `br_table` on `index` (an i32, or an i8 taken zero-extended)
    /// whose slot `s` goes to `to[slot_of[s]]`, or to `miss`.
    fn br_table_to(
        &mut self,
        index: ir::Value,
        slot_of: &[Option<usize>],
        to: &[ir::Block],
        miss: ir::Block,
    ) {
        let index = if self.b.func.dfg.value_type(index) == types::I8 {
            self.b.ins().uextend(types::I32, index)
        } else {
            index
        };
        // Slots past the last that is not a miss are the table's default.
        let slot_of = &slot_of[..dispatch::table_len(slot_of)];
        // One block call per entry: the SSA builder may add arguments to
        // each edge separately.
        let table: Vec<ir::BlockCall> = slot_of
            .iter()
            .map(|s| {
                let t = s.map_or(miss, |i| to[i]);
                self.b.func.dfg.block_call(t, &[])
            })
            .collect();
        let miss_call = self.b.func.dfg.block_call(miss, &[]);
        let jt = self
            .b
            .create_jump_table(ir::JumpTableData::new(miss_call, &table));
        self.b.ins().br_table(index, jt);
    }

    fn lower_block(&mut self, k: usize) {
        let block = self.blocks[k];
        let mut vals: Vec<Option<ir::Value>> = vec![None; block.insts.len()];
        self.cur = k;
        self.sink = std::mem::take(&mut self.cross.sink[k]);
        self.vals = vec![None; block.insts.len()];
        self.vec_loads = vec![None; block.insts.len()];
        self.float_loads = vec![None; block.insts.len()];
        self.sites = std::mem::take(&mut self.cross.sites[k]);
        self.word_table_plan(k);
        self.checked = vec![None; block.insts.len()];
        self.checks_at_entry(k);
        self.nan_done = vec![None; block.insts.len()];
        self.nan_pend = scalar_nan::NanPend::new(block);
        self.fsrc.iter_mut().for_each(|f| *f = None);
        (self.vec_float, self.vec_skip) = vector_float_ops(block);
        self.nan_chain = vector_nan::nan_chains(block, &self.vec_float, &self.vec_skip);
        self.chained = vec![Vec::new(); block.insts.len()];
        debug_assert!(self.pending.iter().all(Option::is_none));
        let mut cur_pc = block.pc;
        for (i, inst) in block.insts.iter().enumerate() {
            if self.nan_flush_before(block, k, i, &vals) {
                self.nan_flush(block, i, &mut vals);
            }
            if self.sink[i] || self.vec_skip[i] {
                continue;
            }
            let arg = |n: usize| -> ir::Value {
                let v = inst.args[n];
                vals[v.index()].expect("operand defined")
            };
            let aty = if inst.args[0].is_some() {
                block.ty(inst.args[0])
            } else {
                Type::Void
            };
            let ty = inst.ty;
            let r: Option<ir::Value> = match inst.op.shape() {
                Shape::Const => Some(self.constant(ty, inst.imm)),
                Shape::Get => {
                    let r = inst.imm as usize;
                    if r == self.layout.pc.0 as usize {
                        let v = self.b.ins().iconst(types::I64, block.pc as i64);
                        Some(self.conv_int(v, Type::I64, ty))
                    } else {
                        self.materialize(&[r]);
                        Some(self.b.use_var(self.vars[r].expect("used register")))
                    }
                }
                Shape::Set => {
                    let r = inst.imm as usize;
                    let a = inst.args[0].index();
                    if r != self.layout.pc.0 as usize {
                        // A sunk value is emitted when the register is
                        // needed (`materialize`).
                        self.pending[r] = self.sink[a].then_some(a);
                        self.fsrc[r] = float_to_vector(block, &block.insts[a])
                            .filter(|_| !self.sink[a])
                            .and_then(|f| vals[f.index()])
                            .or_else(|| self.loaded_float(block, a));
                        if !self.sink[a] {
                            let v = arg(0);
                            self.b.def_var(self.vars[r].expect("used register"), v);
                        }
                        self.dirty[r] = true;
                    }
                    None
                }
                Shape::Marker => {
                    cur_pc = inst.imm;
                    self.insn_plain = true;
                    if !self.fast && self.tail[k].as_ref().is_some_and(|t| t.at == i) {
                        self.tail_snapshot(k, cur_pc);
                    }
                    None
                }
                Shape::Bitcast | Shape::Narrow | Shape::Extend => self.lower_view(block, i, &vals),
                Shape::Bin | Shape::Un | Shape::Cmp | Shape::Select => {
                    let args: Vec<ir::Value> = (0..xlat_ir::verify::nargs(inst.op.shape(), inst))
                        .map(arg)
                        .collect();
                    Some(self.int_op(inst.op, ty, aty, inst.imm, &args, block, inst))
                }
                // Checked together with an earlier one (`nan_pair`).
                Shape::FTer if self.nan_done[i].is_some() => self.nan_done[i],
                // Tested with a later one of its chain (`scalar_nan`).
                Shape::FTer if self.nan_defer(block, i, &vals) => Some(arg(0)),
                Shape::FTer if inst.op == Opcode::Fnan => {
                    let args: Vec<ir::Value> = (0..3).map(arg).collect();
                    self.nan_pair(block, i, &vals, &args).or_else(|| {
                        Some(self.float_op(inst.op, ty, aty, inst.imm, &args, block, inst))
                    })
                }
                Shape::FBin
                | Shape::FUn
                | Shape::FTer
                | Shape::FCmp
                | Shape::FConv
                | Shape::IntToF
                | Shape::FToInt => {
                    let args: Vec<ir::Value> = (0..xlat_ir::verify::nargs(inst.op.shape(), inst))
                        .map(arg)
                        .collect();
                    Some(self.float_op(inst.op, ty, aty, inst.imm, &args, block, inst))
                }
                Shape::VInsert if self.vec_float[i].is_some() => {
                    let p = self.vec_float[i].take().expect("matched");
                    let mut links = std::mem::take(&mut self.chained[i]);
                    if let Some(c) = &self.nan_chain[i] {
                        // Tested with the chain's end (with the links
                        // ending here).
                        let to = c.to;
                        let (n, m) = self.vector_operands(&p, &vals);
                        let r = self.vector_apply_swapped(block, i, &p, n, m);
                        links.push((p, i, [n, m, r]));
                        self.chained[to].extend(links);
                        Some(self.b.ins().bitcast(types::I8X16, little(), r))
                    } else if !links.is_empty() {
                        let (fixed, v) = self.vector_float_chain(block, i, links, &p, &vals);
                        for &(l, f) in &fixed {
                            let regs = self.nan_chain[l].as_ref().map(|c| c.regs.clone());
                            for r in regs.unwrap_or_default() {
                                self.b.def_var(self.vars[r].expect("used register"), f);
                            }
                        }
                        self.chain_fix = fixed;
                        Some(v)
                    } else {
                        Some(self.vector_float(block, i, &p, &vals))
                    }
                }
                // `ld1r`: loaded as a splat (see [`vector_load`]).
                Shape::VSplat
                    if vector_load(block, inst.args[0].index()) == Some(true)
                        && self.vec_loads[inst.args[0].index()].is_some() =>
                {
                    self.vec_loads[inst.args[0].index()]
                }
                Shape::VBin | Shape::VUn | Shape::VSplat | Shape::VExtract | Shape::VInsert => {
                    let args: Vec<ir::Value> = (0..xlat_ir::verify::nargs(inst.op.shape(), inst))
                        .map(arg)
                        .collect();
                    Some(self.vec_op(inst.op, ty, inst.imm, &args, block, inst))
                }
                Shape::Load | Shape::Store | Shape::Rmw | Shape::Cas => {
                    // A side effect of this same instruction happened
                    // after the last snapshot: unless it was plain stores
                    // only (re-running them from the instruction's start
                    // writes the same bytes again), the instruction cannot
                    // be re-run, so this access reports its fault exactly
                    // (slow path, never a host fault).
                    let sync = sync_of(block, inst);
                    let store = inst.op.shape() == Shape::Store;
                    let exact = self.effect == Some(cur_pc) && !(store && self.insn_plain);
                    if !self.fast && needs_snapshot(sync, self.effect, self.stores_only) {
                        self.lazy_snapshot(k, i);
                        self.before_fault(cur_pc);
                    }
                    let mut args: Vec<ir::Value> =
                        (0..xlat_ir::verify::nargs(inst.op.shape(), inst))
                            .map(arg)
                            .collect();
                    let mut vty = if inst.op == Opcode::Store {
                        block.ty(inst.args[1])
                    } else {
                        ty
                    };
                    // The low 4 or 8 bytes of a V register stored (`str
                    // d0`): from the float lane (movsd/movss to memory).
                    if let Some((v, ft)) = stored_lane(block, inst)
                        && let Some(x) = self.float_lane(block, v, ft, &vals)
                    {
                        (args[1], vty) = (x, ft);
                    }
                    let vector = vector_load(block, i).map(|splat| (i, splat));
                    let site = self.sites[i];
                    match self.forwarded_load(k, i) {
                        Some(v) => Some(v),
                        None => self.mem_op(inst.op, ty, vty, inst.imm, &args, exact, vector, site),
                    }
                }
                Shape::Fence => {
                    self.b.ins().fence();
                    None
                }
                Shape::Call => {
                    let args: Vec<ir::Value> = (0..xlat_ir::verify::nargs(inst.op.shape(), inst))
                        .map(arg)
                        .collect();
                    self.helper(block, inst.imm as usize, ty, &args, cur_pc)
                }
            };
            vals[i] = r;
            self.vals[i] = r;
            self.forward_def(k, i);
            self.lazy_def(k, i);
            self.nan_note(block, i);
            for (a, v) in std::mem::take(&mut self.chain_fix) {
                vals[a] = Some(v);
                self.vals[a] = Some(v);
            }
            let sync = sync_of(block, inst);
            self.insn_plain &= sync == Sync::None || inst.op.shape() == Shape::Store;
            self.stores_only = stores_only_after(self.stores_only, false, sync);
            if !self.replay[k] {
                self.effect = effect_after(self.effect, sync, cur_pc);
            }
        }
        self.nan_flush(block, block.insts.len(), &mut vals);
        self.checks_at_exit(k);
        let term = block.terminal();
        match term {
            Terminal::Jump(t) | Terminal::Call { target: t, .. } => self.edge(k, t),
            Terminal::Branch {
                cond,
                taken,
                not_taken,
            } => {
                let c = vals[cond.index()].expect("condition");
                let tb = self.b.create_block();
                let fb = self.b.create_block();
                self.b.ins().brif(c, tb, &[], fb, &[]);
                let (dirty, pcn, eff) = (self.dirty.clone(), self.pc_known, self.effect);
                let pending = self.pending.clone();
                let decided = branch_flags::decided(self.layout, self.blocks[k], cond);
                self.b.switch_to_block(tb);
                self.branch_flags(&decided, true);
                self.edge(k, taken);
                self.dirty = dirty;
                self.pending = pending;
                self.pc_known = pcn;
                self.effect = eff;
                self.b.switch_to_block(fb);
                self.branch_flags(&decided, false);
                self.edge(k, not_taken);
            }
            Terminal::JumpIndirect(_) if self.table.is_some() => self.word_table_jump(k),
            Terminal::JumpIndirect(v) | Terminal::Return(v) => {
                let t = vals[v.index()].expect("target");
                if self.indirect[k].is_empty() {
                    self.indirect_exit(t);
                } else {
                    self.indirect_in_region(k, t);
                }
            }
            Terminal::Exception { kind, pc, info } => {
                self.writeback();
                self.store_pc(pc);
                let kv = self.b.ins().iconst(types::I32, kind as i64);
                self.b.ins().store(
                    trusted(),
                    kv,
                    self.env,
                    offset_of!(CpuHeader, exc_kind) as i32,
                );
                let iv = self.b.ins().iconst(types::I64, info as i64);
                self.b.ins().store(
                    trusted(),
                    iv,
                    self.env,
                    offset_of!(CpuHeader, exc_info) as i32,
                );
                self.ret_with(ExitCode::Exception);
            }
            Terminal::Exit(pc) => {
                self.writeback();
                self.store_pc(pc);
                self.ret_with(ExitCode::Continue);
            }
        }
    }

    fn constant(&mut self, ty: Type, imm: u64) -> ir::Value {
        match ty {
            Type::F32 => self.b.ins().f32const(Ieee32::with_bits(imm as u32)),
            Type::F64 => self.b.ins().f64const(Ieee64::with_bits(imm)),
            Type::V128 => {
                let x = self.b.ins().iconst(types::I64, imm as i64);
                let v = self.b.ins().scalar_to_vector(types::I64X2, x);
                self.b.ins().bitcast(types::I8X16, little(), v)
            }
            Type::I128 => {
                let x = self.b.ins().iconst(types::I64, imm as i64);
                self.b.ins().uextend(types::I128, x)
            }
            _ => self.b.ins().iconst(clif_ty(ty), (imm & ty.mask()) as i64),
        }
    }

    /// Zero-extends or truncates an integer between IR types.
    fn conv_int(&mut self, v: ir::Value, from: Type, to: Type) -> ir::Value {
        if from.bits() == to.bits() {
            v
        } else if from.bits() < to.bits() {
            self.b.ins().uextend(clif_ty(to), v)
        } else {
            self.b.ins().ireduce(clif_ty(to), v)
        }
    }

    /// Stores `v` of IR type `t` zero-extended into 16 bytes at `io + off`.
    fn spill(&mut self, v: ir::Value, t: Type, off: i32) {
        let z = self.b.ins().iconst(types::I64, 0);
        self.b.ins().stack_store(types::I64, z, self.io, off);
        self.b.ins().stack_store(types::I64, z, self.io, off + 8);
        let _ = t;
        self.b.ins().stack_store(types::I64, v, self.io, off);
    }

    /// The address of the `io` slot (helper arguments and results), loaded
    /// from `io_ptr` where it is needed: a `stack_addr` would be hoisted to
    /// the entry and keep a register (or a spill slot) across every loop.
    fn io_addr(&mut self) -> ir::Value {
        self.io_used = true;
        self.b
            .ins()
            .stack_load(types::I64, types::I64, self.io_ptr, 0)
    }

    /// Calls the interpreter's semantics for `inst`.
    fn fallback(&mut self, block: &Block, inst: &xlat_ir::Inst, args: &[ir::Value]) -> ir::Value {
        for (k, &a) in args.iter().enumerate() {
            let t = block.ty(inst.args[k]);
            self.spill(a, t, 16 * k as i32);
        }
        let aty = if inst.args[0].is_some() {
            block.ty(inst.args[0])
        } else {
            Type::Void
        };
        let op_idx = Opcode::ALL.iter().position(|o| *o == inst.op).unwrap_or(0) as u64;
        let desc = op_idx | type_code(inst.ty) << 8 | type_code(aty) << 16;
        let d = self.b.ins().iconst(types::I64, desc as i64);
        let imm = self.b.ins().iconst(types::I64, inst.imm as i64);
        let p = self.io_addr();
        // `env` first, where the memory slow paths want it too: with one
        // register for `env` in every call, no move of it on the fast path.
        let env = self.env;
        self.b.ins().call(self.refs.eval, &[env, d, imm, p]);
        self.b
            .ins()
            .stack_load(types::I64, clif_ty(inst.ty), self.io, 48)
    }

    #[allow(clippy::too_many_arguments)]
    fn int_op(
        &mut self,
        op: Opcode,
        ty: Type,
        aty: Type,
        imm: u64,
        a: &[ir::Value],
        block: &Block,
        inst: &xlat_ir::Inst,
    ) -> ir::Value {
        let wide = ty == Type::I128 || aty == Type::I128;
        let small = matches!(ty, Type::I8 | Type::I16);
        match op {
            Opcode::Add => self.b.ins().iadd(a[0], a[1]),
            Opcode::Sub => self.b.ins().isub(a[0], a[1]),
            Opcode::Mul => self.b.ins().imul(a[0], a[1]),
            Opcode::And => self.b.ins().band(a[0], a[1]),
            Opcode::Or => self.b.ins().bor(a[0], a[1]),
            Opcode::Xor => float_cmp::inverted(&mut self.b, a[0], a[1])
                .unwrap_or_else(|| self.b.ins().bxor(a[0], a[1])),
            Opcode::Not => self.b.ins().bnot(a[0]),
            Opcode::Neg => self.b.ins().ineg(a[0]),
            Opcode::Select if ty == Type::I128 => {
                // Bitwise, so the mid-end cannot turn it into an i128
                // min/max that the x64 backend lacks.
                let nz = self.b.ins().icmp_imm_s(IntCC::NotEqual, a[0], 0);
                let w = self.b.ins().uextend(types::I128, nz);
                let m = self.b.ins().ineg(w);
                let d = self.b.ins().bxor(a[1], a[2]);
                let d = self.b.ins().band(d, m);
                self.b.ins().bxor(a[2], d)
            }
            Opcode::Select => self.b.ins().select(a[0], a[1], a[2]),
            Opcode::Icmp
                if let Some(v) = lane_test::lane_test(block, inst)
                    .and_then(|(v, all)| Some((self.vals[v.index()]?, all))) =>
            {
                lane_test::emit(&mut self.b, v.0, v.1)
            }
            Opcode::Icmp => {
                let cc = match xlat_ir::Cond::from_imm(imm) {
                    Some(c) => cond_cc(c),
                    None => IntCC::Equal,
                };
                self.b.ins().icmp(cc, a[0], a[1])
            }
            Opcode::Zext => {
                if aty == ty {
                    a[0]
                } else {
                    self.b.ins().uextend(clif_ty(ty), a[0])
                }
            }
            Opcode::Sext => {
                if aty == ty {
                    a[0]
                } else {
                    self.b.ins().sextend(clif_ty(ty), a[0])
                }
            }
            Opcode::Trunc => {
                if aty == ty {
                    a[0]
                } else {
                    self.b.ins().ireduce(clif_ty(ty), a[0])
                }
            }
            Opcode::Bitcast => self.bitcast(a[0], aty, ty),
            _ if wide => self.fallback(block, inst, a),
            Opcode::Shl => self.b.ins().ishl(a[0], a[1]),
            Opcode::Lshr => self.b.ins().ushr(a[0], a[1]),
            Opcode::Ashr => self.b.ins().sshr(a[0], a[1]),
            Opcode::Rotl => self.b.ins().rotl(a[0], a[1]),
            Opcode::Rotr => self.b.ins().rotr(a[0], a[1]),
            Opcode::Umulh | Opcode::Smulh if ty == Type::I8 => self.fallback(block, inst, a),
            Opcode::Umulh => self.b.ins().umulhi(a[0], a[1]),
            Opcode::Smulh => self.b.ins().smulhi(a[0], a[1]),
            Opcode::Udiv | Opcode::Urem | Opcode::Sdiv | Opcode::Srem => {
                self.division(op, ty, a[0], a[1])
            }
            Opcode::Clz | Opcode::Ctz | Opcode::Cls | Opcode::Popcnt | Opcode::Bitrev if small => {
                let bits = ty.bits() as i64;
                let x = if op == Opcode::Cls {
                    self.b.ins().sextend(types::I32, a[0])
                } else {
                    self.b.ins().uextend(types::I32, a[0])
                };
                let r = match op {
                    Opcode::Clz => {
                        let c = self.b.ins().clz(x);
                        self.b.ins().iadd_imm_s(c, bits - 32)
                    }
                    Opcode::Cls => {
                        let c = self.b.ins().cls(x);
                        self.b.ins().iadd_imm_s(c, bits - 32)
                    }
                    Opcode::Ctz => {
                        let y = self.b.ins().bor_imm_s(x, 1 << bits);
                        self.b.ins().ctz(y)
                    }
                    Opcode::Popcnt => self.b.ins().popcnt(x),
                    _ => {
                        let r = self.b.ins().bitrev(x);
                        self.b.ins().ushr_imm_s(r, 32 - bits)
                    }
                };
                self.b.ins().ireduce(clif_ty(ty), r)
            }
            Opcode::Clz => self.b.ins().clz(a[0]),
            Opcode::Cls => self.b.ins().cls(a[0]),
            Opcode::Ctz => self.b.ins().ctz(a[0]),
            Opcode::Popcnt => self.b.ins().popcnt(a[0]),
            Opcode::Bitrev => self.b.ins().bitrev(a[0]),
            Opcode::Bswap => match ty {
                Type::I8 => a[0],
                Type::I16 => self.b.ins().rotl_imm_s(a[0], 8),
                _ => self.b.ins().bswap(a[0]),
            },
            _ => self.fallback(block, inst, a),
        }
    }

    /// Division and remainder with the IR's rules (no traps).
    fn division(&mut self, op: Opcode, ty: Type, x: ir::Value, y: ir::Value) -> ir::Value {
        let t = clif_ty(ty);
        let zero = self.b.ins().iconst(t, 0);
        let one = self.b.ins().iconst(t, 1);
        let is0 = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
        match op {
            Opcode::Udiv | Opcode::Urem => {
                let d = self.b.ins().select(is0, one, y);
                if op == Opcode::Udiv {
                    let q = self.b.ins().udiv(x, d);
                    self.b.ins().select(is0, zero, q)
                } else {
                    let r = self.b.ins().urem(x, d);
                    self.b.ins().select(is0, x, r)
                }
            }
            _ => {
                let m1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let bad = self.b.ins().bor(is0, m1);
                let d = self.b.ins().select(bad, one, y);
                if op == Opcode::Sdiv {
                    let q = self.b.ins().sdiv(x, d);
                    let n = self.b.ins().ineg(x);
                    let q = self.b.ins().select(m1, n, q);
                    self.b.ins().select(is0, zero, q)
                } else {
                    let r = self.b.ins().srem(x, d);
                    let r = self.b.ins().select(m1, zero, r);
                    self.b.ins().select(is0, x, r)
                }
            }
        }
    }

    fn bitcast(&mut self, v: ir::Value, from: Type, to: Type) -> ir::Value {
        if from == to {
            return v;
        }
        match (from, to) {
            (Type::I32, Type::F32)
            | (Type::F32, Type::I32)
            | (Type::I64, Type::F64)
            | (Type::F64, Type::I64) => self.b.ins().bitcast(clif_ty(to), MemFlagsData::new(), v),
            _ => {
                // Through memory (i128 <-> v128).
                self.b.ins().stack_store(types::I64, v, self.io, 0);
                self.b.ins().stack_load(types::I64, clif_ty(to), self.io, 0)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn float_op(
        &mut self,
        op: Opcode,
        ty: Type,
        aty: Type,
        imm: u64,
        a: &[ir::Value],
        block: &Block,
        inst: &xlat_ir::Inst,
    ) -> ir::Value {
        match op {
            Opcode::Fadd => self.b.ins().fadd(a[0], a[1]),
            Opcode::Fsub => self.b.ins().fsub(a[0], a[1]),
            Opcode::Fmul => self.b.ins().fmul(a[0], a[1]),
            Opcode::Fdiv => self.b.ins().fdiv(a[0], a[1]),
            Opcode::Fmin => self.b.ins().fmin(a[0], a[1]),
            Opcode::Fmax => self.b.ins().fmax(a[0], a[1]),
            Opcode::Fsqrt => self.b.ins().sqrt(a[0]),
            Opcode::Fneg => self.b.ins().fneg(a[0]),
            Opcode::Fabs => self.b.ins().fabs(a[0]),
            Opcode::Fma => self.b.ins().fma(a[0], a[1], a[2]),
            Opcode::Fround => match imm {
                0 => self.b.ins().nearest(a[0]),
                1 => self.b.ins().floor(a[0]),
                2 => self.b.ins().ceil(a[0]),
                3 => self.b.ins().trunc(a[0]),
                _ => {
                    // Ties away: trunc(x), plus ±1 when the dropped
                    // fraction (exact) is at least one half.
                    let t = self.b.ins().trunc(a[0]);
                    let d = self.b.ins().fsub(a[0], t);
                    let d = self.b.ins().fabs(d);
                    let (half, one) = if ty == Type::F32 {
                        (
                            self.b.ins().f32const(Ieee32::with_float(0.5)),
                            self.b.ins().f32const(Ieee32::with_float(1.0)),
                        )
                    } else {
                        (
                            self.b.ins().f64const(Ieee64::with_float(0.5)),
                            self.b.ins().f64const(Ieee64::with_float(1.0)),
                        )
                    };
                    let away = self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, d, half);
                    let step = self.b.ins().fcopysign(one, a[0]);
                    let up = self.b.ins().fadd(t, step);
                    self.b.ins().select(away, up, t)
                }
            },
            Opcode::Fnan => {
                // `a` when it is not a NaN (the common case, inline);
                // else the interpreter's semantics out of line.
                let nan = self.b.ins().fcmp(FloatCC::Unordered, a[0], a[0]);
                let slow = self.b.create_block();
                let join = self.b.create_block();
                self.b.append_block_param(join, clif_ty(ty));
                self.b.set_cold_block(slow);
                self.b
                    .ins()
                    .brif(nan, slow, &[], join, &[BlockArg::Value(a[0])]);
                self.b.switch_to_block(slow);
                let v = self.fallback(block, inst, a);
                self.b.ins().jump(join, &[BlockArg::Value(v)]);
                self.b.switch_to_block(join);
                self.b.block_params(join)[0]
            }
            Opcode::Fcmp => {
                let cc = match FCond::from_imm(imm) {
                    Some(FCond::Eq) => FloatCC::Equal,
                    Some(FCond::Lt) => FloatCC::LessThan,
                    Some(FCond::Le) => FloatCC::LessThanOrEqual,
                    _ => FloatCC::Unordered,
                };
                self.b.ins().fcmp(cc, a[0], a[1])
            }
            Opcode::Fcvt => match (aty, ty) {
                (Type::F32, Type::F64) => self.b.ins().fpromote(types::F64, a[0]),
                (Type::F64, Type::F32) => self.b.ins().fdemote(types::F32, a[0]),
                _ => a[0],
            },
            Opcode::Scvtf | Opcode::Ucvtf => {
                let x = if aty.bits() < 64 {
                    if op == Opcode::Scvtf {
                        self.b.ins().sextend(types::I64, a[0])
                    } else {
                        self.b.ins().uextend(types::I64, a[0])
                    }
                } else {
                    a[0]
                };
                if op == Opcode::Scvtf {
                    self.b.ins().fcvt_from_sint(clif_ty(ty), x)
                } else {
                    self.b.ins().fcvt_from_uint(clif_ty(ty), x)
                }
            }
            Opcode::Fcvtzs if matches!(ty, Type::I32 | Type::I64) => {
                self.b.ins().fcvt_to_sint_sat(clif_ty(ty), a[0])
            }
            Opcode::Fcvtzu if matches!(ty, Type::I32 | Type::I64) => {
                self.b.ins().fcvt_to_uint_sat(clif_ty(ty), a[0])
            }
            _ => self.fallback(block, inst, a),
        }
    }

    /// Lowers pure op `i` of `block` of shape Bitcast, Narrow or Extend
    /// from the host values `vals` (views of floats and vectors among
    /// them, below); also recomputes such views of scalar float results
    /// once their NaN test is done ([`Fx::nan_flush`]).
    fn lower_view(
        &mut self,
        block: &Block,
        i: usize,
        vals: &[Option<ir::Value>],
    ) -> Option<ir::Value> {
        let inst = &block.insts[i];
        let ty = inst.ty;
        match inst.op.shape() {
            // `trunc(bitcast.i128(v))` of a vector (the low bits of a
            // V register as a scalar): lane 0, not all 128 bits moved
            // through a register pair.
            // Its readers all take the lane (below): nothing to emit
            // (the v128 -> i128 move goes through the stack).
            Shape::Bitcast if low_reads_only(block, i) => None,
            // A float read of a V register: lane 0 of the vector seen
            // as floats (no move at all), or the float itself when this
            // block wrote it.
            Shape::Bitcast if float_low(block, inst).is_some() => self.float_read(block, i, vals),
            // A float read of any lane of a vector (`bitcast.f64(
            // vextract.i64x2 v, k)`): the lane of the vector seen as
            // floats, not a move through an integer register.
            Shape::Bitcast if float_of_lane(block, inst).is_some() => {
                let (v, k) = float_of_lane(block, inst).expect("matched");
                let x = vals[v.index()].expect("operand defined");
                let vt = if ty == Type::F32 {
                    types::F32X4
                } else {
                    types::F64X2
                };
                let x = self.b.ins().bitcast(vt, little(), x);
                Some(self.b.ins().extractlane(x, k))
            }
            // A float written to a V register: movss/movsd into a
            // zeroed register, without a trip through an integer one.
            Shape::Bitcast if float_to_vector(block, inst).is_some() => {
                let f = float_to_vector(block, inst).expect("matched");
                let x = vals[f.index()].expect("operand defined");
                let ft = if block.ty(f) == Type::F32 {
                    types::F32X4
                } else {
                    types::F64X2
                };
                let v = self.b.ins().scalar_to_vector(ft, x);
                Some(self.b.ins().bitcast(types::I8X16, little(), v))
            }
            Shape::Narrow if vector_low(block, inst).is_some() => {
                let v = vector_low(block, inst).map(|v| vals[v.index()]);
                let v = v.flatten().expect("operand defined");
                let x = int_lane(&mut self.b, v, types::I64X2, 0);
                Some(if ty == Type::I64 {
                    x
                } else {
                    self.b.ins().ireduce(clif_ty(ty), x)
                })
            }
            // `bitcast.v128(zext.i128(x))` (a scalar written to a V
            // register): x in lane 0, the other lanes zero.
            Shape::Bitcast if scalar_to_vector(block, inst).is_some() => {
                let xv = scalar_to_vector(block, inst).expect("matched");
                // Loaded straight into a vector register, or:
                let low = vector_load(block, xv.index()) == Some(false);
                self.vec_loads[xv.index()].filter(|_| low).or_else(|| {
                    let x = vals[xv.index()].expect("operand defined");
                    let xt = block.ty(xv);
                    let x = if xt == Type::I64 {
                        x
                    } else {
                        self.b.ins().uextend(types::I64, x)
                    };
                    let v = self.b.ins().scalar_to_vector(types::I64X2, x);
                    Some(self.b.ins().bitcast(types::I8X16, little(), v))
                })
            }
            _ => {
                let args: Vec<ir::Value> = (0..xlat_ir::verify::nargs(inst.op.shape(), inst))
                    .map(|n| vals[inst.args[n].index()].expect("operand defined"))
                    .collect();
                let aty = block.ty(inst.args[0]);
                Some(self.int_op(inst.op, ty, aty, inst.imm, &args, block, inst))
            }
        }
    }

    /// The float that [`float_low`] op `i` reads from a V register: lane 0
    /// of the vector seen as floats (no move at all), or the float itself
    /// when this block wrote it.
    fn float_read(
        &mut self,
        block: &Block,
        i: usize,
        vals: &[Option<ir::Value>],
    ) -> Option<ir::Value> {
        let inst = &block.insts[i];
        let v = float_low(block, inst)?;
        self.float_lane(block, v, inst.ty, vals)
    }

    /// Lane 0 of vector `v` as a float of type `ft` (F32 or F64): the
    /// float itself when this block wrote it ([`float_to_vector`]), else
    /// the vector seen as floats (no host instruction).
    fn float_lane(
        &mut self,
        block: &Block,
        v: xlat_ir::Value,
        ft: Type,
        vals: &[Option<ir::Value>],
    ) -> Option<ir::Value> {
        if let Some(x) = self
            .loaded_float(block, v.index())
            .filter(|&x| self.b.func.dfg.value_type(x) == clif_ty(ft))
        {
            return Some(x);
        }
        match float_to_vector(block, &block.insts[v.index()]) {
            Some(f) if block.ty(f) == ft => vals[f.index()],
            _ => {
                let v = vals[v.index()]?;
                let vt = if ft == Type::F32 {
                    types::F32X4
                } else {
                    types::F64X2
                };
                let v = self.b.ins().bitcast(vt, little(), v);
                Some(self.b.ins().extractlane(v, 0))
            }
        }
    }

    /// The float that op `i`, `bitcast.v128(zext.i128(x))` of a
    /// [`vector_load`] `x` off a checked base, put in lane 0, if loaded
    /// as a float ([`Fx::float_loads`]).
    fn loaded_float(&self, block: &Block, i: usize) -> Option<ir::Value> {
        let inst = &block.insts[i];
        if inst.op != Opcode::Bitcast {
            return None;
        }
        scalar_to_vector(block, inst).and_then(|x| self.float_loads[x.index()])
    }

    /// Lowers scalar `fnan` op `i` (operands `a`) together with the next
    /// `fnan` of the block when that one's operands can be computed here
    /// (values already lowered, reads of V registers, and one arithmetic
    /// op on them): one `ucomisd` of the two results and one not-taken
    /// branch instead of two; both fix-ups out of line. The second's value
    /// goes to `nan_done`; its arithmetic op, emitted here, is emitted
    /// again where it stands and merged by Cranelift (a pure op). None
    /// when there is no such partner.
    fn nan_pair(
        &mut self,
        block: &Block,
        i: usize,
        vals: &[Option<ir::Value>],
        a: &[ir::Value],
    ) -> Option<ir::Value> {
        let inst = &block.insts[i];
        // Values of a pending chain are not known to be tested yet.
        if !matches!(inst.ty, Type::F32 | Type::F64) || self.nan_pend.active() {
            return None;
        }
        let end = block.insts.len().min(i + 32);
        let j = (i + 1..end).find(|&k| block.insts[k].op == Opcode::Fnan)?;
        let fj = &block.insts[j];
        if fj.ty != inst.ty || self.vec_skip[j] {
            return None;
        }
        let avail = |s: &mut Self, v: xlat_ir::Value| -> Option<ir::Value> {
            vals[v.index()].or_else(|| s.float_read(block, v.index(), vals))
        };
        let r = fj.args[0];
        let rj = match avail(self, r) {
            Some(x) => x,
            None => {
                let ri = &block.insts[r.index()];
                let arith = matches!(
                    ri.op,
                    Opcode::Fadd | Opcode::Fsub | Opcode::Fmul | Opcode::Fdiv | Opcode::Fsqrt
                );
                if !arith || ri.ty != inst.ty {
                    return None;
                }
                let mut ra = Vec::new();
                for k in 0..xlat_ir::verify::nargs(ri.op.shape(), ri) {
                    ra.push(avail(self, ri.args[k])?);
                }
                let aty = block.ty(ri.args[0]);
                self.float_op(ri.op, ri.ty, aty, ri.imm, &ra, block, ri)
            }
        };
        let (bj, cj) = (avail(self, fj.args[1])?, avail(self, fj.args[2])?);
        let nan = self.b.ins().fcmp(FloatCC::Unordered, a[0], rj);
        let slow = self.b.create_block();
        let join = self.b.create_block();
        let t = clif_ty(inst.ty);
        self.b.append_block_param(join, t);
        self.b.append_block_param(join, t);
        self.b.set_cold_block(slow);
        let both = [BlockArg::Value(a[0]), BlockArg::Value(rj)];
        self.b.ins().brif(nan, slow, &[], join, &both);
        self.b.switch_to_block(slow);
        let vi = self.fallback(block, inst, a);
        let vj = self.fallback(block, fj, &[rj, bj, cj]);
        let both = [BlockArg::Value(vi), BlockArg::Value(vj)];
        self.b.ins().jump(join, &both);
        self.b.switch_to_block(join);
        self.nan_done[j] = Some(self.b.block_params(join)[1]);
        Some(self.b.block_params(join)[0])
    }

    /// A [`VecFloat`]'s operands as host vectors of its lane type (`m`
    /// the float splat when it is one float for every lane).
    fn vector_operands(
        &mut self,
        p: &VecFloat,
        vals: &[Option<ir::Value>],
    ) -> (ir::Value, ir::Value) {
        let val = |v: xlat_ir::Value| vals[v.index()].expect("operand defined");
        let n = self.b.ins().bitcast(p.vt, little(), val(p.n));
        let m = match p.m {
            Ok(m) => self.b.ins().bitcast(p.vt, little(), val(m)),
            Err(y) => self.b.ins().splat(p.vt, val(y)),
        };
        (n, m)
    }

    /// The host vector op of a [`VecFloat`] on `n` and `m`.
    fn vector_apply(&mut self, op: Opcode, n: ir::Value, m: ir::Value) -> ir::Value {
        match op {
            Opcode::Fadd => self.b.ins().fadd(n, m),
            Opcode::Fsub => self.b.ins().fsub(n, m),
            Opcode::Fmul => self.b.ins().fmul(n, m),
            _ => self.b.ins().fdiv(n, m),
        }
    }

    /// Branches to a fresh cold block when host vector `r` has a NaN
    /// lane, else to a fresh join block with `fast` (I8X16 values, one
    /// parameter each); returns (cold block, join block).
    fn vector_nan_branch(&mut self, r: ir::Value, fast: &[ir::Value]) -> (ir::Block, ir::Block) {
        let r = self.unswapped(r);
        let uno = self.b.ins().fcmp(FloatCC::Unordered, r, r);
        let any = self.b.ins().vany_true(uno);
        let slow = self.b.create_block();
        let join = self.b.create_block();
        for _ in fast {
            self.b.append_block_param(join, types::I8X16);
        }
        self.b.set_cold_block(slow);
        let args: Vec<BlockArg> = fast.iter().map(|&v| BlockArg::Value(v)).collect();
        self.b.ins().brif(any, slow, &[], join, &args);
        (slow, join)
    }

    /// The slow path of a [`VecFloat`] with result `r` of operands `n`,
    /// `m`: each lane's `fnan` from the vectors' lanes (the IR's scalar
    /// ops of the lanes stay unused); the fixed result.
    fn vector_fix(
        &mut self,
        block: &Block,
        p: &VecFloat,
        [n, m, r]: [ir::Value; 3],
        vals: &[Option<ir::Value>],
    ) -> ir::Value {
        let mut acc = r;
        for (k, &f) in p.nans.iter().enumerate() {
            let k = k as u8;
            let rk = self.b.ins().extractlane(r, k);
            let xk = self.b.ins().extractlane(n, k);
            let yk = match p.m {
                Ok(_) => self.b.ins().extractlane(m, k),
                Err(y) => vals[y.index()].expect("operand defined"),
            };
            let x = self.fallback(block, &block.insts[f], &[rk, xk, yk]);
            acc = self.b.ins().insertlane(acc, x, k);
        }
        self.b.ins().bitcast(types::I8X16, little(), acc)
    }

    /// Lowers a [`VecFloat`]: the host vector op, then one test of the
    /// whole result for NaNs; when a lane is one, each lane's `fnan` out
    /// of line (the lanes' scalar results, equal to the vector's lanes,
    /// are computed there only).
    fn vector_float(
        &mut self,
        block: &Block,
        i: usize,
        p: &VecFloat,
        vals: &[Option<ir::Value>],
    ) -> ir::Value {
        let (n, m) = self.vector_operands(p, vals);
        let r = self.vector_apply_swapped(block, i, p, n, m);
        let (rv, sw) = self.join_arg(r);
        let (slow, join) = self.vector_nan_branch(r, &[rv]);
        self.b.switch_to_block(slow);
        let acc = self.vector_fix(block, p, [n, m, r], vals);
        let acc = self.join_value(acc, sw);
        self.b.ins().jump(join, &[BlockArg::Value(acc)]);
        self.b.switch_to_block(join);
        let p = self.b.block_params(join)[0];
        self.join_value(p, sw)
    }

    /// `(f, F64X2 or F32X4)` when the host value `x` is the bits of the
    /// float `f` (`bitcast.i64 f`, `bitcast.i32 f`).
    fn float_bits(&self, x: ir::Value) -> Option<(ir::Value, ir::Type)> {
        let dfg = &self.b.func.dfg;
        let ir::ValueDef::Result(d, _) = dfg.value_def(x) else {
            return None;
        };
        if dfg.insts[d].opcode() != ir::Opcode::Bitcast {
            return None;
        }
        let f = dfg.inst_args(d)[0];
        match dfg.value_type(f) {
            types::F64 => Some((f, types::F64X2)),
            types::F32 => Some((f, types::F32X4)),
            _ => None,
        }
    }

    fn vec_op(
        &mut self,
        op: Opcode,
        ty: Type,
        imm: u64,
        a: &[ir::Value],
        block: &Block,
        inst: &xlat_ir::Inst,
    ) -> ir::Value {
        let l = Lanes::from_imm(imm);
        let vt = lane_vec(l);
        let lane = ((imm >> 8) as u8) % (l.count() as u8);
        let to = |s: &mut Self, v: ir::Value| {
            if vt == types::I8X16 {
                v
            } else {
                s.b.ins().bitcast(vt, little(), v)
            }
        };
        let back = |s: &mut Self, v: ir::Value| {
            if vt == types::I8X16 {
                v
            } else {
                s.b.ins().bitcast(types::I8X16, little(), v)
            }
        };
        match op {
            Opcode::Vand => self.b.ins().band(a[0], a[1]),
            Opcode::Vor => self.b.ins().bor(a[0], a[1]),
            Opcode::Vxor => self.b.ins().bxor(a[0], a[1]),
            Opcode::Vnot => self.b.ins().bnot(a[0]),
            Opcode::Vadd | Opcode::Vsub | Opcode::Vcmpeq => {
                let (x, y) = (to(self, a[0]), to(self, a[1]));
                let r = match op {
                    Opcode::Vadd => self.b.ins().iadd(x, y),
                    Opcode::Vsub => self.b.ins().isub(x, y),
                    _ => self.b.ins().icmp(IntCC::Equal, x, y),
                };
                back(self, r)
            }
            Opcode::Vumin | Opcode::Vumax if l != Lanes::I64x2 => {
                let (x, y) = (to(self, a[0]), to(self, a[1]));
                let r = if op == Opcode::Vumin {
                    self.b.ins().umin(x, y)
                } else {
                    self.b.ins().umax(x, y)
                };
                back(self, r)
            }
            Opcode::Vcmpugt
            | Opcode::Vcmpuge
            | Opcode::Vcmpsgt
            | Opcode::Vcmpsge
            | Opcode::Vsmin
            | Opcode::Vsmax => {
                let (x, y) = (to(self, a[0]), to(self, a[1]));
                let cc = match op {
                    Opcode::Vcmpugt => IntCC::UnsignedGreaterThan,
                    Opcode::Vcmpuge => IntCC::UnsignedGreaterThanOrEqual,
                    Opcode::Vcmpsgt => IntCC::SignedGreaterThan,
                    _ => IntCC::SignedGreaterThanOrEqual,
                };
                let r = match op {
                    Opcode::Vsmin if l != Lanes::I64x2 => self.b.ins().smin(x, y),
                    Opcode::Vsmax if l != Lanes::I64x2 => self.b.ins().smax(x, y),
                    Opcode::Vsmin | Opcode::Vsmax => {
                        let c = self.b.ins().icmp(IntCC::SignedGreaterThan, x, y);
                        let (p, q) = if op == Opcode::Vsmax { (x, y) } else { (y, x) };
                        self.b.ins().bitselect(c, p, q)
                    }
                    _ => self.b.ins().icmp(cc, x, y),
                };
                back(self, r)
            }
            Opcode::Vmul if l != Lanes::I8x16 => {
                let (x, y) = (to(self, a[0]), to(self, a[1]));
                let r = self.b.ins().imul(x, y);
                back(self, r)
            }
            Opcode::Vshl | Opcode::Vlshr | Opcode::Vashr => {
                let x = to(self, a[0]);
                let sh = ((imm >> 8) as u32 % l.lane_bits()) as i64;
                let sh = self.b.ins().iconst(types::I32, sh);
                let r = match op {
                    Opcode::Vshl => self.b.ins().ishl(x, sh),
                    Opcode::Vlshr => self.b.ins().ushr(x, sh),
                    _ => self.b.ins().sshr(x, sh),
                };
                back(self, r)
            }
            // pavgb/pavgw; wider lanes take the fallback.
            Opcode::Vavgru if matches!(l, Lanes::I8x16 | Lanes::I16x8) => {
                let (x, y) = (to(self, a[0]), to(self, a[1]));
                let r = self.b.ins().avg_round(x, y);
                back(self, r)
            }
            // x64 has a vector popcnt lowering for bytes only.
            Opcode::Vpopcnt if l == Lanes::I8x16 => {
                let x = to(self, a[0]);
                let r = self.b.ins().popcnt(x);
                back(self, r)
            }
            Opcode::Vshlv | Opcode::Vlshrv | Opcode::Vashrv => {
                let (mut x, y) = (to(self, a[0]), to(self, a[1]));
                let shift = |s: &mut Self, v: ir::Value, n: ir::Value| match op {
                    Opcode::Vshlv => s.b.ins().ishl(v, n),
                    Opcode::Vlshrv => s.b.ins().ushr(v, n),
                    _ => s.b.ins().sshr(v, n),
                };
                if l.count() <= 4 {
                    // Lane by lane: a scalar shift counts modulo the width.
                    for k in 0..l.count() as u8 {
                        let v = self.b.ins().extractlane(x, k);
                        let n = self.b.ins().extractlane(y, k);
                        let r = shift(self, v, n);
                        x = self.b.ins().insertlane(x, r, k);
                    }
                } else {
                    // Bytes and halfwords: shift by each power of two
                    // where the count has that bit.
                    let lt = vt.lane_type();
                    let zero = self.b.ins().iconst(lt, 0);
                    let zero = self.b.ins().splat(vt, zero);
                    for k in 0..l.lane_bits().trailing_zeros() {
                        let bit = self.b.ins().iconst(lt, 1i64 << k);
                        let bit = self.b.ins().splat(vt, bit);
                        let t = self.b.ins().band(y, bit);
                        let clear = self.b.ins().icmp(IntCC::Equal, t, zero);
                        let n = self.b.ins().iconst(types::I32, 1i64 << k);
                        let sh = shift(self, x, n);
                        x = self.b.ins().bitselect(clear, x, sh);
                    }
                }
                back(self, x)
            }
            // paddusb + pshufb on x86-64.
            Opcode::Vswizzle => self.b.ins().swizzle(a[0], a[1]),
            _ if op.shuffle_bytes(imm).is_some() => {
                let m = op.shuffle_bytes(imm).unwrap_or_default();
                // One-operand permutes (Vrev) read `a` only.
                let b = a.get(1).copied().unwrap_or(a[0]);
                self.shuffle_through_swaps(a[0], b, m)
            }
            Opcode::Vsplat => {
                let aty = block.ty(inst.args[0]);
                let lt = Type::int(l.lane_bits());
                let x = self.conv_int(a[0], aty, lt);
                let r = self.b.ins().splat(vt, x);
                back(self, r)
            }
            Opcode::Vextract => {
                let x = to(self, a[0]);
                let _ = ty;
                int_lane(&mut self.b, x, vt, lane)
            }
            Opcode::Vinsert => {
                // A float's bits: into the lane of the vector seen as
                // floats (movsd/movlhps/insertps), not through an integer
                // register.
                if let Some((f, vt)) = self
                    .float_bits(a[1])
                    .filter(|p| p.1.lane_bits() == l.lane_bits())
                {
                    let x = self.b.ins().bitcast(vt, little(), a[0]);
                    let r = self.b.ins().insertlane(x, f, lane);
                    return self.b.ins().bitcast(types::I8X16, little(), r);
                }
                let x = to(self, a[0]);
                let r = self.b.ins().insertlane(x, a[1], lane);
                back(self, r)
            }
            _ => self.fallback(block, inst, a),
        }
    }

    /// Extends a raw `size`-byte integer `raw` to the op's result type.
    fn extend_loaded(&mut self, raw: ir::Value, f: MemFlags, ty: Type) -> ir::Value {
        let st = Type::int(f.size as u32 * 8);
        if ty == st {
            return raw;
        }
        if ty.is_int() {
            return if f.signed {
                self.b.ins().sextend(clif_ty(ty), raw)
            } else {
                self.b.ins().uextend(clif_ty(ty), raw)
            };
        }
        // Float or vector from fewer bytes: zero-extend the bits.
        let wide = if st.bits() < 64 {
            self.b.ins().uextend(types::I64, raw)
        } else {
            raw
        };
        match ty {
            Type::F32 => {
                let w = self.b.ins().ireduce(types::I32, wide);
                self.b.ins().bitcast(types::F32, MemFlagsData::new(), w)
            }
            Type::F64 => self.b.ins().bitcast(types::F64, MemFlagsData::new(), wide),
            _ => {
                let v = self.b.ins().scalar_to_vector(types::I64X2, wide);
                self.b.ins().bitcast(types::I8X16, little(), v)
            }
        }
    }

    /// The low `size` bytes of `v` (IR type `vt`) as an integer.
    fn narrow_for_store(&mut self, v: ir::Value, vt: Type, size: u8) -> ir::Value {
        let st = Type::int(size as u32 * 8);
        if vt == st || (vt.bits() == st.bits() && !vt.is_int()) {
            return v;
        }
        let as_int = match vt {
            Type::F32 => self.b.ins().bitcast(types::I32, MemFlagsData::new(), v),
            Type::F64 => self.b.ins().bitcast(types::I64, MemFlagsData::new(), v),
            Type::V128 => {
                let lo = int_lane(&mut self.b, v, types::I64X2, 0);
                return self.conv_int(lo, Type::I64, st);
            }
            _ => v,
        };
        let it = Type::int(vt.bits());
        self.conv_int(as_int, it, st)
    }

    /// Inline-access condition: `addr` below `CpuHeader::mem_limit` (and
    /// aligned when required). One comparison serves every access size:
    /// `GuestMemory::direct` promises a guard area after the limit, so an
    /// access of up to 16 bytes starting below it faults in the guard
    /// rather than touching other host memory. The limit is 0 when memory
    /// is not direct, so every access takes the slow path then. It is
    /// constant per CPU and read at region entry by a read-only load that
    /// Cranelift may move (reading it at every access, to spare a
    /// register, measured 2.5 % slower on `interp`).
    fn inline_ok(&mut self, addr: ir::Value, f: MemFlags, need_align: bool) -> ir::Value {
        let ok = self.b.ins().icmp(IntCC::UnsignedLessThan, addr, self.limit);
        if (f.aligned || need_align) && f.size > 1 {
            let low = self.b.ins().band_imm_s(addr, f.size as i64 - 1);
            let al = self.b.ins().icmp_imm_s(IntCC::Equal, low, 0);
            self.b.ins().band(ok, al)
        } else {
            ok
        }
    }

    /// The slow path of a load or store: calls `func` (the load or store
    /// thunk, `io` holding the value) for the access at `addr` with
    /// `imm`'s flags, then checks for a fault; returns `io`'s address.
    /// Only the fault-free return continues, in a cold block (out of
    /// line, so the fast path falls through).
    fn slow_call(&mut self, func: FuncRef, addr: ir::Value, imm: u64, exact: bool) -> ir::Value {
        let io = self.io_addr();
        let imm = if exact {
            imm | crate::runtime::ACCESS_EXACT
        } else {
            imm
        };
        let immv = self.b.ins().iconst(types::I64, imm as i64);
        let env = self.env;
        let addr = self.slow_arg(addr, io);
        self.b.ins().call(func, &[env, addr, immv, io]);
        self.check_status();
        let cont = self.b.current_block().expect("in a block");
        self.b.set_cold_block(cont);
        io
    }

    /// `v` (an `i64`) copied through the last word of `io` ([`SLOW_ARG`]),
    /// for a slow path's call: a value defined in the cold block. Passed
    /// as it is, the call's fixed argument register (`rsi`) is a use of the
    /// fast path's own address, and Cranelift's allocator then keeps that
    /// address in `rsi` around the fast path's compare and access, with
    /// moves to and from the register a loop carries it in (12 of the 31
    /// host instructions of `matmul`'s naive loop). The copy costs a store
    /// and a load on the slow path only. It is stored through the slot and
    /// loaded through `io` (the slot's address loaded from `io_ptr`): two
    /// different addresses to Cranelift's alias analysis, which would
    /// otherwise forward the store to the load and give back `v` itself.
    fn slow_arg(&mut self, v: ir::Value, io: ir::Value) -> ir::Value {
        self.b.ins().stack_store(types::I64, v, self.io, SLOW_ARG);
        self.b.ins().load(types::I64, trusted(), io, SLOW_ARG)
    }

    /// Records the host pointer of `site`'s base that the join block `join`
    /// takes (its last parameter) for the accesses after it, if `share`.
    fn note_checked(&mut self, site: Option<Site>, share: bool, join: ir::Block) {
        if let (Some(s), true) = (site, share) {
            let p = *self.b.block_params(join).last().expect("pointer param");
            self.checked[s.base] = Some(p);
        }
    }

    /// After a slow-path call: branches to a fresh "fault" block that
    /// clears `CpuHeader::helper_fault` and returns when the thunk stored a
    /// non-zero status there (the slow path recorded the fault and set
    /// `exit`; state is exact).
    fn check_status(&mut self) {
        self.branch_on_helper_fault(None);
    }

    /// Emits `if helper_fault != 0 { helper_fault = 0; [exit = code;] return }`
    /// with the fault path in a cold block.
    fn branch_on_helper_fault(&mut self, exit: Option<ExitCode>) {
        let status = self.b.ins().load(
            types::I32,
            trusted(),
            self.env,
            offset_of!(CpuHeader, helper_fault) as i32,
        );
        let fault = self.shared_exit(SharedExit::HelperFault(exit));
        let cont = self.b.create_block();
        self.b.ins().brif(status, fault, &[], cont, &[]);
        self.b.switch_to_block(cont);
    }

    /// Lowers a memory access; `vector`, for a [`vector_load`] (its op
    /// index), also records the loaded value as a vector in `vec_loads`.
    /// `site`, for an access `r + imm` in a world with guard areas
    /// ([`access_sites`]), checks only `r`, or nothing where an earlier
    /// access of the block checked it ([`Fx::checked`]).
    #[allow(clippy::too_many_arguments)]
    fn mem_op(
        &mut self,
        op: Opcode,
        ty: Type,
        vty: Type,
        imm: u64,
        a: &[ir::Value],
        exact: bool,
        vector: Option<(usize, bool)>,
        site: Option<Site>,
    ) -> Option<ir::Value> {
        let f = MemFlags::from_imm(imm);
        let addr = a[0];
        let st = clif_ty(Type::int(f.size as u32 * 8));
        let gflags = MemFlagsData::new();
        let atomic_inline = !matches!(op, Opcode::Load | Opcode::Store) && f.size <= 8;
        // An exact access never faults on the host (every host fault
        // retries; only the slow path can report a fault at once), so it
        // neither uses nor records a checked base.
        let site = site.filter(|s| !self.fast && !exact && self.vals[s.base].is_some());
        // The checked base as a host pointer: no check, no slow path (in
        // a loop's fast copy, every access: the entry check covered it).
        let known = match site {
            _ if self.fast => Some(self.b.ins().iadd(self.base, addr)),
            Some(s) => self.checked[s.base],
            None => None,
        };
        // The fast path's host address is `base + r + off`.
        let (r, off) = match site {
            Some(s) => (self.vals[s.base].expect("base defined"), s.imm),
            None => (addr, 0),
        };
        let ok = if exact {
            self.b.ins().iconst(types::I8, 0)
        } else if site.is_some() {
            self.b.ins().icmp(IntCC::UnsignedLessThan, r, self.limit)
        } else if matches!(op, Opcode::Load | Opcode::Store) || atomic_inline {
            self.inline_ok(addr, f, atomic_inline)
        } else {
            self.b.ins().iconst(types::I8, 0)
        };
        // A store's value, and whether the slow path's copy of it is
        // written before the branch (see [`float_computed`]).
        let stored = (op == Opcode::Store).then(|| self.narrow_for_store(a[1], vty, f.size));
        let early = stored.filter(|&v| known.is_none() && float_computed(&self.b.func.dfg, v));
        if let Some(v) = early {
            self.b.ins().stack_store(types::I64, v, self.io, 0);
        }
        // Fast, slow and join blocks, unless the base is known good.
        let paths = known.is_none().then(|| {
            let fast = self.b.create_block();
            let slow = self.b.create_block();
            let join = self.b.create_block();
            self.b.set_cold_block(slow);
            self.b.ins().brif(ok, fast, &[], slow, &[]);
            (fast, slow, join)
        });
        // Where later accesses off the same base find it: the join takes
        // `base + r` from the fast path and a pointer that faults whatever
        // the offset ([`POISON`]) from the slow one, so an access after a
        // slow one faults on the host and re-runs at tier 0.
        let share = site.is_some_and(|s| s.shared) && known.is_none();

        match op {
            Opcode::Load => {
                // Both paths load the raw bytes (the fast one from
                // `base + addr`, which folds into the host load's address).
                let direct_ty = !ty.is_int() && ty.bytes() == f.size as u32;
                let lty = if direct_ty { clif_ty(ty) } else { st };
                // A vector load: lane 0 of a vector register, the rest
                // zero (one movsd/movss from memory).
                let lane_ty = if f.size == 4 {
                    types::I32X4
                } else {
                    types::I64X2
                };
                let splat = matches!(vector, Some((_, true)));
                // The raw value as the join takes it: a vector for vector
                // loads, unchanged otherwise.
                let to_vec = |b: &mut FunctionBuilder, raw: ir::Value| {
                    if vector.is_none() {
                        return raw;
                    }
                    let v = if splat {
                        b.ins().splat(lane_ty, raw)
                    } else {
                        b.ins().scalar_to_vector(lane_ty, raw)
                    };
                    b.ins().bitcast(types::I8X16, little(), v)
                };
                // A narrow integer load extends on each path (x86's
                // `movzx`/`movsx` from memory), so the join takes the
                // result and no second extension follows it.
                let ext = (vector.is_none() && !direct_ty)
                    .then(|| ext_load(ty, f))
                    .flatten();
                let jty = match (vector, ext) {
                    (Some(_), _) => types::I8X16,
                    (None, Some(_)) => clif_ty(ty),
                    (None, None) => lty,
                };
                let load_raw = |b: &mut FunctionBuilder, p: ir::Value| match ext {
                    Some((op, rt)) => ext_load_ins(b, op, rt, gflags, p),
                    None => b.ins().load(lty, gflags, p, 0),
                };
                let raw = if let Some(p) = known {
                    let pa = host_addr(&mut self.b, p, off);
                    match vector {
                        // A float into a V register: loaded as the float
                        // (one movss/movsd), which float reads take
                        // ([`Fx::float_lane`]); the vector is built only
                        // where needed. Loaded as an integer, Cranelift
                        // places the vector op where it is first used, and
                        // a later load in between keeps it from folding
                        // into the load (`mov r64, [p]; movq xmm, r64`).
                        Some((k, false)) => {
                            let (ft, vt) = if f.size == 4 {
                                (types::F32, types::F32X4)
                            } else {
                                (types::F64, types::F64X2)
                            };
                            let x = self.b.ins().load(ft, gflags, pa, 0);
                            self.float_loads[k] = Some(x);
                            let v = self.b.ins().scalar_to_vector(vt, x);
                            self.b.ins().bitcast(types::I8X16, little(), v)
                        }
                        _ => {
                            let raw = load_raw(&mut self.b, pa);
                            to_vec(&mut self.b, raw)
                        }
                    }
                } else {
                    let (fast, slow, join) = paths.expect("not known");
                    self.b.append_block_param(join, jty);
                    if share {
                        self.b.append_block_param(join, types::I64);
                    }
                    self.b.switch_to_block(fast);
                    let p = self.b.ins().iadd(self.base, r);
                    let pa = host_addr(&mut self.b, p, off);
                    let raw = load_raw(&mut self.b, pa);
                    let raw = to_vec(&mut self.b, raw);
                    self.b.ins().jump(join, &join_args(share, p, raw));
                    self.b.switch_to_block(slow);
                    let io = self.slow_call(self.refs.load, addr, imm, exact);
                    let raw = load_raw(&mut self.b, io);
                    let raw = to_vec(&mut self.b, raw);
                    let poison = self.b.ins().iconst(types::I64, POISON as i64);
                    self.b.ins().jump(join, &join_args(share, poison, raw));
                    self.b.switch_to_block(join);
                    self.note_checked(site, share, join);
                    self.b.block_params(join)[0]
                };
                let raw = match vector {
                    Some((k, _)) => {
                        self.vec_loads[k] = Some(raw);
                        let v = self.b.ins().bitcast(lane_ty, little(), raw);
                        self.b.ins().extractlane(v, 0)
                    }
                    None => raw,
                };
                let v = if direct_ty || ext.is_some() {
                    raw
                } else {
                    self.extend_loaded(raw, f, ty)
                };
                if matches!(f.order, Ordering::AcqRel) {
                    self.b.ins().fence();
                }
                Some(v)
            }
            Opcode::Store => {
                let v = stored.expect("a store's value");
                if let Some(p) = known {
                    let pa = host_addr(&mut self.b, p, off);
                    self.b.ins().store(gflags, v, pa, 0);
                } else {
                    let (fast, slow, join) = paths.expect("not known");
                    if share {
                        self.b.append_block_param(join, types::I64);
                    }
                    self.b.switch_to_block(fast);
                    let p = self.b.ins().iadd(self.base, r);
                    let pa = host_addr(&mut self.b, p, off);
                    self.b.ins().store(gflags, v, pa, 0);
                    self.b.ins().jump(join, &join_args(share, p, None));
                    self.b.switch_to_block(slow);
                    if early.is_none() {
                        let z = self.b.ins().iconst(types::I64, 0);
                        self.b.ins().stack_store(types::I64, z, self.io, 0);
                        self.b.ins().stack_store(types::I64, z, self.io, 8);
                        self.b.ins().stack_store(types::I64, v, self.io, 0);
                    }
                    self.slow_call(self.refs.store, addr, imm, exact);
                    let poison = self.b.ins().iconst(types::I64, POISON as i64);
                    self.b.ins().jump(join, &join_args(share, poison, None));
                    self.b.switch_to_block(join);
                    self.note_checked(site, share, join);
                }
                if matches!(f.order, Ordering::Release | Ordering::AcqRel) {
                    // Store-release must not pass a later load-acquire.
                    self.b.ins().fence();
                }
                None
            }
            Opcode::AtomicRmw => {
                let (fast, slow, join) = paths.expect("atomics are checked");
                let rop = RmwOp::from_imm(imm).unwrap_or(RmwOp::Xchg);
                let v = self.conv_int(a[1], vty, Type::int(f.size as u32 * 8));
                self.b.append_block_param(join, st);
                self.b.switch_to_block(fast);
                let p = self.b.ins().iadd(self.base, addr);
                let (cop, x) = match rop {
                    RmwOp::Xchg => (AtomicRmwOp::Xchg, v),
                    RmwOp::Add => (AtomicRmwOp::Add, v),
                    RmwOp::AndNot => (AtomicRmwOp::And, self.b.ins().bnot(v)),
                    RmwOp::Or => (AtomicRmwOp::Or, v),
                    RmwOp::Xor => (AtomicRmwOp::Xor, v),
                    RmwOp::Smax => (AtomicRmwOp::Smax, v),
                    RmwOp::Smin => (AtomicRmwOp::Smin, v),
                    RmwOp::Umax => (AtomicRmwOp::Umax, v),
                    RmwOp::Umin => (AtomicRmwOp::Umin, v),
                    RmwOp::And => (AtomicRmwOp::And, v),
                };
                let old = self.b.ins().atomic_rmw(st, gflags, cop, p, x);
                self.b.ins().jump(join, &[BlockArg::Value(old)]);
                self.b.switch_to_block(slow);
                let io = self.io_addr();
                let immv = self.b.ins().iconst(types::I64, imm as i64);
                let v64 = self.conv_int(a[1], vty, Type::I64);
                let env = self.env;
                self.b
                    .ins()
                    .call(self.refs.rmw, &[env, addr, immv, v64, io]);
                self.check_status();
                let old = self.b.ins().stack_load(types::I64, st, self.io, 0);
                self.b.ins().jump(join, &[BlockArg::Value(old)]);
                self.b.switch_to_block(join);
                let raw = self.b.block_params(join)[0];
                Some(self.extend_loaded(raw, f, ty))
            }
            _ => {
                // AtomicCas.
                let (fast, slow, join) = paths.expect("atomics are checked");
                let sty = Type::int(f.size as u32 * 8);
                self.b.append_block_param(join, st);
                self.b.switch_to_block(fast);
                if f.size <= 8 {
                    let e = self.conv_int(a[1], vty, sty);
                    let n = self.conv_int(a[2], vty, sty);
                    let p = self.b.ins().iadd(self.base, addr);
                    let old = self.b.ins().atomic_cas(gflags, p, e, n);
                    self.b.ins().jump(join, &[BlockArg::Value(old)]);
                } else {
                    // Never taken (`ok` is false): keep the block valid.
                    let z = self.b.ins().iconst(types::I64, 0);
                    let z = self.b.ins().uextend(types::I128, z);
                    self.b.ins().jump(join, &[BlockArg::Value(z)]);
                }
                self.b.switch_to_block(slow);
                let e = self.conv_int(a[1], vty, sty);
                let n = self.conv_int(a[2], vty, sty);
                let z = self.b.ins().iconst(types::I64, 0);
                for o in [0, 8, 16, 24] {
                    self.b.ins().stack_store(types::I64, z, self.io, o);
                }
                self.b.ins().stack_store(types::I64, e, self.io, 0);
                self.b.ins().stack_store(types::I64, n, self.io, 16);
                let io = self.io_addr();
                let immv = self.b.ins().iconst(types::I64, imm as i64);
                let env = self.env;
                self.b.ins().call(self.refs.cas, &[env, addr, immv, io]);
                self.check_status();
                let old = self.b.ins().stack_load(types::I64, st, self.io, 0);
                self.b.ins().jump(join, &[BlockArg::Value(old)]);
                self.b.switch_to_block(join);
                let raw = self.b.block_params(join)[0];
                Some(self.extend_loaded(raw, f, ty))
            }
        }
    }

    fn helper(
        &mut self,
        block: &Block,
        idx: usize,
        ty: Type,
        args: &[ir::Value],
        cur_pc: u64,
    ) -> Option<ir::Value> {
        let h = *block.helpers.get(idx)?;
        let fr = *self.refs.helpers.get(&(h as *const HelperDesc))?;
        if h.flags.reads_state || h.flags.writes_state || h.flags.may_fault {
            self.before_fault(cur_pc);
        }
        if h.flags.may_fault {
            let z = self.b.ins().iconst(types::I32, 0);
            self.b.ins().store(
                trusted(),
                z,
                self.env,
                offset_of!(CpuHeader, helper_fault) as i32,
            );
        }
        let mut cargs = vec![self.env];
        cargs.extend_from_slice(args);
        while cargs.len() < 4 {
            let z = self.b.ins().iconst(types::I64, 0);
            cargs.push(z);
        }
        let c = self.b.ins().call(fr, &cargs);
        let r = self.b.inst_results(c)[0];
        if h.flags.may_fault {
            self.branch_on_helper_fault(Some(ExitCode::Fault));
        }
        if h.flags.writes_state {
            self.load_all();
            // The PC in env may have been changed by the helper.
            self.pc_known = None;
        }
        if ty == Type::Void { None } else { Some(r) }
    }
}

/// Whether the value register `r` has on entry to `block` may be read in
/// it: by a `get` before any `set`, or, when it may be dirty on entry, by
/// a write-back before any `set` (at an op that may write a snapshot, or
/// at the terminal: exits, snapshot edges and the stop path of back edges
/// write back).
fn reads_entry_value(layout: &StateLayout, block: &Block, r: usize, dirty: bool) -> bool {
    reads_before_set(layout, block, r, dirty, true)
}

/// Whether the *variable* of register `r` on entry to `block` may be read
/// in it: as [`reads_entry_value`], but a plain load is no reader: a load
/// at the start of a block writes no snapshot (every block starts with no
/// side effect pending), and when it faults the retry starts from the
/// snapshot already in `env`. So a block that loads before it sets `r`
/// (glibc's `strspn` loop: `lbzu` before its compares) needs no entry load
/// of `r` (nor a sunk value carried to it) for that load.
fn reads_entry_var(layout: &StateLayout, block: &Block, r: usize, dirty: bool) -> bool {
    reads_before_set(layout, block, r, dirty, false)
}

/// [`reads_entry_value`] (`loads`: a plain load observes `env`) and
/// [`reads_entry_var`] (`!loads`).
fn reads_before_set(
    layout: &StateLayout,
    block: &Block,
    r: usize,
    dirty: bool,
    loads: bool,
) -> bool {
    if r == layout.pc.0 as usize {
        return false;
    }
    for i in &block.insts {
        match i.op {
            Opcode::Get if i.imm as usize == r => return true,
            Opcode::Set if i.imm as usize == r => return false,
            _ if dirty => match sync_of(block, i) {
                Sync::None => {}
                Sync::Load if !loads => {}
                _ => return true,
            },
            _ => {}
        }
    }
    dirty
}

/// Per block, whether the value of register `r` on entry to it can be
/// observed: some path from there through blocks that do not set it
/// reaches a block that reads its entry value (a backward fixpoint over
/// the region's edges).
fn observed_at_entry(
    layout: &StateLayout,
    blocks: &[&Block],
    succ: &[Vec<usize>],
    sets: &[Vec<bool>],
    dirty_in: &[Vec<bool>],
    r: usize,
) -> Vec<bool> {
    let mut obs: Vec<bool> = (0..blocks.len())
        .map(|k| reads_entry_var(layout, blocks[k], r, dirty_in[k][r]))
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for k in 0..blocks.len() {
            if obs[k] || sets[k][r] {
                continue;
            }
            let seen = succ[k].iter().any(|&j| obs[j]);
            if seen {
                obs[k] = true;
                changed = true;
            }
        }
    }
    obs
}

/// Per op of `block`: a pure integer op (constant, arithmetic, compare,
/// select, extension; no division, no vectors, floats or 128-bit values)
/// whose value is used only by `set`s of registers and by other such ops.
/// Lowering emits it where a register it feeds is read, written back or
/// carried to a block that observes it, not where it stands: a flag
/// computed in every iteration of a loop but read only after it is then
/// computed on the exit paths only.
pub(crate) fn sinkable(layout: &StateLayout, block: &Block) -> Vec<bool> {
    let n = block.insts.len();
    let scalar = |t: Type| matches!(t, Type::I8 | Type::I16 | Type::I32 | Type::I64);
    // Whether each value has a use that needs it emitted where it stands.
    let mut pinned = vec![false; n];
    match block.terminal() {
        Terminal::Branch { cond: v, .. } | Terminal::JumpIndirect(v) | Terminal::Return(v) => {
            pinned[v.index()] = true;
        }
        _ => {}
    }
    let mut sink = vec![false; n];
    let mut used = vec![false; n];
    for i in (0..n).rev() {
        let inst = &block.insts[i];
        let pure = checks::pure_int(inst.op)
            && scalar(inst.ty)
            && inst.operands().all(|a| scalar(block.ty(a)));
        sink[i] = pure && used[i] && !pinned[i];
        let is_set = inst.op == Opcode::Set && (inst.imm as usize) < layout.regs.len();
        for a in inst.operands() {
            used[a.index()] = true;
            if !(sink[i] || is_set) {
                pinned[a.index()] = true;
            }
        }
    }
    sink
}

/// Integer lane `k` of 128-bit vector `v` seen as `lanes` (an integer
/// vector type). Lane 0 of 32- and 64-bit lanes is read through the float
/// view: Cranelift leaves a float lane 0 where it is and moves it with one
/// `movd`/`movq`, where its integer `extractlane` picks the two-µop
/// `pextrd`/`pextrq` even for lane 0 (`fmov x3, d2` after `umaxp` in
/// glibc's string functions).
fn int_lane(b: &mut FunctionBuilder, v: ir::Value, lanes: types::Type, k: u8) -> ir::Value {
    let float = match lanes {
        types::I64X2 => Some(types::F64X2),
        types::I32X4 => Some(types::F32X4),
        _ => None,
    };
    if let (Some(ft), 0) = (float, k) {
        let f = b.ins().bitcast(ft, little(), v);
        let x = b.ins().extractlane(f, 0);
        return b.ins().bitcast(lanes.lane_type(), MemFlagsData::new(), x);
    }
    let v = if b.func.dfg.value_type(v) == lanes {
        v
    } else {
        b.ins().bitcast(lanes, little(), v)
    };
    b.ins().extractlane(v, k)
}

/// Which extending host load reads a narrow integer access as IR type
/// `ty` (i16/i32/i64, the access narrower): the Cranelift opcode and its
/// result type, or `None` when the value needs no or another conversion.
fn ext_load(ty: Type, f: MemFlags) -> Option<(ir::Opcode, types::Type)> {
    use ir::Opcode as C;
    if !matches!(ty, Type::I16 | Type::I32 | Type::I64) || u32::from(f.size) >= ty.bytes() {
        return None;
    }
    let op = match (f.size, f.signed) {
        (1, false) => C::Uload8,
        (1, true) => C::Sload8,
        (2, false) => C::Uload16,
        (2, true) => C::Sload16,
        (4, false) => C::Uload32,
        (4, true) => C::Sload32,
        _ => return None,
    };
    Some((op, clif_ty(ty)))
}

/// The pointer a checked base stands for after its check failed: not
/// canonical on x86-64 whatever 32-bit offset is added, so an access
/// through it faults on the host (and re-runs at tier 0), in any world.
const POISON: u64 = 0x8000_0000_0000_0000;

/// The offset in `io` of a slow path's address copy ([`Fx::slow_arg`]): its
/// last word, which no memory slow path reads or writes (their value is
/// bytes 0-15, a compare-and-swap's operands bytes 0-31).
const SLOW_ARG: i32 = 56;

/// A plain load or store at `base + imm` (IR value `base`) whose bounds
/// check tests `base` alone ([`access_sites`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct Site {
    /// Op index of the base value.
    base: usize,
    /// Offset added to it (the host access's displacement).
    imm: i32,
    /// A later access of the block has the same base.
    shared: bool,
}

/// Per op of `block`: the [`Site`] of each plain, unaligned load and store
/// whose address is a value plus a constant the guard areas cover
/// (`-guard <= imm`, `imm + 16 <= guard`), its base the first emitted op
/// that computes the same value (`same`, [`checks::same_values`]); none
/// without guards. With
/// `base < mem_limit` such an access lands in the window or a guard, so
/// it needs no other check, and an access after one with the same base
/// needs none at all.
fn access_sites(block: &Block, guard: u64, same: &[usize]) -> Vec<Option<Site>> {
    let mut sites = vec![None; block.insts.len()];
    if guard == 0 {
        return sites;
    }
    let konst = |v: xlat_ir::Value| {
        let i = &block.insts[v.index()];
        (i.op == Opcode::Const).then_some(i.imm as i64)
    };
    for (k, inst) in block.insts.iter().enumerate() {
        if !matches!(inst.op, Opcode::Load | Opcode::Store) || MemFlags::from_imm(inst.imm).aligned
        {
            continue;
        }
        // Follow `x + c`, `c + x` and `x - c` (at most a few steps: pairs
        // and writebacks add one constant to another's result).
        let (mut v, mut imm) = (inst.args[0], 0i64);
        for _ in 0..4 {
            let d = &block.insts[v.index()];
            if d.ty != Type::I64 {
                break;
            }
            let step = match d.op {
                Opcode::Add => konst(d.args[1])
                    .map(|c| (d.args[0], c))
                    .or_else(|| konst(d.args[0]).map(|c| (d.args[1], c))),
                Opcode::Sub => konst(d.args[1]).map(|c| (d.args[0], c.wrapping_neg())),
                _ => None,
            };
            let Some((x, c)) = step else { break };
            v = x;
            imm = imm.wrapping_add(c);
        }
        // One check per base value, however often it is computed.
        let v = xlat_ir::Value(same[v.index()] as u32);
        let g = guard.min(i64::MAX as u64) as i64;
        let fits = imm >= -g && imm.checked_add(16).is_some_and(|e| e <= g);
        if let (true, Ok(imm)) = (fits && block.ty(v) == Type::I64, i32::try_from(imm)) {
            sites[k] = Some(Site {
                base: v.index(),
                imm,
                shared: false,
            });
        }
    }
    // A site is shared when a later one has its base.
    let mut later = std::collections::HashSet::new();
    for s in sites.iter_mut().rev().flatten() {
        s.shared = !later.insert(s.base);
    }
    sites
}

/// The host address `p + off`, which folds into the access's addressing
/// mode.
fn host_addr(b: &mut FunctionBuilder, p: ir::Value, off: i32) -> ir::Value {
    if off == 0 {
        p
    } else {
        b.ins().iadd_imm_s(p, off as i64)
    }
}

/// The arguments a fast or slow path passes to the join block: the loaded
/// value if any, then the base's pointer if it is `share`d.
fn join_args(share: bool, p: ir::Value, raw: impl Into<Option<ir::Value>>) -> Vec<BlockArg> {
    raw.into()
        .into_iter()
        .chain(share.then_some(p))
        .map(BlockArg::Value)
        .collect()
}

/// Emits the extending load [`ext_load`] chose, from `p`.
fn ext_load_ins(
    b: &mut FunctionBuilder,
    op: ir::Opcode,
    rt: types::Type,
    flags: MemFlagsData,
    p: ir::Value,
) -> ir::Value {
    use ir::Opcode as C;
    match op {
        C::Uload8 => b.ins().uload8(rt, flags, p, 0),
        C::Sload8 => b.ins().sload8(rt, flags, p, 0),
        C::Uload16 => b.ins().uload16(rt, flags, p, 0),
        C::Sload16 => b.ins().sload16(rt, flags, p, 0),
        C::Uload32 => b.ins().uload32(flags, p, 0),
        _ => b.ins().sload32(flags, p, 0),
    }
}

/// Whether host value `v` is the result of float or vector arithmetic,
/// possibly through moves, lane inserts and extracts, bit operations and
/// selects (the NaN fix-ups of [`Fx::float_op`]). Cranelift places such a
/// pure value at each of its uses that no other use dominates: a store's
/// value used only in the fast and the slow path of the store and again
/// after their join (a snapshot writing it back) would be computed twice
/// on the fast path and once more in the slow one. [`Fx::mem_op`] writes
/// such a value to the slow path's stack slot before the branch instead:
/// one host store, and the value is computed once where it dominates every
/// later use. Cheap values (integer arithmetic, moves of registers) are
/// left to be recomputed.
fn float_computed(dfg: &ir::DataFlowGraph, v: ir::Value) -> bool {
    use ir::Opcode as C;
    let mut todo = vec![v];
    // A bound on the walk: the chains that matter are short.
    for _ in 0..32 {
        let Some(v) = todo.pop() else {
            return false;
        };
        let ir::ValueDef::Result(inst, _) = dfg.value_def(v) else {
            continue;
        };
        match dfg.insts[inst].opcode() {
            C::Bitcast
            | C::Ireduce
            | C::Uextend
            | C::Sextend
            | C::Extractlane
            | C::Insertlane
            | C::ScalarToVector
            | C::Splat
            | C::Select
            | C::Bitselect
            | C::Band
            | C::Bor
            | C::Bxor => todo.extend(dfg.inst_args(inst)),
            C::F32const | C::F64const | C::Vconst | C::Iconst => {}
            op if op.can_load() || op.is_call() || op.other_side_effects() => {}
            _ => {
                let t = dfg.value_type(v);
                if t.is_float() || t.is_vector() {
                    return true;
                }
            }
        }
    }
    false
}

/// How an op relates to the snapshot in `env` (see the module docs).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Sync {
    /// Neither faults nor has a side effect.
    None,
    /// A load: may fault, can be re-run; needs a snapshot only after a
    /// side effect.
    Load,
    /// A plain store that is one host instruction (all or nothing: at most
    /// 8 bytes, or a 16-byte vector stored with one SSE move): a side
    /// effect, but one that has not happened when it faults, so like a
    /// load it needs a snapshot only after an earlier side effect and a
    /// fault in it re-runs from the snapshot.
    Store,
    /// Needs exact state in `env` (a snapshot) but has no side effect: a
    /// helper that only reads state.
    Read,
    /// Needs a snapshot and has a side effect: 16-byte stores of an i128
    /// (two host stores), atomics, helpers that write state or may fault
    /// (touch memory).
    Effect,
}

/// True if the store `inst` of `block` is one host instruction: at most 8
/// bytes, or 16 bytes of a vector value (one `movdqu`, which like every
/// x86 store changes no memory when it faults, even across a page).
fn one_host_store(block: &Block, inst: &xlat_ir::Inst) -> bool {
    let size = MemFlags::from_imm(inst.imm).size;
    size <= 8 || (size == 16 && !block.ty(inst.args[1]).is_int())
}

/// Classifies `inst` of `block`.
fn sync_of(block: &Block, inst: &xlat_ir::Inst) -> Sync {
    match inst.op.shape() {
        Shape::Load => Sync::Load,
        Shape::Store if one_host_store(block, inst) => Sync::Store,
        Shape::Store | Shape::Rmw | Shape::Cas => Sync::Effect,
        Shape::Call => match block.helpers.get(inst.imm as usize) {
            Some(h) if h.flags.writes_state || h.flags.may_fault => Sync::Effect,
            Some(h) if h.flags.reads_state => Sync::Read,
            _ => Sync::None,
        },
        _ => Sync::None,
    }
}

/// The pending side effect after an op of class `sync` in the guest
/// instruction at `pc`, given the one before (`effect`: the PC of the
/// instruction whose side effect happened after the last snapshot). A
/// snapshot at `pc` clears it unless the effect belongs to that same
/// instruction (re-running from there would repeat it).
fn effect_after(effect: Option<u64>, sync: Sync, pc: u64) -> Option<u64> {
    match sync {
        Sync::None => effect,
        Sync::Load | Sync::Read if effect == Some(pc) => effect,
        Sync::Load | Sync::Read => None,
        Sync::Store | Sync::Effect => Some(pc),
    }
}

/// Whether an op of class `sync` needs a snapshot before it, given the
/// pending side effect (`effect`, see [`effect_after`]) and whether only
/// plain stores happened since the last snapshot (`stores_only`, see
/// [`stores_only_after`]): a plain store after plain stores alone needs
/// none, since re-running from the snapshot repeats those stores with the
/// same values at the same addresses (nothing since it read memory), so
/// it leaves memory as the run did up to the store that faults.
fn needs_snapshot(sync: Sync, effect: Option<u64>, stores_only: bool) -> bool {
    match sync {
        Sync::None => false,
        Sync::Load => effect.is_some(),
        Sync::Store => effect.is_some() && !stores_only,
        Sync::Read | Sync::Effect => true,
    }
}

/// Whether only plain stores ([`Sync::Store`]) and ops without a side
/// effect or memory read happened since the last snapshot after an op of
/// class `sync`, given whether that held before it (`stores_only`) and
/// whether a snapshot was written right before it (`snapshot`).
fn stores_only_after(stores_only: bool, snapshot: bool, sync: Sync) -> bool {
    (stores_only || snapshot) && matches!(sync, Sync::None | Sync::Store | Sync::Read)
}

/// What lowering a block does to the snapshot (the same walk as
/// `lower_block`).
struct Summary {
    /// A side effect may have happened after the last snapshot at its end.
    effect_end: bool,
    /// It writes a snapshot somewhere (before a store, helper, ...).
    snapshots: bool,
    /// Registers set after its last snapshot (all it sets if none).
    sets_after: Vec<bool>,
}

impl Summary {
    /// Whether register `r` may be dirty (set, not written back) at the
    /// block's end, given whether it may be on entry (`dirty_in`).
    fn dirty_out(&self, dirty_in: bool, r: usize) -> bool {
        self.sets_after[r] || (!self.snapshots && dirty_in)
    }
}

/// Summarizes `block` for a region over `nregs` registers; `replay`: a
/// [`replay_loop`], whose stores set no pending side effect; `tail`: its
/// [`Tail`] snapshot, if any (the registers it skips stay dirty);
/// `clean_in`: `env` holds a snapshot on entry with nothing done since
/// ([`clean_at_entry`]).
fn summarize(
    layout: &StateLayout,
    block: &Block,
    nregs: usize,
    replay: bool,
    tail: Option<&Tail>,
    clean_in: bool,
) -> Summary {
    let mut pc = block.pc;
    let mut effect = None;
    let mut stores_only = clean_in;
    let mut snapshots = false;
    let mut sets_after = vec![false; nregs];
    for (idx, i) in block.insts.iter().enumerate() {
        if i.op.shape() == Shape::Marker {
            pc = i.imm;
        }
        if let Some(t) = tail.filter(|t| t.at == idx) {
            snapshots = true;
            sets_after.clone_from(&t.skip);
            effect = None;
            stores_only = true;
        }
        let sync = sync_of(block, i);
        let snapshot = needs_snapshot(sync, effect, stores_only);
        stores_only = stores_only_after(stores_only, snapshot, sync);
        if snapshot {
            snapshots = true;
            sets_after.iter_mut().for_each(|d| *d = false);
        }
        let r = i.imm as usize;
        if i.op == Opcode::Set && r < nregs && r != layout.pc.0 as usize {
            sets_after[r] = true;
        }
        if !replay {
            effect = effect_after(effect, sync, pc);
        }
    }
    Summary {
        effect_end: effect.is_some(),
        snapshots,
        sets_after,
    }
}

/// True if block `k` of a region is a loop that stores and never loads,
/// entered only at the region entry: block 0, no in-region predecessor
/// but itself, no access but plain stores of one host instruction
/// ([`Sync::Store`]), no helper that reads or writes state. Its stores
/// need no snapshot before them, nor at its back edge: `env` keeps the
/// region entry's snapshot, and a fault (host fault or failed slow path)
/// retries from there. The retry at tier 0 repeats the loop's stores
/// with the same values at the same addresses, since nothing the loop
/// computes comes from memory, and faults at the same access. Such a loop
/// (a fill loop, `memset`) thus writes no register back per iteration;
/// a fault after n iterations costs n / `RETRY_BLOCKS` retries, as in a
/// loop without side effects.
fn replay_loop(blocks: &[&Block], succ: &[Vec<usize>], k: usize) -> bool {
    k == 0
        && succ[0].contains(&0)
        && succ.iter().skip(1).all(|s| !s.contains(&0))
        && blocks[0]
            .insts
            .iter()
            .all(|i| matches!(sync_of(blocks[0], i), Sync::None | Sync::Store))
}

/// Per block of a region: whether `env` holds a snapshot of its start on
/// every way in, with nothing done since: block 0 from outside (the
/// dispatcher and every exit leave the exact state there) and every
/// in-region edge into it a snapshot edge (`snapshot(from, to)`). Its
/// plain stores before any load or other side effect then need no
/// snapshot ([`needs_snapshot`]).
fn clean_at_entry(succ: &[Vec<usize>], snapshot: impl Fn(usize, usize) -> bool) -> Vec<bool> {
    let mut clean = vec![true; succ.len()];
    for (k, s) in succ.iter().enumerate() {
        for &j in s {
            clean[j] &= snapshot(k, j);
        }
    }
    clean
}

/// A snapshot that block `k` of a region writes at the start of the guest
/// instruction after its last side effect (`at`, an `insn_start`) instead
/// of at its in-region edges, which then carry its dirty registers (see
/// [`tail_snapshot`]).
#[derive(Clone, Debug)]
struct Tail {
    /// Index of the `insn_start` op it is written at.
    at: usize,
    /// Per register: left out even when dirty ([`tail_skips`]).
    skip: Vec<bool>,
}

/// The [`Tail`] snapshot of block `k`, where it writes fewer values than
/// the snapshots at its in-region edges would (their estimate from the
/// dirty registers `din` of the edge rule): a block whose side effects are
/// followed by instructions that set registers before anything observes
/// them (a loop's compare after its store: NZCV are dead at the store's
/// end). A fault after it (in the next iteration, before the next
/// snapshot) retries from `at`; tier 0 sets the skipped registers again
/// before any fault point, as the compiled code did.
#[allow(clippy::too_many_arguments)]
fn tail_snapshot(
    layout: &StateLayout,
    blocks: &[&Block],
    succ: &[Vec<usize>],
    summary: &[Summary],
    din: &[Vec<bool>],
    sets: &[Vec<bool>],
    entry_pc: bool,
    k: usize,
) -> Option<Tail> {
    let block = blocks[k];
    if !summary[k].effect_end || succ[k].is_empty() {
        return None;
    }
    let last = block
        .insts
        .iter()
        .rposition(|i| matches!(sync_of(block, i), Sync::Store | Sync::Effect))?;
    let at = (last + 1..block.insts.len()).find(|&i| block.insts[i].op.shape() == Shape::Marker)?;
    let nregs = layout.regs.len();
    let succs: Vec<&Block> = succ[k].iter().map(|&j| blocks[j]).collect();
    let mut skip = tail_skips(layout, block, at, &succs);
    for (r, s) in skip.iter_mut().enumerate() {
        *s &= sets.iter().any(|m| m[r]);
    }
    // What each would store: the tail the registers possibly dirty at `at`
    // (on entry, or set in the block: the edges now carry them) but those
    // it skips, and the PC; an edge what it would write back, the PC
    // unless `env` holds it.
    let tail_cost = 1
        + (0..nregs)
            .filter(|&r| (din[k][r] || sets[k][r]) && !skip[r])
            .count();
    let out = |r: usize| summary[k].dirty_out(din[k][r], r);
    let edge_cost = succ[k]
        .iter()
        .map(|&j| {
            let pc = usize::from(!(j == 0 && entry_pc));
            pc + (0..nregs)
                .filter(|&r| out(r) && reads_entry_value(layout, blocks[j], r, true))
                .count()
        })
        .max()?;
    (tail_cost < edge_cost).then_some(Tail { at, skip })
}

/// Per register, whether a snapshot at op `at` of `block` (an
/// `insn_start` after its last side effect) may leave it out: nothing from
/// `at` on reads the value it has at `at` (no `get` of it, no use of a
/// value computed from such a `get` or from the value it was last set to
/// before `at`, nor of the values that one was computed from up to loads,
/// gets and helper results, since the passes may use an operand for an
/// identity of it), that value is not a constant (a constant may have been
/// folded into its readers), and it is set again before anything can
/// observe `env`: in the block before any fault point or helper, or, when
/// the rest of the block has neither and does not set it, by every
/// in-region successor in `succs` before it observes it (a retry from
/// `at` takes the same edge: nothing before it reads memory).
fn tail_skips(layout: &StateLayout, block: &Block, at: usize, succs: &[&Block]) -> Vec<bool> {
    let n = block.insts.len();
    let tail_sync = block.insts[at..]
        .iter()
        .any(|i| sync_of(block, i) != Sync::None);
    (0..layout.regs.len())
        .map(|r| {
            if r == layout.pc.0 as usize {
                return false;
            }
            let is = |i: &xlat_ir::Inst, op: Opcode| i.op == op && i.imm as usize == r;
            let tail_set = (at..n).find(|&i| is(&block.insts[i], Opcode::Set));
            let end = tail_set.unwrap_or(n);
            let mut dep = vec![false; n];
            if let Some(s) = block.insts[..at].iter().rposition(|i| is(i, Opcode::Set))
                && !ancestors(block, block.insts[s].args[0], &mut dep)
            {
                return false;
            }
            for (i, inst) in block.insts[..end].iter().enumerate() {
                if is(inst, Opcode::Get) || inst.operands().any(|a| dep[a.index()]) {
                    if i >= at {
                        return false;
                    }
                    dep[i] = true;
                }
            }
            match tail_set {
                Some(e) => block.insts[at..e]
                    .iter()
                    .all(|i| sync_of(block, i) == Sync::None),
                None => {
                    !block.terminal().operand().is_some_and(|v| dep[v.index()])
                        && !tail_sync
                        && succs.iter().all(|j| !reads_entry_value(layout, j, r, true))
                }
            }
        })
        .collect()
}

/// Marks in `dep` value `v` and the values it is computed from, up to
/// loads, gets, atomics and helper results; true if it depends on one of
/// those (false: on constants only).
fn ancestors(block: &Block, v: xlat_ir::Value, dep: &mut [bool]) -> bool {
    let mut todo = vec![v];
    let mut opaque = false;
    while let Some(v) = todo.pop() {
        let i = v.index();
        if dep[i] {
            continue;
        }
        dep[i] = true;
        let inst = &block.insts[i];
        match inst.op.shape() {
            Shape::Const => {}
            Shape::Get | Shape::Load | Shape::Rmw | Shape::Cas | Shape::Call => opaque = true,
            _ => todo.extend(inst.operands()),
        }
    }
    opaque
}

/// Per block, the registers it sets (`set` ops; not the PC).
fn set_masks(layout: &StateLayout, blocks: &[&Block], nregs: usize) -> Vec<Vec<bool>> {
    let pc = layout.pc.0 as usize;
    let sets: Vec<Vec<bool>> = blocks
        .iter()
        .map(|bl| {
            let mut s = vec![false; nregs];
            for i in &bl.insts {
                let r = i.imm as usize;
                if i.op == Opcode::Set && r < nregs && r != pc {
                    s[r] = true;
                }
            }
            s
        })
        .collect();
    sets
}

/// Registers possibly dirty on entry to each block: a block leaves with
/// what it sets after its last snapshot, or, without one, what it had on
/// entry plus what it sets; its entry set is the union over its in-region
/// predecessors (`succ`) whose edge carries registers (`carries(from, to)`;
/// the others write everything back). A fixpoint over the region's edges;
/// the entry block starts clean.
fn dirty_at_entry(
    succ: &[Vec<usize>],
    summary: &[Summary],
    carries: impl Fn(usize, usize) -> bool,
) -> Vec<Vec<bool>> {
    let nregs = summary.first().map_or(0, |s| s.sets_after.len());
    let mut din = vec![vec![false; nregs]; succ.len()];
    let mut changed = true;
    while changed {
        changed = false;
        for k in 0..succ.len() {
            let sk = &summary[k];
            let out: Vec<bool> = (0..nregs).map(|r| sk.dirty_out(din[k][r], r)).collect();
            for &j in &succ[k] {
                if !carries(k, j) {
                    continue;
                }
                for r in 0..nregs {
                    if out[r] && !din[j][r] {
                        din[j][r] = true;
                        changed = true;
                    }
                }
            }
        }
    }
    din
}

/// What a block finds in, and does to, the PC field of `env`.
#[derive(Copy, Clone, Debug)]
struct EnvPc {
    /// The PC `env` holds on entry on every path (None: not known).
    entry: Option<u64>,
    /// The block may store a PC before its terminal (it writes a snapshot
    /// or calls a helper that may change the PC).
    stores: bool,
}

/// Per block, the PC `env` holds on entry where every path agrees (a
/// forward fixpoint over the region's edges): the region entry's PC at
/// block 0 from outside (the dispatcher and exits leave it there), the
/// target's PC after a snapshot edge (`snapshot(from, to)`), and after
/// any other edge what the source had on entry unless it stores a PC
/// itself ([`Summary::snapshots`]: every `before_fault` and every helper
/// that writes state is one). A snapshot edge, an exit or a write-back
/// whose PC `env` holds already skips storing it: in a loop whose back
/// edge is a snapshot and whose body writes none (a bytecode
/// interpreter's dispatch and handlers), the PC is stored once at the
/// region entry instead of in every iteration.
fn env_pc_at_entry(
    blocks: &[&Block],
    succ: &[Vec<usize>],
    summary: &[Summary],
    snapshot: impl Fn(usize, usize) -> bool,
) -> Vec<EnvPc> {
    // None: no path seen yet; Some(None): paths disagree.
    let mut at: Vec<Option<Option<u64>>> = vec![None; blocks.len()];
    if let Some(b0) = blocks.first() {
        at[0] = Some(Some(b0.pc));
    }
    let mut changed = true;
    while changed {
        changed = false;
        for k in 0..blocks.len() {
            let Some(pk) = at[k] else { continue };
            let out = if summary[k].snapshots { None } else { pk };
            for &j in &succ[k] {
                let v = if snapshot(k, j) {
                    Some(blocks[j].pc)
                } else {
                    out
                };
                let met = match at[j] {
                    None => Some(v),
                    Some(x) => Some(if x == v { x } else { None }),
                };
                if met != at[j] {
                    at[j] = met;
                    changed = true;
                }
            }
        }
    }
    at.iter()
        .zip(summary)
        .map(|(p, s)| EnvPc {
            entry: p.flatten(),
            stores: s.snapshots,
        })
        .collect()
}

/// A way out of a region that needs no state of the site it leaves from
/// (see [`Fx::shared_exit`]).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum SharedExit {
    /// `exit = Stopped; return` (the state is written back already).
    Stopped,
    /// `helper_fault = 0; [exit = code;] return` after a failed slow path
    /// or helper (which recorded the fault).
    HelperFault(Option<ExitCode>),
}

/// Per block, whether it is the target of an in-region back edge (an edge
/// to a block at or before its source: the edges [`Fx::edge`] checks the
/// stop word on).
fn loop_headers(succ: &[Vec<usize>]) -> Vec<bool> {
    let mut header = vec![false; succ.len()];
    for (k, s) in succ.iter().enumerate() {
        for &j in s {
            if j <= k {
                header[j] = true;
            }
        }
    }
    header
}

/// Most region blocks one computed jump continues at directly.
pub(crate) const MAX_INDIRECT_TARGETS: usize = 16;

/// Candidates from which a computed jump dispatches through a `br_table`
/// rather than a compare chain.
const BR_TABLE_MIN: usize = 4;

/// Per block, the region blocks (indices) its computed jump continues at
/// directly: the hinted targets (`targets[k]`, hottest first) that are
/// blocks of the region and, for a return, the return addresses of the
/// region's calls that are blocks of it; at most [`MAX_INDIRECT_TARGETS`].
/// A wrong hint costs one compare: the jump compares the computed PC.
fn indirect_targets(blocks: &[&Block], targets: &[Vec<u64>]) -> Vec<Vec<usize>> {
    let find = |pc: u64| blocks.iter().position(|bl| bl.pc == pc);
    let returns: Vec<u64> = blocks
        .iter()
        .filter_map(|bl| match bl.terminal() {
            Terminal::Call { ret, .. } => Some(ret),
            _ => None,
        })
        .collect();
    blocks
        .iter()
        .enumerate()
        .map(|(k, bl)| {
            let hinted = targets.get(k).map(Vec::as_slice).unwrap_or_default();
            let cands: Vec<u64> = match bl.terminal() {
                Terminal::JumpIndirect(_) => hinted.to_vec(),
                Terminal::Return(_) => hinted.iter().chain(&returns).copied().collect(),
                _ => Vec::new(),
            };
            let mut out: Vec<usize> = Vec::new();
            for j in cands.into_iter().filter_map(find) {
                if !out.contains(&j) && out.len() < MAX_INDIRECT_TARGETS {
                    out.push(j);
                }
            }
            out
        })
        .collect()
}

/// Per block, its successors inside the region: constant ones and those of
/// its computed jump (`indirect`).
fn region_successors(blocks: &[&Block], indirect: &[Vec<usize>]) -> Vec<Vec<usize>> {
    blocks
        .iter()
        .zip(indirect)
        .map(|(bl, ind)| {
            bl.terminal()
                .successors()
                .filter_map(|s| blocks.iter().position(|b| b.pc == s))
                .chain(ind.iter().copied())
                .collect()
        })
        .collect()
}

/// A hash `(pc >> shift) & (2^bits - 1)` that tells `pcs` apart, with the
/// smallest table (at most 64 entries), if there is one.
fn pc_hash(pcs: &[u64]) -> Option<(u32, u32)> {
    let min_bits = pcs.len().next_power_of_two().trailing_zeros();
    (min_bits..=6).find_map(|bits| {
        (0..=16).find_map(|shift| {
            let mut seen = 0u64;
            for &pc in pcs {
                let bit = 1u64 << ((pc >> shift) & ((1 << bits) - 1));
                if seen & bit != 0 {
                    return None;
                }
                seen |= bit;
            }
            Some((shift, bits))
        })
    })
}

fn cond_cc(c: xlat_ir::Cond) -> IntCC {
    use xlat_ir::Cond::*;
    match c {
        Eq => IntCC::Equal,
        Ne => IntCC::NotEqual,
        Ult => IntCC::UnsignedLessThan,
        Ule => IntCC::UnsignedLessThanOrEqual,
        Ugt => IntCC::UnsignedGreaterThan,
        Uge => IntCC::UnsignedGreaterThanOrEqual,
        Slt => IntCC::SignedLessThan,
        Sle => IntCC::SignedLessThanOrEqual,
        Sgt => IntCC::SignedGreaterThan,
        Sge => IntCC::SignedGreaterThanOrEqual,
    }
}

/// Signature of region functions: `fn(env)` with the tail convention.
pub(crate) fn region_sig(call_conv: cranelift_codegen::isa::CallConv) -> ir::Signature {
    let mut s = ir::Signature::new(call_conv);
    s.params.push(AbiParam::new(types::I64));
    s
}
