/* vfork with shared memory, as Linux does it: posix_spawn (glibc's runs
 * the child with CLONE_VM | CLONE_VFORK and reports a failed exec through
 * the memory it shares with the parent), vfork children writing parent
 * memory, vfork + a failed execve reported through memory, the child's
 * own signal dispositions, a child dying of a fault, posix_spawn file
 * actions and attributes, and vforks from a multi-threaded process while
 * the other threads keep running (and vfork themselves).
 *
 * qemu-aarch64 runs vfork as a plain fork (the child's stores are lost:
 * posix_spawnp of a missing program returns 0) and cannot exec a guest
 * program without binfmt_misc, so the expected output is the native
 * x86-64 build's (tools/build-guests: NATIVE_REFERENCE).
 *
 * With the argument "child" it prints its argv and exits with status 5
 * (the spawned guest program). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void show(const char *what, int st)
{
    if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by signal %d\n", what, WTERMSIG(st));
    else
        printf("%s: status 0x%x\n", what, st);
}

/* posix_spawn(p) of argv; prints the result and the child's status. */
static void spawn(const char *what, int search, char *const argv[],
                  const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at)
{
    pid_t p = -1;
    int r = search ? posix_spawnp(&p, argv[0], fa, at, argv, environ)
                   : posix_spawn(&p, argv[0], fa, at, argv, environ);
    if (r != 0) {
        printf("%s: error %s\n", what, strerror(r));
        return;
    }
    int st;
    if (waitpid(p, &st, 0) != p) {
        printf("%s: waitpid failed\n", what);
        return;
    }
    show(what, st);
}

static volatile sig_atomic_t usr1, usr2;
static void on_usr1(int s)
{
    (void)s;
    usr1++;
}
static void on_usr2(int s)
{
    (void)s;
    usr2++;
}

static int global_word;

/* The multi-threaded part: workers churn malloc and a mutex (locks a
 * vfork child must not deadlock on) and spawn host programs themselves,
 * while the main thread vforks. */
static volatile long progress;
static volatile int stop;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *churn(void *arg)
{
    (void)arg;
    while (!stop) {
        pthread_mutex_lock(&mu);
        void *p = malloc(64 + (progress & 1023));
        progress++;
        pthread_mutex_unlock(&mu);
        free(p);
    }
    return NULL;
}

static void *spawner(void *arg)
{
    long bad = 0;
    for (int i = 0; i < 10; i++) {
        pid_t p;
        char *argv[] = {"/bin/sh", "-c", "exit 3", NULL};
        char *missing[] = {"xlat-vfork-test-no-such-program", NULL};
        int st;
        if (posix_spawn(&p, argv[0], NULL, NULL, argv, environ) != 0 || waitpid(p, &st, 0) != p ||
            !WIFEXITED(st) || WEXITSTATUS(st) != 3)
            bad++;
        if (posix_spawnp(&p, missing[0], NULL, NULL, missing, environ) != ENOENT)
            bad++;
    }
    (void)arg;
    return (void *)bad;
}

/* A vfork child that waits until the other threads made progress (the
 * parent thread is suspended, they are not) and exits with `code`;
 * returns 1 if the parent then sees that status. */
static __attribute__((noinline)) int vfork_spin(int code, int *advanced)
{
    long before = progress;
    volatile int adv = 0;
    pid_t p = vfork();
    if (p == 0) {
        for (long spin = 0; spin < 2000000000L && progress < before + 100; spin++)
            ;
        adv = progress >= before + 100;
        _exit(code);
    }
    int st;
    *advanced = adv;
    return waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == code;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc >= 2 && strcmp(argv[1], "child") == 0) {
        sigset_t m;
        sigprocmask(SIG_BLOCK, NULL, &m);
        struct sigaction hup;
        sigaction(SIGHUP, NULL, &hup);
        printf("guest child: argc=%d argv[0]=%s argv[2]=%s usr2 blocked=%d own group=%d "
               "hup ignored=%d\n",
               argc, argv[0], argc > 2 ? argv[2] : "-", sigismember(&m, SIGUSR2),
               getpgrp() == getpid(), hup.sa_handler == SIG_IGN);
        return 5;
    }

    signal(SIGHUP, SIG_IGN);
    /* posix_spawn reports a failed exec as an error return. */
    char *missing[] = {"xlat-vfork-test-no-such-program", NULL};
    spawn("posix_spawnp missing", 1, missing, NULL, NULL);
    char *missing_abs[] = {"/nonexistent/xlat-vfork-test", NULL};
    spawn("posix_spawn missing", 0, missing_abs, NULL, NULL);
    char *yes[] = {"/bin/true", NULL};
    spawn("posix_spawn /bin/true", 0, yes, NULL, NULL);
    char *sh3[] = {"sh", "-c", "exit 3", NULL};
    spawn("posix_spawnp sh exit 3", 1, sh3, NULL, NULL);
    char *self[] = {"/proc/self/exe", "child", "x", NULL};
    spawn("posix_spawn guest program", 0, self, NULL, NULL);

    /* File actions: the child's stdout is a pipe; attributes: its own
     * process group, SIGHUP back to SIG_DFL, SIGUSR2 blocked. */
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, on_usr2);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t def, mask;
    sigemptyset(&def);
    sigaddset(&def, SIGHUP);
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR2);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setsigmask(&at, &mask);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    char *self2[] = {"/proc/self/exe", "child", "y", NULL};
    spawn("posix_spawn with file actions", 0, self2, &fa, &at);
    close(fds[1]);
    char buf[256] = {0};
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf - 1 && (n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += n;
    close(fds[0]);
    printf("child wrote: %s", buf);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    /* The parent's handlers are still its own. */
    raise(SIGUSR1);
    raise(SIGUSR2);
    printf("parent handlers still run: usr1=%d usr2=%d\n", (int)usr1, (int)usr2);

    /* vfork: the child's stores are the parent's. */
    volatile int local = 1;
    global_word = 1;
    pid_t p = vfork();
    if (p == 0) {
        local = 42;
        global_word = 43;
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    printf("vfork child stores seen: local=%d global=%d\n", local, global_word);

    /* vfork + execve failure, reported through memory. */
    volatile int exec_errno = 0;
    p = vfork();
    if (p == 0) {
        execl("/nonexistent/xlat-vfork-test", "x", (char *)NULL);
        exec_errno = errno;
        _exit(127);
    }
    waitpid(p, &st, 0);
    printf("vfork exec error: %s\n", strerror(exec_errno));
    show("vfork exec failure child", st);

    /* The child's dispositions are its own (no CLONE_SIGHAND). */
    p = vfork();
    if (p == 0) {
        signal(SIGUSR2, SIG_IGN);
        signal(SIGUSR1, SIG_DFL);
        _exit(0);
    }
    waitpid(p, &st, 0);
    raise(SIGUSR1);
    raise(SIGUSR2);
    printf("after a vfork child changed its handlers: usr1=%d usr2=%d\n", (int)usr1, (int)usr2);

    /* Its cwd, fd table and signal mask are its own too. */
    char before[512], after[512];
    if (!getcwd(before, sizeof before))
        return 1;
    sigset_t m0, m1;
    sigprocmask(SIG_BLOCK, NULL, &m0);
    p = vfork();
    if (p == 0) {
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        if (chdir("/") != 0 || dup2(1, 100) != 100)
            _exit(1);
        close(0);
        _exit(0);
    }
    waitpid(p, &st, 0);
    show("vfork child changing cwd, fds and mask", st);
    sigprocmask(SIG_BLOCK, NULL, &m1);
    printf("parent's cwd, fds and mask unchanged: %d %d %d %d\n",
           getcwd(after, sizeof after) && strcmp(before, after) == 0,
           fcntl(100, F_GETFD) == -1 && errno == EBADF, fcntl(0, F_GETFD) != -1,
           sigismember(&m1, SIGUSR1) == sigismember(&m0, SIGUSR1) &&
               sigismember(&m1, SIGTERM) == sigismember(&m0, SIGTERM));

    /* A fault kills the child only. */
    p = vfork();
    if (p == 0) {
        volatile int *bad = NULL;
        *bad = 1;
        _exit(0);
    }
    waitpid(p, &st, 0);
    show("faulting vfork child", st);

    /* A signal that kills by default kills the child only. */
    p = vfork();
    if (p == 0) {
        kill(getpid(), SIGTERM);
        _exit(0);
    }
    waitpid(p, &st, 0);
    show("vfork child sent itself SIGTERM", st);

    /* getpid in the child is the child's. */
    volatile pid_t seen = 0;
    p = vfork();
    if (p == 0) {
        seen = getpid();
        _exit(0);
    }
    waitpid(p, &st, 0);
    printf("child's getpid is its pid: %d\n", seen == p);

    /* From a multi-threaded process, while the other threads run. */
    pthread_t t[4];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, churn, NULL);
    for (int i = 2; i < 4; i++)
        pthread_create(&t[i], NULL, spawner, NULL);
    int ran = 0, ok = 0;
    for (int i = 0; i < 20; i++) {
        int advanced = 0;
        ok += vfork_spin(i, &advanced);
        ran += advanced;
        char *argv2[] = {"/bin/true", NULL};
        pid_t q;
        if (posix_spawn(&q, argv2[0], NULL, NULL, argv2, environ) == 0 && waitpid(q, &st, 0) == q &&
            WIFEXITED(st) && WEXITSTATUS(st) == 0)
            ok++;
    }
    long bad = 0;
    for (int i = 2; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += (long)r;
    }
    stop = 1;
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("threaded: children ok %d/40, other threads ran during the vfork: %d/20, "
           "spawner errors %ld\n",
           ok, ran, bad);
    printf("no more children: %d\n", waitpid(-1, &st, WNOHANG) == -1);
    return 0;
}
