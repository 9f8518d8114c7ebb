/* hup_server.c - a server that reloads its configuration on SIGHUP, inside
 * the handler.
 *
 * It answers one request per line of standard input. SIGHUP re-reads the
 * greeting from a file, the way daemons reload: but from the handler, with
 * fopen(), fgets(), strdup() and free(), none of them async-signal-safe
 * (signal-safety(7)). A SIGHUP that lands while the main loop is inside
 * malloc or stdio corrupts the heap or deadlocks on stdio's lock.
 *
 * One SIGHUP by hand rarely hits that window; a storm of them does:
 *
 *   sigstorm run --inject HUP@every:1ms -- ./hup_server greeting.txt < requests
 *
 * The fix: the handler sets a flag; the main loop reloads.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *config_path;
static char *greeting;

static void reload(int sig) {
  FILE *f = fopen(config_path, "r"); /* BUG: fopen allocates and takes locks */
  if (!f) return;
  char line[128];
  if (fgets(line, sizeof line, f)) { /* BUG: stdio */
    line[strcspn(line, "\n")] = 0;
    free(greeting);           /* BUG: free */
    greeting = strdup(line);  /* BUG: malloc */
  }
  fclose(f);
}

int main(int argc, char **argv) {
  config_path = argc > 1 ? argv[1] : "greeting.txt";
  greeting = strdup("hello");
  signal(SIGHUP, reload);
  char request[256];
  int served = 0;
  while (fgets(request, sizeof request, stdin)) {
    request[strcspn(request, "\n")] = 0;
    char *reply = malloc(strlen(greeting) + strlen(request) + 3);
    sprintf(reply, "%s, %s", greeting, request);
    puts(reply);
    free(reply);
    ++served;
  }
  printf("served %d requests\n", served);
  return 0;
}
