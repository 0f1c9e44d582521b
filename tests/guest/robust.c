/* Robust mutexes (issue #4): a thread that exits holding robust mutexes
 * (pthread_mutexattr_setrobust) leaves them to the next locker with
 * EOWNERDEAD, as the kernel's robust futex list walk does: a mutex free
 * of waiters, one a thread is blocked on, several held at once, a
 * process-shared one held by a child process that exits, and one held by
 * a second thread of a child process whose main thread calls _exit
 * (exit_group: Linux walks every thread's list, not only the caller's)
 * or dies of a fault;
 * get_robust_list shows the list the C library registered.
 * Locks here time out after 10 s, so a missed walk prints ETIMEDOUT
 * instead of hanging. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t m[4];
static pthread_barrier_t bar;

static void init(pthread_mutex_t *mx, int pshared)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (pshared)
        pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(mx, &a);
    pthread_mutexattr_destroy(&a);
}

static const char *name(int r)
{
    return r == 0 ? "0" : r == EOWNERDEAD ? "EOWNERDEAD" : r == ENOTRECOVERABLE ? "ENOTRECOVERABLE" : strerror(r);
}

/* Locks and recovers `mx`: prints what the lock returned. */
static void lock_and_recover(const char *what, pthread_mutex_t *mx)
{
    struct timespec to;
    clock_gettime(CLOCK_REALTIME, &to);
    to.tv_sec += 10;
    int r = pthread_mutex_timedlock(mx, &to);
    if (r == ETIMEDOUT) {
        printf("%s: lock -> ETIMEDOUT\n", what);
        return;
    }
    printf("%s: lock -> %s", what, name(r));
    if (r == EOWNERDEAD)
        printf(", consistent -> %s", name(pthread_mutex_consistent(mx)));
    pthread_mutex_unlock(mx);
    r = pthread_mutex_lock(mx);
    printf(", relock -> %s\n", name(r));
    pthread_mutex_unlock(mx);
}

static void *hold_and_exit(void *arg)
{
    long n = (long)arg;
    for (long i = 0; i < n; i++)
        pthread_mutex_lock(&m[i]);
    return NULL;
}

static void *hold_wait_exit(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m[3]);
    pthread_barrier_wait(&bar);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    pthread_exit(NULL);
}

/* In a child process: holds `arg` and waits until the process ends. */
static void *hold_until_group_exit(void *arg)
{
    pthread_mutex_lock(arg);
    pthread_barrier_wait(&bar);
    for (;;)
        pause();
    return NULL;
}

/* A child process's second thread holds process-shared `sm` while the
 * main thread calls _exit (`fault` 0) or writes to NULL (1). */
static void second_thread_holds(pthread_mutex_t *sm, int fault, const char *what)
{
    init(sm, 1);
    pid_t p = fork();
    if (p == 0) {
        pthread_t t;
        pthread_barrier_init(&bar, NULL, 2);
        pthread_create(&t, NULL, hold_until_group_exit, sm);
        pthread_barrier_wait(&bar);
        if (fault)
            *(volatile int *)0 = 1;
        _exit(4);
    }
    int st;
    waitpid(p, &st, 0);
    if (WIFSIGNALED(st))
        printf("child killed by signal %d\n", WTERMSIG(st));
    else
        printf("child exited %d\n", WEXITSTATUS(st));
    lock_and_recover(what, sm);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    /* The C library registered this thread's list at start. */
    void *head = NULL;
    size_t len = 0;
    long gr = syscall(SYS_get_robust_list, 0, &head, &len);
    printf("get_robust_list: %ld, length %zu, head set %d\n", gr, len, head != NULL);
    for (int i = 0; i < 4; i++)
        init(&m[i], 0);
    pthread_t t;

    /* One thread exits holding m[0..2]. */
    pthread_create(&t, NULL, hold_and_exit, (void *)3L);
    pthread_join(t, NULL);
    lock_and_recover("held at exit", &m[0]);
    lock_and_recover("second held", &m[1]);
    lock_and_recover("third held", &m[2]);

    /* Not made consistent: ENOTRECOVERABLE for everyone after. */
    pthread_create(&t, NULL, hold_and_exit, (void *)1L);
    pthread_join(t, NULL);
    int r = pthread_mutex_lock(&m[0]);
    printf("not made consistent: lock -> %s", name(r));
    pthread_mutex_unlock(&m[0]);
    printf(", next lock -> %s\n", name(pthread_mutex_lock(&m[0])));

    /* The main thread blocks on m[3] while its owner exits. */
    pthread_barrier_init(&bar, NULL, 2);
    pthread_create(&t, NULL, hold_wait_exit, NULL);
    pthread_barrier_wait(&bar);
    lock_and_recover("waiter woken", &m[3]);
    pthread_join(t, NULL);

    /* Process-shared, held by a child process that exits. */
    pthread_mutex_t *sm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    init(sm, 1);
    pid_t p = fork();
    if (p == 0) {
        pthread_mutex_lock(sm);
        _exit(3);
    }
    int st;
    waitpid(p, &st, 0);
    printf("child exited %d\n", WEXITSTATUS(st));
    lock_and_recover("held by a dead process", sm);

    /* Held by a second thread when the child's main thread calls _exit
     * or dies of a fault. */
    second_thread_holds(sm, 0, "held by another thread at exit_group");
    second_thread_holds(sm, 1, "held by another thread at a fatal fault");
    return 0;
}
