//! The `xlat-aarch64` command line: bad input files, logging (`-d`, `-D`,
//! `-strace`), guest argv/environment options and their `XLAT_*` variables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use xlat_tests::{Outcome, Status, expected, guest, run, tail, xlat_aarch64};

fn no_env() -> BTreeMap<String, String> {
    BTreeMap::new()
}

fn xlat(args: &[&str]) -> Outcome {
    run(xlat_aarch64(), args, &no_env())
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// A scratch file under cargo's per-crate temporary directory.
fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xlat-cli-tests");
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write scratch file");
    p
}

/// A host error: exactly one line on stderr naming the file, non-zero exit,
/// nothing on stdout, no panic.
fn assert_one_error_line(o: &Outcome, file: &Path) {
    o.assert_no_panic();
    assert!(
        matches!(o.status, Status::Exit(c) if c != 0),
        "`{}`: expected a non-zero exit, got {}; stderr:\n{}",
        o.cmdline,
        o.status,
        o.stderr
    );
    let lines: Vec<&str> = o.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "`{}`: expected one stderr line, got:\n{}",
        o.cmdline,
        o.stderr
    );
    assert!(
        lines[0].starts_with("xlat-aarch64: "),
        "`{}`: error line should start with the program name: {:?}",
        o.cmdline,
        lines[0]
    );
    let fname = file
        .file_name()
        .and_then(|f| f.to_str())
        .expect("file name");
    assert!(
        lines[0].contains(fname),
        "`{}`: error should name {fname}: {:?}",
        o.cmdline,
        lines[0]
    );
    assert!(
        o.stdout.is_empty(),
        "`{}`: unexpected stdout {:?}",
        o.cmdline,
        o.stdout_str()
    );
}

#[test]
fn non_elf_file() {
    let p = scratch(
        "not-elf.sh",
        b"#!/bin/sh\necho this is a shell script, not an ELF file\n",
    );
    assert_one_error_line(&xlat(&[s(&p)]), &p);
    let empty = scratch("empty", b"");
    assert_one_error_line(&xlat(&[s(&empty)]), &empty);
}

#[test]
fn missing_file() {
    let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join("does-not-exist");
    assert_one_error_line(&xlat(&[s(&p)]), &p);
}

#[test]
fn wrong_machine_elf() {
    // The x86-64 build of hello: a valid ELF for another machine.
    let p = guest("x86_64", "hello");
    let o = xlat(&[s(&p)]);
    assert_one_error_line(&o, &p);
    assert!(
        o.stderr.contains("x86"),
        "should name the machine: {}",
        o.stderr
    );
}

#[test]
fn truncated_elf() {
    let bytes = std::fs::read(guest("aarch64", "hello")).expect("read hello");
    for (i, len) in [20usize, 64, 100, 300, 4096].into_iter().enumerate() {
        let p = scratch(&format!("truncated-{i}"), &bytes[..len.min(bytes.len())]);
        assert_one_error_line(&xlat(&[s(&p)]), &p);
    }
}

#[test]
fn corrupt_elf_headers() {
    let good = std::fs::read(guest("aarch64", "hello")).expect("read hello");
    // (offset, value) patches of the ELF64 header, each making the file invalid.
    let patches: &[(&str, usize, &[u8])] = &[
        ("phoff-past-end", 0x20, &u64::MAX.to_le_bytes()),
        ("phnum-huge", 0x38, &0xffffu16.to_le_bytes()),
        ("phentsize-wrong", 0x36, &7u16.to_le_bytes()),
        ("class-32", 4, &[1]),
        ("big-endian", 5, &[2]),
    ];
    for (name, off, val) in patches {
        let mut b = good.clone();
        b[*off..*off + val.len()].copy_from_slice(val);
        let p = scratch(&format!("corrupt-{name}"), &b);
        assert_one_error_line(&xlat(&[s(&p)]), &p);
    }
    // A PT_LOAD whose file range lies beyond the end of the file.
    let mut b = good.clone();
    let phoff = u64::from_le_bytes(b[0x20..0x28].try_into().expect("8 bytes")) as usize;
    let phnum = u16::from_le_bytes([b[0x38], b[0x39]]) as usize;
    let load = (0..phnum)
        .map(|i| phoff + i * 56)
        .find(|&ph| u32::from_le_bytes(b[ph..ph + 4].try_into().expect("4 bytes")) == 1)
        .expect("hello has a PT_LOAD");
    b[load + 8..load + 16].copy_from_slice(&(1u64 << 40).to_le_bytes()); // p_offset
    let p = scratch("corrupt-load-offset", &b);
    assert_one_error_line(&xlat(&[s(&p)]), &p);
}

fn hello_out(o: &Outcome) {
    o.assert_no_panic();
    assert_eq!(
        o.stdout_str(),
        "Hello, world!\n",
        "`{}`; stderr:\n{}",
        o.cmdline,
        tail(&o.stderr, 30)
    );
    assert_eq!(
        o.status,
        Status::Exit(0),
        "`{}`; stderr:\n{}",
        o.cmdline,
        tail(&o.stderr, 30)
    );
}

/// Guest disassembly, IR and host code all appear in the log.
fn assert_log_markers(log: &str) {
    assert!(
        log.contains("svc"),
        "-d in_asm: no AArch64 `svc` in the log:\n{}",
        tail(log, 30)
    );
    assert!(
        ["ldr", "str", "stp", "adrp"]
            .iter()
            .any(|m| log.contains(m)),
        "-d in_asm: no AArch64 load/store mnemonic in the log:\n{}",
        tail(log, 30)
    );
    assert!(
        log.contains("insn_start"),
        "-d op: no `insn_start` in the log:\n{}",
        tail(log, 30)
    );
    assert!(
        log.contains("= get."),
        "-d op: no `get` op in the log:\n{}",
        tail(log, 30)
    );
    let x86 = [
        "rax",
        "rbx",
        "rcx",
        "rdx",
        "rsi",
        "rdi",
        "rbp",
        "rsp",
        "r15",
        "qword ptr",
    ];
    assert!(
        x86.iter().any(|m| log.contains(m)),
        "-d out_asm: no x86-64 register name in the log:\n{}",
        tail(log, 30)
    );
}

#[test]
fn log_in_asm_op_out_asm_to_stderr() {
    let hello = guest("aarch64", "hello");
    let o = xlat(&["-tier", "jit", "-d", "in_asm,op,out_asm", s(&hello)]);
    hello_out(&o);
    assert_log_markers(&o.stderr);
}

#[test]
fn log_to_file_with_big_d() {
    let hello = guest("aarch64", "hello");
    let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xlat-cli-hello.log");
    let _ = std::fs::remove_file(&log);
    let o = xlat(&[
        "-tier",
        "jit",
        "-d",
        "in_asm,op,out_asm",
        "-D",
        s(&log),
        s(&hello),
    ]);
    hello_out(&o);
    let text = std::fs::read_to_string(&log).expect("-D FILE was not written");
    assert_log_markers(&text);
    assert!(
        !o.stderr.contains("insn_start"),
        "with -D the log must not go to stderr"
    );
}

#[test]
fn strace_shows_write() {
    let hello = guest("aarch64", "hello");
    let o = xlat(&["-strace", s(&hello)]);
    hello_out(&o);
    assert!(
        o.stderr.contains("write(1,"),
        "-strace: no `write(1,` line:\n{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("exit_group("),
        "-strace: no `exit_group(` line:\n{}",
        o.stderr
    );
    // The same through the environment variable.
    let env = BTreeMap::from([("XLAT_STRACE".to_owned(), "1".to_owned())]);
    let o = run(xlat_aarch64(), &[s(&hello)], &env);
    hello_out(&o);
    assert!(
        o.stderr.contains("write(1,"),
        "XLAT_STRACE=1: no `write(1,` line:\n{}",
        o.stderr
    );
}

#[test]
fn exec_log_lists_blocks() {
    let p = guest("aarch64", "rawhello");
    let o = xlat(&["-tier", "interp", "-d", "exec", s(&p)]);
    o.assert_no_panic();
    assert_eq!(o.stdout_str(), "raw hello\n");
    // rawhello's entry point (first block) is 0x400078 with the default linker script
    assert!(
        o.stderr.contains("400078"),
        "-d exec: entry block not logged:\n{}",
        tail(&o.stderr, 20)
    );
}

/// The expected output of `args` with some lines replaced.
fn args_expected_with(replace: &[(&str, &str)]) -> String {
    let mut text = String::from_utf8(expected("args", "args").stdout).expect("UTF-8");
    for (from, to) in replace {
        assert!(text.contains(from), "expected file lacks {from:?}");
        text = text.replace(from, to);
    }
    text
}

#[test]
fn guest_env_and_argv0_options() {
    let exp = expected("args", "args");
    let p = guest("aarch64", "args");
    let mut a = vec![
        "-E",
        "GUEST_TEST_B=beta",
        "-U",
        "GUEST_TEST_A",
        "-0",
        "renamed",
        s(&p),
    ];
    a.extend(exp.args.iter().map(String::as_str));
    let o = run(xlat_aarch64(), &a, &exp.env);
    o.assert_no_panic();
    let want = args_expected_with(&[
        ("env GUEST_TEST_A=alpha", "env GUEST_TEST_A=(unset)"),
        ("env GUEST_TEST_B=b=c d", "env GUEST_TEST_B=beta"),
        ("argv[0] basename=args", "argv[0] basename=renamed"),
    ]);
    assert_eq!(
        o.stdout_str(),
        want,
        "`{}`; stderr:\n{}",
        o.cmdline,
        tail(&o.stderr, 20)
    );
    assert_eq!(o.status, Status::Exit(0));
}

#[test]
fn guest_env_options_from_environment() {
    let exp = expected("args", "args");
    let p = guest("aarch64", "args");
    let mut env = exp.env.clone();
    env.insert("XLAT_SET_ENV".into(), "GUEST_TEST_B=beta".into());
    env.insert("XLAT_UNSET_ENV".into(), "GUEST_TEST_A".into());
    env.insert("XLAT_ARGV0".into(), "renamed".into());
    let mut a = vec![s(&p)];
    a.extend(exp.args.iter().map(String::as_str));
    let o = run(xlat_aarch64(), &a, &env);
    o.assert_no_panic();
    let got = o.stdout_str();
    for line in [
        "env GUEST_TEST_A=(unset)",
        "env GUEST_TEST_B=beta",
        "argv[0] basename=renamed",
    ] {
        assert!(
            got.contains(line),
            "`{}`: missing {line:?} in:\n{got}",
            o.cmdline
        );
    }
}

#[test]
fn options_after_program_go_to_guest() {
    // `-strace` and `-d` after PROGRAM are guest arguments, not xlat options.
    let p = guest("aarch64", "args");
    let o = xlat(&[s(&p), "-strace", "-d", "op"]);
    o.assert_no_panic();
    let got = o.stdout_str();
    assert!(got.contains("argc=4\n"), "`{}`:\n{got}", o.cmdline);
    assert!(
        got.contains("argv[1]=[-strace]\n") && got.contains("argv[3]=[op]\n"),
        "{got}"
    );
    assert!(
        !o.stderr.contains("insn_start"),
        "xlat parsed -d after PROGRAM"
    );
}

#[test]
fn tier_from_environment_and_bad_value() {
    let hello = guest("aarch64", "hello");
    for tier in ["interp", "jit", "mixed"] {
        let env = BTreeMap::from([("XLAT_TIER".to_owned(), tier.to_owned())]);
        hello_out(&run(xlat_aarch64(), &[s(&hello)], &env));
    }
    let o = xlat(&["-tier", "bogus", s(&hello)]);
    o.assert_no_panic();
    assert!(
        matches!(o.status, Status::Exit(c) if c != 0),
        "-tier bogus accepted: {}",
        o.status
    );
    assert!(o.stdout.is_empty(), "guest ran despite -tier bogus");
}

#[test]
fn version_and_help() {
    let o = xlat(&["-version"]);
    o.assert_no_panic();
    assert_eq!(o.status, Status::Exit(0));
    assert!(
        o.stdout_str().contains(env!("CARGO_PKG_VERSION")),
        "-version: {}",
        o.stdout_str()
    );
    let o = xlat(&["-h"]);
    o.assert_no_panic();
    assert_eq!(o.status, Status::Exit(0));
    let help = o.stdout_str();
    for opt in [
        "-tier",
        "-strace",
        "-one-insn-per-tb",
        "-L",
        "-E",
        "-U",
        "-0",
        "-D",
    ] {
        assert!(help.contains(opt), "-h does not mention {opt}:\n{help}");
    }
}

#[test]
fn no_program_is_an_error() {
    let o = xlat(&[]);
    o.assert_no_panic();
    assert!(
        matches!(o.status, Status::Exit(c) if c != 0),
        "no PROGRAM accepted: {}",
        o.status
    );
}
