/*
 * Integer work: hashing over generated data, sorting, recursion, 64-bit
 * division edge cases, 128-bit products, shifts/rotates and bit-counting
 * builtins. Every result is printed so that a wrong instruction shows up as a
 * wrong line. The output is identical on every correct 64-bit Linux target
 * (no plain `char` arithmetic, no undefined behaviour).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA_BYTES (4u << 20) /* 4 MiB of generated data */
#define SORT_N 100000u

static uint64_t xs_state = 0x9E3779B97F4A7C15ull;

static uint64_t xorshift64(void)
{
    uint64_t x = xs_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    xs_state = x;
    return x;
}

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint32_t fnv1a32(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

/* murmur3-style 64-bit finaliser applied over the data as words */
static uint64_t fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

static uint64_t rotl64(uint64_t x, unsigned r)
{
    r &= 63;
    return r ? (x << r) | (x >> (64 - r)) : x;
}

static uint32_t rotr32(uint32_t x, unsigned r)
{
    r &= 31;
    return r ? (x >> r) | (x << (32 - r)) : x;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_i64_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x < y) - (x > y);
}

static void merge_sort(uint32_t *a, uint32_t *tmp, size_t n)
{
    if (n < 2)
        return;
    if (n < 16) { /* insertion sort for small runs */
        for (size_t i = 1; i < n; i++) {
            uint32_t v = a[i];
            size_t j = i;
            while (j > 0 && a[j - 1] > v) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
        return;
    }
    size_t mid = n / 2;
    merge_sort(a, tmp, mid);
    merge_sort(a + mid, tmp, n - mid);
    size_t i = 0, j = mid, k = 0;
    while (i < mid && j < n)
        tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
    while (i < mid)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

static uint64_t fib(unsigned n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static unsigned long ackermann(unsigned long m, unsigned long n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

/* Portable signed division: defines INT64_MIN / -1 as INT64_MIN (the AArch64
 * SDIV result) and x / 0 as 0 without ever executing the undefined C case. */
static int64_t sdiv_portable(int64_t a, int64_t b)
{
    if (b == 0)
        return 0;
    if (a == INT64_MIN && b == -1)
        return INT64_MIN;
    return a / b;
}

static int64_t srem_portable(int64_t a, int64_t b)
{
    if (b == 0)
        return a;
    if (b == -1)
        return 0;
    return a % b;
}

static uint64_t checksum_u32(const uint32_t *a, size_t n)
{
    uint64_t h = 0;
    for (size_t i = 0; i < n; i++)
        h = rotl64(h, 5) ^ (a[i] * 0x9E3779B1u);
    return h;
}

static void hashing(void)
{
    uint8_t *data = malloc(DATA_BYTES);
    if (!data) {
        puts("malloc failed");
        exit(1);
    }
    for (size_t i = 0; i < DATA_BYTES; i += 8) {
        uint64_t v = xorshift64();
        memcpy(data + i, &v, 8);
    }
    printf("fnv1a64(data)      = %016" PRIx64 "\n", fnv1a64(data, DATA_BYTES));
    printf("fnv1a32(data)      = %08" PRIx32 "\n", fnv1a32(data, DATA_BYTES));
    /* odd lengths and offsets */
    printf("fnv1a64(data+3,77) = %016" PRIx64 "\n", fnv1a64(data + 3, 77));
    uint64_t acc = 0;
    for (size_t i = 0; i < DATA_BYTES / 8; i++) {
        uint64_t w;
        memcpy(&w, data + 8 * i, 8);
        acc = rotl64(acc ^ fmix64(w), 31) * 5 + 0x52dce729;
    }
    printf("murmur-mix(data)   = %016" PRIx64 "\n", acc);
    /* byte histogram */
    uint32_t hist[256] = {0};
    for (size_t i = 0; i < DATA_BYTES; i++)
        hist[data[i]]++;
    uint32_t hmin = UINT32_MAX, hmax = 0;
    for (int i = 0; i < 256; i++) {
        if (hist[i] < hmin)
            hmin = hist[i];
        if (hist[i] > hmax)
            hmax = hist[i];
    }
    printf("histogram min/max  = %" PRIu32 " %" PRIu32 "\n", hmin, hmax);
    free(data);
}

static void sorting(void)
{
    uint32_t *a = malloc(SORT_N * sizeof *a);
    uint32_t *b = malloc(SORT_N * sizeof *b);
    uint32_t *tmp = malloc(SORT_N * sizeof *tmp);
    if (!a || !b || !tmp) {
        puts("malloc failed");
        exit(1);
    }
    for (size_t i = 0; i < SORT_N; i++)
        a[i] = b[i] = (uint32_t)(xorshift64() >> 20) % 1000003u;
    qsort(a, SORT_N, sizeof *a, cmp_u32);
    merge_sort(b, tmp, SORT_N);
    int sorted = 1;
    for (size_t i = 1; i < SORT_N; i++)
        if (a[i - 1] > a[i])
            sorted = 0;
    printf("qsort sorted       = %d\n", sorted);
    printf("merge == qsort     = %d\n", memcmp(a, b, SORT_N * sizeof *a) == 0);
    printf("sorted checksum    = %016" PRIx64 "\n", checksum_u32(a, SORT_N));
    printf("min/median/max     = %" PRIu32 " %" PRIu32 " %" PRIu32 "\n", a[0], a[SORT_N / 2],
           a[SORT_N - 1]);

    int64_t s[12] = {5, -3, INT64_MIN, INT64_MAX, 0, -1, 42, -42, 1, INT64_MIN + 1, 7, -7};
    qsort(s, 12, sizeof s[0], cmp_i64_desc);
    printf("desc:");
    for (int i = 0; i < 12; i++)
        printf(" %" PRId64, s[i]);
    printf("\n");
    free(a);
    free(b);
    free(tmp);
}

static void recursion(void)
{
    printf("fib(27)            = %" PRIu64 "\n", fib(27));
    printf("ackermann(2,3)     = %lu\n", ackermann(2, 3));
    printf("ackermann(3,5)     = %lu\n", ackermann(3, 5));
}

static void division(void)
{
    /* volatile so that the compiler emits real divide instructions */
    static const int64_t sv[] = {0, 1, -1, 2, -2, 7, -7, 3, INT64_MAX, INT64_MIN, INT64_MIN + 1,
                                 INT64_MAX - 1, 1000000007, -1000000007};
    const size_t n = sizeof sv / sizeof sv[0];
    uint64_t h = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            volatile int64_t a = sv[i], b = sv[j];
            int64_t q = sdiv_portable(a, b), r = srem_portable(a, b);
            volatile uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
            uint64_t uq = ub ? ua / ub : 0, ur = ub ? ua % ub : ua;
            h = rotl64(h, 7) ^ (uint64_t)q;
            h = rotl64(h, 11) ^ (uint64_t)r;
            h = rotl64(h, 13) ^ uq;
            h = rotl64(h, 17) ^ ur;
        }
    }
    printf("div/rem table hash = %016" PRIx64 "\n", h);
    volatile int64_t m = INT64_MIN, m1 = -1, mx = INT64_MAX;
    printf("INT64_MIN / -1     = %" PRId64 "\n", sdiv_portable(m, m1));
    printf("INT64_MIN %% -1     = %" PRId64 "\n", srem_portable(m, m1));
    printf("INT64_MIN / 2      = %" PRId64 "\n", sdiv_portable(m, 2));
    printf("INT64_MIN / MAX    = %" PRId64 "\n", sdiv_portable(m, mx));
    printf("INT64_MIN %% MAX    = %" PRId64 "\n", srem_portable(m, mx));
    printf("MAX / (MIN+1)      = %" PRId64 "\n", sdiv_portable(mx, m + 1));
    printf("-7 / 2, -7 %% 2     = %" PRId64 " %" PRId64 "\n", sdiv_portable(-7, 2),
           srem_portable(-7, 2));
    volatile uint64_t um = UINT64_MAX, three = 3;
    printf("UINT64_MAX / 3     = %" PRIu64 "\n", um / three);
    printf("UINT64_MAX %% 10    = %" PRIu64 "\n", um % 10);
    volatile int32_t im = INT32_MIN, i7 = 7;
    printf("INT32_MIN / 7      = %" PRId32 " rem %" PRId32 "\n", im / i7, im % i7);
    volatile uint32_t u32 = 0xFFFFFFFFu, u32d = 0x10001u;
    printf("0xffffffff / 65537 = %" PRIu32 " rem %" PRIu32 "\n", u32 / u32d, u32 % u32d);
}

static void wide(void)
{
    volatile uint64_t a = 0xFFFFFFFFFFFFFFFFull, b = 0xFFFFFFFFFFFFFFFFull;
    unsigned __int128 p = (unsigned __int128)a * b;
    printf("umul128 max*max    = %016" PRIx64 "%016" PRIx64 "\n", (uint64_t)(p >> 64), (uint64_t)p);
    volatile int64_t c = INT64_MIN, d = -1, e = INT64_MAX;
    __int128 sp = (__int128)c * d;
    printf("smul128 MIN*-1     = %016" PRIx64 "%016" PRIx64 "\n", (uint64_t)((unsigned __int128)sp >> 64),
           (uint64_t)sp);
    sp = (__int128)c * e;
    printf("smul128 MIN*MAX    = %016" PRIx64 "%016" PRIx64 "\n", (uint64_t)((unsigned __int128)sp >> 64),
           (uint64_t)sp);
    uint64_t h = 0;
    for (int i = 0; i < 10000; i++) {
        uint64_t x = xorshift64(), y = xorshift64();
        unsigned __int128 q = (unsigned __int128)x * y;
        __int128 s = (__int128)(int64_t)x * (int64_t)y;
        h ^= (uint64_t)(q >> 64) + rotl64((uint64_t)q, 9) + (uint64_t)((unsigned __int128)s >> 64);
    }
    printf("mul128 loop hash   = %016" PRIx64 "\n", h);
    /* 128-bit division goes through libgcc (__udivti3) */
    volatile unsigned __int128 big = ((unsigned __int128)0x0123456789abcdefull << 64) | 0xfedcba9876543210ull;
    volatile unsigned __int128 dv = 0x1000000000000001ull;
    unsigned __int128 qq = big / dv, rr = big % dv;
    printf("u128 div           = %016" PRIx64 "%016" PRIx64 " rem %016" PRIx64 "\n",
           (uint64_t)(qq >> 64), (uint64_t)qq, (uint64_t)rr);
}

static void bits(void)
{
    static const uint64_t v[] = {1, 0x80000000ull, 0x8000000000000000ull, 0xFFFFFFFFFFFFFFFFull,
                                 0x0123456789ABCDEFull, 0x00F0000000000F00ull, 0x5555555555555555ull};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        volatile uint64_t x = v[i];
        volatile uint32_t w = (uint32_t)(x ^ (x >> 32));
        volatile unsigned sh = (unsigned)(i * 9 + 1) & 63;
        printf("%016" PRIx64 ": pop=%d clz=%d ctz=%d pop32=%d clz32=%d rbit-ish=%016" PRIx64 "\n", (uint64_t)x,
               __builtin_popcountll(x), __builtin_clzll(x), __builtin_ctzll(x), __builtin_popcount(w),
               w ? __builtin_clz(w) : 32, __builtin_bswap64(x));
        printf("  shl=%016" PRIx64 " lsr=%016" PRIx64 " asr=%016" PRIx64 " rol=%016" PRIx64
               " ror32=%08" PRIx32 "\n",
               (uint64_t)(x << sh), (uint64_t)(x >> sh), (uint64_t)((int64_t)x >> sh), rotl64(x, sh),
               rotr32(w, sh));
    }
    /* sign and zero extension of narrow values */
    volatile int8_t s8 = -128;
    volatile int16_t s16 = -32768;
    volatile int32_t s32 = INT32_MIN;
    volatile uint8_t u8 = 0xFF;
    volatile uint16_t u16 = 0xFFFF;
    printf("extend: %" PRId64 " %" PRId64 " %" PRId64 " %" PRIu64 " %" PRIu64 "\n", (int64_t)s8, (int64_t)s16,
           (int64_t)s32, (uint64_t)u8, (uint64_t)u16);
    /* conditional selects and comparisons, signed vs unsigned */
    int64_t cnt = 0;
    for (int64_t i = -50; i < 50; i++) {
        volatile uint64_t ui = (uint64_t)i;
        cnt += (i < 7) + 2 * (ui < 7) + 4 * (i >= -3) + 8 * (ui > 0x8000000000000000ull);
    }
    printf("compare count      = %" PRId64 "\n", cnt);
}

int main(void)
{
    hashing();
    sorting();
    recursion();
    division();
    wide();
    bits();
    puts("intwork done");
    return 0;
}
