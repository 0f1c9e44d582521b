//! VSX floating point beyond the basic arithmetic (Power ISA 3.1 Book I
//! chapter 7): vector square root, estimates, maximum/minimum, copy sign,
//! rounding to integral values, conversions, test-for-software-divide and
//! -square-root, data-class tests, exponent/significand insertion and
//! extraction, half-precision vector conversions, and the scalar ISA 3.0
//! additions (xsmaxcdp/xsmincdp/xsmaxjdp/xsminjdp, xststdc*, xscmpodp).
//! Executed by [`HELPER_VSXFP`] on the CPU state; results are rounded by
//! FPSCR\[RN\]; FPSCR exception status bits are not computed for these
//! (as for the other VSX vector instructions).
//!
//! The submodules add IEEE binary128 (quad precision, [`quad`]), the
//! POWER10 matrix-multiply assist ([`mma`]) and VMX floating point
//! ([`vmxfp`]).

pub mod mma;
pub mod quad;
pub mod vmxfp;

use crate::decode::Insn;
use crate::helpers::{
    RnOp, double_to_half, el, f2i, from_els, half_to_double, int_to_float, nan_result, rn_arith,
    round_rn, to_single_ns,
};
use crate::state::Ppc64State;
use xlat_ir::{HelperDesc, HelperFlags};

/// Lane `k` of `v` as a double: a double-precision lane, or the
/// single-precision word `k` converted exactly (an SNaN becomes quiet:
/// [`class`] of the raw bits tells signalling NaNs).
fn get(v: u128, k: u32, single: bool) -> f64 {
    if single {
        f32::from_bits(el(v, k, 32) as u32) as f64
    } else {
        f64::from_bits(el(v, k, 64))
    }
}

/// The bits of a lane result `x` (already representable in the format).
fn put(x: f64, single: bool) -> u64 {
    if single {
        (x as f32).to_bits() as u64
    } else {
        x.to_bits()
    }
}

/// Class of a lane's raw bits: (NaN, signalling NaN, infinity, zero,
/// denormal, negative).
#[derive(Clone, Copy)]
struct Class {
    nan: bool,
    snan: bool,
    inf: bool,
    zero: bool,
    denorm: bool,
    neg: bool,
    /// Unbiased exponent field (exponent field minus the bias).
    exp: i32,
}

/// Classifies the raw bits `x` of a single (`single`) or double lane.
fn class(x: u64, single: bool) -> Class {
    let (ebits, fbits) = if single { (8, 23) } else { (11, 52) };
    let emax = (1u64 << ebits) - 1;
    let e = (x >> fbits) & emax;
    let f = x & ((1u64 << fbits) - 1);
    let nan = e == emax && f != 0;
    Class {
        nan,
        snan: nan && f >> (fbits - 1) == 0,
        inf: e == emax && f == 0,
        zero: e == 0 && f == 0,
        denorm: e == 0 && f != 0,
        neg: x >> (ebits + fbits) & 1 != 0,
        exp: e as i32 - (emax >> 1) as i32,
    }
}

/// `x` with the quiet bit set.
fn quiet(x: u64, single: bool) -> u64 {
    x | if single { 1 << 22 } else { 1 << 51 }
}

/// IEEE maxNum/minNum as qemu's softfloat computes them for Power: a
/// signalling NaN operand gives the first NaN operand quieted, a single
/// quiet NaN gives the other operand; +0 is above -0.
fn max_min(a: u64, b: u64, single: bool, max: bool) -> u64 {
    let (ca, cb) = (class(a, single), class(b, single));
    if ca.nan || cb.nan {
        if !(ca.snan || cb.snan || ca.nan && cb.nan) {
            return if ca.nan { b } else { a };
        }
        return quiet(if ca.nan { a } else { b }, single);
    }
    if ca.zero && cb.zero {
        // Same value: the sign decides.
        let a_wins = ca.neg != max;
        return if a_wins { a } else { b };
    }
    let (x, y) = (bits_f(a, single), bits_f(b, single));
    if (x > y) == max { a } else { b }
}

fn bits_f(x: u64, single: bool) -> f64 {
    if single {
        f32::from_bits(x as u32) as f64
    } else {
        f64::from_bits(x)
    }
}

/// xsmaxjdp/xsminjdp (Java semantics): a NaN operand (XA's first) is the
/// result unchanged; of two zeros max gives -0 only if both are -0, min
/// -0 if either is.
fn max_min_j(a: u64, b: u64, max: bool) -> u64 {
    let (ca, cb) = (class(a, false), class(b, false));
    if ca.nan {
        return a;
    }
    if cb.nan {
        return b;
    }
    if ca.zero && cb.zero {
        let neg = if max {
            ca.neg && cb.neg
        } else {
            ca.neg || cb.neg
        };
        return (neg as u64) << 63;
    }
    let lt = f64::from_bits(a) < f64::from_bits(b);
    if lt != max { a } else { b }
}

/// The test-for-software-divide flags (fe, fg) of one lane pair, as
/// qemu-ppc64le computes them.
fn tdiv(a: u64, b: u64, single: bool) -> (bool, bool) {
    let (ca, cb) = (class(a, single), class(b, single));
    let (emin, emax, nbits) = if single {
        (-126, 127, 23)
    } else {
        (-1022, 1023, 52)
    };
    if ca.inf || cb.inf || cb.zero {
        return (true, true);
    }
    let fe = ca.nan
        || cb.nan
        || cb.exp <= emin
        || cb.exp >= emax - 2
        || (!ca.zero
            && (ca.exp - cb.exp >= emax || ca.exp - cb.exp <= emin + 1 || ca.exp <= emin + nbits));
    (fe, cb.denorm)
}

/// The test-for-software-square-root flags (fe, fg) of one lane.
fn tsqrt(b: u64, single: bool) -> (bool, bool) {
    let cb = class(b, single);
    let (emin, nbits) = if single { (-126, 23) } else { (-1022, 52) };
    if cb.inf || cb.zero {
        return (true, true);
    }
    let fe = cb.nan || cb.neg || cb.exp <= emin + nbits;
    (fe, cb.denorm)
}

/// Whether the data-class mask `dcmx` (bit 6 NaN, 5 +inf, 4 -inf, 3 +0,
/// 2 -0, 1 +denormal, 0 -denormal) matches the class `c`.
fn dc_match(c: Class, dcmx: u32) -> bool {
    let bit = if c.nan {
        6
    } else if c.inf {
        if c.neg { 4 } else { 5 }
    } else if c.zero {
        if c.neg { 2 } else { 3 }
    } else if c.denorm {
        if c.neg { 0 } else { 1 }
    } else {
        return false;
    };
    dcmx >> bit & 1 != 0
}

/// A single-precision word widened to double without changing a NaN's
/// payload or quieting it (the ISA's DOUBLE()).
fn single_to_double_raw(w: u32) -> u64 {
    if (w >> 23) & 0xff == 0xff {
        ((w >> 31) as u64) << 63 | 0x7ff << 52 | ((w & 0x7f_ffff) as u64) << 29
    } else {
        (f32::from_bits(w) as f64).to_bits()
    }
}

/// Rounds the lane value `x` to an integral value by mode `rn` (0 nearest
/// even, 1 toward zero, 2 +inf, 3 -inf, 4 nearest away from zero); an
/// SNaN is quieted.
pub(crate) fn round_lane(x: u64, single: bool, rn: u64) -> u64 {
    let c = class(x, single);
    if c.nan {
        return quiet(x, single);
    }
    let f = bits_f(x, single);
    let r = if rn == 4 { f.round() } else { round_rn(f, rn) };
    // Keep the sign of a result that rounds to zero.
    let r = if r == 0.0 && c.neg { -0.0 } else { r };
    put(r, single)
}

/// Lane-by-lane `f` over the `n`-bit lanes of `v` (and `w`).
fn lanes2(v: u128, w: u128, single: bool, mut f: impl FnMut(u64, u64) -> u64) -> u128 {
    let bits = if single { 32 } else { 64 };
    let els: Vec<u64> = (0..128 / bits)
        .map(|k| f(el(v, k, bits), el(w, k, bits)))
        .collect();
    from_els(&els, bits)
}

/// Sets CR field `bf` to the 4-bit value `v` (LT GT EQ SO from the top).
fn set_crf(st: &mut Ppc64State, bf: u32, v: u32) {
    for k in 0..4 {
        st.cr[4 * bf as usize + k] = (v >> (3 - k) & 1) as u8;
    }
}

/// Sets CR field `bf` and FPSCR\[FPCC\] to `v`.
fn set_crf_fpcc(st: &mut Ppc64State, bf: u32, v: u32) {
    set_crf(st, bf, v);
    st.fpscr = (st.fpscr & !(0xf << 12)) | (v as u64) << 12;
}

/// CR\[BF\] of a test-for-software-divide/-square-root: 0b1000 with fg
/// and fe ORed over the lanes (`scalar`: doubleword 0 only) of `f`,
/// which gets each lane pair of `va` and `vb`.
fn test_flags(
    st: &mut Ppc64State,
    bf: u32,
    scalar: bool,
    single: bool,
    f: impl Fn((u64, u64)) -> (bool, bool),
    va: u128,
    vb: u128,
) {
    let w = if single { 32 } else { 64 };
    let n = if scalar { 1 } else { 128 / w };
    let (fe, fg) = (0..n).fold((false, false), |(fe, fg), k| {
        let (e, g) = f((el(va, k, w), el(vb, k, w)));
        (fe | e, fg | g)
    });
    set_crf(st, bf, 8 | (fg as u32) << 2 | (fe as u32) << 1);
}

/// Result of a double-precision square root or reciprocal (square root)
/// estimate of `b` under `rn`: qemu computes the estimates exactly (one
/// rounding for the reciprocal, a square root then a division for the
/// reciprocal square root), which the difftest requires.
fn estimate(kind: u32, b: f64, single: bool, rn: u64) -> f64 {
    let r = match kind {
        0 => rn_arith(RnOp::Sqrt, single, 0.0, b, 0.0, rn),
        1 => rn_arith(RnOp::Div, single, 1.0, b, 0.0, rn),
        _ => {
            let s = rn_arith(RnOp::Sqrt, single, 0.0, b, 0.0, rn);
            if s.is_nan() {
                s
            } else {
                rn_arith(RnOp::Div, single, 1.0, s, 0.0, rn)
            }
        }
    };
    if r.is_nan() {
        nan_result(&[b], single)
    } else {
        r
    }
}

/// Executes the instruction `i` of this module on `st`; false if `i` is
/// not one of them (nothing changed then).
pub fn exec(st: &mut Ppc64State, i: Insn) -> bool {
    if i.po() == 63 {
        return quad::exec(st, i);
    }
    if i.po() == 4 {
        return vmxfp::exec(st, i);
    }
    if i.po() != 60 {
        return false;
    }
    let (xt, xa, xb) = (i.xt() as usize, i.xa() as usize, i.xb() as usize);
    if i.bits(10, 1) == 360 && i.ra() == 31 {
        // lxvkq (ISA 3.1): a quad-precision constant selected by UIM.
        let Some(v) = lxvkq(i.rb()) else {
            return false;
        };
        st.vsr[xt] = v;
        return true;
    }
    let (va, vb) = (st.vsr[xa], st.vsr[xb]);
    let rn = st.fpscr & 3;
    let dw0 = |v: u128| (v >> 64) as u64;
    let scalar = |d: u64| (d as u128) << 64;
    let xo8 = i.bits(10, 3);
    // XX3 forms.
    let r3 = match xo8 {
        192 | 200 | 224 | 232 => {
            let single = xo8 < 224;
            let max = xo8 & 8 == 0;
            Some(lanes2(va, vb, single, |a, b| max_min(a, b, single, max)))
        }
        208 | 240 => {
            let m: u128 = if xo8 == 240 {
                1 << 127 | 1 << 63
            } else {
                0x8000_0000_8000_0000_8000_0000_8000_0000
            };
            Some((va & m) | (vb & !m))
        }
        128 | 136 => {
            // xsmaxcdp / xsmincdp: a > b ? a : b (a < b for min), else b
            // (NaNs included).
            let (a, b) = (f64::from_bits(dw0(va)), f64::from_bits(dw0(vb)));
            let first = if xo8 == 128 { b <= a } else { a < b };
            Some(scalar(if first { dw0(va) } else { dw0(vb) }))
        }
        144 | 152 => Some(scalar(max_min_j(dw0(va), dw0(vb), xo8 == 144))),
        248 => Some(lanes2(va, vb, false, |a, b| {
            (a & 0x800f_ffff_ffff_ffff) | (b & 0x7ff) << 52
        })),
        216 => Some(lanes2(va, vb, true, |a, b| {
            (a & 0x807f_ffff) | (b & 0xff) << 23
        })),
        61 | 93 | 125 => {
            let single = xo8 == 93;
            test_flags(
                st,
                i.bf(),
                xo8 == 61,
                single,
                |x| tdiv(x.0, x.1, single),
                va,
                vb,
            );
            return true;
        }
        43 => {
            // xscmpodp: CR[BF] and FPCC = LT GT EQ UN.
            let (a, b) = (f64::from_bits(dw0(va)), f64::from_bits(dw0(vb)));
            let c = if a.is_nan() || b.is_nan() {
                1
            } else if a < b {
                8
            } else if a > b {
                4
            } else {
                2
            };
            set_crf_fpcc(st, i.bf(), c);
            return true;
        }
        _ => None,
    };
    if let Some(r) = r3 {
        st.vsr[xt] = r;
        return true;
    }
    let xo9 = i.bits(10, 2);
    if xo9 == 475 {
        let r = match i.ra() {
            0 => lanes2(vb, 0, false, |x, _| (x >> 52) & 0x7ff),
            8 => lanes2(vb, 0, true, |x, _| (x >> 23) & 0xff),
            1 | 9 => {
                let single = i.ra() == 9;
                lanes2(vb, 0, single, |x, _| {
                    let c = class(x, single);
                    let fbits = if single { 23 } else { 52 };
                    let f = x & ((1 << fbits) - 1);
                    if c.zero || c.denorm || c.nan || c.inf {
                        f
                    } else {
                        f | 1 << fbits
                    }
                })
            }
            // xvcvbf16spn: the low halfword of each word as a single's top.
            16 => lanes2(vb, 0, true, |x, _| (x & 0xffff) << 16),
            // xvcvspbf16: each single rounded to bfloat16 in the low halfword.
            17 => lanes2(vb, 0, true, |x, _| {
                quad::convert(x as u128, quad::SINGLE, quad::BF16, quad::Mode::of_rn(rn)) as u64
            }),
            24 => lanes2(vb, 0, true, |x, _| {
                (f64::from_bits(half_to_double(x as u16)) as f32).to_bits() as u64
            }),
            25 => lanes2(vb, 0, true, |x, _| {
                let d = single_to_double_raw(x as u32);
                // A NaN keeps its payload (quieted) as the ISA says.
                let d = if class(x, true).nan { d | 1 << 51 } else { d };
                double_to_half(d, rn) as u64
            }),
            _ => return false,
        };
        st.vsr[xt] = r;
        return true;
    }
    // xvtstdc{sp,dp}: DCMX = dc || dm || dx.
    if i.bits(5, 3) == 5 && matches!(i.bits(10, 7), 13 | 15) {
        let single = i.bits(10, 7) == 13;
        let dcmx = i.bit(6) as u32 * 64 + i.bit(2) as u32 * 32 + i.ra();
        st.vsr[xt] = lanes2(vb, 0, single, |x, _| {
            if dc_match(class(x, single), dcmx) {
                u64::MAX
            } else {
                0
            }
        });
        return true;
    }
    if i.ra() != 0 && !matches!(xo9, 298 | 362) {
        return false;
    }
    let b0 = dw0(vb);
    let r = match xo9 {
        // xv{sqrt,re,rsqrte}{sp,dp}
        139 | 203 | 154 | 218 | 138 | 202 => {
            let single = xo9 < 200;
            let kind = match xo9 {
                139 | 203 => 0,
                154 | 218 => 1,
                _ => 2,
            };
            lanes2(vb, 0, single, |x, _| {
                put(estimate(kind, bits_f(x, single), single, rn), single)
            })
        }
        // xs{rsqrte,re}dp, xs{sqrt,re,rsqrte}sp: double precision, then
        // rounded to single for the sp forms.
        74 | 90 | 11 | 26 | 10 => {
            let kind = match xo9 {
                11 => 0,
                90 | 26 => 1,
                _ => 2,
            };
            let r = estimate(kind, f64::from_bits(b0), false, rn);
            let r = if matches!(xo9, 11 | 26 | 10) {
                rn_arith(RnOp::Round, true, r, 0.0, 0.0, rn)
            } else {
                r
            };
            scalar(r.to_bits())
        }
        170 | 234 | 106 => {
            let single = xo9 == 170;
            test_flags(
                st,
                i.bf(),
                xo9 == 106,
                single,
                |x| tsqrt(x.1, single),
                0,
                vb,
            );
            return true;
        }
        // Rounding to integral: xvr{sp,dp}i{,z,p,m,c}, xsrdpic.
        137 | 153 | 169 | 185 | 171 | 201 | 217 | 233 | 249 | 235 => {
            let single = xo9 < 200;
            let mode = match xo9 & 0x3f {
                9 => 4,
                25 => 1,
                41 => 2,
                57 => 3,
                _ => rn,
            };
            lanes2(vb, 0, single, |x, _| round_lane(x, single, mode))
        }
        107 => scalar(round_lane(b0, false, rn)),
        // xvcvdpsp: each double to single in words 0 and 2, copied to
        // words 1 and 3.
        393 => {
            let w = |d: u64| {
                let f = f64::from_bits(d);
                let s = if f.is_nan() {
                    (f as f32).to_bits() | 0x40_0000
                } else {
                    (rn_arith(RnOp::Round, true, f, 0.0, 0.0, rn) as f32).to_bits()
                } as u64;
                s << 32 | s
            };
            (w(b0) as u128) << 64 | w(vb as u64) as u128
        }
        // xvcvspdp: words 0 and 2 to double.
        457 => {
            let d = |k| {
                let x = el(vb, k, 32);
                let d = single_to_double_raw(x as u32);
                if class(x, true).nan { d | 1 << 51 } else { d }
            };
            (d(0) as u128) << 64 | d(2) as u128
        }
        // xvcv[su]xwdp: words 0 and 2, exactly.
        248 | 232 => {
            let d = |k| {
                let x = el(vb, k, 32);
                let f = if xo9 == 248 {
                    x as u32 as i32 as f64
                } else {
                    x as u32 as f64
                };
                f.to_bits()
            };
            (d(0) as u128) << 64 | d(2) as u128
        }
        504 | 488 => lanes2(vb, 0, false, |x, _| {
            int_to_float(x, xo9 == 504, false, rn).0.to_bits()
        }),
        // xvcv[su]xdsp: single results in words 0 and 2, copied to 1, 3.
        440 | 424 => lanes2(vb, 0, false, |x, _| {
            let s = (int_to_float(x, xo9 == 440, true, rn).0 as f32).to_bits() as u64;
            s << 32 | s
        }),
        // xvcvdp[su]xws: word results in words 0 and 2, copied to 1, 3.
        216 | 200 => lanes2(vb, 0, false, |x, _| {
            let w = f2i(
                f64::from_bits(x),
                xo9 == 216,
                32,
                if xo9 == 216 { 0x8000_0000 } else { 0 },
            ) & 0xffff_ffff;
            w << 32 | w
        }),
        472 | 456 => lanes2(vb, 0, false, |x, _| {
            f2i(
                f64::from_bits(x),
                xo9 == 472,
                64,
                if xo9 == 472 { 1 << 63 } else { 0 },
            )
        }),
        408 | 392 => {
            let d = |k| {
                let f = get(vb, k, true);
                f2i(f, xo9 == 408, 64, if xo9 == 408 { 1 << 63 } else { 0 })
            };
            (d(0) as u128) << 64 | d(2) as u128
        }
        // xststdc{sp,dp}: CR[BF] = sign, 0, match, (sp) not a single.
        298 | 362 => {
            let c = class(b0, false);
            let mut m = dc_match(c, i.bits(22, 16));
            let mut so = false;
            if xo9 == 298 {
                // Denormal in single precision: below the single range.
                if !c.nan && !c.inf && !c.zero && !c.denorm && c.exp < -126 {
                    m = i.bits(22, 16) >> (if c.neg { 0 } else { 1 }) & 1 != 0;
                }
                so = single_to_double_raw(to_single_ns(b0)) != b0;
            }
            let v = (c.neg as u32) << 3 | (m as u32) << 1 | so as u32;
            set_crf_fpcc(st, i.bf(), v);
            return true;
        }
        _ => return false,
    };
    st.vsr[xt] = r;
    true
}

/// The quadword lxvkq loads for `uim`: +-1.0 .. +-7.0, +-infinity, the
/// default QNaN (and its negation), -0.0; `None` where reserved.
fn lxvkq(uim: u32) -> Option<u128> {
    // Sign, exponent and leading fraction bits (the top halfword pair).
    let top: u32 = match uim & 15 {
        0 if uim == 16 => 0,
        1 => 0x3fff_0000,
        2 => 0x4000_0000,
        3 => 0x4000_8000,
        4 => 0x4001_0000,
        5 => 0x4001_4000,
        6 => 0x4001_8000,
        7 => 0x4001_c000,
        8 => 0x7fff_0000,
        9 => 0x7fff_8000,
        _ => return None,
    };
    let sign = if uim >= 16 { 0x8000_0000 } else { 0 };
    if uim > 25 {
        return None;
    }
    Some(((top | sign) as u128) << 96)
}

/// True if `i` is an instruction [`exec`] executes.
pub fn supported(i: Insn) -> bool {
    exec(&mut Ppc64State::default(), i)
}

/// # Safety
/// `env` must point to a live [`Ppc64State`] that no one else accesses.
unsafe extern "C" fn helper_vsxfp(env: *mut u8, insn: u64, _b: u64, _c: u64) -> u64 {
    // SAFETY: translated code passes its own CPU state block, which is a
    // Ppc64State, exclusively for the duration of the call.
    let st = unsafe { &mut *(env as *mut Ppc64State) };
    exec(st, Insn(insn as u32));
    0
}

/// Executes one instruction of this module (argument: the word).
pub static HELPER_VSXFP: HelperDesc = HelperDesc {
    name: "xlat_ppc64_vsxfp",
    func: helper_vsxfp,
    flags: HelperFlags::STATE,
};

#[cfg(test)]
mod tests;
