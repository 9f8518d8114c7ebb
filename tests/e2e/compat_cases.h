// The compatibility suite's case table and the helpers its cases use.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "harness.h"

namespace compat {

using e2e::python;
using e2e::which;

void write_file(const std::string& path, const std::string& data);
std::string read_file(const std::string& path, bool* ok = nullptr);
// Deterministic text and bytes (the same in every run).
std::string generated_text(size_t bytes, uint64_t seed);
std::string generated_bytes(size_t bytes, uint64_t seed);
// Where two byte strings first differ, for failure messages.
std::string first_difference(const std::string& a, const std::string& b);
// Only dd's "N+M records in/out" lines (the rest is timing).
std::string dd_record_lines(const std::string& err);
int count_substr(const std::string& s, const std::string& what);

#define EXPECT_SAME_BYTES(what, bare, storm) \
  EXPECT_TRUE((bare) == (storm)) << what << " differs: " << first_difference((bare), (storm))

struct Step {
  std::vector<std::string> argv;
  int status = 0;                     // the bare run's status (as a shell reports it); -1: any
  std::vector<std::string> out_has;   // the bare run's stdout contains each
  std::string stdin_data;
  // Filters stderr before comparing it: null compares all of it.
  std::function<std::string(const std::string&)> err_filter;
};

struct Case {
  std::vector<std::string> programs;                   // skipped unless all are installed
  std::function<void(const std::string& dir)> setup;   // fills the fresh run directory
  std::vector<Step> steps;                             // run in order, cwd = the directory
  std::vector<std::pair<std::string, std::string>> env;  // besides LC_ALL=C, TZ=UTC
  bool home_is_dir = false;                            // HOME=the directory
  std::vector<std::string> artifacts;                  // files that must be equal afterwards
  // More checks on the bare run: its directory and every step's result.
  std::function<void(const std::string& dir, const std::vector<e2e::RunResult>& bare)> check;
};

// Every case, by name.
const std::map<std::string, Case>& cases();

}  // namespace compat
