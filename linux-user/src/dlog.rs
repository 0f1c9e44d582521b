//! The `-d` hooks of the engine: guest disassembly (`in_asm`), IR (`op`),
//! host disassembly (`out_asm`) and block trace (`exec`).

use crate::log::Log;
use crate::mmap::AddressSpace;
use capstone::prelude::*;
use std::fmt::Write;
use std::sync::Arc;
use xlat_exec::ExecLogger;
use xlat_ir::abi::GuestMemory;

/// Which disassembler reads guest code.
#[derive(Copy, Clone, Debug)]
pub enum GuestIsa {
    /// AArch64.
    Aarch64,
    /// PowerPC 64-bit little-endian.
    Ppc64le,
}

/// An [`ExecLogger`] writing to a [`Log`].
pub struct DebugLogger {
    log: Arc<Log>,
    mem: Arc<AddressSpace>,
    isa: GuestIsa,
}

impl DebugLogger {
    /// A logger for the enabled items of `log`.
    pub fn new(log: Arc<Log>, mem: Arc<AddressSpace>, isa: GuestIsa) -> DebugLogger {
        DebugLogger { log, mem, isa }
    }

    fn guest_cs(&self) -> Option<Capstone> {
        match self.isa {
            GuestIsa::Aarch64 => Capstone::new()
                .arm64()
                .mode(arch::arm64::ArchMode::Arm)
                .build()
                .ok(),
            GuestIsa::Ppc64le => Capstone::new()
                .ppc()
                .mode(arch::ppc::ArchMode::Mode64)
                .endian(capstone::Endian::Little)
                .build()
                .ok(),
        }
    }
}

/// Disassembles `code` at `addr` with one line per instruction.
fn disas(cs: Option<&Capstone>, code: &[u8], addr: u64, out: &mut String, word: bool) {
    let Some(insns) = cs.and_then(|c| c.disasm_all(code, addr).ok()) else {
        let _ = writeln!(
            out,
            "0x{addr:016x}:  (cannot disassemble {} bytes)",
            code.len()
        );
        return;
    };
    let mut done = 0u64;
    for i in insns.iter() {
        let bytes = i.bytes();
        if word && bytes.len() == 4 {
            let w = u32::from_le_bytes(bytes.try_into().unwrap_or([0; 4]));
            let _ = write!(out, "0x{:016x}:  {w:08x}      ", i.address());
        } else {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let _ = write!(out, "0x{:016x}:  {hex:<24} ", i.address());
        }
        let _ = writeln!(
            out,
            "{} {}",
            i.mnemonic().unwrap_or("?"),
            i.op_str().unwrap_or("")
        );
        done = i.address() + bytes.len() as u64 - addr;
    }
    if done < code.len() as u64 {
        let a = addr + done;
        let rest = &code[done as usize..];
        for (k, c) in rest.chunks(4).enumerate() {
            let hex: String = c.iter().rev().map(|b| format!("{b:02x}")).collect();
            let _ = writeln!(
                out,
                "0x{:016x}:  {hex:<8}      .word (undefined)",
                a + 4 * k as u64
            );
        }
    }
}

impl ExecLogger for DebugLogger {
    fn wants_ir(&self) -> bool {
        self.log.items.in_asm || self.log.items.op
    }

    fn translated(&self, block: &xlat_ir::Block, layout: &xlat_ir::StateLayout) {
        let mut s = String::new();
        if self.log.items.in_asm {
            let _ = writeln!(s, "----------------\nIN:");
            let mut code = vec![0u8; block.guest_len as usize];
            if self.mem.fetch_code(block.pc, &mut code).is_ok() {
                disas(self.guest_cs().as_ref(), &code, block.pc, &mut s, true);
            } else {
                let _ = writeln!(s, "0x{:016x}:  (code not readable)", block.pc);
            }
            s.push('\n');
        }
        if self.log.items.op {
            let _ = writeln!(s, "OP:");
            s.push_str(&xlat_ir::print::print_block(block, layout));
            s.push('\n');
        }
        self.log.line(&s);
    }

    fn compiled(&self, entry_pc: u64, guest_pcs: &[u64], host_code: &[u8], host_addr: u64) {
        if !self.log.items.out_asm {
            return;
        }
        let mut s = String::new();
        let _ = writeln!(
            s,
            "OUT: [guest 0x{entry_pc:x}, {} blocks, size={}]",
            guest_pcs.len(),
            host_code.len()
        );
        let cs = Capstone::new()
            .x86()
            .mode(arch::x86::ArchMode::Mode64)
            .build()
            .ok();
        disas(cs.as_ref(), host_code, host_addr, &mut s, false);
        s.push('\n');
        self.log.line(&s);
    }

    fn exec(&self, pc: u64) {
        if self.log.items.exec {
            self.log.line(&format!("Trace: 0x{pc:016x}\n"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disassembles_guest_and_host() {
        let cs = Capstone::new()
            .arm64()
            .mode(arch::arm64::ArchMode::Arm)
            .build()
            .unwrap();
        let mut s = String::new();
        // movz x0, #42 ; ret ; an undefined word
        let code = [
            0x40, 0x05, 0x80, 0xd2, 0xc0, 0x03, 0x5f, 0xd6, 0xff, 0xff, 0xff, 0xff,
        ];
        disas(Some(&cs), &code, 0x400000, &mut s, true);
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[0].starts_with("0x0000000000400000:  d2800540"), "{s}");
        assert!(
            lines[0].contains("mov") && lines[0].contains("#0x2a"),
            "{s}"
        );
        assert!(lines[1].contains("ret"), "{s}");
        assert!(lines[2].contains("undefined"), "{s}");
        let x86 = Capstone::new()
            .x86()
            .mode(arch::x86::ArchMode::Mode64)
            .build()
            .unwrap();
        let mut s = String::new();
        disas(Some(&x86), &[0x48, 0x89, 0xf8, 0xc3], 0x1000, &mut s, false);
        assert!(s.contains("mov rax, rdi") && s.contains("ret"), "{s}");
    }
}
