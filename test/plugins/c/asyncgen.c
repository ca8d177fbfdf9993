/*
 * asyncgen: a Falco plugin with the async events capability (and extraction of its own
 * async events), for falco-scap's tests of async events delivered live.
 *
 * Init config (plain text, no schema): entries separated by ';'
 *   NAME,DATA,TS,TID  an async event (TS / TID decimal, '-' for (uint64)-1; TID may be
 *                     left out: -1)
 *   stream=MS         after the entries, keep sending a "tick" event (timestamp -1, data
 *                     the tick's number from 1) every MS milliseconds until the handler is
 *                     removed
 * When the owner installs the handler, a thread of the plugin sends the entries in order;
 * set_async_event_handler waits until it has sent them (so tests are deterministic) but
 * the handler is always called from that other thread. Declared async events: "alarm",
 * "tick" (entries with other names are sent anyway: the owner must drop them).
 * Async sources and extraction sources: ["jsonaudit"]; with -DALL_SOURCES, [] (any).
 * Fields (on async events, code 402): agen.name, agen.data.
 *
 * Build: cc -shared -fPIC -O2 -pthread -I native/plugin-host/src -o libasyncgen.so asyncgen.c
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "abi.h"

#define EXPORT __attribute__((visibility("default")))
#define HDR 26
#define MAXE 64

#ifdef ALL_SOURCES
#define SOURCES "[]"
#else
#define SOURCES "[\"jsonaudit\"]"
#endif

typedef struct {
  char name[64];
  char data[256];
  uint64_t ts, tid;
} entry;

typedef struct {
  char lasterr[1024];
  entry entries[MAXE];
  int nentries;
  unsigned stream_ms;
  fsp_owner *owner;
  fsp_async_handler handler;
  pthread_t thread;
  int running;
  atomic_int sent_entries; /* set by the thread once the entries are sent */
  atomic_int stop;
  uint64_t failures;
  /* extraction scratch */
  const char *sres[2];
  char strbuf[2][256];
} plugin;

EXPORT const char *plugin_get_required_api_version(void) { return "3.0.0"; }
EXPORT const char *plugin_get_name(void) { return "asyncgen"; }
EXPORT const char *plugin_get_description(void) { return "Sends configured async events (falco-scap test plugin)"; }
EXPORT const char *plugin_get_contact(void) { return "falco-scap tests"; }
EXPORT const char *plugin_get_version(void) { return "0.1.0"; }
EXPORT const char *plugin_get_async_event_sources(void) { return SOURCES; }
EXPORT const char *plugin_get_async_events(void) { return "[\"alarm\",\"tick\"]"; }
EXPORT const char *plugin_get_extract_event_sources(void) { return SOURCES; }
EXPORT const char *plugin_get_fields(void) {
  return "[{\"type\":\"string\",\"name\":\"agen.name\",\"desc\":\"Name of the async event\"},"
         "{\"type\":\"string\",\"name\":\"agen.data\",\"desc\":\"Data of the async event, as text\"}]";
}
EXPORT uint16_t *plugin_get_extract_event_types(uint32_t *n, fsp_state *s) {
  (void)s;
  static uint16_t types[] = {402};
  *n = 1;
  return types;
}
EXPORT const char *plugin_get_last_error(fsp_state *s) { return ((plugin *)s)->lasterr; }

static uint64_t num(const char *s) { return (s[0] == '-' || s[0] == '\0') ? (uint64_t)-1 : strtoull(s, NULL, 10); }

EXPORT fsp_state *plugin_init(const fsp_init_input *in, fsp_rc *rc) {
  plugin *p = calloc(1, sizeof *p);
  *rc = FSP_RC_SUCCESS;
  char *cfg = strdup(in->config ? in->config : "");
  char *save = NULL;
  for (char *e = strtok_r(cfg, ";", &save); e; e = strtok_r(NULL, ";", &save)) {
    if (strncmp(e, "stream=", 7) == 0) {
      p->stream_ms = (unsigned)strtoul(e + 7, NULL, 10);
      continue;
    }
    if (p->nentries >= MAXE) break;
    entry *x = &p->entries[p->nentries++];
    char *f[4] = {0};
    char *s2 = NULL;
    int k = 0;
    for (char *t = strtok_r(e, ",", &s2); t && k < 4; t = strtok_r(NULL, ",", &s2)) f[k++] = t;
    if (k < 3) {
      snprintf(p->lasterr, sizeof p->lasterr, "bad entry (NAME,DATA,TS[,TID] expected)");
      *rc = FSP_RC_FAILURE;
      break;
    }
    snprintf(x->name, sizeof x->name, "%s", f[0]);
    snprintf(x->data, sizeof x->data, "%s", f[1]);
    x->ts = num(f[2]);
    x->tid = k > 3 ? num(f[3]) : (uint64_t)-1;
  }
  free(cfg);
  return p;
}

static void stop_thread(plugin *p) {
  if (!p->running) return;
  atomic_store(&p->stop, 1);
  pthread_join(p->thread, NULL);
  p->running = 0;
}

EXPORT void plugin_destroy(fsp_state *s) {
  plugin *p = s;
  stop_thread(p);
  free(p);
}

static void send(plugin *p, const char *name, const char *data, uint64_t ts, uint64_t tid) {
  uint8_t buf[HDR + 12 + 4 + 64 + 256];
  uint32_t l0 = 4, l1 = (uint32_t)strlen(name) + 1, l2 = (uint32_t)strlen(data);
  fsp_event h;
  h.ts = ts;
  h.tid = tid;
  h.len = HDR + 12 + l0 + l1 + l2;
  h.type = 402;
  h.nparams = 3;
  memcpy(buf, &h, HDR);
  memcpy(buf + HDR, &l0, 4);
  memcpy(buf + HDR + 4, &l1, 4);
  memcpy(buf + HDR + 8, &l2, 4);
  uint32_t id = 0; /* the owner sets the ID of the source it injects into */
  memcpy(buf + HDR + 12, &id, 4);
  memcpy(buf + HDR + 16, name, l1);
  memcpy(buf + HDR + 16 + l1, data, l2);
  char err[1024];
  if (p->handler(p->owner, (const fsp_event *)buf, err) != FSP_RC_SUCCESS) p->failures++;
}

static void *run(void *arg) {
  plugin *p = arg;
  for (int i = 0; i < p->nentries; i++) send(p, p->entries[i].name, p->entries[i].data, p->entries[i].ts, p->entries[i].tid);
  atomic_store(&p->sent_entries, 1);
  unsigned n = 0;
  while (p->stream_ms > 0 && !atomic_load(&p->stop)) {
    struct timespec t = {p->stream_ms / 1000, (long)(p->stream_ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
    if (atomic_load(&p->stop)) break;
    char d[32];
    snprintf(d, sizeof d, "%u", ++n);
    send(p, "tick", d, (uint64_t)-1, (uint64_t)-1);
  }
  return NULL;
}

EXPORT fsp_rc plugin_set_async_event_handler(fsp_state *s, fsp_owner *owner, fsp_async_handler handler) {
  plugin *p = s;
  stop_thread(p);
  p->owner = owner;
  p->handler = handler;
  if (!handler) return FSP_RC_SUCCESS;
  atomic_store(&p->stop, 0);
  atomic_store(&p->sent_entries, 0);
  if (pthread_create(&p->thread, NULL, run, p) != 0) {
    snprintf(p->lasterr, sizeof p->lasterr, "pthread_create failed");
    return FSP_RC_FAILURE;
  }
  p->running = 1;
  while (!atomic_load(&p->sent_entries)) {
    struct timespec t = {0, 1000000L};
    nanosleep(&t, NULL);
  }
  return FSP_RC_SUCCESS;
}

EXPORT fsp_rc plugin_extract_fields(fsp_state *s, const fsp_event_input *ev, const fsp_extract_input *in) {
  plugin *p = s;
  const uint8_t *e = (const uint8_t *)ev->evt;
  fsp_event h;
  memcpy(&h, e, HDR);
  for (uint32_t i = 0; i < in->num_fields; i++) in->fields[i].res_len = 0;
  if (h.type != 402 || h.nparams != 3) return FSP_RC_SUCCESS;
  uint32_t l0, l1, l2;
  memcpy(&l0, e + HDR, 4);
  memcpy(&l1, e + HDR + 4, 4);
  memcpy(&l2, e + HDR + 8, 4);
  const char *name = (const char *)e + HDR + 12 + l0;
  const char *data = name + l1;
  for (uint32_t i = 0; i < in->num_fields && i < 2; i++) {
    fsp_extract_field *f = &in->fields[i];
    if (f->field_id == 0) {
      snprintf(p->strbuf[i], sizeof p->strbuf[i], "%.*s", (int)(l1 > 0 ? l1 - 1 : 0), name);
    } else {
      snprintf(p->strbuf[i], sizeof p->strbuf[i], "%.*s", (int)l2, data);
    }
    p->sres[i] = p->strbuf[i];
    f->res.str = &p->sres[i];
    f->res_len = 1;
  }
  return FSP_RC_SUCCESS;
}
