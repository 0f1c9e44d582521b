//! Guest ABIs. Everything architecture-specific in user mode is one
//! [`ArchDef`] value in a file of this module.

pub mod aarch64;
pub mod ppc64le;

use crate::errno::Errno;
use crate::stack::AuxArch;
use crate::syscall::SyscallDef;
use std::sync::Arc;
use xlat_ir::{Frontend, Reg};

/// Registers of the syscall ABI and the initial state.
#[derive(Copy, Clone, Debug)]
pub struct AbiRegs {
    /// Syscall number.
    pub nr: Reg,
    /// Arguments 1..6.
    pub args: [Reg; 6],
    /// Result.
    pub ret: Reg,
    /// Stack pointer.
    pub sp: Reg,
    /// Thread pointer (TLS).
    pub tls: Reg,
}

/// What the signal core hands the architecture's frame builder.
#[derive(Clone, Debug)]
pub struct FrameIn<'a> {
    /// Guest signal number.
    pub sig: i32,
    /// The 128-byte guest `siginfo_t`.
    pub info: &'a [u8; 128],
    /// Whether the handler takes three arguments (`SA_SIGINFO`).
    pub siginfo: bool,
    /// Stack top to build the frame below (the altstack top or the SP).
    pub sp_top: u64,
    /// Handler address.
    pub handler: u64,
    /// Return address for the handler (restorer or xlat's trampoline).
    pub restorer: u64,
    /// Blocked mask to restore on `rt_sigreturn`.
    pub saved_mask: u64,
    /// `uc_stack` to save: (sp, flags, size).
    pub uc_stack: (u64, i32, u64),
    /// Faulting address for memory faults (0 otherwise).
    pub fault_address: u64,
    /// Architecture syndrome for memory faults (`ESR` on AArch64), if any.
    pub syndrome: Option<u64>,
}

/// What `rt_sigreturn` restored besides the registers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct FrameOut {
    /// The blocked mask from the frame.
    pub mask: u64,
    /// `uc_stack` from the frame: (sp, flags, size).
    pub uc_stack: (u64, i32, u64),
}

/// A guest signal-frame builder: writes the frame and points the CPU at
/// the handler; `Err` means the frame could not be written.
pub type SetupFrame =
    fn(&mut xlat_exec::Cpu, &crate::mmap::AddressSpace, &FrameIn<'_>) -> Result<(), Errno>;

/// Restores the CPU from the frame at the guest SP (`rt_sigreturn`).
pub type RestoreFrame =
    fn(&mut xlat_exec::Cpu, &crate::mmap::AddressSpace) -> Result<FrameOut, Errno>;

/// The signal-delivery part of a guest ABI.
#[derive(Copy, Clone)]
pub struct SignalAbi {
    /// Builds a signal frame.
    pub setup_frame: SetupFrame,
    /// Restores from a signal frame.
    pub restore_frame: RestoreFrame,
    /// Code that calls `rt_sigreturn`, placed in guest memory for handlers
    /// without `SA_RESTORER`.
    pub trampoline: &'static [u8],
    /// Whether handlers return to `sa_restorer` when `SA_RESTORER` is set
    /// (AArch64); PowerPC's kernel ignores it and always returns through
    /// the vDSO.
    pub sa_restorer: bool,
    /// Bytes of the syscall instruction (to restart a syscall: PC -= this).
    pub syscall_insn_len: u64,
    /// Syndrome of a data abort: (write, fault kind) -> value for the frame.
    pub fault_syndrome: fn(bool, xlat_ir::abi::FaultKind) -> Option<u64>,
}

/// One guest architecture's Linux ABI.
pub struct ArchDef {
    /// Short name, also the binary suffix (`aarch64`).
    pub name: &'static str,
    /// ELF `e_machine`.
    pub elf_machine: u16,
    /// Human name of the machine in error messages (`AArch64`).
    pub elf_machine_name: &'static str,
    /// `uname -m`.
    pub uname_machine: &'static str,
    /// Auxiliary-vector values.
    pub aux: AuxArch,
    /// Syscall ABI registers.
    pub regs: AbiRegs,
    /// The syscall table.
    pub syscalls: &'static [SyscallDef],
    /// Encodes a host `struct stat` in the guest layout.
    pub encode_stat: fn(&libc::stat) -> Vec<u8>,
    /// `open` flag bits that differ from the host's: (guest bit, host bit).
    pub open_flags: &'static [(u32, i32)],
    /// Disassembler for `-d in_asm`.
    pub isa: crate::dlog::GuestIsa,
    /// Creates the frontend.
    pub new_frontend: fn() -> Arc<dyn Frontend>,
    /// Writes a syscall result (value or negative errno) where the ABI
    /// returns it; `info` is the syscall exception's info word.
    pub set_syscall_result: fn(&mut xlat_exec::Cpu, &AbiRegs, u64, u64),
    /// Sets the registers the ABI defines at program start besides the
    /// SP (argument: the entry address).
    pub init_regs: fn(&mut xlat_exec::Cpu, u64),
    /// Signal frames.
    pub signal: SignalAbi,
    /// The text of `/proc/cpuinfo` as this architecture's Linux prints it.
    pub cpuinfo: fn() -> String,
    /// The vDSO image mapped into every guest (`AT_SYSINFO_EHDR`), if
    /// the architecture has one (see [`crate::vdso`]).
    pub vdso: Option<fn() -> &'static crate::vdso::Image>,
}

/// Number of online host CPUs (what the guest's `/proc/cpuinfo` lists).
pub fn online_cpus() -> usize {
    // SAFETY: sysconf has no memory effects.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    usize::try_from(n).unwrap_or(1).max(1)
}

/// [`ArchDef::set_syscall_result`] for ABIs that return the value or the
/// negative errno in one register.
pub fn plain_syscall_result(cpu: &mut xlat_exec::Cpu, regs: &AbiRegs, ret: u64, _info: u64) {
    cpu.set(regs.ret, ret as u128);
}

/// Applies `-cpu NAME` for `arch`: `Ok(Some(text))` to print and exit
/// (`-cpu help`), `Err` for an unknown model or an architecture without
/// models.
pub fn select_cpu(arch: &ArchDef, name: &str) -> Result<Option<String>, String> {
    match arch.name {
        "aarch64" => aarch64::select_cpu(name),
        "ppc64le" => ppc64le::select_cpu(name),
        other => Err(format!("-cpu is not supported for {other}")),
    }
}

/// [`ArchDef::init_regs`] for ABIs that define nothing besides the SP.
pub fn no_init_regs(_cpu: &mut xlat_exec::Cpu, _entry: u64) {}

impl std::fmt::Debug for ArchDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchDef").field("name", &self.name).finish()
    }
}

impl ArchDef {
    /// Converts guest `open`/`fcntl` flags to host flags.
    pub fn open_flags_to_host(&self, g: u32) -> i32 {
        let mut h = g as i32;
        for (gb, _) in self.open_flags {
            h &= !(*gb as i32);
        }
        for (gb, hb) in self.open_flags {
            if g & gb != 0 {
                h |= hb;
            }
        }
        h
    }

    /// Converts host `open`/`fcntl` flags to guest flags.
    pub fn open_flags_from_host(&self, h: i32) -> u32 {
        let mut g = h as u32;
        for (_, hb) in self.open_flags {
            g &= !(*hb as u32);
        }
        for (gb, hb) in self.open_flags {
            if h & hb != 0 {
                g |= gb;
            }
        }
        g
    }
}
