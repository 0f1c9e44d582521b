//! Advanced SIMD instructions that every Rust aarch64 program executes at
//! start-up or while unwinding (compiler-builtins' CPU-feature probe, std's
//! string routines, libgcc's unwinder): SSHL/USHL (register), [SU]ADDLP,
//! [SU]ADALP, ADDP (scalar), CMxx (scalar, zero). Expected values were
//! produced by `qemu-aarch64` running the same instructions on the same
//! inputs; encodings from `aarch64-linux-gnu-objdump -d`.

mod common;
use common::*;

fn from_bytes(f: impl Fn(usize) -> u8) -> u128 {
    u128::from_le_bytes(std::array::from_fn(f))
}

/// Runs `words` with v0 = all ones, v1 = bytes 0..16, v2 = bytes
/// 0x00, 0x0f, 0x20, 0x0d, 0x40, ... (even k: k << 4, odd k: 16 - k).
fn vrun(words: &[u32]) -> u128 {
    let mut s = state(&[]);
    s.v[0] = u128::MAX;
    s.v[1] = from_bytes(|k| k as u8);
    s.v[2] = from_bytes(|k| {
        if k % 2 == 0 {
            (k as u8) << 4
        } else {
            16 - k as u8
        }
    });
    run(words, &s).st.v[0]
}

#[test]
fn shifts_by_register() {
    // ushl v0.16b, v1.16b, v2.16b
    assert_eq!(vrun(&[0x6e224420]), 0x1e006800600080000000000000000000);
    // sshl v0.8h, v1.8h, v2.8h
    assert_eq!(vrun(&[0x4e624420]), 0x00000000000000000000000000000100);
    // ushl v0.2d, v2.2d, v1.2d
    assert_eq!(vrun(&[0x6ee14440]), 0xe003c005a007800009600b400d200f00);
    // neg v3.4s, v1.4s; sshl v0.4s, v2.4s, v3.4s (negative: shift right)
    assert_eq!(
        vrun(&[0x6ea0b823, 0x4ea34440]),
        0x00001e000005a007009600b40d200f00
    );
    // sshl v0.2s, v2.2s, v1.2s (64-bit form clears the upper half)
    assert_eq!(vrun(&[0x0ea14440]), 0x00000000000000009600b4000d200f00);
}

#[test]
fn pairwise_long() {
    // uaddlp v0.8h, v2.16b
    assert_eq!(vrun(&[0x6e202840]), 0x00e100c300a500870069004b002d000f);
    // saddlp v0.4s, v2.8h
    assert_eq!(vrun(&[0x4e602840]), 0x000005a000000d20000014a000001c20);
    // saddlp v0.1d, v2.2s
    assert_eq!(vrun(&[0x0ea02840]), 0x00000000000000000000000016801a40);
    // uadalp v0.2d, v2.4s (accumulates into all-ones)
    assert_eq!(vrun(&[0x6ea06840]), 0x0000000007800b3f0000000016801a3f);
    // sadalp v0.4h, v2.8b
    assert_eq!(vrun(&[0x0e206840]), 0x00000000000000000068004a002c000e);
}

#[test]
fn scalar_pairwise_and_compares() {
    // addp d0, v2.2d
    assert_eq!(vrun(&[0x5ef1b840]), 0x00000000000000000b400f0012c01680);
    let ones = u64::MAX as u128;
    // cmge d0, d2, #0; cmgt d0, d1, #0; cmle d0, d2, #0; cmlt d0, d2, #0
    assert_eq!(vrun(&[0x7ee08840]), ones);
    assert_eq!(vrun(&[0x5ee08820]), ones);
    assert_eq!(vrun(&[0x7ee09840]), 0);
    assert_eq!(vrun(&[0x5ee0a840]), 0);
    // movi v3.2d, #0; cmeq d0, d3, #0
    assert_eq!(vrun(&[0x6f00e403, 0x5ee09860]), ones);
    // neg v3.2d, v1.2d; then cmlt / cmge / cmle d0, d3, #0
    assert_eq!(vrun(&[0x6ee0b823, 0x5ee0a860]), ones);
    assert_eq!(vrun(&[0x6ee0b823, 0x7ee08860]), 0);
    assert_eq!(vrun(&[0x6ee0b823, 0x7ee09860]), ones);
}

#[test]
fn scalar_dup_and_int_to_fp() {
    // mov d0, v2.d[1]; mov s0, v2.s[3]; mov h0, v2.h[5]; mov b0, v2.b[14]
    assert_eq!(vrun(&[0x5e180440]), 0x01e003c005a00780);
    assert_eq!(vrun(&[0x5e1c0440]), 0x01e003c0);
    assert_eq!(vrun(&[0x5e160440]), 0x05a0);
    assert_eq!(vrun(&[0x5e1d0440]), 0xe0);
    // scvtf d0, d2
    assert_eq!(vrun(&[0x5e61d840]), 0x43a2c016801a401e);
    // neg v3.2d, v2.2d; ucvtf d0, d3 / scvtf d0, d3
    assert_eq!(vrun(&[0x6ee0b843, 0x7e61d860]), 0x43eed3fe97fe5bfe);
    assert_eq!(vrun(&[0x6ee0b843, 0x5e61d860]), 0xc3a2c016801a401e);
    // neg v3.4s, v2.4s; scvtf s0, s3 / ucvtf s0, s3
    assert_eq!(vrun(&[0x6ea0b843, 0x5e21d860]), 0xcd5200f0);
    assert_eq!(vrun(&[0x6ea0b843, 0x7e21d860]), 0x4f72dff1);
}
