//! The AArch64 CPU state block and its register table.

use std::mem::offset_of;
use xlat_ir::{CpuHeader, Reg, RegInfo, RegKind, StateLayout, Type};

/// AArch64 user-level CPU state. `#[repr(C)]`, starting with the common
/// [`CpuHeader`]; compiled code addresses the fields by the offsets in
/// [`LAYOUT`].
#[repr(C, align(16))]
#[derive(Debug, Default)]
pub struct Aarch64State {
    /// Common header (stop word, exit info, memory).
    pub hdr: CpuHeader,
    /// X0..X30.
    pub x: [u64; 31],
    /// SP_EL0.
    pub sp: u64,
    /// Program counter.
    pub pc: u64,
    /// NZCV flags, one byte each holding 0 or 1.
    pub nf: u8,
    /// Z flag.
    pub zf: u8,
    /// C flag.
    pub cf: u8,
    /// V flag.
    pub vf: u8,
    /// Padding.
    pub _pad0: [u8; 4],
    /// FPCR.
    pub fpcr: u64,
    /// FPSR.
    pub fpsr: u64,
    /// TPIDR_EL0 (thread pointer).
    pub tpidr_el0: u64,
    /// TPIDRRO_EL0.
    pub tpidrro_el0: u64,
    /// Address of the exclusive monitor (u64::MAX when clear).
    pub excl_addr: u64,
    /// Value(s) loaded by the last load-exclusive.
    pub excl_val: [u64; 2],
    /// Size in bytes of the last load-exclusive.
    pub excl_size: u64,
    /// V0..V31 (Q registers), little-endian lanes.
    pub v: [u128; 32],
    /// Pointer authentication keys APIA, APIB, APDA, APDB, APGA (high
    /// half: bits 127:64 of the key); not IR registers, read by
    /// [`crate::pauth`] only.
    pub pac_keys: [u128; 5],
    /// Nonzero once `pac_keys` hold this thread's keys (0: take the
    /// process's keys on first use).
    pub pac_keys_set: u64,
    /// PSTATE bits other than NZCV that EL0 can write: SSBS (bit 12) and
    /// DIT (bit 24), at their positions in SPSR/MRS.
    pub pstate: u64,
    /// Nonzero once the guest has read or written FPSR: from then on the
    /// FPSR cumulative flags are exact (part of `tb_flags`; see
    /// [`crate::translate::simd_fp`]).
    pub fp_track: u64,
    /// PSTATE.BTYPE (0..=3): the branch type of the last instruction,
    /// written only by code translated while guarded pages exist (see
    /// [`crate::bti`]).
    pub btype: u64,
}

macro_rules! regs {
    ($($name:literal => $field:ident $([$idx:literal])? : $ty:ident $kind:ident),* $(,)?) => {
        &[$(RegInfo {
            name: $name,
            offset: (offset_of!(Aarch64State, $field) $(+ $idx * Type::$ty.bytes() as usize)?) as u32,
            ty: Type::$ty,
            kind: RegKind::$kind,
        }),*]
    };
}

/// Register table; indices are the `R_*` constants below.
pub static REGS: &[RegInfo] = regs![
    "x0" => x[0]: I64 Normal, "x1" => x[1]: I64 Normal, "x2" => x[2]: I64 Normal,
    "x3" => x[3]: I64 Normal, "x4" => x[4]: I64 Normal, "x5" => x[5]: I64 Normal,
    "x6" => x[6]: I64 Normal, "x7" => x[7]: I64 Normal, "x8" => x[8]: I64 Normal,
    "x9" => x[9]: I64 Normal, "x10" => x[10]: I64 Normal, "x11" => x[11]: I64 Normal,
    "x12" => x[12]: I64 Normal, "x13" => x[13]: I64 Normal, "x14" => x[14]: I64 Normal,
    "x15" => x[15]: I64 Normal, "x16" => x[16]: I64 Normal, "x17" => x[17]: I64 Normal,
    "x18" => x[18]: I64 Normal, "x19" => x[19]: I64 Normal, "x20" => x[20]: I64 Normal,
    "x21" => x[21]: I64 Normal, "x22" => x[22]: I64 Normal, "x23" => x[23]: I64 Normal,
    "x24" => x[24]: I64 Normal, "x25" => x[25]: I64 Normal, "x26" => x[26]: I64 Normal,
    "x27" => x[27]: I64 Normal, "x28" => x[28]: I64 Normal, "x29" => x[29]: I64 Normal,
    "x30" => x[30]: I64 Normal,
    "sp" => sp: I64 Normal,
    "pc" => pc: I64 Pc,
    "nf" => nf: I8 Flag, "zf" => zf: I8 Flag, "cf" => cf: I8 Flag, "vf" => vf: I8 Flag,
    "fpcr" => fpcr: I64 Normal, "fpsr" => fpsr: I64 Normal,
    "tpidr_el0" => tpidr_el0: I64 Normal, "tpidrro_el0" => tpidrro_el0: I64 Normal,
    "excl_addr" => excl_addr: I64 Normal,
    "excl_val" => excl_val[0]: I64 Normal, "excl_val_hi" => excl_val[1]: I64 Normal,
    "excl_size" => excl_size: I64 Normal,
    "v0" => v[0]: V128 Normal, "v1" => v[1]: V128 Normal, "v2" => v[2]: V128 Normal,
    "v3" => v[3]: V128 Normal, "v4" => v[4]: V128 Normal, "v5" => v[5]: V128 Normal,
    "v6" => v[6]: V128 Normal, "v7" => v[7]: V128 Normal, "v8" => v[8]: V128 Normal,
    "v9" => v[9]: V128 Normal, "v10" => v[10]: V128 Normal, "v11" => v[11]: V128 Normal,
    "v12" => v[12]: V128 Normal, "v13" => v[13]: V128 Normal, "v14" => v[14]: V128 Normal,
    "v15" => v[15]: V128 Normal, "v16" => v[16]: V128 Normal, "v17" => v[17]: V128 Normal,
    "v18" => v[18]: V128 Normal, "v19" => v[19]: V128 Normal, "v20" => v[20]: V128 Normal,
    "v21" => v[21]: V128 Normal, "v22" => v[22]: V128 Normal, "v23" => v[23]: V128 Normal,
    "v24" => v[24]: V128 Normal, "v25" => v[25]: V128 Normal, "v26" => v[26]: V128 Normal,
    "v27" => v[27]: V128 Normal, "v28" => v[28]: V128 Normal, "v29" => v[29]: V128 Normal,
    "v30" => v[30]: V128 Normal, "v31" => v[31]: V128 Normal,
    "pstate" => pstate: I64 Normal,
    "fptrack" => fp_track: I64 Normal,
    "btype" => btype: I64 Normal,
];

/// X register `n` (0..=30).
pub const fn r_x(n: u32) -> Reg {
    Reg(n as u16)
}
/// SP.
pub const R_SP: Reg = Reg(31);
/// PC.
pub const R_PC: Reg = Reg(32);
/// N flag.
pub const R_NF: Reg = Reg(33);
/// Z flag.
pub const R_ZF: Reg = Reg(34);
/// C flag.
pub const R_CF: Reg = Reg(35);
/// V flag.
pub const R_VF: Reg = Reg(36);
/// FPCR.
pub const R_FPCR: Reg = Reg(37);
/// FPSR.
pub const R_FPSR: Reg = Reg(38);
/// TPIDR_EL0.
pub const R_TPIDR: Reg = Reg(39);
/// TPIDRRO_EL0.
pub const R_TPIDRRO: Reg = Reg(40);
/// Exclusive monitor address.
pub const R_EXCL_ADDR: Reg = Reg(41);
/// Exclusive monitor value (low).
pub const R_EXCL_VAL: Reg = Reg(42);
/// Exclusive monitor value (high, for pairs).
pub const R_EXCL_VAL_HI: Reg = Reg(43);
/// Exclusive monitor size.
pub const R_EXCL_SIZE: Reg = Reg(44);
/// V register `n` (0..=31).
pub const fn r_v(n: u32) -> Reg {
    Reg(45 + n as u16)
}

/// PSTATE.SSBS and PSTATE.DIT ([`Aarch64State::pstate`]).
pub const R_PSTATE: Reg = Reg(77);

/// FPSR tracking switch ([`Aarch64State::fp_track`]).
pub const R_FPTRACK: Reg = Reg(78);

/// PSTATE.BTYPE ([`Aarch64State::btype`]).
pub const R_BTYPE: Reg = Reg(79);

/// The AArch64 state layout.
pub static LAYOUT: StateLayout = StateLayout {
    regs: REGS,
    pc: R_PC,
    size: std::mem::size_of::<Aarch64State>(),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_constants_match_table() {
        assert_eq!(REGS[R_SP.0 as usize].name, "sp");
        assert_eq!(REGS[R_PC.0 as usize].name, "pc");
        assert_eq!(REGS[R_VF.0 as usize].name, "vf");
        assert_eq!(REGS[R_EXCL_SIZE.0 as usize].name, "excl_size");
        assert_eq!(REGS[r_v(31).0 as usize].name, "v31");
        assert_eq!(REGS.len(), 45 + 32 + 3);
        assert_eq!(REGS[R_BTYPE.0 as usize].name, "btype");
        assert_eq!(REGS[R_PSTATE.0 as usize].name, "pstate");
        assert_eq!(REGS[R_FPTRACK.0 as usize].name, "fptrack");
        assert_eq!(
            REGS[r_x(30).0 as usize].offset as usize,
            offset_of!(Aarch64State, x) + 30 * 8
        );
        assert_eq!(
            REGS[r_v(3).0 as usize].offset as usize,
            offset_of!(Aarch64State, v) + 3 * 16
        );
        assert!(
            REGS.iter()
                .all(|r| r.offset as usize >= xlat_ir::abi::HEADER_SIZE)
        );
    }
}
