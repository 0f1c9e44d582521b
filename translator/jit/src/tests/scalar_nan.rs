//! One NaN test per chain of scalar float ops (`lower/scalar_nan.rs`):
//! the number of unordered compares in the compiled function, and every
//! result (registers, V registers, memory) against the interpreter bit
//! for bit when a chain makes or carries a NaN.

use super::*;

/// `op(x, y)` followed by its `fnan` by `rule` (as the frontends write a
/// scalar float op).
fn op_nan(b: &mut Builder, ft: Type, op: Opcode, x: Value, y: Value, rule: NanRule) -> Value {
    let y = if op == Opcode::Fsqrt { x } else { y };
    let r = if op == Opcode::Fsqrt {
        b.push(op, ft, [x, Value::NONE, Value::NONE], 0)
    } else {
        b.push(op, ft, [x, y, Value::NONE], 0)
    };
    b.push(Opcode::Fnan, ft, [r, x, y], rule as u64)
}

/// The float `f` as a V register value (zero-extended, AArch64's `d0`).
fn to_vector(b: &mut Builder, f: Value, ft: Type) -> Value {
    let x = b.bitcast(Type::int(ft.bits()), f);
    let x = b.zext(Type::I128, x);
    b.bitcast(Type::V128, x)
}

/// The float in the low bits of V register value `v`.
fn from_vector(b: &mut Builder, v: Value, ft: Type) -> Value {
    let x = b.bitcast(Type::I128, v);
    let x = b.trunc(Type::int(ft.bits()), x);
    b.bitcast(ft, x)
}

/// States with quiet and signalling NaNs (with payloads, either sign),
/// infinities, zeros and ordinary values in r0, r1 and r4.
fn chain_states(ft: Type) -> Vec<TState> {
    let vals: Vec<u64> = if ft == Type::F64 {
        vec![
            0x7ff8_0000_0000_0123,
            0xfff8_0000_0000_0045,
            0x7ff0_0000_0000_0067,
            0xfff4_0000_0000_0089,
            f64::INFINITY.to_bits(),
            f64::NEG_INFINITY.to_bits(),
            0,
            (-0.0f64).to_bits(),
            1.5f64.to_bits(),
            (-3.0f64).to_bits(),
        ]
    } else {
        vec![
            0x7fc0_0123,
            0xffc0_0045,
            0x7f80_0067,
            0xffa0_0089,
            f32::INFINITY.to_bits().into(),
            f32::NEG_INFINITY.to_bits().into(),
            0,
            (-0.0f32).to_bits().into(),
            1.5f32.to_bits().into(),
            (-3.0f32).to_bits().into(),
        ]
    };
    let n = vals.len();
    let mut st = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let mut s = TState::default();
            (s.r[0], s.r[1], s.r[4]) = (vals[i], vals[j], vals[(i + 2 * j + 1) % n]);
            s.v[0] = u128::from(vals[(i + j) % n]) << 64 | u128::from(vals[j]);
            s.v[1] = u128::from(vals[i]) << 64 | u128::from(vals[(i + 3) % n]);
            st.push(s);
        }
    }
    st
}

/// A block of scalar float ops on r0, r1, r4 (as `x`, `y`, `z`) of shape
/// `shape` (see [`scalar_float_chains_test_nans_once`]), and the number of
/// NaN tests it should compile to.
fn chain_block(ft: Type, rule: NanRule, shape: usize) -> (Block, usize) {
    let mut b = Builder::new(&LAYOUT, 0x1000);
    let (x, y, z) = fvals(&mut b, ft);
    let want = match shape {
        // A chain: each op reads the one before; the intermediate
        // results are written to V registers too.
        0 => {
            let p = op_nan(&mut b, ft, Opcode::Fmul, x, y, rule);
            let pv = to_vector(&mut b, p, ft);
            b.set(V0, pv);
            let q = op_nan(&mut b, ft, Opcode::Fsub, p, z, rule);
            let qv = to_vector(&mut b, q, ft);
            b.set(V1, qv);
            let s = op_nan(&mut b, ft, Opcode::Fsqrt, q, q, rule);
            let t = op_nan(&mut b, ft, Opcode::Fdiv, s, x, rule);
            fresult(&mut b, t, ft);
            1
        }
        // nbody's distance: d = x - y and e = z - x into V registers,
        // read back from them, d*d + e*e: the sum's test covers all five.
        1 => {
            let d = op_nan(&mut b, ft, Opcode::Fsub, x, y, rule);
            let dv = to_vector(&mut b, d, ft);
            b.set(V0, dv);
            let e = op_nan(&mut b, ft, Opcode::Fsub, z, x, rule);
            let ev = to_vector(&mut b, e, ft);
            b.set(V1, ev);
            let d = from_vector(&mut b, dv, ft);
            let e = from_vector(&mut b, ev, ft);
            let d2 = op_nan(&mut b, ft, Opcode::Fmul, d, d, rule);
            let e2 = op_nan(&mut b, ft, Opcode::Fmul, e, e, rule);
            let s = op_nan(&mut b, ft, Opcode::Fadd, d2, e2, rule);
            fresult(&mut b, s, ft);
            1
        }
        // Three independent results: two per unordered compare.
        2 => {
            let p = op_nan(&mut b, ft, Opcode::Fmul, x, y, rule);
            let q = op_nan(&mut b, ft, Opcode::Fadd, z, x, rule);
            let s = op_nan(&mut b, ft, Opcode::Fdiv, y, z, rule);
            let pv = to_vector(&mut b, p, ft);
            b.set(V0, pv);
            let qv = to_vector(&mut b, q, ft);
            b.set(V1, qv);
            fresult(&mut b, s, ft);
            2
        }
        // A compare of the first result stands between: it is tested
        // there, the second on its own.
        3 => {
            let p = op_nan(&mut b, ft, Opcode::Fmul, x, y, rule);
            let c = b.push(
                Opcode::Fcmp,
                Type::I8,
                [p, z, Value::NONE],
                FCond::Lt as u64,
            );
            let c = b.zext(Type::I64, c);
            b.set(r(3), c);
            let q = op_nan(&mut b, ft, Opcode::Fadd, p, z, rule);
            fresult(&mut b, q, ft);
            2
        }
        // A store of the first result stands between (memory compared).
        4 => {
            let p = op_nan(&mut b, ft, Opcode::Fmul, x, y, rule);
            let bits = b.bitcast(Type::int(ft.bits()), p);
            let a = b.i64(0x1000);
            b.store(a, bits, MemFlags::new((ft.bits() / 8) as u8));
            let q = op_nan(&mut b, ft, Opcode::Fadd, p, z, rule);
            fresult(&mut b, q, ft);
            2
        }
        // A vector op on other registers between two ops of a chain
        // leaves the chain alone (its own test, the chain's one).
        6 => {
            let p = op_nan(&mut b, ft, Opcode::Fmul, x, y, rule);
            let (n, m) = (b.get(V0), b.get(V1));
            let w = lane_op(&mut b, Lanes::I64x2, Type::F64, Opcode::Fsub, n, m);
            b.set(V1, w);
            let q = op_nan(&mut b, ft, Opcode::Fadd, p, z, rule);
            fresult(&mut b, q, ft);
            2
        }
        // A vector op reading a chain's value (through the V register it
        // was written to) gets it tested.
        7 => {
            let p = op_nan(&mut b, ft, Opcode::Fmul, x, y, rule);
            let pv = to_vector(&mut b, p, ft);
            b.set(V0, pv);
            let m = b.get(V1);
            let w = lane_op(&mut b, Lanes::I64x2, Type::F64, Opcode::Fadd, pv, m);
            b.set(V1, w);
            let q = op_nan(&mut b, ft, Opcode::Fsub, z, p, rule);
            fresult(&mut b, q, ft);
            3
        }
        // The product step of a fused multiply-add reads the first
        // result: its rule may turn a NaN into a number, so the first is
        // tested before it.
        _ => {
            let p = op_nan(&mut b, ft, Opcode::Fsub, x, y, rule);
            let m = b.push(Opcode::Fmul, ft, [p, z, Value::NONE], 0);
            let m = b.push(Opcode::Fnan, ft, [m, p, z], NanRule::ArmMul as u64);
            let pv = to_vector(&mut b, p, ft);
            b.set(V0, pv);
            fresult(&mut b, m, ft);
            2
        }
    };
    b.terminate(Terminal::Jump(0));
    (b.finish(), want)
}

/// Scalar float ops whose results feed each other test for NaNs once, at
/// the chain's end (a NaN anywhere in it reaches that result); independent
/// results two at a time; a reader that is not part of a chain (a compare,
/// a store, a fused multiply-add step, a vector op) gets a tested value;
/// a vector op on other values between leaves the chain alone. With quiet and
/// signalling NaNs, infinities (infinity minus infinity, zero times
/// infinity) and zeros (square roots of negatives, zero over zero) in the
/// inputs, every register, V register and memory byte is the
/// interpreter's, for Arm's rule and Power's. Without the chains, shapes 0
/// and 1 compile to 4 and 3 tests.
#[test]
fn scalar_float_chains_test_nans_once() {
    let env = Env::new(true);
    for ft in [Type::F32, Type::F64] {
        let st = chain_states(ft);
        for rule in [NanRule::Arm, NanRule::Power] {
            for shape in 0..8 {
                let (blk, want) = chain_block(ft, rule, shape);
                jit(true).compile(&[&blk]).unwrap();
                let clif = LAST_CLIF.with(|c| c.borrow().clone());
                let tests = clif.matches("fcmp uno").count();
                assert_eq!(tests, want, "{ft:?} {rule:?} shape {shape}:\n{clif}");
                compare(&blk, &st, &env, Cmp::Exact);
            }
        }
    }
}

/// Two vector float ops chained for one NaN test (see
/// `chained_vector_float_ops_share_one_nan_test`) stay chained across pure
/// ops between them that do not read the first result: a scalar op and
/// its `fnan` written into a lane of another V register (ppc64le nbody's
/// `fmul` between two `xvmuldp`) and a lane permute (`xxspltd`). Every
/// register, V register and memory byte matches the interpreter on NaNs
/// (quiet, signalling, with payloads), infinities and zeros, Arm's and
/// Power's rules; before, each vector op kept its own test (2).
#[test]
fn vector_float_chain_spans_independent_scalar_ops() {
    let env = Env::new(true);
    let (lanes, ft) = (Lanes::I64x2, Type::F64);
    let st = chain_states(ft);
    for rule in [NanRule::Arm, NanRule::Power] {
        for (op1, op2) in [(Opcode::Fmul, Opcode::Fadd), (Opcode::Fsub, Opcode::Fmul)] {
            let mut b = Builder::new(&LAYOUT, 0x1000);
            let (x, y) = (b.get(V0), b.get(V1));
            let p1 = lane_op(&mut b, lanes, ft, op1, x, y);
            b.set(V1, p1);
            // Independent scalar op, its result in lane 1 of a fresh
            // vector (PowerPC's FPR view), and a permute of `x`.
            let a = b.get(r(0));
            let a = b.bitcast(ft, a);
            let c = b.get(r(1));
            let c = b.bitcast(ft, c);
            let s = op_nan(&mut b, ft, Opcode::Fmul, a, c, rule);
            let sb = b.bitcast(Type::I64, s);
            let z = b.iconst(Type::V128, 0);
            let fv = b.vinsert(lanes, z, sb, 1);
            let l = b.vextract(lanes, fv, 1);
            b.set(r(2), l);
            let sp = b.vzip2(lanes, x, x);
            let p2 = lane_op(&mut b, lanes, ft, op2, sp, p1);
            b.set(V0, p2);
            let (blk, clif, tests) = vector_nan_tests(b);
            assert_eq!(tests, 1, "{rule:?} {op1:?} {op2:?}:\n{clif}");
            compare(&blk, &st, &env, Cmp::Exact);
        }
    }
}

/// Vector float chains for one NaN test: two untested results read by
/// the same later op (`p1 * q1`-like sums of products: `xvmuldp`,
/// `xvmuldp`, `xvadddp`) are both fixed by its slow path (before, the
/// second replaced the first, whose NaN lanes stayed the host's: x86's
/// negative default NaN in V1 and in the sum); a chain of three (ppc64le
/// nbody's `xvmuldp`, `xvmuldp`, `xvadddp` on `vs0`) tests once. Every
/// register and V register matches the interpreter on NaNs, infinities
/// (infinity times zero, infinity minus infinity) and zeros.
#[test]
fn vector_float_chains_of_several_ops() {
    let env = Env::new(true);
    let (lanes, ft) = (Lanes::I64x2, Type::F64);
    let st = chain_states(ft);
    for (op1, op2) in [
        (Opcode::Fmul, Opcode::Fadd),
        (Opcode::Fsub, Opcode::Fmul),
        (Opcode::Fmul, Opcode::Fsub),
    ] {
        // 0: two results read by one op; 1: a chain of three, each read
        // by the next; 2: a chain of three, the register set to each; 3:
        // the register set to the first read between the second and the
        // third (the first is tested with the second, the third alone).
        for shape in 0..4 {
            let mut b = Builder::new(&LAYOUT, 0x1000);
            let (x, y) = (b.get(V0), b.get(V1));
            let p1 = lane_op(&mut b, lanes, ft, op1, x, y);
            b.set(V1, p1);
            let (p3, want) = if shape == 0 {
                let q1 = lane_op(&mut b, lanes, ft, op1, y, x);
                (lane_op(&mut b, lanes, ft, op2, p1, q1), 1)
            } else {
                let p2 = lane_op(&mut b, lanes, ft, op1, p1, y);
                if shape == 2 {
                    b.set(V1, p2);
                }
                if shape == 3 {
                    let g = b.get(V1);
                    let l = b.vextract(lanes, g, 1);
                    b.set(r(2), l);
                }
                (
                    lane_op(&mut b, lanes, ft, op2, p2, x),
                    1 + usize::from(shape == 3),
                )
            };
            b.set(V0, p3);
            let (blk, clif, tests) = vector_nan_tests(b);
            compare(&blk, &st, &env, Cmp::Exact);
            assert_eq!(tests, want, "{op1:?} {op2:?} shape {shape}:\n{clif}");
        }
    }
}
