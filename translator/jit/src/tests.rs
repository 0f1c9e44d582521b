//! JIT tests: every op class compiled and compared against the interpreter
//! (the reference), memory in direct and soft mode, fault recovery through
//! the host signal handler, chaining, the jump cache, the stop word and code
//! reclamation.

use super::*;
use std::mem::offset_of;
use std::sync::Once;
use xlat_ir::abi::{DirectMem, FAULT_WRITE, Fault, FaultKind, GuestMemory, MemRef};
use xlat_ir::{
    Builder, Cond, CpuHeader, ExceptionKind, FCond, HelperDesc, HelperFlags, Lanes, MemFlags,
    NanRule, Opcode, Reg, RegInfo, RegKind, RmwOp, Terminal, Type, Value,
};

thread_local! {
    /// The Cranelift function last compiled on this thread, after
    /// Cranelift's optimizations (set by `compile_into`).
    pub(crate) static LAST_CLIF: std::cell::RefCell<String> =
        const { std::cell::RefCell::new(String::new()) };
    /// The host code of that function as Cranelift prints it (after
    /// register allocation), set by `compile_into`.
    pub(crate) static LAST_VCODE: std::cell::RefCell<String> =
        const { std::cell::RefCell::new(String::new()) };
}

#[repr(C, align(16))]
#[derive(Default)]
struct TState {
    hdr: CpuHeader,
    r: [u64; 8],
    pc: u64,
    v: [u128; 2],
    /// N, Z, C, V (registers 11-14).
    f: [u8; 4],
}

impl Clone for TState {
    /// Copies the registers; the header starts fresh.
    fn clone(&self) -> Self {
        TState {
            hdr: CpuHeader::default(),
            r: self.r,
            pc: self.pc,
            v: self.v,
            f: self.f,
        }
    }
}

macro_rules! regs {
    ($($i:literal),*) => {
        &[$(RegInfo {
            name: concat!("r", $i),
            offset: (offset_of!(TState, r) + 8 * $i) as u32,
            ty: Type::I64,
            kind: RegKind::Normal,
        },)*
        RegInfo { name: "pc", offset: offset_of!(TState, pc) as u32, ty: Type::I64, kind: RegKind::Pc },
        RegInfo { name: "v0", offset: offset_of!(TState, v) as u32, ty: Type::V128, kind: RegKind::Normal },
        RegInfo { name: "v1", offset: offset_of!(TState, v) as u32 + 16, ty: Type::V128, kind: RegKind::Normal },
        RegInfo { name: "nf", offset: offset_of!(TState, f) as u32, ty: Type::I8, kind: RegKind::Flag },
        RegInfo { name: "zf", offset: offset_of!(TState, f) as u32 + 1, ty: Type::I8, kind: RegKind::Flag },
        RegInfo { name: "cf", offset: offset_of!(TState, f) as u32 + 2, ty: Type::I8, kind: RegKind::Flag },
        RegInfo { name: "vf", offset: offset_of!(TState, f) as u32 + 3, ty: Type::I8, kind: RegKind::Flag },
        ]
    };
}

static REGS: &[RegInfo] = regs!(0, 1, 2, 3, 4, 5, 6, 7);
pub(crate) static LAYOUT: StateLayout = StateLayout {
    regs: REGS,
    pc: Reg(8),
    size: std::mem::size_of::<TState>(),
};
const V0: Reg = Reg(9);
const V1: Reg = Reg(10);
fn r(n: u16) -> Reg {
    Reg(n)
}

// ------------------------------------------------------------- memory

/// Guest memory directly mapped at a host reservation of `SIZE` bytes of
/// which the first `MAPPED` are read/write (the rest faults), followed by
/// an inaccessible guard area of `SIZE` bytes (the `GuestMemory::direct`
/// contract), and `guard` more bytes of guard on each side
/// ([`DirectMem::guard`]).
struct DMem {
    base: *mut u8,
    direct: bool,
    guard: usize,
}

// SAFETY: the mapping is plain memory shared like any guest memory.
unsafe impl Send for DMem {}
// SAFETY: as above.
unsafe impl Sync for DMem {}

const SIZE: usize = 0x10000;
const MAPPED: u64 = 0x8000;

impl DMem {
    fn new(direct: bool) -> DMem {
        DMem::guarded(direct, 0)
    }
    fn guarded(direct: bool, guard: usize) -> DMem {
        // SAFETY: fresh anonymous mapping, then the low half of the
        // window after the first guard made RW.
        unsafe {
            let p = libc::mmap(
                std::ptr::null_mut(),
                2 * SIZE + 2 * guard,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert_ne!(p, libc::MAP_FAILED);
            let p = p.add(guard);
            assert_eq!(
                libc::mprotect(p, MAPPED as usize, libc::PROT_READ | libc::PROT_WRITE),
                0
            );
            DMem {
                base: p as *mut u8,
                direct,
                guard,
            }
        }
    }
    fn check(&self, addr: u64, size: u8, write: bool) -> Result<*mut u8, Fault> {
        if addr.checked_add(size as u64).is_none_or(|e| e > MAPPED) {
            // Like the host: the reserved but inaccessible half of the
            // window is a protection fault, beyond it nothing is mapped.
            let at = addr.max(MAPPED);
            return Err(Fault {
                addr: at,
                kind: if at < SIZE as u64 {
                    FaultKind::Protection
                } else {
                    FaultKind::Unmapped
                },
                write,
            });
        }
        // SAFETY: in bounds of the mapped part.
        Ok(unsafe { self.base.add(addr as usize) })
    }
    fn snapshot(&self) -> Vec<u8> {
        // SAFETY: the mapped part is readable.
        unsafe { std::slice::from_raw_parts(self.base, MAPPED as usize).to_vec() }
    }
    fn restore(&self, s: &[u8]) {
        // SAFETY: as above.
        unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), self.base, s.len()) };
    }
}

impl Drop for DMem {
    fn drop(&mut self) {
        // SAFETY: our own mapping, guards included.
        unsafe {
            libc::munmap(
                self.base.sub(self.guard) as *mut libc::c_void,
                2 * SIZE + 2 * self.guard,
            )
        };
    }
}

impl GuestMemory for DMem {
    fn direct(&self) -> Option<DirectMem> {
        self.direct.then_some(DirectMem {
            base: self.base as u64,
            limit: SIZE as u64,
            guard: self.guard as u64,
        })
    }
    fn load(&self, addr: u64, size: u8) -> Result<u128, Fault> {
        let p = self.check(addr, size, false)?;
        let mut b = [0u8; 16];
        // SAFETY: checked range.
        unsafe { std::ptr::copy_nonoverlapping(p, b.as_mut_ptr(), size as usize) };
        Ok(u128::from_le_bytes(b))
    }
    fn store(&self, addr: u64, size: u8, v: u128) -> Result<(), Fault> {
        let p = self.check(addr, size, true)?;
        // SAFETY: checked range.
        unsafe { std::ptr::copy_nonoverlapping(v.to_le_bytes().as_ptr(), p, size as usize) };
        Ok(())
    }
    fn rmw(&self, addr: u64, size: u8, op: RmwOp, v: u64) -> Result<u64, Fault> {
        self.check(addr, size, true)?;
        xlat_ir::abi::rmw_by_load_store(self, addr, size, op, v)
    }
    fn cas(&self, addr: u64, size: u8, e: u128, n: u128) -> Result<u128, Fault> {
        self.check(addr, size, true)?;
        xlat_ir::abi::cas_by_load_store(self, addr, size, e, n)
    }
    fn fetch_code(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = self.load(addr + i as u64, 1)? as u8;
        }
        Ok(())
    }
}

// ------------------------------------------------------------- harness

static HANDLER: Once = Once::new();

extern "C" fn on_segv(sig: i32, info: *mut libc::siginfo_t, uctx: *mut libc::c_void) {
    // SAFETY: called by the kernel as an SA_SIGINFO handler.
    if unsafe { handle_host_fault(sig, info, uctx) } {
        return;
    }
    // Not ours: fall back to the default action.
    // SAFETY: resetting a signal disposition is async-signal-safe.
    unsafe { libc::signal(sig, libc::SIG_DFL) };
}

fn install_handler() {
    HANDLER.call_once(|| {
        // SAFETY: installing a process-wide SA_SIGINFO handler.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_segv as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(libc::SIGSEGV, &sa, std::ptr::null_mut());
            libc::sigaction(libc::SIGBUS, &sa, std::ptr::null_mut());
        }
    });
}

struct Env {
    mem: MemRef,
    dmem: std::sync::Arc<DMem>,
}

impl Env {
    fn new(direct: bool) -> Env {
        Env::with(DMem::new(direct))
    }
    fn with(dmem: DMem) -> Env {
        install_handler();
        let dmem = std::sync::Arc::new(dmem);
        Env {
            mem: dmem.clone(),
            dmem,
        }
    }
    fn prep(&self, st: &mut TState) {
        if let Some(d) = self.mem.direct() {
            st.hdr.mem_base = d.base;
            st.hdr.mem_limit = d.limit;
        } else {
            st.hdr.mem_base = 0;
            st.hdr.mem_limit = 0;
        }
        st.hdr.mem = &self.mem as *const MemRef as usize;
        st.hdr.mem_gen = self
            .mem
            .direct_generation()
            .map_or(0, |g| g as *const std::sync::atomic::AtomicU64 as usize);
    }
}

fn jit(chain: bool) -> Jit {
    Jit::new(&LAYOUT, JitOptions { chain, guard: 0 }).expect("jit")
}

fn run_interp(b: &Block, st: &mut TState, env: &Env) -> ExitCode {
    env.prep(st);
    let mut s = xlat_interp::Scratch::new();
    // SAFETY: `st` is a live TState matching LAYOUT.
    unsafe { xlat_interp::run_block(b, &LAYOUT, st as *mut TState as *mut u8, &*env.mem, &mut s) }
}

fn run_jit(region: &Region, st: &mut TState, env: &Env) -> ExitCode {
    env.prep(st);
    // SAFETY: live region, live state block.
    unsafe { enter(st as *mut TState as *mut u8, region.entry) }
}

/// Runs `region` like the dispatcher does: after `ExitCode::Retry`, the
/// blocks (looked up by PC in `blocks`) are interpreted from the snapshot
/// PC, at most `RETRY_BLOCKS` of them, until one does not continue.
/// Returns the final exit code and whether a retry happened.
fn run_jit_retrying(
    region: &Region,
    blocks: &[&Block],
    st: &mut TState,
    env: &Env,
) -> (ExitCode, bool) {
    let code = run_jit(region, st, env);
    if code != ExitCode::Retry {
        return (code, false);
    }
    assert!(
        blocks.iter().any(|b| b.pc == st.pc),
        "snapshot PC {:#x} is the start of a region block",
        st.pc
    );
    (interp_blocks(blocks, st, env, RETRY_BLOCKS), true)
}

/// Runs blocks at tier 0 from `st.pc`, each looked up by PC in `blocks`,
/// at most `max` of them: until one does not continue (its exit code is
/// returned) or the PC is none of theirs (`Continue`).
fn interp_blocks(blocks: &[&Block], st: &mut TState, env: &Env, max: usize) -> ExitCode {
    for _ in 0..max {
        let Some(b) = blocks.iter().find(|b| b.pc == st.pc) else {
            break;
        };
        let code = run_interp(b, st, env);
        if code != ExitCode::Continue {
            return code;
        }
    }
    ExitCode::Continue
}

/// How to compare a result register.
#[derive(Copy, Clone, PartialEq)]
enum Cmp {
    Exact,
    F32,
    F64,
}

fn same(a: u64, b: u64, c: Cmp) -> bool {
    match c {
        Cmp::Exact => a == b,
        Cmp::F32 => {
            a == b || (f32::from_bits(a as u32).is_nan() && f32::from_bits(b as u32).is_nan())
        }
        Cmp::F64 => a == b || (f64::from_bits(a).is_nan() && f64::from_bits(b).is_nan()),
    }
}

/// Runs `block` at both tiers from each initial state and compares the
/// whole visible state (registers, PC, exit, exception/fault info, memory).
fn compare(block: &Block, inits: &[TState], env: &Env, cmp: Cmp) {
    xlat_ir::verify(block, &LAYOUT).expect("test block verifies");
    // Both optimization levels give the interpreter's results.
    for level in [OptLevel::Speed, OptLevel::Quick] {
        compare_at(block, inits, env, cmp, level);
    }
}

fn compare_at(block: &Block, inits: &[TState], env: &Env, cmp: Cmp, level: OptLevel) {
    let mut j = jit(true);
    let region = j.compile_at(&[block], level).expect("compiles");
    let mem0 = env.dmem.snapshot();
    for init in inits {
        env.dmem.restore(&mem0);
        let mut a = init.clone();
        let ea = run_interp(block, &mut a, env);
        let mem_a = env.dmem.snapshot();
        env.dmem.restore(&mem0);
        let mut b = init.clone();
        let mut eb = run_jit(&region, &mut b, env);
        let ctx = || {
            format!(
                "{level:?}: {}\ninit r={:x?} v={:x?}",
                xlat_ir::print::print_block(block, &LAYOUT),
                init.r,
                init.v
            )
        };
        if eb == ExitCode::Retry && b.pc == init.pc {
            // A load faulted: `env` holds the snapshot at block entry (the
            // test blocks have no side effect before their loads), from
            // which the dispatcher re-runs the block at tier 0.
            assert_eq!((b.r, b.v), (init.r, init.v), "{}", ctx());
            assert!(env.dmem.snapshot() == mem0, "memory changed\n{}", ctx());
            eb = run_interp(block, &mut b, env);
        } else if eb == ExitCode::Retry {
            // An atomic faulted on the host as a read: the snapshot is the
            // one written right before it, at its own instruction, where
            // the re-run at tier 0 faults again: the checks below compare
            // it with the interpreter's fault state.
            eb = ExitCode::Fault;
        }
        let mem_b = env.dmem.snapshot();
        assert_eq!(ea, eb, "exit code\n{}", ctx());
        for i in 0..8 {
            assert!(
                same(a.r[i], b.r[i], if i == 2 { cmp } else { Cmp::Exact }),
                "r{i}: interp {:#x} jit {:#x}\n{}",
                a.r[i],
                b.r[i],
                ctx()
            );
        }
        assert_eq!(a.v, b.v, "vectors\n{}", ctx());
        assert_eq!(a.f, b.f, "flags\n{}", ctx());
        assert_eq!(a.pc, b.pc, "pc\n{}", ctx());
        if ea == ExitCode::Fault {
            // The host cannot tell whether a faulting locked
            // read-modify-write was a write (the page-fault error code
            // reports the read): compare the write bit for plain accesses.
            let atomic = block
                .insts
                .iter()
                .any(|i| matches!(i.op, Opcode::AtomicRmw | Opcode::AtomicCas));
            let m = if atomic { !FAULT_WRITE } else { u32::MAX };
            assert_eq!(
                a.hdr.fault_kind & m,
                b.hdr.fault_kind & m,
                "fault kind\n{}",
                ctx()
            );
            assert_eq!(a.hdr.exc_info, b.hdr.exc_info, "fault addr\n{}", ctx());
        }
        if ea == ExitCode::Exception {
            assert_eq!(a.hdr.exc_kind, b.hdr.exc_kind);
            assert_eq!(a.hdr.exc_info, b.hdr.exc_info);
        }
        assert!(mem_a == mem_b, "memory differs\n{}", ctx());
    }
}

/// Deterministic pseudo-random numbers (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Interesting 64-bit inputs plus random ones.
fn inputs() -> Vec<u64> {
    let mut v = vec![
        0,
        1,
        2,
        7,
        63,
        64,
        0x80,
        0xff,
        0x7fff,
        0x8000,
        0xffff,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0x1_0000_0000,
        i64::MAX as u64,
        i64::MIN as u64,
        u64::MAX,
        u64::MAX - 1,
    ];
    let mut r = Rng(0x1234_5678_9abc_def1);
    for _ in 0..12 {
        v.push(r.next());
    }
    v
}

fn states2() -> Vec<TState> {
    let ins = inputs();
    let mut out = Vec::new();
    for (i, &a) in ins.iter().enumerate() {
        for &b in ins.iter().skip(i % 3).step_by(3) {
            let mut s = TState::default();
            s.r[0] = a;
            s.r[1] = b;
            s.r[4] = a.rotate_left(17) ^ b;
            out.push(s);
        }
    }
    out
}

/// `r2 = zext(op(trunc(r0), trunc(r1)))` (128-bit: operands from r0:r4
/// and r1:r4, result low half to r2 and high half to r3).
fn bin_block(op: Opcode, ty: Type) -> Block {
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    let x = b.get(r(0));
    let y = b.get(r(1));
    let (x, y) = if ty == Type::I128 {
        let hi = b.get(r(4));
        let hi = b.zext(Type::I128, hi);
        let sh = b.iconst(Type::I64, 64);
        let sh = b.zext(Type::I128, sh);
        let hi = b.shl(hi, sh);
        let xx = b.zext(Type::I128, x);
        let yy = b.zext(Type::I128, y);
        (b.or(xx, hi), b.or(yy, hi))
    } else if ty == Type::I64 {
        (x, y)
    } else {
        (b.trunc(ty, x), b.trunc(ty, y))
    };
    let res = match op.shape() {
        xlat_ir::Shape::Bin => b.push(op, ty, [x, y, Value::NONE], 0),
        xlat_ir::Shape::Un => b.push(op, ty, [x, Value::NONE, Value::NONE], 0),
        _ => unreachable!(),
    };
    set_result(&mut b, res, ty);
    b.terminate(Terminal::Jump(0x1004));
    b.finish()
}

fn set_result(b: &mut Builder, res: Value, ty: Type) {
    if ty == Type::I128 {
        let lo = b.trunc(Type::I64, res);
        b.set(r(2), lo);
        let sh = b.iconst(Type::I64, 64);
        let sh = b.zext(Type::I128, sh);
        let hi = b.lshr(res, sh);
        let hi = b.trunc(Type::I64, hi);
        b.set(r(3), hi);
    } else if ty == Type::I64 {
        b.set(r(2), res);
    } else {
        let z = b.zext(Type::I64, res);
        b.set(r(2), z);
    }
}

const INT_TYPES: [Type; 5] = [Type::I8, Type::I16, Type::I32, Type::I64, Type::I128];

#[test]
fn integer_binary_and_unary_ops_match_interpreter() {
    let env = Env::new(true);
    let st = states2();
    for &op in Opcode::ALL {
        if !matches!(op.shape(), xlat_ir::Shape::Bin | xlat_ir::Shape::Un) {
            continue;
        }
        for ty in INT_TYPES {
            if ty == Type::I128 && matches!(op, Opcode::Umulh | Opcode::Smulh) {
                continue; // not defined at 128 bits
            }
            compare(&bin_block(op, ty), &st, &env, Cmp::Exact);
        }
    }
}

#[test]
fn compare_select_and_extensions_match_interpreter() {
    let env = Env::new(true);
    let st = states2();
    for ty in INT_TYPES {
        for c in Cond::ALL {
            let mut b = Builder::new(&LAYOUT, 0x1000);
            let x = b.get(r(0));
            let y = b.get(r(1));
            let (x, y) = if ty.bits() >= 64 {
                (b.zext(ty, x), b.zext(ty, y))
            } else {
                (b.trunc(ty, x), b.trunc(ty, y))
            };
            let k = b.icmp(c, x, y);
            let s = b.select(k, x, y);
            set_result(&mut b, s, ty);
            let kz = b.zext(Type::I64, k);
            b.set(r(5), kz);
            let sx = b.sext(Type::I128, x);
            let lo = b.trunc(Type::I64, sx);
            let sh = b.iconst(Type::I64, 3);
            let sh128 = b.zext(Type::I128, sh);
            let hi = b.ashr(sx, sh128);
            let hi = b.trunc(Type::I64, hi);
            let m = b.xor(lo, hi);
            b.set(r(6), m);
            b.terminate(Terminal::Branch {
                cond: k,
                taken: 0x2000,
                not_taken: 0x3000,
            });
            compare(&b.finish(), &st, &env, Cmp::Exact);
        }
    }
}

fn float_states() -> Vec<TState> {
    let f64s = [
        0.0f64,
        -0.0,
        1.0,
        -1.5,
        2.5,
        1e300,
        -1e300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        3.0e9,
        -3.0e9,
        1.0e19,
        255.9,
        -128.7,
        f64::MIN_POSITIVE / 4.0,
    ];
    let f32s = [
        0.0f32,
        -0.0,
        1.0,
        -1.5,
        2.5,
        3e38,
        f32::INFINITY,
        f32::NAN,
        3.0e9,
        -3.0e9,
        65535.5,
        -40000.0,
    ];
    let mut out = Vec::new();
    for (i, a) in f64s.iter().enumerate() {
        for b in f64s.iter().skip(i % 4).step_by(4) {
            let mut s = TState::default();
            s.r[0] = a.to_bits();
            s.r[1] = b.to_bits();
            s.r[4] = 2.0f64.to_bits();
            out.push(s);
        }
    }
    for (i, a) in f32s.iter().enumerate() {
        for b in f32s.iter().skip(i % 3).step_by(3) {
            let mut s = TState::default();
            s.r[0] = a.to_bits() as u64;
            s.r[1] = b.to_bits() as u64;
            s.r[4] = 2.0f32.to_bits() as u64;
            out.push(s);
        }
    }
    out
}

fn fvals(b: &mut Builder, ft: Type) -> (Value, Value, Value) {
    let it = Type::int(ft.bits());
    let mut f = |n: u16| {
        let x = b.get(r(n));
        let x = if it == Type::I64 { x } else { b.trunc(it, x) };
        b.bitcast(ft, x)
    };
    (f(0), f(1), f(4))
}

fn fresult(b: &mut Builder, v: Value, ft: Type) {
    let it = Type::int(ft.bits());
    let x = b.bitcast(it, v);
    let x = if it == Type::I64 {
        x
    } else {
        b.zext(Type::I64, x)
    };
    b.set(r(2), x);
}

#[test]
fn float_ops_match_interpreter() {
    let env = Env::new(true);
    let st = float_states();
    for ft in [Type::F32, Type::F64] {
        let cmp = if ft == Type::F32 { Cmp::F32 } else { Cmp::F64 };
        for &op in Opcode::ALL {
            let shape = op.shape();
            let mut b = Builder::new(&LAYOUT, 0x1000);
            let (x, y, z) = fvals(&mut b, ft);
            match shape {
                xlat_ir::Shape::FBin => {
                    let v = b.push(op, ft, [x, y, Value::NONE], 0);
                    fresult(&mut b, v, ft);
                }
                xlat_ir::Shape::FUn => {
                    let v = b.push(op, ft, [x, Value::NONE, Value::NONE], 0);
                    fresult(&mut b, v, ft);
                }
                xlat_ir::Shape::FTer => {
                    let v = b.push(op, ft, [x, y, z], 0);
                    fresult(&mut b, v, ft);
                }
                _ => continue,
            }
            b.terminate(Terminal::Jump(0));
            compare(&b.finish(), &st, &env, cmp);
        }
        for c in [FCond::Eq, FCond::Lt, FCond::Le, FCond::Uno] {
            let mut b = Builder::new(&LAYOUT, 0x1000);
            let (x, y, _) = fvals(&mut b, ft);
            let k = b.fcmp(c, x, y);
            let k = b.zext(Type::I64, k);
            b.set(r(2), k);
            b.terminate(Terminal::Jump(0));
            compare(&b.finish(), &st, &env, Cmp::Exact);
        }
        // Conversions to every integer width, both signs, and back.
        for it in [Type::I8, Type::I16, Type::I32, Type::I64] {
            for op in [Opcode::Fcvtzs, Opcode::Fcvtzu] {
                let mut b = Builder::new(&LAYOUT, 0x1000);
                let (x, _, _) = fvals(&mut b, ft);
                let v = b.push(op, it, [x, Value::NONE, Value::NONE], 0);
                set_result(&mut b, v, it);
                b.terminate(Terminal::Jump(0));
                compare(&b.finish(), &st, &env, Cmp::Exact);
            }
            for op in [Opcode::Scvtf, Opcode::Ucvtf] {
                let mut b = Builder::new(&LAYOUT, 0x1000);
                let x = b.get(r(1));
                let x = if it == Type::I64 { x } else { b.trunc(it, x) };
                let v = b.push(op, ft, [x, Value::NONE, Value::NONE], 0);
                fresult(&mut b, v, ft);
                b.terminate(Terminal::Jump(0));
                compare(&b.finish(), &states2(), &env, cmp);
            }
        }
        let other = if ft == Type::F32 {
            Type::F64
        } else {
            Type::F32
        };
        let mut b = Builder::new(&LAYOUT, 0x1000);
        let (x, _, _) = fvals(&mut b, ft);
        let v = b.fcvt(other, x);
        fresult(&mut b, v, other);
        b.terminate(Terminal::Jump(0));
        compare(
            &b.finish(),
            &st,
            &env,
            if other == Type::F32 {
                Cmp::F32
            } else {
                Cmp::F64
            },
        );
    }
}

/// `fnan` (inline NaN test, rule out of line) keeps exact NaN payloads:
/// every rule on quiet and signalling NaNs, infinities and zeros.
#[test]
fn fnan_rules_match_interpreter_exactly() {
    let env = Env::new(true);
    for (ft, vals) in [
        (
            Type::F64,
            [
                0x7ff8_0000_0000_0001u64,
                0xfff0_0000_0000_0002,
                0x7ff0_0000_0000_0000,
                0,
                0x3ff0_0000_0000_0000,
            ],
        ),
        (
            Type::F32,
            [
                0x7fc0_0001,
                0xff80_0002,
                0x7f80_0000,
                0x8000_0000,
                0x3f80_0000,
            ],
        ),
    ] {
        let mut st = Vec::new();
        for &a in &vals {
            for &b in &vals {
                for &c in &vals {
                    let mut s = TState::default();
                    (s.r[0], s.r[1], s.r[4]) = (a, b, c);
                    st.push(s);
                }
            }
        }
        for mode in 0..5 {
            let mut b = Builder::new(&LAYOUT, 0x1000);
            let (x, _, _) = fvals(&mut b, ft);
            let v = b.push(Opcode::Fround, ft, [x, Value::NONE, Value::NONE], mode);
            fresult(&mut b, v, ft);
            b.terminate(Terminal::Jump(0));
            compare(&b.finish(), &float_states(), &env, Cmp::Exact);
        }
        for rule in [NanRule::Arm, NanRule::ArmMul, NanRule::ArmMulAdd] {
            let mut b = Builder::new(&LAYOUT, 0x1000);
            let (x, y, z) = fvals(&mut b, ft);
            let v = b.push(Opcode::Fnan, ft, [x, y, z], rule as u64);
            fresult(&mut b, v, ft);
            b.terminate(Terminal::Jump(0));
            compare(&b.finish(), &st, &env, Cmp::Exact);
        }
    }
}

#[test]
fn vector_ops_match_interpreter() {
    let env = Env::new(true);
    let mut rng = Rng(99);
    let mut st = Vec::new();
    for i in 0..12 {
        let mut s = TState::default();
        let a = (rng.next() as u128) << 64 | rng.next() as u128;
        let b = if i % 3 == 0 {
            a ^ 0xff00
        } else {
            (rng.next() as u128) << 64 | rng.next() as u128
        };
        s.v = [a, b];
        s.r[0] = rng.next();
        st.push(s);
    }
    for l in [Lanes::I8x16, Lanes::I16x8, Lanes::I32x4, Lanes::I64x2] {
        for &op in Opcode::ALL {
            let mut b = Builder::new(&LAYOUT, 0x1000);
            let x = b.get(V0);
            let y = b.get(V1);
            let v = match op.shape() {
                xlat_ir::Shape::VBin => b.push(op, Type::V128, [x, y, Value::NONE], l as u64),
                xlat_ir::Shape::VUn => {
                    b.push(op, Type::V128, [x, Value::NONE, Value::NONE], l as u64)
                }
                xlat_ir::Shape::VSplat => {
                    let s = b.get(r(0));
                    b.vsplat(l, s)
                }
                xlat_ir::Shape::VExtract => {
                    let e = b.vextract(l, x, l.count() - 1);
                    set_result(&mut b, e, Type::int(l.lane_bits()));
                    x
                }
                xlat_ir::Shape::VInsert => {
                    let s = b.get(r(0));
                    let s = if l.lane_bits() == 64 {
                        s
                    } else {
                        b.trunc(Type::int(l.lane_bits()), s)
                    };
                    b.vinsert(l, x, s, 1)
                }
                _ => continue,
            };
            b.set(V0, v);
            b.terminate(Terminal::Jump(0));
            compare(&b.finish(), &st, &env, Cmp::Exact);
        }
    }
    // Shift amounts and EXT offsets in the immediate's upper bits.
    for l in [Lanes::I8x16, Lanes::I16x8, Lanes::I32x4, Lanes::I64x2] {
        for x in [1u64, 3, 7, 8, 15, 31, 33, 63] {
            for op in [
                Opcode::Vshl,
                Opcode::Vlshr,
                Opcode::Vashr,
                Opcode::Vext,
                Opcode::Vrev,
            ] {
                let mut b = Builder::new(&LAYOUT, 0x1000);
                let v = b.get(V0);
                let w = b.get(V1);
                let (args, x) = if op == Opcode::Vext {
                    ([v, w, Value::NONE], x % 16)
                } else if op == Opcode::Vrev {
                    ([v, Value::NONE, Value::NONE], x % 5)
                } else {
                    ([v, Value::NONE, Value::NONE], x % l.lane_bits() as u64)
                };
                let r = b.push(op, Type::V128, args, l as u64 | x << 8);
                b.set(V0, r);
                b.terminate(Terminal::Jump(0));
                compare(&b.finish(), &st, &env, Cmp::Exact);
            }
        }
    }
    // Byte lookups with indexes in and out of range (0..32), and variable
    // shifts: the second vector's bytes masked to 5 bits.
    for op in [
        Opcode::Vswizzle,
        Opcode::Vshlv,
        Opcode::Vlshrv,
        Opcode::Vashrv,
    ] {
        for l in [Lanes::I8x16, Lanes::I16x8, Lanes::I32x4, Lanes::I64x2] {
            let mut b = Builder::new(&LAYOUT, 0x1000);
            let v = b.get(V0);
            let w = b.get(V1);
            let k = b.i8(31);
            let m = b.vsplat(Lanes::I8x16, k);
            let w = b.vand(Lanes::I8x16, w, m);
            let r = b.push(op, Type::V128, [v, w, Value::NONE], l as u64);
            b.set(V0, r);
            b.terminate(Terminal::Jump(0));
            compare(&b.finish(), &st, &env, Cmp::Exact);
        }
    }
    // The low bits of a vector as a scalar (lowered as a lane read).
    for t in [Type::I8, Type::I16, Type::I32, Type::I64] {
        let mut b = Builder::new(&LAYOUT, 0x1000);
        let x = b.get(V0);
        let i = b.bitcast(Type::I128, x);
        let lo = b.trunc(t, i);
        set_result(&mut b, lo, t);
        b.terminate(Terminal::Jump(0));
        compare(&b.finish(), &st, &env, Cmp::Exact);
    }
    // A scalar written to a vector, upper lanes zero (lowered as a
    // scalar_to_vector), and the 64-bit (Q=0) clearing of the high half.
    for t in [Type::I8, Type::I16, Type::I32, Type::I64] {
        let mut b = Builder::new(&LAYOUT, 0x1000);
        let x = b.get(r(0));
        let x = if t == Type::I64 { x } else { b.trunc(t, x) };
        let w = b.zext(Type::I128, x);
        let v = b.bitcast(Type::V128, w);
        b.set(V1, v);
        let y = b.get(V0);
        let i = b.bitcast(Type::I128, y);
        let lo = b.trunc(Type::I64, i);
        let w = b.zext(Type::I128, lo);
        let v = b.bitcast(Type::V128, w);
        b.set(V0, v);
        b.terminate(Terminal::Jump(0));
        compare(&b.finish(), &st, &env, Cmp::Exact);
    }
    // Constants, and i128 <-> v128 bitcasts.
    let mut b = Builder::new(&LAYOUT, 0x1000);
    let c = b.iconst(Type::V128, 0x1122_3344_5566_7788);
    b.set(V1, c);
    let x = b.get(V0);
    let i = b.bitcast(Type::I128, x);
    let one = b.iconst(Type::I64, 1);
    let one = b.zext(Type::I128, one);
    let i = b.add(i, one);
    set_result(&mut b, i, Type::I128);
    let back = b.bitcast(Type::V128, i);
    b.set(V0, back);
    b.terminate(Terminal::Jump(0));
    compare(&b.finish(), &st, &env, Cmp::Exact);
}

/// A block doing `op` on guest memory at `r0` (value `r1`, expected `r4`).
fn mem_block(kind: u8, ty: Type, f: MemFlags, rop: RmwOp) -> Block {
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    let one = b.iconst(Type::I64, 1);
    b.set(r(5), one);
    b.insn_start(0x1004);
    let a = b.get(r(0));
    let v = b.get(r(1));
    let v = if ty == Type::I64 { v } else { b.trunc(ty, v) };
    let res = match kind {
        0 => Some(b.load(ty, a, f)),
        1 => {
            b.store(a, v, f);
            None
        }
        2 => Some(b.atomic_rmw(rop, a, v, f)),
        _ => {
            let e = b.get(r(4));
            let e = if ty == Type::I64 { e } else { b.trunc(ty, e) };
            Some(b.atomic_cas(a, e, v, f))
        }
    };
    if let Some(x) = res {
        set_result(&mut b, x, ty);
    }
    b.insn_start(0x1008);
    let two = b.iconst(Type::I64, 2);
    b.set(r(6), two);
    b.terminate(Terminal::Jump(0x100c));
    b.finish()
}

fn mem_states() -> Vec<TState> {
    let addrs = [
        0x100u64,
        0x1ff,
        0x7ff8,
        0x7ffc,
        0x7fff, // straddles into the unmapped half
        0x8000, // unmapped, inside the direct window: host fault
        0xfff8,
        0x10000, // beyond the direct limit: slow path
        u64::MAX - 3,
    ];
    let mut out = Vec::new();
    for a in addrs {
        for (v, e) in [
            (0x1122_3344_5566_7788u64, 0),
            (0xfedc_ba98_7654_3210, 0x8899_aabb_ccdd_eeff),
        ] {
            let mut s = TState::default();
            s.r[0] = a;
            s.r[1] = v;
            s.r[4] = e;
            s.r[5] = 0x55;
            s.r[6] = 0x66;
            out.push(s);
        }
    }
    out
}

fn fill_memory(env: &Env) {
    let mut rng = Rng(7);
    for a in (0..MAPPED).step_by(8) {
        env.mem.store(a, 8, rng.next() as u128).unwrap();
    }
    // Make some CAS succeed.
    env.mem.store(0x100, 8, 0x8899_aabb_ccdd_eeff).unwrap();
}

#[test]
fn memory_ops_match_interpreter_direct_and_soft() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let st = mem_states();
        for ty in [Type::I8, Type::I16, Type::I32, Type::I64] {
            let size = ty.bytes() as u8;
            for signed in [false, true] {
                for aligned in [false, true] {
                    let mut f = MemFlags::new(size);
                    if signed {
                        f = f.signed();
                    }
                    if aligned {
                        f = f.aligned();
                    }
                    compare(&mem_block(0, ty, f, RmwOp::Xchg), &st, &env, Cmp::Exact);
                    if !signed {
                        compare(&mem_block(1, ty, f, RmwOp::Xchg), &st, &env, Cmp::Exact);
                    }
                }
            }
            // Narrow load sign-extended into a wider type.
            if size < 8 {
                compare(
                    &mem_block(0, Type::I64, MemFlags::new(size).signed(), RmwOp::Xchg),
                    &st,
                    &env,
                    Cmp::Exact,
                );
            }
            for rop in [
                RmwOp::Xchg,
                RmwOp::Add,
                RmwOp::AndNot,
                RmwOp::Or,
                RmwOp::Xor,
                RmwOp::Smax,
                RmwOp::Smin,
                RmwOp::Umax,
                RmwOp::Umin,
                RmwOp::And,
            ] {
                let f = MemFlags::new(size).ordered(xlat_ir::Ordering::AcqRel);
                compare(&mem_block(2, ty, f, rop), &st, &env, Cmp::Exact);
            }
            compare(
                &mem_block(
                    3,
                    ty,
                    MemFlags::new(size).ordered(xlat_ir::Ordering::AcqRel),
                    RmwOp::Xchg,
                ),
                &st,
                &env,
                Cmp::Exact,
            );
        }
        // 128-bit loads and stores through v registers.
        let mut b = Builder::new(&LAYOUT, 0x1000);
        b.insn_start(0x1000);
        let a = b.get(r(0));
        let v = b.load(Type::V128, a, MemFlags::new(16));
        b.set(V1, v);
        let x = b.get(V0);
        let a8 = b.iconst(Type::I64, 0x40);
        let a2 = b.add(a, a8);
        b.store(a2, x, MemFlags::new(16));
        b.terminate(Terminal::Jump(0));
        compare(&b.finish(), &st, &env, Cmp::Exact);
    }
}

/// Many integer and vector values live across slow-path memory calls
/// (soft memory: every access calls the `preserve_all` thunks), and the
/// slow paths must leave every host register intact.
#[test]
fn values_survive_slow_path_calls() {
    let env = Env::new(false);
    fill_memory(&env);
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    let mut xs = Vec::new();
    for i in 0..8u16 {
        let x = b.get(r(i));
        let k = b.iconst(
            Type::I64,
            0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i as u64 + 1),
        );
        xs.push(b.mul(x, k));
    }
    let v0 = b.get(V0);
    let v1 = b.get(V1);
    let vs = b.vadd(Lanes::I32x4, v0, v1);
    let a = b.iconst(Type::I64, 0x100);
    let l1 = b.load(Type::I64, a, MemFlags::new(8));
    b.insn_start(0x1004);
    let a2 = b.iconst(Type::I64, 0x208);
    b.store(a2, xs[3], MemFlags::new(8));
    let l2 = b.load(Type::V128, a2, MemFlags::new(16));
    for (i, x) in xs.iter().enumerate() {
        let y = b.xor(*x, l1);
        b.set(r(i as u16), y);
    }
    let w = b.vadd(Lanes::I64x2, vs, l2);
    b.set(V1, w);
    b.set(V0, vs);
    b.terminate(Terminal::Jump(0x2000));
    compare(&b.finish(), &states2(), &env, Cmp::Exact);
}

#[test]
fn host_fault_in_compiled_code_recovers_with_exact_state() {
    let env = Env::new(true);
    let mut b = Builder::new(&LAYOUT, 0x4000);
    b.insn_start(0x4000);
    let x = b.iconst(Type::I64, 42);
    b.set(r(3), x);
    b.insn_start(0x4004);
    let a = b.get(r(0));
    let v = b.load(Type::I64, a, MemFlags::new(8));
    b.set(r(2), v);
    b.insn_start(0x4008);
    b.set(r(3), v);
    b.terminate(Terminal::Jump(0x400c));
    let block = b.finish();
    let mut j = jit(true);
    let region = j.compile(&[&block]).unwrap();
    for _ in 0..3 {
        let mut st = TState::default();
        st.r[0] = 0x9000; // PROT_NONE half of the direct window
        st.r[2] = 7;
        st.pc = 0x4000;
        let code = run_jit(&region, &mut st, &env);
        // The load wrote nothing back first: `env` is the snapshot at the
        // region entry, from which the dispatcher re-runs at tier 0.
        assert_eq!(code, ExitCode::Retry);
        assert_eq!((st.pc, st.r[3], st.r[2]), (0x4000, 0, 7));
        st.hdr.exc_info = 0;
        st.hdr.fault_kind = 0;
        let (code, retried) = run_jit_retrying(&region, &[&block], &mut st, &env);
        assert!(retried);
        assert_eq!(code, ExitCode::Fault);
        assert_eq!(st.pc, 0x4004);
        assert_eq!(st.r[3], 42, "register set before the fault is written back");
        assert_eq!(st.r[2], 7);
        assert_eq!(st.hdr.exc_info, 0x9000, "guest address");
        assert_eq!(
            st.hdr.fault_kind & !FAULT_WRITE,
            FaultKind::Protection as u32
        );
        // And the same code still runs normally afterwards.
        st.r[0] = 0x10;
        assert_eq!(run_jit(&region, &mut st, &env), ExitCode::Continue);
        assert_eq!(st.pc, 0x400c);
    }
}

unsafe extern "C" fn h_mix(env: *mut u8, a: u64, b: u64, c: u64) -> u64 {
    let st = env as *mut TState;
    // SAFETY: called with the live state block.
    unsafe {
        (*st).r[7] = (*st).r[6].wrapping_add(a);
        if c == 99 {
            (*st).hdr.helper_fault = 1;
            (*st).hdr.fault_kind = FaultKind::Unmapped as u32;
            (*st).hdr.exc_info = b;
        }
    }
    a.wrapping_mul(3) ^ b
}

static H_MIX: HelperDesc = HelperDesc {
    name: "xlat_jit_test_h_mix",
    func: h_mix,
    flags: HelperFlags::STATE_MEM,
};

#[test]
fn helpers_and_exceptions_match_interpreter() {
    let env = Env::new(true);
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    let x = b.get(r(0));
    let six = b.iconst(Type::I64, 600);
    b.set(r(6), six);
    b.insn_start(0x1004);
    let y = b.get(r(1));
    let c = b.get(r(4));
    let h = b.call_helper(&H_MIX, Type::I64, &[x, y, c]);
    let r7 = b.get(r(7));
    let s = b.add(h, r7);
    b.set(r(2), s);
    b.terminate(Terminal::Exception {
        kind: ExceptionKind::Breakpoint,
        pc: 0x1004,
        info: 0xbeef,
    });
    let mut st = states2();
    st[3].r[4] = 99;
    st[7].r[4] = 99;
    compare(&b.finish(), &st, &env, Cmp::Exact);
}

/// Runs `block` in both tiers from `init` (r0 = an address whose load
/// faults) and checks that the compiled block leaves with
/// `ExitCode::Retry` and a snapshot equal to the interpreter's state at
/// the faulting instruction (registers, PC, memory): the load follows a
/// side effect of an earlier instruction, so it is preceded by a snapshot
/// of its own instruction.
fn check_snapshot_at_faulting_load(block: &Block, init: &TState, env: &Env) {
    let mut j = jit(true);
    let region = j.compile(&[block]).unwrap();
    let mem0 = env.dmem.snapshot();
    let mut a = init.clone();
    assert_eq!(run_interp(block, &mut a, env), ExitCode::Fault);
    let mem_a = env.dmem.snapshot();
    env.dmem.restore(&mem0);
    let mut b = init.clone();
    assert_eq!(run_jit(&region, &mut b, env), ExitCode::Retry);
    assert_eq!((a.r, a.v, a.pc), (b.r, b.v, b.pc));
    assert!(env.dmem.snapshot() == mem_a, "the store happened once");
    env.dmem.restore(&mem0);
}

#[test]
fn loads_after_a_side_effect_fault_from_a_snapshot_of_their_instruction() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let mut init = TState::default();
        init.r[0] = 0x9000;
        init.r[1] = 0x1122;
        init.pc = 0x1000;
        // A store, then registers change, then a load faults.
        let mut b = Builder::new(&LAYOUT, 0x1000);
        b.insn_start(0x1000);
        let a = b.iconst(Type::I64, 0x100);
        let v = b.get(r(1));
        b.store(a, v, MemFlags::new(8));
        b.insn_start(0x1004);
        let k = b.iconst(Type::I64, 5);
        b.set(r(3), k);
        b.insn_start(0x1008);
        let p = b.get(r(0));
        let x = b.load(Type::I64, p, MemFlags::new(8));
        b.set(r(4), x);
        b.terminate(Terminal::Jump(0x100c));
        check_snapshot_at_faulting_load(&b.finish(), &init, &env);
        // A helper that writes state, then a load faults.
        let mut b = Builder::new(&LAYOUT, 0x1000);
        b.insn_start(0x1000);
        let x = b.get(r(1));
        let z = b.iconst(Type::I64, 0);
        let _ = b.call_helper(&H_MIX, Type::I64, &[x, z, z]);
        b.insn_start(0x1004);
        let p = b.get(r(0));
        let x = b.load(Type::I64, p, MemFlags::new(8));
        b.set(r(4), x);
        b.terminate(Terminal::Jump(0x1008));
        check_snapshot_at_faulting_load(&b.finish(), &init, &env);
    }
}

/// `pc: r[dst] = [r[addr]]; goto next`.
fn load_block(pc: u64, addr: u16, dst: u16, next: u64) -> Block {
    let mut b = Builder::new(&LAYOUT, pc);
    b.insn_start(pc);
    let p = b.get(r(addr));
    let v = b.load(Type::I64, p, MemFlags::new(8));
    b.set(r(dst), v);
    b.terminate(Terminal::Jump(next));
    b.finish()
}

/// Registers set after the last snapshot of a block are carried dirty
/// into the next block of the region (and only those: the ones written at
/// the snapshot are clean). When a load there faults, `env` must hold the
/// snapshot (taken at the load of 0x1004, after the store of 0x1000), and
/// the retry from it (a block translated from the snapshot PC) must end in
/// the interpreter's state.
#[test]
fn registers_set_after_a_mid_block_snapshot_are_carried_into_the_next_block() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        // A: store; load (a snapshot: after a side effect); r6 = 7 -> B.
        let tail = |b: &mut Builder| {
            b.insn_start(0x1004);
            let a = b.iconst(Type::I64, 0x108);
            let x = b.load(Type::I64, a, MemFlags::new(8));
            b.set(r(3), x);
            b.insn_start(0x1008);
            let k = b.iconst(Type::I64, 7);
            b.set(r(6), k);
            b.terminate(Terminal::Jump(0x2000));
        };
        let mut a = Builder::new(&LAYOUT, 0x1000);
        a.insn_start(0x1000);
        let k = a.iconst(Type::I64, 0x55);
        a.set(r(5), k);
        let p = a.iconst(Type::I64, 0x100);
        let v = a.get(r(1));
        a.store(p, v, MemFlags::new(8));
        tail(&mut a);
        let a = a.finish();
        // The block the dispatcher translates from the snapshot PC.
        let mut a2 = Builder::new(&LAYOUT, 0x1004);
        tail(&mut a2);
        let a2 = a2.finish();
        // B: r4 = [r0] (faults for r0 = 0x9000).
        let b = load_block(0x2000, 0, 4, 0x2004);
        let mut j = jit(true);
        let region = j.compile(&[&a, &b]).unwrap();
        let mut init = TState::default();
        init.r[0] = 0x9000;
        init.r[1] = 0x1122;
        init.r[6] = 0x66;
        init.pc = 0x1000;
        let mem0 = env.dmem.snapshot();
        // The interpreter, block by block.
        let mut si = init.clone();
        assert_eq!(run_interp(&a, &mut si, &env), ExitCode::Continue);
        assert_eq!(run_interp(&b, &mut si, &env), ExitCode::Fault);
        let mem_i = env.dmem.snapshot();
        env.dmem.restore(&mem0);
        let mut st = init.clone();
        assert_eq!(run_jit(&region, &mut st, &env), ExitCode::Retry);
        assert_eq!(
            (st.pc, st.r[5], st.r[6], st.r[3]),
            (0x1004, 0x55, 0x66, 0),
            "the snapshot at the load after the store"
        );
        assert_eq!(
            run_jit_retrying(&region, &[&a2, &b], &mut st, &env),
            (ExitCode::Fault, true)
        );
        assert_eq!((st.r, st.pc), (si.r, si.pc));
        assert!(env.dmem.snapshot() == mem_i, "the store happened once");
        env.dmem.restore(&mem0);
        // Without the fault, the exit writes back what A set after its
        // snapshot.
        let mut st = init.clone();
        st.r[0] = 0x10;
        assert_eq!(run_jit(&region, &mut st, &env), ExitCode::Continue);
        assert_eq!((st.r[6], st.r[5], st.pc), (7, 0x55, 0x2004));
        assert_eq!(st.r[4], env.mem.load(0x10, 8).unwrap() as u64);
        assert_eq!(st.r[3], env.mem.load(0x108, 8).unwrap() as u64);
        env.dmem.restore(&mem0);
    }
}

/// A load in the same guest instruction as a store that already happened
/// cannot be re-run from a snapshot: it faults exactly, like the
/// interpreter (`ExitCode::Fault`, the store done, PC of the instruction).
#[test]
fn load_in_the_instruction_of_a_store_faults_exactly() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let mut b = Builder::new(&LAYOUT, 0x1000);
        b.insn_start(0x1000);
        let k = b.iconst(Type::I64, 9);
        b.set(r(3), k);
        b.insn_start(0x1004);
        let a = b.iconst(Type::I64, 0x100);
        let v = b.get(r(1));
        b.store(a, v, MemFlags::new(8));
        let p = b.get(r(0));
        let x = b.load(Type::I64, p, MemFlags::new(8));
        b.set(r(4), x);
        b.terminate(Terminal::Jump(0x1008));
        let block = b.finish();
        let mut st = mem_states();
        st.iter_mut().for_each(|s| s.r[0] = 0x9000);
        st[1].r[0] = 0x10;
        compare(&block, &st, &env, Cmp::Exact);
        let mut j = jit(true);
        let region = j.compile(&[&block]).unwrap();
        let mut s = st[0].clone();
        assert_eq!(run_jit(&region, &mut s, &env), ExitCode::Fault);
        assert_eq!((s.pc, s.r[3]), (0x1004, 9));
    }
}

/// `pc: r0 += 1; r1 += r0; if r0 <u r2 goto pc else goto exit`.
fn counting_block(pc: u64, exit: u64) -> Block {
    let mut b = Builder::new(&LAYOUT, pc);
    b.insn_start(pc);
    let x = b.get(r(0));
    let one = b.iconst(Type::I64, 1);
    let x = b.add(x, one);
    b.set(r(0), x);
    let y = b.get(r(1));
    let y = b.add(y, x);
    b.set(r(1), y);
    let lim = b.get(r(2));
    let c = b.icmp(Cond::Ult, x, lim);
    b.terminate(Terminal::Branch {
        cond: c,
        taken: pc,
        not_taken: exit,
    });
    b.finish()
}

#[test]
fn loops_inside_a_region_and_chained_regions() {
    let env = Env::new(true);
    let mut j = jit(true);
    // One region: a self loop runs to completion in one entry.
    let blk = counting_block(0x100, 0x200);
    let region = j.compile(&[&blk]).unwrap();
    let mut st = TState::default();
    st.r[2] = 1000;
    assert_eq!(run_jit(&region, &mut st, &env), ExitCode::Continue);
    assert_eq!((st.r[0], st.r[1], st.pc), (1000, 500500, 0x200));
    assert_eq!(region.exits.len(), 1, "only the loop exit is chainable");
    assert_eq!(region.exits[0].target, 0x200);

    // Two regions chained through their exit slots: A -> B -> A ... -> exit.
    let mut ba = Builder::new(&LAYOUT, 0x300);
    let x = ba.get(r(0));
    let one = ba.iconst(Type::I64, 1);
    let x = ba.add(x, one);
    ba.set(r(0), x);
    ba.terminate(Terminal::Jump(0x400));
    let a = ba.finish();
    let mut bb = Builder::new(&LAYOUT, 0x400);
    let x = bb.get(r(0));
    let lim = bb.get(r(2));
    let c = bb.icmp(Cond::Ult, x, lim);
    bb.terminate(Terminal::Branch {
        cond: c,
        taken: 0x300,
        not_taken: 0x500,
    });
    let bblk = bb.finish();
    let ra = j.compile(&[&a]).unwrap();
    let rb = j.compile(&[&bblk]).unwrap();
    let mut st = TState::default();
    st.r[2] = 50;
    st.pc = 0x300;
    // Unchained: one block per entry.
    assert_eq!(run_jit(&ra, &mut st, &env), ExitCode::Continue);
    assert_eq!((st.r[0], st.pc), (1, 0x400));
    // Chain A->B and B->A.
    // SAFETY: slots and entries of live regions.
    unsafe {
        patch_slot(ra.exits[0].slot, rb.entry);
        let back = rb.exits.iter().find(|e| e.target == 0x300).unwrap();
        patch_slot(back.slot, ra.entry);
    }
    st.r[0] = 0;
    assert_eq!(run_jit(&ra, &mut st, &env), ExitCode::Continue);
    assert_eq!(
        (st.r[0], st.pc),
        (50, 0x500),
        "the whole loop ran in one entry"
    );
    // Unchain again: back to one block per entry (the slot now holds the
    // stub that returns `Continue`; a stale exit code must not survive).
    // SAFETY: as above.
    unsafe { patch_slot(ra.exits[0].slot, 0) };
    st.r[0] = 0;
    st.hdr.exit = ExitCode::Exception as u32;
    assert_eq!(run_jit(&ra, &mut st, &env), ExitCode::Continue);
    assert_eq!((st.r[0], st.pc), (1, 0x400));
}

/// A loop whose entry block loads through a register the loop advances:
/// when the load faults on a later iteration, the registers the previous
/// iterations set must be exact. The loop has no side effect, so its back
/// edge writes no snapshot: `env` keeps the one of the region entry and
/// the retry re-runs every iteration at tier 0.
#[test]
fn fault_after_loop_iterations_sees_registers_of_the_previous_ones() {
    let env = Env::new(true);
    fill_memory(&env);
    let mut b = Builder::new(&LAYOUT, 0x700);
    b.insn_start(0x700);
    let p = b.get(r(1));
    let v = b.load(Type::I64, p, MemFlags::new(8));
    b.set(r(3), v);
    b.insn_start(0x704);
    let n = b.get(r(0));
    let one = b.iconst(Type::I64, 1);
    let n = b.add(n, one);
    b.set(r(0), n);
    let step = b.iconst(Type::I64, 0x100);
    let p2 = b.add(p, step);
    b.set(r(1), p2);
    let t = b.get(r(2));
    let c = b.icmp(Cond::Ult, n, t);
    b.terminate(Terminal::Branch {
        cond: c,
        taken: 0x700,
        not_taken: 0x708,
    });
    let blk = b.finish();
    let mut j = jit(true);
    let region = j.compile(&[&blk]).unwrap();
    // Loads at 0x5300, 0x5400, ... 0x7f00 (45 of them) succeed, 0x8000
    // faults.
    let start = 0x5300;
    let n = (MAPPED - start) / 0x100;
    let mut st = TState::default();
    st.r[1] = start;
    st.r[2] = 100;
    st.pc = 0x700;
    assert_eq!(run_jit(&region, &mut st, &env), ExitCode::Retry);
    // The snapshot: the region entry (nothing was written back).
    assert_eq!((st.r[0], st.r[1], st.pc), (0, start, 0x700));
    assert_eq!(
        run_jit_retrying(&region, &[&blk], &mut st, &env),
        (ExitCode::Fault, true)
    );
    assert_eq!((st.r[0], st.r[1], st.pc), (n, 0x8000, 0x700));
    assert_eq!(st.r[3], env.mem.load(0x7f00, 8).unwrap() as u64);
    assert_eq!(st.hdr.exc_info, 0x8000);
    // The interpreter, block by block, ends in the same state.
    let mut si = TState::default();
    si.r[1] = start;
    si.r[2] = 100;
    while run_interp(&blk, &mut si, &env) == ExitCode::Continue {}
    assert_eq!(
        (si.r[0], si.r[1], si.r[3], si.pc),
        (st.r[0], st.r[1], st.r[3], st.pc)
    );
}

/// A register only written in one block of a region (never read before
/// being set) must have its value when a later block of the region
/// faults, and be untouched on paths that never set it. The fault is in a
/// load, so `env` holds the snapshot at region entry and the re-run at
/// tier 0 crosses the region's forward edges to the faulting block.
#[test]
fn output_registers_are_written_back_across_region_edges() {
    let env = Env::new(true);
    let mut a = Builder::new(&LAYOUT, 0x800);
    a.insn_start(0x800);
    let k = a.iconst(Type::I64, 0x55aa);
    a.set(r(5), k);
    let x = a.get(r(0));
    let z = a.iconst(Type::I64, 0);
    let c = a.icmp(Cond::Ne, x, z);
    a.terminate(Terminal::Branch {
        cond: c,
        taken: 0x900,
        not_taken: 0xa00,
    });
    let a = a.finish();
    let mut e = Builder::new(&LAYOUT, 0xa00);
    e.insn_start(0xa00);
    let k = e.iconst(Type::I64, 7);
    e.set(r(6), k);
    e.terminate(Terminal::Jump(0x900));
    let e = e.finish();
    let b = load_block(0x900, 1, 3, 0xb00);
    let mut j = jit(true);
    let region = j.compile(&[&a, &e, &b]).unwrap();
    for (r0, r6) in [(1u64, 0x66u64), (0, 7)] {
        let mut st = TState::default();
        st.r[0] = r0;
        st.r[1] = 0x9000;
        st.r[6] = 0x66;
        st.pc = 0x800;
        assert_eq!(run_jit(&region, &mut st, &env), ExitCode::Retry);
        assert_eq!(
            (st.r[5], st.r[6], st.pc),
            (0, 0x66, 0x800),
            "entry snapshot"
        );
        assert_eq!(
            run_jit_retrying(&region, &[&a, &e, &b], &mut st, &env),
            (ExitCode::Fault, true)
        );
        assert_eq!((st.r[5], st.r[6], st.pc), (0x55aa, r6, 0x900));
    }
}

#[test]
fn nochain_never_leaves_through_slots() {
    let env = Env::new(true);
    let mut j = jit(false);
    let blk = counting_block(0x100, 0x200);
    let region = j.compile(&[&blk]).unwrap();
    assert!(region.exits.is_empty());
    let mut st = TState::default();
    st.r[2] = 10;
    assert_eq!(run_jit(&region, &mut st, &env), ExitCode::Continue);
    assert_eq!(st.r[0], 10);
}

#[test]
fn computed_jumps_use_the_jump_cache() {
    let env = Env::new(true);
    let mut j = jit(true);
    let mut ba = Builder::new(&LAYOUT, 0x600);
    let x = ba.get(r(0));
    let one = ba.iconst(Type::I64, 1);
    let x = ba.add(x, one);
    ba.set(r(0), x);
    let t = ba.get(r(5));
    ba.terminate(Terminal::JumpIndirect(t));
    let a = ba.finish();
    let mut bb = Builder::new(&LAYOUT, 0x700);
    let x = bb.get(r(0));
    let ten = bb.iconst(Type::I64, 100);
    let x = bb.add(x, ten);
    bb.set(r(0), x);
    bb.terminate(Terminal::Exception {
        kind: ExceptionKind::Syscall,
        pc: 0x704,
        info: 0,
    });
    let bblk = bb.finish();
    let ra = j.compile(&[&a]).unwrap();
    let rb = j.compile(&[&bblk]).unwrap();
    let mut cache = vec![JumpCacheEntry::default(); JUMP_CACHE_ENTRIES];
    let mut st = TState::default();
    st.r[5] = 0x700;
    st.hdr.jump_cache = cache.as_mut_ptr() as usize;
    assert_eq!(run_jit(&ra, &mut st, &env), ExitCode::Continue, "miss");
    assert_eq!((st.r[0], st.pc), (1, 0x700));
    cache[jump_cache_index(0x700)] = JumpCacheEntry {
        pc: 0x700,
        code: rb.entry as u64,
    };
    st.r[0] = 0;
    st.hdr.jump_cache = cache.as_mut_ptr() as usize;
    assert_eq!(run_jit(&ra, &mut st, &env), ExitCode::Exception, "hit");
    assert_eq!((st.r[0], st.pc), (101, 0x704));
    // An entry for another PC in the same slot is not used.
    st.r[5] = 0x700 + 4 * JUMP_CACHE_ENTRIES as u64;
    st.r[0] = 0;
    assert_eq!(run_jit(&ra, &mut st, &env), ExitCode::Continue);
    assert_eq!(st.r[0], 1);
    // An empty entry holds the stub (the lowering does not test `code`),
    // so a jump to its PC, 0, is a miss too.
    assert_eq!(
        JumpCacheEntry::default().code,
        crate::runtime::xlat_jit_unchained_asm as *const () as u64
    );
    st.r[5] = 0;
    st.r[0] = 0;
    assert_eq!(run_jit(&ra, &mut st, &env), ExitCode::Continue, "empty");
    assert_eq!((st.r[0], st.pc), (1, 0));
}

#[test]
fn stop_word_interrupts_a_compiled_loop() {
    let env = Env::new(true);
    let mut j = jit(true);
    let blk = counting_block(0x100, 0x200);
    let region = j.compile(&[&blk]).unwrap();
    let mut st = Box::new(TState::default());
    st.r[2] = u64::MAX;
    let stop_addr = &st.hdr.stop as *const std::sync::atomic::AtomicU32 as usize;
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(30));
        // SAFETY: the state outlives the thread (joined below).
        unsafe { &*(stop_addr as *const std::sync::atomic::AtomicU32) }
            .store(1, std::sync::atomic::Ordering::SeqCst);
    });
    assert_eq!(run_jit(&region, &mut st, &env), ExitCode::Stopped);
    t.join().unwrap();
    assert!(st.r[0] > 0);
    assert_eq!(st.pc, 0x100, "PC is the next block");
    assert_eq!(
        st.r[1],
        st.r[0].wrapping_mul(st.r[0].wrapping_add(1)) / 2,
        "registers written back"
    );
}

#[test]
fn dead_generations_are_freed_after_quiescence() {
    let env = Env::new(true);
    let mut j = jit(true);
    let blocks: Vec<Block> = (0..4)
        .map(|i| counting_block(0x100 * (i + 1), 0x10))
        .collect();
    let regions: Vec<Region> = blocks.iter().map(|b| j.compile(&[b]).unwrap()).collect();
    assert_eq!(j.live_generations(), 1);
    let mut st = TState::default();
    st.r[2] = 3;
    run_jit(&regions[2], &mut st, &env);
    assert_eq!(st.r[0], 3);
    for r in &regions[..3] {
        j.retire(r.generation, 5);
    }
    assert_eq!(j.reclaim(100), 0, "one region still live");
    j.retire(regions[3].generation, 5);
    assert_eq!(j.reclaim(5), 0, "a CPU may still run epoch-5 code");
    assert!(runtime::in_code(regions[0].entry));
    assert_eq!(j.reclaim(6), 1);
    assert_eq!(j.live_generations(), 0);
    assert!(!runtime::in_code(regions[0].entry), "code range forgotten");
    // New code goes to a new generation.
    let r = j.compile(&[&blocks[0]]).unwrap();
    assert_ne!(r.generation, regions[0].generation);
    st.r[0] = 0;
    run_jit(&r, &mut st, &env);
    assert_eq!(st.r[0], 3);
}

#[test]
fn bad_regions_are_rejected_not_compiled() {
    let mut j = jit(true);
    assert!(j.compile(&[]).is_err());
    let mut b = Builder::new(&LAYOUT, 0);
    let _ = b.iconst(Type::I64, 1);
    let unterminated = b.finish();
    assert!(matches!(
        j.compile(&[&unterminated]),
        Err(JitError::BadRegion(_))
    ));
}

// ------------------------------------------- computed jumps inside a region

/// Emits `r0 += 1`; returns the new value.
fn incr_r0(b: &mut Builder) -> Value {
    let x = b.get(r(0));
    let one = b.iconst(Type::I64, 1);
    let x = b.add(x, one);
    b.set(r(0), x);
    x
}

/// Ends the block with `r0 < r2 ? back : out`.
fn loop_while_below_r2(b: &mut Builder, back: u64, out: u64) {
    let x = b.get(r(0));
    let lim = b.get(r(2));
    let c = b.icmp(Cond::Ult, x, lim);
    b.terminate(Terminal::Branch {
        cond: c,
        taken: back,
        not_taken: out,
    });
}

/// A dispatch block at 0x1000 (`r0 += 1`, then a computed jump to
/// `0x2000 + 0x100 * (r0 & 7)`, a bytecode interpreter's `br`) and its
/// handlers: handler `i` at `0x2000 + 0x100 * i` does `r1 = r1 * 3 + i + 1`
/// and jumps back to the dispatcher while `r0 < r2`, else to 0x3000.
fn dispatch_blocks(handlers: u64) -> Vec<Block> {
    let mut d = Builder::new(&LAYOUT, 0x1000);
    d.insn_start(0x1000);
    let x = incr_r0(&mut d);
    let seven = d.iconst(Type::I64, 7);
    let i = d.and(x, seven);
    let eight = d.iconst(Type::I64, 8);
    let off = d.shl(i, eight);
    let base = d.iconst(Type::I64, 0x2000);
    let t = d.add(base, off);
    d.terminate(Terminal::JumpIndirect(t));
    let mut out = vec![d.finish()];
    for i in 0..handlers {
        let pc = 0x2000 + 0x100 * i;
        let mut h = Builder::new(&LAYOUT, pc);
        h.insn_start(pc);
        let y = h.get(r(1));
        let three = h.iconst(Type::I64, 3);
        let y = h.mul(y, three);
        let k = h.iconst(Type::I64, i + 1);
        let y = h.add(y, k);
        h.set(r(1), y);
        loop_while_below_r2(&mut h, 0x1000, 0x3000);
        out.push(h.finish());
    }
    out
}

/// [`run_jit`] with an empty jump cache (computed jumps leaving the region
/// look it up).
fn run_jit_jc(region: &Region, st: &mut TState, env: &Env) -> ExitCode {
    let mut cache = vec![JumpCacheEntry::default(); JUMP_CACHE_ENTRIES];
    st.hdr.jump_cache = cache.as_mut_ptr() as usize;
    let code = run_jit(region, st, env);
    st.hdr.jump_cache = 0;
    code
}

/// Runs blocks at tier 0 from `st.pc` while the PC is one of theirs;
/// each must continue.
fn interp_until_outside(blocks: &[&Block], st: &mut TState, env: &Env) {
    let code = interp_blocks(blocks, st, env, usize::MAX);
    assert_eq!(code, ExitCode::Continue, "at {:#x}", st.pc);
}

/// A region holding a dispatch block and five of its eight handlers, with
/// the handlers as hinted targets (plus one outside PC): targets inside
/// the region are reached without leaving it (one entry runs the loop until
/// the selector picks a handler outside the region), targets outside leave
/// with the state exact. With two hinted handlers the jump is a compare
/// chain, with five a `br_table`; without hints every jump leaves.
#[test]
fn computed_jumps_continue_inside_the_region() {
    let env = Env::new(true);
    let blocks = dispatch_blocks(5);
    let refs: Vec<&Block> = blocks.iter().collect();
    for (hinted, runs_to) in [(5u64, 0x2500u64), (2, 0x2200), (0, 0x2000)] {
        for chain in [true, false] {
            let mut hints: Vec<u64> = (0..hinted).map(|i| 0x2000 + 0x100 * i).collect();
            hints.push(0x2700);
            let targets = vec![if hinted == 0 { Vec::new() } else { hints }];
            let mut j = jit(chain);
            let region = j
                .compile_with(&refs, &targets, OptLevel::Speed)
                .expect("compiles");
            let mut init = TState::default();
            init.r[0] = 7; // the first jump goes to handler 0
            init.r[1] = 5;
            init.r[2] = 100;
            init.pc = 0x1000;
            let mut st = init.clone();
            assert_eq!(run_jit_jc(&region, &mut st, &env), ExitCode::Continue);
            assert_eq!(st.pc, runs_to, "hinted {hinted}: where one entry stops");
            // The interpreter from the same state to the same PC.
            let mut si = init.clone();
            let upto: Vec<&Block> = refs.iter().copied().filter(|b| b.pc != runs_to).collect();
            interp_until_outside(&upto, &mut si, &env);
            assert_eq!((st.r, st.pc), (si.r, si.pc), "hinted {hinted}");
            // Continuing through the interpreter reaches the same end.
            let mut sj = st.clone();
            interp_until_outside(&refs, &mut sj, &env);
            interp_until_outside(&refs, &mut si, &env);
            assert_eq!((sj.r, sj.pc), (si.r, si.pc));
        }
    }
}

/// A computed jump back to its own block is a back edge: it checks the
/// stop word (the loop stops after one iteration with the state written
/// back) and otherwise runs the whole loop in one entry.
#[test]
fn computed_back_edge_inside_the_region_checks_the_stop_word() {
    let env = Env::new(true);
    let mut b = Builder::new(&LAYOUT, 0x1000);
    b.insn_start(0x1000);
    let x = incr_r0(&mut b);
    let lim = b.get(r(2));
    let c = b.icmp(Cond::Ult, x, lim);
    let again = b.iconst(Type::I64, 0x1000);
    let out = b.iconst(Type::I64, 0x1100);
    let t = b.select(c, again, out);
    b.terminate(Terminal::JumpIndirect(t));
    let blk = b.finish();
    let mut j = jit(true);
    let region = j
        .compile_with(&[&blk], &[vec![0x1000]], OptLevel::Speed)
        .unwrap();
    let mut st = TState::default();
    st.r[2] = 1000;
    st.pc = 0x1000;
    assert_eq!(run_jit_jc(&region, &mut st, &env), ExitCode::Continue);
    assert_eq!((st.r[0], st.pc), (1000, 0x1100), "the loop stayed inside");
    let mut st = TState::default();
    st.r[2] = 1000;
    st.pc = 0x1000;
    st.hdr.stop.store(1, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(run_jit_jc(&region, &mut st, &env), ExitCode::Stopped);
    assert_eq!((st.r[0], st.pc), (1, 0x1000), "stopped at the back edge");
}

/// A return whose target is the return address of a call in the same
/// region continues inside it (no hint needed); a return elsewhere leaves.
#[test]
fn returns_to_a_call_of_the_region_stay_inside() {
    let env = Env::new(true);
    // 0x4000: r7 = 0x4004; call 0x5000.
    let mut c = Builder::new(&LAYOUT, 0x4000);
    c.insn_start(0x4000);
    let ra = c.iconst(Type::I64, 0x4004);
    c.set(r(7), ra);
    c.terminate(Terminal::Call {
        target: 0x5000,
        ret: 0x4004,
    });
    let c = c.finish();
    // 0x5000: r0 += 1; return to r7.
    let mut f = Builder::new(&LAYOUT, 0x5000);
    f.insn_start(0x5000);
    incr_r0(&mut f);
    let t = f.get(r(7));
    f.terminate(Terminal::Return(t));
    let f = f.finish();
    // 0x4004: loop while r0 < r2, else 0x4100.
    let mut k = Builder::new(&LAYOUT, 0x4004);
    k.insn_start(0x4004);
    loop_while_below_r2(&mut k, 0x4000, 0x4100);
    let k = k.finish();
    let mut j = jit(true);
    let region = j.compile(&[&c, &f, &k]).unwrap();
    let mut st = TState::default();
    st.r[2] = 50;
    st.pc = 0x4000;
    assert_eq!(run_jit_jc(&region, &mut st, &env), ExitCode::Continue);
    assert_eq!((st.r[0], st.r[7], st.pc), (50, 0x4004, 0x4100));
    // Entered at the callee with another return address: it leaves.
    let mut st = TState::default();
    st.r[2] = 50;
    st.r[7] = 0x6000;
    st.pc = 0x5000;
    let region = j.compile(&[&f, &k, &c]).unwrap();
    assert_eq!(run_jit_jc(&region, &mut st, &env), ExitCode::Continue);
    assert_eq!((st.r[0], st.pc), (1, 0x6000));
}

/// One guest instruction of a test block: its PC and what it emits
/// (inputs read from registers, so a block can start at any of them).
type Insn<'a> = (u64, &'a dyn Fn(&mut Builder));

/// The block of `insns` from the one at `from` on, ending in `term`.
fn insn_block(insns: &[Insn], from: u64, term: Terminal) -> Block {
    insn_block_with(insns, from, &|_| term)
}

/// The block of `insns` from the one at `from` on, ending in the terminal
/// that `term` emits (a branch needs a condition value).
fn insn_block_with(insns: &[Insn], from: u64, term: &dyn Fn(&mut Builder) -> Terminal) -> Block {
    let mut b = Builder::new(&LAYOUT, from);
    for (pc, emit) in insns.iter().filter(|(pc, _)| *pc >= from) {
        b.insn_start(*pc);
        emit(&mut b);
    }
    let t = term(&mut b);
    b.terminate(t);
    b.finish()
}

/// Compiles the block of `insns` (from the first) and checks its first
/// exit from `init` (`first`, leaving the snapshot (PC, r3) `snap` in
/// `env`); then, retrying like the dispatcher (from a block translated at
/// the snapshot PC), that it ends in exactly the state in which the
/// interpreter raises the fault from `init` on the same memory:
/// registers, PC, fault address and kind, memory. Returns that state,
/// with memory left as the compiled run wrote it.
fn fault_matches_interp(
    insns: &[Insn],
    term: Terminal,
    init: &TState,
    env: &Env,
    first: ExitCode,
    snap: (u64, u64),
) -> TState {
    let blk = insn_block(insns, init.pc, term);
    xlat_ir::verify(&blk, &LAYOUT).expect("test block verifies");
    let mut j = jit(true);
    let region = j.compile(&[&blk]).unwrap();
    let mem0 = env.dmem.snapshot();
    let mut a = init.clone();
    let mut code = ExitCode::Continue;
    for _ in 0..100_000 {
        assert_eq!(a.pc, blk.pc, "the interpreter stays in the block");
        code = run_interp(&blk, &mut a, env);
        if code != ExitCode::Continue {
            break;
        }
    }
    assert_eq!(code, ExitCode::Fault, "the interpreter faults");
    let mem_a = env.dmem.snapshot();
    env.dmem.restore(&mem0);
    let mut b = init.clone();
    assert_eq!(run_jit(&region, &mut b, env), first, "first exit");
    assert_eq!((b.pc, b.r[3]), snap, "snapshot (PC, r3) in env");
    let tail = insn_block(insns, b.pc, term);
    let mut b = init.clone();
    env.dmem.restore(&mem0);
    let (code, retried) = run_jit_retrying(&region, &[&blk, &tail], &mut b, env);
    assert_eq!((code, retried), (ExitCode::Fault, first == ExitCode::Retry));
    assert_eq!((a.r, a.v, a.pc), (b.r, b.v, b.pc), "registers and PC");
    assert_eq!(
        (a.hdr.exc_info, a.hdr.fault_kind),
        (b.hdr.exc_info, b.hdr.fault_kind),
        "fault address and kind"
    );
    assert!(
        env.dmem.snapshot() == mem_a,
        "memory as the interpreter left it"
    );
    b
}

/// An initial state: r0 = a faulting address (the PROT_NONE half of the
/// window), r1 = 0x100 (mapped), r2 = 0x5555, PC 0x1000.
fn fault_init() -> TState {
    let mut s = TState::default();
    s.r[0] = 0x9000;
    s.r[1] = 0x100;
    s.r[2] = 0x5555;
    s.pc = 0x1000;
    s
}

/// Emits `r[dst] = [r[addr]]` (8 bytes).
fn ld(b: &mut Builder, dst: u16, addr: u16) {
    let p = b.get(r(addr));
    let v = b.load(Type::I64, p, MemFlags::new(8));
    b.set(r(dst), v);
}

/// Emits `[r[addr] + off] = r[src]` (`size` bytes).
fn st(b: &mut Builder, addr: u16, off: i64, src: u16, size: u8) {
    let p = b.get(r(addr));
    let o = b.iconst(Type::I64, off as u64);
    let p = b.add(p, o);
    let v = b.get(r(src));
    let v = if size == 8 {
        v
    } else {
        b.trunc(Type::int(size as u32 * 8), v)
    };
    b.store(p, v, MemFlags::new(size));
}

/// Emits `r[dst] = r[src] + k`.
fn addk(b: &mut Builder, dst: u16, src: u16, k: u64) {
    let x = b.get(r(src));
    let c = b.iconst(Type::I64, k);
    let y = b.add(x, c);
    b.set(r(dst), y);
}

/// A store that is the first side effect after the snapshot writes none
/// before it: when it faults, `env` still holds the region entry's
/// snapshot (registers the loads before it set are not written back) and
/// the retry re-runs the loads and raises the store's fault exactly.
#[test]
fn first_store_after_loads_retries_from_the_earlier_snapshot() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let insns: [Insn; 4] = [
            (0x1000, &|b| ld(b, 3, 1)),
            (0x1004, &|b| addk(b, 4, 3, 1)),
            (0x1008, &|b| st(b, 0, 0, 4, 8)),
            (0x100c, &|b| addk(b, 5, 5, 1)),
        ];
        let term = Terminal::Jump(0x1010);
        let init = fault_init();
        let s = fault_matches_interp(&insns, term, &init, &env, ExitCode::Retry, (0x1000, 0));
        assert_eq!((s.pc, s.hdr.exc_info), (0x1008, 0x9000));
        assert_ne!(s.hdr.fault_kind & FAULT_WRITE, 0, "a write fault");
        assert_eq!(s.r[3], env.mem.load(0x100, 8).unwrap() as u64);
        assert_eq!((s.r[4], s.r[5]), (s.r[3].wrapping_add(1), 0));
    }
}

/// A store after an earlier store (another instruction) with a load
/// before them has a snapshot of its own instruction: the first store
/// happened once, the registers set in between are in `env`.
#[test]
fn second_store_faults_from_a_snapshot_of_its_instruction() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let insns: [Insn; 3] = [
            (0x1000, &|b| {
                ld(b, 4, 1);
                st(b, 1, 0, 2, 8);
            }),
            (0x1004, &|b| addk(b, 3, 2, 1)),
            (0x1008, &|b| st(b, 0, 0, 3, 4)),
        ];
        let term = Terminal::Jump(0x100c);
        let init = fault_init();
        let s = fault_matches_interp(&insns, term, &init, &env, ExitCode::Retry, (0x1008, 0x5556));
        assert_eq!((s.pc, s.hdr.exc_info), (0x1008, 0x9000));
        assert_eq!(env.mem.load(0x100, 8).unwrap(), 0x5555, "first store done");
    }
}

/// `r3 = [r1] + 1; [r1] = r3`, then a faulting load: the load of the
/// incremented word must not run again after its store (a retry from
/// before it would store the word plus 2).
#[test]
fn store_after_a_load_of_the_same_address_is_not_repeated() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let old = env.mem.load(0x100, 8).unwrap() as u64;
        let insns: [Insn; 4] = [
            (0x1000, &|b| ld(b, 3, 1)),
            (0x1004, &|b| addk(b, 3, 3, 1)),
            (0x1008, &|b| st(b, 1, 0, 3, 8)),
            (0x100c, &|b| ld(b, 4, 0)),
        ];
        let term = Terminal::Jump(0x1010);
        let exp = old.wrapping_add(1);
        let init = fault_init();
        let s = fault_matches_interp(&insns, term, &init, &env, ExitCode::Retry, (0x100c, exp));
        assert_eq!((s.pc, s.r[3]), (0x100c, exp));
        assert_eq!(env.mem.load(0x100, 8).unwrap() as u64, exp, "stored once");
    }
}

/// Two stores of one instruction (a store pair with writeback) after a
/// load, the second faulting: the first is a plain store, so the
/// instruction re-runs from its start (repeating the first store with the
/// same value) and faults at tier 0 with its base register unchanged.
#[test]
fn store_pair_faulting_in_its_second_half_reruns_the_instruction() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let insns: [Insn; 2] = [
            (0x1000, &|b| {
                ld(b, 4, 1);
                addk(b, 3, 3, 3);
            }),
            (0x1004, &|b| {
                st(b, 0, 0, 2, 8);
                st(b, 0, 8, 3, 8);
                addk(b, 0, 0, 16);
            }),
        ];
        let term = Terminal::Jump(0x1008);
        let mut init = fault_init();
        init.r[0] = MAPPED - 8;
        let s = fault_matches_interp(&insns, term, &init, &env, ExitCode::Retry, (0x1004, 3));
        assert_eq!((s.pc, s.r[0], s.hdr.exc_info), (0x1004, MAPPED - 8, MAPPED));
        assert_eq!(env.mem.load(MAPPED - 8, 8).unwrap(), 0x5555, "first half");
    }
}

/// The same with 16-byte (vector) stores: the second has a snapshot of its
/// own instruction, and the second still takes the inline path (a host fault
/// retries the instruction), not the exact slow path.
#[test]
fn vector_store_pair_faulting_in_its_second_half_reruns_the_instruction() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let vst = |b: &mut Builder, off: u64, v: Reg| {
            let p = b.get(r(0));
            let o = b.iconst(Type::I64, off);
            let p = b.add(p, o);
            let x = b.get(v);
            b.store(p, x, MemFlags::new(16));
        };
        let insns: [Insn; 2] = [
            (0x1000, &|b| {
                ld(b, 4, 1);
                addk(b, 3, 3, 3);
            }),
            (0x1004, &|b| {
                vst(b, 0, V0);
                vst(b, 16, V1);
                addk(b, 0, 0, 32);
            }),
        ];
        let term = Terminal::Jump(0x1008);
        let mut init = fault_init();
        init.r[0] = MAPPED - 16;
        init.v = [0x1111_2222_3333_4444_5555_6666_7777_8888, 0x99];
        let s = fault_matches_interp(&insns, term, &init, &env, ExitCode::Retry, (0x1004, 3));
        assert_eq!(
            (s.pc, s.r[0], s.hdr.exc_info),
            (0x1004, MAPPED - 16, MAPPED)
        );
        assert_eq!(
            env.mem.load(MAPPED - 16, 16).unwrap(),
            init.v[0],
            "first half"
        );
    }
}

/// Four stores of four instructions with nothing but a register set
/// between them and no load before them: none writes a snapshot (the only
/// PC store is the exit's), and when the third faults the retry re-runs
/// from the region entry, repeating the first two stores with the same
/// values: memory, registers and PC as the interpreter leaves them.
#[test]
fn store_run_retries_from_the_snapshot_before_it() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let insns: [Insn; 5] = [
            (0x1000, &|b| st(b, 1, 0, 2, 8)),
            (0x1004, &|b| addk(b, 3, 2, 1)),
            (0x1008, &|b| st(b, 1, 8, 3, 8)),
            (0x100c, &|b| st(b, 0, 0, 3, 8)),
            (0x1010, &|b| st(b, 1, 16, 2, 8)),
        ];
        let term = Terminal::Jump(0x1014);
        let init = fault_init();
        let s = fault_matches_interp(&insns, term, &init, &env, ExitCode::Retry, (0x1000, 0));
        assert_eq!(pc_stores_in_last_clif(), 1, "the exit's PC store only");
        assert_eq!((s.pc, s.r[3], s.hdr.exc_info), (0x100c, 0x5556, 0x9000));
        assert_eq!(env.mem.load(0x100, 8).unwrap(), 0x5555, "first store");
        assert_eq!(env.mem.load(0x108, 8).unwrap(), 0x5556, "second store");
    }
}

/// `glibc`'s `strspn` table: four vector store pairs (eight 16-byte
/// stores) through two base registers, then an exit: no snapshot between
/// them (one PC store, the exit's), the stored bytes and registers as the
/// interpreter's.
#[test]
fn vector_store_pairs_write_no_snapshot() {
    let env = Env::new(true);
    fill_memory(&env);
    let pair = |b: &mut Builder, base: u16, off: u64| {
        for k in 0..2 {
            let p = b.get(r(base));
            let o = b.iconst(Type::I64, off + 16 * k);
            let p = b.add(p, o);
            let x = b.get(V0);
            b.store(p, x, MemFlags::new(16));
        }
    };
    let insns: [Insn; 5] = [
        (0x1000, &|b| addk(b, 3, 1, 0x40)),
        (0x1004, &|b| pair(b, 1, 0)),
        (0x1008, &|b| pair(b, 3, 0)),
        (0x100c, &|b| pair(b, 1, 0x20)),
        (0x1010, &|b| pair(b, 3, 0x20)),
    ];
    let blk = insn_block(&insns, 0x1000, Terminal::Jump(0x1014));
    let mut init = fault_init();
    init.v = [0x1111_2222_3333_4444_5555_6666_7777_8888, 0x99];
    let mem0 = env.dmem.snapshot();
    let mut a = init.clone();
    assert_eq!(run_interp(&blk, &mut a, &env), ExitCode::Continue);
    let mem_a = env.dmem.snapshot();
    env.dmem.restore(&mem0);
    let mut j = jit(true);
    let region = j.compile(&[&blk]).unwrap();
    assert_eq!(pc_stores_in_last_clif(), 1, "the exit's PC store only");
    let mut s = init.clone();
    assert_eq!(run_jit(&region, &mut s, &env), ExitCode::Continue);
    assert_eq!((a.r, a.v, a.pc), (s.r, s.v, s.pc), "registers and PC");
    assert!(env.dmem.snapshot() == mem_a, "memory");
    assert_eq!(env.mem.load(0x170, 16).unwrap(), init.v[0], "last store");
}

/// A store run in a block entered from one that loaded (no snapshot edge
/// between them: nothing in the first has a side effect) is not clean: a
/// retry from the region entry would load the word the first store
/// changed. The second store has a snapshot of its own instruction, and
/// the retry from there faults in the interpreter's state.
#[test]
fn store_run_after_a_load_in_an_earlier_block_has_its_snapshot() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let insns: [Insn; 3] = [
            (0x1000, &|b| ld(b, 4, 1)),
            (0x1100, &|b| st(b, 1, 0, 2, 8)),
            (0x1104, &|b| st(b, 0, 0, 2, 8)),
        ];
        let head = insn_block(&insns[..1], 0x1000, Terminal::Jump(0x1100));
        let body = insn_block(&insns[1..], 0x1100, Terminal::Jump(0x1108));
        let rest = insn_block(&insns[1..], 0x1104, Terminal::Jump(0x1108));
        let init = fault_init();
        let old = env.mem.load(0x100, 8).unwrap() as u64;
        let mem0 = env.dmem.snapshot();
        let mut a = init.clone();
        assert_eq!(run_interp(&head, &mut a, &env), ExitCode::Continue);
        assert_eq!(run_interp(&body, &mut a, &env), ExitCode::Fault);
        let mem_a = env.dmem.snapshot();
        env.dmem.restore(&mem0);
        let mut j = jit(true);
        let region = j.compile(&[&head, &body]).unwrap();
        let mut s = init.clone();
        assert_eq!(run_jit(&region, &mut s, &env), ExitCode::Retry);
        assert_eq!(
            (s.pc, s.r[4]),
            (0x1104, old),
            "snapshot of the second store"
        );
        let mut s = init.clone();
        env.dmem.restore(&mem0);
        let blocks = [&head, &body, &rest];
        let r = run_jit_retrying(&region, &blocks, &mut s, &env);
        assert_eq!(r, (ExitCode::Fault, true));
        assert_eq!((a.r, a.pc, a.hdr.exc_info), (s.r, s.pc, s.hdr.exc_info));
        assert_eq!((s.pc, s.r[4], s.hdr.exc_info), (0x1104, old, 0x9000));
        assert!(env.dmem.snapshot() == mem_a, "memory");
    }
}

/// A 16-byte vector store is one host store: as the first side effect
/// after loads it writes no snapshot before it, and when it straddles into
/// the PROT_NONE page it changes no byte of the mapped one; the retry
/// re-runs the loads and raises its fault exactly.
#[test]
fn vector_store_straddling_a_page_retries_from_the_earlier_snapshot() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let before = env.mem.load(MAPPED - 8, 8).unwrap();
        let insns: [Insn; 3] = [
            (0x1000, &|b| ld(b, 3, 1)),
            (0x1004, &|b| addk(b, 4, 3, 1)),
            (0x1008, &|b| {
                let p = b.get(r(0));
                let x = b.get(V0);
                b.store(p, x, MemFlags::new(16));
            }),
        ];
        let term = Terminal::Jump(0x100c);
        let mut init = fault_init();
        init.r[0] = MAPPED - 8;
        init.v = [0x1111_2222_3333_4444_5555_6666_7777_8888, 0x99];
        let s = fault_matches_interp(&insns, term, &init, &env, ExitCode::Retry, (0x1000, 0));
        assert_eq!((s.pc, s.hdr.exc_info), (0x1008, MAPPED));
        assert_ne!(s.hdr.fault_kind & FAULT_WRITE, 0, "a write fault");
        assert_eq!(s.r[4], s.r[3].wrapping_add(1));
        assert_eq!(env.mem.load(MAPPED - 8, 8).unwrap(), before, "no byte");
    }
}

/// A store after an atomic of the same instruction cannot re-run the
/// instruction (the atomic would happen twice): it takes the slow path,
/// which reports the fault at once with the atomic done once.
#[test]
fn store_after_an_atomic_of_its_instruction_faults_exactly() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let old = env.mem.load(0x100, 8).unwrap() as u64;
        let insns: [Insn; 2] = [
            (0x1000, &|b| addk(b, 3, 3, 3)),
            (0x1004, &|b| {
                let p = b.get(r(1));
                let k = b.get(r(3));
                let o = b.atomic_rmw(RmwOp::Add, p, k, MemFlags::new(8));
                let q = b.get(r(0));
                b.store(q, o, MemFlags::new(8));
            }),
        ];
        let term = Terminal::Jump(0x1008);
        let init = fault_init();
        let s = fault_matches_interp(&insns, term, &init, &env, ExitCode::Fault, (0x1004, 3));
        assert_eq!((s.pc, s.hdr.exc_info), (0x1004, 0x9000));
        assert_eq!(env.mem.load(0x100, 8).unwrap() as u64, old.wrapping_add(3));
    }
}

/// A loop that increments words up to the end of the mapped memory: its
/// store leaves a side effect at the back edge (a snapshot there), so the
/// load that faults on the pass after the last word retries from the
/// snapshot of that pass, and every word was incremented exactly once.
#[test]
fn store_loop_faulting_after_iterations_increments_each_word_once() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let insns: [Insn; 4] = [
            (0x700, &|b| ld(b, 4, 1)),
            (0x704, &|b| addk(b, 4, 4, 1)),
            (0x708, &|b| st(b, 1, 0, 4, 8)),
            (0x70c, &|b| {
                addk(b, 3, 3, 1);
                addk(b, 1, 1, 8);
            }),
        ];
        let term = r3_below_r2(0x710);
        let start = MAPPED - 0x400;
        let words = 0x400 / 8;
        let before: Vec<u64> = (0..words)
            .map(|i| env.mem.load(start + 8 * i, 8).unwrap() as u64)
            .collect();
        let mut init = fault_init();
        init.r[1] = start;
        init.r[2] = 1000;
        init.pc = 0x700;
        let s = loop_fault_matches_interp(&insns, &term, &init, &env, &|s| {
            assert_eq!(
                (s.pc, s.r[1], s.r[3]),
                (0x700, MAPPED, words),
                "back-edge snapshot"
            );
        });
        assert_eq!((s.pc, s.hdr.exc_info), (0x700, MAPPED));
        for (i, w) in before.iter().enumerate() {
            let now = env.mem.load(start + 8 * i as u64, 8).unwrap() as u64;
            assert_eq!(now, w.wrapping_add(1), "word {i} incremented once");
        }
    }
}

/// [`region_fault_matches_interp`] for the one-block loop `insns`
/// (terminal `term`) at `init.pc`.
fn loop_fault_matches_interp(
    insns: &[Insn],
    term: &dyn Fn(&mut Builder) -> Terminal,
    init: &TState,
    env: &Env,
    first: &dyn Fn(&TState),
) -> TState {
    let blk = insn_block_with(insns, init.pc, term);
    region_fault_matches_interp(&[&blk], init, env, first)
}

/// A loop that only stores (a pair per pass, values from registers) at
/// the region entry writes no snapshot, neither before its stores nor at
/// its back edge: when the pair reaches the unmapped page, `env` still
/// holds the region entry's state, and the retry re-runs every pass at
/// tier 0, storing the same values again, up to the exact fault. A loop
/// that also loads keeps its back-edge snapshot (the test above).
#[test]
fn store_only_loop_retries_from_the_region_entry() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let insns: [Insn; 2] = [
            (0x700, &|b| {
                st(b, 1, 0, 3, 8);
                st(b, 1, 8, 4, 4);
            }),
            (0x704, &|b| {
                addk(b, 3, 3, 0x0101);
                addk(b, 4, 4, 7);
                addk(b, 1, 1, 16);
            }),
        ];
        let term = |b: &mut Builder| {
            let n = b.get(r(1));
            let t = b.get(r(2));
            let c = b.icmp(Cond::Ult, n, t);
            Terminal::Branch {
                cond: c,
                taken: 0x700,
                not_taken: 0x708,
            }
        };
        let start = MAPPED - 0x400;
        let mut init = fault_init();
        init.r[1] = start;
        init.r[2] = u64::MAX;
        init.r[3] = 0x1234_5678_9abc_def0;
        init.r[4] = 0x55;
        init.pc = 0x700;
        let s = loop_fault_matches_interp(&insns, &term, &init, &env, &|s| {
            assert_eq!(
                (s.pc, s.r[1], s.r[3], s.r[4]),
                (0x700, start, 0x1234_5678_9abc_def0, 0x55),
                "the region entry's snapshot"
            );
        });
        assert_eq!((s.pc, s.hdr.exc_info, s.r[1]), (0x700, MAPPED, MAPPED));
        assert_ne!(s.hdr.fault_kind & FAULT_WRITE, 0, "a write fault");
        for i in 0..0x40u64 {
            let lo = env.mem.load(start + 16 * i, 8).unwrap() as u64;
            let hi = env.mem.load(start + 16 * i + 8, 4).unwrap() as u64;
            assert_eq!(lo, init.r[3].wrapping_add(0x0101 * i), "pass {i}: r3");
            assert_eq!(hi, 0x55 + 7 * i, "pass {i}: low half of r4");
        }
    }
}

/// The loop of the test above, with r5 = 2 * r3 + 1 computed first in
/// each pass: the pass sets r5 before anything can observe `env`, so the
/// back-edge snapshot skips it (and the PC `env` already holds).
fn loop_setting_r5_first() -> [Insn<'static>; 5] {
    [
        (0x700, &|b| {
            let x = b.get(r(3));
            let y = b.add(x, x);
            let c = b.iconst(Type::I64, 1);
            let z = b.add(y, c);
            b.set(r(5), z);
        }),
        (0x704, &|b| ld(b, 4, 1)),
        (0x708, &|b| addk(b, 4, 4, 1)),
        (0x70c, &|b| st(b, 1, 0, 4, 8)),
        (0x710, &|b| {
            addk(b, 3, 3, 1);
            addk(b, 1, 1, 8);
        }),
    ]
}

/// Loop to 0x700 while r3 <u r2, else continue at `exit`.
fn r3_below_r2(exit: u64) -> impl Fn(&mut Builder) -> Terminal {
    move |b| {
        let n = b.get(r(3));
        let t = b.get(r(2));
        let c = b.icmp(Cond::Ult, n, t);
        Terminal::Branch {
            cond: c,
            taken: 0x700,
            not_taken: exit,
        }
    }
}

/// A register the loop sets before anything observes `env` is not in the
/// back-edge snapshot (it keeps its value from the region entry), yet the
/// retry ends exactly as the interpreter, with its value of the last pass.
#[test]
fn back_edge_snapshot_skips_registers_set_first() {
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let words = 0x400 / 8;
        let mut init = fault_init();
        init.r[1] = MAPPED - 0x400;
        init.r[2] = 1000;
        init.r[5] = 0x77;
        init.pc = 0x700;
        let s = loop_fault_matches_interp(
            &loop_setting_r5_first(),
            &r3_below_r2(0x714),
            &init,
            &env,
            &|s| {
                assert_eq!(
                    (s.pc, s.r[1], s.r[3], s.r[5]),
                    (0x700, MAPPED, words, 0x77),
                    "back-edge snapshot without r5"
                );
            },
        );
        assert_eq!(
            (s.pc, s.hdr.exc_info, s.r[5]),
            (0x704, MAPPED, 2 * words + 1)
        );
    }
}

/// Stopped at the back edge of that loop, `env` holds the whole state
/// (the skipped register too) at the loop's start after one pass.
#[test]
fn back_edge_stop_writes_the_skipped_registers() {
    let env = Env::new(true);
    fill_memory(&env);
    let blk = insn_block_with(&loop_setting_r5_first(), 0x700, &r3_below_r2(0x714));
    let mut j = jit(true);
    let region = j.compile(&[&blk]).unwrap();
    let mut st = fault_init();
    st.r[1] = 0x100;
    st.r[2] = 1000;
    st.r[3] = 4;
    st.r[5] = 0x77;
    st.pc = 0x700;
    st.hdr.stop.store(1, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(run_jit(&region, &mut st, &env), ExitCode::Stopped);
    assert_eq!((st.pc, st.r[1], st.r[3], st.r[5]), (0x700, 0x108, 5, 9));
}

#[test]
fn quick_regions_count_their_entries() {
    let env = Env::new(true);
    let block = bin_block(Opcode::Add, Type::I64);
    let mut j = jit(true);
    let speed = j.compile_at(&[&block], OptLevel::Speed).expect("compiles");
    let quick = j.compile_at(&[&block], OptLevel::Quick).expect("compiles");
    assert_eq!(speed.entries, 0, "speed regions do not count");
    assert_ne!(quick.entries, 0);
    // SAFETY: the counter of the live quick region.
    let count = || unsafe { entry_count(quick.entries) };
    assert_eq!(count(), 0);
    let init = states2().remove(1);
    for n in 1..=3 {
        let (mut a, mut b) = (init.clone(), init.clone());
        assert_eq!(run_jit(&speed, &mut a, &env), run_jit(&quick, &mut b, &env));
        assert_eq!((a.r, a.pc), (b.r, b.pc), "the counter changes no result");
        assert_eq!(b.r[2], init.r[0].wrapping_add(init.r[1]));
        assert_eq!(count(), n);
    }
}

/// Values that only feed registers (flag-like compares, constants, a
/// product) are emitted where a register is needed, not where they stand:
/// a loop sets them in every iteration, the exit block reads some of them,
/// a later op of the loop block reads one back, and one is overwritten
/// before anything reads it. Every register and the PC must be what the
/// interpreter gives, with chaining, at both optimization levels and when
/// the stop word ends the loop early (its write-back emits them).
#[test]
fn values_feeding_only_registers_are_emitted_where_needed() {
    let mut b = Builder::new(&LAYOUT, 0x100);
    b.insn_start(0x100);
    let x = b.get(r(0));
    let one = b.iconst(Type::I64, 1);
    let x = b.add(x, one);
    b.set(r(0), x);
    // r3 = (x * 3) ^ r1: read only after the loop.
    let three = b.iconst(Type::I64, 3);
    let m = b.mul(x, three);
    let y = b.get(r(1));
    let m = b.xor(m, y);
    b.set(r(3), m);
    // r4, r5: a compare's result widened, and a constant.
    let lim = b.get(r(2));
    let c = b.icmp(Cond::Ult, x, lim);
    let cz = b.zext(Type::I64, c);
    b.set(r(4), cz);
    let k = b.iconst(Type::I64, 0x1234_5678_9abc);
    b.set(r(5), k);
    // r6: set, then read back by this block (r1 += r6).
    let s = b.sub(x, one);
    b.set(r(6), s);
    let s2 = b.get(r(6));
    let y = b.add(y, s2);
    b.set(r(1), y);
    // r7: set twice, the first value is never seen.
    let d = b.add(x, x);
    b.set(r(7), d);
    let e = b.add(d, one);
    b.set(r(7), e);
    let go = b.icmp(Cond::Ult, x, lim);
    b.terminate(Terminal::Branch {
        cond: go,
        taken: 0x100,
        not_taken: 0x200,
    });
    let lp = b.finish();
    let mut b = Builder::new(&LAYOUT, 0x200);
    b.insn_start(0x200);
    let p = b.get(r(3));
    let q = b.get(r(4));
    let p = b.add(p, q);
    b.set(r(2), p);
    b.terminate(Terminal::Jump(0x300));
    let out = b.finish();
    let blocks = [&lp, &out];
    for bl in blocks {
        xlat_ir::verify(bl, &LAYOUT).expect("test block verifies");
    }
    let sunk = crate::lower::sinkable(&LAYOUT, &lp);
    assert!(sunk[m.index()] && sunk[cz.index()] && sunk[k.index()]);
    assert!(!sunk[go.index()], "the branch condition stays where it is");
    assert!(!sunk[x.index()], "x feeds the branch condition");
    let env = Env::new(true);
    for level in [OptLevel::Speed, OptLevel::Quick] {
        let mut j = jit(true);
        let region = j.compile_at(&blocks, level).expect("compiles");
        for n in [1u64, 2, 37] {
            let init = TState {
                r: [0, 5, n, 9, 9, 9, 9, 9],
                pc: 0x100,
                ..Default::default()
            };
            let mut want = init.clone();
            interp_until_outside(&blocks, &mut want, &env);
            let mut got = init.clone();
            assert_eq!(run_jit(&region, &mut got, &env), ExitCode::Continue);
            assert_eq!((got.r, got.pc), (want.r, want.pc), "n = {n}");
            // Hand-computed for the last iteration (x = n).
            let sum: u64 = (0..n).sum();
            assert_eq!(want.r[0], n);
            assert_eq!(want.r[1], 5 + sum);
            let r3 = (n * 3) ^ (5 + sum - (n - 1));
            assert_eq!((want.r[2], want.r[3]), (r3, r3));
            assert_eq!(&want.r[4..], &[0, 0x1234_5678_9abc, n - 1, 2 * n + 1]);
        }
        // The stop word ends the loop at its back edge: the state is that
        // of the iteration that just ended.
        let mut got = TState {
            r: [0, 5, 1000, 9, 9, 9, 9, 9],
            pc: 0x100,
            ..Default::default()
        };
        env.prep(&mut got);
        got.hdr.stop.store(1, std::sync::atomic::Ordering::Relaxed);
        // SAFETY: live region, live state block.
        let code = unsafe { enter(&mut got as *mut TState as *mut u8, region.entry) };
        assert_eq!(code, ExitCode::Stopped);
        assert_eq!(got.pc, 0x100);
        assert_eq!(got.r, [1, 5, 1000, 3 ^ 5, 1, 0x1234_5678_9abc, 0, 3]);
    }
}

/// `r4 = r2 * r3` (as f64), stored to `[r1]` by the first store after the
/// snapshot (none before it), then a load whose snapshot writes `r4`
/// back. Cranelift places a pure value at each use that no other use
/// dominates; the store's fast path, its slow path and the snapshot after
/// their join are three such uses, so unless the stored value is computed
/// before the store's branch the product is emitted three times (ppc64le
/// `matmul`: its float ops ran twice per iteration, 1.10 -> 1.55 s). The
/// product must be emitted once, and the faulting load must still retry
/// with `r4` in the snapshot.
#[test]
fn float_value_stored_and_written_back_is_computed_once() {
    let insns: [Insn; 2] = [
        (0x1000, &|b| {
            let x = b.get(r(2));
            let x = b.bitcast(Type::F64, x);
            let y = b.get(r(3));
            let y = b.bitcast(Type::F64, y);
            let p = b.push(Opcode::Fmul, Type::F64, [x, y, Value::NONE], 0);
            let bits = b.bitcast(Type::I64, p);
            b.set(r(4), bits);
            let a = b.get(r(1));
            b.store(a, p, MemFlags::new(8));
        }),
        (0x1004, &|b| ld(b, 5, 0)),
    ];
    let blk = insn_block(&insns, 0x1000, Terminal::Jump(0x1008));
    jit(true).compile(&[&blk]).unwrap();
    let clif = LAST_CLIF.with(|c| c.borrow().clone());
    assert_eq!(clif.matches("= fmul ").count(), 1, "one product:\n{clif}");
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let mut init = fault_init();
        init.r[2] = 1.5f64.to_bits();
        init.r[3] = (-2.25f64).to_bits();
        let s = fault_matches_interp(
            &insns,
            Terminal::Jump(0x1008),
            &init,
            &env,
            ExitCode::Retry,
            (0x1004, init.r[3]),
        );
        assert_eq!(s.r[4], (-3.375f64).to_bits());
        assert_eq!(
            env.mem.load(0x100, 8).unwrap() as u64,
            (-3.375f64).to_bits()
        );
    }
}

/// Vector FADD/FSUB/FMUL/FDIV as the AArch64 frontend writes them (lane by
/// lane: extract, op, `fnan`, insert into zero) compile to one host vector
/// op and give the interpreter's results bit for bit, NaN lanes (quiet and
/// signalling, with payloads) included; a by-element operand (one float
/// for every lane) as well. A lane's `fnan` read elsewhere keeps the lane
/// form.
#[test]
fn lane_by_lane_vector_float_ops_are_one_vector_op() {
    let env = Env::new(true);
    let f64s = [
        1.5f64.to_bits(),
        (-0.0f64).to_bits(),
        f64::INFINITY.to_bits(),
        0x7ff8_0000_0000_0123,
        0x7ff0_0000_0000_0456,
        3.0f64.to_bits(),
    ];
    let f32s = [
        1.5f32.to_bits(),
        0x7fc0_0042,
        0xff80_0007,
        (-2.0f32).to_bits(),
        0.0f32.to_bits(),
        f32::INFINITY.to_bits(),
    ];
    let mut st = Vec::new();
    for i in 0..f64s.len() {
        for j in 0..f64s.len() {
            let mut s = TState::default();
            let k = (i + j) % f64s.len();
            s.v[0] = u128::from(f64s[i]) | u128::from(f64s[k]) << 64;
            s.v[1] = u128::from(f64s[j]) | u128::from(f64s[(j + 1) % f64s.len()]) << 64;
            st.push(s);
            let mut s = TState::default();
            let l = |a: usize| u128::from(f32s[a % f32s.len()]);
            s.v[0] = l(i) | l(i + j) << 32 | l(j) << 64 | l(i + 2) << 96;
            s.v[1] = l(j) | l(i) << 32 | l(j + 3) << 64 | l(i + j + 1) << 96;
            st.push(s);
        }
    }
    for (ft, lanes, vop) in [
        (Type::F64, Lanes::I64x2, "f64x2"),
        (Type::F32, Lanes::I32x4, "f32x4"),
    ] {
        let it = Type::int(ft.bits());
        for op in [Opcode::Fadd, Opcode::Fsub, Opcode::Fmul, Opcode::Fdiv] {
            for (by_elem, leak) in [(false, false), (true, false), (false, true)] {
                let mut b = Builder::new(&LAYOUT, 0x1000);
                let (n, m) = (b.get(V0), b.get(V1));
                let lane = |b: &mut Builder, v: Value, k: u32| {
                    let x = b.vextract(lanes, v, k);
                    b.bitcast(ft, x)
                };
                let y1 = lane(&mut b, m, 1);
                let mut acc = b.iconst(Type::V128, 0);
                let mut last_nan = None;
                for k in 0..lanes.count() {
                    let x = lane(&mut b, n, k);
                    let y = if by_elem { y1 } else { lane(&mut b, m, k) };
                    let r = b.push(op, ft, [x, y, Value::NONE], 0);
                    let f = b.push(Opcode::Fnan, ft, [r, x, y], NanRule::Arm as u64);
                    last_nan = Some(f);
                    let z = b.bitcast(it, f);
                    acc = b.vinsert(lanes, acc, z, k);
                }
                b.set(V0, acc);
                if leak {
                    fresult(&mut b, last_nan.expect("lanes"), ft);
                }
                b.terminate(Terminal::Jump(0));
                let blk = b.finish();
                jit(true).compile(&[&blk]).unwrap();
                let clif = LAST_CLIF.with(|c| c.borrow().clone());
                // The vector form's one NaN test of the whole result.
                let vector = clif.contains("vany_true") && clif.contains(vop);
                assert_eq!(vector, !leak, "{op:?} {ft:?} by_elem={by_elem}:\n{clif}");
                compare(&blk, &st, &env, Cmp::Exact);
            }
        }
    }
}

thread_local! {
    /// The optimized Cranelift function of the last region compiled on
    /// this thread (kept by `compile_into` in test builds).
    pub(crate) static LAST_FUNC: std::cell::RefCell<Option<cranelift_codegen::ir::Function>> =
        const { std::cell::RefCell::new(None) };
}

/// A register value computed before a loop and only read in it (the loop
/// leaves through exits and a load's slow path, which made Cranelift's
/// egraph place the computation at its use in the loop) is computed before
/// the loop, and the region computes what the interpreter does.
#[test]
fn loop_invariant_register_values_are_computed_before_the_loop() {
    use cranelift_codegen::dominator_tree::DominatorTree;
    use cranelift_codegen::flowgraph::ControlFlowGraph;
    use cranelift_codegen::ir::Opcode as ClifOp;
    use cranelift_codegen::loop_analysis::LoopAnalysis;
    // 0x100: r3 = (r1 * K) ^ (r1 >> 13), then the loop.
    let mut a = Builder::new(&LAYOUT, 0x100);
    a.insn_start(0x100);
    let x = a.get(r(1));
    let k = a.iconst(Type::I64, 0x9e37_79b9_7f4a_7c15);
    let m = a.mul(x, k);
    let s = a.iconst(Type::I64, 13);
    let sh = a.lshr(x, s);
    let m = a.xor(m, sh);
    a.set(r(3), m);
    a.terminate(Terminal::Jump(0x140));
    let a = a.finish();
    // 0x140: r4 += [r0] + r3; r0 += 8; again while r0 < r2.
    let mut b = Builder::new(&LAYOUT, 0x140);
    b.insn_start(0x140);
    let p = b.get(r(0));
    let v = b.load(Type::I64, p, MemFlags::new(8));
    let acc = b.get(r(4));
    let inv = b.get(r(3));
    let acc = b.add(acc, v);
    let acc = b.add(acc, inv);
    b.set(r(4), acc);
    let eight = b.iconst(Type::I64, 8);
    let p = b.add(p, eight);
    b.set(r(0), p);
    let lim = b.get(r(2));
    let c = b.icmp(Cond::Ult, p, lim);
    b.terminate(Terminal::Branch {
        cond: c,
        taken: 0x140,
        not_taken: 0x200,
    });
    let b = b.finish();
    let blocks = [&a, &b];
    let env = Env::new(true);
    fill_memory(&env);
    let mut j = jit(true);
    let region = j.compile(&blocks).expect("compiles");
    let func = LAST_FUNC.with(|f| f.borrow_mut().take()).expect("kept");
    let cfg = ControlFlowGraph::with_function(&func);
    let domtree = DominatorTree::with_function(&func, &cfg);
    let mut loops = LoopAnalysis::new();
    loops.compute(&func, &cfg, &domtree);
    let mut muls = 0;
    for blk in func.layout.blocks() {
        for inst in func.layout.block_insts(blk) {
            if func.dfg.insts[inst].opcode() == ClifOp::Imul {
                muls += 1;
                assert!(
                    loops.innermost_loop(blk).is_none(),
                    "r1 * K is computed in the loop ({blk}):\n{}",
                    func.display()
                );
            }
        }
    }
    assert!(muls >= 1, "the product is computed somewhere");
    for n in [1u64, 2, 40] {
        let init = TState {
            r: [0x1000, 0x1234_5678, 0x1000 + 8 * n, 9, 7, 9, 9, 9],
            pc: 0x100,
            ..Default::default()
        };
        let mut want = init.clone();
        interp_until_outside(&blocks, &mut want, &env);
        let mut got = init.clone();
        assert_eq!(run_jit(&region, &mut got, &env), ExitCode::Continue);
        assert_eq!((got.r, got.pc), (want.r, want.pc), "n = {n}");
        let k = 0x1234_5678u64.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (0x1234_5678 >> 13);
        assert_eq!(want.r[3], k);
        let words: u64 = (0..n)
            .map(|i| env.mem.load(0x1000 + 8 * i, 8).unwrap() as u64)
            .fold(0, u64::wrapping_add);
        assert_eq!(
            want.r[4],
            7u64.wrapping_add(words).wrapping_add(k.wrapping_mul(n))
        );
    }
}

/// Two NaN fix-ups whose operands are known at the first share one
/// unordered compare and one branch (both fix-ups out of line), with the
/// interpreter's results bit for bit whichever of the two (or both) is a
/// NaN; so does a second op that reads the first's result (a chain, tested
/// at its end: see `scalar_nan`).
#[test]
fn independent_nan_fixups_share_one_test() {
    let env = Env::new(true);
    let mut st = float_states();
    for (a, b) in [
        (0x7ff8_0000_0000_0011u64, 0x7ff0_0000_0000_0022u64),
        (0xfff8_0000_0000_0033, 1.0f64.to_bits()),
        (0x7ff0_0000_0000_0044, f64::INFINITY.to_bits()),
    ] {
        for (x, y) in [(a, b), (b, a)] {
            let mut s = TState::default();
            (s.r[0], s.r[1], s.r[4]) = (x, y, (-0.0f64).to_bits());
            st.push(s);
        }
    }
    for ft in [Type::F32, Type::F64] {
        let it = Type::int(ft.bits());
        for dependent in [false, true] {
            let mut b = Builder::new(&LAYOUT, 0x1000);
            let (x, y, z) = fvals(&mut b, ft);
            let p = b.push(Opcode::Fmul, ft, [x, y, Value::NONE], 0);
            let p = b.push(Opcode::Fnan, ft, [p, x, y], NanRule::Arm as u64);
            let u = if dependent { p } else { x };
            let q = b.push(Opcode::Fsub, ft, [z, u, Value::NONE], 0);
            let q = b.push(Opcode::Fnan, ft, [q, z, u], NanRule::Arm as u64);
            fresult(&mut b, q, ft);
            // The first result into a V register (zero-extended).
            let p = b.bitcast(it, p);
            let p = b.zext(Type::I128, p);
            let p = b.bitcast(Type::V128, p);
            b.set(V0, p);
            b.terminate(Terminal::Jump(0));
            let blk = b.finish();
            jit(true).compile(&[&blk]).unwrap();
            let clif = LAST_CLIF.with(|c| c.borrow().clone());
            let tests = clif.matches("fcmp uno").count();
            assert_eq!(tests, 1, "{ft:?}:\n{clif}");
            compare(&blk, &st, &env, Cmp::Exact);
        }
    }
}

/// `str d0`/`str s0` (the low 8 or 4 bytes of a V register stored) store
/// the float lane straight from its vector register, and the float itself
/// when the block computed it; memory as the interpreter writes it.
#[test]
fn low_lane_of_a_vector_is_stored_as_a_float() {
    let env = Env::new(true);
    let mut st = float_states();
    for (k, s) in st.iter_mut().enumerate() {
        s.r[5] = 0x100 + 8 * (k as u64 % 4);
        s.v[0] = u128::from(s.r[1]) << 64 | u128::from(s.r[0]);
        // A float written to V1 clears the other bytes.
        s.v[1] = u128::MAX;
    }
    for ft in [Type::F32, Type::F64] {
        let it = Type::int(ft.bits());
        for computed in [false, true] {
            let mut b = Builder::new(&LAYOUT, 0x1000);
            let v = if computed {
                let (x, y, _) = fvals(&mut b, ft);
                let p = b.push(Opcode::Fadd, ft, [x, y, Value::NONE], 0);
                let p = b.bitcast(it, p);
                let p = b.zext(Type::I128, p);
                let p = b.bitcast(Type::V128, p);
                b.set(V1, p);
                p
            } else {
                b.get(V0)
            };
            let w = b.bitcast(Type::I128, v);
            let lo = b.trunc(it, w);
            let addr = b.get(r(5));
            b.store(addr, lo, MemFlags::new(ft.bytes() as u8));
            b.terminate(Terminal::Jump(0));
            let blk = b.finish();
            jit(true).compile(&[&blk]).unwrap();
            let clif = LAST_CLIF.with(|c| c.borrow().clone());
            let int_lanes = clif.contains("i64x2") || clif.contains("i32x4");
            assert!(!int_lanes, "{ft:?} computed={computed}:\n{clif}");
            compare(&blk, &st, &env, Cmp::Exact);
        }
    }
}

/// A dispatch loop whose handlers store to memory: every back edge writes
/// a snapshot (the state at the loop head) and then checks the stop word,
/// so all of them leave through one shared `Stopped` exit that writes
/// nothing more (as do the region's failed slow paths through one shared
/// fault exit). Stopped after one iteration the state is the
/// interpreter's at the loop head, the store done once; run to the end
/// it is the interpreter's too.
#[test]
fn back_edges_after_a_store_share_one_stop_exit() {
    let mut blocks = dispatch_blocks(0);
    for i in 0..8u64 {
        let pc = 0x2000 + 0x100 * i;
        let mut h = Builder::new(&LAYOUT, pc);
        h.insn_start(pc);
        let x = h.get(r(0));
        let a = h.iconst(Type::I64, 0x100 + 8 * i);
        h.store(a, x, MemFlags::new(8));
        h.insn_start(pc + 4);
        let y = h.get(r(1));
        let three = h.iconst(Type::I64, 3);
        let y = h.mul(y, three);
        let k = h.iconst(Type::I64, i + 1);
        let y = h.add(y, k);
        h.set(r(1), y);
        loop_while_below_r2(&mut h, 0x1000, 0x3000);
        blocks.push(h.finish());
    }
    let refs: Vec<&Block> = blocks.iter().collect();
    let targets = vec![(0..8).map(|i| 0x2000 + 0x100 * i).collect::<Vec<u64>>()];
    let mut j = jit(true);
    let region = j
        .compile_with(&refs, &targets, OptLevel::Speed)
        .expect("compiles");
    let clif = LAST_CLIF.with(|c| c.borrow().clone());
    let stopped_exits = clif
        .lines()
        .filter(|l| l.contains(", v0+4  ; ") && l.ends_with(" = 3"))
        .count();
    assert_eq!(stopped_exits, 1, "one Stopped exit:\n{clif}");
    let env = Env::new(true);
    fill_memory(&env);
    let init = TState {
        r: [6, 5, 40, 0, 0, 0, 0, 0],
        pc: 0x1000,
        ..Default::default()
    };
    // Stopped: one dispatch and one handler (r0 = 7 -> handler 7).
    let mut st = init.clone();
    env.prep(&mut st);
    st.hdr.stop.store(1, std::sync::atomic::Ordering::Relaxed);
    // SAFETY: live region, live state block.
    let code = unsafe { enter(&mut st as *mut TState as *mut u8, region.entry) };
    assert_eq!(code, ExitCode::Stopped);
    let mut si = init.clone();
    assert_eq!(interp_blocks(&refs, &mut si, &env, 2), ExitCode::Continue);
    assert_eq!((st.r, st.pc), (si.r, si.pc));
    assert_eq!((st.pc, st.r[0], st.r[1]), (0x1000, 7, 5 * 3 + 8));
    assert_eq!(env.mem.load(0x138, 8).unwrap(), 7);
    // To the end.
    let mut st = init.clone();
    assert_eq!(run_jit(&region, &mut st, &env), ExitCode::Continue);
    let mut si = init.clone();
    interp_until_outside(&refs, &mut si, &env);
    assert_eq!((st.r, st.pc), (si.r, si.pc));
    assert_eq!(st.pc, 0x3000);
    for i in 0..8u64 {
        // The last r0 (<= 40) that chose handler i.
        let last = (0..=40u64).filter(|x| *x > 6 && x & 7 == i).max().unwrap();
        assert_eq!(env.mem.load(0x100 + 8 * i, 8).unwrap() as u64, last);
    }
}

/// A float product stored with 4 bytes after an 8-byte store of all ones:
/// written to the slow path's slot before the branch (see `float_computed`
/// in lower.rs), the product must still store exactly 4 bytes, in direct
/// and in soft memory (where every store takes the slow path and the
/// slot's upper bytes hold the earlier store's value).
#[test]
fn float_value_stored_early_writes_only_its_bytes() {
    let insns: [Insn; 2] = [
        (0x1000, &|b| st(b, 1, 8, 6, 8)),
        (0x1004, &|b| {
            let x = b.get(r(2));
            let x = b.trunc(Type::I32, x);
            let x = b.bitcast(Type::F32, x);
            let p = b.push(Opcode::Fmul, Type::F32, [x, x, Value::NONE], 0);
            let a = b.get(r(1));
            b.store(a, p, MemFlags::new(4));
        }),
    ];
    let blk = insn_block(&insns, 0x1000, Terminal::Jump(0x1008));
    let mut j = jit(true);
    let region = j.compile(&[&blk]).unwrap();
    for direct in [true, false] {
        let env = Env::new(direct);
        fill_memory(&env);
        let mut st = fault_init();
        st.r[2] = 1.5f32.to_bits() as u64;
        st.r[6] = u64::MAX;
        let before = env.mem.load(0x100, 8).unwrap() as u64;
        assert_eq!(run_jit(&region, &mut st, &env), ExitCode::Continue);
        let want = (before & !0xffff_ffff) | 2.25f32.to_bits() as u64;
        assert_eq!(
            env.mem.load(0x100, 8).unwrap() as u64,
            want,
            "direct {direct}"
        );
        assert_eq!(env.mem.load(0x108, 8).unwrap() as u64, u64::MAX);
    }
}

/// `ld1r` (a load splat to every lane) is loaded as a vector on the fast
/// path (the join takes the vector, not the integer) and gives the
/// interpreter's results, in direct and soft memory.
#[test]
fn loads_splat_to_every_lane_are_vector_loads() {
    let mut st = states2();
    for (k, s) in st.iter_mut().enumerate() {
        s.r[5] = 0x100 + 4 * (k as u64 % 8);
    }
    for (it, lanes) in [(Type::I64, Lanes::I64x2), (Type::I32, Lanes::I32x4)] {
        let mut b = Builder::new(&LAYOUT, 0x1000);
        let addr = b.get(r(5));
        let x = b.load(it, addr, MemFlags::new(it.bytes() as u8));
        let v = b.vsplat(lanes, x);
        b.set(V0, v);
        b.terminate(Terminal::Jump(0));
        let blk = b.finish();
        jit(true).compile(&[&blk]).unwrap();
        let clif = LAST_CLIF.with(|c| c.borrow().clone());
        let joins_vector = clif
            .lines()
            .any(|l| l.starts_with("block") && l.contains(": i8x16)"));
        assert!(joins_vector, "{it:?}:\n{clif}");
        for direct in [true, false] {
            let env = Env::new(direct);
            fill_memory(&env);
            compare(&blk, &st, &env, Cmp::Exact);
        }
    }
}

/// A float read of any lane of a vector register (`bitcast.f64(vextract
/// v, 1)`, ppc64le's FPR in the high doubleword of its VSR) and a float
/// inserted into a lane (`vinsert(zero, bitcast.i64(f), 1)`) stay in
/// vector registers: no scalar bitcast (a move through an integer
/// register) in the optimized function, and the interpreter's results.
#[test]
fn float_lanes_of_any_index_move_no_value_through_integer_registers() {
    let env = Env::new(true);
    let mut st = Vec::new();
    for (a, b) in [(1.5f64, -2.25f64), (0.0, f64::INFINITY), (3.0, 1e300)] {
        let mut s = TState::default();
        s.v[0] = u128::from(a.to_bits()) << 64 | 0x1234;
        s.v[1] = u128::from(b.to_bits()) << 64 | 0x5678;
        st.push(s);
        let mut s = TState::default();
        let (x, y) = ((a as f32).to_bits(), (b as f32).to_bits());
        s.v[0] = u128::from(x) << 96 | u128::from(y) << 32 | 0x9abc;
        s.v[1] = u128::from(y) << 96 | u128::from(x) << 64 | 0xdef0;
        st.push(s);
    }
    for (ft, lanes, k) in [(Type::F64, Lanes::I64x2, 1), (Type::F32, Lanes::I32x4, 3)] {
        let mut b = Builder::new(&LAYOUT, 0x1000);
        let (n, m) = (b.get(V0), b.get(V1));
        let x = b.vextract(lanes, n, k);
        let x = b.bitcast(ft, x);
        let y = b.vextract(lanes, m, k);
        let y = b.bitcast(ft, y);
        let p = b.push(Opcode::Fmul, ft, [x, y, Value::NONE], 0);
        let bits = b.bitcast(Type::int(ft.bits()), p);
        let z = b.iconst(Type::V128, 0);
        let r = b.vinsert(lanes, z, bits, k);
        b.set(V0, r);
        b.terminate(Terminal::Jump(0));
        let blk = b.finish();
        jit(true).compile(&[&blk]).unwrap();
        let clif = LAST_CLIF.with(|c| c.borrow().clone());
        let (fb, ib) = if ft == Type::F64 {
            ("bitcast.f64 ", "bitcast.i64 ")
        } else {
            ("bitcast.f32 ", "bitcast.i32 ")
        };
        assert!(!clif.contains(fb) && !clif.contains(ib), "{ft:?}:\n{clif}");
        compare(&blk, &st, &env, Cmp::Exact);
    }
}

/// A narrow integer load read as a wider type (`load.i64 [u8]`, AArch64's
/// `ldrb w`) extends on both paths (an extending host load): the join
/// takes the wide value, no `uextend`/`sextend` follows, and the results
/// are the interpreter's in direct and soft memory (slow path, faults).
#[test]
fn narrow_loads_extend_on_each_path() {
    let st = mem_states();
    for ty in [Type::I16, Type::I32, Type::I64] {
        for size in [1u8, 2, 4] {
            if u32::from(size) >= ty.bytes() {
                continue;
            }
            for signed in [false, true] {
                let f = if signed {
                    MemFlags::new(size).signed()
                } else {
                    MemFlags::new(size)
                };
                let blk = mem_block(0, ty, f, RmwOp::Xchg);
                jit(true).compile(&[&blk]).unwrap();
                let clif = LAST_CLIF.with(|c| c.borrow().clone());
                let t = format!("i{}", ty.bits());
                let ext = format!("{}extend.{t}", if signed { 's' } else { 'u' });
                let wide = format!(": {t})");
                assert!(!clif.contains(&ext), "{ty:?} {size} {signed}:\n{clif}");
                assert!(
                    clif.lines()
                        .any(|l| l.starts_with("block") && l.contains(&wide)),
                    "{ty:?} {size} {signed}: no {wide} join\n{clif}"
                );
                for direct in [true, false] {
                    let env = Env::new(direct);
                    fill_memory(&env);
                    compare(&blk, &st, &env, Cmp::Exact);
                }
            }
        }
    }
}

/// The loop of the tail-snapshot tests (from `from`, 0x700 or a later
/// instruction for the retry): r5 = 2 * r3; r4 = [r1] + 1; [r1] = r4;
/// r7 = r5 + 1, r1 += 8, r3 += 1; r6 = r3 <u r2, r0 = r3 == r2; loop while
/// r6. With `forwarded`, 0x710 reads r5 as the value 0x700 set it to (as
/// the get/set pass leaves it), else with a `get`.
fn tail_loop_block(from: u64, forwarded: bool) -> Block {
    let mut b = Builder::new(&LAYOUT, from);
    let mut r5 = None;
    if from == 0x700 {
        b.insn_start(0x700);
        let x = b.get(r(3));
        let y = b.add(x, x);
        b.set(r(5), y);
        r5 = Some(y);
        b.insn_start(0x704);
        ld(&mut b, 4, 1);
        b.insn_start(0x708);
        addk(&mut b, 4, 4, 1);
        b.insn_start(0x70c);
        st(&mut b, 1, 0, 4, 8);
    }
    if from <= 0x710 {
        b.insn_start(0x710);
        let x = match r5 {
            Some(v) if forwarded => v,
            _ => b.get(r(5)),
        };
        let c = b.iconst(Type::I64, 1);
        let y = b.add(x, c);
        b.set(r(7), y);
        addk(&mut b, 1, 1, 8);
        addk(&mut b, 3, 3, 1);
    }
    b.insn_start(0x714);
    let n = b.get(r(3));
    let t = b.get(r(2));
    let lt = b.icmp(Cond::Ult, n, t);
    let lt = b.zext(Type::I64, lt);
    b.set(r(6), lt);
    let eq = b.icmp(Cond::Eq, n, t);
    let eq = b.zext(Type::I64, eq);
    b.set(r(0), eq);
    let f = b.get(r(6));
    let z = b.iconst(Type::I64, 0);
    let c = b.icmp(Cond::Ne, f, z);
    b.terminate(Terminal::Branch {
        cond: c,
        taken: 0x700,
        not_taken: 0x718,
    });
    b.finish()
}

/// A loop whose store is followed by instructions that set registers
/// before anything observes them (r6 and r0, like NZCV after a compare;
/// r7) writes its snapshot right after the store (at 0x710), without
/// those, instead of at its back edge: when the load of a later pass
/// faults, `env` holds the state at 0x710 of the last pass, with r0, r6
/// and r7 as they were at the region entry but r5, which 0x710 reads as
/// the value 0x700 set it to, and the retry from there ends exactly as
/// the interpreter.
#[test]
fn store_loop_snapshot_after_its_store_skips_registers_set_later() {
    for forwarded in [true, false] {
        for direct in [true, false] {
            let env = Env::new(direct);
            fill_memory(&env);
            let blk = tail_loop_block(0x700, forwarded);
            xlat_ir::verify(&blk, &LAYOUT).expect("test block verifies");
            let tail = tail_loop_block(0x710, false);
            let start = MAPPED - 0x100;
            let words = 0x100 / 8;
            let mut init = fault_init();
            init.r[1] = start;
            init.r[2] = 1000;
            init.r[3] = 0;
            init.r[5] = 0x55;
            init.r[6] = 0x66;
            init.r[7] = 0x77;
            init.r[0] = 0x11;
            init.pc = 0x700;
            let mut j = jit(true);
            let region = j.compile(&[&blk]).unwrap();
            let mem0 = env.dmem.snapshot();
            let mut a = init.clone();
            while run_interp(&blk, &mut a, &env) == ExitCode::Continue {}
            assert_eq!((a.pc, a.hdr.exc_info), (0x704, MAPPED), "interpreter");
            let mem_a = env.dmem.snapshot();
            env.dmem.restore(&mem0);
            let mut s = init.clone();
            assert_eq!(run_jit(&region, &mut s, &env), ExitCode::Retry);
            assert_eq!(
                (s.pc, s.r[1], s.r[3], s.r[5]),
                (0x710, MAPPED - 8, words - 1, 2 * (words - 1)),
                "snapshot after the last store ({forwarded} {direct})"
            );
            assert_eq!(
                (s.r[0], s.r[6], s.r[7]),
                (0x11, 0x66, 0x77),
                "registers set after the store are not written"
            );
            // The dispatcher's retry: tier 0 from the snapshot PC.
            let code = interp_blocks(&[&blk, &tail], &mut s, &env, RETRY_BLOCKS);
            assert_eq!(code, ExitCode::Fault);
            assert_eq!(
                (a.r, a.pc, a.hdr.exc_info),
                (s.r, s.pc, s.hdr.exc_info),
                "retried ({forwarded} {direct})"
            );
            assert!(
                env.dmem.snapshot() == mem_a,
                "memory as the interpreter left it"
            );
        }
    }
}

/// The loop above leaves through its exit and through its back edge's
/// stop path with every register written back, those its snapshot
/// skipped included.
#[test]
fn store_loop_snapshot_after_its_store_exits_with_every_register() {
    let env = Env::new(true);
    fill_memory(&env);
    let blk = tail_loop_block(0x700, true);
    let mut j = jit(true);
    let region = j.compile(&[&blk]).unwrap();
    let mut init = fault_init();
    init.r[1] = 0x100;
    init.r[2] = 5;
    init.r[3] = 2;
    init.r[5] = 0x55;
    init.r[6] = 0x66;
    init.r[7] = 0x77;
    init.r[0] = 0x11;
    init.pc = 0x700;
    let mem0 = env.dmem.snapshot();
    let mut a = init.clone();
    while a.pc == 0x700 && run_interp(&blk, &mut a, &env) == ExitCode::Continue {}
    let mem_a = env.dmem.snapshot();
    env.dmem.restore(&mem0);
    let mut s = init.clone();
    assert_eq!(run_jit(&region, &mut s, &env), ExitCode::Continue);
    assert_eq!((a.r, a.pc), (s.r, s.pc), "loop exit");
    assert_eq!((s.pc, s.r[0], s.r[6], s.r[7]), (0x718, 1, 0, 9));
    assert!(env.dmem.snapshot() == mem_a, "memory");
    // Stopped at the first back edge: the state at 0x700 after one pass.
    env.dmem.restore(&mem0);
    let mut s = init.clone();
    s.hdr.stop.store(1, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(run_jit(&region, &mut s, &env), ExitCode::Stopped);
    assert_eq!(
        (s.pc, s.r[0], s.r[1], s.r[3], s.r[5], s.r[6], s.r[7]),
        (0x700, 0, 0x108, 3, 4, 1, 5)
    );
}

/// Compiles `blocks` (entry first) as one region and checks, on the same
/// memory, that the compiled run from `init` first exits with `Retry`
/// (`first` checks the snapshot in `env` then) and, retried like the
/// dispatcher, faults in exactly the state (registers, flags, PC, fault
/// address, memory) in which the interpreter faults. Returns that state.
fn region_fault_matches_interp(
    blocks: &[&Block],
    init: &TState,
    env: &Env,
    first: &dyn Fn(&TState),
) -> TState {
    let mut j = jit(true);
    let region = j.compile(blocks).unwrap();
    let mem0 = env.dmem.snapshot();
    let mut a = init.clone();
    let code = interp_blocks(blocks, &mut a, env, usize::MAX);
    assert_eq!(code, ExitCode::Fault, "the interpreter faults");
    let mem_a = env.dmem.snapshot();
    env.dmem.restore(&mem0);
    let mut s = init.clone();
    assert_eq!(run_jit(&region, &mut s, env), ExitCode::Retry);
    first(&s);
    assert_eq!(
        run_jit_retrying(&region, blocks, &mut s, env),
        (ExitCode::Fault, true)
    );
    assert_eq!(
        (a.r, a.pc, a.f, a.hdr.exc_info),
        (s.r, s.pc, s.f, s.hdr.exc_info)
    );
    assert!(
        env.dmem.snapshot() == mem_a,
        "memory as the interpreter left it"
    );
    s
}

/// Stores to the PC field of `env` in the function last compiled on this
/// thread (after Cranelift's optimizations).
fn pc_stores_in_last_clif() -> usize {
    let at = format!("v0+{}", offset_of!(TState, pc));
    LAST_CLIF.with(|c| {
        c.borrow()
            .lines()
            .filter(|l| l.contains(" store ") && l.contains(&at))
            .filter(|l| {
                l.split(&at)
                    .nth(1)
                    .is_some_and(|t| !t.starts_with(char::is_numeric))
            })
            .count()
    })
}

/// Filled memory (direct or soft) and the state a loop at 0x700 starts
/// from: r1 = `r1` (walking towards the unmapped memory), r2 = 1000 (the
/// bound of the pass count r3), r6 = 0x200 (a mapped word).
fn loop_at_0x700(direct: bool, r1: u64) -> (Env, TState) {
    let env = Env::new(direct);
    fill_memory(&env);
    let mut init = fault_init();
    init.r[1] = r1;
    init.r[2] = 1000;
    init.r[6] = 0x200;
    init.pc = 0x700;
    (env, init)
}

/// Runs the loop region `blocks` (entry 0x700, whose load of `[r1]`
/// faults once r1, one word further per pass counted in r3, leaves the
/// mapped memory; r6 = 0x200) in direct and soft memory: the compiled run
/// first returns `Retry` with the back edge's snapshot of the last pass at
/// 0x700 in `env`, and the retry faults exactly as the interpreter does.
/// Returns the PC stores of the compiled function.
fn word_loop_faults_like_interp(blocks: &[&Block]) -> usize {
    for direct in [true, false] {
        let (env, init) = loop_at_0x700(direct, MAPPED - 0x400);
        let words = 0x400 / 8;
        let s = region_fault_matches_interp(blocks, &init, &env, &|s| {
            assert_eq!(
                (s.pc, s.r[1], s.r[3]),
                (0x700, MAPPED, words),
                "back-edge snapshot"
            );
        });
        assert_eq!((s.pc, s.hdr.exc_info), (0x700, MAPPED));
    }
    pc_stores_in_last_clif()
}

/// A two-block loop (the load at 0x700 in block 0, the store at 0x800 in
/// block 1, whose back edge is a snapshot): `env` holds 0x700 on entry to
/// block 1 on every path (the region entry left it there, the back edge
/// stored it, block 0 writes no snapshot), so the back edge does not store
/// it again; the only PC store left is the exit's. A fault of the load
/// after iterations still retries from 0x700 with that pass's registers.
#[test]
fn snapshot_edge_skips_the_pc_env_holds_on_every_path() {
    let insns: [Insn; 4] = [
        (0x700, &|b| ld(b, 4, 1)),
        (0x704, &|b| addk(b, 3, 3, 1)),
        (0x800, &|b| st(b, 1, 0, 4, 8)),
        (0x804, &|b| addk(b, 1, 1, 8)),
    ];
    let head = insn_block_with(&insns[..2], 0x700, &|_| Terminal::Jump(0x800));
    let body = insn_block_with(&insns[2..], 0x800, &r3_below_r2(0x900));
    let stores = word_loop_faults_like_interp(&[&head, &body]);
    assert_eq!(stores, 1, "the exit's PC store only");
}

/// As above, with a block between whose load after its store writes a
/// snapshot of its own (PC 0x804) and whose edge is no snapshot: the PC
/// `env` holds at the back edge is then not the loop's, so the back edge
/// must store it (a retry from 0x804 with the registers of 0x700 would
/// repeat the wrong instructions).
#[test]
fn snapshot_edge_stores_the_pc_after_a_block_that_wrote_another() {
    let insns: [Insn; 6] = [
        (0x700, &|b| ld(b, 4, 1)),
        (0x800, &|b| st(b, 6, 0, 4, 8)),
        (0x804, &|b| ld(b, 7, 6)),
        (0x808, &|b| addk(b, 3, 3, 1)),
        (0x900, &|b| st(b, 1, 0, 7, 8)),
        (0x904, &|b| addk(b, 1, 1, 8)),
    ];
    let head = insn_block_with(&insns[..1], 0x700, &|_| Terminal::Jump(0x800));
    let mid = insn_block_with(&insns[1..4], 0x800, &|_| Terminal::Jump(0x900));
    let tail = insn_block_with(&insns[4..], 0x900, &r3_below_r2(0xa00));
    let stores = word_loop_faults_like_interp(&[&head, &mid, &tail]);
    assert_eq!(
        stores, 3,
        "the PC stores at 0x804, the back edge and the exit"
    );
}

/// Integer lane 0 of a vector (`vextract.i64x2 v, 0`, `vextract.i32x4 v,
/// 0`, and `trunc.i64(bitcast.i128 v)`: AArch64's `fmov x3, d2`) is read
/// through the float view (one `movq`/`movd`, not `pextrq`/`pextrd`);
/// other lanes as before; the interpreter's results.
#[test]
fn integer_lane_zero_moves_through_the_float_view() {
    let env = Env::new(true);
    let mut st = states2();
    for s in st.iter_mut() {
        s.v[0] = u128::from(s.r[1]) << 64 | u128::from(s.r[0]);
    }
    let mut b = Builder::new(&LAYOUT, 0x1000);
    let v = b.get(V0);
    let x = b.vextract(Lanes::I64x2, v, 0);
    b.set(r(2), x);
    let y = b.vextract(Lanes::I32x4, v, 0);
    let y = b.zext(Type::I64, y);
    b.set(r(3), y);
    let z = b.vextract(Lanes::I64x2, v, 1);
    b.set(r(4), z);
    let w = b.bitcast(Type::I128, v);
    let w = b.trunc(Type::I64, w);
    let w = b.add(w, z);
    b.set(r(5), w);
    let u = b.vextract(Lanes::I32x4, v, 3);
    let u = b.zext(Type::I64, u);
    b.set(r(6), u);
    b.terminate(Terminal::Jump(0));
    let blk = b.finish();
    jit(true).compile(&[&blk]).unwrap();
    let clif = LAST_CLIF.with(|c| c.borrow().clone());
    for want in [
        "bitcast.f64x2",
        "bitcast.i64",
        "bitcast.f32x4",
        "bitcast.i32",
    ] {
        assert!(clif.contains(want), "no {want}:\n{clif}");
    }
    compare(&blk, &st, &env, Cmp::Exact);
}

/// A lane-by-lane vector op (as the AArch64 frontend writes it) of
/// vectors `n` and `m`, for [`chained_vector_float_ops_share_one_nan_test`].
fn lane_op(b: &mut Builder, lanes: Lanes, ft: Type, op: Opcode, n: Value, m: Value) -> Value {
    let it = Type::int(ft.bits());
    let mut acc = b.iconst(Type::V128, 0);
    for k in 0..lanes.count() {
        let x = b.vextract(lanes, n, k);
        let x = b.bitcast(ft, x);
        let y = b.vextract(lanes, m, k);
        let y = b.bitcast(ft, y);
        let r = b.push(op, ft, [x, y, Value::NONE], 0);
        let f = b.push(Opcode::Fnan, ft, [r, x, y], NanRule::Arm as u64);
        let z = b.bitcast(it, f);
        acc = b.vinsert(lanes, acc, z, k);
    }
    acc
}

/// Ends `b` with a jump and compiles it: the block, its CLIF and the
/// number of vector NaN tests there.
fn vector_nan_tests(mut b: Builder<'_>) -> (Block, String, usize) {
    b.terminate(Terminal::Jump(0));
    let blk = b.finish();
    jit(true).compile(&[&blk]).unwrap();
    let clif = LAST_CLIF.with(|c| c.borrow().clone());
    let tests = clif.matches("vany_true").count();
    (blk, clif, tests)
}

/// A vector float op whose result the next one reads lane by lane (matmul's
/// `fmul` then `fadd`) has no NaN test of its own: the second's test covers
/// both, and its slow path fixes both. Results match the interpreter bit
/// for bit when either op makes a NaN (from a NaN operand, quiet or
/// signalling, or from infinity times zero), in the register the first
/// result was written to too, and where the first result is read again
/// after the second; two chains interleaved (PowerPC's mul, mul, add, add)
/// test once (the last add ends both). A lane of the first result read on
/// its own before the second keeps both tests.
#[test]
fn chained_vector_float_ops_share_one_nan_test() {
    let env = Env::new(true);
    let f64s = [
        1.5f64.to_bits(),
        0.0f64.to_bits(),
        f64::INFINITY.to_bits(),
        0x7ff8_0000_0000_0123,
        0x7ff0_0000_0000_0456,
        (-3.0f64).to_bits(),
        f64::NEG_INFINITY.to_bits(),
    ];
    let n = f64s.len();
    let mut st = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let mut s = TState::default();
            s.v[0] = u128::from(f64s[i]) | u128::from(f64s[(i + j) % n]) << 64;
            s.v[1] = u128::from(f64s[j]) | u128::from(f64s[(j + 2) % n]) << 64;
            st.push(s);
        }
    }
    let (lanes, ft) = (Lanes::I64x2, Type::F64);
    for (op1, op2) in [
        (Opcode::Fmul, Opcode::Fadd),
        (Opcode::Fadd, Opcode::Fsub),
        (Opcode::Fdiv, Opcode::Fmul),
    ] {
        // 0: second reads the first as `m`; 1: as `n`; 2: the first read
        // again after the second; 3: a lane of the first read before; 4:
        // two chains interleaved.
        for shape in 0..5 {
            let mut b = Builder::new(&LAYOUT, 0x1000);
            let (x, y) = (b.get(V0), b.get(V1));
            let p1 = lane_op(&mut b, lanes, ft, op1, x, y);
            b.set(V1, p1);
            if shape == 3 {
                let l = b.vextract(lanes, p1, 1);
                b.set(r(2), l);
            }
            let q1 = (shape == 4).then(|| lane_op(&mut b, lanes, ft, op1, y, x));
            let p2 = if shape == 1 {
                lane_op(&mut b, lanes, ft, op2, p1, x)
            } else {
                lane_op(&mut b, lanes, ft, op2, x, p1)
            };
            let p2 = match q1 {
                Some(q1) => lane_op(&mut b, lanes, ft, op2, p2, q1),
                None => p2,
            };
            b.set(V0, p2);
            if shape == 2 {
                let l = b.vextract(lanes, p1, 0);
                b.set(r(3), l);
            }
            let (blk, clif, tests) = vector_nan_tests(b);
            let want = if shape == 3 { 2 } else { 1 };
            assert_eq!(tests, want, "{op1:?} {op2:?} shape {shape}:\n{clif}");
            compare(&blk, &st, &env, Cmp::Exact);
        }
    }
}

/// A one-block loop (glibc's `memcpy`: a store pair first, a load after
/// its last store) whose back edge is no snapshot: the load's snapshot
/// leaves 0x704 in `env`, so the snapshot of the store pair's start that
/// its second half writes in the next pass must store 0x700 (block 0
/// entered from its own back edge does not find the region entry's PC).
/// The second half faults after 63 passes; the retry re-runs the pair.
#[test]
fn store_pair_after_a_non_snapshot_back_edge_snapshots_its_pc() {
    let insns: [Insn; 3] = [
        (0x700, &|b| {
            st(b, 1, 0, 3, 8);
            st(b, 1, 8, 4, 8);
        }),
        (0x704, &|b| ld(b, 5, 6)),
        (0x708, &|b| {
            addk(b, 1, 1, 16);
            addk(b, 3, 3, 1);
        }),
    ];
    for direct in [true, false] {
        let (env, init) = loop_at_0x700(direct, MAPPED - 0x400 + 8);
        let s = loop_fault_matches_interp(&insns, &r3_below_r2(0x710), &init, &env, &|s| {
            assert_eq!(
                (s.pc, s.r[1], s.r[3]),
                (0x700, MAPPED - 8, 63),
                "the store pair's snapshot"
            );
        });
        assert_eq!((s.pc, s.hdr.exc_info), (0x700, MAPPED));
    }
}

/// A generation registers its arena's code once with the fault handler,
/// not each region: more regions than the range table has entries all
/// compile (with one range per region the last ones failed with "code
/// range table full" and ran at tier 0: python3 at `-tier jit`), and a
/// fault-handler lookup still finds the newest region's code.
#[test]
fn more_regions_than_range_table_entries_compile() {
    let mut j = jit(true);
    let block = counting_block(0x100, 0x10);
    let mut last = None;
    for _ in 0..=runtime::RANGES {
        last = Some(j.compile(&[&block]).expect("region compiles"));
    }
    let last = last.expect("at least one region");
    assert!(runtime::in_code(last.entry));
    assert!(j.live_generations() > 1, "regions spread over generations");
}

/// A compile that panics (a lowering bug) fails alone: the next compile
/// on the same `Jit` builds and runs (the builder's context, which the
/// panic left mid-function, is not reused; before, every later compile
/// panicked too, leaving whole programs at tier 0).
#[test]
fn a_panicking_compile_leaves_the_next_one_whole() {
    let env = Env::new(true);
    let mut a = Builder::new(&LAYOUT, 0x1000);
    a.insn_start(0x1000);
    addk(&mut a, 1, 1, 5);
    a.terminate(Terminal::Jump(0x1100));
    let mut b = Builder::new(&LAYOUT, 0x1100);
    b.insn_start(0x1100);
    let x = incr_r0(&mut b);
    let lim = b.get(r(2));
    let c = b.icmp(Cond::Ult, x, lim);
    b.terminate(Terminal::Branch {
        cond: c,
        taken: 0x1100,
        not_taken: 0x1200,
    });
    let blocks = [a.finish(), b.finish()];
    let refs: Vec<&Block> = blocks.iter().collect();
    let targets = vec![Vec::new(); refs.len()];
    let mut j = jit(true);
    crate::PANIC_AFTER_FIRST_BLOCK.with(|p| p.set(true));
    let failed = j.compile_with(&refs, &targets, OptLevel::Speed);
    assert!(
        matches!(failed, Err(JitError::Codegen(_))),
        "the injected panic fails the compile"
    );
    for _ in 0..2 {
        let region = j
            .compile_with(&refs, &targets, OptLevel::Speed)
            .expect("the next compile builds");
        let mut st = TState::default();
        st.r[2] = 10;
        st.pc = 0x1000;
        assert_eq!(run_jit_jc(&region, &mut st, &env), ExitCode::Continue);
        assert_eq!((st.r[0], st.r[1], st.pc), (10, 5, 0x1200));
    }
}

mod branch_flags;
mod dispatch;
mod entry_loads;
mod float_cmp;
mod forward_loads;
mod guard;
mod lane_test;
mod lazy_fcmp;
mod lazy_flags;
mod loop_entry;
mod loop_exits;
mod scalar_nan;
mod slow_args;
mod vsx_swaps;
mod word_table;
