//! Decoder agreement with capstone: for every decode-table row, words with
//! random don't-care bits, plus a random sample of all 2^32 words that fall
//! in an implemented class, are classified by xlat (decoded / Undefined)
//! and by capstone (mnemonic / invalid); disagreements must be listed in
//! `tests/capstone_exceptions.txt` (format: `xlat_interp::testutil::sweep`).

use capstone::prelude::*;
use xlat_frontend_aarch64::decode::{Insn, TABLE, decode};
use xlat_frontend_aarch64::translate::Ctx;
use xlat_frontend_aarch64::{InsnOutcome, LAYOUT, translate_insn};
use xlat_interp::testutil::sweep::{Sweep, run};
use xlat_ir::Builder;

fn xlat(w: u32) -> bool {
    let mut c = Ctx::new(Builder::new(&LAYOUT, 0x1000), 0x1000);
    matches!(translate_insn(&mut c, w), InsnOutcome::Decoded(_))
}

/// `b.cond` prints as `b.eq`, `b.ne`, ...: the rows list `b`.
fn normalize(m: &str) -> &str {
    if m.starts_with("b.") { "b" } else { m }
}

#[test]
fn decoder_agrees_with_capstone() {
    let cs = Capstone::new()
        .arm64()
        .mode(arch::arm64::ArchMode::Arm)
        .build()
        .expect("capstone");
    let theirs = |w: u32| {
        let insns = cs.disasm_count(&w.to_le_bytes(), 0x1000, 1).ok()?;
        let m = insns.iter().next()?.mnemonic()?.to_owned();
        Some(normalize(&m).to_owned())
    };
    run(&Sweep {
        table: TABLE,
        decode: &|w| decode(Insn(w)),
        ours: &xlat,
        theirs: &theirs,
        listed: &|row, m| row.split(' ').any(|x| x == m),
        exceptions: include_str!("capstone_exceptions.txt"),
        per_row: 3000,
        random: 300_000,
    });
}
