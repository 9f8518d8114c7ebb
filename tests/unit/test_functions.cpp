#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "inject/options/functions.h"

namespace sigstorm {
namespace {

const FunctionInfo& info(std::string_view name) {
  auto row = function_index(name);
  EXPECT_TRUE(row.has_value()) << name;
  return functions()[row.value_or(0)];
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(Functions, NamesAreUniqueAndIndexed) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < functions().size(); ++i) {
    const auto& f = functions()[i];
    EXPECT_TRUE(names.insert(f.name).second) << "duplicate row " << f.name;
    EXPECT_EQ(function_index(f.name), static_cast<int>(i));
    EXPECT_FALSE(f.family.empty()) << f.name;
  }
  EXPECT_LE(functions().size(), wire::kMaxFunctions);
  EXPECT_EQ(functions()[0].name, "malloc");  // row 0 is function id 1
  EXPECT_EQ(function_index("reed"), std::nullopt);
  EXPECT_EQ(function_index(""), std::nullopt);
  EXPECT_EQ(function_index("READ"), std::nullopt);
}

TEST(Functions, SafetyColumnMatchesThePosixList) {
  for (const auto& f : functions()) {
    if (f.safety == Safety::Posix)
      EXPECT_TRUE(is_posix_async_signal_safe(f.name)) << f.name << " is marked POSIX";
    else
      EXPECT_FALSE(is_posix_async_signal_safe(f.name))
          << f.name << " is on the POSIX list but marked " << safety_name(f.safety);
  }
}

TEST(Functions, PosixListIsSignalSafety7) {
  auto list = posix_async_signal_safe();
  EXPECT_EQ(list.size(), 204u);  // signal-safety(7), POSIX.1-2024 additions, errno, __stack_chk_fail, syscall, gettimeofday
  EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
  EXPECT_EQ(std::adjacent_find(list.begin(), list.end()), list.end());
  for (auto name : {"_Exit", "_exit", "abort", "write", "sigaction", "cfsetospeed", "stpcpy",
                    "posix_trace_event", "wmemset", "strtok_r", "sem_post", "clock_gettime"})
    EXPECT_TRUE(is_posix_async_signal_safe(name)) << name;
  for (auto name : {"malloc", "printf", "exit", "strtok", "nanosleep", "syslog", "", "Write"})
    EXPECT_FALSE(is_posix_async_signal_safe(name)) << name;
  // glibc's aliases of listed functions count; aliases of others do not.
  for (auto name : {"open64", "openat64", "__open_2", "__open64_2", "__read_chk", "lseek64"})
    EXPECT_TRUE(is_posix_async_signal_safe(name)) << name;
  for (auto name : {"__printf_chk", "fopen64", "__sysv_signal", "__read", "read64x", "__open_3",
                    "64", "__", "__chk"})
    EXPECT_FALSE(is_posix_async_signal_safe(name)) << name;
}

// The table's safety column and the audit library's allowlists
// (inject/wire/safe_functions.def) say the same of every interposed function.
TEST(Functions, SafetyColumnMatchesTheAllowlists) {
  for (const auto& f : functions()) {
    const bool posix = wire::safe_under(f.name, wire::kPolicyPosix);
    const bool linux_ = wire::safe_under(f.name, wire::kPolicyLinux);
    EXPECT_EQ(posix, f.safety == Safety::Posix) << f.name;
    EXPECT_EQ(linux_, f.safety != Safety::Unsafe) << f.name;
  }
}

TEST(Functions, PolicyLists) {
  // POSIX.1-2024 (Issue 8) added these to the list.
  for (auto name : {"_Fork", "accept4", "dup3", "pipe2", "ppoll", "strlcpy", "strlcat", "wcslcpy"})
    EXPECT_TRUE(wire::safe_under(name, wire::kPolicyPosix)) << name;
  // glibc's other names of listed functions: LFS and _FORTIFY_SOURCE.
  for (auto name : {"__memcpy_chk", "__strcpy_chk", "lseek64", "__errno_location"})
    EXPECT_TRUE(wire::safe_under(name, wire::kPolicyPosix)) << name;
  // Plain system calls and pure computation: linux only, each with a reason.
  for (auto name : {"gettid", "getrandom", "mmap", "memmem", "__ctype_b_loc", "__pread64_chk"}) {
    EXPECT_FALSE(wire::safe_under(name, wire::kPolicyPosix)) << name;
    EXPECT_TRUE(wire::safe_under(name, wire::kPolicyLinux)) << name;
  }
  for (const auto& f : policy_additions(wire::kPolicyLinux)) EXPECT_FALSE(f.reason.empty()) << f.name;
  // Neither list: what the new user tried.
  for (auto name : {"strsignal", "psignal", "backtrace", "strtok", "getaddrinfo", "opendir", "gettext",
                    "inet_ntoa", "random", "__isoc99_sscanf", "warnx", "g_print", "__cxa_throw", "malloc",
                    "", "__chk", "64"})
    EXPECT_FALSE(wire::safe_under(name, wire::kPolicyLinux)) << name;
  EXPECT_NE(policy_text(wire::kPolicyPosix).find("\nstrlen "), std::string::npos);
  EXPECT_NE(policy_text(wire::kPolicyLinux).find("\ngettid "), std::string::npos);
  EXPECT_EQ(policy_text(wire::kPolicyLinux).find("\nstrlen "), std::string::npos);
}

TEST(Functions, KnownClassifications) {
  for (auto name : {"malloc", "free", "printf", "fprintf", "snprintf", "pthread_mutex_lock",
                    "localtime", "exit", "syslog", "getenv"})
    EXPECT_EQ(info(name).safety, Safety::Unsafe) << name;
  // accept4 and ppoll: POSIX.1-2024 listed them.
  for (auto name : {"read", "write", "open", "close", "fork", "execve", "sem_post", "poll", "accept4", "ppoll"})
    EXPECT_EQ(info(name).safety, Safety::Posix) << name;
  for (auto name : {"nanosleep", "epoll_wait", "readv", "sem_wait"})
    EXPECT_EQ(info(name).safety, Safety::Linux) << name;
  EXPECT_FALSE(info("malloc").blocks);
  EXPECT_TRUE(info("pthread_mutex_lock").blocks);
}

TEST(Functions, AllowedInHandlerDependsOnPolicy) {
  EXPECT_TRUE(allowed_in_handler(info("write"), wire::kPolicyPosix));
  EXPECT_TRUE(allowed_in_handler(info("write"), wire::kPolicyLinux));
  EXPECT_FALSE(allowed_in_handler(info("nanosleep"), wire::kPolicyPosix));
  EXPECT_TRUE(allowed_in_handler(info("nanosleep"), wire::kPolicyLinux));
  EXPECT_FALSE(allowed_in_handler(info("malloc"), wire::kPolicyPosix));
  EXPECT_FALSE(allowed_in_handler(info("malloc"), wire::kPolicyLinux));
  for (const auto& f : functions()) {
    EXPECT_EQ(allowed_in_handler(f, wire::kPolicyPosix), f.safety == Safety::Posix) << f.name;
    EXPECT_EQ(allowed_in_handler(f, wire::kPolicyLinux), f.safety != Safety::Unsafe) << f.name;
  }
}

TEST(Functions, RestartFlagsFollowSignal7) {
  for (auto name : {"poll", "select", "nanosleep", "epoll_wait", "pause", "sigsuspend"}) {
    EXPECT_TRUE(info(name).eintr) << name;
    EXPECT_FALSE(info(name).restarts) << name << " is never restarted";
  }
  for (auto name : {"read", "write", "wait", "waitpid", "accept", "recv", "open", "flock"}) {
    EXPECT_TRUE(info(name).eintr) << name;
    EXPECT_TRUE(info(name).restarts) << name;
  }
  EXPECT_FALSE(info("malloc").eintr);
  EXPECT_FALSE(info("sigwait").eintr);  // returns the signal, never EINTR
  for (const auto& f : functions())
    if (f.restarts) {
      EXPECT_TRUE(f.eintr) << f.name << ": restarted but never interrupted?";
    }
}

TEST(Functions, Policies) {
  EXPECT_EQ(parse_policy("posix"), wire::kPolicyPosix);
  EXPECT_EQ(parse_policy("linux"), wire::kPolicyLinux);
  EXPECT_EQ(parse_policy("Linux"), std::nullopt);
  EXPECT_EQ(parse_policy(""), std::nullopt);
  EXPECT_EQ(policy_name(wire::kPolicyPosix), "posix");
  EXPECT_EQ(policy_name(wire::kPolicyLinux), "linux");
  EXPECT_EQ(safety_name(Safety::Posix), "posix");
  EXPECT_EQ(safety_name(Safety::Linux), "linux");
  EXPECT_EQ(safety_name(Safety::Unsafe), "unsafe");
}

TEST(Functions, PointsTextHasAlignedColumns) {
  auto rows = lines(points_text());
  ASSERT_EQ(rows.size(), functions().size() + 1);
  EXPECT_EQ(rows[0].rfind("FUNCTION", 0), 0u) << rows[0];
  const size_t family_col = rows[0].find("FAMILY");
  const size_t restart_col = rows[0].find("SA_RESTART");
  ASSERT_NE(family_col, std::string::npos);
  ASSERT_NE(restart_col, std::string::npos);
  for (size_t i = 0; i < functions().size(); ++i) {
    const auto& f = functions()[i];
    const std::string& row = rows[i + 1];
    EXPECT_EQ(row.rfind(std::string(f.name) + " ", 0), 0u) << row;
    EXPECT_EQ(row.substr(family_col, f.family.size()), f.family) << row;
    EXPECT_EQ(row[family_col - 1], ' ') << row;
    EXPECT_EQ(row.size(), restart_col + (f.eintr ? (f.restarts ? 3 : 2) : 1)) << row;
  }
  auto find_row = [&](std::string_view name) {
    for (auto& r : rows)
      if (r.rfind(std::string(name) + " ", 0) == 0) return r;
    return std::string();
  };
  auto words = [](const std::string& r) {
    std::vector<std::string> w;
    std::istringstream in(r);
    for (std::string s; in >> s;) w.push_back(s);
    return w;
  };
  EXPECT_EQ(words(find_row("read")), (std::vector<std::string>{"read", "io", "posix", "yes", "yes"}));
  EXPECT_EQ(words(find_row("poll")), (std::vector<std::string>{"poll", "poll", "posix", "yes", "no"}));
  EXPECT_EQ(words(find_row("malloc")), (std::vector<std::string>{"malloc", "alloc", "unsafe", "no", "-"}));
  EXPECT_EQ(words(find_row("nanosleep")),
            (std::vector<std::string>{"nanosleep", "sleep", "linux", "yes", "no"}));
}

TEST(Functions, PointsMarkdownIsATable) {
  const std::string md = points_markdown();
  EXPECT_NE(md.find("| function | family | safety | blocks | SA_RESTART |\n| --- |"), std::string::npos);
  EXPECT_NE(md.find("| `read` | io | posix | yes | yes |\n"), std::string::npos);
  EXPECT_NE(md.find("| `malloc` | alloc | unsafe | no | - |\n"), std::string::npos);
  EXPECT_NE(md.find("| `epoll_wait` | poll | linux | yes | no |\n"), std::string::npos);
  EXPECT_NE(md.find("--policy linux"), std::string::npos);
  // The injection points' table, then the two allowlists (policy_markdown).
  const std::string points = md.substr(0, md.find("## Allowlists"));
  size_t table_rows = 0, policy_rows = 0;
  for (auto& l : lines(points))
    if (l.rfind("| `", 0) == 0) ++table_rows;
  for (auto& l : lines(md.substr(points.size())))
    if (l.rfind("| `", 0) == 0) ++policy_rows;
  EXPECT_EQ(table_rows, functions().size());
  EXPECT_EQ(policy_rows, policy_additions(wire::kPolicyPosix).size() + policy_additions(wire::kPolicyLinux).size());
}

TEST(Functions, DocsPointsMdIsInSync) {
  const std::string path = SIGSTORM_SOURCE_DIR "/docs/points.md";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path << " is missing; regenerate it with\n"
                  << "  build/bin/sigstorm points --format markdown > docs/points.md";
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_TRUE(committed.str() == points_markdown())
      << "docs/points.md is out of date with inject/wire/functions.def; regenerate it with\n"
      << "  build/bin/sigstorm points --format markdown > docs/points.md";
}

}  // namespace
}  // namespace sigstorm
