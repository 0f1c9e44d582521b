/* Benchmark: a small bytecode interpreter (switch dispatch, indirect
 * branches, loads/stores of a VM stack and registers) running a program that
 * counts primes by trial division and sums a sequence. Usage: interp [SCALE]. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, JZ, JMP, DUP, DROP, HALT };

typedef struct {
    uint8_t op;
    int32_t arg;
} Insn;

static int64_t run(const Insn *code, int64_t *reg)
{
    int64_t stack[64];
    int sp = 0, pc = 0;
    for (;;) {
        const Insn in = code[pc++];
        switch (in.op) {
        case PUSH: stack[sp++] = in.arg; break;
        case LOAD: stack[sp++] = reg[in.arg]; break;
        case STORE: reg[in.arg] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] = stack[sp] ? stack[sp - 1] % stack[sp] : 0; break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case JZ: if (stack[--sp] == 0) pc = in.arg; break;
        case JMP: pc = in.arg; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case DROP: sp--; break;
        case HALT: return reg[0];
        default: return -1;
        }
    }
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    /* r0 = count, r1 = n, r2 = d, r3 = limit, r4 = isprime, r5 = checksum */
    const Insn prog[] = {
        /* 0 */ {PUSH, 2}, {STORE, 1},
        /* 2: outer: if !(n < limit) halt */
        {LOAD, 1}, {LOAD, 3}, {LT, 0}, {JZ, 38},
        /* 6 */ {PUSH, 1}, {STORE, 4}, {PUSH, 2}, {STORE, 2},
        /* 10: inner: while d*d < n+1 */
        {LOAD, 2}, {LOAD, 2}, {MUL, 0}, {LOAD, 1}, {PUSH, 1}, {ADD, 0}, {LT, 0}, {JZ, 29},
        /* 18: if n % d == 0 { isprime = 0; break } */
        {LOAD, 1}, {LOAD, 2}, {MOD, 0}, {JZ, 27},
        /* 22: d++ */
        {LOAD, 2}, {PUSH, 1}, {ADD, 0}, {STORE, 2}, {JMP, 10},
        /* 27 */ {PUSH, 0}, {STORE, 4},
        /* 29: count += isprime; checksum = checksum*3 + n*isprime */
        {LOAD, 0}, {LOAD, 4}, {ADD, 0}, {STORE, 0},
        /* 33 */ {LOAD, 1}, {PUSH, 1}, {ADD, 0}, {STORE, 1}, {JMP, 2},
        /* 38 */ {HALT, 0},
    };
    int64_t total = 0;
    for (long r = 0; r < scale; r++) {
        int64_t reg[8] = {0, 0, 0, 1000000, 0, 0, 0, 0};
        total += run(prog, reg);
    }
    printf("primes below 1000000 (x%ld): %" PRId64 "\n", scale, total);
    return 0;
}
