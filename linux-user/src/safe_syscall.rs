//! Blocking host syscalls that cannot miss a guest signal.
//!
//! A guest signal caught by the host handler just before a blocking host
//! syscall starts would otherwise be noticed only when the syscall
//! returns (maybe never). [`safe_syscall`] checks the thread's pending
//! guest signals immediately before the `syscall` instruction; the host
//! signal handlers call [`fixup`], which moves a thread interrupted
//! between that check and the instruction to a path that returns
//! `-EINTR`. Once the instruction runs, the kernel itself returns EINTR
//! (xlat's handlers do not use SA_RESTART). On hosts other than x86-64
//! this falls back to a plain syscall (with the race).

use crate::errno::Errno;
use crate::syscall::{SysResult, ThreadState};
use std::sync::atomic::AtomicU64;

/// Arguments of one safe syscall (layout used by the assembly).
#[repr(C)]
struct SafeArgs {
    /// The thread's pending guest signals.
    pending: *const AtomicU64,
    /// Signals that interrupt (not blocked by the guest).
    allowed: u64,
    /// Host syscall number.
    nr: i64,
    /// Arguments.
    args: [u64; 6],
}

#[cfg(target_arch = "x86_64")]
std::arch::global_asm!(
    ".globl xlat_safe_syscall",
    ".globl xlat_safe_syscall_start",
    ".globl xlat_safe_syscall_end",
    ".globl xlat_safe_syscall_eintr",
    "xlat_safe_syscall:",
    "mov r11, rdi",
    "mov rax, [r11 + 16]",
    "mov rdi, [r11 + 24]",
    "mov rsi, [r11 + 32]",
    "mov rdx, [r11 + 40]",
    "mov r10, [r11 + 48]",
    "mov r8, [r11 + 56]",
    "mov r9, [r11 + 64]",
    "mov rcx, [r11 + 8]",
    "mov r11, [r11]",
    "xlat_safe_syscall_start:",
    "mov r11, [r11]",
    "and r11, rcx",
    "jnz xlat_safe_syscall_eintr",
    "syscall",
    "xlat_safe_syscall_end:",
    "ret",
    "xlat_safe_syscall_eintr:",
    "mov rax, -4",
    "ret",
);

#[cfg(target_arch = "x86_64")]
unsafe extern "C" {
    fn xlat_safe_syscall(a: *const SafeArgs) -> i64;
    fn xlat_safe_syscall_start();
    fn xlat_safe_syscall_end();
    fn xlat_safe_syscall_eintr();
}

/// Runs host syscall `nr` for `thread`, returning EINTR instead of
/// blocking when an unblocked guest signal is already pending.
///
/// # Safety
/// As for `libc::syscall(nr, args...)`: pointer arguments must be valid
/// for what the syscall does with them.
pub unsafe fn safe_syscall(thread: &ThreadState, nr: i64, args: [u64; 6]) -> SysResult {
    let a = SafeArgs {
        pending: thread.sig.pending_word(),
        allowed: !thread.sigmask,
        nr,
        args,
    };
    // Callers hold no lock of xlat's: a fork need not wait for the call.
    let r = crate::thread::blocking(&thread.sig, || {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the assembly reads `a` and makes the syscall the caller
        // vouched for.
        let r = unsafe { xlat_safe_syscall(&a) };
        #[cfg(not(target_arch = "x86_64"))]
        // SAFETY: as the caller vouched.
        let r = unsafe {
            let _ = a.pending;
            libc::syscall(
                a.nr as libc::c_long,
                args[0],
                args[1],
                args[2],
                args[3],
                args[4],
                args[5],
            ) as i64
        };
        r
    });
    if r < 0 && r > -4096 {
        Err(Errno(-r as i32))
    } else {
        Ok(r as u64)
    }
}

/// Called from a host signal handler: if the interrupted thread was
/// between the pending check and the `syscall` instruction, make it
/// return EINTR instead. Async-signal-safe.
///
/// # Safety
/// `uctx` must be the handler's `ucontext_t` argument.
pub unsafe fn fixup(uctx: *mut libc::c_void) {
    #[cfg(target_arch = "x86_64")]
    {
        if uctx.is_null() {
            return;
        }
        let uc = uctx as *mut libc::ucontext_t;
        // SAFETY: the kernel's ucontext for this handler invocation.
        unsafe {
            let rip = &mut (*uc).uc_mcontext.gregs[libc::REG_RIP as usize];
            let pc = *rip as usize;
            let start = xlat_safe_syscall_start as *const () as usize;
            let end = xlat_safe_syscall_end as *const () as usize;
            if (start..end).contains(&pc) {
                *rip = xlat_safe_syscall_eintr as *const () as usize as i64;
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = uctx;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_signal_gives_eintr_without_blocking() {
        let mut t = ThreadState::default();
        // Nothing pending: a plain syscall goes through.
        // SAFETY: getpid takes no arguments.
        let pid = unsafe { safe_syscall(&t, libc::SYS_getpid, [0; 6]) }.unwrap();
        // SAFETY: getpid cannot fail.
        assert_eq!(pid as i32, unsafe { libc::getpid() });
        // An unblocked pending signal: EINTR before a call that would
        // block forever (read from a pipe nobody writes).
        let mut fds = [0i32; 2];
        // SAFETY: `fds` is a local array.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        crate::signal::queue_self(&t, 10, crate::signal::SI_USER);
        let mut b = [0u8; 1];
        let args = [fds[0] as u64, b.as_mut_ptr() as u64, 1, 0, 0, 0];
        // SAFETY: read into a local buffer.
        let r = unsafe { safe_syscall(&t, libc::SYS_read, args) };
        assert_eq!(r, Err(Errno(libc::EINTR)));
        // Blocked by the guest mask: the call runs (data ready, no block).
        t.sigmask = 1 << 9;
        // SAFETY: writing one byte from a local.
        assert_eq!(unsafe { libc::write(fds[1], b"x".as_ptr().cast(), 1) }, 1);
        // SAFETY: as above.
        let r = unsafe { safe_syscall(&t, libc::SYS_read, args) };
        assert_eq!(r, Ok(1));
        assert_eq!(b[0], b'x');
        // Errors come back as errno.
        // SAFETY: closing a bad fd.
        let r = unsafe { safe_syscall(&t, libc::SYS_close, [u64::MAX >> 1, 0, 0, 0, 0, 0]) };
        assert_eq!(r, Err(Errno::EBADF));
        // SAFETY: closing our pipe.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
    }
}
