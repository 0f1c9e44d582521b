/* Memory syscalls of issue #4 beyond mmap: msync of a shared file
 * mapping, mlock/munlock/mlock2, and SysV shared memory (shmget, shmat
 * anywhere and at an address, SHM_RND, SHM_REMAP, SHM_RDONLY, a child
 * process writing through its own attachment, shmctl IPC_STAT/IPC_SET/
 * IPC_RMID, shmdt), each with Linux's errors for bad arguments. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long r)
{
    if (r < 0)
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %ld\n", what, r);
}

static void msync_file(void)
{
    char path[] = "/tmp/xlat-memsys-XXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    if (ftruncate(fd, 8192) != 0)
        perror("ftruncate");
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    strcpy(p + 4096, "written through the mapping");
    show("msync MS_SYNC", msync(p, 8192, MS_SYNC));
    show("msync MS_ASYNC|MS_INVALIDATE", msync(p + 4096, 100, MS_ASYNC | MS_INVALIDATE));
    char buf[64] = {0};
    if (pread(fd, buf, 27, 4096) != 27)
        perror("pread");
    printf("file reads: %s\n", buf);
    show("msync misaligned", msync(p + 1, 10, MS_SYNC));
    show("msync MS_ASYNC|MS_SYNC", msync(p, 4096, MS_ASYNC | MS_SYNC));
    show("msync bad flag", msync(p, 4096, 0x40));
    munmap(p, 8192);
    show("msync unmapped", msync(p, 4096, MS_SYNC));
    close(fd);
}

static void locks(void)
{
    char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    show("mlock (unaligned start)", mlock(p + 100, 4096));
    show("munlock", munlock(p + 100, 4096));
    show("mlock2 MLOCK_ONFAULT", syscall(SYS_mlock2, p, 8192, 1));
    show("mlock2 bad flag", syscall(SYS_mlock2, p, 8192, 2));
    show("munlock all three", munlock(p, 3 * 4096));
    show("mlock length 0", mlock(p, 0));
    munmap(p + 4096, 4096);
    show("mlock over a hole", mlock(p, 3 * 4096));
    show("munlock over a hole", munlock(p, 3 * 4096));
    munmap(p, 3 * 4096);
}

static sigjmp_buf jb;
static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(jb, 1);
}

static int maps_has(const char *needle)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

static void sysv_shm(void)
{
    int id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
    printf("shmget: %s\n", id >= 0 ? "ok" : strerrorname_np(errno));
    char *a = shmat(id, NULL, 0);
    printf("shmat anywhere: %s\n", a != (void *)-1 ? "ok" : strerrorname_np(errno));
    strcpy(a, "parent");
    printf("maps lines with SYSV: %d\n", maps_has("/SYSV00000000"));
    pid_t c = fork();
    if (c == 0) {
        char *b = shmat(id, NULL, 0);
        strcpy(b + 4096, "child");
        shmdt(b);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("after the child: %s, %s\n", a, a + 4096);

    struct shmid_ds ds;
    show("IPC_STAT", shmctl(id, IPC_STAT, &ds));
    printf("segsz %zu nattch %lu mode %o cpid is me %d\n", (size_t)ds.shm_segsz,
           (unsigned long)ds.shm_nattch, ds.shm_perm.mode & 0777, ds.shm_cpid == getpid());
    ds.shm_perm.mode = 0640;
    show("IPC_SET", shmctl(id, IPC_SET, &ds));
    memset(&ds, 0, sizeof ds);
    shmctl(id, IPC_STAT, &ds);
    printf("mode now %o\n", ds.shm_perm.mode & 0777);

    /* At an address: over a mapping only with SHM_REMAP. */
    char *m = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    errno = 0;
    printf("shmat over a mapping: %s\n", shmat(id, m, 0) == (void *)-1 ? strerrorname_np(errno) : "attached");
    char *r = shmat(id, m + 4096, SHM_REMAP);
    printf("shmat SHM_REMAP: %s, sees %s\n", r == m + 4096 ? "at the address" : "elsewhere", r);
    printf("shmat misaligned: %s\n", shmat(id, m + 10, 0) == (void *)-1 ? strerrorname_np(errno) : "attached");
    show("shmdt", shmdt(r));
    munmap(m, 4 * 4096);
    char *rnd = shmat(id, m + 4096 + 123, SHM_RND);
    printf("shmat SHM_RND: %s\n", rnd == m + 4096 ? "rounded down" : "elsewhere");
    shmdt(rnd);

    /* Read-only: a write faults. */
    char *ro = shmat(id, NULL, SHM_RDONLY);
    printf("read-only sees %s\n", ro);
    signal(SIGSEGV, on_segv);
    if (sigsetjmp(jb, 1) == 0) {
        ro[0] = 'x';
        printf("write to a read-only attachment: no fault\n");
    } else {
        printf("write to a read-only attachment: SIGSEGV\n");
    }
    signal(SIGSEGV, SIG_DFL);
    shmdt(ro);

    show("shmdt not attached", shmdt(a + 4096));
    show("shmdt", shmdt(a));
    show("IPC_RMID", shmctl(id, IPC_RMID, NULL));
    errno = 0;
    printf("shmat removed: %s\n", shmat(id, NULL, 0) == (void *)-1 ? strerrorname_np(errno) : "attached");
    printf("maps lines with SYSV: %d\n", maps_has("/SYSV00000000"));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    msync_file();
    locks();
    sysv_shm();
    return 0;
}
