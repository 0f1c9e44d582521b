//! Fault-safe memory probes and the host SIGSEGV/SIGBUS handler.
//!
//! Every access xlat itself makes to guest memory (the interpreter's loads
//! and stores, helpers, syscall arguments) goes through one of the small
//! assembly routines below or in `xlat_interp::probe` (the plain loads and
//! stores, shared with tier 0). They are leaf functions listed in an exception
//! table: when one of them faults, the host signal handler moves the host PC
//! to the routine's fixup, which returns the signal number in `rax` and the
//! faulting host address in `rdx`. A fault anywhere else that is not in
//! compiled guest code is a bug in xlat: the handler prints one line and
//! exits with status 70.

use std::sync::atomic::{AtomicUsize, Ordering};

pub use xlat_interp::probe::{ProbeRet, load, store};

#[cfg(target_arch = "x86_64")]
std::arch::global_asm!(
    r#"
    .text
    .p2align 4
    .globl xlat_probe_a_start
xlat_probe_a_start:
    .globl xlat_probe_cas1
xlat_probe_cas1:
    mov rax, rsi
    lock cmpxchg byte ptr [rdi], dl
    movzx eax, al
    mov [rcx], rax
    xor eax, eax
    ret
    .globl xlat_probe_cas2
xlat_probe_cas2:
    mov rax, rsi
    lock cmpxchg word ptr [rdi], dx
    movzx eax, ax
    mov [rcx], rax
    xor eax, eax
    ret
    .globl xlat_probe_cas4
xlat_probe_cas4:
    mov rax, rsi
    lock cmpxchg dword ptr [rdi], edx
    mov eax, eax
    mov [rcx], rax
    xor eax, eax
    ret
    .globl xlat_probe_cas8
xlat_probe_cas8:
    mov rax, rsi
    lock cmpxchg qword ptr [rdi], rdx
    mov [rcx], rax
    xor eax, eax
    ret
    .globl xlat_probe_copy
xlat_probe_copy:
    mov rcx, rdx
    rep movsb
    xor eax, eax
    ret
    .globl xlat_probe_a_end
xlat_probe_a_end:
    .globl xlat_probe_a_fixup
xlat_probe_a_fixup:
    ret

    .globl xlat_probe_b_start
xlat_probe_b_start:
    .globl xlat_probe_cas16
xlat_probe_cas16:
    push rbx
    mov rax, rsi
    mov rbx, rcx
    mov rcx, r8
    lock cmpxchg16b xmmword ptr [rdi]
    mov [r9], rax
    mov [r9 + 8], rdx
    pop rbx
    xor eax, eax
    ret
    .globl xlat_probe_b_end
xlat_probe_b_end:
    .globl xlat_probe_b_fixup
xlat_probe_b_fixup:
    pop rbx
    ret
"#
);

unsafe extern "C" {
    fn xlat_probe_cas1(p: *mut u8, exp: u64, new: u64, old: *mut u64) -> ProbeRet;
    fn xlat_probe_cas2(p: *mut u8, exp: u64, new: u64, old: *mut u64) -> ProbeRet;
    fn xlat_probe_cas4(p: *mut u8, exp: u64, new: u64, old: *mut u64) -> ProbeRet;
    fn xlat_probe_cas8(p: *mut u8, exp: u64, new: u64, old: *mut u64) -> ProbeRet;
    fn xlat_probe_cas16(
        p: *mut u8,
        exp_lo: u64,
        exp_hi: u64,
        new_lo: u64,
        new_hi: u64,
        old: *mut u128,
    ) -> ProbeRet;
    fn xlat_probe_copy(dst: *mut u8, src: *const u8, len: usize) -> ProbeRet;
    static xlat_probe_a_start: u8;
    static xlat_probe_a_end: u8;
    static xlat_probe_a_fixup: u8;
    static xlat_probe_b_start: u8;
    static xlat_probe_b_end: u8;
    static xlat_probe_b_fixup: u8;
}

/// One exception-table entry: a fault with host PC in `start..end` resumes at `fixup`.
#[derive(Copy, Clone, Debug)]
struct ExEntry {
    start: usize,
    end: usize,
    fixup: usize,
}

fn ex_table() -> [ExEntry; 3] {
    let (start, end, fixup) = xlat_interp::probe::fixup_range();
    [
        ExEntry { start, end, fixup },
        ExEntry {
            start: (&raw const xlat_probe_a_start) as usize,
            end: (&raw const xlat_probe_a_end) as usize,
            fixup: (&raw const xlat_probe_a_fixup) as usize,
        },
        ExEntry {
            start: (&raw const xlat_probe_b_start) as usize,
            end: (&raw const xlat_probe_b_end) as usize,
            fixup: (&raw const xlat_probe_b_fixup) as usize,
        },
    ]
}

/// Atomic compare-and-swap of `size` bytes at `p`; returns the old value.
/// A 16-byte CAS needs 16-byte alignment on the host; unaligned ones are
/// emulated non-atomically (load, compare, store).
///
/// # Safety
/// As for [`load`]; `p` must be naturally aligned for sizes 2..8 to be atomic.
pub unsafe fn cas(p: *mut u8, size: u8, expected: u128, new: u128) -> Result<u128, ProbeRet> {
    let mut old64 = 0u64;
    let mut old128 = 0u128;
    if size == 16 && !(p as usize).is_multiple_of(16) {
        // SAFETY: fault-safe probes on `p`.
        let cur = unsafe { load(p, 16)? };
        if cur == expected {
            // SAFETY: as above.
            unsafe { store(p, 16, new)? };
        }
        return Ok(cur);
    }
    // SAFETY: the probes only touch `p` and the local out variables.
    let r = unsafe {
        match size {
            1 => xlat_probe_cas1(p, expected as u64, new as u64, &mut old64),
            2 => xlat_probe_cas2(p, expected as u64, new as u64, &mut old64),
            4 => xlat_probe_cas4(p, expected as u64, new as u64, &mut old64),
            8 => xlat_probe_cas8(p, expected as u64, new as u64, &mut old64),
            _ => xlat_probe_cas16(
                p,
                expected as u64,
                (expected >> 64) as u64,
                new as u64,
                (new >> 64) as u64,
                &mut old128,
            ),
        }
    };
    if r.failed != 0 {
        return Err(r);
    }
    Ok(if size == 16 { old128 } else { old64 as u128 })
}

/// Copies `len` bytes from `src` to `dst`; either side may be guest memory.
///
/// # Safety
/// The non-guest side must be valid for `len` bytes; the guest side must lie
/// in memory whose faults are harmless.
pub unsafe fn copy(dst: *mut u8, src: *const u8, len: usize) -> Result<(), ProbeRet> {
    if len == 0 {
        return Ok(());
    }
    // SAFETY: per the caller's contract.
    let r = unsafe { xlat_probe_copy(dst, src, len) };
    if r.failed != 0 { Err(r) } else { Ok(()) }
}

/// A hook for faults in compiled guest code (`xlat_exec::handle_host_fault`).
pub type CompiledFaultHook =
    unsafe fn(signo: i32, info: *mut libc::siginfo_t, uctx: *mut libc::c_void) -> bool;

static COMPILED_HOOK: AtomicUsize = AtomicUsize::new(0);

/// Size of each thread's alternate signal stack.
const ALT_STACK_SIZE: usize = 256 * 1024;

/// Installs the host SIGSEGV/SIGBUS handler (once per process) and an
/// alternate signal stack for the calling thread. `hook` is asked first
/// whether a fault belongs to compiled guest code.
pub fn install_fault_handler(hook: Option<CompiledFaultHook>) -> std::io::Result<()> {
    if let Some(h) = hook {
        COMPILED_HOOK.store(h as usize, Ordering::SeqCst);
    }
    install_alt_stack()?;
    for sig in [libc::SIGSEGV, libc::SIGBUS] {
        // SAFETY: a zeroed sigaction is a valid starting point; we fill in
        // the handler, flags and an empty mask before installing it.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = host_fault_handler as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
            libc::sigemptyset(&mut sa.sa_mask);
            if libc::sigaction(sig, &sa, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    Ok(())
}

/// Gives the calling thread an alternate signal stack (needed so the fault
/// handler runs even when the host stack overflowed).
pub fn install_alt_stack() -> std::io::Result<()> {
    // SAFETY: plain anonymous mapping; checked for failure.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            ALT_STACK_SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(std::io::Error::last_os_error());
    }
    let ss = libc::stack_t {
        ss_sp: p,
        ss_flags: 0,
        ss_size: ALT_STACK_SIZE,
    };
    // SAFETY: `ss` describes the mapping made above, which is never freed
    // while the thread lives.
    if unsafe { libc::sigaltstack(&ss, std::ptr::null_mut()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Resets `sig` to its default action (used before dying of a signal).
pub fn reset_to_default(sig: i32) {
    // SAFETY: installing SIG_DFL with an empty mask.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = libc::SIG_DFL;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(sig, &sa, std::ptr::null_mut());
    }
}

/// Writes `v` in hex into `buf` from `pos`, returning the new position.
fn put_hex(buf: &mut [u8], mut pos: usize, v: u64) -> usize {
    let digits = b"0123456789abcdef";
    for &b in b"0x" {
        buf[pos] = b;
        pos += 1;
    }
    let mut started = false;
    for i in (0..16).rev() {
        let d = ((v >> (i * 4)) & 0xf) as usize;
        if d != 0 || started || i == 0 {
            started = true;
            buf[pos] = digits[d];
            pos += 1;
        }
    }
    pos
}

fn put_str(buf: &mut [u8], mut pos: usize, s: &[u8]) -> usize {
    for &b in s {
        buf[pos] = b;
        pos += 1;
    }
    pos
}

/// The host SIGSEGV/SIGBUS handler. Async-signal-safe: no locks, no allocation.
unsafe extern "C" fn host_fault_handler(
    signo: i32,
    info: *mut libc::siginfo_t,
    uctx: *mut libc::c_void,
) {
    let hook = COMPILED_HOOK.load(Ordering::Relaxed);
    if hook != 0 {
        // SAFETY: only `install_fault_handler` stores into COMPILED_HOOK,
        // and it stores a `CompiledFaultHook`.
        let f: CompiledFaultHook = unsafe { std::mem::transmute::<usize, CompiledFaultHook>(hook) };
        // SAFETY: the arguments come straight from the kernel.
        if unsafe { f(signo, info, uctx) } {
            return;
        }
    }
    // SAFETY: the kernel passes a valid siginfo and ucontext to an
    // SA_SIGINFO handler.
    let (code, addr, gregs) = unsafe {
        let uc = &mut *(uctx as *mut libc::ucontext_t);
        (
            (*info).si_code,
            (*info).si_addr() as u64,
            &mut uc.uc_mcontext.gregs,
        )
    };
    let rip = gregs[libc::REG_RIP as usize] as usize;
    if code > 0 {
        for e in ex_table() {
            if (e.start..e.end).contains(&rip) {
                gregs[libc::REG_RIP as usize] = e.fixup as i64;
                gregs[libc::REG_RAX as usize] = signo as i64;
                gregs[libc::REG_RDX as usize] = addr as i64;
                return;
            }
        }
    } else {
        // Sent by kill/tgkill/sigqueue: the guest's handler runs (or it
        // is ignored) as for any asynchronous signal.
        // SAFETY: our own handler's arguments.
        if unsafe { crate::signal::external_fault_signal(signo, info, uctx) } {
            return;
        }
        // The guest leaves it at SIG_DFL: take the default action.
        reset_to_default(signo);
        // SAFETY: re-raising the signal with its default action.
        unsafe { libc::raise(signo) };
        return;
    }
    let mut buf = [0u8; 160];
    let mut pos = put_str(&mut buf, 0, b"xlat: internal fault at host pc ");
    pos = put_hex(&mut buf, pos, rip as u64);
    pos = put_str(&mut buf, pos, b", address ");
    pos = put_hex(&mut buf, pos, addr);
    pos = put_str(
        &mut buf,
        pos,
        if signo == libc::SIGBUS {
            b" (SIGBUS)\n"
        } else {
            b" (SIGSEGV)\n"
        },
    );
    // SAFETY: write(2) and _exit(2) are async-signal-safe.
    unsafe {
        libc::write(2, buf.as_ptr() as *const libc::c_void, pos);
        libc::_exit(70);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_with(prot: i32) -> *mut u8 {
        // SAFETY: anonymous mapping for the test.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                8192,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(p, libc::MAP_FAILED);
        // SAFETY: second page of our own mapping.
        unsafe { libc::mprotect((p as *mut u8).add(4096) as *mut _, 4096, prot) };
        p as *mut u8
    }

    #[test]
    fn probes_load_store_and_fault() {
        install_fault_handler(None).unwrap();
        let p = page_with(libc::PROT_NONE);
        // SAFETY: p..p+4096 is RW, p+4096.. is PROT_NONE (probes catch it).
        unsafe {
            store(p.add(8), 8, 0x1122_3344_5566_7788).unwrap();
            assert_eq!(load(p.add(8), 4).unwrap(), 0x5566_7788);
            assert_eq!(load(p.add(9), 1).unwrap(), 0x77);
            assert_eq!(load(p.add(8), 2).unwrap(), 0x7788);
            store(p.add(32), 16, (7u128 << 64) | 9).unwrap();
            assert_eq!(load(p.add(32), 16).unwrap(), (7u128 << 64) | 9);
            let e = load(p.add(4096), 4).unwrap_err();
            assert_eq!(e.failed, libc::SIGSEGV as u64);
            assert_eq!(e.addr, p.add(4096) as u64);
            // A store straddling the boundary faults and reports the second page.
            let e = store(p.add(4094), 4, 1).unwrap_err();
            assert_eq!(e.addr & !4095, p.add(4096) as u64);
            assert_eq!(
                cas(p.add(8), 8, 0x1122_3344_5566_7788, 5).unwrap(),
                0x1122_3344_5566_7788
            );
            assert_eq!(load(p.add(8), 8).unwrap(), 5);
            assert_eq!(cas(p.add(8), 4, 4, 6).unwrap(), 5);
            assert_eq!(load(p.add(8), 8).unwrap(), 5);
            assert_eq!(
                cas(p.add(32), 16, (7u128 << 64) | 9, 3).unwrap(),
                (7u128 << 64) | 9
            );
            assert_eq!(load(p.add(32), 16).unwrap(), 3);
            assert!(cas(p.add(4096), 16, 0, 1).is_err());
            // copy: partial failure reports the first bad byte's page.
            let mut buf = [0u8; 64];
            let e = copy(buf.as_mut_ptr(), p.add(4096 - 32), 64).unwrap_err();
            assert_eq!(e.addr, p.add(4096) as u64);
            copy(buf.as_mut_ptr(), p.add(8), 8).unwrap();
            assert_eq!(buf[0], 5);
            // Read-only page: writes fault, reads work.
            libc::mprotect(p.add(4096) as *mut _, 4096, libc::PROT_READ);
            assert_eq!(load(p.add(4096), 8).unwrap(), 0);
            assert!(store(p.add(4096), 1, 1).is_err());
        }
    }

    #[test]
    fn hex_formatting() {
        let mut b = [0u8; 40];
        let n = put_hex(&mut b, 0, 0xdead_beef);
        assert_eq!(&b[..n], b"0xdeadbeef");
        let n = put_hex(&mut b, 0, 0);
        assert_eq!(&b[..n], b"0x0");
    }
}
