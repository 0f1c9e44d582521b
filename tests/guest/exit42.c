/* exit(42): the exit status must reach the host shell unchanged. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    puts("exiting with 42");
    fflush(stdout);
    exit(42);
}
