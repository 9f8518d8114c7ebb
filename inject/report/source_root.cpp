#include "inject/report/source_root.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace sigstorm {
namespace {

std::string dir_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

// The program's own source file that says where its tree is.
std::optional<std::string> own_dir(const Report& r) {
  auto own = [](const StackFrame& fr) {
    return !fr.signal_frame && fr.file && !fr.file->empty() && (*fr.file)[0] == '/' && !system_module(fr.module);
  };
  for (const Finding& f : r.findings) {
    for (const StackFrame& fr : f.stack)
      if (own(fr)) return dir_of(*fr.file);
    if (f.handler_frame && own(*f.handler_frame)) return dir_of(*f.handler_frame->file);
  }
  for (const HandlerStat& h : r.handlers)
    if (h.handler_frame && own(*h.handler_frame)) return dir_of(*h.handler_frame->file);
  for (const ProcessInfo& p : r.processes)
    if (!p.exe.empty() && p.exe[0] == '/') return dir_of(p.exe);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> git_top_level(const std::string& dir) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::string d = dir;
  char git[] = "git", c[] = "-C", rev[] = "rev-parse", top[] = "--show-toplevel";
  char* argv[] = {git, c, d.data(), rev, top, nullptr};
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, "git", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipefd[1]);
  std::string out;
  if (rc == 0) {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(pipefd[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(pipefd[0]);
  if (rc != 0) return std::nullopt;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || out.empty() || out[0] != '/') return std::nullopt;
  return out;
}

std::string default_source_root(const Report& report, const std::string& fallback) {
  if (auto dir = own_dir(report))
    if (auto top = git_top_level(*dir)) return *top;
  return fallback;
}

}  // namespace sigstorm
