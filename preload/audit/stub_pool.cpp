// The audit library's pool of stubs, made by the assembler: stub i is
// `cmpl $0, running(%rip); jne 1f; jmp *targets+8*i(%rip); 1: mov $i, %r11d;
// jmp *common(%rip)`, 27 bytes in 32 (int3 after), all rip-relative to this
// library's own hidden data: no relocation, nothing written at load, no
// page both writable and executable. This file is linked last
// (CMakeLists.txt): the pool and the targets array come after the auditor's
// code and state, which then share their first pages (a page fault less
// each in every process).
#include "preload/audit/stub_pool.h"

#define SIGSTORM_AUDIT_STR2(x) #x
#define SIGSTORM_AUDIT_STR(x) SIGSTORM_AUDIT_STR2(x)

extern "C" {
__attribute__((visibility("hidden"), aligned(64))) void* sigstorm_audit_stub_targets[SIGSTORM_AUDIT_MAX_STUBS];
}

__asm__(R"(
  .text
  .balign 64
  .hidden sigstorm_audit_pool
  .globl sigstorm_audit_pool
  .type sigstorm_audit_pool, @function
sigstorm_audit_pool:
  .set sigstorm_audit_i, 0
  .rept )" SIGSTORM_AUDIT_STR(SIGSTORM_AUDIT_POOL) R"(
  cmpl $0, sigstorm_audit_running(%rip)
  jne 1f
  jmp *sigstorm_audit_stub_targets+8*sigstorm_audit_i(%rip)
1:
  movl $sigstorm_audit_i, %r11d
  jmp *sigstorm_audit_common_slot(%rip)
  .balign 32, 0xcc
  .set sigstorm_audit_i, sigstorm_audit_i+1
  .endr
  .size sigstorm_audit_pool, .-sigstorm_audit_pool
)");
