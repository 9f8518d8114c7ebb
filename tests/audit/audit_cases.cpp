// The audit library's hard cases, one per argv[1]: each installs a SIGUSR1
// handler, raises it, and prints what the handler saw (key=value lines).
// Linked with -z now: every binding is made at start-up (BIND_NOW).
#include <dlfcn.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
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

// ---- the same function pointer from dlsym() before and after a few
// thousand more stubs (every function libgio and libstdc++ export, asked by
// name; symbol tables read with libelf): the auditor's stub hash grows in
// generations, and a lookup must find a stub made in any of them. Past the
// auditor's pool of 4096 stubs in its own text, stubs are made in its
// overflow memfd: the early one is in the pool, the late one there ----
// a64l: neither interposed by the shim nor bound by anything at start-up,
// so its stub is made by the ask below, after libgio's.
using A64l = long (*)(const char*);
A64l g_a64l = nullptr;

void many_handler(int sig) { g_seen = g_strsignal(sig) != nullptr && g_a64l("/") == 1; }

long ask_for_every_function(void* lib) {
  struct link_map* map = nullptr;
  if (!lib || dlinfo(lib, RTLD_DI_LINKMAP, &map) != 0 || !map) return 0;
  const int fd = open(map->l_name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  elf_version(EV_CURRENT);
  Elf* e = elf_begin(fd, ELF_C_READ, nullptr);
  long asked = 0;
  for (Elf_Scn* scn = e ? elf_nextscn(e, nullptr) : nullptr; scn; scn = elf_nextscn(e, scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    for (size_t i = 1; data && i < sh.sh_size / sh.sh_entsize; ++i) {
      GElf_Sym sym;
      if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF) continue;
      const char* name = elf_strptr(e, sh.sh_link, sym.st_name);
      if (name && dlsym(lib, name)) ++asked;
    }
  }
  if (e) elf_end(e);
  close(fd);
  return asked;
}

// The path of the mapping that holds P (/proc/self/maps), or "".
std::string mapping_of(const void* p) {
  FILE* maps = fopen("/proc/self/maps", "r");
  char line[4096];
  std::string path;
  while (maps && fgets(line, sizeof line, maps)) {
    unsigned long lo = 0, hi = 0;
    int at = 0;
    if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &at) < 2 || (uintptr_t)p < lo || (uintptr_t)p >= hi) continue;
    path = line + at;
    if (!path.empty() && path.back() == '\n') path.pop_back();
    break;
  }
  if (maps) fclose(maps);
  return path;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

void many_case() {
  void* first = dlsym(RTLD_DEFAULT, "strsignal");
  long asked = ask_for_every_function(dlopen("libgio-2.0.so.0", RTLD_NOW));
  asked += ask_for_every_function(dlopen("libstdc++.so.6", RTLD_NOW));
  void* early = dlsym(RTLD_DEFAULT, "strsignal");
  void* late = dlsym(RTLD_DEFAULT, "a64l");
  say("asked_over_4096", asked > 4096);
  say("same_early", first == early);
  say("same_late", late == dlsym(RTLD_DEFAULT, "a64l"));
  say("early_in_pool", ends_with(mapping_of(early), "/libsigstorm-audit.so"));
  say("late_in_overflow", mapping_of(late).rfind("/memfd:sigstorm-stubs", 0) == 0);
  say("late_runs", ((A64l)late)("/") == 1);  // no handler running: the stub's fast path
  g_strsignal = (Strsignal)early;
  g_a64l = (A64l)late;
  install(many_handler);
}

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
  g_seen = g_seen + t_count;
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
  } else if (mode == "many") many_case();
  else if (mode == "throw") install(throw_handler);
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
