/* Signals and threads: a process-directed kill() is handled by the
 * thread that does not block it; pthread_kill reaches the chosen thread;
 * each thread has its own blocked mask. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile int who, hits2;
static pthread_t worker_t;
static volatile int stop;

static void h(int s)
{
    (void)s;
    who = pthread_equal(pthread_self(), worker_t) ? 2 : 1;
}

static void h2(int s)
{
    (void)s;
    if (pthread_equal(pthread_self(), worker_t))
        hits2++;
}

static void *w(void *a)
{
    (void)a;
    while (!stop)
        usleep(5000);
    return NULL;
}

int main(void)
{
    signal(SIGUSR1, h);
    signal(SIGUSR2, h2);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_create(&worker_t, NULL, w, NULL);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    usleep(20000);
    kill(getpid(), SIGUSR1);
    for (int i = 0; i < 400 && !who; i++)
        usleep(5000);
    printf("kill(getpid()) handled by %s\n", who == 2 ? "worker" : who == 1 ? "main" : "nobody");
    for (int i = 0; i < 3; i++)
        pthread_kill(worker_t, SIGUSR2);
    for (int i = 0; i < 400 && hits2 == 0; i++)
        usleep(5000);
    printf("pthread_kill reached the worker: %d\n", hits2 > 0);
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    printf("main still blocks USR1: %d\n", sigismember(&cur, SIGUSR1));
    stop = 1;
    pthread_join(worker_t, NULL);
    return 0;
}
