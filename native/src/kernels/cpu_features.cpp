// Run-time detection of the instructions the kernels need; off x86-64 nothing is available.
#include "kernels_internal.h"

#if defined(DEBERTA_KERNELS_X86)
#include <cpuid.h>
#endif

namespace deberta::kernels::detail {

namespace {

cpu_caps detect() {
    cpu_caps c;
#if defined(DEBERTA_KERNELS_X86)
    unsigned a, b, cx, d;
    if (!__get_cpuid(1, &a, &b, &cx, &d) || !(cx & (1u << 27))) return c; // OSXSAVE: xgetbv usable
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    const bool os_saves_ymm = (lo & 0x6) == 0x6;   // SSE, AVX
    const bool os_saves_zmm = (lo & 0xE6) == 0xE6; // and opmask, ZMM upper halves, ZMM16-31
    const bool avx = cx & (1u << 28), fma = cx & (1u << 12), f16c = cx & (1u << 29);
    if (!os_saves_ymm || !__get_cpuid_count(7, 0, &a, &b, &cx, &d)) return c;
    c.avx2 = avx && (b & (1u << 5)) && fma && f16c;
    const bool f = b & (1u << 16), dq = b & (1u << 17), bw = b & (1u << 30), vl = b & (1u << 31);
    c.avx512 = os_saves_zmm && f && dq && bw && vl;
    c.avx512_vnni = c.avx512 && (cx & (1u << 11));
    if (__get_cpuid_count(7, 1, &a, &b, &cx, &d)) c.avx512_bf16 = c.avx512 && (a & (1u << 5));
#endif
    return c;
}

} // namespace

const cpu_caps & caps() {
    static const cpu_caps detected = detect();
    return detected;
}

} // namespace deberta::kernels::detail
