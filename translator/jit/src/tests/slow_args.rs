//! The slow path's address argument (`Fx::slow_arg`): a loop whose loads
//! step their address registers keeps them where the loop carries them,
//! with no register-to-register moves on its fast path for the slow
//! path's fixed argument register, and gives the interpreter's results
//! whether the accesses take the fast path, the slow path (soft memory)
//! or fault in the slow path part-way.

use super::*;

/// A one-block loop at 0x1000 like `matmul`'s naive loop: `r7 += [r1]`,
/// `r7 ^= [r3]`, `r1 += 8`, `r3 += 0xa00`, `r0 += 1`, while `r0 < r2`;
/// leaves to 0x2000.
fn stepping_loads() -> Block {
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    let p = b.get(r(1));
    let x = b.load(Type::I64, p, MemFlags::new(8));
    b.insn_start(0x1004);
    let q = b.get(r(3));
    let y = b.load(Type::I64, q, MemFlags::new(8));
    b.insn_start(0x1008);
    let acc = b.get(r(7));
    let acc = b.add(acc, x);
    let acc = b.xor(acc, y);
    b.set(r(7), acc);
    b.insn_start(0x100c);
    for (n, v, k) in [(1, p, 8), (3, q, 0xa00)] {
        let k = b.iconst(Type::I64, k);
        let s = b.add(v, k);
        b.set(r(n), s);
    }
    incr_r0(&mut b);
    loop_while_below_r2(&mut b, 0x1000, 0x2000);
    let mut blk = b.finish();
    xlat_ir::passes::optimize(&mut blk, &LAYOUT);
    blk
}

/// Register-to-register moves of 64-bit general registers in Cranelift's
/// listing of the last compiled function (`movq %rsi, %r13`), but for the
/// frame pointer's (`movq %rsp, %rbp` and back).
fn gpr_moves(vcode: &str) -> usize {
    vcode
        .lines()
        .filter(|l| {
            let t = l.trim();
            let Some(ops) = t.strip_prefix("movq ") else {
                return false;
            };
            let ops: Vec<&str> = ops.split(", ").collect();
            ops.len() == 2
                && ops
                    .iter()
                    .all(|o| o.starts_with("%r") && !matches!(*o, "%rsp" | "%rbp"))
        })
        .count()
}

#[test]
fn loads_in_a_loop_keep_their_address_registers_and_match_the_interpreter() {
    let blk = stepping_loads();
    xlat_ir::verify(&blk, &LAYOUT).expect("test block verifies");
    let mut j = jit(true);
    let region = j.compile(&[&blk]).expect("compiles");
    let vcode = LAST_VCODE.with(|c| c.borrow().clone());
    // The entry loads the registers straight into the ones the loop keeps
    // them in; with the address passed as it is, the allocator moved both
    // addresses through `rsi` around their checks and loads, and their
    // increments too (9 moves).
    let moves = gpr_moves(&vcode);
    assert_eq!(moves, 0, "register moves:\n{vcode}");
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        // 10 iterations in bounds, then r3 runs past the mapped memory
        // in the 7th of 10 (a fault at the slow path's address).
        for (n, r3) in [(10, 0x100), (10, MAPPED - 6 * 0xa00)] {
            let mut init = TState {
                pc: 0x1000,
                ..TState::default()
            };
            init.r[1] = 0x2000;
            init.r[2] = n;
            init.r[3] = r3;
            init.r[7] = 0x1234_5678;
            let blocks = [&blk];
            let tier0 = |st: &mut TState| interp_blocks(&blocks, st, &env, 1000);
            let (code, _, st) = super::guard::tiers_agree(&region, &blocks, tier0, &init, &env);
            if r3 == 0x100 {
                assert_eq!((code, st.r[0]), (ExitCode::Continue, 10), "ran to its end");
            } else {
                assert_eq!((code, st.r[0]), (ExitCode::Fault, 6), "faulted in the 7th");
                assert_eq!(st.hdr.exc_info, MAPPED, "at the 7th r3");
            }
        }
    }
}
