/* pthread_cancel of a thread blocked in sleep() (deferred cancellation,
 * cleanup handler runs) and of a thread spinning with asynchronous
 * cancellation: both joins return PTHREAD_CANCELED. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static void cleanup(void *a){ (void)a; printf("cleanup ran\n"); }
static void *t(void *a){ (void)a; pthread_cleanup_push(cleanup, NULL); for(;;) sleep(10); pthread_cleanup_pop(0); return NULL; }
static void *spin(void *a){ (void)a; pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL); volatile unsigned long n=0; for(;;) n++; return NULL; }
int main(void){
  setvbuf(stdout,NULL,_IONBF,0);
  pthread_t th; pthread_create(&th,NULL,t,NULL); usleep(50000);
  pthread_cancel(th); void *r; pthread_join(th,&r);
  printf("blocked thread canceled=%d\n", r==PTHREAD_CANCELED);
  pthread_create(&th,NULL,spin,NULL); usleep(50000);
  pthread_cancel(th); pthread_join(th,&r);
  printf("spinning thread canceled=%d\n", r==PTHREAD_CANCELED);
  return 0;}
