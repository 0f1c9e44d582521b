//! NZCV left as a subtraction's operands on snapshot edges
//! (`lower::lazy_flags`): the state a retry or fault sees is the
//! interpreter's, flags included.

use super::*;

const NF: u16 = 11;
const ZF: u16 = 12;
const CF: u16 = 13;
const VF: u16 = 14;

/// Emits the frontend's SUBS/CMP flags of `a - b` (AArch64
/// `add_with_carry` without carry in).
pub(super) fn sub_flags(b: &mut Builder, a: Value, k: Value, ty: Type) {
    let zero = b.iconst(ty, 0);
    let d = b.sub(a, k);
    let c = b.icmp(Cond::Uge, a, k);
    let n = b.icmp(Cond::Slt, d, zero);
    let z = b.icmp(Cond::Eq, a, k);
    let lt = b.icmp(Cond::Slt, a, k);
    let v = b.xor(lt, n);
    b.set(r(NF), n);
    b.set(r(ZF), z);
    b.set(r(CF), c);
    b.set(r(VF), v);
}

/// Fills four 16-byte pairs `(12, 0)` ending at [`MAPPED`] (the fourth
/// pair's second word is unmapped) and returns the state at 0x1000 with
/// `r1` at the first pair and `r2 = 0x100`: a loop loading `[r1 + 8]`
/// and stepping `r1` by 16 faults on its fourth pass.
fn pairs_up_to_the_end(env: &Env) -> TState {
    let start = MAPPED - 8 - 16 * 3;
    for q in 0..4u64 {
        env.mem.store(start + q * 16, 8, 12u128).unwrap();
    }
    for q in 0..3u64 {
        env.mem.store(start + q * 16 + 8, 8, 0u128).unwrap();
    }
    let mut init = TState {
        pc: 0x1000,
        ..TState::default()
    };
    init.r[1] = start;
    init.r[2] = 0x100;
    init
}

/// A bytecode loop like `interp`'s: the dispatch block loads the next
/// opcode (`r3 = [r1]`) and compares it with 12 (or with `r5`), setting
/// NZCV; the handler stores (`[r2] = r4`), steps `r1`, `r2`, `r4` and
/// jumps back. The handler's back edge is a snapshot edge whose target
/// sets the flags after its load, so it leaves NZCV as the compare's
/// operands.
fn dispatch_loop(wide: bool, reg_operand: bool) -> [Block; 2] {
    dispatch_loop_in(&LAYOUT, wide, reg_operand, sub_flags)
}

/// [`dispatch_loop`] over `layout`, the compare's flags set by `flags(b,
/// a, k, ty)`.
fn dispatch_loop_in(
    layout: &'static StateLayout,
    wide: bool,
    reg_operand: bool,
    flags: impl FnOnce(&mut Builder, Value, Value, Type),
) -> [Block; 2] {
    let ty = if wide { Type::I64 } else { Type::I32 };
    let mut b = Builder::new(layout, 0x1000);
    b.insn_start(0x1000);
    ld(&mut b, 3, 1);
    b.insn_start(0x1004);
    let v = b.get(r(3));
    let a = if wide { v } else { b.trunc(Type::I32, v) };
    let k = if reg_operand {
        let x = b.get(r(5));
        if wide { x } else { b.trunc(Type::I32, x) }
    } else {
        b.iconst(ty, 12)
    };
    flags(&mut b, a, k, ty);
    b.insn_start(0x1008);
    let end = b.iconst(Type::I64, 0xdead);
    let go = b.icmp(Cond::Ne, v, end);
    b.terminate(Terminal::Branch {
        cond: go,
        taken: 0x1100,
        not_taken: 0x1200,
    });
    let dispatch = b.finish();
    let mut b = Builder::new(layout, 0x1100);
    b.insn_start(0x1100);
    st(&mut b, 2, 0, 4, 8);
    b.insn_start(0x1104);
    addk(&mut b, 1, 1, 8);
    addk(&mut b, 2, 2, 8);
    addk(&mut b, 4, 4, 1);
    b.terminate(Terminal::Jump(0x1000));
    let handler = b.finish();
    [dispatch, handler]
}

/// Opcodes whose compare with 12 gives each of N, Z, C, V both ways.
const LAST: [u64; 6] = [
    5,
    12,
    13,
    0x8000_0000,
    0x8000_0000_0000_0005,
    0xffff_ffff_ffff_fff0,
];

/// The loop runs until the dispatch load of `MAPPED` faults: compiled,
/// the fault retries from the handler's back-edge snapshot (the flags as
/// operands there), and the tier-0 re-run raises the fault with the
/// flags of the last compare, as the interpreter alone does.
#[test]
fn a_retry_after_a_snapshot_edge_sees_the_flags_of_the_last_compare() {
    let env = Env::new(true);
    for wide in [false, true] {
        for reg_operand in [false, true] {
            let [d, h] = dispatch_loop(wide, reg_operand);
            let blocks = [&d, &h];
            let mut j = jit(true);
            let region = j.compile(&blocks).expect("compiles");
            let clif = LAST_CLIF.with(|c| c.borrow().clone());
            // The back edge writes the record's poison bytes (the edge is
            // lazy, 0x80808080); the four bytes are computed on the exit
            // path only, if at all (the exit is taken where the opcode is
            // 0xdead, which decides the compare with 12: C a constant).
            assert!(
                clif.contains("iconst.i32 -2139062144"),
                "wide={wide}:\n{clif}"
            );
            assert!(clif.matches(" uge ").count() <= 1, "wide={wide}:\n{clif}");
            for last in LAST {
                let what = format!("wide={wide} reg={reg_operand} last={last:#x}");
                let f = run_to_fault(&region, &blocks, &env, last, [1; 4], &what);
                assert_eq!(f, lower_nzcv(last, wide), "interpreter, {what}");
            }
        }
    }
}

/// Runs a dispatch loop (`blocks`, compiled as `region`) over ten opcodes
/// ending in `last`, placed right below `MAPPED`, with the flags `f0` on
/// entry, until its next dispatch load faults: compiled (the fault
/// retries from the handler's back-edge snapshot, whose flags are a
/// record, and the tier-0 re-run raises it) and interpreted alone. Both
/// must end in the same state, the record cleared; returns the flags.
fn run_to_fault(
    region: &Region,
    blocks: &[&Block],
    env: &Env,
    last: u64,
    f0: [u8; 4],
    what: &str,
) -> [u8; 4] {
    let start = MAPPED - 10 * 8;
    for q in 0..10u64 {
        let op = if q == 9 { last } else { q * 3 };
        env.mem.store(start + q * 8, 8, op.into()).unwrap();
    }
    let mut init = TState::default();
    init.r[1] = start;
    init.r[2] = 0x100;
    init.r[5] = 12;
    init.r[7] = 0x31;
    init.pc = 0x1000;
    init.f = f0;
    let mut s = init.clone();
    let got = run_jit_retrying(region, blocks, &mut s, env);
    assert_eq!(got, (ExitCode::Fault, true), "{what}");
    let mut si = init.clone();
    let code = interp_blocks(blocks, &mut si, env, usize::MAX);
    assert_eq!(code, ExitCode::Fault, "{what}");
    assert_eq!(
        (s.r, s.pc, s.f, s.hdr.exc_info),
        (si.r, si.pc, si.f, si.hdr.exc_info),
        "{what}"
    );
    assert_eq!(s.hdr.lazy.desc, 0, "the record is cleared");
    si.f
}

/// NZCV of `x - 12` in 32 or 64 bits, from the definition.
fn lower_nzcv(x: u64, wide: bool) -> [u8; 4] {
    let (a, b) = if wide {
        (x as i64 as i128, 12i128)
    } else {
        (x as i32 as i128, 12i128)
    };
    let exact = a - b;
    let wrapped = if wide {
        exact as i64 as i128
    } else {
        exact as i32 as i128
    };
    let ua = if wide { x as u128 } else { x as u32 as u128 };
    [
        u8::from(wrapped < 0),
        u8::from(wrapped == 0),
        u8::from(ua >= 12),
        u8::from(wrapped != exact),
    ]
}

/// `runtime::lazy_nzcv` against the definition.
#[test]
fn lazy_nzcv_matches_the_definition() {
    use xlat_ir::abi::{LAZY_SUB32, LAZY_SUB64};
    for x in LAST.into_iter().chain([0, 11, 0x7fff_ffff, 0x1_0000_000c]) {
        assert_eq!(
            runtime::lazy_nzcv(LAZY_SUB32, x, 12),
            lower_nzcv(x, false),
            "{x:#x}"
        );
        assert_eq!(
            runtime::lazy_nzcv(LAZY_SUB64, x, 12),
            lower_nzcv(x, true),
            "{x:#x}"
        );
    }
}

// ------------------------------------------------ PowerPC CR0 (LT GT EQ)

macro_rules! gpr {
    ($i:literal) => {
        RegInfo {
            name: concat!("r", $i),
            offset: (offset_of!(TState, r) + 8 * $i) as u32,
            ty: Type::I64,
            kind: RegKind::Normal,
        }
    };
}

macro_rules! flag {
    ($name:literal, $k:literal) => {
        RegInfo {
            name: $name,
            offset: offset_of!(TState, f) as u32 + $k,
            ty: Type::I8,
            kind: RegKind::Flag,
        }
    };
}

/// [`LAYOUT`] with PowerPC's CR0 bytes in place of N, Z, C, V (same
/// register numbers, offsets and types: LT 11, GT 12, EQ 13, SO 14), so
/// the interpreter runs its blocks with [`LAYOUT`] as well.
static CR_REGS: &[RegInfo] = &[
    gpr!(0),
    gpr!(1),
    gpr!(2),
    gpr!(3),
    gpr!(4),
    gpr!(5),
    gpr!(6),
    gpr!(7),
    RegInfo {
        name: "pc",
        offset: offset_of!(TState, pc) as u32,
        ty: Type::I64,
        kind: RegKind::Pc,
    },
    RegInfo {
        name: "v0",
        offset: offset_of!(TState, v) as u32,
        ty: Type::V128,
        kind: RegKind::Normal,
    },
    RegInfo {
        name: "v1",
        offset: offset_of!(TState, v) as u32 + 16,
        ty: Type::V128,
        kind: RegKind::Normal,
    },
    flag!("cr0.lt", 0),
    flag!("cr0.gt", 1),
    flag!("cr0.eq", 2),
    flag!("cr0.so", 3),
];
pub(super) static CR_LAYOUT: StateLayout = StateLayout {
    regs: CR_REGS,
    pc: Reg(8),
    size: std::mem::size_of::<TState>(),
};

/// A chained JIT over [`CR_LAYOUT`] without guard areas (the tests'
/// memory has none).
pub(super) fn cr_jit() -> Jit {
    Jit::new(
        &CR_LAYOUT,
        JitOptions {
            chain: true,
            guard: 0,
        },
    )
    .expect("jit")
}

/// `interp`'s dispatch loop as the ppc64le frontend translates it
/// (`lbzx; cmplwi r8,12; bgt` and a storing handler): the compare sets
/// CR0's LT, GT, EQ (signed or unsigned, 32 or 64 bits, with 12 or with
/// `r5`) and SO (here bit 0 of `r7`); the handler's back edge is a
/// snapshot edge whose target sets CR0 after its load.
fn cr_dispatch_loop(wide: bool, signed: bool, reg_operand: bool) -> [Block; 2] {
    dispatch_loop_in(&CR_LAYOUT, wide, reg_operand, |b, a, k, _| {
        cr_compare(b, a, k, signed);
    })
}

/// Emits the ppc64le frontend's compare of `a` with `k` into CR0 (LT, GT,
/// EQ signed or unsigned, SO from bit 0 of `r7`); returns LT, GT, EQ.
pub(super) fn cr_compare(b: &mut Builder, a: Value, k: Value, signed: bool) -> [Value; 3] {
    let (lc, gc) = if signed {
        (Cond::Slt, Cond::Sgt)
    } else {
        (Cond::Ult, Cond::Ugt)
    };
    let lt = b.icmp(lc, a, k);
    let gt = b.icmp(gc, a, k);
    let eq = b.icmp(Cond::Eq, a, k);
    let x = b.get(r(7));
    let x = b.trunc(Type::I8, x);
    let one = b.iconst(Type::I8, 1);
    let so = b.and(x, one);
    for (q, f) in [lt, gt, eq, so].into_iter().enumerate() {
        b.set(r(11 + q as u16), f);
    }
    [lt, gt, eq]
}

/// LT, GT, EQ of the compare of `x` with 12, from the definition.
fn cr_of(x: u64, wide: bool, signed: bool) -> [u8; 3] {
    let a = match (wide, signed) {
        (true, true) => x as i64 as i128,
        (true, false) => x as i128,
        (false, true) => x as i32 as i128,
        (false, false) => x as u32 as i128,
    };
    [u8::from(a < 12), u8::from(a > 12), u8::from(a == 12)]
}

/// As [`a_retry_after_a_snapshot_edge_sees_the_flags_of_the_last_compare`]
/// for CR0: the handler's back edge leaves LT, GT, EQ as the compare's
/// operands (SO as its byte), and the fault after the retry shows the
/// interpreter's CR0 for every kind of compare.
#[test]
fn a_retry_after_a_snapshot_edge_sees_cr0_of_the_last_compare() {
    let env = Env::new(true);
    for (wide, signed, reg_operand) in (0..8).map(|m| (m & 1 != 0, m & 2 != 0, m & 4 != 0)) {
        let what = format!("wide={wide} signed={signed} reg={reg_operand}");
        let [d, h] = cr_dispatch_loop(wide, signed, reg_operand);
        let blocks = [&d, &h];
        let mut j = cr_jit();
        let region = j.compile(&blocks).expect("compiles");
        let clif = LAST_CLIF.with(|c| c.borrow().clone());
        // The back edge writes the record's poison bytes (the edge is lazy:
        // 0x8080 into LT, GT and 0x80 into EQ).
        assert!(clif.contains("iconst.i8 -128"), "{what}:\n{clif}");
        for last in LAST {
            let what = format!("{what} last={last:#x}");
            let f = run_to_fault(&region, &blocks, &env, last, [1, 1, 1, 0], &what);
            let [lt, gt, eq] = cr_of(last, wide, signed);
            assert_eq!(f, [lt, gt, eq, 1], "interpreter, {what}");
        }
    }
}

/// `runtime::lazy_cr` against the definition; other kinds are not CR's.
#[test]
fn lazy_cr_matches_the_definition() {
    use xlat_ir::abi::{LAZY_CMPS32, LAZY_CMPS64, LAZY_CMPU32, LAZY_CMPU64, LAZY_SUB64};
    for x in LAST
        .into_iter()
        .chain([0, 11, 0x7fff_ffff, 0x1_0000_000c, u64::MAX])
    {
        for (kind, wide, signed) in [
            (LAZY_CMPS32, false, true),
            (LAZY_CMPU32, false, false),
            (LAZY_CMPS64, true, true),
            (LAZY_CMPU64, true, false),
        ] {
            assert_eq!(
                runtime::lazy_cr(kind, x, 12),
                Some(cr_of(x, wide, signed)),
                "{kind} {x:#x}"
            );
        }
    }
    assert_eq!(runtime::lazy_cr(LAZY_SUB64, 1, 2), None);
}

/// A loop whose dispatch block `D` (load `r3 = [r1]`, `cmp r3, 12`, a
/// store) jumps to `U`, which reads Z (`r6 = Z`, a `cset eq`) before its
/// own `cmp r4, 7` and a load of `[r1 + 8]`, then stores and jumps back.
/// `U -> D` leaves NZCV as a record (D sets them after its load); `D ->
/// U` skips N, C, V (U sets them before its load) but writes D's Z. When
/// U's load faults, the retry from U must see D's Z, not the flags of the
/// record (U's compare of the iteration before).
#[test]
fn a_record_is_not_materialized_over_flags_written_after_it() {
    let env = Env::new(true);
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    ld(&mut b, 3, 1);
    b.insn_start(0x1004);
    let v = b.get(r(3));
    let k = b.iconst(Type::I64, 12);
    sub_flags(&mut b, v, k, Type::I64);
    b.insn_start(0x1008);
    st(&mut b, 2, 0x400, 4, 8);
    b.terminate(Terminal::Jump(0x1100));
    let d = b.finish();
    let mut b = Builder::new(&LAYOUT, 0x1100);
    b.insn_start(0x1100);
    let z = b.get(r(ZF));
    let z = b.zext(Type::I64, z);
    b.set(r(6), z);
    b.insn_start(0x1104);
    let x = b.get(r(4));
    let k = b.iconst(Type::I64, 7);
    sub_flags(&mut b, x, k, Type::I64);
    b.insn_start(0x1108);
    let p = b.get(r(1));
    let o = b.iconst(Type::I64, 8);
    let p = b.add(p, o);
    let y = b.load(Type::I64, p, MemFlags::new(8));
    b.set(r(0), y);
    b.insn_start(0x110c);
    st(&mut b, 2, 0, 0, 8);
    b.insn_start(0x1110);
    addk(&mut b, 1, 1, 16);
    addk(&mut b, 2, 2, 8);
    addk(&mut b, 4, 4, 1);
    b.terminate(Terminal::Jump(0x1000));
    let u = b.finish();
    let blocks = [&d, &u];
    let mut j = jit(true);
    let region = j.compile(&blocks).expect("compiles");
    let clif = LAST_CLIF.with(|c| c.borrow().clone());
    assert!(clif.contains("iconst.i32 -2139062144"), "lazy:\n{clif}");
    let init = pairs_up_to_the_end(&env);
    let mut s = init.clone();
    let got = run_jit_retrying(&region, &blocks, &mut s, &env);
    assert_eq!(got, (ExitCode::Fault, true));
    let mut si = init.clone();
    loop {
        let bl = blocks.iter().find(|bl| bl.pc == si.pc).unwrap();
        if run_interp(bl, &mut si, &env) != ExitCode::Continue {
            break;
        }
    }
    assert_eq!(si.r[6], 1, "D's compare of 12 with 12 sets Z");
    assert_eq!((s.r, s.pc, s.f), (si.r, si.pc, si.f));
}

/// The target of a lazy edge sets Z alone (`r6`'s low bit), stores and
/// loads (a snapshot before the load writes that Z), then sets NZCV by
/// its compare: when that load faults, the retry from it must see the
/// new Z with N, C, V of the record.
#[test]
fn a_snapshot_between_the_targets_flag_sets_keeps_the_bytes_it_wrote() {
    let env = Env::new(true);
    // The block from `at` (0x1000, or 0x100c where the retry starts).
    let block = |at: u64| {
        let mut b = Builder::new(&LAYOUT, at);
        if at == 0x1000 {
            b.insn_start(0x1000);
            ld(&mut b, 3, 1);
            b.insn_start(0x1004);
            let x = b.get(r(6));
            let x = b.trunc(Type::I8, x);
            let one = b.iconst(Type::I8, 1);
            let z = b.and(x, one);
            b.set(r(ZF), z);
            b.insn_start(0x1008);
            st(&mut b, 2, 0x400, 4, 8);
        }
        b.insn_start(0x100c);
        let p = b.get(r(1));
        let o = b.iconst(Type::I64, 8);
        let p = b.add(p, o);
        let y = b.load(Type::I64, p, MemFlags::new(8));
        b.set(r(0), y);
        b.insn_start(0x1010);
        let v = b.get(r(3));
        let k = b.iconst(Type::I64, 12);
        sub_flags(&mut b, v, k, Type::I64);
        b.insn_start(0x1014);
        st(&mut b, 2, 0, 0, 8);
        addk(&mut b, 1, 1, 16);
        addk(&mut b, 2, 2, 8);
        addk(&mut b, 4, 4, 1);
        b.terminate(Terminal::Jump(0x1000));
        b.finish()
    };
    let (d, tail) = (block(0x1000), block(0x100c));
    let mut j = jit(true);
    let region = j.compile(&[&d]).expect("compiles");
    let blocks = [&d, &tail];
    let clif = LAST_CLIF.with(|c| c.borrow().clone());
    assert!(clif.contains("iconst.i32 -2139062144"), "lazy:\n{clif}");
    let init = pairs_up_to_the_end(&env);
    let mut s = init.clone();
    let got = run_jit_retrying(&region, &blocks, &mut s, &env);
    assert_eq!(got, (ExitCode::Fault, true));
    let mut si = init.clone();
    while run_interp(&d, &mut si, &env) == ExitCode::Continue {}
    assert_eq!(si.f, [0, 0, 1, 0], "Z from r6, N C V of 12 - 12");
    assert_eq!((s.r, s.pc, s.f), (si.r, si.pc, si.f));
}
