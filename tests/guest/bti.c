/* Branch target identification (FEAT_BTI) as Linux shows it to EL0:
 * HWCAP2_BTI, ID_AA64PFR1_EL1.BT, PROT_BTI on mprotect/mmap, and the
 * landing-pad rules for code copied into guarded and unguarded pages,
 * reached by BLR, BR X16/X17, BR Xn, direct branches and RET; a wrong
 * landing is SIGILL/ILL_ILLOPC at the target with PSTATE.BTYPE in the
 * signal frame. Signal handlers in a guarded page are entered with
 * BTYPE "c". Without BTI (another -cpu), mprotect rejects PROT_BTI and
 * every landing works. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef PROT_BTI
#define PROT_BTI 0x10
#endif
#define HWCAP2_BTI_BIT (1UL << 17)

/* A64 encodings. */
#define BTI_C 0xd503245fu
#define BTI_J 0xd503249fu
#define BTI_JC 0xd50324dfu
#define BTI_NONE 0xd503241fu
#define PACIASP 0xd503233fu
#define AUTIASP 0xd50323bfu
#define NOP 0xd503201fu
#define MOV_W0_42 0x52800540u
#define RET 0xd65f03c0u
#define BRK0 0xd4200000u
#define LDR_X9_PC12 0x58000069u /* ldr x9, .+12 */
#define STR_W0_X9 0xb9000120u   /* str w0, [x9] */
#define B_PC8 0x14000002u       /* b .+8 */
#define ADR_X9_PC8 0x10000049u  /* adr x9, .+8 */
#define ADR_X16_PC8 0x10000050u /* adr x16, .+8 */
#define ADR_X30_PC8 0x1000005eu /* adr x30, .+8 */
#define BR_X9 0xd61f0120u
#define BR_X16 0xd61f0200u
#define MOV_X10_X30 0xaa1e03eau
#define MOV_X30_X10 0xaa0a03feu

#define SLOT 64 /* bytes per snippet */

struct snippet {
    const char *name;
    unsigned n;
    uint32_t code[8];
};

/* Functions returning 42, with the landing pad first. */
static const struct snippet pads[] = {
    {"bti c", 3, {BTI_C, MOV_W0_42, RET}},
    {"bti j", 3, {BTI_J, MOV_W0_42, RET}},
    {"bti jc", 3, {BTI_JC, MOV_W0_42, RET}},
    {"bti", 3, {BTI_NONE, MOV_W0_42, RET}},
    {"paciasp", 4, {PACIASP, MOV_W0_42, AUTIASP, RET}},
    {"nop", 3, {NOP, MOV_W0_42, RET}},
    {"none", 2, {MOV_W0_42, RET}},
};
#define NPADS (sizeof pads / sizeof pads[0])

/* Branches inside the page, entered by BLR at a BTI c; the landing is at
 * word 3 (or 4 for the RET case). */
static const struct snippet inner[] = {
    {"b to no pad", 5, {BTI_C, B_PC8, BRK0, MOV_W0_42, RET}},
    {"br x9 to no pad", 5, {BTI_C, ADR_X9_PC8, BR_X9, MOV_W0_42, RET}},
    {"br x16 to no pad", 5, {BTI_C, ADR_X16_PC8, BR_X16, MOV_W0_42, RET}},
    {"br x16 to bti j", 6, {BTI_C, ADR_X16_PC8, BR_X16, BTI_J, MOV_W0_42, RET}},
    {"br x9 to bti c", 6, {BTI_C, ADR_X9_PC8, BR_X9, BTI_C, MOV_W0_42, RET}},
    {"ret to no pad", 7, {BTI_C, MOV_X10_X30, ADR_X30_PC8, RET, MOV_W0_42, MOV_X30_X10, RET}},
};
#define NINNER (sizeof inner / sizeof inner[0])

/* Signal handlers storing the signal number through a literal (words 4..5). */
static const struct snippet handlers[] = {
    {"bti c", 4, {BTI_C, LDR_X9_PC12, STR_W0_X9, RET}},
    {"bti jc", 4, {BTI_JC, LDR_X9_PC12, STR_W0_X9, RET}},
    {"bti j", 4, {BTI_J, LDR_X9_PC12, STR_W0_X9, RET}},
    {"none", 4, {NOP, LDR_X9_PC12, STR_W0_X9, RET}},
};
#define NHANDLERS (sizeof handlers / sizeof handlers[0])

static sigjmp_buf jb;
static volatile uintptr_t ill_addr;
static volatile int ill_code, ill_btype, ill_sig;
static volatile int handled;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    ill_sig = sig;
    ill_addr = (uintptr_t)si->si_addr;
    ill_code = si->si_code;
    ill_btype = (int)(uc->uc_mcontext.pstate >> 10 & 3);
    siglongjmp(jb, 1);
}

static long call_blr(void *fn)
{
    long r = ((int (*)(void))fn)();
    asm volatile("" : "+r"(r)); /* no tail call: a BLR, not a BR */
    return r;
}

/* BR through register `reg` with X30 set to return after it. */
#define CALL_BR(reg)                                                        \
    static long call_br_##reg(void *fn)                                     \
    {                                                                       \
        register long r asm("x0");                                          \
        asm volatile("adr x30, 1f\n\tmov " #reg ", %1\n\tbr " #reg "\n1:" \
                     : "=r"(r)                                              \
                     : "r"(fn)                                              \
                     : #reg, "x30", "memory");                              \
        return r;                                                           \
    }
CALL_BR(x16)
CALL_BR(x17)
CALL_BR(x9)

static const struct {
    const char *name;
    long (*call)(void *);
} callers[] = {
    {"blr", call_blr},
    {"br x16", call_br_x16},
    {"br x17", call_br_x17},
    {"br x9", call_br_x9},
};
#define NCALLERS (sizeof callers / sizeof callers[0])

/* Calls fn with `how`; prints the result or the signal. */
static void try_call(const char *what, long (*how)(void *), void *fn, const char *cname, char *base)
{
    if (sigsetjmp(jb, 1) == 0) {
        long r = how(fn);
        printf("  %-18s %-7s -> %ld\n", what, cname, r);
    } else {
        printf("  %-18s %-7s -> signal %d code %d at +%ld btype %d\n", what, cname, ill_sig,
               ill_code, (long)(ill_addr - (uintptr_t)base), ill_btype);
    }
}

static void copy(char *page, unsigned slot, const struct snippet *s)
{
    memcpy(page + slot * SLOT, s->code, s->n * 4);
}

static void pad_table(const char *title, char *page)
{
    printf("%s\n", title);
    for (unsigned i = 0; i < NPADS; i++)
        for (unsigned c = 0; c < NCALLERS; c++)
            try_call(pads[i].name, callers[c].call, page + i * SLOT, callers[c].name, page + i * SLOT);
}

static char *code_page(int extra_prot)
{
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        _exit(1);
    }
    for (unsigned i = 0; i < NPADS; i++)
        copy(p, i, &pads[i]);
    __builtin___clear_cache(p, p + 4096);
    if (mprotect(p, 4096, PROT_READ | PROT_EXEC | extra_prot) != 0) {
        printf("mprotect(PROT_READ|PROT_EXEC%s): %s\n", extra_prot ? "|PROT_BTI" : "",
               errno == EINVAL ? "EINVAL" : strerror(errno));
        mprotect(p, 4096, PROT_READ | PROT_EXEC);
    }
    return p;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);

    int bti = (getauxval(AT_HWCAP2) & HWCAP2_BTI_BIT) != 0;
    uint64_t pfr1;
    asm volatile("mrs %0, id_aa64pfr1_el1" : "=r"(pfr1));
    printf("HWCAP2_BTI %d, ID_AA64PFR1_EL1.BT %d\n", bti, (int)(pfr1 & 0xf));

    /* Unguarded page: every landing works. */
    char *plain = code_page(0);
    pad_table("unguarded page", plain);

    /* mprotect with PROT_BTI: EINVAL without BTI. */
    char *g = code_page(PROT_BTI);
    if (!bti) {
        pad_table("page after the failed PROT_BTI mprotect", g);
        return 0;
    }
    pad_table("guarded page (mprotect PROT_BTI)", g);

    /* The same code before and after guarding (translations must follow). */
    printf("guarding and unguarding a page\n");
    try_call("none", call_br_x9, plain + 6 * SLOT, "br x9", plain + 6 * SLOT);
    mprotect(plain, 4096, PROT_READ | PROT_EXEC | PROT_BTI);
    try_call("none, guarded", call_br_x9, plain + 6 * SLOT, "br x9", plain + 6 * SLOT);
    mprotect(plain, 4096, PROT_READ | PROT_EXEC);
    try_call("none, unguarded", call_br_x9, plain + 6 * SLOT, "br x9", plain + 6 * SLOT);

    /* mmap with PROT_BTI, branches inside the page. */
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC | PROT_BTI,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        perror("mmap PROT_BTI");
        return 1;
    }
    for (unsigned i = 0; i < NINNER; i++)
        copy(m, i, &inner[i]);
    __builtin___clear_cache(m, m + 4096);
    printf("branches inside a guarded page (mmap PROT_BTI)\n");
    for (unsigned i = 0; i < NINNER; i++)
        try_call(inner[i].name, call_blr, m + i * SLOT, "blr", m + i * SLOT);

    /* Signal handlers in a guarded page. */
    static volatile int got;
    char *h = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (unsigned i = 0; i < NHANDLERS; i++) {
        copy(h, i, &handlers[i]);
        uintptr_t lit = (uintptr_t)&got;
        memcpy(h + i * SLOT + 16, &lit, 8);
    }
    __builtin___clear_cache(h, h + 4096);
    mprotect(h, 4096, PROT_READ | PROT_EXEC | PROT_BTI);
    printf("signal handlers in a guarded page\n");
    for (unsigned i = 0; i < NHANDLERS; i++) {
        struct sigaction hs;
        memset(&hs, 0, sizeof hs);
        hs.sa_handler = (void (*)(int))(h + i * SLOT);
        sigaction(SIGUSR1, &hs, NULL);
        got = 0;
        if (sigsetjmp(jb, 1) == 0) {
            raise(SIGUSR1);
            printf("  %-18s -> handler ran with %d\n", handlers[i].name, got);
        } else {
            printf("  %-18s -> signal %d code %d at +%ld btype %d\n", handlers[i].name, ill_sig,
                   ill_code, (long)(ill_addr - (uintptr_t)(h + i * SLOT)), ill_btype);
        }
    }
    printf("done\n");
    return 0;
}
