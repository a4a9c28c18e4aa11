/*
 * argoexec-ts native helper: a whole small file written by one job on libuv's thread pool (issue 12, P1a↓).
 *
 * A directory input of 10,000 small objects is 10,000 files. Through node:fs each is three requests to the pool
 * (open, write, close), and on a busy 2-core node each hand-over costs the main thread a wake-up of a pool thread
 * and, often, the CPU it was running on. Here the three system calls run in one job: one hand-over per file.
 *
 *   writeFile(path, data, mode, callback)
 *       open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode), write all of `data` (a Uint8Array, kept alive
 *       until the job ends), close. callback(errno, syscall): errno 0 on success, otherwise the first failure and
 *       the name of the call that failed ("open", "write", "close").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "napi-helpers.h"

typedef struct {
  napi_async_work work;
  napi_ref data_ref, callback;
  char *path;
  const unsigned char *data;
  size_t len;
  int mode;
  int err;
  const char *syscall;
} job_t;

static void execute(napi_env env, void *arg) {
  (void)env;
  job_t *j = arg;
  int fd = open(j->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, j->mode);
  if (fd < 0) {
    j->err = errno;
    j->syscall = "open";
    return;
  }
  size_t off = 0;
  while (off < j->len) {
    ssize_t n = write(fd, j->data + off, j->len - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      j->err = errno;
      j->syscall = "write";
      break;
    }
    off += (size_t)n;
  }
  if (close(fd) != 0 && j->err == 0 && errno != EINTR) {
    j->err = errno;
    j->syscall = "close";
  }
}

static void complete(napi_env env, napi_status status, void *arg) {
  job_t *j = arg;
  napi_value cb, global, argv[2];
  int err = status == napi_ok ? j->err : ECANCELED;
  napi_create_int32(env, err, &argv[0]);
  napi_create_string_utf8(env, err ? (j->syscall ? j->syscall : "write") : "", NAPI_AUTO_LENGTH, &argv[1]);
  napi_get_reference_value(env, j->callback, &cb);
  napi_get_global(env, &global);
  napi_ref refs[1] = {j->data_ref};
  napi_ref callback = j->callback;
  napi_async_work work = j->work;
  free(j->path);
  free(j);
  napi_call_function(env, global, cb, 2, argv, NULL);
  release_job(env, refs, 1, callback, work);
}

static napi_value write_file(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) {
    throw_error(env, "writeFile(path, data, mode, callback): bad arguments");
    return NULL;
  }
  size_t plen = 0;
  void *data = NULL;
  size_t len = 0;
  int32_t mode = 0;
  napi_valuetype cbt;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &plen) != napi_ok || plen == 0 || !view(env, argv[1], &data, &len) ||
      napi_get_value_int32(env, argv[2], &mode) != napi_ok || napi_typeof(env, argv[3], &cbt) != napi_ok || cbt != napi_function) {
    throw_error(env, "writeFile(path, data, mode, callback): bad arguments");
    return NULL;
  }
  job_t *j = calloc(1, sizeof *j);
  char *path = malloc(plen + 1);
  if (!j || !path) {
    free(j);
    free(path);
    throw_error(env, "writeFile: out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[0], path, plen + 1, &plen);
  if (strlen(path) != plen) { /* a NUL inside the path: refuse, as node:fs does */
    free(j);
    free(path);
    throw_error(env, "writeFile: the path contains a NUL byte");
    return NULL;
  }
  j->path = path;
  j->data = data;
  j->len = len;
  j->mode = mode;
  napi_value name;
  napi_create_string_utf8(env, "argoexec:writeFile", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, argv[1], 1, &j->data_ref) != napi_ok || napi_create_reference(env, argv[3], 1, &j->callback) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, j, &j->work) != napi_ok || napi_queue_async_work(env, j->work) != napi_ok) {
    if (j->data_ref) napi_delete_reference(env, j->data_ref);
    if (j->callback) napi_delete_reference(env, j->callback);
    if (j->work) napi_delete_async_work(env, j->work);
    free(j->path);
    free(j);
    throw_error(env, "writeFile: cannot queue the job");
    return NULL;
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "writeFile", NAPI_AUTO_LENGTH, write_file, NULL, &fn);
  napi_set_named_property(env, exports, "writeFile", fn);
  return exports;
}
