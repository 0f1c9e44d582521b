//! Helpers for tests that run blocks in the interpreter: a guest memory
//! backed by one `Vec` at a fixed guest address (a soft-MMU-style,
//! non-direct [`GuestMemory`]) and a code source over a list of 32-bit words;
//! [`sweep`]: the frontends' decoder-against-disassembler sweep.

pub mod sweep;

use std::sync::Mutex;
use xlat_ir::RmwOp;
use xlat_ir::abi::{DirectMem, Fault, FaultKind, GuestMemory};

/// Guest memory: `len` bytes at guest address `base`; everything else faults
/// as unmapped, and guest stores from `read_only` on fault as protected.
/// Code fetches always fault (tests hand code over separately).
pub struct VecMem {
    base: u64,
    read_only: u64,
    bytes: Mutex<Vec<u8>>,
}

impl VecMem {
    /// Zeroed, writable memory of `len` bytes at `base`.
    pub fn new(base: u64, len: usize) -> VecMem {
        Self::with_read_only(base, len, u64::MAX)
    }

    /// As [`VecMem::new`], with the guest addresses from `read_only` on
    /// read-only for guest stores ([`VecMem::write`] still writes them).
    pub fn with_read_only(base: u64, len: usize, read_only: u64) -> VecMem {
        VecMem {
            base,
            read_only,
            bytes: Mutex::new(vec![0; len]),
        }
    }

    fn offset(&self, addr: u64, size: usize, write: bool) -> Result<usize, Fault> {
        let len = self.bytes.lock().unwrap_or_else(|e| e.into_inner()).len() as u64;
        match addr.checked_sub(self.base) {
            Some(o) if o.checked_add(size as u64).is_some_and(|end| end <= len) => Ok(o as usize),
            _ => Err(Fault {
                addr,
                kind: FaultKind::Unmapped,
                write,
            }),
        }
    }

    /// `offset` for a guest store: also refuses a store that starts in the
    /// read-only part.
    fn store_offset(&self, addr: u64, size: usize) -> Result<usize, Fault> {
        let o = self.offset(addr, size, true)?;
        if addr >= self.read_only {
            return Err(Fault {
                addr,
                kind: FaultKind::Protection,
                write: true,
            });
        }
        Ok(o)
    }

    /// Reads `n` bytes at `addr` (panics outside the area: a test bug).
    pub fn read(&self, addr: u64, n: usize) -> Vec<u8> {
        let o = self
            .offset(addr, n, false)
            .expect("read outside the test memory");
        self.bytes.lock().unwrap_or_else(|e| e.into_inner())[o..o + n].to_vec()
    }

    /// Writes `b` at `addr` (panics outside the area: a test bug).
    pub fn write(&self, addr: u64, b: &[u8]) {
        let o = self
            .offset(addr, b.len(), true)
            .expect("write outside the test memory");
        self.bytes.lock().unwrap_or_else(|e| e.into_inner())[o..o + b.len()].copy_from_slice(b);
    }

    /// A copy of the whole area.
    pub fn contents(&self) -> Vec<u8> {
        self.bytes.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reads a little-endian u64 at `addr`.
    pub fn read_u64(&self, addr: u64) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.read(addr, 8));
        u64::from_le_bytes(b)
    }
}

impl Clone for VecMem {
    fn clone(&self) -> VecMem {
        VecMem {
            base: self.base,
            read_only: self.read_only,
            bytes: Mutex::new(self.contents()),
        }
    }
}

impl GuestMemory for VecMem {
    fn direct(&self) -> Option<DirectMem> {
        None
    }
    fn load(&self, addr: u64, size: u8) -> Result<u128, Fault> {
        let n = size as usize;
        let o = self.offset(addr, n, false)?;
        let mut b = [0u8; 16];
        b[..n].copy_from_slice(&self.bytes.lock().unwrap_or_else(|e| e.into_inner())[o..o + n]);
        Ok(u128::from_le_bytes(b))
    }
    fn store(&self, addr: u64, size: u8, v: u128) -> Result<(), Fault> {
        let n = size as usize;
        let o = self.store_offset(addr, n)?;
        self.bytes.lock().unwrap_or_else(|e| e.into_inner())[o..o + n]
            .copy_from_slice(&v.to_le_bytes()[..n]);
        Ok(())
    }
    fn rmw(&self, addr: u64, size: u8, op: RmwOp, v: u64) -> Result<u64, Fault> {
        xlat_ir::abi::rmw_by_load_store(self, addr, size, op, v)
    }
    fn cas(&self, addr: u64, size: u8, expected: u128, new: u128) -> Result<u128, Fault> {
        xlat_ir::abi::cas_by_load_store(self, addr, size, expected, new)
    }
    fn fetch_code(&self, addr: u64, _buf: &mut [u8]) -> Result<(), Fault> {
        Err(Fault {
            addr,
            kind: FaultKind::Unmapped,
            write: false,
        })
    }
}

/// Reads one 4-byte instruction word of `words` (placed at guest `base`)
/// into `buf`: the body of a test `CodeSource`. Anything else faults.
pub fn read_word(base: u64, words: &[u32], addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
    let i = addr.wrapping_sub(base) / 4;
    match words.get(i as usize) {
        Some(w) if addr >= base && addr.is_multiple_of(4) && buf.len() == 4 => {
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

/// Runs `block` in the interpreter on the guest state `st`, with
/// [`run_block`](crate::run_block) and, on copies of the state and memory,
/// in the pre-decoded form ([`run_decoded`](crate::run_decoded)); asserts
/// that both leave the same exit, state and memory.
///
/// # Safety
/// `S` must be the CPU state type `layout` describes (a `CpuHeader` first,
/// every register of the layout inside it), and `block` translated for it.
pub unsafe fn exec_block<S>(
    block: &xlat_ir::Block,
    layout: &xlat_ir::StateLayout,
    st: &mut S,
    mem: &VecMem,
) -> xlat_ir::ExitCode {
    // The pre-decoded form runs on a byte copy of the state and a copy of
    // the memory, and must leave both exactly as the reference does.
    let mut copy = Box::new(std::mem::MaybeUninit::<S>::uninit());
    // SAFETY: `copy` has room for one `S`; the states are plain data.
    unsafe { std::ptr::copy_nonoverlapping(st as *const S, copy.as_mut_ptr(), 1) };
    let mem2 = mem.clone();
    let mut scratch = crate::Scratch::new();
    // SAFETY: the caller guarantees `st` is a state of `layout`.
    let exit =
        unsafe { crate::run_block(block, layout, st as *mut S as *mut u8, mem, &mut scratch) };
    // Helpers whose results differ between two runs (clocks, random
    // numbers): the two forms cannot be compared on such blocks.
    const UNREPEATABLE: [&str; 4] = [
        "xlat_a64_cntvct",
        "xlat_a64_rndr",
        "xlat_ppc64_mftb",
        "xlat_ppc64_darn",
    ];
    let repeatable = !block.helpers.iter().any(|h| UNREPEATABLE.contains(&h.name));
    if let Some(d) = crate::Decoded::new(block, layout).filter(|_| repeatable) {
        let mut scratch2 = crate::Scratch::new();
        // SAFETY: `copy` is a copy of `st`, a state of `layout`.
        let exit2 =
            unsafe { crate::run_decoded(&d, copy.as_mut_ptr() as *mut u8, &mem2, &mut scratch2) };
        assert_eq!(exit, exit2, "the pre-decoded block exits differently");
        let bytes = |p: *const S| {
            // SAFETY: `p` points to a whole `S`, read as bytes.
            unsafe { std::slice::from_raw_parts(p as *const u8, size_of::<S>()) }.to_vec()
        };
        assert!(
            bytes(st) == bytes(copy.as_ptr()),
            "the pre-decoded block leaves a different state"
        );
        assert!(
            mem.contents() == mem2.contents(),
            "the pre-decoded block leaves different memory"
        );
    }
    exit
}

/// Runs `block` on a copy of `st` with `mem`, and the block after
/// `passes::optimize` on a second copy with a copy of `mem`; asserts both
/// exit alike, leave the same registers (`same`) and the same memory.
/// Returns the state and exit of the unoptimised run.
///
/// # Safety
/// As [`exec_block`].
pub unsafe fn run_checked<S>(
    block: &xlat_ir::Block,
    layout: &xlat_ir::StateLayout,
    st: &S,
    mem: &VecMem,
    copy: fn(&S) -> Box<S>,
    same: fn(&S, &S) -> bool,
) -> (Box<S>, xlat_ir::ExitCode) {
    let mem2 = mem.clone();
    let mut s1 = copy(st);
    // SAFETY: as the caller guarantees.
    let exit = unsafe { exec_block(block, layout, &mut *s1, mem) };
    let mut opt = block.clone();
    xlat_ir::passes::optimize(&mut opt, layout);
    let mut s2 = copy(st);
    // SAFETY: as above; `opt` is `block` optimised for the same layout.
    let exit2 = unsafe { exec_block(&opt, layout, &mut *s2, &mem2) };
    assert_eq!(exit, exit2, "optimised block exits differently");
    assert!(same(&s1, &s2), "optimised block computes different state");
    assert_eq!(mem.contents(), mem2.contents());
    (s1, exit)
}
