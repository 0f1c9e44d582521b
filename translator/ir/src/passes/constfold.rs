//! Constant-folding marks (see [`super::constfold`]).

use super::Scratch;
use crate::eval::eval_int;
use crate::{Block, Cond, Inst, Opcode, Shape, StateLayout, Value};

/// Replaces foldable instructions by constants in place and marks
/// identities as aliases of their operand.
pub(super) fn mark(b: &mut Block, _layout: &StateLayout, s: &mut Scratch) {
    let konst = |insts: &[Inst], v: Value| -> Option<u128> {
        let i = &insts[v.index()];
        (i.op == Opcode::Const && i.ty.is_int()).then_some(i.imm as u128)
    };
    for i in 0..b.insts.len() {
        if !s.keep[i] {
            continue;
        }
        let inst = b.insts[i];
        if !inst.ty.is_int() || inst.ty.bits() > 64 {
            continue;
        }
        let shape = inst.op.shape();
        if !matches!(
            shape,
            Shape::Bin | Shape::Un | Shape::Cmp | Shape::Select | Shape::Extend | Shape::Narrow
        ) {
            continue;
        }
        // Operands (at most three), resolved, and whether each is constant.
        let mut args = [None; 3];
        let mut nargs = 0;
        for a in inst.operands() {
            args[nargs] = konst(&b.insts, s.resolve(a));
            nargs += 1;
        }
        if args[..nargs].iter().all(|a| a.is_some()) && inst.args[0].is_some() {
            let g = |k: usize| args[k].unwrap_or(0);
            let aty = b.insts[inst.args[0].index()].ty;
            if let Some(r) = eval_int(inst.op, inst.ty, aty, inst.imm, g(0), g(1), g(2)) {
                b.insts[i] = Inst {
                    op: Opcode::Const,
                    ty: inst.ty,
                    args: [Value::NONE; 3],
                    imm: r as u64,
                };
                continue;
            }
        }
        // Results fixed by one operand alone, or by equal operands
        // (`cmp x1, #0` computes V from `x1 ^ x1`).
        if let Some(r) = absorbed(&b.insts, &inst, args, s) {
            b.insts[i] = Inst {
                op: Opcode::Const,
                ty: inst.ty,
                args: [Value::NONE; 3],
                imm: r & inst.ty.mask(),
            };
            continue;
        }
        // Identities with one constant operand.
        let a0 = inst.args[0];
        let c1 = args[1];
        let identity = match (inst.op, c1) {
            (Opcode::Add | Opcode::Sub | Opcode::Or | Opcode::Xor, Some(0)) => Some(a0),
            (Opcode::Shl | Opcode::Lshr | Opcode::Ashr | Opcode::Rotr | Opcode::Rotl, Some(0)) => {
                Some(a0)
            }
            (Opcode::Mul | Opcode::Udiv | Opcode::Sdiv, Some(1)) => Some(a0),
            (Opcode::And, Some(m)) if m as u64 & inst.ty.mask() == inst.ty.mask() => Some(a0),
            (Opcode::Select, _) => match args[0] {
                Some(c) if c & 0xff != 0 => Some(inst.args[1]),
                Some(_) => Some(inst.args[2]),
                None => None,
            },
            (Opcode::Zext | Opcode::Sext | Opcode::Trunc, _)
                if b.insts[a0.index()].ty == inst.ty =>
            {
                Some(a0)
            }
            _ => None,
        };
        // The same identities with the constant first (`mov w1, w2` is
        // `orr w1, wzr, w2`).
        let identity = identity.or_else(|| match (inst.op, args[0]) {
            (Opcode::Add | Opcode::Or | Opcode::Xor, Some(0)) | (Opcode::Mul, Some(1)) => {
                Some(inst.args[1])
            }
            (Opcode::And, Some(m)) if m as u64 & inst.ty.mask() == inst.ty.mask() => {
                Some(inst.args[1])
            }
            // trunc(zext/sext(x)) back to x's own type (a 32-bit guest
            // result zero-extended into its register and read again).
            (Opcode::Trunc, _) => {
                let src = b.insts[s.resolve(a0).index()];
                if matches!(src.op, Opcode::Zext | Opcode::Sext) {
                    let x = s.resolve(src.args[0]);
                    (b.insts[x.index()].ty == inst.ty).then_some(x)
                } else {
                    None
                }
            }
            _ => None,
        });
        if let Some(v) = identity {
            s.alias[i] = s.resolve(v);
            s.keep[i] = false;
        }
    }
}

/// The constant result of `inst` when one constant operand or two equal
/// operands decide it whatever the other is: `x & 0`, `x * 0`, `x | -1`,
/// `x ^ x`, `x - x`, unsigned `x >= 0` and `x < 0`, `x == x` and the like.
/// Two operands are the same value when they resolve to one instruction or
/// to two equal pure integer ops of the same operands (`cmp x1, #0`
/// computes `x1 < 0` twice, for N and for V).
fn absorbed(insts: &[Inst], inst: &Inst, args: [Option<u128>; 3], s: &Scratch) -> Option<u64> {
    let all = inst.ty.mask();
    let is = |k: usize, v: u64| args[k].is_some_and(|a| a as u64 & all == v);
    let either = |v: u64| is(0, v) || is(1, v);
    let same = inst.args[1].is_some() && {
        let (x, y) = (s.resolve(inst.args[0]), s.resolve(inst.args[1]));
        same_value(insts, s, x, y, 1)
    };
    match inst.op {
        Opcode::And | Opcode::Mul if either(0) => Some(0),
        Opcode::Or if either(all) => Some(all),
        Opcode::Xor | Opcode::Sub if same => Some(0),
        Opcode::Icmp => {
            let c = Cond::from_imm(inst.imm)?;
            match c {
                Cond::Eq | Cond::Ule | Cond::Uge | Cond::Sle | Cond::Sge if same => Some(1),
                Cond::Ne | Cond::Ult | Cond::Ugt | Cond::Slt | Cond::Sgt if same => Some(0),
                Cond::Uge if args[1] == Some(0) => Some(1),
                Cond::Ult if args[1] == Some(0) => Some(0),
                Cond::Ule if args[0] == Some(0) => Some(1),
                Cond::Ugt if args[0] == Some(0) => Some(0),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `x` and `y` (resolved) certainly hold the same value: one instruction,
/// equal constants, or (`depth` levels down) equal pure integer ops of
/// operands that are the same.
fn same_value(insts: &[Inst], s: &Scratch, x: Value, y: Value, depth: u32) -> bool {
    let (ix, iy) = (&insts[x.index()], &insts[y.index()]);
    if x == y || (ix.op == Opcode::Const && iy.op == Opcode::Const && ix == iy) {
        return true;
    }
    let pure = matches!(
        ix.op.shape(),
        Shape::Bin | Shape::Un | Shape::Cmp | Shape::Extend | Shape::Narrow
    );
    depth > 0
        && pure
        && (ix.op, ix.ty, ix.imm) == (iy.op, iy.ty, iy.imm)
        && ix.args.iter().zip(&iy.args).all(|(&a, &b)| {
            a.is_some() == b.is_some()
                && (!a.is_some() || same_value(insts, s, s.resolve(a), s.resolve(b), depth - 1))
        })
}
