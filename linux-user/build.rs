//! Link settings for the `xlat-<arch>` binaries.
//!
//! They are linked with `-z pack-relative-relocs` (DT_RELR, binutils ≥ 2.38,
//! glibc ≥ 2.36): as a plain PIE, xlat-aarch64 carried ~95 000
//! `R_X86_64_RELATIVE` relocations (2.2 MiB of `.rela.dyn`, mostly
//! Cranelift's and the decoders' tables) that the dynamic loader read and
//! applied one 24-byte entry at a time at every start, ≈ 1.4 M host
//! instructions — about 6 % of a guest hello world at tier 0. RELR encodes
//! them as a bitmap of a few KiB. A position-dependent link (`-no-pie`)
//! would remove them altogether but moves the heap next to the binary, and
//! cranelift-jit then failed a 32-bit PC-relative relocation between its
//! allocations (`-tier jit`), so the binaries stay PIEs.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
