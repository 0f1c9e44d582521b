/* siglongjmp out of SIGSEGV handlers (the mask is restored by
 * sigsetjmp(env, 1)), si_addr of a NULL-page read, and stack overflow
 * caught on an alternate signal stack (sigaltstack). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sigjmp_buf env;
static void *volatile fault_addr;
static volatile int on_alt, alt_flags_onstack;
static char *alt;
static size_t altsz;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    fault_addr = si->si_addr;
    char here;
    on_alt = alt && &here >= alt && &here < alt + altsz;
    stack_t cur;
    sigaltstack(NULL, &cur);
    alt_flags_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
    siglongjmp(env, sig);
}

static volatile int forever = 1;

static int recurse(int n)
{
    volatile char buf[256];
    buf[0] = (char)n;
    if (!forever)
        return 0;
    return recurse(n + 1) + buf[0];
}

static volatile uintptr_t base0;

static volatile int *bad_ptr(uintptr_t a)
{
    return (volatile int *)(base0 + a);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);

    for (int i = 0; i < 3; i++) {
        int r = sigsetjmp(env, 1);
        if (r == 0) {
            volatile int *p = bad_ptr(0x10 * (i + 1));
            (void)*p;
            printf("not reached\n");
        } else {
            sigset_t m;
            sigprocmask(SIG_BLOCK, NULL, &m);
            printf("round %d: caught signal %d at %p, SEGV blocked after longjmp=%d, on alt=%d\n",
                   i, r, fault_addr, sigismember(&m, SIGSEGV), on_alt);
        }
    }

    altsz = 64 * 1024;
    alt = malloc(altsz);
    stack_t ss = {.ss_sp = alt, .ss_size = altsz, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        printf("sigaltstack failed\n");
        return 1;
    }
    stack_t cur;
    sigaltstack(NULL, &cur);
    printf("altstack set: size ok=%d flags=%d\n", cur.ss_size == altsz, cur.ss_flags);
    /* A too-small stack is refused. */
    stack_t tiny = {.ss_sp = alt, .ss_size = 16, .ss_flags = 0};
    printf("tiny altstack refused=%d\n", sigaltstack(&tiny, NULL) != 0);

    if (sigsetjmp(env, 1) == 0) {
        volatile int *p = bad_ptr(8);
        (void)*p;
    }
    printf("fault handled on alt stack=%d, SS_ONSTACK inside=%d\n", on_alt, alt_flags_onstack);

    if (sigsetjmp(env, 1) == 0) {
        recurse(0);
        printf("not reached\n");
    }
    printf("stack overflow caught on alt stack=%d\n", on_alt);
    sigaltstack(NULL, &cur);
    printf("after: SS_ONSTACK=%d\n", (cur.ss_flags & SS_ONSTACK) != 0);
    return 0;
}
