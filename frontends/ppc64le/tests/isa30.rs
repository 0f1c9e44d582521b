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
    assert_eq!(s.hdr.exc_info, end);
    // stxvl of 3 bytes leaves the fourth alone.
    let mut s = state(&[(3, DATA), (4, 3 << 56)]);
    s.vsr[34] = 0xaabb_ccdd;
    let (_, m) = run_with_memref(&[0x7c43_231b], &mut s, &mem);
    assert_eq!(m.load(DATA, 4).unwrap(), 0x00bb_ccdd);
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
