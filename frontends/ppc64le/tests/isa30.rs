//! ISA 3.0 / 3.1 additions and the CPU-model gate: values worked out from
//! the Power ISA definitions (and checked against `qemu-ppc64le -cpu
//! power10` by the differential test for the register-only ones).

mod common;
use common::*;
use std::sync::Arc;
use xlat_frontend_ppc64le::{LAYOUT, Ppc64Frontend, Ppc64State, cpu};
use xlat_ir::abi::{GuestMemory, MemRef};
use xlat_ir::{ExceptionKind, ExitCode, Terminal, TranslateOptions};

/// The terminal of `word` translated for the model `name`.
fn term_for(name: &str, word: u32) -> Terminal {
    let m = cpu::find(name).expect("model");
    let b = Ppc64Frontend::new(m).translate_block(
        CODE,
        &Code(vec![word]),
        &TranslateOptions::default(),
    );
    b.terminal()
}

fn is_undef(t: Terminal) -> bool {
    matches!(
        t,
        Terminal::Exception {
            kind: ExceptionKind::Undefined,
            ..
        }
    )
}

#[test]
fn newer_instructions_raise_sigill_on_older_models() {
    let modsw = 0x7c64_2e16; // modsw r3,r4,r5 (ISA 3.0)
    let lxvp = 0x1863_0020; // lxvp vs34,32(r3) (ISA 3.1)
    let vcipher = 0x1000_0d08; // vcipher v0,v0,v1 (ISA 2.07)
    assert!(is_undef(term_for("power8", modsw)));
    assert!(!is_undef(term_for("power9", modsw)));
    assert!(is_undef(term_for("power9", lxvp)));
    assert!(!is_undef(term_for("power10", lxvp)));
    assert!(!is_undef(term_for("power8", vcipher)));
}

#[test]
fn maddhd_maddld_and_maddhdu() {
    let s = state(&[(4, u64::MAX), (5, 3), (6, 5)]);
    // maddhd: -1 * 3 + 5 = 2: high doubleword 0.
    assert_eq!(run(&[0x1064_29b0], &s).st.gpr[3], 0);
    // maddld: low doubleword of the same sum.
    assert_eq!(run(&[0x1064_29b3], &s).st.gpr[3], 2);
    // maddhdu: (2^64 - 1) * 3 + 5 = 3 * 2^64 + 2.
    assert_eq!(run(&[0x1064_29b1], &s).st.gpr[3], 3);
    let s = state(&[(4, 1 << 63), (5, 2), (6, u64::MAX)]);
    // maddhd: -2^63 * 2 + (-1) = -2^64 - 1: high doubleword -2.
    assert_eq!(run(&[0x1064_29b0], &s).st.gpr[3], (-2i64) as u64);
}

#[test]
fn cmprb_cmpeqb_extswsli() {
    // cmprb cr1,1,r3,r4: '7' in '0'..'9' or 'a'..'f'.
    let s = state(&[(3, b'7' as u64), (4, 0x6661_3930)]);
    assert_eq!(crf(&run(&[0x7ca3_2180], &s).st, 1), 0b0100);
    let s = state(&[(3, b'g' as u64), (4, 0x6661_3930)]);
    assert_eq!(crf(&run(&[0x7ca3_2180], &s).st, 1), 0);
    // cmpeqb cr2,r3,r4.
    let s = state(&[(3, 0x1234_5678_9aab), (4, 0x0102_03ab_0506_0708)]);
    assert_eq!(crf(&run(&[0x7d03_21c0], &s).st, 2), 0b0100);
    // extswsli r3,r4,40: sign-extended low word shifted left.
    let s = state(&[(4, 0x1234_5678_8000_0001)]);
    assert_eq!(run(&[0x7c83_46f6], &s).st.gpr[3], 0x0000_0100_0000_0000);
}

#[test]
fn darn_returns_random_values() {
    // darn r3,1 twice: 64-bit values that differ and are never all-ones.
    let a = run_once(&[0x7c61_05e6], &state(&[])).gpr[3];
    let b = run_once(&[0x7c61_05e6], &state(&[])).gpr[3];
    assert_ne!(a, b);
    assert_ne!(a, u64::MAX);
    // darn r3,0: 32-bit.
    assert!(run_once(&[0x7c60_05e6], &state(&[])).gpr[3] <= u32::MAX as u64);
}

/// Runs `words` once on `st` with `mem` reachable by helpers through
/// the header (as the engine sets it up).
fn run_with_memref(words: &[u32], st: &mut Ppc64State, mem: &Mem) -> (ExitCode, MemRef) {
    let memref: MemRef = Arc::new(mem.clone());
    st.hdr.mem = &memref as *const MemRef as usize;
    let block = translate(words);
    let mut scratch = xlat_interp::Scratch::new();
    // SAFETY: `st` is a live Ppc64State, the layout the block was
    // translated for; `memref` outlives the call.
    let exit = unsafe {
        xlat_interp::run_block(
            &block,
            &LAYOUT,
            st as *mut Ppc64State as *mut u8,
            &*memref,
            &mut scratch,
        )
    };
    st.hdr.mem = 0;
    (exit, memref)
}

#[test]
fn lxvl_stxvl_touch_only_the_bytes_named() {
    let mem = new_mem();
    let end = DATA + DATA_LEN as u64;
    for k in 0..5 {
        mem.store(end - 5 + k, 1, 0x10 + k as u128).unwrap();
    }
    // lxvl vs34,r3,r4 with 5 bytes ending at the end of memory.
    let mut s = state(&[(3, end - 5), (4, 5 << 56)]);
    s.vsr[34] = u128::MAX;
    let (exit, _) = run_with_memref(&[0x7c43_221b], &mut s, &mem);
    assert_eq!(exit, ExitCode::Continue);
    // Little-endian: memory byte 0 is the least significant byte.
    assert_eq!(s.vsr[34], 0x0014_1312_1110);
    // lxvll: left-justified.
    let mut s = state(&[(3, end - 5), (4, 5 << 56)]);
    run_with_memref(&[0x7c43_225b], &mut s, &mem);
    assert_eq!(s.vsr[34], 0x0010_1112_1314_u128 << 88);
    // 6 bytes: the sixth faults.
    let mut s = state(&[(3, end - 5), (4, 6 << 56)]);
    let (exit, _) = run_with_memref(&[0x7c43_221b], &mut s, &mem);
    assert_eq!(exit, ExitCode::Fault);
    // One 16-byte access at `end - 5`: this memory names its first byte,
    // the guest address space the first byte it cannot read (`end`).
    assert!((end - 5..=end).contains(&s.hdr.exc_info));
    // 5 bytes from 15 before the end: shifted down from the aligned load.
    for k in 0..15 {
        mem.store(end - 15 + k, 1, 0x30 + k as u128).unwrap();
    }
    let mut s = state(&[(3, end - 15), (4, 5 << 56)]);
    let (exit, _) = run_with_memref(&[0x7c43_221b], &mut s, &mem);
    assert_eq!((exit, s.vsr[34]), (ExitCode::Continue, 0x34_3332_3130));
    // 16 bytes from 1 before the end: the first byte, then a fault.
    let mut s = state(&[(3, end - 1), (4, 16 << 56)]);
    let (exit, _) = run_with_memref(&[0x7c43_221b], &mut s, &mem);
    assert_eq!(exit, ExitCode::Fault);
    // A length above 16 is 16.
    let mut s = state(&[(3, end - 16), (4, 0xff << 56)]);
    run_with_memref(&[0x7c43_221b], &mut s, &mem);
    assert_eq!(s.vsr[34] >> 8, 0x3e_3d3c_3b3a_3938_3736_3534_3332_3130);
    // Inside a page (one 16-byte access): the bytes past the length are
    // not taken.
    for k in 0..16 {
        mem.store(DATA + 0x100 + k, 1, 0x20 + k as u128).unwrap();
    }
    let mut s = state(&[(3, DATA + 0x100), (4, 5 << 56)]);
    s.vsr[34] = u128::MAX;
    run_with_memref(&[0x7c43_221b], &mut s, &mem);
    assert_eq!(s.vsr[34], 0x24_2322_2120);
    run_with_memref(&[0x7c43_225b], &mut s, &mem);
    assert_eq!(s.vsr[34], 0x0020_2122_2324_u128 << 88);
    // Length 0 loads nothing, not even from an address outside memory
    // (the inline form reads the instruction's own bytes: memory that
    // holds the code as well here).
    let code_mem = Mem::new(CODE, (DATA - CODE) as usize + DATA_LEN);
    let mut s = state(&[(3, 8), (4, 0)]);
    s.vsr[34] = u128::MAX;
    let (exit, _) = run_with_memref(&[0x7c43_221b], &mut s, &code_mem);
    assert_eq!((exit, s.vsr[34]), (ExitCode::Continue, 0));
    // stxvl of 3 bytes leaves the fourth alone.
    let mut s = state(&[(3, DATA), (4, 3 << 56)]);
    s.vsr[34] = 0xaabb_ccdd;
    let (_, m) = run_with_memref(&[0x7c43_231b], &mut s, &mem);
    assert_eq!(m.load(DATA, 4).unwrap(), 0x00bb_ccdd);
    // stxvll: from the most significant byte down.
    let mut s = state(&[(3, DATA + 0x200), (4, 3 << 56)]);
    s.vsr[34] = 0xaabb_ccdd_u128 << 96;
    let (_, m) = run_with_memref(&[0x7c43_235b], &mut s, &mem);
    assert_eq!(m.load(DATA + 0x200, 4).unwrap(), 0x00cc_bbaa);
}

#[test]
fn lxvp_stxvp_swap_the_pair_in_little_endian() {
    let mem = new_mem();
    for k in 0..32 {
        mem.store(DATA + 32 + k, 1, k as u128).unwrap();
    }
    let mut s = state(&[(3, DATA)]);
    let (exit, _) = run_with_memref(&[0x1863_0020], &mut s, &mem);
    assert_eq!(exit, ExitCode::Continue);
    let q = |o: u8| u128::from_le_bytes(std::array::from_fn(|i| o + i as u8));
    assert_eq!(s.vsr[35], q(0));
    assert_eq!(s.vsr[34], q(16));
    // stxvp writes them back in the same places.
    let (_, m) = run_with_memref(&[0x1863_0021], &mut s, &new_mem());
    assert_eq!(m.load(DATA + 32, 16).unwrap(), q(0));
    assert_eq!(m.load(DATA + 48, 16).unwrap(), q(16));
}

#[test]
fn half_precision_conversions() {
    use xlat_frontend_ppc64le::helpers::{double_to_half, half_to_double};
    assert_eq!(double_to_half(1.0f64.to_bits(), 0), 0x3c00);
    assert_eq!(double_to_half((-2.5f64).to_bits(), 0), 0xc100);
    assert_eq!(double_to_half(65520.0f64.to_bits(), 0), 0x7c00); // rounds up to inf
    assert_eq!(double_to_half(65520.0f64.to_bits(), 1), 0x7bff); // toward zero
    assert_eq!(double_to_half(2f64.powi(-24).to_bits(), 0), 0x0001);
    assert_eq!(double_to_half(2f64.powi(-26).to_bits(), 2), 0x0001);
    assert_eq!(double_to_half(2f64.powi(-26).to_bits(), 0), 0);
    assert_eq!(half_to_double(0x3c00), 1.0f64.to_bits());
    assert_eq!(half_to_double(0x0001), 2f64.powi(-24).to_bits());
    assert_eq!(half_to_double(0xfc00), f64::NEG_INFINITY.to_bits());
}

#[test]
fn prefixed_addi_loads_and_stores() {
    // pla r5,256 (pc-relative): the prefix's address + 256.
    let r = run(&[0x0610_0000, 0x38a0_0100], &state(&[]));
    assert_eq!(r.st.gpr[5], CODE + 256);
    assert_eq!(r.block.guest_len, 8);
    // paddi r3,r4,74565 (34-bit displacement across the two words).
    let r = run(&[0x0600_0001, 0x3864_2345], &state(&[(4, 1000)]));
    assert_eq!(r.st.gpr[3], 1000 + 0x1_2345);
    // pli r6,-1.
    let r = run(&[0x0603_ffff, 0x38c0_ffff], &state(&[]));
    assert_eq!(r.st.gpr[6], u64::MAX);
    // pstd r3,8(r4); pld r7,8(r4); plwa r8,8(r4); plxv vs35,8(r4).
    let s = state(&[(3, 0x8000_0000_8765_4321), (4, DATA)]);
    let words = [
        0x0400_0000,
        0xf464_0008, // pstd r3,8(r4)
        0x0400_0000,
        0xe4e4_0008, // pld r7,8(r4)
        0x0400_0000,
        0xa504_0008, // plwa r8,8(r4)
        0x0400_0000,
        0xcc64_0008, // plxv vs35,8(r4)
    ];
    let r = run(&words, &s);
    assert_eq!(r.st.gpr[7], 0x8000_0000_8765_4321);
    assert_eq!(r.st.gpr[8], 0xffff_ffff_8765_4321);
    assert_eq!(r.st.vsr[35], 0x8000_0000_8765_4321);
}

#[test]
fn prefixed_splats() {
    // xxspltiw vs35,0x12345678
    let r = run(&[0x0500_1234, 0x8067_5678], &state(&[]));
    assert_eq!(
        r.st.vsr[35],
        0x1234_5678_u128 * 0x0000_0001_0000_0001_0000_0001_0000_0001
    );
    // xxspltidp vs35,1.0f
    let r = run(&[0x0500_3f80, 0x8065_0000], &state(&[]));
    let one = 1.0f64.to_bits() as u128;
    assert_eq!(r.st.vsr[35], one << 64 | one);
    // xxsplti32dx vs35,1,0x12345678: words 1 and 3 only.
    let mut s = state(&[]);
    s.vsr[35] = u128::MAX;
    let r = run(&[0x0500_1234, 0x8063_5678], &s);
    assert_eq!(r.st.vsr[35], 0xffff_ffff_1234_5678_ffff_ffff_1234_5678);
}

#[test]
fn prefixed_need_power10_and_may_not_cross_64_bytes() {
    let pla = [0x0610_0000, 0x38a0_0100];
    let p9 = Ppc64Frontend::new(cpu::find("power9").expect("model")).translate_block(
        CODE,
        &Code(pla.to_vec()),
        &TranslateOptions::default(),
    );
    assert!(is_undef(p9.terminal()));
    // A prefix in the last word of a 64-byte block.
    let mut words = vec![0x6000_0000; 15];
    words.extend_from_slice(&pla);
    let b = translate(&words);
    assert!(matches!(
        b.terminal(),
        Terminal::Exception {
            kind: ExceptionKind::Undefined,
            pc,
            ..
        } if pc == CODE + 60
    ));
}

#[test]
fn vrldmi_keeps_the_bits_outside_the_mask() {
    // vrldmi v3,v4,v5: doubleword 0 rotated by 48 under MASK(0, 0),
    // doubleword 1 by 8 under MASK(8, 15) (mb in bits 16..21, me in 8..13).
    let mut s = state(&[]);
    s.vsr[32 + 3] = 0x1111_1111_1111_1111_2222_2222_2222_2222;
    s.vsr[32 + 4] = 0x0000_0000_0000_00ec_0000_ab00_0000_0000;
    s.vsr[32 + 5] = (48u128 << 64) | (8 << 16 | 15 << 8 | 8);
    let w = 4 << 26 | 3 << 21 | 4 << 16 | 5 << 11 | 197;
    let r = run(&[w], &s);
    // dw0: 0xec << 48 has bit 0 clear; the rest of VRT stays.
    // dw1: 0x0000ab.. rotated by 8 puts 0xab in byte 1 (bits 8..15).
    assert_eq!(r.st.vr(3), 0x1111_1111_1111_1111_22ab_2222_2222_2222);
    // vrldnm (453) of the same: only the rotated, masked bits.
    let r = run(&[w - 197 + 453], &s);
    assert_eq!(r.st.vr(3), 0x0000_0000_0000_0000_00ab_0000_0000_0000);
}

#[test]
fn xvcvspsxws_converts_each_lane_on_its_own() {
    // xvcvspsxws vs34,vs35 (VSR 32 + 2, 32 + 3): NaN, 1.5, -1e10, 7.9.
    let w = 60 << 26 | 2 << 21 | 3 << 11 | 152 << 2 | 0b11;
    let lanes = [f32::NAN, 1.5, -1e10, 7.9].map(|x| x.to_bits() as u128);
    let mut s = state(&[]);
    s.vsr[35] = lanes[0] << 96 | lanes[1] << 64 | lanes[2] << 32 | lanes[3];
    s.vsr[34] = 0x1234;
    let r = run(&[w], &s);
    assert_eq!(r.st.vsr[34], 0x8000_0000_0000_0001_8000_0000_0000_0007);
    // With the invalid-operation exception enabled (VE), XT is kept.
    s.fpscr = 0x80;
    let r = run(&[w], &s);
    assert_eq!(r.st.vsr[34], 0x1234);
}

/// FPSCR after `word` on f1 = `a`, f2 = `b` (fdiv/fadd/... f3,f1,f2).
fn fpscr_after(word: u32, a: f64, b: f64) -> u64 {
    let mut s = Ppc64State::default();
    s.set_fpr(1, a.to_bits());
    s.set_fpr(2, b.to_bits());
    xlat_frontend_ppc64le::helpers::fp_exceptions(
        &mut s,
        xlat_frontend_ppc64le::decode::Insn(word),
    );
    s.fpscr
}

#[test]
fn fpscr_exception_bits() {
    let fdiv = 0xfc61_1024; // fdiv f3,f1,f2
    let fadd = 0xfc61_102a; // fadd f3,f1,f2
    let fmul = 0xfc61_00b2; // fmul f3,f1,f2 (FRC = f2)
    // 1/0: ZX, FX; FPRF +infinity; no VX.
    assert_eq!(fpscr_after(fdiv, 1.0, 0.0), 0x8400_5000);
    // inf - inf as fadd of opposite infinities: VXISI, VX, FX; FPRF QNaN.
    assert_eq!(
        fpscr_after(fadd, f64::INFINITY, f64::NEG_INFINITY),
        0xa081_1000
    );
    // 1 + 2^-53: inexact (XX, FI), FPRF +normal.
    assert_eq!(fpscr_after(fadd, 1.0, 2f64.powi(-53)), 0x8202_4000);
    // Tiny before rounding, normal after: 2^-1022 * (1 - 2^-53) rounds
    // up to the smallest normal, and Power still signals underflow.
    let r = fpscr_after(fmul, f64::MIN_POSITIVE, 1.0 - 2f64.powi(-53));
    assert_eq!(r & 0x0a00_0000, 0x0a00_0000, "UX and XX: {r:#x}");
    // Quiet comparison input: a QNaN operand raises nothing.
    assert_eq!(fpscr_after(fadd, f64::NAN, 1.0) & 0xfff8_0700, 0);
}

#[test]
fn mffs_reading_only_the_rounding_mode_is_recognised() {
    use xlat_frontend_ppc64le::translate::rn_only_read;
    // glibc's printf_fp: mffs f0; mffprd r7,f0; subfic; lwz; srdi;
    // clrlwi r7,r7,30.
    let printf = [
        0xfc00_048e,
        0x7c07_0066,
        0x20a3_0034,
        0x817f_0064,
        0x78a5_0fe0,
        0x54e7_07be,
    ];
    assert!(rn_only_read(&printf));
    // fetestexcept-like: the value is masked with more than RN.
    let mut test = printf;
    test[5] = 0x54e7_013e; // rlwinm r7,r7,0,4,31
    assert!(!rn_only_read(&test));
    // No move to a GPR at all.
    assert!(!rn_only_read(&[0xfc00_048e, 0x6000_0000]));
}
