/* NULL dereference with no handler installed: the process must die of SIGSEGV. */
#include <stdio.h>

int main(void)
{
    volatile int *p = (volatile int *)0;
    puts("before fault");
    fflush(stdout);
    *p = 1;
    puts("after fault (must not be printed)");
    return 0;
}
