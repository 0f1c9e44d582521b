//! The complement of a float compare as one compare.
//!
//! The frontends write a condition that is false when a float compare
//! holds as `xor(fcmp cc x y, 1)` (AArch64's `b.pl` after `fcmp`: not N,
//! and the C flag, both from `fcmp lt`). Cranelift keeps the `xor`: the
//! compare's byte is set, moved, flipped and tested again before the
//! branch (nbody's `fcmp d8, #0.0; b.pl`: `seta; mov; xor; test; jne`).
//! The complement of `cc` with NaNs counted (`lt` → `uge`) is the same
//! bit, and a branch on it is one `ucomisd` and a jump.

use cranelift_codegen::ir::condcodes::CondCode;
use cranelift_codegen::ir::{self, InstBuilder, InstructionData, Opcode as C, ValueDef};
use cranelift_frontend::FunctionBuilder;

/// `fcmp !cc x y` when `v` is `fcmp cc x y` and `one` the constant 1
/// (the operands of an `xor`); None otherwise.
pub(super) fn inverted(b: &mut FunctionBuilder, v: ir::Value, one: ir::Value) -> Option<ir::Value> {
    let dfg = &b.func.dfg;
    if super::dispatch::constant(dfg, one) != Some(1) {
        return None;
    }
    let ValueDef::Result(i, _) = dfg.value_def(v) else {
        return None;
    };
    let InstructionData::FloatCompare {
        opcode: C::Fcmp,
        cond,
        args: [x, y],
    } = dfg.insts[i]
    else {
        return None;
    };
    Some(b.ins().fcmp(cond.complement(), x, y))
}
