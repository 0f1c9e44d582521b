/* Accesses whose base register holds a small or large but valid-looking
 * address and whose offset reaches out of the address space: below 0
 * (address -8) and at 2^46 (xlat's guest limit, where its guard area
 * after the guest range begins), each from a hot loop that ran on
 * mapped memory first (so that it is compiled). xlat's compiled code
 * checks only the base register there and takes the host fault in its
 * guard areas: the guest must still see SIGSEGV with the exact address
 * and the state of the faulting iteration. Then a 16-byte vector load
 * and store that start 8 bytes below 2^46 (in the mapped last page) and
 * cross its end: si_addr is the first byte that faults, 2^46, not the
 * access's start. Portable C. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define N 64
#define WARM 3000
/* xlat's guest limit (GUEST_SPACE_BITS), a user address on every host
 * and guest here. */
#define TOP ((uintptr_t)1 << 46)

/* A 16-byte vector of any alignment: a volatile copy of one is one vector
 * load and one store (ldr/str q on AArch64, lxvd2x/stxvd2x on ppc64le,
 * movdqu/movups on x86-64; a memcpy is an ldp/stp pair on AArch64). */
typedef unsigned char v16 __attribute__((vector_size(16), aligned(1)));

static sigjmp_buf jb;
static volatile uintptr_t fault_addr;
static volatile long done;
static uint64_t words[N + 4];
static uint64_t *ptrs[N];

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    fault_addr = (uintptr_t)si->si_addr;
    siglongjmp(jb, sig);
}

/* One load 16 bytes below each pointer. */
__attribute__((noinline)) static uint64_t below(uint64_t *const *p, long n)
{
    uint64_t s = 0;
    for (long i = 0; i < n; i++) {
        done = i;
        s += p[i][-2];
    }
    return s;
}

/* Two loads off each pointer: its word and the next. */
__attribute__((noinline)) static uint64_t pair(uint64_t *const *p, long n)
{
    uint64_t s = 0;
    for (long i = 0; i < n; i++) {
        done = i;
        s += p[i][0] * 3 + p[i][1];
    }
    return s;
}

/* Two stores off each pointer: its word, then the next. */
__attribute__((noinline)) static void stores(uint64_t *const *p, long n)
{
    for (long i = 0; i < n; i++) {
        done = i;
        p[i][0] = (uint64_t)i + 100;
        __asm__ volatile("" ::: "memory");
        p[i][1] = (uint64_t)i + 200;
    }
}

/* One 16-byte copy from `src` to `dst`. */
__attribute__((noinline)) static void copy16(void *dst, const void *src)
{
    *(volatile v16 *)dst = *(const volatile v16 *)src;
}

static void reset(void)
{
    for (int i = 0; i < N + 4; i++)
        words[i] = (uint64_t)i * 0x101;
    for (int i = 0; i < N; i++)
        ptrs[i] = &words[2 + (i % 2)];
}

static void report(const char *what, int sig)
{
    if (!sig) {
        printf("%s: no fault\n", what);
        return;
    }
    printf("%s: signal %d after %ld iterations\n", what, sig, done);
    printf("  addr %#lx\n", (unsigned long)fault_addr);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    /* The last page below TOP, so that a base there is valid. */
    uint64_t *top = mmap((void *)(TOP - 4096), 4096, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (top != (uint64_t *)(TOP - 4096)) {
        puts("cannot map the page below 2^46");
        return 1;
    }
    uint64_t *last = top + 4096 / 8 - 1;
    *last = 7;
    int sig;

    reset();
    uint64_t t = 0;
    for (int k = 0; k < WARM; k++)
        t += below(ptrs, N);
    printf("below warm %#lx\n", (unsigned long)t);
    ptrs[N - 1] = (uint64_t *)8;
    if (!(sig = sigsetjmp(jb, 1)))
        below(ptrs, N);
    report("below", sig);

    reset();
    t = 0;
    for (int k = 0; k < WARM; k++)
        t += pair(ptrs, N);
    printf("pair warm %#lx\n", (unsigned long)t);
    ptrs[N - 1] = last;
    if (!(sig = sigsetjmp(jb, 1)))
        pair(ptrs, N);
    report("pair above", sig);

    reset();
    for (int k = 0; k < WARM; k++)
        stores(ptrs, N);
    printf("stores warm %#lx %#lx\n", (unsigned long)words[2], (unsigned long)words[4]);
    ptrs[N - 1] = last;
    if (!(sig = sigsetjmp(jb, 1)))
        stores(ptrs, N);
    report("stores above", sig);
    printf("  last word %#lx\n", (unsigned long)*last);

    /* 16 bytes from 8 below TOP: they fault at TOP, not at `last`. */
    unsigned char buf[16];
    memset(buf, 0x5a, sizeof buf);
    done = 0;
    if (!(sig = sigsetjmp(jb, 1)))
        copy16(buf, last);
    report("vector load across the top", sig);
    printf("  buf[0] %#x\n", buf[0]);
    done = 0;
    if (!(sig = sigsetjmp(jb, 1)))
        copy16(last, buf);
    /* (Whether the bytes below TOP were written differs: qemu writes
     * them, x86-64 does not; the architectures allow either.) */
    report("vector store across the top", sig);
    return 0;
}
