//! The key a computed jump inside a region is matched on.
//!
//! A switch's table jump computes its target as `base + (index << k)`
//! (AArch64: `adr x5, table; add x3, x5, w3, sxtb #2`). Matching `index`
//! against `(pc - base) >> k` for each region target instead of the
//! target against `pc` leaves out the shift and the add on the way to the
//! `br_table` (the miss path still computes the target). A match on the
//! index implies the target's: `index == (pc - base) >> k` with
//! `pc - base` a multiple of `2^k` gives `base + (index << k) == pc`; the
//! converse may fail only for indices that differ in bits the shift drops,
//! which then miss and leave through the jump cache, as any target not in
//! the region does.

use cranelift_codegen::ir::{self, InstructionData, Opcode as C, ValueDef, types};

/// The constant `v` is, if it is one.
pub(super) fn constant(dfg: &ir::DataFlowGraph, v: ir::Value) -> Option<i64> {
    let ValueDef::Result(inst, _) = dfg.value_def(v) else {
        return None;
    };
    match dfg.insts[inst] {
        InstructionData::UnaryImm {
            opcode: C::Iconst,
            imm,
        } => Some(imm.bits()),
        _ => None,
    }
}

/// `v` as `x op c` for a binary `op` with a constant operand `c` (on
/// either side if `commutes`).
fn with_constant(
    dfg: &ir::DataFlowGraph,
    v: ir::Value,
    op: C,
    commutes: bool,
) -> Option<(ir::Value, i64)> {
    let ValueDef::Result(inst, _) = dfg.value_def(v) else {
        return None;
    };
    match dfg.insts[inst] {
        InstructionData::Binary { opcode, args } if opcode == op => {
            if let Some(c) = constant(dfg, args[1]) {
                Some((args[0], c))
            } else if commutes {
                constant(dfg, args[0]).map(|c| (args[1], c))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// For a 64-bit `target` computed as `base + (index << k)` (`k` < 64) and
/// region target PCs `pcs` all at multiples of `2^k` from `base`: the
/// index and the value it has for each PC. `None` otherwise (match the
/// target itself).
pub(super) fn table_key(
    dfg: &ir::DataFlowGraph,
    target: ir::Value,
    pcs: &[u64],
) -> Option<(ir::Value, Vec<u64>)> {
    if dfg.value_type(target) != types::I64 {
        return None;
    }
    let (scaled, base) = with_constant(dfg, target, C::Iadd, true)?;
    let (index, k) = with_constant(dfg, scaled, C::Ishl, false)
        .filter(|&(x, k)| (0..64).contains(&k) && dfg.value_type(x) == types::I64)
        .unwrap_or((scaled, 0));
    let keys: Option<Vec<u64>> = pcs
        .iter()
        .map(|&pc| {
            let off = pc.wrapping_sub(base as u64);
            (off.trailing_zeros() >= k as u32).then(|| ((off as i64) >> k) as u64)
        })
        .collect();
    keys.map(|keys| (index, keys))
}

/// For a key that is the 64-bit extension of an 8-bit value `x` (the
/// byte a switch's table load read, `ldrb` + `sxtb`): `x`, and whether the
/// extension is signed. The key's 256 possible values differ in their
/// low byte, so a 256-entry `br_table` on `x` reaches each region target
/// with no compare after it (and no hash: `movzx` of the byte).
pub(super) fn byte_key(dfg: &ir::DataFlowGraph, key: ir::Value) -> Option<(ir::Value, bool)> {
    let ValueDef::Result(inst, _) = dfg.value_def(key) else {
        return None;
    };
    match dfg.insts[inst] {
        InstructionData::Unary { opcode, arg }
            if matches!(opcode, C::Sextend | C::Uextend)
                && dfg.value_type(arg) == types::I8
                && dfg.value_type(key) == types::I64 =>
        {
            Some((arg, opcode == C::Sextend))
        }
        _ => None,
    }
}

/// The slot of each key in a 256-entry table on the byte a [`byte_key`]
/// extends (`signed` as it says): its low byte, or `None` for a key no
/// byte extends to (it is never matched).
pub(super) fn byte_slots(keys: &[u64], signed: bool) -> Vec<Option<usize>> {
    keys.iter()
        .map(|&k| {
            let fits = if signed {
                (-128..=127).contains(&(k as i64))
            } else {
                k <= 0xff
            };
            fits.then_some((k & 0xff) as usize)
        })
        .collect()
}

/// The length of a `br_table` whose slot `s` is `slot_of[s]` (`None`: the
/// miss): up to the last slot that is not a miss. The slots after it are
/// the table's default (its clamp), so they cost no entry and no edge of
/// their own (each entry is an edge, which regalloc may give a block of
/// moves: 256 of them for a byte's table).
pub(super) fn table_len(slot_of: &[Option<usize>]) -> usize {
    slot_of
        .iter()
        .rposition(Option::is_some)
        .map_or(0, |s| s + 1)
}
