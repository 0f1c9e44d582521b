//! Branch target identification (FEAT_BTI) as Linux presents it to EL0.
//!
//! PSTATE.BTYPE lives in [`crate::state::Aarch64State::btype`]. Indirect
//! branches set it (BR/BRAA… `0b11`, or `0b01` with X16/X17 or from an
//! unguarded page; BLR/BLRAA… `0b10`); every other instruction clears it.
//! When the instruction executed next lies in a guarded page, BTYPE is
//! not zero and the instruction is not a landing pad compatible with it,
//! the instruction raises a Branch Target exception instead (Linux:
//! SIGILL/ILL_ILLOPC at its PC).
//!
//! Translation tracks BTYPE only while the world has guarded pages at
//! all ([`xlat_ir::CodeSource::code_guarded`] is `Some`); a process
//! without them runs the same code as a CPU without BTI. While it tracks,
//! the first instruction of every block clears BTYPE (the one place where
//! it can be non-zero: indirect branches end their block), and in a
//! guarded page the block first calls [`HELPER_CHECK`] unless its first
//! instruction accepts every BTYPE. BTYPE is a runtime value checked in
//! the block, not part of `tb_flags`: a change of `tb_flags` clears the
//! dispatcher's per-CPU caches and must not happen on a computed jump
//! (the jump cache is keyed by PC only), so keying blocks by BTYPE would
//! send every indirect branch of a BTI program through the dispatcher.

use crate::state::{Aarch64State, R_BTYPE};
use crate::translate::Ctx;
use xlat_ir::abi::FaultKind;
use xlat_ir::{HelperDesc, HelperFlags, Type};

/// BTYPE of BR X16/X17 and of BR from an unguarded page.
pub const BTYPE_BR16: u64 = 1;
/// BTYPE of BLR (a call: "c").
pub const BTYPE_CALL: u64 = 2;
/// BTYPE of BR from a guarded page (a jump: "j").
pub const BTYPE_JUMP: u64 = 3;

/// Mask of every non-zero BTYPE (bit `b` for BTYPE `b`).
const ALL: u64 = 0b1110;

/// The BTYPE values (bit `b` for BTYPE `b`) with which `insn`, as the
/// target of an indirect branch in a guarded page, raises a Branch Target
/// exception. PACIASP/PACIBSP act as `BTI c` (SCTLR_EL1.BT0 = 1, as Linux
/// sets it); BRK and HLT accept every BTYPE (their own exception has
/// priority).
pub fn incompatible(insn: u32) -> u64 {
    if insn & 0xffff_f01f == 0xd503_201f {
        // Hint space, CRm:op2.
        return match (insn >> 5) & 0x7f {
            0b001_1001 | 0b001_1011 => 1 << BTYPE_JUMP, // PACIASP, PACIBSP
            0b010_0010 => 1 << BTYPE_JUMP,              // BTI c
            0b010_0100 => 1 << BTYPE_CALL,              // BTI j
            0b010_0110 => 0,                            // BTI jc
            _ => ALL,                                   // BTI, other hints
        };
    }
    match insn & 0xffe0_001f {
        0xd420_0000 | 0xd440_0000 => 0, // BRK, HLT
        _ => ALL,
    }
}

/// BTYPE an indirect branch through `rn` sets: `call` for BLR/BLRAA…,
/// else BR/BRAA… from a page that is `guarded` or not.
pub fn branch_type(call: bool, rn: u32, guarded: bool) -> u64 {
    if call {
        BTYPE_CALL
    } else if !guarded || rn == 16 || rn == 17 {
        BTYPE_BR16
    } else {
        BTYPE_JUMP
    }
}

/// Emits the BTYPE handling of the first instruction `insn` of a block
/// (after its `insn_start`) in a page that is `guarded` or not: the
/// landing-pad check, then BTYPE = 0.
pub fn block_entry(c: &mut Ctx<'_>, insn: u32, guarded: bool) {
    let bad = if guarded { incompatible(insn) } else { 0 };
    if bad != 0 {
        let bt = c.b.get(R_BTYPE);
        let m = c.b.i64(bad);
        let pc = c.b.i64(c.pc);
        c.b.call_helper(&HELPER_CHECK, Type::I64, &[bt, m, pc]);
    }
    let z = c.b.i64(0);
    c.b.set(R_BTYPE, z);
}

/// Emits the BTYPE write of an indirect branch through `rn` (`call`: a
/// branch with link) when translation tracks BTYPE.
pub fn indirect_branch(c: &mut Ctx<'_>, call: bool, rn: u32) {
    if let Some(guarded) = c.bti {
        let v = c.b.i64(branch_type(call, rn, guarded));
        c.b.set(R_BTYPE, v);
    }
}

/// # Safety
/// `env` must point to a live [`Aarch64State`].
unsafe extern "C" fn helper_check(env: *mut u8, btype: u64, bad: u64, pc: u64) -> u64 {
    if bad >> (btype & 3) & 1 != 0 {
        // SAFETY: translated code passes its own CPU state block
        // exclusively for the duration of the call.
        let st = unsafe { &mut *(env as *mut Aarch64State) };
        st.hdr.fault_kind = FaultKind::BranchTarget as u32;
        st.hdr.exc_info = pc;
        st.hdr.helper_fault = 1;
    }
    0
}

/// The landing-pad check: `(btype, incompatible mask, pc)`; raises the
/// Branch Target exception ([`FaultKind::BranchTarget`] at `pc`) when bit
/// `btype` of the mask is set.
pub static HELPER_CHECK: HelperDesc = HelperDesc {
    name: "xlat_a64_bti_check",
    func: helper_check,
    flags: HelperFlags {
        reads_state: false,
        writes_state: false,
        may_fault: true,
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodings from the Arm ARM (HINT #n = 0xd503201f | n << 5).
    fn hint(n: u32) -> u32 {
        0xd503_201f | n << 5
    }

    #[test]
    fn landing_pads_accept_their_branch_types() {
        // BTI (#32): nothing; BTI c (#34): BR16 and BLR; BTI j (#36): BR16
        // and BR; BTI jc (#38): all.
        assert_eq!(incompatible(hint(32)), 0b1110);
        assert_eq!(incompatible(hint(34)), 0b1000);
        assert_eq!(incompatible(hint(36)), 0b0100);
        assert_eq!(incompatible(hint(38)), 0);
        // PACIASP (#25), PACIBSP (#27): BTI c under SCTLR_EL1.BT0 = 1.
        assert_eq!(incompatible(0xd503_233f), 0b1000);
        assert_eq!(incompatible(0xd503_237f), 0b1000);
        // NOP, AUTIASP (#29), an ADD: no landing pad.
        assert_eq!(incompatible(0xd503_201f), 0b1110);
        assert_eq!(incompatible(0xd503_23bf), 0b1110);
        assert_eq!(incompatible(0x9100_0400), 0b1110);
        // BRK #1, HLT #0: their own exception first.
        assert_eq!(incompatible(0xd420_0020), 0);
        assert_eq!(incompatible(0xd440_0000), 0);
        // SVC #0 is not BRK.
        assert_eq!(incompatible(0xd400_0001), 0b1110);
    }

    #[test]
    fn branch_types_follow_the_arm_arm() {
        assert_eq!(branch_type(true, 5, true), 2);
        assert_eq!(branch_type(true, 16, false), 2);
        assert_eq!(branch_type(false, 5, true), 3);
        assert_eq!(branch_type(false, 16, true), 1);
        assert_eq!(branch_type(false, 17, true), 1);
        assert_eq!(branch_type(false, 5, false), 1);
    }
}
