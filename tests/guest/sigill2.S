// Executes a word from an unallocated encoding space (op0 = 0b0001 at bits
// [28:25], "Unallocated" in the Arm ARM top-level A64 table) directly:
// the process must die of SIGILL.
        .text
        .globl  _start
_start:
        mov     x0, #1
        adr     x1, msg
        mov     x2, #(msg_end - msg)
        mov     x8, #64                 // write
        svc     #0
        .inst   0x02000000              // unallocated (op0 = 0b0001)
        mov     x0, #0
        mov     x8, #94                 // exit_group
        svc     #0

        .section .rodata
msg:    .ascii  "before unallocated instruction\n"
msg_end:
