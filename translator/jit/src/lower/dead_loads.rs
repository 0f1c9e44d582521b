//! Loads whose value nothing needs.
//!
//! Region entry loads every register whose entry value may be observed
//! (`observed_at_entry` in `lower.rs`), and a helper that writes state is
//! followed by a reload of every register the region uses. Some of those
//! values end up unused: a `get` whose value only fed lanes that a later
//! permute drops (glibc's `strspn`: `mtvrd` keeps the other doubleword of
//! the VR, which `xxmrghd` then discards), or a variable whose only uses
//! are block parameters that nothing reads. Cranelift keeps such loads:
//! its egraph drops only loads marked read-only, which these are not
//! (snapshots write the same offsets), and instruction selection emits
//! every load whether its value is used or not. `strspn`'s region, entered
//! once per call, loaded eight vector registers and three general ones
//! this way.
//!
//! [`drop_unused_loads`] finds the values the function needs (operands of
//! any instruction, and the arguments passed to a needed block parameter,
//! a fixpoint over the block calls) and turns every load that cannot trap
//! (`notrap`: `env` accesses, never guest memory) whose value is not
//! needed into a zero constant of its type. The constant feeds at most
//! block parameters nothing reads; it has no side effect and costs
//! nothing where the parameter goes away.

use cranelift_codegen::entity::SecondaryMap;
use cranelift_codegen::ir::{
    self, BlockArg, InstBuilder, InstructionData, Opcode, ValueDef, types,
};

/// Replaces every `notrap` load of `func` whose value no instruction
/// needs by a zero constant.
pub(super) fn drop_unused_loads(func: &mut ir::Function) {
    let needed = needed_values(func);
    let dead: Vec<(ir::Inst, ir::Type)> = func
        .layout
        .blocks()
        .flat_map(|bl| func.layout.block_insts(bl))
        .filter_map(|inst| {
            let InstructionData::Load {
                opcode: Opcode::Load,
                flags,
                ..
            } = func.dfg.insts[inst]
            else {
                return None;
            };
            let v = func.dfg.first_result(inst);
            (func.dfg.mem_flags[flags].notrap() && !needed[v])
                .then(|| (inst, func.dfg.value_type(v)))
        })
        .collect();
    for (inst, ty) in dead {
        let zero16 = (ty.is_vector() && ty.bytes() == 16)
            .then(|| func.dfg.constants.insert(vec![0u8; 16].into()));
        let r = func.replace(inst);
        match (ty, zero16) {
            (types::I8 | types::I16 | types::I32 | types::I64, _) => {
                r.iconst(ty, 0);
            }
            (types::F32, _) => {
                r.f32const(0.0);
            }
            (types::F64, _) => {
                r.f64const(0.0);
            }
            (_, Some(c)) => {
                r.vconst(ty, c);
            }
            _ => {}
        }
    }
}

/// Per value of `func`: whether the function needs it: an operand of
/// an instruction with a side effect (a store, a call, a branch's
/// condition, a load that may trap, ...), of a pure instruction whose
/// result it needs, or passed to a block parameter it needs. A pure
/// instruction whose value nothing needs is one Cranelift's egraph drops,
/// so what it reads is not needed either.
fn needed_values(func: &ir::Function) -> SecondaryMap<ir::Value, bool> {
    let dfg = &func.dfg;
    let mut needed: SecondaryMap<ir::Value, bool> = SecondaryMap::new();
    // Per block parameter: the values passed to it.
    let mut incoming: SecondaryMap<ir::Value, Vec<ir::Value>> = SecondaryMap::new();
    let mut work = Vec::new();
    for bl in func.layout.blocks() {
        for inst in func.layout.block_insts(bl) {
            if has_effect(dfg, inst) {
                work.extend(dfg.inst_args(inst).iter().map(|&a| dfg.resolve_aliases(a)));
            }
            let dests = dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables);
            for call in dests {
                let params = dfg.block_params(call.block(&dfg.value_lists));
                for (&p, a) in params.iter().zip(call.args(&dfg.value_lists)) {
                    if let BlockArg::Value(a) = a {
                        incoming[p].push(dfg.resolve_aliases(a));
                    }
                }
            }
        }
    }
    while let Some(v) = work.pop() {
        if needed[v] {
            continue;
        }
        needed[v] = true;
        match dfg.value_def(v) {
            ValueDef::Param(..) => work.append(&mut incoming[v]),
            ValueDef::Result(i, _) => {
                work.extend(dfg.inst_args(i).iter().map(|&a| dfg.resolve_aliases(a)));
            }
            ValueDef::Union(a, b) => work.extend([a, b]),
        }
    }
    needed
}

/// Whether `inst` must stay whatever uses its results: anything but a
/// pure op or a load that cannot trap.
fn has_effect(dfg: &ir::DataFlowGraph, inst: ir::Inst) -> bool {
    let op = dfg.insts[inst].opcode();
    if let InstructionData::Load { flags, .. } = dfg.insts[inst] {
        return !dfg.mem_flags[flags].notrap();
    }
    op.is_call()
        || op.is_branch()
        || op.is_terminator()
        || op.is_return()
        || op.can_trap()
        || op.can_store()
        || op.can_load()
        || op.other_side_effects()
}
