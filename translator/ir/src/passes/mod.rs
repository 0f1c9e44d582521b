//! Optimisation passes over a block.
//!
//! Each pass only *marks*: it records in a [`Scratch`] which instructions
//! are dead (`keep`) and which values are replaced by others (`alias`); the
//! marks of every pass respect those of the passes before it (dead
//! instructions are skipped, operands are looked up through `alias`).
//! [`compact`] then rewrites the block in place, once. [`optimize`] runs the
//! standard pipeline on one thread-local [`Scratch`] reused across blocks,
//! so optimising a block allocates nothing once the buffers have grown, and
//! walks the block five times (four marks and one compaction) instead of
//! rebuilding it after every pass (start-up cost, issue #5). The single-pass
//! functions ([`getset`], [`constfold`], [`dead_flags`], [`dce`]) mark and
//! compact on their own; running them one after the other gives exactly the
//! block that [`optimize`] gives.

mod constfold;
mod deadflag;
mod getset;

use std::cell::RefCell;

use crate::{Block, OpFlags, StateLayout, Value, verify};

/// A pass over one block.
pub type Pass = fn(&mut Block, &StateLayout);

/// Reusable buffers of the passes: the marks and per-register tables.
#[derive(Debug, Default)]
pub struct Scratch {
    /// `keep[i]` is false once instruction `i` is dead.
    keep: Vec<bool>,
    /// `alias[i]` is the value that replaces value `i` (itself if none).
    alias: Vec<Value>,
    /// Per instruction: used (DCE) / new index (compaction).
    used: Vec<bool>,
    newidx: Vec<Value>,
    /// Per register: known value (getset).
    known: Vec<Value>,
    /// Per register: pending set (getset).
    pending: Vec<usize>,
    /// Per register: overwritten flag (dead_flags).
    overwritten: Vec<bool>,
}

impl Scratch {
    /// Starts marking a block of `n` instructions: all kept, no aliases.
    fn reset(&mut self, n: usize) {
        self.keep.clear();
        self.keep.resize(n, true);
        self.alias.clear();
        self.alias.extend((0..n as u32).map(Value));
    }

    /// The value that finally replaces `v` (following alias chains).
    #[inline]
    fn resolve(&self, mut v: Value) -> Value {
        while self.alias[v.index()] != v {
            v = self.alias[v.index()];
        }
        v
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers (a fresh set if they are
/// already in use further up the stack).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|s| match s.try_borrow_mut() {
        Ok(mut s) => f(&mut s),
        Err(_) => f(&mut Scratch::default()),
    })
}

/// Get/set elimination: a `get` of a register whose value is already known
/// in the block (from an earlier get or set) is replaced by that value, and
/// a `set` overwritten by a later `set` of the same register with no read
/// or state-exact point between is deleted.
pub fn getset(b: &mut Block, layout: &StateLayout) {
    single(b, layout, getset::mark);
}

/// Constant folding: pure integer ops whose operands are all constants
/// become constants (evaluated by [`crate::eval::eval_int`], the same code
/// the interpreter runs), and a few algebraic identities are applied.
pub fn constfold(b: &mut Block, layout: &StateLayout) {
    single(b, layout, constfold::mark);
}

/// Dead-flag elimination: a `set` of a flag register that is overwritten
/// later in the block before any read of it, any helper that reads guest
/// state, and any op that may fault (where the state must be exact) is
/// deleted. The computation feeding it then dies in DCE.
pub fn dead_flags(b: &mut Block, layout: &StateLayout) {
    single(b, layout, deadflag::mark);
}

/// Removes pure instructions whose results are unused.
pub fn dce(b: &mut Block, layout: &StateLayout) {
    single(b, layout, mark_dce);
}

type Mark = fn(&mut Block, &StateLayout, &mut Scratch);

fn single(b: &mut Block, layout: &StateLayout, mark: Mark) {
    with_scratch(|s| {
        s.reset(b.insts.len());
        mark(b, layout, s);
        compact(b, s);
    });
}

/// Runs get/set elimination, constant folding, dead-flag elimination and
/// dead-code elimination.
///
/// Release builds mark all four on one scratch and compact once. Debug
/// builds run the passes one by one with the verifier after each (the
/// result is the same block; the `fused_equals_sequential` test checks it).
pub fn optimize(b: &mut Block, layout: &StateLayout) {
    if cfg!(debug_assertions) {
        optimize_sequential(b, layout);
    } else {
        optimize_fused(b, layout);
    }
}

/// [`optimize`] as one marking pipeline and one compaction.
pub fn optimize_fused(b: &mut Block, layout: &StateLayout) {
    with_scratch(|s| {
        s.reset(b.insts.len());
        getset::mark(b, layout, s);
        constfold::mark(b, layout, s);
        deadflag::mark(b, layout, s);
        mark_dce(b, layout, s);
        compact(b, s);
    });
}

/// [`optimize`] as four separate passes, each compacting the block, with the
/// verifier after each one in debug builds.
pub fn optimize_sequential(b: &mut Block, layout: &StateLayout) {
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

/// Marks pure instructions whose results are unused (after aliasing) dead.
fn mark_dce(b: &mut Block, _layout: &StateLayout, s: &mut Scratch) {
    let n = b.insts.len();
    s.used.clear();
    s.used.resize(n, false);
    if let Some(v) = b.term.and_then(|t| t.operand()) {
        let v = s.resolve(v);
        s.used[v.index()] = true;
    }
    for i in (0..n).rev() {
        if !s.keep[i] {
            continue;
        }
        let inst = &b.insts[i];
        let flags = inst.op.flags();
        if s.used[i] || flags.has(OpFlags::SIDE_EFFECT) || flags.has(OpFlags::MAY_FAULT) {
            for a in inst.operands() {
                let a = s.resolve(a);
                s.used[a.index()] = true;
            }
        } else {
            s.keep[i] = false;
        }
    }
}

/// Compacts a block in place: drops instructions with `keep[i] == false`
/// and replaces every use of `v` by its resolved alias (which must be kept
/// and defined earlier).
fn compact(b: &mut Block, s: &mut Scratch) {
    let n = b.insts.len();
    s.newidx.clear();
    s.newidx.resize(n, Value::NONE);
    let mut out = 0;
    for i in 0..n {
        if !s.keep[i] {
            continue;
        }
        let mut inst = b.insts[i];
        for a in inst.args.iter_mut() {
            if a.is_some() {
                *a = s.newidx[s.resolve(*a).index()];
            }
        }
        s.newidx[i] = Value(out as u32);
        b.insts[out] = inst;
        out += 1;
    }
    b.insts.truncate(out);
    if let Some(t) = b.term.as_mut() {
        t.map_operand(|v| {
            if v.is_some() {
                s.newidx[s.resolve(v).index()]
            } else {
                v
            }
        });
    }
}

/// Compacts a block: drops instructions with `keep[i] == false` and replaces
/// every use of `v` by `alias[v]` (which must be kept and defined earlier).
pub fn rebuild(b: &mut Block, keep: &[bool], alias: &[Value]) {
    let mut s = Scratch {
        keep: keep.to_vec(),
        alias: alias.to_vec(),
        ..Scratch::default()
    };
    compact(b, &mut s);
}
