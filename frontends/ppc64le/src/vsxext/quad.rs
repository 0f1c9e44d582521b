//! IEEE binary128 (quad precision) instructions (Power ISA 3.0, po 63).

use crate::decode::Insn;
use crate::state::Ppc64State;

/// Executes the quad-precision instruction `i` on `st`; false if it is
/// not one.
pub fn exec(_st: &mut Ppc64State, _i: Insn) -> bool {
    false
}
