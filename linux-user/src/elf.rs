//! ELF loading: `ET_EXEC` and `ET_DYN` executables and their dynamic
//! linker (`PT_INTERP`).
//!
//! Every offset and size in the file is validated against the file length
//! before use; a bad file gives one [`ElfError`], never a panic.

use crate::mmap::{AddressSpace, MmapError, PAGE_SIZE, Place, page_down, page_up, prot};
use goblin::elf::program_header::{PF_R, PF_W, PF_X, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_PHDR};
use goblin::elf64::header::Header;
use goblin::elf64::program_header::ProgramHeader;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::Arc;
use thiserror::Error;

/// Why an executable could not be loaded.
#[derive(Debug, Error)]
pub enum ElfError {
    /// No ELF magic.
    #[error("not an ELF file")]
    NotElf,
    /// ELF for another architecture.
    #[error("ELF for machine {found}, expected {expected}")]
    WrongMachine {
        /// Name of the file's machine.
        found: String,
        /// Name of the guest's machine.
        expected: &'static str,
    },
    /// Malformed file.
    #[error("corrupt ELF: {0}")]
    Corrupt(String),
    /// A big-endian program for the right machine (e.g. ppc64 for
    /// xlat-ppc64le).
    #[error("big-endian {0} program: only little-endian programs are supported")]
    BigEndian(&'static str),
    /// A dynamic linker that asks for another dynamic linker.
    #[error("the dynamic linker has a PT_INTERP of its own ({0})")]
    NestedInterp(String),
    /// Not an executable (e.g. a relocatable object).
    #[error("not an executable (ELF type {0})")]
    NotExecutable(u16),
    /// Mapping the segments failed.
    #[error("cannot map segment: {0}")]
    Map(#[from] MmapError),
}

/// What the loader tells the stack builder and the CPU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedElf {
    /// Entry point (with load bias).
    pub entry: u64,
    /// Guest address of the program headers (AT_PHDR).
    pub phdr: u64,
    /// Size of one program header (AT_PHENT).
    pub phent: u64,
    /// Number of program headers (AT_PHNUM).
    pub phnum: u64,
    /// Load bias (0 for ET_EXEC).
    pub bias: u64,
    /// Lowest and highest mapped guest addresses.
    pub start: u64,
    /// End of the highest segment (memsz), not page aligned.
    pub end: u64,
    /// Initial program break (page aligned, after the highest segment).
    pub brk: u64,
    /// Whether PT_GNU_STACK asks for an executable stack.
    pub exec_stack: bool,
    /// The `PT_INTERP` path (without its NUL), if the program has one.
    pub interp: Option<Vec<u8>>,
    /// An AArch64 image without `PT_INTERP` (a static program or a
    /// dynamic linker) whose GNU property note has
    /// `GNU_PROPERTY_AARCH64_FEATURE_1_BTI` (see [`guard_exec_pages`]).
    pub bti: bool,
}

/// Where [`load_at`] puts an `ET_DYN` image.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// A main program: like Linux's `ELF_ET_DYN_BASE`, two thirds up the
    /// address space.
    Program,
    /// A dynamic linker: the highest free range below the mmap top, as
    /// Linux places the interpreter with a top-down mmap.
    Interpreter,
}

/// Human name of an `e_machine` value.
pub fn machine_name(m: u16) -> String {
    match m {
        3 => "x86".into(),
        8 => "MIPS".into(),
        20 => "PowerPC".into(),
        21 => "PowerPC64".into(),
        22 => "S390".into(),
        40 => "ARM".into(),
        62 => "x86-64".into(),
        183 => "AArch64".into(),
        243 => "RISC-V".into(),
        258 => "LoongArch".into(),
        44 => "TriCore".into(),
        _ => format!("{m}"),
    }
}

const EI_CLASS: usize = 4;
const EI_DATA: usize = 5;
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;

/// Checks the header and returns it with the program headers.
pub fn parse(
    data: &[u8],
    machine: u16,
    machine_name_str: &'static str,
) -> Result<(Header, Vec<ProgramHeader>), ElfError> {
    if data.len() < 4 || &data[..4] != b"\x7fELF" {
        return Err(ElfError::NotElf);
    }
    if data.len() < 20 {
        return Err(ElfError::Corrupt("file too short for an ELF header".into()));
    }
    let m = match data[EI_DATA] {
        ELFDATA2LSB => u16::from_le_bytes([data[18], data[19]]),
        2 => u16::from_be_bytes([data[18], data[19]]),
        d => return Err(ElfError::Corrupt(format!("bad data encoding {d}"))),
    };
    if m != machine {
        return Err(ElfError::WrongMachine {
            found: machine_name(m),
            expected: machine_name_str,
        });
    }
    if data[EI_CLASS] != ELFCLASS64 {
        return Err(ElfError::Corrupt("not a 64-bit ELF".into()));
    }
    if data[EI_DATA] != ELFDATA2LSB {
        return Err(ElfError::BigEndian(machine_name_str));
    }
    if data.len() < 64 {
        return Err(ElfError::Corrupt("truncated ELF header".into()));
    }
    let h = Header::parse(data).map_err(|e| ElfError::Corrupt(e.to_string()))?;
    if h.e_type != ET_EXEC && h.e_type != ET_DYN {
        return Err(ElfError::NotExecutable(h.e_type));
    }
    if h.e_phentsize as usize != std::mem::size_of::<ProgramHeader>() {
        return Err(ElfError::Corrupt(format!(
            "bad program header size {}",
            h.e_phentsize
        )));
    }
    if h.e_phnum == 0 {
        return Err(ElfError::Corrupt("no program headers".into()));
    }
    let ph_len = h.e_phnum as u64 * h.e_phentsize as u64;
    let ph_end = h
        .e_phoff
        .checked_add(ph_len)
        .filter(|e| *e <= data.len() as u64)
        .ok_or_else(|| ElfError::Corrupt("program headers past end of file".into()))?;
    let _ = ph_end;
    let phs = ProgramHeader::parse(
        data,
        h.e_phoff as usize,
        h.e_phnum as usize,
        goblin::container::Endian::Little,
    )
    .map_err(|e| ElfError::Corrupt(e.to_string()))?;
    for p in &phs {
        if p.p_type == PT_LOAD || p.p_type == PT_INTERP {
            let fend = p.p_offset.checked_add(p.p_filesz);
            if fend.is_none_or(|e| e > data.len() as u64) {
                return Err(ElfError::Corrupt("segment past end of file".into()));
            }
        }
        if p.p_type == PT_LOAD {
            if p.p_filesz > p.p_memsz {
                return Err(ElfError::Corrupt(
                    "segment file size exceeds memory size".into(),
                ));
            }
            if p.p_vaddr.checked_add(p.p_memsz).is_none() {
                return Err(ElfError::Corrupt("segment address overflows".into()));
            }
        }
    }
    if !phs.iter().any(|p| p.p_type == PT_LOAD) {
        return Err(ElfError::Corrupt("no loadable segments".into()));
    }
    Ok((h, phs))
}

/// `PT_GNU_PROPERTY`.
const PT_GNU_PROPERTY: u32 = 0x6474_e553;
/// `EM_AARCH64`.
const EM_AARCH64: u16 = 183;
/// `NT_GNU_PROPERTY_TYPE_0`.
const NT_GNU_PROPERTY_TYPE_0: u32 = 5;
/// `GNU_PROPERTY_AARCH64_FEATURE_1_AND`.
const GNU_PROPERTY_AARCH64_FEATURE_1_AND: u32 = 0xc000_0000;
/// `GNU_PROPERTY_AARCH64_FEATURE_1_BTI`.
const GNU_PROPERTY_AARCH64_FEATURE_1_BTI: u32 = 1;

/// The `GNU_PROPERTY_AARCH64_FEATURE_1_AND` word of the image's
/// `PT_GNU_PROPERTY` note (0 without one), checked as Linux's
/// `parse_elf_properties` does: one `NT_GNU_PROPERTY_TYPE_0` note named
/// "GNU" of at most 1 KiB, properties 8-byte aligned, each inside the
/// descriptor and sorted by strictly increasing type, the AArch64 word
/// exactly 4 bytes long. Anything else is a corrupt file (Linux: ENOEXEC).
fn aarch64_feature_1(data: &[u8], phs: &[ProgramHeader]) -> Result<u32, ElfError> {
    let bad = || ElfError::Corrupt("bad GNU property note".into());
    let Some(p) = phs.iter().rev().find(|p| p.p_type == PT_GNU_PROPERTY) else {
        return Ok(0);
    };
    if p.p_filesz > 1024 {
        return Err(bad());
    }
    let note = usize::try_from(p.p_offset)
        .ok()
        .and_then(|o| data.get(o..o.checked_add(p.p_filesz as usize)?))
        .ok_or_else(bad)?;
    let u32_at = |o: usize| -> Option<u32> {
        Some(u32::from_le_bytes(note.get(o..o + 4)?.try_into().ok()?))
    };
    if note.len() < 16 {
        return Err(bad());
    }
    let (namesz, descsz, ntype) = (u32_at(0), u32_at(4), u32_at(8));
    if ntype != Some(NT_GNU_PROPERTY_TYPE_0) || namesz != Some(4) || &note[12..16] != b"GNU\0" {
        return Err(bad());
    }
    let descsz = descsz.ok_or_else(bad)? as usize;
    if descsz > note.len() - 16 {
        return Err(bad());
    }
    let (mut off, end) = (16usize, 16 + descsz);
    let mut prev: Option<u32> = None;
    let mut word = 0;
    while off != end {
        if end - off < 8 {
            return Err(bad());
        }
        let (ty, sz) = (
            u32_at(off).ok_or_else(bad)?,
            u32_at(off + 4).ok_or_else(bad)?,
        );
        off += 8;
        let step = (sz as usize).checked_next_multiple_of(8).ok_or_else(bad)?;
        if sz as usize > end - off || step > end - off || prev.is_some_and(|p| ty <= p) {
            return Err(bad());
        }
        prev = Some(ty);
        if ty == GNU_PROPERTY_AARCH64_FEATURE_1_AND {
            if sz != 4 {
                return Err(bad());
            }
            word = u32_at(off).ok_or_else(bad)?;
        }
        off += step;
    }
    Ok(word)
}

/// Makes the executable pages of a loaded image guarded (`PROT_BTI`), as
/// Linux's `arch_elf_adjust_prot` does for a BTI-marked static program
/// or dynamic linker (a dynamic linker does it for the program and the
/// libraries itself).
pub fn guard_exec_pages(mem: &AddressSpace, l: &LoadedElf) -> Result<(), MmapError> {
    let (s, e) = (l.start, page_up(l.end));
    for m in mem.mappings() {
        let (ms, me) = (m.start.max(s), (m.start + m.len).min(e));
        if ms < me && m.prot & prot::EXEC != 0 {
            mem.protect(ms, me - ms, m.prot | prot::BTI)?;
        }
    }
    Ok(())
}

/// The guest pages `[start, end)` of `loads[i]` (load bias `bias`) that
/// can be mapped from the file: whole pages of file contents that no other
/// segment touches, including the last partial page when the segment has
/// no `.bss` (its bytes past `p_filesz` then show the file, as on Linux).
/// An empty range when the file offset and the address disagree modulo
/// the page size.
fn file_pages(loads: &[&ProgramHeader], i: usize, bias: u64) -> (u64, u64) {
    let p = loads[i];
    let va = p.p_vaddr.wrapping_add(bias);
    if va % PAGE_SIZE != p.p_offset % PAGE_SIZE || p.p_filesz == 0 {
        return (va, va);
    }
    let fend = va + p.p_filesz;
    let mut s = page_down(va);
    let mut e = if p.p_memsz > p.p_filesz {
        page_down(fend)
    } else {
        page_up(fend)
    };
    let others = loads
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .map(|(_, q)| {
            let qa = q.p_vaddr.wrapping_add(bias);
            (page_down(qa), page_up(qa + q.p_memsz))
        });
    let touched = |a: u64, b: u64| others.clone().any(|(qs, qe)| qs < b && a < qe);
    if s < e && touched(s, s + PAGE_SIZE) {
        s += PAGE_SIZE;
    }
    if s < e && touched(e - PAGE_SIZE, e) {
        e -= PAGE_SIZE;
    }
    if s >= e || touched(s, e) {
        return (va, va);
    }
    (s, e)
}

fn seg_prot(flags: u32) -> u32 {
    let mut p = 0;
    if flags & PF_R != 0 {
        p |= prot::READ;
    }
    if flags & PF_W != 0 {
        p |= prot::WRITE;
    }
    if flags & PF_X != 0 {
        p |= prot::EXEC;
    }
    p
}

/// Loads a main executable into `mem`. `name` names the mappings; `file`,
/// the open file that `data` holds, lets page-aligned segments be mapped
/// from it instead of copied (see [`load_at`]).
pub fn load(
    data: &[u8],
    file: Option<BorrowedFd<'_>>,
    mem: &AddressSpace,
    machine: u16,
    machine_name_str: &'static str,
    name: Arc<str>,
) -> Result<LoadedElf, ElfError> {
    load_at(
        data,
        file,
        mem,
        machine,
        machine_name_str,
        name,
        Placement::Program,
    )
}

/// Loads an executable or a dynamic linker into `mem`, an `ET_DYN` image
/// at the place `placement` chooses. `name` names the mappings.
///
/// With `file` (the open file whose bytes `data` are), the whole pages of
/// a segment whose file offset and address agree modulo the page size
/// are mapped from the file (`MAP_PRIVATE`, as Linux's `elf_map` does);
/// the rest — the partial page before a `.bss`, which must read zero
/// past `p_filesz`, pages shared with another segment, and every segment
/// of a misaligned file — is copied.
pub fn load_at(
    data: &[u8],
    file: Option<BorrowedFd<'_>>,
    mem: &AddressSpace,
    machine: u16,
    machine_name_str: &'static str,
    name: Arc<str>,
    placement: Placement,
) -> Result<LoadedElf, ElfError> {
    let (h, phs) = parse(data, machine, machine_name_str)?;
    let interp = phs.iter().find(|p| p.p_type == PT_INTERP).map(|i| {
        // parse() checked that the segment lies inside the file.
        let s = &data[i.p_offset as usize..(i.p_offset + i.p_filesz) as usize];
        s.split(|b| *b == 0).next().unwrap_or(&[]).to_vec()
    });
    // Linux reads the property note of the static program or of the
    // dynamic linker, never that of a program with a PT_INTERP.
    let bti = h.e_machine == EM_AARCH64
        && interp.is_none()
        && aarch64_feature_1(data, &phs)? & GNU_PROPERTY_AARCH64_FEATURE_1_BTI != 0;
    if placement == Placement::Interpreter
        && let Some(i) = &interp
    {
        return Err(ElfError::NestedInterp(
            String::from_utf8_lossy(i).into_owned(),
        ));
    }
    if interp.as_ref().is_some_and(|i| i.is_empty()) {
        return Err(ElfError::Corrupt("empty PT_INTERP".into()));
    }
    let loads: Vec<&ProgramHeader> = phs.iter().filter(|p| p.p_type == PT_LOAD).collect();
    let lo = loads
        .iter()
        .map(|p| page_down(p.p_vaddr))
        .min()
        .unwrap_or(0);
    let hi = loads
        .iter()
        .map(|p| p.p_vaddr + p.p_memsz)
        .max()
        .unwrap_or(0);
    let align = loads
        .iter()
        .map(|p| p.p_align)
        .filter(|a| a.is_power_of_two())
        .max()
        .unwrap_or(PAGE_SIZE)
        .clamp(PAGE_SIZE, 1 << 21);
    let span = page_up(hi) - lo;
    let bias = match (h.e_type, placement) {
        (ET_DYN, Placement::Program) => {
            // Like Linux's ELF_ET_DYN_BASE: two thirds up the address space.
            let base = (mem.limit() / 3 * 2) & !(align - 1);
            base.wrapping_sub(lo)
        }
        (ET_DYN, Placement::Interpreter) => {
            let room = span
                .checked_add(align)
                .ok_or_else(|| ElfError::Corrupt("segments too large".into()))?;
            let at = mem.find_free(0, room)?;
            let base = (at + align - 1) & !(align - 1);
            base.wrapping_sub(lo)
        }
        _ => 0,
    };
    let start = lo.wrapping_add(bias);
    if start.checked_add(span).is_none_or(|e| e > mem.limit()) || start < PAGE_SIZE {
        return Err(ElfError::Corrupt(format!(
            "segments at 0x{start:x}+0x{span:x} outside the guest address space"
        )));
    }
    // Map the whole span writable, copy the file contents, then set the
    // final protections page by page (overlapping pages get the union).
    mem.map(
        Place::Fixed(start),
        span,
        prot::READ | prot::WRITE,
        (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u32,
        -1,
        0,
        Some(name.clone()),
    )?;
    for (i, p) in loads.iter().enumerate() {
        let off = p.p_offset as usize;
        let va = p.p_vaddr + bias;
        let mut pages = file
            .map(|_| file_pages(&loads, i, bias))
            .unwrap_or((va, va));
        if let Some(fd) = file
            && pages.0 < pages.1
        {
            let (ms, me) = pages;
            let mapped = mem.map(
                Place::Fixed(ms),
                me - ms,
                prot::READ | prot::WRITE,
                libc::MAP_PRIVATE as u32,
                fd.as_raw_fd(),
                // ms may lie above va (a shared head page is copied).
                p.p_offset.wrapping_add(ms.wrapping_sub(va)),
                Some(name.clone()),
            );
            if mapped.is_err() {
                // A file the host cannot map after all (a failed MAP_FIXED
                // may have dropped the range): anonymous memory again, and
                // the whole segment copied.
                mem.map(
                    Place::Fixed(ms),
                    me - ms,
                    prot::READ | prot::WRITE,
                    (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u32,
                    -1,
                    0,
                    Some(name.clone()),
                )?;
                pages = (va, va);
            }
        }
        let (ms, me) = pages;
        // The bytes before and after the mapped pages.
        let head = (ms.max(va) - va) as usize;
        let tail = (me.max(va) - va).max(head as u64) as usize;
        let filesz = p.p_filesz as usize;
        for (a, b) in [(0, head.min(filesz)), (tail.min(filesz), filesz)] {
            if a < b {
                mem.write_bytes(va + a as u64, &data[off + a..off + b])
                    .map_err(|f| {
                        ElfError::Corrupt(format!("cannot write segment at 0x{:x}", f.addr))
                    })?;
            }
        }
    }
    let npages = (span / PAGE_SIZE) as usize;
    let mut page_prot: Vec<Option<u32>> = vec![None; npages];
    for p in &loads {
        let s = page_down(p.p_vaddr + bias);
        let e = page_up(p.p_vaddr + bias + p.p_memsz);
        for pg in ((s - start) / PAGE_SIZE)..((e - start) / PAGE_SIZE) {
            let slot = &mut page_prot[pg as usize];
            *slot = Some(slot.unwrap_or(0) | seg_prot(p.p_flags));
        }
    }
    let mut i = 0;
    while i < npages {
        let cur = page_prot[i];
        let mut j = i + 1;
        while j < npages && page_prot[j] == cur {
            j += 1;
        }
        let a = start + i as u64 * PAGE_SIZE;
        let l = (j - i) as u64 * PAGE_SIZE;
        match cur {
            Some(pr) => mem.protect(a, l, pr)?,
            None => mem.unmap(a, l)?,
        }
        i = j;
    }
    let phdr = if let Some(p) = phs.iter().find(|p| p.p_type == PT_PHDR) {
        p.p_vaddr + bias
    } else {
        loads
            .iter()
            .find(|p| p.p_offset <= h.e_phoff && h.e_phoff < p.p_offset + p.p_filesz)
            .map(|p| p.p_vaddr + (h.e_phoff - p.p_offset) + bias)
            .unwrap_or(0)
    };
    let exec_stack = phs
        .iter()
        .find(|p| p.p_type == PT_GNU_STACK)
        .is_some_and(|p| p.p_flags & PF_X != 0);
    let end = hi + bias;
    Ok(LoadedElf {
        entry: h.e_entry.wrapping_add(bias),
        phdr,
        phent: h.e_phentsize as u64,
        phnum: h.e_phnum as u64,
        bias,
        start,
        end,
        brk: page_up(end),
        exec_stack,
        interp,
        bti,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::os::fd::AsFd;
    use xlat_ir::abi::GuestMemory;

    /// Builds a minimal ELF64 image with the given machine, type and
    /// PT_LOAD segments `(vaddr, file bytes, memsz, flags)`.
    pub(crate) fn build_elf(
        machine: u16,
        etype: u16,
        segs: &[(u64, Vec<u8>, u64, u32)],
    ) -> Vec<u8> {
        let phoff = 64u64;
        let phnum = segs.len() as u64;
        let mut data_off = page_up(phoff + 56 * phnum);
        let mut out = vec![0u8; data_off as usize];
        out[..4].copy_from_slice(b"\x7fELF");
        out[4] = 2;
        out[5] = 1;
        out[6] = 1;
        out[16..18].copy_from_slice(&etype.to_le_bytes());
        out[18..20].copy_from_slice(&machine.to_le_bytes());
        out[20..24].copy_from_slice(&1u32.to_le_bytes());
        let entry = segs.first().map(|s| s.0).unwrap_or(0);
        out[24..32].copy_from_slice(&entry.to_le_bytes());
        out[32..40].copy_from_slice(&phoff.to_le_bytes());
        out[52..54].copy_from_slice(&64u16.to_le_bytes());
        out[54..56].copy_from_slice(&56u16.to_le_bytes());
        out[56..58].copy_from_slice(&(phnum as u16).to_le_bytes());
        let mut bodies = Vec::new();
        for (i, (vaddr, bytes, memsz, flags)) in segs.iter().enumerate() {
            // Keep vaddr and offset congruent modulo the page size.
            let off = data_off + (vaddr % PAGE_SIZE);
            let ph = 64 + 56 * i;
            out[ph..ph + 4].copy_from_slice(&PT_LOAD.to_le_bytes());
            out[ph + 4..ph + 8].copy_from_slice(&flags.to_le_bytes());
            out[ph + 8..ph + 16].copy_from_slice(&off.to_le_bytes());
            out[ph + 16..ph + 24].copy_from_slice(&vaddr.to_le_bytes());
            out[ph + 24..ph + 32].copy_from_slice(&vaddr.to_le_bytes());
            out[ph + 32..ph + 40].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
            out[ph + 40..ph + 48].copy_from_slice(&memsz.to_le_bytes());
            out[ph + 48..ph + 56].copy_from_slice(&PAGE_SIZE.to_le_bytes());
            bodies.push((off, bytes.clone()));
            data_off = page_up(off + bytes.len() as u64);
        }
        for (off, b) in bodies {
            out.resize(out.len().max(off as usize + b.len()), 0);
            out[off as usize..off as usize + b.len()].copy_from_slice(&b);
        }
        out
    }

    fn err(data: &[u8]) -> String {
        parse(data, 183, "AArch64").unwrap_err().to_string()
    }

    #[test]
    fn rejects_bad_files() {
        assert_eq!(err(b"#!/bin/sh\necho hi\n"), "not an ELF file");
        assert_eq!(err(b""), "not an ELF file");
        assert!(err(b"\x7fELF\x02\x01").starts_with("corrupt ELF"));
        let x86 = build_elf(62, ET_EXEC, &[(0x400000, vec![0; 16], 16, PF_R | PF_X)]);
        assert_eq!(err(&x86), "ELF for machine x86-64, expected AArch64");
        let good = build_elf(183, ET_EXEC, &[(0x400000, vec![1; 16], 32, PF_R | PF_X)]);
        assert!(parse(&good, 183, "AArch64").is_ok());
        // Truncated: program headers cut off.
        assert!(err(&good[..100]).starts_with("corrupt ELF"));
        // Truncated: segment data past the end.
        let cut = &good[..good.len() - 8];
        assert_eq!(err(cut), "corrupt ELF: segment past end of file");
        // Huge phnum.
        let mut bad = good.clone();
        bad[56..58].copy_from_slice(&0xffffu16.to_le_bytes());
        assert!(err(&bad).starts_with("corrupt ELF"));
        // filesz > memsz.
        let mut bad = good.clone();
        bad[64 + 40..64 + 48].copy_from_slice(&1u64.to_le_bytes());
        assert!(err(&bad).contains("file size exceeds"));
        // 32-bit ELF for AArch64 machine number.
        let mut bad = good.clone();
        bad[4] = 1;
        assert_eq!(err(&bad), "corrupt ELF: not a 64-bit ELF");
        // Relocatable object.
        let mut bad = good;
        bad[16] = 1;
        assert!(err(&bad).starts_with("not an executable"));
    }

    #[test]
    fn fuzzed_headers_never_panic() {
        let good = build_elf(183, ET_EXEC, &[(0x400000, vec![1; 16], 32, PF_R | PF_X)]);
        let mut x = 0x1234_5678u32;
        for _ in 0..2000 {
            let mut d = good.clone();
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let i = (x as usize) % 128;
                d[i] = (x >> 8) as u8;
            }
            let _ = parse(&d, 183, "AArch64");
        }
    }

    /// An `NT_GNU_PROPERTY_TYPE_0` note "GNU" with the properties
    /// `(type, data)` (each padded to 8 bytes).
    fn property_note(props: &[(u32, &[u8])]) -> Vec<u8> {
        let mut desc = Vec::new();
        for (ty, d) in props {
            desc.extend_from_slice(&ty.to_le_bytes());
            desc.extend_from_slice(&(d.len() as u32).to_le_bytes());
            desc.extend_from_slice(d);
            desc.resize(desc.len().next_multiple_of(8), 0);
        }
        let mut n = Vec::new();
        n.extend_from_slice(&4u32.to_le_bytes());
        n.extend_from_slice(&(desc.len() as u32).to_le_bytes());
        n.extend_from_slice(&5u32.to_le_bytes());
        n.extend_from_slice(b"GNU\0");
        n.extend_from_slice(&desc);
        n
    }

    /// The feature word parsed from a file holding just `note`.
    fn feature(note: &[u8]) -> Result<u32, ElfError> {
        let ph = ProgramHeader {
            p_type: PT_GNU_PROPERTY,
            p_filesz: note.len() as u64,
            ..Default::default()
        };
        aarch64_feature_1(note, &[ph])
    }

    #[test]
    fn gnu_property_notes_follow_linux_rules() {
        const AND: u32 = GNU_PROPERTY_AARCH64_FEATURE_1_AND;
        assert_eq!(
            feature(&property_note(&[(AND, &3u32.to_le_bytes())])).unwrap(),
            3
        );
        // Another property before it (sorted) is skipped; none at all is 0.
        let two = property_note(&[(0xc000_0001 - 2, &[1, 2, 3]), (AND, &1u32.to_le_bytes())]);
        assert_eq!(feature(&two).unwrap(), 1);
        assert_eq!(feature(&property_note(&[])).unwrap(), 0);
        assert_eq!(aarch64_feature_1(&[], &[]).unwrap(), 0);
        // Unsorted or repeated types, a feature word of the wrong size, a
        // wrong name or type, a descriptor past the note: ENOEXEC.
        let bad = [
            property_note(&[(AND, &1u32.to_le_bytes()), (5, &[0; 4])]),
            property_note(&[(AND, &1u32.to_le_bytes()), (AND, &1u32.to_le_bytes())]),
            property_note(&[(AND, &[1, 0, 0, 0, 0, 0, 0, 0])]),
            {
                let mut n = property_note(&[(AND, &1u32.to_le_bytes())]);
                n[12] = b'X';
                n
            },
            {
                let mut n = property_note(&[(AND, &1u32.to_le_bytes())]);
                n[8] = 1;
                n
            },
            {
                let mut n = property_note(&[(AND, &1u32.to_le_bytes())]);
                n[4] = 64;
                n
            },
            property_note(&[(AND, &1u32.to_le_bytes())])[..20].to_vec(),
        ];
        for (i, n) in bad.iter().enumerate() {
            assert!(feature(n).is_err(), "case {i}");
        }
    }

    #[test]
    fn bti_marked_images_get_guarded_exec_pages() {
        crate::probe::install_fault_handler(None).unwrap();
        let note = property_note(&[(GNU_PROPERTY_AARCH64_FEATURE_1_AND, &1u32.to_le_bytes())]);
        let segs = [
            (0x400000, vec![0xc0, 0x03, 0x5f, 0xd6], 0x1000, PF_R | PF_X),
            (0x401000, vec![0; 8], 0x1000, PF_R | PF_W),
            (0x402000, note, 0x20, PF_R),
            (0x403000, b"/lib/ld.so\0".to_vec(), 11, PF_R),
        ];
        let mut elf = build_elf(EM_AARCH64, ET_EXEC, &segs[..3]);
        let ph = 64 + 56 * 2;
        elf[ph..ph + 4].copy_from_slice(&PT_GNU_PROPERTY.to_le_bytes());
        // With a PT_INTERP the note is the dynamic linker's business.
        let mut dynamic = build_elf(EM_AARCH64, ET_EXEC, &segs);
        dynamic[ph..ph + 4].copy_from_slice(&PT_GNU_PROPERTY.to_le_bytes());
        dynamic[ph + 56..ph + 60].copy_from_slice(&PT_INTERP.to_le_bytes());
        let mem = AddressSpace::reserve(36).unwrap();
        let l = load(&dynamic, None, &mem, EM_AARCH64, "AArch64", Arc::from("t")).unwrap();
        assert_eq!(
            (l.interp.as_deref(), l.bti),
            (Some(&b"/lib/ld.so"[..]), false)
        );
        let mem = AddressSpace::reserve(36).unwrap();
        let l = load(&elf, None, &mem, EM_AARCH64, "AArch64", Arc::from("t")).unwrap();
        assert!(l.bti);
        assert_eq!(mem.code_guarded(0x400000), None);
        guard_exec_pages(&mem, &l).unwrap();
        assert_eq!(mem.code_guarded(0x400000), Some(true));
        assert_eq!(mem.code_guarded(0x401000), Some(false));
        let m = mem.mapping_at(0x400000).unwrap();
        assert_eq!(m.prot, prot::READ | prot::EXEC | prot::BTI);
        // The same image for another machine number has no AArch64 note.
        elf[18..20].copy_from_slice(&21u16.to_le_bytes());
        let mem = AddressSpace::reserve(36).unwrap();
        assert!(
            !load(&elf, None, &mem, 21, "PowerPC64", Arc::from("t"))
                .unwrap()
                .bti
        );
    }

    #[test]
    fn loads_segments_and_bss() {
        crate::probe::install_fault_handler(None).unwrap();
        let mem = AddressSpace::reserve(36).unwrap();
        let code = vec![0xaa; 0x100];
        let mut data = vec![0x55; 0x10];
        data.extend_from_slice(&[0x66; 8]);
        let elf = build_elf(
            183,
            ET_EXEC,
            &[
                (0x400000, code, 0x100, PF_R | PF_X),
                (0x411ff0, data, 0x2000, PF_R | PF_W),
            ],
        );
        let l = load(&elf, None, &mem, 183, "AArch64", Arc::from("t")).unwrap();
        assert_eq!(l.entry, 0x400000);
        assert_eq!(l.bias, 0);
        assert_eq!(l.brk, 0x414000);
        assert_eq!(l.phdr, 0, "phdrs are not inside a segment here");
        let mut b = [0u8; 4];
        mem.fetch_code(0x400000, &mut b).unwrap();
        assert_eq!(b, [0xaa; 4]);
        // data + bss: file bytes then zeroes, writable, not executable.
        assert_eq!(mem.load(0x411ff0, 1).unwrap(), 0x55);
        assert_eq!(mem.load(0x412000, 8).unwrap(), 0x6666_6666_6666_6666);
        assert_eq!(mem.load(0x412008, 8).unwrap(), 0);
        assert_eq!(mem.load(0x413fe8, 8).unwrap(), 0);
        mem.store(0x413000, 4, 1).unwrap();
        assert!(mem.fetch_code(0x412000, &mut b).is_err());
        // text is read-only; the gap between segments is unmapped.
        assert!(mem.store(0x400000, 1, 0).is_err());
        assert_eq!(
            mem.load(0x401000, 1).unwrap_err().kind,
            xlat_ir::abi::FaultKind::Unmapped
        );
    }

    #[test]
    fn maps_aligned_segments_from_the_file() {
        crate::probe::install_fault_handler(None).unwrap();
        let pat = |n: usize, k: usize| (0..n).map(|i| (i * k + 1) as u8).collect::<Vec<u8>>();
        // text: three whole pages and a partial one that data shares; data:
        // a shared head page, two whole pages, a partial page before .bss.
        let elf = build_elf(
            183,
            ET_EXEC,
            &[
                (0x400000, pat(0x3100, 3), 0x3100, PF_R | PF_X),
                (0x403800, pat(0x2900, 5), 0x4000, PF_R | PF_W),
            ],
        );
        let dir = std::env::temp_dir().join(format!("xlat-elf-map-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("prog");
        std::fs::write(&path, &elf).unwrap();
        let img = crate::image::Image::open(&path).unwrap();
        let (mapped, copied) = (
            AddressSpace::reserve(36).unwrap(),
            AddressSpace::reserve(36).unwrap(),
        );
        let a = load(&img, img.fd(), &mapped, 183, "AArch64", Arc::from("p")).unwrap();
        let b = load(&elf, None, &copied, 183, "AArch64", Arc::from("p")).unwrap();
        assert_eq!(a, b);
        let read = |m: &AddressSpace| {
            let mut v = vec![0u8; 0x7800];
            m.read_bytes(0x400000, &mut v).unwrap();
            v
        };
        assert_eq!(read(&mapped), read(&copied));
        assert_eq!(
            read(&mapped)[0x4800..0x4810],
            pat(0x2900, 5)[0x1000..0x1010]
        );
        assert!(
            read(&mapped)[0x6100..].iter().all(|b| *b == 0),
            "bss is zero"
        );
        // Mapped pages carry their file offsets (text at 0x1000 in the
        // file); protections are those of the segments.
        let at = |m: &AddressSpace, addr: u64| {
            m.mappings()
                .into_iter()
                .find(|x| x.start <= addr && addr < x.start + x.len)
                .map(|x| (x.offset + (addr - x.start), x.prot))
        };
        assert_eq!(
            at(&mapped, 0x401000),
            Some((0x2000, prot::READ | prot::EXEC))
        );
        assert_eq!(
            at(&mapped, 0x404000),
            Some((0x6000, prot::READ | prot::WRITE))
        );
        assert_eq!(at(&copied, 0x401000).map(|x| x.0), Some(0x1000));
        // A descriptor the host cannot map (a directory): copied instead.
        let d = std::fs::File::open(&dir).unwrap();
        let fallback = AddressSpace::reserve(36).unwrap();
        let c = load(
            &elf,
            Some(d.as_fd()),
            &fallback,
            183,
            "AArch64",
            Arc::from("p"),
        )
        .unwrap();
        assert_eq!(c, b);
        assert_eq!(read(&fallback), read(&copied));
        assert_eq!(at(&fallback, 0x401000).map(|x| x.0), Some(0x1000));
        // Private: stores reach neither the file nor the copy.
        mapped.store(0x404000, 8, u64::MAX as u128).unwrap();
        assert_eq!(mapped.load(0x404000, 8).unwrap(), u64::MAX as u128);
        assert_ne!(copied.load(0x404000, 8).unwrap(), u64::MAX as u128);
        assert!(mapped.store(0x401000, 1, 0).is_err(), "text is read-only");
        drop(img);
        assert_eq!(std::fs::read(&path).unwrap(), elf);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_congruent_unshared_pages_come_from_the_file() {
        let ph = |off: u64, va: u64, filesz: u64, memsz: u64| ProgramHeader {
            p_type: PT_LOAD,
            p_offset: off,
            p_vaddr: va,
            p_filesz: filesz,
            p_memsz: memsz,
            ..Default::default()
        };
        let (t, d) = (
            ph(0, 0x400000, 0x2010, 0x2010),
            ph(0x2800, 0x402800, 0x10, 0x10),
        );
        // The page both segments touch is copied for each of them.
        assert_eq!(file_pages(&[&t, &d], 0, 0), (0x400000, 0x402000));
        assert_eq!(file_pages(&[&t, &d], 1, 0).0, 0x402800);
        // No .bss: the partial last page is mapped; with one, it is not.
        assert_eq!(file_pages(&[&t], 0, 0x1000), (0x401000, 0x404000));
        let bss = ph(0, 0x400000, 0x2010, 0x3000);
        assert_eq!(file_pages(&[&bss], 0, 0), (0x400000, 0x402000));
        // Offset and address not congruent: nothing is mapped.
        let odd = ph(0x10, 0x400000, 0x5000, 0x5000);
        assert_eq!(file_pages(&[&odd], 0, 0), (0x400000, 0x400000));
    }

    /// An ET_DYN image whose second program header is turned into a
    /// PT_INTERP naming `path`.
    fn with_interp(path: &[u8]) -> Vec<u8> {
        let mut z = path.to_vec();
        z.push(0);
        let len = z.len() as u64;
        let mut elf = build_elf(
            183,
            ET_DYN,
            &[(0, vec![0xcc; 64], 64, PF_R | PF_X), (0x2000, z, len, PF_R)],
        );
        let ph = 64 + 56;
        elf[ph..ph + 4].copy_from_slice(&PT_INTERP.to_le_bytes());
        elf
    }

    #[test]
    fn interp_is_recorded_and_placed_below_mmap_top() {
        crate::probe::install_fault_handler(None).unwrap();
        let mem = AddressSpace::reserve(36).unwrap();
        let prog = with_interp(b"/lib/ld-test.so.1");
        let l = load(&prog, None, &mem, 183, "AArch64", Arc::from("p")).unwrap();
        assert_eq!(l.interp.as_deref(), Some(&b"/lib/ld-test.so.1"[..]));
        // The dynamic linker itself: a second ET_DYN, placed elsewhere.
        let ld = build_elf(183, ET_DYN, &[(0, vec![0xdd; 64], 0x3000, PF_R | PF_X)]);
        let i = load_at(
            &ld,
            None,
            &mem,
            183,
            "AArch64",
            Arc::from("ld"),
            Placement::Interpreter,
        )
        .unwrap();
        assert_eq!(i.interp, None);
        assert_eq!(i.start % PAGE_SIZE, 0);
        assert!(i.start + 0x3000 <= l.start || i.start >= l.end, "overlap");
        assert_eq!(i.entry, i.start);
        assert_eq!(mem.load(i.start, 4).unwrap(), 0xdddd_dddd);
        assert_eq!(mem.load(i.start + 0x2000, 8).unwrap(), 0, "bss");
        // A second program does not land on the first one.
        let j = load_at(
            &ld,
            None,
            &mem,
            183,
            "AArch64",
            Arc::from("ld2"),
            Placement::Interpreter,
        )
        .unwrap();
        assert!(j.start + 0x3000 <= i.start || j.start >= i.start + 0x3000);
        // A dynamic linker that wants a dynamic linker is refused.
        let e = load_at(
            &prog,
            None,
            &mem,
            183,
            "AArch64",
            Arc::from("x"),
            Placement::Interpreter,
        )
        .unwrap_err();
        assert!(matches!(e, ElfError::NestedInterp(ref s) if s == "/lib/ld-test.so.1"));
        assert!(matches!(
            load(
                &with_interp(b""),
                None,
                &mem,
                183,
                "AArch64",
                Arc::from("y")
            ),
            Err(ElfError::Corrupt(_))
        ));
    }

    #[test]
    fn static_pie_gets_bias() {
        crate::probe::install_fault_handler(None).unwrap();
        let mem = AddressSpace::reserve(36).unwrap();
        let elf = build_elf(183, ET_DYN, &[(0, vec![0xcc; 64], 64, PF_R | PF_X)]);
        let l = load(&elf, None, &mem, 183, "AArch64", Arc::from("t")).unwrap();
        assert_ne!(l.bias, 0);
        assert_eq!(l.bias % PAGE_SIZE, 0);
        assert_eq!(l.entry, l.bias);
        assert!(l.bias >= mem.limit() / 2 && l.bias < mem.limit());
        assert_eq!(mem.load(l.bias, 4).unwrap(), 0xcccc_cccc);
        assert!(mem.load(l.bias + 0x1000, 1).is_err());
    }
}
