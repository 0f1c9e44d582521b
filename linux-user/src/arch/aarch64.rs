//! The AArch64 Linux ABI: syscall numbers (asm-generic), registers,
//! auxiliary-vector values, structure layouts.

use super::{AbiRegs, ArchDef, FrameIn, FrameOut, SignalAbi};
use crate::errno::Errno;
use crate::mmap::AddressSpace;
use crate::stack::AuxArch;
use crate::syscall::table::{self, sc};
use crate::syscall::{self, SyscallDef, cred, fd, net, structs};
use std::sync::Arc;
use xlat_exec::Cpu;
use xlat_frontend_aarch64::cpu::{self, CpuModel};
use xlat_frontend_aarch64::state::{R_BTYPE, R_PSTATE, R_SP, R_TPIDR, r_x};
use xlat_frontend_aarch64::state::{R_CF, R_FPCR, R_FPSR, R_FPTRACK, R_NF, R_VF, R_ZF, r_v};
use xlat_ir::abi::FaultKind;

/// HWCAP_FP.
pub const HWCAP_FP: u64 = 1 << 0;
/// HWCAP_ASIMD.
pub const HWCAP_ASIMD: u64 = 1 << 1;

/// AArch64 numbers of the shared rows (`syscall::table::COMMON`).
const NUMBERS: &[(u32, &str)] = &[
    (5, "setxattr"),
    (6, "lsetxattr"),
    (7, "fsetxattr"),
    (8, "getxattr"),
    (9, "lgetxattr"),
    (10, "fgetxattr"),
    (11, "listxattr"),
    (12, "llistxattr"),
    (13, "flistxattr"),
    (14, "removexattr"),
    (15, "lremovexattr"),
    (16, "fremovexattr"),
    (17, "getcwd"),
    (19, "eventfd2"),
    (20, "epoll_create1"),
    (21, "epoll_ctl"),
    (22, "epoll_pwait"),
    (23, "dup"),
    (24, "dup3"),
    (25, "fcntl"),
    (26, "inotify_init1"),
    (27, "inotify_add_watch"),
    (28, "inotify_rm_watch"),
    (32, "flock"),
    (33, "mknodat"),
    (34, "mkdirat"),
    (35, "unlinkat"),
    (36, "symlinkat"),
    (37, "linkat"),
    (38, "renameat"),
    (43, "statfs"),
    (44, "fstatfs"),
    (45, "truncate"),
    (46, "ftruncate"),
    (47, "fallocate"),
    (48, "faccessat"),
    (49, "chdir"),
    (50, "fchdir"),
    (52, "fchmod"),
    (53, "fchmodat"),
    (54, "fchownat"),
    (55, "fchown"),
    (56, "openat"),
    (57, "close"),
    (59, "pipe2"),
    (61, "getdents64"),
    (62, "lseek"),
    (63, "read"),
    (64, "write"),
    (65, "readv"),
    (66, "writev"),
    (67, "pread64"),
    (68, "pwrite64"),
    (71, "sendfile"),
    (72, "pselect6"),
    (73, "ppoll"),
    (74, "signalfd4"),
    (76, "splice"),
    (77, "tee"),
    (78, "readlinkat"),
    (79, "newfstatat"),
    (80, "fstat"),
    (81, "sync"),
    (82, "fsync"),
    (83, "fdatasync"),
    (85, "timerfd_create"),
    (86, "timerfd_settime"),
    (87, "timerfd_gettime"),
    (88, "utimensat"),
    (90, "capget"),
    (91, "capset"),
    (92, "personality"),
    (93, "exit"),
    (94, "exit_group"),
    (95, "waitid"),
    (96, "set_tid_address"),
    (98, "futex"),
    (99, "set_robust_list"),
    (100, "get_robust_list"),
    (101, "nanosleep"),
    (102, "getitimer"),
    (103, "setitimer"),
    (113, "clock_gettime"),
    (114, "clock_getres"),
    (115, "clock_nanosleep"),
    (116, "syslog"),
    (118, "sched_setparam"),
    (119, "sched_setscheduler"),
    (120, "sched_getscheduler"),
    (121, "sched_getparam"),
    (122, "sched_setaffinity"),
    (123, "sched_getaffinity"),
    (124, "sched_yield"),
    (125, "sched_get_priority_max"),
    (126, "sched_get_priority_min"),
    (127, "sched_rr_get_interval"),
    (129, "kill"),
    (130, "tkill"),
    (131, "tgkill"),
    (132, "sigaltstack"),
    (133, "rt_sigsuspend"),
    (134, "rt_sigaction"),
    (135, "rt_sigprocmask"),
    (136, "rt_sigpending"),
    (137, "rt_sigtimedwait"),
    (138, "rt_sigqueueinfo"),
    (139, "rt_sigreturn"),
    (140, "setpriority"),
    (141, "getpriority"),
    (143, "setregid"),
    (144, "setgid"),
    (145, "setreuid"),
    (146, "setuid"),
    (147, "setresuid"),
    (148, "getresuid"),
    (149, "setresgid"),
    (150, "getresgid"),
    (151, "setfsuid"),
    (152, "setfsgid"),
    (153, "times"),
    (154, "setpgid"),
    (155, "getpgid"),
    (156, "getsid"),
    (157, "setsid"),
    (158, "getgroups"),
    (159, "setgroups"),
    (160, "uname"),
    (163, "getrlimit"),
    (164, "setrlimit"),
    (165, "getrusage"),
    (166, "umask"),
    (168, "getcpu"),
    (169, "gettimeofday"),
    (172, "getpid"),
    (173, "getppid"),
    (174, "getuid"),
    (175, "geteuid"),
    (176, "getgid"),
    (177, "getegid"),
    (178, "gettid"),
    (179, "sysinfo"),
    (194, "shmget"),
    (195, "shmctl"),
    (196, "shmat"),
    (197, "shmdt"),
    (198, "socket"),
    (199, "socketpair"),
    (200, "bind"),
    (201, "listen"),
    (202, "accept"),
    (203, "connect"),
    (204, "getsockname"),
    (205, "getpeername"),
    (206, "sendto"),
    (207, "recvfrom"),
    (210, "shutdown"),
    (211, "sendmsg"),
    (212, "recvmsg"),
    (214, "brk"),
    (215, "munmap"),
    (216, "mremap"),
    (220, "clone"),
    (221, "execve"),
    (222, "mmap"),
    (223, "fadvise64"),
    (226, "mprotect"),
    (227, "msync"),
    (228, "mlock"),
    (229, "munlock"),
    (230, "mlockall"),
    (231, "munlockall"),
    (233, "madvise"),
    (240, "rt_tgsigqueueinfo"),
    (242, "accept4"),
    (260, "wait4"),
    (261, "prlimit64"),
    (274, "sched_setattr"),
    (275, "sched_getattr"),
    (276, "renameat2"),
    (278, "getrandom"),
    (279, "memfd_create"),
    (283, "membarrier"),
    (284, "mlock2"),
    (285, "copy_file_range"),
    (291, "statx"),
    (293, "rseq"),
    (435, "clone3"),
    (439, "faccessat2"),
    (441, "epoll_pwait2"),
];

/// The rows only AArch64 has (or has with another handler).
const OWN: &[SyscallDef] = &[
    sc!(29, "ioctl", [Fd, Hex, Hex], fd::sys_ioctl),
    sc!(167, "prctl", [Int, Hex, Hex, Hex, Hex], sys_prctl),
    sc!(
        208,
        "setsockopt",
        [Fd, Int, Int, Ptr, Uint],
        net::sys_setsockopt
    ),
    sc!(
        209,
        "getsockopt",
        [Fd, Int, Int, Ptr, Ptr],
        net::sys_getsockopt
    ),
];

/// The AArch64 syscall table.
pub static SYSCALLS: [SyscallDef; NUMBERS.len() + OWN.len()] = table::build(NUMBERS, OWN);

/// The `-cpu` model (default: the frontend's default, `max`).
static CPU: std::sync::OnceLock<&'static CpuModel> = std::sync::OnceLock::new();

fn cpu_model() -> &'static CpuModel {
    CPU.get().copied().unwrap_or_else(cpu::default_model)
}

/// `prctl` with the arm64-only option PR_PAC_RESET_KEYS (54): fresh
/// pointer authentication keys for the calling thread (arg2: key mask,
/// 0 = all; EINVAL without FEAT_PAuth, as Linux); the other options as on
/// every architecture.
fn sys_prctl(ctx: &mut syscall::SysCtx<'_>, a: &[u64; 6]) -> syscall::SysResult {
    const PR_PAC_RESET_KEYS: u64 = 54;
    if a[0] != PR_PAC_RESET_KEYS {
        return cred::sys_prctl(ctx, a);
    }
    if !cpu_model().has(cpu::Feature::Pauth) || a[1] & !0x1f != 0 || a[2] | a[3] | a[4] != 0 {
        return Err(Errno::EINVAL);
    }
    xlat_frontend_aarch64::pauth::request_reset(if a[1] == 0 { 0x1f } else { a[1] });
    Ok(0)
}

/// Selects the `-cpu` model; `Ok(Some(text))` for `help` (the list to
/// print), `Err` for an unknown name.
pub fn select_cpu(name: &str) -> Result<Option<String>, String> {
    if name == "help" || name == "?" {
        let mut s = String::from("Available CPUs:\n");
        for m in cpu::MODELS {
            s.push_str(&format!("  {:<12} {}\n", m.name, m.description));
        }
        return Ok(Some(s));
    }
    let m = cpu::find(name).ok_or_else(|| format!("unknown CPU model '{name}' (try -cpu help)"))?;
    let _ = CPU.set(m);
    Ok(None)
}

/// True if the CPU model has FEAT_BTI (`PROT_BTI`, guarded ELF segments).
pub fn has_bti() -> bool {
    cpu_model().has(cpu::Feature::Bti)
}

fn hwcaps() -> (u64, u64) {
    let m = cpu_model();
    (m.hwcap(), m.hwcap2())
}

fn new_frontend() -> Arc<dyn xlat_ir::Frontend> {
    Arc::new(xlat_frontend_aarch64::Aarch64Frontend::new(cpu_model()))
}

/// `/proc/cpuinfo` for `ncpus` CPUs of `model`, in the format of Linux
/// arm64's `c_show` (arch/arm64/kernel/cpuinfo.c): one block per CPU with
/// the MIDR_EL1 fields. BogoMIPS is the kernel's `loops_per_jiffy * HZ /
/// 500000` for the 1 GHz generic timer (timer rate / 500000).
pub fn cpuinfo_for(model: &CpuModel, ncpus: usize) -> String {
    let midr = model.midr;
    let features = model.cpuinfo_features();
    let mut s = String::new();
    for i in 0..ncpus {
        s.push_str(&format!(
            "processor\t: {i}\n\
             BogoMIPS\t: {bogo}.00\n\
             Features\t: {features}\n\
             CPU implementer\t: 0x{imp:02x}\n\
             CPU architecture: 8\n\
             CPU variant\t: 0x{var:x}\n\
             CPU part\t: 0x{part:03x}\n\
             CPU revision\t: {rev}\n\n",
            bogo = CNTFRQ_HZ / 500_000,
            imp = midr >> 24 & 0xff,
            var = midr >> 20 & 0xf,
            part = midr >> 4 & 0xfff,
            rev = midr & 0xf,
        ));
    }
    s
}

/// Frequency of the guest's generic timer (CNTFRQ_EL0, see the frontend).
const CNTFRQ_HZ: u64 = 1_000_000_000;

fn cpuinfo() -> String {
    cpuinfo_for(cpu_model(), super::online_cpus())
}

/// The AArch64 ABI.
pub static ARCH: ArchDef = ArchDef {
    name: "aarch64",
    elf_machine: 183,
    elf_machine_name: "AArch64",
    uname_machine: "aarch64",
    aux: AuxArch {
        hwcap: HWCAP_FP | HWCAP_ASIMD,
        hwcap2: 0,
        platform: "aarch64",
        minsigstksz: 5120,
        base_platform: None,
        extra: &[],
        hwcaps: Some(hwcaps),
        platform_fn: None,
    },
    regs: AbiRegs {
        nr: r_x(8),
        args: [r_x(0), r_x(1), r_x(2), r_x(3), r_x(4), r_x(5)],
        ret: r_x(0),
        sp: R_SP,
        tls: R_TPIDR,
    },
    syscalls: &SYSCALLS,
    encode_stat: structs::stat_generic64,
    // O_DIRECTORY, O_NOFOLLOW, O_DIRECT, O_LARGEFILE differ from x86-64.
    open_flags: &[
        (0o040000, 0o200000),
        (0o100000, 0o400000),
        (0o200000, 0o040000),
        (0o400000, 0o100000),
    ],
    isa: crate::dlog::GuestIsa::Aarch64,
    new_frontend,
    set_syscall_result: super::plain_syscall_result,
    init_regs: super::no_init_regs,
    signal: SignalAbi {
        setup_frame,
        restore_frame,
        trampoline: &SIGTRAMP,
        sa_restorer: true,
        syscall_insn_len: 4,
        fault_syndrome,
    },
    cpuinfo,
    vdso: None,
};

/// `mov x8, #139 (rt_sigreturn); svc #0`.
const SIGTRAMP: [u8; 8] = [0x68, 0x11, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4];

/// Layout of the arm64 `struct rt_sigframe` (arch/arm64/kernel/signal.c):
/// `siginfo` (128 bytes), then `struct ucontext` whose `uc_mcontext`
/// (`struct sigcontext`, 16-byte aligned) ends in a 4096-byte `__reserved`
/// area of context records.
pub mod frame {
    /// `sizeof(struct rt_sigframe)`.
    pub const SIZE: u64 = 4688;
    /// `frame.uc`.
    pub const UC: usize = 128;
    /// `uc.uc_flags`.
    pub const UC_FLAGS: usize = UC;
    /// `uc.uc_link`.
    pub const UC_LINK: usize = UC + 8;
    /// `uc.uc_stack` (ss_sp, ss_flags, ss_size).
    pub const UC_STACK: usize = UC + 16;
    /// `uc.uc_sigmask`.
    pub const UC_SIGMASK: usize = UC + 40;
    /// `uc.uc_mcontext`.
    pub const MCONTEXT: usize = UC + 176;
    /// `uc_mcontext.fault_address`.
    pub const FAULT_ADDRESS: usize = MCONTEXT;
    /// `uc_mcontext.regs[0]`.
    pub const REGS: usize = MCONTEXT + 8;
    /// `uc_mcontext.sp`.
    pub const SP: usize = MCONTEXT + 256;
    /// `uc_mcontext.pc`.
    pub const PC: usize = MCONTEXT + 264;
    /// `uc_mcontext.pstate`.
    pub const PSTATE: usize = MCONTEXT + 272;
    /// `uc_mcontext.__reserved`.
    pub const RESERVED: usize = MCONTEXT + 288;
    /// Size of `__reserved`.
    pub const RESERVED_SIZE: usize = 4096;
    /// `FPSIMD_MAGIC`.
    pub const FPSIMD_MAGIC: u32 = 0x4650_8001;
    /// `sizeof(struct fpsimd_context)`.
    pub const FPSIMD_SIZE: u32 = 528;
    /// `ESR_MAGIC`.
    pub const ESR_MAGIC: u32 = 0x4553_5201;
    /// `sizeof(struct esr_context)`.
    pub const ESR_SIZE: u32 = 16;
    /// `EXTRA_MAGIC`.
    pub const EXTRA_MAGIC: u32 = 0x4558_5452;
}

fn put32(b: &mut [u8], o: usize, v: u32) {
    b[o..o + 4].copy_from_slice(&v.to_le_bytes());
}

fn put64(b: &mut [u8], o: usize, v: u64) {
    b[o..o + 8].copy_from_slice(&v.to_le_bytes());
}

fn get32(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes"))
}

fn get64(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes"))
}

/// PSTATE.SSBS (bit 12) and PSTATE.DIT (bit 24), kept in `R_PSTATE`.
const PSTATE_SSBS_DIT: u64 = 1 << 12 | 1 << 24;

/// PSTATE.BTYPE: bits 11..10.
const PSTATE_BTYPE_SHIFT: u32 = 10;

/// NZCV of the CPU as PSTATE bits 31..28, SSBS, DIT and BTYPE (EL0t,
/// everything else 0).
fn pstate(cpu: &Cpu) -> u64 {
    let bit = |r, n: u32| ((cpu.get(r) & 1) as u64) << n;
    bit(R_NF, 31)
        | bit(R_ZF, 30)
        | bit(R_CF, 29)
        | bit(R_VF, 28)
        | cpu.get(R_PSTATE) as u64 & PSTATE_SSBS_DIT
        | (cpu.get(R_BTYPE) as u64 & 3) << PSTATE_BTYPE_SHIFT
}

/// Builds the frame as Linux's `setup_rt_frame` does for a native task.
fn setup_frame(cpu: &mut Cpu, mem: &AddressSpace, f: &FrameIn<'_>) -> Result<(), Errno> {
    use frame::*;
    // get_sigframe: a frame record {fp, lr} below the stack top, then the
    // rt_sigframe below that, both 16-byte aligned.
    let record = f.sp_top.wrapping_sub(16) & !15;
    let at = record.wrapping_sub(SIZE);
    let mut b = vec![0u8; SIZE as usize];
    b[..128].copy_from_slice(f.info);
    put64(&mut b, UC_FLAGS, 0);
    put64(&mut b, UC_LINK, 0);
    put64(&mut b, UC_STACK, f.uc_stack.0);
    put32(&mut b, UC_STACK + 8, f.uc_stack.1 as u32);
    put64(&mut b, UC_STACK + 16, f.uc_stack.2);
    put64(&mut b, UC_SIGMASK, f.saved_mask);
    put64(&mut b, FAULT_ADDRESS, f.fault_address);
    for i in 0..31 {
        put64(&mut b, REGS + 8 * i, cpu.get(r_x(i as u32)) as u64);
    }
    put64(&mut b, SP, cpu.get(R_SP) as u64);
    put64(&mut b, PC, cpu.pc());
    put64(&mut b, PSTATE, pstate(cpu));
    let mut o = RESERVED;
    put32(&mut b, o, FPSIMD_MAGIC);
    put32(&mut b, o + 4, FPSIMD_SIZE);
    // Before the thread's first FPSR access the fast FP path leaves its
    // flags in the host's sticky flags (as the first MRS FPSR reads them).
    let host_flags = if cpu.get(R_FPTRACK) == 0 {
        xlat_ir::hostfp::status() as u128
    } else {
        0
    };
    put32(&mut b, o + 8, (cpu.get(R_FPSR) | host_flags) as u32);
    put32(&mut b, o + 12, cpu.get(R_FPCR) as u32);
    for i in 0..32 {
        let v = cpu.get(r_v(i as u32));
        b[o + 16 + 16 * i..o + 32 + 16 * i].copy_from_slice(&v.to_le_bytes());
    }
    o += FPSIMD_SIZE as usize;
    if let Some(esr) = f.syndrome {
        put32(&mut b, o, ESR_MAGIC);
        put32(&mut b, o + 4, ESR_SIZE);
        put64(&mut b, o + 8, esr);
        o += ESR_SIZE as usize;
    }
    // The terminating null record (already zero).
    debug_assert!(o + 16 <= RESERVED + RESERVED_SIZE);
    let x29 = cpu.get(r_x(29)) as u64;
    let x30 = cpu.get(r_x(30)) as u64;
    let mut rec = [0u8; 16];
    put64(&mut rec, 0, x29);
    put64(&mut rec, 8, x30);
    mem.write_guest(record, &rec)?;
    mem.write_guest(at, &b)?;
    // setup_return.
    cpu.set(r_x(0), f.sig as u128);
    if f.siginfo {
        cpu.set(r_x(1), at as u128);
        cpu.set(r_x(2), (at + UC as u64) as u128);
    }
    cpu.set(R_SP, at as u128);
    cpu.set(r_x(29), record as u128);
    cpu.set(r_x(30), f.restorer as u128);
    cpu.set_pc(f.handler);
    // Linux enters the handler with BTYPE "c" where BTI is supported: a
    // handler in a guarded page must start with a landing pad. BTYPE is
    // only tracked once guarded pages exist.
    if has_bti() && mem.any_guarded() {
        cpu.set(R_BTYPE, u128::from(xlat_frontend_aarch64::bti::BTYPE_CALL));
    }
    Ok(())
}

/// `rt_sigreturn`: restores registers, NZCV, FP/SIMD state from the frame
/// at SP; a misaligned SP or a malformed frame is an error (the caller
/// forces SIGSEGV, as Linux does).
fn restore_frame(cpu: &mut Cpu, mem: &AddressSpace) -> Result<FrameOut, Errno> {
    use frame::*;
    let at = cpu.get(R_SP) as u64;
    if !at.is_multiple_of(16) {
        return Err(Errno::EFAULT);
    }
    let mut b = vec![0u8; SIZE as usize];
    mem.read_guest(at, &mut b)?;
    let pst = get64(&b, PSTATE);
    // Only EL0t, AArch64 state is acceptable (valid_user_regs).
    if pst & 0x1f != 0 {
        return Err(Errno::EINVAL);
    }
    // Walk the context records: an fpsimd_context is required.
    let mut o = RESERVED;
    let mut fp: Option<usize> = None;
    loop {
        if o + 8 > RESERVED + RESERVED_SIZE {
            return Err(Errno::EINVAL);
        }
        let (magic, size) = (get32(&b, o), get32(&b, o + 4) as usize);
        match magic {
            0 if size == 0 => break,
            FPSIMD_MAGIC if size == FPSIMD_SIZE as usize && fp.is_none() => fp = Some(o),
            ESR_MAGIC if size == ESR_SIZE as usize => {}
            _ => return Err(Errno::EINVAL),
        }
        o += size;
    }
    let fp = fp.ok_or(Errno::EINVAL)?;
    for i in 0..31 {
        cpu.set(r_x(i as u32), get64(&b, REGS + 8 * i) as u128);
    }
    cpu.set(R_SP, get64(&b, SP) as u128);
    cpu.set_pc(get64(&b, PC));
    cpu.set(R_NF, ((pst >> 31) & 1) as u128);
    cpu.set(R_ZF, ((pst >> 30) & 1) as u128);
    cpu.set(R_CF, ((pst >> 29) & 1) as u128);
    cpu.set(R_VF, ((pst >> 28) & 1) as u128);
    cpu.set(R_PSTATE, (pst & PSTATE_SSBS_DIT) as u128);
    let btype = if mem.any_guarded() {
        pst >> PSTATE_BTYPE_SHIFT & 3
    } else {
        0
    };
    cpu.set(R_BTYPE, u128::from(btype));
    cpu.set(R_FPSR, get32(&b, fp + 8) as u128);
    cpu.set(R_FPCR, get32(&b, fp + 12) as u128);
    for i in 0..32 {
        let o = fp + 16 + 16 * i;
        let v = u128::from_le_bytes(b[o..o + 16].try_into().expect("16 bytes"));
        cpu.set(r_v(i as u32), v);
    }
    Ok(FrameOut {
        mask: get64(&b, UC_SIGMASK),
        uc_stack: (
            get64(&b, UC_STACK),
            get32(&b, UC_STACK + 8) as i32,
            get64(&b, UC_STACK + 16),
        ),
    })
}

/// ESR_EL1 of a data abort from EL0 as Linux reports it in `esr_context`:
/// EC 0x24, IL, WnR, and the fault status code (level-3 translation,
/// permission or alignment fault).
fn fault_syndrome(write: bool, kind: FaultKind) -> Option<u64> {
    let dfsc = match kind {
        FaultKind::Unmapped => 0x07,
        FaultKind::Protection => 0x0f,
        FaultKind::Alignment => 0x21,
        FaultKind::Bus | FaultKind::BranchTarget => return None,
    };
    Some((0x24 << 26) | (1 << 25) | (u64::from(write) << 6) | dfsc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpuinfo_blocks_carry_the_midr_fields() {
        let n1 = cpu::find("neoverse-n1").expect("model");
        let text = cpuinfo_for(n1, 2);
        let blocks: Vec<&str> = text.split_terminator("\n\n").collect();
        assert_eq!(blocks.len(), 2);
        assert!(blocks[1].starts_with("processor\t: 1\n"));
        // MIDR 0x413fd0c1: Arm, variant 3, part 0xd0c, revision 1.
        for want in [
            "BogoMIPS\t: 2000.00",
            "CPU implementer\t: 0x41",
            "CPU architecture: 8",
            "CPU variant\t: 0x3",
            "CPU part\t: 0xd0c",
            "CPU revision\t: 1",
        ] {
            assert!(blocks[0].lines().any(|l| l == want), "{want:?} in {text}");
        }
        let a53 = cpuinfo_for(cpu::find("cortex-a53").expect("model"), 1);
        assert!(a53.contains("CPU part\t: 0xd03\nCPU revision\t: 4\n"));
        let feat = a53
            .lines()
            .find(|l| l.starts_with("Features"))
            .expect("line");
        assert!(feat.contains(" aes pmull sha1 sha2 crc32"), "{feat}");
        assert!(!feat.contains("atomics"), "{feat}");
    }

    #[test]
    fn table_numbers_unique_and_sorted() {
        let mut last = None;
        for d in &SYSCALLS {
            assert!(last < Some(d.nr), "{} out of order or duplicate", d.name);
            last = Some(d.nr);
            assert!(d.args.len() <= 6);
        }
    }

    #[test]
    fn signal_frame_layout_and_round_trip() {
        let mem = crate::mmap::test_space();
        let memref: xlat_ir::abi::MemRef = mem.clone();
        let engine =
            xlat_exec::Engine::new(new_frontend(), memref, xlat_exec::ExecOptions::default())
                .unwrap();
        let mut cpu = engine.new_cpu();
        for i in 0..31 {
            cpu.set(r_x(i), 0x1000 + i as u128);
        }
        cpu.set(R_SP, 0x1_fff8);
        cpu.set_pc(0x4000);
        cpu.set(R_NF, 1);
        cpu.set(R_CF, 1);
        cpu.set(R_FPSR, 0x8000_0010);
        cpu.set(R_FPCR, 0x0040_0000);
        cpu.set(r_v(31), u128::MAX - 5);
        let info = [7u8; 128];
        let fi = FrameIn {
            sig: 11,
            info: &info,
            siginfo: true,
            sp_top: 0x1_fff8,
            handler: 0x5000,
            restorer: 0x6000,
            saved_mask: 0x0102,
            uc_stack: (0, 2, 0),
            fault_address: 0xdead,
            syndrome: Some(0x9200_0047),
        };
        setup_frame(&mut cpu, &mem, &fi).unwrap();
        // Record at round_down(top - 16, 16), frame 4688 bytes below.
        let rec = 0x1_ffe0u64;
        let at = rec - 4688;
        assert_eq!(cpu.get(R_SP) as u64, at);
        assert_eq!(at % 16, 0);
        assert_eq!(cpu.pc(), 0x5000);
        assert_eq!(cpu.get(r_x(0)), 11);
        assert_eq!(cpu.get(r_x(1)) as u64, at);
        assert_eq!(cpu.get(r_x(2)) as u64, at + 128);
        assert_eq!(cpu.get(r_x(29)) as u64, rec);
        assert_eq!(cpu.get(r_x(30)), 0x6000);
        assert_eq!(mem.read_u64(rec).unwrap(), 0x1000 + 29, "frame record fp");
        assert_eq!(
            mem.read_u64(rec + 8).unwrap(),
            0x1000 + 30,
            "frame record lr"
        );
        // Offsets from the kernel's struct rt_sigframe.
        let uc = at + 128;
        assert_eq!(mem.read_u64(uc + 40).unwrap(), 0x0102, "uc_sigmask");
        assert_eq!(mem.read_u32(uc + 24).unwrap(), 2, "uc_stack.ss_flags");
        let mc = uc + 176;
        assert_eq!(mem.read_u64(mc).unwrap(), 0xdead, "fault_address");
        assert_eq!(mem.read_u64(mc + 8 + 8 * 7).unwrap(), 0x1007, "regs[7]");
        assert_eq!(mem.read_u64(mc + 256).unwrap(), 0x1_fff8, "sp");
        assert_eq!(mem.read_u64(mc + 264).unwrap(), 0x4000, "pc");
        assert_eq!(mem.read_u64(mc + 272).unwrap(), 0xa000_0000, "pstate N|C");
        let fp = mc + 288;
        assert_eq!(mem.read_u32(fp).unwrap(), 0x4650_8001);
        assert_eq!(mem.read_u32(fp + 4).unwrap(), 528);
        assert_eq!(mem.read_u32(fp + 8).unwrap(), 0x8000_0010, "fpsr");
        assert_eq!(mem.read_u32(fp + 12).unwrap(), 0x0040_0000, "fpcr");
        assert_eq!(mem.read_u64(fp + 16 + 16 * 31).unwrap(), u64::MAX - 5);
        assert_eq!(mem.read_u32(fp + 528).unwrap(), 0x4553_5201, "esr magic");
        assert_eq!(mem.read_u64(fp + 536).unwrap(), 0x9200_0047);
        assert_eq!(mem.read_u64(fp + 544).unwrap(), 0, "null record");
        // The handler changes everything; sigreturn restores it.
        for i in 0..31 {
            cpu.set(r_x(i), 0);
        }
        cpu.set(R_NF, 0);
        cpu.set(R_ZF, 1);
        cpu.set(r_v(31), 0);
        cpu.set(R_FPSR, 0);
        cpu.set(R_SP, at as u128);
        let out = restore_frame(&mut cpu, &mem).unwrap();
        assert_eq!(out.mask, 0x0102);
        assert_eq!(out.uc_stack, (0, 2, 0));
        assert_eq!(cpu.get(r_x(7)), 0x1007);
        assert_eq!(cpu.get(R_SP), 0x1_fff8);
        assert_eq!(cpu.pc(), 0x4000);
        assert_eq!((cpu.get(R_NF), cpu.get(R_ZF), cpu.get(R_CF)), (1, 0, 1));
        assert_eq!(cpu.get(r_v(31)), u128::MAX - 5);
        assert_eq!(cpu.get(R_FPSR), 0x8000_0010);
        // Corrupt frames are refused: misaligned SP, a bad magic, bad pstate.
        cpu.set(R_SP, at as u128 + 8);
        assert!(restore_frame(&mut cpu, &mem).is_err());
        cpu.set(R_SP, at as u128);
        mem.write_u32(fp, 0x1234).unwrap();
        assert!(restore_frame(&mut cpu, &mem).is_err());
        mem.write_u32(fp, 0x4650_8001).unwrap();
        mem.write_u64(mc + 272, 0x5).unwrap();
        assert!(restore_frame(&mut cpu, &mem).is_err());
        mem.write_u64(mc + 272, 0).unwrap();
        assert!(restore_frame(&mut cpu, &mem).is_ok());
        // A frame that cannot be written is an error, not a crash.
        let bad = FrameIn {
            sp_top: 0x10100,
            ..fi
        };
        assert!(setup_frame(&mut cpu, &mem, &bad).is_err());
    }

    #[test]
    fn open_flags_conversion() {
        // O_RDONLY|O_DIRECTORY|O_CLOEXEC on AArch64.
        let g = 0o040000 | 0o2000000;
        assert_eq!(
            ARCH.open_flags_to_host(g),
            libc::O_DIRECTORY | libc::O_CLOEXEC
        );
        assert_eq!(
            ARCH.open_flags_to_host(0o1 | 0o100 | 0o1000 | 0o100000),
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_NOFOLLOW
        );
        assert_eq!(
            ARCH.open_flags_from_host(libc::O_DIRECT | libc::O_RDWR),
            0o200000 | 2
        );
        // O_LARGEFILE as the host kernel reports it for F_GETFL.
        assert_eq!(ARCH.open_flags_from_host(0o100000), 0o400000);
    }
}
