//! VMX crypto instructions (Power ISA 2.07, Book I chapter 6.11): AES
//! rounds (vcipher, vcipherlast, vncipher, vncipherlast, vsbox), the
//! polynomial multiply-sums (vpmsumb/h/w/d) and the SHA-2 sigma functions
//! (vshasigmaw/d). The AES and carry-less primitives come from
//! `xlat-hostcrypto` (AES-NI / PCLMULQDQ on the host when present).
//!
//! The AES state is the vector's bytes in the ISA's order (byte 0 = the
//! most significant byte of the `u128` here), which is the FIPS-197 state
//! order; the primitives take it in memory order, so the vectors are
//! byte-reversed on the way in and out.

use xlat_hostcrypto as hc;

/// vcipher: one AES encryption round with round key `k`.
pub fn vcipher(s: u128, k: u128) -> u128 {
    hc::enc(s.swap_bytes(), k.swap_bytes()).swap_bytes()
}

/// vcipherlast: the final AES encryption round (no MixColumns).
pub fn vcipherlast(s: u128, k: u128) -> u128 {
    hc::enc_last(s.swap_bytes(), k.swap_bytes()).swap_bytes()
}

/// vncipher: InvShiftRows, InvSubBytes, AddRoundKey, InvMixColumns (the
/// key is added before InvMixColumns, unlike AESDEC).
pub fn vncipher(s: u128, k: u128) -> u128 {
    hc::inv_mix_columns(hc::dec_last(s.swap_bytes(), k.swap_bytes())).swap_bytes()
}

/// vncipherlast: InvShiftRows, InvSubBytes, AddRoundKey.
pub fn vncipherlast(s: u128, k: u128) -> u128 {
    hc::dec_last(s.swap_bytes(), k.swap_bytes()).swap_bytes()
}

/// vsbox: SubBytes.
pub fn vsbox(s: u128) -> u128 {
    hc::sub_bytes(s.swap_bytes()).swap_bytes()
}

/// vpmsum{b,h,w,d} for `w`-bit elements: result element `j` (of width
/// `2w`) is the XOR of the carry-less products of elements `2j` and
/// `2j + 1` of `a` and `b`.
pub fn vpmsum(a: u128, b: u128, w: u32) -> u128 {
    let n = 128 / w;
    let m = if w == 64 { u64::MAX } else { (1u64 << w) - 1 };
    // Element i (ISA order) of width w.
    let el = |v: u128, i: u32| ((v >> (w * (n - 1 - i))) as u64) & m;
    (0..n / 2).fold(0u128, |acc, j| {
        let p = hc::clmul64(el(a, 2 * j), el(b, 2 * j))
            ^ hc::clmul64(el(a, 2 * j + 1), el(b, 2 * j + 1));
        if w == 64 { p } else { (acc << (2 * w)) | p }
    })
}

/// vshasigmaw (`w` = 32) / vshasigmad (`w` = 64): `st` selects the
/// message-schedule sigmas (0) or the round Sigmas (1), bit `i` of `six`
/// (ISA numbering of the 4-bit field) lower- or upper-case sigma 0/1 for
/// element `i` (vshasigmad uses bits 0 and 2).
pub fn vshasigma(a: u128, st: bool, six: u32, w: u32) -> u128 {
    let n = 128 / w;
    (0..n).fold(0u128, |acc, i| {
        let sh = w * (n - 1 - i);
        let sel = if w == 32 {
            six >> (3 - i) & 1
        } else {
            six >> (3 - 2 * i) & 1
        };
        let r = if w == 32 {
            let x = (a >> sh) as u32;
            (match (st, sel) {
                (false, 0) => x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3),
                (false, _) => x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10),
                (true, 0) => x.rotate_right(2) ^ x.rotate_right(13) ^ x.rotate_right(22),
                (true, _) => x.rotate_right(6) ^ x.rotate_right(11) ^ x.rotate_right(25),
            }) as u128
        } else {
            let x = (a >> sh) as u64;
            (match (st, sel) {
                (false, 0) => x.rotate_right(1) ^ x.rotate_right(8) ^ (x >> 7),
                (false, _) => x.rotate_right(19) ^ x.rotate_right(61) ^ (x >> 6),
                (true, 0) => x.rotate_right(28) ^ x.rotate_right(34) ^ x.rotate_right(39),
                (true, _) => x.rotate_right(14) ^ x.rotate_right(18) ^ x.rotate_right(41),
            }) as u128
        };
        acc | r << sh
    })
}

/// The crypto instruction with VX-form extended opcode `xo` on `va`,
/// `vb` (`st_six` = the VRB field for vshasigma), or `None`.
pub fn exec(xo: u32, va: u128, vb: u128, st_six: u32) -> Option<u128> {
    Some(match xo {
        1288 => vcipher(va, vb),
        1289 => vcipherlast(va, vb),
        1352 => vncipher(va, vb),
        1353 => vncipherlast(va, vb),
        1480 => vsbox(va),
        1032 => vpmsum(va, vb, 8),
        1096 => vpmsum(va, vb, 16),
        1160 => vpmsum(va, vb, 32),
        1224 => vpmsum(va, vb, 64),
        1666 | 1730 => {
            let w = if xo == 1666 { 32 } else { 64 };
            vshasigma(va, st_six & 16 != 0, st_six & 15, w)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn be(s: &str) -> u128 {
        u128::from_str_radix(s, 16).unwrap()
    }

    #[test]
    fn aes128_encrypt_decrypt_fips197_c1() {
        // FIPS-197 appendix C.1: key 000102..0f, plaintext 00112233..ff.
        let key = be("000102030405060708090a0b0c0d0e0f");
        let pt = be("00112233445566778899aabbccddeeff");
        let ct = be("69c4e0d86a7b0430d8cdb78070b4c55a");
        // Key expansion (FIPS-197 5.2) on the ISA-order words.
        let mut w = [0u32; 44];
        for (i, x) in w.iter_mut().take(4).enumerate() {
            *x = (key >> (96 - 32 * i)) as u32;
        }
        let sbox_word = |x: u32| (vsbox((x as u128) << 96) >> 96) as u32;
        let mut rcon = 1u32;
        for i in 4..44 {
            let mut t = w[i - 1];
            if i % 4 == 0 {
                t = sbox_word(t.rotate_left(8)) ^ (rcon << 24);
                rcon = (rcon << 1) ^ if rcon & 0x80 != 0 { 0x11b } else { 0 };
            }
            w[i] = w[i - 4] ^ t;
        }
        let rk = |r: usize| (0..4).fold(0u128, |acc, j| (acc << 32) | w[4 * r + j] as u128);
        let mut s = pt ^ rk(0);
        for r in 1..10 {
            s = vcipher(s, rk(r));
        }
        s = vcipherlast(s, rk(10));
        assert_eq!(s, ct);
        // vncipher takes the encryption round keys in reverse order.
        let mut d = s ^ rk(10);
        for r in (1..10).rev() {
            d = vncipher(d, rk(r));
        }
        d = vncipherlast(d, rk(0));
        assert_eq!(d, pt);
    }

    #[test]
    fn pmsum_pairs_elements() {
        // vpmsumd: (x+1)*(x+1) ^ 1*1 in the two doublewords.
        assert_eq!(vpmsum(3u128 << 64 | 1, 3u128 << 64 | 1, 64), 0b101 ^ 1);
        // vpmsumw: each doubleword gets the two word products' XOR.
        let a = (1u128 << 96) | (1u128 << 64) | (2 << 32) | 3;
        let b = (1u128 << 96) | (1u128 << 64) | (3 << 32) | 3;
        // Doubleword 0: 1*1 ^ 1*1 = 0; doubleword 1: 2*3 ^ 3*3.
        assert_eq!(vpmsum(a, b, 32), 0b110 ^ 0b101);
    }

    #[test]
    fn sha256_sigmas() {
        let x: u32 = 0x6a09_e667;
        let v = (x as u128) * 0x0000_0001_0000_0001_0000_0001_0000_0001;
        let r = vshasigma(v, false, 0b0101, 32);
        let s0 = x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3);
        let s1 = x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10);
        assert_eq!(r >> 96, s0 as u128);
        assert_eq!((r >> 64) as u32, s1);
        assert_eq!(r as u32, s1);
    }
}
