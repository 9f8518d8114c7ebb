// Injection target: handler:SIG points (a signal forced into a running
// handler).
//
//   inj_nested call      the SIGUSR1 handler makes one interposed call
//                        (close(-1), errno saved): handler:USR1 fires there
//   inj_nested nocall    the SIGUSR1 handler makes no call: handler:USR1
//                        fires as it returns
//   inj_nested nodefer   as `call`, the handler installed with SA_NODEFER:
//                        SIGUSR1@handler:USR1 re-enters it (reentrancy)
//   inj_nested defer     as `call`, without SA_NODEFER: a SIGUSR1 sent
//                        inside the handler waits until it returns
//
// main raises SIGUSR1 once. The SIGUSR2 handler records whether it ran while
// the SIGUSR1 handler was still running (usr2_nested). Prints
//
//   usr1_runs=N usr1_max_depth=D usr2_runs=M usr2_nested=K
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t usr1_runs, usr1_depth, usr1_max_depth, usr2_runs, usr2_nested;
static int make_call = 1;

static void on_usr1(int sig) {
  usr1_runs++;
  usr1_depth++;
  if (usr1_depth > usr1_max_depth) usr1_max_depth = usr1_depth;
  if (make_call) {
    const int saved = errno;
    close(-1);  // @line:handler-call (async-signal-safe)
    errno = saved;
  }
  usr1_depth--;
}

static void on_usr2(int sig) {
  usr2_runs++;
  if (usr1_depth > 0) usr2_nested++;
}

static void install(int sig, void (*fn)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = fn;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "call";
  int usr1_flags = SA_RESTART;
  if (strcmp(mode, "nocall") == 0) make_call = 0;
  else if (strcmp(mode, "nodefer") == 0) usr1_flags |= SA_NODEFER;
  else if (strcmp(mode, "call") != 0 && strcmp(mode, "defer") != 0) return 2;
  install(SIGUSR1, on_usr1, usr1_flags);
  install(SIGUSR2, on_usr2, SA_RESTART);

  raise(SIGUSR1);  // every handler run it causes is over when raise returns

  printf("usr1_runs=%d usr1_max_depth=%d usr2_runs=%d usr2_nested=%d\n", (int)usr1_runs,
         (int)usr1_max_depth, (int)usr2_runs, (int)usr2_nested);
  return 0;
}
