// A static program marked BTI-compatible by its GNU property note
// (GNU_PROPERTY_AARCH64_FEATURE_1_AND with BTI): Linux (and xlat -cpu max)
// maps its executable segment as guarded pages. BLR to BTI c works; BR
// from the guarded text to an instruction that is no landing pad raises
// SIGILL there, with PSTATE.BTYPE = 0b11 in the signal frame; the handler
// (itself entered with BTYPE "c": it starts with BTI c) moves the PC on,
// and rt_sigreturn restores that BTYPE, so the next instruction must
// accept it (BTI j does, BTI c does not: a second SIGILL).

    .macro SAY msg, len
    mov x0, #1
    adr x1, \msg
    mov x2, #\len
    mov x8, #64                 // write
    svc #0
    .endm

    .text
    .globl _start
_start:
    adr x9, func_c
    blr x9
    SAY m_blr, 17

    mov x0, #4                  // rt_sigaction(SIGILL, &act, NULL, 8)
    adr x1, act
    mov x2, #0
    mov x3, #8
    mov x8, #134
    svc #0

    adr x9, bad1
    br x9                       // BTYPE 0b11 -> SIGILL at bad1
after_j:
    bti j                       // resumed with BTYPE 0b11 from the frame
    SAY m_j, 21
    adr x9, bad2
    br x9                       // SIGILL at bad2
after_c:
    bti c                       // resumed with BTYPE 0b11: SIGILL here
    SAY m_never, 6
final:
    SAY m_done, 5               // resumed with BTYPE 0: no pad needed
    mov x0, #0
    mov x8, #93                 // exit
    svc #0

func_c:
    bti c
    ret

bad1:
    nop
    b final
bad2:
    nop
    b final

// handler(sig, info, uc): reports si_code, the BTYPE in the frame and
// where the fault was, then sets the PC to resume at.
handler:
    bti c
    mov x19, x1
    mov x20, x2
    adr x5, count
    ldr x6, [x5]
    add x6, x6, #1
    str x6, [x5]
    // "SIGILL code C btype B at N\n" with C, B, N digits.
    adr x10, m_sig
    ldr w4, [x19, #8]           // si_code
    add w4, w4, #'0'
    strb w4, [x10, #12]
    ldr x7, [x20, #448]         // uc_mcontext.pstate
    ubfx x7, x7, #10, #2
    add w7, w7, #'0'
    strb w7, [x10, #20]
    ldr x3, [x19, #16]          // si_addr
    mov w11, #'?'
    adr x12, bad1
    cmp x3, x12
    mov w13, #'1'
    csel w11, w13, w11, eq
    adr x12, bad2
    cmp x3, x12
    mov w13, #'2'
    csel w11, w13, w11, eq
    adr x12, after_c
    cmp x3, x12
    mov w13, #'3'
    csel w11, w13, w11, eq
    strb w11, [x10, #25]
    SAY m_sig, 27
    // Resume: 1 -> after_j, 2 -> after_c, 3 -> final with BTYPE 0.
    adr x12, after_j
    cmp x6, #2
    adr x13, after_c
    csel x12, x13, x12, eq
    cmp x6, #3
    adr x13, final
    csel x12, x13, x12, ge
    str x12, [x20, #440]        // uc_mcontext.pc
    b.lt 1f
    ldr x7, [x20, #448]
    and x7, x7, #~0xc00
    str x7, [x20, #448]
1:  ret

    .section .rodata
m_blr:   .ascii "blr to bti c: ok\n"
m_j:     .ascii "resumed at bti j: ok\n"
m_never: .ascii "never\n"
m_done:  .ascii "done\n"
    .p2align 3
act:
    .quad handler               // sa_handler
    .quad 4                     // sa_flags: SA_SIGINFO
    .quad 0                     // sa_restorer
    .quad 0                     // sa_mask

    .data
    .p2align 3
count:   .quad 0
m_sig:   .ascii "SIGILL code C btype B at N\n"

    .section .note.gnu.property, "a"
    .p2align 3
    .word 4                     // n_namesz
    .word 16                    // n_descsz
    .word 5                     // NT_GNU_PROPERTY_TYPE_0
    .asciz "GNU"
    .word 0xc0000000            // GNU_PROPERTY_AARCH64_FEATURE_1_AND
    .word 4
    .word 1                     // GNU_PROPERTY_AARCH64_FEATURE_1_BTI
    .word 0
