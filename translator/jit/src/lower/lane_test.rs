//! Whole-vector tests: every bit set, no bit set.
//!
//! PowerPC's record-form vector compares (`vcmpequb.`, `vcmpequh.`, ...)
//! set CR6.LT when the compare holds in every element and CR6.EQ when it
//! holds in none; glibc's POWER string routines branch on them (`strspn`'s
//! `vcmpequh.; blt cr6`, `strnlen`'s `vcmpequb.; bne cr6`). The frontend
//! writes them on the result's two doublewords: `icmp eq (and hi lo), -1`
//! and `icmp eq (or hi lo), 0`. Lowered as written, that is two lane moves
//! (`vmovq`, `vpextrq`), an `and` or `or` and a compare, before the
//! branch. [`lane_test`] recognises the pattern; [`emit`] tests the whole
//! vector instead: `vall_true(icmp eq v, ones)` (all bits set) and
//! `vany_true(v) == 0` (none), which the x86-64 backend lowers to `pxor` /
//! `ptest` and a `jz`/`jnz` (where `v` is itself an `icmp eq a, b` of
//! lanes, `pxor a, b; ptest`). Both hold for any vector, not only for the
//! lane masks a compare makes.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, InstructionData, Opcode as C, ValueDef, types};
use cranelift_frontend::FunctionBuilder;
use xlat_ir::{Block, Cond, Lanes, Opcode, Shape, Value};

/// When `inst` is `icmp eq (and x y) -1` or `icmp eq (or x y) 0` (either
/// operand order) of 64-bit values, `x` and `y` being the two doubleword
/// lanes of one vector (`vextract.i64x2` lanes 0 and 1): that vector, and
/// whether the test is "every bit set" (`true`) or "no bit set".
pub(super) fn lane_test(block: &Block, inst: &xlat_ir::Inst) -> Option<(Value, bool)> {
    if inst.op != Opcode::Icmp || Cond::from_imm(inst.imm) != Some(Cond::Eq) {
        return None;
    }
    let def = |v: Value| &block.insts[v.index()];
    let konst = |v: Value| (def(v).op.shape() == Shape::Const).then(|| def(v).imm);
    let (x, c) = match (konst(inst.args[0]), konst(inst.args[1])) {
        (None, Some(c)) => (def(inst.args[0]), c),
        (Some(c), None) => (def(inst.args[1]), c),
        _ => return None,
    };
    let all = match (x.op, c) {
        (Opcode::And, u64::MAX) => true,
        (Opcode::Or, 0) => false,
        _ => return None,
    };
    if x.ty != xlat_ir::Type::I64 {
        return None;
    }
    let lane = |v: Value| {
        let e = def(v);
        (e.op == Opcode::Vextract && Lanes::from_imm(e.imm) == Lanes::I64x2)
            .then(|| (e.args[0], (e.imm >> 8) % 2))
    };
    let (a, la) = lane(x.args[0])?;
    let (b, lb) = lane(x.args[1])?;
    (a == b && la != lb).then_some((a, all))
}

/// The test of [`lane_test`] on `v` (the vector, as `I8X16`): 1 when every
/// bit is set (`all`) or no bit is (`!all`), else 0, as an `i8`.
pub(super) fn emit(b: &mut FunctionBuilder, v: ir::Value, all: bool) -> ir::Value {
    if !all {
        let any = b.ins().vany_true(v);
        return b.ins().icmp_imm_u(IntCC::Equal, any, 0);
    }
    if let Some(eq) = lane_equality(&b.func.dfg, v) {
        return b.ins().vall_true(eq);
    }
    let ones = b.func.dfg.constants.insert(vec![0xffu8; 16].into());
    let ones = b.ins().vconst(types::I8X16, ones);
    let eq = b.ins().icmp(IntCC::Equal, v, ones);
    b.ins().vall_true(eq)
}

/// `icmp eq a b` (of any lane type) when `v` is that compare, or that
/// compare seen as bytes: every bit of `v` is set exactly when every lane
/// of it is true.
fn lane_equality(dfg: &ir::DataFlowGraph, v: ir::Value) -> Option<ir::Value> {
    let def = |v: ir::Value| match dfg.value_def(v) {
        ValueDef::Result(i, _) => Some(dfg.insts[i]),
        _ => None,
    };
    let v = match def(v)? {
        InstructionData::LoadNoOffset {
            opcode: C::Bitcast,
            arg,
            ..
        } => arg,
        _ => v,
    };
    matches!(
        def(v)?,
        InstructionData::IntCompare {
            opcode: C::Icmp,
            cond: IntCC::Equal,
            ..
        }
    )
    .then_some(v)
}
