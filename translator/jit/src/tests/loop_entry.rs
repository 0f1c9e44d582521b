//! One-block loops with stores lowered twice behind an entry check
//! (`lower/loop_entry.rs`): the fast copy runs only where the world
//! promised every access of every iteration; elsewhere today's body runs
//! and faults exactly like the interpreter.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering as AtOrd};
use xlat_ir::abi::DirectWindow;

/// [`DMem`] whose world answers [`GuestMemory::direct_ranges`] honestly:
/// reads in `[0, MAPPED)`, writes there but not in the read-only page at
/// `RO` (host-protected too, its stores fault); counts the questions.
struct Win {
    d: std::sync::Arc<DMem>,
    asked: AtomicUsize,
}

/// A page of the mapped part that only reads may touch.
const RO: u64 = 0x6000;

impl GuestMemory for Win {
    fn direct(&self) -> Option<DirectMem> {
        self.d.direct()
    }
    fn load(&self, addr: u64, size: u8) -> Result<u128, Fault> {
        self.d.load(addr, size)
    }
    fn store(&self, addr: u64, size: u8, v: u128) -> Result<(), Fault> {
        if addr < RO + 0x1000 && addr + u64::from(size) > RO {
            return Err(Fault {
                addr: addr.max(RO),
                kind: FaultKind::Protection,
                write: true,
            });
        }
        self.d.store(addr, size, v)
    }
    fn rmw(&self, addr: u64, size: u8, op: RmwOp, v: u64) -> Result<u64, Fault> {
        self.d.rmw(addr, size, op, v)
    }
    fn cas(&self, addr: u64, size: u8, e: u128, n: u128) -> Result<u128, Fault> {
        self.d.cas(addr, size, e, n)
    }
    fn fetch_code(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        self.d.fetch_code(addr, buf)
    }
    fn direct_ranges(&self, rlo: u64, rhi: u64, wlo: u64, whi: u64) -> Option<DirectWindow> {
        self.asked.fetch_add(1, AtOrd::Relaxed);
        let reads = rlo >= rhi || rhi <= MAPPED;
        let writes = wlo >= whi || (whi <= MAPPED && (whi <= RO || wlo >= RO + 0x1000));
        (reads && writes).then_some(DirectWindow { lo: 0, hi: RO })
    }
}

/// An environment with a [`Win`] world (memory filled with random words,
/// the page at `RO` read-only on the host).
fn win_env() -> (Env, std::sync::Arc<Win>) {
    install_handler();
    let d = std::sync::Arc::new(DMem::new(true));
    let w = std::sync::Arc::new(Win {
        d: d.clone(),
        asked: AtomicUsize::new(0),
    });
    let env = Env {
        mem: w.clone(),
        dmem: d.clone(),
    };
    let mut rng = Rng(7);
    for a in (0..MAPPED).step_by(8) {
        d.store(a, 8, u128::from(rng.next())).unwrap();
    }
    protect(&env, libc::PROT_READ);
    (env, w)
}

/// Sets the host protection of the page at `RO`.
fn protect(env: &Env, prot: i32) {
    // SAFETY: a page of the test's own mapping.
    let r = unsafe {
        libc::mprotect(
            env.dmem.base.add(RO as usize) as *mut libc::c_void,
            0x1000,
            prot,
        )
    };
    assert_eq!(r, 0);
}

/// Puts the memory back to `mem` (the page at `RO` too).
fn restore(env: &Env, mem: &[u8]) {
    protect(env, libc::PROT_READ | libc::PROT_WRITE);
    env.dmem.restore(mem);
    protect(env, libc::PROT_READ);
}

/// memwork's read-modify-write loop: `pc: v = [r1 + r0*8]; [r1 + r0*8] =
/// v + [r1 + (r4 & 0xff)*8]; r4 += r3; r0 += 1; if r0 <= r2 (or the
/// bound's register: `bound`) goto pc else goto 0x2000`; `bump_bound` also
/// adds 1 to the bound register in the loop.
fn rmw_loop(bound: u16, bump_bound: bool) -> Block {
    let pc = 0x1000;
    let mut b = Builder::new(&LAYOUT, pc);
    b.insn_start(pc);
    let x = b.get(r(0));
    let base = b.get(r(1));
    let three = b.iconst(Type::I64, 3);
    let off = b.shl(x, three);
    let a = b.add(base, off);
    let v = b.load(Type::I64, a, MemFlags::new(8));
    b.insn_start(pc + 4);
    let k = b.get(r(4));
    let m = b.iconst(Type::I64, 0xff);
    let km = b.and(k, m);
    let ko = b.shl(km, three);
    let a2 = b.add(base, ko);
    let w = b.load(Type::I64, a2, MemFlags::new(8));
    b.insn_start(pc + 8);
    let s = b.add(v, w);
    b.store(a, s, MemFlags::new(8));
    b.insn_start(pc + 12);
    let step = b.get(r(3));
    let k2 = b.add(k, step);
    b.set(r(4), k2);
    let one = b.iconst(Type::I64, 1);
    let x2 = b.add(x, one);
    b.set(r(0), x2);
    let n = b.get(r(bound));
    if bump_bound {
        let n2 = b.add(n, one);
        b.set(r(bound), n2);
    }
    b.insn_start(pc + 16);
    let c = b.icmp(Cond::Ule, x2, n);
    b.terminate(Terminal::Branch {
        cond: c,
        taken: pc,
        not_taken: 0x2000,
    });
    b.finish()
}

/// matmul's blocked loop: `pc: v = [r1 + r0]; [r1 + r0] = v + r3;
/// r0 += 16; if r0 != r2 goto pc else goto 0x2000` (16-byte steps, 8-byte
/// accesses). Without `indexed`, the counter is in no address: `pc: v =
/// [r1]; [r1] = v + r3; r1 += 8; r0 += 16; ...`.
fn step_loop(indexed: bool) -> Block {
    let pc = 0x1000;
    let mut b = Builder::new(&LAYOUT, pc);
    b.insn_start(pc);
    let x = b.get(r(0));
    let base = b.get(r(1));
    let a = if indexed { b.add(base, x) } else { base };
    let v = b.load(Type::I64, a, MemFlags::new(8));
    let d = b.get(r(3));
    let s = b.add(v, d);
    b.insn_start(pc + 4);
    b.store(a, s, MemFlags::new(8));
    b.insn_start(pc + 8);
    if !indexed {
        let eight = b.iconst(Type::I64, 8);
        let p2 = b.add(base, eight);
        b.set(r(1), p2);
    }
    let k = b.iconst(Type::I64, 16);
    let x2 = b.add(x, k);
    b.set(r(0), x2);
    let n = b.get(r(2));
    b.insn_start(pc + 12);
    let c = b.icmp(Cond::Ne, x2, n);
    b.terminate(Terminal::Branch {
        cond: c,
        taken: pc,
        not_taken: 0x2000,
    });
    b.finish()
}

/// Runs `block` from `init` at tier 0 and compiled (retrying at tier 0
/// like the dispatcher), from the same memory; asserts that registers,
/// flags, PC, exit and memory agree, and returns the compiled run's exit
/// and the world's questions during it.
fn agree(block: &Block, init: &TState, env: &Env, w: &Win) -> (ExitCode, usize) {
    let mem0 = env.dmem.snapshot();
    let mut a = init.clone();
    a.pc = block.pc;
    let ca = interp_blocks(&[block], &mut a, env, usize::MAX);
    let mem_a = env.dmem.snapshot();
    restore(env, &mem0);
    let mut j = jit(true);
    let region = j.compile(&[block]).unwrap();
    let mut b = init.clone();
    b.pc = block.pc;
    let asked = w.asked.load(AtOrd::Relaxed);
    let (cb, _) = run_jit_retrying(&region, &[block], &mut b, env);
    let asked = w.asked.load(AtOrd::Relaxed) - asked;
    let code = match cb {
        // Left the loop: the interpreter's run continued likewise.
        ExitCode::Continue => interp_blocks(&[block], &mut b, env, usize::MAX),
        c => c,
    };
    assert_eq!(code, ca, "exit");
    assert_eq!((b.r, b.pc, b.f), (a.r, a.pc, a.f), "registers");
    if ca == ExitCode::Fault {
        assert_eq!(b.hdr.exc_info, a.hdr.exc_info, "fault address");
    }
    assert!(env.dmem.snapshot() == mem_a, "memory");
    restore(env, &mem0);
    (code, asked)
}

/// Whether the CLIF of a region calls the world's range check (exits
/// leave through `return_call_indirect`, that call is the only plain
/// `call_indirect`).
fn asks(clif: &str) -> bool {
    clif.lines()
        .any(|l| l.trim_start().starts_with("call_indirect"))
}

fn state(x: u64, base: u64, n: u64) -> TState {
    let mut s = TState::default();
    s.r[0] = x;
    s.r[1] = base;
    s.r[2] = n;
    s.r[3] = 0x35;
    s.r[4] = 7;
    s
}

#[test]
fn a_loop_inside_the_promised_range_runs_its_fast_copy() {
    let (env, w) = win_env();
    let block = rmw_loop(2, false);
    // 100 iterations over [0x100, 0x420), plus the masked reads below
    // 0x900; then one entry past its bound (one iteration at x = 50).
    for init in [state(0, 0x100, 99), state(50, 0x100, 10)] {
        let (code, asked) = agree(&block, &init, &env, &w);
        let clif = LAST_CLIF.with(|c| c.borrow().clone());
        assert_eq!((code, asked), (ExitCode::Continue, 1), "{clif}");
    }
    let clif = LAST_CLIF.with(|c| c.borrow().clone());
    assert!(asks(&clif), "the entry check:\n{clif}");
}

#[test]
fn a_loop_reaching_past_the_mapped_memory_faults_exactly() {
    let (env, w) = win_env();
    let block = rmw_loop(2, false);
    // Iteration 50 reaches MAPPED: the check fails (a fast copy would
    // host-fault and retry from before the loop, repeating its stores).
    let (code, asked) = agree(&block, &state(0, MAPPED - 400, 99), &env, &w);
    assert_eq!((code, asked), (ExitCode::Fault, 1));
}

#[test]
fn a_loop_storing_into_a_read_only_page_faults_exactly() {
    let (env, w) = win_env();
    let block = rmw_loop(2, false);
    // Stores reach the read-only page at iteration 50; the same range
    // only read would be promised (the other tests' reads cover it).
    let (code, asked) = agree(&block, &state(0, RO - 400, 99), &env, &w);
    assert_eq!((code, asked), (ExitCode::Fault, 1));
}

#[test]
fn a_loop_whose_bound_changes_is_not_lowered_twice() {
    let (env, w) = win_env();
    // The bound r2 grows with r0: the loop runs on until its stores
    // reach the read-only page (a fast copy bounded by the entry's r2
    // would host-fault and retry from before the loop). With r5 as the
    // bound, invariant, it is lowered twice.
    let (code, asked) = agree(&rmw_loop(2, true), &state(0, 0x100, 20), &env, &w);
    let clif = LAST_CLIF.with(|c| c.borrow().clone());
    assert_eq!((code, asked), (ExitCode::Fault, 0));
    assert!(!asks(&clif), "no entry check:\n{clif}");
    let mut init = state(0, 0x100, 0);
    init.r[5] = 20;
    let (code, asked) = agree(&rmw_loop(5, false), &init, &env, &w);
    assert_eq!((code, asked), (ExitCode::Continue, 1));
}

#[test]
fn a_constant_step_loop_runs_fast_only_when_its_step_divides_the_distance() {
    let (env, w) = win_env();
    let block = step_loop(true);
    // 0, 16, .., 240: promised.
    let (code, asked) = agree(&block, &state(0, 0x100, 256), &env, &w);
    assert_eq!((code, asked), (ExitCode::Continue, 1));
    // 8, 24, ..: never 256; the loop runs on until it faults past the
    // mapped part. No question asked (a fast copy bounded by 256 would
    // host-fault and retry from before the loop).
    let (code, asked) = agree(&block, &state(8, 0x100, 256), &env, &w);
    assert_eq!((code, asked), (ExitCode::Fault, 0));
    // Entered at the bound: runs until the fault too.
    let (code, asked) = agree(&block, &state(256, 0x100, 256), &env, &w);
    assert_eq!((code, asked), (ExitCode::Fault, 0));
}

/// A `!=` loop whose counter is in no address (only a pointer stepped
/// beside it): where the counter never meets the bound, the loop runs on
/// until its stores fault, at every tier, each word stored once; the
/// entry check must not promise the pointer's range for the count the
/// bound would give (the fast copy host-faulted and the retry stored the
/// words again). Where the step divides the distance, it is promised.
#[test]
fn a_step_loop_bounds_its_pointer_only_where_the_counter_meets_the_bound() {
    let (env, w) = win_env();
    let block = step_loop(false);
    let (code, asked) = agree(&block, &state(0, RO - 0x400, 40), &env, &w);
    assert_eq!((code, asked), (ExitCode::Fault, 0));
    let (code, asked) = agree(&block, &state(0, RO - 0x400, 48), &env, &w);
    assert_eq!((code, asked), (ExitCode::Continue, 1));
}

/// Runs one compiled copy of `block` `runs` times from `init` (retrying
/// at tier 0 like the dispatcher, memory restored after each run), hands
/// each run's exit and state to `check`, and returns how often the world
/// was asked.
fn asks_over_runs(
    block: &Block,
    init: &TState,
    runs: usize,
    check: impl Fn(ExitCode, &TState),
) -> usize {
    let (env, w) = win_env();
    let mut j = jit(true);
    let region = j.compile(&[block]).unwrap();
    let asked = w.asked.load(AtOrd::Relaxed);
    for _ in 0..runs {
        let mut st = init.clone();
        st.pc = block.pc;
        let mem0 = env.dmem.snapshot();
        let (code, _) = run_jit_retrying(&region, &[block], &mut st, &env);
        check(code, &st);
        restore(&env, &mem0);
    }
    w.asked.load(AtOrd::Relaxed) - asked
}

/// A loop the world keeps refusing stops asking after eight refusals
/// (each question is a call and a walk of the mappings per entry); it
/// still runs and faults exactly, through today's body.
#[test]
fn a_loop_refused_eight_times_stops_asking() {
    let asked = asks_over_runs(
        &rmw_loop(2, false),
        &state(0, RO - 400, 99),
        12,
        |code, st| {
            assert_eq!(code, ExitCode::Fault);
            assert_eq!(st.hdr.exc_info, RO, "the store into the read-only page");
        },
    );
    assert_eq!(asked, 8);
}

/// A loop whose entries keep asking (each entry from the dispatcher
/// starts without a window) stops asking after 1024 questions, answered
/// or not, and runs today's body from then on, with the same results.
#[test]
fn a_loop_asking_at_every_entry_stops_after_1024_questions() {
    let asked = asks_over_runs(
        &rmw_loop(2, false),
        &state(0, 0x100, 3),
        1100,
        |code, st| {
            assert_eq!((code, st.pc, st.r[0]), (ExitCode::Continue, 0x2000, 4));
        },
    );
    assert_eq!(asked, 1024);
}
