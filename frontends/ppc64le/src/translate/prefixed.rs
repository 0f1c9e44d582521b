//! Prefixed instructions (Power ISA 3.1, POWER10): an 8-byte
//! instruction of a prefix word (primary opcode 1) at the lower address
//! and a suffix word. Implemented: the MLS forms (paddi/pla/pli and the
//! D-form loads and stores with a 34-bit displacement), the 8LS forms
//! (pld, pstd, plwa, plq, pstq, plxsd, plxssp, pstxsd, pstxssp, plxv,
//! pstxv, plxvp, pstxvp), the 8RR splats (xxspltiw, xxspltidp,
//! xxsplti32dx) and pnop. With R = 1 the address is relative to the
//! prefix's own address (RA must then be 0).

use super::{Ctx, TResult, Undef, require};
use crate::decode::Insn;
use xlat_ir::{Lanes, MemFlags, Type, Value};

/// Prefix types (prefix bits ISA 6:7).
const TYPE_8LS: u32 = 0;
const TYPE_8RR: u32 = 1;
const TYPE_MLS: u32 = 2;
const TYPE_MMIRR: u32 = 3;

/// The effective address of a load/store (or the sum of paddi):
/// `(RA|0) + d`, or the prefix's address + d when R = 1.
fn ea(c: &mut Ctx<'_>, p: Insn, s: Insn) -> Result<Value, Undef> {
    let d = ((p.bits(17, 0) as u64) << 16 | s.bits(15, 0) as u64) << 30;
    let d = (d as i64 >> 30) as u64;
    if p.bit(20) {
        require(s.ra() == 0)?;
        Ok(c.b.i64(c.pc.wrapping_add(d)))
    } else if s.ra() == 0 {
        Ok(c.b.i64(d))
    } else {
        let a = c.gpr(s.ra());
        let k = c.b.i64(d);
        Ok(c.b.add(a, k))
    }
}

/// Translates the prefixed instruction `prefix`, `suffix` at `c.pc`.
pub fn translate(c: &mut Ctx<'_>, prefix: u32, suffix: u32) -> TResult {
    c.require_isa(crate::cpu::Isa::V310)?;
    let (p, s) = (Insn(prefix), Insn(suffix));
    let ty = p.bits(25, 24);
    match ty {
        TYPE_MMIRR if p.bits(23, 20) == 0 && p.bits(19, 0) == 0 => Ok(()), // pnop
        TYPE_8RR => splat(c, p, s),
        // MMA masked outer products (pmxv*ger*): prefix ISA 8:11 = 1001.
        TYPE_MMIRR if p.bits(23, 20) == 9 && s.po() == 59 => {
            super::vsx::mma_masked(c, s, p.bits(15, 0) as u64)
        }
        TYPE_MLS | TYPE_8LS => {
            // Reserved prefix bits ISA 8:10 and 12:13.
            require(p.bits(23, 21) == 0 && p.bits(19, 18) == 0)?;
            if ty == TYPE_MLS {
                mls(c, p, s)
            } else {
                ls8(c, p, s)
            }
        }
        _ => Err(Undef),
    }
}

fn load_gpr(c: &mut Ctx<'_>, rt: u32, ea: Value, f: MemFlags) {
    let v = c.b.load(Type::I64, ea, f);
    c.set_gpr(rt, v);
}

fn store_gpr(c: &mut Ctx<'_>, rs: u32, ea: Value, ty: Type) {
    let v = c.gpr(rs);
    let v = if ty == Type::I64 { v } else { c.b.trunc(ty, v) };
    c.b.store(ea, v, MemFlags::new(ty.bytes() as u8));
}

/// MLS: paddi and the D-form loads/stores with a 34-bit displacement.
fn mls(c: &mut Ctx<'_>, p: Insn, s: Insn) -> TResult {
    let rt = s.rt();
    let a = ea(c, p, s)?;
    match s.po() {
        14 => c.set_gpr(rt, a),
        32 => load_gpr(c, rt, a, MemFlags::new(4)),
        34 => load_gpr(c, rt, a, MemFlags::new(1)),
        40 => load_gpr(c, rt, a, MemFlags::new(2)),
        42 => load_gpr(c, rt, a, MemFlags::new(2).signed()),
        36 => store_gpr(c, rt, a, Type::I32),
        38 => store_gpr(c, rt, a, Type::I8),
        44 => store_gpr(c, rt, a, Type::I16),
        48 => {
            let v = c.b.load(Type::F32, a, MemFlags::new(4));
            let v = c.b.fcvt(Type::F64, v);
            c.set_fpr(rt, v);
        }
        50 => {
            let v = c.b.load(Type::F64, a, MemFlags::new(8));
            c.set_fpr(rt, v);
        }
        52 => {
            let v = c.fpr(rt);
            let v = c.b.fcvt(Type::F32, v);
            c.b.store(a, v, MemFlags::new(4));
        }
        54 => {
            let v = c.fpr(rt);
            c.b.store(a, v, MemFlags::new(8));
        }
        _ => return Err(Undef),
    }
    Ok(())
}

/// 8LS: doubleword, quadword and VSX loads/stores.
fn ls8(c: &mut Ctx<'_>, p: Insn, s: Insn) -> TResult {
    let rt = s.rt();
    let po = s.po();
    if matches!(po, 56 | 60) {
        require(rt & 1 == 0 && (po == 60 || rt != s.ra()))?;
    }
    let a = ea(c, p, s)?;
    match po {
        41 => load_gpr(c, rt, a, MemFlags::new(4).signed()),
        57 => load_gpr(c, rt, a, MemFlags::new(8)),
        61 => store_gpr(c, rt, a, Type::I64),
        // plq/pstq: as lq/stq, RTp gets the doubleword at the higher
        // address in little-endian mode.
        56 => {
            let v = c.b.load(Type::I128, a, MemFlags::new(16));
            let (hi, lo) = c.split128(v);
            c.set_gpr(rt, hi);
            c.set_gpr(rt + 1, lo);
        }
        60 => {
            let hi = c.gpr(rt);
            let lo = c.gpr(rt + 1);
            let v = c.join128(hi, lo);
            c.b.store(a, v, MemFlags::new(16));
        }
        42 | 43 => {
            let d = if po == 43 {
                let v = c.b.load(Type::F32, a, MemFlags::new(4));
                let v = c.b.fcvt(Type::F64, v);
                c.b.bitcast(Type::I64, v)
            } else {
                c.b.load(Type::I64, a, MemFlags::new(8))
            };
            let z = c.b.i64(0);
            c.set_vsr_dws(32 + rt, d, z);
        }
        46 | 47 => {
            let d = c.vsr_dw0(32 + rt);
            if po == 47 {
                let f = c.b.bitcast(Type::F64, d);
                let v = c.b.fcvt(Type::F32, f);
                c.b.store(a, v, MemFlags::new(4));
            } else {
                c.b.store(a, d, MemFlags::new(8));
            }
        }
        50 | 51 => {
            let xt = ((po & 1) << 5) | rt;
            let v = c.b.load(Type::V128, a, MemFlags::new(16));
            c.set_vsr(xt, v);
        }
        54 | 55 => {
            let xt = ((po & 1) << 5) | rt;
            let v = c.vsr(xt);
            c.b.store(a, v, MemFlags::new(16));
        }
        58 | 62 => {
            let xtp = (s.bits(21, 21) << 5) | (s.bits(25, 22) << 1);
            super::vsx::pair_access(c, xtp, a, po == 62);
        }
        _ => return Err(Undef),
    }
    Ok(())
}

/// 8RR splats: xxspltiw, xxspltidp, xxsplti32dx (IMM32 = prefix
/// bits 15:0 || suffix bits 15:0).
fn splat(c: &mut Ctx<'_>, p: Insn, s: Insn) -> TResult {
    require(s.po() == 32 && p.bits(23, 16) == 0)?;
    let imm = p.bits(15, 0) << 16 | s.bits(15, 0);
    let xt = (s.bits(16, 16) << 5) | s.rt();
    match s.bits(20, 17) {
        3 => {
            let k = c.b.iconst(Type::I32, imm as u64);
            let v = c.b.vsplat(Lanes::I32x4, k);
            c.set_vsr(xt, v);
        }
        2 => {
            let d = (f32::from_bits(imm) as f64).to_bits();
            let k = c.b.i64(d);
            c.set_vsr_dws(xt, k, k);
        }
        0 | 1 => {
            // Words IX and IX + 2 (ISA numbering) of XT.
            let ix = s.bits(17, 17);
            let mask: u64 = if ix == 0 {
                0xffff_ffff_0000_0000
            } else {
                0xffff_ffff
            };
            let ins = if ix == 0 {
                (imm as u64) << 32
            } else {
                imm as u64
            };
            let d0 = c.vsr_dw0(xt);
            let d1 = c.vsr_dw1(xt);
            let keep = c.b.i64(!mask);
            let k = c.b.i64(ins);
            let d0 = c.b.and(d0, keep);
            let d0 = c.b.or(d0, k);
            let d1 = c.b.and(d1, keep);
            let d1 = c.b.or(d1, k);
            c.set_vsr_dws(xt, d0, d1);
        }
        _ => return Err(Undef),
    }
    Ok(())
}
