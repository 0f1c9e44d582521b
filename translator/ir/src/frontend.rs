//! The interface every guest frontend implements.

use crate::abi::Fault;
use crate::{Block, StateLayout};

/// Where a frontend reads guest code from.
pub trait CodeSource {
    /// Reads `buf.len()` bytes of guest code at `addr`.
    fn read_code(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault>;
    /// Whether the page holding `addr` is guarded; see
    /// [`crate::abi::GuestMemory::code_guarded`] (`None`: no guarded
    /// pages exist).
    fn code_guarded(&self, addr: u64) -> Option<bool> {
        let _ = addr;
        None
    }
}

/// Options that change how a block is translated.
#[derive(Copy, Clone, Debug)]
pub struct TranslateOptions {
    /// Most guest instructions per block (1 for `-one-insn-per-tb`).
    pub max_insns: u32,
}

impl Default for TranslateOptions {
    fn default() -> Self {
        TranslateOptions { max_insns: 256 }
    }
}

/// A guest architecture: its register file and its translator.
pub trait Frontend: Send + Sync {
    /// Short name (`aarch64`).
    fn name(&self) -> &'static str;
    /// The CPU state layout.
    fn layout(&self) -> &StateLayout;
    /// The bits of CPU state that change how code at a PC is translated
    /// (part of the block cache key). `env` is the CPU state block.
    fn tb_flags(&self, env: &[u8]) -> u64 {
        let _ = env;
        0
    }
    /// Translates the basic block at `pc`. Never fails: undecodable code
    /// becomes an `Undefined` exception terminal, unreadable code a
    /// `FetchFault` exception terminal.
    fn translate(
        &self,
        pc: u64,
        tb_flags: u64,
        code: &dyn CodeSource,
        opts: &TranslateOptions,
    ) -> Block;
}
