//! Storage control (Power ISA Book II): memory barriers and cache
//! management instructions available in problem state.

use super::{Ctx, TResult, Undef, require};
use crate::decode::Insn;
use crate::state::R_RESV_ADDR;
use xlat_ir::{MemFlags, Ordering, Terminal, Type};

/// Size in bytes of the block `dcbz` zeroes (the POWER8/9 cache line).
pub const DCBZ_BYTES: u64 = 128;

/// SYNC (hwsync, lwsync, ptesync), EIEIO: a full fence (x86-64 needs
/// nothing weaker to implement any of them). `sync` also clears the
/// reservation, as the ISA allows.
pub fn sync(c: &mut Ctx<'_>, i: Insn) -> TResult {
    if i.xo10() == 598 {
        // L = 0, 1, 2 (hwsync, lwsync, ptesync); 3 and up are reserved
        // in ISA 3.0 except as phwsync/plwsync in 3.1 (L = 4, 5).
        require(matches!(i.bits(22, 21), 0..=2))?;
        if i.bits(22, 21) == 0 {
            let clr = c.b.i64(u64::MAX);
            c.b.set(R_RESV_ADDR, clr);
        }
    }
    c.b.fence(Ordering::AcqRel);
    Ok(())
}

/// ISYNC: ends the block (instruction fetch context synchronisation).
pub fn isync(c: &mut Ctx<'_>, _i: Insn) -> TResult {
    c.b.fence(Ordering::AcqRel);
    let next = c.next_pc();
    c.b.terminate(Terminal::Jump(next));
    Ok(())
}

/// DCBZ: zeroes the aligned 128-byte block containing EA.
pub fn dcbz(c: &mut Ctx<'_>, i: Insn) -> TResult {
    let b = c.gpr(i.rb());
    let a = if i.ra() == 0 {
        b
    } else {
        let a = c.gpr(i.ra());
        c.b.add(a, b)
    };
    let m = c.b.i64(!(DCBZ_BYTES - 1));
    let base = c.b.and(a, m);
    let z = c.b.iconst(Type::V128, 0);
    for k in 0..DCBZ_BYTES / 16 {
        let off = c.b.i64(k * 16);
        let ad = c.b.add(base, off);
        c.b.store(ad, z, MemFlags::new(16));
    }
    Ok(())
}

/// DCBST, DCBF, DCBT, DCBTST: no effect on a coherent host (touch hints
/// never fault).
pub fn cache_nop(_c: &mut Ctx<'_>, _i: Insn) -> TResult {
    Ok(())
}

/// ICBI: ends the block with an exit to the dispatcher so that code
/// modified before it is translated anew (the world invalidates written
/// code pages; leaving here keeps the current block from running stale
/// instructions after it).
pub fn icbi(c: &mut Ctx<'_>, i: Insn) -> TResult {
    if i.rt() != 0 {
        return Err(Undef);
    }
    let next = c.next_pc();
    c.b.terminate(Terminal::Exit(next));
    Ok(())
}
