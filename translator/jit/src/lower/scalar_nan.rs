//! One NaN test per chain of scalar float ops.
//!
//! The frontends follow every scalar float add, subtract, multiply, divide
//! and square root with an `fnan` op that applies the guest's NaN rule to
//! a NaN result. Lowered alone, each `fnan` is a `ucomisd` and a branch on
//! the loop's path. But these ops return a NaN whenever an operand is one:
//! when `fnan` `m`'s value feeds the arithmetic of a later `fnan` `n`, a
//! NaN in `m`'s host result makes `n`'s host result a NaN too, so a test of
//! `n` finds both. Such `fnan`s are therefore *deferred*: their host result
//! is used as their value at once (correct whenever it is not a NaN), they
//! become *members* of the block's pending group, and the group is
//! *flushed* with one test of its *frontier* (the members no later member
//! reads), two results per `ucomisd`, before anything could observe an
//! untested value: a memory access that writes a snapshot, a store, a
//! helper, a read that is neither a view of the value, a `set` nor the
//! arithmetic of another member, the block's end. The flush's slow path
//! (cold) recomputes every member in order from the fixed values (each
//! op, then the `fnan`'s rule through the interpreter's semantics), so a
//! NaN result is exactly the interpreter's; after the join the members'
//! values, the views computed from them (bitcasts, lane inserts and
//! extracts, truncations) and the registers set to them are redefined.
//! Loads that write no snapshot may stand between a member and its test: a
//! fault there retries from an earlier snapshot, which holds none of the
//! untested values. A group is also tested before its frontier would
//! outgrow [`FRONTIER_MAX`]: every value needed after a test crosses it
//! (and the cold path's calls) as a block parameter, and large groups cost
//! more in spills than their tests save (nbody, `-tier jit` under
//! callgrind: 7.19G host instructions unbounded, 6.85G with at most two,
//! 6.79G with at most four untested values; 7.20G without groups).
//!
//! Only the rules that always give a NaN for a NaN (`NanRule::Arm`, the
//! default-NaN-free form the AArch64 frontend uses under FPCR.DN = 0, and
//! `NanRule::Power`) defer; the fused multiply-add steps keep their own
//! tests.

use super::{Fx, clif_ty, float_low, float_to_vector};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::{self, BlockArg, InstBuilder};
use xlat_ir::{Block, NanRule, Opcode, Shape, Type};

/// The most untested values a group's test compares (two per `ucomisd`):
/// a larger group keeps more values alive across its test.
const FRONTIER_MAX: usize = 4;

/// The pending group of deferred `fnan`s of the block being lowered.
#[derive(Default)]
pub(super) struct NanPend {
    /// Per op: the number of reads of its value (ops and terminal).
    uses: Vec<u32>,
    /// Per op: the first op that reads its value.
    first_reader: Vec<Option<usize>>,
    /// Per op: a deferred `fnan` (a member).
    member: Vec<bool>,
    /// Per op: its host value was computed from an untested member value.
    derived: Vec<bool>,
    /// Members in op order.
    members: Vec<usize>,
    /// Members that no later member reads (the values to test).
    frontier: Vec<usize>,
    /// Registers last set to a derived value: (register, op).
    regs: Vec<(usize, usize)>,
}

impl NanPend {
    /// The empty group for `block` (no tables when it has no `fnan`).
    pub(super) fn new(block: &Block) -> NanPend {
        let n = block.insts.len();
        if !block.insts.iter().any(|i| i.op == Opcode::Fnan) {
            return NanPend::default();
        }
        let mut uses = vec![0u32; n];
        let mut first_reader = vec![None; n];
        for (k, inst) in block.insts.iter().enumerate() {
            for a in inst.operands() {
                uses[a.index()] += 1;
                first_reader[a.index()].get_or_insert(k);
            }
        }
        if let Some(v) = block.terminal().operand() {
            uses[v.index()] += 1;
        }
        NanPend {
            uses,
            first_reader,
            member: vec![false; n],
            derived: vec![false; n],
            ..NanPend::default()
        }
    }

    /// Some member is untested.
    pub(super) fn active(&self) -> bool {
        !self.members.is_empty()
    }

    fn derived(&self, v: xlat_ir::Value) -> bool {
        self.derived.get(v.index()).copied().unwrap_or(false)
    }
}

/// An arithmetic op whose result is a NaN whenever an operand is one.
fn propagates(op: Opcode) -> bool {
    matches!(
        op,
        Opcode::Fadd | Opcode::Fsub | Opcode::Fmul | Opcode::Fdiv | Opcode::Fsqrt
    )
}

impl Fx<'_, '_> {
    /// The member whose value `x` is: the member itself, or a float read
    /// of the same width of the V register view of a member.
    fn nan_member(&self, block: &Block, x: xlat_ir::Value) -> Option<usize> {
        let p = &self.nan_pend;
        if p.member.get(x.index()).copied().unwrap_or(false) {
            return Some(x.index());
        }
        let v = float_low(block, &block.insts[x.index()])?;
        let f = float_to_vector(block, &block.insts[v.index()])?;
        (block.ty(f) == block.ty(x) && p.member[f.index()]).then_some(f.index())
    }

    /// Whether `fnan` op `j` can be deferred, given the host values
    /// `vals` known now: a rule that keeps NaNs, on the result of a
    /// [`propagates`] op read by `j` only, whose operands (and `j`'s)
    /// were all defined before that op and are either members or values
    /// computed from no untested one.
    fn nan_deferrable(&self, block: &Block, j: usize, vals: &[Option<ir::Value>]) -> bool {
        let f = &block.insts[j];
        let keeps = matches!(
            NanRule::from_imm(f.imm),
            Some(NanRule::Arm | NanRule::Power)
        );
        if f.op != Opcode::Fnan
            || !matches!(f.ty, Type::F32 | Type::F64)
            || !keeps
            || self.nan_pend.uses.is_empty()
            || self.vec_skip[j]
            || self.nan_done[j].is_some()
        {
            return false;
        }
        let a = f.args[0].index();
        let ai = &block.insts[a];
        if !propagates(ai.op)
            || ai.ty != f.ty
            || self.vec_skip[a]
            || self.sink[a]
            || self.nan_pend.uses[a] != 1
        {
            return false;
        }
        let n = xlat_ir::verify::nargs(ai.op.shape(), ai);
        let usable = |x: xlat_ir::Value| {
            x.index() < a
                && (self.nan_member(block, x).is_some()
                    || (!self.nan_pend.derived(x) && vals[x.index()].is_some()))
        };
        ai.args[..n].iter().all(|&x| usable(x)) && f.args[1..3].iter().all(|&x| usable(x))
    }

    /// Whether op `i` may read values computed from untested members
    /// without a flush first: a view of them (bitcast, extension,
    /// truncation, lane insert), a `set`, or the arithmetic and `fnan` of
    /// a member to be.
    fn nan_reader_ok(&self, block: &Block, i: usize, vals: &[Option<ir::Value>]) -> bool {
        let inst = &block.insts[i];
        if self.sink[i] || self.vec_skip[i] {
            return false;
        }
        match inst.op.shape() {
            Shape::Set => inst.imm as usize != self.layout.pc.0 as usize,
            Shape::Bitcast | Shape::Narrow | Shape::Extend => true,
            Shape::VInsert => self.vec_float[i].is_none(),
            _ if inst.op == Opcode::Fnan => self.nan_deferrable(block, i, vals),
            _ if propagates(inst.op) => self.nan_pend.first_reader[i].is_some_and(|j| {
                block.insts[j].args[0].index() == i && self.nan_deferrable(block, j, vals)
            }),
            _ => false,
        }
    }

    /// Whether the pending group must be tested before op `i` of block
    /// `k` is lowered (see the module comment).
    pub(super) fn nan_flush_before(
        &self,
        block: &Block,
        k: usize,
        i: usize,
        vals: &[Option<ir::Value>],
    ) -> bool {
        if !self.nan_pend.active() {
            return false;
        }
        let inst = &block.insts[i];
        match inst.op.shape() {
            Shape::Call | Shape::Store | Shape::Rmw | Shape::Cas => true,
            // A load writes a snapshot after a side effect.
            Shape::Load => self.effect.is_some(),
            Shape::Marker => self.tail[k].as_ref().is_some_and(|t| t.at == i),
            Shape::Get => self.nan_pend.regs.iter().any(|e| e.0 == inst.imm as usize),
            // A group whose frontier would outgrow one test is tested
            // first (fewer values kept alive across the test).
            _ if inst.op == Opcode::Fnan && self.nan_deferrable(block, i, vals) => {
                let read = self.nan_read(block, i);
                let f = &self.nan_pend.frontier;
                f.iter().filter(|m| !read.contains(m)).count() + 1 > FRONTIER_MAX
            }
            _ => {
                inst.operands().any(|a| self.nan_pend.derived(a))
                    && !self.nan_reader_ok(block, i, vals)
            }
        }
    }

    /// The pending group's members that the op `fnan` op `j` tests reads.
    fn nan_read(&self, block: &Block, j: usize) -> Vec<usize> {
        let a = &block.insts[block.insts[j].args[0].index()];
        let n = xlat_ir::verify::nargs(a.op.shape(), a);
        a.args[..n]
            .iter()
            .filter_map(|&x| self.nan_member(block, x))
            .collect()
    }

    /// Lowers `fnan` op `j` as deferred when it can be (its value is its
    /// first operand, untested for now); false otherwise.
    pub(super) fn nan_defer(
        &mut self,
        block: &Block,
        j: usize,
        vals: &[Option<ir::Value>],
    ) -> bool {
        if !self.nan_deferrable(block, j, vals) {
            return false;
        }
        // A NaN in a member it reads makes this result a NaN: testing
        // this one tests that one.
        let read = self.nan_read(block, j);
        let p = &mut self.nan_pend;
        p.frontier.retain(|m| !read.contains(m));
        p.frontier.push(j);
        p.members.push(j);
        p.member[j] = true;
        p.derived[j] = true;
        true
    }

    /// Records what op `i` (just lowered) did to the pending group: a
    /// value computed from derived ones is derived; a register set to one
    /// is redefined at the flush.
    pub(super) fn nan_note(&mut self, block: &Block, i: usize) {
        let p = &mut self.nan_pend;
        if !p.active() {
            return;
        }
        let inst = &block.insts[i];
        let d = inst.operands().any(|a| p.derived[a.index()]);
        if inst.op == Opcode::Set {
            let r = inst.imm as usize;
            p.regs.retain(|e| e.0 != r);
            if d {
                p.regs.push((r, inst.args[0].index()));
            }
        } else if d {
            p.derived[i] = true;
        }
    }

    /// Which derived values (and so members) are needed after a flush
    /// before op `at`: read at or after it (or by the terminal), set to a
    /// register, or needed to recompute such a value. The others (members
    /// only other members read) need no tested value on the fast path, so
    /// their host results are not kept alive until the test.
    fn nan_needed(&self, block: &Block, at: usize, regs: &[(usize, usize)]) -> Vec<bool> {
        let p = &self.nan_pend;
        let mut need = vec![false; block.insts.len()];
        let reads = block.insts[at..]
            .iter()
            .flat_map(|inst| inst.operands())
            .chain(block.terminal().operand());
        for a in reads.chain(regs.iter().map(|e| xlat_ir::Value(e.1 as u32))) {
            need[a.index()] |= p.derived[a.index()];
        }
        for k in (0..at).rev() {
            if need[k] {
                for a in block.insts[k].operands() {
                    need[a.index()] |= p.derived[a.index()];
                }
            }
        }
        need
    }

    /// Tests the pending group before op `at` (the block's length at its
    /// end): one unordered compare of two frontier values per branch;
    /// when one is a NaN, every member is recomputed exactly out of line.
    /// Afterwards the members, the values derived from them (in `vals` and
    /// `self.vals`) and the registers set to them that are still needed
    /// ([`Fx::nan_needed`]) hold the tested values.
    pub(super) fn nan_flush(&mut self, block: &Block, at: usize, vals: &mut [Option<ir::Value>]) {
        if !self.nan_pend.active() {
            return;
        }
        let members = std::mem::take(&mut self.nan_pend.members);
        let frontier = std::mem::take(&mut self.nan_pend.frontier);
        let regs = std::mem::take(&mut self.nan_pend.regs);
        let need = self.nan_needed(block, at, &regs);
        let kept: Vec<usize> = members.iter().copied().filter(|&m| need[m]).collect();
        let raw: Vec<ir::Value> = kept
            .iter()
            .map(|&m| vals[m].expect("member lowered"))
            .collect();
        let slow = self.b.create_block();
        let join = self.b.create_block();
        self.b.set_cold_block(slow);
        for &m in &kept {
            self.b.append_block_param(join, clif_ty(block.insts[m].ty));
        }
        // Pairs of the same type.
        let mut pairs = Vec::new();
        for t in [Type::F32, Type::F64] {
            let of: Vec<ir::Value> = frontier
                .iter()
                .filter(|&&m| block.insts[m].ty == t)
                .map(|&m| vals[m].expect("member lowered"))
                .collect();
            pairs.extend(of.chunks(2).map(|c| (c[0], c[c.len() - 1])));
        }
        for (k, &(x, y)) in pairs.iter().enumerate() {
            let nan = self.b.ins().fcmp(FloatCC::Unordered, x, y);
            if k + 1 == pairs.len() {
                let args: Vec<BlockArg> = raw.iter().map(|&v| BlockArg::Value(v)).collect();
                self.b.ins().brif(nan, slow, &[], join, &args);
            } else {
                let next = self.b.create_block();
                self.b.ins().brif(nan, slow, &[], next, &[]);
                self.b.switch_to_block(next);
            }
        }
        // Out of line: every member again, in order, from fixed values.
        self.b.switch_to_block(slow);
        let mut fixed: Vec<(usize, ir::Value)> = Vec::new();
        for &m in &members {
            let f = &block.insts[m];
            let a = &block.insts[f.args[0].index()];
            let n = xlat_ir::verify::nargs(a.op.shape(), a);
            let val = |s: &Self, x: xlat_ir::Value| match s.nan_member(block, x) {
                Some(mm) => fixed.iter().find(|e| e.0 == mm).expect("earlier member").1,
                None => vals[x.index()].expect("operand defined"),
            };
            let args: Vec<ir::Value> = a.args[..n].iter().map(|&x| val(self, x)).collect();
            let r = self.float_op(a.op, a.ty, block.ty(a.args[0]), a.imm, &args, block, a);
            let (b, c) = (val(self, f.args[1]), val(self, f.args[2]));
            let v = self.fallback(block, f, &[r, b, c]);
            fixed.push((m, v));
        }
        let args: Vec<BlockArg> = fixed
            .iter()
            .filter(|e| need[e.0])
            .map(|e| BlockArg::Value(e.1))
            .collect();
        self.b.ins().jump(join, &args);
        self.b.switch_to_block(join);
        for (k, &m) in kept.iter().enumerate() {
            let v = self.b.block_params(join)[k];
            vals[m] = Some(v);
            self.vals[m] = Some(v);
        }
        for &m in &members {
            self.nan_pend.member[m] = false;
        }
        // The views and member arithmetic computed from untested values
        // and still needed, again from the tested ones.
        for k in 0..block.insts.len() {
            let derived = std::mem::take(&mut self.nan_pend.derived[k]);
            if !derived || !need[k] || members.contains(&k) {
                continue;
            }
            if vals[k].is_none() && self.vals[k].is_none() {
                continue;
            }
            let v = self.nan_rederive(block, k, vals);
            vals[k] = v;
            self.vals[k] = v;
        }
        for (r, a) in regs {
            let v = vals[a].expect("set value defined");
            self.b.def_var(self.vars[r].expect("used register"), v);
            self.fsrc[r] = float_to_vector(block, &block.insts[a]).and_then(|f| vals[f.index()]);
        }
    }

    /// Lowers derived op `k` again from `vals`.
    fn nan_rederive(
        &mut self,
        block: &Block,
        k: usize,
        vals: &[Option<ir::Value>],
    ) -> Option<ir::Value> {
        let inst = &block.insts[k];
        if matches!(
            inst.op.shape(),
            Shape::Bitcast | Shape::Narrow | Shape::Extend
        ) {
            return self.lower_view(block, k, vals);
        }
        let n = xlat_ir::verify::nargs(inst.op.shape(), inst);
        let args: Vec<ir::Value> = inst.args[..n]
            .iter()
            .map(|a| vals[a.index()].expect("operand defined"))
            .collect();
        Some(if inst.op == Opcode::Vinsert {
            self.vec_op(inst.op, inst.ty, inst.imm, &args, block, inst)
        } else {
            let aty = block.ty(inst.args[0]);
            self.float_op(inst.op, inst.ty, aty, inst.imm, &args, block, inst)
        })
    }
}
