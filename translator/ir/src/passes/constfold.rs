//! Constant-folding marks (see [`super::constfold`]).

use super::Scratch;
use crate::eval::eval_int;
use crate::{Block, Inst, Opcode, Shape, StateLayout, Value};

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
            _ => None,
        });
        if let Some(v) = identity {
            s.alias[i] = s.resolve(v);
            s.keep[i] = false;
        }
    }
}
