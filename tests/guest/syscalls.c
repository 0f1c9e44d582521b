/*
 * File, process, time and memory system calls through glibc. Prints only
 * deterministic facts (sizes, contents, comparisons, errno names), never
 * pids, times or addresses. Architecture-specific lines start with "[arch]".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define CHECK(what, cond) printf("%-40s %s\n", what, (cond) ? "ok" : "FAILED")

static char dir[64];

static void path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void files(void)
{
    char p[128];
    path(p, sizeof p, "data.txt");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK("open(O_CREAT)", fd >= 0);
    static const char text[] = "0123456789abcdefghijklmnopqrstuvwxyz\n";
    ssize_t w = write(fd, text, sizeof text - 1);
    printf("write returned %zd\n", w);
    CHECK("fchmod 0640", fchmod(fd, 0640) == 0);

    struct stat st;
    CHECK("fstat", fstat(fd, &st) == 0);
    printf("st_size=%lld regular=%d mode=%o nlink=%lu\n", (long long)st.st_size, S_ISREG(st.st_mode),
           (unsigned)(st.st_mode & 07777), (unsigned long)st.st_nlink);
    CHECK("st_uid == getuid", st.st_uid == getuid());

    off_t o = lseek(fd, 0, SEEK_CUR);
    printf("lseek(0, SEEK_CUR)=%lld\n", (long long)o);
    o = lseek(fd, 10, SEEK_SET);
    char buf[64] = {0};
    ssize_t r = read(fd, buf, 5);
    printf("read at 10: %zd [%.5s]\n", r, buf);
    o = lseek(fd, -3, SEEK_END);
    printf("lseek(-3, SEEK_END)=%lld\n", (long long)o);
    memset(buf, 0, sizeof buf);
    r = read(fd, buf, sizeof buf);
    printf("read at end-3: %zd [%c%c]\n", r, buf[0], buf[1]);
    r = read(fd, buf, sizeof buf);
    printf("read at EOF: %zd\n", r);
    r = pread(fd, buf, 4, 20);
    printf("pread(4, 20): %zd [%.4s]\n", r, buf);
    r = pwrite(fd, "XY", 2, 1);
    printf("pwrite(2, 1): %zd\n", r);
    r = pread(fd, buf, 4, 0);
    printf("pread(4, 0): %zd [%.4s]\n", r, buf);

    /* file-backed mmap sees the written data */
    char *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK("mmap(file)", m != MAP_FAILED);
    if (m != MAP_FAILED) {
        printf("mmap(file) bytes: [%.8s]\n", m);
        munmap(m, 4096);
    }
    CHECK("close", close(fd) == 0);

    errno = 0;
    CHECK("close(bad fd) == EBADF", close(fd) == -1 && errno == EBADF);
    errno = 0;
    path(p, sizeof p, "missing");
    CHECK("open(missing) == ENOENT", open(p, O_RDONLY) == -1 && errno == ENOENT);
    errno = 0;
    const void *volatile bad = (const void *)8; /* volatile: hide the bad pointer from the compiler */
    CHECK("write(bad pointer) == EFAULT", write(1, bad, 10) == -1 && errno == EFAULT);
    errno = 0;
    CHECK("read(bad fd) == EBADF", read(-1, buf, 1) == -1 && errno == EBADF);

    /* more directory entries, then getdents64 through the raw syscall */
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "file%d", i);
        path(p, sizeof p, name);
        int f = open(p, O_CREAT | O_WRONLY, 0600);
        if (f >= 0)
            close(f);
    }
    path(p, sizeof p, "subdir");
    CHECK("mkdir", mkdir(p, 0700) == 0);
    CHECK("stat(dir) is dir", stat(p, &st) == 0 && S_ISDIR(st.st_mode));

    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK("open(O_DIRECTORY)", dfd >= 0);
    char dbuf[4096];
    char *names[32];
    int count = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, dfd, dbuf, sizeof dbuf);
        if (n <= 0)
            break;
        for (long pos = 0; pos < n;) {
            struct {
                uint64_t ino;
                int64_t off;
                unsigned short reclen;
                unsigned char type;
                char name[];
            } *d = (void *)(dbuf + pos);
            if (count < 32)
                names[count++] = strdup(d->name);
            pos += d->reclen;
        }
    }
    close(dfd);
    qsort(names, (size_t)count, sizeof names[0], cmp_str);
    printf("getdents64: %d entries:", count);
    for (int i = 0; i < count; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");

    /* pipe, dup, fcntl */
    int pfd[2];
    CHECK("pipe2", pipe2(pfd, O_CLOEXEC) == 0);
    CHECK("fcntl(F_GETFD) has FD_CLOEXEC", (fcntl(pfd[0], F_GETFD) & FD_CLOEXEC) != 0);
    int d2 = dup(pfd[1]);
    CHECK("dup", d2 > pfd[1] || d2 >= 0);
    printf("write(pipe)=%zd\n", write(d2, "pipe!", 5));
    memset(buf, 0, sizeof buf);
    printf("read(pipe)=%zd [%s]\n", read(pfd[0], buf, sizeof buf), buf);
    close(d2);
    close(pfd[1]);
    printf("read(pipe, closed)=%zd\n", read(pfd[0], buf, sizeof buf));
    close(pfd[0]);

    /* clean up */
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "file%d", i);
        path(p, sizeof p, name);
        unlink(p);
    }
    path(p, sizeof p, "data.txt");
    CHECK("unlink", unlink(p) == 0);
    path(p, sizeof p, "subdir");
    CHECK("rmdir(subdir)", rmdir(p) == 0);
}

static void process(void)
{
    struct utsname u;
    CHECK("uname", uname(&u) == 0);
    printf("[arch] uname machine=%s\n", u.machine);
    printf("uname sysname=%s\n", u.sysname);
    CHECK("getpid > 0", getpid() > 0);
    CHECK("getppid > 0", getppid() > 0);
    CHECK("gettid == getpid", (pid_t)syscall(SYS_gettid) == getpid());
    CHECK("getuid == geteuid", getuid() == geteuid());

    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    CHECK("readlink(/proc/self/exe)", n > 0);
    if (n > 0) {
        exe[n] = 0;
        const char *tail = "/syscalls";
        size_t tl = strlen(tail);
        CHECK("/proc/self/exe ends with /syscalls", (size_t)n >= tl && strcmp(exe + n - tl, tail) == 0);
        CHECK("/proc/self/exe is absolute", exe[0] == '/');
    }
}

static void timing(void)
{
    struct timespec a, b, c;
    CHECK("clock_gettime(MONOTONIC)", clock_gettime(CLOCK_MONOTONIC, &a) == 0);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 100000; i++)
        x += i;
    clock_gettime(CLOCK_MONOTONIC, &b);
    struct timespec ns = {0, 2000000};
    CHECK("nanosleep(2ms)", nanosleep(&ns, NULL) == 0);
    clock_gettime(CLOCK_MONOTONIC, &c);
    int64_t ta = a.tv_sec * 1000000000ll + a.tv_nsec, tb = b.tv_sec * 1000000000ll + b.tv_nsec,
            tc = c.tv_sec * 1000000000ll + c.tv_nsec;
    CHECK("monotonic non-decreasing", tb >= ta);
    CHECK("monotonic advanced >= 2ms over sleep", tc - tb >= 2000000);
    struct timespec rt;
    CHECK("clock_gettime(REALTIME) after 2020", clock_gettime(CLOCK_REALTIME, &rt) == 0 && rt.tv_sec > 1577836800);
    struct timespec res;
    CHECK("clock_getres(MONOTONIC)", clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0);
}

static void memory(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    unsigned char *m = mmap(NULL, (size_t)pg * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK("mmap(anon, 4 pages)", m != MAP_FAILED);
    if (m == MAP_FAILED)
        return;
    int zero = 1;
    for (long i = 0; i < pg * 4; i++)
        zero &= m[i] == 0;
    CHECK("anonymous memory is zeroed", zero);
    CHECK("page aligned", ((uintptr_t)m & (uintptr_t)(pg - 1)) == 0);
    memset(m, 0x5A, (size_t)pg * 4);
    CHECK("mprotect(PROT_READ)", mprotect(m, (size_t)pg, PROT_READ) == 0);
    CHECK("read after mprotect", m[100] == 0x5A);
    CHECK("munmap(middle page)", munmap(m + pg, (size_t)pg) == 0);
    CHECK("pages around the hole intact", m[2 * pg] == 0x5A && m[0] == 0x5A);
    unsigned char *again = mmap(m + pg, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                                -1, 0);
    CHECK("mmap(MAP_FIXED) into the hole", again == m + pg && again[0] == 0);
    CHECK("munmap(all)", munmap(m, (size_t)pg * 4) == 0);
    errno = 0;
    CHECK("munmap(unaligned) == EINVAL", munmap(m + 1, (size_t)pg) == -1 && errno == EINVAL);

    /* brk: small blocks come from the heap (brk), big ones from mmap */
    void *b0 = sbrk(0);
    CHECK("sbrk(0)", b0 != (void *)-1);
    void *b1 = sbrk(3 * pg);
    CHECK("sbrk(3 pages) returns old break", b1 == b0);
    CHECK("break moved", (char *)sbrk(0) == (char *)b0 + 3 * pg);
    memset(b1, 1, (size_t)(3 * pg));
    CHECK("sbrk(-3 pages)", sbrk(-3 * pg) != (void *)-1 && sbrk(0) == b0);

    uint64_t sum = 0;
    char *small[1000];
    for (int i = 0; i < 1000; i++) {
        small[i] = malloc((size_t)(i % 200) + 1);
        memset(small[i], i & 0x7F, (size_t)(i % 200) + 1);
    }
    for (int i = 0; i < 1000; i++) {
        sum += (uint64_t)small[i][i % 200] * (uint64_t)(i + 1);
        free(small[i]);
    }
    printf("small malloc checksum=%llu\n", (unsigned long long)sum);
    size_t bigsz = 64u << 20;
    unsigned char *big = malloc(bigsz);
    CHECK("malloc(64 MiB)", big != NULL);
    if (big) {
        for (size_t i = 0; i < bigsz; i += 4096)
            big[i] = (unsigned char)(i >> 12);
        uint64_t s = 0;
        for (size_t i = 0; i < bigsz; i += 4096)
            s += big[i];
        printf("big malloc checksum=%llu\n", (unsigned long long)s);
        big = realloc(big, bigsz * 2);
        CHECK("realloc(128 MiB) keeps data", big && big[4096 * 7] == 7);
        free(big);
    }
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/xlat-syscalls-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    files();
    CHECK("rmdir(tempdir)", rmdir(dir) == 0);
    process();
    timing();
    memory();
    puts("syscalls done");
    return 0;
}
