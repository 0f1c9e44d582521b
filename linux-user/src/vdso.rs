//! vDSO images: the small ELF shared object that Linux maps into every
//! process (`[vdso]` in `/proc/self/maps`, `AT_SYSINFO_EHDR` in the
//! auxiliary vector). xlat builds one at start-up for guests whose runtime
//! needs it: on PowerPC, libgcc unwinds out of a signal handler only
//! through the `.eh_frame` that the vDSO carries for the signal
//! trampoline (see `arch/ppc64le/vdso.rs`).
//!
//! [`build`] lays out an ELF64 little-endian `ET_DYN` object linked at
//! address 0, entirely inside one `PT_LOAD`: the headers, a SysV `.hash`
//! (one bucket), a `.gnu.hash` (one bucket, one bloom word: glibc's
//! lookups of the `__kernel_*` functions this vDSO does not export stop
//! at the bloom filter instead of hashing the name again and comparing
//! strings), `.dynsym`/`.dynstr`, `.text`, `.eh_frame_hdr` (with the
//! sorted search table that libgcc's `_dl_find_object`/`dl_iterate_phdr`
//! path requires), `.eh_frame`, a read-only `.dynamic` (glibc ≥ 2.35
//! leaves a `PT_DYNAMIC` without `PF_W` unrelocated and adds the load
//! bias itself) and section headers for tools (readelf, gdb). glibc's
//! `setup_vdso` reads `DT_GNU_HASH` (else `DT_HASH`), `DT_SYMTAB`, `DT_STRTAB` and `DT_SONAME`;
//! the symbols have no version information, which glibc's lookup of the
//! kernel's versioned names accepts.

use crate::mmap::{AddressSpace, MmapError, PAGE_SIZE, Place, prot};
use std::sync::Arc;

/// DWARF call-frame constants and encoders for the CFI programs.
pub mod dw {
    /// `DW_CFA_advance_loc` (delta in the low 6 bits).
    pub const CFA_ADVANCE_LOC: u8 = 0x40;
    /// `DW_CFA_def_cfa`.
    pub const CFA_DEF_CFA: u8 = 0x0c;
    /// `DW_CFA_def_cfa_expression`.
    pub const CFA_DEF_CFA_EXPRESSION: u8 = 0x0f;
    /// `DW_CFA_expression`.
    pub const CFA_EXPRESSION: u8 = 0x10;
    /// `DW_OP_deref`.
    pub const OP_DEREF: u8 = 0x06;
    /// `DW_OP_plus_uconst`.
    pub const OP_PLUS_UCONST: u8 = 0x23;
    /// `DW_OP_breg0` (+ register number, up to 31).
    pub const OP_BREG0: u8 = 0x70;
    /// `DW_EH_PE_udata4`.
    pub const EH_PE_UDATA4: u8 = 0x03;
    /// `DW_EH_PE_sdata4`.
    pub const EH_PE_SDATA4: u8 = 0x0b;
    /// `DW_EH_PE_pcrel`.
    pub const EH_PE_PCREL: u8 = 0x10;
    /// `DW_EH_PE_datarel`.
    pub const EH_PE_DATAREL: u8 = 0x30;

    /// Appends `v` as ULEB128.
    pub fn uleb(out: &mut Vec<u8>, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    /// Appends `v` as SLEB128.
    pub fn sleb(out: &mut Vec<u8>, mut v: i64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            let done = (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0);
            if done {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    /// Appends `DW_CFA_expression reg, expr` (or
    /// `DW_CFA_def_cfa_expression expr` when `reg` is `None`).
    pub fn expression(out: &mut Vec<u8>, reg: Option<u64>, expr: &[u8]) {
        match reg {
            Some(r) => {
                out.push(CFA_EXPRESSION);
                uleb(out, r);
            }
            None => out.push(CFA_DEF_CFA_EXPRESSION),
        }
        uleb(out, expr.len() as u64);
        out.extend_from_slice(expr);
    }
}

/// An exported function of the image.
#[derive(Clone, Debug)]
pub struct Symbol<'a> {
    /// Symbol name.
    pub name: &'a str,
    /// Offset in the text.
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
}

/// The common information entry of the image's `.eh_frame`.
#[derive(Clone, Debug)]
pub struct Cie<'a> {
    /// Augmentation string: `"zR"`, or `"zRS"` for signal frames.
    pub augmentation: &'a str,
    /// Code alignment factor.
    pub code_align: u64,
    /// Data alignment factor.
    pub data_align: i64,
    /// Return-address column.
    pub ra_column: u8,
    /// Initial instructions.
    pub program: &'a [u8],
}

/// One frame description entry.
#[derive(Clone, Debug)]
pub struct Fde<'a> {
    /// First covered byte, as an offset in the text.
    pub start: u64,
    /// Number of covered bytes.
    pub len: u64,
    /// Call-frame instructions.
    pub program: &'a [u8],
}

/// What goes into an image.
#[derive(Clone, Debug)]
pub struct Spec<'a> {
    /// ELF `e_machine`.
    pub machine: u16,
    /// ELF `e_flags` (the ABI version on ppc64).
    pub flags: u32,
    /// `DT_SONAME`.
    pub soname: &'a str,
    /// The code.
    pub text: &'a [u8],
    /// Exported functions.
    pub symbols: &'a [Symbol<'a>],
    /// The CIE shared by all FDEs.
    pub cie: Cie<'a>,
    /// FDEs, sorted by `start`.
    pub fdes: &'a [Fde<'a>],
}

/// A built image: bytes linked at address 0.
#[derive(Clone, Debug)]
pub struct Image {
    /// The whole object (a multiple of the page size).
    pub bytes: Vec<u8>,
    /// Offset of the text in the image.
    pub text: u64,
    /// Offset of the code that handlers return to (`rt_sigreturn`), if
    /// the architecture's signal delivery uses the vDSO.
    pub sigreturn: Option<u64>,
}

/// ELF constants used by the builder.
mod elf {
    pub const ET_DYN: u16 = 3;
    pub const PT_LOAD: u32 = 1;
    pub const PT_DYNAMIC: u32 = 2;
    pub const PT_GNU_EH_FRAME: u32 = 0x6474_e550;
    pub const PF_X: u32 = 1;
    pub const PF_R: u32 = 4;
    pub const SHT_PROGBITS: u32 = 1;
    pub const SHT_STRTAB: u32 = 3;
    pub const SHT_HASH: u32 = 5;
    pub const SHT_DYNAMIC: u32 = 6;
    pub const SHT_DYNSYM: u32 = 11;
    pub const SHT_GNU_HASH: u32 = 0x6fff_fff6;
    pub const SHF_ALLOC: u64 = 2;
    pub const SHF_EXECINSTR: u64 = 4;
    pub const DT_NULL: u64 = 0;
    pub const DT_HASH: u64 = 4;
    pub const DT_STRTAB: u64 = 5;
    pub const DT_SYMTAB: u64 = 6;
    pub const DT_STRSZ: u64 = 10;
    pub const DT_SYMENT: u64 = 11;
    pub const DT_SONAME: u64 = 14;
    pub const DT_GNU_HASH: u64 = 0x6fff_fef5;
    pub const STB_GLOBAL_STT_FUNC: u8 = 0x12;
    pub const EHDR: usize = 64;
    pub const PHDR: usize = 56;
    pub const SHDR: usize = 64;
    pub const SYM: usize = 24;
}

fn pad_to(b: &mut Vec<u8>, align: usize) {
    b.resize(b.len().next_multiple_of(align), 0);
}

fn put16(b: &mut [u8], o: usize, v: u16) {
    b[o..o + 2].copy_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut [u8], o: usize, v: u32) {
    b[o..o + 4].copy_from_slice(&v.to_le_bytes());
}

fn put64(b: &mut [u8], o: usize, v: u64) {
    b[o..o + 8].copy_from_slice(&v.to_le_bytes());
}

/// Appends one length-prefixed `.eh_frame` record (CIE or FDE) whose body
/// after the length word is `body`, padded with `DW_CFA_nop` to 8 bytes.
fn eh_record(out: &mut Vec<u8>, body: &[u8]) {
    let len = (4 + body.len()).next_multiple_of(8) - 4;
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.extend_from_slice(body);
    out.resize(out.len() + len - body.len(), 0);
}

/// Builds the `.eh_frame` for `spec` placed at image offset `at`, with
/// the text at `text`; returns it and the image offset of each FDE.
fn eh_frame(spec: &Spec<'_>, at: u64, text: u64) -> (Vec<u8>, Vec<u64>) {
    let mut out = Vec::new();
    let mut cie = vec![0, 0, 0, 0, 1];
    cie.extend_from_slice(spec.cie.augmentation.as_bytes());
    cie.push(0);
    dw::uleb(&mut cie, spec.cie.code_align);
    dw::sleb(&mut cie, spec.cie.data_align);
    cie.push(spec.cie.ra_column);
    dw::uleb(&mut cie, 1);
    cie.push(dw::EH_PE_PCREL | dw::EH_PE_SDATA4);
    cie.extend_from_slice(spec.cie.program);
    eh_record(&mut out, &cie);
    let mut fdes = Vec::new();
    for f in spec.fdes {
        let rec = at + out.len() as u64;
        fdes.push(rec);
        let mut body = Vec::new();
        // CIE pointer: from this field back to the CIE.
        body.extend_from_slice(&((rec + 4 - at) as u32).to_le_bytes());
        let pc_field = rec + 8;
        let rel = (text + f.start) as i64 - pc_field as i64;
        body.extend_from_slice(&(rel as i32).to_le_bytes());
        body.extend_from_slice(&(f.len as u32).to_le_bytes());
        dw::uleb(&mut body, 0);
        body.extend_from_slice(f.program);
        eh_record(&mut out, &body);
    }
    // Terminator.
    out.extend_from_slice(&[0; 4]);
    (out, fdes)
}

/// The GNU symbol hash (`dl_new_hash`: h = h * 33 + c from 5381).
fn gnu_hash(name: &str) -> u32 {
    name.bytes().fold(5381u32, |h, c| {
        h.wrapping_mul(33).wrapping_add(u32::from(c))
    })
}

/// Shift of the second bloom-filter bit.
const BLOOM_SHIFT: u32 = 6;

/// `.gnu.hash` for symbols 1.. named `names`: one bucket, whose chain is
/// every symbol in order, and one 64-bit bloom word.
fn gnu_hash_section(names: &[&str]) -> Vec<u8> {
    let hashes: Vec<u32> = names.iter().map(|n| gnu_hash(n)).collect();
    let bloom = hashes.iter().fold(0u64, |w, &h| {
        w | 1 << (h % 64) | 1 << ((h >> BLOOM_SHIFT) % 64)
    });
    // nbuckets, symoffset, bloom_size, bloom_shift.
    let mut out = [1u32, 1, 1, BLOOM_SHIFT]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect::<Vec<u8>>();
    out.extend_from_slice(&bloom.to_le_bytes());
    // The bucket: the first symbol of its chain (0: empty).
    out.extend_from_slice(&u32::from(!names.is_empty()).to_le_bytes());
    for (i, h) in hashes.iter().enumerate() {
        let last = u32::from(i + 1 == hashes.len());
        out.extend_from_slice(&((h & !1) | last).to_le_bytes());
    }
    out
}

/// Lays out the image for `spec`.
pub fn build(spec: &Spec<'_>) -> Image {
    use elf::*;
    const NPHDR: usize = 3;
    let mut b = vec![0u8; EHDR + NPHDR * PHDR];

    // .dynstr: "", soname, symbol names.
    let mut dynstr = vec![0u8];
    let soname_at = dynstr.len();
    dynstr.extend_from_slice(spec.soname.as_bytes());
    dynstr.push(0);
    let mut name_at = Vec::new();
    for s in spec.symbols {
        name_at.push(dynstr.len());
        dynstr.extend_from_slice(s.name.as_bytes());
        dynstr.push(0);
    }
    let nsym = spec.symbols.len() + 1;

    // .hash: one bucket holding every symbol in one chain.
    pad_to(&mut b, 8);
    let hash_at = b.len();
    let mut words = vec![1u32, nsym as u32, u32::from(nsym > 1)];
    words.push(0);
    for i in 1..nsym {
        words.push(if i + 1 < nsym { (i + 1) as u32 } else { 0 });
    }
    b.extend(words.iter().flat_map(|w| w.to_le_bytes()));
    let hash_len = b.len() - hash_at;

    pad_to(&mut b, 8);
    let gnu_hash_at = b.len();
    let names: Vec<&str> = spec.symbols.iter().map(|s| s.name).collect();
    b.extend_from_slice(&gnu_hash_section(&names));
    let gnu_hash_len = b.len() - gnu_hash_at;

    pad_to(&mut b, 8);
    let dynsym_at = b.len();
    b.resize(dynsym_at + nsym * SYM, 0);
    let dynstr_at = b.len();
    b.extend_from_slice(&dynstr);

    pad_to(&mut b, 16);
    let text_at = b.len();
    b.extend_from_slice(spec.text);

    pad_to(&mut b, 8);
    let hdr_at = b.len();
    let hdr_len = 12 + 8 * spec.fdes.len();
    let eh_at = hdr_at + hdr_len.next_multiple_of(8);
    let (eh, fde_at) = eh_frame(spec, eh_at as u64, text_at as u64);
    // .eh_frame_hdr: version 1, eh_frame pointer pc-relative, count,
    // then (initial location, FDE) pairs relative to the header.
    b.extend_from_slice(&[
        1,
        dw::EH_PE_PCREL | dw::EH_PE_SDATA4,
        dw::EH_PE_UDATA4,
        dw::EH_PE_DATAREL | dw::EH_PE_SDATA4,
    ]);
    let rel = eh_at as i64 - (hdr_at + 4) as i64;
    b.extend_from_slice(&(rel as i32).to_le_bytes());
    b.extend_from_slice(&(spec.fdes.len() as u32).to_le_bytes());
    for (f, at) in spec.fdes.iter().zip(&fde_at) {
        let loc = (text_at as u64 + f.start) as i64 - hdr_at as i64;
        b.extend_from_slice(&(loc as i32).to_le_bytes());
        b.extend_from_slice(&((*at as i64 - hdr_at as i64) as i32).to_le_bytes());
    }
    pad_to(&mut b, 8);
    debug_assert_eq!(b.len(), eh_at);
    b.extend_from_slice(&eh);

    pad_to(&mut b, 8);
    let dyn_at = b.len();
    let dynamic = [
        (DT_HASH, hash_at as u64),
        (DT_GNU_HASH, gnu_hash_at as u64),
        (DT_STRTAB, dynstr_at as u64),
        (DT_SYMTAB, dynsym_at as u64),
        (DT_STRSZ, dynstr.len() as u64),
        (DT_SYMENT, SYM as u64),
        (DT_SONAME, soname_at as u64),
        (DT_NULL, 0),
    ];
    for (t, v) in dynamic {
        b.extend_from_slice(&t.to_le_bytes());
        b.extend_from_slice(&v.to_le_bytes());
    }
    let dyn_len = b.len() - dyn_at;

    // Section headers and their names.
    let names = [
        "",
        ".hash",
        ".dynsym",
        ".dynstr",
        ".text",
        ".eh_frame_hdr",
        ".eh_frame",
        ".dynamic",
        ".shstrtab",
        ".gnu.hash",
    ];
    let shstr_at = b.len();
    let mut shname = Vec::new();
    for n in names {
        shname.push((b.len() - shstr_at) as u32);
        b.extend_from_slice(n.as_bytes());
        b.push(0);
    }
    let shstr_len = b.len() - shstr_at;
    pad_to(&mut b, 8);
    let sh_at = b.len();
    const TEXT_SHNDX: u16 = 4;
    // (type, flags, offset, size, link, entsize, align)
    let sections: [(u32, u64, usize, usize, u32, u64, u64); 10] = [
        (0, 0, 0, 0, 0, 0, 0),
        (SHT_HASH, SHF_ALLOC, hash_at, hash_len, 2, 4, 8),
        (
            SHT_DYNSYM,
            SHF_ALLOC,
            dynsym_at,
            nsym * SYM,
            3,
            SYM as u64,
            8,
        ),
        (SHT_STRTAB, SHF_ALLOC, dynstr_at, dynstr.len(), 0, 0, 1),
        (
            SHT_PROGBITS,
            SHF_ALLOC | SHF_EXECINSTR,
            text_at,
            spec.text.len(),
            0,
            0,
            16,
        ),
        (SHT_PROGBITS, SHF_ALLOC, hdr_at, hdr_len, 0, 0, 4),
        (SHT_PROGBITS, SHF_ALLOC, eh_at, eh.len(), 0, 0, 8),
        (SHT_DYNAMIC, SHF_ALLOC, dyn_at, dyn_len, 3, 16, 8),
        (SHT_STRTAB, 0, shstr_at, shstr_len, 0, 0, 1),
        // Last, so that the indices above (links, e_shstrndx) stay.
        (SHT_GNU_HASH, SHF_ALLOC, gnu_hash_at, gnu_hash_len, 2, 0, 8),
    ];
    for (i, (ty, fl, off, size, link, ent, align)) in sections.into_iter().enumerate() {
        let mut s = [0u8; SHDR];
        put32(&mut s, 0, shname[i]);
        put32(&mut s, 4, ty);
        put64(&mut s, 8, fl);
        // Linked at 0: allocated sections' addresses equal their offsets.
        put64(&mut s, 16, if fl & SHF_ALLOC != 0 { off as u64 } else { 0 });
        put64(&mut s, 24, off as u64);
        put64(&mut s, 32, size as u64);
        put32(&mut s, 40, link);
        // .dynsym: sh_info = index of the first global symbol.
        put32(&mut s, 44, u32::from(ty == SHT_DYNSYM));
        put64(&mut s, 48, align);
        put64(&mut s, 56, ent);
        b.extend_from_slice(&s);
    }
    let total = b.len();

    // The symbols.
    for (i, s) in spec.symbols.iter().enumerate() {
        let o = dynsym_at + (i + 1) * SYM;
        put32(&mut b, o, name_at[i] as u32);
        b[o + 4] = STB_GLOBAL_STT_FUNC;
        put16(&mut b, o + 6, TEXT_SHNDX);
        put64(&mut b, o + 8, text_at as u64 + s.offset);
        put64(&mut b, o + 16, s.size);
    }

    // ELF header.
    b[0..4].copy_from_slice(b"\x7fELF");
    b[4] = 2; // ELFCLASS64
    b[5] = 1; // ELFDATA2LSB
    b[6] = 1; // EV_CURRENT
    put16(&mut b, 16, ET_DYN);
    put16(&mut b, 18, spec.machine);
    put32(&mut b, 20, 1);
    put64(&mut b, 24, 0);
    put64(&mut b, 32, EHDR as u64);
    put64(&mut b, 40, sh_at as u64);
    put32(&mut b, 48, spec.flags);
    put16(&mut b, 52, EHDR as u16);
    put16(&mut b, 54, PHDR as u16);
    put16(&mut b, 56, NPHDR as u16);
    put16(&mut b, 58, SHDR as u16);
    put16(&mut b, 60, sections.len() as u16);
    put16(&mut b, 62, 8);

    // Program headers: (type, flags, offset, size, align).
    let phdrs = [
        (PT_LOAD, PF_R | PF_X, 0, total, PAGE_SIZE),
        (PT_DYNAMIC, PF_R, dyn_at, dyn_len, 8),
        (PT_GNU_EH_FRAME, PF_R, hdr_at, hdr_len, 4),
    ];
    for (i, (ty, fl, off, size, align)) in phdrs.into_iter().enumerate() {
        let o = EHDR + i * PHDR;
        put32(&mut b, o, ty);
        put32(&mut b, o + 4, fl);
        put64(&mut b, o + 8, off as u64);
        put64(&mut b, o + 16, off as u64);
        put64(&mut b, o + 24, off as u64);
        put64(&mut b, o + 32, size as u64);
        put64(&mut b, o + 40, size as u64);
        put64(&mut b, o + 48, align);
    }
    b.resize(total.next_multiple_of(PAGE_SIZE as usize), 0);
    Image {
        bytes: b,
        text: text_at as u64,
        sigreturn: None,
    }
}

/// Maps `image` read-only and executable at a free guest address named
/// `[vdso]`; returns the address.
pub fn map(mem: &AddressSpace, image: &Image) -> Result<u64, MmapError> {
    map_code(mem, &image.bytes, "[vdso]")
}

/// Maps `code` read-only and executable (whole pages, the rest zero) at a
/// free guest address, named `name` in `/proc/self/maps`; returns the
/// address.
pub fn map_code(mem: &AddressSpace, code: &[u8], name: &str) -> Result<u64, MmapError> {
    let len = (code.len() as u64).next_multiple_of(PAGE_SIZE);
    let at = mem.map(
        Place::Anywhere(0),
        len,
        prot::READ | prot::WRITE,
        (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u32,
        -1,
        0,
        Some(Arc::from(name)),
    )?;
    mem.write_bytes(at, code).map_err(|_| MmapError::NoSpace)?;
    mem.protect(at, len, prot::READ | prot::EXEC)?;
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use goblin::elf::Elf;

    #[test]
    fn leb128_matches_the_dwarf_examples() {
        // DWARF 5, tables 7.7 and 7.8.
        let u = |v| {
            let mut o = Vec::new();
            dw::uleb(&mut o, v);
            o
        };
        let s = |v| {
            let mut o = Vec::new();
            dw::sleb(&mut o, v);
            o
        };
        assert_eq!(u(2), [2]);
        assert_eq!(u(127), [127]);
        assert_eq!(u(128), [0x80, 1]);
        assert_eq!(u(12857), [0xb9, 0x64]);
        assert_eq!(s(-2), [0x7e]);
        assert_eq!(s(127), [0xff, 0]);
        assert_eq!(s(-128), [0x80, 0x7f]);
        assert_eq!(s(-8), [0x78]);
    }

    fn sample() -> Image {
        let text = [0x60, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
        build(&Spec {
            machine: 21,
            flags: 2,
            soname: "linux-vdso64.so.1",
            text: &text,
            symbols: &[
                Symbol {
                    name: "__a",
                    offset: 4,
                    size: 8,
                },
                Symbol {
                    name: "__b",
                    offset: 8,
                    size: 4,
                },
            ],
            cie: Cie {
                augmentation: "zRS",
                code_align: 4,
                data_align: -8,
                ra_column: 67,
                program: &[dw::CFA_DEF_CFA, 1, 0],
            },
            fdes: &[Fde {
                start: 0,
                len: 12,
                program: &[],
            }],
        })
    }

    #[test]
    fn image_parses_as_a_shared_object() {
        let img = sample();
        assert_eq!(img.bytes.len() as u64 % PAGE_SIZE, 0);
        let e = Elf::parse(&img.bytes).expect("valid ELF");
        assert!(e.is_64 && e.little_endian);
        assert_eq!(e.header.e_type, goblin::elf::header::ET_DYN);
        assert_eq!(e.header.e_machine, 21);
        assert_eq!(e.soname, Some("linux-vdso64.so.1"));
        let load: Vec<_> = e.program_headers.iter().filter(|p| p.p_type == 1).collect();
        assert_eq!(load.len(), 1);
        assert_eq!((load[0].p_vaddr, load[0].p_offset), (0, 0));
        // Everything lies in the one PT_LOAD, including the section headers.
        let end = load[0].p_memsz;
        assert!(e.header.e_shoff + 9 * 64 <= end);
        let dynph = e.program_headers.iter().find(|p| p.p_type == 2).unwrap();
        assert_eq!(dynph.p_flags & 2, 0, "PT_DYNAMIC read-only");
        let syms: Vec<(String, u64)> = e
            .dynsyms
            .iter()
            .filter_map(|s| Some((e.dynstrtab.get_at(s.st_name)?.to_string(), s.st_value)))
            .filter(|(n, _)| !n.is_empty())
            .collect();
        assert_eq!(
            syms,
            [
                ("__a".to_string(), img.text + 4),
                ("__b".to_string(), img.text + 8)
            ]
        );
        let text = e
            .section_headers
            .iter()
            .find(|s| e.shdr_strtab.get_at(s.sh_name) == Some(".text"))
            .unwrap();
        assert_eq!(text.sh_addr, img.text);
        assert_eq!(&img.bytes[img.text as usize..][..4], &[0x60, 0, 0, 0]);
    }

    fn word(b: &[u8], o: usize) -> u32 {
        u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
    }

    /// The value of the image's dynamic entry `tag`.
    fn dyn_val(img: &Image, tag: u64) -> usize {
        let e = Elf::parse(&img.bytes).unwrap();
        let dynamic = e.dynamic.as_ref().unwrap();
        dynamic.dyns.iter().find(|d| d.d_tag == tag).unwrap().d_val as usize
    }

    #[test]
    fn hash_chain_reaches_every_symbol() {
        let img = sample();
        let hash = dyn_val(&img, elf::DT_HASH);
        let (nbucket, nchain) = (word(&img.bytes, hash), word(&img.bytes, hash + 4));
        assert_eq!((nbucket, nchain), (1, 3));
        let chain = |i: u32| word(&img.bytes, hash + 8 + 4 * nbucket as usize + 4 * i as usize);
        let mut seen = Vec::new();
        let mut i = word(&img.bytes, hash + 8);
        while i != 0 {
            seen.push(i);
            i = chain(i);
        }
        assert_eq!(seen, [1, 2]);
    }

    /// glibc's `do_lookup_x` through `DT_GNU_HASH` (bloom filter, bucket,
    /// chain): the symbol index, or `None`.
    fn gnu_lookup(img: &Image, name: &str) -> Option<u32> {
        let b = &img.bytes;
        let e = Elf::parse(b).unwrap();
        let at = dyn_val(img, elf::DT_GNU_HASH);
        let (nbuckets, symoffset, bloom_size, shift) = (
            word(b, at),
            word(b, at + 4),
            word(b, at + 8),
            word(b, at + 12),
        );
        let h = gnu_hash(name);
        let bloom_at = at + 16;
        let w = u64::from_le_bytes(
            b[bloom_at + 8 * ((h / 64) % bloom_size) as usize..][..8]
                .try_into()
                .unwrap(),
        );
        if (w >> (h % 64)) & (w >> ((h >> shift) % 64)) & 1 == 0 {
            return None;
        }
        let buckets = bloom_at + 8 * bloom_size as usize;
        let mut i = word(b, buckets + 4 * (h % nbuckets) as usize);
        if i == 0 {
            return None;
        }
        let chain = buckets + 4 * nbuckets as usize;
        loop {
            let c = word(b, chain + 4 * (i - symoffset) as usize);
            let sym_name = e.dynstrtab.get_at(e.dynsyms.get(i as usize)?.st_name)?;
            if (c ^ h) >> 1 == 0 && sym_name == name {
                return Some(i);
            }
            if c & 1 != 0 {
                return None;
            }
            i += 1;
        }
    }

    #[test]
    fn gnu_hash_finds_the_symbols_and_filters_others() {
        let img = sample();
        assert_eq!(gnu_hash(""), 5381);
        assert_eq!(gnu_hash("printf"), 0x156b_2bb8);
        assert_eq!(gnu_lookup(&img, "__a"), Some(1));
        assert_eq!(gnu_lookup(&img, "__b"), Some(2));
        // What glibc's ppc64 start-up looks up in the vDSO: stopped by the
        // bloom word.
        for n in [
            "__kernel_clock_gettime",
            "__kernel_clock_getres",
            "__kernel_gettimeofday",
            "__kernel_time",
            "__kernel_get_tbfreq",
            "__kernel_getcpu",
        ] {
            assert_eq!(gnu_lookup(&img, n), None, "{n}");
        }
        let e = Elf::parse(&img.bytes).unwrap();
        assert!(
            e.section_headers
                .iter()
                .any(|s| e.shdr_strtab.get_at(s.sh_name) == Some(".gnu.hash"))
        );
    }

    #[test]
    fn eh_frame_hdr_table_finds_the_fde() {
        let img = sample();
        let b = &img.bytes;
        let e = Elf::parse(b).unwrap();
        let ph = e
            .program_headers
            .iter()
            .find(|p| p.p_type == elf::PT_GNU_EH_FRAME)
            .unwrap();
        let h = ph.p_vaddr as usize;
        assert_eq!(&b[h..h + 4], &[1, 0x1b, 0x03, 0x3b]);
        let eh = (h as i64 + 4 + word(b, h + 4) as i32 as i64) as usize;
        assert_eq!(word(b, h + 8), 1, "one FDE");
        let loc = (h as i64 + word(b, h + 12) as i32 as i64) as u64;
        let fde = (h as i64 + word(b, h + 16) as i32 as i64) as usize;
        assert_eq!(loc, img.text);
        // The CIE comes first, with id 0, version 1, "zRS".
        assert_eq!(word(b, eh + 4), 0);
        assert_eq!(&b[eh + 8..eh + 13], b"\x01zRS\0");
        // The FDE points back at it; its pc_begin (pc-relative) is the
        // text start and its range 12 bytes.
        assert_eq!(fde + 4 - word(b, fde + 4) as usize, eh);
        let pc = (fde as i64 + 8 + word(b, fde + 8) as i32 as i64) as u64;
        assert_eq!(pc, img.text);
        assert_eq!(word(b, fde + 12), 12);
        // Records are 8-byte multiples and the section ends with a zero
        // terminator.
        let after = fde + 4 + word(b, fde) as usize;
        assert_eq!((word(b, eh) + 4) % 8, 0);
        assert_eq!(word(b, after), 0);
    }
}
