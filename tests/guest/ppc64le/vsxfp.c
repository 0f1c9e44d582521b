// VSX floating point, IEEE quad precision and MMA on POWER10 (built with
// -O3 -mcpu=power10 -fno-math-errno; expected output from qemu-ppc64le
// -cpu power10): GCC-vectorized double and float loops (xvadddp,
// xvmaddadp, xvmulsp, xvsqrtdp, xvcvsxwdp, xvcvdpsp ...), the vector
// builtins of altivec.h (estimates, rounding, max/min, compares with CR6,
// data-class tests, exponent/significand), __float128 arithmetic and
// conversions (xsaddqp ... xscvqpdp, round-to-odd builtins), and the MMA
// builtins (xvf32ger*, xvf64ger*, xvi8ger4*, xvi16ger2s*, xvbf16ger2*,
// pmxvf32gerpp). Values are printed as hex bit patterns.
#include <altivec.h>
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N 64

static double da[N], db[N], dc[N];
static float fa[N], fb[N], fc[N];
static int ia[N];

static uint64_t bits_d(double x) {
    uint64_t u;
    memcpy(&u, &x, 8);
    return u;
}

static uint32_t bits_f(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}

/// A checksum of the bit patterns of `n` doubles.
static uint64_t sum_d(const double *x, int n) {
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < n; i++)
        h = (h ^ bits_d(x[i])) * 1099511628211ull;
    return h;
}

static uint64_t sum_f(const float *x, int n) {
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < n; i++)
        h = (h ^ bits_f(x[i])) * 1099511628211ull;
    return h;
}

__attribute__((noinline)) static void axpy(double *y, const double *x, double a, int n) {
    for (int i = 0; i < n; i++)
        y[i] = a * x[i] + y[i];
}

__attribute__((noinline)) static void mulf(float *r, const float *x, const float *y, int n) {
    for (int i = 0; i < n; i++)
        r[i] = x[i] * y[i] - x[i] / (y[i] + 3.0f);
}

__attribute__((noinline)) static void sqrtd(double *r, const double *x, int n) {
    for (int i = 0; i < n; i++)
        r[i] = sqrt(x[i]) + x[i] / 7.0;
}

__attribute__((noinline)) static void sqrtf_loop(float *r, const float *x, int n) {
    for (int i = 0; i < n; i++)
        r[i] = sqrtf(x[i]);
}

__attribute__((noinline)) static void int_to_d(double *r, const int *x, int n) {
    for (int i = 0; i < n; i++)
        r[i] = x[i] * 0.5;
}

__attribute__((noinline)) static void d_to_f(float *r, const double *x, int n) {
    for (int i = 0; i < n; i++)
        r[i] = (float)x[i];
}

__attribute__((noinline)) static void f_to_d(double *r, const float *x, int n) {
    for (int i = 0; i < n; i++)
        r[i] = x[i];
}

__attribute__((noinline)) static void d_to_i(int *r, const double *x, int n) {
    for (int i = 0; i < n; i++)
        r[i] = (int)x[i];
}

__attribute__((noinline)) static void minmax(double *r, const double *x, const double *y, int n) {
    for (int i = 0; i < n; i++)
        r[i] = x[i] > y[i] ? x[i] : y[i];
}

static void loops(void) {
    for (int i = 0; i < N; i++) {
        da[i] = (i * 37 % 101) / 9.0 - 3.0;
        db[i] = (i * 53 % 89) / 7.0 + 0.25;
        fa[i] = (float)((i * 29 % 97) / 11.0 - 2.0);
        fb[i] = (float)((i * 31 % 83) / 13.0 + 0.5);
        ia[i] = i * 1000003 - 31000000;
    }
    memcpy(dc, db, sizeof dc);
    axpy(dc, da, 1.0 / 3.0, N);
    printf("axpy %016llx %a\n", (unsigned long long)sum_d(dc, N), dc[17]);
    mulf(fc, fa, fb, N);
    printf("mulf %016llx %a\n", (unsigned long long)sum_f(fc, N), fc[5]);
    sqrtd(dc, db, N);
    printf("sqrtd %016llx %a\n", (unsigned long long)sum_d(dc, N), dc[9]);
    sqrtf_loop(fc, fb, N);
    printf("sqrtf %016llx %a\n", (unsigned long long)sum_f(fc, N), fc[3]);
    int_to_d(dc, ia, N);
    printf("itod %016llx %a\n", (unsigned long long)sum_d(dc, N), dc[40]);
    d_to_f(fc, db, N);
    printf("dtof %016llx\n", (unsigned long long)sum_f(fc, N));
    f_to_d(dc, fa, N);
    printf("ftod %016llx\n", (unsigned long long)sum_d(dc, N));
    int ib[N];
    for (int i = 0; i < N; i++)
        dc[i] = da[i] * 1e6;
    d_to_i(ib, dc, N);
    printf("dtoi %d %d %d\n", ib[1], ib[30], ib[63]);
    minmax(dc, da, db, N);
    printf("max %016llx\n", (unsigned long long)sum_d(dc, N));
}

static void pv2d(const char *name, vector double v) {
    printf("%s %016llx %016llx\n", name, (unsigned long long)bits_d(v[0]),
           (unsigned long long)bits_d(v[1]));
}

static void pv4f(const char *name, vector float v) {
    printf("%s %08x %08x %08x %08x\n", name, bits_f(v[0]), bits_f(v[1]), bits_f(v[2]),
           bits_f(v[3]));
}

static void pv2u(const char *name, vector unsigned long long v) {
    printf("%s %016llx %016llx\n", name, v[0], v[1]);
}

static void pv4i(const char *name, vector signed int v) {
    printf("%s %08x %08x %08x %08x\n", name, v[0], v[1], v[2], v[3]);
}

static void builtins(void) {
    volatile double d0 = 2.5, d1 = -7.25, d2 = 1e-310, d3 = 3.0;
    volatile float f0 = 2.5f, f1 = -0.75f, f2 = 1e30f, f3 = -1e-40f;
    vector double a = {d0, d1}, b = {d3, d2}, c = {d1, d3};
    vector float fa4 = {f0, f1, f2, f3}, fb4 = {f1, f0, f3, f2};
    pv2d("sqrt", vec_sqrt((vector double){d0, d3}));
    pv2d("re", vec_re(a));
    pv2d("rsqrte", vec_rsqrte((vector double){d0, d3}));
    pv4f("resp", vec_re(fa4));
    pv4f("sqrtsp", vec_sqrt((vector float){f0, 9.0f, f2, 0.0f}));
    pv2d("round", vec_round(a));
    pv2d("floor", vec_floor(a));
    pv2d("ceil", vec_ceil(a));
    pv2d("trunc", vec_trunc(a));
    pv2d("rint", vec_rint(a));
    pv2d("max", vec_max(a, b));
    pv2d("min", vec_min(a, b));
    pv4f("maxsp", vec_max(fa4, fb4));
    pv2d("cpsgn", vec_cpsgn(a, b));
    pv2d("madd", vec_madd(a, b, c));
    pv2d("msub", vec_msub(a, b, c));
    pv2d("nmadd", vec_nmadd(a, b, c));
    pv2d("nmsub", vec_nmsub(a, b, c));
    pv4f("maddsp", vec_madd(fa4, fb4, fa4));
    pv2u("cmpgt", (vector unsigned long long)vec_cmpgt(a, b));
    pv2u("cmpge", (vector unsigned long long)vec_cmpge(a, a));
    printf("all_ge %d any_gt %d all_eq %d\n", vec_all_ge(a, a), vec_any_gt(a, b),
           vec_all_eq(a, b));
    pv2u("tstdc", (vector unsigned long long)vec_test_data_class(b, 0x03));
    pv2u("xexp", vec_extract_exp(b));
    pv2u("xsig", vec_extract_sig(b));
    pv2d("iexp", vec_insert_exp(a, (vector unsigned long long){1000, 1030}));
    pv2d("doublee", vec_doublee(fa4));
    pv4f("floate", vec_floate(a));
    pv4i("signed", vec_signed((vector float){f0, f1, 7.9f, -3.5f}));
    pv2u("signedd", (vector unsigned long long)vec_signed(a));
    pv2d("ctf", vec_ctf((vector signed long long){-5, 1ll << 60}, 0));
}

static void pq(const char *name, __float128 x) {
    uint64_t w[2];
    memcpy(w, &x, 16);
    printf("%s %016llx%016llx %a\n", name, (unsigned long long)w[1], (unsigned long long)w[0],
           (double)x);
}

static void quad(void) {
    volatile __float128 one = 1, three = 3, big = 1e300, tiny = 1e-300;
    volatile double dd = 0.1;
    volatile long long ll = -1234567890123456789ll;
    volatile unsigned long long ull = 18446744073709551557ull;
    __float128 third = one / three;
    pq("third", third);
    pq("add", third + one);
    pq("sub", third - one);
    pq("mul", big * big);
    pq("mulsmall", tiny * tiny * tiny);
    pq("sqrt", __builtin_sqrtf128(three));
    pq("fma", __builtin_fmaf128(third, three, -one));
    pq("fromd", (__float128)dd);
    pq("fromll", (__float128)ll);
    pq("fromull", (__float128)ull);
    printf("tod %a tol %lld toi %d tou %llu\n", (double)(third * 7), (long long)(big / tiny / big),
           (int)(-third * 100000), (unsigned long long)(three * 1e18));
    printf("cmp %d %d %d %d\n", third < one, third == third, one > three, third != one);
    pq("addodd", __builtin_addf128_round_to_odd(third, one));
    pq("mulodd", __builtin_mulf128_round_to_odd(third, three));
    pq("divodd", __builtin_divf128_round_to_odd(one, three));
    pq("sqrtodd", __builtin_sqrtf128_round_to_odd(three));
    pq("fmaodd", __builtin_fmaf128_round_to_odd(third, three, one));
    printf("truncodd %a\n", __builtin_truncf128_round_to_odd(third));
    pq("neg", -third);
    pq("abs", __builtin_fabsf128(-third));
    pq("copysign", __builtin_copysignf128(three, -one));
    printf("exp %llu sig %016llx\n", (unsigned long long)__builtin_vsx_scalar_extract_expq(third),
           (unsigned long long)(__builtin_vsx_scalar_extract_sigq(third) >> 64));
    pq("iexp", __builtin_vsx_scalar_insert_exp_q(third, 16400));
}

/// The FPSCR exception flags an operation `e` leaves (fenv: glibc reads
/// and writes FPSCR, which turns xlat's tracking on).
#define FLAGS(name, e)                                                                   \
    do {                                                                                 \
        feclearexcept(FE_ALL_EXCEPT);                                                    \
        __float128 r_ = (e);                                                             \
        int f_ = fetestexcept(FE_ALL_EXCEPT);                                            \
        printf("flags %-8s %c%c%c%c%c %a\n", name, f_ & FE_INVALID ? 'v' : '-',          \
               f_ & FE_DIVBYZERO ? 'z' : '-', f_ & FE_OVERFLOW ? 'o' : '-',             \
               f_ & FE_UNDERFLOW ? 'u' : '-', f_ & FE_INEXACT ? 'x' : '-', (double)r_); \
    } while (0)

static void quad_flags(void) {
    volatile __float128 one = 1, three = 3, zero = 0, big = 1e4000q, tiny = 1e-4940q;
    volatile __float128 inf = __builtin_inff128(), four = 4;
    FLAGS("div3", one / three);
    FLAGS("exact", one + three);
    FLAGS("divzero", one / zero);
    FLAGS("zerozero", zero / zero);
    FLAGS("infinf", inf - inf);
    FLAGS("overflow", big * big);
    FLAGS("under", tiny / three);
    FLAGS("sqrtneg", __builtin_sqrtf128(-three));
    FLAGS("sqrt4", __builtin_sqrtf128(four));
    feclearexcept(FE_ALL_EXCEPT);
    volatile int ii = (int)(big);
    printf("flags toint %d %d\n", ii, fetestexcept(FE_INVALID) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    volatile int lt = inf < (__float128)__builtin_nanf128("");
    printf("flags cmpnan %d %d\n", lt, fetestexcept(FE_INVALID) != 0);
}

typedef __vector unsigned char vuc;

static void pacc(const char *name, __vector_quad *acc, int dbl) {
    vuc rows[4];
    __builtin_mma_disassemble_acc(rows, acc);
    printf("%s", name);
    for (int r = 0; r < 4; r++) {
        if (dbl) {
            vector double v = (vector double)rows[r];
            printf(" %a,%a", v[0], v[1]);
        } else {
            vector unsigned int v = (vector unsigned int)rows[r];
            printf(" %08x,%08x,%08x,%08x", v[0], v[1], v[2], v[3]);
        }
    }
    printf("\n");
}

static void mma(void) {
    __vector_quad acc;
    vector float x = {1.0f, -2.0f, 0.5f, 3.0f}, y = {4.0f, 0.25f, -1.0f, 8.0f};
    __builtin_mma_xvf32ger(&acc, (vuc)x, (vuc)y);
    pacc("f32ger", &acc, 0);
    __builtin_mma_xvf32gerpp(&acc, (vuc)y, (vuc)x);
    pacc("f32gerpp", &acc, 0);
    __builtin_mma_xvf32gernp(&acc, (vuc)x, (vuc)x);
    pacc("f32gernp", &acc, 0);
    __builtin_mma_xvf32gerpn(&acc, (vuc)y, (vuc)y);
    pacc("f32gerpn", &acc, 0);
    __builtin_mma_pmxvf32gerpp(&acc, (vuc)x, (vuc)y, 0x6, 0x9);
    pacc("pmf32gerpp", &acc, 0);
    __builtin_mma_xxsetaccz(&acc);
    pacc("setaccz", &acc, 0);

    vector double p0 = {1.5, -2.0}, p1 = {3.0, 0.125}, q = {2.0, -4.0};
    __vector_pair pair;
    __builtin_vsx_build_pair(&pair, (vuc)p0, (vuc)p1);
    __builtin_mma_xvf64ger(&acc, pair, (vuc)q);
    pacc("f64ger", &acc, 1);
    __builtin_mma_xvf64gernn(&acc, pair, (vuc)q);
    pacc("f64gernn", &acc, 1);

    vector unsigned char i8a = {1, 2, 3, 4, 255, 254, 128, 127, 9, 8, 7, 6, 0, 1, 0, 1};
    vector unsigned char i8b = {5, 6, 7, 8, 1, 1, 1, 1, 200, 100, 50, 25, 3, 3, 3, 3};
    __builtin_mma_xvi8ger4(&acc, i8a, i8b);
    pacc("i8ger4", &acc, 0);
    __builtin_mma_xvi8ger4pp(&acc, i8b, i8a);
    pacc("i8ger4pp", &acc, 0);
    vector signed short h1 = {32767, 32767, -32768, 100, 5, -5, 1000, 2000};
    __builtin_mma_xvi16ger2s(&acc, (vuc)h1, (vuc)h1);
    pacc("i16ger2s", &acc, 0);
    __builtin_mma_xvi16ger2spp(&acc, (vuc)h1, (vuc)h1);
    pacc("i16ger2spp", &acc, 0);
    vector unsigned char i4 = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
                               0x11, 0x22, 0x33, 0x44, 0xff, 0xee, 0xdd, 0xcc};
    __builtin_mma_xvi4ger8(&acc, i4, i4);
    pacc("i4ger8", &acc, 0);
    // bfloat16 pairs: 1.5, -2 / 0.5, 3 ...
    vector unsigned short bf = {0x3fc0, 0xc000, 0x3f00, 0x4040, 0x3f80, 0x3f80, 0x4000, 0xbf80};
    __builtin_mma_xvbf16ger2(&acc, (vuc)bf, (vuc)bf);
    pacc("bf16ger2", &acc, 0);
    __builtin_mma_xvbf16ger2pn(&acc, (vuc)bf, (vuc)bf);
    pacc("bf16ger2pn", &acc, 0);
    // IEEE half pairs.
    vector unsigned short hf = {0x3e00, 0xc000, 0x3800, 0x4200, 0x3c00, 0x7bff, 0x0001, 0xbc00};
    __builtin_mma_xvf16ger2(&acc, (vuc)hf, (vuc)hf);
    pacc("f16ger2", &acc, 0);
}

int main(void) {
    loops();
    builtins();
    quad();
    quad_flags();
    mma();
    return 0;
}
