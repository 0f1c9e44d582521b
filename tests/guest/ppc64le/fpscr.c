/* The portable fpedge program (FP edge cases, rounding modes and the
 * exception flags fetestexcept reads from FPSCR) built for ppc64le, with
 * its own expected output from qemu-ppc64le: Power raises no invalid
 * exception for an ordered comparison with a quiet NaN (fcmpu), unlike
 * AArch64 and x86-64, so the shared expected file does not fit. */
#include "../fpedge.c"
