// The enter/exit discipline every interposer shares, in the manner of
// compiler-rt's INTERCEPTOR: a wrapper is one line around the real call.
//
// The fast path (no handler running on this thread, point not armed) is two
// loads and a branch before a tail call to the real function. The slow path
// (CallScope) runs the unsafe-call check and the injection engine.
#pragma once

#include <errno.h>

#include <type_traits>

#include "preload/state.h"
#include "preload/table.h"

#define SIGSTORM_EXPORT __attribute__((visibility("default")))

// Defines the exported symbol NAME without redeclaring libc's prototype
// (whose exception specification C++ would insist on).
#define SIGSTORM_WRAPPER(ret, name, params)                                           \
  extern "C" SIGSTORM_EXPORT ret sigstorm_wrap_##name params __asm__(#name); \
  extern "C" ret sigstorm_wrap_##name params

namespace sigstorm {

// Nonzero when a call: injection (or the fuzzer) watches function id.
extern uint8_t g_armed[kFnCount];

// The slow path of one interposed call.
class CallScope {
 public:
  CallScope(int id, void* real_fn, void* caller);
  ~CallScope();
  // mode=eintr fired on this call: the wrapper returns EINTR instead.
  bool fail_with_eintr() const { return eintr_; }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  bool counted_ = false;
  bool eintr_ = false;
  int prev_fn_ = 0;
};

template <class F>
inline F real_fn(F& slot) {
  F f = __atomic_load_n(&slot, __ATOMIC_RELAXED);
  if (__builtin_expect(f == nullptr, 0)) {
    real::resolve_all();
    f = __atomic_load_n(&slot, __ATOMIC_ACQUIRE);
  }
  return f;
}

// What an interrupted blocking call returns (errno is set by the caller).
template <class R>
inline R eintr_value() {
  if constexpr (std::is_void_v<R>) {
    return;
  } else if constexpr (std::is_pointer_v<R>) {
    return nullptr;
  } else {
    return (R)-1;
  }
}

}  // namespace sigstorm

namespace sigstorm {

// The slow path, out of line so the fast path needs no stack frame.
template <class F>
__attribute__((noinline, cold)) auto intercept_slow(int id, void* fn, void* caller, F call)
    -> decltype(call()) {
  CallScope scope(id, fn, caller);
  if (__builtin_expect(scope.fail_with_eintr(), 0)) {
    errno = EINTR;
    return eintr_value<decltype(call())>();
  }
  return call();
}

// The shared discipline: CALL is a lambda calling the real function `fn`;
// CALLER is the program's return address (what makes findings distinct).
template <class F>
__attribute__((always_inline)) inline auto intercept(int id, void* fn, void* caller, F&& call)
    -> decltype(call()) {
  if (__builtin_expect((t_state.depth | g_armed[id]) == 0, 1)) return call();
  return intercept_slow(id, fn, caller, call);
}

}  // namespace sigstorm

// The body of a generated wrapper: `fn` is the real function.
#define SIGSTORM_INTERCEPT(id, expr) \
  return ::sigstorm::intercept(id, (void*)fn, __builtin_return_address(0), [=]() { return expr; })

// The same, for wrappers whose call needs locals by reference (stack arrays).
#define SIGSTORM_INTERCEPT_REF(id, expr) \
  return ::sigstorm::intercept(id, (void*)fn, __builtin_return_address(0), [&]() { return expr; })
