//! Loads that take an earlier load's value (`lower::forward_loads`): the
//! PowerPC switch's second load of the opcode byte, in the block after the
//! dispatch block's bounds test, is the dispatch block's load; a store, a
//! changed address register or a fence in between keeps the second load.

use super::*;
use std::collections::HashMap;

/// What stands between the two loads of `[r1 + r2]` in [`dispatch`].
#[derive(Clone, Copy, Debug, PartialEq)]
enum Between {
    /// Nothing: the second load takes the first one's value.
    Nothing,
    /// A byte store of `r0` to `[r4]` at the start of the second block.
    Store,
    /// `r2 += 1` at the start of the second block (another address).
    NewIndex,
    /// A fence at the start of the second block.
    Fence,
}

/// Emits `r[dst] = zext([r1 + r2])` (`lbzx`), returning the value.
fn load_byte(b: &mut Builder, dst: u16) -> Value {
    let x = b.get(r(1));
    let y = b.get(r(2));
    let a = b.add(x, y);
    let v = b.load(Type::I8, a, MemFlags::new(1));
    let v = b.zext(Type::I64, v);
    b.set(r(dst), v);
    v
}

/// The first block (0x1000) loads the byte at `r1 + r2` into `r3` and
/// leaves the region (0x1200) when it is above 12, as `cmplwi; bgt`; the
/// second (0x1100) loads the byte at `r1 + r2` again (after `between`)
/// into `r5`, sets `r6 = r5 * 256 + r3` and leaves (0x1300). With `twice`,
/// the first block loads the byte a second time itself, into `r7`.
fn dispatch(between: Between, twice: bool) -> [Block; 2] {
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    let v = load_byte(&mut b, 3);
    if twice {
        b.insn_start(0x1004);
        load_byte(&mut b, 7);
    }
    b.insn_start(0x1008);
    let k = b.iconst(Type::I64, 12);
    let gt = b.icmp(Cond::Ugt, v, k);
    b.terminate(Terminal::Branch {
        cond: gt,
        taken: 0x1200,
        not_taken: 0x1100,
    });
    let first = b.finish();
    let mut b = Builder::new(&LAYOUT, 0x1100);
    b.insn_start(0x1100);
    match between {
        Between::Nothing => {}
        Between::Store => st(&mut b, 4, 0, 0, 1),
        Between::NewIndex => addk(&mut b, 2, 2, 1),
        Between::Fence => b.fence(xlat_ir::Ordering::AcqRel),
    }
    b.insn_start(0x1104);
    let w = load_byte(&mut b, 5);
    b.insn_start(0x1108);
    let e = b.iconst(Type::I64, 8);
    let hi = b.shl(w, e);
    let lo = b.get(r(3));
    let s = b.or(hi, lo);
    b.set(r(6), s);
    b.terminate(Terminal::Jump(0x1300));
    [first, b.finish()]
}

/// The guest byte loads' fast paths in `clif`: `load.i8` off `mem_base +`
/// an address (an `iadd`), not off `env` or the slow path's result slot.
fn guest_byte_loads(clif: &str) -> usize {
    let defs: HashMap<&str, &str> = clif
        .lines()
        .filter_map(|l| l.trim().split_once(" = "))
        .collect();
    clif.lines()
        .filter_map(|l| l.trim().split_once(" = ")?.1.strip_prefix("load.i8 "))
        .filter(|a| defs.get(a.trim()).is_some_and(|d| d.starts_with("iadd")))
        .count()
}

/// Runs `blocks` compiled and at tier 0 from a state with `r1 + r2 =
/// addr` (the byte there `byte`) and `r4 = store` and compares registers,
/// PC, exit and the two bytes.
fn run_both(blocks: &[&Block], region: &Region, env: &Env, addr: u64, byte: u8, store: u64) {
    let init = TState {
        r: [0x5a, addr - 3, 3, 0, store, 0, 0, 0],
        pc: 0x1000,
        ..TState::default()
    };
    let what = format!("addr={addr:#x} byte={byte} store={store:#x}");
    let reset = || {
        for p in [addr, store] {
            if p < MAPPED {
                env.mem.store(p, 1, 0u64.into()).unwrap();
            }
        }
        if addr < MAPPED {
            env.mem.store(addr, 1, u64::from(byte).into()).unwrap();
        }
    };
    let bytes = || [addr, store].map(|p| (p < MAPPED).then(|| env.mem.load(p, 1).unwrap() as u64));
    reset();
    let mut s = init.clone();
    let (code, _) = run_jit_retrying(region, blocks, &mut s, env);
    let mem = bytes();
    reset();
    let mut si = init.clone();
    let ci = interp_blocks(blocks, &mut si, env, usize::MAX);
    assert_eq!(code, ci, "{what}");
    assert_eq!(
        (s.r, s.pc, s.hdr.exc_info, mem),
        (si.r, si.pc, si.hdr.exc_info, bytes()),
        "{what}"
    );
}

/// With nothing in between, the second block's load is the first one's
/// (one guest load in the compiled code; two in the same block are one as
/// well); a store, a new address or a fence keeps it. Every form ends as
/// tier 0: below and above the bound, the store to the loaded byte (the
/// second load must see it) and elsewhere, the load past the mapped
/// memory (a fault, retried at tier 0), in direct and soft memory.
#[test]
fn a_second_load_of_an_address_takes_the_first_ones_value() {
    for (between, twice, loads) in [
        (Between::Nothing, false, 1),
        (Between::Nothing, true, 1),
        (Between::Store, false, 2),
        (Between::NewIndex, false, 2),
        (Between::Fence, false, 2),
    ] {
        for direct in [true, false] {
            let env = Env::new(direct);
            let blocks = dispatch(between, twice);
            let blocks = [&blocks[0], &blocks[1]];
            let mut j = jit(true);
            let region = j.compile_at(&blocks, OptLevel::Speed).expect("compiles");
            if direct {
                let clif = LAST_CLIF.with(|c| c.borrow().clone());
                assert_eq!(
                    guest_byte_loads(&clif),
                    loads,
                    "{between:?} twice={twice}:\n{clif}"
                );
            }
            for (addr, byte, store) in [
                (0x100, 7, 0x200),
                (0x100, 13, 0x200),
                (0x100, 12, 0x100),
                (0x100, 0, 0x100),
                (MAPPED + 0x40, 0, 0x200),
            ] {
                run_both(&blocks, &region, &env, addr, byte, store);
            }
        }
    }
}
