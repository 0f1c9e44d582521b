//! Tier 0: executes xlat IR directly.
//!
//! [`run_block`] walks a block's flat instruction list once, keeping every
//! SSA value in a reusable [`Scratch`] buffer (one `u128` slot per
//! instruction; floats are held as their bit patterns), then performs the
//! terminal. Integer semantics come from [`xlat_ir::eval::eval_int`], so the
//! interpreter and constant folding cannot disagree. The interpreter is also
//! the reference semantics the JIT is tested against.

use xlat_ir::abi::{Fault, FaultKind, GuestMemory};
use xlat_ir::{
    Block, CpuHeader, ExitCode, FCond, Lanes, MemFlags, NanRule, Opcode, Ordering, RmwOp, Shape,
    StateLayout, Terminal, Type, Value,
};

/// Bit set in [`CpuHeader::fault_kind`] (above the [`FaultKind`] value) when
/// the faulting access was a write. Both tiers follow this convention.
pub const FAULT_WRITE: u32 = xlat_ir::abi::FAULT_WRITE;

/// Reusable value storage for [`run_block`]; keep one per CPU so executing a
/// block allocates nothing.
#[derive(Default, Debug)]
pub struct Scratch {
    vals: Vec<u128>,
}

impl Scratch {
    /// An empty scratch buffer.
    pub fn new() -> Scratch {
        Scratch::default()
    }
}

/// Masks `v` to the width of `ty` (no-op for 128-bit types). A table
/// lookup by the type rather than a shift by its width (a 128-bit shift by
/// a variable amount is several host instructions) or a `match` (a jump
/// table), since this runs once per interpreted op.
#[inline]
fn mask(ty: Type, v: u128) -> u128 {
    const MASKS: [u128; 9] = {
        let mut m = [0u128; 9];
        let mut i = 0;
        while i < 9 {
            assert!(
                Type::ALL[i] as usize == i,
                "Type::ALL follows the enum order"
            );
            m[i] = match Type::ALL[i].bits() {
                0 => 0,
                128 => u128::MAX,
                b => (1u128 << b) - 1,
            };
            i += 1;
        }
        m
    };
    v & MASKS[ty as usize]
}

/// Evaluates the integer ops of at most 64 bits that guest code uses most
/// (compares, shifts, multiply, sign extension) in 64-bit host arithmetic;
/// `None` for anything else, which then goes to
/// [`xlat_ir::eval::eval_int`]. The results agree with `eval_int` after
/// masking to `ty` (a unit test compares them).
#[inline]
fn int_fast(op: Opcode, ty: Type, aty: Type, imm: u64, a: u128, b: u128) -> Option<u128> {
    let (a, b) = (a as u64, b as u64);
    // Sign-extends the low `bits` (1..=64) of `x`.
    let sx = |bits: u32, x: u64| ((x << (64 - bits)) as i64) >> (64 - bits);
    let r = match op {
        Opcode::Icmp => {
            let bits = aty.bits();
            if bits == 0 || bits > 64 {
                return None;
            }
            let m = u64::MAX >> (64 - bits);
            let (ua, ub) = (a & m, b & m);
            let (sa, sb) = (sx(bits, ua), sx(bits, ub));
            (match xlat_ir::Cond::from_imm(imm)? {
                xlat_ir::Cond::Eq => ua == ub,
                xlat_ir::Cond::Ne => ua != ub,
                xlat_ir::Cond::Ult => ua < ub,
                xlat_ir::Cond::Ule => ua <= ub,
                xlat_ir::Cond::Ugt => ua > ub,
                xlat_ir::Cond::Uge => ua >= ub,
                xlat_ir::Cond::Slt => sa < sb,
                xlat_ir::Cond::Sle => sa <= sb,
                xlat_ir::Cond::Sgt => sa > sb,
                xlat_ir::Cond::Sge => sa >= sb,
            }) as u64
        }
        _ => {
            let bits = ty.bits();
            if bits == 0 || bits > 64 || !ty.is_int() {
                return None;
            }
            let m = u64::MAX >> (64 - bits);
            let amt = (b as u32) & (bits - 1);
            match op {
                Opcode::Shl => a << amt,
                Opcode::Lshr => (a & m) >> amt,
                Opcode::Ashr => (sx(bits, a) >> amt) as u64,
                Opcode::Mul => a.wrapping_mul(b),
                Opcode::Not => !a,
                Opcode::Neg => a.wrapping_neg(),
                Opcode::Sext => {
                    let ab = aty.bits();
                    if ab == 0 || ab > 64 {
                        return None;
                    }
                    sx(ab, a) as u64
                }
                _ => return None,
            }
        }
    };
    Some(r as u128)
}

/// Sign-extends the low `bits` of `v` to 128 bits.
fn sext(bits: u32, v: u128) -> u128 {
    if bits == 0 || bits >= 128 {
        return v;
    }
    let sh = 128 - bits;
    (((v << sh) as i128) >> sh) as u128
}

/// Reads `bytes` bytes at `env + off` (little-endian, zero-extended).
///
/// # Safety
/// `env + off .. + bytes` must be inside the CPU state block.
#[inline]
unsafe fn env_read(env: *mut u8, off: u32, bytes: u32) -> u128 {
    // SAFETY: the caller guarantees the range is inside the state block.
    // One fixed-size access per register size (a variable-length copy
    // would be a `memcpy` call per register access).
    unsafe {
        let p = env.add(off as usize);
        match bytes {
            1 => *p as u128,
            2 => (p as *const u16).read_unaligned() as u128,
            4 => (p as *const u32).read_unaligned() as u128,
            8 => (p as *const u64).read_unaligned() as u128,
            16 => (p as *const u128).read_unaligned(),
            _ => 0,
        }
    }
}

/// Writes the low `bytes` bytes of `v` at `env + off`.
///
/// # Safety
/// `env + off .. + bytes` must be inside the CPU state block.
#[inline]
unsafe fn env_write(env: *mut u8, off: u32, bytes: u32, v: u128) {
    // SAFETY: as for `env_read`.
    unsafe {
        let p = env.add(off as usize);
        match bytes {
            1 => *p = v as u8,
            2 => (p as *mut u16).write_unaligned(v as u16),
            4 => (p as *mut u32).write_unaligned(v as u32),
            8 => (p as *mut u64).write_unaligned(v as u64),
            16 => (p as *mut u128).write_unaligned(v),
            _ => {}
        }
    }
}

/// IEEE 754-2019 `minimum`/`maximum` on f64.
fn fminmax64(a: f64, b: f64, max: bool) -> f64 {
    if a.is_nan() || b.is_nan() {
        return a + b;
    }
    if a == b {
        // Equal values differ only by the sign of zero.
        let neg = if max {
            a.is_sign_negative() && b.is_sign_negative()
        } else {
            a.is_sign_negative() || b.is_sign_negative()
        };
        return if neg { -a.abs() } else { a.abs() };
    }
    if (a > b) == max { a } else { b }
}

/// IEEE 754-2019 `minimum`/`maximum` on f32.
fn fminmax32(a: f32, b: f32, max: bool) -> f32 {
    if a.is_nan() || b.is_nan() {
        return a + b;
    }
    if a == b {
        let neg = if max {
            a.is_sign_negative() && b.is_sign_negative()
        } else {
            a.is_sign_negative() || b.is_sign_negative()
        };
        return if neg { -a.abs() } else { a.abs() };
    }
    if (a > b) == max { a } else { b }
}

/// Evaluates an op that reads neither memory nor the CPU state: float
/// shapes through [`eval_float`], vector shapes through [`eval_vector`],
/// the rest as integers (0 for an op without integer semantics).
pub fn eval_pure(op: Opcode, ty: Type, aty: Type, imm: u64, a: u128, b: u128, c: u128) -> u128 {
    match op.shape() {
        s if s.is_float() => eval_float(op, ty, aty, imm, a, b, c),
        s if s.is_vector() => eval_vector(op, imm, a, b),
        _ => xlat_ir::eval::eval_int(op, ty, aty, imm, a, b, c).unwrap_or(0),
    }
}

/// Evaluates a float op (shapes FBin, FUn, FTer, FCmp, FConv, IntToF,
/// FToInt). `aty` is the first operand's type.
pub fn eval_float(op: Opcode, ty: Type, aty: Type, imm: u64, a: u128, b: u128, c: u128) -> u128 {
    let f32_of = |x: u128| f32::from_bits(x as u32);
    let f64_of = |x: u128| f64::from_bits(x as u64);
    let r32 = |x: f32| x.to_bits() as u128;
    let r64 = |x: f64| x.to_bits() as u128;
    match op.shape() {
        Shape::FTer if op == Opcode::Fnan => NanRule::from_imm(imm).map_or(0, |r| {
            r.apply(ty.bits(), a as u64, b as u64, c as u64) as u128
        }),
        Shape::FBin | Shape::FUn | Shape::FTer => {
            // One body for both widths: `$minmax` is the width's
            // fminmax function.
            macro_rules! float_op {
                ($x:expr, $y:expr, $z:expr, $minmax:ident) => {{
                    let (x, y, z) = ($x, $y, $z);
                    match op {
                        Opcode::Fadd => x + y,
                        Opcode::Fsub => x - y,
                        Opcode::Fmul => x * y,
                        Opcode::Fdiv => x / y,
                        Opcode::Fmin => $minmax(x, y, false),
                        Opcode::Fmax => $minmax(x, y, true),
                        Opcode::Fsqrt => x.sqrt(),
                        Opcode::Fneg => -x,
                        Opcode::Fabs => x.abs(),
                        Opcode::Fma => x.mul_add(y, z),
                        Opcode::Fround => match imm {
                            0 => x.round_ties_even(),
                            1 => x.floor(),
                            2 => x.ceil(),
                            3 => x.trunc(),
                            _ => x.round(),
                        },
                        _ => 0.0,
                    }
                }};
            }
            if ty == Type::F32 {
                r32(float_op!(f32_of(a), f32_of(b), f32_of(c), fminmax32))
            } else {
                r64(float_op!(f64_of(a), f64_of(b), f64_of(c), fminmax64))
            }
        }
        Shape::FCmp => {
            let (x, y) = if aty == Type::F32 {
                (f32_of(a) as f64, f32_of(b) as f64)
            } else {
                (f64_of(a), f64_of(b))
            };
            let r = match FCond::from_imm(imm) {
                Some(FCond::Eq) => x == y,
                Some(FCond::Lt) => x < y,
                Some(FCond::Le) => x <= y,
                Some(FCond::Uno) => x.is_nan() || y.is_nan(),
                None => false,
            };
            r as u128
        }
        Shape::FConv => match (aty, ty) {
            (Type::F32, Type::F64) => r64(f32_of(a) as f64),
            (Type::F64, Type::F32) => r32(f64_of(a) as f32),
            _ => a,
        },
        Shape::IntToF => {
            let bits = aty.bits();
            let ua = mask(aty, a) as u64;
            let sa = sext(bits, a) as i64;
            let signed = op == Opcode::Scvtf;
            if ty == Type::F32 {
                r32(if signed { sa as f32 } else { ua as f32 })
            } else {
                r64(if signed { sa as f64 } else { ua as f64 })
            }
        }
        Shape::FToInt => {
            let x = if aty == Type::F32 {
                f32_of(a) as f64
            } else {
                f64_of(a)
            };
            // f32 -> f64 is exact, so converting from f64 gives the same
            // saturated result; Rust `as` saturates and maps NaN to 0.
            let r: u128 = match (op == Opcode::Fcvtzs, ty) {
                (true, Type::I8) => x as i8 as u8 as u128,
                (true, Type::I16) => x as i16 as u16 as u128,
                (true, Type::I32) => x as i32 as u32 as u128,
                (true, _) => x as i64 as u64 as u128,
                (false, Type::I8) => x as u8 as u128,
                (false, Type::I16) => x as u16 as u128,
                (false, Type::I32) => x as u32 as u128,
                (false, _) => x as u64 as u128,
            };
            mask(ty, r)
        }
        _ => 0,
    }
}

/// Evaluates a vector op (shapes VBin, VUn, VSplat, VExtract, VInsert).
pub fn eval_vector(op: Opcode, imm: u64, a: u128, b: u128) -> u128 {
    let l = Lanes::from_imm(imm);
    let lb = l.lane_bits();
    let lm = (1u128 << lb) - 1;
    let lane = |x: u128, i: u32| (x >> (i * lb)) & lm;
    // A lane as a signed value, and the shift amount of Vshl/Vlshr/Vashr.
    let sx = |x: u128| ((x << (128 - lb)) as i128) >> (128 - lb);
    let sh = ((imm >> 8) as u32) % lb;
    let lanewise = |f: &dyn Fn(u128, u128) -> u128| {
        let mut r = 0u128;
        for i in 0..l.count() {
            r |= (f(lane(a, i), lane(b, i)) & lm) << (i * lb);
        }
        r
    };
    match op {
        Opcode::Vadd => lanewise(&|x, y| x.wrapping_add(y)),
        Opcode::Vsub => lanewise(&|x, y| x.wrapping_sub(y)),
        Opcode::Vand => a & b,
        Opcode::Vor => a | b,
        Opcode::Vxor => a ^ b,
        Opcode::Vnot => !a,
        Opcode::Vcmpeq => lanewise(&|x, y| if x == y { lm } else { 0 }),
        Opcode::Vumin => lanewise(&|x, y| x.min(y)),
        Opcode::Vumax => lanewise(&|x, y| x.max(y)),
        Opcode::Vsplat => lanewise(&|_, _| a & lm),
        Opcode::Vextract => lane(a, ((imm >> 8) as u32) % l.count()),
        Opcode::Vinsert => {
            let i = ((imm >> 8) as u32) % l.count();
            (a & !(lm << (i * lb))) | ((b & lm) << (i * lb))
        }
        Opcode::Vcmpugt => lanewise(&|x, y| if x > y { lm } else { 0 }),
        Opcode::Vcmpuge => lanewise(&|x, y| if x >= y { lm } else { 0 }),
        Opcode::Vcmpsgt => lanewise(&|x, y| if sx(x) > sx(y) { lm } else { 0 }),
        Opcode::Vcmpsge => lanewise(&|x, y| if sx(x) >= sx(y) { lm } else { 0 }),
        Opcode::Vsmin => lanewise(&|x, y| if sx(x) <= sx(y) { x } else { y }),
        Opcode::Vsmax => lanewise(&|x, y| if sx(x) >= sx(y) { x } else { y }),
        Opcode::Vmul => lanewise(&|x, y| x.wrapping_mul(y)),
        Opcode::Vshl => lanewise(&|x, _| x << sh),
        Opcode::Vlshr => lanewise(&|x, _| x >> sh),
        Opcode::Vashr => lanewise(&|x, _| (sx(x) >> sh) as u128),
        Opcode::Vpopcnt => lanewise(&|x, _| x.count_ones() as u128),
        Opcode::Vavgru => lanewise(&|x, y| (x + y + 1) >> 1),
        Opcode::Vshlv => lanewise(&|x, y| x << (y as u32 % lb)),
        Opcode::Vlshrv => lanewise(&|x, y| x >> (y as u32 % lb)),
        Opcode::Vashrv => lanewise(&|x, y| (sx(x) >> (y as u32 % lb)) as u128),
        Opcode::Vswizzle => {
            let (ab, bb) = (a.to_le_bytes(), b.to_le_bytes());
            u128::from_le_bytes(bb.map(|k| ab.get(k as usize).copied().unwrap_or(0)))
        }
        _ => match op.shuffle_bytes(imm) {
            Some(m) => {
                let (ab, bb) = (a.to_le_bytes(), b.to_le_bytes());
                u128::from_le_bytes(m.map(|k| {
                    let k = k as usize;
                    if k < 16 { ab[k] } else { bb[k - 16] }
                }))
            }
            None => 0,
        },
    }
}

/// Performs one memory op through `mem`. Returns the op's value (0 for
/// stores) or the fault.
fn mem_op(
    mem: &dyn GuestMemory,
    op: Opcode,
    ty: Type,
    imm: u64,
    addr: u64,
    b: u128,
    c: u128,
) -> Result<u128, Fault> {
    let f = MemFlags::from_imm(imm);
    let write = op != Opcode::Load;
    if f.aligned && f.size > 1 && !addr.is_multiple_of(f.size as u64) {
        return Err(Fault {
            addr,
            kind: FaultKind::Alignment,
            write,
        });
    }
    match op {
        Opcode::Load => {
            let v = mem.load(addr, f.size)?;
            Ok(if f.signed {
                mask(ty, sext(f.size as u32 * 8, v))
            } else {
                v
            })
        }
        Opcode::Store => mem.store(addr, f.size, b).map(|_| 0),
        Opcode::AtomicRmw => {
            let rop = RmwOp::from_imm(imm).unwrap_or(RmwOp::Xchg);
            let old = mem.rmw(addr, f.size, rop, b as u64)? as u128;
            Ok(if f.signed {
                mask(ty, sext(f.size as u32 * 8, old))
            } else {
                old
            })
        }
        Opcode::AtomicCas => {
            let sz = f.size as u32 * 8;
            let m = if sz >= 128 {
                u128::MAX
            } else {
                (1u128 << sz) - 1
            };
            let old = mem.cas(addr, f.size, b & m, c & m)?;
            Ok(if f.signed {
                mask(ty, sext(sz, old))
            } else {
                old
            })
        }
        _ => Ok(0),
    }
}

/// Executes `block` on the CPU state block `env` described by `layout`.
///
/// Runs every instruction, then the terminal: the PC register is set to the
/// next guest PC and [`CpuHeader::exit`] to the returned [`ExitCode`]
/// (`Exception` also sets `exc_kind`/`exc_info`). On a memory fault the PC
/// is set to the guest PC of the last `insn_start` (the block's PC if there
/// was none), `fault_kind` (| [`FAULT_WRITE`] for writes) and
/// `exc_info` = guest address are set, and `ExitCode::Fault` is returned;
/// state is as before the faulting instruction's remaining effects. A helper
/// that sets `CpuHeader::helper_fault` likewise ends the block with `Fault`
/// (the helper filled in the fault information).
///
/// # Safety
/// `env` must point to a live, 16-byte aligned CPU state block of
/// `layout.size` bytes that starts with a [`CpuHeader`], not accessed
/// concurrently except through the header's atomic stop word; `block` must
/// pass the verifier for `layout`.
pub unsafe fn run_block(
    block: &Block,
    layout: &StateLayout,
    env: *mut u8,
    mem: &dyn GuestMemory,
    scratch: &mut Scratch,
) -> ExitCode {
    let hdr = env as *mut CpuHeader;
    let n = block.insts.len();
    if scratch.vals.len() < n {
        scratch.vals.resize(n, 0);
    }
    let vals = &mut scratch.vals[..n];
    let pc_info = layout.info(layout.pc);
    let mut cur_pc = block.pc;
    // `Value::NONE` indexes past every block, so `get` reads it as 0 too.
    let val = |vals: &[u128], v: Value| -> u128 { vals.get(v.index()).copied().unwrap_or(0) };
    // SAFETY: `hdr` points to the live header (caller contract).
    unsafe { (*hdr).blocks_executed = (*hdr).blocks_executed.wrapping_add(1) };
    for (i, inst) in block.insts.iter().enumerate() {
        let ty = inst.ty;
        let shape = inst.op.shape();
        // The commonest ops read at most one operand: done before any is
        // loaded; `get`, `set` and `insn_start` store no masked result
        // (exact-width or void).
        match shape {
            Shape::Const => {
                vals[i] = mask(ty, inst.imm as u128);
                continue;
            }
            Shape::Get => {
                let ri = layout.info(xlat_ir::Reg(inst.imm as u16));
                // SAFETY: register offsets lie inside the state block; the
                // read is exactly the register's width.
                vals[i] = unsafe { env_read(env, ri.offset, ri.ty.bytes()) };
                continue;
            }
            Shape::Set => {
                let ri = layout.info(xlat_ir::Reg(inst.imm as u16));
                let a = val(vals, inst.args[0]);
                // SAFETY: as above.
                unsafe { env_write(env, ri.offset, ri.ty.bytes(), a) };
                continue;
            }
            Shape::Marker => {
                cur_pc = inst.imm;
                continue;
            }
            _ => {}
        }
        let a = val(vals, inst.args[0]);
        let b = val(vals, inst.args[1]);
        // The third operand and the first operand's type are needed by a
        // few shapes only: computed there (once per executed op counts).
        let c = || val(vals, inst.args[2]);
        let aty = || {
            if inst.args[0].is_some() {
                block.insts[inst.args[0].index()].ty
            } else {
                Type::Void
            }
        };
        let r: u128 = match shape {
            // Done above.
            Shape::Const | Shape::Get | Shape::Set | Shape::Marker => continue,
            Shape::Bitcast => a,
            // The commonest ops inline (the result is masked below, exactly
            // as `eval_int` does); everything else through `eval_int`.
            Shape::Bin if inst.op == Opcode::Add => a.wrapping_add(b),
            Shape::Bin if inst.op == Opcode::Sub => a.wrapping_sub(b),
            Shape::Bin if inst.op == Opcode::And => a & b,
            Shape::Bin if inst.op == Opcode::Or => a | b,
            Shape::Bin if inst.op == Opcode::Xor => a ^ b,
            Shape::Extend if inst.op == Opcode::Zext => mask(aty(), a),
            Shape::Narrow if inst.op == Opcode::Trunc => a,
            Shape::Select => {
                if a & 0xff != 0 {
                    b
                } else {
                    c()
                }
            }
            Shape::Bin | Shape::Un | Shape::Cmp | Shape::Extend | Shape::Narrow => {
                match int_fast(inst.op, ty, aty(), inst.imm, a, b) {
                    Some(r) => r,
                    None => xlat_ir::eval::eval_int(inst.op, ty, aty(), inst.imm, a, b, c())
                        .unwrap_or(0),
                }
            }
            Shape::Load | Shape::Store | Shape::Rmw | Shape::Cas => {
                match mem_op(mem, inst.op, ty, inst.imm, a as u64, b, c()) {
                    Ok(v) => v,
                    Err(f) => {
                        // SAFETY: header and PC register lie in the block.
                        unsafe {
                            env_write(env, pc_info.offset, 8, cur_pc as u128);
                            (*hdr).fault_kind =
                                f.kind as u32 | if f.write { FAULT_WRITE } else { 0 };
                            (*hdr).exc_info = f.addr;
                            (*hdr).exit = ExitCode::Fault as u32;
                        }
                        return ExitCode::Fault;
                    }
                }
            }
            Shape::Fence => {
                let o = match inst.imm {
                    x if x == Ordering::Acquire as u64 => std::sync::atomic::Ordering::Acquire,
                    x if x == Ordering::Release as u64 => std::sync::atomic::Ordering::Release,
                    _ => std::sync::atomic::Ordering::SeqCst,
                };
                std::sync::atomic::fence(o);
                0
            }
            Shape::Call => {
                let Some(h) = block.helpers.get(inst.imm as usize) else {
                    continue;
                };
                // SAFETY: the PC is made exact so a helper that inspects or
                // faults sees the current instruction.
                unsafe {
                    if h.flags.reads_state || h.flags.may_fault {
                        env_write(env, pc_info.offset, 8, cur_pc as u128);
                    }
                    (*hdr).helper_fault = 0;
                }
                // SAFETY: helpers take the state block and i64 arguments
                // by contract (`HelperFn`).
                let r = unsafe { (h.func)(env, a as u64, b as u64, c() as u64) };
                // SAFETY: header access as above.
                if unsafe { (*hdr).helper_fault } != 0 {
                    // SAFETY: as above.
                    unsafe {
                        (*hdr).helper_fault = 0;
                        (*hdr).exit = ExitCode::Fault as u32;
                    }
                    return ExitCode::Fault;
                }
                r as u128
            }
            // Float and vector shapes.
            _ => eval_pure(inst.op, ty, aty(), inst.imm, a, b, c()),
        };
        vals[i] = mask(ty, r);
    }
    let term = block.term.unwrap_or(Terminal::Exception {
        kind: xlat_ir::ExceptionKind::Undefined,
        pc: block.pc,
        info: 0,
    });
    let (next, code) = match term {
        Terminal::Jump(t) | Terminal::Exit(t) => (t, ExitCode::Continue),
        Terminal::Call { target, .. } => (target, ExitCode::Continue),
        Terminal::Branch {
            cond,
            taken,
            not_taken,
        } => (
            if val(vals, cond) & 0xff != 0 {
                taken
            } else {
                not_taken
            },
            ExitCode::Continue,
        ),
        Terminal::JumpIndirect(v) | Terminal::Return(v) => {
            (val(vals, v) as u64, ExitCode::Continue)
        }
        Terminal::Exception { kind, pc, info } => {
            // SAFETY: header access as above.
            unsafe {
                (*hdr).exc_kind = kind as u32;
                (*hdr).exc_info = info;
            }
            (pc, ExitCode::Exception)
        }
    };
    // SAFETY: PC register and header lie in the state block.
    unsafe {
        env_write(env, pc_info.offset, pc_info.ty.bytes(), next as u128);
        (*hdr).exit = code as u32;
    }
    code
}

mod decoded;
#[cfg(target_arch = "x86_64")]
pub mod probe;
pub use decoded::{Decoded, MAX_DECODED_INSTS, run_decoded};

pub mod testutil;

#[cfg(test)]
mod tests;
