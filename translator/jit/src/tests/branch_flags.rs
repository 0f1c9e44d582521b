//! Flag registers a conditional branch decides (`lower::branch_flags`):
//! on each edge they hold constants, the compare feeds the branch alone,
//! and exits, fault retries and the stop path still see the
//! interpreter's flags.

use super::lazy_flags::{CR_LAYOUT, cr_compare, cr_jit};
use super::*;

/// How the loop block's branch tests CR0 (the ppc64le frontend's forms).
#[derive(Copy, Clone, Debug)]
enum Test {
    /// `beq`: the branch on EQ itself.
    Eq,
    /// `cmpldi r3,0; beq`: EQ of an unsigned compare with 0 (GT is
    /// "not EQ").
    EqZero,
    /// `ble`: a branch if GT is false, `gt == 0`.
    NotGt,
    /// `bge`: a branch if LT is false, as the opposite compare (`uge`).
    NotLt,
}

/// A `strspn`-like byte loop over CR0: block 0x1000 loads `r3 = [r1]`,
/// compares it with `r5` (unsigned, 64 bits) into CR0's LT, GT, EQ (SO
/// from `r7`) and leaves the region (0x1200) where `test` holds; block
/// 0x1100 steps `r1` and `r4` and jumps back.
fn scan_loop(test: Test) -> [Block; 2] {
    let mut b = Builder::new(&CR_LAYOUT, 0x1000);
    b.insn_start(0x1000);
    ld(&mut b, 3, 1);
    b.insn_start(0x1004);
    let a = b.get(r(3));
    let k = match test {
        Test::EqZero => b.iconst(Type::I64, 0),
        _ => b.get(r(5)),
    };
    let [_, gt, eq] = cr_compare(&mut b, a, k, false);
    b.insn_start(0x1008);
    let cond = match test {
        Test::Eq | Test::EqZero => eq,
        Test::NotGt => {
            let z = b.iconst(Type::I8, 0);
            b.icmp(Cond::Eq, gt, z)
        }
        Test::NotLt => b.icmp(Cond::Uge, a, k),
    };
    b.terminate(Terminal::Branch {
        cond,
        taken: 0x1200,
        not_taken: 0x1100,
    });
    let scan = b.finish();
    let mut b = Builder::new(&CR_LAYOUT, 0x1100);
    b.insn_start(0x1100);
    addk(&mut b, 1, 1, 8);
    addk(&mut b, 4, 4, 1);
    b.terminate(Terminal::Jump(0x1000));
    [scan, b.finish()]
}

/// Runs `blocks` (compiled as `region`) over `words`, placed right below
/// `MAPPED`, with `r5 = key`: compiled (retrying at tier 0 as the
/// dispatcher does) and interpreted alone, until the loop leaves the
/// region or its load faults past the words. Both must end in the same
/// state; returns it.
pub(super) fn run_both(
    region: &Region,
    blocks: &[&Block],
    env: &Env,
    words: &[u64],
    key: u64,
) -> TState {
    let start = MAPPED - 8 * words.len() as u64;
    for (q, w) in words.iter().enumerate() {
        env.mem.store(start + 8 * q as u64, 8, (*w).into()).unwrap();
    }
    let mut init = TState::default();
    init.r[1] = start;
    init.r[5] = key;
    init.r[7] = 1;
    init.pc = 0x1000;
    // Every flag the opposite of what a compare can leave together.
    init.f = [1, 1, 1, 0];
    let mut s = init.clone();
    let (code, _) = run_jit_retrying(region, blocks, &mut s, env);
    let mut si = init.clone();
    let ci = interp_blocks(blocks, &mut si, env, usize::MAX);
    let what = format!("words={words:x?} key={key}");
    assert_eq!(code, ci, "{what}");
    assert_eq!(
        (s.r, s.pc, s.f, s.hdr.exc_info),
        (si.r, si.pc, si.f, si.hdr.exc_info),
        "{what}"
    );
    s
}

/// The values `clif` stores at `env + off`, each with whether an
/// `iconst` defines it.
fn stored_at(clif: &str, off: usize) -> Vec<(String, bool)> {
    let tail = format!(", v0+{off}");
    clif.lines()
        .filter_map(|l| {
            let l = l.split(';').next()?.trim_end();
            let v = l.strip_suffix(&tail)?.rsplit(' ').next()?;
            let def = format!("{v} = ");
            let c = clif
                .lines()
                .any(|d| d.trim().starts_with(&def) && d.contains("iconst"));
            Some((v.to_string(), c))
        })
        .collect()
}

/// Each branch form leaves the region with CR0 of the last compare (taken
/// at the first, a middle and the last word) and, where no word matches,
/// faults after the retry with the interpreter's CR0; the compiled region's
/// exits store the tested flag as a constant.
#[test]
fn branches_decide_cr0_on_their_edges() {
    let env = Env::new(true);
    for test in [Test::Eq, Test::EqZero, Test::NotGt, Test::NotLt] {
        let blocks = scan_loop(test);
        let blocks = [&blocks[0], &blocks[1]];
        let mut j = cr_jit();
        let region = j.compile(&blocks).expect("compiles");
        let clif = LAST_CLIF.with(|c| c.borrow().clone());
        // The tested flag: its exits store a constant, not the compare
        // (whose value would live past the branch, round the loop).
        let q = match test {
            Test::Eq => 2,
            Test::EqZero | Test::NotGt => 1,
            Test::NotLt => 0,
        };
        let stores = stored_at(&clif, offset_of!(TState, f) + q);
        assert!(
            !stores.is_empty(),
            "{test:?}: no store of the flag:\n{clif}"
        );
        assert!(
            stores.iter().all(|(_, c)| *c),
            "{test:?}: {stores:?} not constants:\n{clif}"
        );
        for (words, key) in [
            (&[7u64, 9, 12][..], 12),
            (&[12, 3, 5][..], 12),
            (&[1, 2, 3, 40, 5][..], 40),
            (&[u64::MAX, 0, 1][..], 0),
        ] {
            let s = run_both(&region, &blocks, &env, words, key);
            // Where the key is found the loop leaves the region at it;
            // the zero key is found in one of these only.
            let found = match test {
                Test::Eq => Some(true),
                Test::EqZero => Some(words.contains(&0)),
                _ => None,
            };
            match found {
                Some(true) => assert_eq!((s.pc, s.f[..3].to_vec()), (0x1200, vec![0, 0, 1])),
                Some(false) => assert_eq!((s.pc, s.f[..3].to_vec()), (0x1000, vec![0, 1, 0])),
                None => {}
            }
        }
        // No word matches (`beq`) or every word is below the key (`ble`
        // and `bge` leave at the first word above or not below): the load
        // past the last word faults, retried from the loop.
        for (words, key) in [(&[1u64, 2, 3][..], 99), (&[5, 6, 7][..], u64::MAX)] {
            let s = run_both(&region, &blocks, &env, words, key);
            let last = match test {
                Test::NotGt => continue,
                Test::EqZero => [0, 1, 0],
                _ => [1, 0, 0],
            };
            assert_eq!(s.pc, 0x1000, "{test:?}: faulted at the load");
            assert_eq!(s.f[..3], last, "{test:?}: CR0 of the last compare");
        }
    }
}

/// How [`nzcv_loop`]'s block tests its flags (the AArch64 frontend's
/// forms).
#[derive(Copy, Clone, Debug)]
enum Nzcv {
    /// `cmp x3, x5; b.eq` (leaves where equal): the branch on Z.
    Eq,
    /// `cmp x3, x5; b.ne` (loops while not equal): `a != b`, leaving on
    /// its not-taken edge.
    Ne,
    /// `tst x3, x5; b.eq`: N, Z of `x3 & x5`, C = V = 0.
    Tst,
}

/// A search loop over N, Z, C, V: block 0x1000 loads `r3 = [r1]`, sets
/// the flags of `r3 - r5` (or of `r3 & r5`) and leaves the region
/// (0x1200) where `test` finds equality (or a zero `and`); block 0x1100
/// steps `r1` and jumps back.
fn nzcv_loop(test: Nzcv) -> [Block; 2] {
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    ld(&mut b, 3, 1);
    b.insn_start(0x1004);
    let a = b.get(r(3));
    let k = b.get(r(5));
    let (cond, taken, not_taken) = match test {
        Nzcv::Eq | Nzcv::Ne => {
            super::lazy_flags::sub_flags(&mut b, a, k, Type::I64);
            b.insn_start(0x1008);
            match test {
                Nzcv::Eq => (b.icmp(Cond::Eq, a, k), 0x1200, 0x1100),
                _ => (b.icmp(Cond::Ne, a, k), 0x1100, 0x1200),
            }
        }
        Nzcv::Tst => {
            let x = b.and(a, k);
            let zero = b.iconst(Type::I64, 0);
            let n = b.icmp(Cond::Slt, x, zero);
            let z = b.icmp(Cond::Eq, x, zero);
            let f = b.iconst(Type::I8, 0);
            b.set(r(11), n);
            b.set(r(12), z);
            b.set(r(13), f);
            b.set(r(14), f);
            b.insn_start(0x1008);
            let zero = b.iconst(Type::I64, 0);
            (b.icmp(Cond::Eq, x, zero), 0x1200, 0x1100)
        }
    };
    b.terminate(Terminal::Branch {
        cond,
        taken,
        not_taken,
    });
    let scan = b.finish();
    let mut b = Builder::new(&LAYOUT, 0x1100);
    b.insn_start(0x1100);
    addk(&mut b, 1, 1, 8);
    b.terminate(Terminal::Jump(0x1000));
    [scan, b.finish()]
}

/// On the edge where a compare found its operands equal (or a `tst` a
/// zero `and`), N and V are known as well as Z and C: the exit writes
/// all four as one constant 32-bit store (`N = 0, Z = 1, C = 1, V = 0`,
/// or `0, 1, 0, 0` after `tst`), and the state at every exit, retry and
/// fault is the interpreter's, signed overflows of the compares included.
#[test]
fn equal_operands_decide_all_four_flags() {
    let env = Env::new(true);
    for test in [Nzcv::Eq, Nzcv::Ne, Nzcv::Tst] {
        let blocks = nzcv_loop(test);
        let blocks = [&blocks[0], &blocks[1]];
        let mut j = jit(true);
        let region = j.compile(&blocks).expect("compiles");
        let clif = LAST_CLIF.with(|c| c.borrow().clone());
        let word: u32 = match test {
            Nzcv::Tst => 0x0000_0100,
            _ => 0x0001_0100,
        };
        let words = stored_at(&clif, offset_of!(TState, f));
        let def = |v: &str| {
            clif.lines()
                .find(|d| d.trim().starts_with(&format!("{v} = ")))
                .unwrap_or("")
                .to_string()
        };
        // `vN = iconst.i32 0x0001_0100` (Cranelift's hex with `_`).
        let const_i32 = |d: &str| {
            let x = d.split("iconst.i32 ").nth(1)?.split_whitespace().next()?;
            let x = x.replace('_', "");
            match x.strip_prefix("0x") {
                Some(h) => u32::from_str_radix(h, 16).ok(),
                None => x.parse().ok(),
            }
        };
        assert!(
            words
                .iter()
                .any(|(v, c)| *c && const_i32(&def(v)) == Some(word)),
            "{test:?}: no 32-bit store of {word:#x} at the flags: {words:?}\n{clif}"
        );
        let key = match test {
            Nzcv::Tst => 0xff,
            _ => 12,
        };
        for (words, key) in [
            (&[7u64, 9, 12][..], key),
            (&[12, 3, 5][..], key),
            (
                &[0x8000_0000_0000_0000, 1, 0x7fff_ffff_ffff_ffff][..],
                0x7fff_ffff_ffff_ffff,
            ),
            (
                &[1, 0x8000_0000_0000_0000, 0x100][..],
                0x8000_0000_0000_0000,
            ),
            (&[u64::MAX, 0x300, 1][..], 0x300),
        ] {
            let s = run_both(&region, &blocks, &env, words, key);
            if s.pc == 0x1200 {
                let f = if matches!(test, Nzcv::Tst) {
                    [0, 1, 0, 0]
                } else {
                    [0, 1, 1, 0]
                };
                assert_eq!(s.f, f, "{test:?} {words:x?} {key:#x}");
            }
        }
        // No word matches: the load past the last word faults, retried
        // from the loop, with the flags of the last compare.
        for (words, key) in [
            (&[1u64, 2, 3][..], 99),
            (&[5, 0x8000_0000_0000_0000][..], 1),
        ] {
            let s = run_both(&region, &blocks, &env, words, key);
            if !matches!(test, Nzcv::Tst) {
                assert_eq!(s.pc, 0x1000, "{test:?}: faulted at the load");
            }
        }
    }
}
