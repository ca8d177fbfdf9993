/*
 * jsonaudit: a small Falco plugin used by falco-scap's tests and benchmark.
 *
 * Event sourcing: open(params) takes the path of a file of JSON lines, one audit record
 * per line, e.g. {"user":"alice","action":"login","count":3,"tags":["a","b"],"ip":"10.0.0.1"}.
 * Each non-empty line becomes one plugin event (code 322) whose payload is the line.
 * Field extraction: jaudit.user, jaudit.action, jaudit.count (uint64), jaudit.tags (list),
 * jaudit.tag[i] (index arg), jaudit.field[key] (key arg), jaudit.ip (ipaddr),
 * jaudit.failed (bool), jaudit.lineno (uint64), jaudit.line.
 * Init config (JSON, with a schema): {"batchSize": 1..100000, "verbose": bool,
 * "delayMs": 0..10000} (delayMs: sleep that long in every next_batch, a slow source).
 * Built with -DSECOND it is another plugin, "jsonaudit2" (ID 997, source "jsonaudit2", same
 * fields), for tests with two live sources.
 *
 * Build: cc -shared -fPIC -O2 -I native/plugin-host/src -o libjsonaudit.so jsonaudit.c
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "abi.h"

#define EXPORT __attribute__((visibility("default")))
#ifdef SECOND
#define PLUGIN_ID 997
#define PLUGIN_NAME "jsonaudit2"
#else
#define PLUGIN_ID 999
#define PLUGIN_NAME "jsonaudit"
#endif
#define HDR 26
#define PAYLOAD_OFF 38 /* header + two u32 lengths + plugin id */

enum { F_USER, F_ACTION, F_COUNT, F_TAGS, F_TAG, F_FIELD, F_IP, F_FAILED, F_LINENO, F_LINE, F_PARSED, F_LASTPARSED, NFIELDS };

static const char *FIELDS =
    "["
    "{\"type\":\"string\",\"name\":\"jaudit.user\",\"desc\":\"User of the audit record\",\"addOutput\":true},"
    "{\"type\":\"string\",\"name\":\"jaudit.action\",\"desc\":\"Action of the audit record\"},"
    "{\"type\":\"uint64\",\"name\":\"jaudit.count\",\"desc\":\"The record's count\"},"
    "{\"type\":\"string\",\"name\":\"jaudit.tags\",\"isList\":true,\"desc\":\"The record's tags\"},"
    "{\"type\":\"string\",\"name\":\"jaudit.tag\",\"arg\":{\"isRequired\":true,\"isIndex\":true},\"desc\":\"One tag, by position\"},"
    "{\"type\":\"string\",\"name\":\"jaudit.field\",\"arg\":{\"isRequired\":true,\"isKey\":true},\"desc\":\"Any top-level key, as text\"},"
    "{\"type\":\"ipaddr\",\"name\":\"jaudit.ip\",\"desc\":\"Source address (the ip key)\"},"
    "{\"type\":\"bool\",\"name\":\"jaudit.failed\",\"desc\":\"True when the action is 'fail'\"},"
    "{\"type\":\"uint64\",\"name\":\"jaudit.lineno\",\"desc\":\"Line number in the source file (from 1)\"},"
    "{\"type\":\"string\",\"name\":\"jaudit.line\",\"desc\":\"The whole record\",\"properties\":[\"hidden\"]}"
#ifdef WITH_PARSE
    /* Built with -DWITH_PARSE the plugin also has the parsing capability: parse_event keeps
       a counter that these fields expose, so tests can see that parsing runs on every event,
       in order, before the event's fields are extracted. */
    ",{\"type\":\"uint64\",\"name\":\"jaudit.parsed\",\"desc\":\"Events parse_event has seen so far\"},"
    "{\"type\":\"uint64\",\"name\":\"jaudit.lastparsed\",\"desc\":\"evtnum of the last event parse_event saw\"}"
#endif
    "]";

/* ---- a tiny parser for flat JSON objects --------------------------------------------- */

#define MAXKEYS 32
#define MAXTAGS 64

typedef struct {
  int n;
  const char *key[MAXKEYS];
  const char *val[MAXKEYS]; /* text: unescaped string, or the raw number/literal */
  int is_str[MAXKEYS];
  int ntags;
  const char *tags[MAXTAGS];
} record;

typedef struct {
  char *buf; /* arena for unescaped strings */
  size_t cap, len;
} arena;

static char *arena_put(arena *a, const char *s, size_t n) {
  if (a->len + n + 1 > a->cap) return NULL; /* sized by the caller: never happens */
  char *d = a->buf + a->len;
  memcpy(d, s, n);
  d[n] = 0;
  a->len += n + 1;
  return d;
}

static const char *skip_ws(const char *p, const char *e) {
  while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
  return p;
}

/* Parses a JSON string starting at the quote; returns the position after it. */
static const char *parse_str(const char *p, const char *e, arena *a, const char **out) {
  if (p >= e || *p != '"') return NULL;
  p++;
  char *d = a->buf + a->len;
  size_t start = a->len;
  while (p < e && *p != '"') {
    char c = *p++;
    if (c == '\\') {
      if (p >= e) return NULL;
      c = *p++;
      switch (c) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'u': {
          if (e - p < 4) return NULL;
          unsigned v = 0;
          for (int i = 0; i < 4; i++) {
            char h = p[i];
            v <<= 4;
            if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
            else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
            else return NULL;
          }
          p += 4;
          if (v < 0x80) {
            c = (char)v;
          } else if (v < 0x800) {
            a->buf[a->len++] = (char)(0xC0 | (v >> 6));
            c = (char)(0x80 | (v & 0x3F));
          } else {
            a->buf[a->len++] = (char)(0xE0 | (v >> 12));
            a->buf[a->len++] = (char)(0x80 | ((v >> 6) & 0x3F));
            c = (char)(0x80 | (v & 0x3F));
          }
          break;
        }
        default: break; /* \" \\ \/ */
      }
    }
    a->buf[a->len++] = c;
  }
  if (p >= e) return NULL;
  a->buf[a->len++] = 0;
  *out = a->buf + start;
  (void)d;
  return p + 1;
}

/* Skips any JSON value (objects/arrays by bracket depth, strings respected). */
static const char *skip_value(const char *p, const char *e) {
  int depth = 0;
  int in_str = 0;
  for (; p < e; p++) {
    char c = *p;
    if (in_str) {
      if (c == '\\') p++;
      else if (c == '"') {
        in_str = 0;
        if (depth == 0) return p + 1;
      }
      continue;
    }
    if (c == '"') in_str = 1;
    else if (c == '{' || c == '[') depth++;
    else if (c == '}' || c == ']') {
      if (depth == 0) return p;
      if (--depth == 0) return p + 1;
    } else if (depth == 0 && (c == ',')) return p;
  }
  return p;
}

static int parse_record(const char *p, const char *e, arena *a, record *r) {
  r->n = 0;
  r->ntags = 0;
  p = skip_ws(p, e);
  if (p >= e || *p != '{') return -1;
  p = skip_ws(p + 1, e);
  if (p < e && *p == '}') return 0;
  while (p < e) {
    const char *key;
    p = parse_str(p, e, a, &key);
    if (!p) return -1;
    p = skip_ws(p, e);
    if (p >= e || *p != ':') return -1;
    p = skip_ws(p + 1, e);
    if (p >= e) return -1;
    const char *val = NULL;
    int is_str = 0;
    if (*p == '"') {
      p = parse_str(p, e, a, &val);
      if (!p) return -1;
      is_str = 1;
    } else if (*p == '[' && strcmp(key, "tags") == 0) {
      const char *arr = p;
      p = skip_ws(p + 1, e);
      while (p < e && *p != ']') {
        const char *t;
        if (*p == '"') {
          p = parse_str(p, e, a, &t);
          if (!p) return -1;
          if (r->ntags < MAXTAGS) r->tags[r->ntags++] = t;
        } else {
          p = skip_value(p, e);
        }
        p = skip_ws(p, e);
        if (p < e && *p == ',') p = skip_ws(p + 1, e);
      }
      if (p >= e) return -1;
      p++;
      val = arena_put(a, arr, (size_t)(p - arr));
    } else {
      const char *v0 = p;
      p = skip_value(p, e);
      const char *v1 = p;
      while (v1 > v0 && (v1[-1] == ' ' || v1[-1] == '\t')) v1--;
      val = arena_put(a, v0, (size_t)(v1 - v0));
    }
    if (r->n < MAXKEYS) {
      r->key[r->n] = key;
      r->val[r->n] = val;
      r->is_str[r->n] = is_str;
      r->n++;
    }
    p = skip_ws(p, e);
    if (p < e && *p == ',') {
      p = skip_ws(p + 1, e);
      continue;
    }
    if (p < e && *p == '}') return 0;
    return -1;
  }
  return -1;
}

static const char *rec_get(const record *r, const char *key, int *is_str) {
  for (int i = 0; i < r->n; i++) {
    if (strcmp(r->key[i], key) == 0) {
      if (is_str) *is_str = r->is_str[i];
      return r->val[i];
    }
  }
  return NULL;
}

/* ---- plugin state ---------------------------------------------------------------------- */

typedef struct {
  char lasterr[1024];
  unsigned batch_size;
  int verbose;
  unsigned delay_ms;
  fsp_owner *owner;
  fsp_log_fn log;
  /* extraction scratch, valid until the next extract call */
  arena ar;
  record rec;
  uint32_t nres;
  const char **sres;
  uint64_t *ures;
  fsp_bool *bres;
  fsp_byte_buffer *ipres;
  uint8_t ipbytes[16];
  char tostr[4096];
  uint64_t events_read;
  fsp_metric metrics[2];
  uint64_t parsed;      /* WITH_PARSE: events seen by parse_event */
  uint64_t last_parsed; /* WITH_PARSE: evtnum of the last one */
} plugin;

typedef struct {
  char *data;
  size_t size, pos;
  uint64_t lineno;
  uint8_t *evbuf;
  size_t evcap;
  fsp_event **evptrs;
  char progress[64];
} instance;

static void logf_(plugin *p, int sev, const char *fmt, ...) {
  if (!p->log) return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  p->log(p->owner, "jsonaudit", msg, sev);
}

EXPORT const char *plugin_get_required_api_version(void) { return "3.0.0"; }
EXPORT const char *plugin_get_name(void) { return PLUGIN_NAME; }
EXPORT const char *plugin_get_description(void) { return "Audit records from a file of JSON lines (falco-scap test plugin)"; }
EXPORT const char *plugin_get_contact(void) { return "falco-scap tests"; }
EXPORT const char *plugin_get_version(void) { return "0.3.1"; }
EXPORT uint32_t plugin_get_id(void) { return PLUGIN_ID; }
EXPORT const char *plugin_get_event_source(void) { return PLUGIN_NAME; }
EXPORT const char *plugin_get_extract_event_sources(void) { return "[\"" PLUGIN_NAME "\"]"; }
EXPORT const char *plugin_get_fields(void) { return FIELDS; }

EXPORT const char *plugin_get_init_schema(fsp_schema_type *t) {
  *t = FSP_SCHEMA_JSON;
  return "{\"$schema\":\"http://json-schema.org/draft-04/schema#\",\"type\":\"object\","
         "\"properties\":{\"batchSize\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100000},"
         "\"verbose\":{\"type\":\"boolean\"},\"delayMs\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10000}},\"additionalProperties\":false}";
}

/* The host validated the config against the schema: a plain scan is enough. */
static int apply_config(plugin *p, const char *cfg) {
  unsigned bs = 512;
  int verbose = 0;
  if (cfg && *cfg) {
    const char *b = strstr(cfg, "\"batchSize\"");
    if (b) {
      b = strchr(b + 11, ':');
      long v = b ? strtol(b + 1, NULL, 10) : 0;
      if (v < 1 || v > 100000) {
        snprintf(p->lasterr, sizeof p->lasterr, "batchSize must be 1..100000");
        return -1;
      }
      bs = (unsigned)v;
    }
    const char *v = strstr(cfg, "\"verbose\"");
    if (v) {
      v = strchr(v + 9, ':');
      while (v && (*v == ':' || *v == ' ')) v++;
      verbose = v && strncmp(v, "true", 4) == 0;
    }
  }
  unsigned delay = 0;
  const char *d = cfg ? strstr(cfg, "\"delayMs\"") : NULL;
  if (d) {
    d = strchr(d + 9, ':');
    delay = d ? (unsigned)strtoul(d + 1, NULL, 10) : 0;
  }
  p->batch_size = bs;
  p->verbose = verbose;
  p->delay_ms = delay;
  return 0;
}

EXPORT fsp_state *plugin_init(const fsp_init_input *in, fsp_rc *rc) {
  plugin *p = calloc(1, sizeof *p);
  if (!p) {
    *rc = FSP_RC_FAILURE;
    return NULL;
  }
  p->owner = in->owner;
  p->log = in->log_fn;
  if (apply_config(p, in->config) != 0) {
    *rc = FSP_RC_FAILURE;
    return p;
  }
  /* The owner's table API: list the tables, ask for one that does not exist. */
  if (in->tables) {
    uint32_t nt = 99;
    in->tables->list_tables(in->owner, &nt);
    fsp_table *t = in->tables->get_table(in->owner, "threads", FSP_ST_INT64);
    const char *oe = in->get_owner_last_error ? in->get_owner_last_error(in->owner) : NULL;
    if (p->verbose) logf_(p, 7, "owner tables: %u, threads table %s (%s)", nt, t ? "found" : "absent", oe ? oe : "");
  }
  logf_(p, 6, "initialized, batch size %u", p->batch_size);
  *rc = FSP_RC_SUCCESS;
  return p;
}

EXPORT void plugin_destroy(fsp_state *s) {
  plugin *p = s;
  if (!p) return;
  free(p->ar.buf);
  free(p->sres);
  free(p->ures);
  free(p->bres);
  free(p->ipres);
  free(p);
}

EXPORT const char *plugin_get_last_error(fsp_state *s) { return s ? ((plugin *)s)->lasterr : "no state"; }

EXPORT fsp_rc plugin_set_config(fsp_state *s, const fsp_set_config_input *in) {
  plugin *p = s;
  if (apply_config(p, in->config) != 0) return FSP_RC_FAILURE;
  logf_(p, 6, "reconfigured, batch size %u", p->batch_size);
  return FSP_RC_SUCCESS;
}

EXPORT fsp_metric *plugin_get_metrics(fsp_state *s, uint32_t *n) {
  plugin *p = s;
  p->metrics[0].name = "jsonaudit.events_read";
  p->metrics[0].type = 0;
  p->metrics[0].value_type = FSP_MV_U64;
  p->metrics[0].value.u64 = p->events_read;
  p->metrics[1].name = "jsonaudit.batch_size";
  p->metrics[1].type = 1;
  p->metrics[1].value_type = FSP_MV_U32;
  p->metrics[1].value.u32 = p->batch_size;
  *n = 2;
  return p->metrics;
}

EXPORT const char *plugin_list_open_params(fsp_state *s, fsp_rc *rc) {
  (void)s;
  *rc = FSP_RC_SUCCESS;
  return "[{\"value\":\"/var/log/audit.jsonl\",\"desc\":\"A file of JSON audit records, one per line\"}]";
}

EXPORT fsp_instance *plugin_open(fsp_state *s, const char *params, fsp_rc *rc) {
  plugin *p = s;
  *rc = FSP_RC_FAILURE;
  if (!params || !*params) {
    snprintf(p->lasterr, sizeof p->lasterr, "open: the parameter must be the path of a JSON-lines file");
    return NULL;
  }
  FILE *f = fopen(params, "rb");
  if (!f) {
    snprintf(p->lasterr, sizeof p->lasterr, "open: cannot open %s", params);
    return NULL;
  }
  instance *h = calloc(1, sizeof *h);
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  h->data = malloc((size_t)sz + 1);
  h->size = fread(h->data, 1, (size_t)sz, f);
  fclose(f);
  h->evptrs = calloc(p->batch_size, sizeof *h->evptrs);
  if (p->verbose) logf_(p, 7, "opened %s (%zu bytes)", params, h->size);
  *rc = FSP_RC_SUCCESS;
  return h;
}

EXPORT void plugin_close(fsp_state *s, fsp_instance *hh) {
  (void)s;
  instance *h = hh;
  if (!h) return;
  free(h->data);
  free(h->evbuf);
  free(h->evptrs);
  free(h);
}

EXPORT fsp_rc plugin_next_batch(fsp_state *s, fsp_instance *hh, uint32_t *nevts, fsp_event ***evts) {
  plugin *p = s;
  instance *h = hh;
  *nevts = 0;
  if (h->pos >= h->size) return FSP_RC_EOF;
  if (p->delay_ms > 0) {
    struct timespec ts = {p->delay_ms / 1000, (long)(p->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  /* first pass: the lines of this batch, to size the event buffer */
  size_t need = 0, pos = h->pos;
  uint32_t n = 0;
  while (n < p->batch_size && pos < h->size) {
    char *nl = memchr(h->data + pos, '\n', h->size - pos);
    size_t end = nl ? (size_t)(nl - h->data) : h->size;
    if (end > pos) {
      need += PAYLOAD_OFF + (end - pos) + 8; /* +8: keep headers 8-aligned */
      n++;
    }
    pos = end + 1;
  }
  if (need > h->evcap) {
    free(h->evbuf);
    h->evcap = need * 2;
    h->evbuf = malloc(h->evcap);
  }
  uint8_t *o = h->evbuf;
  n = 0;
  while (n < p->batch_size && h->pos < h->size) {
    char *nl = memchr(h->data + h->pos, '\n', h->size - h->pos);
    size_t end = nl ? (size_t)(nl - h->data) : h->size;
    size_t len = end - h->pos;
    h->lineno++;
    if (len > 0) {
      fsp_event hd;
      hd.ts = 1700000000000000000ull + h->lineno * 1000ull;
      hd.tid = (uint64_t)-1;
      hd.len = (uint32_t)(PAYLOAD_OFF + len);
      hd.type = 322;
      hd.nparams = 2;
      memcpy(o, &hd, HDR);
      uint32_t l0 = 4, l1 = (uint32_t)len, id = 0; /* id 0: the framework fills it in */
      memcpy(o + HDR, &l0, 4);
      memcpy(o + HDR + 4, &l1, 4);
      memcpy(o + HDR + 8, &id, 4);
      memcpy(o + PAYLOAD_OFF, h->data + h->pos, len);
      h->evptrs[n++] = (fsp_event *)o;
      o += (hd.len + 7) & ~7u;
    }
    h->pos = end + 1;
  }
  p->events_read += n;
  *nevts = n;
  *evts = h->evptrs;
  return n == 0 && h->pos >= h->size ? FSP_RC_EOF : FSP_RC_SUCCESS;
}

EXPORT const char *plugin_get_progress(fsp_state *s, fsp_instance *hh, uint32_t *pct) {
  (void)s;
  instance *h = hh;
  size_t pos = h->pos > h->size ? h->size : h->pos;
  *pct = h->size ? (uint32_t)((pos * 10000ull) / h->size) : 10000;
  snprintf(h->progress, sizeof h->progress, "%u.%02u%% (line %llu)", *pct / 100, *pct % 100, (unsigned long long)h->lineno);
  return h->progress;
}

static int payload(const fsp_event *e, const char **data, uint32_t *len) {
  fsp_event hd;
  memcpy(&hd, e, HDR);
  if (hd.type != 322 || hd.nparams != 2 || hd.len < PAYLOAD_OFF) return -1;
  uint32_t l1;
  memcpy(&l1, (const uint8_t *)e + HDR + 4, 4);
  if (PAYLOAD_OFF + (uint64_t)l1 > hd.len) return -1;
  *data = (const char *)e + PAYLOAD_OFF;
  *len = l1;
  return 0;
}

EXPORT const char *plugin_event_to_string(fsp_state *s, const fsp_event_input *ev) {
  plugin *p = s;
  const char *d;
  uint32_t l;
  if (payload(ev->evt, &d, &l) != 0) return "<not a jsonaudit event>";
  if (l >= sizeof p->tostr) l = sizeof p->tostr - 1;
  memcpy(p->tostr, d, l);
  p->tostr[l] = 0;
  return p->tostr;
}

static int grow(plugin *p, uint32_t n) {
  if (n <= p->nres) return 0;
  free(p->sres);
  free(p->ures);
  free(p->bres);
  free(p->ipres);
  p->sres = calloc(n, sizeof *p->sres);
  p->ures = calloc(n, sizeof *p->ures);
  p->bres = calloc(n, sizeof *p->bres);
  p->ipres = calloc(n, sizeof *p->ipres);
  p->nres = n;
  return p->sres && p->ures && p->bres && p->ipres ? 0 : -1;
}

static int parse_ipv4(const char *s, uint8_t out[4]) {
  unsigned a, b, c, d;
  char tail;
  if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 || d > 255) return -1;
  out[0] = (uint8_t)a;
  out[1] = (uint8_t)b;
  out[2] = (uint8_t)c;
  out[3] = (uint8_t)d;
  return 0;
}

EXPORT fsp_rc plugin_extract_fields(fsp_state *s, const fsp_event_input *ev, const fsp_extract_input *in) {
  plugin *p = s;
  const char *d;
  uint32_t l;
  if (payload(ev->evt, &d, &l) != 0) {
    snprintf(p->lasterr, sizeof p->lasterr, "event %llu is not a jsonaudit event", (unsigned long long)ev->evtnum);
    return FSP_RC_FAILURE;
  }
  if (p->ar.cap < (size_t)l * 4 + 64) {
    free(p->ar.buf);
    p->ar.cap = (size_t)l * 4 + 4096;
    p->ar.buf = malloc(p->ar.cap);
  }
  p->ar.len = 0;
  if (parse_record(d, d + l, &p->ar, &p->rec) != 0) {
    snprintf(p->lasterr, sizeof p->lasterr, "event %llu: invalid JSON record", (unsigned long long)ev->evtnum);
    return FSP_RC_FAILURE;
  }
  if (grow(p, in->num_fields) != 0) {
    snprintf(p->lasterr, sizeof p->lasterr, "out of memory");
    return FSP_RC_FAILURE;
  }
  const record *r = &p->rec;
  for (uint32_t i = 0; i < in->num_fields; i++) {
    fsp_extract_field *f = &in->fields[i];
    f->res_len = 0;
    const char *v = NULL;
    int is_str = 0;
    switch (f->field_id) {
      case F_USER:
      case F_ACTION:
        v = rec_get(r, f->field_id == F_USER ? "user" : "action", &is_str);
        if (v && is_str) {
          p->sres[i] = v;
          f->res.str = &p->sres[i];
          f->res_len = 1;
        }
        break;
      case F_COUNT:
        v = rec_get(r, "count", &is_str);
        if (v && !is_str && *v >= '0' && *v <= '9') {
          p->ures[i] = strtoull(v, NULL, 10);
          f->res.u64 = &p->ures[i];
          f->res_len = 1;
        }
        break;
      case F_TAGS:
        if (rec_get(r, "tags", NULL)) {
          f->res.str = (const char **)r->tags;
          f->res_len = (uint64_t)r->ntags;
        }
        break;
      case F_TAG:
        if (f->arg_present && f->arg_index < (uint64_t)r->ntags) {
          f->res.str = (const char **)&r->tags[f->arg_index];
          f->res_len = 1;
        }
        break;
      case F_FIELD:
        if (!f->arg_key) {
          snprintf(p->lasterr, sizeof p->lasterr, "jaudit.field needs a key argument");
          return FSP_RC_FAILURE;
        }
        v = rec_get(r, f->arg_key, NULL);
        if (v) {
          p->sres[i] = v;
          f->res.str = &p->sres[i];
          f->res_len = 1;
        }
        break;
      case F_IP:
        v = rec_get(r, "ip", &is_str);
        if (v && is_str && parse_ipv4(v, p->ipbytes) == 0) {
          p->ipres[i].len = 4;
          p->ipres[i].ptr = p->ipbytes;
          f->res.buf = &p->ipres[i];
          f->res_len = 1;
        }
        break;
      case F_FAILED:
        v = rec_get(r, "action", &is_str);
        p->bres[i] = v && is_str && strcmp(v, "fail") == 0;
        f->res.boolean = &p->bres[i];
        f->res_len = 1;
        break;
      case F_LINENO:
        p->ures[i] = (ev->evt->ts - 1700000000000000000ull) / 1000ull;
        f->res.u64 = &p->ures[i];
        f->res_len = 1;
        break;
#ifdef WITH_PARSE
      case F_PARSED:
      case F_LASTPARSED:
        p->ures[i] = f->field_id == F_PARSED ? p->parsed : p->last_parsed;
        f->res.u64 = &p->ures[i];
        f->res_len = 1;
        break;
#endif
      case F_LINE: {
        char *c = arena_put(&p->ar, d, l);
        p->sres[i] = c;
        f->res.str = &p->sres[i];
        f->res_len = 1;
        break;
      }
      default:
        snprintf(p->lasterr, sizeof p->lasterr, "unknown field id %u (%s)", f->field_id, f->field ? f->field : "?");
        return FSP_RC_FAILURE;
    }
  }
  return FSP_RC_SUCCESS;
}

#ifdef WITH_PARSE
EXPORT const char *plugin_get_parse_event_sources(void) { return "[\"" PLUGIN_NAME "\"]"; }

EXPORT fsp_rc plugin_parse_event(fsp_state *s, const fsp_event_input *ev, const fsp_parse_input *in) {
  plugin *p = s;
  const char *d;
  uint32_t l;
  (void)in;
  if (payload(ev->evt, &d, &l) != 0) {
    snprintf(p->lasterr, sizeof p->lasterr, "parse: event %llu is not a jsonaudit event", (unsigned long long)ev->evtnum);
    return FSP_RC_FAILURE;
  }
  p->parsed++;
  p->last_parsed = ev->evtnum;
  return FSP_RC_SUCCESS;
}
#endif
