/* Guest signal handlers: a handler runs and returns, SA_SIGINFO fields,
 * masks during a handler, SA_NODEFER, SA_RESETHAND, signals blocked then
 * unblocked, a SIGSEGV handler that fixes the fault up and continues, a
 * SIGILL handler that skips the instruction through the ucontext, and
 * FP/SIMD registers preserved across a handler. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t hits, depth, maxdepth, calls;
static volatile int info_code, info_signo;
static void *volatile info_addr;
static volatile int blocked_inside;

static void count(int sig)
{
    (void)sig;
    hits++;
}

static void with_info(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    info_signo = si->si_signo;
    info_code = si->si_code;
    hits++;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    blocked_inside = sigismember(&cur, sig) * 10 + sigismember(&cur, SIGUSR2);
}

static void nested(int sig)
{
    depth++;
    calls++;
    if (depth > maxdepth)
        maxdepth = depth;
    if (calls < 3)
        raise(sig);
    depth--;
}

static volatile char *page;
static long pagesz;

static void segv_fixup(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    info_addr = si->si_addr;
    info_code = si->si_code;
    hits++;
    mprotect((void *)page, pagesz, PROT_READ | PROT_WRITE);
}

static void ill_skip(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    ucontext_t *uc = ucv;
    hits++;
    info_code = si->si_code;
#if defined(__aarch64__)
    info_addr = (void *)uc->uc_mcontext.pc;
    uc->uc_mcontext.pc += 4;
#elif defined(__x86_64__)
    info_addr = (void *)uc->uc_mcontext.gregs[REG_RIP];
    uc->uc_mcontext.gregs[REG_RIP] += 2;
#endif
}

static volatile double fsink;

static void fp_clobber(int sig)
{
    (void)sig;
    double a = 1.5;
    for (int i = 0; i < 100; i++)
        a = a * 1.0001 + 0.25;
    fsink = a;
    hits++;
}

static void install(int sig, void (*h)(int), int flags, int masksig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (masksig)
        sigaddset(&sa.sa_mask, masksig);
    sigaction(sig, &sa, NULL);
}

static void install_info(int sig, void (*h)(int, siginfo_t *, void *), int masksig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (masksig)
        sigaddset(&sa.sa_mask, masksig);
    sigaction(sig, &sa, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);

    /* 1. A plain handler runs and returns. */
    install(SIGUSR1, count, 0, 0);
    raise(SIGUSR1);
    kill(getpid(), SIGUSR1);
    printf("plain handler: hits=%d\n", hits);

    /* 2. SA_SIGINFO: signo, code; the signal itself and sa_mask blocked
     * inside the handler. */
    hits = 0;
    install_info(SIGUSR1, with_info, SIGUSR2);
    raise(SIGUSR1);
    printf("siginfo: hits=%d signo=%d code=%s blocked(self,mask)=%d\n", hits, info_signo,
           info_code == SI_TKILL ? "SI_TKILL" : info_code == SI_USER ? "SI_USER" : "other",
           blocked_inside);
    kill(getpid(), SIGUSR1);
    printf("kill: code=%s\n", info_code == SI_USER ? "SI_USER" : "other");
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("after handler: USR1 blocked=%d USR2 blocked=%d\n", sigismember(&now, SIGUSR1),
           sigismember(&now, SIGUSR2));

    /* 3. SA_NODEFER lets the handler be re-entered; without it the
     * nested raise stays pending until the handler returns. */
    depth = maxdepth = calls = 0;
    install(SIGUSR2, nested, SA_NODEFER, 0);
    raise(SIGUSR2);
    printf("nodefer: maxdepth=%d calls=%d\n", maxdepth, calls);
    depth = maxdepth = calls = 0;
    install(SIGUSR2, nested, 0, 0);
    raise(SIGUSR2);
    printf("defer: maxdepth=%d calls=%d\n", maxdepth, calls);

    /* 4. SA_RESETHAND: the second signal finds SIG_DFL (set to ignore-
     * able SIGCHLD so the program survives). */
    hits = 0;
    install(SIGCHLD, count, SA_RESETHAND, 0);
    raise(SIGCHLD);
    raise(SIGCHLD);
    struct sigaction old;
    sigaction(SIGCHLD, NULL, &old);
    printf("resethand: hits=%d now default=%d\n", hits, old.sa_handler == SIG_DFL);

    /* 5. Blocked, pending, then delivered on unblock. */
    hits = 0;
    install(SIGUSR1, count, 0, 0);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigset_t pend;
    sigpending(&pend);
    printf("blocked: hits=%d pending=%d\n", hits, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    printf("unblocked: hits=%d (standard signals do not queue)\n", hits);
    sigpending(&pend);
    printf("pending now=%d\n", sigismember(&pend, SIGUSR1));

    /* 6. SIGSEGV on a read-only page; the handler makes it writable and
     * the store is retried. */
    hits = 0;
    pagesz = sysconf(_SC_PAGESIZE);
    page = mmap(NULL, pagesz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    install_info(SIGSEGV, segv_fixup, 0);
    page[100] = 42;
    printf("segv fixup: hits=%d value=%d addr ok=%d code=%s\n", hits, page[100],
           info_addr == (void *)(page + 100),
           info_code == SEGV_ACCERR ? "SEGV_ACCERR" : info_code == SEGV_MAPERR ? "SEGV_MAPERR" : "?");

    /* 7. SIGILL: the handler skips the undefined instruction. */
    hits = 0;
    install_info(SIGILL, ill_skip, 0);
    void *at;
#if defined(__aarch64__)
    __asm__ volatile("adr %0, 1f\n1: .inst 0x00000000" : "=r"(at));
#elif defined(__x86_64__)
    __asm__ volatile("lea 1f(%%rip), %0\n1: ud2" : "=r"(at));
#endif
    printf("sigill skip: hits=%d pc ok=%d\n", hits, info_addr == at);
    /* si_code is not printed: Linux says ILL_ILLOPC on arm64 (and xlat
     * follows), qemu-aarch64 says ILL_ILLOPN, x86-64 ud2 gives ILL_ILLOPN. */

    /* 8. FP state survives a handler that uses FP. */
    hits = 0;
    install(SIGUSR1, fp_clobber, 0, 0);
    double x = 3.0, y = 0.1;
    for (int i = 0; i < 10; i++) {
        x = x * 1.25 + y;
        if (i == 5)
            raise(SIGUSR1);
    }
    printf("fp preserved: hits=%d x=%.6f\n", hits, x);

    /* 9. SIG_IGN: an ignored signal does nothing. */
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    printf("ignored ok\n");

    /* 10. Back to default: SIGUSR1 terminates. */
    signal(SIGUSR1, SIG_DFL);
    raise(SIGUSR1);
    printf("not reached\n");
    return 0;
}
