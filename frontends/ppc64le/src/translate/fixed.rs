//! Fixed-point facility (Power ISA Book I chapter 3): arithmetic, compare,
//! trap, condition register and special purpose register moves.

use super::{CarryIn, Ctx, TResult, Undef, require};
use crate::decode::Insn;
use crate::state::{
    R_CA, R_CA32, R_CTR, R_DSCR, R_LR, R_OV, R_OV32, R_SO, R_TAR, R_VRSAVE, R_XER_BC, XER_BC_MASK,
    XER_CA, XER_CA32, XER_OV, XER_OV32, XER_SO,
};
use xlat_ir::{Cond, ExceptionKind, HelperDesc, HelperFlags, Terminal, Type, Value};

/// Offset added to the address of a trap instruction to form the branch
/// target that means "this trap fired": a PC that no Power branch can
/// produce (targets are word-aligned), which the frontend translates into
/// a `Trap` exception at the trap instruction (see `translate_block`).
pub const TRAP_PC_OFFSET: u64 = 2;

/// The i8 "trap" condition of TO for operands `a`, `b` (i64 or i32).
fn trap_cond(c: &mut Ctx<'_>, to: u32, a: Value, b: Value) -> Value {
    let mut acc: Option<Value> = None;
    for (bit, cc) in [
        (16, Cond::Slt),
        (8, Cond::Sgt),
        (4, Cond::Eq),
        (2, Cond::Ult),
        (1, Cond::Ugt),
    ] {
        if to & bit != 0 {
            let t = c.b.icmp(cc, a, b);
            acc = Some(match acc {
                Some(x) => c.b.or(x, t),
                None => t,
            });
        }
    }
    acc.unwrap_or_else(|| c.b.i8(0))
}

fn trap(c: &mut Ctx<'_>, i: Insn, a: Value, b: Value) -> TResult {
    let to = i.rt();
    if to == 0 {
        return Ok(());
    }
    if to == 31 {
        c.b.terminate(Terminal::Exception {
            kind: ExceptionKind::Trap,
            pc: c.pc,
            info: i.0 as u64,
        });
        return Ok(());
    }
    let cond = trap_cond(c, to, a, b);
    let next = c.next_pc();
    c.b.terminate(Terminal::Branch {
        cond,
        taken: c.pc.wrapping_add(TRAP_PC_OFFSET),
        not_taken: next,
    });
    Ok(())
}

/// TDI, TWI.
pub fn trap_imm(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let a = c.gpr(i.ra());
    if i.po() == 2 {
        let b = c.b.i64(i.simm() as u64);
        trap(c, i, a, b)
    } else {
        let a = c.lo32(a);
        let b = c.b.i32(i.simm() as u32);
        trap(c, i, a, b)
    }
}

/// TW, TD.
pub fn trap_reg(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(i.rc() == 0)?;
    let a = c.gpr(i.ra());
    let b = c.gpr(i.rb());
    if i.xo10() == 68 {
        trap(c, i, a, b)
    } else {
        let a = c.lo32(a);
        let b = c.lo32(b);
        trap(c, i, a, b)
    }
}

/// MULLI.
pub fn mulli(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let a = c.gpr(i.ra());
    let b = c.b.i64(i.simm() as u64);
    let r = c.b.mul(a, b);
    c.set_gpr(i.rt(), r);
    Ok(())
}

/// SUBFIC: RT = !RA + SI + 1, setting CA and CA32.
pub fn subfic(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let a = c.gpr(i.ra());
    let na = c.b.not(a);
    let si = c.b.i64(i.simm() as u64);
    let o = c.add3(na, si, CarryIn::One);
    c.set_ca(o.ca, o.ca32);
    c.set_gpr(i.rt(), o.r);
    Ok(())
}

/// ADDIC, ADDIC. (po 12 and 13).
pub fn addic(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let a = c.gpr(i.ra());
    let si = c.b.i64(i.simm() as u64);
    let o = c.add3(a, si, CarryIn::Zero);
    c.set_ca(o.ca, o.ca32);
    c.set_gpr(i.rt(), o.r);
    if i.po() == 13 {
        c.record(o.r);
    }
    Ok(())
}

/// ADDI (li).
pub fn addi(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let si = c.b.i64(i.simm() as u64);
    let r = if i.ra() == 0 {
        si
    } else {
        let a = c.gpr(i.ra());
        c.b.add(a, si)
    };
    c.set_gpr(i.rt(), r);
    Ok(())
}

/// ADDIS (lis).
pub fn addis(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let si = c.b.i64((i.simm() << 16) as u64);
    let r = if i.ra() == 0 {
        si
    } else {
        let a = c.gpr(i.ra());
        c.b.add(a, si)
    };
    c.set_gpr(i.rt(), r);
    Ok(())
}

/// Operands of a compare at the width L selects (i32 when L = 0).
fn cmp_operands(c: &mut Ctx<'_>, i: Insn, a: Value, b: Value) -> (Value, Value) {
    if i.l21() != 0 {
        (a, b)
    } else {
        let a = c.lo32(a);
        let b = c.lo32(b);
        (a, b)
    }
}

/// CMPI (cmpdi, cmpwi).
pub fn cmpi(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(!i.bit(22))?;
    let a = c.gpr(i.ra());
    let b = c.b.i64(i.simm() as u64);
    let (a, b) = cmp_operands(c, i, a, b);
    c.compare(i.bf(), a, b, true);
    Ok(())
}

/// CMPLI (cmpldi, cmplwi).
pub fn cmpli(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(!i.bit(22))?;
    let a = c.gpr(i.ra());
    let b = c.b.i64(i.d() as u64);
    let (a, b) = cmp_operands(c, i, a, b);
    c.compare(i.bf(), a, b, false);
    Ok(())
}

/// CMP, CMPL.
pub fn cmp(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(!i.bit(22) && i.rc() == 0)?;
    let a = c.gpr(i.ra());
    let b = c.gpr(i.rb());
    let (a, b) = cmp_operands(c, i, a, b);
    c.compare(i.bf(), a, b, i.xo10() == 0);
    Ok(())
}

/// The XO-form arithmetic: add, subf, neg, the carrying and extended
/// forms, multiplies and divides, each with OE (overflow) and Rc.
pub fn xo_arith(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let a = c.gpr(i.ra());
    let b = c.gpr(i.rb());
    let oe = i.oe() != 0;
    let xo = i.xo9();
    let ones = c.b.i64(u64::MAX);
    let zero = c.b.i64(0);
    // (result, (ov, ov32) if computed, (ca, ca32) if a carrying form)
    let (r, ov, ca) = match xo {
        266 | 10 | 138 | 234 | 202 | 40 | 8 | 136 | 232 | 200 | 104 => {
            let na = c.b.not(a);
            let (x, y, cin) = match xo {
                266 | 10 => (a, b, CarryIn::Zero),
                138 => {
                    let ca = c.b.get(R_CA);
                    (a, b, CarryIn::Ca(ca))
                }
                234 => {
                    let ca = c.b.get(R_CA);
                    (a, ones, CarryIn::Ca(ca))
                }
                202 => {
                    let ca = c.b.get(R_CA);
                    (a, zero, CarryIn::Ca(ca))
                }
                40 | 8 => (na, b, CarryIn::One),
                136 => {
                    let ca = c.b.get(R_CA);
                    (na, b, CarryIn::Ca(ca))
                }
                232 => {
                    let ca = c.b.get(R_CA);
                    (na, ones, CarryIn::Ca(ca))
                }
                200 => {
                    let ca = c.b.get(R_CA);
                    (na, zero, CarryIn::Ca(ca))
                }
                _ => (na, zero, CarryIn::One), // neg
            };
            let o = c.add3(x, y, cin);
            let carrying = !matches!(xo, 266 | 40 | 104);
            (
                o.r,
                Some((o.ov, o.ov32)),
                carrying.then_some((o.ca, o.ca32)),
            )
        }
        235 => {
            // mullw: the full 64-bit product of the signed low words.
            let a32 = c.lo32(a);
            let b32 = c.lo32(b);
            let x = c.b.sext(Type::I64, a32);
            let y = c.b.sext(Type::I64, b32);
            let r = c.b.mul(x, y);
            let r32 = c.lo32(r);
            let back = c.b.sext(Type::I64, r32);
            let ov = c.b.icmp(Cond::Ne, back, r);
            (r, Some((ov, ov)), None)
        }
        233 => {
            let r = c.b.mul(a, b);
            let hi = c.b.smulh(a, b);
            let k = c.b.i64(63);
            let sign = c.b.ashr(r, k);
            let ov = c.b.icmp(Cond::Ne, hi, sign);
            (r, Some((ov, ov)), None)
        }
        491 | 459 => {
            // divw / divwu: on an invalid division the quotient is
            // undefined; like QEMU, xlat returns the dividend.
            let signed = xo == 491;
            let a32 = c.lo32(a);
            let b32 = c.lo32(b);
            let (q, bad) = divide(c, a32, b32, signed);
            let r = c.b.zext(Type::I64, q);
            (r, Some((bad, bad)), None)
        }
        489 | 457 => {
            let (q, bad) = divide(c, a, b, xo == 489);
            (q, Some((bad, bad)), None)
        }
        _ => return Err(Undef),
    };
    if let Some((ca, ca32)) = ca {
        c.set_ca(ca, ca32);
    }
    if oe {
        let (ov, ov32) = ov.ok_or(Undef)?;
        c.set_ov(ov, ov32);
    }
    c.set_gpr(i.rt(), r);
    if i.rc() != 0 {
        c.record(r);
    }
    Ok(())
}

/// `a / b` with the Power "invalid division" rule: returns the quotient
/// (the dividend when invalid) and the i8 invalid flag.
fn divide(c: &mut Ctx<'_>, a: Value, b: Value, signed: bool) -> (Value, Value) {
    let ty = c.b.ty(a);
    let zero = c.cst(ty, 0);
    let bz = c.b.icmp(Cond::Eq, b, zero);
    let bad = if signed {
        let min = c.cst(ty, 1 << (ty.bits() - 1));
        let m1 = c.cst(ty, u64::MAX);
        let am = c.b.icmp(Cond::Eq, a, min);
        let bm = c.b.icmp(Cond::Eq, b, m1);
        let o = c.b.and(am, bm);
        c.b.or(bz, o)
    } else {
        bz
    };
    let q = if signed {
        c.b.sdiv(a, b)
    } else {
        c.b.udiv(a, b)
    };
    let q = c.b.select(bad, a, q);
    (q, bad)
}

/// MULHW, MULHWU, MULHD, MULHDU. The word forms leave the high word of the
/// product in the low word of RT and zero above (the ISA leaves it
/// undefined; QEMU zeroes it).
pub fn mulh(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let a = c.gpr(i.ra());
    let b = c.gpr(i.rb());
    let r = match i.xo9() {
        73 => c.b.smulh(a, b),
        9 => c.b.umulh(a, b),
        xo => {
            let a = c.lo32(a);
            let b = c.lo32(b);
            let h = if xo == 75 {
                c.b.smulh(a, b)
            } else {
                c.b.umulh(a, b)
            };
            c.b.zext(Type::I64, h)
        }
    };
    c.set_gpr(i.rt(), r);
    if i.rc() != 0 {
        c.record(r);
    }
    Ok(())
}

/// MODSW, MODUW, MODSD, MODUD. An invalid division gives 0 (as QEMU).
pub fn modulo(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let xo = i.xo10();
    let signed = xo == 779 || xo == 777;
    let word = xo == 779 || xo == 267;
    let a = c.gpr(i.ra());
    let b = c.gpr(i.rb());
    let (a, b) = if word {
        let a = c.lo32(a);
        let b = c.lo32(b);
        (a, b)
    } else {
        (a, b)
    };
    let ty = c.b.ty(a);
    let zero = c.cst(ty, 0);
    let bz = c.b.icmp(Cond::Eq, b, zero);
    let rem = if signed {
        c.b.srem(a, b)
    } else {
        c.b.urem(a, b)
    };
    let r = c.b.select(bz, zero, rem);
    let r = if word && signed {
        c.b.sext(Type::I64, r)
    } else {
        c.zext64(r)
    };
    c.set_gpr(i.rt(), r);
    Ok(())
}

/// SETB: -1 if CR\[BFA\].LT, else 1 if GT, else 0.
pub fn setb(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let bfa = i.bfa();
    let lt = c.cr(4 * bfa);
    let gt = c.cr(4 * bfa + 1);
    let m1 = c.b.i64(u64::MAX);
    let one = c.b.i64(1);
    let zero = c.b.i64(0);
    let g = c.b.select(gt, one, zero);
    let r = c.b.select(lt, m1, g);
    c.set_gpr(i.rt(), r);
    Ok(())
}

/// MCRXRX: CR\[BF\] = OV OV32 CA CA32.
pub fn mcrxrx(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let ov = c.b.get(R_OV);
    let ov32 = c.b.get(R_OV32);
    let ca = c.b.get(R_CA);
    let ca32 = c.b.get(R_CA32);
    c.set_cr_field(i.bf(), ov, ov32, ca, ca32);
    Ok(())
}

/// ISEL: RT = CR\[BC\] ? (RA|0) : RB.
pub fn isel(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let cond = c.cr(i.rc5());
    let a = c.gpr0(i.ra());
    let b = c.gpr(i.rb());
    let r = c.b.select(cond, a, b);
    c.set_gpr(i.rt(), r);
    Ok(())
}

/// CR field `f` as a 4-bit value in place (shifted to bits 28-4f..31-4f)
/// of a 64-bit word.
fn cr_field_word(c: &mut Ctx<'_>, f: u32) -> Value {
    let mut acc = c.b.i64(0);
    for k in 0..4 {
        let bit = c.cr(4 * f + k);
        let x = c.b.zext(Type::I64, bit);
        let s = c.b.i64((31 - 4 * f - k) as u64);
        let x = c.b.shl(x, s);
        acc = c.b.or(acc, x);
    }
    acc
}

/// MFCR, MFOCRF. mfocrf with other than exactly one FXM bit set gives 0
/// (the ISA leaves it undefined).
pub fn mfcr(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let r = if i.bit(20) {
        let fxm = i.fxm();
        if fxm.count_ones() == 1 {
            let f = fxm.leading_zeros() - 24;
            cr_field_word(c, f)
        } else {
            // RT undefined: left unchanged, as qemu does.
            return Ok(());
        }
    } else {
        let mut acc = c.b.i64(0);
        for f in 0..8 {
            let w = cr_field_word(c, f);
            acc = c.b.or(acc, w);
        }
        acc
    };
    c.set_gpr(i.rt(), r);
    Ok(())
}

/// MTCRF, MTOCRF: the CR fields selected by FXM (bit 0x80 = CR0) from RS.
pub fn mtcrf(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let fxm = i.fxm();
    if i.bit(20) && fxm.count_ones() != 1 {
        // mtocrf with other than one field selected: the CR is undefined;
        // left unchanged, as qemu does.
        return Ok(());
    }
    let s = c.gpr(i.rt());
    for f in 0..8 {
        if fxm & (0x80 >> f) != 0 {
            for k in 0..4 {
                let bit = c.bit_of(s, 31 - 4 * f - k);
                c.set_cr(4 * f + k, bit);
            }
        }
    }
    Ok(())
}

/// SPR numbers accessible in problem state.
const SPR_XER: u32 = 1;
const SPR_DSCR: u32 = 3;
const SPR_LR: u32 = 8;
const SPR_CTR: u32 = 9;
const SPR_VRSAVE: u32 = 256;
const SPR_TBL: u32 = 268;
const SPR_TBU: u32 = 269;
const SPR_TAR: u32 = 815;

/// Timebase frequency presented to the guest: 512 MHz, as on POWER9.
pub const TIMEBASE_HZ: u64 = 512_000_000;

/// # Safety
/// Called by translated code with any `env`; does not touch it.
unsafe extern "C" fn helper_mftb(_env: *mut u8, _a: u64, _b: u64, _c: u64) -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = START.get_or_init(std::time::Instant::now);
    let ns = start.elapsed().as_nanos() + 1_000_000_000;
    (ns * TIMEBASE_HZ as u128 / 1_000_000_000) as u64
}

/// Reads the timebase (host monotonic clock scaled to 512 MHz).
pub static HELPER_MFTB: HelperDesc = HelperDesc {
    name: "xlat_ppc64_mftb",
    func: helper_mftb,
    flags: HelperFlags::PURE,
};

fn read_tb(c: &mut Ctx<'_>, upper: bool) -> Value {
    let tb = c.b.call_helper(&HELPER_MFTB, Type::I64, &[]);
    if upper {
        let k = c.b.i64(32);
        c.b.lshr(tb, k)
    } else {
        tb
    }
}

/// XER assembled from its parts.
fn read_xer(c: &mut Ctx<'_>) -> Value {
    let mut acc = c.b.get(R_XER_BC);
    for (r, sh) in [
        (R_SO, XER_SO),
        (R_OV, XER_OV),
        (R_CA, XER_CA),
        (R_OV32, XER_OV32),
        (R_CA32, XER_CA32),
    ] {
        let f = c.b.get(r);
        let f = c.b.zext(Type::I64, f);
        let s = c.b.i64(sh as u64);
        let f = c.b.shl(f, s);
        acc = c.b.or(acc, f);
    }
    acc
}

/// MFSPR of the user-level SPRs.
pub fn mfspr(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let v = match i.spr() {
        SPR_XER => read_xer(c),
        SPR_DSCR => c.b.get(R_DSCR),
        SPR_LR => c.b.get(R_LR),
        SPR_CTR => c.b.get(R_CTR),
        SPR_VRSAVE => {
            let v = c.b.get(R_VRSAVE);
            c.b.zext(Type::I64, v)
        }
        SPR_TBL => read_tb(c, false),
        SPR_TBU => read_tb(c, true),
        SPR_TAR => c.b.get(R_TAR),
        _ => return Err(Undef),
    };
    c.set_gpr(i.rt(), v);
    Ok(())
}

/// MTSPR of the user-level SPRs.
pub fn mtspr(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let v = c.gpr(i.rt());
    match i.spr() {
        SPR_XER => {
            for (r, sh) in [
                (R_SO, XER_SO),
                (R_OV, XER_OV),
                (R_CA, XER_CA),
                (R_OV32, XER_OV32),
                (R_CA32, XER_CA32),
            ] {
                let f = c.bit_of(v, sh);
                c.b.set(r, f);
            }
            let m = c.b.i64(XER_BC_MASK);
            let bc = c.b.and(v, m);
            c.b.set(R_XER_BC, bc);
        }
        SPR_DSCR => c.b.set(R_DSCR, v),
        SPR_LR => c.b.set(R_LR, v),
        SPR_CTR => c.b.set(R_CTR, v),
        SPR_VRSAVE => {
            let w = c.lo32(v);
            c.b.set(R_VRSAVE, w);
        }
        SPR_TAR => c.b.set(R_TAR, v),
        _ => return Err(Undef),
    }
    Ok(())
}

/// MFTB (the legacy encoding): TBR 268 = TB, 269 = TBU.
pub fn mftb(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let v = match i.spr() {
        SPR_TBL => read_tb(c, false),
        SPR_TBU => read_tb(c, true),
        _ => return Err(Undef),
    };
    c.set_gpr(i.rt(), v);
    Ok(())
}

/// MADDHD, MADDHDU, MADDLD (VA-form): the high (signed or unsigned) or
/// low doubleword of RA * RB + RC computed in 128 bits.
pub fn madd(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let a = c.gpr(i.ra());
    let b = c.gpr(i.rb());
    let d = c.gpr(i.rc5());
    let r = if i.xo6() == 51 {
        let p = c.b.mul(a, b);
        c.b.add(p, d)
    } else {
        let ext = |c: &mut Ctx<'_>, v| {
            if i.xo6() == 48 {
                c.b.sext(Type::I128, v)
            } else {
                c.b.zext(Type::I128, v)
            }
        };
        let (a, b, d) = (ext(c, a), ext(c, b), ext(c, d));
        let p = c.b.mul(a, b);
        let s = c.b.add(p, d);
        c.split128(s).0
    };
    c.set_gpr(i.rt(), r);
    Ok(())
}

/// ADDPCIS: RT = NIA + (D << 16), D = d0 || d1 || d2.
pub fn addpcis(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let d = (i.bits(15, 6) << 6) | (i.ra() << 1) | i.rc();
    let d = ((d as i64) << 48 >> 48) << 16;
    let r = c.b.i64(c.next_pc().wrapping_add(d as u64));
    c.set_gpr(i.rt(), r);
    Ok(())
}

/// CMPRB (byte in one or two ranges) and CMPEQB (byte equal to one of
/// eight): CR\[BF\] = 0 || match || 0 || 0.
pub fn cmp_byte(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let a = c.gpr(i.ra());
    let src = c.b.trunc(Type::I8, a);
    let rb = c.gpr(i.rb());
    let byte = |c: &mut Ctx<'_>, k: u32| {
        let s = c.b.i64(8 * k as u64);
        let x = c.b.lshr(rb, s);
        c.b.trunc(Type::I8, x)
    };
    let hit = if i.xo10() == 224 {
        let mut acc = c.bool_const(false);
        for k in 0..8 {
            let x = byte(c, k);
            let e = c.b.icmp(Cond::Eq, x, src);
            acc = c.b.or(acc, e);
        }
        acc
    } else {
        let range = |c: &mut Ctx<'_>, k: u32| {
            let lo = byte(c, k);
            let hi = byte(c, k + 1);
            let ge = c.b.icmp(Cond::Uge, src, lo);
            let le = c.b.icmp(Cond::Ule, src, hi);
            c.b.and(ge, le)
        };
        let r1 = range(c, 0);
        if i.l21() != 0 {
            let r2 = range(c, 2);
            c.b.or(r1, r2)
        } else {
            r1
        }
    };
    let z = c.bool_const(false);
    c.set_cr_field(i.bf(), z, hit, z, z);
    Ok(())
}

/// DARN: a random number from the host (L = 0: 32-bit conditioned, 1:
/// 64-bit conditioned, 2: 64-bit raw); L = 3 is reserved and returns the
/// error value all-ones.
pub fn darn(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let l = i.bits(17, 16);
    let r = if l == 3 {
        c.b.i64(u64::MAX)
    } else {
        let r = c.b.call_helper(&HELPER_DARN, Type::I64, &[]);
        if l == 0 {
            let w = c.lo32(r);
            c.b.zext(Type::I64, w)
        } else {
            r
        }
    };
    c.set_gpr(i.rt(), r);
    Ok(())
}

/// A random 64-bit number (host RDRAND, else the OS's random source);
/// never the all-ones error value.
pub fn random_u64() -> u64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("rdrand") {
        for _ in 0..10 {
            let mut v = 0u64;
            // SAFETY: RDRAND presence was checked at run time; `v` is a
            // local the intrinsic writes.
            if unsafe { core::arch::x86_64::_rdrand64_step(&mut v) } == 1 && v != u64::MAX {
                return v;
            }
        }
    }
    use std::io::Read;
    let mut b = [0u8; 8];
    match std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b)) {
        Ok(()) => u64::from_le_bytes(b) & !(1 << 63),
        Err(_) => {
            // No source at all: a per-call hash of a counter.
            use std::hash::BuildHasher;
            static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            std::collections::hash_map::RandomState::new().hash_one(n) & !(1 << 63)
        }
    }
}

/// # Safety
/// Callable with any arguments; it touches nothing but its own locals.
unsafe extern "C" fn helper_darn(_env: *mut u8, _a: u64, _b: u64, _c: u64) -> u64 {
    random_u64()
}

/// DARN's random source: () -> random value. Not pure (each call differs),
/// so it is declared as reading state to keep it in place.
pub static HELPER_DARN: HelperDesc = HelperDesc {
    name: "xlat_ppc64_darn",
    func: helper_darn,
    flags: HelperFlags {
        reads_state: true,
        writes_state: false,
        may_fault: false,
    },
};

/// SETBC, SETBCR, SETNBC, SETNBCR (ISA 3.1): RT = 1 / -1 (or 0) from
/// CR bit BI, reversed for the `r` forms.
pub fn setbc(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(i.rb() == 0)?;
    let bit = c.cr(i.ra());
    let xo = i.xo10();
    let set = c.b.i64(if xo >= 448 { u64::MAX } else { 1 });
    let zero = c.b.i64(0);
    let r = if xo == 416 || xo == 480 {
        c.b.select(bit, zero, set)
    } else {
        c.b.select(bit, set, zero)
    };
    c.set_gpr(i.rt(), r);
    Ok(())
}
