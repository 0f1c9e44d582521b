/* Asynchronous signals: an interval timer interrupting pause(), a
 * blocking read interrupted with and without SA_RESTART, a signal that
 * arrives while the program spins in a hot loop, sigsuspend, and alarm()
 * ending the process by default. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;
static int pipefd[2];

static void on_alarm(int sig)
{
    (void)sig;
    ticks++;
}

static void on_alarm_write(int sig)
{
    (void)sig;
    ticks++;
    char c = 'x';
    if (write(pipefd[1], &c, 1) != 1)
        _exit(3);
}

static void install(void (*h)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
}

static void arm_ms(int ms)
{
    struct itimerval it = {{0, 0}, {0, ms * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

/* A periodic timer: a wait that starts after a tick was delivered still
 * ends at the next one, so a slow machine cannot make the test hang. */
static void arm_periodic_ms(int ms)
{
    struct itimerval it = {{0, ms * 1000}, {0, ms * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);

    /* pause() returns -1/EINTR after the handler ran. */
    install(on_alarm, 0);
    arm_periodic_ms(20);
    int r = pause();
    arm_ms(0);
    printf("pause: r=%d errno=%s ticked=%d\n", r, errno == EINTR ? "EINTR" : "?", ticks > 0);

    /* read() on an empty pipe, no SA_RESTART: EINTR. */
    if (pipe(pipefd) != 0)
        return 1;
    ticks = 0;
    install(on_alarm, 0);
    arm_periodic_ms(20);
    char c;
    ssize_t n = read(pipefd[0], &c, 1);
    arm_ms(0);
    printf("read without SA_RESTART: n=%zd errno=%s ticked=%d\n", n,
           errno == EINTR ? "EINTR" : "?", ticks > 0);

    /* With SA_RESTART the read restarts and gets the byte the handler
     * wrote. */
    ticks = 0;
    install(on_alarm_write, SA_RESTART);
    arm_ms(20);
    errno = 0;
    n = read(pipefd[0], &c, 1);
    printf("read with SA_RESTART: n=%zd c=%c ticks=%d\n", n, n == 1 ? c : '-', ticks);

    /* A hot loop is interrupted (the loop only ends through the handler). */
    ticks = 0;
    install(on_alarm, 0);
    arm_ms(30);
    unsigned long spins = 0;
    while (!ticks)
        spins++;
    printf("hot loop interrupted: ticks=%d spun=%d\n", ticks, spins > 0);

    /* sigsuspend with SIGALRM blocked outside. */
    sigset_t blk, old, wait;
    sigemptyset(&blk);
    sigaddset(&blk, SIGALRM);
    sigprocmask(SIG_BLOCK, &blk, &old);
    ticks = 0;
    arm_ms(20);
    sigemptyset(&wait);
    r = sigsuspend(&wait);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("sigsuspend: r=%d errno=%s ticks=%d ALRM blocked again=%d\n", r,
           errno == EINTR ? "EINTR" : "?", ticks, sigismember(&now, SIGALRM));
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* Periodic timer: several ticks. */
    ticks = 0;
    struct itimerval it = {{0, 5000}, {0, 5000}};
    setitimer(ITIMER_REAL, &it, NULL);
    while (ticks < 5)
        pause();
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("periodic: at least 5 ticks=%d\n", ticks >= 5);

    /* Default action: SIGALRM terminates. */
    signal(SIGALRM, SIG_DFL);
    alarm(1);
    for (;;)
        pause();
}
