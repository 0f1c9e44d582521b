/* sigwaitinfo/sigtimedwait: a queued blocked signal is taken with its
 * siginfo, a timer signal is waited for, and a timeout gives EAGAIN. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
int main(void){
  sigset_t s; sigemptyset(&s); sigaddset(&s,SIGUSR1); sigaddset(&s,SIGALRM);
  sigprocmask(SIG_BLOCK,&s,NULL);
  raise(SIGUSR1);
  siginfo_t si; int r=sigwaitinfo(&s,&si);
  printf("sigwaitinfo=%d code=%d\n",r,si.si_code);
  alarm(1);
  r=sigwaitinfo(&s,&si);
  printf("alarm via sigwaitinfo=%d\n",r);
  struct timespec t={0,10000000};
  r=sigtimedwait(&s,&si,&t);
  printf("timeout=%d errno=%s\n",r,errno==EAGAIN?"EAGAIN":"?");
  return 0;}
