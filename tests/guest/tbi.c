/* AArch64 top-byte-ignore (TBI0, which Linux enables for user space):
 * loads, stores, LDP/STP, LDXR/STXR, LSE atomics and 16-byte accesses
 * through pointers whose bits 63:56 hold a tag access the address with
 * the tag ignored. Each runs in a hot loop (so that it is compiled), with
 * a different tag per iteration. Then loads and stores through tagged
 * pointers to an unmapped page and to a PROT_NONE page: SIGSEGV, its
 * si_code and the si_addr the kernel and qemu-aarch64 report (without the
 * tag). AArch64 only. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define N 64
#define ITERS 5000

static uint64_t words[N + 2] __attribute__((aligned(16)));
static sigjmp_buf jb;
static volatile uintptr_t fault_addr;
static volatile int fault_code;
static volatile uint64_t sink;
static volatile int usr1;

static void on_usr1(int sig)
{
    usr1 = sig;
}

static void *tag(const void *p, uint64_t t)
{
    return (void *)(((uintptr_t)p & ~(0xffull << 56)) | ((t & 0xff) << 56));
}

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    fault_addr = (uintptr_t)si->si_addr;
    fault_code = si->si_code;
    siglongjmp(jb, sig);
}

/* Plain loads and stores of every size through tagged pointers. */
__attribute__((noinline)) static uint64_t plain(void)
{
    uint64_t s = 0;
    for (long i = 0; i < ITERS; i++) {
        uint64_t t = (uint64_t)i * 37 + 1;
        uint64_t *p = tag(&words[i % N], t);
        *p += (uint64_t)i;
        uint32_t *q = tag((uint32_t *)&words[(i + 1) % N] + 1, t + 1);
        *q ^= (uint32_t)i * 3;
        uint16_t *h = tag((uint16_t *)&words[(i + 2) % N] + 3, t + 2);
        *h += 5;
        uint8_t *b = tag((uint8_t *)&words[(i + 3) % N] + 1, t + 3);
        *b = (uint8_t)(*b + 1);
        s += *p + *q + *h + *b;
    }
    return s;
}

/* LDP/STP of X registers through a tagged pointer. */
__attribute__((noinline)) static uint64_t pairs(void)
{
    uint64_t s = 0;
    for (long i = 0; i < ITERS; i++) {
        uint64_t *p = tag(&words[(i * 2) % N], 0x5a + (uint64_t)i);
        uint64_t a, b;
        __asm__ volatile("ldp %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"(p) : "memory");
        a += b + 1;
        b ^= a;
        __asm__ volatile("stp %0, %1, [%2]" ::"r"(a), "r"(b), "r"(p) : "memory");
        s += a - b;
    }
    return s;
}

/* 16-byte Q-register load and store through a tagged pointer. */
__attribute__((noinline)) static uint64_t quads(void)
{
    uint64_t s = 0;
    for (long i = 0; i < ITERS; i++) {
        uint64_t *p = tag(&words[(i * 2 + 2) % N], 0xa5 ^ (uint64_t)i);
        __asm__ volatile("ldr q0, [%0]\n\t"
                         "ext v0.16b, v0.16b, v0.16b, #8\n\t"
                         "str q0, [%0]"
                         ::"r"(p)
                         : "v0", "memory");
        s += words[(i * 2 + 2) % N];
    }
    return s;
}

/* LDXR/STXR increment loop through a tagged pointer. */
__attribute__((noinline)) static uint64_t exclusive(void)
{
    for (long i = 0; i < ITERS; i++) {
        uint64_t *p = tag(&words[N], 0x80 + (uint64_t)(i & 0x7f));
        uint64_t v;
        uint32_t fail;
        do {
            __asm__ volatile("ldxr %0, [%2]\n\t"
                             "add %0, %0, #3\n\t"
                             "stxr %w1, %0, [%2]"
                             : "=&r"(v), "=&r"(fail)
                             : "r"(p)
                             : "memory");
        } while (fail);
    }
    return words[N];
}

/* LSE atomics (LDADD, CAS, SWP) through a tagged pointer. */
__attribute__((noinline)) static uint64_t atomics(void)
{
    uint64_t s = 0;
    for (long i = 0; i < ITERS; i++) {
        uint64_t *p = tag(&words[N + 1], (uint64_t)i);
        s += __atomic_fetch_add(p, 7, __ATOMIC_SEQ_CST);
        uint64_t exp = *p;
        __atomic_compare_exchange_n(p, &exp, exp * 3, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        s ^= __atomic_exchange_n(p, exp + (uint64_t)i, __ATOMIC_SEQ_CST);
    }
    return s;
}

static uint64_t sum(void)
{
    uint64_t s = 0;
    for (int i = 0; i < N + 2; i++)
        s = s * 31 + words[i];
    return s;
}

static void fault(const char *what, volatile uint64_t *p, int write)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, 0);
    fault_addr = 0;
    fault_code = 0;
    int sig = sigsetjmp(jb, 1);
    if (!sig) {
        if (write)
            *p = 1;
        else
            sink = *p;
        printf("%s: no fault\n", what);
    } else {
        long off = (long)((uintptr_t)fault_addr - ((uintptr_t)p & ((1ull << 56) - 1)));
        printf("%s: signal %d code %d si_addr tag 0x%02lx offset %ld\n", what, sig, fault_code,
               (unsigned long)(fault_addr >> 56), off);
    }
    signal(SIGSEGV, SIG_DFL);
}

int main(void)
{
    for (int i = 0; i < N + 2; i++)
        words[i] = (uint64_t)i * 0x0101010101010101ull;
    printf("plain: %016llx\n", (unsigned long long)plain());
    printf("pairs: %016llx\n", (unsigned long long)pairs());
    printf("quads: %016llx\n", (unsigned long long)quads());
    printf("exclusive: %llu\n", (unsigned long long)exclusive());
    printf("atomics: %016llx\n", (unsigned long long)atomics());
    printf("memory: %016llx\n", (unsigned long long)sum());

    /* A first signal, so that xlat maps its sigreturn page now and not
     * later into the hole made below. */
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    /* An unmapped page: map three, unmap the second. */
    uint8_t *m = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 1;
    munmap(m + 4096, 4096);
    volatile uint64_t *ok = tag(m + 8, 0x3c);
    *ok = 42;
    printf("mapped tagged: %llu\n", (unsigned long long)*(volatile uint64_t *)(m + 8));
    fault("load", tag(m + 4096 + 16, 0x5a), 0);
    fault("store", tag(m + 4096 + 24, 0xf1), 1);
    /* A page without access (the third): SEGV_ACCERR. */
    mprotect(m + 2 * 4096, 4096, PROT_NONE);
    fault("store none", tag(m + 2 * 4096 + 32, 0x77), 1);
    fault("load none", tag(m + 2 * 4096 + 40, 0xc3), 0);
    return 0;
}
