//! Guest ABIs. Everything architecture-specific in user mode is one
//! [`ArchDef`] value in a file of this module.

pub mod aarch64;

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
}

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
