//! Guest errno values (the Linux generic numbering, shared by AArch64,
//! x86-64 and PPC64 for everything xlat returns) and their names.

/// A guest errno (positive); syscalls return `-errno` in the result register.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Errno(pub i32);

impl Errno {
    /// Bad address.
    pub const EFAULT: Errno = Errno(libc::EFAULT);
    /// Invalid argument.
    pub const EINVAL: Errno = Errno(libc::EINVAL);
    /// Function not implemented.
    pub const ENOSYS: Errno = Errno(libc::ENOSYS);
    /// Out of memory.
    pub const ENOMEM: Errno = Errno(libc::ENOMEM);
    /// No such file or directory.
    pub const ENOENT: Errno = Errno(libc::ENOENT);
    /// Not a typewriter.
    pub const ENOTTY: Errno = Errno(libc::ENOTTY);
    /// Bad file descriptor.
    pub const EBADF: Errno = Errno(libc::EBADF);
    /// Operation not permitted.
    pub const EPERM: Errno = Errno(libc::EPERM);
    /// Result too large.
    pub const ERANGE: Errno = Errno(libc::ERANGE);
    /// No such process.
    pub const ESRCH: Errno = Errno(libc::ESRCH);
    /// File exists.
    pub const EEXIST: Errno = Errno(libc::EEXIST);
    /// Argument list too long.
    pub const E2BIG: Errno = Errno(libc::E2BIG);

    /// The calling thread's last host errno.
    pub fn last() -> Errno {
        Errno(
            std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO),
        )
    }

    /// Symbolic name (`ENOENT`), or `E?` for unknown values.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(n, _)| *n == self.0)
            .map(|(_, s)| *s)
            .unwrap_or("E?")
    }

    /// Human-readable description, as strerror gives it.
    pub fn description(self) -> String {
        std::io::Error::from_raw_os_error(self.0)
            .to_string()
            .split(" (os error")
            .next()
            .unwrap_or("")
            .to_string()
    }
}

static NAMES: &[(i32, &str)] = &[
    (libc::EPERM, "EPERM"),
    (libc::ENOENT, "ENOENT"),
    (libc::ESRCH, "ESRCH"),
    (libc::EINTR, "EINTR"),
    (libc::EIO, "EIO"),
    (libc::ENXIO, "ENXIO"),
    (libc::E2BIG, "E2BIG"),
    (libc::ENOEXEC, "ENOEXEC"),
    (libc::EBADF, "EBADF"),
    (libc::ECHILD, "ECHILD"),
    (libc::EAGAIN, "EAGAIN"),
    (libc::ENOMEM, "ENOMEM"),
    (libc::EACCES, "EACCES"),
    (libc::EFAULT, "EFAULT"),
    (libc::EBUSY, "EBUSY"),
    (libc::EEXIST, "EEXIST"),
    (libc::EXDEV, "EXDEV"),
    (libc::ENODEV, "ENODEV"),
    (libc::ENOTDIR, "ENOTDIR"),
    (libc::EISDIR, "EISDIR"),
    (libc::EINVAL, "EINVAL"),
    (libc::ENFILE, "ENFILE"),
    (libc::EMFILE, "EMFILE"),
    (libc::ENOTTY, "ENOTTY"),
    (libc::EFBIG, "EFBIG"),
    (libc::ENOSPC, "ENOSPC"),
    (libc::ESPIPE, "ESPIPE"),
    (libc::EROFS, "EROFS"),
    (libc::EMLINK, "EMLINK"),
    (libc::EPIPE, "EPIPE"),
    (libc::EDOM, "EDOM"),
    (libc::ERANGE, "ERANGE"),
    (libc::EDEADLK, "EDEADLK"),
    (libc::ENAMETOOLONG, "ENAMETOOLONG"),
    (libc::ENOSYS, "ENOSYS"),
    (libc::ENOTEMPTY, "ENOTEMPTY"),
    (libc::ELOOP, "ELOOP"),
    (libc::ENODATA, "ENODATA"),
    (libc::ETIMEDOUT, "ETIMEDOUT"),
    (libc::EOPNOTSUPP, "EOPNOTSUPP"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions() {
        assert_eq!(Errno(2).name(), "ENOENT");
        assert_eq!(Errno(38).name(), "ENOSYS");
        assert_eq!(Errno(9999).name(), "E?");
        assert_eq!(Errno(2).description(), "No such file or directory");
    }
}
