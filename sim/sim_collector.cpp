// SimKernel's garbage collector for fds in flight, after net/unix/garbage.c of Linux 6.18
// (__unix_gc, unix_walk_scc, unix_vertex_dead, unix_collect_skb).
//
// The graph: every AF_UNIX socket in flight is a vertex; each of its in-flight references is an
// edge to the socket whose receive queue holds it, or, when that socket is an embryo (a
// connection not yet accepted), to the embryo's listener (unix_edge_successor: the listener
// holds the embryo and so, indirectly, the fd). A receiver that is not itself in flight is no
// vertex. A strongly connected component is dead when every edge of every vertex stays inside
// it and every vertex's file is referenced by those edges only (file_count == out_degree). One
// run frees every dead component at once: the whole receive queue of each of its sockets, or,
// for a listener, the queues of all its embryos. Files freed that way may make more garbage
// (a socket that was also queued in a dead one); the run that frees it is a later one.
//
// When: Linux runs __unix_gc from a workqueue, queued by unix_gc() from unix_release_sock (any
// AF_UNIX socket released anywhere on the system while fds are in flight), and the files it
// frees are released later still, by the delayed fput work. So garbage is freed at a time no
// scenario controls. The sim frees it at a collect step (what the native backend waits for,
// native/host_gc.cpp) and at finish(); before that it is pending, and a step whose result
// would differ had it been freed already is refused (docs/decisions.md, "The collector").
#include <algorithm>
#include <vector>

#include "core/collector_timing.h"
#include "sim/sim_kernel.h"

namespace fdlab::sim {
namespace {

constexpr std::uint32_t no_vertex = UINT32_MAX;

bool same_cmsgs(const RecvCmsgs& a, const RecvCmsgs& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const RecvCmsg& x, const RecvCmsg& y) {
                      return x.type == y.type && x.len == y.len && x.value == y.value;
                    });
}

// Everything a trace record can show of an Outcome.
bool same_outcome(const Outcome& a, const Outcome& b) {
  return a.ret == b.ret && a.err == b.err && a.data == b.data && a.fds == b.fds &&
         a.msg_flags == b.msg_flags && a.sigpipe == b.sigpipe && a.blocked == b.blocked &&
         a.value == b.value && a.creds.present == b.creds.present &&
         a.creds.fields == b.creds.fields && a.creds.pid == b.creds.pid &&
         a.creds.uid.number == b.creds.uid.number && a.creds.gid.number == b.creds.gid.number &&
         a.msg_controllen == b.msg_controllen && same_cmsgs(a.cmsgs, b.cmsgs) &&
         a.name.kind == b.name.kind && a.name.addr.name == b.name.addr.name &&
         a.name.addr.abstract == b.name.addr.abstract;
}

// How many runs of the collector a step is checked against: garbage freed by one run can make
// more (see above), each level a run later.
constexpr int kMaxCollectorRuns = 16;

}  // namespace

// Kept as a count by queue_fds and unqueue: every call asks it.
bool SimKernel::has_inflight_sockets() const { return inflight_sockets_ > 0; }

std::vector<std::uint32_t> SimKernel::garbage() const {
  const std::size_t n = files_.size();
  auto vertex = [&](std::uint32_t slot) {
    return slot < n && files_[slot] && files_[slot]->kind == FileKind::unix_socket &&
           files_[slot]->inflight > 0;
  };
  // An embryo's listener (the embryo has no file until accept).
  std::vector<std::uint32_t> listener_of(sockets_.size(), no_socket);
  for (std::uint32_t s = 0; s < sockets_.size(); ++s)
    if (sockets_[s])
      for (std::uint32_t e : unix_sock(s).pending) listener_of[e] = s;
  // Edges: in-flight socket -> the vertex of the socket whose queue holds it (or none).
  std::vector<std::vector<std::uint32_t>> edges(n);
  bool any = false;
  for (std::uint32_t s = 0; s < sockets_.size(); ++s) {
    const UnixSocket* sk = sockets_[s].get();
    if (!sk || sk->queue.segments() == 0) continue;
    std::uint32_t receiver = sk->file;
    if (receiver == no_file && listener_of[s] != no_socket)
      receiver = unix_sock(listener_of[s]).file;
    // A released socket's slot may hold another file by now; its queue is empty anyway.
    const std::uint32_t to = (sk->dead || !vertex(receiver)) ? no_vertex : receiver;
    for (std::size_t i = 0; i < sk->queue.segments(); ++i)
      for (FileRef r : sk->queue.segment(i).fds)
        if (vertex(r.slot)) {
          edges[r.slot].push_back(to);
          any = true;
        }
  }
  if (!any) return {};
  // Tarjan's strongly connected components, iteratively (a long chain stays off the stack).
  std::vector<std::uint32_t> index(n, no_vertex), low(n, 0), comp(n, no_vertex);
  std::vector<char> on_stack(n, 0);
  std::vector<std::uint32_t> stack;
  std::vector<std::vector<std::uint32_t>> comps;
  std::uint32_t next = 0;
  struct Frame {
    std::uint32_t v;
    std::size_t edge;
  };
  for (std::uint32_t root = 0; root < n; ++root) {
    if (!vertex(root) || index[root] != no_vertex) continue;
    std::vector<Frame> dfs{{root, 0}};
    index[root] = low[root] = next++;
    stack.push_back(root);
    on_stack[root] = 1;
    while (!dfs.empty()) {
      Frame& f = dfs.back();
      const std::uint32_t v = f.v;
      if (f.edge < edges[v].size()) {
        const std::uint32_t w = edges[v][f.edge++];
        if (w == no_vertex) continue;
        if (index[w] == no_vertex) {
          index[w] = low[w] = next++;
          stack.push_back(w);
          on_stack[w] = 1;
          dfs.push_back({w, 0});
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      if (low[v] == index[v]) {
        std::vector<std::uint32_t> c;
        std::uint32_t w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = 0;
          comp[w] = static_cast<std::uint32_t>(comps.size());
          c.push_back(w);
        } while (w != v);
        comps.push_back(std::move(c));
      }
      dfs.pop_back();
      if (!dfs.empty()) low[dfs.back().v] = std::min(low[dfs.back().v], low[v]);
    }
  }
  // unix_vertex_dead for every vertex of a component.
  std::vector<std::uint32_t> dead;
  for (const auto& c : comps) {
    const bool is_dead = std::all_of(c.begin(), c.end(), [&](std::uint32_t v) {
      const OpenFile& f = *files_[v];
      if (f.refs != static_cast<int>(edges[v].size())) return false;  // not close()d
      return std::all_of(edges[v].begin(), edges[v].end(),
                         [&](std::uint32_t w) { return w != no_vertex && comp[w] == comp[v]; });
    });
    if (is_dead) dead.insert(dead.end(), c.begin(), c.end());
  }
  std::sort(dead.begin(), dead.end());
  return dead;
}

// unix_collect_skb, then the purge of the hitlist: the queues go, with every reference in them.
void SimKernel::collect(const std::vector<std::uint32_t>& garbage) {
  if (!garbage.empty()) {
    reached("collector.dead-cycle");
    reached("lifetimes.cycle-collected");
  }
  std::vector<FileRef> purged;
  for (std::uint32_t slot : garbage) {
    UnixSocket& sk = unix_sock(files_[slot]->target);
    if (sk.state == SockState::listening) {
      if (!sk.pending.empty()) reached("collector.embryo");
      for (std::uint32_t e : sk.pending) unix_sock(e).queue.clear(purged);
    } else {
      sk.queue.clear(purged);
    }
  }
  for (FileRef r : purged) unqueue(r);
  for (FileRef r : purged) put(r);
}

Outcome SimKernel::op_collect(ProcId p, const Call&) {
  table(p);
  const auto g = garbage();
  // The step waits for the collector the kernel runs at a time of its own.
  if (!g.empty()) reached("collector.async");
  collect(g);
  if (rules_ != nullptr) mark_survivors();
  return Outcome{};
}

// After a run of the collector: garbage it made is left to a later run, and in-flight sockets
// with a reference from outside their cycle were not freed.
void SimKernel::mark_survivors() const {
  const auto later = garbage();
  if (!later.empty()) reached("collector.later-run");
  for (std::uint32_t slot = 0; slot < files_.size(); ++slot) {
    const OpenFile* f = files_[slot].get();
    if (f && f->kind == FileKind::unix_socket && f->inflight > 0 &&
        !std::binary_search(later.begin(), later.end(), slot))
      reached("collector.referenced-survives");
  }
}

// Runs the step here, where nothing pending was collected, and in copies where the collector
// ran once, twice, ... before it; the same result everywhere, or the step is refused.
Outcome SimKernel::call_watching_garbage(ProcId p, const Call& c) {
  if (garbage().empty()) return dispatch(p, c);
  std::vector<std::unique_ptr<SimKernel>> worlds;
  std::vector<std::vector<ObjectId>> freed;  // by each further run, the sockets it frees
  std::unique_ptr<SimKernel> w = fork();
  for (int run = 0; run < kMaxCollectorRuns; ++run) {
    const auto g = w->garbage();
    if (g.empty()) break;
    std::vector<ObjectId> ids;
    for (std::uint32_t slot : g) ids.push_back(w->files_[slot]->id);
    freed.push_back(std::move(ids));
    w->collect(g);
    std::unique_ptr<SimKernel> next = w->fork();
    worlds.push_back(std::move(w));
    w = std::move(next);
  }
  if (worlds.empty()) return dispatch(p, c);
  std::vector<Outcome> there;
  for (auto& world : worlds) there.push_back(world->dispatch(p, c));
  watching_ = true;  // a step that calls another op (read is a recvmsg) is checked once
  Outcome here;
  try {
    here = dispatch(p, c);
  } catch (...) {
    watching_ = false;
    throw;
  }
  watching_ = false;
  std::vector<ObjectId> cycle;
  for (std::size_t i = 0; i < there.size(); ++i) {
    cycle.insert(cycle.end(), freed[i].begin(), freed[i].end());
    if (!same_outcome(here, there[i])) {
      reached("collector.async");  // the answer depends on when the collector runs
      std::sort(cycle.begin(), cycle.end());
      throw CollectorTimingError(cycle);
    }
  }
  return here;
}

std::unique_ptr<SimKernel> SimKernel::fork() const {
  auto k = std::make_unique<SimKernel>();
  k->procs_ = procs_;
  k->ids_ = ids_;
  k->inflight_by_uid_ = inflight_by_uid_;
  k->inflight_sockets_ = inflight_sockets_;
  k->path_owner_ = path_owner_;
  for (const auto& f : files_) k->files_.push_back(f ? std::make_unique<OpenFile>(*f) : nullptr);
  k->free_files_ = free_files_;
  for (const auto& s : sockets_)
    k->sockets_.push_back(s ? std::make_unique<UnixSocket>(*s) : nullptr);
  k->set_rules_sink(nullptr);  // the copies' queues marked into this kernel's sink
  k->free_sockets_ = free_sockets_;
  for (const auto& p : pipes_) k->pipes_.push_back(p ? std::make_unique<Pipe>(*p) : nullptr);
  k->next_object_ = next_object_;
  k->releasing_ = releasing_;
  k->in_release_ = in_release_;
  k->paths_ = paths_;
  k->abstract_ = abstract_;
  k->nofile_ = nofile_;
  k->creds_ = creds_;
  k->addrs_ = addrs_;
  k->cmsg_abi_ = cmsg_abi_;
  k->forked_ = true;
  return k;
}

std::unique_ptr<SimKernel> SimKernel::copy() const {
  std::unique_ptr<SimKernel> k = fork();
  k->forked_ = false;  // it watches the collector's timing as this kernel does
  k->broken_ = broken_;
  k->set_rules_sink(rules_);
  return k;
}

}  // namespace fdlab::sim
