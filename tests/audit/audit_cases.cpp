// The audit library's hard cases, one per argv[1]: each installs a SIGUSR1
// handler, raises it, and prints what the handler saw (key=value lines).
// Linked with -z now: every binding is made at start-up (BIND_NOW).
#include <dlfcn.h>
#include <errno.h>
#include <err.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace {

void say(const char* key, long value) {
  char line[96];
  const int n = snprintf(line, sizeof line, "%s=%ld\n", key, value);  // outside handlers only
  if (write(1, line, n) < 0) {}
}

volatile long g_seen = 0;

void install(void (*h)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sigaction(SIGUSR1, &sa, nullptr);
}

// ---- dlopen, dlclose, dlopen again: the plugin's stubs stay valid ----
int dlopen_case(const char* dir) {
  const std::string path = std::string(dir) + "/audit_plugin.so";
  for (int round = 0; round < 2; ++round) {
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) return 3;
    install((void (*)(int))dlsym(h, "plugin_handler"));
    raise(SIGUSR1);
    signal(SIGUSR1, SIG_DFL);
    dlclose(h);
  }
  return 0;
}

// ---- a variable from dlsym(): glibc asks the auditor about it too ----
int dlsym_data_case(const char* dir) {
  void* h = dlopen((std::string(dir) + "/audit_plugin.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) return 3;
  const int* value = (const int*)dlsym(h, "plugin_value");
  install((void (*)(int))dlsym(h, "plugin_handler"));  // a function: checked
  raise(SIGUSR1);
  say("value", value ? *value : -1);
  return 0;
}

// ---- a function pointer from dlsym(): glibc lets the auditor bind it too ----
using Strsignal = char* (*)(int);
Strsignal g_strsignal = nullptr;

void dlsym_handler(int sig) { g_seen = g_strsignal(sig) != nullptr; }

// ---- an exception thrown by libstdc++ through a checked call ----
void throw_handler(int) {
  try {
    std::__throw_invalid_argument("corpus");  // @line:throw-call
  } catch (const std::invalid_argument&) {
    g_seen = 1;
  }
}

// ---- variadic calls: stack arguments and vector registers reach the callee ----
void variadic_handler(int) {
  int a[10] = {};
  const int n = sscanf("1 2 3 4 5 6 7 8 9 10", "%d %d %d %d %d %d %d %d %d %d", &a[0], &a[1], &a[2], &a[3],
                       &a[4], &a[5], &a[6], &a[7], &a[8], &a[9]);
  warnx("%.1f %.1f %.1f", 1.5, 2.5, 3.5);
  g_seen = n == 10 && a[9] == 10 && a[5] == 6 ? 1 : 0;
}

// ---- errno is the program's: the check leaves it alone ----
void errno_handler(int) {
  const int saved = errno;
  errno = 1234;
  const long v = atol("7");
  g_seen = (errno == 1234 && v == 7) ? 1 : 0;
  errno = saved;
}

// ---- thread_local with dynamic initialization, in a handler on two threads ----
int next_id() {
  static int n = 0;
  return ++n * 10;
}
thread_local int t_id = next_id();
thread_local long t_count = 0;

void tls_handler(int) {
  t_count += t_id;
  g_seen += t_count;
}

void* tls_thread(void*) {
  raise(SIGUSR1);
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::string mode = argv[1];
  if (mode == "dlopen") return dlopen_case(argc > 2 ? argv[2] : ".");
  if (mode == "dlsym_data") return dlsym_data_case(argc > 2 ? argv[2] : ".");
  if (mode == "dlsym") {
    g_strsignal = (Strsignal)dlsym(RTLD_DEFAULT, "strsignal");
    install(dlsym_handler);
  } else if (mode == "throw") install(throw_handler);
  else if (mode == "variadic") install(variadic_handler);
  else if (mode == "errno") install(errno_handler);
  else if (mode == "thread_local") install(tls_handler);
  else return 2;
  raise(SIGUSR1);
  if (mode == "thread_local") {
    pthread_t t;
    pthread_create(&t, nullptr, tls_thread, nullptr);
    pthread_join(t, nullptr);
  }
  say("seen", g_seen);
  return 0;
}
