//! A computed jump inside a region matched on its table index
//! (`lower::dispatch`): `base + (index << 2)` with handlers 4 bytes apart.

use super::*;

/// The dispatch block at 0x1000 jumps to `0x2000 + (r0 << 2)`; handler
/// `i` at `0x2000 + 4 * i` adds `(i + 1) << 8i` to `r1` (each handler's
/// own byte), `r0 += 1` and jumps back. Five handlers.
fn index_dispatch() -> Vec<Block> {
    let mut d = Builder::new(&LAYOUT, 0x1000);
    d.insn_start(0x1000);
    let x = d.get(r(0));
    let two = d.iconst(Type::I64, 2);
    let off = d.shl(x, two);
    let base = d.iconst(Type::I64, 0x2000);
    let t = d.add(base, off);
    d.terminate(Terminal::JumpIndirect(t));
    let mut out = vec![d.finish()];
    for i in 0..5u64 {
        let pc = 0x2000 + 4 * i;
        let mut h = Builder::new(&LAYOUT, pc);
        h.insn_start(pc);
        addk(&mut h, 1, 1, (i + 1) << (8 * i));
        addk(&mut h, 0, 0, 1);
        h.terminate(Terminal::Jump(0x1000));
        out.push(h.finish());
    }
    out
}

/// Enters `region` (dispatch at 0x1000) once with `r0 = start`, `r1 = 5`:
/// it leaves at `runs_to`, in the state the interpreter reaches there
/// running `blocks`; returns that state and the initial one.
fn one_entry_as_interp(
    region: &Region,
    blocks: &[&Block],
    start: u64,
    runs_to: u64,
    env: &Env,
) -> (TState, TState) {
    let mut init = TState::default();
    init.r[0] = start;
    init.r[1] = 5;
    init.pc = 0x1000;
    let mut st = init.clone();
    assert_eq!(run_jit_jc(region, &mut st, env), ExitCode::Continue);
    assert_eq!(st.pc, runs_to, "start {start:#x}: where one entry stops");
    let mut si = init.clone();
    while si.pc != runs_to {
        let b = blocks.iter().find(|b| b.pc == si.pc).unwrap();
        assert_eq!(run_interp(b, &mut si, env), ExitCode::Continue);
    }
    assert_eq!((st.r, st.pc), (si.r, si.pc), "start {start:#x}");
    (st, init)
}

/// Indices 0-4 run their handlers without leaving the region (index 5
/// leaves at 0x2014); an index whose target is a handler's only because
/// the shift drops its top bits (`2^62`: `0x2000`) misses and leaves with
/// the state exact, through the jump cache; both as the interpreter.
#[test]
fn a_table_jump_is_matched_on_its_index() {
    let env = Env::new(true);
    let blocks = index_dispatch();
    let refs: Vec<&Block> = blocks.iter().collect();
    let hints: Vec<u64> = (0..5).map(|i| 0x2000 + 4 * i).collect();
    for (start, runs_to) in [(0u64, 0x2014u64), (3, 0x2014), (1 << 62, 0x2000)] {
        let mut j = jit(true);
        let region = j
            .compile_with(&refs, std::slice::from_ref(&hints), OptLevel::Speed)
            .expect("compiles");
        let (st, init) = one_entry_as_interp(&region, &refs, start, runs_to, &env);
        let (mut sj, mut si2) = (st.clone(), init.clone());
        interp_until_outside(&refs, &mut sj, &env);
        interp_until_outside(&refs, &mut si2, &env);
        assert_eq!((sj.r, sj.pc), (si2.r, si2.pc), "start {start:#x}");
    }
}

/// As [`index_dispatch`], but the index is `r0`'s low byte sign-extended
/// (`ldrb` + `add x3, x5, w3, sxtb #2`): handlers for keys 0-4 at
/// `0x2000 + 4 * key` and one for key -2 at 0x1ff8.
fn byte_dispatch() -> Vec<Block> {
    let mut d = Builder::new(&LAYOUT, 0x1000);
    d.insn_start(0x1000);
    let x = d.get(r(0));
    let b = d.trunc(Type::I8, x);
    let k = d.sext(Type::I64, b);
    let two = d.iconst(Type::I64, 2);
    let off = d.shl(k, two);
    let base = d.iconst(Type::I64, 0x2000);
    let t = d.add(base, off);
    d.terminate(Terminal::JumpIndirect(t));
    let mut out = vec![d.finish()];
    for (i, pc) in [0x2000u64, 0x2004, 0x2008, 0x200c, 0x2010, 0x1ff8]
        .into_iter()
        .enumerate()
    {
        let mut h = Builder::new(&LAYOUT, pc);
        h.insn_start(pc);
        addk(&mut h, 1, 1, (i as u64 + 1) << (8 * i));
        // The next index: r0 - 1, so a run visits several handlers.
        addk(&mut h, 0, 0, u64::MAX);
        h.terminate(Terminal::Jump(0x1000));
        out.push(h.finish());
    }
    out
}

/// A table jump on a byte's extension is a 256-entry `br_table` on the
/// byte with no compare after it (every key value has its own slot), and
/// runs as the interpreter: keys 4 down to 0 stay in the region, then -1
/// leaves at 0x1ffc; 0x1fe (key -2) enters the handler at 0x1ff8 and
/// leaves at 0x1ff4 (key -3); 0x305 (key 5) leaves at once at 0x2014.
#[test]
fn a_byte_table_jump_needs_no_compare_after_its_table() {
    let env = Env::new(true);
    let blocks = byte_dispatch();
    let refs: Vec<&Block> = blocks.iter().collect();
    let hints: Vec<u64> = blocks[1..].iter().map(|b| b.pc).collect();
    for (start, runs_to) in [(4u64, 0x1ffcu64), (0x1fe, 0x1ff4), (0x305, 0x2014)] {
        let mut j = jit(true);
        let region = j
            .compile_with(&refs, std::slice::from_ref(&hints), OptLevel::Speed)
            .expect("compiles");
        let clif = LAST_CLIF.with(|c| c.borrow().clone());
        assert!(clif.contains("br_table"), "{clif}");
        assert!(
            !clif.contains("icmp_imm eq"),
            "no compare of the key after the table:\n{clif}"
        );
        one_entry_as_interp(&region, &refs, start, runs_to, &env);
    }
}
