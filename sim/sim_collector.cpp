// SimKernel's garbage collector for fds in flight (net/unix/garbage.c, unix_gc): a socket
// whose every reference sits in the receive queues of such sockets (a socket sent over itself,
// or two sockets sent over each other) can never be received again; its queue is purged.
// The real kernel runs this from a workqueue after unix_release_sock; the sim runs it at once.
#include <vector>

#include "sim/sim_kernel.h"

namespace fdlab::sim {

bool SimKernel::has_inflight_sockets() const {
  for (const auto& f : files_)
    if (f && f->kind == FileKind::unix_socket && f->inflight > 0) return true;
  return false;
}

void SimKernel::collect_cycles() {
  if (in_gc_) return;  // freeing garbage drops socket references, which would re-enter
  in_gc_ = true;
  const std::size_t n = files_.size();
  // Candidates: sockets held only by queues.
  std::vector<char> candidate(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const OpenFile* f = files_[i].get();
    candidate[i] =
        f && f->kind == FileKind::unix_socket && f->inflight > 0 && f->refs == f->inflight;
  }
  auto for_each_queued = [&](std::size_t slot, auto&& fn) {
    const RecvQueue& q = sockets_[files_[slot]->target]->queue;
    for (std::size_t s = 0; s < q.segments(); ++s)
      for (FileRef r : q.segment(s).fds) fn(r);
  };
  // References to each candidate from the queues of candidates.
  std::vector<int> internal(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    if (candidate[i]) for_each_queued(i, [&](FileRef r) { ++internal[r.slot]; });
  // A candidate also referenced from elsewhere is reachable, and so is all it carries.
  std::vector<char> live(n, 0);
  std::vector<std::size_t> work;
  for (std::size_t i = 0; i < n; ++i) {
    if (candidate[i] && files_[i]->refs > internal[i]) {
      live[i] = 1;
      work.push_back(i);
    }
  }
  while (!work.empty()) {
    std::size_t i = work.back();
    work.pop_back();
    for_each_queued(i, [&](FileRef r) {
      if (candidate[r.slot] && !live[r.slot]) {
        live[r.slot] = 1;
        work.push_back(r.slot);
      }
    });
  }
  std::vector<FileRef> purged;
  for (std::size_t i = 0; i < n; ++i)
    if (candidate[i] && !live[i]) sockets_[files_[i]->target]->queue.clear(purged);
  for (FileRef r : purged) unqueue(r);
  for (FileRef r : purged) put(r);
  in_gc_ = false;
}

}  // namespace fdlab::sim
