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
        let mut init = TState::default();
        init.r[0] = start;
        init.r[1] = 5;
        init.pc = 0x1000;
        let mut st = init.clone();
        assert_eq!(run_jit_jc(&region, &mut st, &env), ExitCode::Continue);
        assert_eq!(st.pc, runs_to, "start {start:#x}: where one entry stops");
        let mut si = init.clone();
        while si.pc != runs_to {
            let b = refs.iter().find(|b| b.pc == si.pc).unwrap();
            assert_eq!(run_interp(b, &mut si, &env), ExitCode::Continue);
        }
        assert_eq!((st.r, st.pc), (si.r, si.pc), "start {start:#x}");
        let (mut sj, mut si2) = (st.clone(), init.clone());
        interp_until_outside(&refs, &mut sj, &env);
        interp_until_outside(&refs, &mut si2, &env);
        assert_eq!((sj.r, sj.pc), (si2.r, si2.pc), "start {start:#x}");
    }
}
