/* FPSR flags raised before the program first looks at FPSR: in a signal
   frame taken before that (the handler reads the frame, not FPSR), and
   from fetestexcept without a feclearexcept before. The fast FP path must
   not lose them. */
#define _GNU_SOURCE
#include <asm/sigcontext.h>
#include <fenv.h>
#include <signal.h>
#include <stdio.h>
#include <ucontext.h>

volatile double z = 0.0, one = 1.0, big = 1e308;

static void handler(int s, siginfo_t *si, void *uc_)
{
    (void)s;
    (void)si;
    ucontext_t *uc = uc_;
    struct fpsimd_context *f = (void *)uc->uc_mcontext.__reserved;
    printf("signal frame: fpsimd=%d divbyzero=%d\n", f->head.magic == FPSIMD_MAGIC,
           (f->fpsr & 2) != 0);
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, 0);
    volatile double r = one / z;
    (void)r;
    raise(SIGUSR1);
    int e = fetestexcept(FE_ALL_EXCEPT);
    printf("after 1/0: divbyzero=%d invalid=%d overflow=%d\n", !!(e & FE_DIVBYZERO),
           !!(e & FE_INVALID), !!(e & FE_OVERFLOW));
    feclearexcept(FE_ALL_EXCEPT);
    r = big * big;
    e = fetestexcept(FE_ALL_EXCEPT);
    printf("after big*big: overflow=%d inexact=%d divbyzero=%d\n", !!(e & FE_OVERFLOW),
           !!(e & FE_INEXACT), !!(e & FE_DIVBYZERO));
    return 0;
}
