/* Static glibc hello world: the first C program to run under xlat. */
#include <stdio.h>

int main(void)
{
    printf("Hello, world!\n");
    return 0;
}
