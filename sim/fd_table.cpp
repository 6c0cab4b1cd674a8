#include "sim/fd_table.h"

namespace fdlab::sim {

int FdTable::install(FileRef file, bool cloexec) {
  std::size_t fd = lowest_free_;
  while (fd < entries_.size() && entries_[fd].used) ++fd;
  if (fd == entries_.size()) entries_.emplace_back();
  entries_[fd] = FdEntry{file, true, cloexec};
  lowest_free_ = fd + 1;
  ++open_;
  return static_cast<int>(fd);
}

FdEntry* FdTable::find(int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= entries_.size()) return nullptr;
  FdEntry& e = entries_[static_cast<std::size_t>(fd)];
  return e.used ? &e : nullptr;
}

const FdEntry* FdTable::find(int fd) const { return const_cast<FdTable*>(this)->find(fd); }

bool FdTable::remove(int fd, FileRef& file) {
  FdEntry* e = find(fd);
  if (!e) return false;
  file = e->file;
  *e = FdEntry{};
  if (static_cast<std::size_t>(fd) < lowest_free_) lowest_free_ = static_cast<std::size_t>(fd);
  --open_;
  return true;
}

}  // namespace fdlab::sim
