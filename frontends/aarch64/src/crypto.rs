//! The cryptographic extension: AES, SHA-1, SHA-256, SHA-512, SHA-3
//! (EOR3/RAX1/XAR/BCAX), SM3, SM4 and PMULL, executed by one helper per
//! instruction. SM4 uses one 256-entry table per linear transform (S-box
//! and L combined), built at compile time.
//!
//! AES and PMULL use the primitives of `xlat-hostcrypto` (shared with the
//! PowerPC frontend: host AES-NI/PCLMULQDQ when present); SHA-256 rounds
//! use the host's SHA-NI when `is_x86_feature_detected!` finds it (checked
//! once and cached), with a portable Rust implementation as the fallback
//! and the reference the tests compare the accelerated path with.

use crate::decode::Insn;
use crate::state::Aarch64State;
use crate::translate::Undef;
use std::sync::OnceLock;
use xlat_ir::decode::pattern;

macro_rules! is {
    ($w:expr, $p:literal) => {{
        const P: (u32, u32) = pattern($p);
        $w & P.0 == P.1
    }};
}

/// Host features used by the accelerated paths of this module.
#[derive(Copy, Clone, Debug, Default)]
pub struct HostCrypto {
    /// SHA-NI (with SSE4.1).
    pub sha: bool,
}

/// The host's crypto features, detected once.
pub fn host() -> HostCrypto {
    static H: OnceLock<HostCrypto> = OnceLock::new();
    *H.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            HostCrypto {
                sha: std::arch::is_x86_feature_detected!("sha")
                    && std::arch::is_x86_feature_detected!("sse4.1"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        HostCrypto::default()
    })
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;
    use xlat_hostcrypto::x86::{from, to};

    /// Four SHA-256 rounds (Arm's SHA256hash): `x` = (a, b, c, d), `y` =
    /// (e, f, g, h), element 0 first; returns the new (x, y).
    ///
    /// # Safety
    /// The host must have SHA-NI and SSE4.1.
    #[target_feature(enable = "sha,sse4.1")]
    pub unsafe fn sha256_4rounds(x: u128, y: u128, w: u128) -> (u128, u128) {
        let e = |v: u128, k: u32| (v >> (32 * k)) as u32 as i32;
        // Intel's state: ABEF = (F, E, B, A), CDGH = (H, G, D, C),
        // element 0 first (_mm_set_epi32 takes element 3 first).
        let abef = _mm_set_epi32(e(x, 0), e(x, 1), e(y, 0), e(y, 1));
        let cdgh = _mm_set_epi32(e(x, 2), e(x, 3), e(y, 2), e(y, 3));
        let w = to(w);
        let s1 = _mm_sha256rnds2_epu32(cdgh, abef, w);
        let s2 = _mm_sha256rnds2_epu32(abef, s1, _mm_unpackhi_epi64(w, w));
        // s2 = ABEF and s1 = CDGH after four rounds.
        let (s1, s2) = (from(s1), from(s2));
        let pack = |a: i32, b: i32, c: i32, d: i32| -> u128 {
            a as u32 as u128
                | (b as u32 as u128) << 32
                | (c as u32 as u128) << 64
                | (d as u32 as u128) << 96
        };
        let nx = pack(e(s2, 3), e(s2, 2), e(s1, 3), e(s1, 2));
        let ny = pack(e(s2, 1), e(s2, 0), e(s1, 1), e(s1, 0));
        (nx, ny)
    }
}

/// AESE without the key: ShiftRows then SubBytes (AESENCLAST, zero key).
fn aese(v: u128) -> u128 {
    xlat_hostcrypto::enc_last(v, 0)
}

/// AESD without the key: InvShiftRows then InvSubBytes.
fn aesd(v: u128) -> u128 {
    xlat_hostcrypto::dec_last(v, 0)
}

/// AESMC: MixColumns.
fn aesmc(v: u128) -> u128 {
    xlat_hostcrypto::mix_columns(v)
}

/// AESIMC: InvMixColumns.
fn aesimc(v: u128) -> u128 {
    xlat_hostcrypto::inv_mix_columns(v)
}

/// 64 x 64 -> 128-bit carry-less multiplication (PMULL .1Q).
pub fn clmul64(a: u64, b: u64) -> u128 {
    xlat_hostcrypto::clmul64(a, b)
}

// ---------------------------------------------------------------------------
// SHA (portable, from the Arm ARM pseudo-code)

fn w32(v: u128, i: u32) -> u32 {
    (v >> (32 * i)) as u32
}

fn set32(v: &mut u128, i: u32, x: u32) {
    *v = (*v & !(0xffff_ffffu128 << (32 * i))) | (x as u128) << (32 * i);
}

fn choose(x: u32, y: u32, z: u32) -> u32 {
    ((y ^ z) & x) ^ z
}
fn majority(x: u32, y: u32, z: u32) -> u32 {
    (x & y) | ((x | y) & z)
}
fn parity(x: u32, y: u32, z: u32) -> u32 {
    x ^ y ^ z
}

/// SHA1C/SHA1P/SHA1M: four rounds on (abcd, e) with `wk`.
pub fn sha1_rounds(abcd: u128, e: u32, wk: u128, f: fn(u32, u32, u32) -> u32) -> u128 {
    let mut x = abcd;
    let mut y = e;
    for k in 0..4 {
        let t = f(w32(x, 1), w32(x, 2), w32(x, 3));
        y = y
            .wrapping_add(w32(x, 0).rotate_left(5))
            .wrapping_add(t)
            .wrapping_add(w32(wk, k));
        let b = w32(x, 1).rotate_left(30);
        set32(&mut x, 1, b);
        // <Y, X> = ROL(Y:X, 32)
        let top = w32(x, 3);
        x = (x << 32) | y as u128;
        y = top;
    }
    x
}

fn sigma0(x: u32) -> u32 {
    x.rotate_right(2) ^ x.rotate_right(13) ^ x.rotate_right(22)
}
fn sigma1(x: u32) -> u32 {
    x.rotate_right(6) ^ x.rotate_right(11) ^ x.rotate_right(25)
}

/// Arm's SHA256hash: four rounds; returns the new (X, Y).
pub fn sha256_portable(mut x: u128, mut y: u128, w: u128) -> (u128, u128) {
    for e in 0..4 {
        let chs = choose(w32(y, 0), w32(y, 1), w32(y, 2));
        let maj = majority(w32(x, 0), w32(x, 1), w32(x, 2));
        let t1 = w32(y, 3)
            .wrapping_add(sigma1(w32(y, 0)))
            .wrapping_add(chs)
            .wrapping_add(w32(w, e));
        let x3 = t1.wrapping_add(w32(x, 3));
        set32(&mut x, 3, x3);
        let y3 = t1.wrapping_add(sigma0(w32(x, 0))).wrapping_add(maj);
        set32(&mut y, 3, y3);
        let (xt, yt) = (w32(x, 3), w32(y, 3));
        x = (x << 32) | yt as u128;
        y = (y << 32) | xt as u128;
    }
    (x, y)
}

/// SHA256hash, accelerated with SHA-NI when present.
pub fn sha256(x: u128, y: u128, w: u128) -> (u128, u128) {
    #[cfg(target_arch = "x86_64")]
    if host().sha {
        // SAFETY: SHA-NI and SSE4.1 presence was checked at run time.
        return unsafe { x86::sha256_4rounds(x, y, w) };
    }
    sha256_portable(x, y, w)
}

fn lo(v: u128) -> u64 {
    v as u64
}
fn hi(v: u128) -> u64 {
    (v >> 64) as u64
}
fn join(l: u64, h: u64) -> u128 {
    l as u128 | (h as u128) << 64
}

fn sha512h(x: u128, y: u128, w: u128) -> u128 {
    let s1 = |v: u64| v.rotate_right(14) ^ v.rotate_right(18) ^ v.rotate_right(41);
    let vh = (hi(y) & lo(x)) ^ (!hi(y) & hi(x));
    let vh = vh.wrapping_add(s1(hi(y))).wrapping_add(hi(w));
    let tmp = vh.wrapping_add(lo(y));
    let vl = (tmp & hi(y)) ^ (!tmp & lo(x));
    let vl = vl.wrapping_add(s1(tmp)).wrapping_add(lo(w));
    join(vl, vh)
}

fn sha512h2(x: u128, y: u128, w: u128) -> u128 {
    let s0 = |v: u64| v.rotate_right(28) ^ v.rotate_right(34) ^ v.rotate_right(39);
    let vh = (lo(x) & hi(y)) ^ (lo(x) & lo(y)) ^ (hi(y) & lo(y));
    let vh = vh.wrapping_add(s0(lo(y))).wrapping_add(hi(w));
    let vl = (vh & lo(y)) ^ (vh & hi(y)) ^ (hi(y) & lo(y));
    let vl = vl.wrapping_add(s0(vh)).wrapping_add(lo(w));
    join(vl, vh)
}

fn sha512su0(w: u128, x: u128) -> u128 {
    let s0 = |v: u64| v.rotate_right(1) ^ v.rotate_right(8) ^ (v >> 7);
    join(lo(w).wrapping_add(s0(hi(w))), hi(w).wrapping_add(s0(lo(x))))
}

fn sha512su1(w: u128, x: u128, y: u128) -> u128 {
    let s1 = |v: u64| v.rotate_right(19) ^ v.rotate_right(61) ^ (v >> 6);
    join(
        lo(w).wrapping_add(s1(lo(x))).wrapping_add(lo(y)),
        hi(w).wrapping_add(s1(hi(x))).wrapping_add(hi(y)),
    )
}

fn sm3partw1(vd: u128, vn: u128, vm: u128) -> u128 {
    let x = vd ^ vn;
    let mut r = 0u128;
    for e in 0..3 {
        set32(&mut r, e, w32(x, e) ^ w32(vm, e + 1).rotate_left(15));
    }
    for e in 0..4 {
        if e == 3 {
            let top = w32(x, 3) ^ w32(r, 0).rotate_left(15);
            set32(&mut r, 3, top);
        }
        let v = w32(r, e);
        set32(&mut r, e, v ^ v.rotate_left(15) ^ v.rotate_left(23));
    }
    r
}

fn sm3partw2(vd: u128, vn: u128, vm: u128) -> u128 {
    let mut rot = 0u128;
    for e in 0..4 {
        set32(&mut rot, e, w32(vm, e).rotate_left(7));
    }
    let tmp = vn ^ rot;
    let mut r = vd ^ tmp;
    let t2 = w32(tmp, 0).rotate_left(15);
    let t2 = t2 ^ t2.rotate_left(15) ^ t2.rotate_left(23);
    let top = w32(r, 3) ^ t2;
    set32(&mut r, 3, top);
    r
}

/// Product in GF(2^8) modulo SM4's polynomial x^8+x^7+x^6+x^5+x^4+x^2+1.
const fn sm4_gf_mul(mut a: u8, mut b: u8) -> u8 {
    let mut r = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            r ^= a;
        }
        b >>= 1;
        let carry = a & 0x80 != 0;
        a <<= 1;
        if carry {
            a ^= 0xf5;
        }
    }
    r
}

/// The affine map of the SM4 S-box (the circulant matrix whose rows are
/// rotations of 0xcb), then adding 0xd3.
const fn sm4_affine(x: u8) -> u8 {
    x ^ x.rotate_left(1) ^ x.rotate_left(3) ^ x.rotate_left(6) ^ x.rotate_left(7) ^ 0xd3
}

/// The SM4 S-box (GB/T 32907-2016), built at compile time from its
/// algebraic form: `S(x) = A(inverse(A(x) + C)) + C` in GF(2^8).
const SM4_SBOX: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut x = 0;
    while x < 256 {
        // Inverse as y^254 (0 maps to 0).
        let y = sm4_affine(x as u8);
        let mut p = 1u8;
        let mut k = 0;
        while k < 254 {
            p = sm4_gf_mul(p, y);
            k += 1;
        }
        t[x] = sm4_affine(p);
        x += 1;
    }
    t
};

/// One table per linear transform: `T[b] = L(S(b))` for a byte in the low
/// position; the other byte positions are the same value rotated, as L is
/// made of rotations.
const fn sm4_ttable(rots: [u32; 4]) -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut b = 0;
    while b < 256 {
        let s = SM4_SBOX[b] as u32;
        let mut v = s;
        let mut k = 0;
        while k < 4 {
            if rots[k] != 0 {
                v ^= s.rotate_left(rots[k]);
            }
            k += 1;
        }
        t[b] = v;
        b += 1;
    }
    t
}

/// L of the SM4 rounds: x ^ (x <<< 2) ^ (x <<< 10) ^ (x <<< 18) ^ (x <<< 24).
static SM4_T_ROUND: [u32; 256] = sm4_ttable([2, 10, 18, 24]);
/// L' of the SM4 key schedule: x ^ (x <<< 13) ^ (x <<< 23).
static SM4_T_KEY: [u32; 256] = sm4_ttable([13, 23, 0, 0]);

/// Four SM4 rounds (SM4E: `t` = round table, keys from `keys`) or four
/// key-schedule steps (SM4EKEY: key table, constants from `keys`) on the
/// state words `x` (element 0 oldest).
fn sm4_rounds(x: u128, keys: u128, t: &[u32; 256]) -> u128 {
    let mut r = x;
    for e in 0..4 {
        let v = w32(r, 1) ^ w32(r, 2) ^ w32(r, 3) ^ w32(keys, e);
        let l = t[(v & 0xff) as usize]
            ^ t[(v >> 8 & 0xff) as usize].rotate_left(8)
            ^ t[(v >> 16 & 0xff) as usize].rotate_left(16)
            ^ t[(v >> 24) as usize].rotate_left(24);
        r = (r >> 32) | ((l ^ w32(r, 0)) as u128) << 96;
    }
    r
}

/// SM3TT1A/SM3TT1B/SM3TT2A/SM3TT2B (`op` = bits 11:10) with lane `imm2`.
fn sm3tt(vd: u128, vn: u128, vm: u128, imm2: u32, op: u32) -> u128 {
    let (a, b, c, dd) = (w32(vd, 3), w32(vd, 2), w32(vd, 1), w32(vd, 0));
    let wj = w32(vm, imm2);
    let mut r = 0u128;
    set32(&mut r, 0, c);
    set32(&mut r, 2, a);
    if op < 2 {
        let ss2 = w32(vn, 3) ^ a.rotate_left(12);
        let f = if op == 0 {
            c ^ a ^ b
        } else {
            (a & c) | (a & b) | (c & b)
        };
        let tt1 = f.wrapping_add(dd).wrapping_add(ss2).wrapping_add(wj);
        set32(&mut r, 1, b.rotate_left(9));
        set32(&mut r, 3, tt1);
    } else {
        let g = if op == 2 {
            c ^ a ^ b
        } else {
            (a & b) | (!a & c)
        };
        let tt2 = g.wrapping_add(dd).wrapping_add(w32(vn, 3)).wrapping_add(wj);
        set32(&mut r, 1, b.rotate_left(19));
        set32(&mut r, 3, tt2 ^ tt2.rotate_left(9) ^ tt2.rotate_left(17));
    }
    r
}

/// Executes one cryptographic-extension instruction; `Err(Undef)` (state
/// untouched) if unallocated or not implemented.
pub fn exec(st: &mut Aarch64State, i: Insn) -> Result<(), Undef> {
    let w = i.0;
    let (d, n, m) = (i.rd() as usize, i.rn() as usize, i.rm() as usize);
    let (vd, vn, vm) = (st.v[d], st.v[n], st.v[m]);
    let r: u128 = if is!(w, "01001110 xx10100x xxxx10xx xxxxxxxx") {
        if i.vsize() != 0 {
            return Err(Undef);
        }
        match i.opcode12() {
            0b00100 => aese(vd ^ vn),
            0b00101 => aesd(vd ^ vn),
            0b00110 => aesmc(vn),
            0b00111 => aesimc(vn),
            _ => return Err(Undef),
        }
    } else if is!(w, "01011110 xx0xxxxx 0xxx00xx xxxxxxxx") {
        if i.vsize() != 0 {
            return Err(Undef);
        }
        match i.bits(14, 12) {
            0 => sha1_rounds(vd, vn as u32, vm, choose),
            1 => sha1_rounds(vd, vn as u32, vm, parity),
            2 => sha1_rounds(vd, vn as u32, vm, majority),
            3 => join(hi(vd), lo(vn)) ^ vd ^ vm,
            4 => sha256(vd, vn, vm).0,
            5 => sha256(vn, vd, vm).1,
            6 => {
                let s1 = |v: u32| v.rotate_right(17) ^ v.rotate_right(19) ^ (v >> 10);
                let t0 = (vn >> 32) | (w32(vm, 0) as u128) << 96;
                let mut r = 0u128;
                for e in 0..4 {
                    let src = if e < 2 { w32(vm, 2 + e) } else { w32(r, e - 2) };
                    let v = s1(src).wrapping_add(w32(vd, e)).wrapping_add(w32(t0, e));
                    set32(&mut r, e, v);
                }
                r
            }
            _ => return Err(Undef),
        }
    } else if is!(w, "01011110 xx10100x xxxx10xx xxxxxxxx") {
        if i.vsize() != 0 {
            return Err(Undef);
        }
        match i.opcode12() {
            0 => (vn as u32).rotate_left(30) as u128,
            1 => {
                let t = vd ^ (vn >> 32);
                let mut r = 0u128;
                for e in 0..4 {
                    set32(&mut r, e, w32(t, e).rotate_left(1));
                }
                let top = w32(r, 3) ^ w32(t, 0).rotate_left(2);
                set32(&mut r, 3, top);
                r
            }
            2 => {
                let t = (vd >> 32) | (w32(vn, 0) as u128) << 96;
                let mut r = 0u128;
                for e in 0..4 {
                    let x = w32(t, e);
                    let x = x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3);
                    set32(&mut r, e, x.wrapping_add(w32(vd, e)));
                }
                r
            }
            _ => return Err(Undef),
        }
    } else if is!(w, "11001110 011xxxxx 1x00xxxx xxxxxxxx") {
        if i.bit(14) {
            return match i.bits(11, 10) {
                0 => {
                    st.v[d] = sm3partw1(vd, vn, vm);
                    Ok(())
                }
                1 => {
                    st.v[d] = sm3partw2(vd, vn, vm);
                    Ok(())
                }
                2 => {
                    // SM4EKEY
                    st.v[d] = sm4_rounds(vn, vm, &SM4_T_KEY);
                    Ok(())
                }
                _ => Err(Undef),
            };
        }
        match i.bits(11, 10) {
            0 => sha512h(vn, vm, vd),
            1 => sha512h2(vn, vm, vd),
            2 => sha512su1(vd, vn, vm),
            _ => join(
                lo(vn) ^ lo(vm).rotate_left(1),
                hi(vn) ^ hi(vm).rotate_left(1),
            ),
        }
    } else if is!(w, "11001110 0xxxxxxx 0xxxxxxx xxxxxxxx") {
        let va = st.v[i.ra() as usize];
        match i.bits(22, 21) {
            0 => vn ^ vm ^ va,
            1 => vn ^ (vm & !va),
            2 => {
                let t = w32(vn, 3)
                    .rotate_left(12)
                    .wrapping_add(w32(vm, 3))
                    .wrapping_add(w32(va, 3));
                (t.rotate_left(7) as u128) << 96
            }
            _ => return Err(Undef),
        }
    } else if is!(w, "11001110 010xxxxx 10xxxxxx xxxxxxxx") {
        sm3tt(vd, vn, vm, i.bits(13, 12), i.bits(11, 10))
    } else if is!(w, "11001110 100xxxxx xxxxxxxx xxxxxxxx") {
        let t = vn ^ vm;
        let sh = i.bits(15, 10);
        join(lo(t).rotate_right(sh), hi(t).rotate_right(sh))
    } else if is!(w, "11001110 11000000 1000xxxx xxxxxxxx") {
        match i.bits(11, 10) {
            0 => sha512su0(vd, vn),
            1 => sm4_rounds(vd, vn, &SM4_T_ROUND),
            _ => return Err(Undef),
        }
    } else {
        return Err(Undef);
    };
    st.v[d] = r;
    Ok(())
}

/// The feature a (valid) cryptographic-extension encoding needs.
pub fn feature_of(i: Insn) -> crate::cpu::Feature {
    use crate::cpu::Feature::*;
    let w = i.0;
    if is!(w, "01001110 xx10100x xxxx10xx xxxxxxxx") {
        Aes
    } else if is!(w, "01011110 xx0xxxxx 0xxx00xx xxxxxxxx") {
        if i.bits(14, 12) <= 3 { Sha1 } else { Sha256 }
    } else if is!(w, "01011110 xx10100x xxxx10xx xxxxxxxx") {
        if i.opcode12() <= 1 { Sha1 } else { Sha256 }
    } else if is!(w, "11001110 011xxxxx 1100xxxx xxxxxxxx") && i.bits(11, 10) == 2
        || is!(w, "11001110 11000000 1000xxxx xxxxxxxx") && i.bits(11, 10) == 1
    {
        Sm4
    } else if is!(w, "11001110 011xxxxx 1x00xxxx xxxxxxxx") && i.bit(14)
        || is!(w, "11001110 010xxxxx 10xxxxxx xxxxxxxx")
        || is!(w, "11001110 0xxxxxxx 0xxxxxxx xxxxxxxx") && i.bits(22, 21) == 2
    {
        Sm3
    } else if is!(w, "11001110 011xxxxx 1x00xxxx xxxxxxxx") && i.bits(11, 10) == 3 {
        Sha3
    } else if is!(w, "11001110 011xxxxx 1x00xxxx xxxxxxxx")
        || is!(w, "11001110 11000000 1000xxxx xxxxxxxx")
    {
        Sha512
    } else {
        Sha3
    }
}

/// True if [`exec`] implements `i` (checked on a scratch state).
pub fn valid(i: Insn) -> bool {
    exec(&mut Aarch64State::default(), i).is_ok()
}

/// # Safety
/// `env` must point to a valid, exclusively accessed [`Aarch64State`].
unsafe extern "C" fn helper_crypto(env: *mut u8, insn: u64, _b: u64, _c: u64) -> u64 {
    // SAFETY: translated code passes its own CPU state block, which is an
    // `Aarch64State`, and nothing else accesses it while the CPU runs.
    let st = unsafe { &mut *(env as *mut Aarch64State) };
    let _ = exec(st, Insn(insn as u32));
    0
}

/// The cryptographic extension helper: `(insn)`.
pub static HELPER_CRYPTO: xlat_ir::HelperDesc = xlat_ir::HelperDesc {
    name: "xlat_a64_crypto",
    func: helper_crypto,
    flags: xlat_ir::HelperFlags::STATE,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: [u32; 4]) -> u128 {
        w.iter().rev().fold(0u128, |acc, &x| acc << 32 | x as u128)
    }

    #[test]
    fn sm4_sbox_known_entries() {
        // GB/T 32907-2016, table 1: first row and last entry.
        assert_eq!(
            SM4_SBOX[..8],
            [0xd6, 0x90, 0xe9, 0xfe, 0xcc, 0xe1, 0x3d, 0xb7]
        );
        assert_eq!(SM4_SBOX[0xff], 0x48);
        let mut seen = [false; 256];
        for &s in &SM4_SBOX {
            seen[s as usize] = true;
        }
        assert!(seen.iter().all(|&b| b), "the S-box is a permutation");
    }

    /// GB/T 32907-2016 appendix A, example 1, through SM4EKEY and SM4E as
    /// a program would use them.
    #[test]
    fn sm4_standard_example_with_arm_instructions() {
        let mk = [0x0123_4567, 0x89ab_cdef, 0xfedc_ba98, 0x7654_3210];
        let fk = [0xa3b1_bac6, 0x56aa_3350, 0x677d_9197, 0xb270_22dc];
        let ck = |i: u32| -> u32 { (0..4).fold(0, |acc, j| acc << 8 | ((4 * i + j) * 7 % 256)) };
        let mut st = Aarch64State::default();
        st.v[0] = words([mk[0] ^ fk[0], mk[1] ^ fk[1], mk[2] ^ fk[2], mk[3] ^ fk[3]]);
        let mut rks = Vec::new();
        for g in 0..8 {
            st.v[1] = words([ck(4 * g), ck(4 * g + 1), ck(4 * g + 2), ck(4 * g + 3)]);
            exec(&mut st, Insn(0xce61_c800)).unwrap(); // sm4ekey v0.4s, v0.4s, v1.4s
            rks.push(st.v[0]);
        }
        assert_eq!(w32(rks[0], 0), 0xf121_86f9, "rk0 of the standard");
        assert_eq!(w32(rks[7], 3), 0x9124_a012, "rk31 of the standard");
        st.v[2] = words(mk);
        for rk in rks {
            st.v[3] = rk;
            exec(&mut st, Insn(0xcec0_8462)).unwrap(); // sm4e v2.4s, v3.4s
        }
        let out = st.v[2];
        assert_eq!(
            [w32(out, 3), w32(out, 2), w32(out, 1), w32(out, 0)],
            [0x681e_df34, 0xd206_965e, 0x86b3_e94f, 0x536e_4246]
        );
    }

    fn hex(s: &str) -> u128 {
        // Bytes in memory order (as FIPS-197 writes them).
        let b: Vec<u8> = (0..16)
            .map(|k| u8::from_str_radix(&s[2 * k..2 * k + 2], 16).unwrap())
            .collect();
        u128::from_le_bytes(b.try_into().unwrap())
    }

    /// FIPS-197 appendix B, round 1: start of round state, after SubBytes
    /// and ShiftRows, after MixColumns.
    #[test]
    fn aes_round_fips197() {
        let start = hex("193de3bea0f4e22b9ac68d2ae9f84808");
        let after_sr = hex("d4bf5d30e0b452aeb84111f11e2798e5");
        let after_mc = hex("046681e5e0cb199a48f8d37a2806264c");
        assert_eq!(aese(start), after_sr);
        assert_eq!(aesmc(after_sr), after_mc);
        assert_eq!(aesimc(after_mc), after_sr);
        assert_eq!(aesd(after_sr), start);
    }

    #[test]
    fn accelerated_paths_match_portable() {
        let mut s = 0x1234_5678_9abc_def0u64;
        let mut r = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for _ in 0..1000 {
            let (a, b, c) = (join(r(), r()), join(r(), r()), join(r(), r()));
            // The AES round parts undo each other.
            assert_eq!(aesd(aese(a)), a);
            assert_eq!(aesimc(aesmc(a)), a);
            assert_eq!(clmul64(lo(a), hi(a)), crate::asimd::pmul(lo(a), hi(a), 64));
            assert_eq!(sha256(a, b, c), sha256_portable(a, b, c));
        }
    }

    #[test]
    fn pmull_known_value() {
        // x^63 * x^63 = x^126; (x+1)*(x+1) = x^2+1
        assert_eq!(clmul64(1 << 63, 1 << 63), 1u128 << 126);
        assert_eq!(clmul64(3, 3), 5);
    }

    /// SHA-256 of "abc" (FIPS 180-2 appendix B.1) computed with the Arm
    /// instruction sequence (SHA256SU0/SU1 schedule, SHA256H/H2 rounds).
    #[test]
    fn sha256_abc_with_arm_instructions() {
        const K: [u32; 64] = [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
            0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
            0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
            0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
            0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
            0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
            0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
            0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
            0xc67178f2,
        ];
        let mut block = [0u8; 64];
        block[..3].copy_from_slice(b"abc");
        block[3] = 0x80;
        block[63] = 24;
        let word = |k: usize| u32::from_be_bytes(block[4 * k..4 * k + 4].try_into().unwrap());
        let q = |a: u32, b: u32, c: u32, d: u32| {
            a as u128 | (b as u128) << 32 | (c as u128) << 64 | (d as u128) << 96
        };
        let mut w = [0u128; 4];
        for (k, wk) in w.iter_mut().enumerate() {
            *wk = q(
                word(4 * k),
                word(4 * k + 1),
                word(4 * k + 2),
                word(4 * k + 3),
            );
        }
        let mut st = Aarch64State::default();
        let h0 = q(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a);
        let h1 = q(0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);
        let (mut x, mut y) = (h0, h1);
        for r in 0..16 {
            let k = r % 4;
            let kq = q(K[4 * r], K[4 * r + 1], K[4 * r + 2], K[4 * r + 3]);
            let wk = (0..4).fold(0u128, |acc, e| {
                let v = w32(w[k], e).wrapping_add(w32(kq, e));
                acc | (v as u128) << (32 * e)
            });
            // sha256h q0, q1, v2.4s ; sha256h2 q1, q(old0), v2.4s
            st.v[0] = x;
            st.v[1] = y;
            st.v[2] = wk;
            st.v[3] = x;
            exec(&mut st, Insn(0x5e02_4020)).unwrap(); // sha256h q0, q1, v2.4s
            exec(&mut st, Insn(0x5e02_5061)).unwrap(); // sha256h2 q1, q3, v2.4s
            x = st.v[0];
            y = st.v[1];
            if r < 12 {
                // sha256su0 v4.4s, v5.4s ; sha256su1 v4.4s, v6.4s, v7.4s
                st.v[4] = w[k];
                st.v[5] = w[(k + 1) % 4];
                exec(&mut st, Insn(0x5e28_28a4)).unwrap();
                st.v[6] = w[(k + 2) % 4];
                st.v[7] = w[(k + 3) % 4];
                exec(&mut st, Insn(0x5e07_60c4)).unwrap();
                w[k] = st.v[4];
            }
        }
        let add = |a: u128, b: u128| {
            (0..4).fold(0u128, |acc, e| {
                acc | (w32(a, e).wrapping_add(w32(b, e)) as u128) << (32 * e)
            })
        };
        let (x, y) = (add(x, h0), add(y, h1));
        let digest: Vec<u32> = (0..4)
            .map(|e| w32(x, e))
            .chain((0..4).map(|e| w32(y, e)))
            .collect();
        assert_eq!(
            digest,
            [
                0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223, 0xb00361a3, 0x96177a9c, 0xb410ff61,
                0xf20015ad
            ]
        );
    }
}
