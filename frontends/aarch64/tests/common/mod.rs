//! Test harness: translate guest words, run one block in the interpreter
//! on a Vec-backed guest memory, inspect the state.

#![allow(dead_code)]

use std::sync::Mutex;
use xlat_frontend_aarch64::{Aarch64Frontend, Aarch64State, LAYOUT};
use xlat_ir::abi::{DirectMem, Fault, FaultKind, GuestMemory};
use xlat_ir::frontend::CodeSource;
use xlat_ir::{Block, ExitCode, RmwOp, Terminal, TranslateOptions};

/// Guest address of the test code.
pub const CODE: u64 = 0x1000;
/// Guest address of the data area.
pub const DATA: u64 = 0x10000;
/// Size of the data area.
pub const DATA_LEN: usize = 0x1000;

/// Guest memory: one data area at [`DATA`].
pub struct Mem(pub Mutex<Vec<u8>>);

impl Mem {
    pub fn new() -> Mem {
        Mem(Mutex::new(vec![0; DATA_LEN]))
    }

    fn range(&self, addr: u64, size: u8, write: bool) -> Result<usize, Fault> {
        if addr >= DATA && addr + size as u64 <= DATA + DATA_LEN as u64 {
            Ok((addr - DATA) as usize)
        } else {
            Err(Fault {
                addr,
                kind: FaultKind::Unmapped,
                write,
            })
        }
    }

    pub fn read(&self, addr: u64, n: usize) -> Vec<u8> {
        let o = (addr - DATA) as usize;
        self.0.lock().unwrap()[o..o + n].to_vec()
    }

    pub fn write(&self, addr: u64, b: &[u8]) {
        let o = (addr - DATA) as usize;
        self.0.lock().unwrap()[o..o + b.len()].copy_from_slice(b);
    }

    pub fn read_u64(&self, addr: u64) -> u64 {
        u64::from_le_bytes(self.read(addr, 8).try_into().unwrap())
    }
}

impl GuestMemory for Mem {
    fn direct(&self) -> Option<DirectMem> {
        None
    }
    fn load(&self, addr: u64, size: u8) -> Result<u128, Fault> {
        let o = self.range(addr, size, false)?;
        let m = self.0.lock().unwrap();
        let mut b = [0u8; 16];
        b[..size as usize].copy_from_slice(&m[o..o + size as usize]);
        Ok(u128::from_le_bytes(b))
    }
    fn store(&self, addr: u64, size: u8, v: u128) -> Result<(), Fault> {
        let o = self.range(addr, size, true)?;
        let mut m = self.0.lock().unwrap();
        m[o..o + size as usize].copy_from_slice(&v.to_le_bytes()[..size as usize]);
        Ok(())
    }
    fn rmw(&self, addr: u64, size: u8, op: RmwOp, v: u64) -> Result<u64, Fault> {
        let old = self.load(addr, size)? as u64;
        let ty = xlat_ir::Type::int(size as u32 * 8);
        self.store(addr, size, op.apply(ty, old, v) as u128)?;
        Ok(old)
    }
    fn cas(&self, addr: u64, size: u8, expected: u128, new: u128) -> Result<u128, Fault> {
        let old = self.load(addr, size)?;
        if old == expected {
            self.store(addr, size, new)?;
        }
        Ok(old)
    }
    fn fetch_code(&self, addr: u64, _buf: &mut [u8]) -> Result<(), Fault> {
        Err(Fault {
            addr,
            kind: FaultKind::Unmapped,
            write: false,
        })
    }
}

/// Code at [`CODE`]; reads outside fail.
pub struct Code(pub Vec<u32>);

impl CodeSource for Code {
    fn read_code(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        let i = addr.wrapping_sub(CODE) / 4;
        match self.0.get(i as usize) {
            Some(w) if addr >= CODE && addr.is_multiple_of(4) && buf.len() == 4 => {
                buf.copy_from_slice(&w.to_le_bytes());
                Ok(())
            }
            _ => Err(Fault {
                addr,
                kind: FaultKind::Unmapped,
                write: false,
            }),
        }
    }
}

/// Translates the block at [`CODE`].
pub fn translate(words: &[u32]) -> Block {
    let b =
        Aarch64Frontend.translate_block(CODE, &Code(words.to_vec()), &TranslateOptions::default());
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
    let mut scratch = xlat_interp::Scratch::new();
    // SAFETY: `st` is a live, exclusively borrowed Aarch64State, the layout
    // the block was translated for.
    unsafe {
        xlat_interp::run_block(
            b,
            &LAYOUT,
            st as *mut Aarch64State as *mut u8,
            mem,
            &mut scratch,
        )
    }
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
    let block = translate(words);
    let mem2 = Mem(Mutex::new(mem.0.lock().unwrap().clone()));
    let mut s1 = copy_state(st);
    let exit = exec(&block, &mut s1, mem);
    let mut opt = block.clone();
    xlat_ir::passes::optimize(&mut opt, &LAYOUT);
    let mut s2 = copy_state(st);
    let exit2 = exec(&opt, &mut s2, &mem2);
    assert_eq!(exit, exit2, "optimised block exits differently");
    assert!(
        same_regs(&s1, &s2),
        "optimised block computes different state"
    );
    assert_eq!(*mem.0.lock().unwrap(), *mem2.0.lock().unwrap());
    Run {
        st: s1,
        exit,
        block,
    }
}

/// As [`run_mem`] with a fresh memory.
pub fn run(words: &[u32], st: &Aarch64State) -> Run {
    run_mem(words, st, &Mem::new())
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
    exec(&block, &mut s, &Mem::new());
    s
}
