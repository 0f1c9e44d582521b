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

/// The host address of guest range `[addr, addr + len)` (whole pages) if
/// every page of it is mapped in the guest; `ENOMEM` otherwise, as Linux
/// answers for a hole (the host sees the whole reservation as mapped).
fn mapped_range(ctx: &SysCtx<'_>, addr: u64, len: u64) -> Result<*mut libc::c_void, Errno> {
    let mem = ctx.mem();
    let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
    let p = mem.host_ptr(addr, len).ok_or(Errno::ENOMEM)?;
    let covered = mem.mappings().iter().fold(addr, |cur, m| {
        if m.start <= cur && cur < m.start + m.len {
            m.start + m.len
        } else {
            cur
        }
    });
    if covered < end {
        return Err(Errno::ENOMEM);
    }
    Ok(p as *mut libc::c_void)
}

/// `madvise(addr, len, advice)`: MADV_DONTNEED really drops the pages
/// (programs rely on the zeroing); other advice is accepted and ignored.
pub fn sys_madvise(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    if !a[0].is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let len = page_up(a[1]);
    if a[2] == MADV_DONTNEED {
        let p = mapped_range(ctx, a[0], len)?;
        // SAFETY: the range is mapped guest memory inside the reservation.
        if unsafe { libc::madvise(p, len as usize, libc::MADV_DONTNEED) } != 0 {
            return Err(Errno::last());
        }
    } else {
        ctx.mem().host_ptr(a[0], len).ok_or(Errno::ENOMEM)?;
    }
    Ok(0)
}

/// `MS_ASYNC | MS_INVALIDATE | MS_SYNC`.
const MS_FLAGS: u64 = 7;

/// `msync(addr, len, flags)`: the host's msync on the guest range (a
/// `MAP_SHARED` file mapping of the guest is one of the host), after
/// Linux's checks: aligned start, known flags, not both MS_ASYNC and
/// MS_SYNC, every page mapped (`ENOMEM`).
pub fn sys_msync(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let flags = a[2];
    if !a[0].is_multiple_of(PAGE_SIZE) || flags & !MS_FLAGS != 0 || flags & 5 == 5 {
        return Err(Errno::EINVAL);
    }
    let len = page_up(a[1]);
    if len == 0 {
        return Ok(0);
    }
    let p = mapped_range(ctx, a[0], len)?;
    // SAFETY: msync of mapped guest memory inside the reservation.
    super::host_ret(unsafe { libc::msync(p, len as usize, flags as i32) } as i64).map(|_| 0)
}

/// The page-aligned guest range of `mlock`/`munlock` (which round the
/// start down and the end up) as its host address and length.
fn lock_range(ctx: &SysCtx<'_>, addr: u64, len: u64) -> Result<(*mut libc::c_void, usize), Errno> {
    let start = addr & !(PAGE_SIZE - 1);
    let end = addr.checked_add(len).map(page_up).ok_or(Errno::ENOMEM)?;
    if end == start {
        return Ok((std::ptr::null_mut(), 0));
    }
    Ok((
        mapped_range(ctx, start, end - start)?,
        (end - start) as usize,
    ))
}

/// `mlock(addr, len)` and `mlock2(addr, len, flags)` (the flags, MLOCK_ONFAULT,
/// checked by the host): the host locks the guest pages.
pub fn sys_mlock2(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let (p, len) = lock_range(ctx, a[0], a[1])?;
    if len == 0 {
        return Ok(0);
    }
    super::raw6(libc::SYS_mlock2, [p as u64, len as u64, a[2], 0, 0, 0])
}

/// `mlock(addr, len)`: [`sys_mlock2`] without flags.
pub fn sys_mlock(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    sys_mlock2(ctx, &[a[0], a[1], 0, 0, 0, 0])
}

/// `munlock(addr, len)`.
pub fn sys_munlock(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let (p, len) = lock_range(ctx, a[0], a[1])?;
    if len == 0 {
        return Ok(0);
    }
    // SAFETY: munlock of mapped guest memory inside the reservation.
    super::host_ret(unsafe { libc::munlock(p, len) } as i64).map(|_| 0)
}

/// `mlockall(flags)`: the host's (it locks xlat's own memory too).
pub fn sys_mlockall(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    super::raw6(libc::SYS_mlockall, [a[0], 0, 0, 0, 0, 0])
}

/// `munlockall()`.
pub fn sys_munlockall(_ctx: &mut SysCtx<'_>, _a: &[u64; 6]) -> SysResult {
    super::raw6(libc::SYS_munlockall, [0; 6])
}

/// `SHM_RDONLY`.
const SHM_RDONLY: u64 = 0o10000;
/// `SHM_RND`.
const SHM_RND: u64 = 0o20000;
/// `SHM_REMAP`.
const SHM_REMAP: u64 = 0o40000;
/// `SHM_EXEC`.
const SHM_EXEC: u64 = 0o100000;
/// `IPC_STAT`, `IPC_SET`, `IPC_INFO`, `SHM_STAT`, `SHM_INFO`,
/// `SHM_STAT_ANY`: the `shmctl` commands that take a buffer.
const IPC_SET: u64 = 1;
/// `IPC_64`, which PowerPC's C library sets in `shmctl`'s command.
const IPC_64: u64 = 0x100;
/// Size of `struct shmid64_ds` on every 64-bit Linux ABI.
const SHMID_DS_SIZE: usize = 112;

/// Guest start address -> length of each SysV shared memory attachment
/// (`shmdt` detaches exactly one; inherited by a forked child, as the
/// host's attachments are).
static SHM_ATTACHED: std::sync::Mutex<std::collections::BTreeMap<u64, u64>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// `shmid64_ds` differs between PowerPC 64 and the generic layout
/// (x86-64, AArch64) in one place: PowerPC puts `shm_segsz` after the three
/// times (bytes 48..80 hold atime, dtime, ctime, segsz rather than segsz,
/// atime, dtime, ctime); its 32-bit `seq` covers the generic 16-bit `seq`
/// and zero pad in little-endian order. Converts host to guest
/// (`to_guest`) or back.
fn shmid_ds_convert(ppc: bool, b: &mut [u8; SHMID_DS_SIZE], to_guest: bool) {
    if ppc {
        if to_guest {
            b[48..80].rotate_left(8);
        } else {
            b[48..80].rotate_right(8);
        }
    }
}

/// `shmget(key, size, flags)`: the host's segment.
pub fn sys_shmget(_ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    super::raw6(libc::SYS_shmget, [a[0], a[1], a[2], 0, 0, 0])
}

/// `shmctl(id, cmd, buf)`: the host's, with `struct shmid64_ds` converted
/// for PowerPC (see [`shmid_ds_convert`]); `shm_info` and `shminfo64` have
/// one layout on every 64-bit ABI.
pub fn sys_shmctl(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let ppc = ctx.proc.arch.name != "aarch64";
    let cmd = if ppc { a[1] & !IPC_64 } else { a[1] };
    let ds = matches!(cmd, 1 | 2 | 13 | 15); // IPC_SET, IPC_STAT, SHM_STAT(_ANY)
    let info = matches!(cmd, 3 | 14); // IPC_INFO, SHM_INFO
    if !ds && !info {
        return super::raw6(libc::SYS_shmctl, [a[0], cmd, 0, 0, 0, 0]);
    }
    let mut b = [0u8; SHMID_DS_SIZE];
    if cmd == IPC_SET {
        ctx.mem().read_guest(a[2], &mut b)?;
        shmid_ds_convert(ppc, &mut b, false);
    }
    // SAFETY: `b` is a local buffer as large as any shmctl result.
    let r = super::host_ret(unsafe { libc::syscall(libc::SYS_shmctl, a[0], cmd, b.as_mut_ptr()) })?;
    if cmd != IPC_SET {
        // shminfo64: 9 longs; shm_info: an int and 5 longs.
        let n = match cmd {
            3 => 72,
            14 => 48,
            _ => SHMID_DS_SIZE,
        };
        if ds {
            shmid_ds_convert(ppc, &mut b, true);
        }
        ctx.mem().write_guest(a[2], &b[..n])?;
    }
    Ok(r)
}

/// `shmat(id, addr, flags)`: the segment's size from the host, a guest
/// range for it (at `addr`, rounded down with `SHM_RND`, replacing what
/// is there only with `SHM_REMAP`; else anywhere), and the host's
/// attachment at that range's host address.
pub fn sys_shmat(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let (id, flags) = (a[0], a[2]);
    let mut addr = a[1];
    if flags & SHM_RND != 0 {
        addr &= !(PAGE_SIZE - 1);
    }
    if !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let mut ds = [0u8; SHMID_DS_SIZE];
    // SAFETY: `ds` is a local shmid64_ds.
    super::host_ret(unsafe { libc::syscall(libc::SYS_shmctl, id, 2, ds.as_mut_ptr()) })?;
    let key = u32::from_le_bytes(ds[0..4].try_into().expect("4 bytes"));
    let size = page_up(u64::from_le_bytes(ds[48..56].try_into().expect("8 bytes")));
    let place = match addr {
        0 => Place::Anywhere(0),
        _ if flags & SHM_REMAP != 0 => Place::Fixed(addr),
        _ => Place::NoReplace(addr),
    };
    let gprot = if flags & SHM_RDONLY != 0 {
        prot::READ
    } else {
        prot::READ | prot::WRITE
    } | if flags & SHM_EXEC != 0 { prot::EXEC } else { 0 };
    let mem = ctx.mem();
    let name = Some(Arc::from(format!("/SYSV{key:08x} (deleted)").as_str()));
    let g = mem
        .map(place, size, gprot, MAP_SHARED | MAP_ANONYMOUS, -1, 0, name)
        .map_err(|e| match Errno(e.errno()) {
            Errno::EEXIST => Errno::EINVAL,
            e => e,
        })?;
    let host = mem.host_ptr(g, size).ok_or(Errno::ENOMEM)?;
    let hflags = (flags & (SHM_RDONLY | SHM_EXEC)) | SHM_REMAP;
    // SAFETY: attaches over the guest range just mapped for it, inside
    // the reservation (SHM_REMAP replaces that mapping).
    let r = unsafe { libc::syscall(libc::SYS_shmat, id, host, hflags) };
    if r < 0 {
        let e = Errno::last();
        let _ = mem.unmap(g, size);
        return Err(e);
    }
    SHM_ATTACHED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(g, size);
    Ok(g)
}

/// `shmdt(addr)`: `addr` must be where `shmat` attached a segment; its
/// guest range is unmapped (which detaches the host's segment too).
pub fn sys_shmdt(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let size = SHM_ATTACHED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&a[0])
        .ok_or(Errno::EINVAL)?;
    ctx.mem()
        .unmap(a[0], size)
        .map(|_| 0)
        .map_err(|e| Errno(e.errno()))
}

/// `ipc(call, first, second, third, ptr, fifth)`: the SysV IPC
/// multiplexer that PowerPC's C library uses for shared memory; the
/// shared memory calls go to the direct handlers above (`SHMAT` stores
/// the address at `third` and returns 0), the semaphore and message queue
/// calls are not supported (`ENOSYS`).
pub fn sys_ipc(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    let (first, second, third, ptr) = (a[1], a[2], a[3], a[4]);
    match a[0] & 0xffff {
        21 => {
            let addr = sys_shmat(ctx, &[first, ptr, second, 0, 0, 0])?;
            if let Err(e) = ctx.mem().write_guest(third, &addr.to_le_bytes()) {
                let _ = sys_shmdt(ctx, &[addr, 0, 0, 0, 0, 0]);
                return Err(e);
            }
            Ok(0)
        }
        22 => sys_shmdt(ctx, &[ptr, 0, 0, 0, 0, 0]),
        23 => sys_shmget(ctx, &[first, second, third, 0, 0, 0]),
        24 => sys_shmctl(ctx, &[first, second, ptr, 0, 0, 0]),
        _ => Err(Errno::ENOSYS),
    }
}

/// `brk(addr)`.
pub fn sys_brk(ctx: &mut SysCtx<'_>, a: &[u64; 6]) -> SysResult {
    Ok(ctx.mem().brk(a[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shmid_ds_moves_segsz_for_powerpc_only() {
        let mut host = [0u8; SHMID_DS_SIZE];
        // Generic layout: segsz at 48, atime/dtime/ctime at 56/64/72.
        for (i, v) in [(48, 8192u64), (56, 1), (64, 2), (72, 3), (88, 7)] {
            host[i..i + 8].copy_from_slice(&v.to_le_bytes());
        }
        let word =
            |b: &[u8; SHMID_DS_SIZE], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
        let mut g = host;
        shmid_ds_convert(true, &mut g, true);
        assert_eq!(
            [
                word(&g, 48),
                word(&g, 56),
                word(&g, 64),
                word(&g, 72),
                word(&g, 88)
            ],
            [1, 2, 3, 8192, 7],
            "PowerPC: times first, then shm_segsz; the rest in place"
        );
        shmid_ds_convert(true, &mut g, false);
        assert_eq!(g, host, "guest to host undoes it");
        let mut a = host;
        shmid_ds_convert(false, &mut a, true);
        assert_eq!(a, host, "the generic layout passes through");
    }

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
