#pragma once
// An open file description: what an fd refers to. Several fds (in one or more processes) and
// in-flight SCM_RIGHTS references can share one; it lives while any of them does, and they all
// share its offset and status flags (like struct file and its f_count).
#include <cstdint>
#include <string>

#include "core/kernel.h"

namespace fdlab::sim {

enum class FileKind : std::uint8_t {
  dev_null,  // fds 0, 1, 2 of every process: one open of /dev/null, O_RDWR (native/worker.cpp)
  regular,   // open_temp: an unlinked regular file
  pipe_read,
  pipe_write,
  unix_socket,
};

const char* file_kind_name(FileKind k);

struct OpenFile {
  ObjectId id = 0;  // 0 for the stdio /dev/null, which the scenario did not create
  FileKind kind = FileKind::dev_null;
  int refs = 0;              // fds plus in-flight references
  int inflight = 0;          // references queued in socket receive queues
  long status = 0;           // fl:: bits: access mode, O_NONBLOCK, O_APPEND
  std::uint32_t target = 0;  // the Pipe or UnixSocket index, by kind

  // Regular files: one description per inode here (open_temp never reopens), so the content
  // lives with it.
  std::string content;
  long offset = 0;

  bool nonblocking() const { return (status & fl::nonblock) != 0; }
  bool readable() const { return (status & fl::wronly) == 0; }
  bool writable() const { return (status & (fl::wronly | fl::rdwr)) != 0; }
};

// F_SETFL may change only these (SETFL_MASK in fs/fcntl.c, of the flags we model); the access
// mode stays as opened.
constexpr long setfl_mask = fl::nonblock | fl::append;

}  // namespace fdlab::sim
