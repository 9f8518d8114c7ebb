// The program's own timers and sleeps. With --time-scale F they run F times
// as long (an alarm(300) with F=0.001 rings after 300 ms), and every value
// read back is scaled back, so the program sees the durations it asked for.
#include <errno.h>

#include "preload/handlers.h"
#include "preload/inject.h"
#include "preload/interpose.h"
#include "preload/sys.h"

using namespace sigstorm;

namespace {

constexpr uint64_t kNsPerSec = 1000000000ull;

uint64_t ns_of(const struct timeval& tv) { return (uint64_t)tv.tv_sec * kNsPerSec + (uint64_t)tv.tv_usec * 1000; }
uint64_t ns_of(const struct timespec& ts) { return (uint64_t)ts.tv_sec * kNsPerSec + (uint64_t)ts.tv_nsec; }
struct timeval tv_of(uint64_t ns) { return {(time_t)(ns / kNsPerSec), (suseconds_t)(ns % kNsPerSec / 1000)}; }
struct timespec ts_of(uint64_t ns) { return {(time_t)(ns / kNsPerSec), (long)(ns % kNsPerSec)}; }

struct itimerval scaled(const struct itimerval& v) {
  return {tv_of(scale_ns(ns_of(v.it_interval))), tv_of(scale_ns(ns_of(v.it_value)))};
}
void unscale(struct itimerval* v) {
  *v = {tv_of(unscale_ns(ns_of(v->it_interval))), tv_of(unscale_ns(ns_of(v->it_value)))};
}

// alarm()'s rounding of what was left of the previous timer.
unsigned alarm_seconds(const struct itimerval& old) {
  unsigned s = (unsigned)old.it_value.tv_sec;
  if (old.it_value.tv_usec >= 500000 || (s == 0 && old.it_value.tv_usec > 0)) ++s;
  return s;
}

// default-action needs to know the process armed a timer, and where.
int timer_signal(int which) { return which == ITIMER_VIRTUAL ? SIGVTALRM : which == ITIMER_PROF ? SIGPROF : SIGALRM; }
template <class R>
R armed(R r, bool ok, int fn, int sig, uint64_t ns) {
  if (ok) timer_armed(fn, sig, ns);
  return r;
}

int scaled_setitimer(int which, const struct itimerval* v, struct itimerval* old) {
  struct itimerval s = v ? scaled(*v) : itimerval{};
  int r = real::setitimer(which, v ? &s : nullptr, old);
  if (r == 0 && old) unscale(old);
  return r;
}

}  // namespace

SIGSTORM_WRAPPER(unsigned, alarm, (unsigned secs)) {
  auto fn = real_fn(real::alarm);
  const uint64_t ns = (uint64_t)secs * kNsPerSec;
  if (!time_scaled())
    return armed(intercept(fn_alarm, (void*)fn, __builtin_return_address(0), [=]() { return fn(secs); }), true,
                 fn_alarm, SIGALRM, ns);
  real_fn(real::setitimer);
  return armed(intercept(fn_alarm, (void*)fn, __builtin_return_address(0), [&]() {
    struct itimerval v = {{0, 0}, {(time_t)secs, 0}}, old = {};
    scaled_setitimer(ITIMER_REAL, &v, &old);
    return alarm_seconds(old);
  }), true, fn_alarm, SIGALRM, ns);
}

SIGSTORM_WRAPPER(useconds_t, ualarm, (useconds_t usecs, useconds_t interval)) {
  auto fn = real_fn(real::ualarm);
  const uint64_t ns = (uint64_t)usecs * 1000;
  useconds_t r;
  if (!time_scaled()) {
    r = intercept(fn_ualarm, (void*)fn, __builtin_return_address(0), [=]() { return fn(usecs, interval); });
  } else {
    real_fn(real::setitimer);
    r = intercept(fn_ualarm, (void*)fn, __builtin_return_address(0), [&]() -> useconds_t {
      struct itimerval v = {{0, (suseconds_t)interval}, {0, (suseconds_t)usecs}}, old = {};
      if (scaled_setitimer(ITIMER_REAL, &v, &old) != 0) return (useconds_t)-1;
      return (useconds_t)(old.it_value.tv_sec * 1000000 + old.it_value.tv_usec);
    });
  }
  return armed(r, r != (useconds_t)-1, fn_ualarm, SIGALRM, ns);
}

SIGSTORM_WRAPPER(int, setitimer, (int which, const struct itimerval* v, struct itimerval* old)) {
  auto fn = real_fn(real::setitimer);
  const int r = intercept(fn_setitimer, (void*)fn, __builtin_return_address(0), [=]() {
    return time_scaled() ? scaled_setitimer(which, v, old) : fn(which, v, old);
  });
  return armed(r, r == 0 && v, fn_setitimer, timer_signal(which), v ? ns_of(v->it_value) : 0);
}

namespace {
int timer_settime_scaled(int (*fn)(timer_t, int, const struct itimerspec*, struct itimerspec*), timer_t t, int flags,
                         const struct itimerspec* v, struct itimerspec* old) {
  if (!time_scaled() || !v || (flags & TIMER_ABSTIME)) return fn(t, flags, v, old);
  return [&]() {
    struct itimerspec s = {ts_of(scale_ns(ns_of(v->it_interval))), ts_of(scale_ns(ns_of(v->it_value)))};
    int r = fn(t, flags, &s, old);
    if (r == 0 && old)
      *old = {ts_of(unscale_ns(ns_of(old->it_interval))), ts_of(unscale_ns(ns_of(old->it_value)))};
    return r;
  }();
}
}  // namespace

// A timer_create timer's signal is not known here: SIGALRM, timer_create's
// default, is the one watched.
SIGSTORM_WRAPPER(int, timer_settime, (timer_t t, int flags, const struct itimerspec* v, struct itimerspec* old)) {
  auto fn = real_fn(real::timer_settime);
  const int r = intercept(fn_timer_settime, (void*)fn, __builtin_return_address(0),
                          [&]() { return timer_settime_scaled(fn, t, flags, v, old); });
  return armed(r, r == 0 && v, fn_timer_settime, SIGALRM, v ? ns_of(v->it_value) : 0);
}

// Reading a timer back: the program's own units.
namespace {
int unscaled_getitimer(int which, struct itimerval* v) {
  const int r = real::getitimer(which, v);
  if (r == 0 && v && time_scaled()) unscale(v);
  return r;
}
int unscaled_timer_gettime(timer_t t, struct itimerspec* v) {
  const int r = real::timer_gettime(t, v);
  if (r == 0 && v && time_scaled())
    *v = {ts_of(unscale_ns(ns_of(v->it_interval))), ts_of(unscale_ns(ns_of(v->it_value)))};
  return r;
}
}  // namespace

SIGSTORM_WRAPPER(int, getitimer, (int which, struct itimerval* v)) {
  auto fn = real_fn(real::getitimer);
  SIGSTORM_INTERCEPT(fn_getitimer, unscaled_getitimer(which, v));
}

SIGSTORM_WRAPPER(int, timer_gettime, (timer_t t, struct itimerspec* v)) {
  auto fn = real_fn(real::timer_gettime);
  SIGSTORM_INTERCEPT(fn_timer_gettime, unscaled_timer_gettime(t, v));
}

// ---- sleeps: scaled too, since a program sleeps to wait for its timers ----

namespace {

int scaled_nanosleep(const struct timespec* req, struct timespec* rem) {
  if (!time_scaled() || !req) return real::nanosleep(req, rem);
  struct timespec s = ts_of(scale_ns(ns_of(*req))), left = {};
  int r = real::nanosleep(&s, &left);
  if (r != 0 && rem) *rem = ts_of(unscale_ns(ns_of(left)));
  return r;
}

}  // namespace

SIGSTORM_WRAPPER(int, nanosleep, (const struct timespec* req, struct timespec* rem)) {
  auto fn = real_fn(real::nanosleep);
  SIGSTORM_INTERCEPT(fn_nanosleep, scaled_nanosleep(req, rem));
}

SIGSTORM_WRAPPER(int, clock_nanosleep, (clockid_t clk, int flags, const struct timespec* req, struct timespec* rem)) {
  auto fn = real_fn(real::clock_nanosleep);
  // clock_nanosleep returns the error instead of setting errno.
  int r = intercept(fn_clock_nanosleep, (void*)fn, __builtin_return_address(0), [&]() {
    if (!time_scaled() || !req) return fn(clk, flags, req, rem);
    if (flags & TIMER_ABSTIME) {
      // A deadline (CPython's time.sleep sleeps this way, and resumes to the
      // same deadline after a handler): sleep the scaled time left until it.
      struct timespec now;
      if (sys::clock_gettime(clk, &now) != 0) return fn(clk, flags, req, rem);
      const uint64_t at = ns_of(*req), cur = ns_of(now);
      if (at <= cur) return fn(clk, flags, req, rem);
      struct timespec s = ts_of(scale_ns(at - cur));
      return fn(clk, 0, &s, nullptr);  // rem is not written for TIMER_ABSTIME
    }
    struct timespec s = ts_of(scale_ns(ns_of(*req))), left = {};
    int e = fn(clk, flags, &s, &left);
    if (e == EINTR && rem) *rem = ts_of(unscale_ns(ns_of(left)));
    return e;
  });
  return r == -1 ? EINTR : r;
}

SIGSTORM_WRAPPER(int, usleep, (useconds_t usecs)) {
  auto fn = real_fn(real::usleep);
  if (!time_scaled()) SIGSTORM_INTERCEPT(fn_usleep, fn(usecs));
  real_fn(real::nanosleep);
  SIGSTORM_INTERCEPT(fn_usleep, [&]() {
    struct timespec req = ts_of((uint64_t)usecs * 1000);
    return scaled_nanosleep(&req, nullptr);
  }());
}

// sleep returns the seconds left, also when interrupted; -1 from intercept
// is an injected EINTR, before anything was slept.
SIGSTORM_WRAPPER(unsigned, sleep, (unsigned secs)) {
  auto fn = real_fn(real::sleep);
  real_fn(real::nanosleep);
  long left = intercept(fn_sleep, (void*)fn, __builtin_return_address(0), [=]() -> long {
    if (!time_scaled()) return (long)fn(secs);
    struct timespec req = ts_of((uint64_t)secs * kNsPerSec), rem = {};
    if (scaled_nanosleep(&req, &rem) == 0) return 0;
    return (long)rem.tv_sec + (rem.tv_nsec >= 500000000L);
  });
  return left < 0 ? secs : (unsigned)left;
}
