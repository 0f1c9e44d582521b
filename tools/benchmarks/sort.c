/* Benchmark: sorting — glibc qsort with a comparison callback and a
 * hand-written introsort-like quicksort on 64-bit keys, plus binary searches.
 * Usage: sort [SCALE]. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

static void insertion(uint64_t *v, long n)
{
    for (long i = 1; i < n; i++) {
        uint64_t x = v[i];
        long j = i - 1;
        while (j >= 0 && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

static void quick(uint64_t *v, long n)
{
    while (n > 24) {
        uint64_t a = v[0], b = v[n / 2], c = v[n - 1];
        uint64_t p = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        long i = 0, j = n - 1;
        for (;;) {
            while (v[i] < p)
                i++;
            while (v[j] > p)
                j--;
            if (i >= j)
                break;
            uint64_t t = v[i];
            v[i] = v[j];
            v[j] = t;
            i++;
            j--;
        }
        if (j + 1 < n - j - 1) {
            quick(v, j + 1);
            v += j + 1;
            n -= j + 1;
        } else {
            quick(v + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    insertion(v, n);
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    long n = 2000000;
    uint64_t *v = malloc((size_t)n * sizeof *v), *u = malloc((size_t)n * sizeof *u);
    if (!v || !u) {
        puts("malloc failed");
        return 1;
    }
    uint64_t h = 0;
    for (long round = 0; round < 2 * scale; round++) {
        for (long i = 0; i < n; i++)
            u[i] = v[i] = next() % 100000000ull;
        qsort(v, (size_t)n, sizeof *v, cmp);
        quick(u, n);
        for (long i = 0; i < n; i++)
            if (u[i] != v[i]) {
                printf("mismatch at %ld\n", i);
                return 1;
            }
        long found = 0;
        for (long k = 0; k < n; k++) {
            uint64_t key = next() % 100000000ull;
            found += bsearch(&key, v, (size_t)n, sizeof *v, cmp) != NULL;
        }
        h = h * 31 + v[n / 3] + v[n - 1] + (uint64_t)found;
    }
    printf("%016" PRIx64 "\n", h);
    free(v);
    free(u);
    return 0;
}
