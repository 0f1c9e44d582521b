//! Generic decode-table machinery shared by the frontends.
//!
//! A frontend describes its encodings as rows of a table: a bit pattern
//! written as in its architecture manual (`0`/`1` fixed, `x` don't care,
//! spaces and `_` ignored, most significant bit first), a name, a translate
//! function and the capstone mnemonics it may print as. This module provides
//! the pieces every frontend needs around such a table:
//!
//! - [`pattern`]: the pattern string parsed to (mask, bits) at compile time;
//! - [`Row`]: one row, generic over the translate-function type;
//! - [`decode_table!`](crate::decode_table): declares the table from rows;
//! - [`insn_word!`](crate::insn_word): declares the instruction-word newtype
//!   with the bit accessors `bits`/`bit`/`sbits` and named field accessors;
//! - [`Decoder`]: first-match lookup through a bucket index keyed by chosen
//!   instruction bits, built once on first use.
//!
//! Matching is first-match in table order, so where rows overlap the more
//! specific one must be listed first. The index only narrows the rows that
//! are scanned; it never changes which row wins.

use std::sync::OnceLock;

/// Parses a pattern string into (mask, bits) at compile time; panics (a
/// compile error in a const context) on a malformed pattern.
pub const fn pattern(p: &str) -> (u32, u32) {
    let b = p.as_bytes();
    let (mut mask, mut bits, mut n, mut i) = (0u32, 0u32, 0, 0);
    while i < b.len() {
        match b[i] {
            b' ' | b'_' => {}
            c => {
                mask <<= 1;
                bits <<= 1;
                match c {
                    b'0' => mask |= 1,
                    b'1' => {
                        mask |= 1;
                        bits |= 1
                    }
                    b'x' => {}
                    _ => panic!("bad pattern character"),
                }
                n += 1;
            }
        }
        i += 1;
    }
    assert!(n == 32, "pattern must have 32 bits");
    (mask, bits)
}

/// Bits \[hi:lo\] of `w` (LSB-0 numbering).
#[inline]
pub const fn bits(w: u32, hi: u32, lo: u32) -> u32 {
    (w >> lo) & (((1u64 << (hi - lo + 1)) - 1) as u32)
}

/// Sign-extended bits \[hi:lo\] of `w` (LSB-0 numbering).
#[inline]
pub const fn sbits(w: u32, hi: u32, lo: u32) -> i64 {
    let n = hi - lo + 1;
    ((bits(w, hi, lo) as i64) << (64 - n)) >> (64 - n)
}

/// One decode table row; `F` is the frontend's translate-function type.
#[derive(Debug)]
pub struct Row<F> {
    /// Encoding name as in the architecture manual.
    pub name: &'static str,
    /// Bits that are fixed.
    pub mask: u32,
    /// Values of the fixed bits.
    pub bits: u32,
    /// Translate function.
    pub func: F,
    /// Capstone mnemonics (space-separated) this encoding may print as.
    pub mnemonics: &'static str,
}

impl<F> Row<F> {
    /// True if the instruction word matches the row's fixed bits.
    #[inline]
    pub fn matches(&self, word: u32) -> bool {
        word & self.mask == self.bits
    }
}

/// The bucket index: for every key value, the rows that can match.
#[derive(Debug)]
struct Index {
    /// `starts[k]..starts[k + 1]` is key `k`'s slice of `list`.
    starts: Vec<u32>,
    /// Row numbers, grouped by key, in table order within a key.
    list: Vec<u16>,
}

/// A decode table with a lookup index keyed by some instruction bits.
///
/// The key is the concatenation (first field most significant) of the bit
/// ranges `key` names; choose bits that most rows fix. Rows that leave key
/// bits free land in every bucket they are compatible with.
#[derive(Debug)]
pub struct Decoder<F: 'static> {
    rows: &'static [Row<F>],
    key: &'static [(u32, u32)],
    index: OnceLock<Index>,
}

impl<F: 'static> Decoder<F> {
    /// A decoder over `rows` keyed by the bit ranges `key` (each `(hi, lo)`,
    /// LSB-0 numbering); at most 20 key bits in all.
    pub const fn new(rows: &'static [Row<F>], key: &'static [(u32, u32)]) -> Self {
        Decoder {
            rows,
            key,
            index: OnceLock::new(),
        }
    }

    /// The rows, in priority order.
    pub fn rows(&self) -> &'static [Row<F>] {
        self.rows
    }

    /// The key of a word or of a row's (mask, bits).
    fn key_of(&self, w: u32) -> usize {
        self.key.iter().fold(0usize, |k, &(hi, lo)| {
            (k << (hi - lo + 1)) | bits(w, hi, lo) as usize
        })
    }

    fn key_bits(&self) -> u32 {
        self.key.iter().map(|&(hi, lo)| hi - lo + 1).sum()
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let n = self.key_bits();
            assert!(n <= 20, "decode key too wide");
            let size = 1usize << n;
            // Two passes over every (row, bucket) pair: count, then place
            // (no vector per bucket: building the index is start-up time).
            let each = |f: &mut dyn FnMut(usize, u16)| {
                for (i, r) in self.rows.iter().enumerate() {
                    let (km, kb) = (self.key_of(r.mask), self.key_of(r.bits & r.mask));
                    let free = !km & (size - 1);
                    // Enumerate every subset of the free key bits.
                    let mut sub = 0usize;
                    loop {
                        f(kb | sub, i as u16);
                        if sub == free {
                            break;
                        }
                        sub = (sub.wrapping_sub(free)) & free;
                    }
                }
            };
            let mut starts = vec![0u32; size + 1];
            each(&mut |k, _| starts[k + 1] += 1);
            for k in 0..size {
                starts[k + 1] += starts[k];
            }
            let mut next = starts.clone();
            let mut list = vec![0u16; starts[size] as usize];
            each(&mut |k, i| {
                list[next[k] as usize] = i;
                next[k] += 1;
            });
            Index { starts, list }
        })
    }

    /// Finds the first row matching `word`, or `None` (unallocated or not
    /// implemented).
    pub fn decode(&self, word: u32) -> Option<&'static Row<F>> {
        let idx = self.index();
        let k = self.key_of(word);
        let (s, e) = (idx.starts[k] as usize, idx.starts[k + 1] as usize);
        let rows = self.rows;
        idx.list[s..e]
            .iter()
            .map(|&i| &rows[i as usize])
            .find(|r| r.matches(word))
    }
}

/// Declares a decode table: a `static` slice of [`Row`]s from lines of the
/// form `NAME "pattern" => translate_fn, "capstone mnemonics";`.
///
/// ```
/// fn f(_: u32) {}
/// xlat_ir::decode_table! {
///     /// The table.
///     pub static TABLE: [fn(u32)];
///     ONE "0000 0000 0000 0000 0000 0000 0000 0001" => f, "one";
/// }
/// assert_eq!(TABLE[0].mask, 0xffff_ffff);
/// ```
#[macro_export]
macro_rules! decode_table {
    (
        $(#[$m:meta])* $vis:vis static $table:ident: [$f:ty];
        $($name:ident $pat:literal => $func:path, $mn:literal;)*
    ) => {
        $(#[$m])*
        $vis static $table: &[$crate::decode::Row<$f>] = &[$(
            $crate::decode::Row {
                name: stringify!($name),
                mask: $crate::decode::pattern($pat).0,
                bits: $crate::decode::pattern($pat).1,
                func: $func,
                mnemonics: $mn,
            },
        )*];
    };
}

/// Declares an instruction-word newtype (`struct Name(pub u32)`) with the
/// generic accessors `bits(hi, lo)`, `bit(n)`, `sbits(hi, lo)` (LSB-0
/// numbering) and one accessor per named field `name: hi..lo;`.
///
/// ```
/// xlat_ir::insn_word! {
///     /// A word.
///     pub struct W;
///     /// Low nibble.
///     lo: 3..0;
/// }
/// assert_eq!(W(0xfa).lo(), 0xa);
/// assert_eq!(W(0xfa).sbits(7, 4), -1);
/// ```
#[macro_export]
macro_rules! insn_word {
    (
        $(#[$m:meta])* $vis:vis struct $ty:ident;
        $($(#[doc = $d:literal])* $name:ident: $hi:literal..$lo:literal;)*
    ) => {
        $(#[$m])*
        #[derive(Copy, Clone, PartialEq, Eq, Debug)]
        $vis struct $ty(pub u32);

        impl $ty {
            /// Bits \[hi:lo\] (LSB-0 numbering).
            #[inline]
            pub fn bits(self, hi: u32, lo: u32) -> u32 {
                $crate::decode::bits(self.0, hi, lo)
            }

            /// Bit `n` (LSB-0 numbering) as bool.
            #[inline]
            pub fn bit(self, n: u32) -> bool {
                (self.0 >> n) & 1 != 0
            }

            /// Sign-extended bits \[hi:lo\] (LSB-0 numbering).
            #[inline]
            pub fn sbits(self, hi: u32, lo: u32) -> i64 {
                $crate::decode::sbits(self.0, hi, lo)
            }

            $(
                $(#[doc = $d])*
                #[inline]
                pub fn $name(self) -> u32 {
                    (self.0 >> $lo) & ((1u32 << ($hi - $lo + 1)) - 1)
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(_: u32) -> u32 {
        1
    }
    fn b(_: u32) -> u32 {
        2
    }
    fn c(_: u32) -> u32 {
        3
    }

    crate::decode_table! {
        static T: [fn(u32) -> u32];
        SPECIFIC "1111 0000 xxxx xxxx xxxx xxxx xxxx xxx1" => a, "a";
        GENERAL  "1111 xxxx xxxx xxxx xxxx xxxx xxxx xxxx" => b, "b";
        OTHER    "0x1x xxxx xxxx xxxx xxxx xxxx xxxx xxx0" => c, "c";
    }

    static D1: Decoder<fn(u32) -> u32> = Decoder::new(T, &[(31, 24)]);
    static D2: Decoder<fn(u32) -> u32> = Decoder::new(T, &[(31, 28), (3, 0)]);

    #[test]
    fn pattern_parses() {
        let (m, b) = pattern("1x0100010xxxxxxxxxxxxxxxxxxxxxxx");
        assert_eq!(m, 0xbf80_0000);
        assert_eq!(b, 0x9100_0000 & 0xbf80_0000);
        assert_eq!(
            pattern("0000_0000 0000 0000 0000 0000 0000 001x"),
            (0xffff_fffe, 2)
        );
    }

    #[test]
    fn bit_helpers() {
        assert_eq!(bits(0xdead_beef, 31, 16), 0xdead);
        assert_eq!(bits(0xdead_beef, 31, 0), 0xdead_beef);
        assert_eq!(sbits(0x0000_8000, 15, 0), -32768);
        assert_eq!(sbits(0x0000_7fff, 15, 0), 32767);
    }

    #[test]
    fn first_match_wins_through_the_index() {
        for d in [&D1, &D2] {
            assert_eq!(d.decode(0xf000_0001).map(|r| r.name), Some("SPECIFIC"));
            assert_eq!(d.decode(0xf000_0000).map(|r| r.name), Some("GENERAL"));
            assert_eq!(d.decode(0xf100_0001).map(|r| r.name), Some("GENERAL"));
            assert_eq!(d.decode(0x2000_0000).map(|r| r.name), Some("OTHER"));
            assert_eq!(d.decode(0x6abc_0000).map(|r| r.name), Some("OTHER"));
            assert!(d.decode(0x2000_0001).is_none());
            assert!(d.decode(0x0000_0000).is_none());
            assert_eq!((d.decode(0x7000_0000).unwrap().func)(0), 3);
        }
    }

    #[test]
    fn index_agrees_with_linear_scan() {
        let mut x = 0x1234_5678u32;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let lin = T.iter().find(|r| r.matches(x)).map(|r| r.name);
            assert_eq!(D1.decode(x).map(|r| r.name), lin, "{x:#010x}");
            assert_eq!(D2.decode(x).map(|r| r.name), lin, "{x:#010x}");
        }
    }
}
