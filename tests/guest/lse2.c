// FEAT_LSE2 alignment rules, checked against what AT_HWCAP says: with
// HWCAP_USCAT, unaligned LDAR/STLR/LDAPR/LSE atomics whose bytes lie in
// one 16-byte aligned granule work (and are atomic between threads); one
// that crosses a granule, and any unaligned exclusive, raises SIGBUS.
// Without HWCAP_USCAT every unaligned one raises SIGBUS. Each line says
// "ok" when the behaviour matches the HWCAP, so the output is the same
// on a CPU with and without LSE2. (LDAPR is not here: qemu-aarch64 7.2
// does not check its alignment; the frontend's unit tests cover it.)
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

#ifndef HWCAP_USCAT
#define HWCAP_USCAT (1 << 25)
#endif

#define ARCH ".arch armv8.4-a+rcpc\n"

static sigjmp_buf env;
static volatile int in_test;
static volatile int bus_code;

static void on_sigbus(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    (void)uc;
    bus_code = si->si_code;
    if (in_test)
        siglongjmp(env, 1);
}

static uint8_t buf[64] __attribute__((aligned(16)));

typedef uint64_t (*op_fn)(uint8_t *p);

static uint64_t op_ldar(uint8_t *p) { uint64_t v; __asm__ volatile(ARCH "ldar %0, [%1]" : "=r"(v) : "r"(p) : "memory"); return v; }
static uint64_t op_ldarw(uint8_t *p) { uint64_t v; __asm__ volatile(ARCH "ldar %w0, [%1]" : "=r"(v) : "r"(p) : "memory"); return v; }
static uint64_t op_ldarh(uint8_t *p) { uint64_t v; __asm__ volatile(ARCH "ldarh %w0, [%1]" : "=r"(v) : "r"(p) : "memory"); return v; }
static uint64_t op_stlr(uint8_t *p) { __asm__ volatile(ARCH "stlr %0, [%1]" : : "r"(0x8877665544332211ull), "r"(p) : "memory"); uint64_t v; memcpy(&v, p, 8); return v; }
static uint64_t op_ldadd(uint8_t *p) { uint64_t v; __asm__ volatile(ARCH "ldaddal %1, %0, [%2]" : "=&r"(v) : "r"(0x0101010101010101ull), "r"(p) : "memory"); uint64_t n; memcpy(&n, p, 8); return v ^ n; }
static uint64_t op_swpw(uint8_t *p) { uint64_t v; __asm__ volatile(ARCH "swpal %w1, %w0, [%2]" : "=&r"(v) : "r"(0xdeadbeef), "r"(p) : "memory"); return v; }
static uint64_t op_cas(uint8_t *p) { uint64_t e; memcpy(&e, p, 8); __asm__ volatile(ARCH "casal %0, %1, [%2]" : "+r"(e) : "r"(0x1234ull), "r"(p) : "memory"); uint64_t n; memcpy(&n, p, 8); return n; }
static uint64_t op_ldxr(uint8_t *p) { uint64_t v; __asm__ volatile(ARCH "ldxr %0, [%1]\n clrex" : "=r"(v) : "r"(p) : "memory"); return v; }

static int uscat;

// Runs op at buf + off; prints whether the outcome is what the HWCAP says.
static void check(const char *name, op_fn op, unsigned off, unsigned size, int exclusive) {
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(0x40 + i);
    uint8_t *p = buf + off;
    int aligned = off % size == 0;
    int crossing = off / 16 != (off + size - 1) / 16;
    int should_work = aligned || (uscat && !crossing && !exclusive);
    uint64_t want = 0;
    volatile uint64_t r = 0;
    volatile int faulted = 0;
    // The expected value computed the plain way.
    uint8_t copy[64];
    memcpy(copy, buf, sizeof buf);
    if (sigsetjmp(env, 1) == 0) {
        in_test = 1;
        r = op(p);
        in_test = 0;
    } else {
        in_test = 0;
        faulted = 1;
    }
    if (!faulted) {
        if (op == op_stlr) {
            want = 0x8877665544332211ull;
        } else if (op == op_ldadd) {
            uint64_t old;
            memcpy(&old, copy + off, 8);
            want = old ^ (old + 0x0101010101010101ull);
        } else if (op == op_cas) {
            want = 0x1234;
        } else {
            memcpy(&want, copy + off, size);
        }
    }
    const char *verdict;
    if (faulted)
        verdict = should_work ? "MISMATCH (SIGBUS)"
                  : bus_code == BUS_ADRALN ? "ok" : "SIGBUS with a wrong si_code";
    else
        verdict = !should_work ? "MISMATCH (no SIGBUS)" : r == want ? "ok" : "WRONG VALUE";
    printf("%-6s +%-2u %s\n", name, off, verdict);
}

static uint8_t shared[32] __attribute__((aligned(16)));

static void *adder(void *arg) {
    (void)arg;
    for (int i = 0; i < 100000; i++)
        __asm__ volatile(ARCH "ldadd %0, xzr, [%1]" : : "r"(1ull), "r"(shared + 5) : "memory");
    return 0;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, 0);
    uscat = (getauxval(AT_HWCAP) & HWCAP_USCAT) != 0;
    static const unsigned offs[] = {0, 1, 4, 7, 8, 9, 12, 15};
    for (unsigned i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        unsigned o = offs[i];
        check("ldar", op_ldar, o, 8, 0);
        check("ldarw", op_ldarw, o, 4, 0);
        check("ldarh", op_ldarh, o, 2, 0);
        check("stlr", op_stlr, o, 8, 0);
        check("ldadd", op_ldadd, o, 8, 0);
        check("swpw", op_swpw, o, 4, 0);
        check("cas", op_cas, o, 8, 0);
        check("ldxr", op_ldxr, o, 8, 1);
    }
    // Two threads adding to an unaligned counter inside one granule.
    const char *atomic = "ok";
    if (uscat) {
        pthread_t t1, t2;
        pthread_create(&t1, 0, adder, 0);
        pthread_create(&t2, 0, adder, 0);
        pthread_join(t1, 0);
        pthread_join(t2, 0);
        uint64_t v;
        memcpy(&v, shared + 5, 8);
        if (v != 200000)
            atomic = "LOST UPDATES";
    }
    printf("unaligned ldadd from two threads: %s\n", atomic);
    return 0;
}
