//! xlat's intermediate representation.
//!
//! A guest basic block becomes a [`Block`]: a straight-line list of [`Inst`]s
//! in SSA form (each instruction defines at most one [`Value`], named by its
//! index) followed by an explicit [`Terminal`]. Guest registers are read and
//! written with `get`/`set`; memory ops carry [`MemFlags`]; long operations
//! call [`HelperDesc`] functions. The op table lives in [`ops`].

pub mod abi;
pub mod builder;
pub mod decode;
pub mod eval;
pub mod frontend;
pub mod hostfp;
pub mod ops;
pub mod passes;
pub mod print;
pub mod types;
pub mod verify;

pub use abi::{CpuHeader, ExitCode, HelperDesc, HelperFlags, HelperFn};
pub use builder::Builder;
pub use frontend::{CodeSource, Frontend, TranslateOptions};
pub use ops::{OpFlags, Opcode, Shape};
pub use types::{
    Cond, FCond, Lanes, MemFlags, NanRule, Ordering, Reg, RegInfo, RegKind, RmwOp, StateLayout,
    Type, Value,
};
pub use verify::{VerifyError, verify};

/// One IR instruction. Fixed size, so a block is one flat allocation and the
/// interpreter walks it without indirection.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Inst {
    /// The operation.
    pub op: Opcode,
    /// Result type (`Void` if none).
    pub ty: Type,
    /// Operands; unused slots hold [`Value::NONE`].
    pub args: [Value; 3],
    /// Immediate payload; its meaning depends on the op's [`Shape`].
    pub imm: u64,
}

impl Inst {
    /// The used operands.
    pub fn operands(&self) -> impl Iterator<Item = Value> + '_ {
        self.args.iter().copied().filter(|v| v.is_some())
    }
}

/// Kind of a guest exception raised by a block terminal.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u32)]
pub enum ExceptionKind {
    /// System call instruction; `pc` is the instruction after it.
    Syscall = 1,
    /// Undefined/unimplemented instruction; `pc` is the instruction.
    Undefined = 2,
    /// Breakpoint instruction (`info` is its immediate); `pc` is the instruction.
    Breakpoint = 3,
    /// Architectural halt/debug trap; `pc` is the instruction.
    Trap = 4,
    /// Bad alignment of the PC or similar; `pc` is the offending address.
    PcAlignment = 5,
    /// Yield/wait hint that the world may use to reschedule; `pc` is next.
    Yield = 6,
    /// The code at `pc` could not be read (`info` is the faulting address).
    FetchFault = 7,
}

impl ExceptionKind {
    /// Decodes a raw kind.
    pub fn from_u32(v: u32) -> Option<ExceptionKind> {
        use ExceptionKind::*;
        [
            Syscall,
            Undefined,
            Breakpoint,
            Trap,
            PcAlignment,
            Yield,
            FetchFault,
        ]
        .into_iter()
        .find(|k| *k as u32 == v)
    }
}

/// How a block ends. Every block has exactly one.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Terminal {
    /// Continue at a constant guest PC.
    Jump(u64),
    /// Continue at a constant guest PC, being a call whose return address is `ret`
    /// (feeds the return stack buffer).
    Call {
        /// Call target.
        target: u64,
        /// Address the callee returns to.
        ret: u64,
    },
    /// `cond != 0` (an i8 value) selects `taken`, otherwise `not_taken`.
    Branch {
        /// The i8 condition.
        cond: Value,
        /// Target if true.
        taken: u64,
        /// Target if false.
        not_taken: u64,
    },
    /// Continue at a computed guest PC (an i64 value).
    JumpIndirect(Value),
    /// Continue at a computed guest PC that is a function return.
    Return(Value),
    /// Raise a guest exception: leave to the world with the PC set to `pc`.
    Exception {
        /// What happened.
        kind: ExceptionKind,
        /// The PC stored in the CPU state.
        pc: u64,
        /// Extra information (e.g. the immediate of BRK).
        info: u64,
    },
    /// Leave to the dispatcher with the PC set to `pc` (after a state change
    /// that affects translation).
    Exit(u64),
}

impl Terminal {
    /// The constant successors of this terminal.
    pub fn successors(&self) -> impl Iterator<Item = u64> {
        let (a, b) = match *self {
            Terminal::Jump(t) => (Some(t), None),
            Terminal::Call { target, .. } => (Some(target), None),
            Terminal::Branch {
                taken, not_taken, ..
            } => (Some(taken), Some(not_taken)),
            _ => (None, None),
        };
        a.into_iter().chain(b)
    }

    /// The value operand, if any.
    pub fn operand(&self) -> Option<Value> {
        match *self {
            Terminal::Branch { cond, .. } => Some(cond),
            Terminal::JumpIndirect(v) | Terminal::Return(v) => Some(v),
            _ => None,
        }
    }

    /// Replaces the value operand.
    pub fn map_operand(&mut self, f: impl Fn(Value) -> Value) {
        match self {
            Terminal::Branch { cond, .. } => *cond = f(*cond),
            Terminal::JumpIndirect(v) | Terminal::Return(v) => *v = f(*v),
            _ => {}
        }
    }
}

/// A translated guest basic block.
#[derive(Clone, Debug)]
pub struct Block {
    /// Guest PC of the first instruction.
    pub pc: u64,
    /// Bytes of guest code covered (from `pc`).
    pub guest_len: u32,
    /// Number of guest instructions.
    pub guest_insns: u32,
    /// The instructions.
    pub insts: Vec<Inst>,
    /// Helpers named by `call_helper` immediates.
    pub helpers: Vec<&'static HelperDesc>,
    /// How the block ends; `None` only while it is being built.
    pub term: Option<Terminal>,
}

impl Block {
    /// Type of a value.
    pub fn ty(&self, v: Value) -> Type {
        self.insts[v.index()].ty
    }

    /// The terminal (the verifier guarantees there is one).
    pub fn terminal(&self) -> Terminal {
        self.term.expect("block without terminal")
    }
}
