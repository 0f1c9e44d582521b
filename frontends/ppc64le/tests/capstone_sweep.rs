//! Decoder agreement with capstone: for every decode-table row, words with
//! random don't-care bits, plus a random sample of all 2^32 words that fall
//! in an implemented class, are classified by xlat (decoded / Undefined)
//! and by capstone (mnemonic / invalid). Disagreements must be listed in
//! `tests/capstone_exceptions.txt` (`KIND ROW MNEMONIC # reason`, KIND one
//! of `undef` (xlat Undefined, capstone decodes MNEMONIC), `invalid`
//! (xlat decodes, capstone rejects; MNEMONIC is `-`) or `mnemonic` (capstone's
//! MNEMONIC is not one the row lists); ROW may be `*`).

use capstone::prelude::*;
use std::collections::BTreeMap;
use xlat_frontend_ppc64le::decode::{Insn, TABLE, decode};
use xlat_frontend_ppc64le::translate::Ctx;
use xlat_frontend_ppc64le::{InsnOutcome, LAYOUT, translate_insn};
use xlat_ir::Builder;

struct Rule {
    kind: String,
    row: String,
    mnem: String,
}

fn rules() -> Vec<Rule> {
    let text = include_str!("capstone_exceptions.txt");
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 3, "bad exception line: {l}");
            Rule {
                kind: f[0].into(),
                row: f[1].into(),
                mnem: f[2].into(),
            }
        })
        .collect()
}

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

#[derive(Default)]
struct Counts {
    words: u32,
    decoded: u32,
    agreed: u32,
    listed: u32,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
}

#[test]
fn decoder_agrees_with_capstone() {
    let cs = Capstone::new()
        .ppc()
        .mode(arch::ppc::ArchMode::Mode64)
        .endian(capstone::Endian::Little)
        .build()
        .expect("capstone");
    let rules = rules();
    let mut used = vec![false; rules.len()];
    let mut counts: BTreeMap<&'static str, Counts> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut check = |w: u32| {
        let Some(row) = decode(Insn(w)) else { return };
        let ours = xlat(w);
        let insns = cs.disasm_count(&w.to_le_bytes(), 0x1000, 1);
        let theirs: Option<String> = insns
            .ok()
            .and_then(|v| v.iter().next().and_then(|i| i.mnemonic().map(String::from)));
        let cnt = counts.entry(row.name).or_default();
        cnt.words += 1;
        cnt.decoded += ours as u32;
        let problem = match (&theirs, ours) {
            (None, false) => None,
            (Some(m), true) if listed(row.mnemonics, normalize(m)) => None,
            (Some(m), true) => Some(("mnemonic", normalize(m).to_string())),
            (Some(m), false) => Some(("undef", normalize(m).to_string())),
            (None, true) => Some(("invalid", "-".to_string())),
        };
        let Some((kind, mnem)) = problem else {
            cnt.agreed += 1;
            return;
        };
        let hit = rules.iter().position(|r| {
            r.kind == kind
                && (r.row == "*" || r.row == row.name)
                && (r.mnem == "*" || r.mnem == mnem)
        });
        match hit {
            Some(k) => {
                used[k] = true;
                cnt.listed += 1;
            }
            None => failures.push((kind, row.name, mnem, w)),
        }
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for row in TABLE {
        for _ in 0..3000 {
            check((rng.next() & !row.mask) | row.bits);
        }
    }
    for _ in 0..300_000 {
        check(rng.next());
    }
    println!(
        "{:<22} {:>7} {:>8} {:>7} {:>7}",
        "class", "words", "decoded", "agreed", "listed"
    );
    for (name, c) in &counts {
        println!(
            "{name:<22} {:>7} {:>8} {:>7} {:>7}",
            c.words, c.decoded, c.agreed, c.listed
        );
    }
    for (k, r) in rules.iter().enumerate() {
        if !used[k] {
            println!(
                "note: exception never used: {} {} {}",
                r.kind, r.row, r.mnem
            );
        }
    }
    if !failures.is_empty() {
        let n = failures.len();
        let mut groups: BTreeMap<(&str, &str, String), (u32, u32)> = BTreeMap::new();
        for (kind, row, mnem, w) in failures {
            groups.entry((kind, row, mnem)).or_insert((0, w)).0 += 1;
        }
        let lines: Vec<String> = groups
            .iter()
            .map(|((k, r, m), (n, w))| format!("{k} {r} {m}  ({n} words, e.g. {w:#010x})"))
            .collect();
        panic!("{n} unlisted mismatches:\n{}", lines.join("\n"));
    }
}
