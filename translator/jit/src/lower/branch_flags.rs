//! Flag registers that a conditional branch decides.
//!
//! A guest branch tests a flag its block set from a compare (PowerPC
//! `cmpldi r9,0; beq`, `cmpld cr1,..; bge cr1`, AArch64 `cmp; b.eq`): on
//! each of the branch's two edges the outcome of that compare is partly
//! known, and so are the one-byte flag registers set from a compare of
//! the same operands. Defining them there as constants leaves the
//! compare's result with the branch as its only user (fused: `cmp; jcc`),
//! instead of a `setcc` whose byte lives on past the branch (often
//! through a loop's back edge and a spill slot) only for the exits and
//! fault paths that write the register back.
//!
//! Flags are 0 or 1 ([`RegKind::Flag`]), so a branch on a flag's own
//! value, or on that value compared with 0, decides the flag as well.

use super::Fx;
use cranelift_codegen::ir::{InstBuilder, types};
use xlat_ir::eval::eval_int;
use xlat_ir::{Block, Cond, Opcode, RegKind, Shape, StateLayout, Type, Value};

/// The orderings of `a` against `b` (bit 0 less, 1 equal, 2 greater) for
/// which `a cc b` holds, and whether the order is signed (`None` for
/// `Eq`/`Ne`, which hold for the same pairs either way).
fn orderings(cc: Cond) -> (u8, Option<bool>) {
    const L: u8 = 1;
    const E: u8 = 2;
    const G: u8 = 4;
    match cc {
        Cond::Eq => (E, None),
        Cond::Ne => (L | G, None),
        Cond::Ult => (L, Some(false)),
        Cond::Ule => (L | E, Some(false)),
        Cond::Ugt => (G, Some(false)),
        Cond::Uge => (G | E, Some(false)),
        Cond::Slt => (L, Some(true)),
        Cond::Sle => (L | E, Some(true)),
        Cond::Sgt => (G, Some(true)),
        Cond::Sge => (G | E, Some(true)),
    }
}

/// The value of `a c2 b` where `a c1 b` is `holds`, if that decides it;
/// `b_zero`: `b` is 0, so that no unsigned `a` is below it (PowerPC
/// `cmpldi r9,0; beq`: GT holds where EQ does not).
pub(super) fn implied(c1: Cond, holds: bool, c2: Cond, b_zero: bool) -> Option<bool> {
    let (s1, sign1) = orderings(c1);
    let (s2, sign2) = orderings(c2);
    // The orderings still possible.
    let mut s = if holds { s1 } else { 7 & !s1 };
    if b_zero && sign1 != Some(true) && sign2 != Some(true) {
        s &= !1;
    }
    // Orders of different signedness agree on "equal" and "not equal"
    // only.
    if let (Some(x), Some(y)) = (sign1, sign2)
        && x != y
        && s != 2
        && s != 5
    {
        return None;
    }
    if s & s2 == s {
        Some(true)
    } else if s & s2 == 0 {
        Some(false)
    } else {
        None
    }
}

/// The `icmp` defining `v` in `block`: (cond, a, b).
fn icmp_of(block: &Block, v: Value) -> Option<(Cond, Value, Value)> {
    let i = v.is_some().then(|| block.insts.get(v.index())).flatten()?;
    (i.op == Opcode::Icmp)
        .then(|| Cond::from_imm(i.imm).map(|c| (c, i.args[0], i.args[1])))
        .flatten()
}

/// `v` is the constant 0 in `block`.
fn is_zero(block: &Block, v: Value) -> bool {
    block
        .insts
        .get(v.index())
        .is_some_and(|i| i.op.shape() == Shape::Const && i.imm == 0)
}

/// `v` is `icmp eq x, 0`: returns `x`.
fn eq_zero(block: &Block, v: Value) -> Option<Value> {
    let (c, x, z) = icmp_of(block, v)?;
    (c == Cond::Eq && is_zero(block, z)).then_some(x)
}

/// How many ops deep [`Edge::value`] looks for operands it knows.
const DEPTH: u32 = 6;

/// What one edge of a branch on `cond` tells about the values of its
/// block: `cond` is `holds` there, and where `cond` is a compare of `a`
/// and `b`, so is every compare of the same operands that it decides
/// ([`implied`]); where it decides `a == b`, `a - b` is 0 and `a` has
/// `b`'s value (and back). AArch64's SUBS/CMP sets N from `a - b < 0`
/// and V from `(a < b) ^ N`: on the edge of `b.eq` (or the not-taken
/// edge of `b.ne`) all four flags are known (N = 0, Z = 1, C = 1, V = 0),
/// where the compares alone decide only Z and C.
struct Edge<'a> {
    block: &'a Block,
    cond: Value,
    holds: bool,
    /// The compare `cond` is: (cond, a, b), and whether `b` is 0.
    cmp: Option<(Cond, Value, Value, bool)>,
    /// `a == b` on this edge.
    equal: bool,
}

impl<'a> Edge<'a> {
    fn new(block: &'a Block, cond: Value, holds: bool) -> Self {
        let cmp = icmp_of(block, cond).map(|(c, a, b)| (c, a, b, is_zero(block, b)));
        let equal =
            cmp.is_some_and(|(c, _, _, zero)| implied(c, holds, Cond::Eq, zero) == Some(true));
        Edge {
            block,
            cond,
            holds,
            cmp,
            equal,
        }
    }

    /// The value of `v` (zero-extended) on this edge, where the edge's
    /// facts and the constants of the block decide it, looking at most
    /// `depth` ops up for operands.
    fn value(&self, v: Value, depth: u32) -> Option<u128> {
        if v == self.cond {
            return Some(u128::from(self.holds));
        }
        let i = v
            .is_some()
            .then(|| self.block.insts.get(v.index()))
            .flatten()?;
        if !i.ty.is_int() {
            return None;
        }
        if i.op.shape() == Shape::Const {
            return eval_int(Opcode::Zext, i.ty, i.ty, 0, u128::from(i.imm), 0, 0);
        }
        if let Some((c1, a, b, zero)) = self.cmp {
            let pair = (i.args[0], i.args[1]);
            if i.op == Opcode::Icmp && pair == (a, b) {
                let c2 = Cond::from_imm(i.imm)?;
                if let Some(x) = implied(c1, self.holds, c2, zero) {
                    return Some(u128::from(x));
                }
            }
            if self.equal && i.op == Opcode::Sub && (pair == (a, b) || pair == (b, a)) {
                return Some(0);
            }
            if self.equal && depth > 0 && (v == a || v == b) {
                let other = if v == a { b } else { a };
                if let Some(x) = self.value(other, depth - 1) {
                    return Some(x);
                }
            }
        }
        // A pure integer op whose operands are known.
        if depth == 0 || matches!(i.op, Opcode::Get) {
            return None;
        }
        let mut x = [0u128; 3];
        for (k, arg) in i.operands().enumerate() {
            x[k] = self.value(arg, depth - 1)?;
        }
        let aty = i
            .operands()
            .next()
            .and_then(|a| self.block.insts.get(a.index()))
            .map_or(i.ty, |d| d.ty);
        eval_int(i.op, i.ty, aty, i.imm, x[0], x[1], x[2])
    }
}

/// The one-byte flag registers whose value at `block`'s end is decided by
/// its branch on `cond`: (register, value where `cond` holds, value where
/// it does not). A register counts where the block sets it (or reads it)
/// after its last helper call, which may write registers.
pub(super) fn decided(
    layout: &StateLayout,
    block: &Block,
    cond: Value,
) -> Vec<(usize, Option<bool>, Option<bool>)> {
    let start = block
        .insts
        .iter()
        .rposition(|i| i.op.shape() == Shape::Call)
        .map_or(0, |c| c + 1);
    // Each flag register's value at the block's end, where known.
    let mut val: Vec<Option<Value>> = vec![None; layout.regs.len()];
    for (idx, i) in block.insts.iter().enumerate().skip(start) {
        let r = i.imm as usize;
        let flag = |r: usize| {
            layout
                .regs
                .get(r)
                .is_some_and(|ri| ri.kind == RegKind::Flag && ri.ty == Type::I8)
        };
        match i.op {
            Opcode::Set if flag(r) => val[r] = Some(i.args[0]),
            Opcode::Get if flag(r) && val[r].is_none() => {
                val[r] = Some(Value(idx as u32));
            }
            _ => {}
        }
    }
    let zero_of = eq_zero(block, cond);
    let mut out = Vec::new();
    for (r, v) in val.iter().enumerate() {
        let Some(v) = *v else { continue };
        let known = if v == cond {
            (Some(true), Some(false))
        } else if zero_of == Some(v) {
            (Some(false), Some(true))
        } else {
            let on = |holds| {
                let edge = Edge::new(block, cond, holds);
                edge.value(v, DEPTH).map(|x| x != 0)
            };
            (on(true), on(false))
        };
        if known.0.is_some() || known.1.is_some() {
            out.push((r, known.0, known.1));
        }
    }
    out
}

impl Fx<'_, '_> {
    /// On the edge of a branch where its condition is `holds` (the edge's
    /// block current): defines the flag registers the branch decides
    /// (`decided`, from [`decided`]) as constants.
    pub(super) fn branch_flags(
        &mut self,
        decided: &[(usize, Option<bool>, Option<bool>)],
        holds: bool,
    ) {
        for &(r, t, f) in decided {
            let (Some(x), Some(var)) = (if holds { t } else { f }, self.vars[r]) else {
                continue;
            };
            let c = self.b.ins().iconst(types::I8, i64::from(x));
            self.b.def_var(var, c);
            // A sunk value the register was waiting for is this constant.
            self.pending[r] = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `implied` against every pair of orderings of small signed and
    /// unsigned values.
    #[test]
    fn implied_matches_every_pair() {
        // The IR's reference semantics of a compare of two bytes.
        let eval =
            |c: Cond, a: i8, b: i8| c.eval(Type::I8, u128::from(a as u8), u128::from(b as u8));
        let xs = [-1i8, 0, 1, 2, i8::MIN, i8::MAX];
        let mut decided = 0;
        for c1 in Cond::ALL {
            for c2 in Cond::ALL {
                for (holds, b_zero) in [(true, false), (false, false), (true, true), (false, true)]
                {
                    let v = implied(c1, holds, c2, b_zero);
                    decided += usize::from(v.is_some());
                    for a in xs {
                        for b in xs {
                            if eval(c1, a, b) != holds || (b_zero && b != 0) {
                                continue;
                            }
                            if let Some(v) = v {
                                assert_eq!(
                                    eval(c2, a, b),
                                    v,
                                    "{c1:?}={holds} -> {c2:?} at {a},{b}"
                                );
                            }
                        }
                    }
                }
            }
        }
        // Same kind: every pair with a one-ordering outcome is decided.
        assert_eq!(implied(Cond::Eq, true, Cond::Ult, false), Some(false));
        assert_eq!(implied(Cond::Eq, true, Cond::Sge, false), Some(true));
        assert_eq!(implied(Cond::Ugt, true, Cond::Ult, false), Some(false));
        assert_eq!(implied(Cond::Ugt, true, Cond::Eq, false), Some(false));
        assert_eq!(implied(Cond::Ugt, false, Cond::Ugt, false), Some(false));
        assert_eq!(implied(Cond::Uge, false, Cond::Ult, false), Some(true));
        assert_eq!(implied(Cond::Uge, false, Cond::Eq, false), Some(false));
        assert_eq!(implied(Cond::Slt, true, Cond::Ne, false), Some(true));
        assert_eq!(implied(Cond::Ne, false, Cond::Sle, false), Some(true));
        // Unsigned against 0: "not equal" is "greater".
        assert_eq!(implied(Cond::Eq, false, Cond::Ugt, true), Some(true));
        assert_eq!(implied(Cond::Eq, false, Cond::Ult, true), Some(false));
        assert_eq!(implied(Cond::Eq, false, Cond::Sgt, true), None);
        // Mixed kinds decide nothing but through equality.
        assert_eq!(implied(Cond::Slt, true, Cond::Ult, false), None);
        assert_eq!(implied(Cond::Ugt, false, Cond::Sgt, false), None);
        assert!(decided > 60, "{decided}");
    }
}
