//! Branch facility (Power ISA Book I chapter 2): branches, system call,
//! condition register logical and move instructions.

use super::{Ctx, TResult, Undef, require};
use crate::decode::Insn;
use crate::state::{R_CTR, R_LR, R_TAR};
use xlat_ir::{Cond, ExceptionKind, Terminal, Value};

/// `info` bit of a `Syscall` exception raised by `scv` (as opposed to `sc`):
/// the two use different error conventions in Linux.
pub const SCV_FLAG: u64 = 1 << 16;

/// B, BA, BL, BLA.
pub fn b(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let off = i.sbits(25, 2) << 2;
    let target = if i.aa() != 0 {
        off as u64
    } else {
        c.pc.wrapping_add(off as u64)
    };
    if i.rc() != 0 {
        let ret = c.next_pc();
        let r = c.b.i64(ret);
        c.b.set(R_LR, r);
        c.b.terminate(Terminal::Call { target, ret });
    } else {
        c.b.terminate(Terminal::Jump(target));
    }
    Ok(())
}

/// The condition of a conditional branch with fields BO and BI: decrements
/// CTR when BO\[2\] is clear (`decrement` false forbids it: bcctr), and
/// returns the i8 "branch taken" value, or `None` when the branch is
/// always taken. [`BranchIf::False`] is a branch taken when the value is 0,
/// which callers test against 0 (or swap a select's arms for) instead of
/// complementing it: a branch if false on a CR bit alone that was not set
/// by a compare of this block, or a branch if true on a bit this block
/// complemented.
fn branch_cond(
    c: &mut Ctx<'_>,
    bo: u32,
    bi: u32,
    decrement: bool,
) -> Result<Option<BranchIf>, Undef> {
    if bo & 0b10100 == 0b00100 {
        let bit = c.cr(bi);
        let if_true = bo & 0b01000 != 0;
        return Ok(Some(match c.complement_of(bit) {
            // A bit this block complemented (`crnand`): the bit before.
            Some(x) if if_true => BranchIf::False(x),
            Some(x) => BranchIf::True(x),
            None if if_true => BranchIf::True(bit),
            None => match c.opposite_cmp(bit) {
                Some(t) => BranchIf::True(t),
                None => BranchIf::False(bit),
            },
        }));
    }
    let mut cond: Option<Value> = None;
    if bo & 0b00100 == 0 {
        require(decrement)?;
        let ctr = c.b.get(R_CTR);
        let one = c.b.i64(1);
        let ctr = c.b.sub(ctr, one);
        c.b.set(R_CTR, ctr);
        let zero = c.b.i64(0);
        let cc = if bo & 0b00010 != 0 {
            Cond::Eq
        } else {
            Cond::Ne
        };
        cond = Some(c.b.icmp(cc, ctr, zero));
    }
    if bo & 0b10000 == 0 {
        let bit = c.cr(bi);
        let t = if bo & 0b01000 != 0 { bit } else { c.bnot(bit) };
        cond = Some(match cond {
            Some(k) => c.b.and(k, t),
            None => t,
        });
    }
    Ok(cond.map(BranchIf::True))
}

/// A branch condition (i8 0/1) and the value for which it is taken.
#[derive(Copy, Clone, Debug)]
enum BranchIf {
    /// Taken when the value is 1.
    True(Value),
    /// Taken when the value is 0.
    False(Value),
}

/// Sets LR to the next instruction when LK is set.
fn link(c: &mut Ctx<'_>, i: Insn) {
    if i.rc() != 0 {
        let ret = c.next_pc();
        let r = c.b.i64(ret);
        c.b.set(R_LR, r);
    }
}

/// BC, BCA, BCL, BCLA (incl. bdnz, beq, ...).
pub fn bc(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let off = i.sbits(15, 2) << 2;
    let target = if i.aa() != 0 {
        off as u64
    } else {
        c.pc.wrapping_add(off as u64)
    };
    let cond = branch_cond(c, i.rt(), i.ra(), true)?;
    link(c, i);
    let next = c.next_pc();
    match cond {
        None if i.rc() != 0 && target != next => {
            c.b.terminate(Terminal::Call { target, ret: next })
        }
        // `bcl 20,31,$+4` reads the PC; it is not a call.
        None => c.b.terminate(Terminal::Jump(target)),
        Some(BranchIf::True(cond)) => c.b.terminate(Terminal::Branch {
            cond,
            taken: target,
            not_taken: next,
        }),
        Some(BranchIf::False(x)) => {
            // `x == 0`, which the JIT fuses with the branch (`test; je`),
            // keeping the guest's target as the taken side (the block
            // order the JIT lays out).
            let zero = c.b.i8(0);
            let cond = c.b.icmp(Cond::Eq, x, zero);
            c.b.terminate(Terminal::Branch {
                cond,
                taken: target,
                not_taken: next,
            })
        }
    }
    Ok(())
}

/// Common part of bclr/bcctr/bctar: branch to `target & !3`.
fn branch_to_reg(c: &mut Ctx<'_>, i: Insn, target: Value, cond: Option<BranchIf>, is_return: bool) {
    let m = c.b.i64(!3);
    let target = c.b.and(target, m);
    link(c, i);
    match cond {
        None if is_return && i.rc() == 0 => c.b.terminate(Terminal::Return(target)),
        None => c.b.terminate(Terminal::JumpIndirect(target)),
        Some(cond) => {
            let next = c.next_pc();
            let n = c.b.i64(next);
            let t = match cond {
                BranchIf::True(k) => c.b.select(k, target, n),
                BranchIf::False(k) => c.b.select(k, n, target),
            };
            c.b.terminate(Terminal::JumpIndirect(t));
        }
    }
}

/// BCLR, BCLRL (blr, beqlr, ...).
pub fn bclr(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let lr = c.b.get(R_LR);
    let cond = branch_cond(c, i.rt(), i.ra(), true)?;
    branch_to_reg(c, i, lr, cond, true);
    Ok(())
}

/// BCCTR, BCCTRL (bctr, bctrl, ...); BO\[2\] = 0 is an invalid form.
pub fn bcctr(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let cond = branch_cond(c, i.rt(), i.ra(), false)?;
    let ctr = c.b.get(R_CTR);
    branch_to_reg(c, i, ctr, cond, false);
    Ok(())
}

/// BCTAR, BCTARL.
pub fn bctar(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let tar = c.b.get(R_TAR);
    let cond = branch_cond(c, i.rt(), i.ra(), true)?;
    branch_to_reg(c, i, tar, cond, false);
    Ok(())
}

/// SC: a system call; `info` is LEV.
pub fn sc(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let pc = c.next_pc();
    c.b.terminate(Terminal::Exception {
        kind: ExceptionKind::Syscall,
        pc,
        info: i.lev() as u64,
    });
    Ok(())
}

/// SCV: a system call with the vectored convention; `info` is
/// [`SCV_FLAG`] | LEV.
pub fn scv(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let pc = c.next_pc();
    c.b.terminate(Terminal::Exception {
        kind: ExceptionKind::Syscall,
        pc,
        info: SCV_FLAG | i.lev() as u64,
    });
    Ok(())
}

/// MCRF: copies CR field BFA to BF.
pub fn mcrf(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let (bf, bfa) = (i.bf(), i.bfa());
    let v: Vec<Value> = (0..4).map(|k| c.cr(4 * bfa + k)).collect();
    for (k, x) in v.into_iter().enumerate() {
        c.set_cr(4 * bf + k as u32, x);
    }
    Ok(())
}

/// CRAND, CRANDC, CREQV, CRNAND, CRNOR, CROR, CRORC, CRXOR.
pub fn cr_logical(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let a = c.cr(i.ra());
    let b = c.cr(i.rb());
    let r = match i.xo10() {
        257 => c.b.and(a, b),
        129 => {
            let nb = c.bnot(b);
            c.b.and(a, nb)
        }
        289 => {
            let x = c.b.xor(a, b);
            c.bnot(x)
        }
        225 => {
            let x = c.b.and(a, b);
            c.bnot(x)
        }
        33 => {
            let x = c.b.or(a, b);
            c.bnot(x)
        }
        449 => c.b.or(a, b),
        417 => {
            let nb = c.bnot(b);
            c.b.or(a, nb)
        }
        193 => c.b.xor(a, b),
        _ => return Err(Undef),
    };
    c.set_cr(i.rt(), r);
    Ok(())
}
