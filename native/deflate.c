/*
 * argoexec-ts native helper: raw-deflate one block into a caller-owned buffer, on the libuv threadpool.
 *
 * Why: Node's zlib API returns every compressed block in a freshly allocated Buffer. Those buffers outlive a
 * scavenge while the block is in flight, end up in V8's old generation, and are only freed by a full GC, which
 * V8 starts after ~64 MiB of such external memory has piled up: a 5 GiB gzip then costs ~60 MiB of RSS in
 * garbage. Here the caller owns every buffer (input block, preset dictionary, output) and reuses them, and the
 * deflate state is kept per deflater and reset per block, so compressing allocates nothing per block.
 *
 * Uses the zlib that Node itself is linked with (its symbols are exported by the node executable).
 *
 *   const d = createDeflater(level, strategy);            // level 0..9, strategy: zlib constants
 *   deflateBlock(d, input, dictionary | null, last, output, (err, bytesOut) => ...);
 *
 * `last` ends the stream (Z_FINISH); otherwise the block ends with a sync flush (byte aligned, not final), so
 * blocks compressed independently concatenate into one valid deflate stream. `output` must hold
 * deflateBound(input) + 16 bytes (`outputBound` in src/core/archive/block-deflate.ts). The buffers must not be touched until the callback.
 */
#include <node_api.h>
#include <zlib.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  z_stream strm;
  int busy;
} deflater_t;

typedef struct {
  napi_async_work work;
  napi_ref callback;
  napi_ref refs[4]; /* deflater, input, dictionary, output: kept alive while the work runs */
  deflater_t *d;
  const unsigned char *in;
  size_t in_len;
  const unsigned char *dict;
  size_t dict_len;
  unsigned char *out;
  size_t out_len;
  int last;
  int status; /* zlib return code of the failing call, or Z_OK */
  const char *where;
  size_t produced;
} job_t;

static void throw_error(napi_env env, const char *msg) { napi_throw_error(env, NULL, msg); }

static void deflater_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  deflater_t *d = data;
  deflateEnd(&d->strm);
  free(d);
}

static napi_value create_deflater(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t level = 6, strategy = Z_DEFAULT_STRATEGY;
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    throw_error(env, "createDeflater(level, strategy)");
    return NULL;
  }
  napi_get_value_int32(env, argv[0], &level);
  napi_get_value_int32(env, argv[1], &strategy);
  deflater_t *d = calloc(1, sizeof *d);
  if (!d) {
    throw_error(env, "out of memory");
    return NULL;
  }
  /* Raw deflate (windowBits -15), zlib's default memLevel 8: what Node's deflateRaw uses. */
  if (deflateInit2(&d->strm, level, Z_DEFLATED, -15, 8, strategy) != Z_OK) {
    free(d);
    throw_error(env, "deflateInit2 failed (bad level or strategy?)");
    return NULL;
  }
  if (napi_create_external(env, d, deflater_finalize, NULL, &result) != napi_ok) {
    deflateEnd(&d->strm);
    free(d);
    return NULL;
  }
  return result;
}

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *j = data;
  z_stream *s = &j->d->strm;
  j->status = deflateReset(s);
  j->where = "deflateReset";
  if (j->status != Z_OK) return;
  if (j->dict_len > 0) {
    j->status = deflateSetDictionary(s, j->dict, (uInt)j->dict_len);
    j->where = "deflateSetDictionary";
    if (j->status != Z_OK) return;
  }
  s->next_in = (Bytef *)j->in;
  s->avail_in = (uInt)j->in_len;
  s->next_out = j->out;
  s->avail_out = (uInt)j->out_len;
  int rc = deflate(s, j->last ? Z_FINISH : Z_SYNC_FLUSH);
  j->where = "deflate";
  if (j->last ? rc != Z_STREAM_END : (rc != Z_OK || s->avail_in != 0 || s->avail_out == 0)) {
    /* avail_out == 0 after a sync flush would mean the flush may be incomplete: the bound was too small. */
    j->status = rc == Z_OK || rc == Z_STREAM_END ? Z_BUF_ERROR : rc;
    return;
  }
  j->status = Z_OK;
  j->produced = j->out_len - s->avail_out;
}

static void complete(napi_env env, napi_status status, void *data) {
  job_t *j = data;
  napi_value cb, global, argv[2];
  j->d->busy = 0;
  napi_get_reference_value(env, j->callback, &cb);
  napi_get_global(env, &global);
  if (status != napi_ok || j->status != Z_OK) {
    char msg[160];
    napi_value text;
    if (status != napi_ok) snprintf(msg, sizeof msg, "deflate: work was cancelled");
    else snprintf(msg, sizeof msg, "deflate: %s failed with zlib code %d", j->where, j->status);
    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
    napi_create_error(env, NULL, text, &argv[0]);
    napi_get_undefined(env, &argv[1]);
  } else {
    napi_get_null(env, &argv[0]);
    napi_create_double(env, (double)j->produced, &argv[1]);
  }
  for (int i = 0; i < 4; i++)
    if (j->refs[i]) napi_delete_reference(env, j->refs[i]);
  napi_delete_reference(env, j->callback);
  napi_delete_async_work(env, j->work);
  free(j);
  napi_call_function(env, global, cb, 2, argv, NULL);
}

/* A Buffer / Uint8Array view: data pointer and length. */
static int view(napi_env env, napi_value v, void **ptr, size_t *len) {
  bool is_typed = false;
  napi_is_typedarray(env, v, &is_typed);
  if (!is_typed) return 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, len, ptr, &ab, &offset) != napi_ok) return 0;
  return type == napi_uint8_array;
}

static napi_value deflate_block(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6) {
    throw_error(env, "deflateBlock(deflater, input, dictionary, last, output, callback)");
    return NULL;
  }
  deflater_t *d = NULL;
  if (napi_get_value_external(env, argv[0], (void **)&d) != napi_ok || !d) {
    throw_error(env, "deflateBlock: not a deflater");
    return NULL;
  }
  if (d->busy) {
    throw_error(env, "deflateBlock: deflater is busy");
    return NULL;
  }
  job_t *j = calloc(1, sizeof *j);
  if (!j) {
    throw_error(env, "out of memory");
    return NULL;
  }
  void *in = NULL, *dict = NULL, *out = NULL;
  size_t in_len = 0, dict_len = 0, out_len = 0;
  napi_valuetype dict_type;
  napi_typeof(env, argv[2], &dict_type);
  bool last = false;
  napi_get_value_bool(env, argv[3], &last);
  napi_valuetype cb_type;
  napi_typeof(env, argv[5], &cb_type);
  if (!view(env, argv[1], &in, &in_len) || !view(env, argv[4], &out, &out_len) || cb_type != napi_function ||
      (dict_type != napi_null && dict_type != napi_undefined && !view(env, argv[2], &dict, &dict_len)) ||
      in_len > 0x7fffffff || out_len > 0x7fffffff || dict_len > 0x7fffffff) {
    free(j);
    throw_error(env, "deflateBlock: bad arguments");
    return NULL;
  }
  if (out_len < deflateBound(&d->strm, (uLong)in_len) + 16) {
    free(j);
    throw_error(env, "deflateBlock: output buffer smaller than the deflate bound");
    return NULL;
  }
  j->d = d;
  j->in = in;
  j->in_len = in_len;
  j->dict = dict;
  j->dict_len = dict_len;
  j->out = out;
  j->out_len = out_len;
  j->last = last;
  napi_create_reference(env, argv[0], 1, &j->refs[0]);
  napi_create_reference(env, argv[1], 1, &j->refs[1]);
  if (dict) napi_create_reference(env, argv[2], 1, &j->refs[2]);
  napi_create_reference(env, argv[4], 1, &j->refs[3]);
  napi_create_reference(env, argv[5], 1, &j->callback);
  napi_value name;
  napi_create_string_utf8(env, "argoexec:deflate", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, j, &j->work);
  d->busy = 1;
  napi_queue_async_work(env, j->work);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "createDeflater", NAPI_AUTO_LENGTH, create_deflater, NULL, &fn);
  napi_set_named_property(env, exports, "createDeflater", fn);
  napi_create_function(env, "deflateBlock", NAPI_AUTO_LENGTH, deflate_block, NULL, &fn);
  napi_set_named_property(env, exports, "deflateBlock", fn);
  return exports;
}
