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
  // `open` (sim/sim_open_ops.cpp); a dev_null it opens is the same kind as stdio's.
  directory,  // the scenario's directory, O_RDONLY|O_DIRECTORY
  o_path,     // O_PATH of the directory or of a name in it: an fd that only names a file
  memfd,      // memfd_create: an anonymous regular file (shmem), O_RDWR
  pidfd,      // SCM_PIDFD: a pidfd of the sending process, O_RDWR, always FD_CLOEXEC
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
  // An O_PATH fd has no access mode: fdget() does not find it, so read, write, lseek, F_SETFL,
  // poll and every socket call treat it as no fd at all (measured: EBADF; poll: POLLNVAL).
  bool path_only() const { return kind == FileKind::o_path; }
  bool readable() const { return !path_only() && (status & fl::wronly) == 0; }
  bool writable() const { return !path_only() && (status & (fl::wronly | fl::rdwr)) != 0; }
  // Bytes with an offset: open_temp's file and a memfd read, write and seek alike.
  bool has_content() const { return kind == FileKind::regular || kind == FileKind::memfd; }
};

// F_SETFL may change only these (SETFL_MASK in fs/fcntl.c, of the flags we model); the access
// mode stays as opened.
constexpr long setfl_mask = fl::nonblock | fl::append;

}  // namespace fdlab::sim
