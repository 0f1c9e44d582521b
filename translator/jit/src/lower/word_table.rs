//! A switch through a table of 32-bit words, jumped through on its index.
//!
//! GCC's PowerPC switch (`lbzx r9, ...; addis r8, r2, hi; addi r8, r8, lo;
//! sldi r9, r9, 2; lwax r9, r8, r9; add r9, r9, r8; mtctr r9; bctr`) loads
//! a signed word `W[i]` of a table at `T` (TOC-relative, so not a constant
//! of the IR) and jumps to `T + W[i]`, the table lying right after the
//! `bctr`. [`plan`] recognises the block's IR form of it (the index a
//! zero-extended byte, so `i < 256`) and reads the 256 words at the
//! block's end `T0` when the region is compiled. The jump then checks
//! `T == T0` and takes a 256-entry `br_table` on the byte straight to the
//! region block of `T0 + W[i]`: the word's load, its bounds check, the add
//! and the target's hash and compare are left out, and the registers the
//! guest sets from the word (`r9`, `ctr`) are constants on each way out.
//! Any other `T`, or a byte whose target is no block of the region, takes
//! the miss path, which loads the word as the guest does (and faults as
//! it would) and jumps as before.
//!
//! The words are guest memory read at compile time: the region is valid
//! only while they are unchanged. They are read through
//! [`GuestMemory::fetch_code`] (executable memory only; a world
//! write-protects it as code) and listed in [`crate::Region::tables`], so
//! the engine drops the region when a store, `mprotect` or `munmap`
//! touches them, as it does for the region's code.

use super::{Fx, sync_of};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder};
use std::collections::HashMap;
use xlat_ir::abi::GuestMemory;
use xlat_ir::{Block, MemFlags, Opcode, Terminal, Type, Value};

/// Slots of a byte-indexed table.
const SLOTS: usize = crate::SWITCH_TABLE_BYTES as usize / 4;

/// A block's table jump: the ops it defers (see the module docs) and the
/// table read at compile time.
#[derive(Clone, Debug)]
pub(super) struct Plan {
    /// The word's load (`load.i64 [s32]`).
    load: usize,
    /// `T + word`.
    add: usize,
    /// `(T + word) & mask`, the jump's target, if the block masks it.
    mask: Option<(usize, u64)>,
    /// The op of `T`.
    base: usize,
    /// The op of the index byte (an `i8`).
    index: usize,
    /// `T0`: the table's address (the block's end).
    t0: u64,
    /// The words read at `T0` (sign-extended), one per readable slot.
    words: Vec<i64>,
    /// Per word: whether its target is a block of the region.
    hits: Vec<bool>,
}

impl Plan {
    /// The value of deferred op `i` when the word is `w` (`T == T0`).
    fn value(&self, i: usize, w: i64) -> Option<u64> {
        let sum = self.t0.wrapping_add(w as u64);
        if i == self.load {
            Some(w as u64)
        } else if i == self.add {
            Some(sum)
        } else {
            self.mask.filter(|&(m, _)| m == i).map(|(_, c)| sum & c)
        }
    }

    /// The jump's target when the word is `w`.
    fn target(&self, w: i64) -> u64 {
        let op = self.mask.map_or(self.add, |(m, _)| m);
        self.value(op, w).expect("deferred op")
    }

    /// Whether op `i` is one the plan defers.
    pub(super) fn defers(&self, i: usize) -> bool {
        self.value(i, 0).is_some()
    }
}

/// The constant op `v` is, if it is one (`None` also for an operand slot
/// the op does not use).
fn konst(block: &Block, v: Value) -> Option<u64> {
    let i = block.insts.get(v.index())?;
    (i.op == Opcode::Const).then_some(i.imm)
}

/// `v` as `x + y` (64 bits).
fn add_of(block: &Block, v: Value) -> Option<(Value, Value)> {
    let i = &block.insts[v.index()];
    (i.op == Opcode::Add && i.ty == Type::I64).then(|| (i.args[0], i.args[1]))
}

/// The byte `v` indexes words by: `v = zext(b) << 2` with `b` an `i8`.
fn word_index(block: &Block, v: Value) -> Option<Value> {
    let s = &block.insts[v.index()];
    if s.op != Opcode::Shl || konst(block, s.args[1]) != Some(2) {
        return None;
    }
    let z = &block.insts[s.args[0].index()];
    (z.op == Opcode::Zext && block.ty(z.args[0]) == Type::I8).then_some(z.args[0])
}

/// The table jump of `block`, if its terminal is one (see the module
/// docs) whose table `code` can read: `None` for any other block, or
/// where no slot reaches one of `pcs` (the region blocks the jump may
/// continue at). The block must have no side effect (a store, a helper)
/// and no load it does not need before the jump, so that the word's load
/// may move to the miss path, and the deferred ops may feed only `set`s,
/// each other and the terminal.
pub(super) fn plan(block: &Block, code: &dyn GuestMemory, pcs: &[u64]) -> Option<Plan> {
    let Terminal::JumpIndirect(t) = block.terminal() else {
        return None;
    };
    let ti = &block.insts[t.index()];
    let (sum, mask) = match (ti.op, konst(block, ti.args[1])) {
        (Opcode::And, Some(c)) => (ti.args[0], Some((t.index(), c))),
        _ => (t, None),
    };
    let (x, y) = add_of(block, sum)?;
    let is_word = |v: Value| {
        let i = &block.insts[v.index()];
        let f = MemFlags::from_imm(i.imm);
        i.op == Opcode::Load && i.ty == Type::I64 && f.size == 4 && f.signed && !f.aligned
    };
    let (word, base) = if is_word(x) { (x, y) } else { (y, x) };
    if !is_word(word) {
        return None;
    }
    let (a, b) = add_of(block, block.insts[word.index()].args[0])?;
    let index = if a == base {
        word_index(block, b)?
    } else if b == base {
        word_index(block, a)?
    } else {
        return None;
    };
    let deferred = [Some(word.index()), Some(sum.index()), mask.map(|m| m.0)];
    let is_deferred = |i: usize| deferred.contains(&Some(i));
    for (i, inst) in block.insts.iter().enumerate() {
        let ok_use = inst.op == Opcode::Set || is_deferred(i);
        if !ok_use && inst.operands().any(|v| is_deferred(v.index())) {
            return None;
        }
        // Nothing but loads before the jump may observe memory or state,
        // and no fence: the miss path loads the word after the block's
        // other loads, which a fence between them would forbid.
        if inst.op == Opcode::Fence
            || !matches!(sync_of(block, inst), super::Sync::None | super::Sync::Load)
        {
            return None;
        }
    }
    let t0 = block.pc.checked_add(block.guest_len as u64)?;
    if t0 % 4 != 0 {
        return None;
    }
    let mut words = Vec::with_capacity(SLOTS);
    for s in 0..SLOTS as u64 {
        let mut w = [0u8; 4];
        if code.fetch_code(t0 + 4 * s, &mut w).is_err() {
            break;
        }
        words.push(i32::from_le_bytes(w) as i64);
    }
    let mut plan = Plan {
        load: word.index(),
        add: sum.index(),
        mask,
        base: base.index(),
        index: index.index(),
        t0,
        words,
        hits: Vec::new(),
    };
    plan.hits = plan
        .words
        .iter()
        .map(|&w| pcs.contains(&plan.target(w)))
        .collect();
    plan.hits.contains(&true).then_some(plan)
}

impl Fx<'_, '_> {
    /// Plans block `k`'s table jump (see [`plan`]) when the region was
    /// given guest memory to read and the jump may continue inside the
    /// region; the deferred ops are then sunk (emitted on the miss path
    /// only) and the table's bytes recorded.
    pub(super) fn word_table_plan(&mut self, k: usize) {
        self.table = None;
        let Some(code) = self.code else { return };
        if self.indirect[k].is_empty() {
            return;
        }
        let pcs: Vec<u64> = self.indirect[k]
            .iter()
            .map(|&j| self.blocks[j].pc)
            .collect();
        let Some(p) = plan(self.blocks[k], code, &pcs) else {
            return;
        };
        for i in [Some(p.load), Some(p.add), p.mask.map(|m| m.0)]
            .into_iter()
            .flatten()
        {
            self.sink[i] = true;
        }
        // The code depends on the words up to the last that reaches a
        // region block (the others are the miss path's, which loads them).
        let used = p.hits.iter().rposition(|&h| h).map_or(0, |s| s + 1);
        self.tables.push((p.t0, p.t0 + 4 * used as u64));
        self.table = Some(p);
    }

    /// Emits the word's load of the current block's plan if `i` is it
    /// (on the miss path: as the guest's `lwax`, checked, faulting as
    /// the access would).
    pub(super) fn word_table_load(&mut self, i: usize) -> Option<ir::Value> {
        if self.table.as_ref()?.load != i {
            return None;
        }
        let inst = &self.blocks[self.cur].insts[i];
        let addr = self.vals[inst.args[0].index()].expect("table address emitted");
        let site = self.sites[i];
        self.mem_op(
            Opcode::Load,
            inst.ty,
            inst.ty,
            inst.imm,
            &[addr],
            false,
            None,
            site,
        )
    }

    /// The terminal of block `k`, a planned table jump: `T == T0` and a
    /// `br_table` on the index byte to one block per word that reaches a
    /// region block (the registers set from the deferred ops constants
    /// there), else the miss path: the deferred ops emitted and an exit
    /// through the jump cache.
    pub(super) fn word_table_jump(&mut self, k: usize) {
        let p = self.table.take().expect("planned table jump");
        let t = self.vals[p.base].expect("table base emitted");
        let x = self.vals[p.index].expect("index byte emitted");
        let go = self.b.create_block();
        let miss = self.b.create_block();
        let at = self.b.ins().icmp_imm_s(IntCC::Equal, t, p.t0 as i64);
        self.b.ins().brif(at, go, &[], miss, &[]);
        self.b.switch_to_block(go);
        // One way out per distinct word whose target is a region block.
        let mut ways: Vec<i64> = Vec::new();
        let mut slot_of = vec![None; SLOTS];
        for (s, &w) in p.words.iter().enumerate() {
            if p.hits[s] {
                let at = ways.iter().position(|&v| v == w).unwrap_or_else(|| {
                    ways.push(w);
                    ways.len() - 1
                });
                slot_of[s] = Some(at);
            }
        }
        let hits: Vec<ir::Block> = ways.iter().map(|_| self.b.create_block()).collect();
        self.br_table_to(x, &slot_of, &hits, miss);
        let (dirty, pcn, eff) = (self.dirty.clone(), self.pc_known, self.effect);
        let pending = self.pending.clone();
        for (&w, &hit) in ways.iter().zip(&hits) {
            self.b.switch_to_block(hit);
            for r in 0..self.pending.len() {
                if let Some(c) = self.pending[r].and_then(|i| p.value(i, w)) {
                    let ty = super::clif_ty(self.layout.regs[r].ty);
                    let v = self.b.ins().iconst(ty, c as i64);
                    self.b.def_var(self.vars[r].expect("used register"), v);
                    self.pending[r] = None;
                }
            }
            self.edge(k, p.target(w));
            self.dirty = dirty.clone();
            self.pending = pending.clone();
            self.pc_known = pcn;
            self.effect = eff;
        }
        self.b.switch_to_block(miss);
        self.table = Some(p.clone());
        let mut memo = HashMap::new();
        let target = self.remat(p.mask.map_or(p.add, |m| m.0), &mut memo);
        for r in 0..self.pending.len() {
            if let Some(i) = self.pending[r].filter(|&i| p.defers(i)) {
                let v = self.remat(i, &mut memo);
                self.b.def_var(self.vars[r].expect("used register"), v);
                self.pending[r] = None;
            }
        }
        self.table = None;
        // Every region block a word reaches has its slot: what is left
        // (another `T`, a byte past the words) leaves the region.
        self.indirect_exit(target);
    }
}
