//! Tier 1: lowers xlat IR to host code with Cranelift
