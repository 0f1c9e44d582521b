//! Doubleword swaps through lane-wise vector float ops and permutes.
//!
//! PowerPC's `lxvd2x` and `stxvd2x` swap the two doublewords of a VSR
//! against memory order (the frontend: a V128 load or store and a
//! `vext i64x2` by one doubleword, `shuffle(x, x, SWAP)` here). Lane-wise
//! ops commute with the swap, `op(swap a, swap b) = swap(op(a, b))`, and
//! a splat is its own swap, so a [`VecFloat`](super::VecFloat) whose
//! operands are swaps computes on the unswapped vectors and swaps its
//! result once; a permute of swaps permutes the unswapped vectors with a
//! composed mask, and `swap(swap x)` is `x`. The swaps nothing reads any
//! more (an `lxvd2x`'s, when its value only feeds such ops; the one before
//! an `stxvd2x` of their result) are dropped by Cranelift as dead pure
//! values, and those a register write-back or a slow path still reads are
//! placed there. The NaN test of a swapped result tests the unswapped one
//! (which lanes hold a NaN does not matter to it); its slow path works on
//! the lanes in guest order and swaps its fixed value back for the join.

use super::{Fx, VecFloat, little};
use cranelift_codegen::ir::{self, InstBuilder, InstructionData, types};
use xlat_ir::{Block, Lanes, Opcode};

/// Byte mask of the doubleword swap.
const SWAP: [u8; 16] = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];

impl Fx<'_, '_> {
    /// The instruction that defines host vector `h`, seen through
    /// bitcasts between vector types.
    fn vector_def(&self, h: ir::Value) -> Option<ir::Inst> {
        let dfg = &self.b.func.dfg;
        let mut h = h;
        loop {
            let ir::ValueDef::Result(d, _) = dfg.value_def(h) else {
                return None;
            };
            let arg = dfg.inst_args(d).first().copied();
            match arg {
                Some(x) if dfg.insts[d].opcode() == ir::Opcode::Bitcast => {
                    if !dfg.value_type(x).is_vector() {
                        return None;
                    }
                    h = x;
                }
                _ => return Some(d),
            }
        }
    }

    /// `(a, b, mask)` when host vector `h` is `shuffle(a, b, mask)`, seen
    /// through bitcasts.
    fn shuffle_def(&self, h: ir::Value) -> Option<(ir::Value, ir::Value, &[u8])> {
        let dfg = &self.b.func.dfg;
        match dfg.insts[self.vector_def(h)?] {
            InstructionData::Shuffle {
                args: [a, b], imm, ..
            } => Some((a, b, dfg.immediates.get(imm)?.as_slice())),
            _ => None,
        }
    }

    /// `x` (I8X16) when host vector `h` is `shuffle(x, x, SWAP)`, seen
    /// through bitcasts.
    pub(super) fn swap_of(&self, h: ir::Value) -> Option<ir::Value> {
        let (a, b, m) = self.shuffle_def(h)?;
        // Byte j of the result is byte SWAP[j] of `a`.
        let same = m
            .iter()
            .zip(SWAP)
            .all(|(&i, s)| i == s || (a == b && i == s + 16));
        same.then_some(a)
    }

    /// `h` seen as vector type `ty` (a bitcast where the types differ).
    fn as_vec(&mut self, h: ir::Value, ty: ir::Type) -> ir::Value {
        if self.b.func.dfg.value_type(h) == ty {
            h
        } else {
            self.b.ins().bitcast(ty, little(), h)
        }
    }

    /// Host vector `h` with its doublewords swapped, of `h`'s type (the
    /// unswapped value where `h` is a swap).
    pub(super) fn swap_dws(&mut self, h: ir::Value) -> ir::Value {
        let ty = self.b.func.dfg.value_type(h);
        if let Some(x) = self.swap_of(h) {
            return self.as_vec(x, ty);
        }
        let x = self.as_vec(h, types::I8X16);
        let k = self.b.func.dfg.immediates.push(SWAP.to_vec().into());
        let s = self.b.ins().shuffle(x, x, k);
        self.as_vec(s, ty)
    }

    /// `shuffle(a, b, mask)` (I8X16 operands), with an operand that is a
    /// swap replaced by the vector it swaps and the mask composed; an
    /// identity on one vector is that vector (`stxvd2x` of an op's swapped
    /// result, `xxspltd` of an `lxvd2x`).
    pub(super) fn shuffle_through_swaps(
        &mut self,
        a: ir::Value,
        b: ir::Value,
        mask: [u8; 16],
    ) -> ir::Value {
        let (mut a, mut b, mut mask) = (a, b, mask);
        if let Some(x) = self.swap_of(a) {
            for i in mask.iter_mut().filter(|i| **i < 16) {
                *i = SWAP[*i as usize];
            }
            a = x;
        }
        if let Some(y) = self.swap_of(b) {
            for i in mask.iter_mut().filter(|i| (16..32).contains(*i)) {
                *i = 16 + SWAP[*i as usize - 16];
            }
            b = y;
        }
        if a == b {
            for i in &mut mask {
                *i %= 16;
            }
        }
        if mask.iter().enumerate().all(|(j, &i)| i as usize == j) {
            return a;
        }
        if mask.iter().enumerate().all(|(j, &i)| i as usize == j + 16) {
            return b;
        }
        let k = self.b.func.dfg.immediates.push(mask.to_vec().into());
        self.b.ins().shuffle(a, b, k)
    }

    /// Whether host vector `h` is its own swap: a splat, or a permute
    /// whose two doublewords are the same bytes (`xxspltd`).
    fn swap_free(&self, h: ir::Value) -> bool {
        if let Some((a, b, m)) = self.shuffle_def(h) {
            let norm = |i: u8| if a == b { i % 16 } else { i };
            return (0..8).all(|j| norm(m[j]) == norm(m[j + 8]));
        }
        self.vector_def(h)
            .is_some_and(|d| self.b.func.dfg.insts[d].opcode() == ir::Opcode::Splat)
    }

    /// Host op of `p` on `n` and `m`: where an operand is a swap and the
    /// other a swap or its own swap (a splat, `xxspltd`: the host value or
    /// the IR op of `block` says so), the op of the swapped operands,
    /// swapped. (Where the other is neither, swapping it instead pays
    /// only where the result's uses take it swapped, and the snapshots of
    /// ppc64le nbody's and matmul's loops write those registers in guest
    /// order: measured, not kept.)
    pub(super) fn vector_apply_swapped(
        &mut self,
        block: &Block,
        i: usize,
        p: &VecFloat,
        n: ir::Value,
        m: ir::Value,
    ) -> ir::Value {
        let op = p.op;
        let (sn, sm) = (self.swap_of(n).is_some(), self.swap_of(m).is_some());
        let free = |s: &Self, h, v: Result<xlat_ir::Value, _>, sw| {
            sw || s.swap_free(h) || v.is_ok_and(|v| own_swap(block, v))
        };
        let go = (sn || sm)
            && free(self, n, Ok(p.n), sn)
            && free(self, m, p.m, sm)
            && swapped_pays(block, &self.vec_float, i, p, sn, sm);
        if !go {
            return self.vector_apply(op, n, m);
        }
        // Each operand is a swap or its own swap.
        let n0 = if sn { self.swap_dws(n) } else { n };
        let m0 = if sm { self.swap_dws(m) } else { m };
        let r0 = self.vector_apply(op, n0, m0);
        self.swap_dws(r0)
    }

    /// `r` unswapped where it is a swap, else `r` (the NaN test of a
    /// result: which lanes hold a NaN does not matter to it).
    pub(super) fn unswapped(&mut self, r: ir::Value) -> ir::Value {
        match self.swap_of(r) {
            Some(x) => {
                let ty = self.b.func.dfg.value_type(r);
                self.as_vec(x, ty)
            }
            None => r,
        }
    }

    /// What the fast path of a NaN-tested vector result `r` passes to its
    /// join (I8X16), and whether that is `r` swapped (the join's
    /// parameter is then swapped back, [`Self::join_value`]).
    pub(super) fn join_arg(&mut self, r: ir::Value) -> (ir::Value, bool) {
        match self.swap_of(r) {
            Some(x) => (x, true),
            None => (self.as_vec(r, types::I8X16), false),
        }
    }

    /// A join parameter `p` (I8X16) as the result's value: swapped back
    /// where [`Self::join_arg`] passed the swap.
    pub(super) fn join_value(&mut self, p: ir::Value, swapped: bool) -> ir::Value {
        if swapped { self.swap_dws(p) } else { p }
    }
}

/// Whether IR vector `v` is its own doubleword swap: a splat, or a zip
/// of one vector with itself by doublewords (`xxspltd`).
fn own_swap(block: &Block, v: xlat_ir::Value) -> bool {
    let inst = &block.insts[v.index()];
    match inst.op {
        Opcode::Vsplat => true,
        Opcode::Vzip1 | Opcode::Vzip2 => {
            inst.args[0] == inst.args[1] && Lanes::from_imm(inst.imm) == Lanes::I64x2
        }
        _ => false,
    }
}

/// Whether a use of IR vector `v` of `block` wants it in guest lane
/// order: anything but a permute (composed with a swap of it), a later
/// pattern (of `pats`, or `cur`, the one being lowered) reading it lane
/// by lane, or a `set` of a register
/// the block sets again later (written back in guest order only at
/// snapshots in between). A register that keeps it to the block's end
/// wants it in guest order on every path out, a loop's back edge
/// included.
fn wants_order(
    block: &Block,
    pats: &[Option<VecFloat>],
    cur: &VecFloat,
    v: xlat_ir::Value,
) -> bool {
    let i = v.index();
    if block.terminal().operand() == Some(v) {
        return true;
    }
    let read = pats[i + 1..]
        .iter()
        .flatten()
        .chain([cur])
        .any(|q| q.n == v || q.m == Ok(v));
    block.insts.iter().enumerate().skip(i + 1).any(|(k, inst)| {
        inst.operands().any(|a| a == v)
            && match inst.op {
                Opcode::Vextract => !read,
                Opcode::Set => !block.insts[k + 1..]
                    .iter()
                    .any(|l| l.op == Opcode::Set && l.imm == inst.imm),
                op => op.shuffle_bytes(inst.imm).is_none(),
            }
    })
}

/// Whether computing the pattern at op `i` of `block` on swapped
/// operands takes fewer swaps than in guest order: swapped, its result
/// needs one where a use [`wants_order`]; in guest order, each operand
/// that is a swap (`sn`, `sm`) needs one where nothing else wants that
/// operand in guest order, and the result one where it is stored by
/// `stxvd2x` (a swap of it). Matmul's naive loop keeps guest order: its
/// products' registers live on through the back edge, and the loads'
/// registers want guest order anyway.
fn swapped_pays(
    block: &Block,
    pats: &[Option<VecFloat>],
    i: usize,
    p: &VecFloat,
    sn: bool,
    sm: bool,
) -> bool {
    let v = xlat_ir::Value(i as u32);
    let swap = |a: &xlat_ir::Inst| a.op == Opcode::Vext && a.args == [v, v, xlat_ir::Value::NONE];
    let stored = block.insts[i + 1..].iter().any(swap);
    let mut plain = usize::from(stored);
    for (on, x) in [(sn, Ok(p.n)), (sm, p.m)] {
        if let (true, Ok(x)) = (on, x) {
            plain += usize::from(!wants_order(block, pats, p, x));
        }
    }
    usize::from(wants_order(block, pats, p, v)) < plain
}
