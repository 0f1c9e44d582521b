//! AArch64 (A64) guest frontend: the CPU state, a declarative decode table,
//! and translate functions grouped by section of the Arm Architecture
//! Reference Manual, each calling only the IR builder.

pub mod state;

pub use state::{Aarch64State, LAYOUT};
