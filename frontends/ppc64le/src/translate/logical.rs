//! Fixed-point facility (Power ISA Book I chapter 3): logical, rotate,
//! shift and count instructions.

use super::{Ctx, TResult, Undef, mask64, require};
use crate::decode::Insn;
use crate::state::{R_CA, R_CA32};
use xlat_ir::{Cond, Type, Value};

/// ORI, ORIS, XORI, XORIS, ANDI., ANDIS.
pub fn ori(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let s = c.gpr(i.rt());
    let po = i.po();
    let imm = if po & 1 != 0 {
        (i.d() as u64) << 16
    } else {
        i.d() as u64
    };
    let k = c.b.i64(imm);
    let r = match po {
        24 | 25 => {
            if imm == 0 && i.rt() == i.ra() {
                return Ok(()); // nop and friends
            }
            c.b.or(s, k)
        }
        26 | 27 => c.b.xor(s, k),
        _ => c.b.and(s, k),
    };
    c.set_gpr(i.ra(), r);
    if po >= 28 {
        c.record(r);
    }
    Ok(())
}

/// AND, ANDC, OR, XOR, NAND, NOR, EQV, ORC (RA = RS op RB).
pub fn logical(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let s = c.gpr(i.rt());
    let b = c.gpr(i.rb());
    let r = match i.xo10() {
        28 => c.b.and(s, b),
        60 => {
            let nb = c.b.not(b);
            c.b.and(s, nb)
        }
        444 => {
            if i.rt() == i.rb() {
                s // mr
            } else {
                c.b.or(s, b)
            }
        }
        316 => c.b.xor(s, b),
        476 => {
            let x = c.b.and(s, b);
            c.b.not(x)
        }
        124 => {
            let x = c.b.or(s, b);
            c.b.not(x)
        }
        284 => {
            let x = c.b.xor(s, b);
            c.b.not(x)
        }
        412 => {
            let nb = c.b.not(b);
            c.b.or(s, nb)
        }
        _ => return Err(Undef),
    };
    c.set_gpr(i.ra(), r);
    if i.rc() != 0 {
        c.record(r);
    }
    Ok(())
}

/// Per-byte population counts of a 64-bit value (popcntb).
fn popcnt_bytes(c: &mut Ctx<'_>, x: Value) -> Value {
    let mut x = x;
    for (sh, m) in [
        (1, 0x5555_5555_5555_5555u64),
        (2, 0x3333_3333_3333_3333),
        (4, 0x0f0f_0f0f_0f0f_0f0f),
    ] {
        let s = c.b.i64(sh);
        let mk = c.b.i64(m);
        let lo = c.b.and(x, mk);
        let hi = c.b.lshr(x, s);
        let hi = c.b.and(hi, mk);
        x = c.b.add(lo, hi);
    }
    x
}

/// EXTSB/H/W, CNTLZW/D, CNTTZW/D, POPCNTB/W/D.
pub fn unary(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let s = c.gpr(i.rt());
    require(i.rb() == 0)?;
    let r = match i.xo10() {
        954 | 922 | 986 => {
            let ty = match i.xo10() {
                954 => Type::I8,
                922 => Type::I16,
                _ => Type::I32,
            };
            let t = c.b.trunc(ty, s);
            c.b.sext(Type::I64, t)
        }
        26 | 538 => {
            let w = c.lo32(s);
            let r = if i.xo10() == 26 {
                c.b.clz(w)
            } else {
                c.b.ctz(w)
            };
            c.b.zext(Type::I64, r)
        }
        58 => c.b.clz(s),
        570 => c.b.ctz(s),
        122 => popcnt_bytes(c, s),
        378 => {
            let lo = c.lo32(s);
            let k = c.b.i64(32);
            let hi = c.b.lshr(s, k);
            let hi = c.lo32(hi);
            let pl = c.b.popcnt(lo);
            let ph = c.b.popcnt(hi);
            c.join_words(ph, pl)
        }
        506 => c.b.popcnt(s),
        _ => return Err(Undef),
    };
    c.set_gpr(i.ra(), r);
    if i.rc() != 0 {
        c.record(r);
    }
    Ok(())
}

impl Ctx<'_> {
    /// `hi:lo` (two i32) as an i64.
    pub fn join_words(&mut self, hi: Value, lo: Value) -> Value {
        let hi = self.b.zext(Type::I64, hi);
        let lo = self.b.zext(Type::I64, lo);
        let k = self.b.i64(32);
        let hi = self.b.shl(hi, k);
        self.b.or(hi, lo)
    }
}

/// EXTSWSLI: RA = EXTS(RS\[32:63\]) << SH (6-bit).
pub fn extswsli(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let s = c.gpr(i.rt());
    let w = c.lo32(s);
    let x = c.b.sext(Type::I64, w);
    let k = c.b.i64(i.sh6() as u64);
    let r = c.b.shl(x, k);
    c.set_gpr(i.ra(), r);
    if i.rc() != 0 {
        c.record(r);
    }
    Ok(())
}

/// BRH, BRW, BRD (ISA 3.1): byte-reverse each halfword, word or the
/// doubleword of RS into RA.
pub fn byte_reverse(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(i.rb() == 0)?;
    let v = c.gpr(i.rt());
    let r = match i.xo10() {
        187 => c.b.bswap(v),
        155 => {
            // Reverse the whole doubleword, then swap its words back.
            let x = c.b.bswap(v);
            let k = c.b.i64(32);
            c.b.rotl(x, k)
        }
        _ => {
            let m = c.b.i64(0x00ff_00ff_00ff_00ff);
            let k = c.b.i64(8);
            let lo = c.b.and(v, m);
            let lo = c.b.shl(lo, k);
            let hi = c.b.lshr(v, k);
            let hi = c.b.and(hi, m);
            c.b.or(lo, hi)
        }
    };
    c.set_gpr(i.ra(), r);
    Ok(())
}

/// CMPB: each byte of RA is 0xff where the bytes of RS and RB are equal.
pub fn cmpb(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let s = c.gpr(i.rt());
    let b = c.gpr(i.rb());
    let x = c.b.xor(s, b);
    // High bit of each byte of t set where that byte of x is zero.
    let m7 = c.b.i64(0x7f7f_7f7f_7f7f_7f7f);
    let t = c.b.and(x, m7);
    let t = c.b.add(t, m7);
    let t = c.b.or(t, x);
    let t = c.b.or(t, m7);
    let t = c.b.not(t);
    let k = c.b.i64(7);
    let t = c.b.lshr(t, k);
    let ff = c.b.i64(0xff);
    let r = c.b.mul(t, ff);
    c.set_gpr(i.ra(), r);
    Ok(())
}

/// BPERMD: bit `7 - i` of RA is the bit of RB that byte `i` of RS
/// indexes (ISA numbering, bit 0 = most significant), 0 for an index of 64
/// or more.
pub fn bpermd(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let s = c.gpr(i.rt());
    let b = c.gpr(i.rb());
    let ff = c.b.i64(0xff);
    let one = c.b.i64(1);
    let k63 = c.b.i64(63);
    let k64 = c.b.i64(64);
    let zero = c.b.i64(0);
    let mut acc = zero;
    for k in 0..8u64 {
        let sh = c.b.i64(56 - 8 * k);
        let idx = c.b.lshr(s, sh);
        let idx = c.b.and(idx, ff);
        let amt = c.b.sub(k63, idx);
        let bit = c.b.lshr(b, amt);
        let bit = c.b.and(bit, one);
        let ok = c.b.icmp(Cond::Ult, idx, k64);
        let bit = c.b.select(ok, bit, zero);
        let pos = c.b.i64(7 - k);
        let bit = c.b.shl(bit, pos);
        acc = c.b.or(acc, bit);
    }
    c.set_gpr(i.ra(), acc);
    Ok(())
}

/// SLW, SRW, SRAW, SLD, SRD, SRAD (shift amount from RB).
pub fn shift(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let s = c.gpr(i.rt());
    let b = c.gpr(i.rb());
    let xo = i.xo10();
    let m63 = c.b.i64(63);
    let zero = c.b.i64(0);
    // The IR's 64-bit shifts take the amount modulo 64 (the host's do as
    // well): the left and logical right shifts use RB as it is, with no
    // `and` of its low six bits (bit 57, amounts of 64 and more, is
    // tested on its own where it matters).
    let r = match xo {
        24 | 536 => {
            // Word shifts: amounts 32..63 shift everything out of the word.
            let w = c.lo32(s);
            let x = c.b.zext(Type::I64, w);
            if xo == 24 {
                let t = c.b.shl(x, b);
                let t = c.lo32(t);
                c.b.zext(Type::I64, t)
            } else {
                c.b.lshr(x, b)
            }
        }
        27 | 539 => {
            let t = if xo == 27 {
                c.b.shl(s, b)
            } else {
                c.b.lshr(s, b)
            };
            if c.known_zero(b, 64) {
                // An amount made below 64 (`clrldi`/`clrlwi` of a count).
                t
            } else {
                let k64 = c.b.i64(64);
                let big = c.b.and(b, k64);
                let big = c.b.icmp(Cond::Ne, big, zero);
                c.b.select(big, zero, t)
            }
        }
        792 | 794 => {
            let n = c.b.and(b, m63);
            let (x, n) = if xo == 792 {
                let w = c.lo32(s);
                (c.b.sext(Type::I64, w), n)
            } else {
                // srad: amounts 64..127 act as 63 for the result.
                let k64 = c.b.i64(64);
                let big = c.b.and(b, k64);
                let big = c.b.icmp(Cond::Ne, big, zero);
                (s, c.b.select(big, m63, n))
            };
            let r = c.b.ashr(x, n);
            let back = c.b.shl(r, n);
            let lost = c.b.icmp(Cond::Ne, back, x);
            let lost = if xo == 794 {
                // An amount of 64 or more shifts every bit out.
                let k64 = c.b.i64(64);
                let big = c.b.and(b, k64);
                let big = c.b.icmp(Cond::Ne, big, zero);
                let nz = c.b.icmp(Cond::Ne, x, zero);
                let big = c.b.and(big, nz);
                c.b.or(lost, big)
            } else {
                lost
            };
            let neg = c.b.icmp(Cond::Slt, x, zero);
            let ca = c.b.and(neg, lost);
            c.b.set(R_CA, ca);
            c.b.set(R_CA32, ca);
            r
        }
        _ => return Err(Undef),
    };
    c.set_gpr(i.ra(), r);
    if i.rc() != 0 {
        c.record(r);
    }
    Ok(())
}

/// SRAWI, SRADI.
pub fn shift_imm(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let s = c.gpr(i.rt());
    let (x, n) = if i.po() == 31 && i.xo10() == 824 {
        let w = c.lo32(s);
        (c.b.sext(Type::I64, w), i.rb())
    } else {
        (s, i.sh6())
    };
    let k = c.b.i64(n as u64);
    let r = c.b.ashr(x, k);
    let zero = c.b.i64(0);
    let lost_mask = c.b.i64((1u64 << n) - 1);
    let lost = c.b.and(x, lost_mask);
    let lost = c.b.icmp(Cond::Ne, lost, zero);
    let neg = c.b.icmp(Cond::Slt, x, zero);
    let ca = c.b.and(neg, lost);
    c.b.set(R_CA, ca);
    c.b.set(R_CA32, ca);
    c.set_gpr(i.ra(), r);
    if i.rc() != 0 {
        c.record(r);
    }
    Ok(())
}

/// ROTL32 of the ISA: the low word of `s` rotated left by `n` (i32 or
/// constant), duplicated into both halves of the result.
fn rotl32(c: &mut Ctx<'_>, s: Value, n: Value, dup: bool) -> Value {
    let w = c.lo32(s);
    let r = c.b.rotl(w, n);
    if dup {
        c.join_words(r, r)
    } else {
        c.b.zext(Type::I64, r)
    }
}

/// RLWINM, RLWNM.
pub fn rlwinm(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let s = c.gpr(i.rt());
    let (mb, me) = (i.rc5() + 32, i.me() + 32);
    let m = mask64(mb, me);
    let r = if i.po() == 21 && mb <= me {
        rotl32_mask(c, s, i.rb(), m as u32)
    } else {
        let n = if i.po() == 21 {
            c.b.i32(i.rb())
        } else {
            let b = c.gpr(i.rb());
            let b = c.lo32(b);
            let k = c.b.i32(31);
            c.b.and(b, k)
        };
        let rot = rotl32(c, s, n, mb > me);
        and_mask(c, rot, m)
    };
    c.set_gpr(i.ra(), r);
    if i.rc() != 0 {
        c.record(r);
    }
    Ok(())
}

/// RLWIMI.
pub fn rlwimi(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let s = c.gpr(i.rt());
    let a = c.gpr(i.ra());
    let (mb, me) = (i.rc5() + 32, i.me() + 32);
    let m = mask64(mb, me);
    let n = c.b.i32(i.rb());
    let rot = rotl32(c, s, n, true);
    let r = insert(c, rot, a, m);
    c.set_gpr(i.ra(), r);
    if i.rc() != 0 {
        c.record(r);
    }
    Ok(())
}

/// `(rot & m) | (a & !m)`.
fn insert(c: &mut Ctx<'_>, rot: Value, a: Value, m: u64) -> Value {
    let mk = c.b.i64(m);
    let nm = c.b.i64(!m);
    let x = c.b.and(rot, mk);
    let y = c.b.and(a, nm);
    c.b.or(x, y)
}

/// RLDICL, RLDICR, RLDIC, RLDIMI, RLDCL, RLDCR.
pub fn rld(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let s = c.gpr(i.rt());
    let mbe = i.mb_md();
    let mds = i.bit(4);
    let sh = i.sh6();
    let op = if mds { 4 | i.bits(1, 1) } else { i.bits(4, 2) };
    let m = match op {
        0 | 4 => mask64(mbe, 63),
        1 | 5 => mask64(0, mbe),
        2 | 3 => mask64(mbe, 63 - sh),
        _ => return Err(Undef),
    };
    let r = if mds {
        // Rotations are modulo 64 in the IR: RB's low six bits as they are.
        let b = c.gpr(i.rb());
        let rot = c.b.rotl(s, b);
        and_mask(c, rot, m)
    } else if op == 3 {
        let a = c.gpr(i.ra());
        let rot = if sh == 0 {
            s
        } else {
            let k = c.b.i64(sh as u64);
            c.b.rotl(s, k)
        };
        insert(c, rot, a, m)
    } else {
        rotl64_mask(c, s, sh, m)
    };
    c.set_gpr(i.ra(), r);
    if i.rc() != 0 {
        c.record(r);
    }
    Ok(())
}

/// `x & m`, or `x` when the mask keeps every bit of its type.
fn and_mask(c: &mut Ctx<'_>, x: Value, m: u64) -> Value {
    let ty = c.b.ty(x);
    if m & ty.mask() == ty.mask() {
        x
    } else {
        let mk = c.cst(ty, m);
        c.b.and(x, mk)
    }
}

/// `ROTL64(s, sh) & m` for a constant `sh`, as a shift where the mask
/// clears every bit that the rotate wraps around (`sldi`, `srdi`,
/// `clrldi`, `rldic`, ...): one host instruction instead of a rotate and
/// an AND with a 64-bit constant, which Cranelift does not fold.
fn rotl64_mask(c: &mut Ctx<'_>, s: Value, sh: u32, m: u64) -> Value {
    if sh == 0 {
        return and_mask(c, s, m);
    }
    // Bits 0..sh of the rotated value come from the top of `s`.
    let wrapped = (1u64 << sh) - 1;
    let (t, kept) = if m & wrapped == 0 {
        let k = c.b.i64(sh as u64);
        (c.b.shl(s, k), !wrapped)
    } else if m & !wrapped == 0 {
        let k = c.b.i64(64 - sh as u64);
        (c.b.lshr(s, k), wrapped)
    } else {
        let k = c.b.i64(sh as u64);
        (c.b.rotl(s, k), u64::MAX)
    };
    // The shift already cleared what lies outside `kept`.
    and_mask(c, t, m | !kept)
}

/// `ROTL32(s[32:63], n) & m` for a constant `n` and a mask within the
/// low word (rlwinm with MB <= ME: `slwi`, `srwi`, `clrlwi`, `rotlwi`,
/// ...), as a 32-bit shift where the mask allows, zero-extended.
fn rotl32_mask(c: &mut Ctx<'_>, s: Value, n: u32, m: u32) -> Value {
    let w = c.lo32(s);
    let wrapped = ((1u64 << n) - 1) as u32;
    let (t, kept) = if n == 0 {
        (w, u32::MAX)
    } else if m & wrapped == 0 {
        let k = c.b.i32(n);
        (c.b.shl(w, k), !wrapped)
    } else if m & !wrapped == 0 {
        let k = c.b.i32(32 - n);
        (c.b.lshr(w, k), wrapped)
    } else {
        let k = c.b.i32(n);
        (c.b.rotl(w, k), u32::MAX)
    };
    let r = and_mask(c, t, (m | !kept) as u64);
    c.b.zext(Type::I64, r)
}
