// falco-scap plugin host: loads one Falco plugin shared library per PluginHost object,
// checks it the way libsinsp does (required API version, required symbols, capability
// consistency, reserved source names) and exposes its API to JavaScript. All calls run on
// the JS thread; the only callback a plugin may invoke from another thread is the async
// event handler, which only queues under a mutex.
//
// A plugin is trusted native code in our address space: a crash inside it (SIGSEGV,
// abort) takes the process down and cannot be turned into a JS error. Every call into it
// goes through PluginFn, whose guard lets the crash handler (crash_guard.h) print the plugin,
// the signal and the API function and exit 2. Every value a plugin returns is checked
// before use (NULL strings, impossible lengths, wrong counts).
#include <dlfcn.h>
#include <napi.h>
#include <stdio.h>
#include <string.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "abi.h"
#include "crash_guard.h"
#include "js_table.h"

namespace {

constexpr uint16_t kPluginEvent = 322;
constexpr uint16_t kAsyncEvent = 402;
constexpr uint32_t kMaxEventLen = 64u << 20;  // refuse absurd event lengths
constexpr size_t kMaxLogs = 10000;
constexpr double kMaxSafeInt = 9007199254740991.0;

// A plugin API function pointer that can only be called through a CallGuard: the single
// choke point that lets the crash handler name the plugin and the function (crash_guard.h).
template <typename F>
struct PluginFn;
template <typename R, typename... A>
struct PluginFn<R (*)(A...)> {
  R (*fn)(A...) = nullptr;
  const char* api = "";                   // e.g. "next_batch"
  const fsp::PluginIdent* who = nullptr;  // the owning host's name and path
  explicit operator bool() const { return fn != nullptr; }
  R operator()(A... a) const {
    fsp::CallGuard g(who, api);
    return fn(a...);
  }
};

struct Api {
  PluginFn<fn_str> get_required_api_version;
  PluginFn<fn_get_init_schema> get_init_schema;
  PluginFn<fn_init> init;
  PluginFn<fn_destroy> destroy;
  PluginFn<fn_get_last_error> get_last_error;
  PluginFn<fn_str> get_name;
  PluginFn<fn_str> get_description;
  PluginFn<fn_str> get_contact;
  PluginFn<fn_str> get_version;
  PluginFn<fn_get_id> get_id;
  PluginFn<fn_str> get_event_source;
  PluginFn<fn_open> open;
  PluginFn<fn_close> close;
  PluginFn<fn_list_open_params> list_open_params;
  PluginFn<fn_get_progress> get_progress;
  PluginFn<fn_event_to_string> event_to_string;
  PluginFn<fn_next_batch> next_batch;
  PluginFn<fn_get_event_types> get_extract_event_types;
  PluginFn<fn_str> get_extract_event_sources;
  PluginFn<fn_str> get_fields;
  PluginFn<fn_extract_fields> extract_fields;
  PluginFn<fn_get_event_types> get_parse_event_types;
  PluginFn<fn_str> get_parse_event_sources;
  PluginFn<fn_parse_event> parse_event;
  PluginFn<fn_str> get_async_event_sources;
  PluginFn<fn_str> get_async_events;
  PluginFn<fn_set_async_event_handler> set_async_event_handler;
  void* dump_state = nullptr;
  PluginFn<fn_set_config> set_config;
  PluginFn<fn_get_metrics> get_metrics;
  void* capture_open = nullptr;
  void* capture_close = nullptr;
  PluginFn<fn_get_required_event_schema_version> get_required_event_schema_version;
};

struct LogEntry {
  std::string component;
  std::string message;
  int32_t severity;
};

struct ExtractRequest {
  std::vector<std::string> names;
  std::vector<std::string> keys;
  std::vector<bool> hasKey;
  std::vector<fsp_extract_field> fields;
  bool hasSrc = false;  // the evtsrc given at prepare time (saves a string conversion per batch)
  std::string src;
};

bool parseSemver(const char* s, uint32_t* maj, uint32_t* min, uint32_t* pat) {
  if (!s) return false;
  unsigned a, b, c;
  int n = 0;
  if (sscanf(s, "%u.%u.%u%n", &a, &b, &c, &n) != 3) return false;
  // Allow pre-release / build suffixes ("1.2.3-rc1+abc"), nothing else.
  if (s[n] != '\0' && s[n] != '-' && s[n] != '+') return false;
  *maj = a;
  *min = b;
  *pat = c;
  return true;
}

// ---- owner-side callbacks -------------------------------------------------------------

class PluginHost;
class NextBatchWorker;
const char* OwnerLastError(fsp_owner* o);
void OwnerLog(fsp_owner* o, const char* component, const char* msg, int32_t sev);
fsp_table_info* TablesList(fsp_owner* o, uint32_t* n);
fsp_table* TablesGet(fsp_owner* o, const char* name, fsp_state_type key);
fsp_rc TablesAdd(fsp_owner* o, const fsp_table_input* in);
fsp_rc AsyncHandler(fsp_owner* o, const fsp_event* evt, char* err);

Napi::Value U64Value(Napi::Env env, uint64_t v) {
  if (static_cast<double>(v) <= kMaxSafeInt && v <= 9007199254740991ull) return Napi::Number::New(env, static_cast<double>(v));
  return Napi::BigInt::New(env, v);
}

class PluginHost : public Napi::ObjectWrap<PluginHost> {
  friend class NextBatchWorker;

 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "PluginHost",
        {
            InstanceMethod("info", &PluginHost::Info),
            InstanceMethod("initSchema", &PluginHost::InitSchema),
            InstanceMethod("init", &PluginHost::Init),
            InstanceMethod("destroy", &PluginHost::Destroy),
            InstanceMethod("lastError", &PluginHost::LastError),
            InstanceMethod("setConfig", &PluginHost::SetConfig),
            InstanceMethod("getMetrics", &PluginHost::GetMetrics),
            InstanceMethod("getFields", &PluginHost::GetFields),
            InstanceMethod("extractEventTypes", &PluginHost::ExtractEventTypes),
            InstanceMethod("parseEventTypes", &PluginHost::ParseEventTypes),
            InstanceMethod("requiredEventSchemaVersion", &PluginHost::RequiredEventSchemaVersion),
            InstanceMethod("open", &PluginHost::Open),
            InstanceMethod("close", &PluginHost::Close),
            InstanceMethod("nextBatch", &PluginHost::NextBatch),
            InstanceMethod("nextBatchAsync", &PluginHost::NextBatchAsync),
            InstanceMethod("getProgress", &PluginHost::GetProgress),
            InstanceMethod("eventToString", &PluginHost::EventToString),
            InstanceMethod("listOpenParams", &PluginHost::ListOpenParams),
            InstanceMethod("prepareExtraction", &PluginHost::PrepareExtraction),
            InstanceMethod("extractBatch", &PluginHost::ExtractBatch),
            InstanceMethod("parseBatch", &PluginHost::ParseBatch),
            InstanceMethod("setAsyncHandler", &PluginHost::SetAsyncHandler),
            InstanceMethod("takeAsyncEvents", &PluginHost::TakeAsyncEvents),
            InstanceMethod("takeLogs", &PluginHost::TakeLogs),
            InstanceMethod("ownerTables", &PluginHost::OwnerTables),
            InstanceMethod("setThreadsTable", &PluginHost::SetThreadsTable),
        });
  }

  explicit PluginHost(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PluginHost>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "PluginHost(path): path must be a string");
    path_ = info[0].As<Napi::String>().Utf8Value();
    label_ = "plugin " + path_;
    fsp::crash::InstallOnce();
    dlerror();
    {
      fsp::CallGuard g(&ident_, "load (library constructors)");
      lib_ = dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
    }
    if (!lib_) {
      const char* e = dlerror();
      throw Napi::Error::New(env, "cannot load plugin " + path_ + ": " + (e ? e : "dlopen failed"));
    }
    try {
      Resolve(env);
    } catch (...) {
      dlclose(lib_);
      lib_ = nullptr;
      throw;
    }
  }

  ~PluginHost() override {
    // The library stays mapped: a plugin may have left threads or atexit handlers behind,
    // and unmapping code they still run is worse than the leak. Destroy the state if the
    // owner forgot to.
    if (state_ && api_.destroy) {
      CloseAll();
      api_.destroy(state_);
      state_ = nullptr;
    }
  }

  // Called from the owner callbacks.
  std::string ownerError;
  void Log(const char* component, const char* msg, int32_t sev) {
    std::lock_guard<std::mutex> g(logMu_);
    if (logs_.size() >= kMaxLogs) {
      droppedLogs_++;
      return;
    }
    logs_.push_back({component ? component : "", msg ? msg : "", sev});
  }
  fsp_table_info* ListTables(uint32_t* n) {
    if (n) *n = 1;
    return tableInfos_;
  }
  fsp_table* GetTable(const char* name, fsp_state_type key) {
    if (!name) {
      ownerError = "get_table: NULL table name";
      return nullptr;
    }
    if (threads_.name() != name) {
      bool added = false;
      for (auto& t : addedTables_) added = added || t.first == name;
      ownerError = std::string("table '") + name + "' does not exist" +
                   (added ? " for other plugins: falco-scap does not share tables added by plugins" : ": falco-scap offers the 'threads' table only");
      return nullptr;
    }
    if (key != threads_.keyType()) {
      ownerError = std::string("table '") + name + "' has key type " + fsp::StateTypeName(threads_.keyType()) + ", not " + fsp::StateTypeName(key);
      return nullptr;
    }
    return &threads_;
  }
  fsp_rc AddTable(const fsp_table_input* in) {
    if (!in || !in->name) {
      ownerError = "add_table: NULL input or table name";
      return FSP_RC_FAILURE;
    }
    if (in->name == threads_.name()) {
      ownerError = std::string("add_table: table '") + in->name + "' already exists (falco-scap's thread table)";
      return FSP_RC_FAILURE;
    }
    for (auto& t : addedTables_) {
      if (t.first == in->name) {
        ownerError = std::string("add_table: table '") + in->name + "' already exists";
        return FSP_RC_FAILURE;
      }
    }
    addedTables_.emplace_back(in->name, in->key_type);
    return FSP_RC_SUCCESS;
  }
  // The one table the host offers: "threads", keyed by tid (int64), read-only.
  fsp::JsTable threads_{"threads", FSP_ST_INT64, &ownerError};
  fsp_table_info tableInfos_[1] = {{"threads", FSP_ST_INT64}};

  fsp_rc QueueAsync(const fsp_event* evt, char* err) {
    auto fail = [err](const char* m) {
      if (err) snprintf(err, 1024, "%s", m);
      return FSP_RC_FAILURE;
    };
    if (!evt) return fail("NULL event");
    fsp_event h;
    memcpy(&h, evt, sizeof h);
    if (h.type != kAsyncEvent) return fail("async events must have type 402 (PPME_ASYNCEVENT_E)");
    if (h.len < sizeof(fsp_event) || h.len > kMaxEventLen) return fail("bad event length");
    std::lock_guard<std::mutex> g(asyncMu_);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(evt);
    asyncQueue_.insert(asyncQueue_.end(), p, p + h.len);
    asyncCount_++;
    return FSP_RC_SUCCESS;
  }

 private:
  std::string path_;
  std::string label_;  // "plugin <name>" once known
  void* lib_ = nullptr;
  Api api_;
  fsp_state* state_ = nullptr;
  bool destroyed_ = false;
  std::string name_, description_, contact_, version_, requiredApi_, eventSource_;
  fsp::PluginIdent ident_{&name_, &path_};  // what the crash handler reports
  uint32_t id_ = 0;
  std::vector<std::string> caps_;
  bool capSourcing_ = false, capExtraction_ = false, capParsing_ = false, capAsync_ = false;
  std::vector<fsp_instance*> instances_;  // index = instance handle; NULL when closed
  std::vector<std::unique_ptr<ExtractRequest>> requests_;
  std::mutex logMu_;
  std::vector<LogEntry> logs_;
  uint64_t droppedLogs_ = 0;
  std::vector<std::pair<std::string, int32_t>> addedTables_;
  std::mutex asyncMu_;
  std::vector<uint8_t> asyncQueue_;
  // Held around every call into the plugin state that may overlap a next_batch running on a
  // worker thread (nextBatchAsync): the plugin API never calls one state concurrently.
  std::mutex callMu_;
  uint32_t asyncCount_ = 0;
  fsp_init_tables_input tablesInput_{};
  std::string configBuf_;

  [[noreturn]] void Fail(Napi::Env env, const std::string& msg) { throw Napi::Error::New(env, label_ + ": " + msg); }

  void Sym(void** slot, const char* name) {
    std::string s = std::string("plugin_") + name;
    *slot = dlsym(lib_, s.c_str());
  }
  template <typename F>
  void Sym(PluginFn<F>* slot, const char* name) {
    void* p = nullptr;
    Sym(&p, name);
    slot->fn = reinterpret_cast<F>(p);
    slot->api = name;  // a literal at every call site
    slot->who = &ident_;
  }

  std::string Str(Napi::Env env, const char* v, const char* what) {
    if (!v) Fail(env, std::string(what) + " returned NULL");
    return v;
  }

  void Resolve(Napi::Env env) {
    Sym(&api_.get_required_api_version, "get_required_api_version");
    Sym(&api_.get_init_schema, "get_init_schema");
    Sym(&api_.init, "init");
    Sym(&api_.destroy, "destroy");
    Sym(&api_.get_last_error, "get_last_error");
    Sym(&api_.get_name, "get_name");
    Sym(&api_.get_description, "get_description");
    Sym(&api_.get_contact, "get_contact");
    Sym(&api_.get_version, "get_version");
    Sym(&api_.get_id, "get_id");
    Sym(&api_.get_event_source, "get_event_source");
    Sym(&api_.open, "open");
    Sym(&api_.close, "close");
    Sym(&api_.list_open_params, "list_open_params");
    Sym(&api_.get_progress, "get_progress");
    Sym(&api_.event_to_string, "event_to_string");
    Sym(&api_.next_batch, "next_batch");
    Sym(&api_.get_extract_event_types, "get_extract_event_types");
    Sym(&api_.get_extract_event_sources, "get_extract_event_sources");
    Sym(&api_.get_fields, "get_fields");
    Sym(&api_.extract_fields, "extract_fields");
    Sym(&api_.get_parse_event_types, "get_parse_event_types");
    Sym(&api_.get_parse_event_sources, "get_parse_event_sources");
    Sym(&api_.parse_event, "parse_event");
    Sym(&api_.get_async_event_sources, "get_async_event_sources");
    Sym(&api_.get_async_events, "get_async_events");
    Sym(&api_.set_async_event_handler, "set_async_event_handler");
    Sym(&api_.dump_state, "dump_state");
    Sym(&api_.set_config, "set_config");
    Sym(&api_.get_metrics, "get_metrics");
    Sym(&api_.capture_open, "capture_open");
    Sym(&api_.capture_close, "capture_close");
    Sym(&api_.get_required_event_schema_version, "get_required_event_schema_version");

    // 1. Required API version: same major, our minor.patch at least the requested one.
    if (!api_.get_required_api_version) Fail(env, "missing symbol plugin_get_required_api_version");
    const char* rv = api_.get_required_api_version();
    if (!rv) Fail(env, "plugin_get_required_api_version returned NULL");
    requiredApi_ = rv;
    uint32_t ma, mi, pa;
    if (!parseSemver(rv, &ma, &mi, &pa)) Fail(env, "invalid required API version '" + requiredApi_ + "'");
    const char* why = nullptr;
    if (ma != FSP_API_MAJOR)
      why = "major versions differ";
    else if (mi > FSP_API_MINOR)
      why = "the host's minor version is lower";
    else if (mi == FSP_API_MINOR && pa > FSP_API_PATCH)
      why = "the host's patch version is lower";
    if (why) {
      char host[32];
      snprintf(host, sizeof host, "%d.%d.%d", FSP_API_MAJOR, FSP_API_MINOR, FSP_API_PATCH);
      Fail(env, "required API version '" + requiredApi_ + "' is not compatible with the host's plugin API " + host + " (" + why + ")");
    }

    // 2. Required symbols.
    std::string missing;
    auto need = [&missing](bool p, const char* n) {
      if (!p) missing += std::string(missing.empty() ? "" : ", ") + "plugin_" + n;
    };
    need(static_cast<bool>(api_.get_version), "get_version");
    need(static_cast<bool>(api_.get_name), "get_name");
    need(static_cast<bool>(api_.get_description), "get_description");
    need(static_cast<bool>(api_.get_contact), "get_contact");
    need(static_cast<bool>(api_.init), "init");
    need(static_cast<bool>(api_.destroy), "destroy");
    need(static_cast<bool>(api_.get_last_error), "get_last_error");
    if (!missing.empty()) Fail(env, "missing required symbols: " + missing);

    // 3. Descriptive info.
    name_ = Str(env, api_.get_name(), "plugin_get_name");
    if (name_.empty()) Fail(env, "plugin_get_name returned an empty name");
    label_ = "plugin '" + name_ + "' (" + path_ + ")";
    description_ = Str(env, api_.get_description(), "plugin_get_description");
    contact_ = Str(env, api_.get_contact(), "plugin_get_contact");
    version_ = Str(env, api_.get_version(), "plugin_get_version");
    uint32_t a, b, c;
    if (!parseSemver(version_.c_str(), &a, &b, &c)) Fail(env, "invalid plugin version '" + version_ + "'");

    // 4. Capabilities, with libsinsp's consistency rules.
    std::string broken;
    auto brk = [&broken](const char* m) { broken += std::string(broken.empty() ? "" : "; ") + m; };
    if (api_.open && api_.close && api_.next_batch) {
      uint32_t id = api_.get_id ? api_.get_id() : 0;
      const char* src = api_.get_event_source ? api_.get_event_source() : nullptr;
      if (api_.get_event_source && !src) Fail(env, "plugin_get_event_source returned NULL");
      bool hasId = id != 0, hasSrc = src && *src;
      if (hasId != hasSrc) {
        brk("event sourcing needs both plugin_get_id (non-zero) and plugin_get_event_source (non-empty), or neither");
      } else {
        capSourcing_ = true;
        id_ = id;
        eventSource_ = hasSrc ? src : "";
        if (eventSource_ == "syscall") Fail(env, "the event source name 'syscall' is reserved");
      }
    } else if (api_.open || api_.close || api_.next_batch) {
      brk("event sourcing needs all of plugin_open, plugin_close and plugin_next_batch");
    }
    if (api_.get_fields && api_.extract_fields)
      capExtraction_ = true;
    else if (api_.extract_fields)
      brk("field extraction needs both plugin_get_fields and plugin_extract_fields");
    if (api_.parse_event) capParsing_ = true;
    if (api_.get_async_events && api_.set_async_event_handler)
      capAsync_ = true;
    else if (api_.set_async_event_handler)
      brk("async events need both plugin_get_async_events and plugin_set_async_event_handler");
    bool capListen = false;
    if (api_.capture_open && api_.capture_close)
      capListen = true;
    else if (api_.capture_open)
      brk("capture listening needs both plugin_capture_open and plugin_capture_close");
    if (!broken.empty()) Fail(env, "inconsistent capabilities: " + broken);
    if (capSourcing_) caps_.push_back("sourcing");
    if (capExtraction_) caps_.push_back("extraction");
    if (capParsing_) caps_.push_back("parsing");
    if (capAsync_) caps_.push_back("async");
    if (capListen) caps_.push_back("capture-listening");
    if (caps_.empty()) Fail(env, "the plugin implements no capability");

    tablesInput_.list_tables = TablesList;
    tablesInput_.get_table = TablesGet;
    tablesInput_.add_table = TablesAdd;
    tablesInput_.fields = fsp::kTableFieldsVt;
    tablesInput_.fields_ext = &fsp::kTableFieldsVt;
    tablesInput_.reader_ext = &fsp::kTableReaderVtExt;
    tablesInput_.writer_ext = &fsp::kTableWriterVt;
  }

  void NeedState(Napi::Env env) {
    if (destroyed_) Fail(env, "the plugin was destroyed");
    if (!state_) Fail(env, "the plugin is not initialized (call init first)");
  }

  std::string PluginError() {
    if (!api_.get_last_error) return "(no error message)";
    const char* e = api_.get_last_error(state_);
    return e && *e ? e : "(no error message)";
  }

  Napi::Value OptStr(Napi::Env env, const PluginFn<fn_str>& f) {
    if (!f) return env.Null();
    const char* s = f();
    return s ? Napi::String::New(env, s) : env.Null();
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("path", path_);
    o.Set("name", name_);
    o.Set("description", description_);
    o.Set("contact", contact_);
    o.Set("version", version_);
    o.Set("requiredApiVersion", requiredApi_);
    char host[32];
    snprintf(host, sizeof host, "%d.%d.%d", FSP_API_MAJOR, FSP_API_MINOR, FSP_API_PATCH);
    o.Set("hostApiVersion", std::string(host));
    Napi::Array caps = Napi::Array::New(env, caps_.size());
    for (size_t i = 0; i < caps_.size(); i++) caps.Set(static_cast<uint32_t>(i), caps_[i]);
    o.Set("capabilities", caps);
    o.Set("id", Napi::Number::New(env, id_));
    o.Set("eventSource", eventSource_);
    // Raw JSON lists (validated on the TS side); null when the symbol is absent.
    o.Set("extractEventSources", OptStr(env, api_.get_extract_event_sources));
    o.Set("parseEventSources", OptStr(env, api_.get_parse_event_sources));
    o.Set("asyncEventSources", OptStr(env, api_.get_async_event_sources));
    o.Set("asyncEvents", OptStr(env, api_.get_async_events));
    o.Set("hasInitSchema", Napi::Boolean::New(env, static_cast<bool>(api_.get_init_schema)));
    o.Set("hasSetConfig", Napi::Boolean::New(env, static_cast<bool>(api_.set_config)));
    o.Set("hasMetrics", Napi::Boolean::New(env, static_cast<bool>(api_.get_metrics)));
    o.Set("hasProgress", Napi::Boolean::New(env, static_cast<bool>(api_.get_progress)));
    o.Set("hasEventToString", Napi::Boolean::New(env, static_cast<bool>(api_.event_to_string)));
    o.Set("hasListOpenParams", Napi::Boolean::New(env, static_cast<bool>(api_.list_open_params)));
    return o;
  }

  Napi::Value InitSchema(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    fsp_schema_type t = FSP_SCHEMA_NONE;
    const char* s = nullptr;
    if (api_.get_init_schema) s = api_.get_init_schema(&t);
    o.Set("type", Napi::Number::New(env, t));
    o.Set("schema", s ? Napi::Value(Napi::String::New(env, s)) : env.Null());
    return o;
  }

  Napi::Value Init(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (destroyed_) Fail(env, "the plugin was destroyed");
    if (state_) Fail(env, "the plugin is already initialized");
    configBuf_ = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    fsp_init_input in{};
    in.config = configBuf_.c_str();
    in.owner = this;
    in.get_owner_last_error = OwnerLastError;
    in.tables = (capExtraction_ || capParsing_) ? &tablesInput_ : nullptr;
    in.log_fn = OwnerLog;
    fsp_rc rc = FSP_RC_FAILURE;
    fsp_state* s;
    {
      fsp::JsTable::Window w(&threads_, env);
      threads_.BeforePluginCall();
      s = api_.init(&in, &rc);
      threads_.AfterPluginCall();
    }
    if (rc != FSP_RC_SUCCESS) {
      std::string err = "(no error message)";
      if (s) {
        const char* e = api_.get_last_error(s);
        if (e && *e) err = e;
        api_.destroy(s);
      }
      Fail(env, "init failed: " + err);
    }
    if (!s) Fail(env, "init reported success but returned a NULL state");
    state_ = s;
    return env.Undefined();
  }

  void CloseAll() {
    for (auto& h : instances_) {
      if (h && api_.close) api_.close(state_, h);
      h = nullptr;
    }
  }

  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> cg(callMu_);  // waits for a next_batch running on a worker
    if (state_) {
      if (capAsync_) api_.set_async_event_handler(state_, this, nullptr);
      CloseAll();
      api_.destroy(state_);
      state_ = nullptr;
    }
    destroyed_ = true;
    return info.Env().Undefined();
  }

  Napi::Value LastError(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!state_) return env.Null();
    const char* e = api_.get_last_error(state_);
    return e ? Napi::Value(Napi::String::New(env, e)) : env.Null();
  }

  Napi::Value SetConfig(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    NeedState(env);
    if (!api_.set_config) Fail(env, "set_config is not implemented by the plugin");
    std::string cfg = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    fsp_set_config_input in{cfg.c_str()};
    std::lock_guard<std::mutex> cg(callMu_);
    fsp_rc rc = api_.set_config(state_, &in);
    if (rc != FSP_RC_SUCCESS) Fail(env, "set_config failed: " + PluginError());
    return env.Undefined();
  }

  Napi::Value GetMetrics(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    NeedState(env);
    Napi::Array arr = Napi::Array::New(env);
    if (!api_.get_metrics) return arr;
    uint32_t n = 0;
    std::lock_guard<std::mutex> cg(callMu_);
    fsp_metric* m = api_.get_metrics(state_, &n);
    if (n > 0 && !m) Fail(env, "get_metrics returned NULL with a non-zero count");
    if (n > 100000) Fail(env, "get_metrics returned an absurd count");
    for (uint32_t i = 0; i < n; i++) {
      if (!m[i].name) Fail(env, "get_metrics returned a metric with a NULL name");
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", m[i].name);
      o.Set("type", m[i].type == 0 ? "monotonic" : "non-monotonic");
      Napi::Value v;
      switch (m[i].value_type) {
        case FSP_MV_U32: v = Napi::Number::New(env, m[i].value.u32); break;
        case FSP_MV_S32: v = Napi::Number::New(env, m[i].value.s32); break;
        case FSP_MV_U64: v = U64Value(env, m[i].value.u64); break;
        case FSP_MV_S64:
          v = (m[i].value.s64 >= -9007199254740991ll && m[i].value.s64 <= 9007199254740991ll)
                  ? Napi::Value(Napi::Number::New(env, static_cast<double>(m[i].value.s64)))
                  : Napi::Value(Napi::BigInt::New(env, m[i].value.s64));
          break;
        case FSP_MV_D: v = Napi::Number::New(env, m[i].value.d); break;
        case FSP_MV_F: v = Napi::Number::New(env, m[i].value.f); break;
        case FSP_MV_I: v = Napi::Number::New(env, m[i].value.i); break;
        default: Fail(env, "get_metrics: metric '" + std::string(m[i].name) + "' has an unknown value type");
      }
      o.Set("value", v);
      arr.Set(i, o);
    }
    return arr;
  }

  Napi::Value GetFields(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!capExtraction_) Fail(env, "the plugin has no field extraction capability");
    return Napi::String::New(env, Str(env, api_.get_fields(), "plugin_get_fields"));
  }

  Napi::Value Codes(Napi::Env env, const PluginFn<fn_get_event_types>& f, const char* what) {
    if (!f) return env.Null();
    uint32_t n = 0;
    uint16_t* t = f(&n, state_);
    if (!t || n == 0) return env.Null();
    if (n > 65536) Fail(env, std::string(what) + " returned an absurd count");
    Napi::Array a = Napi::Array::New(env, n);
    for (uint32_t i = 0; i < n; i++) a.Set(i, Napi::Number::New(env, t[i]));
    return a;
  }
  Napi::Value ExtractEventTypes(const Napi::CallbackInfo& info) {
    NeedState(info.Env());
    return Codes(info.Env(), api_.get_extract_event_types, "get_extract_event_types");
  }
  Napi::Value ParseEventTypes(const Napi::CallbackInfo& info) {
    NeedState(info.Env());
    return Codes(info.Env(), api_.get_parse_event_types, "get_parse_event_types");
  }
  Napi::Value RequiredEventSchemaVersion(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    NeedState(env);
    if (!api_.get_required_event_schema_version) return env.Null();
    const char* v = api_.get_required_event_schema_version(state_);
    return v ? Napi::Value(Napi::String::New(env, v)) : env.Null();
  }

  // ---- event sourcing -----------------------------------------------------------------

  fsp_instance* Instance(const Napi::CallbackInfo& info, size_t* idx) {
    Napi::Env env = info.Env();
    NeedState(env);
    if (info.Length() < 1 || !info[0].IsNumber()) Fail(env, "instance handle expected");
    int64_t i = info[0].As<Napi::Number>().Int64Value();
    if (i < 0 || static_cast<size_t>(i) >= instances_.size() || !instances_[i]) Fail(env, "invalid or closed instance handle");
    *idx = static_cast<size_t>(i);
    return instances_[i];
  }

  Napi::Value Open(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    NeedState(env);
    if (!capSourcing_) Fail(env, "the plugin has no event sourcing capability");
    std::string params = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    fsp_rc rc = FSP_RC_FAILURE;
    std::lock_guard<std::mutex> cg(callMu_);
    fsp_instance* h = api_.open(state_, params.c_str(), &rc);
    if (rc != FSP_RC_SUCCESS) {
      std::string err = PluginError();
      if (h) api_.close(state_, h);
      Fail(env, "open failed: " + err);
    }
    if (!h) Fail(env, "open reported success but returned a NULL instance");
    instances_.push_back(h);
    return Napi::Number::New(env, static_cast<double>(instances_.size() - 1));
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    size_t i;
    fsp_instance* h = Instance(info, &i);
    std::lock_guard<std::mutex> cg(callMu_);
    api_.close(state_, h);
    instances_[i] = nullptr;
    return info.Env().Undefined();
  }

  // Calls next_batch and checks what it returned; on success the events are copied,
  // concatenated, into alloc(total) (the framework's zero plugin ID filled in). Returns the
  // error message, or "" when the batch is good. Runs on the JS thread (nextBatch) or on a
  // libuv worker (nextBatchAsync); callMu_ is held by the caller, so it never overlaps
  // another call into this plugin state.
  template <typename Alloc>
  std::string ReadBatch(fsp_instance* h, const char** rcName, uint32_t* count, Alloc alloc) {
    uint32_t n = 0;
    fsp_event** evts = nullptr;
    fsp_rc rc = api_.next_batch(state_, h, &n, &evts);
    switch (rc) {
      case FSP_RC_SUCCESS: *rcName = "ok"; break;
      case FSP_RC_EOF: *rcName = "eof"; break;
      case FSP_RC_TIMEOUT: *rcName = "timeout"; break;
      case FSP_RC_FAILURE: return "next_batch failed: " + PluginError();
      default: return "next_batch returned an unknown code " + std::to_string(rc);
    }
    if (rc == FSP_RC_TIMEOUT) n = 0;  // events are ignored on timeout
    if (n > 0 && !evts) return "next_batch returned " + std::to_string(n) + " events but a NULL array";
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
      if (!evts[i]) return "next_batch returned a NULL event at index " + std::to_string(i);
      fsp_event hd;
      memcpy(&hd, evts[i], sizeof hd);
      if (hd.len < sizeof(fsp_event) || hd.len > kMaxEventLen)
        return "next_batch returned an event with an invalid length " + std::to_string(hd.len);
      if (!eventSource_.empty()) {
        if (hd.type != kPluginEvent)
          return "next_batch returned an event of type " + std::to_string(hd.type) + ", a plugin with an event source may only produce type 322";
        if (hd.len < 38 || hd.nparams != 2) return "next_batch returned a malformed plugin event (needs 2 parameters)";
        uint32_t pid;
        memcpy(&pid, reinterpret_cast<const uint8_t*>(evts[i]) + 34, 4);
        if (pid != 0 && pid != id_)
          return "next_batch returned a plugin event with plugin ID " + std::to_string(pid) + " instead of its own " + std::to_string(id_);
      }
      total += hd.len;
    }
    uint8_t* p = alloc(total);
    for (uint32_t i = 0; i < n; i++) {
      uint32_t len;
      memcpy(&len, reinterpret_cast<const uint8_t*>(evts[i]) + 16, 4);
      memcpy(p, evts[i], len);
      if (!eventSource_.empty()) {
        uint32_t pid;
        memcpy(&pid, p + 34, 4);
        if (pid == 0) memcpy(p + 34, &id_, 4);  // the framework fills in a zero ID
      }
      p += len;
    }
    *count = n;
    return "";
  }

  static Napi::Object BatchResult(Napi::Env env, const char* rcName, uint32_t n, Napi::Buffer<uint8_t> buf) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("rc", rcName);
    o.Set("count", Napi::Number::New(env, n));
    o.Set("events", buf);
    return o;
  }

  // Returns { rc: 'ok'|'eof'|'timeout', count, events: Buffer } — events concatenated.
  Napi::Value NextBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    size_t idx;
    fsp_instance* h = Instance(info, &idx);
    std::lock_guard<std::mutex> g(callMu_);
    const char* rcName = "ok";
    uint32_t n = 0;
    Napi::Buffer<uint8_t> buf;
    std::string err = ReadBatch(h, &rcName, &n, [&](size_t total) {
      buf = Napi::Buffer<uint8_t>::New(env, total);
      return buf.Data();
    });
    if (!err.empty()) Fail(env, err);
    return BatchResult(env, rcName, n, buf);
  }

  // nextBatchAsync(instance) -> Promise of what nextBatch returns. next_batch runs on a libuv
  // worker thread, so the JS thread keeps evaluating other sources' batches meanwhile (Falco
  // reads every live source on its own thread). Defined after NextBatchWorker.
  Napi::Value NextBatchAsync(const Napi::CallbackInfo& info);

  const std::string& Label() const { return label_; }

  Napi::Value GetProgress(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    size_t idx;
    fsp_instance* h = Instance(info, &idx);
    if (!api_.get_progress) return env.Null();
    uint32_t pct = 0;
    std::lock_guard<std::mutex> cg(callMu_);
    const char* s = api_.get_progress(state_, h, &pct);
    if (pct > 10000) Fail(env, "get_progress returned " + std::to_string(pct) + ", more than 10000 (100%)");
    Napi::Object o = Napi::Object::New(env);
    o.Set("pct", Napi::Number::New(env, pct / 100.0));
    o.Set("text", s ? Napi::Value(Napi::String::New(env, s)) : env.Null());
    return o;
  }

  // Walks a buffer of concatenated events; returns false on a malformed one.
  static bool NextEvent(const uint8_t* data, size_t size, size_t* off, const fsp_event** evt) {
    if (*off + sizeof(fsp_event) > size) return false;
    uint32_t len;
    memcpy(&len, data + *off + 16, 4);
    if (len < sizeof(fsp_event) || *off + len > size) return false;
    *evt = reinterpret_cast<const fsp_event*>(data + *off);
    *off += len;
    return true;
  }

  static void Bytes(Napi::Env env, const Napi::Value& v, const uint8_t** data, size_t* size) {
    if (!v.IsTypedArray()) throw Napi::TypeError::New(env, "events must be a Buffer / Uint8Array");
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    if (ta.TypedArrayType() != napi_uint8_array) throw Napi::TypeError::New(env, "events must be a Uint8Array");
    Napi::Uint8Array u = ta.As<Napi::Uint8Array>();
    *data = u.Data();
    *size = u.ByteLength();
  }

  const std::string& DefaultSrc() {
    static const std::string kSyscall = "syscall";
    return eventSource_.empty() ? kSyscall : eventSource_;
  }

  std::string EvtSrc(const Napi::CallbackInfo& info, size_t i) {
    if (info.Length() > i && info[i].IsString()) return info[i].As<Napi::String>().Utf8Value();
    return eventSource_.empty() ? "syscall" : eventSource_;
  }

  // eventToString(eventBytes, evtnum, evtsrc?)
  Napi::Value EventToString(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    NeedState(env);
    if (!api_.event_to_string) return env.Null();
    const uint8_t* d;
    size_t sz;
    Bytes(env, info[0], &d, &sz);
    size_t off = 0;
    const fsp_event* e;
    if (!NextEvent(d, sz, &off, &e)) throw Napi::Error::New(env, "eventToString: malformed event");
    std::string src = EvtSrc(info, 2);
    fsp_event_input in{e, info.Length() > 1 && info[1].IsNumber() ? static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value()) : 0, src.c_str()};
    std::lock_guard<std::mutex> cg(callMu_);
    const char* s = api_.event_to_string(state_, &in);
    return s ? Napi::Value(Napi::String::New(env, s)) : env.Null();
  }

  Napi::Value ListOpenParams(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    NeedState(env);
    if (!api_.list_open_params) return env.Null();
    fsp_rc rc = FSP_RC_FAILURE;
    const char* s = api_.list_open_params(state_, &rc);
    if (rc != FSP_RC_SUCCESS) Fail(env, "list_open_params failed: " + PluginError());
    if (!s) Fail(env, "list_open_params returned NULL");
    return Napi::String::New(env, s);
  }

  // ---- field extraction ---------------------------------------------------------------

  // prepareExtraction([{ id, name, ftype, list, argKey?, argIndex? }], evtsrc?) -> request handle
  Napi::Value PrepareExtraction(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!capExtraction_) Fail(env, "the plugin has no field extraction capability");
    if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "prepareExtraction: array of fields expected");
    Napi::Array a = info[0].As<Napi::Array>();
    auto req = std::make_unique<ExtractRequest>();
    uint32_t n = a.Length();
    if (n == 0) throw Napi::TypeError::New(env, "prepareExtraction: no fields");
    req->names.resize(n);
    req->keys.resize(n);
    req->hasKey.resize(n);
    req->fields.resize(n);
    for (uint32_t i = 0; i < n; i++) {
      Napi::Object f = a.Get(i).As<Napi::Object>();
      req->names[i] = f.Get("name").As<Napi::String>().Utf8Value();
      Napi::Value k = f.Get("argKey");
      req->hasKey[i] = k.IsString();
      if (k.IsString()) req->keys[i] = k.As<Napi::String>().Utf8Value();
      fsp_extract_field& x = req->fields[i];
      memset(&x, 0, sizeof x);
      x.field_id = f.Get("id").As<Napi::Number>().Uint32Value();
      x.ftype = f.Get("ftype").As<Napi::Number>().Uint32Value();
      x.flist = f.Get("list").ToBoolean().Value() ? 1 : 0;
      Napi::Value ix = f.Get("argIndex");
      if (ix.IsNumber()) {
        x.arg_index = static_cast<uint64_t>(ix.As<Napi::Number>().Int64Value());
        x.arg_present = 1;
      }
      if (req->hasKey[i]) x.arg_present = 1;
      switch (x.ftype) {
        case FSP_FT_UINT64: case FSP_FT_STRING: case FSP_FT_RELTIME: case FSP_FT_ABSTIME:
        case FSP_FT_BOOL: case FSP_FT_IPADDR: case FSP_FT_IPNET: break;
        default: throw Napi::TypeError::New(env, "prepareExtraction: unknown field type code " + std::to_string(x.ftype));
      }
    }
    for (uint32_t i = 0; i < n; i++) {  // pointers after the vectors stopped moving
      req->fields[i].field = req->names[i].c_str();
      req->fields[i].arg_key = req->hasKey[i] ? req->keys[i].c_str() : nullptr;
    }
    if (info.Length() > 1 && info[1].IsString()) {
      req->hasSrc = true;
      req->src = info[1].As<Napi::String>().Utf8Value();
    }
    requests_.push_back(std::move(req));
    return Napi::Number::New(env, static_cast<double>(requests_.size() - 1));
  }

  // Short strings repeat a lot across a batch (users, actions, names): one JS string each.
  std::unordered_map<std::string, napi_value> intern_;

  Napi::Value Scalar(Napi::Env env, const fsp_extract_field& f, uint64_t i, size_t evIdx) {
    switch (f.ftype) {
      case FSP_FT_STRING: {
        const char* s = f.res.str[i];
        if (!s) FieldFail(env, f, evIdx, "returned a NULL string");
        size_t n = strlen(s);
        if (n > 15 || intern_.size() > 4096) return Napi::String::New(env, s, n);
        auto it = intern_.find(std::string(s, n));
        if (it != intern_.end()) return Napi::Value(env, it->second);
        Napi::String js = Napi::String::New(env, s, n);
        intern_.emplace(std::string(s, n), static_cast<napi_value>(js));
        return js;
      }
      case FSP_FT_UINT64:
      case FSP_FT_RELTIME:
      case FSP_FT_ABSTIME: return U64Value(env, f.res.u64[i]);
      case FSP_FT_BOOL: return Napi::Boolean::New(env, f.res.boolean[i] != 0);
      default: {  // ipaddr / ipnet
        const fsp_byte_buffer& b = f.res.buf[i];
        if (!b.ptr) FieldFail(env, f, evIdx, "returned a NULL address buffer");
        if (b.len == 4) {
          const uint8_t* p = static_cast<const uint8_t*>(b.ptr);
          return Napi::Number::New(env, (static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3]) * 1.0);
        }
        if (b.len == 16) {
          Napi::Uint8Array u = Napi::Uint8Array::New(env, 16);
          memcpy(u.Data(), b.ptr, 16);
          return u;
        }
        FieldFail(env, f, evIdx, "returned an address of " + std::to_string(b.len) + " bytes (4 or 16 expected)");
      }
    }
  }

  [[noreturn]] void FieldFail(Napi::Env env, const fsp_extract_field& f, size_t evIdx, const std::string& m) {
    Fail(env, "extract_fields: field " + std::string(f.field) + " " + m + " (event " + std::to_string(evIdx) + " of the batch)");
  }

  // extractBatch(request, events, firstEvtnum, evtsrc?) -> flat array, nEvents * nFields
  // values (undefined = no value). One native call per batch; one plugin call per event.
  Napi::Value ExtractBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    NeedState(env);
    if (info.Length() < 2 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "extractBatch(request, events, firstEvtnum?, evtsrc?)");
    int64_t r = info[0].As<Napi::Number>().Int64Value();
    if (r < 0 || static_cast<size_t>(r) >= requests_.size()) throw Napi::RangeError::New(env, "extractBatch: unknown request");
    ExtractRequest& req = *requests_[r];
    const uint8_t* d;
    size_t sz;
    Bytes(env, info[1], &d, &sz);
    uint64_t evtnum = info.Length() > 2 && info[2].IsNumber() ? static_cast<uint64_t>(info[2].As<Napi::Number>().Int64Value()) : 1;
    std::string given;
    if (info.Length() > 3 && info[3].IsString()) given = info[3].As<Napi::String>().Utf8Value();
    const std::string& src = info.Length() > 3 && info[3].IsString() ? given : req.hasSrc ? req.src : DefaultSrc();
    const uint32_t nf = static_cast<uint32_t>(req.fields.size());

    fsp_extract_input in{};
    in.owner = this;
    in.get_owner_last_error = OwnerLastError;
    in.num_fields = nf;
    in.fields = req.fields.data();
    in.table_reader = fsp::kTableReaderVt;
    in.table_reader_ext = &fsp::kTableReaderVtExt;
    in.value_offsets = nullptr;
    fsp::JsTable::Window window(&threads_, env);

    size_t off = 0, evIdx = 0, nev = 0;
    const fsp_event* e;
    while (off < sz) {  // count first: a pre-sized array is much cheaper to fill
      if (!NextEvent(d, sz, &off, &e)) throw Napi::Error::New(env, "extractBatch: malformed event at byte " + std::to_string(off));
      nev++;
    }
    off = 0;
    Napi::Array out = Napi::Array::New(env, nev * nf);
    uint32_t k = 0;
    intern_.clear();  // napi_values live only in this call's handle scope
    struct ClearIntern {
      std::unordered_map<std::string, napi_value>& m;
      ~ClearIntern() { m.clear(); }
    } clearIntern{intern_};
    Napi::Value undef = env.Undefined();
    std::lock_guard<std::mutex> cg(callMu_);
    while (off < sz) {
      if (!NextEvent(d, sz, &off, &e)) throw Napi::Error::New(env, "extractBatch: malformed event at byte " + std::to_string(off));
      for (auto& f : req.fields) {
        f.res.u64 = nullptr;
        f.res_len = 0;
      }
      fsp_event_input ei{e, evtnum++, src.c_str()};
      threads_.BeforePluginCall();
      fsp_rc rc = api_.extract_fields(state_, &ei, &in);
      threads_.AfterPluginCall();
      if (rc != FSP_RC_SUCCESS) Fail(env, "extract_fields failed on event " + std::to_string(evIdx) + " of the batch: " + PluginError());
      for (uint32_t j = 0; j < nf; j++, k++) {
        const fsp_extract_field& f = req.fields[j];
        if (f.res_len == 0) {
          out.Set(k, undef);
          continue;
        }
        if (!f.res.u64) FieldFail(env, f, evIdx, "set " + std::to_string(f.res_len) + " values but a NULL result array");
        if (!f.flist) {
          if (f.res_len != 1) FieldFail(env, f, evIdx, "returned " + std::to_string(f.res_len) + " values for a non-list field");
          out.Set(k, Scalar(env, f, 0, evIdx));
        } else {
          if (f.res_len > (1u << 24)) FieldFail(env, f, evIdx, "returned an absurd number of values");
          Napi::Array l = Napi::Array::New(env, static_cast<size_t>(f.res_len));
          for (uint64_t i = 0; i < f.res_len; i++) l.Set(static_cast<uint32_t>(i), Scalar(env, f, i, evIdx));
          out.Set(k, l);
        }
      }
      evIdx++;
    }
    return out;
  }

  // parseBatch(events, firstEvtnum, evtsrc?) -> number of events parsed
  Napi::Value ParseBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    NeedState(env);
    if (!capParsing_) Fail(env, "the plugin has no event parsing capability");
    const uint8_t* d;
    size_t sz;
    Bytes(env, info[0], &d, &sz);
    uint64_t evtnum = info.Length() > 1 && info[1].IsNumber() ? static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value()) : 1;
    std::string src = EvtSrc(info, 2);
    fsp_parse_input in{};
    in.owner = this;
    in.get_owner_last_error = OwnerLastError;
    in.table_reader = fsp::kTableReaderVt;
    in.table_writer = fsp::kTableWriterVt;
    in.table_reader_ext = &fsp::kTableReaderVtExt;
    in.table_writer_ext = &fsp::kTableWriterVt;
    fsp::JsTable::Window window(&threads_, env);
    std::lock_guard<std::mutex> cg(callMu_);
    size_t off = 0, n = 0;
    const fsp_event* e;
    while (off < sz) {
      if (!NextEvent(d, sz, &off, &e)) throw Napi::Error::New(env, "parseBatch: malformed event");
      fsp_event_input ei{e, evtnum++, src.c_str()};
      threads_.BeforePluginCall();
      fsp_rc rc = api_.parse_event(state_, &ei, &in);
      threads_.AfterPluginCall();
      if (rc != FSP_RC_SUCCESS) Fail(env, "parse_event failed on event " + std::to_string(n) + ": " + PluginError());
      n++;
    }
    return Napi::Number::New(env, static_cast<double>(n));
  }

  // ---- async events, logs, tables -----------------------------------------------------

  Napi::Value SetAsyncHandler(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    NeedState(env);
    if (!capAsync_) Fail(env, "the plugin has no async events capability");
    bool on = info.Length() > 0 && info[0].ToBoolean().Value();
    if (api_.set_async_event_handler(state_, this, on ? AsyncHandler : nullptr) != FSP_RC_SUCCESS)
      Fail(env, "set_async_event_handler failed: " + PluginError());
    return env.Undefined();
  }

  Napi::Value TakeAsyncEvents(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<uint8_t> q;
    uint32_t n;
    {
      std::lock_guard<std::mutex> g(asyncMu_);
      q.swap(asyncQueue_);
      n = asyncCount_;
      asyncCount_ = 0;
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("count", Napi::Number::New(env, n));
    o.Set("events", Napi::Buffer<uint8_t>::Copy(env, q.data(), q.size()));
    return o;
  }

  Napi::Value TakeLogs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<LogEntry> l;
    uint64_t dropped;
    {
      std::lock_guard<std::mutex> g(logMu_);
      l.swap(logs_);
      dropped = droppedLogs_;
      droppedLogs_ = 0;
    }
    Napi::Array a = Napi::Array::New(env, l.size());
    for (size_t i = 0; i < l.size(); i++) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("component", l[i].component);
      o.Set("message", l[i].message);
      o.Set("severity", Napi::Number::New(env, l[i].severity));
      a.Set(static_cast<uint32_t>(i), o);
    }
    Napi::Object r = Napi::Object::New(env);
    r.Set("entries", a);
    r.Set("dropped", Napi::Number::New(env, static_cast<double>(dropped)));
    return r;
  }

  // setThreadsTable(provider, [{ name, prop, type }]): the JS object behind the "threads"
  // table ({ get(tid), size(), entries() }) and its fields (sinsp name, JS property, state
  // type code). Call before init: plugins look the table up there.
  Napi::Value SetThreadsTable(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsArray()) throw Napi::TypeError::New(env, "setThreadsTable(provider, fields[])");
    Napi::Array a = info[1].As<Napi::Array>();
    std::vector<fsp::JsTableField> fields;
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Object f = a.Get(i).As<Napi::Object>();
      int32_t t = f.Get("type").As<Napi::Number>().Int32Value();
      switch (t) {
        case FSP_ST_INT8: case FSP_ST_INT16: case FSP_ST_INT32: case FSP_ST_INT64: case FSP_ST_UINT8: case FSP_ST_UINT16:
        case FSP_ST_UINT32: case FSP_ST_UINT64: case FSP_ST_STRING: case FSP_ST_BOOL: break;
        default: throw Napi::TypeError::New(env, "setThreadsTable: unsupported field type " + std::to_string(t));
      }
      fields.push_back({f.Get("name").As<Napi::String>().Utf8Value(), f.Get("prop").As<Napi::String>().Utf8Value(), t});
    }
    threads_.SetProvider(env, info[0], std::move(fields));
    return env.Undefined();
  }

  Napi::Value OwnerTables(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array a = Napi::Array::New(env, addedTables_.size());
    for (size_t i = 0; i < addedTables_.size(); i++) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", addedTables_[i].first);
      o.Set("keyType", Napi::Number::New(env, addedTables_[i].second));
      a.Set(static_cast<uint32_t>(i), o);
    }
    return a;
  }
};

// next_batch of one instance on a libuv worker thread (PluginHost::NextBatchAsync). The
// events are copied into worker-owned memory under the host's call lock, so the plugin may
// reuse its buffers as soon as the lock is released; the Buffer is made on the JS thread.
class NextBatchWorker : public Napi::AsyncWorker {
 public:
  NextBatchWorker(Napi::Env env, PluginHost* host, Napi::Object self, fsp_instance* h, size_t idx, std::mutex* mu)
      : Napi::AsyncWorker(env, "falco-scap:next_batch"), host_(host), h_(h), idx_(idx), mu_(mu), deferred_(Napi::Promise::Deferred::New(env)) {
    self_ = Napi::Persistent(self);  // keeps the host alive while the worker runs
  }
  Napi::Promise Promise() const { return deferred_.Promise(); }
  void Execute() override {
    std::lock_guard<std::mutex> g(*mu_);
    // destroy() or close() may have run on the JS thread since the call was queued.
    if (host_->destroyed_ || !host_->state_ || idx_ >= host_->instances_.size() || host_->instances_[idx_] != h_) {
      err_ = "next_batch: the instance was closed or the plugin destroyed while the call was pending";
      return;
    }
    err_ = host_->ReadBatch(h_, &rcName_, &n_, [this](size_t total) {
      data_.resize(total);
      return data_.data();
    });
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (!err_.empty()) {
      deferred_.Reject(Napi::Error::New(env, host_->Label() + ": " + err_).Value());
      return;
    }
    deferred_.Resolve(PluginHost::BatchResult(env, rcName_, n_, Napi::Buffer<uint8_t>::Copy(env, data_.data(), data_.size())));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  PluginHost* host_;
  fsp_instance* h_;
  size_t idx_;
  std::mutex* mu_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference self_;
  std::string err_;
  const char* rcName_ = "ok";
  uint32_t n_ = 0;
  std::vector<uint8_t> data_;
};

Napi::Value PluginHost::NextBatchAsync(const Napi::CallbackInfo& info) {
  size_t idx;
  fsp_instance* h = Instance(info, &idx);
  auto* w = new NextBatchWorker(info.Env(), this, info.This().As<Napi::Object>(), h, idx, &callMu_);
  Napi::Promise p = w->Promise();
  w->Queue();  // deleted by node-addon-api after OnOK / OnError
  return p;
}

const char* OwnerLastError(fsp_owner* o) {
  auto* h = static_cast<PluginHost*>(o);
  return h && !h->ownerError.empty() ? h->ownerError.c_str() : nullptr;
}
void OwnerLog(fsp_owner* o, const char* component, const char* msg, int32_t sev) {
  if (o) static_cast<PluginHost*>(o)->Log(component, msg, sev);
}
fsp_table_info* TablesList(fsp_owner* o, uint32_t* n) {
  if (!o) {
    if (n) *n = 0;
    return nullptr;
  }
  return static_cast<PluginHost*>(o)->ListTables(n);
}
fsp_table* TablesGet(fsp_owner* o, const char* name, fsp_state_type key) {
  if (!o) return nullptr;
  return static_cast<PluginHost*>(o)->GetTable(name, key);
}
fsp_rc TablesAdd(fsp_owner* o, const fsp_table_input* in) {
  if (!o) return FSP_RC_FAILURE;
  return static_cast<PluginHost*>(o)->AddTable(in);
}
fsp_rc AsyncHandler(fsp_owner* o, const fsp_event* evt, char* err) {
  if (!o) return FSP_RC_FAILURE;
  return static_cast<PluginHost*>(o)->QueueAsync(evt, err);
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("PluginHost", PluginHost::Define(env));
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  char v[32];
  snprintf(v, sizeof v, "%d.%d.%d", FSP_API_MAJOR, FSP_API_MINOR, FSP_API_PATCH);
  exports.Set("pluginApiVersion", std::string(v));
  return exports;
}

}  // namespace

NODE_API_MODULE(falco_scap_plugin_host, InitModule)
