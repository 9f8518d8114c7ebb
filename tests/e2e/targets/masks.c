// Transparency: signal masks. Inside a handler the kernel blocks the handled
// signal (unless SA_NODEFER) and sa_mask; a signal raised there from sa_mask
// waits until the handler returns; ucontext's uc_sigmask is the mask to go
// back to, and a handler that edits it changes the mask after it returns.
// The mask outside handlers is left exactly as the program set it.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

static char order[64];
static volatile sig_atomic_t order_len;
static sigset_t in_usr1, in_usr2, in_nodefer, uc_mask;
static volatile sig_atomic_t si_code_seen, si_pid_ok, si_signo_seen;

static void note(char c) {
  if (order_len < (sig_atomic_t)sizeof order - 1) order[order_len++] = c;
}

static void on_usr1(int sig) {
  note('1');
  sigprocmask(SIG_BLOCK, NULL, &in_usr1);
  raise(SIGUSR2);  // in sa_mask: must wait until we return
  note('r');
}
static void on_usr2(int sig) {
  note('2');
  sigprocmask(SIG_BLOCK, NULL, &in_usr2);
}
static void on_hup_nodefer(int sig) {
  note('h');
  sigprocmask(SIG_BLOCK, NULL, &in_nodefer);
}
static void on_winch_info(int sig, siginfo_t *info, void *vctx) {
  ucontext_t *uc = vctx;
  note('w');
  si_signo_seen = info->si_signo;
  si_code_seen = info->si_code;
  si_pid_ok = info->si_pid == getpid();
  uc_mask = uc->uc_sigmask;
  sigaddset(&uc->uc_sigmask, SIGINT);  // blocked once we return
}

static void print_set(const char *label, const sigset_t *set) {
  printf("%s:", label);
  for (int s = 1; s < 65; ++s)
    if (sigismember(set, s) == 1) printf(" %d", s);
  printf("\n");
}

static void install(int sig, void (*h)(int), int flags, int extra_mask_sig) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  if (extra_mask_sig) sigaddset(&sa.sa_mask, extra_mask_sig);
  sigaction(sig, &sa, NULL);
}

int main(void) {
  sigset_t block, before, after;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGRTMIN + 3);
  sigprocmask(SIG_BLOCK, &block, NULL);
  sigprocmask(SIG_BLOCK, NULL, &before);
  print_set("outside before", &before);

  install(SIGUSR1, on_usr1, 0, SIGUSR2);
  install(SIGUSR2, on_usr2, 0, 0);
  install(SIGHUP, on_hup_nodefer, SA_NODEFER, SIGQUIT);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_winch_info;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGWINCH, &sa, NULL);

  raise(SIGUSR1);
  order[order_len] = 0;
  printf("order: %s\n", order);
  print_set("inside usr1", &in_usr1);
  print_set("inside usr2", &in_usr2);

  raise(SIGHUP);
  print_set("inside nodefer hup", &in_nodefer);

  sigprocmask(SIG_BLOCK, NULL, &after);
  print_set("outside after", &after);

  raise(SIGWINCH);
  printf("siginfo: signo=%d code=%d pid_ok=%d\n", (int)si_signo_seen, (int)si_code_seen, (int)si_pid_ok);
  print_set("uc_sigmask", &uc_mask);
  sigprocmask(SIG_BLOCK, NULL, &after);
  print_set("outside after uc edit", &after);
  order[order_len] = 0;
  printf("order: %s\n", order);

  int ok = strcmp(order, "1r2hw") == 0 && sigismember(&in_usr1, SIGUSR1) && sigismember(&in_usr1, SIGUSR2) &&
           sigismember(&in_usr1, SIGTERM) && !sigismember(&in_nodefer, SIGHUP) &&
           sigismember(&in_nodefer, SIGQUIT) && sigismember(&after, SIGINT) && !sigismember(&uc_mask, SIGWINCH) &&
           sigismember(&uc_mask, SIGTERM);
  printf("%s\n", ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
