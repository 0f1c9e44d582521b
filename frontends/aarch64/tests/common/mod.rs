//! Test harness: translate guest words, run one block in the interpreter
//! on a Vec-backed guest memory, inspect the state.

#![allow(dead_code)]

use xlat_frontend_aarch64::cpu::CpuModel;
use xlat_frontend_aarch64::{Aarch64Frontend, Aarch64State, LAYOUT};
use xlat_ir::abi::Fault;
use xlat_ir::frontend::CodeSource;
use xlat_ir::{Block, ExitCode, Terminal, TranslateOptions};

/// Guest address of the test code.
pub const CODE: u64 = 0x1000;
/// Guest address of the data area.
pub const DATA: u64 = 0x10000;
/// Size of the data area.
pub const DATA_LEN: usize = 0x1000;

/// Guest memory: one data area at [`DATA`].
pub type Mem = xlat_interp::testutil::VecMem;

/// A fresh, zeroed data area.
pub fn new_mem() -> Mem {
    Mem::new(DATA, DATA_LEN)
}

/// Code at [`CODE`]; reads outside fail.
pub struct Code(pub Vec<u32>);

impl CodeSource for Code {
    fn read_code(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        xlat_interp::testutil::read_word(CODE, &self.0, addr, buf)
    }
}

/// Translates the block at [`CODE`].
pub fn translate(words: &[u32]) -> Block {
    translate_model(xlat_frontend_aarch64::cpu::default_model(), words)
}

/// Translates the block at [`CODE`] for CPU model `model`.
pub fn translate_model(model: &'static CpuModel, words: &[u32]) -> Block {
    let b = Aarch64Frontend::new(model).translate_block(
        CODE,
        &Code(words.to_vec()),
        &TranslateOptions::default(),
    );
    xlat_ir::verify(&b, &LAYOUT)
        .unwrap_or_else(|e| panic!("{e}\n{}", xlat_ir::print::print_block(&b, &LAYOUT)));
    b
}

/// Result of a run.
pub struct Run {
    pub st: Box<Aarch64State>,
    pub exit: ExitCode,
    pub block: Block,
}

fn exec(b: &Block, st: &mut Aarch64State, mem: &Mem) -> ExitCode {
    // SAFETY: `st` is a Aarch64State, the layout the block was translated for.
    unsafe { xlat_interp::testutil::exec_block(b, &LAYOUT, st, mem) }
}

fn copy_state(s: &Aarch64State) -> Box<Aarch64State> {
    let mut n = Box::<Aarch64State>::default();
    n.x = s.x;
    n.sp = s.sp;
    n.pc = s.pc;
    n.nf = s.nf;
    n.zf = s.zf;
    n.cf = s.cf;
    n.vf = s.vf;
    n.fpcr = s.fpcr;
    n.fpsr = s.fpsr;
    n.tpidr_el0 = s.tpidr_el0;
    n.tpidrro_el0 = s.tpidrro_el0;
    n.excl_addr = s.excl_addr;
    n.excl_val = s.excl_val;
    n.excl_size = s.excl_size;
    n.v = s.v;
    n
}

fn same_regs(a: &Aarch64State, b: &Aarch64State) -> bool {
    a.x == b.x
        && a.sp == b.sp
        && a.pc == b.pc
        && (a.nf, a.zf, a.cf, a.vf) == (b.nf, b.zf, b.cf, b.vf)
        && a.v == b.v
        && a.excl_addr == b.excl_addr
        && a.tpidr_el0 == b.tpidr_el0
}

/// Translates `words`, runs the block on a copy of `st` with memory `mem`,
/// once unoptimised and once after `passes::optimize` (on a second copy of
/// the memory), and checks both agree.
pub fn run_mem(words: &[u32], st: &Aarch64State, mem: &Mem) -> Run {
    run_mem_model(xlat_frontend_aarch64::cpu::default_model(), words, st, mem)
}

/// As [`run_mem`], translating for CPU model `model`.
pub fn run_mem_model(model: &'static CpuModel, words: &[u32], st: &Aarch64State, mem: &Mem) -> Run {
    let block = translate_model(model, words);
    // SAFETY: `st` is a state of LAYOUT, which the block was translated for.
    let (st, exit) = unsafe {
        xlat_interp::testutil::run_checked(&block, &LAYOUT, st, mem, copy_state, same_regs)
    };
    Run { st, exit, block }
}

/// As [`run_mem`] with a fresh memory.
pub fn run(words: &[u32], st: &Aarch64State) -> Run {
    run_mem(words, st, &new_mem())
}

/// A state with X registers set from `regs` (index, value).
pub fn state(regs: &[(usize, u64)]) -> Aarch64State {
    let mut s = Aarch64State::default();
    for &(i, v) in regs {
        s.x[i] = v;
    }
    s.sp = DATA + 0x800;
    s.excl_addr = u64::MAX;
    s
}

/// The flags as a 4-bit NZCV value.
pub fn nzcv(s: &Aarch64State) -> u8 {
    (s.nf << 3) | (s.zf << 2) | (s.cf << 1) | s.vf
}

/// The block's terminal.
pub fn term(b: &Block) -> Terminal {
    b.terminal()
}

/// Runs the unoptimised block only (for non-deterministic instructions).
pub fn run_once(words: &[u32], st: &Aarch64State) -> Box<Aarch64State> {
    let block = translate(words);
    let mut s = copy_state(st);
    exec(&block, &mut s, &new_mem());
    s
}
