//! Vector facility (VMX/AltiVec, Power ISA Book I chapter 6). Element `i`
//! in the ISA's numbering is the `i`-th most significant element of the
//! 128-bit register value (see `state`), IR lane `count - 1 - i`.
//! Lane-wise arithmetic, logic and compares, splats, merges, `vsldoi`,
//! `vsel`, `vperm`/`vpermr`, the per-element shifts and rotates,
//! `vextub[lr]x`, `v[cl]tzlsbb`, `vbpermq`, the unsigned saturating adds and
//! subtracts and `vpopcnt[bhwd]` are native IR; the other permutes, the whole-register shifts and the rest
//! run in a helper.

use super::{Ctx, TResult, Undef, require};
use crate::decode::Insn;
use crate::helpers::HELPER_VEC;
use crate::state::R_VSCR;
use xlat_ir::{Lanes, MemFlags, Opcode, Type, Value};

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

/// LVX, LVXL, STVX, STVXL, LVEBX/HX/WX, STVEBX/HX/WX, LVSL, LVSR.
///
/// The element loads read the whole aligned quadword (it never crosses a
/// page): the other elements are undefined in the ISA and get memory's
/// contents here.
pub fn load_store(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let ea = ea_x(c, i);
    let vt = i.rt();
    match i.xo10() {
        103 | 359 | 7 | 39 | 71 => {
            let m = c.b.i64(!15);
            let a = c.b.and(ea, m);
            let v = c.b.load(Type::V128, a, MemFlags::new(16));
            c.set_vr(vt, v);
        }
        231 | 487 => {
            let m = c.b.i64(!15);
            let a = c.b.and(ea, m);
            let v = c.vr(vt);
            c.b.store(a, v, MemFlags::new(16));
        }
        135 | 167 | 199 => {
            let size: u8 = match i.xo10() {
                135 => 1,
                167 => 2,
                _ => 4,
            };
            let m = c.b.i64(!(size as u64 - 1));
            let a = c.b.and(ea, m);
            let k15 = c.b.i64(15);
            let pos = c.b.and(a, k15);
            let k3 = c.b.i64(3);
            let sh = c.b.shl(pos, k3);
            let sh = c.b.zext(Type::I128, sh);
            let v = c.vr(vt);
            let w = c.b.bitcast(Type::I128, v);
            let w = c.b.lshr(w, sh);
            let x = c.b.trunc(Type::int(size as u32 * 8), w);
            c.b.store(a, x, MemFlags::new(size));
        }
        6 | 38 => {
            // lvsl: bytes sh, sh+1, ..; lvsr: 16-sh, 17-sh, ..
            let k15 = c.b.i64(15);
            let sh = c.b.and(ea, k15);
            let sh = c.b.trunc(Type::I8, sh);
            let s = if i.xo10() == 38 {
                let k16 = c.b.i8(16);
                c.b.sub(k16, sh)
            } else {
                sh
            };
            // BE bytes 0..15 hold 0..15.
            let hi = c.b.i64(0x0001_0203_0405_0607);
            let lo = c.b.i64(0x0809_0a0b_0c0d_0e0f);
            let w = c.join128(hi, lo);
            let basev = c.b.bitcast(Type::V128, w);
            let sp = c.b.vsplat(Lanes::I8x16, s);
            let r = c.b.vadd(Lanes::I8x16, basev, sp);
            c.set_vr(vt, r);
        }
        _ => return Err(Undef),
    }
    Ok(())
}

/// Lane-wise ops with a native IR form.
pub fn native(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let xo = i.xo11();
    let (vt, va, vb) = (i.rt(), i.ra(), i.rb());
    if matches!(xo, 780 | 844 | 908) {
        let l = match xo {
            780 => Lanes::I8x16,
            844 => Lanes::I16x8,
            _ => Lanes::I32x4,
        };
        let simm = i.sbits(20, 16) as u64;
        let x = c.cst(Type::int(l.lane_bits()), simm);
        let r = c.b.vsplat(l, x);
        c.set_vr(vt, r);
        return Ok(());
    }
    let a = c.vr(va);
    let b = c.vr(vb);
    let l = Lanes::of_bits(8 << ((xo >> 6) & 3));
    let r = match xo {
        0 | 64 | 128 | 192 => c.b.vadd(l, a, b),
        1024 | 1088 | 1152 | 1216 => c.b.vsub(l, a, b),
        1028 => c.b.vand(Lanes::I64x2, a, b),
        1092 => {
            let nb = c.b.vnot(Lanes::I64x2, b);
            c.b.vand(Lanes::I64x2, a, nb)
        }
        1156 => c.b.vor(Lanes::I64x2, a, b),
        1220 => c.b.vxor(Lanes::I64x2, a, b),
        1284 => {
            let x = c.b.vor(Lanes::I64x2, a, b);
            c.b.vnot(Lanes::I64x2, x)
        }
        1348 => {
            let nb = c.b.vnot(Lanes::I64x2, b);
            c.b.vor(Lanes::I64x2, a, nb)
        }
        1412 => {
            let x = c.b.vand(Lanes::I64x2, a, b);
            c.b.vnot(Lanes::I64x2, x)
        }
        1668 => {
            let x = c.b.vxor(Lanes::I64x2, a, b);
            c.b.vnot(Lanes::I64x2, x)
        }
        514 | 578 | 642 => {
            let l = Lanes::of_bits(8 << ((xo - 514) / 64));
            c.b.vumin(l, a, b)
        }
        2 | 66 | 130 => {
            let l = Lanes::of_bits(8 << ((xo - 2) / 64));
            c.b.vumax(l, a, b)
        }
        _ => return Err(Undef),
    };
    c.set_vr(vt, r);
    Ok(())
}

/// VCMPEQU\[BHWD\], VCMPGTU\[BHWD\], VCMPGTS\[BHWD\], VCMPNE\[BHW\],
/// VCMPNEZ\[BHW\] and their record forms (CR6: LT = every element true,
/// EQ = none).
pub fn compare(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let xo = i.bits(9, 0);
    // Element width from bits 7..6 of the extended opcode (b h w d).
    let l = Lanes::of_bits(8 << ((xo >> 6) & 3));
    let a = c.vr(i.ra());
    let b = c.vr(i.rb());
    let r = match xo {
        6 | 70 | 134 | 199 => c.b.vcmpeq(l, a, b),
        518 | 582 | 646 | 711 => c.b.vcmpugt(l, a, b),
        774 | 838 | 902 | 967 => c.b.vcmpsgt(l, a, b),
        7 | 71 | 135 | 263 | 327 | 391 => {
            let eq = c.b.vcmpeq(l, a, b);
            let ne = c.b.vnot(l, eq);
            if xo < 263 {
                ne
            } else {
                // vcmpnez: also true where either element is zero.
                let z = c.cst(Type::int(l.lane_bits()), 0);
                let z = c.b.vsplat(l, z);
                let az = c.b.vcmpeq(l, a, z);
                let bz = c.b.vcmpeq(l, b, z);
                let t = c.b.vor(l, ne, az);
                c.b.vor(l, t, bz)
            }
        }
        _ => return Err(Undef),
    };
    c.set_vr(i.rt(), r);
    if i.vrc() != 0 {
        let (hi, lo) = c.vsplit(r);
        let all = c.b.and(hi, lo);
        let ones = c.b.i64(u64::MAX);
        let all = c.b.icmp(xlat_ir::Cond::Eq, all, ones);
        let any = c.b.or(hi, lo);
        let zero = c.b.i64(0);
        let none = c.b.icmp(xlat_ir::Cond::Eq, any, zero);
        let f = c.bool_const(false);
        c.set_cr_field(6, all, f, none, f);
    }
    Ok(())
}

/// VSPLTB, VSPLTH, VSPLTW: element UIM of VRB in every element.
pub fn splat(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let l = Lanes::of_bits(8 << ((i.xo11() >> 6) & 3));
    let n = l.count();
    let e = i.ra() & (n - 1);
    let b = c.vr(i.rb());
    let x = match element_of_shift(c, b, l, n - 1 - e) {
        Some(x) => x,
        None => c.b.vextract(l, b, n - 1 - e),
    };
    let r = c.b.vsplat(l, x);
    c.set_vr(i.rt(), r);
    Ok(())
}

/// Lane `lane` of `l` of `v` computed with scalar ops when this block
/// made `v` by a per-element shift (`Vshlv`, `Vlshrv`, `Vashrv`) of
/// elements at least as wide: only the element that holds the lane is
/// shifted. glibc's `strspn`/`strcspn` splat one halfword of a `vsrw`
/// result into the same register, which leaves the vector shift (one
/// scalar shift per element in the JIT) dead.
fn element_of_shift(c: &mut Ctx<'_>, v: Value, l: Lanes, lane: u32) -> Option<Value> {
    let s = c.b.insts()[c.through_get(v).index()];
    if !matches!(s.op, Opcode::Vshlv | Opcode::Vlshrv | Opcode::Vashrv) {
        return None;
    }
    let sl = Lanes::from_imm(s.imm);
    let (w, sw) = (l.lane_bits(), sl.lane_bits());
    if sw < w {
        return None;
    }
    let (j, off) = (lane * w / sw, lane * w % sw);
    let x = c.b.vextract(sl, s.args[0], j);
    let k = c.b.vextract(sl, s.args[1], j);
    let ty = Type::int(sw);
    let m = c.cst(ty, sw as u64 - 1);
    let k = c.b.and(k, m);
    let r = match s.op {
        Opcode::Vshlv => c.b.shl(x, k),
        Opcode::Vlshrv => c.b.lshr(x, k),
        _ => c.b.ashr(x, k),
    };
    let r = if off == 0 {
        r
    } else {
        let o = c.cst(ty, off as u64);
        c.b.lshr(r, o)
    };
    Some(if sw == w {
        r
    } else {
        c.b.trunc(Type::int(w), r)
    })
}

/// VMRGHB/H/W and VMRGLB/H/W: the high (or low) halves of VRA and VRB
/// interleaved, VRA's element first (in ISA order). In IR lanes (the
/// reverse order) that is Arm's ZIP2 (ZIP1) of VRB and VRA.
pub fn merge(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let xo = i.xo11();
    let l = Lanes::of_bits(8 << ((xo >> 6) & 3));
    let a = c.vr(i.ra());
    let b = c.vr(i.rb());
    let r = if xo < 268 {
        c.b.vzip2(l, b, a)
    } else {
        c.b.vzip1(l, b, a)
    };
    c.set_vr(i.rt(), r);
    Ok(())
}

/// VSLDOI (bytes SHB..SHB+16 of VRA || VRB) and VSEL.
pub fn va_native(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let a = c.vr(i.ra());
    let b = c.vr(i.rb());
    let r = match i.xo6() {
        44 => {
            require(!i.bit(10))?;
            let sh = i.shb();
            if sh == 0 {
                a
            } else {
                // Bytes 16 - SHB.. of VRB (low) then VRA, in IR lanes.
                let imm = Lanes::I8x16 as u64 | ((16 - sh) as u64) << 8;
                c.b.push(Opcode::Vext, Type::V128, [b, a, Value::NONE], imm)
            }
        }
        42 => {
            let m = c.vr(i.rc5());
            let nm = c.b.vnot(Lanes::I64x2, m);
            let x = c.b.vand(Lanes::I64x2, a, nm);
            let y = c.b.vand(Lanes::I64x2, b, m);
            c.b.vor(Lanes::I64x2, x, y)
        }
        _ => return Err(Undef),
    };
    c.set_vr(i.rt(), r);
    Ok(())
}

/// A vector with every byte `x`.
fn splat8(c: &mut Ctx<'_>, x: u8) -> Value {
    let k = c.b.i8(x);
    c.b.vsplat(Lanes::I8x16, k)
}

/// VRL\[BHWD\], VSL\[BHWD\], VSR\[BHWD\], VSRA\[BHWD\]: each element
/// of VRA shifted (rotated) by the same element of VRB modulo the element
/// width, which is how the IR's variable shifts count; a rotate is the
/// left shift or'ed with the right shift by the negated count.
pub fn shift(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let xo = i.xo11();
    let l = Lanes::of_bits(8 << ((xo >> 6) & 3));
    let a = c.vr(i.ra());
    let b = c.vr(i.rb());
    if let Some(n) = uniform_count(c, b, l) {
        // The same count in every element: shifts by an immediate
        // (`vspltisb v1,7; vslb v1,v1,v1` in glibc's `strspn`).
        let by = |c: &mut Ctx<'_>, op: Opcode, n: u32| {
            let imm = l as u64 | (n as u64) << 8;
            c.b.push(op, Type::V128, [a, Value::NONE, Value::NONE], imm)
        };
        let r = match xo {
            _ if n == 0 => a,
            4 | 68 | 132 | 196 => {
                let left = by(c, Opcode::Vshl, n);
                let right = by(c, Opcode::Vlshr, l.lane_bits() - n);
                c.b.vor(l, left, right)
            }
            260 | 324 | 388 | 1476 => by(c, Opcode::Vshl, n),
            516 | 580 | 644 | 1732 => by(c, Opcode::Vlshr, n),
            772 | 836 | 900 | 964 => by(c, Opcode::Vashr, n),
            _ => return Err(Undef),
        };
        c.set_vr(i.rt(), r);
        return Ok(());
    }
    let r = match xo {
        4 | 68 | 132 | 196 => {
            let left = c.b.vshlv(l, a, b);
            let z = splat8(c, 0);
            let nb = c.b.vsub(l, z, b);
            let right = c.b.vlshrv(l, a, nb);
            c.b.vor(l, left, right)
        }
        260 | 324 | 388 | 1476 => c.b.vshlv(l, a, b),
        516 | 580 | 644 | 1732 => c.b.vlshrv(l, a, b),
        772 | 836 | 900 | 964 => c.b.vashrv(l, a, b),
        _ => return Err(Undef),
    };
    c.set_vr(i.rt(), r);
    Ok(())
}

/// The count modulo the element width of `l` that every element of `b`
/// holds, when this block made `b` as a splat of a constant whose
/// elements are no wider than `l`'s (the low bits of each `l` element
/// are then one splatted element).
fn uniform_count(c: &Ctx<'_>, b: Value, l: Lanes) -> Option<u32> {
    let insts = c.b.insts();
    let s = insts.get(c.through_get(b).index())?;
    if s.op != Opcode::Vsplat || Lanes::from_imm(s.imm).lane_bits() > l.lane_bits() {
        return None;
    }
    let k = insts.get(s.args[0].index())?;
    (k.op == Opcode::Const).then(|| (k.imm % l.lane_bits() as u64) as u32)
}

/// VPERM and VPERMR (and VSX XXPERM/XXPERMR through [`perm_bytes`]).
pub fn permute(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let reverse = match i.xo6() {
        43 => false,
        59 => true,
        _ => return Err(Undef),
    };
    let (va, vb) = (i.ra(), i.rb());
    let ctl = c.vr(i.rc5());
    let a = c.vr(va);
    let b = if va == vb { None } else { Some(c.vr(vb)) };
    let r = perm_bytes(c, a, b, ctl, reverse);
    c.set_vr(i.rt(), r);
    Ok(())
}

/// Byte `k` (ISA order) of the result is byte `j` of the 32 bytes
/// `a || b` (`b` = `None`: `a` again), `j` the low 5 bits of `ctl`'s byte
/// `k` (`31 - j` for `reverse`, VPERMR). In IR byte order the result's
/// byte is byte `31 - j` of `b` (low) then `a`, so the plain permute looks
/// up the complemented control bytes and the reversed one the plain ones.
pub fn perm_bytes(c: &mut Ctx<'_>, a: Value, b: Option<Value>, ctl: Value, reverse: bool) -> Value {
    let t = if reverse {
        ctl
    } else {
        c.b.vnot(Lanes::I8x16, ctl)
    };
    let Some(b) = b else {
        // Both halves are the same register: only the low 4 bits count.
        let m = splat8(c, 15);
        let t = c.b.vand(Lanes::I8x16, t, m);
        return c.b.vswizzle(Lanes::I8x16, a, t);
    };
    let m = splat8(c, 31);
    let t = c.b.vand(Lanes::I8x16, t, m);
    // Indexes 0..16 pick from `b`; 16..32 minus 16 from `a`, and the
    // others wrap to 240 and up, which give 0.
    let lo = c.b.vswizzle(Lanes::I8x16, b, t);
    let k16 = splat8(c, 16);
    let ta = c.b.vsub(Lanes::I8x16, t, k16);
    let hi = c.b.vswizzle(Lanes::I8x16, a, ta);
    c.b.vor(Lanes::I64x2, lo, hi)
}

/// VEXTUBLX, VEXTUBRX (byte RA & 15 of VRB counted from the left or the
/// right, zero-extended into RT), VCLZLSBB and VCTZLSBB (the number of
/// leading or trailing bytes of VRB whose least significant bit is 0).
pub fn to_gpr(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let b = c.vr(i.rb());
    let r = match (i.xo11(), i.ra()) {
        (1549 | 1805, ra) => {
            // IR byte k is ISA byte 15 - k: the right index is the lane.
            let idx = c.gpr(ra);
            let idx = c.b.trunc(Type::I8, idx);
            let m = c.b.i8(15);
            let mut k = c.b.and(idx, m);
            if i.xo11() == 1549 {
                k = c.b.xor(k, m);
            }
            let t = c.b.vsplat(Lanes::I8x16, k);
            let v = c.b.vswizzle(Lanes::I8x16, b, t);
            c.b.vextract(Lanes::I8x16, v, 0)
        }
        (1538, ra @ (0 | 1)) => {
            // The bytes' low bits; a count of zero bits over 8 gives the
            // byte count (64 for a zero doubleword: 8 bytes).
            let (hi, lo) = c.vsplit(b);
            let m = c.b.i64(0x0101_0101_0101_0101);
            let (near, far) = if ra == 1 { (lo, hi) } else { (hi, lo) };
            let near = c.b.and(near, m);
            let far = c.b.and(far, m);
            let count = |c: &mut Ctx<'_>, x: Value| {
                let z = if ra == 1 { c.b.ctz(x) } else { c.b.clz(x) };
                let k3 = c.b.i64(3);
                c.b.lshr(z, k3)
            };
            let n = count(c, near);
            let f = count(c, far);
            let zero = c.b.i64(0);
            let none = c.b.icmp(xlat_ir::Cond::Eq, near, zero);
            let extra = c.b.select(none, f, zero);
            c.b.add(n, extra)
        }
        _ => return Err(Undef),
    };
    c.set_gpr(i.rt(), r);
    Ok(())
}

/// VBPERMQ: bit `k` (from the right) of doubleword 0 is bit VRB.byte\[15 - k\]
/// (ISA numbering) of VRA, 0 for indexes of 128 and above; doubleword 1
/// is 0. Each index picks its byte of VRA (`vswizzle` by 15 - idx / 8,
/// out of range from 128 on) and tests the bit under the mask
/// `0x80 >> idx % 8` (0/1 as the minimum with 1); the 0/1 bytes are
/// gathered by a multiplication.
pub fn bperm(c: &mut Ctx<'_>, i: Insn) -> TResult {
    if i.xo11() != 1356 {
        return Err(Undef);
    }
    // Bytes 0..8 of this constant are 0x80, 0x40, .. 0x01, and as a
    // multiplier it moves the low bit of byte j of a word to bit 56 + j.
    const BITS: u64 = 0x0102_0408_1020_4080;
    let a = c.vr(i.ra());
    let idx = c.vr(i.rb());
    let l8 = Lanes::I8x16 as u64;
    let q = c.b.push(
        Opcode::Vlshr,
        Type::V128,
        [idx, Value::NONE, Value::NONE],
        l8 | 3 << 8,
    );
    let k15 = splat8(c, 15);
    let t = c.b.vsub(Lanes::I8x16, k15, q);
    let g = c.b.vswizzle(Lanes::I8x16, a, t);
    let k7 = splat8(c, 7);
    let m = c.b.vand(Lanes::I8x16, idx, k7);
    let table = c.b.iconst(Type::V128, BITS);
    let bits = c.b.vswizzle(Lanes::I8x16, table, m);
    let h = c.b.vand(Lanes::I8x16, g, bits);
    // 0 or the tested bit: the unsigned minimum with 1 is the bit as 0/1.
    let k1 = splat8(c, 1);
    let ones = c.b.vumin(Lanes::I8x16, h, k1);
    let (hi, lo) = c.vsplit(ones);
    let mul = c.b.i64(BITS);
    let k56 = c.b.i64(56);
    let gather = |c: &mut Ctx<'_>, x: Value| {
        let p = c.b.mul(x, mul);
        c.b.lshr(p, k56)
    };
    let rh = gather(c, hi);
    let rl = gather(c, lo);
    let k8 = c.b.i64(8);
    let rh = c.b.shl(rh, k8);
    let r = c.b.or(rh, rl);
    let zero = c.b.i64(0);
    let v = c.vjoin(r, zero);
    c.set_vr(i.rt(), v);
    Ok(())
}

/// VADDUBS, VADDUHS, VADDUWS, VSUBUBS, VSUBUHS, VSUBUWS: unsigned
/// saturating add (`a + min(b, !a)`) and subtract (`a - min(a, b)`);
/// VSCR\[SAT\] is set when an element saturated, that is where the
/// minimum is not `b`.
pub fn saturate_unsigned(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let xo = i.xo11();
    if !matches!(xo, 512 | 576 | 640 | 1536 | 1600 | 1664) {
        return Err(Undef);
    }
    let l = Lanes::of_bits(8 << ((xo >> 6) & 3));
    let a = c.vr(i.ra());
    let b = c.vr(i.rb());
    let (m, r) = if xo < 1024 {
        let na = c.b.vnot(l, a);
        let m = c.b.vumin(l, b, na);
        (m, c.b.vadd(l, a, m))
    } else {
        let m = c.b.vumin(l, a, b);
        (m, c.b.vsub(l, a, m))
    };
    c.set_vr(i.rt(), r);
    let same = c.b.vcmpeq(l, m, b);
    let (hi, lo) = c.vsplit(same);
    let all = c.b.and(hi, lo);
    let ones = c.b.i64(u64::MAX);
    let sat = c.b.icmp(xlat_ir::Cond::Ne, all, ones);
    let sat = c.b.zext(Type::I32, sat);
    let vscr = c.b.get(R_VSCR);
    let vscr = c.b.or(vscr, sat);
    c.b.set(R_VSCR, vscr);
    Ok(())
}

/// VPOPCNTB, VPOPCNTH, VPOPCNTW, VPOPCNTD: the byte counts, summed
/// within each element by a multiplication (halfwords, words) or by
/// adding the word sums (doublewords).
pub fn popcount(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let xo = i.xo11();
    let bits = 8 << ((xo >> 6) & 3);
    if !matches!(xo, 1795 | 1859 | 1923 | 1987) {
        return Err(Undef);
    }
    let b = c.vr(i.rb());
    let p = c.b.vpopcnt(Lanes::I8x16, b);
    // Bytes of each element summed into its top byte, then moved down.
    let sum = |c: &mut Ctx<'_>, l: Lanes, ones: u64| {
        let k = c.cst(Type::int(l.lane_bits()), ones);
        let k = c.b.vsplat(l, k);
        let t = c.b.vmul(l, p, k);
        let sh = l as u64 | ((l.lane_bits() - 8) as u64) << 8;
        c.b.push(Opcode::Vlshr, Type::V128, [t, Value::NONE, Value::NONE], sh)
    };
    let r = match bits {
        8 => p,
        16 => sum(c, Lanes::I16x8, 0x0101),
        32 => sum(c, Lanes::I32x4, 0x0101_0101),
        _ => {
            let w = sum(c, Lanes::I32x4, 0x0101_0101);
            let hi = c.b.push(
                Opcode::Vlshr,
                Type::V128,
                [w, Value::NONE, Value::NONE],
                Lanes::I64x2 as u64 | 32 << 8,
            );
            let t = c.b.vadd(Lanes::I64x2, w, hi);
            let k = c.b.i64(0xff);
            let k = c.b.vsplat(Lanes::I64x2, k);
            c.b.vand(Lanes::I64x2, t, k)
        }
    };
    c.set_vr(i.rt(), r);
    Ok(())
}

/// Everything else: executed by [`HELPER_VEC`] on the CPU state.
pub fn helper(c: &mut Ctx<'_>, i: Insn) -> TResult {
    if !crate::helpers::vec_supported(i) {
        return Err(Undef);
    }
    let w = c.b.i64(i.0 as u64);
    c.b.call_helper(&HELPER_VEC, Type::Void, &[w]);
    Ok(())
}
