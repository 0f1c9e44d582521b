//! `-strace` formatting: `name(args...) = result`, with strings quoted
//! and truncated, common flags symbolic and errors as `-1 ENOENT (...)`.

use crate::errno::Errno;
use crate::syscall::{ArgKind, Process, RetKind, SysResult, SyscallDef};
use std::fmt::Write;

/// Longest string shown before `...`.
const MAX_STR: usize = 32;

/// Quotes bytes C-style.
pub fn quote(b: &[u8], truncated: bool) -> String {
    let mut s = String::from("\"");
    for &c in b {
        match c {
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => {
                let _ = write!(s, "\\{c:o}");
            }
        }
    }
    s.push('"');
    if truncated {
        s.push_str("...");
    }
    s
}

fn flags(v: u64, names: &[(u64, &str)], zero: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut rest = v;
    for (bit, name) in names {
        if *bit != 0 && v & bit == *bit {
            parts.push((*name).to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        parts.push(format!("0x{rest:x}"));
    }
    if parts.is_empty() {
        zero.to_string()
    } else {
        parts.join("|")
    }
}

/// Formats `PROT_*` bits.
pub fn prot_str(v: u64) -> String {
    flags(
        v,
        &[(1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC")],
        "PROT_NONE",
    )
}

/// Formats `MAP_*` flags.
pub fn map_flags_str(v: u64) -> String {
    let kind = match v & 3 {
        1 => "MAP_SHARED",
        2 => "MAP_PRIVATE",
        3 => "MAP_SHARED_VALIDATE",
        _ => "0",
    };
    let rest = flags(
        v & !3,
        &[
            (0x10, "MAP_FIXED"),
            (0x20, "MAP_ANONYMOUS"),
            (0x100, "MAP_GROWSDOWN"),
            (0x800, "MAP_DENYWRITE"),
            (0x2000, "MAP_LOCKED"),
            (0x4000, "MAP_NORESERVE"),
            (0x8000, "MAP_POPULATE"),
            (0x20000, "MAP_STACK"),
            (0x100000, "MAP_FIXED_NOREPLACE"),
        ],
        "",
    );
    if rest.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}|{rest}")
    }
}

/// Formats host-numbered `open` flags.
pub fn open_flags_str(host: i32) -> String {
    let acc = match host & 3 {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        2 => "O_RDWR",
        _ => "O_ACCMODE",
    };
    let rest = flags(
        (host & !3) as u32 as u64,
        &[
            (libc::O_CREAT as u64, "O_CREAT"),
            (libc::O_EXCL as u64, "O_EXCL"),
            (libc::O_NOCTTY as u64, "O_NOCTTY"),
            (libc::O_TRUNC as u64, "O_TRUNC"),
            (libc::O_APPEND as u64, "O_APPEND"),
            (libc::O_NONBLOCK as u64, "O_NONBLOCK"),
            (libc::O_SYNC as u64, "O_SYNC"),
            (libc::O_DSYNC as u64, "O_DSYNC"),
            (libc::O_DIRECT as u64, "O_DIRECT"),
            (0o100000, "O_LARGEFILE"),
            (libc::O_DIRECTORY as u64, "O_DIRECTORY"),
            (libc::O_NOFOLLOW as u64, "O_NOFOLLOW"),
            (libc::O_NOATIME as u64, "O_NOATIME"),
            (libc::O_CLOEXEC as u64, "O_CLOEXEC"),
            (libc::O_PATH as u64, "O_PATH"),
        ],
        "",
    );
    if rest.is_empty() {
        acc.to_string()
    } else {
        format!("{acc}|{rest}")
    }
}

/// Name of a signal number.
pub fn signal_name(sig: u64) -> String {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    match sig {
        1..=31 => NAMES[sig as usize - 1].to_string(),
        32..=64 => format!("SIGRT_{}", sig - 32),
        _ => sig.to_string(),
    }
}

fn arg(proc: &Process, kind: ArgKind, v: u64, next: Option<u64>) -> String {
    match kind {
        ArgKind::Int => (v as i64).to_string(),
        ArgKind::Uint => v.to_string(),
        ArgKind::Hex => format!("0x{v:x}"),
        ArgKind::Fd => match v as i32 {
            -100 => "AT_FDCWD".into(),
            fd => fd.to_string(),
        },
        ArgKind::Ptr | ArgKind::OutBuf => {
            if v == 0 {
                "NULL".into()
            } else {
                format!("0x{v:x}")
            }
        }
        ArgKind::Str => {
            if v == 0 {
                return "NULL".into();
            }
            match proc.mem.read_cstring(v, 4096) {
                Ok(s) => quote(&s[..s.len().min(MAX_STR)], s.len() > MAX_STR),
                Err(_) => format!("0x{v:x}"),
            }
        }
        ArgKind::InBuf => {
            let len = next.unwrap_or(0);
            let n = len.min(MAX_STR as u64) as usize;
            let mut b = vec![0u8; n];
            match proc.mem.read_guest(v, &mut b) {
                Ok(()) => quote(&b, len > n as u64),
                Err(_) => format!("0x{v:x}"),
            }
        }
        ArgKind::OpenFlags => open_flags_str(proc.arch.open_flags_to_host(v as u32)),
        ArgKind::Mode => format!("0{:o}", v),
        ArgKind::Prot => prot_str(v),
        ArgKind::MapFlags => map_flags_str(v),
        ArgKind::Signal => signal_name(v),
    }
}

/// Formats the call part: `pid name(args)`.
pub fn format_call(proc: &Process, nr: u64, def: Option<&SyscallDef>, a: &[u64; 6]) -> String {
    // SAFETY: getpid cannot fail.
    let pid = unsafe { libc::getpid() };
    match def {
        Some(d) => {
            let args: Vec<String> = d
                .args
                .iter()
                .enumerate()
                .map(|(i, k)| arg(proc, *k, a[i], a.get(i + 1).copied()))
                .collect();
            format!("{pid} {}({})", d.name, args.join(","))
        }
        None => format!(
            "{pid} syscall_{nr}(0x{:x},0x{:x},0x{:x},0x{:x},0x{:x},0x{:x})",
            a[0], a[1], a[2], a[3], a[4], a[5]
        ),
    }
}

/// Formats a result.
pub fn format_result(r: SysResult, kind: RetKind) -> String {
    match r {
        Err(e) => format_errno(e),
        Ok(v) => match kind {
            RetKind::Hex => format!("0x{v:x}"),
            _ => (v as i64).to_string(),
        },
    }
}

/// `-1 ENOENT (No such file or directory)`.
pub fn format_errno(e: Errno) -> String {
    format!("-1 {} ({})", e.name(), e.description())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_formatting() {
        assert_eq!(prot_str(0), "PROT_NONE");
        assert_eq!(prot_str(3), "PROT_READ|PROT_WRITE");
        assert_eq!(prot_str(0x15), "PROT_READ|PROT_EXEC|0x10");
        assert_eq!(map_flags_str(0x22), "MAP_PRIVATE|MAP_ANONYMOUS");
        assert_eq!(map_flags_str(0x12), "MAP_PRIVATE|MAP_FIXED");
        assert_eq!(
            open_flags_str(libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_CLOEXEC),
            "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC"
        );
        assert_eq!(open_flags_str(0), "O_RDONLY");
        assert_eq!(signal_name(11), "SIGSEGV");
        assert_eq!(signal_name(34), "SIGRT_2");
    }

    #[test]
    fn quoting_and_results() {
        assert_eq!(quote(b"hi\n\"x\"", false), "\"hi\\n\\\"x\\\"\"");
        assert_eq!(quote(b"ab", true), "\"ab\"...");
        assert_eq!(quote(&[0xff, 1], false), "\"\\377\\1\"");
        assert_eq!(
            format_result(Err(Errno(2)), RetKind::Int),
            "-1 ENOENT (No such file or directory)"
        );
        assert_eq!(format_result(Ok(13), RetKind::Int), "13");
        assert_eq!(format_result(Ok(0x4000), RetKind::Hex), "0x4000");
        assert_eq!(format_result(Ok(u64::MAX), RetKind::Int), "-1");
    }
}
