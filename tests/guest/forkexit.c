/* fork while other threads start and exit: the child of a fork must not
 * inherit a lock that a thread of the parent held at the fork (a thread
 * leaving or starting registers in the thread group), where that thread
 * does not exist to release it. Two threads create and join short-lived
 * threads while the main thread forks 300 children that exit at once. */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void *quick(void *arg)
{
    return arg;
}

static volatile int stop;

static void *spawner(void *arg)
{
    (void)arg;
    while (!stop) {
        pthread_t t;
        if (pthread_create(&t, NULL, quick, NULL) == 0)
            pthread_join(t, NULL);
    }
    return NULL;
}

int main(void)
{
    pthread_t s[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&s[i], NULL, spawner, NULL);
    int ok = 0;
    for (int i = 0; i < 300; i++) {
        pid_t p = fork();
        if (p == 0)
            _exit(7);
        int st;
        if (waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 7)
            ok++;
    }
    stop = 1;
    for (int i = 0; i < 2; i++)
        pthread_join(s[i], NULL);
    printf("children that exited 7: %d of 300\n", ok);
    return 0;
}
