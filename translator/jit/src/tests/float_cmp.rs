//! The complement of a float compare (`lower/float_cmp.rs`): no `bxor`
//! left in the compiled function; every result and the branch's target
//! the interpreter's, NaNs included.

use super::*;

/// `xor(fcmp cc x y, 1)` of each condition (AArch64's `b.pl` after an
/// `fcmp`, and the C flag of `fcmp`) compiles to the complemented
/// compare: no `bxor` is left (before: one per condition). Each result,
/// and a branch on the complement of `lt`, is the interpreter's for
/// ordered, equal, signed zero, infinite and NaN operands in either order
/// (a NaN makes every complement but `uno`'s true).
#[test]
fn float_compare_complements_are_compares() {
    let env = Env::new(true);
    let vals = [
        0.0f64,
        -0.0,
        1.5,
        -2.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    let mut st = Vec::new();
    for a in vals {
        for c in vals {
            let mut s = TState::default();
            (s.r[0], s.r[1]) = (a.to_bits(), c.to_bits());
            st.push(s);
        }
    }
    let mut b = Builder::new(&LAYOUT, 0x1000);
    let x = b.get(r(0));
    let x = b.bitcast(Type::F64, x);
    let y = b.get(r(1));
    let y = b.bitcast(Type::F64, y);
    let one = b.iconst(Type::I8, 1);
    let mut branch = None;
    for (k, c) in [FCond::Lt, FCond::Le, FCond::Eq, FCond::Uno]
        .into_iter()
        .enumerate()
    {
        let f = b.fcmp(c, x, y);
        let n = b.xor(f, one);
        let z = b.zext(Type::I64, n);
        b.set(r(2 + k as u16), z);
        branch.get_or_insert(n);
    }
    b.terminate(Terminal::Branch {
        cond: branch.expect("lt"),
        taken: 0x2000,
        not_taken: 0x3000,
    });
    let blk = b.finish();
    jit(true).compile(&[&blk]).unwrap();
    let clif = LAST_CLIF.with(|c| c.borrow().clone());
    assert!(!clif.contains("bxor"), "{clif}");
    compare(&blk, &st, &env, Cmp::Exact);
}
