//! Advanced SIMD data processing executed in Rust, one instruction per
//! call, straight from the Arm ARM pseudo-code: integer and FP vector and
//! scalar forms of three-same, three-different, two-register misc, across
//! lanes, pairwise, shift by immediate, by-element, three-same-extra
//! (dot products, matrix multiply, complex arithmetic, BF16) and FP16.
//!
//! [`exec`] validates and executes; [`valid`] runs it on a scratch state,
//! so that the decoder (which calls [`valid`] at translation time) and the
//! semantics can never disagree about which encodings exist. Saturating
//! forms set FPSR.QC; FP forms use [`crate::fp`] per lane (Arm NaN rules,
//! FPCR rounding/FZ/DN, cumulative FPSR flags).

use crate::decode::Insn;
use crate::fp::{self, Fmt, FpEnv, Op, Rounding};
use crate::state::Aarch64State;
use crate::translate::Undef;
use xlat_ir::decode::pattern;

/// FPSR.QC (cumulative saturation).
pub const FPSR_QC: u64 = 1 << 27;

type R<T = ()> = Result<T, Undef>;

fn req(c: bool) -> R {
    if c { Ok(()) } else { Err(Undef) }
}

fn mask(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

fn m64(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// Element `i` of `esize` bits.
pub fn el(v: u128, i: u32, esize: u32) -> u64 {
    ((v >> (i * esize)) & mask(esize)) as u64
}

/// Sets element `i` of `esize` bits.
pub fn set_el(v: &mut u128, i: u32, esize: u32, x: u64) {
    let m = mask(esize) << (i * esize);
    *v = (*v & !m) | (((x as u128) << (i * esize)) & m);
}

fn sext(x: u64, bits: u32) -> i64 {
    if bits >= 64 {
        x as i64
    } else {
        ((x << (64 - bits)) as i64) >> (64 - bits)
    }
}

/// Int(x, unsigned) of an `bits`-bit element as i128.
fn int(x: u64, bits: u32, unsigned: bool) -> i128 {
    if unsigned {
        (x & m64(bits)) as i128
    } else {
        sext(x, bits) as i128
    }
}

macro_rules! is {
    ($w:expr, $p:literal) => {{
        const P: (u32, u32) = pattern($p);
        $w & P.0 == P.1
    }};
}

/// Execution context: the state, the FP environment and QC.
struct X<'a> {
    st: &'a mut Aarch64State,
    env: FpEnv,
    qc: bool,
}

impl X<'_> {
    fn v(&self, r: u32) -> u128 {
        self.st.v[r as usize & 31]
    }

    fn wr(&mut self, d: u32, r: u128, q: bool) {
        self.st.v[d as usize & 31] = if q { r } else { r & mask(64) };
    }

    /// SatQ: clamps `v` to `bits` (signed or unsigned), setting QC.
    fn sat(&mut self, v: i128, bits: u32, unsigned: bool) -> u64 {
        let (lo, hi) = if unsigned {
            (0i128, (1i128 << bits) - 1)
        } else {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        };
        let r = if v < lo {
            self.qc = true;
            lo
        } else if v > hi {
            self.qc = true;
            hi
        } else {
            v
        };
        (r as u64) & m64(bits)
    }
}

/// Executes one Advanced SIMD data-processing instruction on `st`;
/// `Err(Undef)` (state untouched) if the encoding is unallocated here.
pub fn exec(st: &mut Aarch64State, i: Insn) -> R {
    let env = FpEnv::new(st.fpcr);
    let mut x = X { st, env, qc: false };
    let r = dispatch(&mut x, i);
    if r.is_ok() {
        let (flags, qc) = (x.env.flags, x.qc);
        st_flags(x.st, flags, qc);
    }
    r
}

fn st_flags(st: &mut Aarch64State, flags: u32, qc: bool) {
    st.fpsr |= flags as u64;
    if qc {
        st.fpsr |= FPSR_QC;
    }
}

/// True if [`exec`] implements `i` (checked on a scratch state).
pub fn valid(i: Insn) -> bool {
    let mut s = Aarch64State::default();
    dispatch(
        &mut X {
            st: &mut s,
            env: FpEnv::new(0),
            qc: false,
        },
        i,
    )
    .is_ok()
}

fn dispatch(x: &mut X<'_>, i: Insn) -> R {
    let w = i.0;
    if is!(w, "00011110 01111110 000000xx xxxxxxxx") {
        fjcvtzs(x, i);
        Ok(())
    } else if is!(w, "00011110 01100011 010000xx xxxxxxxx") {
        // BFCVT Hd, Sn
        let v = el(x.v(i.rn()), 0, 32) as u32;
        let r = bfcvt(&mut x.env, v);
        x.st.v[i.rd() as usize] = r as u128;
        Ok(())
    } else if is!(w, "00011110 0x10100x x10000xx xxxxxxxx") {
        // FRINT32Z/FRINT32X/FRINT64Z/FRINT64X (scalar)
        let f = fmt_of_sz(i.bit(22));
        let n = if i.bit(16) { 64 } else { 32 };
        let rm = if i.bit(15) {
            x.env.rmode()
        } else {
            Rounding::Zero
        };
        let v = el(x.v(i.rn()), 0, f.bits());
        let r = frint_n(x, f, v, rm, true, n);
        x.st.v[i.rd() as usize] = r as u128;
        Ok(())
    } else if is!(w, "01x11110 x10xxxxx 00xxx1xx xxxxxxxx") {
        fp_three_same(x, i, true, Some(Fmt::H))
    } else if is!(w, "01x11110 x111100x xxxx10xx xxxxxxxx") {
        two_misc(x, i, true, true)
    } else if is!(w, "01x11110 xx0xxxxx 1xxxx1xx xxxxxxxx") {
        three_same_extra(x, i, true)
    } else if is!(w, "01x11110 xx10000x xxxx10xx xxxxxxxx") {
        two_misc(x, i, true, false)
    } else if is!(w, "01x11110 xx11000x xxxx10xx xxxxxxxx") {
        scalar_pairwise(x, i)
    } else if is!(w, "01x11110 xx1xxxxx xxxx00xx xxxxxxxx") {
        three_diff(x, i, true)
    } else if is!(w, "01x11110 xx1xxxxx xxxxx1xx xxxxxxxx") {
        three_same(x, i, true)
    } else if is!(w, "01x11111 0xxxxxxx xxxxx1xx xxxxxxxx") {
        shift_imm(x, i, true)
    } else if is!(w, "01x11111 xxxxxxxx xxxxx0xx xxxxxxxx") {
        by_element(x, i, true)
    } else if is!(w, "0xx01110 x10xxxxx 00xxx1xx xxxxxxxx") {
        fp_three_same(x, i, false, Some(Fmt::H))
    } else if is!(w, "0xx01110 x111100x xxxx10xx xxxxxxxx") {
        two_misc(x, i, false, true)
    } else if is!(w, "0xx01110 xx0xxxxx 1xxxx1xx xxxxxxxx") {
        three_same_extra(x, i, false)
    } else if is!(w, "0xx01110 xx10000x xxxx10xx xxxxxxxx") {
        two_misc(x, i, false, false)
    } else if is!(w, "0xx01110 xx11000x xxxx10xx xxxxxxxx") {
        across(x, i)
    } else if is!(w, "0xx01110 xx1xxxxx xxxx00xx xxxxxxxx") {
        three_diff(x, i, false)
    } else if is!(w, "0xx01110 xx1xxxxx xxxxx1xx xxxxxxxx") {
        three_same(x, i, false)
    } else if is!(w, "0xx01111 00000xxx xxxx11xx xxxxxxxx") {
        fmov_h(x, i)
    } else if is!(w, "0xx01111 0xxxxxxx xxxxx1xx xxxxxxxx") && i.immh() != 0 {
        shift_imm(x, i, false)
    } else if is!(w, "0xx01111 xxxxxxxx xxxxx0xx xxxxxxxx") {
        by_element(x, i, false)
    } else {
        Err(Undef)
    }
}

// ---------------------------------------------------------------------------
// Integer three same

fn three_same(x: &mut X<'_>, i: Insn, scalar: bool) -> R {
    let op = i.opcode11();
    if op >= 0b11000 {
        return fp_three_same(x, i, scalar, None);
    }
    let u = i.u() != 0;
    let q = i.q() != 0 || scalar;
    let size = i.vsize();
    let esize = 8u32 << size;
    let ds = if scalar {
        esize
    } else if q {
        128
    } else {
        64
    };
    let ne = ds / esize;
    let (vn, vm, vd) = (x.v(i.rn()), x.v(i.rm()), x.v(i.rd()));
    if scalar {
        match op {
            0b00001 | 0b00101 | 0b01001 | 0b01011 => {}
            0b00110 | 0b00111 | 0b01000 | 0b01010 | 0b10000 | 0b10001 => req(size == 3)?,
            0b10110 => req(size == 1 || size == 2)?,
            _ => return Err(Undef),
        }
    } else {
        match op {
            0b00011 => {
                let r = match (u, size) {
                    (false, 0) => vn & vm,
                    (false, 1) => vn & !vm,
                    (false, 2) => vn | vm,
                    (false, _) => vn | !vm,
                    (true, 0) => vn ^ vm,
                    (true, 1) => ((vn ^ vm) & vd) ^ vm,
                    (true, 2) => vd ^ ((vd ^ vn) & vm),
                    (true, _) => vd ^ ((vd ^ vn) & !vm),
                };
                x.wr(i.rd(), r, q);
                return Ok(());
            }
            0b10011 if u => req(size == 0)?,
            0b10110 => req(size == 1 || size == 2)?,
            0b10111 => req(!u && (size != 3 || q))?,
            0b00001 | 0b00101 | 0b00110 | 0b00111 | 0b01000 | 0b01001 | 0b01010 | 0b01011
            | 0b10000 | 0b10001 => req(size != 3 || q)?,
            _ => req(size != 3)?,
        }
    }
    let mut r = 0u128;
    let pairwise = matches!(op, 0b10100 | 0b10101 | 0b10111);
    for e in 0..ne {
        let (a, b) = if pairwise {
            let src = if e < ne / 2 { vn } else { vm };
            let k = e % (ne / 2).max(1);
            (el(src, 2 * k, esize), el(src, 2 * k + 1, esize))
        } else {
            (el(vn, e, esize), el(vm, e, esize))
        };
        let d = el(vd, e, esize);
        let (ia, ib) = (int(a, esize, u), int(b, esize, u));
        let t = |c: bool| if c { u64::MAX } else { 0 };
        let res: u64 = match op {
            0b00000 => ((ia + ib) >> 1) as u64,
            0b00001 => x.sat(ia + ib, esize, u),
            0b00010 => ((ia + ib + 1) >> 1) as u64,
            0b00100 => ((ia - ib) >> 1) as u64,
            0b00101 => x.sat(ia - ib, esize, u),
            0b00110 => t(ia > ib),
            0b00111 => t(ia >= ib),
            0b01000..=0b01011 => {
                let sh = b as u8 as i8 as i32;
                let rounding = op & 2 != 0;
                let saturating = op & 1 != 0;
                shift_reg(x, a, sh, esize, u, rounding, saturating)
            }
            0b01100 | 0b10100 => ia.max(ib) as u64,
            0b01101 | 0b10101 => ia.min(ib) as u64,
            0b01110 => (ia - ib).unsigned_abs() as u64,
            0b01111 => d.wrapping_add((ia - ib).unsigned_abs() as u64),
            0b10000 if !u => a.wrapping_add(b),
            0b10000 => a.wrapping_sub(b),
            0b10001 if !u => t(a & b & m64(esize) != 0),
            0b10001 => t(a == b),
            0b10010 if !u => d.wrapping_add(a.wrapping_mul(b)),
            0b10010 => d.wrapping_sub(a.wrapping_mul(b)),
            0b10011 if !u => a.wrapping_mul(b),
            0b10011 => pmul(a, b, 8) as u64,
            0b10110 => {
                let (sa, sb) = (int(a, esize, false), int(b, esize, false));
                let rc = if u { 1i128 << (esize - 1) } else { 0 };
                x.sat((2 * sa * sb + rc) >> esize, esize, false)
            }
            _ => a.wrapping_add(b),
        };
        set_el(&mut r, e, esize, res);
    }
    if scalar {
        x.st.v[i.rd() as usize] = r & mask(esize);
    } else {
        x.wr(i.rd(), r, q);
    }
    Ok(())
}

/// Shift of one element by a signed register amount (SSHL, SRSHL, SQSHL,
/// SQRSHL and the unsigned forms).
fn shift_reg(
    x: &mut X<'_>,
    a: u64,
    sh: i32,
    esize: u32,
    unsigned: bool,
    rounding: bool,
    saturating: bool,
) -> u64 {
    let v = int(a, esize, unsigned);
    let r: i128 = if sh >= 0 {
        if v == 0 {
            0
        } else if sh > 62 {
            if v > 0 { 1i128 << 126 } else { -(1i128 << 126) }
        } else {
            v << sh
        }
    } else {
        let s = (-sh).min(100) as u32;
        let rc = if rounding { 1i128 << (s - 1) } else { 0 };
        (v + rc) >> s
    };
    if saturating {
        x.sat(r, esize, unsigned)
    } else if sh >= esize as i32 {
        0
    } else {
        (r as u64) & m64(esize)
    }
}

/// Polynomial (carry-less) multiplication of `bits`-bit operands.
pub fn pmul(a: u64, b: u64, bits: u32) -> u128 {
    let mut r = 0u128;
    for k in 0..bits {
        if (b >> k) & 1 != 0 {
            r ^= ((a & m64(bits)) as u128) << k;
        }
    }
    r
}

// ---------------------------------------------------------------------------
// Floating point three same

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum F3 {
    MaxNm,
    MinNm,
    Max,
    Min,
    Fma,
    Fms,
    Add,
    Sub,
    Mul,
    Div,
    MulX,
    CmEq,
    CmGe,
    CmGt,
    AcGe,
    AcGt,
    Abd,
    RecpS,
    RsqrtS,
}

fn fmt_of_sz(sz: bool) -> Fmt {
    if sz { Fmt::D } else { Fmt::S }
}

fn fsign(f: Fmt) -> u64 {
    1u64 << (f.bits() - 1)
}

fn is_inf(f: Fmt, v: u64) -> bool {
    v & !fsign(f) & m64(f.bits()) == (m64(f.ebits()) << f.fbits())
}

fn is_zero(f: Fmt, v: u64) -> bool {
    v & !fsign(f) & m64(f.bits()) == 0
}

fn fconst(f: Fmt, v: f64) -> u64 {
    match f {
        Fmt::D => v.to_bits(),
        Fmt::S => (v as f32).to_bits() as u64,
        Fmt::H => {
            let mut e = FpEnv::new(0);
            fp::convert(&mut e, Fmt::D, Fmt::H, v.to_bits())
        }
    }
}

fn f3(x: &mut X<'_>, op: F3, f: Fmt, a: u64, b: u64, d: u64) -> u64 {
    let env = &mut x.env;
    let sg = fsign(f);
    let t = |c: bool| if c { m64(f.bits()) } else { 0 };
    match op {
        F3::MaxNm => fp::max_min(env, f, a, b, true, true),
        F3::MinNm => fp::max_min(env, f, a, b, false, true),
        F3::Max => fp::max_min(env, f, a, b, true, false),
        F3::Min => fp::max_min(env, f, a, b, false, false),
        F3::Fma => fp::arith(env, f, Op::Fma, a, b, d),
        F3::Fms => fp::arith(env, f, Op::Fma, a ^ sg, b, d),
        F3::Add => fp::arith(env, f, Op::Add, a, b, 0),
        F3::Sub => fp::arith(env, f, Op::Sub, a, b, 0),
        F3::Mul => fp::arith(env, f, Op::Mul, a, b, 0),
        F3::Div => fp::arith(env, f, Op::Div, a, b, 0),
        F3::Abd => fp::arith(env, f, Op::Sub, a, b, 0) & !sg,
        F3::MulX | F3::RecpS | F3::RsqrtS => {
            let a = if op == F3::MulX { a } else { a ^ sg };
            let fa = env.flush_in(f, a);
            let fb = env.flush_in(f, b);
            if let Some(n) = env.process_nans(f, &[fa, fb]) {
                return n;
            }
            let inf_zero = (is_inf(f, fa) && is_zero(f, fb)) || (is_zero(f, fa) && is_inf(f, fb));
            let sign = (fa ^ fb) & sg;
            match op {
                F3::MulX if inf_zero => fconst(f, 2.0) | sign,
                F3::MulX => fp::arith(env, f, Op::Mul, a, b, 0),
                F3::RecpS if inf_zero => fconst(f, 2.0),
                F3::RsqrtS if inf_zero => fconst(f, 1.5),
                _ if is_inf(f, fa) || is_inf(f, fb) => (m64(f.ebits()) << f.fbits()) | sign,
                F3::RecpS => fp::arith(env, f, Op::Fma, a, b, fconst(f, 2.0)),
                _ => {
                    // (3 + a*b) / 2 with one rounding: halve the larger
                    // factor (exact while its exponent is above the
                    // minimum); if both are that small the product is far
                    // below half an ulp of 1.5 and any tiny value of the
                    // same sign rounds the same way.
                    let expo = |v: u64| (v >> f.fbits()) & m64(f.ebits());
                    let (big, other) = if expo(fa) >= expo(fb) {
                        (fa, fb)
                    } else {
                        (fb, fa)
                    };
                    if is_zero(f, fa) || is_zero(f, fb) {
                        fp::arith(env, f, Op::Fma, fa, fb, fconst(f, 1.5))
                    } else if expo(big) > 1 {
                        let half = big - (1u64 << f.fbits());
                        fp::arith(env, f, Op::Fma, half, other, fconst(f, 1.5))
                    } else {
                        let tiny = sign | 1;
                        fp::arith(env, f, Op::Fma, tiny, fconst(f, 1.0), fconst(f, 1.5))
                    }
                }
            }
        }
        F3::CmEq => t(fp::compare(env, f, a, b, false) == 0b0110),
        F3::CmGe => t(matches!(fp::compare(env, f, a, b, true), 0b0110 | 0b0010)),
        F3::CmGt => t(fp::compare(env, f, a, b, true) == 0b0010),
        F3::AcGe => t(matches!(
            fp::compare(env, f, a & !sg, b & !sg, true),
            0b0110 | 0b0010
        )),
        F3::AcGt => t(fp::compare(env, f, a & !sg, b & !sg, true) == 0b0010),
    }
}

/// FP three same: `half` = Some(H) for the FP16 encodings (opcode in bits
/// 13:11), else the format comes from the sz bit.
fn fp_three_same(x: &mut X<'_>, i: Insn, scalar: bool, half: Option<Fmt>) -> R {
    let u = i.u() != 0;
    let a = i.bit(23);
    let op3 = i.bits(13, 11);
    let q = i.q() != 0;
    let f = half.unwrap_or(fmt_of_sz(i.bit(22)));
    if half.is_none() && !scalar && !i.bit(22) && matches!((u, op3), (false, 5) | (true, 1)) {
        // FMLAL/FMLSL (vector) and the "2" forms.
        let vm = x.v(i.rm());
        return fmlal(x, i, vm, None, u, a);
    }
    if half.is_none() {
        req(!(f == Fmt::D && !q && !scalar))?;
    }
    let op = match (u, a, op3) {
        (false, false, 0) => F3::MaxNm,
        (false, false, 1) => F3::Fma,
        (false, false, 2) => F3::Add,
        (false, false, 3) => F3::MulX,
        (false, false, 4) => F3::CmEq,
        (false, false, 6) => F3::Max,
        (false, false, 7) => F3::RecpS,
        (false, true, 0) => F3::MinNm,
        (false, true, 1) => F3::Fms,
        (false, true, 2) => F3::Sub,
        (false, true, 6) => F3::Min,
        (false, true, 7) => F3::RsqrtS,
        (true, false, 0) => F3::MaxNm,
        (true, false, 2) => F3::Add,
        (true, false, 3) => F3::Mul,
        (true, false, 4) => F3::CmGe,
        (true, false, 5) => F3::AcGe,
        (true, false, 6) => F3::Max,
        (true, false, 7) => F3::Div,
        (true, true, 0) => F3::MinNm,
        (true, true, 2) => F3::Abd,
        (true, true, 4) => F3::CmGt,
        (true, true, 5) => F3::AcGt,
        (true, true, 6) => F3::Min,
        _ => return Err(Undef),
    };
    let pairwise = u && matches!(op3, 0 | 2 | 6) && !(a && op3 == 2);
    if scalar {
        req(matches!(
            op,
            F3::MulX
                | F3::CmEq
                | F3::RecpS
                | F3::RsqrtS
                | F3::CmGe
                | F3::AcGe
                | F3::Abd
                | F3::CmGt
                | F3::AcGt
        ))?;
    }
    let esize = f.bits();
    let ne = if scalar {
        1
    } else if q {
        128 / esize
    } else {
        64 / esize
    };
    let (vn, vm, vd) = (x.v(i.rn()), x.v(i.rm()), x.v(i.rd()));
    let mut r = 0u128;
    for e in 0..ne {
        let (p, s) = if pairwise {
            let src = if e < ne / 2 { vn } else { vm };
            let k = e % (ne / 2);
            (el(src, 2 * k, esize), el(src, 2 * k + 1, esize))
        } else {
            (el(vn, e, esize), el(vm, e, esize))
        };
        let res = f3(x, op, f, p, s, el(vd, e, esize));
        set_el(&mut r, e, esize, res);
    }
    if scalar {
        x.st.v[i.rd() as usize] = r;
    } else {
        x.wr(i.rd(), r, q);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Three different

fn three_diff(x: &mut X<'_>, i: Insn, scalar: bool) -> R {
    let u = i.u() != 0;
    let size = i.vsize();
    let op = i.bits(15, 12);
    let q = i.q() != 0;
    if scalar {
        req(!u && matches!(op, 0b1001 | 0b1011 | 0b1101) && (size == 1 || size == 2))?;
    } else {
        match (u, op) {
            (false, 0b1110) => req(size == 0 || size == 3)?,
            (false, 0b1001 | 0b1011 | 0b1101) => req(size == 1 || size == 2)?,
            (true, 0b1001 | 0b1011 | 0b1101 | 0b1110) | (_, 0b1111) => return Err(Undef),
            _ => req(size != 3)?,
        }
    }
    let esize = 8u32 << size;
    let (vn, vm, vd) = (x.v(i.rn()), x.v(i.rm()), x.v(i.rd()));
    if op == 0b1110 {
        // PMULL/PMULL2
        let h = if q { 1 } else { 0 };
        let r = if size == 3 {
            pmul(el(vn, h, 64), el(vm, h, 64), 64)
        } else {
            let mut r = 0u128;
            for e in 0..8 {
                let p = pmul(el(vn, e + 8 * h, 8), el(vm, e + 8 * h, 8), 8);
                set_el(&mut r, e, 16, p as u64);
            }
            r
        };
        x.wr(i.rd(), r, true);
        return Ok(());
    }
    let ne = if scalar { 1 } else { 64 / esize };
    let half = if q && !scalar { ne } else { 0 };
    let w = 2 * esize;
    if matches!(op, 0b0100 | 0b0110) {
        // ADDHN/RADDHN/SUBHN/RSUBHN
        let mut r = if q { vd & mask(64) } else { 0 };
        for e in 0..ne {
            let (a, b) = (el(vn, e, w) as u128, el(vm, e, w) as u128);
            let s = if op == 0b0100 {
                a.wrapping_add(b)
            } else {
                a.wrapping_sub(b)
            };
            let rc = if u { 1u128 << (esize - 1) } else { 0 };
            let res = (s.wrapping_add(rc) & mask(w)) >> esize;
            set_el(&mut r, e + half, esize, res as u64);
        }
        x.wr(i.rd(), r, true);
        return Ok(());
    }
    let mut r = 0u128;
    for e in 0..ne {
        let b = int(el(vm, e + half, esize), esize, u);
        let a = if op == 0b0001 || op == 0b0011 {
            int(el(vn, e, w), w, u)
        } else {
            int(el(vn, e + half, esize), esize, u)
        };
        let d = int(el(vd, e, w), w, u);
        let res = match op {
            0b0000 | 0b0001 => (a + b) as u64,
            0b0010 | 0b0011 => (a - b) as u64,
            0b0101 => (d + (a - b).abs()) as u64,
            0b0111 => (a - b).unsigned_abs() as u64,
            0b1000 => (d + a * b) as u64,
            0b1010 => (d - a * b) as u64,
            0b1100 => (a * b) as u64,
            _ => {
                let p = x.sat(2 * a * b, w, false);
                let p = int(p, w, false);
                match op {
                    0b1001 => x.sat(int(el(vd, e, w), w, false) + p, w, false),
                    0b1011 => x.sat(int(el(vd, e, w), w, false) - p, w, false),
                    _ => p as u64,
                }
            }
        };
        set_el(&mut r, e, w, res);
    }
    if scalar {
        x.st.v[i.rd() as usize] = r & mask(w);
    } else {
        x.wr(i.rd(), r, true);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Two-register miscellaneous

fn count_leading_sign(v: u64, bits: u32) -> u64 {
    let s = sext(v, bits);
    let t = if s < 0 { !s } else { s } as u64;
    (t.leading_zeros() - (64 - bits) - 1) as u64
}

fn fp_cvt_int(x: &mut X<'_>, f: Fmt, v: u64, unsigned: bool, r: Rounding, fbits: u32) -> u64 {
    fp::to_int(&mut x.env, f, v, fbits, unsigned, f.bits(), r)
}

/// FRINT32X/Z, FRINT64X/Z: round to integral within an int32/int64 range.
fn frint_n(x: &mut X<'_>, f: Fmt, v: u64, r: Rounding, exact: bool, n: u32) -> u64 {
    let env = &mut x.env;
    let minv = |f: Fmt| -> u64 {
        let mut e = FpEnv::new(0);
        fp::from_int(&mut e, f, (1u64 << (n - 1)).wrapping_neg(), true, 0)
    };
    if f.is_nan(v) || is_inf(f, v) {
        env.flags |= fp::IOC;
        return minv(f);
    }
    let mut e2 = *env;
    let rr = fp::round_to_integral(&mut e2, f, v, r, exact);
    // In range?
    let val = f.to_f64(rr);
    let lim = 2f64.powi(n as i32 - 1);
    if val >= lim || val < -lim {
        env.flags |= fp::IOC | (e2.flags & fp::IDC);
        return minv(f);
    }
    env.flags = e2.flags;
    rr
}

/// RecipEstimate(a) for a 9-bit `a` in 256..512.
fn recip_estimate(a: u64) -> u64 {
    let a = a * 2 + 1;
    let b = (1u64 << 19) / a;
    b.div_ceil(2)
}

/// RecipSqrtEstimate(a) for a 9-bit `a` in 128..512.
fn rsqrt_estimate(a: u64) -> u64 {
    let a = if a < 256 {
        a * 2 + 1
    } else {
        ((a >> 1) << 1) * 2 + 2
    };
    let mut b = 512u64;
    while a * (b + 1) * (b + 1) < (1u64 << 28) {
        b += 1;
    }
    b.div_ceil(2)
}

fn ffields(f: Fmt, v: u64) -> (bool, i64, u64) {
    (
        v & fsign(f) != 0,
        ((v >> f.fbits()) & m64(f.ebits())) as i64,
        v & m64(f.fbits()),
    )
}

fn fp_recip_estimate(x: &mut X<'_>, f: Fmt, v: u64) -> u64 {
    let env = &mut x.env;
    let v = env.flush_in(f, v);
    if let Some(n) = env.process_nans(f, &[v]) {
        return n;
    }
    let (sign, exp, frac) = ffields(f, v);
    let sg = if sign { fsign(f) } else { 0 };
    let inf = (m64(f.ebits()) << f.fbits()) | sg;
    if is_inf(f, v) {
        return sg;
    }
    if is_zero(f, v) {
        env.flags |= fp::DZC;
        return inf;
    }
    let bias = (1i64 << (f.ebits() - 1)) - 1;
    // |v| < 2^-(bias+1)... overflow of the reciprocal.
    let tiny = match f {
        Fmt::H => 2f64.powi(-16),
        Fmt::S => 2f64.powi(-128),
        Fmt::D => 2f64.powi(-1024),
    };
    if f.to_f64(v).abs() < tiny {
        env.flags |= fp::OFC | fp::IXC;
        let to_inf = match env.rmode() {
            Rounding::TieEven | Rounding::TieAway => true,
            Rounding::PosInf => !sign,
            Rounding::NegInf => sign,
            Rounding::Zero => false,
        };
        return if to_inf {
            inf
        } else {
            sg | ((m64(f.ebits()) - 1) << f.fbits()) | m64(f.fbits())
        };
    }
    let fz = match f {
        Fmt::H => env.fpcr & fp::FPCR_FZ16 != 0,
        _ => env.fpcr & fp::FPCR_FZ != 0,
    };
    let big = match f {
        Fmt::H => 2f64.powi(14),
        Fmt::S => 2f64.powi(126),
        Fmt::D => 2f64.powi(1022),
    };
    if fz && f.to_f64(v).abs() >= big {
        env.flags |= fp::UFC;
        return sg;
    }
    // Widen the fraction to 52 bits.
    let mut fr = frac << (52 - f.fbits());
    let mut e = exp;
    if e == 0 {
        if fr >> 51 & 1 == 0 {
            e = -1;
            fr = (fr << 2) & m64(52);
        } else {
            fr = (fr << 1) & m64(52);
        }
    }
    let scaled = (1 << 8) | (fr >> 44);
    let mut re = 2 * bias - 1 - e;
    let est = recip_estimate(scaled);
    let mut rf = (est & 0xff) << 44;
    if re == 0 {
        rf = (1 << 51) | (rf >> 1);
    } else if re == -1 {
        rf = (1 << 50) | (rf >> 2);
        re = 0;
    }
    sg | ((re as u64 & m64(f.ebits())) << f.fbits()) | (rf >> (52 - f.fbits()))
}

fn fp_rsqrt_estimate(x: &mut X<'_>, f: Fmt, v: u64) -> u64 {
    let env = &mut x.env;
    let v = env.flush_in(f, v);
    if let Some(n) = env.process_nans(f, &[v]) {
        return n;
    }
    let (sign, exp, frac) = ffields(f, v);
    let sg = if sign { fsign(f) } else { 0 };
    if is_zero(f, v) {
        env.flags |= fp::DZC;
        return (m64(f.ebits()) << f.fbits()) | sg;
    }
    if sign {
        env.flags |= fp::IOC;
        return f.default_nan();
    }
    if is_inf(f, v) {
        return 0;
    }
    let bias = (1i64 << (f.ebits() - 1)) - 1;
    let mut fr = frac << (52 - f.fbits());
    let mut e = exp;
    if e == 0 {
        while fr >> 51 & 1 == 0 {
            fr = (fr << 1) & m64(52);
            e -= 1;
        }
        fr = (fr << 1) & m64(52);
    }
    let scaled = if e & 1 == 0 {
        (1 << 8) | (fr >> 44)
    } else {
        (1 << 7) | (fr >> 45)
    };
    let re = (3 * bias - 1 - e).div_euclid(2);
    let est = rsqrt_estimate(scaled);
    ((re as u64 & m64(f.ebits())) << f.fbits()) | (((est & 0xff) << 44) >> (52 - f.fbits()))
}

fn two_misc(x: &mut X<'_>, i: Insn, scalar: bool, half: bool) -> R {
    let u = i.u() != 0;
    let size = i.vsize();
    let op = i.opcode12();
    let q = i.q() != 0;
    let (n, d) = (i.rn(), i.rd());
    let vn = x.v(n);
    let vd = x.v(d);
    if half {
        return fp_two_misc(x, i, scalar, true);
    }
    if matches!(op, 0b10010 | 0b10011 | 0b10100 | 0b10110 | 0b10111) {
        return narrow_misc(x, i, scalar);
    }
    if op >= 0b11000 || (0b01100..=0b01111).contains(&op) {
        return fp_two_misc(x, i, scalar, false);
    }
    let esize = 8u32 << size;
    let ds = if scalar {
        esize
    } else if q {
        128
    } else {
        64
    };
    let ne = ds / esize;
    if scalar {
        match op {
            0b00011 | 0b00111 => {}
            0b01000 | 0b01001 | 0b01011 => req(size == 3)?,
            0b01010 => req(size == 3 && !u)?,
            _ => return Err(Undef),
        }
    } else {
        match (u, op) {
            (false, 0b00000) => req(size != 3)?,
            (true, 0b00000) => req(size <= 1)?,
            (false, 0b00001) => req(size == 0)?,
            (_, 0b00010) | (_, 0b00110) => req(size != 3)?,
            (_, 0b00100) => req(size != 3)?,
            (false, 0b00101) => req(size == 0)?,
            (true, 0b00101) => req(size <= 1)?,
            (_, 0b00011) | (_, 0b00111) | (_, 0b01000) | (_, 0b01001) | (false, 0b01010) => {
                req(size != 3 || q)?
            }
            (_, 0b01011) => req(size != 3 || q)?,
            _ => return Err(Undef),
        }
    }
    let mut r = 0u128;
    match (u, op) {
        (_, 0b00000) | (false, 0b00001) => {
            let cont = match (u, op) {
                (false, 0) => 64,
                (true, 0) => 32,
                _ => 16,
            };
            let per = cont / esize;
            for e in 0..ne {
                let src = e - e % per + (per - 1 - e % per);
                set_el(&mut r, e, esize, el(vn, src, esize));
            }
        }
        (_, 0b00010) | (_, 0b00110) => {
            for e in 0..ne / 2 {
                let s =
                    int(el(vn, 2 * e, esize), esize, u) + int(el(vn, 2 * e + 1, esize), esize, u);
                let acc = if op == 0b00110 {
                    el(vd, e, 2 * esize)
                } else {
                    0
                };
                set_el(&mut r, e, 2 * esize, acc.wrapping_add(s as u64));
            }
        }
        (false, 0b00101) => {
            for e in 0..ne {
                set_el(&mut r, e, 8, el(vn, e, 8).count_ones() as u64);
            }
        }
        (true, 0b00101) => {
            r = if size == 0 {
                !vn
            } else {
                let mut r = 0;
                for e in 0..ds / 8 {
                    set_el(&mut r, e, 8, (el(vn, e, 8) as u8).reverse_bits() as u64);
                }
                r
            };
        }
        _ => {
            for e in 0..ne {
                let a = el(vn, e, esize);
                let s = int(a, esize, false);
                let t = |c: bool| if c { u64::MAX } else { 0 };
                let res = match (u, op) {
                    (false, 0b00100) => count_leading_sign(a, esize),
                    (true, 0b00100) => (a.leading_zeros() - (64 - esize)) as u64,
                    (false, 0b00011) => {
                        let dv = int(el(vd, e, esize), esize, false);
                        x.sat(dv + int(a, esize, true), esize, false)
                    }
                    (true, 0b00011) => {
                        let dv = int(el(vd, e, esize), esize, true);
                        x.sat(dv + s, esize, true)
                    }
                    (false, 0b00111) => x.sat(s.abs(), esize, false),
                    (true, 0b00111) => x.sat(-s, esize, false),
                    (false, 0b01000) => t(s > 0),
                    (false, 0b01001) => t(s == 0),
                    (false, 0b01010) => t(s < 0),
                    (true, 0b01000) => t(s >= 0),
                    (true, 0b01001) => t(s <= 0),
                    (false, 0b01011) => s.unsigned_abs() as u64,
                    _ => (s as u64).wrapping_neg(),
                };
                set_el(&mut r, e, esize, res);
            }
        }
    }
    if scalar {
        x.st.v[d as usize] = r & mask(esize);
    } else {
        x.wr(d, r, q);
    }
    Ok(())
}

/// XTN, SQXTN, UQXTN, SQXTUN, FCVTN, FCVTXN, FCVTL, SHLL, BFCVTN.
fn narrow_misc(x: &mut X<'_>, i: Insn, scalar: bool) -> R {
    let u = i.u() != 0;
    let size = i.vsize();
    let op = i.opcode12();
    let q = i.q() != 0;
    let (vn, vd) = (x.v(i.rn()), x.v(i.rd()));
    let d = i.rd();
    match (u, op) {
        (false, 0b10011) | (true, 0b10111) => return Err(Undef),
        (true, 0b10011) => req(!scalar && size != 3)?,
        (false, 0b10111) => req(!scalar && size < 2)?,
        (false, 0b10010) => req(!scalar && size != 3)?,
        (false, 0b10110) => req(!scalar && size != 3)?,
        (true, 0b10110) => req(size == 1)?,
        _ => req(size != 3)?,
    }
    match (u, op) {
        (_, 0b10011) => {
            // SHLL
            let esize = 8 << size;
            let h = if q { 64 / esize } else { 0 };
            let mut r = 0u128;
            for e in 0..64 / esize {
                set_el(&mut r, e, 2 * esize, el(vn, e + h, esize) << esize);
            }
            x.wr(d, r, true);
            return Ok(());
        }
        (false, 0b10111) => {
            // FCVTL: half->single (sz=0) or single->double.
            let (from, to) = if i.bit(22) {
                (Fmt::S, Fmt::D)
            } else {
                (Fmt::H, Fmt::S)
            };
            let ne = 128 / to.bits();
            let h = if q { ne } else { 0 };
            let mut r = 0u128;
            for e in 0..ne {
                let v = fp::convert(&mut x.env, from, to, el(vn, e + h, from.bits()));
                set_el(&mut r, e, to.bits(), v);
            }
            x.wr(d, r, true);
            return Ok(());
        }
        _ => {}
    }
    let esize = match (u, op, size) {
        (false, 0b10110, 1) | (true, 0b10110, _) => 32,
        (false, 0b10110, _) => 16,
        _ => 8 << size,
    };
    let ne = 64 / esize;
    let ne = if scalar { 1 } else { ne };
    let h = if q && !scalar { ne } else { 0 };
    let mut r = if q && !scalar { vd & mask(64) } else { 0 };
    for e in 0..ne {
        let a = el(vn, e, 2 * esize);
        let res = match (u, op) {
            (false, 0b10010) => a & m64(esize),
            (false, 0b10100) => x.sat(int(a, 2 * esize, false), esize, false),
            (true, 0b10100) => x.sat(int(a, 2 * esize, true), esize, true),
            (true, 0b10010) => x.sat(int(a, 2 * esize, false), esize, true),
            (false, 0b10110) if size == 2 => bfcvt(&mut x.env, a as u32) as u64,
            (false, 0b10110) => {
                let (from, to) = if esize == 32 {
                    (Fmt::D, Fmt::S)
                } else {
                    (Fmt::S, Fmt::H)
                };
                fp::convert(&mut x.env, from, to, a)
            }
            _ => {
                // FCVTXN: round to odd.
                let mut e2 = FpEnv::new(x.env.fpcr & !(3 << 22) | (3 << 22));
                let v = fp::convert(&mut e2, Fmt::D, Fmt::S, a);
                let nan = Fmt::D.is_nan(a);
                let odd = if e2.flags & fp::IXC != 0 && !nan {
                    v | 1
                } else {
                    v
                };
                x.env.flags |= e2.flags;
                odd
            }
        };
        set_el(&mut r, e + h, esize, res);
    }
    if scalar {
        x.st.v[d as usize] = r & mask(esize);
    } else {
        x.wr(d, r, true);
    }
    Ok(())
}

/// FJCVTZS Wd, Dn (FPToFixedJS): truncate toward zero, result modulo
/// 2^32; Z is set only for an exact, in-range, non-negative-zero
/// conversion; IOC for NaN, infinity and out-of-range values, IXC when
/// inexact.
fn fjcvtzs(x: &mut X<'_>, i: Insn) {
    let f = Fmt::D;
    let v = el(x.v(i.rn()), 0, 64);
    let v = x.env.flush_in(f, v);
    let (sign, exp, frac) = ffields(f, v);
    let (result, z) = if f.is_nan(v) || is_inf(f, v) {
        x.env.flags |= fp::IOC;
        (0u64, false)
    } else if exp == 0 && frac == 0 {
        (0, !sign)
    } else {
        // value = m * 2^e
        let (m, e) = if exp == 0 {
            (frac as u128, -1074i64)
        } else {
            ((frac | 1 << 52) as u128, exp - 1075)
        };
        let (mag, exact) = if e >= 0 {
            if e >= 64 {
                (0u128, true)
            } else {
                (m << e, true)
            }
        } else if -e >= 128 {
            (0, m == 0)
        } else {
            (m >> -e, m & ((1u128 << -e) - 1) == 0)
        };
        let in_range = e < 64 && (mag < (1 << 31) || (sign && mag == 1 << 31));
        let r = if sign {
            (mag as u64).wrapping_neg()
        } else {
            mag as u64
        };
        // Out of range raises IOC only (as QEMU does), else IXC if inexact.
        let z = in_range && exact;
        if !in_range {
            x.env.flags |= fp::IOC;
        } else if !exact {
            x.env.flags |= fp::IXC;
        }
        (r & 0xffff_ffff, z)
    };
    if i.rd() != 31 {
        x.st.x[i.rd() as usize] = result;
    }
    x.st.nf = 0;
    x.st.zf = z as u8;
    x.st.cf = 0;
    x.st.vf = 0;
}

/// BFCVT: single precision to BFloat16 with FPCR's rounding mode, FZ
/// and DN, raising the FPSR flags (BF16 is the upper half of a single,
/// so rounding always happens at bit 16 of the encoding).
pub fn bfcvt(env: &mut FpEnv, v: u32) -> u16 {
    let f = Fmt::S;
    let v = env.flush_in(f, v as u64) as u32;
    if f.is_nan(v as u64) {
        let n = env.process_nans(f, &[v as u64]).unwrap_or(v as u64) as u32;
        return (n >> 16) as u16;
    }
    let sign = v >> 31 != 0;
    let mag = v & 0x7fff_ffff;
    if mag >= 0x7f80_0000 || mag & 0xffff == 0 {
        return (v >> 16) as u16;
    }
    let tiny = mag < 0x0080_0000;
    if tiny && env.fpcr & fp::FPCR_FZ != 0 {
        env.flags |= fp::UFC;
        return (v >> 16) as u16 & 0x8000;
    }
    let (mut r, rem) = (mag >> 16, mag & 0xffff);
    let up = match env.rmode() {
        Rounding::TieEven => rem > 0x8000 || (rem == 0x8000 && r & 1 == 1),
        Rounding::TieAway => rem >= 0x8000,
        Rounding::PosInf => !sign,
        Rounding::NegInf => sign,
        Rounding::Zero => false,
    };
    r += up as u32;
    env.flags |= fp::IXC;
    if tiny {
        env.flags |= fp::UFC;
    }
    if r >= 0x7f80 {
        env.flags |= fp::OFC;
    }
    ((sign as u16) << 15) | r as u16
}

/// One BF16 operation step of BFDOT/BFMMLA: FPCR is ignored; round to
/// odd, denormals flushed, default NaN, no flags (as QEMU implements
/// Arm's BFDotAdd without FEAT_EBF16).
fn bf_op(op: Op, a: u64, b: u64) -> u64 {
    let mut env = FpEnv::new(fp::FPCR_DN | fp::FPCR_FZ | (3 << 22));
    let r = fp::arith(&mut env, Fmt::S, op, a, b, 0);
    if env.flags & fp::OFC != 0 {
        // Round to odd overflows to infinity.
        return (r & 0x8000_0000) | 0x7f80_0000;
    }
    let finite = r & 0x7f80_0000 != 0x7f80_0000;
    if env.flags & fp::IXC != 0 && finite {
        r | 1
    } else {
        r
    }
}

fn fp_two_misc(x: &mut X<'_>, i: Insn, scalar: bool, half: bool) -> R {
    let u = i.u() != 0;
    let a = i.bit(23);
    let op = i.opcode12();
    let q = i.q() != 0;
    let f = if half { Fmt::H } else { fmt_of_sz(i.bit(22)) };
    if !half {
        req(!(f == Fmt::D && !q && !scalar))?;
    }
    #[derive(PartialEq, Clone, Copy)]
    enum K {
        Rint(Rounding, bool),
        Rint32(Rounding, bool, u32),
        Cvt(Rounding, bool),
        ItoF(bool),
        Cmp(u8),
        Abs,
        Neg,
        Sqrt,
        Recpe,
        Rsqrte,
        Recpx,
        URecpe,
        URsqrte,
    }
    use Rounding::*;
    let k = match (u, a, op) {
        (false, false, 0b11000) => K::Rint(TieEven, false),
        (false, false, 0b11001) => K::Rint(NegInf, false),
        (false, false, 0b11010) => K::Cvt(TieEven, false),
        (false, false, 0b11011) => K::Cvt(NegInf, false),
        (false, false, 0b11100) => K::Cvt(TieAway, false),
        (false, false, 0b11101) => K::ItoF(false),
        (false, false, 0b11110) if !half => K::Rint32(Zero, false, 32),
        (false, false, 0b11111) if !half => K::Rint32(Zero, false, 64),
        (false, true, 0b01100) => K::Cmp(0),
        (false, true, 0b01101) => K::Cmp(1),
        (false, true, 0b01110) => K::Cmp(2),
        (false, true, 0b01111) => K::Abs,
        (false, true, 0b11000) => K::Rint(PosInf, false),
        (false, true, 0b11001) => K::Rint(Zero, false),
        (false, true, 0b11010) => K::Cvt(PosInf, false),
        (false, true, 0b11011) => K::Cvt(Zero, false),
        (false, true, 0b11100) if !half => K::URecpe,
        (false, true, 0b11101) => K::Recpe,
        (false, true, 0b11111) if scalar => K::Recpx,
        (true, false, 0b11000) => K::Rint(TieAway, false),
        (true, false, 0b11001) => K::Rint(TieEven, true),
        (true, false, 0b11010) => K::Cvt(TieEven, true),
        (true, false, 0b11011) => K::Cvt(NegInf, true),
        (true, false, 0b11100) => K::Cvt(TieAway, true),
        (true, false, 0b11101) => K::ItoF(true),
        (true, false, 0b11110) if !half => K::Rint32(TieEven, true, 32),
        (true, false, 0b11111) if !half => K::Rint32(TieEven, true, 64),
        (true, true, 0b01100) => K::Cmp(3),
        (true, true, 0b01101) => K::Cmp(4),
        (true, true, 0b01111) => K::Neg,
        (true, true, 0b11001) => K::Rint(TieEven, false),
        (true, true, 0b11010) => K::Cvt(PosInf, true),
        (true, true, 0b11011) => K::Cvt(Zero, true),
        (true, true, 0b11100) if !half => K::URsqrte,
        (true, true, 0b11101) => K::Rsqrte,
        (true, true, 0b11111) => K::Sqrt,
        _ => return Err(Undef),
    };
    if scalar {
        req(!matches!(
            k,
            K::Rint(..) | K::Rint32(..) | K::Abs | K::Neg | K::Sqrt | K::URecpe | K::URsqrte
        ))?;
    }
    if matches!(k, K::URecpe | K::URsqrte) {
        req(f == Fmt::S)?;
    }
    let esize = f.bits();
    let ne = if scalar {
        1
    } else if q {
        128 / esize
    } else {
        64 / esize
    };
    let vn = x.v(i.rn());
    let sg = fsign(f);
    let mut r = 0u128;
    for e in 0..ne {
        let v = el(vn, e, esize);
        let res = match k {
            K::Rint(rm, exact) => {
                // FRINTI (u, a, 11001) and FRINTX use FPCR's mode.
                let rm = if (u, a, op) == (true, true, 0b11001)
                    || (u, a, op) == (true, false, 0b11001)
                {
                    x.env.rmode()
                } else {
                    rm
                };
                fp::round_to_integral(&mut x.env, f, v, rm, exact)
            }
            K::Rint32(rm, cur, n) => {
                let rm = if cur { x.env.rmode() } else { rm };
                frint_n(x, f, v, rm, true, n)
            }
            K::Cvt(rm, uns) => fp_cvt_int(x, f, v, uns, rm, 0),
            K::ItoF(uns) => {
                let iv = if uns { v } else { sext(v, esize) as u64 };
                fp::from_int(&mut x.env, f, iv, !uns, 0)
            }
            K::Cmp(c) => {
                let t = |b: bool| if b { m64(esize) } else { 0 };
                // FCMEQ is a quiet compare (only sNaN raises IOC).
                let nz = fp::compare(&mut x.env, f, v, 0, c != 1);
                t(match c {
                    0 => nz == 0b0010,
                    1 => nz == 0b0110,
                    2 => nz == 0b1000,
                    3 => matches!(nz, 0b0110 | 0b0010),
                    _ => matches!(nz, 0b0110 | 0b1000),
                })
            }
            K::Abs => v & !sg,
            K::Neg => v ^ sg,
            K::Sqrt => fp::arith(&mut x.env, f, Op::Sqrt, v, 0, 0),
            K::Recpe => fp_recip_estimate(x, f, v),
            K::Rsqrte => fp_rsqrt_estimate(x, f, v),
            K::Recpx => {
                let v = x.env.flush_in(f, v);
                if let Some(nn) = x.env.process_nans(f, &[v]) {
                    nn
                } else {
                    let (_, exp, _) = ffields(f, v);
                    let me = m64(f.ebits()) as i64;
                    let ne = if exp == 0 { me - 1 } else { !exp & me };
                    (v & sg) | ((ne as u64) << f.fbits())
                }
            }
            K::URecpe => {
                if v >> 31 == 0 {
                    0xffff_ffff
                } else {
                    recip_estimate((v >> 23) & 0x1ff) << 23
                }
            }
            K::URsqrte => {
                if v >> 30 == 0 {
                    0xffff_ffff
                } else {
                    rsqrt_estimate((v >> 23) & 0x1ff) << 23
                }
            }
        };
        set_el(&mut r, e, esize, res);
    }
    if scalar {
        x.st.v[i.rd() as usize] = r & mask(esize);
    } else {
        x.wr(i.rd(), r, q);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Across lanes and scalar pairwise

fn across(x: &mut X<'_>, i: Insn) -> R {
    let u = i.u() != 0;
    let size = i.vsize();
    let op = i.opcode12();
    let q = i.q() != 0;
    let vn = x.v(i.rn());
    if op == 0b01100 || op == 0b01111 {
        // FMAXNMV/FMINNMV/FMAXV/FMINV: U=0 half precision, U=1 single.
        let f = if u {
            req(!i.bit(22) && q)?;
            Fmt::S
        } else {
            req(!i.bit(22))?;
            Fmt::H
        };
        let max = !i.bit(23);
        let num = op == 0b01100;
        let ne = if q { 128 } else { 64 } / f.bits();
        let r = reduce(x, f, vn, 0, ne, max, num);
        x.st.v[i.rd() as usize] = r as u128;
        return Ok(());
    }
    req((q || size != 2) && size != 3)?;
    match (u, op) {
        (false, 0b11011) | (_, 0b01010) | (_, 0b11010) | (_, 0b00011) => {}
        _ => return Err(Undef),
    }
    let esize = 8 << size;
    let ne = if q { 128 } else { 64 } / esize;
    let vals = (0..ne).map(|e| int(el(vn, e, esize), esize, u));
    let v: i128 = match op {
        0b11011 | 0b00011 => vals.sum(),
        0b01010 => vals.max().unwrap_or(0),
        _ => vals.min().unwrap_or(0),
    };
    let rs = if op == 0b00011 { 2 * esize } else { esize };
    x.st.v[i.rd() as usize] = (v as u128) & mask(rs);
    Ok(())
}

fn reduce(x: &mut X<'_>, f: Fmt, v: u128, lo: u32, n: u32, max: bool, num: bool) -> u64 {
    if n == 1 {
        return el(v, lo, f.bits());
    }
    let a = reduce(x, f, v, lo, n / 2, max, num);
    let b = reduce(x, f, v, lo + n / 2, n / 2, max, num);
    fp::max_min(&mut x.env, f, a, b, max, num)
}

fn scalar_pairwise(x: &mut X<'_>, i: Insn) -> R {
    let u = i.u() != 0;
    let op = i.opcode12();
    let vn = x.v(i.rn());
    if !u && op == 0b11011 {
        req(i.vsize() == 3)?;
        x.st.v[i.rd() as usize] = (el(vn, 0, 64).wrapping_add(el(vn, 1, 64))) as u128;
        return Ok(());
    }
    // FP: U=0 half precision, U=1 sz selects S/D.
    let f = if u {
        fmt_of_sz(i.bit(22))
    } else {
        req(!i.bit(22))?;
        Fmt::H
    };
    let a = i.bit(23);
    let op3 = match (op, a) {
        (0b01100, _) => F3::MaxNm,
        (0b01101, false) => F3::Add,
        (0b01111, _) => F3::Max,
        _ => return Err(Undef),
    };
    let op3 = match (op3, a) {
        (F3::MaxNm, true) => F3::MinNm,
        (F3::Max, true) => F3::Min,
        (o, _) => o,
    };
    let es = f.bits();
    let r = f3(x, op3, f, el(vn, 0, es), el(vn, 1, es), 0);
    x.st.v[i.rd() as usize] = r as u128;
    Ok(())
}

// ---------------------------------------------------------------------------
// Shift by immediate

fn shift_imm(x: &mut X<'_>, i: Insn, scalar: bool) -> R {
    let u = i.u() != 0;
    let immh = i.immh();
    req(immh != 0)?;
    let q = i.q() != 0;
    let op = i.bits(15, 11);
    let esize = 8u32 << (31 - immh.leading_zeros());
    let immhb = (immh << 3) | i.immb();
    let (vn, vd) = (x.v(i.rn()), x.v(i.rd()));
    let d = i.rd();
    let narrowing = matches!(op, 0b10000..=0b10011);
    let fixed = matches!(op, 0b11100 | 0b11111);
    if fixed {
        // SCVTF/UCVTF/FCVTZS/FCVTZU (vector/scalar, fixed-point).
        let f = match esize {
            16 => Fmt::H,
            32 => Fmt::S,
            64 => Fmt::D,
            _ => return Err(Undef),
        };
        req(scalar || f != Fmt::D || q)?;
        let fbits = 2 * esize - immhb;
        let ne = if scalar {
            1
        } else if q {
            128 / esize
        } else {
            64 / esize
        };
        let mut r = 0u128;
        for e in 0..ne {
            let v = el(vn, e, esize);
            let res = if op == 0b11100 {
                let iv = if u { v } else { sext(v, esize) as u64 };
                fp::from_int(&mut x.env, f, iv, !u, fbits)
            } else {
                fp::to_int(&mut x.env, f, v, fbits, u, esize, Rounding::Zero)
            };
            set_el(&mut r, e, esize, res);
        }
        if scalar {
            x.st.v[d as usize] = r & mask(esize);
        } else {
            x.wr(d, r, q);
        }
        return Ok(());
    }
    if narrowing {
        req(immh < 8)?;
        let nsize = esize;
        let w = 2 * nsize;
        let shift = 2 * nsize - immhb;
        let rounding = op & 1 != 0;
        if scalar {
            req(op != 0b10000 && op != 0b10001 || u)?;
        }
        let ne = if scalar { 1 } else { 64 / nsize };
        let h = if q && !scalar { ne } else { 0 };
        let mut r = if q && !scalar { vd & mask(64) } else { 0 };
        for e in 0..ne {
            let a = el(vn, e, w);
            // (kind, source unsigned, dest unsigned)
            let (src_u, dst_u, sat) = match (u, op & 0b10) {
                (false, 0) => (true, true, false),  // SHRN/RSHRN
                (true, 0) => (false, true, true),   // SQSHRUN/SQRSHRUN
                (false, _) => (false, false, true), // SQSHRN/SQRSHRN
                (true, _) => (true, true, true),    // UQSHRN/UQRSHRN
            };
            let v = int(a, w, src_u);
            let rc = if rounding { 1i128 << (shift - 1) } else { 0 };
            let s = (v + rc) >> shift;
            let res = if sat {
                x.sat(s, nsize, dst_u)
            } else {
                s as u64 & m64(nsize)
            };
            set_el(&mut r, e + h, nsize, res);
        }
        if scalar {
            x.st.v[d as usize] = r & mask(nsize);
        } else {
            x.wr(d, r, true);
        }
        return Ok(());
    }
    if op == 0b10100 {
        // SSHLL/USHLL
        req(immh < 8 && !scalar)?;
        let sh = immhb - esize;
        let h = if q { 64 / esize } else { 0 };
        let mut r = 0u128;
        for e in 0..64 / esize {
            let v = int(el(vn, e + h, esize), esize, u);
            set_el(&mut r, e, 2 * esize, (v << sh) as u64);
        }
        x.wr(d, r, true);
        return Ok(());
    }
    let ok = matches!(
        (u, op),
        (_, 0b00000 | 0b00010 | 0b00100 | 0b00110 | 0b01110)
            | (false, 0b01010)
            | (true, 0b01000 | 0b01010 | 0b01100)
    );
    req(ok)?;
    if scalar {
        req(matches!(op, 0b01100 | 0b01110) || immh >= 8)?;
    } else {
        req(immh < 8 || q)?;
    }
    let ne = if scalar {
        1
    } else if q {
        128 / esize
    } else {
        64 / esize
    };
    let rshift = 2 * esize - immhb;
    let lshift = immhb - esize;
    let mut r = 0u128;
    for e in 0..ne {
        let a = el(vn, e, esize);
        let old = el(vd, e, esize);
        let res = match op {
            0b00000 | 0b00010 | 0b00100 | 0b00110 => {
                let rc = if op & 0b100 != 0 {
                    1i128 << (rshift - 1)
                } else {
                    0
                };
                let v = (int(a, esize, u) + rc) >> rshift;
                let v = v as u64;
                if op & 0b10 != 0 {
                    old.wrapping_add(v)
                } else {
                    v
                }
            }
            0b01010 if !u => a << lshift,
            0b01010 => {
                let mk = m64(esize) << lshift;
                (old & !mk) | ((a << lshift) & mk)
            }
            0b01000 => {
                // SRI
                let mk = if rshift >= 64 {
                    0
                } else {
                    m64(esize) >> rshift
                };
                let v = if rshift >= 64 { 0 } else { a >> rshift };
                (old & !mk) | (v & mk)
            }
            0b01100 => x.sat(int(a, esize, false) << lshift, esize, true), // SQSHLU
            _ => {
                // SQSHL/UQSHL (immediate)
                // |value| < 2^64 and lshift < 64: clamp before shifting so
                // the i128 cannot overflow (the result saturates anyway).
                let v = int(a, esize, u);
                let v = if v.unsigned_abs() >> (126 - lshift) != 0 {
                    v.signum() << 126
                } else {
                    v << lshift
                };
                x.sat(v, esize, u)
            }
        };
        set_el(&mut r, e, esize, res);
    }
    if scalar {
        x.st.v[d as usize] = r & mask(esize);
    } else {
        x.wr(d, r, q);
    }
    Ok(())
}

/// FMOV (vector, immediate), half precision.
fn fmov_h(x: &mut X<'_>, i: Insn) -> R {
    req(i.u() == 0 && i.cmode() == 0b1111)?;
    let imm8 = (i.abc() << 5) | i.defgh();
    let a = ((imm8 >> 7) & 1) as u64;
    let b = ((imm8 >> 6) & 1) as u64;
    let cdefgh = (imm8 & 0x3f) as u64;
    let exp = ((1 - b) << 4) | (if b != 0 { 3 } else { 0 } << 2) | ((cdefgh >> 4) & 3);
    let h = (a << 15) | (exp << 10) | ((cdefgh & 0xf) << 6);
    let mut r = 0u128;
    for e in 0..8 {
        set_el(&mut r, e, 16, h);
    }
    x.wr(i.rd(), r, i.q() != 0);
    Ok(())
}

// ---------------------------------------------------------------------------
// By element

fn by_element(x: &mut X<'_>, i: Insn, scalar: bool) -> R {
    let u = i.u() != 0;
    let size = i.vsize();
    let op = i.bits(15, 12);
    let q = i.q() != 0;
    let (h, l, mb) = (i.bit(11) as u32, i.bit(21) as u32, i.bit(20) as u32);
    let rm_lo = i.bits(19, 16);
    let d = i.rd();
    let (vn, vd) = (x.v(i.rn()), x.v(d));
    // FP forms.
    let fp_kind = match (u, op) {
        (false, 0b0001) => Some(F3::Fma),
        (false, 0b0101) => Some(F3::Fms),
        (false, 0b1001) => Some(F3::Mul),
        (true, 0b1001) => Some(F3::MulX),
        _ => None,
    };
    if let Some(k) = fp_kind {
        let (f, idx, rm) = match size {
            0 => (Fmt::H, (h << 2) | (l << 1) | mb, rm_lo),
            2 => (Fmt::S, (h << 1) | l, (mb << 4) | rm_lo),
            3 => {
                req(l == 0 && (q || scalar))?;
                (Fmt::D, h, (mb << 4) | rm_lo)
            }
            _ => return Err(Undef),
        };
        let es = f.bits();
        let ne = if scalar {
            1
        } else if q {
            128 / es
        } else {
            64 / es
        };
        let b = el(x.v(rm), idx, es);
        let mut r = 0u128;
        for e in 0..ne {
            let res = f3(x, k, f, el(vn, e, es), b, el(vd, e, es));
            set_el(&mut r, e, es, res);
        }
        if scalar {
            x.st.v[d as usize] = r & mask(es);
        } else {
            x.wr(d, r, q);
        }
        return Ok(());
    }
    // FMLAL/FMLSL (by element)
    if matches!((u, op), (false, 0b0000 | 0b0100) | (true, 0b1000 | 0b1100)) && size == 2 {
        req(!scalar)?;
        let vm = x.v(rm_lo);
        return fmlal(
            x,
            i,
            vm,
            Some((h << 2) | (l << 1) | mb),
            u,
            op & 0b0100 != 0,
        );
    }
    // FCMLA (by element)
    if u && op & 0b1001 == 0b0001 {
        req(!scalar && (size == 1 || (size == 2 && q)))?;
        let f = if size == 1 { Fmt::H } else { Fmt::S };
        let idx = if size == 1 { (h << 1) | l } else { h };
        req(size == 2 && l == 0 || size == 1 && (q || h == 0))?;
        let rm = (mb << 4) | rm_lo;
        let rot = i.bits(14, 13);
        let es = f.bits();
        let ne = if q { 128 } else { 64 } / es;
        let vm = x.v(rm);
        let mut r = 0u128;
        for e in 0..ne / 2 {
            let (n_re, n_im) = (el(vn, 2 * e, es), el(vn, 2 * e + 1, es));
            let (m_re, m_im) = (el(vm, 2 * idx, es), el(vm, 2 * idx + 1, es));
            let (a, b) = fcmla_lane(
                x,
                f,
                rot,
                (n_re, n_im),
                (m_re, m_im),
                (el(vd, 2 * e, es), el(vd, 2 * e + 1, es)),
            );
            set_el(&mut r, 2 * e, es, a);
            set_el(&mut r, 2 * e + 1, es, b);
        }
        x.wr(d, r, q);
        return Ok(());
    }
    // Dot products by element.
    if op == 0b1110 || (op == 0b1111 && !u && (size == 0 || size == 2)) {
        req(!scalar && size == 2 || (op == 0b1111 && size == 0 && !scalar))?;
        let idx = (h << 1) | l;
        let rm = (mb << 4) | rm_lo;
        let vm = x.v(rm);
        let (nu, mu) = match (u, op, size) {
            (false, 0b1110, _) => (false, false),
            (true, 0b1110, _) => (true, true),
            (false, 0b1111, 0) => (false, true), // SUDOT
            _ => (true, false),                  // USDOT
        };
        let ne = if q { 4 } else { 2 };
        let mut r = 0u128;
        for e in 0..ne {
            let mut acc = el(vd, e, 32) as i64;
            for k in 0..4 {
                let a = int(el(vn, 4 * e + k, 8), 8, nu) as i64;
                let b = int(el(vm, 4 * idx + k, 8), 8, mu) as i64;
                acc = acc.wrapping_add(a * b);
            }
            set_el(&mut r, e, 32, acc as u64);
        }
        x.wr(d, r, q);
        return Ok(());
    }
    if op == 0b1111 && !u && size == 1 {
        // BFDOT (by element)
        req(!scalar)?;
        let idx = (h << 1) | l;
        let vm = x.v((mb << 4) | rm_lo);
        let ne = if q { 4 } else { 2 };
        let mut r = 0u128;
        for e in 0..ne {
            let res = bfdot(
                el(vd, e, 32) as u32,
                el(vn, e, 32) as u32,
                el(vm, idx, 32) as u32,
            );
            set_el(&mut r, e, 32, res as u64);
        }
        x.wr(d, r, q);
        return Ok(());
    }
    if op == 0b1111 && !u && size == 3 {
        // BFMLALB/BFMLALT (by element)
        req(!scalar)?;
        let idx = (h << 2) | (l << 1) | mb;
        let vm = x.v(rm_lo);
        let top = q as u32;
        let b = (el(vm, idx, 16) as u32) << 16;
        let mut r = 0u128;
        for e in 0..4 {
            let a = (el(vn, 2 * e + top, 16) as u32) << 16;
            let mut env = FpEnv::new(x.env.fpcr);
            let v = fp::arith(&mut env, Fmt::S, Op::Fma, a as u64, b as u64, el(vd, e, 32));
            x.env.flags |= env.flags;
            set_el(&mut r, e, 32, v);
        }
        x.wr(d, r, true);
        return Ok(());
    }
    // Integer forms.
    let (idx, rm) = match size {
        1 => ((h << 2) | (l << 1) | mb, rm_lo),
        2 => ((h << 1) | l, (mb << 4) | rm_lo),
        _ => return Err(Undef),
    };
    let esize = 8u32 << size;
    let long = matches!(op, 0b0010 | 0b0011 | 0b0110 | 0b0111 | 0b1010 | 0b1011);
    let ok = if scalar {
        matches!(
            (u, op),
            (false, 0b0011 | 0b0111 | 0b1011 | 0b1100 | 0b1101) | (true, 0b1101 | 0b1111)
        )
    } else {
        matches!(
            (u, op),
            (false, 0b0011 | 0b0111 | 0b1011 | 0b1000 | 0b1100 | 0b1101)
                | (_, 0b0010 | 0b0110 | 0b1010)
                | (true, 0b0000 | 0b0100 | 0b1101 | 0b1111)
        )
    };
    req(ok)?;
    let b_raw = el(x.v(rm), idx, esize);
    if long {
        let w = 2 * esize;
        let ne = if scalar { 1 } else { 64 / esize };
        let hh = if q && !scalar { ne } else { 0 };
        let mut r = 0u128;
        for e in 0..ne {
            let a = int(el(vn, e + hh, esize), esize, u);
            let b = int(b_raw, esize, u);
            let dv = int(el(vd, e, w), w, u);
            let res = match op {
                0b0010 => (dv + a * b) as u64,
                0b0110 => (dv - a * b) as u64,
                0b1010 => (a * b) as u64,
                _ => {
                    let p = int(x.sat(2 * a * b, w, false), w, false);
                    match op {
                        0b0011 => x.sat(dv + p, w, false),
                        0b0111 => x.sat(dv - p, w, false),
                        _ => p as u64,
                    }
                }
            };
            set_el(&mut r, e, w, res);
        }
        if scalar {
            x.st.v[d as usize] = r & mask(w);
        } else {
            x.wr(d, r, true);
        }
        return Ok(());
    }
    let ne = if scalar {
        1
    } else if q {
        128 / esize
    } else {
        64 / esize
    };
    let mut r = 0u128;
    for e in 0..ne {
        let a = el(vn, e, esize);
        let dv = el(vd, e, esize);
        let res = match (u, op) {
            (false, 0b1000) => a.wrapping_mul(b_raw),
            (true, 0b0000) => dv.wrapping_add(a.wrapping_mul(b_raw)),
            (true, 0b0100) => dv.wrapping_sub(a.wrapping_mul(b_raw)),
            (false, 0b1100) | (false, 0b1101) => {
                let p = int(a, esize, false) * int(b_raw, esize, false);
                let rc = if op == 0b1101 {
                    1i128 << (esize - 1)
                } else {
                    0
                };
                x.sat((2 * p + rc) >> esize, esize, false)
            }
            _ => {
                // SQRDMLAH / SQRDMLSH
                let p = int(a, esize, false) * int(b_raw, esize, false);
                let p = if op == 0b1111 { -p } else { p };
                let acc = int(dv, esize, false) << esize;
                x.sat(
                    (acc + 2 * p + (1i128 << (esize - 1))) >> esize,
                    esize,
                    false,
                )
            }
        };
        set_el(&mut r, e, esize, res);
    }
    if scalar {
        x.st.v[d as usize] = r & mask(esize);
    } else {
        x.wr(d, r, q);
    }
    Ok(())
}

/// Half precision `v` widened to single precision bits (exact; NaNs keep
/// their signalling state; FZ16 flushes denormals).
fn h_to_s_raw(x: &mut X<'_>, v: u64) -> u64 {
    let h = Fmt::H;
    let v = x.env.flush_in(h, v);
    if h.is_nan(v) || is_inf(h, v) {
        let sg = (v >> 15 & 1) << 31;
        return sg | (0xff << 23) | ((v & 0x3ff) << 13);
    }
    let mut e = FpEnv::new(0);
    fp::convert(&mut e, Fmt::H, Fmt::S, v)
}

/// FMLAL/FMLSL/FMLAL2/FMLSL2, vector (`idx` None) or by element.
fn fmlal(x: &mut X<'_>, i: Insn, vm: u128, idx: Option<u32>, upper: bool, sub: bool) -> R {
    let q = i.q() != 0;
    let ne = if q { 4 } else { 2 };
    let off = if upper { ne } else { 0 };
    let (vn, vd) = (x.v(i.rn()), x.v(i.rd()));
    let mut r = 0u128;
    for e in 0..ne {
        let a = el(vn, e + off, 16);
        let a = if sub { a ^ 0x8000 } else { a };
        let b = match idx {
            Some(k) => el(vm, k, 16),
            None => el(vm, e + off, 16),
        };
        let (a, b) = (h_to_s_raw(x, a), h_to_s_raw(x, b));
        let v = fp::arith(&mut x.env, Fmt::S, Op::Fma, a, b, el(vd, e, 32));
        set_el(&mut r, e, 32, v);
    }
    x.wr(i.rd(), r, q);
    Ok(())
}

/// One complex lane of FCMLA: returns (real, imaginary) of the result.
fn fcmla_lane(
    x: &mut X<'_>,
    f: Fmt,
    rot: u32,
    (n_re, n_im): (u64, u64),
    (m_re, m_im): (u64, u64),
    (d_re, d_im): (u64, u64),
) -> (u64, u64) {
    let sg = fsign(f);
    let (e1, e2, e3, e4) = match rot {
        0 => (m_re, n_re, m_im, n_re),
        1 => (m_im ^ sg, n_im, m_re, n_im),
        2 => (m_re ^ sg, n_re, m_im ^ sg, n_re),
        _ => (m_im, n_im, m_re ^ sg, n_im),
    };
    let a = fp::arith(&mut x.env, f, Op::Fma, e2, e1, d_re);
    let b = fp::arith(&mut x.env, f, Op::Fma, e4, e3, d_im);
    (a, b)
}

/// BFDOT of one 32-bit lane: acc + a.lo*b.lo + a.hi*b.hi, each step
/// with [`bf_op`] semantics.
fn bfdot(acc: u32, a: u32, b: u32) -> u32 {
    let bf = |h: u32| ((h & 0xffff) << 16) as u64;
    let p1 = bf_op(Op::Mul, bf(a), bf(b));
    let p2 = bf_op(Op::Mul, bf(a >> 16), bf(b >> 16));
    let s = bf_op(Op::Add, p1, p2);
    bf_op(Op::Add, acc as u64, s) as u32
}

// ---------------------------------------------------------------------------
// Three same (extra): SQRDMLAH/SQRDMLSH, dot products, matrix multiply,
// FCMLA/FCADD, BF16.

fn three_same_extra(x: &mut X<'_>, i: Insn, scalar: bool) -> R {
    let u = i.u() != 0;
    let size = i.vsize();
    let op = i.bits(14, 11);
    let q = i.q() != 0;
    let d = i.rd();
    let (vn, vm, vd) = (x.v(i.rn()), x.v(i.rm()), x.v(d));
    if u && op <= 1 {
        req(size == 1 || size == 2)?;
        let esize = 8 << size;
        let ne = if scalar {
            1
        } else if q {
            128 / esize
        } else {
            64 / esize
        };
        let mut r = 0u128;
        for e in 0..ne {
            let p = int(el(vn, e, esize), esize, false) * int(el(vm, e, esize), esize, false);
            let p = if op == 1 { -p } else { p };
            let acc = int(el(vd, e, esize), esize, false) << esize;
            let v = x.sat(
                (acc + 2 * p + (1i128 << (esize - 1))) >> esize,
                esize,
                false,
            );
            set_el(&mut r, e, esize, v);
        }
        if scalar {
            x.st.v[d as usize] = r & mask(esize);
        } else {
            x.wr(d, r, q);
        }
        return Ok(());
    }
    req(!scalar)?;
    match (u, op, size) {
        (_, 0b0010, 2) | (false, 0b0011, 2) => {
            // SDOT/UDOT/USDOT (vector)
            let (nu, mu) = match (u, op) {
                (false, 0b0010) => (false, false),
                (true, _) => (true, true),
                _ => (true, false),
            };
            let ne = if q { 4 } else { 2 };
            let mut r = 0u128;
            for e in 0..ne {
                let mut acc = el(vd, e, 32) as i64;
                for k in 0..4 {
                    let a = int(el(vn, 4 * e + k, 8), 8, nu) as i64;
                    let b = int(el(vm, 4 * e + k, 8), 8, mu) as i64;
                    acc = acc.wrapping_add(a * b);
                }
                set_el(&mut r, e, 32, acc as u64);
            }
            x.wr(d, r, q);
            Ok(())
        }
        (_, 0b0100, 2) | (false, 0b0101, 2) => {
            // SMMLA/UMMLA/USMMLA: 2x8 by 8x2 int8 matrices.
            req(q)?;
            let (nu, mu) = match (u, op) {
                (false, 0b0100) => (false, false),
                (true, _) => (true, true),
                _ => (true, false),
            };
            let mut r = 0u128;
            for row in 0..2 {
                for col in 0..2 {
                    let mut acc = el(vd, 2 * row + col, 32) as i64;
                    for k in 0..8 {
                        let a = int(el(vn, 8 * row + k, 8), 8, nu) as i64;
                        let b = int(el(vm, 8 * col + k, 8), 8, mu) as i64;
                        acc = acc.wrapping_add(a * b);
                    }
                    set_el(&mut r, 2 * row + col, 32, acc as u64);
                }
            }
            x.wr(d, r, true);
            Ok(())
        }
        (true, 0b1000..=0b1011, 1..=3) | (true, 0b1100 | 0b1110, 1..=3) => {
            let f = match size {
                1 => Fmt::H,
                2 => Fmt::S,
                _ => {
                    req(q)?;
                    Fmt::D
                }
            };
            let es = f.bits();
            let ne = if q { 128 } else { 64 } / es;
            let mut r = 0u128;
            let sg = fsign(f);
            for e in 0..ne / 2 {
                let (n_re, n_im) = (el(vn, 2 * e, es), el(vn, 2 * e + 1, es));
                let (m_re, m_im) = (el(vm, 2 * e, es), el(vm, 2 * e + 1, es));
                let (d_re, d_im) = (el(vd, 2 * e, es), el(vd, 2 * e + 1, es));
                let (a, b) = if op & 0b1100 == 0b1000 {
                    fcmla_lane(x, f, op & 3, (n_re, n_im), (m_re, m_im), (d_re, d_im))
                } else {
                    // FCADD: rot 90 (op bit 1 = 0) or 270.
                    let (e1, e3) = if op & 2 == 0 {
                        (m_im ^ sg, m_re)
                    } else {
                        (m_im, m_re ^ sg)
                    };
                    let a = fp::arith(&mut x.env, f, Op::Add, n_re, e1, 0);
                    let b = fp::arith(&mut x.env, f, Op::Add, n_im, e3, 0);
                    (a, b)
                };
                set_el(&mut r, 2 * e, es, a);
                set_el(&mut r, 2 * e + 1, es, b);
            }
            x.wr(d, r, q);
            Ok(())
        }
        (true, 0b1111, 1) => {
            // BFDOT (vector)
            let ne = if q { 4 } else { 2 };
            let mut r = 0u128;
            for e in 0..ne {
                let v = bfdot(
                    el(vd, e, 32) as u32,
                    el(vn, e, 32) as u32,
                    el(vm, e, 32) as u32,
                );
                set_el(&mut r, e, 32, v as u64);
            }
            x.wr(d, r, q);
            Ok(())
        }
        (true, 0b1101, 1) => {
            // BFMMLA
            req(q)?;
            let mut r = 0u128;
            for row in 0..2 {
                for col in 0..2 {
                    let mut acc = el(vd, 2 * row + col, 32) as u32;
                    for k in 0..2 {
                        acc = bfdot(
                            acc,
                            el(vn, 2 * row + k, 32) as u32,
                            el(vm, 2 * col + k, 32) as u32,
                        );
                    }
                    set_el(&mut r, 2 * row + col, 32, acc as u64);
                }
            }
            x.wr(d, r, true);
            Ok(())
        }
        (true, 0b1111, 3) => {
            // BFMLALB/BFMLALT (vector)
            let top = q as u32;
            let mut r = 0u128;
            for e in 0..4 {
                let a = el(vn, 2 * e + top, 16) << 16;
                let b = el(vm, 2 * e + top, 16) << 16;
                let v = fp::arith(&mut x.env, Fmt::S, Op::Fma, a, b, el(vd, e, 32));
                set_el(&mut r, e, 32, v);
            }
            x.wr(d, r, true);
            Ok(())
        }
        _ => Err(Undef),
    }
}

/// Executes an instruction through a raw state pointer.
///
/// # Safety
/// `env` must point to a valid, exclusively accessed [`Aarch64State`].
unsafe extern "C" fn helper_asimd(env: *mut u8, insn: u64, _b: u64, _c: u64) -> u64 {
    // SAFETY: translated code passes its own CPU state block, which is an
    // `Aarch64State`, and nothing else accesses it while the CPU runs.
    let st = unsafe { &mut *(env as *mut Aarch64State) };
    let _ = exec(st, Insn(insn as u32));
    0
}

/// The Advanced SIMD executor helper: `(insn)`.
pub static HELPER_ASIMD: xlat_ir::HelperDesc = xlat_ir::HelperDesc {
    name: "xlat_a64_asimd",
    func: helper_asimd,
    flags: xlat_ir::HelperFlags::STATE,
};

/// The optional feature an Advanced SIMD or scalar FP encoding needs
/// (`None`: base Armv8.0 AdvSIMD/FP). Used to make instructions of
/// features a CPU model lacks UNDEFINED.
pub fn feature_of(i: Insn) -> Option<crate::cpu::Feature> {
    use crate::cpu::Feature::*;
    let w = i.0;
    let u = i.u() != 0;
    let size = i.vsize();
    if is!(w, "00011110 01111110 000000xx xxxxxxxx") {
        return Some(Jscvt);
    }
    if is!(w, "0xx01110 x10xxxxx 00xxx1xx xxxxxxxx")
        || is!(w, "0xx01110 x111100x xxxx10xx xxxxxxxx")
        || is!(w, "01x11110 x10xxxxx 00xxx1xx xxxxxxxx")
        || is!(w, "01x11110 x111100x xxxx10xx xxxxxxxx")
        || is!(w, "0xx01111 00000xxx xxxx11xx xxxxxxxx")
    {
        return Some(Fp16);
    }
    if is!(w, "0xx01110 xx0xxxxx 1xxxx1xx xxxxxxxx")
        || is!(w, "01x11110 xx0xxxxx 1xxxx1xx xxxxxxxx")
    {
        let op = i.bits(14, 11);
        return Some(match (u, op) {
            (true, 0b0000 | 0b0001) => Rdm,
            (_, 0b0010) => DotProd,
            (true, 0b1000..=0b1100 | 0b1110) => Fcma,
            (true, 0b1101 | 0b1111) => Bf16,
            _ => I8mm,
        });
    }
    if is!(w, "0xx01111 xxxxxxxx xxxxx0xx xxxxxxxx")
        || is!(w, "01x11111 xxxxxxxx xxxxx0xx xxxxxxxx")
    {
        let op = i.bits(15, 12);
        return match (u, op, size) {
            (_, 0b1110, _) => Some(DotProd),
            (false, 0b1111, 0 | 2) => Some(I8mm),
            (false, 0b1111, _) => Some(Bf16),
            (true, 0b1101 | 0b1111, _) => Some(Rdm),
            (true, 0b0001 | 0b0011 | 0b0101 | 0b0111, _) => Some(Fcma),
            (false, 0b0000 | 0b0100, 2) | (true, 0b1000 | 0b1100, 2) => Some(Fhm),
            (_, 0b0001 | 0b0101 | 0b1001, 0) => Some(Fp16),
            _ => None,
        };
    }
    if is!(w, "0xx01110 x01xxxxx 11101 1xx xxxxxxxx") && !u
        || is!(w, "0xx01110 x01xxxxx 11001 1xx xxxxxxxx") && u
    {
        // FMLAL/FMLSL (U = 0), FMLAL2/FMLSL2 (U = 1).
        return Some(Fhm);
    }
    if !u
        && (is!(w, "0x001110 x0110000 xxxx10xx xxxxxxxx")
            || is!(w, "01011110 x0110000 xxxx10xx xxxxxxxx"))
        && matches!(i.opcode12(), 0b01100 | 0b01101 | 0b01111)
    {
        // Half-precision FMAXNMV/FMINNMV/FMAXV/FMINV (across lanes) and
        // FMAXNMP/FMINNMP/FADDP/FMAXP/FMINP (scalar pairwise): U = 0.
        return Some(Fp16);
    }
    if (is!(w, "0xx01111 0001xxxx xxxxx1xx xxxxxxxx")
        || is!(w, "01x11111 0001xxxx xxxxx1xx xxxxxxxx"))
        && matches!(i.bits(15, 11), 0b11100 | 0b11111)
    {
        // SCVTF/UCVTF/FCVTZS/FCVTZU (fixed-point) on half precision
        // (immh = 001x), vector and scalar.
        return Some(Fp16);
    }
    if is!(w, "0xx01110 0x100001 111x10xx xxxxxxxx")
        || is!(w, "00011110 0x10100x x10000xx xxxxxxxx")
    {
        return Some(Frint);
    }
    if is!(w, "0x001110 10100001 011010xx xxxxxxxx")
        || is!(w, "00011110 01100011 010000xx xxxxxxxx")
    {
        return Some(Bf16);
    }
    if is!(w, "0xx01110 111xxxxx 111000xx xxxxxxxx") {
        return Some(Pmull);
    }
    if is!(w, "x0x11110 11xxxxxx xxxxxxxx xxxxxxxx")
        || is!(w, "00011111 11xxxxxx xxxxxxxx xxxxxxxx")
    {
        // Scalar FP with ftype = 11 (half precision).
        return Some(Fp16);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::Feature;

    fn run(st: &mut Aarch64State, w: u32) {
        exec(st, Insn(w)).expect("valid encoding");
    }

    #[test]
    fn fjcvtzs_javascript_conversion() {
        // fjcvtzs w0, d1 (0x1e7e0020)
        let f = |v: f64| {
            let mut st = Aarch64State::default();
            st.v[1] = v.to_bits() as u128;
            run(&mut st, 0x1e7e_0020);
            (st.x[0], st.zf, st.fpsr)
        };
        assert_eq!(f(-3.0), (0xffff_fffd, 1, 0));
        assert_eq!(f(2.5), (2, 0, 0x10));
        assert_eq!(f(4294967298.0), (2, 0, 0x1)); // 2^32 + 2: modulo, IOC
        assert_eq!(f(-0.0), (0, 0, 0));
        assert_eq!(f(f64::NAN), (0, 0, 0x1));
        // Values from qemu-aarch64.
        assert_eq!(f(2147483648.5), (0x8000_0000, 0, 0x1));
        assert_eq!(f(-2147483648.0), (0x8000_0000, 1, 0));
        assert_eq!(f(5e-324), (0, 0, 0x10));
    }

    #[test]
    fn fcvtzs_scalar_double_busybox_case() {
        // fcvtzs d1, d0 (0x5ee1b801): busybox sleep 0.01.
        let mut st = Aarch64State::default();
        st.v[0] = 2.75f64.to_bits() as u128;
        st.v[1] = u128::MAX;
        run(&mut st, 0x5ee1_b801);
        assert_eq!(st.v[1], 2);
        assert_eq!(st.fpsr, 0x10); // IXC
        st.v[0] = (-1e300f64).to_bits() as u128;
        st.fpsr = 0;
        run(&mut st, 0x5ee1_b801);
        assert_eq!(st.v[1], i64::MIN as u64 as u128);
        assert_eq!(st.fpsr, 0x1); // IOC
    }

    #[test]
    fn saturating_add_sets_qc() {
        // sqadd v0.16b, v1.16b, v2.16b (0x4e220c20)
        let mut st = Aarch64State::default();
        st.v[1] = 0x7f7f_0000_0000_0000_0000_0000_0000_8001;
        st.v[2] = 0x0102_0000_0000_0000_0000_0000_0000_ff80;
        run(&mut st, 0x4e22_0c20);
        assert_eq!(st.v[0], 0x7f7f_0000_0000_0000_0000_0000_0000_8081);
        assert_eq!(st.fpsr, FPSR_QC);
    }

    #[test]
    fn reciprocal_estimates_arm_arm_values() {
        // URECPE of 0x80000000 (0.5): RecipEstimate(256) = 511 -> 0xff800000.
        assert_eq!(recip_estimate(256), 511);
        assert_eq!(recip_estimate(511), 256);
        assert_eq!(rsqrt_estimate(128), 511);
        assert_eq!(rsqrt_estimate(511), 256);
        // frecpe s0, s1 (0x5ea1d820) of 2.0 = 0.5 estimate 0x3eff8000.
        let mut st = Aarch64State::default();
        st.v[1] = 2.0f32.to_bits() as u128;
        run(&mut st, 0x5ea1_d820);
        assert_eq!(st.v[0], 0x3eff_8000);
    }

    #[test]
    fn dot_product_and_widening() {
        // sdot v0.4s, v1.16b, v2.16b (0x4e829420): bytes -1 * 2 + ...
        let mut st = Aarch64State::default();
        st.v[0] = 10;
        st.v[1] = 0x0000_0000_0000_0000_0000_0000_0403_02ff;
        st.v[2] = 0x0000_0000_0000_0000_0000_0000_0101_0102;
        run(&mut st, 0x4e82_9420);
        assert_eq!(st.v[0], (10 - 2 + 2 + 3 + 4) as u128);
        // umull v0.8h, v1.8b, v2.8b (0x2e22c020): 0xff * 0xff = 0xfe01.
        st.v[1] = 0xff;
        st.v[2] = 0xff;
        run(&mut st, 0x2e22_c020);
        assert_eq!(st.v[0], 0xfe01);
    }

    #[test]
    fn features_of_encodings() {
        assert_eq!(feature_of(Insn(0x4e82_9420)), Some(Feature::DotProd)); // sdot
        assert_eq!(feature_of(Insn(0x4ee0_e000)), Some(Feature::Pmull)); // pmull2 v0.1q
        assert_eq!(feature_of(Insn(0x5ee1_b801)), None); // fcvtzs d1, d0
        assert_eq!(feature_of(Insn(0x1ee2_2800)), Some(Feature::Fp16)); // fadd h0, h0, h2
        assert_eq!(feature_of(Insn(0x4e22_8420)), None); // add v0.16b: base
        assert!(!valid(Insn(0x0ee2_8420))); // add v0.1d: reserved (size 3, Q 0)
    }
}

#[cfg(test)]
mod edge_tests {
    use super::*;

    /// Every encoding of the executor's classes with extreme register
    /// values: no panic (overflowing shifts, out-of-range lanes) whatever
    /// the guest supplies.
    #[test]
    fn no_panic_on_random_encodings() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut ok = 0u32;
        let fills = [
            0u128,
            u128::MAX,
            1u128 << 127,
            0x8000_0000_0000_0000_8000_0000_0000_0000,
        ];
        for k in 0..200_000 {
            // Bits 27:25 = 111 (scalar FP and AdvSIMD), bit 31 clear.
            let w = (next() as u32 & 0x7fff_ffff) | 0x0e00_0000;
            let mut st = Aarch64State::default();
            for r in 0..32 {
                st.v[r] = fills[(r + k) % fills.len()];
            }
            st.fpcr = next() & 0x07f7_0000;
            ok += exec(&mut st, Insn(w)).is_ok() as u32;
        }
        assert!(ok > 20_000, "only {ok} encodings executed");
    }
}
