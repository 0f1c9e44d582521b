//! Tier 0: executes xlat IR directly
