/* pthreads: N threads incrementing an atomic counter and a
 * mutex-protected counter, thread-local variables, pthread_join return
 * values, a condition variable handing work between threads, a barrier,
 * gettid distinct per thread, and pthread_exit of the main thread while
 * a worker is still running. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NTHREADS 8
#define ITERS 20000

static atomic_long atomic_count;
static long locked_count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __thread long tls_value = 5;
static pid_t tids[NTHREADS];
static pthread_barrier_t barrier;

static void *worker(void *arg)
{
    long id = (long)(intptr_t)arg;
    tls_value = id * 100;
    tids[id] = (pid_t)syscall(SYS_gettid);
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < ITERS; i++) {
        atomic_fetch_add(&atomic_count, 1);
        pthread_mutex_lock(&lock);
        locked_count++;
        pthread_mutex_unlock(&lock);
    }
    /* TLS is still this thread's own value. */
    return (void *)(intptr_t)(tls_value + id);
}

static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcond = PTHREAD_COND_INITIALIZER;
static int queue[16], qhead, qtail, done;

static void *consumer(void *arg)
{
    (void)arg;
    long sum = 0;
    for (;;) {
        pthread_mutex_lock(&qlock);
        while (qhead == qtail && !done)
            pthread_cond_wait(&qcond, &qlock);
        if (qhead == qtail && done) {
            pthread_mutex_unlock(&qlock);
            break;
        }
        sum += queue[qhead++ % 16];
        pthread_cond_broadcast(&qcond);
        pthread_mutex_unlock(&qlock);
    }
    return (void *)(intptr_t)sum;
}

static void *last_one(void *arg)
{
    (void)arg;
    usleep(50000);
    printf("worker outlives main thread: ok\n");
    fflush(stdout);
    exit(3);
}

int main(void)
{
    pthread_t th[NTHREADS];
    pthread_barrier_init(&barrier, NULL, NTHREADS);
    for (long i = 0; i < NTHREADS; i++)
        if (pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) != 0) {
            printf("pthread_create failed\n");
            return 1;
        }
    int ret_ok = 1;
    for (long i = 0; i < NTHREADS; i++) {
        void *r;
        pthread_join(th[i], &r);
        if ((intptr_t)r != i * 100 + i)
            ret_ok = 0;
    }
    printf("atomic=%ld locked=%ld expected=%d\n", (long)atomic_count, locked_count,
           NTHREADS * ITERS);
    printf("join values ok=%d main tls=%ld\n", ret_ok, tls_value);
    int distinct = 1;
    pid_t me = (pid_t)syscall(SYS_gettid);
    for (int i = 0; i < NTHREADS; i++) {
        if (tids[i] == me || tids[i] <= 0)
            distinct = 0;
        for (int j = 0; j < i; j++)
            if (tids[i] == tids[j])
                distinct = 0;
    }
    printf("distinct tids=%d pid==main tid=%d\n", distinct, getpid() == me);

    pthread_t c;
    pthread_create(&c, NULL, consumer, NULL);
    for (int i = 1; i <= 100; i++) {
        pthread_mutex_lock(&qlock);
        while (qtail - qhead == 16)
            pthread_cond_wait(&qcond, &qlock);
        queue[qtail++ % 16] = i;
        pthread_cond_broadcast(&qcond);
        pthread_mutex_unlock(&qlock);
    }
    pthread_mutex_lock(&qlock);
    done = 1;
    pthread_cond_broadcast(&qcond);
    pthread_mutex_unlock(&qlock);
    void *sum;
    pthread_join(c, &sum);
    printf("condvar sum=%ld\n", (long)(intptr_t)sum);

    pthread_t l;
    pthread_create(&l, NULL, last_one, NULL);
    pthread_exit(NULL);
}
