//! PowerPC 64-bit little-endian guest frontend (Power ISA 3.0, user level):
//! the CPU state, a declarative decode table, and translate functions
//! grouped by book and chapter of the Power ISA, each calling only the IR
//! builder.
//!
//! The CPU model ([`cpu`]) sets the ISA level: instructions of a later
//! level raise Undefined (SIGILL), as on the real processor.
//!
//! Not implemented yet (they raise Undefined, i.e. SIGILL): decimal
//! floating point, the string instructions (lswi/lswx/stswi/stswx) and
//! the VMX instructions not listed in the decode table. VSX vector
//! floating point, IEEE quad precision, MMA and VMX floating point are
//! in [`vsxext`]. FPSCR
//! exception status bits are computed once the guest first reads or
//! writes FPSCR (see `translate::fp`), for the scalar instructions of
//! `translate::fp` and `translate::vsx` and the quad-precision ones (not
//! for the vector ones); FR stays 0.

pub mod cpu;
pub mod crypto;
pub mod decode;
pub mod helpers;
pub mod state;
pub mod translate;
pub mod vsxext;

pub use state::{LAYOUT, Ppc64State};

use decode::Insn;
use translate::Ctx;
use translate::fixed::TRAP_PC_OFFSET;
use xlat_ir::{
    Block, Builder, CodeSource, ExceptionKind, Frontend, StateLayout, Terminal, TranslateOptions,
};

/// Guest page size: blocks never cross a 4 KiB boundary.
pub const PAGE_SIZE: u64 = 4096;

/// The PowerPC 64 little-endian frontend for one CPU model.
#[derive(Copy, Clone, Debug)]
pub struct Ppc64Frontend {
    model: &'static cpu::CpuModel,
}

impl Default for Ppc64Frontend {
    /// The model with everything xlat implements ([`cpu::max_model`]).
    fn default() -> Self {
        Ppc64Frontend::new(cpu::max_model())
    }
}

/// Outcome of translating one instruction into a context.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum InsnOutcome {
    /// Decoded by the named row and translated.
    Decoded(&'static str),
    /// No row matched, or the row reported an invalid sub-encoding; an
    /// Undefined exception terminal was emitted.
    Undefined,
}

/// Translates the single instruction `insn` at `c.pc` (with its
/// `insn_start` marker and instruction count).
pub fn translate_insn(c: &mut Ctx<'_>, insn: u32) -> InsnOutcome {
    let mark = c.b.len();
    c.b.insn_start(c.pc);
    let i = Insn(insn);
    let out = match decode::decode(i) {
        Some(row) if decode::isa_of(row) > c.isa => InsnOutcome::Undefined,
        Some(row) => match (row.func)(c, i) {
            Ok(()) => InsnOutcome::Decoded(row.name),
            Err(translate::Undef) => InsnOutcome::Undefined,
        },
        None => InsnOutcome::Undefined,
    };
    finish_insn(c, mark, out, insn, 4)
}

/// Ends the instruction begun at IR position `mark`: an Undefined outcome
/// replaces what was emitted by an Undefined exception (info: `word`);
/// counts `len` bytes.
fn finish_insn(c: &mut Ctx<'_>, mark: usize, out: InsnOutcome, word: u32, len: u32) -> InsnOutcome {
    if out == InsnOutcome::Undefined {
        c.b.truncate(mark);
        c.b.insn_start(c.pc);
        c.b.terminate(Terminal::Exception {
            kind: ExceptionKind::Undefined,
            pc: c.pc,
            info: word as u64,
        });
    }
    c.b.count_insn(len);
    out
}

/// Translates the 8-byte prefixed instruction `prefix`, `suffix` at
/// `c.pc` (ISA 3.1); Undefined on older models, for unknown forms and
/// for one that crosses a 64-byte boundary (which the ISA makes an
/// alignment interrupt).
pub fn translate_prefixed(c: &mut Ctx<'_>, prefix: u32, suffix: u32) -> InsnOutcome {
    let mark = c.b.len();
    c.b.insn_start(c.pc);
    let out = if c.pc % 64 != 60 && translate::prefixed::translate(c, prefix, suffix).is_ok() {
        InsnOutcome::Decoded("PREFIXED")
    } else {
        InsnOutcome::Undefined
    };
    finish_insn(c, mark, out, prefix, 8)
}

/// True for the trap instructions (tw, twi, td, tdi).
fn is_trap(w: u32) -> bool {
    matches!(
        decode::decode(Insn(w)).map(|r| r.name),
        Some("TW" | "TWI" | "TD" | "TDI")
    )
}

impl Ppc64Frontend {
    /// The frontend for `model`: instructions of later ISA levels raise
    /// SIGILL.
    pub fn new(model: &'static cpu::CpuModel) -> Self {
        Ppc64Frontend { model }
    }

    /// The CPU model.
    pub fn model(&self) -> &'static cpu::CpuModel {
        self.model
    }

    /// Translates the block at `pc`, reading code through `code`.
    ///
    /// A PC of `trap + 2` is how a conditional trap that fired continues
    /// (see [`translate::fixed::TRAP_PC_OFFSET`]): it becomes a `Trap`
    /// exception at the trap instruction. Any other misaligned PC raises
    /// `PcAlignment` (Power branches cannot produce one).
    pub fn translate_block(
        &self,
        pc: u64,
        code: &dyn CodeSource,
        opts: &TranslateOptions,
    ) -> Block {
        self.translate_block_flags(pc, 0, code, opts)
    }

    /// As [`Ppc64Frontend::translate_block`] for the `tb_flags` of
    /// [`Frontend::tb_flags`] (FPSCR\[RN\] in bits 0..1, exception
    /// tracking in bit 2).
    pub fn translate_block_flags(
        &self,
        pc: u64,
        tb_flags: u64,
        code: &dyn CodeSource,
        opts: &TranslateOptions,
    ) -> Block {
        let mut c = Ctx::new(Builder::new(&LAYOUT, pc), pc);
        c.rn = (tb_flags & 3) as u8;
        c.fp_exc = tb_flags & 4 != 0;
        c.isa = self.model.isa;
        if pc & 3 != 0 {
            let tpc = pc.wrapping_sub(TRAP_PC_OFFSET);
            let mut buf = [0u8; 4];
            let trap = pc & 3 == TRAP_PC_OFFSET
                && code.read_code(tpc, &mut buf).is_ok()
                && is_trap(u32::from_le_bytes(buf));
            c.b.terminate(if trap {
                Terminal::Exception {
                    kind: ExceptionKind::Trap,
                    pc: tpc,
                    info: u32::from_le_bytes(buf) as u64,
                }
            } else {
                Terminal::Exception {
                    kind: ExceptionKind::PcAlignment,
                    pc,
                    info: pc,
                }
            });
            return c.b.finish();
        }
        let max = opts.max_insns.max(1);
        let mut n = 0u32;
        loop {
            let mut buf = [0u8; 4];
            if code.read_code(c.pc, &mut buf).is_err() {
                if n == 0 {
                    c.b.terminate(Terminal::Exception {
                        kind: ExceptionKind::FetchFault,
                        pc: c.pc,
                        info: c.pc,
                    });
                } else {
                    c.b.terminate(Terminal::Jump(c.pc));
                }
                break;
            }
            let word = u32::from_le_bytes(buf);
            let mut len = 4;
            // mffs (po 63, xo 583, RA 0, Rc 0) with tracking off: does it
            // only read the rounding mode? Peek at what follows.
            c.rn_only_read = !c.fp_exc && word & 0xfc1f_07ff == 0xfc00_048e && {
                let mut ws = vec![word];
                let mut a = c.pc.wrapping_add(4);
                while ws.len() < 9 && !a.is_multiple_of(PAGE_SIZE) {
                    let mut b = [0u8; 4];
                    if code.read_code(a, &mut b).is_err() {
                        break;
                    }
                    ws.push(u32::from_le_bytes(b));
                    a = a.wrapping_add(4);
                }
                translate::rn_only_read(&ws)
            };
            if word >> 26 == 1 {
                // A prefix: the suffix is in the same 64-byte block (or
                // the instruction is invalid), so on the same page.
                let mut sb = [0u8; 4];
                let suffix = if c.pc % 64 != 60 && code.read_code(c.pc + 4, &mut sb).is_ok() {
                    u32::from_le_bytes(sb)
                } else {
                    0
                };
                translate_prefixed(&mut c, word, suffix);
                len = 8;
            } else {
                translate_insn(&mut c, word);
            }
            n += 1;
            if c.b.is_terminated() {
                break;
            }
            c.pc = c.pc.wrapping_add(len);
            if n >= max || c.pc.is_multiple_of(PAGE_SIZE) {
                c.b.terminate(Terminal::Jump(c.pc));
                break;
            }
        }
        c.b.finish()
    }
}

impl Frontend for Ppc64Frontend {
    fn name(&self) -> &'static str {
        "ppc64le"
    }

    fn layout(&self) -> &StateLayout {
        &LAYOUT
    }

    /// FPSCR\[RN\] (bits 0..1): arithmetic is translated per rounding
    /// mode; bit 2: FPSCR exception tracking is on. Every instruction that
    /// may change either ends its block with an exit.
    fn tb_flags(&self, env: &[u8]) -> u64 {
        let word = |o: usize| {
            env.get(o..o + 8)
                .map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
        };
        let rn = word(std::mem::offset_of!(Ppc64State, fpscr)) & 3;
        let track = word(std::mem::offset_of!(Ppc64State, fp_track)) != 0;
        rn | (track as u64) << 2
    }

    fn translate(
        &self,
        pc: u64,
        tb_flags: u64,
        code: &dyn CodeSource,
        opts: &TranslateOptions,
    ) -> Block {
        self.translate_block_flags(pc, tb_flags, code, opts)
    }
}
