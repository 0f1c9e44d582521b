//! Advanced SIMD and scalar FP instructions. Encodings from
//! `aarch64-linux-gnu-objdump -d`.

mod common;
use common::*;
use xlat_frontend_aarch64::Aarch64State;

fn bytes(v: u128) -> [u8; 16] {
    v.to_le_bytes()
}

fn from_bytes(f: impl Fn(usize) -> u8) -> u128 {
    u128::from_le_bytes(std::array::from_fn(f))
}

fn st3(v0: u128, v1: u128, v2: u128) -> Aarch64State {
    let mut s = state(&[]);
    s.v[0] = v0;
    s.v[1] = v1;
    s.v[2] = v2;
    s
}

/// v1 = bytes 0..16, v2 = bytes 0x10, 0x0f, 0x30, 0x0d, ... (mixed).
fn v1() -> u128 {
    from_bytes(|k| k as u8)
}
fn v2() -> u128 {
    from_bytes(|k| {
        if k % 2 == 0 {
            (k as u8) << 4
        } else {
            16 - k as u8
        }
    })
}

fn vrun(w: u32) -> u128 {
    run(&[w], &st3(u128::MAX, v1(), v2())).st.v[0]
}

#[test]
fn modified_immediate() {
    let r = |w: u32, d: usize| {
        let mut s = state(&[]);
        s.v[d] = u128::MAX;
        run(&[w], &s).st.v[d]
    };
    assert_eq!(
        r(0x4f010400, 0),
        from_bytes(|k| if k % 4 == 0 { 0x20 } else { 0 })
    );
    assert_eq!(r(0x4f01e5c1, 1), from_bytes(|_| 0x2e));
    assert_eq!(
        r(0x6f000422, 2),
        from_bytes(|k| if k % 4 == 0 { 0xfe } else { 0xff })
    );
    assert_eq!(r(0x2f05e543, 3), 0xff00_ff00_ff00_ff00); // movi d3: upper zeroed
    assert_eq!(r(0x6f07e7e4, 4), u128::MAX);
    // bic v5.8h, #0xf, lsl #8: clears bits 8..11 of each halfword
    assert_eq!(
        r(0x6f00b5e5, 5),
        from_bytes(|k| if k % 2 == 1 { 0xf0 } else { 0xff })
    );
}

#[test]
fn copies() {
    let mut s = st3(0, v1(), v2());
    s.x[1] = 0x1122_3344_5566_77ab;
    assert_eq!(run(&[0x4e010c20], &s).st.v[0], from_bytes(|_| 0xab)); // dup v0.16b, w1
    let x = s.x[1] as u128;
    assert_eq!(run(&[0x4e080c20], &s).st.v[0], x | (x << 64)); // dup v0.2d, x1
    // dup v0.4s, v1.s[1] -> 0x07060504 in every lane
    assert_eq!(
        run(&[0x4e0c0420], &s).st.v[0],
        from_bytes(|k| 4 + (k % 4) as u8)
    );
    assert_eq!(run(&[0x0e073c20], &s).st.x[0], 3); // umov w0, v1.b[3]
    assert_eq!(run(&[0x4e183c20], &s).st.x[0], 0x0f0e_0d0c_0b0a_0908); // mov x0, v1.d[1]
    let r = run(&[0x4e181c20], &s).st.v[0]; // mov v0.d[1], x1
    assert_eq!(r, x << 64);
    let r = run(&[0x6e140420], &s).st.v[0]; // mov v0.s[2], v1.s[0]
    assert_eq!(r, 0x0302_0100u128 << 64);
    let mut s2 = s.clone_state();
    s2.v[1] = 0x8001_0000;
    assert_eq!(run(&[0x4e062c20], &s2).st.x[0], 0xffff_ffff_ffff_8001); // smov x0, v1.h[1]
}

trait CloneState {
    fn clone_state(&self) -> Aarch64State;
}
impl CloneState for Aarch64State {
    fn clone_state(&self) -> Aarch64State {
        let mut n = state(&[]);
        n.x = self.x;
        n.v = self.v;
        n
    }
}

#[test]
fn logical_and_arith() {
    let (a, b, d) = (v1(), v2(), u128::MAX);
    assert_eq!(vrun(0x4e221c20), a & b);
    assert_eq!(
        vrun(0x0ea21c20),
        (a | b) & u64::MAX as u128,
        "8b form zeroes upper half"
    );
    assert_eq!(vrun(0x6e221c20), a ^ b);
    assert_eq!(vrun(0x4e621c20), a & !b);
    assert_eq!(vrun(0x6e621c20), (d & a) | (!d & b)); // bsl with d = all ones -> a
    let mut s = st3(0x00ff_00ff, a, b);
    assert_eq!(run(&[0x6ea21c20], &s).st.v[0], (0x00ff_00ff & !b) | (a & b)); // bit
    s.v[0] = 0x00ff_00ff;
    assert_eq!(run(&[0x6ee21c20], &s).st.v[0], (0x00ff_00ff & b) | (a & !b)); // bif
    let lanes32 = |v: u128| -> [u32; 4] { std::array::from_fn(|k| (v >> (32 * k)) as u32) };
    let sum = vrun(0x4ea28420);
    for k in 0..4 {
        assert_eq!(lanes32(sum)[k], lanes32(a)[k].wrapping_add(lanes32(b)[k]));
    }
    let diff = vrun(0x6ee28420);
    assert_eq!(diff as u64, (a as u64).wrapping_sub(b as u64));
}

#[test]
fn compares() {
    let (a, b) = (bytes(v1()), bytes(v2()));
    let m = |f: &dyn Fn(u8, u8) -> bool| from_bytes(|k| if f(a[k], b[k]) { 0xff } else { 0 });
    assert_eq!(vrun(0x6e228c20), m(&|x, y| x == y));
    assert_eq!(vrun(0x6e223c20), m(&|x, y| x >= y));
    assert_eq!(vrun(0x4e228c20), m(&|x, y| x & y != 0));
    assert_eq!(
        vrun(0x4e209820),
        from_bytes(|k| if a[k] == 0 { 0xff } else { 0 })
    );
    // cmhi .8h / cmgt .4s on halfword/word lanes
    let h = |v: u128, k: usize| (v >> (16 * k)) as u16;
    let r = vrun(0x6e623420);
    for k in 0..8 {
        let want = if h(v1(), k) > h(v2(), k) { 0xffff } else { 0 };
        assert_eq!(h(r, k), want);
    }
    let mut s = st3(0, 0xffff_ffffu128, 1); // -1 > 1 is false (signed)
    assert_eq!(run(&[0x4ea23420], &s).st.v[0] as u32, 0);
    s.v[1] = 2;
    assert_eq!(run(&[0x4ea23420], &s).st.v[0] as u32, u32::MAX);
}

#[test]
fn pairwise_and_across() {
    let (a, b) = (bytes(v1()), bytes(v2()));
    let addp = from_bytes(|k| {
        let src = if k < 8 { &a } else { &b };
        let j = (k % 8) * 2;
        src[j].wrapping_add(src[j + 1])
    });
    assert_eq!(vrun(0x4e22bc20), addp);
    let umaxp = from_bytes(|k| {
        let src = if k < 8 { &a } else { &b };
        let j = (k % 8) * 2;
        src[j].max(src[j + 1])
    });
    assert_eq!(vrun(0x6e22a420), umaxp);
    let uminp = from_bytes(|k| {
        let src = if k < 8 { &a } else { &b };
        let j = (k % 8) * 2;
        src[j].min(src[j + 1])
    });
    assert_eq!(vrun(0x6e22ac20), uminp);
    assert_eq!(vrun(0x6e226420), from_bytes(|k| a[k].max(b[k])));
    assert_eq!(vrun(0x4e31b820), (0..16u32).sum::<u32>() as u128 & 0xff); // addv
    let mut s = st3(u128::MAX, from_bytes(|k| 200 - k as u8), 0);
    assert_eq!(run(&[0x6e31a820], &s).st.v[0], 185); // uminv b0
    s.v[1] = 0x0001_8000_7fff;
    assert_eq!(run(&[0x6e70a820], &s).st.v[0], 0x8000); // umaxv h0
}

#[test]
fn misc_and_shifts() {
    let a = bytes(v1());
    assert_eq!(vrun(0x6e205820), !v1());
    assert_eq!(
        vrun(0x0e205820),
        from_bytes(|k| if k < 8 { a[k].count_ones() as u8 } else { 0 })
    );
    // rev64 .4s swaps the words in each doubleword
    assert_eq!(
        vrun(0x4ea00820),
        from_bytes(|k| a[(k / 8) * 8 + (k % 8 + 4) % 8])
    );
    assert_eq!(vrun(0x6e200820), from_bytes(|k| a[(k / 4) * 4 + 3 - k % 4]));
    // xtn v0.2s, v1.2d: low words of each doubleword
    assert_eq!(
        vrun(0x0ea12820),
        from_bytes(|k| if k < 4 {
            a[k]
        } else if k < 8 {
            a[k + 4]
        } else {
            0
        })
    );
    // shrn v0.8b, v1.8h, #4
    let h = |k: usize| u16::from_le_bytes([a[2 * k], a[2 * k + 1]]);
    assert_eq!(
        vrun(0x0f0c8420),
        from_bytes(|k| if k < 8 { (h(k) >> 4) as u8 } else { 0 })
    );
    assert_eq!(
        vrun(0x6f780420),
        ((v1() as u64 >> 8) as u128) | (((v1() >> 64) as u64 >> 8) as u128) << 64
    );
    let w = |v: u128, k: usize| (v >> (32 * k)) as u32;
    let r = vrun(0x4f235420);
    for k in 0..4 {
        assert_eq!(w(r, k), w(v1(), k) << 3);
    }
    let s = st3(0, from_bytes(|k| if k % 2 == 0 { 0x80 } else { 0x7f }), 0);
    assert_eq!(
        run(&[0x4f090420], &s).st.v[0],
        from_bytes(|k| if k % 2 == 0 { 0xff } else { 0 })
    );
}

#[test]
fn permutes_ext_tbl() {
    let (a, b) = (bytes(v1()), bytes(v2()));
    let w = |x: &[u8; 16], k: usize| -> [u8; 4] { x[4 * k..4 * k + 4].try_into().unwrap() };
    let uzp1: Vec<u8> = [w(&a, 0), w(&a, 2), w(&b, 0), w(&b, 2)].concat();
    assert_eq!(bytes(vrun(0x4e821820)).to_vec(), uzp1);
    assert_eq!(
        vrun(0x4e023820),
        from_bytes(|k| if k % 2 == 0 { a[k / 2] } else { b[k / 2] })
    );
    // trn2 .8h: odd halfwords of a and b interleaved
    let h = |x: &[u8; 16], k: usize| u16::from_le_bytes([x[2 * k], x[2 * k + 1]]);
    let r = bytes(vrun(0x4e426820));
    for p in 0..4 {
        assert_eq!(h(&r, 2 * p), h(&a, 2 * p + 1));
        assert_eq!(h(&r, 2 * p + 1), h(&b, 2 * p + 1));
    }
    assert_eq!(
        vrun(0x6e021820),
        from_bytes(|k| if k + 3 < 16 { a[k + 3] } else { b[k + 3 - 16] })
    );
    // tbl: indices b[k] into table a (out of range -> 0)
    assert_eq!(
        vrun(0x4e020020),
        from_bytes(|k| if b[k] < 16 { a[b[k] as usize] } else { 0 })
    );
}

#[test]
fn widening() {
    let (a, b) = (v1(), v2());
    let d = |v: u128, k: usize| (v >> (64 * k)) as u64;
    let s = |v: u128, k: usize| (v >> (32 * k)) as u32 as u64;
    let r = vrun(0x2ea21020); // uaddw v0.2d, v1.2d, v2.2s
    assert_eq!((d(r, 0), d(r, 1)), (d(a, 0) + s(b, 0), d(a, 1) + s(b, 1)));
    let r = bytes(vrun(0x2e22c020)); // umull v0.8h, v1.8b, v2.8b
    let (ab, bb) = (bytes(a), bytes(b));
    for k in 0..8 {
        let got = u16::from_le_bytes([r[2 * k], r[2 * k + 1]]);
        assert_eq!(got, ab[k] as u16 * bb[k] as u16);
    }
}

fn fp_state(d1: f64, d2: f64) -> Aarch64State {
    let mut s = state(&[]);
    s.v[0] = u128::MAX;
    s.v[1] = d1.to_bits() as u128 | (0xdead_u128 << 64);
    s.v[2] = d2.to_bits() as u128;
    s.v[3] = 1.5f64.to_bits() as u128;
    s
}

fn fps(a: f32, b: f32) -> Aarch64State {
    let mut s = state(&[]);
    s.v[1] = a.to_bits() as u128;
    s.v[2] = b.to_bits() as u128;
    s
}

#[test]
fn fp_moves() {
    let mut s = fp_state(2.0, 0.0);
    s.x[1] = 0x4000_0000_0000_0000;
    assert_eq!(run(&[0x9e660020], &s).st.x[0], 2.0f64.to_bits()); // fmov x0, d1
    assert_eq!(run(&[0x9e670020], &s).st.v[0], 0x4000_0000_0000_0000); // fmov d0, x1
    assert_eq!(run(&[0x1e270020], &s).st.v[0], 0); // fmov s0, w1 (low word 0)
    assert_eq!(run(&[0x9eae0020], &s).st.x[0], 0xdead); // fmov x0, v1.d[1]
    assert_eq!(run(&[0x1e2e1000], &s).st.v[0], 1.0f32.to_bits() as u128);
    assert_eq!(run(&[0x1e709000], &s).st.v[0], (-2.5f64).to_bits() as u128);
}

#[test]
fn fp_arith() {
    let d0 = |w: u32, s: &Aarch64State| f64::from_bits(run(&[w], s).st.v[0] as u64);
    let s0 = |w: u32, s: &Aarch64State| f32::from_bits(run(&[w], s).st.v[0] as u32);
    assert_eq!(s0(0x1e222820, &fps(1.5, 2.25)), 3.75);
    assert_eq!(s0(0x1e221820, &fps(1.0, 4.0)), 0.25);
    let s = fp_state(6.0, 4.0);
    assert_eq!(d0(0x1e623820, &s), 2.0);
    assert_eq!(d0(0x1e620820, &s), 24.0);
    assert_eq!(d0(0x1e61c020, &fp_state(16.0, 0.0)), 4.0);
    assert_eq!(d0(0x1e60c020, &fp_state(-3.0, 0.0)), 3.0);
    assert_eq!(s0(0x1e214020, &fps(1.0, 0.0)), -1.0);
    assert_eq!(d0(0x1e22c020, &fps(0.5, 0.0)), 0.5); // fcvt d0, s1
    assert_eq!(s0(0x1e624020, &fp_state(0.25, 0.0)), 0.25); // fcvt s0, d1
    assert_eq!(d0(0x1f420c20, &s), 6.0 * 4.0 + 1.5); // fmadd
    assert_eq!(d0(0x1f628c20, &s), 6.0 * 4.0 - 1.5); // fnmsub
    assert_eq!(d0(0x1e626820, &fp_state(f64::NAN, 3.0)), 3.0); // fmaxnm
    let mut s = fp_state(1.0, 2.0);
    s.zf = 1;
    assert_eq!(d0(0x1e620c20, &s), 1.0); // fcsel eq
    s.zf = 0;
    assert_eq!(d0(0x1e620c20, &s), 2.0);
}

#[test]
fn fp_compare_flags() {
    let f = |a: f64, b: f64| nzcv(&run(&[0x1e622020], &fp_state(a, b)).st);
    assert_eq!(f(1.0, 2.0), 0b1000);
    assert_eq!(f(2.0, 2.0), 0b0110);
    assert_eq!(f(3.0, 2.0), 0b0010);
    assert_eq!(f(f64::NAN, 2.0), 0b0011);
    let z = |a: f32| nzcv(&run(&[0x1e202028], &fps(a, 9.0)).st); // fcmp s1, #0.0
    assert_eq!(z(-0.0), 0b0110);
    assert_eq!(z(-1.0), 0b1000);
}

#[test]
fn fp_int_conversions() {
    let mut s = fp_state(-2.75, 0.0);
    s.x[1] = (-3i64) as u64;
    assert_eq!(f64::from_bits(run(&[0x9e620020], &s).st.v[0] as u64), -3.0); // scvtf d0, x1
    s.x[1] = 0xffff_ffff;
    assert_eq!(
        f32::from_bits(run(&[0x1e230020], &s).st.v[0] as u32),
        4294967296.0
    ); // ucvtf s0, w1
    assert_eq!(run(&[0x9e780020], &s).st.x[0], (-2i64) as u64); // fcvtzs x0, d1
    let s = fps(-5.0, 0.0);
    assert_eq!(run(&[0x1e390020], &s).st.x[0], 0); // fcvtzu w0, s1 saturates at 0
    let s = fps(1e20, 0.0);
    assert_eq!(run(&[0x1e390020], &s).st.x[0], 0xffff_ffff);
}

#[test]
fn unallocated_simd_is_undefined() {
    use xlat_ir::{ExceptionKind, Terminal};
    let undef = |w: u32| {
        matches!(
            translate(&[w]).terminal(),
            Terminal::Exception {
                kind: ExceptionKind::Undefined,
                ..
            }
        )
    };
    assert!(undef(0x0e080c20)); // dup v0.1d, x1 (size 3, Q=0) is reserved
    assert!(undef(0x0ee28420)); // add v0.1d (size:Q = 110) reserved
    assert!(undef(0x1ea22820)); // fadd with ftype 10
    assert!(!undef(0x4ea28420));
}

#[test]
fn rbit_reverses_every_byte() {
    // rbit v0.16b, v1.16b (found by the differential tester: only half the
    // bytes were reversed) ; rbit v0.8b, v1.8b zeroes the upper half.
    let want = from_bytes(|k| (k as u8).reverse_bits());
    assert_eq!(vrun(0x6e605820), want);
    assert_eq!(vrun(0x2e605820), want & u64::MAX as u128);
}

#[test]
fn cpu_model_gates_optional_features() {
    use xlat_frontend_aarch64::translate::Ctx;
    use xlat_frontend_aarch64::{InsnOutcome, LAYOUT, cpu, translate_insn};
    let outcome = |model: &str, w: u32| {
        let m = cpu::find(model).unwrap();
        let mut c = Ctx::with_model(xlat_ir::Builder::new(&LAYOUT, 0x1000), 0x1000, m);
        translate_insn(&mut c, w)
    };
    // sdot v0.4s, v1.16b, v2.16b: Armv8.2 dot product.
    assert_eq!(outcome("cortex-a72", 0x4e82_9420), InsnOutcome::Undefined);
    assert!(matches!(
        outcome("neoverse-n1", 0x4e82_9420),
        InsnOutcome::Decoded(_)
    ));
    // sha512h q0, q1, v2.2d: only max has SHA512.
    assert_eq!(outcome("neoverse-n1", 0xce62_8020), InsnOutcome::Undefined);
    assert!(matches!(
        outcome("max", 0xce62_8020),
        InsnOutcome::Decoded(_)
    ));
    // aese v0.16b, v1.16b: every model has AES.
    assert!(matches!(
        outcome("cortex-a53", 0x4e28_4820),
        InsnOutcome::Decoded(_)
    ));
    // mrs x0, id_aa64isar0_el1 reads the model's value.
    let r = run(&[0xd538_0600], &state(&[]));
    assert_eq!(r.st.x[0], cpu::default_model().isar0());
}
