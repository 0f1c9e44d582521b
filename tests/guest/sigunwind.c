/* _Unwind_Backtrace from inside signal handlers must walk through the
 * signal frame into the interrupted code: after a raise() (the handler
 * interrupts a syscall), after an asynchronous timer signal in a leaf
 * loop (the interrupted frame's return address is still in a register
 * on RISC machines) and after a SIGSEGV from a load (the resume address
 * is the faulting instruction itself); and glibc's backtrace() from a
 * SIGSEGV handler (on PowerPC it follows the stack back chain and recognises the
 * vDSO's __kernel_sigtramp_rt64). Each walk reports which of the
 * functions it was looking for it found, and in which order. An "[arch]"
 * line describes the vDSO, if any: the permissions and name of the
 * /proc/self/maps line at AT_SYSINFO_EHDR and the soname dl_iterate_phdr
 * reports for it. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <execinfo.h>
#include <link.h>
#include <unwind.h>

struct walk {
  uintptr_t want[4];
  int at[4];
  int frames;
};

static struct walk w;
static volatile sig_atomic_t done;
static sigjmp_buf env;

static _Unwind_Reason_Code step(struct _Unwind_Context *c, void *arg) {
  struct walk *p = arg;
  uintptr_t f = _Unwind_GetRegionStart(c);
  p->frames++;
  for (int i = 0; i < 4; i++)
    if (p->want[i] && f == p->want[i] && !p->at[i])
      p->at[i] = p->frames;
  return p->frames < 100 ? _URC_NO_REASON : _URC_END_OF_STACK;
}

static void report(const char *what) {
  static const char *names[4] = {"handler", "victim", "main", "extra"};
  printf("%s:", what);
  int ordered = 1, last = 0;
  for (int i = 0; i < 4 && w.want[i]; i++) {
    printf(" %s=%d", names[i], w.at[i] != 0);
    if (w.at[i] <= last) ordered = 0;
    last = w.at[i];
  }
  printf(" ordered=%d\n", ordered);
}

static void walk_from(void (*handler)(int), void *victim) {
  memset(&w, 0, sizeof w);
  w.want[0] = (uintptr_t)handler;
  w.want[1] = (uintptr_t)victim;
  extern int main(void);
  w.want[2] = (uintptr_t)main;
  _Unwind_Backtrace(step, &w);
}

static void on_usr1(int sig);
__attribute__((noinline)) static void raiser(void) {
  raise(SIGUSR1);
  __asm__ volatile("" ::: "memory");
}
static void on_usr1(int sig) { (void)sig; walk_from(on_usr1, (void *)raiser); done = 1; }

static void on_segv_bt(int sig);
__attribute__((noinline)) static int loader2(volatile int *p) { return *p + 2; }
static void on_segv_bt(int sig) {
  (void)sig;
  void *pcs[64];
  int n = backtrace(pcs, 64);
  memset(&w, 0, sizeof w);
  w.want[0] = (uintptr_t)on_segv_bt;
  w.want[1] = (uintptr_t)loader2;
  extern int main(void);
  w.want[2] = (uintptr_t)main;
  for (int k = 0; k < n; k++) {
    /* A return address lies after its call; the interrupted PC is the
       faulting instruction itself. */
    uintptr_t pc = (uintptr_t)pcs[k];
    uintptr_t f = (uintptr_t)_Unwind_FindEnclosingFunction((void *)(pc + 1));
    for (int i = 0; i < 3; i++)
      if (f == w.want[i] && !w.at[i]) w.at[i] = k + 1;
  }
  siglongjmp(env, 1);
}

static void on_alrm(int sig);
__attribute__((noinline)) static unsigned long spinner(void) {
  unsigned long n = 0;
  while (!done) n++;
  return n;
}
static void on_alrm(int sig) { (void)sig; walk_from(on_alrm, (void *)spinner); done = 1; }

static void on_segv(int sig);
__attribute__((noinline)) static int loader(volatile int *p) { return *p + 1; }
static void on_segv(int sig) {
  (void)sig;
  walk_from(on_segv, (void *)loader);
  siglongjmp(env, 1);
}

static int vdso_name(struct dl_phdr_info *i, size_t size, void *arg) {
  (void)size;
  const char **name = arg;
  for (int k = 0; k < i->dlpi_phnum; k++)
    if (i->dlpi_phdr[k].p_type == PT_LOAD && i->dlpi_phdr[k].p_offset == 0 &&
        i->dlpi_addr + i->dlpi_phdr[k].p_vaddr == getauxval(AT_SYSINFO_EHDR)) {
      *name = i->dlpi_name;
      return 1;
    }
  return 0;
}

static void describe_vdso(void) {
  unsigned long at = getauxval(AT_SYSINFO_EHDR);
  if (!at) {
    printf("[arch] vdso: none\n");
    return;
  }
  char line[512], perms[8] = "?", name[64] = "?";
  FILE *f = fopen("/proc/self/maps", "r");
  while (f && fgets(line, sizeof line, f)) {
    unsigned long start;
    if (sscanf(line, "%lx-%*x %7s %*s %*s %*s %63s", &start, perms, name) >= 2 && start == at)
      break;
    strcpy(perms, "?");
    strcpy(name, "?");
  }
  if (f) fclose(f);
  const char *soname = "?";
  dl_iterate_phdr(vdso_name, &soname);
  printf("[arch] vdso: maps %s %s, soname %s\n", perms, name, soname);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGUSR1, on_usr1);
  raiser();
  report("raise");


  done = 0;
  signal(SIGALRM, on_alrm);
  struct itimerval it = {{0, 0}, {0, 20000}};
  setitimer(ITIMER_REAL, &it, NULL);
  spinner();
  report("timer");

  signal(SIGSEGV, on_segv);
  if (!sigsetjmp(env, 1)) loader((volatile int *)16);
  report("fault");

  signal(SIGSEGV, on_segv_bt);
  if (!sigsetjmp(env, 1)) loader2((volatile int *)16);
  report("backtrace");

  describe_vdso();
  return 0;
}
