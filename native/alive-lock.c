/*
 * argoexec-ts native helper: a lock that says "this process is alive", readable from another container of the pod.
 *
 * The emissary holds an exclusive flock(2) on ctr/<name>/alive for as long as it lives; the kernel drops it when the
 * process dies, however it dies (an OOM kill of the whole container included, which leaves no exitcode file). The
 * wait container, sharing the volume, asks whether the lock is still held. Node has no flock.
 *
 *   hold(path) → fd        open (create, close-on-exec: the user's command does not inherit it) and lock; the fd is
 *                          never closed, so the lock lasts until the process ends
 *   isHeld(path) → bool    true while another process holds it; false when the file is missing or unlocked
 */
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/file.h>
#include <unistd.h>

static bool path_arg(napi_env env, napi_callback_info info, char *buf, size_t len) {
  size_t argc = 1, n = 0;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return false;
  return napi_get_value_string_utf8(env, argv[0], buf, len, &n) == napi_ok && n > 0 && n < len - 1;
}

static napi_value hold(napi_env env, napi_callback_info info) {
  char path[4096];
  if (!path_arg(env, info, path, sizeof path)) {
    napi_throw_error(env, NULL, "hold(path): bad arguments");
    return NULL;
  }
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (fd >= 0) close(fd);
    napi_throw_error(env, NULL, "cannot lock the alive file");
    return NULL;
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

static napi_value is_held(napi_env env, napi_callback_info info) {
  char path[4096];
  if (!path_arg(env, info, path, sizeof path)) {
    napi_throw_error(env, NULL, "isHeld(path): bad arguments");
    return NULL;
  }
  bool held = false;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (flock(fd, LOCK_SH | LOCK_NB) != 0) held = errno == EWOULDBLOCK;
    close(fd); /* closing drops our own shared lock, if we got it */
  }
  napi_value result;
  napi_get_boolean(env, held, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "hold", NAPI_AUTO_LENGTH, hold, NULL, &fn);
  napi_set_named_property(env, exports, "hold", fn);
  napi_create_function(env, "isHeld", NAPI_AUTO_LENGTH, is_held, NULL, &fn);
  napi_set_named_property(env, exports, "isHeld", fn);
  return exports;
}
