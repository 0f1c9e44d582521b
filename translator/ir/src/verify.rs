//! The verifier: checks SSA order, operand and result types per op shape,
//! immediates, and the presence of a terminal. Runs after every pass in
//! debug builds.

use crate::{
    Block, Cond, FCond, Inst, Lanes, MemFlags, RmwOp, Shape, StateLayout, Terminal, Type, Value,
};

/// A verifier finding: the instruction index (or `None` for the terminal)
/// and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("IR verify error at {}: {msg}", .at.map(|i| format!("v{i}")).unwrap_or_else(|| "terminal".into()))]
pub struct VerifyError {
    /// Offending instruction.
    pub at: Option<usize>,
    /// Explanation.
    pub msg: String,
}

fn err<T>(at: Option<usize>, msg: impl Into<String>) -> Result<T, VerifyError> {
    Err(VerifyError {
        at,
        msg: msg.into(),
    })
}

/// Checks a block.
pub fn verify(b: &Block, layout: &StateLayout) -> Result<(), VerifyError> {
    for (i, inst) in b.insts.iter().enumerate() {
        verify_inst(b, layout, i, inst)?;
    }
    let Some(term) = b.term else {
        return err(None, "block has no terminal");
    };
    if let Some(v) = term.operand() {
        let want = match term {
            Terminal::Branch { .. } => Type::I8,
            _ => Type::I64,
        };
        if v.index() >= b.insts.len() {
            return err(None, format!("operand {v} undefined"));
        }
        if b.ty(v) != want {
            return err(None, format!("operand {v} is {}, want {want}", b.ty(v)));
        }
    }
    Ok(())
}

fn verify_inst(b: &Block, layout: &StateLayout, i: usize, inst: &Inst) -> Result<(), VerifyError> {
    let at = Some(i);
    let shape = inst.op.shape();
    let nargs = nargs(shape, inst);
    for (k, a) in inst.args.iter().enumerate() {
        if k < nargs {
            if !a.is_some() || a.index() >= i {
                return err(at, format!("operand {k} ({a}) not defined before use"));
            }
            if b.ty(*a) == Type::Void {
                return err(at, format!("operand {k} ({a}) has no value"));
            }
        } else if a.is_some() {
            return err(at, format!("unexpected operand {k}"));
        }
    }
    let ty = inst.ty;
    let t = |k: usize| b.ty(inst.args[k]);
    let same = |k: usize| -> Result<(), VerifyError> {
        if t(k) != ty {
            return err(at, format!("operand {k} is {}, result is {ty}", t(k)));
        }
        Ok(())
    };
    let want = |c: bool, m: &str| -> Result<(), VerifyError> {
        if c { Ok(()) } else { err(at, m.to_string()) }
    };
    match shape {
        Shape::Const => want(ty != Type::Void && ty != Type::I128, "bad const type")?,
        Shape::Get => {
            let r = reg(layout, inst.imm, at)?;
            want(ty == r, "get type differs from register type")?;
        }
        Shape::Set => {
            let r = reg(layout, inst.imm, at)?;
            want(
                ty == Type::Void && t(0) == r,
                "set type differs from register type",
            )?;
        }
        Shape::Marker | Shape::Fence => want(ty == Type::Void, "marker has a result")?,
        Shape::Bin | Shape::Un => {
            want(ty.is_int(), "integer op on non-integer")?;
            for k in 0..nargs {
                same(k)?;
            }
        }
        Shape::Cmp => {
            want(Cond::from_imm(inst.imm).is_some(), "bad condition")?;
            want(
                ty == Type::I8 && t(0).is_int() && t(0) == t(1),
                "bad cmp types",
            )?;
        }
        Shape::Select => {
            want(t(0) == Type::I8, "select condition must be i8")?;
            same(1)?;
            same(2)?;
        }
        Shape::Extend => want(
            ty.is_int() && t(0).is_int() && t(0).bits() <= ty.bits(),
            "extension must widen an integer",
        )?,
        Shape::Narrow => want(
            ty.is_int() && t(0).is_int() && t(0).bits() >= ty.bits(),
            "truncation must narrow an integer",
        )?,
        Shape::Bitcast => want(
            ty.bits() == t(0).bits() && ty != Type::Void,
            "bitcast must keep the width",
        )?,
        Shape::FBin | Shape::FUn | Shape::FTer => {
            want(ty.is_float(), "float op on non-float")?;
            if inst.op == crate::Opcode::Fnan {
                want(crate::NanRule::from_imm(inst.imm).is_some(), "bad NaN rule")?;
            }
            if inst.op == crate::Opcode::Fround {
                want(inst.imm < 5, "bad rounding")?;
            }
            for k in 0..nargs {
                same(k)?;
            }
        }
        Shape::FCmp => {
            want(FCond::from_imm(inst.imm).is_some(), "bad float condition")?;
            want(
                ty == Type::I8 && t(0).is_float() && t(0) == t(1),
                "bad fcmp types",
            )?;
        }
        Shape::FConv => want(ty.is_float() && t(0).is_float(), "fcvt needs floats")?,
        Shape::IntToF => want(
            ty.is_float() && t(0).is_int() && t(0) != Type::I128,
            "bad int-to-float",
        )?,
        Shape::FToInt => want(
            t(0).is_float() && ty.is_int() && ty != Type::I128,
            "bad float-to-int",
        )?,
        Shape::Load | Shape::Store | Shape::Rmw | Shape::Cas => {
            let f = MemFlags::from_imm(inst.imm);
            want(t(0) == Type::I64, "address must be i64")?;
            want(matches!(f.size, 1 | 2 | 4 | 8 | 16), "bad access size")?;
            let vt = if shape == Shape::Store { t(1) } else { ty };
            want(
                vt != Type::Void && f.size as u32 <= vt.bytes(),
                "access wider than value",
            )?;
            want(!f.signed || vt.is_int(), "sign extension of a non-integer")?;
            if shape == Shape::Rmw {
                want(RmwOp::from_imm(inst.imm).is_some(), "bad rmw op")?;
                want(
                    ty.is_int() && ty.bits() <= 64,
                    "rmw needs an integer up to 64 bits",
                )?;
                same(1)?;
            }
            if shape == Shape::Cas {
                want(ty.is_int(), "cas needs an integer")?;
                same(1)?;
                same(2)?;
            }
        }
        Shape::Call => {
            want(b.helpers.get(inst.imm as usize).is_some(), "unknown helper")?;
            for k in 0..nargs {
                want(t(k) == Type::I64, "helper arguments must be i64")?;
            }
            want(
                ty == Type::Void || ty == Type::I64,
                "helper result must be i64 or void",
            )?;
        }
        Shape::VBin | Shape::VUn => {
            want(ty == Type::V128, "vector op result must be v128")?;
            for k in 0..nargs {
                same(k)?;
            }
        }
        Shape::VSplat => want(ty == Type::V128 && t(0).is_int(), "splat of non-integer")?,
        Shape::VExtract | Shape::VInsert => {
            let l = Lanes::from_imm(inst.imm);
            want((inst.imm >> 8) < l.count() as u64, "lane out of range")?;
            want(t(0) == Type::V128, "lane op on non-vector")?;
            if shape == Shape::VExtract {
                want(
                    ty == Type::int(l.lane_bits()),
                    "extract type differs from lane",
                )?;
            } else {
                want(
                    ty == Type::V128 && t(1) == Type::int(l.lane_bits()),
                    "insert type differs from lane",
                )?;
            }
        }
    }
    Ok(())
}

fn reg(layout: &StateLayout, imm: u64, at: Option<usize>) -> Result<Type, VerifyError> {
    match layout.regs.get(imm as usize) {
        Some(r) => Ok(r.ty),
        None => err(at, format!("unknown register {imm}")),
    }
}

/// Number of operands an instruction of this shape takes.
pub fn nargs(shape: Shape, inst: &Inst) -> usize {
    match shape {
        Shape::Const | Shape::Get | Shape::Marker | Shape::Fence => 0,
        Shape::Set
        | Shape::Un
        | Shape::Extend
        | Shape::Narrow
        | Shape::Bitcast
        | Shape::FUn
        | Shape::FConv
        | Shape::IntToF
        | Shape::FToInt
        | Shape::Load
        | Shape::VUn
        | Shape::VSplat
        | Shape::VExtract => 1,
        Shape::Bin
        | Shape::Cmp
        | Shape::FBin
        | Shape::FCmp
        | Shape::Store
        | Shape::Rmw
        | Shape::VBin
        | Shape::VInsert => 2,
        Shape::Select | Shape::FTer | Shape::Cas => 3,
        Shape::Call => inst.args.iter().take_while(|a| a.is_some()).count(),
    }
}

/// Convenience for tests: true if `v` is a valid operand index of `b`.
pub fn defined(b: &Block, v: Value) -> bool {
    v.index() < b.insts.len()
}
