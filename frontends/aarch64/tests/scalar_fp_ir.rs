//! The fast path of scalar FP (IR float ops, in blocks translated for
//! FPCR.RMode = RN, FZ = DN = 0 with FPSR tracking off) against the exact
//! executor `helpers::exec_fp`, the reference: same destination register,
//! X register and NZCV for every single/double instruction it lowers, on
//! operands that mix NaNs (quiet and signalling, both signs, payloads),
//! infinities, zeros of both signs, denormals and ordinary numbers. FPSR
//! is the one thing allowed to differ (not computed without tracking).

mod common;
use common::*;
use xlat_frontend_aarch64::decode::Insn;
use xlat_frontend_aarch64::fp::TB_FP_TRACK;
use xlat_frontend_aarch64::{Aarch64Frontend, Aarch64State, LAYOUT, helpers};
use xlat_ir::{Block, Opcode, TranslateOptions};

const F64S: &[u64] = &[
    0,
    1 << 63,
    0x3ff0_0000_0000_0000, // 1
    0xbff8_0000_0000_0000, // -1.5
    0x4008_0000_0000_0000, // 3
    0x7ff0_0000_0000_0000, // +inf
    0xfff0_0000_0000_0000, // -inf
    0x7ff8_0000_0000_1234, // qNaN, payload
    0xfff8_0000_0000_0005, // -qNaN
    0x7ff0_0000_0000_0042, // sNaN
    0xfff4_0000_0000_0077, // -sNaN
    0x7ff8_0000_0000_0000, // default NaN
    1,                     // smallest denormal
    0x8000_0000_0000_0003, // negative denormal
    0x7fef_ffff_ffff_ffff, // max
    0x0010_0000_0000_0000, // min normal
    0x43e0_0000_0000_0000, // 2^63
    0xc3e0_0000_0000_0000, // -2^63
    0x41f0_0000_0000_0000, // 2^32
    0x3fd5_5555_5555_5555, // ~1/3
];

const F32S: &[u64] = &[
    0,
    0x8000_0000,
    0x3f80_0000, // 1
    0xbfc0_0000, // -1.5
    0x4040_0000, // 3
    0x7f80_0000, // +inf
    0xff80_0000, // -inf
    0x7fc0_1234, // qNaN, payload
    0xffc0_0005, // -qNaN
    0x7f80_0042, // sNaN
    0xffa0_0077, // -sNaN
    0x7fc0_0000, // default NaN
    1,           // smallest denormal
    0x8000_0003, // negative denormal
    0x7f7f_ffff, // max
    0x0080_0000, // min normal
    0x5f00_0000, // 2^63
    0xdf00_0000, // -2^63
    0x4f80_0000, // 2^32
    0x3eaa_aaab, // ~1/3
];

const INTS: &[u64] = &[
    0,
    1,
    u64::MAX,
    0x8000_0000_0000_0000,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000,
    0x7fff_ffff,
    0x0000_0001_0000_0001,
    0x0020_0000_0000_0001, // needs rounding to double
    0xffff_ffff_ffff_fc01,
    12345,
];

/// Translates `w` for `tb_flags` (0: the fast path).
fn translate_flags(w: u32, flags: u64) -> Block {
    let b = Aarch64Frontend::default().translate_block_flags(
        CODE,
        flags,
        &Code(vec![w]),
        &TranslateOptions::default(),
    );
    xlat_ir::verify(&b, &LAYOUT).unwrap();
    b
}

/// Translates `w` for the fast path and checks that it calls no helper.
fn translate_fast(w: u32) -> Block {
    let b = translate_flags(w, 0);
    assert!(
        b.insts.iter().all(|i| i.op != Opcode::CallHelper),
        "{w:#010x} still calls a helper"
    );
    b
}

/// Runs the block (unoptimised and optimised) on a copy of `st`.
fn run_block(b: &Block, st: &Aarch64State) -> [Box<Aarch64State>; 2] {
    let mut opt = b.clone();
    xlat_ir::passes::optimize(&mut opt, &LAYOUT);
    [b, &opt].map(|blk| {
        let mut s = Box::new(copy(st));
        // SAFETY: `s` is an Aarch64State, the layout the block was
        // translated for.
        unsafe { xlat_interp::testutil::exec_block(blk, &LAYOUT, &mut *s, &new_mem()) };
        s
    })
}

fn copy(s: &Aarch64State) -> Aarch64State {
    let mut n = state(&[]);
    n.x = s.x;
    n.v = s.v;
    (n.nf, n.zf, n.cf, n.vf) = (s.nf, s.zf, s.cf, s.vf);
    n.fpcr = s.fpcr;
    n.fpsr = s.fpsr;
    n
}

/// Checks `w` on every combination of `vals` in V1, V2 (and V3 with
/// `three`) and of `INTS` in X1, with a few NZCV values.
fn check(w: u32, vals: &[u64], three: bool) {
    let b = translate_fast(w);
    let thirds: &[u64] = if three { vals } else { &[0] };
    let mut k = 0usize;
    for &x in vals {
        for &y in vals {
            for &z in thirds {
                k += 1;
                let mut s = state(&[(1, INTS[k % INTS.len()])]);
                s.v[0] = 0xdead_beef_u128 << 64 | 0x5555;
                s.v[1] = x as u128 | 0xffff_u128 << 80;
                s.v[2] = y as u128;
                s.v[3] = z as u128;
                (s.nf, s.zf, s.cf, s.vf) =
                    ((k & 1) as u8, (k >> 1 & 1) as u8, 0, (k >> 2 & 1) as u8);
                let mut want = copy(&s);
                helpers::exec_fp(&mut want, Insn(w));
                for got in run_block(&b, &s) {
                    assert_eq!(
                        (got.v[0], got.x[0], nzcv(&got)),
                        (want.v[0], want.x[0], nzcv(&want)),
                        "{w:#010x} on {x:#x}, {y:#x}, {z:#x}, x1 {:#x}",
                        s.x[1]
                    );
                    assert_eq!(got.fpsr, 0, "{w:#010x}: FPSR untouched");
                }
            }
        }
    }
}

fn both(f: impl Fn(u32, &[u64])) {
    f(0, F32S);
    f(1, F64S);
}

#[test]
fn two_source_arithmetic_matches_the_executor() {
    // FMUL FDIV FADD FSUB FMAX FMIN FMAXNM FMINNM FNMUL d0/s0, 1, 2
    both(|t, v| {
        for op in 0..=8 {
            check(0x1e20_0820 | t << 22 | 2 << 16 | op << 12, v, false);
        }
    });
}

#[test]
fn fused_multiply_add_matches_the_executor() {
    // FMADD FMSUB FNMADD FNMSUB d0/s0, 1, 2, 3
    both(|t, v| {
        for (o1, o0) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            check(
                0x1f00_0c20 | t << 22 | o1 << 21 | 2 << 16 | o0 << 15,
                v,
                true,
            );
        }
    });
}

#[test]
fn sqrt_conversions_and_compares_match_the_executor() {
    both(|t, v| {
        check(0x1e21_c020 | t << 22, v, false); // FSQRT
        for op in [8, 9, 10, 11, 12, 14, 15] {
            check(0x1e20_4020 | t << 22 | op << 15, v, false); // FRINT[NPMZAXI]
        }
        for opc in [0, 8, 16, 24] {
            check(0x1e22_2020 | t << 22 | opc, v, false); // FCMP[E] (zero)
        }
        for cond in [0, 1, 10, 14, 15] {
            check(0x1e22_0425 | t << 22 | cond << 12, v, false); // FCCMP
            check(0x1e22_043a | t << 22 | cond << 12, v, false); // FCCMPE
        }
        for sf in [0, 1u32] {
            for op in [0x1e22_0020u32, 0x1e23_0020] {
                check(op | sf << 31 | t << 22, v, false); // SCVTF/UCVTF
            }
            for op in [0x1e38_0020u32, 0x1e39_0020] {
                for rmode in 0..4 {
                    // FCVT[NPMZ]S/FCVT[NPMZ]U
                    check(
                        (op & !(3 << 19)) | sf << 31 | t << 22 | rmode << 19,
                        v,
                        false,
                    );
                }
            }
            for opcode in [4, 5] {
                // FCVTAS/FCVTAU
                check(0x1e20_0020 | opcode << 16 | sf << 31 | t << 22, v, false);
            }
            for scale in [64 - 1, 64 - 10, 32] {
                for op in [0x1e02_0020u32, 0x1e03_0020, 0x1e18_0020, 0x1e19_0020] {
                    check(op | sf << 31 | t << 22 | scale << 10, v, false);
                }
            }
            if sf == 1 {
                for op in [0x1e02_0020u32, 0x1e18_0020] {
                    check(op | 1 << 31 | t << 22, v, false); // 64 fraction bits
                }
            }
        }
    });
    check(0x1e22_c020, F32S, false); // FCVT Dd, Sn
    check(0x1e62_4020, F64S, false); // FCVT Sd, Dn
}

#[test]
fn slow_modes_and_tracking_keep_the_helper() {
    // FPSR tracking on, or a non-default FPCR mode: the exact helper.
    for flags in [TB_FP_TRACK, 1, 4, 8] {
        let b = translate_flags(0x1e62_2820, flags);
        assert!(b.insts.iter().any(|i| i.op == Opcode::CallHelper));
    }
    // Half precision keeps the helper in fast blocks too.
    let b = translate_flags(0x1ee2_2820, 0); // fadd h0, h1, h2
    assert!(b.insts.iter().any(|i| i.op == Opcode::CallHelper));
}

#[test]
fn first_fpsr_access_turns_tracking_on_and_ends_the_block() {
    // mrs x0, fpsr; fadd d0, d1, d2
    let words = [0xd53b_4420, 0x1e62_2820];
    let b = Aarch64Frontend::default().translate_block_flags(
        CODE,
        0,
        &Code(words.to_vec()),
        &TranslateOptions::default(),
    );
    assert_eq!(b.terminal(), xlat_ir::Terminal::Exit(CODE + 4));
    let s = run_block(&b, &state(&[]));
    assert_eq!(s[0].fp_track, 1);
    let env = s[0].as_ref() as *const Aarch64State as *const u8;
    // SAFETY: reading the bytes of a live, initialised Aarch64State.
    let bytes = unsafe { std::slice::from_raw_parts(env, size_of::<Aarch64State>()) };
    assert_eq!(xlat_frontend_aarch64::fp::tb_flags(bytes), TB_FP_TRACK);
    // Once tracking, the same MRS does not end the block.
    let b = Aarch64Frontend::default().translate_block_flags(
        CODE,
        TB_FP_TRACK,
        &Code(words.to_vec()),
        &TranslateOptions::default(),
    );
    assert_eq!(b.terminal(), xlat_ir::Terminal::Jump(CODE + 8));
    // msr fpcr, x0 always ends its block (RMode/FZ/DN are tb_flags).
    let b = translate_flags(0xd51b_4400, TB_FP_TRACK);
    assert_eq!(b.terminal(), xlat_ir::Terminal::Exit(CODE + 4));
}

/// A vector of `lanes` lanes (2 doubles or 4 singles) from `vals`.
fn corner_vec(vals: &[u64], lanes: u32, k: &mut u64) -> u128 {
    let bits = 128 / lanes;
    (0..lanes).fold(0u128, |v, l| {
        *k = k
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let x = vals[(*k >> 33) as usize % vals.len()] as u128;
        v | x << (l * bits)
    })
}

/// Runs the fast-path block of `w` on `runs` states with V0..V2 of
/// corner lanes and compares V0 with `asimd::exec`'s.
fn check_vec(w: u32, vals: &[u64], lanes: u32, k: &mut u64, runs: u32) {
    let b = translate_fast(w);
    for _ in 0..runs {
        let mut s = state(&[]);
        for r in 0..3 {
            s.v[r] = corner_vec(vals, lanes, k);
        }
        let mut want = copy(&s);
        xlat_frontend_aarch64::asimd::exec(&mut want, Insn(w)).expect("valid");
        for got in run_block(&b, &s) {
            assert_eq!(got.v[0], want.v[0], "{w:#010x} on {:#034x?}", &s.v[..3]);
        }
    }
}

#[test]
fn vector_three_same_matches_the_executor() {
    // (U, bit 23, opcode): FADD FSUB FMUL FDIV FMAX FMIN FMAXNM FMINNM FMLA FMLS
    let ops = [
        (0, 0, 0b11010),
        (0, 1, 0b11010),
        (1, 0, 0b11011),
        (1, 0, 0b11111),
        (0, 0, 0b11110),
        (0, 1, 0b11110),
        (0, 0, 0b11000),
        (0, 1, 0b11000),
        (0, 0, 0b11001),
        (0, 1, 0b11001),
    ];
    let mut k = 1u64;
    for (q, sz) in [(0u32, 0u32), (1, 0), (1, 1)] {
        let (vals, lanes) = if sz == 1 { (F64S, 2) } else { (F32S, 4) };
        for (u, a, op) in ops {
            let w = 0x0e20_0420 | q << 30 | u << 29 | a << 23 | sz << 22 | 2 << 16 | op << 11;
            check_vec(w, vals, lanes, &mut k, 400);
        }
    }
}

#[test]
fn by_element_matches_the_executor() {
    // FMLA, FMLS, FMUL (by element), vector and scalar, every index.
    let mut k = 7u64;
    for scalar in [false, true] {
        for (q, sz) in [(0u32, 0u32), (1, 0), (1, 1)] {
            let (vals, lanes) = if sz == 1 { (F64S, 2) } else { (F32S, 4) };
            for op in [0b0001u32, 0b0101, 0b1001] {
                for (h, l) in [(0u32, 0u32), (0, 1), (1, 0), (1, 1)] {
                    if sz == 1 && l == 1 {
                        continue;
                    }
                    let base = if scalar {
                        0x5f80_0020
                    } else {
                        0x0f80_0020 | q << 30
                    };
                    let w = base | sz << 22 | l << 21 | 2 << 16 | op << 12 | h << 11;
                    check_vec(w, vals, lanes, &mut k, 200);
                }
            }
        }
    }
}

#[test]
fn vector_two_misc_matches_the_executor() {
    // (U, bit 23, opcode): FABS FNEG FSQRT SCVTF UCVTF FCVTZS FCVTZU
    let ops = [
        (0, 1, 0b01111),
        (1, 1, 0b01111),
        (1, 1, 0b11111),
        (0, 0, 0b11101),
        (1, 0, 0b11101),
        (0, 1, 0b11011),
        (1, 1, 0b11011),
    ];
    let mut k = 3u64;
    for (q, sz) in [(0u32, 0u32), (1, 0), (1, 1)] {
        let (vals, lanes) = if sz == 1 { (F64S, 2) } else { (F32S, 4) };
        for (u, a, op) in ops {
            let w = 0x0e20_0820 | q << 30 | u << 29 | a << 23 | sz << 22 | op << 12;
            check_vec(w, vals, lanes, &mut k, 200);
            check_vec(w, INTS, lanes, &mut k, 50);
        }
    }
    // FABS/FNEG stay IR in a block for another FPCR mode too.
    let b = translate_flags(0x6ee0_f820, TB_FP_TRACK); // fneg v0.2d, v1.2d
    assert!(b.insts.iter().all(|i| i.op != Opcode::CallHelper));
}

#[test]
fn vector_compares_match_the_executor() {
    // Three same (U, bit 23, opcode): FCMEQ FCMGE FCMGT FACGE FACGT.
    let same = [
        (0, 0, 0b11100),
        (1, 0, 0b11100),
        (1, 1, 0b11100),
        (1, 0, 0b11101),
        (1, 1, 0b11101),
    ];
    // Two-register misc against zero: FCMGT FCMGE FCMEQ FCMLE FCMLT.
    let zero = [
        (0, 0b01100),
        (1, 0b01100),
        (0, 0b01101),
        (1, 0b01101),
        (0, 0b01110),
    ];
    let mut k = 11u64;
    for (q, sz) in [(0u32, 0u32), (1, 0), (1, 1)] {
        let (vals, lanes) = if sz == 1 { (F64S, 2) } else { (F32S, 4) };
        for (u, a, op) in same {
            let w = 0x0e20_0420 | q << 30 | u << 29 | a << 23 | sz << 22 | 2 << 16 | op << 11;
            check_vec(w, vals, lanes, &mut k, 300);
        }
        for (u, op) in zero {
            let w = 0x0ea0_0820 | q << 30 | u << 29 | sz << 22 | op << 12;
            check_vec(w, vals, lanes, &mut k, 300);
        }
    }
}

#[test]
fn pairwise_matches_the_executor() {
    // (bit 23, opcode): FADDP FMAXNMP FMINNMP FMAXP FMINP (U = 1).
    let ops = [
        (0u32, 0b11010u32),
        (0, 0b11000),
        (1, 0b11000),
        (0, 0b11110),
        (1, 0b11110),
    ];
    let mut k = 13u64;
    for (q, sz) in [(0u32, 0u32), (1, 0), (1, 1)] {
        let (vals, lanes) = if sz == 1 { (F64S, 2) } else { (F32S, 4) };
        for (a, op) in ops {
            let w = 0x2e20_0420 | q << 30 | a << 23 | sz << 22 | 2 << 16 | op << 11;
            check_vec(w, vals, lanes, &mut k, 300);
        }
    }
    // Scalar pairwise: the same operations on the two low lanes of Vn.
    for sz in [0u32, 1] {
        let (vals, lanes) = if sz == 1 { (F64S, 2) } else { (F32S, 4) };
        for (a, op) in [
            (0u32, 0b01101u32),
            (0, 0b01100),
            (1, 0b01100),
            (0, 0b01111),
            (1, 0b01111),
        ] {
            let w = 0x7e30_0820 | a << 23 | sz << 22 | op << 12;
            check_vec(w, vals, lanes, &mut k, 300);
        }
    }
}

#[test]
fn across_lanes_matches_the_executor() {
    // FMAXNMV FMINNMV FMAXV FMINV (4S)
    let mut k = 17u64;
    for (a, op) in [(0u32, 0b01100u32), (1, 0b01100), (0, 0b01111), (1, 0b01111)] {
        let w = 0x6e30_0820 | a << 23 | op << 12;
        check_vec(w, F32S, 4, &mut k, 1000);
    }
}

#[test]
fn fmulx_matches_the_executor() {
    // FMULX: vector and scalar three same, vector and scalar by element.
    let mut k = 19u64;
    for (q, sz) in [(0u32, 0u32), (1, 0), (1, 1)] {
        let (vals, lanes) = if sz == 1 { (F64S, 2) } else { (F32S, 4) };
        check_vec(
            0x0e20_dc20 | q << 30 | sz << 22 | 2 << 16,
            vals,
            lanes,
            &mut k,
            400,
        );
        check_vec(0x5e20_dc20 | sz << 22 | 2 << 16, vals, lanes, &mut k, 400);
        for (h, l) in [(0u32, 0u32), (0, 1), (1, 0), (1, 1)] {
            if sz == 1 && l == 1 {
                continue;
            }
            for base in [0x2f80_9020 | q << 30, 0x7f80_9020] {
                let w = base | sz << 22 | l << 21 | 2 << 16 | h << 11;
                check_vec(w, vals, lanes, &mut k, 200);
            }
        }
    }
}

#[test]
fn reciprocal_steps_match_the_executor() {
    // FRECPS, FRSQRTS: vector and scalar three same.
    let mut k = 23u64;
    for (q, sz) in [(0u32, 0u32), (1, 0), (1, 1)] {
        let (vals, lanes) = if sz == 1 { (F64S, 2) } else { (F32S, 4) };
        for a in [0u32, 1] {
            let w = 0x0e20_fc20 | q << 30 | a << 23 | sz << 22 | 2 << 16;
            check_vec(w, vals, lanes, &mut k, 600);
            check_vec(
                0x5e20_fc20 | a << 23 | sz << 22 | 2 << 16,
                vals,
                lanes,
                &mut k,
                600,
            );
        }
    }
    // Every pair in the scalar forms, including products that overflow
    // while (3 - a*b) / 2 does not, and near-cancellation.
    let extra64 = [
        0x7fe8_0000_0000_0000,
        0x3ffb_b67a_e858_4caa,
        0x3ff8_0000_0000_0000,
    ];
    let extra32 = [0x7f40_0000, 0x3fdd_b3d7, 0x3fc0_0000];
    for (sz, vals, extra) in [(0u32, F32S, &extra32), (1, F64S, &extra64)] {
        let vals: Vec<u64> = vals.iter().chain(extra.iter()).copied().collect();
        for a in [0u32, 1] {
            let w = 0x5e20_fc20 | a << 23 | sz << 22 | 2 << 16;
            let b = translate_fast(w);
            for &x in &vals {
                for &y in &vals {
                    let mut s = state(&[]);
                    (s.v[1], s.v[2]) = (x as u128, y as u128);
                    let mut want = copy(&s);
                    xlat_frontend_aarch64::asimd::exec(&mut want, Insn(w)).expect("valid");
                    for got in run_block(&b, &s) {
                        assert_eq!(got.v[0], want.v[0], "{w:#010x} on {x:#x}, {y:#x}");
                    }
                }
            }
        }
    }
}

#[test]
fn new_forms_keep_the_helper_outside_fast_blocks() {
    // FADDP v0.4s, FMAXNMV s0, FMULX d0, FRECPS v0.2d, FRSQRTS s0, FMULX v0.2s (element)
    for w in [
        0x6e22_d420u32,
        0x6e30_c820,
        0x5e62_dc20,
        0x4e62_fc20,
        0x5ea2_fc20,
        0x2f82_9020,
    ] {
        for flags in [TB_FP_TRACK, 1, 4, 8] {
            let b = translate_flags(w, flags);
            assert!(
                b.insts.iter().any(|i| i.op == Opcode::CallHelper),
                "{w:#010x} under {flags:#x}"
            );
        }
        translate_fast(w);
    }
}
