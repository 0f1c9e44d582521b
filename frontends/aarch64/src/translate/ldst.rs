//! "Loads and Stores": single register (unsigned offset, unscaled,
//! pre/post-index, unprivileged, register offset, literal), pairs,
//! exclusives and acquire/release, SIMD&FP registers, and LD1-LD4/ST1-ST4
//! (multiple and single structures, replicate).

use super::{Ctx, TResult, Undef, require};
use crate::cpu::Feature;
use crate::decode::Insn;
use crate::state::{R_EXCL_ADDR, R_EXCL_SIZE, R_EXCL_VAL, R_EXCL_VAL_HI};
use xlat_ir::{Cond, MemFlags, Ordering, RmwOp, Type, Value};

/// What a single-register load/store does.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Op {
    Store,
    /// Zero-extending load.
    Load,
    /// Sign-extending load into an X (64) or W (32) register.
    LoadSigned(Type),
    Prefetch,
}

/// A decoded single access: bytes, SIMD&FP register or not, operation.
#[derive(Copy, Clone, Debug)]
struct Access {
    size: u8,
    vector: bool,
    op: Op,
}

impl Access {
    fn scale(&self) -> u32 {
        self.size.trailing_zeros()
    }
}

/// size/opc/V of the single-register classes.
fn decode_single(i: Insn, allow_prefetch: bool) -> Result<Access, Undef> {
    let size = i.size();
    let opc = i.opc22();
    if i.v26() != 0 {
        let (bytes, load) = match (opc >> 1, size) {
            (0, s) => (1u8 << s, opc & 1 != 0),
            (1, 0) => (16, opc & 1 != 0),
            _ => return Err(Undef),
        };
        let op = if load { Op::Load } else { Op::Store };
        return Ok(Access {
            size: bytes,
            vector: true,
            op,
        });
    }
    let op = match opc {
        0 => Op::Store,
        1 => Op::Load,
        2 if size == 3 => {
            require(allow_prefetch)?;
            Op::Prefetch
        }
        2 => Op::LoadSigned(Type::I64),
        _ if size >= 2 => return Err(Undef),
        _ => Op::LoadSigned(Type::I32),
    };
    Ok(Access {
        size: 1 << size,
        vector: false,
        op,
    })
}

/// Loads one register's worth (no register write yet).
fn load_value(c: &mut Ctx<'_>, a: Access, addr: Value) -> Value {
    let f = MemFlags::new(a.size);
    match a.op {
        Op::LoadSigned(ty) => c.b.load(ty, addr, f.signed()),
        _ if a.vector && a.size == 16 => c.b.load(Type::V128, addr, f),
        _ if a.vector => c.b.load(Type::int(a.size as u32 * 8), addr, f),
        // LDR/LDRB/LDRH of a W register zero-extend to 64 bits: one
        // zero-extending i64 load (no `zext` after a 32-bit one).
        _ => c.b.load(Type::I64, addr, f),
    }
}

/// Writes a loaded value to register `rt`.
fn write_loaded(c: &mut Ctx<'_>, a: Access, rt: u32, v: Value) {
    if a.vector {
        if a.size == 16 {
            c.set_vreg(rt, v);
        } else {
            c.set_vreg_scalar(rt, v);
        }
    } else {
        c.set_reg(rt, v);
    }
}

/// Stores register `rt`.
fn store_reg(c: &mut Ctx<'_>, a: Access, rt: u32, addr: Value) {
    let f = MemFlags::new(a.size);
    let v = if a.vector {
        if a.size == 16 {
            c.vreg(rt)
        } else {
            c.vreg_scalar(rt, Type::int(a.size as u32 * 8))
        }
    } else {
        let v = c.reg(rt, a.size == 8);
        if a.size < 4 {
            c.b.trunc(Type::int(a.size as u32 * 8), v)
        } else {
            v
        }
    };
    c.b.store(addr, v, f);
}

/// Performs the access at `addr`, then writes `wb` back to the base
/// register if given.
fn single(c: &mut Ctx<'_>, a: Access, rt: u32, addr: Value, wb: Option<(u32, Value)>) {
    match a.op {
        Op::Prefetch => {}
        Op::Store => store_reg(c, a, rt, addr),
        _ => {
            let v = load_value(c, a, addr);
            write_loaded(c, a, rt, v);
        }
    }
    if let Some((rn, v)) = wb {
        c.set_reg_sp(rn, v);
    }
}

fn add_imm(c: &mut Ctx<'_>, base: Value, off: i64) -> Value {
    if off == 0 {
        return base;
    }
    let k = c.b.i64(off as u64);
    c.b.add(base, k)
}

/// LDR/STR/LDRB/.../PRFM (unsigned offset).
pub fn imm_unsigned(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let a = decode_single(i, true)?;
    let base = c.reg_sp(i.rn(), true);
    let addr = add_imm(c, base, (i.imm12() as i64) << a.scale());
    single(c, a, i.rt(), addr, None);
    Ok(())
}

/// Unscaled (LDUR..), post-index, unprivileged (LDTR.., as normal accesses
/// at EL0) and pre-index forms with a signed 9-bit offset.
pub fn imm9(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let mode = i.bits(11, 10);
    let a = decode_single(i, mode == 0)?;
    let base = c.reg_sp(i.rn(), true);
    let off = i.sbits(20, 12);
    match mode {
        0 | 2 => {
            let addr = add_imm(c, base, off);
            single(c, a, i.rt(), addr, None);
        }
        1 => {
            let nb = add_imm(c, base, off);
            single(c, a, i.rt(), base, Some((i.rn(), nb)));
        }
        _ => {
            let addr = add_imm(c, base, off);
            single(c, a, i.rt(), addr, Some((i.rn(), addr)));
        }
    }
    Ok(())
}

/// Register offset: base + extend(Rm) << (S ? scale : 0).
pub fn reg_offset(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let a = decode_single(i, true)?;
    require(i.option() & 2 != 0)?;
    let base = c.reg_sp(i.rn(), true);
    let m = c.reg(i.rm(), true);
    let sh = if i.s12() != 0 { a.scale() } else { 0 };
    let off = c.extend_reg(m, i.option(), sh, Type::I64);
    let addr = c.b.add(base, off);
    single(c, a, i.rt(), addr, None);
    Ok(())
}

/// LDR (literal), LDRSW (literal), PRFM (literal), LDR S/D/Q (literal).
pub fn literal(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let opc = i.opc30();
    let a = if i.v26() != 0 {
        require(opc != 3)?;
        Access {
            size: 4 << opc,
            vector: true,
            op: Op::Load,
        }
    } else {
        match opc {
            0 | 1 => Access {
                size: 4 << opc,
                vector: false,
                op: Op::Load,
            },
            2 => Access {
                size: 4,
                vector: false,
                op: Op::LoadSigned(Type::I64),
            },
            _ => Access {
                size: 8,
                vector: false,
                op: Op::Prefetch,
            },
        }
    };
    let addr = c.pc.wrapping_add((i.sbits(23, 5) << 2) as u64);
    let addr = c.b.i64(addr);
    single(c, a, i.rt(), addr, None);
    Ok(())
}

/// LDP/STP/LDPSW/LDNP/STNP in all indexing modes (GPR and SIMD&FP).
pub fn pair(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let mode = i.bits(24, 23);
    let load = i.l22() != 0;
    let opc = i.opc30();
    let a = if i.v26() != 0 {
        require(opc != 3)?;
        Access {
            size: 4 << opc,
            vector: true,
            op: if load { Op::Load } else { Op::Store },
        }
    } else {
        match opc {
            0 | 2 => Access {
                size: if opc == 0 { 4 } else { 8 },
                vector: false,
                op: if load { Op::Load } else { Op::Store },
            },
            1 if load && mode != 0 => Access {
                size: 4,
                vector: false,
                op: Op::LoadSigned(Type::I64),
            },
            _ => return Err(Undef),
        }
    };
    let off = i.sbits(21, 15) << a.scale();
    let base = c.reg_sp(i.rn(), true);
    let (addr, wb) = match mode {
        1 => {
            let nb = add_imm(c, base, off);
            (base, Some(nb))
        }
        3 => {
            let a = add_imm(c, base, off);
            (a, Some(a))
        }
        _ => (add_imm(c, base, off), None),
    };
    let addr2 = add_imm(c, addr, a.size as i64);
    if load {
        let v1 = load_value(c, a, addr);
        let v2 = load_value(c, a, addr2);
        write_loaded(c, a, i.rt(), v1);
        write_loaded(c, a, i.rt2(), v2);
    } else {
        store_reg(c, a, i.rt(), addr);
        store_reg(c, a, i.rt2(), addr2);
    }
    if let Some(nb) = wb {
        c.set_reg_sp(i.rn(), nb);
    }
    Ok(())
}

/// Exclusives (LDXR/LDAXR/STXR/STLXR and pairs) and LDAR/STLR
/// (LDLAR/STLLR behave as LDAR/STLR).
///
/// The exclusive monitor is emulated: a load-exclusive records address,
/// size and value; a store-exclusive succeeds if address and size match and
/// a compare-and-swap against the recorded value succeeds. This is weaker
/// than the architecture in one way (ABA: an intervening store of the same
/// value does not clear the monitor), as in QEMU.
pub fn exclusive(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let size = 1u8 << i.size();
    let (o2, load, o1, o0) = (i.o23() != 0, i.l22() != 0, i.o21() != 0, i.o15() != 0);
    let sf = size == 8;
    if o1 && (o2 || size <= 2) && i.rt2() == 31 {
        // CAS (o2 = 1) and CASP (o2 = 0, sz = 0x), FEAT_LSE.
        return cas(c, i);
    }
    let base = c.reg_sp(i.rn(), true);
    if o2 {
        require(!o1)?;
        if !o0 {
            // LDLAR/STLLR (FEAT_LOR)
            c.need(Feature::Lor)?;
        }
        let f = lse2_flags(c, base, size);
        if load {
            let ty = if sf { Type::I64 } else { Type::I32 };
            let v = c.b.load(ty, base, f.ordered(Ordering::Acquire));
            c.set_reg(i.rt(), v);
        } else {
            let v = c.reg(i.rt(), sf);
            let v = if size < 4 {
                c.b.trunc(Type::int(size as u32 * 8), v)
            } else {
                v
            };
            c.b.store(base, v, f.ordered(Ordering::Release));
        }
        return Ok(());
    }
    let pair = o1;
    if pair {
        require(size >= 4)?;
    }
    let total = if pair { size * 2 } else { size };
    let ity_total = Type::int(total as u32 * 8);
    let order_ld = if o0 {
        Ordering::Acquire
    } else {
        Ordering::Relaxed
    };
    let order_st = if o0 {
        Ordering::Release
    } else {
        Ordering::Relaxed
    };
    if load {
        let f = MemFlags::new(total).aligned().ordered(order_ld);
        let v = c.b.load(ity_total, base, f);
        if total == 16 {
            let lo = c.b.trunc(Type::I64, v);
            let k = c.b.i64(64);
            let k = c.b.zext(Type::I128, k);
            let hi = c.b.lshr(v, k);
            let hi = c.b.trunc(Type::I64, hi);
            c.b.set(R_EXCL_VAL, lo);
            c.b.set(R_EXCL_VAL_HI, hi);
            c.set_reg(i.rt(), lo);
            c.set_reg(i.rt2(), hi);
        } else {
            let v64 = c.widen(v);
            c.b.set(R_EXCL_VAL, v64);
            if pair {
                let lo = c.b.trunc(Type::I32, v64);
                let k = c.b.i64(32);
                let hi = c.b.lshr(v64, k);
                let hi = c.b.trunc(Type::I32, hi);
                c.set_reg(i.rt(), lo);
                c.set_reg(i.rt2(), hi);
            } else {
                c.set_reg(i.rt(), v);
            }
        }
        c.b.set(R_EXCL_ADDR, base);
        let s = c.b.i64(total as u64);
        c.b.set(R_EXCL_SIZE, s);
        return Ok(());
    }
    // Store-exclusive.
    let new = if total == 16 {
        let lo = c.reg(i.rt(), true);
        let hi = c.reg(i.rt2(), true);
        let lo = c.b.zext(Type::I128, lo);
        let hi = c.b.zext(Type::I128, hi);
        let k = c.b.i64(64);
        let k = c.b.zext(Type::I128, k);
        let hi = c.b.shl(hi, k);
        c.b.or(lo, hi)
    } else if pair {
        let lo = c.reg(i.rt(), false);
        let hi = c.reg(i.rt2(), false);
        let lo = c.b.zext(Type::I64, lo);
        let hi = c.b.zext(Type::I64, hi);
        let k = c.b.i64(32);
        let hi = c.b.shl(hi, k);
        c.b.or(lo, hi)
    } else {
        let v = c.reg(i.rt(), true);
        if total < 8 {
            c.b.trunc(ity_total, v)
        } else {
            v
        }
    };
    let ev = c.b.get(R_EXCL_VAL);
    let expected = if total == 16 {
        let hi = c.b.get(R_EXCL_VAL_HI);
        let lo = c.b.zext(Type::I128, ev);
        let hi = c.b.zext(Type::I128, hi);
        let k = c.b.i64(64);
        let k = c.b.zext(Type::I128, k);
        let hi = c.b.shl(hi, k);
        c.b.or(lo, hi)
    } else if total < 8 {
        c.b.trunc(ity_total, ev)
    } else {
        ev
    };
    let ea = c.b.get(R_EXCL_ADDR);
    let es = c.b.get(R_EXCL_SIZE);
    let a_ok = c.b.icmp(Cond::Eq, ea, base);
    let tsz = c.b.i64(total as u64);
    let s_ok = c.b.icmp(Cond::Eq, es, tsz);
    let mon = c.b.and(a_ok, s_ok);
    // Without the monitor, swap the expected value with itself: no change.
    let newv = c.b.select(mon, new, expected);
    let f = MemFlags::new(total).aligned().ordered(order_st);
    let old = c.b.atomic_cas(base, expected, newv, f);
    let same = c.b.icmp(Cond::Eq, old, expected);
    let ok = c.b.and(mon, same);
    let fail = c.bnot(ok);
    let status = c.b.zext(Type::I32, fail);
    let clr = c.b.i64(u64::MAX);
    c.b.set(R_EXCL_ADDR, clr);
    c.set_reg(i.rs(), status);
    Ok(())
}

/// STLUR/LDAPUR and their byte, halfword and sign-extending forms
/// (FEAT_LRCPC2): a store-release or load-acquire (RCpc, done as RCsc)
/// at Xn|SP plus a signed 9-bit offset, with the alignment rules of LDAPR.
pub fn rcpc_unscaled(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let size = 1u8 << i.size();
    let opc = i.opc22();
    // (load, sign-extend to: None = zero-extend)
    let (load, signed) = match (opc, size) {
        (0, _) => (false, None),
        (1, _) => (true, None),
        (2, 1 | 2 | 4) => (true, Some(Type::I64)),
        (3, 1 | 2) => (true, Some(Type::I32)),
        _ => return Err(Undef),
    };
    c.need(Feature::Lrcpc2)?;
    let base = c.reg_sp(i.rn(), true);
    let addr = add_imm(c, base, i.sbits(20, 12));
    let f = lse2_flags(c, addr, size);
    if !load {
        let v = c.reg(i.rt(), size == 8);
        let v = if size < 4 {
            c.b.trunc(Type::int(size as u32 * 8), v)
        } else {
            v
        };
        c.b.store(addr, v, f.ordered(Ordering::Release));
        return Ok(());
    }
    let f = f.ordered(Ordering::Acquire);
    let v = match signed {
        Some(ty) => c.b.load(ty, addr, f.signed()),
        None => {
            c.b.load(if size == 8 { Type::I64 } else { Type::I32 }, addr, f)
        }
    };
    c.set_reg(i.rt(), v);
    Ok(())
}

/// Flags of a non-exclusive acquire/release or LSE atomic access of
/// `size` bytes at `addr`. Without FEAT_LSE2 it must be naturally aligned.
/// With FEAT_LSE2 (max) any address is allowed whose bytes lie in one
/// 16-byte aligned granule (the host's atomics are single-copy atomic
/// there, as no cache line is crossed); one that crosses a granule raises
/// an alignment fault at `addr`, through an aligned 16-byte probe load at
/// `addr` itself when crossing, at the granule's start otherwise.
fn lse2_flags(c: &mut Ctx<'_>, addr: Value, size: u8) -> MemFlags {
    let f = MemFlags::new(size);
    if !c.model.has(Feature::Lse2) {
        return f.aligned();
    }
    if size == 1 {
        return f;
    }
    let k15 = c.b.i64(15);
    let low = c.b.and(addr, k15);
    let last = c.b.i64(16 - size as u64);
    let crossing = c.b.icmp(Cond::Ugt, low, last);
    let granule = c.b.i64(!15);
    let start = c.b.and(addr, granule);
    let probe = c.b.select(crossing, addr, start);
    c.b.load(Type::I128, probe, MemFlags::new(16).aligned());
    f
}

/// Ordering of an LSE access from its acquire and release bits.
fn lse_order(acquire: bool, release: bool) -> Ordering {
    match (acquire, release) {
        (false, false) => Ordering::Relaxed,
        (true, false) => Ordering::Acquire,
        (false, true) => Ordering::Release,
        (true, true) => Ordering::AcqRel,
    }
}

/// Joins two registers' low `bits` bits into one value of twice the width
/// (`lo` at the lower address).
fn join_pair(c: &mut Ctx<'_>, lo: u32, hi: u32, bits: u32) -> Value {
    let wide = Type::int(bits * 2);
    let l = c.reg(lo, bits == 64);
    let h = c.reg(hi, bits == 64);
    let l = c.b.zext(wide, l);
    let h = c.b.zext(wide, h);
    let k = c.cst(Type::I64, bits as u64);
    let k = if wide == Type::I128 {
        c.b.zext(Type::I128, k)
    } else {
        k
    };
    let h = c.b.shl(h, k);
    c.b.or(l, h)
}

/// Splits a pair value back into registers `lo` and `lo + 1`.
fn split_pair(c: &mut Ctx<'_>, v: Value, lo: u32, bits: u32) {
    let half = Type::int(bits);
    let l = c.b.trunc(half, v);
    let ty = c.b.ty(v);
    let k = c.cst(Type::I64, bits as u64);
    let k = if ty == Type::I128 {
        c.b.zext(Type::I128, k)
    } else {
        k
    };
    let h = c.b.lshr(v, k);
    let h = c.b.trunc(half, h);
    c.set_reg(lo, l);
    c.set_reg(lo + 1, h);
}

/// CAS, CASA, CASL, CASAL (B/H/W/X) and CASP, CASPA, CASPL, CASPAL
/// (W and X pairs): compare Rs (Rs:Rs+1) with memory, store Rt (Rt:Rt+1)
/// if equal; Rs receives the old value either way.
fn cas(c: &mut Ctx<'_>, i: Insn) -> TResult {
    c.need(Feature::Atomics)?;
    let pair = i.o23() == 0;
    let order = lse_order(i.l22() != 0, i.o15() != 0);
    let (rs, rt) = (i.rs(), i.rt());
    if pair {
        // Odd register numbers are reserved (QEMU raises UNDEFINED too).
        require(rs & 1 == 0 && rt & 1 == 0)?;
        let bits = 32u32 << (i.size() & 1);
        let base = c.reg_sp(i.rn(), true);
        let exp = join_pair(c, rs, rs + 1, bits);
        let new = join_pair(c, rt, rt + 1, bits);
        let f = lse2_flags(c, base, (bits / 4) as u8).ordered(order);
        let old = c.b.atomic_cas(base, exp, new, f);
        split_pair(c, old, rs, bits);
        return Ok(());
    }
    let size = 1u8 << i.size();
    let ty = Type::int(size as u32 * 8);
    let base = c.reg_sp(i.rn(), true);
    let exp = c.reg(rs, size == 8);
    let new = c.reg(rt, size == 8);
    let (exp, new) = if size < 4 {
        (c.b.trunc(ty, exp), c.b.trunc(ty, new))
    } else {
        (exp, new)
    };
    let f = lse2_flags(c, base, size).ordered(order);
    let old = c.b.atomic_cas(base, exp, new, f);
    c.set_reg(rs, old);
    Ok(())
}

/// Atomic memory operations (FEAT_LSE): LDADD, LDCLR, LDEOR, LDSET,
/// LDSMAX, LDSMIN, LDUMAX, LDUMIN, SWP in all sizes and orderings (the
/// ST* aliases are the Rt = XZR forms), and LDAPR/LDAPRB/LDAPRH
/// (FEAT_LRCPC, treated as LDAR: acquire is stronger than RCpc).
pub fn atomic_op(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(i.v26() == 0)?;
    let size = 1u8 << i.size();
    let (acq, rel) = (i.bit(23), i.bit(22));
    let o3 = i.bit(15);
    let opc = i.bits(14, 12);
    let ty = Type::int(size as u32 * 8);
    let rop = match (o3, opc) {
        (false, 0) => RmwOp::Add,
        (false, 1) => RmwOp::AndNot,
        (false, 2) => RmwOp::Xor,
        (false, 3) => RmwOp::Or,
        (false, 4) => RmwOp::Smax,
        (false, 5) => RmwOp::Smin,
        (false, 6) => RmwOp::Umax,
        (false, 7) => RmwOp::Umin,
        (true, 0) => RmwOp::Xchg,
        (true, 4) => {
            // LDAPR*
            require(acq && !rel && i.rs() == 31)?;
            c.need(Feature::Lrcpc)?;
            let base = c.reg_sp(i.rn(), true);
            let f = lse2_flags(c, base, size).ordered(Ordering::Acquire);
            let lty = if size == 8 { Type::I64 } else { Type::I32 };
            let v = c.b.load(lty, base, f);
            c.set_reg(i.rt(), v);
            return Ok(());
        }
        _ => return Err(Undef),
    };
    c.need(Feature::Atomics)?;
    let base = c.reg_sp(i.rn(), true);
    let v = c.reg(i.rs(), size == 8);
    let v = if size < 4 { c.b.trunc(ty, v) } else { v };
    let f = lse2_flags(c, base, size).ordered(lse_order(acq, rel));
    let old = c.b.atomic_rmw(rop, base, v, f);
    c.set_reg(i.rt(), old);
    Ok(())
}

/// LDRAA, LDRAB (FEAT_PAuth): authenticate Xn|SP with data key A or B
/// and a zero modifier, add the scaled 10-bit signed offset, load 64 bits;
/// the W form writes the address back to Xn|SP.
pub fn ldra(c: &mut Ctx<'_>, i: Insn) -> TResult {
    use crate::pauth::{key, op};
    // Writeback into the loaded register: CONSTRAINED UNPREDICTABLE,
    // UNDEFINED here (as capstone treats it).
    require(!(i.bit(11) && i.rn() == i.rt() && i.rn() != 31))?;
    c.need(Feature::Pauth)?;
    let k = if i.bit(23) { key::DB } else { key::DA };
    let imm10 = (i.bit(22) as u32) << 9 | i.imm9();
    let off = (((imm10 << 22) as i32) >> 22) as i64 * 8;
    let base = c.reg_sp(i.rn(), true);
    let zero = c.b.i64(0);
    let auth = c.pac(base, zero, op::AUTH | k);
    let addr = add_imm(c, auth, off);
    let v = c.b.load(Type::I64, addr, MemFlags::new(8));
    if i.bit(11) {
        c.set_reg_sp(i.rn(), addr);
    }
    c.set_reg(i.rt(), v);
    Ok(())
}

/// LD1-LD4/ST1-ST4 (multiple structures), LD1-LD4/ST1-ST4 (single
/// structure, one lane), LD1R-LD4R (replicate), each with optional
/// post-index by immediate (Rm = 31: the bytes transferred) or register.
/// LD1/ST1 (multiple structures) move each register with one 8- or
/// 16-byte IR load/store; the other forms move elements one at a time with
/// IR loads/stores and lane inserts/extracts. Loaded registers are written
/// after every access succeeded.
pub fn simd_struct(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let q = i.q() != 0;
    let load = i.l22() != 0;
    let post = i.bit(23);
    let single = i.bit(24);
    require(post || i.rm() == 0)?;
    let size = i.bits(11, 10);
    // (structure elements, registers per element group, element size log2,
    //  lane index or None for all lanes/replicate)
    enum Kind {
        Multi { rpt: u32 },
        Lane(u32),
        Repl,
    }
    let (selem, scale, kind) = if !single {
        let (rpt, selem) = match i.ldst_opcode() {
            0b0000 => (1, 4),
            0b0010 => (4, 1),
            0b0100 => (1, 3),
            0b0110 => (3, 1),
            0b0111 => (1, 1),
            0b1000 => (1, 2),
            0b1010 => (2, 1),
            _ => return Err(Undef),
        };
        require(!(size == 3 && !q && selem > 1))?;
        (selem, size, Kind::Multi { rpt })
    } else {
        let opcode = i.bits(15, 13);
        let selem = (((opcode & 1) << 1) | i.bit(21) as u32) + 1;
        let s = i.bit(12) as u32;
        let qb = q as u32;
        match opcode >> 1 {
            0 => (selem, 0, Kind::Lane((qb << 3) | (s << 2) | size)),
            1 => {
                require(size & 1 == 0)?;
                (selem, 1, Kind::Lane((qb << 2) | (s << 1) | (size >> 1)))
            }
            2 => match size {
                0 => (selem, 2, Kind::Lane((qb << 1) | s)),
                1 => {
                    require(s == 0)?;
                    (selem, 3, Kind::Lane(qb))
                }
                _ => return Err(Undef),
            },
            _ => {
                require(load && s == 0)?;
                (selem, size, Kind::Repl)
            }
        }
    };
    let ebytes = 1u32 << scale;
    let ety = Type::int(8 * ebytes);
    let lanes = xlat_ir::Lanes::of_bits(8 * ebytes);
    let base = c.reg_sp(i.rn(), true);
    let rt = i.rt();
    let f = MemFlags::new(ebytes as u8);
    let nelem = if q { 16 } else { 8 } / ebytes;
    let mut total = 0u32;
    let mut out: Vec<(u32, Value)> = Vec::new();
    match kind {
        Kind::Multi { rpt } if selem == 1 => {
            // LD1/ST1 (multiple structures): each register is one
            // contiguous little-endian run of 8 or 16 bytes, so it moves
            // with one access of that size (a 64-bit load zeroes the top).
            let rbytes = if q { 16u8 } else { 8 };
            let rf = MemFlags::new(rbytes);
            for r in 0..rpt {
                let t = (rt + r) % 32;
                let addr = add_imm(c, base, total as i64);
                if load {
                    let v = if q {
                        c.b.load(Type::V128, addr, rf)
                    } else {
                        let x = c.b.load(Type::I64, addr, rf);
                        let w = c.b.zext(Type::I128, x);
                        c.b.bitcast(Type::V128, w)
                    };
                    out.push((t, v));
                } else {
                    let v = if q {
                        c.vreg(t)
                    } else {
                        c.vreg_scalar(t, Type::I64)
                    };
                    c.b.store(addr, v, rf);
                }
                total += rbytes as u32;
            }
        }
        Kind::Multi { rpt } => {
            for r in 0..rpt {
                let mut regs: Vec<Value> = (0..selem).map(|_| c.b.iconst(Type::V128, 0)).collect();
                for e in 0..nelem {
                    for s in 0..selem {
                        let t = (rt + r + s) % 32;
                        let addr = add_imm(c, base, total as i64);
                        if load {
                            let v = c.b.load(ety, addr, f);
                            regs[s as usize] = c.b.vinsert(lanes, regs[s as usize], v, e);
                        } else {
                            let vr = c.vreg(t);
                            let v = c.b.vextract(lanes, vr, e);
                            c.b.store(addr, v, f);
                        }
                        total += ebytes;
                    }
                }
                if load {
                    for (s, v) in regs.into_iter().enumerate() {
                        out.push(((rt + r + s as u32) % 32, v));
                    }
                }
            }
        }
        Kind::Lane(idx) => {
            for s in 0..selem {
                let t = (rt + s) % 32;
                let addr = add_imm(c, base, total as i64);
                let vr = c.vreg(t);
                if load {
                    let v = c.b.load(ety, addr, f);
                    let nv = c.b.vinsert(lanes, vr, v, idx);
                    out.push((t, nv));
                } else {
                    let v = c.b.vextract(lanes, vr, idx);
                    c.b.store(addr, v, f);
                }
                total += ebytes;
            }
        }
        Kind::Repl => {
            for s in 0..selem {
                let t = (rt + s) % 32;
                let addr = add_imm(c, base, total as i64);
                let v = c.b.load(ety, addr, f);
                let r = c.b.vsplat(lanes, v);
                let r = c.clear_high(r, q);
                out.push((t, r));
                total += ebytes;
            }
        }
    }
    for (t, v) in out {
        c.set_vreg(t, v);
    }
    if post {
        let nb = if i.rm() == 31 {
            add_imm(c, base, total as i64)
        } else {
            let m = c.reg(i.rm(), true);
            c.b.add(base, m)
        };
        c.set_reg_sp(i.rn(), nb);
    }
    Ok(())
}
