// A handler left with longjmp: the signal it handled stays blocked, so the
// next one never arrives. `siglongjmp` mode jumps correctly (sigsetjmp(env, 1)
// restores the mask) and must report nothing.
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static jmp_buf g_env;
static sigjmp_buf g_senv;
static int g_sig;

static void jump_out(int sig) { (void)sig; longjmp(g_env, 1); }  // @line:longjmp
static void sigjump_out(int sig) { (void)sig; siglongjmp(g_senv, 1); }

int main(int argc, char** argv) {
  int use_sig = argc > 1 && strcmp(argv[1], "siglongjmp") == 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = use_sig ? sigjump_out : jump_out;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  for (int i = 0; i < 2; ++i) {
    int jumped = use_sig ? sigsetjmp(g_senv, 1) : setjmp(g_env);
    if (!jumped) raise(SIGUSR1);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    g_sig = sigismember(&now, SIGUSR1);
    printf("round %d: SIGUSR1 blocked=%d\n", i, g_sig);
    fflush(stdout);
    if (g_sig) break;
  }
  return 0;
}
