// Smallest end-to-end program: write(1, msg, len) then exit_group(0), no libc.
        .text
        .globl  _start
_start:
        mov     x0, #1
        adr     x1, msg
        mov     x2, #(msg_end - msg)
        mov     x8, #64                 // write
        svc     #0
        mov     x0, #0
        mov     x8, #94                 // exit_group
        svc     #0

        .section .rodata
msg:    .ascii  "raw hello\n"
msg_end:
