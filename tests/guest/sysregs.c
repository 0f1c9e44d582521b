// The EL0 system interface of issue #3: MRS of the ID registers Linux
// emulates for EL0 (its sanitised "HWCAP_CPUID" view), CTR_EL0,
// DCZID_EL0, CNTFRQ_EL0, CNTVCT_EL0 (monotonic), TPIDR_EL0/TPIDRRO_EL0;
// DC ZVA zeroes exactly one DCZID block; the cache maintenance, barrier
// and hint instructions run as no-ops; IC IVAU after rewriting code
// runs the new code; BRK raises SIGTRAP, HLT and UDF raise SIGILL (with
// the faulting PC and si_code).
#include <setjmp.h>
#include <ucontext.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MRS(name) ({ uint64_t v_; __asm__ volatile("mrs %0, " name : "=r"(v_)); v_; })

static sigjmp_buf env;
static volatile int in_test;
static volatile uintptr_t fault_pc, fault_addr;
static volatile int fault_code;

static void on_sig(int sig, siginfo_t *si, void *uc_) {
    ucontext_t *uc = uc_;
    fault_pc = uc->uc_mcontext.pc;
    fault_addr = (uintptr_t)si->si_addr;
    fault_code = si->si_code;
    if (in_test)
        siglongjmp(env, sig);
}

extern char brk_insn[], hlt_insn[], udf_insn[];

static void trap(const char *name, void (*f)(void), const char *label) {
    int sig;
    in_test = 1;
    if ((sig = sigsetjmp(env, 1)) == 0) {
        f();
        printf("%-4s returned\n", name);
    } else {
        printf("%-4s signal %d code %d at label: %d addr=pc: %d\n", name, sig, fault_code,
               fault_pc == (uintptr_t)label, fault_addr == fault_pc);
    }
    in_test = 0;
}

static void do_brk(void) { __asm__ volatile(".globl brk_insn\nbrk_insn: brk #0x1234"); }
static void do_hlt(void) { __asm__ volatile(".globl hlt_insn\nhlt_insn: hlt #0"); }
static void do_udf(void) { __asm__ volatile(".globl udf_insn\nudf_insn: udf #7"); }

int main(void) {
    struct {
        const char *name;
        uint64_t v;
    } regs[] = {
        {"ID_AA64ISAR0_EL1", MRS("id_aa64isar0_el1")},
        {"ID_AA64ISAR1_EL1", MRS("id_aa64isar1_el1")},
        {"ID_AA64ISAR2_EL1", MRS("s3_0_c0_c6_2")},
        {"ID_AA64PFR0_EL1", MRS("id_aa64pfr0_el1")},
        {"ID_AA64PFR1_EL1", MRS("id_aa64pfr1_el1")},
        {"ID_AA64MMFR0_EL1", MRS("id_aa64mmfr0_el1")},
        {"ID_AA64MMFR1_EL1", MRS("id_aa64mmfr1_el1")},
        {"ID_AA64MMFR2_EL1", MRS("id_aa64mmfr2_el1")},
        {"ID_AA64ZFR0_EL1", MRS("s3_0_c0_c4_4")},
        {"ID_AA64DFR0_EL1", MRS("id_aa64dfr0_el1")},
        {"MIDR_EL1", MRS("midr_el1")},
        {"MPIDR_EL1", MRS("mpidr_el1")},
        {"REVIDR_EL1", MRS("revidr_el1")},
        {"CTR_EL0", MRS("ctr_el0")},
        {"DCZID_EL0", MRS("dczid_el0")},
    };
    for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++)
        printf("%-17s %016llx\n", regs[i].name, (unsigned long long)regs[i].v);

    uint64_t t0 = MRS("cntvct_el0");
    usleep(20000);
    uint64_t t1 = MRS("cntvct_el0");
    uint64_t f = MRS("cntfrq_el0");
    uint64_t us = (t1 - t0) * 1000000 / f;
    /* qemu-aarch64 7.2 has 62.5 MHz, xlat the Armv8.6 1 GHz. */
    printf("CNTFRQ_EL0 at least 1 MHz: %d\n", f >= 1000000);
    printf("CNTVCT advances over 20 ms sleep: %d\n", t1 > t0 && us >= 20000 && us < 2000000);

    uint64_t tp = MRS("tpidr_el0"), v = 0x123456789abcdef0ull;
    __asm__ volatile("msr tpidr_el0, %0" ::"r"(v));
    uint64_t back = MRS("tpidr_el0");
    __asm__ volatile("msr tpidr_el0, %0" ::"r"(tp)); /* libc's TLS again */
    printf("TPIDR_EL0 write/read: %d\n", back == v);
    printf("TPIDRRO_EL0 %016llx\n", (unsigned long long)MRS("tpidrro_el0"));

    /* DC ZVA: one block of 4 << BS bytes, aligned down. */
    static unsigned char buf[1024] __attribute__((aligned(256)));
    uint64_t dczid = MRS("dczid_el0");
    unsigned bs = 4u << (dczid & 15);
    memset(buf, 0xaa, sizeof buf);
    __asm__ volatile("dc zva, %0" ::"r"(buf + bs + 3) : "memory");
    unsigned first = 1024, last = 0;
    for (unsigned i = 0; i < sizeof buf; i++)
        if (buf[i] == 0) {
            if (i < first)
                first = i;
            last = i;
        }
    printf("DC ZVA block %u: zeroed [%u, %u]\n", bs, first, last);

    __asm__ volatile("dc cvau, %0\n dc civac, %0\n dc cvac, %0\n"
                     "dmb ish\n dsb sy\n isb\n yield\n sevl\n wfe\n sev\n"
                     ::"r"(buf) : "memory");
    printf("cache maintenance, barriers, hints: ok\n");

    /* IC IVAU: rewrite a function that returns a constant, run it again. */
    long pg = sysconf(_SC_PAGESIZE);
    uint32_t *code = mmap(0, pg, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int sum = 0;
    for (int k = 1; k <= 3; k++) {
        code[0] = 0x52800000 | (uint32_t)(k * 11) << 5; /* mov w0, #k*11 */
        code[1] = 0xd65f03c0;                          /* ret */
        __asm__ volatile("dc cvau, %0\n dsb ish\n ic ivau, %0\n dsb ish\n isb" ::"r"(code) : "memory");
        for (int rep = 0; rep < 200; rep++)
            sum += ((int (*)(void))code)();
    }
    printf("IC IVAU: rewritten code runs (sum %d)\n", sum);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &sa, 0);
    sigaction(SIGILL, &sa, 0);
    trap("brk", do_brk, brk_insn);
    trap("hlt", do_hlt, hlt_insn);
    trap("udf", do_udf, udf_insn);
    return 0;
}
