#include "sim/open_file.h"

namespace fdlab::sim {

const char* file_kind_name(FileKind k) {
  switch (k) {
    case FileKind::dev_null:
      return "dev_null";
    case FileKind::regular:
      return "regular";
    case FileKind::pipe_read:
      return "pipe_read";
    case FileKind::pipe_write:
      return "pipe_write";
    case FileKind::unix_socket:
      return "unix_socket";
    case FileKind::directory:
      return "directory";
    case FileKind::o_path:
      return "o_path";
    case FileKind::memfd:
      return "memfd";
    case FileKind::pidfd:
      return "pidfd";
  }
  return "?";
}

}  // namespace fdlab::sim
