//! The ppc64le vDSO (`linux-vdso64.so.1`): the rt signal trampoline that
//! handlers return to, and the `.eh_frame` that lets unwinders step from a
//! handler back into the interrupted code.
//!
//! libgcc finds the trampoline's FDE through the vDSO's `PT_GNU_EH_FRAME`
//! (`_dl_find_object` / `dl_iterate_phdr`; glibc registers the vDSO as a
//! loaded object from `AT_SYSINFO_EHDR`). Without it libgcc falls back to
//! `ppc_fallback_frame_state`, whose return-address column (GCC's internal
//! `ARG_POINTER_REGNUM`, not the DWARF column 67) has no 8-byte entry in
//! GCC 12's register-size table, and `uw_update_context` aborts —
//! pthread_cancel of a thread in an asynchronous section died that way.
//!
//! The layout follows the kernel's `arch/powerpc/kernel/vdso/sigtramp64.S`
//! (facts taken from it, code written here):
//! - a `nop` before the entry, because unwinders look up `pc - 1` for a
//!   frame that is not yet known to be a signal frame, and the FDE covers
//!   it;
//! - `addi r1,r1,128; li r0,__NR_rt_sigreturn; sc`, the words libgcc's
//!   `get_regs`/`frob_update_context` compare against;
//! - after them three zero words and the doublewords `0, -21*8` at
//!   entry+24/+32: libgcc's fallback reads a "puc" at entry+32 and, on
//!   that magic value, takes the registers from the frame at the CFA
//!   instead of dereferencing it;
//! - a CIE with augmentation `"zRS"` (a signal frame: the next frame's PC
//!   is looked up exactly, not minus one) and return-address column 67
//!   (`ap` in GCC's eh_frame numbering, standing for NIP);
//! - CFA and register rules as DWARF expressions relative to r1, through
//!   the `regs` pointer of the `sigcontext` in xlat's rt_sigframe
//!   ([`super::frame`]): the CFA is the interrupted r1, each register its
//!   saved slot. The rules are given twice, for r1 before and after the
//!   trampoline's `addi`, so they hold at every instruction of it.
//!
//! `__kernel_sigtramp_rt64` is exported: glibc's ppc64 `backtrace()` walks
//! the back chain and recognises signal frames by that address. No other
//! `__kernel_*` function is: glibc then takes its syscall paths (as it does
//! with no vDSO).

use super::frame;
use crate::vdso::{self, Cie, Fde, Image, Spec, Symbol, dw};
use std::sync::OnceLock;

/// `nop` (`ori r0,r0,0`).
const NOP: u32 = 0x6000_0000;
/// `addi r1,r1,128`: pop the dummy caller frame.
const ADDI_R1_128: u32 = 0x3821_0000 | frame::CALLER_FRAME as u32;
/// `li r0,172` (`__NR_rt_sigreturn`).
const LI_R0_RT_SIGRETURN: u32 = 0x3800_00ac;
/// `sc`.
const SC: u32 = 0x4400_0002;
/// The magic "puc" libgcc's fallback recognises at entry+32.
const PUC_MAGIC: i64 = -21 * 8;

/// Offset in the text of the trampoline's entry (8-aligned, as the
/// `pinfo`/`puc` doublewords after it must be).
const ENTRY: u64 = 8;
/// Bytes of the three instructions.
const TRAMP_LEN: u64 = 12;

/// Where `sigcontext.regs` lies relative to r1 at the trampoline's entry
/// (r1 points at the dummy caller frame below the ucontext).
const PTREGS: i64 = frame::CALLER_FRAME as i64 + frame::REGS_PTR as i64;
/// Offset of the FPRs from `gp_regs`.
const FPR_OFF: u64 = (frame::FP_REGS - frame::GP_REGS) as u64;
/// Offset of the `v_regs` pointer from `gp_regs`.
const VREGS_PTR_OFF: u64 = (frame::V_REGS_PTR - frame::GP_REGS) as u64;

/// GCC's eh_frame register columns for ppc64 (its pre-GCC 8 internal
/// numbering, kept for `.eh_frame`).
mod col {
    /// FPR 0.
    pub const F0: u64 = 32;
    /// LR.
    pub const LR: u64 = 65;
    /// CTR.
    pub const CTR: u64 = 66;
    /// `ap`, used for NIP (the return-address column).
    pub const NIP: u64 = 67;
    /// CR field 0 (CR0..CR7 are 68..75, 4 bytes each).
    pub const CR0: u64 = 68;
    /// XER.
    pub const XER: u64 = 76;
    /// VR 0.
    pub const V0: u64 = 77;
}

/// `DW_OP_breg1 base; DW_OP_deref`: the address of `gp_regs`.
fn gp_regs(base: i64) -> Vec<u8> {
    let mut e = vec![dw::OP_BREG0 + 1];
    dw::sleb(&mut e, base);
    e.push(dw::OP_DEREF);
    e
}

fn plus(e: &mut Vec<u8>, off: u64) {
    if off != 0 {
        e.push(dw::OP_PLUS_UCONST);
        dw::uleb(e, off);
    }
}

/// The CFA and every saved register, with r1 + `base` = `&sigcontext.regs`.
fn rules(out: &mut Vec<u8>, base: i64) {
    use frame::{PT_CCR, PT_CTR, PT_LNK, PT_NIP, PT_XER};
    let slot = |out: &mut Vec<u8>, column: u64, off: u64| {
        let mut e = gp_regs(base);
        plus(&mut e, off);
        dw::expression(out, Some(column), &e);
    };
    // CFA = the interrupted r1 (gp_regs[1]).
    let mut e = gp_regs(base);
    plus(&mut e, 8);
    e.push(dw::OP_DEREF);
    dw::expression(out, None, &e);
    for r in (0..32u64).filter(|&r| r != 1) {
        slot(out, r, 8 * r);
    }
    slot(out, col::NIP, 8 * PT_NIP as u64);
    slot(out, col::LR, 8 * PT_LNK as u64);
    slot(out, col::CTR, 8 * PT_CTR as u64);
    slot(out, col::XER, 8 * PT_XER as u64);
    // CR fields: the low word of the 64-bit ccr slot (little-endian).
    for f in 0..8 {
        slot(out, col::CR0 + f, 8 * PT_CCR as u64);
    }
    for f in 0..32 {
        slot(out, col::F0 + f, FPR_OFF + 8 * f);
    }
    // VRs: xlat's frames always carry the VMX area (v_regs is set).
    for v in 0..32 {
        let mut e = gp_regs(base);
        plus(&mut e, VREGS_PTR_OFF);
        e.push(dw::OP_DEREF);
        plus(&mut e, 16 * v);
        dw::expression(out, Some(col::V0 + v), &e);
    }
}

/// The text: `nop; nop; addi; li; sc; .long 0,0,0; .quad 0, -168`.
fn text() -> Vec<u8> {
    let mut t = Vec::new();
    for w in [NOP, NOP, ADDI_R1_128, LI_R0_RT_SIGRETURN, SC, 0, 0, 0] {
        t.extend_from_slice(&w.to_le_bytes());
    }
    t.extend_from_slice(&0u64.to_le_bytes());
    t.extend_from_slice(&PUC_MAGIC.to_le_bytes());
    debug_assert_eq!(t.len() as u64, ENTRY + 24 + 16);
    t
}

/// The FDE program: rules for r1 at entry, then (after the `addi`) for
/// r1 128 bytes higher.
fn fde_program() -> Vec<u8> {
    let mut p = Vec::new();
    rules(&mut p, PTREGS);
    // From the nop at ENTRY-4 to the instruction after the addi: 8 bytes,
    // in code-alignment units of 4.
    p.push(dw::CFA_ADVANCE_LOC | 2);
    rules(&mut p, PTREGS - frame::CALLER_FRAME as i64);
    p
}

fn build() -> Image {
    let text = text();
    let program = fde_program();
    let mut img = vdso::build(&Spec {
        machine: 21,
        // ELFv2.
        flags: 2,
        soname: "linux-vdso64.so.1",
        text: &text,
        symbols: &[Symbol {
            name: "__kernel_sigtramp_rt64",
            offset: ENTRY,
            size: TRAMP_LEN,
        }],
        cie: Cie {
            augmentation: "zRS",
            code_align: 4,
            data_align: -8,
            ra_column: col::NIP as u8,
            program: &[dw::CFA_DEF_CFA, 1, 0],
        },
        fdes: &[Fde {
            start: ENTRY - 4,
            len: 4 + TRAMP_LEN,
            program: &program,
        }],
    });
    img.sigreturn = Some(img.text + ENTRY);
    img
}

/// The image (built once).
pub fn image() -> &'static Image {
    static IMG: OnceLock<Image> = OnceLock::new();
    IMG.get_or_init(build)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(b: &[u8], o: u64) -> u32 {
        u32::from_le_bytes(b[o as usize..o as usize + 4].try_into().unwrap())
    }

    #[test]
    fn trampoline_is_what_libgcc_recognises() {
        let img = image();
        let b = &img.bytes;
        let e = img.sigreturn.expect("signal return");
        assert_eq!(e % 8, 0);
        // libgcc's words for "addi r1,r1,128; li r0,0xAC; sc".
        assert_eq!(
            [word(b, e), word(b, e + 4), word(b, e + 8)],
            [0x3821_0080, 0x3800_00ac, 0x4400_0002]
        );
        assert_eq!(word(b, e - 4), NOP);
        let puc = i64::from_le_bytes(b[e as usize + 32..e as usize + 40].try_into().unwrap());
        assert_eq!(puc, -168);
    }

    #[test]
    fn sigtramp_symbol_is_the_return_address() {
        let img = image();
        let elf = goblin::elf::Elf::parse(&img.bytes).unwrap();
        let sym = elf
            .dynsyms
            .iter()
            .find(|s| elf.dynstrtab.get_at(s.st_name) == Some("__kernel_sigtramp_rt64"))
            .expect("exported");
        assert_eq!(Some(sym.st_value), img.sigreturn);
        assert_eq!(elf.soname, Some("linux-vdso64.so.1"));
        assert_eq!(elf.header.e_flags, 2);
    }

    /// Reads a LEB128 number at `b[*i]` and advances `i`.
    fn leb128(b: &[u8], i: &mut usize, signed: bool) -> u64 {
        let (mut v, mut sh) = (0u64, 0);
        loop {
            let byte = b[*i];
            *i += 1;
            v |= u64::from(byte & 0x7f) << sh;
            sh += 7;
            if byte & 0x80 == 0 {
                if signed && sh < 64 && byte & 0x40 != 0 {
                    v |= !0 << sh;
                }
                return v;
            }
        }
    }

    /// A tiny evaluator for the expressions the FDE uses, on a memory
    /// given as a closure.
    fn eval(expr: &[u8], r1: u64, mem: &dyn Fn(u64) -> u64) -> u64 {
        let mut st: Vec<u64> = Vec::new();
        let mut i = 0;
        let leb = |i: &mut usize, signed: bool| leb128(expr, i, signed);
        while i < expr.len() {
            let op = expr[i];
            i += 1;
            match op {
                0x71 => {
                    let off = leb(&mut i, true);
                    st.push(r1.wrapping_add(off));
                }
                dw::OP_DEREF => {
                    let a = st.pop().unwrap();
                    st.push(mem(a));
                }
                dw::OP_PLUS_UCONST => {
                    let v = leb(&mut i, false);
                    let a = st.pop().unwrap();
                    st.push(a + v);
                }
                other => panic!("unexpected op {other:#x}"),
            }
        }
        st.pop().unwrap()
    }

    /// The CFA expression and the (column, expression) rules of one
    /// location range.
    type RuleSet = (Vec<u8>, Vec<(u64, Vec<u8>)>);

    /// Walks an FDE program: returns the rules in effect at each location
    /// step.
    fn rule_sets(p: &[u8]) -> Vec<RuleSet> {
        let mut sets = vec![(Vec::new(), Vec::new())];
        let mut i = 0;
        let uleb = |i: &mut usize| leb128(p, i, false);
        while i < p.len() {
            let op = p[i];
            i += 1;
            match op {
                dw::CFA_DEF_CFA_EXPRESSION => {
                    let n = uleb(&mut i) as usize;
                    sets.last_mut().unwrap().0 = p[i..i + n].to_vec();
                    i += n;
                }
                dw::CFA_EXPRESSION => {
                    let r = uleb(&mut i);
                    let n = uleb(&mut i) as usize;
                    sets.last_mut().unwrap().1.push((r, p[i..i + n].to_vec()));
                    i += n;
                }
                0x42 => sets.push((Vec::new(), Vec::new())),
                other => panic!("unexpected CFA op {other:#x}"),
            }
        }
        sets
    }

    #[test]
    fn rules_locate_the_registers_in_a_real_frame() {
        use crate::arch::FrameIn;
        // Build a frame with setup_frame and check that, from r1 at the
        // trampoline (before and after its addi), each rule lands on the
        // value the registers had.
        let mem = crate::mmap::test_space();
        let memref: xlat_ir::abi::MemRef = mem.clone();
        let engine = xlat_exec::Engine::new(
            (super::super::ARCH.new_frontend)(),
            memref,
            xlat_exec::ExecOptions::default(),
        )
        .unwrap();
        let mut cpu = engine.new_cpu();
        use xlat_frontend_ppc64le::state::*;
        for r in 0..32 {
            cpu.set(r_gpr(r), 0x1000 + u128::from(r));
        }
        let sp = 0x1_fff0u64;
        cpu.set(r_gpr(1), u128::from(sp));
        for r in 0..32 {
            cpu.set(r_vsx(r), (0x4000_0000_0000_0000 + u128::from(r)) << 64);
            cpu.set(r_vr(r), (0xabcd_u128 << 64) | u128::from(r));
        }
        cpu.set(R_LR, 0x7777);
        cpu.set(R_CTR, 0x8888);
        cpu.set(r_cr(2), 1); // CR bit 2 -> 0x2000_0000
        cpu.set_pc(0x5554);
        let info = [0u8; 128];
        let fi = FrameIn {
            sig: 10,
            info: &info,
            siginfo: true,
            sp_top: sp,
            handler: 0x9990,
            restorer: image().sigreturn.unwrap(),
            saved_mask: 0,
            uc_stack: (0, 2, 0),
            fault_address: 0,
            syndrome: None,
        };
        (super::super::ARCH.signal.setup_frame)(&mut cpu, &mem, &fi).unwrap();
        let r1 = cpu.get(r_gpr(1)) as u64;
        let read = |a: u64| mem.read_u64(a).unwrap();
        let sets = rule_sets(&fde_program());
        assert_eq!(sets.len(), 2);
        for (k, (cfa, regs)) in sets.iter().enumerate() {
            // Set 0 holds at the trampoline entry, set 1 after the addi.
            let at = r1 + 128 * k as u64;
            assert_eq!(eval(cfa, at, &read), sp, "CFA = interrupted r1");
            let want: Vec<(u64, u64)> = (0..32u64)
                .filter(|&r| r != 1)
                .map(|r| (r, 0x1000 + r))
                .chain([(67, 0x5554), (65, 0x7777), (66, 0x8888)])
                .chain((0..8).map(|f| (68 + f, 0x2000_0000)))
                .chain((0..32).map(|f| (32 + f, 0x4000_0000_0000_0000 + f)))
                .chain((0..32).map(|v| (77 + v, v)))
                .collect();
            for (col, val) in want {
                let e = &regs.iter().find(|(c, _)| *c == col).expect("rule").1;
                let a = eval(e, at, &read);
                let got = if (68..76).contains(&col) {
                    read(a) & 0xffff_ffff
                } else {
                    read(a)
                };
                assert_eq!(got, val, "column {col} in set {k}");
            }
            // The high half of each VR follows its low half.
            let v0 = &regs.iter().find(|(c, _)| *c == 77).unwrap().1;
            assert_eq!(read(eval(v0, at, &read) + 8), 0xabcd);
        }
    }
}
