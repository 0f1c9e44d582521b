//! Fixed-point loads and stores (Power ISA Book I chapter 3) and the
//! load-and-reserve / store-conditional pairs (Book II chapter 4).

use super::{Ctx, TResult, Undef, require};
use crate::decode::Insn;
use crate::state::{R_RESV_ADDR, R_RESV_SIZE, R_RESV_VAL, R_RESV_VAL_HI, R_SO};
use xlat_ir::{Cond, MemFlags, Ordering, Type, Value};

/// What a single-register access does.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Kind {
    /// Zero-extending load.
    Load,
    /// Sign-extending load.
    LoadSigned,
    /// Byte-reversed load.
    LoadRev,
    /// Store.
    Store,
    /// Byte-reversed store.
    StoreRev,
}

/// A decoded access: size in bytes, kind, update form.
#[derive(Copy, Clone, Debug)]
struct Access {
    size: u8,
    kind: Kind,
    update: bool,
}

const fn acc(size: u8, kind: Kind, update: bool) -> Access {
    Access { size, kind, update }
}

/// EA = (RA|0) + `off` (a constant) or + `rb`.
fn ea(c: &mut Ctx<'_>, ra: u32, off: Value) -> Value {
    if ra == 0 {
        off
    } else {
        let a = c.gpr(ra);
        c.b.add(a, off)
    }
}

/// Performs the access at `addr` for register `rt`; the update forms write
/// EA to RA (RA = 0 is invalid, and for loads RA = RT too).
fn access(c: &mut Ctx<'_>, a: Access, rt: u32, ra: u32, addr: Value) -> TResult {
    let load = matches!(a.kind, Kind::Load | Kind::LoadSigned | Kind::LoadRev);
    if a.update {
        require(ra != 0 && !(load && ra == rt))?;
    }
    let f = MemFlags::new(a.size);
    let ity = Type::int(a.size as u32 * 8);
    match a.kind {
        Kind::Load => {
            let v = c.b.load(ity, addr, f);
            c.set_gpr(rt, v);
        }
        Kind::LoadSigned => {
            let v = c.b.load(Type::I64, addr, f.signed());
            c.set_gpr(rt, v);
        }
        Kind::LoadRev => {
            let v = c.b.load(ity, addr, f);
            let v = c.b.bswap(v);
            c.set_gpr(rt, v);
        }
        Kind::Store | Kind::StoreRev => {
            let s = c.gpr(rt);
            let v = if a.size < 8 { c.b.trunc(ity, s) } else { s };
            let v = if a.kind == Kind::StoreRev {
                c.b.bswap(v)
            } else {
                v
            };
            c.b.store(addr, v, f);
        }
    }
    if a.update {
        c.set_gpr(ra, addr);
    }
    Ok(())
}

/// D-form loads and stores: lbz, lhz, lha, lwz, stb, sth, stw and their
/// update forms.
pub fn dform(c: &mut Ctx<'_>, i: Insn) -> TResult {
    use Kind::*;
    let a = match i.po() {
        32 => acc(4, Load, false),
        33 => acc(4, Load, true),
        34 => acc(1, Load, false),
        35 => acc(1, Load, true),
        36 => acc(4, Store, false),
        37 => acc(4, Store, true),
        38 => acc(1, Store, false),
        39 => acc(1, Store, true),
        40 => acc(2, Load, false),
        41 => acc(2, Load, true),
        42 => acc(2, LoadSigned, false),
        43 => acc(2, LoadSigned, true),
        44 => acc(2, Store, false),
        45 => acc(2, Store, true),
        _ => return Err(Undef),
    };
    let off = c.b.i64(i.simm() as u64);
    let addr = ea(c, i.ra(), off);
    access(c, a, i.rt(), i.ra(), addr)
}

/// DS-form: ld, ldu, lwa, std, stdu.
pub fn dsform(c: &mut Ctx<'_>, i: Insn) -> TResult {
    use Kind::*;
    let a = match (i.po(), i.bits(1, 0)) {
        (58, 0) => acc(8, Load, false),
        (58, 1) => acc(8, Load, true),
        (58, 2) => acc(4, LoadSigned, false),
        (62, 0) => acc(8, Store, false),
        (62, 1) => acc(8, Store, true),
        _ => return Err(Undef),
    };
    let off = c.b.i64(i.ds() as u64);
    let addr = ea(c, i.ra(), off);
    access(c, a, i.rt(), i.ra(), addr)
}

/// X-form indexed loads and stores, incl. update and byte-reversed forms.
pub fn xform(c: &mut Ctx<'_>, i: Insn) -> TResult {
    use Kind::*;
    let a = match i.xo10() {
        23 => acc(4, Load, false),
        55 => acc(4, Load, true),
        87 => acc(1, Load, false),
        119 => acc(1, Load, true),
        151 => acc(4, Store, false),
        183 => acc(4, Store, true),
        215 => acc(1, Store, false),
        247 => acc(1, Store, true),
        279 => acc(2, Load, false),
        311 => acc(2, Load, true),
        343 => acc(2, LoadSigned, false),
        375 => acc(2, LoadSigned, true),
        407 => acc(2, Store, false),
        439 => acc(2, Store, true),
        21 => acc(8, Load, false),
        53 => acc(8, Load, true),
        149 => acc(8, Store, false),
        181 => acc(8, Store, true),
        341 => acc(4, LoadSigned, false),
        373 => acc(4, LoadSigned, true),
        790 => acc(2, LoadRev, false),
        534 => acc(4, LoadRev, false),
        532 => acc(8, LoadRev, false),
        918 => acc(2, StoreRev, false),
        662 => acc(4, StoreRev, false),
        660 => acc(8, StoreRev, false),
        _ => return Err(Undef),
    };
    let b = c.gpr(i.rb());
    let addr = ea(c, i.ra(), b);
    access(c, a, i.rt(), i.ra(), addr)
}

/// LMW: loads words into RT..R31 (RA in the range is an invalid form).
pub fn lmw(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let (rt, ra) = (i.rt(), i.ra());
    require(ra == 0 || ra < rt)?;
    let off = c.b.i64(i.simm() as u64);
    let base = ea(c, ra, off);
    let mut vals = Vec::new();
    for (k, _) in (rt..32).enumerate() {
        let o = c.b.i64(4 * k as u64);
        let a = c.b.add(base, o);
        vals.push(c.b.load(Type::I32, a, MemFlags::new(4)));
    }
    for (r, v) in (rt..32).zip(vals) {
        c.set_gpr(r, v);
    }
    Ok(())
}

/// STMW: stores the low words of RS..R31.
pub fn stmw(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let rs = i.rt();
    let off = c.b.i64(i.simm() as u64);
    let base = ea(c, i.ra(), off);
    for (k, r) in (rs..32).enumerate() {
        let o = c.b.i64(4 * k as u64);
        let a = c.b.add(base, o);
        let v = c.gpr(r);
        let v = c.lo32(v);
        c.b.store(a, v, MemFlags::new(4));
    }
    Ok(())
}

/// LQ: RTp (even) gets the high doubleword of the little-endian quadword,
/// RTp+1 the low one; RTp = RA is an invalid form.
pub fn lq(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let (rt, ra) = (i.rt(), i.ra());
    require(rt & 1 == 0 && rt != ra)?;
    let off = c.b.i64((i.sbits(15, 4) << 4) as u64);
    let addr = ea(c, ra, off);
    let v = c.b.load(
        Type::I128,
        addr,
        MemFlags::new(16).aligned().ordered(Ordering::Relaxed),
    );
    let (hi, lo) = c.split128(v);
    c.set_gpr(rt, hi);
    c.set_gpr(rt + 1, lo);
    Ok(())
}

/// STQ: the inverse of [`lq`].
pub fn stq(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let rs = i.rt();
    require(rs & 1 == 0)?;
    let off = c.b.i64(i.ds() as u64);
    let addr = ea(c, i.ra(), off);
    let hi = c.gpr(rs);
    let lo = c.gpr(rs + 1);
    let v = c.join128(hi, lo);
    c.b.store(
        addr,
        v,
        MemFlags::new(16).aligned().ordered(Ordering::Relaxed),
    );
    Ok(())
}

fn reserve_size(xo: u32) -> u8 {
    match xo {
        52 | 694 => 1,
        116 | 726 => 2,
        20 | 150 => 4,
        84 | 214 => 8,
        _ => 16,
    }
}

/// LBARX, LHARX, LWARX, LDARX, LQARX: load and record a reservation
/// (address, size and the value loaded). EH is a hint and ignored.
pub fn larx(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let size = reserve_size(i.xo10());
    let (rt, ra) = (i.rt(), i.ra());
    if size == 16 {
        require(rt & 1 == 0 && rt != ra && rt != i.rb())?;
    }
    let b = c.gpr(i.rb());
    let addr = ea(c, ra, b);
    let f = MemFlags::new(size).aligned().ordered(Ordering::Relaxed);
    let v = c.b.load(Type::int(size as u32 * 8), addr, f);
    if size == 16 {
        let (hi, lo) = c.split128(v);
        c.b.set(R_RESV_VAL, lo);
        c.b.set(R_RESV_VAL_HI, hi);
        c.set_gpr(rt, hi);
        c.set_gpr(rt + 1, lo);
    } else {
        let v = c.zext64(v);
        c.b.set(R_RESV_VAL, v);
        c.set_gpr(rt, v);
    }
    c.b.set(R_RESV_ADDR, addr);
    let s = c.b.i64(size as u64);
    c.b.set(R_RESV_SIZE, s);
    Ok(())
}

/// STBCX., STHCX., STWCX., STDCX., STQCX.: store if the reservation (same
/// address and size) holds and memory still contains the reserved value,
/// via one compare-and-swap; CR0 = 0b00 || success || XER.SO. The
/// reservation is always cleared. Weaker than the architecture in one way
/// (ABA: an intervening store of the same value does not cancel the
/// reservation), as in QEMU.
pub fn stcx(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let size = reserve_size(i.xo10());
    let rs = i.rt();
    if size == 16 {
        require(rs & 1 == 0)?;
    }
    let ity = Type::int(size as u32 * 8);
    let b = c.gpr(i.rb());
    let addr = ea(c, i.ra(), b);
    let new = if size == 16 {
        let hi = c.gpr(rs);
        let lo = c.gpr(rs + 1);
        c.join128(hi, lo)
    } else {
        let v = c.gpr(rs);
        if size < 8 { c.b.trunc(ity, v) } else { v }
    };
    let ev = c.b.get(R_RESV_VAL);
    let expected = if size == 16 {
        let hi = c.b.get(R_RESV_VAL_HI);
        c.join128(hi, ev)
    } else if size < 8 {
        c.b.trunc(ity, ev)
    } else {
        ev
    };
    let ra_ = c.b.get(R_RESV_ADDR);
    let rsz = c.b.get(R_RESV_SIZE);
    let a_ok = c.b.icmp(Cond::Eq, ra_, addr);
    let tsz = c.b.i64(size as u64);
    let s_ok = c.b.icmp(Cond::Eq, rsz, tsz);
    let held = c.b.and(a_ok, s_ok);
    // Without the reservation, swap the expected value with itself.
    let newv = c.b.select(held, new, expected);
    let f = MemFlags::new(size).aligned().ordered(Ordering::AcqRel);
    let old = c.b.atomic_cas(addr, expected, newv, f);
    let same = c.b.icmp(Cond::Eq, old, expected);
    let ok = c.b.and(held, same);
    let clr = c.b.i64(u64::MAX);
    c.b.set(R_RESV_ADDR, clr);
    let zero = c.b.i8(0);
    let so = c.b.get(R_SO);
    c.set_cr_field(0, zero, zero, ok, so);
    Ok(())
}
