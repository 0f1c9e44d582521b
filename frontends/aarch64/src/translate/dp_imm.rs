//! "Data Processing -- Immediate": PC-relative addressing, add/subtract
//! (immediate), logical (immediate), move wide, bitfield, extract.

use super::{Ctx, TResult, decode_bit_masks, ity, require};
use crate::decode::Insn;
use xlat_ir::Type;

/// ADR, ADRP.
pub fn adr(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let imm = (i.sbits(23, 5) << 2) | i.immlo() as i64;
    let v = if i.bit(31) {
        (c.pc & !0xfff).wrapping_add((imm << 12) as u64)
    } else {
        c.pc.wrapping_add(imm as u64)
    };
    let v = c.b.i64(v);
    c.set_reg(i.rd(), v);
    Ok(())
}

/// ADD/ADDS/SUB/SUBS (immediate) incl. MOV (to/from SP), CMP, CMN.
pub fn add_sub_imm(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    let imm = (i.imm12() as u64) << (12 * i.sh22());
    let a = c.reg_sp(i.rn(), sf);
    let b = c.cst(ity(sf), imm);
    let sub = i.op30() != 0;
    if i.s29() != 0 {
        let (r, f) = c.add_with_carry(a, b, sub, None);
        c.set_flags(f);
        c.set_reg(i.rd(), r);
    } else {
        let r = if sub { c.b.sub(a, b) } else { c.b.add(a, b) };
        c.set_reg_sp(i.rd(), r);
    }
    Ok(())
}

/// AND/ORR/EOR/ANDS (immediate).
pub fn logical_imm(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    let (imm, _) = decode_bit_masks(i.n22(), i.imms(), i.immr(), true, if sf { 64 } else { 32 })
        .ok_or(super::Undef)?;
    let a = c.reg(i.rn(), sf);
    let b = c.cst(ity(sf), imm);
    let r = match i.opc29() {
        0 | 3 => c.b.and(a, b),
        1 => c.b.or(a, b),
        _ => c.b.xor(a, b),
    };
    if i.opc29() == 3 {
        c.set_logic_flags(r);
        c.set_reg(i.rd(), r);
    } else {
        c.set_reg_sp(i.rd(), r);
    }
    Ok(())
}

/// MOVN/MOVZ/MOVK.
pub fn move_wide(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    let opc = i.opc29();
    require(opc != 1)?;
    require(sf || i.hw() < 2)?;
    let pos = i.hw() * 16;
    let imm = (i.imm16() as u64) << pos;
    let ty = ity(sf);
    let r = match opc {
        0 => c.cst(ty, !imm),
        2 => c.cst(ty, imm),
        _ => {
            let old = c.reg(i.rd(), sf);
            let keep = c.cst(ty, !(0xffffu64 << pos));
            let k = c.b.and(old, keep);
            let n = c.cst(ty, imm);
            c.b.or(k, n)
        }
    };
    c.set_reg(i.rd(), r);
    Ok(())
}

/// SBFM/BFM/UBFM (and their aliases LSL, LSR, ASR, SXT*, UXT*, *BFX, *BFIZ, BFI, BFXIL).
pub fn bitfield(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    let opc = i.opc29();
    require(opc != 3)?;
    require(i.n22() == i.sf())?;
    let w = if sf { 64 } else { 32 };
    require(i.immr() < w && i.imms() < w)?;
    let (wmask, tmask) =
        decode_bit_masks(i.n22(), i.imms(), i.immr(), false, w).ok_or(super::Undef)?;
    let (r, s) = (i.immr(), i.imms());
    let ty = ity(sf);
    let src = c.reg(i.rn(), sf);
    // Fast paths for the common aliases.
    if opc == 2 && s + 1 == r {
        // LSL #(w - r)
        let res = c.shift_imm(src, 0, w - r);
        c.set_reg(i.rd(), res);
        return Ok(());
    }
    if opc != 1 && s == w - 1 {
        // LSR / ASR #r
        let res = c.shift_imm(src, if opc == 2 { 1 } else { 2 }, r);
        c.set_reg(i.rd(), res);
        return Ok(());
    }
    if opc != 1 && r == 0 && matches!(s, 7 | 15 | 31) {
        // SXTB/SXTH/SXTW, UXTB/UXTH
        let t = c.b.trunc(Type::int(s + 1), src);
        let res = if opc == 0 {
            c.b.sext(ty, t)
        } else {
            c.b.zext(ty, t)
        };
        c.set_reg(i.rd(), res);
        return Ok(());
    }
    let rot = c.shift_imm(src, 3, r);
    let res = match opc {
        2 => {
            let m = c.cst(ty, wmask & tmask);
            c.b.and(rot, m)
        }
        0 => {
            // top = Replicate(src<s>)
            let sh = c.cst(ty, (w - 1 - s) as u64);
            let t = c.b.shl(src, sh);
            let sh2 = c.cst(ty, (w - 1) as u64);
            let top = c.b.ashr(t, sh2);
            let m = c.cst(ty, wmask & tmask);
            let bot = c.b.and(rot, m);
            let nt = c.cst(ty, !tmask);
            let top = c.b.and(top, nt);
            c.b.or(top, bot)
        }
        _ => {
            let dst = c.reg(i.rd(), sf);
            // bot = (dst & ~wmask) | (rot & wmask); res = (dst & ~tmask) | (bot & tmask)
            let m1 = c.cst(ty, !wmask & tmask);
            let m2 = c.cst(ty, wmask & tmask);
            let m3 = c.cst(ty, !tmask);
            let a = c.b.and(dst, m1);
            let b = c.b.and(rot, m2);
            let d = c.b.and(dst, m3);
            let ab = c.b.or(a, b);
            c.b.or(ab, d)
        }
    };
    c.set_reg(i.rd(), res);
    Ok(())
}

/// EXTR (and ROR immediate).
pub fn extr(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    require(i.n22() == i.sf())?;
    let w = if sf { 64 } else { 32 };
    let lsb = i.imms();
    require(lsb < w)?;
    let n = c.reg(i.rn(), sf);
    let m = c.reg(i.rm(), sf);
    let res = if lsb == 0 {
        m
    } else {
        let lo = c.shift_imm(m, 1, lsb);
        let hi = c.shift_imm(n, 0, w - lsb);
        c.b.or(hi, lo)
    };
    c.set_reg(i.rd(), res);
    Ok(())
}
