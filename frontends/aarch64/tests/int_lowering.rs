//! The shorter integer lowerings (issue #5) against the Arm pseudo-code:
//! SBFM/UBFM/BFM through their field extract/insert forms, and conditions
//! tested on a comparison's operands instead of on the NZCV bytes.
//! Encodings from `aarch64-linux-gnu-as` + `objdump -d`.

mod common;
use common::*;
use xlat_frontend_aarch64::translate::decode_bit_masks;

/// Edge values for the integer operands.
const EDGES: [u64; 10] = [
    0,
    1,
    2,
    0x7f,
    0x8000_0000,
    0x7fff_ffff,
    0xffff_ffff,
    0x8000_0000_0000_0000,
    0x7fff_ffff_ffff_ffff,
    u64::MAX,
];

/// SBFM/BFM/UBFM as the Arm ARM's pseudo-code defines them.
fn bfm_ref(sf: bool, opc: u32, immr: u32, imms: u32, dst: u64, src: u64) -> u64 {
    let w = if sf { 64 } else { 32 };
    let ones = if sf { u64::MAX } else { 0xffff_ffff };
    let (wmask, tmask) = decode_bit_masks(sf as u32, imms, immr, false, w).unwrap();
    let src = src & ones;
    let dst = dst & ones;
    let ror = if immr == 0 {
        src
    } else {
        ((src >> immr) | (src << (w - immr))) & ones
    };
    let bot_dst = if opc == 1 { dst } else { 0 };
    let bot = (bot_dst & !wmask) | (ror & wmask);
    let top = match opc {
        0 if (src >> imms) & 1 == 1 => ones,
        1 => dst,
        _ => 0,
    };
    ((top & !tmask) | (bot & tmask)) & ones
}

#[test]
fn bitfield_matches_pseudocode() {
    let values = [
        0xfedc_ba98_7654_3210u64,
        0x8000_0000_8000_0001,
        0x0123_4567_89ab_cdef,
        u64::MAX,
        0,
    ];
    let dst = 0x5a5a_a5a5_3c3c_c3c3u64;
    for sf in [false, true] {
        let w = if sf { 64 } else { 32 };
        for opc in 0..3u32 {
            for immr in 0..w {
                for imms in 0..w {
                    // SBFM/BFM/UBFM x0, x1, #immr, #imms
                    let word = (sf as u32) << 31
                        | opc << 29
                        | 0x13 << 24
                        | (sf as u32) << 22
                        | immr << 16
                        | imms << 10
                        | 1 << 5;
                    let st = state(&[(0, dst), (1, values[((immr + imms) % 5) as usize])]);
                    let got = run(&[word], &st).st.x[0];
                    let want = bfm_ref(sf, opc, immr, imms, dst, st.x[1]);
                    assert_eq!(got, want, "{word:#010x} src {:#x}", st.x[1]);
                }
            }
        }
    }
}

#[test]
fn sbfiz_word_to_scaled_index() {
    // sbfiz x3, x1, #3, #32 (x3 = (i64)(i32)x1 << 3) is an extension and a
    // shift: no rotate, no masks.
    let w = 0x937d7c23;
    let r = run(&[w], &state(&[(1, 0x1_8000_0001)]));
    assert_eq!(r.st.x[3], (-0x7fff_ffffi64 as u64) << 3);
    let mut b = r.block;
    xlat_ir::passes::optimize(&mut b, &xlat_frontend_aarch64::LAYOUT);
    let ops: Vec<_> = b.insts.iter().map(|i| i.op.name()).collect();
    assert!(
        !ops.contains(&"rotr") && !ops.contains(&"and") && !ops.contains(&"or"),
        "{ops:?}"
    );
}

/// Runs `first` then `second` as one block and as two blocks (the second
/// reading the flags from the state, the generic path) and checks both
/// leave the same registers, flags and PC; returns the one-block state.
fn fused_vs_split(
    first: &[u32],
    second: u32,
    st: &xlat_frontend_aarch64::Aarch64State,
    what: &str,
) -> Box<xlat_frontend_aarch64::Aarch64State> {
    let mut words = first.to_vec();
    words.push(second);
    let fused = run(&words, st).st;
    let mid = run(first, st).st;
    let mut split = run(&[second], &mid).st;
    // The second block ran at CODE: move its PC after `first`.
    split.pc += 4 * first.len() as u64;
    assert_eq!(fused.x, split.x, "{what}");
    assert_eq!(nzcv(&fused), nzcv(&split), "{what}");
    assert_eq!(fused.pc, split.pc, "{what}");
    fused
}

/// Flag-setting instructions with x1/w1 and x2/w2 as operands.
const SETTERS: [(u32, &str); 10] = [
    (0xab020026, "adds x6, x1, x2"),
    (0xb100043f, "cmn x1, #1"),
    (0x2b02003f, "cmn w1, w2"),
    (0xeb02003f, "cmp x1, x2"),
    (0x6b02003f, "cmp w1, w2"),
    (0xf100143f, "cmp x1, #5"),
    (0xeb020026, "subs x6, x1, x2"),
    (0xea02003f, "tst x1, x2"),
    (0x6a02003f, "tst w1, w2"),
    (0xab02003f, "cmn x1, x2"),
];

#[test]
fn csel_and_branch_after_flag_setter() {
    for (setter, name) in SETTERS {
        for cond in 0..16u32 {
            let csel = 0x9a840060 | cond << 12; // csel x0, x3, x4, cond
            let bcond = 0x54000040 | cond; // b.cond .+8
            for a in EDGES {
                for b in EDGES.iter().copied().chain([5, 4, 6]) {
                    let st = state(&[(1, a), (2, b), (3, 33), (4, 44)]);
                    let what = format!("{name}; cond {cond} a {a:#x} b {b:#x}");
                    fused_vs_split(&[setter], csel, &st, &what);
                    fused_vs_split(&[setter], bcond, &st, &what);
                }
            }
        }
    }
    // One case by hand: cmp x1, x2 ; b.ls with 3 <= 3 is taken.
    let r = run(&[0xeb02003f, 0x54000049], &state(&[(1, 3), (2, 3)]));
    assert_eq!(r.st.pc, CODE + 12);
    let r = run(&[0xeb02003f, 0x54000049], &state(&[(1, 4), (2, 3)]));
    assert_eq!(r.st.pc, CODE + 8);
}

#[test]
fn flags_rewritten_between_compare_and_use() {
    // cmp x1, x2 ; <flag writer> ; csel x0, x3, x4, cond: the condition
    // must come from the second writer's flags.
    let writers = [
        (0xd51b4205, "msr nzcv, x5"),
        (0xfa421020, "ccmp x1, x2, #0, ne"),
        (0xab02003f, "cmn x1, x2"),
        (0x6a02003f, "tst w1, w2"),
    ];
    for (wr, name) in writers {
        for cond in 0..16u32 {
            let csel = 0x9a840060 | cond << 12;
            for a in EDGES {
                for b in [0, 1, u64::MAX, 0x8000_0000_0000_0000] {
                    for x5 in [0u64, 0x6000_0000, 0x9000_0000, 0xf000_0000] {
                        let st = state(&[(1, a), (2, b), (3, 33), (4, 44), (5, x5)]);
                        let what = format!("{name}; cond {cond} a {a:#x} b {b:#x}");
                        fused_vs_split(&[0xeb02003f, wr], csel, &st, &what);
                    }
                }
            }
        }
    }
}

#[test]
fn fused_compare_is_one_icmp() {
    // cmp x1, x2 ; b.ls: the branch condition is `x1 <= x2` unsigned, not
    // a combination of the C and Z bytes.
    let mut b = translate(&[0xeb02003f, 0x54000049]);
    xlat_ir::passes::optimize(&mut b, &xlat_frontend_aarch64::LAYOUT);
    let xlat_ir::Terminal::Branch { cond, .. } = b.terminal() else {
        panic!("not a branch");
    };
    let i = b.insts[cond.index()];
    assert_eq!(i.op, xlat_ir::Opcode::Icmp);
    assert_eq!(xlat_ir::Cond::from_imm(i.imm), Some(xlat_ir::Cond::Ule));
}

#[test]
fn register_moves_fold_to_copies() {
    // mov w1, w6 (orr w1, wzr, w6); neg x0, x1 (sub x0, xzr, x1); mov x2, x6
    let words = [0x2a0603e1, 0xcb0103e0, 0xaa0603e2];
    let r = run(&words, &state(&[(6, 0xdead_beef_8000_0001)]));
    assert_eq!(r.st.x[1], 0x8000_0001);
    assert_eq!(r.st.x[0], 0x8000_0001u64.wrapping_neg());
    assert_eq!(r.st.x[2], 0xdead_beef_8000_0001);
    let mut b = r.block;
    xlat_ir::passes::optimize(&mut b, &xlat_frontend_aarch64::LAYOUT);
    let count = |name: &str| b.insts.iter().filter(|i| i.op.name() == name).count();
    // The or with zero is gone; the subtraction from zero is not an identity.
    assert_eq!((count("or"), count("sub")), (0, 1));
}

#[test]
fn word_results_read_back_without_extensions() {
    // add w1, w1, #1 ; eor w2, w1, w3: the second reads w1 as the first's
    // 32-bit sum, not as trunc(zext(sum)).
    let words = [0x11000421, 0x4a030022];
    let r = run(
        &words,
        &state(&[(1, 0xffff_ffff), (3, 0x1234_5678_9abc_def0)]),
    );
    assert_eq!((r.st.x[1], r.st.x[2]), (0, 0x9abc_def0));
    let mut b = r.block;
    xlat_ir::passes::optimize(&mut b, &xlat_frontend_aarch64::LAYOUT);
    let count = |name: &str| b.insts.iter().filter(|i| i.op.name() == name).count();
    // Truncations of x1 and x3 as read, none of the zero-extended sum.
    assert_eq!(
        count("trunc"),
        2,
        "{}",
        xlat_ir::print::print_block(&b, &xlat_frontend_aarch64::LAYOUT)
    );
}

#[test]
fn compare_with_zero_has_constant_carry_and_overflow() {
    // cmp x1, #0 ; ccmp x2, #0, #4, ne: C = 1 and V = 0 of both compares
    // fold to constants; the flags stay right.
    let words = [0xf100003f, 0xfa401844];
    for (a, b, want) in [(0, 5, 0b0100), (3, 0, 0b0110), (3, u64::MAX, 0b1010)] {
        let r = run(&words, &state(&[(1, a), (2, b)]));
        assert_eq!(nzcv(&r.st), want, "a {a} b {b}");
        let mut blk = r.block;
        xlat_ir::passes::optimize(&mut blk, &xlat_frontend_aarch64::LAYOUT);
        let count = |name: &str| blk.insts.iter().filter(|i| i.op.name() == name).count();
        assert_eq!(count("xor"), 0);
        assert_eq!(count("and"), 0);
    }
}

#[test]
fn conditions_after_ccmp() {
    // cmp x3, #0 ; ccmp x1, x2, #nzcv, cond1 (also w and immediate forms);
    // then csel/b.cond on cond2.
    let vals = [0, 1, 0x8000_0000, u64::MAX];
    for cond1 in 0..16u32 {
        for nzcv in [0b0010, 0b0100, 0b1001] {
            let ccmps = [
                0xfa420020 | cond1 << 12 | nzcv, // ccmp x1, x2
                0x7a420020 | cond1 << 12 | nzcv, // ccmp w1, w2
                0xfa410820 | cond1 << 12 | nzcv, // ccmp x1, #1
            ];
            for ccmp in ccmps {
                for cond2 in 0..16u32 {
                    let csel = 0x9a840060 | cond2 << 12;
                    let bcond = 0x54000040 | cond2;
                    for a in vals {
                        for b in vals {
                            for x5 in [0, 7] {
                                let st = state(&[(1, a), (2, b), (3, 33), (4, 44), (5, x5)]);
                                let what = format!("{ccmp:#x}; cond {cond2} a {a:#x} b {b:#x}");
                                // cmp x5, #0 first so cond1 sees both outcomes.
                                fused_vs_split(&[0xf10000bf, ccmp], csel, &st, &what);
                                fused_vs_split(&[0xf10000bf, ccmp], bcond, &st, &what);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// NZCV of AddWithCarry(x, y, carry) at `bits` (the Arm pseudo-code, in
/// i128/u128 arithmetic).
fn add_with_carry_ref(bits: u32, x: u64, y: u64, carry: u64) -> (u64, u8) {
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    };
    let (x, y) = (x & mask, y & mask);
    let sint = |v: u64| ((v as i128) << (128 - bits)) >> (128 - bits);
    let unsigned_sum = x as u128 + y as u128 + carry as u128;
    let signed_sum = sint(x) + sint(y) + carry as i128;
    let res = unsigned_sum as u64 & mask;
    let n = (res >> (bits - 1)) & 1;
    let z = (res == 0) as u64;
    let c = (res as u128 != unsigned_sum) as u64;
    let v = (sint(res) != signed_sum) as u64;
    (res, (n << 3 | z << 2 | c << 1 | v) as u8)
}

#[test]
fn add_sub_flags_match_pseudocode() {
    // adds/subs x0, x1, x2 and w0, w1, w2; adds/subs x0, x1, #1; cmn/cmp.
    let regs = [
        (0xab020020u32, 64, false),
        (0x2b020020, 32, false),
        (0xeb020020, 64, true),
        (0x6b020020, 32, true),
    ];
    let more = [3, 0x4000_0000, 0xc000_0000, 0x4000_0000_0000_0000];
    for (w, bits, sub) in regs {
        for a in EDGES.iter().chain(&more) {
            for b in EDGES.iter().chain(&more) {
                let r = run(&[w], &state(&[(1, *a), (2, *b)])).st;
                let want = if sub {
                    add_with_carry_ref(bits, *a, !*b, 1)
                } else {
                    add_with_carry_ref(bits, *a, *b, 0)
                };
                assert_eq!((r.x[0], nzcv(&r)), want, "{w:#x} a {a:#x} b {b:#x}");
            }
        }
    }
    for (w, sub) in [(0xb1000420u32, false), (0xf1000420, true)] {
        for a in EDGES.iter().chain(&more) {
            let r = run(&[w], &state(&[(1, *a)])).st;
            let want = if sub {
                add_with_carry_ref(64, *a, !1, 1)
            } else {
                add_with_carry_ref(64, *a, 1, 0)
            };
            assert_eq!((r.x[0], nzcv(&r)), want, "{w:#x} a {a:#x}");
        }
    }
}

#[test]
fn word_loads_are_zero_extending_doubleword_loads() {
    // ldrb w1, [x0]; ldrh w2, [x0, #2]; ldr w3, [x0, #4]; ldrsb w4, [x0, #7]:
    // the unsigned ones load straight into the X register (one extending
    // i64 load, no `zext` after a 32-bit one); LDRSB W sign-extends to 32
    // bits only. The old upper halves of the registers are cleared.
    let words = [0x39400001, 0x79400402, 0xb9400403, 0x39c01c04];
    let m = new_mem();
    m.write(DATA, &[0x81, 0x7f, 0xfe, 0x80, 0x01, 0x02, 0x03, 0x84]);
    let junk = 0xdead_beef_dead_beef;
    let st = state(&[(0, DATA), (1, junk), (2, junk), (3, junk), (4, junk)]);
    let r = run_mem(&words, &st, &m);
    assert_eq!(r.st.x[1], 0x81);
    assert_eq!(r.st.x[2], 0x80fe);
    assert_eq!(r.st.x[3], 0x8403_0201);
    assert_eq!(r.st.x[4], 0xffff_ff84);
    let mut b = r.block;
    xlat_ir::passes::optimize(&mut b, &xlat_frontend_aarch64::LAYOUT);
    let loads: Vec<_> = b.insts.iter().filter(|i| i.op.name() == "load").collect();
    let text = xlat_ir::print::print_block(&b, &xlat_frontend_aarch64::LAYOUT);
    assert_eq!(loads.len(), 4, "{text}");
    assert!(
        loads[..3].iter().all(|i| i.ty == xlat_ir::Type::I64),
        "{text}"
    );
    // Only LDRSB W's 32-bit result is zero-extended into x4.
    let zexts = b.insts.iter().filter(|i| i.op.name() == "zext").count();
    assert_eq!(zexts, 1, "{text}");
}
