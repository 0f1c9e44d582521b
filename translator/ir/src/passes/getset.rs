//! Get/set elimination: a `get` of a register whose value is already known
//! in the block (from an earlier get or set) is replaced by that value, and
//! a `set` overwritten by a later `set` of the same register with no read
//! or state-exact point between is deleted.

use super::rebuild;
use crate::{Block, OpFlags, Opcode, RegKind, StateLayout, Value};

/// Runs the pass.
pub fn getset(b: &mut Block, layout: &StateLayout) {
    let n = b.insts.len();
    let nregs = layout.regs.len();
    let mut known = vec![Value::NONE; nregs];
    // Index of the last set of each register not yet observed.
    let mut pending = vec![usize::MAX; nregs];
    let mut keep = vec![true; n];
    let mut alias: Vec<Value> = (0..n as u32).map(Value).collect();
    for i in 0..n {
        let inst = b.insts[i];
        match inst.op {
            Opcode::Get => {
                let r = inst.imm as usize;
                if known[r].is_some() {
                    alias[i] = known[r];
                    keep[i] = false;
                } else {
                    known[r] = Value(i as u32);
                }
                pending[r] = usize::MAX;
            }
            Opcode::Set => {
                let r = inst.imm as usize;
                // Flags are left to the dead-flag pass.
                if pending[r] != usize::MAX && layout.regs[r].kind != RegKind::Flag {
                    keep[pending[r]] = false;
                }
                pending[r] = i;
                known[r] = inst.args[0];
            }
            Opcode::CallHelper => {
                let h = b.helpers[inst.imm as usize];
                if h.flags.reads_state || h.flags.may_fault {
                    pending.iter_mut().for_each(|p| *p = usize::MAX);
                }
                if h.flags.writes_state {
                    known.iter_mut().for_each(|k| *k = Value::NONE);
                }
            }
            _ if inst.op.flags().has(OpFlags::MAY_FAULT) => {
                pending.iter_mut().for_each(|p| *p = usize::MAX);
            }
            _ => {}
        }
    }
    // Resolve aliases of aliases to kept values.
    for i in 0..n {
        let mut v = alias[i];
        while alias[v.index()] != v {
            v = alias[v.index()];
        }
        alias[i] = v;
    }
    rebuild(b, &keep, &alias);
}
