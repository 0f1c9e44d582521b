//! Differential tester for the AArch64 frontend: random instruction
//! sequences per encoding class (from the rows of the decode table), run
//! from identical random start states under `xlat-aarch64` (each tier)
//! and under `qemu-aarch64`, comparing X0-X30, V0-V31, NZCV, FPSR, FPCR and
//! a scratch memory buffer byte for byte.
//!
//! Each test case is a tiny static AArch64 ELF built here: one RWX
//! segment with a prologue that loads the start state from a data block,
//! the instruction sequence, and an epilogue that dumps the registers and
//! the scratch buffer to stdout with `write` and exits. The prologue and
//! epilogue were assembled once with `aarch64-linux-gnu-as` (source in
//! the comments) and are patched in as words, so running the tester needs
//! no cross toolchain.
//!
//! Register conventions of the generated code: x28 points into the middle
//! of the scratch buffer and is the base of every memory access; x27 holds
//! a small index for register-offset addressing; neither is written by a
//! generated instruction, and x18 (platform register) is never written.
//! Rn/Rm never name SP (the stack differs between the emulators).

use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use xlat_frontend_aarch64::decode::{Insn, Row, TABLE, decode};
use xlat_frontend_aarch64::translate::Ctx;
use xlat_frontend_aarch64::{InsnOutcome, LAYOUT, translate_insn};

/// Guest address of the ELF segment (file offset 0).
pub const BASE: u64 = 0x40_0000;
/// Guest address of the code.
pub const CODE: u64 = 0x40_1000;
/// Guest address of the start-state block.
pub const STATE: u64 = 0x40_2000;
/// Guest address of the register dump.
pub const DUMP: u64 = 0x40_3000;
/// Guest address of the scratch buffer.
pub const SCRATCH: u64 = 0x40_4000;
/// Size of the scratch buffer.
pub const SCRATCH_LEN: usize = 0x2000;
/// Value of x28 (the base register of memory accesses).
pub const X28: u64 = SCRATCH + 0x1000;
/// Size of the register dump written by the epilogue.
pub const DUMP_LEN: usize = 0x310;

/// Loads the start state from [`STATE`] (x0..x30 at 0, NZCV at 248, FPCR
/// at 256, V0..V31 at 0x200) and clears FPSR.
const PROLOGUE: &[u32] = &[
    0xd2840000, // mov x0, #0x2000 // #8192
    0xf2a00800, // movk x0, #0x40, lsl #16
    0xf9407c01, // ldr x1, [x0, #248]
    0xd51b4201, // msr nzcv, x1
    0xf9408001, // ldr x1, [x0, #256]
    0xd51b4401, // msr fpcr, x1
    0xd51b443f, // msr fpsr, xzr
    0x91080001, // add x1, x0, #0x200
    0x4cdf2020, // ld1 {v0.16b-v3.16b}, [x1], #64
    0x4cdf2024, // ld1 {v4.16b-v7.16b}, [x1], #64
    0x4cdf2028, // ld1 {v8.16b-v11.16b}, [x1], #64
    0x4cdf202c, // ld1 {v12.16b-v15.16b}, [x1], #64
    0x4cdf2030, // ld1 {v16.16b-v19.16b}, [x1], #64
    0x4cdf2034, // ld1 {v20.16b-v23.16b}, [x1], #64
    0x4cdf2038, // ld1 {v24.16b-v27.16b}, [x1], #64
    0x4cdf203c, // ld1 {v28.16b-v31.16b}, [x1], #64
    0xf940781e, // ldr x30, [x0, #240]
    0xa94e741c, // ldp x28, x29, [x0, #224]
    0xa94d6c1a, // ldp x26, x27, [x0, #208]
    0xa94c6418, // ldp x24, x25, [x0, #192]
    0xa94b5c16, // ldp x22, x23, [x0, #176]
    0xa94a5414, // ldp x20, x21, [x0, #160]
    0xa9494c12, // ldp x18, x19, [x0, #144]
    0xa9484410, // ldp x16, x17, [x0, #128]
    0xa9473c0e, // ldp x14, x15, [x0, #112]
    0xa946340c, // ldp x12, x13, [x0, #96]
    0xa9452c0a, // ldp x10, x11, [x0, #80]
    0xa9442408, // ldp x8, x9, [x0, #64]
    0xa9431c06, // ldp x6, x7, [x0, #48]
    0xa9421404, // ldp x4, x5, [x0, #32]
    0xa9410c02, // ldp x2, x3, [x0, #16]
    0xa9400400, // ldp x0, x1, [x0]
];

/// Dumps x0..x30, NZCV, FPSR, FPCR and V0..V31 to [`DUMP`], writes it and
/// the scratch buffer to stdout, exits with status 0.
const EPILOGUE: &[u32] = &[
    0xd51bd040, // msr tpidr_el0, x0
    0xd2860000, // mov x0, #0x3000 // #12288
    0xf2a00800, // movk x0, #0x40, lsl #16
    0xa9008801, // stp x1, x2, [x0, #8]
    0xa9019003, // stp x3, x4, [x0, #24]
    0xa9029805, // stp x5, x6, [x0, #40]
    0xa903a007, // stp x7, x8, [x0, #56]
    0xa904a809, // stp x9, x10, [x0, #72]
    0xa905b00b, // stp x11, x12, [x0, #88]
    0xa906b80d, // stp x13, x14, [x0, #104]
    0xa907c00f, // stp x15, x16, [x0, #120]
    0xa908c811, // stp x17, x18, [x0, #136]
    0xa909d013, // stp x19, x20, [x0, #152]
    0xa90ad815, // stp x21, x22, [x0, #168]
    0xa90be017, // stp x23, x24, [x0, #184]
    0xa90ce819, // stp x25, x26, [x0, #200]
    0xa90df01b, // stp x27, x28, [x0, #216]
    0xa90ef81d, // stp x29, x30, [x0, #232]
    0xd53bd041, // mrs x1, tpidr_el0
    0xf9000001, // str x1, [x0]
    0xd53b4201, // mrs x1, nzcv
    0xf9007c01, // str x1, [x0, #248]
    0xd53b4421, // mrs x1, fpsr
    0xf9008001, // str x1, [x0, #256]
    0xd53b4401, // mrs x1, fpcr
    0xf9008401, // str x1, [x0, #264]
    0x91044001, // add x1, x0, #0x110
    0x4c9f2020, // st1 {v0.16b-v3.16b}, [x1], #64
    0x4c9f2024, // st1 {v4.16b-v7.16b}, [x1], #64
    0x4c9f2028, // st1 {v8.16b-v11.16b}, [x1], #64
    0x4c9f202c, // st1 {v12.16b-v15.16b}, [x1], #64
    0x4c9f2030, // st1 {v16.16b-v19.16b}, [x1], #64
    0x4c9f2034, // st1 {v20.16b-v23.16b}, [x1], #64
    0x4c9f2038, // st1 {v24.16b-v27.16b}, [x1], #64
    0x4c9f203c, // st1 {v28.16b-v31.16b}, [x1], #64
    0xaa0003e1, // mov x1, x0
    0xd2800020, // mov x0, #0x1 // #1
    0xd2806202, // mov x2, #0x310 // #784
    0xd2800808, // mov x8, #0x40 // #64
    0xd4000001, // svc #0x0
    0xd2800020, // mov x0, #0x1 // #1
    0xd2880001, // mov x1, #0x4000 // #16384
    0xf2a00801, // movk x1, #0x40, lsl #16
    0xd2840002, // mov x2, #0x2000 // #8192
    0xd4000001, // svc #0x0
    0xd2800000, // mov x0, #0x0 // #0
    0xd2800ba8, // mov x8, #0x5d // #93
    0xd4000001, // svc #0x0
];

/// A small deterministic PRNG (xorshift64*).
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Decode-table rows the tester generates for: every data-processing,
/// load/store, SIMD and FP class; branches, exception generation and
/// system-register classes (non-deterministic counters, control flow)
/// are left out.
pub fn classes() -> Vec<&'static Row> {
    const SKIP: &[&str] = &[
        "B",
        "BL",
        "CBZ_CBNZ",
        "TBZ_TBNZ",
        "B_cond",
        "BR_BLR_RET",
        "SVC",
        "HVC_SMC",
        "BRK",
        "HLT",
        "DCPS",
        "UDF",
        "HINT",
        "BARRIERS",
        "SYS",
        "MSR_reg",
        "MRS",
        // Pointer authentication: results depend on each process's
        // random keys (BR_PAC is control flow too).
        "BR_PAC",
        "PAC_1src",
        "LDRA",
    ];
    TABLE.iter().filter(|r| !SKIP.contains(&r.name)).collect()
}

fn field(w: u32, lo: u32) -> u32 {
    (w >> lo) & 31
}

fn set_field(w: u32, lo: u32, v: u32) -> u32 {
    (w & !(31 << lo)) | (v & 31) << lo
}

fn translates(w: u32) -> bool {
    let mut c = Ctx::new(xlat_ir::Builder::new(&LAYOUT, CODE), CODE);
    matches!(translate_insn(&mut c, w), InsnOutcome::Decoded(_))
}

/// Random instruction word of class `row` obeying the register
/// conventions, or `None` if no valid one was found in a few tries.
pub fn gen_word(rng: &mut Rng, row: &Row) -> Option<u32> {
    gen_word_as(rng, row, true)
}

/// As [`gen_word`], but a word of the class that xlat (under `-cpu max`)
/// translates if `translated`, or treats as UNDEFINED if not: the oracle
/// must raise SIGILL on those too.
pub fn gen_word_as(rng: &mut Rng, row: &Row, translated: bool) -> Option<u32> {
    let mem = row.name.starts_with("LDST_") || row.name == "LDR_lit";
    for _ in 0..64 {
        let mut w = (rng.next_u64() as u32 & !row.mask) | row.bits;
        // Register fields that are free in this row's pattern.
        for lo in [0u32, 5, 10, 16] {
            if (row.mask >> lo) & 31 != 0 {
                continue;
            }
            let bad: &[u32] = if lo == 5 || lo == 16 {
                &[18, 27, 28, 31]
            } else {
                &[18, 27, 28]
            };
            if bad.contains(&field(w, lo)) {
                w = set_field(w, lo, rng.below(17) as u32);
            }
        }
        if mem {
            w = set_field(w, 5, 28);
            match row.name {
                "LDST_uimm" => w &= !(0xfc0 << 10),
                "LDST_reg" => w = set_field(w, 16, 27),
                "LDST_simd_multi_post" | "LDST_simd_single_post" => {
                    w = set_field(w, 16, if rng.below(2) == 0 { 27 } else { 31 })
                }
                "LDR_lit" => w = (w & !(0x7ffff << 5)) | ((1 + rng.below(16) as u32) << 5),
                "LDST_atomic" if rng.below(4) == 0 => w = set_field(w, 16, 31),
                // Aligned offsets: xlat's max has FEAT_LSE2 (unaligned
                // within 16 bytes is allowed), qemu 7.2 has not.
                "LDST_rcpc" => w &= !(((1 << (w >> 30)) - 1) << 12),
                _ => {}
            }
            if matches!(row.name, "LDST_excl" | "LDST_atomic") {
                let (rt, rt2, rs) = (field(w, 0), field(w, 10), field(w, 16));
                // Overlapping status/data registers and CASP pairs that
                // reach x27 are UNPREDICTABLE or break the conventions.
                if rs == rt || (rs == rt2 && rt2 != 31) || rs == 26 || rt == 26 {
                    continue;
                }
                if row.name == "LDST_excl" && rt == rt2 {
                    continue;
                }
            }
            if row.name == "LDST_pair" && w & (1 << 22) != 0 && field(w, 0) == field(w, 10) {
                continue;
            }
        }
        if qemu_deviation(w) || key_dependent(w) || (!translated && qemu_only(w)) {
            continue;
        }
        if decode(Insn(w)).map(|r| r.name) == Some(row.name) && translates(w) == translated {
            return Some(w);
        }
    }
    None
}

/// Encodings where qemu-aarch64 (the oracle) deviates from the Arm ARM,
/// left out of the comparison: FCVTZS/FCVTZU (scalar, fixed-point) on
/// half precision, whose 16-bit result QEMU writes sign-extended to 32
/// bits (the architecture writes Hd, zeroing the rest of the register).
fn qemu_deviation(w: u32) -> bool {
    const P: (u32, u32) = xlat_ir::decode::pattern("01x11111 0001xxxx 111111xx xxxxxxxx");
    w & P.0 == P.1
}

/// Words xlat treats as UNDEFINED that qemu-aarch64 7.2 `-cpu max`
/// executes: FEAT_MTE (IRG, GMI, SUBP, SUBPS, STGP, MSR TCO), which no
/// xlat model has; SMSTART/SMSTOP (FEAT_SME, in no xlat model);
/// unallocated encodings (objdump agrees) that qemu executes: scalar FP16
/// FABS/FNEG and FSQRT and vector FP16 "FRECPX" (two-register misc, a = 1,
/// opcode 01111 or 11111), half-precision across-lanes and scalar
/// pairwise FMAXNM/FMINNM/FADD/FMAX/FMIN with size<0> = 1, modified
/// immediate with op = 1, cmode = 1111, o2 = 1.
fn qemu_only(w: u32) -> bool {
    use xlat_ir::decode::pattern;
    const QEMU_ACCEPTS: [(u32, u32); 7] = [
        pattern("01x11110 11111000 111110xx xxxxxxxx"),
        pattern("01111110 11111001 111110xx xxxxxxxx"),
        pattern("0x001110 11111001 111110xx xxxxxxxx"),
        pattern("0x001110 x1110000 11xx10xx xxxxxxxx"),
        pattern("01011110 x1110000 11xx10xx xxxxxxxx"),
        pattern("0x101111 00000xxx 111111xx xxxxxxxx"),
        pattern("11010101 00000011 0100xxxx 01111111"),
    ];
    let mte_dp = w >> 21 & 0x6ff == 0x4d6 && matches!(w >> 10 & 63, 0 | 4 | 5);
    let stgp = w & 0xfe40_0000 == 0x6800_0000 && w >> 23 & 3 != 0;
    let tco = w & 0xffff_f0ff == 0xd503_409f;
    mte_dp || stgp || tco || QEMU_ACCEPTS.iter().any(|p| w & p.0 == p.1)
}

/// PACGA (in the DP_2src class): its result depends on the process's
/// random pointer authentication keys, which differ between runs.
fn key_dependent(w: u32) -> bool {
    const P: (u32, u32) = xlat_ir::decode::pattern("10011010 110xxxxx 001100xx xxxxxxxx");
    w & P.0 == P.1
}

/// Interesting floating-point bit patterns (single and double).
const F32_SPECIAL: &[u32] = &[
    0,
    0x8000_0000,
    0x3f80_0000,
    0xbf80_0000,
    0x7f80_0000,
    0xff80_0000,
    0x7fc0_0000,
    0x7fc1_2345,
    0x7f80_0001,
    0xffa0_0000,
    0x0000_0001,
    0x807f_ffff,
    0x7f7f_ffff,
    0x0080_0000,
    0x3f00_0000,
    0x4b00_0001,
    0x4f00_0000,
    0xcf00_0000,
    0x5f00_0000,
];
const F64_SPECIAL: &[u64] = &[
    0,
    0x8000_0000_0000_0000,
    0x3ff0_0000_0000_0000,
    0xbff0_0000_0000_0000,
    0x7ff0_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0x7ff8_0000_0000_0000,
    0x7ff8_0000_1234_5678,
    0x7ff0_0000_0000_0001,
    0x0000_0000_0000_0001,
    0x000f_ffff_ffff_ffff,
    0x7fef_ffff_ffff_ffff,
    0x0010_0000_0000_0000,
    0x3fe0_0000_0000_0000,
    0x4330_0000_0000_0001,
    0x43e0_0000_0000_0000,
    0xc3e0_0000_0000_0000,
    0x41e0_0000_0000_0000,
    0x4004_0000_0000_0000,
];

/// A random start state.
#[derive(Clone, Debug)]
pub struct StartState {
    /// X0..X30.
    pub x: [u64; 31],
    /// NZCV in bits 31:28.
    pub nzcv: u64,
    /// FPCR.
    pub fpcr: u64,
    /// V0..V31.
    pub v: [u128; 32],
    /// Initial scratch buffer.
    pub scratch: Vec<u8>,
}

fn rand_u64(rng: &mut Rng) -> u64 {
    match rng.below(8) {
        0 => 0,
        1 => u64::MAX,
        2 => rng.below(256),
        3 => 1 << rng.below(64),
        4 => (rng.below(1 << 16)).wrapping_neg(),
        5 => F64_SPECIAL[rng.below(F64_SPECIAL.len() as u64) as usize],
        _ => rng.next_u64(),
    }
}

fn rand_v(rng: &mut Rng) -> u128 {
    let mut v = (rng.next_u64() as u128) << 64 | rng.next_u64() as u128;
    match rng.below(4) {
        0 => {
            for k in 0..4 {
                if rng.below(2) == 0 {
                    let x = F32_SPECIAL[rng.below(F32_SPECIAL.len() as u64) as usize] as u128;
                    v = (v & !(0xffff_ffffu128 << (32 * k))) | x << (32 * k);
                }
            }
        }
        1 => {
            for k in 0..2 {
                if rng.below(2) == 0 {
                    let x = F64_SPECIAL[rng.below(F64_SPECIAL.len() as u64) as usize] as u128;
                    v = (v & !((u64::MAX as u128) << (64 * k))) | x << (64 * k);
                }
            }
        }
        2 => {
            // Moderate doubles with few fraction bits in both lanes.
            for k in 0..2 {
                let x =
                    (0x3f0u64 + rng.below(0x20)) << 52 | rng.below(16) << 48 | (rng.below(2) << 63);
                v = (v & !((u64::MAX as u128) << (64 * k))) | (x as u128) << (64 * k);
            }
        }
        _ => {}
    }
    v
}

/// NaN-rule corners for [`Config::fp_fast`]: zeros of both signs, ones,
/// infinities, quiet and signalling NaNs of both signs with payloads, the
/// default NaN; as (single, double) bit patterns.
const FP_CORNERS: &[(u32, u64)] = &[
    (0, 0),
    (0x8000_0000, 0x8000_0000_0000_0000),
    (0x3f80_0000, 0x3ff0_0000_0000_0000),
    (0xbf80_0000, 0xbff0_0000_0000_0000),
    (0x7f80_0000, 0x7ff0_0000_0000_0000),
    (0xff80_0000, 0xfff0_0000_0000_0000),
    (0x7fc0_0123, 0x7ff8_0000_0000_0123),
    (0xffc0_0045, 0xfff8_0000_0000_0045),
    (0x7f80_0067, 0x7ff0_0000_0000_0067),
    (0xffa0_0089, 0xfff4_0000_0000_0089),
    (0x7fc0_0000, 0x7ff8_0000_0000_0000),
];

/// A V register whose low 64 bits are one double corner or two single
/// corners (the upper half random).
fn corner_v(rng: &mut Rng) -> u128 {
    let pick = |rng: &mut Rng| FP_CORNERS[rng.below(FP_CORNERS.len() as u64) as usize];
    let lo = if rng.below(2) == 0 {
        pick(rng).1
    } else {
        pick(rng).0 as u64 | (pick(rng).0 as u64) << 32
    };
    (rng.next_u64() as u128) << 64 | lo as u128
}

impl StartState {
    /// Replaces every V register by NaN/zero/infinity corners
    /// ([`FP_CORNERS`]), so that two-operand instructions meet a quiet
    /// NaN with a signalling one, FMA a NaN addend, FMAXNM one NaN and
    /// FMIN/FMAX zeros of both signs.
    pub fn fp_corners(&mut self, rng: &mut Rng) {
        for v in self.v.iter_mut() {
            *v = corner_v(rng);
        }
    }

    /// A random state following the register conventions.
    pub fn random(rng: &mut Rng) -> StartState {
        let mut x = [0u64; 31];
        for r in x.iter_mut() {
            *r = rand_u64(rng);
        }
        x[27] = rng.below(64);
        x[28] = X28;
        // RMode, FZ, DN and AHP (bits 22..26) and FZ16 (bit 19).
        let fpcr = if rng.below(2) == 0 {
            0
        } else {
            rng.below(32) << 22 | rng.below(2) << 19
        };
        let mut scratch = vec![0u8; SCRATCH_LEN];
        for b in scratch.iter_mut() {
            *b = rng.next_u64() as u8;
        }
        StartState {
            x,
            nzcv: rng.below(16) << 28,
            fpcr,
            v: std::array::from_fn(|_| rand_v(rng)),
            scratch,
        }
    }
}

fn put(buf: &mut [u8], off: usize, b: &[u8]) {
    buf[off..off + b.len()].copy_from_slice(b);
}

/// Builds the test ELF for `words` started from `st`.
pub fn build_elf(words: &[u32], st: &StartState) -> Vec<u8> {
    build_elf_fp(words, st, false)
}

/// As [`build_elf`]; with `fp_fast` the prologue leaves FPSR alone
/// instead of clearing it (it is 0 at process start), so that xlat does
/// not start tracking FPSR before the sequence (see [`Config::fp_fast`]).
pub fn build_elf_fp(words: &[u32], st: &StartState, fp_fast: bool) -> Vec<u8> {
    let size = (SCRATCH - BASE) as usize + SCRATCH_LEN;
    let mut f = vec![0u8; size];
    // ELF header.
    put(&mut f, 0, b"\x7fELF\x02\x01\x01\x00");
    put(&mut f, 16, &2u16.to_le_bytes()); // ET_EXEC
    put(&mut f, 18, &183u16.to_le_bytes()); // EM_AARCH64
    put(&mut f, 20, &1u32.to_le_bytes());
    put(&mut f, 24, &CODE.to_le_bytes()); // e_entry
    put(&mut f, 32, &64u64.to_le_bytes()); // e_phoff
    put(&mut f, 52, &64u16.to_le_bytes()); // e_ehsize
    put(&mut f, 54, &56u16.to_le_bytes()); // e_phentsize
    put(&mut f, 56, &1u16.to_le_bytes()); // e_phnum
    // One PT_LOAD, RWX, covering the whole file.
    put(&mut f, 64, &1u32.to_le_bytes());
    put(&mut f, 68, &7u32.to_le_bytes());
    put(&mut f, 72, &0u64.to_le_bytes());
    put(&mut f, 80, &BASE.to_le_bytes());
    put(&mut f, 88, &BASE.to_le_bytes());
    put(&mut f, 96, &(size as u64).to_le_bytes());
    put(&mut f, 104, &(size as u64).to_le_bytes());
    put(&mut f, 112, &0x1000u64.to_le_bytes());
    const MSR_FPSR_XZR: u32 = 0xd51b443f;
    const NOP: u32 = 0xd503201f;
    let code: Vec<u32> = PROLOGUE
        .iter()
        .map(|&w| if fp_fast && w == MSR_FPSR_XZR { NOP } else { w })
        .chain(words.iter().chain(EPILOGUE).copied())
        .collect();
    let c0 = (CODE - BASE) as usize;
    for (k, w) in code.iter().enumerate() {
        put(&mut f, c0 + 4 * k, &w.to_le_bytes());
    }
    let s0 = (STATE - BASE) as usize;
    for (k, x) in st.x.iter().enumerate() {
        put(&mut f, s0 + 8 * k, &x.to_le_bytes());
    }
    put(&mut f, s0 + 248, &st.nzcv.to_le_bytes());
    put(&mut f, s0 + 256, &st.fpcr.to_le_bytes());
    for (k, v) in st.v.iter().enumerate() {
        put(&mut f, s0 + 0x200 + 16 * k, &v.to_le_bytes());
    }
    put(&mut f, (SCRATCH - BASE) as usize, &st.scratch);
    f
}

/// What one emulator produced.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Outcome {
    /// Exit status, or `-signal`, or `i32::MIN` on timeout.
    pub status: i32,
    /// Everything written to stdout.
    pub stdout: Vec<u8>,
}

/// An emulator command line (program and leading arguments).
#[derive(Clone, Debug)]
pub struct Runner {
    /// Short name for reports.
    pub name: String,
    /// Program and arguments; the ELF path is appended.
    pub argv: Vec<String>,
}

/// Runs `elf` (a file path) under `r`, killing it after `timeout`.
pub fn run(r: &Runner, elf: &Path, timeout: Duration) -> std::io::Result<Outcome> {
    use std::os::unix::process::ExitStatusExt;
    let spawn = || {
        Command::new(&r.argv[0])
            .args(&r.argv[1..])
            .arg(elf)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
    };
    // A binary being relinked by a concurrent build is briefly missing.
    let mut tries = 0;
    let mut child = loop {
        match spawn() {
            Ok(c) => break c,
            Err(e) if tries < 5 && e.kind() == std::io::ErrorKind::NotFound => {
                tries += 1;
                std::thread::sleep(Duration::from_secs(2));
            }
            Err(e) => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!("running {}: {e}", r.argv[0]),
                ));
            }
        }
    };
    let mut out = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s.code().unwrap_or_else(|| -s.signal().unwrap_or(0));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break i32::MIN;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let stdout = reader.join().unwrap_or_default();
    Ok(Outcome { status, stdout })
}

/// Names the differing parts of two outcomes.
pub fn diff(a: &Outcome, b: &Outcome) -> Vec<String> {
    diff_fp(a, b, false)
}

/// As [`diff`]; `skip_fpsr` leaves FPSR out (see [`Config::fp_fast`]).
pub fn diff_fp(a: &Outcome, b: &Outcome, skip_fpsr: bool) -> Vec<String> {
    let mut d = Vec::new();
    if a.status != b.status {
        d.push(format!("status {} vs {}", a.status, b.status));
    }
    let (x, y) = (&a.stdout, &b.stdout);
    if x.len() != y.len() {
        d.push(format!("output length {} vs {}", x.len(), y.len()));
    }
    let u64_at = |v: &[u8], o: usize| {
        v.get(o..o + 8)
            .map(|s| u64::from_le_bytes(s.try_into().unwrap()))
    };
    let u128_at = |v: &[u8], o: usize| {
        v.get(o..o + 16)
            .map(|s| u128::from_le_bytes(s.try_into().unwrap()))
    };
    for k in 0..31 {
        if let (Some(p), Some(q)) = (u64_at(x, 8 * k), u64_at(y, 8 * k))
            && p != q
        {
            d.push(format!("x{k} {:#x} vs {:#x}", p, q));
        }
    }
    for (name, o) in [("nzcv", 248), ("fpsr", 256), ("fpcr", 264)] {
        if let (Some(p), Some(q)) = (u64_at(x, o), u64_at(y, o))
            && p != q
            && !(skip_fpsr && name == "fpsr")
        {
            d.push(format!("{name} {:#x} vs {:#x}", p, q));
        }
    }
    for k in 0..32 {
        if let (Some(p), Some(q)) = (u128_at(x, 0x110 + 16 * k), u128_at(y, 0x110 + 16 * k))
            && p != q
        {
            d.push(format!("v{k} {:#034x} vs {:#034x}", p, q));
        }
    }
    let n = x.len().min(y.len());
    if n > DUMP_LEN
        && let Some(k) = (DUMP_LEN..n).find(|&k| x[k] != y[k])
    {
        let addr = SCRATCH + (k - DUMP_LEN) as u64;
        let count = (DUMP_LEN..n).filter(|&k| x[k] != y[k]).count();
        d.push(format!("memory: {count} bytes differ, first at {addr:#x}"));
    }
    d
}

/// Configuration of a run.
#[derive(Clone, Debug)]
pub struct Config {
    /// PRNG seed.
    pub seed: u64,
    /// Sequences per class.
    pub per_class: u32,
    /// Longest sequence (instructions).
    pub max_len: u32,
    /// The emulators under test; compared with `oracle`.
    pub subjects: Vec<Runner>,
    /// The reference.
    pub oracle: Runner,
    /// Only classes whose name contains this.
    pub filter: Option<String>,
    /// Directory for the generated ELF files.
    pub dir: PathBuf,
    /// Stop collecting mismatch reports after this many.
    pub max_reports: usize,
    /// Test xlat's fast scalar FP path: FPSR is never written or read
    /// before the sequence, so xlat runs it without FPSR tracking (IR
    /// float ops when FPCR is 0) and FPSR is left out of the comparison;
    /// every other sequence starts from NaN/zero corners
    /// ([`StartState::fp_corners`]).
    pub fp_fast: bool,
    /// Generate single words of each class that xlat treats as
    /// UNDEFINED (SIGILL): the oracle must reject them too, so that a
    /// valid encoding xlat wrongly rejects shows up as a mismatch.
    pub undefined: bool,
}

/// Per-class results.
#[derive(Clone, Debug, Default)]
pub struct ClassStats {
    /// Class (decode-table row) name.
    pub name: &'static str,
    /// Sequences run.
    pub sequences: u32,
    /// Instructions in them.
    pub insns: u32,
    /// Mismatching sequences per subject.
    pub mismatches: Vec<u32>,
}

/// Result of [`run_all`].
#[derive(Debug, Default)]
pub struct Report {
    /// Per class, in table order.
    pub classes: Vec<ClassStats>,
    /// Human-readable mismatch reports.
    pub failures: Vec<String>,
}

impl Report {
    /// Total number of mismatching (subject, sequence) pairs.
    pub fn mismatches(&self) -> u32 {
        self.classes
            .iter()
            .map(|c| c.mismatches.iter().sum::<u32>())
            .sum()
    }

    /// A Markdown table of the per-class counts.
    pub fn table(&self, subjects: &[Runner]) -> String {
        let mut s = String::from("| class | sequences | instructions |");
        for r in subjects {
            let _ = write!(s, " {} mismatches |", r.name);
        }
        s.push_str("\n|---|---:|---:|");
        for _ in subjects {
            s.push_str("---:|");
        }
        s.push('\n');
        for c in &self.classes {
            let _ = write!(s, "| {} | {} | {} |", c.name, c.sequences, c.insns);
            for m in &c.mismatches {
                let _ = write!(s, " {m} |");
            }
            s.push('\n');
        }
        s
    }
}

/// Runs `cfg.per_class` random sequences of every class.
pub fn run_all(cfg: &Config) -> std::io::Result<Report> {
    std::fs::create_dir_all(&cfg.dir)?;
    let mut rng = Rng(cfg.seed | 1);
    let mut report = Report::default();
    let timeout = Duration::from_secs(10);
    for row in classes() {
        if let Some(f) = &cfg.filter
            && !row.name.contains(f.as_str())
        {
            continue;
        }
        let mut stats = ClassStats {
            name: row.name,
            mismatches: vec![0; cfg.subjects.len()],
            ..Default::default()
        };
        for n in 0..cfg.per_class {
            let len = if cfg.undefined {
                1
            } else {
                1 + rng.below(cfg.max_len as u64) as usize
            };
            let mut words: Vec<u32> = (0..len)
                .filter_map(|_| gen_word_as(&mut rng, row, !cfg.undefined))
                .collect();
            if row.name == "LDST_excl" && !cfg.undefined {
                // A store-exclusive of another size than the load-exclusive
                // (or a single after a pair) is CONSTRAINED UNPREDICTABLE:
                // keep one size and one pair bit (o1) per sequence.
                const KEEP: u32 = 0xc020_0000;
                let first = words.first().map_or(0, |w| w & KEEP);
                words = words
                    .into_iter()
                    .map(|w| (w & !KEEP) | first)
                    .filter(|&w| decode(Insn(w)).map(|r| r.name) == Some(row.name) && translates(w))
                    .collect();
            }
            if words.is_empty() {
                continue;
            }
            let mut st = StartState::random(&mut rng);
            if cfg.fp_fast && n % 2 == 1 {
                // A second generator, so the default runs keep their
                // sequences.
                st.fp_corners(&mut Rng(cfg.seed ^ (n as u64) << 32 | 1));
            }
            let path = cfg.dir.join(format!("t-{}-{n}", row.name));
            write_exec(&path, &build_elf_fp(&words, &st, cfg.fp_fast))?;
            let want = run(&cfg.oracle, &path, timeout)?;
            for (k, sub) in cfg.subjects.iter().enumerate() {
                let got = run(sub, &path, timeout)?;
                let d = diff_fp(&got, &want, cfg.fp_fast);
                if !d.is_empty() {
                    stats.mismatches[k] += 1;
                    if report.failures.len() < cfg.max_reports {
                        let ws: Vec<String> = words.iter().map(|w| format!("{w:08x}")).collect();
                        report.failures.push(format!(
                            "{} [{}] {} vs {}: {}\n    {}",
                            row.name,
                            ws.join(" "),
                            sub.name,
                            cfg.oracle.name,
                            path.display(),
                            d.join("\n    ")
                        ));
                        continue;
                    }
                }
            }
            if stats.mismatches.iter().all(|&m| m == 0) || report.failures.len() >= cfg.max_reports
            {
                let _ = std::fs::remove_file(&path);
            }
            stats.sequences += 1;
            stats.insns += words.len() as u32;
        }
        report.classes.push(stats);
    }
    Ok(report)
}

fn write_exec(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, bytes)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

/// Finds `xlat-aarch64`: `$XLAT_AARCH64`, else the newest build in the
/// workspace's target directory.
pub fn find_xlat() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("XLAT_AARCH64") {
        return Some(PathBuf::from(p));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    ["release", "debug"]
        .iter()
        .map(|p| root.join(p).join("xlat-aarch64"))
        .filter(|p| p.exists())
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
}

/// Finds `qemu-aarch64` on PATH.
pub fn find_qemu() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("qemu-aarch64"))
        .find(|p| p.exists())
}

/// The standard runners: xlat at tier interp and jit, qemu `-cpu max`.
pub fn standard_runners(xlat: &Path, qemu: &Path) -> (Vec<Runner>, Runner) {
    cpu_runners(xlat, qemu, "max")
}

/// As [`standard_runners`], both sides under `-cpu cpu` (words of
/// features the model lacks must raise SIGILL on both).
pub fn cpu_runners(xlat: &Path, qemu: &Path, cpu: &str) -> (Vec<Runner>, Runner) {
    let x = xlat.display().to_string();
    let subjects = ["interp", "jit"]
        .iter()
        .map(|t| Runner {
            name: format!("xlat-{t}"),
            argv: vec![
                x.clone(),
                "-cpu".into(),
                cpu.into(),
                "-tier".into(),
                t.to_string(),
            ],
        })
        .collect();
    let oracle = Runner {
        name: "qemu".into(),
        argv: vec![qemu.display().to_string(), "-cpu".into(), cpu.into()],
    };
    (subjects, oracle)
}
