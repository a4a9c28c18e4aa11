/*
 * argoexec-ts native helper: gunzip with Intel's ISA-L (igzip) on the libuv threadpool, into caller-owned buffers.
 *
 * Why: a tar.gz input is inflated serially, so one core's inflate rate bounds init (issue 12, P3). On the bench's
 * 1 GiB half-compressible tarball Node's zlib (Chromium's) inflates at ~180 MB/s, Go's compress/gzip at ~125 MB/s,
 * Go v4.1.2's argoexec (klauspost/pgzip) faster than both; ISA-L's igzip at ~380 MB/s (decision D35).
 *
 * Semantics follow Node's zlib Gunzip, which this replaces for tar.gz inputs: one gzip member after another (a
 * member that ends and is followed by a non-zero byte starts a new member, whose header must be valid); after a
 * member, a zero byte ends the stream and everything after it is ignored; the gzip header is parsed here, byte by
 * byte as zlib reads it (its checks, in its order), ISA-L inflates the raw deflate data and verifies the trailer
 * (CRC-32 and ISIZE). Errors carry zlib's messages and codes.
 *
 *   const h = createInflater();
 *   inflate(h, input, output, (err, consumed, produced, ended) => ...);
 *
 * `ended`: the stream is complete (a member has ended and no new one has begun). The buffers must not be touched
 * until the callback. Call again with the rest of the input (and with an empty input while output keeps coming).
 */
#include <node_api.h>
#include "napi-helpers.h"
#include <isa-l/igzip_lib.h>
#include <isa-l/crc.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  struct inflate_state st;
  int busy;
  int between; /* a member has ended; the next byte decides */
  int ended;   /* a zero byte followed a member: the rest is ignored */
  /* The member's gzip header, parsed here (ISA-L then inflates the raw deflate data and verifies the trailer): */
  int hdr_state;           /* H_* below */
  uint32_t hdr_pos;        /* bytes seen in the current header state */
  unsigned char hdr[10];   /* the fixed part */
  uint32_t xlen;           /* FEXTRA length */
  uint32_t hdr_crc;        /* CRC-32 of the header bytes so far (FHCRC) */
  uint32_t hcrc_lo;        /* the first byte of the header's own CRC-16 */
  unsigned char last8[8];  /* the last 8 bytes consumed (the trailer, when ISA-L finds it wrong) */
} inflater_t;

enum { H_FIXED, H_XLEN, H_EXTRA, H_NAME, H_COMMENT, H_HCRC, H_DONE };
#define FHCRC 0x02
#define FEXTRA 0x04
#define FNAME 0x08
#define FCOMMENT 0x10

/* Our own codes for zlib's errors that ISA-L has no code for (header flags, ISIZE, header CRC). */
#define HDR_BAD_FLAGS -100
#define LENGTH_MISMATCH -101
#define HDR_CRC_MISMATCH -102

typedef struct {
  napi_async_work work;
  napi_ref callback;
  napi_ref refs[3]; /* inflater, input, output */
  inflater_t *h;
  unsigned char *in;
  size_t in_len;
  unsigned char *out;
  size_t out_len;
  int rc; /* ISA-L error (< 0), or 0 */
  size_t consumed;
  size_t produced;
} job_t;

static void start_member(inflater_t *h) {
  isal_inflate_reset(&h->st);
  h->st.crc_flag = ISAL_GZIP_NO_HDR_VER;
  h->between = 0;
  h->hdr_state = H_FIXED;
  h->hdr_pos = 0;
  h->hdr_crc = 0;
  h->xlen = 0;
}

/*
 * Consume header bytes from s->next_in (advancing it) as zlib reads a gzip header: ID1 ID2 checked once both are in,
 * then CM and the reserved FLG bits once both are in (a lone first byte is "unexpected end of file"), MTIME XFL OS,
 * FEXTRA, FNAME, FCOMMENT, FHCRC (checked). Returns 0 (more needed, or H_DONE reached) or an error code.
 */
static int parse_header(inflater_t *h, struct inflate_state *s) {
  while (s->avail_in > 0 && h->hdr_state != H_DONE) {
    unsigned char c = *s->next_in;
    int flags = h->hdr[3];
    switch (h->hdr_state) {
    case H_FIXED:
      h->hdr[h->hdr_pos++] = c;
      if (h->hdr_pos == 2 && (h->hdr[0] != 0x1f || h->hdr[1] != 0x8b)) return ISAL_INVALID_WRAPPER;
      if (h->hdr_pos == 4) {
        if (h->hdr[2] != 8) return ISAL_UNSUPPORTED_METHOD;
        if (h->hdr[3] & 0xe0) return HDR_BAD_FLAGS;
      }
      if (h->hdr_pos == 10) {
        h->hdr_pos = 0;
        h->hdr_state = (flags & FEXTRA) ? H_XLEN : (flags & FNAME) ? H_NAME : (flags & FCOMMENT) ? H_COMMENT : (flags & FHCRC) ? H_HCRC : H_DONE;
      }
      break;
    case H_XLEN:
      h->xlen |= (uint32_t)c << (8 * h->hdr_pos++);
      if (h->hdr_pos == 2) {
        h->hdr_pos = 0;
        h->hdr_state = h->xlen ? H_EXTRA : (flags & FNAME) ? H_NAME : (flags & FCOMMENT) ? H_COMMENT : (flags & FHCRC) ? H_HCRC : H_DONE;
      }
      break;
    case H_EXTRA:
      if (++h->hdr_pos == h->xlen) {
        h->hdr_pos = 0;
        h->hdr_state = (flags & FNAME) ? H_NAME : (flags & FCOMMENT) ? H_COMMENT : (flags & FHCRC) ? H_HCRC : H_DONE;
      }
      break;
    case H_NAME:
      if (c == 0) h->hdr_state = (flags & FCOMMENT) ? H_COMMENT : (flags & FHCRC) ? H_HCRC : H_DONE;
      break;
    case H_COMMENT:
      if (c == 0) h->hdr_state = (flags & FHCRC) ? H_HCRC : H_DONE;
      break;
    case H_HCRC:
      if (h->hdr_pos == 0) h->hcrc_lo = c;
      else if ((h->hcrc_lo | (uint32_t)c << 8) != (h->hdr_crc & 0xffff)) return HDR_CRC_MISMATCH;
      if (++h->hdr_pos == 2) h->hdr_state = H_DONE;
      s->next_in++;
      s->avail_in--;
      continue; /* the CRC's own bytes are not part of what it covers */
    }
    h->hdr_crc = crc32_gzip_refl(h->hdr_crc, s->next_in, 1);
    s->next_in++;
    s->avail_in--;
  }
  return 0;
}

/* Remember the last 8 bytes consumed from [from, to). */
static void keep_last8(inflater_t *h, const unsigned char *from, const unsigned char *to) {
  size_t n = (size_t)(to - from);
  if (n >= 8) {
    memcpy(h->last8, to - 8, 8);
  } else if (n > 0) {
    memmove(h->last8, h->last8 + n, 8 - n);
    memcpy(h->last8 + 8 - n, from, n);
  }
}

static void inflater_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static napi_value create_inflater(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  inflater_t *h = calloc(1, sizeof *h);
  if (!h) {
    throw_error(env, "out of memory");
    return NULL;
  }
  isal_inflate_init(&h->st);
  start_member(h);
  if (napi_create_external(env, h, inflater_finalize, NULL, &result) != napi_ok) {
    free(h);
    return NULL;
  }
  return result;
}

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *j = data;
  inflater_t *h = j->h;
  struct inflate_state *s = &h->st;
  s->next_in = j->in;
  s->avail_in = (uint32_t)j->in_len;
  s->next_out = j->out;
  s->avail_out = (uint32_t)j->out_len;
  j->rc = 0;
  for (;;) {
    if (h->ended) {
      s->avail_in = 0;
      break;
    }
    if (h->between) {
      if (s->avail_in == 0) break;
      if (*s->next_in == 0) {
        h->ended = 1;
        continue;
      }
      unsigned char *next_in = s->next_in;
      uint32_t avail_in = s->avail_in;
      unsigned char *next_out = s->next_out;
      uint32_t avail_out = s->avail_out;
      start_member(h);
      s->next_in = next_in;
      s->avail_in = avail_in;
      s->next_out = next_out;
      s->avail_out = avail_out;
    }
    if (h->hdr_state != H_DONE) {
      int bad = parse_header(h, s);
      if (bad) {
        j->rc = bad;
        break;
      }
      if (h->hdr_state != H_DONE) break; /* the header continues in the next input */
    }
    uint32_t in_before = s->avail_in, out_before = s->avail_out;
    const unsigned char *from = s->next_in;
    int rc = isal_inflate(s);
    keep_last8(h, from, s->next_in);
    if (rc == ISAL_INCORRECT_CHECKSUM) {
      /* The trailer is CRC-32 then ISIZE: a matching CRC means the length was wrong (zlib says which). */
      const unsigned char *t = h->last8;
      uint32_t crc = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
      if (crc == s->crc) rc = LENGTH_MISMATCH;
    }
    if (rc < 0) {
      j->rc = rc;
      break;
    }
    if (s->block_state == ISAL_BLOCK_FINISH) {
      h->between = 1;
      continue;
    }
    if (s->avail_out == 0 || s->avail_in == 0) break;
    if (s->avail_in == in_before && s->avail_out == out_before) break; /* no progress: wait for more input */
  }
  j->consumed = j->in_len - s->avail_in;
  j->produced = j->out_len - s->avail_out;
}

/* zlib's words for what went wrong (Node's Gunzip errors: message and code). */
static const char *zlib_message(int rc) {
  switch (rc) {
  case ISAL_INVALID_WRAPPER: return "incorrect header check";
  case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
  case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
  case ISAL_INVALID_BLOCK: return "invalid block type";
  case ISAL_INVALID_SYMBOL: return "invalid literal/length code";
  case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
  case ISAL_NEED_DICT: return "Missing dictionary";
  case HDR_BAD_FLAGS: return "unknown header flags set";
  case LENGTH_MISMATCH: return "incorrect length check";
  case HDR_CRC_MISMATCH: return "header crc mismatch";
  default: return "invalid data";
  }
}

static void complete(napi_env env, napi_status status, void *data) {
  job_t *j = data;
  napi_value cb, global, argv[4];
  j->h->busy = 0;
  napi_get_reference_value(env, j->callback, &cb);
  napi_get_global(env, &global);
  if (status != napi_ok || j->rc < 0) {
    napi_value text, code;
    napi_create_string_utf8(env, status != napi_ok ? "inflate: work was cancelled" : zlib_message(j->rc), NAPI_AUTO_LENGTH, &text);
    napi_create_error(env, NULL, text, &argv[0]);
    napi_create_string_utf8(env, "Z_DATA_ERROR", NAPI_AUTO_LENGTH, &code);
    napi_set_named_property(env, argv[0], "code", code);
    napi_get_undefined(env, &argv[1]);
    napi_get_undefined(env, &argv[2]);
    napi_get_undefined(env, &argv[3]);
  } else {
    napi_get_null(env, &argv[0]);
    napi_create_double(env, (double)j->consumed, &argv[1]);
    napi_create_double(env, (double)j->produced, &argv[2]);
    napi_get_boolean(env, j->h->between || j->h->ended, &argv[3]);
  }
  release_job(env, j->refs, 3, j->callback, j->work);
  free(j);
  napi_call_function(env, global, cb, 4, argv, NULL);
}

static napi_value inflate_chunk(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) {
    throw_error(env, "inflate(inflater, input, output, callback)");
    return NULL;
  }
  inflater_t *h = NULL;
  if (napi_get_value_external(env, argv[0], (void **)&h) != napi_ok || !h) {
    throw_error(env, "inflate: not an inflater");
    return NULL;
  }
  if (h->busy) {
    throw_error(env, "inflate: inflater is busy");
    return NULL;
  }
  void *in = NULL, *out = NULL;
  size_t in_len = 0, out_len = 0;
  napi_valuetype cb_type;
  napi_typeof(env, argv[3], &cb_type);
  if (!view(env, argv[1], &in, &in_len) || !view(env, argv[2], &out, &out_len) || cb_type != napi_function ||
      in_len > 0x7fffffff || out_len > 0x7fffffff || out_len == 0) {
    throw_error(env, "inflate: bad arguments");
    return NULL;
  }
  job_t *j = calloc(1, sizeof *j);
  if (!j) {
    throw_error(env, "out of memory");
    return NULL;
  }
  j->h = h;
  j->in = in;
  j->in_len = in_len;
  j->out = out;
  j->out_len = out_len;
  napi_create_reference(env, argv[0], 1, &j->refs[0]);
  napi_create_reference(env, argv[1], 1, &j->refs[1]);
  napi_create_reference(env, argv[2], 1, &j->refs[2]);
  napi_create_reference(env, argv[3], 1, &j->callback);
  napi_value name;
  napi_create_string_utf8(env, "argoexec:inflate", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, j, &j->work);
  h->busy = 1;
  napi_queue_async_work(env, j->work);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "createInflater", NAPI_AUTO_LENGTH, create_inflater, NULL, &fn);
  napi_set_named_property(env, exports, "createInflater", fn);
  napi_create_function(env, "inflate", NAPI_AUTO_LENGTH, inflate_chunk, NULL, &fn);
  napi_set_named_property(env, exports, "inflate", fn);
  return exports;
}
