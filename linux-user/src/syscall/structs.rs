//! Structures whose guest layout differs from the host's, one conversion
//! function each.

/// Encodes a host `struct stat` in the asm-generic 64-bit layout (AArch64,
/// RISC-V, LoongArch): 128 bytes, `st_mode`/`st_nlink` as 32-bit fields,
/// `st_blksize` as a 32-bit field (x86-64 has `st_nlink` 64-bit before
/// `st_mode`).
pub fn stat_generic64(st: &libc::stat) -> Vec<u8> {
    let mut b = vec![0u8; 128];
    let mut put = |off: usize, bytes: &[u8]| b[off..off + bytes.len()].copy_from_slice(bytes);
    put(0, &st.st_dev.to_le_bytes());
    put(8, &st.st_ino.to_le_bytes());
    put(16, &st.st_mode.to_le_bytes());
    put(20, &(st.st_nlink as u32).to_le_bytes());
    put(24, &st.st_uid.to_le_bytes());
    put(28, &st.st_gid.to_le_bytes());
    put(32, &st.st_rdev.to_le_bytes());
    put(48, &st.st_size.to_le_bytes());
    put(56, &(st.st_blksize as i32).to_le_bytes());
    put(64, &st.st_blocks.to_le_bytes());
    put(72, &st.st_atime.to_le_bytes());
    put(80, &st.st_atime_nsec.to_le_bytes());
    put(88, &st.st_mtime.to_le_bytes());
    put(96, &st.st_mtime_nsec.to_le_bytes());
    put(104, &st.st_ctime.to_le_bytes());
    put(112, &st.st_ctime_nsec.to_le_bytes());
    b
}

/// Encodes `struct utsname` (6 fields of 65 bytes) with the given machine.
pub fn utsname(host: &libc::utsname, machine: &str) -> Vec<u8> {
    let mut b = vec![0u8; 65 * 6];
    let fields: [&[libc::c_char]; 5] = [
        &host.sysname,
        &host.nodename,
        &host.release,
        &host.version,
        &host.domainname,
    ];
    let slots = [0, 1, 2, 3, 5];
    for (f, slot) in fields.iter().zip(slots) {
        for (i, c) in f.iter().take(64).enumerate() {
            if *c == 0 {
                break;
            }
            b[slot * 65 + i] = *c as u8;
        }
    }
    let m = machine.as_bytes();
    b[4 * 65..4 * 65 + m.len().min(64)].copy_from_slice(&m[..m.len().min(64)]);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_layout_matches_aarch64() {
        // SAFETY: a zeroed stat is a valid value.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        st.st_dev = 0x0102;
        st.st_ino = 0x1122334455;
        st.st_mode = 0o100644;
        st.st_nlink = 3;
        st.st_uid = 1000;
        st.st_gid = 100;
        st.st_size = 0x1_0000_0001;
        st.st_blksize = 4096;
        st.st_blocks = 9;
        st.st_mtime = 1_700_000_000;
        st.st_mtime_nsec = 123;
        let b = stat_generic64(&st);
        let u32at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        let u64at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        // Offsets from the AArch64 glibc <bits/struct_stat.h>.
        assert_eq!(u64at(0), 0x0102);
        assert_eq!(u64at(8), 0x1122334455);
        assert_eq!(u32at(16), 0o100644);
        assert_eq!(u32at(20), 3);
        assert_eq!(u32at(24), 1000);
        assert_eq!(u32at(28), 100);
        assert_eq!(u64at(48), 0x1_0000_0001);
        assert_eq!(u32at(56), 4096);
        assert_eq!(u64at(64), 9);
        assert_eq!(u64at(88), 1_700_000_000);
        assert_eq!(u64at(96), 123);
        assert_eq!(b.len(), 128);
    }

    #[test]
    fn utsname_machine_replaced() {
        // SAFETY: uname fills the struct.
        let mut u: libc::utsname = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        assert_eq!(unsafe { libc::uname(&mut u) }, 0);
        let b = utsname(&u, "aarch64");
        assert_eq!(&b[4 * 65..4 * 65 + 8], b"aarch64\0");
        assert_eq!(&b[0..6], b"Linux\0");
    }
}
