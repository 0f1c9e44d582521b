//! POWER10 matrix-multiply assist (MMA, Power ISA 3.1 Book I chapter 7):
//! the eight 512-bit accumulators ACC0..7 overlaid on VSRs 0..31 (ACC\[a\]
//! row i = VSR\[4a + i\]), xxmfacc/xxmtacc (no data movement with the
//! overlay), xxsetaccz, and the rank-k outer-product updates
//! xvi4ger8\[pp\], xvi8ger4\[pp,spp\], xvi16ger2\[s,pp,spp\],
//! xv{f16,bf16}ger2\[pp,pn,np,nn\], xvf32ger\[..\], xvf64ger\[..\] and their
//! prefixed masked pm* forms (XMSK rows, YMSK columns, PMSK products; a
//! masked-off element becomes 0). Float results round by FPSCR\[RN\].

use super::quad::{self, Mode};
use crate::decode::Insn;
use crate::helpers::{RnOp, el, half_to_double, nan_result, rn_arith};
use crate::state::Ppc64State;
use xlat_ir::{HelperDesc, HelperFlags};

/// Masks of a non-prefixed form: every row, column and product.
pub const ALL: u64 = 0xffff;

/// The kind of a GER instruction (xo8 of its XX3 word, po 59).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ger {
    /// Integer: element bits, saturating, accumulating.
    Int { bits: u32, sat: bool, acc: bool },
    /// Float: kind (16 = f16, 17 = bf16, 32, 64), accumulate, negate the
    /// product, negate the accumulator.
    Float {
        kind: u32,
        acc: bool,
        neg_mul: bool,
        neg_acc: bool,
    },
}

/// The GER of `xo8`, if it is one.
fn ger_of(xo8: u32) -> Option<Ger> {
    let int = |bits, sat, acc| Some(Ger::Int { bits, sat, acc });
    match xo8 {
        35 => int(4, false, false),
        34 => int(4, false, true),
        3 => int(8, false, false),
        2 => int(8, false, true),
        99 => int(8, true, true),
        75 => int(16, false, false),
        107 => int(16, false, true),
        43 => int(16, true, false),
        42 => int(16, true, true),
        _ => {
            let kind = match xo8 & 0x3f {
                0x12 | 0x13 => 16,
                0x32 | 0x33 => 17,
                0x1a | 0x1b => 32,
                0x3a | 0x3b => 64,
                _ => return None,
            };
            let acc = xo8 & 1 == 0;
            if !acc && xo8 >> 6 != 0 {
                return None;
            }
            Some(Ger::Float {
                kind,
                acc,
                neg_mul: xo8 & 0x40 != 0,
                neg_acc: xo8 & 0x80 != 0,
            })
        }
    }
}

/// The rank-k integer products of words `a` and `b` (`bits`-bit
/// elements, XA's signed except for 8-bit elements where XB's are
/// unsigned), only those whose bit in `pmsk` (element 0 = the most
/// significant mask bit) is set.
fn int_dot(a: u32, b: u32, bits: u32, pmsk: u32) -> i64 {
    let n = 32 / bits;
    (0..n)
        .filter(|k| pmsk >> (n - 1 - k) & 1 != 0)
        .map(|k| {
            let sh = 32 - bits * (k + 1);
            let m = (1u32 << bits) - 1;
            let sx = |v: u32| (((v >> sh & m) << (32 - bits)) as i32 >> (32 - bits)) as i64;
            let y = if bits == 8 {
                (b >> sh & m) as i64
            } else {
                sx(b)
            };
            sx(a) * y
        })
        .sum()
}

/// A half (`bf16`: bfloat16) as a double, exactly.
fn half(h: u64, bf16: bool) -> f64 {
    if bf16 {
        f32::from_bits((h as u32) << 16) as f64
    } else {
        f64::from_bits(half_to_double(h as u16))
    }
}

/// `-x` unless `x` is a NaN (Power never negates a NaN result).
fn neg(x: f64) -> f64 {
    if x.is_nan() { x } else { -x }
}

/// `a*b + c*d` (exact double products) rounded once to single precision;
/// with a NaN or infinity, by double arithmetic with qemu's NaN choice
/// (c, then a*b's NaN from a, b, then d).
fn dot2_single(a: f64, b: f64, c: f64, d: f64, rn: u64) -> f64 {
    let (p, q) = (a * b, c * d);
    if !(p.is_finite() && q.is_finite()) {
        let p = if p.is_nan() {
            nan_result(&[a, b], false)
        } else {
            p
        };
        let r = p + q;
        return if r.is_nan() {
            nan_result(&[c, p, d], false) as f32 as f64
        } else {
            r
        };
    }
    let bits = quad::sum_to_single(p, q, Mode::of_rn(rn));
    f32::from_bits(bits) as f64
}

/// Executes the MMA instruction `i` (masks: prefix bits 15..0 of a pm*
/// form, or [`ALL`]); false if it is not one.
pub fn exec(st: &mut Ppc64State, i: Insn, masks: u64) -> bool {
    if i.po() == 31 {
        // xxmfacc (RA 0), xxmtacc (1), xxsetaccz (3).
        if i.bits(22, 21) != 0 || i.rb() != 0 || i.rc() != 0 {
            return false;
        }
        let acc = (i.rt() >> 2) as usize;
        match i.ra() {
            0 | 1 => {}
            3 => st.vsr[4 * acc..4 * acc + 4].fill(0),
            _ => return false,
        }
        return true;
    }
    if i.po() != 59 || i.bits(22, 21) != 0 || i.rc() != 0 {
        return false;
    }
    let Some(g) = ger_of(i.bits(10, 3)) else {
        return false;
    };
    let at = (i.rt() >> 2) as usize;
    let (xa, xb) = (i.xa() as usize, i.xb() as usize);
    let rn = st.fpscr & 3;
    let xmsk = (masks >> 4 & 0xf) as u32;
    let ymsk = (masks & 0xf) as u32;
    let pm = (masks >> 8 & 0xff) as u32;
    let on = |r: u32, c: u32, ncols: u32| {
        let y = if ncols == 2 { ymsk >> 2 } else { ymsk };
        xmsk >> (3 - r) & 1 != 0 && y >> (ncols - 1 - c) & 1 != 0
    };
    match g {
        Ger::Int { bits, sat, acc } => {
            let pmsk = pm >> (8 - 32 / bits);
            let (va, vb) = (st.vsr[xa], st.vsr[xb]);
            let mut saturated = false;
            for r in 0..4 {
                let mut row = [0u64; 4];
                for (c, out) in row.iter_mut().enumerate() {
                    let c = c as u32;
                    if !on(r, c, 4) {
                        continue;
                    }
                    let old = el(st.vsr[4 * at + r as usize], c, 32) as u32 as i32 as i64;
                    let mut s = int_dot(el(va, r, 32) as u32, el(vb, c, 32) as u32, bits, pmsk);
                    if acc {
                        s += old;
                    }
                    if sat {
                        let cl = s.clamp(i32::MIN as i64, i32::MAX as i64);
                        saturated |= cl != s;
                        s = cl;
                    }
                    *out = s as u32 as u64;
                }
                st.vsr[4 * at + r as usize] = crate::helpers::from_els(&row, 32);
            }
            if saturated {
                st.vscr |= 1;
            }
        }
        Ger::Float {
            kind: 64,
            acc,
            neg_mul,
            neg_acc,
        } => {
            // XA is an even/odd pair: four rows of doubles; XB two columns.
            if xa & 1 != 0 {
                return false;
            }
            let rows = [
                el(st.vsr[xa], 0, 64),
                el(st.vsr[xa], 1, 64),
                el(st.vsr[xa + 1], 0, 64),
                el(st.vsr[xa + 1], 1, 64),
            ];
            let vb = st.vsr[xb];
            for (r, &x) in rows.iter().enumerate() {
                let mut row = [0u64; 2];
                for (c, out) in row.iter_mut().enumerate() {
                    if !on(r as u32, c as u32, 2) {
                        continue;
                    }
                    let a = f64::from_bits(x);
                    let b = f64::from_bits(el(vb, c as u32, 64));
                    let t = f64::from_bits(el(st.vsr[4 * at + r], c as u32, 64));
                    *out = fma_lane(a, b, t, acc, neg_mul, neg_acc, false, rn).to_bits();
                }
                st.vsr[4 * at + r] = (row[0] as u128) << 64 | row[1] as u128;
            }
        }
        Ger::Float {
            kind,
            acc,
            neg_mul,
            neg_acc,
        } => {
            let (va, vb) = (st.vsr[xa], st.vsr[xb]);
            let pmsk = pm >> 6;
            for r in 0..4u32 {
                let mut row = [0u64; 4];
                for (c, out) in row.iter_mut().enumerate() {
                    let c = c as u32;
                    if !on(r, c, 4) {
                        continue;
                    }
                    let t = f32::from_bits(el(st.vsr[4 * at + r as usize], c, 32) as u32) as f64;
                    let res = if kind == 32 {
                        let a = f32::from_bits(el(va, r, 32) as u32) as f64;
                        let b = f32::from_bits(el(vb, c, 32) as u32) as f64;
                        fma_lane(a, b, t, acc, neg_mul, neg_acc, true, rn)
                    } else {
                        let bf = kind == 17;
                        let h = |v: u128, k: u32, on: bool| {
                            if on { half(el(v, k, 16), bf) } else { 0.0 }
                        };
                        let (p0, p1) = (pmsk & 2 != 0, pmsk & 1 != 0);
                        let prod = dot2_single(
                            h(va, 2 * r, p0),
                            h(vb, 2 * c, p0),
                            h(va, 2 * r + 1, p1),
                            h(vb, 2 * c + 1, p1),
                            rn,
                        );
                        if acc {
                            let p = if neg_mul { neg(prod) } else { prod };
                            let q = if neg_acc { neg(t) } else { t };
                            let s = rn_arith(RnOp::Add, true, p, q, 0.0, rn);
                            if s.is_nan() {
                                nan_result(&[p, q], true)
                            } else {
                                s
                            }
                        } else {
                            prod
                        }
                    };
                    *out = (res as f32).to_bits() as u64;
                }
                st.vsr[4 * at + r as usize] = crate::helpers::from_els(&row, 32);
            }
        }
    }
    true
}

/// One element of xvf32ger*/xvf64ger*: `a*b`, or `±(a*b) ± t` with one
/// rounding; Power's NaN rules (a, t, b). A negated product is computed
/// as qemu-ppc64le does, `-(a*b ∓ t)` (an exact zero is then -0).
#[allow(clippy::too_many_arguments)]
fn fma_lane(
    a: f64,
    b: f64,
    t: f64,
    acc: bool,
    neg_mul: bool,
    neg_acc: bool,
    single: bool,
    rn: u64,
) -> f64 {
    let r = if acc {
        let t2 = if neg_acc != neg_mul { -t } else { t };
        if neg_mul {
            // Rounding the negated value: the mirrored mode, then negate.
            let m = [0, 1, 3, 2][(rn & 3) as usize];
            neg(rn_arith(RnOp::Fma, single, a, b, t2, m))
        } else {
            rn_arith(RnOp::Fma, single, a, b, t2, rn)
        }
    } else {
        rn_arith(RnOp::Mul, single, a, b, 0.0, rn)
    };
    if !r.is_nan() {
        return r;
    }
    if acc {
        nan_result(&[a, t, b], single)
    } else {
        nan_result(&[a, b], single)
    }
}

/// True if `i` (with `masks`) is an instruction [`exec`] executes.
pub fn supported(i: Insn) -> bool {
    exec(&mut Ppc64State::default(), i, ALL)
}

/// # Safety
/// `env` must point to a live [`Ppc64State`] that no one else accesses.
unsafe extern "C" fn helper_mma(env: *mut u8, insn: u64, masks: u64, _c: u64) -> u64 {
    // SAFETY: translated code passes its own CPU state block, which is a
    // Ppc64State, exclusively for the duration of the call.
    let st = unsafe { &mut *(env as *mut Ppc64State) };
    exec(st, Insn(insn as u32), masks);
    0
}

/// Executes one MMA instruction: (word, masks).
pub static HELPER_MMA: HelperDesc = HelperDesc {
    name: "xlat_ppc64_mma",
    func: helper_mma,
    flags: HelperFlags::STATE,
};

#[cfg(test)]
mod tests {
    use super::*;

    /// An XX3 po 59 word: AT, XA, XB (< 32), xo8.
    fn ger(at: u32, xa: u32, xb: u32, xo8: u32) -> Insn {
        Insn(59 << 26 | at << 23 | xa << 16 | xb << 11 | xo8 << 3)
    }

    fn words(w: [u32; 4]) -> u128 {
        crate::helpers::from_els(&w.map(|x| x as u64), 32)
    }

    #[test]
    fn f32_outer_product_and_accumulate() {
        let mut st = Ppc64State::default();
        st.vsr[8] = words([1.0f32, 2.0, 3.0, 4.0].map(f32::to_bits));
        st.vsr[9] = words([1.0f32, 10.0, 100.0, -1.0].map(f32::to_bits));
        // xvf32ger acc0, vs8, vs9: acc0[i][j] = a[i] * b[j].
        assert!(exec(&mut st, ger(0, 8, 9, 27), ALL));
        let e = |st: &Ppc64State, r: usize, c: u32| f32::from_bits(el(st.vsr[r], c, 32) as u32);
        assert_eq!(e(&st, 2, 1), 30.0);
        assert_eq!(e(&st, 3, 3), -4.0);
        // xvf32gernp: -(a*b - acc): all -0 now (qemu's sign of the zero).
        assert!(exec(&mut st, ger(0, 8, 9, 90), ALL));
        assert!((0..4).all(|r| st.vsr[r] == words([0x8000_0000; 4])));
        // Masked: only row 1, column 2 (xmsk 0b0100, ymsk 0b0010).
        assert!(exec(&mut st, ger(0, 8, 9, 27), 0x42));
        assert_eq!(e(&st, 1, 2), 200.0);
        assert_eq!(st.vsr[0] | st.vsr[2] | st.vsr[3], 0);
    }

    #[test]
    fn int8_rank4_signed_by_unsigned_and_saturation() {
        let mut st = Ppc64State::default();
        // Row words of XA: bytes (signed) -1, 2, 3, 4.
        st.vsr[8] = words([0xff02_0304; 4]);
        // XB bytes (unsigned) 255, 1, 1, 1.
        st.vsr[9] = words([0xff01_0101; 4]);
        assert!(exec(&mut st, ger(1, 8, 9, 3), ALL));
        assert_eq!(el(st.vsr[4], 0, 32) as i32, -255 + 2 + 3 + 4);
        // xvi16ger2s saturates: 0x7fff * 0x7fff * 2 > i32::MAX.
        st.vsr[8] = words([0x7fff_7fff; 4]);
        st.vsr[9] = words([0x7fff_7fff; 4]);
        assert!(exec(&mut st, ger(1, 8, 9, 43), ALL));
        assert_eq!(el(st.vsr[4], 0, 32) as i32, 0x7fff * 0x7fff * 2);
        assert!(exec(&mut st, ger(1, 8, 9, 42), ALL));
        assert_eq!(el(st.vsr[4], 0, 32) as i32, i32::MAX);
        assert_eq!(st.vscr & 1, 1);
    }

    #[test]
    fn f64_ger_uses_a_register_pair() {
        let mut st = Ppc64State::default();
        let dws = |a: f64, b: f64| (a.to_bits() as u128) << 64 | b.to_bits() as u128;
        st.vsr[10] = dws(1.0, 2.0);
        st.vsr[11] = dws(3.0, 4.0);
        st.vsr[12] = dws(0.5, 0.25);
        assert!(exec(&mut st, ger(2, 10, 12, 59), ALL));
        assert_eq!(st.vsr[8 + 3], dws(2.0, 1.0));
        assert!(!exec(&mut st, ger(2, 11, 12, 59), ALL));
    }

    #[test]
    fn bf16_pairs_round_once() {
        let mut st = Ppc64State::default();
        // bf16 1.0 = 0x3f80; pairs (1, 1) x (1, 1) = 2.
        st.vsr[8] = words([0x3f80_3f80; 4]);
        st.vsr[9] = words([0x3f80_3f80; 4]);
        assert!(exec(&mut st, ger(0, 8, 9, 51), ALL));
        assert_eq!(f32::from_bits(el(st.vsr[0], 0, 32) as u32), 2.0);
        // Only the second product (PMSK 0b01 in prefix bits 15..14).
        assert!(exec(&mut st, ger(0, 8, 9, 51), 0x40ff));
        assert_eq!(f32::from_bits(el(st.vsr[0], 0, 32) as u32), 1.0);
    }
}
