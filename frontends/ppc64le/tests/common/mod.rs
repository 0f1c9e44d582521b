//! Test harness: translate guest words, run one block in the interpreter
//! on a Vec-backed guest memory, inspect the state.

#![allow(dead_code)]

use xlat_frontend_ppc64le::{LAYOUT, Ppc64Frontend, Ppc64State};
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
    translate_flags(words, 0)
}

/// Translates the block at [`CODE`] for `tb_flags` (FPSCR\[RN\]).
pub fn translate_flags(words: &[u32], tb_flags: u64) -> Block {
    let b = Ppc64Frontend::default().translate_block_flags(
        CODE,
        tb_flags,
        &Code(words.to_vec()),
        &TranslateOptions::default(),
    );
    xlat_ir::verify(&b, &LAYOUT)
        .unwrap_or_else(|e| panic!("{e}\n{}", xlat_ir::print::print_block(&b, &LAYOUT)));
    b
}

/// Result of a run.
pub struct Run {
    pub st: Box<Ppc64State>,
    pub exit: ExitCode,
    pub block: Block,
}

fn exec(b: &Block, st: &mut Ppc64State, mem: &Mem) -> ExitCode {
    // The first FPSCR access reads the host's sticky FP flags: only this
    // block's arithmetic may have raised them.
    xlat_ir::hostfp::clear_status();
    // SAFETY: `st` is a Ppc64State, the layout the block was translated for.
    unsafe { xlat_interp::testutil::exec_block(b, &LAYOUT, st, mem) }
}

fn copy_state(s: &Ppc64State) -> Box<Ppc64State> {
    let mut n = Box::<Ppc64State>::default();
    n.gpr = s.gpr;
    n.pc = s.pc;
    n.lr = s.lr;
    n.ctr = s.ctr;
    n.cr = s.cr;
    (n.so, n.ov, n.ca, n.ov32, n.ca32) = (s.so, s.ov, s.ca, s.ov32, s.ca32);
    n.xer_bc = s.xer_bc;
    n.fpscr = s.fpscr;
    n.vscr = s.vscr;
    n.vrsave = s.vrsave;
    n.tar = s.tar;
    n.dscr = s.dscr;
    n.resv_addr = s.resv_addr;
    n.resv_val = s.resv_val;
    n.resv_size = s.resv_size;
    n.vsr = s.vsr;
    n
}

fn same_regs(a: &Ppc64State, b: &Ppc64State) -> bool {
    a.gpr == b.gpr
        && a.pc == b.pc
        && a.lr == b.lr
        && a.ctr == b.ctr
        && a.cr == b.cr
        && a.xer() == b.xer()
        && a.vsr == b.vsr
        && a.resv_addr == b.resv_addr
        && a.fpscr == b.fpscr
}

/// Translates `words`, runs the block on a copy of `st` with memory `mem`,
/// once unoptimised and once after `passes::optimize` (on a second copy of
/// the memory), and checks both agree.
pub fn run_mem(words: &[u32], st: &Ppc64State, mem: &Mem) -> Run {
    xlat_ir::hostfp::clear_status();
    // Translated for the state's rounding mode, as the engine does.
    let block = translate_flags(words, st.fpscr & 3);
    // SAFETY: `st` is a state of LAYOUT, which the block was translated for.
    let (st, exit) = unsafe {
        xlat_interp::testutil::run_checked(&block, &LAYOUT, st, mem, copy_state, same_regs)
    };
    Run { st, exit, block }
}

/// As [`run_mem`] with a fresh memory.
pub fn run(words: &[u32], st: &Ppc64State) -> Run {
    run_mem(words, st, &new_mem())
}

/// A state with GPRs set from `regs` (index, value); r1 points into the
/// data area.
pub fn state(regs: &[(usize, u64)]) -> Ppc64State {
    let mut s = Ppc64State::default();
    s.gpr[1] = DATA + 0x800;
    for &(i, v) in regs {
        s.gpr[i] = v;
    }
    s
}

/// CR field `n` as 4 bits LT GT EQ SO.
pub fn crf(s: &Ppc64State, n: usize) -> u8 {
    s.cr_field(n)
}

/// The block's terminal.
pub fn term(b: &Block) -> Terminal {
    b.terminal()
}

/// Runs the unoptimised block only (for non-deterministic instructions).
pub fn run_once(words: &[u32], st: &Ppc64State) -> Box<Ppc64State> {
    let block = translate(words);
    let mut s = copy_state(st);
    exec(&block, &mut s, &new_mem());
    s
}
