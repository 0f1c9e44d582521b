/* SA_RESTART against EINTR for each class of blocking syscall (issue #4),
 * with a SIGALRM handler installed with SA_RESTART: Linux restarts read,
 * wait4 and accept/recv, but poll, ppoll, select, pselect, epoll_wait,
 * nanosleep, clock_nanosleep, sigtimedwait, pause and a socket read with
 * SO_RCVTIMEO fail with EINTR (signal(7)). The handler makes a restarted
 * call succeed (it writes to the pipe or socket the call waits on); each
 * call that should fail waits at most 2 s. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int feed = -1;
static volatile int ticks;

static void on_alarm(int sig)
{
    (void)sig;
    ticks++;
    if (feed >= 0 && write(feed, "x", 1) != 1)
        _exit(9);
}

static void arm(int fd)
{
    feed = fd;
    ticks = 0;
    /* 100 ms: the call after arm() must have started when the alarm
     * fires; at 30 ms a loaded machine (or a JIT compile of the call's
     * first run) sometimes let it fire before, and sigtimedwait then
     * timed out (EAGAIN) and pause() would wait for ever. */
    struct itimerval it = {{0, 0}, {0, 100 * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static void report(const char *what, long r)
{
    int e = errno;
    if (r < 0)
        printf("%-24s -1 %s (handler ran %d)\n", what, strerrorname_np(e), ticks);
    else
        printf("%-24s %ld (handler ran %d)\n", what, r, ticks);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);

    int p[2];
    if (pipe(p) != 0)
        return 1;
    char c;
    arm(p[1]);
    report("read (restarted)", read(p[0], &c, 1));

    struct pollfd pf = {p[0], POLLIN, 0};
    arm(-1);
    report("poll", poll(&pf, 1, 2000));
    struct timespec two = {2, 0};
    arm(-1);
    report("ppoll", ppoll(&pf, 1, &two, NULL));
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    struct timeval tv = {2, 0};
    arm(-1);
    report("select", select(p[0] + 1, &rs, NULL, NULL, &tv));
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    arm(-1);
    report("pselect", pselect(p[0] + 1, &rs, NULL, NULL, &two, NULL));
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = p[0]}, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    arm(-1);
    report("epoll_wait", epoll_wait(ep, &out, 1, 2000));
    arm(-1);
    report("epoll_pwait", epoll_pwait(ep, &out, 1, 2000, NULL));
    arm(-1);
    report("nanosleep", nanosleep(&two, NULL));
    arm(-1);
    errno = clock_nanosleep(CLOCK_MONOTONIC, 0, &two, NULL);
    report("clock_nanosleep", errno ? -1 : 0);
    sigset_t usr;
    sigemptyset(&usr);
    sigaddset(&usr, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr, NULL);
    arm(-1);
    report("sigtimedwait", sigtimedwait(&usr, NULL, &two));
    arm(-1);
    report("pause", pause());

    /* wait4: restarted until the child exits. */
    pid_t child = fork();
    if (child == 0) {
        struct timespec t = {0, 500 * 1000 * 1000};
        nanosleep(&t, NULL);
        _exit(5);
    }
    int st = 0;
    arm(-1);
    pid_t w = waitpid(child, &st, 0);
    report("waitpid (restarted)", w == child ? WEXITSTATUS(st) : -1);

    /* A socket read: restarted, but EINTR once SO_RCVTIMEO is set. */
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    arm(sv[1]);
    report("recv (restarted)", recv(sv[0], &c, 1, 0));
    struct timeval rcv = {2, 0};
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof rcv);
    arm(-1);
    report("recv with SO_RCVTIMEO", recv(sv[0], &c, 1, 0));
    return 0;
}
