{
  "targets": [{"target_name": "fdlab_sys", "sources": ["fdlab_sys.c"], "cflags": ["-Wall"]}]
}
