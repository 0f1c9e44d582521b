//! Data-processing instructions run through the interpreter. Encodings
//! were taken from `aarch64-linux-gnu-objdump -d` of the named assembly.

mod common;
use common::*;

fn one(w: u32, regs: &[(usize, u64)]) -> Box<xlat_frontend_aarch64::Aarch64State> {
    run(&[w], &state(regs)).st
}

fn flags_after(w: u32, a: u64, b: u64) -> (u64, u8) {
    let s = one(w, &[(1, a), (2, b)]);
    (s.x[0], nzcv(&s))
}

const ADDS_X: u32 = 0xab020020; // adds x0, x1, x2
const ADDS_W: u32 = 0x2b020020; // adds w0, w1, w2
const SUBS_X: u32 = 0xeb020020; // subs x0, x1, x2
const SUBS_W: u32 = 0x6b020020; // subs w0, w1, w2

#[test]
fn adds_flags() {
    assert_eq!(flags_after(ADDS_X, 1, 2), (3, 0b0000));
    assert_eq!(flags_after(ADDS_X, u64::MAX, 1), (0, 0b0110)); // Z C
    assert_eq!(flags_after(ADDS_X, i64::MAX as u64, 1), (1 << 63, 0b1001)); // N V
    assert_eq!(flags_after(ADDS_X, 1 << 63, 1 << 63), (0, 0b0111)); // Z C V
    assert_eq!(flags_after(ADDS_W, 0xffff_ffff, 1), (0, 0b0110));
    assert_eq!(flags_after(ADDS_W, 0x7fff_ffff, 1), (0x8000_0000, 0b1001));
    // upper bits of W inputs are ignored, result zero-extended
    assert_eq!(flags_after(ADDS_W, 0xdead_0000_0000_0001, 2), (3, 0));
}

#[test]
fn subs_flags() {
    assert_eq!(flags_after(SUBS_X, 5, 3), (2, 0b0010)); // C: no borrow
    assert_eq!(flags_after(SUBS_X, 3, 3), (0, 0b0110));
    assert_eq!(flags_after(SUBS_X, 3, 5), ((-2i64) as u64, 0b1000));
    assert_eq!(flags_after(SUBS_X, 1 << 63, 1), (i64::MAX as u64, 0b0011)); // C V
    assert_eq!(flags_after(SUBS_W, 0, 1), (0xffff_ffff, 0b1000));
    assert_eq!(flags_after(SUBS_W, 0x8000_0000, 1), (0x7fff_ffff, 0b0011));
}

#[test]
fn cmp_cmn_imm() {
    // cmp x1, #1 ; writes only flags (rd = xzr)
    let s = one(0xf100043f, &[(1, 1)]);
    assert_eq!(nzcv(&s), 0b0110);
    assert!(s.x.iter().all(|&x| x == 0 || x == 1));
    // cmn w1, #1 with w1 = -1 -> 0, Z C
    let s = one(0x3100043f, &[(1, 0xffff_ffff)]);
    assert_eq!(nzcv(&s), 0b0110);
}

#[test]
fn adc_sbc() {
    let mut st = state(&[(1, u64::MAX), (2, 0)]);
    st.cf = 1;
    // adcs x0, x1, x2: MAX + 0 + 1 = 0, C=1 Z=1
    let r = run(&[0xba020020], &st);
    assert_eq!(r.st.x[0], 0);
    assert_eq!(nzcv(&r.st), 0b0110);
    // sbcs x0, x1, x2 with C=0: 5 - 5 - 1 = -1, borrow -> C=0
    let mut st = state(&[(1, 5), (2, 5)]);
    st.cf = 0;
    let r = run(&[0xfa020020], &st);
    assert_eq!(r.st.x[0], u64::MAX);
    assert_eq!(nzcv(&r.st), 0b1000);
    // with C=1: 5 - 5 = 0, C=1 Z=1
    st.cf = 1;
    let r = run(&[0xfa020020], &st);
    assert_eq!(r.st.x[0], 0);
    assert_eq!(nzcv(&r.st), 0b0110);
}

#[test]
fn sp_vs_zr() {
    // add sp, sp, #16
    let st = state(&[]);
    let r = run(&[0x910043ff], &st);
    assert_eq!(r.st.sp, st.sp + 16);
    // add x0, sp, #8
    let r = run(&[0x910023e0], &st);
    assert_eq!(r.st.x[0], st.sp + 8);
    // orr w0, wzr, #0x55555555 : rn = zr
    let r = run(&[0x3200f3e0], &st);
    assert_eq!(r.st.x[0], 0x5555_5555);
    // mov x0, #-16 (orr x0, xzr, #0xfffffffffffffff0)
    let r = run(&[0x928001e0], &st);
    assert_eq!(r.st.x[0], 0xffff_ffff_ffff_fff0);
    // adds x0, x1, x2 with rd=31 is cmn: sp untouched
    let r = run(&[0xab02003f], &state(&[(1, 1), (2, 2)]));
    assert_eq!(r.st.sp, st.sp);
}

#[test]
fn extended_and_shifted() {
    // add x0, x1, w2, sxtw #2
    let s = one(0x8b22c820, &[(1, 100), (2, 0xffff_ffff)]);
    assert_eq!(s.x[0], 96);
    // sub x0, x1, x2, lsl #4
    let s = one(0xcb021020, &[(1, 100), (2, 2)]);
    assert_eq!(s.x[0], 68);
}

#[test]
fn logical() {
    let s = one(0x92401c20, &[(1, 0x1234)]); // and x0, x1, #0xff
    assert_eq!(s.x[0], 0x34);
    let s = one(0xf27c0c20, &[(1, 0x0f)]); // ands x0, x1, #0xf0
    assert_eq!((s.x[0], nzcv(&s)), (0, 0b0100));
    let s = one(0x7201003f, &[(1, 0x8000_0000)]); // tst w1, #0x80000000
    assert_eq!(nzcv(&s), 0b1000);
    let s = one(0x8a220020, &[(1, 0xff), (2, 0x0f)]); // bic
    assert_eq!(s.x[0], 0xf0);
    let s = one(0x2a621020, &[(1, 0), (2, 0xf0)]); // orn w0, w1, w2, lsr #4
    assert_eq!(s.x[0], 0xffff_fff0);
    let s = one(0xca220020, &[(1, 0xff), (2, 0)]); // eon
    assert_eq!(s.x[0], !0xffu64);
}

#[test]
fn move_wide() {
    let s = one(0xd2a24680, &[(0, 7)]);
    assert_eq!(s.x[0], 0x1234_0000);
    let s = one(0x12800000, &[(0, 7)]); // movn w0, #0
    assert_eq!(s.x[0], 0xffff_ffff);
    let s = one(0xf2f7dde0, &[(0, 0x1111_2222_3333_4444)]); // movk lsl 48
    assert_eq!(s.x[0], 0xbeef_2222_3333_4444);
}

#[test]
fn bitfield() {
    let x = 0xfedc_ba98_7654_3210u64;
    let cases: &[(u32, u64, u64)] = &[
        (0xd37cec20, x, x << 4),                          // lsl x0, x1, #4
        (0x531f7c20, x, (x as u32 >> 31) as u64),         // lsr w0, w1, #31
        (0x937ffc20, x, u64::MAX),                        // asr x0, x1, #63
        (0x93401c20, 0x80, 0xffff_ffff_ffff_ff80),        // sxtb x0, w1
        (0x13003c20, 0x8000, 0xffff_8000),                // sxth w0, w1
        (0x93407c20, 0x8000_0000, 0xffff_ffff_8000_0000), // sxtw
        (0x53001c20, 0x1ff, 0xff),                        // uxtb
        (0xd3442c20, x, (x >> 4) & 0xff),                 // ubfx x0, x1, #4, #8
        (0x93442c20, 0x0f80, 0xffff_ffff_ffff_fff8),      // sbfx x0, x1, #4, #8
        (0x13812020, 0x1234_5678, 0x7812_3456),           // ror w0, w1, #8
    ];
    for &(w, a, want) in cases {
        let s = one(w, &[(1, a), (0, 0x5555_5555_5555_5555)]);
        assert_eq!(s.x[0], want, "{w:#010x}");
    }
    // bfi x0, x1, #8, #4 keeps the other bits of x0
    let s = one(0xb3780c20, &[(0, u64::MAX), (1, 0x5)]);
    assert_eq!(s.x[0], 0xffff_ffff_ffff_f5ff);
    // bfxil w0, w1, #4, #4 ; upper 32 bits cleared
    let s = one(0x33041c20, &[(0, u64::MAX), (1, 0xa0)]);
    assert_eq!(s.x[0], 0xffff_fffa);
    // extr x0, x1, x2, #16
    let s = one(0x93c24020, &[(1, 0x1111), (2, 0xaaaa_bbbb_cccc_dddd)]);
    assert_eq!(s.x[0], 0x1111_aaaa_bbbb_cccc);
}

#[test]
fn shifts_by_register() {
    let s = one(0x9ac22020, &[(1, 1), (2, 65)]); // lsl x0, x1, x2 (mod 64)
    assert_eq!(s.x[0], 2);
    let s = one(0x1ac22420, &[(1, 0x8000_0000), (2, 33)]); // lsr w (mod 32)
    assert_eq!(s.x[0], 0x4000_0000);
    let s = one(0x9ac22820, &[(1, 1 << 63), (2, 4)]);
    assert_eq!(s.x[0], 0xf800_0000_0000_0000);
    let s = one(0x9ac22c20, &[(1, 1), (2, 1)]);
    assert_eq!(s.x[0], 1 << 63);
}

#[test]
fn conditional() {
    let mut st = state(&[(1, 10), (2, 20)]);
    st.zf = 1;
    assert_eq!(run(&[0x9a820020], &st).st.x[0], 10); // csel eq
    assert_eq!(run(&[0x9a821420], &st).st.x[0], 21); // csinc ne -> x2+1
    st.zf = 0;
    st.nf = 1; // lt (n != v)
    assert_eq!(run(&[0x5a82b020], &st).st.x[0], 10); // csinv w lt -> w1
    st.nf = 0;
    assert_eq!(run(&[0xda82c420], &st).st.x[0], 10); // csneg gt: !z && n==v -> x1
    st.zf = 1;
    assert_eq!(run(&[0xda82c420], &st).st.x[0], (-20i64) as u64);
    // cset w0, hi: c && !z
    st.cf = 1;
    st.zf = 0;
    assert_eq!(run(&[0x1a9f97e0], &st).st.x[0], 1);
    st.zf = 1;
    assert_eq!(run(&[0x1a9f97e0], &st).st.x[0], 0);
}

#[test]
fn ccmp() {
    // ccmp x1, x2, #4, eq
    let mut st = state(&[(1, 5), (2, 5)]);
    st.zf = 1;
    assert_eq!(nzcv(&run(&[0xfa420024], &st).st), 0b0110);
    st.zf = 0;
    assert_eq!(nzcv(&run(&[0xfa420024], &st).st), 0b0100);
    // ccmn x1, #3, #2, ne  (x1 = -3 -> 0, Z C)
    let mut st = state(&[(1, (-3i64) as u64)]);
    st.zf = 0;
    assert_eq!(nzcv(&run(&[0xba431822], &st).st), 0b0110);
    st.zf = 1;
    assert_eq!(nzcv(&run(&[0xba431822], &st).st), 0b0010);
}

#[test]
fn multiply_divide() {
    let r = |w, a: u64, b: u64, c: u64| one(w, &[(1, a), (2, b), (3, c)]).x[0];
    assert_eq!(r(0x9b020c20, 3, 4, 5), 17); // madd
    assert_eq!(r(0x9b028c20, 3, 4, 5), (-7i64) as u64); // msub
    assert_eq!(r(0x9b220c20, 0xffff_ffff, 2, 10), 8); // smaddl: -1*2+10
    assert_eq!(r(0x9ba20c20, 0xffff_ffff, 2, 10), 0x2_0000_0008); // umaddl
    assert_eq!(r(0x9b427c20, (-2i64) as u64, 3, 0), u64::MAX); // smulh
    assert_eq!(r(0x9bc27c20, 1 << 63, 4, 0), 2); // umulh
    assert_eq!(r(0x9ac20820, 7, 0, 0), 0); // udiv by zero
    assert_eq!(r(0x9ac20820, 7, 2, 0), 3);
    assert_eq!(r(0x1ac20c20, (-7i64) as u64, 2, 0), 0xffff_fffd); // sdiv w
    assert_eq!(r(0x1ac20c20, 0x8000_0000, 0xffff_ffff, 0), 0x8000_0000);
}

#[test]
fn one_source() {
    let r = |w, a: u64| one(w, &[(1, a)]).x[0];
    assert_eq!(r(0xdac01020, 1), 63); // clz
    assert_eq!(r(0xdac01020, 0), 64);
    assert_eq!(r(0x5ac01420, 0xffff_ffff), 31); // cls w
    assert_eq!(r(0xdac00020, 1), 1 << 63); // rbit
    assert_eq!(r(0xdac00c20, 0x0102_0304_0506_0708), 0x0807_0605_0403_0201);
    assert_eq!(r(0x5ac00420, 0x1122_3344), 0x2211_4433); // rev16 w
    assert_eq!(r(0xdac00820, 0x0102_0304_0506_0708), 0x0403_0201_0807_0605); // rev32
    assert_eq!(r(0x5ac00820, 0xaaaa_aaaa_1122_3344), 0x4433_2211); // rev w
}

#[test]
fn pc_relative() {
    assert_eq!(one(0x10000800, &[]).x[0], CODE + 0x100); // adr x0, .+0x100
    // adrp x0, .+0x3000 (immlo = 3)
    assert_eq!(one(0xf0000000, &[]).x[0], (CODE & !0xfff) + 0x3000);
}

#[test]
fn invalid_immediates_are_undefined() {
    use xlat_ir::{ExceptionKind, Terminal};
    // and x0, x1, #<all ones> : N=1 immr=0 imms=63 is reserved
    let w = 0x9240_0000 | (63 << 10) | (1 << 5);
    let b = translate(&[w]);
    assert!(matches!(
        b.terminal(),
        Terminal::Exception {
            kind: ExceptionKind::Undefined,
            pc: CODE,
            ..
        }
    ));
    // 32-bit logical immediate with N=1
    let b = translate(&[0x1240_0000 | (1 << 22)]);
    assert!(matches!(
        b.terminal(),
        Terminal::Exception {
            kind: ExceptionKind::Undefined,
            ..
        }
    ));
    // movz w0 with hw=2
    let b = translate(&[0x52c0_0000]);
    assert!(matches!(
        b.terminal(),
        Terminal::Exception {
            kind: ExceptionKind::Undefined,
            ..
        }
    ));
    // add (shifted) with shift=11
    let b = translate(&[0x8bc2_0020]);
    assert!(matches!(
        b.terminal(),
        Terminal::Exception {
            kind: ExceptionKind::Undefined,
            ..
        }
    ));
}
