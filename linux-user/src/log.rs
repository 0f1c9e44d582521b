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
    /// The output is a pipe or socket: see [`Log::guard_sigpipe`].
    sigpipe_guard: bool,
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
            sigpipe_guard: false,
        }
    }

    /// For an output that can break (a pipe or socket, e.g. stderr into
    /// `| head`): a write of xlat's own must not raise a SIGPIPE that the
    /// guest would see (a guest SIGPIPE handler, as Go installs, would run
    /// once per log line, and log its own `rt_sigreturn`, forever; at
    /// SIG_DFL the guest would die of xlat's log). SIGPIPE is blocked
    /// around each write and one that the write raised is taken back.
    pub fn guard_sigpipe(mut self) -> Log {
        self.sigpipe_guard = true;
        self
    }

    /// A log that writes nothing.
    pub fn disabled() -> Log {
        Log::new(LogItems::default(), Box::new(std::io::sink()))
    }

    /// Writes text as is (callers end lines with `\n`).
    pub fn line(&self, s: &str) {
        let mut o = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let mut write = || o.write_all(s.as_bytes()).and_then(|_| o.flush());
        if self.sigpipe_guard {
            let _ = without_sigpipe(write);
        } else {
            let _ = write();
        }
    }

    /// Runs `f` (a `fork`) with the output's lock held, so that no other
    /// thread is in the middle of a line when the process is copied (the
    /// child would wait for ever on the lock); it is released in both
    /// processes.
    pub fn while_locked<T>(&self, f: impl FnOnce() -> T) -> T {
        let g = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let r = f();
        drop(g);
        r
    }

    /// Logs a line under `-d unimp`.
    pub fn unimp(&self, s: &str) {
        if self.items.unimp {
            self.line(&format!("{s}\n"));
        }
    }
}

/// Runs `f` (a write) with SIGPIPE blocked on the calling thread; if it
/// fails with `EPIPE`, the SIGPIPE it raised (thread-directed) is consumed,
/// unless one was already pending before.
fn without_sigpipe(f: impl FnOnce() -> std::io::Result<()>) -> std::io::Result<()> {
    // SAFETY: signal-mask calls on local sets; `sigtimedwait` with a zero
    // timeout only dequeues a pending SIGPIPE of this thread.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        let mut pending: libc::sigset_t = std::mem::zeroed();
        libc::sigpending(&mut pending);
        let was_pending = libc::sigismember(&pending, libc::SIGPIPE) == 1;
        let r = f();
        if !was_pending && matches!(&r, Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe) {
            let zero = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            libc::sigtimedwait(&set, std::ptr::null_mut(), &zero);
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        r
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

    #[test]
    fn broken_pipe_raises_no_sigpipe() {
        let mut fds = [0; 2];
        // SAFETY: a local pipe; its read end is closed at once.
        unsafe {
            assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
            libc::close(fds[0]);
        }
        // SAFETY: `fds[1]` is ours; the File owns it from here.
        let w = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fds[1]) };
        let log = Log::new(LogItems::default(), Box::new(w)).guard_sigpipe();
        // SIGPIPE at SIG_DFL on this thread's process would kill the test
        // if the guard let it through; Rust ignores it, so look at the
        // pending set with SIGPIPE blocked instead.
        let r = without_sigpipe(|| {
            log.line("x\n");
            Ok(())
        });
        assert!(r.is_ok());
        // SAFETY: querying the pending set into a local.
        let pending = unsafe {
            let mut p: libc::sigset_t = std::mem::zeroed();
            libc::sigpending(&mut p);
            libc::sigismember(&p, libc::SIGPIPE)
        };
        assert_eq!(pending, 0, "the log write left a SIGPIPE pending");
    }
}
