// The CLI's side of `sigstorm fuzz`'s fork server (inject/wire/fork_server.h,
// preload/fork_server.cpp): the program is started once and waits at the
// shim's fork point; each run is a copy it forks, whose wait status it
// relays over a socket, as AFL's fork server does. A Supervisor with
// SupervisorOptions::server drives such a copy like a program it exec'd: it
// knows its pid (the copy is its own process group, so the timeout and the
// hang watchdog kill it and its descendants), learns its end from the socket.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "inject/run/supervisor.h"

namespace sigstorm {

class ForkServer {
 public:
  // `options`: how the program is started (stdio, ASLR, process group).
  ForkServer(RunFile& run_file, const SignalGate& gate, SupervisorOptions options);
  ~ForkServer();  // the server (idle between runs) is ended
  ForkServer(const ForkServer&) = delete;
  ForkServer& operator=(const ForkServer&) = delete;

  // Starts PATH ARGV with ENV plus the server's variable and waits up to
  // `timeout_ns` for it to stand at the fork point. Returns "" then, else
  // why a fork server cannot serve this program (the process is gone).
  // Throws sigstorm::Error when PATH cannot be executed at all.
  std::string start(const std::string& path, const std::vector<std::string>& argv, std::vector<std::string> env,
                    const std::string& display, uint64_t timeout_ns);
  bool alive() const { return alive_; }
  pid_t pid() const { return server_.pid(); }
  // Asks for one copy; false when the server is gone (why_gone()). The
  // copy's pid follows in the run file (copy_pid): sigstorm does not wait
  // for the fork.
  bool spawn();
  // The copy's pid once the server forked it, else 0.
  pid_t copy_pid() const;
  // The running copy's wait status once it ended, else nothing. When the
  // server went away meanwhile: a SIGKILL status.
  std::optional<int> poll();
  // Blocks until the running copy's wait status (it was killed).
  int wait();
  int status_fd() const { return status_; }
  const std::string& why_gone() const { return gone_; }

 private:
  // One int32 from the server, waiting up to timeout_ms (0: only what is there).
  bool read_int(int32_t* v, int timeout_ms);
  void lost(const std::string& why);

  Supervisor server_;
  int ctl_ = -1, status_ = -1;
  bool alive_ = false;
  const wire::Header* header_ = nullptr;
  std::string gone_;
};

}  // namespace sigstorm
