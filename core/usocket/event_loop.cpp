#include "core/usocket/event_loop.h"

#include <algorithm>

namespace fdlab::usocket {

USocket& EventLoop::new_socket(ProcId p) {
  const int id = objects();
  kinds_.push_back(Kind::socket);
  sockets_.push_back(std::make_unique<USocket>(k_, p, id, log_));
  servers_.push_back(nullptr);
  return *sockets_.back();
}

UServer& EventLoop::new_server(ProcId p) {
  const int id = objects();
  kinds_.push_back(Kind::server);
  servers_.push_back(std::make_unique<UServer>(k_, p, id, log_));
  sockets_.push_back(nullptr);
  return *servers_.back();
}

USocket* EventLoop::socket(int id) {
  return id >= 0 && id < objects() ? sockets_[id].get() : nullptr;
}

UServer* EventLoop::server(int id) {
  return id >= 0 && id < objects() ? servers_[id].get() : nullptr;
}

bool EventLoop::run() {
  const UServer::AcceptSink accept = [this](ProcId p, int fd) {
    USocket& s = new_socket(p);
    // An accepted socket is connected when the user gets it: no 'connected' event. A fresh
    // socket is never refused; what goes wrong later arrives as its 'error' event.
    (void)s.adopt(fd, -1, false);
    return s.id();
  };
  constexpr int kMaxPasses = 1 << 20;
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    bool progress = false;
    // Sockets accepted during this pass join it; the count is read each time round.
    for (int id = 0; id < objects(); ++id) {
      if (kinds_[id] == Kind::server)
        progress |= servers_[id]->poll(named_, accept);
      else
        progress |= sockets_[id]->poll();
    }
    if (!progress) return true;
  }
  return false;
}

std::vector<UEvent> canonical_order(std::vector<UEvent> events) {
  std::stable_sort(events.begin(), events.end(),
                   [](const UEvent& a, const UEvent& b) { return a.on < b.on; });
  std::vector<UEvent> out;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].name == "readable") {
      bool later = false;
      for (std::size_t j = i + 1; j < events.size() && events[j].on == events[i].on; ++j)
        later |= events[j].name == "readable";
      if (later) continue;
    }
    out.push_back(std::move(events[i]));
  }
  return out;
}

}  // namespace fdlab::usocket
