// Injection schedules for fuzzing: a schedule is a short list of --inject
// specs (wire::Injection), each firing once.
//
// Two producers share this file:
//  - the in-process harness (fuzz/, <sigstorm/fuzz.h>) decodes libFuzzer's
//    input bytes into a schedule (decode_schedule): a pure function of the
//    bytes and the declared signals, so a saved crash input replays the same
//    schedule in any process;
//  - `sigstorm fuzz` draws and mutates schedules over the call points a
//    program was seen to reach (ScheduleGen).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "inject/wire/record_format.h"

namespace sigstorm {

using Schedule = std::vector<wire::Injection>;

// One injection from its parts, exactly as `--inject` would parse its
// canonical text: `function` is a functions.def row, or -1 for call:*.
// mode=eintr implies the calling thread as target (the grammar's rule).
// Throws sigstorm::Error for values the grammar rejects (a bad signal).
wire::Injection call_injection(int signal, int function, uint64_t hit, wire::Target target = wire::kTargetDefault,
                               wire::Mode mode = wire::kModeSignal);
wire::Injection handler_injection(int signal, int handler_signal, uint64_t hit,
                                  wire::Target target = wire::kTargetDefault);

// ---- in-process: libFuzzer bytes -> schedule ----
//
//   byte 0              number of injections: b % (max_injections + 1)
//   4 bytes each        b0  the signal: signals[b0 % signals.size()]
//                       b1  bits 0-1: 0..2 call:* (the k-th interposed call
//                             of the scenario), 3 handler:SIG
//                           bit 2: target=main (else the calling thread)
//                           bit 3: mode=eintr (when allowed; then target
//                             is the calling thread)
//                           bit 4: wide hit range (k up to 4096, else 64)
//                       b2 b3  call:*: k = 1 + (b2 | b3 << 8) % range
//                              handler:SIG: SIG = signals[b2 % size],
//                              when = 1 + b3 % 4
//   the rest            the scenario's own input
// Missing bytes read as 0. Every injection fires at most once.
struct DecodeOptions {
  std::vector<int> signals;  // the scenario's signals; empty: nothing is injected
  unsigned max_injections = 3;
  bool eintr = true;
};

struct Decoded {
  Schedule schedule;
  size_t consumed = 0;  // bytes of the input the schedule used
};

Decoded decode_schedule(std::span<const uint8_t> data, const DecodeOptions& options);

// ---- whole program: drawn over reached call points ----

struct ReachedPoint {
  int function = 0;   // functions.def row
  uint64_t hits = 0;  // most hits seen in one process of one run
};

class ScheduleGen {
 public:
  ScheduleGen(uint64_t seed, std::vector<int> signals);

  // Points the program reaches (learned from runs): merged by function,
  // keeping the largest hit count. Returns true when something was new.
  bool learn(int function, uint64_t hits);
  void add_signal(int sig);
  const std::vector<ReachedPoint>& points() const { return points_; }
  const std::vector<int>& signals() const { return signals_; }

  // A fresh schedule of 1..3 injections (mostly 1).
  Schedule random();
  // A small change: another hit, function, signal, target or mode; one
  // injection more or less; or a splice with `other` when given.
  Schedule mutate(const Schedule& s, const Schedule* other = nullptr);
  uint64_t next(uint64_t bound);  // uniform in [0, bound)

 private:
  wire::Injection random_injection();
  std::mt19937_64 rng_;
  std::vector<int> signals_;
  std::vector<ReachedPoint> points_;
};

// ---- minimizing and printing ----

// Shrinks a schedule while `reproduces` keeps saying yes: drops injections;
// when several remain, tries each alone at nearby hits (a handler's own
// calls are hits too, so one signal may need an earlier or later one); then
// simplifies each (default target, mode=signal, hit 1).
// `reproduces` is never called with more than `budget` schedules.
Schedule minimize(Schedule schedule, const std::function<bool(const Schedule&)>& reproduces, int budget = 64);

// `sigstorm run --seed N [extra...] --inject SPEC ... -- PROGRAM ARGS`, one
// line, every word quoted for a POSIX shell.
std::string reproducer_line(uint64_t seed, const std::vector<std::string>& extra_options, const Schedule& schedule,
                            const std::vector<std::string>& argv);

}  // namespace sigstorm
