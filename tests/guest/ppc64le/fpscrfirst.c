/* FPSCR exception bits raised before the program first looks at FPSCR:
   in a signal frame taken before that (the handler reads the frame's
   FPSCR, not the register), and from fetestexcept without a feclearexcept
   before. xlat's FP arithmetic computes FPSCR's status only from the
   first access on; what came before must come from the host's sticky
   flags. Invalid operation is not among them (its cause bits cannot be
   known), so this program raises none before its first access. */
#define _GNU_SOURCE
#include <fenv.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

volatile double z = 0.0, one = 1.0, three = 3.0, big = 1e308, tiny = 1e-300;

/* FPSCR bits: FX 31, OX 28, UX 27, ZX 26, XX 25. */
static void handler(int s, siginfo_t *si, void *uc_)
{
    (void)s;
    (void)si;
    ucontext_t *uc = uc_;
    unsigned long f;
    memcpy(&f, &uc->uc_mcontext.fp_regs[32], sizeof f);
    printf("signal frame: fx=%d zx=%d ox=%d ux=%d\n", !!(f & (1ul << 31)), !!(f & (1ul << 26)),
           !!(f & (1ul << 28)), !!(f & (1ul << 27)));
}

static void show(const char *what)
{
    int e = fetestexcept(FE_ALL_EXCEPT);
    printf("%s: divbyzero=%d overflow=%d underflow=%d inexact=%d invalid=%d\n", what,
           !!(e & FE_DIVBYZERO), !!(e & FE_OVERFLOW), !!(e & FE_UNDERFLOW), !!(e & FE_INEXACT),
           !!(e & FE_INVALID));
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
    r = tiny * tiny;
    show("after 1/0, tiny*tiny");
    feclearexcept(FE_ALL_EXCEPT);
    r = big * big;
    show("after big*big");
    feclearexcept(FE_ALL_EXCEPT);
    r = one / three;
    show("after 1/3");
    return 0;
}
