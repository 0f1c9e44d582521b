//! A guest executable's bytes as the ELF loader sees them: a read-only
//! host mapping of the file, so that starting a program reads only the
//! pages the loader looks at (headers, notes, `PT_INTERP`) and
//! [`crate::elf::load_at`] can map the segments from the open file
//! instead of copying them. Files that cannot be mapped (empty ones,
//! pipes, some special files) are read into memory instead.

use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::Path;

/// The bytes of an executable and the file they came from.
#[derive(Debug)]
pub struct Image {
    file: File,
    bytes: Bytes,
}

#[derive(Debug)]
enum Bytes {
    /// A private read-only host mapping of the whole file.
    Mapped(*const u8, usize),
    /// The file read into memory.
    Read(Vec<u8>),
}

// SAFETY: the mapping is read-only and owned by the `Image` (unmapped only
// in `drop`), so sharing or moving it between threads is as safe as for a
// `Vec<u8>`.
unsafe impl Send for Image {}
// SAFETY: as for `Send`: only shared reads of immutable bytes.
unsafe impl Sync for Image {}

impl Image {
    /// Opens `path` and maps it.
    pub fn open(path: &Path) -> std::io::Result<Image> {
        Self::from_file(File::open(path)?)
    }

    /// Maps the file open on `fd` (e.g. the kernel's `AT_EXECFD`), which
    /// stays open and keeps its file offset: the image holds a duplicate.
    pub fn from_fd(fd: BorrowedFd<'_>) -> std::io::Result<Image> {
        // SAFETY: F_DUPFD_CLOEXEC on a valid descriptor returns a new
        // descriptor that nothing else owns, or -1.
        let dup = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
        if dup < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `dup` was just created and is owned by nobody else.
        let owned = unsafe { OwnedFd::from_raw_fd(dup) };
        Self::from_file(File::from(owned))
    }

    fn from_file(file: File) -> std::io::Result<Image> {
        let meta = file.metadata()?;
        let len = usize::try_from(meta.len()).unwrap_or(0);
        if meta.is_file() && len > 0 {
            // SAFETY: a new private read-only mapping chosen by the kernel;
            // it replaces nothing.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE,
                    file.as_raw_fd(),
                    0,
                )
            };
            if p != libc::MAP_FAILED {
                return Ok(Image {
                    file,
                    bytes: Bytes::Mapped(p as *const u8, len),
                });
            }
        }
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut &file, &mut buf)?;
        Ok(Image {
            file,
            bytes: Bytes::Read(buf),
        })
    }

    /// The file to map segments from: `None` when the bytes were read
    /// (the file cannot be mapped, so segments are copied).
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        match self.bytes {
            Bytes::Mapped(..) => Some(self.file.as_fd()),
            Bytes::Read(_) => None,
        }
    }
}

impl std::ops::Deref for Image {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.bytes {
            // SAFETY: the mapping is `len` readable bytes and lives as long
            // as `self`.
            Bytes::Mapped(p, len) => unsafe { std::slice::from_raw_parts(*p, *len) },
            Bytes::Read(v) => v,
        }
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        if let Bytes::Mapped(p, len) = self.bytes {
            // SAFETY: our own mapping; no slice of it outlives `self`.
            unsafe {
                libc::munmap(p as *mut libc::c_void, len);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn maps_files_and_reads_the_rest() {
        let dir = std::env::temp_dir().join(format!("xlat-image-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("f");
        let want: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
        std::fs::File::create(&p).unwrap().write_all(&want).unwrap();
        let img = Image::open(&p).unwrap();
        assert_eq!(&img[..], &want[..]);
        assert!(img.fd().is_some());
        // The descriptor form leaves the caller's descriptor and offset alone.
        let f = File::open(&p).unwrap();
        let img2 = Image::from_fd(f.as_fd()).unwrap();
        assert_eq!(&img2[..], &want[..]);
        drop(img2);
        // Still open: mapping it again works.
        assert_eq!(Image::from_fd(f.as_fd()).unwrap().len(), want.len());
        let mut first = [0u8; 4];
        std::io::Read::read_exact(&mut &f, &mut first).unwrap();
        assert_eq!(first, want[..4]);
        // An empty file and a pipe are read, with no file to map.
        let e = dir.join("empty");
        std::fs::File::create(&e).unwrap();
        let img3 = Image::open(&e).unwrap();
        assert!(img3.is_empty() && img3.fd().is_none());
        let img4 = Image::open(Path::new("/proc/self/stat")).unwrap();
        assert!(!img4.is_empty() && img4.fd().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
