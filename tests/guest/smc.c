/*
 * Self-modifying code: code written into an RWX page, run, rewritten and
 * run again (also hot, so that it is compiled, and from a second thread),
 * a JIT-style W^X cycle through mprotect RW -> RX, and code placed by a
 * read() syscall. The generated functions return a constant; the same
 * source builds for x86-64 and AArch64 (the encoder differs).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef int (*fn_t)(void);

/* Writes "return v" at p; returns the code size. */
static size_t emit(unsigned char *p, unsigned v)
{
#if defined(__aarch64__)
    uint32_t insn[2] = {0x52800000u | ((v & 0xffff) << 5), 0xd65f03c0u}; /* movz w0, #v; ret */
    memcpy(p, insn, sizeof insn);
    return sizeof insn;
#elif defined(__x86_64__)
    p[0] = 0xb8; /* mov eax, imm32 */
    memcpy(p + 1, &v, 4);
    p[5] = 0xc3; /* ret */
    return 6;
#else
#error "unsupported architecture"
#endif
}

static void flush(void *p, size_t n)
{
    __builtin___clear_cache((char *)p, (char *)p + n);
}

static unsigned char *rwx;

static long hot(fn_t f, int n)
{
    long s = 0;
    for (int i = 0; i < n; i++)
        s += f();
    return s;
}

static void *writer(void *arg)
{
    unsigned v = (unsigned)(uintptr_t)arg;
    flush(rwx, emit(rwx, v));
    return (void *)(uintptr_t)((fn_t)rwx)();
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    rwx = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rwx == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    fn_t f = (fn_t)rwx;
    flush(rwx, emit(rwx, 1));
    printf("first: %d\n", f());
    flush(rwx, emit(rwx, 2));
    printf("rewritten: %d\n", f());

    /* Hot code rewritten many times (compiled in between). */
    long total = 0;
    for (unsigned round = 0; round < 20; round++) {
        flush(rwx, emit(rwx, round));
        total += hot(f, 2000);
    }
    printf("hot rounds total: %ld\n", total);

    /* A store into the code page next to the code (data and code share
     * the page), then the code still runs. */
    flush(rwx, emit(rwx, 77));
    for (int i = 0; i < 100; i++) {
        rwx[2048 + i] = (unsigned char)i;
        total = f();
    }
    printf("data next to code: %ld %d\n", total, rwx[2048 + 99]);

    /* A second thread rewrites the code, runs it; then this thread runs it. */
    pthread_t t;
    void *ret;
    pthread_create(&t, NULL, writer, (void *)(uintptr_t)300);
    pthread_join(t, &ret);
    printf("thread ran: %d, main runs: %d\n", (int)(uintptr_t)ret, f());
    hot(f, 5000);
    pthread_create(&t, NULL, writer, (void *)(uintptr_t)301);
    pthread_join(t, &ret);
    printf("thread ran: %d, main runs: %d\n", (int)(uintptr_t)ret, f());

    /* W^X: RW while writing, RX while running. */
    unsigned char *jit = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    fn_t g = (fn_t)(jit + 4096);
    long wx = 0;
    for (unsigned i = 0; i < 10; i++) {
        mprotect(jit, 8192, PROT_READ | PROT_WRITE);
        emit(jit + 4096, 1000 + i);
        flush(jit + 4096, 16);
        mprotect(jit, 8192, PROT_READ | PROT_EXEC);
        wx += hot(g, 500);
    }
    printf("W^X cycles total: %ld\n", wx);

    /* Code placed by the kernel (read from a pipe) into the RWX page. */
    unsigned char code[16];
    size_t n = emit(code, 4242);
    int p[2];
    if (pipe(p) != 0 || write(p[1], code, n) != (ssize_t)n || read(p[0], rwx, n) != (ssize_t)n)
        return 1;
    flush(rwx, n);
    printf("read() into code: %d\n", f());
    return 0;
}
