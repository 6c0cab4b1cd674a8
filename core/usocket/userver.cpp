#include "core/usocket/userver.h"

namespace fdlab::usocket {

UServer::UServer(Kernel& kernel, ProcId proc, int id, EventLog& log)
    : k_(kernel), proc_(proc), id_(id), log_(log) {}

CallResult UServer::listen(NamedSockets& named, const std::string& path, int backlog,
                           int callback) {
  if (listened_) return CallResult::refused(error::already_listening);
  if (closed_) return CallResult::refused(error::destroyed);
  listened_ = true;
  listen_callback_ = callback;
  // The path is never unlinked first: a file already there, even a live server's socket,
  // is the user's, and bind reports EADDRINUSE for it.
  const Outcome o = named.listen(proc_, path, backlog);
  if (o.err != Errno::ok) {
    error_due_ = o.err;
    return CallResult::accepted();
  }
  fd_ = o.fds.at(0).fd;
  listening_due_ = true;
  return CallResult::accepted();
}

void UServer::close() {
  closed_ = true;
  if (fd_ >= 0) k_.close(proc_, fd_);
  fd_ = -1;
}

bool UServer::poll(NamedSockets& named, const AcceptSink& on_accept) {
  if (closed_) return false;
  if (error_due_ != Errno::ok) {
    UEvent e;
    e.on = id_;
    e.name = "error";
    e.code = std::string(errno_name(error_due_));
    log_.emit(std::move(e));
    error_due_ = Errno::ok;
    return true;
  }
  bool progress = false;
  if (listening_due_) {
    listening_due_ = false;
    UEvent e;
    e.on = id_;
    e.name = "listening";
    log_.emit(std::move(e));
    if (listen_callback_ >= 0) {
      UEvent cb;
      cb.on = id_;
      cb.name = "callback";
      cb.step = listen_callback_;
      log_.emit(std::move(cb));
    }
    progress = true;
  }
  while (fd_ >= 0 && !paused_) {
    const Outcome o = named.accept(proc_, fd_);
    // A nonblocking call that would block is EAGAIN, whichever way the backend says it.
    if (o.err == Errno::eagain || o.blocked) break;
    if (o.err != Errno::ok) {
      // A failed accept (EMFILE, say) stops accepting, reported once, as usocket does.
      paused_ = true;
      UEvent e;
      e.on = id_;
      e.name = "error";
      e.code = std::string(errno_name(o.err));
      log_.emit(std::move(e));
      return true;
    }
    UEvent e;
    e.on = id_;
    e.name = "connection";
    e.socket = on_accept(proc_, o.fds.at(0).fd);
    log_.emit(std::move(e));
    progress = true;
  }
  return progress;
}

}  // namespace fdlab::usocket
