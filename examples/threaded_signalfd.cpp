// threaded_signalfd.cpp - the correct twin of threaded_handler.cpp.
//
// SIGTERM and SIGINT are blocked before any thread starts, so every thread
// inherits the block and no handler ever runs. One thread reads them from a
// signalfd and reacts in ordinary thread context: it may build std::strings,
// print with std::cout and take locks. (sigwait() in a dedicated thread works
// the same way.) The signal is sent to the process, so the signalfd sees it
// whichever thread it was aimed at.
//
// `kill <pid>` is simulated with kill(getpid(), SIGTERM).
#include <atomic>
#include <csignal>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <sys/signalfd.h>
#include <unistd.h>

static std::atomic<bool> stop{false};

int main() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread exists
  int sfd = signalfd(-1, &signals, SFD_CLOEXEC);
  if (sfd < 0) return 1;

  std::thread signal_thread([sfd] {
    signalfd_siginfo info;
    if (read(sfd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      std::string msg = "received signal " + std::to_string(info.ssi_signo) + ", shutting down the workers";
      std::cout << msg << std::endl;  // fine: not a signal handler
    }
    stop = true;
  });

  std::atomic<int> started{0};
  std::vector<std::thread> workers;
  std::vector<unsigned long> results(3);
  for (int w = 0; w < 3; ++w)
    workers.emplace_back([w, &started, &results] {
      started++;
      unsigned long x = w;
      while (!stop) x = x * 6364136223846793005ul + 1442695040888963407ul;
      results[w] = x;
    });
  while (started < 3) std::this_thread::yield();
  std::cout << "3 workers running" << std::endl;
  kill(getpid(), SIGTERM);  // the operator's `kill <pid>`
  signal_thread.join();
  for (auto& t : workers) t.join();
  std::cout << "all workers stopped" << std::endl;
  close(sfd);
  return 0;
}
