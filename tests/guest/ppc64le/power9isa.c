/* POWER9 (ISA 3.0) and VMX crypto as GCC and glibc use them, compared
 * with qemu-ppc64le -cpu power9 (built with -mcpu=power9; power10isa.c
 * includes this file and is built with -mcpu=power10):
 * - glibc's string and memory routines, which it picks by AT_HWCAP2
 *   (the POWER9/POWER10 variants use lxvl/stxvl, lxvp, vcmpnezb, ...),
 *   over many lengths and alignments;
 * - AES-128 (FIPS-197 C.1) with vcipher/vncipher and a key schedule from
 *   vsbox, vpmsumd/w/h/b, vshasigmaw/d;
 * - ISA 3.0 builtins: darn, maddld/maddhd (from C), extswsli, modulo,
 *   cnttz, cmpeqb/cmprb, vec_xl_len/vec_xst_len, variable vec_extract,
 *   vec_cnttz/vec_neg/vec_rlnm, scalar exponent/significand, 4-byte
 *   insert/extract. */
#include <altivec.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef unsigned long u64;
typedef vector unsigned char vu8;
typedef vector unsigned int vu32;
typedef vector unsigned long long vu64;

static u64 hash = 1469598103934665603ul;

static void mix(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        hash = (hash ^ b[i]) * 1099511628211ul;
}

static void vprint(const char *name, vu8 v)
{
    unsigned char b[16];
    memcpy(b, &v, 16);
    printf("%s", name);
    for (int i = 0; i < 16; i++)
        printf("%02x", b[i]);
    printf("\n");
}

/* Opaque to the optimizer so that every call reaches glibc. */
static void *(*volatile p_memcpy)(void *, const void *, size_t) = memcpy;
static void *(*volatile p_memmove)(void *, const void *, size_t) = memmove;
static void *(*volatile p_memset)(void *, int, size_t) = memset;
static int (*volatile p_memcmp)(const void *, const void *, size_t) = memcmp;
static size_t (*volatile p_strlen)(const char *) = strlen;
static int (*volatile p_strcmp)(const char *, const char *) = strcmp;
static int (*volatile p_strncmp)(const char *, const char *, size_t) = strncmp;
static char *(*volatile p_strcpy)(char *, const char *) = strcpy;
static char *(*volatile p_stpcpy)(char *, const char *) = stpcpy;
static char *(*volatile p_strncpy)(char *, const char *, size_t) = strncpy;
static char *(*volatile p_strchr)(const char *, int) = strchr;
static void *(*volatile p_memchr)(const void *, int, size_t) = memchr;

static void strings(void)
{
    static char src[600], dst[700], s2[600];
    for (int i = 0; i < 600; i++)
        src[i] = 'A' + (i * 7) % 50;
    for (size_t len = 0; len < 300; len += 1 + len / 16) {
        for (int al = 0; al < 16; al += 3) {
            memset(dst, 0x55, sizeof dst);
            p_memcpy(dst + al, src + (len & 7), len);
            mix(dst, sizeof dst);
            p_memmove(dst + al + 3, dst + al, len);
            mix(dst, sizeof dst);
            p_memset(dst + al, (int)len, len);
            mix(dst, sizeof dst);
            memcpy(s2, src, sizeof s2);
            s2[len + al] = 0;
            size_t n = p_strlen(s2 + al);
            int c1 = p_memcmp(s2 + al, src + al, len);
            s2[len / 2 + al] ^= 1;
            int c2 = p_memcmp(s2 + al, src + al, len);
            int c3 = p_strcmp(s2 + al, src + al);
            int c4 = p_strncmp(s2 + al, src + al, len / 2);
            char *e = p_stpcpy(dst + al, s2 + al);
            mix(dst, sizeof dst);
            p_strcpy(dst + 1, s2 + al);
            mix(dst, sizeof dst);
            p_strncpy(dst + al, s2 + al, len + 5);
            mix(dst, sizeof dst);
            char *ch = p_strchr(s2 + al, 'A' + 49);
            char *m = p_memchr(src + al, 'A' + (int)(len % 50), len);
            long r[] = {(long)n, c1, c2 > 0 ? 1 : c2 < 0 ? -1 : 0, c3 > 0 ? 1 : c3 < 0 ? -1 : 0,
                        c4 != 0, e - dst, ch ? ch - s2 : -1, m ? m - src : -1};
            mix(r, sizeof r);
        }
    }
    printf("strings hash %016lx\n", hash);
}

static vu8 rev_bytes(vu8 v)
{
    /* Big-endian byte order of the AES state in the register, as the
     * crypto builtins expect on little-endian. */
    return vec_reve(v);
}

static void aes(void)
{
    /* FIPS-197 appendix C.1. */
    unsigned char key[16], pt[16];
    for (int i = 0; i < 16; i++) {
        key[i] = i;
        pt[i] = i * 0x11;
    }
    uint32_t w[44];
    for (int i = 0; i < 4; i++)
        w[i] = (uint32_t)key[4 * i] << 24 | key[4 * i + 1] << 16 | key[4 * i + 2] << 8 | key[4 * i + 3];
    uint32_t rcon = 1;
    for (int i = 4; i < 44; i++) {
        uint32_t t = w[i - 1];
        if (i % 4 == 0) {
            t = t << 8 | t >> 24;
            vu32 v = {t, t, t, t};
            v = (vu32)__builtin_crypto_vsbox((vu64)v);
            t = v[0] ^ rcon << 24;
            rcon = rcon << 1 ^ (rcon & 0x80 ? 0x11b : 0);
        }
        w[i] = w[i - 4] ^ t;
    }
    vu64 rk[11];
    for (int r = 0; r < 11; r++) {
        vu32 v = {w[4 * r + 3], w[4 * r + 2], w[4 * r + 1], w[4 * r]};
        rk[r] = (vu64)v;
    }
    vu8 s;
    memcpy(&s, pt, 16);
    vu64 st = (vu64)rev_bytes(s) ^ rk[0];
    for (int r = 1; r < 10; r++)
        st = __builtin_crypto_vcipher(st, rk[r]);
    st = __builtin_crypto_vcipherlast(st, rk[10]);
    vprint("aes128 ct ", rev_bytes((vu8)st));
    st ^= rk[10];
    for (int r = 9; r > 0; r--)
        st = __builtin_crypto_vncipher(st, rk[r]);
    st = __builtin_crypto_vncipherlast(st, rk[0]);
    vprint("aes128 pt ", rev_bytes((vu8)st));
}

static void pmsum_sha(void)
{
    vu64 a = {0x0123456789abcdefull, 0xfedcba9876543210ull};
    vu64 b = {0x8000000000000001ull, 0x00000000ffffffffull};
    for (int i = 0; i < 3; i++) {
        vprint("vpmsumd ", (vu8)__builtin_crypto_vpmsumd(a, b));
        vprint("vpmsumw ", (vu8)__builtin_crypto_vpmsumw((vu32)a, (vu32)b));
        vprint("vpmsumh ", (vu8)__builtin_crypto_vpmsumh((vector unsigned short)a,
                                                        (vector unsigned short)b));
        vprint("vpmsumb ", (vu8)__builtin_crypto_vpmsumb((vu8)a, (vu8)b));
        vprint("sigmaw0 ", (vu8)__builtin_crypto_vshasigmaw((vu32)a, 0, 0));
        vprint("sigmaw5 ", (vu8)__builtin_crypto_vshasigmaw((vu32)a, 0, 5));
        vprint("Sigmaw10 ", (vu8)__builtin_crypto_vshasigmaw((vu32)a, 1, 10));
        vprint("sigmad0 ", (vu8)__builtin_crypto_vshasigmad(a, 0, 0));
        vprint("Sigmad15 ", (vu8)__builtin_crypto_vshasigmad(a, 1, 15));
        a = a * 3 + b;
        b = b ^ (a >> 7);
    }
}

static long __attribute__((noinline)) madd(long a, long b, long c) { return a * b + c; }
static long __attribute__((noinline)) mulhi_add(long a, long b, long c)
{
    return (long)(((__int128)a * b + c) >> 64);
}
static unsigned long __attribute__((noinline)) umulhi_add(unsigned long a, unsigned long b,
                                                          unsigned long c)
{
    return (unsigned long)(((unsigned __int128)a * b + c) >> 64);
}
static long __attribute__((noinline)) extsl(int x, int n) { return (long)x << 13 | n; }

static void fixed(void)
{
    static const long v[] = {0, 1, -1, 7, -7, 0x7fffffffffffffff, (long)0x8000000000000000,
                             0x123456789, -0x987654321, 255, 65535};
    for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
        long a = v[i], b = v[(i + 3) % 11] | 1, c = v[(i + 5) % 11];
        printf("fixed %lx %lx %lx %lx %lx %lx %lx %ld %d %d %d %d\n", madd(a, b, c),
               mulhi_add(a, b, c), umulhi_add(a, b, c), extsl((int)a, (int)i), a % b,
               (long)((unsigned long)a % (unsigned long)b), (long)((int)a % (int)b),
               (long)__builtin_ctzl(a | 1ul << 63), __builtin_ctz((int)a | 1 << 31),
               __builtin_byte_in_set((unsigned char)a, 0x0107ff2a13140000ul),
               __builtin_byte_in_range((unsigned char)a, 0x3039), /* '0'..'9' */
               __builtin_byte_in_either_range((unsigned char)a, 0x41465a61)); /* 'a'..'Z'? 'F'..'A' */
    }
    unsigned long r = __builtin_darn();
    unsigned int r32 = __builtin_darn_32();
    unsigned long raw = __builtin_darn_raw();
    printf("darn ok %d %d %d\n", r != ~0ul, r32 != ~0u, raw != ~0ul);
}

static void vectors(void)
{
    unsigned char buf[40];
    for (int i = 0; i < 40; i++)
        buf[i] = 0x10 + i;
    for (size_t n = 0; n <= 18; n += 3) {
        vu8 v = vec_xl_len(buf + 1, n);
        vprint("xl_len ", v);
        unsigned char out[24];
        memset(out, 0xee, sizeof out);
        vec_xst_len(v, out + 2, n);
        mix(out, sizeof out);
    }
    printf("xst_len hash %016lx\n", hash);
    vu8 b8 = {1, 0x80, 3, 0, 5, 0x60, 7, 8, 9, 0, 11, 12, 13, 14, 15, 16};
    vu32 w = (vu32)b8;
    for (volatile int i = 0; i < 16; i += 3)
        printf("extract %d: %x %x %x\n", i, vec_extract(b8, i),
               vec_extract((vector unsigned short)b8, i & 7), vec_extract(w, i & 3));
    vprint("cnttz ", (vu8)vec_cnttz(w));
    vprint("neg ", (vu8)vec_neg((vector signed int)w));
    vu32 sh = {3, 8, 31, 0}, mbe = {0x0a1f, 0x1010, 0x001f, 0x1f00};
    vprint("rlnm ", (vu8)vec_rlnm(w, sh, mbe));
    vprint("insert4b ", (vu8)vec_insert4b((vector signed int){0x11223344, 2, 3, 4}, b8, 4));
    vprint("extract4b ", (vu8)vec_extract4b(b8, 5));
    printf("cntlz_lsbb %d cnttz_lsbb %d\n", vec_cntlz_lsbb(b8), vec_cnttz_lsbb(b8));
    static const double d[] = {1.0, -0.0, 3.5e300, 1e-310, __builtin_inf(), __builtin_nan("")};
    for (unsigned i = 0; i < sizeof d / sizeof d[0]; i++) {
        double x = d[i];
        printf("fp %llx %llx %a %d %d\n", (unsigned long long)scalar_extract_exp(x),
               (unsigned long long)scalar_extract_sig(x),
               scalar_insert_exp(scalar_extract_sig(x), 1023ull + i),
               scalar_cmp_exp_gt(x, 2.0), scalar_cmp_exp_eq(x, d[(i + 1) % 6]));
    }
}

int main(void)
{
    strings();
    aes();
    pmsum_sha();
    fixed();
    vectors();
    return 0;
}
