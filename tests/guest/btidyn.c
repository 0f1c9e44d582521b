/* A dynamic program whose only object is BTI-marked (-mbranch-protection=bti,
 * its own _start with a landing pad, -nostartfiles): the kernel leaves it to
 * the dynamic linker, and glibc's ld.so, seeing HWCAP2_BTI, maps its text
 * guarded with mprotect(PROT_BTI). Functions of the program reached through
 * pointers need landing pads; libc (not BTI-marked in Debian) is unguarded. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

int main(void);

/* Entered by the dynamic linker's BR: BTI c accepts BTYPE 0b01. */
asm(".text\n"
    ".globl _start\n"
    ".type _start, %function\n"
    "_start:\n"
    "  bti c\n"
    "  mov x29, #0\n"
    "  mov x30, #0\n"
    "  mov x5, x0\n"            /* rtld_fini */
    "  ldr x1, [sp]\n"          /* argc */
    "  add x2, sp, #8\n"        /* argv */
    "  mov x6, sp\n"            /* stack_end */
    "  mov x3, #0\n"            /* init */
    "  mov x4, #0\n"            /* fini */
    "  adrp x0, main\n"
    "  add x0, x0, :lo12:main\n"
    "  bl __libc_start_main\n"
    "  brk #0\n"
    /* Two functions returning 7: with and without a landing pad. */
    ".globl padded\n"
    ".type padded, %function\n"
    "padded:\n"
    "  bti c\n"
    "  mov w0, #7\n"
    "  ret\n"
    ".globl unpadded\n"
    ".type unpadded, %function\n"
    "unpadded:\n"
    "  mov w0, #7\n"
    "  ret\n");

int padded(void);
int unpadded(void);

static sigjmp_buf jb;
static volatile uintptr_t ill_addr;
static volatile int ill_code;

static void on_ill(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    ill_addr = (uintptr_t)si->si_addr;
    ill_code = si->si_code;
    siglongjmp(jb, 1);
}

static void call(const char *name, int (*volatile fn)(void))
{
    if (sigsetjmp(jb, 1) == 0) {
        int r = fn();
        printf("%s through a pointer -> %d\n", name, r);
    } else {
        printf("%s through a pointer -> SIGILL code %d at %s\n", name, ill_code,
               ill_addr == (uintptr_t)fn ? "its entry" : "another address");
    }
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_ill;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGILL, &sa, NULL);
    printf("main reached, HWCAP2_BTI %d\n", (int)(getauxval(AT_HWCAP2) >> 17 & 1));
    call("padded", padded);
    call("unpadded", unpadded);
    /* libc's own functions are not guarded. */
    size_t (*volatile len)(const char *) = strlen;
    printf("strlen through a pointer -> %zu\n", len("libc"));
    return 0;
}
