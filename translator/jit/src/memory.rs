//! Code memory of one generation: a bump allocator in one mapping.
//!
//! cranelift-jit's own providers give every finalized batch of code pages of
//! its own and `mprotect` them: with one region per finalize that is at least
//! one page of code and one page of data per region (python3: ~2 600
//! regions, ~20 MiB of mostly empty pages) and two `mprotect` calls, each a
//! TLB shootdown that interrupts the guest thread on the other core. Here a
//! generation reserves one read-write-execute mapping up front (its pages
//! cost nothing until touched) and hands out code from its lower half and
//! data (exit slots) from its upper half, densely; finalizing changes
//! nothing. x86-64 keeps instruction fetch coherent with stores, so no cache
//! maintenance is needed.

use cranelift_jit::{BranchProtection, JITMemoryKind, JITMemoryProvider};
use cranelift_module::ModuleResult;
use std::io;

/// Bytes reserved per generation. A generation closes after
/// `GEN_MAX_BYTES` (1 MiB) of code, so its last region may run past that:
/// the reservation leaves ample room (unused pages are never touched).
pub(crate) const ARENA_BYTES: usize = 16 << 20;

/// One generation's mapping: code bump pointer from the start, data bump
/// pointer from the middle.
pub(crate) struct Arena {
    base: *mut u8,
    len: usize,
    code: usize,
    data: usize,
}

// SAFETY: the arena owns its mapping; it is used through `&mut` only (the
// JIT module that holds it sits behind the engine's mutex).
unsafe impl Send for Arena {}

impl Arena {
    /// Reserves `len` bytes (a multiple of the page size).
    pub(crate) fn new(len: usize) -> io::Result<Arena> {
        // SAFETY: a fresh anonymous private mapping; nothing else refers to
        // its address range.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Arena {
            base: p.cast(),
            len,
            code: 0,
            data: len / 2,
        })
    }

    /// Start and length of the half that holds code (see
    /// [`JITMemoryProvider::allocate`]).
    pub(crate) fn code_range(&self) -> (usize, usize) {
        (self.base as usize, self.len / 2)
    }

    fn bump(pos: &mut usize, limit: usize, size: usize, align: u64) -> io::Result<usize> {
        let align = usize::try_from(align).unwrap_or(usize::MAX).max(1);
        let start = pos
            .checked_next_multiple_of(align)
            .filter(|s| s.checked_add(size).is_some_and(|e| e <= limit))
            .ok_or_else(|| io::Error::new(io::ErrorKind::OutOfMemory, "code arena full"))?;
        *pos = start + size;
        Ok(start)
    }
}

impl JITMemoryProvider for Arena {
    fn allocate(&mut self, size: usize, align: u64, kind: JITMemoryKind) -> io::Result<*mut u8> {
        let off = match kind {
            JITMemoryKind::Executable => Self::bump(&mut self.code, self.len / 2, size, align)?,
            JITMemoryKind::Writable | JITMemoryKind::ReadOnly => {
                Self::bump(&mut self.data, self.len, size, align)?
            }
        };
        // SAFETY: `off + size <= len`: inside the mapping.
        Ok(unsafe { self.base.add(off) })
    }

    unsafe fn free_memory(&mut self) {
        if self.base.is_null() {
            return;
        }
        // SAFETY: the mapping made in `new`; the caller guarantees nothing
        // runs or refers to it any more.
        unsafe { libc::munmap(self.base.cast(), self.len) };
        self.base = std::ptr::null_mut();
    }

    fn finalize(&mut self, _branch_protection: BranchProtection) -> ModuleResult<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_and_data_are_dense_separate_and_bounded() {
        let mut a = Arena::new(1 << 16).expect("mmap");
        let c1 = a.allocate(100, 16, JITMemoryKind::Executable).unwrap() as usize;
        let c2 = a.allocate(30, 16, JITMemoryKind::Executable).unwrap() as usize;
        let d1 = a.allocate(8, 8, JITMemoryKind::Writable).unwrap() as usize;
        let r1 = a.allocate(5, 1, JITMemoryKind::ReadOnly).unwrap() as usize;
        assert_eq!(
            c2 - c1,
            112,
            "next code starts at the next 16-byte boundary"
        );
        assert_eq!(d1 - c1, 1 << 15, "data from the middle");
        assert_eq!(r1 - d1, 8);
        // Writable and executable: the JIT can write code and patch slots.
        // SAFETY: inside the live mapping.
        unsafe {
            *(d1 as *mut u64) = 7;
            *(c1 as *mut u8) = 0xc3;
        }
        assert!(a.allocate(1 << 15, 1, JITMemoryKind::Executable).is_err());
        assert!(a.allocate(1 << 15, 1, JITMemoryKind::Writable).is_err());
        assert!(
            a.allocate(usize::MAX, 16, JITMemoryKind::Executable)
                .is_err()
        );
        // SAFETY: nothing uses the arena any more.
        unsafe { a.free_memory() };
    }
}
