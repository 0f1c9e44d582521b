/* Issue #4 corners not covered elsewhere: futex operations (timeouts,
 * EAGAIN on a changed word, REQUEUE and CMP_REQUEUE, WAIT/WAKE_BITSET with an
 * absolute timeout, WAKE_OP, the PI lock/trylock/unlock), clone3 as a
 * fork, waitid with WSTOPPED/WCONTINUED/WEXITED/WNOHANG, setsid and
 * process groups, MAP_GROWSDOWN, mremap (grow in place or moved, shrink,
 * MREMAP_FIXED, a hole: EFAULT), madvise(MADV_DONTNEED) zeroing private
 * memory but not a shared file mapping, and brk shrink-then-grow zeroing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long fx(uint32_t *u, int op, uint32_t v, void *t, uint32_t *u2, uint32_t v3)
{
    return syscall(SYS_futex, u, op, v, t, u2, v3);
}

static void show(const char *what, long r)
{
    int e = errno;
    if (r < 0)
        printf("%s: -1 %s\n", what, strerrorname_np(e));
    else
        printf("%s: %ld\n", what, r);
}

static uint32_t w, w2, w3, pi;
static void *waiter(void *a)
{
    (void)a;
    return (void *)fx(&w, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}
static void *bitset_waiter(void *a)
{
    (void)a;
    return (void *)fx(&w, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, 2);
}

static void futexes(void)
{
    struct timespec t = {0, 20 * 1000 * 1000};
    show("wait, timeout", fx(&w, FUTEX_WAIT, 0, &t, 0, 0));
    show("wait, word changed", fx(&w, FUTEX_WAIT, 1, &t, 0, 0));
    pthread_t th[2];
    pthread_create(&th[0], 0, waiter, 0);
    pthread_create(&th[1], 0, waiter, 0);
    /* Move the waiters to w3 as they arrive (each requeue counts them). */
    long moved = 0;
    while (moved < 2) {
        moved += fx(&w, FUTEX_REQUEUE_PRIVATE, 0, (void *)2L, &w3, 0);
        usleep(1000);
    }
    show("cmp_requeue, word changed", fx(&w3, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1L, &w2, 5));
    show("cmp_requeue: wake 1, move 1", fx(&w3, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1L, &w2, 0));
    show("wake the moved one on the second word", fx(&w2, FUTEX_WAKE_PRIVATE, 10, 0, 0, 0));
    pthread_join(th[0], 0);
    pthread_join(th[1], 0);

    pthread_create(&th[0], 0, bitset_waiter, 0);
    usleep(50000);
    long a = 0;
    for (int i = 0; i < 100 && (a = fx(&w, FUTEX_WAKE_BITSET_PRIVATE, 1, 0, 0, 1)) == 0; i++)
        ;
    printf("wake bitset 1 (the waiter has 2): %ld\n", a);
    long b = 0;
    for (int i = 0; i < 1000 && (b = fx(&w, FUTEX_WAKE_BITSET_PRIVATE, 1, 0, 0, 2)) == 0; i++)
        usleep(1000);
    printf("wake bitset 2: %ld\n", b);
    pthread_join(th[0], 0);

    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 20 * 1000 * 1000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    show("wait_bitset, absolute timeout", fx(&w, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, 0, ~0u));
    show("wake_op", fx(&w, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &w2, FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0)));
    printf("wake_op stored %u\n", w2);

    show("lock_pi", fx(&pi, FUTEX_LOCK_PI_PRIVATE, 0, 0, 0, 0));
    printf("owner is me: %d\n", pi == (uint32_t)gettid());
    show("trylock_pi by the owner", fx(&pi, FUTEX_TRYLOCK_PI_PRIVATE, 0, 0, 0, 0));
    show("unlock_pi", fx(&pi, FUTEX_UNLOCK_PI_PRIVATE, 0, 0, 0, 0));
    printf("word after unlock: %u\n", pi);
    show("unlock_pi, not the owner", fx(&pi, FUTEX_UNLOCK_PI_PRIVATE, 0, 0, 0, 0));
}

static void processes(void)
{
    struct clone_args ca;
    memset(&ca, 0, sizeof ca);
    ca.exit_signal = SIGCHLD;
    long c = syscall(SYS_clone3, &ca, sizeof ca);
    if (c == 0)
        _exit(3);
    int st;
    waitpid(c, &st, 0);
    printf("clone3 as fork: child exited %d\n", WEXITSTATUS(st));

    /* The child exits only once told to, after the WCONTINUED report
     * (an exited child has no continued state left to report). */
    int go[2];
    if (pipe(go) != 0)
        return;
    pid_t p = fork();
    if (p == 0) {
        char ch;
        raise(SIGSTOP);
        _exit(read(go[0], &ch, 1) == 1 ? 7 : 8);
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    show("waitid WSTOPPED", waitid(P_PID, p, &si, WSTOPPED));
    printf("  code %d status %d\n", si.si_code, si.si_status);
    kill(p, SIGCONT);
    memset(&si, 0, sizeof si);
    show("waitid WCONTINUED", waitid(P_PID, p, &si, WCONTINUED));
    printf("  code %d status %d\n", si.si_code, si.si_status);
    if (write(go[1], "x", 1) != 1)
        return;
    memset(&si, 0, sizeof si);
    show("waitid WEXITED", waitid(P_PID, p, &si, WEXITED));
    printf("  code %d status %d\n", si.si_code, si.si_status);
    show("waitid WNOHANG, no child", waitid(P_ALL, 0, &si, WEXITED | WNOHANG));

    p = fork();
    if (p == 0) {
        pid_t s = setsid();
        printf("child: setsid %d, session and group are its pid %d %d\n", s == getpid(),
               getsid(0) == getpid(), getpgid(0) == getpid());
        printf("child: setsid again: %s\n", setsid() < 0 ? strerrorname_np(errno) : "ok");
        _exit(0);
    }
    waitpid(p, &st, 0);
    p = fork();
    if (p == 0) {
        setpgid(0, 0);
        pause();
        _exit(0);
    }
    setpgid(p, p);
    printf("child's group is its pid: %d\n", getpgid(p) == p);
    kill(-p, SIGTERM);
    waitpid(p, &st, 0);
    printf("group killed: signaled %d by %d\n", WIFSIGNALED(st), WTERMSIG(st));
}

static void memory(void)
{
    long pg = 4096;
    char *g = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
    printf("MAP_GROWSDOWN: %s\n", g == MAP_FAILED ? "failed" : "mapped");
    g[0] = g[2 * pg - 1] = 1;

    char *m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(m, "kept");
    char *m2 = mremap(m, pg, 16 * pg, MREMAP_MAYMOVE);
    printf("mremap grow: %s, content %s, end writable\n", m2 == MAP_FAILED ? "failed" : "ok", m2);
    m2[16 * pg - 1] = 1;
    char *m3 = mremap(m2, 16 * pg, pg, 0);
    printf("mremap shrink in place: %d\n", m3 == m2);
    errno = 0;
    printf("mremap grow without MAYMOVE into a mapping: %s\n",
           mremap(g, 2 * pg, 64 * pg, 0) == MAP_FAILED ? strerrorname_np(errno) : "ok");
    char *dst = mmap(NULL, 4 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *m4 = mremap(m3, pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, dst + pg);
    printf("mremap fixed: at %d, content %s\n", m4 == dst + pg, m4);
    errno = 0;
    printf("mremap old range gone: %s\n", mremap(m3, pg, pg, 0) == MAP_FAILED ? strerrorname_np(errno) : "ok");

    char *z = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(z, 7, 2 * pg);
    show("madvise DONTNEED", madvise(z, 2 * pg, MADV_DONTNEED));
    printf("private pages read back as %d %d\n", z[0], z[2 * pg - 1]);
    char path[] = "/tmp/xlat-lxc-XXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    if (ftruncate(fd, pg) != 0)
        perror("ftruncate");
    char *s = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    strcpy(s, "shared");
    madvise(s, pg, MADV_DONTNEED);
    printf("shared file page after DONTNEED: %s\n", s);
    close(fd);
    munmap(z + pg, pg);
    errno = 0;
    show("madvise DONTNEED over a hole", madvise(z, 2 * pg, MADV_DONTNEED));

    char *top = sbrk(0);
    sbrk(2 * pg);
    memset(top, 9, 2 * pg);
    sbrk(-2 * pg);
    printf("brk shrunk back: %d\n", sbrk(0) == top);
    sbrk(2 * pg);
    printf("brk regrown reads %d %d\n", top[0], top[2 * pg - 1]);
    printf("brk below the start fails: %d\n", brk((char *)top - (1L << 40)) != 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    futexes();
    processes();
    memory();
    return 0;
}
