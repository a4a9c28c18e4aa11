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
 *   deflateBlock(d, input, dictionary | null, last, output, (err, bytesOut, crc, stored) => ...);
 *   crc32Combine(crc1, crc2, len2);                        // zlib's crc32_combine
 *
 * The job also computes the input's CRC-32 (gzip's trailer), off the event loop and in parallel across blocks; the
 * caller combines them in order. A block that would not shrink (every one of 4 samples saves < 1 % at level 1:
 * random or already-compressed data) is written as stored blocks instead of being searched for matches in vain,
 * which is what zlib emits for it at any level anyway (issue 12, P2b; decision D36).
 *
 * `last` ends the stream (Z_FINISH); otherwise the block ends with a sync flush (byte aligned, not final), so
 * blocks compressed independently concatenate into one valid deflate stream. `output` must hold
 * deflateBound(input) + 16 bytes (`outputBound` in src/core/archive/block-deflate.ts). The buffers must not be touched until the callback.
 */
#include <node_api.h>
#include "napi-helpers.h"
#include <zlib.h>
#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* Probe samples: the last 4 KiB of every 64 KiB of the block, each primed with the 32 KiB before it. */
#define PROBE_BYTES (4 * 1024)
#define PROBE_STRIDE (64 * 1024)
#define WINDOW (32 * 1024)
#include <math.h>

typedef struct {
  z_stream strm;
  int busy;
  int level;
  /* Incompressible blocks (already-compressed or random data): a level-1 probe of a few samples decides, and such a
   * block is written as stored blocks by `store` (level 0) instead of being searched for matches at `level`. */
  int probe_ready;
  z_stream probe;
  z_stream store;
  unsigned char probe_out[PROBE_BYTES + PROBE_BYTES / 8 + 64];
  /* ISA-L's igzip instead of zlib (isal_level 1..3; -1: zlib at `level`), decision D37. */
  int isal_level;
  struct isal_zstream *isal;
  unsigned char *isal_buf;
  uint32_t isal_buf_size;
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
  unsigned long crc; /* CRC-32 of the input block (gzip's), computed here rather than on the event loop */
  int stored;        /* the block was found incompressible and stored */
} job_t;

static void deflater_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  deflater_t *d = data;
  deflateEnd(&d->strm);
  if (d->probe_ready) {
    deflateEnd(&d->probe);
    deflateEnd(&d->store);
  }
  free(d->isal);
  free(d->isal_buf);
  free(d);
}

/* ISA-L's level buffer for `level` (its "large" size, the library's default). */
static uint32_t isal_level_buf_size(int level) {
  switch (level) {
  case 1: return ISAL_DEF_LVL1_DEFAULT;
  case 2: return ISAL_DEF_LVL2_DEFAULT;
  default: return ISAL_DEF_LVL3_DEFAULT;
  }
}

static napi_value create_deflater(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t level = 6, strategy = Z_DEFAULT_STRATEGY, isal_level = -1;
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    throw_error(env, "createDeflater(level, strategy, isalLevel?)");
    return NULL;
  }
  napi_get_value_int32(env, argv[0], &level);
  napi_get_value_int32(env, argv[1], &strategy);
  if (argc > 2) napi_get_value_int32(env, argv[2], &isal_level);
  if (isal_level != -1 && (isal_level < 1 || isal_level > ISAL_DEF_MAX_LEVEL)) {
    throw_error(env, "createDeflater: ISA-L level must be 1..3 (or -1 for zlib)");
    return NULL;
  }
  deflater_t *d = calloc(1, sizeof *d);
  if (!d) {
    throw_error(env, "out of memory");
    return NULL;
  }
  d->isal_level = isal_level;
  if (isal_level > 0) {
    d->isal_buf_size = isal_level_buf_size(isal_level);
    d->isal = calloc(1, sizeof *d->isal);
    d->isal_buf = malloc(d->isal_buf_size);
    if (!d->isal || !d->isal_buf) {
      free(d->isal);
      free(d->isal_buf);
      free(d);
      throw_error(env, "out of memory");
      return NULL;
    }
  }
  /* Raw deflate (windowBits -15), zlib's default memLevel 8: what Node's deflateRaw uses. */
  if (deflateInit2(&d->strm, level, Z_DEFLATED, -15, 8, strategy) != Z_OK) {
    free(d->isal);
    free(d->isal_buf);
    free(d);
    throw_error(env, "deflateInit2 failed (bad level or strategy?)");
    return NULL;
  }
  d->level = level;
  /* Probing only pays where the level searches for matches; Huffman-only and RLE are cheap already. */
  if (isal_level > 0 || (level > 1 && (strategy == Z_DEFAULT_STRATEGY || strategy == Z_FILTERED))) {
    if (deflateInit2(&d->probe, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK) {
      if (deflateInit2(&d->store, 0, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK) d->probe_ready = 1;
      else deflateEnd(&d->probe);
    }
  }
  if (napi_create_external(env, d, deflater_finalize, NULL, &result) != napi_ok) {
    deflater_finalize(env, d, NULL);
    return NULL;
  }
  return result;
}

/* Order-0 entropy of a sample in bits per byte (random data: ~7.95 for 4 KiB; text: 4-6). */
static double entropy(const unsigned char *p, size_t n) {
  unsigned int count[256] = {0};
  for (size_t i = 0; i < n; i++) count[p[i]]++;
  double h = 0;
  for (int i = 0; i < 256; i++)
    if (count[i]) {
      double q = (double)count[i] / (double)n;
      h -= q * log2(q);
    }
  return h;
}

/*
 * Whether a block would not shrink: at the end of every 64 KiB, a 4 KiB sample deflated at level 1 (primed with the
 * 32 KiB before it, from the block or the caller's dictionary, so matches zlib could find there count) saves less
 * than 1 %. zlib itself would then emit stored blocks at any level (it stores what does not compress), after
 * searching for matches in vain. A sample whose bytes alone are compressible (order-0 entropy below 7.5 bits) ends
 * the probe at once, so compressible data pays ~15 µs per block. What it can miss: a compressible stretch shorter
 * than 64 KiB that lies between two samples of an otherwise incompressible block (then stored, as the rest).
 */
static int incompressible(deflater_t *d, const unsigned char *in, size_t len, const unsigned char *dict, size_t dict_len) {
  if (!d->probe_ready || len < PROBE_BYTES) return 0;
  /* Samples end every 64 KiB (and at the block's end): each has as much of the block as possible before it. */
  size_t samples = (len + PROBE_STRIDE - 1) / PROBE_STRIDE;
  for (size_t k = 0; k < samples; k++) {
    size_t end = k + 1 < samples ? (k + 1) * PROBE_STRIDE : len;
    if (entropy(in + end - PROBE_BYTES, PROBE_BYTES) < 7.5) return 0;
  }
  for (size_t k = 0; k < samples; k++) {
    size_t at = (k + 1 < samples ? (k + 1) * PROBE_STRIDE : len) - PROBE_BYTES;
    z_stream *p = &d->probe;
    if (deflateReset(p) != Z_OK) return 0;
    /* The window before the sample: from the block, topped up from the end of the caller's dictionary. */
    unsigned char window[WINDOW];
    size_t from_block = at < WINDOW ? at : WINDOW;
    size_t from_dict = WINDOW - from_block < dict_len ? WINDOW - from_block : dict_len;
    if (from_dict) memcpy(window, dict + dict_len - from_dict, from_dict);
    memcpy(window + from_dict, in + at - from_block, from_block);
    if (from_dict + from_block > 0 && deflateSetDictionary(p, window, (uInt)(from_dict + from_block)) != Z_OK) return 0;
    p->next_in = (Bytef *)in + at;
    p->avail_in = PROBE_BYTES;
    p->next_out = d->probe_out;
    p->avail_out = sizeof d->probe_out;
    if (deflate(p, Z_FINISH) != Z_STREAM_END) return 0;
    if (p->total_out * 100 < (uLong)PROBE_BYTES * 99) return 0;
  }
  return 1;
}

/*
 * One block through ISA-L's igzip: primed with the dictionary, ending with a sync flush (or the end of the stream),
 * like the zlib path. Returns 0 when the block did not fit in the output buffer (the caller stores it instead).
 */
static int isal_block(job_t *j) {
  deflater_t *d = j->d;
  struct isal_zstream *z = d->isal;
  isal_deflate_init(z);
  z->level = (uint32_t)d->isal_level;
  z->level_buf = d->isal_buf;
  z->level_buf_size = d->isal_buf_size;
  z->gzip_flag = IGZIP_DEFLATE;
  z->end_of_stream = j->last ? 1 : 0;
  z->flush = j->last ? NO_FLUSH : SYNC_FLUSH;
  if (j->dict_len > 0 && isal_deflate_set_dict(z, (uint8_t *)j->dict, (uint32_t)j->dict_len) != COMP_OK) return 0;
  z->next_in = (uint8_t *)j->in;
  z->avail_in = (uint32_t)j->in_len;
  z->next_out = j->out;
  z->avail_out = (uint32_t)j->out_len;
  if (isal_deflate(z) != COMP_OK || z->avail_in != 0 || z->avail_out == 0) return 0;
  if (j->last && z->internal_state.state != ZSTATE_END) return 0;
  j->produced = j->out_len - z->avail_out;
  return 1;
}

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *j = data;
  j->crc = crc32(0L, j->in, (uInt)j->in_len);
  j->stored = incompressible(j->d, j->in, j->in_len, j->dict, j->dict_len);
  if (j->d->isal_level > 0 && !j->stored) {
    j->status = Z_OK;
    if (isal_block(j)) return;
    j->stored = j->d->probe_ready; /* did not fit the deflate bound: stored blocks always do (else zlib) */
  }
  z_stream *s = j->stored ? &j->d->store : &j->d->strm;
  j->status = deflateReset(s);
  j->where = "deflateReset";
  if (j->status != Z_OK) return;
  if (j->dict_len > 0 && !j->stored) {
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
  napi_value cb, global, argv[4];
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
    napi_get_undefined(env, &argv[2]);
    napi_get_undefined(env, &argv[3]);
  } else {
    napi_get_null(env, &argv[0]);
    napi_create_double(env, (double)j->produced, &argv[1]);
    napi_create_uint32(env, (uint32_t)j->crc, &argv[2]);
    napi_get_boolean(env, j->stored, &argv[3]);
  }
  release_job(env, j->refs, 4, j->callback, j->work);
  free(j);
  napi_call_function(env, global, cb, 4, argv, NULL);
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

/* crc32Combine(crc1, crc2, len2): the CRC-32 of two blocks one after the other (zlib's crc32_combine). */
static napi_value crc32_combine_js(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result;
  uint32_t a = 0, b = 0;
  double len = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 || napi_get_value_uint32(env, argv[0], &a) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &b) != napi_ok || napi_get_value_double(env, argv[2], &len) != napi_ok || len < 0) {
    throw_error(env, "crc32Combine(crc1, crc2, len2)");
    return NULL;
  }
  napi_create_uint32(env, (uint32_t)crc32_combine(a, b, (z_off_t)len), &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "crc32Combine", NAPI_AUTO_LENGTH, crc32_combine_js, NULL, &fn);
  napi_set_named_property(env, exports, "crc32Combine", fn);
  napi_create_function(env, "createDeflater", NAPI_AUTO_LENGTH, create_deflater, NULL, &fn);
  napi_set_named_property(env, exports, "createDeflater", fn);
  napi_create_function(env, "deflateBlock", NAPI_AUTO_LENGTH, deflate_block, NULL, &fn);
  napi_set_named_property(env, exports, "deflateBlock", fn);
  return exports;
}
