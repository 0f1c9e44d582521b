//! Linux user mode: ELF loading, guest address space, syscalls, signals;
//! the `xlat-<arch>` binaries.
//!
//! Everything here is architecture-neutral except `arch/<guest>.rs`, which
//! holds one guest's ABI: syscall numbers, structure layouts, auxv values.

pub mod access;
pub mod arch;
pub mod binfmt;
pub mod cli;
pub mod dlog;
pub mod elf;
pub mod entry;
pub mod errno;
pub mod image;
pub mod log;
pub mod mmap;
pub mod perfmap;
pub mod probe;
pub mod procfs;
pub mod run;
pub mod safe_syscall;
pub mod signal;
pub mod stack;
pub mod strace;
pub mod syscall;
pub mod thread;
pub mod vdso;
