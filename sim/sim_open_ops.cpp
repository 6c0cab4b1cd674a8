// SimKernel's `open`, `count_fds` and `list_fds`: the other kinds of file a process can pass over a
// socket, as measured on Linux 6.18 with C probes (docs/rules/files.json; scenarios/files/).
#include "core/harness_error.h"
#include "sim/sim_kernel.h"

namespace fdlab::sim {

// do_sys_openat2 and memfd_create take the fd number first (get_unused_fd_flags), so a full
// table is EMFILE before the name is looked up.
Outcome SimKernel::op_open(ProcId p, const Call& c) {
  table(p);
  if (at_fd_limit(p, 1)) return Outcome::failure(Errno::emfile);
  FileKind kind = FileKind::dev_null;
  long status = fl::rdwr;
  switch (c.open_kind) {
    case OpenKind::directory:
      reached("files.directory");
      kind = FileKind::directory;
      status = fl::rdonly;
      break;
    case OpenKind::o_path: {
      kind = FileKind::o_path;
      status = fl::path;  // F_GETFL shows O_PATH and access mode 0 (measured: 0x200000)
      const std::string& name = c.addr != nullptr ? c.addr->name : std::string();
      if (!name.empty()) {
        reached("files.o-path-name");
        // The scenario's directory holds only the socket files that bind made (a released
        // socket's file stays until unlink), so any other name is missing.
        if (name.size() > kNameMax) return Outcome::failure(Errno::enametoolong);
        if (paths_.count(name) == 0) return Outcome::failure(Errno::enoent);
      }
      break;
    }
    case OpenKind::dev_null:
      reached("files.dev-null");
      break;  // a description of its own, not stdio's
    case OpenKind::memfd:
      reached("files.memfd");
      kind = FileKind::memfd;
      break;
  }
  FileRef r = new_file(kind, status, true);
  hold(r);
  Outcome o;
  o.fds.push_back(install(p, r, c.cloexec));
  o.ret = o.fds.back().fd;
  return o;
}

// Only offsets that every file system answers alike are modelled: SEEK_SET and SEEK_CUR to an
// offset >= 0 return it (ext4_dir_llseek, dcache_dir_lseek), a negative one is EINVAL. SEEK_END
// is the file system's own (ext4: 0x7fffffffffffffff, tmpfs: EINVAL), so a scenario that asks
// for it is refused rather than answered with one of them.
Outcome SimKernel::directory_lseek(OpenFile& f, long offset, Whence whence) {
  if (whence == Whence::end)
    throw HarnessError("", -1, "whence",
                       "sim: SEEK_END on a directory depends on the file system; not modelled");
  const long target = whence == Whence::set ? offset : f.offset + offset;
  if (target < 0) return Outcome::failure(Errno::einval);
  f.offset = target;
  Outcome o;
  o.ret = target;
  return o;
}

Outcome SimKernel::op_count_fds(ProcId p, const Call&) {
  reached("files.count-fds");
  Outcome o;
  o.ret = table(p).open_count();
  return o;
}

// What /proc/PID/fd lists, in fd order: each open fd with the description behind it and its
// FD_CLOEXEC (fs/proc/fd.c: proc_readfd_common, seq_show). An fd in flight is in no table.
Outcome SimKernel::op_list_fds(ProcId p, const Call&) {
  reached("files.list-fds");
  Outcome o;
  const auto& entries = table(p).entries();
  for (std::size_t fd = 0; fd < entries.size(); ++fd) {
    const FdEntry& e = entries[fd];
    if (!e.used) continue;
    o.fds.push_back({static_cast<int>(fd), file(e.file).id, e.cloexec});
  }
  o.ret = static_cast<long>(o.fds.size());
  return o;
}

}  // namespace fdlab::sim
