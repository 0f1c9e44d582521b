/* AArch64 scalar FP chains: each op reads the result of the one before
 * (compiled code tests such a chain for NaNs once, at its end, and
 * recomputes it exactly when one shows up), over quiet and signalling NaNs
 * with payloads, infinities (infinity minus infinity, zero times
 * infinity), zeros (zero over zero, square roots of negatives) and
 * ordinary values, with FPCR.DN = 0 and 1 (default NaN), in double and
 * single precision. Every result's bit pattern is printed; the loop runs
 * often enough that the blocks are compiled in mixed mode too. Expected
 * output from qemu-aarch64 (AArch64 only: the NaN payloads are Arm's). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const uint64_t dvals[] = {
    0x7ff8000000000123ull, /* quiet NaN */
    0xfff8000000000045ull, /* negative quiet NaN */
    0x7ff0000000000067ull, /* signalling NaN */
    0x7ff0000000000000ull, /* +inf */
    0xfff0000000000000ull, /* -inf */
    0x0000000000000000ull, /* +0 */
    0x3ff8000000000000ull, /* 1.5 */
    0xc008000000000000ull, /* -3 */
};
static const uint32_t svals[] = {
    0x7fc00123u, 0xffc00045u, 0x7f800067u, 0x7f800000u,
    0xff800000u, 0x00000000u, 0x3fc00000u, 0xc0400000u,
};
#define NV 8

static void set_dn(int on)
{
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    fpcr = on ? fpcr | (1ull << 25) : fpcr & ~(1ull << 25);
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
}

/* t = sqrt(x * y - z) / x, every intermediate kept. */
static void chain_d(uint64_t x, uint64_t y, uint64_t z, uint64_t out[4])
{
    double dx, dy, dz, p, q, s, t;
    memcpy(&dx, &x, 8);
    memcpy(&dy, &y, 8);
    memcpy(&dz, &z, 8);
    __asm__ volatile("fmul %d0, %d4, %d5\n\t"
                     "fsub %d1, %d0, %d6\n\t"
                     "fsqrt %d2, %d1\n\t"
                     "fdiv %d3, %d2, %d4"
                     : "=&w"(p), "=&w"(q), "=&w"(s), "=&w"(t)
                     : "w"(dx), "w"(dy), "w"(dz));
    memcpy(&out[0], &p, 8);
    memcpy(&out[1], &q, 8);
    memcpy(&out[2], &s, 8);
    memcpy(&out[3], &t, 8);
}

/* nbody's distance: d = x - y, e = z - x, d*d + e*e. */
static void dist_d(uint64_t x, uint64_t y, uint64_t z, uint64_t out[3])
{
    double dx, dy, dz, d, e, r;
    memcpy(&dx, &x, 8);
    memcpy(&dy, &y, 8);
    memcpy(&dz, &z, 8);
    __asm__ volatile("fsub %d0, %d3, %d4\n\t"
                     "fsub %d1, %d5, %d3\n\t"
                     "fmul %d2, %d0, %d0\n\t"
                     "fmul v31.2d, v31.2d, v31.2d\n\t" /* unrelated vector op between */
                     "fmul %d1, %d1, %d1\n\t"
                     "fadd %d2, %d2, %d1"
                     : "=&w"(d), "=&w"(e), "=&w"(r)
                     : "w"(dx), "w"(dy), "w"(dz)
                     : "v31");
    memcpy(&out[0], &d, 8);
    memcpy(&out[1], &e, 8);
    memcpy(&out[2], &r, 8);
}

static void chain_s(uint32_t x, uint32_t y, uint32_t z, uint32_t out[4])
{
    float fx, fy, fz, p, q, s, t;
    memcpy(&fx, &x, 4);
    memcpy(&fy, &y, 4);
    memcpy(&fz, &z, 4);
    __asm__ volatile("fadd %s0, %s4, %s5\n\t"
                     "fmul %s1, %s0, %s6\n\t"
                     "fdiv %s2, %s1, %s0\n\t"
                     "fsub %s3, %s2, %s4"
                     : "=&w"(p), "=&w"(q), "=&w"(s), "=&w"(t)
                     : "w"(fx), "w"(fy), "w"(fz));
    memcpy(&out[0], &p, 4);
    memcpy(&out[1], &q, 4);
    memcpy(&out[2], &s, 4);
    memcpy(&out[3], &t, 4);
}

int main(void)
{
    for (int dn = 0; dn < 2; dn++) {
        set_dn(dn);
        uint64_t hd = 0;
        for (int rep = 0; rep < 4; rep++) {
            for (int i = 0; i < NV; i++)
                for (int j = 0; j < NV; j++)
                    for (int k = 0; k < NV; k++) {
                        uint64_t c[4], e[3];
                        uint32_t s[4];
                        chain_d(dvals[i], dvals[j], dvals[k], c);
                        dist_d(dvals[i], dvals[j], dvals[k], e);
                        chain_s(svals[i], svals[j], svals[k], s);
                        if (rep == 0 && (i + j + k) % 5 == 0)
                            printf("dn%d %d%d%d %016llx %016llx %016llx %016llx | %016llx %016llx "
                                   "%016llx | %08x %08x %08x %08x\n",
                                   dn, i, j, k, (unsigned long long)c[0],
                                   (unsigned long long)c[1], (unsigned long long)c[2],
                                   (unsigned long long)c[3], (unsigned long long)e[0],
                                   (unsigned long long)e[1], (unsigned long long)e[2], s[0], s[1],
                                   s[2], s[3]);
                        for (int n = 0; n < 4; n++)
                            hd = (hd ^ c[n] ^ s[n]) * 0x100000001b3ull;
                        for (int n = 0; n < 3; n++)
                            hd = (hd ^ e[n]) * 0x100000001b3ull;
                    }
        }
        printf("dn%d hash %016llx\n", dn, (unsigned long long)hd);
    }
    set_dn(0);
    return 0;
}
