/* early_lib.c - a library whose constructor runs before the shim's fork
 * point (the loader initializes a program's libraries before the preloaded
 * shim) and leaves behind what a fork would not copy faithfully, chosen by
 * the program's first argument:
 *   thread   a thread that runs on           (fork copies only one thread)
 *   input F  F opened and read, kept open    (the copies would share its offset)
 *   timer    alarm(100)                       (fork drops interval timers)
 *   shared   a shared writable mapping        (the copies would share it)
 * anything else: nothing, a fork server works. */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void* idle(void* arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}

char early_input[64];
volatile char* early_shared;

__attribute__((constructor)) static void early(int argc, char** argv) {
  if (argc < 2) return;
  if (strcmp(argv[1], "thread") == 0) {
    pthread_t t;
    pthread_create(&t, NULL, idle, NULL);
  } else if (strcmp(argv[1], "input") == 0 && argc > 2) {
    int fd = open(argv[2], O_RDONLY);
    if (fd >= 0) (void)!read(fd, early_input, sizeof early_input - 1);
  } else if (strcmp(argv[1], "timer") == 0) {
    alarm(100);
  } else if (strcmp(argv[1], "shared") == 0) {
    early_shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  }
}
