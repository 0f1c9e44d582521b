//! Whole-vector tests (`lower::lane_test`): the CR6 bits of PowerPC's
//! record-form vector compares, "every element true" and "no element
//! true", as the ppc64le frontend writes them (on the two doublewords of
//! the result), match the interpreter for equal, unequal and mixed lanes,
//! and compile to `vall_true` / `vany_true`.

use super::*;

/// CR6.LT ("all") and CR6.EQ ("none") in the test layout's flag bytes.
const ALL: u16 = 11;
const NONE: u16 = 13;

/// What the block's terminal tests.
#[derive(Copy, Clone, Debug)]
enum Test {
    /// `blt cr6`: a branch on "all".
    All,
    /// `bne cr6`: a branch if "none" is false.
    NotNone,
    /// No branch: both bits only written back.
    Neither,
}

/// The frontend's CR6.LT and CR6.EQ: `and(a) == -1` and `or(o) == 0`.
fn all_none(b: &mut Builder, a: [Value; 2], o: [Value; 2]) -> [Value; 2] {
    let both = b.and(a[0], a[1]);
    let ones = b.iconst(Type::I64, u64::MAX);
    let all = b.icmp(Cond::Eq, both, ones);
    let any = b.or(o[0], o[1]);
    let zero = b.iconst(Type::I64, 0);
    [all, b.icmp(Cond::Eq, any, zero)]
}

/// `v0 = op(l, v0, v1)` (with `op` None: `v0` as it is) and CR6 of it as
/// the ppc64le frontend writes it (`vcmpequb.` ...): LT =
/// `and(hi, lo) == -1`, EQ = `or(hi, lo) == 0`, GT and SO 0; then `test`.
fn record_compare(op: Option<Opcode>, l: Lanes, test: Test) -> Block {
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    let x = b.get(V0);
    let v = match op {
        Some(op) => {
            let y = b.get(V1);
            let v = b.push(op, Type::V128, [x, y, Value::NONE], l as u64);
            b.set(V0, v);
            v
        }
        None => x,
    };
    let hi = b.vextract(Lanes::I64x2, v, 1);
    let lo = b.vextract(Lanes::I64x2, v, 0);
    let [all, none] = all_none(&mut b, [hi, lo], [hi, lo]);
    let f = b.iconst(Type::I8, 0);
    b.set(r(ALL), all);
    b.set(r(12), f);
    b.set(r(NONE), none);
    b.set(r(14), f);
    b.insn_start(0x1004);
    let cond = match test {
        Test::All => Some(all),
        Test::NotNone => {
            let z = b.iconst(Type::I8, 0);
            Some(b.icmp(Cond::Eq, none, z))
        }
        Test::Neither => None,
    };
    b.terminate(match cond {
        Some(cond) => Terminal::Branch {
            cond,
            taken: 0x2000,
            not_taken: 0x3000,
        },
        None => Terminal::Exit(0x2000),
    });
    b.finish()
}

/// States with `v1` equal to `v0`, different in every byte, in one byte,
/// in one doubleword, and random; flags set to the opposite of a result.
fn lane_states() -> Vec<TState> {
    let mut rng = Rng(0x93);
    let mut st = Vec::new();
    for _ in 0..3 {
        let a = (rng.next() as u128) << 64 | rng.next() as u128;
        let c = (rng.next() as u128) << 64 | rng.next() as u128;
        for b in [
            a,
            !a,
            a ^ 0xff00,
            a ^ (0xffu128 << 120),
            a ^ (1u128 << 64),
            c,
        ] {
            st.push(TState {
                v: [a, b],
                f: [1, 1, 1, 1],
                ..TState::default()
            });
        }
    }
    st
}

/// States for the test of `v0` itself: all bits set, none, one bit clear
/// in either doubleword, one bit set, a lane mask, random.
fn vector_states() -> Vec<TState> {
    [
        u128::MAX,
        0,
        !1,
        !(1u128 << 127),
        !(1u128 << 64),
        1u128 << 63,
        0xffff_0000_ffff_0000_ffff_0000_ffff_0000,
        0x0123_4567_89ab_cdef_0f1e_2d3c_4b5a_6978,
    ]
    .into_iter()
    .map(|v| TState {
        v: [v, 0],
        f: [1, 1, 1, 1],
        ..TState::default()
    })
    .collect()
}

/// The CLIF of `blk` compiled at `OptLevel::Speed`, after Cranelift's
/// optimizations.
fn speed_clif(blk: &Block) -> String {
    jit(true)
        .compile_at(&[blk], OptLevel::Speed)
        .expect("compiles");
    LAST_CLIF.with(|c| c.borrow().clone())
}

#[test]
fn record_compares_set_cr6_as_the_interpreter() {
    let env = Env::new(true);
    let states = lane_states();
    for op in [Opcode::Vcmpeq, Opcode::Vcmpugt, Opcode::Vcmpsgt] {
        for l in [Lanes::I8x16, Lanes::I16x8, Lanes::I32x4, Lanes::I64x2] {
            for test in [Test::All, Test::NotNone, Test::Neither] {
                let blk = record_compare(Some(op), l, test);
                compare(&blk, &states, &env, Cmp::Exact);
                let clif = speed_clif(&blk);
                assert!(
                    clif.contains("vall_true") && clif.contains("vany_true"),
                    "{op:?} {l:?} {test:?}: no whole-vector test\n{clif}"
                );
                assert!(
                    !clif.contains("extractlane"),
                    "{op:?} {l:?} {test:?}: lanes still extracted\n{clif}"
                );
                if op == Opcode::Vcmpeq {
                    // "All" of an equality is the equality of the
                    // operands (`pxor`, `ptest`), not of the result with
                    // all ones.
                    assert!(
                        !clif.contains("vconst"),
                        "{l:?} {test:?}: compared with all ones\n{clif}"
                    );
                }
            }
        }
    }
}

#[test]
fn any_vector_is_tested_whole() {
    let env = Env::new(true);
    let states = vector_states();
    for test in [Test::All, Test::NotNone, Test::Neither] {
        let blk = record_compare(None, Lanes::I8x16, test);
        compare(&blk, &states, &env, Cmp::Exact);
        let clif = speed_clif(&blk);
        assert!(
            clif.contains("vall_true") && clif.contains("vany_true"),
            "{test:?}: no whole-vector test\n{clif}"
        );
    }
}

/// The pattern is only the doubleword pair of one vector: other `and`s
/// and `or`s of lanes, or of other values, are compared as written.
#[test]
fn other_lane_combinations_are_not_taken_for_a_test() {
    let env = Env::new(true);
    let states = lane_states();
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    let x = b.get(V0);
    let y = b.get(V1);
    // Lane 1 of two different vectors; the same lane twice.
    let hx = b.vextract(Lanes::I64x2, x, 1);
    let hy = b.vextract(Lanes::I64x2, y, 1);
    let lx = b.vextract(Lanes::I64x2, x, 1);
    let [all, none] = all_none(&mut b, [hx, hy], [hx, lx]);
    b.set(r(ALL), all);
    b.set(r(NONE), none);
    b.terminate(Terminal::Exit(0x2000));
    let blk = b.finish();
    compare(&blk, &states, &env, Cmp::Exact);
    let clif = speed_clif(&blk);
    assert!(
        !clif.contains("vall_true") && !clif.contains("vany_true"),
        "taken for a whole-vector test\n{clif}"
    );
}
