//! Lazily written NZCV: which snapshot edges of a region may leave the
//! flags in `env` as the operands of the compare that set them
//! ([`xlat_ir::abi::LazyFlags`]) instead of four computed bytes.
//!
//! A snapshot is read only when compiled code returns (`Retry` above all:
//! the dispatcher re-runs from it at tier 0); the entry function then
//! computes the bytes (`runtime::materialize_flags`). An edge writes the
//! record instead of the bytes when
//! - its source's flags, on every path through the region, were last set
//!   by one recognized subtraction (SUBS/CMP without carry in:
//!   [`flag_write`]) whose operands the lowering keeps in variables
//!   ([`lazy_in_out`]), and
//! - its target sets all four flags before any helper call and before its
//!   terminal ([`sets_flags_first`]): no exit to another region, no helper
//!   can read the record before real bytes replace it, so only a return to
//!   the dispatcher (a retry, a fault, the stop word) can observe it.
//!
//! The flags of an AArch64 FCMP (the IR's `fcmp lt`, `eq`, `uno` of two
//! floats: [`fcmp_flags`]) are recorded the same way, and also by a
//! snapshot inside a block ([`Fx::lazy_snapshot`]: a store's, before the
//! block sets all four flags again): nbody's `fcmp d8, #0.0; b.pl` leaves
//! the flags that only its next iteration's `stp` snapshot writes, which
//! then stores the double instead of four computed bytes, and nothing
//! computes the bytes on the loop's path.

use super::{Fx, trusted};
use cranelift_codegen::ir::{InstBuilder, types};
use cranelift_frontend::{FunctionBuilder, Variable};
use std::collections::HashMap;
use std::mem::offset_of;
use xlat_ir::abi::{
    LAZY_CMPS32, LAZY_CMPS64, LAZY_CMPU32, LAZY_CMPU64, LAZY_FCMP32, LAZY_FCMP64, LAZY_POISON,
    LAZY_SUB32, LAZY_SUB64, LazyFlags,
};
use xlat_ir::{Block, Cond, CpuHeader, FCond, Opcode, RegKind, Shape, StateLayout, Type, Value};

/// The one-byte flag registers `names` of `layout`, when it has them all
/// at consecutive offsets.
fn consecutive_flags(layout: &StateLayout, names: &[&str]) -> Option<Vec<usize>> {
    let mut out = Vec::with_capacity(names.len());
    let mut at = None;
    for name in names {
        let r = layout.by_name(name)?;
        let ri = layout.info(r);
        let next = at.map_or(ri.offset, |o: u32| o + 1);
        if ri.kind != RegKind::Flag || ri.ty != Type::I8 || ri.offset != next {
            return None;
        }
        at = Some(ri.offset);
        out.push(r.0 as usize);
    }
    Some(out)
}

/// How a layout's lazily written flags are computed from a compare's
/// operands.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(super) enum Family {
    /// AArch64 N, Z, C, V of a subtraction ([`sub_flags`]).
    Sub,
    /// PowerPC CR0's LT, GT, EQ of a signed or unsigned compare
    /// ([`cmp_flags`]); CR0.SO is written as a byte as before.
    Cmp,
}

/// The flag registers of `layout` that a record may stand for, in state
/// order (each byte holds [`LAZY_POISON`] while a record stands for it),
/// and their family:
/// one-byte flags at consecutive offsets named `nf`, `zf`, `cf`, `vf`
/// (AArch64) or `cr0.lt`, `cr0.gt`, `cr0.eq` (PowerPC).
pub(super) fn flag_group(layout: &StateLayout) -> Option<(Vec<usize>, Family)> {
    consecutive_flags(layout, &["nf", "zf", "cf", "vf"])
        .map(|f| (f, Family::Sub))
        .or_else(|| {
            consecutive_flags(layout, &["cr0.lt", "cr0.gt", "cr0.eq"]).map(|f| (f, Family::Cmp))
        })
}

/// Added to a float compare's record kind (in the plan, never in a
/// record): its second operand is the constant +0.0 (`fcmp d8, #0.0`),
/// written as a constant instead of kept in a variable.
const ZERO_B: u64 = 1 << 8;

/// The record kind of plan kind `kind` (without [`ZERO_B`]).
fn record_kind(kind: u64) -> u64 {
    kind & 0xff
}

/// Whether plan kind `kind` is a float compare's.
fn float_kind(kind: u64) -> bool {
    matches!(record_kind(kind), LAZY_FCMP32 | LAZY_FCMP64)
}

/// Index of the first of the two operand variables of plan kind `kind`
/// ([`LazyFx::vars`]: 32-bit, 64-bit integers, singles, doubles).
fn var_off(kind: u64) -> usize {
    match record_kind(kind) {
        LAZY_SUB64 | LAZY_CMPS64 | LAZY_CMPU64 => 2,
        LAZY_FCMP32 => 4,
        LAZY_FCMP64 => 6,
        _ => 0,
    }
}

/// The flags of a compare of `a` and `b` set by a block: the last `set` of
/// the group is op `at`; `kind` the record's (which also says the width).
#[derive(Copy, Clone, Debug)]
pub(super) struct LazySrc {
    pub at: usize,
    pub a: Value,
    pub b: Value,
    pub kind: u64,
}

/// What a block does to NZCV.
#[derive(Copy, Clone, Debug)]
pub(super) enum FlagWrite {
    /// Neither sets a flag nor calls a helper (which may reload them).
    Keeps,
    /// Its last flag writes are the flags of one subtraction.
    Sub(LazySrc),
    /// Anything else.
    Other,
}

/// Which of the flags `f` op `i` sets (0 = N), if it sets one.
fn set_flag(i: &xlat_ir::Inst, f: &[usize]) -> Option<usize> {
    (i.op == Opcode::Set)
        .then(|| f.iter().position(|&r| r == i.imm as usize))
        .flatten()
}

/// The op defining `v`, if `v` is the result of an op.
fn def(block: &Block, v: Value) -> Option<&xlat_ir::Inst> {
    v.is_some().then(|| block.insts.get(v.index())).flatten()
}

/// `v` is `icmp cond x, y`: returns (x, y).
fn icmp(block: &Block, v: Value, cond: Cond) -> Option<(Value, Value)> {
    let i = def(block, v)?;
    (i.op == Opcode::Icmp && Cond::from_imm(i.imm) == Some(cond)).then_some((i.args[0], i.args[1]))
}

/// Whether `v` is an integer the lowering always has a host value for
/// (emitted, or sunk and re-emitted on demand).
fn int_value(block: &Block, v: Value) -> bool {
    def(block, v).is_some_and(|i| {
        matches!(
            i.op.shape(),
            Shape::Const
                | Shape::Get
                | Shape::Load
                | Shape::Bin
                | Shape::Un
                | Shape::Cmp
                | Shape::Select
                | Shape::Narrow
                | Shape::Extend
        ) && matches!(i.ty, Type::I32 | Type::I64)
    })
}

/// Classifies what `block` does to the flags `f` of family `fam`
/// ([`sub_flags`], [`cmp_flags`]).
pub(super) fn flag_write(block: &Block, f: &[usize], fam: Family) -> FlagWrite {
    let mut last = vec![None; f.len()];
    let mut call = None;
    for (idx, i) in block.insts.iter().enumerate() {
        if i.op.shape() == Shape::Call {
            call = Some(idx);
        }
        if let Some(q) = set_flag(i, f) {
            last[q] = Some(idx);
        }
    }
    if last.iter().all(Option::is_none) {
        return if call.is_some() {
            FlagWrite::Other
        } else {
            FlagWrite::Keeps
        };
    }
    let Some(last) = last.iter().copied().collect::<Option<Vec<usize>>>() else {
        return FlagWrite::Other;
    };
    let first = *last.iter().min().expect("a set per flag");
    let at = *last.iter().max().expect("a set per flag");
    if call.is_some_and(|c| c > first) {
        return FlagWrite::Other;
    }
    let val = |q: usize| block.insts[last[q]].args[0];
    let src = match fam {
        Family::Sub => sub_flags(block, [val(0), val(1), val(2), val(3)])
            .or_else(|| fcmp_flags(block, [val(0), val(1), val(2), val(3)])),
        Family::Cmp => cmp_flags(block, [val(0), val(1), val(2)]),
    };
    src.map_or(FlagWrite::Other, |(a, b, kind)| {
        FlagWrite::Sub(LazySrc { at, a, b, kind })
    })
}

/// Whether `lt`, `gt`, `eq` (the values set to a PowerPC CR field's LT,
/// GT, EQ) are one compare of `a` and `b`, signed (`slt`, `sgt`) or
/// unsigned (`ult`, `ugt`), as the frontend's `cmp`/`cmpl` and record
/// forms make them: returns (a, b, record kind).
fn cmp_flags(block: &Block, [lt, gt, eq]: [Value; 3]) -> Option<(Value, Value, u64)> {
    let (a, b) = icmp(block, eq, Cond::Eq)?;
    let signed = if icmp(block, lt, Cond::Slt) == Some((a, b)) {
        true
    } else if icmp(block, lt, Cond::Ult) == Some((a, b)) {
        false
    } else {
        return None;
    };
    let g = if signed { Cond::Sgt } else { Cond::Ugt };
    if icmp(block, gt, g)? != (a, b) {
        return None;
    }
    let ty = block.ty(a);
    if block.ty(b) != ty || !int_value(block, a) || !int_value(block, b) {
        return None;
    }
    let kind = match (signed, ty == Type::I64) {
        (true, false) => LAZY_CMPS32,
        (false, false) => LAZY_CMPU32,
        (true, true) => LAZY_CMPS64,
        (false, true) => LAZY_CMPU64,
    };
    Some((a, b, kind))
}

/// Whether `nzcv` (the values set to N, Z, C, V) are the flags of one
/// subtraction `a - b`, the frontend's form of SUBS/CMP (AArch64
/// `add_with_carry` without carry in): `N = (a - b) < 0`, `Z = a == b`,
/// `C = a >= b` (unsigned), `V = (a < b) ^ N` (signed). Returns (a, b,
/// record kind).
fn sub_flags(block: &Block, nzcv: [Value; 4]) -> Option<(Value, Value, u64)> {
    let [n, z, c, v] = nzcv;
    let (a, b) = icmp(block, z, Cond::Eq)?;
    if icmp(block, c, Cond::Uge)? != (a, b) {
        return None;
    }
    let (d, zero) = icmp(block, n, Cond::Slt)?;
    let di = def(block, d)?;
    if di.op != Opcode::Sub || (di.args[0], di.args[1]) != (a, b) {
        return None;
    }
    let zi = def(block, zero)?;
    if zi.op.shape() != Shape::Const || zi.imm != 0 {
        return None;
    }
    let vi = def(block, v)?;
    if vi.op != Opcode::Xor || vi.args[1] != n || icmp(block, vi.args[0], Cond::Slt)? != (a, b) {
        return None;
    }
    let ty = block.ty(a);
    if block.ty(b) != ty || !int_value(block, a) || !int_value(block, b) {
        return None;
    }
    Some((
        a,
        b,
        if ty == Type::I64 {
            LAZY_SUB64
        } else {
            LAZY_SUB32
        },
    ))
}

/// `v` is `fcmp cond x, y`: returns (x, y).
fn fcmp(block: &Block, v: Value, cond: FCond) -> Option<(Value, Value)> {
    let i = def(block, v)?;
    (i.op == Opcode::Fcmp && FCond::from_imm(i.imm) == Some(cond)).then_some((i.args[0], i.args[1]))
}

/// Whether `nzcv` (the values set to N, Z, C, V) are the flags of one
/// AArch64 FCMP of `a` and `b`, as the frontend makes them: `N = fcmp lt
/// a b`, `Z = fcmp eq a b`, `C = N ^ 1`, `V = fcmp uno a b` (both F32 or
/// both F64). Returns (a, b, plan kind: [`LAZY_FCMP32`] or
/// [`LAZY_FCMP64`], with [`ZERO_B`] when `b` is the constant +0.0).
/// Both operands have host values where the flags are set: the compares
/// read them.
fn fcmp_flags(block: &Block, [n, z, c, v]: [Value; 4]) -> Option<(Value, Value, u64)> {
    let (a, b) = fcmp(block, n, FCond::Lt)?;
    if fcmp(block, z, FCond::Eq)? != (a, b) || fcmp(block, v, FCond::Uno)? != (a, b) {
        return None;
    }
    let ci = def(block, c)?;
    let one = def(block, ci.args[1])?;
    if ci.op != Opcode::Xor || ci.args[0] != n || one.op.shape() != Shape::Const || one.imm != 1 {
        return None;
    }
    let ty = block.ty(a);
    let kind = match ty {
        Type::F32 => LAZY_FCMP32,
        Type::F64 => LAZY_FCMP64,
        _ => return None,
    };
    if block.ty(b) != ty {
        return None;
    }
    let zero = def(block, b).is_some_and(|i| i.op.shape() == Shape::Const && i.imm == 0);
    Some((a, b, if zero { kind | ZERO_B } else { kind }))
}

/// Per block, the record kind (operation and width) of the compare whose
/// flags the group holds at its end on every path from the region entry
/// (`Some(kind)`), or `None` (unknown, another source, or paths that
/// disagree): a forward fixpoint over the region's edges `succ`; the
/// entry block is also entered from outside, with unknown flags.
/// Also returns, first, the same per block at its entry (the record kind
/// of the flags it finds on every path, `None` if unknown).
#[allow(clippy::type_complexity)]
fn lazy_in_out(writes: &[FlagWrite], succ: &[Vec<usize>]) -> (Vec<Option<u64>>, Vec<Option<u64>>) {
    // Lattice per block entry: unvisited (None), Some(None) unknown,
    // Some(Some(k)) a compare of record kind k.
    let n = writes.len();
    let mut inn: Vec<Option<Option<u64>>> = vec![None; n];
    if n > 0 {
        inn[0] = Some(None);
    }
    let out_of = |w: &FlagWrite, i: Option<Option<u64>>| -> Option<Option<u64>> {
        match w {
            FlagWrite::Keeps => i,
            FlagWrite::Sub(s) => Some(Some(s.kind)),
            FlagWrite::Other => Some(None),
        }
    };
    let mut changed = true;
    while changed {
        changed = false;
        for k in 0..n {
            let Some(out) = out_of(&writes[k], inn[k]) else {
                continue;
            };
            for &j in &succ[k] {
                let met = match inn[j] {
                    None => out,
                    Some(cur) if cur == out => cur,
                    Some(_) => None,
                };
                if inn[j] != Some(met) {
                    inn[j] = Some(met);
                    changed = true;
                }
            }
        }
    }
    let out = (0..n)
        .map(|k| out_of(&writes[k], inn[k]).flatten())
        .collect();
    (inn.into_iter().map(Option::flatten).collect(), out)
}

/// Whether `block` sets all the flags `f` before any helper call and
/// before its terminal.
pub(super) fn sets_flags_first(block: &Block, f: &[usize]) -> bool {
    sets_flags_from(block, f, 0)
}

/// Whether `block`'s ops before `end` neither set one of the flags `f`
/// nor call a helper (which may reload them).
fn keeps_before(block: &Block, f: &[usize], end: usize) -> bool {
    block.insts[..end.min(block.insts.len())]
        .iter()
        .all(|i| i.op.shape() != Shape::Call && set_flag(i, f).is_none())
}

/// Whether `block`'s ops from `from` on set all the flags `f` before any
/// helper call and before its terminal.
fn sets_flags_from(block: &Block, f: &[usize], from: usize) -> bool {
    let mut seen = vec![false; f.len()];
    for i in block.insts.iter().skip(from) {
        if i.op.shape() == Shape::Call {
            return false;
        }
        if let Some(q) = set_flag(i, f) {
            seen[q] = true;
            if seen.iter().all(|&s| s) {
                return true;
            }
        }
    }
    false
}

/// The lowering's part: the flag registers, the operand variables and
/// the per-block plan of a region that has lazy edges.
pub(super) struct LazyFx {
    /// The group ([`flag_group`]): N, Z, C, V or CR0's LT, GT, EQ.
    f: Vec<usize>,
    /// Operands of the last recognized compare: `a`, `b` of 32 bits,
    /// of 64 bits, singles, doubles ([`var_off`]).
    vars: [Variable; 8],
    /// Per block: the compare whose flags it leaves ([`flag_write`]).
    src: Vec<Option<LazySrc>>,
    /// Per block: at its end ([`lazy_in_out`]).
    out: Vec<Option<u64>>,
    /// Per block: at its entry ([`lazy_in_out`]).
    inn: Vec<Option<u64>>,
    /// Per block: [`sets_flags_first`].
    target: Vec<bool>,
}

/// Plans the lazy edges of a region (`None` if it can have none: no
/// snapshots, no N, Z, C, V used by it, or no edge qualifies); declares
/// the operand variables and defines them (as 0) where `b` stands, the
/// region's entry block.
pub(super) fn plan(
    b: &mut FunctionBuilder,
    layout: &StateLayout,
    blocks: &[&Block],
    succ: &[Vec<usize>],
    used: &[bool],
    faulty: bool,
) -> Option<LazyFx> {
    let (f, fam) = flag_group(layout).filter(|(f, _)| faulty && f.iter().all(|&r| used[r]))?;
    let writes: Vec<FlagWrite> = blocks.iter().map(|bl| flag_write(bl, &f, fam)).collect();
    let (inn, out) = lazy_in_out(&writes, succ);
    let target: Vec<bool> = blocks.iter().map(|bl| sets_flags_first(bl, &f)).collect();
    let any = (0..blocks.len()).any(|k| {
        (out[k].is_some() && succ[k].iter().any(|&j| target[j]))
            || [inn[k], out[k]].into_iter().flatten().any(float_kind)
    });
    if !any {
        return None;
    }
    let vars = [
        types::I32,
        types::I32,
        types::I64,
        types::I64,
        types::F32,
        types::F32,
        types::F64,
        types::F64,
    ]
    .map(|t| {
        let v = b.declare_var(t);
        let z = match t {
            types::F32 => b.ins().f32const(0.0),
            types::F64 => b.ins().f64const(0.0),
            _ => b.ins().iconst(t, 0),
        };
        b.def_var(v, z);
        v
    });
    let src = writes
        .iter()
        .map(|w| match w {
            FlagWrite::Sub(s) => Some(*s),
            _ => None,
        })
        .collect();
    Some(LazyFx {
        f,
        vars,
        src,
        out,
        inn,
        target,
    })
}

impl Fx<'_, '_> {
    /// After op `i` of block `k`: if it is the last flag write of the
    /// block's subtraction, keeps its operands in the variables.
    pub(super) fn lazy_def(&mut self, k: usize, i: usize) {
        let Some(s) = self
            .lazy
            .as_ref()
            .and_then(|l| l.src[k])
            .filter(|s| s.at == i)
        else {
            return;
        };
        let vars = self.lazy.as_ref().expect("planned").vars;
        let off = var_off(s.kind);
        let mut memo = HashMap::new();
        for (q, v) in [s.a, s.b].into_iter().enumerate() {
            if q == 1 && s.kind & ZERO_B != 0 {
                break;
            }
            let x = v.index();
            let hv = if self.sink[x] {
                self.remat(x, &mut memo)
            } else {
                // `int_value`: every such op has a host value; a float
                // compare's operands were read by the compares.
                self.vals[x].expect("compare operand lowered")
            };
            self.b.def_var(vars[off + q], hv);
        }
    }

    /// On the snapshot edge from block `from` to block `j`: writes the
    /// group (NZCV, CR0's LT GT EQ) as a
    /// [`LazyFlags`](xlat_ir::abi::LazyFlags) record instead of its bytes
    /// where the plan allows it and all of them are dirty (then no
    /// longer).
    pub(super) fn lazy_edge(&mut self, from: usize, j: usize) {
        let Some(l) = self.lazy.as_ref() else {
            return;
        };
        let (Some(kind), true) = (l.out[from], l.target[j]) else {
            return;
        };
        self.lazy_record(kind);
    }

    /// Before the snapshot of a memory access at op `i` of block `k`:
    /// writes the group as a record of a float compare (dirty, so far
    /// its bytes) where the block finds or has set them by a recognized
    /// FCMP and its ops from `i` on set all four again before any helper
    /// call and its terminal: no exit to another region, no helper reads
    /// `env`'s flags before the block's own set replaces the record.
    pub(super) fn lazy_snapshot(&mut self, k: usize, i: usize) {
        let Some(l) = self.lazy.as_ref() else {
            return;
        };
        let f = &l.f;
        if f.iter().any(|&r| self.pending[r].is_some()) {
            return;
        }
        let block = self.blocks[k];
        let kind = match l.src[k] {
            Some(s) if s.at < i => Some(s.kind),
            // No flag set and no helper call before `i`: what it found.
            _ if keeps_before(block, f, i) => l.inn[k],
            _ => None,
        };
        let Some(kind) = kind.filter(|&kd| float_kind(kd)) else {
            return;
        };
        if !sets_flags_from(block, f, i) {
            return;
        }
        self.lazy_record(kind);
    }

    /// Writes the group as a record of the compare of plan kind `kind`
    /// whose operands the variables hold, where all of its flags are
    /// dirty (then no longer).
    fn lazy_record(&mut self, kind: u64) {
        let l = self.lazy.as_ref().expect("planned");
        let (f, vars) = (l.f.clone(), l.vars);
        if !f.iter().all(|&r| self.dirty[r]) {
            return;
        }
        let off = var_off(kind);
        let base = offset_of!(CpuHeader, lazy) as i32;
        let a = self.b.use_var(vars[off]);
        let b = if kind & ZERO_B != 0 {
            self.b.ins().iconst(types::I64, 0)
        } else {
            self.b.use_var(vars[off + 1])
        };
        self.b.ins().store(
            trusted(),
            a,
            self.env,
            base + offset_of!(LazyFlags, a) as i32,
        );
        self.b.ins().store(
            trusted(),
            b,
            self.env,
            base + offset_of!(LazyFlags, b) as i32,
        );
        let nf = self.layout.regs[f[0]].offset;
        let desc = self
            .b
            .ins()
            .iconst(types::I64, (record_kind(kind) | u64::from(nf) << 16) as i64);
        self.b.ins().store(
            trusted(),
            desc,
            self.env,
            base + offset_of!(LazyFlags, desc) as i32,
        );
        // Every byte of the group holds the poison: a later write of some
        // of them (an edge that skips the others, a snapshot between the
        // target's flag sets) replaces only those, and the return
        // computes only the bytes still poisoned.
        let poison = u64::from(LAZY_POISON) * 0x0101_0101;
        let mut at = 0;
        for (ty, n) in [(types::I32, 4), (types::I16, 2), (types::I8, 1)] {
            while f.len() - at >= n {
                let p = self
                    .b
                    .ins()
                    .iconst(ty, (poison & (u64::MAX >> (64 - ty.bits()))) as i64);
                self.b
                    .ins()
                    .store(trusted(), p, self.env, (nf + at as u32) as i32);
                at += n;
            }
        }
        for r in f {
            self.dirty[r] = false;
        }
    }
}
