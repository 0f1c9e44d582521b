//! FEAT_BTI: BTYPE written by indirect branches, the landing-pad check at
//! block entry in guarded pages, and no tracking at all while the world
//! has no guarded pages or the model lacks BTI. Blocks run at tier 0
//! (unoptimised and optimised).

use xlat_frontend_aarch64::cpu::{self, CpuModel};
use xlat_frontend_aarch64::{Aarch64Frontend, Aarch64State, LAYOUT};
use xlat_interp::testutil::{VecMem, exec_block, read_word};
use xlat_ir::abi::{Fault, FaultKind};
use xlat_ir::frontend::CodeSource;
use xlat_ir::{ExitCode, TranslateOptions};

const CODE: u64 = 0x1000;
const BTI_C: u32 = 0xd503_245f;
const BTI_J: u32 = 0xd503_249f;
const MOV_X0_7: u32 = 0xd280_00e0;
const BR_X9: u32 = 0xd61f_0120;
const BR_X16: u32 = 0xd61f_0200;
const BLR_X9: u32 = 0xd63f_0120;
const RET: u32 = 0xd65f_03c0;

/// Code at [`CODE`] in a page that is guarded or not (`None`: the world
/// has no guarded pages).
struct Code(Vec<u32>, Option<bool>);

impl CodeSource for Code {
    fn read_code(&self, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        read_word(CODE, &self.0, addr, buf)
    }
    fn code_guarded(&self, _addr: u64) -> Option<bool> {
        self.1
    }
}

/// Runs the block of `words` on a state with BTYPE `btype` (X9 = 0x2000,
/// X16 = 0x3000) through both the unoptimised and the optimised block.
fn run(
    model: &'static CpuModel,
    words: &[u32],
    guarded: Option<bool>,
    btype: u64,
) -> (Box<Aarch64State>, ExitCode) {
    let b = Aarch64Frontend::new(model).translate_block(
        CODE,
        &Code(words.to_vec(), guarded),
        &TranslateOptions::default(),
    );
    xlat_ir::verify(&b, &LAYOUT).expect("verifies");
    let mut opt = b.clone();
    xlat_ir::passes::optimize(&mut opt, &LAYOUT);
    let mem = VecMem::new(0x10000, 0x1000);
    let mut out = Vec::new();
    for blk in [&b, &opt] {
        let mut st = Box::<Aarch64State>::default();
        st.btype = btype;
        st.x[9] = 0x2000;
        st.x[16] = 0x3000;
        st.x[30] = 0x4000;
        // SAFETY: `st` is an Aarch64State, the layout of the block.
        let e = unsafe { exec_block(blk, &LAYOUT, &mut *st, &mem) };
        out.push((st, e));
    }
    let (b, a) = (out.pop().expect("two"), out.pop().expect("two"));
    assert_eq!(a.1, b.1, "optimised block exits differently");
    assert_eq!(
        (a.0.btype, a.0.pc, a.0.x[0], a.0.hdr.exc_info),
        (b.0.btype, b.0.pc, b.0.x[0], b.0.hdr.exc_info),
        "optimised block differs"
    );
    a
}

fn max() -> &'static CpuModel {
    cpu::find("max").expect("max")
}

#[test]
fn indirect_branches_set_btype() {
    let cases = [
        (BR_X9, Some(true), 3, 0x2000),
        (BR_X16, Some(true), 1, 0x3000),
        (BLR_X9, Some(true), 2, 0x2000),
        // BR from an unguarded page: 0b01 whatever the register.
        (BR_X9, Some(false), 1, 0x2000),
        (BLR_X9, Some(false), 2, 0x2000),
        (RET, Some(true), 0, 0x4000),
    ];
    for (insn, g, want, pc) in cases {
        let (st, e) = run(max(), &[insn], g, 0);
        assert_eq!(e, ExitCode::Continue);
        assert_eq!((st.btype, st.pc), (want, pc), "{insn:08x} guarded {g:?}");
    }
}

#[test]
fn landing_pads_are_checked_in_guarded_pages() {
    // No landing pad: every non-zero BTYPE faults at the first instruction,
    // before it executes; BTYPE stays in the state for the signal frame.
    for bt in 1..=3 {
        let (st, e) = run(max(), &[MOV_X0_7, RET], Some(true), bt);
        assert_eq!(e, ExitCode::Fault, "btype {bt}");
        assert_eq!(st.hdr.fault_kind, FaultKind::BranchTarget as u32);
        assert_eq!(
            (st.hdr.exc_info, st.pc, st.x[0], st.btype),
            (CODE, CODE, 0, bt)
        );
    }
    // BTI c accepts 01 and 10, not 11; BTI j accepts 01 and 11, not 10.
    for (pad, bt, ok) in [
        (BTI_C, 1, true),
        (BTI_C, 2, true),
        (BTI_C, 3, false),
        (BTI_J, 1, true),
        (BTI_J, 2, false),
        (BTI_J, 3, true),
    ] {
        let (st, e) = run(max(), &[pad, MOV_X0_7, RET], Some(true), bt);
        if ok {
            assert_eq!(e, ExitCode::Continue, "{pad:08x} btype {bt}");
            assert_eq!((st.x[0], st.btype, st.pc), (7, 0, 0x4000));
        } else {
            assert_eq!(e, ExitCode::Fault, "{pad:08x} btype {bt}");
            assert_eq!(st.pc, CODE);
        }
    }
    // BTYPE 0: nothing to check; an unguarded page: never checked, cleared.
    let (st, e) = run(max(), &[MOV_X0_7, RET], Some(true), 0);
    assert_eq!((e, st.x[0]), (ExitCode::Continue, 7));
    let (st, e) = run(max(), &[MOV_X0_7, RET], Some(false), 3);
    assert_eq!((e, st.x[0], st.btype), (ExitCode::Continue, 7, 0));
}

#[test]
fn nothing_is_tracked_without_guarded_pages_or_bti() {
    let a53 = cpu::find("cortex-a53").expect("a53");
    for (model, g) in [(max(), None), (a53, Some(true)), (a53, None)] {
        let (st, e) = run(model, &[MOV_X0_7, BR_X9], g, 3);
        assert_eq!((e, st.x[0], st.pc), (ExitCode::Continue, 7, 0x2000));
        // BTYPE is neither checked, nor cleared, nor set.
        assert_eq!(st.btype, 3, "{} {g:?}", model.name);
    }
}
