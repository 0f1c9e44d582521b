//! Floating-point facility (Power ISA Book I chapter 4).
//!
//! Arithmetic uses the IR's float ops, which round to nearest even, in
//! blocks translated for FPSCR\[RN\] = 0; in blocks for the other modes
//! (RN is part of `tb_flags`, and every FPSCR write ends its block) add,
//! subtract, multiply, divide, square root, the multiply-add family and
//! frsp go to [`HELPER_FP_RN`], which rounds by RN. FPSCR exception status
//! bits (FX, FEX, VX and VX*, OX, UX, ZX, XX, FI, FPRF) are computed by
//! `HELPER_FP_EXC` before each arithmetic, rounding and conversion
//! instruction once the guest has read or written FPSCR (`tb_flags` bit
//! 2); FR stays 0, FPCC is only set by compares.
//! Record forms copy FPSCR bits 0:3 (FX FEX VX OX) to CR1.

use super::{Ctx, TResult, Undef, require};
use crate::decode::Insn;
use crate::helpers::{HELPER_FP, HELPER_FP_RN};
use crate::state::R_FPSCR;
use xlat_ir::{FCond, MemFlags, NanRule, Opcode, Terminal, Type, Value};

/// LFS, LFD, STFS, STFD and their update and indexed forms; LFIWAX,
/// LFIWZX, STFIWX.
pub fn load_store(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let (ra, rt) = (i.ra(), i.rt());
    // (size, store, update, kind) with kind 0 = float, 1 = int sext, 2 = int zext
    let (size, store, update, kind, indexed) = match (i.po(), i.xo10()) {
        (48..=55, _) => {
            let p = i.po() - 48;
            let size = if p & 2 != 0 { 8 } else { 4 };
            (size, p & 4 != 0, p & 1 != 0, 0, false)
        }
        (31, 535) => (4, false, false, 0, true),
        (31, 567) => (4, false, true, 0, true),
        (31, 599) => (8, false, false, 0, true),
        (31, 631) => (8, false, true, 0, true),
        (31, 663) => (4, true, false, 0, true),
        (31, 695) => (4, true, true, 0, true),
        (31, 727) => (8, true, false, 0, true),
        (31, 759) => (8, true, true, 0, true),
        (31, 855) => (4, false, false, 1, true),
        (31, 887) => (4, false, false, 2, true),
        (31, 983) => (4, true, false, 2, true),
        _ => return Err(Undef),
    };
    if update {
        require(ra != 0)?;
    }
    let off = if indexed {
        c.gpr(i.rb())
    } else {
        c.b.i64(i.simm() as u64)
    };
    let addr = if ra == 0 {
        off
    } else {
        let a = c.gpr(ra);
        c.b.add(a, off)
    };
    let f = MemFlags::new(size);
    match (store, kind, size) {
        (false, 0, 8) => {
            let v = c.b.load(Type::F64, addr, f);
            c.set_fpr(rt, v);
        }
        (false, 0, _) => {
            let v = c.b.load(Type::F32, addr, f);
            let v = c.b.fcvt(Type::F64, v);
            c.set_fpr(rt, v);
        }
        (false, k, _) => {
            let v = if k == 1 {
                c.b.load(Type::I64, addr, f.signed())
            } else {
                c.b.load(Type::I64, addr, f)
            };
            let v = c.b.bitcast(Type::F64, v);
            c.set_fpr(rt, v);
        }
        (true, 0, 8) => {
            let v = c.fpr(rt);
            c.b.store(addr, v, f);
        }
        (true, 0, _) => {
            let v = c.fpr(rt);
            let v = c.b.fcvt(Type::F32, v);
            c.b.store(addr, v, f);
        }
        (true, _, _) => {
            let v = c.fpr(rt);
            let v = c.b.bitcast(Type::I64, v);
            let v = c.lo32(v);
            c.b.store(addr, v, f);
        }
    }
    if update {
        c.set_gpr(ra, addr);
    }
    Ok(())
}

/// Writes FPSCR from an mtfsf/mtfsfi/mtfsb0/mtfsb1 result: VX and FEX
/// are not taken from the value but recomputed from the other bits, as
/// the architecture defines.
fn set_fpscr_summarised(c: &mut Ctx<'_>, v: Value) {
    let r =
        c.b.call_helper(&crate::helpers::HELPER_FPSCR_SUMMARY, Type::I64, &[v]);
    c.b.set(R_FPSCR, r);
}

/// Emits the FPSCR exception-status update of `i` (before its result is
/// written: the helper reads the operands from the state). Only in blocks
/// translated with tracking on ([`Ctx::fp_exc`]), i.e. once the guest
/// has read FPSCR with mffs or written it (fenv functions): a helper
/// call per floating-point instruction costs about 20x on FP-bound code,
/// so code that never looks at FPSCR runs without it (see
/// `docs/architecture.md`).
pub(crate) fn exceptions(c: &mut Ctx<'_>, i: Insn) {
    let w = c.b.i64(i.0 as u64);
    let v =
        c.b.call_helper(&crate::helpers::HELPER_FP_EXC, Type::I64, &[w]);
    c.b.set(R_FPSCR, v);
}

/// Copies FPSCR\[FX FEX VX OX\] to CR1 (the record forms).
fn record_fp(c: &mut Ctx<'_>, i: Insn) {
    if i.rc() == 0 {
        return;
    }
    let fpscr = c.b.get(R_FPSCR);
    for k in 0..4 {
        let bit = c.bit_of(fpscr, 31 - k);
        c.set_cr(4 + k, bit);
    }
}

/// Power's NaN rules for an arithmetic result `r` whose operands are
/// `ops` in the ISA's priority order (FRA, FRB, FRC): a NaN result is the
/// first NaN operand, quieted, else (an invalid operation) the default
/// QNaN 0x7ff8000000000000, which is positive (x86's is negative). The
/// host keeps a non-NaN result as it is. `fnan` ops with
/// [`NanRule::Power`] (tested inline, the rule out of line in compiled
/// code); F32 or F64 like `r`.
pub fn power_nan(c: &mut Ctx<'_>, r: Value, ops: &[Value]) -> Value {
    let ty = c.b.ty(r);
    let rule = NanRule::Power as u64;
    match *ops {
        [x] => c.b.push(Opcode::Fnan, ty, [r, x, x], rule),
        [x, y] => c.b.push(Opcode::Fnan, ty, [r, x, y], rule),
        [x, y, z] => {
            let t = c.b.push(Opcode::Fnan, ty, [r, y, z], rule);
            c.b.push(Opcode::Fnan, ty, [t, x, t], rule)
        }
        _ => r,
    }
}

/// Rounds a double to single precision and back (the `s` forms).
fn round_single(c: &mut Ctx<'_>, v: Value) -> Value {
    let s = c.b.fcvt(Type::F32, v);
    c.b.fcvt(Type::F64, s)
}

/// The result of `i` computed by [`HELPER_FP_RN`] (operands read from
/// the state, rounded by FPSCR\[RN\]), as an F64 value.
pub fn directed(c: &mut Ctx<'_>, i: Insn) -> Value {
    let w = c.b.i64(i.0 as u64);
    let r = c.b.call_helper(&HELPER_FP_RN, Type::I64, &[w]);
    c.b.bitcast(Type::F64, r)
}

/// A-form arithmetic: fadd, fsub, fmul, fdiv, fsqrt, fsel, the
/// multiply-add family; po 59 = single precision.
pub fn arith(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let single = i.po() == 59;
    let xo = i.me();
    let (ra, rb, rc) = (i.ra(), i.rb(), i.rc5());
    let valid = match xo {
        18 | 20 | 21 => rc == 0,
        22 => ra == 0 && rc == 0,
        25 => rb == 0,
        28..=31 => true,
        _ => false,
    };
    if valid && c.fp_exc {
        exceptions(c, i);
    }
    if valid && c.rn != 0 {
        let r = directed(c, i);
        c.set_fpr(i.rt(), r);
        record_fp(c, i);
        return Ok(());
    }
    let r = match xo {
        18 | 20 | 21 => {
            require(rc == 0)?;
            let a = c.fpr(ra);
            let b = c.fpr(rb);
            let r = match xo {
                18 => c.b.fdiv(a, b),
                20 => c.b.fsub(a, b),
                _ => c.b.fadd(a, b),
            };
            power_nan(c, r, &[a, b])
        }
        22 => {
            require(ra == 0 && rc == 0)?;
            let b = c.fpr(rb);
            let r = c.b.fsqrt(b);
            power_nan(c, r, &[b])
        }
        23 => {
            require(!single)?;
            let a = c.fpr(ra);
            let b = c.fpr(rb);
            let cc = c.fpr(rc);
            let z = c.b.iconst(Type::F64, 0);
            // a >= 0 (true for -0, false for NaN)
            let ge = c.b.fcmp(FCond::Le, z, a);
            c.b.select(ge, cc, b)
        }
        25 => {
            require(rb == 0)?;
            let a = c.fpr(ra);
            let cc = c.fpr(rc);
            let r = c.b.fmul(a, cc);
            power_nan(c, r, &[a, cc])
        }
        28..=31 => {
            let a = c.fpr(ra);
            let b = c.fpr(rb);
            let cc = c.fpr(rc);
            let nb = if xo == 28 || xo == 30 { c.b.fneg(b) } else { b };
            let r = c.b.fma(a, cc, nb);
            // fnmadd/fnmsub negate the result but not a NaN (the NaN
            // rule below replaces every NaN result).
            let r = if xo >= 30 { c.b.fneg(r) } else { r };
            power_nan(c, r, &[a, b, cc])
        }
        _ => return Err(Undef),
    };
    let r = if single { round_single(c, r) } else { r };
    c.set_fpr(i.rt(), r);
    record_fp(c, i);
    Ok(())
}

/// FCMPU, FCMPO: CR\[BF\] = LT GT EQ UN.
pub fn fcmp(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(i.bits(22, 21) == 0)?;
    if c.fp_exc {
        exceptions(c, i);
    }
    let a = c.fpr(i.ra());
    let b = c.fpr(i.rb());
    let lt = c.b.fcmp(FCond::Lt, a, b);
    let gt = c.b.fcmp(FCond::Lt, b, a);
    let eq = c.b.fcmp(FCond::Eq, a, b);
    let un = c.b.fcmp(FCond::Uno, a, b);
    c.set_cr_field(i.bf(), lt, gt, eq, un);
    Ok(())
}

/// Moves, sign operations, rounding and conversions (X-form, po 59/63).
pub fn unary(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let xo = i.xo10();
    let is_copysign = i.po() == 63 && xo == 8;
    if !is_copysign {
        require(i.ra() == 0)?;
    }
    if c.fp_exc && !matches!(xo, 8 | 40 | 72 | 136 | 264 | 392 | 424 | 456 | 488) {
        exceptions(c, i);
    }
    let b = c.fpr(i.rb());
    let r = match (i.po(), xo) {
        (63, 72) => b,
        (63, 40) => c.b.fneg(b),
        (63, 264) => c.b.fabs(b),
        (63, 136) => {
            let a = c.b.fabs(b);
            c.b.fneg(a)
        }
        (63, 8) => {
            let a = c.fpr(i.ra());
            let ai = c.b.bitcast(Type::I64, a);
            let bi = c.b.bitcast(Type::I64, b);
            let sm = c.b.i64(1 << 63);
            let nsm = c.b.i64(!(1u64 << 63));
            let s = c.b.and(ai, sm);
            let m = c.b.and(bi, nsm);
            let r = c.b.or(s, m);
            c.b.bitcast(Type::F64, r)
        }
        (63, 12) if c.rn != 0 => directed(c, i),
        (63, 12) => round_single(c, b),
        _ => {
            let insn = c.b.i64(i.0 as u64);
            let bits = c.b.bitcast(Type::I64, b);
            let r = c.b.call_helper(&HELPER_FP, Type::I64, &[insn, bits]);
            c.b.bitcast(Type::F64, r)
        }
    };
    c.set_fpr(i.rt(), r);
    record_fp(c, i);
    Ok(())
}

/// MFFS, MTFSF, MTFSFI, MTFSB0, MTFSB1.
pub fn fpscr(c: &mut Ctx<'_>, i: Insn) -> TResult {
    // The first access to FPSCR that can see or change its exception
    // status turns exception tracking on (from the next block, which the
    // exit below starts). mffsl and mffscrn[i] return only control bits,
    // and an mffs that only reads RN (glibc's inline fegetround, which
    // printf("%f") uses) does not look at the status either.
    let control_only =
        i.xo10() == 583 && (matches!(i.ra(), 22..=24) || (i.ra() == 0 && c.rn_only_read));
    let start_tracking = !(c.fp_exc || control_only);
    if start_tracking {
        // Until now the arithmetic left its exception flags in the host's
        // sticky flags (cleared at process start): FPSCR gets them first.
        let host =
            c.b.call_helper(&crate::helpers::HELPER_HOST_FP_FLAGS, Type::I64, &[]);
        let old = c.b.get(R_FPSCR);
        let v = c.b.or(old, host);
        c.b.set(R_FPSCR, v);
    }
    match i.xo10() {
        583 => {
            // mffs (RA = 0), mffsl (RA = 24: glibc uses it unconditionally
            // because pre-ISA-3.0 processors execute it as mffs, which
            // returns a superset), mffsce (RA = 1: clears the enables).
            // mffscrn (RA = 22: RN from FRB) and mffscrni (RA = 23: RN
            // immediate) return DRN, the enables, NI and RN, then set RN
            // (ISA 3.0; glibc's fesetround uses them on POWER9).
            match i.ra() {
                0 | 1 | 24 => require(i.rb() == 0)?,
                22 => c.require_isa(crate::cpu::Isa::V300)?,
                23 => {
                    c.require_isa(crate::cpu::Isa::V300)?;
                    require(i.bits(15, 13) == 0)?;
                }
                _ => return Err(Undef),
            }
            let v = c.b.get(R_FPSCR);
            let out = if matches!(i.ra(), 22 | 23) {
                let m = c.b.i64(0x7_0000_00ff);
                let out = c.b.and(v, m);
                let rn = if i.ra() == 22 {
                    let b = c.fpr(i.rb());
                    let b = c.b.bitcast(Type::I64, b);
                    let k3 = c.b.i64(3);
                    c.b.and(b, k3)
                } else {
                    c.b.i64(i.bits(12, 11) as u64)
                };
                let keep = c.b.i64(!3);
                let nv = c.b.and(v, keep);
                let nv = c.b.or(nv, rn);
                c.b.set(R_FPSCR, nv);
                out
            } else {
                if i.ra() == 1 {
                    let keep = c.b.i64(!0xf8);
                    let nv = c.b.and(v, keep);
                    c.b.set(R_FPSCR, nv);
                }
                v
            };
            let v = c.b.bitcast(Type::F64, out);
            c.set_fpr(i.rt(), v);
        }
        711 => {
            let l = i.bit(25);
            let w = i.bit(16);
            let b = c.fpr(i.rb());
            let b = c.b.bitcast(Type::I64, b);
            let mut mask = 0u64;
            if l {
                mask = 0xffff_ffff;
            } else if !w {
                for f in 0..8 {
                    if i.flm() & (0x80 >> f) != 0 {
                        mask |= 0xf << (28 - 4 * f);
                    }
                }
            }
            let old = c.b.get(R_FPSCR);
            let keep = c.b.i64(!mask);
            let m = c.b.i64(mask);
            let x = c.b.and(old, keep);
            let y = c.b.and(b, m);
            let v = c.b.or(x, y);
            set_fpscr_summarised(c, v);
        }
        134 => {
            if i.bit(16) {
                return Ok(()); // W = 1 selects fields 8..15 (DRN): ignored
            }
            let f = i.bf();
            let mask = 0xfu64 << (28 - 4 * f);
            let old = c.b.get(R_FPSCR);
            let keep = c.b.i64(!mask);
            let x = c.b.and(old, keep);
            let y = c.b.i64((i.u4() as u64) << (28 - 4 * f));
            let v = c.b.or(x, y);
            set_fpscr_summarised(c, v);
        }
        70 | 38 => {
            let bt = i.rt();
            let m = 1u64 << (31 - bt);
            let old = c.b.get(R_FPSCR);
            let v = if i.xo10() == 38 {
                let k = c.b.i64(m);
                c.b.or(old, k)
            } else {
                let k = c.b.i64(!m);
                c.b.and(old, k)
            };
            set_fpscr_summarised(c, v);
        }
        _ => return Err(Undef),
    }
    if start_tracking {
        let one = c.b.i64(1);
        c.b.set(crate::state::R_FPTRACK, one);
    }
    record_fp(c, i);
    if i.xo10() != 583 || matches!(i.ra(), 22 | 23) || start_tracking {
        // FPSCR[RN] may have changed: it is part of tb_flags.
        c.b.terminate(Terminal::Exit(c.next_pc()));
    }
    Ok(())
}
