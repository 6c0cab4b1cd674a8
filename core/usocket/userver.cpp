#include "core/usocket/userver.h"

#include "core/rules_reached.h"

namespace fdlab::usocket {

UServer::UServer(Kernel& kernel, ProcId proc, int id, EventLog& log)
    : k_(kernel), proc_(proc), id_(id), log_(log) {}

CallResult UServer::listen(NamedSockets& named, const std::string& path, int backlog,
                           int callback) {
  if (listened_) {
    reached(k_.rules_sink(), "usocket.listen");  // a second listen: EALREADY
    return CallResult::refused(error::already_listening);
  }
  if (closed_) return CallResult::refused(error::destroyed);
  listened_ = true;
  listen_callback_ = callback;
  // The path is never unlinked first: a file already there, even a live server's socket,
  // is the user's, and bind reports EADDRINUSE for it.
  const Outcome o = named.listen(proc_, path, backlog);
  if (o.err != Errno::ok) {
    // A path held by a live server stays its own: no unlink, the bind's EADDRINUSE.
    if (o.err == Errno::eaddrinuse) reached(k_.rules_sink(), "usocket.listen-no-unlink");
    error_due_ = o.err;
    return CallResult::accepted();
  }
  fd_ = o.fds.at(0).fd;
  reached(k_.rules_sink(), "usocket.listen");  // listening now; 'listening' from the loop
  listening_due_ = true;
  return CallResult::accepted();
}

void UServer::close() {
  closed_ = true;
  // The listening socket goes now (later connects are refused), and no event follows.
  if (fd_ >= 0) reached(k_.rules_sink(), "usocket.server-close");
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
      reached(k_.rules_sink(), "usocket.callback-from-loop");
      UEvent cb;
      cb.on = id_;
      cb.name = "callback";
      cb.step = listen_callback_;
      log_.emit(std::move(cb));
    }
    progress = true;
  }
  // Paused: connections wait in the kernel's backlog, no 'connection' until resume().
  if (fd_ >= 0 && paused_) reached(k_.rules_sink(), "usocket.pause-resume");
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
    // A new socket, connected already: 'connection' with it, no 'connected' of its own.
    reached(k_.rules_sink(), "usocket.connection");
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
