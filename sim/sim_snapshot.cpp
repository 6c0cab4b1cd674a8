// SimKernel::snapshot: the whole state as JSON for the visualizer. Objects are named by their
// ObjectId (0: the /dev/null at fds 0, 1, 2 of a process), never by internal slots.
#include <algorithm>

#include "core/bytes.h"
#include "core/errno_name.h"
#include "core/flag_names.h"
#include "sim/sim_kernel.h"

namespace fdlab::sim {
namespace {

void put_bytes(nlohmann::json& j, const std::string& bytes) {
  if (is_printable_ascii(bytes)) {
    j["data"] = bytes;
  } else {
    j["data_hex"] = encode_hex(bytes);
  }
}

nlohmann::json shutdown_names(std::uint8_t bits) {
  nlohmann::json a = nlohmann::json::array();
  if (bits & rcv_shutdown) a.push_back("RCV");
  if (bits & send_shutdown) a.push_back("SEND");
  return a;
}

const char* state_name(SockState s) {
  switch (s) {
    case SockState::established:
      return "established";
    case SockState::unconnected:
      return "unconnected";
    case SockState::listening:
      return "listening";
  }
  return "?";
}

const char* type_name(SockType t) {
  switch (t) {
    case SockType::stream:
      return "stream";
    case SockType::seqpacket:
      return "seqpacket";
    case SockType::dgram:
      return "dgram";
  }
  return "?";
}

}  // namespace

nlohmann::json SimKernel::snapshot() const {
  nlohmann::json j;
  auto& procs = j["processes"] = nlohmann::json::array();
  for (std::size_t p = 0; p < procs_.size(); ++p) {
    nlohmann::json fds = nlohmann::json::array();
    const auto& entries = procs_[p].entries();
    for (std::size_t fd = 0; fd < entries.size(); ++fd) {
      if (!entries[fd].used) continue;
      fds.push_back(
          {{"fd", fd}, {"object", file(entries[fd].file).id}, {"cloexec", entries[fd].cloexec}});
    }
    procs.push_back({{"proc", p}, {"fds", std::move(fds)}});
  }
  // Slots are reused, so order objects by id (creation order).
  std::vector<const OpenFile*> live;
  for (const auto& f : files_)
    if (f) live.push_back(f.get());
  std::stable_sort(live.begin(), live.end(),
                   [](const OpenFile* a, const OpenFile* b) { return a->id < b->id; });
  auto& objects = j["objects"] = nlohmann::json::array();
  auto& sockets = j["sockets"] = nlohmann::json::array();
  auto& pipes = j["pipes"] = nlohmann::json::array();
  for (const OpenFile* f : live) {
    nlohmann::json o = {{"object", f->id},
                        {"kind", file_kind_name(f->kind)},
                        {"refs", f->refs},
                        {"inflight", f->inflight},
                        {"status", status_flag_names(f->status)}};
    if (f->has_content()) {
      o["size"] = f->content.size();
      o["offset"] = f->offset;
    }
    objects.push_back(std::move(o));
    if (f->kind == FileKind::unix_socket) {
      const UnixSocket& sk = *sockets_[f->target];
      nlohmann::json sj = {{"object", f->id},
                           {"type", type_name(sk.type)},
                           {"state", state_name(sk.state)},
                           {"shutdown", shutdown_names(sk.shutdown)},
                           {"sk_err", std::string(errno_name(sk.sk_err))},
                           {"passcred", sk.passcred},
                           {"queue", queue_json(sk)}};
      if (sk.peer != no_socket) {
        const UnixSocket& peer = *sockets_[sk.peer];
        if (peer.dead) {
          sj["peer"] = nullptr;
        } else if (peer.file == no_file) {
          // Connected to an embryo not yet accepted: name the listener it waits on.
          for (const OpenFile* g : live) {
            if (g->kind != FileKind::unix_socket) continue;
            const auto& pend = sockets_[g->target]->pending;
            if (std::find(pend.begin(), pend.end(), sk.peer) != pend.end())
              sj["peer_pending_on"] = g->id;
          }
        } else {
          sj["peer"] = file(FileRef{peer.file}).id;
        }
      }
      // The address it is bound to (it keeps it after an unlink of the path).
      if (sk.bound) sj["address"] = {{sk.abstract ? "abstract" : "path", sk.name}};
      if (sk.state == SockState::listening) {
        // The connections not yet accepted, oldest first: each embryo's client (null once
        // the client is gone) and what the client already sent to it.
        nlohmann::json pending = nlohmann::json::array();
        for (std::uint32_t e : sk.pending) {
          const UnixSocket& embryo = *sockets_[e];
          nlohmann::json client = nullptr;
          if (embryo.peer != no_socket && sockets_[embryo.peer] && !sockets_[embryo.peer]->dead &&
              sockets_[embryo.peer]->file != no_file)
            client = file(FileRef{sockets_[embryo.peer]->file}).id;
          pending.push_back({{"client", std::move(client)}, {"queue", queue_json(embryo)}});
        }
        sj["backlog"] = sk.backlog;
        sj["pending"] = std::move(pending);
      }
      sockets.push_back(std::move(sj));
    }
    if (f->kind == FileKind::pipe_read) {
      const Pipe& pp = *pipes_[f->target];
      pipes.push_back({{"read_end", f->id},
                       {"bytes", pp.unread_bytes()},
                       {"pages", pp.pages()},
                       {"writer_open", pp.writer_open}});
    }
  }
  // The socket namespace: paths in the scenario's directory (a path whose socket is gone
  // stays, refusing connections, until unlinked: socket null), then abstract names; each in
  // name order.
  auto& bound = j["bound"] = nlohmann::json::array();
  auto bound_socket = [&](std::uint32_t s) -> nlohmann::json {
    if (s == no_socket || !sockets_[s] || sockets_[s]->dead || sockets_[s]->file == no_file)
      return nullptr;
    return file(FileRef{sockets_[s]->file}).id;
  };
  for (const auto& [name, s] : paths_)
    bound.push_back({{"path", name}, {"socket", bound_socket(s)}});
  for (const auto& [key, s] : abstract_)
    bound.push_back({{"abstract", key.second}, {"socket", bound_socket(s)}});
  return j;
}

nlohmann::json SimKernel::queue_json(const UnixSocket& sk) const {
  nlohmann::json q = nlohmann::json::array();
  for (std::size_t i = 0; i < sk.queue.segments(); ++i) {
    const Segment& s = sk.queue.segment(i);
    nlohmann::json seg;
    put_bytes(seg, s.bytes.substr(s.consumed));
    nlohmann::json fds = nlohmann::json::array();
    for (FileRef r : s.fds) fds.push_back(file(r).id);
    seg["fds"] = std::move(fds);
    seg["truesize"] = s.truesize;
    // SCM_CREDENTIALS attached at send time, as numbers, and the scenario process whose pid
    // it names, if any (the sim's pid of a process is creds_pid_of(proc)).
    if (s.creds >= 0) {
      const WireCreds c = creds_of(s.creds);
      seg["creds"] = {{"pid", c.pid}, {"uid", c.uid}, {"gid", c.gid}};
      const ProcId owner = proc_of_pid(c.pid);
      if (owner >= 0) seg["creds"]["proc"] = owner;
    }
    q.push_back(std::move(seg));
  }
  return q;
}

}  // namespace fdlab::sim
