//! Loads of a value the region loaded just before.
//!
//! GCC's PowerPC switch loads the opcode byte twice: the dispatch block
//! `lbzx r8, r31, r9; ...; cmplwi r8, 12; bgt` and, on its fall-through,
//! the table block `lbzx r9, r31, r9` of the same address (`interp`'s
//! `run`, once per bytecode). Each block is translated alone, so the IR has
//! two loads; Cranelift cannot merge them (each has its own bounds check,
//! slow path and join), and the second one cost a check, a spill reload
//! and the load.
//!
//! [`plan`] numbers the values of a block together with those of its only
//! in-region predecessor (the region is entered only at its first block, so
//! that predecessor runs right before it on every way in): a `get` of a
//! register is the value the predecessor left in it, equal pure integer ops
//! of equal operands are one value. A plain integer load (not atomic, not
//! ordered, not a [`super::vector_load`]) of the same address, size,
//! extension and type as an earlier one, with no store, read-modify-write,
//! fence or helper call in between, takes the earlier load's value: a
//! variable the predecessor defines after its load, or the value itself in
//! the same block.
//!
//! Only the memory access goes: the snapshot rules around the op are those
//! of the load it replaces. Another thread may have stored to the address
//! between the two loads; the guest's plain loads are not ordered with
//! each other (Power and Arm alike), so seeing the earlier value is one of
//! the executions the guest allows. Guest memory is RAM in user mode; a
//! world with device memory would have to keep its accesses out of this.

use cranelift_codegen::ir;
use cranelift_frontend::{FunctionBuilder, Variable};
use std::collections::{HashMap, HashSet};
use xlat_ir::{Block, MemFlags, Opcode, Ordering, Shape, StateLayout, Type};

/// Where a load takes its value from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Source {
    /// An earlier op of the same block.
    Same(usize),
    /// Op `op` of the block's only predecessor `block`, lowered earlier,
    /// which defines `var` after it.
    Pred {
        /// The predecessor's index in the region.
        block: usize,
        /// The load's op index there.
        op: usize,
        /// The variable holding its value.
        var: Variable,
    },
}

/// The forwarded loads of a region.
pub(super) struct Plan {
    /// Per block: its loads that take an earlier load's value.
    from: Vec<HashMap<usize, Source>>,
    /// Per block: its loads whose value a successor takes, with the
    /// variable to define.
    defs: Vec<HashMap<usize, Variable>>,
    /// Per block: the [`Self::defs`] lowered with a value (a load the
    /// lowering defers, such as a switch table's word, has none).
    defined: Vec<HashSet<usize>>,
}

impl Plan {
    /// The earlier load whose value op `i` of block `k` takes, if any.
    pub(super) fn source(&self, k: usize, i: usize) -> Option<Source> {
        let s = *self.from.get(k)?.get(&i)?;
        match s {
            Source::Pred { block, op, .. } if !self.defined[block].contains(&op) => None,
            _ => Some(s),
        }
    }

    /// The variable op `i` of block `k` defines for a successor, if any.
    pub(super) fn def(&self, k: usize, i: usize) -> Option<Variable> {
        self.defs.get(k)?.get(&i).copied()
    }

    /// Records that op `i` of block `k` defined its variable.
    pub(super) fn note_defined(&mut self, k: usize, i: usize) {
        self.defined[k].insert(i);
    }
}

/// What identifies a value while numbering.
#[derive(PartialEq, Eq, Hash)]
enum Key {
    /// A register's value before the first block numbered (or after a
    /// helper call: `epoch` counts them), by register and type.
    Entry(u64, Type, usize),
    /// A pure op: opcode, type, immediate and operand numbers.
    Pure(Opcode, Type, u64, [usize; 3]),
}

/// The numbering of one walk (a predecessor, then its successor).
#[derive(Default)]
struct Walk {
    keys: HashMap<Key, usize>,
    next: usize,
    /// Per register: the number of the value it holds now.
    regs: HashMap<u64, usize>,
    /// Helper calls so far (a helper may write any register).
    epoch: usize,
    /// Loads whose value is still in memory: (address number, flags,
    /// type) to (block, op, number of the value).
    avail: HashMap<(usize, u64, Type), (usize, usize, usize)>,
}

impl Walk {
    fn fresh(&mut self) -> usize {
        self.next += 1;
        self.next
    }

    fn intern(&mut self, key: Key) -> usize {
        if let Some(&n) = self.keys.get(&key) {
            return n;
        }
        let n = self.fresh();
        self.keys.insert(key, n);
        n
    }

    /// Numbers block `bi`'s ops; with `record`, returns its loads that
    /// take an earlier load's value (op, then block and op of the source).
    fn block(
        &mut self,
        layout: &StateLayout,
        block: &Block,
        bi: usize,
        record: bool,
    ) -> Vec<(usize, usize, usize)> {
        let pc = u64::from(layout.pc.0);
        let mut nums = vec![0usize; block.insts.len()];
        let mut found = Vec::new();
        for (i, inst) in block.insts.iter().enumerate() {
            let num = |a: usize| nums[a];
            nums[i] = match inst.op.shape() {
                Shape::Get if inst.imm == pc => self.fresh(),
                Shape::Get => match self.regs.get(&inst.imm) {
                    Some(&n) => n,
                    None => {
                        let n = self.intern(Key::Entry(inst.imm, inst.ty, self.epoch));
                        self.regs.insert(inst.imm, n);
                        n
                    }
                },
                Shape::Set => {
                    let n = num(inst.args[0].index());
                    self.regs.insert(inst.imm, n);
                    0
                }
                Shape::Call => {
                    self.regs.clear();
                    self.epoch += 1;
                    self.avail.clear();
                    self.fresh()
                }
                Shape::Store | Shape::Rmw | Shape::Cas | Shape::Fence => {
                    self.avail.clear();
                    self.fresh()
                }
                Shape::Load if plain(block, i) => {
                    let key = (num(inst.args[0].index()), inst.imm, inst.ty);
                    match self.avail.get(&key) {
                        Some(&(sb, so, n)) => {
                            if record {
                                found.push((i, sb, so));
                            }
                            n
                        }
                        None => {
                            let n = self.fresh();
                            self.avail.insert(key, (bi, i, n));
                            n
                        }
                    }
                }
                // An atomic or ordered load: later loads may not take
                // values from before it.
                Shape::Load => {
                    self.avail.clear();
                    self.fresh()
                }
                _ if super::checks::pure_int(inst.op)
                    && inst.ty.is_int()
                    && inst.ty.bits() <= 64 =>
                {
                    let mut args = [0usize; 3];
                    for (k, a) in inst.operands().enumerate() {
                        args[k] = num(a.index());
                    }
                    self.intern(Key::Pure(inst.op, inst.ty, inst.imm, args))
                }
                _ => self.fresh(),
            };
        }
        found
    }
}

/// Whether op `i` of `block` is a load [`plan`] may forward: a plain
/// (not atomic, not ordered) integer load of at most 8 bytes that is not
/// loaded straight into a vector register.
fn plain(block: &Block, i: usize) -> bool {
    let inst = &block.insts[i];
    let f = MemFlags::from_imm(inst.imm);
    inst.op == Opcode::Load
        && !f.atomic
        && f.order == Ordering::Relaxed
        && f.size <= 8
        && inst.ty.is_int()
        && inst.ty.bits() <= 64
        && super::vector_load(block, i).is_none()
}

/// The [`Plan`] for `blocks` (entry first, entered from outside only
/// there; in-region successors `succ`).
pub(super) fn plan(
    b: &mut FunctionBuilder,
    layout: &StateLayout,
    blocks: &[&Block],
    succ: &[Vec<usize>],
) -> Plan {
    let nb = blocks.len();
    let mut preds = vec![Vec::new(); nb];
    for (k, ss) in succ.iter().enumerate() {
        for &j in ss {
            if !preds[j].contains(&k) {
                preds[j].push(k);
            }
        }
    }
    let mut plan = Plan {
        from: vec![HashMap::new(); nb],
        defs: vec![HashMap::new(); nb],
        defined: vec![HashSet::new(); nb],
    };
    for k in 0..nb {
        let mut w = Walk::default();
        // The only predecessor, lowered before it (blocks are lowered in
        // order, so its variable is defined by then).
        let pred = match preds[k].as_slice() {
            &[p] if k != 0 && p < k => Some(p),
            _ => None,
        };
        if let Some(p) = pred {
            w.block(layout, blocks[p], p, false);
        }
        for (j, sb, so) in w.block(layout, blocks[k], k, true) {
            let src = if sb == k {
                Source::Same(so)
            } else {
                let var = *plan.defs[sb]
                    .entry(so)
                    .or_insert_with(|| b.declare_var(super::clif_ty(blocks[sb].insts[so].ty)));
                Source::Pred {
                    block: sb,
                    op: so,
                    var,
                }
            };
            plan.from[k].insert(j, src);
        }
    }
    plan
}

impl super::Fx<'_, '_> {
    /// The value load `i` of block `k` takes from an earlier load, if the
    /// plan forwards one to it and that load was lowered with a value.
    pub(super) fn forwarded_load(&mut self, k: usize, i: usize) -> Option<ir::Value> {
        match self.fwd.source(k, i)? {
            Source::Same(j) => self.vals[j],
            Source::Pred { var, .. } => Some(self.b.use_var(var)),
        }
    }

    /// After op `i` of block `k`: defines the variable a successor takes
    /// its value from, if it has one.
    pub(super) fn forward_def(&mut self, k: usize, i: usize) {
        if let (Some(var), Some(v)) = (self.fwd.def(k, i), self.vals[i]) {
            self.b.def_var(var, v);
            self.fwd.note_defined(k, i);
        }
    }
}
