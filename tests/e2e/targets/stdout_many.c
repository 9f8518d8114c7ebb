// Transparency: stdout, stderr and stdin pass through untouched: many lines,
// stdin echoed back as a checksum, and printf output still buffered at fork()
// (printed once by the child and once by the parent, as without sigstorm).
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;
static void on_usr1(int sig) { ticks++; }

int main(void) {
  signal(SIGUSR1, on_usr1);
  for (int i = 0; i < 20000; ++i) {
    printf("line %d of many, with some text to make the buffer wrap %x\n", i, i * 2654435761u);
    if (i % 1000 == 0) raise(SIGUSR1);
  }
  fprintf(stderr, "a line on stderr\n");

  unsigned long sum = 0, bytes = 0;
  int c;
  while ((c = getchar()) != EOF) {
    sum = sum * 31 + (unsigned char)c;
    bytes++;
  }
  printf("stdin bytes=%lu sum=%lu\n", bytes, sum);
  fflush(stdout);

  printf("buffered before fork\n");  // still in the buffer when we fork
  pid_t pid = fork();
  if (pid == 0) {
    raise(SIGUSR1);
    printf("child ticks=%d\n", (int)ticks);
    exit(0);  // flushes "buffered before fork" + the child's line
  }
  int status;
  waitpid(pid, &status, 0);
  printf("parent ticks=%d child status=%d\n", (int)ticks, WEXITSTATUS(status));
  fprintf(stderr, "last stderr line\n");
  return 0;
}
