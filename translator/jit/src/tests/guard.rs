//! Guard areas on both sides of the direct window (`DirectMem::guard`):
//! an access `r + imm` checks only `r`, once per base value in a block,
//! and an access that reaches into a guard (or follows a base whose check
//! failed) faults on the host and re-runs at tier 0 with the exact fault.

use super::*;

/// Guard bytes on each side of the test window.
const GUARD: usize = 1 << 20;

/// A world with guard areas of [`GUARD`] bytes, its mapped memory
/// filled ([`fill_memory`]).
fn guarded_env() -> Env {
    let env = Env::with(DMem::guarded(true, GUARD));
    fill_memory(&env);
    env
}

fn guarded_jit(guard: u64) -> Jit {
    Jit::new(&LAYOUT, JitOptions { chain: true, guard }).expect("jit")
}

/// A region state at 0x1000 with `r0 = base`, `r1 = r1v`, `r2 = r2v`.
fn at_1000(base: u64, r1v: u64, r2v: u64) -> TState {
    let mut st = TState {
        pc: 0x1000,
        ..TState::default()
    };
    (st.r[0], st.r[1], st.r[2]) = (base, r1v, r2v);
    st
}

/// A block of accesses off `r0`, one instruction each, from the one at
/// `from` on (a retry's tail): r1 = [r0 + offs[0]] at 0x1000, then
/// [r0 + off] = r1 for each further offset; optimized as the engine does,
/// so the instructions share one value of `r0`.
fn base_block(offs: &[i64], from: u64) -> Block {
    let mut b = Builder::new(&LAYOUT, from);
    let at = |b: &mut Builder, off: i64| {
        let base = b.get(r(0));
        let k = b.iconst(Type::I64, off as u64);
        b.add(base, k)
    };
    for (k, &off) in offs.iter().enumerate() {
        let pc = 0x1000 + 4 * k as u64;
        if pc < from {
            continue;
        }
        b.insn_start(pc);
        let a = at(&mut b, off);
        if k == 0 {
            let v = b.load(Type::I64, a, MemFlags::new(8));
            b.set(r(1), v);
        } else {
            let v = b.get(r(1));
            b.store(a, v, MemFlags::new(8));
        }
    }
    finish_at_breakpoint(b)
}

/// Ends `b` with an exception, which ends the run at both tiers (the
/// retry does not look for a next block), and optimizes it as the engine
/// does.
fn finish_at_breakpoint(mut b: Builder) -> Block {
    b.terminate(Terminal::Exception {
        kind: ExceptionKind::Breakpoint,
        pc: 0x2000,
        info: 0,
    });
    let mut blk = b.finish();
    xlat_ir::passes::optimize(&mut blk, &LAYOUT);
    blk
}

/// Slow-path calls (one per bounds check) in the last compiled function.
fn slow_paths() -> usize {
    LAST_CLIF.with(|c| {
        c.borrow()
            .lines()
            .filter(|l| l.contains(" call fn"))
            .count()
    })
}

/// Runs [`base_block`] of `offs` at tier 0 and at tier 1 (retrying like the dispatcher) from
/// `init` and checks that both end in the same state; returns the
/// interpreter's exit and whether tier 1 retried.
fn both_tiers(j: &mut Jit, offs: &[i64], init: &TState, env: &Env) -> (ExitCode, bool, TState) {
    let blk = &base_block(offs, 0x1000);
    let tails: Vec<Block> = (1..offs.len())
        .map(|k| base_block(offs, 0x1000 + 4 * k as u64))
        .collect();
    let mut blocks: Vec<&Block> = vec![blk];
    blocks.extend(tails.iter());
    let region = j.compile(&[blk]).expect("compiles");
    tiers_agree(&region, &blocks, |a| run_interp(blk, a, env), init, env)
}

/// Runs `interp` (tier 0) and `region` (tier 1, retrying like the
/// dispatcher through `blocks`) from `init` on `env`'s memory as it is,
/// and checks that both end in the same state, fault and memory; returns
/// the interpreter's exit, whether tier 1 retried, and its final state.
pub(super) fn tiers_agree(
    region: &Region,
    blocks: &[&Block],
    interp: impl FnOnce(&mut TState) -> ExitCode,
    init: &TState,
    env: &Env,
) -> (ExitCode, bool, TState) {
    let mem0 = env.dmem.snapshot();
    let mut a = init.clone();
    let code = interp(&mut a);
    let mem_a = env.dmem.snapshot();
    env.dmem.restore(&mem0);
    let mut b = init.clone();
    let (jcode, retried) = run_jit_retrying(region, blocks, &mut b, env);
    assert_eq!(code, jcode, "exit code");
    assert_eq!((a.r, a.pc), (b.r, b.pc), "registers and PC");
    if code != ExitCode::Continue {
        assert_eq!(
            a.hdr.exc_info, b.hdr.exc_info,
            "fault address or exception info"
        );
    }
    if code == ExitCode::Fault {
        assert_eq!(a.hdr.fault_kind, b.hdr.fault_kind, "fault kind");
    }
    assert!(env.dmem.snapshot() == mem_a, "memory as tier 0 left it");
    (code, retried, a)
}

#[test]
fn accesses_off_one_base_are_checked_once() {
    let env = guarded_env();
    let init = at_1000(0x100, 0, 0);
    let (code, retried, st) =
        both_tiers(&mut guarded_jit(GUARD as u64), &[8, 0, 16, -8], &init, &env);
    assert_eq!((code, retried), (ExitCode::Exception, false));
    assert_eq!(slow_paths(), 1, "one check for the four accesses");
    assert_ne!(st.r[1], 0, "the load read the filled memory");
    // Without guards each access keeps its own check.
    let _ = both_tiers(&mut guarded_jit(0), &[8, 0, 16, -8], &init, &env);
    assert_eq!(slow_paths(), 4, "a check per access without guards");
}

/// Runs [`base_block`] of `offs` with `r0 = base` in the guarded window:
/// it faults at `addr` after a retry, as at tier 0.
fn faults_in_a_guard(base: u64, offs: &[i64], addr: u64) {
    let env = guarded_env();
    let init = at_1000(base, 0, 0);
    let (code, retried, st) = both_tiers(&mut guarded_jit(GUARD as u64), offs, &init, &env);
    assert_eq!((code, retried), (ExitCode::Fault, true));
    assert_eq!(st.hdr.exc_info, addr, "fault address");
}

#[test]
fn access_reaching_into_the_guard_below_faults_exactly() {
    // r0 = 0 passes the check; [r0 - 8] is guest address -8, host
    // `mem_base - 8`, in the guard below.
    faults_in_a_guard(0, &[0, 8, -8], (-8i64) as u64);
}

#[test]
fn access_reaching_into_the_guard_above_faults_exactly() {
    // r0 just below the mapped half; [r0 + SIZE] lies past the limit.
    faults_in_a_guard(MAPPED - 8, &[0, SIZE as i64], MAPPED - 8 + SIZE as u64);
}

/// [`DMem`] with a lower limit: accesses in `[LOW, MAPPED)` take the slow
/// path and succeed (like tagged addresses that the world accepts).
struct Low(std::sync::Arc<DMem>);

const LOW: u64 = 0x4000;

impl GuestMemory for Low {
    fn direct(&self) -> Option<DirectMem> {
        self.0.direct().map(|d| DirectMem { limit: LOW, ..d })
    }
    fn load(&self, addr: u64, size: u8) -> Result<u128, Fault> {
        self.0.load(addr, size)
    }
    fn store(&self, addr: u64, size: u8, v: u128) -> Result<(), Fault> {
        self.0.store(addr, size, v)
    }
    fn rmw(&self, addr: u64, size: u8, op: RmwOp, v: u64) -> Result<u64, Fault> {
        self.0.rmw(addr, size, op, v)
    }
    fn cas(&self, addr: u64, size: u8, e: u128, n: u128) -> Result<u128, Fault> {
        self.0.cas(addr, size, e, n)
    }
    fn fetch_code(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        self.0.fetch_code(addr, buf)
    }
}

/// A world whose direct window ends at [`LOW`]: bases from there to
/// `MAPPED` pass the slow path only; its memory filled as in
/// [`guarded_env`].
fn low_env() -> Env {
    let dmem = std::sync::Arc::new(DMem::guarded(true, GUARD));
    let env = Env {
        mem: std::sync::Arc::new(Low(dmem.clone())),
        dmem,
    };
    fill_memory(&env);
    env
}

#[test]
fn access_after_a_slow_one_off_its_base_reruns_at_tier_0() {
    // r0 is above the limit but valid for the slow path: the load takes
    // it, the stores off the same base fault on the host (their base
    // failed its check) and the block re-runs at tier 0.
    install_handler();
    let env = low_env();
    let init = at_1000(LOW + 0x100, 0, 0);
    let (code, retried, st) = both_tiers(&mut guarded_jit(GUARD as u64), &[0, 8, 16], &init, &env);
    assert_eq!((code, retried), (ExitCode::Exception, true));
    assert_eq!(slow_paths(), 1);
    assert_eq!(env.dmem.load(LOW + 0x110, 8), Ok(st.r[1] as u128), "stored");
}

/// As the AArch64 frontend writes `ldp d0, d1, [r0]; ldp d2, d3, [r0, #16];
/// fmul d0, d3, d0; fmul d1, d3, d1; fmul d2, d3, d2; str d0, [r0, #32]`
/// (nbody's inner loop): four 8-byte loads off one base into V registers
/// (`zext`, `bitcast`; d2 and d3 kept in no register here), their low
/// lanes read as floats, the products written to V0, V1 and r2 and the
/// first stored; one check for the block.
fn float_loads_block() -> Block {
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    let base = b.get(r(0));
    let at = |b: &mut Builder, off: u64| {
        let k = b.iconst(Type::I64, off);
        b.add(base, k)
    };
    let mut fs = Vec::new();
    for k in 0..4u64 {
        let a = at(&mut b, 8 * k);
        let x = b.load(Type::I64, a, MemFlags::new(8));
        let x = b.zext(Type::I128, x);
        let v = b.bitcast(Type::V128, x);
        let x = b.bitcast(Type::I128, v);
        let x = b.trunc(Type::I64, x);
        fs.push(b.bitcast(Type::F64, x));
    }
    b.insn_start(0x1004);
    let mut ps = Vec::new();
    for &f in &fs[..3] {
        let p = b.push(Opcode::Fmul, Type::F64, [fs[3], f, Value::NONE], 0);
        let p = b.push(Opcode::Fnan, Type::F64, [p, fs[3], f], NanRule::Arm as u64);
        ps.push(b.bitcast(Type::I64, p));
    }
    for (reg, &p) in [V0, V1].iter().zip(&ps) {
        let x = b.zext(Type::I128, p);
        let v = b.bitcast(Type::V128, x);
        b.set(*reg, v);
    }
    b.set(r(2), ps[2]);
    b.insn_start(0x1008);
    let a = at(&mut b, 32);
    let v = b.get(V0);
    let x = b.bitcast(Type::I128, v);
    let x = b.trunc(Type::I64, x);
    b.store(a, x, MemFlags::new(8));
    b.terminate(Terminal::Jump(0x2000));
    let mut blk = b.finish();
    xlat_ir::passes::optimize(&mut blk, &LAYOUT);
    blk
}

/// Loads into V registers off a checked base (no check of their own) go
/// straight into vector registers, as the checked one does: they load
/// the float (one `movsd`), where an integer load made a vector after the
/// block's later loads cannot fold into one (`mov r64, [p]; movq xmm,
/// r64`); the checked load's vector op follows its load. The store of a
/// float stores it from its XMM register. Results and memory are the
/// interpreter's.
#[test]
fn float_loads_off_a_checked_base_go_straight_to_vector_registers() {
    let env = guarded_env();
    let blk = float_loads_block();
    xlat_ir::verify(&blk, &LAYOUT).expect("test block verifies");
    let mut j = guarded_jit(GUARD as u64);
    let region = j.compile(&[&blk]).expect("compiles");
    let func = LAST_FUNC.with(|f| f.borrow_mut().take()).expect("kept");
    // Integer loads made vectors: the checked one's (and its slow path's),
    // which fold into one `movsd` when the vector op follows the load.
    let (mut folded, mut to_vector, mut float_loads, mut stores) = (0, 0, 0, 0);
    for blk in func.layout.blocks() {
        for inst in func.layout.block_insts(blk) {
            let d = &func.dfg.insts[inst];
            if d.opcode() == ir::Opcode::Load
                && func.dfg.ctrl_typevar(inst) == types::F64
                && !func.dfg.display_inst(inst).to_string().contains("notrap")
            {
                float_loads += 1;
            }
            if d.opcode() == ir::Opcode::Store
                && !func.dfg.display_inst(inst).to_string().contains("notrap")
            {
                stores += 1;
                let v = func.dfg.inst_args(inst)[0];
                assert_eq!(
                    func.dfg.value_type(v),
                    types::F64,
                    "stored from an XMM register"
                );
            }
            if d.opcode() != ir::Opcode::ScalarToVector {
                continue;
            }
            let x = func.dfg.inst_args(inst)[0];
            let Some(l) = func.dfg.value_def(x).inst() else {
                continue;
            };
            if func.dfg.insts[l].opcode() != ir::Opcode::Load
                || func.dfg.value_type(x) != types::I64
            {
                continue;
            }
            to_vector += 1;
            if func.layout.prev_inst(inst) == Some(l) {
                folded += 1;
            }
        }
    }
    assert_eq!(
        (folded, float_loads, stores),
        (to_vector, 3, 1),
        "the loads after the checked one are float loads, and each \
         vector op of a load follows it:\n{}",
        func.display()
    );
    for base in [0x100u64, 0x2008] {
        let init = at_1000(base, 0, 0);
        let mem0 = env.dmem.snapshot();
        let mut a = init.clone();
        assert_eq!(run_interp(&blk, &mut a, &env), ExitCode::Continue);
        let mem_a = env.dmem.snapshot();
        env.dmem.restore(&mem0);
        let mut b = init.clone();
        assert_eq!(run_jit(&region, &mut b, &env), ExitCode::Continue);
        assert_eq!((a.r, a.v, a.pc), (b.r, b.v, b.pc), "registers");
        assert!(env.dmem.snapshot() == mem_a, "memory as tier 0 left it");
        assert_ne!(a.v[0], 0, "a product of the filled memory");
    }
}

/// As the AArch64 frontend writes a bytecode dispatch (`sbfiz x3, x1, #3,
/// #32; add x5, x19, x3; ldrb w3, [x19, x3]; ldr w1, [x5, #4]`): the two
/// loads' addresses are one sum computed twice (`x19 + x3` for `x5` and
/// for the register-offset load), optimized as the engine does.
fn twice_computed_base_block() -> Block {
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    let x1 = b.get(r(1));
    let w = b.trunc(Type::I32, x1);
    let s = b.sext(Type::I64, w);
    let three = b.iconst(Type::I64, 3);
    let x3 = b.shl(s, three);
    b.set(r(3), x3);
    b.insn_start(0x1004);
    let x19 = b.get(r(0));
    let x5 = b.add(x19, x3);
    b.set(r(5), x5);
    b.insn_start(0x1008);
    let a = b.add(x19, x3);
    let op = b.load(Type::I64, a, MemFlags::new(1));
    b.set(r(3), op);
    b.insn_start(0x100c);
    let four = b.iconst(Type::I64, 4);
    let a = b.add(x5, four);
    let arg = b.load(Type::I64, a, MemFlags::new(4));
    b.set(r(1), arg);
    finish_at_breakpoint(b)
}

/// The two loads of [`twice_computed_base_block`] share one check (their
/// bases are one value), and run as the interpreter: in mapped memory (up
/// to its last byte: the 4-byte load ends at `MAPPED`), and where the base
/// lies past the limit (the slow path's fault).
#[test]
fn a_base_computed_twice_is_checked_once() {
    install_handler();
    let env = guarded_env();
    let blk = twice_computed_base_block();
    let mut j = guarded_jit(GUARD as u64);
    let region = j.compile(&[&blk]).expect("compiles");
    assert_eq!(
        slow_paths(),
        1,
        "one check:\n{}",
        LAST_CLIF.with(|c| c.borrow().clone())
    );
    for (x0, x1, want) in [
        (0x100u64, 3u64, ExitCode::Exception),
        (MAPPED - 8, 0, ExitCode::Exception),
        (0x100, 0x1000_0000, ExitCode::Fault),
    ] {
        let interp = |a: &mut TState| run_interp(&blk, a, &env);
        let (code, _, _) = tiers_agree(&region, &[&blk], interp, &at_1000(x0, x1, 0), &env);
        assert_eq!(code, want, "at {x0:#x} + {x1:#x} * 8");
    }
}

/// One block at `pc`: `body`, ended by the terminal it returns, optimized
/// as the engine does.
fn block_of(pc: u64, body: impl FnOnce(&mut Builder) -> Terminal) -> Block {
    let mut b = Builder::new(&LAYOUT, pc);
    b.insn_start(pc);
    let term = body(&mut b);
    b.terminate(term);
    let mut blk = b.finish();
    xlat_ir::passes::optimize(&mut blk, &LAYOUT);
    blk
}

/// `r<dst> = [r<base> + off]`.
fn load_off(b: &mut Builder, dst: u16, base: u16, off: i64) {
    let x = b.get(r(base));
    let k = b.iconst(Type::I64, off as u64);
    let a = b.add(x, k);
    let v = b.load(Type::I64, a, MemFlags::new(8));
    b.set(r(dst), v);
}

/// `[r<base> + off] = r<src>`.
fn store_off(b: &mut Builder, src: u16, base: u16, off: i64) {
    let x = b.get(r(base));
    let k = b.iconst(Type::I64, off as u64);
    let a = b.add(x, k);
    let v = b.get(r(src));
    b.store(a, v, MemFlags::new(8));
}

/// A branch on bit 0 of `r<reg>` to `taken` / `not_taken`.
fn on_bit0(b: &mut Builder, reg: u16, taken: u64, not_taken: u64) -> Terminal {
    let x = b.get(r(reg));
    let one = b.iconst(Type::I64, 1);
    let bit = b.and(x, one);
    let zero = b.iconst(Type::I64, 0);
    let cond = b.icmp(xlat_ir::Cond::Ne, bit, zero);
    Terminal::Branch {
        cond,
        taken,
        not_taken,
    }
}

/// The breakpoint that ends a test region's run at both tiers.
const BRK: Terminal = Terminal::Exception {
    kind: ExceptionKind::Breakpoint,
    pc: 0x2000,
    info: 0,
};

/// Compiles `blocks` (entry first) as one region in a guarded world and
/// runs it from `init` at tier 1 (retrying like the dispatcher) and at
/// tier 0 (block by block until one does not continue or leaves the
/// region), on `env`'s memory as it is; checks that both end in the same
/// state, fault and memory. Returns the slow-path calls (bounds checks)
/// of the compiled region, whether tier 1 retried, and the final state.
fn region_as_interp(blocks: &[Block], init: &TState, env: &Env) -> (usize, bool, TState) {
    let refs: Vec<&Block> = blocks.iter().collect();
    let mut jit = guarded_jit(GUARD as u64);
    let region = jit.compile(&refs).expect("compiles");
    let checks = slow_paths();
    let interp = |a: &mut TState| interp_blocks(&refs, a, env, 1000);
    let (_, retried, a) = tiers_agree(&region, &refs, interp, init, env);
    (checks, retried, a)
}

/// A loads off `r0` and branches to B or C, which store off it and meet
/// in D, which loads off it: A's check covers them all (it dominates
/// them and `r0` is set nowhere). Where A's check fails (a base the slow
/// path accepts), B's store faults on the host through the poisoned
/// pointer and the region re-runs at tier 0; where B's store reaches
/// unmapped memory, likewise: both exactly as the interpreter.
#[test]
fn a_check_in_a_dominating_block_covers_the_blocks_after_it() {
    install_handler();
    let blocks = [
        block_of(0x1000, |b| {
            load_off(b, 1, 0, 8);
            on_bit0(b, 1, 0x1100, 0x1200)
        }),
        block_of(0x1100, |b| {
            store_off(b, 1, 0, 16);
            Terminal::Jump(0x1300)
        }),
        block_of(0x1200, |b| {
            store_off(b, 1, 0, 24);
            Terminal::Jump(0x1300)
        }),
        block_of(0x1300, |b| {
            load_off(b, 2, 0, -8);
            BRK
        }),
    ];
    let env = guarded_env();
    for base in [0x100u64, 0x108, 0x2000] {
        let (checks, retried, _) = region_as_interp(&blocks, &at_1000(base, 0, 0), &env);
        assert_eq!(
            (checks, retried),
            (1, false),
            "base {base:#x}: A checks r0 once"
        );
    }
    // B's or C's store in unmapped memory past `MAPPED`.
    for base in [MAPPED - 16, MAPPED - 24] {
        let (_, retried, st) = region_as_interp(&blocks, &at_1000(base, 0, 0), &env);
        assert!(retried, "base {base:#x}: the store's host fault retries");
        assert_eq!(st.hdr.exc_info, MAPPED, "fault address");
    }
    // A's check fails, its slow path succeeds; the stores after it fault
    // through POISON and re-run at tier 0.
    let env = low_env();
    let (_, retried, _) = region_as_interp(&blocks, &at_1000(LOW + 0x100, 0, 0), &env);
    assert!(retried, "an access off a failed check retries");
}

/// B and C each check `r0` and meet in D, whose store needs no check of
/// its own (each way in carries its pointer); runs as the interpreter,
/// also where the store in D reaches unmapped memory.
#[test]
fn checks_on_every_way_into_a_merge_cover_it() {
    install_handler();
    let blocks = [
        block_of(0x1000, |b| on_bit0(b, 1, 0x1100, 0x1200)),
        block_of(0x1100, |b| {
            load_off(b, 2, 0, 0);
            Terminal::Jump(0x1300)
        }),
        block_of(0x1200, |b| {
            load_off(b, 2, 0, 8);
            Terminal::Jump(0x1300)
        }),
        block_of(0x1300, |b| {
            store_off(b, 2, 0, 16);
            BRK
        }),
    ];
    let env = guarded_env();
    for way in [0, 1] {
        let (checks, retried, _) = region_as_interp(&blocks, &at_1000(0x100, way, 0), &env);
        assert_eq!((checks, retried), (2, false), "B and C check, D does not");
        let (_, retried, st) = region_as_interp(&blocks, &at_1000(MAPPED - 16, way, 0), &env);
        assert_eq!(
            (retried, st.hdr.exc_info),
            (true, MAPPED),
            "D's store faults"
        );
    }
}

/// A loop: the head (the region's entry) loads off `r0`, the body stores
/// off it and then steps `r0` on. The body's store needs no check (the
/// head dominates it and checked this value); the head checks each new
/// value. Where a body store reaches unmapped memory after iterations,
/// the region retries and faults as the interpreter does.
#[test]
fn a_loop_body_after_its_checking_head_needs_no_check() {
    install_handler();
    let blocks = [
        block_of(0x1000, |b| {
            load_off(b, 1, 0, 0);
            let x = b.get(r(2));
            let one = b.iconst(Type::I64, 1);
            let y = b.sub(x, one);
            b.set(r(2), y);
            let zero = b.iconst(Type::I64, 0);
            let cond = b.icmp(xlat_ir::Cond::Ne, y, zero);
            Terminal::Branch {
                cond,
                taken: 0x1100,
                not_taken: 0x3000,
            }
        }),
        block_of(0x1100, |b| {
            store_off(b, 1, 0, 8);
            addk(b, 0, 0, 16);
            Terminal::Jump(0x1000)
        }),
    ];
    let env = guarded_env();
    let (checks, retried, st) = region_as_interp(&blocks, &at_1000(0x100, 0, 6), &env);
    assert_eq!(
        (checks, retried),
        (1, false),
        "the head checks, the body not"
    );
    assert_eq!((st.pc, st.r[0]), (0x3000, 0x150), "five body runs");
    // Third body store at MAPPED.
    let (_, retried, st) = region_as_interp(&blocks, &at_1000(MAPPED - 40, 0, 9), &env);
    assert_eq!((retried, st.hdr.exc_info, st.pc), (true, MAPPED, 0x1100));
}

/// A value set after a check is checked again in the next block, also
/// when it is loaded from the checked address itself (`ldr x0, [x0]`:
/// another value in the same register): the next block's access goes to
/// the loaded address (a fault there, as the interpreter), never to one
/// off the checked value.
#[test]
fn a_register_set_after_its_check_is_checked_again() {
    install_handler();
    let blocks = [
        block_of(0x1000, |b| {
            load_off(b, 0, 0, 0);
            Terminal::Jump(0x1100)
        }),
        block_of(0x1100, |b| {
            store_off(b, 2, 0, 8);
            BRK
        }),
    ];
    let env = guarded_env();
    // A pointer to 0x200 at 0x100: the store goes to 0x208.
    env.mem.store(0x100, 8, 0x200).unwrap();
    let (checks, retried, st) = region_as_interp(&blocks, &at_1000(0x100, 0, 7), &env);
    assert_eq!((checks, retried, st.r[0]), (2, false, 0x200), "both check");
    assert_eq!(
        env.dmem.load(0x208, 8),
        Ok(7),
        "stored off the loaded value"
    );
    // A random (unmapped) pointer: the store faults at its address.
    env.mem.store(0x100, 8, 0x1234_5678_9abc).unwrap();
    let (_, _, st) = region_as_interp(&blocks, &at_1000(0x100, 0, 7), &env);
    assert_eq!(
        st.hdr.exc_info, 0x1234_5678_9ac4,
        "fault at the loaded address"
    );
}

/// A cycle of region blocks that the entry does not reach (as a dropped
/// indirect target can leave one) compiles: its accesses inherit no
/// checked pointer (before, each took the other's as available and the
/// plan found no block that defines it: a panic in the compiler), and
/// the region runs as the interpreter.
#[test]
fn a_cycle_the_entry_does_not_reach_compiles() {
    install_handler();
    let blocks = [
        block_of(0x1000, |b| {
            load_off(b, 1, 0, 0);
            BRK
        }),
        block_of(0x1100, |b| {
            load_off(b, 2, 0, 8);
            Terminal::Jump(0x1200)
        }),
        block_of(0x1200, |b| {
            store_off(b, 2, 0, 16);
            Terminal::Jump(0x1100)
        }),
    ];
    let env = guarded_env();
    let (checks, retried, _) = region_as_interp(&blocks, &at_1000(0x100, 0, 0), &env);
    assert_eq!(
        (checks, retried),
        (1, false),
        "the entry block checks; the cycle is dropped as unreachable"
    );
}
