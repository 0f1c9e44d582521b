/* FPSR flags raised before the program first looks at FPSR (fetestexcept
   without a feclearexcept before): the fast FP path must not lose them. */
#include <fenv.h>
#include <stdio.h>
volatile double z = 0.0, one = 1.0, big = 1e308;
int main(void)
{
    /* No feclearexcept before: the flags raised since the start count. */
    volatile double r = one / z;
    (void)r;
    int e = fetestexcept(FE_ALL_EXCEPT);
    printf("after 1/0: divbyzero=%d invalid=%d overflow=%d\n", !!(e & FE_DIVBYZERO), !!(e & FE_INVALID), !!(e & FE_OVERFLOW));
    feclearexcept(FE_ALL_EXCEPT);
    r = big * big;
    e = fetestexcept(FE_ALL_EXCEPT);
    printf("after big*big: overflow=%d inexact=%d divbyzero=%d\n", !!(e & FE_OVERFLOW), !!(e & FE_INEXACT), !!(e & FE_DIVBYZERO));
    return 0;
}
