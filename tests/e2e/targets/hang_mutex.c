// The classic deadlock: main holds a mutex when the signal lands, and the
// handler waits for the same mutex. Without sigstorm this hangs forever.
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_counter;

static void on_usr1(int sig) {
  (void)sig;
  pthread_mutex_lock(&g_lock);  // @line:handler-lock
  g_counter++;
  pthread_mutex_unlock(&g_lock);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  printf("locking\n");
  fflush(stdout);
  pthread_mutex_lock(&g_lock);
  raise(SIGUSR1);  // @line:raise
  pthread_mutex_unlock(&g_lock);
  printf("never reached\n");
  return 0;
}
