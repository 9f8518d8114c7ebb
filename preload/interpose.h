// The enter/exit discipline every interposer shares, in the manner of
// compiler-rt's INTERCEPTOR: a wrapper is one line around the real call.
//
// The fast path (no handler running on this thread, point not armed) is two
// loads and a branch before a tail call to the real function. The slow path
// (CallScope) runs the unsafe-call check and the injection engine.
#pragma once

#include <errno.h>
#include <stdio.h>

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

// What an interrupted blocking call returns (errno is set by the caller):
// NULL, a short count of 0 for size_t (fread, fwrite), -1 (or EOF) else.
template <class R>
inline R eintr_value() {
  if constexpr (std::is_void_v<R>) {
    return;
  } else if constexpr (std::is_pointer_v<R>) {
    return nullptr;
  } else if constexpr (std::is_unsigned_v<R>) {
    return 0;
  } else {
    return (R)-1;
  }
}

// What the arguments of one call tell the EINTR emulation. APPLY calls its
// argument with the wrapper's arguments.
struct CallFacts {
  // A socket with SO_RCVTIMEO/SO_SNDTIMEO is never restarted (signal(7)).
  template <class Apply>
  static void before(int id, const Apply& apply) {
    if (!g_armed[id]) return;
    const int opt = socket_timeout_option(id);
    if (opt) apply([opt](auto... a) { note_socket(opt, a...); });
  }
  // A stream that failed with EINTR has its error indicator set, as glibc
  // sets it when its read or write fails.
  template <class Apply>
  static void after_eintr(const Apply& apply) {
    apply([](auto... a) { (mark_stream(a), ...); });
  }

 private:
  static int socket_timeout_option(int id);
  static void no_restart_if_timeout(int fd, int opt);
  template <class T, class... Rest>
  static void note_socket(int opt, T fd, Rest...) {
    if constexpr (std::is_same_v<T, int>) no_restart_if_timeout(fd, opt);
  }
  static void note_socket(int) {}
  template <class T>
  static void mark_stream(T arg) {
    if constexpr (std::is_same_v<T, FILE*>) arg->_flags |= _IO_ERR_SEEN;
  }
};

inline auto no_facts() {
  return [](auto&&) {};
}

}  // namespace sigstorm

namespace sigstorm {

// The slow path, out of line so the fast path needs no stack frame.
template <class F, class Apply>
__attribute__((noinline, cold)) auto intercept_slow(int id, void* fn, void* caller, F call, Apply apply)
    -> decltype(call()) {
  CallFacts::before(id, apply);
  CallScope scope(id, fn, caller);
  if (__builtin_expect(scope.fail_with_eintr(), 0)) {
    CallFacts::after_eintr(apply);
    errno = EINTR;
    return eintr_value<decltype(call())>();
  }
  return call();
}

// The shared discipline: CALL is a lambda calling the real function `fn`;
// CALLER is the program's return address (what makes findings distinct).
template <class F, class Apply = decltype(no_facts())>
__attribute__((always_inline)) inline auto intercept(int id, void* fn, void* caller, F&& call,
                                                     Apply apply = no_facts()) -> decltype(call()) {
  if (__builtin_expect((t_state.depth | g_armed[id]) == 0, 1)) return call();
  return intercept_slow(id, fn, caller, call, apply);
}

}  // namespace sigstorm

// The body of a generated wrapper: `fn` is the real function.
#define SIGSTORM_INTERCEPT(id, expr) \
  return ::sigstorm::intercept(id, (void*)fn, __builtin_return_address(0), [=]() { return expr; })

namespace sigstorm {

// The slow path of a table-generated wrapper: the arguments travel in
// registers, and CallFacts sees them.
template <class Fn, class... A>
__attribute__((noinline, cold)) auto call_slow(int id, Fn fn, void* caller, A... a) -> decltype(fn(a...)) {
  const auto apply = [&](const auto& g) { g(a...); };
  CallFacts::before(id, apply);
  CallScope scope(id, (void*)fn, caller);
  if (__builtin_expect(scope.fail_with_eintr(), 0)) {
    CallFacts::after_eintr(apply);
    errno = EINTR;
    return eintr_value<decltype(fn(a...))>();
  }
  return fn(a...);
}

// A table-generated wrapper's call: Call{id, fn, caller}(args...).
template <class Fn>
struct Call {
  int id;
  Fn fn;
  void* caller;
  template <class... A>
  __attribute__((always_inline)) auto operator()(A... a) const -> decltype(fn(a...)) {
    if (__builtin_expect((t_state.depth | g_armed[id]) == 0, 1)) return fn(a...);
    return call_slow(id, fn, caller, a...);
  }
};

}  // namespace sigstorm

// The body of a table-generated wrapper: ARGS is the row's parenthesized
// argument list.
#define SIGSTORM_INTERCEPT_ARGS(id, args) \
  return ::sigstorm::Call<decltype(fn)>{id, fn, __builtin_return_address(0)} args

// The same, for wrappers whose call needs locals by reference (stack arrays).
#define SIGSTORM_INTERCEPT_REF(id, expr) \
  return ::sigstorm::intercept(id, (void*)fn, __builtin_return_address(0), [&]() { return expr; })
