//! AdvSIMD forms that the frontend lowers to vector IR ops (no helper
//! call) agree with the Rust executor `asimd::exec`, the reference, on
//! random register contents, for every element size, Q and immediate.

mod common;
use common::*;
use xlat_frontend_aarch64::decode::Insn;
use xlat_frontend_aarch64::helpers::{self, Group};
use xlat_frontend_aarch64::{Aarch64State, asimd};
use xlat_ir::Opcode;

/// xorshift64*: a fixed sequence, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A vector with some equal, zero, all-ones and sign-boundary lanes so
    /// that compares and min/max see ties and both signs.
    fn vec(&mut self) -> u128 {
        let mut b = ((self.next() as u128) << 64 | self.next() as u128).to_le_bytes();
        for x in b.iter_mut() {
            match self.next() % 8 {
                0 => *x = 0,
                1 => *x = 0xff,
                2 => *x = 0x80,
                3 => *x = 0x7f,
                _ => {}
            }
        }
        u128::from_le_bytes(b)
    }
}

/// Runs `w` on random inputs through the translated block and through
/// `asimd::exec` (or, for `Some(g)`, the per-group executor
/// `helpers::exec`, which is what the permutes used to call); checks the
/// block calls no helper and that both give the same vector registers and
/// FPSR. Returns false (untested) when `asimd::exec` rejects the encoding.
fn check(w: u32, rng: &mut Rng, g: Option<Group>) -> bool {
    if g.is_none() && !asimd::valid(Insn(w)) {
        return false;
    }
    let b = translate(&[w]);
    assert!(
        b.insts.iter().all(|i| i.op != Opcode::CallHelper),
        "{w:#010x} still calls a helper:\n{}",
        xlat_ir::print::print_block(&b, &xlat_frontend_aarch64::LAYOUT)
    );
    for _ in 0..40 {
        let mut s: Aarch64State = state(&[]);
        for k in 0..4 {
            s.v[k] = rng.vec();
        }
        // Some runs with v2 == v1 (equal lanes everywhere).
        if rng.next().is_multiple_of(5) {
            s.v[2] = s.v[1];
        }
        let got = run(&[w], &s).st;
        let inputs = s.v;
        let mut want = s;
        match g {
            Some(g) => helpers::exec(&mut want, g, Insn(w)),
            None => asimd::exec(&mut want, Insn(w)).expect("valid"),
        }
        assert_eq!(
            (got.v, got.fpsr),
            (want.v, want.fpsr),
            "{w:#010x} inputs {:#034x?}",
            &inputs[..4]
        );
    }
    true
}

const RD: u32 = 0;
const RN: u32 = 1 << 5;
const RM: u32 = 2 << 16;

fn sweep(words: impl IntoIterator<Item = u32>) -> usize {
    sweep_with(words, None)
}

fn sweep_with(words: impl IntoIterator<Item = u32>, g: Option<Group>) -> usize {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    words.into_iter().filter(|&w| check(w, &mut rng, g)).count()
}

/// Every (Q, size) of `base` (size at bits 23:22).
fn qs(base: u32) -> impl Iterator<Item = u32> {
    (0..8u32).map(move |k| base | (k & 1) << 30 | (k >> 1) << 22)
}

#[test]
fn three_same() {
    let mut n = 0;
    for (u, op) in [
        (1, 0b00011), // eor, bsl, bit, bif
        (0, 0b00011), // and, bic, orr, orn
        (0, 0b00110), // cmgt
        (1, 0b00110), // cmhi
        (0, 0b00111), // cmge
        (1, 0b00111), // cmhs
        (0, 0b01100), // smax
        (0, 0b01101), // smin
        (1, 0b01100), // umax
        (1, 0b01101), // umin
        (0, 0b10000), // add
        (1, 0b10000), // sub
        (1, 0b10001), // cmeq
        (0, 0b10001), // cmtst
        (1, 0b00010), // urhadd
        (0, 0b10011), // mul
        (0, 0b10100), // smaxp
        (1, 0b10100), // umaxp
        (0, 0b10101), // sminp
        (1, 0b10101), // uminp
        (0, 0b10111), // addp
    ] {
        n += sweep(qs(u << 29 | 0x0e20_0400 | op << 11 | RM | RN | RD));
    }
    // 19 rows of 8 (Q, size), less the reserved ones.
    assert!(n >= 120, "only {n} encodings tested");
}

#[test]
fn three_different() {
    let mut n = 0;
    // [SU]ADDL, [SU]ADDW, [SU]SUBL, [SU]SUBW, [SU]MLAL, [SU]MLSL, [SU]MULL.
    for op in [0b0000, 0b0001, 0b0010, 0b0011, 0b1000, 0b1010, 0b1100] {
        for u in 0..2 {
            n += sweep(qs(u << 29 | 0x0e20_0000 | op << 12 | RM | RN | RD));
        }
    }
    // 14 rows of 6 (Q, size): 1D/2D is reserved.
    assert!(n >= 84, "only {n} encodings tested");
}

#[test]
fn two_misc_and_across() {
    let mut n = 0;
    for (u, op) in [
        (0, 0b01000), // cmgt #0
        (1, 0b01000), // cmge #0
        (0, 0b01001), // cmeq #0
        (1, 0b01001), // cmle #0
        (0, 0b01010), // cmlt #0
        (0, 0b10010), // xtn, xtn2
        (0, 0b00000), // rev64
        (1, 0b00000), // rev32
        (0, 0b00001), // rev16
        (0, 0b00101), // cnt
        (1, 0b01011), // neg
        (0, 0b00010), // saddlp
        (1, 0b00010), // uaddlp
        (0, 0b00110), // sadalp
        (1, 0b00110), // uadalp
    ] {
        n += sweep(qs(u << 29 | 0x0e20_0800 | op << 12 | RN | RD));
    }
    for (u, op) in [
        (0, 0b11011), // addv
        (0, 0b01010), // smaxv
        (1, 0b01010), // umaxv
        (0, 0b11010), // sminv
        (1, 0b11010), // uminv
    ] {
        n += sweep(qs(u << 29 | 0x0e30_0800 | op << 12 | RN | RD));
    }
    assert!(n >= 60, "only {n} encodings tested");
}

#[test]
fn shifts_by_immediate() {
    let mut n = 0;
    for (u, op) in [
        (0, 0b00000), // sshr
        (1, 0b00000), // ushr
        (0, 0b01010), // shl
        (0, 0b10000), // shrn, shrn2
        (0, 0b10100), // sshll, sshll2
        (1, 0b10100), // ushll, ushll2
    ] {
        let words = (0..256u32).map(|k| {
            let (q, immhb) = (k >> 7, (k & 127).max(8));
            q << 30 | u << 29 | 0x0f00_0400 | immhb << 16 | op << 11 | RN | RD
        });
        n += sweep(words);
    }
    assert!(n >= 600, "only {n} encodings tested");
}

#[test]
fn permutes_and_ext() {
    let mut n = 0;
    // UZP1, TRN1, ZIP1, UZP2, TRN2, ZIP2; 1D is reserved.
    for op in [1, 2, 3, 5, 6, 7] {
        let words = qs(0x0e00_0800 | op << 12 | RM | RN | RD)
            .filter(|w| w >> 22 & 3 != 3 || w >> 30 & 1 != 0);
        n += sweep_with(words, Some(Group::Permute));
        n += sweep(qs(0x0e00_0800 | op << 12 | RM | RN | RD));
    }
    // EXT; an index of 8 or more needs Q.
    let words = (0..24u32)
        .map(|k| (k >> 3 & 1 | k >> 4) << 30 | 0x2e00_0000 | (k & 15) << 11 | RM | RN | RD);
    n += sweep_with(words, Some(Group::Ext));
    assert!(n >= 60, "only {n} encodings tested");
}
