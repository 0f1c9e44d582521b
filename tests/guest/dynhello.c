/* A dynamically linked program: the kernel (or xlat) loads the dynamic
 * linker named by PT_INTERP, which maps libc and resolves symbols.
 * Checks the auxiliary vector entries a dynamic program depends on
 * (AT_BASE, AT_ENTRY, AT_PHDR), dlopen/dlsym of a library found through
 * the library search path, and lazy symbol resolution across libraries. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

extern char _start[];

static int count_objects(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    int *n = data;
    (*n)++;
    if (strstr(info->dlpi_name, "libc.so.6"))
        n[1] = 1;
    if (strstr(info->dlpi_name, "ld-linux") || strstr(info->dlpi_name, "ld64.so"))
        n[2] = (unsigned long)info->dlpi_addr == getauxval(AT_BASE);
    return 0;
}

int main(int argc, char **argv)
{
    printf("Hello from a dynamic executable, argc=%d\n", argc);
    printf("AT_BASE set: %s\n", getauxval(AT_BASE) != 0 ? "yes" : "no");
    printf("AT_ENTRY is _start: %s\n",
           getauxval(AT_ENTRY) == (unsigned long)_start ? "yes" : "no");
    printf("AT_PHDR set: %s\n", getauxval(AT_PHDR) != 0 ? "yes" : "no");

    int objs[3] = {0, 0, 0};
    dl_iterate_phdr(count_objects, objs);
    printf("libc loaded: %s, ld.so at AT_BASE: %s\n", objs[1] ? "yes" : "no",
           objs[2] ? "yes" : "no");

    void *m = dlopen("libm.so.6", RTLD_NOW);
    if (!m) {
        printf("dlopen failed: %s\n", dlerror());
        return 1;
    }
    double (*f_sqrt)(double) = (double (*)(double))dlsym(m, "sqrt");
    if (!f_sqrt) {
        printf("dlsym failed\n");
        return 1;
    }
    printf("sqrt(2)=%.6f\n", f_sqrt(2.0));
    size_t (*f_strlen)(const char *) = (size_t (*)(const char *))dlsym(RTLD_DEFAULT, "strlen");
    printf("strlen via dlsym: %zu\n", f_strlen ? f_strlen("dynamic") : 0);
    dlclose(m);

    char *s = strdup(argv[0]);
    printf("strdup ok: %s\n", s && strlen(s) > 0 ? "yes" : "no");
    free(s);
    return 7;
}
