/*
 * Small Node-API helpers shared by the native helpers (deflate.c, inflate.c, tee.c, alive-lock.c): an Error thrown
 * with a message, the bytes of a Buffer argument, and the release of an async job's references.
 */
#ifndef ARGOEXEC_NAPI_HELPERS_H
#define ARGOEXEC_NAPI_HELPERS_H
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>

static inline void throw_error(napi_env env, const char *msg) { napi_throw_error(env, NULL, msg); }

/* A Buffer / Uint8Array argument: its data pointer and length; 0 when `v` is anything else. */
static inline int view(napi_env env, napi_value v, void **ptr, size_t *len) {
  bool is_typed = false;
  napi_is_typedarray(env, v, &is_typed);
  if (!is_typed) return 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, len, ptr, &ab, &offset) != napi_ok) return 0;
  return type == napi_uint8_array;
}

/* After an async job: drop the references that kept its arguments alive, its callback's, and the work itself. */
static inline void release_job(napi_env env, napi_ref *refs, int n, napi_ref callback, napi_async_work work) {
  for (int i = 0; i < n; i++)
    if (refs[i]) napi_delete_reference(env, refs[i]);
  napi_delete_reference(env, callback);
  napi_delete_async_work(env, work);
}
#endif
