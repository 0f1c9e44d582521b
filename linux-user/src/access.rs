//! Checked access to guest pointers for syscall handlers: every read or
//! write goes through the fault-safe probes and fails with `EFAULT`.

use crate::errno::Errno;
use crate::mmap::{AddressSpace, PAGE_SIZE};

impl AddressSpace {
    /// Reads `buf.len()` bytes at guest `addr`.
    pub fn read_guest(&self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.read_bytes(addr, buf).map_err(|_| Errno::EFAULT)
    }

    /// Writes `buf` at guest `addr`.
    pub fn write_guest(&self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        self.write_bytes(addr, buf).map_err(|_| Errno::EFAULT)
    }

    /// Reads a little-endian u32.
    pub fn read_u32(&self, addr: u64) -> Result<u32, Errno> {
        let mut b = [0; 4];
        self.read_guest(addr, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Reads a little-endian u64.
    pub fn read_u64(&self, addr: u64) -> Result<u64, Errno> {
        let mut b = [0; 8];
        self.read_guest(addr, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Writes a little-endian u32.
    pub fn write_u32(&self, addr: u64, v: u32) -> Result<(), Errno> {
        self.write_guest(addr, &v.to_le_bytes())
    }

    /// Writes a little-endian u64.
    pub fn write_u64(&self, addr: u64, v: u64) -> Result<(), Errno> {
        self.write_guest(addr, &v.to_le_bytes())
    }

    /// Reads a NUL-terminated string of at most `max` bytes (without the
    /// NUL); longer strings give `ENAMETOOLONG`.
    pub fn read_cstring(&self, addr: u64, max: usize) -> Result<Vec<u8>, Errno> {
        let mut out = Vec::new();
        let mut a = addr;
        loop {
            let chunk = (PAGE_SIZE - (a % PAGE_SIZE)) as usize;
            let chunk = chunk.min(max + 1 - out.len());
            let mut buf = vec![0u8; chunk];
            self.read_guest(a, &mut buf)?;
            if let Some(n) = buf.iter().position(|&b| b == 0) {
                out.extend_from_slice(&buf[..n]);
                return Ok(out);
            }
            out.extend_from_slice(&buf);
            if out.len() > max {
                return Err(Errno(libc::ENAMETOOLONG));
            }
            a = a.checked_add(chunk as u64).ok_or(Errno::EFAULT)?;
        }
    }

    /// A host pointer for `[addr, addr+len)` to hand to a host syscall,
    /// which reports `EFAULT` itself for unmapped or protected pages (the
    /// whole range lies in the reservation, so the kernel can only touch
    /// guest memory). Guest NULL stays NULL.
    pub fn syscall_ptr(&self, addr: u64, len: u64) -> Result<*mut u8, Errno> {
        if addr == 0 {
            return Ok(std::ptr::null_mut());
        }
        self.release_code(addr, len);
        self.host_ptr(addr, len).ok_or(Errno::EFAULT)
    }
}

#[cfg(test)]
mod tests {
    use crate::mmap::{AddressSpace, prot};

    #[test]
    fn cstring_and_efault() {
        crate::probe::install_fault_handler(None).unwrap();
        let s = AddressSpace::reserve(34).unwrap();
        s.map_anon(0x10000, 0x1000, prot::READ | prot::WRITE);
        // A string ending exactly at the end of the mapping.
        s.write_guest(0x10ffc, b"abc\0").unwrap();
        assert_eq!(s.read_cstring(0x10ffc, 100).unwrap(), b"abc");
        // Unterminated at the end of the mapping: EFAULT.
        s.write_guest(0x10ffc, b"abcd").unwrap();
        assert_eq!(
            s.read_cstring(0x10ffc, 100),
            Err(crate::errno::Errno::EFAULT)
        );
        assert_eq!(
            s.read_cstring(0x10ffc, 2),
            Err(crate::errno::Errno(libc::ENAMETOOLONG))
        );
        s.write_u64(0x10010, 77).unwrap();
        assert_eq!(s.read_u64(0x10010).unwrap(), 77);
        assert!(s.read_u32(0x20000).is_err());
        assert!(s.syscall_ptr(s.limit() - 4, 8).is_err());
        assert!(s.syscall_ptr(0, 8).unwrap().is_null());
    }
}
