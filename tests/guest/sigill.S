// Executes UDF #0 (the all-zero word) without libc: the process must die of
// SIGILL. See sigill2.S for a word from an unallocated encoding space.
        .text
        .globl  _start
_start:
        mov     x0, #1
        adr     x1, msg
        mov     x2, #(msg_end - msg)
        mov     x8, #64                 // write
        svc     #0
        .inst   0x00000000              // UDF #0
        mov     x0, #0
        mov     x8, #94                 // exit_group
        svc     #0

        .section .rodata
msg:    .ascii  "before undefined instruction\n"
msg_end:
