//! Constant folding: pure integer ops whose operands are all constants
//! become constants (evaluated by [`crate::eval::eval_int`], the same code
//! the interpreter runs), and a few algebraic identities are applied.

use super::rebuild;
use crate::eval::eval_int;
use crate::{Block, Opcode, Shape, StateLayout, Value};

/// Runs the pass.
pub fn constfold(b: &mut Block, _layout: &StateLayout) {
    let n = b.insts.len();
    let mut keep = vec![true; n];
    let mut alias: Vec<Value> = (0..n as u32).map(Value).collect();
    let konst = |insts: &[crate::Inst], v: Value| -> Option<u128> {
        let i = &insts[v.index()];
        (i.op == Opcode::Const && i.ty.is_int()).then_some(i.imm as u128)
    };
    for i in 0..n {
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
        let args: Vec<Option<u128>> = inst
            .operands()
            .map(|a| konst(&b.insts, alias_of(&alias, a)))
            .collect();
        if args.iter().all(|a| a.is_some()) && inst.args[0].is_some() {
            let g = |k: usize| args.get(k).copied().flatten().unwrap_or(0);
            let aty = b.insts[inst.args[0].index()].ty;
            if let Some(r) = eval_int(inst.op, inst.ty, aty, inst.imm, g(0), g(1), g(2)) {
                b.insts[i] = crate::Inst {
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
        let c1 = args.get(1).copied().flatten();
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
        if let Some(v) = identity {
            alias[i] = alias_of(&alias, v);
            keep[i] = false;
        }
    }
    rebuild(b, &keep, &alias);
}

fn alias_of(alias: &[Value], mut v: Value) -> Value {
    while alias[v.index()] != v {
        v = alias[v.index()];
    }
    v
}
