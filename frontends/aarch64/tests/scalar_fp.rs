//! Scalar floating-point instructions through the translator: results,
//! NZCV, FPSR cumulative flags, FPCR modes. Encodings from
//! `aarch64-linux-gnu-objdump -d`.

mod common;
use common::*;
use xlat_frontend_aarch64::Aarch64State;

const IOC: u64 = 1;
const DZC: u64 = 2;
const IXC: u64 = 16;
const IDC: u64 = 128;

fn s(x: f32) -> u128 {
    x.to_bits() as u128
}
fn d(x: f64) -> u128 {
    x.to_bits() as u128
}

fn fst(v: &[(usize, u128)], x: &[(usize, u64)], fpcr: u64) -> Aarch64State {
    let mut st = state(x);
    for &(i, b) in v {
        st.v[i] = b;
    }
    st.fpcr = fpcr;
    st
}

#[test]
fn arithmetic_sets_fpsr_and_zeroes_upper_bits() {
    let mut st = fst(&[(0, u128::MAX), (1, s(1.0)), (2, s(3.0))], &[], 0);
    st.v[1] |= 0xdead << 64; // upper bits of the source are ignored
    let r = run(&[0x1e222820], &st); // fadd s0, s1, s2
    assert_eq!(r.st.v[0], s(4.0));
    assert_eq!(r.st.fpsr, 0);
    let r = run(&[0x1e621820], &fst(&[(1, d(1.0)), (2, d(0.0))], &[], 0)); // fdiv d0, d1, d2
    assert_eq!((r.st.v[0], r.st.fpsr), (d(f64::INFINITY), DZC));
    let r = run(&[0x1e621820], &fst(&[(1, d(1.0)), (2, d(3.0))], &[], 0));
    assert_eq!((r.st.v[0], r.st.fpsr), (d(1.0 / 3.0), IXC));
    // flags accumulate
    let mut st = fst(&[(1, d(1.0)), (2, d(3.0))], &[], 0);
    st.fpsr = DZC;
    assert_eq!(run(&[0x1e621820], &st).st.fpsr, DZC | IXC);
    // round toward +inf (FPCR.RMode = 01) changes the last bit
    let r = run(
        &[0x1e621820],
        &fst(&[(1, d(1.0)), (2, d(3.0))], &[], 1 << 22),
    );
    assert_eq!(r.st.v[0], d(1.0 / 3.0) + 1);
}

#[test]
fn nan_rules() {
    // fadd s0, s1, s2 with s1 = qNaN, s2 = sNaN: the sNaN wins, quietened
    let r = run(
        &[0x1e222820],
        &fst(&[(1, 0x7fc0_0001), (2, 0xff80_0002)], &[], 0),
    );
    assert_eq!((r.st.v[0], r.st.fpsr), (0xffc0_0002, IOC));
    // inf - inf: Arm default NaN is positive
    let r = run(
        &[0x1e223820],
        &fst(&[(1, s(f32::INFINITY)), (2, s(f32::INFINITY))], &[], 0),
    );
    assert_eq!(r.st.v[0], 0x7fc0_0000);
    // fnmul negates a NaN result too
    let r = run(
        &[0x1e228820],
        &fst(&[(1, 0x7fc0_0001), (2, s(1.0))], &[], 0),
    );
    assert_eq!(r.st.v[0], 0xffc0_0001);
    // FPCR.DN
    let r = run(
        &[0x1e222820],
        &fst(&[(1, 0x7fc0_0001), (2, s(1.0))], &[], 1 << 25),
    );
    assert_eq!(r.st.v[0], 0x7fc0_0000);
}

#[test]
fn compares() {
    let f = |w: u32, a: u128, b: u128, flags: u8| {
        let mut st = fst(&[(1, a), (2, b)], &[], 0);
        st.nf = flags >> 3;
        st.zf = flags >> 2 & 1;
        st.cf = flags >> 1 & 1;
        st.vf = flags & 1;
        let r = run(&[w], &st);
        (nzcv(&r.st), r.st.fpsr)
    };
    assert_eq!(f(0x1e222020, s(1.0), s(2.0), 0), (0b1000, 0)); // fcmp s1, s2
    assert_eq!(f(0x1e222020, s(2.0), s(2.0), 0), (0b0110, 0));
    assert_eq!(f(0x1e222020, s(3.0), s(2.0), 0), (0b0010, 0));
    assert_eq!(f(0x1e222020, 0x7fc0_0000, s(2.0), 0), (0b0011, 0));
    assert_eq!(f(0x1e222020, 0x7f80_0001, s(2.0), 0), (0b0011, IOC));
    // fcmpe d1, #0.0 with a quiet NaN signals
    assert_eq!(f(0x1e602038, 0x7ff8_0000_0000_0000, 0, 0), (0b0011, IOC));
    assert_eq!(f(0x1e602038, d(-0.0), 0, 0), (0b0110, 0));
    // fccmp s1, s2, #5, eq: Z set -> compare; Z clear -> #5
    assert_eq!(f(0x1e220425, s(1.0), s(2.0), 0b0100), (0b1000, 0));
    assert_eq!(f(0x1e220425, s(1.0), s(2.0), 0b0000), (0b0101, 0));
}

#[test]
fn fused_multiply_add_family() {
    // fmadd d0, d1, d2, d3 = d3 + d1*d2 with one rounding
    let e = f64::EPSILON;
    let r = run(
        &[0x1f420c20],
        &fst(&[(1, d(1.0 + e)), (2, d(1.0 - e)), (3, d(-1.0))], &[], 0),
    );
    assert_eq!(f64::from_bits(r.st.v[0] as u64), -e * e);
    // fnmadd s0, s1, s2, s3 = -s3 - s1*s2
    let r = run(
        &[0x1f220c20],
        &fst(&[(1, s(2.0)), (2, s(3.0)), (3, s(1.0))], &[], 0),
    );
    assert_eq!(r.st.v[0], s(-7.0));
}

#[test]
fn conversions_and_rounding() {
    // fcvtzs w0, d1, #4: 2.53 * 16 = 40.48 -> 40, inexact
    let r = run(&[0x1e58f020], &fst(&[(1, d(2.53))], &[], 0));
    assert_eq!((r.st.x[0], r.st.fpsr), (40, IXC));
    // scvtf s0, x1, #8: -256 / 256 = -1
    let r = run(&[0x9e02e020], &fst(&[], &[(1, (-256i64) as u64)], 0));
    assert_eq!(r.st.v[0], s(-1.0));
    // fcvtas x0, d1: ties away
    let r = run(&[0x9e640020], &fst(&[(1, d(-2.5))], &[], 0));
    assert_eq!(r.st.x[0], (-3i64) as u64);
    // fcvtmu w0, s1: rounds toward -inf first; a negative result
    // saturates to 0 with IOC (and no IXC)
    let r = run(&[0x1e310020], &fst(&[(1, s(0.5))], &[(0, 99)], 0));
    assert_eq!((r.st.x[0], r.st.fpsr), (0, IXC));
    let r = run(&[0x1e310020], &fst(&[(1, s(-0.5))], &[(0, 99)], 0));
    assert_eq!((r.st.x[0], r.st.fpsr), (0, IOC));
    let r = run(&[0x1e310020], &fst(&[(1, s(-1.5))], &[(0, 99)], 0));
    assert_eq!((r.st.x[0], r.st.fpsr), (0, IOC));
    // fcvtzu x0, s1: NaN -> 0, IOC
    let r = run(&[0x9e390020], &fst(&[(1, 0x7fc0_0000)], &[(0, 99)], 0));
    assert_eq!((r.st.x[0], r.st.fpsr), (0, IOC));
    // ucvtf d0, w1 uses only the low 32 bits, unsigned
    let r = run(&[0x1e630020], &fst(&[], &[(1, 0xffff_ffff_ffff_ffff)], 0));
    assert_eq!(r.st.v[0], d(4294967295.0));
    // frinta d0, d1 ; frintx s0, s1 (IXC only for frintx)
    let r = run(&[0x1e664020], &fst(&[(1, d(2.5))], &[], 0));
    assert_eq!((r.st.v[0], r.st.fpsr), (d(3.0), 0));
    let r = run(&[0x1e274020], &fst(&[(1, s(2.5))], &[], 0));
    assert_eq!((r.st.v[0], r.st.fpsr), (s(2.0), IXC));
    // fcvt h0, s1 ; fcvt d0, h1
    let r = run(&[0x1e23c020], &fst(&[(1, s(-2.0))], &[], 0));
    assert_eq!(r.st.v[0], 0xc000);
    let r = run(&[0x1ee2c020], &fst(&[(1, 0x3c01)], &[], 0));
    assert_eq!(r.st.v[0], d(1.0 + 2f64.powi(-10)));
}

#[test]
fn flush_to_zero_and_sqrt() {
    // fsqrt d0, d1 of a denormal with FZ: input flushed (IDC), result +0
    let r = run(&[0x1e61c020], &fst(&[(1, 1)], &[], 1 << 24));
    assert_eq!((r.st.v[0], r.st.fpsr), (0, IDC));
    let r = run(&[0x1e61c020], &fst(&[(1, d(-4.0))], &[], 0));
    assert_eq!((r.st.v[0], r.st.fpsr), (0x7ff8_0000_0000_0000, IOC));
    // fmaxnm s0, s1, s2 with a quiet NaN picks the number
    let r = run(
        &[0x1e226820],
        &fst(&[(1, 0x7fc0_0000), (2, s(-5.0))], &[], 0),
    );
    assert_eq!(r.st.v[0], s(-5.0));
}
