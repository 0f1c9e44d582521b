/*
 * Prints what the loader handed to the program: argc/argv, selected
 * environment variables and auxiliary-vector values. Only values that are
 * deterministic are printed (no addresses); architecture-specific lines start
 * with "[arch]" so the native-build comparison can skip them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int main(int argc, char **argv, char **envp)
{
    printf("argc=%d\n", argc);
    printf("argv[0] basename=%s\n", base_name(argv[0]));
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=[%s]\n", i, argv[i]);
    printf("argv[argc]==NULL: %d\n", argv[argc] == NULL);

    static const char *vars[] = {"GUEST_TEST_A", "GUEST_TEST_B", "GUEST_TEST_UNSET"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        printf("env %s=%s\n", vars[i], v ? v : "(unset)");
    }
    /* envp must be the array right after argv, as laid out by the kernel */
    printf("envp==argv+argc+1: %d\n", envp == argv + argc + 1);

    printf("AT_PAGESZ=%lu\n", getauxval(AT_PAGESZ));
    printf("AT_PHENT=%lu\n", getauxval(AT_PHENT));
    printf("AT_PHNUM>0: %d\n", getauxval(AT_PHNUM) > 0);
    printf("AT_PHDR!=0: %d\n", getauxval(AT_PHDR) != 0);
    printf("AT_ENTRY!=0: %d\n", getauxval(AT_ENTRY) != 0);
    printf("AT_BASE=%lu\n", getauxval(AT_BASE));
    printf("AT_UID==getuid: %d\n", getauxval(AT_UID) == (unsigned long)getuid());
    printf("AT_EUID==geteuid: %d\n", getauxval(AT_EUID) == (unsigned long)geteuid());
    printf("AT_GID==getgid: %d\n", getauxval(AT_GID) == (unsigned long)getgid());
    printf("AT_EGID==getegid: %d\n", getauxval(AT_EGID) == (unsigned long)getegid());
    printf("AT_SECURE=%lu\n", getauxval(AT_SECURE));
    printf("AT_CLKTCK=%lu\n", getauxval(AT_CLKTCK));
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    printf("AT_RANDOM!=0: %d\n", rnd != NULL);
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    printf("AT_EXECFN basename=%s\n", execfn ? base_name(execfn) : "(null)");
    const char *plat = (const char *)getauxval(AT_PLATFORM);
    printf("[arch] AT_PLATFORM=%s\n", plat ? plat : "(null)");
    printf("sysconf(_SC_PAGESIZE)=%ld\n", sysconf(_SC_PAGESIZE));
    printf("stack alignment ok: %d\n", ((unsigned long)__builtin_frame_address(0) & 15) == 0);
    return 0;
}
