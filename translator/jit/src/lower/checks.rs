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

use super::{Fx, Site};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{InstBuilder, types};
use cranelift_frontend::{FunctionBuilder, Variable};
use std::collections::{HashMap, HashSet};
use xlat_ir::{Block, Opcode, Shape, StateLayout, Type};

/// What identifies a value: an op with its immediate and the numbers of
/// its operands, or the entry of a register's generation (its `set`s so
/// far in the block) for a `get`.
#[derive(PartialEq, Eq, Hash)]
enum Key {
    /// A pure op: opcode, result type, immediate, operand numbers.
    Pure(Opcode, Type, u64, [usize; 3]),
    /// `get` of a register (`imm`) after `n` of its `set`s and `c` helper
    /// calls (which may write any register) in the block.
    Get(u64, usize, usize),
}

/// Per op of `block`: the index of the first op that computes the same
/// value and is emitted where it stands (not in `sink`), or the op itself.
/// Pure integer ops (constants, arithmetic but division, compares,
/// selects, extensions, truncations) with equal operands are equal, as are
/// `get`s of one register with no `set` of it and no helper call in
/// between; anything else
/// (loads, helpers, float ops) is its own value.
pub(super) fn same_values(block: &Block, sink: &[bool]) -> Vec<usize> {
    let n = block.insts.len();
    // Value number of each op (the first op with its key), and the
    // representative emitted op of each number.
    let mut num: Vec<usize> = (0..n).collect();
    let mut rep: Vec<Option<usize>> = vec![None; n];
    let mut first: HashMap<Key, usize> = HashMap::new();
    let mut sets: HashMap<u64, usize> = HashMap::new();
    let mut calls = 0;
    let mut out: Vec<usize> = (0..n).collect();
    for (i, inst) in block.insts.iter().enumerate() {
        let pure = pure_int(inst.op) && inst.ty.is_int() && inst.ty.bits() <= 64;
        let key = match inst.op.shape() {
            Shape::Get => Some(Key::Get(
                inst.imm,
                sets.get(&inst.imm).copied().unwrap_or(0),
                calls,
            )),
            Shape::Call => {
                calls += 1;
                None
            }
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

/// Checked bases carried across the blocks of a region: where a register's
/// value was checked on every path since it was last set (in a block that
/// dominates the access, or on each way into a merge), an access off it
/// needs no check. Each such register has a Cranelift variable holding
/// `mem_base +` its value, or [`super::POISON`] where its check took the
/// slow path; the SSA builder merges the variables' definitions at joins
/// and loop heads. The poison argument holds across blocks as it does in
/// one: a value whose check failed makes every later access off it fault
/// on the host and re-run at tier 0 from its snapshot, whichever block
/// the access is in. A value is the register's until the next `set` of
/// it or helper call (a helper may write any register and is followed by
/// a reload), so an address computed from a value loaded after the check
/// is never taken for it.
pub(super) struct Plan {
    /// Per block: the base ops (after [`same_values`]) that are a
    /// register's entry value whose variable holds its checked pointer,
    /// with that register.
    inherited: Vec<Vec<(usize, usize)>>,
    /// Per block: the registers whose variable it defines before its
    /// terminal, and the op (a base of its [`Site`]s, after
    /// [`same_values`]) whose value each register then holds.
    export: Vec<Vec<(usize, usize)>>,
    /// Per register: its variable, for registers some block exports.
    vars: Vec<Option<Variable>>,
    /// Per block: [`super::sinkable`] and [`super::access_sites`], which
    /// the plan needs and the block's lowering takes over.
    pub(super) sink: Vec<Vec<bool>>,
    pub(super) sites: Vec<Vec<Option<Site>>>,
}

/// What [`plan`] needs of one block.
struct Facts {
    /// Per register: set (or possibly written by a helper) in the block.
    kill: Vec<bool>,
    /// Per register: the base op that holds its value at the end of the
    /// block, if that value is the base of one of its accesses.
    gen_at: Vec<Option<usize>>,
    /// Per register: the base op that is its entry value, if one is.
    uses: Vec<Option<usize>>,
}

/// The [`Facts`] of `block`, whose accesses' sites are `sites`, with
/// values numbered by `same`; registers `regs` only.
fn facts(block: &Block, sites: &[Option<Site>], same: &[usize], regs: &[bool]) -> Facts {
    let n = regs.len();
    let bases: HashSet<usize> = sites.iter().flatten().map(|s| s.base).collect();
    let mut kill = vec![false; n];
    // Per register: the op whose value it holds now (the entry `get`
    // while it is not set), if known.
    let mut now: Vec<Option<usize>> = vec![None; n];
    let mut uses = vec![None; n];
    for (i, inst) in block.insts.iter().enumerate() {
        let r = inst.imm as usize;
        match inst.op.shape() {
            Shape::Get if r < n && regs[r] && !kill[r] => {
                let u = same[i];
                now[r] = Some(u);
                if bases.contains(&u) {
                    uses[r] = Some(u);
                }
            }
            Shape::Set if r < n => {
                kill[r] = true;
                now[r] = Some(same[inst.args[0].index()]);
            }
            Shape::Call => {
                kill.iter_mut().for_each(|k| *k = true);
                now.iter_mut().for_each(|v| *v = None);
            }
            _ => {}
        }
    }
    let gen_at = now
        .into_iter()
        .map(|v| v.filter(|u| bases.contains(u)))
        .collect();
    Facts { kill, gen_at, uses }
}

/// The [`Plan`] for `blocks` (entry first, entered from outside only
/// there; in-region successors `succ`) in a world with guard areas of
/// `guard` bytes (none without); only 64-bit registers but the PC.
pub(super) fn plan(
    b: &mut FunctionBuilder,
    layout: &StateLayout,
    blocks: &[&Block],
    succ: &[Vec<usize>],
    guard: u64,
) -> Plan {
    let n = layout.regs.len();
    let nb = blocks.len();
    let regs: Vec<bool> = (0..n)
        .map(|r| layout.regs[r].ty == Type::I64 && r != layout.pc.0 as usize)
        .collect();
    let sink: Vec<Vec<bool>> = blocks
        .iter()
        .map(|bl| super::sinkable(layout, bl))
        .collect();
    let mut sites = Vec::with_capacity(nb);
    let facts: Vec<Facts> = blocks
        .iter()
        .zip(&sink)
        .map(|(bl, sk)| {
            let same = same_values(bl, sk);
            sites.push(super::access_sites(bl, guard, &same));
            facts(bl, &sites[sites.len() - 1], &same, &regs)
        })
        .collect();
    let mut preds = vec![Vec::new(); nb];
    for (k, ss) in succ.iter().enumerate() {
        for &j in ss {
            preds[j].push(k);
        }
    }
    // Blocks the lowering can reach from the entry (a dropped indirect
    // target can leave a cycle of region blocks that nothing enters).
    let mut reached = vec![false; nb];
    let mut work = vec![0];
    while let Some(k) = work.pop() {
        if !std::mem::replace(&mut reached[k], true) {
            work.extend(succ[k].iter().copied());
        }
    }
    // Available on entry (forward, intersection over the predecessors,
    // from "all" down; nothing at the entry and in blocks the entry does
    // not reach).
    let out_of = |k: usize, inn: &[bool]| -> Vec<bool> {
        (0..n)
            .map(|r| facts[k].gen_at[r].is_some() || (inn[r] && !facts[k].kill[r]))
            .collect()
    };
    let mut avail: Vec<Vec<bool>> = (0..nb).map(|k| vec![k != 0 && reached[k]; n]).collect();
    loop {
        let mut changed = false;
        for k in 1..nb {
            if !reached[k] {
                continue;
            }
            let mut inn = regs.clone();
            for &p in &preds[k] {
                let o = out_of(p, &avail[p]);
                inn.iter_mut().zip(o).for_each(|(a, o)| *a &= o);
            }
            if inn != avail[k] {
                avail[k] = inn;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Wanted on exit (backward, union over the successors): an access off
    // the register's entry value in a block it reaches unset.
    let mut want_in: Vec<Vec<bool>> = facts
        .iter()
        .map(|f| f.uses.iter().map(Option::is_some).collect())
        .collect();
    loop {
        let mut changed = false;
        for k in (0..nb).rev() {
            let add: Vec<usize> = (0..n)
                .filter(|&r| !want_in[k][r] && !facts[k].kill[r])
                .filter(|&r| succ[k].iter().any(|&j| want_in[j][r]))
                .collect();
            changed |= !add.is_empty();
            add.into_iter().for_each(|r| want_in[k][r] = true);
        }
        if !changed {
            break;
        }
    }
    let mut vars = vec![None; n];
    let mut export = vec![Vec::new(); nb];
    let mut inherited = vec![Vec::new(); nb];
    for k in 0..nb {
        for r in 0..n {
            if let (Some(u), true) = (facts[k].uses[r], avail[k][r]) {
                inherited[k].push((u, r));
            }
            let wanted = succ[k].iter().any(|&j| want_in[j][r] && avail[j][r]);
            // Defined here unless the variable holds it already.
            let fresh = facts[k].kill[r] || !avail[k][r];
            if let (Some(u), true, true) = (facts[k].gen_at[r], wanted, fresh) {
                export[k].push((r, u));
                vars[r].get_or_insert_with(|| b.declare_var(types::I64));
            }
        }
    }
    Plan {
        inherited,
        export,
        vars,
        sink,
        sites,
    }
}

impl Fx<'_, '_> {
    /// At the start of block `k` (after its sites are known): the
    /// checked pointers it inherits, and the sites whose check a later
    /// block takes ([`Site::shared`]: the join passes the pointer on).
    pub(super) fn checks_at_entry(&mut self, k: usize) {
        for &(u, r) in &self.cross.inherited[k] {
            let var = self.cross.vars[r].expect("exported register");
            self.checked[u] = Some(self.b.use_var(var));
        }
        for &(_, u) in &self.cross.export[k] {
            for s in self.sites.iter_mut().flatten() {
                s.shared |= s.base == u;
            }
        }
    }

    /// Before block `k`'s terminal: defines the variables of the
    /// registers it exports, from the check of their value, or, where no
    /// access checked it (an exact one), from a check here.
    pub(super) fn checks_at_exit(&mut self, k: usize) {
        for (r, u) in self.cross.export[k].clone() {
            let p = match self.checked[u] {
                Some(p) => p,
                None => {
                    let x = match self.vals[u] {
                        Some(x) => x,
                        None => {
                            self.materialize(&[r]);
                            self.b.use_var(self.vars[r].expect("used register"))
                        }
                    };
                    let ok = self.b.ins().icmp(IntCC::UnsignedLessThan, x, self.limit);
                    let p = self.b.ins().iadd(self.base, x);
                    let poison = self.b.ins().iconst(types::I64, super::POISON as i64);
                    self.b.ins().select(ok, p, poison)
                }
            };
            let var = self.cross.vars[r].expect("exported register");
            self.b.def_var(var, p);
        }
    }
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
