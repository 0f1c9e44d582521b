//! `-d` / `-strace` logging to stderr or a `-D` file.

use std::io::Write;
use std::sync::Mutex;

/// The `-d` items.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct LogItems {
    /// Guest disassembly of each translated block.
    pub in_asm: bool,
    /// IR of each translated block.
    pub op: bool,
    /// Host disassembly of compiled code.
    pub out_asm: bool,
    /// One line per executed block.
    pub exec: bool,
    /// Unimplemented syscalls and features.
    pub unimp: bool,
    /// Syscall trace.
    pub strace: bool,
    /// Engine statistics at exit.
    pub stats: bool,
    /// Disable chaining.
    pub nochain: bool,
}

/// The `-d` items with their help text.
pub const ITEMS: &[(&str, &str)] = &[
    ("in_asm", "show guest code of each translated block"),
    ("op", "show the IR of each translated block"),
    ("out_asm", "show host code of each compiled region"),
    ("exec", "show each block entered by the dispatcher"),
    ("unimp", "log unimplemented syscalls and features"),
    ("strace", "log system calls (same as -strace)"),
    ("stats", "print translation statistics at exit"),
    ("nochain", "do not chain compiled blocks"),
];

impl LogItems {
    /// The names of the items that are on (as `-d` takes them).
    pub fn names(&self) -> Vec<&'static str> {
        let on = [
            self.in_asm,
            self.op,
            self.out_asm,
            self.exec,
            self.unimp,
            self.strace,
            self.stats,
            self.nochain,
        ];
        ITEMS
            .iter()
            .zip(on)
            .filter(|(_, b)| *b)
            .map(|((n, _), _)| *n)
            .collect()
    }

    /// Parses a comma-separated list; `Err` names the unknown item.
    pub fn parse(s: &str) -> Result<LogItems, String> {
        let mut l = LogItems::default();
        for it in s.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match it {
                "in_asm" => l.in_asm = true,
                "op" => l.op = true,
                "out_asm" => l.out_asm = true,
                "exec" => l.exec = true,
                "unimp" => l.unimp = true,
                "strace" => l.strace = true,
                "stats" => l.stats = true,
                "nochain" => l.nochain = true,
                other => return Err(other.to_string()),
            }
        }
        Ok(l)
    }
}

/// The log sink.
pub struct Log {
    /// Enabled items.
    pub items: LogItems,
    /// Syscall trace on (`-strace` or `-d strace`).
    pub strace: bool,
    out: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log").field("items", &self.items).finish()
    }
}

impl Log {
    /// A log writing to `out`.
    pub fn new(items: LogItems, out: Box<dyn Write + Send>) -> Log {
        Log {
            strace: items.strace,
            items,
            out: Mutex::new(out),
        }
    }

    /// A log that writes nothing.
    pub fn disabled() -> Log {
        Log::new(LogItems::default(), Box::new(std::io::sink()))
    }

    /// Writes text as is (callers end lines with `\n`).
    pub fn line(&self, s: &str) {
        let mut o = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = o.write_all(s.as_bytes());
        let _ = o.flush();
    }

    /// Logs a line under `-d unimp`.
    pub fn unimp(&self, s: &str) {
        if self.items.unimp {
            self.line(&format!("{s}\n"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_items() {
        let l = LogItems::parse("in_asm,op,unimp").unwrap();
        assert!(l.in_asm && l.op && l.unimp && !l.exec && !l.strace);
        assert_eq!(LogItems::parse("in_asm,bogus"), Err("bogus".to_string()));
        assert_eq!(LogItems::parse("").unwrap(), LogItems::default());
    }
}
