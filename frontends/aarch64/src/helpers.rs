//! Helper functions called by translated code for Advanced SIMD operations
//! that have no direct IR op. Each takes the instruction word (already
//! validated by its translate function) and operates on the V registers in
//! the CPU state block. They are the slow path: correctness first.

use crate::decode::Insn;
use crate::state::Aarch64State;
use xlat_ir::{HelperDesc, HelperFlags};

/// Which group of instructions a helper call executes.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u64)]
pub enum Group {
    /// Three registers, same type.
    ThreeSame = 0,
    /// Three registers, different types.
    ThreeDiff,
    /// Two-register miscellaneous.
    TwoMisc,
    /// Across lanes.
    Across,
    /// Shift by immediate.
    ShiftImm,
    /// UZP/TRN/ZIP.
    Permute,
    /// EXT.
    Ext,
    /// TBL/TBX.
    Tbl,
}

impl Group {
    fn from_u64(v: u64) -> Option<Group> {
        use Group::*;
        [
            ThreeSame, ThreeDiff, TwoMisc, Across, ShiftImm, Permute, Ext, Tbl,
        ]
        .get(v as usize)
        .copied()
    }
}

fn mask(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

fn el(v: u128, i: u32, esize: u32) -> u64 {
    ((v >> (i * esize)) & mask(esize)) as u64
}

fn set_el(v: &mut u128, i: u32, esize: u32, x: u64) {
    let m = mask(esize) << (i * esize);
    *v = (*v & !m) | (((x as u128) << (i * esize)) & m);
}

fn sext(x: u64, bits: u32) -> i64 {
    ((x << (64 - bits)) as i64) >> (64 - bits)
}

fn datasize(q: bool) -> u32 {
    if q { 128 } else { 64 }
}

/// Executes one Advanced SIMD instruction of group `g` on `st`.
pub fn exec(st: &mut Aarch64State, g: Group, i: Insn) {
    let (d, n, m) = (i.rd() as usize, i.rn() as usize, i.rm() as usize);
    let q = i.q() != 0;
    let u = i.u() != 0;
    let ds = datasize(q);
    let vn = st.v[n];
    let vm = st.v[m];
    let vd = st.v[d];
    let mut r: u128 = 0;
    // Widening ops always write 128 bits; Q selects their source half.
    let widening = g == Group::ThreeDiff || (g == Group::ShiftImm && i.bits(15, 11) == 0b10100);
    match g {
        Group::ThreeSame => {
            let esize = 8 << i.vsize();
            let ne = ds / esize;
            let op = i.opcode11();
            if op == 0b00011 {
                r = match (u, i.vsize()) {
                    (false, 0) => vn & vm,
                    (false, 1) => vn & !vm,
                    (false, 2) => vn | vm,
                    (false, _) => vn | !vm,
                    (true, 0) => vn ^ vm,
                    (true, 1) => ((vn ^ vm) & vd) ^ vm,
                    (true, 2) => vd ^ ((vd ^ vn) & vm),
                    (true, _) => vd ^ ((vd ^ vn) & !vm),
                };
            } else if matches!(op, 0b10111 | 0b10100 | 0b10101) {
                // Pairwise: concatenate m:n, combine adjacent elements.
                for e in 0..ne {
                    let (src, k) = if e < ne / 2 {
                        (vn, e)
                    } else {
                        (vm, e - ne / 2)
                    };
                    let a = el(src, 2 * k, esize);
                    let b = el(src, 2 * k + 1, esize);
                    let x = match (op, u) {
                        (0b10111, _) => a.wrapping_add(b),
                        (0b10100, true) => a.max(b),
                        (0b10101, true) => a.min(b),
                        (0b10100, false) => sext(a, esize).max(sext(b, esize)) as u64,
                        _ => sext(a, esize).min(sext(b, esize)) as u64,
                    };
                    set_el(&mut r, e, esize, x);
                }
            } else {
                for e in 0..ne {
                    let a = el(vn, e, esize);
                    let b = el(vm, e, esize);
                    let (sa, sb) = (sext(a, esize), sext(b, esize));
                    let t = |c: bool| if c { u64::MAX } else { 0 };
                    let x = match (op, u) {
                        (0b10000, false) => a.wrapping_add(b),
                        (0b10000, true) => a.wrapping_sub(b),
                        (0b10001, false) => t(a & b != 0),
                        (0b10001, true) => t(a == b),
                        (0b00110, false) => t(sa > sb),
                        (0b00111, false) => t(sa >= sb),
                        (0b00110, true) => t(a > b),
                        (0b00111, true) => t(a >= b),
                        // SSHL/USHL: shift by the signed low byte of the
                        // Vm element; negative shifts right.
                        (0b01000, _) => {
                            let sh = b as u8 as i8 as i32;
                            match (u, sh >= 0) {
                                (_, true) if sh >= 64 => 0,
                                (_, true) => a << sh,
                                (true, false) if -sh >= 64 => 0,
                                (true, false) => a >> -sh,
                                (false, false) => (sa >> (-sh).min(63)) as u64,
                            }
                        }
                        (0b01100, false) => sa.max(sb) as u64,
                        (0b01101, false) => sa.min(sb) as u64,
                        (0b01100, true) => a.max(b),
                        _ => a.min(b),
                    };
                    set_el(&mut r, e, esize, x);
                }
            }
        }
        Group::ThreeDiff => {
            let esize = 8 << i.vsize();
            let ne = 64 / esize;
            let half = if q { ne } else { 0 };
            let op = i.bits(15, 12);
            let ext = |x: u64| if u { x } else { sext(x, esize) as u64 };
            for e in 0..ne {
                let b = ext(el(vm, e + half, esize));
                let a = if op == 0b0001 || op == 0b0011 {
                    el(vn, e, 2 * esize)
                } else {
                    ext(el(vn, e + half, esize))
                };
                let x = match op {
                    0b0000 | 0b0001 => a.wrapping_add(b),
                    0b0010 | 0b0011 => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                };
                set_el(&mut r, e, 2 * esize, x);
            }
        }
        Group::TwoMisc => {
            let esize = 8 << i.vsize();
            let ne = ds / esize;
            let op = i.opcode12();
            match (u, op) {
                (_, 0b00000) | (false, 0b00001) => {
                    // REV64 / REV32 / REV16: reverse elements within containers.
                    let cont = match (u, op) {
                        (false, 0) => 64,
                        (true, 0) => 32,
                        _ => 16,
                    };
                    let per = cont / esize;
                    for e in 0..ne {
                        let base = e - e % per;
                        let src = base + (per - 1 - e % per);
                        set_el(&mut r, e, esize, el(vn, src, esize));
                    }
                }
                (false, 0b00101) => {
                    for e in 0..ne {
                        set_el(&mut r, e, 8, el(vn, e, 8).count_ones() as u64);
                    }
                }
                (true, 0b00101) => {
                    // RBIT (size 01, but on bytes); NOT is emitted as IR.
                    for e in 0..ds / 8 {
                        set_el(&mut r, e, 8, (el(vn, e, 8) as u8).reverse_bits() as u64);
                    }
                }
                (_, 0b00010) | (_, 0b00110) => {
                    // [SU]ADDLP / [SU]ADALP: add adjacent pairs into
                    // elements twice as wide (accumulating for ADALP).
                    for e in 0..ne / 2 {
                        let (a, b) = (el(vn, 2 * e, esize), el(vn, 2 * e + 1, esize));
                        let sum = if u {
                            a.wrapping_add(b)
                        } else {
                            sext(a, esize).wrapping_add(sext(b, esize)) as u64
                        };
                        let acc = if op == 0b00110 {
                            el(vd, e, 2 * esize)
                        } else {
                            0
                        };
                        set_el(&mut r, e, 2 * esize, acc.wrapping_add(sum));
                    }
                }
                (false, 0b10010) => {
                    // XTN / XTN2
                    r = if q { vd & mask(64) } else { 0 };
                    let off = if q { 64 / esize } else { 0 };
                    for e in 0..64 / esize {
                        set_el(&mut r, e + off, esize, el(vn, e, 2 * esize));
                    }
                    st.v[d] = r;
                    return;
                }
                _ => {
                    for e in 0..ne {
                        let a = el(vn, e, esize);
                        let s = sext(a, esize);
                        let t = |c: bool| if c { u64::MAX } else { 0 };
                        let x = match (u, op) {
                            (false, 0b01000) => t(s > 0),
                            (false, 0b01001) => t(s == 0),
                            (false, 0b01010) => t(s < 0),
                            (true, 0b01000) => t(s >= 0),
                            (true, 0b01001) => t(s <= 0),
                            (false, 0b01011) => s.unsigned_abs(),
                            _ => (s as u64).wrapping_neg(),
                        };
                        set_el(&mut r, e, esize, x);
                    }
                }
            }
        }
        Group::Across => {
            let esize = 8 << i.vsize();
            let ne = ds / esize;
            let op = i.opcode12();
            let vals = (0..ne).map(|e| el(vn, e, esize));
            let x: u64 = match (u, op) {
                (false, 0b11011) => vals.fold(0u64, |a, b| a.wrapping_add(b)),
                (true, 0b00011) => vals.fold(0u64, |a, b| a.wrapping_add(b)),
                (false, 0b00011) => vals.fold(0i64, |a, b| a.wrapping_add(sext(b, esize))) as u64,
                (true, 0b01010) => vals.max().unwrap_or(0),
                (true, _) => vals.min().unwrap_or(0),
                (false, 0b01010) => vals.map(|v| sext(v, esize)).max().unwrap_or(0) as u64,
                (false, _) => vals.map(|v| sext(v, esize)).min().unwrap_or(0) as u64,
            };
            let rs = if op == 0b00011 { 2 * esize } else { esize };
            r = (x as u128) & mask(rs);
        }
        Group::ShiftImm => {
            let immh = i.immh();
            let esize = 8u32 << (31 - immh.leading_zeros());
            let immhb = (immh << 3) | i.immb();
            let op = i.bits(15, 11);
            let rshift = 2 * esize - immhb;
            let lshift = immhb - esize;
            match op {
                0b10000 => {
                    // SHRN: esize is the narrow element.
                    let nsize = esize;
                    r = if q { vd & mask(64) } else { 0 };
                    let off = if q { 64 / nsize } else { 0 };
                    for e in 0..64 / nsize {
                        let x = el(vn, e, 2 * nsize) >> rshift;
                        set_el(&mut r, e + off, nsize, x);
                    }
                    st.v[d] = r;
                    return;
                }
                0b10100 => {
                    let half = if q { 64 / esize } else { 0 };
                    for e in 0..64 / esize {
                        let a = el(vn, e + half, esize);
                        let a = if u { a } else { sext(a, esize) as u64 };
                        set_el(&mut r, e, 2 * esize, a << lshift);
                    }
                }
                _ => {
                    let ne = ds / esize;
                    for e in 0..ne {
                        let a = el(vn, e, esize);
                        let old = el(vd, e, esize);
                        let sr = |a: u64| -> u64 {
                            if u {
                                if rshift >= 64 { 0 } else { a >> rshift }
                            } else {
                                (sext(a, esize) >> rshift.min(63)) as u64
                            }
                        };
                        let x = match op {
                            0b00000 => sr(a),
                            0b00010 => old.wrapping_add(sr(a)),
                            0b01010 if !u => a << lshift,
                            0b01010 => {
                                // SLI
                                let mk = (mask(esize) as u64) << lshift;
                                (old & !mk) | ((a << lshift) & mk)
                            }
                            _ => {
                                // SRI
                                let mk = if rshift >= 64 {
                                    0
                                } else {
                                    (mask(esize) as u64) >> rshift
                                };
                                (old & !mk) | (sr(a) & mk)
                            }
                        };
                        set_el(&mut r, e, esize, x);
                    }
                }
            }
        }
        Group::Permute => {
            let esize = 8 << i.vsize();
            let ne = ds / esize;
            let op = i.bits(14, 12);
            let part = op >> 2;
            let get = |k: u32| -> u64 {
                if k < ne {
                    el(vn, k, esize)
                } else {
                    el(vm, k - ne, esize)
                }
            };
            for e in 0..ne {
                let x = match op & 3 {
                    1 => get(2 * e + part),
                    2 => {
                        let p = e / 2;
                        if e % 2 == 0 {
                            el(vn, 2 * p + part, esize)
                        } else {
                            el(vm, 2 * p + part, esize)
                        }
                    }
                    _ => {
                        let base = part * ne / 2;
                        let p = e / 2;
                        if e % 2 == 0 {
                            el(vn, base + p, esize)
                        } else {
                            el(vm, base + p, esize)
                        }
                    }
                };
                set_el(&mut r, e, esize, x);
            }
        }
        Group::Ext => {
            let pos = i.imm4();
            let nb = ds / 8;
            for e in 0..nb {
                let k = e + pos;
                let x = if k < nb {
                    el(vn, k, 8)
                } else {
                    el(vm, k - nb, 8)
                };
                set_el(&mut r, e, 8, x);
            }
        }
        Group::Tbl => {
            let regs = i.tbl_len() + 1;
            let tbx = i.bit(12);
            for e in 0..ds / 8 {
                let idx = el(vm, e, 8) as u32;
                let x = if idx < 16 * regs {
                    let reg = (n + (idx / 16) as usize) % 32;
                    el(st.v[reg], idx % 16, 8)
                } else if tbx {
                    el(vd, e, 8)
                } else {
                    0
                };
                set_el(&mut r, e, 8, x);
            }
        }
    }
    if !q && !widening {
        r &= mask(64);
    }
    st.v[d] = r;
}

/// # Safety
/// `env` must point to a valid, exclusively accessed [`Aarch64State`].
unsafe extern "C" fn helper_simd(env: *mut u8, insn: u64, group: u64, _c: u64) -> u64 {
    // SAFETY: translated code passes its own CPU state block, which is an
    // `Aarch64State` (the frontend's layout), and nothing else accesses it
    // while the guest CPU runs.
    let st = unsafe { &mut *(env as *mut Aarch64State) };
    if let Some(g) = Group::from_u64(group) {
        exec(st, g, Insn(insn as u32));
    }
    0
}

/// The Advanced SIMD helper: `(insn, group)`.
pub static HELPER_SIMD: HelperDesc = HelperDesc {
    name: "xlat_a64_simd",
    func: helper_simd,
    flags: HelperFlags::STATE,
};

/// Byte-wise lookup tables of the reflected CRC-32 (0xEDB88320) and
/// CRC-32C (0x82F63B78) polynomials.
fn crc_tables() -> &'static [[u32; 256]; 2] {
    static T: std::sync::OnceLock<[[u32; 256]; 2]> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mk = |poly: u32| -> [u32; 256] {
            std::array::from_fn(|b| {
                let mut r = b as u32;
                for _ in 0..8 {
                    r = if r & 1 != 0 { (r >> 1) ^ poly } else { r >> 1 };
                }
                r
            })
        };
        [mk(0xedb8_8320), mk(0x82f6_3b78)]
    })
}

/// The CRC32/CRC32C instruction semantics: updates `acc` with the low
/// `bytes` bytes of `val`, least significant first (no pre/post inversion).
pub fn crc32_update(acc: u32, val: u64, bytes: u32, castagnoli: bool) -> u32 {
    let t = &crc_tables()[castagnoli as usize];
    let mut crc = acc;
    for k in 0..bytes {
        let b = (val >> (8 * k)) as u8;
        crc = (crc >> 8) ^ t[((crc ^ b as u32) & 0xff) as usize];
    }
    crc
}

/// # Safety
/// Pure: does not touch `env`.
unsafe extern "C" fn helper_crc32(_env: *mut u8, acc: u64, val: u64, mode: u64) -> u64 {
    crc32_update(acc as u32, val, (mode & 0xf) as u32, mode & 0x100 != 0) as u64
}

/// CRC32/CRC32C helper: `(acc, value, bytes | castagnoli << 8) -> crc`.
pub static HELPER_CRC32: HelperDesc = HelperDesc {
    name: "xlat_a64_crc32",
    func: helper_crc32,
    flags: HelperFlags::PURE,
};

/// Executes one scalar floating-point instruction (data processing 1/2/3
/// source, compares, conversions), already validated by its translate
/// function, with the Arm semantics of [`crate::fp`]: reads FPCR, sets
/// the FPSR cumulative flags, writes the destination register and (for
/// compares) NZCV.
pub fn exec_fp(st: &mut Aarch64State, i: Insn) {
    use crate::fp::{self, Fmt, FpEnv, Op, Rounding};
    let mut env = FpEnv::new(st.fpcr);
    let fmt = |t: u32| match t {
        0 => Fmt::S,
        1 => Fmt::D,
        _ => Fmt::H,
    };
    let f = fmt(i.ftype());
    let mask = |f: Fmt| {
        if f.bits() == 64 {
            u64::MAX
        } else {
            (1u64 << f.bits()) - 1
        }
    };
    let vs = |st: &Aarch64State, r: u32, f: Fmt| (st.v[r as usize] as u64) & mask(f);
    let (d, n, m) = (i.rd(), i.rn(), i.rm());
    let set_nzcv = |st: &mut Aarch64State, v: u8| {
        st.nf = v >> 3 & 1;
        st.zf = v >> 2 & 1;
        st.cf = v >> 1 & 1;
        st.vf = v & 1;
    };
    let gpr = |st: &Aarch64State, r: u32| if r == 31 { 0 } else { st.x[r as usize] };
    enum Out {
        V(u64),
        X(u64),
        None,
    }
    let out = if i.0 & 0xdfbf_fc00 == 0x5e21_d800 {
        // SCVTF/UCVTF (vector, integer), scalar: Sd/Dd from the same-size
        // integer in Sn/Dn.
        let f = if i.bit(22) { Fmt::D } else { Fmt::S };
        let signed = !i.bit(29);
        let v = vs(st, n, f);
        let v = if signed && !i.bit(22) {
            v as u32 as i32 as i64 as u64
        } else {
            v
        };
        Out::V(fp::from_int(&mut env, f, v, signed, 0))
    } else if i.bits(28, 24) == 0b11111 {
        // FMADD/FMSUB/FNMADD/FNMSUB: FPMulAdd(±a, ±n, m).
        let sign = f.bits() as u64 - 1;
        let (o1, o0) = (i.bit(21), i.bit(15));
        let a = vs(st, i.ra(), f) ^ ((o1 as u64) << sign);
        let x = vs(st, n, f) ^ (((o0 != o1) as u64) << sign);
        Out::V(fp::arith(&mut env, f, Op::Fma, x, vs(st, m, f), a))
    } else if !i.bit(21) {
        // Conversion between floating-point and fixed-point.
        let fbits = 64 - i.bits(15, 10);
        let sf = i.sf() != 0;
        let ibits = if sf { 64 } else { 32 };
        match i.fopcode() {
            op @ (2 | 3) => {
                let v = gpr(st, n);
                let v = if sf {
                    v
                } else if op == 2 {
                    v as i32 as i64 as u64
                } else {
                    v as u32 as u64
                };
                Out::V(fp::from_int(&mut env, f, v, op == 2, fbits))
            }
            op => {
                let x = vs(st, n, f);
                Out::X(fp::to_int(
                    &mut env,
                    f,
                    x,
                    fbits,
                    op == 1,
                    ibits,
                    Rounding::Zero,
                ))
            }
        }
    } else {
        let class = if i.bits(15, 10) == 0 {
            0
        } else if i.bits(14, 10) == 0b10000 {
            1
        } else if i.bits(13, 10) == 0b1000 {
            4
        } else if i.bits(11, 10) == 0b10 {
            2
        } else {
            3
        };
        match class {
            0 => {
                // Conversion between floating-point and integer.
                let sf = i.sf() != 0;
                let ibits = if sf { 64 } else { 32 };
                let (rmode, op) = (i.rmode(), i.fopcode());
                match op {
                    2 | 3 => {
                        let v = gpr(st, n);
                        let v = if sf {
                            v
                        } else if op == 2 {
                            v as i32 as i64 as u64
                        } else {
                            v as u32 as u64
                        };
                        Out::V(fp::from_int(&mut env, f, v, op == 2, 0))
                    }
                    _ => {
                        let r = if op >= 4 {
                            Rounding::TieAway
                        } else {
                            Rounding::from_rmode(rmode as u64)
                        };
                        let x = vs(st, n, f);
                        Out::X(fp::to_int(&mut env, f, x, 0, op & 1 == 1, ibits, r))
                    }
                }
            }
            1 => {
                // 1-source: FSQRT, FCVT, FRINT*.
                let op = i.bits(20, 15);
                let x = vs(st, n, f);
                match op {
                    3 => Out::V(fp::arith(&mut env, f, Op::Sqrt, x, 0, 0)),
                    4 | 5 | 7 => Out::V(fp::convert(&mut env, f, fmt(op & 3), x)),
                    _ => {
                        let r = match op & 7 {
                            4 => Rounding::TieAway,
                            6 | 7 => env.rmode(),
                            k => Rounding::from_rmode(k as u64),
                        };
                        Out::V(fp::round_to_integral(&mut env, f, x, r, op & 7 == 6))
                    }
                }
            }
            2 => {
                let (a, b) = (vs(st, n, f), vs(st, m, f));
                let r = match i.bits(15, 12) {
                    0 => fp::arith(&mut env, f, Op::Mul, a, b, 0),
                    1 => fp::arith(&mut env, f, Op::Div, a, b, 0),
                    2 => fp::arith(&mut env, f, Op::Add, a, b, 0),
                    3 => fp::arith(&mut env, f, Op::Sub, a, b, 0),
                    4 => fp::max_min(&mut env, f, a, b, true, false),
                    5 => fp::max_min(&mut env, f, a, b, false, false),
                    6 => fp::max_min(&mut env, f, a, b, true, true),
                    7 => fp::max_min(&mut env, f, a, b, false, true),
                    _ => fp::arith(&mut env, f, Op::Mul, a, b, 0) ^ (1u64 << (f.bits() - 1)),
                };
                Out::V(r)
            }
            3 => {
                // FCCMP/FCCMPE
                if cond_holds(st, i.cond12()) {
                    let v = fp::compare(&mut env, f, vs(st, n, f), vs(st, m, f), i.bit(4));
                    set_nzcv(st, v);
                } else {
                    set_nzcv(st, i.nzcv() as u8);
                }
                Out::None
            }
            _ => {
                // FCMP/FCMPE (bits 13:10 = 1000)
                let b = if i.bit(3) { 0 } else { vs(st, m, f) };
                let v = fp::compare(&mut env, f, vs(st, n, f), b, i.bit(4));
                set_nzcv(st, v);
                Out::None
            }
        }
    };
    match out {
        Out::V(r) => st.v[d as usize] = r as u128,
        Out::X(r) => {
            if d != 31 {
                st.x[d as usize] = r;
            }
        }
        Out::None => {}
    }
    st.fpsr |= env.flags as u64;
}

/// ConditionHolds() on the flags in `st`.
fn cond_holds(st: &Aarch64State, cond: u32) -> bool {
    let (n, z, c, v) = (st.nf != 0, st.zf != 0, st.cf != 0, st.vf != 0);
    let r = match cond >> 1 {
        0 => z,
        1 => c,
        2 => n,
        3 => v,
        4 => c && !z,
        5 => n == v,
        6 => n == v && !z,
        _ => true,
    };
    if cond & 1 == 1 && cond != 15 { !r } else { r }
}

/// # Safety
/// `env` must point to a valid, exclusively accessed [`Aarch64State`].
unsafe extern "C" fn helper_fp(env: *mut u8, insn: u64, _b: u64, _c: u64) -> u64 {
    // SAFETY: translated code passes its own CPU state block, which is an
    // `Aarch64State`, and nothing else accesses it while the CPU runs.
    let st = unsafe { &mut *(env as *mut Aarch64State) };
    exec_fp(st, Insn(insn as u32));
    0
}

/// The scalar floating-point helper: `(insn)`.
pub static HELPER_FP: HelperDesc = HelperDesc {
    name: "xlat_a64_fp",
    func: helper_fp,
    flags: HelperFlags::STATE,
};
