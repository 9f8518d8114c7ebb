// The variadic rows of inject/wire/functions.def: each forwards to the va_list
// twin of the real function, under the same discipline as every wrapper.
#include "preload/interpose.h"

using namespace sigstorm;

#define SIGSTORM_VARIADIC(ret, name, params, last, vname, ...)                      \
  SIGSTORM_WRAPPER(ret, name, params) {                                             \
    va_list ap;                                                                     \
    va_start(ap, last);                                                             \
    auto fn = real_fn(real::name);                                                  \
    auto vfn = real_fn(real::vname);                                                \
    ret r = intercept(fn_##name, (void*)fn, __builtin_return_address(0),            \
                      [&]() { return vfn(__VA_ARGS__); });                          \
    va_end(ap);                                                                     \
    return r;                                                                       \
  }

#define SIGSTORM_VARIADIC_VOID(name, params, last, vname, ...)                      \
  SIGSTORM_WRAPPER(void, name, params) {                                            \
    va_list ap;                                                                     \
    va_start(ap, last);                                                             \
    auto fn = real_fn(real::name);                                                  \
    auto vfn = real_fn(real::vname);                                                \
    intercept(fn_##name, (void*)fn, __builtin_return_address(0),                    \
              [&]() { vfn(__VA_ARGS__); });                                         \
    va_end(ap);                                                                     \
  }

SIGSTORM_VARIADIC(int, printf, (const char* fmt, ...), fmt, vprintf, fmt, ap)
SIGSTORM_VARIADIC(int, fprintf, (FILE* f, const char* fmt, ...), fmt, vfprintf, f, fmt, ap)
SIGSTORM_VARIADIC(int, dprintf, (int fd, const char* fmt, ...), fmt, vdprintf, fd, fmt, ap)
SIGSTORM_VARIADIC(int, sprintf, (char* s, const char* fmt, ...), fmt, vsprintf, s, fmt, ap)
SIGSTORM_VARIADIC(int, snprintf, (char* s, size_t n, const char* fmt, ...), fmt, vsnprintf, s, n, fmt, ap)
SIGSTORM_VARIADIC(int, __printf_chk, (int flag, const char* fmt, ...), fmt, __vprintf_chk, flag, fmt, ap)
SIGSTORM_VARIADIC(int, __fprintf_chk, (FILE* f, int flag, const char* fmt, ...), fmt, __vfprintf_chk, f, flag, fmt, ap)
SIGSTORM_VARIADIC(int, __dprintf_chk, (int fd, int flag, const char* fmt, ...), fmt, __vdprintf_chk, fd, flag, fmt, ap)
SIGSTORM_VARIADIC(int, __sprintf_chk, (char* s, int flag, size_t len, const char* fmt, ...), fmt, __vsprintf_chk, s, flag, len, fmt, ap)
SIGSTORM_VARIADIC(int, __snprintf_chk, (char* s, size_t n, int flag, size_t len, const char* fmt, ...), fmt, __vsnprintf_chk, s, n, flag, len, fmt, ap)
SIGSTORM_VARIADIC_VOID(syslog, (int prio, const char* fmt, ...), fmt, vsyslog, prio, fmt, ap)

// glibc has no public va_list twin of __syslog_chk; vsyslog does the same
// work without the fortify check.
SIGSTORM_VARIADIC_VOID(__syslog_chk, (int prio, int flag, const char* fmt, ...), fmt, vsyslog, prio, fmt, ap)

// open and friends take a mode only with O_CREAT or O_TMPFILE.
#define SIGSTORM_OPEN_LIKE(name, params, last, ...)                                  \
  SIGSTORM_WRAPPER(int, name, params) {                                              \
    mode_t mode = 0;                                                                 \
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {                     \
      va_list ap;                                                                    \
      va_start(ap, last);                                                            \
      mode = va_arg(ap, mode_t);                                                     \
      va_end(ap);                                                                    \
    }                                                                                \
    auto fn = real_fn(real::name);                                                   \
    SIGSTORM_INTERCEPT(fn_##name, fn(__VA_ARGS__, mode));                            \
  }

SIGSTORM_OPEN_LIKE(open, (const char* path, int flags, ...), flags, path, flags)
SIGSTORM_OPEN_LIKE(open64, (const char* path, int flags, ...), flags, path, flags)
SIGSTORM_OPEN_LIKE(openat, (int dirfd, const char* path, int flags, ...), flags, dirfd, path, flags)
SIGSTORM_OPEN_LIKE(openat64, (int dirfd, const char* path, int flags, ...), flags, dirfd, path, flags)

// Every fcntl argument fits in a pointer-sized register.
SIGSTORM_WRAPPER(int, fcntl, (int fd, int cmd, ...)) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  auto fn = real_fn(real::fcntl);
  SIGSTORM_INTERCEPT_ARGS(fn_fcntl, (fd, cmd, arg));
}
