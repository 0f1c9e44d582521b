// FPCR.AHP (Alternative Half-Precision): FCVT between half and single or
// double precision, scalar and vector (FCVTN/FCVTL), with and without AHP
// and under each rounding mode, printing the result bits and the FPSR
// cumulative flags. Arithmetic on half precision ignores AHP (FADD h).
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t get_fpsr(void) { uint64_t v; __asm__ volatile("mrs %0, fpsr" : "=r"(v)); return v; }
static void set_fpsr(uint64_t v) { __asm__ volatile("msr fpsr, %0" : : "r"(v)); }
static void set_fpcr(uint64_t v) { __asm__ volatile("msr fpcr, %0" : : "r"(v)); }

static uint16_t s2h(float f) {
    uint32_t r;
    __asm__ volatile("fcvt h0, %s1\n umov %w0, v0.h[0]" : "=r"(r) : "w"(f) : "v0");
    return r;
}
static uint16_t d2h(double f) {
    uint32_t r;
    __asm__ volatile("fcvt h0, %d1\n umov %w0, v0.h[0]" : "=r"(r) : "w"(f) : "v0");
    return r;
}
static uint32_t h2s(uint16_t h) {
    uint32_t r;
    __asm__ volatile("dup v0.8h, %w1\n fcvt s0, h0\n fmov %w0, s0" : "=r"(r) : "r"((uint32_t)h) : "v0");
    return r;
}
static uint64_t h2d(uint16_t h) {
    uint64_t r;
    __asm__ volatile("dup v0.8h, %w1\n fcvt d0, h0\n fmov %0, d0" : "=r"(r) : "r"((uint32_t)h) : "v0");
    return r;
}
static uint64_t fcvtn4(const float *f) {
    uint64_t r;
    __asm__ volatile("ldr q0, [%1]\n fcvtn v1.4h, v0.4s\n fmov %0, d1" : "=r"(r) : "r"(f) : "v0", "v1", "memory");
    return r;
}
static void fcvtl4(uint64_t h, uint32_t *out) {
    __asm__ volatile("fmov d0, %0\n fcvtl v1.4s, v0.4h\n str q1, [%1]" : : "r"(h), "r"(out) : "v0", "v1", "memory");
}
static uint32_t hadd(uint16_t a, uint16_t b) {
    uint32_t r;
    __asm__ volatile(".arch armv8.2-a+fp16\n dup v0.8h, %w1\n dup v1.8h, %w2\n fadd h0, h0, h1\n umov %w0, v0.h[0]"
                     : "=r"(r) : "r"((uint32_t)a), "r"((uint32_t)b) : "v0", "v1");
    return r;
}

static float fbits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static double dbits(uint64_t u) { double f; memcpy(&f, &u, 8); return f; }

int main(void) {
    static const uint32_t sv[] = {
        0x3fc00000, 0x477fe000, 0x477ff000, 0x47800000, 0x47ffe000, 0x47fff000,
        0x48000000, 0x7f800000, 0xff800000, 0x7fc00001, 0xff800001, 0x33800000,
        0x33000000, 0x387fc000, 0x00000001, 0x80000000, 0x4b000000, 0xc7c00123,
    };
    static const uint64_t dv[] = {
        0x3ff8000000000000, 0x40effc0000000001, 0x40fffe0000000000, 0x40fffe0000000001,
        0x7ff0000000000000, 0x7ff8000000000001, 0x7ff0000000000001, 0x3e70000000000000,
        0xc0f0000000000000,
    };
    static const uint16_t hv[] = {
        0x0000, 0x8000, 0x0001, 0x03ff, 0x3c00, 0x7bff, 0x7c00, 0x7c01, 0x7e00,
        0x7fff, 0xfc00, 0xfd55, 0xffff,
    };
    for (int ahp = 0; ahp < 2; ahp++) {
        for (int rm = 0; rm < 4; rm++) {
            uint64_t fpcr = (uint64_t)ahp << 26 | (uint64_t)rm << 22;
            printf("AHP=%d RMode=%d\n", ahp, rm);
            for (unsigned i = 0; i < sizeof sv / sizeof sv[0]; i++) {
                set_fpcr(fpcr);
                set_fpsr(0);
                uint16_t h = s2h(fbits(sv[i]));
                uint64_t f = get_fpsr();
                set_fpcr(0);
                printf("  s2h %08x -> %04x fpsr %02llx\n", sv[i], h, (unsigned long long)f);
            }
            for (unsigned i = 0; i < sizeof dv / sizeof dv[0]; i++) {
                set_fpcr(fpcr);
                set_fpsr(0);
                uint16_t h = d2h(dbits(dv[i]));
                uint64_t f = get_fpsr();
                set_fpcr(0);
                printf("  d2h %016llx -> %04x fpsr %02llx\n", (unsigned long long)dv[i], h,
                       (unsigned long long)f);
            }
            if (rm != 0)
                continue;
            for (unsigned i = 0; i < sizeof hv / sizeof hv[0]; i++) {
                set_fpcr(fpcr);
                set_fpsr(0);
                uint32_t s = h2s(hv[i]);
                uint64_t d = h2d(hv[i]);
                uint32_t a = hadd(hv[i], 0x3c00);
                uint64_t f = get_fpsr();
                set_fpcr(0);
                printf("  h %04x -> s %08x d %016llx, +1.0 = %04x, fpsr %02llx\n", hv[i], s,
                       (unsigned long long)d, a, (unsigned long long)f);
            }
            float quad[4] = {fbits(0x47fff000), fbits(0x7fc00000), fbits(0x47800000), -2.5f};
            set_fpcr(fpcr);
            set_fpsr(0);
            uint64_t n = fcvtn4(quad);
            uint32_t l[4];
            fcvtl4(0x7c01fc00ffff7c00ull, l);
            uint64_t f = get_fpsr();
            set_fpcr(0);
            printf("  fcvtn %016llx fcvtl %08x %08x %08x %08x fpsr %02llx\n", (unsigned long long)n,
                   l[0], l[1], l[2], l[3], (unsigned long long)f);
        }
    }
    return 0;
}
