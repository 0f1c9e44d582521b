//! Vector-scalar facility (VSX, Power ISA Book I chapter 7): loads and
//! stores, moves between GPRs and VSRs, logical and permute operations,
//! scalar double-precision arithmetic. VSR numbers 0..63 (TX || T).

use super::{Ctx, TResult, Undef, require};
use crate::decode::Insn;
use crate::helpers::{HELPER_VEC, HELPER_VLEN};
use xlat_ir::{FCond, Lanes, MemFlags, Opcode, Type, Value};

/// EA = (RA|0) + RB.
fn ea_x(c: &mut Ctx<'_>, i: Insn) -> Value {
    let b = c.gpr(i.rb());
    if i.ra() == 0 {
        b
    } else {
        let a = c.gpr(i.ra());
        c.b.add(a, b)
    }
}

/// EA = (RA|0) + `off`.
fn ea_d(c: &mut Ctx<'_>, ra: u32, off: i64) -> Value {
    let o = c.b.i64(off as u64);
    if ra == 0 {
        o
    } else {
        let a = c.gpr(ra);
        c.b.add(a, o)
    }
}

fn load64(c: &mut Ctx<'_>, ea: Value, off: u64) -> Value {
    let a = if off == 0 {
        ea
    } else {
        let k = c.b.i64(off);
        c.b.add(ea, k)
    };
    c.b.load(Type::I64, a, MemFlags::new(8))
}

fn store64(c: &mut Ctx<'_>, ea: Value, off: u64, v: Value) {
    let a = if off == 0 {
        ea
    } else {
        let k = c.b.i64(off);
        c.b.add(ea, k)
    };
    c.b.store(a, v, MemFlags::new(8));
}

/// Swaps the words of a doubleword (word element order of lxvw4x).
fn swap_words(c: &mut Ctx<'_>, v: Value) -> Value {
    let k = c.b.i64(32);
    c.b.rotl(v, k)
}

/// The two doublewords of V128 `v` swapped.
fn swap_dws(c: &mut Ctx<'_>, v: Value) -> Value {
    let imm = Lanes::I64x2 as u64 | 8 << 8;
    c.b.push(Opcode::Vext, Type::V128, [v, v, Value::NONE], imm)
}

/// X-form VSX loads and stores (lxvd2x, lxvw4x, lxvdsx, lxvx, lxvb16x,
/// scalar lxsdx/lxsiwzx/lxsiwax/lxsspx and the stores).
pub fn load_store(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let xt = i.xt();
    let ea = ea_x(c, i);
    match i.xo10() {
        // lxvd2x: one V128 load, doublewords swapped (doubleword 0, at
        // EA, is the high host lane).
        844 => {
            let v = c.b.load(Type::V128, ea, MemFlags::new(16));
            let v = swap_dws(c, v);
            c.set_vsr(xt, v);
        }
        780 => {
            let m0 = load64(c, ea, 0);
            let m1 = load64(c, ea, 8);
            let d0 = swap_words(c, m0);
            let d1 = swap_words(c, m1);
            c.set_vsr_dws(xt, d0, d1);
        }
        332 => {
            let d = load64(c, ea, 0);
            c.set_vsr_dws(xt, d, d);
        }
        // lxvx: a V128 load (no i128 round trip, which the JIT makes
        // through the stack); lxvb16x: byte-reversed.
        268 => {
            let v = c.b.load(Type::V128, ea, MemFlags::new(16));
            c.set_vsr(xt, v);
        }
        876 => {
            let v = c.b.load(Type::I128, ea, MemFlags::new(16));
            let v = c.b.bswap(v);
            let v = c.b.bitcast(Type::V128, v);
            c.set_vsr(xt, v);
        }
        588 => {
            let d = load64(c, ea, 0);
            c.set_vsr_dw0_keep(xt, d);
        }
        12 | 76 => {
            let f = MemFlags::new(4);
            let f = if i.xo10() == 76 { f.signed() } else { f };
            let d = c.b.load(Type::I64, ea, f);
            c.set_vsr_dw0_keep(xt, d);
        }
        524 => {
            let s = c.b.load(Type::F32, ea, MemFlags::new(4));
            let d = c.b.fcvt(Type::F64, s);
            let d = c.b.bitcast(Type::I64, d);
            c.set_vsr_dw0_keep(xt, d);
        }
        972 => {
            let v = c.vsr(xt);
            let v = swap_dws(c, v);
            c.b.store(ea, v, MemFlags::new(16));
        }
        908 => {
            let d0 = c.vsr_dw0(xt);
            let d1 = c.vsr_dw1(xt);
            let m0 = swap_words(c, d0);
            let m1 = swap_words(c, d1);
            store64(c, ea, 0, m0);
            store64(c, ea, 8, m1);
        }
        396 => {
            let v = c.vsr(xt);
            c.b.store(ea, v, MemFlags::new(16));
        }
        1004 => {
            let v = c.vsr(xt);
            let w = c.b.bitcast(Type::I128, v);
            let w = c.b.bswap(w);
            c.b.store(ea, w, MemFlags::new(16));
        }
        716 => {
            let d = c.vsr_dw0(xt);
            store64(c, ea, 0, d);
        }
        140 => {
            let d = c.vsr_dw0(xt);
            let w = c.lo32(d);
            c.b.store(ea, w, MemFlags::new(4));
        }
        652 => {
            let d = c.vsr_dw0(xt);
            let f = c.b.bitcast(Type::F64, d);
            let s = c.b.fcvt(Type::F32, f);
            c.b.store(ea, s, MemFlags::new(4));
        }
        // lxvh8x / stxvh8x: halfword elements in element order, each
        // little-endian in memory (halfword-swapped quadword).
        812 => {
            let w = c.b.load(Type::I128, ea, MemFlags::new(16));
            let w = c.b.bswap(w);
            let w = swap_halfword_bytes(c, w);
            let v = c.b.bitcast(Type::V128, w);
            c.set_vsr(xt, v);
        }
        940 => {
            let v = c.vsr(xt);
            let w = c.b.bitcast(Type::I128, v);
            let w = swap_halfword_bytes(c, w);
            let w = c.b.bswap(w);
            c.b.store(ea, w, MemFlags::new(16));
        }
        // lxvwsx: load word and splat.
        364 => {
            let w = c.b.load(Type::I32, ea, MemFlags::new(4));
            let v = c.b.vsplat(Lanes::I32x4, w);
            c.set_vsr(xt, v);
        }
        // lxsibzx / lxsihzx: zero-extended into doubleword 0, doubleword
        // 1 undefined (qemu zeroes it, as here).
        781 | 813 => {
            let size = if i.xo10() == 781 { 1 } else { 2 };
            let d = c.b.load(Type::I64, ea, MemFlags::new(size));
            let z = c.b.i64(0);
            c.set_vsr_dws(xt, d, z);
        }
        909 | 941 => {
            let d = c.vsr_dw0(xt);
            let ty = if i.xo10() == 909 { Type::I8 } else { Type::I16 };
            let x = c.b.trunc(ty, d);
            c.b.store(ea, x, MemFlags::new(ty.bytes() as u8));
        }
        _ => return Err(Undef),
    }
    Ok(())
}

/// Swaps the two bytes of every halfword of the i128 `w`.
fn swap_halfword_bytes(c: &mut Ctx<'_>, w: Value) -> Value {
    let m = c.b.i64(0x00ff_00ff_00ff_00ff);
    let m = c.join128(m, m);
    let k = c.b.i64(8);
    let k = c.b.zext(Type::I128, k);
    let lo = c.b.and(w, m);
    let lo = c.b.shl(lo, k);
    let hi = c.b.lshr(w, k);
    let hi = c.b.and(hi, m);
    c.b.or(lo, hi)
}

/// LXVL, LXVLL, STXVL, STXVLL: length-controlled loads and stores (the
/// length in RB bits 0:7, at most 16) through [`HELPER_VLEN`], which
/// touches only the bytes named, so a fault past them cannot happen.
pub fn load_store_len(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let ea = c.gpr0(i.ra());
    let rb = c.gpr(i.rb());
    if matches!(i.xo10(), 269 | 301) {
        let v = load_len(c, ea, rb);
        let v = if i.xo10() == 301 {
            // lxvll: left-justified, the first byte most significant.
            c.b.push(
                Opcode::Vrev,
                Type::V128,
                [v, Value::NONE, Value::NONE],
                Lanes::I8x16 as u64 | 4 << 8,
            )
        } else {
            v
        };
        c.set_vsr(i.xt(), v);
        return Ok(());
    }
    let w = c.b.i64(i.0 as u64);
    c.b.call_helper(&HELPER_VLEN, Type::Void, &[ea, rb, w]);
    Ok(())
}

/// The `min(rb >> 56, 16)` bytes at `ea` as a V128 (memory byte 0 in
/// byte 0), the other bytes 0, touching only memory the instruction may
/// touch: one 16-byte load, at `ea` when it stays in the page of `ea` or
/// the bytes named cross into the next page (which the instruction then
/// reads as well), else (the bytes end in the last 15 of the page) at
/// `ea & !15`, shifted down by a byte permute; with a length of 0 the
/// load reads the 16 bytes around this instruction's own word, which
/// are mapped, and yields 0 (code mapped execute-only, unreadable under
/// xlat, would fault there). A fault names the first inaccessible byte
/// like the instruction, except that a load starting in the last 15
/// bytes of an unreadable page names `ea & !15`. See
/// docs/architecture.md ("Deviations").
fn load_len(c: &mut Ctx<'_>, ea: Value, rb: Value) -> Value {
    use xlat_ir::Cond;
    let k56 = c.b.i64(56);
    let n = c.b.lshr(rb, k56);
    let k16 = c.b.i64(16);
    let big = c.b.icmp(Cond::Ugt, n, k16);
    let n = c.b.select(big, k16, n);
    let pm = c.b.i64(crate::PAGE_SIZE - 1);
    let off = c.b.and(ea, pm);
    let last = c.b.i64(crate::PAGE_SIZE - 16);
    let tail = c.b.icmp(Cond::Ugt, off, last);
    let end = c.b.add(off, n);
    let page = c.b.i64(crate::PAGE_SIZE);
    let fits = c.b.icmp(Cond::Ule, end, page);
    let down = c.b.and(tail, fits);
    let m15 = c.b.i64(!15);
    let aligned = c.b.and(ea, m15);
    let addr = c.b.select(down, aligned, ea);
    let zero = c.b.i64(0);
    let none = c.b.icmp(Cond::Eq, n, zero);
    let own = c.b.i64(c.pc & !15);
    let addr = c.b.select(none, own, addr);
    let v = c.b.load(Type::V128, addr, MemFlags::new(16));
    // Byte k of the result: byte k + sh of the loaded vector while k < n.
    let k15 = c.b.i64(15);
    let sh = c.b.and(ea, k15);
    let sh = c.b.select(down, sh, zero);
    let sh = c.b.trunc(Type::I8, sh);
    let lo = c.b.i64(0x0706_0504_0302_0100);
    let hi = c.b.i64(0x0f0e_0d0c_0b0a_0908);
    let iota = c.vjoin(hi, lo);
    let shv = c.b.vsplat(Lanes::I8x16, sh);
    let idx = c.b.vadd(Lanes::I8x16, iota, shv);
    let v = c.b.vswizzle(Lanes::I8x16, v, idx);
    let n8 = c.b.trunc(Type::I8, n);
    let nv = c.b.vsplat(Lanes::I8x16, n8);
    // n and the byte numbers are below 128: the signed compare is one
    // host instruction (pcmpgtb), the unsigned one three.
    let keep = c.b.vcmpsgt(Lanes::I8x16, nv, iota);
    c.b.vand(Lanes::I8x16, v, keep)
}

/// LXVP, STXVP (DQ-form, ISA 3.1): a pair of VSRs XTp, XTp+1. In
/// little-endian mode the quadword at EA goes to XTp+1 and the one at
/// EA+16 to XTp.
pub fn pair(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let xtp = (i.bits(21, 21) << 5) | (i.bits(25, 22) << 1);
    let ea = ea_d(c, i.ra(), i.sbits(15, 4) << 4);
    pair_access(c, xtp, ea, i.bits(3, 0) == 1);
    Ok(())
}

/// The 32-byte access of a paired load/store at `ea`.
pub fn pair_access(c: &mut Ctx<'_>, xtp: u32, ea: Value, store: bool) {
    let k = c.b.i64(16);
    let ea16 = c.b.add(ea, k);
    if store {
        let lo = c.vsr(xtp + 1);
        let hi = c.vsr(xtp);
        c.b.store(ea, lo, MemFlags::new(16));
        c.b.store(ea16, hi, MemFlags::new(16));
    } else {
        let lo = c.b.load(Type::V128, ea, MemFlags::new(16));
        let hi = c.b.load(Type::V128, ea16, MemFlags::new(16));
        c.set_vsr(xtp + 1, lo);
        c.set_vsr(xtp, hi);
    }
}

/// Moves between GPRs and VSRs (mfvsrd, mtvsrd, ...). XS/XT = TX || T.
pub fn moves(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let x = i.xt();
    match i.xo10() {
        51 | 115 => {
            require(i.rb() == 0)?;
            let d = c.vsr_dw0(x);
            let r = if i.xo10() == 115 {
                let w = c.lo32(d);
                c.b.zext(Type::I64, w)
            } else {
                d
            };
            c.set_gpr(i.ra(), r);
        }
        307 => {
            require(i.rb() == 0)?;
            let d = c.vsr_dw1(x);
            c.set_gpr(i.ra(), d);
        }
        179 | 211 | 243 => {
            require(i.rb() == 0)?;
            let a = c.gpr(i.ra());
            let d = match i.xo10() {
                179 => a,
                211 => {
                    let w = c.lo32(a);
                    c.b.sext(Type::I64, w)
                }
                _ => {
                    let w = c.lo32(a);
                    c.b.zext(Type::I64, w)
                }
            };
            c.set_vsr_dw0_keep(x, d);
        }
        435 => {
            let a = c.gpr0(i.ra());
            let b = c.gpr(i.rb());
            c.set_vsr_dws(x, a, b);
        }
        403 => {
            require(i.rb() == 0)?;
            let a = c.gpr(i.ra());
            let w = c.lo32(a);
            let d = c.join_words(w, w);
            c.set_vsr_dws(x, d, d);
        }
        _ => return Err(Undef),
    }
    Ok(())
}

/// LXV, STXV (DQ-form).
pub fn dq(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let xt = (i.dq_tx() << 5) | i.rt();
    let ea = ea_d(c, i.ra(), i.sbits(15, 4) << 4);
    if i.bits(2, 0) == 1 {
        let v = c.b.load(Type::V128, ea, MemFlags::new(16));
        c.set_vsr(xt, v);
    } else {
        let v = c.vsr(xt);
        c.b.store(ea, v, MemFlags::new(16));
    }
    Ok(())
}

/// LXSD, LXSSP, STXSD, STXSSP (DS-form, VR operands = VSR 32..63). The
/// loads zero doubleword 1.
pub fn ds(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let xt = 32 + i.rt();
    let ea = ea_d(c, i.ra(), i.ds());
    let single = i.bits(1, 0) == 3;
    if i.po() == 57 {
        let d = if single {
            let s = c.b.load(Type::F32, ea, MemFlags::new(4));
            let d = c.b.fcvt(Type::F64, s);
            c.b.bitcast(Type::I64, d)
        } else {
            load64(c, ea, 0)
        };
        let z = c.b.i64(0);
        c.set_vsr_dws(xt, d, z);
    } else {
        let d = c.vsr_dw0(xt);
        if single {
            let f = c.b.bitcast(Type::F64, d);
            let s = c.b.fcvt(Type::F32, f);
            c.b.store(ea, s, MemFlags::new(4));
        } else {
            store64(c, ea, 0, d);
        }
    }
    Ok(())
}

/// XXLAND, XXLANDC, XXLOR, XXLXOR, XXLNOR, XXLORC, XXLNAND, XXLEQV.
pub fn logical(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let (xt, xa, xb) = (i.xt(), i.xa(), i.xb());
    let l = Lanes::I64x2;
    let op = i.bits(10, 3);
    let r = if xa == xb && matches!(op, 154) {
        c.b.iconst(Type::V128, 0) // xxlxor x,y,y: zeroing idiom
    } else {
        let a = c.vsr(xa);
        let b = c.vsr(xb);
        match op {
            130 => c.b.vand(l, a, b),
            138 => {
                let nb = c.b.vnot(l, b);
                c.b.vand(l, a, nb)
            }
            146 => {
                if xa == xb {
                    a
                } else {
                    c.b.vor(l, a, b)
                }
            }
            154 => c.b.vxor(l, a, b),
            162 => {
                let x = c.b.vor(l, a, b);
                c.b.vnot(l, x)
            }
            170 => {
                let nb = c.b.vnot(l, b);
                c.b.vor(l, a, nb)
            }
            178 => {
                let x = c.b.vand(l, a, b);
                c.b.vnot(l, x)
            }
            186 => {
                let x = c.b.vxor(l, a, b);
                c.b.vnot(l, x)
            }
            _ => return Err(Undef),
        }
    };
    c.set_vsr(xt, r);
    Ok(())
}

/// XXPERMDI, XXSEL, XXSPLTIB, XXBRD, XXBRQ, XXPERM, XXPERMR natively; the
/// other permutes (xxmrghw, xxmrglw, xxsldwi, xxspltw, xxbrh, xxbrw) in
/// the helper.
pub fn permute(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let xt = i.xt();
    let xo8 = i.bits(10, 3);
    if xo8 & 0x9f == 0x0a {
        // xxpermdi
        let (xa, xb) = (i.xa(), i.xb());
        let dm = i.dm();
        // Result host lane 0 (doubleword 1) from XB, lane 1 from XA: one
        // doubleword shuffle (xxspltd, xxswapd, xxmrghd, xxmrgld), not a
        // move of each doubleword through an integer register.
        let op = match dm {
            0 => Some((Opcode::Vzip2, 0)),
            2 => Some((Opcode::Vext, 8)),
            3 => Some((Opcode::Vzip1, 0)),
            _ => None,
        };
        if let Some((op, n)) = op {
            let a = c.vsr(xa);
            let b = c.vsr(xb);
            let imm = Lanes::I64x2 as u64 | n << 8;
            let r = c.b.push(op, Type::V128, [b, a, Value::NONE], imm);
            c.set_vsr(xt, r);
            return Ok(());
        }
        let d0 = if dm & 2 != 0 {
            c.vsr_dw1(xa)
        } else {
            c.vsr_dw0(xa)
        };
        let d1 = if dm & 1 != 0 {
            c.vsr_dw1(xb)
        } else {
            c.vsr_dw0(xb)
        };
        c.set_vsr_dws(xt, d0, d1);
        return Ok(());
    }
    if i.bits(5, 4) == 3 {
        // xxsel
        let a = c.vsr(i.xa());
        let b = c.vsr(i.xb());
        let m = c.vsr(i.xc());
        let nm = c.b.vnot(Lanes::I64x2, m);
        let x = c.b.vand(Lanes::I64x2, a, nm);
        let y = c.b.vand(Lanes::I64x2, b, m);
        let r = c.b.vor(Lanes::I64x2, x, y);
        c.set_vsr(xt, r);
        return Ok(());
    }
    if matches!(xo8, 26 | 58) {
        // xxperm, xxpermr: XA || XT permuted by XB.
        let (xa, xb) = (i.xa(), i.xb());
        let a = c.vsr(xa);
        let t = if xa == xt { None } else { Some(c.vsr(xt)) };
        let ctl = c.vsr(xb);
        let r = super::vmx::perm_bytes(c, a, t, ctl, xo8 == 58);
        c.set_vsr(xt, r);
        return Ok(());
    }
    if i.bits(10, 1) == 360 {
        let k = c.b.i8(i.imm8() as u8);
        let r = c.b.vsplat(Lanes::I8x16, k);
        c.set_vsr(xt, r);
        return Ok(());
    }
    if i.bits(10, 2) == 475 && matches!(i.ra(), 23 | 31) {
        let b = c.vsr(i.xb());
        let w = c.b.bitcast(Type::I128, b);
        let r = if i.ra() == 31 {
            c.b.bswap(w)
        } else {
            let (hi, lo) = c.split128(w);
            let hi = c.b.bswap(hi);
            let lo = c.b.bswap(lo);
            c.join128(hi, lo)
        };
        let r = c.b.bitcast(Type::V128, r);
        c.set_vsr(xt, r);
        return Ok(());
    }
    vec_helper(c, i)
}

/// VSX instructions executed entirely by [`HELPER_VEC`] (xxextractuw,
/// xxinsertw, the exponent/significand and half-precision operations,
/// xscmpexpdp, xsiexpdp), except the vector arithmetic, which in blocks
/// for FPSCR\[RN\] = 0 is IR float ops (`vec_arith`).
pub fn helper(c: &mut Ctx<'_>, i: Insn) -> TResult {
    if (c.rn == 0 && vec_arith(c, i)) || vec_sign(c, i) {
        return Ok(());
    }
    vec_helper(c, i)
}

/// xv{abs,nabs,neg}{sp,dp} as vector logic on the sign bits. False
/// (nothing emitted) for other instructions.
fn vec_sign(c: &mut Ctx<'_>, i: Insn) -> bool {
    let xo9 = i.bits(10, 2);
    let (lanes, sign) = match xo9 {
        409 | 425 | 441 if i.ra() == 0 => (Lanes::I32x4, 1u64 << 31),
        473 | 489 | 505 if i.ra() == 0 => (Lanes::I64x2, 1u64 << 63),
        _ => return false,
    };
    let b = c.vsr(i.xb());
    let k = if lanes == Lanes::I32x4 {
        c.b.i32(sign as u32)
    } else {
        c.b.i64(sign)
    };
    let m = c.b.vsplat(lanes, k);
    let r = match xo9 {
        409 | 473 => {
            let nm = c.b.vnot(lanes, m);
            c.b.vand(lanes, b, nm)
        }
        425 | 489 => c.b.vor(lanes, b, m),
        _ => c.b.vxor(lanes, b, m),
    };
    c.set_vsr(i.xt(), r);
    true
}

/// xvsqrt{sp,dp} as per-lane IR square roots with Power's NaN rule
/// (round to nearest even only). False (nothing emitted) otherwise.
fn vec_sqrt(c: &mut Ctx<'_>, i: Insn) -> bool {
    let ty = match i.bits(10, 2) {
        203 if i.ra() == 0 => Type::F64,
        139 if i.ra() == 0 => Type::F32,
        _ => return false,
    };
    let bs = fp_lanes(c, i.xb(), ty);
    let mut out = Vec::with_capacity(bs.len());
    for b in bs {
        let r = c.b.fsqrt(b);
        out.push(super::fp::power_nan(c, r, &[b]));
    }
    set_fp_lanes(c, i.xt(), ty, &out);
    true
}

/// The float lanes (F64 or F32, `ty`) of VSR `n` in ISA order: lane
/// extracts, which the JIT lowers as one host vector op when the results
/// go back lane by lane ([`set_fp_lanes`]).
fn fp_lanes(c: &mut Ctx<'_>, n: u32, ty: Type) -> Vec<Value> {
    let (lanes, count) = if ty == Type::F64 {
        (Lanes::I64x2, 2)
    } else {
        (Lanes::I32x4, 4)
    };
    let v = c.vsr(n);
    (0..count)
        .map(|k| {
            let x = c.b.vextract(lanes, v, count - 1 - k);
            c.b.bitcast(ty, x)
        })
        .collect()
}

/// Writes the float lanes `r` (ISA order, as read by [`fp_lanes`]) to
/// VSR `n`.
fn set_fp_lanes(c: &mut Ctx<'_>, n: u32, ty: Type, r: &[Value]) {
    let (lanes, ity) = if ty == Type::F64 {
        (Lanes::I64x2, Type::I64)
    } else {
        (Lanes::I32x4, Type::I32)
    };
    // Host lanes from 0 up (the last ISA lane first), as the AArch64
    // frontend writes a vector lane by lane.
    let count = r.len() as u32;
    let mut out = c.b.iconst(Type::V128, 0);
    for (k, &x) in (0..count).zip(r).rev() {
        let bits = c.b.bitcast(ity, x);
        out = c.b.vinsert(lanes, out, bits, count - 1 - k);
    }
    c.set_vsr(n, out);
}

/// xv{add,sub,mul,div}{sp,dp} and xv[n]m{add,sub}{a,m}{sp,dp} as per-lane
/// IR float ops with Power's NaN rules (round to nearest even only).
/// False (nothing emitted) for other instructions.
fn vec_arith(c: &mut Ctx<'_>, i: Insn) -> bool {
    let xo8 = i.bits(10, 3);
    let fma = match xo8 {
        64 | 72 | 80 | 88 | 96 | 104 | 112 | 120 => false,
        65 | 73 | 81 | 89 | 97 | 105 | 113 | 121 | 193 | 201 | 209 | 217 | 225 | 233 | 241
        | 249 => true,
        _ => return false,
    };
    let double = xo8 & 32 != 0;
    let ty = if double { Type::F64 } else { Type::F32 };
    let (xt, xa, xb) = (i.xt(), i.xa(), i.xb());
    let va = fp_lanes(c, xa, ty);
    let vb = fp_lanes(c, xb, ty);
    let vt = if fma { Some(fp_lanes(c, xt, ty)) } else { None };
    let mut out = Vec::with_capacity(va.len());
    for (k, (&a, &b)) in va.iter().zip(&vb).enumerate() {
        let r = if let Some(vt) = &vt {
            let t = vt[k];
            // A-type: XA*XB ± XT; M-type: XA*XT ± XB; bit 4 subtracts,
            // bit 7 negates the result (never a NaN).
            let (m, addend) = if xo8 & 8 == 0 { (b, t) } else { (t, b) };
            let na = if xo8 & 16 != 0 {
                c.b.fneg(addend)
            } else {
                addend
            };
            let r = c.b.fma(a, m, na);
            let r = if xo8 & 128 != 0 { c.b.fneg(r) } else { r };
            super::fp::power_nan(c, r, &[a, addend, m])
        } else {
            let r = match xo8 & 0x18 {
                0 => c.b.fadd(a, b),
                8 => c.b.fsub(a, b),
                16 => c.b.fmul(a, b),
                _ => c.b.fdiv(a, b),
            };
            super::fp::power_nan(c, r, &[a, b])
        };
        out.push(r);
    }
    set_fp_lanes(c, xt, ty, &out);
    true
}

fn vec_helper(c: &mut Ctx<'_>, i: Insn) -> TResult {
    if !crate::helpers::vec_supported(i) {
        return Err(Undef);
    }
    let w = c.b.i64(i.0 as u64);
    c.b.call_helper(&HELPER_VEC, Type::Void, &[w]);
    Ok(())
}

/// Scalar double-precision (and single-precision rounding) arithmetic on
/// doubleword 0; conversions and rounding go to the helper.
pub fn scalar(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let (xt, xa, xb) = (i.xt(), i.xa(), i.xb());
    let xo8 = i.bits(10, 3);
    if xo8 == 35 {
        if c.fp_exc {
            super::fp::exceptions(c, i);
        }
        // xscmpudp
        let a = c.vsr_dw0(xa);
        let b = c.vsr_dw0(xb);
        let a = c.b.bitcast(Type::F64, a);
        let b = c.b.bitcast(Type::F64, b);
        let lt = c.b.fcmp(FCond::Lt, a, b);
        let gt = c.b.fcmp(FCond::Lt, b, a);
        let eq = c.b.fcmp(FCond::Eq, a, b);
        let un = c.b.fcmp(FCond::Uno, a, b);
        c.set_cr_field(i.bf(), lt, gt, eq, un);
        return Ok(());
    }
    if c.fp_exc && matches!(xo8, 0 | 8 | 16 | 24 | 32 | 40 | 48 | 56) {
        super::fp::exceptions(c, i);
    }
    if c.rn != 0 && matches!(xo8, 0 | 8 | 16 | 24 | 32 | 40 | 48 | 56) {
        // Directed rounding (FPSCR[RN] != 0): see translate::fp.
        let r = super::fp::directed(c, i);
        let r = c.b.bitcast(Type::I64, r);
        c.set_vsr_dw0(xt, r);
        return Ok(());
    }
    let a = c.vsr_dw0(xa);
    let b = c.vsr_dw0(xb);
    let af = c.b.bitcast(Type::F64, a);
    let bf = c.b.bitcast(Type::F64, b);
    let nan = |c: &mut Ctx<'_>, r| super::fp::power_nan(c, r, &[af, bf]);
    let (r, single) = match xo8 {
        32 | 0 => {
            let r = c.b.fadd(af, bf);
            (nan(c, r), xo8 == 0)
        }
        40 | 8 => {
            let r = c.b.fsub(af, bf);
            (nan(c, r), xo8 == 8)
        }
        48 | 16 => {
            let r = c.b.fmul(af, bf);
            (nan(c, r), xo8 == 16)
        }
        56 | 24 => {
            let r = c.b.fdiv(af, bf);
            (nan(c, r), xo8 == 24)
        }
        160 | 168 => (max_min_num(c, a, b, xo8 == 160), false),
        176 => {
            let sm = c.b.i64(1 << 63);
            let nsm = c.b.i64(!(1u64 << 63));
            let s = c.b.and(a, sm);
            let m = c.b.and(b, nsm);
            let r = c.b.or(s, m);
            (c.b.bitcast(Type::F64, r), false)
        }
        // xs[n]m{add,sub}{a,m}{dp,sp}: bit 3 of xo8 selects the M-type,
        // bit 4 subtraction, bit 5 double precision, bit 7 the negated
        // result (never of a NaN).
        1 | 9 | 17 | 25 | 33 | 41 | 49 | 57 | 129 | 137 | 145 | 153 | 161 | 169 | 177 | 185 => {
            let t = c.vsr_dw0(xt);
            let tf = c.b.bitcast(Type::F64, t);
            // A-type: XA*XB ± XT; M-type: XA*XT ± XB.
            let (m, addend) = if xo8 & 8 == 0 { (bf, tf) } else { (tf, bf) };
            let na = if xo8 & 16 != 0 {
                c.b.fneg(addend)
            } else {
                addend
            };
            let r = c.b.fma(af, m, na);
            let r = if xo8 & 128 != 0 {
                let n = c.b.fneg(r);
                let un = c.b.fcmp(FCond::Uno, r, r);
                c.b.select(un, r, n)
            } else {
                r
            };
            (super::fp::power_nan(c, r, &[af, addend, m]), xo8 & 32 == 0)
        }
        _ => return Err(Undef),
    };
    let r = if single {
        let s = c.b.fcvt(Type::F32, r);
        c.b.fcvt(Type::F64, s)
    } else {
        r
    };
    let r = c.b.bitcast(Type::I64, r);
    c.set_vsr_dw0(xt, r);
    Ok(())
}

/// XSMAXDP, XSMINDP: IEEE 754-2008 maxNum/minNum of the doubles `a`, `b`
/// (i64 bits), as the Power ISA describes them and qemu-ppc64le computes
/// them (like `xvmaxdp`/`xvmindp` in [`crate::vsxext`]): a quiet NaN
/// against a number gives the number; otherwise a NaN operand gives the
/// first NaN operand, quieted (Power's NaN rule); +0 is above -0.
fn max_min_num(c: &mut Ctx<'_>, a: Value, b: Value, max: bool) -> Value {
    use xlat_ir::Cond;
    let af = c.b.bitcast(Type::F64, a);
    let bf = c.b.bitcast(Type::F64, b);
    let r = if max {
        c.b.fmax(af, bf)
    } else {
        c.b.fmin(af, bf)
    };
    let r = super::fp::power_nan(c, r, &[af, bf]);
    let r = c.b.bitcast(Type::I64, r);
    let abs = c.b.i64(!(1u64 << 63));
    let inf = c.b.i64(0x7ff0_0000_0000_0000);
    let qnan = c.b.i64(0x7ff8_0000_0000_0000);
    // (a number, a quiet NaN) for each operand.
    let mut class = |x: Value| {
        let m = c.b.and(x, abs);
        let num = c.b.icmp(Cond::Ule, m, inf);
        let q = c.b.and(x, qnan);
        (num, c.b.icmp(Cond::Eq, q, qnan))
    };
    let (a_num, a_qnan) = class(a);
    let (b_num, b_qnan) = class(b);
    let take_b = c.b.and(a_qnan, b_num);
    let take_a = c.b.and(b_qnan, a_num);
    let r = c.b.select(take_a, a, r);
    let r = c.b.select(take_b, b, r);
    c.b.bitcast(Type::F64, r)
}

/// XX2-form scalar operations: square root and sign operations natively,
/// conversions and rounding in the helper.
pub fn scalar2(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(i.ra() == 0)?;
    let (xt, xb) = (i.xt(), i.xb());
    let xo9 = i.bits(10, 2);
    if c.fp_exc && matches!(xo9, 75 | 344 | 88 | 328 | 72 | 376 | 360 | 312 | 296) {
        super::fp::exceptions(c, i);
    }
    let b = c.vsr_dw0(xb);
    let bf = c.b.bitcast(Type::F64, b);
    let r = match xo9 {
        75 => {
            let r = c.b.fsqrt(bf);
            super::fp::power_nan(c, r, &[bf])
        }
        345 => c.b.fabs(bf),
        361 => {
            let a = c.b.fabs(bf);
            c.b.fneg(a)
        }
        377 => c.b.fneg(bf),
        _ => return vec_helper(c, i),
    };
    let r = c.b.bitcast(Type::I64, r);
    c.set_vsr_dw0(xt, r);
    Ok(())
}

/// VSX floating-point instructions executed by
/// [`crate::vsxext::HELPER_VSXFP`] (vector square root, estimates,
/// max/min, rounding, conversions, tests, quad precision).
pub fn fp_ext(c: &mut Ctx<'_>, i: Insn) -> TResult {
    if i.po() == 60 && c.rn == 0 && vec_sqrt(c, i) {
        return Ok(());
    }
    if !crate::vsxext::supported(i) {
        return Err(Undef);
    }
    let w = c.b.i64(i.0 as u64);
    c.b.call_helper(&crate::vsxext::HELPER_VSXFP, Type::Void, &[w]);
    Ok(())
}

/// MMA (POWER10): xxmfacc, xxmtacc, xxsetaccz and the GER updates, by
/// [`crate::vsxext::mma::HELPER_MMA`] with every row, column and product
/// enabled.
pub fn mma(c: &mut Ctx<'_>, i: Insn) -> TResult {
    mma_masked(c, i, crate::vsxext::mma::ALL)
}

/// An MMA instruction `i` with the masks of a pm* prefix (its bits 15..0).
pub fn mma_masked(c: &mut Ctx<'_>, i: Insn, masks: u64) -> TResult {
    if !crate::vsxext::mma::supported(i) {
        return Err(Undef);
    }
    let w = c.b.i64(i.0 as u64);
    let m = c.b.i64(masks);
    c.b.call_helper(&crate::vsxext::mma::HELPER_MMA, Type::Void, &[w, m]);
    Ok(())
}
