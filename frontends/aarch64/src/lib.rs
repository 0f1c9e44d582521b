//! AArch64 guest: decode table, translators, CPU state
