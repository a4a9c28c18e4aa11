/*
 * argoexec-ts native helper: copy a child's output pipes to several file descriptors each, on a thread of
 * its own, as Go's emissary does with a goroutine per pipe (io.Copy into an io.MultiWriter of the container's stdout or
 * stderr and the capture files, lifecycle §6.10).
 *
 * Copying in JavaScript costs a callback, a fresh Buffer and three system calls per 64 KiB read; at a few hundred
 * MB/s of output that halved the emissary's throughput against Go's and raised its memory. Here one thread serves
 * both pipes: it reads up to 1 MiB (what a pipe holds, D34) at a time into one buffer and writes it to every destination in order.
 *
 *   pipe() → [readFd, writeFd]              both close-on-exec (the child gets writeFd through spawn's dup2); 1 MiB
 *   startCopy([[inFd, outFds[]], …], done)  starts the thread; done(bytes) runs on the JS thread once every input
 *                                           reached EOF, or at cancel
 *   cancelCopy(copy)                        stops within 20 ms, after copying what the pipes already hold (at most
 *                                           4 MiB each; Go's WaitDelay closes the pipes leaving their unread bytes)
 * A destination that fails (EPIPE, ENOSPC, …) is dropped; the others go on, as the JS tee did.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include "napi-helpers.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <unistd.h>

#define MAX_OUT 4
#define BUF_SIZE (1024 * 1024)   /* one read can empty the whole pipe (PIPE_SIZE): P5, D34 */
#define DRAIN_CAP (4.0 * 1024 * 1024) /* at cancel: at most this much more per pipe */
#define PIPE_SIZE (1024 * 1024)       /* the child's stdout and stderr pipes (F_SETPIPE_SZ) */

typedef struct {
  int fd;           /* -1 once at EOF */
  int out[MAX_OUT];
  int nout;
} input_t;

typedef struct {
  input_t in[2];
  int nin;
  atomic_int cancel;
  double total;
  napi_threadsafe_function done;
} copy_t;


static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) { /* a non-blocking destination is full: wait until it drains */
        struct pollfd q = { .fd = fd, .events = POLLOUT };
        poll(&q, 1, 100);
        continue;
      }
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* One read of input i, written to each of its destinations in order; 0 at EOF or a read error. */
static int pump(copy_t *c, int i, char *buf) {
  input_t *in = &c->in[i];
  ssize_t n = read(in->fd, buf, BUF_SIZE);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  if (n <= 0) return 0;
  for (int k = 0; k < in->nout; k++) {
    if (in->out[k] >= 0 && write_all(in->out[k], buf, (size_t)n) != 0) in->out[k] = -1;
  }
  c->total += (double)n;
  return 1;
}

/*
 * One thread for both pipes, on epoll: its ready list hands back the pipes in the order they became readable, so
 * a stderr line written before a stdout line reaches `combined` first (what the event loop did; Go's two goroutines
 * race there).
 */
static void *run(void *arg) {
  copy_t *c = arg;
  char *buf = malloc(BUF_SIZE);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  int open_inputs = 0;
  for (int i = 0; i < c->nin; i++) {
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
    if (ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, c->in[i].fd, &ev) == 0) open_inputs++;
  }
  while (buf && ep >= 0 && open_inputs > 0 && !atomic_load(&c->cancel)) {
    struct epoll_event evs[2];
    int n = epoll_wait(ep, evs, 2, 20);
    if (n < 0 && errno != EINTR) break;
    for (int e = 0; e < n; e++) {
      int i = (int)evs[e].data.u32;
      if (c->in[i].fd < 0) continue;
      if (!pump(c, i, buf)) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->in[i].fd, NULL);
        close(c->in[i].fd);
        c->in[i].fd = -1;
        open_inputs--;
      }
    }
  }
  /*
   * Cancelled (the child exited the emissary's 100 ms drain delay ago and a pipe is still open): first copy what
   * the pipes already hold, so that output the child wrote before it exited is never lost to a copy thread that was
   * scheduled late (seen on a loaded node: a containerSet container's whole `hello argo` missing from its log).
   * Bounded, for a grandchild that keeps writing: until a pipe is empty, at EOF, or DRAIN_CAP bytes.
   */
  for (int i = 0; buf && i < c->nin; i++) {
    if (c->in[i].fd < 0) continue;
    int fl = fcntl(c->in[i].fd, F_GETFL);
    if (fl < 0 || fcntl(c->in[i].fd, F_SETFL, fl | O_NONBLOCK) < 0) continue;
    double before = c->total;
    for (;;) {
      ssize_t n = read(c->in[i].fd, buf, BUF_SIZE);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break; /* EOF, empty (EAGAIN) or an error */
      for (int k = 0; k < c->in[i].nout; k++) {
        if (c->in[i].out[k] >= 0 && write_all(c->in[i].out[k], buf, (size_t)n) != 0) c->in[i].out[k] = -1;
      }
      c->total += (double)n;
      if (c->total - before >= DRAIN_CAP) break;
    }
  }
  for (int i = 0; i < c->nin; i++) if (c->in[i].fd >= 0) close(c->in[i].fd);
  if (ep >= 0) close(ep);
  free(buf);
  napi_call_threadsafe_function(c->done, c, napi_tsfn_blocking);
  napi_release_threadsafe_function(c->done, napi_tsfn_release);
  return NULL;
}

static void call_done(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)context;
  copy_t *c = data;
  if (env == NULL || js_cb == NULL) return;
  napi_value undefined, total;
  napi_get_undefined(env, &undefined);
  napi_create_double(env, c->total, &total);
  napi_call_function(env, undefined, js_cb, 1, &total, NULL);
}

static void finalize_copy(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data); /* the JS handle is gone, so is any cancel; the thread released it before calling back */
}

static napi_value make_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    throw_error(env, "pipe2 failed");
    return NULL;
  }
  /* 1 MiB instead of 64 KiB: a fast writer fills the pipe less often, and each read moves more (P5, D34: ~20 % less
   * CPU and wall). Best effort: a lower fs.pipe-max-size keeps the default. */
  fcntl(fds[0], F_SETPIPE_SZ, PIPE_SIZE);
  napi_value arr, r, w;
  napi_create_array_with_length(env, 2, &arr);
  napi_create_int32(env, fds[0], &r);
  napi_create_int32(env, fds[1], &w);
  napi_set_element(env, arr, 0, r);
  napi_set_element(env, arr, 1, w);
  return arr;
}

/* inputs: [[inFd, [outFd, ...]], ...] (at most 2) */
static napi_value start_copy(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  uint32_t nin = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || napi_get_array_length(env, argv[0], &nin) != napi_ok || nin < 1 || nin > 2) {
    throw_error(env, "startCopy(inputs, done): bad arguments");
    return NULL;
  }
  copy_t *c = calloc(1, sizeof *c);
  if (!c) {
    throw_error(env, "startCopy: out of memory");
    return NULL;
  }
  c->nin = (int)nin;
  for (uint32_t i = 0; i < nin; i++) {
    napi_value pair, fd, outs;
    uint32_t nout = 0;
    napi_get_element(env, argv[0], i, &pair);
    napi_get_element(env, pair, 0, &fd);
    napi_get_element(env, pair, 1, &outs);
    napi_get_value_int32(env, fd, &c->in[i].fd);
    napi_get_array_length(env, outs, &nout);
    if (nout > MAX_OUT) nout = MAX_OUT;
    for (uint32_t k = 0; k < nout; k++) {
      napi_value v;
      napi_get_element(env, outs, k, &v);
      napi_get_value_int32(env, v, &c->in[i].out[k]);
    }
    c->in[i].nout = (int)nout;
  }
  napi_value name;
  napi_create_string_utf8(env, "argoexec:tee", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, call_done, &c->done) != napi_ok) {
    free(c);
    throw_error(env, "startCopy: cannot create the completion callback");
    return NULL;
  }
  napi_value handle;
  napi_create_external(env, c, finalize_copy, NULL, &handle);
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  int err = pthread_create(&t, &attr, run, c);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    napi_release_threadsafe_function(c->done, napi_tsfn_release);
    throw_error(env, "startCopy: cannot start a thread");
    return NULL;
  }
  return handle;
}

static napi_value cancel_copy(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok) {
    throw_error(env, "cancelCopy(copy): bad arguments");
    return NULL;
  }
  atomic_store(&((copy_t *)data)->cancel, 1);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "pipe", NAPI_AUTO_LENGTH, make_pipe, NULL, &fn);
  napi_set_named_property(env, exports, "pipe", fn);
  napi_create_function(env, "startCopy", NAPI_AUTO_LENGTH, start_copy, NULL, &fn);
  napi_set_named_property(env, exports, "startCopy", fn);
  napi_create_function(env, "cancelCopy", NAPI_AUTO_LENGTH, cancel_copy, NULL, &fn);
  napi_set_named_property(env, exports, "cancelCopy", fn);
  return exports;
}
