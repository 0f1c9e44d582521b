//! VSX vector double arithmetic on VSRs 0-31: each VSR is one V128
//! register (FPR `n` its doubleword 0), read and written whole, one `fnan`
//! (Power's rule) per lane; scalar FP writes zero doubleword 1; values
//! and NaNs worked out from the Power ISA.

mod common;
use common::*;
use xlat_ir::{NanRule, Opcode, Type};

/// xvmuldp vs1, vs2, vs3.
const XVMULDP: u32 = 0xf022_1b80;
/// xvmaddadp vs1, vs2, vs3 (vs1 = vs2 * vs3 + vs1).
const XVMADDADP: u32 = 0xf022_1b08;
/// xvsqrtdp vs1, vs2.
const XVSQRTDP: u32 = 0xf020_132c;
/// xvmuldp vs0, vs0, vs9 (target also a source).
const XVMULDP_0_0_9: u32 = 0xf000_4b80;

fn vsr(hi: f64, lo: f64) -> u128 {
    ((hi.to_bits() as u128) << 64) | lo.to_bits() as u128
}

#[test]
fn vector_double_ops_read_and_write_whole_vsrs() {
    // (instruction, distinct source VSRs, float ops)
    for (w, srcs, fops) in [
        (XVMULDP, 2, 2),
        (XVMADDADP, 3, 2),
        (XVSQRTDP, 1, 2),
        (XVMULDP_0_0_9, 2, 2),
    ] {
        let b = translate(&[w]);
        let n = |op| b.insts.iter().filter(|i| i.op == op).count();
        // Each VSR is one V128 register: one read per source, one write
        // of the target, no splat (the old FPR + doubleword-1 join).
        let v128 = |op| {
            b.insts
                .iter()
                .filter(|i| i.op == op && i.ty == Type::V128)
                .count()
        };
        assert_eq!(v128(Opcode::Get), srcs, "{w:08x}");
        let sets = b.insts.iter().filter(|i| i.op == Opcode::Set);
        assert_eq!(sets.count(), 1, "{w:08x}");
        assert_eq!(n(Opcode::Vsplat), 0, "{w:08x}");
        // Lanes out of the sources and into a zero vector, the form the
        // JIT lowers as one host vector op.
        assert_eq!(n(Opcode::Vextract), 2 * srcs, "{w:08x}");
        assert_eq!(n(Opcode::Vinsert), 2, "{w:08x}");
        let f = b
            .insts
            .iter()
            .filter(|i| matches!(i.op, Opcode::Fmul | Opcode::Fma | Opcode::Fsqrt))
            .count();
        assert_eq!(f, fops, "{w:08x}");
        // Three-operand rule: two fnan ops per lane, else one.
        let nans = n(Opcode::Fnan);
        assert_eq!(nans, if w == XVMADDADP { 4 } else { 2 }, "{w:08x}");
        assert!(
            b.insts
                .iter()
                .filter(|i| i.op == Opcode::Fnan)
                .all(|i| i.imm == NanRule::Power as u64)
        );
    }
}

#[test]
fn vector_double_lanes_in_isa_order() {
    let mut s = state(&[]);
    s.vsr[2] = vsr(3.0, -0.5);
    s.vsr[3] = vsr(2.0, 8.0);
    s.vsr[1] = vsr(1.0, 100.0);
    assert_eq!(run(&[XVMULDP], &s).st.vsr[1], vsr(6.0, -4.0));
    assert_eq!(run(&[XVMADDADP], &s).st.vsr[1], vsr(7.0, 96.0));
    s.vsr[2] = vsr(16.0, 0.25);
    assert_eq!(run(&[XVSQRTDP], &s).st.vsr[1], vsr(4.0, 0.5));
    s.vsr[0] = vsr(1.5, -2.0);
    s.vsr[9] = vsr(-4.0, 0.5);
    assert_eq!(run(&[XVMULDP_0_0_9], &s).st.vsr[0], vsr(-6.0, -1.0));
}

#[test]
fn vector_double_nans_follow_power_rules() {
    const SNAN: u64 = 0x7ff0_0000_0000_0123;
    const QNAN: u64 = 0xfff8_0000_0000_0456;
    const DEF: u64 = 0x7ff8_0000_0000_0000;
    let mut s = state(&[]);
    // Lane 0: a quiet NaN in XB, a signalling one in XA: XA's, quieted.
    // Lane 1: infinity times zero: the default NaN.
    s.vsr[2] = ((SNAN as u128) << 64) | f64::INFINITY.to_bits() as u128;
    s.vsr[3] = ((QNAN as u128) << 64) | 0f64.to_bits() as u128;
    s.vsr[1] = 0;
    let r = run(&[XVMULDP], &s).st.vsr[1];
    assert_eq!(r, ((SNAN as u128 | 1 << 51) << 64) | DEF as u128);
    // Multiply-add: XA, then XT (the addend of the A form), then XB.
    s.vsr[2] = vsr(1.0, 1.0);
    s.vsr[3] = ((QNAN as u128) << 64) | QNAN as u128;
    s.vsr[1] = ((SNAN as u128) << 64) | 1f64.to_bits() as u128;
    let r = run(&[XVMADDADP], &s).st.vsr[1];
    assert_eq!(r, ((SNAN as u128 | 1 << 51) << 64) | QNAN as u128);
}

/// lxvd2x vs1/vs33, 0, r4 and stxvd2x vs1/vs33, 0, r5: doubleword 0 from
/// and to the lower address, for a VSR that is an FPR (loaded and stored
/// as a double) and for one that is a VR.
#[test]
fn lxvd2x_and_stxvd2x_keep_doubleword_order() {
    const LD: [u32; 2] = [0x7c20_2698, 0x7c20_2699];
    const ST: [u32; 2] = [0x7c20_2f98, 0x7c20_2f99];
    let hi: u64 = 0x4000_0000_0000_0001;
    let lo: u64 = 0xfff0_0000_0000_0002; // a signalling NaN, bits kept
    for (n, (ld, st)) in [(1, (LD[0], ST[0])), (33, (LD[1], ST[1]))] {
        let mem = new_mem();
        mem.write(DATA, &hi.to_le_bytes());
        mem.write(DATA + 8, &lo.to_le_bytes());
        let s = state(&[(4, DATA), (5, DATA + 0x40)]);
        let r = run_mem(&[ld, st], &s, &mem);
        assert_eq!(r.st.vsr[n], (hi as u128) << 64 | lo as u128, "vs{n}");
        assert_eq!(mem.read_u64(DATA + 0x40), hi, "vs{n}");
        assert_eq!(mem.read_u64(DATA + 0x48), lo, "vs{n}");
    }
}

/// fmul f1, f2, f3; fadd f4, f1, f1: a scalar result is doubleword 0 of
/// its VSR with doubleword 1 zeroed (as qemu-ppc64le and POWER9 leave
/// it), and a scalar read of an FPR this block wrote takes the double
/// itself (no lane extract).
#[test]
fn scalar_results_zero_doubleword_1_and_are_reread_directly() {
    const FMUL: u32 = 0xfc22_00f2;
    const FADD: u32 = 0xfc81_082a;
    let b = translate(&[FMUL, FADD]);
    let n = |op| b.insts.iter().filter(|i| i.op == op).count();
    // Reads of f2 and f3 only.
    assert_eq!(n(Opcode::Vextract), 2);
    let mut s = state(&[]);
    s.vsr[2] = vsr(3.0, 11.0);
    s.vsr[3] = vsr(-2.5, 12.0);
    s.vsr[1] = vsr(0.0, 13.0);
    s.vsr[4] = vsr(0.0, 14.0);
    let r = run(&[FMUL, FADD], &s).st;
    assert_eq!(r.vsr[1], vsr(-7.5, 0.0));
    assert_eq!(r.vsr[4], vsr(-15.0, 0.0));
    assert_eq!(r.vsr[2], vsr(3.0, 11.0));
}

/// xxpermdi vs1, vs2, vs35, DM for every DM (and vs1, vs1, vs1 for
/// the in-place forms xxswapd/xxspltd): doubleword 0 of the result is
/// doubleword DM[0] of XA, doubleword 1 is doubleword DM[1] of XB.
#[test]
fn xxpermdi_selects_doublewords() {
    let dws = |v: u128| [(v >> 64) as u64, v as u64];
    let a: u128 = 0xa0a0_a0a0_a0a0_a0a0_a1a1_a1a1_a1a1_a1a1;
    let b: u128 = 0xb0b0_b0b0_b0b0_b0b0_b1b1_b1b1_b1b1_b1b1;
    for dm in 0..4u32 {
        let w = 0xf000_0050 | 1 << 21 | 2 << 16 | 3 << 11 | dm << 8 | 1 << 1;
        let mut s = state(&[]);
        s.vsr[2] = a;
        s.vsr[35] = b;
        let r = run(&[w], &s).st.vsr[1];
        let want = [dws(a)[(dm >> 1) as usize], dws(b)[(dm & 1) as usize]];
        assert_eq!(dws(r), want, "dm {dm}");
        // In place (vs1 = a).
        let w = 0xf000_0050 | 1 << 21 | 1 << 16 | 1 << 11 | dm << 8;
        s.vsr[1] = a;
        let r = run(&[w], &s).st.vsr[1];
        let want = [dws(a)[(dm >> 1) as usize], dws(a)[(dm & 1) as usize]];
        assert_eq!(dws(r), want, "dm {dm} in place");
    }
}

#[test]
fn scalar_max_min_are_max_num_and_min_num() {
    // xsmaxdp/xsmindp vs0,vs1,vs2 (xo8 160/168): doubleword 0 as
    // xvmaxdp/xvmindp (224/232, run by the VSX FP helper) computes it for
    // every pair of special values, doubleword 1 zero; and the rules
    // themselves: a quiet NaN against a number gives the number, a
    // signalling NaN its quieted self, two NaNs the first, quieted.
    const QNAN: u64 = 0x7ff8_0000_0000_0002;
    const NQNAN: u64 = 0xfff8_0000_0000_0005;
    const SNAN: u64 = 0x7ff0_0000_0000_0001;
    const NSNAN: u64 = 0xfff4_0000_0000_0000;
    let vals: Vec<u64> = [
        0.0f64,
        -0.0,
        1.5,
        -2.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e-310,
    ]
    .iter()
    .map(|x| x.to_bits())
    .chain([QNAN, NQNAN, SNAN, NSNAN])
    .collect();
    let word = |xo8: u32| 60 << 26 | 1 << 16 | 2 << 11 | xo8 << 3;
    let quiet = |x: u64| x | 1 << 51;
    let is_nan = |x: u64| f64::from_bits(x).is_nan();
    for (scalar, vector) in [(160u32, 224u32), (168, 232)] {
        for &a in &vals {
            for &b in &vals {
                let mut s = state(&[]);
                s.vsr[0] = 0x1234;
                s.vsr[1] = (a as u128) << 64 | 0x77;
                s.vsr[2] = (b as u128) << 64 | 0x99;
                let got = run(&[word(scalar)], &s).st.vsr[0];
                let want = run(&[word(vector)], &s).st.vsr[0] >> 64;
                assert_eq!(got, want << 64, "xo8 {scalar}: {a:#x}, {b:#x}");
                let r = (got >> 64) as u64;
                const Q: u64 = 0x7ff8_0000_0000_0000;
                let (aq, bq) = (a & Q == Q, b & Q == Q);
                if aq && !is_nan(b) {
                    assert_eq!(r, b, "QNaN {a:#x} against {b:#x}");
                } else if bq && !is_nan(a) {
                    assert_eq!(r, a, "{a:#x} against QNaN {b:#x}");
                } else if is_nan(a) {
                    assert_eq!(r, quiet(a), "{a:#x}, {b:#x}");
                } else if is_nan(b) {
                    assert_eq!(r, quiet(b), "{a:#x}, {b:#x}");
                }
            }
        }
    }
    // +0 above -0, both orders.
    let w = word(160);
    for (a, b) in [(0.0f64, -0.0f64), (-0.0, 0.0)] {
        let mut s = state(&[]);
        s.vsr[1] = (a.to_bits() as u128) << 64;
        s.vsr[2] = (b.to_bits() as u128) << 64;
        assert_eq!(run(&[w], &s).st.vsr[0], 0, "max({a}, {b})");
        let m = run(&[word(168)], &s).st.vsr[0];
        assert_eq!(m, ((-0.0f64).to_bits() as u128) << 64, "min({a}, {b})");
    }
}
