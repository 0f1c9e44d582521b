//! Feature gating per CPU model: an instruction of an optional feature is
//! translated on a model that has the feature and is UNDEFINED (SIGILL) on
//! one that lacks it; the model's AT_HWCAP/HWCAP2 bits and ID register
//! fields announce exactly the features it decodes.

use xlat_frontend_aarch64::cpu::{self, Feature, Feature::*, MODELS, hwcap, hwcap2, sysreg};
use xlat_frontend_aarch64::translate::Ctx;
use xlat_frontend_aarch64::{InsnOutcome, LAYOUT, translate_insn};
use xlat_ir::Builder;

/// (word, disassembly from aarch64-linux-gnu-objdump, feature it needs).
const GATED: &[(u32, &str, Feature)] = &[
    (0x9ac2_5c20, "crc32cx w0, w1, x2", Crc32),
    (0x1ac2_4020, "crc32b w0, w1, w2", Crc32),
    (0xf8e2_0060, "ldaddal x2, x0, [x3]", Atomics),
    (0xb821_005f, "stadd w1, [x2]", Atomics),
    (0x3821_8062, "swpb w1, w2, [x3]", Atomics),
    (0xc8e1_fc62, "casal x1, x2, [x3]", Atomics),
    (0x4860_7c82, "caspa x0, x1, x2, x3, [x4]", Atomics),
    (0xf8bf_c020, "ldapr x0, [x1]", Lrcpc),
    (0x38bf_c020, "ldaprb w0, [x1]", Lrcpc),
    (0xd500_401f, "cfinv", FlagM),
    (0xba01_842a, "rmif x1, #3, #10", FlagM),
    (0x3a00_084d, "setf8 w2", FlagM),
    (0x3a00_484d, "setf16 w2", FlagM),
    (0xd500_405f, "axflag", FlagM2),
    (0xd500_403f, "xaflag", FlagM2),
    (0xce01_0803, "eor3 v3.16b, v0.16b, v1.16b, v2.16b", Sha3),
    (0xce62_8020, "sha512h q0, q1, v2.2d", Sha512),
    (0xce41_0803, "sm3ss1 v3.4s, v0.4s, v1.4s, v2.4s", Sm3),
    (0xcec0_8420, "sm4e v0.4s, v1.4s", Sm4),
    (0xce61_c802, "sm4ekey v2.4s, v0.4s, v1.4s", Sm4),
    (0x4e82_9420, "sdot v0.4s, v1.16b, v2.16b", DotProd),
    (0x1ee2_2820, "fadd h0, h1, h2", Fp16),
    (0x1eef_1000, "fmov h0, #1.5", Fp16),
    (0x1ee7_0020, "fmov h0, w1", Fp16),
    (0x1ef8_0020, "fcvtzs w0, h1", Fp16),
    (0x1ee1_2000, "fcmp h0, h1", Fp16),
    (0x1ee2_0c20, "fcsel h0, h1, h2, eq", Fp16),
    (0x1fc2_0c20, "fmadd h0, h1, h2, h3", Fp16),
    (0x4e42_1420, "fadd v0.8h, v1.8h, v2.8h", Fp16),
    (0x1e63_4020, "bfcvt h0, s1", Bf16),
    (0x2e41_fc02, "bfdot v2.2s, v0.4h, v1.4h", Bf16),
    (0x4e82_a420, "smmla v0.4s, v1.16b, v2.16b", I8mm),
    (0x1e68_c020, "frint32x d0, d1", Frint),
    (0x1e7e_0000, "fjcvtzs w0, d0", Jscvt),
    (0x0e22_ec20, "fmlal v0.2s, v1.2h, v2.2h", Fhm),
    (0x6e42_8420, "sqrdmlah v0.8h, v1.8h, v2.8h", Rdm),
    (0x2e81_e400, "fcadd v0.2s, v0.2s, v1.2s, #90", Fcma),
    (0xd50b_7c20, "dc cvap, x0", Dcpop),
    (0xd50b_7d20, "dc cvadp, x0", Dcpodp),
    (0xd503_30ff, "sb", Sb),
    (0xd503_413f, "msr ssbs, #1", Ssbs),
    (0xd53b_42c0, "mrs x0, ssbs", Ssbs),
    (0x9ac2_3020, "pacga x0, x1, x2", Pauth),
    (0xdac1_0020, "pacia x0, x1", Pauth),
    (0xdac1_1c20, "autdb x0, x1", Pauth),
    (0xdac1_43e0, "xpaci x0", Pauth),
    (0xd65f_0bff, "retaa", Pauth),
    (0xd71f_0801, "braa x0, x1", Pauth),
    (0xd63f_081f, "blraaz x0", Pauth),
    (0xf820_1420, "ldraa x0, [x1, #8]", Pauth),
    (0xf8ff_fc20, "ldrab x0, [x1, #-8]!", Pauth),
    // Found by `xlat-difftest --cpu cortex-a53` against qemu.
    (0xc8df_7c20, "ldlar x0, [x1]", Lor),
    (0xc89f_7c22, "stllr x2, [x1]", Lor),
    (0x0e30_f820, "fmaxv h0, v1.4h", Fp16),
    (0x5e30_d820, "faddp h0, v1.2h", Fp16),
    (0x0ea2_ec20, "fmlsl v0.2s, v1.2h, v2.2h", Fhm),
    (0x6ea2_cc20, "fmlsl2 v0.4s, v1.4h, v2.4h", Fhm),
    (0x4e61_fb1a, "frint64z v26.2d, v24.2d", Frint),
    (0x2f18_fd8a, "fcvtzu v10.4h, v12.4h, #8", Fp16),
    (0x191f_d041, "stlurb w1, [x2, #-3]", Lrcpc2),
    (0xd53b_2400, "mrs x0, rndr", Rng),
    (0xd53b_2421, "mrs x1, rndrrs", Rng),
    (0xd503_415f, "msr dit, #1", Dit),
    (0xd53b_42a0, "mrs x0, dit", Dit),
    (0xd940_83e1, "ldapur x1, [sp, #8]", Lrcpc2),
    (0x5980_0041, "ldapursh x1, [x2]", Lrcpc2),
];

/// Base Armv8.0 instructions next to gated ones: never UNDEFINED.
const BASE: &[(u32, &str)] = &[
    (0x1ee2_4020, "fcvt s0, h1"),
    (0x1e63_c020, "fcvt h0, d1"),
    (0xd503_233f, "paciasp (hint space: NOP without PAuth)"),
    (0xd503_23bf, "autiasp"),
    (0xd503_20ff, "xpaclri"),
    (0xd50b_7b20, "dc cvau, x0"),
];

/// Instructions of features no model has: UNDEFINED everywhere (as in
/// qemu-aarch64 7.2's models).
const NOWHERE: &[(u32, &str)] = &[
    (0xd503_323f, "dsb oshnxs (FEAT_XS)"),
    (0xd503_419f, "msr tco, #1 (FEAT_MTE)"),
];

fn outcome(model: &'static cpu::CpuModel, word: u32) -> InsnOutcome {
    let mut c = Ctx::with_model(Builder::new(&LAYOUT, 0x1000), 0x1000, model);
    translate_insn(&mut c, word)
}

#[test]
fn gated_instructions_follow_the_model() {
    let mut bad = Vec::new();
    for m in MODELS {
        for &(w, text, f) in GATED {
            let decoded = outcome(m, w) != InsnOutcome::Undefined;
            if decoded != m.has(f) {
                bad.push(format!(
                    "{}: {text} ({w:#010x}, {f:?}): decoded={decoded}, model has it={}",
                    m.name,
                    m.has(f)
                ));
            }
        }
        for &(w, text) in NOWHERE {
            if outcome(m, w) != InsnOutcome::Undefined {
                bad.push(format!("{}: {text} is decoded", m.name));
            }
        }
        for &(w, text) in BASE {
            if outcome(m, w) == InsnOutcome::Undefined {
                bad.push(format!("{}: base instruction {text} is UNDEFINED", m.name));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_model_lacks_or_has_features_that_differ() {
    // The table exercises both sides: each feature is present in one
    // model and absent from another (else the test above proves little).
    let a53 = cpu::find("cortex-a53").unwrap();
    let max = cpu::default_model();
    for &(_, text, f) in GATED {
        if f != Crc32 {
            assert!(max.has(f) && !a53.has(f), "{text}: {f:?}");
        }
    }
}

/// Reads a 4-bit ID register field.
fn field(reg: u64, shift: u32) -> u64 {
    reg >> shift & 15
}

#[test]
fn hwcaps_and_id_registers_agree_with_features() {
    for m in MODELS {
        let (h, h2) = (m.hwcap(), m.hwcap2());
        let isar0 = m.id_register(sysreg(3, 0, 0, 6, 0)).unwrap();
        let isar1 = m.id_register(sysreg(3, 0, 0, 6, 1)).unwrap();
        let pfr0 = m.id_register(sysreg(3, 0, 0, 4, 0)).unwrap();
        let pfr1 = m.id_register(sysreg(3, 0, 0, 4, 1)).unwrap();
        // (feature, hwcap says so, ID field says so)
        let rows: &[(Feature, bool, bool)] = &[
            (Crc32, h & hwcap::CRC32 != 0, field(isar0, 16) == 1),
            (Atomics, h & hwcap::ATOMICS != 0, field(isar0, 20) == 2),
            (Lrcpc, h & hwcap::LRCPC != 0, field(isar1, 20) >= 1),
            (Lrcpc2, h & hwcap::ILRCPC != 0, field(isar1, 20) == 2),
            (Rng, h2 & hwcap2::RNG != 0, field(isar0, 60) == 1),
            (Dit, h & hwcap::DIT != 0, field(pfr0, 48) == 1),
            (FlagM, h & hwcap::FLAGM != 0, field(isar0, 52) >= 1),
            (FlagM2, h2 & hwcap2::FLAGM2 != 0, field(isar0, 52) == 2),
            (Sha3, h & hwcap::SHA3 != 0, field(isar0, 32) == 1),
            (Sha512, h & hwcap::SHA512 != 0, field(isar0, 12) == 2),
            (Sm3, h & hwcap::SM3 != 0, field(isar0, 36) == 1),
            (Sm4, h & hwcap::SM4 != 0, field(isar0, 40) == 1),
            (DotProd, h & hwcap::ASIMDDP != 0, field(isar0, 44) == 1),
            (Fp16, h & hwcap::FPHP != 0, field(pfr0, 16) == 1),
            (Fhm, h & hwcap::ASIMDFHM != 0, field(isar0, 48) == 1),
            (Rdm, h & hwcap::ASIMDRDM != 0, field(isar0, 28) == 1),
            (Fcma, h & hwcap::FCMA != 0, field(isar1, 16) == 1),
            (Jscvt, h & hwcap::JSCVT != 0, field(isar1, 12) == 1),
            (Frint, h2 & hwcap2::FRINT != 0, field(isar1, 32) == 1),
            (I8mm, h2 & hwcap2::I8MM != 0, field(isar1, 52) == 1),
            (Bf16, h2 & hwcap2::BF16 != 0, field(isar1, 44) == 1),
            (Dcpop, h & hwcap::DCPOP != 0, field(isar1, 0) >= 1),
            (Dcpodp, h2 & hwcap2::DCPODP != 0, field(isar1, 0) == 2),
            (Sb, h & hwcap::SB != 0, field(isar1, 36) == 1),
            (Ssbs, h & hwcap::SSBS != 0, field(pfr1, 4) == 2),
            (Pauth, h & hwcap::PACA != 0, field(isar1, 4) == 1),
            (Pauth, h & hwcap::PACG != 0, field(isar1, 24) == 1),
            // LSE2's ID field (MMFR2.AT) is hidden from EL0 by Linux.
            (Lse2, h & hwcap::USCAT != 0, m.has(Lse2)),
        ];
        for &(f, hw, id) in rows {
            assert_eq!(hw, m.has(f), "{}: hwcap of {f:?}", m.name);
            assert_eq!(id, m.has(f), "{}: ID field of {f:?}", m.name);
        }
    }
}

#[test]
fn id_registers_match_qemu_for_named_cores() {
    // `mrs` of each register under qemu-aarch64 7.2 -cpu NAME (qemu's
    // Neoverse N1 is r4p1, MIDR 0x414fd0c1; xlat's is r3p1).
    let cases: &[(&str, [u64; 8])] = &[
        // midr, pfr0, pfr1, isar0, isar1, mmfr0, dfr0, isar2
        (
            "cortex-a53",
            [0x410f_d034, 0x11, 0, 0x1_1120, 0, 0xff00_0000, 6, 0],
        ),
        (
            "cortex-a72",
            [0x410f_d083, 0x11, 0, 0x1_1120, 0, 0xff00_0000, 6, 0],
        ),
        (
            "neoverse-n1",
            [
                0x413f_d0c1,
                0x11_0011,
                0x20,
                0x1000_1021_1120,
                0x10_0001,
                0xff00_0000,
                6,
                0,
            ],
        ),
    ];
    let regs = [
        sysreg(3, 0, 0, 0, 0),
        sysreg(3, 0, 0, 4, 0),
        sysreg(3, 0, 0, 4, 1),
        sysreg(3, 0, 0, 6, 0),
        sysreg(3, 0, 0, 6, 1),
        sysreg(3, 0, 0, 7, 0),
        sysreg(3, 0, 0, 5, 0),
        sysreg(3, 0, 0, 6, 2),
    ];
    for (name, want) in cases {
        let m = cpu::find(name).unwrap();
        let got: Vec<u64> = regs.iter().map(|&r| m.id_register(r).unwrap()).collect();
        assert_eq!(&got[..], &want[..], "{name}");
    }
}
