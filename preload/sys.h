// Raw system calls for the shim's own work. They never touch errno (a
// handler's errno is what errno-clobber checks) and never go through the
// program's (or our own) interposed libc wrappers.
#pragma once

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

namespace sigstorm::sys {

#if defined(__x86_64__)
inline long call6(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
inline long call6(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
  return x0;
}
#else
#error "sigstorm's shim supports x86_64 and aarch64"
#endif

// Results are the kernel's: >= 0, or -errno.
inline long write(int fd, const void* buf, size_t n) { return call6(SYS_write, fd, (long)buf, (long)n); }
inline long read(int fd, void* buf, size_t n) { return call6(SYS_read, fd, (long)buf, (long)n); }
inline long openat(int dirfd, const char* path, int flags, int mode = 0) {
  return call6(SYS_openat, dirfd, (long)path, flags, mode);
}
inline long close(int fd) { return call6(SYS_close, fd); }
// stat(2) of PATH (AT_EMPTY_PATH with "" and a descriptor: fstat).
inline long fstatat(int dirfd, const char* path, struct stat* st, int flags) {
  return call6(SYS_newfstatat, dirfd, (long)path, (long)st, flags);
}
inline long readlink(const char* path, char* buf, size_t n) {
  return call6(SYS_readlinkat, -100 /* AT_FDCWD */, (long)path, (long)buf, (long)n);
}
inline long mmap(void* addr, size_t len, int prot, int flags, int fd, long off) {
  return call6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
}
inline long munmap(void* addr, size_t len) { return call6(SYS_munmap, (long)addr, (long)len); }
inline long socket(int domain, int type, int proto) { return call6(SYS_socket, domain, type, proto); }
inline long connect(int fd, const void* addr, unsigned len) { return call6(SYS_connect, fd, (long)addr, len); }
inline long setsockopt(int fd, int level, int name, const void* v, unsigned len) {
  return call6(SYS_setsockopt, fd, level, name, (long)v, len);
}
inline long recvmsg(int fd, void* msg, int flags) { return call6(SYS_recvmsg, fd, (long)msg, flags); }
// One message from a unix socket and the descriptor it carries
// (SCM_RIGHTS, close-on-exec): the descriptor, -EACCES when it carried
// none, or -errno. *len: the message's length.
inline long recv_fd(int s, void* buf, size_t cap, long* len) {
  struct iovec iov = {buf, cap};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  *len = recvmsg(s, &msg, MSG_CMSG_CLOEXEC);
  if (*len < 0) return *len;
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) return -13;  // EACCES
  int fd;
  __builtin_memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}
inline int getpid() { return (int)call6(SYS_getpid); }
inline int getppid() { return (int)call6(SYS_getppid); }
inline int gettid() { return (int)call6(SYS_gettid); }
inline long tgkill(int pid, int tid, int sig) { return call6(SYS_tgkill, pid, tid, sig); }
inline long kill(int pid, int sig) { return call6(SYS_kill, pid, sig); }

// The kernel's sigset is 8 bytes on Linux; glibc's sigset_t is larger but
// starts with the same bits.
constexpr size_t kSigsetSize = 8;
inline long sigprocmask(int how, const sigset_t* set, sigset_t* old) {
  return call6(SYS_rt_sigprocmask, how, (long)set, (long)old, kSigsetSize);
}
inline long sigaltstack(const stack_t* ss, stack_t* old) {
  return call6(SYS_sigaltstack, (long)ss, (long)old);
}
inline long clock_gettime(int clk, struct timespec* ts) {
  return call6(SYS_clock_gettime, clk, (long)ts);
}
inline uint64_t now_ns(int clk = 1 /* CLOCK_MONOTONIC */) {
  struct timespec ts;
  sys::clock_gettime(clk, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

// Blocks every signal on this thread for the life of the guard: the shim's
// bookkeeping must not be re-entered by a handler on the same thread.
class BlockAll {
 public:
  BlockAll() {
    sigset_t all;
    __builtin_memset(&all, 0xff, sizeof all);
    sys::sigprocmask(SIG_SETMASK, &all, &saved_);
  }
  ~BlockAll() { sys::sigprocmask(SIG_SETMASK, &saved_, nullptr); }
  BlockAll(const BlockAll&) = delete;
  BlockAll& operator=(const BlockAll&) = delete;

 private:
  sigset_t saved_;
};

}  // namespace sigstorm::sys

namespace sigstorm::sys {
inline void cpu_relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#else
  __asm__ volatile("yield");
#endif
}
}  // namespace sigstorm::sys
