#pragma once
// What the usocket model tells its user: events, in the order one object emits them. The
// replay names the objects by label; the model knows them only by creation index.
#include <string>
#include <vector>

#include "core/kernel.h"

namespace fdlab::usocket {

// Every event name the model emits (UEvent::name); the adapter protocol's schema
// (docs/adapter-protocol.schema.json) is generated from this list.
inline const std::vector<std::string>& event_names() {
  static const std::vector<std::string> names{"connected", "connection", "listening", "readable",
                                              "fds",       "end",        "close",     "error",
                                              "callback",  "drain"};
  return names;
}

// An event of one UServer or USocket. Only the fields its kind uses are set.
struct UEvent {
  int on = 0;                 // creation index of the emitting object
  std::string name;           // connected, connection, listening, readable, fds, end, close,
                              // error, callback, drain
  std::vector<ObjectId> fds;  // fds: the objects behind the received fds
  std::string code;           // error: symbolic code ("ECONNREFUSED")
  int step = -1;              // callback: the step that registered it
  std::string error;          // callback: the code of the error it was called with; "" none
                              // (the reference never calls back with one; the package may)
  int socket = -1;            // connection: creation index of the accepted USocket
};

class EventLog {
 public:
  void emit(UEvent e) { events_.push_back(std::move(e)); }
  // Hands over everything emitted since the last take.
  std::vector<UEvent> take() {
    std::vector<UEvent> out;
    out.swap(events_);
    return out;
  }

 private:
  std::vector<UEvent> events_;
};

// Event order across objects depends on the host's poller (libuv walks epoll's ready list),
// not on anything the README promises; each object's own order is meaningful. So one step's
// events are ordered by object creation, each object's events kept in order, and repeated
// 'readable' events of an object collapse into the last one (how many wakeups a burst of data
// causes is the poller's business; that one follows the last arrival is the contract).
std::vector<UEvent> canonical_order(std::vector<UEvent> events);

}  // namespace fdlab::usocket
