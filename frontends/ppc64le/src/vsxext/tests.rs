use super::*;

/// Runs `word` on a state whose VSR 1 and 2 are `a` and `b`, FPSCR[RN]
/// `rn`; returns the state.
fn run(word: u32, a: u128, b: u128, rn: u64) -> Ppc64State {
    let mut st = Ppc64State::default();
    st.vsr[1] = a;
    st.vsr[2] = b;
    st.fpscr = rn;
    assert!(exec(&mut st, Insn(word)), "{word:#010x} not executed");
    st
}

fn dws(hi: f64, lo: f64) -> u128 {
    (hi.to_bits() as u128) << 64 | lo.to_bits() as u128
}

const SNAN: u64 = 0x7ff0_0000_0000_0001;
const QNAN: u64 = 0x7ff8_0000_0000_0002;

#[test]
fn max_min_nan_and_zero_rules() {
    // xvmaxdp vs0,vs1,vs2 / xvmindp vs0,vs1,vs2 (xo8 224 / 232).
    let max = 0xf000_0000 | 1 << 16 | 2 << 11 | 224 << 3;
    let min = 0xf000_0000 | 1 << 16 | 2 << 11 | 232 << 3;
    let a = (QNAN as u128) << 64 | (0.0f64).to_bits() as u128;
    let b = dws(3.0, -0.0);
    // A quiet NaN gives the other operand; +0 beats -0 for max.
    assert_eq!(run(max, a, b, 0).vsr[0], dws(3.0, 0.0));
    assert_eq!(run(min, a, b, 0).vsr[0], dws(3.0, -0.0));
    // A signalling NaN gives the first NaN operand, quieted.
    let a = (SNAN as u128) << 64;
    let st = run(max, a, b, 0);
    assert_eq!((st.vsr[0] >> 64) as u64, SNAN | 1 << 51);
}

#[test]
fn sqrt_and_estimates_round_by_rn() {
    // xvsqrtdp vs0,vs2 (xo9 203): sqrt(3) rounds down to nearest, up
    // toward +inf.
    let w = 0xf000_0000 | 2 << 11 | 203 << 2;
    let near = run(w, 0, dws(3.0, -1.0), 0).vsr[0];
    assert_eq!((near >> 64) as u64, 3f64.sqrt().to_bits());
    // sqrt(-1): the default QNaN.
    assert_eq!(near as u64, 0x7ff8_0000_0000_0000);
    let up = run(w, 0, dws(3.0, 4.0), 2).vsr[0];
    assert_eq!((up >> 64) as u64, 3f64.sqrt().to_bits() + 1);
    assert_eq!(up as u64, 2f64.to_bits());
    // xvredp (218): 1/3 exactly rounded.
    let w = 0xf000_0000 | 2 << 11 | 218 << 2;
    assert_eq!(
        (run(w, 0, dws(3.0, 0.0), 0).vsr[0] >> 64) as u64,
        (1.0f64 / 3.0).to_bits()
    );
}

#[test]
fn round_to_integral_modes() {
    let b = dws(2.5, -2.5);
    for (xo9, want) in [
        (201, (3.0, -3.0)), // xvrdpi: nearest, ties away
        (217, (2.0, -2.0)), // xvrdpiz
        (233, (3.0, -2.0)), // xvrdpip
        (249, (2.0, -3.0)), // xvrdpim
        (235, (2.0, -2.0)), // xvrdpic, RN = nearest even
    ] {
        let w = 0xf000_0000 | 2 << 11 | xo9 << 2;
        assert_eq!(run(w, 0, b, 0).vsr[0], dws(want.0, want.1), "xo9 {xo9}");
    }
}

#[test]
fn conversions_place_words() {
    // xvcvdpsp (393): singles in words 0 and 2, copied to 1 and 3.
    let w = 0xf000_0000 | 2 << 11 | 393 << 2;
    let one = 1.0f32.to_bits() as u128;
    let two = 2.0f32.to_bits() as u128;
    assert_eq!(
        run(w, 0, dws(1.0, 2.0), 0).vsr[0],
        one << 96 | one << 64 | two << 32 | two
    );
    // xvcvspdp (457): words 0 and 2 back to doubles.
    let w = 0xf000_0000 | 2 << 11 | 457 << 2;
    let v = one << 96 | 7 << 64 | two << 32 | 9;
    assert_eq!(run(w, 0, v, 0).vsr[0], dws(1.0, 2.0));
    // xvcvdpsxds (472): saturation and NaN.
    let w = 0xf000_0000 | 2 << 11 | 472 << 2;
    let r = run(w, 0, dws(-1e30, f64::NAN), 0).vsr[0];
    assert_eq!(r, (1u128 << 127) | 1 << 63);
}

#[test]
fn test_for_divide_and_data_class() {
    // xvtdivdp cr1,vs1,vs2 (xo8 125): a zero divisor sets fe and fg.
    let w = 0xf000_0000 | 1 << 23 | 1 << 16 | 2 << 11 | 125 << 3;
    assert_eq!(
        run(w, dws(1.0, 1.0), dws(2.0, 0.0), 0).cr[4..8],
        [1, 1, 1, 0]
    );
    assert_eq!(
        run(w, dws(1.0, 1.0), dws(2.0, 4.0), 0).cr[4..8],
        [1, 0, 0, 0]
    );
    // xvtstdcdp vs0,vs2,DCMX=0x40|0x08 (NaN or +0): dc = bit 6, dx = 8.
    let w = 0xf000_0000 | 8 << 16 | 2 << 11 | 0xf << 7 | 1 << 6 | 5 << 3;
    assert_eq!(
        run(w, 0, dws(0.0, -0.0), 0).vsr[0],
        (u64::MAX as u128) << 64
    );
    assert_eq!(run(w, 0, dws(1.0, f64::NAN), 0).vsr[0], u64::MAX as u128);
}

#[test]
fn java_and_c_max_min() {
    // xsmaxjdp (144): a NaN operand is returned unchanged.
    let w = 0xf000_0000 | 1 << 16 | 2 << 11 | 144 << 3;
    let st = run(w, (SNAN as u128) << 64, dws(1.0, 0.0), 0);
    assert_eq!(st.vsr[0], (SNAN as u128) << 64);
    // xsmaxcdp (128): NaN gives XB.
    let w = 0xf000_0000 | 1 << 16 | 2 << 11 | 128 << 3;
    assert_eq!(
        run(w, (QNAN as u128) << 64, dws(5.0, 1.0), 0).vsr[0],
        dws(5.0, 0.0)
    );
}

#[test]
fn single_data_class_and_lane_conversions() {
    // xststdcsp cr1,vs2,DCMX: 1e-40 is a single-precision denormal (not
    // representable exactly: SO); only the +denormal mask bit matches.
    let w = |dcmx: u32| 0xf000_0000 | 1 << 23 | dcmx << 16 | 2 << 11 | 298 << 2;
    let b = dws(1e-40, 0.0);
    assert_eq!(run(w(0x02), 0, b, 0).cr[4..8], [0, 0, 1, 1]);
    assert_eq!(run(w(0x7d), 0, b, 0).cr[4..8], [0, 0, 0, 1]);
    // 1.5 is none of the classes, and exact in single precision.
    assert_eq!(run(w(0x7f), 0, dws(-1.5, 0.0), 0).cr[4..8], [1, 0, 0, 0]);
    // xvcvspsxds (408): words 0 and 2, each lane on its own (a NaN lane
    // does not change the next one).
    let w = 0xf000_0000 | 2 << 11 | 408 << 2;
    let v = (f32::NAN.to_bits() as u128) << 96 | ((-7.9f32).to_bits() as u128) << 32;
    assert_eq!(run(w, 0, v, 0).vsr[0], 1 << 127 | (-7i64 as u64) as u128);
}
