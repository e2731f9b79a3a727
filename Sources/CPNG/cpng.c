// libpng shim: every function that calls into libpng sets up its own setjmp error path here,
// in C, and turns a longjmp into an error code plus message for Swift.
#include "cpng.h"
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Error context handed to libpng: the message buffer to fill before longjmp.
typedef struct {
  char *message;
  size_t capacity;
} cpng_error_context;

static void cpng_set_message(char *message, size_t capacity, const char *text) {
  if (message == NULL || capacity == 0) return;
  snprintf(message, capacity, "%s", text);
}

static void cpng_on_error(png_structp png, png_const_charp text) {
  cpng_error_context *context = (cpng_error_context *)png_get_error_ptr(png);
  if (context != NULL) cpng_set_message(context->message, context->capacity, text);
  png_longjmp(png, 1);
}

static void cpng_on_warning(png_structp png, png_const_charp text) {
  (void)png;
  (void)text;
}

static int cpng_check_arguments(uint32_t width, uint32_t height, uint32_t channels,
                                size_t stride, char *message, size_t capacity) {
  if (width == 0 || height == 0 || width > 1000000 || height > 1000000) {
    cpng_set_message(message, capacity, "width and height must be between 1 and 1000000");
    return CPNG_ERR_ARGUMENT;
  }
  if (channels != 3 && channels != 4) {
    cpng_set_message(message, capacity, "channels must be 3 (RGB) or 4 (RGBA)");
    return CPNG_ERR_ARGUMENT;
  }
  if (stride < (size_t)width * channels) {
    cpng_set_message(message, capacity, "stride is smaller than width * channels");
    return CPNG_ERR_ARGUMENT;
  }
  return CPNG_OK;
}

// Writes the image through an already configured png_struct (memory sink).
// Returns 0, or 1 after a longjmp (the message is already set).
static int cpng_write_rows(png_structp png, png_infop info, const uint8_t *pixels, uint32_t width,
                           uint32_t height, uint32_t channels, size_t stride) {
  if (setjmp(png_jmpbuf(png))) return 1;
  png_set_IHDR(png, info, width, height, 8,
               channels == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  // Figures are flat colour in horizontal bands: the Up filter alone (rows repeat) at zlib level 1
  // is nearly as small as adaptive filtering at level 6 and several times faster.
  png_set_filter(png, 0, PNG_FILTER_UP);
  png_set_compression_level(png, 1);
  png_write_info(png, info);
  for (uint32_t y = 0; y < height; y++) {
    png_write_row(png, (png_const_bytep)(pixels + (size_t)y * stride));
  }
  png_write_end(png, info);
  return 0;
}

// Growing buffer for in-memory encoding.
typedef struct {
  uint8_t *bytes;
  size_t size;
  size_t capacity;
  int failed;
} cpng_buffer;

static void cpng_buffer_write(png_structp png, png_bytep data, png_size_t length) {
  cpng_buffer *buffer = (cpng_buffer *)png_get_io_ptr(png);
  if (buffer->size + length > buffer->capacity) {
    size_t capacity = buffer->capacity == 0 ? 4096 : buffer->capacity;
    while (capacity < buffer->size + length) capacity *= 2;
    uint8_t *bytes = (uint8_t *)realloc(buffer->bytes, capacity);
    if (bytes == NULL) {
      buffer->failed = 1;
      png_error(png, "out of memory while encoding the PNG");
    }
    buffer->bytes = bytes;
    buffer->capacity = capacity;
  }
  memcpy(buffer->bytes + buffer->size, data, length);
  buffer->size += length;
}

static void cpng_buffer_flush(png_structp png) { (void)png; }

int cpng_write_memory(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                      size_t stride, uint8_t **out, size_t *out_size, char *message,
                      size_t message_capacity) {
  *out = NULL;
  *out_size = 0;
  int status = cpng_check_arguments(width, height, channels, stride, message, message_capacity);
  if (status != CPNG_OK) return status;
  cpng_error_context context = {message, message_capacity};
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, cpng_on_error, cpng_on_warning);
  png_infop info = png == NULL ? NULL : png_create_info_struct(png);
  if (png == NULL || info == NULL) {
    png_destroy_write_struct(&png, &info);
    cpng_set_message(message, message_capacity, "libpng could not allocate its structures");
    return CPNG_ERR_MEMORY;
  }
  cpng_buffer buffer = {NULL, 0, 0, 0};
  png_set_write_fn(png, &buffer, cpng_buffer_write, cpng_buffer_flush);
  int failed = cpng_write_rows(png, info, pixels, width, height, channels, stride);
  png_destroy_write_struct(&png, &info);
  if (failed) {
    free(buffer.bytes);
    return buffer.failed ? CPNG_ERR_MEMORY : CPNG_ERR_LIBPNG;
  }
  *out = buffer.bytes;
  *out_size = buffer.size;
  return CPNG_OK;
}

// Decodes rows into `*pixels` after the header is read. Returns 0, or 1 after a longjmp.
static int cpng_read_rows(png_structp png, png_infop info, uint8_t **pixels, uint32_t *width,
                          uint32_t *height, int *out_of_memory) {
  png_bytep *volatile rows = NULL;  // volatile: read after longjmp
  if (setjmp(png_jmpbuf(png))) {
    free(rows);
    free(*pixels);
    *pixels = NULL;
    return 1;
  }
  png_read_info(png, info);
  png_uint_32 w = png_get_image_width(png, info);
  png_uint_32 h = png_get_image_height(png, info);
  int color_type = png_get_color_type(png, info);
  int bit_depth = png_get_bit_depth(png, info);
  if (bit_depth == 16) png_set_strip_16(png);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA)
    png_set_gray_to_rgb(png);
  if (!(color_type & PNG_COLOR_MASK_ALPHA) && !png_get_valid(png, info, PNG_INFO_tRNS))
    png_set_filler(png, 0xFF, PNG_FILLER_AFTER);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  *pixels = (uint8_t *)malloc((size_t)w * h * 4);
  rows = (png_bytep *)malloc(sizeof(png_bytep) * h);
  if (*pixels == NULL || rows == NULL) {
    *out_of_memory = 1;
    png_error(png, "out of memory while decoding the PNG");
  }
  for (png_uint_32 y = 0; y < h; y++) rows[y] = *pixels + (size_t)y * w * 4;
  png_read_image(png, rows);
  png_read_end(png, NULL);
  free(rows);
  *width = w;
  *height = h;
  return 0;
}

int cpng_read_rgba(const char *path, uint8_t **pixels, uint32_t *width, uint32_t *height,
                   char *message, size_t message_capacity) {
  *pixels = NULL;
  *width = 0;
  *height = 0;
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    cpng_set_message(message, message_capacity, strerror(errno));
    return CPNG_ERR_OPEN;
  }
  uint8_t signature[8];
  if (fread(signature, 1, 8, file) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
    fclose(file);
    cpng_set_message(message, message_capacity, "not a PNG file (bad signature)");
    return CPNG_ERR_FORMAT;
  }
  cpng_error_context context = {message, message_capacity};
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, cpng_on_error, cpng_on_warning);
  png_infop info = png == NULL ? NULL : png_create_info_struct(png);
  if (png == NULL || info == NULL) {
    png_destroy_read_struct(&png, &info, NULL);
    fclose(file);
    cpng_set_message(message, message_capacity, "libpng could not allocate its structures");
    return CPNG_ERR_MEMORY;
  }
  png_init_io(png, file);
  png_set_sig_bytes(png, 8);
  int out_of_memory = 0;
  int failed = cpng_read_rows(png, info, pixels, width, height, &out_of_memory);
  png_destroy_read_struct(&png, &info, NULL);
  fclose(file);
  if (failed) return out_of_memory ? CPNG_ERR_MEMORY : CPNG_ERR_LIBPNG;
  return CPNG_OK;
}

void cpng_free(void *buffer) { free(buffer); }
