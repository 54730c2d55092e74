// x86_intrinsics.h: the intrinsics for the kernel files (each function there carries its own target attribute).
#pragma once

#include <immintrin.h>

// GCC 12 reports the deliberately undefined pass-through operand inside some AVX-512 intrinsics.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
