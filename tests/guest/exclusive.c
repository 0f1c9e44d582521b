// Exclusives between threads: 4 threads increment shared counters with
// LDXR/STXR, LDAXR/STLXR (bytes and words), LDXP/STXP (a 128-bit pair
// whose halves must stay equal) and a CASP loop; no increment may be lost
// and no pair torn (CASP only with FEAT_LSE). CLREX between a load- and a
// store-exclusive makes the store fail.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>

#define THREADS 4
#define ITERS 20000

static uint64_t c64 __attribute__((aligned(64)));
static uint32_t c32 __attribute__((aligned(64)));
static uint8_t c8 __attribute__((aligned(64)));
static uint64_t pair[2] __attribute__((aligned(64)));
static uint64_t cpair[2] __attribute__((aligned(64)));

static void inc64(uint64_t *p) {
    uint64_t v;
    uint32_t fail;
    __asm__ volatile("1: ldxr %0, [%2]\n add %0, %0, #1\n stxr %w1, %0, [%2]\n cbnz %w1, 1b"
                     : "=&r"(v), "=&r"(fail) : "r"(p) : "memory");
}

static void inc32(uint32_t *p) {
    uint32_t v, fail;
    __asm__ volatile("1: ldaxr %w0, [%2]\n add %w0, %w0, #1\n stlxr %w1, %w0, [%2]\n cbnz %w1, 1b"
                     : "=&r"(v), "=&r"(fail) : "r"(p) : "memory");
}

static void inc8(uint8_t *p) {
    uint32_t v, fail;
    __asm__ volatile("1: ldxrb %w0, [%2]\n add %w0, %w0, #1\n stxrb %w1, %w0, [%2]\n cbnz %w1, 1b"
                     : "=&r"(v), "=&r"(fail) : "r"(p) : "memory");
}

static int incpair(uint64_t *p) {
    uint64_t a, b;
    uint32_t fail;
    __asm__ volatile("1: ldaxp %0, %1, [%3]\n add %0, %0, #1\n add %1, %1, #1\n"
                     " stlxp %w2, %0, %1, [%3]\n cbnz %w2, 1b"
                     : "=&r"(a), "=&r"(b), "=&r"(fail) : "r"(p) : "memory");
    return a != b;
}

static int casp_inc(uint64_t *p) {
    register uint64_t x0 __asm__("x0"), x1 __asm__("x1");
    register uint64_t x2 __asm__("x2"), x3 __asm__("x3");
    uint64_t o0, o1;
    do {
        __asm__ volatile("ldp %0, %1, [%2]" : "=r"(o0), "=r"(o1) : "r"(p) : "memory");
        x0 = o0;
        x1 = o1;
        x2 = o0 + 1;
        x3 = o1 + 1;
        __asm__ volatile(".arch armv8.1-a\n caspal x0, x1, x2, x3, [%4]"
                         : "+r"(x0), "+r"(x1) : "r"(x2), "r"(x3), "r"(p) : "memory");
    } while (x0 != o0 || x1 != o1);
    return o0 != o1;
}

static int use_casp;

static void *worker(void *arg) {
    long torn = 0;
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        inc64(&c64);
        inc32(&c32);
        inc8(&c8);
        torn += incpair(pair);
        if (use_casp)
            torn += casp_inc(cpair);
    }
    return (void *)torn;
}

int main(void) {
    use_casp = (getauxval(AT_HWCAP) & (1 << 8)) != 0; /* HWCAP_ATOMICS */
    uint64_t x = 5, v;
    uint32_t st;
    __asm__ volatile("ldxr %0, [%2]\n clrex\n stxr %w1, %0, [%2]" : "=&r"(v), "=&r"(st) : "r"(&x) : "memory");
    printf("stxr after clrex fails: %d (value kept: %d)\n", st == 1, x == 5);
    __asm__ volatile("ldxr %0, [%2]\n stxr %w1, %0, [%2]" : "=&r"(v), "=&r"(st) : "r"(&x) : "memory");
    printf("stxr after ldxr succeeds: %d\n", st == 0);

    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], 0, worker, 0);
    long torn = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        torn += (long)r;
    }
    printf("ldxr/stxr 64: %llu\n", (unsigned long long)c64);
    printf("ldaxr/stlxr 32: %u\n", c32);
    printf("ldxrb/stxrb 8: %u\n", c8);
    printf("ldaxp/stlxp pair: %llu %llu\n", (unsigned long long)pair[0], (unsigned long long)pair[1]);
    printf("caspal pair: %llu %llu\n", (unsigned long long)cpair[0], (unsigned long long)cpair[1]);
    printf("torn pairs seen: %ld\n", torn);
    return 0;
}
