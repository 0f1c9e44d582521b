/*
 * Helper for tools/bench: runs one command and reports its wall time, peak
 * RSS and exit status on stderr as "bench-spawn: WALL_NS MAXRSS_KIB STATUS".
 *
 * Linux carries the parent's peak RSS into a fork()ed child across execve,
 * so a child forked by Python starts with Python's ~15 MiB peak. This small
 * static helper forks with a tiny footprint, so the child's rusage shows the
 * command's own peak RSS.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench-spawn PROGRAM [ARGS...]\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench-spawn: fork");
        return 2;
    }
    if (pid == 0) {
        execv(argv[1], argv + 1);
        perror("bench-spawn: execv");
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0) {
        perror("bench-spawn: wait4");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec);
    if (WIFSIGNALED(st))
        fprintf(stderr, "bench-spawn: %lld %ld signal %d\n", ns, ru.ru_maxrss, WTERMSIG(st));
    else
        fprintf(stderr, "bench-spawn: %lld %ld exit %d\n", ns, ru.ru_maxrss, WEXITSTATUS(st));
    return 0;
}
