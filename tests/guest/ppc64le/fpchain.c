/* PowerPC scalar FP chains: each op reads the result of the one before
 * (compiled code tests such a chain for NaNs once, at its end, and
 * recomputes it exactly when one shows up), over quiet and signalling NaNs
 * with payloads, infinities (infinity minus infinity, zero times
 * infinity), zeros (zero over zero, square roots of negatives) and
 * ordinary values, in double and single precision. Every result's bit
 * pattern is printed (Power's NaN rules: the first NaN operand, quieted,
 * else the default NaN); the loop runs often enough that the blocks are
 * compiled in mixed mode too. Expected output from qemu-ppc64le. */
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
#define NV 8

/* t = sqrt(x * y - z) / x, every intermediate kept. */
static void chain_d(uint64_t x, uint64_t y, uint64_t z, uint64_t out[4])
{
    double dx, dy, dz, p, q, s, t;
    memcpy(&dx, &x, 8);
    memcpy(&dy, &y, 8);
    memcpy(&dz, &z, 8);
    __asm__ volatile("fmul %0, %4, %5\n\t"
                     "fsub %1, %0, %6\n\t"
                     "fsqrt %2, %1\n\t"
                     "fdiv %3, %2, %4"
                     : "=&d"(p), "=&d"(q), "=&d"(s), "=&d"(t)
                     : "d"(dx), "d"(dy), "d"(dz));
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
    __asm__ volatile("fsub %0, %3, %4\n\t"
                     "fsub %1, %5, %3\n\t"
                     "fmul %2, %0, %0\n\t"
                     "fmul %1, %1, %1\n\t"
                     "fadd %2, %2, %1"
                     : "=&d"(d), "=&d"(e), "=&d"(r)
                     : "d"(dx), "d"(dy), "d"(dz));
    memcpy(&out[0], &d, 8);
    memcpy(&out[1], &e, 8);
    memcpy(&out[2], &r, 8);
}

/* Single precision (results rounded to single, kept as doubles). */
static void chain_s(uint64_t x, uint64_t y, uint64_t z, uint64_t out[4])
{
    double dx, dy, dz, p, q, s, t;
    memcpy(&dx, &x, 8);
    memcpy(&dy, &y, 8);
    memcpy(&dz, &z, 8);
    __asm__ volatile("fadds %0, %4, %5\n\t"
                     "fmuls %1, %0, %6\n\t"
                     "fdivs %2, %1, %0\n\t"
                     "fsubs %3, %2, %4"
                     : "=&d"(p), "=&d"(q), "=&d"(s), "=&d"(t)
                     : "d"(dx), "d"(dy), "d"(dz));
    memcpy(&out[0], &p, 8);
    memcpy(&out[1], &q, 8);
    memcpy(&out[2], &s, 8);
    memcpy(&out[3], &t, 8);
}

int main(void)
{
    uint64_t h = 0;
    for (int rep = 0; rep < 4; rep++) {
        for (int i = 0; i < NV; i++)
            for (int j = 0; j < NV; j++)
                for (int k = 0; k < NV; k++) {
                    uint64_t c[4], e[3], s[4];
                    chain_d(dvals[i], dvals[j], dvals[k], c);
                    dist_d(dvals[i], dvals[j], dvals[k], e);
                    chain_s(dvals[i], dvals[j], dvals[k], s);
                    if (rep == 0 && (i + j + k) % 5 == 0)
                        printf("%d%d%d %016llx %016llx %016llx %016llx | %016llx %016llx %016llx "
                               "| %016llx %016llx %016llx %016llx\n",
                               i, j, k, (unsigned long long)c[0], (unsigned long long)c[1],
                               (unsigned long long)c[2], (unsigned long long)c[3],
                               (unsigned long long)e[0], (unsigned long long)e[1],
                               (unsigned long long)e[2], (unsigned long long)s[0],
                               (unsigned long long)s[1], (unsigned long long)s[2],
                               (unsigned long long)s[3]);
                    for (int n = 0; n < 4; n++)
                        h = (h ^ c[n] ^ s[n]) * 0x100000001b3ull;
                    for (int n = 0; n < 3; n++)
                        h = (h ^ e[n]) * 0x100000001b3ull;
                }
    }
    printf("hash %016llx\n", (unsigned long long)h);
    return 0;
}
