// The channel between libsigstorm-audit.so (LD_AUDIT, its own link namespace,
// no libc) and libsigstorm.so (LD_PRELOAD, the program's namespace). They
// share the address space but no symbols: the shim calls its own exported
// sigstorm_audit_hook(), the auditor redirects that one binding to a function
// of its own, and the call returns this block. Plain data, no allocation.
#pragma once

#include <atomic>
#include <cstdint>

namespace sigstorm::wire {

constexpr uint32_t kAuditMagic = 0x41545347;  // "GSTA"
constexpr uint32_t kAuditVersion = 4;

// How a stub enters its function once the check has run (in a handler only).
enum AuditMode : uint8_t {
  kAuditCall = 0,  // called with a copy of the stack arguments, so the calls it
                   // makes are known to be inside it ("calls malloc, free")
  kAuditTail = 1,  // jumped to: the function looks at its caller (dlsym, dlopen)
};

// Every stub is `cmpl $0, running; jne 1f; jmp *target; 1: mov $id, %r11d;
// jmp *common`: while no thread of the process runs a handler, a load, a
// branch and the function's own indirect jump. Before the shim attaches,
// common passes straight through; the shim points it at its check and keeps
// `running`. The first pool_stubs are in the auditor's own text (made at
// build time); the rest, if a process ever needs them, in a memfd it maps
// at the first overflow (overflow_stub: 0 until then).
struct AuditLink {
  uint32_t magic;
  uint32_t version;
  void** common;             // the slot every stub jumps through
  void* const* targets;      // per stub id: the function the binding resolved to
  const char* const* names;  // per stub id: the symbol as the calling object names it
  const uint8_t* modes;      // per stub id: AuditMode
  std::atomic<uint32_t>* count;  // stub ids claimed so far
  std::atomic<uint32_t>* running;  // threads of the process inside a handler (the shim counts)
  // Where stub `id` is (a function pointer dlsym() returned, which the
  // dynamic linker also lets the auditor bind): first_stub + id * stub_bytes
  // below pool_stubs, else *overflow_stub + (id - pool_stubs) * overflow_bytes.
  uintptr_t first_stub;
  uint32_t stub_bytes;
  uint32_t pool_stubs;
  const std::atomic<uintptr_t>* overflow_stub;
  uint32_t overflow_bytes;
  uint32_t max_stubs;
  // The thread (tid) whose dlopen() loads the shim's own libraries
  // (libunwind and what it needs: preload/stack.cpp), 0 otherwise: the
  // objects new to the process that this dlopen maps are the shim's, and
  // no binding from or to them is audited.
  std::atomic<int32_t>* own_loading;
};

}  // namespace sigstorm::wire
