//! VMX (AltiVec) floating point, Power ISA Book I chapter 6: single
//! precision, always rounded to nearest even (VMX ignores FPSCR), NaNs by
//! the Power rules (first NaN operand quieted, else the default QNaN).
//! Denormal operands and results are flushed to zero of the same sign,
//! whatever VSCR\[NJ\] says (as qemu-ppc64le; POWER processors run in
//! non-Java mode by default). The estimates are exactly rounded (vrefp,
//! vrsqrtefp, as qemu) or computed in double precision (vexptefp,
//! vlogefp).

use super::round_lane;
use crate::decode::Insn;
use crate::helpers::{RnOp, el, from_els, nan_result, rn_arith};
use crate::state::Ppc64State;

/// The word `x` with a denormal flushed to zero of its sign.
fn flush(x: u64) -> u64 {
    if (x >> 23) & 0xff == 0 {
        x & 0x8000_0000
    } else {
        x & 0xffff_ffff
    }
}

fn f(x: u64) -> f64 {
    f32::from_bits(flush(x) as u32) as f64
}

fn bits(x: f64) -> u64 {
    flush((x as f32).to_bits() as u64)
}

/// `r`, or Power's NaN of `ops` if it is a NaN.
fn fix(r: f64, ops: &[f64]) -> u64 {
    bits(if r.is_nan() { nan_result(ops, true) } else { r })
}

/// Lane by lane over the four words of `a`, `b`, `c`.
fn lanes(a: u128, b: u128, c: u128, mut g: impl FnMut(u64, u64, u64) -> u64) -> u128 {
    let els: Vec<u64> = (0..4)
        .map(|k| g(el(a, k, 32), el(b, k, 32), el(c, k, 32)))
        .collect();
    from_els(&els, 32)
}

/// IEEE 754-2019 maximum/minimum (qemu's float32_max/min): a NaN operand
/// gives the NaN result, -0 is below +0.
fn max_min(a: u64, b: u64, max: bool) -> u64 {
    let (a, b) = (flush(a), flush(b));
    let (x, y) = (f(a), f(b));
    if x.is_nan() || y.is_nan() {
        return fix(f64::NAN, &[x, y]);
    }
    if x == y {
        // Equal (zeros of either sign): the sign decides.
        let a_neg = a >> 31 != 0;
        return if a_neg != max { a } else { b };
    }
    if (x > y) == max { a } else { b }
}

/// Float to a saturated 32-bit integer after scaling by 2^`uim`, toward
/// zero; a NaN gives 0. Also whether it saturated.
fn to_int_sat(x: u64, uim: u32, signed: bool) -> (u64, bool) {
    let v = f(x);
    if v.is_nan() {
        return (0, false);
    }
    let t = (v * (1u64 << uim) as f64).trunc();
    let (lo, hi) = if signed {
        (i32::MIN as f64, i32::MAX as f64)
    } else {
        (0.0, u32::MAX as f64)
    };
    let c = t.clamp(lo, hi);
    let r = if signed {
        c as i32 as u32 as u64
    } else {
        c as u32 as u64
    };
    (r, c != t)
}

/// Executes the VMX floating-point instruction `i` on `st`; false if it
/// is not one.
pub fn exec(st: &mut Ppc64State, i: Insn) -> bool {
    let (t, a, b) = (32 + i.rt() as usize, i.ra(), 32 + i.rb() as usize);
    let (va, vb, vc) = (
        st.vsr[32 + a as usize],
        st.vsr[b],
        st.vsr[32 + i.rc5() as usize],
    );
    let rn = 0;
    let arith = |op: RnOp, x: u64, y: u64| {
        let (x, y) = (f(x), f(y));
        fix(rn_arith(op, true, x, y, 0.0, rn), &[x, y])
    };
    // VA-form: vmaddfp, vnmsubfp.
    if matches!(i.xo6(), 46 | 47) {
        let neg = i.xo6() == 47;
        st.vsr[t] = lanes(va, vb, vc, |x, y, z| {
            let (x, y, z) = (f(x), f(y), f(z));
            let r = rn_arith(RnOp::Fma, true, x, z, if neg { -y } else { y }, rn);
            if r.is_nan() {
                bits(nan_result(&[x, y, z], true))
            } else {
                bits(if neg { -r } else { r })
            }
        });
        return true;
    }
    // VC-form compares.
    let xo10 = i.bits(9, 0);
    if matches!(xo10, 198 | 454 | 710 | 966) {
        let mut all_in = true;
        let r = lanes(va, vb, 0, |x, y, _| {
            let (x, y) = (f(x), f(y));
            let c = match xo10 {
                198 => x == y,
                454 => x >= y,
                710 => x > y,
                _ => {
                    if x.is_nan() || y.is_nan() {
                        all_in = false;
                        return 0xc000_0000;
                    }
                    let (le, ge) = (x <= y, x >= -y);
                    all_in &= le && ge;
                    return ((!le) as u64) << 31 | ((!ge) as u64) << 30;
                }
            };
            if c { 0xffff_ffff } else { 0 }
        });
        st.vsr[t] = r;
        if i.vrc() != 0 {
            let v = if xo10 == 966 {
                (all_in as u8) << 1
            } else {
                ((r == u128::MAX) as u8) << 3 | ((r == 0) as u8) << 1
            };
            for k in 0..4 {
                st.cr[24 + k] = v >> (3 - k) & 1;
            }
        }
        return true;
    }
    let unary = |st: &mut Ppc64State, g: &dyn Fn(u64) -> u64| {
        st.vsr[t] = lanes(vb, 0, 0, |x, _, _| g(x));
    };
    match i.xo11() {
        10 => st.vsr[t] = lanes(va, vb, 0, |x, y, _| arith(RnOp::Add, x, y)),
        74 => st.vsr[t] = lanes(va, vb, 0, |x, y, _| arith(RnOp::Sub, x, y)),
        1034 | 1098 => {
            let max = i.xo11() == 1034;
            st.vsr[t] = lanes(va, vb, 0, |x, y, _| max_min(x, y, max));
        }
        266 | 330 | 394 | 458 | 522 | 586 | 650 | 714 if a == 0 => match i.xo11() {
            266 => unary(st, &|x| arith(RnOp::Div, (1.0f32).to_bits() as u64, x)),
            330 => unary(st, &|x| {
                let s = rn_arith(RnOp::Sqrt, true, 0.0, f(x), 0.0, rn);
                fix(rn_arith(RnOp::Div, true, 1.0, s, 0.0, rn), &[f(x)])
            }),
            394 => unary(st, &|x| fix(f(x).exp2(), &[f(x)])),
            458 => unary(st, &|x| fix(f(x).log2(), &[f(x)])),
            xo => {
                let mode = [0, 1, 2, 3][((xo - 522) / 64) as usize];
                unary(st, &|x| round_lane(flush(x), true, mode));
            }
        },
        778 | 842 => {
            let signed = i.xo11() == 842;
            let scale = 1.0 / (1u64 << a) as f64;
            unary(st, &|x| {
                let v = if signed {
                    x as u32 as i32 as f64
                } else {
                    x as u32 as f64
                };
                // Rounded to single, then scaled (exact but for denormals).
                let s = (v as f32) as f64;
                bits(s * scale)
            });
        }
        906 | 970 => {
            let signed = i.xo11() == 970;
            let mut sat = false;
            let r = lanes(vb, 0, 0, |x, _, _| {
                let (v, s) = to_int_sat(x, a, signed);
                sat |= s;
                v
            });
            st.vsr[t] = r;
            if sat {
                st.vscr |= 1;
            }
        }
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the po 4 word `w` with VR1, VR2 = `a`, `b` (VSR 33, 34).
    fn run(w: u32, a: [u32; 4], b: [u32; 4]) -> Ppc64State {
        let mut st = Ppc64State::default();
        st.vsr[33] = from_els(&a.map(|x| x as u64), 32);
        st.vsr[34] = from_els(&b.map(|x| x as u64), 32);
        assert!(exec(&mut st, Insn(w)), "{w:#010x}");
        st
    }

    fn word(st: &Ppc64State, k: u32) -> u32 {
        el(st.vsr[32], k, 32) as u32
    }

    #[test]
    fn add_flushes_denormals() {
        // vaddfp v0,v1,v2: a denormal operand counts as 0, a denormal sum
        // becomes 0 of its sign.
        let w = 4 << 26 | 1 << 16 | 2 << 11 | 10;
        let one = 1.0f32.to_bits();
        let (p, m) = (1.5e-38f32.to_bits(), (-1.4e-38f32).to_bits());
        let st = run(w, [1, 0x8000_0001, one, p], [one, 0x8000_0000, one, m]);
        // denormal + 1 = 1; -denormal + -0 = -0; 1.5e-38 - 1.4e-38 is a
        // denormal: +0.
        assert_eq!(word(&st, 0), one);
        assert_eq!(word(&st, 1), 0x8000_0000);
        assert_eq!(word(&st, 2), 2.0f32.to_bits());
        assert_eq!(word(&st, 3), 0);
    }

    #[test]
    fn bounds_compare_and_saturating_conversion() {
        // vcmpbfp. v0,v1,v2 (Rc = bit 10): |a| <= b per lane.
        let w = 4 << 26 | 1 << 16 | 2 << 11 | 1 << 10 | 966;
        let f = |x: f32| x.to_bits();
        let st = run(w, [f(0.5), f(-2.0), f(3.0), f(1.0)], [f(1.0); 4]);
        assert_eq!(
            [word(&st, 0), word(&st, 1), word(&st, 2), word(&st, 3)],
            [0, 0x4000_0000, 0x8000_0000, 0]
        );
        assert_eq!(st.cr[24..28], [0, 0, 0, 0]);
        // vctsxs v0,v2,1: x * 2 toward zero, saturating (VSCR[SAT]).
        let w = 4 << 26 | 1 << 16 | 2 << 11 | 970;
        let st = run(w, [0; 4], [f(1.75), f(-1e10), f(f32::NAN), f(-0.3)]);
        assert_eq!(
            [word(&st, 0), word(&st, 1), word(&st, 2), word(&st, 3)],
            [3, 0x8000_0000, 0, 0]
        );
        assert_eq!(st.vscr & 1, 1);
    }
}
