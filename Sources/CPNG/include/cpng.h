#ifndef CPNG_H
#define CPNG_H
// libpng behind a setjmp-free C interface: Swift cannot catch longjmp, so every libpng call
// that may fail runs inside a shim that returns an error code and message instead.
#include <stddef.h>
#include <stdint.h>

/// The libpng version the program runs against, e.g. "1.6.39".
const char *cpng_libpng_version(void);

#endif
