// The handler comes from a library that is dlclose()d before the run ends.
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  (void)argc;
  char path[4096];
  snprintf(path, sizeof path, "%s", argv[0]);
  char* slash = strrchr(path, '/');
  snprintf(slash ? slash + 1 : path, sizeof path - (size_t)(slash ? slash + 1 - path : 0), "libhandler_lib.so");
  void* lib = dlopen(path, RTLD_NOW);
  if (!lib) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 1;
  }
  void (*h)(int) = (void (*)(int))dlsym(lib, "lib_handler");
  signal(SIGUSR1, h);
  raise(SIGUSR1);
  signal(SIGUSR1, SIG_DFL);
  dlclose(lib);
  printf("closed\n");
  return 0;
}
