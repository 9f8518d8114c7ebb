// The processes of a run, beyond what the run file holds at once. The run
// file has wire::kMaxProcesses entries; a long-running server or a build
// script starts thousands of processes. While the run goes on, the CLI takes
// the entries of processes that are gone into this ledger (their injection
// counts, handled signals, call counts) and frees the slots for new ones.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "inject/wire/record_format.h"

namespace sigstorm {

// One process, as its run-file entry said when it was read.
struct ProcessEntry {
  int pid = 0;
  int ppid = 0;
  uint32_t images = 0;           // program images it ran (exec keeps the entry)
  std::string exe;               // the last of them
  uint64_t fired[wire::kMaxInjections] = {};
  uint32_t started = 0;          // from=handler clocks that started (bit per spec)
  uint64_t expected_caught = 0;  // signals the shim's handlers catch (bit sig - 1)
  std::vector<uint64_t> calls;   // hits per functions.def row (fuzzing)
  struct Handled {
    int signal = 0;
    uint64_t ran = 0, at_call = 0, in_syscall = 0;
    std::vector<int> interrupted;         // functions.def rows
    std::optional<wire::Frame> handler;   // placed the first time it ran
  };
  std::vector<Handled> handled;           // signals whose handler ran
};

// The entries any process has used so far ([0, next_process)): readers look
// only at those, since each entry is a page of its own and touching all 512
// cost a short run hundreds of page faults.
inline uint32_t used_processes(const wire::Header& h) {
  const uint32_t n = h.next_process.load(std::memory_order_acquire);
  return n < wire::kMaxProcesses ? n : wire::kMaxProcesses;
}

// A copy of a run-file entry (any state; the caller decides which count).
ProcessEntry snapshot(const wire::Process& p);
// Zeroes every count of a run-file entry (not its state).
void clear_entry(wire::Process& p);
// clear_entry() for the first n entries.
void clear_processes(wire::Header& header, uint32_t n);

class ProcessLedger {
 public:
  // Takes out the entries of processes that are gone (or that the shim
  // marked kEnded), zeroes them and frees their slots. Returns how many.
  size_t harvest(wire::Header& header);
  const std::vector<ProcessEntry>& ended() const { return ended_; }

 private:
  std::vector<ProcessEntry> ended_;
};

// Every process of the run in order of first sight: the ledger's, then the
// entries still in the file (kReady or kEnded).
std::vector<ProcessEntry> all_processes(const wire::Header& header, const ProcessLedger* ledger);

}  // namespace sigstorm
