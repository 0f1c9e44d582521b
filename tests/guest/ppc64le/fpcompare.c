/* fcmpu/fcmpo on every pair of ordinary, signed-zero, quiet-NaN and
 * signaling-NaN operands: CR1 and FPSCR (FPCC, VXSNAN, VXVC, VX, FX, and
 * the class bit an invalid compare sets), against qemu-ppc64le. */
#include <stdio.h>

static unsigned long get_fpscr(void)
{
    double d;
    unsigned long f;
    __asm__ volatile("mffs %0" : "=f"(d));
    __builtin_memcpy(&f, &d, 8);
    return f;
}

static void clear_fpscr(void)
{
    double z = 0.0;
    __asm__ volatile("mtfsf 0xff,%0" ::"f"(z));
}

int main(void)
{
    volatile double v[] = {1.0, 2.0, __builtin_nan(""), -0.0, 0.0, __builtin_nans("")};
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            double a = v[i], b = v[j];
            int r1, r2;
            clear_fpscr();
            __asm__ volatile("fcmpu 1,%1,%2\n\tmfcr %0" : "=r"(r1) : "f"(a), "f"(b) : "cr1");
            unsigned long f1 = get_fpscr();
            clear_fpscr();
            __asm__ volatile("fcmpo 1,%1,%2\n\tmfcr %0" : "=r"(r2) : "f"(a), "f"(b) : "cr1");
            unsigned long f2 = get_fpscr();
            /* The class bit persists: a second compare after an invalid one. */
            __asm__ volatile("fcmpu 2,%0,%0" ::"f"(a) : "cr2");
            printf("%d %d fcmpu %x %08lx fcmpo %x %08lx then %08lx\n", i, j, (r1 >> 24) & 15, f1,
                   (r2 >> 24) & 15, f2, get_fpscr());
        }
    return 0;
}
