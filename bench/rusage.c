/*
 * rusage OUT -- CMD...: run CMD, wait for it, and write one JSON line to OUT with its wall time and the CPU time
 * and peak RSS of its whole process tree (getrusage(RUSAGE_CHILDREN): every descendant that was waited for; the
 * peak is that of the largest single process). Exits with CMD's status. Built by bench/lib.ts (gcc), not shipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 4 || strcmp(argv[2], "--") != 0) {
    fprintf(stderr, "usage: rusage OUT -- CMD...\n");
    return 125;
  }
  long long t0 = now_ns();
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 125; }
  if (pid == 0) {
    execvp(argv[3], argv + 3);
    perror("exec");
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {}
  long long t1 = now_ns();
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  FILE *f = fopen(argv[1], "w");
  if (f) {
    fprintf(f, "{\"wallNs\":%lld,\"userUs\":%lld,\"sysUs\":%lld,\"maxRssKiB\":%ld}\n", t1 - t0,
            (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,
            (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec, ru.ru_maxrss);
    fclose(f);
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}
