//! CPU models (`-cpu NAME`): the optional features each one has, and
//! everything derived from them so that they always agree: the ID
//! registers as Linux shows them to EL0 (its "HWCAP_CPUID" emulation of
//! MRS: only the fields Linux marks visible, everything else zero), the
//! AT_HWCAP/AT_HWCAP2 bits and the `/proc/cpuinfo` Features line.

/// An optional architecture feature a model may have.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Feature {
    /// AES instructions.
    Aes,
    /// PMULL/PMULL2 with 64-bit elements.
    Pmull,
    /// SHA1 instructions.
    Sha1,
    /// SHA256 instructions.
    Sha256,
    /// SHA512 instructions.
    Sha512,
    /// EOR3/RAX1/XAR/BCAX.
    Sha3,
    /// CRC32/CRC32C.
    Crc32,
    /// LSE atomics.
    Atomics,
    /// Half precision scalar and vector arithmetic.
    Fp16,
    /// SQRDMLAH/SQRDMLSH.
    Rdm,
    /// FCMLA/FCADD.
    Fcma,
    /// LDAPR.
    Lrcpc,
    /// DC CVAP.
    Dcpop,
    /// SDOT/UDOT.
    DotProd,
    /// FMLAL/FMLSL.
    Fhm,
    /// CFINV/RMIF/SETF.
    FlagM,
    /// AXFLAG/XAFLAG.
    FlagM2,
    /// FRINT32/FRINT64.
    Frint,
    /// SMMLA/UMMLA/USMMLA/USDOT/SUDOT.
    I8mm,
    /// BFDOT/BFMMLA/BFMLAL/BFCVT.
    Bf16,
    /// Speculative store bypass safe (PSTATE.SSBS; reads as implemented).
    Ssbs,
    /// DGH hint.
    Dgh,
    /// FJCVTZS.
    Jscvt,
    /// SM3 hash instructions.
    Sm3,
    /// SM4E/SM4EKEY.
    Sm4,
    /// SB (speculation barrier).
    Sb,
    /// DC CVADP.
    Dcpodp,
    /// LDAPUR/STLUR and their narrow and sign-extending forms (FEAT_LRCPC2).
    Lrcpc2,
    /// RNDR/RNDRRS (FEAT_RNG).
    Rng,
    /// PSTATE.DIT (data-independent timing; no effect on emulation).
    Dit,
    /// LDLAR/STLLR (FEAT_LOR, Armv8.1; no EL0-visible ID field).
    Lor,
    /// FEAT_LSE2: unaligned acquire/release and atomic accesses within a
    /// 16-byte granule (HWCAP_USCAT).
    Lse2,
    /// Pointer authentication (FEAT_PAuth with the QARMA5 algorithm,
    /// address and generic keys; no FEAT_EPAC/FPAC).
    Pauth,
    /// Branch target identification (FEAT_BTI): guarded pages
    /// (`PROT_BTI`), PSTATE.BTYPE and landing pads; see [`crate::bti`].
    Bti,
}

/// A named CPU model.
#[derive(Debug)]
pub struct CpuModel {
    /// `-cpu` name.
    pub name: &'static str,
    /// One-line description for `-cpu help`.
    pub description: &'static str,
    /// MIDR_EL1.
    pub midr: u64,
    /// CTR_EL0 (64-byte I/D cache lines; L1Ip VIPT on the Cortex-A53,
    /// PIPT elsewhere, as the cores and qemu-aarch64 report it).
    pub ctr: u64,
    /// Optional features present.
    pub features: &'static [Feature],
}

use Feature::*;

/// The models, `max` (the default) first.
pub static MODELS: &[CpuModel] = &[
    CpuModel {
        name: "max",
        description: "every feature xlat implements (default; MIDR of a Cortex-A72)",
        midr: 0x410f_d083,
        ctr: 0x8444_c004,
        features: &[
            Aes, Pmull, Sha1, Sha256, Sha512, Sha3, Crc32, Atomics, Fp16, Rdm, Fcma, Lrcpc, Dcpop,
            DotProd, Fhm, FlagM, FlagM2, Frint, I8mm, Bf16, Dgh, Jscvt, Sm3, Sm4, Sb, Dcpodp, Ssbs,
            Pauth, Lse2, Lor, Lrcpc2, Rng, Dit, Bti,
        ],
    },
    CpuModel {
        name: "cortex-a53",
        description: "Arm Cortex-A53 r0p4 (Armv8.0-A with crypto and CRC32)",
        midr: 0x410f_d034,
        ctr: 0x8444_8004,
        features: &[Aes, Pmull, Sha1, Sha256, Crc32],
    },
    CpuModel {
        name: "cortex-a72",
        description: "Arm Cortex-A72 r0p3 (Armv8.0-A with crypto and CRC32)",
        midr: 0x410f_d083,
        ctr: 0x8444_c004,
        features: &[Aes, Pmull, Sha1, Sha256, Crc32],
    },
    CpuModel {
        name: "neoverse-n1",
        description: "Arm Neoverse N1 r3p1 (Armv8.2-A, FP16, dot product, RCpc, SSBS)",
        midr: 0x413f_d0c1,
        ctr: 0x8444_c004,
        features: &[
            Aes, Pmull, Sha1, Sha256, Crc32, Atomics, Fp16, Rdm, Lrcpc, Dcpop, DotProd, Ssbs, Lor,
        ],
    },
];

/// The default model (`max`).
pub fn default_model() -> &'static CpuModel {
    &MODELS[0]
}

/// Looks a model up by name.
pub fn find(name: &str) -> Option<&'static CpuModel> {
    MODELS.iter().find(|m| m.name == name)
}

/// HWCAP bits (Linux `arch/arm64/include/uapi/asm/hwcap.h`).
pub mod hwcap {
    /// fp
    pub const FP: u64 = 1 << 0;
    /// asimd
    pub const ASIMD: u64 = 1 << 1;
    /// evtstrm
    pub const EVTSTRM: u64 = 1 << 2;
    /// aes
    pub const AES: u64 = 1 << 3;
    /// pmull
    pub const PMULL: u64 = 1 << 4;
    /// sha1
    pub const SHA1: u64 = 1 << 5;
    /// sha2
    pub const SHA2: u64 = 1 << 6;
    /// crc32
    pub const CRC32: u64 = 1 << 7;
    /// atomics
    pub const ATOMICS: u64 = 1 << 8;
    /// fphp
    pub const FPHP: u64 = 1 << 9;
    /// asimdhp
    pub const ASIMDHP: u64 = 1 << 10;
    /// cpuid
    pub const CPUID: u64 = 1 << 11;
    /// asimdrdm
    pub const ASIMDRDM: u64 = 1 << 12;
    /// jscvt
    pub const JSCVT: u64 = 1 << 13;
    /// fcma
    pub const FCMA: u64 = 1 << 14;
    /// lrcpc
    pub const LRCPC: u64 = 1 << 15;
    /// dcpop
    pub const DCPOP: u64 = 1 << 16;
    /// sha3
    pub const SHA3: u64 = 1 << 17;
    /// sm3
    pub const SM3: u64 = 1 << 18;
    /// sm4
    pub const SM4: u64 = 1 << 19;
    /// asimddp
    pub const ASIMDDP: u64 = 1 << 20;
    /// sha512
    pub const SHA512: u64 = 1 << 21;
    /// asimdfhm
    pub const ASIMDFHM: u64 = 1 << 23;
    /// flagm
    pub const FLAGM: u64 = 1 << 27;
    /// ssbs
    pub const SSBS: u64 = 1 << 28;
    /// dit
    pub const DIT: u64 = 1 << 24;
    /// uscat
    pub const USCAT: u64 = 1 << 25;
    /// ilrcpc
    pub const ILRCPC: u64 = 1 << 26;
    /// sb
    pub const SB: u64 = 1 << 29;
    /// paca
    pub const PACA: u64 = 1 << 30;
    /// pacg
    pub const PACG: u64 = 1 << 31;
}

/// HWCAP2 bits.
pub mod hwcap2 {
    /// dcpodp
    pub const DCPODP: u64 = 1 << 0;
    /// flagm2
    pub const FLAGM2: u64 = 1 << 7;
    /// frint
    pub const FRINT: u64 = 1 << 8;
    /// i8mm
    pub const I8MM: u64 = 1 << 13;
    /// bf16
    pub const BF16: u64 = 1 << 14;
    /// dgh
    pub const DGH: u64 = 1 << 15;
    /// rng
    pub const RNG: u64 = 1 << 16;
    /// bti
    pub const BTI: u64 = 1 << 17;
}

/// `/proc/cpuinfo` names of the HWCAP bits 0..=31 and HWCAP2 bits 0..=17,
/// in Linux's order.
const HWCAP_NAMES: [&str; 32] = [
    "fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp",
    "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "sm3", "sm4",
    "asimddp", "sha512", "sve", "asimdfhm", "dit", "uscat", "ilrcpc", "flagm", "ssbs", "sb",
    "paca", "pacg",
];
const HWCAP2_NAMES: [&str; 18] = [
    "dcpodp",
    "sve2",
    "sveaes",
    "svepmull",
    "svebitperm",
    "svesha3",
    "svesm4",
    "flagm2",
    "frint",
    "svei8mm",
    "svef32mm",
    "svef64mm",
    "svebf16",
    "i8mm",
    "bf16",
    "dgh",
    "rng",
    "bti",
];

/// Encodes an MRS/MSR system register operand (op0, op1, CRn, CRm, op2)
/// as bits \[20:5\] of the instruction.
pub const fn sysreg(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32) -> u32 {
    (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2
}

impl CpuModel {
    /// True if the model has feature `f`.
    pub fn has(&self, f: Feature) -> bool {
        self.features.contains(&f)
    }

    fn bit(&self, f: Feature, v: u64) -> u64 {
        if self.has(f) { v } else { 0 }
    }

    /// AT_HWCAP.
    pub fn hwcap(&self) -> u64 {
        use hwcap::*;
        FP | ASIMD
            | EVTSTRM
            | CPUID
            | self.bit(Aes, AES)
            | self.bit(Pmull, PMULL)
            | self.bit(Sha1, SHA1)
            | self.bit(Sha256, SHA2)
            | self.bit(Crc32, CRC32)
            | self.bit(Atomics, ATOMICS)
            | self.bit(Fp16, FPHP | ASIMDHP)
            | self.bit(Rdm, ASIMDRDM)
            | self.bit(Jscvt, JSCVT)
            | self.bit(Fcma, FCMA)
            | self.bit(Lrcpc, LRCPC)
            | self.bit(Dcpop, DCPOP)
            | self.bit(Sha3, SHA3)
            | self.bit(Sm3, SM3)
            | self.bit(DotProd, ASIMDDP)
            | self.bit(Sha512, SHA512)
            | self.bit(Fhm, ASIMDFHM)
            | self.bit(FlagM, FLAGM)
            | self.bit(Ssbs, SSBS)
            | self.bit(Sm4, SM4)
            | self.bit(Sb, SB)
            | self.bit(Pauth, PACA | PACG)
            | self.bit(Lse2, USCAT)
            | self.bit(Dit, DIT)
            | self.bit(Lrcpc2, ILRCPC)
    }

    /// AT_HWCAP2.
    pub fn hwcap2(&self) -> u64 {
        use hwcap2::*;
        self.bit(Dcpodp, DCPODP)
            | self.bit(FlagM2, FLAGM2)
            | self.bit(Frint, FRINT)
            | self.bit(I8mm, I8MM)
            | self.bit(Bf16, BF16)
            | self.bit(Dgh, DGH)
            | self.bit(Rng, RNG)
            | self.bit(Bti, BTI)
    }

    /// The `Features` line of `/proc/cpuinfo` (names in HWCAP order).
    pub fn cpuinfo_features(&self) -> String {
        let (h, h2) = (self.hwcap(), self.hwcap2());
        let a = (0..32).filter(|b| h >> b & 1 != 0).map(|b| HWCAP_NAMES[b]);
        let b = (0..HWCAP2_NAMES.len())
            .filter(|b| h2 >> b & 1 != 0)
            .map(|b| HWCAP2_NAMES[b]);
        a.chain(b).collect::<Vec<_>>().join(" ")
    }

    /// ID_AA64ISAR0_EL1 (visible fields).
    pub fn isar0(&self) -> u64 {
        let aes = if self.has(Pmull) {
            2
        } else {
            self.has(Aes) as u64
        };
        let sha2 = if self.has(Sha512) {
            2
        } else {
            self.has(Sha256) as u64
        };
        let ts = if self.has(FlagM2) {
            2
        } else {
            self.has(FlagM) as u64
        };
        aes << 4
            | (self.has(Sha1) as u64) << 8
            | sha2 << 12
            | (self.has(Crc32) as u64) << 16
            | self.bit(Atomics, 2) << 20
            | (self.has(Rdm) as u64) << 28
            | (self.has(Sha3) as u64) << 32
            | (self.has(Sm3) as u64) << 36
            | (self.has(Sm4) as u64) << 40
            | (self.has(DotProd) as u64) << 44
            | (self.has(Fhm) as u64) << 48
            | ts << 52
            | self.bit(Rng, 1) << 60
    }

    /// ID_AA64ISAR1_EL1 (visible fields).
    pub fn isar1(&self) -> u64 {
        let dpb = if self.has(Dcpodp) {
            2
        } else {
            self.has(Dcpop) as u64
        };
        // APA = 1 (QARMA5, FEAT_PAuth), GPA = 1.
        dpb | self.bit(Pauth, 1) << 4
            | (self.has(Jscvt) as u64) << 12
            | (self.has(Fcma) as u64) << 16
            | (if self.has(Lrcpc2) {
                2
            } else {
                self.has(Lrcpc) as u64
            }) << 20
            | self.bit(Pauth, 1) << 24
            | (self.has(Frint) as u64) << 32
            | (self.has(Sb) as u64) << 36
            | (self.has(Bf16) as u64) << 44
            | (self.has(Dgh) as u64) << 48
            | (self.has(I8mm) as u64) << 52
    }

    /// ID_AA64PFR0_EL1 (visible fields): EL0 and EL1 AArch64-only, FP and
    /// AdvSIMD (1 with half precision).
    pub fn pfr0(&self) -> u64 {
        let fp = self.has(Fp16) as u64;
        0x11 | fp << 16 | fp << 20 | self.bit(Dit, 1) << 48
    }

    /// ID_AA64PFR1_EL1 (visible fields): BT (FEAT_BTI, bits 3:0) and SSBS.
    pub fn pfr1(&self) -> u64 {
        self.bit(Bti, 1) | self.bit(Ssbs, 2) << 4
    }

    /// The value an EL0 MRS of the ID register `reg` (bits \[20:5\] of the
    /// instruction) reads, as Linux emulates it; `None` if `reg` is not in
    /// the emulated ID space (op0 = 3, op1 = 0, CRn = 0, CRm = 0..=7).
    pub fn id_register(&self, reg: u32) -> Option<u64> {
        let (op0, op1, crn, crm, op2) = (
            reg >> 14 & 3,
            reg >> 11 & 7,
            reg >> 7 & 15,
            reg >> 3 & 15,
            reg & 7,
        );
        // Linux emulates MRS of op0 = 3, op1 = 0, CRn = 0, CRm = 0 or
        // 2..7 (its is_emulated()); CRm = 1 (ID_PFR0_EL1, ID_DFR0_EL1,
        // ID_MMFR0-3_EL1) stays UNDEFINED at EL0.
        if op0 != 3 || op1 != 0 || crn != 0 || crm > 7 || crm == 1 {
            return None;
        }
        Some(match (crm, op2) {
            (0, 0) => self.midr,
            (0, 5) => 0x8000_0000, // MPIDR_EL1
            (0, 6) => 0,           // REVIDR_EL1
            (4, 0) => self.pfr0(),
            (4, 1) => self.pfr1(),
            (6, 0) => self.isar0(),
            (6, 1) => self.isar1(),
            // Fields Linux hides read as their "safe" value, not 0:
            // DFR0.DebugVer = 6 (Armv8 debug), MMFR0.TGran4/TGran64 = 0xf
            // (signed fields, "not implemented").
            (5, 0) => 0x6,
            (7, 0) => 0xff00_0000,
            // ISAR2, MMFR1-2, ZFR0 and the rest: no visible field set.
            _ => 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn el0_id_space_is_linuxs() {
        let m = default_model();
        // ID_PFR0_EL1 (CRm = 1): not emulated, SIGILL.
        assert_eq!(m.id_register(sysreg(3, 0, 0, 1, 0)), None);
        // ID_ISAR0_EL1, MVFR0_EL1 (CRm = 2, 3): AArch32 fields hidden, 0.
        assert_eq!(m.id_register(sysreg(3, 0, 0, 2, 0)), Some(0));
        assert_eq!(m.id_register(sysreg(3, 0, 0, 3, 0)), Some(0));
        // Outside the ID space (CTR_EL0's op1 = 3, CRm = 8): not here.
        assert_eq!(m.id_register(sysreg(3, 3, 0, 0, 1)), None);
        assert_eq!(m.id_register(sysreg(3, 0, 0, 8, 0)), None);
    }

    #[test]
    fn cortex_a72_matches_linux() {
        // /proc/cpuinfo of a Cortex-A72 under Linux 6.1.
        let m = find("cortex-a72").unwrap();
        assert_eq!(
            m.cpuinfo_features(),
            "fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid"
        );
        assert_eq!(m.hwcap(), 0x8ff);
        assert_eq!(m.hwcap2(), 0);
        assert_eq!(m.id_register(sysreg(3, 0, 0, 0, 0)), Some(0x410f_d083));
        // ID_AA64ISAR0_EL1 of an A72 as read at EL0: AES=2, SHA1=1, SHA2=1, CRC32=1.
        assert_eq!(m.id_register(sysreg(3, 0, 0, 6, 0)), Some(0x1_1120));
    }

    #[test]
    fn neoverse_n1_features() {
        let m = find("neoverse-n1").unwrap();
        assert_eq!(
            m.cpuinfo_features(),
            "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs"
        );
        // ISAR0: AES=2 SHA1=1 SHA2=1 CRC32=1 ATOMIC=2 RDM=1 DP=1.
        assert_eq!(m.isar0(), 0x0000_1000_1021_1120);
        assert_eq!(m.pfr0(), 0x11_0011);
    }

    #[test]
    fn bti_is_a_max_feature() {
        // Linux: HWCAP2_BTI is bit 17, "bti" the last of those names,
        // ID_AA64PFR1_EL1.BT (bits 3:0) visible to EL0.
        let m = default_model();
        assert_eq!(m.hwcap2() >> 17 & 1, 1);
        assert!(m.cpuinfo_features().ends_with(" rng bti"));
        assert_eq!(
            m.id_register(sysreg(3, 0, 0, 4, 1)).map(|v| v & 0xf),
            Some(1)
        );
        let a53 = find("cortex-a53").unwrap();
        assert_eq!(a53.pfr1() & 0xf, 0);
        assert!(!a53.cpuinfo_features().contains("bti"));
    }

    #[test]
    fn id_space_is_raz_outside_known_registers() {
        let m = default_model();
        assert_eq!(m.id_register(sysreg(3, 0, 0, 7, 1)), Some(0)); // MMFR1
        assert_eq!(m.id_register(sysreg(3, 0, 0, 4, 4)), Some(0)); // ZFR0
        assert_eq!(m.id_register(sysreg(3, 3, 4, 2, 0)), None); // NZCV is not ID space
        assert!(m.cpuinfo_features().contains("i8mm bf16"));
        assert_eq!(m.hwcap() & hwcap::SHA512, hwcap::SHA512);
    }
}
