// The slow path of an interposed call: the unsafe-call check, abandoned
// handler frames (longjmp-mask), and the injection engine's call: points.
#include <errno.h>

#include "preload/cold_bss.h"
#include "preload/fuzz.h"
#include "preload/handlers.h"
#include "preload/inject.h"
#include "preload/interpose.h"
#include "preload/recorder.h"
#include "preload/sanitizer.h"
#include "preload/stack.h"
#include "preload/sys.h"

namespace sigstorm {

__thread ThreadState t_state __attribute__((tls_model("initial-exec")));
wire::Header* g_run SIGSTORM_HOT = nullptr;
uint32_t g_checks SIGSTORM_HOT = 0;
uint32_t g_policy SIGSTORM_HOT = wire::kPolicyPosix;
uint8_t g_armed[kFnCount];

namespace {

bool allowed(int id) {
  const uint8_t s = kFnInfo[id].safety;
  return s == POSIX || (s == LINUX && g_policy == wire::kPolicyLinux);
}

bool alive(const ActiveHandler& h, uintptr_t sp) {
  if (h.alt_hi) return sp >= h.alt_lo && sp < h.frame_sp;
  return sp < h.frame_sp;
}

int32_t record_in_handler(const ThreadState& ts, Observation& f) {
  const ActiveHandler& h = ts.active[(ts.depth < kMaxHandlerDepth ? ts.depth : kMaxHandlerDepth) - 1];
  f.sig = h.sig;
  f.handler = h.handler;
  return record(f);
}

// A call that reached the shim, or the sanitizer's allocator, through one
// of the sanitizer's interceptors (preload/sanitizer.h): the finding names
// the outermost interceptor, the function the program called (printf, not
// the vprintf TSan's printf calls), and its stack starts at the program's
// call. `id`: what to name when no interceptor is known by name.
void record_below_interceptor(ThreadState& ts, int id) {
  RawStack raw;
  raw.n = 1;
  raw.flags[0] = 0;
  ts.in_shim++;
  capture_stack(&raw, 0);
  ts.in_shim--;
  uintptr_t start = 0;
  if (raw.n >= 2 && drop_interceptor_frames(&raw, 1, &id, &start) && start) {
    // Made inside another interceptor's call (gcc's TSan printf runs libc's
    // vprintf, whose buffer is this malloc): that call's finding covers it.
    if (inside_interceptor(raw, 1)) return;
    raw.pc[0] = start;
  } else {
    // The walk did not reach the program's frames: the stack as it is.
    for (uint32_t i = 1; i < raw.n; ++i) raw.pc[i - 1] = raw.pc[i], raw.flags[i - 1] = raw.flags[i];
    raw.n = raw.n ? raw.n - 1 : 0;
  }
  if (allowed(id)) return;
  Observation f{wire::kUnsafeCall};
  f.fn = id;
  f.site = start;
  f.top = (void*)start;
  f.stack = &raw;
  record_in_handler(ts, f);
}

}  // namespace

// The sanitizer's malloc/free hook (preload/sanitizer.cpp), inside its
// allocator: the shim's own malloc is not the program's. Cheap when no
// handler runs; never allocates.
void sanitizer_allocator_call(int fallback_id) {
  ThreadState& ts = t_state;
  if (__builtin_expect(ts.depth == 0, 1) || ts.in_shim || ts.in_call) return;
  leave_abandoned_handlers(current_sp(), nullptr);
  if (ts.depth == 0 || !check_enabled(wire::kUnsafeCall)) return;
  // Inside a call an audit stub checked (gcc's libasan malloc, or a
  // strsignal calling it): that finding covers it.
  if (ts.stub_sp && current_sp() < ts.stub_sp) return;
  if (__builtin_expect(g_fuzz_cov != nullptr, 0)) fuzz_cover_call(ts, fallback_id);
  record_below_interceptor(ts, fallback_id);
}

void leave_abandoned_handlers(uintptr_t sp, const sigset_t* mask) {
  ThreadState& ts = t_state;
  while (ts.depth > 0 && ts.depth <= kMaxHandlerDepth) {
    const ActiveHandler& h = ts.active[ts.depth - 1];
    if (alive(h, sp)) return;
    // A jump left the handler. siglongjmp to sigsetjmp(env, 1) restored the
    // mask; longjmp kept the handler's signal blocked. The mask that counts
    // is the one the code after the jump runs with: a signal's delivery
    // blocks more, so the trampoline passes the interrupted context's mask.
    ts.depth--;
    ts.in_call = 0;
    ts.stub_sp = 0;
    ts.call_record = 0;
    if (ts.depth == 0) {
      publish_handler_exit();
      audit_handler_running(-1);
    }
    if (!check_enabled(wire::kLongjmpMask)) continue;
    sigset_t now;
    if (mask) now = *mask;
    else if (sys::sigprocmask(SIG_BLOCK, nullptr, &now) != 0) continue;
    if (!sigismember(&now, h.sig)) continue;
    Observation f{wire::kLongjmpMask};
    f.sig = h.sig;
    f.handler = h.handler;
    f.site = (uintptr_t)h.handler;
    f.top = h.handler;
    record(f);
  }
}

CallScope::CallScope(int id, void* real_fn, void* caller, uint32_t chosen, CallFacts facts) {
  ThreadState& ts = t_state;
  if (ts.in_shim) return;
  if (ts.depth > 0) leave_abandoned_handlers(current_sp(), nullptr);
  if (ts.depth > 0) {
    // Inside a call an audit stub checked (strsignal calling malloc), or a
    // stub call a jump or an exception left: judged by the stack pointer.
    bool in_stub_call = false;
    if (ts.stub_sp) {
      in_stub_call = current_sp() < ts.stub_sp;
      if (!in_stub_call) ts.stub_sp = 0;
    }
    if (ts.in_call == 0 && !in_stub_call) {
      ts.call_record = 0;
      if (!check_enabled(wire::kUnsafeCall)) {
        // off
      } else if (__builtin_expect(sanitizer_interceptor((uintptr_t)caller, nullptr) >= 0, 0)) {
        record_below_interceptor(ts, id);  // the program called the sanitizer's interceptor
      } else if (!allowed(id)) {
        Observation f{wire::kUnsafeCall};
        f.fn = id;
        f.site = (uintptr_t)caller;
        f.top = real_fn;
        ts.call_record = record_in_handler(ts, f);
      }
    } else if (!allowed(id)) {
      note_inner_call(ts.call_record, id);  // one finding: "strsignal, calls malloc"
    }
    if (__builtin_expect(g_fuzz_cov != nullptr, 0) && ts.in_call == 0) fuzz_cover_call(ts, id);
    ts.in_call++;
    counted_ = true;
    if (ts.published) {
      // What the thread is blocked in, should the watchdog find it stuck.
      prev_fn_ = ts.published->function.exchange(id, std::memory_order_relaxed);
    }
    if (ts.handler_arm) on_handler_call();
  }
  if (chosen) eintr_ = on_call_point(id, chosen, facts, caller);
}

CallScope::~CallScope() {
  if (!counted_) return;
  ThreadState& ts = t_state;
  ts.in_call--;
  if (ts.published) ts.published->function.store(prev_fn_, std::memory_order_relaxed);
}

}  // namespace sigstorm

namespace sigstorm {

int ArgFacts::socket_timeout_option(int id) {
  switch (id) {
    case fn_recv: case fn_recvfrom: case fn_recvmsg: case fn_accept: case fn_accept4:
      return SO_RCVTIMEO;
    case fn_send: case fn_sendto: case fn_sendmsg: case fn_connect:
      return SO_SNDTIMEO;
    default:
      return 0;
  }
}

bool ArgFacts::has_timeout(int fd, int opt) {
  struct timeval tv = {};
  socklen_t len = sizeof tv;
  const int saved = errno;
  const bool timeout = getsockopt(fd, SOL_SOCKET, opt, &tv, &len) == 0 && (tv.tv_sec || tv.tv_usec);
  errno = saved;
  return timeout;
}

bool ArgFacts::waiting_lock(int cmd) { return cmd == F_SETLKW || cmd == F_OFD_SETLKW; }

}  // namespace sigstorm
