//! IEEE binary128 (quad precision) instructions (Power ISA 3.0 and 3.1,
//! po 63, operands in VSRs 32..63) on a soft-float of our own: every
//! operation computes the exact result (or the exact result's leading
//! bits and a sticky bit) in a 256-bit significand and rounds it once, by
//! FPSCR\[RN\], round to odd for the `o` forms, or the instruction's own
//! mode. NaNs follow Power's rules (the first NaN operand, quieted; else
//! the default QNaN). Once the guest tracks FPSCR (`fp_track`, see
//! `translate::fp`) the operations also set its exception bits (VX*,
//! OX, UX with tininess before rounding, ZX, XX, FI) and FPRF; enabled
//! exceptions do not suppress the result.

use crate::decode::Insn;
use crate::helpers::fpscr_bits::*;
use crate::state::Ppc64State;
use std::cell::Cell;

std::thread_local! {
    /// FPSCR exception bits raised by the operations since [`take_flags`].
    static FLAGS: Cell<u64> = const { Cell::new(0) };
}

/// Records the FPSCR exception bits `b`.
fn raise(b: u64) {
    FLAGS.set(FLAGS.get() | b);
}

/// The FPSCR exception bits raised since the last call (and clears them).
pub fn take_flags() -> u64 {
    FLAGS.replace(0)
}

/// A 256-bit unsigned integer (high, low).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub struct U256(pub u128, pub u128);

impl U256 {
    const ZERO: U256 = U256(0, 0);

    fn from(x: u128) -> U256 {
        U256(0, x)
    }

    fn is_zero(self) -> bool {
        self.0 == 0 && self.1 == 0
    }

    fn leading_zeros(self) -> u32 {
        if self.0 != 0 {
            self.0.leading_zeros()
        } else {
            128 + self.1.leading_zeros()
        }
    }

    fn shl(self, n: u32) -> U256 {
        match n {
            0 => self,
            1..=127 => U256(self.0 << n | self.1 >> (128 - n), self.1 << n),
            128..=255 => U256(self.1 << (n - 128), 0),
            _ => U256::ZERO,
        }
    }

    fn shr(self, n: u32) -> U256 {
        match n {
            0 => self,
            1..=127 => U256(self.0 >> n, self.1 >> n | self.0 << (128 - n)),
            128..=255 => U256(0, self.0 >> (n - 128)),
            _ => U256::ZERO,
        }
    }

    /// The bits below bit `n` are not all zero.
    fn low_nonzero(self, n: u32) -> bool {
        !self.shl(256u32.saturating_sub(n).min(256)).is_zero() && n > 0
    }

    /// Shift right, ORing the bits shifted out into bit 0.
    fn shr_sticky(self, n: u32) -> U256 {
        let s = self.shr(n);
        if self.low_nonzero(n.min(256)) {
            U256(s.0, s.1 | 1)
        } else {
            s
        }
    }

    fn add(self, o: U256) -> U256 {
        let (lo, c) = self.1.overflowing_add(o.1);
        U256(self.0.wrapping_add(o.0).wrapping_add(c as u128), lo)
    }

    fn sub(self, o: U256) -> U256 {
        let (lo, b) = self.1.overflowing_sub(o.1);
        U256(self.0.wrapping_sub(o.0).wrapping_sub(b as u128), lo)
    }

    fn bit(self, n: u32) -> bool {
        !self.shr(n).shl(255).is_zero()
    }

    /// The full product of two 128-bit integers.
    fn mul(a: u128, b: u128) -> U256 {
        let (a1, a0) = (a >> 64, a & u64::MAX as u128);
        let (b1, b0) = (b >> 64, b & u64::MAX as u128);
        let lo = U256::from(a0 * b0);
        let m1 = U256::from(a1 * b0).shl(64);
        let m2 = U256::from(a0 * b1).shl(64);
        let hi = U256(a1 * b1, 0);
        lo.add(m1).add(m2).add(hi)
    }
}

/// Rounding: the four FPSCR\[RN\] modes, round to odd (the `o` forms)
/// and ties away from zero (xsrqpi with R = 0, RMC = 0).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Round to nearest, ties to even.
    Nearest,
    /// Toward zero.
    Zero,
    /// Toward +infinity.
    Up,
    /// Toward -infinity.
    Down,
    /// Round to odd: truncate, then set the last bit if inexact.
    Odd,
    /// Round to nearest, ties away from zero.
    Away,
}

impl Mode {
    /// The mode of FPSCR\[RN\] `rn`.
    pub fn of_rn(rn: u64) -> Mode {
        [Mode::Nearest, Mode::Zero, Mode::Up, Mode::Down][(rn & 3) as usize]
    }
}

/// A binary floating-point format: fraction bits and exponent bits.
#[derive(Clone, Copy)]
pub struct Fmt {
    fbits: u32,
    ebits: u32,
}

/// IEEE binary128.
pub const QUAD: Fmt = Fmt {
    fbits: 112,
    ebits: 15,
};
/// IEEE binary64.
pub const DOUBLE: Fmt = Fmt {
    fbits: 52,
    ebits: 11,
};

/// IEEE binary32.
pub const SINGLE: Fmt = Fmt {
    fbits: 23,
    ebits: 8,
};
/// bfloat16.
pub const BF16: Fmt = Fmt { fbits: 7, ebits: 8 };

impl Fmt {
    fn bias(self) -> i32 {
        (1 << (self.ebits - 1)) - 1
    }
    fn emax_field(self) -> u128 {
        (1 << self.ebits) - 1
    }
    fn frac_mask(self) -> u128 {
        (1 << self.fbits) - 1
    }
    /// Exponent (weight) of the last fraction bit of a denormal.
    fn lsb_min(self) -> i32 {
        1 - self.bias() - self.fbits as i32
    }
    fn sign_bit(self) -> u32 {
        self.fbits + self.ebits
    }
    fn default_nan(self) -> u128 {
        self.emax_field() << self.fbits | 1 << (self.fbits - 1)
    }
}

/// A finite value `(-1)^neg * sig * 2^exp`.
#[derive(Clone, Copy, Debug)]
struct Exact {
    neg: bool,
    exp: i32,
    sig: U256,
}

/// Unpacked operand classes.
enum Val {
    Nan,
    Inf(bool),
    Finite(Exact),
}

fn unpack(x: u128, f: Fmt) -> Val {
    let neg = x >> f.sign_bit() & 1 != 0;
    let e = (x >> f.fbits) & f.emax_field();
    let frac = x & f.frac_mask();
    if e == f.emax_field() {
        return if frac != 0 { Val::Nan } else { Val::Inf(neg) };
    }
    let (sig, exp) = if e == 0 {
        (frac, f.lsb_min())
    } else {
        (frac | 1 << f.fbits, e as i32 - f.bias() - f.fbits as i32)
    };
    Val::Finite(Exact {
        neg,
        exp,
        sig: U256::from(sig),
    })
}

fn is_nan(x: u128, f: Fmt) -> bool {
    matches!(unpack(x, f), Val::Nan)
}

fn is_snan(x: u128, f: Fmt) -> bool {
    is_nan(x, f) && x >> (f.fbits - 1) & 1 == 0
}

/// The default QNaN of an invalid operation of kind `vx` (a VX* bit).
fn invalid(vx: u64, f: Fmt) -> u128 {
    raise(vx);
    f.default_nan()
}

fn quiet(x: u128, f: Fmt) -> u128 {
    x | 1 << (f.fbits - 1)
}

fn inf(neg: bool, f: Fmt) -> u128 {
    (neg as u128) << f.sign_bit() | f.emax_field() << f.fbits
}

fn zero(neg: bool, f: Fmt) -> u128 {
    (neg as u128) << f.sign_bit()
}

/// Power's NaN result: the first NaN of `ops`, quieted, else the default
/// QNaN.
fn nan_of(ops: &[u128], f: Fmt) -> u128 {
    if ops.iter().any(|&x| is_snan(x, f)) {
        raise(VXSNAN);
    }
    ops.iter()
        .find(|&&x| is_nan(x, f))
        .map_or(f.default_nan(), |&x| quiet(x, f))
}

/// Rounds `v` to the format `f` by `mode`; with `int`, to an integral
/// value instead (last kept bit of weight 2^0), and with `prec` =
/// (bits, weight of a denormal's last bit), to that precision.
fn round(v: Exact, f: Fmt, mode: Mode, int: bool, prec: Option<(u32, i32)>) -> u128 {
    if v.sig.is_zero() {
        return zero(v.neg, f);
    }
    let top = 255 - v.sig.leading_zeros() as i32 + v.exp; // exponent of the leading bit
    let (p, lsb_min) = prec.unwrap_or((f.fbits + 1, f.lsb_min()));
    let mut lsb = (top - (p as i32 - 1)).max(lsb_min);
    if int {
        lsb = lsb.max(0);
    }
    let shift = lsb - v.exp;
    let (mut m, guard, sticky) = if shift <= 0 {
        (v.sig.shl((-shift) as u32), false, false)
    } else {
        let s = shift as u32;
        (
            v.sig.shr(s),
            s <= 256 && v.sig.bit(s - 1),
            v.sig.low_nonzero((s - 1).min(256)),
        )
    };
    let inexact = guard || sticky;
    if inexact {
        raise(XX | FI);
        // Tininess is detected before rounding, as Power does.
        if top < 1 - f.bias() {
            raise(UX);
        }
    }
    let odd = m.bit(0);
    let up = match mode {
        Mode::Nearest => guard && (sticky || odd),
        Mode::Away => guard,
        Mode::Zero | Mode::Odd => false,
        Mode::Up => inexact && !v.neg,
        Mode::Down => inexact && v.neg,
    };
    if up {
        m = m.add(U256::from(1));
    }
    if mode == Mode::Odd && inexact {
        m = U256(m.0, m.1 | 1);
    }
    if m.is_zero() {
        return zero(v.neg, f);
    }
    // Renormalise after a carry out of the top bit.
    let mtop = 255 - m.leading_zeros() as i32;
    let e_top = lsb + mtop;
    let sign = (v.neg as u128) << f.sign_bit();
    if e_top > f.bias() {
        raise(OX | XX | FI);
        let to_inf = match mode {
            Mode::Nearest | Mode::Away => true,
            Mode::Zero | Mode::Odd => false,
            Mode::Up => !v.neg,
            Mode::Down => v.neg,
        };
        return if to_inf {
            inf(v.neg, f)
        } else {
            sign | (f.emax_field() - 1) << f.fbits | f.frac_mask()
        };
    }
    // Position the significand so that its leading bit is bit `fbits`.
    let (m, e_top) = (m.1, e_top);
    let m = if mtop as u32 > f.fbits {
        m >> (mtop as u32 - f.fbits)
    } else {
        m << (f.fbits - mtop as u32)
    };
    if e_top < 1 - f.bias() {
        // Denormal: the leading bit sits below bit `fbits`.
        let sh = (1 - f.bias() - e_top) as u32;
        return sign | m >> sh;
    }
    let biased = (e_top + f.bias()) as u128;
    sign | biased << f.fbits | (m & f.frac_mask())
}

/// `a + b` exactly enough for one rounding: both aligned in 256 bits,
/// the smaller exponent's shifted right with a sticky bit.
fn add_exact(a: Exact, b: Exact, mode: Mode) -> Exact {
    let norm = |x: Exact| {
        if x.sig.is_zero() {
            return x;
        }
        let lz = x.sig.leading_zeros();
        // Leading bit at 253: room for a carry.
        let sh = lz as i32 - 2;
        Exact {
            neg: x.neg,
            exp: x.exp - sh,
            sig: if sh >= 0 {
                x.sig.shl(sh as u32)
            } else {
                x.sig.shr_sticky((-sh) as u32)
            },
        }
    };
    let (a, b) = (norm(a), norm(b));
    if b.sig.is_zero() {
        return if a.sig.is_zero() {
            zero_sum(a, b, mode)
        } else {
            a
        };
    }
    if a.sig.is_zero() {
        return b;
    }
    let (hi, lo) = if a.exp >= b.exp { (a, b) } else { (b, a) };
    let d = (hi.exp - lo.exp) as u32;
    let lo_sig = lo.sig.shr_sticky(d);
    if hi.neg == lo.neg {
        return Exact {
            neg: hi.neg,
            exp: hi.exp,
            sig: hi.sig.add(lo_sig),
        };
    }
    let (neg, sig) = if hi.sig >= lo_sig {
        (hi.neg, hi.sig.sub(lo_sig))
    } else {
        (lo.neg, lo_sig.sub(hi.sig))
    };
    if sig.is_zero() {
        // Exact cancellation: +0, or -0 rounding toward -infinity.
        return Exact {
            neg: mode == Mode::Down,
            exp: 0,
            sig,
        };
    }
    Exact {
        neg,
        exp: hi.exp,
        sig,
    }
}

/// The sum of two zeros: -0 only if both are, or if they differ and the
/// mode rounds toward -infinity.
fn zero_sum(a: Exact, b: Exact, mode: Mode) -> Exact {
    let neg = if a.neg == b.neg {
        a.neg
    } else {
        mode == Mode::Down
    };
    Exact {
        neg,
        exp: 0,
        sig: U256::ZERO,
    }
}

/// Quad `a + b` (`neg_b`: a - b).
pub fn add(a: u128, b: u128, neg_b: bool, mode: Mode) -> u128 {
    let f = QUAD;
    let b_eff = b ^ (neg_b as u128) << 127;
    match (unpack(a, f), unpack(b_eff, f)) {
        (Val::Nan, _) | (_, Val::Nan) => nan_of(&[a, b], f),
        (Val::Inf(x), Val::Inf(y)) if x != y => invalid(VXISI, f),
        (Val::Inf(x), _) | (_, Val::Inf(x)) => inf(x, f),
        (Val::Finite(x), Val::Finite(y)) => round(add_exact(x, y, mode), f, mode, false, None),
    }
}

fn mul_exact(x: Exact, y: Exact) -> Exact {
    Exact {
        neg: x.neg != y.neg,
        exp: x.exp + y.exp,
        sig: U256::mul(x.sig.1, y.sig.1),
    }
}

/// Quad `a * b`.
pub fn mul(a: u128, b: u128, mode: Mode) -> u128 {
    let f = QUAD;
    match (unpack(a, f), unpack(b, f)) {
        (Val::Nan, _) | (_, Val::Nan) => nan_of(&[a, b], f),
        (Val::Inf(x), Val::Inf(y)) => inf(x != y, f),
        (Val::Inf(s), Val::Finite(v)) | (Val::Finite(v), Val::Inf(s)) => {
            if v.sig.is_zero() {
                invalid(VXIMZ, f)
            } else {
                inf(s != v.neg, f)
            }
        }
        (Val::Finite(x), Val::Finite(y)) => round(mul_exact(x, y), f, mode, false, None),
    }
}

/// Quad `a * b + c` with one rounding; `neg_c` subtracts c, `neg_r`
/// negates a non-NaN result.
pub fn fma(a: u128, b: u128, c: u128, neg_c: bool, neg_r: bool, mode: Mode) -> u128 {
    let f = QUAD;
    let c_eff = c ^ (neg_c as u128) << 127;
    let (ua, ub, uc) = (unpack(a, f), unpack(b, f), unpack(c_eff, f));
    if matches!(ua, Val::Nan) || matches!(ub, Val::Nan) || matches!(uc, Val::Nan) {
        return nan_of(&[a, c, b], f);
    }
    // A negated result rounds in the mirrored direction.
    let m = match (neg_r, mode) {
        (true, Mode::Up) => Mode::Down,
        (true, Mode::Down) => Mode::Up,
        _ => mode,
    };
    let r = match (ua, ub, uc) {
        (Val::Finite(x), Val::Finite(y), Val::Finite(z)) => {
            let p = mul_exact(x, y);
            let s = if p.sig.is_zero() && z.sig.is_zero() {
                zero_sum(p, z, m)
            } else {
                add_exact(p, z, m)
            };
            round(s, f, m, false, None)
        }
        (ua, ub, uc) => {
            // An infinity somewhere: the product's class, then the sum.
            let prod = match (ua, ub) {
                (Val::Inf(x), Val::Inf(y)) => Some(Some(x != y)),
                (Val::Inf(s), Val::Finite(v)) | (Val::Finite(v), Val::Inf(s)) => {
                    if v.sig.is_zero() {
                        None
                    } else {
                        Some(Some(s != v.neg))
                    }
                }
                _ => Some(None),
            };
            match (prod, uc) {
                (None, _) => return invalid(VXIMZ, f),
                (Some(Some(x)), Val::Inf(y)) if x != y => return invalid(VXISI, f),
                (Some(Some(x)), _) => inf(x, f),
                (Some(None), Val::Inf(y)) => inf(y, f),
                _ => unreachable_finite(),
            }
        }
    };
    if neg_r { r ^ 1 << 127 } else { r }
}

/// The finite case is handled before; kept total without a panic.
fn unreachable_finite() -> u128 {
    QUAD.default_nan()
}

/// Quad `a / b`.
pub fn div(a: u128, b: u128, mode: Mode) -> u128 {
    let f = QUAD;
    match (unpack(a, f), unpack(b, f)) {
        (Val::Nan, _) | (_, Val::Nan) => nan_of(&[a, b], f),
        (Val::Inf(_), Val::Inf(_)) => invalid(VXIDI, f),
        (Val::Inf(x), Val::Finite(y)) => inf(x != y.neg, f),
        (Val::Finite(x), Val::Inf(y)) => zero(x.neg != y, f),
        (Val::Finite(x), Val::Finite(y)) => {
            let neg = x.neg != y.neg;
            if y.sig.is_zero() {
                return if x.sig.is_zero() {
                    invalid(VXZDZ, f)
                } else {
                    raise(ZX);
                    inf(neg, f)
                };
            }
            if x.sig.is_zero() {
                return zero(neg, f);
            }
            // Normalise both to a leading bit at 112.
            let nx = x.sig.leading_zeros() as i32 - 143;
            let ny = y.sig.leading_zeros() as i32 - 143;
            let (mx, my) = (x.sig.1 << nx, y.sig.1 << ny);
            let (ex, ey) = (x.exp - nx, y.exp - ny);
            // 126 quotient bits by long division, remainder as sticky.
            let mut rem = mx;
            let mut q: u128 = 0;
            for _ in 0..126 {
                q <<= 1;
                if rem >= my {
                    rem -= my;
                    q |= 1;
                }
                rem <<= 1;
            }
            let sig = U256::from(q << 1 | (rem != 0) as u128);
            // mx / my * 2^125 = q (+ fraction); one extra bit shifted in.
            let v = Exact {
                neg,
                exp: ex - ey - 126,
                sig,
            };
            round(v, f, mode, false, None)
        }
    }
}

/// Quad square root.
pub fn sqrt(b: u128, mode: Mode) -> u128 {
    let f = QUAD;
    match unpack(b, f) {
        Val::Nan => nan_of(&[b], f),
        Val::Inf(false) => b,
        Val::Inf(true) => invalid(VXSQRT, f),
        Val::Finite(x) if x.sig.is_zero() => b,
        Val::Finite(x) if x.neg => invalid(VXSQRT, f),
        Val::Finite(x) => {
            // Leading bit at 112 or 113 with an even exponent.
            let n = x.sig.leading_zeros() as i32 - 143;
            let (mut m, mut e) = (x.sig.1 << n, x.exp - n);
            if e & 1 != 0 {
                m <<= 1;
                e -= 1;
            }
            // Radicand m * 2^136 (leading bit 248 or 249): 125 root bits.
            let rad = U256::from(m).shl(136);
            let (mut rem, mut root): (u128, u128) = (0, 0);
            for k in (0..125).rev() {
                let pair = rad.shr(2 * k).1 & 3;
                rem = rem << 2 | pair;
                let trial = root << 2 | 1;
                root <<= 1;
                if rem >= trial {
                    rem -= trial;
                    root |= 1;
                }
            }
            let v = Exact {
                neg: false,
                exp: (e - 136) / 2 - 1,
                sig: U256::from(root << 1 | (rem != 0) as u128),
            };
            round(v, f, mode, false, None)
        }
    }
}

/// Ordered comparison of two non-NaN values: Less, Equal, Greater.
fn cmp_num(a: u128, b: u128) -> std::cmp::Ordering {
    // Sign-magnitude to a totally ordered integer (+0 == -0).
    let key = |x: u128| -> i128 {
        let mag = (x & !(1 << 127)) as i128;
        if x >> 127 != 0 { -mag } else { mag }
    };
    key(a).cmp(&key(b))
}

/// Quad compare: None if unordered.
pub fn compare(a: u128, b: u128) -> Option<std::cmp::Ordering> {
    if is_nan(a, QUAD) || is_nan(b, QUAD) {
        None
    } else {
        Some(cmp_num(a, b))
    }
}

/// Converts the exact value of `x` (format `from`) to format `to`; a
/// NaN keeps its leading fraction bits, quieted.
pub fn convert(x: u128, from: Fmt, to: Fmt, mode: Mode) -> u128 {
    match unpack(x, from) {
        Val::Nan => {
            if is_snan(x, from) {
                raise(VXSNAN);
            }
            // Keep the leading fraction bits, quieted.
            let neg = x >> from.sign_bit() & 1;
            let frac = x & from.frac_mask();
            let frac = if to.fbits >= from.fbits {
                frac << (to.fbits - from.fbits)
            } else {
                frac >> (from.fbits - to.fbits)
            };
            quiet(
                neg << to.sign_bit() | to.emax_field() << to.fbits | frac,
                to,
            )
        }
        Val::Inf(n) => inf(n, to),
        Val::Finite(v) => round(v, to, mode, false, None),
    }
}

/// The exact sum of the doubles `p` and `q`, rounded once to single
/// precision (bits); by double arithmetic if either is not finite.
pub fn sum_to_single(p: f64, q: f64, mode: Mode) -> u32 {
    let (Val::Finite(x), Val::Finite(y)) = (
        unpack(p.to_bits() as u128, DOUBLE),
        unpack(q.to_bits() as u128, DOUBLE),
    ) else {
        return ((p + q) as f32).to_bits();
    };
    let s = if x.sig.is_zero() && y.sig.is_zero() {
        zero_sum(x, y, mode)
    } else {
        add_exact(x, y, mode)
    };
    round(s, SINGLE, mode, false, None) as u32
}

/// Quad to an integer of `bits` bits (signed or not), toward zero,
/// saturating; a NaN gives the minimum (signed) or 0.
fn to_int(x: u128, signed: bool, bits: u32) -> u128 {
    let min: i128 = if signed {
        if bits == 128 {
            i128::MIN
        } else {
            -(1i128 << (bits - 1))
        }
    } else {
        0
    };
    let max: u128 = if signed {
        (1u128 << (bits - 1)) - 1
    } else if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    let bad = |r: u128| {
        // Invalid, not inexact.
        FLAGS.set(FLAGS.get() & !(XX | FI) | VXCVI);
        r
    };
    match unpack(x, QUAD) {
        Val::Nan => {
            if is_snan(x, QUAD) {
                raise(VXSNAN);
            }
            bad(min as u128)
        }
        Val::Inf(n) => bad(if n { min as u128 } else { max }),
        Val::Finite(v) => {
            // Truncate toward zero.
            let mag = if v.exp >= 0 {
                if v.exp >= 128 || v.sig.1.leading_zeros() < v.exp as u32 {
                    None
                } else {
                    Some(v.sig.1 << v.exp)
                }
            } else {
                if v.sig.low_nonzero((-v.exp).min(256) as u32) {
                    raise(XX | FI);
                }
                Some(v.sig.shr((-v.exp) as u32).1)
            };
            match (mag, v.neg) {
                (None, false) => bad(max),
                (None, true) => bad(min as u128),
                (Some(m), false) if m > max => bad(max),
                (Some(m), false) => m,
                (Some(0), true) => 0,
                (Some(_), true) if !signed => bad(0),
                (Some(m), true) if m > min.unsigned_abs() => bad(min as u128),
                (Some(m), true) => (m as i128).wrapping_neg() as u128,
            }
        }
    }
}

/// A 128-bit integer to quad, rounded by `mode`.
fn from_int(v: u128, signed: bool, mode: Mode) -> u128 {
    let neg = signed && (v as i128) < 0;
    let mag = if neg { (v as i128).unsigned_abs() } else { v };
    round(
        Exact {
            neg,
            exp: 0,
            sig: U256::from(mag),
        },
        QUAD,
        mode,
        false,
        None,
    )
}

/// Whether the data-class mask `dcmx` (bit 6 NaN, 5 +inf, 4 -inf, 3 +0,
/// 2 -0, 1 +denormal, 0 -denormal) matches `x`.
fn dc_match(x: u128, dcmx: u32) -> bool {
    let neg = x >> 127 != 0;
    let e = (x >> 112) & 0x7fff;
    let frac = x & QUAD.frac_mask();
    let bit = match (e, frac) {
        (0x7fff, 0) => 5 - neg as u32,
        (0x7fff, _) => 6,
        (0, 0) => 3 - neg as u32,
        (0, _) => 1 - neg as u32,
        _ => return false,
    };
    dcmx >> bit & 1 != 0
}

/// The FPRF class code (C FL FG FE FU) of `x` in format `f`.
fn class_code(x: u128, f: Fmt) -> u64 {
    let neg = x >> f.sign_bit() & 1 != 0;
    let e = (x >> f.fbits) & f.emax_field();
    let frac = x & f.frac_mask();
    match (e, frac != 0, neg) {
        (e, true, _) if e == f.emax_field() => 0b10001,
        (e, false, n) if e == f.emax_field() => {
            if n {
                0b01001
            } else {
                0b00101
            }
        }
        (0, false, n) => {
            if n {
                0b10010
            } else {
                0b00010
            }
        }
        (0, true, n) => {
            if n {
                0b11000
            } else {
                0b10100
            }
        }
        (_, _, n) => {
            if n {
                0b01000
            } else {
                0b00100
            }
        }
    }
}

/// Merges the exception bits `fl` raised by an instruction into FPSCR:
/// with `fprf` (an arithmetic result's class) FI and FR are replaced and
/// FPRF set; FX when an exception bit goes from 0 to 1; VX and FEX
/// recomputed.
fn update_fpscr(st: &mut Ppc64State, fl: u64, fprf: Option<u64>) {
    let old = st.fpscr;
    let exc = OX | UX | ZX | XX | VX_ALL;
    let mut new = old | (fl & exc);
    if let Some(c) = fprf {
        new = (new & !(FI | FR | FPRF)) | (fl & FI) | c << 12;
    }
    if (new & !old) & exc != 0 {
        new |= FX;
    }
    st.fpscr = crate::helpers::fpscr_summary(new);
}

/// The invalid-operation bits of a compare of `a` and `b`: VXSNAN for a
/// signalling NaN, and for an ordered (`ordered`) compare VXVC for any
/// NaN.
fn cmp_flags(a: u128, b: u128, ordered: bool) {
    if is_snan(a, QUAD) || is_snan(b, QUAD) {
        raise(VXSNAN);
    }
    if ordered && (is_nan(a, QUAD) || is_nan(b, QUAD)) {
        raise(1 << 19); // VXVC
    }
}

/// Sets CR field `bf` and FPSCR\[FPCC\] to the 4-bit `v`.
fn set_cc(st: &mut Ppc64State, bf: u32, v: u32) {
    for k in 0..4 {
        st.cr[4 * bf as usize + k] = (v >> (3 - k) & 1) as u8;
    }
    st.fpscr = (st.fpscr & !(0xf << 12)) | (v as u64) << 12;
}

/// The rounding mode of xsrqpi/xsrqpix/xsrqpxp (R, RMC).
fn rqp_mode(i: Insn, rn: u64) -> Mode {
    match (i.ra() & 1, i.bits(10, 9)) {
        (0, 0) => Mode::Away,
        (1, 0) => Mode::Nearest,
        (1, 1) => Mode::Zero,
        (1, 2) => Mode::Up,
        (1, 3) => Mode::Down,
        _ => Mode::of_rn(rn),
    }
}

/// Executes the quad-precision instruction `i` (po 63) on `st`; false if
/// it is not one. With FPSCR tracking on, also updates FPSCR's status.
pub fn exec(st: &mut Ppc64State, i: Insn) -> bool {
    take_flags();
    let Some(fprf) = exec_op(st, i) else {
        return false;
    };
    let fl = take_flags();
    if st.fp_track != 0 {
        let xo = i.xo10();
        // xsrqpi (EX = 0) does not report inexact.
        let fl = if i.bits(8, 1) == 5 && i.rc() == 0 {
            fl & !(XX | FI)
        } else {
            fl
        };
        let rt = 32 + i.rt() as usize;
        let code = fprf.map(|f| {
            if xo == 836 && i.ra() == 20 {
                class_code(st.vsr[rt] >> 64, f)
            } else {
                class_code(st.vsr[rt], f)
            }
        });
        update_fpscr(st, fl, code);
    }
    true
}

/// Executes `i`: `None` if it is not a quad-precision instruction, else
/// the format whose FPRF class the result sets (`None` inside: no FPRF).
fn exec_op(st: &mut Ppc64State, i: Insn) -> Option<Option<Fmt>> {
    let (t, a, b) = (
        32 + i.rt() as usize,
        32 + i.ra() as usize,
        32 + i.rb() as usize,
    );
    let (va, vb, vt) = (st.vsr[a], st.vsr[b], st.vsr[t]);
    let rn = st.fpscr & 3;
    let mode = if i.rc() == 1 {
        Mode::Odd
    } else {
        Mode::of_rn(rn)
    };
    let xo = i.xo10();
    // Z23-form roundings (xo in ISA 23:30).
    if matches!(i.bits(8, 1), 5 | 37) {
        if i.ra() >> 1 != 0 {
            return None;
        }
        let m = rqp_mode(i, rn);
        st.vsr[t] = match unpack(vb, QUAD) {
            // xsrqpxp keeps 63 fraction bits of a NaN (qemu's floatx80).
            Val::Nan if i.bits(8, 1) == 37 => nan_of(&[vb], QUAD) & !((1 << 49) - 1),
            Val::Nan => nan_of(&[vb], QUAD),
            Val::Inf(_) => vb,
            Val::Finite(v) if i.bits(8, 1) == 5 => round(v, QUAD, m, true, None),
            // Double-extended precision: 64 bits, denormal below 2^-16382
            // with a last bit of weight 2^-16445 (qemu's floatx80).
            Val::Finite(v) => round(v, QUAD, m, false, Some((64, -16445))),
        };
        return Some(Some(QUAD));
    }
    let no_odd = |r: u32| r == 0;
    let r: u128 = match xo {
        4 => add(va, vb, false, mode),
        516 => add(va, vb, true, mode),
        36 => mul(va, vb, mode),
        548 => div(va, vb, mode),
        388 | 420 | 452 | 484 => {
            let k = (xo - 388) / 32;
            fma(va, vb, vt, k & 1 != 0, k >= 2, mode)
        }
        644 | 132 => {
            if i.bits(22, 21) != 0 || !no_odd(i.rc()) {
                return None;
            }
            cmp_flags(va, vb, xo == 132);
            let v = match compare(va, vb) {
                None => 1,
                Some(std::cmp::Ordering::Less) => 8,
                Some(std::cmp::Ordering::Greater) => 4,
                Some(std::cmp::Ordering::Equal) => 2,
            };
            set_cc(st, i.bf(), v);
            return Some(None);
        }
        164 => {
            // xscmpexpqp: the exponent fields.
            if i.bits(22, 21) != 0 || !no_odd(i.rc()) {
                return None;
            }
            let e = |x: u128| (x >> 112) & 0x7fff;
            let v = if is_nan(va, QUAD) || is_nan(vb, QUAD) {
                1
            } else {
                match e(va).cmp(&e(vb)) {
                    std::cmp::Ordering::Less => 8,
                    std::cmp::Ordering::Greater => 4,
                    std::cmp::Ordering::Equal => 2,
                }
            };
            set_cc(st, i.bf(), v);
            return Some(None);
        }
        68 | 196 | 228 => {
            if !no_odd(i.rc()) {
                return None;
            }
            cmp_flags(va, vb, xo != 68);
            let c = compare(va, vb);
            let t = match xo {
                68 => c == Some(std::cmp::Ordering::Equal),
                196 => matches!(
                    c,
                    Some(std::cmp::Ordering::Equal | std::cmp::Ordering::Greater)
                ),
                _ => c == Some(std::cmp::Ordering::Greater),
            };
            if t { u128::MAX } else { 0 }
        }
        676 | 740 => {
            if !no_odd(i.rc()) {
                return None;
            }
            // xsmaxcqp: a if b <= a; xsmincqp: a if a < b; else b.
            cmp_flags(va, vb, false);
            let c = compare(va, vb);
            let first = if xo == 676 {
                matches!(
                    c,
                    Some(std::cmp::Ordering::Equal | std::cmp::Ordering::Greater)
                )
            } else {
                c == Some(std::cmp::Ordering::Less)
            };
            if first { va } else { vb }
        }
        100 => (va & 1 << 127) | (vb & !(1 << 127)),
        868 => (va & !(0x7fff << 112)) | ((vb >> 64) & 0x7fff) << 112,
        708 => {
            if !no_odd(i.rc()) {
                return None;
            }
            let m = dc_match(vb, i.bits(22, 16));
            set_cc(st, i.bf(), ((vb >> 127) as u32) << 3 | (m as u32) << 1);
            return Some(None);
        }
        804 => {
            let r = match i.ra() {
                0 => vb & !(1 << 127),
                8 => vb | 1 << 127,
                16 => vb ^ 1 << 127,
                2 => ((vb >> 112) & 0x7fff) << 64,
                18 => {
                    let e = (vb >> 112) & 0x7fff;
                    let frac = vb & QUAD.frac_mask();
                    if e == 0 || e == 0x7fff {
                        frac
                    } else {
                        frac | 1 << 112
                    }
                }
                27 => sqrt(vb, mode),
                _ => return None,
            };
            if i.ra() != 27 && !no_odd(i.rc()) {
                return None;
            }
            r
        }
        836 => {
            let b0 = (vb >> 64) as u64;
            if i.ra() != 20 && !no_odd(i.rc()) {
                return None;
            }
            match i.ra() {
                20 => (convert(vb, QUAD, DOUBLE, mode)) << 64,
                22 => convert(b0 as u128, DOUBLE, QUAD, Mode::Nearest),
                25 => to_int(vb, true, 64) << 64,
                9 => (to_int(vb, true, 32) as i32 as i64 as u64 as u128) << 64,
                17 => to_int(vb, false, 64) << 64,
                1 => to_int(vb, false, 32) << 64,
                10 => from_int(b0 as i64 as i128 as u128, true, mode),
                2 => from_int(b0 as u128, false, mode),
                8 => to_int(vb, true, 128),
                0 => to_int(vb, false, 128),
                11 => from_int(vb, true, mode),
                3 => from_int(vb, false, mode),
                _ => return None,
            }
        }
        _ => return None,
    };
    st.vsr[t] = r;
    let fprf = match (xo, i.ra()) {
        (4 | 516 | 36 | 548 | 388 | 420 | 452 | 484, _) | (804, 27) => Some(QUAD),
        (836, 20) => Some(DOUBLE),
        (836, 22 | 10 | 2 | 11 | 3) => Some(QUAD),
        _ => None,
    };
    Some(fprf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f64 -> quad bits (exact) for test values.
    fn q(x: f64) -> u128 {
        convert(x.to_bits() as u128, DOUBLE, QUAD, Mode::Nearest)
    }

    /// quad -> f64 (nearest).
    fn d(x: u128) -> f64 {
        f64::from_bits(convert(x, QUAD, DOUBLE, Mode::Nearest) as u64)
    }

    #[test]
    fn known_encodings() {
        assert_eq!(q(1.0), 0x3fff_0000_0000_0000_0000_0000_0000_0000);
        assert_eq!(q(-2.0), 0xc000_0000_0000_0000_0000_0000_0000_0000);
        assert_eq!(q(f64::INFINITY), 0x7fff_0000_0000_0000_0000_0000_0000_0000);
        // The smallest double denormal is a normal quad.
        assert_eq!(q(f64::from_bits(1)), (16383 - 1074u128) << 112);
    }

    #[test]
    fn arithmetic_against_doubles() {
        let n = Mode::Nearest;
        assert_eq!(d(add(q(1.5), q(2.25), false, n)), 3.75);
        assert_eq!(d(add(q(1.5), q(2.25), true, n)), -0.75);
        assert_eq!(d(mul(q(3.0), q(-0.5), n)), -1.5);
        assert_eq!(d(div(q(1.0), q(3.0), n)), 1.0 / 3.0);
        assert_eq!(d(sqrt(q(2.0), n)), 2f64.sqrt());
        assert_eq!(d(fma(q(2.0), q(3.0), q(1.0), false, false, n)), 7.0);
        assert_eq!(d(fma(q(2.0), q(3.0), q(1.0), true, true, n)), -5.0);
    }

    #[test]
    fn one_third_rounds_by_mode() {
        // 1/3 = 0x3ffd_5555...5555 (truncated); nearest rounds down
        // (the next bit is 0), +inf up.
        let third_rz = 0x3ffd_5555_5555_5555_5555_5555_5555_5555u128;
        assert_eq!(div(q(1.0), q(3.0), Mode::Nearest), third_rz);
        assert_eq!(div(q(1.0), q(3.0), Mode::Zero), third_rz);
        assert_eq!(div(q(1.0), q(3.0), Mode::Up), third_rz + 1);
        assert_eq!(div(q(1.0), q(3.0), Mode::Odd), third_rz); // already odd
        // 2/3: the same fraction one binade up; -1/3 toward -inf.
        assert_eq!(div(q(2.0), q(3.0), Mode::Nearest), third_rz + (1 << 112));
        assert_eq!(
            div(q(-1.0), q(3.0), Mode::Down),
            (third_rz + 1) | (1 << 127)
        );
    }

    #[test]
    fn sqrt_is_exact_for_squares_and_correctly_rounded() {
        assert_eq!(sqrt(q(9.0), Mode::Nearest), q(3.0));
        let r = sqrt(q(2.0), Mode::Zero);
        // r^2 <= 2 < (r + ulp)^2, checked through fma residuals.
        let two = q(2.0);
        let lo = fma(r, r, two, true, false, Mode::Nearest);
        let r1 = r + 1;
        let hi = fma(r1, r1, two, true, false, Mode::Nearest);
        assert!(d(lo) <= 0.0 && d(hi) > 0.0);
    }

    #[test]
    fn special_values_and_nans() {
        let n = Mode::Nearest;
        let qnan = QUAD.default_nan();
        assert_eq!(add(inf(false, QUAD), inf(true, QUAD), false, n), qnan);
        assert_eq!(mul(q(0.0), inf(false, QUAD), n), qnan);
        let snan = 0x7fff_0000_0000_0000_0000_0000_0000_0001u128;
        assert_eq!(add(q(1.0), snan, false, n), quiet(snan, QUAD));
        // Exact cancellation: +0, -0 toward -inf.
        assert_eq!(add(q(1.0), q(1.0), true, n), 0);
        assert_eq!(add(q(1.0), q(1.0), true, Mode::Down), 1 << 127);
        // Overflow.
        let max = 0x7ffe_ffff_ffff_ffff_ffff_ffff_ffff_ffffu128;
        assert_eq!(add(max, max, false, n), inf(false, QUAD));
        assert_eq!(add(max, max, false, Mode::Zero), max);
        // Denormal results are exact when representable.
        let tiny = 1u128; // smallest denormal
        assert_eq!(add(tiny, tiny, false, n), 2);
        assert_eq!(div(tiny, q(2.0), n), 0); // ties to even (0)
        assert_eq!(div(tiny, q(2.0), Mode::Up), 1);
    }

    #[test]
    fn fpscr_status_when_tracking() {
        // xsdivqp v1,v2,v3 (xo 548).
        let w = Insn(63 << 26 | 1 << 21 | 2 << 16 | 3 << 11 | 548 << 1);
        let mut st = Ppc64State::default();
        st.vsr[34] = q(1.0);
        st.vsr[35] = q(3.0);
        assert!(exec(&mut st, w));
        assert_eq!(st.fpscr, 0, "not tracking: FPSCR untouched");
        st.fp_track = 1;
        assert!(exec(&mut st, w));
        // FX, XX, FI, FPRF = +normal.
        assert_eq!(st.fpscr, FX | XX | FI | 0b00100 << 12);
        st.vsr[35] = q(0.0);
        assert!(exec(&mut st, w));
        // ZX newly set (FX stays), FI cleared, FPRF = +infinity; XX sticky.
        assert_eq!(st.fpscr, FX | XX | ZX | 0b00101 << 12);
        // 0/0 with VE enabled: VXZDZ, VX, FEX.
        st.vsr[34] = q(0.0);
        st.fpscr = 0x80;
        assert!(exec(&mut st, w));
        assert_eq!(st.fpscr, FX | FEX | VX | VXZDZ | 0b10001 << 12 | 0x80);
    }

    #[test]
    fn integer_conversions() {
        assert_eq!(to_int(q(-3.75), true, 64) as i64, -3);
        assert_eq!(to_int(q(1e30), true, 64) as i64, i64::MAX);
        assert_eq!(to_int(q(-1.0), false, 64), 0);
        assert_eq!(
            to_int(q(1e30), true, 128) as i128,
            1_000_000_000_000_000_019_884_624_838_656
        );
        assert_eq!(
            from_int(u128::MAX, false, Mode::Zero),
            0x407e_ffff_ffff_ffff_ffff_ffff_ffff_ffff
        );
        assert_eq!(d(from_int((-5i128) as u128, true, Mode::Nearest)), -5.0);
    }
}
