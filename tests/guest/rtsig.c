/* Real-time signals queue, standard signals coalesce (issue #4): each
 * sigqueue/kill/pthread_sigqueue of a real-time signal is delivered once
 * with its own si_value, in the order sent, lower signal numbers first;
 * repeated standard signals are delivered once. Blocked then unblocked,
 * taken by sigwaitinfo, sent by another process, sent to another thread.
 * With the argument "faultkill": SIGSEGV/SIGILL/SIGFPE/SIGBUS sent with
 * kill() are asynchronous signals like any other (the handler runs,
 * si_code is SI_USER or SI_QUEUE; blocked ones stay pending; ignored ones
 * are discarded; SIG_DFL kills). qemu-aarch64 dies there, so that part is
 * compared with the native build by the integration tests. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXREC 64
static volatile int nrec;
static struct {
    int sig, code, value;
} rec[MAXREC];

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (nrec < MAXREC) {
        rec[nrec].sig = sig;
        rec[nrec].code = si->si_code;
        rec[nrec].value = si->si_value.sival_int;
        nrec++;
    }
}

static const char *code_name(int c)
{
    switch (c) {
    case SI_USER:
        return "SI_USER";
    case SI_QUEUE:
        return "SI_QUEUE";
    case SI_TKILL:
        return "SI_TKILL";
    default:
        return "other";
    }
}

static void dump(const char *what)
{
    printf("%s: %d deliveries\n", what, nrec);
    for (int i = 0; i < nrec; i++) {
        int s = rec[i].sig;
        if (s >= SIGRTMIN)
            printf("  SIGRTMIN+%d %s", s - SIGRTMIN, code_name(rec[i].code));
        else
            printf("  %s %s", strsignal(s), code_name(rec[i].code));
        if (rec[i].code == SI_QUEUE)
            printf(" value=%d", rec[i].value);
        printf("\n");
    }
    nrec = 0;
}

static void catch(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void block(int how, int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(how, &s, NULL);
}

static void queue(pid_t pid, int sig, int v)
{
    union sigval sv;
    sv.sival_int = v;
    if (sigqueue(pid, sig, sv) != 0)
        perror("sigqueue");
}

/* Blocked, queued several times, unblocked: all delivered in order. */
static void blocked_then_unblocked(void)
{
    pid_t me = getpid();
    sigset_t all;
    sigemptyset(&all);
    sigaddset(&all, SIGUSR1);
    sigaddset(&all, SIGRTMIN);
    sigaddset(&all, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &all, NULL);
    queue(me, SIGRTMIN + 1, 100);
    for (int i = 0; i < 5; i++)
        queue(me, SIGRTMIN, i);
    queue(me, SIGRTMIN + 1, 101);
    kill(me, SIGRTMIN);
    kill(me, SIGUSR1);
    kill(me, SIGUSR1);
    queue(me, SIGUSR1, 7);
    sigset_t pend;
    sigpending(&pend);
    printf("pending: USR1=%d RTMIN=%d RTMIN+1=%d\n", sigismember(&pend, SIGUSR1),
           sigismember(&pend, SIGRTMIN), sigismember(&pend, SIGRTMIN + 1));
    sigprocmask(SIG_UNBLOCK, &all, NULL);
    dump("blocked then unblocked");
}

/* Taken one by one with sigwaitinfo. */
static void waitinfo(void)
{
    pid_t me = getpid();
    block(SIG_BLOCK, SIGRTMIN + 2);
    for (int i = 10; i < 14; i++)
        queue(me, SIGRTMIN + 2, i);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN + 2);
    printf("sigwaitinfo:");
    for (int i = 0; i < 4; i++) {
        siginfo_t si;
        int r = sigwaitinfo(&s, &si);
        printf(" %d/%d", r - SIGRTMIN, si.si_value.sival_int);
    }
    struct timespec zero = {0, 0};
    printf(" then %s\n", sigtimedwait(&s, NULL, &zero) < 0 ? "none" : "more");
    block(SIG_UNBLOCK, SIGRTMIN + 2);
}

/* Sent by a child process while blocked here. */
static void from_child(void)
{
    block(SIG_BLOCK, SIGRTMIN + 3);
    pid_t parent = getpid();
    pid_t p = fork();
    if (p == 0) {
        for (int i = 20; i < 24; i++)
            queue(parent, SIGRTMIN + 3, i);
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    catch(SIGRTMIN + 3);
    block(SIG_UNBLOCK, SIGRTMIN + 3);
    for (int i = 0; i < 5; i++)
        sched_yield();
    for (int i = 0; i < nrec; i++)
        rec[i].code = rec[i].code == SI_QUEUE ? SI_QUEUE : -99;
    dump("from a child process");
}

/* Sent to another thread with pthread_sigqueue (rt_tgsigqueueinfo). */
static pthread_barrier_t bar;
static void *waiter(void *arg)
{
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN + 4);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar);
    char buf[128];
    int n = 0;
    for (int i = 0; i < 3; i++) {
        siginfo_t si;
        int r = sigwaitinfo(&s, &si);
        n += snprintf(buf + n, sizeof buf - n, " %d/%d", r - SIGRTMIN, si.si_value.sival_int);
    }
    printf("thread sigwaitinfo:%s\n", buf);
    return NULL;
}

static void to_thread(void)
{
    pthread_t t;
    block(SIG_BLOCK, SIGRTMIN + 4);
    pthread_barrier_init(&bar, NULL, 2);
    pthread_create(&t, NULL, waiter, NULL);
    pthread_barrier_wait(&bar);
    for (int i = 30; i < 33; i++) {
        union sigval sv;
        sv.sival_int = i;
        if (pthread_sigqueue(t, SIGRTMIN + 4, sv) != 0)
            printf("pthread_sigqueue failed\n");
    }
    pthread_barrier_wait(&bar);
    pthread_join(t, NULL);
    block(SIG_UNBLOCK, SIGRTMIN + 4);
}

/* A handler that sends itself more of the same real-time signal: each
 * one is delivered after the handler returns. */
static volatile int chain;
static void chain_handler(int sig, siginfo_t *si, void *uc)
{
    handler(sig, si, uc);
    if (chain < 3) {
        chain++;
        union sigval sv;
        sv.sival_int = 40 + chain;
        sigqueue(getpid(), sig, sv);
        sigqueue(getpid(), sig, sv);
    }
}

static void from_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = chain_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN + 5, &sa, NULL);
    queue(getpid(), SIGRTMIN + 5, 40);
    dump("queued from the handler");
}

/* Blocked, sent alternately to the process (sigqueue) and to this thread
 * (pthread_sigqueue), then unblocked: Linux takes a thread's own pending
 * signals before the process's, so the thread-directed ones come first,
 * each kind in the order sent. */
static void process_and_thread(void)
{
    int s = SIGRTMIN + 6;
    catch(s);
    block(SIG_BLOCK, s);
    for (int i = 60; i < 64; i++) {
        union sigval sv;
        sv.sival_int = i;
        if (i % 2 == 0)
            queue(getpid(), s, i);
        else if (pthread_sigqueue(pthread_self(), s, sv) != 0)
            printf("pthread_sigqueue failed\n");
    }
    block(SIG_UNBLOCK, s);
    dump("to the process and to the thread");
}

/* Synchronous-fault signals sent with kill(): asynchronous deliveries. */
static void fault_signals_by_kill(void)
{
    int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
    for (int i = 0; i < 4; i++)
        catch(sigs[i]);
    for (int i = 0; i < 4; i++)
        kill(getpid(), sigs[i]);
    queue(getpid(), SIGSEGV, 55);
    dump("fault signals by kill");
    /* From another process, while blocked, then unblocked. */
    sigset_t s;
    sigemptyset(&s);
    for (int i = 0; i < 4; i++)
        sigaddset(&s, sigs[i]);
    sigprocmask(SIG_BLOCK, &s, NULL);
    pid_t parent = getpid();
    pid_t p = fork();
    if (p == 0) {
        for (int i = 0; i < 4; i++)
            kill(parent, sigs[i]);
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    /* Under xlat a process-directed signal may be taken by one of xlat's
     * own host threads and become pending here a moment later: wait (up to
     * 10 s, for loaded machines) until all four are pending. */
    for (int t = 0; t < 1000; t++) {
        sigset_t pend;
        int n = 0;
        sigpending(&pend);
        for (int i = 0; i < 4; i++)
            n += sigismember(&pend, sigs[i]);
        if (n == 4)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    printf("blocked while sent: %d deliveries\n", nrec);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    dump("fault signals from another process");
    /* Ignored: discarded. */
    signal(SIGSEGV, SIG_IGN);
    p = fork();
    if (p == 0) {
        kill(parent, SIGSEGV);
        _exit(0);
    }
    waitpid(p, &st, 0);
    for (int i = 0; i < 5; i++)
        sched_yield();
    printf("ignored SIGSEGV from another process: still running\n");
    /* Default action: the process dies by that signal. */
    signal(SIGFPE, SIG_DFL);
    p = fork();
    if (p == 0) {
        kill(getpid(), SIGFPE);
        _exit(0);
    }
    waitpid(p, &st, 0);
    printf("SIGFPE by kill with SIG_DFL: %s %d\n", WIFSIGNALED(st) ? "killed by" : "exited",
           WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc >= 2 && strcmp(argv[1], "faultkill") == 0) {
        fault_signals_by_kill();
        return 0;
    }
    catch(SIGUSR1);
    catch(SIGRTMIN);
    catch(SIGRTMIN + 1);
    blocked_then_unblocked();
    waitinfo();
    from_child();
    to_thread();
    from_handler();
    process_and_thread();
    return 0;
}
