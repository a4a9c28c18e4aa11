/*
 * e2e-hello: the main program of the user images e2e-musl (dynamically linked against musl) and
 * e2e-scratch (static, alone in the image) — test/e2e/variants/initless-user-images.yaml.
 * Prints "<label> libc=<musl|glibc> uid=<uid> gid=<gid> pid1=<argv[0] of PID 1>" (PID 1 of the
 * container is the executor's emissary: /argo-bin/bin/argoexec in the init-less layout,
 * /var/run/argo/argoexec in the classic one) and writes the same line to the file argv[2] if given.
 */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *label = argc > 1 ? argv[1] : "hello";
#ifdef __GLIBC__
  const char *libc = "glibc";
#else
  const char *libc = "musl";
#endif
  char pid1[256] = "?";
  FILE *f = fopen("/proc/1/cmdline", "r");
  if (f) {
    size_t n = fread(pid1, 1, sizeof pid1 - 1, f);
    pid1[n] = 0;
    fclose(f);
  }
  char line[512];
  snprintf(line, sizeof line, "%s libc=%s uid=%u gid=%u pid1=%s\n", label, libc, (unsigned)getuid(), (unsigned)getgid(), pid1);
  fputs(line, stdout);
  if (argc > 2) {
    FILE *o = fopen(argv[2], "w");
    if (!o || fputs(line, o) < 0 || fclose(o) != 0) {
      perror(argv[2]);
      return 1;
    }
  }
  return 0;
}
