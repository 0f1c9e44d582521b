//! Registers reloaded at loop exits.
//!
//! A register that a loop of the region neither reads nor sets, but that a
//! block after the loop reads, would keep the value it had before the loop
//! (loaded at the region entry, or computed before the loop) live through
//! every iteration: a Cranelift value live across the loop that the loop
//! never uses. Under register pressure regalloc2 gives such values spill
//! slots and, splitting their live ranges at the loop's blocks, moves them
//! between the slot and a register in every iteration (`strings`' FNV loop:
//! 4 of the 9 spill moves per byte were such values).
//!
//! Where such a register is clean on an edge that leaves the loop (`env`
//! holds its value: no `set` since its last write-back, the edge's snapshot
//! did not skip it, and it is not one of the flags a lazy edge may leave as
//! a record), the edge loads it from `env` into its variable again, so the
//! value before the loop dies where the loop starts. The load goes through
//! an opaque copy of `env` (`isplit(iconcat(env, env))`, no host
//! instruction): Cranelift's redundant-load elimination would otherwise
//! replace it by the earlier load of the same address (no store in
//! between on the loop's path), which is the value the reload is meant to
//! end.

use super::{Fx, clif_ty, lazy_flags, trusted};
use cranelift_codegen::ir::InstBuilder;
use xlat_ir::{Block, Opcode, StateLayout};

/// One loop of a region: the blocks of its back edges' natural loops with
/// one header.
struct Loop {
    /// Per region block: part of the loop.
    body: Vec<bool>,
    /// Per register: a block of the loop reads or sets it.
    touches: Vec<bool>,
}

/// The region's loops and the registers never reloaded.
pub(super) struct Plan {
    loops: Vec<Loop>,
    /// Per register: never reloaded (the lazy flag group: `env` may hold a
    /// record instead of their bytes while they count as clean).
    keep: Vec<bool>,
}

/// Finds the loops of a region (`succ`: in-region successors per block; an
/// edge to a block at or before its source is a back edge, as in
/// [`super::loop_headers`]).
pub(super) fn plan(layout: &StateLayout, blocks: &[&Block], succ: &[Vec<usize>]) -> Plan {
    let nb = blocks.len();
    let nregs = layout.regs.len();
    let mut pred = vec![Vec::new(); nb];
    for (k, s) in succ.iter().enumerate() {
        for &j in s {
            pred[j].push(k);
        }
    }
    let mut loops: Vec<(usize, Vec<bool>)> = Vec::new();
    for (k, s) in succ.iter().enumerate() {
        for &h in s.iter().filter(|&&h| h <= k) {
            let at = match loops.iter().position(|(x, _)| *x == h) {
                Some(at) => at,
                None => {
                    loops.push((h, vec![false; nb]));
                    loops.len() - 1
                }
            };
            let body = &mut loops[at].1;
            body[h] = true;
            // The natural loop: blocks that reach `k` without passing `h`.
            let mut work = vec![k];
            while let Some(x) = work.pop() {
                if !body[x] {
                    body[x] = true;
                    work.extend(pred[x].iter().copied());
                }
            }
        }
    }
    let loops = loops
        .into_iter()
        .map(|(_, body)| {
            let mut touches = vec![false; nregs];
            for (bl, _) in blocks.iter().zip(&body).filter(|(_, b)| **b) {
                for i in &bl.insts {
                    if matches!(i.op, Opcode::Get | Opcode::Set) && (i.imm as usize) < nregs {
                        touches[i.imm as usize] = true;
                    }
                }
            }
            Loop { body, touches }
        })
        .collect();
    let mut keep = vec![false; nregs];
    if let Some((f, _)) = lazy_flags::flag_group(layout) {
        f.into_iter().for_each(|r| keep[r] = true);
    }
    Plan { loops, keep }
}

impl Plan {
    /// Registers worth reloading on the edge from block `from` to block
    /// `j`: those that a loop the edge leaves does not touch.
    fn candidates(&self, from: usize, j: usize) -> impl Iterator<Item = usize> + '_ {
        let left: Vec<&Loop> = self
            .loops
            .iter()
            .filter(|l| l.body[from] && !l.body[j])
            .collect();
        (0..self.keep.len()).filter(move |&r| !self.keep[r] && left.iter().any(|l| !l.touches[r]))
    }
}

impl Fx<'_, '_> {
    /// On the in-region edge from block `from` to block `j` (its write-back
    /// done, `skipped` the registers its snapshot left stale in `env`):
    /// reloads from `env` the registers that leave a loop untouched, are
    /// observed by `j` and are clean here.
    pub(super) fn reload_at_loop_exit(&mut self, from: usize, j: usize, skipped: &[usize]) {
        let regs: Vec<usize> = self
            .loop_exits
            .candidates(from, j)
            .filter(|&r| self.vars[r].is_some() && self.observed[j][r])
            .filter(|&r| !self.dirty[r] && self.pending[r].is_none() && !skipped.contains(&r))
            .collect();
        if regs.is_empty() {
            return;
        }
        let env = self.opaque(self.env);
        for r in regs {
            let ri = self.layout.regs[r];
            let v = self
                .b
                .ins()
                .load(clif_ty(ri.ty), trusted(), env, ri.offset as i32);
            self.b.def_var(self.vars[r].expect("used register"), v);
        }
    }
}
