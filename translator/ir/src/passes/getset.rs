//! Get/set elimination marks (see [`super::getset`]).

use super::Scratch;
use crate::{Block, OpFlags, Opcode, RegKind, StateLayout, Value};

/// Marks forwarded `get`s as aliases and overwritten `set`s as dead.
pub(super) fn mark(b: &mut Block, layout: &StateLayout, s: &mut Scratch) {
    let nregs = layout.regs.len();
    s.known.clear();
    s.known.resize(nregs, Value::NONE);
    // Index of the last set of each register not yet observed.
    s.pending.clear();
    s.pending.resize(nregs, usize::MAX);
    for i in 0..b.insts.len() {
        if !s.keep[i] {
            continue;
        }
        let inst = b.insts[i];
        match inst.op {
            Opcode::Get => {
                let r = inst.imm as usize;
                if s.known[r].is_some() {
                    s.alias[i] = s.known[r];
                    s.keep[i] = false;
                } else {
                    s.known[r] = Value(i as u32);
                }
                s.pending[r] = usize::MAX;
            }
            Opcode::Set => {
                let r = inst.imm as usize;
                // Flags are left to the dead-flag pass.
                if s.pending[r] != usize::MAX && layout.regs[r].kind != RegKind::Flag {
                    s.keep[s.pending[r]] = false;
                }
                s.pending[r] = i;
                s.known[r] = inst.args[0];
            }
            Opcode::CallHelper => {
                let h = b.helpers[inst.imm as usize];
                if h.flags.reads_state || h.flags.may_fault {
                    s.pending.fill(usize::MAX);
                }
                if h.flags.writes_state {
                    s.known.fill(Value::NONE);
                }
            }
            _ if inst.op.flags().has(OpFlags::MAY_FAULT) => {
                s.pending.fill(usize::MAX);
            }
            _ => {}
        }
    }
}
