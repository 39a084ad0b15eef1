/*
 * seccomp-run: run a command under a seccomp filter that forbids setpriority(2), as a snap's
 * confinement does. "kill" ends the whole process with SIGSYS (snapd up to 2.31); "eperm"
 * makes the call fail with EPERM (snapd since 2.32). Everything else is allowed, and the
 * filter is inherited by every thread and child of the command.
 *
 * Usage: seccomp-run kill|eperm COMMAND [ARGUMENT...]
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3 || (strcmp(argv[1], "kill") != 0 && strcmp(argv[1], "eperm") != 0)) {
    fprintf(stderr, "usage: %s kill|eperm COMMAND [ARGUMENT...]\n", argv[0]);
    return 2;
  }

  uint32_t action = strcmp(argv[1], "kill") == 0 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
  scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
  if (filter == NULL) {
    fprintf(stderr, "seccomp-run: seccomp_init failed\n");
    return 125;
  }

  int rc = seccomp_rule_add(filter, action, SCMP_SYS(setpriority), 0);
  if (rc == 0) {
    rc = seccomp_load(filter);
  }
  seccomp_release(filter);
  if (rc != 0) {
    fprintf(stderr, "seccomp-run: installing the filter failed: %s\n", strerror(-rc));
    return 125;
  }

  execvp(argv[2], &argv[2]);
  fprintf(stderr, "seccomp-run: cannot run %s: %s\n", argv[2], strerror(errno));
  return 127;
}
