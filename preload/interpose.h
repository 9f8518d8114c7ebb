// The enter/exit discipline every interposer shares, in the manner of
// compiler-rt's INTERCEPTOR: a wrapper is one line around the real call.
//
// The fast path (no handler running on this thread, point not armed) is two
// loads and a branch before a tail call to the real function. An armed point
// counts its hit (choose(), call_point.h) and, unless a spec chose it or a
// handler is running, goes on to the real function. The slow path
// (CallScope) runs the unsafe-call check and the injection engine.
#pragma once

#include <errno.h>
#include <stdio.h>

#include <type_traits>

#include "preload/call_point.h"
#include "preload/cold_bss.h"
#include "preload/inject.h"
#include "preload/state.h"
#include "preload/table.h"

#define SIGSTORM_EXPORT __attribute__((visibility("default")))

// Defines the exported symbol NAME without redeclaring libc's prototype
// (whose exception specification C++ would insist on).
#define SIGSTORM_WRAPPER(ret, name, params) SIGSTORM_WRAPPER_IN(, ret, name, params)
// The same, in section `place` (SIGSTORM_HOT_TEXT, preload/cold_bss.h).
#define SIGSTORM_WRAPPER_IN(place, ret, name, params)                        \
  extern "C" SIGSTORM_EXPORT ret sigstorm_wrap_##name params __asm__(#name); \
  extern "C" place ret sigstorm_wrap_##name params

namespace sigstorm {

// Nonzero when a call: injection (or the fuzzer) watches function id.
extern uint8_t g_armed[kFnCount];

// The slow path of one interposed call, after choose() counted its hit.
class CallScope {
 public:
  // `chosen`: the specs that chose this hit; `facts`: what the call's
  // arguments tell the EINTR emulation.
  CallScope(int id, void* real_fn, void* caller, uint32_t chosen, CallFacts facts);
  ~CallScope();
  // mode=eintr fired on this call: the wrapper returns EINTR instead.
  bool fail_with_eintr() const { return eintr_; }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  bool counted_ = false;
  bool eintr_ = false;
  int prev_fn_ = -1;
};

template <class F>
inline F real_fn(F& slot) {
  F f = __atomic_load_n(&slot, __ATOMIC_RELAXED);
  if (__builtin_expect(f == nullptr, 0)) f = reinterpret_cast<F>(real::resolve_slot(reinterpret_cast<void**>(&slot)));
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

// Reading CallFacts off a call's arguments, and what EINTR does to them.
struct ArgFacts {
  // A socket with SO_RCVTIMEO/SO_SNDTIMEO is never restarted (signal(7));
  // only a waiting lock (F_SETLKW) blocks in fcntl.
  template <class... A>
  static CallFacts of(int id, A... a) {
    CallFacts f;
    if (const int opt = socket_timeout_option(id)) f.no_restart = socket_times_out(opt, a...);
    if (id == fn_fcntl) f.cannot_block = !fcntl_waits(a...);
    return f;
  }
  // A stream that failed with EINTR has its error indicator set, as glibc
  // sets it when its read or write fails.
  template <class... A>
  static void after_eintr(A... a) {
    (mark_stream(a), ...);
  }

 private:
  static int socket_timeout_option(int id);
  static bool has_timeout(int fd, int opt);
  static bool waiting_lock(int cmd);
  template <class T, class... Rest>
  static bool socket_times_out(int opt, T fd, Rest...) {
    if constexpr (std::is_same_v<T, int>) return has_timeout(fd, opt);
    return false;
  }
  static bool socket_times_out(int) { return false; }
  template <class... A>
  static bool fcntl_waits(A...) {
    return true;
  }
  static bool fcntl_waits(int, int cmd, void*) { return waiting_lock(cmd); }
  template <class T>
  static void mark_stream(T arg) {
    if constexpr (std::is_same_v<T, FILE*>) arg->_flags |= _IO_ERR_SEEN;
  }
};

}  // namespace sigstorm

namespace sigstorm {

// The slow path, out of line so the fast path needs no stack frame. An armed
// point that did not choose this hit, outside any handler, is done after
// choose(): the real call, at the cost of a count and a compare.
template <class F>
__attribute__((noinline)) auto intercept_slow(int id, void* fn, void* caller, F call)
    -> decltype(call()) {
  const uint32_t chosen = choose(id);
  if (__builtin_expect(chosen == 0 && t_state.depth == 0, 1)) return call();
  CallScope scope(id, fn, caller, chosen, CallFacts{});
  if (__builtin_expect(scope.fail_with_eintr(), 0)) {
    errno = EINTR;
    return eintr_value<decltype(call())>();
  }
  return call();
}

// The shared discipline: CALL is a lambda calling the real function `fn`;
// CALLER is the program's return address (what makes findings distinct).
template <class F>
__attribute__((always_inline)) inline auto intercept(int id, void* fn, void* caller, F&& call) -> decltype(call()) {
  if (__builtin_expect((t_state.depth | g_armed[id]) == 0, 1)) return call();
  return intercept_slow(id, fn, caller, call);
}

}  // namespace sigstorm

// The body of a generated wrapper: `fn` is the real function.
#define SIGSTORM_INTERCEPT(id, expr) \
  return ::sigstorm::intercept(id, (void*)fn, __builtin_return_address(0), [=]() { return expr; })

namespace sigstorm {

// The slow path of a table-generated wrapper: the arguments travel in
// registers, and ArgFacts sees them.
template <class Fn, class... A>
__attribute__((noinline)) auto call_slow(int id, Fn fn, void* caller, uint32_t chosen, A... a)
    -> decltype(fn(a...)) {
  CallScope scope(id, (void*)fn, caller, chosen, chosen ? ArgFacts::of(id, a...) : CallFacts{});
  if (__builtin_expect(scope.fail_with_eintr(), 0)) {
    ArgFacts::after_eintr(a...);
    errno = EINTR;
    return eintr_value<decltype(fn(a...))>();
  }
  return fn(a...);
}

// An armed point, out of line so the unarmed fast path stays a few
// instructions without a stack frame (a sibling call when the real
// function takes four arguments or fewer). A hit no spec chose, outside any
// handler, costs the count and a compare before the tail call.
template <int Id, class Fn, class... A>
__attribute__((noinline)) auto call_armed(Fn fn, void* caller, A... a) -> decltype(fn(a...)) {
  const uint32_t chosen = choose(Id);
  if (__builtin_expect(chosen == 0 && t_state.depth == 0, 1)) return fn(a...);
  return call_slow(Id, fn, caller, chosen, a...);
}

// A table-generated wrapper's call: Call<id, decltype(fn)>{fn, caller}(args...).
template <int Id, class Fn>
struct Call {
  Fn fn;
  void* caller;
  template <class... A>
  __attribute__((always_inline)) auto operator()(A... a) const -> decltype(fn(a...)) {
    if (__builtin_expect((t_state.depth | g_armed[Id]) == 0, 1)) return fn(a...);
    return call_armed<Id>(fn, caller, a...);
  }
};

}  // namespace sigstorm

// The body of a table-generated wrapper: ARGS is the row's parenthesized
// argument list.
#define SIGSTORM_INTERCEPT_ARGS(id, args) \
  return ::sigstorm::Call<id, decltype(fn)>{fn, __builtin_return_address(0)} args

// The same, for wrappers whose call needs locals by reference (stack arrays).
#define SIGSTORM_INTERCEPT_REF(id, expr) \
  return ::sigstorm::intercept(id, (void*)fn, __builtin_return_address(0), [&]() { return expr; })
