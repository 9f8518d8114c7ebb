"""The whole-program workloads bench/peers and bench/startup_cost share: a
shell script of 300 short commands, a small C project for make -j2, a git
repository and the git commands run in it."""

import os
import random
import subprocess


def make_inputs(work, smoke, text=True):
    """Deterministic inputs in WORK: text for gzip and sort (unless text=False),
    s300.sh, proj/ (make), repo/ and git.sh; returns the environment git needs."""
    rnd = random.Random(14)
    words = ["signal", "handler", "storm", "write", "read", "malloc", "errno", "mask",
             "pid", "fork", "exec", "sigaction", "kill", "alarm", "timer", "poll"]
    lines = 2000 if smoke else 400000
    if text:
        with open(os.path.join(work, "data.txt"), "w") as f:
            for i in range(lines):
                f.write("%s %d %s\n" % (rnd.choice(words), rnd.randrange(10 ** 6), rnd.choice(words)))
    cmds = ["/bin/true", "/bin/echo hi >/dev/null", "/bin/cat /dev/null", "/bin/ls / >/dev/null",
            "/bin/date >/dev/null", "/usr/bin/expr 1 + 2 >/dev/null"]
    n = 20 if smoke else 300
    with open(os.path.join(work, "s300.sh"), "w") as f:
        f.write("#!/bin/sh\n" + "".join(cmds[i % len(cmds)] + "\n" for i in range(n)))
    proj = os.path.join(work, "proj")
    os.makedirs(proj)
    nfiles = 2 if smoke else 6
    objs = []
    for i in range(nfiles):
        with open(os.path.join(proj, "f%d.c" % i), "w") as f:
            f.write("int f%d(int x) { int s = 0; for (int i = 0; i < x; ++i) s += i * %d; return s; }\n" % (i, i + 1))
        objs.append("f%d.o" % i)
    with open(os.path.join(proj, "main.c"), "w") as f:
        f.write("".join("int f%d(int);\n" % i for i in range(nfiles)))
        f.write("int main(void) { return (%s) & 1; }\n" % " + ".join("f%d(3)" % i for i in range(nfiles)))
    with open(os.path.join(proj, "Makefile"), "w") as f:
        f.write("prog: main.o %s\n\tcc -o $@ $^\n%%.o: %%.c\n\tcc -O1 -c -o $@ $<\n" % " ".join(objs))
    repo = os.path.join(work, "repo")
    os.makedirs(repo)
    genv = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@b", GIT_COMMITTER_NAME="b",
                GIT_COMMITTER_EMAIL="b@b", GIT_CONFIG_NOSYSTEM="1", HOME=work)
    subprocess.run(["git", "init", "-q", "."], cwd=repo, check=True, env=genv)
    for i in range(3 if smoke else 20):
        with open(os.path.join(repo, "f%d.txt" % (i % 5)), "a") as f:
            f.write("line %d\n" % i)
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=genv)
        subprocess.run(["git", "commit", "-q", "-m", "c%d" % i], cwd=repo, check=True, env=genv)
    with open(os.path.join(work, "git.sh"), "w") as f:
        f.write("cd repo && git status >/dev/null && git log --oneline >/dev/null && "
                "git diff HEAD~1 --stat >/dev/null && git rev-parse HEAD >/dev/null\n")
    return genv
