#include "native/object_identity.h"

#include <linux/kcmp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "native/backend_failure.h"

namespace fdlab::native {

void ObjectIdentity::add_process(pid_t tid) {
  tids_.push_back(tid);
  tables_.emplace_back();
}

ObjectId ObjectIdentity::create(ProcId p, int fd, const FileKey& key) {
  if (holders_.empty()) holders_.emplace_back();  // ObjectIds start at 1
  auto obj = static_cast<ObjectId>(holders_.size());
  holders_.emplace_back();
  by_key_[key] = obj;
  hold(p, fd, obj);
  return obj;
}

ObjectId ObjectIdentity::identify(ProcId p, int fd, const FileKey& key) {
  ObjectId obj = 0;
  auto it = by_key_.find(key);
  if (it != by_key_.end()) {
    obj = it->second;
    const auto& live = holders_[static_cast<std::size_t>(obj)];
    // The new fd itself is not recorded yet, so any holder here is another fd.
    if (!live.empty() && !same_description(p, fd, live.front().proc, live.front().fd))
      obj = scan(p, fd);
  } else {
    obj = scan(p, fd);
  }
  hold(p, fd, obj);
  return obj;
}

void ObjectIdentity::closed(ProcId p, int fd) {
  auto& table = tables_[static_cast<std::size_t>(p)];
  if (fd < 0 || static_cast<std::size_t>(fd) >= table.size()) return;
  ObjectId obj = table[static_cast<std::size_t>(fd)];
  table[static_cast<std::size_t>(fd)] = 0;
  if (obj == 0) return;
  auto& live = holders_[static_cast<std::size_t>(obj)];
  for (auto& h : live) {
    if (h.proc == p && h.fd == fd) {
      h = live.back();
      live.pop_back();
      break;
    }
  }
}

void ObjectIdentity::clear() {
  tids_.clear();
  tables_.clear();
  holders_.clear();
  by_key_.clear();
}

void ObjectIdentity::hold(ProcId p, int fd, ObjectId obj) {
  // The kernel just handed out this number, so whatever we thought lived there is gone.
  closed(p, fd);
  auto& table = tables_[static_cast<std::size_t>(p)];
  if (static_cast<std::size_t>(fd) >= table.size()) table.resize(static_cast<std::size_t>(fd) + 1);
  table[static_cast<std::size_t>(fd)] = obj;
  if (obj != 0) holders_[static_cast<std::size_t>(obj)].push_back({p, fd});
}

ObjectId ObjectIdentity::scan(ProcId p, int fd) const {
  for (std::size_t obj = 1; obj < holders_.size(); ++obj) {
    const auto& live = holders_[obj];
    if (!live.empty() && same_description(p, fd, live.front().proc, live.front().fd))
      return static_cast<ObjectId>(obj);
  }
  return 0;
}

bool ObjectIdentity::same_description(ProcId p1, int fd1, ProcId p2, int fd2) const {
  long r = ::syscall(SYS_kcmp, tids_[static_cast<std::size_t>(p1)],
                     tids_[static_cast<std::size_t>(p2)], KCMP_FILE, fd1, fd2);
  if (r < 0) backend_failure("kcmp(KCMP_FILE)", errno);
  return r == 0;
}

}  // namespace fdlab::native
