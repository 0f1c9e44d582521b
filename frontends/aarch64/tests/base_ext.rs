//! CRC32/CRC32C, FEAT_FlagM (CFINV, RMIF, SETF8/16), AXFLAG/XAFLAG and
//! MSR (immediate) at EL0. Encodings from `aarch64-linux-gnu-objdump -d`.

mod common;
use common::*;
use xlat_frontend_aarch64::Aarch64State;
use xlat_ir::ExitCode;

fn with_flags(regs: &[(usize, u64)], f: u8) -> Aarch64State {
    let mut s = state(regs);
    s.nf = f >> 3 & 1;
    s.zf = f >> 2 & 1;
    s.cf = f >> 1 & 1;
    s.vf = f & 1;
    s
}

#[test]
fn crc32_check_values() {
    // The standard check values of "123456789" (init !0, final inversion
    // done by the test): CRC-32 = 0xcbf43926, CRC-32C = 0xe3069283.
    let first8 = u64::from_le_bytes(*b"12345678");
    let st = state(&[(1, 0xffff_ffff), (2, first8), (3, b'9' as u64)]);
    // crc32x w1, w1, x2 ; crc32b w1, w1, w3
    let r = run(&[0x9ac24c21, 0x1ac34021], &st);
    assert_eq!(!r.st.x[1] as u32, 0xcbf4_3926);
    assert_eq!(r.st.x[1] >> 32, 0, "32-bit result zero-extended");
    // crc32cx w1, w1, x2 ; crc32cb w1, w1, w3
    let r = run(&[0x9ac25c21, 0x1ac35021], &st);
    assert_eq!(!r.st.x[1] as u32, 0xe306_9283);
    // The same bytes in 4 + 2 + 1 + 1 + 1 pieces: crc32w, crc32h, crc32b x3
    // (x2 shifted right between steps with lsr x2, x2, #n).
    let prog = [
        0x1ac24821, // crc32w w1, w1, w2
        0xd360fc42, // lsr x2, x2, #32
        0x1ac24421, // crc32h w1, w1, w2
        0xd350fc42, // lsr x2, x2, #16
        0x1ac24021, // crc32b w1, w1, w2
        0xd348fc42, // lsr x2, x2, #8
        0x1ac24021, // crc32b w1, w1, w2
        0x1ac34021, // crc32b w1, w1, w3
    ];
    let r = run(&prog, &st);
    assert_eq!(!r.st.x[1] as u32, 0xcbf4_3926);
}

#[test]
fn crc32_x_requires_sf() {
    // crc32x with sf = 0 (0x1ac24c20) is unallocated.
    assert_eq!(run(&[0x1ac24c20], &state(&[])).exit, ExitCode::Exception);
    assert_eq!(run(&[0x9ac24820], &state(&[])).exit, ExitCode::Exception);
}

#[test]
fn cfinv_axflag_xaflag() {
    let r = run(&[0xd500401f], &with_flags(&[], 0b1010));
    assert_eq!(nzcv(&r.st), 0b1000);
    // FCMP results GT, EQ, LT, unordered in Arm format and in the
    // "external" format of AXFLAG (Arm ARM: N = V = 0, Z = Z|V, C = C&!V).
    for (arm, ext) in [
        (0b0010, 0b0010),
        (0b0110, 0b0110),
        (0b1000, 0b0000),
        (0b0011, 0b0100),
    ] {
        let r = run(&[0xd500405f], &with_flags(&[], arm));
        assert_eq!(nzcv(&r.st), ext, "axflag {arm:04b}");
        let r = run(&[0xd500403f], &with_flags(&[], ext));
        assert_eq!(nzcv(&r.st), arm, "xaflag {ext:04b}");
    }
}

#[test]
fn rmif_and_setf() {
    // rmif x1, #4, #0b1011: bits 7..4 of x1 -> N, (Z kept), C, V
    let r = run(&[0xba02042b], &with_flags(&[(1, 0b1010_0000)], 0b0100));
    assert_eq!(nzcv(&r.st), 0b1110);
    let r = run(&[0xba02042b], &with_flags(&[(1, 0b0101_0000)], 0b0000));
    assert_eq!(nzcv(&r.st), 0b0001);
    // setf8 w1: N = bit 7, Z = low byte zero, V = bit 8 ^ bit 7, C kept
    let r = run(&[0x3a00082d], &with_flags(&[(1, 0x180)], 0b0010));
    assert_eq!(nzcv(&r.st), 0b1010);
    let r = run(&[0x3a00082d], &with_flags(&[(1, 0x100)], 0b0000));
    assert_eq!(nzcv(&r.st), 0b0101);
    let r = run(&[0x3a00082d], &with_flags(&[(1, 0x80)], 0b0000));
    assert_eq!(nzcv(&r.st), 0b1001);
    // setf16 w1
    let r = run(&[0x3a00482d], &with_flags(&[(1, 0x1_0000)], 0b1000));
    assert_eq!(nzcv(&r.st), 0b0101);
    let r = run(&[0x3a00482d], &with_flags(&[(1, 0x7fff)], 0b1111));
    assert_eq!(nzcv(&r.st), 0b0010);
}

#[test]
fn msr_immediate_at_el0() {
    // msr ssbs, #1 is a NOP at EL0
    assert_eq!(run(&[0xd503413f], &state(&[])).exit, ExitCode::Continue);
    // msr daifset, #2 and msr spsel, #1 are UNDEFINED at EL0 in Linux
    assert_eq!(run(&[0xd50342df], &state(&[])).exit, ExitCode::Exception);
    assert_eq!(run(&[0xd50041bf], &state(&[])).exit, ExitCode::Exception);
}

#[test]
fn unprivileged_loads_and_stores_behave_normally() {
    // sttr x2, [x1, #8] ; ldtrb w0, [x1, #8] ; ldtrsh x3, [x1, #8]
    let m = new_mem();
    let r = run_mem(
        &[0xf8008822, 0x38408820, 0x78808823],
        &state(&[(1, DATA), (2, 0xffff_8081)]),
        &m,
    );
    assert_eq!(m.read_u64(DATA + 8), 0xffff_8081);
    assert_eq!(r.st.x[0], 0x81);
    assert_eq!(r.st.x[3], 0xffff_ffff_ffff_8081);
}
