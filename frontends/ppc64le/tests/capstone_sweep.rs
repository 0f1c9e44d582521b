//! Decoder agreement with capstone: for every decode-table row, words with
//! random don't-care bits, plus a random sample of all 2^32 words that fall
//! in an implemented class, are classified by xlat (decoded / Undefined)
//! and by capstone (mnemonic / invalid); disagreements must be listed in
//! `tests/capstone_exceptions.txt` (format: `xlat_interp::testutil::sweep`).

use capstone::prelude::*;
use xlat_frontend_ppc64le::decode::{Insn, TABLE, decode};
use xlat_frontend_ppc64le::translate::Ctx;
use xlat_frontend_ppc64le::{InsnOutcome, LAYOUT, translate_insn};
use xlat_interp::testutil::sweep::{Sweep, run};
use xlat_ir::Builder;

fn xlat(w: u32) -> bool {
    let mut c = Ctx::new(Builder::new(&LAYOUT, 0x1000), 0x1000);
    matches!(translate_insn(&mut c, w), InsnOutcome::Decoded(_))
}

/// Capstone's branch-prediction suffixes (`beq+`, `bdnz-`) are dropped.
fn normalize(m: &str) -> &str {
    m.trim_end_matches(['+', '-'])
}

/// True if `m` is one of the row's mnemonics (`b*` = any starting with `b`).
fn listed(row: &str, m: &str) -> bool {
    row.split(' ').any(|x| match x.strip_suffix('*') {
        Some(p) => m.starts_with(p),
        None => x == m,
    })
}

#[test]
fn decoder_agrees_with_capstone() {
    let cs = Capstone::new()
        .ppc()
        .mode(arch::ppc::ArchMode::Mode64)
        .endian(capstone::Endian::Little)
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
        listed: &listed,
        exceptions: include_str!("capstone_exceptions.txt"),
        per_row: 3000,
        random: 300_000,
    });
}
