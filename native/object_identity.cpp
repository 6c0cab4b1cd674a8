#include "native/object_identity.h"

#include <linux/kcmp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "native/backend_failure.h"

namespace fdlab::native {

void ObjectIdentity::add_process(pid_t tid) {
  tids_.push_back(tid);
  tables_.emplace_back();
  foreign_.push_back({0, 1, 2});
}

ObjectId ObjectIdentity::create(ProcId p, int fd, const FileKey& key) {
  if (holders_.empty()) {  // ObjectIds start at 1
    holders_.emplace_back();
    flags_.emplace_back();
  }
  auto obj = static_cast<ObjectId>(holders_.size());
  holders_.emplace_back();
  flags_.push_back({key.shared, false, key});
  auto& candidates = by_key_[key];
  // An inode of its own: whatever had this key before is gone (step 1).
  if (!key.shared) candidates.clear();
  candidates.push_back(obj);
  hold(p, fd, obj);
  return obj;
}

ObjectId ObjectIdentity::identify(ProcId p, int fd, const FileKey& key) {
  ObjectId obj = 0;
  auto it = by_key_.find(key);
  if (it != by_key_.end() && it->second.size() == 1 &&
      !flags_[static_cast<std::size_t>(it->second.front())].shared) {
    // The one object on an inode of its own: nothing else the scenario can reach is a
    // description of that inode (step 1), so the key alone names it; kcmp would only agree.
    obj = it->second.front();
  } else if (it == by_key_.end() || it->second.empty()) {
    obj = scan(p, fd);
  } else {
    std::vector<ObjectId> unheld;
    bool found = false;
    for (ObjectId c : it->second) {
      const auto& live = holders_[static_cast<std::size_t>(c)];
      // The new fd itself is not recorded yet, so any holder here is another fd.
      if (live.empty()) {
        unheld.push_back(c);
      } else if (same_description(p, fd, live.front().proc, live.front().fd)) {
        obj = c;
        found = true;
        break;
      }
    }
    if (!found) {
      const bool shared = flags_[static_cast<std::size_t>(it->second.front())].shared;
      if (shared)
        obj = resolve_shared(p, fd, unheld);
      else
        obj = unheld.empty() ? scan(p, fd) : unheld.front();  // two of one key: not reached
    }
  }
  hold(p, fd, obj);
  return obj;
}

ObjectId ObjectIdentity::lookup(ProcId p, int fd, const FileKey& key) const {
  auto it = by_key_.find(key);
  if (it != by_key_.end())
    for (ObjectId c : it->second) {
      const auto& live = holders_[static_cast<std::size_t>(c)];
      // The fd itself is one of the live holders when the tracker saw it made: kcmp of an fd
      // with itself confirms it like any other.
      if (!live.empty() && same_description(p, fd, live.front().proc, live.front().fd)) return c;
    }
  return scan(p, fd);
}

ObjectId ObjectIdentity::resolve_shared(ProcId p, int fd,
                                        const std::vector<ObjectId>& unheld) const {
  if (is_stdio(p, fd)) return 0;
  if (unheld.size() == 1) return unheld.front();
  if (unheld.empty()) return scan(p, fd);
  backend_failure("cannot tell which of " + std::to_string(unheld.size()) +
                  " objects opened on one inode, all in flight, fd " + std::to_string(fd) +
                  " received");
}

// Is (p, fd) one of the descriptions that no scenario op created (stdio's /dev/null)? Compared
// with every open fd known not to be the scenario's: 0, 1, 2 and their copies.
bool ObjectIdentity::is_stdio(ProcId p, int fd) const {
  for (std::size_t q = 0; q < foreign_.size(); ++q)
    for (int other : foreign_[q])
      if (same_description(p, fd, static_cast<ProcId>(q), other)) return true;
  return false;
}

void ObjectIdentity::sent(ProcId p, int fd) {
  const auto& table = tables_[static_cast<std::size_t>(p)];
  if (fd < 0 || static_cast<std::size_t>(fd) >= table.size()) return;
  const ObjectId obj = table[static_cast<std::size_t>(fd)];
  if (obj != 0) flags_[static_cast<std::size_t>(obj)].sent = true;
}

bool ObjectIdentity::may_be_socket(ProcId p, int fd) const {
  const auto& table = tables_[static_cast<std::size_t>(p)];
  if (fd < 0 || static_cast<std::size_t>(fd) >= table.size()) return true;
  const ObjectId obj = table[static_cast<std::size_t>(fd)];
  return obj == 0 || flags_[static_cast<std::size_t>(obj)].key.socket;
}

void ObjectIdentity::closed(ProcId p, int fd) {
  foreign_[static_cast<std::size_t>(p)].erase(fd);
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
  // A shared object with no fd left that was never sent is gone: no longer a candidate.
  const Flags& f = flags_[static_cast<std::size_t>(obj)];
  if (live.empty() && f.shared && !f.sent) {
    auto& candidates = by_key_[f.key];
    candidates.erase(std::remove(candidates.begin(), candidates.end(), obj), candidates.end());
  }
}

void ObjectIdentity::clear() {
  tids_.clear();
  tables_.clear();
  foreign_.clear();
  holders_.clear();
  flags_.clear();
  by_key_.clear();
}

void ObjectIdentity::hold(ProcId p, int fd, ObjectId obj) {
  // The kernel just handed out this number, so whatever we thought lived there is gone.
  closed(p, fd);
  auto& table = tables_[static_cast<std::size_t>(p)];
  if (static_cast<std::size_t>(fd) >= table.size()) table.resize(static_cast<std::size_t>(fd) + 1);
  table[static_cast<std::size_t>(fd)] = obj;
  if (obj != 0)
    holders_[static_cast<std::size_t>(obj)].push_back({p, fd});
  else
    foreign_[static_cast<std::size_t>(p)].insert(fd);
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
