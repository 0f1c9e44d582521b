//! Doubleword swaps through vector float ops (`lower/vsx_swaps.rs`):
//! PowerPC's `lxvd2x`, lane-wise ops and `stxvd2x` keep no swap on the
//! fast path, and every result (registers, V registers, memory) matches
//! the interpreter bit for bit, NaN fix-up slow paths included.

use super::*;

/// The ppc64le frontend's doubleword swap (`lxvd2x`, `stxvd2x`).
fn swap(b: &mut Builder, v: Value) -> Value {
    b.push(
        Opcode::Vext,
        Type::V128,
        [v, v, Value::NONE],
        Lanes::I64x2 as u64 | 8 << 8,
    )
}

/// `xvOPdp n, m` as the ppc64le frontend writes it: per lane the op and
/// its `fnan` by Power's rule.
fn xv_op(b: &mut Builder, op: Opcode, n: Value, m: Value) -> Value {
    let mut acc = b.iconst(Type::V128, 0);
    for k in 0..2 {
        let x = b.vextract(Lanes::I64x2, n, k);
        let x = b.bitcast(Type::F64, x);
        let y = b.vextract(Lanes::I64x2, m, k);
        let y = b.bitcast(Type::F64, y);
        let r = b.push(op, Type::F64, [x, y, Value::NONE], 0);
        let f = b.push(Opcode::Fnan, Type::F64, [r, x, y], NanRule::Power as u64);
        let z = b.bitcast(Type::I64, f);
        acc = b.vinsert(Lanes::I64x2, acc, z, k);
    }
    acc
}

/// `shuffle` instructions outside cold blocks of a printed function.
fn fast_shuffles(clif: &str) -> usize {
    let mut cold = false;
    let mut n = 0;
    for line in clif.lines() {
        let t = line.trim_start();
        if t.starts_with("block") && t.ends_with(':') {
            cold = t.ends_with(" cold:");
        } else if !cold && t.contains("= shuffle") {
            n += 1;
        }
    }
    n
}

/// Float bits at 0x1000 + 8 k: NaNs of either sign (quiet with payloads,
/// signalling), infinities, zeros and ordinary values, so that the
/// products and sums make NaNs from NaN operands and from infinity times
/// zero in either lane.
const F64S: [u64; 9] = [
    0x3ff8_0000_0000_0000,
    0,
    0x7ff0_0000_0000_0000,
    0x7ff8_0000_0000_0123,
    0x7ff0_0000_0000_0456,
    0xc008_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0xfff8_0000_0000_0789,
    0x4000_0000_0000_0000,
];

/// Memory with [`F64S`] at 0x1000 (one more repeats the first, so every
/// 16-byte load at 0x1000 + 8 k holds two), and states whose r0 and r1
/// point at every pair of them, r2 at 0x4000 (the first result), r3 at
/// 0x4010 (the second) or one more pair.
fn memory_and_states() -> (Env, Vec<TState>) {
    let env = Env::new(true);
    let mut mem = env.dmem.snapshot();
    for k in 0..=F64S.len() {
        let at = 0x1000 + 8 * k;
        mem[at..at + 8].copy_from_slice(&F64S[k % F64S.len()].to_le_bytes());
    }
    env.dmem.restore(&mem);
    let mut st = Vec::new();
    let n = F64S.len() as u64;
    for i in 0..n {
        for j in 0..n {
            let mut s = TState::default();
            s.r[0] = 0x1000 + 8 * i;
            s.r[1] = 0x1000 + 8 * j;
            s.r[2] = 0x4000;
            s.r[3] = if (i + j) % 2 == 0 {
                0x4010
            } else {
                0x1000 + 8 * ((i + j) % n)
            };
            st.push(s);
        }
    }
    (env, st)
}

/// `lxvd2x` of two vectors, a product (a chain link), a sum of the
/// product and the first vector (the chain's end), a difference tested
/// alone, both results stored with `stxvd2x` and `xxspltd` of the first
/// vector into v0; `shape` 1 also sets v1 to the product (its register
/// gets the tested value in guest lane order). The fast path keeps no
/// swap but the one the written-back registers need (the `xxspltd`
/// itself is one permute): 1 or 2 shuffles, not 5 or 6.
#[test]
fn lxvd2x_op_stxvd2x_chains_keep_no_swap_and_match_the_interpreter() {
    let (env, st) = memory_and_states();
    for shape in 0..2 {
        let mut b = Builder::new(&LAYOUT, 0x1000);
        let (a, c) = (b.get(r(0)), b.get(r(1)));
        let la = b.load(Type::V128, a, MemFlags::new(16));
        let x = swap(&mut b, la);
        let lc = b.load(Type::V128, c, MemFlags::new(16));
        let y = swap(&mut b, lc);
        let p = xv_op(&mut b, Opcode::Fmul, x, y);
        if shape == 1 {
            b.set(V1, p);
        }
        let q = xv_op(&mut b, Opcode::Fadd, p, x);
        let d = xv_op(&mut b, Opcode::Fsub, y, x);
        let (o2, o3) = (b.get(r(2)), b.get(r(3)));
        let sq = swap(&mut b, q);
        b.store(o2, sq, MemFlags::new(16));
        let sd = swap(&mut b, d);
        b.store(o3, sd, MemFlags::new(16));
        let z = b.push(
            Opcode::Vzip1,
            Type::V128,
            [x, x, Value::NONE],
            Lanes::I64x2 as u64,
        );
        b.set(V0, z);
        b.terminate(Terminal::Jump(0));
        let blk = b.finish();
        jit(true).compile(&[&blk]).unwrap();
        let clif = LAST_CLIF.with(|c| c.borrow().clone());
        assert_eq!(fast_shuffles(&clif), 1 + shape, "shape {shape}:\n{clif}");
        assert_eq!(clif.matches("vany_true").count(), 2, "{clif}");
        compare(&blk, &st, &env, Cmp::Exact);
    }
}

/// Matmul's shape with a splat (`lxvdsx`): `xvmuldp` of the splat and an
/// `lxvd2x`, `xvadddp` of another `lxvd2x` and the product, `stxvd2x` of
/// the sum. A splat is its own swap, so no swap is left on the fast path
/// (three before: both loads' and the store's); results match the
/// interpreter, NaN fix-ups included.
#[test]
fn a_splat_takes_part_in_swapped_ops_as_it_is() {
    let (env, st) = memory_and_states();
    let mut b = Builder::new(&LAYOUT, 0x1000);
    let (a, c, o, e) = (b.get(r(0)), b.get(r(1)), b.get(r(2)), b.get(r(3)));
    let d = b.load(Type::I64, e, MemFlags::new(8));
    let w = b.push(
        Opcode::Vsplat,
        Type::V128,
        [d, Value::NONE, Value::NONE],
        Lanes::I64x2 as u64,
    );
    let la = b.load(Type::V128, a, MemFlags::new(16));
    let x = swap(&mut b, la);
    let lc = b.load(Type::V128, c, MemFlags::new(16));
    let y = swap(&mut b, lc);
    let p = xv_op(&mut b, Opcode::Fmul, w, x);
    let s = xv_op(&mut b, Opcode::Fadd, y, p);
    let ss = swap(&mut b, s);
    b.store(o, ss, MemFlags::new(16));
    b.terminate(Terminal::Jump(0));
    let blk = b.finish();
    jit(true).compile(&[&blk]).unwrap();
    let clif = LAST_CLIF.with(|c| c.borrow().clone());
    assert_eq!(fast_shuffles(&clif), 0, "{clif}");
    compare(&blk, &st, &env, Cmp::Exact);
}
