/*
 * argoexec-ts native helper: the C library's heap while artifacts move (decision D38).
 *
 * Node allocates every socket read and every inflate chunk with malloc. Once V8 frees them (transfer-gc.ts) glibc
 * keeps the pages in its arenas, and a long transfer's resident set creeps up with memory that is free but still
 * mapped; with glibc's sliding mmap threshold, the 512 KiB and 1 MiB chunks end up in the arenas too.
 *   trim()              malloc_trim(0): the free pages of every arena, not only the top, go back to the kernel.
 *                       1 when memory was released, 0 when not.
 *   mmapThreshold(n)    mallopt(M_MMAP_THRESHOLD, n): blocks of n bytes and more are mapped on their own and
 *                       unmapped when freed (the threshold stops sliding). 1 on success, 0 on failure.
 * Both return -1 where the C library has neither (musl).
 */
#include <node_api.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value int_result(napi_env env, int r) {
  napi_value result;
  napi_create_int32(env, r, &result);
  return result;
}

static napi_value trim(napi_env env, napi_callback_info info) {
  (void)info;
#if defined(__GLIBC__)
  return int_result(env, malloc_trim(0));
#else
  return int_result(env, -1);
#endif
}

static napi_value mmap_threshold(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t bytes = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &bytes) != napi_ok || bytes <= 0) {
    napi_throw_type_error(env, NULL, "mmapThreshold: a positive number of bytes");
    return NULL;
  }
#if defined(__GLIBC__)
  return int_result(env, mallopt(M_MMAP_THRESHOLD, bytes));
#else
  return int_result(env, -1);
#endif
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "trim", NAPI_AUTO_LENGTH, trim, NULL, &fn);
  napi_set_named_property(env, exports, "trim", fn);
  napi_create_function(env, "mmapThreshold", NAPI_AUTO_LENGTH, mmap_threshold, NULL, &fn);
  napi_set_named_property(env, exports, "mmapThreshold", fn);
  return exports;
}
