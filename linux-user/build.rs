//! Link settings for the `xlat-<arch>` binaries.
//!
//! They are linked with `-z pack-relative-relocs` (DT_RELR, binutils ≥ 2.38,
//! glibc ≥ 2.36): as a plain PIE, xlat-aarch64 carried ~95 000
//! `R_X86_64_RELATIVE` relocations (2.2 MiB of `.rela.dyn`, mostly
//! Cranelift's and the decoders' tables) that the dynamic loader read and
//! applied one 24-byte entry at a time at every start, ≈ 1.4 M host
//! instructions — about 6 % of a guest hello world at tier 0. RELR encodes
//! them as a bitmap of a few KiB.
//!
//! They are also position-dependent executables (`-no-pie`): applying the
//! RELR bitmap still wrote 95 000 words (≈ 1.05 M host instructions and
//! a copy-on-write fault for every page of pointer tables) at every
//! start; a fixed-address executable has none to apply (static `hello`
//! at `-tier interp`: 17.62 M → 16.61 M host instructions on ppc64le,
//! 12.24 M → 11.20 M on AArch64). The code is still compiled
//! position-independent (rustc's default), only the link differs. An
//! earlier attempt broke `-tier jit` (cranelift-jit's own memory
//! provider put a region's code and data more than 2 GiB apart, out of
//! reach of their 32-bit PC-relative relocations); since the JIT
//! allocates each generation's code and data in one 16 MiB arena
//! (`translator/jit/src/memory.rs`) that cannot happen.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
        // After rustc's own `-pie`: the last one counts.
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
