// N-API surface of the native recorder: start(options) / stop() / stats().
#include <napi.h>
#include <unistd.h>

#include <memory>

#include "capture.h"

namespace {

std::unique_ptr<fscap::Capture> g_cap;
std::string g_out;

Napi::Object stats_to_js(Napi::Env env, const fscap::Stats &s) {
	Napi::Object o = Napi::Object::New(env);
	o.Set("eventsWritten", Napi::Number::New(env, (double)s.events_written));
	o.Set("eventsKernel", Napi::Number::New(env, (double)s.events_kernel));
	o.Set("drops", Napi::Number::New(env, (double)s.drops));
	o.Set("dropsBufferFull", Napi::Number::New(env, (double)s.drops_buffer_full));
	o.Set("dropsTooLarge", Napi::Number::New(env, (double)s.drops_too_large));
	o.Set("dropsNested", Napi::Number::New(env, (double)s.drops_nested));
	o.Set("driver", Napi::String::New(env, s.driver == fscap::Driver::Kmod ? "kmod" : "ebpf"));
	o.Set("ringBytes", Napi::Number::New(env, s.ring_bytes));
	o.Set("bytes", Napi::Number::New(env, (double)s.bytes));
	o.Set("blocks", Napi::Number::New(env, (double)s.blocks));
	o.Set("ncpus", Napi::Number::New(env, s.ncpus));
	o.Set("running", Napi::Boolean::New(env, s.running));
	o.Set("done", Napi::Boolean::New(env, s.done));
	if(!s.error.empty())
		o.Set("error", Napi::String::New(env, s.error));
	Napi::Object st = Napi::Object::New(env);
	st.Set("threads", Napi::Number::New(env, s.state.threads));
	st.Set("fds", Napi::Number::New(env, s.state.fds));
	st.Set("users", Napi::Number::New(env, s.state.users));
	st.Set("groups", Napi::Number::New(env, s.state.groups));
	st.Set("interfaces", Napi::Number::New(env, s.state.ifaddrs));
	o.Set("state", st);
	Napi::Array ce = Napi::Array::New(env, s.cpu_events.size());
	Napi::Array cd = Napi::Array::New(env, s.cpu_drops.size());
	for(size_t i = 0; i < s.cpu_events.size(); i++) {
		ce.Set((uint32_t)i, Napi::Number::New(env, (double)s.cpu_events[i]));
		cd.Set((uint32_t)i, Napi::Number::New(env, (double)s.cpu_drops[i]));
	}
	o.Set("cpuEvents", ce);
	o.Set("cpuDrops", cd);
	return o;
}

uint32_t get_u32(const Napi::Object &o, const char *k, uint32_t def) {
	if(!o.Has(k) || o.Get(k).IsUndefined())
		return def;
	return o.Get(k).As<Napi::Number>().Uint32Value();
}

Napi::Value Start(const Napi::CallbackInfo &info) {
	Napi::Env env = info.Env();
	if(g_cap) {
		Napi::Error::New(env, "a recording is already running in this process").ThrowAsJavaScriptException();
		return env.Undefined();
	}
	if(info.Length() < 1 || !info[0].IsObject()) {
		Napi::TypeError::New(env, "start(options) needs an options object").ThrowAsJavaScriptException();
		return env.Undefined();
	}
	Napi::Object o = info[0].As<Napi::Object>();
	fscap::Options opt;
	if(!o.Has("out") || !o.Get("out").IsString()) {
		Napi::TypeError::New(env, "options.out must be a path").ThrowAsJavaScriptException();
		return env.Undefined();
	}
	opt.out = o.Get("out").As<Napi::String>().Utf8Value();
	std::string drv = o.Has("driver") && o.Get("driver").IsString() ? o.Get("driver").As<Napi::String>().Utf8Value() : "ebpf";
	if(drv == "kmod")
		opt.driver = fscap::Driver::Kmod;
	else if(drv != "ebpf") {
		Napi::TypeError::New(env, "options.driver must be ebpf or kmod").ThrowAsJavaScriptException();
		return env.Undefined();
	}
	if(o.Has("kmodDevice") && o.Get("kmodDevice").IsString())
		opt.kmod_device = o.Get("kmodDevice").As<Napi::String>().Utf8Value();
	std::string comp = o.Has("compress") && o.Get("compress").IsString()
	                           ? o.Get("compress").As<Napi::String>().Utf8Value()
	                           : "none";
	if(comp == "gzip" || comp == "gz")
		opt.compression = fscap::Compression::Gzip;
	else if(comp == "zstd" || comp == "zst")
		opt.compression = fscap::Compression::Zstd;
	else if(comp == "none" || comp.empty())
		opt.compression = fscap::Compression::None;
	else {
		Napi::TypeError::New(env, "options.compress must be none, gzip or zstd").ThrowAsJavaScriptException();
		return env.Undefined();
	}
	opt.level = (int)get_u32(o, "level", 0);
	opt.snaplen = get_u32(o, "snaplen", 80);
	if(opt.snaplen > 8192)
		opt.snaplen = 8192;
	opt.all_events = !(o.Has("allEvents") && o.Get("allEvents").IsBoolean() &&
	                   !o.Get("allEvents").As<Napi::Boolean>().Value());
	opt.overwrite = o.Has("force") && o.Get("force").IsBoolean() && o.Get("force").As<Napi::Boolean>().Value();
	opt.target_pid = (int32_t)get_u32(o, "targetPid", 0);
	opt.compat_2022 = o.Has("compat2022") && o.Get("compat2022").IsBoolean() && o.Get("compat2022").As<Napi::Boolean>().Value();
	opt.redundant_enter = !(o.Has("redundantEnter") && o.Get("redundantEnter").IsBoolean() && !o.Get("redundantEnter").As<Napi::Boolean>().Value());
	opt.max_events = o.Has("maxEvents") && o.Get("maxEvents").IsNumber()
	                         ? (uint64_t)o.Get("maxEvents").As<Napi::Number>().Int64Value()
	                         : 0;
	if(o.Has("drainNice") && o.Get("drainNice").IsNumber()) {
		int n = o.Get("drainNice").As<Napi::Number>().Int32Value();
		opt.drain_nice = n < -20 ? -20 : (n > 0 ? 0 : n);
	}
	if(o.Has("drainRealtime") && o.Get("drainRealtime").IsBoolean())
		opt.drain_realtime = o.Get("drainRealtime").As<Napi::Boolean>().Value();
	// a power of two from 256 KiB (the driver writes an event only with 64 KiB
	// free) to 256 MiB (offsets into an eBPF map value stay below the
	// verifier's 512 MiB bound)
	uint32_t rb = get_u32(o, "ringBytes", 8u << 20);
	uint32_t pw = 1u << 18;
	while(pw < rb && pw < (1u << 28))
		pw <<= 1;
	opt.ring_bytes = pw;

	auto cap = std::make_unique<fscap::Capture>();
	std::string err;
	if(!cap->start(opt, err)) {
		std::string e2;
		bool created = cap->created();
		cap->stop(e2);
		cap.reset();
		// the file holds at most a header: do not leave a useless capture behind
		if(created)
			unlink(opt.out.c_str());
		Napi::Error::New(env, err).ThrowAsJavaScriptException();
		return env.Undefined();
	}
	g_cap = std::move(cap);
	g_out = opt.out;
	return stats_to_js(env, g_cap->stats());
}

Napi::Value Stop(const Napi::CallbackInfo &info) {
	Napi::Env env = info.Env();
	if(!g_cap)
		return env.Null();
	std::string err;
	bool ok = g_cap->stop(err);
	fscap::Stats s = g_cap->stats();
	if(!ok && s.error.empty())
		s.error = err;
	g_cap.reset();
	return stats_to_js(env, s);
}

Napi::Value GetStats(const Napi::CallbackInfo &info) {
	Napi::Env env = info.Env();
	if(!g_cap)
		return env.Null();
	return stats_to_js(env, g_cap->stats());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
	exports.Set("start", Napi::Function::New(env, Start));
	exports.Set("stop", Napi::Function::New(env, Stop));
	exports.Set("stats", Napi::Function::New(env, GetStats));
	exports.Set("abiVersion", Napi::Number::New(env, 1));
	Napi::Array drivers = Napi::Array::New(env, 2);
	drivers.Set(0u, Napi::String::New(env, "ebpf"));
	drivers.Set(1u, Napi::String::New(env, "kmod"));
	exports.Set("drivers", drivers);
	return exports;
}

}  // namespace

NODE_API_MODULE(falco_scap_record, Init)
