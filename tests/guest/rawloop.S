// No libc: a counted loop with a conditional branch, a call/return, loads and
// stores to the stack, then write of a computed digit string and exit_group(7).
// Exercises blocks that are executed many times (tier-up in mixed mode).
        .text
        .globl  _start
_start:
        mov     x19, #0                 // sum
        mov     x20, #0                 // i
1:      mov     x0, x20
        bl      square                  // x0 = i*i
        add     x19, x19, x0
        add     x20, x20, #1
        cmp     x20, #1000
        b.lo    1b
        // sum of i^2 for i < 1000 = 332833500; print it in decimal
        sub     sp, sp, #32
        add     x1, sp, #31             // end of buffer
        mov     w2, #10                 // newline
        strb    w2, [x1]
        mov     x3, #10
2:      udiv    x4, x19, x3
        msub    x5, x4, x3, x19         // digit = sum - (sum/10)*10
        add     x5, x5, #'0'
        sub     x1, x1, #1
        strb    w5, [x1]
        mov     x19, x4
        cbnz    x19, 2b
        add     x2, sp, #32
        sub     x2, x2, x1              // length
        mov     x0, #1
        mov     x8, #64                 // write
        svc     #0
        add     sp, sp, #32
        mov     x0, #7
        mov     x8, #94                 // exit_group
        svc     #0

square:
        mul     x0, x0, x0
        ret
