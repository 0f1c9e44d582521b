//! "Data Processing -- Scalar Floating-Point and Advanced SIMD": the subset
//! glibc uses (modified immediate, copies, three-same, three-different,
//! two-register misc, across lanes, shifts by immediate, permutes, EXT,
//! TBL, FP/integer moves and conversions, scalar FP arithmetic).

use super::{Ctx, TResult, Undef, require};
use crate::decode::Insn;
use crate::helpers::{Group, HELPER_FP, HELPER_SIMD};
use xlat_ir::{Cond, FCond, Lanes, NanRule, Opcode, Type, Value};

/// Any Advanced SIMD data-processing encoding that the Rust executor
/// ([`crate::asimd`]) implements, as one helper call.
pub fn asimd(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(crate::asimd::valid(i))?;
    require_feature(c, i)?;
    let a = c.b.i64(i.0 as u64);
    c.b.call_helper(&crate::asimd::HELPER_ASIMD, Type::Void, &[a]);
    Ok(())
}

/// UNDEFINED unless the CPU model has the encoding's optional feature.
fn require_feature(c: &Ctx<'_>, i: Insn) -> TResult {
    match crate::asimd::feature_of(i) {
        Some(f) => require(c.model.has(f)),
        None => Ok(()),
    }
}

/// A cryptographic-extension instruction ([`crate::crypto`]), as one
/// helper call.
pub fn crypto(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(crate::crypto::valid(i))?;
    require(c.model.has(crate::crypto::feature_of(i)))?;
    let a = c.b.i64(i.0 as u64);
    c.b.call_helper(&crate::crypto::HELPER_CRYPTO, Type::Void, &[a]);
    Ok(())
}

/// Translate functions that try the IR translation first and fall back to
/// the executor for the encodings they leave out.
macro_rules! or_asimd {
    ($($(#[doc = $d:literal])* $name:ident => $f:ident;)*) => {$(
        $(#[doc = $d])*
        pub fn $name(c: &mut Ctx<'_>, i: Insn) -> TResult {
            let mark = c.b.len();
            require_feature(c, i)?;
            $f(c, i).or_else(|_| {
                c.b.truncate(mark);
                asimd(c, i)
            })
        }
    )*};
}

or_asimd! {
    /// Three same, IR or executor.
    three_same_all => three_same;
    /// Three different, IR or executor.
    three_diff_all => three_diff;
    /// Two-register misc, IR or executor.
    two_misc_all => two_misc;
    /// Across lanes, IR or executor.
    across_all => across;
    /// Shift by immediate (and FP16 FMOV immediate), IR or executor.
    shift_imm_all => shift_imm;
    /// Scalar pairwise, IR or executor.
    scalar_pairwise_all => scalar_pairwise;
    /// Scalar two-register misc, IR or executor.
    scalar_two_misc_all => scalar_two_misc;
    /// Vector and scalar by element, IR (FP in fast blocks) or executor.
    elem_all => fp_elem;
    /// Scalar three same, IR (FP in fast blocks) or executor.
    scalar_three_same_all => scalar_three_same;
}

fn call_simd(c: &mut Ctx<'_>, i: Insn, g: Group) {
    let a = c.b.i64(i.0 as u64);
    let gv = c.b.i64(g as u64);
    c.b.call_helper(&HELPER_SIMD, Type::Void, &[a, gv]);
}

/// A vector op of shape VBin or VUn (`b` = [`Value::NONE`]) with
/// immediate `l | x << 8`.
fn vop(c: &mut Ctx<'_>, op: Opcode, l: Lanes, x: u32, a: Value, b: Value) -> Value {
    c.b.push(
        op,
        Type::V128,
        [a, b, Value::NONE],
        l as u64 | (x as u64) << 8,
    )
}

/// The low 64 bits of `n` then the low 64 bits of `m`: the operand of a
/// 64-bit (Q=0) permute or pairwise op seen as one 128-bit vector.
fn low_halves(c: &mut Ctx<'_>, n: Value, m: Value) -> Value {
    c.b.vzip1(Lanes::I64x2, n, m)
}

/// The even then the odd lanes of the adjacent lane pairs of `n` then of
/// `m` (of their low halves unless `q`).
fn pair_halves(c: &mut Ctx<'_>, l: Lanes, q: bool, n: Value, m: Value) -> (Value, Value) {
    let (n, m) = if q {
        (n, m)
    } else {
        let z = low_halves(c, n, m);
        (z, z)
    };
    (c.b.vuzp1(l, n, m), c.b.vuzp2(l, n, m))
}

/// `f` applied to adjacent lane pairs of `n` then of `m` (ADDP, UMAXP, ...).
fn pairwise(c: &mut Ctx<'_>, op: Opcode, l: Lanes, q: bool, n: Value, m: Value) -> Value {
    let (ev, od) = pair_halves(c, l, q, n, m);
    let r = vop(c, op, l, 0, ev, od);
    c.clear_high(r, q)
}

/// Lane 0 after folding all lanes (of the low half unless `q`) with `op`.
fn reduce(c: &mut Ctx<'_>, op: Opcode, l: Lanes, q: bool, n: Value) -> Value {
    let mut x = if q { n } else { low_halves(c, n, n) };
    let mut k = if q { l.count() } else { l.count() / 2 };
    while k > 1 {
        x = pairwise(c, op, l, true, x, x);
        k /= 2;
    }
    c.b.vextract(l, x, 0)
}

/// The lanes of `n` truncated to half width (`narrow` lanes) into the low
/// half; the high half zero, or with `q` the low half of `d` and the
/// narrowed lanes in the high half (the "2" forms).
fn narrow(c: &mut Ctx<'_>, narrow: Lanes, q: bool, rd: u32, n: Value) -> Value {
    let z = c.b.iconst(Type::V128, 0);
    let t = c.b.vuzp1(narrow, n, z);
    if q {
        let d = c.vreg(rd);
        c.b.vzip1(Lanes::I64x2, d, t)
    } else {
        t
    }
}

/// The `narrow` lanes of the low half of `n` (the high half when `hi`)
/// sign- or zero-extended to twice their width: interleaved with zeros, or
/// with themselves and shifted back arithmetically.
fn widen(c: &mut Ctx<'_>, narrow: Lanes, hi: bool, signed: bool, n: Value) -> Value {
    let other = if signed { n } else { c.b.iconst(Type::V128, 0) };
    let x = if hi {
        c.b.vzip2(narrow, n, other)
    } else {
        c.b.vzip1(narrow, n, other)
    };
    if signed {
        let wide = Lanes::of_bits(2 * narrow.lane_bits());
        vop(c, Opcode::Vashr, wide, narrow.lane_bits(), x, Value::NONE)
    } else {
        x
    }
}

/// A 128-bit constant built from a 64-bit pattern (replicated when `q`).
fn v128_const(c: &mut Ctx<'_>, imm64: u64, q: bool) -> Value {
    if q {
        let x = c.b.i64(imm64);
        c.b.vsplat(Lanes::I64x2, x)
    } else {
        c.b.iconst(Type::V128, imm64)
    }
}

fn replicate(x: u64, bits: u32) -> u64 {
    let mut r = 0u64;
    let mut k = 0;
    while k < 64 {
        r |= x << k;
        k += bits;
    }
    r
}

/// AdvSIMDExpandImm(); `None` if reserved.
fn expand_imm(op: u32, cmode: u32, imm8: u64) -> Option<u64> {
    Some(match cmode >> 1 {
        0..=3 => replicate(imm8 << (8 * (cmode >> 1)), 32),
        4 | 5 => replicate(imm8 << (8 * ((cmode >> 1) & 1)), 16),
        6 => {
            if cmode & 1 == 0 {
                replicate((imm8 << 8) | 0xff, 32)
            } else {
                replicate((imm8 << 16) | 0xffff, 32)
            }
        }
        _ => match (cmode & 1, op) {
            (0, 0) => replicate(imm8, 8),
            (0, _) => {
                let mut r = 0u64;
                for b in 0..8 {
                    if imm8 & (1 << b) != 0 {
                        r |= 0xff << (8 * b);
                    }
                }
                r
            }
            (_, 0) => replicate(vfp_expand_imm(imm8 as u32, 32), 32),
            _ => vfp_expand_imm(imm8 as u32, 64),
        },
    })
}

/// VFPExpandImm() for single (32) or double (64) precision.
fn vfp_expand_imm(imm8: u32, n: u32) -> u64 {
    let a = ((imm8 >> 7) & 1) as u64;
    let b = ((imm8 >> 6) & 1) as u64;
    let cdefgh = (imm8 & 0x3f) as u64;
    if n == 32 {
        let exp = ((1 - b) << 7) | (if b != 0 { 0x1f } else { 0 } << 2) | ((cdefgh >> 4) & 3);
        (a << 31) | (exp << 23) | ((cdefgh & 0xf) << 19)
    } else {
        let exp = ((1 - b) << 10) | (if b != 0 { 0xff } else { 0 } << 2) | ((cdefgh >> 4) & 3);
        (a << 63) | (exp << 52) | ((cdefgh & 0xf) << 48)
    }
}

/// MOVI/MVNI/ORR/BIC (vector, immediate), FMOV (vector, immediate).
pub fn mod_imm(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let q = i.q() != 0;
    let op = i.u();
    let cmode = i.cmode();
    let imm8 = ((i.abc() << 5) | i.defgh()) as u64;
    if cmode == 0xf && op == 1 {
        require(q)?;
    }
    let imm = expand_imm(op, cmode, imm8).ok_or(Undef)?;
    let is_orr_bic = cmode < 12 && cmode & 1 == 1;
    let invert = op == 1 && cmode < 14;
    let r = if is_orr_bic {
        let k = v128_const(c, if invert { !imm } else { imm }, true);
        let d = c.vreg(i.rd());
        let r = if invert {
            c.b.vand(Lanes::I64x2, d, k)
        } else {
            c.b.vor(Lanes::I64x2, d, k)
        };
        c.clear_high(r, q)
    } else {
        v128_const(c, if invert { !imm } else { imm }, q)
    };
    c.set_vreg(i.rd(), r);
    Ok(())
}

/// Element size (log2 bytes) from imm5 of the copy instructions.
fn imm5_size(imm5: u32) -> Option<u32> {
    if imm5 & 0xf == 0 {
        None
    } else {
        Some(imm5.trailing_zeros())
    }
}

/// DUP (element, general), INS (element, general), UMOV, SMOV.
pub fn copy(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let q = i.q() != 0;
    let size = imm5_size(i.imm5()).ok_or(Undef)?;
    let lanes = Lanes::of_bits(8 << size);
    let idx = i.imm5() >> (size + 1);
    let lty = Type::int(8 << size);
    if i.bit(29) {
        // INS (element)
        require(q)?;
        let src = i.imm4() >> size;
        let n = c.vreg(i.rn());
        let x = c.b.vextract(lanes, n, src);
        let d = c.vreg(i.rd());
        let r = c.b.vinsert(lanes, d, x, idx);
        c.set_vreg(i.rd(), r);
        return Ok(());
    }
    match i.imm4() {
        0b0000 => {
            require(size != 3 || q)?;
            let n = c.vreg(i.rn());
            let x = c.b.vextract(lanes, n, idx);
            let r = c.b.vsplat(lanes, x);
            let r = c.clear_high(r, q);
            c.set_vreg(i.rd(), r);
        }
        0b0001 => {
            require(size != 3 || q)?;
            let x = c.reg(i.rn(), size == 3);
            let x = if size < 2 { c.b.trunc(lty, x) } else { x };
            let r = c.b.vsplat(lanes, x);
            let r = c.clear_high(r, q);
            c.set_vreg(i.rd(), r);
        }
        0b0011 => {
            require(q)?;
            let x = c.reg(i.rn(), size == 3);
            let x = if size < 2 { c.b.trunc(lty, x) } else { x };
            let d = c.vreg(i.rd());
            let r = c.b.vinsert(lanes, d, x, idx);
            c.set_vreg(i.rd(), r);
        }
        0b0101 => {
            // SMOV
            require(if q { size <= 2 } else { size <= 1 })?;
            let n = c.vreg(i.rn());
            let x = c.b.vextract(lanes, n, idx);
            let r = c.b.sext(if q { Type::I64 } else { Type::I32 }, x);
            c.set_reg(i.rd(), r);
        }
        0b0111 => {
            // UMOV
            require(if q { size == 3 } else { size <= 2 })?;
            let n = c.vreg(i.rn());
            let x = c.b.vextract(lanes, n, idx);
            c.set_reg(i.rd(), x);
        }
        _ => return Err(Undef),
    }
    Ok(())
}

/// Three registers of the same type.
pub fn three_same(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let q = i.q() != 0;
    let u = i.u() != 0;
    let size = i.vsize();
    let op = i.opcode11();
    let lanes = Lanes::of_bits(8 << size);
    match op {
        0b00011 => {
            if u && size != 0 {
                // BSL, BIT, BIF: bitwise selects through xor/and.
                let n = c.vreg(i.rn());
                let m = c.vreg(i.rm());
                let d = c.vreg(i.rd());
                let (base, other, sel) = match size {
                    1 => (m, n, d),
                    _ => (d, n, m),
                };
                let sel = if size == 3 { c.b.vnot(lanes, sel) } else { sel };
                let x = c.b.vxor(lanes, base, other);
                let x = c.b.vand(lanes, x, sel);
                let r = c.b.vxor(lanes, base, x);
                let r = c.clear_high(r, q);
                c.set_vreg(i.rd(), r);
                return Ok(());
            }
            if !u || size == 0 {
                let n = c.vreg(i.rn());
                let m = c.vreg(i.rm());
                let r = match (u, size) {
                    (false, 0) => c.b.vand(lanes, n, m),
                    (false, 1) => {
                        let nm = c.b.vnot(lanes, m);
                        c.b.vand(lanes, n, nm)
                    }
                    (false, 2) => c.b.vor(lanes, n, m),
                    (false, _) => {
                        let nm = c.b.vnot(lanes, m);
                        c.b.vor(lanes, n, nm)
                    }
                    _ => c.b.vxor(lanes, n, m),
                };
                let r = c.clear_high(r, q);
                c.set_vreg(i.rd(), r);
                return Ok(());
            }
        }
        0b10000 | 0b10001 => {
            require(size != 3 || q)?;
            let n = c.vreg(i.rn());
            let m = c.vreg(i.rm());
            let r = match (op, u) {
                (0b10000, false) => c.b.vadd(lanes, n, m),
                (0b10000, true) => c.b.vsub(lanes, n, m),
                (_, true) => c.b.vcmpeq(lanes, n, m),
                _ => {
                    // CMTST: all ones where the lanes share a set bit.
                    let a = c.b.vand(lanes, n, m);
                    let z = c.b.iconst(Type::V128, 0);
                    let e = c.b.vcmpeq(lanes, a, z);
                    c.b.vnot(lanes, e)
                }
            };
            let r = c.clear_high(r, q);
            c.set_vreg(i.rd(), r);
            return Ok(());
        }
        0b00110 | 0b00111 => {
            require(size != 3 || q)?;
            let vo = match (op, u) {
                (0b00110, false) => Opcode::Vcmpsgt,
                (0b00110, true) => Opcode::Vcmpugt,
                (_, false) => Opcode::Vcmpsge,
                _ => Opcode::Vcmpuge,
            };
            return lanewise3(c, i, vo, lanes, q);
        }
        0b00010 if u => {
            // URHADD.
            require(size != 3)?;
            return lanewise3(c, i, Opcode::Vavgru, lanes, q);
        }
        0b10011 if !u => {
            require(size != 3)?;
            return lanewise3(c, i, Opcode::Vmul, lanes, q);
        }
        // SSHL/USHL (by register).
        0b01000 => require(size != 3 || q)?,
        0b01100 | 0b01101 => {
            require(size != 3)?;
            if u {
                let n = c.vreg(i.rn());
                let m = c.vreg(i.rm());
                let r = if op == 0b01100 {
                    c.b.vumax(lanes, n, m)
                } else {
                    c.b.vumin(lanes, n, m)
                };
                let r = c.clear_high(r, q);
                c.set_vreg(i.rd(), r);
                return Ok(());
            }
            let vo = if op == 0b01100 {
                Opcode::Vsmax
            } else {
                Opcode::Vsmin
            };
            return lanewise3(c, i, vo, lanes, q);
        }
        0b11000..=0b11111 => return fp_three_same(c, i),
        0b10111 | 0b10100 | 0b10101 => {
            require(if op == 0b10111 {
                !u && (size != 3 || q)
            } else {
                size != 3
            })?;
            let vo = match (op, u) {
                (0b10111, _) => Opcode::Vadd,
                (0b10100, false) => Opcode::Vsmax,
                (0b10100, true) => Opcode::Vumax,
                (_, false) => Opcode::Vsmin,
                _ => Opcode::Vumin,
            };
            let n = c.vreg(i.rn());
            let m = c.vreg(i.rm());
            let r = pairwise(c, vo, lanes, q, n, m);
            c.set_vreg(i.rd(), r);
            return Ok(());
        }
        _ => return Err(Undef),
    }
    call_simd(c, i, Group::ThreeSame);
    Ok(())
}

/// `Vd = op(Vn, Vm)` lane by lane, the high half cleared unless `q`.
fn lanewise3(c: &mut Ctx<'_>, i: Insn, op: Opcode, l: Lanes, q: bool) -> TResult {
    let n = c.vreg(i.rn());
    let m = c.vreg(i.rm());
    let r = vop(c, op, l, 0, n, m);
    let r = c.clear_high(r, q);
    c.set_vreg(i.rd(), r);
    Ok(())
}

/// Three registers of different types: [SU]ADDL/[SU]ADDW/[SU]SUBL/[SU]SUBW/[SU]MULL (and "2").
pub fn three_diff(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(i.vsize() != 3)?;
    let op = i.bits(15, 12);
    require(matches!(op, 0b0000..=0b0011 | 0b1000 | 0b1010 | 0b1100))?;
    let (q, signed) = (i.q() != 0, i.u() == 0);
    let narrow = Lanes::of_bits(8 << i.vsize());
    let wide = Lanes::of_bits(16 << i.vsize());
    let n = c.vreg(i.rn());
    let m = c.vreg(i.rm());
    // The "W" forms take Vn at full width.
    let n = if matches!(op, 0b0001 | 0b0011) {
        n
    } else {
        widen(c, narrow, q, signed, n)
    };
    let m = widen(c, narrow, q, signed, m);
    let r = match op {
        0b0000 | 0b0001 => c.b.vadd(wide, n, m),
        0b0010 | 0b0011 => c.b.vsub(wide, n, m),
        0b1100 => c.b.vmul(wide, n, m),
        0b1000 | 0b1010 => {
            // [SU]MLAL, [SU]MLSL.
            let p = c.b.vmul(wide, n, m);
            let d = c.vreg(i.rd());
            if op == 0b1000 {
                c.b.vadd(wide, d, p)
            } else {
                c.b.vsub(wide, d, p)
            }
        }
        _ => return Err(Undef),
    };
    c.set_vreg(i.rd(), r);
    Ok(())
}

/// Advanced SIMD scalar copy: DUP (element), alias MOV `Vd, Vn.T[i]`.
pub fn scalar_copy(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(!i.bit(29) && i.imm4() == 0)?;
    let size = imm5_size(i.imm5()).ok_or(Undef)?;
    let idx = i.imm5() >> (size + 1);
    let n = c.vreg(i.rn());
    let x = c.b.vextract(Lanes::of_bits(8 << size), n, idx);
    c.set_vreg_scalar(i.rd(), x);
    Ok(())
}

/// Advanced SIMD scalar pairwise: ADDP (scalar), the only integer one,
/// and in fast blocks FADDP/FMAXP/FMINP/FMAXNMP/FMINNMP (single, double).
pub fn scalar_pairwise(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let fp_op = matches!(
        (i.opcode12(), i.bit(23)),
        (0b01100 | 0b01111, _) | (0b01101, false)
    );
    if i.u() != 0 && fp_op && c.fp_fast {
        let double = i.bit(22);
        fp_pairwise(c, i, i.opcode12(), double, double, 1, i.rn());
        return Ok(());
    }
    require(i.u() == 0 && i.opcode12() == 0b11011 && i.vsize() == 3)?;
    let n = c.vreg(i.rn());
    let lo = c.b.vextract(Lanes::I64x2, n, 0);
    let hi = c.b.vextract(Lanes::I64x2, n, 1);
    let r = c.b.add(lo, hi);
    c.set_vreg_scalar(i.rd(), r);
    Ok(())
}

/// Advanced SIMD scalar three same: FMULX, FRECPS, FRSQRTS (single,
/// double) in fast
/// blocks; other encodings: `Err` (the executor).
fn scalar_three_same(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let op = match (i.opcode11(), i.u() != 0, i.bit(23)) {
        (0b11011, false, false) => 9,
        (0b11111, false, a) => 10 + a as u32,
        _ => return Err(Undef),
    };
    require(c.fp_fast)?;
    let nm = (c.vreg(i.rn()), c.vreg(i.rm()));
    let r = fp_lanes(c, i, nm, i.bit(22), 1, Some(op), false, None);
    c.set_vreg(i.rd(), r);
    Ok(())
}

/// Advanced SIMD scalar two-register miscellaneous: 64-bit compares with
/// zero (CMGT/CMGE/CMEQ/CMLE/CMLT) and SCVTF/UCVTF (integer).
pub fn scalar_two_misc(c: &mut Ctx<'_>, i: Insn) -> TResult {
    if i.opcode12() == 0b11101 && i.vsize() <= 1 {
        call_fp(c, i);
        return Ok(());
    }
    require(i.vsize() == 3)?;
    let cond = match (i.u() != 0, i.opcode12()) {
        (false, 0b01000) => Cond::Sgt,
        (true, 0b01000) => Cond::Sge,
        (false, 0b01001) => Cond::Eq,
        (true, 0b01001) => Cond::Sle,
        (false, 0b01010) => Cond::Slt,
        _ => return Err(Undef),
    };
    let x = c.vreg_scalar(i.rn(), Type::I64);
    let zero = c.b.iconst(Type::I64, 0);
    let ones = c.b.iconst(Type::I64, u64::MAX);
    let t = c.b.icmp(cond, x, zero);
    let r = c.b.select(t, ones, zero);
    c.set_vreg_scalar(i.rd(), r);
    Ok(())
}

/// Two-register miscellaneous.
pub fn two_misc(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let q = i.q() != 0;
    let u = i.u() != 0;
    let size = i.vsize();
    let op = i.opcode12();
    let lanes = Lanes::of_bits(8 << size);
    let one = |c: &mut Ctx<'_>, r: Value| {
        let r = c.clear_high(r, q);
        c.set_vreg(i.rd(), r);
        Ok(())
    };
    match (u, op) {
        (_, 0b00000) | (false, 0b00001) => {
            // REV64, REV32, REV16: lanes reversed in 8-, 4- or 2-byte containers.
            let log_bytes = match (u, op) {
                (false, 0b00000) => 3,
                (true, _) => 2,
                _ => 1,
            };
            require(size < log_bytes)?;
            let n = c.vreg(i.rn());
            let r = vop(c, Opcode::Vrev, lanes, log_bytes, n, Value::NONE);
            return one(c, r);
        }
        (false, 0b00101) => {
            // CNT.
            require(size == 0)?;
            let n = c.vreg(i.rn());
            let r = c.b.vpopcnt(lanes, n);
            return one(c, r);
        }
        (true, 0b01011) => {
            // NEG.
            require(size != 3 || q)?;
            let n = c.vreg(i.rn());
            let z = c.b.iconst(Type::V128, 0);
            let r = c.b.vsub(lanes, z, n);
            return one(c, r);
        }
        (_, 0b00010) | (_, 0b00110) => {
            // [SU]ADDLP, [SU]ADALP: both halves of each wide lane,
            // extended in place, added (to Vd for ADALP).
            require(size != 3)?;
            let wide = Lanes::of_bits(16 << size);
            let eb = 8 << size;
            let n = c.vreg(i.rn());
            let sr = if u { Opcode::Vlshr } else { Opcode::Vashr };
            let lo = vop(c, Opcode::Vshl, wide, eb, n, Value::NONE);
            let lo = vop(c, sr, wide, eb, lo, Value::NONE);
            let hi = vop(c, sr, wide, eb, n, Value::NONE);
            let r = c.b.vadd(wide, lo, hi);
            let r = if op == 0b00110 {
                let d = c.vreg(i.rd());
                c.b.vadd(wide, d, r)
            } else {
                r
            };
            return one(c, r);
        }
        (true, 0b00101) => {
            require(size <= 1)?;
            if size == 0 {
                let n = c.vreg(i.rn());
                let r = c.b.vnot(Lanes::I8x16, n);
                let r = c.clear_high(r, q);
                c.set_vreg(i.rd(), r);
                return Ok(());
            }
        }
        (false, 0b01001) => {
            require(size != 3 || q)?;
            let lanes = Lanes::of_bits(8 << size);
            let n = c.vreg(i.rn());
            let z = c.b.iconst(Type::V128, 0);
            let r = c.b.vcmpeq(lanes, n, z);
            let r = c.clear_high(r, q);
            c.set_vreg(i.rd(), r);
            return Ok(());
        }
        (_, 0b01000) | (true, 0b01001) | (false, 0b01010) => {
            // CMGT, CMGE, CMLE, CMLT (zero).
            require(size != 3 || q)?;
            let lanes = Lanes::of_bits(8 << size);
            let n = c.vreg(i.rn());
            let z = c.b.iconst(Type::V128, 0);
            let (vo, a, b) = match (u, op) {
                (false, 0b01000) => (Opcode::Vcmpsgt, n, z),
                (true, 0b01000) => (Opcode::Vcmpsge, n, z),
                (true, _) => (Opcode::Vcmpsge, z, n),
                _ => (Opcode::Vcmpsgt, z, n),
            };
            let r = vop(c, vo, lanes, 0, a, b);
            let r = c.clear_high(r, q);
            c.set_vreg(i.rd(), r);
            return Ok(());
        }
        (false, 0b01011) => require(size != 3 || q)?,
        (false, 0b10010) => {
            // XTN, XTN2.
            require(size != 3)?;
            let n = c.vreg(i.rn());
            let r = narrow(c, Lanes::of_bits(8 << size), q, i.rd(), n);
            c.set_vreg(i.rd(), r);
            return Ok(());
        }
        (_, 0b01111) | (true, 0b11111) | (_, 0b11101) | (_, 0b11011) => {
            return fp_two_misc(c, i);
        }
        (_, 0b01100) | (_, 0b01101) | (false, 0b01110) if size >= 2 => {
            // FCMGT, FCMGE, FCMEQ, FCMLE, FCMLT (zero).
            require(c.fp_fast && (q || size == 2))?;
            let cond = match (u, op) {
                (false, 0b01100) => FpCmp::Gt,
                (true, 0b01100) => FpCmp::Ge,
                (false, 0b01101) => FpCmp::Eq,
                (true, 0b01101) => FpCmp::Le,
                _ => FpCmp::Lt,
            };
            fp_cmp_lanes(c, i, size == 3, q, cond, false, true);
            return Ok(());
        }
        _ => return Err(Undef),
    }
    call_simd(c, i, Group::TwoMisc);
    Ok(())
}

/// Across lanes: ADDV, [SU]MAXV, [SU]MINV, [SU]ADDLV, and in fast blocks
/// FMAXNMV/FMINNMV/FMAXV/FMINV (4S).
pub fn across(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let size = i.vsize();
    if let (true, 0b01100 | 0b01111) = (i.u() != 0, i.opcode12()) {
        require(c.fp_fast && i.q() != 0 && !i.bit(22))?;
        let op = 4 + i.bit(23) as u32 + if i.opcode12() == 0b01100 { 2 } else { 0 };
        fp_across(c, i, op);
        return Ok(());
    }
    require(size != 3 && !(size == 2 && i.q() == 0))?;
    let vo = match (i.u() != 0, i.opcode12()) {
        (false, 0b11011) => Opcode::Vadd,
        (false, 0b01010) => Opcode::Vsmax,
        (true, 0b01010) => Opcode::Vumax,
        (false, 0b11010) => Opcode::Vsmin,
        (true, 0b11010) => Opcode::Vumin,
        (_, 0b00011) => {
            call_simd(c, i, Group::Across);
            return Ok(());
        }
        _ => return Err(Undef),
    };
    let n = c.vreg(i.rn());
    let x = reduce(c, vo, Lanes::of_bits(8 << size), i.q() != 0, n);
    c.set_vreg_scalar(i.rd(), x);
    Ok(())
}

/// Shift by immediate.
pub fn shift_imm(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let q = i.q() != 0;
    let immh = i.immh();
    require(immh != 0)?;
    let u = i.u() != 0;
    match (u, i.bits(15, 11)) {
        (_, 0b00000) | (_, 0b00010) | (false, 0b01010) | (true, 0b01010) | (true, 0b01000) => {
            require(immh < 8 || q)?
        }
        (false, 0b10000) | (_, 0b10100) => require(immh < 8)?,
        _ => return Err(Undef),
    }
    let esize = 8 << (31 - immh.leading_zeros());
    let immhb = i.bits(22, 16);
    let lanes = Lanes::of_bits(esize);
    let n = c.vreg(i.rn());
    let r = match (u, i.bits(15, 11)) {
        (_, 0b00000) => {
            // SSHR, USHR: a shift by the full width leaves the sign or 0.
            let sh = 2 * esize - immhb;
            if sh == esize && u {
                c.b.iconst(Type::V128, 0)
            } else {
                let vo = if u { Opcode::Vlshr } else { Opcode::Vashr };
                vop(c, vo, lanes, sh.min(esize - 1), n, Value::NONE)
            }
        }
        (false, 0b01010) => vop(c, Opcode::Vshl, lanes, immhb - esize, n, Value::NONE),
        (false, 0b10000) => {
            // SHRN, SHRN2.
            let wide = Lanes::of_bits(2 * esize);
            let x = vop(c, Opcode::Vlshr, wide, 2 * esize - immhb, n, Value::NONE);
            let r = narrow(c, lanes, q, i.rd(), x);
            c.set_vreg(i.rd(), r);
            return Ok(());
        }
        (_, 0b10100) => {
            // SSHLL, USHLL (and "2").
            let wide = Lanes::of_bits(2 * esize);
            let x = widen(c, lanes, q, !u, n);
            let sh = immhb - esize;
            let r = if sh != 0 {
                vop(c, Opcode::Vshl, wide, sh, x, Value::NONE)
            } else {
                x
            };
            c.set_vreg(i.rd(), r);
            return Ok(());
        }
        _ => {
            call_simd(c, i, Group::ShiftImm);
            return Ok(());
        }
    };
    let r = c.clear_high(r, q);
    c.set_vreg(i.rd(), r);
    Ok(())
}

/// UZP1/UZP2/TRN1/TRN2/ZIP1/ZIP2.
pub fn permute(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(i.bits(14, 12) & 3 != 0)?;
    require(!(i.vsize() == 3 && i.q() == 0))?;
    let q = i.q() != 0;
    let lanes = Lanes::of_bits(8 << i.vsize());
    let vo = match i.bits(14, 12) {
        1 => Opcode::Vuzp1,
        5 => Opcode::Vuzp2,
        2 => Opcode::Vtrn1,
        6 => Opcode::Vtrn2,
        3 => Opcode::Vzip1,
        _ => Opcode::Vzip2,
    };
    let n = c.vreg(i.rn());
    let m = c.vreg(i.rm());
    // The 64-bit forms: UZP reads the two low halves as one vector, ZIP2
    // interleaves bytes 4..8 of each (moved down to where ZIP1 reads).
    let (n, m, vo) = match vo {
        Opcode::Vuzp1 | Opcode::Vuzp2 if !q => {
            let z = low_halves(c, n, m);
            (z, z, vo)
        }
        Opcode::Vzip2 if !q => {
            let n = vop(c, Opcode::Vext, Lanes::I8x16, 4, n, n);
            let m = vop(c, Opcode::Vext, Lanes::I8x16, 4, m, m);
            (n, m, Opcode::Vzip1)
        }
        _ => (n, m, vo),
    };
    let r = vop(c, vo, lanes, 0, n, m);
    let r = c.clear_high(r, q);
    c.set_vreg(i.rd(), r);
    Ok(())
}

/// EXT.
pub fn ext(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(i.vsize() == 0)?;
    let q = i.q() != 0;
    require(q || i.imm4() < 8)?;
    let n = c.vreg(i.rn());
    let m = c.vreg(i.rm());
    let (n, m) = if q {
        (n, m)
    } else {
        let z = low_halves(c, n, m);
        (z, z)
    };
    let r = vop(c, Opcode::Vext, Lanes::I8x16, i.imm4(), n, m);
    let r = c.clear_high(r, q);
    c.set_vreg(i.rd(), r);
    Ok(())
}

/// TBL/TBX.
pub fn tbl(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(i.vsize() == 0)?;
    call_simd(c, i, Group::Tbl);
    Ok(())
}

/// The IR type of a scalar FP register of `ftype`: half precision
/// (FEAT_FP16) values are handled as their 16-bit patterns.
/// The scalar type of `ftype`; half precision (3) needs FEAT_FP16.
fn fty(c: &Ctx<'_>, ftype: u32) -> Result<Type, Undef> {
    match ftype {
        0 => Ok(Type::F32),
        1 => Ok(Type::F64),
        3 => c.need(crate::cpu::Feature::Fp16).map(|()| Type::I16),
        _ => Err(Undef),
    }
}

/// FMOV (general), SCVTF/UCVTF (scalar, integer), FCVTZS/FCVTZU (scalar, integer).
pub fn fp_int_conv(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let sf = i.sf() != 0;
    let (ftype, rmode, op) = (i.ftype(), i.rmode(), i.fopcode());
    match (rmode, op) {
        (0, 6) | (0, 7) | (1, 6) | (1, 7) => {
            let to_gpr = op == 6;
            match (sf, ftype, rmode) {
                (false, 0, 0) | (true, 1, 0) => {
                    let ity = if sf { Type::I64 } else { Type::I32 };
                    if to_gpr {
                        let x = c.vreg_scalar(i.rn(), ity);
                        c.set_reg(i.rd(), x);
                    } else {
                        let x = c.reg(i.rn(), sf);
                        c.set_vreg_scalar(i.rd(), x);
                    }
                }
                (_, 3, 0) => {
                    // FMOV Wd/Xd, Hn (zero-extended) and Hd, Wn/Xn.
                    c.need(crate::cpu::Feature::Fp16)?;
                    if to_gpr {
                        let x = c.vreg_scalar(i.rn(), Type::I16);
                        let x = c.b.zext(if sf { Type::I64 } else { Type::I32 }, x);
                        c.set_reg(i.rd(), x);
                    } else {
                        let x = c.reg(i.rn(), sf);
                        let x = c.b.trunc(Type::I16, x);
                        c.set_vreg_scalar(i.rd(), x);
                    }
                }
                (true, 2, 1) => {
                    if to_gpr {
                        let v = c.vreg(i.rn());
                        let x = c.b.vextract(Lanes::I64x2, v, 1);
                        c.set_reg(i.rd(), x);
                    } else {
                        let x = c.reg(i.rn(), true);
                        let v = c.vreg(i.rd());
                        let r = c.b.vinsert(Lanes::I64x2, v, x, 1);
                        c.set_vreg(i.rd(), r);
                    }
                }
                _ => return Err(Undef),
            }
        }
        (3, 6) if !sf && ftype == 1 => return asimd(c, i),
        (0, 2..=5) | (_, 0) | (_, 1) => {
            let ft = fty(c, ftype)?;
            if !(fast(c, ft) && int_conv(c, i, ft, rmode, op, 0)) {
                call_fp(c, i);
            }
        }
        _ => return Err(Undef),
    }
    Ok(())
}

/// The exact path: the instruction executed by [`HELPER_FP`] (Arm's
/// semantics for every FPCR, FPSR flags).
fn call_fp(c: &mut Ctx<'_>, i: Insn) {
    let a = c.b.i64(i.0 as u64);
    c.b.call_helper(&HELPER_FP, Type::Void, &[a]);
}

// The fast path. In blocks translated for FPCR.RMode = RN, FZ = 0, DN = 0
// with FPSR tracking off (`Ctx::fp_fast`, from tb_flags), single and double
// precision arithmetic, compares and conversions are IR float ops: the
// host rounds to nearest even as Arm does, flush-to-zero and default-NaN
// modes do not apply, and FPSR's cumulative flags are not computed (the
// guest has not looked at FPSR yet; the first MRS/MSR FPSR ends its block
// and turns tracking on, after which every FP instruction takes the exact
// helper). What remains is the NaN a result carries, which differs between
// hosts and Arm: every arithmetic result goes through `fnan`, which keeps a
// non-NaN result (tested inline) and otherwise applies Arm's rule to the
// operands (`NanRule`). Conversions to integer saturate and give 0 for NaN
// in both; FRINT* and FCVT[NPMA]* round first (`Fround`). Half precision
// and FCVT involving half precision keep the helper.

/// True when `ft` (from [`fty`]) is single or double precision in a fast
/// block.
fn fast(c: &Ctx<'_>, ft: Type) -> bool {
    c.fp_fast && ft.is_float()
}

/// `r` unless it is a NaN, else Arm's NaN from `a` and `b` (FPProcessNaNs;
/// `rule` for the two steps of a fused multiply-add).
fn arm_nan(c: &mut Ctx<'_>, rule: NanRule, r: Value, a: Value, b: Value) -> Value {
    let ty = c.b.ty(r);
    c.b.push(Opcode::Fnan, ty, [r, a, b], rule as u64)
}

/// A float constant of type `ft` with value `x`.
fn fconst(c: &mut Ctx<'_>, ft: Type, x: f64) -> Value {
    let bits = if ft == Type::F32 {
        (x as f32).to_bits() as u64
    } else {
        x.to_bits()
    };
    c.b.iconst(ft, bits)
}

/// `x` rounded to an integral value by an FPCR.RMode-style `rmode` (0 to
/// nearest even, 1 toward +infinity, 2 toward -infinity, 3 toward zero;
/// 4 to nearest with ties away, as FRINTA and FCVTA*).
fn round_integral(c: &mut Ctx<'_>, x: Value, rmode: u32) -> Value {
    let imm = [0, 2, 1, 3, 4][rmode.min(4) as usize];
    let ty = c.b.ty(x);
    c.b.push(Opcode::Fround, ty, [x, Value::NONE, Value::NONE], imm)
}

/// SCVTF/UCVTF (op 2/3 with RMode 0), FCVT[NPMZ]S/FCVT[NPMZ]U (op 0/1,
/// rounding by RMode) and FCVTAS/FCVTAU (op 4/5) between a general
/// register and a float of type `ft`, with `fbits` fraction bits, as IR;
/// false (nothing emitted) for other encodings. The
/// scaling by 2^fbits is exact (no overflow or underflow short of
/// saturation), so it does not change the single rounding.
fn int_conv(c: &mut Ctx<'_>, i: Insn, ft: Type, rmode: u32, op: u32, fbits: u32) -> bool {
    let sf = i.sf() != 0;
    match (rmode, op) {
        (0, 2 | 3) => {
            let x = c.reg(i.rn(), sf);
            let r = if op == 2 {
                c.b.scvtf(ft, x)
            } else {
                c.b.ucvtf(ft, x)
            };
            let r = if fbits != 0 {
                let k = fconst(c, ft, (-(fbits as f64)).exp2());
                c.b.fmul(r, k)
            } else {
                r
            };
            c.set_vreg_scalar(i.rd(), r);
        }
        (_, 0 | 1) | (0, 4 | 5) => {
            // FCVT[NPMZA][SU]: round by RMode (ties away for op 4/5), then
            // toward zero (exact).
            let x = c.vreg_scalar(i.rn(), ft);
            let x = match (rmode, op) {
                (3, _) => x,
                (_, 4 | 5) => round_integral(c, x, 4),
                _ => round_integral(c, x, rmode),
            };
            let x = if fbits != 0 {
                let k = fconst(c, ft, (fbits as f64).exp2());
                c.b.fmul(x, k)
            } else {
                x
            };
            let ity = if sf { Type::I64 } else { Type::I32 };
            let r = if op & 1 == 0 {
                c.b.fcvtzs(ity, x)
            } else {
                c.b.fcvtzu(ity, x)
            };
            c.set_reg(i.rd(), r);
        }
        _ => return false,
    }
    true
}

/// SCVTF/UCVTF/FCVTZS/FCVTZU (scalar, fixed-point).
pub fn fp_fixed(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let ft = fty(c, i.ftype())?;
    require(matches!(
        (i.rmode(), i.fopcode()),
        (0, 2) | (0, 3) | (3, 0) | (3, 1)
    ))?;
    require(i.sf() != 0 || i.bits(15, 10) >= 32)?;
    let fbits = 64 - i.bits(15, 10);
    if !(fast(c, ft) && int_conv(c, i, ft, i.rmode(), i.fopcode(), fbits)) {
        call_fp(c, i);
    }
    Ok(())
}

/// NZCV of FPCompare(`a`, `b`): 0110 equal, 1000 less, 0010 greater,
/// 0011 unordered (FCMPE differs only in the flags it raises).
fn fcmp_flags(c: &mut Ctx<'_>, a: Value, b: Value) -> super::Nzcv {
    let n = c.b.fcmp(FCond::Lt, a, b);
    let z = c.b.fcmp(FCond::Eq, a, b);
    let v = c.b.fcmp(FCond::Uno, a, b);
    let cf = c.bnot(n);
    super::Nzcv { n, z, c: cf, v }
}

/// FCCMP, FCCMPE.
pub fn fp_ccmp(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let ft = fty(c, i.ftype())?;
    if !fast(c, ft) {
        call_fp(c, i);
        return Ok(());
    }
    let cond = c.cond_holds(i.cond12());
    let a = c.vreg_scalar(i.rn(), ft);
    let b = c.vreg_scalar(i.rm(), ft);
    let f = fcmp_flags(c, a, b);
    let imm = i.nzcv();
    let pick = |c: &mut Ctx<'_>, x: Value, bit: u32| {
        let k = c.b.i8(((imm >> bit) & 1) as u8);
        c.b.select(cond, x, k)
    };
    let f = super::Nzcv {
        n: pick(c, f.n, 3),
        z: pick(c, f.z, 2),
        c: pick(c, f.c, 1),
        v: pick(c, f.v, 0),
    };
    c.set_flags(f);
    Ok(())
}

/// FMOV (register), FABS, FNEG, FSQRT, FCVT between single and double.
pub fn fp_1src(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let op = i.bits(20, 15);
    if matches!(op, 4 | 5 | 7) {
        // FCVT: half precision is allowed as source and destination.
        require(i.ftype() != 2 && op & 3 != i.ftype())?;
        match (c.fp_fast, i.ftype(), op) {
            // Single <-> double: a NaN keeps its sign and the high bits
            // of its payload and is quieted on both.
            (true, 0, 5) | (true, 1, 4) => {
                let (from, to) = if op == 5 {
                    (Type::F32, Type::F64)
                } else {
                    (Type::F64, Type::F32)
                };
                let x = c.vreg_scalar(i.rn(), from);
                let r = c.b.fcvt(to, x);
                c.set_vreg_scalar(i.rd(), r);
            }
            _ => call_fp(c, i),
        }
        return Ok(());
    }
    if matches!(op, 6 | 16..=19) {
        // BFCVT, FRINT32Z/X, FRINT64Z/X.
        return asimd(c, i);
    }
    let ft = fty(c, i.ftype())?;
    match op {
        0..=2 => {
            let x = c.vreg_scalar(i.rn(), ft);
            let r = match op {
                0 => x,
                _ if ft == Type::I16 => {
                    let k = c.b.iconst(Type::I16, if op == 1 { 0x7fff } else { 0x8000 });
                    if op == 1 {
                        c.b.and(x, k)
                    } else {
                        c.b.xor(x, k)
                    }
                }
                1 => c.b.fabs(x),
                _ => c.b.fneg(x),
            };
            c.set_vreg_scalar(i.rd(), r);
        }
        3 if fast(c, ft) => {
            let x = c.vreg_scalar(i.rn(), ft);
            let r = c.b.fsqrt(x);
            let r = arm_nan(c, NanRule::Arm, r, x, x);
            c.set_vreg_scalar(i.rd(), r);
        }
        // FRINTN, FRINTP, FRINTM, FRINTZ, FRINTA, FRINTX, FRINTI.
        8..=12 | 14 | 15 if fast(c, ft) => {
            let x = c.vreg_scalar(i.rn(), ft);
            // FRINTX/FRINTI round by FPCR.RMode, which is RN here.
            let r = round_integral(c, x, if op >= 14 { 0 } else { op & 7 });
            let r = arm_nan(c, NanRule::Arm, r, x, x);
            c.set_vreg_scalar(i.rd(), r);
        }
        3 | 8..=12 | 14 | 15 => call_fp(c, i),
        _ => return Err(Undef),
    }
    Ok(())
}

/// FCMP, FCMPE (register and zero).
pub fn fp_cmp(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let ft = fty(c, i.ftype())?;
    require(i.bits(15, 14) == 0 && i.bits(2, 0) == 0)?;
    if !fast(c, ft) {
        call_fp(c, i);
        return Ok(());
    }
    let a = c.vreg_scalar(i.rn(), ft);
    let b = if i.bit(3) {
        c.b.iconst(ft, 0)
    } else {
        c.vreg_scalar(i.rm(), ft)
    };
    let f = fcmp_flags(c, a, b);
    c.set_flags(f);
    Ok(())
}

/// FMOV (scalar, immediate).
pub fn fp_imm(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let ft = fty(c, i.ftype())?;
    require(i.bits(9, 5) == 0)?;
    let bits = if ft == Type::I16 {
        let imm8 = i.imm8();
        let (a, b, cdefgh) = ((imm8 >> 7) & 1, (imm8 >> 6) & 1, imm8 & 0x3f);
        let exp = ((1 - b) << 4) | (if b != 0 { 3 } else { 0 } << 2) | ((cdefgh >> 4) & 3);
        ((a << 15) | (exp << 10) | ((cdefgh & 0xf) << 6)) as u64
    } else {
        vfp_expand_imm(i.imm8(), ft.bits())
    };
    let x = c.b.iconst(ft, bits);
    c.set_vreg_scalar(i.rd(), x);
    Ok(())
}

/// FMUL/FDIV/FADD/FSUB/FMAX/FMIN/FMAXNM/FMINNM/FNMUL (scalar).
pub fn fp_2src(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let ft = fty(c, i.ftype())?;
    let op = i.bits(15, 12);
    require(op <= 8)?;
    if !fast(c, ft) {
        call_fp(c, i);
        return Ok(());
    }
    let a = c.vreg_scalar(i.rn(), ft);
    let b = c.vreg_scalar(i.rm(), ft);
    let r = arith2(c, op, a, b);
    c.set_vreg_scalar(i.rd(), r);
    Ok(())
}

/// Operation `op` of the scalar 2-source encoding (0 FMUL, 1 FDIV, 2
/// FADD, 3 FSUB, 4 FMAX, 5 FMIN, 6 FMAXNM, 7 FMINNM, 8 FNMUL; and beyond
/// it 9 FMULX, 10 FRECPS, 11 FRSQRTS) on two floats, with Arm's NaN
/// results (the fast path).
fn arith2(c: &mut Ctx<'_>, op: u32, a: Value, b: Value) -> Value {
    let ft = c.b.ty(a);
    if op == 10 || op == 11 {
        return step_fused(c, op == 11, a, b);
    }
    if op == 9 {
        // FPMulX: infinity times zero is 2.0 with the product's sign.
        let r = c.b.fmul(a, b);
        let r = arm_nan(c, NanRule::Arm, r, a, b);
        let it = Type::int(ft.bits());
        let (ai, bi) = (c.b.bitcast(it, a), c.b.bitcast(it, b));
        let sign = c.b.xor(ai, bi);
        let k = c.b.iconst(it, 1 << (ft.bits() - 1));
        let sign = c.b.and(sign, k);
        let two = fconst(c, ft, 2.0);
        let two = c.b.bitcast(it, two);
        let two = c.b.or(sign, two);
        let two = c.b.bitcast(ft, two);
        return inf_times_zero(c, r, a, b, two);
    }
    let (a, b) = if matches!(op, 6 | 7) {
        // FMAXNM/FMINNM: a quiet NaN facing a number (or a signalling
        // NaN) becomes the infinity that loses (FPMaxNum/FPMinNum).
        let inf = fconst(
            c,
            ft,
            if op == 6 {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            },
        );
        let qa = is_qnan(c, a);
        let qb = is_qnan(c, b);
        let only_a = c.bnot(qb);
        let only_a = c.b.and(qa, only_a);
        let only_b = c.bnot(qa);
        let only_b = c.b.and(qb, only_b);
        let a = c.b.select(only_a, inf, a);
        let b = c.b.select(only_b, inf, b);
        (a, b)
    } else {
        (a, b)
    };
    let r = match op {
        0 | 8 => c.b.fmul(a, b),
        1 => c.b.fdiv(a, b),
        2 => c.b.fadd(a, b),
        3 => c.b.fsub(a, b),
        4 | 6 => c.b.fmax(a, b),
        _ => c.b.fmin(a, b),
    };
    let r = arm_nan(c, NanRule::Arm, r, a, b);
    // FNMUL negates the product, a NaN included.
    if op == 8 { c.b.fneg(r) } else { r }
}

/// FPRecipStepFused, `2 - a*b` (or with `rsqrt` FPRSqrtStepFused,
/// `(3 - a*b) / 2`) rounded once; infinity times zero gives 2.0 (1.5),
/// a NaN comes from `-a` and `b`.
fn step_fused(c: &mut Ctx<'_>, rsqrt: bool, a: Value, b: Value) -> Value {
    let ft = c.b.ty(a);
    let na = c.b.fneg(a);
    let (x, y, k) = if rsqrt {
        // (3 - a*b) / 2 = 1.5 - (a/2)*b: halving the operand of larger
        // magnitude is exact unless both are tiny, where the product is
        // far below an ulp of 1.5 either way, and it cannot overflow.
        let (fa, fb) = (c.b.fabs(a), c.b.fabs(b));
        let a_big = c.b.fcmp(FCond::Le, fb, fa);
        let half = fconst(c, ft, 0.5);
        let ha = c.b.fmul(na, half);
        let hb = c.b.fmul(b, half);
        let x = c.b.select(a_big, ha, na);
        let y = c.b.select(a_big, b, hb);
        (x, y, 1.5)
    } else {
        (na, b, 2.0)
    };
    let kv = fconst(c, ft, k);
    let r = c.b.fma(x, y, kv);
    let r = arm_nan(c, NanRule::Arm, r, na, b);
    inf_times_zero(c, r, na, b, kv)
}

/// `r` (a product of `a` and `b` after [`arm_nan`]), or `k` where it is a
/// NaN from numbers: infinity times zero.
fn inf_times_zero(c: &mut Ctx<'_>, r: Value, a: Value, b: Value, k: Value) -> Value {
    let nan = c.b.fcmp(FCond::Uno, r, r);
    let from_nan = c.b.fcmp(FCond::Uno, a, b);
    let numbers = c.bnot(from_nan);
    let t = c.b.and(nan, numbers);
    c.b.select(t, k, r)
}

/// i8 1 when `x` (f32 or f64) is a quiet NaN.
fn is_qnan(c: &mut Ctx<'_>, x: Value) -> Value {
    let ft = c.b.ty(x);
    let it = Type::int(ft.bits());
    let m = if ft == Type::F32 {
        0x7fc0_0000
    } else {
        0x7ff8_0000_0000_0000
    };
    let xi = c.b.bitcast(it, x);
    let k = c.b.iconst(it, m);
    let y = c.b.and(xi, k);
    c.b.icmp(Cond::Eq, y, k)
}

/// FCSEL.
pub fn fp_csel(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let ft = fty(c, i.ftype())?;
    let cond = c.cond_holds(i.cond12());
    let a = c.vreg_scalar(i.rn(), ft);
    let b = c.vreg_scalar(i.rm(), ft);
    let r = c.b.select(cond, a, b);
    c.set_vreg_scalar(i.rd(), r);
    Ok(())
}

/// FMADD/FMSUB/FNMADD/FNMSUB.
pub fn fp_3src(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let ft = fty(c, i.ftype())?;
    if !fast(c, ft) {
        call_fp(c, i);
        return Ok(());
    }
    // FPMulAdd(±a, ±n, m): the operands are negated first (a NaN too).
    let (o1, o0) = (i.bit(21), i.bit(15));
    let a = c.vreg_scalar(i.ra(), ft);
    let n = c.vreg_scalar(i.rn(), ft);
    let m = c.vreg_scalar(i.rm(), ft);
    let a = if o1 { c.b.fneg(a) } else { a };
    let n = if o0 != o1 { c.b.fneg(n) } else { n };
    let r = mul_add(c, a, n, m);
    c.set_vreg_scalar(i.rd(), r);
    Ok(())
}

/// FPMulAdd(`a`, `n`, `m`) = `a + n * m` rounded once, with Arm's NaN
/// results (the fast path).
fn mul_add(c: &mut Ctx<'_>, a: Value, n: Value, m: Value) -> Value {
    let r = c.b.fma(n, m, a);
    let p = arm_nan(c, NanRule::ArmMul, r, n, m);
    arm_nan(c, NanRule::ArmMulAdd, r, a, p)
}

/// Vector FABS, FNEG (sign bits: every FPCR mode), and in fast blocks
/// FSQRT, SCVTF, UCVTF, FCVTZS, FCVTZU (integer), single and double
/// precision, lane by lane; other encodings: `Err` (the executor).
fn fp_two_misc(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let q = i.q() != 0;
    let (u, a, double) = (i.u() != 0, i.bit(23), i.bit(22));
    require(q || !double)?;
    let (ft, lanes) = if double {
        (Type::F64, Lanes::I64x2)
    } else {
        (Type::F32, Lanes::I32x4)
    };
    let it = Type::int(ft.bits());
    let n = c.vreg(i.rn());
    let sign = 1u64 << (ft.bits() - 1);
    if i.opcode12() == 0b01111 && a {
        // FABS clears, FNEG flips the sign bit of every lane.
        let k = v128_const(
            c,
            replicate(if u { sign } else { sign - 1 }, ft.bits()),
            true,
        );
        let r = if u {
            c.b.vxor(lanes, n, k)
        } else {
            c.b.vand(lanes, n, k)
        };
        let r = c.clear_high(r, q);
        c.set_vreg(i.rd(), r);
        return Ok(());
    }
    require(c.fp_fast)?;
    let count = if q && !double { 4 } else { 2 };
    let mut r = c.b.iconst(Type::V128, 0);
    for k in 0..count {
        let x = c.b.vextract(lanes, n, k);
        let z = match (i.opcode12(), u, a) {
            (0b11111, true, true) => {
                let x = c.b.bitcast(ft, x);
                let y = c.b.fsqrt(x);
                let y = arm_nan(c, NanRule::Arm, y, x, x);
                c.b.bitcast(it, y)
            }
            (0b11101, _, false) => {
                let y = if u {
                    c.b.ucvtf(ft, x)
                } else {
                    c.b.scvtf(ft, x)
                };
                c.b.bitcast(it, y)
            }
            (0b11011, _, true) => {
                let x = c.b.bitcast(ft, x);
                if u {
                    c.b.fcvtzu(it, x)
                } else {
                    c.b.fcvtzs(it, x)
                }
            }
            _ => return Err(Undef),
        };
        r = c.b.vinsert(lanes, r, z, k);
    }
    c.set_vreg(i.rd(), r);
    Ok(())
}

/// A vector FP compare: each lane all ones where it holds, else zero
/// (false for NaN operands).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum FpCmp {
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
}

/// `Vd` = lanes of `Vn` compared with those of `Vm` (with `zero`: with
/// +0; with `abs`: absolute values) by `cond`; two lanes, or four singles
/// when `q`; the rest zero.
fn fp_cmp_lanes(
    c: &mut Ctx<'_>,
    i: Insn,
    double: bool,
    q: bool,
    cond: FpCmp,
    abs: bool,
    zero: bool,
) {
    let (ft, lanes) = if double {
        (Type::F64, Lanes::I64x2)
    } else {
        (Type::F32, Lanes::I32x4)
    };
    let it = Type::int(ft.bits());
    let count = if q && !double { 4 } else { 2 };
    let (n, m) = (c.vreg(i.rn()), c.vreg(i.rm()));
    let ones = c.b.iconst(it, it.mask());
    let nil = c.b.iconst(it, 0);
    let mut r = c.b.iconst(Type::V128, 0);
    for k in 0..count {
        let lane = |c: &mut Ctx<'_>, v: Value| {
            let x = c.b.vextract(lanes, v, k);
            let x = c.b.bitcast(ft, x);
            if abs { c.b.fabs(x) } else { x }
        };
        let x = lane(c, n);
        let y = if zero { c.b.iconst(ft, 0) } else { lane(c, m) };
        let t = match cond {
            FpCmp::Eq => c.b.fcmp(FCond::Eq, x, y),
            FpCmp::Ge => c.b.fcmp(FCond::Le, y, x),
            FpCmp::Gt => c.b.fcmp(FCond::Lt, y, x),
            FpCmp::Le => c.b.fcmp(FCond::Le, x, y),
            FpCmp::Lt => c.b.fcmp(FCond::Lt, x, y),
        };
        let z = c.b.select(t, ones, nil);
        r = c.b.vinsert(lanes, r, z, k);
    }
    c.set_vreg(i.rd(), r);
}

/// FMUL, FMULX, FMLA, FMLS (vector and scalar, by element; single and double
/// precision) in fast blocks, lane by lane as [`fp_three_same`]; other
/// encodings: `Err` (the executor).
fn fp_elem(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let scalar = i.bit(28);
    let q = i.q() != 0 || scalar;
    let double = i.bit(22);
    require(c.fp_fast && i.bit(23) && (q || !double))?;
    let idx = match (double, i.bit(21)) {
        (true, true) => return Err(Undef),
        (true, false) => i.bit(11) as u32,
        (false, l) => (i.bit(11) as u32) << 1 | l as u32,
    };
    // As the scalar 2-source opcode (FMUL, FMULX), or None for FMLA/FMLS.
    let (op, negate) = match (i.bits(15, 12), i.u() != 0) {
        (0b0001, false) => (None, false),
        (0b0101, false) => (None, true),
        (0b1001, false) => (Some(0), false),
        (0b1001, true) => (Some(9), false),
        _ => return Err(Undef),
    };
    let count = match (scalar, double, q) {
        (true, _, _) => 1,
        (false, true, _) | (false, false, false) => 2,
        (false, false, true) => 4,
    };
    let nm = (c.vreg(i.rn()), c.vreg(i.bits(20, 16)));
    let r = fp_lanes(c, i, nm, double, count, op, negate, Some(idx));
    c.set_vreg(i.rd(), r);
    Ok(())
}

/// `op` (as in [`arith2`]; `None`: FMLA, or FMLS with `negate`, onto
/// `Vd`) applied to lanes 0..`count` of `n` and of `m` (its lane `elem`
/// for every lane when given), lanes above `count` zero.
#[allow(clippy::too_many_arguments)]
fn fp_lanes(
    c: &mut Ctx<'_>,
    i: Insn,
    (n, m): (Value, Value),
    double: bool,
    count: u32,
    op: Option<u32>,
    negate: bool,
    elem: Option<u32>,
) -> Value {
    let (ft, lanes) = if double {
        (Type::F64, Lanes::I64x2)
    } else {
        (Type::F32, Lanes::I32x4)
    };
    let d = c.vreg(i.rd());
    let lane = |c: &mut Ctx<'_>, v: Value, k: u32| {
        let x = c.b.vextract(lanes, v, k);
        c.b.bitcast(ft, x)
    };
    let y_elem = elem.map(|e| lane(c, m, e));
    let mut r = c.b.iconst(Type::V128, 0);
    for k in 0..count {
        let x = lane(c, n, k);
        let y = match y_elem {
            Some(y) => y,
            None => lane(c, m, k),
        };
        let z = match op {
            Some(op) => arith2(c, op, x, y),
            None => {
                let acc = lane(c, d, k);
                let x = if negate { c.b.fneg(x) } else { x };
                mul_add(c, acc, x, y)
            }
        };
        let z = c.b.bitcast(Type::int(ft.bits()), z);
        r = c.b.vinsert(lanes, r, z, k);
    }
    r
}

/// FADDP (`opcode` 0b11010 or 0b01101), FMAXP/FMINP (0b11110, 0b01111),
/// FMAXNMP/FMINNMP (0b11000, 0b01100; the min forms with bit 23): lanes
/// 0..`count` of `Vd` from adjacent lane pairs of `Vn` then of `Vm` (of
/// their low halves unless `q`) in fast blocks.
fn fp_pairwise(c: &mut Ctx<'_>, i: Insn, opcode: u32, double: bool, q: bool, count: u32, rm: u32) {
    let op = match (opcode, i.bit(23)) {
        (0b11010 | 0b01101, _) => 2,
        (0b11110 | 0b01111, false) => 4,
        (0b11110 | 0b01111, true) => 5,
        (_, false) => 6,
        _ => 7,
    };
    let lanes = if double { Lanes::I64x2 } else { Lanes::I32x4 };
    let (n, m) = (c.vreg(i.rn()), c.vreg(rm));
    let halves = pair_halves(c, lanes, q, n, m);
    let r = fp_lanes(c, i, halves, double, count, Some(op), false, None);
    c.set_vreg(i.rd(), r);
}

/// FMAXNMV, FMINNMV, FMAXV, FMINV (4S) in fast blocks: FP `op` (as in
/// [`arith2`]) on lanes 0 and 1 and on 2 and 3, then on the two results
/// (Arm's Reduce()).
fn fp_across(c: &mut Ctx<'_>, i: Insn, op: u32) {
    let mut x = c.vreg(i.rn());
    for count in [2, 1] {
        let halves = pair_halves(c, Lanes::I32x4, true, x, x);
        x = fp_lanes(c, i, halves, false, count, Some(op), false, None);
    }
    c.set_vreg(i.rd(), x);
}

/// Vector FADD, FSUB, FMUL, FDIV, FMAX, FMIN, FMAXNM, FMINNM, FMLA, FMLS,
/// FMULX, FRECPS, FRSQRTS, the pairwise forms and the compares (three
/// same, single and double precision) in fast blocks: lane by
/// lane with the scalar fast path's ops, so the NaN rules are the same.
/// Other encodings: `Err` (the executor).
fn fp_three_same(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let q = i.q() != 0;
    let (u, a, double) = (i.u() != 0, i.bit(23), i.bit(22));
    require(c.fp_fast && (q || !double))?;
    // As the scalar 2-source opcode (`arith2`), or None for FMLA/FMLS.
    let op = match (i.opcode11(), u, a) {
        (0b11010, false, false) => Some(2),
        (0b11010, false, true) => Some(3),
        (0b11011, true, false) => Some(0),
        (0b11111, true, false) => Some(1),
        (0b11110, false, false) => Some(4),
        (0b11110, false, true) => Some(5),
        (0b11000, false, false) => Some(6),
        (0b11000, false, true) => Some(7),
        (0b11001, false, _) => None,
        (0b11011, false, false) => Some(9),
        (0b11111, false, _) => Some(10 + a as u32),
        (0b11010, true, false) | (0b11000 | 0b11110, true, _) => {
            // FADDP, FMAXNMP, FMINNMP, FMAXP, FMINP: even lanes of Vm:Vn
            // against odd ones.
            let count = if q && !double { 4 } else { 2 };
            fp_pairwise(c, i, i.opcode11(), double, q, count, i.rm());
            return Ok(());
        }
        (0b11100 | 0b11101, _, _) => {
            // FCMEQ, FCMGE, FCMGT, FACGE, FACGT.
            let abs = i.opcode11() == 0b11101;
            let cond = match (u, a) {
                (false, false) if !abs => FpCmp::Eq,
                (true, false) => FpCmp::Ge,
                (true, true) => FpCmp::Gt,
                _ => return Err(Undef),
            };
            fp_cmp_lanes(c, i, double, q, cond, abs, false);
            return Ok(());
        }
        _ => return Err(Undef),
    };
    let count = if q && !double { 4 } else { 2 };
    let nm = (c.vreg(i.rn()), c.vreg(i.rm()));
    let r = fp_lanes(c, i, nm, double, count, op, a, None);
    c.set_vreg(i.rd(), r);
    Ok(())
}
