//! One NaN test for a chain of vector float ops.
//!
//! Add, subtract, multiply and divide return a NaN in every lane where an
//! operand has one. So when a later [`VecFloat`] reads a pattern's result
//! lane by lane, a test of the later result finds every NaN lane of the
//! earlier one too, and the earlier one needs no test of its own (matmul's
//! `fmul` then `fadd`). Such *links* are lowered untested; the later
//! pattern (their *end*) tests its own result, and its slow path fixes
//! every link in op order (each recomputed from the fixed values of the
//! links it reads), then recomputes and fixes its own result. Chains may
//! be longer than two (ppc64le nbody's `xvmuldp`, `xvmuldp`, `xvadddp`: a
//! link may be the end of earlier ones) and several links may end at the
//! same pattern (a sum of two products).

use super::{Fx, VecFloat, little};
use cranelift_codegen::ir::{self, BlockArg, InstBuilder};
use xlat_ir::{Block, OpFlags, Opcode};

/// A [`VecFloat`] whose NaN test is left to a later one, `to`, that reads
/// its result lane by lane (see [`nan_chains`]).
#[derive(Clone, Debug)]
pub(super) struct NanChain {
    /// The op index of the later pattern (its last lane insert).
    pub(super) to: usize,
    /// Registers last set to the result before the chain's end: their
    /// variables get the tested value after it.
    pub(super) regs: Vec<usize>,
}

/// An untested link: its pattern, op index, host operands and result.
pub(super) type Link = (VecFloat, usize, [ir::Value; 3]);

/// Per [`VecFloat`] of `block` (by op index), the later pattern its NaN
/// test is merged into: the first later one that reads its result `v`
/// lane by lane (as its vector operand, same lane type). Only when
/// nothing before the chain's end could observe the untested `v`: no
/// memory access, helper or fault point, no value derived from `v` used
/// after `to`, no read of a register set to it; `set`s of `v` itself are
/// re-defined after the test. Pure ops that do not read `v` (another
/// pattern, a scalar op and its `fnan`, a permute) may stand between.
/// When the pattern is itself the end of earlier links, those stay
/// untested until `to` too, so the same holds for them between the two:
/// their values count as `v`'s, a read of a register set to one is an
/// observer, and a `set` of such a register there takes it off the link's
/// registers.
pub(super) fn nan_chains(
    block: &Block,
    pats: &[Option<VecFloat>],
    skip: &[bool],
) -> Vec<Option<NanChain>> {
    let n = block.insts.len();
    let mut last_use = vec![0usize; n];
    for (k, inst) in block.insts.iter().enumerate() {
        for a in inst.operands() {
            last_use[a.index()] = k;
        }
    }
    if let Some(v) = block.terminal().operand() {
        last_use[v.index()] = usize::MAX;
    }
    let mut out: Vec<Option<NanChain>> = vec![None; n];
    // Per pattern: the links that end there (transitively).
    let mut from: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        let Some(p1) = &pats[i] else { continue };
        let v1 = xlat_ir::Value(i as u32);
        let reads = |p: &VecFloat| p.vt == p1.vt && (p.n == v1 || p.m == Ok(v1));
        let Some(j) = (i + 1..n).find(|&j| pats[j].as_ref().is_some_and(reads)) else {
            continue;
        };
        let earlier = std::mem::take(&mut from[i]);
        // Values between the two that depend on `v1` or an earlier link,
        // the registers set there (true: last set to `v1`), and the
        // registers holding an earlier link's untested value.
        let mut dep = vec![false; n];
        dep[i] = true;
        for &l in &earlier {
            dep[l] = true;
        }
        let held: Vec<usize> = earlier
            .iter()
            .filter_map(|&l| out[l].as_ref())
            .flat_map(|c| c.regs.iter().copied())
            .collect();
        let mut sets: Vec<(usize, bool)> = Vec::new();
        let mut ok = true;
        for k in i + 1..j {
            let inst = &block.insts[k];
            let d = inst.operands().any(|a| dep[a.index()]);
            match inst.op {
                Opcode::Set => {
                    let r = inst.imm as usize;
                    ok &= inst.args[0] == v1 || !d;
                    sets.retain(|s| s.0 != r);
                    sets.push((r, inst.args[0] == v1));
                }
                Opcode::Get => {
                    let r = inst.imm as usize;
                    ok &= sets.iter().all(|s| s.0 != r) && !held.contains(&r);
                }
                Opcode::InsnStart | Opcode::Const => {}
                Opcode::Vextract
                | Opcode::Bitcast
                | Opcode::Fadd
                | Opcode::Fsub
                | Opcode::Fmul
                | Opcode::Fdiv => dep[k] = d,
                _ if skip[k] => dep[k] = d,
                // Another pattern, independent of `v1` (PowerPC's two
                // interleaved chains: mul, mul, add, add).
                Opcode::Vinsert if pats[k].is_some() => ok &= !d,
                // Any other pure op that does not read `v1` cannot observe
                // it (ppc64le nbody: a scalar `fmul` and its `fnan`, the
                // FPR's lane insert and an `xxspltd` between two `xvmuldp`).
                _ if inst.op.flags() == OpFlags::NONE && !d => {}
                _ => ok = false,
            }
            ok &= !dep[k] || last_use[k] <= j;
        }
        let p2 = pats[j].as_ref().expect("found");
        if let Err(y) = p2.m {
            ok &= !dep[y.index()];
        }
        if ok {
            let regs = sets.iter().filter(|s| s.1).map(|s| s.0).collect();
            for &l in &earlier {
                if let Some(c) = out[l].as_mut() {
                    c.regs.retain(|r| sets.iter().all(|s| s.0 != *r));
                }
            }
            out[i] = Some(NanChain { to: j, regs });
            from[j].extend(earlier);
            from[j].push(i);
        }
    }
    out
}

impl Fx<'_, '_> {
    /// Lowers `p`, the end of the untested `links` (any order): one test
    /// of `p`'s result; the slow path fixes each link in op order (its
    /// operands that are earlier links replaced by their fixed values,
    /// the op recomputed), then recomputes `p` the same way and fixes it.
    /// Returns the links' tested values (op index, value) and `p`'s.
    pub(super) fn vector_float_chain(
        &mut self,
        block: &Block,
        i: usize,
        mut links: Vec<Link>,
        p: &VecFloat,
        vals: &[Option<ir::Value>],
    ) -> (Vec<(usize, ir::Value)>, ir::Value) {
        links.sort_by_key(|l| l.1);
        let (n, m) = self.vector_operands(p, vals);
        let r = self.vector_apply_swapped(block, i, p, n, m);
        // Each result passes the join unswapped where it is a swap
        // (`vsx_swaps`); the slow path fixes the lanes in guest order.
        let (fast, swapped): (Vec<ir::Value>, Vec<bool>) = links
            .iter()
            .map(|l| l.2[2])
            .chain([r])
            .map(|v| self.join_arg(v))
            .unzip();
        let (slow, join) = self.vector_nan_branch(r, &fast);
        self.b.switch_to_block(slow);
        // Fixed links: (op index, value as the vector type).
        let mut fixed: Vec<(usize, ir::Value)> = Vec::new();
        let mut outs: Vec<BlockArg> = Vec::new();
        let all = links.iter().map(|l| (&l.0, Some(l.1), l.2));
        for (q, idx, [qn, qm, qr]) in all.chain([(p, None, [n, m, r])]) {
            let sub = |v: xlat_ir::Value, h: ir::Value| {
                fixed.iter().find(|f| f.0 == v.index()).map_or(h, |f| f.1)
            };
            let n2 = sub(q.n, qn);
            let m2 = match q.m {
                Ok(mv) => sub(mv, qm),
                Err(_) => qm,
            };
            let r2 = if (n2, m2) == (qn, qm) {
                qr
            } else {
                self.vector_apply(q.op, n2, m2)
            };
            let f = self.vector_fix(block, q, [n2, m2, r2], vals);
            let out = self.join_value(f, swapped[outs.len()]);
            outs.push(BlockArg::Value(out));
            if let Some(idx) = idx {
                let fv = self.b.ins().bitcast(q.vt, little(), f);
                fixed.push((idx, fv));
            }
        }
        self.b.ins().jump(join, &outs);
        self.b.switch_to_block(join);
        let ps: Vec<ir::Value> = (self.b.block_params(join).to_vec().into_iter())
            .zip(swapped)
            .map(|(v, sw)| self.join_value(v, sw))
            .collect();
        let tested = links.iter().zip(&ps).map(|(l, &v)| (l.1, v)).collect();
        (tested, ps[links.len()])
    }
}
