// OpenBLAS's CBLAS interface (sgemm, sbgemm for bf16 inputs) and its thread control.
#include <cblas.h>
