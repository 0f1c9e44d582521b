//! The VMX instructions translated to IR vector ops (compares with their
//! CR6 record forms, splats, merges, `vsldoi`, `vsel`, per-element shifts
//! and rotates, `vperm`, `vpermr`, `vextub[lr]x`, `v[cl]tzlsbb`, `vbpermq`, the unsigned saturating
//! adds and subtracts, `vpopcnt[bhwd]`, VSX `xxperm[r]`) against the
//! helper that executed them before (`vmx::helper`, kept for the other
//! VMX instructions): random encodings of each row on random vector
//! registers whose elements are often equal or zero, both run in the
//! interpreter, every register compared.

mod common;
use common::*;
use xlat_frontend_ppc64le::LAYOUT;
use xlat_frontend_ppc64le::Ppc64State;
use xlat_frontend_ppc64le::decode::{Insn, TABLE};
use xlat_frontend_ppc64le::translate::{Ctx, vmx};
use xlat_ir::{Builder, Opcode, Terminal};

/// Rows now translated natively.
const ROWS: &[&str] = &[
    "VCMPEQUB", "VCMPEQUH", "VCMPEQUW", "VCMPEQUD", "VCMPGTUB", "VCMPGTUH", "VCMPGTUW", "VCMPGTUD",
    "VCMPGTSB", "VCMPGTSH", "VCMPGTSW", "VCMPGTSD", "VCMPNEB", "VCMPNEH", "VCMPNEW", "VCMPNEZB",
    "VCMPNEZH", "VCMPNEZW", "VSPLTB", "VSPLTH", "VSPLTW", "VMRGHB", "VMRGLB", "VMRGHH", "VMRGLH",
    "VMRGHW", "VMRGLW", "VSLDOI", "VSEL", "VSLB", "VSLH", "VSLW", "VSLD", "VSRB", "VSRH", "VSRW",
    "VSRD", "VSRAB", "VSRAH", "VSRAW", "VSRAD", "VRLB", "VRLH", "VRLW", "VRLD", "VPERM", "VPERMR",
    "VEXTUBRX", "VEXTUBLX", "VCTZLSBB", "VCLZLSBB", "VBPERMQ", "XXPERM", "XXPERMR", "VADDUBS",
    "VADDUHS", "VADDUWS", "VSUBUBS", "VSUBUHS", "VSUBUWS", "VPOPCNTB", "VPOPCNTH", "VPOPCNTW",
    "VPOPCNTD",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn v128(&mut self) -> u128 {
        (self.next() as u128) << 64 | self.next() as u128
    }
}

/// The block of `w` as the helper executes it, or `None` where the helper
/// rejects the encoding.
fn helper_block(w: u32) -> Option<xlat_ir::Block> {
    let mut c = Ctx::new(Builder::new(&LAYOUT, CODE), CODE);
    c.b.insn_start(CODE);
    vmx::helper(&mut c, Insn(w)).ok()?;
    c.b.count_insn(4);
    c.b.terminate(Terminal::Jump(CODE + 4));
    Some(c.b.finish())
}

/// A state whose vector registers hold related random values: element
/// patterns repeat between registers and contain zeros, so that equal,
/// greater and zero elements all occur.
fn vector_state(rng: &mut Rng) -> Ppc64State {
    let mut s = state(&[]);
    let base = rng.v128();
    for k in 0..32 {
        let keep = rng.v128() & rng.v128(); // about a quarter of the bits differ
        let zero = rng.v128() & rng.v128() & rng.v128();
        let v = match k % 4 {
            0 => rng.v128(),
            1 => base,
            _ => base ^ (rng.v128() & !keep),
        };
        // Clear whole bytes where `zero` has its top bit set.
        let mut bytes = v.to_le_bytes();
        for (i, b) in bytes.iter_mut().enumerate() {
            if zero >> (8 * i + 7) & 1 != 0 {
                *b = 0;
            }
        }
        s.vsr[32 + k] = u128::from_le_bytes(bytes);
        s.vsr[k] = rng.v128();
    }
    for g in s.gpr.iter_mut() {
        *g = rng.next();
    }
    s.cr = [1; 32];
    s
}

#[test]
fn native_vmx_rows_agree_with_the_helper() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for name in ROWS {
        let row = TABLE.iter().find(|r| r.name == *name).expect(name);
        let mut checked = 0;
        for _ in 0..200 {
            let w = row.bits | (rng.next() as u32 & !row.mask);
            let Some(hb) = helper_block(w) else {
                continue;
            };
            let st = vector_state(&mut rng);
            let native = run(&[w], &st);
            let mut want = Box::new(st);
            // SAFETY: `want` is a Ppc64State, the layout of the block.
            unsafe { xlat_interp::testutil::exec_block(&hb, &LAYOUT, &mut *want, &new_mem()) };
            let got = &native.st;
            for k in 0..32 {
                assert_eq!(
                    got.vr(k),
                    want.vr(k),
                    "{name} {w:#010x}: v{k}\n{}",
                    xlat_ir::print::print_block(&native.block, &LAYOUT)
                );
            }
            assert_eq!(got.vsr, want.vsr, "{name} {w:#010x}: VSRs");
            assert_eq!(got.cr, want.cr, "{name} {w:#010x}: CR");
            assert_eq!(got.gpr, want.gpr, "{name} {w:#010x}: GPRs");
            assert_eq!(got.vscr, want.vscr, "{name} {w:#010x}: VSCR");
            checked += 1;
        }
        assert!(checked >= 50, "{name}: only {checked} encodings checked");
    }
}

#[test]
fn vbpermq_gathers_the_indexed_bits() {
    // vbpermq v3,v1,v2 (VX-form, xo 1356): bit k of the result's
    // doubleword 0 (ISA bit 48 + k) is bit VRB.byte[k] of VRA, 0 for
    // indexes of 128 and above; doubleword 1 is 0.
    let w = 4 << 26 | 3 << 21 | 1 << 16 | 2 << 11 | 1356;
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..100 {
        let a = rng.v128();
        let idx = rng.v128().to_be_bytes().map(|b| {
            if b & 0x80 != 0 && b & 1 != 0 {
                b
            } else {
                b & 0x7f
            }
        });
        let mut s = state(&[]);
        s.vsr[32 + 1] = a;
        s.vsr[32 + 2] = u128::from_be_bytes(idx);
        let r = run(&[w], &s);
        let mut want = 0u128;
        for (k, &i) in idx.iter().enumerate() {
            let bit = i < 128 && (a >> (127 - i as u32)) & 1 != 0;
            want |= (bit as u128) << (64 + 15 - k);
        }
        assert_eq!(r.st.vr(3), want, "a {a:#x} idx {idx:?}");
    }
}

#[test]
fn vector_shifts_and_rotates_per_element() {
    // vrl/vsl/vsr/vsra{b,h,w} and vsld (helper-run): each element of VRA
    // shifted by the low log2(width) bits of the same element of VRB.
    // (name, extended opcode, element bits, kind: 0 rotl 1 shl 2 lshr 3 ashr)
    let forms: &[(&str, u32, u32, u32)] = &[
        ("vrlb", 4, 8, 0),
        ("vrlw", 132, 32, 0),
        ("vslb", 260, 8, 1),
        ("vslh", 324, 16, 1),
        ("vsrw", 644, 32, 2),
        ("vsrah", 836, 16, 3),
        ("vsraw", 900, 32, 3),
        ("vsld", 1476, 64, 1),
    ];
    let mut rng = Rng(0x0bad_cafe_f00d_1234);
    for &(name, xo, w, kind) in forms {
        let word = 4 << 26 | 3 << 21 | 1 << 16 | 2 << 11 | xo;
        for _ in 0..50 {
            let (a, b) = (rng.v128(), rng.v128());
            let mut s = state(&[]);
            s.vsr[32 + 1] = a;
            s.vsr[32 + 2] = b;
            let got = run(&[word], &s).st.vr(3);
            let mut want = 0u128;
            for e in 0..128 / w {
                let pos = w * e;
                let m = u128::MAX >> (128 - w);
                let x = (a >> pos & m) as u64;
                let n = (b >> pos & m) as u32 % w;
                let r = match kind {
                    0 if n == 0 => x,
                    0 => x << n | x >> (w - n),
                    1 => x << n,
                    2 => x >> n,
                    _ => ((x << (64 - w)) as i64 >> (64 - w) >> n) as u64,
                };
                let r = r as u128 & m;
                want |= r << pos;
            }
            assert_eq!(got, want, "{name} a {a:#x} b {b:#x}");
        }
    }
}

/// The per-element shifts and rotates: name, extended opcode (VX-form).
const SHIFT_FORMS: &[(&str, u32)] = &[
    ("vrlb", 4),
    ("vrlh", 68),
    ("vrlw", 132),
    ("vrld", 196),
    ("vslb", 260),
    ("vslh", 324),
    ("vslw", 388),
    ("vsld", 1476),
    ("vsrb", 516),
    ("vsrh", 580),
    ("vsrw", 644),
    ("vsrd", 1732),
    ("vsrab", 772),
    ("vsrah", 836),
    ("vsraw", 900),
    ("vsrad", 964),
];

#[test]
fn shifts_by_a_splatted_constant_use_immediate_shifts() {
    // vspltis{b,h,w} v2,n then a shift or rotate of v1 by v2 in the same
    // block: every element is shifted by n modulo its width (the splat's
    // elements are no wider than the shifted ones), with immediate
    // shifts, not per-element ones; against the same shifts by a vector
    // loaded from the state (the per-element path).
    let mut rng = Rng(0x5eed_0f5e_ed01);
    for &(name, xo) in SHIFT_FORMS {
        let width = 8 << ((xo >> 6) & 3);
        for (splat, splat_width) in [(780u32, 8u32), (844, 16), (908, 32)] {
            if splat_width > width {
                continue;
            }
            for n in [-16i32, -1, 0, 1, 3, 7, 8, 9, 15] {
                let vsplt = 4 << 26 | 2 << 21 | ((n as u32) & 31) << 16 | splat;
                let shift = 4 << 26 | 3 << 21 | 1 << 16 | 2 << 11 | xo;
                let mut s = state(&[]);
                s.vsr[32 + 1] = rng.v128();
                let got = run(&[vsplt, shift], &s);
                let ops = &got.block.insts;
                assert!(
                    !ops.iter()
                        .any(|i| matches!(i.op, Opcode::Vshlv | Opcode::Vlshrv | Opcode::Vashrv)),
                    "{name} by vspltis {n}: per-element shift left"
                );
                let splatted = run(&[vsplt], &s).st;
                let want = run(&[shift], &splatted).st;
                assert_eq!(
                    got.st.vr(3),
                    want.vr(3),
                    "{name} by {n} ({splat_width}-bit splat)"
                );
                assert_eq!(got.st.vr(2), want.vr(2));
            }
        }
    }
}

#[test]
fn splat_of_a_shift_of_the_same_block() {
    // A per-element shift into v3, then vsplt{b,h,w} v3,v3,UIM (and into
    // v4): the splatted element comes from one scalar shift; against the
    // shift and the splat run as two blocks.
    let mut rng = Rng(0xfeed_beef_0123_4567);
    for &(name, xo) in SHIFT_FORMS {
        let shift = 4 << 26 | 3 << 21 | 1 << 16 | 2 << 11 | xo;
        for (splat, count) in [(524u32, 16u32), (588, 8), (652, 4)] {
            for uim in 0..count {
                for vt in [3u32, 4] {
                    let vsplt = 4 << 26 | vt << 21 | uim << 16 | 3 << 11 | splat;
                    let mut s = state(&[]);
                    s.vsr[32 + 1] = rng.v128();
                    s.vsr[32 + 2] = rng.v128();
                    let got = run(&[shift, vsplt], &s);
                    let shifted = run(&[shift], &s).st;
                    let want = run(&[vsplt], &shifted).st;
                    assert_eq!(
                        got.st.vr(vt as usize),
                        want.vr(vt as usize),
                        "{name} then splat {splat} {uim} into v{vt}"
                    );
                    assert_eq!(
                        got.st.vr(3),
                        want.vr(3),
                        "{name} then splat {splat} {uim}: v3"
                    );
                }
            }
        }
    }
}

#[test]
fn lxvx_and_stxvx_move_sixteen_bytes() {
    // lxvx vs(t),0,r4 then stxvx vs(t),r5,r4 for a VSR of each half: the
    // register holds the bytes as one little-endian quadword (byte 0 of
    // memory its least significant), and the store writes them back.
    let data: Vec<u8> = (0..16u8)
        .map(|k| k.wrapping_mul(29).wrapping_add(7))
        .collect();
    for xt in [5u32, 40] {
        let lxvx = 31 << 26 | (xt & 31) << 21 | 4 << 11 | 268 << 1 | xt >> 5;
        let stxvx = 31 << 26 | (xt & 31) << 21 | 5 << 16 | 4 << 11 | 396 << 1 | xt >> 5;
        let mem = new_mem();
        mem.write(DATA, &data);
        let s = state(&[(4, DATA), (5, 0x40)]);
        let r = run_mem(&[lxvx, stxvx], &s, &mem);
        let want = u128::from_le_bytes(data.clone().try_into().unwrap());
        assert_eq!(r.st.vsr[xt as usize], want, "vs{xt}");
        assert_eq!(mem.read(DATA + 0x40, 16), data, "vs{xt} stored");
    }
}
