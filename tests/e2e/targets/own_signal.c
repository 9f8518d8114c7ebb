// own_signal MODE: dies (or not) by a signal of its own making, for the
// default-action tests.
//   alarm | setitimer | ualarm | timer   its own timer rings, no handler
//   pipe | socket                         its own write to a closed reader
//   abort                                 abort(): not a default-action
//   alarm-killed | pipe-killed            a timer is armed (or a pipe open),
//                                         but another process sends the signal
//   handled                               alarm with a handler: it runs, exit 0
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t rang;
static void on_alarm(int sig) { (void)sig; rang = 1; }

static void wait_forever(void) {
  for (;;) pause();
}

// Another process sends SIG to this one.
static void sent_by_child(int sig) {
  const pid_t parent = getpid();
  if (fork() == 0) {
    kill(parent, sig);
    _exit(0);
  }
  wait_forever();
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "alarm";
  printf("mode=%s\n", mode);
  fflush(stdout);
  if (!strcmp(mode, "alarm")) {
    alarm(2);  // @line:alarm-call
    wait_forever();
  } else if (!strcmp(mode, "setitimer")) {
    struct itimerval v = {{0, 0}, {0, 200000}};
    setitimer(ITIMER_REAL, &v, NULL);  // @line:setitimer-call
    wait_forever();
  } else if (!strcmp(mode, "ualarm")) {
    ualarm(200000, 0);  // @line:ualarm-call
    wait_forever();
  } else if (!strcmp(mode, "timer")) {
    timer_t t;
    timer_create(CLOCK_MONOTONIC, NULL, &t);
    struct itimerspec v = {{0, 0}, {0, 200000000}};
    timer_settime(t, 0, &v, NULL);  // @line:timer-call
    wait_forever();
  } else if (!strcmp(mode, "pipe")) {
    int fds[2];
    pipe(fds);
    close(fds[0]);
    write(fds[1], "x", 1);  // @line:pipe-write
  } else if (!strcmp(mode, "socket")) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    close(sv[1]);
    send(sv[0], "x", 1, 0);  // @line:socket-send
  } else if (!strcmp(mode, "abort")) {
    abort();
  } else if (!strcmp(mode, "alarm-killed")) {
    alarm(100);
    sent_by_child(SIGALRM);
  } else if (!strcmp(mode, "pipe-killed")) {
    sent_by_child(SIGPIPE);
  } else if (!strcmp(mode, "inject")) {
    alarm(100);  // armed, but --inject sends SIGALRM first
    wait_forever();
  } else if (!strcmp(mode, "handled")) {
    signal(SIGALRM, on_alarm);
    alarm(1);
    while (!rang) pause();
    printf("rang\n");
  }
  return 0;
}
