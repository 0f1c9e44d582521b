//! The op table. Every IR op is declared exactly once here; the [`Opcode`]
//! enum, its names, typing shapes and effect flags, and the typed builder
//! methods of [`crate::Builder`] are generated from it. The verifier and the
//! printer work from [`Shape`], so adding an op is one row here plus its
//! interpretation (`xlat-interp`) and its lowering (`xlat-jit`).

use crate::{Builder, Value};

/// Effect flags of an op.
#[derive(Copy, Clone, PartialEq, Eq, Debug, Default)]
pub struct OpFlags(pub u8);

impl OpFlags {
    /// Pure op.
    pub const NONE: OpFlags = OpFlags(0);
    /// Must not be deleted even if its result is unused.
    pub const SIDE_EFFECT: OpFlags = OpFlags(1);
    /// May raise a guest fault: guest state must be exact at this point.
    pub const MAY_FAULT: OpFlags = OpFlags(2);
    /// Touches guest memory.
    pub const MEM: OpFlags = OpFlags(4);

    /// Union of two flag sets.
    pub const fn with(self, o: OpFlags) -> OpFlags {
        OpFlags(self.0 | o.0)
    }

    /// True if all of `o` is set.
    pub const fn has(self, o: OpFlags) -> bool {
        self.0 & o.0 == o.0
    }
}

/// Typing shape of an op: its operands, immediate and result rule. The
/// verifier and printer are written once per shape.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Shape {
    /// `() imm -> ty`: a constant (int or float bits in `imm`).
    Const,
    /// `() imm=reg -> reg.ty`.
    Get,
    /// `(v: reg.ty) imm=reg`.
    Set,
    /// `() imm=guest pc`: marks the start of a guest instruction.
    Marker,
    /// `(a: T, b: T) -> T`, T an integer type.
    Bin,
    /// `(a: T) -> T`, T an integer type.
    Un,
    /// `(a: T, b: T) imm=Cond -> i8`.
    Cmp,
    /// `(c: i8, a: T, b: T) -> T`.
    Select,
    /// `(a: narrower int) -> wider int`.
    Extend,
    /// `(a: wider int) -> narrower int`.
    Narrow,
    /// `(a) -> ty` of the same width.
    Bitcast,
    /// `(a: F, b: F) -> F`.
    FBin,
    /// `(a: F) -> F`.
    FUn,
    /// `(a: F, b: F, c: F) -> F`.
    FTer,
    /// `(a: F, b: F) imm=FCond -> i8`.
    FCmp,
    /// `(a: F) -> F'` between float widths.
    FConv,
    /// `(a: int) -> F`.
    IntToF,
    /// `(a: F) -> int`, round toward zero, saturating, NaN gives 0.
    FToInt,
    /// `(addr: i64) imm=MemFlags -> ty`.
    Load,
    /// `(addr: i64, v) imm=MemFlags`.
    Store,
    /// `(addr: i64, v: T) imm=MemFlags|RmwOp<<16 -> T` (old value).
    Rmw,
    /// `(addr: i64, expected: T, new: T) imm=MemFlags -> T` (old value).
    Cas,
    /// `() imm=Ordering`.
    Fence,
    /// `(args: i64 ...) imm=helper index -> ty or void`.
    Call,
    /// `(a: v128, b: v128) imm=Lanes -> v128`.
    VBin,
    /// `(a: v128) imm=Lanes -> v128`.
    VUn,
    /// `(a: int) imm=Lanes -> v128`: every lane set to `a`.
    VSplat,
    /// `(a: v128) imm=Lanes|lane<<8 -> lane int type`.
    VExtract,
    /// `(a: v128, x: int) imm=Lanes|lane<<8 -> v128`.
    VInsert,
}

impl Shape {
    /// Float shapes: arithmetic, compares and conversions to, from and
    /// between float types.
    pub fn is_float(self) -> bool {
        matches!(
            self,
            Shape::FBin
                | Shape::FUn
                | Shape::FTer
                | Shape::FCmp
                | Shape::FConv
                | Shape::IntToF
                | Shape::FToInt
        )
    }

    /// Lane-wise vector shapes.
    pub fn is_vector(self) -> bool {
        matches!(
            self,
            Shape::VBin | Shape::VUn | Shape::VSplat | Shape::VExtract | Shape::VInsert
        )
    }
}

macro_rules! shape_method {
    (Const, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, ty: crate::Type, imm: u64) -> Value {
            self.push(Opcode::$v, ty, [Value::NONE; 3], imm)
        }
    };
    (Get, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, r: crate::Reg) -> Value {
            let ty = self.layout().info(r).ty;
            self.push(Opcode::$v, ty, [Value::NONE; 3], r.0 as u64)
        }
    };
    (Set, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, r: crate::Reg, v: Value) {
            self.push(
                Opcode::$v,
                crate::Type::Void,
                [v, Value::NONE, Value::NONE],
                r.0 as u64,
            );
        }
    };
    (Marker, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, pc: u64) {
            self.push(Opcode::$v, crate::Type::Void, [Value::NONE; 3], pc);
        }
    };
    (Bin, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, a: Value, b: Value) -> Value {
            let ty = self.ty(a);
            self.push(Opcode::$v, ty, [a, b, Value::NONE], 0)
        }
    };
    (Un, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, a: Value) -> Value {
            let ty = self.ty(a);
            self.push(Opcode::$v, ty, [a, Value::NONE, Value::NONE], 0)
        }
    };
    (Cmp, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, c: crate::Cond, a: Value, b: Value) -> Value {
            self.push(Opcode::$v, crate::Type::I8, [a, b, Value::NONE], c as u64)
        }
    };
    (Select, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, c: Value, a: Value, b: Value) -> Value {
            let ty = self.ty(a);
            self.push(Opcode::$v, ty, [c, a, b], 0)
        }
    };
    (FBin, $m:ident, $v:ident) => {
        shape_method!(Bin, $m, $v);
    };
    (FUn, $m:ident, $v:ident) => {
        shape_method!(Un, $m, $v);
    };
    (FTer, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, a: Value, b: Value, c: Value) -> Value {
            let ty = self.ty(a);
            self.push(Opcode::$v, ty, [a, b, c], 0)
        }
    };
    (FCmp, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, c: crate::FCond, a: Value, b: Value) -> Value {
            self.push(Opcode::$v, crate::Type::I8, [a, b, Value::NONE], c as u64)
        }
    };
    (Load, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, ty: crate::Type, addr: Value, f: crate::MemFlags) -> Value {
            self.push(Opcode::$v, ty, [addr, Value::NONE, Value::NONE], f.to_imm())
        }
    };
    (Store, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, addr: Value, v: Value, f: crate::MemFlags) {
            self.push(
                Opcode::$v,
                crate::Type::Void,
                [addr, v, Value::NONE],
                f.to_imm(),
            );
        }
    };
    (Rmw, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, op: crate::RmwOp, addr: Value, v: Value, f: crate::MemFlags) -> Value {
            let ty = self.ty(v);
            self.push(
                Opcode::$v,
                ty,
                [addr, v, Value::NONE],
                f.to_imm() | (op as u64) << 16,
            )
        }
    };
    (Cas, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, addr: Value, exp: Value, new: Value, f: crate::MemFlags) -> Value {
            let ty = self.ty(exp);
            self.push(Opcode::$v, ty, [addr, exp, new], f.to_imm())
        }
    };
    (Fence, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, o: crate::Ordering) {
            self.push(Opcode::$v, crate::Type::Void, [Value::NONE; 3], o as u64);
        }
    };
    (Call, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(
            &mut self,
            h: &'static crate::HelperDesc,
            ty: crate::Type,
            args: &[Value],
        ) -> Value {
            let idx = self.intern_helper(h);
            let mut a = [Value::NONE; 3];
            a[..args.len()].copy_from_slice(args);
            self.push(Opcode::$v, ty, a, idx as u64)
        }
    };
    (VBin, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, l: crate::Lanes, a: Value, b: Value) -> Value {
            self.push(Opcode::$v, crate::Type::V128, [a, b, Value::NONE], l as u64)
        }
    };
    (VUn, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, l: crate::Lanes, a: Value) -> Value {
            self.push(
                Opcode::$v,
                crate::Type::V128,
                [a, Value::NONE, Value::NONE],
                l as u64,
            )
        }
    };
    (VSplat, $m:ident, $v:ident) => {
        shape_method!(VUn, $m, $v);
    };
    (VExtract, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, l: crate::Lanes, a: Value, lane: u32) -> Value {
            let ty = crate::Type::int(l.lane_bits());
            self.push(
                Opcode::$v,
                ty,
                [a, Value::NONE, Value::NONE],
                l as u64 | (lane as u64) << 8,
            )
        }
    };
    (VInsert, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, l: crate::Lanes, a: Value, x: Value, lane: u32) -> Value {
            self.push(
                Opcode::$v,
                crate::Type::V128,
                [a, x, Value::NONE],
                l as u64 | (lane as u64) << 8,
            )
        }
    };
    // Conversions take the result type explicitly.
    ($conv:ident, $m:ident, $v:ident) => {
        #[doc = concat!("Emits `", stringify!($m), "`.")]
        pub fn $m(&mut self, ty: crate::Type, a: Value) -> Value {
            self.push(Opcode::$v, ty, [a, Value::NONE, Value::NONE], 0)
        }
    };
}

macro_rules! ops {
    ($( $(#[doc = $d:literal])* $var:ident $method:ident : $shape:ident $(| $flag:ident)* ;)*) => {
        /// An IR operation; see the op table in `ops.rs` for each op's meaning.
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
        #[repr(u8)]
        pub enum Opcode {
            $( $(#[doc = $d])* $var, )*
        }

        impl Opcode {
            /// Every op, in table order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$var),*];

            /// Name used by the printer (the builder method's name).
            pub fn name(self) -> &'static str {
                match self { $(Opcode::$var => stringify!($method),)* }
            }

            /// Typing shape (a table lookup: the interpreter asks once per
            /// executed op).
            #[inline]
            pub fn shape(self) -> Shape {
                const SHAPES: &[Shape] = &[$(Shape::$shape),*];
                SHAPES[self as usize]
            }

            /// Effect flags.
            #[inline]
            pub fn flags(self) -> OpFlags {
                match self { $(Opcode::$var => OpFlags::NONE $(.with(OpFlags::$flag))*,)* }
            }
        }

        impl Builder<'_> {
            $( shape_method!($shape, $method, $var); )*
        }
    };
}

ops! {
    /// Constant: integer value or float bit pattern (zero-extended for v128).
    Const iconst: Const;
    /// Reads a guest register.
    Get get: Get;
    /// Writes a guest register.
    Set set: Set | SIDE_EFFECT;
    /// Start of the guest instruction at `imm`; used to recover the PC on faults.
    InsnStart insn_start: Marker | SIDE_EFFECT;
    /// Wrapping addition.
    Add add: Bin;
    /// Wrapping subtraction.
    Sub sub: Bin;
    /// Wrapping multiplication (low half).
    Mul mul: Bin;
    /// High half of the unsigned double-width product.
    Umulh umulh: Bin;
    /// High half of the signed double-width product.
    Smulh smulh: Bin;
    /// Unsigned division; x/0 = 0.
    Udiv udiv: Bin;
    /// Signed division; x/0 = 0, MIN/-1 = MIN.
    Sdiv sdiv: Bin;
    /// Unsigned remainder; x%0 = x.
    Urem urem: Bin;
    /// Signed remainder; x%0 = x, MIN%-1 = 0.
    Srem srem: Bin;
    /// Bitwise and.
    And and: Bin;
    /// Bitwise or.
    Or or: Bin;
    /// Bitwise exclusive or.
    Xor xor: Bin;
    /// Shift left; the amount is taken modulo the width.
    Shl shl: Bin;
    /// Logical shift right; the amount is taken modulo the width.
    Lshr lshr: Bin;
    /// Arithmetic shift right; the amount is taken modulo the width.
    Ashr ashr: Bin;
    /// Rotate right; the amount is taken modulo the width.
    Rotr rotr: Bin;
    /// Rotate left; the amount is taken modulo the width.
    Rotl rotl: Bin;
    /// Bitwise not.
    Not not: Un;
    /// Two's complement negation.
    Neg neg: Un;
    /// Count leading zeros (width for 0).
    Clz clz: Un;
    /// Count leading sign bits, not counting the sign bit itself.
    Cls cls: Un;
    /// Count trailing zeros (width for 0).
    Ctz ctz: Un;
    /// Population count.
    Popcnt popcnt: Un;
    /// Byte swap.
    Bswap bswap: Un;
    /// Bit reverse.
    Bitrev bitrev: Un;
    /// Integer comparison giving 0 or 1.
    Icmp icmp: Cmp;
    /// `c != 0 ? a : b`.
    Select select: Select;
    /// Zero extension.
    Zext zext: Extend;
    /// Sign extension.
    Sext sext: Extend;
    /// Truncation.
    Trunc trunc: Narrow;
    /// Reinterpretation of bits between types of equal width.
    Bitcast bitcast: Bitcast;
    /// Float addition (round to nearest even).
    Fadd fadd: FBin;
    /// Float subtraction.
    Fsub fsub: FBin;
    /// Float multiplication.
    Fmul fmul: FBin;
    /// Float division.
    Fdiv fdiv: FBin;
    /// Float minimum as IEEE 754-2019 `minimum` (NaN if either is NaN, -0 < +0).
    Fmin fmin: FBin;
    /// Float maximum as IEEE 754-2019 `maximum`.
    Fmax fmax: FBin;
    /// Square root.
    Fsqrt fsqrt: FUn;
    /// Negation (sign flip).
    Fneg fneg: FUn;
    /// Absolute value (sign clear).
    Fabs fabs: FUn;
    /// Fused multiply-add `a * b + c`.
    Fma fma: FTer;
    /// Float comparison giving 0 or 1.
    Fcmp fcmp: FCmp;
    /// Conversion between float widths.
    Fcvt fcvt: FConv;
    /// Signed integer to float.
    Scvtf scvtf: IntToF;
    /// Unsigned integer to float.
    Ucvtf ucvtf: IntToF;
    /// Float to signed integer, toward zero, saturating, NaN to 0.
    Fcvtzs fcvtzs: FToInt;
    /// Float to unsigned integer, toward zero, saturating, NaN to 0.
    Fcvtzu fcvtzu: FToInt;
    /// NaN propagation: `a` unless it is a NaN, else a NaN made from `b`
    /// and `c` by the rule in `imm` ([`crate::NanRule`]). Frontends apply
    /// it to a float op's result so that NaN results follow the guest's
    /// rules whatever the host returned; the JIT tests `a` inline and
    /// computes the rest out of line.
    Fnan fnan: FTer;
    /// Rounding to an integral float by `imm`: 0 to nearest even, 1 toward
    /// -infinity, 2 toward +infinity, 3 toward zero, 4 to nearest with
    /// ties away from zero.
    Fround fround: FUn;
    /// Guest memory load.
    Load load: Load | MAY_FAULT | MEM;
    /// Guest memory store.
    Store store: Store | SIDE_EFFECT | MAY_FAULT | MEM;
    /// Atomic read-modify-write; yields the old value.
    AtomicRmw atomic_rmw: Rmw | SIDE_EFFECT | MAY_FAULT | MEM;
    /// Atomic compare-and-swap; yields the old value.
    AtomicCas atomic_cas: Cas | SIDE_EFFECT | MAY_FAULT | MEM;
    /// Memory barrier.
    Fence fence: Fence | SIDE_EFFECT;
    /// Call of a helper function; see [`crate::HelperDesc`].
    CallHelper call_helper: Call | SIDE_EFFECT | MAY_FAULT;
    /// Lane-wise addition.
    Vadd vadd: VBin;
    /// Lane-wise subtraction.
    Vsub vsub: VBin;
    /// Bitwise and of vectors.
    Vand vand: VBin;
    /// Bitwise or of vectors.
    Vor vor: VBin;
    /// Bitwise exclusive or of vectors.
    Vxor vxor: VBin;
    /// Lane-wise equality: all ones where equal.
    Vcmpeq vcmpeq: VBin;
    /// Lane-wise unsigned minimum.
    Vumin vumin: VBin;
    /// Lane-wise unsigned maximum.
    Vumax vumax: VBin;
    /// Bitwise not of a vector.
    Vnot vnot: VUn;
    /// Every lane set to the low bits of an integer.
    Vsplat vsplat: VSplat;
    /// Reads one lane (zero-extended to the lane's integer type).
    Vextract vextract: VExtract;
    /// Replaces one lane.
    Vinsert vinsert: VInsert;
    /// Lane-wise unsigned `a > b`: all ones where true.
    Vcmpugt vcmpugt: VBin;
    /// Lane-wise unsigned `a >= b`: all ones where true.
    Vcmpuge vcmpuge: VBin;
    /// Lane-wise signed `a > b`: all ones where true.
    Vcmpsgt vcmpsgt: VBin;
    /// Lane-wise signed `a >= b`: all ones where true.
    Vcmpsge vcmpsge: VBin;
    /// Lane-wise signed minimum.
    Vsmin vsmin: VBin;
    /// Lane-wise signed maximum.
    Vsmax vsmax: VBin;
    /// Lane-wise wrapping multiplication (low half).
    Vmul vmul: VBin;
    /// Even lanes of `a` then even lanes of `b` (Arm UZP1); see
    /// [`Opcode::shuffle_bytes`] for all permutes.
    Vuzp1 vuzp1: VBin;
    /// Odd lanes of `a` then odd lanes of `b` (Arm UZP2).
    Vuzp2 vuzp2: VBin;
    /// Low lanes of `a` and `b` interleaved, `a` first (Arm ZIP1).
    Vzip1 vzip1: VBin;
    /// High lanes of `a` and `b` interleaved (Arm ZIP2).
    Vzip2 vzip2: VBin;
    /// Even lanes of `a` in the even lanes, even lanes of `b` in the odd lanes (Arm TRN1).
    Vtrn1 vtrn1: VBin;
    /// Odd lanes of `a` in the even lanes, odd lanes of `b` in the odd lanes (Arm TRN2).
    Vtrn2 vtrn2: VBin;
    /// Bytes `n..n+16` of the 32 bytes `a` (low) then `b`, `n = imm >> 8`
    /// (below 16; Arm EXT); the lane count in the immediate is ignored.
    Vext vext: VBin;
    /// Lane-wise shift left by `imm >> 8` (modulo the lane width).
    Vshl vshl: VUn;
    /// Lane-wise logical shift right by `imm >> 8` (modulo the lane width).
    Vlshr vlshr: VUn;
    /// Lane-wise arithmetic shift right by `imm >> 8` (modulo the lane width).
    Vashr vashr: VUn;
    /// Lanes reversed within each container of `1 << (imm >> 8)` bytes
    /// (Arm REV16/REV32/REV64; a container narrower than a lane is the lane).
    Vrev vrev: VUn;
    /// Lane-wise population count.
    Vpopcnt vpopcnt: VUn;
    /// Lane-wise unsigned rounding average `(a + b + 1) >> 1`, without
    /// overflow.
    Vavgru vavgru: VBin;
    /// Lane-wise shift left of `a` by the same lane of `b` (modulo the
    /// lane width).
    Vshlv vshlv: VBin;
    /// Lane-wise logical shift right of `a` by the same lane of `b` (modulo
    /// the lane width).
    Vlshrv vlshrv: VBin;
    /// Lane-wise arithmetic shift right of `a` by the same lane of `b`
    /// (modulo the lane width).
    Vashrv vashrv: VBin;
    /// Byte `k` of the result is byte `b[k]` of `a`, or 0 where `b[k]` is
    /// 16 or more (Arm TBL with one register, Cranelift `swizzle`); the
    /// lane count in the immediate is ignored.
    Vswizzle vswizzle: VBin;
}

impl Opcode {
    /// For the permute ops (`Vuzp1` .. `Vtrn2`, `Vext`, `Vrev`) with immediate
    /// `imm`: byte `k` of the result is byte `m[k]` of the 32 bytes `a`
    /// (0..16) then `b` (16..32). `None` for every other op.
    pub fn shuffle_bytes(self, imm: u64) -> Option<[u8; 16]> {
        let l = crate::Lanes::from_imm(imm);
        let eb = (l.lane_bits() / 8) as usize;
        let n = 16 / eb;
        // Source element (0..2n over a then b) of result element `e`.
        let src = |e: usize| -> usize {
            let (half, odd) = (e / 2, e % 2);
            match self {
                Opcode::Vuzp1 => 2 * e,
                Opcode::Vuzp2 => 2 * e + 1,
                Opcode::Vzip1 => half + odd * n,
                Opcode::Vzip2 => n / 2 + half + odd * n,
                Opcode::Vtrn1 => 2 * half + odd * n,
                _ => 2 * half + 1 + odd * n,
            }
        };
        let mut m = [0u8; 16];
        match self {
            Opcode::Vrev => {
                let cb = (1usize << ((imm >> 8) & 7).min(4)).max(eb);
                for (k, b) in m.iter_mut().enumerate() {
                    let (base, e) = (k / cb * cb, k % cb / eb);
                    *b = (base + (cb / eb - 1 - e) * eb + k % eb) as u8;
                }
            }
            Opcode::Vext => {
                let off = ((imm >> 8) & 15) as usize;
                for (k, b) in m.iter_mut().enumerate() {
                    *b = (k + off) as u8;
                }
            }
            Opcode::Vuzp1
            | Opcode::Vuzp2
            | Opcode::Vzip1
            | Opcode::Vzip2
            | Opcode::Vtrn1
            | Opcode::Vtrn2 => {
                for (k, b) in m.iter_mut().enumerate() {
                    *b = (src(k / eb) * eb + k % eb) as u8;
                }
            }
            _ => return None,
        }
        Some(m)
    }
}
