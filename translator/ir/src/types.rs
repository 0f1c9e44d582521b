//! Value types, values, memory flags, condition codes and register descriptors.

use std::fmt;

/// The type of an IR value.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Type {
    /// No value (the "result" of an op that produces nothing).
    Void,
    /// 8-bit integer; also the type of booleans (0 or 1).
    I8,
    /// 16-bit integer.
    I16,
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 128-bit integer.
    I128,
    /// IEEE single precision.
    F32,
    /// IEEE double precision.
    F64,
    /// 128-bit vector (lanes chosen per op).
    V128,
}

impl Type {
    /// Every type, in declaration (discriminant) order: `Type::ALL[t as
    /// usize] == t`.
    pub const ALL: [Type; 9] = [
        Type::Void,
        Type::I8,
        Type::I16,
        Type::I32,
        Type::I64,
        Type::I128,
        Type::F32,
        Type::F64,
        Type::V128,
    ];

    /// Width in bits (0 for `Void`).
    pub const fn bits(self) -> u32 {
        match self {
            Type::Void => 0,
            Type::I8 => 8,
            Type::I16 => 16,
            Type::I32 | Type::F32 => 32,
            Type::I64 | Type::F64 => 64,
            Type::I128 | Type::V128 => 128,
        }
    }

    /// Width in bytes.
    pub const fn bytes(self) -> u32 {
        self.bits() / 8
    }

    /// True for the integer types I8..I128.
    pub fn is_int(self) -> bool {
        matches!(
            self,
            Type::I8 | Type::I16 | Type::I32 | Type::I64 | Type::I128
        )
    }

    /// True for F32 and F64.
    pub fn is_float(self) -> bool {
        matches!(self, Type::F32 | Type::F64)
    }

    /// The integer type of a given width in bits.
    pub fn int(bits: u32) -> Type {
        match bits {
            8 => Type::I8,
            16 => Type::I16,
            32 => Type::I32,
            64 => Type::I64,
            128 => Type::I128,
            _ => Type::Void,
        }
    }

    /// Mask of the low `bits()` bits for integer types up to 64 bits.
    pub fn mask(self) -> u64 {
        match self.bits() {
            0 => 0,
            b if b >= 64 => u64::MAX,
            b => (1u64 << b) - 1,
        }
    }

    /// Short name used by the printer.
    pub fn name(self) -> &'static str {
        match self {
            Type::Void => "void",
            Type::I8 => "i8",
            Type::I16 => "i16",
            Type::I32 => "i32",
            Type::I64 => "i64",
            Type::I128 => "i128",
            Type::F32 => "f32",
            Type::F64 => "f64",
            Type::V128 => "v128",
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An SSA value: the index of the instruction in its block that defines it.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Value(pub u32);

impl Value {
    /// Marker for an unused operand slot.
    pub const NONE: Value = Value(u32::MAX);

    /// Index into the block's instruction list.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// True unless this is [`Value::NONE`].
    pub fn is_some(self) -> bool {
        self != Value::NONE
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

/// A guest register: index into the frontend's [`StateLayout::regs`].
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Reg(pub u16);

/// What a guest register holds; passes treat flags specially.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum RegKind {
    /// An ordinary register.
    Normal,
    /// A condition flag (value 0 or 1); the dead-flag pass removes dead sets.
    Flag,
    /// The program counter; written by block terminals.
    Pc,
}

/// Description of one guest register in the CPU state block.
#[derive(Copy, Clone, Debug)]
pub struct RegInfo {
    /// Name for printing (`x0`, `nf`, ...).
    pub name: &'static str,
    /// Byte offset from the start of the CPU state block (the `env` pointer).
    pub offset: u32,
    /// Type of the register; `get` yields and `set` takes this type.
    pub ty: Type,
    /// Kind of register.
    pub kind: RegKind,
}

/// The register file of one guest: what `get`/`set` may name.
#[derive(Copy, Clone, Debug)]
pub struct StateLayout {
    /// Register descriptors indexed by [`Reg`].
    pub regs: &'static [RegInfo],
    /// The program counter register.
    pub pc: Reg,
    /// Size in bytes of the whole CPU state block, header included.
    pub size: usize,
}

impl StateLayout {
    /// Descriptor of a register.
    pub fn info(&self, r: Reg) -> &RegInfo {
        &self.regs[r.0 as usize]
    }

    /// Looks a register up by name.
    pub fn by_name(&self, name: &str) -> Option<Reg> {
        self.regs
            .iter()
            .position(|r| r.name == name)
            .map(|i| Reg(i as u16))
    }
}

/// Integer comparison conditions.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Cond {
    /// Equal.
    Eq = 0,
    /// Not equal.
    Ne,
    /// Unsigned less than.
    Ult,
    /// Unsigned less or equal.
    Ule,
    /// Unsigned greater than.
    Ugt,
    /// Unsigned greater or equal.
    Uge,
    /// Signed less than.
    Slt,
    /// Signed less or equal.
    Sle,
    /// Signed greater than.
    Sgt,
    /// Signed greater or equal.
    Sge,
}

impl Cond {
    /// All conditions in encoding order.
    pub const ALL: [Cond; 10] = [
        Cond::Eq,
        Cond::Ne,
        Cond::Ult,
        Cond::Ule,
        Cond::Ugt,
        Cond::Uge,
        Cond::Slt,
        Cond::Sle,
        Cond::Sgt,
        Cond::Sge,
    ];

    /// Decodes the immediate of a `cmp` op.
    pub fn from_imm(imm: u64) -> Option<Cond> {
        Cond::ALL.get(imm as usize).copied()
    }

    /// Printer name.
    pub fn name(self) -> &'static str {
        [
            "eq", "ne", "ult", "ule", "ugt", "uge", "slt", "sle", "sgt", "sge",
        ][self as usize]
    }

    /// Evaluates the condition on two values of type `ty` (bits above the width ignored).
    pub fn eval(self, ty: Type, a: u128, b: u128) -> bool {
        let bits = ty.bits();
        let (ua, ub) = if bits >= 128 {
            (a, b)
        } else {
            let m = (1u128 << bits) - 1;
            (a & m, b & m)
        };
        let sh = 128 - bits.max(1);
        let (sa, sb) = (((ua << sh) as i128) >> sh, ((ub << sh) as i128) >> sh);
        match self {
            Cond::Eq => ua == ub,
            Cond::Ne => ua != ub,
            Cond::Ult => ua < ub,
            Cond::Ule => ua <= ub,
            Cond::Ugt => ua > ub,
            Cond::Uge => ua >= ub,
            Cond::Slt => sa < sb,
            Cond::Sle => sa <= sb,
            Cond::Sgt => sa > sb,
            Cond::Sge => sa >= sb,
        }
    }
}

/// Floating-point comparison conditions (ordered unless stated).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum FCond {
    /// Ordered and equal.
    Eq = 0,
    /// Ordered and less than.
    Lt,
    /// Ordered and less or equal.
    Le,
    /// Unordered (either is NaN).
    Uno,
}

impl FCond {
    /// Decodes the immediate of an `fcmp` op.
    pub fn from_imm(imm: u64) -> Option<FCond> {
        [FCond::Eq, FCond::Lt, FCond::Le, FCond::Uno]
            .get(imm as usize)
            .copied()
    }

    /// Printer name.
    pub fn name(self) -> &'static str {
        ["eq", "lt", "le", "uno"][self as usize]
    }
}

/// The NaN rule of an [`crate::Opcode::Fnan`] op (its immediate), applied
/// when its first operand `a` is a NaN, to its operands `b` and `c`.
/// "Quieted" sets the most significant fraction bit; the default NaN is
/// positive and quiet with a zero payload.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum NanRule {
    /// Arm's FPProcessNaNs: the first signalling NaN of `b`, `c`, quieted,
    /// else the first quiet NaN, else the default NaN.
    Arm = 0,
    /// The product step of Arm's fused multiply-add (`b * c`): the first
    /// signalling NaN of `b`, `c` as it is (not quieted), else the first
    /// quiet NaN, else +infinity if `b * c` is infinity times zero and +0
    /// otherwise; the result is meant for [`NanRule::ArmMulAdd`].
    ArmMul,
    /// The addend step of Arm's FPMulAdd: `b` is the addend, `c` the
    /// result of [`NanRule::ArmMul`]: a signalling `b`, quieted, else a
    /// signalling `c`, quieted, else a quiet `b` (the default NaN when `c`
    /// is +infinity: infinity times zero), else a quiet `c`, else the
    /// default NaN.
    ArmMulAdd,
    /// Power's rule: `b` quieted if it is a NaN, else `c` quieted if it is
    /// a NaN, else the default NaN. Three operands in priority order
    /// `x, y, z` take two ops: `fnan(fnan(r, y, z), x, that)`.
    Power,
}

impl NanRule {
    /// Decodes the immediate of an `fnan` op.
    pub fn from_imm(imm: u64) -> Option<NanRule> {
        [
            NanRule::Arm,
            NanRule::ArmMul,
            NanRule::ArmMulAdd,
            NanRule::Power,
        ]
        .get(imm as usize)
        .copied()
    }

    /// Applies the rule to the bit patterns of floats of `bits` bits (32
    /// or 64): `a` unless it is a NaN, else the NaN chosen from `b`, `c`.
    pub fn apply(self, bits: u32, a: u64, b: u64, c: u64) -> u64 {
        let fbits = if bits == 32 { 23 } else { 52 };
        let mask = if bits == 64 {
            u64::MAX
        } else {
            (1 << bits) - 1
        };
        let (a, b, c) = (a & mask, b & mask, c & mask);
        let abs = mask >> 1;
        let inf = abs & !((1 << fbits) - 1);
        let quiet = 1u64 << (fbits - 1);
        let nan = |x: u64| x & abs > inf;
        let snan = |x: u64| nan(x) && x & quiet == 0;
        let default = inf | quiet;
        if !nan(a) {
            return a;
        }
        match self {
            NanRule::Arm | NanRule::ArmMulAdd => {
                if snan(b) {
                    b | quiet
                } else if snan(c) {
                    c | quiet
                } else if nan(b) {
                    if self == NanRule::ArmMulAdd && c == inf {
                        default
                    } else {
                        b
                    }
                } else if nan(c) {
                    c
                } else {
                    default
                }
            }
            NanRule::ArmMul => {
                let (ib, ic) = (b & abs == inf, c & abs == inf);
                let (zb, zc) = (b & abs == 0, c & abs == 0);
                if snan(b) {
                    b
                } else if snan(c) || nan(c) && !nan(b) {
                    c
                } else if nan(b) {
                    b
                } else if ib && zc || zb && ic {
                    inf
                } else {
                    0
                }
            }
            NanRule::Power if nan(b) => b | quiet,
            NanRule::Power if nan(c) => c | quiet,
            NanRule::Power => default,
        }
    }
}

/// Memory ordering of a memory op.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Ordering {
    /// Plain access.
    Relaxed = 0,
    /// Load-acquire.
    Acquire,
    /// Store-release.
    Release,
    /// Both (sequentially consistent for read-modify-write).
    AcqRel,
}

/// Size, sign-extension, alignment and atomicity of a memory access, packed
/// into the op's immediate.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct MemFlags {
    /// Access size in bytes: 1, 2, 4, 8 or 16.
    pub size: u8,
    /// Sign-extend a load narrower than its result type.
    pub signed: bool,
    /// The access faults (SIGBUS) unless the address is aligned to `size`.
    pub aligned: bool,
    /// The access must be single-copy atomic.
    pub atomic: bool,
    /// Ordering constraint.
    pub order: Ordering,
}

impl MemFlags {
    /// A plain access of `size` bytes.
    pub fn new(size: u8) -> MemFlags {
        MemFlags {
            size,
            signed: false,
            aligned: false,
            atomic: false,
            order: Ordering::Relaxed,
        }
    }

    /// Same, sign-extending.
    pub fn signed(self) -> MemFlags {
        MemFlags {
            signed: true,
            ..self
        }
    }

    /// Same, with an ordering.
    pub fn ordered(self, order: Ordering) -> MemFlags {
        MemFlags {
            order,
            atomic: true,
            ..self
        }
    }

    /// Same, requiring alignment.
    pub fn aligned(self) -> MemFlags {
        MemFlags {
            aligned: true,
            ..self
        }
    }

    /// Packs into an immediate.
    pub fn to_imm(self) -> u64 {
        self.size as u64
            | (self.signed as u64) << 8
            | (self.aligned as u64) << 9
            | (self.atomic as u64) << 10
            | (self.order as u64) << 12
    }

    /// Unpacks from an immediate.
    pub fn from_imm(imm: u64) -> MemFlags {
        MemFlags {
            size: imm as u8,
            signed: imm & (1 << 8) != 0,
            aligned: imm & (1 << 9) != 0,
            atomic: imm & (1 << 10) != 0,
            order: match (imm >> 12) & 3 {
                0 => Ordering::Relaxed,
                1 => Ordering::Acquire,
                2 => Ordering::Release,
                _ => Ordering::AcqRel,
            },
        }
    }
}

impl fmt::Display for MemFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}",
            if self.signed { "s" } else { "u" },
            self.size * 8
        )?;
        if self.aligned {
            f.write_str(",aligned")?;
        }
        match self.order {
            Ordering::Relaxed if self.atomic => f.write_str(",atomic"),
            Ordering::Relaxed => Ok(()),
            Ordering::Acquire => f.write_str(",acq"),
            Ordering::Release => f.write_str(",rel"),
            Ordering::AcqRel => f.write_str(",acqrel"),
        }
    }
}

/// Read-modify-write operation of an `atomic_rmw` op (in bits 16.. of its immediate).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum RmwOp {
    /// `*p = v`.
    Xchg = 0,
    /// `*p += v`.
    Add,
    /// `*p &= !v` (Arm LDCLR).
    AndNot,
    /// `*p |= v`.
    Or,
    /// `*p ^= v`.
    Xor,
    /// Signed maximum.
    Smax,
    /// Signed minimum.
    Smin,
    /// Unsigned maximum.
    Umax,
    /// Unsigned minimum.
    Umin,
    /// `*p &= v`.
    And,
}

impl RmwOp {
    /// Decodes from an `atomic_rmw` immediate.
    pub fn from_imm(imm: u64) -> Option<RmwOp> {
        use RmwOp::*;
        [Xchg, Add, AndNot, Or, Xor, Smax, Smin, Umax, Umin, And]
            .get(((imm >> 16) & 0xff) as usize)
            .copied()
    }

    /// Printer name.
    pub fn name(self) -> &'static str {
        [
            "xchg", "add", "andnot", "or", "xor", "smax", "smin", "umax", "umin", "and",
        ][self as usize]
    }

    /// Applies the operation to `old` and `v` at width `ty`.
    pub fn apply(self, ty: Type, old: u64, v: u64) -> u64 {
        let m = ty.mask();
        let sh = 64 - ty.bits();
        let s = |x: u64| ((x << sh) as i64) >> sh;
        let r = match self {
            RmwOp::Xchg => v,
            RmwOp::Add => old.wrapping_add(v),
            RmwOp::AndNot => old & !v,
            RmwOp::Or => old | v,
            RmwOp::Xor => old ^ v,
            RmwOp::And => old & v,
            RmwOp::Smax => s(old).max(s(v)) as u64,
            RmwOp::Smin => s(old).min(s(v)) as u64,
            RmwOp::Umax => (old & m).max(v & m),
            RmwOp::Umin => (old & m).min(v & m),
        };
        r & m
    }
}

/// Lane shape of a vector op (in its immediate).
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Lanes {
    /// Sixteen 8-bit lanes.
    I8x16 = 0,
    /// Eight 16-bit lanes.
    I16x8,
    /// Four 32-bit lanes.
    I32x4,
    /// Two 64-bit lanes.
    I64x2,
}

impl Lanes {
    /// Decodes from the low bits of a vector op's immediate.
    pub fn from_imm(imm: u64) -> Lanes {
        [Lanes::I8x16, Lanes::I16x8, Lanes::I32x4, Lanes::I64x2][(imm & 3) as usize]
    }

    /// Lanes of `bits`-wide elements.
    pub fn of_bits(bits: u32) -> Lanes {
        match bits {
            8 => Lanes::I8x16,
            16 => Lanes::I16x8,
            32 => Lanes::I32x4,
            _ => Lanes::I64x2,
        }
    }

    /// Bits per lane.
    pub fn lane_bits(self) -> u32 {
        8 << (self as u32)
    }

    /// Number of lanes.
    pub fn count(self) -> u32 {
        128 / self.lane_bits()
    }

    /// Printer name.
    pub fn name(self) -> &'static str {
        ["i8x16", "i16x8", "i32x4", "i64x2"][self as usize]
    }
}
