//! ISA 2.07 instructions found in glibc's POWER8 string and math routines
//! (bpermd, vgbbd, vpkudum, xsrsp). Expected values are what
//! `qemu-ppc64le` computes for the same inputs.

mod common;
use common::*;

#[test]
fn bpermd_selects_bits_by_byte_index() {
    // bpermd r5,r3,r4
    let r = run(
        &[0x7c6521f8],
        &state(&[(3, 0x0001_023f_40ff_0708), (4, 0x8123_4567_89ab_cdef)]),
    );
    assert_eq!(r.st.gpr[5], 0x92);
}

fn vr_from_le(b: [u8; 16]) -> u128 {
    u128::from_le_bytes(b)
}

fn inputs() -> (u128, u128) {
    let mut a = [0u8; 16];
    let mut b = [0u8; 16];
    for i in 0..16 {
        a[i] = (i as u8).wrapping_mul(17).wrapping_add(3);
        b[i] = 0xf0u8.wrapping_sub(i as u8 * 7);
    }
    (vr_from_le(a), vr_from_le(b))
}

#[test]
fn vgbbd_transposes_doublewords() {
    let (a, _) = inputs();
    let mut s = state(&[]);
    s.vsr[32 + 1] = a;
    // vgbbd v2,v1
    let r = run(&[0x10400d0c], &s);
    assert_eq!(
        r.st.vr(2),
        vr_from_le([
            0x55, 0x99, 0x1e, 0xe0, 0xaa, 0xcc, 0xf0, 0x00, 0x55, 0x99, 0x1e, 0x1f, 0x4a, 0x6c,
            0x70, 0x7f
        ])
    );
}

#[test]
fn vpkudum_packs_low_words() {
    let (a, b) = inputs();
    let mut s = state(&[]);
    s.vsr[32 + 1] = a;
    s.vsr[32 + 2] = b;
    // vpkudum v3,v1,v2
    let r = run(&[0x1061144e], &s);
    assert_eq!(
        r.st.vr(3),
        vr_from_le([
            0xf0, 0xe9, 0xe2, 0xdb, 0xb8, 0xb1, 0xaa, 0xa3, 0x03, 0x14, 0x25, 0x36, 0x8b, 0x9c,
            0xad, 0xbe
        ])
    );
}

#[test]
fn xsrsp_rounds_to_single() {
    let mut s = state(&[]);
    s.set_fpr(2, 1.0000001234567f64.to_bits());
    // xsrsp vs1,vs2
    let r = run(&[0xf0201464], &s);
    assert_eq!(r.st.fpr(1), 0x3ff0_0000_2000_0000);
}

#[test]
fn mffsl_reads_fpscr_and_mffsce_clears_enables() {
    let mut s = state(&[]);
    s.fpscr = 0x0000_00f9;
    // mffsl f1
    let r = run(&[0xfc38048e], &s);
    assert_eq!(r.st.fpr(1), 0xf9);
    assert_eq!(r.st.fpscr, 0xf9);
    // mffsce f1
    let r = run(&[0xfc21048e], &s);
    assert_eq!(r.st.fpr(1), 0xf9);
    assert_eq!(r.st.fpscr, 0x01, "VE..XE cleared, RN kept");
}

#[test]
fn first_fpscr_access_takes_the_flags_raised_before() {
    // fdiv f1,f2,f3 (1/0) untracked, then mffs f4: FX and ZX from the
    // host's sticky flags; tracking starts.
    let mut s = state(&[]);
    s.set_fpr(2, 1f64.to_bits());
    s.set_fpr(3, 0f64.to_bits());
    let r = run(&[0xfc221824, 0xfc80048e], &s);
    assert_eq!(r.st.fpr(1), f64::INFINITY.to_bits());
    assert_eq!(r.st.fpscr, 0x8400_0000, "FX ZX");
    assert_eq!(r.st.fpr(4), 0x8400_0000);
    assert_eq!(r.st.fp_track, 1);
}

fn halves(h: [i16; 8]) -> u128 {
    h.iter()
        .enumerate()
        .fold(0, |acc, (i, &x)| acc | ((x as u16 as u128) << (16 * i)))
}

#[test]
fn saturating_halfword_add_and_word_subtract() {
    let h = halves([-32768, 32767, 100, -100, 0, 1, -1, 2]);
    let mut s = state(&[]);
    s.vsr[32 + 1] = h;
    s.vsr[32 + 2] = h;
    // vaddshs v3,v1,v2 (qemu: -32768 32767 200 -200 0 2 -2 4, VSCR.SAT)
    let r = run(&[0x10611340], &s);
    assert_eq!(r.st.vr(3), halves([-32768, 32767, 200, -200, 0, 2, -2, 4]));
    assert_eq!(r.st.vscr & 1, 1, "SAT");
    // vsubuws v3,v1,v2 with v1 = {1, 5, 0, 9}, v2 = {2, 5, 1, 3}: 0 0 0 6.
    let w = |x: [u32; 4]| {
        x.iter()
            .enumerate()
            .fold(0u128, |acc, (i, &v)| acc | ((v as u128) << (32 * i)))
    };
    s.vsr[32 + 1] = w([1, 5, 0, 9]);
    s.vsr[32 + 2] = w([2, 5, 1, 3]);
    s.vscr = 0;
    // vsubuws v3,v1,v2
    let r = run(&[0x10611680], &s);
    assert_eq!(r.st.vr(3), w([0, 0, 0, 6]));
    assert_eq!(r.st.vscr & 1, 1, "SAT");
}

/// FPSCR[RN] directs the rounding of arithmetic (values from qemu-ppc64le:
/// 1/3 is 0x3fd5555555555555 to nearest, ...56 upward).
#[test]
fn rounding_modes_direct_arithmetic() {
    let third = |rn: u64, words: &[u32]| {
        let mut s = state(&[]);
        s.fpscr = rn;
        s.set_fpr(1, 1.0f64.to_bits());
        s.set_fpr(2, 3.0f64.to_bits());
        s.set_fpr(3, (-1.0f64).to_bits());
        run(words, &s).st
    };
    // fdiv f4,f1,f2; fdiv f5,f3,f2
    let w = [0xfc811024, 0xfca31024];
    for (rn, pos, neg) in [
        (0, 0x3fd5_5555_5555_5555u64, 0xbfd5_5555_5555_5555u64),
        (1, 0x3fd5_5555_5555_5555, 0xbfd5_5555_5555_5555),
        (2, 0x3fd5_5555_5555_5556, 0xbfd5_5555_5555_5555),
        (3, 0x3fd5_5555_5555_5555, 0xbfd5_5555_5555_5556),
    ] {
        let st = third(rn, &w);
        assert_eq!((st.fpr(4), st.fpr(5)), (pos, neg), "RN={rn}");
    }
    // fadds f4,f1,f2 under RN=2 with 1 + 2^-30: rounds up in single.
    let mut s = state(&[]);
    s.fpscr = 2;
    s.set_fpr(1, 1.0f64.to_bits());
    s.set_fpr(2, (1.0f64 / (1u64 << 30) as f64).to_bits());
    let r = run(&[0xec81102a], &s);
    assert_eq!(f64::from_bits(r.st.fpr(4)), 1.0 + f32::EPSILON as f64);
    // mtfsfi 7,2 ends the block (RN is part of tb_flags).
    let b = translate(&[0xff80210c, 0xfc81102a]);
    assert!(
        matches!(b.term, Some(xlat_ir::Terminal::Exit(0x1004))),
        "{:?}",
        b.term
    );
}

/// Found by tests/tests/difftest_ppc64le.rs against qemu-ppc64le: NaN
/// results follow Power's rules (first NaN operand quieted, else the
/// positive default QNaN, NaNs not negated by fnmadd), FP results clear
/// doubleword 1 of the VSR, xscvdpspn truncates.
#[test]
fn power_nan_rules_and_vsr_doubleword_1() {
    let mut s = state(&[]);
    s.vsr[1] = (f64::INFINITY.to_bits() as u128) << 64 | 0x1234;
    s.vsr[2] = (f64::INFINITY.to_bits() as u128) << 64;
    s.vsr[3] = (0x7ff0_0000_0000_0001u128) << 64; // SNaN
    // fsub f4,f1,f2: inf - inf is invalid: default QNaN, positive; dw1 0.
    let r = run(&[0xfc811028], &s);
    assert_eq!(r.st.vsr[4], 0x7ff8_0000_0000_0000u128 << 64);
    // fadd f4,f1,f3: the SNaN operand, quieted.
    let r = run(&[0xfc81182a], &s);
    assert_eq!(r.st.fpr(4), 0x7ff8_0000_0000_0001);
    // fnmadd f4,f3,f1,f2 (-(f3*f1 + f2)): the NaN keeps its sign.
    let r = run(&[0xfc83107e], &s);
    assert_eq!(r.st.fpr(4), 0x7ff8_0000_0000_0001);
    // xscvdpspn vs4,vs5 with 1/7 truncates (qemu: 0x3e124924).
    s.vsr[5] = ((1.0f64 / 7.0).to_bits() as u128) << 64;
    let r = run(&[0xf0802c2c], &s);
    assert_eq!(r.st.fpr(4) >> 32, 0x3e12_4924);
}

#[test]
fn doublewords_of_vectors_built_in_the_block() {
    let code = [
        0x7ca5_0167, // mtvrd v5,r5
        0x7cc6_0167, // mtvrd v6,r6
        0xf0a5_3057, // xxmrghd vs37,vs37,vs38
        0x7ca3_0067, // mfvrd r3,v5
        0x7ca4_0267, // mfvsrld r4,vs37
        0xf0c5_3357, // xxmrgld vs38,vs37,vs38
        0x7cc7_0067, // mfvrd r7,v6
        0x7cc8_0267, // mfvsrld r8,vs38
    ];
    let mut s = state(&[(5, 0x1111_2222_3333_4444), (6, 0x5555_6666_7777_8888)]);
    s.vsr[37] = 0xaaaa_aaaa_aaaa_aaaa_bbbb_bbbb_bbbb_bbbb;
    s.vsr[38] = 0xcccc_cccc_cccc_cccc_dddd_dddd_dddd_dddd;
    let st = run(&code, &s).st;
    assert_eq!(st.gpr[3], 0x1111_2222_3333_4444);
    assert_eq!(st.gpr[4], 0x5555_6666_7777_8888);
    assert_eq!(st.gpr[7], 0x5555_6666_7777_8888);
    // Doubleword 1 of vs38 is the one mtvrd kept.
    assert_eq!(st.gpr[8], 0xdddd_dddd_dddd_dddd);
    assert_eq!(st.vsr[37], 0x1111_2222_3333_4444_5555_6666_7777_8888);
    assert_eq!(st.vsr[38], 0x5555_6666_7777_8888_dddd_dddd_dddd_dddd);
}
