//! Helper functions called by translated code for vector and
//! floating-point operations that have no direct IR form. They work on
//! the CPU state block; they are the slow path: correctness first.

use crate::decode::Insn;
use crate::state::Ppc64State;
use xlat_ir::abi::{FAULT_WRITE, Fault, FaultKind, MemRef};
use xlat_ir::{HelperDesc, HelperFlags};

/// Byte element `i` (ISA numbering: 0 = most significant) of `v`.
fn byte(v: u128, i: usize) -> u8 {
    (v >> (8 * (15 - i))) as u8
}

/// Element `i` of width `w` bits (ISA numbering).
pub(crate) fn el(v: u128, i: u32, w: u32) -> u64 {
    let n = 128 / w;
    let m = if w == 64 { u64::MAX } else { (1u64 << w) - 1 };
    ((v >> (w * (n - 1 - i))) as u64) & m
}

/// Builds a vector from elements of width `w` (ISA order).
pub(crate) fn from_els(els: &[u64], w: u32) -> u128 {
    let m = if w == 64 { u64::MAX } else { (1u64 << w) - 1 };
    els.iter().fold(0u128, |acc, &e| {
        if w == 128 {
            e as u128
        } else {
            (acc << w) | (e & m) as u128
        }
    })
}

fn from_bytes(b: &[u8; 16]) -> u128 {
    u128::from_be_bytes(*b)
}

/// `f` applied to the elements of width `w` (8, 16, 32 or 64) of `a` and
/// `b`, pair by pair. On byte arrays, with the width a constant of each
/// instance, not u128 shifts per element: this runs per executed
/// instruction (glibc's strspn/strcspn shift vectors on every call).
fn map2(a: u128, b: u128, w: u32, f: impl FnMut(u64, u64) -> u64) -> u128 {
    fn lanes<const N: usize>(a: u128, b: u128, mut f: impl FnMut(u64, u64) -> u64) -> u128 {
        let (ab, bb) = (a.to_be_bytes(), b.to_be_bytes());
        let be = |s: &[u8]| s.iter().fold(0u64, |v, &x| v << 8 | x as u64);
        let mut out = [0u8; 16];
        for k in (0..16).step_by(N) {
            let r = f(be(&ab[k..k + N]), be(&bb[k..k + N]));
            out[k..k + N].copy_from_slice(&r.to_be_bytes()[8 - N..]);
        }
        u128::from_be_bytes(out)
    }
    match w {
        8 => lanes::<1>(a, b, f),
        16 => lanes::<2>(a, b, f),
        32 => lanes::<4>(a, b, f),
        _ => lanes::<8>(a, b, f),
    }
}

/// `f` applied to each element of width `w` of `a`.
fn map1(a: u128, w: u32, f: impl Fn(u64) -> u64) -> u128 {
    map2(a, 0, w, |x, _| f(x))
}

fn sext(x: u64, w: u32) -> i64 {
    ((x << (64 - w)) as i64) >> (64 - w)
}

/// 32 bytes `a || b` permuted by the low 5 bits of each byte of `c`
/// (`reverse`: index 31 - k, as vpermr).
fn perm(a: u128, b: u128, c: u128, reverse: bool) -> u128 {
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        let mut k = (byte(c, i) & 31) as usize;
        if reverse {
            k = 31 - k;
        }
        *o = if k < 16 { byte(a, k) } else { byte(b, k - 16) };
    }
    from_bytes(&out)
}

/// Bytes `sh..sh + 16` of `a || b`.
fn sld(a: u128, b: u128, sh: u32) -> u128 {
    if sh == 0 {
        a
    } else {
        (a << (8 * sh)) | (b >> (8 * (16 - sh)))
    }
}

/// The vector compare `xo` (VC-form, 10-bit) of `a` and `b`, or `None`.
fn vcmp(xo: u32, a: u128, b: u128) -> Option<(u128, u32)> {
    let t = |c: bool| if c { u64::MAX } else { 0 };
    let (w, f): (u32, &dyn Fn(u64, u64, u32) -> bool) = match xo {
        6 => (8, &|x, y, _| x == y),
        70 => (16, &|x, y, _| x == y),
        134 => (32, &|x, y, _| x == y),
        199 => (64, &|x, y, _| x == y),
        518 => (8, &|x, y, _| x > y),
        582 => (16, &|x, y, _| x > y),
        646 => (32, &|x, y, _| x > y),
        774 => (8, &|x, y, w| sext(x, w) > sext(y, w)),
        902 => (32, &|x, y, w| sext(x, w) > sext(y, w)),
        7 => (8, &|x, y, _| x != y),
        71 => (16, &|x, y, _| x != y),
        135 => (32, &|x, y, _| x != y),
        263 => (8, &|x, y, _| x != y || x == 0 || y == 0),
        327 => (16, &|x, y, _| x != y || x == 0 || y == 0),
        391 => (32, &|x, y, _| x != y || x == 0 || y == 0),
        838 => (16, &|x, y, w| sext(x, w) > sext(y, w)),
        967 => (64, &|x, y, w| sext(x, w) > sext(y, w)),
        711 => (64, &|x, y, _| x > y),
        _ => return None,
    };
    Some((map2(a, b, w, |x, y| t(f(x, y, w))), w))
}

/// True if `i` is an instruction [`HELPER_VEC`] executes.
pub fn vec_supported(i: Insn) -> bool {
    exec_vec(None, i)
}

fn rd(st: &Option<&mut Ppc64State>, n: usize) -> u128 {
    st.as_ref().map_or(0, |s| s.vsr[n])
}

/// Executes (or, with `st` = `None`, only checks) a helper-run vector
/// instruction. Returns false for an unsupported encoding.
fn exec_vec(mut st: Option<&mut Ppc64State>, i: Insn) -> bool {
    let (t, a, b) = (i.rt() as usize, i.ra() as usize, i.rb() as usize);
    if i.po() == 4 {
        let (va, vb, vc) = (
            rd(&st, 32 + a),
            rd(&st, 32 + b),
            rd(&st, 32 + i.rc5() as usize),
        );
        // VA-form
        let r: Option<u128> = match i.xo6() {
            43 => Some(perm(va, vb, vc, false)),
            59 => Some(perm(va, vb, vc, true)),
            42 => Some((va & !vc) | (vb & vc)),
            44 if !i.bit(10) => Some(sld(va, vb, i.shb())),
            36..=41 => vmsum(i.xo6(), va, vb, vc, &mut st),
            // vmladduhm: a * b + c modulo 2^16 per halfword.
            34 => Some(from_els(
                &(0..8)
                    .map(|k| (el(va, k, 16) * el(vb, k, 16) + el(vc, k, 16)) & 0xffff)
                    .collect::<Vec<_>>(),
                16,
            )),
            _ => None,
        };
        if let Some(r) = r {
            if let Some(s) = st.as_mut() {
                s.vsr[32 + t] = r;
            }
            return true;
        }
        // VC-form compares
        if let Some((r, _)) = vcmp(i.bits(9, 0), va, vb) {
            if let Some(s) = st.as_mut() {
                s.vsr[32 + t] = r;
                if i.vrc() != 0 {
                    s.cr[24] = (r == u128::MAX) as u8;
                    s.cr[25] = 0;
                    s.cr[26] = (r == 0) as u8;
                    s.cr[27] = 0;
                }
            }
            return true;
        }
        let uim = a as u32;
        let r: u128 = match i.xo11() {
            524 => map1(0, 8, |_| el(vb, uim & 15, 8)),
            588 => map1(0, 16, |_| el(vb, uim & 7, 16)),
            652 => map1(0, 32, |_| el(vb, uim & 3, 32)),
            1036 => {
                let sh = (byte(vb, 15) >> 3) & 15;
                if sh == 0 { va } else { va << (8 * sh) }
            }
            1100 => {
                let sh = (byte(vb, 15) >> 3) & 15;
                if sh == 0 { va } else { va >> (8 * sh) }
            }
            452 => va << (byte(vb, 15) & 7),
            708 => va >> (byte(vb, 15) & 7),
            260 | 324 | 388 | 516 | 580 | 644 | 772 | 836 | 900 | 1476 | 1732 | 964 | 4 | 68
            | 132 | 196 => {
                let xo = i.xo11();
                let w = 8 << ((xo >> 6) & 3);
                // 0 = rotate, 1 = sl, 2 = sr, 3 = sra (the doubleword
                // shifts came later, with other opcodes).
                let kind = match xo {
                    1476 => 1,
                    1732 => 2,
                    964 => 3,
                    _ => xo >> 8,
                };
                map2(va, vb, w, |x, y| {
                    let n = (y & (w as u64 - 1)) as u32;
                    let m = if w == 64 { u64::MAX } else { (1u64 << w) - 1 };
                    match kind {
                        0 if n == 0 => x,
                        0 => ((x << n) | (x >> (w - n))) & m,
                        1 => (x << n) & m,
                        2 => x >> n,
                        _ => (sext(x, w) >> n) as u64 & m,
                    }
                })
            }
            12 | 268 | 76 | 332 | 140 | 396 => {
                let xo = i.xo11();
                let w = 8 << ((xo >> 6) & 3);
                let n = 128 / w;
                let base = if xo >= 268 { n / 2 } else { 0 };
                let els: Vec<u64> = (0..n / 2)
                    .flat_map(|k| [el(va, base + k, w), el(vb, base + k, w)])
                    .collect();
                from_els(&els, w)
            }
            1356 => {
                // Bit `idx` (ISA numbering) of VRA for each byte of VRB;
                // on the two doublewords, not u128 shifts (glibc's
                // strspn/strcspn run this per 16 bytes of input).
                let halves = [(va >> 64) as u64, va as u64];
                let r = vb.to_be_bytes().iter().fold(0u64, |r, &idx| {
                    let bit = if idx < 128 {
                        halves[idx as usize / 64] >> (63 - idx % 64) & 1
                    } else {
                        0
                    };
                    r << 1 | bit
                });
                (r as u128) << 64
            }
            1795 => map1(vb, 8, |x| x.count_ones() as u64),
            1859 => map1(vb, 16, |x| x.count_ones() as u64),
            1923 => map1(vb, 32, |x| x.count_ones() as u64),
            1987 => map1(vb, 64, |x| x.count_ones() as u64),
            1794 => map1(vb, 8, |x| (x as u8).leading_zeros() as u64),
            1986 => map1(vb, 64, |x| x.leading_zeros() as u64),
            // Saturating add/subtract: vadd[us][bhw]s, vsub[us][bhw]s.
            512 | 576 | 640 | 768 | 832 | 896 | 1536 | 1600 | 1664 | 1792 | 1856 | 1920 => {
                let xo = i.xo11();
                let w = 8 << ((xo >> 6) & 3);
                let signed = xo & 256 != 0;
                let sub = xo & 1024 != 0;
                let (lo, hi) = if signed {
                    (-(1i64 << (w - 1)), (1i64 << (w - 1)) - 1)
                } else {
                    (0, (1i64 << w) - 1)
                };
                let val = |x: u64| if signed { sext(x, w) } else { x as i64 };
                let mut sat = false;
                let r = map2(va, vb, w, |x, y| {
                    let v = if sub {
                        val(x) - val(y)
                    } else {
                        val(x) + val(y)
                    };
                    let c = v.clamp(lo, hi);
                    sat |= c != v;
                    (c as u64) & ((1u64 << w) - 1)
                });
                if sat && let Some(s) = st.as_mut() {
                    s.vscr |= 1;
                }
                r
            }
            1928 => {
                let mut sum = sext(el(vb, 3, 32), 32);
                for k in 0..4 {
                    sum += sext(el(va, k, 32), 32);
                }
                let c = sum.clamp(i32::MIN as i64, i32::MAX as i64);
                if c != sum
                    && let Some(s) = st.as_mut()
                {
                    s.vscr |= 1;
                }
                (c as u32) as u128
            }
            256 => va.wrapping_add(vb),
            // vmax/vmin signed (b h w d) and unsigned doubleword.
            258 | 322 | 386 | 450 | 770 | 834 | 898 | 962 | 194 | 706 => {
                let xo = i.xo11();
                let w = 8 << ((xo >> 6) & 3);
                let max = xo < 512;
                let signed = !matches!(xo, 194 | 706);
                map2(va, vb, w, |x, y| {
                    let gt = if signed {
                        sext(x, w) > sext(y, w)
                    } else {
                        x > y
                    };
                    if gt == max { x } else { y }
                })
            }
            // vavg[us][bhw]: (a + b + 1) >> 1 without overflow.
            1026 | 1090 | 1154 | 1282 | 1346 | 1410 => {
                let xo = i.xo11();
                let w = 8 << ((xo >> 6) & 3);
                let signed = xo >= 1282;
                let m = (1u64 << w) - 1;
                map2(va, vb, w, |x, y| {
                    if signed {
                        ((sext(x, w) + sext(y, w) + 1) >> 1) as u64 & m
                    } else {
                        (x + y + 1) >> 1
                    }
                })
            }
            // vmul[eo][us][bhw]: products of the even (odd) elements at
            // double width.
            520 | 584 | 648 | 776 | 840 | 904 | 8 | 72 | 136 | 264 | 328 | 392 => {
                let xo = i.xo11();
                let w = 8 << ((xo >> 6) & 3);
                let signed = xo & 256 != 0;
                let odd = xo & 512 == 0;
                let n = 128 / w;
                let els: Vec<u64> = (0..n / 2)
                    .map(|k| {
                        let j = 2 * k + odd as u32;
                        let (x, y) = (el(va, j, w), el(vb, j, w));
                        if signed {
                            (sext(x, w) * sext(y, w)) as u64
                        } else {
                            x * y
                        }
                    })
                    .collect();
                from_els(&els, 2 * w)
            }
            // vmuluwm (2.07), vmulld (3.1): modulo products.
            137 => map2(va, vb, 32, |x, y| (x * y) & 0xffff_ffff),
            // vmulh[us][wd] (3.1): the high half of each product.
            649 => map2(va, vb, 32, |x, y| (x * y) >> 32),
            905 => map2(va, vb, 32, |x, y| {
                ((sext(x, 32) * sext(y, 32)) >> 32) as u64 & 0xffff_ffff
            }),
            713 => map2(va, vb, 64, |x, y| ((x as u128 * y as u128) >> 64) as u64),
            969 => map2(va, vb, 64, |x, y| {
                ((x as i64 as i128 * y as i64 as i128) >> 64) as u64
            }),
            // vdivuq, vmoduq (3.1): quadword unsigned divide / modulo; a
            // zero divisor gives 0 (undefined in the ISA).
            11 => va.checked_div(vb).unwrap_or(0),
            1547 => va.checked_rem(vb).unwrap_or(0),
            457 => map2(va, vb, 64, |x, y| x.wrapping_mul(y)),
            // vextractu[bhw], vextractd: element at byte UIM into
            // doubleword 0 (UIM past the end wraps around, as qemu).
            525 | 589 | 653 | 717 => {
                let w = 8 << ((i.xo11() >> 6) & 3);
                let uim = i.bits(19, 16);
                (vb.rotate_left(8 * uim) >> (128 - w)) << 64
            }
            // vupk[hl]s[bhw]: the high or low half's elements sign-extended.
            526 | 590 | 1614 | 654 | 718 | 1742 => {
                let xo = i.xo11();
                let w = match xo {
                    526 | 654 => 8,
                    590 | 718 => 16,
                    _ => 32,
                };
                let base = if matches!(xo, 526 | 590 | 1614) {
                    0
                } else {
                    64 / w
                };
                let els: Vec<u64> = (0..64 / w)
                    .map(|k| sext(el(vb, base + k, w), w) as u64)
                    .collect();
                from_els(&els, 2 * w)
            }
            1288 | 1289 | 1352 | 1353 | 1032 | 1096 | 1160 | 1224 | 1666 | 1730 => {
                crate::crypto::exec(i.xo11(), va, vb, b as u32).unwrap_or(0)
            }
            1480 if b == 0 => crate::crypto::vsbox(va),
            // vgbbd: transpose each doubleword as an 8x8 bit matrix.
            1292 => {
                if a != 0 {
                    return false;
                }
                (gbbd((vb >> 64) as u64) as u128) << 64 | gbbd(vb as u64) as u128
            }
            // vpkuhum, vpkuwum: the low halves of VRA's then VRB's
            // elements.
            14 | 78 => {
                let w = if i.xo11() == 14 { 16 } else { 32 };
                let n = 128 / w;
                let els: Vec<u64> = (0..n)
                    .map(|k| el(va, k, w))
                    .chain((0..n).map(|k| el(vb, k, w)))
                    .collect();
                from_els(&els, w / 2)
            }
            // vpkudum: the low words of VRA's then VRB's doublewords.
            1102 => {
                let lo = |x: u128| (x as u32) as u128;
                lo(va >> 64) << 96 | lo(va) << 64 | lo(vb >> 64) << 32 | lo(vb)
            }
            1540 => {
                if a != 0 || b != 0 {
                    return false;
                }
                st.as_ref().map_or(0, |s| s.vscr as u128)
            }
            1604 => {
                if let Some(s) = st.as_mut() {
                    s.vscr = vb as u32 & 0x0001_0001;
                }
                return a == 0 && t == 0;
            }
            1805 | 1549 => {
                if let Some(s) = st.as_mut() {
                    let idx = (s.gpr[a] & 15) as usize;
                    let k = if i.xo11() == 1805 { 15 - idx } else { idx };
                    s.gpr[t] = byte(vb, k) as u64;
                }
                return true;
            }
            // vextract[bhwdq]m: the most significant bit of each element.
            1602 if (8..=12).contains(&a) => {
                if let Some(s) = st.as_mut() {
                    let w = 8u32 << (a - 8);
                    let n = 128 / w;
                    s.gpr[t] = (0..n).fold(0u64, |acc, k| {
                        let top = if w == 128 {
                            (vb >> 127) as u64
                        } else {
                            el(vb, k, w) >> (w - 1)
                        };
                        (acc << 1) | top
                    });
                }
                return true;
            }
            // vneg[wd], vprtyb[wdq], vexts*, vctz[bhwd].
            1538 if a >= 6 => match a {
                6 => map1(vb, 32, |x| (x as u32).wrapping_neg() as u64),
                7 => map1(vb, 64, |x| x.wrapping_neg()),
                8 | 9 => {
                    let w = if a == 8 { 32 } else { 64 };
                    map1(vb, w, |x| (0..w / 8).fold(0, |p, k| p ^ (x >> (8 * k)) & 1))
                }
                10 => (0..16).fold(0u128, |p, k| p ^ (vb >> (8 * k)) & 1),
                16 | 17 | 24 | 25 | 26 => {
                    let (from, to) = match a {
                        16 => (8, 32),
                        17 => (16, 32),
                        24 => (8, 64),
                        25 => (16, 64),
                        _ => (32, 64),
                    };
                    let m = if to == 64 { u64::MAX } else { (1 << to) - 1 };
                    map1(vb, to, |x| sext(x & ((1 << from) - 1), from) as u64 & m)
                }
                28..=31 => {
                    let w = 8u32 << (a - 28);
                    map1(vb, w, |x| {
                        if w == 64 {
                            x.trailing_zeros() as u64
                        } else {
                            (x | 1 << w).trailing_zeros() as u64
                        }
                    })
                }
                _ => return false,
            },
            // vextu[hw][lr]x: element of RA's byte index, from the left or
            // from the right.
            1613 | 1677 | 1869 | 1933 => {
                if let Some(s) = st.as_mut() {
                    let xo = i.xo11();
                    let w = if xo == 1613 || xo == 1869 { 16 } else { 32 };
                    let idx = (s.gpr[a] & 15) as i32;
                    // Right-indexed: shift right by the index; left: so
                    // that byte `idx` ends at the top of the element. An
                    // element reaching past either end is undefined in the
                    // ISA; this gives what qemu-ppc64le does (an
                    // arithmetic shift of the quadword, the count taken
                    // modulo 128).
                    let sh = if xo < 1800 {
                        128 - 8 * idx - w
                    } else {
                        8 * idx
                    };
                    let v = (vb as i128) >> (sh & 127);
                    s.gpr[t] = (v as u128 & ((1u128 << w) - 1)) as u64;
                }
                return true;
            }
            // vrlwnm, vrlwmi, vrldnm, vrldmi: rotate each element by the
            // shift in VRB's element and AND with (or insert under) the
            // mask MASK(mb, me) from its other fields.
            389 | 133 | 453 | 197 => {
                let xo = i.xo11();
                let w = if xo == 389 || xo == 133 { 32 } else { 64 };
                let vt = rd(&st, 32 + t);
                let n = 128 / w;
                let els: Vec<u64> = (0..n)
                    .map(|k| {
                        let (x, y, old) = (el(va, k, w), el(vb, k, w), el(vt, k, w));
                        let f = |lsb: u32| ((y >> lsb) & (w as u64 - 1)) as u32;
                        let (mb, me, sh) = (f(16), f(8), f(0));
                        let (r, m) = if w == 32 {
                            let r = (x as u32).rotate_left(sh) as u64;
                            (r, super::translate::mask64(mb + 32, me + 32) & 0xffff_ffff)
                        } else {
                            (x.rotate_left(sh), super::translate::mask64(mb, me))
                        };
                        if xo == 389 || xo == 453 {
                            r & m
                        } else {
                            (r & m) | (old & !m)
                        }
                    })
                    .collect();
                from_els(&els, w)
            }
            1538 => {
                if let Some(s) = st.as_mut() {
                    let lsb = |k: usize| byte(vb, k) & 1 != 0;
                    let n = if a == 1 {
                        (0..16).rev().take_while(|&k| !lsb(k)).count()
                    } else {
                        (0..16).take_while(|&k| !lsb(k)).count()
                    };
                    s.gpr[t] = n as u64;
                }
                return a <= 1;
            }
            _ => return false,
        };
        if let Some(s) = st.as_mut() {
            s.vsr[32 + t] = r;
        }
        return true;
    }
    if i.po() == 60 {
        let (xt, xa, xb) = (i.xt() as usize, i.xa() as usize, i.xb() as usize);
        let (va, vb, vt) = (rd(&st, xa), rd(&st, xb), rd(&st, xt));
        if let Some(done) = exec_vsx_misc(&mut st, i, va, vb, vt) {
            return done;
        }
        let xo8 = i.bits(10, 3);
        let r: u128 = match xo8 {
            18 => from_els(
                &[el(va, 0, 32), el(vb, 0, 32), el(va, 1, 32), el(vb, 1, 32)],
                32,
            ),
            50 => from_els(
                &[el(va, 2, 32), el(vb, 2, 32), el(va, 3, 32), el(vb, 3, 32)],
                32,
            ),
            2 | 34 | 66 | 98 => sld(va, vb, 4 * i.dm()),
            26 => perm(va, vt, vb, false),
            58 => perm(va, vt, vb, true),
            _ => {
                let xo9 = i.bits(10, 2);
                match (xo9, a) {
                    (164, _) => map1(0, 32, |_| el(vb, i.uim2(), 32)),
                    (475, 7) => map1(vb, 16, |x| (x as u16).swap_bytes() as u64),
                    (475, 15) => map1(vb, 32, |x| (x as u32).swap_bytes() as u64),
                    _ => {
                        let rn = st.as_ref().map_or(0, |s| s.fpscr & 3);
                        let Some(d) = scalar_conv(xo9, (vb >> 64) as u64, rn) else {
                            return false;
                        };
                        // Doubleword 1 of a scalar result is 0.
                        (d as u128) << 64
                    }
                }
            }
        };
        if let Some(s) = st.as_mut() {
            s.vsr[xt] = r;
        }
        return true;
    }
    false
}

/// Records a guest memory fault of a helper (the block then leaves with
/// `ExitCode::Fault`).
fn record_fault(st: &mut Ppc64State, f: Fault) {
    st.hdr.fault_kind = f.kind as u32 | if f.write { FAULT_WRITE } else { 0 };
    st.hdr.exc_info = f.addr;
    st.hdr.helper_fault = 1;
}

/// lxvl/lxvll/stxvl/stxvll (`insn`) of `rb >> 56` (at most 16) bytes at
/// `ea` on `st` through `mem`.
pub fn vec_len_access(st: &mut Ppc64State, mem: &MemRef, insn: u32, ea: u64, rb: u64) {
    let i = Insn(insn);
    let nb = ((rb >> 56) as usize).min(16);
    let x = i.xt() as usize;
    let r = match i.xo10() {
        269 | 301 => (|| {
            // The `nb` bytes as a little-endian value (memory byte 0 least
            // significant).
            let v = if nb > 0 && ea % crate::PAGE_SIZE <= crate::PAGE_SIZE - 16 {
                // One access when the 16 bytes lie in the page of the
                // first byte: the bytes past `nb` are as readable as it
                // (protection is per page) and are masked off, in
                // registers (a byte copy through memory stalled on store
                // forwarding). glibc's string routines run lxvl once per
                // call.
                let keep = u128::MAX.checked_shr(8 * (16 - nb) as u32).unwrap_or(0);
                mem.load(ea, 16)? & keep
            } else {
                // The fewest accesses that touch exactly the bytes named.
                let mut b = [0u8; 16];
                let mut k = 0;
                while k < nb {
                    let n = chunk(ea.wrapping_add(k as u64), nb - k);
                    let v = mem.load(ea.wrapping_add(k as u64), n as u8)?;
                    b[k..k + n].copy_from_slice(&v.to_le_bytes()[..n]);
                    k += n;
                }
                u128::from_le_bytes(b)
            };
            // lxvl in little-endian mode fills from the least significant
            // byte (byte 15) up; lxvll from byte 0 down.
            st.vsr[x] = if i.xo10() == 269 { v } else { v.swap_bytes() };
            Ok(())
        })(),
        _ => {
            // The bytes to store as a little-endian value (memory byte 0
            // least significant), each chunk shifted out in registers.
            let v = if i.xo10() == 397 {
                st.vsr[x]
            } else {
                st.vsr[x].swap_bytes()
            };
            let mut k = 0;
            (|| {
                while k < nb {
                    let n = chunk(ea.wrapping_add(k as u64), nb - k);
                    let w = (v >> (8 * k)) & (u128::MAX >> (8 * (16 - n)));
                    mem.store(ea.wrapping_add(k as u64), n as u8, w)?;
                    k += n;
                }
                Ok(())
            })()
        }
    };
    if let Err(f) = r {
        record_fault(st, f);
    }
}

/// The largest access size (16, 8, 4, 2, 1) at `addr` not above `left`
/// bytes and not crossing a page, so that a fault names the first byte
/// that cannot be accessed.
fn chunk(addr: u64, left: usize) -> usize {
    let to_page = (crate::PAGE_SIZE - addr % crate::PAGE_SIZE) as usize;
    let left = left.min(to_page);
    [16, 8, 4, 2, 1]
        .into_iter()
        .find(|&n| n <= left)
        .unwrap_or(1)
}

/// # Safety
/// `env` must point to a live [`Ppc64State`] whose header's `mem` is 0 or
/// a live `*const MemRef`.
unsafe extern "C" fn helper_vlen(env: *mut u8, ea: u64, rb: u64, insn: u64) -> u64 {
    // SAFETY: translated code passes its own CPU state block exclusively
    // for the duration of the call.
    let st = unsafe { &mut *(env as *mut Ppc64State) };
    let m = st.hdr.mem as *const MemRef;
    if m.is_null() {
        let f = Fault {
            addr: ea,
            kind: FaultKind::Unmapped,
            write: false,
        };
        record_fault(st, f);
        return 0;
    }
    // SAFETY: `mem` points to the world's live memory (caller contract);
    // it is not part of the state block borrowed above.
    let mem = unsafe { &*m };
    vec_len_access(st, mem, insn as u32, ea, rb);
    0
}

/// lxvl/lxvll/stxvl/stxvll: (EA, RB, word); may fault.
pub static HELPER_VLEN: HelperDesc = HelperDesc {
    name: "xlat_ppc64_vlen",
    func: helper_vlen,
    flags: HelperFlags::STATE_MEM,
};

/// ISA 3.0 VSX instructions with GPR/CR results or partial writes:
/// xsxexpdp, xsxsigdp, xscvhpdp, xscvdphp, xscmpexpdp, xsiexpdp,
/// xxextractuw, xxinsertw. `None` for other encodings.
fn exec_vsx_misc(
    st: &mut Option<&mut Ppc64State>,
    i: Insn,
    va: u128,
    vb: u128,
    vt: u128,
) -> Option<bool> {
    let (xt, a) = (i.xt() as usize, i.ra());
    let b0 = (vb >> 64) as u64;
    let exp = |d: u64| (d >> 52) & 0x7ff;
    let frac = |d: u64| d & ((1 << 52) - 1);
    let uim = i.bits(19, 16);
    match (i.bits(10, 2), i.bits(10, 3), i.xo10()) {
        (347, _, _) => {
            let Some(s) = st.as_mut() else {
                return Some(matches!(a, 0 | 1 | 16 | 17));
            };
            match a {
                0 => s.gpr[i.rt() as usize] = exp(b0),
                1 => {
                    let e = exp(b0);
                    let hidden = if e != 0 && e != 0x7ff { 1 << 52 } else { 0 };
                    s.gpr[i.rt() as usize] = frac(b0) | hidden;
                }
                16 => s.vsr[xt] = (half_to_double(b0 as u16) as u128) << 64,
                17 => {
                    let h = double_to_half(b0, s.fpscr & 3);
                    s.vsr[xt] = (h as u128) << 64;
                }
                _ => return Some(false),
            }
            Some(true)
        }
        (_, 59, _) => {
            if let Some(s) = st.as_mut() {
                let a0 = (va >> 64) as u64;
                let nan = |d: u64| exp(d) == 0x7ff && frac(d) != 0;
                let (ea, eb) = (exp(a0), exp(b0));
                let f = if nan(a0) || nan(b0) {
                    1
                } else {
                    (((ea < eb) as u8) << 3) | (((ea > eb) as u8) << 2) | (((ea == eb) as u8) << 1)
                };
                let bf = i.bf() as usize;
                for k in 0..4 {
                    s.cr[4 * bf + k] = f >> (3 - k) & 1;
                }
            }
            Some(true)
        }
        (_, _, 918) => {
            if let Some(s) = st.as_mut() {
                let (ra, rb) = (s.gpr[a as usize], s.gpr[i.rb() as usize]);
                let d = (ra & 0x800f_ffff_ffff_ffff) | (rb & 0x7ff) << 52;
                s.vsr[xt] = (d as u128) << 64;
            }
            Some(true)
        }
        (_, 3 | 11 | 19, _) => {
            // xscmpeqdp, xscmpgtdp, xscmpgedp: all-ones mask or zero.
            if let Some(s) = st.as_mut() {
                let (x, y) = (f64::from_bits((va >> 64) as u64), f64::from_bits(b0));
                let t = match i.bits(10, 3) {
                    3 => x == y,
                    11 => x > y,
                    _ => x >= y,
                };
                s.vsr[xt] = if t { u64::MAX as u128 } else { 0 } << 64;
            }
            Some(true)
        }
        (_, xo8, _)
            if vec_fp_op(xo8).is_some() || matches!(xo8 & 0x7f, 67 | 75 | 83 | 99 | 107 | 115) =>
        {
            if let Some(s) = st.as_mut() {
                vsx_vector_fp(s, i, va, vb, vt);
            }
            Some(true)
        }
        (136 | 152 | 168 | 184, _, _) => {
            // xvcvspuxws, xvcvspsxws, xvcvuxwsp, xvcvsxwsp. A NaN or
            // out-of-range lane is an invalid operation: with FPSCR[VE]
            // set (the exception enabled) XT is left unmodified.
            if let Some(s) = st.as_mut() {
                let xo9 = i.bits(10, 2);
                let invalid = |x: u64| {
                    let f = f32::from_bits(x as u32) as f64;
                    let (lo, hi) = if xo9 == 152 {
                        (-2147483649.0, 2147483648.0)
                    } else {
                        (-1.0, 4294967296.0)
                    };
                    f.is_nan() || f <= lo || f >= hi
                };
                if matches!(xo9, 136 | 152)
                    && s.fpscr & 0x80 != 0
                    && (0..4).any(|k| invalid(el(vb, k, 32)))
                {
                    return Some(true);
                }
                s.vsr[xt] = map1(vb, 32, |x| match xo9 {
                    152 => {
                        f2i(f32::from_bits(x as u32) as f64, true, 32, 0x8000_0000) & 0xffff_ffff
                    }
                    136 => f2i(f32::from_bits(x as u32) as f64, false, 32, 0),
                    184 => (x as u32 as i32 as f32).to_bits() as u64,
                    _ => (x as u32 as f32).to_bits() as u64,
                });
            }
            Some(true)
        }
        // xv{abs,nabs,neg}{dp,sp}: sign bit operations.
        (409 | 425 | 441 | 473 | 489 | 505, _, _) => {
            if let Some(s) = st.as_mut() {
                let xo9 = i.bits(10, 2);
                let sign: u128 = if xo9 >= 473 {
                    1 << 127 | 1 << 63
                } else {
                    0x8000_0000_8000_0000_8000_0000_8000_0000
                };
                s.vsr[xt] = match xo9 {
                    409 | 473 => vb & !sign,
                    425 | 489 => vb | sign,
                    _ => vb ^ sign,
                };
            }
            Some(true)
        }
        (165, _, _) => {
            if let Some(s) = st.as_mut() {
                // Bytes UIM..UIM+3, wrapping past byte 15 (undefined in the
                // ISA for UIM > 12; qemu wraps).
                let w = (vb.rotate_left(8 * uim) >> 96) as u64;
                s.vsr[xt] = (w as u128) << 64;
            }
            Some(true)
        }
        (181, _, _) => {
            if let Some(s) = st.as_mut() {
                let w = (vb >> 64) as u32 as u128;
                let m = (0xffff_ffffu128 << 96) >> (8 * uim);
                s.vsr[xt] = (vt & !m) | (((w << 96) >> (8 * uim)) & m);
            }
            Some(true)
        }
        _ => None,
    }
}

/// vmsum{ubm,mbm,uhm,uhs,shm,shs} (VA-form `xo6` 36..41): per word, the
/// sum of the products of the word's byte (halfword) elements of `a` and
/// `b`, plus the word of `c`; the `s` forms saturate and set VSCR\[SAT\].
fn vmsum(xo6: u32, a: u128, b: u128, c: u128, st: &mut Option<&mut Ppc64State>) -> Option<u128> {
    let (w, sa, sb, sat) = match xo6 {
        36 => (8, false, false, false),
        37 => (8, true, false, false),
        38 => (16, false, false, false),
        39 => (16, false, false, true),
        40 => (16, true, true, false),
        _ => (16, true, true, true),
    };
    let per = 32 / w;
    let mut saturated = false;
    let els: Vec<u64> = (0..4)
        .map(|k| {
            let mut sum = if sa {
                sext(el(c, k, 32), 32)
            } else {
                el(c, k, 32) as i64
            };
            for j in 0..per {
                let idx = k * per + j;
                let x = el(a, idx, w);
                let y = el(b, idx, w);
                let x = if sa { sext(x, w) } else { x as i64 };
                let y = if sb { sext(y, w) } else { y as i64 };
                sum += x * y;
            }
            if sat {
                let (lo, hi) = if sa {
                    (i32::MIN as i64, i32::MAX as i64)
                } else {
                    (0, u32::MAX as i64)
                };
                let c = sum.clamp(lo, hi);
                saturated |= c != sum;
                sum = c;
            }
            sum as u64 & 0xffff_ffff
        })
        .collect();
    if saturated && let Some(s) = st.as_mut() {
        s.vscr |= 1;
    }
    Some(from_els(&els, 32))
}

/// The arithmetic of the VSX vector FP opcode `xo8`: (operation, single
/// precision), or `None`.
fn vec_fp_op(xo8: u32) -> Option<(RnOp, bool)> {
    let single = xo8 < 96 || (160..224).contains(&xo8);
    let op = match xo8 {
        96 | 64 => RnOp::Add,
        104 | 72 => RnOp::Sub,
        112 | 80 => RnOp::Mul,
        120 | 88 => RnOp::Div,
        97 | 105 | 113 | 121 | 225 | 233 | 241 | 249 | 65 | 73 | 81 | 89 | 193 | 201 | 209
        | 217 => RnOp::Fma,
        _ => return None,
    };
    Some((op, single))
}

/// Power's NaN result for `ops` (in priority order): the first NaN
/// operand quieted, or the default NaN of the format.
pub(crate) fn nan_result(ops: &[f64], single: bool) -> f64 {
    match ops.iter().find(|x| x.is_nan()) {
        Some(&x) if single => f32::from_bits((x as f32).to_bits() | 0x40_0000) as f64,
        Some(&x) => f64::from_bits(x.to_bits() | 1 << 51),
        None if single => f32::from_bits(0x7fc0_0000) as f64,
        None => f64::from_bits(0x7ff8_0000_0000_0000),
    }
}

/// VSX vector floating-point arithmetic and compares (xv{add,sub,mul,div,
/// [n]madd,[n]msub}{dp,sp}, xvcmp{eq,gt,ge}{dp,sp}[.]) under
/// FPSCR\[RN\]. FPSCR status bits are not computed.
fn vsx_vector_fp(s: &mut Ppc64State, i: Insn, va: u128, vb: u128, vt: u128) {
    let xo8 = i.bits(10, 3);
    let rn = s.fpscr & 3;
    let xt = i.xt() as usize;
    let cmp = matches!(xo8 & 0x7f, 67 | 75 | 83 | 99 | 107 | 115);
    let single = if cmp {
        xo8 & 0x7f < 96
    } else {
        vec_fp_op(xo8).is_some_and(|o| o.1)
    };
    let w = if single { 32 } else { 64 };
    let get = |v: u128, k: u32| {
        let x = el(v, k, w);
        if single {
            f32::from_bits(x as u32) as f64
        } else {
            f64::from_bits(x)
        }
    };
    let put = |x: f64| {
        if single {
            (x as f32).to_bits() as u64
        } else {
            x.to_bits()
        }
    };
    let n = 128 / w;
    if cmp {
        let kind = (xo8 & 0x7f) % 32;
        let els: Vec<u64> = (0..n)
            .map(|k| {
                let (x, y) = (get(va, k), get(vb, k));
                let t = match kind {
                    3 => x == y,
                    11 => x > y,
                    _ => x >= y,
                };
                if t { u64::MAX } else { 0 }
            })
            .collect();
        let r = from_els(&els, w);
        s.vsr[xt] = r;
        if i.bit(10) {
            s.cr[24] = (r == u128::MAX) as u8;
            s.cr[25] = 0;
            s.cr[26] = (r == 0) as u8;
            s.cr[27] = 0;
        }
        return;
    }
    let Some((op, _)) = vec_fp_op(xo8) else {
        return;
    };
    let els: Vec<u64> = (0..n)
        .map(|k| {
            let (a, b, t) = (get(va, k), get(vb, k), get(vt, k));
            let r = if op == RnOp::Fma {
                // A-type: XA*XB + XT; M-type: XA*XT + XB.
                let (m, add) = if xo8 & 8 == 0 { (b, t) } else { (t, b) };
                let add_s = if xo8 & 16 != 0 { -add } else { add };
                let r = rn_arith(RnOp::Fma, single, a, m, add_s, rn);
                if r.is_nan() {
                    nan_result(&[a, add, m], single)
                } else if xo8 & 128 != 0 {
                    -r
                } else {
                    r
                }
            } else {
                let r = rn_arith(op, single, a, b, 0.0, rn);
                if r.is_nan() {
                    nan_result(&[a, b], single)
                } else {
                    r
                }
            };
            put(r)
        })
        .collect();
    s.vsr[xt] = from_els(&els, w);
}

/// Half precision (IEEE binary16 bits) to double, exactly; a signaling
/// NaN is quieted.
pub fn half_to_double(h: u16) -> u64 {
    let sign = ((h >> 15) as u64) << 63;
    let e = ((h >> 10) & 31) as u64;
    let m = (h & 0x3ff) as u64;
    match e {
        31 if m == 0 => sign | 0x7ff0_0000_0000_0000,
        31 => sign | 0x7ff8_0000_0000_0000 | m << 42,
        0 => {
            let v = m as f64 * (1.0 / (1u64 << 24) as f64);
            sign | v.to_bits()
        }
        _ => sign | (e + 1023 - 15) << 52 | m << 42,
    }
}

/// Double to half precision rounded by FPSCR\[RN\] `rn` (0 nearest even,
/// 1 toward zero, 2 toward +inf, 3 toward -inf); NaNs keep their top
/// fraction bits and are quieted.
pub fn double_to_half(d: u64, rn: u64) -> u16 {
    let neg = d >> 63 != 0;
    let sign = (neg as u16) << 15;
    let e = ((d >> 52) & 0x7ff) as i32;
    let f = d & ((1 << 52) - 1);
    if e == 0x7ff {
        return if f == 0 {
            sign | 0x7c00
        } else {
            sign | 0x7e00 | (f >> 42) as u16
        };
    }
    if e == 0 && f == 0 {
        return sign;
    }
    let (mant, ue) = if e == 0 {
        (f, -1022)
    } else {
        (f | 1 << 52, e - 1023)
    };
    // Bits of `mant` below the half's last mantissa bit.
    let shift = if ue >= -14 { 42 } else { 42 + (-14 - ue) } as u32;
    let (q, rem, halfway) = if shift >= 64 {
        (0, 1, u64::MAX)
    } else {
        (mant >> shift, mant & ((1 << shift) - 1), 1 << (shift - 1))
    };
    let up = match rn & 3 {
        0 => rem > halfway || (rem == halfway && q & 1 != 0),
        1 => false,
        2 => rem != 0 && !neg,
        _ => rem != 0 && neg,
    };
    let q = q + up as u64;
    let v = if ue >= -14 {
        ((ue + 14) as u64) * 1024 + q
    } else {
        q
    };
    if v >= 0x7c00 {
        let to_inf = match rn & 3 {
            0 => true,
            1 => false,
            2 => !neg,
            _ => neg,
        };
        return sign | if to_inf { 0x7c00 } else { 0x7bff };
    }
    sign | v as u16
}

/// Bit matrix transpose of `d` for vgbbd: byte `k` bit `j` moves to byte
/// `j` bit `k` (ISA numbering: byte 0 and bit 0 are the most significant).
pub fn gbbd(d: u64) -> u64 {
    let mut r = 0u64;
    for k in 0..8 {
        for j in 0..8 {
            let bit = (d >> (63 - (8 * k + j))) & 1;
            r |= bit << (63 - (8 * j + k));
        }
    }
    r
}

/// Saturating float-to-integer conversion toward zero; NaN gives `nan`.
pub(crate) fn f2i(x: f64, signed: bool, bits: u32, nan: u64) -> u64 {
    if x.is_nan() {
        return nan;
    }
    let x = x.trunc();
    match (signed, bits) {
        (true, 64) => (x as i64) as u64,
        (true, _) => (x as i32) as i64 as u64,
        (false, 64) => x as u64,
        (false, _) => (x as u32) as u64,
    }
}

/// The Power ISA's DP-to-SP conversion without rounding (the algorithm
/// of Floating-Point Store Single): sign, exponent and fraction bits are
/// moved, denormalizing small values; no rounding, no exceptions.
pub fn to_single_ns(d: u64) -> u32 {
    let exp = (d >> 52) & 0x7ff;
    if exp > 896 {
        // No denormalization (includes infinities and NaNs).
        (((d >> 62) & 3) << 30 | ((d >> 29) & 0x3fff_ffff)) as u32
    } else {
        let mut w = ((d >> 63) << 31) as u32;
        if exp >= 874 {
            let m = (1u64 << 52) | (d & ((1 << 52) - 1));
            w |= (m >> (896 + 30 - exp)) as u32;
        }
        w
    }
}

/// The low word of `w` in both words.
fn dup_word(w: u64) -> u64 {
    (w << 32) | (w & 0xffff_ffff)
}

/// XX2 scalar conversions and roundings of doubleword 0 (`b`); returns
/// the new doubleword 0.
fn scalar_conv(xo9: u32, b: u64, rn: u64) -> Option<u64> {
    let f = f64::from_bits(b);
    let single_word = |x: f32| ((x.to_bits() as u64) << 32) | x.to_bits() as u64;
    Some(match xo9 {
        344 => f2i(f, true, 64, 1 << 63),
        // The word results appear in both words of doubleword 0 (as
        // qemu-ppc64le shows them; the other words are undefined).
        88 => dup_word(f2i(f, true, 32, 0x8000_0000)),
        328 => f2i(f, false, 64, 0),
        72 => dup_word(f2i(f, false, 32, 0)),
        376 => int_to_float(b, true, false, rn).0.to_bits(),
        360 => int_to_float(b, false, false, rn).0.to_bits(),
        312 => int_to_float(b, true, true, rn).0.to_bits(),
        296 => int_to_float(b, false, true, rn).0.to_bits(),
        265 => single_word(f as f32),
        // xscvdpspn: the ISA's non-rounding DP-to-SP conversion (the
        // store-single algorithm, as qemu implements it; undefined for
        // values single precision cannot represent).
        267 => {
            let w = to_single_ns(b) as u64;
            w << 32 | w
        }
        // xsrsp: round to single precision, kept in double format.
        281 => ((f as f32) as f64).to_bits(),
        329 | 331 => (f32::from_bits((b >> 32) as u32) as f64).to_bits(),
        73 => f.round().to_bits(),
        89 => f.trunc().to_bits(),
        105 => f.ceil().to_bits(),
        121 => f.floor().to_bits(),
        _ => return None,
    })
}

/// # Safety
/// `env` must point to a live [`Ppc64State`] that no one else accesses.
unsafe extern "C" fn helper_vec(env: *mut u8, insn: u64, _b: u64, _c: u64) -> u64 {
    // SAFETY: translated code passes its own CPU state block, which is a
    // Ppc64State, exclusively for the duration of the call.
    let st = unsafe { &mut *(env as *mut Ppc64State) };
    exec_vec(Some(st), Insn(insn as u32));
    0
}

/// Executes one helper-run VMX/VSX instruction (argument: the word).
pub static HELPER_VEC: HelperDesc = HelperDesc {
    name: "xlat_ppc64_vec",
    func: helper_vec,
    flags: HelperFlags::STATE,
};

/// Rounds `x` to an integral value by FPSCR\[RN\].
pub(crate) fn round_rn(x: f64, rn: u64) -> f64 {
    match rn & 3 {
        0 => x.round_ties_even(),
        1 => x.trunc(),
        2 => x.ceil(),
        _ => x.floor(),
    }
}

/// Floating-point conversions and roundings (po 59/63, X-form) on the bit
/// pattern `b` of FRB, with the rounding mode from `fpscr`; `None` for an
/// opcode this does not handle.
pub fn fp_unary(insn: u32, b: u64, fpscr: u64) -> Option<u64> {
    let i = Insn(insn);
    let f = f64::from_bits(b);
    let rn = fpscr & 3;
    Some(match (i.po(), i.xo10()) {
        (63, 14) => f2i(round_rn(f, rn), true, 32, 0x8000_0000),
        (63, 15) => f2i(f, true, 32, 0x8000_0000),
        (63, 814) => f2i(round_rn(f, rn), true, 64, 1 << 63),
        (63, 815) => f2i(f, true, 64, 1 << 63),
        (63, 142) => f2i(round_rn(f, rn), false, 32, 0),
        (63, 143) => f2i(f, false, 32, 0),
        (63, 942) => f2i(round_rn(f, rn), false, 64, 0),
        (63, 943) => f2i(f, false, 64, 0),
        (63, 846) => int_to_float(b, true, false, rn).0.to_bits(),
        (63, 974) => int_to_float(b, false, false, rn).0.to_bits(),
        (59, 846) => int_to_float(b, true, true, rn).0.to_bits(),
        (59, 974) => int_to_float(b, false, true, rn).0.to_bits(),
        (63, 392) => f.round().to_bits(),
        (63, 424) => f.trunc().to_bits(),
        (63, 456) => f.ceil().to_bits(),
        (63, 488) => f.floor().to_bits(),
        _ => return None,
    })
}

/// # Safety
/// `env` must point to a live [`Ppc64State`].
unsafe extern "C" fn helper_fp(env: *mut u8, insn: u64, b: u64, _c: u64) -> u64 {
    // SAFETY: translated code passes its own CPU state block; only FPSCR
    // is read.
    let fpscr = unsafe { (*(env as *const Ppc64State)).fpscr };
    fp_unary(insn as u32, b, fpscr).unwrap_or(b)
}

/// FP conversions and roundings: (word, FRB bits) -> FRT bits.
pub static HELPER_FP: HelperDesc = HelperDesc {
    name: "xlat_ppc64_fp",
    func: helper_fp,
    flags: HelperFlags {
        reads_state: true,
        writes_state: false,
        may_fault: false,
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_flags_map_to_fpscr_status_bits() {
        use xlat_ir::hostfp::flag;
        assert_eq!(host_fpscr_flags(0), 0, "no flag, no FX");
        // FX OX UX ZX XX = bits 31, 28, 27, 26, 25.
        assert_eq!(host_fpscr_flags(flag::DIV_BY_ZERO), 0x8400_0000);
        assert_eq!(
            host_fpscr_flags(flag::OVERFLOW | flag::INEXACT),
            0x9200_0000
        );
        assert_eq!(host_fpscr_flags(flag::UNDERFLOW), 0x8800_0000);
        // Invalid operation has no exact FPSCR bit of its own.
        assert_eq!(host_fpscr_flags(flag::INVALID), 0);
        assert_eq!(host_fpscr_flags(0x1f), 0x9e00_0000);
    }

    #[test]
    fn elements_use_isa_order() {
        let v: u128 = 0x0001_0203_0405_0607_0809_0a0b_0c0d_0e0f;
        assert_eq!(byte(v, 0), 0);
        assert_eq!(byte(v, 15), 15);
        assert_eq!(el(v, 0, 32), 0x0001_0203);
        assert_eq!(el(v, 1, 64), 0x0809_0a0b_0c0d_0e0f);
        assert_eq!(
            from_els(&[1, 2, 3, 4], 32),
            (1u128 << 96) | (2 << 64) | (3 << 32) | 4
        );
    }

    #[test]
    fn vperm_and_vsldoi() {
        let a: u128 = 0x0001_0203_0405_0607_0809_0a0b_0c0d_0e0f;
        let b: u128 = 0x1011_1213_1415_1617_1819_1a1b_1c1d_1e1f;
        // Control selecting bytes 31, 0, 16, 1, ... (high bits ignored).
        let c: u128 = 0xff00_3001_0000_0000_0000_0000_0000_0000;
        let r = perm(a, b, c, false);
        assert_eq!(r >> 96, 0x1f00_1001);
        assert_eq!(sld(a, b, 3) >> 120, 3);
        assert_eq!(sld(a, b, 3) & 0xff, 0x12);
    }

    #[test]
    fn conversions_saturate() {
        assert_eq!(f2i(1e20, true, 32, 0x8000_0000), 0x7fff_ffff);
        assert_eq!(f2i(-1e20, true, 32, 0x8000_0000) as u32, 0x8000_0000);
        assert_eq!(f2i(f64::NAN, true, 64, 1 << 63), 1 << 63);
        assert_eq!(f2i(-3.7, false, 64, 0), 0);
        assert_eq!(round_rn(2.5, 0), 2.0);
        assert_eq!(round_rn(-2.5, 3), -3.0);
    }
}

/// x86 MXCSR with all exceptions masked and RC for FPSCR\[RN\] (0 nearest,
/// 1 toward zero, 2 toward +inf, 3 toward -inf).
fn mxcsr_for(rn: u64) -> u32 {
    const RC: [u32; 4] = [0, 3, 2, 1];
    0x1f80 | RC[(rn & 3) as usize] << 13
}

std::thread_local! {
    /// Host exception flags (MXCSR bits 0..5) raised by `sse_rc!`
    /// operations since [`host_flags`] last cleared them.
    static LAST_FLAGS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// One SSE instruction `$ins` on xmm operands, run with MXCSR = `$csr`
/// and the caller's MXCSR restored after it, in one asm block so that
/// the compiler cannot move other float code into the window.
macro_rules! sse_rc {
    ($csr:expr, $ins:literal, $d:ident : $t:ty $(, $s:ident : $st:ty)*) => {{
        let csr: u32 = $csr;
        let mut save: u32 = 0;
        let mut after: u32 = 0;
        let mut $d: $t = $d;
        // SAFETY: stmxcsr/ldmxcsr read and write the three local words; the
        // instruction only touches the named xmm registers (SSE2 and FMA
        // forms are only used where the CPU has them).
        unsafe {
            core::arch::asm!(
                "stmxcsr [{save}]",
                "ldmxcsr [{csr}]",
                $ins,
                "stmxcsr [{after}]",
                "ldmxcsr [{save}]",
                save = in(reg) &mut save as *mut u32,
                csr = in(reg) &csr as *const u32,
                after = in(reg) &mut after as *mut u32,
                $d = inout(xmm_reg) $d,
                $($s = in(xmm_reg) $s,)*
                options(nostack),
            );
        }
        LAST_FLAGS.set(LAST_FLAGS.get() | (after & 0x3f));
        $d
    }};
}

/// `a op b` (or `a * b + c` for [`RnOp::Fma`]) in double or single
/// precision, rounded by FPSCR\[RN\] `rn`. Single-precision operands are
/// taken as floats (exact for the values single-precision code produces).
pub(crate) fn rn_arith(op: RnOp, single: bool, a: f64, b: f64, c: f64, rn: u64) -> f64 {
    let csr = mxcsr_for(rn);
    let fma = std::arch::is_x86_feature_detected!("fma");
    if single {
        let (x, y, z) = (a as f32, b as f32, c as f32);
        let r = match op {
            RnOp::Add => sse_rc!(csr, "addss {x}, {y}", x: f32, y: f32),
            RnOp::Sub => sse_rc!(csr, "subss {x}, {y}", x: f32, y: f32),
            RnOp::Mul => sse_rc!(csr, "mulss {x}, {y}", x: f32, y: f32),
            RnOp::Div => sse_rc!(csr, "divss {x}, {y}", x: f32, y: f32),
            RnOp::Sqrt => sse_rc!(csr, "sqrtss {y}, {y}", y: f32),
            RnOp::Fma if fma => sse_rc!(csr, "vfmadd231ss {z}, {x}, {y}", z: f32, x: f32, y: f32),
            RnOp::Fma => x.mul_add(y, z),
            RnOp::Round => {
                let x = a;
                let r: f32 = 0.0;
                let r = sse_rc!(csr, "cvtsd2ss {r}, {x}", r: f32, x: f64);
                return r as f64;
            }
        };
        return r as f64;
    }
    let (x, y, z) = (a, b, c);
    match op {
        RnOp::Add => sse_rc!(csr, "addsd {x}, {y}", x: f64, y: f64),
        RnOp::Sub => sse_rc!(csr, "subsd {x}, {y}", x: f64, y: f64),
        RnOp::Mul => sse_rc!(csr, "mulsd {x}, {y}", x: f64, y: f64),
        RnOp::Div => sse_rc!(csr, "divsd {x}, {y}", x: f64, y: f64),
        RnOp::Sqrt => sse_rc!(csr, "sqrtsd {y}, {y}", y: f64),
        RnOp::Fma if fma => sse_rc!(csr, "vfmadd231sd {z}, {x}, {y}", z: f64, x: f64, y: f64),
        RnOp::Fma => x.mul_add(y, z),
        RnOp::Round => rn_arith(RnOp::Round, true, a, 0.0, 0.0, rn),
    }
}

/// Operations [`rn_arith`] performs.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum RnOp {
    Add,
    Sub,
    Mul,
    Div,
    Sqrt,
    Fma,
    /// Round to single precision (frsp).
    Round,
}

/// Computes the floating-point instruction `i` (A-form po 59/63, frsp,
/// VSX scalar add/sub/mul/div) on the operands in `st`, rounded by
/// FPSCR\[RN\]; returns the bits of the result (FRT / doubleword 0 of XT).
pub fn fp_directed(st: &Ppc64State, i: Insn) -> Option<u64> {
    let rn = st.fpscr & 3;
    let f = |n: u32| f64::from_bits(st.fpr(n as usize));
    let dw0 = |n: u32| f64::from_bits((st.vsr[n as usize] >> 64) as u64);
    let r = match i.po() {
        59 | 63 if i.po() == 63 && i.xo10() == 12 => {
            rn_arith(RnOp::Round, true, f(i.rb()), 0.0, 0.0, rn)
        }
        59 | 63 => {
            let single = i.po() == 59;
            let (a, b, c) = (f(i.ra()), f(i.rb()), f(i.rc5()));
            match i.me() {
                18 => rn_arith(RnOp::Div, single, a, b, 0.0, rn),
                20 => rn_arith(RnOp::Sub, single, a, b, 0.0, rn),
                21 => rn_arith(RnOp::Add, single, a, b, 0.0, rn),
                22 => rn_arith(RnOp::Sqrt, single, 0.0, b, 0.0, rn),
                25 => rn_arith(RnOp::Mul, single, a, c, 0.0, rn),
                // fmsub, fmadd; fnmsub and fnmadd negate the rounded
                // result (not the same as rounding the negated one under
                // a directed mode).
                28 => rn_arith(RnOp::Fma, single, a, c, -b, rn),
                29 => rn_arith(RnOp::Fma, single, a, c, b, rn),
                30 => -rn_arith(RnOp::Fma, single, a, c, -b, rn),
                31 => -rn_arith(RnOp::Fma, single, a, c, b, rn),
                _ => return None,
            }
        }
        60 => {
            let (a, b) = (dw0(i.xa()), dw0(i.xb()));
            let xo8 = i.bits(10, 3);
            let single = xo8 < 32;
            match xo8 & 31 {
                0 => rn_arith(RnOp::Add, single, a, b, 0.0, rn),
                8 => rn_arith(RnOp::Sub, single, a, b, 0.0, rn),
                16 => rn_arith(RnOp::Mul, single, a, b, 0.0, rn),
                24 => rn_arith(RnOp::Div, single, a, b, 0.0, rn),
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(r.to_bits())
}

/// # Safety
/// `env` must point to a live [`Ppc64State`].
unsafe extern "C" fn helper_fp_rn(env: *mut u8, insn: u64, _b: u64, _c: u64) -> u64 {
    // SAFETY: translated code passes its own CPU state block; it is only
    // read.
    let st = unsafe { &*(env as *const Ppc64State) };
    fp_directed(st, Insn(insn as u32)).unwrap_or(0)
}

/// Floating-point arithmetic under a directed FPSCR\[RN\]: (word) -> result
/// bits; the operands are read from the state.
pub static HELPER_FP_RN: HelperDesc = HelperDesc {
    name: "xlat_ppc64_fp_rn",
    func: helper_fp_rn,
    flags: HelperFlags {
        reads_state: true,
        writes_state: false,
        may_fault: false,
    },
};

/// FPSCR bits (LSB numbering within the 32-bit FPSCR).
pub(crate) mod fpscr_bits {
    pub const FX: u64 = 1 << 31;
    pub const FEX: u64 = 1 << 30;
    pub const VX: u64 = 1 << 29;
    pub const OX: u64 = 1 << 28;
    pub const UX: u64 = 1 << 27;
    pub const ZX: u64 = 1 << 26;
    pub const XX: u64 = 1 << 25;
    pub const VXSNAN: u64 = 1 << 24;
    pub const VXISI: u64 = 1 << 23;
    pub const VXIDI: u64 = 1 << 22;
    pub const VXZDZ: u64 = 1 << 21;
    pub const VXIMZ: u64 = 1 << 20;
    pub const FR: u64 = 1 << 18;
    pub const FI: u64 = 1 << 17;
    pub const FPRF: u64 = 0x1f << 12;
    pub const VXSQRT: u64 = 1 << 9;
    pub const VXCVI: u64 = 1 << 8;
    /// All VX* bits.
    pub const VX_ALL: u64 =
        VXSNAN | VXISI | VXIDI | VXZDZ | VXIMZ | 1 << 19 | 1 << 10 | VXSQRT | VXCVI;
}

/// The FPRF class code of `r` (C FL FG FE FU).
fn fprf(r: f64, single: bool) -> u64 {
    let neg = r.is_sign_negative();
    let c = if r.is_nan() {
        0b10001
    } else if r.is_infinite() {
        if neg { 0b01001 } else { 0b00101 }
    } else if r == 0.0 {
        if neg { 0b10010 } else { 0b00010 }
    } else if r.is_subnormal() || (single && (r as f32).is_subnormal()) {
        if neg { 0b11000 } else { 0b10100 }
    } else if neg {
        0b01000
    } else {
        0b00100
    };
    c << 12
}

fn is_snan(x: f64) -> bool {
    x.is_nan() && x.to_bits() & (1 << 51) == 0
}

/// Host MXCSR exception flags (IE, DE, ZE, OE, UE, PE in bits 0..5)
/// raised by the [`rn_arith`] operations of `f`.
fn host_flags<T>(f: impl FnOnce() -> T) -> (T, u32) {
    LAST_FLAGS.set(0);
    let r = f();
    (r, LAST_FLAGS.get())
}

/// A floating-point operation whose FPSCR status is computed, with its
/// operands (FPU and VSX scalar forms normalised).
#[derive(Copy, Clone, Debug)]
enum FpOp {
    /// A-form arithmetic: the A-form XO (18 div, 20 sub, 21 add, 22 sqrt,
    /// 25 mul as FRA*FRC, 28..31 fmsub/fmadd/fnmsub/fnmadd), single
    /// precision, FRA, FRB, FRC.
    Arith(u32, bool, f64, f64, f64),
    /// frsp of FRB.
    Round(f64),
    /// Float to integer: (signed, 64-bit, toward zero), FRB.
    ToInt(bool, bool, bool, f64),
    /// Integer to float: (signed, single), the integer.
    FromInt(bool, bool, u64),
    /// Comparison (ordered: fcmpo), FRA, FRB: sets FPCC.
    Compare(bool, f64, f64),
}

/// The [`FpOp`] of `i` on the operands in `st`, if it is one.
fn fp_op(st: &Ppc64State, i: Insn) -> Option<FpOp> {
    let f = |n: u32| f64::from_bits(st.fpr(n as usize));
    let dw0 = |n: u32| (st.vsr[n as usize] >> 64) as u64;
    let fd = |n: u32| f64::from_bits(dw0(n));
    let to_int = |xo: u32, b| {
        let (signed, wide) = match xo & !1 {
            14 => (true, false),
            814 => (true, true),
            142 => (false, false),
            _ => (false, true),
        };
        FpOp::ToInt(signed, wide, xo & 1 == 1, b)
    };
    Some(match i.po() {
        59 | 63 if i.xo10() == 846 || i.xo10() == 974 => {
            FpOp::FromInt(i.xo10() == 846, i.po() == 59, st.fpr(i.rb() as usize))
        }
        63 if matches!(i.xo10(), 0 | 32) => FpOp::Compare(i.xo10() == 32, f(i.ra()), f(i.rb())),
        63 if i.xo10() == 12 => FpOp::Round(f(i.rb())),
        63 if matches!(i.xo10(), 14 | 15 | 814 | 815 | 142 | 143 | 942 | 943) => {
            to_int(i.xo10(), f(i.rb()))
        }
        59 | 63 => FpOp::Arith(i.me(), i.po() == 59, f(i.ra()), f(i.rb()), f(i.rc5())),
        60 => {
            let (xa, xb) = (i.xa(), i.xb());
            match (i.bits(10, 3), i.bits(10, 2)) {
                (x @ (0 | 8 | 16 | 24 | 32 | 40 | 48 | 56), _) => {
                    let (a, b) = (fd(xa), fd(xb));
                    let single = x < 32;
                    match x & 31 {
                        0 => FpOp::Arith(21, single, a, b, 0.0),
                        8 => FpOp::Arith(20, single, a, b, 0.0),
                        16 => FpOp::Arith(25, single, a, 0.0, b),
                        _ => FpOp::Arith(18, single, a, b, 0.0),
                    }
                }
                (35, _) => FpOp::Compare(false, fd(xa), fd(xb)),
                (_, 75) => FpOp::Arith(22, false, 0.0, fd(xb), 0.0),
                (_, 344) => to_int(815, fd(xb)),
                (_, 88) => to_int(15, fd(xb)),
                (_, 328) => to_int(943, fd(xb)),
                (_, 72) => to_int(143, fd(xb)),
                (_, 376) => FpOp::FromInt(true, false, dw0(xb)),
                (_, 360) => FpOp::FromInt(false, false, dw0(xb)),
                (_, 312) => FpOp::FromInt(true, true, dw0(xb)),
                (_, 296) => FpOp::FromInt(false, true, dw0(xb)),
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// The neighbour of `x` above (`up`) or below, in single or double
/// precision.
fn toward(x: f64, single: bool, up: bool) -> f64 {
    match (single, up) {
        (true, true) => (x as f32).next_up() as f64,
        (true, false) => (x as f32).next_down() as f64,
        (false, true) => x.next_up(),
        (false, false) => x.next_down(),
    }
}

/// Integer to floating point rounded by FPSCR\[RN\] `rn` (single: to a
/// single-precision value); also whether it was inexact.
pub fn int_to_float(v: u64, signed: bool, single: bool, rn: u64) -> (f64, bool) {
    let exact = if signed { v as i64 as i128 } else { v as i128 };
    let near = match (single, signed) {
        (false, true) => v as i64 as f64,
        (false, false) => v as f64,
        (true, true) => (v as i64 as f32) as f64,
        (true, false) => (v as f32) as f64,
    };
    let inexact = near as i128 != exact;
    let r = match rn & 3 {
        1 if (near as i128).abs() > exact.abs() => toward(near, single, near < 0.0),
        2 if (near as i128) < exact => toward(near, single, true),
        3 if (near as i128) > exact => toward(near, single, false),
        _ => near,
    };
    (r, inexact)
}

/// Updates FPSCR's exception and status bits for the floating-point
/// instruction `i` (A-form arithmetic, frsp, fcti*, fcfid*, and the VSX
/// scalar add/sub/mul/div/sqrt and conversions), computed from its
/// operands in `st` before it executes: VX* from the operand classes,
/// OX/UX/XX/FI from the host's flags for the same operation under
/// FPSCR\[RN\] (UX with tininess detected before rounding, as Power
/// does), ZX for a division by zero, FPRF from the result; then FX when
/// a new exception bit goes from 0 to 1, and VX, FEX. FR is left 0.
pub fn fp_exceptions(st: &mut Ppc64State, i: Insn) {
    st.fpscr = fp_exceptions_value(st, i);
}

/// The FPSCR [`fp_exceptions`] computes, without changing `st`.
pub fn fp_exceptions_value(st: &Ppc64State, i: Insn) -> u64 {
    use fpscr_bits::*;
    let Some(op) = fp_op(st, i) else {
        return st.fpscr;
    };
    let rn = st.fpscr & 3;
    let mut exc = 0u64;
    let snan = |xs: &[f64]| xs.iter().any(|&x| is_snan(x));
    let inf = f64::is_infinite;
    let (result, single_result, host): (Option<f64>, bool, u32) = match op {
        FpOp::Compare(ordered, a, b) => {
            // FPCC (FPSCR bits 15:12) = FL FG FE FU; FX/VX as usual.
            let fpcc = if a.is_nan() || b.is_nan() {
                1
            } else if a < b {
                8
            } else if a > b {
                4
            } else {
                2
            };
            if snan(&[a, b]) {
                exc |= VXSNAN;
            }
            // fcmpo: a NaN operand is an invalid compare (with an SNaN,
            // only when the invalid-operation exception is disabled).
            if ordered && (a.is_nan() || b.is_nan()) && (exc & VXSNAN == 0 || st.fpscr & 0x80 == 0)
            {
                exc |= 1 << 19;
            }
            let old = st.fpscr;
            let mut new = (old & !(0xf << 12)) | fpcc << 12 | exc;
            if exc & 1 << 19 != 0 {
                // An invalid ordered compare (VXVC) also sets the class
                // bit C, as qemu-ppc64le does (FPRF then reads as a
                // quiet NaN).
                new |= 1 << 16;
            }
            if (new & !old) & VX_ALL != 0 {
                new |= FX;
            }
            return fpscr_summary(new);
        }
        FpOp::Round(b) => {
            if snan(&[b]) {
                exc |= VXSNAN;
            }
            let (r, mut h) = host_flags(|| rn_arith(RnOp::Round, true, b, 0.0, 0.0, rn));
            // Tiny before rounding: below the smallest normal single.
            if h & 32 != 0 && b.abs() < f32::MIN_POSITIVE as f64 {
                h |= 16;
            }
            (Some(r), true, h)
        }
        FpOp::FromInt(signed, single, v) => {
            let (r, inexact) = int_to_float(v, signed, single, rn);
            (Some(r), single, if inexact { 32 } else { 0 })
        }
        FpOp::ToInt(signed, wide, toward_zero, b) => {
            let x = if toward_zero {
                b.trunc()
            } else {
                round_rn(b, rn)
            };
            let (lo, hi) = match (signed, wide) {
                (true, false) => (i32::MIN as f64, i32::MAX as f64),
                (true, true) => (i64::MIN as f64, i64::MAX as f64),
                (false, false) => (0.0, u32::MAX as f64),
                (false, true) => (0.0, u64::MAX as f64),
            };
            let out = b.is_nan() || x < lo || x > hi || (wide && x >= hi);
            if out {
                exc |= VXCVI | if snan(&[b]) { VXSNAN } else { 0 };
                (None, false, 0)
            } else {
                (None, false, if x != b { 32 } else { 0 })
            }
        }
        FpOp::Arith(xo, single, a, b, c) => {
            let (r, mut h) = host_flags(|| match xo {
                18 => rn_arith(RnOp::Div, single, a, b, 0.0, rn),
                20 => rn_arith(RnOp::Sub, single, a, b, 0.0, rn),
                21 => rn_arith(RnOp::Add, single, a, b, 0.0, rn),
                22 => rn_arith(RnOp::Sqrt, single, 0.0, b, 0.0, rn),
                25 => rn_arith(RnOp::Mul, single, a, c, 0.0, rn),
                28 | 30 => rn_arith(RnOp::Fma, single, a, c, -b, rn),
                _ => rn_arith(RnOp::Fma, single, a, c, b, rn),
            });
            let ops: &[f64] = match xo {
                22 => &[b],
                25 => &[a, c],
                18 | 20 | 21 => &[a, b],
                _ => &[a, b, c],
            };
            if snan(ops) {
                exc |= VXSNAN;
            }
            if !ops.iter().any(|x| x.is_nan()) {
                match xo {
                    18 if inf(a) && inf(b) => exc |= VXIDI,
                    18 if a == 0.0 && b == 0.0 => exc |= VXZDZ,
                    18 if b == 0.0 && !inf(a) => exc |= ZX,
                    20 | 21 => {
                        let sub = (xo == 20) != (a.is_sign_negative() != b.is_sign_negative());
                        if inf(a) && inf(b) && sub {
                            exc |= VXISI;
                        }
                    }
                    22 if b < 0.0 => exc |= VXSQRT,
                    25 if (inf(a) && c == 0.0) || (a == 0.0 && inf(c)) => exc |= VXIMZ,
                    28..=31 => {
                        if (inf(a) && c == 0.0) || (a == 0.0 && inf(c)) {
                            exc |= VXIMZ;
                        } else if (inf(a) || inf(c)) && inf(b) {
                            let prod_neg = a.is_sign_negative() != c.is_sign_negative();
                            let add_neg = b.is_sign_negative() != (xo == 28 || xo == 30);
                            if prod_neg != add_neg {
                                exc |= VXISI;
                            }
                        }
                    }
                    _ => {}
                }
            }
            // Tininess before rounding: an inexact result that rounded
            // to the smallest normal magnitude from below.
            let min = if single {
                f32::MIN_POSITIVE as f64
            } else {
                f64::MIN_POSITIVE
            };
            if h & 32 != 0 && r.abs() == min {
                let below = match xo {
                    // In double precision the exact single-precision
                    // sum, difference or product is the double result.
                    20 | 21 | 25 if single => {
                        let e = match xo {
                            20 => a - b,
                            21 => a + b,
                            _ => a * c,
                        };
                        e.abs() < min
                    }
                    21 | 20 => {
                        let b2 = if xo == 20 { -b } else { b };
                        let bb = r - a;
                        let err = (a - (r - bb)) + (b2 - bb);
                        err != 0.0 && (err < 0.0) == (r > 0.0)
                    }
                    25 => {
                        let err = a.mul_add(c, -r);
                        err != 0.0 && (err < 0.0) == (r > 0.0)
                    }
                    18 => {
                        let rem = (-r).mul_add(b, a);
                        let q_err_neg = (rem < 0.0) != (b < 0.0);
                        rem != 0.0 && q_err_neg == (r > 0.0)
                    }
                    _ => false,
                };
                if below {
                    h |= 16;
                }
            }
            let r = if xo >= 30 && !r.is_nan() { -r } else { r };
            (Some(r), single, h)
        }
    };
    // Host flags: OE 8, UE 16, PE 32 (invalid and zero-divide come from
    // the operand classes above).
    if exc & (VX_ALL | ZX) == 0 {
        if host & 8 != 0 {
            exc |= OX;
        }
        if host & 16 != 0 && host & 32 != 0 {
            exc |= UX;
        }
        if host & 32 != 0 {
            exc |= XX;
        }
    }
    let old = st.fpscr;
    let mut new = old & !(FR | FI);
    if exc & XX != 0 {
        new |= FI;
    }
    if let Some(r) = result {
        // An invalid operation's result is a NaN.
        let r = if exc & VX_ALL != 0 { f64::NAN } else { r };
        new = (new & !FPRF) | fprf(r, single_result);
    }
    new |= exc;
    if (new & !old) & (OX | UX | ZX | XX | VX_ALL) != 0 {
        new |= FX;
    }
    fpscr_summary(new)
}

/// FPSCR with VX (the OR of the VX* bits) and FEX (an exception whose
/// enable bit is set) recomputed from the other bits.
pub fn fpscr_summary(fpscr: u64) -> u64 {
    use fpscr_bits::*;
    let mut new = fpscr & !(VX | FEX);
    if new & VX_ALL != 0 {
        new |= VX;
    }
    // FEX: an exception whose enable (VE OE UE ZE XE: bits 7..3) is set.
    let en = new >> 3 & 0x1f;
    let status = ((new & VX != 0) as u64) << 4
        | ((new & OX != 0) as u64) << 3
        | ((new & UX != 0) as u64) << 2
        | ((new & ZX != 0) as u64) << 1
        | (new & XX != 0) as u64;
    if en & status != 0 {
        new |= FEX;
    }
    new
}

/// # Safety
/// Callable with any arguments; it only computes.
unsafe extern "C" fn helper_fpscr_summary(_env: *mut u8, v: u64, _b: u64, _c: u64) -> u64 {
    fpscr_summary(v)
}

/// The host's sticky FP exception flags ([`xlat_ir::hostfp`]) as the
/// FPSCR bits they stand for exactly: OX, UX, ZX, XX, and FX when any of
/// them is set (the flags were clear at process start, so each one set
/// went from 0 to 1). Invalid operation is left out: VX is the summary of
/// the VX* cause bits, and the host does not say which cause it was.
/// Underflow: the host (x86-64) detects tininess after rounding, Power
/// before, so results that round up to the smallest normal differ.
pub fn host_fpscr_flags(host: u32) -> u64 {
    use fpscr_bits::*;
    use xlat_ir::hostfp::flag;
    let bits = [
        (flag::OVERFLOW, OX),
        (flag::UNDERFLOW, UX),
        (flag::DIV_BY_ZERO, ZX),
        (flag::INEXACT, XX),
    ]
    .iter()
    .filter(|&&(h, _)| host & h != 0)
    .fold(0, |acc, &(_, b)| acc | b);
    if bits != 0 { bits | FX } else { 0 }
}

/// # Safety
/// Callable with any arguments; it reads only the host's status register.
unsafe extern "C" fn helper_host_fp_flags(_env: *mut u8, _a: u64, _b: u64, _c: u64) -> u64 {
    host_fpscr_flags(xlat_ir::hostfp::status())
}

/// () -> the FPSCR status bits of the host's sticky FP flags
/// ([`host_fpscr_flags`]). `STATE` so that every FP result of the block
/// is computed before it runs.
pub static HELPER_HOST_FP_FLAGS: HelperDesc = HelperDesc {
    name: "xlat_ppc64_host_fp_flags",
    func: helper_host_fp_flags,
    flags: HelperFlags::STATE,
};

/// (FPSCR value) -> the value with VX and FEX recomputed.
pub static HELPER_FPSCR_SUMMARY: HelperDesc = HelperDesc {
    name: "xlat_ppc64_fpscr_summary",
    func: helper_fpscr_summary,
    flags: HelperFlags::PURE,
};

/// # Safety
/// `env` must point to a live [`Ppc64State`] that no one else accesses.
unsafe extern "C" fn helper_fp_exc(env: *mut u8, insn: u64, _b: u64, _c: u64) -> u64 {
    // SAFETY: translated code passes its own CPU state block; it is only
    // read (the copy below is updated, not the block).
    let st = unsafe { &*(env as *const Ppc64State) };
    fp_exceptions_value(st, Insn(insn as u32))
}

/// FPSCR exception status of an FP instruction, from its operands before
/// it executes: (word) -> new FPSCR. Reads the state, writes nothing (the
/// caller sets FPSCR), so compiled code need not reload registers after.
pub static HELPER_FP_EXC: HelperDesc = HelperDesc {
    name: "xlat_ppc64_fp_exc",
    func: helper_fp_exc,
    flags: HelperFlags {
        reads_state: true,
        writes_state: false,
        may_fault: false,
    },
};
