/*
 * P5 beside a bare copier: the least any emissary can do with a child's stdout — one read from the pipe, then a write of it to each
 * destination — with nothing else: no executor, no runtime, one thread, 1 MiB pipe and reads (as ours).
 *   bare-copy FILE...   reads standard input to its end, appending each read to every FILE
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BUF (1024 * 1024)

int main(int argc, char **argv) {
  int fds[8];
  int n = 0;
  for (int i = 1; i < argc && n < 8; i++) {
    fds[n] = open(argv[i], O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fds[n] < 0) { perror(argv[i]); return 1; }
    n++;
  }
  fcntl(0, F_SETPIPE_SZ, BUF); /* best effort, as native/tee.c */
  char *buf = malloc(BUF);
  if (!buf) return 1;
  for (;;) {
    ssize_t r = read(0, buf, BUF);
    if (r == 0) return 0;
    if (r < 0) { perror("read"); return 1; }
    for (int k = 0; k < n; k++) {
      for (ssize_t off = 0; off < r;) {
        ssize_t w = write(fds[k], buf + off, (size_t)(r - off));
        if (w < 0) { perror("write"); return 1; }
        off += w;
      }
    }
  }
}
