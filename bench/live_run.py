"""A live `sigstorm run` to borrow the environment of: what every process of
a run gets (LD_PRELOAD, LD_AUDIT, SIGSTORM_RUN_FILE), without the CLI's own
start and report. bench/startup_cost and bench/peers measure with it."""

import os
import subprocess
import sys
import time

# What a run sets in its processes' environment.
RUN_KEYS = ("LD_PRELOAD", "LD_AUDIT", "SIGSTORM_RUN_FILE", "GLIBC_TUNABLES")


def holder_env(sigstorm, work, who, args=()):
    """(the environment of a live run's process, the run's process to end when done)."""
    env_file = os.path.join(work, "run.env")
    p = subprocess.Popen([sigstorm, "run"] + list(args) +
                         ["--", "sh", "-c", "env -0 > %s.tmp && mv %s.tmp %s && exec sleep 3600"
                          % (env_file, env_file, env_file)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        if os.path.exists(env_file):
            break
        time.sleep(0.01)
    else:
        p.kill()
        sys.exit("%s: the holding run did not start" % who)
    with open(env_file, "rb") as f:
        env = dict(kv.split("=", 1) for kv in f.read().decode().split("\0") if "=" in kv)
    return env, p


def end(p):
    if p:
        p.terminate()
        p.wait()
