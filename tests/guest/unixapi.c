/*
 * The syscall surface a Debian userland uses beyond plain files: ids and
 * groups, prctl, sockets (stream and datagram, SCM_RIGHTS and
 * SCM_CREDENTIALS), epoll (whose struct layout differs between x86-64 and
 * AArch64), eventfd, timerfd, signalfd, inotify, memfd, sendfile, splice,
 * tee, copy_file_range, xattrs, fcntl record locks, dup3, statfs, sched_*.
 * Prints only deterministic facts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define CHECK(what, cond) printf("%-44s %s\n", what, (cond) ? "ok" : "FAILED")

static char dir[64];

static void ids(void)
{
    int n = getgroups(0, NULL);
    gid_t g[256];
    int m = n <= 256 ? getgroups(256, g) : -1;
    CHECK("getgroups count == getgroups(list)", n >= 0 && m == n);
    errno = 0;
    CHECK("getgroups(1) with more groups: EINVAL", n <= 1 || (getgroups(1, g) == -1 && errno == EINVAL));
    uid_t r, e, s;
    gid_t rg, eg, sg;
    CHECK("getresuid", getresuid(&r, &e, &s) == 0 && r == getuid() && e == geteuid());
    CHECK("getresgid", getresgid(&rg, &eg, &sg) == 0 && rg == getgid() && eg == getegid());
    CHECK("setresuid(-1,-1,-1)", setresuid(-1, -1, -1) == 0);
    CHECK("setreuid(-1, euid)", setreuid(-1, geteuid()) == 0);
    if (geteuid() != 0) {
        errno = 0;
        CHECK("setgroups without privilege: EPERM", setgroups(0, NULL) == -1 && errno == EPERM);
        errno = 0;
        CHECK("setuid(0) without privilege: EPERM", setuid(0) == -1 && errno == EPERM);
    } else {
        CHECK("setgroups without privilege: EPERM", 1);
        CHECK("setuid(0) without privilege: EPERM", 1);
    }
    CHECK("getpriority", getpriority(PRIO_PROCESS, 0) >= -20);
    struct sched_param sp = {0};
    CHECK("sched_getscheduler", sched_getscheduler(0) == SCHED_OTHER);
    CHECK("sched_getparam", sched_getparam(0, &sp) == 0 && sp.sched_priority == 0);
    printf("sched_get_priority_max(FIFO)=%d\n", sched_get_priority_max(SCHED_FIFO));
    struct timespec ts;
    CHECK("sched_rr_get_interval", sched_rr_get_interval(0, &ts) == 0);
    CHECK("personality query", (personality(0xffffffff) & 0xff) == PER_LINUX);
    /* 0 is a valid answer: in a PID namespace whose session leader lies
       outside it (a container), the kernel reports session 0. */
    int sid = getsid(0);
    errno = 0;
    CHECK("getsid", sid >= 0 && sid == getsid(getpid()) && getsid(0x3ffffff0) == -1 && errno == ESRCH);
    pid_t c = fork();
    if (c == 0)
        _exit(setsid() == getpid() && getsid(0) == getpid() ? 0 : 1);
    int st;
    waitpid(c, &st, 0);
    CHECK("setsid in a child", WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void prctls(void)
{
    char name[16] = {0};
    CHECK("PR_SET_NAME", prctl(PR_SET_NAME, "xlat-test-name-long") == 0);
    CHECK("PR_GET_NAME", prctl(PR_GET_NAME, name) == 0);
    printf("name=[%s]\n", name);
    char comm[64] = {0};
    FILE *f = fopen("/proc/self/comm", "r");
    if (f) {
        if (!fgets(comm, sizeof comm, f))
            comm[0] = 0;
        fclose(f);
    }
    printf("comm=[%s]\n", strtok(comm, "\n") ? comm : "");
    int sig = -1;
    CHECK("PR_SET_PDEATHSIG", prctl(PR_SET_PDEATHSIG, SIGUSR1) == 0);
    CHECK("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &sig) == 0 && sig == SIGUSR1);
    prctl(PR_SET_PDEATHSIG, 0);
    CHECK("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE) == 1);
    CHECK("PR_SET_NO_NEW_PRIVS", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
    CHECK("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    CHECK("capget", syscall(SYS_capget, &h, d) == 0);
}

static void sockets(void)
{
    int sv[2];
    CHECK("socketpair(AF_UNIX, SOCK_STREAM)", socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    int one = 1;
    CHECK("setsockopt(SO_PASSCRED)", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) == 0);
    int v = 0;
    socklen_t vl = sizeof v;
    CHECK("getsockopt(SO_TYPE)", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &vl) == 0 && v == SOCK_STREAM && vl == 4);

    /* SCM_RIGHTS: pass a pipe's read end, read through the received fd. */
    int p[2];
    if (pipe(p) != 0)
        return;
    if (write(p[1], "through-fd", 10) != 10)
        return;
    char data[4] = "msg";
    struct iovec iov = {data, 3};
    union {
        char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = u.buf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int));
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
    CHECK("sendmsg(SCM_RIGHTS)", sendmsg(sv[0], &mh, 0) == 3);

    char in[8] = {0};
    struct iovec iov2 = {in, sizeof in};
    struct msghdr rh = {0};
    memset(&u, 0, sizeof u);
    rh.msg_iov = &iov2;
    rh.msg_iovlen = 1;
    rh.msg_control = u.buf;
    rh.msg_controllen = sizeof u.buf;
    ssize_t n = recvmsg(sv[1], &rh, 0);
    printf("recvmsg=%zd [%s] controllen>0=%d flags=%d\n", n, in, rh.msg_controllen > 0, rh.msg_flags);
    int got_fd = -1, got_cred = 0;
    for (cm = CMSG_FIRSTHDR(&rh); cm; cm = CMSG_NXTHDR(&rh, cm)) {
        if (cm->cmsg_type == SCM_RIGHTS)
            memcpy(&got_fd, CMSG_DATA(cm), sizeof(int));
        if (cm->cmsg_type == SCM_CREDENTIALS) {
            struct ucred cr;
            memcpy(&cr, CMSG_DATA(cm), sizeof cr);
            got_cred = cr.pid == getpid() && cr.uid == getuid() && cr.gid == getgid();
        }
    }
    char fb[16] = {0};
    CHECK("received fd reads the pipe", got_fd >= 0 && read(got_fd, fb, 10) == 10 && !strcmp(fb, "through-fd"));
    CHECK("SCM_CREDENTIALS matches getpid/getuid", got_cred);
    close(got_fd);
    close(p[0]);
    close(p[1]);
    CHECK("shutdown(SHUT_WR)", shutdown(sv[0], SHUT_WR) == 0);
    CHECK("read after peer shutdown: EOF", read(sv[1], fb, 1) == 0);
    close(sv[0]);
    close(sv[1]);

    /* A listening AF_UNIX socket at a path, connect, accept4, names. */
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/sock", dir);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("bind", bind(l, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK("listen", listen(l, 4) == 0);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("connect", connect(c, (struct sockaddr *)&sa, sizeof sa) == 0);
    struct sockaddr_un peer;
    socklen_t pl = sizeof peer;
    int a = accept4(l, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
    CHECK("accept4", a >= 0 && (fcntl(a, F_GETFD) & FD_CLOEXEC));
    struct sockaddr_un nm;
    socklen_t nl = sizeof nm;
    CHECK("getpeername", getpeername(c, (struct sockaddr *)&nm, &nl) == 0 && !strcmp(nm.sun_path, sa.sun_path));
    nl = sizeof nm;
    CHECK("getsockname", getsockname(l, (struct sockaddr *)&nm, &nl) == 0 && !strcmp(nm.sun_path, sa.sun_path));
    CHECK("sendto/recvfrom", sendto(c, "hi", 2, 0, NULL, 0) == 2 && recvfrom(a, fb, 2, 0, NULL, NULL) == 2);
    close(a);
    close(c);
    close(l);
    unlink(sa.sun_path);

    /* Datagram sockets with addresses. */
    int d1 = socket(AF_UNIX, SOCK_DGRAM, 0), d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un a1 = {.sun_family = AF_UNIX}, a2 = {.sun_family = AF_UNIX};
    snprintf(a1.sun_path, sizeof a1.sun_path, "%s/d1", dir);
    snprintf(a2.sun_path, sizeof a2.sun_path, "%s/d2", dir);
    bind(d1, (struct sockaddr *)&a1, sizeof a1);
    bind(d2, (struct sockaddr *)&a2, sizeof a2);
    sendto(d1, "dgram", 5, 0, (struct sockaddr *)&a2, sizeof a2);
    struct sockaddr_un from;
    socklen_t fl = sizeof from;
    memset(fb, 0, sizeof fb);
    n = recvfrom(d2, fb, sizeof fb, 0, (struct sockaddr *)&from, &fl);
    CHECK("datagram recvfrom with source", n == 5 && !strcmp(fb, "dgram") && !strcmp(from.sun_path, a1.sun_path));
    close(d1);
    close(d2);
    unlink(a1.sun_path);
    unlink(a2.sun_path);
    errno = 0;
    CHECK("socket(bad family): EAFNOSUPPORT", socket(12345, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT);
}

static void events(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int ev = eventfd(0, EFD_NONBLOCK);
    struct epoll_event e = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ULL};
    CHECK("epoll_ctl(ADD eventfd)", epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e) == 0);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct epoll_event e2 = {.events = EPOLLIN, .data.u64 = 0xaabbccddeeff0011ULL};
    CHECK("epoll_ctl(ADD timerfd)", epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &e2) == 0);
    struct epoll_event out[4];
    memset(out, 0x5a, sizeof out);
    CHECK("epoll_wait: nothing ready", epoll_wait(ep, out, 4, 0) == 0);
    uint64_t one = 3;
    CHECK("eventfd write", write(ev, &one, 8) == 8);
    int n = epoll_wait(ep, out, 4, 1000);
    printf("epoll_wait=%d events=%x data=%llx\n", n, out[0].events, (unsigned long long)out[0].data.u64);
    struct itimerspec its = {.it_value = {0, 20 * 1000 * 1000}};
    CHECK("timerfd_settime", timerfd_settime(tfd, 0, &its, NULL) == 0);
    struct itimerspec cur;
    CHECK("timerfd_gettime", timerfd_gettime(tfd, &cur) == 0 && cur.it_value.tv_sec == 0);
    uint64_t v = 0;
    CHECK("eventfd read", read(ev, &v, 8) == 8 && v == 3);
    sigset_t none;
    sigemptyset(&none);
    n = epoll_pwait(ep, out, 4, 2000, &none);
    printf("epoll_pwait=%d data=%llx\n", n, (unsigned long long)out[0].data.u64);
    CHECK("timerfd read: 1 expiration", read(tfd, &v, 8) == 8 && v == 1);
    CHECK("epoll_ctl(DEL)", epoll_ctl(ep, EPOLL_CTL_DEL, tfd, NULL) == 0);
    close(tfd);
    close(ev);
    close(ep);

    /* signalfd: a blocked signal read as a struct signalfd_siginfo. */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, NULL);
    int sfd = signalfd(-1, &s, SFD_CLOEXEC);
    CHECK("signalfd", sfd >= 0);
    kill(getpid(), SIGUSR2);
    struct pollfd pf = {sfd, POLLIN, 0};
    CHECK("poll(signalfd)", poll(&pf, 1, 2000) == 1 && (pf.revents & POLLIN));
    struct signalfd_siginfo si;
    CHECK("signalfd read", read(sfd, &si, sizeof si) == sizeof si && si.ssi_signo == SIGUSR2 &&
                               si.ssi_pid == (uint32_t)getpid());
    close(sfd);
    sigprocmask(SIG_UNBLOCK, &s, NULL);

    /* inotify: a file created in the watched directory. */
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int wd = inotify_add_watch(in, dir, IN_CREATE);
    CHECK("inotify_add_watch", wd >= 0);
    char p[128];
    snprintf(p, sizeof p, "%s/created", dir);
    close(open(p, O_CREAT | O_WRONLY, 0600));
    char buf[512] __attribute__((aligned(8)));
    ssize_t r = read(in, buf, sizeof buf);
    struct inotify_event *ie = (struct inotify_event *)buf;
    CHECK("inotify event", r > 0 && (ie->mask & IN_CREATE) && !strcmp(ie->name, "created"));
    CHECK("inotify_rm_watch", inotify_rm_watch(in, wd) == 0);
    close(in);
    unlink(p);

    /* select/pselect on a pipe. */
    int pp[2];
    if (pipe2(pp, O_CLOEXEC) != 0)
        return;
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(pp[0], &rs);
    struct timeval tv = {0, 0};
    CHECK("select: empty pipe not ready", select(pp[0] + 1, &rs, NULL, NULL, &tv) == 0);
    if (write(pp[1], "x", 1) != 1)
        return;
    FD_SET(pp[0], &rs);
    struct timespec tz = {1, 0};
    CHECK("pselect: ready", pselect(pp[0] + 1, &rs, NULL, NULL, &tz, &none) == 1 && FD_ISSET(pp[0], &rs));
    int fl = fcntl(pp[0], F_GETFD);
    CHECK("pipe2(O_CLOEXEC)", fl & FD_CLOEXEC);
    int d = dup3(pp[0], 100, O_CLOEXEC);
    CHECK("dup3", d == 100 && (fcntl(100, F_GETFD) & FD_CLOEXEC));
    errno = 0;
    CHECK("dup3 same fd: EINVAL", dup3(100, 100, 0) == -1 && errno == EINVAL);
    close(100);
    close(pp[0]);
    close(pp[1]);
}

static void terminals(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    CHECK("posix_openpt", m >= 0);
    CHECK("grantpt/unlockpt", grantpt(m) == 0 && unlockpt(m) == 0);
    char *name = ptsname(m);
    CHECK("ptsname (TIOCGPTN)", name && strncmp(name, "/dev/pts/", 9) == 0);
    int s = open(name, O_RDWR | O_NOCTTY);
    CHECK("open the pty slave", s >= 0);
    CHECK("isatty", isatty(s) && !isatty(1 + 1000));
    struct termios t;
    CHECK("tcgetattr", tcgetattr(s, &t) == 0);
    t.c_lflag &= ~(ICANON | ECHO);
    CHECK("tcsetattr", tcsetattr(s, TCSANOW, &t) == 0);
    struct termios t2;
    CHECK("tcsetattr took", tcgetattr(s, &t2) == 0 && !(t2.c_lflag & ICANON));
    struct winsize ws = {.ws_row = 33, .ws_col = 101};
    CHECK("TIOCSWINSZ", ioctl(m, TIOCSWINSZ, &ws) == 0);
    struct winsize w2 = {0};
    CHECK("TIOCGWINSZ", ioctl(s, TIOCGWINSZ, &w2) == 0 && w2.ws_row == 33 && w2.ws_col == 101);
    if (write(m, "abc", 3) != 3)
        return;
    int avail = 0;
    struct pollfd pf = {s, POLLIN, 0};
    poll(&pf, 1, 1000);
    CHECK("FIONREAD", ioctl(s, FIONREAD, &avail) == 0 && avail == 3);
    int nb = 1;
    CHECK("FIONBIO", ioctl(s, FIONBIO, &nb) == 0 && (fcntl(s, F_GETFL) & O_NONBLOCK));
    close(s);
    close(m);
}

static void data(void)
{
    int m = memfd_create("xlat", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    CHECK("memfd_create", m >= 0);
    if (write(m, "memfd contents\n", 15) != 15)
        return;
    CHECK("F_ADD_SEALS", fcntl(m, F_ADD_SEALS, F_SEAL_GROW) == 0 && fcntl(m, F_GET_SEALS) == F_SEAL_GROW);
    char p[128];
    snprintf(p, sizeof p, "%s/copy", dir);
    int f = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    off_t so = 0;
    ssize_t n = sendfile(f, m, &so, 15);
    printf("sendfile=%zd off=%lld\n", n, (long long)so);
    char p2[128];
    snprintf(p2, sizeof p2, "%s/copy2", dir);
    int g = open(p2, O_CREAT | O_RDWR | O_TRUNC, 0600);
    loff_t off = 6;
    n = copy_file_range(f, &off, g, NULL, 9, 0);
    printf("copy_file_range=%zd off=%lld\n", n, (long long)off);
    char cb[16] = {0};
    CHECK("copy_file_range data", pread(g, cb, sizeof cb, 0) == 9 && !strcmp(cb, "contents\n"));
    close(g);
    unlink(p2);
    int pp[2];
    if (pipe(pp) != 0)
        return;
    loff_t lo = 0;
    n = splice(m, &lo, pp[1], NULL, 5, 0);
    printf("splice file->pipe=%zd\n", n);
    int q[2];
    if (pipe(q) != 0)
        return;
    printf("tee=%zd\n", tee(pp[0], q[1], 5, 0));
    n = splice(pp[0], NULL, f, NULL, 5, 0);
    printf("splice pipe->file=%zd\n", n);
    char b[64] = {0};
    n = pread(f, b, sizeof b - 1, 0);
    printf("file: %zd [%s]\n", n, strtok(b, "\n") ? b : "");
    memset(b, 0, sizeof b);
    CHECK("tee copy readable", read(q[0], b, 5) == 5 && !strcmp(b, "memfd"));

    /* Record locks: a child sees the parent's lock with F_GETLK. */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 2, .l_len = 3};
    CHECK("F_SETLK write lock", fcntl(f, F_SETLK, &fl) == 0);
    pid_t c = fork();
    if (c == 0) {
        struct flock q2 = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
        if (fcntl(f, F_GETLK, &q2) != 0)
            _exit(2);
        _exit(q2.l_type == F_WRLCK && q2.l_start == 2 && q2.l_len == 3 && q2.l_pid == getppid() ? 0 : 1);
    }
    int st;
    waitpid(c, &st, 0);
    CHECK("F_GETLK in a child sees the lock", WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK("flock", flock(f, LOCK_EX | LOCK_NB) == 0 && flock(f, LOCK_UN) == 0);

    /* xattrs: results depend on the file system, so compare them. */
    int sr = fsetxattr(f, "user.xlat", "value", 5, 0);
    if (sr == 0) {
        char v[16] = {0};
        CHECK("fgetxattr", fgetxattr(f, "user.xlat", v, sizeof v) == 5 && !strcmp(v, "value"));
        CHECK("getxattr size query", getxattr(p, "user.xlat", NULL, 0) == 5);
        char list[64];
        ssize_t ll = listxattr(p, list, sizeof list);
        CHECK("listxattr", ll >= 10 && memmem(list, ll, "user.xlat", 10) != NULL);
        CHECK("removexattr", removexattr(p, "user.xlat") == 0);
        errno = 0;
        CHECK("lgetxattr after remove: ENODATA", lgetxattr(p, "user.xlat", v, sizeof v) == -1 && errno == ENODATA);
    } else {
        printf("xattrs not supported here (errno %s)\n", errno == ENOTSUP ? "ENOTSUP" : "other");
    }
    struct statfs sf;
    CHECK("fstatfs", fstatfs(f, &sf) == 0 && sf.f_bsize > 0 && sf.f_namelen == 255);
    struct statfs sf2;
    CHECK("statfs == fstatfs", statfs(p, &sf2) == 0 && sf2.f_type == sf.f_type && sf2.f_blocks == sf.f_blocks);
    close(f);
    unlink(p);
    close(m);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    snprintf(dir, sizeof dir, "/tmp/xlat-unixapi-%d", getpid());
    if (mkdir(dir, 0700) != 0) {
        perror("mkdir");
        return 1;
    }
    ids();
    prctls();
    sockets();
    events();
    terminals();
    data();
    rmdir(dir);
    return 0;
}
