// A handler that lives in a dlopen()ed library, later dlclose()d: the report
// must still name it.
#include <stdio.h>
#include <stdlib.h>

void lib_handler(int sig) {
  char* msg = malloc(32);  // @line:lib-malloc
  snprintf(msg, 32, "lib handler %d\n", sig);
  free(msg);
}
