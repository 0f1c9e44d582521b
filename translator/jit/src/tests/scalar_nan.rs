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
