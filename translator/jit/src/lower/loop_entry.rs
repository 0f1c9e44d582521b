//! One-block loops with stores, lowered twice behind a once-per-entry
//! range check.
//!
//! A block that loops to itself, loads and stores, and whose stores need
//! a snapshot per iteration (the per-iteration snapshot its accesses' host
//! faults would retry from), is emitted twice: a *fast* copy with no
//! snapshot and no per-access bounds check inside the loop, and today's
//! body (the *slow* copy) as the fallback. On every way into the loop a
//! check computes, from the registers' values at that point, a range
//! that holds every address the loop's accesses can reach in any of its
//! iterations, and asks the world ([`GuestMemory::direct_ranges`]) whether
//! direct accesses to it can neither fault on the host nor need the slow
//! path until compiled code next returns to the dispatcher. Only then does
//! the fast copy run: no host fault can happen in it, so nothing in it
//! retries from a snapshot. Its edge to itself writes nothing (its stop
//! path writes the dirty registers and the PC); its other edges write a
//! full snapshot (the loop's stores happened after `env`'s last one).
//!
//! The bound. An address is an expression of the block's IR over
//! constants, registers the block does not set (the same in every
//! iteration), and *induction* registers: a register `x` whose last `set`
//! in the block is one operand of the loop's exit compare (unsigned
//! `x <= n` or `x < n` continues, `n` a constant or a register the block
//! does not set). Every iteration after the first begins with `x <= n`,
//! whatever the step, so `x` lies in `[0, max(x_entry, n)]`. A compare
//! `x != n` (GCC's form when it knows the trip count: `cmp x0, #0x100;
//! b.ne`) bounds `x` when the last `set` is `x + s` (`s` a constant power
//! of two) and the entry finds `x < n` with `s` dividing `n - x`: then `x`
//! runs `x_entry, x_entry + s, .., n - s`. Sums, shifts by constants and
//! masks (`and` with anything bounded, or zero extensions) carry the
//! bounds; an overflow of an upper bound at run time fails the check.
//! Anything else (a loaded value, a register set in the loop other than an
//! induction register) leaves the loop unversioned.

use super::{Fx, Shape, trusted};
use cranelift_codegen::ir::{self, AbiParam, InstBuilder, condcodes::IntCC, types};
use std::mem::offset_of;
use std::sync::atomic::{AtomicU64, Ordering as AtOrd};
use xlat_ir::abi::{CpuHeader, DirectWindow, MemRef};
use xlat_ir::{Block, Cond, MemFlags, Opcode, Ordering, StateLayout, Terminal, Value};

/// An upper and lower bound of an address part over all iterations, as
/// computed at the loop's entry.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Iv {
    /// A constant.
    Const(u64),
    /// A register the loop does not set: its entry value.
    Inv(usize),
    /// An induction register ([`Bound`]).
    Ind(usize),
    /// A register stepped by the second operand (a constant or a register
    /// the loop does not set) in every iteration: `[p, p + k * d]` for the
    /// `k` further iterations the compare allows at most.
    Ptr(usize, Box<Iv>),
    /// `[0, hi]` of the operand (`and`, zero extension).
    Upto(Box<Iv>),
    /// Sum (the second operand a constant below 0 subtracts).
    Add(Box<Iv>, Box<Iv>),
    /// Shift left by a constant (1..63).
    Shl(Box<Iv>, u32),
    /// Logical shift right by a constant (1..63).
    Shr(Box<Iv>, u32),
}

/// How the exit compare bounds the induction registers.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Bound {
    /// `x <= n` (or `x < n`) at every iteration after the first.
    Le,
    /// `x != n` continues and `x` steps by this power of two.
    Step(u64),
}

/// A loop lowered twice: its accesses' address bounds.
#[derive(Clone, Debug)]
pub(crate) struct Loop {
    /// The compare's other operand: a constant or a register the loop
    /// does not set.
    n: Iv,
    bound: Bound,
    /// The induction register and its step, where it has one
    /// ([`stepped`]): what bounds the trip count for [`Iv::Ptr`].
    step: Option<(usize, Iv)>,
    /// (address, size, store) per access.
    accesses: Vec<(Iv, u8, bool)>,
}

fn def(block: &Block, v: Value) -> Option<&xlat_ir::Inst> {
    v.is_some().then(|| block.insts.get(v.index())).flatten()
}

/// The constant `v` holds, if it is one.
fn constant(block: &Block, v: Value) -> Option<u64> {
    def(block, v)
        .filter(|i| i.op.shape() == Shape::Const && i.ty.is_int())
        .map(|i| i.imm)
}

/// Per register: set somewhere in the block.
fn set_regs(block: &Block, nregs: usize) -> Vec<bool> {
    let mut set = vec![false; nregs];
    for i in &block.insts {
        if i.op.shape() == Shape::Set && (i.imm as usize) < nregs {
            set[i.imm as usize] = true;
        }
    }
    set
}

/// The value of the block's last `set` of each register.
fn last_sets(block: &Block, nregs: usize) -> Vec<Option<Value>> {
    let mut last = vec![None; nregs];
    for i in &block.insts {
        if i.op.shape() == Shape::Set && (i.imm as usize) < nregs {
            last[i.imm as usize] = Some(i.args[0]);
        }
    }
    last
}

/// `Some(s)` where `v` is `get r + s` (`get r` the entry value of `r`,
/// `s` a constant or a register the loop does not set): `r` steps by `s`.
fn stepped(block: &Block, v: Value, r: usize, set: &[bool], pc: usize) -> Option<Iv> {
    let add = def(block, v).filter(|i| i.op == Opcode::Add && i.ty == xlat_ir::Type::I64)?;
    let entry = |w: Value| {
        def(block, w).is_some_and(|g| {
            g.op.shape() == Shape::Get
                && g.imm as usize == r
                && !block.insts[..w.index()]
                    .iter()
                    .any(|s| s.op.shape() == Shape::Set && s.imm as usize == r)
        })
    };
    let s = match (entry(add.args[0]), entry(add.args[1])) {
        (true, _) => add.args[1],
        (_, true) => add.args[0],
        _ => return None,
    };
    if let Some(c) = constant(block, s) {
        return Some(Iv::Const(c));
    }
    let g = def(block, s).filter(|g| g.op.shape() == Shape::Get && g.ty == xlat_ir::Type::I64)?;
    let q = g.imm as usize;
    (q < set.len() && q != pc && !set[q]).then_some(Iv::Inv(q))
}

/// Whether every op of the block is one the fast copy can run without a
/// snapshot: no helper, atomic, fence, ordered or alignment-checked
/// access; and at least one store.
fn plain_ops(block: &Block) -> bool {
    let mut stores = false;
    for i in &block.insts {
        match i.op.shape() {
            Shape::Call | Shape::Rmw | Shape::Cas | Shape::Fence => return false,
            Shape::Load | Shape::Store => {
                let f = MemFlags::from_imm(i.imm);
                if f.aligned || f.order != Ordering::Relaxed || f.size > 16 {
                    return false;
                }
                stores |= i.op.shape() == Shape::Store;
            }
            _ => {}
        }
    }
    stores
}

/// The loop's plan, if block `k` of `blocks` is a one-block loop with
/// stores whose accesses the entry check can bound.
pub(super) fn plan(layout: &StateLayout, blocks: &[&Block], k: usize) -> Option<Loop> {
    let block = blocks[k];
    let Terminal::Branch {
        cond,
        taken,
        not_taken,
    } = block.terminal()
    else {
        return None;
    };
    // Continue when the condition is `stay`.
    let stay = match (taken == block.pc, not_taken == block.pc) {
        (true, false) => true,
        (false, true) => false,
        _ => return None,
    };
    if !plain_ops(block) {
        return None;
    }
    let nregs = layout.regs.len();
    let set = set_regs(block, nregs);
    let last = last_sets(block, nregs);
    let c = def(block, cond).filter(|i| i.op == Opcode::Icmp)?;
    let (a, b) = (c.args[0], c.args[1]);
    if block.ty(a) != xlat_ir::Type::I64 {
        return None;
    }
    // (x, n, bound): the loop continues only while `x <= n` (Le), or
    // `x != n`, in either operand order.
    let cands: Vec<(Value, Value)> = match (Cond::from_imm(c.imm)?, stay) {
        (Cond::Ule | Cond::Ult, true) | (Cond::Ugt | Cond::Uge, false) => vec![(a, b)],
        (Cond::Uge | Cond::Ugt, true) | (Cond::Ult | Cond::Ule, false) => vec![(b, a)],
        (Cond::Ne, true) | (Cond::Eq, false) => vec![(a, b), (b, a)],
        _ => return None,
    };
    let ne = matches!(
        (Cond::from_imm(c.imm)?, stay),
        (Cond::Ne, true) | (Cond::Eq, false)
    );
    let pc = layout.pc.0 as usize;
    for (x, nv) in cands {
        // The bound: a constant or a register the loop does not set.
        let n = match constant(block, nv) {
            Some(v) => Iv::Const(v),
            None => {
                let g = def(block, nv).filter(|i| i.op.shape() == Shape::Get)?;
                let r = g.imm as usize;
                if r >= nregs || r == pc || set[r] {
                    continue;
                }
                Iv::Inv(r)
            }
        };
        let ind: Vec<usize> = (0..nregs).filter(|&r| last[r] == Some(x)).collect();
        if ind.is_empty() {
            continue;
        }
        // `x = get x + s` (one induction register).
        let step = match ind[..] {
            [r] => stepped(block, x, r, &set, pc).map(|s| (r, s)),
            _ => None,
        };
        let bound = if ne {
            // `s` a power of two.
            match step {
                Some((_, Iv::Const(s))) if s.is_power_of_two() && s < 1 << 32 => Bound::Step(s),
                _ => continue,
            }
        } else {
            Bound::Le
        };
        // Registers stepped in every iteration, bounded by the trip count.
        let ptrs: Vec<(usize, Iv)> = (0..nregs)
            .filter(|&r| set[r] && !ind.contains(&r))
            .filter_map(|r| Some((r, stepped(block, last[r]?, r, &set, pc)?)))
            .filter(|_| step.is_some())
            .collect();
        let mut accesses = Vec::new();
        let mut ok = true;
        for inst in &block.insts {
            if matches!(inst.op.shape(), Shape::Load | Shape::Store) {
                let f = MemFlags::from_imm(inst.imm);
                let regs = Regs {
                    set: &set,
                    ind: &ind,
                    ptrs: &ptrs,
                    pc,
                };
                match address(block, inst.args[0], &regs) {
                    Some(iv) => accesses.push((iv, f.size, inst.op.shape() == Shape::Store)),
                    None => ok = false,
                }
            }
        }
        if ok {
            return Some(Loop {
                n,
                bound,
                step,
                accesses,
            });
        }
    }
    None
}

/// What [`address`] knows of the block's registers.
struct Regs<'a> {
    /// Per register: set in the loop.
    set: &'a [bool],
    /// The induction registers.
    ind: &'a [usize],
    /// Registers stepped by a loop-invariant amount, with the step.
    ptrs: &'a [(usize, Iv)],
    /// The PC register.
    pc: usize,
}

/// The bound of value `v` of the block, if it has one.
fn address(block: &Block, v: Value, regs: &Regs) -> Option<Iv> {
    let i = def(block, v)?;
    let sub = |w: Value| address(block, w, regs);
    let (set, ind, pc) = (regs.set, regs.ind, regs.pc);
    match i.op.shape() {
        Shape::Const if i.ty.is_int() => Some(Iv::Const(i.imm)),
        Shape::Get => {
            let r = i.imm as usize;
            // A `get` after a `set` of its register reads the set value.
            let before_set = !block.insts[..v.index()]
                .iter()
                .any(|s| s.op.shape() == Shape::Set && s.imm as usize == r);
            if r == pc || r >= set.len() || i.ty != xlat_ir::Type::I64 || !before_set {
                None
            } else if !set[r] {
                Some(Iv::Inv(r))
            } else if ind.contains(&r) {
                Some(Iv::Ind(r))
            } else {
                let (_, d) = regs.ptrs.iter().find(|(p, _)| *p == r)?;
                Some(Iv::Ptr(r, Box::new(d.clone())))
            }
        }
        _ if i.ty != xlat_ir::Type::I64 => None,
        Shape::Extend if i.op == Opcode::Zext => {
            let bits = block.ty(i.args[0]).bits();
            (bits < 64).then(|| Iv::Upto(Box::new(Iv::Const((1u64 << bits) - 1))))
        }
        Shape::Bin => {
            let (x, y) = (i.args[0], i.args[1]);
            match i.op {
                Opcode::Add => {
                    let (x, y) = if constant(block, x).is_some() {
                        (y, x)
                    } else {
                        (x, y)
                    };
                    Some(Iv::Add(Box::new(sub(x)?), Box::new(sub(y)?)))
                }
                Opcode::And => {
                    // A constant mask first (the tightest bound).
                    let c = constant(block, y).or_else(|| constant(block, x));
                    let m = c.map(Iv::Const).or_else(|| sub(x)).or_else(|| sub(y))?;
                    Some(Iv::Upto(Box::new(m)))
                }
                Opcode::Shl | Opcode::Lshr => {
                    let s = constant(block, y).filter(|s| (1..64).contains(s))? as u32;
                    let a = Box::new(sub(x)?);
                    Some(if i.op == Opcode::Shl {
                        Iv::Shl(a, s)
                    } else {
                        Iv::Shr(a, s)
                    })
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether `plan`'s loop may be lowered twice in this region: every
/// in-region block its exits reach finds in `env` either no known PC or
/// its own (the fast copy's exits store the target's PC).
pub(super) fn exits_ok(
    blocks: &[&Block],
    k: usize,
    entry_pc: impl Fn(usize) -> Option<u64>,
) -> bool {
    let Terminal::Branch {
        taken, not_taken, ..
    } = blocks[k].terminal()
    else {
        return false;
    };
    [taken, not_taken]
        .into_iter()
        .all(|t| match blocks.iter().position(|b| b.pc == t) {
            Some(j) if j != k => entry_pc(j).is_none_or(|p| p == t),
            _ => true,
        })
}

unsafe extern "C" {
    /// `preserve_all` thunk of [`xlat_jit_ranges`] (answer to
    /// `CpuHeader::helper_fault`).
    fn xlat_jit_ranges_pa();
}

/// Asks the world about a loop's ranges ([`GuestMemory::direct_ranges`]):
/// 1 where the fast copy may run; the window it promises goes to
/// [`CpuHeader::window`] for the next entries.
///
/// # Safety
/// Called by compiled code with its state block, whose `mem` is 0 or a
/// live `*const MemRef`.
///
/// [`GuestMemory::direct_ranges`]: xlat_ir::abi::GuestMemory::direct_ranges
pub(crate) unsafe extern "C" fn xlat_jit_ranges(
    env: *mut u8,
    rlo: u64,
    rhi: u64,
    wlo: u64,
    whi: u64,
) -> u64 {
    let hdr = env as *mut CpuHeader;
    // SAFETY: compiled-code contract: `env` is a state block.
    let m = unsafe { (*hdr).mem } as *const MemRef;
    if m.is_null() {
        return 0;
    }
    QUESTIONS[0].fetch_add(1, AtOrd::Relaxed);
    // SAFETY: compiled-code contract: a live `MemRef`.
    match unsafe { &*m }.direct_ranges(rlo, rhi, wlo, whi) {
        Some(ws) => {
            // SAFETY: as above.
            let kept = unsafe { &mut (*hdr).windows };
            *kept = latest(ws, *kept);
            1
        }
        None => {
            QUESTIONS[1].fetch_add(1, AtOrd::Relaxed);
            0
        }
    }
}

/// The two windows to keep: the world's new ones, then the kept ones,
/// without empty ones or repeats.
fn latest(new: [DirectWindow; 2], kept: [DirectWindow; 2]) -> [DirectWindow; 2] {
    let mut out = [DirectWindow::default(); 2];
    let mut k = 0;
    for w in new.into_iter().chain(kept) {
        if k < 2 && !w.is_empty() && !out[..k].contains(&w) {
            out[k] = w;
            k += 1;
        }
    }
    out
}

/// Questions asked by loop entry checks and refusals, process-wide
/// ([`loop_questions`]).
static QUESTIONS: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

/// How often compiled loops' entry checks asked the world
/// ([`GuestMemory::direct_ranges`]) in this process, and how often it
/// refused: for `-d stats`.
///
/// [`GuestMemory::direct_ranges`]: xlat_ir::abi::GuestMemory::direct_ranges
pub fn loop_questions() -> (u64, u64) {
    (
        QUESTIONS[0].load(AtOrd::Relaxed),
        QUESTIONS[1].load(AtOrd::Relaxed),
    )
}

/// What the entry check has computed so far.
struct Check {
    /// An overflow or a failed condition: the check fails.
    bad: ir::Value,
    /// [`Fx::trips`], once computed.
    trips: Option<ir::Value>,
}

impl Fx<'_, '_> {
    /// The number of iterations after the first that the exit compare
    /// allows at most (`K`: the induction register runs `x`, `x + s`, ..,
    /// `x + K * s`), given its step; `c.bad` where it cannot tell (the
    /// entry past the bound, a step 0 or one that could wrap).
    fn trips(&mut self, l: &Loop, x: usize, s: &Iv, c: &mut Check) -> ir::Value {
        let x = self.b.use_var(self.vars[x].expect("used register"));
        let (n, _) = self.bounds(l, &l.n, c);
        let (s, _) = self.bounds(l, s, c);
        let past = self.b.ins().icmp(IntCC::UnsignedGreaterThan, x, n);
        let d = self.b.ins().isub(n, x);
        match l.bound {
            Bound::Le => {
                // x <= n and n + s does not wrap: x only grows.
                let zero = self.b.ins().icmp_imm_s(IntCC::Equal, s, 0);
                let room = self.b.ins().bnot(s);
                let wraps = self.b.ins().icmp(IntCC::UnsignedGreaterThan, n, room);
                for f in [past, zero, wraps] {
                    c.bad = self.b.ins().bor(c.bad, f);
                }
                let one = self.b.ins().iconst(types::I64, 1);
                let s1 = self.b.ins().select(zero, one, s);
                self.b.ins().udiv(d, s1)
            }
            Bound::Step(st) => {
                // x < n and st divides n - x, checked here too: the
                // induction register need not be in any address (whose
                // bound would check it), and where it never meets n the
                // loop runs on past any count.
                self.step_misses(x, n, st, c);
                let q = self.b.ins().ushr_imm_s(d, i64::from(st.trailing_zeros()));
                self.b.ins().iadd_imm_s(q, -1)
            }
        }
    }

    /// `c.bad` unless `x < n` and the power of two `s` divides `n - x`:
    /// a `x != n` loop stepping `x` by `s` then ends at `n`.
    fn step_misses(&mut self, x: ir::Value, n: ir::Value, s: u64, c: &mut Check) {
        let ge = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, x, n);
        let d = self.b.ins().isub(n, x);
        let low = self.b.ins().band_imm_s(d, (s - 1) as i64);
        let odd = self.b.ins().icmp_imm_s(IntCC::NotEqual, low, 0);
        let f = self.b.ins().bor(ge, odd);
        c.bad = self.b.ins().bor(c.bad, f);
    }

    /// The lower and upper bound of `iv` at the loop entry; `c.bad`
    /// collects overflows (the check then fails).
    fn bounds(&mut self, l: &Loop, iv: &Iv, c: &mut Check) -> (ir::Value, ir::Value) {
        match iv {
            Iv::Const(k) => {
                let v = self.b.ins().iconst(types::I64, *k as i64);
                (v, v)
            }
            Iv::Inv(r) => {
                let v = self.b.use_var(self.vars[*r].expect("used register"));
                (v, v)
            }
            Iv::Ind(r) => {
                let x = self.b.use_var(self.vars[*r].expect("used register"));
                let (n, _) = self.bounds(l, &l.n, c);
                match l.bound {
                    Bound::Le => {
                        let z = self.b.ins().iconst(types::I64, 0);
                        (z, self.b.ins().umax(x, n))
                    }
                    Bound::Step(s) => {
                        // x < n, s divides n - x: x runs up to n - s.
                        self.step_misses(x, n, s, c);
                        (x, self.b.ins().iadd_imm_s(n, -(s as i64)))
                    }
                }
            }
            Iv::Ptr(r, d) => {
                let k = match c.trips {
                    Some(k) => k,
                    None => {
                        let (x, s) = l.step.clone().expect("a stepped induction register");
                        let k = self.trips(l, x, &s, c);
                        c.trips = Some(k);
                        k
                    }
                };
                let p = self.b.use_var(self.vars[*r].expect("used register"));
                let (d, _) = self.bounds(l, d, c);
                let high = self.b.ins().umulhi(k, d);
                let over = self.b.ins().icmp_imm_s(IntCC::NotEqual, high, 0);
                let span = self.b.ins().imul(k, d);
                let hi = self.b.ins().iadd(p, span);
                let wraps = self.b.ins().icmp(IntCC::UnsignedLessThan, hi, p);
                for f in [over, wraps] {
                    c.bad = self.b.ins().bor(c.bad, f);
                }
                (p, hi)
            }
            Iv::Upto(a) => {
                let (_, hi) = self.bounds(l, a, c);
                (self.b.ins().iconst(types::I64, 0), hi)
            }
            Iv::Add(a, b) => {
                let (alo, ahi) = self.bounds(l, a, c);
                if let Iv::Const(k) = **b
                    && (k as i64) < 0
                {
                    let d = (k as i64).unsigned_abs() as i64;
                    let under = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, alo, d);
                    c.bad = self.b.ins().bor(c.bad, under);
                    return (
                        self.b.ins().iadd_imm_s(alo, -d),
                        self.b.ins().iadd_imm_s(ahi, -d),
                    );
                }
                let (blo, bhi) = self.bounds(l, b, c);
                let hi = self.b.ins().iadd(ahi, bhi);
                let over = self.b.ins().icmp(IntCC::UnsignedLessThan, hi, ahi);
                c.bad = self.b.ins().bor(c.bad, over);
                (self.b.ins().iadd(alo, blo), hi)
            }
            Iv::Shl(a, s) => {
                let (lo, hi) = self.bounds(l, a, c);
                let top = self.b.ins().ushr_imm_s(hi, 64 - i64::from(*s));
                let over = self.b.ins().icmp_imm_s(IntCC::NotEqual, top, 0);
                c.bad = self.b.ins().bor(c.bad, over);
                (
                    self.b.ins().ishl_imm_s(lo, i64::from(*s)),
                    self.b.ins().ishl_imm_s(hi, i64::from(*s)),
                )
            }
            Iv::Shr(a, s) => {
                let (lo, hi) = self.bounds(l, a, c);
                (
                    self.b.ins().ushr_imm_s(lo, i64::from(*s)),
                    self.b.ins().ushr_imm_s(hi, i64::from(*s)),
                )
            }
        }
    }

    /// Emits the entry check of `l` in the current block: to `fast` where
    /// the world promises every access of every iteration, else to `slow`.
    /// `cell` is the loop's word in the region's data (its two `u32`
    /// counters: refusals and questions).
    fn loop_check(&mut self, l: &Loop, cell: usize, fast: ir::Block, slow: ir::Block) {
        let bad = self.b.ins().iconst(types::I8, 0);
        let mut c = Check { bad, trips: None };
        let none = (
            self.b.ins().iconst(types::I64, -1),
            self.b.ins().iconst(types::I64, 0),
        );
        let (mut r, mut w) = (none, none);
        for (iv, size, store) in &l.accesses {
            let (lo, hi) = self.bounds(l, iv, &mut c);
            let end = self.b.ins().iadd_imm_s(hi, i64::from(*size));
            let over = self.b.ins().icmp(IntCC::UnsignedLessThan, end, hi);
            c.bad = self.b.ins().bor(c.bad, over);
            let acc = if *store { &mut w } else { &mut r };
            acc.0 = self.b.ins().umin(acc.0, lo);
            acc.1 = self.b.ins().umax(acc.1, end);
        }
        let known = self.b.create_block();
        let ask = self.b.create_block();
        self.b.ins().brif(c.bad, slow, &[], known, &[]);
        // Inside a window the world promised (kept while its mappings'
        // generation stays): no question to ask. Both ranges in the latest
        // window first (one compare each way).
        self.b.switch_to_block(known);
        let lo = self.b.ins().umin(r.0, w.0);
        let hi = self.b.ins().umax(r.1, w.1);
        let w0 = self.window(0);
        let out = self.outside(lo, hi, w0);
        let other = self.b.create_block();
        self.b.ins().brif(out, other, &[], fast, &[]);
        // Else each range in either window (reads and writes in mappings
        // apart, or two loops' buffers); an empty range is in any.
        self.b.switch_to_block(other);
        self.b.set_cold_block(other);
        let w1 = self.window(1);
        let mut miss = self.b.ins().iconst(types::I8, 0);
        for (lo, hi) in [r, w] {
            let a = self.outside(lo, hi, w0);
            let b = self.outside(lo, hi, w1);
            let both = self.b.ins().band(a, b);
            miss = self.b.ins().bor(miss, both);
        }
        let maybe = self.b.create_block();
        self.b.ins().brif(miss, maybe, &[], fast, &[]);
        // A loop the world keeps refusing (a table in a file mapping), or
        // whose ranges keep leaving the windows kept, stops asking: each
        // question costs a call and a walk of the mappings, more than a
        // short loop's snapshots. The counters live in the region's data
        // (not atomic: racing threads only make it stop asking a little
        // later).
        self.b.switch_to_block(maybe);
        self.b.set_cold_block(maybe);
        let data = self.b.ins().symbol_value(types::I64, self.refs.slots);
        let cell = self.b.ins().iadd_imm_s(data, (cell * 8) as i64);
        let n = self.b.ins().load(types::I32, trusted(), cell, 0);
        let tired = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, n, MAX_REFUSALS);
        let q = self.b.ins().load(types::I32, trusted(), cell, 4);
        let asked = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, q, MAX_ASKS);
        let stop = self.b.ins().bor(tired, asked);
        self.b.ins().brif(stop, slow, &[], ask, &[]);
        self.b.switch_to_block(ask);
        self.b.set_cold_block(ask);
        let q1 = self.b.ins().iadd_imm_s(q, 1);
        self.b.ins().store(trusted(), q1, cell, 4);
        // Through a `preserve_all` thunk (no register given up for the
        // loop's values); the answer comes back in `helper_fault`.
        let mut sig = ir::Signature::new(cranelift_codegen::isa::CallConv::PreserveAll);
        for _ in 0..5 {
            sig.params.push(AbiParam::new(types::I64));
        }
        let sig = self.b.import_signature(sig);
        let f = self
            .b
            .ins()
            .iconst(types::I64, xlat_jit_ranges_pa as *const u8 as i64);
        let env = self.env;
        self.b
            .ins()
            .call_indirect(sig, f, &[env, r.0, r.1, w.0, w.1]);
        let hf = offset_of!(CpuHeader, helper_fault) as i32;
        let ok = self.b.ins().load(types::I32, trusted(), env, hf);
        let z = self.b.ins().iconst(types::I32, 0);
        self.b.ins().store(trusted(), z, env, hf);
        let refused = self.b.create_block();
        self.b.ins().brif(ok, fast, &[], refused, &[]);
        self.b.switch_to_block(refused);
        self.b.set_cold_block(refused);
        let n1 = self.b.ins().iadd_imm_s(n, 1);
        self.b.ins().store(trusted(), n1, cell, 0);
        self.b.ins().jump(slow, &[]);
    }

    /// `(lo, hi)` of kept window `i` (`CpuHeader::windows`), loaded from
    /// `env`.
    fn window(&mut self, i: usize) -> (ir::Value, ir::Value) {
        let at = (offset_of!(CpuHeader, windows) + i * size_of::<DirectWindow>()) as i32;
        let [lo, hi] = [offset_of!(DirectWindow, lo), offset_of!(DirectWindow, hi)].map(|o| {
            self.b
                .ins()
                .load(types::I64, trusted(), self.env, at + o as i32)
        });
        (lo, hi)
    }

    /// Whether `[lo, hi)` is not inside window `w`.
    fn outside(&mut self, lo: ir::Value, hi: ir::Value, w: (ir::Value, ir::Value)) -> ir::Value {
        let below = self.b.ins().icmp(IntCC::UnsignedLessThan, lo, w.0);
        let above = self.b.ins().icmp(IntCC::UnsignedGreaterThan, hi, w.1);
        self.b.ins().bor(below, above)
    }

    /// Lowers block `k` into the current block: as two copies behind an
    /// entry check where [`plan`] found a loop (see the module docs), else
    /// as one.
    pub(super) fn lower_loop_or_block(&mut self, k: usize) {
        let plan = self.loops[k].take().filter(|_| {
            let env_pc = &self.env_pc;
            exits_ok(self.blocks, k, |j| env_pc[j].entry)
        });
        let Some(l) = plan else {
            self.lower_block(k);
            return;
        };
        let (dirty, pc_known, stores_only) = (self.dirty.clone(), self.pc_known, self.stores_only);
        let (sink, sites) = (self.cross.sink[k].clone(), self.cross.sites[k].clone());
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        // One word per planned loop was reserved (`lower`).
        let cell = self.cells.1;
        self.cells.1 += 1;
        debug_assert!(cell < self.cells.0, "a counter word for each loop");
        self.loop_check(&l, cell, fast, slow);
        // Today's body, looping to itself.
        self.b.switch_to_block(slow);
        self.self_jump = Some(slow);
        self.lower_block(k);
        // The fast copy: entered from the check or itself, so its dirty
        // registers are those on entry and those it sets.
        (self.cross.sink[k], self.cross.sites[k]) = (sink, sites);
        self.b.switch_to_block(fast);
        let set = set_regs(self.blocks[k], self.dirty.len());
        self.dirty = dirty.iter().zip(&set).map(|(&d, &s)| d || s).collect();
        for (r, d) in self.dirty.iter_mut().enumerate() {
            *d &= self.vars[r].is_some();
        }
        self.pc_known = pc_known;
        self.effect = None;
        self.stores_only = stores_only;
        self.insn_plain = true;
        self.fast = true;
        self.self_jump = Some(fast);
        self.lower_block(k);
        self.fast = false;
        self.self_jump = None;
    }
}

/// Refusals of the world after which a loop's entry check stops asking.
const MAX_REFUSALS: i64 = 8;

/// Questions after which a loop's entry check stops asking (answered or
/// not): a loop whose entries keep missing the kept window.
const MAX_ASKS: i64 = 1024;
