// A handler in a library the program dlopen()s, dlclose()s and opens again:
// its calls go through its own PLT, bound when it is loaded.
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <unistd.h>

// A variable the program finds with dlsym(): its address, not a stub's.
const int plugin_value = 4242;

void plugin_handler(int sig) {
  const char* s = strsignal(sig);  // @line:plugin-strsignal
  if (s && write(1, "plugin-ran\n", 11) < 0) {}
}
