//! "Data Processing -- Immediate": PC-relative addressing, add/subtract
//! (immediate), logical (immediate), move wide, bitfield, extract.

use super::{Ctx, TResult, decode_bit_masks, ity, require};
use crate::decode::Insn;
use xlat_ir::{Type, Value};

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
    let (r, s) = (i.immr(), i.imms());
    let ty = ity(sf);
    let src = c.reg(i.rn(), sf);
    if opc == 2 && s + 1 == r {
        // LSL #(w - r): one shift, no masking.
        let res = c.shift_imm(src, 0, w - r);
        c.set_reg(i.rd(), res);
        return Ok(());
    }
    // s >= r: the field src<s:r> goes to the bottom (SBFX, UBFX, BFXIL);
    // s < r: the field src<s:0> goes to bit w - r (SBFIZ, UBFIZ, BFI).
    let (pos, width, lsb) = if s >= r {
        (r, s - r + 1, 0)
    } else {
        (0, s + 1, w - r)
    };
    let res = if opc == 1 {
        // BFI/BFXIL: only the field's bits of the destination change.
        let f = field(c, src, false, pos, width);
        let f = c.shift_imm(f, 0, lsb);
        let dst = c.reg(i.rd(), sf);
        let keep = c.cst(ty, !(low_ones(width) << lsb));
        let d = c.b.and(dst, keep);
        c.b.or(d, f)
    } else {
        let f = field(c, src, opc == 0, pos, width);
        c.shift_imm(f, 0, lsb)
    };
    c.set_reg(i.rd(), res);
    Ok(())
}

/// The `width` low bits set.
fn low_ones(width: u32) -> u64 {
    if width >= 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    }
}

/// Bits `pos .. pos + width` of `src` (within its width), sign- or
/// zero-extended to the width of `src`: a byte/half/word extension when the
/// field is one at bit 0, else one shift and a mask or two shifts.
fn field(c: &mut Ctx<'_>, src: Value, signed: bool, pos: u32, width: u32) -> Value {
    let ty = c.b.ty(src);
    let w = ty.bits();
    if width >= w {
        return src;
    }
    if pos == 0 && matches!(width, 8 | 16 | 32) {
        let t = c.b.trunc(Type::int(width), src);
        return if signed {
            c.b.sext(ty, t)
        } else {
            c.b.zext(ty, t)
        };
    }
    if pos + width == w {
        return c.shift_imm(src, if signed { 2 } else { 1 }, pos);
    }
    if !signed && width < 32 {
        let t = c.shift_imm(src, 1, pos);
        let m = c.cst(ty, low_ones(width));
        return c.b.and(t, m);
    }
    let t = c.shift_imm(src, 0, w - pos - width);
    c.shift_imm(t, if signed { 2 } else { 1 }, w - width)
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
