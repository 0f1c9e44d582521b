/* The guest's own /proc files: /proc/self/exe (readlink and open give the
 * guest program, not the translator), /proc/self/maps (code, stack and
 * heap where the program finds them), /proc/self/auxv (the same vector
 * getauxval sees), /proc/self/cmdline, and the same through /proc/<pid>/. */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static size_t slurp(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t n = 0;
    ssize_t r;
    while (n < cap && (r = read(fd, buf + n, cap - n)) > 0)
        n += (size_t)r;
    close(fd);
    return n;
}

/* The maps line whose range holds `addr`, copied into `line`. */
static int find_map(const char *maps, uintptr_t addr, char *line, size_t cap)
{
    const char *p = maps;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        unsigned long lo, hi;
        if (sscanf(p, "%lx-%lx", &lo, &hi) == 2 && addr >= lo && addr < hi) {
            if (len >= cap)
                len = cap - 1;
            memcpy(line, p, len);
            line[len] = 0;
            return 1;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static char maps[1 << 16];
static char buf[1 << 16];

int main(int argc, char **argv)
{
    char exe[PATH_MAX] = {0}, real[PATH_MAX] = {0};
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    printf("readlink exe ok=%d matches argv[0]=%d\n", n > 0,
           realpath(argv[0], real) && strcmp(exe, real) == 0);
    size_t got = slurp("/proc/self/exe", buf, 64);
    printf("open exe: ELF=%d\n", got >= 4 && memcmp(buf, ELFMAG, 4) == 0);
    printf("[arch] exe e_machine=%d\n", got >= 20 ? ((Elf64_Ehdr *)buf)->e_machine : -1);

    size_t m = slurp("/proc/self/maps", maps, sizeof maps - 1);
    maps[m] = 0;
    char line[512];
    int ok = find_map(maps, (uintptr_t)main, line, sizeof line);
    char perms[8] = "";
    sscanf(line, "%*x-%*x %7s", perms);
    printf("maps: code found=%d executable=%d names exe=%d\n", ok, ok && perms[2] == 'x',
           ok && strstr(line, real) != NULL);
    int local;
    ok = find_map(maps, (uintptr_t)&local, line, sizeof line);
    sscanf(line, "%*x-%*x %7s", perms);
    printf("maps: stack found=%d rw=%d named [stack]=%d\n", ok,
           ok && perms[0] == 'r' && perms[1] == 'w', ok && strstr(line, "[stack]") != NULL);
    char *heap = malloc(100);
    m = slurp("/proc/self/maps", maps, sizeof maps - 1);
    maps[m] = 0;
    ok = find_map(maps, (uintptr_t)heap, line, sizeof line);
    /* (qemu-aarch64 does not name the brk area [heap]; Linux and xlat do.) */
    printf("maps: heap found=%d\n", ok);
    free(heap);
    int fmt = 1;
    for (char *p = maps; *p;) {
        unsigned long lo, hi, off;
        char perms[8];
        if (sscanf(p, "%lx-%lx %7s %lx", &lo, &hi, perms, &off) != 4 || lo >= hi ||
            strlen(perms) != 4)
            fmt = 0;
        char *e = strchr(p, '\n');
        if (!e)
            break;
        p = e + 1;
    }
    printf("maps: every line well formed=%d\n", fmt);

    got = slurp("/proc/self/auxv", buf, sizeof buf);
    int pairs = 0, match = 1, has_null = 0;
    for (size_t i = 0; i + 16 <= got; i += 16) {
        unsigned long k, v;
        memcpy(&k, buf + i, 8);
        memcpy(&v, buf + i + 8, 8);
        pairs++;
        if (k == AT_NULL) {
            has_null = 1;
            break;
        }
        if (k == AT_PAGESZ || k == AT_ENTRY || k == AT_PHDR || k == AT_RANDOM || k == AT_EXECFN)
            match &= getauxval(k) == v;
    }
    printf("auxv: pairs>5=%d ends with AT_NULL=%d values match getauxval=%d\n", pairs > 5,
           has_null, match);

    got = slurp("/proc/self/cmdline", buf, sizeof buf);
    size_t want = 0;
    int same = 1;
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(argv[i]) + 1;
        if (want + l > got || memcmp(buf + want, argv[i], l) != 0)
            same = 0;
        want += l;
    }
    printf("cmdline: argc=%d same as argv=%d\n", argc, same && want == got);
    for (int i = 1; i < argc; i++)
        printf("  arg %d: %s\n", i, argv[i]);

    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)getpid());
    size_t got2 = slurp(path, maps, sizeof maps);
    printf("/proc/<pid>/cmdline same=%d\n", got2 == got && memcmp(maps, buf, got) == 0);
    snprintf(path, sizeof path, "/proc/%d/exe", (int)getpid());
    char exe2[PATH_MAX] = {0};
    n = readlink(path, exe2, sizeof exe2 - 1);
    printf("/proc/<pid>/exe same=%d\n", n > 0 && strcmp(exe, exe2) == 0);
    return 0;
}
