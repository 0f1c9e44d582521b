//! The host FPU's sticky exception flags on the current host thread.
//!
//! A frontend whose fast FP path runs guest arithmetic as host
//! instructions (and the interpreter's host float operations) leaves the
//! IEEE exception flags of that arithmetic in the host's status register;
//! it reads them back when the guest first looks at its own flags.

/// Bits of [`status`]: IEEE 754 exception flags in the order AArch64's
/// FPSR and most ISAs use.
pub mod flag {
    /// Invalid operation.
    pub const INVALID: u32 = 1;
    /// Division by zero.
    pub const DIV_BY_ZERO: u32 = 2;
    /// Overflow.
    pub const OVERFLOW: u32 = 4;
    /// Underflow.
    pub const UNDERFLOW: u32 = 8;
    /// Inexact.
    pub const INEXACT: u32 = 16;
}

/// The host's sticky exception flags (see [`flag`]); 0 on hosts where
/// they are not read.
pub fn status() -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        // MXCSR: IE bit 0, DE 1 (not an IEEE flag), ZE 2, OE 3, UE 4, PE 5.
        let m = mxcsr();
        (m & 1) | (m >> 1 & 0b11110)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        0
    }
}

/// Clears the host's sticky exception flags, keeping its control bits.
pub fn clear_status() {
    #[cfg(target_arch = "x86_64")]
    {
        let m = mxcsr() & !0x3f;
        // SAFETY: loads MXCSR from a local; only the status bits (0..5)
        // differ from the current value, so rounding, masks and
        // denormal handling of the host code stay as they are.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &m, options(nostack, preserves_flags, readonly));
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn mxcsr() -> u32 {
    let mut m: u32 = 0;
    // SAFETY: stores the 4-byte MXCSR into a local.
    unsafe {
        std::arch::asm!("stmxcsr [{}]", in(reg) &mut m, options(nostack, preserves_flags));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_arithmetic_sets_and_clear_clears() {
        clear_status();
        assert_eq!(status(), 0);
        let z = std::hint::black_box(0.0f64);
        let one = std::hint::black_box(1.0f64);
        let _ = std::hint::black_box(one / z);
        if cfg!(target_arch = "x86_64") {
            assert_eq!(status() & flag::DIV_BY_ZERO, flag::DIV_BY_ZERO);
            let _ = std::hint::black_box(one / std::hint::black_box(3.0f64));
            assert_ne!(status() & flag::INEXACT, 0);
            let _ = std::hint::black_box(z / z);
            assert_ne!(status() & flag::INVALID, 0);
        }
        clear_status();
        assert_eq!(status(), 0);
    }
}
