/* Loops the compiler auto-vectorizes at -O3: sums, dot products, saxpy,
 * min/max, conditional select, byte histogram, string-like byte loops, over
 * int8/16/32/64, float and double arrays. Portable: the x86-64 build prints
 * the same. Float results use exactly representable inputs so that any
 * summation order the vectorizer picks gives the same bits. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N 1003

static int8_t b8[N], c8[N];
static int16_t h16[N], g16[N];
static int32_t w32[N], v32[N];
static int64_t x64[N], y64[N];
static uint8_t text[N];
static float fa[N], fb[N], fy[N];
static double da[N], db[N];

static uint32_t seed = 12345;
static uint32_t rnd(void) {
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
}

__attribute__((noinline)) static int64_t sum8(const int8_t *a, int n) {
    int64_t s = 0;
    for (int i = 0; i < n; i++) s += a[i];
    return s;
}
__attribute__((noinline)) static int32_t dot16(const int16_t *a, const int16_t *b, int n) {
    uint32_t s = 0; /* wraps like the hardware, without signed overflow */
    for (int i = 0; i < n; i++) s += (uint32_t)(a[i] * b[i]);
    return (int32_t)s;
}
__attribute__((noinline)) static uint32_t mix32(const int32_t *a, const int32_t *b, int n) {
    uint32_t s = 0;
    for (int i = 0; i < n; i++) s += ((uint32_t)a[i] * 3u - (uint32_t)(b[i] >> 2)) ^ (uint32_t)i;
    return s;
}
__attribute__((noinline)) static int64_t dot64(const int64_t *a, const int64_t *b, int n) {
    uint64_t s = 0;
    for (int i = 0; i < n; i++) s += (uint64_t)a[i] * (uint64_t)b[i];
    return (int64_t)s;
}
__attribute__((noinline)) static void saxpy(float *y, const float *x, float k, int n) {
    for (int i = 0; i < n; i++) y[i] = k * x[i] + y[i];
}
__attribute__((noinline)) static void minmax8(const int8_t *a, int n, int *mn, int *mx) {
    int8_t lo = 127, hi = -128;
    for (int i = 0; i < n; i++) {
        lo = a[i] < lo ? a[i] : lo;
        hi = a[i] > hi ? a[i] : hi;
    }
    *mn = lo;
    *mx = hi;
}
__attribute__((noinline)) static void minmax32(const int32_t *a, int n, int32_t *mn, int32_t *mx) {
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (int i = 0; i < n; i++) {
        lo = a[i] < lo ? a[i] : lo;
        hi = a[i] > hi ? a[i] : hi;
    }
    *mn = lo;
    *mx = hi;
}
__attribute__((noinline)) static void select16(int16_t *o, const int16_t *a, const int16_t *b, int n) {
    for (int i = 0; i < n; i++) o[i] = a[i] > b[i] ? (int16_t)(a[i] - b[i]) : (int16_t)(b[i] * 2);
}
__attribute__((noinline)) static void select64(int64_t *o, const int64_t *a, const int64_t *b, int n) {
    for (int i = 0; i < n; i++) o[i] = (a[i] & 1) ? a[i] + b[i] : a[i] - (b[i] >> 3);
}
__attribute__((noinline)) static void hist(uint32_t *h, const uint8_t *t, int n) {
    for (int i = 0; i < n; i++) h[t[i]]++;
}
__attribute__((noinline)) static void upper(uint8_t *t, int n) {
    for (int i = 0; i < n; i++) t[i] = (t[i] >= 'a' && t[i] <= 'z') ? t[i] - 32 : t[i];
}
__attribute__((noinline)) static int count_eq(const uint8_t *t, uint8_t c, int n) {
    int k = 0;
    for (int i = 0; i < n; i++) k += t[i] == c;
    return k;
}
__attribute__((noinline)) static void sat_add8(uint8_t *o, const uint8_t *a, const uint8_t *b, int n) {
    for (int i = 0; i < n; i++) {
        unsigned s = a[i] + b[i];
        o[i] = s > 255 ? 255 : (uint8_t)s;
    }
}
__attribute__((noinline)) static void avg8(uint8_t *o, const uint8_t *a, const uint8_t *b, int n) {
    for (int i = 0; i < n; i++) o[i] = (uint8_t)((a[i] + b[i] + 1) >> 1);
}
__attribute__((noinline)) static void widen(int32_t *o, const int8_t *a, const int16_t *b, int n) {
    for (int i = 0; i < n; i++) o[i] = a[i] * b[i] + a[i] * 16;
}
__attribute__((noinline)) static double ddot(const double *a, const double *b, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}
__attribute__((noinline)) static float fmaxarr(const float *a, int n) {
    float m = -1e30f;
    for (int i = 0; i < n; i++) m = a[i] > m ? a[i] : m;
    return m;
}
__attribute__((noinline)) static void dscale(double *o, const double *a, double k, int n) {
    for (int i = 0; i < n; i++) o[i] = a[i] * k + 0.5 - (a[i] < 0 ? 1.0 : 0.0);
}
__attribute__((noinline)) static void f2i(int32_t *o, const float *a, int n) {
    for (int i = 0; i < n; i++) o[i] = (int32_t)a[i];
}

static uint32_t hash(const void *p, size_t n) {
    const uint8_t *b = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
    return h;
}

int main(void) {
    for (int i = 0; i < N; i++) {
        b8[i] = (int8_t)rnd();
        c8[i] = (int8_t)rnd();
        h16[i] = (int16_t)rnd();
        g16[i] = (int16_t)rnd();
        w32[i] = (int32_t)(rnd() * 2654435761u);
        v32[i] = (int32_t)rnd();
        x64[i] = (int64_t)rnd() << 20 | rnd();
        y64[i] = (int64_t)rnd() - (1 << 23);
        text[i] = (uint8_t)(" abcdefghijklmnopqrstuvwxyzABC.,!"[rnd() % 33]);
        fa[i] = (float)((int)(rnd() % 2001) - 1000) / 8.0f;
        fb[i] = (float)((int)(rnd() % 201) - 100) / 4.0f;
        fy[i] = (float)(rnd() % 64);
        da[i] = (double)((int)(rnd() % 4001) - 2000) / 16.0;
        db[i] = (double)((int)(rnd() % 401) - 200) / 32.0;
    }
    for (int n = 1; n <= N; n += n < 40 ? 1 : 97) {
        int mn, mx;
        int32_t mn32, mx32;
        minmax8(b8, n, &mn, &mx);
        minmax32(w32, n, &mn32, &mx32);
        printf("n=%4d sum8=%lld dot16=%d mix32=%u dot64=%lld min8=%d max8=%d min32=%d max32=%d"
               " eq=%d ddot=%.17g fmax=%a\n",
               n, (long long)sum8(b8, n), dot16(h16, g16, n), mix32(w32, v32, n),
               (long long)dot64(x64, y64, n), mn, mx, mn32, mx32, count_eq(text, 'e', n),
               ddot(da, db, n), fmaxarr(fa, n));
    }
    static int16_t o16[N];
    static int64_t o64[N];
    static int32_t o32[N], oi[N];
    static uint8_t ob[N], oa[N];
    static double od[N];
    static uint32_t h[256];
    saxpy(fy, fa, 0.5f, N);
    select16(o16, h16, g16, N);
    select64(o64, x64, y64, N);
    hist(h, text, N);
    sat_add8(ob, (uint8_t *)b8, (uint8_t *)c8, N);
    avg8(oa, (uint8_t *)b8, (uint8_t *)c8, N);
    widen(o32, b8, h16, N);
    dscale(od, da, 1.25, N);
    f2i(oi, fa, N);
    printf("saxpy %08x select16 %08x select64 %08x hist %08x\n", hash(fy, sizeof fy), hash(o16, sizeof o16),
           hash(o64, sizeof o64), hash(h, sizeof h));
    printf("sat %08x avg %08x widen %08x dscale %08x f2i %08x\n", hash(ob, sizeof ob), hash(oa, sizeof oa),
           hash(o32, sizeof o32), hash(od, sizeof od), hash(oi, sizeof oi));
    printf("h[e]=%u h[' ']=%u h[.]=%u\n", h['e'], h[' '], h['.']);
    upper(text, N);
    printf("upper %08x %.40s\n", hash(text, N), (const char *)text);
    return 0;
}
