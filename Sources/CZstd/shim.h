// libzstd: one-shot and streaming compression, frame inspection.
#include <zstd.h>
#include <zstd_errors.h>
