//! Optimisation passes over a block. Each pass marks replacements and dead
//! instructions, then [`rebuild`] compacts the block. [`optimize`] runs the
//! standard pipeline and, in debug builds, the verifier after every pass.

mod constfold;
mod deadflag;
mod getset;

pub use constfold::constfold;
pub use deadflag::dead_flags;
pub use getset::getset;

use crate::{Block, OpFlags, StateLayout, Value, verify};

/// A pass over one block.
pub type Pass = fn(&mut Block, &StateLayout);

/// Runs get/set elimination, constant folding, dead-flag elimination and
/// dead-code elimination.
pub fn optimize(b: &mut Block, layout: &StateLayout) {
    let passes: [(&str, Pass); 4] = [
        ("getset", getset),
        ("constfold", constfold),
        ("dead_flags", dead_flags),
        ("dce", dce),
    ];
    for (name, pass) in passes {
        pass(b, layout);
        if cfg!(debug_assertions)
            && let Err(e) = verify(b, layout)
        {
            panic!(
                "verifier failed after pass {name}: {e}\n{}",
                crate::print::print_block(b, layout)
            );
        }
    }
}

/// Removes pure instructions whose results are unused.
pub fn dce(b: &mut Block, _layout: &StateLayout) {
    let n = b.insts.len();
    let mut used = vec![false; n];
    if let Some(v) = b.term.and_then(|t| t.operand()) {
        used[v.index()] = true;
    }
    let mut keep = vec![false; n];
    for i in (0..n).rev() {
        let inst = &b.insts[i];
        if used[i]
            || inst.op.flags().has(OpFlags::SIDE_EFFECT)
            || inst.op.flags().has(OpFlags::MAY_FAULT)
        {
            keep[i] = true;
            for a in inst.operands() {
                used[a.index()] = true;
            }
        }
    }
    let alias: Vec<Value> = (0..n as u32).map(Value).collect();
    rebuild(b, &keep, &alias);
}

/// Compacts a block: drops instructions with `keep[i] == false` and replaces
/// every use of `v` by `alias[v]` (which must be kept and defined earlier).
pub fn rebuild(b: &mut Block, keep: &[bool], alias: &[Value]) {
    let n = b.insts.len();
    let mut newidx = vec![Value::NONE; n];
    let mut out = Vec::with_capacity(n);
    let resolve = |v: Value, newidx: &[Value]| -> Value {
        if !v.is_some() {
            return v;
        }
        let mut v = v;
        while alias[v.index()] != v {
            v = alias[v.index()];
        }
        newidx[v.index()]
    };
    for i in 0..n {
        if !keep[i] {
            continue;
        }
        let mut inst = b.insts[i];
        for a in inst.args.iter_mut() {
            *a = resolve(*a, &newidx);
        }
        newidx[i] = Value(out.len() as u32);
        out.push(inst);
    }
    if let Some(t) = b.term.as_mut() {
        t.map_operand(|v| resolve(v, &newidx));
    }
    b.insts = out;
}
