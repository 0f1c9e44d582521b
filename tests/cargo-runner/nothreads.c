/*
 * Guest LD_PRELOAD library used by tests/tests/cargo_runner.rs only while
 * xlat cannot create threads: pthread_create fails with EAGAIN, which Rust
 * reports as io::ErrorKind::WouldBlock, and on that error libtest runs the
 * test on the main thread instead of giving up.
 */
#include <errno.h>
#include <pthread.h>

int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                   void *(*start)(void *), void *arg)
{
    (void)thread;
    (void)attr;
    (void)start;
    (void)arg;
    return EAGAIN;
}
