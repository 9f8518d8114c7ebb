// sigstorm: the command line (CLI11). Every usage error is one line on
// stderr, "sigstorm: error: ...", and exit status 2.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "cli/fuzz.h"
#include "cli/launch.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/run.h"
#include "cli/watch.h"
#include "inject/error.h"
#include "inject/options/functions.h"
#include "inject/report/report.h"

namespace {


// One line, control bytes made visible.
std::string one_line(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\n') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

int error_exit(std::string_view message, int status) {
  std::cout.flush();
  const std::string line = "sigstorm: error: " + one_line(message) + "\n";
  sigstorm::cli::write_all(STDERR_FILENO, line);
  return status;
}

int usage_error(std::string_view message) { return error_exit(message, sigstorm::kUsageExit); }

std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw sigstorm::Error(path + ": " + std::strerror(errno));
  std::string data;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw sigstorm::Error(path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

constexpr const char* kRunFooter = R"(
Usage: sigstorm run [OPTIONS] [--] PROGRAM [ARGS...]

SPEC := SIGNAL '@' POINT { ',' KEY '=' VALUE }
  SIGNAL  SIGUSR1 | USR1 | 10 | SIGRTMIN+N | RTMIN+N
  POINT   call:FUNC (an interposed function, see `sigstorm points`; call:* is any)
          | after:DUR | every:DUR | handler:SIG
  KEYS    when=FIRST[..LAST][+[STEP]]  p=0..1  mode=signal|eintr  max=N
          target=self|main|process|children|exe:NAME  from=start|handler
  DUR     number with unit ns, us, ms, s, m or h (200us, 50ms, 1.5s, 10m); bare = seconds

Examples:
  sigstorm run -- ./server --port 8080
  sigstorm run --inject USR1@call:read,mode=eintr --report out.json -- ./prog
  sigstorm run --time-scale 0.001 --inject SIGINT@after:10ms -- python3 app.py

Exit status: --error-exitcode (66) when an error finding was made; else the
program's own status, or 128+N when signal N ended it; 2 for a usage error
(the program is then never started).)";

}  // namespace

int main(int argc, char** argv) {
  // The shim's own mode for bare LD_PRELOAD (cli/watch.h), in no help.
  if (argc > 1 && std::strcmp(argv[1], "__watch") == 0) return sigstorm::cli::watch_main(argc, argv);
  CLI::App app{"sigstorm: finds bugs in the signal handlers of unmodified programs (LD_PRELOAD shim)",
               "sigstorm"};
  app.set_version_flag("-V,--version", "sigstorm " SIGSTORM_VERSION);
  app.require_subcommand(0, 1);
  app.footer("Run `sigstorm SUBCOMMAND --help` for the options of each subcommand.");

  CLI::App* run = app.add_subcommand("run", "Run PROGRAM with libsigstorm.so preloaded and report findings");
  run->footer(kRunFooter);
  CLI::App* points = app.add_subcommand(
      "points", "List every injection point (interposed function): family, safety, blocking, SA_RESTART");
  CLI::App* report = app.add_subcommand("report", "Render a saved JSON report as text, SARIF, HTML or JSON");
  CLI::App* fuzz = sigstorm::cli::add_fuzz_command(app);

  // Building every subcommand's options was half of what the CLI executes
  // of its own in `sigstorm run -- true` (CLI11 checks each new option
  // against all before it). A parse enters only a subcommand a whole
  // argument names, and then no other (the top level has flags only and
  // takes one subcommand): the one argv[1] names, else one named later
  // (`sigstorm -h run`). Only those get their options; --version and
  // --help alone build none.
  const auto names = [&](const CLI::App* sub, int i) { return i < argc && sub->check_name(argv[i]); };
  const std::vector<CLI::App*> subs = app.get_subcommands([](CLI::App*) { return true; });
  const bool first_named = std::any_of(subs.begin(), subs.end(), [&](const CLI::App* sub) { return names(sub, 1); });
  const auto wanted = [&](const CLI::App* sub) {
    if (first_named) return names(sub, 1);
    for (int i = 2; i < argc; ++i)
      if (names(sub, i)) return true;
    return false;
  };

  sigstorm::cli::Options ro;
  if (wanted(run)) sigstorm::cli::add_options(run, ro, sigstorm::cli::kRun);

  std::string points_format = "text";
  std::optional<std::string> points_policy;
  if (wanted(points)) {
    points->add_option("--format", points_format, "text (default) or markdown (docs/points.md)")
        ->type_name("text|markdown");
    points->add_option("--policy", points_policy,
                       "Instead, list what a handler may call under the policy: posix or linux, each with its reason")
        ->type_name("posix|linux");
  }

  std::string report_in;
  std::optional<std::string> report_format, report_out;
  sigstorm::cli::Options report_options;
  if (wanted(report)) {
    report->add_option("file", report_in, "The JSON report (from sigstorm run --report FILE.json)")
        ->type_name("FILE.json")
        ->required();
    report->add_option("--format", report_format, "text (default, or from OUT's extension), sarif, html or json")
        ->type_name("FORMAT");
    report->add_option("-o,--report,--output", report_out, "Write to OUT instead of stdout")->type_name("OUT");
    sigstorm::cli::add_options(report, report_options, sigstorm::cli::kReport);
  }

  if (wanted(fuzz)) sigstorm::cli::add_fuzz_options(fuzz);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  try {
    if (run->parsed()) {
      sigstorm::cli::apply_environment(run, &ro);
      return sigstorm::cli::run(ro);
    }
    if (fuzz->parsed()) return sigstorm::cli::fuzz_command();
    if (points->parsed()) {
      if (points_policy) {
        auto p = sigstorm::parse_policy(*points_policy);
        if (!p) return usage_error("--policy '" + *points_policy + "': unknown policy (want posix or linux)");
        std::cout << sigstorm::policy_text(*p);
      } else if (points_format == "text") std::cout << sigstorm::points_text();
      else if (points_format == "markdown") std::cout << sigstorm::points_markdown();
      else return usage_error("--format '" + points_format + "': unknown format (want text or markdown)");
      std::cout.flush();
      return std::cout ? 0 : 1;
    }
    if (report->parsed()) {
      sigstorm::cli::apply_environment(report, &report_options);  // suppressions=, verbosity=, named as written
      sigstorm::Format fmt = sigstorm::Format::Text;
      if (report_format) {
        auto f = sigstorm::parse_format(*report_format);
        if (!f)
          return usage_error("--format '" + *report_format + "': unknown format (want text, sarif, html or json)");
        fmt = *f;
      } else if (report_out) {
        fmt = sigstorm::format_from_path(*report_out).value_or(sigstorm::Format::Text);
      }
      const sigstorm::cli::Settings settings = sigstorm::cli::resolve(report_options, sigstorm::cli::kReport);
      std::optional<sigstorm::cli::OutputFile> out;
      if (report_out) out.emplace(*report_out);
      sigstorm::Report r = sigstorm::read_json_report(read_file(report_in), report_in);
      settings.present(r);
      const std::string text = sigstorm::write_report(r, fmt, settings.base_dir(r, fmt),
                                                      sigstorm::cli::use_color(settings.color, out ? -1 : STDOUT_FILENO));
      if (out) {
        out->commit(text);
      } else if (!sigstorm::cli::write_all(STDOUT_FILENO, text)) {
        return usage_error(std::string("cannot write to stdout: ") + std::strerror(errno));
      }
      return 0;
    }
  } catch (const sigstorm::Failure& e) {
    return error_exit(e.what(), sigstorm::kFailureExit);
  } catch (const sigstorm::Error& e) {
    return usage_error(e.what());
  } catch (const std::exception& e) {
    return usage_error(e.what());
  }

  return usage_error("no subcommand given (want run, fuzz, points or report; see sigstorm --help)");
}
