#include "floating_point_mode.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>

unsigned long sxsim_flush_subnormals_to_zero(void) {
    unsigned int mode = _mm_getcsr();
    _mm_setcsr(mode | 0x8040u);   // MXCSR bit 15 FTZ, bit 6 DAZ
    return mode;
}

void sxsim_restore_floating_point_mode(unsigned long mode) {
    _mm_setcsr((unsigned int)mode);
}

#elif defined(__aarch64__)

unsigned long sxsim_flush_subnormals_to_zero(void) {
    unsigned long mode;
    __asm__ volatile("mrs %0, fpcr" : "=r"(mode));
    __asm__ volatile("msr fpcr, %0" : : "r"(mode | (1ul << 24)));   // FPCR.FZ
    return mode;
}

void sxsim_restore_floating_point_mode(unsigned long mode) {
    __asm__ volatile("msr fpcr, %0" : : "r"(mode));
}

#else

unsigned long sxsim_flush_subnormals_to_zero(void) { return 0; }
void sxsim_restore_floating_point_mode(unsigned long mode) { (void)mode; }

#endif
