/* fork while the other threads of the process are busy inside the
 * translator: one attaches and detaches SysV shared memory, one maps,
 * re-protects (PROT_EXEC: the translator invalidates the range) and
 * unmaps memory, one raises signals it handles, one creates and joins
 * threads, one runs hot code whose page it keeps re-protecting (the
 * translator invalidates and compiles it again and again). The main
 * thread forks children that do each of these once and exit 7: a child
 * that inherited a lock another thread of the parent held at the fork
 * (where that thread does not exist to release it) hangs. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define FORKS 150

static volatile int stop;
static volatile sig_atomic_t handled;
static int shmid;

static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

/* Hot code whose page is re-protected (and so retranslated). */
__attribute__((noinline)) static uint64_t hot(uint64_t x)
{
    for (int i = 0; i < 200; i++)
        x = x * 6364136223846793005ull + 1442695040888963407ull + (x >> 29);
    return x;
}

static void *page_of(void *p)
{
    return (void *)((uintptr_t)p & ~(uintptr_t)4095);
}

static int shm_once(void)
{
    void *p = shmat(shmid, NULL, 0);
    if (p == (void *)-1)
        return 0;
    ((volatile char *)p)[0]++;
    return shmdt(p) == 0;
}

static int map_once(void)
{
    char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    p[4096] = 1;
    int ok = mprotect(p, 3 * 4096, PROT_READ | PROT_EXEC) == 0 && p[4096] == 1;
    return munmap(p, 3 * 4096) == 0 && ok;
}

static int recompile_once(uint64_t *x)
{
    for (int i = 0; i < 50; i++)
        *x = hot(*x);
    return mprotect(page_of((void *)hot), 4096, PROT_READ | PROT_EXEC) == 0;
}

static void *quick(void *arg)
{
    return arg;
}

static void *shm_loop(void *arg)
{
    while (!stop)
        shm_once();
    return arg;
}

static void *map_loop(void *arg)
{
    while (!stop)
        map_once();
    return arg;
}

static void *signal_loop(void *arg)
{
    while (!stop)
        raise(SIGUSR1);
    return arg;
}

static void *spawn_loop(void *arg)
{
    while (!stop) {
        pthread_t t;
        if (pthread_create(&t, NULL, quick, NULL) == 0)
            pthread_join(t, NULL);
    }
    return arg;
}

static uint64_t sink;

static void *hot_loop(void *arg)
{
    uint64_t x = 1;
    while (!stop)
        recompile_once(&x);
    sink = x;
    return arg;
}

/* The child does each thing once; exit status 7 when all worked. */
static void child(void)
{
    uint64_t x = 2;
    int before = handled;
    raise(SIGUSR1);
    pthread_t t;
    int ok = shm_once() && map_once() && recompile_once(&x) && handled == before + 1 &&
             pthread_create(&t, NULL, quick, NULL) == 0 && pthread_join(t, NULL) == 0;
    _exit(ok ? 7 : 1);
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    shmid = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (shmid < 0) {
        perror("shmget");
        return 1;
    }
    void *(*loops[])(void *) = {shm_loop, map_loop, signal_loop, spawn_loop, hot_loop};
    enum { N = sizeof loops / sizeof loops[0] };
    pthread_t th[N];
    for (int i = 0; i < N; i++)
        pthread_create(&th[i], NULL, loops[i], NULL);
    int ok = 0;
    for (int i = 0; i < FORKS; i++) {
        pid_t p = fork();
        if (p == 0)
            child();
        int st;
        if (p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 7)
            ok++;
    }
    stop = 1;
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    shmctl(shmid, IPC_RMID, NULL);
    printf("children that exited 7: %d of %d\n", ok, FORKS);
    printf("signals handled: %s\n", handled > 0 ? "yes" : "no");
    return 0;
}
