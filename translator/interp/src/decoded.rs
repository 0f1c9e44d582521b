//! The pre-decoded form of a block that tier 0 executes.
//!
//! [`Decoded::new`] turns a [`Block`] into a flat list of 16-byte [`DOp`]s,
//! once per block: operands become slot indices into the value array
//! (slot 0 is always zero and stands for absent or invalid operands, the
//! block's constants come next, written before its first op runs, then
//! one slot per op), masks are inline,
//! guest-register reads and writes are direct offsets into the CPU state
//! block, and the commonest integer ops of at most 64 bits and the plain
//! loads and stores have their own handler (on a direct memory, loads and
//! stores call the fault-catching [`probe`](crate::probe) routines
//! themselves). Everything else (float, vector, other 128-bit ops, atomics,
//! helpers)
//! keeps an index into a side table of [`Ext`] records and runs through
//! the reference code of this crate ([`eval_int`](xlat_ir::eval::eval_int),
//! [`eval_float`], [`eval_vector`], `mem_op`), so both forms share every
//! definition that is not a one-line integer operation.
//!
//! [`run_decoded`] gives the same results as [`run_block`](crate::run_block)
//! on the block it was made from (tests compare the two on every op).

use crate::{Scratch, env_read, env_write, eval_pure, mask, mem_op};
use xlat_ir::abi::{Fault, FaultKind, GuestMemory, HelperDesc};
use xlat_ir::{
    Block, Cond, CpuHeader, ExceptionKind, ExitCode, MemFlags, Opcode, Ordering, Shape,
    StateLayout, Terminal, Type, Value,
};

/// What a [`DOp`] does. Fields of the op it uses: `a`, `b`, `c` are slot
/// indices, `imm` as noted.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
#[repr(u8)]
enum Code {
    /// `imm` (already masked to the type): the code of the records after
    /// the ops (constants, whose slots are written before the ops run, ext
    /// records and marks).
    Const,
    /// Reads 1, 2, 4, 8 or 16 bytes at state offset `imm`.
    Get1,
    Get2,
    Get4,
    Get8,
    Get16,
    /// Writes the low 1, 2, 4, 8 or 16 bytes of `a` at state offset `imm`.
    Set1,
    Set2,
    Set4,
    Set8,
    Set16,
    /// Writes the low bytes of `a`, `b`, `c` and slot `imm >> 32` at state
    /// offsets `imm as u32` to `+ 3`: four adjacent 1-byte registers set in
    /// a row (AArch64's N, Z, C, V after a flag-setting instruction), one
    /// dispatch instead of four.
    Set1x4,
    /// Writes the low 8 bytes of `a` at state offset `b`, then reads 8
    /// bytes at offset `imm` (an 8-byte set followed by an 8-byte get, the
    /// end of one guest instruction and the start of the next: one
    /// dispatch instead of two; neither can fault, so the instruction
    /// boundary between them needs no op of its own).
    Set8Get8,
    /// `a` (a bitcast, whose operand is already masked).
    Move,
    /// `a & imm` (zero extension, truncation).
    AndImm,
    /// `(a + b) & imm`; the following ops likewise mask with `imm`.
    Add,
    Sub,
    And,
    Or,
    Xor,
    Mul,
    /// `a << (b % sub)`, `sub` the width in bits.
    Shl,
    Lshr,
    Ashr,
    Not,
    Neg,
    /// Sign extension from `sub` bits.
    Sext,
    /// `a & 0xff != 0 ? b : c`.
    Select,
    /// Integer compares (operands of at most 64 bits); signed ones shift
    /// both operands left by `sub` (64 minus the width) first.
    Eq,
    Ne,
    Ult,
    Ule,
    Ugt,
    Uge,
    Slt,
    Sle,
    Sgt,
    Sge,
    /// A load of `sub` (1, 2, 4 or 8) bytes at `a` into an integer of at
    /// most 64 bits: `c` holds [`ALIGNED`] and [`SIGNED`], `imm` the mask.
    Load,
    /// [`Code::Load`] at `a + b` (64-bit): an add whose only use is the
    /// address of the load right after it, one dispatch instead of two.
    LoadAdd,
    /// A zero-extending load of 16 bytes at `a` into a 128-bit value; `c`
    /// holds [`ALIGNED`].
    Load16,
    /// A store of the low `sub` bytes of `b` at `a`; `c` holds [`ALIGNED`].
    Store,
    /// Through `eval_int`, `eval_float` or `eval_vector`: `imm` indexes
    /// the [`Ext`] record.
    Eval,
    /// Any other memory op, through `mem_op`: `imm` indexes the [`Ext`]
    /// record.
    Mem,
    /// A fence, `imm` the [`Ordering`].
    Fence,
    /// A helper call: `imm` indexes the [`Ext`] record, whose `imm` is the
    /// helper index.
    Call,
}

/// [`Code::Load`]/[`Code::Store`] flag: the access must be aligned.
const ALIGNED: u16 = 1;
/// [`Code::Load`] flag: sign-extend.
const SIGNED: u16 = 2;
/// [`Code::Load`]/[`Code::LoadAdd`] flag: also write the value to the
/// 8-byte register at state offset `c >> SET8_SHIFT` (a load whose value
/// an 8-byte set right after it writes: one dispatch instead of two).
const SET8: u16 = 4;
/// Where [`SET8`]'s state offset starts in `c`.
const SET8_SHIFT: u16 = 3;

/// One pre-decoded op (16 bytes). The same array also holds the [`Ext`]
/// and [`Mark`] records and the constants (`imm`), encoded as `DOp`s,
/// after the ops.
#[derive(Copy, Clone, Debug)]
struct DOp {
    imm: u64,
    a: u16,
    b: u16,
    c: u16,
    code: Code,
    sub: u8,
}

/// What the ops without an inline handler need of the original
/// instruction (stored as a [`DOp`]: `a` = opcode, `b` = result type, `c` =
/// first operand's type, `imm`).
#[derive(Copy, Clone, Debug)]
struct Ext {
    op: Opcode,
    ty: Type,
    aty: Type,
    imm: u64,
}

impl Ext {
    fn encode(self) -> DOp {
        DOp {
            imm: self.imm,
            a: self.op as u16,
            b: self.ty as u16,
            c: self.aty as u16,
            code: Code::Const,
            sub: 0,
        }
    }

    fn decode(d: &DOp) -> Ext {
        let ty = |x: u16| Type::ALL.get(x as usize).copied().unwrap_or(Type::Void);
        Ext {
            op: Opcode::ALL
                .get(d.a as usize)
                .copied()
                .unwrap_or(Opcode::Const),
            ty: ty(d.b),
            aty: ty(d.c),
            imm: d.imm,
        }
    }
}

// A guest instruction start (`insn_start`) is not an op: it is a mark
// record (stored as a `DOp`: `a` = index of the first op after it, `imm` =
// guest PC), looked up only when an op faults or calls a helper.

/// The block terminal with operands as slot indices.
#[derive(Copy, Clone, Debug)]
enum DTerm {
    /// Continue at a constant PC.
    Goto(u64),
    /// Slot `cond`'s low byte selects `taken`, else `not_taken`.
    Branch {
        cond: u16,
        taken: u64,
        not_taken: u64,
    },
    /// Continue at the PC in a slot.
    Indirect(u16),
    /// Raise an exception.
    Exception {
        kind: ExceptionKind,
        pc: u64,
        info: u64,
    },
}

/// A block in the form [`run_decoded`] executes; made once per block.
///
/// One allocation holds all of it, in this order: the header ([`HDR`]
/// records: PC, terminal, where the parts below start), the constants (of
/// slots 1, 2, ...), the ops (op `k` writes slot `nconst + 1 + k`), the
/// [`Ext`] records, the marks and the helpers. Tier 0 reads the header and
/// the constants of every block it runs first: in one allocation they
/// are one dependent cache miss after the `Tb`'s, not two (a header
/// apart, pointing to the ops, was the first miss and the constants at
/// the ops' far end the second in python3's start-up).
#[derive(Debug)]
pub struct Decoded {
    recs: Box<[DOp]>,
}

/// Header records of a [`Decoded`] (all encoded as [`DOp`]s):
/// - 0: `imm` the guest PC, `a` the terminal's kind (`TERM_*`), `b` its
///   slot (branch condition, computed target), `c` the PC register's
///   size in bytes (0: the layout has none in the state block);
/// - 1: `imm` the terminal's first PC (jump target, taken side, the
///   exception's PC);
/// - 2: `imm` its second (not-taken side, the exception's info);
/// - 3: `imm` the ops' start and end (low and high 32 bits);
/// - 4: `imm` the ends of the ext records and of the marks;
/// - 5: `imm` the PC register's state offset and the exception's kind.
const HDR: usize = 6;

/// Terminal kinds (header record 0's `a`).
const TERM_GOTO: u16 = 0;
const TERM_BRANCH: u16 = 1;
const TERM_INDIRECT: u16 = 2;
const TERM_EXCEPTION: u16 = 3;

/// A header record with `imm` and `a`, `b`, `c`.
fn rec(imm: u64, a: u16, b: u16, c: u16) -> DOp {
    DOp {
        imm,
        a,
        b,
        c,
        code: Code::Const,
        sub: 0,
    }
}

/// Two 32-bit values in one `imm`.
fn pair(lo: usize, hi: usize) -> u64 {
    lo as u64 | (hi as u64) << 32
}

/// What [`Decoded::build`] returns besides the records.
struct Built {
    term: DTerm,
    pc_off: u32,
    pc_bytes: u32,
}

/// Most instructions a block may have for [`Decoded::new`] (slot indices
/// are 16 bits, slot 0 is the zero slot).
pub const MAX_DECODED_INSTS: usize = u16::MAX as usize - 1;

/// Reused buffers of [`Decoded::new`]: ops, ext records, marks,
/// constants, and the slot of every instruction.
type DecodeBufs = (Vec<DOp>, Vec<DOp>, Vec<DOp>, Vec<DOp>, Vec<u16>);

thread_local! {
    static BUFS: std::cell::RefCell<DecodeBufs> = const {
        std::cell::RefCell::new((Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new()))
    };
}

impl Decoded {
    /// Pre-decodes `block` for the state layout `layout`; `None` if the
    /// block has more than [`MAX_DECODED_INSTS`] instructions (run it with
    /// [`run_block`](crate::run_block)). Operands that do not name an
    /// earlier instruction read as 0 and registers outside the layout or
    /// the state block are not accessed, so any block is safe to run.
    pub fn new(block: &Block, layout: &StateLayout) -> Option<Decoded> {
        if block.insts.len() > MAX_DECODED_INSTS {
            return None;
        }
        BUFS.with_borrow_mut(|(ops, ext, marks, consts, slots)| {
            ops.clear();
            ext.clear();
            marks.clear();
            consts.clear();
            slots.clear();
            let b = Self::build(block, layout, ops, ext, marks, consts, slots);
            let helpers = &block.helpers;
            let ops_start = HDR + consts.len();
            let ops_end = ops_start + ops.len();
            let ext_end = ops_end + ext.len();
            let marks_end = ext_end + marks.len();
            // Every index into the records must fit the header's 32 bits
            // (at most `MAX_DECODED_INSTS` instructions and as many
            // helpers: far below).
            if u32::try_from(marks_end + helpers.len()).is_err() {
                return None;
            }
            let (kind, slot, t0, t1, exc) = match b.term {
                DTerm::Goto(t) => (TERM_GOTO, 0, t, 0, 0),
                DTerm::Branch {
                    cond,
                    taken,
                    not_taken,
                } => (TERM_BRANCH, cond, taken, not_taken, 0),
                DTerm::Indirect(v) => (TERM_INDIRECT, v, 0, 0, 0),
                DTerm::Exception { kind, pc, info } => (TERM_EXCEPTION, 0, pc, info, kind as u32),
            };
            let mut all = Vec::with_capacity(marks_end + helpers.len());
            all.extend([
                rec(block.pc, kind, slot, b.pc_bytes as u16),
                rec(t0, 0, 0, 0),
                rec(t1, 0, 0, 0),
                rec(pair(ops_start, ops_end), 0, 0, 0),
                rec(pair(ext_end, marks_end), 0, 0, 0),
                rec(pair(b.pc_off as usize, exc as usize), 0, 0, 0),
            ]);
            all.extend_from_slice(consts);
            all.extend_from_slice(ops);
            all.extend_from_slice(ext);
            all.extend_from_slice(marks);
            // A helper is a `&'static`: its address, recovered by
            // `Decoded::helper`.
            all.extend(
                helpers
                    .iter()
                    .map(|&h| rec(std::ptr::from_ref(h).expose_provenance() as u64, 0, 0, 0)),
            );
            Some(Decoded {
                recs: all.into_boxed_slice(),
            })
        })
    }

    /// Fills `ops`, `ext`, `marks` and `consts` for `block`; returns the
    /// terminal and where the PC register lies.
    fn build(
        block: &Block,
        layout: &StateLayout,
        ops: &mut Vec<DOp>,
        ext: &mut Vec<DOp>,
        marks: &mut Vec<DOp>,
        consts: &mut Vec<DOp>,
        slots: &mut Vec<u16>,
    ) -> Built {
        ops.reserve(block.insts.len());
        slots.reserve(block.insts.len());
        // Constants take slots 1..=nconst, written before the first op
        // (a store each instead of a dispatched op: a fifth of the ops
        // tier 0 ran in python3), ops the slots after them.
        let nconst = block
            .insts
            .iter()
            .filter(|i| i.op.shape() == Shape::Const)
            .count();
        // A register's state offset and size, if it lies in the block
        // after the header.
        let reg = |imm: u64| -> Option<(u64, u32)> {
            let ri = layout.regs.get(usize::try_from(imm).ok()?)?;
            let bytes = ri.ty.bytes();
            let end = ri.offset as usize + bytes as usize;
            (matches!(bytes, 1 | 2 | 4 | 8 | 16)
                && ri.offset as usize >= size_of::<CpuHeader>()
                && end <= layout.size)
                .then_some((ri.offset as u64, bytes))
        };
        // Uses of every instruction's value (an add used only as the
        // address of the next load is fused into it).
        let mut uses = vec![0u32; block.insts.len()];
        for (i, inst) in block.insts.iter().enumerate() {
            for v in inst.args {
                if (v.0 as usize) < i {
                    uses[v.index()] += 1;
                }
            }
        }
        if let Some(u) = block
            .term
            .and_then(|t| t.operand())
            .and_then(|v| uses.get_mut(v.index()))
        {
            *u += 1;
        }
        // Integer types the inline handlers cover.
        let small = |t: Type| t.is_int() && t.bits() > 0 && t.bits() <= 64;
        for (i, inst) in block.insts.iter().enumerate() {
            // Slot of an operand: only earlier values (`NONE` is above
            // every index); dropped ones are the zero slot.
            let slot = |v: Value| -> u16 {
                if (v.0 as usize) < i {
                    slots[v.index()]
                } else {
                    0
                }
            };
            let aty = || {
                let v = inst.args[0];
                if (v.0 as usize) < i {
                    block.insts[v.index()].ty
                } else {
                    Type::Void
                }
            };
            let ty = inst.ty;
            let mut d = DOp {
                imm: mask(ty, u128::MAX) as u64,
                a: slot(inst.args[0]),
                b: slot(inst.args[1]),
                c: slot(inst.args[2]),
                code: Code::Const,
                sub: ty.bits() as u8,
            };
            let mut to_ext = |code: Code, d: &mut DOp| {
                d.code = code;
                d.imm = ext.len() as u64;
                ext.push(
                    Ext {
                        op: inst.op,
                        ty,
                        aty: aty(),
                        imm: inst.imm,
                    }
                    .encode(),
                );
            };
            let keep = match inst.op.shape() {
                Shape::Const => {
                    d.imm = mask(ty, inst.imm as u128) as u64;
                    consts.push(d);
                    slots.push(consts.len() as u16);
                    continue;
                }
                Shape::Get => {
                    match reg(inst.imm) {
                        Some((off, bytes)) => {
                            d.imm = off;
                            d.code = match bytes {
                                1 => Code::Get1,
                                2 => Code::Get2,
                                4 => Code::Get4,
                                8 => Code::Get8,
                                _ => Code::Get16,
                            };
                        }
                        None => d.imm = 0,
                    }
                    true
                }
                Shape::Set => match reg(inst.imm) {
                    Some((off, bytes)) => {
                        d.imm = off;
                        d.code = match bytes {
                            1 => Code::Set1,
                            2 => Code::Set2,
                            4 => Code::Set4,
                            8 => Code::Set8,
                            _ => Code::Set16,
                        };
                        true
                    }
                    None => false,
                },
                Shape::Marker => {
                    marks.push(DOp {
                        imm: inst.imm,
                        a: ops.len() as u16,
                        b: 0,
                        c: 0,
                        code: Code::Const,
                        sub: 0,
                    });
                    false
                }
                // Operands are masked to their (same-width) type already.
                Shape::Bitcast => {
                    d.code = Code::Move;
                    true
                }
                Shape::Select => {
                    d.code = Code::Select;
                    true
                }
                Shape::Extend if inst.op == Opcode::Zext && small(ty) => {
                    d.code = Code::AndImm;
                    d.imm = mask(aty(), u128::MAX) as u64;
                    true
                }
                Shape::Extend if inst.op == Opcode::Sext && small(ty) && small(aty()) => {
                    d.code = Code::Sext;
                    d.sub = aty().bits() as u8;
                    true
                }
                Shape::Narrow if inst.op == Opcode::Trunc && small(ty) => {
                    d.code = Code::AndImm;
                    true
                }
                Shape::Bin | Shape::Un if small(ty) => {
                    match inst.op {
                        Opcode::Add => d.code = Code::Add,
                        Opcode::Sub => d.code = Code::Sub,
                        Opcode::And => d.code = Code::And,
                        Opcode::Or => d.code = Code::Or,
                        Opcode::Xor => d.code = Code::Xor,
                        Opcode::Mul => d.code = Code::Mul,
                        Opcode::Shl => d.code = Code::Shl,
                        Opcode::Lshr => d.code = Code::Lshr,
                        Opcode::Ashr => d.code = Code::Ashr,
                        Opcode::Not => d.code = Code::Not,
                        Opcode::Neg => d.code = Code::Neg,
                        _ => to_ext(Code::Eval, &mut d),
                    }
                    true
                }
                Shape::Cmp if inst.op == Opcode::Icmp && small(aty()) => {
                    match Cond::from_imm(inst.imm) {
                        Some(cond) => {
                            d.sub = 64 - aty().bits() as u8;
                            d.code = match cond {
                                Cond::Eq => Code::Eq,
                                Cond::Ne => Code::Ne,
                                Cond::Ult => Code::Ult,
                                Cond::Ule => Code::Ule,
                                Cond::Ugt => Code::Ugt,
                                Cond::Uge => Code::Uge,
                                Cond::Slt => Code::Slt,
                                Cond::Sle => Code::Sle,
                                Cond::Sgt => Code::Sgt,
                                Cond::Sge => Code::Sge,
                            };
                        }
                        None => to_ext(Code::Eval, &mut d),
                    }
                    true
                }
                Shape::Load | Shape::Store => {
                    let f = MemFlags::from_imm(inst.imm);
                    let flags =
                        if f.aligned { ALIGNED } else { 0 } | if f.signed { SIGNED } else { 0 };
                    if inst.op == Opcode::Load && matches!(f.size, 1 | 2 | 4 | 8) && small(ty) {
                        d.code = Code::Load;
                        d.sub = f.size;
                        d.c = flags;
                    } else if inst.op == Opcode::Load
                        && f.size == 16
                        && !f.signed
                        && ty.bits() == 128
                    {
                        d.code = Code::Load16;
                        d.c = flags;
                    } else if inst.op == Opcode::Store && matches!(f.size, 1 | 2 | 4 | 8 | 16) {
                        d.code = Code::Store;
                        d.sub = f.size;
                        d.c = flags;
                    } else {
                        to_ext(Code::Mem, &mut d);
                    }
                    true
                }
                Shape::Rmw | Shape::Cas => {
                    to_ext(Code::Mem, &mut d);
                    true
                }
                Shape::Fence => {
                    d.code = Code::Fence;
                    d.imm = inst.imm;
                    true
                }
                Shape::Call => {
                    if (inst.imm as usize) < block.helpers.len() {
                        to_ext(Code::Call, &mut d);
                    } else {
                        d.imm = 0;
                    }
                    true
                }
                _ => {
                    to_ext(Code::Eval, &mut d);
                    true
                }
            };
            // The address of a load, if the last op computed it for this
            // load alone.
            let sole = inst.args[0].index();
            let sole_use = (inst.args[0].0 as usize) < i
                && uses[sole] == 1
                && slots[sole] as usize == nconst + ops.len();
            if keep && d.code == Code::Load && fuse_add_load(ops, marks, &mut d, sole_use) {
                // The add's value is no more (nothing else reads it).
                slots[sole] = 0;
                ops.push(d);
                slots.push((nconst + ops.len()) as u16);
            } else if keep && d.code == Code::Set8 && fuse_load_set8(ops, marks, &d, nconst) {
                // A set has no value (invalid IR naming one reads 0).
                slots.push(0);
            } else if keep && d.code == Code::Get8 && fuse_set8_get8(ops, &d) {
                slots.push((nconst + ops.len()) as u16);
            } else if keep && d.code == Code::Set1 {
                fuse_set1(ops, marks, d);
                // A set has no value (invalid IR naming one reads 0).
                slots.push(0);
            } else if keep {
                ops.push(d);
                // A set has no value (invalid IR naming one reads 0; the
                // op's slot may carry a fused get's value).
                let set = inst.op.shape() == Shape::Set;
                slots.push(if set { 0 } else { (nconst + ops.len()) as u16 });
            } else {
                slots.push(0);
            }
        }
        let n = block.insts.len();
        let slot = |v: Value| -> u16 {
            if (v.0 as usize) < n {
                slots[v.index()]
            } else {
                0
            }
        };
        let term = match block.term.unwrap_or(Terminal::Exception {
            kind: ExceptionKind::Undefined,
            pc: block.pc,
            info: 0,
        }) {
            Terminal::Jump(t) | Terminal::Exit(t) | Terminal::Call { target: t, .. } => {
                DTerm::Goto(t)
            }
            Terminal::Branch {
                cond,
                taken,
                not_taken,
            } => DTerm::Branch {
                cond: slot(cond),
                taken,
                not_taken,
            },
            Terminal::JumpIndirect(v) | Terminal::Return(v) => DTerm::Indirect(slot(v)),
            Terminal::Exception { kind, pc, info } => DTerm::Exception { kind, pc, info },
        };
        let (pc_off, pc_bytes) = reg(layout.pc.0 as u64).map_or((0, 0), |(o, b)| (o as u32, b));
        Built {
            term,
            pc_off,
            pc_bytes,
        }
    }

    /// Header record `i`.
    #[inline]
    fn hdr(&self, i: usize) -> DOp {
        self.recs[i]
    }

    /// Header record `i`'s two 32-bit halves.
    #[inline]
    fn halves(&self, i: usize) -> (usize, usize) {
        let x = self.hdr(i).imm;
        (x as u32 as usize, (x >> 32) as usize)
    }

    /// The terminal.
    #[inline]
    fn term(&self) -> DTerm {
        let h = self.hdr(0);
        let (t0, t1) = (self.hdr(1).imm, self.hdr(2).imm);
        match h.a {
            TERM_GOTO => DTerm::Goto(t0),
            TERM_BRANCH => DTerm::Branch {
                cond: h.b,
                taken: t0,
                not_taken: t1,
            },
            TERM_INDIRECT => DTerm::Indirect(h.b),
            _ => DTerm::Exception {
                kind: ExceptionKind::from_u32(self.halves(5).1 as u32)
                    .unwrap_or(ExceptionKind::Undefined),
                pc: t0,
                info: t1,
            },
        }
    }

    /// The PC register's state offset and size (0: none).
    #[inline]
    fn pc_reg(&self) -> (u32, u32) {
        (self.halves(5).0 as u32, self.hdr(0).c as u32)
    }

    /// The constants and the ops.
    #[inline]
    fn consts_and_ops(&self) -> (&[DOp], &[DOp]) {
        let (start, end) = self.halves(3);
        (&self.recs[HDR..start], &self.recs[start..end])
    }

    /// Ext record `i`.
    fn ext(&self, i: usize) -> Ext {
        let start = self.halves(3).1;
        Ext::decode(&self.recs[start + i])
    }

    /// Helper `i` of the block, if it has one.
    fn helper(&self, i: usize) -> Option<&'static HelperDesc> {
        let start = self.halves(4).1;
        let r = self.recs.get(start + i)?;
        // SAFETY: the records after the marks are the addresses of the
        // block's helpers (`Decoded::new`), each a `&'static HelperDesc`
        // whose provenance was exposed there.
        Some(unsafe { &*std::ptr::with_exposed_provenance::<HelperDesc>(r.imm as usize) })
    }

    /// Ops dispatched per run (constants and fused sets not counted apart).
    #[cfg(test)]
    pub(crate) fn dispatched(&self) -> usize {
        self.consts_and_ops().1.len()
    }

    /// The constant successors of the block, in the order (taken, not
    /// taken); `None` entries for a computed jump or an exception.
    pub fn successors(&self) -> [Option<u64>; 2] {
        match self.term() {
            DTerm::Goto(t) => [Some(t), None],
            DTerm::Branch {
                taken, not_taken, ..
            } => [Some(taken), Some(not_taken)],
            _ => [None, None],
        }
    }

    /// The guest PC of the instruction that op `i` belongs to.
    #[cold]
    fn pc_of(&self, i: usize) -> u64 {
        let (ext_end, marks_end) = self.halves(4);
        self.recs[ext_end..marks_end]
            .iter()
            .take_while(|m| m.a as usize <= i)
            .last()
            .map_or(self.hdr(0).imm, |m| m.imm)
    }
}

/// Appends the [`Code::Set1`] op `d` to `ops`, fused with the three ops
/// before it into one [`Code::Set1x4`] when they set the three bytes just
/// below it and no instruction starts between them (no mark points into
/// them: sets neither fault nor call, so only the ops after them are ever
/// looked up, and those keep their marks).
fn fuse_set1(ops: &mut Vec<DOp>, marks: &[DOp], d: DOp) {
    let n = ops.len();
    let fusable = n >= 3
        && marks.last().is_none_or(|m| (m.a as usize) <= n - 3)
        && ops[n - 3..]
            .iter()
            .zip(1u64..)
            .all(|(o, i)| o.code == Code::Set1 && o.imm + (4 - i) == d.imm);
    if !fusable {
        ops.push(d);
        return;
    }
    let (a, b, c) = (ops[n - 3].a, ops[n - 2].a, ops[n - 1].a);
    let off = ops[n - 3].imm;
    ops.truncate(n - 3);
    ops.push(DOp {
        imm: off | (d.a as u64) << 32,
        a,
        b,
        c,
        code: Code::Set1x4,
        sub: 0,
    });
}

/// Makes the [`Code::Load`] `d` a [`Code::LoadAdd`] of the 64-bit add
/// that is the last op, removing that op, when `sole_use` (the add's value
/// is the load's address and used nowhere else) and no instruction starts
/// between the two (the load's fault names the add's instruction, which is
/// its own). Returns whether it did.
fn fuse_add_load(ops: &mut Vec<DOp>, marks: &[DOp], d: &mut DOp, sole_use: bool) -> bool {
    let n = ops.len();
    let Some(last) = ops.last().copied() else {
        return false;
    };
    if !(sole_use
        && last.code == Code::Add
        && last.imm == u64::MAX
        && marks.last().is_none_or(|m| (m.a as usize) < n))
    {
        return false;
    }
    ops.pop();
    d.code = Code::LoadAdd;
    d.a = last.a;
    d.b = last.b;
    true
}

/// Folds the [`Code::Set8`] op `d` into the load that is the last op when
/// it writes that load's value, no instruction starts between them and
/// its state offset fits in the load's `c` (see [`SET8`]). Returns
/// whether it did.
fn fuse_load_set8(ops: &mut [DOp], marks: &[DOp], d: &DOp, nconst: usize) -> bool {
    let n = ops.len();
    let Some(last) = ops.last_mut() else {
        return false;
    };
    let fusable = matches!(last.code, Code::Load | Code::LoadAdd)
        && last.c & SET8 == 0
        && d.a as usize == nconst + n
        && d.imm < 1 << (16 - SET8_SHIFT)
        && marks.last().is_none_or(|m| (m.a as usize) < n);
    if fusable {
        last.c |= SET8 | (d.imm as u16) << SET8_SHIFT;
    }
    fusable
}

/// Folds the [`Code::Get8`] op `d` into the [`Code::Set8`] that is the
/// last op, when there is one whose offset fits in `b` (the fused op
/// takes the get's slot). Returns whether it did.
fn fuse_set8_get8(ops: &mut [DOp], d: &DOp) -> bool {
    let Some(last) = ops.last_mut() else {
        return false;
    };
    let fusable = last.code == Code::Set8 && last.imm <= u16::MAX as u64;
    if fusable {
        *last = DOp {
            imm: d.imm,
            a: last.a,
            b: last.imm as u16,
            c: 0,
            code: Code::Set8Get8,
            sub: 0,
        };
    }
    fusable
}

/// Writes `pc` into the PC register (if the layout has a valid one).
///
/// # Safety
/// `env` must be the live state block `d` was decoded for.
#[inline]
unsafe fn set_pc(d: &Decoded, env: *mut u8, pc: u64, bytes: u32) {
    let (pc_off, pc_bytes) = d.pc_reg();
    if pc_bytes != 0 {
        // SAFETY: `Decoded::new` checked that the PC register lies inside
        // the state block; `bytes` is at most its size.
        unsafe { env_write(env, pc_off, bytes.min(pc_bytes), pc as u128) };
    }
}

/// Ends the block with a fault: the PC is the current instruction's and
/// the header holds the fault (set by the helper when `f` is `None`).
///
/// # Safety
/// As for [`set_pc`].
#[cold]
unsafe fn fault_exit(d: &Decoded, env: *mut u8, pc: u64, f: Option<Fault>) -> ExitCode {
    let hdr = env as *mut CpuHeader;
    // SAFETY: header and PC register lie in the state block.
    unsafe {
        if let Some(f) = f {
            set_pc(d, env, pc, 8);
            (*hdr).fault_kind = f.kind as u32 | if f.write { crate::FAULT_WRITE } else { 0 };
            (*hdr).exc_info = f.addr;
        } else {
            (*hdr).helper_fault = 0;
        }
        (*hdr).exit = ExitCode::Fault as u32;
    }
    ExitCode::Fault
}

/// The alignment fault of a [`Code::Load`]/[`Code::Store`] with `flags`
/// at `addr`, if the op requires alignment and `addr` is not aligned.
#[inline]
fn aligned(flags: u16, addr: u64, size: u8, write: bool) -> Result<(), Fault> {
    if flags & ALIGNED != 0 && !addr.is_multiple_of(size as u64) {
        return Err(Fault {
            addr,
            kind: FaultKind::Alignment,
            write,
        });
    }
    Ok(())
}

/// A direct guest memory as the header describes it (read once per
/// block): guest address `a < limit` is host address `base + a`; `limit`
/// is 0 when the memory is not direct, which sends every access to the
/// [`GuestMemory`] methods.
#[derive(Copy, Clone)]
struct Direct {
    base: u64,
    limit: u64,
}

impl Direct {
    /// Reads the header of `env`.
    ///
    /// # Safety
    /// `env` is the live state block.
    #[inline]
    unsafe fn of(env: *mut u8) -> Direct {
        let hdr = env as *const CpuHeader;
        // SAFETY: the header lies at the start of the state block.
        let (base, limit) = unsafe { ((*hdr).mem_base, (*hdr).mem_limit) };
        Direct {
            base,
            limit: if base == 0 || !cfg!(target_arch = "x86_64") {
                0
            } else {
                limit
            },
        }
    }

    /// Loads `size` (1, 2, 4, 8 or 16) bytes at `addr` without the
    /// [`GuestMemory`] call; `None` when `addr` lies outside the direct
    /// range or the access faults (the caller then asks the memory, which
    /// reports the fault as the guest must see it).
    #[inline]
    fn load(self, addr: u64, size: u8) -> Option<u128> {
        #[cfg(target_arch = "x86_64")]
        if addr < self.limit {
            let p = self.base.wrapping_add(addr) as *const u8;
            // SAFETY: `base + addr` lies in the direct mapping or in the
            // guard area after it (accesses are at most 16 bytes), whose
            // faults the world's handler catches (`run_decoded` contract).
            return unsafe { crate::probe::load(p, size) }.ok();
        }
        let _ = (addr, size);
        None
    }

    /// Stores the low `size` (1, 2, 4, 8 or 16) bytes of `v` at `addr`;
    /// `false` as [`Direct::load`] gives `None`.
    #[inline]
    fn store(self, addr: u64, size: u8, v: u128) -> bool {
        #[cfg(target_arch = "x86_64")]
        if addr < self.limit {
            let p = self.base.wrapping_add(addr) as *mut u8;
            // SAFETY: as in `load`.
            return unsafe { crate::probe::store(p, size, v) }.is_ok();
        }
        let _ = (addr, size, v);
        false
    }
}

/// An op of [`Code::Eval`] (not inlined: the rare ops).
#[inline(never)]
fn eval_ext(e: &Ext, a: u128, b: u128, c: u128) -> u128 {
    mask(e.ty, eval_pure(e.op, e.ty, e.aty, e.imm, a, b, c))
}

/// Executes a pre-decoded block: the same contract and results as
/// [`run_block`](crate::run_block) on the block `d` was made from.
///
/// # Safety
/// `env` must point to a live, 16-byte aligned CPU state block laid out
/// per the layout `d` was decoded for, starting with a [`CpuHeader`], not
/// accessed concurrently except through the header's atomic stop word.
/// When the header's `mem_base` is not 0, `mem_base` and `mem_limit` must
/// be `mem`'s [`direct`](GuestMemory::direct) mapping, and faults on it
/// and its guard area must be caught for the routines of
/// [`probe`](crate::probe) (the world's host fault handler).
pub unsafe fn run_decoded(
    d: &Decoded,
    env: *mut u8,
    mem: &dyn GuestMemory,
    scratch: &mut Scratch,
) -> ExitCode {
    let hdr = env as *mut CpuHeader;
    // SAFETY: `env` is the live state block (caller contract).
    let direct = unsafe { Direct::of(env) };
    let (consts, ops) = d.consts_and_ops();
    let n = consts.len() + ops.len() + 1;
    if scratch.vals.len() < n {
        scratch.vals.resize(n, 0);
    }
    // Slot 0 is the zero slot: nothing writes it.
    scratch.vals[0] = 0;
    let vals = scratch.vals.as_mut_ptr();
    // SAFETY: every slot index in `d` is below `n <= scratch.vals.len()`
    // (`Decoded::new`).
    let get = |s: u16| -> u128 { unsafe { *vals.add(s as usize) } };
    for (i, c) in consts.iter().enumerate() {
        // SAFETY: constant `i` has slot `i + 1 < n`.
        unsafe { *vals.add(i + 1) = c.imm as u128 };
    }
    // SAFETY: op `k` writes slot `consts.len() + 1 + k < n`.
    let out = unsafe { vals.add(consts.len() + 1) };
    // SAFETY: `hdr` points to the live header (caller contract).
    unsafe { (*hdr).blocks_executed = (*hdr).blocks_executed.wrapping_add(1) };
    // One induction variable: op `k` writes `out[k]`.
    for k in 0..ops.len() {
        // SAFETY: `k < ops.len()`.
        let op = unsafe { ops.get_unchecked(k) };
        // The ext record of `Eval`, `Mem` and `Call` ops.
        let ext = || d.ext(op.imm as usize);
        let m = op.imm;
        let a64 = || get(op.a) as u64;
        let b64 = || get(op.b) as u64;
        // The `Get*`/`Set*` arms: `Decoded::new` checked that the register
        // lies in the state block; the access is exactly its width.
        let r: u128 = match op.code {
            Code::Const => m as u128,
            // SAFETY: see above.
            Code::Get1 => unsafe { env_read(env, m as u32, 1) },
            // SAFETY: see above.
            Code::Get2 => unsafe { env_read(env, m as u32, 2) },
            // SAFETY: see above.
            Code::Get4 => unsafe { env_read(env, m as u32, 4) },
            // SAFETY: see above.
            Code::Get8 => unsafe { env_read(env, m as u32, 8) },
            // SAFETY: see above.
            Code::Get16 => unsafe { env_read(env, m as u32, 16) },
            // The `Set*` and `Store` arms write 0 to their (unused) slot,
            // which is cheaper than leaving the common path.
            Code::Set1 => {
                // SAFETY: as above.
                unsafe { env_write(env, m as u32, 1, get(op.a)) };
                0
            }
            Code::Set2 => {
                // SAFETY: as above.
                unsafe { env_write(env, m as u32, 2, get(op.a)) };
                0
            }
            Code::Set4 => {
                // SAFETY: as above.
                unsafe { env_write(env, m as u32, 4, get(op.a)) };
                0
            }
            Code::Set8 => {
                // SAFETY: as above.
                unsafe { env_write(env, m as u32, 8, get(op.a)) };
                0
            }
            Code::Set16 => {
                // SAFETY: as above.
                unsafe { env_write(env, m as u32, 16, get(op.a)) };
                0
            }
            Code::Set1x4 => {
                let byte = |s: u16| (get(s) as u32) & 0xff;
                let v =
                    byte(op.a) | byte(op.b) << 8 | byte(op.c) << 16 | byte((m >> 32) as u16) << 24;
                // SAFETY: as above (four adjacent 1-byte registers, each
                // checked by `Decoded::new`).
                unsafe { env_write(env, m as u32, 4, v as u128) };
                0
            }
            Code::Set8Get8 => {
                // SAFETY: both offsets were checked by `Decoded::new`; the
                // set goes first (the get may read the same register).
                unsafe {
                    env_write(env, op.b as u32, 8, get(op.a));
                    env_read(env, m as u32, 8)
                }
            }
            Code::Move => get(op.a),
            Code::AndImm => get(op.a) & m as u128,
            Code::Add => (a64().wrapping_add(b64()) & m) as u128,
            Code::Sub => (a64().wrapping_sub(b64()) & m) as u128,
            Code::And => (a64() & b64()) as u128,
            Code::Or => (a64() | b64()) as u128,
            Code::Xor => (a64() ^ b64()) as u128,
            Code::Mul => (a64().wrapping_mul(b64()) & m) as u128,
            Code::Shl => ((a64() << (b64() as u32 & (op.sub as u32 - 1))) & m) as u128,
            Code::Lshr => (a64() >> (b64() as u32 & (op.sub as u32 - 1))) as u128,
            Code::Ashr => {
                let sh = 64 - op.sub as u32;
                let x = ((a64() << sh) as i64) >> sh;
                ((x >> (b64() as u32 & (op.sub as u32 - 1))) as u64 & m) as u128
            }
            Code::Not => (!a64() & m) as u128,
            Code::Neg => (a64().wrapping_neg() & m) as u128,
            Code::Sext => {
                let sh = 64 - op.sub as u32;
                ((((a64() << sh) as i64) >> sh) as u64 & m) as u128
            }
            Code::Select => {
                if get(op.a) & 0xff != 0 {
                    get(op.b)
                } else {
                    get(op.c)
                }
            }
            Code::Eq => (a64() == b64()) as u128,
            Code::Ne => (a64() != b64()) as u128,
            Code::Ult => (a64() < b64()) as u128,
            Code::Ule => (a64() <= b64()) as u128,
            Code::Ugt => (a64() > b64()) as u128,
            Code::Uge => (a64() >= b64()) as u128,
            Code::Slt | Code::Sle | Code::Sgt | Code::Sge => {
                let sh = op.sub as u32;
                let (x, y) = (((a64() << sh) as i64), ((b64() << sh) as i64));
                (match op.code {
                    Code::Slt => x < y,
                    Code::Sle => x <= y,
                    Code::Sgt => x > y,
                    _ => x >= y,
                }) as u128
            }
            Code::Load | Code::LoadAdd => {
                let addr = if op.code == Code::LoadAdd {
                    a64().wrapping_add(b64())
                } else {
                    a64()
                };
                let size = op.sub;
                let v = aligned(op.c, addr, size, false).and_then(|_| {
                    direct
                        .load(addr, size)
                        .map_or_else(|| mem.load(addr, size), Ok)
                });
                match v {
                    Ok(v) => {
                        let mut v = v as u64;
                        if op.c & SIGNED != 0 {
                            let sh = 64 - 8 * size as u32;
                            v = (((v << sh) as i64) >> sh) as u64;
                        }
                        let r = (v & m) as u128;
                        if op.c & SET8 != 0 {
                            // SAFETY: the register's offset was checked
                            // by `Decoded::new` (the set's).
                            unsafe { env_write(env, (op.c >> SET8_SHIFT) as u32, 8, r) };
                        }
                        r
                    }
                    // SAFETY: `env` is the live state block.
                    Err(f) => return unsafe { fault_exit(d, env, d.pc_of(k), Some(f)) },
                }
            }
            Code::Load16 => {
                let addr = a64();
                let v = aligned(op.c, addr, 16, false)
                    .and_then(|_| direct.load(addr, 16).map_or_else(|| mem.load(addr, 16), Ok));
                match v {
                    Ok(v) => v,
                    // SAFETY: `env` is the live state block.
                    Err(f) => return unsafe { fault_exit(d, env, d.pc_of(k), Some(f)) },
                }
            }
            Code::Store => {
                let addr = a64();
                let size = op.sub;
                let v = get(op.b);
                let r = aligned(op.c, addr, size, true).and_then(|_| {
                    if direct.store(addr, size, v) {
                        Ok(())
                    } else {
                        mem.store(addr, size, v)
                    }
                });
                if let Err(f) = r {
                    // SAFETY: `env` is the live state block.
                    return unsafe { fault_exit(d, env, d.pc_of(k), Some(f)) };
                }
                0
            }
            Code::Eval => {
                let e = ext();
                eval_ext(&e, get(op.a), get(op.b), get(op.c))
            }
            Code::Mem => {
                let e = ext();
                match mem_op(mem, e.op, e.ty, e.imm, a64(), get(op.b), get(op.c)) {
                    Ok(v) => mask(e.ty, v),
                    // SAFETY: `env` is the live state block.
                    Err(f) => return unsafe { fault_exit(d, env, d.pc_of(k), Some(f)) },
                }
            }
            Code::Fence => {
                let o = match m {
                    x if x == Ordering::Acquire as u64 => std::sync::atomic::Ordering::Acquire,
                    x if x == Ordering::Release as u64 => std::sync::atomic::Ordering::Release,
                    _ => std::sync::atomic::Ordering::SeqCst,
                };
                std::sync::atomic::fence(o);
                0
            }
            Code::Call => {
                let e = ext();
                let Some(h) = d.helper(e.imm as usize) else {
                    unreachable!("`Decoded::new` checked the helper index")
                };
                let cur_pc = d.pc_of(k);
                // SAFETY: the PC is made exact so a helper that inspects
                // or faults sees the current instruction.
                unsafe {
                    if h.flags.reads_state || h.flags.may_fault {
                        set_pc(d, env, cur_pc, 8);
                    }
                    (*hdr).helper_fault = 0;
                }
                // SAFETY: helpers take the state block and i64 arguments
                // by contract (`HelperFn`).
                let r = unsafe { (h.func)(env, a64(), b64(), get(op.c) as u64) };
                // SAFETY: header access as above.
                if unsafe { (*hdr).helper_fault } != 0 {
                    // SAFETY: as above.
                    return unsafe { fault_exit(d, env, cur_pc, None) };
                }
                mask(e.ty, r as u128)
            }
        };
        // SAFETY: see `out`.
        unsafe { *out.add(k) = r };
    }
    let (next, code) = match d.term() {
        DTerm::Goto(t) => (t, ExitCode::Continue),
        DTerm::Branch {
            cond,
            taken,
            not_taken,
        } => (
            if get(cond) & 0xff != 0 {
                taken
            } else {
                not_taken
            },
            ExitCode::Continue,
        ),
        DTerm::Indirect(v) => (get(v) as u64, ExitCode::Continue),
        DTerm::Exception { kind, pc, info } => {
            // SAFETY: header access as above.
            unsafe {
                (*hdr).exc_kind = kind as u32;
                (*hdr).exc_info = info;
            }
            (pc, ExitCode::Exception)
        }
    };
    // SAFETY: PC register and header lie in the state block.
    unsafe {
        set_pc(d, env, next, 8);
        (*hdr).exit = code as u32;
    }
    code
}
