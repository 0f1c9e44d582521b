/* ACLE intrinsics (arm_neon.h, arm_acle.h): integer/FP SIMD, CRC32, AES,
 * SHA1, SHA256, SHA3, SHA512, SM3, SM4, PMULL. AArch64-only; built -O2
 * -march=armv8.2-a+crypto+sha3+sm4+dotprod.
 * Expected output comes from qemu-aarch64 (its default CPU, max). */
#include <arm_acle.h>
#include <arm_neon.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void p8(const char *n, uint8x16_t v) {
    uint8_t b[16];
    vst1q_u8(b, v);
    printf("%-10s", n);
    for (int i = 15; i >= 0; i--) printf("%02x", b[i]);
    printf("\n");
}
#define P(n, v) p8(n, vreinterpretq_u8_##v)

int main(void) {
    uint8_t src[64];
    for (int i = 0; i < 64; i++) src[i] = (uint8_t)(i * 37 + 11) ^ (uint8_t)(i << 3);
    volatile uint8_t *vs = src;
    uint8x16_t a = vld1q_u8((const uint8_t *)vs), b = vld1q_u8((const uint8_t *)vs + 16);
    uint8x16_t c = vld1q_u8((const uint8_t *)vs + 32), d = vld1q_u8((const uint8_t *)vs + 48);
    int16x8_t sa = vreinterpretq_s16_u8(a), sb = vreinterpretq_s16_u8(b);
    int32x4_t ia = vreinterpretq_s32_u8(a), ib = vreinterpretq_s32_u8(b);
    P("addq", u32(vaddq_u32(vreinterpretq_u32_u8(a), vreinterpretq_u32_u8(b))));
    P("mulq", u16(vmulq_u16(vreinterpretq_u16_u8(a), vreinterpretq_u16_u8(b))));
    P("qaddq", s8(vqaddq_s8(vreinterpretq_s8_u8(a), vreinterpretq_s8_u8(b))));
    p8("uqaddq", vqaddq_u8(a, b));
    P("qdmulhq", s16(vqdmulhq_s16(sa, sb)));
    P("qdmulh32", s32(vqdmulhq_s32(ia, ib)));
    P("qrdmulh", s16(vqrdmulhq_s16(sa, sb)));
    uint8x16_t idx = vandq_u8(c, vdupq_n_u8(0x1f));
    uint8x8x2_t tb = {{vget_low_u8(a), vget_high_u8(a)}};
    p8("tbl", vcombine_u8(vtbl2_u8(tb, vget_low_u8(idx)), vtbl2_u8(tb, vget_high_u8(idx))));
    p8("qtbl1", vqtbl1q_u8(b, idx));
    p8("zip1", vzip1q_u8(a, b));
    P("zip2", u16(vzip2q_u16(vreinterpretq_u16_u8(a), vreinterpretq_u16_u8(b))));
    p8("uzp1", vuzp1q_u8(a, b));
    P("uzp2", u32(vuzp2q_u32(vreinterpretq_u32_u8(a), vreinterpretq_u32_u8(b))));
    p8("trn1", vtrn1q_u8(a, b));
    p8("rev64", vrev64q_u8(a));
    P("rev32", u16(vrev32q_u16(vreinterpretq_u16_u8(a))));
    p8("rev16", vrev16q_u8(a));
    p8("cnt", vcntq_u8(a));
    p8("clz8", vclzq_u8(b));
    P("clz32", u32(vclzq_u32(vreinterpretq_u32_u8(c))));
    P("cls16", s16(vclsq_s16(sb)));
    p8("shrn", vreinterpretq_u8_u16(vcombine_u16(vshrn_n_u32(vreinterpretq_u32_u8(a), 5),
                                                  vshrn_n_u32(vreinterpretq_u32_u8(b), 13))));
    p8("qrshrn", vreinterpretq_u8_s16(vcombine_s16(vqrshrn_n_s32(ia, 3), vqrshrn_n_s32(ib, 16))));
    p8("qrshrun", vcombine_u8(vqrshrun_n_s16(sa, 2), vqrshrun_n_s16(sb, 7)));
    p8("ext", vextq_u8(a, b, 5));
    p8("bsl", vbslq_u8(c, a, b));
    p8("uabd", vabdq_u8(a, b));
    P("maxv", u32(vdupq_n_u32(vmaxvq_u8(a) | (vminvq_u8(b) << 8) | ((uint32_t)vaddvq_u8(c) << 16))));
    P("sshl", s32(vshlq_s32(ia, vreinterpretq_s32_u8(vandq_u8(d, vdupq_n_u8(0x8f))))));
    /* Floating point. */
    float fv[8] = {1.5f, -2.25f, 3.0e10f, 1.0e-3f, 0.1f, -7.75f, 65504.0f, 3.3e-39f};
    volatile float *vf = fv;
    float32x4_t fa = vld1q_f32((const float *)vf), fb = vld1q_f32((const float *)vf + 4);
    P("fmaq", f32(vfmaq_f32(fa, fb, fa)));
    P("fmulq", f32(vmulq_f32(fa, fb)));
    P("cvtq_s32", s32(vcvtq_s32_f32(vmulq_f32(fa, vdupq_n_f32(1000.0f)))));
    P("cvtq_u32", u32(vcvtq_u32_f32(fb)));
    P("cvtnq", s32(vcvtnq_s32_f32(vmulq_n_f32(fb, 10.0f))));
    P("cvtq_f32", f32(vcvtq_f32_s32(ia)));
    P("cvtq_fx", f32(vcvtq_n_f32_u32(vreinterpretq_u32_u8(b), 12)));
    P("recpeq", f32(vrecpeq_f32(fa)));
    P("recpsq", f32(vrecpsq_f32(fa, fb)));
    P("rsqrteq", f32(vrsqrteq_f32(vabsq_f32(fb))));
    P("urecpe", u32(vrecpeq_u32(vreinterpretq_u32_u8(c))));
    P("sqrtq", f32(vsqrtq_f32(vabsq_f32(fa))));
    P("rndnq", f32(vrndnq_f32(vmulq_n_f32(fb, 3.0f))));
    P("maxnmq", f32(vmaxnmq_f32(fa, fb)));
    P("dotq_u32", u32(vdotq_u32(vreinterpretq_u32_u8(c), a, b)));
    P("dotq_s32", s32(vdotq_s32(ib, vreinterpretq_s8_u8(c), vreinterpretq_s8_u8(d))));
    /* CRC32. */
    uint32_t crc = 0xffffffffu, crcc = 0xffffffffu;
    for (int i = 0; i < 64; i++) crc = __crc32b(crc, vs[i]);
    crc = __crc32h(crc, 0x1234);
    crc = __crc32w(crc, 0xdeadbeef);
    crc = __crc32d(crc, 0x0123456789abcdefull);
    for (int i = 0; i < 64; i++) crcc = __crc32cb(crcc, vs[i]);
    crcc = __crc32ch(crcc, 0x1234);
    crcc = __crc32cw(crcc, 0xdeadbeef);
    crcc = __crc32cd(crcc, 0x0123456789abcdefull);
    printf("crc32     %08x\ncrc32c    %08x\n", crc, crcc);
    /* AES. */
    p8("aese", vaeseq_u8(a, b));
    p8("aesd", vaesdq_u8(a, b));
    p8("aesmc", vaesmcq_u8(c));
    p8("aesimc", vaesimcq_u8(c));
    uint8x16_t st = a;
    for (int r = 0; r < 9; r++) st = vaesmcq_u8(vaeseq_u8(st, b));
    p8("aes9r", veorq_u8(vaeseq_u8(st, c), d));
    /* SHA1 / SHA256. */
    uint32x4_t wa = vreinterpretq_u32_u8(a), wb = vreinterpretq_u32_u8(b);
    uint32x4_t wc = vreinterpretq_u32_u8(c), wd = vreinterpretq_u32_u8(d);
    P("sha256h", u32(vsha256hq_u32(wa, wb, wc)));
    P("sha256h2", u32(vsha256h2q_u32(wa, wb, wc)));
    P("sha256su0", u32(vsha256su0q_u32(wa, wb)));
    P("sha256su1", u32(vsha256su1q_u32(wa, wb, wc)));
    P("sha1c", u32(vsha1cq_u32(wa, vgetq_lane_u32(wd, 0), wb)));
    P("sha1p", u32(vsha1pq_u32(wa, vgetq_lane_u32(wd, 1), wb)));
    P("sha1m", u32(vsha1mq_u32(wa, vgetq_lane_u32(wd, 2), wb)));
    P("sha1su0", u32(vsha1su0q_u32(wa, wb, wc)));
    P("sha1su1", u32(vsha1su1q_u32(wa, wb)));
    printf("sha1h     %08x\n", vsha1h_u32(vgetq_lane_u32(wc, 3)));
    /* SHA3. */
    uint64x2_t xa = vreinterpretq_u64_u8(a), xb = vreinterpretq_u64_u8(b), xc = vreinterpretq_u64_u8(c);
    P("eor3", u64(veor3q_u64(xa, xb, xc)));
    P("rax1", u64(vrax1q_u64(xa, xb)));
    P("xar", u64(vxarq_u64(xa, xb, 23)));
    P("bcax", u64(vbcaxq_u64(xa, xb, xc)));
    /* SHA512 (FEAT_SHA512, part of +sha3). */
    P("sha512h", u64(vsha512hq_u64(xa, xb, xc)));
    P("sha512h2", u64(vsha512h2q_u64(xa, xb, xc)));
    P("sha512su0", u64(vsha512su0q_u64(xa, xb)));
    P("sha512su1", u64(vsha512su1q_u64(xa, xb, xc)));
    /* SM3 and SM4 (+sm4). */
    uint32x4_t ua = vreinterpretq_u32_u8(a), ub = vreinterpretq_u32_u8(b), uc = vreinterpretq_u32_u8(c);
    P("sm3ss1", u32(vsm3ss1q_u32(ua, ub, uc)));
    P("sm3tt1a", u32(vsm3tt1aq_u32(ua, ub, uc, 1)));
    P("sm3tt2b", u32(vsm3tt2bq_u32(ua, ub, uc, 3)));
    P("sm3partw1", u32(vsm3partw1q_u32(ua, ub, uc)));
    P("sm4e", u32(vsm4eq_u32(ua, ub)));
    P("sm4ekey", u32(vsm4ekeyq_u32(ub, uc)));
    /* SM4 block cipher, GB/T 32907-2016 example 1: 32 rounds from the
     * key schedule. Words are big-endian in the standard. */
    static const uint32_t mk[4] = {0x01234567, 0x89abcdef, 0xfedcba98, 0x76543210};
    static const uint32_t fk[4] = {0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc};
    uint32_t kw[4], ck[32];
    for (int i = 0; i < 4; i++) kw[i] = mk[i] ^ fk[i];
    for (int i = 0; i < 32; i++) {
        uint32_t v = 0;
        for (int j = 0; j < 4; j++) v = v << 8 | (uint32_t)((4 * i + j) * 7 % 256);
        ck[i] = v;
    }
    uint32x4_t k = vld1q_u32(kw), rk[8];
    for (int g = 0; g < 8; g++) {
        k = vsm4ekeyq_u32(k, vld1q_u32(ck + 4 * g));
        rk[g] = k;
    }
    uint32x4_t blk = vld1q_u32(mk);
    for (int g = 0; g < 8; g++) blk = vsm4eq_u32(blk, rk[g]);
    printf("sm4 block %08x%08x%08x%08x\n", vgetq_lane_u32(blk, 3), vgetq_lane_u32(blk, 2),
           vgetq_lane_u32(blk, 1), vgetq_lane_u32(blk, 0));
    /* PMULL. */
    poly128_t pm = vmull_p64(vgetq_lane_u64(xa, 0), vgetq_lane_u64(xb, 1));
    p8("pmull64", vreinterpretq_u8_p128(pm));
    pm = vmull_high_p64(vreinterpretq_p64_u64(xc), vreinterpretq_p64_u64(xa));
    p8("pmull2", vreinterpretq_u8_p128(pm));
    P("pmull8", p16(vmull_p8(vreinterpret_p8_u8(vget_low_u8(a)), vreinterpret_p8_u8(vget_low_u8(d)))));
    return 0;
}
