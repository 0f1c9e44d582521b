//! Region formation across calls: a call in a region brings its callee's
//! blocks that lead back to the return address, and the return address's
//! block, into the region (see `Engine::form_region`).
//!
//! Without it a region's breadth-first walk follows a call into the callee
//! and fills its blocks with the callee's, so the return leaves the region
//! through the jump cache and the caller continues in another region: in
//! `bench-strings` every word crossed five regions (`strcspn`, the FNV loop
//! and hash probe, `__memcmpeq`, `strspn`), each crossing writing back the
//! dirty registers and the next region loading what it reads. The return
//! inside the region stays a computed jump that compares the return address
//! (the guest's link register) with the call's return PC: a callee that
//! returns elsewhere leaves the region as before.

use crate::engine::Tb;
use std::sync::Arc;
use xlat_ir::Terminal;

/// Most blocks a region takes from callees of its calls (on top of its own
/// `max_blocks`, all of them bounded by `MAX_REGION_INSTS`): `strings`'
/// tokenising loop calls `strcspn` (13 blocks on the way back), `__memcmpeq`
/// (11) and `strspn` (10), and with 40 the loop closes in one region of 49
/// blocks. Measured (BENCHMARKS.md, "`strings`: regions across calls",
/// callgrind of the mixed tier, host instructions): 40 blocks 33.07 G
/// against 33.01 G without, 24 blocks 35.26 G and 12 blocks 37.46 G (a
/// callee taken in part leaves the loop in more regions than before).
pub(crate) const MAX_INLINED_BLOCKS: usize = 40;

/// Most blocks the walk of one callee looks at.
const CALLEE_WALK: usize = 24;

/// What the walk needs of a block: the caller's handle for it, its
/// terminal and, for a computed terminal, its hot observed targets.
pub(crate) type Found<B> = (B, Terminal, Vec<u64>);

/// The blocks of a callee entered at `target` that lie on a path to a
/// return to `ret`, in breadth-first order from `target` (so each one's
/// predecessor in the walk comes before it), followed by `ret`'s block;
/// `None` if the walk of at most `budget` blocks finds no such return or
/// `ret` has no hot block.
///
/// `block(pc)` gives the hot translated block at `pc`, if any. The walk
/// follows constant jumps and branches and the hot targets of computed
/// jumps; it does not follow calls (a nested call's return address is
/// reached only through it) nor returns. A return counts when its hot
/// observed targets include `ret`, or when it has none recorded (the
/// compiled return compares its target anyway).
pub(crate) fn callee_path<B>(
    target: u64,
    ret: u64,
    budget: usize,
    block: impl Fn(u64) -> Option<Found<B>>,
) -> Option<Vec<B>> {
    let budget = budget.min(CALLEE_WALK);
    let mut seen: Vec<(u64, Found<B>)> = Vec::new();
    if budget == 0 {
        return None;
    }
    seen.push((target, block(target)?));
    let mut succs: Vec<Vec<usize>> = Vec::new();
    let mut i = 0;
    while i < seen.len() {
        let (_, (_, term, hot)) = &seen[i];
        let next: Vec<u64> = match term {
            Terminal::Jump(_) | Terminal::Branch { .. } => term.successors().collect(),
            Terminal::JumpIndirect(_) => hot.clone(),
            _ => Vec::new(),
        };
        let mut out = Vec::new();
        for s in next {
            if let Some(j) = seen.iter().position(|(pc, _)| *pc == s) {
                out.push(j);
            } else if seen.len() < budget
                && let Some(b) = block(s)
            {
                out.push(seen.len());
                seen.push((s, b));
            }
        }
        succs.push(out);
        i += 1;
    }
    let mut keep: Vec<bool> = seen
        .iter()
        .map(|(_, (_, term, hot))| {
            matches!(term, Terminal::Return(_)) && (hot.is_empty() || hot.contains(&ret))
        })
        .collect();
    if !keep.contains(&true) {
        return None;
    }
    // Backward: a block reaching a kept one is kept.
    let mut changed = true;
    while changed {
        changed = false;
        for k in 0..seen.len() {
            if !keep[k] && succs[k].iter().any(|&j| keep[j]) {
                keep[k] = true;
                changed = true;
            }
        }
    }
    let (ret_block, _, _) = block(ret)?;
    let mut path: Vec<B> = seen
        .into_iter()
        .zip(keep)
        .filter_map(|((_, (b, _, _)), k)| k.then_some(b))
        .collect();
    path.push(ret_block);
    Some(path)
}

/// The walk's step at `region[at]` when that block calls: if its callee
/// has a path back to the return address ([`callee_path`], `hot` giving
/// the hot translated block at a PC), appends the callee's blocks of it
/// (recorded in `inlined`) and the return address's block (one of the
/// region's own `max_own` blocks) to `region` and returns true. A block
/// taken from a callee has been walked: its step is this one, true.
pub(crate) fn inline_call(
    region: &mut Vec<Arc<Tb>>,
    inlined: &mut Vec<(u64, u64)>,
    at: usize,
    max_own: usize,
    hot: impl Fn(u64) -> Option<Found<Arc<Tb>>>,
) -> bool {
    if inlined.contains(&region[at].key) {
        return true;
    }
    let Some(Terminal::Call { target, ret }) = region[at].block.term else {
        return false;
    };
    let room = MAX_INLINED_BLOCKS - inlined.len();
    let Some(path) = callee_path(target, ret, room, hot) else {
        return false;
    };
    let ret_key = (ret, region[at].key.1);
    for t in path {
        if region.iter().any(|r| r.key == t.key) {
            continue;
        }
        if t.key != ret_key {
            inlined.push(t.key);
        } else if region.len() - inlined.len() >= max_own {
            continue;
        }
        region.push(t);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use xlat_ir::Value;

    /// Blocks by PC: (pc, terminal, hot targets).
    fn graph(blocks: &[(u64, Terminal, Vec<u64>)]) -> impl Fn(u64) -> Option<Found<u64>> + '_ {
        move |pc| {
            blocks
                .iter()
                .find(|b| b.0 == pc)
                .map(|(p, t, h)| (*p, *t, h.clone()))
        }
    }

    fn branch(taken: u64, not_taken: u64) -> Terminal {
        Terminal::Branch {
            cond: Value(0),
            taken,
            not_taken,
        }
    }

    fn ret() -> Terminal {
        Terminal::Return(Value(0))
    }

    /// A leaf callee with a hot return to the call's return address: its
    /// blocks on the way there (not the side that never returns) and the
    /// return site, the walk's predecessors first.
    #[test]
    fn leaf_callee_and_return_site() {
        let g = [
            (0x100, branch(0x110, 0x120), vec![]),
            (0x110, Terminal::Jump(0x130), vec![]),
            (0x120, branch(0x130, 0x140), vec![]),
            (0x130, ret(), vec![0x1004]),
            // A side that ends in a call (`__stack_chk_fail`): left out.
            (
                0x140,
                Terminal::Call {
                    target: 0x900,
                    ret: 0x144,
                },
                vec![],
            ),
            (0x1004, Terminal::Jump(0x1008), vec![]),
        ];
        assert_eq!(
            callee_path(0x100, 0x1004, 16, graph(&g)),
            Some(vec![0x100, 0x110, 0x120, 0x130, 0x1004])
        );
    }

    /// A return seen going elsewhere only (another caller's return
    /// address) brings nothing in; nor does a callee whose return lies past
    /// the walk's budget, or a return site that is not hot.
    #[test]
    fn no_path_back() {
        let g = [
            (0x100, Terminal::Jump(0x110), vec![]),
            (0x110, Terminal::Jump(0x120), vec![]),
            (0x120, ret(), vec![0x2004]),
            (0x1004, Terminal::Jump(0x1008), vec![]),
        ];
        assert_eq!(callee_path(0x100, 0x1004, 16, graph(&g)), None);
        assert_eq!(
            callee_path(0x100, 0x2004, 16, graph(&g)),
            None,
            "0x2004 has no block"
        );
        let g2 = [
            (0x100, Terminal::Jump(0x110), vec![]),
            (0x110, Terminal::Jump(0x120), vec![]),
            (0x120, ret(), vec![]),
            (0x1004, Terminal::Jump(0x1008), vec![]),
        ];
        assert_eq!(callee_path(0x100, 0x1004, 2, graph(&g2)), None);
        assert_eq!(
            callee_path(0x100, 0x1004, 3, graph(&g2)),
            Some(vec![0x100, 0x110, 0x120, 0x1004])
        );
    }

    /// A loop inside the callee is kept (its blocks reach the return), and
    /// a return with targets to several callers counts when the call's
    /// return address is among them.
    #[test]
    fn loops_and_shared_returns() {
        let g = [
            (0x100, Terminal::Jump(0x110), vec![]),
            (0x110, branch(0x110, 0x120), vec![]),
            (0x120, ret(), vec![0x2004, 0x1004]),
            (0x1004, ret(), vec![]),
        ];
        assert_eq!(
            callee_path(0x100, 0x1004, 16, graph(&g)),
            Some(vec![0x100, 0x110, 0x120, 0x1004])
        );
    }
}
