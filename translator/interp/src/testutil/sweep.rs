//! The decoder-against-disassembler sweep both frontends' `capstone_sweep`
//! tests run: for every decode-table row, words with random don't-care
//! bits, plus random words, are classified by the frontend (decoded /
//! Undefined) and by a disassembler (mnemonic / invalid). Disagreements
//! must be listed in an exceptions text (`KIND ROW MNEMONIC # reason`, KIND
//! one of `undef` (xlat Undefined, the disassembler decodes MNEMONIC),
//! `invalid` (xlat decodes, the disassembler rejects; MNEMONIC is `-`) or
//! `mnemonic` (MNEMONIC is not one the row lists); ROW or MNEMONIC may be
//! `*`).

use std::collections::BTreeMap;
use xlat_ir::decode::Row;

/// What a frontend's sweep test supplies.
pub struct Sweep<'a, F: 'static> {
    /// The decode table.
    pub table: &'static [Row<F>],
    /// The table's decoder.
    pub decode: &'a dyn Fn(u32) -> Option<&'static Row<F>>,
    /// True if the frontend translates the word (not Undefined).
    pub ours: &'a dyn Fn(u32) -> bool,
    /// The disassembler's mnemonic for the word (normalized as the
    /// exceptions list spells it), `None` if it rejects the word.
    pub theirs: &'a dyn Fn(u32) -> Option<String>,
    /// True if a mnemonic is one of a row's `mnemonics`.
    pub listed: &'a dyn Fn(&str, &str) -> bool,
    /// The exceptions list.
    pub exceptions: &'a str,
    /// Random fills per row.
    pub per_row: u32,
    /// Random words in all.
    pub random: u32,
}

struct Rule<'t> {
    kind: &'t str,
    row: &'t str,
    mnem: &'t str,
}

#[derive(Default)]
struct Counts {
    words: u32,
    decoded: u32,
    agreed: u32,
    listed: u32,
}

/// Runs the sweep, prints a table of counts per row and the exceptions
/// never used, and panics listing every disagreement the exceptions do
/// not cover.
pub fn run<F>(s: &Sweep<'_, F>) {
    let rules: Vec<Rule<'_>> = s
        .exceptions
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 3, "bad exception line: {l}");
            Rule {
                kind: f[0],
                row: f[1],
                mnem: f[2],
            }
        })
        .collect();
    let mut used = vec![false; rules.len()];
    let mut counts: BTreeMap<&'static str, Counts> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut check = |w: u32| {
        let Some(row) = (s.decode)(w) else { return };
        let ours = (s.ours)(w);
        let theirs = (s.theirs)(w);
        let cnt = counts.entry(row.name).or_default();
        cnt.words += 1;
        cnt.decoded += ours as u32;
        let problem = match (theirs, ours) {
            (None, false) => None,
            (Some(m), true) if (s.listed)(row.mnemonics, &m) => None,
            (Some(m), true) => Some(("mnemonic", m)),
            (Some(m), false) => Some(("undef", m)),
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
    // xorshift64, fixed seed: the same words every run.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 16) as u32
    };
    for row in s.table {
        for _ in 0..s.per_row {
            check((next() & !row.mask) | row.bits);
        }
    }
    for _ in 0..s.random {
        check(next());
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
