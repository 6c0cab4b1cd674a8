#pragma once
// NamedSockets over the Kernel interface's own named-socket calls (socket, bind, listen,
// connect, accept), so UServer and connect(path) run unchanged on every backend.
#include "core/kernel.h"
#include "core/usocket/named_sockets.h"

namespace fdlab::usocket {

class KernelNamedSockets final : public NamedSockets {
 public:
  explicit KernelNamedSockets(Kernel& kernel) : k_(kernel) {}
  Outcome listen(ProcId p, const std::string& path, int backlog) override;
  Outcome connect(ProcId p, const std::string& path) override;
  Outcome accept(ProcId p, int fd) override;

 private:
  Kernel& k_;
};

}  // namespace fdlab::usocket
