//! The printer behind `-d op`: one line per instruction, then the terminal.

use crate::verify::nargs;
use crate::{Block, Cond, FCond, Lanes, MemFlags, Ordering, RmwOp, Shape, StateLayout, Terminal};
use std::fmt::Write;

/// Renders a block as text.
pub fn print_block(b: &Block, layout: &StateLayout) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "block 0x{:x} ({} guest insns, {} bytes):",
        b.pc, b.guest_insns, b.guest_len
    );
    for (i, inst) in b.insts.iter().enumerate() {
        s.push_str("  ");
        if inst.ty != crate::Type::Void {
            let _ = write!(s, "v{i} = ");
        }
        let _ = write!(s, "{}", inst.op.name());
        if inst.ty != crate::Type::Void {
            let _ = write!(s, ".{}", inst.ty);
        }
        let shape = inst.op.shape();
        let args: Vec<String> = inst.args[..nargs(shape, inst)]
            .iter()
            .map(|a| a.to_string())
            .collect();
        let reg = |imm: u64| {
            layout
                .regs
                .get(imm as usize)
                .map(|r| r.name.to_string())
                .unwrap_or_else(|| format!("r{imm}"))
        };
        let imm = match shape {
            Shape::Const => Some(format!("0x{:x}", inst.imm)),
            Shape::Get | Shape::Set => Some(reg(inst.imm)),
            Shape::Marker => Some(format!("0x{:x}", inst.imm)),
            Shape::Cmp => Cond::from_imm(inst.imm).map(|c| c.name().to_string()),
            Shape::FCmp => FCond::from_imm(inst.imm).map(|c| c.name().to_string()),
            Shape::FTer if inst.op == crate::Opcode::Fnan => {
                crate::NanRule::from_imm(inst.imm).map(|r| format!("{r:?}"))
            }
            Shape::Load | Shape::Store | Shape::Cas => {
                Some(format!("[{}]", MemFlags::from_imm(inst.imm)))
            }
            Shape::Rmw => Some(format!(
                "{} [{}]",
                RmwOp::from_imm(inst.imm).map_or("?", |o| o.name()),
                MemFlags::from_imm(inst.imm)
            )),
            Shape::Fence => Some(
                match inst.imm {
                    1 => "acq",
                    2 => "rel",
                    _ if inst.imm == Ordering::AcqRel as u64 => "full",
                    _ => "relaxed",
                }
                .to_string(),
            ),
            Shape::Call => Some(
                b.helpers
                    .get(inst.imm as usize)
                    .map_or("?".to_string(), |h| h.name.to_string()),
            ),
            Shape::VBin | Shape::VUn | Shape::VSplat => {
                Some(Lanes::from_imm(inst.imm).name().to_string())
            }
            Shape::VExtract | Shape::VInsert => Some(format!(
                "{}[{}]",
                Lanes::from_imm(inst.imm).name(),
                inst.imm >> 8
            )),
            _ => None,
        };
        let mut parts = Vec::new();
        if let Some(imm) = imm {
            parts.push(imm);
        }
        parts.extend(args);
        if !parts.is_empty() {
            let _ = write!(s, " {}", parts.join(", "));
        }
        s.push('\n');
    }
    match b.term {
        Some(t) => {
            let _ = writeln!(s, "  {}", print_terminal(&t));
        }
        None => s.push_str("  <no terminal>\n"),
    }
    s
}

/// Renders a terminal.
pub fn print_terminal(t: &Terminal) -> String {
    match *t {
        Terminal::Jump(pc) => format!("jump 0x{pc:x}"),
        Terminal::Call { target, ret } => format!("call 0x{target:x} (ret 0x{ret:x})"),
        Terminal::Branch {
            cond,
            taken,
            not_taken,
        } => format!("branch {cond}, 0x{taken:x}, 0x{not_taken:x}"),
        Terminal::JumpIndirect(v) => format!("jump_indirect {v}"),
        Terminal::Return(v) => format!("return {v}"),
        Terminal::Exception { kind, pc, info } => {
            format!("exception {kind:?} pc=0x{pc:x} info=0x{info:x}")
        }
        Terminal::Exit(pc) => format!("exit 0x{pc:x}"),
    }
}
