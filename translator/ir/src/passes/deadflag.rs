//! Dead-flag elimination: a `set` of a flag register that is overwritten
//! later in the block before any read of it, any helper that reads guest
//! state, and any op that may fault (where the state must be exact) is
//! deleted. The computation feeding it then dies in DCE.

use super::rebuild;
use crate::{Block, OpFlags, Opcode, RegKind, StateLayout, Value};

/// Runs the pass.
pub fn dead_flags(b: &mut Block, layout: &StateLayout) {
    let n = b.insts.len();
    let mut keep = vec![true; n];
    // Walking backwards: `overwritten[r]` is true when a later set of flag
    // `r` happens before any observation of it.
    let mut overwritten = vec![false; layout.regs.len()];
    for i in (0..n).rev() {
        let inst = b.insts[i];
        match inst.op {
            Opcode::Set if layout.regs[inst.imm as usize].kind == RegKind::Flag => {
                let r = inst.imm as usize;
                if overwritten[r] {
                    keep[i] = false;
                }
                overwritten[r] = true;
            }
            Opcode::Get => overwritten[inst.imm as usize] = false,
            Opcode::CallHelper => {
                let h = b.helpers[inst.imm as usize];
                if h.flags.reads_state || h.flags.may_fault {
                    overwritten.iter_mut().for_each(|o| *o = false);
                }
            }
            _ if inst.op.flags().has(OpFlags::MAY_FAULT) => {
                overwritten.iter_mut().for_each(|o| *o = false);
            }
            _ => {}
        }
    }
    let alias: Vec<Value> = (0..n as u32).map(Value).collect();
    rebuild(b, &keep, &alias);
}
