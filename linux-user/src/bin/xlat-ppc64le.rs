//! `xlat-ppc64le`: runs PowerPC 64-bit little-endian Linux programs.

fn main() {
    xlat_linux_user::entry::main(&xlat_linux_user::arch::ppc64le::ARCH)
}
