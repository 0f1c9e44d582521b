//! Memory syscalls: mmap, munmap, mprotect, mremap, madvise, brk. All of
//! them work inside the guest reservation through [`AddressSpace`].
//!
//! [`AddressSpace`]: crate::mmap::AddressSpace

use super::{SysCtx, SysResult};
use crate::errno::Errno;
use crate::mmap::{PAGE_SIZE, Place, page_up, prot};
use std::sync::Arc;

const MAP_SHARED: u32 = 0x01;
const MAP_PRIVATE: u32 = 0x02;
const MAP_SHARED_VALIDATE: u32 = 0x03;
const MAP_FIXED: u32 = 0x10;
const MAP_ANONYMOUS: u32 = 0x20;
const MAP_FIXED_NOREPLACE: u32 = 0x100000;
const MREMAP_MAYMOVE: u64 = 1;
const MREMAP_FIXED: u64 = 2;
const MADV_DONTNEED: u64 = 4;

/// `PROT_SEM` (accepted, no effect).
const PROT_SEM: u64 = 0x8;
/// `PROT_GROWSDOWN | PROT_GROWSUP` (mprotect strips them before checking).
const PROT_GROWS: u64 = 0x0300_0000;

/// True where arm64's `PROT_BTI` is known: an AArch64 guest on a model
/// with FEAT_BTI.
fn bti_supported(ctx: &SysCtx<'_>) -> bool {
    ctx.proc.arch.name == "aarch64" && crate::arch::aarch64::has_bti()
}

/// The guest protection bits `mmap` keeps: read/write/exec, and
/// `PROT_BTI` where BTI is supported (Linux's mmap ignores other bits).
fn mmap_prot(bti: bool, p: u64) -> u32 {
    p as u32 & (7 | if bti { prot::BTI } else { 0 })
}

/// The guest protection bits of `mprotect` (`aarch64`: the guest is
/// AArch64, `bti`: with BTI). AArch64 rejects bits its
/// `arch_validate_prot` does not know (`PROT_BTI` without BTI) with
/// EINVAL; the other guests keep read/write/exec as before.
fn mprotect_prot(aarch64: bool, bti: bool, p: u64) -> Result<u32, Errno> {
    if !aarch64 {
        return Ok(p as u32 & 7);
    }
    let known = 7 | PROT_SEM | if bti { u64::from(prot::BTI) } else { 0 };
    if p & PROT_GROWS == PROT_GROWS {
        return Err(Errno::EINVAL); // can't be both
    }
    let p = p & !PROT_GROWS;
    if p & !known != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(p as u32 & (7 | prot::BTI))
}

fn fd_name(fd: i32) -> Option<Arc<str>> {
    std::fs::read_link(format!("/proc/self/fd/{fd}"))
        .ok()
        .map(|p| Arc::from(p.to_string_lossy().as_ref()))
}

/// `mmap(addr, len, prot, flags, fd, offset)`.
pub fn sys_mmap(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let (addr, len, prot, flags, fd, off) = (
        a[0],
        a[1],
        mmap_prot(bti_supported(ctx), a[2]),
        a[3] as u32,
        a[4] as i32,
        a[5],
    );
    if len == 0 || !off.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    if !matches!(flags & 3, MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE) {
        return Err(Errno::EINVAL);
    }
    let len = page_up(len);
    if len > ctx.mem().limit() {
        return Err(Errno::ENOMEM);
    }
    let anon = flags & MAP_ANONYMOUS != 0;
    let fd = if anon { -1 } else { fd };
    let mem = ctx.mem();
    let place = if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
        if !addr.is_multiple_of(PAGE_SIZE) {
            return Err(Errno::EINVAL);
        }
        if addr.checked_add(len).is_none_or(|e| e > mem.limit()) {
            return Err(Errno::ENOMEM);
        }
        if flags & MAP_FIXED == 0 {
            Place::NoReplace(addr)
        } else {
            Place::Fixed(addr)
        }
    } else {
        Place::Anywhere(addr)
    };
    let name = if anon { None } else { fd_name(fd) };
    let host_flags = (flags & !(MAP_FIXED_NOREPLACE)) & !3
        | if flags & 3 == MAP_PRIVATE {
            MAP_PRIVATE
        } else {
            MAP_SHARED
        };
    mem.map(place, len, prot, host_flags, fd, off, name)
        .map_err(|e| Errno(e.errno()))
}

/// `munmap(addr, len)`.
pub fn sys_munmap(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if !a[0].is_multiple_of(PAGE_SIZE) || a[1] == 0 {
        return Err(Errno::EINVAL);
    }
    ctx.mem()
        .unmap(a[0], a[1])
        .map(|_| 0)
        .map_err(|e| Errno(e.errno()))
}

/// `mprotect(addr, len, prot)`.
pub fn sys_mprotect(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if !a[0].is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    // Linux returns 0 for an empty range before it validates `prot`.
    if a[1] == 0 {
        return Ok(0);
    }
    let aarch64 = ctx.proc.arch.name == "aarch64";
    let prot = mprotect_prot(aarch64, bti_supported(ctx), a[2])?;
    ctx.mem()
        .protect(a[0], a[1], prot)
        .map(|_| 0)
        .map_err(|e| Errno(e.errno()))
}

/// `mremap(old, old_len, new_len, flags, new_addr)`.
pub fn sys_mremap(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let flags = a[3];
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED) != 0
        || (flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0)
        || !a[0].is_multiple_of(PAGE_SIZE)
    {
        return Err(Errno::EINVAL);
    }
    let fixed = (flags & MREMAP_FIXED != 0).then_some(a[4]);
    ctx.mem()
        .remap(a[0], a[1], a[2], flags & MREMAP_MAYMOVE != 0, fixed)
        .map_err(|e| Errno(e.errno()))
}

/// `madvise(addr, len, advice)`: MADV_DONTNEED really drops the pages
/// (programs rely on the zeroing); other advice is accepted and ignored.
pub fn sys_madvise(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if !a[0].is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let len = page_up(a[1]);
    let mem = ctx.mem();
    let p = mem.host_ptr(a[0], len).ok_or(Errno::ENOMEM)?;
    if a[2] == MADV_DONTNEED {
        let all = mem.mappings().iter().fold(a[0], |cur, m| {
            if m.start <= cur && cur < m.start + m.len {
                m.start + m.len
            } else {
                cur
            }
        }) >= a[0] + len;
        if !all {
            return Err(Errno::ENOMEM);
        }
        // SAFETY: the range is mapped guest memory inside the reservation.
        if unsafe { libc::madvise(p as *mut libc::c_void, len as usize, libc::MADV_DONTNEED) } != 0
        {
            return Err(Errno::last());
        }
    }
    Ok(0)
}

/// `brk(addr)`.
pub fn sys_brk(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    Ok(ctx.mem().brk(a[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prot_bti_follows_linux() {
        const BTI: u64 = 0x10;
        let rx = 5;
        // mmap keeps PROT_BTI only with BTI and drops unknown bits.
        assert_eq!(mmap_prot(true, rx | BTI | 0x20), 5 | prot::BTI);
        assert_eq!(mmap_prot(false, rx | BTI), 5);
        // mprotect on AArch64: PROT_BTI needs BTI; PROT_SEM and the
        // PROT_GROWS* flags pass; any other bit is EINVAL.
        assert_eq!(mprotect_prot(true, true, rx | BTI), Ok(5 | prot::BTI));
        assert_eq!(mprotect_prot(true, false, rx | BTI), Err(Errno::EINVAL));
        assert_eq!(mprotect_prot(true, true, rx | 0x20), Err(Errno::EINVAL));
        assert_eq!(mprotect_prot(true, false, rx | 8 | 0x0100_0000), Ok(5));
        assert_eq!(
            mprotect_prot(true, false, rx | 0x0300_0000),
            Err(Errno::EINVAL)
        );
        // Other guests: as before (PowerPC's 0x10 is PROT_SAO).
        assert_eq!(mprotect_prot(false, false, rx | BTI | 0x20), Ok(5));
    }
}
