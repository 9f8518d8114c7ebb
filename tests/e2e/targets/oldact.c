// Transparency: what sigaction()/signal()/sysv_signal()/bsd_signal()/sigset()
// report back (old action, handler, flags, mask) is what the program
// installed, never sigstorm's trampoline. Prints one fact per line; the
// self-checks print FAIL when the kernel's own behaviour is not seen.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
// The flags a program can ask for (SA_RESTORER is libc's business).
#define USER_FLAGS (SA_SIGINFO | SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_ONSTACK | SA_NOCLDSTOP | SA_NOCLDWAIT)

// glibc exports bsd_signal but declares it only for old X/Open levels.
extern __sighandler_t bsd_signal(int sig, __sighandler_t handler);

static volatile sig_atomic_t h1_calls, h2_calls;
static void h1(int sig) { h1_calls++; }
static void h2(int sig, siginfo_t *info, void *ctx) { h2_calls++; }

static int failures;
static void check(int ok, const char *what) {
  printf("%s: %s\n", what, ok ? "ok" : "FAIL");
  if (!ok) failures++;
}

static const char *name_of(void (*h)(int)) {
  if (h == SIG_DFL) return "SIG_DFL";
  if (h == SIG_IGN) return "SIG_IGN";
  if (h == h1) return "h1";
  if ((void *)h == (void *)h2) return "h2";
  return "OTHER";
}

static void show(const char *label, int sig) {
  struct sigaction cur;
  memset(&cur, 0xa5, sizeof cur);
  int rc = sigaction(sig, NULL, &cur);
  printf("%s: rc=%d handler=%s flags=%#x mask=", label, rc, name_of(cur.sa_handler),
         (unsigned)(cur.sa_flags & USER_FLAGS));
  for (int s = 1; s < 65; ++s)
    if (sigismember(&cur.sa_mask, s) == 1) printf("%d,", s);
  printf("\n");
}

int main(void) {
  struct sigaction act, old;
  show("initial USR1", SIGUSR1);
  show("initial RTMIN+2", SIGRTMIN + 2);
  show("initial SEGV", SIGSEGV);  // a checker's own crash handlers stay invisible
  show("initial ABRT", SIGABRT);
  show("initial BUS", SIGBUS);
  show("initial CHLD", SIGCHLD);

  // sigaction with flags and a mask, read back.
  memset(&act, 0, sizeof act);
  act.sa_handler = h1;
  act.sa_flags = SA_RESTART;
  sigemptyset(&act.sa_mask);
  sigaddset(&act.sa_mask, SIGUSR2);
  sigaddset(&act.sa_mask, SIGTERM);
  sigaddset(&act.sa_mask, SIGRTMIN + 1);
  memset(&old, 0x5a, sizeof old);
  check(sigaction(SIGUSR1, &act, &old) == 0, "install h1 rc");
  check(old.sa_handler == SIG_DFL, "first old is SIG_DFL");
  show("after h1", SIGUSR1);
  struct sigaction cur;
  sigaction(SIGUSR1, NULL, &cur);
  check(cur.sa_handler == h1, "readback handler h1");
  check((cur.sa_flags & USER_FLAGS) == SA_RESTART, "readback flags SA_RESTART");
  check(sigismember(&cur.sa_mask, SIGUSR2) == 1 && sigismember(&cur.sa_mask, SIGTERM) == 1 &&
            sigismember(&cur.sa_mask, SIGRTMIN + 1) == 1 && sigismember(&cur.sa_mask, SIGINT) == 0,
        "readback mask members");

  // Replace with an SA_SIGINFO|SA_NODEFER handler: old is h1 as installed.
  memset(&act, 0, sizeof act);
  act.sa_sigaction = h2;
  act.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&act.sa_mask);
  check(sigaction(SIGUSR1, &act, &old) == 0, "install h2 rc");
  check(old.sa_handler == h1 && (old.sa_flags & USER_FLAGS) == SA_RESTART, "old is h1 with SA_RESTART");
  check(sigismember(&old.sa_mask, SIGUSR2) == 1 && sigismember(&old.sa_mask, SIGINT) == 0, "old mask members");
  show("after h2", SIGUSR1);
  sigaction(SIGUSR1, NULL, &cur);
  check(cur.sa_sigaction == h2, "readback sa_sigaction h2");
  check((cur.sa_flags & USER_FLAGS) == (SA_SIGINFO | SA_NODEFER), "readback SA_SIGINFO|SA_NODEFER");
  raise(SIGUSR1);
  check(h2_calls == 1 && h1_calls == 0, "h2 delivered");

  // SA_RESETHAND|SA_ONSTACK read back; old is h2.
  memset(&act, 0, sizeof act);
  act.sa_handler = h1;
  act.sa_flags = SA_RESETHAND | SA_ONSTACK;
  sigemptyset(&act.sa_mask);
  check(sigaction(SIGUSR1, &act, &old) == 0, "install one-shot h1 rc");
  check(old.sa_sigaction == h2 && (old.sa_flags & USER_FLAGS) == (SA_SIGINFO | SA_NODEFER), "old is h2");
  show("after one-shot h1", SIGUSR1);

  // signal(): returns the previous handler; BSD semantics (SA_RESTART).
  void (*prev)(int) = signal(SIGUSR1, h1);
  check(prev == h1, "signal returns h1");
  show("after signal(h1)", SIGUSR1);
  prev = signal(SIGUSR1, SIG_IGN);
  check(prev == h1, "signal(SIG_IGN) returns h1");
  show("after signal(SIG_IGN)", SIGUSR1);
  raise(SIGUSR1);  // ignored
  check(h1_calls == 0, "ignored signal not delivered");
  prev = signal(SIGUSR1, SIG_DFL);
  check(prev == SIG_IGN, "signal(SIG_DFL) returns SIG_IGN");
  show("after signal(SIG_DFL)", SIGUSR1);

  // sysv_signal: one-shot, no mask (SA_RESETHAND|SA_NODEFER).
  prev = sysv_signal(SIGUSR2, h1);
  check(prev == SIG_DFL, "sysv_signal returns SIG_DFL");
  show("after sysv_signal", SIGUSR2);
  raise(SIGUSR2);
  check(h1_calls == 1, "sysv handler ran once");
  show("sysv after delivery", SIGUSR2);

  // bsd_signal and sigset.
  prev = bsd_signal(SIGHUP, h1);
  check(prev == SIG_DFL, "bsd_signal returns SIG_DFL");
  show("after bsd_signal", SIGHUP);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  prev = sigset(SIGHUP, SIG_IGN);
#pragma GCC diagnostic pop
  check(prev == h1, "sigset returns h1");
  show("after sigset(SIG_IGN)", SIGHUP);

  // sigaction to SIG_IGN / SIG_DFL with flags and masks.
  memset(&act, 0, sizeof act);
  act.sa_handler = SIG_IGN;
  act.sa_flags = SA_RESTART;
  sigemptyset(&act.sa_mask);
  sigaddset(&act.sa_mask, SIGINT);
  check(sigaction(SIGTERM, &act, &old) == 0 && old.sa_handler == SIG_DFL, "SIGTERM to SIG_IGN");
  show("SIGTERM ignored", SIGTERM);
  raise(SIGTERM);  // must not kill us
  act.sa_handler = SIG_DFL;
  check(sigaction(SIGTERM, &act, &old) == 0 && old.sa_handler == SIG_IGN, "SIGTERM back to SIG_DFL");
  show("SIGTERM default", SIGTERM);

  // Real-time signal.
  memset(&act, 0, sizeof act);
  act.sa_sigaction = h2;
  act.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&act.sa_mask);
  check(sigaction(SIGRTMIN + 2, &act, NULL) == 0, "RTMIN+2 install");
  show("RTMIN+2", SIGRTMIN + 2);
  raise(SIGRTMIN + 2);
  check(h2_calls == 2, "RTMIN+2 delivered");

  // Errors stay errors, with the kernel's errno.
  memset(&act, 0, sizeof act);
  act.sa_handler = h1;
  errno = 0;
  int rc = sigaction(SIGKILL, &act, NULL);
  printf("sigaction(SIGKILL): rc=%d errno=%d\n", rc, errno);
  check(rc == -1 && errno == EINVAL, "SIGKILL refused with EINVAL");
  errno = 0;
  rc = sigaction(SIGSTOP, &act, NULL);
  check(rc == -1 && errno == EINVAL, "SIGSTOP refused with EINVAL");
  errno = 0;
  rc = sigaction(0, &act, NULL);
  check(rc == -1 && errno == EINVAL, "signal 0 refused with EINVAL");
  errno = 0;
  rc = sigaction(65, NULL, &old);
  check(rc == -1 && errno == EINVAL, "signal 65 refused with EINVAL");
  errno = 0;
  check(signal(SIGKILL, h1) == SIG_ERR && errno == EINVAL, "signal(SIGKILL) is SIG_ERR");
  check(sigaction(SIGUSR1, NULL, NULL) == 0, "query with both NULL");

  printf("failures=%d\n", failures);
  return failures ? 1 : 0;
}
