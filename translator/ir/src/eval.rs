//! Reference semantics of the pure integer ops on constants. The
//! interpreter executes these and constant folding uses them, so the two
//! can never disagree.

use crate::{Cond, Opcode, Type};

fn mask(ty: Type, v: u128) -> u128 {
    if ty.bits() >= 128 {
        v
    } else {
        v & ((1u128 << ty.bits()) - 1)
    }
}

fn sext(ty: Type, v: u128) -> i128 {
    let sh = 128 - ty.bits();
    ((v << sh) as i128) >> sh
}

/// Evaluates a pure integer op whose operands are `a`, `b`, `c` (zero-extended
/// to 128 bits). `ty` is the result type, `aty` the first operand's type.
/// Returns `None` for ops that are not pure integer ops.
pub fn eval_int(
    op: Opcode,
    ty: Type,
    aty: Type,
    imm: u64,
    a: u128,
    b: u128,
    c: u128,
) -> Option<u128> {
    let bits = ty.bits();
    let amt = |b: u128| (b as u32) & (bits - 1);
    let r = match op {
        Opcode::Add => a.wrapping_add(b),
        Opcode::Sub => a.wrapping_sub(b),
        Opcode::Mul => a.wrapping_mul(b),
        Opcode::Umulh => match bits {
            128 => return None,
            _ => (mask(ty, a) * mask(ty, b)) >> bits,
        },
        Opcode::Smulh => match bits {
            128 => return None,
            _ => (sext(ty, a).wrapping_mul(sext(ty, b)) >> bits) as u128,
        },
        Opcode::Udiv => mask(ty, a).checked_div(mask(ty, b)).unwrap_or(0),
        Opcode::Urem => mask(ty, a).checked_rem(mask(ty, b)).unwrap_or(a),
        Opcode::Sdiv => {
            let (x, y) = (sext(ty, a), sext(ty, b));
            if y == 0 { 0 } else { x.wrapping_div(y) as u128 }
        }
        Opcode::Srem => {
            let (x, y) = (sext(ty, a), sext(ty, b));
            if y == 0 { a } else { x.wrapping_rem(y) as u128 }
        }
        Opcode::And => a & b,
        Opcode::Or => a | b,
        Opcode::Xor => a ^ b,
        Opcode::Shl => a << amt(b),
        Opcode::Lshr => mask(ty, a) >> amt(b),
        Opcode::Ashr => (sext(ty, a) >> amt(b)) as u128,
        Opcode::Rotr | Opcode::Rotl => {
            let a = mask(ty, a);
            let n = amt(b);
            let n = if op == Opcode::Rotl {
                (bits - n) % bits
            } else {
                n
            };
            if n == 0 {
                a
            } else {
                (a >> n) | (a << (bits - n))
            }
        }
        Opcode::Not => !a,
        Opcode::Neg => 0u128.wrapping_sub(a),
        Opcode::Clz => (mask(ty, a).leading_zeros() - (128 - bits)) as u128,
        Opcode::Cls => {
            let s = sext(ty, a);
            let x = if s < 0 { !s } else { s } as u128;
            (x.leading_zeros() - (128 - bits) - 1) as u128
        }
        Opcode::Ctz => mask(ty, a).trailing_zeros().min(bits) as u128,
        Opcode::Popcnt => mask(ty, a).count_ones() as u128,
        Opcode::Bswap => mask(ty, a).swap_bytes() >> (128 - bits),
        Opcode::Bitrev => mask(ty, a).reverse_bits() >> (128 - bits),
        Opcode::Icmp => Cond::from_imm(imm)?.eval(aty, a, b) as u128,
        Opcode::Select => {
            if a & 0xff != 0 {
                b
            } else {
                c
            }
        }
        Opcode::Zext => mask(aty, a),
        Opcode::Sext => sext(aty, a) as u128,
        Opcode::Trunc => a,
        _ => return None,
    };
    Some(mask(ty, r))
}
