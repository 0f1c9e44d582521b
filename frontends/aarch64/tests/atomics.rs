//! FEAT_LSE atomics (LDADD.., SWP, CAS, CASP) and LDAPR, run through the
//! interpreter. Encodings from `aarch64-linux-gnu-objdump -d`
//! (`-march=armv8.4-a+rcpc`).

mod common;
use common::*;
use xlat_ir::ExitCode;

const B: u64 = DATA + 0x200;

/// Runs one word with x1 = B, x2 = `rs`, memory at B = `old` (8 bytes);
/// returns (x0, memory at B as u64).
fn rmw(w: u32, old: u64, rs: u64) -> (u64, u64) {
    let m = new_mem();
    m.write(B, &old.to_le_bytes());
    let r = run_mem(
        &[w],
        &state(&[(0, 0x5555_5555_5555_5555), (1, B), (2, rs)]),
        &m,
    );
    assert_eq!(r.exit, ExitCode::Continue, "{w:#010x}");
    (r.st.x[0], m.read_u64(B))
}

#[test]
fn ld_ops_all_sizes() {
    // ldadd x2, x0, [x1]
    assert_eq!(rmw(0xf8220020, 40, 2), (40, 42));
    // ldaddal w2, w0, [x1]: 32-bit wraps, upper memory bytes untouched
    assert_eq!(
        rmw(0xb8e20020, 0x1111_1111_ffff_ffff, 2),
        (0xffff_ffff, 0x1111_1111_0000_0001)
    );
    // ldaddb w2, w0, [x1]
    assert_eq!(rmw(0x38220020, 0xaaff, 0x1ff), (0xff, 0xaafe));
    // ldclrh w2, w0, [x1]: clears the bits of w2
    assert_eq!(rmw(0x78221020, 0x77_ffff, 0xf0f0), (0xffff, 0x77_0f0f));
    // ldeora x2, x0, [x1]
    assert_eq!(rmw(0xf8a22020, 0b1100, 0b1010), (0b1100, 0b0110));
    // ldsetl x2, x0, [x1]
    assert_eq!(rmw(0xf8623020, 0b1100, 0b0011), (0b1100, 0b1111));
    // ldsmaxb w2, w0, [x1]: signed bytes, 0x80 (-128) < 0x05
    assert_eq!(rmw(0x38224020, 0x80, 5), (0x80, 5));
    assert_eq!(rmw(0x38224020, 0x7f, 0x80), (0x7f, 0x7f));
    // ldsmaxh w2, w0, [x1]
    assert_eq!(rmw(0x78224020, 0xffff, 1), (0xffff, 1));
    // ldsmin w2, w0, [x1]
    assert_eq!(rmw(0xb8225020, 3, 0xffff_fffe), (3, 0xffff_fffe));
    // ldumax x2, x0, [x1]
    assert_eq!(rmw(0xf8226020, 3, u64::MAX), (3, u64::MAX));
    // lduminh w2, w0, [x1]
    assert_eq!(rmw(0x78227020, 0x1_8000, 0x7fff), (0x8000, 0x1_7fff));
    // swpal x2, x0, [x1]
    assert_eq!(rmw(0xf8e28020, 9, 10), (9, 10));
}

#[test]
fn st_alias_discards_old_value() {
    // stadd x2, [x1] (Rt = xzr)
    let m = new_mem();
    m.write(B, &1u64.to_le_bytes());
    let r = run_mem(&[0xf822003f], &state(&[(1, B), (2, 5)]), &m);
    assert_eq!(m.read_u64(B), 6);
    assert_eq!(r.exit, ExitCode::Continue);
}

#[test]
fn cas_single() {
    // cas x2, x3, [x1]: equal -> store
    let m = new_mem();
    m.write(B, &7u64.to_le_bytes());
    let r = run_mem(&[0xc8a27c23], &state(&[(1, B), (2, 7), (3, 99)]), &m);
    assert_eq!((r.st.x[2], m.read_u64(B)), (7, 99));
    // not equal -> no store, x2 = old
    let r = run_mem(&[0xc8a27c23], &state(&[(1, B), (2, 7), (3, 5)]), &m);
    assert_eq!((r.st.x[2], m.read_u64(B)), (99, 99));
    // casal w2, w3, [x1]: compares 32 bits only; w2 gets zero-extended old
    m.write(B, &0xdead_0000_0000_0010u64.to_le_bytes());
    let r = run_mem(
        &[0x88e2fc23],
        &state(&[(1, B), (2, 0xffff_ffff_0000_0010), (3, 0x20)]),
        &m,
    );
    assert_eq!((r.st.x[2], m.read_u64(B)), (0x10, 0xdead_0000_0000_0020));
    // casb w2, w3, [x1]
    let r = run_mem(&[0x08a27c23], &state(&[(1, B), (2, 0x120), (3, 0x1ff)]), &m);
    assert_eq!((r.st.x[2], m.read_u64(B)), (0x20, 0xdead_0000_0000_00ff));
}

#[test]
fn cas_pairs() {
    // casp x4, x5, x6, x7, [x1]
    let m = new_mem();
    m.write(B, &1u64.to_le_bytes());
    m.write(B + 8, &2u64.to_le_bytes());
    let st = state(&[(1, B), (4, 1), (5, 2), (6, 30), (7, 40)]);
    let r = run_mem(&[0x48247c26], &st, &m);
    assert_eq!((r.st.x[4], r.st.x[5]), (1, 2));
    assert_eq!((m.read_u64(B), m.read_u64(B + 8)), (30, 40));
    // now the expected pair is stale: only the registers change
    let r = run_mem(&[0x48247c26], &st, &m);
    assert_eq!((r.st.x[4], r.st.x[5]), (30, 40));
    assert_eq!((m.read_u64(B), m.read_u64(B + 8)), (30, 40));
    // caspal w4, w5, w6, w7, [x1]
    let st = state(&[(1, B), (4, 30), (5, 0), (6, 0xaaaa_bbbb), (7, 0xcccc_dddd)]);
    let r = run_mem(&[0x0864fc26], &st, &m);
    assert_eq!((r.st.x[4], r.st.x[5]), (30, 0));
    assert_eq!(m.read_u64(B), 0xcccc_dddd_aaaa_bbbb);
    // odd Rs is reserved: casp x5, x6, ... -> Undefined
    let r = run_mem(&[0x48257c26], &st, &m);
    assert_eq!(r.exit, ExitCode::Exception);
}

/// Runs `w` (x0 = result, x1 = address, x2 = operand) at `addr` under
/// `model` on memory holding bytes 0x10, 0x11, ... from B - 16; returns
/// the exit, x0 and the fault address.
fn at(model: &str, w: u32, addr: u64) -> (ExitCode, u64, u64) {
    let m = new_mem();
    let bytes: Vec<u8> = (0x10..0x40).collect();
    m.write(B - 16, &bytes);
    let model = xlat_frontend_aarch64::cpu::find(model).unwrap();
    let r = run_mem_model(model, &[w], &state(&[(1, addr), (2, 1)]), &m);
    (r.exit, r.st.x[0], r.st.hdr.exc_info)
}

#[test]
fn misaligned_atomic_faults_without_lse2() {
    for w in [
        0xf822_0020,
        0xc8df_fc20,
        0xc89f_fc22,
        0xb8bf_c020,
        0xc8e0_fc22,
    ] {
        // ldadd x2, x0, [x1]; ldar x0; stlr x2; ldapr w0; casal x0, x2
        let (exit, _, addr) = at("neoverse-n1", w, B + 2);
        assert_eq!((exit, addr), (ExitCode::Fault, B + 2), "{w:#010x}");
    }
}

#[test]
fn lse2_allows_unaligned_within_a_16_byte_granule() {
    // ldar x0, [x1] at B + 4: bytes 0x24..0x2b, little-endian.
    assert_eq!(
        at("max", 0xc8df_fc20, B + 4),
        (ExitCode::Continue, 0x2b2a_2928_2726_2524, 0)
    );
    // ldadd x2, x0, [x1] and ldapr w0, [x1] at B + 7 / B + 12.
    assert_eq!(at("max", 0xf822_0020, B + 7).0, ExitCode::Continue);
    assert_eq!(at("max", 0xb8bf_c020, B + 12).1, 0x2f2e_2d2c);
    // ldarh w0, [x1] at B + 15 crosses into the next granule.
    let (exit, _, addr) = at("max", 0x48df_fc20, B + 15);
    assert_eq!((exit, addr), (ExitCode::Fault, B + 15));
    // An 8-byte access at B + 9 crosses too; exclusives stay aligned.
    assert_eq!(at("max", 0xc8df_fc20, B + 9).0, ExitCode::Fault);
    assert_eq!(at("max", 0xc85f_7c20, B + 4).0, ExitCode::Fault); // ldxr
}

#[test]
fn ldapr() {
    let m = new_mem();
    m.write(B, &0x8877_6655_4433_2211u64.to_le_bytes());
    let r = run_mem(&[0xf8bfc020, 0x38bfc023], &state(&[(1, B)]), &m); // ldapr x0 ; ldaprb w3
    assert_eq!((r.st.x[0], r.st.x[3]), (0x8877_6655_4433_2211, 0x11));
}

#[test]
fn rcpc2_unscaled_forms() {
    let m = new_mem();
    m.write(B, &0x8899_aabb_ccdd_eeffu64.to_le_bytes());
    // ldapursb x0, [x1, #1]: 0xee sign-extended to 64 bits.
    let r = run_mem(&[0x1980_1020], &state(&[(1, B)]), &m);
    assert_eq!(r.st.x[0], 0xffff_ffff_ffff_ffee);
    // ldapursh w0, [x1, #6]: 0x8899 sign-extended to 32 bits only.
    let r = run_mem(&[0x59c0_6020], &state(&[(1, B)]), &m);
    assert_eq!(r.st.x[0], 0xffff_8899);
    // stlurh w2, [x1, #-2] then ldapur x0, [x1, #-8].
    let r = run_mem(
        &[0x591f_e022, 0xd95f_8020],
        &state(&[(1, B + 8), (2, 0x1234)]),
        &m,
    );
    assert_eq!(r.st.x[0], 0x1234_aabb_ccdd_eeff);
    // Without FEAT_LRCPC2: UNDEFINED.
    let n1 = xlat_frontend_aarch64::cpu::find("neoverse-n1").unwrap();
    let r = run_mem_model(n1, &[0x1980_1020], &state(&[(1, B)]), &m);
    assert_eq!(r.exit, ExitCode::Exception);
}
