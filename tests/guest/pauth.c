// Pointer authentication (FEAT_PAuth) under -cpu max: the program itself
// is built with -mbranch-protection=standard -march=armv8.3-a (every
// non-leaf function signs its return address with PACIASP and returns with
// RETAA), and checks properties that hold whatever the (random) keys are:
// sign/authenticate round trips, failures reported in bits 54:53, PACGA,
// LDRAA/LDRAB, BLRAA/BRAA, key inheritance across fork and threads, new
// keys after prctl(PR_PAC_RESET_KEYS), and that using a pointer whose
// authentication failed kills the process with SIGSEGV.
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PR_PAC_RESET_KEYS
#define PR_PAC_RESET_KEYS 54
#define PR_PAC_APIAKEY (1UL << 0)
#endif

#define PAC_FIELD 0x007f000000000000ull

static uint64_t pacia(uint64_t p, uint64_t m) { __asm__ volatile("pacia %0, %1" : "+r"(p) : "r"(m)); return p; }
static uint64_t autia(uint64_t p, uint64_t m) { __asm__ volatile("autia %0, %1" : "+r"(p) : "r"(m)); return p; }
static uint64_t pacib(uint64_t p, uint64_t m) { __asm__ volatile("pacib %0, %1" : "+r"(p) : "r"(m)); return p; }
static uint64_t autib(uint64_t p, uint64_t m) { __asm__ volatile("autib %0, %1" : "+r"(p) : "r"(m)); return p; }
static uint64_t pacdza(uint64_t p) { __asm__ volatile("pacdza %0" : "+r"(p)); return p; }
static uint64_t pacdzb(uint64_t p) { __asm__ volatile("pacdzb %0" : "+r"(p)); return p; }
static uint64_t autdza(uint64_t p) { __asm__ volatile("autdza %0" : "+r"(p)); return p; }
static uint64_t xpacd(uint64_t p) { __asm__ volatile("xpacd %0" : "+r"(p)); return p; }
static uint64_t pacga(uint64_t a, uint64_t b) {
    uint64_t r;
    __asm__ volatile("pacga %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

static long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static uint64_t data[4] = {11, 22, 33, 44};

static long answer(long x) { return x * 2 + 1; }

static long call_signed(long (*f)(long), long arg) {
    uint64_t p = pacia((uint64_t)f, 0x1234), r;
    register uint64_t x0 __asm__("x0") = arg;
    __asm__ volatile("mov x1, #0x1234\n blraa %1, x1" : "+r"(x0) : "r"(p) : "x1", "x30", "memory");
    r = x0;
    return (long)r;
}

static uint64_t signed_ptr;

static void *thread_auth(void *arg) {
    (void)arg;
    return (void *)(uintptr_t)(autia(signed_ptr, 99) == (uint64_t)data);
}

// Dies with SIGSEGV if the pointer authentication failed, as it must.
static int child_status(void (*f)(void)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        f();
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFSIGNALED(st) ? WTERMSIG(st) : 100 + WEXITSTATUS(st);
}

static void use_failed_data_pointer(void) {
    uint64_t p = pacdza((uint64_t)data) ^ (1ull << 49);
    volatile uint64_t *q = (uint64_t *)autdza(p);
    printf("not reached %lu\n", (unsigned long)*q);
}

static void retaa_to_corrupted_lr(void) {
    uint64_t lr = pacia((uint64_t)&use_failed_data_pointer, 0) ^ (1ull << 52);
    __asm__ volatile("mov x30, %0\n retaa" : : "r"(lr) : "x30", "memory");
}

static void ldraa_with_wrong_key(void) {
    uint64_t p = pacdzb((uint64_t)&data[1]), v;
    // Signed with key B, loaded through key A: fails unless the PACs agree.
    for (int i = 0; i < 16; i++) {
        p = pacdzb((uint64_t)&data[i & 1]);
        __asm__ volatile("ldraa %0, [%1]" : "=r"(v) : "r"(p) : "memory");
    }
    printf("not reached %lu\n", (unsigned long)v);
}

int main(void) {
    uint64_t p = (uint64_t)data;
    printf("fib(20) with pac-ret: %ld\n", fib(20));

    uint64_t s = pacia(p, 42);
    printf("pacia leaves the address: %d\n", (s & ~PAC_FIELD) == p);
    printf("autia(pacia) == p: %d\n", autia(s, 42) == p);
    printf("autib(pacib) == p: %d\n", autib(pacib(p, 7), 7) == p);
    printf("xpacd strips: %d\n", xpacd(s) == p);
    int fails = 0;
    uint64_t code = 0;
    for (int m = 0; m < 16; m++) {
        uint64_t r = autia(s, 1000 + m);
        if (r != p) {
            fails++;
            code = r ^ p;
        }
    }
    printf("wrong modifiers fail: %d, error code bits: %#llx\n", fails > 0,
           (unsigned long long)code);
    uint64_t bcode = autib(pacia(p, 5) ^ (1ull << 48), 5) ^ p;
    printf("key B failure code (when it fails): %#llx\n",
           (unsigned long long)(bcode ? bcode : 1ull << 54));

    uint64_t g1 = pacga(p, 1), g2 = pacga(p, 1);
    int gdiff = 0;
    for (int m = 2; m < 10; m++)
        gdiff |= pacga(p, m) != g1;
    printf("pacga: low half zero %d, deterministic %d, modifier matters %d\n",
           (g1 & 0xffffffff) == 0, g1 == g2, gdiff);

    uint64_t v0, v1, wb = pacdzb((uint64_t)&data[2]);
    __asm__ volatile("ldraa %0, [%1, #8]" : "=r"(v0) : "r"(pacdza(p)) : "memory");
    __asm__ volatile("ldrab %0, [%1, #8]!" : "=r"(v1), "+r"(wb) : : "memory");
    printf("ldraa [p, #8] = %lu, ldrab [p, #8]! = %lu, writeback ok %d\n",
           (unsigned long)v0, (unsigned long)v1, wb == (uint64_t)&data[3]);

    printf("blraa to a signed function: %ld\n", call_signed(answer, 20));

    signed_ptr = pacia(p, 99);
    pthread_t t;
    void *ok;
    pthread_create(&t, 0, thread_auth, 0);
    pthread_join(t, &ok);
    printf("a thread shares the keys: %d\n", ok != 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(autia(signed_ptr, 99) == p ? 7 : 8);
    int st;
    waitpid(pid, &st, 0);
    printf("a forked child keeps the keys: %d\n", WEXITSTATUS(st) == 7);

    uint64_t before[8];
    for (int i = 0; i < 8; i++)
        before[i] = pacia(p + 16 * i, 3);
    long r = prctl(PR_PAC_RESET_KEYS, PR_PAC_APIAKEY, 0, 0, 0);
    int changed = 0;
    for (int i = 0; i < 8; i++)
        changed |= autia(before[i], 3) != p + 16 * i;
    printf("prctl(PR_PAC_RESET_KEYS) = %ld, old signatures fail: %d\n", r, changed);
    printf("prctl(PR_PAC_RESET_KEYS, bad mask) = %d\n",
           prctl(PR_PAC_RESET_KEYS, 1UL << 9, 0, 0, 0));

    printf("data pointer that failed authentication: signal %d\n",
           child_status(use_failed_data_pointer));
    printf("retaa with a corrupted return address: signal %d\n",
           child_status(retaa_to_corrupted_lr));
    printf("ldraa of a pointer signed with key B: signal %d\n",
           child_status(ldraa_with_wrong_key));
    // Not `return`: main's own return address was signed with the APIA key
    // that prctl replaced, so its RETAA would fault (as on Linux).
    exit(0);
}
