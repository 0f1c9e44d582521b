//! The guest address space: one reserved host range at `guest_base`, guest
//! address `a` is host address `guest_base + a`, plus a page-granular map
//! of the guest's mappings (for mmap/munmap/mprotect/mremap/brk, fault
//! classification, execute permission and later `/proc/self/maps`).

use crate::probe;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use thiserror::Error;
use xlat_ir::RmwOp;
use xlat_ir::abi::{DirectMem, DirectWindow, Fault, FaultKind, GuestMemory};

/// Guest (and host) page size.
pub const PAGE_SIZE: u64 = 4096;
/// Guard area reserved on each side of the guest range (PROT_NONE and
/// never mapped for as long as the space lives; MAP_NORESERVE, so it costs
/// no memory, only address space). Compiled code checks only the base
/// register `r` of an access `r + imm` against the limit
/// ([`DirectMem::guard`]): with `|imm|` up to 2 GiB (every displacement
/// the guests encode but ppc64le's prefixed 34-bit ones) the access lands
/// in the guest range or in a guard, where the host fault makes tier 0
/// re-run it and report the guest's fault.
pub const GUARD_SIZE: u64 = 1 << 32;

/// Address bits a data access keeps under top-byte-ignore (AArch64 TBI0,
/// which Linux enables for user space): bits 63:56 are dropped.
pub const TBI_MASK: u64 = (1 << 56) - 1;

/// Guest protection bits (Linux `PROT_*`, the same on every supported guest).
pub mod prot {
    /// Readable.
    pub const READ: u32 = 1;
    /// Writable.
    pub const WRITE: u32 = 2;
    /// Executable.
    pub const EXEC: u32 = 4;
    /// arm64 `PROT_BTI`: the pages are guarded pages (branch target
    /// identification). The syscalls keep it only where the CPU model has
    /// BTI; it changes nothing in the host mapping or `/proc/self/maps`.
    pub const BTI: u32 = 0x10;
}

/// Rounds down to a page boundary.
pub const fn page_down(a: u64) -> u64 {
    a & !(PAGE_SIZE - 1)
}

/// Rounds up to a page boundary (saturating).
pub const fn page_up(a: u64) -> u64 {
    match a.checked_add(PAGE_SIZE - 1) {
        Some(v) => v & !(PAGE_SIZE - 1),
        None => !(PAGE_SIZE - 1),
    }
}

/// Errors of the address space.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum MmapError {
    /// Could not reserve the guest range.
    #[error("cannot reserve guest address space: {0}")]
    Reserve(String),
    /// Range outside the guest space or not page aligned.
    #[error("invalid guest range 0x{0:x}+0x{1:x}")]
    Invalid(u64, u64),
    /// No free range large enough.
    #[error("guest address space exhausted")]
    NoSpace,
    /// Part of the range is not mapped.
    #[error("guest range not mapped")]
    NotMapped,
    /// A fixed mapping without replacement overlaps an existing one.
    #[error("guest range already mapped")]
    Exists,
    /// The host refused (errno).
    #[error("host mmap failed: errno {0}")]
    Host(i32),
}

/// Where `AddressSpace::map` puts a mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// At this address, replacing what is there (MAP_FIXED).
    Fixed(u64),
    /// At this address, failing with `Exists` if any page there is mapped
    /// (MAP_FIXED_NOREPLACE).
    NoReplace(u64),
    /// At the hint if it is free, else the highest free range below the
    /// mmap area top.
    Anywhere(u64),
}

impl MmapError {
    /// The Linux errno a syscall returns for this error.
    pub fn errno(&self) -> i32 {
        match self {
            MmapError::Invalid(..) => libc::EINVAL,
            MmapError::NoSpace | MmapError::NotMapped | MmapError::Reserve(_) => libc::ENOMEM,
            MmapError::Exists => libc::EEXIST,
            MmapError::Host(e) => *e,
        }
    }
}

/// One guest mapping (a run of pages with the same attributes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// First guest address (page aligned).
    pub start: u64,
    /// Length in bytes (page multiple).
    pub len: u64,
    /// Guest `PROT_*` bits.
    pub prot: u32,
    /// Guest `MAP_*` flags it was created with.
    pub flags: u32,
    /// File offset of `start` (0 for anonymous memory).
    pub offset: u64,
    /// Name for `/proc/self/maps` (file path, `[stack]`, `[heap]`), if any.
    pub name: Option<Arc<str>>,
}

impl Mapping {
    fn end(&self) -> u64 {
        self.start + self.len
    }
    /// The part of `self` inside `[s, e)`, if any.
    fn clip(&self, s: u64, e: u64) -> Option<Mapping> {
        let ns = self.start.max(s);
        let ne = self.end().min(e);
        if ns >= ne {
            return None;
        }
        let mut m = self.clone();
        m.offset += ns - self.start;
        m.start = ns;
        m.len = ne - ns;
        Some(m)
    }
}

/// The page map (pure bookkeeping, no host calls), keyed by start address.
#[derive(Default, Debug, Clone)]
pub struct PageMap {
    maps: BTreeMap<u64, Mapping>,
}

impl PageMap {
    /// Removes `[s, e)` from the map, splitting mappings at the edges.
    pub fn remove(&mut self, s: u64, e: u64) {
        let keys: Vec<u64> = self
            .maps
            .range(..e)
            .rev()
            .take_while(|(_, m)| m.end() > s)
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            let m = self.maps.remove(&k).expect("key just listed");
            if let Some(l) = m.clip(m.start, s) {
                self.maps.insert(l.start, l);
            }
            if let Some(r) = m.clip(e, m.end()) {
                self.maps.insert(r.start, r);
            }
        }
    }

    /// Inserts a mapping, replacing whatever overlapped it.
    pub fn insert(&mut self, m: Mapping) {
        self.remove(m.start, m.end());
        self.maps.insert(m.start, m);
    }

    /// The mapping containing `addr`.
    pub fn find(&self, addr: u64) -> Option<&Mapping> {
        self.maps
            .range(..=addr)
            .next_back()
            .map(|(_, m)| m)
            .filter(|m| addr < m.end())
    }

    /// True if any page of `[s, e)` is mapped.
    pub fn any_mapped(&self, s: u64, e: u64) -> bool {
        self.maps
            .range(..e)
            .next_back()
            .is_some_and(|(_, m)| m.end() > s)
    }

    /// True if every page of `[s, e)` is mapped.
    pub fn all_mapped(&self, s: u64, e: u64) -> bool {
        let mut a = s;
        while a < e {
            match self.find(a) {
                Some(m) => a = m.end(),
                None => return false,
            }
        }
        true
    }

    /// True if every page of `[s, e)` is mapped with all of `need` prot bits.
    pub fn all_have(&self, s: u64, e: u64, need: u32) -> bool {
        let mut a = s;
        while a < e {
            match self.find(a) {
                Some(m) if m.prot & need == need => a = m.end(),
                _ => return false,
            }
        }
        true
    }

    /// Sets the protection of `[s, e)` (which must be mapped).
    pub fn protect(&mut self, s: u64, e: u64, prot: u32) {
        let parts: Vec<Mapping> = self
            .maps
            .range(..e)
            .rev()
            .take_while(|(_, m)| m.end() > s)
            .filter_map(|(_, m)| m.clip(s, e))
            .collect();
        for mut p in parts {
            p.prot = prot;
            self.insert(p);
        }
    }

    /// Highest free range of `len` bytes that ends at or below `top` and
    /// starts at or above `bottom`.
    pub fn find_free_below(&self, len: u64, bottom: u64, top: u64) -> Option<u64> {
        let mut hi = top;
        for (_, m) in self.maps.range(..top).rev() {
            if m.end() <= hi && hi - m.end() >= len {
                return Some(hi - len).filter(|a| *a >= bottom);
            }
            hi = hi.min(m.start);
            if hi < bottom.saturating_add(len) {
                return None;
            }
        }
        (hi >= bottom.saturating_add(len)).then(|| hi - len)
    }

    /// All mappings in address order.
    pub fn iter(&self) -> impl Iterator<Item = &Mapping> {
        self.maps.values()
    }
}

/// State protected by the address-space lock.
#[derive(Debug)]
struct Inner {
    map: PageMap,
    brk_start: u64,
    brk: u64,
    mmap_top: u64,
}

/// Callback run when guest code pages change (unmap, remap, loss of exec).
pub type InvalidateHook = Box<dyn Fn(u64, u64) + Send + Sync>;

/// The guest address space of one process.
pub struct AddressSpace {
    base: u64,
    limit: u64,
    inner: RwLock<Inner>,
    invalidate: RwLock<Option<InvalidateHook>>,
    /// Writable guest pages that hold translated code: write-protected in
    /// the host mapping (the guest's view in `inner` keeps `WRITE`), so a
    /// guest store faults and invalidates the translations first.
    code_pages: std::sync::Mutex<std::collections::BTreeSet<u64>>,
    /// `code_pages.len()`, readable without the lock.
    code_count: std::sync::atomic::AtomicUsize,
    /// Set once any mapping was made guarded ([`prot::BTI`]); from then
    /// on translation tracks branch types ([`GuestMemory::code_guarded`]).
    guarded: std::sync::atomic::AtomicBool,
    /// Mask applied to the guest address of every data access through
    /// [`GuestMemory`] (`load`, `store`, `rmw`, `cas`): all ones, or
    /// [`TBI_MASK`] once [`AddressSpace::set_top_byte_ignore`] was called.
    data_mask: std::sync::atomic::AtomicU64,
    /// Set once a second guest thread was created: from then on
    /// [`GuestMemory::direct_ranges`] says no (another thread may unmap or
    /// write-protect memory under a running loop).
    threaded: std::sync::atomic::AtomicBool,
    /// [`GuestMemory::direct_generation`]: advanced whenever the mappings
    /// lock is taken for writing (every map, unmap, protect, remap, brk),
    /// a code page is write-protected and a second thread is announced,
    /// before the change: windows promised under an older value are
    /// dropped at the next entry to compiled code.
    generation: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for AddressSpace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddressSpace")
            .field("base", &format_args!("0x{:x}", self.base))
            .field("limit", &format_args!("0x{:x}", self.limit))
            .finish()
    }
}

/// Lowest address the kernel-like allocator hands out without a hint.
const MMAP_MIN: u64 = 0x10000;

impl AddressSpace {
    /// Reserves a guest space of at most `2^max_bits` bytes (smaller if the
    /// host refuses), plus the guard areas before and after it.
    pub fn reserve(max_bits: u32) -> Result<Arc<AddressSpace>, MmapError> {
        let mut last = 0;
        for bits in (32..=max_bits).rev().step_by(2) {
            let limit = 1u64 << bits;
            // SAFETY: reserving fresh address space; nothing is overwritten.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    (limit + 2 * GUARD_SIZE) as usize,
                    libc::PROT_NONE,
                    libc::MAP_NORESERVE | libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                last = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
                continue;
            }
            let stack_gap = 16 << 20;
            return Ok(Arc::new(AddressSpace {
                base: p as u64 + GUARD_SIZE,
                limit,
                inner: RwLock::new(Inner {
                    map: PageMap::default(),
                    brk_start: 0,
                    brk: 0,
                    mmap_top: limit - stack_gap,
                }),
                invalidate: RwLock::new(None),
                code_pages: Default::default(),
                code_count: Default::default(),
                guarded: Default::default(),
                data_mask: std::sync::atomic::AtomicU64::new(u64::MAX),
                threaded: Default::default(),
                generation: std::sync::atomic::AtomicU64::new(1),
            }));
        }
        Err(MmapError::Reserve(
            std::io::Error::from_raw_os_error(last).to_string(),
        ))
    }

    /// Host address of guest address 0.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// First guest address past the guest space.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Makes data accesses through [`GuestMemory`] ignore bits 63:56 of
    /// a guest address whose bit 55 is clear (AArch64 TBI0 = 1, TBI1 = 0
    /// as Linux sets them for EL0; qemu does the same). Compiled code
    /// sends a tagged address (at or above the limit) to these methods
    /// already. Faults report the address without its tag, as qemu's
    /// `si_addr` does. Instruction fetch, syscall pointers and
    /// [`read_bytes`](Self::read_bytes) /
    /// [`write_bytes`](Self::write_bytes) stay exact.
    pub fn set_top_byte_ignore(&self) {
        self.data_mask
            .store(TBI_MASK, std::sync::atomic::Ordering::Relaxed);
    }

    /// `addr` as a data access sees it: under TBI, the top byte dropped
    /// where bit 55 is clear (TTBR0's half; Linux leaves TBI1 off, so an
    /// address with bit 55 set, such as -8, stays whole and faults there).
    fn data_addr(&self, addr: u64) -> u64 {
        if addr & (1 << 55) != 0 {
            return addr;
        }
        addr & self.data_mask.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sets the callback run when code may have changed.
    pub fn set_invalidate_hook(&self, hook: InvalidateHook) {
        *self.invalidate.write().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    fn invalidate(&self, start: u64, len: u64) {
        if let Some(h) = &*self.invalidate.read().unwrap_or_else(|e| e.into_inner()) {
            h(start, len);
        }
    }

    fn lock_read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The mappings lock for writing; advances the generation (any change
    /// of the mappings may break a promise of `direct_ranges`).
    fn lock_write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        let g = self.inner.write().unwrap_or_else(|e| e.into_inner());
        self.bump_generation();
        g
    }

    /// Advances [`GuestMemory::direct_generation`].
    fn bump_generation(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Runs `f` (a `fork`) with the address-space lock held, so that no
    /// other thread is in the middle of changing the mappings when the
    /// process is copied, and the invalidate hook's lock (taken first: the
    /// hook runs after the mappings' lock is dropped), so that none is in
    /// the hook (the child sets its own, which takes that lock for
    /// writing); the locks are released in both processes.
    pub fn while_locked<T>(&self, f: impl FnOnce() -> T) -> T {
        let hook = self.invalidate.write().unwrap_or_else(|e| e.into_inner());
        let g = self.lock_write();
        let r = f();
        drop(g);
        drop(hook);
        r
    }

    /// Checks that `[addr, addr+len)` is page aligned and inside the space.
    fn check_range(&self, addr: u64, len: u64) -> Result<u64, MmapError> {
        let end = addr
            .checked_add(len)
            .filter(|e| *e <= self.limit && addr.is_multiple_of(PAGE_SIZE))
            .ok_or(MmapError::Invalid(addr, len))?;
        Ok(end)
    }

    /// Host pointer for guest `addr` if `[addr, addr+len)` lies inside the
    /// guest space (the memory may still be unmapped: use the probes or a
    /// host syscall that reports EFAULT).
    pub fn host_ptr(&self, addr: u64, len: u64) -> Option<*mut u8> {
        let end = addr.checked_add(len)?;
        (end <= self.limit).then(|| (self.base + addr) as *mut u8)
    }

    /// Host protection for guest protection bits.
    fn host_prot(p: u32) -> i32 {
        let mut h = 0;
        if p & prot::READ != 0 {
            h |= libc::PROT_READ;
        }
        if p & prot::WRITE != 0 {
            h |= libc::PROT_READ | libc::PROT_WRITE;
        }
        h
    }

    /// Maps `len` bytes where `place` says and returns the guest address;
    /// `fd < 0` maps anonymous memory.
    /// The choice of a free range and the host mapping happen under one
    /// lock: two threads mapping at the same time never get the same range
    /// (which would make the second MAP_FIXED replace the first mapping).
    #[allow(clippy::too_many_arguments)]
    pub fn map(
        &self,
        place: Place,
        len: u64,
        gprot: u32,
        flags: u32,
        fd: i32,
        offset: u64,
        name: Option<Arc<str>>,
    ) -> Result<u64, MmapError> {
        let len = page_up(len);
        if len == 0 {
            return Err(MmapError::Invalid(0, len));
        }
        let mut g = self.lock_write();
        let addr = match place {
            Place::Fixed(a) => a,
            Place::NoReplace(a) => {
                if a.checked_add(len).is_some_and(|e| g.map.any_mapped(a, e)) {
                    return Err(MmapError::Exists);
                }
                a
            }
            Place::Anywhere(hint) => self.find_free_in(&g, hint, len)?,
        };
        let end = self.check_range(addr, len)?;
        let shared = flags & libc::MAP_SHARED as u32 != 0;
        let mut hflags = libc::MAP_FIXED
            | if shared {
                libc::MAP_SHARED
            } else {
                libc::MAP_PRIVATE
            };
        if fd < 0 {
            hflags |= libc::MAP_ANONYMOUS;
        }
        if flags & libc::MAP_NORESERVE as u32 != 0 {
            hflags |= libc::MAP_NORESERVE;
        }
        let had_code = g
            .map
            .iter()
            .any(|m| m.prot & prot::EXEC != 0 && m.start < end && m.end() > addr);
        // SAFETY: the target range lies inside our reservation (checked
        // above), so MAP_FIXED replaces only guest memory.
        let p = unsafe {
            libc::mmap(
                (self.base + addr) as *mut libc::c_void,
                len as usize,
                Self::host_prot(gprot),
                hflags,
                fd,
                offset as libc::off_t,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(MmapError::Host(
                std::io::Error::last_os_error()
                    .raw_os_error()
                    .unwrap_or(libc::ENOMEM),
            ));
        }
        g.map.insert(Mapping {
            start: addr,
            len,
            prot: gprot,
            flags,
            offset: if fd < 0 { 0 } else { offset },
            name,
        });
        self.forget_code(addr, end);
        drop(g);
        if had_code {
            self.invalidate(addr, len);
        }
        self.note_guarded(gprot);
        Ok(addr)
    }

    /// Picks a free guest range of `len` bytes: `hint` if it is free, else
    /// the highest free range below the mmap area top.
    pub fn find_free(&self, hint: u64, len: u64) -> Result<u64, MmapError> {
        let g = self.lock_read();
        self.find_free_in(&g, hint, len)
    }

    /// `find_free` with the lock already held.
    fn find_free_in(&self, g: &Inner, hint: u64, len: u64) -> Result<u64, MmapError> {
        let len = page_up(len);
        let hint = page_down(hint);
        if hint != 0
            && let Some(e) = hint.checked_add(len)
            && e <= self.limit
            && !g.map.any_mapped(hint, e)
        {
            return Ok(hint);
        }
        g.map
            .find_free_below(len, MMAP_MIN, g.mmap_top)
            .ok_or(MmapError::NoSpace)
    }

    /// True if any page of the range is mapped.
    pub fn any_mapped(&self, addr: u64, len: u64) -> bool {
        self.lock_read()
            .map
            .any_mapped(addr, addr.saturating_add(len))
    }

    /// Unmaps `[addr, addr+len)` (the host range becomes PROT_NONE again).
    pub fn unmap(&self, addr: u64, len: u64) -> Result<(), MmapError> {
        let len = page_up(len);
        let end = self.check_range(addr, len)?;
        let mut g = self.lock_write();
        self.reserve_none(addr, len)?;
        g.map.remove(addr, end);
        self.forget_code(addr, end);
        drop(g);
        self.invalidate(addr, len);
        Ok(())
    }

    fn reserve_none(&self, addr: u64, len: u64) -> Result<(), MmapError> {
        if len == 0 {
            return Ok(());
        }
        // SAFETY: the range lies inside our reservation.
        let p = unsafe {
            libc::mmap(
                (self.base + addr) as *mut libc::c_void,
                len as usize,
                libc::PROT_NONE,
                libc::MAP_FIXED | libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(MmapError::Host(
                std::io::Error::last_os_error()
                    .raw_os_error()
                    .unwrap_or(libc::ENOMEM),
            ));
        }
        Ok(())
    }

    /// Changes the protection of `[addr, addr+len)`; every page must be mapped.
    pub fn protect(&self, addr: u64, len: u64, gprot: u32) -> Result<(), MmapError> {
        let len = page_up(len);
        let end = self.check_range(addr, len)?;
        let mut g = self.lock_write();
        if !g.map.all_mapped(addr, end) {
            return Err(MmapError::NotMapped);
        }
        let lost_exec = gprot & prot::EXEC == 0
            && g.map
                .iter()
                .any(|m| m.prot & prot::EXEC != 0 && m.start < end && m.end() > addr);
        if len > 0 {
            // SAFETY: the range lies inside our reservation.
            if unsafe {
                libc::mprotect(
                    (self.base + addr) as *mut libc::c_void,
                    len as usize,
                    Self::host_prot(gprot),
                )
            } != 0
            {
                return Err(MmapError::Host(
                    std::io::Error::last_os_error()
                        .raw_os_error()
                        .unwrap_or(libc::ENOMEM),
                ));
            }
        }
        g.map.protect(addr, end, gprot);
        let had_code = self.forget_code(addr, end);
        drop(g);
        // Losing exec, write-protected code pages becoming writable again
        // and (as a JIT's W^X cycle or a cache flush implies) gaining exec
        // all drop the translations of the range.
        if lost_exec || had_code || gprot & prot::EXEC != 0 {
            self.invalidate(addr, len);
        }
        self.note_guarded(gprot);
        Ok(())
    }

    /// Records that a mapping with protection `gprot` was made: the first
    /// guarded one drops every translation (made without branch-type
    /// tracking, see [`GuestMemory::code_guarded`]).
    fn note_guarded(&self, gprot: u32) {
        if gprot & prot::BTI != 0 && !self.guarded.swap(true, std::sync::atomic::Ordering::SeqCst) {
            self.invalidate(0, self.limit);
        }
    }

    /// A second guest thread is about to share this space: from now on
    /// no range is promised to [`GuestMemory::direct_ranges`] (sticky).
    pub fn note_thread(&self) {
        self.threaded
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.bump_generation();
    }

    /// Whether mapping `m` may be promised to compiled loops
    /// ([`GuestMemory::direct_ranges`]): anonymous and private (no file
    /// behind it that could shrink: no SIGBUS), with the guest protections
    /// `need`; for writes also not executable: a page of a writable and
    /// executable mapping becomes write-protected code whenever code in it
    /// is translated, which the compiler thread does while compiled loops
    /// run (retranslations, the word tables of PowerPC switches),
    /// so a store promised there could fault on the host.
    fn direct_ok(m: &Mapping, need: u32) -> bool {
        let anon = (libc::MAP_ANONYMOUS | libc::MAP_SHARED) as u32;
        let exec_write = need & prot::WRITE != 0 && m.prot & prot::EXEC != 0;
        m.prot & need == need && m.flags & anon == libc::MAP_ANONYMOUS as u32 && !exec_write
    }

    /// [`GuestMemory::direct_ranges`] for one range: every page of
    /// `[lo, hi)` lies below the limit in mappings that pass
    /// [`direct_ok`](Self::direct_ok) for reads, and writes if `write`,
    /// with no write-protected code page under a write; an empty range
    /// holds.
    fn direct_range(&self, g: &Inner, lo: u64, hi: u64, write: bool) -> bool {
        if lo >= hi {
            return true;
        }
        if hi > self.limit {
            return false;
        }
        let need = if write {
            prot::READ | prot::WRITE
        } else {
            prot::READ
        };
        let mut a = lo;
        while a < hi {
            match g.map.find(a) {
                Some(m) if Self::direct_ok(m, need) => a = m.end(),
                _ => return false,
            }
        }
        if write && self.code_count.load(std::sync::atomic::Ordering::Relaxed) != 0 {
            let set = self.code_pages.lock().unwrap_or_else(|e| e.into_inner());
            if set.range(lo & !(PAGE_SIZE - 1)..hi).next().is_some() {
                return false;
            }
        }
        true
    }

    /// The largest window around `[lo, hi)` (which passes
    /// [`direct_range`](Self::direct_range) for writes) of adjacent
    /// mappings that pass [`direct_ok`](Self::direct_ok) for reads and
    /// writes, without code pages (at most 64 mappings each way).
    fn direct_window(&self, g: &Inner, lo: u64, hi: u64) -> DirectWindow {
        let rw = prot::READ | prot::WRITE;
        let (mut a, mut b) = (lo & !(PAGE_SIZE - 1), hi);
        for _ in 0..64 {
            match a.checked_sub(1).and_then(|p| g.map.find(p)) {
                Some(m) if Self::direct_ok(m, rw) => a = m.start,
                _ => break,
            }
        }
        for _ in 0..64 {
            match g.map.find(b) {
                Some(m) if b < self.limit && Self::direct_ok(m, rw) => b = m.end(),
                _ => break,
            }
        }
        if self.code_count.load(std::sync::atomic::Ordering::Relaxed) != 0 {
            let set = self.code_pages.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(&p) = set.range(a..lo).next_back() {
                a = p + PAGE_SIZE;
            }
            if let Some(&p) = set.range(hi..b).next() {
                b = p;
            }
        }
        DirectWindow {
            lo: a,
            hi: b.min(self.limit),
        }
    }

    /// True once any mapping has been guarded (`PROT_BTI`).
    pub fn any_guarded(&self) -> bool {
        self.guarded.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Linux `mremap`: resizes (and maybe moves) a mapping. `new_addr` is
    /// used with `MREMAP_FIXED`.
    pub fn remap(
        &self,
        old: u64,
        old_len: u64,
        new_len: u64,
        may_move: bool,
        fixed: Option<u64>,
    ) -> Result<u64, MmapError> {
        let old_len = page_up(old_len);
        let new_len = page_up(new_len);
        let old_end = self.check_range(old, old_len)?;
        if new_len == 0 {
            return Err(MmapError::Invalid(old, new_len));
        }
        let mut g = self.lock_write();
        // Linux: EFAULT when the old range is not inside one mapping.
        let first = g
            .map
            .find(old)
            .cloned()
            .ok_or(MmapError::Host(libc::EFAULT))?;
        if !g.map.all_mapped(old, old_end) || first.end() < old_end {
            return Err(MmapError::Host(libc::EFAULT));
        }
        if fixed.is_none() && new_len <= old_len {
            drop(g);
            self.unmap(old + new_len, old_len - new_len)?;
            return Ok(old);
        }
        let host_errno = || {
            MmapError::Host(
                std::io::Error::last_os_error()
                    .raw_os_error()
                    .unwrap_or(libc::ENOMEM),
            )
        };
        // Grow in place if the pages after the mapping are free.
        if fixed.is_none()
            && let Some(new_end) = old.checked_add(new_len).filter(|e| *e <= self.limit)
            && !g.map.any_mapped(old_end, new_end)
        {
            // SAFETY: [old_end, new_end) is our free PROT_NONE reservation;
            // unmapping it lets the host grow the mapping in place.
            let p = unsafe {
                libc::munmap(
                    (self.base + old_end) as *mut libc::c_void,
                    (new_end - old_end) as usize,
                );
                libc::mremap(
                    (self.base + old) as *mut libc::c_void,
                    old_len as usize,
                    new_len as usize,
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                let e = host_errno();
                self.reserve_none(old_end, new_end - old_end)?;
                return Err(e);
            }
            let mut m = first.clone();
            m.start = old;
            m.offset = first.offset + (old - first.start);
            m.len = new_len;
            g.map.insert(m);
            return Ok(old);
        }
        if !may_move {
            return Err(MmapError::NoSpace);
        }
        let dest = match fixed {
            Some(d) => {
                let dend = self.check_range(d, new_len)?;
                if d < old_end && dend > old {
                    return Err(MmapError::Invalid(d, new_len));
                }
                d
            }
            None => g
                .map
                .find_free_below(new_len, MMAP_MIN, g.mmap_top)
                .ok_or(MmapError::NoSpace)?,
        };
        // SAFETY: both ranges lie inside our reservation; MREMAP_FIXED
        // replaces whatever was at the destination (guest memory only).
        let p = unsafe {
            libc::mremap(
                (self.base + old) as *mut libc::c_void,
                old_len as usize,
                new_len as usize,
                libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED,
                (self.base + dest) as *mut libc::c_void,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(host_errno());
        }
        // The old range is now a hole in the reservation: fill it again.
        self.reserve_none(old, old_len)?;
        let mut m = first.clone();
        m.offset = first.offset + (old - first.start);
        m.start = dest;
        m.len = new_len;
        g.map.remove(old, old_end);
        g.map.insert(m);
        self.forget_code(old, old_end);
        self.forget_code(dest, dest + new_len);
        drop(g);
        self.invalidate(old, old_len);
        self.invalidate(dest, new_len);
        Ok(dest)
    }

    /// Sets the initial program break (page aligned by the loader).
    pub fn init_brk(&self, start: u64) {
        let mut g = self.lock_write();
        g.brk_start = start;
        g.brk = start;
    }

    /// Linux `brk`: returns the new break, or the old one on failure.
    pub fn brk(&self, new: u64) -> u64 {
        let (start, cur) = {
            let g = self.lock_read();
            (g.brk_start, g.brk)
        };
        if new < start || new >= self.limit {
            return cur;
        }
        let old_top = page_up(cur);
        let new_top = page_up(new);
        if new_top > old_top {
            if self.any_mapped(old_top, new_top - old_top) {
                return cur;
            }
            let name: Arc<str> = Arc::from("[heap]");
            if self
                .map(
                    Place::Fixed(old_top),
                    new_top - old_top,
                    prot::READ | prot::WRITE,
                    (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u32,
                    -1,
                    0,
                    Some(name),
                )
                .is_err()
            {
                return cur;
            }
        } else if new_top < old_top && self.unmap(new_top, old_top - new_top).is_err() {
            return cur;
        }
        self.lock_write().brk = new;
        new
    }

    /// A copy of the mapping containing `addr`.
    pub fn mapping_at(&self, addr: u64) -> Option<Mapping> {
        self.lock_read().map.find(addr).cloned()
    }

    /// A snapshot of all mappings.
    pub fn mappings(&self) -> Vec<Mapping> {
        self.lock_read().map.iter().cloned().collect()
    }

    /// Classifies a failed probe at guest address `gaddr`.
    pub fn classify(&self, gaddr: u64, signo: u64, write: bool) -> Fault {
        let kind = if signo == libc::SIGBUS as u64 {
            FaultKind::Bus
        } else if self.lock_read().map.find(gaddr).is_some() {
            FaultKind::Protection
        } else {
            FaultKind::Unmapped
        };
        Fault {
            addr: gaddr,
            kind,
            write,
        }
    }

    fn fault_from(&self, r: probe::ProbeRet, fallback: u64, write: bool) -> Fault {
        let g = r
            .addr
            .checked_sub(self.base)
            .filter(|a| *a < self.limit + GUARD_SIZE)
            .unwrap_or(fallback);
        self.classify(g, r.failed, write)
    }

    fn out_of_range(addr: u64, write: bool) -> Fault {
        Fault {
            addr,
            kind: FaultKind::Unmapped,
            write,
        }
    }

    /// The untagged address and host pointer of a data access of `size`
    /// bytes (1, 2, 4, 8 or 16) at `addr`, or its fault: `addr` itself for
    /// an access that starts at or past the limit (or of another size).
    /// One that starts below the limit gets its pointer even where it
    /// crosses the limit: its end lies in the guard area above the guest
    /// range ([`GUARD_SIZE`]), so the probe faults at its first byte the
    /// guest cannot reach (the limit, or a page below it the guest may not
    /// access this way) and [`fault_from`](Self::fault_from) reports that
    /// byte, as the kernel does.
    fn data_ptr(&self, addr: u64, size: u8, write: bool) -> Result<(u64, *mut u8), Fault> {
        let addr = self.data_addr(addr);
        if addr >= self.limit || !matches!(size, 1 | 2 | 4 | 8 | 16) {
            return Err(Self::out_of_range(addr, write));
        }
        Ok((addr, (self.base + addr) as *mut u8))
    }

    /// Write-protects the host pages of `[start, end)` (a writable and
    /// executable mapping with guest protection `gprot`) whose code is
    /// being translated. Called with the mappings lock held.
    fn protect_code(&self, start: u64, end: u64, gprot: u32) {
        let mut set = self.code_pages.lock().unwrap_or_else(|e| e.into_inner());
        let mut p = start & !(PAGE_SIZE - 1);
        while p < end {
            if set.insert(p) {
                self.bump_generation();
                // SAFETY: the page lies inside our reservation and is mapped.
                unsafe {
                    libc::mprotect(
                        (self.base + p) as *mut libc::c_void,
                        PAGE_SIZE as usize,
                        Self::host_prot(gprot & !prot::WRITE),
                    )
                };
            }
            p += PAGE_SIZE;
        }
        self.code_count
            .store(set.len(), std::sync::atomic::Ordering::Relaxed);
    }

    /// Drops the write-protected code pages of `[start, end)` from the set
    /// (their host protection was just replaced); true if there were any.
    /// Called with the mappings lock held for writing.
    fn forget_code(&self, start: u64, end: u64) -> bool {
        if self.code_count.load(std::sync::atomic::Ordering::Relaxed) == 0 {
            return false;
        }
        let mut set = self.code_pages.lock().unwrap_or_else(|e| e.into_inner());
        let gone: Vec<u64> = set.range(start & !(PAGE_SIZE - 1)..end).copied().collect();
        for p in &gone {
            set.remove(p);
        }
        self.code_count
            .store(set.len(), std::sync::atomic::Ordering::Relaxed);
        !gone.is_empty()
    }

    /// Makes the page at `page` writable on the host again if the guest may
    /// write it; returns (guest may write, the page held code).
    fn unprotect_page(&self, g: &Inner, page: u64) -> (bool, bool) {
        let Some(m) = g.map.find(page) else {
            return (false, false);
        };
        if m.prot & prot::WRITE == 0 {
            return (false, false);
        }
        let mut set = self.code_pages.lock().unwrap_or_else(|e| e.into_inner());
        let was = set.remove(&page);
        self.code_count
            .store(set.len(), std::sync::atomic::Ordering::Relaxed);
        // SAFETY: the page lies inside our reservation and is mapped; this
        // restores the protection the guest asked for.
        unsafe {
            libc::mprotect(
                (self.base + page) as *mut libc::c_void,
                PAGE_SIZE as usize,
                Self::host_prot(m.prot),
            )
        };
        (true, was)
    }

    /// A guest write faulted at `addr`: if the guest may write there, the
    /// page was write-protected because it holds translated code (or a
    /// racing thread has just unprotected it). Its translations are
    /// invalidated, the page is made writable and true is returned: the
    /// store is to be retried. False for a real protection fault.
    pub fn smc_write_fault(&self, addr: u64) -> bool {
        let page = addr & !(PAGE_SIZE - 1);
        let (writable, had_code) = {
            let g = self.lock_read();
            self.unprotect_page(&g, page)
        };
        if had_code {
            self.invalidate(page, PAGE_SIZE);
        }
        writable
    }

    /// Before xlat or the host kernel writes guest memory on the guest's
    /// behalf (syscalls): unprotects and invalidates the code pages of
    /// `[addr, addr+len)`.
    pub fn release_code(&self, addr: u64, len: u64) {
        if self.code_count.load(std::sync::atomic::Ordering::Relaxed) == 0 || len == 0 {
            return;
        }
        let end = addr.saturating_add(len);
        let pages: Vec<u64> = {
            let set = self.code_pages.lock().unwrap_or_else(|e| e.into_inner());
            set.range(addr & !(PAGE_SIZE - 1)..end).copied().collect()
        };
        for p in pages {
            let (_, had) = {
                let g = self.lock_read();
                self.unprotect_page(&g, p)
            };
            if had {
                self.invalidate(p, PAGE_SIZE);
            }
        }
    }

    /// Copies guest memory at `addr` into `buf`.
    pub fn read_bytes(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        let p = self
            .host_ptr(addr, buf.len() as u64)
            .ok_or_else(|| Self::out_of_range(addr.max(self.limit), false))?;
        // SAFETY: `p..p+len` lies inside the reservation; the probe catches faults.
        unsafe { probe::copy(buf.as_mut_ptr(), p, buf.len()) }
            .map_err(|r| self.fault_from(r, addr, false))
    }

    /// Copies `buf` into guest memory at `addr`.
    pub fn write_bytes(&self, addr: u64, buf: &[u8]) -> Result<(), Fault> {
        self.release_code(addr, buf.len() as u64);
        let p = self
            .host_ptr(addr, buf.len() as u64)
            .ok_or_else(|| Self::out_of_range(addr.max(self.limit), true))?;
        // SAFETY: as in `read_bytes`.
        unsafe { probe::copy(p, buf.as_ptr(), buf.len()) }
            .map_err(|r| self.fault_from(r, addr, true))
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        // SAFETY: we own the whole reservation, guards included.
        unsafe {
            libc::munmap(
                (self.base - GUARD_SIZE) as *mut libc::c_void,
                (self.limit + 2 * GUARD_SIZE) as usize,
            );
        }
    }
}

fn rmw_apply(op: RmwOp, size: u8, old: u64, v: u64) -> u64 {
    let bits = size as u32 * 8;
    let sext = |x: u64| -> i64 {
        if bits == 64 {
            x as i64
        } else {
            ((x << (64 - bits)) as i64) >> (64 - bits)
        }
    };
    match op {
        RmwOp::Xchg => v,
        RmwOp::Add => old.wrapping_add(v),
        RmwOp::AndNot => old & !v,
        RmwOp::Or => old | v,
        RmwOp::Xor => old ^ v,
        RmwOp::And => old & v,
        RmwOp::Smax => {
            if sext(old) >= sext(v) {
                old
            } else {
                v
            }
        }
        RmwOp::Smin => {
            if sext(old) <= sext(v) {
                old
            } else {
                v
            }
        }
        RmwOp::Umax => old.max(v),
        RmwOp::Umin => old.min(v),
    }
}

impl GuestMemory for AddressSpace {
    fn direct(&self) -> Option<DirectMem> {
        Some(DirectMem {
            base: self.base,
            limit: self.limit,
            guard: GUARD_SIZE,
        })
    }

    fn load(&self, addr: u64, size: u8) -> Result<u128, Fault> {
        let (addr, p) = self.data_ptr(addr, size, false)?;
        // SAFETY: `p..p+size` lies inside the reservation (the guest range
        // and the guard above it); faults are caught by the probe.
        unsafe { probe::load(p, size) }.map_err(|r| self.fault_from(r, addr, false))
    }

    fn store(&self, addr: u64, size: u8, v: u128) -> Result<(), Fault> {
        let (addr, p) = self.data_ptr(addr, size, true)?;
        // SAFETY: as in `load`.
        unsafe { probe::store(p, size, v) }.map_err(|r| self.fault_from(r, addr, true))
    }

    fn rmw(&self, addr: u64, size: u8, op: RmwOp, v: u64) -> Result<u64, Fault> {
        let addr = self.data_addr(addr);
        if !matches!(size, 1 | 2 | 4 | 8) {
            return Err(Self::out_of_range(addr, true));
        }
        let mask = if size == 8 {
            u64::MAX
        } else {
            (1u64 << (size * 8)) - 1
        };
        let mut old = self.load(addr, size)? as u64;
        loop {
            let new = rmw_apply(op, size, old, v & mask) & mask;
            let seen = self.cas(addr, size, old as u128, new as u128)? as u64;
            if seen == old {
                return Ok(old);
            }
            old = seen;
        }
    }

    fn cas(&self, addr: u64, size: u8, expected: u128, new: u128) -> Result<u128, Fault> {
        let (addr, p) = self.data_ptr(addr, size, true)?;
        // SAFETY: as in `load`.
        unsafe { probe::cas(p, size, expected, new) }.map_err(|r| self.fault_from(r, addr, true))
    }

    fn fetch_code(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        let end = addr
            .checked_add(buf.len() as u64)
            .filter(|e| *e <= self.limit)
            .ok_or_else(|| Self::out_of_range(addr, false))?;
        {
            let g = self.lock_read();
            let mut a = addr;
            while a < end {
                match g.map.find(a) {
                    Some(m) if m.prot & prot::EXEC != 0 => {
                        if m.prot & prot::WRITE != 0 {
                            self.protect_code(a, m.end().min(end), m.prot);
                        }
                        a = m.end()
                    }
                    Some(_) => {
                        return Err(Fault {
                            addr: a,
                            kind: FaultKind::Protection,
                            write: false,
                        });
                    }
                    None => return Err(Self::out_of_range(a, false)),
                }
            }
        }
        self.read_bytes(addr, buf)
    }

    fn code_guarded(&self, addr: u64) -> Option<bool> {
        if !self.any_guarded() {
            return None;
        }
        let g = self.lock_read();
        Some(g.map.find(addr).is_some_and(|m| m.prot & prot::BTI != 0))
    }

    /// Holds while one guest thread uses the space: mappings and
    /// protections change only through that thread's syscalls and faults,
    /// none of which happen inside compiled code, and each of which
    /// advances the generation first (so the window is dropped at the next
    /// entry to compiled code); the compiler thread's
    /// translations may write-protect pages of executable mappings only,
    /// which get no promise for writes ([`direct_ok`](Self::direct_ok)).
    fn direct_generation(&self) -> Option<&std::sync::atomic::AtomicU64> {
        Some(&self.generation)
    }

    fn direct_ranges(&self, rlo: u64, rhi: u64, wlo: u64, whi: u64) -> Option<[DirectWindow; 2]> {
        if self.threaded.load(std::sync::atomic::Ordering::SeqCst) {
            return None;
        }
        let g = self.lock_read();
        let none = DirectWindow::default();
        // One window for both, where the hull of the two ranges is in one
        // (then each range holds too: one walk, the common case).
        let (lo, hi) = match (rlo < rhi, wlo < whi) {
            (true, true) => (rlo.min(wlo), rhi.max(whi)),
            (true, false) => (rlo, rhi),
            (false, true) => (wlo, whi),
            (false, false) => return Some([none; 2]),
        };
        if self.direct_range(&g, lo, hi, true) {
            return Some([self.direct_window(&g, lo, hi), none]);
        }
        if !(self.direct_range(&g, rlo, rhi, false) && self.direct_range(&g, wlo, whi, true)) {
            return None;
        }
        // Reads and writes in different mappings (a buffer and the stack):
        // a window around each (none around reads the world does not
        // promise for writes too).
        let ws = if wlo < whi {
            self.direct_window(&g, wlo, whi)
        } else {
            none
        };
        let rs = if rlo < rhi && self.direct_range(&g, rlo, rhi, true) {
            self.direct_window(&g, rlo, rhi)
        } else {
            none
        };
        Some([ws, rs])
    }
}

#[cfg(test)]
impl AddressSpace {
    /// For unit tests: an anonymous private mapping at `at` (MAP_FIXED).
    pub(crate) fn map_anon(&self, at: u64, len: u64, gprot: u32) -> u64 {
        self.map(Place::Fixed(at), len, gprot, 0x22, -1, 0, None)
            .expect("anonymous test mapping")
    }
}

/// For unit tests: a guest space (2^34) with the fault handler installed
/// and `0x10000..0x20000` mapped read-write.
#[cfg(test)]
pub(crate) fn test_space() -> Arc<AddressSpace> {
    crate::probe::install_fault_handler(None).expect("fault handler");
    let mem = AddressSpace::reserve(34).expect("reserve");
    mem.map_anon(0x10000, 0x10000, prot::READ | prot::WRITE);
    mem
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anon(start: u64, len: u64, prot: u32) -> Mapping {
        Mapping {
            start,
            len,
            prot,
            flags: 0,
            offset: 0,
            name: None,
        }
    }

    #[test]
    fn page_map_split_and_find() {
        let mut m = PageMap::default();
        m.insert(anon(0x1000, 0x5000, 3));
        m.remove(0x2000, 0x3000);
        let v: Vec<_> = m.iter().map(|m| (m.start, m.len)).collect();
        assert_eq!(v, vec![(0x1000, 0x1000), (0x3000, 0x3000)]);
        assert!(m.find(0x2000).is_none());
        assert_eq!(m.find(0x5fff).unwrap().start, 0x3000);
        assert!(!m.all_mapped(0x1000, 0x4000));
        assert!(m.all_mapped(0x3000, 0x6000));
        m.protect(0x4000, 0x5000, 1);
        let v: Vec<_> = m.iter().map(|m| (m.start, m.len, m.prot)).collect();
        assert_eq!(
            v,
            vec![
                (0x1000, 0x1000, 3),
                (0x3000, 0x1000, 3),
                (0x4000, 0x1000, 1),
                (0x5000, 0x1000, 3)
            ]
        );
        assert!(m.any_mapped(0x0, 0x1001));
        assert!(!m.any_mapped(0x0, 0x1000));
        assert!(!m.any_mapped(0x2000, 0x3000));
    }

    #[test]
    fn page_map_find_free() {
        let mut m = PageMap::default();
        m.insert(anon(0x8000, 0x1000, 3));
        assert_eq!(m.find_free_below(0x1000, 0x1000, 0x10000), Some(0xf000));
        m.insert(anon(0x9000, 0x7000, 3));
        assert_eq!(m.find_free_below(0x1000, 0x1000, 0x10000), Some(0x7000));
        assert_eq!(m.find_free_below(0x7000, 0x1000, 0x10000), Some(0x1000));
        assert_eq!(m.find_free_below(0x8000, 0x1000, 0x10000), None);
    }

    #[test]
    fn concurrent_anywhere_maps_never_overlap() {
        // Threads mapping and unmapping at the same time (glibc thread
        // stacks, malloc arenas): each must get a range of its own.
        let s = AddressSpace::reserve(36).unwrap();
        let ranges: Vec<(u64, u64)> = std::thread::scope(|sc| {
            let hs: Vec<_> = (0..4)
                .map(|_| {
                    sc.spawn(|| {
                        let mut got = Vec::new();
                        for i in 0..200u64 {
                            let len = (1 + i % 5) * PAGE_SIZE;
                            let a = s
                                .map(Place::Anywhere(0), len, prot::READ, 0x22, -1, 0, None)
                                .unwrap();
                            if i % 3 == 0 {
                                s.unmap(a, len).unwrap();
                            } else {
                                got.push((a, a + len));
                            }
                        }
                        got
                    })
                })
                .collect();
            hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        let mut sorted = ranges.clone();
        sorted.sort_unstable();
        for w in sorted.windows(2) {
            assert!(w[0].1 <= w[1].0, "ranges overlap: {:x?} {:x?}", w[0], w[1]);
        }
        for (a, e) in ranges {
            assert!(s.lock_read().map.all_mapped(a, e));
        }
        // MAP_FIXED_NOREPLACE over a mapped page fails.
        let a = s
            .map(Place::Anywhere(0), PAGE_SIZE, prot::READ, 0x22, -1, 0, None)
            .unwrap();
        assert!(matches!(
            s.map(
                Place::NoReplace(a),
                PAGE_SIZE,
                prot::READ,
                0x22,
                -1,
                0,
                None
            ),
            Err(MmapError::Exists)
        ));
    }

    #[test]
    fn top_byte_ignore_drops_the_tag_of_data_accesses_only_when_set() {
        let s = test_space();
        let tagged = |a: u64, t: u64| a | t << 56;
        // Exact (ppc64le): a tagged address is out of range, reported as is.
        let f = s.load(tagged(0x10008, 0x5a), 8).unwrap_err();
        assert_eq!(
            (f.addr, f.kind),
            (tagged(0x10008, 0x5a), FaultKind::Unmapped)
        );
        assert!(s.store(tagged(0x10008, 1), 8, 7).is_err());
        s.set_top_byte_ignore();
        s.store(tagged(0x10008, 0x5a), 8, 0x1122_3344).unwrap();
        assert_eq!(s.load(0x10008, 8).unwrap(), 0x1122_3344);
        assert_eq!(s.load(tagged(0x1000c, 0xff), 2).unwrap(), 0);
        assert_eq!(s.load(tagged(0x10008, 0x01), 4).unwrap(), 0x1122_3344);
        assert_eq!(
            s.rmw(tagged(0x10008, 0x80), 8, RmwOp::Add, 2).unwrap(),
            0x1122_3344
        );
        assert_eq!(
            s.cas(tagged(0x10008, 0x7f), 8, 0x1122_3346, 9).unwrap(),
            0x1122_3346
        );
        s.store(tagged(0x10010, 0x3c), 16, 0xabcd << 64 | 5)
            .unwrap();
        assert_eq!(s.load(0x10018, 8).unwrap(), 0xabcd);
        assert_eq!(s.load(0x10008, 8).unwrap(), 9);
        // A fault reports the address without its tag (as Linux's and
        // qemu's si_addr); bits below 56 stay exact.
        let f = s.store(tagged(0x20010, 0xf1), 4, 1).unwrap_err();
        assert_eq!(
            (f.addr, f.kind, f.write),
            (0x20010, FaultKind::Unmapped, true)
        );
        let f = s.load(tagged(1 << 50, 0x12), 1).unwrap_err();
        assert_eq!(f.addr, 1 << 50);
        // Bit 55 set: the upper half, where TBI1 is off: exact.
        let f = s.load(tagged(0x80_0000_0001_0008, 0x5a), 8).unwrap_err();
        assert_eq!(f.addr, tagged(0x80_0000_0001_0008, 0x5a));
        assert_eq!(s.load(u64::MAX - 7, 8).unwrap_err().addr, u64::MAX - 7);
        // Instruction fetch stays exact.
        let mut b = [0u8; 4];
        assert!(s.fetch_code(tagged(0x10000, 0x5a), &mut b).is_err());
    }

    #[test]
    fn address_space_map_access_unmap() {
        crate::probe::install_fault_handler(None).unwrap();
        let s = AddressSpace::reserve(36).unwrap();
        assert!(s.limit() >= 1 << 32);
        let a = s.find_free(0, 0x3000).unwrap();
        s.map_anon(a, 0x3000, prot::READ | prot::WRITE);
        s.store(a + 8, 8, 0xabcdef).unwrap();
        assert_eq!(s.load(a + 8, 8).unwrap(), 0xabcdef);
        assert_eq!(s.rmw(a + 8, 4, RmwOp::Add, 1).unwrap(), 0xabcdef);
        assert_eq!(s.load(a + 8, 8).unwrap(), 0xabcdf0);
        assert_eq!(s.rmw(a + 8, 1, RmwOp::Smax, 0x80).unwrap(), 0xf0);
        assert_eq!(s.load(a + 8, 1).unwrap(), 0xf0);
        // Unmapped / guard / out-of-range accesses are faults, not crashes.
        let f = s.load(a + 0x3000, 4).unwrap_err();
        assert_eq!((f.addr, f.kind), (a + 0x3000, FaultKind::Unmapped));
        assert!(s.load(s.limit() - 2, 4).is_err());
        assert!(s.load(u64::MAX - 1, 8).is_err());
        // Read-only: reads work, writes fault with Protection.
        s.protect(a + 0x1000, 0x1000, prot::READ).unwrap();
        assert_eq!(s.load(a + 0x1000, 4).unwrap(), 0);
        let f = s.store(a + 0x1000, 4, 1).unwrap_err();
        assert_eq!(
            (f.addr, f.kind, f.write),
            (a + 0x1000, FaultKind::Protection, true)
        );
        // fetch_code requires PROT_EXEC.
        let mut b = [0u8; 4];
        assert_eq!(
            s.fetch_code(a, &mut b).unwrap_err().kind,
            FaultKind::Protection
        );
        s.protect(a, 0x1000, prot::READ | prot::EXEC).unwrap();
        s.fetch_code(a + 8, &mut b).unwrap();
        assert_eq!(b, [0xf0, 0xcd, 0xab, 0]);
        assert!(s.protect(a, 0x5000, prot::READ).is_err());
        s.unmap(a + 0x1000, 0x1000).unwrap();
        assert!(s.load(a + 0x1000, 1).is_err());
        assert_eq!(s.load(a + 0x2000, 1).unwrap(), 0);
        assert_eq!(s.mappings().len(), 2);
    }

    #[test]
    fn access_across_the_limit_faults_at_its_first_bad_byte() {
        crate::probe::install_fault_handler(None).unwrap();
        let s = AddressSpace::reserve(36).unwrap();
        let top = s.limit();
        let last = top - PAGE_SIZE;
        // Unmapped last page: the access's own start.
        let f = s.load(top - 8, 16).unwrap_err();
        assert_eq!((f.addr, f.kind), (top - 8, FaultKind::Unmapped));
        // Mapped: the limit, for loads, stores and compare-and-swap, and
        // nothing is written below it.
        s.map_anon(last, PAGE_SIZE, prot::READ | prot::WRITE);
        s.store(top - 8, 8, 0x1234).unwrap();
        let f = s.load(top - 8, 16).unwrap_err();
        assert_eq!((f.addr, f.kind, f.write), (top, FaultKind::Unmapped, false));
        let f = s.store(top - 4, 16, u128::MAX).unwrap_err();
        assert_eq!((f.addr, f.kind, f.write), (top, FaultKind::Unmapped, true));
        let f = s.cas(top - 8, 16, 0, 1).unwrap_err();
        assert_eq!(f.addr, top);
        let f = s.load(top - 4, 8).unwrap_err();
        assert_eq!((f.addr, f.kind, f.write), (top, FaultKind::Unmapped, false));
        assert_eq!(s.rmw(top - 2, 4, RmwOp::Add, 1).unwrap_err().addr, top);
        assert_eq!(s.load(top - 8, 8).unwrap(), 0x1234);
        // Read-only: a load still reaches the limit; a store faults at its
        // start, a protection fault.
        s.protect(last, PAGE_SIZE, prot::READ).unwrap();
        assert_eq!(s.load(top - 2, 4).unwrap_err().addr, top);
        let f = s.store(top - 8, 16, 0).unwrap_err();
        assert_eq!((f.addr, f.kind), (top - 8, FaultKind::Protection));
        // At or past the limit: the address itself.
        assert_eq!(s.load(top + 8, 16).unwrap_err().addr, top + 8);
    }

    #[test]
    fn remap_and_brk() {
        crate::probe::install_fault_handler(None).unwrap();
        let s = AddressSpace::reserve(36).unwrap();
        let a = 0x100000;
        s.map(Place::Fixed(a), 0x2000, 3, 0x22, -1, 0, None)
            .unwrap();
        s.store(a, 8, 42).unwrap();
        // grow in place
        assert_eq!(s.remap(a, 0x2000, 0x4000, false, None).unwrap(), a);
        assert_eq!(s.load(a + 0x3ff8, 8).unwrap(), 0);
        // block growth, force a move
        s.map(Place::Fixed(a + 0x4000), 0x1000, 3, 0x22, -1, 0, None)
            .unwrap();
        assert_eq!(
            s.remap(a, 0x4000, 0x8000, false, None),
            Err(MmapError::NoSpace)
        );
        let b = s.remap(a, 0x4000, 0x8000, true, None).unwrap();
        assert_ne!(b, a);
        assert_eq!(s.load(b, 8).unwrap(), 42);
        assert!(s.load(a, 8).is_err());
        // shrink
        assert_eq!(s.remap(b, 0x8000, 0x1000, false, None).unwrap(), b);
        assert_eq!(
            s.remap(a, 0x1000, 0x2000, true, None)
                .map_err(|e| e.errno()),
            Err(libc::EFAULT),
            "the old range is no longer mapped"
        );
        assert!(s.load(b + 0x1000, 1).is_err());
        // brk
        s.init_brk(0x400000);
        assert_eq!(s.brk(0), 0x400000);
        assert_eq!(s.brk(0x401010), 0x401010);
        s.store(0x401008, 8, 1).unwrap();
        assert!(s.store(0x402000, 8, 1).is_err());
        assert_eq!(s.brk(0x400000), 0x400000);
        assert!(s.load(0x400000, 1).is_err());
        assert_eq!(s.brk(0x3000), 0x400000);
    }

    #[test]
    fn guarded_pages_are_tracked_per_page() {
        let s = AddressSpace::reserve(34).unwrap();
        let inv: Arc<std::sync::Mutex<Vec<(u64, u64)>>> = Default::default();
        let seen = inv.clone();
        s.set_invalidate_hook(Box::new(move |a, l| seen.lock().unwrap().push((a, l))));
        let rx = prot::READ | prot::EXEC;
        s.map(Place::Fixed(0x10000), 0x3000, rx, 0x22, -1, 0, None)
            .unwrap();
        // No guarded page yet: translation need not track BTYPE.
        assert_eq!(s.code_guarded(0x10000), None);
        assert!(!s.any_guarded());
        s.protect(0x11000, 0x1000, rx | prot::BTI).unwrap();
        // The first guarded page drops every translation.
        assert!(inv.lock().unwrap().contains(&(0, s.limit())));
        assert_eq!(s.code_guarded(0x10ffc), Some(false));
        assert_eq!(s.code_guarded(0x11000), Some(true));
        assert_eq!(s.code_guarded(0x12000), Some(false));
        // Unguarding (or guarding) later drops the range's translations
        // only.
        let n = inv.lock().unwrap().len();
        s.protect(0x11000, 0x1000, rx).unwrap();
        assert_eq!(s.code_guarded(0x11000), Some(false));
        assert_eq!(inv.lock().unwrap()[n..], [(0x11000, 0x1000)]);
        let m = s
            .map(
                Place::Anywhere(0),
                0x1000,
                rx | prot::BTI,
                0x22,
                -1,
                0,
                None,
            )
            .unwrap();
        assert_eq!(s.code_guarded(m), Some(true));
        let all = inv
            .lock()
            .unwrap()
            .iter()
            .filter(|e| **e == (0, s.limit()))
            .count();
        assert_eq!(all, 1);
    }

    #[test]
    fn translated_writable_code_is_write_protected_until_a_write() {
        crate::probe::install_fault_handler(None).unwrap();
        let s = AddressSpace::reserve(34).unwrap();
        let inv: Arc<std::sync::Mutex<Vec<(u64, u64)>>> = Default::default();
        let seen = inv.clone();
        s.set_invalidate_hook(Box::new(move |a, l| seen.lock().unwrap().push((a, l))));
        let rwx = prot::READ | prot::WRITE | prot::EXEC;
        s.map(Place::Fixed(0x10000), 0x2000, rwx, 0x22, -1, 0, None)
            .unwrap();
        s.store(0x10000, 4, 0xd65f03c0).unwrap();
        let mut code = [0u8; 4];
        s.fetch_code(0x10000, &mut code).unwrap();
        assert_eq!(code, 0xd65f03c0u32.to_le_bytes());
        // The page now rejects stores (a host write fault) ...
        let f = s.store(0x10004, 4, 1).unwrap_err();
        assert!(f.write && f.kind == FaultKind::Protection, "{f:?}");
        // ... but the next page, whose code was not fetched, does not.
        s.store(0x11000, 4, 1).unwrap();
        assert!(inv.lock().unwrap().is_empty());
        // The run loop's fix-up: invalidate the page and retry.
        assert!(s.smc_write_fault(0x10004));
        assert_eq!(*inv.lock().unwrap(), vec![(0x10000, PAGE_SIZE)]);
        s.store(0x10004, 4, 1).unwrap();
        // Syscall buffers release code pages before the kernel writes.
        s.fetch_code(0x10000, &mut code).unwrap();
        assert!(s.store(0x10008, 4, 1).is_err());
        s.syscall_ptr(0x10008, 4).unwrap();
        s.store(0x10008, 4, 2).unwrap();
        assert_eq!(inv.lock().unwrap().len(), 2);
        // A read-only page is a real protection fault, not code.
        s.map_anon(0x20000, 0x1000, prot::READ | prot::EXEC);
        s.fetch_code(0x20000, &mut code).unwrap();
        assert!(s.store(0x20000, 4, 1).is_err());
        assert!(!s.smc_write_fault(0x20000));
        // mprotect with PROT_EXEC invalidates (a JIT's W^X cycle).
        let n = inv.lock().unwrap().len();
        s.protect(0x10000, 0x1000, prot::READ | prot::EXEC).unwrap();
        assert_eq!(inv.lock().unwrap().len(), n + 1);
    }

    #[test]
    fn direct_ranges_promise_anonymous_accessible_memory_without_code() {
        crate::probe::install_fault_handler(None).unwrap();
        let s = AddressSpace::reserve(34).unwrap();
        let (rw, rwx) = (
            prot::READ | prot::WRITE,
            prot::READ | prot::WRITE | prot::EXEC,
        );
        s.map(Place::Fixed(0x10000), 0x4000, rw, 0x22, -1, 0, None)
            .unwrap();
        s.map(Place::Fixed(0x14000), 0x2000, rw, 0x22, -1, 0, None)
            .unwrap();
        s.map(Place::Fixed(0x17000), 0x1000, prot::READ, 0x22, -1, 0, None)
            .unwrap();
        // Inside: the window spans the adjacent mappings, up to the hole.
        let w = s.direct_ranges(0x10100, 0x10200, 0x15000, 0x15010);
        let none = DirectWindow::default();
        let w1 = DirectWindow {
            lo: 0x10000,
            hi: 0x16000,
        };
        assert_eq!(w, Some([w1, none]));
        assert_eq!(s.direct_ranges(0x15f00, 0x16100, 0, 0), None, "hole");
        // A read-only page: reads only (no window for writes).
        assert_eq!(s.direct_ranges(0x17000, 0x17100, 0, 0), Some([none; 2]));
        assert_eq!(s.direct_ranges(0, 0, 0x17000, 0x17100), None);
        let lim = s.limit();
        assert_eq!(s.direct_ranges(lim - 8, lim + 8, 0, 0), None, "limit");
        // A file behind the memory: nothing (it could shrink: SIGBUS).
        // SAFETY: a plain syscall with a static name.
        let fd = unsafe { libc::memfd_create(c"h90".as_ptr(), 0) };
        assert!(fd >= 0);
        // SAFETY: a plain syscall on our fresh descriptor.
        assert_eq!(unsafe { libc::ftruncate(fd, 0x1000) }, 0);
        s.map(Place::Fixed(0x18000), 0x1000, rw, 0x02, fd, 0, None)
            .unwrap();
        assert_eq!(s.direct_ranges(0x18000, 0x18008, 0, 0), None, "file");
        // SAFETY: our descriptor.
        unsafe { libc::close(fd) };
        // Translated code in a writable page: read, not written; nor
        // any page of an executable mapping (code may be translated in
        // it, write-protecting its page, while a loop runs), and no
        // window for reads there either (one window serves both).
        s.map(Place::Fixed(0x20000), 0x3000, rwx, 0x22, -1, 0, None)
            .unwrap();
        let mut code = [0u8; 4];
        s.fetch_code(0x21000, &mut code).unwrap();
        assert_eq!(s.direct_ranges(0, 0, 0x21000, 0x21008), None, "code");
        assert_eq!(s.direct_ranges(0x21000, 0x21008, 0, 0), Some([none; 2]));
        assert_eq!(s.direct_ranges(0, 0, 0x20000, 0x20008), None, "rwx");
        // The window of a writable mapping stops at an executable one.
        s.map(Place::Fixed(0x1f000), 0x1000, rw, 0x22, -1, 0, None)
            .unwrap();
        let w = s.direct_ranges(0, 0, 0x1f000, 0x1f008);
        assert_eq!(w.map(|w| w[0].hi), Some(0x20000));
        // Reads and writes in mappings apart: a window around each (none
        // around reads of a read-only page).
        let w2 = DirectWindow {
            lo: 0x1f000,
            hi: 0x20000,
        };
        assert_eq!(
            s.direct_ranges(0x10100, 0x10200, 0x1f000, 0x1f008),
            Some([w2, w1])
        );
        assert_eq!(
            s.direct_ranges(0x17000, 0x17100, 0x1f000, 0x1f008),
            Some([w2, none])
        );
        // A second guest thread: no promise at all.
        s.note_thread();
        assert_eq!(s.direct_ranges(0x10100, 0x10200, 0, 0), None, "threads");
    }

    /// Every change that could break a promise of `direct_ranges` made
    /// before it advances the generation (compiled code keeps its windows
    /// across entries while it stays); reads and faults do not.
    #[test]
    fn mapping_changes_advance_the_direct_generation() {
        crate::probe::install_fault_handler(None).unwrap();
        let s = AddressSpace::reserve(34).unwrap();
        let rw = prot::READ | prot::WRITE;
        let g = || {
            s.direct_generation()
                .unwrap()
                .load(std::sync::atomic::Ordering::SeqCst)
        };
        let mut last = g();
        let mut changed = |what: &str, s: &AddressSpace| {
            let now = s.generation.load(std::sync::atomic::Ordering::SeqCst);
            assert_ne!(now, last, "{what}");
            last = now;
        };
        s.map_anon(0x10000, 0x4000, rw);
        changed("mmap", &s);
        s.init_brk(0x30000);
        changed("brk start", &s);
        assert_eq!(s.brk(0x32000), 0x32000);
        changed("brk up", &s);
        assert_eq!(s.brk(0x31000), 0x31000);
        changed("brk down", &s);
        s.protect(0x11000, 0x1000, prot::READ).unwrap();
        changed("mprotect read-only", &s);
        s.unmap(0x12000, 0x1000).unwrap();
        changed("munmap", &s);
        s.remap(0x13000, 0x1000, 0x2000, true, None).unwrap();
        changed("mremap", &s);
        s.map(
            Place::Fixed(0x20000),
            0x1000,
            rw | prot::EXEC,
            0x22,
            -1,
            0,
            None,
        )
        .unwrap();
        changed("mmap rwx", &s);
        let mut code = [0u8; 4];
        s.fetch_code(0x20000, &mut code).unwrap();
        changed("a code page write-protected", &s);
        s.note_thread();
        changed("a second thread", &s);
        // Neither reads, stores nor questions change it.
        let before = g();
        s.store(0x10000, 8, 1).unwrap();
        s.load(0x10000, 8).unwrap();
        s.fetch_code(0x20000, &mut code).unwrap();
        let _ = s.direct_ranges(0x10000, 0x10008, 0, 0);
        assert_eq!(g(), before);
    }
}
