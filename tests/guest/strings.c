/*
 * String and memory routines at many lengths and alignments. glibc picks
 * SIMD-optimised versions of these at start-up (ifuncs on AArch64 and
 * x86-64), so this exercises vector loads, stores and compares, including
 * accesses near the end of a page. Results are folded into checksums and
 * printed.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BUF 4096

static unsigned char src[BUF + 64] __attribute__((aligned(64)));
static unsigned char dst[BUF + 64] __attribute__((aligned(64)));

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    return h;
}

static uint64_t sum_buf(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)('a' + (i * 7 + seed) % 26);
}

static const size_t lens[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65,
                              100, 127, 128, 129, 255, 256, 257, 511, 1000, 1023, 1024, 2049, 4000};
#define NLENS (sizeof lens / sizeof lens[0])

static void test_memcpy_memset(void)
{
    uint64_t h = 0;
    for (size_t li = 0; li < NLENS; li++) {
        size_t n = lens[li];
        for (size_t sa = 0; sa < 16; sa += 3) {
            for (size_t da = 0; da < 16; da += 5) {
                fill(src, sizeof src, (unsigned)(n + sa));
                memset(dst, 0xEE, sizeof dst);
                memcpy(dst + da, src + sa, n);
                h = mix(h, sum_buf(dst, sizeof dst));
                memset(dst + da, (int)(n & 0xFF), n);
                h = mix(h, sum_buf(dst, sizeof dst));
            }
        }
    }
    printf("memcpy/memset      %016" PRIx64 "\n", h);
}

static void test_memmove(void)
{
    uint64_t h = 0;
    for (size_t li = 0; li < NLENS; li++) {
        size_t n = lens[li];
        if (n + 40 > BUF)
            continue;
        for (int off = -33; off <= 33; off += 11) {
            fill(dst, sizeof dst, (unsigned)n);
            size_t s = 40, d = (size_t)(40 + off);
            memmove(dst + d, dst + s, n);
            h = mix(h, sum_buf(dst, sizeof dst));
        }
    }
    printf("memmove            %016" PRIx64 "\n", h);
}

static void test_str(void)
{
    uint64_t h = 0;
    char a[600], b[600];
    for (size_t n = 0; n < 520; n += 13) {
        for (size_t al = 0; al < 8; al++) {
            fill((unsigned char *)a + al, n, 3);
            a[al + n] = 0;
            h = mix(h, strlen(a + al));
            char *c = strchr(a + al, 'q');
            h = mix(h, c ? (uint64_t)(c - (a + al)) : 999999);
            c = strchr(a + al, 0);
            h = mix(h, (uint64_t)(c - (a + al)));
            c = strrchr(a + al, 'e');
            h = mix(h, c ? (uint64_t)(c - (a + al)) : 999999);
            const void *m = memchr(a + al, 'z', n);
            h = mix(h, m ? (uint64_t)((const char *)m - (a + al)) : 999999);
            memcpy(b, a + al, n + 1);
            h = mix(h, (uint64_t)(strcmp(a + al, b) == 0));
            if (n > 0) {
                b[n / 2] = (char)(b[n / 2] + 1);
                int r = strcmp(a + al, b);
                h = mix(h, (uint64_t)((r > 0) - (r < 0) + 1));
                r = memcmp(a + al, b, n);
                h = mix(h, (uint64_t)((r > 0) - (r < 0) + 1));
                r = strncmp(a + al, b, n / 2);
                h = mix(h, (uint64_t)(r == 0));
            }
        }
    }
    printf("strlen/strchr/cmp  %016" PRIx64 "\n", h);
}

static void test_strstr(void)
{
    static const char hay[] = "the quick brown fox jumps over the lazy dog; "
                              "pack my box with five dozen liquor jugs; "
                              "sphinx of black quartz, judge my vow";
    static const char *needles[] = {"fox", "dog;", "quartz", "the", "vow", "jugs; s", "zebra", "", "q",
                                    "x of b"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++) {
        const char *p = strstr(hay, needles[i]);
        printf("strstr(\"%s\") = %ld\n", needles[i], p ? (long)(p - hay) : -1L);
    }
}

static void test_snprintf(void)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%d|%5d|%-5d|%05d|%x|%X|%o|%+d", -42, 42, 42, 42, 0xbeef, 0xbeef, 8, 7);
    printf("snprintf %d [%s]\n", n, buf);
    n = snprintf(buf, sizeof buf, "%lld|%llu|%#llx", (long long)INT64_MIN, (unsigned long long)UINT64_MAX,
                 0x123456789abcdefULL);
    printf("snprintf %d [%s]\n", n, buf);
    volatile size_t ten = 10; /* volatile: the truncation is intended */
    n = snprintf(buf, ten, "%s", "truncated output that is long");
    printf("snprintf %d [%s]\n", n, buf);
    n = snprintf(buf, sizeof buf, "[%10s][%-10s][%.3s][%c]", "right", "left", "precision", 'Z');
    printf("snprintf %d [%s]\n", n, buf);
    n = snprintf(buf, sizeof buf, "%.3f %e %g %g", 3.14159265, 12345.678, 0.0001, 1e20);
    printf("snprintf %d [%s]\n", n, buf);
}

/* strlen/memchr/memcpy of data ending exactly at the end of a mapped page:
 * SIMD routines must not fault on the following (unmapped) page. */
static void test_page_end(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    unsigned char *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        puts("mmap failed");
        return;
    }
    munmap(m + pg, (size_t)pg);
    uint64_t h = 0;
    for (size_t n = 1; n <= 80; n++) {
        char *s = (char *)m + pg - n;
        memset(s, 'k', n - 1);
        s[n - 1] = 0;
        h = mix(h, strlen(s));
        h = mix(h, memchr(s, 0, n) ? 1 : 0);
        h = mix(h, strchr(s, 'x') ? 1 : 0);
        char tmp[96];
        memcpy(tmp, s, n);
        h = mix(h, sum_buf((unsigned char *)tmp, n));
    }
    printf("page end           %016" PRIx64 "\n", h);
    munmap(m, (size_t)pg);
}

int main(void)
{
    test_memcpy_memset();
    test_memmove();
    test_str();
    test_strstr();
    test_snprintf();
    test_page_end();
    puts("strings done");
    return 0;
}
