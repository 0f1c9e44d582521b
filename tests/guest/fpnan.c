/* AArch64 scalar and vector FP: the NaN a result carries (Arm's rules:
 * first signalling NaN quieted, else first quiet NaN, else the default NaN;
 * FMA's addend first and its infinity-times-zero case; FMAXNM/FMINNM with
 * one quiet NaN; signed zeros in FMIN/FMAX; FNMUL negating a NaN), compare
 * flags and saturating conversions, all before the program has looked at
 * FPSR; then, after feclearexcept, the FPSR cumulative flags of single
 * operations (fenv), and results under a directed rounding mode. Bit
 * patterns are printed in hex (NaN payloads and signs are Arm's, so there
 * is no x86-64 reference: AArch64 only, expected output from qemu). */
#include <fenv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static double d(uint64_t b) {
    double x;
    memcpy(&x, &b, 8);
    return x;
}
static uint64_t bd(double x) {
    uint64_t b;
    memcpy(&b, &x, 8);
    return b;
}
static float s(uint32_t b) {
    float x;
    memcpy(&x, &b, 4);
    return x;
}
static uint32_t bs(float x) {
    uint32_t b;
    memcpy(&b, &x, 4);
    return b;
}

#define QN 0x7ff8000000000123ull /* quiet NaN with payload */
#define NQN 0xfff8000000000045ull
#define SN 0x7ff0000000000067ull /* signalling NaN */
#define NSN 0xfff4000000000089ull
#define INF 0x7ff0000000000000ull
#define ONE 0x3ff0000000000000ull
#define ZERO 0ull
#define NZERO 0x8000000000000000ull

#define QNS 0x7fc00123u
#define SNS 0x7f800067u

static const uint64_t vals[] = {QN, NQN, SN, NSN, INF, ONE, ZERO, NZERO};
static const char *names[] = {"qnan", "-qnan", "snan", "-snan", "inf", "1", "0", "-0"};
#define NV (sizeof vals / sizeof vals[0])

#define OP2(name, insn)                                                                            \
    static double name(double a, double b) {                                                       \
        double r;                                                                                  \
        __asm__ volatile(insn " %d0, %d1, %d2" : "=w"(r) : "w"(a), "w"(b));                       \
        return r;                                                                                  \
    }
OP2(fadd, "fadd")
OP2(fsub, "fsub")
OP2(fmul, "fmul")
OP2(fdiv, "fdiv")
OP2(fmax, "fmax")
OP2(fmin, "fmin")
OP2(fmaxnm, "fmaxnm")
OP2(fminnm, "fminnm")
OP2(fnmul, "fnmul")

#define OP3(name, insn)                                                                            \
    static double name(double a, double n, double m) {                                             \
        double r;                                                                                  \
        __asm__ volatile(insn " %d0, %d1, %d2, %d3" : "=w"(r) : "w"(n), "w"(m), "w"(a));          \
        return r;                                                                                  \
    }
OP3(fmadd, "fmadd")
OP3(fmsub, "fmsub")
OP3(fnmadd, "fnmadd")
OP3(fnmsub, "fnmsub")

static double fsqrt(double a) {
    double r;
    __asm__ volatile("fsqrt %d0, %d1" : "=w"(r) : "w"(a));
    return r;
}
static unsigned fcmp(double a, double b) {
    uint64_t f;
    __asm__ volatile("fcmp %d1, %d2\n\tmrs %0, nzcv" : "=r"(f) : "w"(a), "w"(b) : "cc");
    return (unsigned)(f >> 28);
}
static float fcvt_ds(double a) {
    float r;
    __asm__ volatile("fcvt %s0, %d1" : "=w"(r) : "w"(a));
    return r;
}
static double fcvt_sd(float a) {
    double r;
    __asm__ volatile("fcvt %d0, %s1" : "=w"(r) : "w"(a));
    return r;
}
static int64_t fcvtzs(double a) {
    int64_t r;
    __asm__ volatile("fcvtzs %x0, %d1" : "=r"(r) : "w"(a));
    return r;
}
static uint32_t fcvtzu_w(double a) {
    uint32_t r;
    __asm__ volatile("fcvtzu %w0, %d1" : "=r"(r) : "w"(a));
    return r;
}

/* fadd / fmla on two-lane double vectors and four-lane single vectors. */
static void vadd2d(const uint64_t *a, const uint64_t *b, uint64_t *r) {
    __asm__ volatile("ldr q0, [%1]\n\tldr q1, [%2]\n\tfadd v0.2d, v0.2d, v1.2d\n\tstr q0, [%0]"
                     :
                     : "r"(r), "r"(a), "r"(b)
                     : "v0", "v1", "memory");
}
static void vfmla4s(const uint32_t *acc, const uint32_t *a, const uint32_t *b, uint32_t *r) {
    __asm__ volatile("ldr q0, [%1]\n\tldr q1, [%2]\n\tldr q2, [%3]\n\t"
                     "fmla v0.4s, v1.4s, v2.4s\n\tstr q0, [%0]"
                     :
                     : "r"(r), "r"(acc), "r"(a), "r"(b)
                     : "v0", "v1", "v2", "memory");
}

static void flags(const char *what) {
    int f = fetestexcept(FE_ALL_EXCEPT);
    printf("%-28s [%s%s%s%s%s]\n", what, f & FE_INVALID ? "I" : "", f & FE_DIVBYZERO ? "Z" : "",
           f & FE_OVERFLOW ? "O" : "", f & FE_UNDERFLOW ? "U" : "", f & FE_INEXACT ? "X" : "");
    feclearexcept(FE_ALL_EXCEPT);
}

int main(void) {
    static double (*const ops2[])(double, double) = {fadd, fsub, fmul, fdiv, fmax,
                                                     fmin, fmaxnm, fminnm, fnmul};
    static const char *n2[] = {"fadd", "fsub", "fmul", "fdiv", "fmax", "fmin", "fmaxnm", "fminnm", "fnmul"};
    static double (*const ops3[])(double, double, double) = {fmadd, fmsub, fnmadd, fnmsub};
    static const char *n3[] = {"fmadd", "fmsub", "fnmadd", "fnmsub"};

    /* Part 1: results only, FPSR not looked at yet. */
    for (unsigned o = 0; o < sizeof ops2 / sizeof ops2[0]; o++)
        for (unsigned i = 0; i < NV; i++)
            for (unsigned j = 0; j < NV; j++)
                printf("%s %s %s = %016llx\n", n2[o], names[i], names[j],
                       (unsigned long long)bd(ops2[o](d(vals[i]), d(vals[j]))));
    /* FMA: NaN addend with a NaN or infinity-times-zero product. */
    static const uint64_t fa[][3] = {{QN, ONE, ONE}, {QN, INF, ZERO}, {QN, ZERO, INF}, {QN, SN, ONE},
                                     {SN, QN, ONE},  {NQN, QN, SN},   {ONE, INF, ZERO}, {ONE, QN, NQN},
                                     {INF, ONE, INF | NZERO},        {QN, INF, NZERO}};
    for (unsigned o = 0; o < 4; o++)
        for (unsigned k = 0; k < sizeof fa / sizeof fa[0]; k++)
            printf("%s a=%016llx n=%016llx m=%016llx = %016llx\n", n3[o], (unsigned long long)fa[k][0],
                   (unsigned long long)fa[k][1], (unsigned long long)fa[k][2],
                   (unsigned long long)bd(ops3[o](d(fa[k][0]), d(fa[k][1]), d(fa[k][2]))));
    for (unsigned i = 0; i < NV; i++) {
        printf("fsqrt %s = %016llx, fcmp with 1 = %x, fcvt s = %08x, fcvtzs = %lld, fcvtzu w = %u\n", names[i],
               (unsigned long long)bd(fsqrt(d(vals[i]))), fcmp(d(vals[i]), 1.0), bs(fcvt_ds(d(vals[i]))),
               (long long)fcvtzs(d(vals[i])), fcvtzu_w(d(vals[i])));
    }
    printf("fsqrt -1 = %016llx, fcvt d of s-snan = %016llx, fcvtzs 1e300 = %lld, fcvtzu w -5 = %u\n",
           (unsigned long long)bd(fsqrt(-1.0)), (unsigned long long)bd(fcvt_sd(s(SNS))),
           (long long)fcvtzs(1e300), fcvtzu_w(-5.0));
    uint64_t va[2] = {QN, SN}, vb[2] = {SN, NQN}, vr[2];
    vadd2d(va, vb, vr);
    printf("fadd.2d {qnan,snan} {snan,-qnan} = %016llx %016llx\n", (unsigned long long)vr[0],
           (unsigned long long)vr[1]);
    uint32_t acc[4] = {QNS, 0x3f800000, 0x7fc00000, 0}, x[4] = {0x7f800000, SNS, 0x3f800000, 0x80000000},
             y[4] = {0, 0x3f800000, 0x40000000, 0}, r4[4];
    vfmla4s(acc, x, y, r4);
    printf("fmla.4s = %08x %08x %08x %08x\n", r4[0], r4[1], r4[2], r4[3]);

    /* Part 2: FPSR flags of single operations (the first FPSR access,
     * feclearexcept, clears what part 1 raised). */
    feclearexcept(FE_ALL_EXCEPT);
    volatile double one = 1.0, zero = 0.0, three = 3.0, big = 1e308, tiny = 1e-308;
    volatile float fone = 1.0f, fthree = 3.0f;
    flags("nothing");
    printf("%016llx", (unsigned long long)bd(one / zero));
    flags(" 1/0");
    printf("%016llx", (unsigned long long)bd(zero / zero));
    flags(" 0/0");
    printf("%016llx", (unsigned long long)bd(one / three));
    flags(" 1/3");
    printf("%08x", bs(fone / fthree));
    flags(" 1f/3f");
    printf("%016llx", (unsigned long long)bd(big * 10.0));
    flags(" 1e308*10");
    printf("%016llx", (unsigned long long)bd(tiny / 1e10));
    flags(" 1e-308/1e10");
    printf("%016llx", (unsigned long long)bd(fadd(d(SN), one)));
    flags(" snan+1");
    printf("%016llx", (unsigned long long)bd(fadd(d(QN), one)));
    flags(" qnan+1");
    printf("%x", fcmp(d(QN), one));
    flags(" fcmp qnan");
    printf("%lld", (long long)fcvtzs(1e300));
    flags(" fcvtzs 1e300");
    printf("%lld", (long long)fcvtzs(2.5));
    flags(" fcvtzs 2.5");
    vadd2d(va, vb, vr);
    printf("%016llx", (unsigned long long)vr[0]);
    flags(" fadd.2d snan");
    printf("%016llx", (unsigned long long)bd(fsqrt(-1.0)));
    flags(" fsqrt -1");

    /* Part 3: a directed rounding mode (FPCR.RMode), then back. */
    static const int modes[] = {FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO, FE_TONEAREST};
    static const char *mn[] = {"up", "down", "zero", "nearest"};
    for (unsigned k = 0; k < 4; k++) {
        fesetround(modes[k]);
        printf("%-8s 1/3 %016llx -1/3 %016llx 1f/3f %08x fma %016llx", mn[k], (unsigned long long)bd(one / three),
               (unsigned long long)bd(-one / three), bs(fone / fthree),
               (unsigned long long)bd(fmadd(one, one / three, three)));
        flags("");
    }
    return 0;
}
