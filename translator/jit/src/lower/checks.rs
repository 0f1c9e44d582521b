//! Which accesses share a bounds check: equal base values inside a block.
//!
//! An access `r + imm` in a world with guard areas checks only `r`, once
//! per base value in a block ([`super::access_sites`]). The frontends and
//! passes may compute one address twice as two IR values (AArch64's
//! `add x5, x19, x3; ldrb w3, [x19, x3]; ldr w1, [x5, #4]`: `x19 + x3`
//! once for `x5` and once for the register-offset load); these are one
//! runtime value, so the second needs no check of its own.
//! [`same_values`] numbers the block's values so that equal computations
//! get one representative.

use std::collections::HashMap;
use xlat_ir::{Block, Opcode, Shape, Type};

/// What identifies a value: an op with its immediate and the numbers of
/// its operands, or the entry of a register's generation (its `set`s so
/// far in the block) for a `get`.
#[derive(PartialEq, Eq, Hash)]
enum Key {
    /// A pure op: opcode, result type, immediate, operand numbers.
    Pure(Opcode, Type, u64, [usize; 3]),
    /// `get` of a register (`imm`) after `n` of its `set`s in the block.
    Get(u64, usize),
}

/// Per op of `block`: the index of the first op that computes the same
/// value and is emitted where it stands (not in `sink`), or the op itself.
/// Pure integer ops (constants, arithmetic but division, compares,
/// selects, extensions, truncations) with equal operands are equal, as are
/// `get`s of one register with no `set` of it in between; anything else
/// (loads, helpers, float ops) is its own value.
pub(super) fn same_values(block: &Block, sink: &[bool]) -> Vec<usize> {
    let n = block.insts.len();
    // Value number of each op (the first op with its key), and the
    // representative emitted op of each number.
    let mut num: Vec<usize> = (0..n).collect();
    let mut rep: Vec<Option<usize>> = vec![None; n];
    let mut first: HashMap<Key, usize> = HashMap::new();
    let mut sets: HashMap<u64, usize> = HashMap::new();
    let mut out: Vec<usize> = (0..n).collect();
    for (i, inst) in block.insts.iter().enumerate() {
        let pure = pure_int(inst.op) && inst.ty.is_int() && inst.ty.bits() <= 64;
        let key = match inst.op.shape() {
            Shape::Get => Some(Key::Get(
                inst.imm,
                sets.get(&inst.imm).copied().unwrap_or(0),
            )),
            Shape::Set => {
                *sets.entry(inst.imm).or_insert(0) += 1;
                None
            }
            _ if pure => {
                let mut args = [usize::MAX; 3];
                for (k, a) in inst.operands().enumerate() {
                    args[k] = num[a.index()];
                }
                Some(Key::Pure(inst.op, inst.ty, inst.imm, args))
            }
            _ => None,
        };
        if let Some(key) = key {
            num[i] = *first.entry(key).or_insert(i);
        }
        let r = &mut rep[num[i]];
        if r.is_none() && !sink.get(i).copied().unwrap_or(false) {
            *r = Some(i);
        }
        out[i] = r.unwrap_or(i);
    }
    out
}

/// Whether `op` is a pure integer op: a constant, arithmetic but
/// division, a compare, a select, an extension or a truncation.
pub(super) fn pure_int(op: Opcode) -> bool {
    match op.shape() {
        Shape::Const => true,
        Shape::Bin => !matches!(
            op,
            Opcode::Udiv | Opcode::Sdiv | Opcode::Urem | Opcode::Srem
        ),
        Shape::Un | Shape::Cmp | Shape::Select | Shape::Extend | Shape::Narrow => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xlat_ir::{Builder, MemFlags, Terminal};

    fn layout() -> &'static xlat_ir::StateLayout {
        &crate::tests::LAYOUT
    }

    #[test]
    fn equal_sums_share_a_number_and_sets_split_gets() {
        let reg = |k: u16| xlat_ir::Reg(k);
        let mut b = Builder::new(layout(), 0x1000);
        b.insn_start(0x1000);
        let x = b.get(reg(0));
        let y = b.get(reg(1));
        let s1 = b.add(x, y);
        let y2 = b.get(reg(1));
        let s2 = b.add(x, y2);
        let v = b.load(Type::I64, s2, MemFlags::new(8));
        b.set(reg(1), v);
        let y3 = b.get(reg(1));
        let s3 = b.add(x, y3);
        let w = b.load(Type::I64, s1, MemFlags::new(8));
        b.store(s3, w, MemFlags::new(8));
        b.terminate(Terminal::Exit(0x2000));
        let blk = b.finish();
        let none = vec![false; blk.insts.len()];
        let same = same_values(&blk, &none);
        assert_eq!(same[y2.index()], y.index(), "get with no set between");
        assert_eq!(same[s2.index()], s1.index(), "equal sums");
        assert_ne!(same[y3.index()], y.index(), "get after a set");
        assert_eq!(same[s3.index()], s3.index(), "sum of the new value");
        // A sunk first copy is not a representative: the second is.
        let mut sunk = none.clone();
        sunk[s1.index()] = true;
        let same = same_values(&blk, &sunk);
        assert_eq!(same[s2.index()], s2.index());
        assert_eq!(same[s1.index()], s1.index());
    }
}
