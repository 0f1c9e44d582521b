//! POWER10 matrix-multiply assist (MMA, Power ISA 3.1).
