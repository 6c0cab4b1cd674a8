#pragma once
// One process's fd table: fd numbers to open file descriptions, with FD_CLOEXEC per fd.
// New fds take the lowest free number (POSIX; alloc_fd in fs/file.c).
#include <cstddef>
#include <vector>

#include "core/recv_queue.h"

namespace fdlab::sim {

struct FdEntry {
  FileRef file;
  bool used = false;
  bool cloexec = false;
};

class FdTable {
 public:
  // Installs `file` at the lowest free number and returns it.
  int install(FileRef file, bool cloexec);
  // The entry for `fd`, or nullptr when it is not open (EBADF).
  FdEntry* find(int fd);
  const FdEntry* find(int fd) const;
  // Removes `fd`; returns false when it was not open.
  bool remove(int fd, FileRef& file);

  int open_count() const { return open_; }
  // Entries by number, for iteration in fd order (unused ones included).
  const std::vector<FdEntry>& entries() const { return entries_; }

 private:
  std::vector<FdEntry> entries_;
  std::size_t lowest_free_ = 0;  // no free number below this one
  int open_ = 0;
};

}  // namespace fdlab::sim
