//! Unit tests of the IR: builder, verifier, printer (golden), passes, eval.

use xlat_ir::eval::eval_int;
use xlat_ir::passes::{
    constfold, dce, dead_flags, getset, optimize, optimize_fused, optimize_sequential,
};
use xlat_ir::print::print_block;
use xlat_ir::{
    Block, Builder, Cond, HelperDesc, HelperFlags, MemFlags, Opcode, Reg, RegInfo, RegKind,
    StateLayout, Terminal, Type, verify,
};

static REGS: &[RegInfo] = &[
    RegInfo {
        name: "r0",
        offset: 128,
        ty: Type::I64,
        kind: RegKind::Normal,
    },
    RegInfo {
        name: "r1",
        offset: 136,
        ty: Type::I64,
        kind: RegKind::Normal,
    },
    RegInfo {
        name: "pc",
        offset: 144,
        ty: Type::I64,
        kind: RegKind::Pc,
    },
    RegInfo {
        name: "zf",
        offset: 152,
        ty: Type::I8,
        kind: RegKind::Flag,
    },
    RegInfo {
        name: "q0",
        offset: 160,
        ty: Type::V128,
        kind: RegKind::Normal,
    },
];
static LAYOUT: StateLayout = StateLayout {
    regs: REGS,
    pc: Reg(2),
    size: 176,
};
const R0: Reg = Reg(0);
const R1: Reg = Reg(1);
const ZF: Reg = Reg(3);

unsafe extern "C" fn nop_helper(_env: *mut u8, a: u64, _b: u64, _c: u64) -> u64 {
    a
}
static READER: HelperDesc = HelperDesc {
    name: "reader",
    func: nop_helper,
    flags: HelperFlags::STATE,
};

fn count(b: &Block, op: Opcode) -> usize {
    b.insts.iter().filter(|i| i.op == op).count()
}

fn sample() -> Block {
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    let a = b.get(R0);
    let c = b.i64(5);
    let s = b.add(a, c);
    b.set(R1, s);
    let z = b.icmp(Cond::Eq, s, c);
    b.set(ZF, z);
    b.insn_start(0x1004);
    let m = b.load(Type::I32, s, MemFlags::new(2).signed());
    let w = b.sext(Type::I64, m);
    b.store(a, w, MemFlags::new(8));
    b.count_insn(4);
    b.count_insn(4);
    b.terminate(Terminal::Branch {
        cond: z,
        taken: 0x2000,
        not_taken: 0x1008,
    });
    b.finish()
}

#[test]
fn builder_output_verifies() {
    let b = sample();
    verify(&b, &LAYOUT).unwrap();
}

#[test]
fn verifier_rejects_bad_blocks() {
    let mut b = sample();
    b.term = None;
    assert!(verify(&b, &LAYOUT).unwrap_err().msg.contains("terminal"));

    let mut b = sample();
    b.insts[3].args[0] = xlat_ir::Value(10); // add uses a later value
    assert!(verify(&b, &LAYOUT).is_err());

    let mut b = sample();
    b.insts[3].ty = Type::I32; // add.i32 of i64 operands
    assert!(verify(&b, &LAYOUT).is_err());

    let mut b = sample();
    b.insts[4].imm = 77; // set of an unknown register
    assert!(
        verify(&b, &LAYOUT)
            .unwrap_err()
            .msg
            .contains("unknown register")
    );

    let mut b = sample();
    b.term = Some(Terminal::JumpIndirect(xlat_ir::Value(5))); // i8 as a target
    assert!(verify(&b, &LAYOUT).is_err());

    let mut bad = Builder::new(&LAYOUT, 0);
    let x = bad.i64(1);
    bad.set(ZF, x); // i64 into an i8 flag
    bad.terminate(Terminal::Exit(0));
    assert!(verify(&bad.finish(), &LAYOUT).is_err());
}

/// Golden test of the printer; regenerate with `XLAT_BLESS=1 cargo test -p xlat-ir`.
#[test]
fn printer_golden() {
    let text = print_block(&sample(), &LAYOUT);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/sample.ir");
    if std::env::var_os("XLAT_BLESS").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    let want = std::fs::read_to_string(path).expect("golden file missing: run with XLAT_BLESS=1");
    assert_eq!(text, want);
}

#[test]
fn getset_forwards_and_drops_overwritten_sets() {
    let mut b = Builder::new(&LAYOUT, 0);
    let a = b.get(R0);
    let one = b.i64(1);
    let s = b.add(a, one);
    b.set(R1, s); // overwritten below, no read in between: dead
    let again = b.get(R0); // forwarded to `a`
    let t = b.add(again, s);
    b.set(R1, t);
    let r1 = b.get(R1); // forwarded to `t`
    b.terminate(Terminal::JumpIndirect(r1));
    let mut blk = b.finish();
    getset(&mut blk, &LAYOUT);
    verify(&blk, &LAYOUT).unwrap();
    assert_eq!(count(&blk, Opcode::Get), 1);
    assert_eq!(count(&blk, Opcode::Set), 1);
    let Terminal::JumpIndirect(v) = blk.terminal() else {
        panic!()
    };
    assert_eq!(blk.insts[v.index()].op, Opcode::Add);
}

#[test]
fn getset_keeps_sets_before_faulting_ops_and_state_helpers() {
    let mut b = Builder::new(&LAYOUT, 0);
    let a = b.get(R0);
    b.set(R1, a);
    let _ = b.load(Type::I64, a, MemFlags::new(8)); // may fault: r1 must be exact
    b.set(R1, a);
    b.call_helper(&READER, Type::Void, &[]);
    b.set(R1, a);
    let r0 = b.get(R0); // helper writes state: not forwarded
    b.set(R1, r0);
    b.terminate(Terminal::Exit(0));
    let mut blk = b.finish();
    getset(&mut blk, &LAYOUT);
    verify(&blk, &LAYOUT).unwrap();
    // first two sets are observed (load, helper); third is overwritten by the fourth
    assert_eq!(count(&blk, Opcode::Set), 3);
    assert_eq!(count(&blk, Opcode::Get), 2);
}

#[test]
fn constfold_evaluates_and_simplifies() {
    let mut b = Builder::new(&LAYOUT, 0);
    let x = b.i64(6);
    let y = b.i64(7);
    let p = b.mul(x, y);
    let zero = b.i64(0);
    let a = b.get(R0);
    let same = b.add(a, zero);
    let sum = b.add(same, p);
    b.set(R1, sum);
    let q = b.udiv(p, zero); // division by zero folds to 0
    b.set(R0, q);
    b.terminate(Terminal::Exit(0));
    let mut blk = b.finish();
    constfold(&mut blk, &LAYOUT);
    dce(&mut blk, &LAYOUT);
    verify(&blk, &LAYOUT).unwrap();
    assert_eq!(count(&blk, Opcode::Mul), 0);
    assert_eq!(count(&blk, Opcode::Udiv), 0);
    assert_eq!(count(&blk, Opcode::Add), 1);
    assert!(
        blk.insts
            .iter()
            .any(|i| i.op == Opcode::Const && i.imm == 42)
    );
    let set_r0 = blk
        .insts
        .iter()
        .find(|i| i.op == Opcode::Set && i.imm == 0)
        .unwrap();
    assert_eq!(blk.insts[set_r0.args[0].index()].imm, 0);
}

#[test]
fn dead_flags_removes_overwritten_flag_sets_only() {
    let mut b = Builder::new(&LAYOUT, 0);
    let a = b.get(R0);
    let z0 = b.i64(0);
    let f1 = b.icmp(Cond::Eq, a, z0);
    b.set(ZF, f1); // dead: overwritten before read
    let f2 = b.icmp(Cond::Ne, a, z0);
    b.set(ZF, f2); // read by the get below
    let g = b.get(ZF);
    let f3 = b.icmp(Cond::Ult, a, z0);
    b.set(ZF, f3); // live at block end
    b.terminate(Terminal::Branch {
        cond: g,
        taken: 1,
        not_taken: 2,
    });
    let mut blk = b.finish();
    dead_flags(&mut blk, &LAYOUT);
    dce(&mut blk, &LAYOUT);
    verify(&blk, &LAYOUT).unwrap();
    assert_eq!(count(&blk, Opcode::Set), 2);
    assert_eq!(count(&blk, Opcode::Icmp), 2);
}

#[test]
fn optimize_pipeline_keeps_semantics_visible() {
    let mut blk = sample();
    optimize(&mut blk, &LAYOUT);
    verify(&blk, &LAYOUT).unwrap();
    // the load and store remain; both register sets remain (live at exit)
    assert_eq!(count(&blk, Opcode::Load), 1);
    assert_eq!(count(&blk, Opcode::Store), 1);
    assert_eq!(count(&blk, Opcode::Set), 2);
}

#[test]
fn eval_edge_cases() {
    let e =
        |op, ty, a: u64, b: u64| eval_int(op, ty, ty, 0, a as u128, b as u128, 0).unwrap() as u64;
    assert_eq!(
        e(Opcode::Sdiv, Type::I64, i64::MIN as u64, -1i64 as u64),
        i64::MIN as u64
    );
    assert_eq!(e(Opcode::Srem, Type::I64, i64::MIN as u64, -1i64 as u64), 0);
    assert_eq!(e(Opcode::Udiv, Type::I32, 7, 0), 0);
    assert_eq!(e(Opcode::Urem, Type::I32, 7, 0), 7);
    assert_eq!(
        e(Opcode::Sdiv, Type::I32, (-7i32) as u32 as u64, 2),
        (-3i32) as u32 as u64
    );
    assert_eq!(e(Opcode::Shl, Type::I32, 1, 33), 2);
    assert_eq!(e(Opcode::Ashr, Type::I32, 0x8000_0000, 31), 0xffff_ffff);
    assert_eq!(e(Opcode::Rotr, Type::I32, 1, 1), 0x8000_0000);
    assert_eq!(e(Opcode::Rotl, Type::I64, 1 << 63, 1), 1);
    assert_eq!(e(Opcode::Clz, Type::I32, 0, 0), 32);
    assert_eq!(e(Opcode::Clz, Type::I64, 1, 0), 63);
    assert_eq!(e(Opcode::Cls, Type::I64, u64::MAX, 0), 63);
    assert_eq!(e(Opcode::Cls, Type::I32, 0x0000_ffff, 0), 15);
    assert_eq!(e(Opcode::Ctz, Type::I16, 0, 0), 16);
    assert_eq!(e(Opcode::Bitrev, Type::I32, 1, 0), 0x8000_0000);
    assert_eq!(e(Opcode::Bswap, Type::I32, 0x1122_3344, 0), 0x4433_2211);
    assert_eq!(
        e(Opcode::Umulh, Type::I64, u64::MAX, u64::MAX),
        u64::MAX - 1
    );
    assert_eq!(e(Opcode::Smulh, Type::I64, -1i64 as u64, -1i64 as u64), 0);
    assert_eq!(e(Opcode::Smulh, Type::I64, i64::MIN as u64, 2), u64::MAX);
    assert_eq!(e(Opcode::Neg, Type::I8, 1, 0), 0xff);
    let sx = eval_int(Opcode::Sext, Type::I64, Type::I8, 0, 0x80, 0, 0).unwrap();
    assert_eq!(sx as u64, 0xffff_ffff_ffff_ff80);
    let lt = eval_int(
        Opcode::Icmp,
        Type::I8,
        Type::I32,
        Cond::Slt as u64,
        0xffff_ffff,
        0,
        0,
    );
    assert_eq!(lt, Some(1));
}

#[test]
fn op_table_is_consistent() {
    let mut names: Vec<&str> = Opcode::ALL.iter().map(|o| o.name()).collect();
    let n = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n, "duplicate op names");
    assert!(Opcode::Store.flags().has(xlat_ir::OpFlags::MAY_FAULT));
    assert!(!Opcode::Add.flags().has(xlat_ir::OpFlags::SIDE_EFFECT));
}

/// A pseudo-random block over r0, r1, zf: gets, sets, constants (often 0
/// or 1, so identities fire), integer ops, compares, selects, loads,
/// stores, state helpers, ending in a branch on a flag or an indirect jump.
fn random_block(seed: u64) -> Block {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut rnd = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let mut b = Builder::new(&LAYOUT, 0x1000);
    let mut vals = vec![b.get(R0)];
    let mut flags = vec![b.i8(1)];
    for k in 0..(8 + rnd(40)) {
        let pick = |vals: &[xlat_ir::Value], r: u64| vals[(r % vals.len() as u64) as usize];
        match rnd(14) {
            0 => b.insn_start(0x1000 + 4 * k),
            1 => vals.push(b.get([R0, R1][rnd(2) as usize])),
            2 => b.set([R0, R1][rnd(2) as usize], pick(&vals, rnd(99))),
            3 => vals.push(b.i64([0, 1, 5, u64::MAX][rnd(4) as usize])),
            4 => {
                let (p, q) = (pick(&vals, rnd(99)), pick(&vals, rnd(99)));
                vals.push(match rnd(5) {
                    0 => b.add(p, q),
                    1 => b.sub(p, q),
                    2 => b.and(p, q),
                    3 => b.xor(p, q),
                    _ => b.mul(p, q),
                });
            }
            5 => {
                let (p, q) = (pick(&vals, rnd(99)), pick(&vals, rnd(99)));
                flags.push(b.icmp([Cond::Eq, Cond::Ult][rnd(2) as usize], p, q));
            }
            6 => b.set(ZF, pick(&flags, rnd(99))),
            7 => flags.push(b.get(ZF)),
            8 => {
                let c = pick(&flags, rnd(99));
                let (p, q) = (pick(&vals, rnd(99)), pick(&vals, rnd(99)));
                vals.push(b.select(c, p, q));
            }
            9 => {
                let a = pick(&vals, rnd(99));
                vals.push(b.load(Type::I64, a, MemFlags::new(8)));
            }
            10 => {
                let (p, q) = (pick(&vals, rnd(99)), pick(&vals, rnd(99)));
                b.store(p, q, MemFlags::new(8));
            }
            11 => {
                b.call_helper(&READER, Type::Void, &[]);
            }
            12 => {
                let v = pick(&vals, rnd(99));
                let t = b.trunc(Type::I8, v);
                flags.push(t);
            }
            _ => {
                let f = pick(&flags, rnd(99));
                vals.push(b.zext(Type::I64, f));
            }
        }
    }
    if rnd(2) == 0 {
        let c = pick_last(&flags);
        b.terminate(Terminal::Branch {
            cond: c,
            taken: 0x2000,
            not_taken: 0x3000,
        });
    } else {
        let v = pick_last(&vals);
        b.terminate(Terminal::JumpIndirect(v));
    }
    b.finish()
}

fn pick_last(v: &[xlat_ir::Value]) -> xlat_ir::Value {
    v[v.len() - 1]
}

#[test]
fn fused_equals_sequential() {
    let mut changed = 0;
    for seed in 0..3000 {
        let orig = random_block(seed);
        verify(&orig, &LAYOUT).unwrap();
        let mut seq = orig.clone();
        optimize_sequential(&mut seq, &LAYOUT);
        let mut fused = orig.clone();
        optimize_fused(&mut fused, &LAYOUT);
        verify(&fused, &LAYOUT).unwrap();
        assert_eq!(
            print_block(&fused, &LAYOUT),
            print_block(&seq, &LAYOUT),
            "seed {seed}\n{}",
            print_block(&orig, &LAYOUT)
        );
        changed += usize::from(fused.insts.len() < orig.insts.len());
    }
    // The generator must exercise the passes, not only copy blocks.
    assert!(changed > 2000, "only {changed} blocks changed");
}

/// `fnan`'s rules on hand-made bit patterns (Arm ARM FPProcessNaNs and
/// FPMulAdd), and the verifier's check of the rule immediate.
#[test]
fn nan_rules_pick_arms_nan() {
    use xlat_ir::NanRule::{Arm, ArmMul, ArmMulAdd};
    const Q: u64 = 0x7ff8_0000_0000_0011; // quiet NaN
    const S: u64 = 0xfff0_0000_0000_0022; // negative signalling NaN
    const DEF: u64 = 0x7ff8_0000_0000_0000;
    const INF: u64 = 0x7ff0_0000_0000_0000;
    let one = 1f64.to_bits();
    // A non-NaN result is kept.
    assert_eq!(Arm.apply(64, one, Q, S), one);
    // The signalling NaN wins even second, quieted; then the first quiet one.
    assert_eq!(Arm.apply(64, DEF, Q, S), 0xfff8_0000_0000_0022);
    assert_eq!(Arm.apply(64, DEF, one, Q), Q);
    assert_eq!(Arm.apply(64, 0xfff8_0000_0000_0000, one, one), DEF);
    // Single precision: the same on 32-bit patterns.
    assert_eq!(
        Arm.apply(32, 0x7fc0_0000, 0x7fc0_0001, 0x7f80_0002),
        0x7fc0_0002
    );
    // Fused multiply-add: the product's NaN stays signalling for step two.
    assert_eq!(ArmMul.apply(64, DEF, one, S), S);
    assert_eq!(ArmMulAdd.apply(64, DEF, Q, S), 0xfff8_0000_0000_0022);
    // A quiet addend beats a quiet product NaN, but not infinity times zero.
    assert_eq!(ArmMul.apply(64, DEF, INF, 0), INF);
    assert_eq!(ArmMulAdd.apply(64, DEF, Q, INF), DEF);
    assert_eq!(
        ArmMulAdd.apply(
            64,
            DEF,
            Q,
            ArmMul.apply(64, DEF, one, 0x7ff8_0000_0000_0033)
        ),
        Q
    );
    assert_eq!(
        ArmMulAdd.apply(
            64,
            DEF,
            one,
            ArmMul.apply(64, DEF, one, 0x7ff8_0000_0000_0033)
        ),
        0x7ff8_0000_0000_0033
    );

    let mut b = Builder::new(&LAYOUT, 0);
    let x = b.iconst(Type::F64, one);
    let r = b.fnan(x, x, x);
    let _ = b.fadd(r, x);
    b.terminate(Terminal::Exit(0));
    let mut blk = b.finish();
    verify(&blk, &LAYOUT).unwrap();
    blk.insts[1].imm = 9;
    assert!(verify(&blk, &LAYOUT).unwrap_err().msg.contains("NaN rule"));
    blk.insts[1].imm = 0;
    blk.insts[1].op = Opcode::Fround;
    blk.insts[1].args[1] = xlat_ir::Value::NONE;
    blk.insts[1].args[2] = xlat_ir::Value::NONE;
    verify(&blk, &LAYOUT).unwrap();
    blk.insts[1].imm = 5;
    assert!(verify(&blk, &LAYOUT).unwrap_err().msg.contains("rounding"));
}

/// `fnan`'s Power rule: the first NaN of `b`, `c`, quieted, else Power's
/// positive default QNaN; chained for three operands.
#[test]
fn nan_rule_power_picks_the_first_nan_quieted() {
    use xlat_ir::NanRule::Power;
    const S: u64 = 0xfff0_0000_0000_0022; // negative signalling NaN
    const Q: u64 = 0x7ff8_0000_0000_0011;
    const DEF: u64 = 0x7ff8_0000_0000_0000;
    let (one, two) = (1f64.to_bits(), 2f64.to_bits());
    assert_eq!(Power.apply(64, one, S, Q), one);
    // Order, not signalling first (unlike Arm's rule).
    assert_eq!(Power.apply(64, 0xfff8_0000_0000_0000, Q, S), Q);
    assert_eq!(Power.apply(64, DEF, one, S), 0xfff8_0000_0000_0022);
    assert_eq!(Power.apply(64, 0xfff8_0000_0000_0000, one, two), DEF);
    assert_eq!(
        Power.apply(32, 0xffc0_0000, 0x7f80_0001, 0x7fc0_0002),
        0x7fc0_0001
    );
    assert_eq!(Power.apply(32, 0xffc0_0000, 0, 0), 0x7fc0_0000);
    // Three operands x, y, z: fnan(fnan(r, y, z), x, that).
    let three = |r, x, y, z| {
        let t = Power.apply(64, r, y, z);
        Power.apply(64, t, x, t)
    };
    assert_eq!(three(DEF, S, Q, one), 0xfff8_0000_0000_0022);
    assert_eq!(three(DEF, one, S, Q), 0xfff8_0000_0000_0022);
    assert_eq!(three(DEF, one, two, Q), Q);
    assert_eq!(three(0xfff8_0000_0000_0000, one, two, one), DEF);
    assert_eq!(three(two, one, two, one), two);
}
