//! `xlat-aarch64`: runs AArch64 Linux programs.

fn main() {
    xlat_linux_user::entry::main(&xlat_linux_user::arch::aarch64::ARCH)
}
