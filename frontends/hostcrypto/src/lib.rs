//! AES round and carry-less multiply primitives shared by the frontends'
//! crypto helpers, in the form the x86 AES-NI instructions define them
//! (FIPS-197 state, byte `i` of the state = bits `8i..8i+8` of the `u128`,
//! i.e. the state's bytes in memory order, little-endian):
//!
//! - [`enc`] = ShiftRows, SubBytes, MixColumns, then XOR of the round key
//!   (AESENC); [`enc_last`] without MixColumns (AESENCLAST);
//! - [`dec`] = InvShiftRows, InvSubBytes, InvMixColumns, XOR (AESDEC);
//!   [`dec_last`] without InvMixColumns (AESDECLAST);
//! - [`inv_mix_columns`] (AESIMC), [`sub_bytes`];
//! - [`clmul64`]: 64 x 64 -> 128-bit carry-less product (PCLMULQDQ).
//!
//! Each uses the host instruction when `is_x86_feature_detected!` finds it
//! (checked once) and table-driven portable code otherwise; a guest's
//! composition of these (Power's vcipher/vncipher, Arm's AESE/AESD) lives
//! in its frontend.

/// Which accelerated paths the host has.
#[derive(Copy, Clone, Debug, Default)]
pub struct Host {
    /// AES-NI (and SSSE3 for the byte shuffle of [`sub_bytes`]).
    pub aes: bool,
    /// PCLMULQDQ.
    pub clmul: bool,
}

/// The host's accelerated paths (detected once).
pub fn host() -> Host {
    static H: std::sync::OnceLock<Host> = std::sync::OnceLock::new();
    *H.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            Host {
                aes: std::arch::is_x86_feature_detected!("aes")
                    && std::arch::is_x86_feature_detected!("ssse3"),
                clmul: std::arch::is_x86_feature_detected!("pclmulqdq"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        Host::default()
    })
}

/// Portable implementations (also the reference the tests compare the
/// accelerated paths with).
pub mod portable {
    /// Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
    pub fn gmul(a: u8, b: u8) -> u8 {
        let (mut a, mut b, mut r) = (a, b, 0u8);
        while b != 0 {
            if b & 1 != 0 {
                r ^= a;
            }
            a = (a << 1) ^ if a & 0x80 != 0 { 0x1b } else { 0 };
            b >>= 1;
        }
        r
    }

    /// (S-box, inverse S-box), built once from the field inverse and the
    /// affine map of FIPS-197 section 5.1.1.
    pub fn sboxes() -> &'static ([u8; 256], [u8; 256]) {
        static T: std::sync::OnceLock<([u8; 256], [u8; 256])> = std::sync::OnceLock::new();
        T.get_or_init(|| {
            let mut s = [0u8; 256];
            let mut inv = [0u8; 256];
            for (x, sx) in s.iter_mut().enumerate() {
                // x^254 = x^-1 (0 for 0).
                let mut p = 1u8;
                for _ in 0..254 {
                    p = gmul(p, x as u8);
                }
                let b = if x == 0 { 0 } else { p };
                let y = b
                    ^ b.rotate_left(1)
                    ^ b.rotate_left(2)
                    ^ b.rotate_left(3)
                    ^ b.rotate_left(4)
                    ^ 0x63;
                *sx = y;
                inv[y as usize] = x as u8;
            }
            (s, inv)
        })
    }

    /// SubBytes (`inverse`: InvSubBytes).
    pub fn sub_bytes(v: u128, inverse: bool) -> u128 {
        let (s, inv) = sboxes();
        let t = if inverse { inv } else { s };
        u128::from_le_bytes(v.to_le_bytes().map(|b| t[b as usize]))
    }

    /// ShiftRows (`inverse`: InvShiftRows): byte `r + 4c` is row `r`,
    /// column `c`; row `r` rotates left (right) by `r` columns.
    pub fn shift_rows(v: u128, inverse: bool) -> u128 {
        let b = v.to_le_bytes();
        let mut o = [0u8; 16];
        for c in 0..4 {
            for r in 0..4 {
                let src = if inverse {
                    (c + 4 - r) % 4
                } else {
                    (c + r) % 4
                };
                o[r + 4 * c] = b[r + 4 * src];
            }
        }
        u128::from_le_bytes(o)
    }

    /// Multiplies each column by the circulant matrix with first row `m`.
    fn mix(v: u128, m: [u8; 4]) -> u128 {
        let b = v.to_le_bytes();
        let mut o = [0u8; 16];
        for c in 0..4 {
            let col = &b[4 * c..4 * c + 4];
            for r in 0..4 {
                o[4 * c + r] = (0..4).fold(0, |acc, k| acc ^ gmul(m[(k + 4 - r) % 4], col[k]));
            }
        }
        u128::from_le_bytes(o)
    }

    /// MixColumns.
    pub fn mix_columns(v: u128) -> u128 {
        mix(v, [2, 3, 1, 1])
    }

    /// InvMixColumns.
    pub fn inv_mix_columns(v: u128) -> u128 {
        mix(v, [14, 11, 13, 9])
    }

    /// Carry-less product: XOR of `a << i` for every set bit `i` of `b`,
    /// four bits of `b` per step from a 16-entry table of multiples of `a`.
    pub fn clmul64(a: u64, b: u64) -> u128 {
        let mut t = [0u128; 16];
        for k in 1..16 {
            t[k] = if k & 1 != 0 {
                t[k - 1] ^ a as u128
            } else {
                t[k / 2] << 1
            };
        }
        (0..16).rev().fold(0u128, |acc, n| {
            (acc << 4) ^ t[((b >> (4 * n)) & 15) as usize]
        })
    }
}

/// The x86-64 paths, and the conversions between a 128-bit guest register
/// value and an SSE register that other host-instruction helpers share.
#[cfg(target_arch = "x86_64")]
pub mod x86 {
    use std::arch::x86_64::*;

    /// A 128-bit value (element 0 in the low bits) as an SSE vector.
    pub fn to(v: u128) -> __m128i {
        // SAFETY: a u128 and an __m128i are both 16 plain bytes.
        unsafe { std::mem::transmute::<u128, __m128i>(v) }
    }
    /// An SSE vector as a 128-bit value (element 0 in the low bits).
    pub fn from(v: __m128i) -> u128 {
        // SAFETY: as above.
        unsafe { std::mem::transmute::<__m128i, u128>(v) }
    }

    /// # Safety
    /// The host must have AES-NI.
    #[target_feature(enable = "aes")]
    pub unsafe fn enc(v: u128, k: u128, last: bool) -> u128 {
        if last {
            from(_mm_aesenclast_si128(to(v), to(k)))
        } else {
            from(_mm_aesenc_si128(to(v), to(k)))
        }
    }

    /// # Safety
    /// The host must have AES-NI.
    #[target_feature(enable = "aes")]
    pub unsafe fn dec(v: u128, k: u128, last: bool) -> u128 {
        if last {
            from(_mm_aesdeclast_si128(to(v), to(k)))
        } else {
            from(_mm_aesdec_si128(to(v), to(k)))
        }
    }

    /// # Safety
    /// The host must have AES-NI.
    #[target_feature(enable = "aes")]
    pub unsafe fn imc(v: u128) -> u128 {
        from(_mm_aesimc_si128(to(v)))
    }

    /// SubBytes: AESENCLAST with a zero key after undoing its ShiftRows
    /// with a byte shuffle (InvShiftRows).
    ///
    /// # Safety
    /// The host must have AES-NI and SSSE3.
    #[target_feature(enable = "aes,ssse3")]
    pub unsafe fn sub_bytes(v: u128) -> u128 {
        // InvShiftRows as a shuffle: output byte r + 4c takes input byte
        // r + 4((c - r) mod 4).
        let idx = _mm_setr_epi8(0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3);
        let s = _mm_shuffle_epi8(to(v), idx);
        from(_mm_aesenclast_si128(s, _mm_setzero_si128()))
    }

    /// # Safety
    /// The host must have PCLMULQDQ.
    #[target_feature(enable = "pclmulqdq")]
    pub unsafe fn clmul64(a: u64, b: u64) -> u128 {
        let x = _mm_set_epi64x(0, a as i64);
        let y = _mm_set_epi64x(0, b as i64);
        from(_mm_clmulepi64_si128(x, y, 0))
    }
}

/// AESENC: MixColumns(SubBytes(ShiftRows(v))) ^ k.
pub fn enc(v: u128, k: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if host().aes {
        // SAFETY: AES-NI presence was checked at run time.
        return unsafe { x86::enc(v, k, false) };
    }
    portable::mix_columns(portable::sub_bytes(portable::shift_rows(v, false), false)) ^ k
}

/// AESENCLAST: SubBytes(ShiftRows(v)) ^ k.
pub fn enc_last(v: u128, k: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if host().aes {
        // SAFETY: AES-NI presence was checked at run time.
        return unsafe { x86::enc(v, k, true) };
    }
    portable::sub_bytes(portable::shift_rows(v, false), false) ^ k
}

/// AESDEC: InvMixColumns(InvSubBytes(InvShiftRows(v))) ^ k.
pub fn dec(v: u128, k: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if host().aes {
        // SAFETY: AES-NI presence was checked at run time.
        return unsafe { x86::dec(v, k, false) };
    }
    portable::inv_mix_columns(portable::sub_bytes(portable::shift_rows(v, true), true)) ^ k
}

/// AESDECLAST: InvSubBytes(InvShiftRows(v)) ^ k.
pub fn dec_last(v: u128, k: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if host().aes {
        // SAFETY: AES-NI presence was checked at run time.
        return unsafe { x86::dec(v, k, true) };
    }
    portable::sub_bytes(portable::shift_rows(v, true), true) ^ k
}

/// MixColumns alone (Arm's AESMC): AESENC after undoing ShiftRows and
/// SubBytes with AESDECLAST, both with zero keys, on the host.
pub fn mix_columns(v: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if host().aes {
        // SAFETY: AES-NI presence was checked at run time.
        return unsafe { x86::enc(x86::dec(v, 0, true), 0, false) };
    }
    portable::mix_columns(v)
}

/// AESIMC: InvMixColumns.
pub fn inv_mix_columns(v: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if host().aes {
        // SAFETY: AES-NI presence was checked at run time.
        return unsafe { x86::imc(v) };
    }
    portable::inv_mix_columns(v)
}

/// SubBytes alone.
pub fn sub_bytes(v: u128) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if host().aes {
        // SAFETY: AES-NI and SSSE3 presence was checked at run time.
        return unsafe { x86::sub_bytes(v) };
    }
    portable::sub_bytes(v, false)
}

/// 64 x 64 -> 128-bit carry-less product.
pub fn clmul64(a: u64, b: u64) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if host().clmul {
        // SAFETY: PCLMULQDQ presence was checked at run time.
        return unsafe { x86::clmul64(a, b) };
    }
    portable::clmul64(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> u128 {
        // FIPS-197 writes the state bytes in memory order.
        let mut b = [0u8; 16];
        for (i, o) in b.iter_mut().enumerate() {
            *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        u128::from_le_bytes(b)
    }

    #[test]
    fn fips197_appendix_b_first_round() {
        // Appendix B: round 1 start, after SubBytes, ShiftRows,
        // MixColumns, and the round key.
        let start = hex("193de3bea0f4e22b9ac68d2ae9f84808");
        let key = hex("a0fafe1788542cb123a339392a6c7605");
        let next = hex("a49c7ff2689f352b6b5bea43026a5049");
        assert_eq!(enc(start, key), next);
        assert_eq!(
            portable::sub_bytes(start, false),
            hex("d42711aee0bf98f1b8b45de51e415230")
        );
        assert_eq!(sub_bytes(start), hex("d42711aee0bf98f1b8b45de51e415230"));
        // The decryption round undoes it.
        let after_sr = portable::shift_rows(portable::sub_bytes(start, false), false);
        let mixed = portable::mix_columns(after_sr);
        assert_eq!(portable::inv_mix_columns(mixed), after_sr);
        assert_eq!(inv_mix_columns(mixed), after_sr);
        assert_eq!(dec_last(enc_last(start, 0), 0), start);
    }

    #[test]
    fn accelerated_paths_match_portable() {
        let mut x = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210u128;
        for _ in 0..200 {
            x = x.wrapping_mul(0x2545_f491_4f6c_dd1d_9e37_79b9_7f4a_7c15) ^ (x >> 61);
            let k = x.rotate_left(37);
            let p = |v| portable::sub_bytes(portable::shift_rows(v, false), false);
            let q = |v| portable::sub_bytes(portable::shift_rows(v, true), true);
            assert_eq!(enc(x, k), portable::mix_columns(p(x)) ^ k);
            assert_eq!(enc_last(x, k), p(x) ^ k);
            assert_eq!(dec(x, k), portable::inv_mix_columns(q(x)) ^ k);
            assert_eq!(dec_last(x, k), q(x) ^ k);
            assert_eq!(sub_bytes(x), portable::sub_bytes(x, false));
            assert_eq!(mix_columns(x), portable::mix_columns(x));
            assert_eq!(inv_mix_columns(x), portable::inv_mix_columns(x));
            let (a, b) = (x as u64, (x >> 64) as u64);
            assert_eq!(clmul64(a, b), portable::clmul64(a, b));
        }
    }

    #[test]
    fn clmul_small_cases() {
        assert_eq!(portable::clmul64(0b11, 0b11), 0b101);
        assert_eq!(portable::clmul64(u64::MAX, 2), (u64::MAX as u128) << 1);
        assert_eq!(
            portable::clmul64(1 << 63, 1 << 63),
            1u128 << 126,
            "top bits"
        );
    }
}
