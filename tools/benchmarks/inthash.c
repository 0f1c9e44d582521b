/* Benchmark: integer hashing and mixing in registers (multiply, shift,
 * rotate, xor, add), the kind of loop a translator must keep in host
 * registers. Usage: inthash [SCALE]  (default 1; work grows linearly). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    uint64_t n = 900000000ull * (uint64_t)scale;
    uint64_t a = 0x243F6A8885A308D3ull, b = 0x13198A2E03707344ull, c = 0, d = 0;
    uint32_t h32 = 2166136261u;
    for (uint64_t i = 0; i < n; i++) {
        a ^= i;
        a *= 0xff51afd7ed558ccdull;
        a = rotl(a, 27) + b;
        b ^= a >> 29;
        b = b * 5 + 0x52dce729;
        c += (a ^ b) >> (i & 31);
        h32 = (h32 ^ (uint32_t)a) * 16777619u;
        if ((a & 0xff) < 3)
            d += c % 0x7fff;
    }
    printf("%016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %08" PRIx32 "\n", a, b, c, d, h32);
    return 0;
}
