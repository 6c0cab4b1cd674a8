// SimKernel::snapshot: the whole state as JSON for the visualizer. Objects are named by their
// ObjectId (0: a process's placeholder stdio), never by internal slots.
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

const char* type_name(SockType t) {
  switch (t) {
    case SockType::stream: return "stream";
    case SockType::seqpacket: return "seqpacket";
    case SockType::dgram: return "dgram";
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
      fds.push_back({{"fd", fd},
                     {"object", file(entries[fd].file).id},
                     {"cloexec", entries[fd].cloexec}});
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
    if (f->kind == FileKind::regular) {
      o["size"] = f->content.size();
      o["offset"] = f->offset;
    }
    objects.push_back(std::move(o));
    if (f->kind == FileKind::unix_socket) {
      const UnixSocket& sk = *sockets_[f->target];
      nlohmann::json q = nlohmann::json::array();
      for (std::size_t i = 0; i < sk.queue.segments(); ++i) {
        const Segment& s = sk.queue.segment(i);
        nlohmann::json seg;
        put_bytes(seg, s.bytes.substr(s.consumed));
        nlohmann::json fds = nlohmann::json::array();
        for (FileRef r : s.fds) fds.push_back(file(r).id);
        seg["fds"] = std::move(fds);
        seg["truesize"] = s.truesize;
        q.push_back(std::move(seg));
      }
      nlohmann::json sj = {{"object", f->id},
                           {"type", type_name(sk.type)},
                           {"shutdown", shutdown_names(sk.shutdown)},
                           {"sk_err", std::string(errno_name(sk.sk_err))},
                           {"queue", std::move(q)}};
      if (sk.peer != no_socket) {
        const UnixSocket& peer = *sockets_[sk.peer];
        sj["peer"] = peer.dead ? nlohmann::json(nullptr) : nlohmann::json(file(FileRef{peer.file}).id);
      }
      sockets.push_back(std::move(sj));
    }
    if (f->kind == FileKind::pipe_read) {
      const Pipe& pp = *pipes_[f->target];
      pipes.push_back({{"read_end", f->id}, {"bytes", pp.unread_bytes()},
                       {"pages", pp.pages()}, {"writer_open", pp.writer_open}});
    }
  }
  return j;
}

}  // namespace fdlab::sim
