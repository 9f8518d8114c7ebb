// fuzz_report_reader: `sigstorm report`'s JSON reader and the writers behind
// it. No crash, leak or hang; bad input is a sigstorm::Error (one line),
// never another exception; a report that reads writes back as JSON that
// reads to the same report.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "inject/error.h"
#include "inject/report/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sigstorm::Report report;
  try {
    report = sigstorm::read_json_report(text, "fuzz.json");
  } catch (const sigstorm::Error& e) {
    const std::string what = e.what();
    if (what.empty() || what.find('\n') != std::string::npos) {
      std::fprintf(stderr, "fuzz_report_reader: error is not one line: %s\n", what.c_str());
      std::abort();
    }
    return 0;
  }
  const std::string json = sigstorm::write_json(report);
  sigstorm::Report again;
  try {
    again = sigstorm::read_json_report(json, "again.json");
  } catch (const sigstorm::Error& e) {
    std::fprintf(stderr, "fuzz_report_reader: written JSON does not read back: %s\n%s\n", e.what(), json.c_str());
    std::abort();
  }
  if (sigstorm::write_json(again) != json) {
    std::fprintf(stderr, "fuzz_report_reader: JSON round trip is not stable\n");
    std::abort();
  }
  (void)sigstorm::write_text(report, "/src");
  (void)sigstorm::write_sarif(report, "/src");
  (void)sigstorm::write_html(report, "/src");
  return 0;
}
