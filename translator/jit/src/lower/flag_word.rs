//! Constant flag bytes written back as one word.
//!
//! AArch64's N, Z, C and V are four one-byte registers at consecutive
//! offsets, each written back with its own store. Where all four are
//! dirty and constant at a write-back (the edge of a `b.eq` after a
//! compare, or the not-taken edge of `b.ne`: N = 0, Z = 1, C = 1, V = 0,
//! which [`super::branch_flags`] defines as constants; glibc's stack
//! protector check before every return of `strspn`/`strcspn` leaves by
//! such an edge), one 32-bit store writes them: one host instruction
//! instead of four.

use super::{Fx, lazy_flags, trusted};
use cranelift_codegen::ir::{self, InstBuilder, InstructionData, Opcode, types};

impl Fx<'_, '_> {
    /// At a write-back: if the four flags of the layout's group are all
    /// dirty and hold constants, stores them with one 32-bit store and
    /// marks them clean (the write-back then skips them).
    pub(super) fn write_const_flags(&mut self) {
        let Some((group, _)) = lazy_flags::flag_group(self.layout) else {
            return;
        };
        if group.len() != 4
            || group
                .iter()
                .any(|&r| !self.dirty[r] || self.vars[r].is_none())
        {
            return;
        }
        let mut word = 0u32;
        for (k, &r) in group.iter().enumerate() {
            if self.pending[r].is_some() || self.fsrc[r].is_some() {
                return;
            }
            let v = self.b.use_var(self.vars[r].expect("used register"));
            let Some(x) = iconst_of(self.b.func, v) else {
                return;
            };
            word |= u32::from(x as u8) << (8 * k);
        }
        let off = self.layout.regs[group[0]].offset as i32;
        let w = self.b.ins().iconst(types::I32, i64::from(word));
        self.b.ins().store(trusted(), w, self.env, off);
        for r in group {
            self.dirty[r] = false;
        }
    }
}

/// The constant `v` is, if an `iconst` defines it.
fn iconst_of(func: &ir::Function, v: ir::Value) -> Option<i64> {
    let ir::ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
        return None;
    };
    match func.dfg.insts[inst] {
        InstructionData::UnaryImm {
            opcode: Opcode::Iconst,
            imm,
        } => Some(imm.bits()),
        _ => None,
    }
}
