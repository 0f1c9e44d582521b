//! The PowerPC 64 (little-endian) CPU state block and its register table.
//!
//! # Representation choices
//!
//! - **CR** is kept as 32 separate flag bytes, `cr[bi]` holding CR bit `BI`
//!   (the Power ISA numbering within the 32-bit CR: bit 0 = CR0.LT, 1 =
//!   CR0.GT, 2 = CR0.EQ, 3 = CR0.SO, 4 = CR1.LT, ...). A compare writes four
//!   flags and a conditional branch reads exactly the one flag its BI names,
//!   so the common `cmp` + `bc` pair needs no shifting or masking, and the
//!   dead-flag pass deletes the three compare results nobody reads when the
//!   next record form overwrites them. `mfcr`/`mtcrf` assemble/split the
//!   word (rare).
//! - **XER** is split into the flags SO, OV, CA, OV32, CA32 (one byte each,
//!   0 or 1) and the byte-count field (bits 57:63, `xer_bc`); `mfxer`
//!   assembles them.
//! - **VSRs**: `vsr[0..64]` as 128-bit numbers whose most significant
//!   doubleword is doubleword element 0 in the ISA's (big-endian) element
//!   numbering. FPR `n` *is* doubleword 0 of VSR `n` (the high 8 bytes of
//!   `vsr[n]` on this little-endian host) and VR `n` is VSR `32 + n`, as in
//!   the ISA. Every VSR is one V128 register of the table, `vs<n>` for
//!   VSR 0..31 and `v<n>` for VSR 32..63, so VSX vector ops work on whole
//!   registers; a scalar FP read is the extract of host lane 1 (doubleword
//!   0) and a scalar write the insert of it into a zero vector
//!   (doubleword 1 = 0, as POWER9 and qemu leave it).
//! - Vector element `i` of width `w` (ISA numbering, element 0 leftmost) is
//!   bits `[128 - w*(i+1), 128 - w*i)` of the 128-bit number, so IR lane
//!   `count - 1 - i`.

use std::mem::offset_of;
use xlat_ir::{CpuHeader, Reg, RegInfo, RegKind, StateLayout, Type};

/// PowerPC 64 user-level CPU state. `#[repr(C)]`, starting with the common
/// [`CpuHeader`]; compiled code addresses the fields by the offsets in
/// [`LAYOUT`].
#[repr(C, align(16))]
#[derive(Debug)]
pub struct Ppc64State {
    /// Common header (stop word, exit info, memory).
    pub hdr: CpuHeader,
    /// GPR0..GPR31.
    pub gpr: [u64; 32],
    /// Next instruction address (NIA).
    pub pc: u64,
    /// Link register.
    pub lr: u64,
    /// Count register.
    pub ctr: u64,
    /// CR bits 0..31 (ISA numbering within CR), one byte each holding 0 or 1.
    pub cr: [u8; 32],
    /// XER.SO (summary overflow).
    pub so: u8,
    /// XER.OV.
    pub ov: u8,
    /// XER.CA.
    pub ca: u8,
    /// XER.OV32.
    pub ov32: u8,
    /// XER.CA32.
    pub ca32: u8,
    /// Padding.
    pub _pad0: [u8; 3],
    /// XER bits 57:63 (byte count of lswx/stswx), the other XER bits that
    /// software may write are kept here too (see `mtxer`).
    pub xer_bc: u64,
    /// FPSCR (low 32 bits architected in user mode; DRN above).
    pub fpscr: u64,
    /// VSCR (NJ = bit 16 of the word, SAT = bit 0).
    pub vscr: u32,
    /// VRSAVE (SPR 256).
    pub vrsave: u32,
    /// TAR (target address register, SPR 815).
    pub tar: u64,
    /// DSCR (SPR 3).
    pub dscr: u64,
    /// Reservation address (u64::MAX when there is none).
    pub resv_addr: u64,
    /// Value(s) loaded by the last load-and-reserve (low, high for lqarx).
    pub resv_val: [u64; 2],
    /// Size in bytes of the reservation.
    pub resv_size: u64,
    /// VSR0..VSR63 (see the module documentation).
    pub vsr: [u128; 64],
    /// Non-zero once the guest has read or written FPSCR: from then on
    /// the floating-point instructions compute FPSCR's exception status
    /// bits (part of `tb_flags`; see `translate::fp`).
    pub fp_track: u64,
}

impl Default for Ppc64State {
    fn default() -> Self {
        Ppc64State {
            hdr: CpuHeader::default(),
            gpr: [0; 32],
            pc: 0,
            lr: 0,
            ctr: 0,
            cr: [0; 32],
            so: 0,
            ov: 0,
            ca: 0,
            ov32: 0,
            ca32: 0,
            _pad0: [0; 3],
            xer_bc: 0,
            fpscr: 0,
            vscr: 0,
            vrsave: 0,
            tar: 0,
            dscr: 0,
            resv_addr: u64::MAX,
            resv_val: [0; 2],
            resv_size: 0,
            vsr: [0; 64],
            fp_track: 0,
        }
    }
}

impl Ppc64State {
    /// FPR `n` as its bit pattern (doubleword 0 of VSR `n`).
    pub fn fpr(&self, n: usize) -> u64 {
        (self.vsr[n] >> 64) as u64
    }

    /// Sets FPR `n` (doubleword 0 of VSR `n`), keeping doubleword 1.
    pub fn set_fpr(&mut self, n: usize, v: u64) {
        self.vsr[n] = (self.vsr[n] & u64::MAX as u128) | ((v as u128) << 64);
    }

    /// VR `n` (VSR `32 + n`).
    pub fn vr(&self, n: usize) -> u128 {
        self.vsr[32 + n]
    }

    /// The 32-bit CR as `mfcr` reads it.
    pub fn cr_word(&self) -> u32 {
        self.cr
            .iter()
            .enumerate()
            .fold(0, |acc, (i, &b)| acc | (((b & 1) as u32) << (31 - i)))
    }

    /// Sets all 32 CR bits from a word (as `mtcr` does).
    pub fn set_cr_word(&mut self, w: u32) {
        for (i, b) in self.cr.iter_mut().enumerate() {
            *b = ((w >> (31 - i)) & 1) as u8;
        }
    }

    /// The 4-bit CR field `n` (LT GT EQ SO from the most significant bit).
    pub fn cr_field(&self, n: usize) -> u8 {
        (self.cr_word() >> (28 - 4 * n) & 0xf) as u8
    }

    /// XER as `mfxer` reads it.
    pub fn xer(&self) -> u64 {
        self.xer_bc
            | (self.so as u64) << XER_SO
            | (self.ov as u64) << XER_OV
            | (self.ca as u64) << XER_CA
            | (self.ov32 as u64) << XER_OV32
            | (self.ca32 as u64) << XER_CA32
    }
}

/// Bit position (LSB = 0) of XER.SO.
pub const XER_SO: u32 = 31;
/// Bit position of XER.OV.
pub const XER_OV: u32 = 30;
/// Bit position of XER.CA.
pub const XER_CA: u32 = 29;
/// Bit position of XER.OV32.
pub const XER_OV32: u32 = 19;
/// Bit position of XER.CA32.
pub const XER_CA32: u32 = 18;
/// The XER bits kept in `xer_bc` (bits 57:63 in ISA numbering).
pub const XER_BC_MASK: u64 = 0x7f;

macro_rules! regs {
    ($($name:literal => $field:ident $([$idx:literal * $esz:literal])? $(+ $extra:literal)? : $ty:ident $kind:ident),* $(,)?) => {
        &[$(RegInfo {
            name: $name,
            offset: (offset_of!(Ppc64State, $field)
                $(+ $idx * $esz)?
                $(+ $extra)?) as u32,
            ty: Type::$ty,
            kind: RegKind::$kind,
        }),*]
    };
}

/// Register table; indices are the `R_*` constants and `r_*` functions below.
pub static REGS: &[RegInfo] = regs![
    "r0" => gpr[0 * 8]: I64 Normal, "r1" => gpr[1 * 8]: I64 Normal, "r2" => gpr[2 * 8]: I64 Normal,
    "r3" => gpr[3 * 8]: I64 Normal, "r4" => gpr[4 * 8]: I64 Normal, "r5" => gpr[5 * 8]: I64 Normal,
    "r6" => gpr[6 * 8]: I64 Normal, "r7" => gpr[7 * 8]: I64 Normal, "r8" => gpr[8 * 8]: I64 Normal,
    "r9" => gpr[9 * 8]: I64 Normal, "r10" => gpr[10 * 8]: I64 Normal, "r11" => gpr[11 * 8]: I64 Normal,
    "r12" => gpr[12 * 8]: I64 Normal, "r13" => gpr[13 * 8]: I64 Normal, "r14" => gpr[14 * 8]: I64 Normal,
    "r15" => gpr[15 * 8]: I64 Normal, "r16" => gpr[16 * 8]: I64 Normal, "r17" => gpr[17 * 8]: I64 Normal,
    "r18" => gpr[18 * 8]: I64 Normal, "r19" => gpr[19 * 8]: I64 Normal, "r20" => gpr[20 * 8]: I64 Normal,
    "r21" => gpr[21 * 8]: I64 Normal, "r22" => gpr[22 * 8]: I64 Normal, "r23" => gpr[23 * 8]: I64 Normal,
    "r24" => gpr[24 * 8]: I64 Normal, "r25" => gpr[25 * 8]: I64 Normal, "r26" => gpr[26 * 8]: I64 Normal,
    "r27" => gpr[27 * 8]: I64 Normal, "r28" => gpr[28 * 8]: I64 Normal, "r29" => gpr[29 * 8]: I64 Normal,
    "r30" => gpr[30 * 8]: I64 Normal, "r31" => gpr[31 * 8]: I64 Normal,
    "pc" => pc: I64 Pc,
    "lr" => lr: I64 Normal,
    "ctr" => ctr: I64 Normal,
    "cr0.lt" => cr[0 * 1]: I8 Flag, "cr0.gt" => cr[1 * 1]: I8 Flag, "cr0.eq" => cr[2 * 1]: I8 Flag, "cr0.so" => cr[3 * 1]: I8 Flag,
    "cr1.lt" => cr[4 * 1]: I8 Flag, "cr1.gt" => cr[5 * 1]: I8 Flag, "cr1.eq" => cr[6 * 1]: I8 Flag, "cr1.so" => cr[7 * 1]: I8 Flag,
    "cr2.lt" => cr[8 * 1]: I8 Flag, "cr2.gt" => cr[9 * 1]: I8 Flag, "cr2.eq" => cr[10 * 1]: I8 Flag, "cr2.so" => cr[11 * 1]: I8 Flag,
    "cr3.lt" => cr[12 * 1]: I8 Flag, "cr3.gt" => cr[13 * 1]: I8 Flag, "cr3.eq" => cr[14 * 1]: I8 Flag, "cr3.so" => cr[15 * 1]: I8 Flag,
    "cr4.lt" => cr[16 * 1]: I8 Flag, "cr4.gt" => cr[17 * 1]: I8 Flag, "cr4.eq" => cr[18 * 1]: I8 Flag, "cr4.so" => cr[19 * 1]: I8 Flag,
    "cr5.lt" => cr[20 * 1]: I8 Flag, "cr5.gt" => cr[21 * 1]: I8 Flag, "cr5.eq" => cr[22 * 1]: I8 Flag, "cr5.so" => cr[23 * 1]: I8 Flag,
    "cr6.lt" => cr[24 * 1]: I8 Flag, "cr6.gt" => cr[25 * 1]: I8 Flag, "cr6.eq" => cr[26 * 1]: I8 Flag, "cr6.so" => cr[27 * 1]: I8 Flag,
    "cr7.lt" => cr[28 * 1]: I8 Flag, "cr7.gt" => cr[29 * 1]: I8 Flag, "cr7.eq" => cr[30 * 1]: I8 Flag, "cr7.so" => cr[31 * 1]: I8 Flag,
    "so" => so: I8 Flag, "ov" => ov: I8 Flag, "ca" => ca: I8 Flag,
    "ov32" => ov32: I8 Flag, "ca32" => ca32: I8 Flag,
    "xer_bc" => xer_bc: I64 Normal,
    "fpscr" => fpscr: I64 Normal,
    "vscr" => vscr: I32 Normal,
    "vrsave" => vrsave: I32 Normal,
    "tar" => tar: I64 Normal,
    "dscr" => dscr: I64 Normal,
    "resv_addr" => resv_addr: I64 Normal,
    "resv_val" => resv_val[0 * 8]: I64 Normal, "resv_val_hi" => resv_val[1 * 8]: I64 Normal,
    "resv_size" => resv_size: I64 Normal,
    "vs0" => vsr[0 * 16]: V128 Normal, "vs1" => vsr[1 * 16]: V128 Normal, "vs2" => vsr[2 * 16]: V128 Normal,
    "vs3" => vsr[3 * 16]: V128 Normal, "vs4" => vsr[4 * 16]: V128 Normal, "vs5" => vsr[5 * 16]: V128 Normal,
    "vs6" => vsr[6 * 16]: V128 Normal, "vs7" => vsr[7 * 16]: V128 Normal, "vs8" => vsr[8 * 16]: V128 Normal,
    "vs9" => vsr[9 * 16]: V128 Normal, "vs10" => vsr[10 * 16]: V128 Normal, "vs11" => vsr[11 * 16]: V128 Normal,
    "vs12" => vsr[12 * 16]: V128 Normal, "vs13" => vsr[13 * 16]: V128 Normal, "vs14" => vsr[14 * 16]: V128 Normal,
    "vs15" => vsr[15 * 16]: V128 Normal, "vs16" => vsr[16 * 16]: V128 Normal, "vs17" => vsr[17 * 16]: V128 Normal,
    "vs18" => vsr[18 * 16]: V128 Normal, "vs19" => vsr[19 * 16]: V128 Normal, "vs20" => vsr[20 * 16]: V128 Normal,
    "vs21" => vsr[21 * 16]: V128 Normal, "vs22" => vsr[22 * 16]: V128 Normal, "vs23" => vsr[23 * 16]: V128 Normal,
    "vs24" => vsr[24 * 16]: V128 Normal, "vs25" => vsr[25 * 16]: V128 Normal, "vs26" => vsr[26 * 16]: V128 Normal,
    "vs27" => vsr[27 * 16]: V128 Normal, "vs28" => vsr[28 * 16]: V128 Normal, "vs29" => vsr[29 * 16]: V128 Normal,
    "vs30" => vsr[30 * 16]: V128 Normal, "vs31" => vsr[31 * 16]: V128 Normal,
    "v0" => vsr[32 * 16]: V128 Normal, "v1" => vsr[33 * 16]: V128 Normal, "v2" => vsr[34 * 16]: V128 Normal,
    "v3" => vsr[35 * 16]: V128 Normal, "v4" => vsr[36 * 16]: V128 Normal, "v5" => vsr[37 * 16]: V128 Normal,
    "v6" => vsr[38 * 16]: V128 Normal, "v7" => vsr[39 * 16]: V128 Normal, "v8" => vsr[40 * 16]: V128 Normal,
    "v9" => vsr[41 * 16]: V128 Normal, "v10" => vsr[42 * 16]: V128 Normal, "v11" => vsr[43 * 16]: V128 Normal,
    "v12" => vsr[44 * 16]: V128 Normal, "v13" => vsr[45 * 16]: V128 Normal, "v14" => vsr[46 * 16]: V128 Normal,
    "v15" => vsr[47 * 16]: V128 Normal, "v16" => vsr[48 * 16]: V128 Normal, "v17" => vsr[49 * 16]: V128 Normal,
    "v18" => vsr[50 * 16]: V128 Normal, "v19" => vsr[51 * 16]: V128 Normal, "v20" => vsr[52 * 16]: V128 Normal,
    "v21" => vsr[53 * 16]: V128 Normal, "v22" => vsr[54 * 16]: V128 Normal, "v23" => vsr[55 * 16]: V128 Normal,
    "v24" => vsr[56 * 16]: V128 Normal, "v25" => vsr[57 * 16]: V128 Normal, "v26" => vsr[58 * 16]: V128 Normal,
    "v27" => vsr[59 * 16]: V128 Normal, "v28" => vsr[60 * 16]: V128 Normal, "v29" => vsr[61 * 16]: V128 Normal,
    "v30" => vsr[62 * 16]: V128 Normal, "v31" => vsr[63 * 16]: V128 Normal,
    "fptrack" => fp_track: I64 Normal,
];

/// GPR `n` (0..=31).
pub const fn r_gpr(n: u32) -> Reg {
    Reg(n as u16)
}
/// NIA.
pub const R_PC: Reg = Reg(32);
/// LR.
pub const R_LR: Reg = Reg(33);
/// CTR.
pub const R_CTR: Reg = Reg(34);
/// CR bit `bi` (0..=31).
pub const fn r_cr(bi: u32) -> Reg {
    Reg(35 + bi as u16)
}
/// XER.SO.
pub const R_SO: Reg = Reg(67);
/// XER.OV.
pub const R_OV: Reg = Reg(68);
/// XER.CA.
pub const R_CA: Reg = Reg(69);
/// XER.OV32.
pub const R_OV32: Reg = Reg(70);
/// XER.CA32.
pub const R_CA32: Reg = Reg(71);
/// XER byte count (and other kept bits).
pub const R_XER_BC: Reg = Reg(72);
/// FPSCR.
pub const R_FPSCR: Reg = Reg(73);
/// VSCR.
pub const R_VSCR: Reg = Reg(74);
/// VRSAVE.
pub const R_VRSAVE: Reg = Reg(75);
/// TAR.
pub const R_TAR: Reg = Reg(76);
/// DSCR.
pub const R_DSCR: Reg = Reg(77);
/// Reservation address.
pub const R_RESV_ADDR: Reg = Reg(78);
/// Reserved value (low doubleword).
pub const R_RESV_VAL: Reg = Reg(79);
/// Reserved value (high doubleword, lqarx).
pub const R_RESV_VAL_HI: Reg = Reg(80);
/// Reservation size.
pub const R_RESV_SIZE: Reg = Reg(81);
/// VSR `n` (0..=63), V128: FPR `n` (`n` < 32) is its doubleword 0 (host
/// lane 1), VR `n - 32` the rest (the table's `vs0..vs31` and `v0..v31`
/// rows are consecutive).
pub const fn r_vsx(n: u32) -> Reg {
    Reg(82 + n as u16)
}
/// VR `n` (VSR `32 + n`), V128.
pub const fn r_vr(n: u32) -> Reg {
    r_vsx(32 + n)
}

/// FPSCR exception tracking switch (see [`Ppc64State::fp_track`]): the
/// row after the 64 VSRs.
pub const R_FPTRACK: Reg = r_vsx(64);

/// The PowerPC 64 state layout.
pub static LAYOUT: StateLayout = StateLayout {
    regs: REGS,
    pc: R_PC,
    size: std::mem::size_of::<Ppc64State>(),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_constants_match_table() {
        assert_eq!(REGS[R_PC.0 as usize].name, "pc");
        assert_eq!(REGS[R_CTR.0 as usize].name, "ctr");
        assert_eq!(REGS[r_cr(31).0 as usize].name, "cr7.so");
        assert_eq!(REGS[R_SO.0 as usize].name, "so");
        assert_eq!(REGS[R_CA32.0 as usize].name, "ca32");
        assert_eq!(REGS[R_RESV_SIZE.0 as usize].name, "resv_size");
        assert_eq!(REGS[r_vsx(0).0 as usize].name, "vs0");
        assert_eq!(REGS[r_vsx(31).0 as usize].name, "vs31");
        assert_eq!(REGS[r_vr(31).0 as usize].name, "v31");
        assert_eq!(REGS[R_FPTRACK.0 as usize].name, "fptrack");
        assert_eq!(REGS.len(), 114 + 32 + 1);
        assert!(
            REGS.iter()
                .all(|r| r.offset as usize >= xlat_ir::abi::HEADER_SIZE)
        );
    }

    #[test]
    fn registers_do_not_overlap() {
        let mut spans: Vec<(u32, u32)> = REGS.iter().map(|r| (r.offset, r.ty.bytes())).collect();
        spans.sort();
        for w in spans.windows(2) {
            assert!(w[0].0 + w[0].1 <= w[1].0, "{w:?}");
        }
        assert!(spans.last().map(|s| (s.0 + s.1) as usize) <= Some(LAYOUT.size));
    }

    #[test]
    fn fpr_is_high_doubleword_of_vsr() {
        let mut s = Ppc64State::default();
        s.vsr[5] = 0x1111_2222_3333_4444_5555_6666_7777_8888;
        assert_eq!(s.fpr(5), 0x1111_2222_3333_4444);
        let off = REGS[r_vsx(5).0 as usize].offset as usize;
        let base = &s as *const Ppc64State as *const u8;
        // SAFETY: `off` is inside the state block (checked by the table
        // test above) and the read is of 16 initialised bytes.
        let v = unsafe { (base.add(off) as *const u128).read_unaligned() };
        assert_eq!((v >> 64) as u64, 0x1111_2222_3333_4444);
        s.set_fpr(5, 7);
        assert_eq!(s.vsr[5], (7u128 << 64) | 0x5555_6666_7777_8888);
    }

    #[test]
    fn cr_word_round_trip() {
        let mut s = Ppc64State::default();
        s.set_cr_word(0x8421_0f0a);
        assert_eq!(s.cr[0], 1);
        assert_eq!(s.cr[1], 0);
        assert_eq!(s.cr_field(0), 8);
        assert_eq!(s.cr_field(5), 0xf);
        assert_eq!(s.cr_word(), 0x8421_0f0a);
    }
}
