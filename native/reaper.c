/*
 * argoexec-ts native helper: reap orphaned zombie children, as PID 1 must (lifecycle §6.14).
 *
 * Node only waits for the children it spawned itself. When the emissary is PID 1 of a container, every
 * orphaned descendant of the user's command is re-parented to it and, once it exits, stays a zombie
 * unless someone calls wait. `reapOrphans(keepPid)` reaps every exited child except `keepPid` (the
 * user's command, which libuv waits for), peeking first with WNOWAIT so it never steals that one.
 * Returns the number of children reaped.
 */
#include <node_api.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <string.h>

static napi_value reap_orphans(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t keep = 0;
  napi_value result;
  int reaped = 0;

  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc >= 1) napi_get_value_int32(env, argv[0], &keep);
  for (;;) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == 0) break;
    if (si.si_pid == keep) break; /* ours to leave to libuv; others are seen once it is gone */
    if (waitpid(si.si_pid, NULL, WNOHANG) > 0) reaped++;
    else break;
  }
  napi_create_int32(env, reaped, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "reapOrphans", NAPI_AUTO_LENGTH, reap_orphans, NULL, &fn);
  napi_set_named_property(env, exports, "reapOrphans", fn);
  return exports;
}
