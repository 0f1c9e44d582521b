//! Translate functions, grouped by Power ISA book and chapter, and the
//! translation context they share.

pub mod branch;
pub mod fixed;
pub mod fp;
pub mod ldst;
pub mod logical;
pub mod prefixed;
pub mod storage;
pub mod vmx;
pub mod vsx;

use crate::state::{R_CA, R_CA32, R_OV, R_OV32, R_SO, r_cr, r_gpr, r_vr, r_vsx};
use xlat_ir::{Builder, Cond, Lanes, Opcode, Type, Value};

/// Marker returned by a translate function for an invalid or reserved
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
    /// FPSCR\[RN\] the block is translated for (part of `tb_flags`): 0
    /// uses the IR's round-to-nearest float ops, other modes the
    /// directed-rounding helper.
    pub rn: u8,
    /// ISA level of the CPU model: [`Ctx::require_isa`] rejects
    /// sub-encodings of later levels.
    pub isa: crate::cpu::Isa,
    /// FPSCR exception status bits are computed (`tb_flags` bit 2: on once
    /// the guest has read or written FPSCR).
    pub fp_exc: bool,
    /// The instruction being translated is an `mffs` whose result only
    /// serves to read FPSCR\[RN\] (see [`rn_only_read`]): it does not
    /// start exception tracking.
    pub rn_only_read: bool,
}

/// True if the `mffs fT` at the start of `words` (the instruction and
/// up to seven that follow it) only reads the rounding mode, as glibc's
/// inline `fegetround` does (`printf("%f")` uses it): `mffprd rX,fT`
/// within the next two words, then a `clrlwi`/`clrldi` of rX that keeps
/// at most the low 2 bits.
pub fn rn_only_read(words: &[u32]) -> bool {
    let Some((&first, rest)) = words.split_first() else {
        return false;
    };
    let t = (first >> 21) & 31;
    let Some(k) = rest.iter().take(2).position(|&w| {
        w >> 26 == 31 && (w >> 1) & 0x3ff == 51 && (w >> 21) & 31 == t && w & 1 == 0
    }) else {
        return false;
    };
    let x = (rest[k] >> 16) & 31;
    rest[k + 1..].iter().take(6).any(|&w| {
        let (po, rs) = (w >> 26, (w >> 21) & 31);
        let rlwinm_rn = po == 21
            && rs == x
            && (w >> 11) & 31 == 0
            && (w >> 6) & 31 >= 30
            && (w >> 1) & 31 == 31;
        // rldicl rA,rS,0,mb with mb >= 62 (clrldi).
        let mb = ((w >> 5) & 1) << 5 | (w >> 6) & 31;
        let rldicl_rn = po == 30
            && rs == x
            && (w >> 2) & 7 == 0
            && (w >> 11) & 31 == 0
            && (w >> 1) & 1 == 0
            && mb >= 62;
        rlwinm_rn || rldicl_rn
    })
}

/// Results of an addition `x + y + cin` with every XER bit it may set.
#[derive(Copy, Clone, Debug)]
pub struct AddOut {
    /// The 64-bit sum.
    pub r: Value,
    /// Carry out of bit 63 (CA).
    pub ca: Value,
    /// Carry out of bit 31 (CA32).
    pub ca32: Value,
    /// Signed overflow of the 64-bit sum (OV).
    pub ov: Value,
    /// Signed overflow of the low 32-bit sum (OV32).
    pub ov32: Value,
}

/// Carry-in of [`Ctx::add3`].
#[derive(Copy, Clone, Debug)]
pub enum CarryIn {
    /// No carry in.
    Zero,
    /// A carry of one (subtraction as `!a + b + 1`).
    One,
    /// XER.CA (an i8 value).
    Ca(Value),
}

/// The condition that holds exactly when `c` does not.
pub fn opposite(c: Cond) -> Cond {
    match c {
        Cond::Eq => Cond::Ne,
        Cond::Ne => Cond::Eq,
        Cond::Ult => Cond::Uge,
        Cond::Uge => Cond::Ult,
        Cond::Ule => Cond::Ugt,
        Cond::Ugt => Cond::Ule,
        Cond::Slt => Cond::Sge,
        Cond::Sge => Cond::Slt,
        Cond::Sle => Cond::Sgt,
        Cond::Sgt => Cond::Sle,
    }
}

/// MASK(mb, me) of the Power ISA for 64-bit bit numbers (bit 0 = MSB):
/// ones from `mb` to `me`, wrapping around when `mb > me`.
pub fn mask64(mb: u32, me: u32) -> u64 {
    let a = u64::MAX >> mb;
    let b = u64::MAX << (63 - me);
    if mb <= me { a & b } else { a | b }
}

impl<'a> Ctx<'a> {
    /// A new context for the block at `pc`.
    pub fn new(b: Builder<'a>, pc: u64) -> Self {
        Ctx {
            b,
            pc,
            rn: 0,
            isa: crate::cpu::Isa::V310,
            fp_exc: false,
            rn_only_read: false,
        }
    }

    /// `Err(Undef)` unless the CPU model implements ISA level `level`.
    pub fn require_isa(&self, level: crate::cpu::Isa) -> TResult {
        require(self.isa >= level)
    }

    /// The address of the next instruction.
    pub fn next_pc(&self) -> u64 {
        self.pc.wrapping_add(4)
    }

    /// Integer constant of type `ty`.
    pub fn cst(&mut self, ty: Type, v: u64) -> Value {
        self.b.iconst(ty, v & ty.mask())
    }

    /// Reads GPR `n`.
    pub fn gpr(&mut self, n: u32) -> Value {
        self.b.get(r_gpr(n))
    }

    /// Reads `(RA|0)`: GPR `n`, or 0 when `n` is 0.
    pub fn gpr0(&mut self, n: u32) -> Value {
        if n == 0 { self.b.i64(0) } else { self.gpr(n) }
    }

    /// Writes GPR `n`; narrower values are zero-extended.
    pub fn set_gpr(&mut self, n: u32, v: Value) {
        let v = self.zext64(v);
        self.b.set(r_gpr(n), v);
    }

    /// Zero-extends an integer narrower than 64 bits to i64.
    pub fn zext64(&mut self, v: Value) -> Value {
        if self.b.ty(v) == Type::I64 {
            v
        } else {
            self.b.zext(Type::I64, v)
        }
    }

    /// Sign-extends an integer narrower than 64 bits to i64.
    pub fn sext64(&mut self, v: Value) -> Value {
        if self.b.ty(v) == Type::I64 {
            v
        } else {
            self.b.sext(Type::I64, v)
        }
    }

    /// The low 32 bits of a 64-bit value.
    pub fn lo32(&mut self, v: Value) -> Value {
        self.b.trunc(Type::I32, v)
    }

    /// Bit `n` (LSB = 0) of a 64-bit value as an i8 0/1.
    pub fn bit_of(&mut self, v: Value, n: u32) -> Value {
        let ty = self.b.ty(v);
        let s = self.cst(ty, n as u64);
        let t = self.b.lshr(v, s);
        let t = self.b.trunc(Type::I8, t);
        let one = self.b.i8(1);
        self.b.and(t, one)
    }

    /// An i8 constant 0 or 1.
    pub fn bool_const(&mut self, x: bool) -> Value {
        self.b.i8(x as u8)
    }

    /// Logical not of an i8 boolean. A comparison made in this block
    /// (also through a CR bit it set) becomes the opposite comparison, which
    /// the JIT fuses with a branch or select (`cmp; jne` rather than
    /// `sete; xor; test; jne`).
    pub fn bnot(&mut self, x: Value) -> Value {
        if let Some(n) = self.opposite_cmp(x) {
            return n;
        }
        let one = self.b.i8(1);
        self.b.xor(x, one)
    }

    /// The opposite comparison of `x` when `x` is a comparison made in
    /// this block (also through a CR bit it set); `None` otherwise.
    pub fn opposite_cmp(&mut self, x: Value) -> Option<Value> {
        let i = self.b.insts()[self.through_get(x).index()];
        if i.op != Opcode::Icmp {
            return None;
        }
        let cond = Cond::from_imm(i.imm)?;
        Some(self.b.icmp(opposite(cond), i.args[0], i.args[1]))
    }

    /// `x` when `v` is `x ^ 1` made in this block (a complemented CR bit,
    /// also through the CR bit it was written to: `crnand`, `crnor`).
    pub fn complement_of(&self, v: Value) -> Option<Value> {
        let insts = self.b.insts();
        let i = insts.get(self.through_get(v).index())?;
        let one = |a: Value| {
            insts
                .get(a.index())
                .is_some_and(|k| k.op == Opcode::Const && k.imm == 1)
        };
        (i.op == Opcode::Xor && self.b.ty(i.args[0]) == Type::I8 && one(i.args[1]))
            .then_some(i.args[0])
    }

    /// For a register read, the value this block wrote to the register
    /// before it (while no helper, which may write any register, came
    /// between); else `v`.
    fn through_get(&self, v: Value) -> Value {
        let insts = self.b.insts();
        let Some(g) = insts.get(v.index()).filter(|i| i.op == Opcode::Get) else {
            return v;
        };
        insts[..v.index()]
            .iter()
            .rev()
            .take_while(|i| i.op != Opcode::CallHelper)
            .find(|i| i.op == Opcode::Set && i.imm == g.imm)
            .map_or(v, |set| set.args[0])
    }

    /// True when the bits of `mask` are 0 in `v` by construction in this
    /// block: a constant, an `and` with a constant, a zero extension of
    /// such, or a register this block set to one.
    pub fn known_zero(&self, v: Value, mask: u64) -> bool {
        let v = self.through_get(v);
        let insts = self.b.insts();
        let Some(i) = insts.get(v.index()) else {
            return false;
        };
        let konst = |a: Value| {
            insts
                .get(a.index())
                .filter(|k| k.op == Opcode::Const)
                .map(|k| k.imm)
        };
        match i.op {
            Opcode::Const => i.imm & mask == 0,
            Opcode::And => [i.args[0], i.args[1]]
                .into_iter()
                .any(|a| konst(a).is_some_and(|k| k & mask == 0)),
            Opcode::Zext => {
                let narrow = self.b.ty(i.args[0]).mask();
                mask & !narrow == mask || self.known_zero(i.args[0], mask & narrow)
            }
            _ => false,
        }
    }

    /// Reads CR bit `bi` (i8 0/1).
    pub fn cr(&mut self, bi: u32) -> Value {
        self.b.get(r_cr(bi))
    }

    /// Writes CR bit `bi`.
    pub fn set_cr(&mut self, bi: u32, v: Value) {
        self.b.set(r_cr(bi), v);
    }

    /// Writes CR field `bf` from LT, GT, EQ, SO.
    pub fn set_cr_field(&mut self, bf: u32, lt: Value, gt: Value, eq: Value, so: Value) {
        self.set_cr(4 * bf, lt);
        self.set_cr(4 * bf + 1, gt);
        self.set_cr(4 * bf + 2, eq);
        self.set_cr(4 * bf + 3, so);
    }

    /// Sets CR field `bf` from a signed (or unsigned) comparison of `a`
    /// and `b`, SO copied from XER.SO.
    pub fn compare(&mut self, bf: u32, a: Value, b: Value, signed: bool) {
        let (lt, gt) = if signed {
            (Cond::Slt, Cond::Sgt)
        } else {
            (Cond::Ult, Cond::Ugt)
        };
        let l = self.b.icmp(lt, a, b);
        let g = self.b.icmp(gt, a, b);
        let e = self.b.icmp(Cond::Eq, a, b);
        let so = self.b.get(R_SO);
        self.set_cr_field(bf, l, g, e, so);
    }

    /// The record form: CR0 from the signed 64-bit result `r` compared
    /// with zero, SO from XER.SO.
    pub fn record(&mut self, r: Value) {
        let r = self.zext64(r);
        let z = self.b.i64(0);
        self.compare(0, r, z, true);
    }

    /// Sets XER.OV and OV32 and ORs OV into SO (the `o` forms).
    pub fn set_ov(&mut self, ov: Value, ov32: Value) {
        self.b.set(R_OV, ov);
        self.b.set(R_OV32, ov32);
        let so = self.b.get(R_SO);
        let so = self.b.or(so, ov);
        self.b.set(R_SO, so);
    }

    /// Sets XER.CA and CA32.
    pub fn set_ca(&mut self, ca: Value, ca32: Value) {
        self.b.set(R_CA, ca);
        self.b.set(R_CA32, ca32);
    }

    /// `a` when `v` is `not a` emitted in this block.
    fn not_operand(&self, v: Value) -> Option<Value> {
        let inst = self.b.insts().get(v.index())?;
        (inst.op == Opcode::Not).then_some(inst.args[0])
    }

    /// True when `v` is the constant 0 emitted in this block.
    fn is_zero(&self, v: Value) -> bool {
        self.b
            .insts()
            .get(v.index())
            .is_some_and(|i| i.op == Opcode::Const && i.imm == 0)
    }

    /// `x + y + cin` (64-bit) with its carries and overflows. Only the
    /// values a caller uses survive dead-code elimination.
    pub fn add3(&mut self, x: Value, y: Value, cin: CarryIn) -> AddOut {
        let t = self.b.add(x, y);
        let (r, ca) = match cin {
            CarryIn::Zero => {
                let ca = self.b.icmp(Cond::Ult, t, x);
                (t, ca)
            }
            CarryIn::One => {
                // `!a + y + 1` is `y - a` (subf, neg, subfic): one
                // subtraction, carry out where `y >= a`.
                if let Some(a) = self.not_operand(x) {
                    let r = self.b.sub(y, a);
                    let ca = self.b.icmp(Cond::Uge, y, a);
                    (r, ca)
                } else {
                    let one = self.b.i64(1);
                    let r = self.b.add(t, one);
                    let ca = self.b.icmp(Cond::Ule, r, x);
                    (r, ca)
                }
            }
            CarryIn::Ca(c) => {
                let c64 = self.b.zext(Type::I64, c);
                match self.not_operand(x) {
                    // subfe rT,rA,rA: `!a + a + CA` is CA - 1 (GCC's
                    // borrow-to-mask idiom), carrying out CA.
                    Some(a) if a == y => {
                        let one = self.b.i64(1);
                        (self.b.sub(c64, one), c)
                    }
                    // subfze: `!a + CA` carries out when a is 0 and CA.
                    Some(a) if self.is_zero(y) => {
                        let r = self.b.add(x, c64);
                        let zero = self.b.i64(0);
                        let z = self.b.icmp(Cond::Eq, a, zero);
                        (r, self.b.and(z, c))
                    }
                    _ => {
                        let r = self.b.add(t, c64);
                        // Carry out: r < x, or r == x with a carry in.
                        let lt = self.b.icmp(Cond::Ult, r, x);
                        let eq = self.b.icmp(Cond::Eq, r, x);
                        let eqc = self.b.and(eq, c);
                        (r, self.b.or(lt, eqc))
                    }
                }
            }
        };
        // Bit k of x ^ y ^ r is the carry into bit k.
        let xy = self.b.xor(x, y);
        let cv = self.b.xor(xy, r);
        let ca32 = self.bit_of(cv, 32);
        let xr = self.b.xor(x, r);
        let yr = self.b.xor(y, r);
        let o = self.b.and(xr, yr);
        let ov = self.bit_of(o, 63);
        let ov32 = self.bit_of(o, 31);
        AddOut {
            r,
            ca,
            ca32,
            ov,
            ov32,
        }
    }

    /// Reads FPR `n` (F64): doubleword 0 (host lane 1) of VSR `n`, the
    /// double itself when this block wrote it.
    pub fn fpr(&mut self, n: u32) -> Value {
        let x = self.vsr_dw0(n);
        let xi = self.b.insts()[x.index()];
        if xi.op == Opcode::Bitcast && self.b.ty(xi.args[0]) == Type::F64 {
            return xi.args[0];
        }
        self.b.bitcast(Type::F64, x)
    }

    /// Writes FPR `n` (F64) and sets doubleword 1 of VSR `n` to 0: the
    /// ISA left it undefined before 3.1 and defines 0 since; processors
    /// and qemu write 0.
    pub fn set_fpr(&mut self, n: u32, v: Value) {
        let bits = self.b.bitcast(Type::I64, v);
        self.set_vsr_dw0(n, bits);
    }

    /// Reads VR `n` (V128).
    pub fn vr(&mut self, n: u32) -> Value {
        self.b.get(r_vr(n))
    }

    /// Writes VR `n`.
    pub fn set_vr(&mut self, n: u32, v: Value) {
        self.b.set(r_vr(n), v);
    }

    /// Reads VSR `n` (0..64) as V128.
    pub fn vsr(&mut self, n: u32) -> Value {
        self.b.get(r_vsx(n))
    }

    /// Writes VSR `n` (0..64) from a V128.
    pub fn set_vsr(&mut self, n: u32, v: Value) {
        self.b.set(r_vsx(n), v);
    }

    /// Reads doubleword 0 of VSR `n` as i64.
    pub fn vsr_dw0(&mut self, n: u32) -> Value {
        let v = self.vsr(n);
        self.lane64(v, 1)
    }

    /// Reads doubleword 1 of VSR `n` as i64.
    pub fn vsr_dw1(&mut self, n: u32) -> Value {
        let v = self.vsr(n);
        self.lane64(v, 0)
    }

    /// Writes both doublewords of VSR `n` (i64 each).
    pub fn set_vsr_dws(&mut self, n: u32, dw0: Value, dw1: Value) {
        let v = self.vjoin(dw0, dw1);
        self.set_vsr(n, v);
    }

    /// Writes doubleword 0 of VSR `n` (i64), keeping doubleword 1 (scalar
    /// VSX loads and GPR moves, whose doubleword 1 is undefined; qemu
    /// keeps it).
    pub fn set_vsr_dw0_keep(&mut self, n: u32, dw0: Value) {
        let v = self.vsr(n);
        let r = self.b.vinsert(Lanes::I64x2, v, dw0, 1);
        self.set_vsr(n, r);
    }

    /// Writes a scalar result: doubleword 0 of VSR `n` (i64), doubleword 1
    /// set to 0 (see [`Ctx::set_fpr`]).
    pub fn set_vsr_dw0(&mut self, n: u32, dw0: Value) {
        let z = self.b.iconst(Type::V128, 0);
        let r = self.b.vinsert(Lanes::I64x2, z, dw0, 1);
        self.set_vsr(n, r);
    }

    /// `hi:lo` (i64 each) as a V128: lane insert and splat, which the JIT
    /// lowers inline (the i128 shifts of [`Ctx::join128`] are out-of-line
    /// calls there).
    pub fn vjoin(&mut self, hi: Value, lo: Value) -> Value {
        let v = self.b.vsplat(Lanes::I64x2, lo);
        if hi == lo {
            // A splat (`lxvdsx`): the JIT loads it straight into both
            // lanes.
            return v;
        }
        self.b.vinsert(Lanes::I64x2, v, hi, 1)
    }

    /// (high, low) 64-bit halves of a V128 (lane extracts).
    pub fn vsplit(&mut self, v: Value) -> (Value, Value) {
        let hi = self.lane64(v, 1);
        let lo = self.lane64(v, 0);
        (hi, lo)
    }

    /// Doubleword lane `lane` (0 = low) of the V128 `v`: the i64 it was
    /// made from when this block built it with [`Ctx::vjoin`] (lane
    /// inserts over a splat; `mtvrd` then `xxmrghd` in glibc's
    /// `strspn`), else a lane extract.
    pub fn lane64(&mut self, v: Value, lane: u32) -> Value {
        let mut x = self.through_get(v);
        loop {
            let i = self.b.insts()[x.index()];
            let whole = Lanes::from_imm(i.imm) == Lanes::I64x2;
            match i.op {
                Opcode::Vinsert if whole && (i.imm >> 8) as u32 == lane => return i.args[1],
                Opcode::Vinsert if whole => x = i.args[0],
                Opcode::Vsplat if whole => return i.args[0],
                // The zero vector of a scalar FP write.
                Opcode::Const if i.ty == Type::V128 && i.imm == 0 => return self.b.i64(0),
                _ => return self.b.vextract(Lanes::I64x2, x, lane),
            }
        }
    }

    /// `hi:lo` as an i128 (through [`Ctx::vjoin`]).
    pub fn join128(&mut self, hi: Value, lo: Value) -> Value {
        let v = self.vjoin(hi, lo);
        self.b.bitcast(Type::I128, v)
    }

    /// (high, low) 64-bit halves of an i128 (through [`Ctx::vsplit`]).
    pub fn split128(&mut self, w: Value) -> (Value, Value) {
        let v = self.b.bitcast(Type::V128, w);
        self.vsplit(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask64(0, 63), u64::MAX);
        assert_eq!(mask64(32, 63), 0xffff_ffff);
        assert_eq!(mask64(0, 0), 1 << 63);
        assert_eq!(mask64(63, 63), 1);
        // Wrapping: bits 62..63 and 0..1.
        assert_eq!(mask64(62, 1), 0xc000_0000_0000_0003);
        assert_eq!(mask64(0, 59), !0xf);
    }
}
