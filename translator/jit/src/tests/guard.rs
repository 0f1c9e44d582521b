//! Guard areas on both sides of the direct window (`DirectMem::guard`):
//! an access `r + imm` checks only `r`, once per base value in a block,
//! and an access that reaches into a guard (or follows a base whose check
//! failed) faults on the host and re-runs at tier 0 with the exact fault.

use super::*;

/// Guard bytes on each side of the test window.
const GUARD: usize = 1 << 20;

fn guarded_env() -> Env {
    Env::with(DMem::guarded(true, GUARD))
}

fn guarded_jit(guard: u64) -> Jit {
    Jit::new(&LAYOUT, JitOptions { chain: true, guard }).expect("jit")
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
    // An exception ends the run at both tiers (the retry does not look
    // for a next block).
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
    let mem0 = env.dmem.snapshot();
    let mut a = init.clone();
    let code = run_interp(blk, &mut a, env);
    let mem_a = env.dmem.snapshot();
    env.dmem.restore(&mem0);
    let mut b = init.clone();
    let (jcode, retried) = run_jit_retrying(&region, &blocks, &mut b, env);
    assert_eq!(code, jcode, "exit code");
    assert_eq!((a.r, a.pc), (b.r, b.pc), "registers and PC");
    if code == ExitCode::Fault {
        assert_eq!(
            (a.hdr.exc_info, a.hdr.fault_kind),
            (b.hdr.exc_info, b.hdr.fault_kind),
            "fault address and kind"
        );
    }
    assert!(env.dmem.snapshot() == mem_a, "memory as tier 0 left it");
    (code, retried, a)
}

#[test]
fn accesses_off_one_base_are_checked_once() {
    let env = guarded_env();
    fill_memory(&env);
    let mut init = TState {
        pc: 0x1000,
        ..TState::default()
    };
    init.r[0] = 0x100;
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
    let mut init = TState {
        pc: 0x1000,
        ..TState::default()
    };
    init.r[0] = base;
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

#[test]
fn access_after_a_slow_one_off_its_base_reruns_at_tier_0() {
    // r0 is above the limit but valid for the slow path: the load takes
    // it, the stores off the same base fault on the host (their base
    // failed its check) and the block re-runs at tier 0.
    install_handler();
    let dmem = std::sync::Arc::new(DMem::guarded(true, GUARD));
    let env = Env {
        mem: std::sync::Arc::new(Low(dmem.clone())),
        dmem,
    };
    fill_memory(&env);
    let mut init = TState {
        pc: 0x1000,
        ..TState::default()
    };
    init.r[0] = LOW + 0x100;
    let (code, retried, st) = both_tiers(&mut guarded_jit(GUARD as u64), &[0, 8, 16], &init, &env);
    assert_eq!((code, retried), (ExitCode::Exception, true));
    assert_eq!(slow_paths(), 1);
    assert_eq!(env.dmem.load(LOW + 0x110, 8), Ok(st.r[1] as u128), "stored");
}
