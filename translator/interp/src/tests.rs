//! Unit tests: hand-built blocks on a small test CPU state.

use super::*;
use std::mem::offset_of;
use xlat_ir::{Builder, Cond, ExceptionKind, HelperDesc, HelperFlags, Reg, RegInfo, RegKind};

#[repr(C, align(16))]
#[derive(Default)]
struct TState {
    hdr: CpuHeader,
    r: [u64; 4],
    pc: u64,
    f: u8,
    g: [u8; 3],
    _pad: [u8; 4],
    v: u128,
}

const R0: Reg = Reg(0);
const R1: Reg = Reg(1);
const R2: Reg = Reg(2);
const R3: Reg = Reg(3);
const PC: Reg = Reg(4);
const F: Reg = Reg(5);
const V: Reg = Reg(6);

/// A 1-byte flag register at `offset`.
const fn flag(name: &'static str, offset: usize) -> RegInfo {
    RegInfo {
        name,
        offset: offset as u32,
        ty: Type::I8,
        kind: RegKind::Flag,
    }
}

static REGS: &[RegInfo] = &[
    RegInfo {
        name: "r0",
        offset: offset_of!(TState, r) as u32,
        ty: Type::I64,
        kind: RegKind::Normal,
    },
    RegInfo {
        name: "r1",
        offset: offset_of!(TState, r) as u32 + 8,
        ty: Type::I64,
        kind: RegKind::Normal,
    },
    RegInfo {
        name: "r2",
        offset: offset_of!(TState, r) as u32 + 16,
        ty: Type::I64,
        kind: RegKind::Normal,
    },
    RegInfo {
        name: "r3",
        offset: offset_of!(TState, r) as u32 + 24,
        ty: Type::I64,
        kind: RegKind::Normal,
    },
    RegInfo {
        name: "pc",
        offset: offset_of!(TState, pc) as u32,
        ty: Type::I64,
        kind: RegKind::Pc,
    },
    flag("f", offset_of!(TState, f)),
    RegInfo {
        name: "v",
        offset: offset_of!(TState, v) as u32,
        ty: Type::V128,
        kind: RegKind::Normal,
    },
    flag("g0", offset_of!(TState, g)),
    flag("g1", offset_of!(TState, g) + 1),
    flag("g2", offset_of!(TState, g) + 2),
];

static LAYOUT: StateLayout = StateLayout {
    regs: REGS,
    pc: PC,
    size: std::mem::size_of::<TState>(),
};

/// Flat memory at [0x1000, 0x2000); guest stores into [0x1800, 0x2000)
/// fault as protected.
type Mem = crate::testutil::VecMem;

fn new_mem() -> Mem {
    Mem::with_read_only(0x1000, 0x1000, 0x1800)
}

fn run(b: &Block, st: &mut TState, mem: &Mem) -> ExitCode {
    xlat_ir::verify(b, &LAYOUT).expect("test block verifies");
    // SAFETY: `st` is a live, aligned TState matching LAYOUT.
    unsafe { crate::testutil::exec_block(b, &LAYOUT, st, mem) }
}

#[test]
fn arithmetic_and_branch() {
    let mut bl = Builder::new(&LAYOUT, 0x100);
    bl.insn_start(0x100);
    let a = bl.get(R0);
    let five = bl.i64(5);
    let s = bl.add(a, five);
    bl.set(R1, s);
    let m = bl.mul(s, s);
    bl.set(R2, m);
    let z = bl.i64(0);
    let d = bl.udiv(a, z);
    bl.set(R3, d);
    let c = bl.icmp(Cond::Slt, a, z);
    bl.set(F, c);
    bl.terminate(Terminal::Branch {
        cond: c,
        taken: 0x200,
        not_taken: 0x300,
    });
    let b = bl.finish();

    let mem = new_mem();
    let mut st = TState {
        r: [u64::MAX - 1, 0, 0, 7],
        ..Default::default()
    };
    assert_eq!(run(&b, &mut st, &mem), ExitCode::Continue);
    assert_eq!(st.r[1], 3);
    assert_eq!(st.r[2], 9);
    assert_eq!(st.r[3], 0, "x / 0 = 0");
    assert_eq!(st.f, 1);
    assert_eq!(st.pc, 0x200);
    assert_eq!(st.hdr.blocks_executed, 1);

    st.r[0] = 10;
    assert_eq!(run(&b, &mut st, &mem), ExitCode::Continue);
    assert_eq!(st.r[1], 15);
    assert_eq!(st.f, 0);
    assert_eq!(st.pc, 0x300);
}

#[test]
fn narrow_types_wrap() {
    let mut bl = Builder::new(&LAYOUT, 0);
    let a = bl.get(R0);
    let t = bl.trunc(Type::I8, a);
    let one = bl.i8(1);
    let s = bl.add(t, one);
    let sx = bl.sext(Type::I64, s);
    bl.set(R1, sx);
    let zx = bl.zext(Type::I64, s);
    bl.set(R2, zx);
    bl.terminate(Terminal::Jump(4));
    let b = bl.finish();
    let mem = new_mem();
    let mut st = TState {
        r: [0x37f, 0, 0, 0],
        ..Default::default()
    };
    run(&b, &mut st, &mem);
    assert_eq!(st.r[1], 0xffff_ffff_ffff_ff80);
    assert_eq!(st.r[2], 0x80);
}

#[test]
fn memory_load_store_signed() {
    let mut bl = Builder::new(&LAYOUT, 0);
    let addr = bl.get(R0);
    let v = bl.get(R1);
    bl.store(addr, v, MemFlags::new(4));
    let l = bl.load(Type::I64, addr, MemFlags::new(1).signed());
    bl.set(R2, l);
    let l2 = bl.load(Type::I64, addr, MemFlags::new(2));
    bl.set(R3, l2);
    let one = bl.i64(1);
    let old = bl.atomic_rmw(RmwOp::Add, addr, one, MemFlags::new(4).aligned());
    let nv = bl.load(Type::I64, addr, MemFlags::new(4));
    let s = bl.add(old, nv);
    bl.set(R1, s);
    bl.terminate(Terminal::Jump(0x10));
    let b = bl.finish();
    let mem = new_mem();
    let mut st = TState {
        r: [0x1010, 0x1234_5687, 0, 0],
        ..Default::default()
    };
    assert_eq!(run(&b, &mut st, &mem), ExitCode::Continue);
    assert_eq!(st.r[2], 0xffff_ffff_ffff_ff87);
    assert_eq!(st.r[3], 0x5687);
    assert_eq!(st.r[1], 0x1234_5687 + 0x1234_5688);
    assert_eq!(mem.load(0x1010, 4).unwrap(), 0x1234_5688);
}

#[test]
fn cas_succeeds_and_fails() {
    let mut bl = Builder::new(&LAYOUT, 0);
    let addr = bl.get(R0);
    let e = bl.get(R1);
    let n = bl.get(R2);
    let old = bl.atomic_cas(addr, e, n, MemFlags::new(8).ordered(Ordering::AcqRel));
    bl.set(R3, old);
    bl.terminate(Terminal::Jump(0));
    let b = bl.finish();
    let mem = new_mem();
    mem.store(0x1100, 8, 42).unwrap();
    let mut st = TState {
        r: [0x1100, 41, 7, 0],
        ..Default::default()
    };
    run(&b, &mut st, &mem);
    assert_eq!(st.r[3], 42);
    assert_eq!(
        mem.load(0x1100, 8).unwrap(),
        42,
        "failed cas stores nothing"
    );
    st.r[1] = 42;
    run(&b, &mut st, &mem);
    assert_eq!(mem.load(0x1100, 8).unwrap(), 7);
}

#[test]
fn fault_leaves_exact_state() {
    let mut bl = Builder::new(&LAYOUT, 0x400);
    bl.insn_start(0x400);
    let one = bl.i64(1);
    bl.set(R1, one);
    bl.insn_start(0x404);
    let addr = bl.get(R0);
    let l = bl.load(Type::I64, addr, MemFlags::new(8));
    bl.set(R2, l);
    bl.insn_start(0x408);
    bl.set(R3, one);
    bl.terminate(Terminal::Jump(0x40c));
    let b = bl.finish();
    let mem = new_mem();
    let mut st = TState {
        r: [0x5000, 0, 99, 99],
        ..Default::default()
    };
    assert_eq!(run(&b, &mut st, &mem), ExitCode::Fault);
    assert_eq!(st.pc, 0x404);
    assert_eq!(st.r[1], 1, "earlier instruction completed");
    assert_eq!(st.r[2], 99);
    assert_eq!(st.r[3], 99, "later instruction not executed");
    assert_eq!(st.hdr.exc_info, 0x5000);
    assert_eq!(st.hdr.fault_kind, FaultKind::Unmapped as u32);
    assert_eq!(st.hdr.exit, ExitCode::Fault as u32);
}

#[test]
fn store_protection_and_alignment_faults() {
    let mut bl = Builder::new(&LAYOUT, 0x400);
    bl.insn_start(0x400);
    let addr = bl.get(R0);
    let v = bl.get(R1);
    bl.store(addr, v, MemFlags::new(4).aligned());
    bl.terminate(Terminal::Jump(0x404));
    let b = bl.finish();
    let mem = new_mem();
    let mut st = TState {
        r: [0x1802, 5, 0, 0],
        ..Default::default()
    };
    assert_eq!(run(&b, &mut st, &mem), ExitCode::Fault);
    assert_eq!(
        st.hdr.fault_kind,
        FaultKind::Alignment as u32 | FAULT_WRITE,
        "alignment checked before the access"
    );
    st.r[0] = 0x1804;
    assert_eq!(run(&b, &mut st, &mem), ExitCode::Fault);
    assert_eq!(
        st.hdr.fault_kind,
        FaultKind::Protection as u32 | FAULT_WRITE
    );
    assert_eq!(st.hdr.exc_info, 0x1804);
    st.r[0] = 0x17fc;
    assert_eq!(run(&b, &mut st, &mem), ExitCode::Continue);
    assert_eq!(mem.load(0x17fc, 4).unwrap(), 5);
}

#[test]
fn exception_and_indirect_terminals() {
    let mut bl = Builder::new(&LAYOUT, 0x10);
    bl.terminate(Terminal::Exception {
        kind: ExceptionKind::Syscall,
        pc: 0x14,
        info: 93,
    });
    let b = bl.finish();
    let mem = new_mem();
    let mut st = TState::default();
    assert_eq!(run(&b, &mut st, &mem), ExitCode::Exception);
    assert_eq!(st.pc, 0x14);
    assert_eq!(st.hdr.exc_kind, ExceptionKind::Syscall as u32);
    assert_eq!(st.hdr.exc_info, 93);

    let mut bl = Builder::new(&LAYOUT, 0x10);
    let t = bl.get(R0);
    bl.terminate(Terminal::Return(t));
    let b = bl.finish();
    st.r[0] = 0xdead_beef;
    assert_eq!(run(&b, &mut st, &mem), ExitCode::Continue);
    assert_eq!(st.pc, 0xdead_beef);
}

#[test]
fn float_semantics() {
    let f64c = |bl: &mut Builder, x: f64| bl.iconst(Type::F64, x.to_bits());
    let mut bl = Builder::new(&LAYOUT, 0);
    let nz = f64c(&mut bl, -0.0);
    let pz = f64c(&mut bl, 0.0);
    let mn = bl.fmin(pz, nz);
    let mnb = bl.bitcast(Type::I64, mn);
    bl.set(R0, mnb);
    let nan = f64c(&mut bl, f64::NAN);
    let big = f64c(&mut bl, 1e300);
    let sat = bl.fcvtzs(Type::I32, big);
    let satz = bl.zext(Type::I64, sat);
    bl.set(R1, satz);
    let nz2 = bl.fcvtzu(Type::I64, nan);
    let mx = bl.fmax(nan, big);
    let uno = bl.fcmp(xlat_ir::FCond::Uno, mx, mx);
    let unoz = bl.zext(Type::I64, uno);
    let s = bl.add(nz2, unoz);
    bl.set(R2, s);
    let m3 = f64c(&mut bl, -3.75);
    let i = bl.fcvtzs(Type::I64, m3);
    bl.set(R3, i);
    bl.terminate(Terminal::Jump(0));
    let b = bl.finish();
    let mem = new_mem();
    let mut st = TState::default();
    run(&b, &mut st, &mem);
    assert_eq!(st.r[0], (-0.0f64).to_bits());
    assert_eq!(st.r[1], i32::MAX as u64);
    assert_eq!(st.r[2], 1, "NaN converts to 0 and fmax(NaN, x) is NaN");
    assert_eq!(st.r[3], (-3i64) as u64);
}

#[test]
fn vector_lanes() {
    let mut bl = Builder::new(&LAYOUT, 0);
    let v = bl.get(V);
    let x = bl.i64(0xff);
    let sp = bl.vsplat(Lanes::I8x16, x);
    let s = bl.vadd(Lanes::I8x16, v, sp);
    let seven = bl.i32(7);
    let ins = bl.vinsert(Lanes::I32x4, s, seven, 2);
    bl.set(V, ins);
    let e = bl.vextract(Lanes::I16x8, v, 1);
    let ez = bl.zext(Type::I64, e);
    bl.set(R0, ez);
    bl.terminate(Terminal::Jump(0));
    let b = bl.finish();
    let mem = new_mem();
    let mut st = TState {
        v: 0x0000_0000_0000_0000_0000_0000_0403_0201,
        ..Default::default()
    };
    run(&b, &mut st, &mem);
    assert_eq!(st.r[0], 0x0403);
    assert_eq!(
        st.v, 0xffff_ffff_0000_0007_ffff_ffff_0302_0100,
        "each byte decremented (wrapping), lane 2 of i32x4 replaced"
    );
}

unsafe extern "C" fn h_fault(env: *mut u8, a: u64, _b: u64, _c: u64) -> u64 {
    let hdr = env as *mut CpuHeader;
    // SAFETY: the interpreter passes the live state block.
    unsafe {
        (*hdr).helper_fault = 1;
        (*hdr).fault_kind = FaultKind::Unmapped as u32;
        (*hdr).exc_info = a;
    }
    0
}

unsafe extern "C" fn h_add3(_env: *mut u8, a: u64, b: u64, c: u64) -> u64 {
    a + b + c
}

static H_FAULT: HelperDesc = HelperDesc {
    name: "test_fault",
    func: h_fault,
    flags: HelperFlags::STATE_MEM,
};
static H_ADD3: HelperDesc = HelperDesc {
    name: "test_add3",
    func: h_add3,
    flags: HelperFlags::PURE,
};

#[test]
fn helpers_and_helper_faults() {
    let mut bl = Builder::new(&LAYOUT, 0x20);
    bl.insn_start(0x20);
    let a = bl.i64(1);
    let b = bl.i64(20);
    let c = bl.i64(300);
    let r = bl.call_helper(&H_ADD3, Type::I64, &[a, b, c]);
    bl.set(R0, r);
    bl.insn_start(0x24);
    let addr = bl.i64(0x777);
    bl.call_helper(&H_FAULT, Type::Void, &[addr]);
    bl.set(R1, r);
    bl.terminate(Terminal::Jump(0x28));
    let b = bl.finish();
    let mem = new_mem();
    let mut st = TState::default();
    assert_eq!(run(&b, &mut st, &mem), ExitCode::Fault);
    assert_eq!(st.r[0], 321);
    assert_eq!(st.r[1], 0);
    assert_eq!(st.pc, 0x24);
    assert_eq!(st.hdr.exc_info, 0x777);
    assert_eq!(st.hdr.helper_fault, 0);
}

#[test]
fn mask_table_matches_type_widths() {
    for (ty, m) in [
        (Type::Void, 0u128),
        (Type::I8, 0xff),
        (Type::I16, 0xffff),
        (Type::I32, 0xffff_ffff),
        (Type::F32, 0xffff_ffff),
        (Type::I64, u64::MAX as u128),
        (Type::F64, u64::MAX as u128),
        (Type::I128, u128::MAX),
        (Type::V128, u128::MAX),
    ] {
        assert_eq!(mask(ty, u128::MAX), m, "{ty:?}");
    }
}

/// The 64-bit fast paths give exactly `eval_int`'s results, for every op
/// they claim, over edge values and pseudo-random operands.
#[test]
fn int_fast_agrees_with_eval_int() {
    let ops = [
        Opcode::Icmp,
        Opcode::Shl,
        Opcode::Lshr,
        Opcode::Ashr,
        Opcode::Mul,
        Opcode::Not,
        Opcode::Neg,
        Opcode::Sext,
        Opcode::Add,
        Opcode::Udiv,
    ];
    let tys = [Type::I8, Type::I16, Type::I32, Type::I64, Type::I128];
    let edges = [
        0u128,
        1,
        2,
        0x7f,
        0x80,
        0xff,
        0x7fff,
        0x8000,
        0xffff_ffff,
        0x8000_0000,
        u64::MAX as u128,
        1 << 63,
        63,
        64,
        65,
        u128::MAX,
    ];
    let mut x = 0x1234_5678_9abc_def1u64;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as u128
    };
    let mut claimed = 0;
    for op in ops {
        for ty in tys {
            for aty in tys {
                let ty = if op == Opcode::Icmp { Type::I8 } else { ty };
                if op == Opcode::Sext && aty.bits() > ty.bits() {
                    continue;
                }
                let aty = if matches!(op, Opcode::Icmp | Opcode::Sext) {
                    aty
                } else {
                    ty
                };
                for k in 0..400 {
                    let (a, b) = if k < edges.len() * edges.len() {
                        (edges[k % edges.len()], edges[k / edges.len()])
                    } else {
                        (rnd(), rnd() % 200)
                    };
                    // Operands as the interpreter holds them: masked.
                    let (a, b) = (mask(aty, a), mask(aty, b));
                    for imm in 0..11 {
                        let want = xlat_ir::eval::eval_int(op, ty, aty, imm, a, b, 0);
                        if let Some(got) = int_fast(op, ty, aty, imm, a, b) {
                            claimed += 1;
                            assert_eq!(
                                Some(mask(ty, got)),
                                want,
                                "{op:?} {ty:?} {aty:?} imm {imm} a {a:#x} b {b:#x}"
                            );
                        }
                    }
                }
            }
        }
    }
    assert!(
        claimed > 100_000,
        "fast paths exercised only {claimed} times"
    );
}

/// Every value op of the table (all but memory, fence and helper calls,
/// which the tests above run through both forms), at every operand and
/// result type and a range of immediates the verifier accepts: the
/// pre-decoded form computes exactly the values `run_block` computes.
#[test]
fn decoded_form_agrees_with_run_block_on_every_op() {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let edges = [
        0u64,
        1,
        0x7f,
        0x80,
        0xff,
        0x8000,
        0x8000_0000,
        1 << 63,
        u64::MAX,
    ];
    let imms: Vec<u64> = (0..16)
        .chain([0x100, 0x203, 0x501, 0x702, 0xf00, 0x3f02, 0x1f03])
        .collect();
    let mem = new_mem();
    let mut ops_run = std::collections::BTreeSet::new();
    let mut blocks = 0;
    for &op in Opcode::ALL {
        if matches!(
            op.shape(),
            Shape::Load | Shape::Store | Shape::Rmw | Shape::Cas | Shape::Fence | Shape::Call
        ) {
            continue;
        }
        for ty in Type::ALL {
            for aty in Type::ALL {
                for pat in 0..4 {
                    let tys = match pat {
                        0 => [aty, aty, aty],
                        1 => [Type::I8, ty, ty],
                        2 => [aty, Type::I64, aty],
                        _ => [aty, Type::I8, aty],
                    };
                    for &imm in &imms {
                        let mut insts: Vec<xlat_ir::Inst> = tys
                            .iter()
                            .map(|&t| xlat_ir::Inst {
                                op: Opcode::Const,
                                ty: t,
                                args: [Value::NONE; 3],
                                imm: 0,
                            })
                            .collect();
                        let nargs = match op.shape() {
                            Shape::Const | Shape::Get | Shape::Marker => 0,
                            Shape::Bin
                            | Shape::Cmp
                            | Shape::FBin
                            | Shape::FCmp
                            | Shape::VBin
                            | Shape::VInsert => 2,
                            Shape::Select | Shape::FTer => 3,
                            _ => 1,
                        };
                        let mut args = [Value::NONE; 3];
                        for (k, a) in args.iter_mut().take(nargs).enumerate() {
                            *a = Value(k as u32);
                        }
                        insts.push(xlat_ir::Inst { op, ty, args, imm });
                        let mut b = Block {
                            pc: 0x100,
                            guest_len: 4,
                            guest_insns: 1,
                            insts,
                            helpers: Vec::new(),
                            term: Some(Terminal::Jump(0x104)),
                        };
                        if xlat_ir::verify(&b, &LAYOUT).is_err() {
                            continue;
                        }
                        blocks += 1;
                        ops_run.insert(format!("{op:?}"));
                        for k in 0..24 {
                            for (j, t) in tys.iter().enumerate() {
                                let v = if k < 8 {
                                    edges[(k + j * 3) % edges.len()]
                                } else {
                                    rnd()
                                };
                                b.insts[j].imm = mask(*t, v as u128) as u64;
                            }
                            let d2 = Decoded::new(&b, &LAYOUT).expect("small block");
                            let (mut s1, mut s2) = (TState::default(), TState::default());
                            let (mut c1, mut c2) = (Scratch::new(), Scratch::new());
                            // SAFETY: live, aligned TStates matching LAYOUT.
                            let e1 = unsafe {
                                run_block(
                                    &b,
                                    &LAYOUT,
                                    &mut s1 as *mut TState as *mut u8,
                                    &mem,
                                    &mut c1,
                                )
                            };
                            // SAFETY: as above.
                            let e2 = unsafe {
                                run_decoded(&d2, &mut s2 as *mut TState as *mut u8, &mem, &mut c2)
                            };
                            assert_eq!(e1, e2);
                            // Void ops (set, markers) have no value.
                            for i in (0..b.insts.len()).filter(|&i| b.insts[i].ty != Type::Void) {
                                assert_eq!(
                                    c1.vals[i],
                                    c2.vals[i + 1],
                                    "{op:?} ty {ty:?} operands {tys:?} imm {imm:#x} value {i}: {:x?}",
                                    &b.insts[..3]
                                );
                            }
                            assert_eq!(s1.pc, s2.pc);
                        }
                    }
                }
            }
        }
    }
    // Every value op of the table ran at least once.
    let want = Opcode::ALL
        .iter()
        .filter(|op| {
            !matches!(
                op.shape(),
                Shape::Load | Shape::Store | Shape::Rmw | Shape::Cas | Shape::Fence | Shape::Call
            )
        })
        .count();
    assert_eq!(ops_run.len(), want, "ops run: {ops_run:?}");
    assert!(blocks > 500, "only {blocks} blocks");
}

/// The pre-decoded form is safe on IR the verifier rejects: operands that
/// name a later value or nothing read as 0, a register outside the layout
/// reads as 0 and is not written, a helper index out of range does
/// nothing, and a missing terminal raises Undefined.
#[test]
fn decoded_form_tolerates_invalid_ir() {
    let inst = |op: Opcode, ty: Type, args: [u32; 3], imm: u64| xlat_ir::Inst {
        op,
        ty,
        args: args.map(Value),
        imm,
    };
    let none = u32::MAX;
    let b = Block {
        pc: 0x100,
        guest_len: 4,
        guest_insns: 1,
        insts: vec![
            // v0 = v1 + v0: forward and self references.
            inst(Opcode::Add, Type::I64, [1, 0, none], 0),
            inst(Opcode::Get, Type::I64, [none; 3], 999),
            inst(Opcode::Set, Type::Void, [0, none, none], 0),
            inst(Opcode::Set, Type::Void, [1, none, none], 1),
            inst(Opcode::Set, Type::Void, [0, none, none], 999),
            inst(Opcode::CallHelper, Type::I64, [none; 3], 7),
            inst(Opcode::Set, Type::Void, [5, none, none], 2),
        ],
        helpers: Vec::new(),
        term: None,
    };
    let d = Decoded::new(&b, &LAYOUT).expect("small block");
    let mem = new_mem();
    let mut st = TState {
        r: [5, 6, 7, 8],
        ..Default::default()
    };
    let mut s = Scratch::new();
    // SAFETY: `st` is a live, aligned TState matching LAYOUT.
    let e = unsafe { run_decoded(&d, &mut st as *mut TState as *mut u8, &mem, &mut s) };
    assert_eq!(e, ExitCode::Exception);
    assert_eq!(st.hdr.exc_kind, ExceptionKind::Undefined as u32);
    assert_eq!(st.pc, 0x100);
    assert_eq!(st.r, [0, 0, 0, 8]);
}

#[cfg(target_arch = "x86_64")]
#[test]
fn decoded_form_uses_direct_memory_below_limit() {
    // Guest [0x1000, 0x1080) is the host buffer `host`; above, the VecMem.
    let mut host = [0u64; 16];
    let mem = new_mem();
    let mut st = TState {
        r: [0x1010, 0x8899_aabb_ccdd_eeff, 0, 0x1100],
        ..Default::default()
    };
    st.hdr.mem_base = (host.as_mut_ptr() as u64).wrapping_sub(0x1000);
    st.hdr.mem_limit = 0x1080;
    let mut bl = Builder::new(&LAYOUT, 0x40);
    let (a, v, hi) = (bl.get(R0), bl.get(R1), bl.get(R3));
    bl.store(a, v, MemFlags::new(8));
    let l = bl.load(Type::I64, a, MemFlags::new(4));
    bl.set(R2, l);
    bl.store(hi, v, MemFlags::new(4));
    let l = bl.load(Type::I64, hi, MemFlags::new(1).signed());
    bl.set(R3, l);
    let eight = bl.i64(8);
    let a8 = bl.add(a, eight);
    bl.store(a8, v, MemFlags::new(2));
    let q = bl.load(Type::V128, a, MemFlags::new(16));
    bl.set(V, q);
    let one = bl.i64(1);
    let odd = bl.add(a, one);
    bl.store(odd, v, MemFlags::new(2).aligned());
    bl.terminate(Terminal::Jump(0x10));
    let b = bl.finish();
    xlat_ir::verify(&b, &LAYOUT).expect("test block verifies");
    let d = Decoded::new(&b, &LAYOUT).expect("small block");
    let mut s = Scratch::new();
    // SAFETY: `st` is a live, aligned TState matching LAYOUT; the header's
    // direct range is `host`, and no access in it faults.
    let e = unsafe { run_decoded(&d, &mut st as *mut TState as *mut u8, &mem, &mut s) };
    assert_eq!(host[2], 0x8899_aabb_ccdd_eeff);
    assert_eq!(host[3], 0xeeff);
    assert_eq!(st.v, (0xeeff << 64) | 0x8899_aabb_ccdd_eeff);
    assert_eq!(
        mem.read_u64(0x1010),
        0,
        "below the limit: not through `mem`"
    );
    assert_eq!(st.r[2], 0xccdd_eeff);
    assert_eq!(mem.load(0x1100, 4).unwrap(), 0xccdd_eeff);
    assert_eq!(st.r[3], 0xffff_ffff_ffff_ffff);
    // The misaligned store faults before touching the host.
    assert_eq!(e, ExitCode::Fault);
    assert_eq!(st.hdr.exc_info, 0x1011);
    assert_eq!(st.hdr.fault_kind & 0xff, FaultKind::Alignment as u32);
    assert_eq!(host[2], 0x8899_aabb_ccdd_eeff);
}

/// Four 1-byte registers set in a row at adjacent offsets (f, g0, g1, g2)
/// are one dispatched op, with the same result as four; not when an
/// instruction starts between them or the offsets are not in order.
#[test]
fn adjacent_byte_sets_are_fused() {
    let [g0, g1, g2] = [Reg(7), Reg(8), Reg(9)];
    for (order, mark, fused) in [
        ([F, g0, g1, g2], false, true),
        ([F, g0, g1, g2], true, false),
        ([g0, F, g1, g2], false, false),
    ] {
        let mut bl = Builder::new(&LAYOUT, 0x400);
        bl.insn_start(0x400);
        let x = bl.get(R0);
        let vals: Vec<Value> = (0..4u64)
            .map(|i| {
                let k = bl.i64(8 * i);
                let sh = bl.lshr(x, k);
                bl.trunc(Type::I8, sh)
            })
            .collect();
        for (i, (&r, &v)) in order.iter().zip(&vals).enumerate() {
            if mark && i == 2 {
                bl.insn_start(0x404);
            }
            bl.set(r, v);
        }
        bl.terminate(Terminal::Jump(0x408));
        let b = bl.finish();
        let d = Decoded::new(&b, &LAYOUT).expect("small block");
        // Four shifts, four truncations, the get, and the sets.
        let sets = if fused { 1 } else { 4 };
        assert_eq!(d.dispatched(), 9 + sets, "{order:?} {mark}");
        let mut st = TState {
            r: [0x4433_2211, 0, 0, 0],
            ..Default::default()
        };
        assert_eq!(run(&b, &mut st, &new_mem()), ExitCode::Continue);
        let byte = |r: Reg| {
            let i = order.iter().position(|&o| o == r).expect("set");
            0x11 * (i as u8 + 1)
        };
        assert_eq!(st.f, byte(F), "{order:?}");
        assert_eq!(st.g, [byte(g0), byte(g1), byte(g2)], "{order:?}");
        assert_eq!(st.pc, 0x408);
    }
}

/// An add used only as the address of the load right after it is one
/// dispatched op, with the same result and the same fault; not when the
/// sum is used again. The set of the loaded value right after the load is
/// folded into it.
#[test]
fn add_feeding_only_a_load_is_fused() {
    for (reuse, base, fused) in [
        (false, 0x1000u64, true),
        (true, 0x1000, false),
        (false, 0x5000, true),
    ] {
        let mut bl = Builder::new(&LAYOUT, 0x400);
        bl.insn_start(0x400);
        let x = bl.get(R0);
        let off = bl.i64(8);
        let addr = bl.add(x, off);
        let l = bl.load(Type::I64, addr, MemFlags::new(8));
        bl.set(R1, l);
        if reuse {
            bl.set(R2, addr);
        }
        bl.terminate(Terminal::Jump(0x408));
        let b = bl.finish();
        let d = Decoded::new(&b, &LAYOUT).expect("small block");
        // get, (add), load with the set of r1 folded in, (set of r2).
        let expect = if fused { 2 } else { 3 + usize::from(reuse) };
        assert_eq!(d.dispatched(), expect, "reuse {reuse}");
        let mem = new_mem();
        mem.write(0x1008, &0x1122_3344_5566_7788u64.to_le_bytes());
        let mut st = TState {
            r: [base, 0, 0, 0],
            ..Default::default()
        };
        let exit = run(&b, &mut st, &mem);
        if base == 0x5000 {
            assert_eq!(exit, ExitCode::Fault);
            assert_eq!(st.pc, 0x400);
            assert_eq!(st.hdr.exc_info, 0x5008);
        } else {
            assert_eq!(exit, ExitCode::Continue);
            assert_eq!(st.r[1], 0x1122_3344_5566_7788, "loaded");
            assert_eq!(st.r[2], if reuse { 0x1008 } else { 0 });
        }
    }
}

/// An 8-byte set followed by an 8-byte get (across an instruction
/// boundary) is one dispatched op; the get sees the set's value when it
/// reads the same register.
#[test]
fn set8_then_get8_is_one_op() {
    for same in [false, true] {
        let mut bl = Builder::new(&LAYOUT, 0x400);
        bl.insn_start(0x400);
        let x = bl.get(R0);
        let one = bl.i64(1);
        let y = bl.add(x, one);
        bl.set(R1, y);
        bl.insn_start(0x404);
        let z = bl.get(if same { R1 } else { R2 });
        let w = bl.add(z, z);
        bl.set(R3, w);
        bl.terminate(Terminal::Jump(0x408));
        let b = bl.finish();
        let d = Decoded::new(&b, &LAYOUT).expect("small block");
        // get, add, set+get, add, set.
        assert_eq!(d.dispatched(), 5, "same {same}");
        let mut st = TState {
            r: [10, 0, 100, 0],
            ..Default::default()
        };
        assert_eq!(run(&b, &mut st, &new_mem()), ExitCode::Continue);
        assert_eq!(st.r[1], 11);
        assert_eq!(st.r[3], if same { 22 } else { 200 }, "same {same}");
    }
}

/// A pre-decoded block is one allocation: a `Decoded` is that
/// allocation's pointer and length, and its header (PC, terminal, where
/// the ops start) lies in front of the constants and ops, so tier 0 reads
/// it without a second dependent load. The terminal survives the header's
/// encoding: both sides of a branch, a jump's target, none for a computed
/// jump or an exception.
#[test]
fn decoded_is_one_allocation_with_its_terminal() {
    assert_eq!(size_of::<Decoded>(), 2 * size_of::<usize>());
    let succ = |term: Terminal, cond: bool| {
        let mut bl = Builder::new(&LAYOUT, 0x40);
        let a = bl.get(R0);
        let k = bl.i64(3);
        let s = bl.add(a, k);
        bl.set(R1, s);
        let t = match term {
            Terminal::Branch {
                taken, not_taken, ..
            } if cond => {
                let z = bl.i64(0);
                let c = bl.icmp(Cond::Ne, a, z);
                Terminal::Branch {
                    cond: c,
                    taken,
                    not_taken,
                }
            }
            Terminal::JumpIndirect(_) => Terminal::JumpIndirect(s),
            t => t,
        };
        bl.terminate(t);
        let b = bl.finish();
        Decoded::new(&b, &LAYOUT).expect("small block").successors()
    };
    let branch = Terminal::Branch {
        cond: Value(0),
        taken: 0x1234_5678_9abc,
        not_taken: 0x44,
    };
    assert_eq!(succ(branch, true), [Some(0x1234_5678_9abc), Some(0x44)]);
    assert_eq!(
        succ(Terminal::Jump(0xffff_ffff_0000_0008), false),
        [Some(0xffff_ffff_0000_0008), None]
    );
    assert_eq!(succ(Terminal::JumpIndirect(Value(0)), false), [None, None]);
    let exc = Terminal::Exception {
        kind: ExceptionKind::Breakpoint,
        pc: 0x40,
        info: 7,
    };
    assert_eq!(succ(exc, false), [None, None]);
}
