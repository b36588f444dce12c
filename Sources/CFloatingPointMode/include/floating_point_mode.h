// Flush-to-zero for subnormal doubles, on the calling thread, around a kernel that must not
// pay for them (SXNumerics' band LU). On x86 an arithmetic operation with a subnormal operand
// or result takes a microcode assist of about a hundred cycles; a cascade Jacobian whose trace
// species sit near 1e-300 has a few hundred such entries and its factors a few hundred more.
#ifndef SXSIM_FLOATING_POINT_MODE_H
#define SXSIM_FLOATING_POINT_MODE_H

/// Sets flush-to-zero (results) and denormals-are-zero (operands) on this thread and returns
/// the previous mode for `sxsim_restore_floating_point_mode`. A no-op (returning 0) on
/// architectures other than x86-64 and AArch64.
unsigned long sxsim_flush_subnormals_to_zero(void);

/// Restores the mode returned by `sxsim_flush_subnormals_to_zero`.
void sxsim_restore_floating_point_mode(unsigned long mode);

#endif
