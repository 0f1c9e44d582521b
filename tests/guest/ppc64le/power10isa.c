/* POWER10 (ISA 3.1), compared with qemu-ppc64le -cpu power10: everything
 * of power9isa.c built with -mcpu=power10 (GCC then addresses data with
 * prefixed pc-relative pla/pld/plxv/pstd and uses setbc, brd, ...; glibc
 * picks its POWER10 routines, which use lxvp/stxvl/vextractbm), plus
 * ISA 3.1 builtins: splat immediates, mask extraction, byte reversal,
 * paired vector loads. */
#define main power9_main
#include "power9isa.c"
#undef main

static unsigned long __attribute__((noinline)) bswaps(unsigned long x)
{
    return __builtin_bswap64(x) ^ __builtin_bswap32((unsigned)x) ^ __builtin_bswap16((unsigned short)x);
}

static int __attribute__((noinline)) setbcs(long a, long b)
{
    return (a < b) * 4 + -(a == b) * 2 + (a > b);
}

int main(void)
{
    power9_main();
    vprint("splati ", (vu8)vec_splati(0x12345678));
    vprint("splatid ", (vu8)vec_splatid(1.5f));
    vu32 w = {1, 2, 3, 4};
    vprint("splati_ins ", (vu8)vec_splati_ins(w, 1, 0xdeadbeefu));
    vu8 b8 = {1, 0x80, 3, 0, 5, 0x60, 7, 0x88, 9, 0, 0xf1, 12, 13, 14, 0xff, 16};
    printf("extractm %x %x %x %x\n", vec_extractm(b8), vec_extractm((vector unsigned short)b8),
           vec_extractm((vu32)b8), vec_extractm((vu64)b8));
    static const unsigned long v[] = {0, 1, 0x0123456789abcdef, ~0ul, 0x8000000000000001};
    for (unsigned i = 0; i < 5; i++)
        printf("bswap %016lx setbc %d %d\n", bswaps(v[i]), setbcs((long)v[i], 1), setbcs(1, (long)v[i]));
    static unsigned char buf[64] __attribute__((aligned(32)));
    for (int i = 0; i < 64; i++)
        buf[i] = i * 3;
    __vector_pair pair = __builtin_vsx_lxvp(0, (__vector_pair *)(void *)buf);
    __builtin_vsx_stxvp(pair, 32, (__vector_pair *)(void *)buf);
    mix(buf, sizeof buf);
    printf("pair hash %016lx\n", hash);
    return 0;
}
