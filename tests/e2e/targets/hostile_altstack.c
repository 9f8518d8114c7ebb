// A handler on an alternate signal stack (SA_ONSTACK), as programs use to
// survive stack overflow: it must run there under sigstorm too, and a bad
// call it makes is still reported.
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char g_stack[64 * 1024];
static volatile int g_on_alt;

static void on_usr1(int sig) {
  (void)sig;
  char here;
  g_on_alt = (uintptr_t)&here >= (uintptr_t)g_stack && (uintptr_t)&here < (uintptr_t)g_stack + sizeof g_stack;
  void* p = malloc(16);  // @line:alt-malloc
  free(p);
}

int main(void) {
  stack_t ss = {.ss_sp = g_stack, .ss_size = sizeof g_stack, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  printf("on_altstack=%d\n", g_on_alt);
  return 0;
}
