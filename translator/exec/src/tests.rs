//! Engine tests with a toy frontend and a soft-MMU style (non-direct) guest
//! memory, at every tier.

use super::*;
use std::collections::HashMap;
use std::mem::offset_of;
use std::sync::Mutex;
use std::time::Duration;
use xlat_ir::{
    Block, Builder, CodeSource, Cond, CpuHeader, ExceptionKind, Frontend, MemFlags, Reg, RegInfo,
    RegKind, RmwOp, StateLayout, Terminal, TranslateOptions, Type,
};

// ---------------------------------------------------------------- toy guest

/// Toy CPU: eight 64-bit registers and a PC.
#[repr(C, align(16))]
struct ToyState {
    hdr: CpuHeader,
    r: [u64; 8],
    pc: u64,
}

macro_rules! toy_regs {
    ($($i:literal),*) => {
        &[$(RegInfo {
            name: concat!("r", $i),
            offset: (offset_of!(ToyState, r) + 8 * $i) as u32,
            ty: Type::I64,
            kind: RegKind::Normal,
        },)* RegInfo {
            name: "pc",
            offset: offset_of!(ToyState, pc) as u32,
            ty: Type::I64,
            kind: RegKind::Pc,
        }]
    };
}

static TOY_REGS: &[RegInfo] = toy_regs!(0, 1, 2, 3, 4, 5, 6, 7);
static TOY_LAYOUT: StateLayout = StateLayout {
    regs: TOY_REGS,
    pc: Reg(8),
    size: std::mem::size_of::<ToyState>(),
};

/// Toy instruction set: 32-bit words, `op` in bits 31..24, `rd` 23..20,
/// `ra` 19..16, `rb` 15..12, `imm16` 15..0.
mod isa {
    pub const LI: u32 = 0x01; // rd = imm16
    pub const ADD: u32 = 0x02; // rd = ra + rb
    pub const LD: u32 = 0x03; // rd = [ra] (64 bits)
    pub const ST: u32 = 0x04; // [ra] = rd (64 bits)
    pub const BZ: u32 = 0x05; // if ra == 0 { pc += simm16 * 4 }
    pub const SYS: u32 = 0x06; // syscall
    pub const ADDI: u32 = 0x08; // rd = ra + simm16
    pub const JR: u32 = 0x09; // pc = ra
    pub const LIH: u32 = 0x0a; // rd |= imm16 << 16
    pub const XADD: u32 = 0x0b; // rd = atomic fetch-add [ra], rb
    pub const SWT: u32 = 0x0c; // pc = rb + sext32([rb + 4 * (ra & 0xff)])

    pub fn enc(op: u32, rd: u32, ra: u32, imm: u32) -> u32 {
        op << 24 | rd << 20 | ra << 16 | (imm & 0xffff)
    }

    /// The imm16 of a branch at word `from` to word `to`.
    pub fn back(from: i32, to: i32) -> u32 {
        ((to - from) as i16) as u16 as u32
    }
}
use isa::*;

struct Toy;

impl Frontend for Toy {
    fn name(&self) -> &'static str {
        "toy"
    }
    fn layout(&self) -> &StateLayout {
        &TOY_LAYOUT
    }
    fn translate(
        &self,
        pc: u64,
        _flags: u64,
        code: &dyn CodeSource,
        opts: &TranslateOptions,
    ) -> Block {
        let mut b = Builder::new(&TOY_LAYOUT, pc);
        let mut at = pc;
        let mut n = 0u32;
        let reg = |n: u32| Reg((n & 7) as u16);
        while !b.is_terminated() {
            if n >= opts.max_insns.max(1) {
                b.terminate(Terminal::Jump(at));
                break;
            }
            let mut w = [0u8; 4];
            if let Err(f) = code.read_code(at, &mut w) {
                if n == 0 {
                    b.terminate(Terminal::Exception {
                        kind: ExceptionKind::FetchFault,
                        pc: at,
                        info: f.addr,
                    });
                } else {
                    b.terminate(Terminal::Jump(at));
                }
                break;
            }
            let w = u32::from_le_bytes(w);
            let (op, rd, ra, rb) = (w >> 24, (w >> 20) & 15, (w >> 16) & 15, (w >> 12) & 15);
            let imm = (w & 0xffff) as u64;
            let simm = (w & 0xffff) as u16 as i16 as i64 as u64;
            b.insn_start(at);
            let next = at + 4;
            match op {
                LI => {
                    let v = b.i64(imm);
                    b.set(reg(rd), v);
                }
                ADD => {
                    let x = b.get(reg(ra));
                    let y = b.get(reg(rb));
                    let s = b.add(x, y);
                    b.set(reg(rd), s);
                }
                ADDI => {
                    let x = b.get(reg(ra));
                    let y = b.i64(simm);
                    let s = b.add(x, y);
                    b.set(reg(rd), s);
                }
                LIH => {
                    let x = b.get(reg(rd));
                    let y = b.i64(imm << 16);
                    let s = b.or(x, y);
                    b.set(reg(rd), s);
                }
                LD => {
                    let a = b.get(reg(ra));
                    let v = b.load(Type::I64, a, MemFlags::new(8));
                    b.set(reg(rd), v);
                }
                ST => {
                    let a = b.get(reg(ra));
                    let v = b.get(reg(rd));
                    b.store(a, v, MemFlags::new(8));
                }
                XADD => {
                    let a = b.get(reg(ra));
                    let v = b.get(reg(rb));
                    let old = b.atomic_rmw(RmwOp::Add, a, v, MemFlags::new(8).aligned());
                    b.set(reg(rd), old);
                }
                BZ => {
                    let x = b.get(reg(ra));
                    let z = b.i64(0);
                    let c = b.icmp(Cond::Eq, x, z);
                    b.terminate(Terminal::Branch {
                        cond: c,
                        taken: next.wrapping_add(simm.wrapping_mul(4)).wrapping_sub(4),
                        not_taken: next,
                    });
                }
                SYS => b.terminate(Terminal::Exception {
                    kind: ExceptionKind::Syscall,
                    pc: next,
                    info: 0,
                }),
                JR => {
                    let x = b.get(reg(ra));
                    b.terminate(Terminal::JumpIndirect(x));
                }
                SWT => {
                    // PowerPC's `lwax; add; mtctr; bctr` switch.
                    let x = b.get(reg(ra));
                    let byte = b.trunc(Type::I8, x);
                    let i = b.zext(Type::I64, byte);
                    let two = b.i64(2);
                    let off = b.shl(i, two);
                    let t = b.get(reg(rb));
                    let a = b.add(t, off);
                    let w = b.load(Type::I64, a, MemFlags::new(4).signed());
                    let target = b.add(w, t);
                    b.terminate(Terminal::JumpIndirect(target));
                }
                _ => {
                    b.terminate(Terminal::Exception {
                        kind: ExceptionKind::Undefined,
                        pc: at,
                        info: w as u64,
                    });
                    break;
                }
            }
            b.count_insn(4);
            n += 1;
            at = next;
            if !b.is_terminated() && (at & 0xfff) == 0 {
                b.terminate(Terminal::Jump(at));
            }
        }
        b.finish()
    }
}

// ------------------------------------------------------- soft-MMU memory

const R: u8 = 1;
const W: u8 = 2;
const X: u8 = 4;

/// A 4 KiB page and its permissions.
type Page = (Box<[u8; 4096]>, u8);

/// Guest memory as a page table of 4 KiB pages with permissions; never
/// direct, like a system-mode soft-MMU.
struct SoftMem {
    pages: Mutex<HashMap<u64, Page>>,
}

impl SoftMem {
    fn new() -> SoftMem {
        SoftMem {
            pages: Mutex::new(HashMap::new()),
        }
    }
    fn map(&self, addr: u64, perms: u8) {
        self.pages
            .lock()
            .unwrap()
            .insert(addr >> 12, (Box::new([0; 4096]), perms));
    }
    fn access(
        &self,
        addr: u64,
        buf: &mut [u8],
        write: Option<&[u8]>,
        need: u8,
    ) -> Result<(), Fault> {
        let mut pages = self.pages.lock().unwrap();
        // Check every page first so a failing access changes nothing.
        for i in 0..buf.len() as u64 {
            let a = addr.wrapping_add(i);
            match pages.get(&(a >> 12)) {
                None => {
                    return Err(Fault {
                        addr: a,
                        kind: FaultKind::Unmapped,
                        write: write.is_some(),
                    });
                }
                Some((_, p)) if p & need != need => {
                    return Err(Fault {
                        addr: a,
                        kind: FaultKind::Protection,
                        write: write.is_some(),
                    });
                }
                _ => {}
            }
        }
        for i in 0..buf.len() {
            let a = addr.wrapping_add(i as u64);
            let page = &mut pages.get_mut(&(a >> 12)).unwrap().0;
            match write {
                Some(src) => page[(a & 0xfff) as usize] = src[i],
                None => buf[i] = page[(a & 0xfff) as usize],
            }
        }
        Ok(())
    }
    fn write_bytes(&self, addr: u64, data: &[u8]) {
        let mut dummy = vec![0; data.len()];
        self.access(addr, &mut dummy, Some(data), 0).unwrap();
    }
    fn write_code(&self, addr: u64, words: &[u32]) {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.write_bytes(addr, &bytes);
    }
    fn read_u64(&self, addr: u64) -> u64 {
        let mut b = [0u8; 8];
        self.access(addr, &mut b, None, 0).unwrap();
        u64::from_le_bytes(b)
    }
}

impl GuestMemory for SoftMem {
    fn direct(&self) -> Option<DirectMem> {
        None
    }
    fn load(&self, addr: u64, size: u8) -> Result<u128, Fault> {
        let mut b = [0u8; 16];
        self.access(addr, &mut b[..size as usize], None, R)?;
        Ok(u128::from_le_bytes(b))
    }
    fn store(&self, addr: u64, size: u8, v: u128) -> Result<(), Fault> {
        let mut d = [0u8; 16];
        self.access(
            addr,
            &mut d[..size as usize],
            Some(&v.to_le_bytes()[..size as usize]),
            W,
        )
    }
    // The tests run one guest thread: load + store is atomic enough.
    fn rmw(&self, addr: u64, size: u8, op: RmwOp, v: u64) -> Result<u64, Fault> {
        xlat_ir::abi::rmw_by_load_store(self, addr, size, op, v)
    }
    fn cas(&self, addr: u64, size: u8, expected: u128, new: u128) -> Result<u128, Fault> {
        xlat_ir::abi::cas_by_load_store(self, addr, size, expected, new)
    }
    fn fetch_code(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        self.access(addr, buf, None, X)
    }
}

// ------------------------------------------------------------- harness

const CODE: u64 = 0x10000;
const DATA: u64 = 0x20000;
const RODATA: u64 = 0x21000;

struct Setup {
    mem: Arc<SoftMem>,
    engine: Arc<Engine>,
    cpu: Cpu,
}

fn setup(tier: Tier, code: &[u32]) -> Setup {
    setup_with(
        ExecOptions {
            tier,
            jit_threshold: 3,
            ..Default::default()
        },
        code,
    )
}

fn setup_with(opts: ExecOptions, code: &[u32]) -> Setup {
    let mem = Arc::new(SoftMem::new());
    mem.map(CODE, R | X);
    mem.map(CODE + 0x1000, R | X);
    mem.map(DATA, R | W);
    mem.map(RODATA, R);
    mem.write_code(CODE, code);
    let memref: MemRef = mem.clone();
    let engine = Engine::new(Arc::new(Toy), memref, opts).expect("engine");
    let mut cpu = engine.new_cpu();
    cpu.set_pc(CODE);
    Setup { mem, engine, cpu }
}

/// [`setup_with`] at [`Tier::Mixed`] with the given threshold.
fn mixed(jit_threshold: u32, code: &[u32]) -> Setup {
    setup_with(
        ExecOptions {
            tier: Tier::Mixed,
            jit_threshold,
            ..Default::default()
        },
        code,
    )
}

fn reg(cpu: &Cpu, n: u16) -> u64 {
    cpu.get(Reg(n)) as u64
}

/// Runs [`sum_program`]`(n)` at `tier` up to its final system call.
fn run_sum(tier: Tier, n: u32) -> Setup {
    let mut s = setup(tier, &sum_program(n));
    let exit = s.engine.run(&mut s.cpu);
    assert!(matches!(
        exit,
        Exit::Exception {
            kind: ExceptionKind::Syscall,
            ..
        }
    ));
    s
}

/// `r3 = DATA; r1 = n; r2 = 0; loop: r2 += r1; r1 -= 1; if r1 == 0 goto
/// done; if r0 == 0 goto loop; done: [r3] = r2; sys`.
fn sum_program(n: u32) -> Vec<u32> {
    vec![
        enc(LI, 3, 0, 0),
        enc(LIH, 3, 0, (DATA >> 16) as u32),
        enc(LI, 1, 0, n),
        enc(LI, 2, 0, 0),
        enc(ADD, 2, 2, 1 << 12), // loop: r2 = r2 + r1
        enc(ADDI, 1, 1, 0xffff),
        enc(BZ, 0, 1, 2),
        enc(BZ, 0, 0, 0xfffd),
        enc(ST, 2, 3, 0), // done
        enc(SYS, 0, 0, 0),
    ]
}

const TIERS: [Tier; 3] = [Tier::Interp, Tier::Jit, Tier::Mixed];

#[test]
fn loop_runs_to_syscall_at_every_tier() {
    for tier in TIERS {
        let mut s = setup(tier, &sum_program(100));
        let exit = s.engine.run(&mut s.cpu);
        assert_eq!(
            exit,
            Exit::Exception {
                kind: ExceptionKind::Syscall,
                pc: CODE + 40,
                info: 0
            },
            "{tier:?}"
        );
        assert_eq!(reg(&s.cpu, 2), 5050, "{tier:?}");
        assert_eq!(s.mem.read_u64(DATA), 5050, "{tier:?}");
        assert_eq!(s.cpu.pc(), CODE + 40);
        let st = s.engine.stats();
        assert!(st.blocks_translated >= 3, "{tier:?}: {st}");
        assert_eq!(st.compile_failures, 0, "{tier:?}: {st}");
        match tier {
            Tier::Interp => assert_eq!(st.regions_compiled, 0),
            Tier::Jit => {
                assert_eq!(st.regions_compiled, st.blocks_translated, "{st}");
                assert_eq!(st.interp_dispatches, 0, "{st}");
                assert!(st.code_bytes > 0);
            }
            Tier::Mixed => {}
        }
    }
}

#[test]
fn one_insn_per_block_gives_same_result() {
    for tier in TIERS {
        let mut s = setup_with(
            ExecOptions {
                tier,
                max_insns_per_block: 1,
                jit_threshold: 2,
                ..Default::default()
            },
            &sum_program(20),
        );
        let exit = s.engine.run(&mut s.cpu);
        assert!(matches!(
            exit,
            Exit::Exception {
                kind: ExceptionKind::Syscall,
                ..
            }
        ));
        assert_eq!(reg(&s.cpu, 2), 210, "{tier:?}");
        assert_eq!(s.engine.stats().blocks_translated, 10, "{tier:?}");
    }
}

#[test]
fn load_fault_reports_instruction_and_keeps_registers() {
    for tier in TIERS {
        let mut s = setup(
            tier,
            &[
                enc(LI, 1, 0, 7),
                enc(LI, 4, 0, 0x5000), // unmapped
                enc(LD, 2, 4, 0),
                enc(LI, 1, 0, 9),
                enc(SYS, 0, 0, 0),
            ],
        );
        s.cpu.set(Reg(2), 0x1234);
        let exit = s.engine.run(&mut s.cpu);
        assert_eq!(
            exit,
            Exit::Fault {
                fault: Fault {
                    addr: 0x5000,
                    kind: FaultKind::Unmapped,
                    write: false
                },
                pc: CODE + 8
            },
            "{tier:?}"
        );
        assert_eq!(reg(&s.cpu, 1), 7, "{tier:?}: earlier insn done");
        assert_eq!(reg(&s.cpu, 2), 0x1234, "{tier:?}: faulting insn not done");
    }
}

/// A two-block loop region (`A: r1 += 1; B: r6 += r1; r5 = [r4]; r4 += 8;
/// goto A`) walks r4 from DATA into the unmapped page after RODATA: the
/// load faults after 1024 iterations. Registers change in both blocks
/// before the load, and compiled loads write nothing back (the fault is
/// re-run from the last snapshot at tier 0): the state at the fault must
/// still be exactly the state at the faulting instruction, at every tier
/// and with the loop compiled as one region.
#[test]
fn load_fault_in_a_compiled_region_leaves_the_exact_state() {
    let prog = [
        enc(LI, 4, 0, 0),
        enc(LIH, 4, 0, (DATA >> 16) as u32),
        enc(LI, 1, 0, 0),
        enc(LI, 6, 0, 0),
        enc(ADDI, 1, 1, 1), // A (CODE+16)
        enc(BZ, 0, 0, 2),   // r0 == 0: goto B (CODE+28)
        enc(SYS, 0, 0, 0),
        enc(ADD, 6, 6, 1 << 12), // B (CODE+28): r6 += r1
        enc(LD, 5, 4, 0),        // CODE+32
        enc(ADDI, 4, 4, 8),
        enc(BZ, 0, 0, 0xfffa), // goto A
    ];
    let n: u64 = 2 * 4096 / 8 + 1; // iteration of the faulting load
    for (tier, compile) in [
        (Tier::Interp, false),
        (Tier::Jit, false),
        (Tier::Mixed, true),
        (Tier::Mixed, false),
    ] {
        let mut s = setup_with(
            ExecOptions {
                tier,
                jit_threshold: 2000,
                ..Default::default()
            },
            &prog,
        );
        s.mem.write_bytes(RODATA + 0xff8, &0xabcdu64.to_le_bytes());
        let expect = Exit::Fault {
            fault: Fault {
                addr: RODATA + 0x1000,
                kind: FaultKind::Unmapped,
                write: false,
            },
            pc: CODE + 32,
        };
        assert_eq!(s.engine.run(&mut s.cpu), expect, "{tier:?}");
        if compile {
            // Below the threshold so far: compile the loop (A and B) as
            // one region and run again, now in compiled code.
            let a = s.engine.cached(CODE + 16, 0).expect("translated");
            s.engine.compile_now(&a);
            let st = s.engine.stats();
            assert_eq!((st.regions_compiled, st.blocks_compiled), (1, 2), "{st}");
            s.cpu.set_pc(CODE);
            s.cpu.set(Reg(5), 0);
            assert_eq!(s.engine.run(&mut s.cpu), expect);
            assert!(s.engine.stats().fault_retries >= 1);
        }
        assert_eq!(reg(&s.cpu, 1), n, "{tier:?}");
        assert_eq!(reg(&s.cpu, 6), n * (n + 1) / 2, "{tier:?}");
        assert_eq!(reg(&s.cpu, 4), RODATA + 0x1000, "{tier:?}");
        assert_eq!(reg(&s.cpu, 5), 0xabcd, "{tier:?}: previous load");
        assert_eq!(s.cpu.pc(), CODE + 32, "{tier:?}");
        if tier == Tier::Jit {
            assert!(s.engine.stats().fault_retries >= 1);
        }
    }
}

#[test]
fn store_to_readonly_page_is_a_write_protection_fault() {
    for tier in TIERS {
        let mut s = setup(
            tier,
            &[
                enc(LI, 4, 0, 0),
                enc(LIH, 4, 0, (RODATA >> 16) as u32),
                enc(ADDI, 4, 4, 0x1008),
                enc(ST, 1, 4, 0),
                enc(SYS, 0, 0, 0),
            ],
        );
        let exit = s.engine.run(&mut s.cpu);
        assert_eq!(
            exit,
            Exit::Fault {
                fault: Fault {
                    addr: RODATA + 8,
                    kind: FaultKind::Protection,
                    write: true
                },
                pc: CODE + 12
            },
            "{tier:?}"
        );
    }
}

#[test]
fn undefined_and_fetch_fault_exceptions() {
    for tier in TIERS {
        let mut s = setup(tier, &[enc(LI, 1, 0, 1), 0xff00_0000]);
        assert_eq!(
            s.engine.run(&mut s.cpu),
            Exit::Exception {
                kind: ExceptionKind::Undefined,
                pc: CODE + 4,
                info: 0xff00_0000
            },
            "{tier:?}"
        );
        assert_eq!(reg(&s.cpu, 1), 1);
        s.cpu.set_pc(DATA); // not executable
        assert_eq!(
            s.engine.run(&mut s.cpu),
            Exit::Exception {
                kind: ExceptionKind::FetchFault,
                pc: DATA,
                info: DATA
            },
            "{tier:?}"
        );
    }
}

#[test]
fn atomic_and_indirect_jump() {
    for tier in TIERS {
        // r3 = DATA; r1 = 5; r2 = xadd [r3], r1 (twice via a JR loop).
        let mut s = setup(
            tier,
            &[
                enc(LI, 3, 0, 0),
                enc(LIH, 3, 0, (DATA >> 16) as u32),
                enc(LI, 1, 0, 5),
                enc(LI, 5, 0, (CODE & 0xffff) as u32 + 16),
                enc(LIH, 5, 0, (CODE >> 16) as u32), // r5 = CODE+16
                enc(XADD, 2, 3, 1 << 12),            // CODE+20
                enc(BZ, 0, 2, 0xfffe),               // r2 == 0 -> goto CODE+16
                enc(SYS, 0, 0, 0),
            ],
        );
        // CODE+16 is the LIH; then XADD again, r2 = 5 now -> SYS.
        let exit = s.engine.run(&mut s.cpu);
        assert!(
            matches!(
                exit,
                Exit::Exception {
                    kind: ExceptionKind::Syscall,
                    ..
                }
            ),
            "{tier:?}"
        );
        assert_eq!(reg(&s.cpu, 2), 5, "{tier:?}");
        assert_eq!(s.mem.read_u64(DATA), 10, "{tier:?}");
        // Now through JR: r6 = target of a SYS.
        s.mem.write_code(CODE + 0x100, &[enc(JR, 0, 5, 0)]);
        s.cpu.set_pc(CODE + 0x100);
        s.cpu.set(Reg(5), (CODE + 28) as u128);
        let exit = s.engine.run(&mut s.cpu);
        assert_eq!(
            exit,
            Exit::Exception {
                kind: ExceptionKind::Syscall,
                pc: CODE + 32,
                info: 0
            },
            "{tier:?}"
        );
    }
}

#[test]
fn stop_request_and_clear() {
    for tier in TIERS {
        let mut s = setup(tier, &sum_program(3));
        let h = s.cpu.stop_handle();
        h.request();
        assert_eq!(s.engine.run(&mut s.cpu), Exit::Stopped, "{tier:?}");
        assert_eq!(s.cpu.pc(), CODE, "nothing ran");
        h.clear();
        assert!(matches!(s.engine.run(&mut s.cpu), Exit::Exception { .. }));
        assert_eq!(reg(&s.cpu, 2), 6);
    }
}

#[test]
fn stop_interrupts_an_endless_loop() {
    for tier in TIERS {
        // loop: r1 += 1; goto loop
        let mut s = setup(tier, &[enc(ADDI, 1, 1, 1), enc(BZ, 0, 0, 0xffff)]);
        let h = s.cpu.stop_handle();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            h.request();
        });
        assert_eq!(s.engine.run(&mut s.cpu), Exit::Stopped, "{tier:?}");
        t.join().unwrap();
        assert!(reg(&s.cpu, 1) > 10, "{tier:?}: the loop ran");
        assert!(s.cpu.pc() == CODE || s.cpu.pc() == CODE + 4);
    }
}

#[test]
fn invalidation_retranslates_modified_code() {
    for tier in TIERS {
        let prog = [enc(LI, 1, 0, 11), enc(SYS, 0, 0, 0)];
        let mut s = setup(tier, &prog);
        for _ in 0..5 {
            s.cpu.set_pc(CODE);
            s.engine.run(&mut s.cpu);
            assert_eq!(reg(&s.cpu, 1), 11);
        }
        s.mem.write_code(CODE, &[enc(LI, 1, 0, 22)]);
        // Without invalidation the cached translation still runs.
        s.cpu.set_pc(CODE);
        s.engine.run(&mut s.cpu);
        assert_eq!(reg(&s.cpu, 1), 11, "{tier:?}: translation is cached");
        s.engine.invalidate(CODE, 4);
        s.cpu.set_pc(CODE);
        s.engine.run(&mut s.cpu);
        assert_eq!(reg(&s.cpu, 1), 22, "{tier:?}: new code after invalidate");
        assert_eq!(s.engine.stats().blocks_invalidated, 1);
        // Invalidating elsewhere drops nothing.
        s.engine.invalidate(CODE + 0x800, 0x100);
        assert_eq!(s.engine.stats().blocks_invalidated, 1);
    }
}

#[test]
fn cpu_register_access_and_header() {
    let s = setup(Tier::Interp, &sum_program(1));
    let mut cpu = s.engine.new_cpu();
    assert_eq!(cpu.env().len() % 16, 0);
    assert_eq!(cpu.env_ptr() as usize % 16, 0);
    assert!(cpu.env().len() >= std::mem::size_of::<ToyState>());
    cpu.set(Reg(7), u128::MAX);
    assert_eq!(
        cpu.get(Reg(7)),
        u64::MAX as u128,
        "truncated to the register"
    );
    assert_eq!(cpu.header().mem_base, 0, "soft memory is not direct");
    assert_ne!(cpu.header().mem, 0);
    assert_ne!(cpu.header().jump_cache, 0);
}

#[test]
fn mixed_tier_compiles_hot_loop_in_background() {
    let mut s = mixed(50, &sum_program(60000));
    // The compiler thread may be starved on a loaded machine: run the
    // program again (it initialises its registers itself) until a run
    // spends most of its iterations (2 dispatches each when interpreted)
    // in compiled code, within a bound.
    let mut before = s.engine.stats();
    for _ in 0..50 {
        s.cpu.set_pc(CODE);
        let exit = s.engine.run(&mut s.cpu);
        assert!(matches!(
            exit,
            Exit::Exception {
                kind: ExceptionKind::Syscall,
                ..
            }
        ));
        assert_eq!(reg(&s.cpu, 2), 60000 * 60001 / 2);
        let st = s.engine.stats();
        let interp = st.interp_dispatches - before.interp_dispatches;
        if st.regions_compiled >= 1 && st.jit_dispatches > before.jit_dispatches && interp < 60000 {
            return;
        }
        before = st;
    }
    panic!(
        "compiled code never took over the loop: {}",
        s.engine.stats()
    );
}

/// A CPU that must not compile (a vfork child's, in another host process)
/// interprets at every tier and queues no block (nor starts the compiler
/// thread), but enters code another CPU compiled.
#[test]
fn no_compile_cpu_interprets_and_runs_compiled_code() {
    for tier in [Tier::Jit, Tier::Mixed] {
        let mut s = setup(tier, &sum_program(100));
        s.cpu.set_no_compile(true);
        s.engine.run(&mut s.cpu);
        assert_eq!(reg(&s.cpu, 2), 5050, "{tier:?}");
        let st = s.engine.stats();
        assert_eq!(st.regions_compiled, 0, "{tier:?}: {st}");
        assert_eq!(st.jit_dispatches, 0, "{tier:?}: {st}");
        if tier == Tier::Mixed {
            // Had the loop been queued, the compiler would have
            // compiled it by now (most of the time: this check can only
            // miss a fault, never report a false one).
            std::thread::sleep(Duration::from_millis(100));
            assert_eq!(s.engine.stats().regions_compiled, 0);
        }
    }
    let mut s = setup(Tier::Jit, &sum_program(100));
    s.engine.run(&mut s.cpu);
    let before = s.engine.stats();
    assert!(before.regions_compiled > 0, "{before}");
    let mut child = s.engine.new_cpu();
    child.set_no_compile(true);
    child.set_pc(CODE);
    s.engine.run(&mut child);
    assert_eq!(reg(&child, 2), 5050);
    let st = s.engine.stats();
    assert_eq!(st.regions_compiled, before.regions_compiled, "{st}");
    assert_eq!(st.interp_dispatches, before.interp_dispatches, "{st}");
    assert!(st.jit_dispatches > before.jit_dispatches, "{st}");
}

/// What a forked child finds in the engine it kept ([`Engine::fork`]): 0
/// when all holds, else the number of the check that failed.
fn forked_child_checks(s: &Setup, tier: Tier, before: &Stats) -> i32 {
    // The parent's compiled loop runs on a new CPU without a compile.
    let mut cpu = s.engine.new_cpu();
    cpu.set_pc(CODE);
    s.engine.run(&mut cpu);
    if reg(&cpu, 2) != 60000 * 60001 / 2 {
        return 1;
    }
    let st = s.engine.stats();
    // (At Mixed the child's compiler may take blocks the parent queued.)
    if st.jit_dispatches <= before.jit_dispatches
        || (tier == Tier::Jit
            && (st.regions_compiled != before.regions_compiled || st.interp_dispatches != 0))
    {
        return 2;
    }
    // New code gets compiled in the child: at Mixed by a compiler thread
    // of its own (the parent's does not exist here), within a bound.
    s.mem.write_code(CODE + 0x1000, &sum_program(60000));
    for _ in 0..50 {
        cpu.set_pc(CODE + 0x1000);
        s.engine.run(&mut cpu);
        if reg(&cpu, 2) != 60000 * 60001 / 2 {
            return 3;
        }
        if s.engine.stats().regions_compiled > st.regions_compiled {
            return 0;
        }
    }
    4
}

/// A forked child keeps the engine: the parent's compiled code runs there
/// without being compiled again (a fresh engine compiled forkbusy's 500
/// regions in each child at `-tier jit`), and at Mixed a new compiler
/// thread takes over from the one that does not exist in the child.
#[test]
fn forked_child_keeps_compiled_code_and_compiles_new_code() {
    for tier in [Tier::Jit, Tier::Mixed] {
        let mut s = mixed(50, &sum_program(60000));
        if tier == Tier::Jit {
            s = setup(Tier::Jit, &sum_program(60000));
        }
        // Until the loop runs compiled (at Mixed the compiler thread runs
        // from the first run on).
        for _ in 0..50 {
            s.cpu.set_pc(CODE);
            s.engine.run(&mut s.cpu);
            if s.engine.stats().regions_compiled > 0 {
                break;
            }
        }
        let before = s.engine.stats();
        assert!(before.regions_compiled > 0, "{tier:?}: {before}");
        let paused = s.engine.pause_compiler();
        // SAFETY: the child runs the engine only and leaves by `_exit`.
        let pid = s
            .engine
            .fork(paused, || unsafe { libc::fork() }, |&p| p == 0);
        if pid == 0 {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                forked_child_checks(&s, tier, &before)
            }));
            // SAFETY: ends the child without the test harness's clean-up.
            unsafe { libc::_exit(r.unwrap_or(99)) }
        }
        assert!(pid > 0, "fork failed");
        let mut status = 0;
        // SAFETY: waits for the child forked above, writing `status`.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status), "{tier:?}: {status:#x}");
        assert_eq!(
            libc::WEXITSTATUS(status),
            0,
            "{tier:?}: check failed in the child"
        );
        // The parent goes on with its engine.
        s.cpu.set_pc(CODE);
        s.engine.run(&mut s.cpu);
        assert_eq!(reg(&s.cpu, 2), 60000 * 60001 / 2, "{tier:?}");
    }
}

#[derive(Default)]
struct Log {
    exec: Mutex<Vec<u64>>,
    translated: Mutex<Vec<u64>>,
    compiled: Mutex<Vec<(u64, Vec<u64>, usize)>>,
}

impl ExecLogger for Log {
    fn wants_ir(&self) -> bool {
        true
    }
    fn translated(&self, block: &Block, _layout: &StateLayout) {
        self.translated.lock().unwrap().push(block.pc);
    }
    fn compiled(&self, entry_pc: u64, guest_pcs: &[u64], host_code: &[u8], host_addr: u64) {
        assert_ne!(host_addr, 0);
        self.compiled
            .lock()
            .unwrap()
            .push((entry_pc, guest_pcs.to_vec(), host_code.len()));
    }
    fn exec(&self, pc: u64) {
        self.exec.lock().unwrap().push(pc);
    }
}

#[test]
fn logger_sees_translation_compilation_and_execution() {
    let log = Arc::new(Log::default());
    let mut s = setup_with(
        ExecOptions {
            tier: Tier::Jit,
            chain: false,
            logger: Some(log.clone()),
            ..Default::default()
        },
        &sum_program(3),
    );
    s.engine.run(&mut s.cpu);
    let tr = log.translated.lock().unwrap().clone();
    // Block 1 runs from CODE to the first BZ (CODE+24), then the loop's
    // back branch (CODE+28), the loop body (CODE+16) and the exit (CODE+32).
    assert_eq!(tr, vec![CODE, CODE + 28, CODE + 16, CODE + 32]);
    let comp = log.compiled.lock().unwrap();
    assert_eq!(comp.len(), 4);
    assert!(comp.iter().all(|(e, pcs, n)| pcs == &vec![*e] && *n > 0));
    // Without chaining every block goes through the dispatcher.
    let ex = log.exec.lock().unwrap().clone();
    assert_eq!(
        ex,
        vec![CODE, CODE + 28, CODE + 16, CODE + 28, CODE + 16, CODE + 32]
    );
}

/// Not a test: prints the per-block cost of each tier, the measurement
/// behind `DEFAULT_JIT_THRESHOLD` (`cargo test -p xlat-exec --release --
/// --ignored --nocapture measure`).
#[test]
#[ignore]
fn measure_tier_costs() {
    for tier in [Tier::Interp, Tier::Jit] {
        let mut s = setup(tier, &sum_program(60000));
        let t0 = std::time::Instant::now();
        s.engine.run(&mut s.cpu);
        let dt = t0.elapsed();
        let st = s.engine.stats();
        let blocks = 2 * 60000;
        println!(
            "{tier:?}: {:.1} ns per executed block; compile {:.1} us per region ({} regions); total {dt:?}",
            (dt.as_nanos() as f64 - st.compile_us as f64 * 1000.0) / blocks as f64,
            st.compile_us as f64 / st.regions_compiled.max(1) as f64,
            st.regions_compiled
        );
    }
}

#[test]
fn invalidating_any_block_of_a_region_kills_the_region() {
    let mut s = mixed(1000, &sum_program(600));
    s.engine.run(&mut s.cpu);
    assert_eq!(s.engine.stats().regions_compiled, 0, "below the threshold");
    // Compile the loop region by hand: entry CODE+16 (body) plus its hot
    // successor CODE+28 (the back branch).
    let body = s.engine.cached(CODE + 16, 0).expect("translated");
    s.engine.compile_now(&body);
    let st = s.engine.stats();
    assert_eq!(st.regions_compiled, 1);
    assert_eq!(st.blocks_compiled, 2, "{st}");
    assert_ne!(body.host.load(std::sync::atomic::Ordering::SeqCst), 0);
    // Rerun: the compiled region is used.
    s.cpu.set_pc(CODE);
    s.engine.run(&mut s.cpu);
    assert!(s.engine.stats().jit_dispatches >= 1);
    assert_eq!(reg(&s.cpu, 2), 600 * 601 / 2);
    // Invalidate only the back-branch block (not the region's entry).
    s.engine.invalidate(CODE + 28, 4);
    assert!(body.dead.load(std::sync::atomic::Ordering::SeqCst));
    assert!(s.engine.cached(CODE + 16, 0).is_none());
    let st = s.engine.stats();
    assert_eq!(st.blocks_invalidated, 2, "{st}");
    assert_eq!(
        st.generations_freed, 1,
        "no CPU is running: freed at once: {st}"
    );
    // Change the back branch into a syscall: the new code must run.
    s.mem.write_code(CODE + 28, &[enc(SYS, 0, 0, 0)]);
    s.cpu.set_pc(CODE);
    let exit = s.engine.run(&mut s.cpu);
    assert_eq!(
        exit,
        Exit::Exception {
            kind: ExceptionKind::Syscall,
            pc: CODE + 32,
            info: 0
        }
    );
    assert_eq!(reg(&s.cpu, 2), 600, "one iteration only");
}

#[test]
fn tier0_runs_unoptimized_ir_until_a_block_is_warm() {
    use crate::OPTIMIZE_AFTER;
    // The loop body (CODE + 16) runs `n` times.
    for (n, warm) in [(OPTIMIZE_AFTER, false), (OPTIMIZE_AFTER + 3, true)] {
        let s = run_sum(Tier::Interp, n);
        // Same result from raw and optimized IR.
        let sum = (n as u64) * (n as u64 + 1) / 2;
        assert_eq!(reg(&s.cpu, 2), sum, "n = {n}");
        assert_eq!(s.mem.read_u64(DATA), sum, "n = {n}");
        let body = s.engine.cached(CODE + 16, 0).expect("translated");
        assert_eq!(
            body.opt.lock().expect("not poisoned").is_some(),
            warm,
            "n = {n}"
        );
        // Run once: cold code is never optimized.
        let head = s.engine.cached(CODE, 0).expect("translated");
        assert!(head.opt.lock().expect("not poisoned").is_none(), "n = {n}");
    }
}

/// Tier 0 pre-decodes a block on its second run, keeps that form while
/// the block is cold, and replaces it by the optimized block's form once
/// warm; a block run once is never decoded. Results are those of the IR.
#[test]
fn tier0_decodes_blocks_from_their_second_run() {
    use crate::OPTIMIZE_AFTER;
    // The loop body (CODE + 16) runs `n - 1` times (the first iteration
    // is part of the block at CODE).
    for (n, warm) in [
        (3, false),
        (OPTIMIZE_AFTER, false),
        (OPTIMIZE_AFTER + 3, true),
    ] {
        let s = run_sum(Tier::Interp, n);
        let sum = (n as u64) * (n as u64 + 1) / 2;
        assert_eq!(reg(&s.cpu, 2), sum, "n = {n}");
        assert_eq!(s.mem.read_u64(DATA), sum, "n = {n}");
        let body = s.engine.cached(CODE + 16, 0).expect("translated");
        let cold = body.cold_dec.lock().expect("not poisoned").is_some();
        assert_eq!(cold, !warm, "n = {n}: the cold form is kept until warm");
        assert_eq!(
            body.opt_dec.get().is_some_and(|d| d.is_some()),
            warm,
            "n = {n}"
        );
        let head = s.engine.cached(CODE, 0).expect("translated");
        assert!(head.cold_dec.lock().expect("not poisoned").is_none());
        assert!(head.opt_dec.get().is_none());
    }
}

/// A block keeps its unoptimized IR only while it has run once: from its
/// second run tier 0 runs the pre-decoded form, and once the block is warm
/// (or compiled at `-tier jit`) the optimized IR is made from a new
/// translation (or from the kept IR), after which neither unoptimized form
/// is kept; the optimized IR goes once the block's region is compiled, and
/// is made again (translating once more) when a region needs it. The
/// guest's results are the same throughout.
#[test]
fn blocks_keep_only_the_forms_still_needed() {
    use crate::OPTIMIZE_AFTER;
    // The loop body (CODE + 16) runs `n - 1` times.
    for (tier, n, opt_kept, optimized, retranslated) in [
        (Tier::Interp, 2, false, false, 0),
        (Tier::Interp, 3, false, false, 0),
        // The loop's two blocks (`if r0 == 0 goto loop` is the second).
        (Tier::Interp, OPTIMIZE_AFTER + 3, true, true, 2),
        (Tier::Jit, 3, false, true, 0),
    ] {
        let s = run_sum(tier, n);
        let sum = (n as u64) * (n as u64 + 1) / 2;
        assert_eq!(reg(&s.cpu, 2), sum, "{tier:?}, n = {n}");
        assert_eq!(s.mem.read_u64(DATA), sum, "{tier:?}, n = {n}");
        let body = s.engine.cached(CODE + 16, 0).expect("translated");
        let opt = body.opt.lock().expect("not poisoned").is_some();
        assert_eq!(opt, opt_kept, "{tier:?}, n = {n}");
        let ran_once = tier == Tier::Interp && n == 2;
        let cold = body.cold.lock().expect("not poisoned").is_some();
        assert_eq!(cold, ran_once, "{tier:?}, n = {n}");
        let decoded = body.cold_dec.lock().expect("not poisoned").is_some();
        assert_eq!(decoded, !optimized && !ran_once, "{tier:?}, n = {n}");
        let st = s.engine.stats();
        assert_eq!(st.blocks_retranslated, retranslated, "{tier:?}, n = {n}");
        // The head keeps the guest range and terminal all the same.
        assert!(body.block.guest_len > 0);
        assert!(
            matches!(body.block.term, xlat_ir::Terminal::Branch { taken, not_taken, .. }
                if (taken, not_taken) == (CODE + 32, CODE + 28)),
            "{tier:?}, n = {n}: {:?}",
            body.block.term
        );
        if tier == Tier::Jit {
            // Compiled again: the optimized IR is made from a new
            // translation, and dropped again once compiled.
            body.host.store(0, std::sync::atomic::Ordering::SeqCst);
            s.engine.compile_region(&body, xlat_jit::OptLevel::Speed);
            assert_ne!(body.host.load(std::sync::atomic::Ordering::SeqCst), 0);
            assert_eq!(s.engine.stats().blocks_retranslated, 1);
            assert!(body.opt.lock().expect("not poisoned").is_none());
        }
    }
}

#[test]
fn chunked_code_fetch_reads_and_faults_like_direct_fetches() {
    let mem = Arc::new(SoftMem::new());
    mem.map(CODE, R | X);
    mem.map(CODE + 0x1000, R | X);
    mem.map(CODE + 0x2000, R); // not executable
    let words: Vec<u32> = (0..0x800u32).map(|i| i.wrapping_mul(0x9e37_79b9)).collect();
    mem.write_code(CODE, &words);
    let memref: MemRef = mem.clone();
    let fetch = crate::engine::Fetch::new(&memref);
    // Forward, backward and page-crossing reads of several sizes, each
    // against a direct fetch of the same bytes.
    let mut addrs: Vec<u64> = (0..0x2010).step_by(4).map(|o| CODE + o).collect();
    addrs.extend([
        CODE + 0x40,
        CODE + 0x3e,
        CODE + 0xffe,
        CODE + 0x1ffd,
        CODE + 8,
    ]);
    for (k, &a) in addrs.iter().enumerate() {
        let len = [4, 2, 8, 1][k % 4];
        let (mut got, mut want) = (vec![0u8; len], vec![0u8; len]);
        let r = fetch.read_code(a, &mut got);
        let d = memref.fetch_code(a, &mut want);
        assert_eq!(r, d, "{a:#x}+{len}");
        if r.is_ok() {
            assert_eq!(got, want, "{a:#x}+{len}");
        }
    }
    // The first non-executable byte is the fault address.
    let mut b = [0u8; 4];
    let e = fetch.read_code(CODE + 0x1ffe, &mut b).unwrap_err();
    assert_eq!(e.addr, CODE + 0x2000);
}

#[test]
fn invalidating_a_range_without_code_keeps_every_block() {
    let mut s = setup(Tier::Interp, &sum_program(10));
    s.engine.run(&mut s.cpu);
    let translated = s.engine.stats().blocks_translated;
    assert!(translated >= 2);
    // Data pages, a range ending right before the code, and one far away.
    s.engine.invalidate(DATA, 0x2000);
    s.engine.invalidate(CODE - 0x1000, 0x1000);
    s.engine.invalidate(1 << 40, 1 << 30);
    assert_eq!(s.engine.stats().blocks_invalidated, 0);
    assert!(s.engine.cached(CODE, 0).is_some());
    // A huge range that covers the code (walked by page set, not by page).
    s.engine.invalidate(0, 1 << 40);
    assert!(s.engine.cached(CODE, 0).is_none());
    assert_eq!(s.engine.stats().blocks_invalidated, translated);
}

/// A loop of ten blocks: eight `r2 += 1` blocks ending in an always-taken
/// branch to the next instruction, the counter test, the back branch.
fn chain_program(n: u32) -> Vec<u32> {
    let mut p = vec![enc(LI, 1, 0, n)];
    for _ in 0..8 {
        p.push(enc(ADDI, 2, 2, 1));
        p.push(enc(BZ, 0, 0, 1));
    }
    p.push(enc(ADDI, 1, 1, 0xffff));
    p.push(enc(BZ, 0, 1, 2));
    p.push(enc(BZ, 0, 0, (-18i16) as u16 as u32));
    p.push(enc(SYS, 0, 0, 0));
    p
}

#[test]
fn quick_compilation_forms_smaller_regions_with_the_same_result() {
    use xlat_jit::OptLevel;
    let cases = [
        (OptLevel::Speed, 10.min(crate::MAX_REGION_BLOCKS), 0),
        (OptLevel::Quick, crate::QUICK_REGION_BLOCKS, 1),
    ];
    for (level, blocks, quick) in cases {
        let mut s = mixed(1000, &chain_program(600));
        s.engine.run(&mut s.cpu);
        assert_eq!(reg(&s.cpu, 2), 8 * 600);
        assert_eq!(s.engine.stats().regions_compiled, 0, "below the threshold");
        let head = s.engine.cached(CODE + 4, 0).expect("loop head translated");
        s.engine.compile_region(&head, level);
        let st = s.engine.stats();
        assert_eq!(st.regions_compiled, 1, "{level:?}: {st}");
        assert_eq!(st.blocks_compiled, blocks as u64, "{level:?}: {st}");
        assert_eq!(st.regions_quick, quick, "{level:?}: {st}");
        s.cpu.set(Reg(2), 0);
        s.cpu.set_pc(CODE);
        s.engine.run(&mut s.cpu);
        assert!(s.engine.stats().jit_dispatches >= 1, "{level:?}");
        assert_eq!(reg(&s.cpu, 2), 8 * 600, "{level:?}");
    }
}

/// A toy bytecode interpreter: `r1` rounds of a dispatch block (at
/// CODE+16) that jumps through `JR` to handler `r4` (at CODE+0x40 + 16 *
/// r4); handler `i` adds `i + 1` to `r2` and selects handler `(i + 1) % 3`;
/// a shared tail counts `r1` down and jumps back to the dispatcher.
fn dispatch_program(n: u32) -> Vec<u32> {
    let mut p = vec![
        enc(LI, 1, 0, n),
        enc(LI, 4, 0, 0),
        enc(LI, 6, 0, ((CODE + 0x40) & 0xffff) as u32),
        enc(LIH, 6, 0, (CODE >> 16) as u32),
        enc(ADD, 5, 4, 4 << 12), // 4: dispatch, r5 = CODE+0x40 + 16*r4
        enc(ADD, 5, 5, 5 << 12),
        enc(ADD, 5, 5, 5 << 12),
        enc(ADD, 5, 5, 5 << 12),
        enc(ADD, 5, 5, 6 << 12),
        enc(JR, 0, 5, 0),
        enc(ADDI, 1, 1, 0xffff), // 10: tail
        enc(BZ, 0, 1, back(11, 14)),
        enc(BZ, 0, 0, back(12, 4)),
        enc(SYS, 0, 0, 0),
        enc(SYS, 0, 0, 0), // 14: done
        enc(SYS, 0, 0, 0),
    ];
    for i in 0..3u32 {
        let at = p.len() as i32;
        p.push(enc(ADDI, 2, 2, i + 1));
        p.push(enc(LI, 4, 0, (i + 1) % 3));
        p.push(enc(BZ, 0, 0, back(at + 2, 10)));
        p.push(enc(SYS, 0, 0, 0));
    }
    p
}

/// Tier 0 records where the dispatch block's computed jump goes; the
/// region formed from it holds the handlers and the tail, and compiled it
/// runs the whole interpreter loop in one entry with the same result.
#[test]
fn computed_jump_targets_join_the_region() {
    let mut s = mixed(1000, &dispatch_program(300));
    s.engine.run(&mut s.cpu);
    assert_eq!(reg(&s.cpu, 2), 600);
    assert_eq!(s.engine.stats().regions_compiled, 0, "below the threshold");
    let d = s.engine.cached(CODE + 16, 0).expect("dispatch translated");
    let mut hot = d.hot_targets();
    hot.sort();
    assert_eq!(hot, [CODE + 0x40, CODE + 0x50, CODE + 0x60]);
    let tail = s.engine.cached(CODE + 40, 0).expect("tail translated");
    assert!(tail.hot_targets().is_empty(), "no computed jump");
    let region = s.engine.form_region(&d, crate::QUICK_REGION_BLOCKS);
    assert_eq!(region.len(), 1, "quick regions keep to constant successors");
    s.engine.compile_region(&d, xlat_jit::OptLevel::Speed);
    let st = s.engine.stats();
    // Dispatch, three handlers, the tail and the jump back.
    assert_eq!((st.regions_compiled, st.blocks_compiled), (1, 6), "{st}");
    s.cpu.set(Reg(2), 0);
    s.cpu.set_pc(CODE);
    s.engine.run(&mut s.cpu);
    assert_eq!(reg(&s.cpu, 2), 600);
    let st2 = s.engine.stats();
    assert_eq!(
        st2.jit_dispatches - st.jit_dispatches,
        1,
        "one entry ran the loop: {st2}"
    );
}

/// The region formed from a block inside a loop (a handler of
/// [`dispatch_program`]) closes the loop through its head (the dispatch
/// block) while the head is cold; once the head has a region of its own,
/// it stays out: an exit into that region, which holds the whole loop, so
/// the loop runs in the region entered at its head whichever block was
/// compiled first.
#[test]
fn region_from_a_loop_body_leaves_a_hot_head_to_its_own_region() {
    use xlat_jit::OptLevel;
    let pcs = |r: Vec<Arc<crate::engine::Tb>>| r.iter().map(|t| t.key.0).collect::<Vec<_>>();
    let mut s = mixed(1000, &dispatch_program(300));
    s.engine.run(&mut s.cpu);
    let h0 = s.engine.cached(CODE + 0x40, 0).expect("handler translated");
    let d = s.engine.cached(CODE + 16, 0).expect("dispatch translated");
    // Handler 0, the tail's two blocks, the dispatch block, the other
    // handlers.
    let cold = pcs(s.engine.form_region(&h0, crate::MAX_REGION_BLOCKS));
    assert_eq!(cold.len(), 6, "{cold:x?}");
    assert_eq!(cold[..4], [CODE + 0x40, CODE + 40, CODE + 48, CODE + 16]);
    s.engine.compile_region(&d, OptLevel::Quick);
    assert_eq!(
        pcs(s.engine.form_region(&h0, crate::MAX_REGION_BLOCKS)),
        [CODE + 0x40, CODE + 40, CODE + 48],
        "the tail's back edge to the compiled head is an exit"
    );
    // The head itself still closes its loop.
    let whole = pcs(s.engine.form_region(&d, crate::MAX_REGION_BLOCKS));
    assert_eq!(whole.len(), 6, "{whole:x?}");
    // Compiled in that order (the handler first), the loop computes the
    // same.
    s.engine.compile_region(&h0, OptLevel::Speed);
    let st = s.engine.stats();
    assert_eq!((st.regions_compiled, st.blocks_compiled), (2, 4), "{st}");
    s.cpu.set(Reg(2), 0);
    s.cpu.set_pc(CODE);
    s.engine.run(&mut s.cpu);
    assert_eq!(reg(&s.cpu, 2), 600);
}

/// Once an enclosing head has its region compiled at speed, whether that
/// region holds a block is read from the compiled region's blocks: the
/// same answer as a walk from the head gives, and neither the walk of the
/// region formed for a block of its loop nor that answer translates again
/// the compiled blocks whose IR went (before, every block of both walks was
/// optimized again: 6 retranslations here, and their IR stayed).
#[test]
fn compiled_head_answers_from_its_region_without_retranslating() {
    use xlat_jit::OptLevel;
    let mut s = mixed(1000, &dispatch_program(300));
    s.engine.run(&mut s.cpu);
    let d = s.engine.cached(CODE + 16, 0).expect("dispatch translated");
    let h0 = s.engine.cached(CODE + 0x40, 0).expect("handler translated");
    s.engine.compile_region(&d, OptLevel::Speed);
    assert_eq!(s.engine.stats().blocks_compiled, 6);
    let before = s.engine.stats().blocks_retranslated;
    let max = crate::MAX_REGION_BLOCKS;
    let walk = s.engine.grow_region(&d, max, false).0;
    assert_eq!(walk.len(), 6, "the walk holds the whole loop");
    let pcs = [0, 4, 16, 40, 48, 0x40, 0x50, 0x60].map(|o| CODE + o);
    let mut held = 0;
    for pc in pcs {
        let Some(t) = s.engine.cached(pc, 0) else {
            continue;
        };
        let in_walk = walk.iter().any(|w| w.key == t.key);
        assert_eq!(s.engine.head_region_holds(&d, &t, max), in_walk, "{pc:#x}");
        held += in_walk as usize;
    }
    assert_eq!(held, 6);
    let region: Vec<u64> = s
        .engine
        .form_region(&h0, max)
        .iter()
        .map(|t| t.key.0)
        .collect();
    assert_eq!(region, [CODE + 0x40, CODE + 40, CODE + 48], "head left out");
    assert_eq!(s.engine.stats().blocks_retranslated, before);
    assert!(
        d.opt.lock().expect("not poisoned").is_none(),
        "IR not made again"
    );
}

/// An inner loop's region keeps its outer loop even once the outer head
/// has a region of its own: the entry heads a loop itself.
#[test]
fn inner_loop_region_keeps_its_outer_loop() {
    let nested = [
        enc(LI, 1, 0, 900),
        enc(LI, 2, 0, 3),   // 1: outer head
        enc(ADDI, 3, 3, 1), // 2: inner head
        enc(ADDI, 2, 2, 0xffff),
        enc(BZ, 0, 2, 2),
        enc(BZ, 0, 0, back(5, 2)),
        enc(ADDI, 1, 1, 0xffff), // 6: outer latch
        enc(BZ, 0, 1, 2),
        enc(BZ, 0, 0, back(8, 1)),
        enc(SYS, 0, 0, 0),
    ];
    // Below the threshold (the inner head runs 1 800 times), every block
    // hot enough to join a region.
    let mut s = mixed(2000, &nested);
    s.engine.run(&mut s.cpu);
    assert_eq!(reg(&s.cpu, 3), 2700);
    assert_eq!(s.engine.stats().regions_compiled, 0);
    let outer = s.engine.cached(CODE + 4, 0).expect("outer head translated");
    let inner = s.engine.cached(CODE + 8, 0).expect("inner head translated");
    s.engine.compile_region(&outer, xlat_jit::OptLevel::Quick);
    let region = s.engine.form_region(&inner, crate::MAX_REGION_BLOCKS);
    assert!(
        region.iter().any(|t| t.key.0 == CODE + 4),
        "outer head kept"
    );
}

/// A quick region holds its entry and one successor: the one that ran more
/// often at tier 0, whichever side of the branch it is.
#[test]
fn quick_region_takes_the_hotter_successor() {
    let prog = [
        enc(LI, 1, 0, 900),
        enc(LI, 4, 0, 3),
        enc(LI, 0, 0, 0),
        enc(ADDI, 4, 4, 0xffff), // 3: entry, r4 counts 2, 1, 0
        enc(BZ, 0, 4, 4),        // taken (to 8) one pass in three
        enc(ADDI, 2, 2, 1),      // 5: not taken, two passes in three
        enc(BZ, 0, 0, 4),
        enc(SYS, 0, 0, 0),
        enc(LI, 4, 0, 3), // 8: taken side
        enc(ADDI, 5, 5, 1),
        enc(ADDI, 1, 1, 0xffff), // 10: join
        enc(BZ, 0, 1, 2),
        enc(BZ, 0, 0, back(12, 3)),
        enc(SYS, 0, 0, 0),
    ];
    let mut s = mixed(1000, &prog);
    s.engine.run(&mut s.cpu);
    assert_eq!((reg(&s.cpu, 2), reg(&s.cpu, 5)), (600, 300));
    assert_eq!(s.engine.stats().regions_compiled, 0, "below the threshold");
    let entry = s.engine.cached(CODE + 12, 0).expect("entry translated");
    let taken = s
        .engine
        .cached(CODE + 32, 0)
        .expect("taken side translated");
    // Both sides are hot enough to join a region.
    assert!(taken.hits.load(std::sync::atomic::Ordering::Relaxed) >= 1000 / 4);
    let region = s.engine.form_region(&entry, crate::QUICK_REGION_BLOCKS);
    let pcs: Vec<u64> = region.iter().map(|t| t.key.0).collect();
    assert_eq!(
        pcs,
        [CODE + 12, CODE + 20],
        "the fall-through ran 600 times, the taken side 300"
    );
}

/// Runs `chain_program` from the start with `r2` cleared; returns `r2`.
fn rerun_chain(s: &mut Setup) -> u64 {
    s.cpu.set(Reg(2), 0);
    s.cpu.set_pc(CODE);
    let exit = s.engine.run(&mut s.cpu);
    assert!(matches!(
        exit,
        Exit::Exception {
            kind: ExceptionKind::Syscall,
            ..
        }
    ));
    reg(&s.cpu, 2)
}

/// A chain_program engine (600 rounds) whose loop head region was compiled
/// at Quick by hand, then run once more.
fn quick_chain() -> (Setup, Arc<crate::engine::Tb>) {
    // Never queued by itself (at most 1 800 tier-0 runs), but every
    // block is hot enough to join a region.
    let mut s = mixed(2000, &chain_program(600));
    assert_eq!(rerun_chain(&mut s), 8 * 600);
    let head = s.engine.cached(CODE + 4, 0).expect("loop head translated");
    s.engine.compile_region(&head, xlat_jit::OptLevel::Quick);
    assert_eq!(s.engine.stats().regions_quick, 1);
    // Every round leaves the quick region and enters it again.
    assert_eq!(rerun_chain(&mut s), 8 * 600);
    (s, head)
}

#[test]
fn hot_quick_region_is_recompiled_at_speed_with_the_same_result() {
    use std::sync::atomic::Ordering::SeqCst;
    let (mut s, head) = quick_chain();
    let quick_code = head.host.load(SeqCst);
    assert_ne!(quick_code, 0);
    // 599 entries since compiled (the first round enters the loop in
    // the middle of the block at CODE): not hot enough for 601.
    assert_eq!(s.engine.recompile_hot(601), 0);
    assert_eq!(head.host.load(SeqCst), quick_code);
    // The count starts again from the last look: 599 more entries.
    assert_eq!(rerun_chain(&mut s), 8 * 600);
    assert_eq!(s.engine.recompile_hot(599), 1);
    let st = s.engine.stats();
    assert_eq!(st.regions_recompiled, 1, "{st}");
    assert_eq!(st.regions_compiled, 2, "{st}");
    assert_eq!(
        st.blocks_compiled,
        crate::QUICK_REGION_BLOCKS as u64 + 10,
        "the whole loop at Speed: {st}"
    );
    let speed_code = head.host.load(SeqCst);
    assert_ne!(speed_code, 0);
    assert_ne!(speed_code, quick_code, "the entry points to the new code");
    // The Speed code runs (one entry per run: the loop is inside it) and
    // computes the same; the quick generation holds only dead code now.
    let before = s.engine.stats();
    assert_eq!(rerun_chain(&mut s), 8 * 600);
    let st = s.engine.stats();
    assert_eq!(st.jit_dispatches, before.jit_dispatches + 1, "{st}");
    assert!(
        st.interp_dispatches - before.interp_dispatches <= 11,
        "only the first round at tier 0: {st}"
    );
    assert_eq!(st.generations_freed, 1, "{st}");
    // Speed regions have no entry counter: nothing more to recompile.
    assert_eq!(s.engine.recompile_hot(0), 0);
    assert_eq!(s.engine.stats().regions_recompiled, 1);
}

#[test]
fn invalidating_a_recompiled_region_drops_it() {
    use std::sync::atomic::Ordering::SeqCst;
    let (mut s, head) = quick_chain();
    assert_eq!(s.engine.recompile_hot(1), 1);
    assert_ne!(head.host.load(SeqCst), 0);
    // The counter test block (CODE + 68) is inside the recompiled region
    // only: the region dies with it, the entry block too.
    s.engine.invalidate(CODE + 68, 4);
    assert!(head.dead.load(SeqCst));
    assert_eq!(head.host.load(SeqCst), 0);
    assert!(s.engine.cached(CODE + 4, 0).is_none());
    let st = s.engine.stats();
    assert_eq!(st.generations_freed, 2, "quick and speed code: {st}");
    assert_eq!(s.engine.recompile_hot(0), 0, "nothing left to recompile");
    // Make the loop end after one round: the new code runs.
    s.mem.write_code(CODE + 68, &[enc(SYS, 0, 0, 0)]);
    let exit = {
        s.cpu.set(Reg(2), 0);
        s.cpu.set_pc(CODE);
        s.engine.run(&mut s.cpu)
    };
    assert_eq!(
        exit,
        Exit::Exception {
            kind: ExceptionKind::Syscall,
            pc: CODE + 72,
            info: 0
        }
    );
    assert_eq!(reg(&s.cpu, 2), 8, "one round only");
}

/// Every translated block keeps a `Tb` for the life of the process (tens of
/// thousands in python3): its IR forms are boxed, allocated only when made
/// (with the `Arc`'s counts, 184 bytes: a 192-byte malloc chunk; the
/// pre-decoded forms are one allocation each, whose pointers and lengths
/// the `Tb` holds).
#[test]
fn tb_stays_small() {
    let n = size_of::<crate::engine::Tb>();
    assert!(n <= 168, "Tb is {n} bytes");
}

/// What the dispatcher reads of every block (the key, the entry, the
/// tier-0 form, the counts and the flags that say why tier 0 runs it)
/// lies in the `Tb`'s first 64 bytes (two cache lines at most, whatever
/// the allocation's alignment; the fields were spread over 152 bytes
/// before).
#[test]
fn tb_dispatch_fields_come_first() {
    use crate::engine::Tb;
    use std::mem::offset_of;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize};
    let last = [
        offset_of!(Tb, key) + size_of::<(u64, u64)>(),
        offset_of!(Tb, host) + size_of::<AtomicUsize>(),
        offset_of!(Tb, opt_dec) + size_of::<OnceLock<Option<xlat_interp::Decoded>>>(),
        offset_of!(Tb, hits) + size_of::<AtomicU32>(),
        offset_of!(Tb, cold_runs) + size_of::<AtomicU32>(),
        offset_of!(Tb, dead) + size_of::<AtomicBool>(),
        offset_of!(Tb, queued) + size_of::<AtomicBool>(),
        offset_of!(Tb, member) + size_of::<AtomicBool>(),
        offset_of!(Tb, no_jit) + size_of::<AtomicBool>(),
    ];
    assert!(last.iter().all(|&e| e <= 64), "{last:?}");
}

/// `-d stats` tells tier-0 dispatches apart: below the threshold, queued
/// (the compiler's backlog), inside a region entered elsewhere, other.
#[test]
fn tier0_dispatches_are_told_apart() {
    let why = |st: &crate::Stats| [st.interp_queued, st.interp_in_region, st.interp_other];
    // Tier::Interp never compiles: every dispatch is "other".
    let s = run_sum(Tier::Interp, 100);
    let st = s.engine.stats();
    assert!(st.interp_dispatches > 100, "{st}");
    assert_eq!(why(&st), [0, 0, st.interp_dispatches], "{st}");

    // Never queued (at most 1 800 tier-0 runs per block): all below.
    let mut s = mixed(2000, &chain_program(600));
    assert_eq!(rerun_chain(&mut s), 8 * 600);
    let before = s.engine.stats();
    assert_eq!(why(&before), [0, 0, 0], "{before}");
    // The whole loop compiled from its head at CODE + 4: a run from CODE
    // (LI and the first add, then the next add's block at CODE + 12)
    // interprets the first block, then the nine blocks of the region up
    // to its head (entered from outside it), then the loop runs
    // compiled and leaves for the system call's block.
    let head = s.engine.cached(CODE + 4, 0).expect("loop head translated");
    s.engine.compile_region(&head, xlat_jit::OptLevel::Speed);
    assert_eq!(rerun_chain(&mut s), 8 * 600);
    let st = s.engine.stats();
    assert_eq!(st.interp_dispatches - before.interp_dispatches, 11, "{st}");
    assert_eq!(why(&st), [0, 9, 0], "{st}");

    // Queued at its 10th run: that dispatch and those after it until the
    // compiled code is installed count as queued. The compiler is held
    // for the run: a compiler faster than the guest thread (CI: it
    // compiled the loop before the 10th dispatch read the block's flags)
    // would leave nothing counted as queued.
    let mut s = mixed(10, &sum_program(1000));
    let held = s.engine.hold_compiler();
    s.engine.run(&mut s.cpu);
    assert_eq!(reg(&s.cpu, 2), 1000 * 1001 / 2);
    let st = s.engine.stats();
    assert!(st.interp_queued >= 1, "{st}");
    assert_eq!(st.interp_in_region, 0, "nothing compiled: {st}");
    assert_eq!(st.interp_other, 0, "{st}");
    assert!(
        st.interp_queued + st.interp_in_region + 9 <= st.interp_dispatches,
        "the first nine runs of the loop are below the threshold: {st}"
    );
    // A CPU that never compiles: "other".
    let mut child = s.engine.new_cpu();
    child.set_no_compile(true);
    child.set_pc(CODE);
    let before = s.engine.stats();
    s.engine.run(&mut child);
    let st = s.engine.stats();
    assert_eq!(
        st.interp_other - before.interp_other,
        st.interp_dispatches - before.interp_dispatches,
        "{st}"
    );
    drop(held);
}

/// A quick region that is one loop is entered once per run but counts
/// every iteration, so it is recompiled at Speed when it stays hot.
#[test]
fn quick_region_counts_the_iterations_of_its_loop() {
    // Nothing queued; the loop's blocks join a region (2 000 runs).
    let mut s = mixed(8000, &sum_program(5000));
    s.engine.run(&mut s.cpu);
    // The loop: the add block at CODE + 16 and the back branch.
    let head = s.engine.cached(CODE + 16, 0).expect("loop head translated");
    s.engine.compile_region(&head, xlat_jit::OptLevel::Quick);
    assert_eq!(s.engine.stats().blocks_compiled, 2);
    s.cpu.set_pc(CODE);
    s.engine.run(&mut s.cpu);
    assert_eq!(reg(&s.cpu, 2), 5000 * 5001 / 2);
    let st = s.engine.stats();
    assert_eq!(st.jit_dispatches, 1, "entered once: {st}");
    // 4 999 iterations after the first (interpreted) one: as many counts.
    assert_eq!(s.engine.recompile_hot(6000), 0);
    s.cpu.set_pc(CODE);
    s.engine.run(&mut s.cpu);
    assert_eq!(s.engine.recompile_hot(4000), 1, "{}", s.engine.stats());
    s.cpu.set_pc(CODE);
    s.engine.run(&mut s.cpu);
    assert_eq!(reg(&s.cpu, 2), 5000 * 5001 / 2);
}

/// A loop through a switch table of words right after its `SWT` (as
/// PowerPC's): `r1` selects word 0 or 1, each reaching a handler that
/// adds 1 or 100 to `r2`; `n` iterations. Returns the program and the
/// table's address.
fn word_table_program(n: u32, index: u32) -> (Vec<u32>, u64) {
    let table = CODE + 24;
    let word = |to: u64| (to - table) as u32;
    let p = vec![
        enc(LI, 0, 0, n),
        enc(LI, 1, 0, index),
        enc(LI, 3, 0, (table & 0xffff) as u32),
        enc(LIH, 3, 0, (table >> 16) as u32),
        enc(LI, 2, 0, 0),
        enc(SWT, 0, 1, 3 << 12), // 5: dispatch
        word(CODE + 0x40),       // 6: the table
        word(CODE + 0x60),
        enc(SYS, 0, 0, 0),
        enc(SYS, 0, 0, 0),
        enc(SYS, 0, 0, 0),
        enc(SYS, 0, 0, 0),
        enc(SYS, 0, 0, 0),
        enc(SYS, 0, 0, 0),
        enc(SYS, 0, 0, 0),
        enc(SYS, 0, 0, 0),
        enc(ADDI, 2, 2, 1), // 16: handler 0
        enc(ADDI, 0, 0, 0xffff),
        enc(BZ, 0, 0, back(18, 22)),
        enc(BZ, 0, 7, back(19, 5)),
        enc(SYS, 0, 0, 0),
        enc(SYS, 0, 0, 0),
        enc(SYS, 0, 0, 0), // 22: done
        enc(SYS, 0, 0, 0),
        enc(ADDI, 2, 2, 100), // 24: handler 1
        enc(ADDI, 0, 0, 0xffff),
        enc(BZ, 0, 0, back(26, 22)),
        enc(BZ, 0, 7, back(27, 5)),
    ];
    (p, table)
}

/// A region whose switch reads its table at compile time (`lower/
/// word_table.rs` in xlat-jit) depends on the words: a store into the
/// table (here `invalidate` of its 4 bytes, which the world's write
/// protection calls) drops the region although no block holds the
/// table, and the next run takes the new word.
#[test]
fn a_store_into_a_switch_table_drops_the_region_that_read_it() {
    let (prog, table) = word_table_program(300, 0);
    let mut s = mixed(1000, &prog);
    s.engine.run(&mut s.cpu);
    assert_eq!(reg(&s.cpu, 2), 300);
    let d = s.engine.cached(CODE + 20, 0).expect("dispatch translated");
    s.engine.compile_region(&d, xlat_jit::OptLevel::Speed);
    let st = s.engine.stats();
    assert_eq!(st.regions_compiled, 1, "{st}");
    s.cpu.set_pc(CODE);
    s.engine.run(&mut s.cpu);
    assert_eq!(reg(&s.cpu, 2), 300, "compiled");
    // Word 0 now reaches handler 1.
    s.mem.write_code(table, &[(CODE + 0x60 - table) as u32]);
    s.engine.invalidate(table, 4);
    assert!(
        d.dead.load(std::sync::atomic::Ordering::SeqCst),
        "region dropped"
    );
    s.cpu.set_pc(CODE);
    s.engine.run(&mut s.cpu);
    assert_eq!(reg(&s.cpu, 2), 300 * 100, "the new word");
}
