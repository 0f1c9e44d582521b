//! Registers a loop does not touch, reloaded from `env` on the edges that
//! leave it (`lower::loop_exits`): every exit writes back exactly the
//! interpreter's registers, registers only the exits read included, and a
//! fault inside the loop retries with the exact state.

use super::*;

/// Offset of `r<n>` in [`TState`], as the CLIF prints it (`v0+<off>`).
fn reg_off(n: usize) -> usize {
    offset_of!(TState, r) + 8 * n
}

/// Loads of `r<n>` from `env` in the last compiled function.
fn loads_of(n: usize) -> usize {
    let at = format!("+{}", reg_off(n));
    LAST_CLIF.with(|c| {
        c.borrow()
            .lines()
            .filter(|l| l.contains("= load.i64") && l.trim_end().ends_with(&at))
            .count()
    })
}

/// The region of the tests: at 0x1000 `r6 = r3 + r4` (or, with
/// `set_r3`, first `r3 = r3 + 5`), then the loop at 0x1100: `r7 = [r1]`
/// (with `store`, then `[r1] = r0`), `r1 += 8`, `r0 += 1`, while
/// `r0 < r2`; with `two_exits` the loop's second block (0x1180) also
/// leaves, to 0x1300, when `r7 == 0x77`. After it, 0x1200: `r5 = r3 + r6
/// + r7` and 0x1300: `r5 = r4 ^ r7`, both leaving to 0x2000.
fn region(set_r3: bool, store: bool, two_exits: bool) -> Vec<Block> {
    let mut a = Builder::new(&LAYOUT, 0x1000);
    a.insn_start(0x1000);
    if set_r3 {
        let x = a.get(r(3));
        let k = a.iconst(Type::I64, 5);
        let x = a.add(x, k);
        a.set(r(3), x);
    }
    let x = a.get(r(3));
    let y = a.get(r(4));
    let s = a.add(x, y);
    a.set(r(6), s);
    a.terminate(Terminal::Jump(0x1100));

    let mut l = Builder::new(&LAYOUT, 0x1100);
    l.insn_start(0x1100);
    let p = l.get(r(1));
    let v = l.load(Type::I64, p, MemFlags::new(8));
    l.set(r(7), v);
    if store {
        l.insn_start(0x1104);
        let n = l.get(r(0));
        l.store(p, n, MemFlags::new(8));
    }
    l.insn_start(0x1108);
    let eight = l.iconst(Type::I64, 8);
    let p2 = l.add(p, eight);
    l.set(r(1), p2);
    incr_r0(&mut l);
    let mid = if two_exits { 0x1180 } else { 0x1100 };
    loop_while_below_r2(&mut l, mid, 0x1200);

    let mut m = Builder::new(&LAYOUT, 0x1180);
    m.insn_start(0x1180);
    let v = m.get(r(7));
    let k = m.iconst(Type::I64, 0x77);
    let c = m.icmp(Cond::Eq, v, k);
    m.terminate(Terminal::Branch {
        cond: c,
        taken: 0x1300,
        not_taken: 0x1100,
    });

    let mut e = Builder::new(&LAYOUT, 0x1200);
    e.insn_start(0x1200);
    let x = e.get(r(3));
    let y = e.get(r(6));
    let z = e.get(r(7));
    let s = e.add(x, y);
    let s = e.add(s, z);
    e.set(r(5), s);
    e.terminate(Terminal::Jump(0x2000));

    let mut f = Builder::new(&LAYOUT, 0x1300);
    f.insn_start(0x1300);
    let x = f.get(r(4));
    let z = f.get(r(7));
    let s = f.xor(x, z);
    f.set(r(5), s);
    f.terminate(Terminal::Jump(0x2000));

    let mut out = vec![a.finish(), l.finish(), e.finish(), f.finish()];
    if two_exits {
        out.insert(2, m.finish());
    }
    for b in &mut out {
        xlat_ir::passes::optimize(b, &LAYOUT);
    }
    out
}

/// The start state: `r1` at `at`, `r2` iterations, `r3`, `r4` recognizable.
fn init(at: u64, n: u64) -> TState {
    let mut st = TState {
        pc: 0x1000,
        ..TState::default()
    };
    st.r[1] = at;
    st.r[2] = n;
    st.r[3] = 0x3000_0003;
    st.r[4] = 0x4000_0004;
    st
}

/// Runs `blocks` as one region (tier 1, retrying like the dispatcher) and
/// at tier 0 alone from `init`: both end with the same exit, registers,
/// PC, fault and memory ([`super::guard::tiers_agree`]); returns the exit
/// and whether tier 1 retried.
fn agree(blocks: &[Block], init: &TState, env: &Env) -> (ExitCode, bool) {
    let (code, retried, _) = agree_at(blocks, init, env);
    (code, retried)
}

/// [`agree`], also returning the end state.
fn agree_at(blocks: &[Block], init: &TState, env: &Env) -> (ExitCode, bool, TState) {
    let refs: Vec<&Block> = blocks.iter().collect();
    let mut j = jit(true);
    let region = j.compile(&refs).expect("compiles");
    let tier0 = |st: &mut TState| interp_blocks(&refs, st, env, RETRY_BLOCKS);
    super::guard::tiers_agree(&region, &refs, tier0, init, env)
}

/// Runs the one-exit region (`set_r3`: r3 set before the loop) to its end
/// at both tiers; returns how many loads of r3 the function has.
fn one_exit(set_r3: bool) -> usize {
    let env = Env::new(true);
    fill_memory(&env);
    let blocks = region(set_r3, false, false);
    let st = init(0x100, 10);
    assert_eq!(agree(&blocks, &st, &env), (ExitCode::Continue, false));
    loads_of(3)
}

/// The two-exit region with and without stores in the loop and a set of
/// r3 before it.
fn variants() -> Vec<Vec<Block>> {
    let flags = [(false, false), (false, true), (true, false), (true, true)];
    flags
        .map(|(set_r3, store)| region(set_r3, store, true))
        .into()
}

#[test]
fn registers_the_loop_does_not_touch_are_reloaded_at_its_exit() {
    // r3 is read before the loop and after it, clean at the exit: loaded
    // at the entry and again at the exit.
    assert_eq!(one_exit(false), 2, "r3 reloaded where the loop ends");
    // r4 is read before the loop only; r1 is the loop's own.
    assert_eq!(loads_of(4), 1);
    assert_eq!(loads_of(1), 1);
}

#[test]
fn a_register_set_before_the_loop_is_carried_not_reloaded() {
    // r3 is set at 0x1000 and dirty through the loop (no snapshot): `env`
    // holds its old value, which the exit must not read.
    assert_eq!(one_exit(true), 1, "only the entry load of r3");
}

#[test]
fn every_exit_of_a_loop_with_two_exits_matches_tier_0() {
    let env = Env::new(true);
    fill_memory(&env);
    for blocks in variants() {
        // Leaves through 0x1200 (count) or 0x1300 (a 0x77 word: r5 = r4
        // ^ r7 there).
        let via_1300 = 0x4000_0004 ^ 0x77;
        let (code, _, st) = agree_at(&blocks, &init(0x100, 10), &env);
        assert_eq!(code, ExitCode::Continue);
        assert_ne!(st.r[5], via_1300, "left through 0x1200");
        env.mem.store(0x128, 8, 0x77).unwrap();
        let (code, _, st) = agree_at(&blocks, &init(0x100, 10), &env);
        assert_eq!(code, ExitCode::Continue);
        assert_eq!(st.r[5], via_1300, "left through 0x1300");
        env.mem.store(0x128, 8, 0).unwrap();
    }
}

#[test]
fn faults_inside_the_loop_retry_with_the_exact_state() {
    let env = Env::new(true);
    fill_memory(&env);
    // The loop's load reaches unmapped memory at iteration `k` (from 0:
    // the first access faults) of 6; with stores the loop's back edges are
    // snapshots.
    for blocks in variants() {
        for k in 0..6u64 {
            let st = init(MAPPED - 8 * k, 6);
            let (code, retried) = agree(&blocks, &st, &env);
            assert_eq!((code, retried), (ExitCode::Fault, true), "k {k}");
        }
    }
}
