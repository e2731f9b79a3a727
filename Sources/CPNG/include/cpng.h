#ifndef CPNG_H
#define CPNG_H
// libpng behind a setjmp-free C interface: Swift cannot catch longjmp, so every libpng call
// that may fail runs inside a shim that returns an error code and message instead.
#include <stddef.h>
#include <stdint.h>

/// Result codes of the shim; 0 is success.
enum {
  CPNG_OK = 0,
  CPNG_ERR_OPEN = 1,     // fopen failed (errno in the message)
  CPNG_ERR_LIBPNG = 2,   // libpng reported an error (its text in the message)
  CPNG_ERR_ARGUMENT = 3, // bad width, height or channel count
  CPNG_ERR_MEMORY = 4,   // allocation failed
  CPNG_ERR_FORMAT = 5    // not a PNG file
};

/// Encodes an 8-bit RGB (channels 3) or RGBA (channels 4) image, rows top to bottom, each
/// `stride` bytes apart, as PNG in memory. On failure returns a CPNG_ERR_* code and writes a
/// NUL-terminated message into `message` (capacity `message_capacity`). On success `*out`
/// holds `*out_size` bytes from malloc, which the caller frees with cpng_free.
int cpng_write_memory(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                      size_t stride, uint8_t **out, size_t *out_size, char *message,
                      size_t message_capacity);

/// Reads any PNG from `path`, converted to 8-bit RGBA. On success `*pixels` holds
/// `width * height * 4` bytes from malloc, which the caller frees with cpng_free.
int cpng_read_rgba(const char *path, uint8_t **pixels, uint32_t *width, uint32_t *height,
                   char *message, size_t message_capacity);

/// Frees a buffer returned by the shim.
void cpng_free(void *buffer);

#endif
