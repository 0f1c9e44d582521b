//! Register loads a region does not need (`reads_entry_var` in
//! `lower.rs`, `lower::dead_loads`): a block that loads from memory before
//! it sets a register neither needs that register's entry value nor the
//! value a predecessor left in it, and a load whose value nothing uses is
//! dropped; exits, retried faults and the stop path still see the
//! interpreter's state.

use super::branch_flags::run_both;
use super::*;

/// Whether `clif` loads from `env + off`.
fn loads_at(clif: &str, off: usize) -> bool {
    let at = format!(" v0+{off}");
    clif.lines()
        .any(|l| l.contains("= load") && l.split(';').next().unwrap_or("").ends_with(&at))
}

/// Whether the value `clif` defines by an instruction starting with `op`
/// is passed to a block (a variable carried along an edge).
fn carried(clif: &str, op: &str) -> bool {
    let defs: Vec<&str> = clif
        .lines()
        .filter_map(|l| {
            let (v, rest) = l.trim().split_once(" = ")?;
            rest.starts_with(op).then_some(v)
        })
        .collect();
    clif.lines()
        .filter(|l| l.contains("jump") || l.contains("brif"))
        .any(|l| {
            l.split(['(', ')', ',', ' '])
                .any(|w| defs.contains(&w.trim()))
        })
}

/// The CLIF of the last compile on this thread.
fn last_clif() -> String {
    LAST_CLIF.with(|c| c.borrow().clone())
}

/// A search loop: block 0x1000 loads `r3 = [r1]`, sets N (`r3 < r5`
/// unsigned) and Z (`r3 == r5`) and leaves the region (0x1200) when Z;
/// block 0x1100 steps `r1`, sets N again (`r1 >= r5` signed: a compare
/// only this block makes) and jumps back, to a block that loads before it
/// sets N.
fn search_loop() -> [Block; 2] {
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    ld(&mut b, 3, 1);
    b.insn_start(0x1004);
    let a = b.get(r(3));
    let k = b.get(r(5));
    let n = b.icmp(Cond::Ult, a, k);
    let z = b.icmp(Cond::Eq, a, k);
    b.set(r(11), n);
    b.set(r(12), z);
    b.terminate(Terminal::Branch {
        cond: z,
        taken: 0x1200,
        not_taken: 0x1100,
    });
    let scan = b.finish();
    let mut b = Builder::new(&LAYOUT, 0x1100);
    b.insn_start(0x1100);
    addk(&mut b, 1, 1, 8);
    let p = b.get(r(1));
    let key = b.get(r(5));
    let n = b.icmp(Cond::Sge, p, key);
    b.set(r(11), n);
    b.terminate(Terminal::Jump(0x1000));
    [scan, b.finish()]
}

/// The loop's flags are neither loaded at entry nor carried round it: N
/// as the stepping block sets it is computed only where it is written
/// back (the stop path), not on the back edge to the block that loads
/// first. Found, not found (the load past the words faults and the retry
/// raises it) and stopped runs end as the interpreter's.
#[test]
fn a_block_that_loads_first_needs_no_entry_value() {
    install_handler();
    let env = Env::new(true);
    let blocks = search_loop();
    let blocks = [&blocks[0], &blocks[1]];
    let mut j = jit(true);
    let region = j.compile_at(&blocks, OptLevel::Speed).expect("compiles");
    let clif = last_clif();
    let f = offset_of!(TState, f);
    for q in 0..2 {
        assert!(!loads_at(&clif, f + q), "flag {q} loaded:\n{clif}");
    }
    assert!(
        !carried(&clif, "icmp sge"),
        "the stepping block's N carried to the loop head:\n{clif}"
    );
    let mut stopped = 0;
    for (words, key) in [
        (&[7u64, 9, 12][..], 12u64),
        (&[12, 3][..], 12),
        (&[1, 2, 3][..], 99),
    ] {
        // Exits and the retried fault past the words end as tier 0.
        run_both(&region, &blocks, &env, words, key);
        let what = format!("words={words:x?} key={key}");
        let start = MAPPED - 8 * words.len() as u64;
        let init = TState {
            r: [0, start, 0, 0, 0, key, 0, 1],
            pc: 0x1000,
            f: [1, 1, 1, 0],
            ..TState::default()
        };
        // Stopped at the back edge after the first step: N is the
        // stepping block's, written back by the stop path.
        let mut s = init.clone();
        s.hdr.stop.store(1, std::sync::atomic::Ordering::Relaxed);
        let code = run_jit(&region, &mut s, &env);
        if s.pc == 0x1000 && code == ExitCode::Stopped {
            let mut si = init.clone();
            interp_blocks(&blocks, &mut si, &env, 2);
            assert_eq!((s.r, s.f), (si.r, si.f), "stopped: {what}");
            stopped += 1;
        }
    }
    assert!(stopped > 0, "no case stopped at the back edge");
}

/// A register read only by an op whose value nothing uses is not loaded
/// (Cranelift keeps every load it is given).
#[test]
fn a_load_whose_value_is_unused_is_dropped() {
    let env = Env::new(true);
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    let x = b.get(r(4));
    let one = b.iconst(Type::I64, 1);
    let _ = b.add(x, one);
    let y = b.get(V1);
    let _ = b.vextract(Lanes::I64x2, y, 1);
    let z = b.get(r(1));
    b.set(r(0), z);
    b.terminate(Terminal::Exit(0x2000));
    let blk = b.finish();
    jit(true)
        .compile_at(&[&blk], OptLevel::Speed)
        .expect("compiles");
    let clif = last_clif();
    let rs = offset_of!(TState, r);
    assert!(loads_at(&clif, rs + 8), "r1 not loaded:\n{clif}");
    assert!(!loads_at(&clif, rs + 32), "r4 loaded:\n{clif}");
    let v1 = offset_of!(TState, v) + 16;
    assert!(!loads_at(&clif, v1), "v1 loaded:\n{clif}");
    let states: Vec<TState> = [0u64, 5, u64::MAX]
        .into_iter()
        .map(|k| {
            let mut r = [k; 8];
            r[1] = k ^ 0x55;
            TState {
                r,
                ..TState::default()
            }
        })
        .collect();
    compare(&blk, &states, &env, Cmp::Exact);
}
