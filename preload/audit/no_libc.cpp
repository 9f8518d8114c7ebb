// The C library functions a compiler may call on its own (a struct copy, a
// zeroed array, string_view's compare, find and length), for libsigstorm-audit.so,
// which links no C library: an auditor lives in its own link namespace, and
// a libc there would be a second one mapped and relocated in every process.
// Local (exports.map), so nothing outside the auditor binds to them. The empty asm in each
// loop keeps the compiler from turning the loop back into a call of itself.
#include <stddef.h>

#define SIGSTORM_NO_LIBC extern "C"

SIGSTORM_NO_LIBC void* memcpy(void* dst, const void* src, size_t n) {
  unsigned char* d = (unsigned char*)dst;
  const unsigned char* s = (const unsigned char*)src;
  for (size_t i = 0; i < n; ++i) {
    d[i] = s[i];
    __asm__ volatile("");
  }
  return dst;
}

SIGSTORM_NO_LIBC void* memmove(void* dst, const void* src, size_t n) {
  unsigned char* d = (unsigned char*)dst;
  const unsigned char* s = (const unsigned char*)src;
  if (d < s) return memcpy(dst, src, n);
  for (size_t i = n; i > 0; --i) {
    d[i - 1] = s[i - 1];
    __asm__ volatile("");
  }
  return dst;
}

SIGSTORM_NO_LIBC void* memset(void* dst, int c, size_t n) {
  unsigned char* d = (unsigned char*)dst;
  for (size_t i = 0; i < n; ++i) {
    d[i] = (unsigned char)c;
    __asm__ volatile("");
  }
  return dst;
}

SIGSTORM_NO_LIBC int memcmp(const void* a, const void* b, size_t n) {
  const unsigned char* x = (const unsigned char*)a;
  const unsigned char* y = (const unsigned char*)b;
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    __asm__ volatile("");
  }
  return 0;
}

// clang turns memcmp(...) == 0 into bcmp.
SIGSTORM_NO_LIBC int bcmp(const void* a, const void* b, size_t n) { return memcmp(a, b, n); }

SIGSTORM_NO_LIBC void* memchr(const void* p, int c, size_t n) {
  const unsigned char* s = (const unsigned char*)p;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] == (unsigned char)c) return (void*)(s + i);
    __asm__ volatile("");
  }
  return nullptr;
}

SIGSTORM_NO_LIBC size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n]) {
    ++n;
    __asm__ volatile("");
  }
  return n;
}
