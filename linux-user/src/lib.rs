//! Linux user mode: ELF loading, guest address space, syscalls, signals; the xlat-<arch> binaries
