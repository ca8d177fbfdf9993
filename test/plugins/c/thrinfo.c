/*
 * thrinfo: a small Falco plugin used by falco-scap's tests. Extraction and parsing on
 * syscall events, reading the owner's "threads" state table (plugin API tables).
 *
 * Fields (on every syscall event; the thread is the event's tid):
 *   thr.comm       (string) comm of the thread, read from the table (the string pointer the
 *                           table gave is returned as is: the owner keeps it alive)
 *   thr.exepath    (string) exe_path
 *   thr.pid        (uint64) pid (no value when negative)
 *   thr.uid        (uint64) uid (uint32 in the table)
 *   thr.ptid_comm  (string) comm of the parent thread (a second lookup in one call)
 *   thr.size       (uint64) get_table_size
 *   thr.iterated   (uint64) entries seen by iterate_entries
 *   thr.parsed     (uint64) events parse_event has seen so far
 *   thr.parsedcomm (string) comm parse_event read for the last event it saw
 *   thr.exe_writable (bool), thr.exe_ino (uint64): the table's bool and uint64 fields
 * Init config (plain words, any order):
 *   "probe"      exercise the table API's error paths in init and log each result
 *   "writeprobe" try a write in the first parse_event and log the owner's error
 *   "stale"      keep an entry from one extract call and read it in the next (logs the error)
 * Built with -DOVERLAP, thr.comm is named proc.name instead (an overlap with a syscall field);
 * with -DNO_PARSE it has no parsing capability (extraction alone, for the benchmark).
 *
 * Build: cc -shared -fPIC -O2 -I native/plugin-host/src -o libthrinfo.so thrinfo.c
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"

#define EXPORT __attribute__((visibility("default")))

enum { F_COMM, F_EXEPATH, F_PID, F_UID, F_PTIDCOMM, F_SIZE, F_ITER, F_PARSED, F_PARSEDCOMM, F_WRITABLE, F_INO, NFIELDS };

/* Built with -DOVERLAP the first field is named like a built-in syscall field (refused). */
#ifdef OVERLAP
#define COMM_FIELD "proc.name"
#else
#define COMM_FIELD "thr.comm"
#endif

static const char *FIELDS =
    "["
    "{\"type\":\"string\",\"name\":\"" COMM_FIELD "\",\"desc\":\"comm of the event's thread, from the threads table\"},"
    "{\"type\":\"string\",\"name\":\"thr.exepath\",\"desc\":\"exe_path of the event's thread\"},"
    "{\"type\":\"uint64\",\"name\":\"thr.pid\",\"desc\":\"pid of the event's thread\"},"
    "{\"type\":\"uint64\",\"name\":\"thr.uid\",\"desc\":\"uid of the event's thread\"},"
    "{\"type\":\"string\",\"name\":\"thr.ptid_comm\",\"desc\":\"comm of the parent thread\",\"addOutput\":true},"
    "{\"type\":\"uint64\",\"name\":\"thr.size\",\"desc\":\"number of threads in the table\"},"
    "{\"type\":\"uint64\",\"name\":\"thr.iterated\",\"desc\":\"threads seen by iterate_entries\"},"
    "{\"type\":\"uint64\",\"name\":\"thr.parsed\",\"desc\":\"events parse_event has seen\"},"
    "{\"type\":\"string\",\"name\":\"thr.parsedcomm\",\"desc\":\"comm parse_event read for the last event\"},"
    "{\"type\":\"bool\",\"name\":\"thr.exe_writable\",\"desc\":\"exe_writable (a bool in the table)\"},"
    "{\"type\":\"uint64\",\"name\":\"thr.exe_ino\",\"desc\":\"exe_ino (a uint64 in the table)\"}"
    "]";

typedef struct {
  fsp_owner *owner;
  fsp_log_fn log;
  const char *(*owner_err)(fsp_owner *);
  fsp_table *threads;
  fsp_tfield *f_comm, *f_exepath, *f_pid, *f_uid, *f_ptid, *f_writable, *f_ino;
  fsp_bool bres;
  int writeprobe, stale;
  fsp_entry *kept; /* "stale": an entry kept from an earlier call */
  uint64_t parsed;
  char parsedcomm[256];
  char lasterr[512];
  const char *sres[NFIELDS];
  uint64_t ures[NFIELDS];
  char ptidcomm[256];
} plugin;

static void logf_(plugin *p, int sev, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (p->log) p->log(p->owner, "thrinfo", buf, sev);
}

static const char *oerr(plugin *p) {
  const char *e = p->owner_err ? p->owner_err(p->owner) : NULL;
  return e ? e : "(none)";
}

EXPORT const char *plugin_get_required_api_version(void) { return "3.0.0"; }
EXPORT const char *plugin_get_name(void) { return "thrinfo"; }
EXPORT const char *plugin_get_description(void) { return "Thread table reader (falco-scap test plugin)"; }
EXPORT const char *plugin_get_contact(void) { return "falco-scap tests"; }
EXPORT const char *plugin_get_version(void) { return "0.2.0"; }
EXPORT const char *plugin_get_fields(void) { return FIELDS; }
EXPORT const char *plugin_get_extract_event_sources(void) { return "[\"syscall\"]"; }
#ifndef NO_PARSE
EXPORT const char *plugin_get_parse_event_sources(void) { return "[\"syscall\"]"; }
#endif

static void probe(plugin *p, const fsp_init_input *in) {
  const fsp_init_tables_input *t = in->tables;
  uint32_t n = 0;
  fsp_table_info *infos = t->list_tables(in->owner, &n);
  for (uint32_t i = 0; i < n; i++) logf_(p, 7, "probe list_tables: %s key %d", infos[i].name, (int)infos[i].key_type);
  fsp_table *x = t->get_table(in->owner, "nope", FSP_ST_INT64);
  logf_(p, 7, "probe get_table nope: %s: %s", x ? "found" : "NULL", oerr(p));
  x = t->get_table(in->owner, "threads", FSP_ST_STRING);
  logf_(p, 7, "probe get_table threads/string: %s: %s", x ? "found" : "NULL", oerr(p));
  fsp_table *th = t->get_table(in->owner, "threads", FSP_ST_INT64);
  uint32_t nf = 0;
  const fsp_table_fieldinfo *fi = t->fields_ext->list_table_fields(th, &nf);
  char names[2048] = "";
  for (uint32_t i = 0; i < nf; i++) {
    char one[96];
    snprintf(one, sizeof one, "%s%s:%d%s", i ? "," : "", fi[i].name, (int)fi[i].field_type, fi[i].read_only ? "r" : "w");
    strncat(names, one, sizeof names - strlen(names) - 1);
  }
  logf_(p, 7, "probe fields: %s", names);
  fsp_tfield *f = t->fields_ext->get_table_field(th, "nope", FSP_ST_STRING);
  logf_(p, 7, "probe get_table_field nope: %s: %s", f ? "found" : "NULL", oerr(p));
  f = t->fields_ext->get_table_field(th, "comm", FSP_ST_INT64);
  logf_(p, 7, "probe get_table_field comm/int64: %s: %s", f ? "found" : "NULL", oerr(p));
  f = t->fields_ext->add_table_field(th, "mine", FSP_ST_STRING);
  logf_(p, 7, "probe add_table_field: %s: %s", f ? "found" : "NULL", oerr(p));
  fsp_table_input ti;
  memset(&ti, 0, sizeof ti);
  ti.name = "threads";
  ti.key_type = FSP_ST_INT64;
  ti.table = p;
  fsp_rc rc = t->add_table(in->owner, &ti);
  logf_(p, 7, "probe add_table threads: %s: %s", rc == FSP_RC_SUCCESS ? "ok" : "failed", oerr(p));
  logf_(p, 7, "probe size in init: %llu", (unsigned long long)t->reader_ext->get_table_size(th));
  fsp_state_data key;
  key.s64 = 1;
  fsp_entry *e = t->reader_ext->get_table_entry(th, &key);
  logf_(p, 7, "probe get_table_entry 1 in init: %s: %s", e ? "found" : "NULL", oerr(p));
}

EXPORT fsp_state *plugin_init(const fsp_init_input *in, fsp_rc *rc) {
  plugin *p = calloc(1, sizeof *p);
  if (!p) {
    *rc = FSP_RC_FAILURE;
    return NULL;
  }
  p->owner = in->owner;
  p->log = in->log_fn;
  p->owner_err = in->get_owner_last_error;
  const char *cfg = in->config ? in->config : "";
  p->writeprobe = strstr(cfg, "writeprobe") != NULL;
  p->stale = strstr(cfg, "stale") != NULL;
  if (!in->tables) {
    snprintf(p->lasterr, sizeof p->lasterr, "no tables API in the init input");
    *rc = FSP_RC_FAILURE;
    return p;
  }
  if (strstr(cfg, "probe") && !strstr(cfg, "writeprobe")) probe(p, in);
  p->threads = in->tables->get_table(in->owner, "threads", FSP_ST_INT64);
  if (!p->threads) {
    snprintf(p->lasterr, sizeof p->lasterr, "no threads table: %s", oerr(p));
    *rc = FSP_RC_FAILURE;
    return p;
  }
  const fsp_fields_vt_ext *fv = in->tables->fields_ext;
  p->f_comm = fv->get_table_field(p->threads, "comm", FSP_ST_STRING);
  p->f_exepath = fv->get_table_field(p->threads, "exe_path", FSP_ST_STRING);
  p->f_pid = fv->get_table_field(p->threads, "pid", FSP_ST_INT64);
  p->f_uid = fv->get_table_field(p->threads, "uid", FSP_ST_UINT32);
  p->f_ptid = fv->get_table_field(p->threads, "ptid", FSP_ST_INT64);
  p->f_writable = fv->get_table_field(p->threads, "exe_writable", FSP_ST_BOOL);
  p->f_ino = fv->get_table_field(p->threads, "exe_ino", FSP_ST_UINT64);
  if (!p->f_comm || !p->f_exepath || !p->f_pid || !p->f_uid || !p->f_ptid || !p->f_writable || !p->f_ino) {
    snprintf(p->lasterr, sizeof p->lasterr, "missing thread field: %s", oerr(p));
    *rc = FSP_RC_FAILURE;
    return p;
  }
  *rc = FSP_RC_SUCCESS;
  return p;
}

EXPORT void plugin_destroy(fsp_state *s) { free(s); }
EXPORT const char *plugin_get_last_error(fsp_state *s) { return s ? ((plugin *)s)->lasterr : "no state"; }

static uint64_t evt_tid(const fsp_event *e) {
  uint64_t tid;
  memcpy(&tid, (const char *)e + 8, 8);
  return tid;
}

static fsp_bool count_it(void *st, fsp_entry *e) {
  (void)e;
  (*(uint64_t *)st)++;
  return 1;
}

EXPORT fsp_rc plugin_extract_fields(fsp_state *s, const fsp_event_input *ev, const fsp_extract_input *in) {
  plugin *p = s;
  fsp_reader_vt_ext *r = in->table_reader_ext;
  fsp_state_data key;
  key.s64 = (int64_t)evt_tid(ev->evt);
  fsp_entry *e = NULL;
  int looked = 0;
  for (uint32_t i = 0; i < in->num_fields; i++) {
    fsp_extract_field *f = &in->fields[i];
    f->res_len = 0;
    uint32_t id = f->field_id;
    if (id == F_SIZE) {
      uint64_t n = r->get_table_size(p->threads);
      if (n == UINT64_MAX) continue;
      p->ures[id] = n;
      f->res.u64 = &p->ures[id];
      f->res_len = 1;
      continue;
    }
    if (id == F_ITER) {
      uint64_t n = 0;
      if (!r->iterate_entries(p->threads, count_it, &n)) continue;
      p->ures[id] = n;
      f->res.u64 = &p->ures[id];
      f->res_len = 1;
      continue;
    }
    if (id == F_PARSED) {
      p->ures[id] = p->parsed;
      f->res.u64 = &p->ures[id];
      f->res_len = 1;
      continue;
    }
    if (id == F_PARSEDCOMM) {
      if (!p->parsed) continue;
      p->sres[id] = p->parsedcomm;
      f->res.str = &p->sres[id];
      f->res_len = 1;
      continue;
    }
    if (!looked) {
      looked = 1;
      e = r->get_table_entry(p->threads, &key);
      if (p->stale) {
        if (p->kept) {
          fsp_state_data out;
          fsp_rc rc = r->read_entry_field(p->threads, p->kept, p->f_comm, &out);
          logf_(p, 7, "stale read: %s: %s", rc == FSP_RC_SUCCESS ? "ok" : "failed", oerr(p));
          p->stale = 0;
        } else if (e) {
          p->kept = e;
        }
      }
    }
    if (!e) continue;
    fsp_state_data out;
    switch (id) {
      case F_COMM:
      case F_EXEPATH:
        if (r->read_entry_field(p->threads, e, id == F_COMM ? p->f_comm : p->f_exepath, &out) != FSP_RC_SUCCESS) {
          snprintf(p->lasterr, sizeof p->lasterr, "read_entry_field: %s", oerr(p));
          return FSP_RC_FAILURE;
        }
        p->sres[id] = out.str; /* owner memory, valid until our next call */
        f->res.str = &p->sres[id];
        f->res_len = 1;
        break;
      case F_PID:
        if (r->read_entry_field(p->threads, e, p->f_pid, &out) != FSP_RC_SUCCESS || out.s64 < 0) break;
        p->ures[id] = (uint64_t)out.s64;
        f->res.u64 = &p->ures[id];
        f->res_len = 1;
        break;
      case F_UID:
        if (r->read_entry_field(p->threads, e, p->f_uid, &out) != FSP_RC_SUCCESS) break;
        p->ures[id] = out.u32;
        f->res.u64 = &p->ures[id];
        f->res_len = 1;
        break;
      case F_WRITABLE:
        if (r->read_entry_field(p->threads, e, p->f_writable, &out) != FSP_RC_SUCCESS) break;
        p->bres = out.b ? 1 : 0;
        f->res.boolean = &p->bres;
        f->res_len = 1;
        break;
      case F_INO:
        if (r->read_entry_field(p->threads, e, p->f_ino, &out) != FSP_RC_SUCCESS) break;
        p->ures[id] = out.u64;
        f->res.u64 = &p->ures[id];
        f->res_len = 1;
        break;
      case F_PTIDCOMM: {
        if (r->read_entry_field(p->threads, e, p->f_ptid, &out) != FSP_RC_SUCCESS) break;
        fsp_state_data pk;
        pk.s64 = out.s64;
        fsp_entry *pe = r->get_table_entry(p->threads, &pk);
        if (!pe) break;
        if (r->read_entry_field(p->threads, pe, p->f_comm, &out) == FSP_RC_SUCCESS) {
          snprintf(p->ptidcomm, sizeof p->ptidcomm, "%s", out.str);
          p->sres[id] = p->ptidcomm;
          f->res.str = &p->sres[id];
          f->res_len = 1;
        }
        r->release_table_entry(p->threads, pe);
        break;
      }
      default: break;
    }
  }
  if (e && !p->stale) r->release_table_entry(p->threads, e);
  return FSP_RC_SUCCESS;
}

#ifndef NO_PARSE
EXPORT fsp_rc plugin_parse_event(fsp_state *s, const fsp_event_input *ev, const fsp_parse_input *in) {
  plugin *p = s;
  p->parsed++;
  p->parsedcomm[0] = 0;
  fsp_state_data key;
  key.s64 = (int64_t)evt_tid(ev->evt);
  fsp_entry *e = in->table_reader_ext->get_table_entry(p->threads, &key);
  if (e) {
    fsp_state_data out;
    if (in->table_reader_ext->read_entry_field(p->threads, e, p->f_comm, &out) == FSP_RC_SUCCESS)
      snprintf(p->parsedcomm, sizeof p->parsedcomm, "%s", out.str);
    if (p->writeprobe) {
      fsp_state_data v;
      v.str = "changed";
      fsp_rc rc = in->table_writer_ext->write_entry_field(p->threads, e, p->f_comm, &v);
      logf_(p, 7, "writeprobe write_entry_field: %s: %s", rc == FSP_RC_SUCCESS ? "ok" : "failed", oerr(p));
      fsp_entry *ne = in->table_writer_ext->create_table_entry(p->threads);
      logf_(p, 7, "writeprobe create_table_entry: %s: %s", ne ? "ok" : "NULL", oerr(p));
      p->writeprobe = 0;
    }
    in->table_reader_ext->release_table_entry(p->threads, e);
  }
  return FSP_RC_SUCCESS;
}
#endif
