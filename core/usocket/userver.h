#pragma once
// UServer, the reference model of usocket's server: listen(path | options, backlog, callback),
// pause, resume, close; events listening, connection, error. Accepting is the loop's job; the
// server hands each accepted socket to the loop, which owns every object.
#include <functional>
#include <string>

#include "core/kernel.h"
#include "core/usocket/call_result.h"
#include "core/usocket/events.h"
#include "core/usocket/named_sockets.h"

namespace fdlab::usocket {

constexpr int kDefaultBacklog = 16;  // usocket's own default (index.js)

class UServer {
 public:
  // `on_accept(fd)` makes a USocket of an accepted fd and returns its creation index.
  using AcceptSink = std::function<int(ProcId, int fd)>;

  UServer(Kernel& kernel, ProcId proc, int id, EventLog& log);
  UServer(const UServer&) = delete;
  UServer& operator=(const UServer&) = delete;

  int id() const { return id_; }
  ProcId proc() const { return proc_; }
  int fd() const { return fd_; }  // the listening socket; -1 when there is none

  // "" or a usage error; the outcome of the calls ('listening' or 'error') is an event.
  CallResult listen(NamedSockets& named, const std::string& path, int backlog, int callback);
  void pause() { paused_ = true; }
  void resume() { paused_ = false; }
  // No further events, no 'close' (README); the listening socket is closed.
  void close();

  bool poll(NamedSockets& named, const AcceptSink& on_accept);

 private:
  Kernel& k_;
  ProcId proc_;
  int id_;
  EventLog& log_;
  int fd_ = -1;
  bool listened_ = false;
  bool closed_ = false;
  bool paused_ = false;
  bool listening_due_ = false;
  int listen_callback_ = -1;
  Errno error_due_ = Errno::ok;
};

}  // namespace fdlab::usocket
