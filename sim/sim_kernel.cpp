#include "sim/sim_kernel.h"

#include <algorithm>

#include "core/harness_error.h"

namespace fdlab::sim {

SimKernel::SimKernel() = default;
SimKernel::~SimKernel() = default;

void SimKernel::set_rules_sink(RulesReached* rules) {
  rules_ = rules;
  for (auto& s : sockets_)
    if (s) s->queue.set_rules_sink(rules);
}

ProcId SimKernel::add_process() {
  procs_.emplace_back();
  ids_.emplace_back();
  // fds 0, 1, 2: one open file description of /dev/null per process, O_RDWR, shared by the
  // three (as the native backend opens it; docs/decisions.md, "Scenario stdio").
  FileRef null = new_file(FileKind::dev_null, fl::rdwr, false);
  for (int i = 0; i < 3; ++i) {
    hold(null);
    procs_.back().install(null, false);
  }
  return static_cast<ProcId>(procs_.size() - 1);
}

Outcome SimKernel::call(ProcId p, const Call& c) {
  // Garbage not yet collected may change what a step returns (sim/sim_collector.cpp).
  if (!forked_ && !watching_ && c.op != OpKind::collect && has_inflight_sockets())
    return call_watching_garbage(p, c);
  return dispatch(p, c);
}

Outcome SimKernel::dispatch(ProcId p, const Call& c) {
  switch (c.op) { FDLAB_KERNEL_OPS(FDLAB_DISPATCH_OP_CASE) }
  throw HarnessError("", -1, "op", "sim: an op without a handler");
}

FdTable& SimKernel::table(ProcId p) {
  if (p < 0 || static_cast<std::size_t>(p) >= procs_.size())
    throw HarnessError("", -1, "proc", "sim: no process " + std::to_string(p));
  return procs_[static_cast<std::size_t>(p)];
}

OpenFile* SimKernel::file_at(ProcId p, int fd) {
  FdEntry* e = table(p).find(fd);
  return e ? &file(e->file) : nullptr;
}

SocketAt SimKernel::socket_at(ProcId p, int fd) {
  SocketAt s;
  s.file = file_at(p, fd);
  if (!s.file) {
    reached("process.unopened-fd-ebadf");
    s.err = Errno::ebadf;
  } else if (s.file->path_only()) {
    reached("files.o-path");
    s.err = Errno::ebadf;  // sockfd_lookup uses fdget, which skips O_PATH files
  } else if (s.file->kind != FileKind::unix_socket) {
    if (s.file->kind == FileKind::directory) reached("files.directory");
    if (s.file->kind == FileKind::dev_null && s.file->id == 0) reached("process.stdio-dev-null");
    s.err = Errno::enotsock;
  } else {
    s.socket = &socket_of(*s.file);
  }
  return s;
}

FileRef SimKernel::new_file(FileKind kind, long status, bool scenario_object) {
  auto f = std::make_unique<OpenFile>();
  f->kind = kind;
  f->status = status;
  if (scenario_object) f->id = next_object_++;
  FileRef r;
  if (!free_files_.empty()) {
    r.slot = free_files_.back();
    free_files_.pop_back();
    files_[r.slot] = std::move(f);
  } else {
    r.slot = static_cast<std::uint32_t>(files_.size());
    files_.push_back(std::move(f));
  }
  return r;
}

NewFd SimKernel::install(ProcId p, FileRef r, bool cloexec) {
  r.charged = -1;  // an fd is charged to nobody's in-flight count
  int fd = table(p).install(r, cloexec);
  return NewFd{fd, file(r).id, cloexec};
}

void SimKernel::broken(const std::string& what) {
  broken_ = true;
  throw HarnessError("", -1, "", "sim: broken invariant: " + what);
}

void SimKernel::broken_ref(const char* what, std::uint32_t slot) {
  broken(std::string("a reference to ") + what + " slot " + std::to_string(slot) + ", which is " +
         (slot < (what[0] == 'f' ? files_.size() : sockets_.size()) ? "freed" : "out of range"));
}

void SimKernel::put(FileRef r) {
  // A release never runs the collector here: unix_release_sock only queues it on a workqueue
  // (unix_gc), so a cycle whose last fds were closed stays garbage until a collect step or
  // finish() (sim/sim_collector.cpp).
  OpenFile& f = file(r);
  // Queued references are references: fewer of them in all than in queues is a reference
  // that was never taken (or dropped twice).
  if (--f.refs < f.inflight)
    broken(std::string(file_kind_name(f.kind)) + " object " + std::to_string(f.id) + " has " +
           std::to_string(f.refs) + " references, fewer than the " + std::to_string(f.inflight) +
           " queued");
  if (f.refs > 0) {
    // Only queues hold it now: it stays, and its fds arrive later.
    if (rules_ != nullptr && f.refs == f.inflight) {
      reached("stream.inflight-ref");
      if (f.kind == FileKind::unix_socket) reached("lifetimes.inflight-keeps");
    }
    return;
  }
  releasing_.push_back(r);
  if (in_release_) return;
  // Releasing a socket drops the references queued in it, which may release more files:
  // a work list instead of recursion keeps long chains off the stack.
  in_release_ = true;
  while (!releasing_.empty()) {
    FileRef next = releasing_.back();
    releasing_.pop_back();
    release(next);
  }
  in_release_ = false;
}

void SimKernel::release(FileRef r) {
  OpenFile& f = file(r);
  switch (f.kind) {
    case FileKind::unix_socket:
      release_socket(f.target);
      break;
    case FileKind::pipe_read:
      pipes_[f.target]->reader_open = false;
      break;
    case FileKind::pipe_write:
      pipes_[f.target]->writer_open = false;
      break;
    case FileKind::dev_null:
    case FileKind::regular:
    case FileKind::directory:
    case FileKind::o_path:
    case FileKind::memfd:
    case FileKind::pidfd:
      break;
  }
  files_[r.slot].reset();
  free_files_.push_back(r.slot);
}

Outcome SimKernel::op_pipe(ProcId p, const Call& c) {
  table(p);
  if (at_fd_limit(p, 2)) return Outcome::failure(Errno::emfile);  // do_pipe2: both numbers first
  pipes_.push_back(std::make_unique<Pipe>());
  auto target = static_cast<std::uint32_t>(pipes_.size() - 1);
  Outcome o;
  for (FileKind k : {FileKind::pipe_read, FileKind::pipe_write}) {
    FileRef r = new_file(k, k == FileKind::pipe_read ? fl::rdonly : fl::wronly, true);
    file(r).target = target;
    hold(r);
    o.fds.push_back(install(p, r, c.cloexec));  // pipe2(O_CLOEXEC) sets it on both ends
  }
  return o;
}

Outcome SimKernel::op_open_temp(ProcId p, const Call& c) {
  table(p);
  if (at_fd_limit(p, 1)) return Outcome::failure(Errno::emfile);
  FileRef r = new_file(FileKind::regular, fl::rdwr, true);
  hold(r);
  Outcome o;
  o.fds.push_back(install(p, r, c.cloexec));
  o.ret = o.fds.back().fd;
  return o;
}

Outcome SimKernel::op_read(ProcId p, const Call& c) {
  const int fd = c.fd;
  const std::size_t len = c.recv.len;
  OpenFile* f = file_at(p, fd);
  if (!f) return unopened();
  if (f->path_only()) reached("files.o-path");
  if (!f->readable()) return Outcome::failure(Errno::ebadf);
  Outcome o;
  switch (f->kind) {
    case FileKind::dev_null:
      reached(f->id == 0 ? "process.stdio-dev-null" : "files.dev-null");
      break;  // EOF at once (drivers/char/mem.c: read_null)
    case FileKind::directory:
      reached("files.directory");
      return Outcome::failure(Errno::eisdir);  // generic_read_dir, even for 0 bytes
    case FileKind::o_path:
      return Outcome::failure(Errno::ebadf);  // readable() already said so
    case FileKind::pidfd:
      reached("options.passpidfd");
      return Outcome::failure(Errno::einval);  // pidfs has no read (measured)
    case FileKind::memfd:
    case FileKind::regular: {
      if (f->kind == FileKind::memfd) reached("files.memfd");
      auto off = static_cast<std::size_t>(f->offset);
      if (off < f->content.size()) o.data = f->content.substr(off, len);
      f->offset += static_cast<long>(o.data.size());
      break;
    }
    case FileKind::pipe_read: {
      PipeResult r = pipes_[f->target]->read(len, f->nonblocking(), o.data);
      if (r.blocked) return Outcome::would_block();
      if (r.err != Errno::ok) return Outcome::failure(r.err);
      break;
    }
    case FileKind::pipe_write:
      return Outcome::failure(Errno::ebadf);
    case FileKind::unix_socket: {
      // sock_read_iter: a zero-length read returns 0 before the socket sees it (so a pending
      // sk_err stays); otherwise it is a recvmsg without control buffer: fds are dropped.
      if (len == 0) return o;
      RecvArgs a;
      a.len = len;
      return recvmsg(p, fd, a);
    }
  }
  o.ret = static_cast<long>(o.data.size());
  return o;
}

Outcome SimKernel::op_write(ProcId p, const Call& c) {
  const int fd = c.fd;
  const std::string& data = *c.data;
  OpenFile* f = file_at(p, fd);
  if (!f) return unopened();
  if (f->path_only()) reached("files.o-path");
  if (f->kind == FileKind::directory) reached("files.directory");
  if (!f->writable()) return Outcome::failure(Errno::ebadf);
  Outcome o;
  switch (f->kind) {
    case FileKind::dev_null:
      reached(f->id == 0 ? "process.stdio-dev-null" : "files.dev-null");
      break;  // takes everything (write_null returns the count)
    case FileKind::directory:
    case FileKind::o_path:
      return Outcome::failure(Errno::ebadf);  // opened O_RDONLY / O_PATH: writable() said so
    case FileKind::pidfd:
      reached("options.passpidfd");
      return Outcome::failure(Errno::einval);  // nor write
    case FileKind::memfd:
    case FileKind::regular: {
      if (f->kind == FileKind::memfd) reached("files.memfd");
      // Nothing written changes nothing: not the size (even past the end), not the offset
      // (even with O_APPEND: new_sync_write moves the position only for a count > 0; found by
      // fdlab fuzz).
      if (data.empty()) break;
      if (f->status & fl::append) f->offset = static_cast<long>(f->content.size());
      auto off = static_cast<std::size_t>(f->offset);
      if (f->content.size() < off + data.size()) f->content.resize(off + data.size(), '\0');
      f->content.replace(off, data.size(), data);
      f->offset += static_cast<long>(data.size());
      break;
    }
    case FileKind::pipe_write: {
      PipeResult r = pipes_[f->target]->write(data, f->nonblocking());
      if (r.blocked) return Outcome::would_block();
      if (r.err != Errno::ok) {
        Outcome e = Outcome::failure(r.err);
        e.sigpipe = r.sigpipe;
        return e;
      }
      o.ret = static_cast<long>(r.done);
      return o;
    }
    case FileKind::pipe_read:
      return Outcome::failure(Errno::ebadf);
    case FileKind::unix_socket: {
      // sock_write_iter: a sendmsg without control data, even for zero bytes (so writing
      // nothing to a closed peer is still EPIPE with SIGPIPE).
      SendArgs a;
      a.data = data;
      return sendmsg(p, fd, a);
    }
  }
  o.ret = static_cast<long>(data.size());
  return o;
}

Outcome SimKernel::op_lseek(ProcId p, const Call& c) {
  const int fd = c.fd;
  const long offset = c.offset;
  const Whence whence = c.whence;
  OpenFile* f = file_at(p, fd);
  if (!f) return unopened();
  // Any offset and whence, even a negative result, is 0 (drivers/char/mem.c: null_lseek sets
  // f_pos to 0 and returns it; measured).
  if (f->kind == FileKind::dev_null) {
    reached(f->id == 0 ? "process.stdio-dev-null" : "files.dev-null");
    return Outcome{};
  }
  if (f->path_only()) {
    reached("files.o-path");
    return Outcome::failure(Errno::ebadf);
  }
  if (f->kind == FileKind::directory) {
    reached("files.directory");
    return directory_lseek(*f, offset, whence);
  }
  if (f->kind == FileKind::pidfd) reached("options.passpidfd");  // ESPIPE
  if (f->kind == FileKind::memfd) reached("files.memfd");
  if (!f->has_content()) return Outcome::failure(Errno::espipe);
  long base = whence == Whence::set   ? 0
              : whence == Whence::cur ? f->offset
                                      : static_cast<long>(f->content.size());
  if (base + offset < 0) return Outcome::failure(Errno::einval);
  f->offset = base + offset;
  Outcome o;
  o.ret = f->offset;
  return o;
}

Outcome SimKernel::op_fcntl(ProcId p, const Call& c) {
  const int fd = c.fd;
  const FcntlCmd cmd = c.cmd;
  const long arg = c.arg;
  FdEntry* e = table(p).find(fd);
  if (!e) return unopened();
  OpenFile& f = file(e->file);
  if (f.path_only() && (cmd == FcntlCmd::getfl || cmd == FcntlCmd::setfl)) reached("files.o-path");
  if (f.kind == FileKind::directory && cmd == FcntlCmd::setfl) reached("files.directory");
  // F_SETFL on one of fds 0, 1, 2 changes the description the three share.
  if (f.kind == FileKind::dev_null && f.id == 0 && cmd == FcntlCmd::setfl)
    reached("process.stdio-dev-null");
  Outcome o;
  switch (cmd) {
    case FcntlCmd::getfd:
      o.ret = e->cloexec ? 1 : 0;
      break;
    case FcntlCmd::setfd:
      e->cloexec = (arg & 1) != 0;
      break;
    case FcntlCmd::getfl:
      o.ret = f.status;
      break;
    case FcntlCmd::setfl:
      // fs/fcntl.c: an O_PATH fd takes only F_DUPFD*, F_GETFD, F_SETFD and F_GETFL.
      if (f.path_only()) return Outcome::failure(Errno::ebadf);
      f.status = (f.status & ~setfl_mask) | (arg & setfl_mask);
      break;
  }
  return o;
}

Outcome SimKernel::op_dup(ProcId p, const Call& c) {
  const int fd = c.fd;
  const FdEntry* e = table(p).find(fd);
  if (!e) return unopened();
  if (at_fd_limit(p, 1)) return Outcome::failure(Errno::emfile);
  const FileRef r = e->file;
  reached("stream.shared-description");  // a new number for the same description
  hold(r);
  Outcome o;
  o.fds.push_back(install(p, r, false));  // dup clears FD_CLOEXEC on the new fd
  o.ret = o.fds.back().fd;
  return o;
}

Outcome SimKernel::op_close(ProcId p, const Call& c) {
  const int fd = c.fd;
  FileRef r;
  if (!table(p).remove(fd, r)) return unopened();
  put(r);
  return Outcome{};
}

Outcome SimKernel::op_give(ProcId from, const Call& c) {
  const int fd = c.fd;
  const ProcId to = c.to;
  table(to);
  if (!table(from).find(fd)) return unopened();
  // The native give is an SCM_RIGHTS message: at the limit the receiver's copy is closed and
  // the giver keeps its fd.
  if (at_fd_limit(to, 1)) return Outcome::failure(Errno::emfile);
  FileRef r;
  table(from).remove(fd, r);
  reached("stream.lowest-free-fd");  // an SCM_RIGHTS message on the native backend
  Outcome o;
  o.fds.push_back(install(to, r, false));
  o.ret = o.fds.back().fd;
  return o;
}

Leftovers SimKernel::finish() {
  Leftovers l;
  if (broken_) return l;  // the step's harness error says it all; the state is not walked
  std::string doing;
  try {
    for (std::size_t p = 0; p < procs_.size(); ++p) {
      const auto& entries = procs_[p].entries();
      for (std::size_t fd = 0; fd < entries.size(); ++fd) {
        if (!entries[fd].used) continue;
        if (fd > 2) ++l.open_fds;
        doing = "closing fd " + std::to_string(fd) + " of process " + std::to_string(p);
        FileRef r;
        procs_[p].remove(static_cast<int>(fd), r);
        put(r);
      }
    }
    // The kernel frees unreachable cycles at its next runs of the collector (each run frees
    // what is garbage when it begins, which may make more garbage); do it now, then whatever
    // is still alive is a leak.
    doing = "collecting the garbage left";
    for (auto g = garbage(); !g.empty(); g = garbage()) {
      collect(g);
      if (!garbage().empty()) reached("collector.later-run");
    }
  } catch (const HarnessError& e) {
    // No step asked for it: say which part of the cleanup after the last step found it.
    throw HarnessError(e.file(), e.step(), e.field(),
                       "after the last step, " + doing + ": " + e.reason());
  }
  for (const auto& f : files_) {
    if (!f) continue;
    ++l.leaked;
    l.detail += std::string(l.detail.empty() ? "" : ", ") + file_kind_name(f->kind) + " object " +
                std::to_string(f->id);
  }
  return l;
}

}  // namespace fdlab::sim
