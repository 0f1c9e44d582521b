/* Benchmark: memory traffic — memset, memcpy, memmove (glibc's SIMD
 * routines), sequential and strided array walks over 64 MiB buffers; a few
 * hundred MiB touched per pass. Usage: memwork [SCALE]. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB (1u << 20)
#define N (64u * MIB)

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    unsigned char *a = malloc(N), *b = malloc(N);
    uint64_t *w = malloc(N);
    if (!a || !b || !w) {
        puts("malloc failed");
        return 1;
    }
    uint64_t sum = 0;
    for (long pass = 0; pass < 14 * scale; pass++) {
        memset(a, (int)(pass & 0xff), N);
        for (size_t i = 0; i < N; i += 4093)
            a[i] = (unsigned char)(i * 7 + (size_t)pass);
        memcpy(b, a, N);
        memmove(b + 17, b, N - 17);
        /* sequential walk */
        for (size_t i = 0; i < N; i += 64)
            sum += b[i] ^ a[i + 3];
        /* word array: fill, then a strided read-modify-write walk */
        size_t nw = N / 8;
        for (size_t i = 0; i < nw; i++)
            w[i] = i * 0x9E3779B97F4A7C15ull + (uint64_t)pass;
        for (size_t s = 1; s <= 4096; s *= 8)
            for (size_t i = 0; i < nw; i += s)
                w[i] += w[(i * 31 + s) % nw] >> 3;
        for (size_t i = 0; i < nw; i += 7)
            sum += w[i];
        /* small copies of varying length and alignment */
        for (size_t i = 0; i + 300 < N; i += 1021)
            memcpy(a + i, b + i + (i & 15), (i >> 3) % 257);
        sum += a[12345] + a[N - 7];
    }
    printf("%016" PRIx64 "\n", sum);
    free(a);
    free(b);
    free(w);
    return 0;
}
