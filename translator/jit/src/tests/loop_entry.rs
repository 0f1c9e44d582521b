//! One-block loops with stores lowered twice behind an entry check
//! (`lower/loop_entry.rs`): the fast copy runs only where the world
//! promised every access of every iteration; elsewhere today's body runs
//! and faults exactly like the interpreter.

use super::*;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering as AtOrd};
use xlat_ir::abi::DirectWindow;

/// [`DMem`] whose world answers [`GuestMemory::direct_ranges`] honestly:
/// reads in `[0, MAPPED)` but not in the page at `GONE` while `gone`
/// (host-unmapped too: `PROT_NONE`), writes there but not in the page at
/// `RO` while `ro` (host-protected too, its stores fault); counts the
/// questions. Its windows are the runs of pages between those, split at
/// `SPLIT` as well where `split` (two mappings side by side that do not
/// join). With `mgen`, it has a generation ([`GuestMemory::direct_generation`]).
struct Win {
    d: std::sync::Arc<DMem>,
    asked: AtomicUsize,
    ro: AtomicBool,
    gone: AtomicBool,
    split: bool,
    mgen: Option<AtomicU64>,
}

/// A page of the mapped part that only reads may touch (while `Win::ro`).
const RO: u64 = 0x6000;
/// A page of the mapped part that none may touch (while `Win::gone`).
const GONE: u64 = 0x4000;
/// Where a [`Win`] with `split` starts a second window.
const SPLIT: u64 = 0x3000;

impl Win {
    /// Whether `[lo, hi)` touches the page at `p`.
    fn touches(lo: u64, hi: u64, p: u64) -> bool {
        lo < p + 0x1000 && hi > p
    }

    /// The fault of an access to `[addr, addr + size)`, if it has one.
    fn fault(&self, addr: u64, size: u8, write: bool) -> Option<Fault> {
        let end = addr + u64::from(size);
        let bad = [
            (self.gone.load(AtOrd::SeqCst), GONE, FaultKind::Unmapped),
            (
                write && self.ro.load(AtOrd::SeqCst),
                RO,
                FaultKind::Protection,
            ),
        ];
        bad.into_iter()
            .find(|&(on, p, _)| on && Self::touches(addr, end, p))
            .map(|(_, p, kind)| Fault {
                addr: addr.max(p),
                kind,
                write,
            })
    }

    /// The window holding `[lo, hi)` (non-empty), if one does.
    fn window(&self, lo: u64, hi: u64) -> Option<DirectWindow> {
        let mut cuts = vec![0, MAPPED];
        if self.split {
            cuts.push(SPLIT);
        }
        let bad: Vec<u64> = [(&self.gone, GONE), (&self.ro, RO)]
            .into_iter()
            .filter(|(on, _)| on.load(AtOrd::SeqCst))
            .map(|(_, p)| p)
            .collect();
        for &p in &bad {
            cuts.extend([p, p + 0x1000]);
        }
        cuts.sort();
        cuts.windows(2)
            .map(|c| DirectWindow { lo: c[0], hi: c[1] })
            .filter(|w| !bad.contains(&w.lo))
            .find(|w| w.lo <= lo && hi <= w.hi)
    }
}

impl GuestMemory for Win {
    fn direct(&self) -> Option<DirectMem> {
        self.d.direct()
    }
    fn load(&self, addr: u64, size: u8) -> Result<u128, Fault> {
        match self.fault(addr, size, false) {
            Some(f) => Err(f),
            None => self.d.load(addr, size),
        }
    }
    fn store(&self, addr: u64, size: u8, v: u128) -> Result<(), Fault> {
        match self.fault(addr, size, true) {
            Some(f) => Err(f),
            None => self.d.store(addr, size, v),
        }
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
    fn direct_ranges(&self, rlo: u64, rhi: u64, wlo: u64, whi: u64) -> Option<[DirectWindow; 2]> {
        self.asked.fetch_add(1, AtOrd::Relaxed);
        let ok = |lo: u64, hi: u64, write: bool| {
            lo >= hi
                || (hi <= MAPPED
                    && (lo..hi)
                        .step_by(0x1000)
                        .chain([hi - 1])
                        .all(|a| self.fault(a, 1, write).is_none()))
        };
        if !(ok(rlo, rhi, false) && ok(wlo, whi, true)) {
            return None;
        }
        let none = DirectWindow::default();
        let (lo, hi) = (rlo.min(wlo), rhi.max(whi));
        if let Some(w) = self.window(lo, hi) {
            return Some([w, none]);
        }
        let around = |lo: u64, hi: u64| {
            (lo < hi)
                .then(|| self.window(lo, hi))
                .flatten()
                .unwrap_or(none)
        };
        Some([around(wlo, whi), around(rlo, rhi)])
    }
    fn direct_generation(&self) -> Option<&AtomicU64> {
        self.mgen.as_ref()
    }
}

/// An environment with a [`Win`] world (memory filled with random words,
/// the page at `RO` read-only on the host), without a generation.
fn win_env() -> (Env, std::sync::Arc<Win>) {
    win_env_with(false, false)
}

/// [`win_env`] with a generation (`with_gen`) and two windows (`split`).
fn win_env_with(with_gen: bool, split: bool) -> (Env, std::sync::Arc<Win>) {
    install_handler();
    let d = std::sync::Arc::new(DMem::new(true));
    let w = std::sync::Arc::new(Win {
        d: d.clone(),
        asked: AtomicUsize::new(0),
        ro: AtomicBool::new(true),
        gone: AtomicBool::new(false),
        split,
        mgen: with_gen.then(|| AtomicU64::new(1)),
    });
    let env = Env {
        mem: w.clone(),
        dmem: d.clone(),
    };
    let mut rng = Rng(7);
    for a in (0..MAPPED).step_by(8) {
        d.store(a, 8, u128::from(rng.next())).unwrap();
    }
    protect(&env, RO, libc::PROT_READ);
    (env, w)
}

/// Sets the host protection of the page at `page`.
fn protect(env: &Env, page: u64, prot: i32) {
    // SAFETY: a page of the test's own mapping.
    let r = unsafe {
        libc::mprotect(
            env.dmem.base.add(page as usize) as *mut libc::c_void,
            0x1000,
            prot,
        )
    };
    assert_eq!(r, 0);
}

/// The memory's bytes (the page at `GONE` read while unmapped too).
fn snap(env: &Env, w: &Win) -> Vec<u8> {
    let gone = w.gone.load(AtOrd::SeqCst);
    if gone {
        protect(env, GONE, libc::PROT_READ);
    }
    let m = env.dmem.snapshot();
    if gone {
        protect(env, GONE, libc::PROT_NONE);
    }
    m
}

/// Puts the memory back to `mem` (the pages at `RO` and `GONE` too,
/// keeping their protections).
fn restore(env: &Env, w: &Win, mem: &[u8]) {
    let rw = libc::PROT_READ | libc::PROT_WRITE;
    protect(env, RO, rw);
    protect(env, GONE, rw);
    env.dmem.restore(mem);
    if w.ro.load(AtOrd::SeqCst) {
        protect(env, RO, libc::PROT_READ);
    }
    if w.gone.load(AtOrd::SeqCst) {
        protect(env, GONE, libc::PROT_NONE);
    }
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
    let mut j = jit(true);
    let region = j.compile(&[block]).unwrap();
    agree_in(&region, block, init, env, w, &mut Kept::default())
}

/// What a CPU's header keeps from one entry to compiled code to the next
/// (`CpuHeader::windows`, `CpuHeader::window_gen`; a test state's header
/// starts fresh).
#[derive(Default)]
struct Kept([DirectWindow; 2], u64);

/// [`agree`] with a compiled `region` of `block`, entered with the
/// windows `kept` (updated to those it leaves).
fn agree_in(
    region: &Region,
    block: &Block,
    init: &TState,
    env: &Env,
    w: &Win,
    kept: &mut Kept,
) -> (ExitCode, usize) {
    let mem0 = snap(env, w);
    let mut a = init.clone();
    a.pc = block.pc;
    let ca = interp_blocks(&[block], &mut a, env, usize::MAX);
    let mem_a = snap(env, w);
    restore(env, w, &mem0);
    let mut b = init.clone();
    b.pc = block.pc;
    (b.hdr.windows, b.hdr.window_gen) = (kept.0, kept.1);
    let asked = w.asked.load(AtOrd::Relaxed);
    let (cb, _) = run_jit_retrying(region, &[block], &mut b, env);
    let asked = w.asked.load(AtOrd::Relaxed) - asked;
    *kept = Kept(b.hdr.windows, b.hdr.window_gen);
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
    assert!(snap(env, w) == mem_a, "memory");
    restore(env, w, &mem0);
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
        restore(&env, &w, &mem0);
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

/// `pc: v = [r1 + r0*8]; [r5 + r0*8] = v; r0 += 1; if r0 <= r2 goto pc
/// else goto 0x2000`: reads from one buffer, writes to another.
fn copy_loop() -> Block {
    let pc = 0x1000;
    let mut b = Builder::new(&LAYOUT, pc);
    b.insn_start(pc);
    let x = b.get(r(0));
    let src = b.get(r(1));
    let three = b.iconst(Type::I64, 3);
    let off = b.shl(x, three);
    let a = b.add(src, off);
    let v = b.load(Type::I64, a, MemFlags::new(8));
    b.insn_start(pc + 4);
    let dst = b.get(r(5));
    let d = b.add(dst, off);
    b.store(d, v, MemFlags::new(8));
    b.insn_start(pc + 8);
    let one = b.iconst(Type::I64, 1);
    let x2 = b.add(x, one);
    b.set(r(0), x2);
    let n = b.get(r(2));
    b.insn_start(pc + 12);
    let c = b.icmp(Cond::Ule, x2, n);
    b.terminate(Terminal::Branch {
        cond: c,
        taken: pc,
        not_taken: 0x2000,
    });
    b.finish()
}

/// The questions of `entries` entries of one compiled copy of `block`
/// from `init`, each agreeing with tier 0, the windows kept from one entry
/// to the next as a CPU's header keeps them.
fn asks_keeping(block: &Block, init: &TState, env: &Env, w: &Win, entries: usize) -> usize {
    let mut j = jit(true);
    let region = j.compile(&[block]).unwrap();
    let mut kept = Kept::default();
    (0..entries)
        .map(|_| {
            let (code, asked) = agree_in(&region, block, init, env, w, &mut kept);
            assert_eq!(code, ExitCode::Continue);
            asked
        })
        .sum()
}

/// A loop entered again and again from the dispatcher asks the world once
/// while its generation of the mappings stays, and again after it
/// changes; a world without a generation is asked at every entry (the
/// window is emptied at each entry to compiled code).
#[test]
fn a_window_is_kept_across_entries_while_the_generation_stays() {
    let block = rmw_loop(2, false);
    let init = state(0, 0x100, 99);
    let (env, w) = win_env_with(true, false);
    assert_eq!(asks_keeping(&block, &init, &env, &w, 5), 1);
    let (env, w) = win_env();
    assert_eq!(asks_keeping(&block, &init, &env, &w, 5), 5);
    // The generation moves between two entries: asked again.
    let (env, w) = win_env_with(true, false);
    let mut j = jit(true);
    let region = j.compile(&[&block]).unwrap();
    let mut kept = Kept::default();
    let mut asked = Vec::new();
    for i in 0..4 {
        if i == 2 {
            w.mgen.as_ref().unwrap().fetch_add(1, AtOrd::SeqCst);
        }
        asked.push(agree_in(&region, &block, &init, &env, &w, &mut kept).1);
    }
    assert_eq!(asked, [1, 0, 1, 0]);
}

/// A window kept from an earlier entry is not trusted once the mappings
/// changed under it (a page made read-only, a page unmapped) and the world
/// moved its generation: the next entry asks, is refused, and today's body
/// faults exactly where tier 0 does (a fast copy would host-fault and
/// retry from before the loop, storing its words twice).
#[test]
fn a_kept_window_is_dropped_when_a_page_is_protected_or_unmapped() {
    let block = rmw_loop(2, false);
    for (page, unmap) in [(RO, false), (GONE, true)] {
        let (env, w) = win_env_with(true, false);
        w.ro.store(false, AtOrd::SeqCst);
        protect(&env, RO, libc::PROT_READ | libc::PROT_WRITE);
        let mut j = jit(true);
        let region = j.compile(&[&block]).unwrap();
        let mut kept = Kept::default();
        // Iteration 50 reaches `page`.
        let init = state(0, page - 400, 99);
        let first = agree_in(&region, &block, &init, &env, &w, &mut kept);
        assert_eq!(first, (ExitCode::Continue, 1), "page {page:#x}");
        assert!(kept.0[0].lo <= page && page < kept.0[0].hi, "{:?}", kept.0);
        if unmap {
            w.gone.store(true, AtOrd::SeqCst);
            protect(&env, GONE, libc::PROT_NONE);
        } else {
            w.ro.store(true, AtOrd::SeqCst);
            protect(&env, RO, libc::PROT_READ);
        }
        w.mgen.as_ref().unwrap().fetch_add(1, AtOrd::SeqCst);
        let (code, asked) = agree_in(&region, &block, &init, &env, &w, &mut kept);
        assert_eq!((code, asked), (ExitCode::Fault, 1), "page {page:#x}");
    }
}

/// A loop that reads one buffer and writes another in mappings apart (a
/// buffer and the stack) gets a window around each and asks once.
#[test]
fn reads_and_writes_in_windows_apart_ask_once() {
    let block = copy_loop();
    let mut init = state(0, 0x1000, 99);
    init.r[5] = SPLIT + 0x100;
    let (env, w) = win_env_with(true, true);
    assert_eq!(asks_keeping(&block, &init, &env, &w, 5), 1);
    // Both ranges in one window: one question too.
    init.r[5] = 0x1800;
    assert_eq!(asks_keeping(&block, &init, &env, &w, 5), 1);
}
