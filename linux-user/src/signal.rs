//! Guest signals in the run loop: synchronous faults and signals a guest
//! sends to itself. Guest signal handlers (the AArch64 `rt_sigframe`) are
//! not implemented yet; signals with a handler take the default action and
//! are reported under `-d unimp`.

use crate::probe;
use crate::syscall::Process;

/// What Linux does by default with a signal.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum DefaultAction {
    /// Terminate (possibly with a core dump).
    Terminate,
    /// Ignore.
    Ignore,
    /// Stop the process.
    Stop,
    /// Continue a stopped process (nothing to do for a running one).
    Continue,
}

/// The default action of signal `sig` (generic Linux numbering).
pub fn default_action(sig: i32) -> DefaultAction {
    match sig {
        17 | 23 | 28 => DefaultAction::Ignore,
        18 => DefaultAction::Continue,
        19..=22 => DefaultAction::Stop,
        _ => DefaultAction::Terminate,
    }
}

/// Kills xlat with `sig` so that the parent sees the same wait status as
/// for a native process: the host handler is reset, core dumps are
/// disabled (a core of xlat would be of no use), the signal is unblocked
/// and raised.
pub fn die_of_signal(sig: i32) -> ! {
    // SAFETY: plain libc calls on our own process; `rl` and `set` are locals.
    unsafe {
        let rl = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &rl);
        probe::reset_to_default(sig);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
        // Not reached for terminating signals.
        libc::_exit(128 + sig);
    }
}

/// Delivers a synchronous signal (fault, illegal instruction, trap).
/// Synchronous signals cannot be ignored or blocked: without a guest
/// handler the process dies.
pub fn deliver_sync(proc: &Process, sig: i32, pc: u64, addr: u64) -> ! {
    let act = proc.sigaction(sig as u32);
    if act.handler > 1 {
        proc.log.unimp(&format!(
            "guest handler for signal {sig} at 0x{:x} not supported yet (pc 0x{pc:x}, addr 0x{addr:x})",
            act.handler
        ));
    }
    die_of_signal(sig)
}

/// Delivers a signal the guest sent to itself (kill, tgkill, raise).
pub fn deliver_self(proc: &Process, sigmask: u64, sig: i32) {
    let act = proc.sigaction(sig as u32);
    if sig != 9 && sig != 19 {
        if act.handler == 1 {
            return;
        }
        if sigmask & (1u64 << (sig - 1)) != 0 {
            proc.log.unimp(&format!(
                "blocked signal {sig} dropped (no pending queue yet)"
            ));
            return;
        }
        if act.handler > 1 {
            proc.log.unimp(&format!(
                "guest handler for signal {sig} at 0x{:x} not supported yet",
                act.handler
            ));
        }
    }
    match default_action(sig) {
        DefaultAction::Ignore | DefaultAction::Continue => {}
        DefaultAction::Stop => {
            // SAFETY: stops our own process like the guest asked.
            unsafe { libc::raise(sig) };
        }
        DefaultAction::Terminate => die_of_signal(sig),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_actions() {
        assert_eq!(default_action(11), DefaultAction::Terminate);
        assert_eq!(default_action(17), DefaultAction::Ignore);
        assert_eq!(default_action(20), DefaultAction::Stop);
        assert_eq!(default_action(18), DefaultAction::Continue);
        assert_eq!(default_action(6), DefaultAction::Terminate);
    }
}
