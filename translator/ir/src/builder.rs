//! Building blocks. The typed methods (`add`, `load`, `get`, ...) are
//! generated from the op table in [`crate::ops`].

use crate::{Block, HelperDesc, Inst, Opcode, StateLayout, Terminal, Type, Value};

/// Appends instructions to a block under construction.
pub struct Builder<'a> {
    layout: &'a StateLayout,
    block: Block,
}

impl<'a> Builder<'a> {
    /// Starts a block at guest `pc`.
    pub fn new(layout: &'a StateLayout, pc: u64) -> Builder<'a> {
        Builder {
            layout,
            block: Block {
                pc,
                guest_len: 0,
                guest_insns: 0,
                insts: Vec::with_capacity(64),
                helpers: Vec::new(),
                term: None,
            },
        }
    }

    /// The guest register file.
    pub fn layout(&self) -> &'a StateLayout {
        self.layout
    }

    /// Type of a value built so far.
    pub fn ty(&self, v: Value) -> Type {
        self.block.ty(v)
    }

    /// Appends a raw instruction; the typed methods call this.
    pub fn push(&mut self, op: Opcode, ty: Type, args: [Value; 3], imm: u64) -> Value {
        let v = Value(self.block.insts.len() as u32);
        self.block.insts.push(Inst { op, ty, args, imm });
        v
    }

    /// Index of a helper in the block's helper table.
    pub fn intern_helper(&mut self, h: &'static HelperDesc) -> usize {
        if let Some(i) = self.block.helpers.iter().position(|x| std::ptr::eq(*x, h)) {
            return i;
        }
        self.block.helpers.push(h);
        self.block.helpers.len() - 1
    }

    /// A 64-bit constant.
    pub fn i64(&mut self, v: u64) -> Value {
        self.iconst(Type::I64, v)
    }

    /// A 32-bit constant.
    pub fn i32(&mut self, v: u32) -> Value {
        self.iconst(Type::I32, v as u64)
    }

    /// An 8-bit constant.
    pub fn i8(&mut self, v: u8) -> Value {
        self.iconst(Type::I8, v as u64)
    }

    /// Records that one more guest instruction of `len` bytes was translated.
    pub fn count_insn(&mut self, len: u32) {
        self.block.guest_len += len;
        self.block.guest_insns += 1;
    }

    /// Number of instructions so far.
    pub fn len(&self) -> usize {
        self.block.insts.len()
    }

    /// The instructions emitted so far (frontends look back at them, e.g.
    /// to check that nothing rewrote the flags since a comparison).
    pub fn insts(&self) -> &[Inst] {
        &self.block.insts
    }

    /// True if no instruction was emitted yet.
    pub fn is_empty(&self) -> bool {
        self.block.insts.is_empty()
    }

    /// True once a terminal was set.
    pub fn is_terminated(&self) -> bool {
        self.block.term.is_some()
    }

    /// Sets the terminal.
    pub fn terminate(&mut self, t: Terminal) {
        self.block.term = Some(t);
    }

    /// Removes everything emitted at or after instruction index `len` and any
    /// terminal (used to drop a partly translated instruction).
    pub fn truncate(&mut self, len: usize) {
        self.block.insts.truncate(len);
        self.block.term = None;
    }

    /// Finishes the block.
    pub fn finish(self) -> Block {
        self.block
    }
}
