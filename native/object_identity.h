#pragma once
// Which open file description a native fd refers to, reported as the core's ObjectId.
//
// How identity is established (never from fd numbers):
// 1. Every creation (socketpair, pipe, open_temp) makes a fresh inode, so at creation we record
//    the object's FileKey: (st_dev, st_ino) plus, for a FIFO, the access mode (a pipe's two ends
//    are two descriptions of ONE inode). Two live objects never share a key, because a live
//    description pins its inode and inode numbers are unique among live inodes of a device; a
//    key seen again at creation therefore means the older object is gone, and it is replaced.
// 2. A new fd (received, dup'd, given) is fstat'ed in its process; its key names the candidate.
// 3. A key that is not shared (below) names at most one object, and the key alone decides,
//    which step 1 makes sound: every description a scenario can reach was made by one of its
//    own operations (or is stdio, whose key no creation has), so a second description of that
//    inode would have been a creation with the same key. No kcmp then: this is the common
//    case, a received socket, pipe or file.
// 4. A key no object has: every live fd is compared with kcmp(tid1, tid2, KCMP_FILE, fd1,
//    fd2); an fd that matches nothing the scenario created (fd 0 sent over, say) is reported
//    as object 0.
// Which (process, fd) are live is tracked from the results of operations.
//
// `open` breaks step 1: the scenario's directory, O_PATH fds and /dev/null can be opened
// twice, two live descriptions of one inode, and /dev/null is also every process's stdio. Such
// a key is `shared` and names every object opened on it. A new fd is then the candidate that
// kcmp confirms; failing that, stdio's /dev/null if kcmp says so; failing that, the one
// candidate without a live fd (in flight). A shared object whose last fd closes is forgotten
// unless it was ever sent (then it may still be in flight); two candidates in flight at once
// cannot be told apart, which is a harness failure, never a guess.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "core/kernel.h"

namespace fdlab::native {

struct FileKey {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  int fifo_mode = 0;    // O_ACCMODE bits for a FIFO end, 0 for anything else
  bool shared = false;  // the inode may have other descriptions (not part of the key)
  bool socket = false;  // S_ISSOCK (not part of the key)
  friend bool operator<(const FileKey& a, const FileKey& b) {
    return std::tie(a.dev, a.ino, a.fifo_mode) < std::tie(b.dev, b.ino, b.fifo_mode);
  }
};

class ObjectIdentity {
 public:
  // Processes are numbered in the order they are added; `tid` is the thread owning its table.
  void add_process(pid_t tid);

  // A new open file description, first seen as `fd` in process p.
  ObjectId create(ProcId p, int fd, const FileKey& key);
  // The existing description behind a new fd `fd` of process p; records (p, fd) as live.
  ObjectId identify(ProcId p, int fd, const FileKey& key);
  // The description behind an fd that is open in process p now, by the same rules as
  // identify() (the key's candidates confirmed with kcmp, else every live fd; 0 when it is none
  // of ours, stdio's say), without recording anything: `list_fds` asks about fds the tracker
  // has already seen.
  ObjectId lookup(ProcId p, int fd, const FileKey& key) const;
  // (p, fd) was closed successfully.
  void closed(ProcId p, int fd);
  // (p, fd) was sent in an SCM_RIGHTS message: its object may live on in flight.
  void sent(ProcId p, int fd);
  // (p, fd) may be a socket: it is one, or the tracker does not know what it is.
  bool may_be_socket(ProcId p, int fd) const;

  void clear();

 private:
  struct Holder {
    ProcId proc;
    int fd;
  };
  bool same_description(ProcId p1, int fd1, ProcId p2, int fd2) const;
  ObjectId scan(ProcId p, int fd) const;
  ObjectId resolve_shared(ProcId p, int fd, const std::vector<ObjectId>& unheld) const;
  bool is_stdio(ProcId p, int fd) const;
  void hold(ProcId p, int fd, ObjectId obj);

  std::vector<pid_t> tids_;
  std::vector<std::vector<ObjectId>> tables_;  // process -> fd -> object (0: none or not ours)
  std::vector<std::set<int>> foreign_;         // process -> its open fds that are not ours (stdio)
  std::vector<std::vector<Holder>> holders_;   // object -> its live fds; [0] unused
  std::map<FileKey, std::vector<ObjectId>> by_key_;  // the candidates, oldest first
  struct Flags {
    bool shared = false;
    bool sent = false;
    FileKey key;
  };
  std::vector<Flags> flags_;  // by object; [0] unused
};

}  // namespace fdlab::native
