// Binary interface (C and C++) of Falco plugins (falcosecurity/libs plugin API 3.x), declared here
// from the published layouts so the host builds without the libs sources. Only what the
// host passes to or reads from plugins is declared; every struct must keep the exact
// member order and packing of the upstream API, since plugins are compiled against it.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// The API version this host implements (checked against plugin_get_required_api_version).
#define FSP_API_MAJOR 3
#define FSP_API_MINOR 12
#define FSP_API_PATCH 0

typedef uint32_t fsp_bool;  // 4-byte boolean

enum {
  FSP_FT_UINT64 = 8,
  FSP_FT_STRING = 9,
  FSP_FT_RELTIME = 20,
  FSP_FT_ABSTIME = 21,
  FSP_FT_BOOL = 25,
  FSP_FT_IPADDR = 40,
  FSP_FT_IPNET = 41,
};

enum {
  FSP_RC_SUCCESS = 0,
  FSP_RC_FAILURE = 1,
  FSP_RC_TIMEOUT = -1,
  FSP_RC_EOF = 2,
  FSP_RC_NOT_SUPPORTED = 3,
};
typedef int32_t fsp_rc;  // the C enum is int-sized

enum { FSP_SCHEMA_NONE = 0, FSP_SCHEMA_JSON = 1 };
typedef int32_t fsp_schema_type;

// Event header: 26 bytes, packed, followed by the parameter lengths and data.
#pragma pack(push, 1)
typedef struct fsp_event {
  uint64_t ts;
  uint64_t tid;
  uint32_t len;
  uint16_t type;
  uint32_t nparams;
} fsp_event;
#pragma pack(pop)
#ifdef __cplusplus
static_assert(sizeof(fsp_event) == 26, "event header is 26 bytes");
#else
_Static_assert(sizeof(fsp_event) == 26, "event header is 26 bytes");
#endif

typedef struct fsp_event_input {
  const fsp_event* evt;
  uint64_t evtnum;
  const char* evtsrc;
} fsp_event_input;

typedef struct fsp_byte_buffer {
  uint32_t len;
  const void* ptr;
} fsp_byte_buffer;

typedef struct fsp_value_offsets {
  uint32_t* start;
  uint32_t* length;
} fsp_value_offsets;

typedef struct fsp_extract_field {
  union {
    const char** str;
    uint64_t* u64;
    uint32_t* u32;
    fsp_bool* boolean;
    fsp_byte_buffer* buf;
  } res;
  uint64_t res_len;
  uint32_t field_id;
  const char* field;
  const char* arg_key;
  uint64_t arg_index;
  fsp_bool arg_present;
  uint32_t ftype;
  fsp_bool flist;
} fsp_extract_field;

enum {
  FSP_ST_INT8 = 1,
  FSP_ST_INT16 = 2,
  FSP_ST_INT32 = 3,
  FSP_ST_INT64 = 4,
  FSP_ST_UINT8 = 5,
  FSP_ST_UINT16 = 6,
  FSP_ST_UINT32 = 7,
  FSP_ST_UINT64 = 8,
  FSP_ST_STRING = 9,
  FSP_ST_TABLE = 10,
  FSP_ST_BOOL = 25,
};
typedef int32_t fsp_state_type;

typedef union fsp_state_data {
  int8_t s8;
  int16_t s16;
  int32_t s32;
  int64_t s64;
  uint8_t u8;
  uint16_t u16;
  uint32_t u32;
  uint64_t u64;
  const char* str;
  fsp_bool b;
  void* table;
} fsp_state_data;

typedef struct fsp_table_info {
  const char* name;
  fsp_state_type key_type;
} fsp_table_info;

typedef struct fsp_table_fieldinfo {
  const char* name;
  fsp_state_type field_type;
  fsp_bool read_only;
} fsp_table_fieldinfo;

typedef void fsp_owner;
typedef void fsp_state;
typedef void fsp_instance;
typedef void fsp_table;
typedef void fsp_entry;
typedef void fsp_tfield;

// Table vtables (fields / reader / writer, and their "_ext" variants).
typedef struct fsp_fields_vt {
  const fsp_table_fieldinfo* (*list_table_fields)(fsp_table*, uint32_t*);
  fsp_tfield* (*get_table_field)(fsp_table*, const char*, fsp_state_type);
  fsp_tfield* (*add_table_field)(fsp_table*, const char*, fsp_state_type);
} fsp_fields_vt;
typedef fsp_fields_vt fsp_fields_vt_ext;

typedef struct fsp_reader_vt {
  const char* (*get_table_name)(fsp_table*);
  uint64_t (*get_table_size)(fsp_table*);
  fsp_entry* (*get_table_entry)(fsp_table*, const fsp_state_data*);
  fsp_rc (*read_entry_field)(fsp_table*, fsp_entry*, const fsp_tfield*, fsp_state_data*);
} fsp_reader_vt;
typedef fsp_bool (*fsp_iter_fn)(void*, fsp_entry*);
typedef struct fsp_reader_vt_ext {
  const char* (*get_table_name)(fsp_table*);
  uint64_t (*get_table_size)(fsp_table*);
  fsp_entry* (*get_table_entry)(fsp_table*, const fsp_state_data*);
  fsp_rc (*read_entry_field)(fsp_table*, fsp_entry*, const fsp_tfield*, fsp_state_data*);
  void (*release_table_entry)(fsp_table*, fsp_entry*);
  fsp_bool (*iterate_entries)(fsp_table*, fsp_iter_fn, void*);
} fsp_reader_vt_ext;

typedef struct fsp_writer_vt {
  fsp_rc (*clear_table)(fsp_table*);
  fsp_rc (*erase_table_entry)(fsp_table*, const fsp_state_data*);
  fsp_entry* (*create_table_entry)(fsp_table*);
  void (*destroy_table_entry)(fsp_table*, fsp_entry*);
  fsp_entry* (*add_table_entry)(fsp_table*, const fsp_state_data*, fsp_entry*);
  fsp_rc (*write_entry_field)(fsp_table*, fsp_entry*, const fsp_tfield*, const fsp_state_data*);
} fsp_writer_vt;
typedef fsp_writer_vt fsp_writer_vt_ext;

typedef struct fsp_table_input {
  const char* name;
  fsp_state_type key_type;
  fsp_table* table;
  fsp_reader_vt reader;
  fsp_writer_vt writer;
  fsp_fields_vt fields;
  fsp_reader_vt_ext* reader_ext;
  fsp_writer_vt_ext* writer_ext;
  fsp_fields_vt_ext* fields_ext;
} fsp_table_input;

typedef struct fsp_init_tables_input {
  fsp_table_info* (*list_tables)(fsp_owner*, uint32_t*);
  fsp_table* (*get_table)(fsp_owner*, const char*, fsp_state_type);
  fsp_rc (*add_table)(fsp_owner*, const fsp_table_input*);
  fsp_fields_vt fields;
  fsp_fields_vt_ext* fields_ext;
  fsp_reader_vt_ext* reader_ext;
  fsp_writer_vt_ext* writer_ext;
} fsp_init_tables_input;

typedef void (*fsp_log_fn)(fsp_owner*, const char* component, const char* msg, int32_t sev);

typedef struct fsp_init_input {
  const char* config;
  fsp_owner* owner;
  const char* (*get_owner_last_error)(fsp_owner*);
  const fsp_init_tables_input* tables;
  fsp_log_fn log_fn;
} fsp_init_input;

typedef struct fsp_extract_input {
  fsp_owner* owner;
  const char* (*get_owner_last_error)(fsp_owner*);
  uint32_t num_fields;
  fsp_extract_field* fields;
  fsp_reader_vt table_reader;
  fsp_reader_vt_ext* table_reader_ext;
  fsp_value_offsets* value_offsets;
} fsp_extract_input;

typedef struct fsp_parse_input {
  fsp_owner* owner;
  const char* (*get_owner_last_error)(fsp_owner*);
  fsp_reader_vt table_reader;
  fsp_writer_vt table_writer;
  fsp_reader_vt_ext* table_reader_ext;
  fsp_writer_vt_ext* table_writer_ext;
} fsp_parse_input;

typedef struct fsp_set_config_input {
  const char* config;
} fsp_set_config_input;

enum {
  FSP_MV_U32 = 0,
  FSP_MV_S32 = 1,
  FSP_MV_U64 = 2,
  FSP_MV_S64 = 3,
  FSP_MV_D = 4,
  FSP_MV_F = 5,
  FSP_MV_I = 6,
};
typedef union fsp_metric_value {
  uint32_t u32;
  int32_t s32;
  uint64_t u64;
  int64_t s64;
  double d;
  float f;
  int i;
} fsp_metric_value;
typedef struct fsp_metric {
  const char* name;
  int32_t type;  // 0 monotonic, 1 non-monotonic
  fsp_metric_value value;
  int32_t value_type;
} fsp_metric;

typedef fsp_rc (*fsp_async_handler)(fsp_owner*, const fsp_event*, char* err);

// Exported plugin symbols ("plugin_" + name).
typedef const char* (*fn_str)();
typedef const char* (*fn_get_init_schema)(fsp_schema_type*);
typedef fsp_state* (*fn_init)(const fsp_init_input*, fsp_rc*);
typedef void (*fn_destroy)(fsp_state*);
typedef const char* (*fn_get_last_error)(fsp_state*);
typedef uint32_t (*fn_get_id)();
typedef fsp_instance* (*fn_open)(fsp_state*, const char*, fsp_rc*);
typedef void (*fn_close)(fsp_state*, fsp_instance*);
typedef const char* (*fn_list_open_params)(fsp_state*, fsp_rc*);
typedef const char* (*fn_get_progress)(fsp_state*, fsp_instance*, uint32_t*);
typedef const char* (*fn_event_to_string)(fsp_state*, const fsp_event_input*);
typedef fsp_rc (*fn_next_batch)(fsp_state*, fsp_instance*, uint32_t*, fsp_event***);
typedef uint16_t* (*fn_get_event_types)(uint32_t*, fsp_state*);
typedef fsp_rc (*fn_extract_fields)(fsp_state*, const fsp_event_input*, const fsp_extract_input*);
typedef fsp_rc (*fn_parse_event)(fsp_state*, const fsp_event_input*, const fsp_parse_input*);
typedef fsp_rc (*fn_set_async_event_handler)(fsp_state*, fsp_owner*, fsp_async_handler);
typedef fsp_rc (*fn_set_config)(fsp_state*, const fsp_set_config_input*);
typedef fsp_metric* (*fn_get_metrics)(fsp_state*, uint32_t*);
typedef const char* (*fn_get_required_event_schema_version)(fsp_state*);

#ifdef __cplusplus
}  // extern "C"
#endif
