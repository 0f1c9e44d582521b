//! Translate functions, grouped by section of the Arm ARM, and the
//! translation context they share.

pub mod branch;
pub mod dp_imm;
pub mod dp_reg;
pub mod ldst;
pub mod simd_fp;

use crate::state::{R_CF, R_NF, R_SP, R_VF, R_ZF, r_v, r_x};
use xlat_ir::Reg;
use xlat_ir::{Builder, Cond, Opcode, Type, Value};

/// Marker returned by a translate function for an unallocated or reserved
/// sub-encoding: the instruction raises an Undefined exception (SIGILL).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Undef;

/// Result of a translate function.
pub type TResult = Result<(), Undef>;

/// Returns `Err(Undef)` unless `c` holds.
#[inline]
pub fn require(c: bool) -> TResult {
    if c { Ok(()) } else { Err(Undef) }
}

/// Translation state of the block being built.
pub struct Ctx<'a> {
    /// The IR builder.
    pub b: Builder<'a>,
    /// Guest PC of the instruction being translated.
    pub pc: u64,
    /// The CPU model (ID registers, optional features).
    pub model: &'static crate::cpu::CpuModel,
    /// Scalar FP as IR float ops (FPCR.RMode = RN, FZ = DN = 0, FPSR
    /// tracking off; see [`crate::fp::tb_flags`]); otherwise the exact
    /// helper.
    pub fp_fast: bool,
    /// FPSR flags are tracked: MRS/MSR FPSR need not turn tracking on.
    pub fp_track: bool,
    /// PSTATE.BTYPE is tracked ([`crate::bti`]): `Some(guarded)` for the
    /// block's page, `None` when not (no guarded pages, or no FEAT_BTI).
    pub bti: Option<bool>,
    /// The next instruction translated is the block's first and gets the
    /// BTYPE check and clear ([`crate::bti::block_entry`]).
    pub bti_entry: bool,
    /// How the flags were last computed in this block, for
    /// [`Ctx::cond_holds`]; see [`FlagRec`].
    flag_rec: Option<FlagRec>,
    /// Flags computed by [`Ctx::add_with_carry`] without carry in, not
    /// yet written: [`Ctx::set_flags`] records them if it writes these.
    pending_flags: Option<(FlagSrc, Nzcv)>,
}

/// The operation whose flags NZCV hold, as far as the frontend knows it.
#[derive(Copy, Clone, Debug)]
enum FlagSrc {
    /// SUBS/CMP `a - b` without carry in.
    Sub(Value, Value),
    /// ADDS/CMN `a + b` without carry in.
    Add(Value, Value),
    /// A logical operation (ANDS/BICS/TST) with result `r`: C = V = 0.
    Logic(Value),
    /// CCMP: the flags of `a - b` if `cond` (i8) holds, else `nzcv`.
    Ccmp {
        cond: Value,
        a: Value,
        b: Value,
        nzcv: u32,
    },
}

/// The last flag write of the block and where it ended: while no
/// instruction after `at` writes a flag or calls a helper, a condition can
/// be tested on the operation's operands directly (`cmp; b.ls` becomes one
/// unsigned compare-and-branch instead of combining the C and Z bytes).
#[derive(Copy, Clone, Debug)]
struct FlagRec {
    src: FlagSrc,
    f: Nzcv,
    /// Instruction index just after the `set` of V.
    at: usize,
}

/// Integer type for the `sf` bit: I64 if set, else I32.
#[inline]
pub fn ity(sf: bool) -> Type {
    if sf { Type::I64 } else { Type::I32 }
}

/// The four flag values N, Z, C, V (i8 0/1 each).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Nzcv {
    /// Negative.
    pub n: Value,
    /// Zero.
    pub z: Value,
    /// Carry.
    pub c: Value,
    /// Overflow.
    pub v: Value,
}

impl Nzcv {
    /// The value of flag register `r` (one of `R_NF` .. `R_VF`).
    fn get(&self, r: Reg) -> Value {
        match r {
            R_NF => self.n,
            R_ZF => self.z,
            R_CF => self.c,
            _ => self.v,
        }
    }
}

impl<'a> Ctx<'a> {
    /// A new context for the block at `pc`.
    pub fn new(b: Builder<'a>, pc: u64) -> Self {
        Ctx::with_model(b, pc, crate::cpu::default_model())
    }

    /// A new context for the block at `pc` translated for `model`.
    /// FP instructions use the exact helper and FPSR is tracked, as in
    /// blocks translated for [`crate::fp::TB_FP_TRACK`].
    pub fn with_model(b: Builder<'a>, pc: u64, model: &'static crate::cpu::CpuModel) -> Self {
        Ctx {
            b,
            pc,
            model,
            fp_fast: false,
            fp_track: true,
            bti: None,
            bti_entry: false,
            flag_rec: None,
            pending_flags: None,
        }
    }

    /// Sets the FP translation mode from `tb_flags` ([`crate::fp::tb_flags`]).
    pub fn set_fp_flags(&mut self, tb_flags: u64) {
        self.fp_fast = tb_flags & crate::fp::TB_FP_MASK == 0;
        self.fp_track = tb_flags & crate::fp::TB_FP_TRACK != 0;
    }

    /// `Err(Undef)` unless the CPU model has the optional feature `f`:
    /// instructions of features a model lacks are UNDEFINED (SIGILL).
    pub fn need(&self, f: crate::cpu::Feature) -> TResult {
        require(self.model.has(f))
    }

    /// Pointer authentication of `ptr` with `modifier`: `op` is a
    /// [`crate::pauth::op`] code or'ed with a [`crate::pauth::key`] number.
    pub fn pac(&mut self, ptr: Value, modifier: Value, op: u64) -> Value {
        let o = self.b.i64(op);
        self.b
            .call_helper(&crate::pauth::HELPER_PAC, Type::I64, &[ptr, modifier, o])
    }

    /// `Strip` of a pointer (XPACI/XPACD/XPACLRI; inline IR): bits 54:48,
    /// and 63:56 when bit 55 is set (TBI1 = 0), become copies of bit 55.
    pub fn strip_pac(&mut self, ptr: Value) -> Value {
        let k55 = self.b.i64(55);
        let sel = self.b.lshr(ptr, k55);
        let one = self.b.i64(1);
        let sel = self.b.and(sel, one);
        let z = self.b.i64(0);
        let ones = self.b.sub(z, sel);
        let field = self.b.i64(0xff7f_0000_0000_0000);
        let set = self.b.and(ones, field);
        let keep = self.b.i64(!0x007f_0000_0000_0000);
        let cleared = self.b.and(ptr, keep);
        self.b.or(cleared, set)
    }

    /// The address of the next instruction.
    pub fn next_pc(&self) -> u64 {
        self.pc.wrapping_add(4)
    }

    /// Integer constant of type `ty`.
    pub fn cst(&mut self, ty: Type, v: u64) -> Value {
        self.b.iconst(ty, v & ty.mask())
    }

    /// Reads X/W register `n` (31 = XZR) at width `sf`.
    pub fn reg(&mut self, n: u32, sf: bool) -> Value {
        if n == 31 {
            return self.cst(ity(sf), 0);
        }
        let v = self.b.get(r_x(n));
        if sf { v } else { self.b.trunc(Type::I32, v) }
    }

    /// Reads X/W register `n` (31 = SP) at width `sf`.
    pub fn reg_sp(&mut self, n: u32, sf: bool) -> Value {
        let r = if n == 31 { R_SP } else { r_x(n) };
        let v = self.b.get(r);
        if sf { v } else { self.b.trunc(Type::I32, v) }
    }

    /// Writes X/W register `n` (31 = XZR: discarded); 32-bit values are
    /// zero-extended.
    pub fn set_reg(&mut self, n: u32, v: Value) {
        if n != 31 {
            let v = self.widen(v);
            self.b.set(r_x(n), v);
        }
    }

    /// Writes X/W register `n` (31 = SP); 32-bit values are zero-extended.
    pub fn set_reg_sp(&mut self, n: u32, v: Value) {
        let r = if n == 31 { R_SP } else { r_x(n) };
        let v = self.widen(v);
        self.b.set(r, v);
    }

    /// Zero-extends a value narrower than 64 bits to i64.
    pub fn widen(&mut self, v: Value) -> Value {
        if self.b.ty(v) == Type::I64 {
            v
        } else {
            self.b.zext(Type::I64, v)
        }
    }

    /// Reads V register `n` as v128.
    pub fn vreg(&mut self, n: u32) -> Value {
        self.b.get(r_v(n))
    }

    /// Writes V register `n`.
    pub fn set_vreg(&mut self, n: u32, v: Value) {
        self.b.set(r_v(n), v);
    }

    /// Reads the low `ty` bits (integer or float type) of V register `n`.
    pub fn vreg_scalar(&mut self, n: u32, ty: Type) -> Value {
        let v = self.vreg(n);
        let w = self.b.bitcast(Type::I128, v);
        let it = Type::int(ty.bits());
        let x = if it == Type::I128 {
            w
        } else {
            self.b.trunc(it, w)
        };
        if ty.is_float() {
            self.b.bitcast(ty, x)
        } else {
            x
        }
    }

    /// Writes a scalar (integer or float) to V register `n`, zeroing the
    /// upper bits.
    pub fn set_vreg_scalar(&mut self, n: u32, x: Value) {
        let ty = self.b.ty(x);
        let x = if ty.is_float() {
            self.b.bitcast(Type::int(ty.bits()), x)
        } else {
            x
        };
        let w = if self.b.ty(x) == Type::I128 {
            x
        } else {
            self.b.zext(Type::I128, x)
        };
        let v = self.b.bitcast(Type::V128, w);
        self.set_vreg(n, v);
    }

    /// Zeroes the upper 64 bits of a vector when `q` is false.
    pub fn clear_high(&mut self, v: Value, q: bool) -> Value {
        if q {
            return v;
        }
        let w = self.b.bitcast(Type::I128, v);
        let lo = self.b.trunc(Type::I64, w);
        let w = self.b.zext(Type::I128, lo);
        self.b.bitcast(Type::V128, w)
    }

    /// An i8 constant 0 or 1.
    pub fn bool_const(&mut self, x: bool) -> Value {
        self.b.i8(x as u8)
    }

    /// Logical not of an i8 boolean.
    pub fn bnot(&mut self, x: Value) -> Value {
        let one = self.b.i8(1);
        self.b.xor(x, one)
    }

    /// N and Z of a result.
    pub fn nz(&mut self, r: Value) -> (Value, Value) {
        let ty = self.b.ty(r);
        let zero = self.cst(ty, 0);
        let n = self.b.icmp(Cond::Slt, r, zero);
        let z = self.b.icmp(Cond::Eq, r, zero);
        (n, z)
    }

    /// Writes all four flags.
    pub fn set_flags(&mut self, f: Nzcv) {
        let src = match self.pending_flags.take() {
            Some((src, p)) if p == f => Some(src),
            _ => None,
        };
        self.write_flags(f, src);
    }

    fn write_flags(&mut self, f: Nzcv, src: Option<FlagSrc>) {
        self.b.set(R_NF, f.n);
        self.b.set(R_ZF, f.z);
        self.b.set(R_CF, f.c);
        self.b.set(R_VF, f.v);
        let at = self.b.len();
        self.flag_rec = src.map(|src| FlagRec { src, f, at });
    }

    /// The last flag write of the block if nothing can have changed the
    /// flags since (no later `set` of a flag, no helper call).
    fn flag_rec(&self) -> Option<FlagRec> {
        let r = self.flag_rec?;
        let insts = self.b.insts();
        let last = insts.get(r.at.checked_sub(1)?)?;
        if last.op != Opcode::Set || last.imm != R_VF.0 as u64 || last.args[0] != r.f.v {
            return None;
        }
        let flags = R_NF.0 as u64..=R_VF.0 as u64;
        let clobbered = insts[r.at..]
            .iter()
            .any(|i| i.op == Opcode::CallHelper || (i.op == Opcode::Set && flags.contains(&i.imm)));
        (!clobbered).then_some(r)
    }

    /// Writes the flags `f` of CCMP: those of `a - b` if `cond` (i8)
    /// holds, else the immediate `nzcv`.
    pub fn set_ccmp_flags(&mut self, f: Nzcv, cond: Value, a: Value, b: Value, nzcv: u32) {
        self.pending_flags = None;
        self.write_flags(f, Some(FlagSrc::Ccmp { cond, a, b, nzcv }));
    }

    /// Flags of a logical operation: N, Z from the result, C = V = 0.
    pub fn set_logic_flags(&mut self, r: Value) {
        let (n, z) = self.nz(r);
        let zero = self.b.i8(0);
        let f = Nzcv {
            n,
            z,
            c: zero,
            v: zero,
        };
        self.write_flags(f, Some(FlagSrc::Logic(r)));
    }

    /// `a + b` (or `a - b` if `sub`), plus carry-in `carry` (i8) if given
    /// (ADC/SBC: `a + b + C` or `a + !b + C`). Returns the result and the
    /// flags as the Arm AddWithCarry() pseudo-code defines them; the flags
    /// are only computed, not written.
    pub fn add_with_carry(
        &mut self,
        a: Value,
        b: Value,
        sub: bool,
        carry: Option<Value>,
    ) -> (Value, Nzcv) {
        let ty = self.b.ty(a);
        let zero = self.cst(ty, 0);
        let (res, c, b2) = match (sub, carry) {
            (false, None) => {
                let r = self.b.add(a, b);
                let c = self.b.icmp(Cond::Ult, r, a);
                (r, c, None)
            }
            (true, None) => {
                let r = self.b.sub(a, b);
                let c = self.b.icmp(Cond::Uge, a, b);
                (r, c, None)
            }
            (sub, Some(cin)) => {
                let b2 = if sub { self.b.not(b) } else { b };
                let ci = self.b.zext(ty, cin);
                let t = self.b.add(a, b2);
                let r = self.b.add(t, ci);
                // Carry out: r < a, or r == a with a carry in.
                let lt = self.b.icmp(Cond::Ult, r, a);
                let eq = self.b.icmp(Cond::Eq, r, a);
                let eqc = self.b.and(eq, cin);
                let c = self.b.or(lt, eqc);
                (r, c, Some(b2))
            }
        };
        let n = self.b.icmp(Cond::Slt, res, zero);
        let (z, v) = match b2 {
            // a - b: zero exactly when a == b; it overflows exactly when
            // its sign differs from `a < b` (signed).
            None if sub => {
                let z = self.b.icmp(Cond::Eq, a, b);
                let lt = self.b.icmp(Cond::Slt, a, b);
                (z, self.b.xor(lt, n))
            }
            // a + b overflows exactly when `res < a` (signed) differs
            // from `b < 0`.
            None => {
                let z = self.b.icmp(Cond::Eq, res, zero);
                let lt = self.b.icmp(Cond::Slt, res, a);
                let neg = self.b.icmp(Cond::Slt, b, zero);
                (z, self.b.xor(lt, neg))
            }
            Some(b2) => {
                let z = self.b.icmp(Cond::Eq, res, zero);
                let x1 = self.b.xor(a, res);
                let x2 = self.b.xor(b2, res);
                let x = self.b.and(x1, x2);
                (z, self.b.icmp(Cond::Slt, x, zero))
            }
        };
        let f = Nzcv { n, z, c, v };
        let src = if sub {
            FlagSrc::Sub(a, b)
        } else {
            FlagSrc::Add(a, b)
        };
        self.pending_flags = carry.is_none().then_some((src, f));
        (res, f)
    }

    /// The i8 value of condition `cond` (the 4-bit A64 condition field)
    /// computed from the flags.
    pub fn cond_holds(&mut self, cond: u32) -> Value {
        if let Some(v) = self.cond_from_rec(cond) {
            return v;
        }
        self.cond_of(cond, &mut |c, r| c.b.get(r))
    }

    /// Condition `cond` from the flags that `flag` gives for a flag
    /// register (`get`s of the state, or constants).
    fn cond_of(&mut self, cond: u32, flag: &mut dyn FnMut(&mut Self, Reg) -> Value) -> Value {
        let base = match cond >> 1 {
            0 => flag(self, R_ZF),
            1 => flag(self, R_CF),
            2 => flag(self, R_NF),
            3 => flag(self, R_VF),
            4 => {
                // HI: C && !Z
                let c = flag(self, R_CF);
                let z = flag(self, R_ZF);
                let nz = self.bnot(z);
                self.b.and(c, nz)
            }
            5 => {
                // GE: N == V
                let n = flag(self, R_NF);
                let v = flag(self, R_VF);
                self.b.icmp(Cond::Eq, n, v)
            }
            6 => {
                // GT: N == V && !Z
                let n = flag(self, R_NF);
                let v = flag(self, R_VF);
                let ge = self.b.icmp(Cond::Eq, n, v);
                let z = flag(self, R_ZF);
                let nz = self.bnot(z);
                self.b.and(ge, nz)
            }
            _ => return self.b.i8(1), // AL, NV
        };
        if cond & 1 == 1 { self.bnot(base) } else { base }
    }

    /// Condition `cond` tested on the operands of the last flag-setting
    /// operation ([`FlagRec`]), or `None` if that is not known or not
    /// shorter. Gives the same value as the flags would: for `a - b`,
    /// C = `a >= b` unsigned, Z = `a == b`, and N == V exactly when
    /// `a >= b` signed; after a logical operation C = V = 0.
    fn cond_from_rec(&mut self, cond: u32) -> Option<Value> {
        if cond >> 1 == 7 {
            return None;
        }
        let rec = self.flag_rec()?;
        Some(self.cond_from(rec.src, rec.f, cond))
    }

    /// Condition `cond` (not AL/NV) of flags `f` computed by `src`.
    fn cond_from(&mut self, src: FlagSrc, f: Nzcv, cond: u32) -> Value {
        let inv = cond & 1 == 1;
        // (condition, negated condition) on (x, y), or a known flag value.
        let (x, y, cc) = match (src, cond >> 1) {
            (_, 2) => return self.maybe_not(f.n, inv),
            (FlagSrc::Sub(..) | FlagSrc::Ccmp { .. }, 3) => return self.maybe_not(f.v, inv),
            // a + b == 0 exactly when a == -b; the rest from the flags.
            (FlagSrc::Add(a, b), 0) => {
                let nb = self.b.neg(b);
                (a, nb, (Cond::Eq, Cond::Ne))
            }
            (FlagSrc::Add(..), _) => return self.cond_of(cond, &mut |_, r| f.get(r)),
            (
                FlagSrc::Ccmp {
                    cond: c,
                    a,
                    b,
                    nzcv,
                },
                _,
            ) => {
                // The compare's condition or the immediate flags' (a
                // constant once folded).
                let t = self.cond_from(FlagSrc::Sub(a, b), f, cond);
                let k = self.cond_of(cond, &mut |c, r| {
                    c.b.i8(((nzcv >> (R_VF.0 - r.0)) & 1) as u8)
                });
                return self.b.select(c, t, k);
            }
            (FlagSrc::Sub(a, b), k) => {
                let cc = match k {
                    0 => (Cond::Eq, Cond::Ne),
                    1 => (Cond::Uge, Cond::Ult),
                    4 => (Cond::Ugt, Cond::Ule),
                    5 => (Cond::Sge, Cond::Slt),
                    _ => (Cond::Sgt, Cond::Sle),
                };
                (a, b, cc)
            }
            (FlagSrc::Logic(r), k) => {
                let cc = match k {
                    0 => (Cond::Eq, Cond::Ne),
                    // CS, VS, HI never hold (C = V = 0).
                    1 | 3 | 4 => return self.bool_const(inv),
                    5 => (Cond::Sge, Cond::Slt),
                    _ => (Cond::Sgt, Cond::Sle),
                };
                let ty = self.b.ty(r);
                let zero = self.cst(ty, 0);
                (r, zero, cc)
            }
        };
        let cc = if inv { cc.1 } else { cc.0 };
        self.b.icmp(cc, x, y)
    }

    /// `x`, or its logical not if `inv`.
    fn maybe_not(&mut self, x: Value, inv: bool) -> Value {
        if inv { self.bnot(x) } else { x }
    }

    /// Applies a shift of type `sh` (0 LSL, 1 LSR, 2 ASR, 3 ROR) by a
    /// constant amount.
    pub fn shift_imm(&mut self, v: Value, sh: u32, amount: u32) -> Value {
        if amount == 0 {
            return v;
        }
        let ty = self.b.ty(v);
        let a = self.cst(ty, amount as u64);
        match sh {
            0 => self.b.shl(v, a),
            1 => self.b.lshr(v, a),
            2 => self.b.ashr(v, a),
            _ => self.b.rotr(v, a),
        }
    }

    /// Extends register value `v` (i64) by extend type `option` (UXTB ..
    /// SXTX), to width `ty`, then shifts left by `shift`.
    pub fn extend_reg(&mut self, v: Value, option: u32, shift: u32, ty: Type) -> Value {
        let bits = 8u32 << (option & 3);
        let signed = option & 4 != 0;
        let v = if bits < 64 {
            let t = self.b.trunc(Type::int(bits), v);
            if signed {
                self.b.sext(Type::I64, t)
            } else {
                self.b.zext(Type::I64, t)
            }
        } else {
            v
        };
        let v = if ty == Type::I32 {
            self.b.trunc(Type::I32, v)
        } else {
            v
        };
        self.shift_imm(v, 0, shift)
    }
}

/// DecodeBitMasks() of the Arm ARM: returns (wmask, tmask) for a datasize
/// of 32 or 64 bits, or `None` for a reserved encoding. `immediate` selects
/// the logical-immediate rules (an all-ones element is reserved).
pub fn decode_bit_masks(
    n: u32,
    imms: u32,
    immr: u32,
    immediate: bool,
    datasize: u32,
) -> Option<(u64, u64)> {
    let combined = (n << 6) | (!imms & 0x3f);
    if combined == 0 {
        return None;
    }
    let len = 31 - combined.leading_zeros();
    if len < 1 {
        return None;
    }
    let levels = (1u32 << len) - 1;
    if immediate && (imms & levels) == levels {
        return None;
    }
    let esize = 1u32 << len;
    if esize > datasize {
        return None;
    }
    let s = imms & levels;
    let r = immr & levels;
    let d = s.wrapping_sub(r) & levels;
    let ones = |k: u32| -> u64 { if k >= 64 { u64::MAX } else { (1u64 << k) - 1 } };
    let emask = ones(esize);
    let welem = ones(s + 1);
    let telem = ones(d + 1);
    let ror = |x: u64, r: u32| -> u64 {
        if r == 0 {
            x
        } else {
            ((x >> r) | (x << (esize - r))) & emask
        }
    };
    let welem = ror(welem, r);
    let rep = |x: u64| -> u64 {
        let mut out = 0u64;
        let mut i = 0;
        while i < datasize {
            out |= x << i;
            i += esize;
        }
        out & ones(datasize)
    };
    Some((rep(welem), rep(telem)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_masks() {
        // and x0, x0, #0xff : N=1 immr=0 imms=7
        assert_eq!(decode_bit_masks(1, 7, 0, true, 64).unwrap().0, 0xff);
        // orr w0, w0, #0x55555555: N=0 immr=0 imms=0b111100
        assert_eq!(
            decode_bit_masks(0, 0x3c, 0, true, 32).unwrap().0,
            0x5555_5555
        );
        // mov x0, #0xfffffffffffffff0 via orr: N=1, immr=60, imms=59
        assert_eq!(
            decode_bit_masks(1, 59, 60, true, 64).unwrap().0,
            0xffff_ffff_ffff_fff0
        );
        // all-ones element is reserved for immediates
        assert!(decode_bit_masks(1, 63, 0, true, 64).is_none());
        assert!(decode_bit_masks(0, 0x3f, 0, true, 32).is_none());
        // 0x0101010101010101: 8-bit element with one bit: imms=0b110000
        assert_eq!(
            decode_bit_masks(0, 0x30, 0, true, 64).unwrap().0,
            0x0101_0101_0101_0101
        );
    }
}
