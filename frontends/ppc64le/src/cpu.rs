//! CPU models (`-cpu NAME`): the ISA level each one implements and
//! everything derived from it so that they always agree: which
//! instructions decode (newer ones raise SIGILL), the AT_HWCAP/AT_HWCAP2
//! bits, AT_PLATFORM and the `/proc/cpuinfo` CPU line and PVR.
//!
//! The HWCAP bits are the ones Linux presents for the processor
//! (arch/powerpc/kernel/cpu_specs_book3s_64.h) less those of facilities
//! xlat does not implement: transactional memory (HTM), event-based
//! branches (EBB), the IEEE quad-precision instructions (HAS_IEEE128),
//! MMA, and `scv` is implemented but not advertised (qemu-ppc64le does
//! not advertise it either, so glibc issues `sc` on both).

/// An ISA level, in order.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Isa {
    /// Power ISA 2.07 (POWER8): VSX, VMX crypto, lq/stq, quadword atomics.
    V207,
    /// Power ISA 3.0 (POWER9): darn, modulo, DQ-form VSX loads, ...
    V300,
    /// Power ISA 3.1 (POWER10): prefixed instructions, pla/paddi, ...
    V310,
}

/// `PPC_FEATURE_*` bits of AT_HWCAP (arch/powerpc/include/uapi/asm/cputable.h).
pub mod hwcap {
    /// 32-bit mode available.
    pub const PPC32: u64 = 0x8000_0000;
    /// 64-bit mode.
    pub const PPC64: u64 = 0x4000_0000;
    /// AltiVec (VMX).
    pub const ALTIVEC: u64 = 0x1000_0000;
    /// Floating point.
    pub const FPU: u64 = 0x0800_0000;
    /// MMU.
    pub const MMU: u64 = 0x0400_0000;
    /// POWER5+ instructions (popcntb, fri*).
    pub const POWER5_PLUS: u64 = 0x0002_0000;
    /// Simultaneous multithreading.
    pub const SMT: u64 = 0x0000_4000;
    /// Instruction cache snoops data stores (icbi still required by ISA).
    pub const ICACHE_SNOOP: u64 = 0x0000_2000;
    /// ISA 2.05 (POWER6).
    pub const ARCH_2_05: u64 = 0x0000_1000;
    /// ISA 2.06 (POWER7).
    pub const ARCH_2_06: u64 = 0x0000_0100;
    /// VSX.
    pub const VSX: u64 = 0x0000_0080;
    /// True little-endian mode.
    pub const TRUE_LE: u64 = 0x0000_0002;
}

/// `PPC_FEATURE2_*` bits of AT_HWCAP2.
pub mod hwcap2 {
    /// ISA 2.07 (POWER8).
    pub const ARCH_2_07: u64 = 0x8000_0000;
    /// DSCR user access.
    pub const DSCR: u64 = 0x2000_0000;
    /// isel.
    pub const ISEL: u64 = 0x0800_0000;
    /// Target address register.
    pub const TAR: u64 = 0x0400_0000;
    /// VMX crypto (vcipher, vpmsum*, vshasigma*).
    pub const VEC_CRYPTO: u64 = 0x0200_0000;
    /// ISA 3.0 (POWER9).
    pub const ARCH_3_00: u64 = 0x0080_0000;
    /// IEEE binary128 in VSX (xsaddqp and the other quad-precision
    /// instructions).
    pub const HAS_IEEE128: u64 = 0x0040_0000;
    /// darn.
    pub const DARN: u64 = 0x0020_0000;
    /// ISA 3.1 (POWER10).
    pub const ARCH_3_1: u64 = 0x0004_0000;
    /// Matrix-multiply assist (the accumulators and the GER instructions).
    pub const MMA: u64 = 0x0002_0000;
}

/// A named CPU model.
#[derive(Debug)]
pub struct CpuModel {
    /// `-cpu` name.
    pub name: &'static str,
    /// One-line description for `-cpu help`.
    pub description: &'static str,
    /// The ISA level: instructions of later levels raise SIGILL.
    pub isa: Isa,
    /// Processor version register (as qemu's model of the same name).
    pub pvr: u32,
    /// AT_PLATFORM (and AT_BASE_PLATFORM), as Linux names the processor.
    pub platform: &'static str,
    /// The `cpu` line of `/proc/cpuinfo`.
    pub cpuinfo_name: &'static str,
}

/// AT_HWCAP bits every model has (a POWER7-or-later Linux user set).
const HWCAP_COMMON: u64 = hwcap::PPC32
    | hwcap::PPC64
    | hwcap::ALTIVEC
    | hwcap::FPU
    | hwcap::MMU
    | hwcap::POWER5_PLUS
    | hwcap::SMT
    | hwcap::ICACHE_SNOOP
    | hwcap::ARCH_2_05
    | hwcap::ARCH_2_06
    | hwcap::VSX
    | hwcap::TRUE_LE;

impl CpuModel {
    /// AT_HWCAP.
    pub fn hwcap(&self) -> u64 {
        HWCAP_COMMON
    }

    /// AT_HWCAP2.
    pub fn hwcap2(&self) -> u64 {
        let mut h =
            hwcap2::ARCH_2_07 | hwcap2::DSCR | hwcap2::ISEL | hwcap2::TAR | hwcap2::VEC_CRYPTO;
        if self.isa >= Isa::V300 {
            h |= hwcap2::ARCH_3_00 | hwcap2::DARN | hwcap2::HAS_IEEE128;
        }
        if self.isa >= Isa::V310 {
            h |= hwcap2::ARCH_3_1 | hwcap2::MMA;
        }
        h
    }

    /// The `revision` line's value of `/proc/cpuinfo` as Linux ppc64's
    /// `show_cpuinfo` prints it: major from PVR bits 8..11 (POWER9 and
    /// later keep the chip type above) or 8..15, minor from bits 0..7.
    pub fn revision(&self) -> String {
        let version = self.pvr >> 16;
        let maj = if matches!(version, 0x004e | 0x0080) {
            self.pvr >> 8 & 0xf
        } else {
            self.pvr >> 8 & 0xff
        };
        format!(
            "{maj}.{} (pvr {version:04x} {:04x})",
            self.pvr & 0xff,
            self.pvr & 0xffff
        )
    }
}

/// The models; [`DEFAULT`] is the one linux-user uses without `-cpu`.
pub static MODELS: &[CpuModel] = &[
    CpuModel {
        name: "power8",
        description: "POWER8 (ISA 2.07: VSX, VMX crypto)",
        isa: Isa::V207,
        pvr: 0x004d_0200,
        platform: "power8",
        cpuinfo_name: "POWER8 (raw), altivec supported",
    },
    CpuModel {
        name: "power9",
        description: "POWER9 (ISA 3.0; qemu-ppc64le 7.2's default)",
        isa: Isa::V300,
        pvr: 0x004e_1200,
        platform: "power9",
        cpuinfo_name: "POWER9 (raw), altivec supported",
    },
    CpuModel {
        name: "power10",
        description: "POWER10 (ISA 3.1: prefixed instructions; default)",
        isa: Isa::V310,
        pvr: 0x0080_0200,
        platform: "power10",
        cpuinfo_name: "POWER10 (raw), altivec supported",
    },
];

/// The default model: `power10`, as issue #6 asks (qemu-ppc64le 7.2
/// defaults to `power9`; `-cpu power9` gives its view).
pub fn default_model() -> &'static CpuModel {
    &MODELS[2]
}

/// The model implementing everything xlat decodes (`power10`).
pub fn max_model() -> &'static CpuModel {
    &MODELS[2]
}

/// The model named `name` (case-insensitive; qemu's `_v2.0` suffixed
/// names are accepted too).
pub fn find(name: &str) -> Option<&'static CpuModel> {
    let n = name.to_ascii_lowercase();
    let base = n.split("_v").next().unwrap_or(&n);
    MODELS.iter().find(|m| m.name == base)
}

/// The `-cpu help` text.
pub fn help() -> String {
    let mut s = String::from("Available CPUs:\n");
    for m in MODELS {
        s.push_str(&format!("  {:<12} {}\n", m.name, m.description));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hwcap2_grows_with_the_isa_level() {
        let p8 = find("power8").unwrap().hwcap2();
        let p9 = find("POWER9").unwrap().hwcap2();
        let p10 = find("power10_v2.0").unwrap().hwcap2();
        // qemu-ppc64le -cpu power8 shows 0x8e000000 (no DSCR there).
        assert_eq!(p8 & !hwcap2::DSCR, 0x8e00_0000);
        assert_eq!(
            p9 & !p8,
            hwcap2::ARCH_3_00 | hwcap2::DARN | hwcap2::HAS_IEEE128
        );
        assert_eq!(p10 & !p9, hwcap2::ARCH_3_1 | hwcap2::MMA);
        // qemu-ppc64le -cpu power9 / power10 show these.
        assert_eq!(p9 & !hwcap2::DSCR, 0x8ee0_0000);
        assert_eq!(p10 & !hwcap2::DSCR, 0x8ee6_0000);
        assert!(find("power7").is_none());
        assert_eq!(default_model().name, "power10");
    }

    #[test]
    fn revision_as_linux_prints_it() {
        assert_eq!(find("power8").unwrap().revision(), "2.0 (pvr 004d 0200)");
        assert_eq!(find("power9").unwrap().revision(), "2.0 (pvr 004e 1200)");
        assert_eq!(find("power10").unwrap().revision(), "2.0 (pvr 0080 0200)");
    }
}
