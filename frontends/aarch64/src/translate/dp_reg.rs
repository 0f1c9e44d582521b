//! "Data Processing -- Register": logical and add/subtract (shifted and
//! extended register), add/subtract with carry, conditional compare and
//! select, data-processing (1, 2 and 3 source).

use super::{Ctx, Nzcv, TResult, ity, require};
use crate::cpu::Feature;
use crate::decode::Insn;
use crate::helpers::HELPER_CRC32;
use crate::pauth;
use crate::state::{R_CF, R_NF, R_VF, R_ZF};
use xlat_ir::{Cond, Type};

/// AND/BIC/ORR/ORN/EOR/EON/ANDS/BICS (shifted register).
pub fn logical_shifted(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    require(sf || i.imm6() < 32)?;
    let a = c.reg(i.rn(), sf);
    let m = c.reg(i.rm(), sf);
    let mut b = c.shift_imm(m, i.shift(), i.imm6());
    if i.n21() != 0 {
        b = c.b.not(b);
    }
    let r = match i.opc29() {
        0 | 3 => c.b.and(a, b),
        1 => c.b.or(a, b),
        _ => c.b.xor(a, b),
    };
    if i.opc29() == 3 {
        c.set_logic_flags(r);
    }
    c.set_reg(i.rd(), r);
    Ok(())
}

fn add_sub_common(c: &mut Ctx<'_>, i: Insn, a: bool, b: xlat_ir::Value, sp: bool) -> TResult {
    let sf = i.sf() != 0;
    let a_v = if a {
        c.reg_sp(i.rn(), sf)
    } else {
        c.reg(i.rn(), sf)
    };
    let sub = i.op30() != 0;
    if i.s29() != 0 {
        let (r, f) = c.add_with_carry(a_v, b, sub, None);
        c.set_flags(f);
        c.set_reg(i.rd(), r);
    } else {
        let r = if sub {
            c.b.sub(a_v, b)
        } else {
            c.b.add(a_v, b)
        };
        if sp {
            c.set_reg_sp(i.rd(), r);
        } else {
            c.set_reg(i.rd(), r);
        }
    }
    Ok(())
}

/// ADD/ADDS/SUB/SUBS (shifted register), incl. CMP/CMN/NEG.
pub fn add_sub_shifted(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    require(i.shift() != 3)?;
    require(sf || i.imm6() < 32)?;
    let m = c.reg(i.rm(), sf);
    let b = c.shift_imm(m, i.shift(), i.imm6());
    add_sub_common(c, i, false, b, false)
}

/// ADD/ADDS/SUB/SUBS (extended register).
pub fn add_sub_ext(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    require(i.imm3() <= 4)?;
    let m = c.reg(i.rm(), true);
    let b = c.extend_reg(m, i.option(), i.imm3(), ity(sf));
    add_sub_common(c, i, true, b, true)
}

/// ADC/ADCS/SBC/SBCS.
pub fn adc_sbc(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    let a = c.reg(i.rn(), sf);
    let b = c.reg(i.rm(), sf);
    let cin = c.b.get(crate::state::R_CF);
    let (r, f) = c.add_with_carry(a, b, i.op30() != 0, Some(cin));
    if i.s29() != 0 {
        c.set_flags(f);
    }
    c.set_reg(i.rd(), r);
    Ok(())
}

/// CCMN/CCMP (register and immediate).
pub fn ccmp(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    let cond = c.cond_holds(i.cond12());
    let a = c.reg(i.rn(), sf);
    let b = if i.bit(11) {
        c.cst(ity(sf), i.imm5() as u64)
    } else {
        c.reg(i.rm(), sf)
    };
    let (_, f) = c.add_with_carry(a, b, i.op30() != 0, None);
    let nzcv = i.nzcv();
    let mut pick = |flag: xlat_ir::Value, bit: u32| {
        let k = c.b.i8(((nzcv >> bit) & 1) as u8);
        c.b.select(cond, flag, k)
    };
    let n = pick(f.n, 3);
    let z = pick(f.z, 2);
    let cf = pick(f.c, 1);
    let v = pick(f.v, 0);
    let f = Nzcv { n, z, c: cf, v };
    if i.op30() != 0 {
        c.set_ccmp_flags(f, cond, a, b, nzcv);
    } else {
        c.set_flags(f);
    }
    Ok(())
}

/// CSEL/CSINC/CSINV/CSNEG.
pub fn csel(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    let cond = c.cond_holds(i.cond12());
    let a = c.reg(i.rn(), sf);
    let m = c.reg(i.rm(), sf);
    let b = match (i.op30(), i.op2_10()) {
        (0, 0) => m,
        (0, _) => {
            let one = c.cst(ity(sf), 1);
            c.b.add(m, one)
        }
        (_, 0) => c.b.not(m),
        _ => c.b.neg(m),
    };
    let r = c.b.select(cond, a, b);
    c.set_reg(i.rd(), r);
    Ok(())
}

/// UDIV/SDIV/LSLV/LSRV/ASRV/RORV.
pub fn dp_2src(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    let op = i.opcode10();
    if op & 0b111000 == 0b010000 {
        return crc32(c, i);
    }
    if op == 0b001100 {
        // PACGA
        require(sf)?;
        c.need(Feature::Pauth)?;
        let n = c.reg(i.rn(), true);
        let m = c.reg_sp(i.rm(), true);
        let r = c.pac(n, m, pauth::op::GENERIC | pauth::key::GA);
        c.set_reg(i.rd(), r);
        return Ok(());
    }
    require(matches!(op, 2 | 3 | 8..=11))?;
    let a = c.reg(i.rn(), sf);
    let b = c.reg(i.rm(), sf);
    let r = match op {
        2 => c.b.udiv(a, b),
        3 => c.b.sdiv(a, b),
        8 => c.b.shl(a, b),
        9 => c.b.lshr(a, b),
        10 => c.b.ashr(a, b),
        _ => c.b.rotr(a, b),
    };
    c.set_reg(i.rd(), r);
    Ok(())
}

/// Data-processing (1 source) with opcode2 = 1: PACIA/PACIB/PACDA/PACDB,
/// AUTIA/AUTIB/AUTDA/AUTDB (modifier Xn or SP), their Z forms (modifier
/// zero, Rn = 31) and XPACI/XPACD.
pub fn pac_1src(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let op = i.opcode10();
    require(op <= 17 && (op < 8 || i.rn() == 31))?;
    c.need(Feature::Pauth)?;
    let x = c.reg(i.rd(), true);
    let r = if op >= 16 {
        c.strip_pac(x)
    } else {
        let m = if op >= 8 {
            c.b.i64(0)
        } else {
            c.reg_sp(i.rn(), true)
        };
        let kind = if op & 4 != 0 {
            pauth::op::AUTH
        } else {
            pauth::op::ADD
        };
        c.pac(x, m, kind | (op & 3) as u64)
    };
    c.set_reg(i.rd(), r);
    Ok(())
}

/// RBIT/REV16/REV32/REV/CLZ/CLS.
pub fn dp_1src(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    let op = i.opcode10();
    require(op <= 5 && (sf || op != 3))?;
    let a = c.reg(i.rn(), sf);
    let ty = ity(sf);
    let r = match op {
        0 => c.b.bitrev(a),
        1 => {
            let m = c.cst(ty, 0x00ff_00ff_00ff_00ff);
            let s = c.cst(ty, 8);
            let lo = c.b.lshr(a, s);
            let lo = c.b.and(lo, m);
            let hi = c.b.and(a, m);
            let hi = c.b.shl(hi, s);
            c.b.or(hi, lo)
        }
        2 if sf => {
            let s = c.b.bswap(a);
            let k = c.cst(ty, 32);
            c.b.rotr(s, k)
        }
        2 | 3 => c.b.bswap(a),
        4 => c.b.clz(a),
        _ => c.b.cls(a),
    };
    c.set_reg(i.rd(), r);
    Ok(())
}

/// MADD/MSUB/SMADDL/SMSUBL/UMADDL/UMSUBL/SMULH/UMULH.
pub fn dp_3src(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    let op31 = i.bits(23, 21);
    let o0 = i.o15() != 0;
    match op31 {
        0 => {
            let a = c.reg(i.rn(), sf);
            let b = c.reg(i.rm(), sf);
            let acc = c.reg(i.ra(), sf);
            let p = c.b.mul(a, b);
            let r = if o0 { c.b.sub(acc, p) } else { c.b.add(acc, p) };
            c.set_reg(i.rd(), r);
        }
        1 | 5 if sf => {
            let a = c.reg(i.rn(), false);
            let b = c.reg(i.rm(), false);
            let (a, b) = if op31 == 1 {
                (c.b.sext(Type::I64, a), c.b.sext(Type::I64, b))
            } else {
                (c.b.zext(Type::I64, a), c.b.zext(Type::I64, b))
            };
            let acc = c.reg(i.ra(), true);
            let p = c.b.mul(a, b);
            let r = if o0 { c.b.sub(acc, p) } else { c.b.add(acc, p) };
            c.set_reg(i.rd(), r);
        }
        2 | 6 if sf && !o0 => {
            let a = c.reg(i.rn(), true);
            let b = c.reg(i.rm(), true);
            let r = if op31 == 2 {
                c.b.smulh(a, b)
            } else {
                c.b.umulh(a, b)
            };
            c.set_reg(i.rd(), r);
        }
        _ => return Err(super::Undef),
    }
    Ok(())
}

/// Condition used by CBZ-style tests: `v == 0` (or `!= 0` if `nonzero`).
pub fn zero_test(c: &mut Ctx<'_>, v: xlat_ir::Value, nonzero: bool) -> xlat_ir::Value {
    let ty = c.b.ty(v);
    let z = c.cst(ty, 0);
    c.b.icmp(if nonzero { Cond::Ne } else { Cond::Eq }, v, z)
}

/// CRC32B/H/W/X and CRC32CB/H/W/X: `Wd = CRC(Wn, Rm)` over 1, 2, 4 or 8
/// bytes of Rm (reflected, no inversion), through a table-driven helper.
fn crc32(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sz = i.bits(11, 10);
    let castagnoli = i.bit(12);
    require((sz == 3) == (i.sf() != 0))?;
    c.need(Feature::Crc32)?;
    let acc = c.reg(i.rn(), false);
    let acc = c.b.zext(Type::I64, acc);
    let val = c.reg(i.rm(), true);
    let mode = c.b.i64((1u64 << sz) | (castagnoli as u64) << 8);
    let r = c.b.call_helper(&HELPER_CRC32, Type::I64, &[acc, val, mode]);
    let r = c.b.trunc(Type::I32, r);
    c.set_reg(i.rd(), r);
    Ok(())
}

/// RMIF (FEAT_FlagM): rotates Xn right by imm6 and copies the bits selected
/// by `mask` (N, Z, C, V = bits 3..0) into the flags.
pub fn rmif(c: &mut Ctx<'_>, i: Insn) -> TResult {
    c.need(Feature::FlagM)?;
    let x = c.reg(i.rn(), true);
    let x = c.shift_imm(x, 3, i.bits(20, 15));
    let mask = i.nzcv();
    for (bit, r) in [(3, R_NF), (2, R_ZF), (1, R_CF), (0, R_VF)] {
        if mask & (1 << bit) != 0 {
            let s = c.b.i64(bit);
            let f = c.b.lshr(x, s);
            let f = c.b.trunc(Type::I8, f);
            let one = c.b.i8(1);
            let f = c.b.and(f, one);
            c.b.set(r, f);
        }
    }
    Ok(())
}

/// SETF8/SETF16 (FEAT_FlagM): N = bit 7/15 of Wn, Z = low 8/16 bits zero,
/// V = bit 8/16 XOR bit 7/15; C unchanged.
pub fn setf(c: &mut Ctx<'_>, i: Insn) -> TResult {
    c.need(Feature::FlagM)?;
    let msb = if i.bit(14) { 15 } else { 7 };
    let x = c.reg(i.rn(), false);
    let bit = |c: &mut Ctx<'_>, k: u32| {
        let s = c.b.i32(k);
        let f = c.b.lshr(x, s);
        let f = c.b.trunc(Type::I8, f);
        let one = c.b.i8(1);
        c.b.and(f, one)
    };
    let n = bit(c, msb);
    let above = bit(c, msb + 1);
    let v = c.b.xor(n, above);
    let m = c.b.i32((1u32 << (msb + 1)) - 1);
    let low = c.b.and(x, m);
    let zero = c.b.i32(0);
    let z = c.b.icmp(Cond::Eq, low, zero);
    c.b.set(R_NF, n);
    c.b.set(R_ZF, z);
    c.b.set(R_VF, v);
    Ok(())
}
