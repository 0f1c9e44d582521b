//! The guest's view of its own `/proc` files: `/proc/self/maps`,
//! `/proc/self/auxv` and `/proc/self/cmdline` are generated from xlat's
//! state and handed to the guest as a sealed memory file;
//! `/proc/self/exe` (the guest binary) is resolved in the path syscalls.
//! The same names under `/proc/<own pid>/` and `/proc/thread-self/` work
//! too. `/proc/cpuinfo` is generated from the guest CPU model in the
//! format of the guest architecture's Linux.

use crate::errno::Errno;
use crate::mmap::{Mapping, prot};
use crate::syscall::Process;

/// A generated `/proc` file.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProcFile {
    /// `maps`.
    Maps,
    /// `auxv`.
    Auxv,
    /// `cmdline`.
    Cmdline,
    /// `/proc/cpuinfo` (from the guest CPU model).
    Cpuinfo,
}

/// Which generated file `path` names, if any.
pub fn classify(path: &[u8]) -> Option<ProcFile> {
    if path == b"/proc/cpuinfo" {
        return Some(ProcFile::Cpuinfo);
    }
    let rest = path.strip_prefix(b"/proc/")?;
    let slash = rest.iter().position(|b| *b == b'/')?;
    let (who, file) = (&rest[..slash], &rest[slash + 1..]);
    // SAFETY: getpid cannot fail.
    let pid = unsafe { libc::getpid() };
    let mine = who == b"self" || who == b"thread-self" || who == pid.to_string().as_bytes();
    if !mine {
        return None;
    }
    match file {
        b"maps" => Some(ProcFile::Maps),
        b"auxv" => Some(ProcFile::Auxv),
        b"cmdline" => Some(ProcFile::Cmdline),
        _ => None,
    }
}

/// Device and inode of a mapped file, for `maps`.
fn dev_ino(name: &str) -> (u64, u64) {
    if !name.starts_with('/') {
        return (0, 0);
    }
    let Ok(c) = std::ffi::CString::new(name) else {
        return (0, 0);
    };
    // SAFETY: a zeroed stat is valid; `c` is a C string.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::stat(c.as_ptr(), &mut st) == 0 {
            (st.st_dev, st.st_ino)
        } else {
            (0, 0)
        }
    }
}

/// One `maps` line in the kernel's format.
pub fn maps_line(m: &Mapping) -> String {
    let p = |bit, c| if m.prot & bit != 0 { c } else { '-' };
    let shared = if m.flags & libc::MAP_SHARED as u32 != 0 {
        's'
    } else {
        'p'
    };
    let name = m.name.as_deref().unwrap_or("");
    let (dev, ino) = dev_ino(name);
    let mut l = format!(
        "{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {} ",
        m.start,
        m.start + m.len,
        p(prot::READ, 'r'),
        p(prot::WRITE, 'w'),
        p(prot::EXEC, 'x'),
        shared,
        m.offset,
        libc::major(dev),
        libc::minor(dev),
        ino
    );
    if !name.is_empty() {
        // seq_pad: pad to column 72, then one space (even past 72).
        while l.len() < 72 {
            l.push(' ');
        }
        l.push(' ');
        l.push_str(name);
    }
    l.push('\n');
    l
}

/// The contents of a generated file.
pub fn contents(proc: &Process, f: ProcFile) -> Vec<u8> {
    match f {
        ProcFile::Maps => proc
            .mem
            .mappings()
            .iter()
            .map(maps_line)
            .collect::<String>()
            .into_bytes(),
        ProcFile::Auxv => {
            let mut out = Vec::new();
            let mut a = proc.auxv_addr;
            // Up to AT_NULL inclusive; a bounded walk over guest memory.
            for _ in 0..64 {
                if a == 0 {
                    break;
                }
                let (Ok(k), Ok(v)) = (proc.mem.read_u64(a), proc.mem.read_u64(a + 8)) else {
                    break;
                };
                out.extend_from_slice(&k.to_le_bytes());
                out.extend_from_slice(&v.to_le_bytes());
                if k == 0 {
                    break;
                }
                a += 16;
            }
            out
        }
        ProcFile::Cmdline => proc.cmdline.clone(),
        ProcFile::Cpuinfo => (proc.arch.cpuinfo)().into_bytes(),
    }
}

/// Opens a generated file: a memory file holding the contents, at
/// offset 0, opened with the guest's `O_CLOEXEC` choice.
pub fn open(proc: &Process, f: ProcFile, host_flags: i32) -> Result<u64, Errno> {
    if host_flags & libc::O_ACCMODE != libc::O_RDONLY {
        return Err(Errno(libc::EACCES));
    }
    let data = contents(proc, f);
    let cloexec = if host_flags & libc::O_CLOEXEC != 0 {
        libc::MFD_CLOEXEC
    } else {
        0
    };
    // SAFETY: the name is a C string literal.
    let fd = unsafe { libc::memfd_create(c"xlat-proc".as_ptr(), cloexec) };
    if fd < 0 {
        return Err(Errno::last());
    }
    let mut off = 0;
    while off < data.len() {
        // SAFETY: writing from our own buffer to our own fd.
        let n = unsafe {
            libc::write(
                fd,
                data[off..].as_ptr() as *const libc::c_void,
                data.len() - off,
            )
        };
        if n <= 0 {
            let e = Errno::last();
            // SAFETY: closing the fd created above.
            unsafe { libc::close(fd) };
            return Err(e);
        }
        off += n as usize;
    }
    // SAFETY: plain fd operations on our fd.
    unsafe { libc::lseek(fd, 0, libc::SEEK_SET) };
    Ok(fd as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn classify_paths() {
        assert_eq!(classify(b"/proc/self/maps"), Some(ProcFile::Maps));
        assert_eq!(classify(b"/proc/thread-self/auxv"), Some(ProcFile::Auxv));
        // SAFETY: getpid cannot fail.
        let pid = unsafe { libc::getpid() };
        let p = format!("/proc/{pid}/cmdline");
        assert_eq!(classify(p.as_bytes()), Some(ProcFile::Cmdline));
        assert_eq!(classify(b"/proc/1/cmdline").is_some(), pid == 1);
        assert_eq!(classify(b"/proc/self/status"), None);
        assert_eq!(classify(b"/proc/self"), None);
        assert_eq!(classify(b"/proc/cpuinfo"), Some(ProcFile::Cpuinfo));
        assert_eq!(classify(b"/proc/self/cpuinfo"), None);
        assert_eq!(classify(b"/proc/cpuinfox"), None);
        assert_eq!(classify(b"/etc/passwd"), None);
    }

    #[test]
    fn maps_line_format() {
        let m = Mapping {
            start: 0x400000,
            len: 0x2000,
            prot: prot::READ | prot::EXEC,
            flags: libc::MAP_PRIVATE as u32,
            offset: 0x1000,
            name: Some(Arc::from("[stack]")),
        };
        let l = maps_line(&m);
        assert_eq!(
            &l[..49],
            "00400000-00402000 r-xp 00001000 00:00 0          "
        );
        assert_eq!(l.find("[stack]"), Some(73));
        assert!(l.ends_with("[stack]\n"));
        let anon = Mapping {
            name: None,
            prot: prot::READ | prot::WRITE,
            flags: libc::MAP_SHARED as u32,
            offset: 0,
            ..m
        };
        assert_eq!(
            maps_line(&anon),
            "00400000-00402000 rw-s 00000000 00:00 0 \n"
        );
    }
}
