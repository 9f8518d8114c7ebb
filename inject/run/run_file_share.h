// Hands the run file to processes of the run that may not open it: a
// server started as root that execs as another user (runuser, setpriv,
// gosu) keeps its findings without the file being opened to other users.
// The shim connects to an abstract unix socket named after the run file
// (wire::run_socket_name); a thread here answers with the file's descriptor
// (SCM_RIGHTS) when the peer is a descendant of this process, and with
// nothing otherwise.
#pragma once
#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <string_view>

#include "inject/run/run_file.h"

namespace sigstorm {

class RunFileShare {
 public:
  // Starts serving the processes below `root` (0: this process; a bare
  // run's watcher is no ancestor of the program); throws nothing: without
  // the socket, such processes only lose their findings (the shim says so).
  explicit RunFileShare(const RunFile& run_file, pid_t root = 0);
  ~RunFileShare();  // stops and joins
  RunFileShare(const RunFileShare&) = delete;
  RunFileShare& operator=(const RunFileShare&) = delete;

 private:
  void serve();
  static void* serve_thread(void* self);
  const RunFile& run_file_;
  pid_t root_;
  int listen_fd_ = -1;
  int stop_fd_[2] = {-1, -1};
  pthread_t thread_{};
  bool started_ = false;
};

// Sends `body` over a unix socket with descriptor `fd` (SCM_RIGHTS; none
// when fd < 0). The run file's socket here and the bare watcher's hand-over.
bool send_fd(int sock, std::string_view body, int fd);

// Is `pid` below `ancestor` in the process tree (or `ancestor` itself)?
bool descends_from(pid_t pid, pid_t ancestor);

}  // namespace sigstorm
