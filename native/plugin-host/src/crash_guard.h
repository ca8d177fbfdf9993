// Crash reporting for plugin calls. A plugin is native code in our process, so a SIGSEGV
// (or SIGBUS, SIGILL, SIGFPE, abort, stack overflow) inside it cannot become a JS error.
// What we can do is say which plugin crashed and in which API call, then exit 2 instead of
// dying silently:
//   - every call into a plugin runs inside a CallGuard, which records the plugin and the API
//     function in a thread_local (two pointer stores, no allocation);
//   - a process-wide handler for the fatal signals reads that thread_local: set, it writes one
//     line to stderr with write(2) and calls _exit(2); unset, the signal is not ours (V8 uses
//     SIGSEGV for WebAssembly bounds checks, a bug elsewhere must still crash) and goes to the
//     handler that was installed before ours, exactly as if we were not there;
//   - each thread that calls plugins gets an alternate signal stack, so a stack overflow in a
//     plugin still reaches the handler.
// Memory corruption and infinite loops are not caught: they raise no signal at the time.
#pragma once

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mutex>
#include <string>

namespace fsp {

// Who is being called. The strings belong to the plugin host object, which outlives every
// call it makes.
struct PluginIdent {
  const std::string* name;  // empty until plugin_get_name has answered
  const std::string* path;
};

struct CallSite {
  const PluginIdent* who;
  const char* fn;  // API function name, a string literal
};

// initial-exec: the handler must not be the first to touch a dynamic TLS block (that may
// allocate); static TLS is reachable from a signal handler.
static thread_local CallSite tlsCall __attribute__((tls_model("initial-exec"))) = {nullptr, nullptr};
static thread_local bool tlsAltChecked __attribute__((tls_model("initial-exec"))) = false;

// The alternate stack of this thread, freed when the thread exits (libuv workers may).
struct AltStack {
  void* mem = nullptr;
  ~AltStack() {
    if (!mem) return;
    stack_t cur;
    if (sigaltstack(nullptr, &cur) == 0 && cur.ss_sp == mem) {
      stack_t off{};
      off.ss_flags = SS_DISABLE;
      sigaltstack(&off, nullptr);
    }
    free(mem);
  }
};
static thread_local AltStack tlsAltStack;

inline void EnsureAltStack() {
  if (tlsAltChecked) return;
  tlsAltChecked = true;
  stack_t cur;
  if (sigaltstack(nullptr, &cur) == 0 && !(cur.ss_flags & SS_DISABLE)) return;  // someone set one: keep it
  // SIGSTKSZ is not a constant on newer glibc; 64 KiB is far more than the handler needs.
  size_t sz = static_cast<size_t>(SIGSTKSZ) > 65536 ? static_cast<size_t>(SIGSTKSZ) : 65536;
  void* mem = malloc(sz);
  if (!mem) return;
  stack_t ss{};
  ss.ss_sp = mem;
  ss.ss_size = sz;
  if (sigaltstack(&ss, nullptr) == 0)
    tlsAltStack.mem = mem;
  else
    free(mem);
}

// Marks the current thread as inside a plugin call for its lifetime. Nests (restores the
// outer call site), so it may be used inside another guard.
class CallGuard {
 public:
  CallGuard(const PluginIdent* who, const char* fn) : prev_(tlsCall) {
    EnsureAltStack();
    tlsCall = {who, fn};
  }
  ~CallGuard() { tlsCall = prev_; }
  CallGuard(const CallGuard&) = delete;
  CallGuard& operator=(const CallGuard&) = delete;

 private:
  CallSite prev_;
};

// The opposite, around host code that a plugin calls back into and that may run JavaScript
// (the "threads" table provider): a signal there is not the plugin's.
class CallSuspend {
 public:
  CallSuspend() : prev_(tlsCall) { tlsCall = {nullptr, nullptr}; }
  ~CallSuspend() { tlsCall = prev_; }
  CallSuspend(const CallSuspend&) = delete;
  CallSuspend& operator=(const CallSuspend&) = delete;

 private:
  CallSite prev_;
};

namespace crash {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
constexpr int kNumSignals = sizeof kSignals / sizeof kSignals[0];
static struct sigaction prevActions[kNumSignals];

inline const char* SignalName(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    default: return "a fatal signal";
  }
}

// A fixed buffer filled by hand: nothing here may allocate or lock.
struct Line {
  char buf[4096];
  size_t len = 0;
  void Add(const char* s, size_t n) {
    if (n > sizeof buf - 1 - len) n = sizeof buf - 1 - len;
    memcpy(buf + len, s, n);
    len += n;
  }
  void Add(const char* s) { Add(s, strlen(s)); }
};

inline void WriteAll(const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(2, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

inline void Chain(int sig, siginfo_t* si, void* ctx) {
  int i = 0;
  while (i < kNumSignals && kSignals[i] != sig) i++;
  if (i == kNumSignals) return;
  const struct sigaction& old = prevActions[i];
  if (old.sa_flags & SA_SIGINFO) {
    if (old.sa_sigaction) old.sa_sigaction(sig, si, ctx);
    return;
  }
  if (old.sa_handler == SIG_IGN) return;
  if (old.sa_handler == SIG_DFL) {
    // Die by the signal as if we had never been installed. It is blocked while we run, so the
    // raised copy is delivered (with the default action) as soon as we return.
    struct sigaction dfl{};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, nullptr);
    raise(sig);
    return;
  }
  old.sa_handler(sig);
}

inline void Handler(int sig, siginfo_t* si, void* ctx) {
  CallSite c = tlsCall;
  if (!c.who) {
    Chain(sig, si, ctx);
    return;
  }
  int savedErrno = errno;
  Line l;
  l.Add("falco-scap: plugin ");
  const std::string* name = c.who->name;
  if (name && !name->empty()) {
    l.Add("'");
    l.Add(name->data(), name->size());
    l.Add("' (");
    l.Add(c.who->path->data(), c.who->path->size());
    l.Add(")");
  } else {
    l.Add(c.who->path->data(), c.who->path->size());
  }
  l.Add(" crashed with ");
  l.Add(SignalName(sig));
  l.Add(" in ");
  l.Add(c.fn ? c.fn : "?");
  l.Add("\n");
  WriteAll(l.buf, l.len);
  errno = savedErrno;
  _exit(2);
}

// Installs the handler once per process (on the first plugin load), keeping the previous
// actions to chain to.
inline void InstallOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int i = 0; i < kNumSignals; i++) {
      struct sigaction sa{};
      sa.sa_sigaction = Handler;
      sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
      sigemptyset(&sa.sa_mask);
      sigaction(kSignals[i], &sa, &prevActions[i]);
    }
  });
}

}  // namespace crash
}  // namespace fsp
