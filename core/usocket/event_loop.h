#pragma once
// The deterministic event loop of the usocket model. The scenario drives it: each `run` step
// calls run(), which passes over every server (accepting, unless paused) and every socket
// (receiving, flushing, emitting), in creation order, until a pass makes no progress.
#include <cstdint>
#include <memory>
#include <vector>

#include "core/kernel.h"
#include "core/usocket/events.h"
#include "core/usocket/named_sockets.h"
#include "core/usocket/userver.h"
#include "core/usocket/usocket.h"

namespace fdlab::usocket {

class EventLoop {
 public:
  EventLoop(Kernel& kernel, NamedSockets& named) : k_(kernel), named_(named) {}

  USocket& new_socket(ProcId p);
  UServer& new_server(ProcId p);
  // By creation index; nullptr when that index is the other kind.
  USocket* socket(int id);
  UServer* server(int id);
  int objects() const { return static_cast<int>(kinds_.size()); }

  NamedSockets& named() const { return named_; }
  EventLog& log() { return log_; }

  // Runs until nothing more happens. Returns false if it had to give up (a livelock guard:
  // every pass that progresses moves bytes or emits an event, so this means a model bug).
  bool run();

 private:
  enum class Kind : std::uint8_t { socket, server };
  Kernel& k_;
  NamedSockets& named_;
  EventLog log_;
  std::vector<Kind> kinds_;
  std::vector<std::unique_ptr<USocket>> sockets_;  // by creation index; null for servers
  std::vector<std::unique_ptr<UServer>> servers_;
};

}  // namespace fdlab::usocket
