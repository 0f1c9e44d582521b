//! Loads and stores run through the interpreter on a Vec-backed memory.
//! Encodings from `aarch64-linux-gnu-objdump -d`.

mod common;
use common::*;
use xlat_ir::ExitCode;

const B: u64 = DATA + 0x100;

fn mem_with_pattern() -> Mem {
    let m = new_mem();
    let bytes: Vec<u8> = (0..=255u8).collect();
    m.write(B, &bytes);
    m
}

fn ld(w: u32, regs: &[(usize, u64)]) -> Box<xlat_frontend_aarch64::Aarch64State> {
    let m = mem_with_pattern();
    let r = run_mem(&[w], &state(regs), &m);
    assert_eq!(r.exit, ExitCode::Continue);
    r.st
}

fn le(off: u64, n: usize) -> u64 {
    let mut v = 0u64;
    for k in (0..n).rev() {
        v = (v << 8) | (off + k as u64) & 0xff;
    }
    v
}

#[test]
fn single_loads() {
    assert_eq!(ld(0xf9400420, &[(1, B)]).x[0], le(8, 8)); // ldr x0, [x1, #8]
    assert_eq!(ld(0x39400420, &[(1, B), (0, u64::MAX)]).x[0], 1); // ldrb w0, [x1, #1]
    let s = ld(0x39800020, &[(1, B + 0x80)]); // ldrsb x0, [x1] -> 0x80
    assert_eq!(s.x[0], 0xffff_ffff_ffff_ff80);
    let s = ld(0x79c00020, &[(1, B + 0x80)]); // ldrsh w0 -> 0x8180 sign-extended to 32
    assert_eq!(s.x[0], 0xffff_8180);
    let s = ld(0xb9800420, &[(1, B + 0xf8)]); // ldrsw x0, [x1, #4] -> 0xfffefdfc
    assert_eq!(s.x[0], 0xffff_ffff_fffe_fdfc);
    assert_eq!(ld(0xf85f8020, &[(1, B + 16)]).x[0], le(8, 8)); // ldur x0, [x1, #-8]
}

#[test]
fn writeback_modes() {
    let s = ld(0xf8410420, &[(1, B)]); // ldr x0, [x1], #16
    assert_eq!((s.x[0], s.x[1]), (le(0, 8), B + 16));
    let s = ld(0xf8410c20, &[(1, B)]); // ldr x0, [x1, #16]!
    assert_eq!((s.x[0], s.x[1]), (le(16, 8), B + 16));
    // str x2, [sp, #-16]!
    let m = new_mem();
    let st = state(&[(2, 0xdead_beef)]);
    let r = run_mem(&[0xf81f0fe2], &st, &m);
    assert_eq!(r.st.sp, st.sp - 16);
    assert_eq!(m.read_u64(st.sp - 16), 0xdead_beef);
}

#[test]
fn register_offset() {
    assert_eq!(ld(0xf8627820, &[(1, B), (2, 2)]).x[0], le(16, 8)); // lsl #3
    // ldr w0, [x1, w2, sxtw #2] with w2 = -1
    let s = ld(0xb862d820, &[(1, B + 16), (2, 0xffff_ffff)]);
    assert_eq!(s.x[0], le(12, 4));
    assert_eq!(ld(0x38626820, &[(1, B), (2, 7)]).x[0], 7); // ldrb w0, [x1, x2]
}

#[test]
fn stores() {
    let m = new_mem();
    run_mem(
        &[0xb9000422, 0x79000422],
        &state(&[(1, B), (2, 0x1122_3344_5566_7788)]),
        &m,
    );
    // str w2, [x1, #4] ; strh w2, [x1, #2]
    assert_eq!(m.read(B, 8), vec![0, 0, 0x88, 0x77, 0x88, 0x77, 0x66, 0x55]);
}

#[test]
fn literal_faults_at_code_address() {
    // ldr x0, .+8 : code is not in the data memory, so the load faults at CODE+8
    let r = run(&[0x58000040], &state(&[]));
    assert_eq!(r.exit, ExitCode::Fault);
    assert_eq!(r.st.hdr.exc_info, CODE + 8);
    assert_eq!(r.st.pc, CODE);
    // prfm never faults
    let r = run(&[0xf9800020], &state(&[(1, 0xdead_0000)]));
    assert_eq!(r.exit, ExitCode::Continue);
}

#[test]
fn pairs() {
    let s = ld(0xa9410c20, &[(1, B)]); // ldp x0, x3, [x1, #16]
    assert_eq!((s.x[0], s.x[3]), (le(16, 8), le(24, 8)));
    let s = ld(0x28c10c20, &[(1, B)]); // ldp w0, w3, [x1], #8
    assert_eq!((s.x[0], s.x[3], s.x[1]), (le(0, 4), le(4, 4), B + 8));
    let s = ld(0x69400c20, &[(1, B + 0xf8)]); // ldpsw x0, x3, [x1]
    assert_eq!(s.x[0], 0xffff_ffff_fbfa_f9f8);
    assert_eq!(s.x[3], 0xffff_ffff_fffe_fdfc);
    let s = ld(0xa8400c20, &[(1, B)]); // ldnp
    assert_eq!((s.x[0], s.x[3]), (le(0, 8), le(8, 8)));
    let m = new_mem();
    let r = run_mem(&[0xa9bf1022], &state(&[(1, B), (2, 1), (4, 2)]), &m); // stp x2, x4, [x1, #-16]!
    assert_eq!(r.st.x[1], B - 16);
    assert_eq!((m.read_u64(B - 16), m.read_u64(B - 8)), (1, 2));
}

#[test]
fn simd_registers() {
    let s = ld(0x3dc00420, &[(1, B)]); // ldr q0, [x1, #16]
    assert_eq!(
        s.v[0],
        u128::from_le_bytes(std::array::from_fn(|k| 16 + k as u8))
    );
    let mut st = state(&[(1, B)]);
    st.v[0] = u128::MAX;
    let r = run_mem(&[0xfd400420], &st, &mem_with_pattern()); // ldr d0, [x1, #8]
    assert_eq!(
        r.st.v[0],
        le(8, 8) as u128,
        "scalar load zeroes the upper bits"
    );
    let r = run_mem(&[0xbd400020], &st, &mem_with_pattern()); // ldr s0
    assert_eq!(r.st.v[0], le(0, 4) as u128);
    let r = run_mem(&[0x3d400020], &st, &mem_with_pattern()); // ldr b0
    assert_eq!(r.st.v[0], 0);
    // stp q0, q1, [x1, #32] ; ldp q2, q3, [x1], #32 ; stur q1, [x1, #-16]
    let m = new_mem();
    let mut st = state(&[(1, B)]);
    st.v[0] = 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10;
    st.v[1] = u128::MAX - 5;
    let r = run_mem(&[0xad010420], &st, &m);
    assert_eq!(r.exit, ExitCode::Continue);
    assert_eq!(m.read(B + 32, 16), st.v[0].to_le_bytes());
    assert_eq!(m.read(B + 48, 16), st.v[1].to_le_bytes());
    let mut st2 = state(&[(1, B + 32)]);
    st2.v[2] = 7;
    let r = run_mem(&[0xacc10c22], &st2, &m);
    assert_eq!(
        (r.st.v[2], r.st.v[3], r.st.x[1]),
        (st.v[0], st.v[1], B + 64)
    );
    let r = run_mem(
        &[0x3c9f0021, 0x3ce27820],
        &state(&[(1, B + 16), (2, 0)]),
        &m,
    );
    // stur q1 (zero) at B, then ldr q0, [x1, x2, lsl #4] reads B+16
    assert_eq!(m.read(B, 16), vec![0; 16]);
    assert_eq!(r.st.v[0], 0);
    // str q1, [x1]
    let mut st = state(&[(1, B)]);
    st.v[1] = 0xabcd;
    run_mem(&[0x3d800021], &st, &m);
    assert_eq!(m.read_u64(B), 0xabcd);
}

#[test]
fn exclusives() {
    let m = new_mem();
    m.write(B, &5u64.to_le_bytes());
    // ldxr x0, [x1] ; add x2, x0, #1 ; stxr w3, x2, [x1]
    let prog = [0xc85f7c20, 0x91000402, 0xc8037c22];
    let r = run_mem(&prog, &state(&[(1, B), (3, 9)]), &m);
    assert_eq!((r.st.x[0], r.st.x[3]), (5, 0));
    assert_eq!(m.read_u64(B), 6);
    assert_eq!(
        r.st.excl_addr,
        u64::MAX,
        "store-exclusive clears the monitor"
    );
    // stxr without a preceding ldxr fails and does not store
    let r = run_mem(&[0xc8037c22], &state(&[(1, B), (2, 77)]), &m);
    assert_eq!(r.st.x[3], 1);
    assert_eq!(m.read_u64(B), 6);
    // monitor set but memory changed in between: fails
    let mut st = state(&[(1, B), (2, 77)]);
    st.excl_addr = B;
    st.excl_size = 8;
    st.excl_val = [5, 0];
    let r = run_mem(&[0xc8037c22], &st, &m);
    assert_eq!(r.st.x[3], 1);
    assert_eq!(m.read_u64(B), 6);
    // ldaxr w0 / stlxr w3, w2 (32-bit)
    let r = run_mem(
        &[0x885ffc20, 0x8803fc22],
        &state(&[(1, B), (2, 0xffff_ffff_1234_5678)]),
        &m,
    );
    assert_eq!((r.st.x[0], r.st.x[3]), (6, 0));
    assert_eq!(m.read_u64(B), 0x1234_5678);
    // ldxp x0, x3 ; stxp w5, x2, x4
    let r = run_mem(
        &[0xc87f0c20, 0xc8251022],
        &state(&[(1, B), (2, 10), (4, 20), (5, 9)]),
        &m,
    );
    assert_eq!((r.st.x[0], r.st.x[3], r.st.x[5]), (0x1234_5678, 0, 0));
    assert_eq!((m.read_u64(B), m.read_u64(B + 8)), (10, 20));
    // clrex between ldxr and stxr makes it fail
    let r = run_mem(
        &[0xc85f7c20, 0xd5033f5f, 0xc8037c22],
        &state(&[(1, B), (2, 1)]),
        &m,
    );
    assert_eq!(r.st.x[3], 1);
    // unaligned exclusive faults
    let r = run_mem(&[0xc85f7c20], &state(&[(1, B + 1)]), &m);
    assert_eq!(r.exit, ExitCode::Fault);
}

#[test]
fn acquire_release() {
    let m = mem_with_pattern();
    let r = run_mem(&[0xc8dffc20, 0x08dffc20], &state(&[(1, B + 8)]), &m); // ldar x0 ; ldarb w0
    assert_eq!(r.st.x[0], 8);
    let r = run_mem(&[0xc89ffc22], &state(&[(1, B), (2, 0x99)]), &m); // stlr
    assert_eq!(r.exit, ExitCode::Continue);
    assert_eq!(m.read_u64(B), 0x99);
}

#[test]
fn ld1_st1() {
    let m = mem_with_pattern();
    let r = run_mem(&[0x4c407020], &state(&[(1, B)]), &m); // ld1 {v0.16b}, [x1]
    assert_eq!(
        r.st.v[0],
        u128::from_le_bytes(std::array::from_fn(|k| k as u8))
    );
    let r = run_mem(&[0x4cdfa020], &state(&[(1, B)]), &m); // ld1 {v0,v1}, [x1], #32
    assert_eq!(
        r.st.v[1],
        u128::from_le_bytes(std::array::from_fn(|k| 16 + k as u8))
    );
    assert_eq!(r.st.x[1], B + 32);
    let mut st = state(&[(1, B), (2, 100)]);
    st.v[2] = 42;
    let r = run_mem(&[0x4c827022], &st, &m); // st1 {v2.16b}, [x1], x2
    assert_eq!(r.st.x[1], B + 100);
    assert_eq!(m.read_u64(B), 42);
}

/// 64-bit LD1/ST1 forms and register-number wrap-around (v31 -> v0).
#[test]
fn ld1_st1_d_forms_and_wrap() {
    let m = mem_with_pattern();
    let mut st = state(&[(1, B + 8)]);
    st.v[0] = u128::MAX;
    let r = run_mem(&[0x0c407020], &st, &m); // ld1 {v0.8b}, [x1]: top half zeroed
    assert_eq!(r.st.v[0], le(8, 8) as u128);
    let mut st = state(&[(1, B + 0x40), (2, 48)]);
    let r = run_mem(&[0x4cc2683e], &st, &m); // ld1 {v30.4s, v31.4s, v0.4s}, [x1], x2
    let q = |o: u8| u128::from_le_bytes(std::array::from_fn(|k| 0x40 + o + k as u8));
    assert_eq!((r.st.v[30], r.st.v[31], r.st.v[0]), (q(0), q(16), q(32)));
    assert_eq!(r.st.x[1], B + 0x40 + 48);
    st.v[31] = 0x1111_2222_3333_4444_5555_6666_7777_8888_u128 << 1;
    st.v[0] = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;
    let r = run_mem(&[0x0c00a03f], &st, &m); // st1 {v31.8b, v0.8b}, [x1]
    assert_eq!(r.st.x[1], B + 0x40);
    assert_eq!(m.read_u64(B + 0x40), 0xaaaa_cccc_eeef_1110);
    assert_eq!(m.read_u64(B + 0x48), 0xfedc_ba98_7654_3210);
    // The bytes after the 16 stored ones are untouched.
    assert_eq!(m.read(B + 0x50, 1), [0x50]);
}

#[test]
fn dc_zva_zeroes_64_bytes() {
    let m = mem_with_pattern();
    let r = run_mem(&[0xd50b7421], &state(&[(1, B + 0x45)]), &m);
    assert_eq!(r.exit, ExitCode::Continue);
    assert_eq!(m.read(B + 0x40, 64), vec![0; 64]);
    assert_eq!(m.read(B + 0x3f, 1), vec![0x3f]);
    assert_eq!(m.read(B + 0x80, 1), vec![0x80]);
}

#[test]
fn fault_leaves_registers_exact() {
    // ldr x0, [x1], #16 with an unmapped x1: no writeback
    let r = run(&[0x91000400, 0xf8410420], &state(&[(1, 0x40)]));
    assert_eq!(r.exit, ExitCode::Fault);
    assert_eq!(r.st.x[1], 0x40);
    assert_eq!(r.st.x[0], 1, "the first instruction completed");
    assert_eq!(r.st.pc, CODE + 4);
}

/// (access bytes, is store) of every `load`/`store` in a block; fails if
/// the block calls a helper.
fn mem_ops(w: u32) -> Vec<(u8, bool)> {
    let b = translate(&[w]);
    assert!(
        b.helpers.is_empty() && b.insts.iter().all(|i| i.op != xlat_ir::Opcode::CallHelper),
        "{w:#010x} calls a helper"
    );
    b.insts
        .iter()
        .filter(|i| matches!(i.op, xlat_ir::Opcode::Load | xlat_ir::Opcode::Store))
        .map(|i| {
            (
                xlat_ir::MemFlags::from_imm(i.imm).size,
                i.op == xlat_ir::Opcode::Store,
            )
        })
        .collect()
}

/// SIMD&FP register loads/stores (glibc's memcpy/memset) are plain IR
/// `load`/`store` of the access size, never a helper call (issue #5).
#[test]
fn simd_fp_access_is_inline_ir() {
    let (l, s) = (false, true);
    assert_eq!(mem_ops(0x3dc00020), [(16, l)]); // ldr q0, [x1]
    assert_eq!(mem_ops(0x3d800420), [(16, s)]); // str q0, [x1, #16]
    assert_eq!(mem_ops(0xad400420), [(16, l), (16, l)]); // ldp q0, q1, [x1]
    assert_eq!(mem_ops(0xad810420), [(16, s), (16, s)]); // stp q0, q1, [x1, #32]!
    assert_eq!(mem_ops(0x6cc10c22), [(8, l), (8, l)]); // ldp d2, d3, [x1], #16
    assert_eq!(mem_ops(0xfc5f8022), [(8, l)]); // ldur d2, [x1, #-8]
    assert_eq!(mem_ops(0xbc003023), [(4, s)]); // stur s3, [x1, #3]
    assert_eq!(mem_ops(0x7c627824), [(2, l)]); // ldr h4, [x1, x2, lsl #1]
    assert_eq!(mem_ops(0x3d000425), [(1, s)]); // str b5, [x1, #1]
    assert_eq!(mem_ops(0x4c407020), [(16, l)]); // ld1 {v0.16b}, [x1]
    assert_eq!(mem_ops(0x4c9fa020), [(16, s); 2]); // st1 {v0.16b, v1.16b}, [x1], #32
    assert_eq!(mem_ops(0x4c402c22), [(16, l); 4]); // ld1 {v2.2d-v5.2d}, [x1]
    assert_eq!(mem_ops(0x0c407020), [(8, l)]); // ld1 {v0.8b}, [x1]
    assert_eq!(mem_ops(0x0c00a03f), [(8, s); 2]); // st1 {v31.8b, v0.8b}, [x1]
}

/// A narrow SIMD&FP load zeroes the rest of the 128-bit register.
#[test]
fn simd_fp_narrow_load_zero_extends() {
    let m = mem_with_pattern();
    let mut st = state(&[(1, B + 8), (2, 3)]);
    st.v[2] = u128::MAX;
    st.v[4] = u128::MAX;
    let r = run_mem(&[0xfc5f8022], &st, &m); // ldur d2, [x1, #-8]
    assert_eq!(r.st.v[2], le(0, 8) as u128);
    let r = run_mem(&[0x7c627824], &st, &m); // ldr h4, [x1, x2, lsl #1]
    assert_eq!(r.st.v[4], le(14, 2) as u128);
}
