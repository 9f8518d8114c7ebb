// Replay target: reads lines from stdin and echoes them; between lines it
// makes one close(-1) call, a call: point. Its SIGUSR1 handler prints (an
// unsafe-call finding) which line the signal arrived at, so the output shows
// exactly which hits an injection picked.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t line_no;

static void on_usr1(int sig) {
  printf("  [SIGUSR1 at line %d]\n", (int)line_no);  // @line:printf-in-handler (unsafe)
}

int main(void) {
  signal(SIGUSR1, on_usr1);
  char buf[256];
  while (fgets(buf, sizeof buf, stdin)) {
    line_no++;
    close(-1);  // the call: point
    printf("%d: %s", (int)line_no, buf);
  }
  return 0;
}
