//! Fault-catching host loads and stores of guest memory.
//!
//! Each access is one small leaf routine in assembly. The world's host
//! SIGSEGV/SIGBUS handler (user mode: `xlat-linux-user`'s `probe` module)
//! lists [`fixup_range`] in its exception table: when a routine faults, the
//! handler moves the host PC to the fixup, which returns the signal number
//! in `rax` and the faulting host address in `rdx` (a [`ProbeRet`]). Tier 0
//! uses them directly on a direct memory ([`CpuHeader::mem_base`]) and user
//! mode uses the same routines behind its [`GuestMemory`] methods, so there
//! is one implementation.
//!
//! [`CpuHeader::mem_base`]: xlat_ir::CpuHeader::mem_base
//! [`GuestMemory`]: xlat_ir::abi::GuestMemory

/// Result of a probe: `failed` is 0 on success, else the host signal number
/// (SIGSEGV or SIGBUS); `addr` is then the faulting host address.
#[repr(C)]
#[derive(Copy, Clone, Debug)]
pub struct ProbeRet {
    /// 0 on success, else the signal number.
    pub failed: u64,
    /// Faulting host address when `failed != 0`.
    pub addr: u64,
}

std::arch::global_asm!(
    r#"
    .text
    .p2align 4
    .globl xlat_probe_m_start
xlat_probe_m_start:
    .globl xlat_probe_load1
xlat_probe_load1:
    movzx eax, byte ptr [rdi]
    mov [rsi], rax
    xor eax, eax
    ret
    .globl xlat_probe_load2
xlat_probe_load2:
    movzx eax, word ptr [rdi]
    mov [rsi], rax
    xor eax, eax
    ret
    .globl xlat_probe_load4
xlat_probe_load4:
    mov eax, dword ptr [rdi]
    mov [rsi], rax
    xor eax, eax
    ret
    .globl xlat_probe_load8
xlat_probe_load8:
    mov rax, qword ptr [rdi]
    mov [rsi], rax
    xor eax, eax
    ret
    .globl xlat_probe_load16
xlat_probe_load16:
    movdqu xmm0, xmmword ptr [rdi]
    movdqu xmmword ptr [rsi], xmm0
    xor eax, eax
    ret
    .globl xlat_probe_store1
xlat_probe_store1:
    mov byte ptr [rdi], sil
    xor eax, eax
    ret
    .globl xlat_probe_store2
xlat_probe_store2:
    mov word ptr [rdi], si
    xor eax, eax
    ret
    .globl xlat_probe_store4
xlat_probe_store4:
    mov dword ptr [rdi], esi
    xor eax, eax
    ret
    .globl xlat_probe_store8
xlat_probe_store8:
    mov qword ptr [rdi], rsi
    xor eax, eax
    ret
    .globl xlat_probe_store16
xlat_probe_store16:
    movq xmm0, rsi
    movq xmm1, rdx
    punpcklqdq xmm0, xmm1
    movdqu xmmword ptr [rdi], xmm0
    xor eax, eax
    ret
    .globl xlat_probe_m_end
xlat_probe_m_end:
    .globl xlat_probe_m_fixup
xlat_probe_m_fixup:
    ret
"#
);

unsafe extern "C" {
    fn xlat_probe_load1(src: *const u8, out: *mut u64) -> ProbeRet;
    fn xlat_probe_load2(src: *const u8, out: *mut u64) -> ProbeRet;
    fn xlat_probe_load4(src: *const u8, out: *mut u64) -> ProbeRet;
    fn xlat_probe_load8(src: *const u8, out: *mut u64) -> ProbeRet;
    fn xlat_probe_load16(src: *const u8, out: *mut u128) -> ProbeRet;
    fn xlat_probe_store1(dst: *mut u8, v: u64) -> ProbeRet;
    fn xlat_probe_store2(dst: *mut u8, v: u64) -> ProbeRet;
    fn xlat_probe_store4(dst: *mut u8, v: u64) -> ProbeRet;
    fn xlat_probe_store8(dst: *mut u8, v: u64) -> ProbeRet;
    fn xlat_probe_store16(dst: *mut u8, lo: u64, hi: u64) -> ProbeRet;
    static xlat_probe_m_start: u8;
    static xlat_probe_m_end: u8;
    static xlat_probe_m_fixup: u8;
}

/// The exception-table entry of these routines: `(start, end, fixup)`; a
/// fault with host PC in `start..end` resumes at `fixup` with the signal
/// number in `rax` and the faulting address in `rdx`.
pub fn fixup_range() -> (usize, usize, usize) {
    (
        (&raw const xlat_probe_m_start) as usize,
        (&raw const xlat_probe_m_end) as usize,
        (&raw const xlat_probe_m_fixup) as usize,
    )
}

/// Loads `size` (1, 2, 4, 8 or 16) bytes from host address `p`.
///
/// # Safety
/// `p` must point into memory whose faults are harmless (the guest
/// reservation and its guard area), and a fault handler that knows
/// [`fixup_range`] must be installed.
#[inline]
pub unsafe fn load(p: *const u8, size: u8) -> Result<u128, ProbeRet> {
    let mut v64 = 0u64;
    let mut v128 = 0u128;
    // SAFETY: the probes only touch `p` (fault-safe per the caller's
    // contract) and the local out variables.
    let r = unsafe {
        match size {
            1 => xlat_probe_load1(p, &mut v64),
            2 => xlat_probe_load2(p, &mut v64),
            4 => xlat_probe_load4(p, &mut v64),
            8 => xlat_probe_load8(p, &mut v64),
            _ => xlat_probe_load16(p, &mut v128),
        }
    };
    if r.failed != 0 {
        return Err(r);
    }
    Ok(if size == 16 { v128 } else { v64 as u128 })
}

/// Stores the low `size` (1, 2, 4, 8 or 16) bytes of `v` at host address `p`.
///
/// # Safety
/// As for [`load`].
#[inline]
pub unsafe fn store(p: *mut u8, size: u8, v: u128) -> Result<(), ProbeRet> {
    // SAFETY: the probes only touch `p`, fault-safely.
    let r = unsafe {
        match size {
            1 => xlat_probe_store1(p, v as u64),
            2 => xlat_probe_store2(p, v as u64),
            4 => xlat_probe_store4(p, v as u64),
            8 => xlat_probe_store8(p, v as u64),
            _ => xlat_probe_store16(p, v as u64, (v >> 64) as u64),
        }
    };
    if r.failed != 0 { Err(r) } else { Ok(()) }
}
