// The sigstorm binary: usage errors (one line, exit 2, the program never
// started), --help/--version, exit statuses, report files, `report`, `points`.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "inject/options/functions.h"

#ifndef SIGSTORM_CLI
#error "SIGSTORM_CLI: the path of build/bin/sigstorm (tests/CMakeLists.txt)"
#endif

extern char** environ;

namespace sigstorm {
namespace {

using nlohmann::json;

struct Result {
  int status = -1;  // shell-style: exit code or 128+signal
  std::string out, err;
};

// Runs argv with stdin from /dev/null, capturing stdout and stderr; extra
// environment entries "K=V" are added (or replace), "K" alone removes K.
Result run(const std::vector<std::string>& args, const std::vector<std::string>& env_changes = {},
           const std::string& cwd = "") {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    bool drop = kv.rfind("LD_PRELOAD=", 0) == 0 || kv.rfind("SIGSTORM_", 0) == 0;
    for (const auto& c : env_changes) {
      const std::string key = c.substr(0, c.find('='));
      drop = drop || kv.rfind(key + "=", 0) == 0;
    }
    if (!drop) env.push_back(kv);
  }
  for (const auto& c : env_changes)
    if (c.find('=') != std::string::npos) env.push_back(c);
  std::vector<char*> argv, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    close(out[0]);
    close(err[0]);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  Result r;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int open_fds = 2;
  while (open_fds > 0 && std::chrono::steady_clock::now() < deadline) {
    if (poll(fds, 2, 1000) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  if (open_fds > 0) kill(pid, SIGKILL);
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::vector<std::string> cli(const std::vector<std::string>& args) {
  std::vector<std::string> v{SIGSTORM_CLI};
  v.insert(v.end(), args.begin(), args.end());
  return v;
}

bool exists(const std::string& p) { return access(p.c_str(), F_OK) == 0; }

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int line_count(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sigstorm-cli-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
    marker = dir + "/ran";
  }
  void TearDown() override { std::system(("rm -rf '" + dir + "'").c_str()); }

  // A program that leaves `marker` behind when it runs.
  std::vector<std::string> marker_program() const { return {"/bin/sh", "-c", "echo ran > '" + marker + "'"}; }

  // `sigstorm run OPTIONS -- marker program` must be refused before it runs.
  std::string expect_refused(std::vector<std::string> args, const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv{SIGSTORM_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    const Result r = run(argv, env, dir);
    std::string what;
    for (const auto& a : args) what += a + " ";
    EXPECT_EQ(r.status, 2) << what << "\n" << r.err;
    EXPECT_EQ(line_count(r.err), 1) << what << "\nwant one line:\n" << r.err;
    EXPECT_EQ(r.err.rfind("sigstorm: error: ", 0), 0u) << what << "\n" << r.err;
    EXPECT_EQ(r.out, "") << what;
    EXPECT_FALSE(exists(marker)) << what << ": the program ran";
    return r.err;
  }

  // run OPTIONS -- marker program
  std::vector<std::string> with_marker(std::vector<std::string> options) const {
    options.insert(options.begin(), "run");
    options.push_back("--");
    for (const auto& a : marker_program()) options.push_back(a);
    return options;
  }

  std::string dir, marker;
};

TEST_F(Cli, VersionAndHelp) {
  Result r = run(cli({"--version"}));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "sigstorm " SIGSTORM_VERSION "\n");

  r = run(cli({"-V"}));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "sigstorm " SIGSTORM_VERSION "\n");

  r = run(cli({"--help"}));
  EXPECT_EQ(r.status, 0);
  for (const char* sub : {"run", "fuzz", "points", "report"}) EXPECT_NE(r.out.find(sub), std::string::npos) << sub;

  // Alone: a usage error whose one line names every subcommand.
  r = run(cli({}));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  for (const char* sub : {"run,", "fuzz,", "points ", "report;"})
    EXPECT_NE(r.err.find(sub), std::string::npos) << sub << " missing from\n" << r.err;

  r = run(cli({"run", "--help"}));
  EXPECT_EQ(r.status, 0) << r.err;
  for (const char* opt : {"--inject", "-i", "--check", "--report", "-o", "--format", "--seed", "--hang-timeout",
                          "--timeout", "--error-exitcode", "--time-scale", "--policy", "posix", "linux",
                          "SPEC", "PROGRAM"})
    EXPECT_NE(r.out.find(opt), std::string::npos) << "run --help lacks " << opt << "\n" << r.out;
}

TEST_F(Cli, UsageErrorsAreOneLineAndStartNothing) {
  EXPECT_NE(expect_refused(with_marker({"--no-such-option"})).find("--no-such-option"), std::string::npos);
  EXPECT_NE(expect_refused(with_marker({"--inject", "USR1@cal:read"})).find("cal:read"), std::string::npos);
  EXPECT_NE(expect_refused(with_marker({"-i", "SIGNOPE@after:1s"})).find("SIGNOPE"), std::string::npos);
  EXPECT_NE(expect_refused(with_marker({"--check", "unsafe-call,bogus"})).find("bogus"), std::string::npos);
  EXPECT_NE(expect_refused(with_marker({"--seed", "12x"})).find("--seed"), std::string::npos);
  EXPECT_NE(expect_refused(with_marker({"--hang-timeout", "2x"})).find("--hang-timeout"), std::string::npos);
  EXPECT_NE(expect_refused(with_marker({"--timeout", "0s"})).find("--timeout"), std::string::npos);
  EXPECT_NE(expect_refused(with_marker({"--error-exitcode", "256"})).find("--error-exitcode"), std::string::npos);
  EXPECT_NE(expect_refused(with_marker({"--error-exitcode", "sixty"})).find("--error-exitcode"), std::string::npos);
  EXPECT_NE(expect_refused(with_marker({"--time-scale", "0"})).find("--time-scale"), std::string::npos);
  EXPECT_NE(expect_refused(with_marker({"--time-scale", "-1"})).find("--time-scale"), std::string::npos);
  EXPECT_NE(expect_refused(with_marker({"--time-scale", "nan"})).find("--time-scale"), std::string::npos);
  EXPECT_NE(expect_refused(with_marker({"--format", "xml"})).find("xml"), std::string::npos);
  EXPECT_NE(expect_refused(with_marker({"--policy", "bsd"})).find("bsd"), std::string::npos);
  EXPECT_NE(expect_refused({"run"}).find("no program"), std::string::npos);
  EXPECT_NE(expect_refused({"run", "--"}).find("no program"), std::string::npos);
  EXPECT_NE(expect_refused({}).find("subcommand"), std::string::npos);
  expect_refused({"frobnicate"});
  std::vector<std::string> many;
  for (int i = 0; i < 33; ++i) {
    many.push_back("-i");
    many.push_back("USR1@after:1s");
  }
  EXPECT_NE(expect_refused(with_marker(many)).find("too many"), std::string::npos);
  // A control byte in the input stays on one line.
  expect_refused(with_marker({"--check", "a\nb"}));
}

// SIGSTORM_OPTIONS is the second source of the same options: flags win,
// it wins over the defaults; a bad key or value is named as written there.
TEST_F(Cli, SigstormOptions) {
  const std::string alloc = std::string(SIGSTORM_EXAMPLES) + "/handler_alloc";
  std::string err = expect_refused(with_marker({}), {"SIGSTORM_OPTIONS=checks=unsafe-call:bogus_key=1"});
  EXPECT_NE(err.find("unknown key 'bogus_key'"), std::string::npos) << err;
  err = expect_refused(with_marker({}), {"SIGSTORM_OPTIONS=checks=unsafe-call,bogus"});
  EXPECT_NE(err.find("SIGSTORM_OPTIONS checks='unsafe-call,bogus': unknown check 'bogus'"), std::string::npos) << err;
  err = expect_refused(with_marker({}), {"SIGSTORM_OPTIONS=hang_timeout=2x"});
  EXPECT_NE(err.find("SIGSTORM_OPTIONS hang_timeout='2x'"), std::string::npos) << err;
  err = expect_refused(with_marker({}), {"SIGSTORM_OPTIONS=exitcode"});
  EXPECT_NE(err.find("'exitcode' is not key=value"), std::string::npos) << err;
  err = expect_refused(with_marker({}), {"SIGSTORM_OPTIONS=inject='USR1@after:1s"});
  EXPECT_NE(err.find("unterminated quote"), std::string::npos) << err;
  err = expect_refused(with_marker({}), {"SIGSTORM_OPTIONS=log_path=/nonexistent-dir/x"});
  EXPECT_NE(err.find("/nonexistent-dir"), std::string::npos) << err;

  // help=1 lists every key and the run goes on.
  Result r = run(cli(with_marker({})), {"SIGSTORM_OPTIONS=help=1"}, dir);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(exists(marker));
  for (const char* key : {"log_path=", "exitcode=", "suppressions=", "checks=", "policy=", "hang_timeout=",
                          "verbosity=", "color=", "symbolize=", "inject="})
    EXPECT_NE(r.err.find(key), std::string::npos) << key << "\n" << r.err;

  // A quoted SPEC (it has ':'), the exit code, and the flag winning over it.
  const std::string env = "SIGSTORM_OPTIONS=inject='USR1@after:20ms' exitcode=3";
  r = run(cli({"run", "--", alloc}), {env});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("injection USR1@after:20ms"), std::string::npos) << r.err;
  r = run(cli({"run", "--error-exitcode", "5", "--", alloc}), {env});
  EXPECT_EQ(r.status, 5) << r.err;
  r = run(cli({"run", "--check", "errno-clobber", "--", alloc}), {env + ":checks=unsafe-call"});
  EXPECT_EQ(r.status, 0) << "--check errno-clobber must win over checks=unsafe-call\n" << r.err;
  EXPECT_NE(r.err.find("handler report_status for SIGUSR1 ran"), std::string::npos) << r.err;

  // log_path: the report goes to PATH.PID (the program's pid), not stderr;
  // symbolize=0 leaves file:line out, the default has it.
  r = run(cli({"run", "--", alloc}), {env + ":log_path=" + dir + "/log:symbolize=0"});
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_EQ(r.err.find("unsafe-call"), std::string::npos) << r.err;
  std::string log;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind("log.", 0) == 0) {
      EXPECT_GT(std::stoi(e.path().filename().string().substr(4)), 1) << e.path();
      log = slurp(e.path());
    }
  EXPECT_NE(log.find("unsafe-call: malloc called from handler report_status"), std::string::npos) << log;
  EXPECT_EQ(log.find("handler_alloc.c:"), std::string::npos) << "symbolize=0 still gave file:line\n" << log;
  r = run(cli({"run", "--", alloc}), {env});
  EXPECT_NE(r.err.find("handler_alloc.c:"), std::string::npos) << r.err;
}

TEST_F(Cli, ProgramsThatCannotBePreloaded) {
  EXPECT_NE(expect_refused({"run", "--", "sigstorm-no-such-program-xyz"})
                .find("sigstorm-no-such-program-xyz: no such program"),
            std::string::npos);
  EXPECT_NE(expect_refused({"run", "--", dir + "/missing"}).find("no such program"), std::string::npos);
  EXPECT_NE(expect_refused({"run", "--", dir}).find("is a directory"), std::string::npos);

  const std::string plain = dir + "/plain";
  std::ofstream(plain) << "not executable\n";
  EXPECT_NE(expect_refused({"run", "--", plain}).find("permission denied"), std::string::npos);

  const std::string script = dir + "/script";
  std::ofstream(script) << "#!" << dir << "/no-interpreter\n";
  chmod(script.c_str(), 0755);
  EXPECT_NE(expect_refused({"run", "--", script}).find("interpreter"), std::string::npos);

  // Static: /sbin/ldconfig is a static ELF on Debian; else skip that part.
  bool static_found = false;
  for (const char* p : {"/sbin/ldconfig", "/usr/sbin/ldconfig"}) {
    const std::string data = slurp(p);
    if (data.rfind("\x7f" "ELF", 0) == 0 && data.find(".interp") == std::string::npos) {
      EXPECT_NE(expect_refused({"run", "--", p}).find("statically linked"), std::string::npos);
      const std::string s2 = dir + "/static-script";
      std::ofstream(s2) << "#!" << p << "\n";
      chmod(s2.c_str(), 0755);
      EXPECT_NE(expect_refused({"run", "--", s2}).find("statically linked"), std::string::npos);
      static_found = true;
      break;
    }
  }
  if (!static_found) std::fprintf(stderr, "note: no static program found; static check not tested\n");

  // Setuid and setgid programs are refused (the loader runs them in secure mode).
  const std::string suid = dir + "/suid";
  std::system(("cp /bin/true '" + suid + "'").c_str());
  ASSERT_EQ(chmod(suid.c_str(), 04755), 0);
  EXPECT_NE(expect_refused({"run", "--", suid}).find("setuid"), std::string::npos);
  ASSERT_EQ(chmod(suid.c_str(), 02755), 0);
  EXPECT_NE(expect_refused({"run", "--", suid}).find("setgid"), std::string::npos);
  ASSERT_EQ(chmod(suid.c_str(), 02745), 0);  // setgid without group execute: mandatory locking, not setgid
  EXPECT_EQ(run(cli({"run", "--", suid})).status, 0);
}

TEST_F(Cli, MissingShim) {
  EXPECT_NE(expect_refused(with_marker({}), {"SIGSTORM_SHIM=" + dir + "/nope.so"}).find("libsigstorm.so"),
            std::string::npos);
  const std::string fake = dir + "/fake.so";
  std::ofstream(fake) << "not a library\n";
  expect_refused(with_marker({}), {"SIGSTORM_SHIM=" + fake});
}

TEST_F(Cli, ReportIntoSymlinkIsRefused) {
  const std::string target = dir + "/target";
  std::ofstream(target) << "keep me\n";
  const std::string link = dir + "/report.json";
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  EXPECT_NE(expect_refused(with_marker({"--report", link})).find("symbolic link"), std::string::npos);
  EXPECT_EQ(slurp(target), "keep me\n");
  expect_refused(with_marker({"--report", dir + "/no/such/dir/r.json"}));
}

TEST_F(Cli, RunTrueAndExitStatuses) {
  Result r = run(cli({"run", "--", "/bin/true"}));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("SUMMARY: sigstorm: no findings; seed ", 0), 0u) << r.err;

  // Without "--", PATH lookup, the program's own options left alone.
  r = run(cli({"run", "--seed", "5", "sh", "-c", "echo out; echo err >&2; exit 7", "--seed"}));
  EXPECT_EQ(r.status, 7) << r.err;
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\nSUMMARY: sigstorm: no findings; seed 5\n");

  r = run(cli({"run", "--", "/bin/sh", "-c", "kill -TERM $$"}));
  EXPECT_EQ(r.status, 128 + SIGTERM) << r.err;

  // With --report: nothing added to stderr; the report has the exit.
  const std::string rep = dir + "/r.json";
  r = run(cli({"run", "--seed", "99", "--report", rep, "--", "/bin/sh", "-c", "kill -SEGV $$"}));
  EXPECT_EQ(r.status, 128 + SIGSEGV);
  EXPECT_EQ(r.err, "");
  const json j = json::parse(slurp(rep));
  EXPECT_EQ(j["exit"], json::parse(R"({"code": null, "signal": "SIGSEGV"})"));
  EXPECT_EQ(j["seed"], 99);
  EXPECT_EQ(j["argv"], json({"/bin/sh", "-c", "kill -SEGV $$"}));
  EXPECT_TRUE(j["findings"].is_array());
  struct stat st {};
  ASSERT_EQ(stat(rep.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  // The format follows the extension; --format wins.
  const std::string sarif = dir + "/r.sarif";
  r = run(cli({"run", "-o", sarif, "--", "/bin/true"}));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(json::parse(slurp(sarif))["version"], "2.1.0");
  const std::string txt = dir + "/r.out";
  r = run(cli({"run", "-o", txt, "--format", "json", "--", "/bin/true"}));
  EXPECT_EQ(json::parse(slurp(txt))["exit"]["code"], 0);
  // An existing, longer report is replaced, not partly overwritten.
  std::ofstream(txt) << std::string(100000, 'x');
  r = run(cli({"run", "-o", txt, "--format", "text", "--seed", "1", "--", "/bin/true"}));
  EXPECT_EQ(slurp(txt), "SUMMARY: sigstorm: no findings; seed 1\n");
}

TEST_F(Cli, InjectionsAreAccepted) {
  const std::string rep = dir + "/r.json";
  Result r = run(cli({"run", "-o", rep, "-i", "USR1@call:read,when=3+2", "--inject", "SIGUSR2@after:1s",
                      "--check", "unsafe-call", "--policy", "linux", "--time-scale", "0.5", "--", "/bin/true"}));
  EXPECT_EQ(r.status, 0) << r.err;
  const json j = json::parse(slurp(rep));
  ASSERT_EQ(j["injections"].size(), 2u);
  EXPECT_EQ(j["injections"][0]["spec"], "USR1@call:read,when=3+2");
  EXPECT_EQ(j["injections"][1]["fired"], 0);
  EXPECT_EQ(j["checks"], json({"unsafe-call"}));
  EXPECT_EQ(j["policy"], "linux");
  EXPECT_EQ(j["time_scale"], 0.5);

  // The same settings from SIGSTORM_OPTIONS land in the same report fields.
  r = run(cli({"run", "-o", rep, "--", "/bin/true"}),
          {"SIGSTORM_OPTIONS=checks=unsafe-call policy=linux time_scale=0.5 seed=77 hang_timeout=1.5"});
  EXPECT_EQ(r.status, 0) << r.err;
  const json e = json::parse(slurp(rep));
  EXPECT_EQ(e["checks"], json({"unsafe-call"}));
  EXPECT_EQ(e["policy"], "linux");
  EXPECT_EQ(e["time_scale"], 0.5);
  EXPECT_EQ(e["seed"], 77);
  EXPECT_EQ(e["hang_timeout"], "1500ms") << e.dump();
}

TEST_F(Cli, TimeoutEndsTheRun) {
  const std::string rep = dir + "/r.json";
  const auto start = std::chrono::steady_clock::now();
  Result r = run(cli({"run", "--timeout", "200ms", "-o", rep, "--", "/bin/sleep", "30"}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(r.status, 128 + SIGKILL) << r.err;
  const json j = json::parse(slurp(rep));
  EXPECT_EQ(j["exit"]["signal"], "SIGKILL");
  EXPECT_EQ(j["notes"], json({"run ended by --timeout after 200ms"}));

  // A bare number is seconds, as timeout(1) reads it.
  r = run(cli({"run", "--timeout", "0.2", "--", "/bin/sleep", "30"}));
  EXPECT_NE(r.err.find("run ended by --timeout after 200ms"), std::string::npos) << r.err;
}

TEST_F(Cli, ReportSubcommand) {
  const std::string rep = dir + "/r.json";
  ASSERT_EQ(run(cli({"run", "--seed", "3", "-o", rep, "--", "/bin/true"})).status, 0);
  Result r = run(cli({"report", rep}));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "SUMMARY: sigstorm: no findings; seed 3\n");
  r = run(cli({"report", rep, "--format", "sarif"}));
  EXPECT_EQ(json::parse(r.out)["version"], "2.1.0");
  r = run(cli({"report", rep, "--format", "json"}));
  EXPECT_EQ(r.out, slurp(rep)) << "JSON -> JSON is the identity";
  const std::string html = dir + "/r.html";
  r = run(cli({"report", rep, "-o", html}));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(slurp(html).rfind("<!DOCTYPE html>", 0), 0u);

  auto refused = [&](std::vector<std::string> args, const char* want) {
    std::vector<std::string> argv{SIGSTORM_CLI, "report"};
    argv.insert(argv.end(), args.begin(), args.end());
    const Result e = run(argv);
    EXPECT_EQ(e.status, 2) << e.err;
    EXPECT_EQ(line_count(e.err), 1) << e.err;
    EXPECT_NE(e.err.find(want), std::string::npos) << e.err;
  };
  refused({dir + "/missing.json"}, "missing.json");
  const std::string bad = dir + "/bad.json";
  std::ofstream(bad) << "{\"sigstorm\": \"0.1.0\",\n \"argv\": 5}";
  refused({bad}, "argv: expected an array");
  std::ofstream(bad) << "{\"sigstorm\": ";
  refused({bad}, "not a JSON report");
  refused({rep, "--format", "pdf"}, "pdf");
  refused({}, "file");
}

TEST_F(Cli, Points) {
  Result r = run(cli({"points"}));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, points_text());
  r = run(cli({"points", "--format", "markdown"}));
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, points_markdown());
  r = run(cli({"points", "--format", "pdf"}));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(line_count(r.err), 1);
}

}  // namespace
}  // namespace sigstorm
