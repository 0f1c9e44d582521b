//! Branches (CTR decrement, CR conditions, LR/CTR targets, link forms),
//! traps, system calls, loads/stores, reservations and a few FP/vector
//! instructions run through the interpreter.

mod common;
use common::*;
use xlat_frontend_ppc64le::Ppc64State;
use xlat_ir::{ExceptionKind, ExitCode, Opcode, Terminal};

fn st(f: impl FnOnce(&mut Ppc64State)) -> Ppc64State {
    let mut s = state(&[]);
    f(&mut s);
    s
}

#[test]
fn unconditional_and_link() {
    let r = run(&[0x48000008], &state(&[])); // b .+8
    assert_eq!(r.st.pc, CODE + 8);
    let r = run(&[0x48000011], &state(&[])); // bl .+16
    assert_eq!((r.st.pc, r.st.lr), (CODE + 16, CODE + 4));
    assert!(matches!(term(&r.block), Terminal::Call { ret, .. } if ret == CODE + 4));
}

#[test]
fn bdnz_counts_down() {
    // bdnz .-8 at CODE: taken while CTR - 1 != 0.
    let r = run(&[0x4200fff8], &st(|s| s.ctr = 2));
    assert_eq!((r.st.ctr, r.st.pc), (1, CODE - 8));
    let r = run(&[0x4200fff8], &st(|s| s.ctr = 1));
    assert_eq!((r.st.ctr, r.st.pc), (0, CODE + 4));
    // CTR = 0 wraps to all ones and branches.
    let r = run(&[0x4200fff8], &st(|s| s.ctr = 0));
    assert_eq!((r.st.ctr, r.st.pc), (u64::MAX, CODE - 8));
    // bdz .+8
    let r = run(&[0x42400008], &st(|s| s.ctr = 1));
    assert_eq!(r.st.pc, CODE + 8);
    // bdnzt eq,.+8: needs CTR != 0 after decrement and CR0.EQ.
    let r = run(
        &[0x41020008],
        &st(|s| {
            s.ctr = 5;
            s.cr[2] = 1;
        }),
    );
    assert_eq!((r.st.ctr, r.st.pc), (4, CODE + 8));
    let r = run(&[0x41020008], &st(|s| s.ctr = 5));
    assert_eq!(r.st.pc, CODE + 4);
}

#[test]
fn conditional_on_cr() {
    let r = run(&[0x4186000c], &st(|s| s.cr[6] = 1)); // beq cr1
    assert_eq!(r.st.pc, CODE + 12);
    let r = run(&[0x4186000c], &st(|s| s.cr[2] = 1)); // CR0.EQ is not cr1
    assert_eq!(r.st.pc, CODE + 4);
    let r = run(&[0x4082000c], &state(&[])); // bne
    assert_eq!(r.st.pc, CODE + 12);
}

#[test]
fn register_targets() {
    let r = run(&[0x4e800020], &st(|s| s.lr = 0x2003)); // blr, low bits ignored
    assert_eq!(r.st.pc, 0x2000);
    assert!(matches!(term(&r.block), Terminal::Return(_)));
    let r = run(&[0x4d820020], &st(|s| s.lr = 0x3000)); // beqlr, not taken
    assert_eq!(r.st.pc, CODE + 4);
    let r = run(
        &[0x4d820020],
        &st(|s| {
            s.lr = 0x3000;
            s.cr[2] = 1;
        }),
    );
    assert_eq!(r.st.pc, 0x3000);
    let r = run(&[0x4e800421], &st(|s| s.ctr = 0x5000)); // bctrl
    assert_eq!((r.st.pc, r.st.lr), (0x5000, CODE + 4));
}

#[test]
fn traps_and_syscalls() {
    let r = run(&[0x44000002], &state(&[])); // sc
    assert_eq!(r.exit, ExitCode::Exception);
    assert_eq!(r.st.pc, CODE + 4);
    assert_eq!(r.st.hdr.exc_kind, ExceptionKind::Syscall as u32);
    let r = run(&[0x0fe00000], &state(&[])); // trap (TO = 31)
    assert_eq!(r.st.hdr.exc_kind, ExceptionKind::Trap as u32);
    assert_eq!(r.st.pc, CODE);
    // tweq r3,r4: not taken falls through, taken goes to the trap PC.
    let r = run(&[0x7c832008], &state(&[(3, 1), (4, 2)]));
    assert_eq!(r.st.pc, CODE + 4);
    let r = run(&[0x7c832008], &state(&[(3, 2), (4, 2)]));
    assert_eq!(r.st.pc, CODE + 2);
    // ... which the frontend turns into a Trap exception at the trap.
    let b = xlat_frontend_ppc64le::Ppc64Frontend::default().translate_block(
        CODE + 2,
        &Code(vec![0x7c832008]),
        &Default::default(),
    );
    assert!(matches!(
        b.terminal(),
        Terminal::Exception {
            kind: ExceptionKind::Trap,
            pc: CODE,
            ..
        }
    ));
    // tdlti r3,0
    let r = run(&[0x0a030000], &state(&[(3, (-1i64) as u64)]));
    assert_eq!(r.st.pc, CODE + 2);
    // Undecodable word.
    let r = run(&[0x0000_0000], &state(&[]));
    assert_eq!(r.st.hdr.exc_kind, ExceptionKind::Undefined as u32);
}

#[test]
fn loads_and_stores() {
    let mem = new_mem();
    mem.write(DATA, &0x1122_3344_5566_7788u64.to_le_bytes());
    mem.write(DATA + 8, &0x99aa_bbcc_ddee_ff00u64.to_le_bytes());
    let s = state(&[(4, DATA)]);
    let r = run_mem(&[0xe8640008], &s, &mem); // ld r3,8(r4)
    assert_eq!(r.st.gpr[3], 0x99aa_bbcc_ddee_ff00);
    let r = run_mem(&[0xe8640009], &s, &mem); // ldu
    assert_eq!(
        (r.st.gpr[3], r.st.gpr[4]),
        (0x99aa_bbcc_ddee_ff00, DATA + 8)
    );
    let r = run_mem(&[0xe8640006], &s, &mem); // lwa r3,4(r4)
    assert_eq!(r.st.gpr[3], 0x1122_3344);
    let r = run_mem(&[0xe8640006], &state(&[(4, DATA + 8)]), &mem);
    assert_eq!(r.st.gpr[3], 0xffff_ffff_99aa_bbcc);
    let r = run_mem(&[0xa8640002], &state(&[(4, DATA + 8)]), &mem); // lha
    assert_eq!(r.st.gpr[3], 0xffff_ffff_ffff_ddee);
    let r = run_mem(&[0x7c60262c], &s, &mem); // lhbrx
    assert_eq!(r.st.gpr[3], 0x8877);
    run_mem(
        &[0x7ca02528],
        &state(&[(4, DATA + 16), (5, 0x0102_0304_0506_0708)]),
        &mem,
    ); // stdbrx
    assert_eq!(mem.read(DATA + 16, 8), vec![1, 2, 3, 4, 5, 6, 7, 8]);
    let r2 = run_mem(
        &[0x94a4fffc],
        &state(&[(4, DATA + 32), (5, 0xdead_beef)]),
        &mem,
    ); // stwu
    assert_eq!(r2.st.gpr[4], DATA + 28);
    assert_eq!(mem.read(DATA + 28, 4), 0xdead_beefu32.to_le_bytes());
    // lq: even register gets the high doubleword (little-endian mode).
    let r = run_mem(&[0xe0c40010], &state(&[(4, DATA - 16)]), &mem); // lq r6,16(r4)
    assert_eq!(
        (r.st.gpr[6], r.st.gpr[7]),
        (0x99aa_bbcc_ddee_ff00, 0x1122_3344_5566_7788)
    );
    // dcbz zeroes the 128-byte block.
    mem.write(DATA + 0x80, &[0xff; 0x90]);
    run_mem(&[0x7c0027ec], &state(&[(4, DATA + 0x85)]), &mem);
    assert_eq!(mem.read(DATA + 0x80, 0x80), vec![0; 0x80]);
    assert_eq!(mem.read(DATA + 0x100, 1), vec![0xff]);
    // A fault reports the address.
    let r = run(&[0xe8640000], &state(&[(4, 8)]));
    assert_eq!(
        (r.exit, r.st.hdr.exc_info, r.st.pc),
        (ExitCode::Fault, 8, CODE)
    );
}

#[test]
fn reservations() {
    let mem = new_mem();
    mem.write(DATA, &5u32.to_le_bytes());
    // lwarx; stwcx. succeeds.
    let r = run_mem(
        &[0x7c602028, 0x7ca0212d],
        &state(&[(4, DATA), (5, 9)]),
        &mem,
    );
    assert_eq!(r.st.gpr[3], 5);
    assert_eq!(crf(&r.st, 0), 2);
    assert_eq!(mem.read(DATA, 4), 9u32.to_le_bytes());
    assert_eq!(r.st.resv_addr, u64::MAX);
    // stwcx. without a reservation fails and stores nothing.
    let r = run_mem(&[0x7ca0212d], &state(&[(4, DATA), (5, 1)]), &mem);
    assert_eq!(crf(&r.st, 0), 0);
    assert_eq!(mem.read(DATA, 4), 9u32.to_le_bytes());
    // A reservation whose value changed meanwhile fails.
    let mut s = state(&[(4, DATA), (5, 1)]);
    s.resv_addr = DATA;
    s.resv_size = 4;
    s.resv_val[0] = 8;
    s.so = 1;
    let r = run_mem(&[0x7ca0212d], &s, &mem);
    assert_eq!(crf(&r.st, 0), 1); // SO only
    assert_eq!(mem.read(DATA, 4), 9u32.to_le_bytes());
    // ldarx/stdcx. of a different size than reserved fails.
    let mut s = state(&[(4, DATA), (5, 1)]);
    s.resv_addr = DATA;
    s.resv_size = 4;
    s.resv_val[0] = 9;
    let r = run_mem(&[0x7ca021ad], &s, &mem);
    assert_eq!(crf(&r.st, 0), 0);
    let r = run_mem(
        &[0x7c6020a8, 0x7ca021ad],
        &state(&[(4, DATA), (5, 0x77)]),
        &mem,
    );
    assert_eq!(crf(&r.st, 0), 2);
    assert_eq!(mem.read_u64(DATA), 0x77);
}

#[test]
fn float_and_vector() {
    let mem = new_mem();
    mem.write(DATA, &1.5f64.to_le_bytes());
    // lfd f1; fadd f2,f1,f1; fmadd f3,f1,f1,f2; stfd f3,8(r4)
    let r = run_mem(
        &[0xc8240000, 0xfc41082a, 0xfc61107a, 0xd8640008],
        &state(&[(4, DATA)]),
        &mem,
    );
    assert_eq!(f64::from_bits(r.st.fpr(2)), 3.0);
    assert_eq!(
        f64::from_le_bytes(mem.read(DATA + 8, 8).try_into().unwrap()),
        5.25
    );
    // fcmpu cr1,f1,f2: 1.5 < 3.0
    let mut s = state(&[]);
    s.set_fpr(1, 1.5f64.to_bits());
    s.set_fpr(2, f64::NAN.to_bits());
    let r = run(&[0xfc811000], &s);
    assert_eq!(crf(&r.st, 1), 1); // unordered
    // fctiwz f4,f1 then stfiwx
    let mut s = state(&[(4, DATA + 32)]);
    s.set_fpr(1, (-7.9f64).to_bits());
    let r = run_mem(&[0xfc80081e, 0x7c8027ae], &s, &mem);
    assert_eq!(r.st.fpr(4) as u32, (-7i32) as u32);
    assert_eq!(mem.read(DATA + 32, 4), (-7i32).to_le_bytes());
    // lxvd2x puts the doubleword at EA in doubleword 0; xxswapd swaps.
    let mem = new_mem();
    mem.write(DATA, &(0..16).collect::<Vec<u8>>());
    let r = run_mem(&[0x7c002699], &state(&[(4, DATA)]), &mem);
    assert_eq!(r.st.vr(0), 0x0706_0504_0302_0100_0f0e_0d0c_0b0a_0908);
    let r = run_mem(&[0x7c002699, 0xf0000257], &state(&[(4, DATA)]), &mem);
    assert_eq!(r.st.vr(0), 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100);
    // lvx and lxv load the little-endian quadword.
    let r = run_mem(&[0x7c0020ce], &state(&[(4, DATA + 5)]), &mem);
    assert_eq!(
        r.st.vr(0),
        u128::from_le_bytes((0..16).collect::<Vec<u8>>().try_into().unwrap())
    );
    let r = run_mem(&[0xf4040009], &state(&[(4, DATA)]), &mem);
    assert_eq!(r.st.vr(0), 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100);
    // vcmpequb. sets CR6: all equal -> LT.
    let mut s = state(&[]);
    s.vsr[32] = 0x1234;
    s.vsr[33] = 0x1234;
    let r = run(&[0x10400c06], &s);
    assert_eq!((r.st.vr(2), crf(&r.st, 6)), (u128::MAX, 8));
    s.vsr[33] = 0x1235;
    let r = run(&[0x10400c06], &s);
    assert_eq!(r.st.vr(2), u128::MAX << 8);
    assert_eq!(crf(&r.st, 6), 0);
    // mtvrd / mfvrd round trip through doubleword 0.
    let r = run(&[0x7c040167, 0x7c030067], &state(&[(4, 0xabcd)]));
    assert_eq!(r.st.gpr[3], 0xabcd);
    assert_eq!(r.st.vr(0) >> 64, 0xabcd);
}

#[test]
fn branch_on_a_compare_of_the_same_block() {
    const EDGES: [u64; 7] = [
        0,
        1,
        0x7fff_ffff,
        0x8000_0000,
        i64::MAX as u64,
        1 << 63,
        u64::MAX,
    ];
    for (signed, xo) in [(true, 0), (false, 32)] {
        for l in [0u32, 1] {
            for bf in [0u32, 7] {
                let cmp = 31 << 26 | bf << 23 | l << 21 | 3 << 16 | 4 << 11 | xo << 1;
                for bit in 0..3u32 {
                    // bc 4 (branch if false) / bc 12 (if true), BI, +12.
                    for bo in [4u32, 12] {
                        let bc = 16 << 26 | bo << 21 | (4 * bf + bit) << 16 | 12;
                        for &a in &EDGES {
                            for &b in &EDGES {
                                let (x, y) = if l == 1 {
                                    (a as i128, b as i128)
                                } else {
                                    (a as u32 as i128, b as u32 as i128)
                                };
                                let (x, y) = match (signed, l) {
                                    (true, 1) => (a as i64 as i128, b as i64 as i128),
                                    (true, _) => (a as i32 as i128, b as i32 as i128),
                                    _ => (x, y),
                                };
                                let holds = [x < y, x > y, x == y][bit as usize];
                                let taken = holds == (bo == 12);
                                let r = run(&[cmp, bc], &state(&[(3, a), (4, b)]));
                                let want = if taken { CODE + 16 } else { CODE + 8 };
                                assert_eq!(r.st.pc, want, "{cmp:08x} {bc:08x} {a:#x} {b:#x}");
                                // Branch if false tests the opposite
                                // comparison, not the bit's complement.
                                assert!(
                                    !r.block.insts.iter().any(|i| i.op == Opcode::Xor),
                                    "{cmp:08x} {bc:08x}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn branch_if_false_on_an_earlier_cr_bit_tests_it_against_zero() {
    // bc 4,BI,+12 (bne/bge/ble on any CR bit), bclr 4,BI and bcctr 4,BI
    // on a bit this block did not set: taken exactly when the bit is 0,
    // with no complement of the bit in the block.
    for bi in [0u32, 1, 2, 3, 6, 29, 31] {
        for v in [0u8, 1] {
            let s = st(|s| {
                s.cr[bi as usize] = v;
                s.lr = 0x3000;
                s.ctr = 0x5000;
            });
            let bc = 16 << 26 | 4 << 21 | bi << 16 | 12;
            let bclr = 19 << 26 | 4 << 21 | bi << 16 | 16 << 1;
            let bcctr = 19 << 26 | 4 << 21 | bi << 16 | 528 << 1;
            for (w, target) in [(bc, CODE + 12), (bclr, 0x3000), (bcctr, 0x5000)] {
                let r = run(&[w], &s);
                let want = if v == 0 { target } else { CODE + 4 };
                assert_eq!(r.st.pc, want, "{w:08x} cr{bi}={v}");
                assert!(
                    !r.block.insts.iter().any(|i| i.op == Opcode::Xor),
                    "{w:08x}"
                );
            }
            // The taken side stays the guest's target; the condition is
            // the bit compared with 0.
            let b = translate(&[bc]);
            let Terminal::Branch {
                cond,
                taken,
                not_taken,
            } = term(&b)
            else {
                panic!("bc 4,{bi}: not a branch");
            };
            assert_eq!((taken, not_taken), (CODE + 12, CODE + 4), "bc 4,{bi}");
            let k = b.insts[cond.index()];
            assert_eq!(k.op, Opcode::Icmp, "bc 4,{bi}");
            assert_eq!(xlat_ir::Cond::from_imm(k.imm), Some(xlat_ir::Cond::Eq));
        }
    }
    // With a CTR decrement the bit is still complemented: bdnzf eq,+8.
    for (ctr, v, want) in [(5, 0u8, CODE + 8), (5, 1, CODE + 4), (1, 0, CODE + 4)] {
        let r = run(
            &[0x40020008],
            &st(|s| {
                s.ctr = ctr;
                s.cr[2] = v;
            }),
        );
        assert_eq!(r.st.pc, want, "bdnzf ctr {ctr} eq {v}");
    }
}

#[test]
fn branch_on_a_bit_complemented_in_the_block() {
    // crnand lt,gt,4*cr6+eq then blt/bge +12 (glibc's memcmp): the branch
    // tests the and of the two bits with its targets swapped, not the
    // complemented value; crnor and creqv likewise.
    let crnand = 19 << 26 | 1 << 16 | 26 << 11 | 225 << 1;
    let crnor = 19 << 26 | 1 << 16 | 26 << 11 | 33 << 1;
    let creqv = 19 << 26 | 1 << 16 | 26 << 11 | 289 << 1;
    for (w, f) in [
        (crnand, (|a, b| !(a && b)) as fn(bool, bool) -> bool),
        (crnor, |a, b| !(a || b)),
        (creqv, |a, b| a == b),
    ] {
        for gt in [0u8, 1] {
            for eq in [0u8, 1] {
                let s = st(|s| {
                    s.cr[1] = gt;
                    s.cr[26] = eq;
                });
                let lt = f(gt != 0, eq != 0);
                for bo in [12u32, 4] {
                    let bc = 16 << 26 | bo << 21 | 12;
                    let r = run(&[w, bc], &s);
                    assert_eq!(r.st.cr[0], lt as u8, "{w:08x} gt {gt} eq {eq}");
                    let taken = lt == (bo == 12);
                    let want = if taken { CODE + 16 } else { CODE + 8 };
                    assert_eq!(r.st.pc, want, "{w:08x} bo {bo} gt {gt} eq {eq}");
                    // After the passes the condition is the value itself.
                    let mut b = r.block.clone();
                    xlat_ir::passes::optimize(&mut b, &xlat_frontend_ppc64le::LAYOUT);
                    let Terminal::Branch { cond, .. } = term(&b) else {
                        panic!("{w:08x}: not a branch");
                    };
                    let c = b.insts[cond.index()];
                    let by_one = |v: xlat_ir::Value| {
                        let k = b.insts[v.index()];
                        k.op == Opcode::Const && k.imm == 1
                    };
                    assert!(
                        c.op != Opcode::Xor || !by_one(c.args[1]),
                        "{w:08x} bo {bo}: the branch tests the complement"
                    );
                }
            }
        }
    }
}
