/* Processes: fork + waitpid exit statuses, a child killed by a signal,
 * a child's own signal handler, vfork + _exit, waitid, execve of a guest
 * program (this one again, through /proc/self/exe) that exits with a
 * status the parent sees, and pipes between parent and child.
 * With the argument "execself" it also forks a child that execs this
 * program through /proc/self/exe (qemu-aarch64 cannot, so that part is
 * compared with the native build by the integration tests); with
 * "exec PATH ARGS..." it just execs PATH (host programs); with "vforkwait"
 * it checks that vfork suspends the parent until the child exits or execs
 * (qemu-aarch64 does not, so that is compared with the native build). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, int st)
{
    if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by signal %d\n", what, WTERMSIG(st));
    else
        printf("%s: status 0x%x\n", what, st);
}

static volatile sig_atomic_t got;
static void on_usr1(int s)
{
    (void)s;
    got = 1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc >= 3 && strcmp(argv[1], "exec") == 0) {
        execv(argv[2], argv + 2);
        perror("execv");
        return 127;
    }
    if (argc >= 2 && strcmp(argv[1], "exec-child") == 0) {
        printf("exec-child: argc=%d argv[0] ok=%d\n", argc, strcmp(argv[0], "renamed") == 0);
        return 5;
    }

    int st;
    pid_t p;
    if (argc >= 2 && strcmp(argv[1], "vforkwait") == 0) {
        /* vfork suspends the parent until the child exits or execs: the
           parent resumes no earlier than the child's 200 ms sleep. (Not
           "the child is a zombie when the parent resumes": Linux wakes the
           parent when the child releases its memory, before it becomes
           waitable, so a WNOHANG wait can miss it on a busy machine.) */
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        p = vfork();
        if (p == 0) {
            struct timespec ts = {0, 200 * 1000 * 1000};
            nanosleep(&ts, NULL);
            _exit(7);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long waited_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        printf("vfork parent resumed after the child's sleep: %d\n", waited_ms >= 195);
        waitpid(p, &st, 0);
        show("vfork child", st);
        p = vfork();
        if (p == 0) {
            execl("/bin/sh", "sh", "-c", "sleep 1; echo exec child ran", (char *)NULL);
            _exit(127);
        }
        printf("parent resumed after the exec, child still running: %d\n", waitpid(p, &st, WNOHANG) == 0);
        waitpid(p, &st, 0);
        show("vfork exec child", st);
        return 0;
    }
    p = fork();
    if (p == 0)
        _exit(42);
    printf("waitpid returned child: %d\n", waitpid(p, &st, 0) == p);
    show("fork child", st);

    p = fork();
    if (p == 0) {
        volatile int *bad = NULL;
        (void)*bad;
        _exit(0);
    }
    waitpid(p, &st, 0);
    show("segv child", st);

    p = fork();
    if (p == 0) {
        for (;;)
            pause();
    }
    kill(p, SIGTERM);
    waitpid(p, &st, 0);
    show("terminated child", st);

    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    /* SIGUSR1 blocked until sigsuspend: no lost wake-up. */
    sigset_t usr1, old, none;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &usr1, &old);
    p = fork();
    if (p == 0) {
        signal(SIGUSR1, on_usr1);
        close(fds[0]);
        if (write(fds[1], "r", 1) != 1)
            _exit(2);
        while (!got)
            sigsuspend(&none);
        if (write(fds[1], "ok from child", 13) != 13)
            _exit(2);
        _exit(7);
    }
    close(fds[1]);
    char buf[32] = {0};
    if (read(fds[0], buf, 1) != 1)
        return 1;
    kill(p, SIGUSR1);
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    waitpid(p, &st, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("pipe: \"%s\"\n", buf);
    show("signalled child", st);

    p = vfork();
    if (p == 0)
        _exit(9);
    waitpid(p, &st, 0);
    show("vfork child", st);

    p = fork();
    if (p == 0)
        _exit(11);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    waitid(P_PID, p, &si, WEXITED);
    printf("waitid: code=%s status=%d pid ok=%d\n", si.si_code == CLD_EXITED ? "CLD_EXITED" : "?",
           si.si_status, si.si_pid == p);

    if (argc >= 2 && strcmp(argv[1], "execself") == 0) {
        p = fork();
        if (p == 0) {
            char *args[] = {"renamed", "exec-child", "x", NULL};
            execv("/proc/self/exe", args);
            _exit(99);
        }
        waitpid(p, &st, 0);
        show("exec child", st);
    }

    printf("no more children: %d\n", waitpid(-1, &st, WNOHANG) == -1);
    return 0;
}
