//! Dead-flag elimination marks (see [`super::dead_flags`]).

use super::Scratch;
use crate::{Block, OpFlags, Opcode, RegKind, StateLayout};

/// Marks flag `set`s that are overwritten before being observed dead.
pub(super) fn mark(b: &mut Block, layout: &StateLayout, s: &mut Scratch) {
    // Walking backwards: `overwritten[r]` is true when a later set of flag
    // `r` happens before any observation of it.
    s.overwritten.clear();
    s.overwritten.resize(layout.regs.len(), false);
    for i in (0..b.insts.len()).rev() {
        if !s.keep[i] {
            continue;
        }
        let inst = b.insts[i];
        match inst.op {
            Opcode::Set if layout.regs[inst.imm as usize].kind == RegKind::Flag => {
                let r = inst.imm as usize;
                if s.overwritten[r] {
                    s.keep[i] = false;
                }
                s.overwritten[r] = true;
            }
            Opcode::Get => s.overwritten[inst.imm as usize] = false,
            Opcode::CallHelper => {
                let h = b.helpers[inst.imm as usize];
                if h.flags.reads_state || h.flags.may_fault {
                    s.overwritten.fill(false);
                }
            }
            _ if inst.op.flags().has(OpFlags::MAY_FAULT) => {
                s.overwritten.fill(false);
            }
            _ => {}
        }
    }
}
