//! Fixed-point instructions run through the interpreter: CR0/XER
//! semantics of record, overflow and carrying forms, compares, rotates,
//! shifts, CR and SPR moves. Encodings from `powerpc64le-linux-gnu-as`
//! (the comment on each constant is objdump's disassembly).

mod common;
use common::*;
use xlat_frontend_ppc64le::Ppc64State;
use xlat_ir::Opcode;

fn one(w: u32, regs: &[(usize, u64)]) -> Box<Ppc64State> {
    run(&[w], &state(regs)).st
}

fn with(w: u32, f: impl FnOnce(&mut Ppc64State)) -> Box<Ppc64State> {
    let mut s = state(&[]);
    f(&mut s);
    run(&[w], &s).st
}

const LT: u8 = 8;
const GT: u8 = 4;
const EQ: u8 = 2;
const SO: u8 = 1;

#[test]
fn add_record_and_overflow() {
    let s = one(0x7c642a15, &[(4, 5), (5, u64::MAX - 9)]); // add. r3,r4,r5
    assert_eq!(s.gpr[3], (-5i64) as u64);
    assert_eq!(crf(&s, 0), LT);
    assert_eq!((s.ca, s.ov), (0, 0)); // add sets neither
    let s = one(0x7c642e15, &[(4, i64::MAX as u64), (5, 1)]); // addo.
    assert_eq!(s.gpr[3], 1 << 63);
    assert_eq!((s.ov, s.so, s.ov32), (1, 1, 0));
    assert_eq!(crf(&s, 0), LT | SO);
    // OV32: overflow of the low word only.
    let s = one(0x7c642e15, &[(4, 0x7fff_ffff), (5, 1)]);
    assert_eq!((s.ov, s.ov32, s.so), (0, 1, 0));
    assert_eq!(crf(&s, 0), GT);
    // SO is sticky and copied into CR0 even without overflow.
    let s = with(0x7c642a15, |s| {
        s.so = 1;
        s.gpr[4] = 0;
        s.gpr[5] = 0;
    });
    assert_eq!(crf(&s, 0), EQ | SO);
}

#[test]
fn carries() {
    let s = one(0x7c642814, &[(4, u64::MAX), (5, 2)]); // addc
    assert_eq!((s.gpr[3], s.ca, s.ca32), (1, 1, 1));
    let s = one(0x7c642814, &[(4, 0xffff_ffff), (5, 1)]);
    assert_eq!((s.gpr[3], s.ca, s.ca32), (0x1_0000_0000, 0, 1));
    // adde: a + b + CA
    let s = with(0x7c642914, |s| {
        s.ca = 1;
        s.gpr[4] = u64::MAX;
        s.gpr[5] = 0;
    });
    assert_eq!((s.gpr[3], s.ca), (0, 1));
    // subfc r3,r4,r5 = r5 - r4; CA = no borrow
    let s = one(0x7c642810, &[(4, 3), (5, 5)]);
    assert_eq!((s.gpr[3], s.ca), (2, 1));
    let s = one(0x7c642810, &[(4, 5), (5, 3)]);
    assert_eq!((s.gpr[3], s.ca), ((-2i64) as u64, 0));
    let s = one(0x7c642810, &[(4, 7), (5, 7)]);
    assert_eq!((s.gpr[3], s.ca), (0, 1));
    // subfe: !a + b + CA
    let s = with(0x7c642910, |s| {
        s.ca = 0;
        s.gpr[4] = 1;
        s.gpr[5] = 1;
    });
    assert_eq!((s.gpr[3], s.ca), (u64::MAX, 0));
    // addze / addme / subfze
    let s = with(0x7c640194, |s| {
        s.ca = 1;
        s.gpr[4] = 41;
    });
    assert_eq!((s.gpr[3], s.ca), (42, 0));
    let s = with(0x7c6401d4, |s| {
        s.ca = 0;
        s.gpr[4] = 0;
    });
    assert_eq!((s.gpr[3], s.ca), (u64::MAX, 0));
    let s = with(0x7c640190, |s| {
        s.ca = 1;
        s.gpr[4] = 0;
    });
    assert_eq!((s.gpr[3], s.ca), (0, 1));
    // addic. r3,r4,-1 sets CA and CR0
    let s = one(0x3464ffff, &[(4, 1)]);
    assert_eq!((s.gpr[3], s.ca, crf(&s, 0)), (0, 1, EQ));
    // subfic r3,r4,10
    let s = one(0x2064000a, &[(4, 11)]);
    assert_eq!((s.gpr[3], s.ca), (u64::MAX, 0));
}

#[test]
fn subf_and_neg() {
    let s = one(0x7c642851, &[(4, 10), (5, 3)]); // subf. r3 = r5 - r4
    assert_eq!(s.gpr[3], (-7i64) as u64);
    assert_eq!(crf(&s, 0), LT);
    let s = one(0x7c6400d0, &[(4, 5)]);
    assert_eq!(s.gpr[3], (-5i64) as u64);
    let s = one(0x7c6404d1, &[(4, 1 << 63)]); // nego.
    assert_eq!((s.gpr[3], s.ov, s.so), (1 << 63, 1, 1));
    assert_eq!(crf(&s, 0), LT | SO);
}

#[test]
fn multiply_divide() {
    let s = one(0x7c642dd7, &[(4, 0x10000), (5, 0x10000)]); // mullwo.
    assert_eq!((s.gpr[3], s.ov, s.so), (0x1_0000_0000, 1, 1));
    let s = one(0x7c642dd7, &[(4, (-3i64) as u64), (5, 7)]);
    assert_eq!((s.gpr[3], s.ov), ((-21i64) as u64, 0));
    let s = one(0x7c642dd2, &[(4, 1 << 62), (5, 2)]); // mulldo
    assert_eq!((s.gpr[3], s.ov), (1 << 63, 1));
    let s = one(0x7c642896, &[(4, (-2i64) as u64), (5, 0x8000_0000)]); // mulhw
    assert_eq!(s.gpr[3], 1);
    let s = one(0x7c642812, &[(4, u64::MAX), (5, u64::MAX)]); // mulhdu
    assert_eq!(s.gpr[3], u64::MAX - 1);
    let s = one(0x7c642bd6, &[(4, (-7i64) as u64), (5, 2)]); // divw
    assert_eq!(s.gpr[3], 0xffff_fffd);
    let s = one(0x7c642b92, &[(4, 100), (5, 7)]); // divdu
    assert_eq!(s.gpr[3], 14);
    let s = one(0x7c642fd6, &[(4, 5), (5, 0)]); // divwo by zero
    assert_eq!((s.ov, s.so, s.ov32), (1, 1, 1));
    let s = one(0x7c642e16, &[(4, (-7i64) as u64), (5, 2)]); // modsw
    assert_eq!(s.gpr[3], (-1i64) as u64);
    let s = one(0x7c642a12, &[(4, 100), (5, 7)]); // modud
    assert_eq!(s.gpr[3], 2);
}

#[test]
fn compares() {
    let s = one(0x7c242800, &[(4, (-1i64) as u64), (5, 1)]); // cmpd
    assert_eq!(crf(&s, 0), LT);
    let s = one(0x7fa42840, &[(4, (-1i64) as u64), (5, 1)]); // cmpld cr7
    assert_eq!(crf(&s, 7), GT);
    // cmpw compares the low words only.
    let s = one(0x7d842800, &[(4, 0x1_0000_0005), (5, 5)]);
    assert_eq!(crf(&s, 3), EQ);
    let s = one(0x2c04ffff, &[(4, 0xffff_ffff)]); // cmpwi r4,-1
    assert_eq!(crf(&s, 0), EQ);
    let s = with(0x28a40064, |s| {
        s.so = 1;
        s.gpr[4] = 50;
    }); // cmpldi cr1,r4,100
    assert_eq!(crf(&s, 1), LT | SO);
}

#[test]
fn logical() {
    let s = one(0x7c832839, &[(4, 0xf0), (5, 0x0f)]); // and.
    assert_eq!((s.gpr[3], crf(&s, 0)), (0, EQ));
    let s = one(0x708300ff, &[(4, 0x1234)]); // andi.
    assert_eq!((s.gpr[3], crf(&s, 0)), (0x34, GT));
    let s = one(0x74838000, &[(4, 0xffff_ffff_ffff_ffff)]); // andis. 0x8000
    assert_eq!((s.gpr[3], crf(&s, 0)), (0x8000_0000, GT));
    let s = one(0x7c8320f8, &[(4, 0)]); // not
    assert_eq!(s.gpr[3], u64::MAX);
    let s = one(0x7c830775, &[(4, 0x80)]); // extsb.
    assert_eq!((s.gpr[3], crf(&s, 0)), ((-128i64) as u64, LT));
    let s = one(0x7c8307b4, &[(4, 0x8000_0000)]); // extsw
    assert_eq!(s.gpr[3], 0xffff_ffff_8000_0000);
    let s = one(0x7c830034, &[(4, 0xffff_0000_0000_1000)]); // cntlzw
    assert_eq!(s.gpr[3], 19);
    let s = one(0x7c830074, &[(4, 0)]); // cntlzd 0
    assert_eq!(s.gpr[3], 64);
    let s = one(0x7c830474, &[(4, 0x100)]); // cnttzd
    assert_eq!(s.gpr[3], 8);
    let s = one(0x7c8300f4, &[(4, 0xff07_0301_0000_00f0)]); // popcntb
    assert_eq!(s.gpr[3], 0x0803_0201_0000_0004);
    let s = one(0x7c8302f4, &[(4, 0xffff_ffff_0000_0003)]); // popcntw
    assert_eq!(s.gpr[3], (32 << 32) | 2);
    let s = one(0x7c8303f4, &[(4, u64::MAX)]);
    assert_eq!(s.gpr[3], 64);
    let s = one(
        0x7c832bf8,
        &[(4, 0x1122_3344_5566_7788), (5, 0x1100_3300_5500_7700)],
    ); // cmpb
    assert_eq!(s.gpr[3], 0xff00_ff00_ff00_ff00);
}

#[test]
fn rotates() {
    let x = 0x0123_4567_89ab_cdef;
    let s = one(0x5483442e, &[(4, x)]); // rlwinm r3,r4,8,16,23
    assert_eq!(s.gpr[3], 0xef00);
    // Wrapping mask (mb > me) keeps the high word copy of the rotation.
    let s = one(0x5483060e, &[(4, x)]); // rlwinm r3,r4,0,24,7
    assert_eq!(s.gpr[3], 0x89ab_cdef_8900_00ef);
    let s = one(0x5083442e, &[(3, u64::MAX), (4, x)]); // rlwimi r3,r4,8,16,23
    assert_eq!(s.gpr[3], 0xffff_ffff_ffff_efff);
    let s = one(0x5c83283e, &[(4, 0x8000_0001), (5, 33)]); // rotlw by 33 = 1
    assert_eq!(s.gpr[3], 3);
    let s = one(0x78834620, &[(4, x)]); // srdi r3,r4,56
    assert_eq!(s.gpr[3], 0x01);
    let s = one(0x788326e4, &[(4, x)]); // sldi r3,r4,4
    assert_eq!(s.gpr[3], 0x1234_5678_9abc_def0);
    let s = one(0x78834228, &[(4, x)]); // rldic r3,r4,8,40
    assert_eq!(s.gpr[3], 0x00cd_ef00);
    let s = one(0x7883802c, &[(3, 0), (4, x)]); // rldimi r3,r4,16,32
    assert_eq!(s.gpr[3], 0xcdef_0000);
    let s = one(0x78832810, &[(4, x), (5, 64 + 8)]); // rotld by 72 = 8
    assert_eq!(s.gpr[3], 0x2345_6789_abcd_ef01);
}

/// MASK(mb, me) of the Power ISA, bit by bit (bit 0 = MSB).
fn isa_mask(mb: u32, me: u32) -> u64 {
    (0..64u32)
        .filter(|&i| {
            if mb <= me {
                mb <= i && i <= me
            } else {
                i >= mb || i <= me
            }
        })
        .fold(0, |m, i| m | 1 << (63 - i))
}

/// A xorshift sequence for operands.
fn operands(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// Runs one rotate word with RS = r4 = `x` and checks RA = r3 and, for a
/// record form, CR0 against `want`.
fn check_rotate(w: u32, x: u64, want: u64) {
    let s = one(w, &[(3, 0x5555), (4, x)]);
    assert_eq!(s.gpr[3], want, "{w:#010x} on {x:#x}");
    if w & 1 != 0 {
        let cr0 = match (want as i64).cmp(&0) {
            std::cmp::Ordering::Less => LT,
            std::cmp::Ordering::Greater => GT,
            std::cmp::Ordering::Equal => EQ,
        };
        assert_eq!(crf(&s, 0), cr0, "{w:#010x} on {x:#x}");
    }
}

#[test]
fn rlwinm_every_shift_and_mask() {
    // The shift forms (slwi, srwi, clrlwi, ...) are translated as shifts,
    // the others as a rotate: all must give ROTL32(RS, SH) & MASK.
    let mut next = operands(0x9e37_79b9_7f4a_7c15);
    for sh in 0..32 {
        for mb in 0..32 {
            for me in 0..32 {
                let x = next();
                let w =
                    21 << 26 | 4 << 21 | 3 << 16 | sh << 11 | mb << 6 | me << 1 | (x & 1) as u32;
                let word = x & 0xffff_ffff;
                let rot = (word << 32 | word).rotate_left(sh);
                check_rotate(w, x, rot & isa_mask(mb + 32, me + 32));
            }
        }
    }
}

#[test]
fn rldic_forms_every_shift_and_mask() {
    // rldicl (srdi, clrldi, rotldi), rldicr (sldi, clrrdi), rldic.
    let mut next = operands(0x0123_4567_89ab_cdef);
    for sh in 0..64u32 {
        for mb in 0..64u32 {
            for xo in 0..3 {
                let x = next();
                let field = (mb & 31) << 1 | mb >> 5;
                let w = 30 << 26
                    | 4 << 21
                    | 3 << 16
                    | (sh & 31) << 11
                    | field << 5
                    | xo << 2
                    | (sh >> 5) << 1
                    | (x >> 63) as u32;
                let m = match xo {
                    0 => isa_mask(mb, 63),
                    1 => isa_mask(0, mb),
                    _ => isa_mask(mb, 63 - sh),
                };
                check_rotate(w, x, x.rotate_left(sh) & m);
            }
        }
    }
}

#[test]
fn shifts() {
    let s = one(0x7c832830, &[(4, 0xffff_ffff), (5, 4)]); // slw
    assert_eq!(s.gpr[3], 0xffff_fff0);
    let s = one(0x7c832830, &[(4, 1), (5, 32)]); // slw by 32 gives 0
    assert_eq!(s.gpr[3], 0);
    let s = one(0x7c832c30, &[(4, 0x1_8000_0000), (5, 31)]); // srw
    assert_eq!(s.gpr[3], 1);
    let s = one(0x7c832e30, &[(4, 0xffff_fff1), (5, 4)]); // sraw -15 >> 4
    assert_eq!((s.gpr[3], s.ca), (u64::MAX, 1));
    let s = one(0x7c832e30, &[(4, 0xffff_fff0), (5, 4)]); // exact: CA = 0
    assert_eq!((s.gpr[3], s.ca), (u64::MAX, 0));
    let s = one(0x7c832e30, &[(4, 0x8000_0000), (5, 40)]); // >= 32
    assert_eq!((s.gpr[3], s.ca), (u64::MAX, 1));
    let s = one(0x7c832670, &[(4, 0xffff_ffff_ffff_fff8)]); // srawi 4
    assert_eq!((s.gpr[3], s.ca, s.ca32), (u64::MAX, 1, 1));
    let s = one(0x7c832836, &[(4, 1), (5, 64)]); // sld by 64
    assert_eq!(s.gpr[3], 0);
    let s = one(0x7c832c36, &[(4, 1 << 63), (5, 63)]); // srd
    assert_eq!(s.gpr[3], 1);
    let s = one(0x7c832e34, &[(4, 1 << 63), (5, 100)]); // srad by 100
    assert_eq!((s.gpr[3], s.ca), (u64::MAX, 1));
    let s = one(0x7c83fe76, &[(4, 5)]); // sradi 63
    assert_eq!((s.gpr[3], s.ca), (0, 0));
}

#[test]
fn cr_moves_isel_setb() {
    let s = with(0x7c64289e, |s| {
        s.cr[2] = 1;
        s.gpr[4] = 1;
        s.gpr[5] = 2;
    }); // iseleq
    assert_eq!(s.gpr[3], 1);
    let s = with(0x7c640100, |s| s.cr[4] = 1); // setb r3,cr1 (LT)
    assert_eq!(s.gpr[3], u64::MAX);
    let s = with(0x7c600026, |s| s.set_cr_word(0x1234_5678)); // mfcr
    assert_eq!(s.gpr[3], 0x1234_5678);
    let s = one(0x7c8ff120, &[(4, 0x8765_4321)]); // mtcr
    assert_eq!(s.cr_word(), 0x8765_4321);
    let s = one(0x7c908120, &[(4, 0xffff_ffff)]); // mtocrf 8 (CR4 only)
    assert_eq!(s.cr_word(), 0x0000_f000);
    let s = with(0x7c720026, |s| s.set_cr_word(0xabcd_ef01)); // mfocrf r3,32 (CR2)
    assert_eq!(s.gpr[3], 0x00c0_0000);
    let s = with(0x4d040000, |s| s.set_cr_word(0x0500_0000)); // mcrf cr2,cr1
    assert_eq!(s.cr_word(), 0x0550_0000);
    let s = with(0x4c011182, |s| {
        s.cr[1] = 1;
        s.cr[2] = 0;
    }); // crxor 0,1,2
    assert_eq!(s.cr[0], 1);
}

#[test]
fn spr_moves() {
    let xer = (1u64 << 31) | (1 << 29) | (1 << 18) | 0x45;
    let s = one(0x7c8103a6, &[(4, xer)]); // mtxer
    assert_eq!(
        (s.so, s.ov, s.ca, s.ov32, s.ca32, s.xer_bc),
        (1, 0, 1, 0, 1, 0x45)
    );
    let s = with(0x7c6102a6, |s| {
        s.ov = 1;
        s.ov32 = 1;
        s.xer_bc = 3;
    }); // mfxer
    assert_eq!(s.gpr[3], (1 << 30) | (1 << 19) | 3);
    let s = one(0x7c8903a6, &[(4, 77)]);
    assert_eq!(s.ctr, 77);
    let s = with(0x7c6802a6, |s| s.lr = 0x1234);
    assert_eq!(s.gpr[3], 0x1234);
    let s = one(0x7c8fcba6, &[(4, 0x4000)]); // mttar
    assert_eq!(s.tar, 0x4000);
    let s = with(0x7d000480, |s| {
        s.ov = 1;
        s.ca32 = 1;
    }); // mcrxrx cr2
    assert_eq!(crf(&s, 2), 0b1001);
    let a = run_once(&[0x7c6c42a6], &state(&[])).gpr[3]; // mftb
    let b = run_once(&[0x7c6c42a6], &state(&[])).gpr[3];
    assert!(a > 0 && b >= a);
}

/// `!a + b + cin` (the subtract family) or `a + b + cin` with every XER
/// bit, computed in wide integers: (result, CA, CA32, OV, OV32).
fn add_reference(a: u64, b: u64, cin: u64, invert: bool) -> (u64, u8, u8, u8, u8) {
    let x = if invert { !a } else { a };
    let wide = x as u128 + b as u128 + cin as u128;
    let low = (x & 0xffff_ffff) + (b & 0xffff_ffff) + cin;
    let signed = x as i64 as i128 + b as i64 as i128 + cin as i128;
    let signed32 = x as i32 as i64 + b as i32 as i64 + cin as i64;
    (
        wide as u64,
        (wide >> 64) as u8,
        (low >> 32) as u8,
        (signed != signed as i64 as i128) as u8,
        (signed32 != signed32 as i32 as i64) as u8,
    )
}

#[test]
fn carrying_forms_on_edge_values() {
    const EDGES: [u64; 10] = [
        0,
        1,
        2,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        i64::MAX as u64,
        1 << 63,
        u64::MAX - 1,
        u64::MAX,
    ];
    // XO-form rT=3, rA=4, rB=5 (or rB=4: rA twice), OE set.
    let word = |xo: u32, rb: u32| 31 << 26 | 3 << 21 | 4 << 16 | rb << 11 | 1 << 10 | xo << 1;
    // (xo, invert a, b: None = rB, Some(k) = constant k, carry in: None = CA)
    let forms: [(u32, bool, Option<u64>, Option<u64>); 9] = [
        (40, true, None, Some(1)),          // subfo
        (8, true, None, Some(1)),           // subfco
        (136, true, None, None),            // subfeo
        (200, true, Some(0), None),         // subfzeo
        (232, true, Some(u64::MAX), None),  // subfmeo
        (104, true, Some(0), Some(1)),      // nego
        (138, false, None, None),           // addeo
        (202, false, Some(0), None),        // addzeo
        (234, false, Some(u64::MAX), None), // addmeo
    ];
    for (xo, invert, konst, fixed_cin) in forms {
        let carrying = !matches!(xo, 40 | 104);
        for &a in &EDGES {
            for &b in &EDGES {
                for ca in 0..2u8 {
                    for same in [false, true] {
                        if same && konst.is_some() {
                            continue;
                        }
                        let bv = if same { a } else { konst.unwrap_or(b) };
                        let cin = fixed_cin.unwrap_or(ca as u64);
                        let w = word(xo, if same { 4 } else { 5 });
                        let s = with(w, |s| {
                            s.ca = ca;
                            s.ca32 = ca;
                            s.gpr[4] = a;
                            s.gpr[5] = b;
                        });
                        let (r, rca, rca32, ov, ov32) = add_reference(a, bv, cin, invert);
                        let (ca_want, ca32_want) = if carrying { (rca, rca32) } else { (ca, ca) };
                        assert_eq!(
                            (s.gpr[3], s.ca, s.ca32, s.ov, s.ov32),
                            (r, ca_want, ca32_want, ov, ov32),
                            "xo {xo} a {a:#x} b {bv:#x} ca {ca}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn shifts_by_an_amount_masked_in_the_block() {
    const CLRLDI: u32 = 0x78a5_06a0; // clrldi r5,r5,58
    const CLRLWI: u32 = 0x54a5_06be; // clrlwi r5,r5,26
    const ANDI: u32 = 0x70a5_007f; // andi. r5,r5,127
    const SRD: u32 = 0x7c83_2c36; // srd r3,r4,r5
    const SLD: u32 = 0x7c83_2836; // sld r3,r4,r5
    let x = 0x8123_4567_89ab_cdefu64;
    for amount in [
        0u64,
        1,
        31,
        32,
        63,
        64,
        65,
        100,
        127,
        128,
        0xffff_ffff_ffff_ffc1,
    ] {
        for (mask, limit) in [(CLRLDI, 63), (CLRLWI, 63), (ANDI, 127)] {
            let n = amount & limit;
            let (right, left) = if n >= 64 { (0, 0) } else { (x >> n, x << n) };
            let s = run(&[mask, SRD], &state(&[(4, x), (5, amount)])).st;
            assert_eq!(s.gpr[3], right, "{mask:08x} srd by {amount:#x}");
            let s = run(&[mask, SLD], &state(&[(4, x), (5, amount)])).st;
            assert_eq!(s.gpr[3], left, "{mask:08x} sld by {amount:#x}");
        }
    }
}

#[test]
fn shifts_by_a_register_use_rb_modulo_64() {
    // slw, srw, sld, srd, rotld (rldcl ..,0) by r5: the IR's shifts and
    // rotations take the amount modulo 64, so RB goes in unmasked (no
    // `and` with 63 in the block), and bit 57 (amounts 64..127) still
    // clears the doubleword shifts.
    const SLW: u32 = 0x7c83_2830;
    const SRW: u32 = 0x7c83_2c30;
    const SLD: u32 = 0x7c83_2836;
    const SRD: u32 = 0x7c83_2c36;
    const ROTLD: u32 = 0x7883_2810;
    let x = 0x8123_4567_89ab_cdefu64;
    for amount in [
        0u64,
        1,
        31,
        32,
        33,
        63,
        64,
        65,
        95,
        127,
        128,
        0xffff_ffff_ffff_ffe1,
    ] {
        // Word shifts read RB's low six bits, doubleword shifts seven.
        let (nw, n) = ((amount & 63) as u32, (amount & 127) as u32);
        let w = x as u32 as u64;
        let want = [
            (SLW, if nw >= 32 { 0 } else { (w << nw) as u32 as u64 }),
            (SRW, if nw >= 32 { 0 } else { w >> nw }),
            (SLD, if n >= 64 { 0 } else { x << n }),
            (SRD, if n >= 64 { 0 } else { x >> n }),
            (ROTLD, x.rotate_left(n % 64)),
        ];
        for (insn, r) in want {
            let out = run(&[insn], &state(&[(4, x), (5, amount)]));
            assert_eq!(out.st.gpr[3], r, "{insn:08x} by {amount:#x}");
            let masks = out.block.insts.iter().any(|i| {
                i.op == Opcode::And
                    && i.operands().any(|a| {
                        let d = &out.block.insts[a.index()];
                        d.op == Opcode::Const && d.imm == 63
                    })
            });
            assert!(!masks, "{insn:08x}: RB masked with 63");
        }
    }
}
