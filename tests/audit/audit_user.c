// A program's own LD_AUDIT library: sigstorm chains it after its own.
#define _GNU_SOURCE
#include <link.h>
#include <unistd.h>

unsigned la_version(unsigned version) {
  (void)version;
  if (write(2, "user-auditor\n", 13) < 0) {}
  return LAV_CURRENT;
}
