{
  "targets": [
    {
      "target_name": "falco_scap_record",
      "sources": ["src/addon.cc", "src/capture.cc", "src/sink.cc", "src/state.cc", "src/kmod_source.cc", "kmod-reader/kmod_reader.c"],
      "include_dirs": ["<!(node find-napi.cjs)", "build/gen"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wno-missing-field-initializers"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_c": ["-O2", "-Wall"],
      "libraries": ["-lbpf", "-lelf", "-lz", "-lzstd"]
    }
  ]
}
