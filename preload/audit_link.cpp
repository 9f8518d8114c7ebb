// The shim's half of the audit check (inject/wire/audit_link.h): every call
// a program's object makes into another shared object goes through a stub of
// libsigstorm-audit.so, which jumps here. With no handler running on the
// thread the real function is a load and an indirect jump away; inside a
// handler, a function the policy does not allow is recorded as unsafe-call
// under the name the caller used, and then called.
#include <pthread.h>
#include <stddef.h>

#include "inject/wire/audit_link.h"
#include "inject/wire/xsave.h"
#include "preload/cold_bss.h"
#include "preload/env.h"
#include "preload/handlers.h"
#include "preload/interpose.h"
#include "preload/recorder.h"
#include "preload/sanitizer.h"
#include "preload/stack.h"
#include "preload/startup.h"
#include "preload/state.h"
#include "preload/sys.h"

// The shim calls this through its own PLT; libsigstorm-audit.so redirects
// that one binding to a function returning its AuditLink. Without the audit
// library it is this: no link.
extern "C" SIGSTORM_EXPORT __attribute__((noinline)) void* sigstorm_audit_hook(void) { return nullptr; }

extern "C" {
// Read by the assembly below.
__attribute__((visibility("hidden"))) void* const* sigstorm_audit_targets = nullptr;
__attribute__((visibility("hidden"))) uint32_t sigstorm_audit_xsave = 0;  // 0: no XSAVE, use FXSAVE
__attribute__((visibility("hidden"))) int sigstorm_audit_enter(uint32_t id, uintptr_t entry_sp, uintptr_t* prev);
void sigstorm_audit_common();
}

namespace sigstorm {

static_assert(offsetof(ThreadState, depth) == 0, "the stubs read depth at %fs:t_state+0");
static_assert(offsetof(ThreadState, stub_sp) == 24, "the stubs restore stub_sp at %fs:t_state+24");

namespace {

const wire::AuditLink* g_link = nullptr;
bool sigstorm_audit_xsave_known = false;

SIGSTORM_HOT_TEXT bool names_auditor(const char* kv) {
  static const char kName[] = "libsigstorm-audit.so";
  for (const char* p = kv; *p; ++p)
    if (__builtin_strncmp(p, kName, sizeof kName - 1) == 0) return true;
  return false;
}

// For the exec wrappers: a child whose environment lost LD_AUDIT gets it back.
SIGSTORM_HOT_TEXT void keep(char* dst, size_t cap, const char* kv) {
  size_t i = 0;
  for (const char* p = kv; *p && i + 1 < cap; ++p) dst[i++] = *p;
  dst[i] = 0;
}

SIGSTORM_HOT_TEXT void save_audit_env() {
  for (char** e = env_list(); e && *e; ++e) {
    if (__builtin_strncmp(*e, "LD_AUDIT=", 9) == 0 && names_auditor(*e)) {
      keep(g_chain_env.audit, sizeof g_chain_env.audit, *e);
      g_env.chain |= kChainAudit;
    }
    if (__builtin_strncmp(*e, "GLIBC_TUNABLES=", 15) == 0) {
      keep(g_chain_env.tunables, sizeof g_chain_env.tunables, *e);
      g_env.chain |= kChainTunables;
    }
  }
  // The tunables are passed on only with the auditor they are for.
  if (!(g_env.chain & kChainAudit) && (g_env.chain & kChainTunables)) {
    g_chain_env.tunables[0] = 0;
    g_env.chain &= (unsigned char)~kChainTunables;
  }
}

}  // namespace

// Part of the eager start-up (sigstorm_init calls it): before a fork
// server's fork point, so that its copies inherit the link.
SIGSTORM_HOT_TEXT void audit_attach() {
  save_audit_env();
  auto* link = (const wire::AuditLink*)sigstorm_audit_hook();
  if (!link || link->magic != wire::kAuditMagic || link->version != wire::kAuditVersion) return;
  sigstorm_audit_targets = link->targets;
  g_link = link;
  __atomic_store_n(link->common, (void*)&sigstorm_audit_common, __ATOMIC_RELEASE);
  // A fork child has only the forking thread: only its handlers run. The
  // count is in the auditor's private .bss: written only when it changes,
  // a child forked outside any handler (nearly all) copies no page for it.
  on_fork_child([] {
    const uint32_t mine = t_state.depth > 0 ? 1 : 0;
    if (g_link->running->load(std::memory_order_relaxed) != mine)
      g_link->running->store(mine, std::memory_order_relaxed);
  });
}

// CPUID is slow where it matters most (a virtual machine traps it: tens of
// microseconds for the three): the CLI measured the XSAVE area once for the
// whole run (inject/wire/xsave.h); a process without its run file asks, but
// only once it gets as far as checking, before its first handler can reach
// a stub's common path.
void audit_prepare() {
  if (g_link && !__atomic_load_n(&sigstorm_audit_xsave_known, __ATOMIC_ACQUIRE)) {
    const wire::Header* run = g_run;
    const uint32_t measured = run ? run->config.xsave_area : 0;
    sigstorm_audit_xsave = measured ? measured - 1 : wire::xsave_area_size();
    __atomic_store_n(&sigstorm_audit_xsave_known, true, __ATOMIC_RELEASE);
  }
}

void audit_own_loading(bool on) {
  const wire::AuditLink* link = g_link;
  if (link) link->own_loading->store(on ? sys::gettid() : 0, std::memory_order_release);
}

void audit_handler_running(int delta) {
  const wire::AuditLink* link = g_link;
  if (link) link->running->fetch_add((uint32_t)delta, std::memory_order_relaxed);
}

// The stub id at A, or -1: A is not the start of a stub (the pool is in
// the auditor's text, between its other functions).
static intptr_t stub_id(const wire::AuditLink* link, uintptr_t a) {
  if (a >= link->first_stub && a < link->first_stub + (uintptr_t)link->pool_stubs * link->stub_bytes)
    return (a - link->first_stub) % link->stub_bytes ? -1 : (intptr_t)((a - link->first_stub) / link->stub_bytes);
  const uintptr_t over = link->overflow_stub->load(std::memory_order_acquire);
  const uintptr_t span = (uintptr_t)(link->max_stubs - link->pool_stubs) * link->overflow_bytes;
  if (!over || a < over || a >= over + span || (a - over) % link->overflow_bytes) return -1;
  return (intptr_t)(link->pool_stubs + (a - over) / link->overflow_bytes);
}

void* audit_unstub(void* fn) {
  const wire::AuditLink* link = g_link;
  if (!link) return fn;
  const intptr_t id = stub_id(link, (uintptr_t)fn);
  if (id < 0 || (uint32_t)id >= link->count->load(std::memory_order_acquire)) return fn;
  void* target = link->targets[id];
  return target ? target : fn;
}

}  // namespace sigstorm

using namespace sigstorm;

// A stub's slow path (a handler runs on this thread). entry_sp: the stack
// pointer at the stub, pointing at the return address. *prev keeps the
// stub_sp to restore once the call returns. 1: call the function (checked),
// 0: jump to it.
int sigstorm_audit_enter(uint32_t id, uintptr_t entry_sp, uintptr_t* prev) {
  ThreadState& ts = t_state;
  *prev = ts.stub_sp;
  if (ts.in_shim || !g_link) return 0;
  // The shim's own call: a handler the program got from dlsym() (a stub),
  // run by the trampoline.
  if (in_shim_text(*(uintptr_t*)entry_sp)) return 0;
  leave_abandoned_handlers(entry_sp, nullptr);
  if (ts.depth == 0) return 0;
  if (ts.stub_sp && entry_sp >= ts.stub_sp) ts.stub_sp = *prev = 0;  // left by a jump or an exception
  if (ts.stub_sp || ts.in_call) return 0;  // made inside a checked call: that finding covers it
  const uint32_t n = g_link->count->load(std::memory_order_acquire);
  if (id >= n) return 0;
  if (inside_sanitizer_call(*(uintptr_t*)entry_sp)) return 0;
  ts.call_record = 0;
  if (check_enabled(wire::kUnsafeCall)) {
    const ActiveHandler& h = ts.active[(ts.depth < kMaxHandlerDepth ? ts.depth : kMaxHandlerDepth) - 1];
    Observation f{wire::kUnsafeCall};
    f.sig = h.sig;
    f.handler = h.handler;
    f.site = *(uintptr_t*)entry_sp;
    f.top = g_link->targets[id];
    f.symbol = g_link->names[id];
    ts.call_record = record(f);
  }
  if (g_link->modes[id] == wire::kAuditTail) {
    // No frame of ours may stay between the caller and the function; what
    // it calls is inside it while it runs below the caller's stack pointer.
    ts.stub_sp = entry_sp;
    return 0;
  }
  ts.stub_sp = entry_sp;
  return 1;
}

// r11: the stub id; (%rsp): the caller's return address. The fast path may
// use only r10/r11 (neither carries arguments). The slow path keeps every
// argument register (rdi..r9, rax for variadics, the vector state with
// XSAVE), calls the check, then either jumps to the function or calls it
// with a copy of 256 bytes of the caller's stack arguments and restores
// stub_sp after it returns. errno is the recorder's to keep (it does).
__asm__(R"(
  .macro sigstorm_audit_args  # the saved argument registers, and r11 = id
  movq -72(%rbp), %rax
  movq -64(%rbp), %r9
  movq -56(%rbp), %r8
  movq -48(%rbp), %rcx
  movq -40(%rbp), %rdx
  movq -32(%rbp), %rsi
  movq -24(%rbp), %rdi
  movq -8(%rbp), %r11
  .endm
  .text
  .p2align 4
  .globl sigstorm_audit_common
  .hidden sigstorm_audit_common
  .type sigstorm_audit_common, @function
sigstorm_audit_common:
  .cfi_startproc
  movq _ZN8sigstorm7t_stateE@gottpoff(%rip), %r10
  cmpl $0, %fs:(%r10)
  jne 1f
  movq sigstorm_audit_targets(%rip), %r10
  jmp *(%r10,%r11,8)
1:
  pushq %rbp
  .cfi_def_cfa_offset 16
  .cfi_offset %rbp, -16
  movq %rsp, %rbp
  .cfi_def_cfa_register %rbp
  pushq %r11
  pushq $0
  pushq %rdi
  pushq %rsi
  pushq %rdx
  pushq %rcx
  pushq %r8
  pushq %r9
  pushq %rax
  pushq $0
  movl sigstorm_audit_xsave(%rip), %eax
  testl %eax, %eax
  jz 3f
  subq %rax, %rsp
  andq $-64, %rsp
  movq $0, 512(%rsp)
  movq $0, 520(%rsp)
  movq $0, 528(%rsp)
  movq $0, 536(%rsp)
  movq $0, 544(%rsp)
  movq $0, 552(%rsp)
  movq $0, 560(%rsp)
  movq $0, 568(%rsp)
  movl $-1, %eax
  movl $-1, %edx
  xsave (%rsp)
  jmp 4f
3:
  subq $512, %rsp
  andq $-64, %rsp
  fxsave (%rsp)
4:
  movl -8(%rbp), %edi
  leaq 8(%rbp), %rsi
  leaq -16(%rbp), %rdx
  call sigstorm_audit_enter
  movq %rax, -80(%rbp)
  cmpl $0, sigstorm_audit_xsave(%rip)
  je 5f
  movl $-1, %eax
  movl $-1, %edx
  xrstor (%rsp)
  jmp 6f
5:
  fxrstor (%rsp)
6:
  cmpq $0, -80(%rbp)
  jne 2f
  sigstorm_audit_args
  leave
  .cfi_def_cfa %rsp, 8
  movq sigstorm_audit_targets(%rip), %r10
  jmp *(%r10,%r11,8)
2:
  .cfi_def_cfa %rbp, 16
  leaq -(80 + 256)(%rbp), %rsp
  andq $-16, %rsp
  xorl %r11d, %r11d
7:
  movq 16(%rbp,%r11,8), %r10
  movq %r10, (%rsp,%r11,8)
  incl %r11d
  cmpl $32, %r11d
  jne 7b
  sigstorm_audit_args
  movq sigstorm_audit_targets(%rip), %r10
  movq (%r10,%r11,8), %r11
  call *%r11
  movq _ZN8sigstorm7t_stateE@gottpoff(%rip), %r10
  movq -16(%rbp), %r11
  movq %r11, %fs:24(%r10)
  leave
  .cfi_def_cfa %rsp, 8
  ret
  .cfi_endproc
  .size sigstorm_audit_common, .-sigstorm_audit_common
)");
