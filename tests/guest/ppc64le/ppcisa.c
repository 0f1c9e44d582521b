/* PowerPC-specific user-level semantics, compared with qemu-ppc64le:
 * CR0 and XER (CA, OV, SO) from the recording and carrying forms, CR
 * logical/move instructions, load-reserve/store-conditional (including a
 * lost reservation), FPSCR rounding modes, VSX/VMX permutes and arithmetic,
 * the sc error convention (CR0.SO), and the signal context (SIGILL skipped
 * by advancing the NIP in the ucontext, SIGTRAP from a trap instruction,
 * registers visible in gp_regs). */
#define _GNU_SOURCE
#include <altivec.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

typedef unsigned long u64;

static u64 get_xer(void) { u64 x; __asm__ volatile("mfxer %0" : "=r"(x)); return x; }
static void set_xer(u64 x) { __asm__ volatile("mtxer %0" :: "r"(x)); }

static void carry_overflow(void)
{
    static const u64 v[][2] = {
        {1, 2}, {~0ul, 1}, {0x7fffffffffffffff, 1}, {0x8000000000000000, 0x8000000000000000},
        {0x7fffffff, 1}, {0xffffffff, 1}, {0, 0}, {5, ~0ul},
    };
    for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
        u64 a = v[i][0], b = v[i][1], r, x, cr;
        set_xer(0);
        __asm__ volatile("addco. %0,%3,%4\n\tmfxer %1\n\tmfcr %2"
                         : "=r"(r), "=r"(x), "=r"(cr) : "r"(a), "r"(b) : "cr0", "xer");
        printf("addco. %016lx %016lx -> %016lx xer=%08lx cr0=%lx\n", a, b, r, x & 0xe00c0000, (cr >> 28) & 0xf);
        set_xer(0);
        __asm__ volatile("subfo. %0,%3,%4\n\tmfxer %1\n\tmfcr %2"
                         : "=r"(r), "=r"(x), "=r"(cr) : "r"(a), "r"(b) : "cr0", "xer");
        printf("subfo. -> %016lx xer=%08lx cr0=%lx\n", r, x & 0xe00c0000, (cr >> 28) & 0xf);
        set_xer(0x20000000); /* CA = 1 */
        __asm__ volatile("adde %0,%3,%4\n\tmfxer %1\n\taddze. %0,%0\n\tmfcr %2"
                         : "=&r"(r), "=&r"(x), "=r"(cr) : "r"(a), "r"(b) : "cr0", "xer");
        printf("adde/addze. -> %016lx xer=%08lx cr0=%lx\n", r, x & 0xe00c0000, (cr >> 28) & 0xf);
    }
    /* SO is sticky until cleared with mtxer. */
    set_xer(0);
    u64 r;
    __asm__ volatile("li 9,-1\n\tsrdi 9,9,1\n\taddo %0,9,9\n\taddo %0,%0,%0" : "=r"(r) :: "r9", "xer");
    printf("sticky SO: xer=%08lx\n", get_xer() & 0xe00c0000);
    set_xer(0);
    /* divwo by zero sets OV. */
    int q, d = 0, n = 7;
    __asm__ volatile("divwo %0,%1,%2" : "=r"(q) : "r"(n), "r"(d) : "xer");
    printf("divwo 7/0: ov=%lu\n", (get_xer() >> 30) & 1);
}

static void cr_ops(void)
{
    unsigned c;
    __asm__ volatile("li 9,5\n\tcmpwi 7,9,3\n\tcmpdi 1,9,9\n\tcmplwi 6,9,5\n\tcrand 0,29,6\n\t"
                     "crnor 2,25,30\n\tcreqv 3,26,26\n\tmcrf 5,7\n\tmfcr %0"
                     : "=r"(c) :: "r9", "cr0", "cr1", "cr5", "cr6", "cr7");
    printf("cr after compares and cr ops: %08x\n", c);
    __asm__ volatile("lis 9,0x1234\n\tori 9,9,0x5678\n\tmtcrf 0x5a,9\n\tmfcr %0" : "=r"(c) :: "r9", "cr1", "cr3", "cr4", "cr6");
    printf("mtcrf 0x5a: %08x\n", c & 0x0f0ff0f0);
    unsigned long o;
    __asm__ volatile("lis 9,0x4321\n\tmtocrf 0x20,9\n\tmfocrf %0,0x20" : "=r"(o) :: "r9", "cr2");
    printf("mtocrf/mfocrf cr2: %lx\n", (o >> 20) & 0xf);
}

static void reservations(void)
{
    static unsigned w = 10;
    static u64 dw = 100;
    unsigned old, ok;
    __asm__ volatile("1: lwarx %0,0,%2\n\taddi 9,%0,5\n\tstwcx. 9,0,%2\n\tbne- 1b\n\tli %1,1"
                     : "=&r"(old), "=&r"(ok) : "r"(&w) : "r9", "cr0", "memory");
    printf("lwarx/stwcx.: old=%u new=%u\n", old, w);
    u64 o2;
    unsigned long cr;
    /* A store to the reserved location clears nothing in user emulation
     * semantics we rely on, but a stdcx. without a reservation fails. */
    __asm__ volatile("ldarx %0,0,%2\n\tstdcx. %0,0,%2\n\tstdcx. %0,0,%2\n\tmfcr %1"
                     : "=&r"(o2), "=&r"(cr) : "r"(&dw) : "cr0", "memory");
    printf("second stdcx. without reservation: eq=%lu\n", (cr >> 29) & 1);
    unsigned char b = 3;
    unsigned short h = 7;
    __atomic_fetch_add(&b, 250, __ATOMIC_SEQ_CST);
    __atomic_fetch_xor(&h, 0xffff, __ATOMIC_SEQ_CST);
    printf("byte/half atomics: %u %u\n", b, h);
    u64 exp = 100, des = 200;
    int done = __atomic_compare_exchange_n(&dw, &exp, des, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    printf("cas: %d dw=%lu\n", done, dw);
}

static void set_rn(int rn)
{
    switch (rn) {
    case 0: __asm__ volatile("mtfsfi 7,0"); break;
    case 1: __asm__ volatile("mtfsfi 7,1"); break;
    case 2: __asm__ volatile("mtfsfi 7,2"); break;
    default: __asm__ volatile("mtfsfi 7,3"); break;
    }
}

static void fp_rounding(void)
{
    static const char *names[] = {"nearest", "zero", "up", "down"};
    volatile double a = 1.0, b = 3.0, c = -2.5, big = 0x1p60;
    for (int i = 0; i < 4; i++) {
        set_rn(i);
        double q = a / b, nq = -a / b, t, u;
        long r, r2;
        __asm__ volatile("fctid %0,%1" : "=d"(t) : "d"(c));
        __asm__ volatile("fcfid %0,%1" : "=d"(u) : "d"(big + 1.0));
        memcpy(&r, &t, 8);
        memcpy(&r2, &u, 8);
        printf("%-7s 1/3=%a -1/3=%a fctid(-2.5)=%ld sum=%a\n", names[i], q, nq, r, big + 3.0);
    }
    set_rn(0);
    double m;
    __asm__ volatile("mffs %0" : "=d"(m));
    unsigned long f;
    memcpy(&f, &m, 8);
    printf("fpscr rn bits after restore: %lu\n", f & 3);
    volatile float s = 16777217.0f;
    volatile double x = 0x1.0000000000001p0;
    printf("float 16777217 -> %a; fmsub %a; fabs(-0) %a\n", (double)s, __builtin_fma(x, x, -1.0),
           __builtin_fabs(-0.0));
}

static void vectors(void)
{
    vector unsigned int a = {1, 2, 3, 0xffffffff}, b = {10, 20, 30, 1};
    vector unsigned int s = vec_add(a, b);
    vector unsigned char p = vec_perm((vector unsigned char)a, (vector unsigned char)b,
                                      (vector unsigned char){0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14, 31});
    vector double d = {1.5, -2.25};
    vector double e = vec_mul(d, d);
    vector unsigned long long x = vec_xxpermdi((vector unsigned long long){1, 2}, (vector unsigned long long){3, 4}, 1);
    printf("vadduwm: %u %u %u %u\n", s[0], s[1], s[2], s[3]);
    printf("vperm:");
    for (int i = 0; i < 16; i++)
        printf(" %02x", p[i]);
    printf("\nxvmuldp: %g %g\nxxpermdi: %llu %llu\n", e[0], e[1], x[0], x[1]);
    vector signed short h = {-32768, 32767, 100, -100, 0, 1, -1, 2};
    vector signed short sat = vec_adds(h, h);
    printf("vaddshs:");
    for (int i = 0; i < 8; i++)
        printf(" %d", sat[i]);
    printf("\n");
    vector bool int eq = vec_cmpeq(a, (vector unsigned int){1, 0, 3, 0});
    printf("vcmpequw: %x %x %x %x all_eq=%d any_eq=%d\n", (unsigned)eq[0], (unsigned)eq[1], (unsigned)eq[2], (unsigned)eq[3],
           vec_all_eq(a, a), vec_any_eq(a, b));
}

static void sc_convention(void)
{
    register long r0 __asm__("r0") = SYS_close;
    register long r3 __asm__("r3") = 12345;
    unsigned long cr;
    __asm__ volatile("sc\n\tmfcr %1" : "+r"(r3), "=r"(cr), "+r"(r0) :: "memory", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "cr0", "ctr");
    printf("sc close(12345): r3=%ld so=%lu\n", r3, (cr >> 28) & 1);
    r0 = SYS_getppid;
    __asm__ volatile("sc\n\tmfcr %1" : "+r"(r3), "=r"(cr), "+r"(r0) :: "memory", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "cr0", "ctr");
    printf("sc getppid: ok=%d so=%lu\n", r3 == getppid(), (cr >> 28) & 1);
}

static volatile int got_sig;
static volatile unsigned long sig_r30;

static void on_ill(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    got_sig = sig;
    sig_r30 = uc->uc_mcontext.gp_regs[30];
    printf("handler: sig=%d code=%d addr==nip=%d\n", sig, si->si_code,
           (unsigned long)si->si_addr == uc->uc_mcontext.gp_regs[PT_NIP]);
    uc->uc_mcontext.gp_regs[PT_NIP] += 4;
    uc->uc_mcontext.gp_regs[31] = 0x5151;
}

static void signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_ill;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);
    unsigned long r31;
    __asm__ volatile("li 30,0x3030\n\tli 31,0\n\t.long 0\n\tmr %0,31" : "=r"(r31) :: "r30", "r31");
    printf("after SIGILL: sig=%d r30 seen=%lx r31 set by handler=%lx\n", got_sig, sig_r30, r31);
    got_sig = 0;
    __asm__ volatile("li 31,0\n\ttrap\n\tmr %0,31" : "=r"(r31) :: "r31");
    printf("after trap: sig=%d r31=%lx\n", got_sig, r31);
    got_sig = 0;
    __asm__ volatile("li 31,0\n\tli 9,3\n\ttwi 4,9,3\n\ttwi 8,9,3\n\tmr %0,31" : "=r"(r31) :: "r9", "r31");
    printf("after twi eq: sig=%d r31=%lx\n", got_sig, r31);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    carry_overflow();
    cr_ops();
    reservations();
    fp_rounding();
    vectors();
    sc_convention();
    signals();
    return 0;
}
