/* Precise SIGSEGV state at the points where compiled code keeps no
 * write-back of its own (xlat re-runs from an earlier snapshot): the first
 * store after loads, a second store, a load after a load and store of the
 * same word, a load loop, a store loop and a read-modify-write loop
 * faulting after many iterations (the last two with NZCV, which their
 * compare sets after the store), a store pair faulting in its second
 * half, and a copy loop (glibc's memcpy: a store pair first, a load after
 * it) whose store pair faults in its second half after many passes, and
 * a bytecode dispatch loop (interp's: a compare after the opcode load, a
 * store in the handler) whose load faults after a storing pass, with the
 * NZCV of the previous compare (xlat's snapshot keeps them as the
 * compare's operands there). Each scenario is a small assembly function run 20000 times on
 * mapped memory first (so that it is compiled), then once against a
 * PROT_NONE page; the handler prints the registers it set, the PC (as an
 * offset into the function) and the fault address (as an offset from the
 * mapping), and the memory it wrote. AArch64 only. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

/* x0 = readable word, x1 = store address:
 * x9 = [x0]; x10 = x9 + 1; x11 = 7; [x1] = x10. */
void s_first(uint64_t *a, uint64_t *b);
/* [x0] = x2; x11 = x2 + 5; [x1] = x11 (32 bits). */
void s_second(uint64_t *a, uint64_t *b, uint64_t v);
/* x9 = [x0] + 1; [x0] = x9; x10 = [x1]. */
void s_same(uint64_t *a, uint64_t *b);
/* x3 times: x10 += [x0], x0 += 8, x11 += 1; returns x10. */
uint64_t s_loadloop(uint64_t *a, uint64_t n0, uint64_t n1, uint64_t count);
/* x3 times: [x0] += 1, x0 += 8, x11 += 1. */
void s_storeloop(uint64_t *a, uint64_t n0, uint64_t n1, uint64_t count);
/* x2 = 5, x11 = 0; until x11 = count: x1 = x2 & 63, x2 += 7,
 * x3 = [x0], x1 = x3 + (table[x1] >> 3), [x0] = x1, x0 += 8, x11 += 1,
 * compare x11 with count (memwork's read-modify-write loop: x1 is set
 * before any access, NZCV after the store). */
void s_rmwloop(uint64_t *a, const uint64_t *table, uint64_t count);
/* [x0] = x2, [x0 + 8] = x3 (one stp), x0 += 16 (writeback). */
void s_pair(uint64_t *a, uint64_t n, uint64_t v, uint64_t w);
/* x2 times: [x0] = x3, [x0 + 8] = x4 (one stp), x9 = [x1], x0 += 16,
 * x11 += 1 (the loop's back edge follows a load, not a store). */
void s_pairloop(uint64_t *a, const uint64_t *src, uint64_t count, uint64_t v, uint64_t w);
/* x5 = 0; loop: w3 = [x0], x0 += 8; if w3 > 12 return x5; [x1 + 8 * x5] =
 * x4; x5 = (x5 + 1) & 63. The handler is the compare's taken branch, so
 * that xlat's first region of the loop head holds it. */
uint64_t s_dispatch(const uint64_t *code, uint64_t *out, uint64_t n, uint64_t n1, uint64_t v);

__asm__(".text\n"
        ".p2align 4\n"
        ".globl s_first\n"
        "s_first:\n"
        "  ldr x9, [x0]\n"
        "  add x10, x9, #1\n"
        "  mov x11, #7\n"
        "  str x10, [x1]\n"
        "  ret\n"
        ".globl s_second\n"
        "s_second:\n"
        "  str x2, [x0]\n"
        "  add x11, x2, #5\n"
        "  str w11, [x1]\n"
        "  ret\n"
        ".globl s_same\n"
        "s_same:\n"
        "  ldr x9, [x0]\n"
        "  add x9, x9, #1\n"
        "  str x9, [x0]\n"
        "  ldr x10, [x1]\n"
        "  ret\n"
        ".globl s_loadloop\n"
        "s_loadloop:\n"
        "  mov x10, #0\n"
        "  mov x11, #0\n"
        "1:\n"
        "  ldr x9, [x0], #8\n"
        "  add x10, x10, x9\n"
        "  add x11, x11, #1\n"
        "  subs x3, x3, #1\n"
        "  b.ne 1b\n"
        "  mov x0, x10\n"
        "  ret\n"
        ".globl s_storeloop\n"
        "s_storeloop:\n"
        "  mov x11, #0\n"
        "1:\n"
        "  ldr x9, [x0]\n"
        "  add x9, x9, #1\n"
        "  str x9, [x0], #8\n"
        "  add x11, x11, #1\n"
        "  subs x3, x3, #1\n"
        "  b.ne 1b\n"
        "  ret\n"
        ".globl s_rmwloop\n"
        "s_rmwloop:\n"
        "  mov x4, x1\n"
        "  mov x5, x2\n"
        "  mov x2, #5\n"
        "  mov x11, #0\n"
        "1:\n"
        "  and x1, x2, #0x3f\n"
        "  add x2, x2, #7\n"
        "  ldr x3, [x0]\n"
        "  ldr x1, [x4, x1, lsl #3]\n"
        "  add x1, x3, x1, lsr #3\n"
        "  str x1, [x0], #8\n"
        "  add x11, x11, #1\n"
        "  cmp x11, x5\n"
        "  b.lo 1b\n"
        "  ret\n"
        ".globl s_pair\n"
        "s_pair:\n"
        "  mov x9, #3\n"
        "  stp x2, x3, [x0], #16\n"
        "  ret\n"
        ".globl s_pairloop\n"
        "s_pairloop:\n"
        "  mov x11, #0\n"
        "1:\n"
        "  stp x3, x4, [x0]\n"
        "  ldr x9, [x1]\n"
        "  add x0, x0, #16\n"
        "  add x11, x11, #1\n"
        "  subs x2, x2, #1\n"
        "  b.ne 1b\n"
        "  ret\n"
        ".globl s_dispatch\n"
        "s_dispatch:\n"
        "  mov x5, #0\n"
        "1:\n"
        "  ldr w3, [x0], #8\n"
        "  cmp w3, #12\n"
        "  b.ls 3f\n"
        "  mov x0, x5\n"
        "  ret\n"
        "3:\n"
        "  str x4, [x1, x5, lsl #3]\n"
        "  add x5, x5, #1\n"
        "  and x5, x5, #63\n"
        "  b 1b\n");

#define PAGE 4096
/* Readable and writable bytes at base; the page after them is PROT_NONE.
 * The load loop crosses all of them: over 4096 passes (xlat's retry
 * bound, RETRY_BLOCKS) after its last snapshot. */
#define DATA (10 * PAGE)
#define WARM 20000

static sigjmp_buf jb;
static char *base;
static uintptr_t fn_start;
static volatile int faults;
/* Bit n: print xn (only registers the scenario set: the others hold
 * whatever the C library left there). */
static unsigned show;
/* Print NZCV too (set by the scenario's loop). */
static int show_nzcv;

static void handler(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    mcontext_t *mc = &uc->uc_mcontext;
    faults++;
    printf("  sig %d addr +%#lx pc +%#lx", sig, (unsigned long)((char *)si->si_addr - base),
           (unsigned long)(mc->pc - fn_start));
    if (show & 1)
        printf(" x0 +%#lx", (unsigned long)(mc->regs[0] - (uintptr_t)base));
    for (int r = 1; r < 31; r++)
        if (show & (1u << r))
            printf(" x%d %#lx", r, (unsigned long)mc->regs[r]);
    if (show_nzcv)
        printf(" nzcv %#lx", (unsigned long)(mc->pstate >> 28 & 0xf));
    putchar('\n');
    siglongjmp(jb, 1);
}

/* The mapped words: word i holds i * 0x10001. */
static void fill(void)
{
    uint64_t *w = (uint64_t *)base;
    for (unsigned i = 0; i < DATA / 8; i++)
        w[i] = (uint64_t)i * 0x10001;
}

static uint64_t sum_words(void)
{
    uint64_t s = 0, *w = (uint64_t *)base;
    for (unsigned i = 0; i < DATA / 8; i++)
        s = s * 31 + w[i];
    return s;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    base = mmap(NULL, DATA + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        return 1;
    mprotect(base + DATA, PAGE, PROT_NONE);
    uint64_t *w = (uint64_t *)base;
    uint64_t *bad = (uint64_t *)(base + DATA + 0x18);

    fill();
    puts("first store after loads");
    for (int i = 0; i < WARM; i++)
        s_first(&w[3], &w[4]);
    fn_start = (uintptr_t)s_first;
    show = 1u << 9 | 1u << 10 | 1u << 11;
    if (!sigsetjmp(jb, 1))
        s_first(&w[5], bad);
    printf("  w4 %#lx\n", (unsigned long)w[4]);

    fill();
    puts("second store");
    for (int i = 0; i < WARM; i++)
        s_second(&w[6], &w[7], (uint64_t)i);
    fn_start = (uintptr_t)s_second;
    show = 1u << 11;
    if (!sigsetjmp(jb, 1))
        s_second(&w[6], bad, 0x1234);
    printf("  w6 %#lx\n", (unsigned long)w[6]);

    fill();
    puts("load after a load and store of one word");
    for (int i = 0; i < WARM; i++)
        s_same(&w[8], &w[9]);
    w[8] = 0x500;
    fn_start = (uintptr_t)s_same;
    show = 1u << 9;
    if (!sigsetjmp(jb, 1))
        s_same(&w[8], bad);
    printf("  w8 %#lx\n", (unsigned long)w[8]);

    fill();
    puts("load loop");
    uint64_t t = 0;
    for (int i = 0; i < WARM; i++)
        t += s_loadloop(&w[i % 64], 0, 0, 64);
    printf("  warm %#lx\n", (unsigned long)t);
    fn_start = (uintptr_t)s_loadloop;
    show = 1u << 0 | 1u << 3 | 1u << 9 | 1u << 10 | 1u << 11;
    if (!sigsetjmp(jb, 1))
        s_loadloop(&w[16], 0, 0, 100000);

    fill();
    puts("store loop");
    for (int i = 0; i < WARM; i++)
        s_storeloop(&w[i % 64], 0, 0, 64);
    printf("  warm %#lx\n", (unsigned long)sum_words());
    fill();
    fn_start = (uintptr_t)s_storeloop;
    show = 1u << 0 | 1u << 3 | 1u << 9 | 1u << 11;
    show_nzcv = 1;
    if (!sigsetjmp(jb, 1))
        s_storeloop(&w[100], 0, 0, 100000);
    show_nzcv = 0;
    printf("  words %#lx\n", (unsigned long)sum_words());

    fill();
    puts("read-modify-write loop");
    for (int i = 0; i < WARM; i++)
        s_rmwloop(&w[64 + i % 64], w, 64);
    printf("  warm %#lx\n", (unsigned long)sum_words());
    fill();
    fn_start = (uintptr_t)s_rmwloop;
    show = 1u << 0 | 1u << 1 | 1u << 2 | 1u << 3 | 1u << 11;
    show_nzcv = 1;
    if (!sigsetjmp(jb, 1))
        s_rmwloop(&w[100], w, 100000);
    show_nzcv = 0;
    printf("  words %#lx\n", (unsigned long)sum_words());

    fill();
    puts("store pair, second half faults");
    for (int i = 0; i < WARM; i++)
        s_pair(&w[10], 0, (uint64_t)i, 0x77);
    fn_start = (uintptr_t)s_pair;
    show = 1u << 0 | 1u << 2 | 1u << 3 | 1u << 9;
    if (!sigsetjmp(jb, 1))
        s_pair(&w[DATA / 8 - 1], 0, 0xabc, 0xdef);
    printf("  last %#lx\n", (unsigned long)w[DATA / 8 - 1]);

    fill();
    puts("copy loop, its store pair's second half faults");
    for (int i = 0; i < WARM; i++)
        s_pairloop(&w[10], &w[3], 16, (uint64_t)i, 0x77);
    fn_start = (uintptr_t)s_pairloop;
    show = 1u << 0 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 9 | 1u << 11;
    if (!sigsetjmp(jb, 1))
        s_pairloop(&w[DATA / 8 - 1 - 2 * 1000], &w[5], 100000, 0xabc, 0xdef);
    printf("  words %#lx\n", (unsigned long)sum_words());

    fill();
    puts("dispatch loop, its opcode load faults after a store");
    for (unsigned i = 0; i < 64; i++)
        w[200 + i] = i % 13;
    w[264] = 13;
    t = 0;
    for (int i = 0; i < WARM; i++)
        t += s_dispatch(&w[200 + i % 64], w, 0, 0, (uint64_t)i);
    printf("  warm %#lx\n", (unsigned long)t);
    fill();
    for (unsigned i = DATA / 8 - 2000; i < DATA / 8; i++)
        w[i] = i % 13;
    w[DATA / 8 - 1] = 12;
    fn_start = (uintptr_t)s_dispatch;
    show = 1u << 0 | 1u << 3 | 1u << 4 | 1u << 5;
    show_nzcv = 1;
    if (!sigsetjmp(jb, 1))
        s_dispatch(&w[DATA / 8 - 2000], w, 0, 0, 0x55);
    show_nzcv = 0;
    printf("  words %#lx\n", (unsigned long)sum_words());

    printf("faults %d\n", faults);
    return 0;
}
