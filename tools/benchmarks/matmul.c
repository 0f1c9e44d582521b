/* Benchmark: dense matrix multiply in double precision, C = A * B, once
 * with the naive triple loop (i, j, k: B walked down its columns, a
 * cache-unfriendly stride) and then blocked (tiles that stay in cache, the
 * innermost loop streaming rows), checking that both agree. Built with
 * -ffp-contract=off (tools/build-guests): no fused multiply-adds, so every
 * architecture rounds alike and the printed sums are compared across runners.
 * Usage: matmul [SCALE]  (default 1; work grows linearly). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 320
#define BS 32

static double a[N][N], b[N][N], c1[N][N], c2[N][N];

static void naive(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++)
                s += a[i][k] * b[k][j];
            c1[i][j] = s;
        }
}

static void blocked(void)
{
    memset(c2, 0, sizeof c2);
    for (int ii = 0; ii < N; ii += BS)
        for (int kk = 0; kk < N; kk += BS)
            for (int jj = 0; jj < N; jj += BS)
                for (int i = ii; i < ii + BS; i++)
                    for (int k = kk; k < kk + BS; k++) {
                        double x = a[i][k];
                        for (int j = jj; j < jj + BS; j++)
                            c2[i][j] += x * b[k][j];
                    }
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    /* Small integers over powers of two: exact in double, and products
     * and sums stay exact, so naive and blocked (different summation
     * orders) must agree bit for bit. */
    uint32_t r = 12345;
    double sum = 0;
    for (long round = 0; round < 3 * scale; round++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                r = r * 1103515245u + 12345u;
                a[i][j] = (double)((int)(r >> 16) % 64 - 32) / 16;
                r = r * 1103515245u + 12345u;
                b[i][j] = (double)((int)(r >> 16) % 64 - 32) / 8;
            }
        naive();
        blocked();
        if (memcmp(c1, c2, sizeof c1) != 0) {
            printf("round %ld: naive and blocked results differ\n", round);
            return 1;
        }
        for (int i = 0; i < N; i++)
            sum += c1[i][(i * 7) % N] + c2[(i * 13) % N][i];
    }
    /* A row-weighted checksum that depends on every element's position. */
    double w = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            w += c1[i][j] * (double)((i + 2 * j) % 17 - 8);
    printf("sum %.6f weighted %.6f c[17][42] %.6f\n", sum, w, c1[17][42]);
    return 0;
}
