// Start-up only where needed: what a process under sigstorm carries before
// and after it installs its first handler.
//
//   lazy_start sigaction|signal [fork]
//
// Prints "unwind-before=N threads-before=N" (is libunwind mapped, how many
// threads), installs a SIGUSR1 handler that calls malloc (an unsafe-call)
// with sigaction or signal(), prints "unwind-after=N threads-after=N" and
// raises SIGUSR1 at once: the handler must run checked, with a stack. With
// "fork" all that happens in a forked child of a parent that never installs
// a handler, which prints "parent-unwind=N" once the child is done.
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t g_ran;

static void on_usr1(int sig) {
  (void)sig;
  char* volatile p = malloc(32);  // @line:malloc-call
  free(p);
  g_ran = g_ran + 1;
}

static int unwind_mapped(void) {
  FILE* f = fopen("/proc/self/maps", "r");
  if (!f) return -1;
  char line[512];
  int found = 0;
  while (fgets(line, sizeof line, f))
    if (strstr(line, "libunwind")) found = 1;
  fclose(f);
  return found;
}

static int threads(void) {
  DIR* d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n;
}

static int steps(int use_signal) {
  printf("unwind-before=%d\nthreads-before=%d\n", unwind_mapped(), threads());
  if (use_signal) {
    signal(SIGUSR1, on_usr1);
  } else {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
  }
  printf("unwind-after=%d\nthreads-after=%d\n", unwind_mapped(), threads());
  raise(SIGUSR1);
  printf("ran=%d\n", (int)g_ran);
  fflush(stdout);
  return g_ran == 1 ? 0 : 1;
}

int main(int argc, char** argv) {
  const int use_signal = argc > 1 && strcmp(argv[1], "signal") == 0;
  if (argc > 2 && strcmp(argv[2], "fork") == 0) {
    fflush(stdout);
    const pid_t child = fork();
    if (child == 0) {
      printf("child=%d\n", (int)getpid());
      _exit(steps(use_signal));
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("parent-unwind=%d\n", unwind_mapped());
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  }
  return steps(use_signal);
}
