//! A switch through a table of 32-bit words (`lower::word_table`):
//! PowerPC's `lwax r9, r8, r9; add r9, r9, r8; mtctr r9; bctr` with the
//! table right after the jump, jumped through on the index byte.

use super::*;

/// The dispatch block's address and length: the table starts at its end.
const DISPATCH: u64 = 0x1000;
const LEN: u32 = 0x20;
const T0: u64 = DISPATCH + LEN as u64;
/// `T = r2 + TOC_OFF` (the TOC-relative `addis; addi`).
const TOC_OFF: u64 = 0x7_0000;

/// The handlers the words reach: four after the table, one (a negative
/// word) before the dispatch block.
const HANDLERS: [u64; 5] = [0x2000, 0x2010, 0x2020, 0x2030, 0x0fc0];
/// A word's target that is no block of the region.
const OUTSIDE: u64 = 0x3000;

/// Dispatch: `r3 = T + W[r0 & 0xff]` (first the word itself), `r4 = r3`
/// (`ctr`), jump to `r3 & !3`; handler `i` adds `(i + 1) << 8i` to `r1`,
/// decrements `r0` and jumps back. With `fence`, a fence stands between
/// the word's load and the jump.
fn word_dispatch(fence: bool) -> Vec<Block> {
    let mut d = Builder::new(&LAYOUT, DISPATCH);
    d.insn_start(DISPATCH);
    let x = d.get(r(0));
    let byte = d.trunc(Type::I8, x);
    let idx = d.zext(Type::I64, byte);
    let two = d.iconst(Type::I64, 2);
    let off = d.shl(idx, two);
    let toc = d.get(r(2));
    let c = d.iconst(Type::I64, TOC_OFF.wrapping_neg());
    let t = d.add(toc, c);
    let a = d.add(t, off);
    let w = d.load(Type::I64, a, MemFlags::new(4).signed());
    d.set(r(3), w);
    if fence {
        d.fence(xlat_ir::Ordering::AcqRel);
    }
    let sum = d.add(w, t);
    d.set(r(3), sum);
    d.set(r(4), sum);
    let m = d.iconst(Type::I64, !3u64);
    let target = d.and(sum, m);
    d.terminate(Terminal::JumpIndirect(target));
    let mut dispatch = d.finish();
    dispatch.guest_len = LEN;
    let mut out = vec![dispatch];
    for (i, &pc) in HANDLERS.iter().enumerate() {
        let mut h = Builder::new(&LAYOUT, pc);
        h.insn_start(pc);
        addk(&mut h, 1, 1, (i as u64 + 1) << (8 * i));
        addk(&mut h, 0, 0, u64::MAX);
        h.terminate(Terminal::Jump(DISPATCH));
        out.push(h.finish());
    }
    out
}

/// Writes the table: words 0-4 reach the handlers, word 5 `OUTSIDE`, the
/// rest stay 0 (their target is `T0`, no block of the region).
fn write_table(env: &Env) {
    for (s, &pc) in HANDLERS.iter().chain([OUTSIDE].iter()).enumerate() {
        let w = pc.wrapping_sub(T0) as u32;
        env.mem
            .store(T0 + 4 * s as u64, 4, w as u128)
            .expect("table");
    }
}

/// Guest memory holding the table, and the blocks.
fn setup() -> (Env, Vec<Block>) {
    let env = Env::new(true);
    write_table(&env);
    (env, word_dispatch(false))
}

/// The state at the dispatch block with `r0 = start` and `r2`.
fn at_dispatch(start: u64, r2: u64) -> TState {
    let mut st = TState::default();
    st.r[0] = start;
    st.r[2] = r2;
    st.pc = DISPATCH;
    st
}

/// Runs the region from the dispatch block with `r0 = start` and `r2`
/// (so `T = r2 - TOC_OFF`) until it leaves, and the interpreter over the
/// same blocks from the same state until it leaves them; both must stop
/// at `leaves` in the same state.
fn as_interp(region: &Region, blocks: &[&Block], start: u64, r2: u64, leaves: u64, env: &Env) {
    let init = at_dispatch(start, r2);
    let mut sj = init.clone();
    assert_eq!(run_jit_jc(region, &mut sj, env), ExitCode::Continue);
    let mut si = init.clone();
    interp_until_outside(blocks, &mut si, env);
    assert_eq!(
        si.pc, leaves,
        "start {start:#x}, r2 {r2:#x}: the interpreter"
    );
    assert_eq!((sj.r, sj.pc), (si.r, si.pc), "start {start:#x}, r2 {r2:#x}");
}

/// Compiles the region with the table readable, as the engine does (the
/// `Jit` holds its code).
fn compile(env: &Env, refs: &[&Block]) -> (Jit, Region) {
    let hints: Vec<u64> = HANDLERS.to_vec();
    let mut j = jit(true);
    let region = j
        .compile_reading(
            refs,
            std::slice::from_ref(&hints),
            OptLevel::Speed,
            Some(&*env.dmem),
        )
        .expect("compiles");
    (j, region)
}

/// Indices 4 (a negative word) down to 0 stay in the region, then 0xff
/// (word 0: target `T0`) leaves; index 5 leaves at once at `OUTSIDE`; an
/// index past the words the guest's table holds (7, in `r0`'s low byte
/// of 0x307) leaves at `T0`; a `T` other than the block's end (`r2` one
/// table further) loads its word from there and leaves where it says;
/// each as the interpreter. The region lists the words its code depends
/// on (0-4: up to the last that reaches a handler).
#[test]
fn a_word_table_jump_runs_as_the_interpreter() {
    let (env, blocks) = setup();
    let refs: Vec<&Block> = blocks.iter().collect();
    let toc = T0 + TOC_OFF;
    let (_j, region) = compile(&env, &refs);
    assert_eq!(
        region.tables,
        vec![(T0, T0 + 20)],
        "the words up to the last hit"
    );
    for (start, r2, leaves) in [
        (4u64, toc, T0),
        (5, toc, OUTSIDE),
        (0x307, toc, T0),
        (2, toc + 0x40, T0 + 0x40),
    ] {
        as_interp(&region, &refs, start, r2, leaves, &env);
    }
}

/// Without guest memory to read, the jump is the hashed one and the
/// region lists nothing read.
#[test]
fn without_memory_nothing_is_read() {
    let (env, blocks) = setup();
    let refs: Vec<&Block> = blocks.iter().collect();
    let hints: Vec<u64> = HANDLERS.to_vec();
    let mut j = jit(true);
    let region = j
        .compile_with(&refs, std::slice::from_ref(&hints), OptLevel::Speed)
        .expect("compiles");
    assert!(region.tables.is_empty());
    as_interp(&region, &refs, 4, T0 + TOC_OFF, T0, &env);
}

/// The words are what the region was compiled with: after a store
/// changes word 1 (to `OUTSIDE`), a region compiled before still jumps
/// through the old word — which is why the engine drops a region whose
/// `tables` a store touches — and one compiled after it leaves there.
#[test]
fn a_region_holds_the_words_it_read() {
    let (env, blocks) = setup();
    let refs: Vec<&Block> = blocks.iter().collect();
    let toc = T0 + TOC_OFF;
    let (_j, before) = compile(&env, &refs);
    let w = OUTSIDE.wrapping_sub(T0) as u32;
    env.mem.store(T0 + 4, 4, w as u128).expect("store");
    let mut st = at_dispatch(1, toc);
    assert_eq!(run_jit_jc(&before, &mut st, &env), ExitCode::Continue);
    assert_eq!(st.pc, T0, "the stale region ran handlers 1 and 0");
    let (_j2, after) = compile(&env, &refs);
    as_interp(&after, &refs, 1, toc, OUTSIDE, &env);
}

/// A fence between the word's load and the jump keeps the hashed jump
/// (the miss path would load the word after the block's other loads,
/// across the fence): nothing is read, and the region runs as the
/// interpreter.
#[test]
fn a_fence_keeps_the_hashed_jump() {
    let env = Env::new(true);
    write_table(&env);
    let blocks = word_dispatch(true);
    let refs: Vec<&Block> = blocks.iter().collect();
    let (_j, region) = compile(&env, &refs);
    assert!(region.tables.is_empty(), "{:?}", region.tables);
    as_interp(&region, &refs, 4, T0 + TOC_OFF, T0, &env);
}

/// A computed jump straight to a register (`br x17`: the target op has
/// one operand) is no table jump: the plan looks no further than the op
/// and the region compiles (it panicked on the unused second operand,
/// failing the compile).
#[test]
fn a_jump_to_a_register_is_no_table() {
    let env = Env::new(true);
    let mut d = Builder::new(&LAYOUT, DISPATCH);
    d.insn_start(DISPATCH);
    let t = d.get(r(3));
    d.terminate(Terminal::JumpIndirect(t));
    let blocks = [d.finish()];
    let refs: Vec<&Block> = blocks.iter().collect();
    let hints = vec![DISPATCH];
    let mut j = jit(true);
    let region = j
        .compile_reading(
            &refs,
            std::slice::from_ref(&hints),
            OptLevel::Speed,
            Some(&*env.dmem),
        )
        .expect("compiles");
    assert!(region.tables.is_empty());
    let mut st = at_dispatch(0, 0);
    st.r[3] = OUTSIDE;
    assert_eq!(run_jit_jc(&region, &mut st, &env), ExitCode::Continue);
    assert_eq!(st.pc, OUTSIDE);
}
