// A handler that execs: exec keeps the pid and the main thread's tid, so the
// handler's watchdog slot (Header::active) outlives the image that claimed
// it. The next image ("second") sleeps past --hang-timeout in normal
// context: a slot left behind would be read as a handler that never
// returned. argv[1]: "first" (default) or "second".
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char self[4096];

static void on_usr1_exec(int sig) {
  (void)sig;
  char *argv[] = {"exec_in_handler", "second", NULL};
  execv(self, argv);
  _exit(3);
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "second")) {
    struct timespec ts = {1, 0};
    while (nanosleep(&ts, &ts) != 0) {
    }
    printf("second=%d\n", (int)getpid());
    return 0;
  }
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 2;
  self[n] = 0;
  printf("first=%d\n", (int)getpid());
  fflush(stdout);
  signal(SIGUSR1, on_usr1_exec);
  raise(SIGUSR1);
  return 4;
}
