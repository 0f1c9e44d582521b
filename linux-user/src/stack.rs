//! The initial guest stack: argc, argv, envp and the auxiliary vector laid
//! out as Linux's `create_elf_tables` does for a 64-bit guest.

use crate::elf::LoadedElf;
use crate::mmap::{AddressSpace, MmapError, PAGE_SIZE, Place, prot};
use std::sync::Arc;
use thiserror::Error;

/// Auxiliary vector tags.
pub mod at {
    /// End of vector.
    pub const NULL: u64 = 0;
    /// Program headers.
    pub const PHDR: u64 = 3;
    /// Size of a program header.
    pub const PHENT: u64 = 4;
    /// Number of program headers.
    pub const PHNUM: u64 = 5;
    /// Page size.
    pub const PAGESZ: u64 = 6;
    /// Interpreter base.
    pub const BASE: u64 = 7;
    /// Flags.
    pub const FLAGS: u64 = 8;
    /// Entry point.
    pub const ENTRY: u64 = 9;
    /// Real uid.
    pub const UID: u64 = 11;
    /// Effective uid.
    pub const EUID: u64 = 12;
    /// Real gid.
    pub const GID: u64 = 13;
    /// Effective gid.
    pub const EGID: u64 = 14;
    /// Platform string.
    pub const PLATFORM: u64 = 15;
    /// Hardware capabilities.
    pub const HWCAP: u64 = 16;
    /// Clock ticks per second.
    pub const CLKTCK: u64 = 17;
    /// Secure mode.
    pub const SECURE: u64 = 23;
    /// 16 random bytes.
    pub const RANDOM: u64 = 25;
    /// Base platform string.
    pub const BASE_PLATFORM: u64 = 24;
    /// More hardware capabilities.
    pub const HWCAP2: u64 = 26;
    /// File name of the executable.
    pub const EXECFN: u64 = 31;
    /// Address of the vDSO's ELF header.
    pub const SYSINFO_EHDR: u64 = 33;
    /// Minimal signal stack size.
    pub const MINSIGSTKSZ: u64 = 51;
}

/// Errors building the stack.
#[derive(Debug, Error)]
pub enum StackError {
    /// Arguments and environment do not fit.
    #[error("argument list too long")]
    TooLong,
    /// Mapping the stack failed.
    #[error("cannot map the guest stack: {0}")]
    Map(#[from] MmapError),
    /// Writing the stack failed (should not happen).
    #[error("cannot write the guest stack")]
    Write,
}

/// Architecture values that go into the auxiliary vector.
#[derive(Clone, Debug)]
pub struct AuxArch {
    /// AT_HWCAP.
    pub hwcap: u64,
    /// AT_HWCAP2.
    pub hwcap2: u64,
    /// AT_PLATFORM string.
    pub platform: &'static str,
    /// AT_MINSIGSTKSZ.
    pub minsigstksz: u64,
    /// AT_BASE_PLATFORM string, if the architecture has one.
    pub base_platform: Option<&'static str>,
    /// Further architecture entries (tag, value), e.g. PowerPC cache
    /// block sizes.
    pub extra: &'static [(u64, u64)],
    /// When set, gives (AT_HWCAP, AT_HWCAP2) instead of `hwcap`/`hwcap2`
    /// (they depend on the CPU model chosen at run time).
    pub hwcaps: Option<fn() -> (u64, u64)>,
    /// When set, gives AT_PLATFORM (and AT_BASE_PLATFORM where the
    /// architecture has one) instead of `platform`/`base_platform` (they
    /// depend on the CPU model chosen at run time).
    pub platform_fn: Option<fn() -> &'static str>,
}

impl AuxArch {
    /// (AT_HWCAP, AT_HWCAP2).
    pub fn hwcaps(&self) -> (u64, u64) {
        self.hwcaps.map_or((self.hwcap, self.hwcap2), |f| f())
    }

    /// (AT_PLATFORM, AT_BASE_PLATFORM).
    pub fn platforms(&self) -> (&'static str, Option<&'static str>) {
        match self.platform_fn {
            Some(f) => (f(), self.base_platform.map(|_| f())),
            None => (self.platform, self.base_platform),
        }
    }
}

/// Everything that goes on the stack.
#[derive(Clone, Debug)]
pub struct StackInput<'a> {
    /// Guest argv.
    pub argv: &'a [Vec<u8>],
    /// Guest environment (`VAR=VAL`).
    pub envp: &'a [Vec<u8>],
    /// AT_EXECFN string.
    pub execfn: &'a [u8],
    /// The loaded executable.
    pub elf: &'a LoadedElf,
    /// Load address of the dynamic linker (AT_BASE; 0 for a static program).
    pub interp_base: u64,
    /// Architecture values.
    pub arch: &'a AuxArch,
    /// AT_RANDOM bytes.
    pub random: [u8; 16],
    /// Guest address of the vDSO (AT_SYSINFO_EHDR; 0: none).
    pub vdso: u64,
}

/// Builds the stack image that ends at guest address `top`; returns the
/// initial SP and the bytes of `[sp, top)`.
pub fn build_image(top: u64, inp: &StackInput<'_>) -> Result<(u64, Vec<u8>), StackError> {
    // Work downwards in a buffer that represents [top - buf.len(), top).
    let mut down: Vec<u8> = Vec::new();
    let push = |down: &mut Vec<u8>, bytes: &[u8]| -> u64 {
        // Prepend; the address is top - len after the push.
        let mut v = bytes.to_vec();
        v.extend_from_slice(down);
        *down = v;
        top - down.len() as u64
    };
    let align = |down: &mut Vec<u8>, a: u64| {
        let cur = top - down.len() as u64;
        let pad = cur - (cur & !(a - 1));
        let mut v = vec![0u8; pad as usize];
        v.extend_from_slice(down);
        *down = v;
    };
    // Linux: a NULL word at the very top, then the file name, the
    // environment strings and the argument strings below it.
    push(&mut down, &[0u8; 8]);
    let cstr = |s: &[u8]| {
        let mut v = s.to_vec();
        v.push(0);
        v
    };
    let execfn = push(&mut down, &cstr(inp.execfn));
    let mut env_ptrs = vec![0; inp.envp.len()];
    for (i, e) in inp.envp.iter().enumerate().rev() {
        env_ptrs[i] = push(&mut down, &cstr(e));
    }
    let mut arg_ptrs = vec![0; inp.argv.len()];
    for (i, a) in inp.argv.iter().enumerate().rev() {
        arg_ptrs[i] = push(&mut down, &cstr(a));
    }
    align(&mut down, 16);
    let (platform, base_platform) = inp.arch.platforms();
    let platform = push(&mut down, &cstr(platform.as_bytes()));
    let base_platform = base_platform.map(|p| push(&mut down, &cstr(p.as_bytes())));
    align(&mut down, 16);
    let random = push(&mut down, &inp.random);
    align(&mut down, 16);
    let e = inp.elf;
    // SAFETY: these id getters cannot fail.
    let (uid, euid, gid, egid) = unsafe {
        (
            libc::getuid(),
            libc::geteuid(),
            libc::getgid(),
            libc::getegid(),
        )
    };
    let mut aux: Vec<(u64, u64)> = vec![
        (at::HWCAP, inp.arch.hwcaps().0),
        (at::PAGESZ, PAGE_SIZE),
        (at::CLKTCK, 100),
        (at::PHDR, e.phdr),
        (at::PHENT, e.phent),
        (at::PHNUM, e.phnum),
        (at::BASE, inp.interp_base),
        (at::FLAGS, 0),
        (at::ENTRY, e.entry),
        (at::UID, uid as u64),
        (at::EUID, euid as u64),
        (at::GID, gid as u64),
        (at::EGID, egid as u64),
        (at::SECURE, 0),
        (at::RANDOM, random),
        (at::HWCAP2, inp.arch.hwcaps().1),
        (at::EXECFN, execfn),
        (at::PLATFORM, platform),
        (at::MINSIGSTKSZ, inp.arch.minsigstksz),
    ];
    if let Some(p) = base_platform {
        aux.push((at::BASE_PLATFORM, p));
    }
    if inp.vdso != 0 {
        aux.push((at::SYSINFO_EHDR, inp.vdso));
    }
    aux.extend_from_slice(inp.arch.extra);
    aux.push((at::NULL, 0));
    // Run through binfmt_misc with flag O: the guest gets the descriptor too.
    if let Some(fd) = crate::binfmt::exec_fd() {
        aux.insert(0, (crate::binfmt::AT_EXECFD, fd as u64));
    }
    let mut table: Vec<u64> = Vec::new();
    table.push(inp.argv.len() as u64);
    table.extend(&arg_ptrs);
    table.push(0);
    table.extend(&env_ptrs);
    table.push(0);
    for (k, v) in aux {
        table.push(k);
        table.push(v);
    }
    // SP = (current - table) rounded down to 16.
    let cur = top - down.len() as u64;
    let sp = (cur - table.len() as u64 * 8) & !15;
    let pad = (cur - sp) as usize - table.len() * 8;
    let mut head: Vec<u8> = table.iter().flat_map(|w| w.to_le_bytes()).collect();
    head.extend(std::iter::repeat_n(0u8, pad));
    head.extend_from_slice(&down);
    Ok((sp, head))
}

/// Maps the guest stack (`size` bytes ending at `top`), writes the
/// initial image and returns the SP.
pub fn setup(
    mem: &AddressSpace,
    top: u64,
    size: u64,
    exec: bool,
    inp: &StackInput<'_>,
) -> Result<u64, StackError> {
    let (sp, image) = build_image(top, inp)?;
    if image.len() as u64 > size / 2 {
        return Err(StackError::TooLong);
    }
    let p = prot::READ | prot::WRITE | if exec { prot::EXEC } else { 0 };
    mem.map(
        Place::Fixed(top - size),
        size,
        p,
        (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_GROWSDOWN) as u32,
        -1,
        0,
        Some(Arc::from("[stack]")),
    )?;
    mem.write_bytes(sp, &image).map_err(|_| StackError::Write)?;
    Ok(sp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(img: &[u8], base: u64, addr: u64) -> u64 {
        let o = (addr - base) as usize;
        u64::from_le_bytes(img[o..o + 8].try_into().unwrap())
    }

    fn cstr(img: &[u8], base: u64, addr: u64) -> Vec<u8> {
        let o = (addr - base) as usize;
        img[o..].iter().take_while(|b| **b != 0).copied().collect()
    }

    #[test]
    fn stack_layout_parses_back() {
        let elf = LoadedElf {
            entry: 0x400123,
            phdr: 0x400040,
            phent: 56,
            phnum: 7,
            bias: 0,
            start: 0x400000,
            end: 0x500000,
            brk: 0x500000,
            exec_stack: false,
            interp: None,
            bti: false,
        };
        let arch = AuxArch {
            hwcap: 3,
            hwcap2: 0,
            platform: "aarch64",
            minsigstksz: 5120,
            base_platform: None,
            extra: &[],
            hwcaps: None,
            platform_fn: None,
        };
        let argv = vec![b"/bin/prog".to_vec(), b"-x".to_vec(), b"".to_vec()];
        let envp = vec![b"A=1".to_vec(), b"HOME=/root".to_vec()];
        let top = 0x7fff_0000_0000;
        let inp = StackInput {
            argv: &argv,
            envp: &envp,
            execfn: b"/bin/prog",
            elf: &elf,
            interp_base: 0x5500_0000_0000,
            arch: &arch,
            random: [7; 16],
            vdso: 0,
        };
        let (sp, img) = build_image(top, &inp).unwrap();
        assert_eq!(sp % 16, 0);
        assert_eq!(sp + img.len() as u64, top);
        assert_eq!(word(&img, sp, top - 8), 0, "NULL word at the top");
        assert_eq!(word(&img, sp, sp), 3, "argc");
        let mut a = sp + 8;
        for want in &argv {
            let p = word(&img, sp, a);
            assert!(p > sp && p < top);
            assert_eq!(&cstr(&img, sp, p), want);
            a += 8;
        }
        assert_eq!(word(&img, sp, a), 0);
        a += 8;
        for want in &envp {
            assert_eq!(&cstr(&img, sp, word(&img, sp, a)), want);
            a += 8;
        }
        assert_eq!(word(&img, sp, a), 0);
        a += 8;
        let mut aux = std::collections::HashMap::new();
        loop {
            let (k, v) = (word(&img, sp, a), word(&img, sp, a + 8));
            a += 16;
            if k == at::NULL {
                break;
            }
            assert!(aux.insert(k, v).is_none(), "duplicate auxv tag {k}");
        }
        assert_eq!(aux[&at::PAGESZ], 4096);
        assert_eq!(aux[&at::ENTRY], 0x400123);
        assert_eq!(aux[&at::PHDR], 0x400040);
        assert_eq!(aux[&at::PHNUM], 7);
        assert_eq!(aux[&at::PHENT], 56);
        assert_eq!(aux[&at::HWCAP], 3);
        assert_eq!(aux[&at::CLKTCK], 100);
        assert_eq!(aux[&at::SECURE], 0);
        assert_eq!(aux[&at::BASE], 0x5500_0000_0000);
        assert_eq!(aux[&at::MINSIGSTKSZ], 5120);
        assert_eq!(cstr(&img, sp, aux[&at::PLATFORM]), b"aarch64");
        assert_eq!(cstr(&img, sp, aux[&at::EXECFN]), b"/bin/prog");
        let r = (aux[&at::RANDOM] - sp) as usize;
        assert_eq!(&img[r..r + 16], &[7; 16]);
        assert_eq!(aux.len(), 19);
        // Strings sit above the tables.
        assert!(aux[&at::EXECFN] > a);
        assert!(!aux.contains_key(&at::SYSINFO_EHDR), "no vDSO, no tag");
        // With a vDSO: AT_SYSINFO_EHDR points at it.
        let (_, img) = build_image(
            top,
            &StackInput {
                vdso: 0x3fff_f000,
                ..inp
            },
        )
        .unwrap();
        let words: Vec<u64> = img
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert!(
            words
                .windows(2)
                .any(|w| w == [at::SYSINFO_EHDR, 0x3fff_f000])
        );
    }
}
