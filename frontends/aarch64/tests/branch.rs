//! Branches, exceptions and system instructions: terminals and state.

mod common;
use common::*;
use xlat_ir::{ExceptionKind, ExitCode, Terminal};

#[test]
fn direct_branches() {
    assert_eq!(term(&translate(&[0x14000010])), Terminal::Jump(CODE + 0x40));
    let b = translate(&[0x94000010]);
    assert_eq!(
        term(&b),
        Terminal::Call {
            target: CODE + 0x40,
            ret: CODE + 4
        }
    );
    let r = run(&[0x94000010], &state(&[]));
    assert_eq!((r.st.x[30], r.st.pc), (CODE + 4, CODE + 0x40));
    // backwards: b .-4 (imm26 = -1)
    assert_eq!(term(&translate(&[0x17ffffff])), Terminal::Jump(CODE - 4));
}

#[test]
fn indirect_branches() {
    let r = run(&[0xd61f0060], &state(&[(3, 0x4000)])); // br x3
    assert!(matches!(term(&r.block), Terminal::JumpIndirect(_)));
    assert_eq!(r.st.pc, 0x4000);
    let r = run(&[0xd63f0060], &state(&[(3, 0x4000)])); // blr x3
    assert_eq!((r.st.pc, r.st.x[30]), (0x4000, CODE + 4));
    let r = run(&[0xd65f03c0], &state(&[(30, 0x5000)])); // ret
    assert!(matches!(term(&r.block), Terminal::Return(_)));
    assert_eq!(r.st.pc, 0x5000);
    // blr x30 jumps to the old x30
    let r = run(&[0xd63f03c0], &state(&[(30, 0x6000)]));
    assert_eq!((r.st.pc, r.st.x[30]), (0x6000, CODE + 4));
}

fn taken(w: u32, st: &xlat_frontend_aarch64::Aarch64State) -> bool {
    let r = run(&[w], st);
    assert!(matches!(term(&r.block), Terminal::Branch { .. }));
    assert!(r.st.pc == CODE + 0x20 || r.st.pc == CODE + 4);
    r.st.pc == CODE + 0x20
}

#[test]
fn conditional_branches() {
    assert!(taken(0xb4000101, &state(&[(1, 0)]))); // cbz x1
    assert!(!taken(0xb4000101, &state(&[(1, 1 << 40)])));
    assert!(!taken(0x35000101, &state(&[(1, 1 << 40)]))); // cbnz w1: only low 32 bits
    assert!(taken(0x35000101, &state(&[(1, 2)])));
    assert!(taken(0xb6400101, &state(&[(1, 1)]))); // tbz x1, #40
    assert!(!taken(0xb6400101, &state(&[(1, 1 << 40)])));
    assert!(taken(0x37180101, &state(&[(1, 8)]))); // tbnz w1, #3
    let mut st = state(&[]);
    st.zf = 0;
    assert!(taken(0x54000101, &st)); // b.ne
    st.zf = 1;
    assert!(!taken(0x54000101, &st));
    st.nf = 1;
    st.vf = 1;
    assert!(taken(0x5400010a, &st)); // b.ge
    st.vf = 0;
    assert!(!taken(0x5400010a, &st));
}

fn exc(w: u32) -> (ExceptionKind, u64, u64) {
    match term(&translate(&[w])) {
        Terminal::Exception { kind, pc, info } => (kind, pc, info),
        t => panic!("{w:#x}: {t:?}"),
    }
}

#[test]
fn exceptions() {
    assert_eq!(exc(0xd4000001), (ExceptionKind::Syscall, CODE + 4, 0));
    assert_eq!(exc(0xd4207d00), (ExceptionKind::Breakpoint, CODE, 0x3e8));
    assert_eq!(exc(0x00000001).0, ExceptionKind::Undefined); // udf #1
    assert_eq!(exc(0xd4400000).0, ExceptionKind::Undefined); // hlt
    assert_eq!(
        exc(0xffffffff),
        (ExceptionKind::Undefined, CODE, 0xffff_ffff)
    );
    // An undefined instruction after valid ones: the earlier ones execute.
    let r = run(&[0x91000421, 0xffffffff], &state(&[(1, 1)]));
    assert_eq!(r.exit, ExitCode::Exception);
    assert_eq!((r.st.x[1], r.st.pc), (2, CODE + 4));
    // privileged system register: undefined
    assert_eq!(exc(0xd5381000).0, ExceptionKind::Undefined); // mrs x0, sctlr_el1
}

#[test]
fn hints_and_barriers() {
    // nop; dmb ish; bti c; paciasp continue the block
    let b = translate(&[0xd503201f, 0xd5033bbf, 0xd503245f, 0xd503233f]);
    assert_eq!(b.guest_insns, 4);
    assert_eq!(term(&b), Terminal::Jump(CODE + 16));
    // isb and yield end the block
    assert_eq!(translate(&[0xd5033fdf, 0xd503201f]).guest_insns, 1);
    assert_eq!(translate(&[0xd503203f, 0xd503201f]).guest_insns, 1);
}

#[test]
fn system_registers() {
    let mut st = state(&[(1, 0xa000_0000)]);
    st.tpidr_el0 = 0x1234;
    st.tpidrro_el0 = 0x99;
    let r = run(&[0xd53bd040], &st); // mrs x0, tpidr_el0
    assert_eq!(r.st.x[0], 0x1234);
    let r = run(&[0xd51bd041], &st); // msr tpidr_el0, x1
    assert_eq!(r.st.tpidr_el0, 0xa000_0000);
    let r = run(&[0xd51b4201], &st); // msr nzcv, x1 : N and C
    assert_eq!(nzcv(&r.st), 0b1010);
    let r = run(&[0xd51b4201, 0xd53b4200], &st); // then mrs x0, nzcv
    assert_eq!(r.st.x[0], 0xa000_0000);
    assert_eq!(run(&[0xd53b00e0], &st).st.x[0], 4); // dczid_el0
    assert_eq!(run(&[0xd53bd060], &st).st.x[0], 0x99); // tpidrro_el0
    assert_eq!(run(&[0xd53b0020], &st).st.x[0] >> 31, 1); // ctr_el0 RES1 bit 31
    assert_eq!(run(&[0xd5380000], &st).st.x[0] >> 24, 0x41); // midr_el1
    let a = run_once(&[0xd53be040], &st).x[0]; // cntvct_el0
    let b = run_once(&[0xd53be040], &st).x[0];
    assert!(a > 0 && b >= a);
    // msr tpidrro_el0 is not allowed at EL0
    let b = translate(&[0xd51bd061]);
    assert!(matches!(
        term(&b),
        Terminal::Exception {
            kind: ExceptionKind::Undefined,
            ..
        }
    ));
}

#[test]
fn block_limits() {
    use xlat_frontend_aarch64::Aarch64Frontend;
    use xlat_ir::TranslateOptions;
    let nops = vec![0xd503201fu32; 20];
    let opts = TranslateOptions { max_insns: 5 };
    let b = Aarch64Frontend.translate_block(CODE, &Code(nops.clone()), &opts);
    assert_eq!((b.guest_insns, term(&b)), (5, Terminal::Jump(CODE + 20)));
    // page boundary: start 2 instructions before the end of the page
    struct Far(Vec<u32>);
    impl xlat_ir::CodeSource for Far {
        fn read_code(&self, _a: u64, buf: &mut [u8]) -> Result<(), xlat_ir::abi::Fault> {
            buf.copy_from_slice(&self.0[0].to_le_bytes());
            Ok(())
        }
    }
    let b = Aarch64Frontend.translate_block(0x2ff8, &Far(nops), &TranslateOptions::default());
    assert_eq!((b.guest_insns, term(&b)), (2, Terminal::Jump(0x3000)));
    // fetch fault on the first instruction
    let b = Aarch64Frontend.translate_block(0x9000, &Code(vec![]), &TranslateOptions::default());
    assert_eq!(
        term(&b),
        Terminal::Exception {
            kind: ExceptionKind::FetchFault,
            pc: 0x9000,
            info: 0x9000
        }
    );
    // fetch fault later: block ends before it
    let b = translate(&[0xd503201f]);
    assert_eq!(term(&b), Terminal::Jump(CODE + 4));
    // misaligned PC
    let b = Aarch64Frontend.translate_block(CODE + 2, &Code(vec![]), &TranslateOptions::default());
    assert!(matches!(
        term(&b),
        Terminal::Exception {
            kind: ExceptionKind::PcAlignment,
            ..
        }
    ));
}
