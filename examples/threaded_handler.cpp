// threaded_handler.cpp - a SIGTERM handler in a program with worker threads,
// written the way the tutorials write Python handlers: it logs with std::cout
// and builds the message as a std::string.
//
// In Python the handler always runs in the main thread, between bytecodes.
// In C++ it runs on whichever thread the kernel picks, at any instruction.
// std::string allocates (operator new -> malloc, the allocator's locks) and
// std::cout goes through stdio's locked streams: if the signal lands while
// that thread, or the thread holding the lock, is inside malloc or printing,
// the handler deadlocks. None of it is async-signal-safe.
//
// The fix, in threaded_signalfd.cpp: block the signals in every thread and
// take them in one thread with signalfd (or sigwait). There the "handler" is
// ordinary code and may allocate, lock and print as it likes.
//
// `kill <pid>` is simulated with kill(getpid(), SIGTERM).
#include <atomic>
#include <csignal>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

static std::atomic<bool> stop{false};

static void on_terminate(int sig) {
  std::string msg = "received signal " + std::to_string(sig) + ", shutting down the workers";  // BUG: allocates
  std::cout << msg << std::endl;  // BUG: locks and writes through stdio
  stop = true;
}

int main() {
  std::signal(SIGTERM, on_terminate);
  std::atomic<int> started{0};
  std::vector<std::thread> workers;
  std::vector<unsigned long> results(3);
  for (int w = 0; w < 3; ++w)
    workers.emplace_back([w, &started, &results] {
      started++;
      unsigned long x = w;
      while (!stop) x = x * 6364136223846793005ul + 1442695040888963407ul;  // busy work, no allocation
      results[w] = x;
    });
  while (started < 3) std::this_thread::yield();
  std::cout << "3 workers running" << std::endl;
  kill(getpid(), SIGTERM);  // the operator's `kill <pid>`
  for (auto& t : workers) t.join();
  std::cout << "all workers stopped" << std::endl;
  return 0;
}
