//! "Branches, Exception Generating and System instructions".

use super::{Ctx, TResult, Undef, require};
use crate::cpu::Feature;
use crate::decode::Insn;
use crate::state::{
    R_CF, R_EXCL_ADDR, R_FPCR, R_FPSR, R_NF, R_PSTATE, R_TPIDR, R_TPIDRRO, R_VF, R_ZF, r_x,
};
use xlat_ir::{ExceptionKind, HelperDesc, HelperFlags, MemFlags, Ordering, Terminal, Type};

/// B, BL.
pub fn b(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let target = c.pc.wrapping_add((i.sbits(25, 0) << 2) as u64);
    if i.bit(31) {
        let ret = c.next_pc();
        let r = c.b.i64(ret);
        c.b.set(r_x(30), r);
        c.b.terminate(Terminal::Call { target, ret });
    } else {
        c.b.terminate(Terminal::Jump(target));
    }
    Ok(())
}

/// CBZ, CBNZ.
pub fn cbz(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let target = c.pc.wrapping_add((i.sbits(23, 5) << 2) as u64);
    let v = c.reg(i.rt(), i.sf() != 0);
    let cond = super::dp_reg::zero_test(c, v, i.op24() != 0);
    let not_taken = c.next_pc();
    c.b.terminate(Terminal::Branch {
        cond,
        taken: target,
        not_taken,
    });
    Ok(())
}

/// TBZ, TBNZ.
pub fn tbz(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let target = c.pc.wrapping_add((i.sbits(18, 5) << 2) as u64);
    let bit = (i.b5() << 5) | i.b40();
    let v = c.reg(i.rt(), true);
    let m = c.b.i64(1u64 << bit);
    let t = c.b.and(v, m);
    let cond = super::dp_reg::zero_test(c, t, i.op24() != 0);
    let not_taken = c.next_pc();
    c.b.terminate(Terminal::Branch {
        cond,
        taken: target,
        not_taken,
    });
    Ok(())
}

/// B.cond.
pub fn b_cond(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let target = c.pc.wrapping_add((i.sbits(23, 5) << 2) as u64);
    if i.cond0() >= 14 {
        c.b.terminate(Terminal::Jump(target));
        return Ok(());
    }
    let cond = c.cond_holds(i.cond0());
    let not_taken = c.next_pc();
    c.b.terminate(Terminal::Branch {
        cond,
        taken: target,
        not_taken,
    });
    Ok(())
}

/// BR, BLR, RET.
pub fn br(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let opc = i.bits(24, 21);
    require(opc <= 2)?;
    let t = c.reg(i.rn(), true);
    if opc < 2 {
        crate::bti::indirect_branch(c, opc == 1, i.rn());
    }
    match opc {
        0 => c.b.terminate(Terminal::JumpIndirect(t)),
        1 => {
            let ret = c.next_pc();
            let r = c.b.i64(ret);
            c.b.set(r_x(30), r);
            c.b.terminate(Terminal::JumpIndirect(t));
        }
        _ => c.b.terminate(Terminal::Return(t)),
    }
    Ok(())
}

/// SVC.
pub fn svc(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let pc = c.next_pc();
    c.b.terminate(Terminal::Exception {
        kind: ExceptionKind::Syscall,
        pc,
        info: i.imm16() as u64,
    });
    Ok(())
}

/// BRK.
pub fn brk(c: &mut Ctx<'_>, i: Insn) -> TResult {
    c.b.terminate(Terminal::Exception {
        kind: ExceptionKind::Breakpoint,
        pc: c.pc,
        info: i.imm16() as u64,
    });
    Ok(())
}

/// Allocated encodings that are UNDEFINED at EL0 in user mode (UDF, HLT,
/// HVC, SMC, DCPSn): raise an Undefined exception.
pub fn undefined_insn(c: &mut Ctx<'_>, i: Insn) -> TResult {
    c.b.terminate(Terminal::Exception {
        kind: ExceptionKind::Undefined,
        pc: c.pc,
        info: i.0 as u64,
    });
    Ok(())
}

/// DCPS1..3 (LL = 0 is unallocated).
pub fn dcps(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(i.bits(1, 0) != 0)?;
    undefined_insn(c, i)
}

/// The hint space: NOP, YIELD, WFE, WFI, SEV, SEVL, BTI, PAC hints, ... all
/// execute as NOPs; the wait hints end the block so spinning guests leave
/// translated code regularly.
pub fn hint(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let op = i.bits(11, 5);
    if c.model.has(Feature::Pauth) && pac_hint(c, op) {
        return Ok(());
    }
    if matches!(op, 1..=3) {
        let next = c.next_pc();
        c.b.terminate(Terminal::Jump(next));
    }
    Ok(())
}

/// The pointer authentication hints on a model with FEAT_PAuth (`op` =
/// CRm:op2); false for the other hints.
fn pac_hint(c: &mut Ctx<'_>, op: u32) -> bool {
    use crate::pauth::{key, op as pop};
    // (register, modifier: None = zero, Some(n) = Xn or 31 = SP, operation)
    let (rd, modifier, what) = match op {
        7 => {
            // XPACLRI
            let x = c.reg(30, true);
            let r = c.strip_pac(x);
            c.set_reg(30, r);
            return true;
        }
        8 => (17, Some(16), pop::ADD | key::IA),
        10 => (17, Some(16), pop::ADD | key::IB),
        12 => (17, Some(16), pop::AUTH | key::IA),
        14 => (17, Some(16), pop::AUTH | key::IB),
        24..=31 => {
            let k = if op & 2 != 0 { key::IB } else { key::IA };
            let kind = if op & 4 != 0 { pop::AUTH } else { pop::ADD };
            (30, (op & 1 != 0).then_some(31), kind | k)
        }
        _ => return false,
    };
    let x = c.reg(rd, true);
    let m = match modifier {
        Some(n) => c.reg_sp(n, true),
        None => c.b.i64(0),
    };
    let r = c.pac(x, m, what);
    c.set_reg(rd, r);
    true
}

/// BRAA, BRAB, BLRAA, BLRAB (modifier Xm or SP), BRAAZ, BRABZ, BLRAAZ,
/// BLRABZ (modifier zero), RETAA, RETAB (target X30, modifier SP): the
/// target is authenticated with an instruction key; a failed check leaves
/// an address that faults when fetched.
pub fn br_pac(c: &mut Ctx<'_>, i: Insn) -> TResult {
    use crate::pauth::{key, op};
    let z = i.bit(24);
    let opc = i.bits(22, 21);
    let ret = opc == 2;
    require(opc <= 2 && !(z && ret))?;
    require(z || i.rd() == 31)?;
    require(!ret || i.rn() == 31)?;
    c.need(Feature::Pauth)?;
    let k = if i.bit(10) { key::IB } else { key::IA };
    let target = c.reg(if ret { 30 } else { i.rn() }, true);
    let m = if ret {
        c.reg_sp(31, true)
    } else if z {
        c.reg_sp(i.rd(), true)
    } else {
        c.b.i64(0)
    };
    let t = c.pac(target, m, op::AUTH | k);
    if !ret {
        crate::bti::indirect_branch(c, opc == 1, i.rn());
    }
    match opc {
        0 => c.b.terminate(Terminal::JumpIndirect(t)),
        1 => {
            let r = c.b.i64(c.next_pc());
            c.b.set(r_x(30), r);
            c.b.terminate(Terminal::JumpIndirect(t));
        }
        _ => c.b.terminate(Terminal::Return(t)),
    }
    Ok(())
}

/// CLREX, DSB (incl. SSBB/PSSBB/DFB), DMB, ISB, SB.
pub fn barrier(c: &mut Ctx<'_>, i: Insn) -> TResult {
    match i.op2() {
        2 => {
            let m = c.b.i64(u64::MAX);
            c.b.set(R_EXCL_ADDR, m);
        }
        4 | 5 => c.b.fence(Ordering::AcqRel),
        6 => {
            c.b.fence(Ordering::AcqRel);
            let next = c.next_pc();
            c.b.terminate(Terminal::Jump(next));
        }
        7 if i.crm() == 0 => {
            // SB (FEAT_SB)
            c.need(Feature::Sb)?;
            c.b.fence(Ordering::AcqRel);
        }
        // DSB nXS needs FEAT_XS, which no model has (UNDEFINED, as in
        // qemu's models).
        _ => return Err(Undef),
    }
    Ok(())
}

/// Size in bytes of the block DC ZVA zeroes (DCZID_EL0.BS = 4).
pub const DC_ZVA_BYTES: u64 = 64;

/// SYS: the cache maintenance operations allowed at EL0 (DC ZVA, DC
/// CVAC/CVAU/CVAP/CVADP/CIVAC, IC IVAU); all others are UNDEFINED.
pub fn sys(c: &mut Ctx<'_>, i: Insn) -> TResult {
    require(i.op1() == 3 && i.crn() == 7 && i.op2() == 1)?;
    match i.crm() {
        4 => {
            // DC ZVA
            let a = c.reg(i.rt(), true);
            let m = c.b.i64(!(DC_ZVA_BYTES - 1));
            let base = c.b.and(a, m);
            let z = c.b.iconst(Type::V128, 0);
            for k in 0..DC_ZVA_BYTES / 16 {
                let off = c.b.i64(k * 16);
                let ad = c.b.add(base, off);
                c.b.store(ad, z, MemFlags::new(16));
            }
        }
        // DC CVAP (FEAT_DPB), DC CVADP (FEAT_DPB2): no effect here, as
        // DC CVAC, CVAU and CIVAC.
        12 => c.need(Feature::Dcpop)?,
        13 => c.need(Feature::Dcpodp)?,
        10 | 11 | 14 => {}
        5 => {
            let next = c.next_pc();
            c.b.terminate(Terminal::Exit(next));
        }
        _ => return Err(Undef),
    }
    Ok(())
}

/// Encodes (op0, op1, CRn, CRm, op2) of a system register.
const fn sysreg(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32) -> u32 {
    (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2
}

const NZCV: u32 = sysreg(3, 3, 4, 2, 0);
const FPCR: u32 = sysreg(3, 3, 4, 4, 0);
const FPSR: u32 = sysreg(3, 3, 4, 4, 1);
const TPIDR_EL0: u32 = sysreg(3, 3, 13, 0, 2);
const TPIDRRO_EL0: u32 = sysreg(3, 3, 13, 0, 3);
const CNTFRQ_EL0: u32 = sysreg(3, 3, 14, 0, 0);
const CNTVCT_EL0: u32 = sysreg(3, 3, 14, 0, 2);
const CTR_EL0: u32 = sysreg(3, 3, 0, 0, 1);
const DCZID_EL0: u32 = sysreg(3, 3, 0, 0, 7);
const SSBS: u32 = sysreg(3, 3, 4, 2, 6);
const DIT: u32 = sysreg(3, 3, 4, 2, 5);
/// PSTATE.SSBS and PSTATE.DIT in [`R_PSTATE`] (and in MRS/MSR values).
const PSTATE_SSBS: u64 = 1 << 12;
const PSTATE_DIT: u64 = 1 << 24;

/// Sets the PSTATE bit `bit` of [`R_PSTATE`] to `v & bit`.
fn set_pstate_bit(c: &mut Ctx<'_>, bit: u64, v: xlat_ir::Value) {
    let p = c.b.get(R_PSTATE);
    let keep = c.b.i64(!bit);
    let p = c.b.and(p, keep);
    let m = c.b.i64(bit);
    let v = c.b.and(v, m);
    let p = c.b.or(p, v);
    c.b.set(R_PSTATE, p);
}

/// The PSTATE bit `bit` of [`R_PSTATE`], in place.
fn pstate_bit(c: &mut Ctx<'_>, bit: u64) -> xlat_ir::Value {
    let p = c.b.get(R_PSTATE);
    let m = c.b.i64(bit);
    c.b.and(p, m)
}
const RNDR: u32 = sysreg(3, 3, 2, 4, 0);
const RNDRRS: u32 = sysreg(3, 3, 2, 4, 1);

/// CNTFRQ_EL0: the generic timer runs at 1 GHz (CNTVCT_EL0 counts ns).
pub const CNTFRQ: u64 = 1_000_000_000;
/// DCZID_EL0: DC ZVA permitted, 64-byte blocks (BS = log2(16 words)).
pub const DCZID: u64 = 4;

fn sysreg_of(i: Insn) -> u32 {
    i.bits(20, 5)
}

/// # Safety
/// Called by translated code with any `env`; does not touch it.
unsafe extern "C" fn helper_cntvct(_env: *mut u8, _a: u64, _b: u64, _c: u64) -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = START.get_or_init(std::time::Instant::now);
    // Offset so that the counter never reads as 0.
    start.elapsed().as_nanos() as u64 + 1_000_000
}

/// # Safety
/// Called by translated code with any `env`; does not touch it.
unsafe extern "C" fn helper_rndr(_env: *mut u8, _a: u64, _b: u64, _c: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    thread_local! {
        static STATE: std::cell::RefCell<(std::collections::hash_map::RandomState, u64)> =
            std::cell::RefCell::new((std::collections::hash_map::RandomState::new(), 0));
    }
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.1 += 1;
        let mut h = s.0.build_hasher();
        h.write_u64(s.1);
        h.finish()
    })
}

/// RNDR/RNDRRS: 64 random bits (std's randomly keyed SipHash of a
/// per-thread counter; the key comes from the OS's random source).
pub static HELPER_RNDR: HelperDesc = HelperDesc {
    name: "xlat_a64_rndr",
    func: helper_rndr,
    flags: HelperFlags::PURE,
};

/// Reads the virtual counter (host monotonic clock, in ns).
pub static HELPER_CNTVCT: HelperDesc = HelperDesc {
    name: "xlat_a64_cntvct",
    func: helper_cntvct,
    flags: HelperFlags::PURE,
};

unsafe extern "C" fn helper_host_fp_flags(_env: *mut u8, _: u64, _: u64, _: u64) -> u64 {
    // xlat_ir::hostfp's flag order is FPSR's: IOC, DZC, OFC, UFC, IXC.
    xlat_ir::hostfp::status() as u64
}

/// The host's sticky FP exception flags as FPSR bits. `STATE` so that
/// every FP result of the block is computed (and written back) before.
pub static HELPER_HOST_FP_FLAGS: HelperDesc = HelperDesc {
    name: "xlat_a64_host_fp_flags",
    func: helper_host_fp_flags,
    flags: HelperFlags::STATE,
};

/// MRS.
pub fn mrs(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let v = match sysreg_of(i) {
        NZCV => {
            let mut acc = c.b.i64(0);
            for (r, sh) in [(R_NF, 31), (R_ZF, 30), (R_CF, 29), (R_VF, 28)] {
                let f = c.b.get(r);
                let f = c.b.zext(Type::I64, f);
                let s = c.b.i64(sh);
                let f = c.b.shl(f, s);
                acc = c.b.or(acc, f);
            }
            acc
        }
        FPCR => c.b.get(R_FPCR),
        FPSR if c.fp_track => c.b.get(R_FPSR),
        FPSR => {
            // First look at FPSR: the flags of the fast path's arithmetic
            // so far are the host's sticky flags (cleared at process
            // start); from here on FPSR is tracked exactly.
            let host = c.b.call_helper(&HELPER_HOST_FP_FLAGS, Type::I64, &[]);
            let fpsr = c.b.get(R_FPSR);
            let v = c.b.or(fpsr, host);
            c.b.set(R_FPSR, v);
            v
        }
        TPIDR_EL0 => c.b.get(R_TPIDR),
        TPIDRRO_EL0 => c.b.get(R_TPIDRRO),
        CNTFRQ_EL0 => c.b.i64(CNTFRQ),
        CNTVCT_EL0 => c.b.call_helper(&HELPER_CNTVCT, Type::I64, &[]),
        CTR_EL0 => c.b.i64(c.model.ctr),
        DCZID_EL0 => c.b.i64(DCZID),
        SSBS if c.model.has(Feature::Ssbs) => pstate_bit(c, PSTATE_SSBS),
        DIT if c.model.has(Feature::Dit) => pstate_bit(c, PSTATE_DIT),
        RNDR | RNDRRS if c.model.has(Feature::Rng) => {
            // Always succeeds: NZCV = 0000.
            let zero = c.b.i8(0);
            for f in [R_NF, R_ZF, R_CF, R_VF] {
                c.b.set(f, zero);
            }
            c.b.call_helper(&HELPER_RNDR, Type::I64, &[])
        }
        r => match c.model.id_register(r) {
            Some(v) => c.b.i64(v),
            None => return Err(Undef),
        },
    };
    c.set_reg(i.rt(), v);
    if sysreg_of(i) == FPSR {
        start_fp_tracking(c);
    }
    Ok(())
}

/// The first read or write of FPSR turns FPSR tracking on (a `tb_flags`
/// bit): the rest of the block and the code after it are translated with
/// exact FPSR flags (see [`crate::translate::simd_fp`]).
fn start_fp_tracking(c: &mut Ctx<'_>) {
    if !c.fp_track {
        let one = c.b.i64(1);
        c.b.set(crate::state::R_FPTRACK, one);
        c.b.terminate(Terminal::Exit(c.next_pc()));
    }
}

/// MSR (register).
pub fn msr_reg(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let v = c.reg(i.rt(), true);
    match sysreg_of(i) {
        NZCV => {
            for (r, sh) in [(R_NF, 31), (R_ZF, 30), (R_CF, 29), (R_VF, 28)] {
                let s = c.b.i64(sh);
                let f = c.b.lshr(v, s);
                let f = c.b.trunc(Type::I8, f);
                let one = c.b.i8(1);
                let f = c.b.and(f, one);
                c.b.set(r, f);
            }
        }
        FPCR => {
            // Only the implemented, writable bits: AHP, DN, FZ, RMode,
            // Stride, Len, and FZ16 with FEAT_FP16 (RES0 without, as in
            // QEMU). The trap enables (IDE, IXE, UFE, OFE, DZE, IOE) are
            // RAZ/WI as FP traps are not implemented (as on most cores
            // and in QEMU).
            let fz16 = if c.model.has(Feature::Fp16) {
                crate::fp::FPCR_FZ16
            } else {
                0
            };
            let m = c.b.i64(0x07f7_0000 | fz16);
            let v = c.b.and(v, m);
            c.b.set(R_FPCR, v);
            // RMode, FZ and DN are part of tb_flags.
            c.b.terminate(Terminal::Exit(c.next_pc()));
        }
        FPSR => {
            let m = c.b.i64(0xf800_009f);
            let v = c.b.and(v, m);
            c.b.set(R_FPSR, v);
            start_fp_tracking(c);
        }
        TPIDR_EL0 => c.b.set(R_TPIDR, v),
        SSBS if c.model.has(Feature::Ssbs) => set_pstate_bit(c, PSTATE_SSBS, v),
        DIT if c.model.has(Feature::Dit) => set_pstate_bit(c, PSTATE_DIT, v),
        _ => return Err(Undef),
    }
    Ok(())
}

/// MSR (immediate) and the flag-manipulation instructions in its space:
/// CFINV, XAFLAG, AXFLAG (FEAT_FlagM/FlagM2). Of the PSTATE fields, those
/// writable at EL0 in Linux (SSBS, DIT, TCO) execute as NOPs; the others
/// (SPSel, DAIFSet/DAIFClr with SCTLR_EL1.UMA = 0, PAN, UAO, ...) are
/// UNDEFINED at EL0.
pub fn msr_imm(c: &mut Ctx<'_>, i: Insn) -> TResult {
    match (i.op1(), i.op2()) {
        (0, 0) | (0, 1) | (0, 2) => {
            require(i.crm() == 0)?;
            c.need(if i.op2() == 0 {
                Feature::FlagM
            } else {
                Feature::FlagM2
            })?;
            let z = c.b.get(R_ZF);
            let cf = c.b.get(R_CF);
            let v = c.b.get(R_VF);
            let one = c.b.i8(1);
            let zero = c.b.i8(0);
            match i.op2() {
                0 => {
                    // CFINV
                    let nc = c.b.xor(cf, one);
                    c.b.set(R_CF, nc);
                }
                1 => {
                    // XAFLAG
                    let nc = c.b.xor(cf, one);
                    let nz = c.b.xor(z, one);
                    let n2 = c.b.and(nc, nz);
                    let z2 = c.b.and(z, cf);
                    let c2 = c.b.or(cf, z);
                    let v2 = c.b.and(nc, z);
                    c.b.set(R_NF, n2);
                    c.b.set(R_ZF, z2);
                    c.b.set(R_CF, c2);
                    c.b.set(R_VF, v2);
                }
                _ => {
                    // AXFLAG
                    let nv = c.b.xor(v, one);
                    let z2 = c.b.or(z, v);
                    let c2 = c.b.and(cf, nv);
                    c.b.set(R_NF, zero);
                    c.b.set(R_ZF, z2);
                    c.b.set(R_CF, c2);
                    c.b.set(R_VF, zero);
                }
            }
        }
        // SSBS and DIT: kept in PSTATE (no effect on the emulation). TCO
        // (FEAT_MTE) is in no model: UNDEFINED.
        (3, 1) | (3, 2) => {
            let (f, bit) = if i.op2() == 1 {
                (Feature::Ssbs, PSTATE_SSBS)
            } else {
                (Feature::Dit, PSTATE_DIT)
            };
            c.need(f)?;
            let v = c.b.i64(if i.crm() & 1 != 0 { bit } else { 0 });
            set_pstate_bit(c, bit, v);
        }
        _ => return Err(Undef),
    }
    Ok(())
}
