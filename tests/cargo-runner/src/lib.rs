//! A small library whose unit tests `tests/tests/cargo_runner.rs` cross-builds
//! for `aarch64-unknown-linux-gnu` and runs with `xlat-aarch64` as Cargo's
//! target runner.

use std::collections::HashMap;

/// Greatest common divisor (Euclid).
pub fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Word frequencies of a text, counting words separated by whitespace.
pub fn word_counts(text: &str) -> HashMap<&str, usize> {
    let mut m = HashMap::new();
    for w in text.split_whitespace() {
        *m.entry(w).or_insert(0) += 1;
    }
    m
}

/// The `n`-th Fibonacci number with wrapping 128-bit arithmetic.
pub fn fib(n: u32) -> u128 {
    let (mut a, mut b) = (0u128, 1u128);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_math() {
        assert_eq!(gcd(1071, 462), 21);
        assert_eq!(gcd(0, 9), 9);
        assert_eq!(fib(10), 55);
        assert_eq!(fib(150), 9969216677189303386214405760200);
        assert_eq!(i64::MIN.wrapping_div(-1), i64::MIN);
        assert_eq!((-7i32).rem_euclid(3), 2);
        assert_eq!(u64::MAX.count_ones(), 64);
        assert_eq!(0x1234_5678_9abc_def0u64.swap_bytes(), 0xf0de_bc9a_7856_3412);
    }

    #[test]
    fn floats() {
        let x: f64 = 2.0;
        assert!((x.sqrt() * x.sqrt() - 2.0).abs() < 1e-15);
        assert_eq!((0.1f64 + 0.2).to_bits(), 0x3fd3_3333_3333_3334);
        assert_eq!(format!("{:.3}", std::f64::consts::PI), "3.142");
        assert_eq!("-12.5e1".parse::<f32>(), Ok(-125.0));
    }

    #[test]
    fn hash_map() {
        let m = word_counts("the cat and the hat and the bat");
        assert_eq!(m["the"], 3);
        assert_eq!(m["and"], 2);
        assert_eq!(m.get("dog"), None);
        let mut keys: Vec<_> = m.keys().copied().collect();
        keys.sort_unstable();
        assert_eq!(keys, ["and", "bat", "cat", "hat", "the"]);
    }

    #[test]
    fn strings_and_sorting() {
        let mut v: Vec<String> = (0..100).map(|i| format!("item{:03}", (i * 37) % 100)).collect();
        v.sort();
        assert_eq!(v[0], "item000");
        assert_eq!(v[99], "item099");
        assert_eq!("Grüße".to_uppercase(), "GRÜSSE");
    }

    #[test]
    fn processes() {
        use std::process::Command;
        // std spawns with posix_spawn (a vfork): a missing program is an
        // error of `spawn`, reported through the memory the child shares,
        // not a child that exits with 127.
        let e = Command::new("xlat-cargo-runner-no-such-program")
            .spawn()
            .unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
        let o = Command::new("/bin/sh")
            .args(["-c", "echo hi; exit 3"])
            .output()
            .unwrap();
        assert_eq!(o.stdout, b"hi\n");
        assert_eq!(o.status.code(), Some(3));
    }

    #[test]
    #[should_panic(expected = "index out of bounds")]
    fn panics_are_caught() {
        let v = [1, 2, 3];
        let i = v.len() + usize::from(v[0] == 1);
        let _ = v[i];
    }
}
