//! NZCV of an AArch64 FCMP left as the compared floats by a snapshot
//! inside a block (`lower::lazy_flags`, `Fx::lazy_snapshot`): nbody's
//! `fcmp d8, #0.0` whose flags only the next `stp`'s snapshot writes. A
//! retry from that snapshot sees the interpreter's flags, NaNs, signed
//! zeros, infinities and subnormals included.

use super::*;
use xlat_ir::abi::{LAZY_FCMP32, LAZY_FCMP64};

const NF: u16 = 11;
const ZF: u16 = 12;
const CF: u16 = 13;
const VF: u16 = 14;

/// Where the loop's doubles (or singles) are read from.
const DATA: u64 = 0x100;

/// A two-block loop like nbody's pair loop: block 0x1000 loads `r3 =
/// [r1]` and sets NZCV as the frontend's FCMP of `r3` (its low 32 bits as
/// a single when `single`) with +0.0 (`zero`) or with `r5`, then goes on
/// to 0x1100 (with `branch`, only where C is set, as `b.pl` after `fcmp
/// d8, #0.0` does: not taken to 0x1200 outside the region). Block 0x1100
/// is one instruction storing `r4` at `[r2]` and `[r2 + 8]` (an `stp`:
/// its second store needs a snapshot, which finds the FCMP's flags
/// dirty), then steps `r1` by 8, `r2` by 16 and compares `r2` with `r7`
/// (SUBS flags) to loop while they differ.
fn fcmp_loop(single: bool, zero: bool, branch: bool) -> [Block; 2] {
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    ld(&mut b, 3, 1);
    b.insn_start(0x1004);
    let ty = if single { Type::F32 } else { Type::F64 };
    let float = |b: &mut Builder, reg: u16| {
        let v = b.get(r(reg));
        if single {
            let w = b.trunc(Type::I32, v);
            b.bitcast(Type::F32, w)
        } else {
            b.bitcast(Type::F64, v)
        }
    };
    let x = float(&mut b, 3);
    let y = if zero {
        b.iconst(ty, 0)
    } else {
        float(&mut b, 5)
    };
    let n = b.fcmp(FCond::Lt, x, y);
    let z = b.fcmp(FCond::Eq, x, y);
    let v = b.fcmp(FCond::Uno, x, y);
    let one = b.iconst(Type::I8, 1);
    let c = b.xor(n, one);
    b.set(r(NF), n);
    b.set(r(ZF), z);
    b.set(r(CF), c);
    b.set(r(VF), v);
    b.insn_start(0x1008);
    b.terminate(if branch {
        Terminal::Branch {
            cond: c,
            taken: 0x1100,
            not_taken: 0x1200,
        }
    } else {
        Terminal::Jump(0x1100)
    });
    let head = b.finish();
    let mut b = Builder::new(&LAYOUT, 0x1100);
    b.insn_start(0x1100);
    st(&mut b, 2, 0, 4, 8);
    st(&mut b, 2, 8, 4, 8);
    b.insn_start(0x1104);
    addk(&mut b, 1, 1, 8);
    addk(&mut b, 2, 2, 16);
    let p = b.get(r(2));
    let end = b.get(r(7));
    super::lazy_flags::sub_flags(&mut b, p, end, Type::I64);
    b.insn_start(0x1108);
    let go = b.icmp(Cond::Ne, p, end);
    b.terminate(Terminal::Branch {
        cond: go,
        taken: 0x1000,
        not_taken: 0x1300,
    });
    let body = b.finish();
    [head, body]
}

/// Floats whose FCMP with each other and with zero gives every outcome:
/// quiet and signalling NaNs (both signs, payloads), signed zeros,
/// infinities, subnormals, ordinary values.
fn doubles() -> Vec<u64> {
    vec![
        f64::NAN.to_bits(),
        0xfff8_0000_0000_0001,
        0x7ff0_0000_0000_0001,
        0.0f64.to_bits(),
        (-0.0f64).to_bits(),
        1.0f64.to_bits(),
        (-1.5f64).to_bits(),
        f64::INFINITY.to_bits(),
        f64::NEG_INFINITY.to_bits(),
        1,
        0x8000_0000_0000_0001,
    ]
}

/// As [`doubles`], singles in the low 32 bits (the high half set, which
/// the compare must ignore).
fn singles() -> Vec<u64> {
    [
        f32::NAN.to_bits(),
        0xffc0_0001,
        0x7f80_0001,
        0.0f32.to_bits(),
        (-0.0f32).to_bits(),
        1.0f32.to_bits(),
        (-1.5f32).to_bits(),
        f32::INFINITY.to_bits(),
        f32::NEG_INFINITY.to_bits(),
        1,
        0x8000_0001,
    ]
    .into_iter()
    .map(|w| 0xdead_beef_0000_0000 | u64::from(w))
    .collect()
}

/// The loop over ten floats ending in `last` runs until its tenth `stp`
/// faults (`r2 + 8` reaches [`MAPPED`]): compiled, the fault
/// retries from the `stp`'s snapshot (the flags a record of the FCMP
/// there) and the tier-0 re-run raises it; with `branch` (else not
/// asserted), a `last` below
/// `y` (or an earlier one) leaves the region instead. Both tiers end in
/// the same state, the record cleared.
fn run_loop(
    region: &Region,
    blocks: &[&Block],
    env: &Env,
    branch: bool,
    last: u64,
    y: u64,
    what: &str,
) {
    for q in 0..10u64 {
        let x = if q == 9 { last } else { 0x4000_0000_3f80_0000 };
        env.mem.store(DATA + q * 8, 8, x.into()).unwrap();
    }
    let mut init = TState::default();
    init.r[1] = DATA;
    init.r[2] = MAPPED - 8 - 16 * 9;
    init.r[4] = 0x1234;
    init.r[5] = y;
    init.r[7] = 1;
    init.pc = 0x1000;
    init.f = [1, 0, 0, 1];
    let mut s = init.clone();
    let (code, retried) = run_jit_retrying(region, blocks, &mut s, env);
    if !branch {
        assert_eq!((code, retried), (ExitCode::Fault, true), "{what}");
    }
    let mut si = init.clone();
    let codei = interp_blocks(blocks, &mut si, env, usize::MAX);
    assert_eq!(code, codei, "{what}");
    assert_eq!(
        (s.r, s.pc, s.f, s.hdr.exc_info),
        (si.r, si.pc, si.f, si.hdr.exc_info),
        "{what}"
    );
    assert_eq!(s.hdr.lazy.desc, 0, "the record is cleared, {what}");
}

/// The `stp`'s snapshot writes the FCMP's flags as a record (the record's
/// descriptor is in the compiled function: fails without
/// `lazy_snapshot`), and a retry from it sees the interpreter's NZCV for
/// every outcome of the compare, of doubles and singles, with +0.0 and
/// with a register, with and without `b.pl`'s exit.
#[test]
fn a_retry_from_a_store_snapshot_sees_the_flags_of_the_fcmp() {
    let env = Env::new(true);
    let nf = offset_of!(TState, f) as u64;
    for single in [false, true] {
        for zero in [true, false] {
            for branch in [false, true] {
                let [h, bd] = fcmp_loop(single, zero, branch);
                let blocks = [&h, &bd];
                let mut j = jit(false);
                let region = j.compile(&blocks).expect("compiles");
                let clif = LAST_CLIF.with(|c| c.borrow().clone());
                let kind = if single { LAZY_FCMP32 } else { LAZY_FCMP64 };
                let desc = format!("iconst.i64 0x{:04x}_{:04x}", nf, kind);
                assert!(
                    clif.contains(&desc),
                    "single={single} zero={zero} branch={branch}: no {desc}\n{clif}"
                );
                let vals = if single { singles() } else { doubles() };
                let ys = if zero { vec![0] } else { vals.clone() };
                for &y in &ys {
                    for &last in &vals {
                        let what = format!(
                            "single={single} zero={zero} branch={branch} last={last:#x} y={y:#x}"
                        );
                        run_loop(&region, &blocks, &env, branch, last, y, &what);
                    }
                }
            }
        }
    }
}

/// `runtime::lazy_fcmp` against Arm's FCMP result table (`0011`
/// unordered, `0110` equal, `1000` less, `0010` greater), for doubles and
/// the low halves as singles.
#[test]
fn lazy_fcmp_matches_the_arm_table() {
    use std::cmp::Ordering::*;
    let table = |o: Option<std::cmp::Ordering>| match o {
        None => [0, 0, 1, 1],
        Some(Equal) => [0, 1, 1, 0],
        Some(Less) => [1, 0, 0, 0],
        Some(Greater) => [0, 0, 1, 0],
    };
    for a in doubles() {
        for b in doubles() {
            let want = table(f64::from_bits(a).partial_cmp(&f64::from_bits(b)));
            assert_eq!(runtime::lazy_nzcv(LAZY_FCMP64, a, b), want, "{a:#x} {b:#x}");
        }
    }
    for a in singles() {
        for b in singles() {
            let o = f32::from_bits(a as u32).partial_cmp(&f32::from_bits(b as u32));
            assert_eq!(
                runtime::lazy_nzcv(LAZY_FCMP32, a, b),
                table(o),
                "{a:#x} {b:#x}"
            );
        }
    }
}
