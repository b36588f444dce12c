// Hand-written declarations of the Fortran LAPACK routines SXSim calls.
// Debian's liblapack-dev ships no C header. Fortran conventions: lower case
// with a trailing underscore, every argument by pointer, INTEGER is 32-bit,
// arrays column-major. None of these routines takes a CHARACTER argument
// except dgbtrs_ / dgetrs_, whose hidden string length follows the regular
// arguments.
#ifndef SXSIM_CLAPACK_SHIM_H
#define SXSIM_CLAPACK_SHIM_H
#include <stddef.h>

/// LU factorisation of a general band matrix (band storage with kl extra rows).
void dgbtrf_(const int *m, const int *n, const int *kl, const int *ku,
             double *ab, const int *ldab, int *ipiv, int *info);

/// Solve with the LU factors from dgbtrf_.
void dgbtrs_(const char *trans, const int *n, const int *kl, const int *ku,
             const int *nrhs, const double *ab, const int *ldab,
             const int *ipiv, double *b, const int *ldb, int *info,
             size_t trans_len);

/// LU factorisation of a general dense matrix.
void dgetrf_(const int *m, const int *n, double *a, const int *lda,
             int *ipiv, int *info);

/// Solve with the LU factors from dgetrf_.
void dgetrs_(const char *trans, const int *n, const int *nrhs,
             const double *a, const int *lda, const int *ipiv, double *b,
             const int *ldb, int *info, size_t trans_len);

/// Dense solve (LU with partial pivoting) in one call.
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda,
            int *ipiv, double *b, const int *ldb, int *info);

#endif
