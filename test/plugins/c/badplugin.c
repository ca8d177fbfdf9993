/*
 * badplugin: a Falco plugin that breaks the plugin API on request, for falco-scap's
 * error-path tests.
 *
 * Most misbehaviours are selected by the init config (an opaque string, no schema): the
 * mode is stored at init() and applies to every later call, including get_fields(). The
 * ones that a host checks before init() (required API version, descriptive strings,
 * capability consistency, init schema) are selected when compiling, with
 * -DLOAD_MODE=<n> (see the LOAD_* values below).
 *
 * Crashes on request, for the host's crash report: the init config "crash=KIND@FUNCTION"
 * makes FUNCTION (init, next_batch, extract_fields, open, close, destroy) crash with KIND:
 * segv (a write to an unmapped address), abort (abort()), fpe (an integer division by
 * zero) or stackoverflow (unbounded recursion).
 *
 * Build: cc -shared -fPIC -I native/plugin-host/src [-DLOAD_MODE=n] -o libbad.so badplugin.c
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "abi.h"

#define EXPORT __attribute__((visibility("default")))

#define LOAD_OK 0
#define LOAD_API_MAJOR 1     /* requires API 4.0.0 */
#define LOAD_API_MINOR 2     /* requires API 3.99.0 */
#define LOAD_API_GARBAGE 3   /* requires API "three" */
#define LOAD_NULL_NAME 4     /* get_name returns NULL */
#define LOAD_HALF_SOURCE 5   /* an ID without an event source */
#define LOAD_SYSCALL_SOURCE 6 /* claims the reserved 'syscall' source */
#define LOAD_BAD_SCHEMA 7    /* get_init_schema returns invalid JSON */
#define LOAD_NULL_API 8      /* get_required_api_version returns NULL */
#define LOAD_BAD_VERSION 9   /* plugin version "latest" */

#ifndef LOAD_MODE
#define LOAD_MODE LOAD_OK
#endif

static char mode[128]; /* set by init() */
static int is(const char *m) { return strcmp(mode, m) == 0; }

/* Volatile so the compiler can neither prove the crash nor drop the frames. */
static volatile uintptr_t bad_address = 8;
static volatile int zero = 0, seven = 7; /* 1/x would be folded into a comparison */

static int recurse(int depth) {
  volatile char pad[4096];
  pad[depth % 4096] = (char)depth;
  if (depth == -1) return 0; /* never: keeps the recursion formally finite */
  return recurse(depth + 1) + pad[(depth * 7) % 4096];
}

/* Crashes when the config is "crash=KIND@fn". */
static void crash_point(const char *fn) {
  if (strncmp(mode, "crash=", 6) != 0) return;
  const char *at = strchr(mode, '@');
  if (!at || strcmp(at + 1, fn) != 0) return;
  size_t n = (size_t)(at - (mode + 6));
  const char *kind = mode + 6;
  if (n == 4 && strncmp(kind, "segv", 4) == 0) *(volatile int *)bad_address = 1;
  if (n == 5 && strncmp(kind, "abort", 5) == 0) abort();
  if (n == 3 && strncmp(kind, "fpe", 3) == 0) mode[0] = (char)(seven / zero);
  if (n == 13 && strncmp(kind, "stackoverflow", 13) == 0) mode[0] = (char)recurse(0);
}

typedef struct {
  char lasterr[256];
  const char *strs[4];
  uint64_t nums[4];
  fsp_byte_buffer ip;
  uint8_t ipb[8];
  fsp_event *evptrs[4];
  uint8_t evbuf[4][64];
} state;

EXPORT const char *plugin_get_required_api_version(void) {
  switch (LOAD_MODE) {
    case LOAD_API_MAJOR: return "4.0.0";
    case LOAD_API_MINOR: return "3.99.0";
    case LOAD_API_GARBAGE: return "three";
    case LOAD_NULL_API: return NULL;
    default: return "3.0.0";
  }
}
EXPORT const char *plugin_get_name(void) { return LOAD_MODE == LOAD_NULL_NAME ? NULL : "badplugin"; }
EXPORT const char *plugin_get_description(void) { return "Breaks the plugin API on request"; }
EXPORT const char *plugin_get_contact(void) { return "falco-scap tests"; }
EXPORT const char *plugin_get_version(void) { return LOAD_MODE == LOAD_BAD_VERSION ? "latest" : "1.0.0"; }
EXPORT uint32_t plugin_get_id(void) { return 998; }
EXPORT const char *plugin_get_event_source(void) {
  if (LOAD_MODE == LOAD_HALF_SOURCE) return "";
  if (LOAD_MODE == LOAD_SYSCALL_SOURCE) return "syscall";
  return "badsource";
}
EXPORT const char *plugin_get_init_schema(fsp_schema_type *t) {
  if (LOAD_MODE == LOAD_BAD_SCHEMA) {
    *t = FSP_SCHEMA_JSON;
    return "{\"type\": \"object\",";
  }
  *t = FSP_SCHEMA_NONE;
  return NULL;
}

EXPORT fsp_state *plugin_init(const fsp_init_input *in, fsp_rc *rc) {
  snprintf(mode, sizeof mode, "%s", in->config ? in->config : "");
  if (in->log_fn) in->log_fn(in->owner, "badplugin", mode, 4);
  crash_point("init");
  if (is("init-fail-null")) {
    *rc = FSP_RC_FAILURE;
    return NULL;
  }
  state *s = calloc(1, sizeof *s);
  if (is("init-fail")) {
    snprintf(s->lasterr, sizeof s->lasterr, "init-fail requested by the config");
    *rc = FSP_RC_FAILURE;
    return s;
  }
  if (is("init-null-success")) {
    free(s);
    *rc = FSP_RC_SUCCESS;
    return NULL;
  }
  *rc = FSP_RC_SUCCESS;
  return s;
}
EXPORT void plugin_destroy(fsp_state *s) {
  crash_point("destroy");
  free(s);
}
EXPORT const char *plugin_get_last_error(fsp_state *s) {
  if (is("null-last-error")) return NULL;
  return s ? ((state *)s)->lasterr : "no state";
}

EXPORT const char *plugin_get_fields(void) {
  if (is("fields-null")) return NULL;
  if (is("fields-invalid-json")) return "[{\"name\": \"bad.str\", \"type\": \"string\"";
  if (is("fields-not-array")) return "{\"name\": \"bad.str\"}";
  if (is("fields-empty")) return "[]";
  if (is("fields-bad-type")) return "[{\"name\":\"bad.str\",\"type\":\"float\",\"desc\":\"x\"}]";
  if (is("fields-type-number")) return "[{\"name\":\"bad.str\",\"type\":9,\"desc\":\"x\"}]";
  if (is("fields-no-name")) return "[{\"type\":\"string\",\"desc\":\"x\"}]";
  if (is("fields-no-desc")) return "[{\"name\":\"bad.str\",\"type\":\"string\"}]";
  if (is("fields-islist-string")) return "[{\"name\":\"bad.str\",\"type\":\"string\",\"desc\":\"x\",\"isList\":\"yes\"}]";
  if (is("fields-arg-no-kind")) return "[{\"name\":\"bad.str\",\"type\":\"string\",\"desc\":\"x\",\"arg\":{\"isRequired\":true}}]";
  if (is("fields-duplicate"))
    return "[{\"name\":\"bad.str\",\"type\":\"string\",\"desc\":\"x\"},{\"name\":\"bad.str\",\"type\":\"uint64\",\"desc\":\"y\"}]";
  return "[{\"name\":\"bad.str\",\"type\":\"string\",\"desc\":\"a string\"},"
         "{\"name\":\"bad.num\",\"type\":\"uint64\",\"desc\":\"a number\"},"
         "{\"name\":\"bad.ip\",\"type\":\"ipaddr\",\"desc\":\"an address\"},"
         "{\"name\":\"bad.flag\",\"type\":\"bool\",\"desc\":\"a flag\"}]";
}

EXPORT fsp_rc plugin_extract_fields(fsp_state *ss, const fsp_event_input *ev, const fsp_extract_input *in) {
  state *s = ss;
  (void)ev;
  crash_point("extract_fields");
  if (is("extract-fail")) {
    snprintf(s->lasterr, sizeof s->lasterr, "extract-fail requested by the config");
    return FSP_RC_FAILURE;
  }
  for (uint32_t i = 0; i < in->num_fields && i < 4; i++) {
    fsp_extract_field *f = &in->fields[i];
    switch (f->field_id) {
      case 0:
        s->strs[i] = is("extract-null-str") ? NULL : "hello";
        f->res.str = &s->strs[i];
        f->res_len = is("extract-multi") ? 3 : 1;
        if (is("extract-null-array")) f->res.str = NULL;
        break;
      case 1:
        s->nums[i] = 42;
        f->res.u64 = &s->nums[i];
        f->res_len = 1;
        break;
      case 2:
        memcpy(s->ipb, "\x0a\x00\x00\x01\x00\x00\x00", 7);
        s->ip.ptr = s->ipb;
        s->ip.len = is("extract-bad-ip") ? 7 : 4;
        f->res.buf = &s->ip;
        f->res_len = 1;
        break;
      default:
        s->nums[i] = 1;
        f->res.boolean = (fsp_bool *)&s->nums[i];
        f->res_len = 1;
        break;
    }
  }
  return FSP_RC_SUCCESS;
}

EXPORT fsp_instance *plugin_open(fsp_state *ss, const char *params, fsp_rc *rc) {
  state *s = ss;
  (void)params;
  crash_point("open");
  if (is("open-fail")) {
    snprintf(s->lasterr, sizeof s->lasterr, "open-fail requested by the config");
    *rc = FSP_RC_FAILURE;
    return NULL;
  }
  if (is("open-null")) {
    *rc = FSP_RC_SUCCESS;
    return NULL;
  }
  *rc = FSP_RC_SUCCESS;
  return calloc(1, 8);
}
EXPORT void plugin_close(fsp_state *s, fsp_instance *h) {
  (void)s;
  crash_point("close");
  free(h);
}

EXPORT fsp_rc plugin_next_batch(fsp_state *ss, fsp_instance *h, uint32_t *n, fsp_event ***evts) {
  state *s = ss;
  (void)h;
  crash_point("next_batch");
  if (is("batch-fail")) {
    snprintf(s->lasterr, sizeof s->lasterr, "batch-fail requested by the config");
    return FSP_RC_FAILURE;
  }
  for (int i = 0; i < 2; i++) {
    fsp_event hd = {1, (uint64_t)-1, 38 + 4, 322, 2};
    if (is("batch-bad-len")) hd.len = 10;
    if (is("batch-wrong-type")) hd.type = 1;
    uint32_t l0 = 4, l1 = 4, id = is("batch-wrong-id") ? 12345 : 998;
    memcpy(s->evbuf[i], &hd, 26);
    memcpy(s->evbuf[i] + 26, &l0, 4);
    memcpy(s->evbuf[i] + 30, &l1, 4);
    memcpy(s->evbuf[i] + 34, &id, 4);
    memcpy(s->evbuf[i] + 38, "abcd", 4);
    s->evptrs[i] = (fsp_event *)s->evbuf[i];
  }
  if (is("batch-null-event")) s->evptrs[1] = NULL;
  *n = 2;
  *evts = is("batch-null-array") ? NULL : s->evptrs;
  return FSP_RC_SUCCESS;
}

EXPORT const char *plugin_get_progress(fsp_state *s, fsp_instance *h, uint32_t *pct) {
  (void)s;
  (void)h;
  *pct = is("progress-overflow") ? 20000 : 5000;
  return NULL;
}

EXPORT fsp_metric *plugin_get_metrics(fsp_state *s, uint32_t *n) {
  (void)s;
  *n = is("metrics-null") ? 3 : 0;
  return NULL;
}

EXPORT const char *plugin_list_open_params(fsp_state *ss, fsp_rc *rc) {
  state *s = ss;
  if (is("open-params-fail")) {
    snprintf(s->lasterr, sizeof s->lasterr, "open-params-fail requested by the config");
    *rc = FSP_RC_FAILURE;
    return NULL;
  }
  *rc = FSP_RC_SUCCESS;
  if (is("open-params-invalid")) return "[{\"value\": 3}]";
  return "[]";
}

EXPORT fsp_rc plugin_set_config(fsp_state *ss, const fsp_set_config_input *in) {
  state *s = ss;
  (void)in;
  snprintf(s->lasterr, sizeof s->lasterr, "set_config always fails here");
  return FSP_RC_FAILURE;
}
