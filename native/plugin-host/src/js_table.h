// A read-only state table (plugin API "tables") whose entries live in JavaScript: falco-scap's
// "threads" table, backed by the replay's thread table (src/replay/state/threads.ts).
//
// Why synchronous calls into JS: plugins read the table from inside extract_fields and
// parse_event, which the host only calls from the JS thread while a host method is running
// (init, extractBatch, parseBatch). At that moment the JS engine is paused in our native
// frame, so the plugin's lookup can call the provider's `get(tid)` directly and see the
// thread state exactly as it is for the current event. A snapshot pushed per batch would
// copy every thread per batch and be wrong for events that change the state mid-batch.
// Only the entries a plugin actually looks up cost anything (one JS call per lookup and
// one property read per field read).
//
// Handles given to the plugin are checked before use, never dereferenced blindly: the
// table pointer must be one of ours, an entry is (generation, index) into the values of the
// current plugin call, a field is an index into the field list. Entries and the strings
// read from them stay valid until the next plugin call (extract_fields / parse_event of the
// next event), which is when the host resets them.
#pragma once

#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "crash_guard.h"

#include "abi.h"

namespace fsp {

struct JsTableField {
  std::string name;  // sinsp name, e.g. "exe_path"
  std::string prop;  // property of the JS entry object, e.g. "exepath"
  fsp_state_type type;
};

inline const char* StateTypeName(fsp_state_type t) {
  switch (t) {
    case FSP_ST_INT8: return "int8";
    case FSP_ST_INT16: return "int16";
    case FSP_ST_INT32: return "int32";
    case FSP_ST_INT64: return "int64";
    case FSP_ST_UINT8: return "uint8";
    case FSP_ST_UINT16: return "uint16";
    case FSP_ST_UINT32: return "uint32";
    case FSP_ST_UINT64: return "uint64";
    case FSP_ST_STRING: return "string";
    case FSP_ST_TABLE: return "table";
    case FSP_ST_BOOL: return "bool";
    default: return "unknown";
  }
}

class JsTable;

// Every live table, so a pointer a plugin passes back can be checked before use.
inline std::mutex& TablesMu() {
  static std::mutex m;
  return m;
}
inline std::unordered_set<const JsTable*>& LiveTables() {
  static std::unordered_set<const JsTable*> s;
  return s;
}

class JsTable {
 public:
  JsTable(std::string name, fsp_state_type keyType, std::string* ownerError)
      : name_(std::move(name)), keyType_(keyType), ownerError_(ownerError), jsThread_(std::this_thread::get_id()) {
    std::lock_guard<std::mutex> g(TablesMu());
    LiveTables().insert(this);
  }
  ~JsTable() {
    {
      std::lock_guard<std::mutex> g(TablesMu());
      LiveTables().erase(this);
    }
    // The provider reference is left to the environment's teardown: this runs from a GC
    // finalizer, where deleting references is not always allowed.
  }
  JsTable(const JsTable&) = delete;
  JsTable& operator=(const JsTable&) = delete;

  static JsTable* From(fsp_table* t) {
    std::lock_guard<std::mutex> g(TablesMu());
    auto* p = static_cast<JsTable*>(t);
    return LiveTables().count(p) ? p : nullptr;
  }

  const std::string& name() const { return name_; }
  fsp_state_type keyType() const { return keyType_; }

  // Sets the JS provider ({ get(key), size(), entries() }) and the field list; before init.
  void SetProvider(napi_env env, napi_value provider, std::vector<JsTableField> fields) {
    for (napi_ref* r : {&provider_, &fns_[0], &fns_[1], &fns_[2]}) {
      if (*r) napi_delete_reference(env, *r);
      *r = nullptr;
    }
    napi_create_reference(env, provider, 1, &provider_);
    // The methods are looked up once: a lookup per call would cost a property read each.
    for (int i = 0; i < 3; i++) {
      napi_value fn;
      napi_valuetype vt = napi_undefined;
      if (napi_get_named_property(env, provider, kMethods[i], &fn) == napi_ok) napi_typeof(env, fn, &vt);
      if (vt == napi_function) napi_create_reference(env, fn, 1, &fns_[i]);
    }
    fields_ = std::move(fields);
    infos_.clear();
    for (auto& f : fields_) infos_.push_back({f.name.c_str(), f.type, 1});
  }

  // Opens / closes the window in which plugins may read the table (a host method running
  // on the JS thread). Nested windows (a provider calling back into the host) keep the outer.
  struct Window {
    JsTable* t;
    bool outer;
    Window(JsTable* table, napi_env env) : t(table), outer(table->env_ == nullptr) {
      if (outer) t->env_ = env;
    }
    ~Window() {
      if (!outer) return;
      t->AfterPluginCall();
      t->strings_.clear();
      t->env_ = nullptr;
    }
  };

  // Right before each plugin call: strings read during the previous call go (the plugin
  // may have returned them as extraction results, which the host has converted by now).
  void BeforePluginCall() {
    if (!strings_.empty()) strings_.clear();
  }

  // Right after each plugin call: its entries become stale and the JS handles they held are
  // released (the handle scope must close before the host creates its own result values).
  void AfterPluginCall() {
    if (entries_.empty() && !scope_) return;
    entries_.clear();
    gen_ = (gen_ + 1) & 0xfffff;
    if (gen_ == 0) gen_ = 1;
    if (scope_) {
      napi_close_handle_scope(env_, scope_);
      scope_ = nullptr;
    }
  }

  // ---- callbacks (C ABI wrappers below) -------------------------------------------------

  const fsp_table_fieldinfo* ListFields(uint32_t* n) {
    if (n) *n = static_cast<uint32_t>(infos_.size());
    return infos_.data();
  }

  fsp_tfield* GetField(const char* name, fsp_state_type type) {
    if (!name) return Fail<fsp_tfield*>("get_table_field: NULL field name", nullptr);
    for (size_t i = 0; i < fields_.size(); i++) {
      if (fields_[i].name != name) continue;
      if (fields_[i].type != type)
        return Fail<fsp_tfield*>("field '" + fields_[i].name + "' of table '" + name_ + "' has type " + StateTypeName(fields_[i].type) + ", not " +
                                     StateTypeName(type),
                                 nullptr);
      return reinterpret_cast<fsp_tfield*>(static_cast<uintptr_t>(kFieldTag | i));
    }
    return Fail<fsp_tfield*>("table '" + name_ + "' has no field '" + name + "'", nullptr);
  }

  fsp_tfield* AddField(const char* name, fsp_state_type) {
    return Fail<fsp_tfield*>("table '" + name_ + "' is read-only in falco-scap: cannot add field '" + (name ? name : "(null)") + "'", nullptr);
  }

  uint64_t Size() {
    napi_value r;
    if (!CallProvider(kSize, 0, nullptr, &r, "get_table_size")) return UINT64_MAX;
    double d = 0;
    if (napi_get_value_double(env_, r, &d) != napi_ok || d < 0) return Fail<uint64_t>("get_table_size: the provider returned no count", UINT64_MAX);
    return static_cast<uint64_t>(d);
  }

  fsp_entry* GetEntry(const fsp_state_data* key) {
    if (!key) return Fail<fsp_entry*>("get_table_entry: NULL key", nullptr);
    if (!Ready("get_table_entry")) return nullptr;
    napi_value k, r;
    napi_create_double(env_, static_cast<double>(key->s64), &k);
    if (!CallProvider(kGet, 1, &k, &r, "get_table_entry")) return nullptr;
    napi_valuetype vt;
    napi_typeof(env_, r, &vt);
    if (vt != napi_object) return Fail<fsp_entry*>("table '" + name_ + "' has no entry with key " + std::to_string(key->s64), nullptr);
    return NewEntry(r);
  }

  fsp_rc ReadField(fsp_entry* e, const fsp_tfield* f, fsp_state_data* out) {
    if (!out) return Fail<fsp_rc>("read_entry_field: NULL output", FSP_RC_FAILURE);
    if (!Ready("read_entry_field")) return FSP_RC_FAILURE;
    napi_value obj;
    if (!Entry(e, &obj)) return FSP_RC_FAILURE;
    const JsTableField* fd = Field(f);
    if (!fd) return FSP_RC_FAILURE;
    napi_value v;
    if (napi_get_named_property(env_, obj, fd->prop.c_str(), &v) != napi_ok) {
      ClearException();
      return Fail<fsp_rc>("read_entry_field: cannot read field '" + fd->name + "'", FSP_RC_FAILURE);
    }
    napi_valuetype vt;
    napi_typeof(env_, v, &vt);
    if (vt == napi_undefined || vt == napi_null) return Fail<fsp_rc>("read_entry_field: the entry has no value for field '" + fd->name + "'", FSP_RC_FAILURE);
    switch (fd->type) {
      case FSP_ST_STRING: {
        if (vt != napi_string) return TypeFail(*fd);
        size_t n = 0;
        napi_get_value_string_utf8(env_, v, nullptr, 0, &n);
        strings_.emplace_back(n, '\0');
        std::string& s = strings_.back();
        napi_get_value_string_utf8(env_, v, &s[0], n + 1, &n);
        out->str = s.c_str();
        return FSP_RC_SUCCESS;
      }
      case FSP_ST_BOOL: {
        bool b = false;
        if (vt == napi_boolean)
          napi_get_value_bool(env_, v, &b);
        else if (vt == napi_number) {
          double d;
          napi_get_value_double(env_, v, &d);
          b = d != 0;
        } else
          return TypeFail(*fd);
        out->b = b ? 1 : 0;
        return FSP_RC_SUCCESS;
      }
      default: {
        int64_t i = 0;
        uint64_t u = 0;
        bool lossless;
        if (vt == napi_bigint) {
          if (fd->type == FSP_ST_UINT64) {
            napi_get_value_bigint_uint64(env_, v, &u, &lossless);
            i = static_cast<int64_t>(u);
          } else {
            napi_get_value_bigint_int64(env_, v, &i, &lossless);
            u = static_cast<uint64_t>(i);
          }
        } else if (vt == napi_number) {
          napi_get_value_int64(env_, v, &i);
          u = static_cast<uint64_t>(i);  // -1 (unknown uid) becomes 0xffffffff as in libsinsp
        } else if (vt == napi_boolean) {
          bool b;
          napi_get_value_bool(env_, v, &b);
          i = b;
          u = b;
        } else {
          return TypeFail(*fd);
        }
        switch (fd->type) {
          case FSP_ST_INT8: out->s8 = static_cast<int8_t>(i); break;
          case FSP_ST_INT16: out->s16 = static_cast<int16_t>(i); break;
          case FSP_ST_INT32: out->s32 = static_cast<int32_t>(i); break;
          case FSP_ST_INT64: out->s64 = i; break;
          case FSP_ST_UINT8: out->u8 = static_cast<uint8_t>(u); break;
          case FSP_ST_UINT16: out->u16 = static_cast<uint16_t>(u); break;
          case FSP_ST_UINT32: out->u32 = static_cast<uint32_t>(u); break;
          case FSP_ST_UINT64: out->u64 = u; break;
          default: return TypeFail(*fd);
        }
        return FSP_RC_SUCCESS;
      }
    }
  }

  fsp_bool Iterate(fsp_iter_fn it, void* s) {
    if (!it) return Fail<fsp_bool>("iterate_entries: NULL iterator", 0);
    if (!Ready("iterate_entries")) return 0;
    napi_value arr;
    if (!CallProvider(kEntries, 0, nullptr, &arr, "iterate_entries")) return 0;
    bool isArr = false;
    napi_is_array(env_, arr, &isArr);
    if (!isArr) return Fail<fsp_bool>("iterate_entries: the provider returned no array", 0);
    uint32_t n = 0;
    napi_get_array_length(env_, arr, &n);
    for (uint32_t i = 0; i < n; i++) {
      napi_value v;
      if (napi_get_element(env_, arr, i, &v) != napi_ok) return Fail<fsp_bool>("iterate_entries: cannot read entry", 0);
      fsp_entry* e = NewEntry(v);
      if (!e) return 0;
      if (!it(s, e)) return 0;  // the plugin broke out
    }
    return 1;
  }

  fsp_rc ReadOnly(const char* what) {
    return Fail<fsp_rc>("table '" + name_ + "' is read-only in falco-scap (" + what + " is not supported)", FSP_RC_FAILURE);
  }

 private:
  static constexpr uintptr_t kFieldTag = static_cast<uintptr_t>(0x5eed) << 32;

  std::string name_;
  fsp_state_type keyType_;
  std::string* ownerError_;
  std::thread::id jsThread_;
  std::vector<JsTableField> fields_;
  std::vector<fsp_table_fieldinfo> infos_;
  napi_ref provider_ = nullptr;
  static constexpr const char* kMethods[3] = {"get", "size", "entries"};
  enum Method { kGet = 0, kSize = 1, kEntries = 2 };
  napi_ref fns_[3] = {nullptr, nullptr, nullptr};
  napi_env env_ = nullptr;  // non-NULL while plugins may read (see Window)
  napi_handle_scope scope_ = nullptr;
  uint32_t gen_ = 1;
  std::vector<napi_value> entries_;
  std::deque<std::string> strings_;

  template <typename T>
  T Fail(const std::string& m, T v) {
    if (ownerError_) *ownerError_ = m;
    return v;
  }

  fsp_rc TypeFail(const JsTableField& f) {
    return Fail<fsp_rc>("read_entry_field: the value of field '" + f.name + "' is not a " + StateTypeName(f.type), FSP_RC_FAILURE);
  }

  bool Ready(const char* what) {
    if (std::this_thread::get_id() != jsThread_)
      return Fail<bool>(std::string(what) + ": table '" + name_ + "' can only be read from the thread that calls the plugin", false);
    if (!env_) return Fail<bool>(std::string(what) + ": table '" + name_ + "' can only be read during init, extract_fields and parse_event", false);
    if (!scope_ && napi_open_handle_scope(env_, &scope_) != napi_ok) {
      scope_ = nullptr;
      return Fail<bool>(std::string(what) + ": cannot open a JS handle scope", false);
    }
    return true;
  }

  void ClearException() {
    bool pending = false;
    napi_is_exception_pending(env_, &pending);
    if (pending) {
      napi_value ex;
      napi_get_and_clear_last_exception(env_, &ex);
    }
  }

  bool CallProvider(Method method, size_t argc, napi_value* argv, napi_value* result, const char* what) {
    if (!Ready(what)) return false;
    if (!provider_) {
      // No provider: an empty table (e.g. plugin info, or no replay running).
      if (method == kSize) return napi_create_double(env_, 0, result) == napi_ok;
      if (method == kEntries) return napi_create_array(env_, result) == napi_ok;
      return napi_get_undefined(env_, result) == napi_ok;
    }
    napi_value obj, fn;
    if (!fns_[method] || napi_get_reference_value(env_, provider_, &obj) != napi_ok || napi_get_reference_value(env_, fns_[method], &fn) != napi_ok) {
      ClearException();
      return Fail<bool>(std::string(what) + ": the table provider has no " + kMethods[method] + "()", false);
    }
    napi_status st;
    {
      CallSuspend notThePlugin;  // JS may fault legitimately (WebAssembly bounds checks)
      st = napi_call_function(env_, obj, fn, argc, argv, result);
    }
    if (st != napi_ok) {
      std::string msg = "the table provider threw";
      bool pending = false;
      napi_is_exception_pending(env_, &pending);
      if (pending) {
        napi_value ex, s;
        napi_get_and_clear_last_exception(env_, &ex);
        if (napi_coerce_to_string(env_, ex, &s) == napi_ok) {
          char buf[512];
          size_t n = 0;
          if (napi_get_value_string_utf8(env_, s, buf, sizeof buf, &n) == napi_ok) msg += std::string(": ") + std::string(buf, n);
        }
      }
      return Fail<bool>(std::string(what) + ": " + msg, false);
    }
    return true;
  }

  fsp_entry* NewEntry(napi_value v) {
    napi_valuetype vt;
    napi_typeof(env_, v, &vt);
    if (vt != napi_object) return Fail<fsp_entry*>("table '" + name_ + "': the provider returned a non-object entry", nullptr);
    if (entries_.size() >= 0xffffffffu - 1) return Fail<fsp_entry*>("table '" + name_ + "': too many entries in one plugin call", nullptr);
    entries_.push_back(v);
    uintptr_t h = (static_cast<uintptr_t>(gen_) << 32) | static_cast<uintptr_t>(entries_.size());
    return reinterpret_cast<fsp_entry*>(h);
  }

  bool Entry(fsp_entry* e, napi_value* out) {
    uintptr_t h = reinterpret_cast<uintptr_t>(e);
    uintptr_t idx = h & 0xffffffffu;
    if (!e || (h >> 32) != gen_ || idx == 0 || idx > entries_.size())
      return Fail<bool>("table '" + name_ + "': invalid or stale entry (entries are valid until the end of the plugin call that got them)", false);
    *out = entries_[idx - 1];
    return true;
  }

  const JsTableField* Field(const fsp_tfield* f) {
    uintptr_t h = reinterpret_cast<uintptr_t>(f);
    if ((h & ~static_cast<uintptr_t>(0xffffffffu)) != kFieldTag || (h & 0xffffffffu) >= fields_.size())
      return Fail<const JsTableField*>("table '" + name_ + "': invalid field accessor", nullptr);
    return &fields_[h & 0xffffffffu];
  }
};

// ---- C ABI vtables ----------------------------------------------------------------------

inline const fsp_table_fieldinfo* TListFields(fsp_table* t, uint32_t* n) {
  JsTable* j = JsTable::From(t);
  if (!j) {
    if (n) *n = 0;
    return nullptr;
  }
  return j->ListFields(n);
}
inline fsp_tfield* TGetField(fsp_table* t, const char* name, fsp_state_type type) {
  JsTable* j = JsTable::From(t);
  return j ? j->GetField(name, type) : nullptr;
}
inline fsp_tfield* TAddField(fsp_table* t, const char* name, fsp_state_type type) {
  JsTable* j = JsTable::From(t);
  return j ? j->AddField(name, type) : nullptr;
}
inline const char* TName(fsp_table* t) {
  JsTable* j = JsTable::From(t);
  return j ? j->name().c_str() : nullptr;
}
inline uint64_t TSize(fsp_table* t) {
  JsTable* j = JsTable::From(t);
  return j ? j->Size() : UINT64_MAX;
}
inline fsp_entry* TGetEntry(fsp_table* t, const fsp_state_data* key) {
  JsTable* j = JsTable::From(t);
  return j ? j->GetEntry(key) : nullptr;
}
inline fsp_rc TReadField(fsp_table* t, fsp_entry* e, const fsp_tfield* f, fsp_state_data* out) {
  JsTable* j = JsTable::From(t);
  return j ? j->ReadField(e, f, out) : FSP_RC_FAILURE;
}
inline void TReleaseEntry(fsp_table*, fsp_entry*) {}  // entries die with the plugin call
inline fsp_bool TIterate(fsp_table* t, fsp_iter_fn it, void* s) {
  JsTable* j = JsTable::From(t);
  return j ? j->Iterate(it, s) : 0;
}
inline fsp_rc TClear(fsp_table* t) {
  JsTable* j = JsTable::From(t);
  return j ? j->ReadOnly("clear_table") : FSP_RC_FAILURE;
}
inline fsp_rc TErase(fsp_table* t, const fsp_state_data*) {
  JsTable* j = JsTable::From(t);
  return j ? j->ReadOnly("erase_table_entry") : FSP_RC_FAILURE;
}
inline fsp_entry* TCreate(fsp_table* t) {
  JsTable* j = JsTable::From(t);
  if (j) j->ReadOnly("create_table_entry");
  return nullptr;
}
inline void TDestroyEntry(fsp_table*, fsp_entry*) {}
inline fsp_entry* TAddEntry(fsp_table* t, const fsp_state_data*, fsp_entry*) {
  JsTable* j = JsTable::From(t);
  if (j) j->ReadOnly("add_table_entry");
  return nullptr;
}
inline fsp_rc TWriteField(fsp_table* t, fsp_entry*, const fsp_tfield*, const fsp_state_data*) {
  JsTable* j = JsTable::From(t);
  return j ? j->ReadOnly("write_entry_field") : FSP_RC_FAILURE;
}

inline fsp_fields_vt kTableFieldsVt = {TListFields, TGetField, TAddField};
inline fsp_reader_vt kTableReaderVt = {TName, TSize, TGetEntry, TReadField};
inline fsp_reader_vt_ext kTableReaderVtExt = {TName, TSize, TGetEntry, TReadField, TReleaseEntry, TIterate};
inline fsp_writer_vt kTableWriterVt = {TClear, TErase, TCreate, TDestroyEntry, TAddEntry, TWriteField};

}  // namespace fsp
