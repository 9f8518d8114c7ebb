// The size of this machine's XSAVE area, which the audit stubs' slow path
// (preload/audit_link.cpp) saves the caller's vector registers in. The CLI
// measures it once per run and passes it in the run file
// (Config::xsave_area): three CPUID instructions cost ~30 us where a VM
// traps them, in every process that installs a handler otherwise.
#pragma once
#include <cpuid.h>
#include <stdint.h>

namespace sigstorm::wire {

// The state XSAVE keeps (x87, SSE, AVX, AVX-512: every argument register a
// variadic or vector call may use), sized by CPUID leaf 0xD; 0: no XSAVE
// (the stubs use FXSAVE's 512 bytes).
inline uint32_t xsave_area_size() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) return 0;
  if (__get_cpuid_max(0, nullptr) < 0xd) return 0;
  __cpuid_count(0xd, 0, a, b, c, d);
  return (b + 63) & ~63u;
}

}  // namespace sigstorm::wire
