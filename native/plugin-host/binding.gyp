{
  "targets": [
    {
      "target_name": "falco_scap_plugin_host",
      "sources": ["src/host.cc"],
      "include_dirs": ["<!(node napi-include.cjs)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "libraries": ["-ldl"]
    }
  ]
}
