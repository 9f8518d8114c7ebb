// Where malloc's heap is: on the brk heap, as glibc's malloc puts a small
// block bare. Under LD_AUDIT the loader calls calloc before libc's early
// initialisation, and a libc malloc started there never uses brk (it
// thinks it is a secondary namespace's): the block lands in an mmap.
// argv[1]: a file that gets whether libsigstorm-audit.so is mapped, so the
// test knows the auditor was there.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char end;  // the end of the program's bss: the brk heap starts above it

static void on_usr1(int sig) { (void)sig; }

int main(int argc, char** argv) {
  signal(SIGUSR1, on_usr1);  // the checks start: a handler-installing program
  char* p = malloc(100);
  const int on_brk = p >= &end && p < (char*)sbrk(0);
  printf("malloc(100) on the brk heap: %s\n", on_brk ? "yes" : "FAIL: no");
  free(p);
  if (argc > 1) {
    FILE* maps = fopen("/proc/self/maps", "r");
    char line[4096];
    int audited = 0;
    while (maps && fgets(line, sizeof line, maps))
      if (strstr(line, "libsigstorm-audit.so")) audited = 1;
    if (maps) fclose(maps);
    FILE* out = fopen(argv[1], "w");
    if (out) {
      fprintf(out, "audited: %s\n", audited ? "yes" : "no");
      fclose(out);
    }
  }
  return on_brk ? 0 : 1;
}
