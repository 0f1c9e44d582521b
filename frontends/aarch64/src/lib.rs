//! AArch64 (A64) guest frontend: the CPU state, a declarative decode table,
//! and translate functions grouped by section of the Arm Architecture
//! Reference Manual, each calling only the IR builder.

pub mod asimd;
pub mod bti;
pub mod cpu;
pub mod crypto;
pub mod decode;
pub mod fp;
pub mod helpers;
pub mod pauth;
pub mod state;
pub mod translate;

pub use state::{Aarch64State, LAYOUT};

use decode::Insn;
use translate::Ctx;
use xlat_ir::{
    Block, Builder, CodeSource, ExceptionKind, Frontend, StateLayout, Terminal, TranslateOptions,
};

/// Guest page size: blocks never cross a 4 KiB boundary.
pub const PAGE_SIZE: u64 = 4096;

/// The AArch64 frontend, translating for one CPU model.
#[derive(Copy, Clone, Debug)]
pub struct Aarch64Frontend {
    model: &'static cpu::CpuModel,
}

/// The frontend for the default model, usable as a value where the
/// frontend used to be a unit struct.
#[allow(non_upper_case_globals)]
pub const Aarch64Frontend: Aarch64Frontend = Aarch64Frontend {
    model: &cpu::MODELS[0],
};

impl Default for Aarch64Frontend {
    fn default() -> Self {
        Aarch64Frontend::new(cpu::default_model())
    }
}

/// Outcome of translating one instruction into a context.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum InsnOutcome {
    /// Decoded by the named row and translated.
    Decoded(&'static str),
    /// No row matched, or the row reported an unallocated sub-encoding;
    /// an Undefined exception terminal was emitted.
    Undefined,
}

/// Translates the single instruction `insn` at `c.pc` (with its
/// `insn_start` marker and instruction count).
pub fn translate_insn(c: &mut Ctx<'_>, insn: u32) -> InsnOutcome {
    let mark = c.b.len();
    c.b.insn_start(c.pc);
    if std::mem::take(&mut c.bti_entry)
        && let Some(guarded) = c.bti
    {
        bti::block_entry(c, insn, guarded);
    }
    let i = Insn(insn);
    let out = match decode::decode(i) {
        Some(row) => match (row.func)(c, i) {
            Ok(()) => InsnOutcome::Decoded(row.name),
            Err(translate::Undef) => InsnOutcome::Undefined,
        },
        None => InsnOutcome::Undefined,
    };
    if out == InsnOutcome::Undefined {
        c.b.truncate(mark);
        c.b.insn_start(c.pc);
        c.b.terminate(Terminal::Exception {
            kind: ExceptionKind::Undefined,
            pc: c.pc,
            info: insn as u64,
        });
    }
    c.b.count_insn(4);
    out
}

impl Aarch64Frontend {
    /// A frontend for CPU model `model` (see [`cpu::MODELS`]).
    pub fn new(model: &'static cpu::CpuModel) -> Self {
        Aarch64Frontend { model }
    }

    /// The CPU model.
    pub fn model(&self) -> &'static cpu::CpuModel {
        self.model
    }

    /// Translates the block at `pc`, reading code through `code`, with
    /// exact (helper) scalar FP and FPSR tracked.
    pub fn translate_block(
        &self,
        pc: u64,
        code: &dyn CodeSource,
        opts: &TranslateOptions,
    ) -> Block {
        self.translate_block_flags(pc, fp::TB_FP_TRACK, code, opts)
    }

    /// As [`Aarch64Frontend::translate_block`] for the `tb_flags` of
    /// [`Frontend::tb_flags`].
    pub fn translate_block_flags(
        &self,
        pc: u64,
        tb_flags: u64,
        code: &dyn CodeSource,
        opts: &TranslateOptions,
    ) -> Block {
        let mut c = Ctx::with_model(Builder::new(&LAYOUT, pc), pc, self.model);
        c.set_fp_flags(tb_flags);
        if self.model.has(cpu::Feature::Bti) {
            c.bti = code.code_guarded(pc);
            c.bti_entry = c.bti.is_some();
        }
        if pc & 3 != 0 {
            c.b.terminate(Terminal::Exception {
                kind: ExceptionKind::PcAlignment,
                pc,
                info: pc,
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
            translate_insn(&mut c, u32::from_le_bytes(buf));
            n += 1;
            if c.b.is_terminated() {
                break;
            }
            c.pc = c.pc.wrapping_add(4);
            if n >= max || c.pc.is_multiple_of(PAGE_SIZE) {
                c.b.terminate(Terminal::Jump(c.pc));
                break;
            }
        }
        c.b.finish()
    }
}

impl Frontend for Aarch64Frontend {
    fn name(&self) -> &'static str {
        "aarch64"
    }

    fn layout(&self) -> &StateLayout {
        &LAYOUT
    }

    /// Bits 0..4: floating point ([`fp::tb_flags`]: FPCR.RMode, FZ, DN
    /// and FPSR tracking); every instruction that may change them ends its
    /// block with an exit.
    fn tb_flags(&self, env: &[u8]) -> u64 {
        fp::tb_flags(env)
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
