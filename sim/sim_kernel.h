#pragma once
// SimKernel: the Kernel interface in memory, deterministic, following Linux's rules as
// measured on the real kernel. State: processes (fd tables) -> open file descriptions (with
// reference counts that include in-flight SCM_RIGHTS references) -> sockets, pipes, files.
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "core/rules_reached.h"
#include "sim/fd_table.h"
#include "sim/open_file.h"
#include "sim/pipe.h"
#include "sim/socket_call.h"
#include "sim/unix_socket.h"

namespace fdlab::sim {

// A process's ids as set_ids leaves them: real = effective, saved (0 unless changed); it has
// root's capabilities while its uid is 0 (they follow the effective uid).
struct ProcIds {
  std::int64_t uid = 0;
  std::int64_t gid = 0;
  std::int64_t suid = 0;
  std::int64_t sgid = 0;
  bool privileged() const { return uid == 0; }
};

// The socket behind an fd, or the errno that a socket call on that fd fails with before
// anything else: EBADF when it is not open, ENOTSOCK when it is another kind of file
// (sockfd_lookup, net/socket.c).
struct SocketAt {
  OpenFile* file = nullptr;
  UnixSocket* socket = nullptr;
  Errno err = Errno::ok;
};

// unix_find_other's answer: the socket bound at an address, or the errno of a connect to it.
struct BoundSocket {
  std::uint32_t index = no_socket;
  Errno err = Errno::ok;
};

class SimKernel final : public Kernel {
 public:
  SimKernel();
  ~SimKernel() override;
  SimKernel(const SimKernel&) = delete;
  SimKernel& operator=(const SimKernel&) = delete;

  ProcId add_process() override;
  Outcome call(ProcId p, const Call& c) override;
  Leftovers finish() override;
  const char* name() const override { return "sim"; }

  // The whole state, for the visualizer: processes and their fds, live objects, sockets with
  // their queued segments, pipes. Deterministic (ordered by fd, object id, creation).
  nlohmann::json snapshot() const;

  // A copy of the whole state that runs on exactly as this kernel would: the visualizer keeps
  // such copies as checkpoints, to stand at any step without replaying from the first.
  std::unique_ptr<SimKernel> copy() const;

  bool has_fd(ProcId p, int fd) { return file_at(p, fd) != nullptr; }
  // The pid the model gives process p (what SCM_CREDENTIALS carries), for capi/'s getpid.
  static std::int64_t pid_of(ProcId p);
  // What kind of file fd refers to, for capi/'s fstat; nullptr when it is not open.
  const FileKind* kind_of(ProcId p, int fd) {
    const OpenFile* f = file_at(p, fd);
    return f ? &f->kind : nullptr;
  }
  // Whether one collector run would free something now (the fuzzer's generator then often
  // adds a collect step, since the next step's result may depend on the collector's timing).
  bool has_garbage() const { return !garbage().empty(); }
  // Whether a stream read on fd in p could glue or split segments depending on whether their
  // senders are one process: under SO_PASSCRED two neighbouring segments whose credentials
  // differ only in the scenario process that sent them. The native backend's processes share
  // one tgid and are glued there (docs/decisions.md, "Credentials"), so the generator keeps
  // away from such reads.
  bool glue_depends_on_pid(ProcId p, int fd);
  const ProcIds& ids(ProcId p) const { return ids_[static_cast<std::size_t>(p)]; }

  // Where each rule of docs/rules.md that decides a step's outcome is marked as reached
  // (core/rules_reached.h); nullptr, the default, marks nothing.
  void set_rules_sink(RulesReached* rules);
  RulesReached* rules_sink() override { return rules_; }

  // The struct cmsghdr layout of the programs calling this kernel: x86-64's for scenarios (the
  // default), a C program's own target's when it runs on the model (capi/: wasm32 is ilp32).
  void set_cmsg_abi(const cmsg::CmsgAbi& abi) { cmsg_abi_ = abi; }
  const cmsg::CmsgAbi& cmsg_abi() const { return cmsg_abi_; }

 private:
  // Marks `rule` (a string literal naming a rule of the catalogue) as applied here.
  void reached(const char* rule) const {
    if (rules_ != nullptr) rules_->reach(rule);
  }
  // The rule of a socket type's family: stream.*, seqpacket.* or dgram.*.
  static const char* per_type(SockType t, const char* stream, const char* seqpacket,
                              const char* dgram) {
    return t == SockType::stream ? stream : t == SockType::seqpacket ? seqpacket : dgram;
  }
  // One handler per op of core/op_table.h, each defined beside its rule (sim/sim_*.cpp).
  FDLAB_KERNEL_OPS(FDLAB_DECLARE_OP_HANDLER)
  FdTable& table(ProcId p);
  // The live objects behind a FileRef and a socket index. A reference to a freed or unknown
  // slot is a broken invariant of the sim (a bug in sim/ or core/, e.g. a reference not
  // taken): it ends the scenario as a harness error naming its step, never as a crash.
  OpenFile& file(FileRef r) {
    if (r.slot >= files_.size() || !files_[r.slot]) broken_ref("file", r.slot);
    return *files_[r.slot];
  }
  const OpenFile& file(FileRef r) const { return const_cast<SimKernel*>(this)->file(r); }
  UnixSocket& unix_sock(std::uint32_t s) {
    if (s >= sockets_.size() || !sockets_[s]) broken_ref("socket", s);
    return *sockets_[s];
  }
  const UnixSocket& unix_sock(std::uint32_t s) const {
    return const_cast<SimKernel*>(this)->unix_sock(s);
  }
  [[noreturn]] void broken_ref(const char* what, std::uint32_t slot);
  // Throws the HarnessError of a broken invariant; the state is not trusted any more (finish()
  // then skips the cleanup that would walk it).
  [[noreturn]] void broken(const std::string& what);
  nlohmann::json queue_json(const UnixSocket& sk) const;  // sim/sim_snapshot.cpp
  // The open file behind fd in p, or nullptr (EBADF).
  OpenFile* file_at(ProcId p, int fd);
  // EBADF for an fd number the process has not opened.
  Outcome unopened() const {
    reached("process.unopened-fd-ebadf");
    return Outcome::failure(Errno::ebadf);
  }
  SocketAt socket_at(ProcId p, int fd);
  UnixSocket& socket_of(const OpenFile& f) { return unix_sock(f.target); }

  FileRef new_file(FileKind kind, long status, bool scenario_object);
  std::uint32_t new_socket(SockType type, FileRef file);
  void free_socket(std::uint32_t s);  // the slot may be reused; no live socket refers to it
  NewFd install(ProcId p, FileRef r, bool cloexec);
  void hold(FileRef r) { ++file(r).refs; }
  void put(FileRef r);  // drops a reference; the last one releases the file
  void queue_fds(UnixSocket& to, const std::vector<int>& fds, const SendCall& send,
                 std::string_view bytes, std::uint32_t truesize, bool oob = false);
  void unqueue(FileRef r);           // an in-flight reference leaves a queue (still held)
  void purge_queue(UnixSocket& sk);  // drops every reference queued in sk
  void release(FileRef r);           // no references left
  void release_socket(std::uint32_t s);
  // sim/sim_collector.cpp: the garbage collector for fds in flight (net/unix/garbage.c).
  // Garbage waits until a collect step (or finish()) runs the collector; a step whose result
  // would differ had the collector run already is refused (CollectorTimingError).
  std::vector<std::uint32_t> garbage() const;  // file slots one collector run would free now
  void collect(const std::vector<std::uint32_t>& garbage);  // frees them, as __unix_gc does
  void mark_survivors() const;
  bool has_inflight_sockets() const;
  Outcome dispatch(ProcId p, const Call& c);
  Outcome call_watching_garbage(ProcId p, const Call& c);
  std::unique_ptr<SimKernel> fork() const;  // a copy of the whole state

  Outcome stream_send(UnixSocket& sk, SendCall& send);
  static const std::vector<int>& no_fds();
  Outcome message_send(UnixSocket& sk, SendCall& send);
  Outcome stream_recv(UnixSocket& sk, RecvCall& recv);
  // unix_stream_read_generic; the references of segments it dropped go to `dropped`.
  Outcome stream_read(UnixSocket& sk, RecvCall& recv, std::vector<FileRef>& dropped);
  Outcome message_recv(UnixSocket& sk, RecvCall& recv);
  void mark_message_read(const UnixSocket& sk, const RecvCall& recv, const QueueRead& r);
  void mark_delivery(const UnixSocket& sk, const RecvCall& recv, std::size_t room,
                     std::size_t installed) const;
  void mark_sent_file(const UnixSocket& to, const SendCall& send, FileRef r) const;
  void deliver(Outcome& o, const RecvCall& recv, const UnixSocket& sk);
  Outcome check_send_fds(SendCall& send, std::vector<int>& stated);

  // sim/sim_named_ops.cpp
  BoundSocket find_other(const SockAddr& addr, SockType type, ProcId caller) const;
  Outcome connect_failed(const SockAddr& addr, SockType type, Errno err) const;
  bool too_many_inflight(ProcId p) const;  // too_many_unix_fds
  void set_peer(std::uint32_t s, std::uint32_t other);
  void drop_peer(std::uint32_t s);
  void unhold(std::uint32_t s);  // one reference to s as a peer goes
  void change_dgram_peer(std::uint32_t self, std::uint32_t to);
  Outcome dgram_connect(ProcId p, std::uint32_t self, const SockAddr& a);
  void dgram_disconnected(std::uint32_t self, std::uint32_t old_peer);
  // sim/sim_addresses.cpp: what getsockname, getpeername and msg_name report.
  static ReportedAddr address_of(const UnixSocket& sk);
  void autobind(UnixSocket& sk);
  void address_changed(const UnixSocket& sk);
  int addr_key(UnixSocket& sender);
  ReportedAddr addr_of_key(int key) const;
  void forget_name(std::uint32_t s);
  void release_pending(UnixSocket& listener);
  // sim/sim_options.cpp: how many new fds p can get before RLIMIT_NOFILE (alloc_fd: the
  // number must be below the soft limit).
  std::size_t fd_room(ProcId p, std::size_t wanted);
  // Whether a call that makes `wanted` fds in p fails with EMFILE.
  bool at_fd_limit(ProcId p, std::size_t wanted);
  // sim/sim_open_ops.cpp: lseek on the scenario's directory; sim/sim_poll.cpp: an fd's mask.
  static Outcome directory_lseek(OpenFile& f, long offset, Whence whence);
  std::uint32_t poll_mask(const OpenFile& f, std::uint32_t events) const;
  std::uint32_t socket_poll_mask(const UnixSocket& sk, std::uint32_t events) const;
  // sk_wmem_alloc less its 1: the truesize of the socket's skbs still queued anywhere. A dgram
  // socket's skbs can sit in many queues (its peer's, every sendto's destination's, a former
  // peer's), and those queues hold other senders' skbs too.
  std::size_t wmem_of(const UnixSocket& sk) const;
  // sim/sim_creds.cpp: SO_PASSCRED, SCM_CREDENTIALS and a stated msg_control.
  bool sends_creds_to(const UnixSocket& sender, const UnixSocket& receiver) const;
  int creds_key(const WireCreds& c);
  int own_creds(ProcId p);
  ProcId proc_of_pid(std::int64_t pid) const;  // -1: not a scenario process's
  WireCreds creds_of(int key) const;
  Outcome read_control(SendCall& send, std::vector<int>& fds);
  void report_creds(Outcome& o, ControlWriter& control, int key) const;
  static Creds reported(const WireCreds& w, int fields);
  static Creds peer_creds(const UnixSocket& sk);

  // Not copied by fork(): a copy runs a step as if the collector had run, which is not what
  // the scenario reached.
  RulesReached* rules_ = nullptr;
  cmsg::CmsgAbi cmsg_abi_ = cmsg::lp64;
  // Scratch buffers whose capacity outlives one call, so that a steady send/receive loop
  // allocates nothing: the references queue_fds hands to the queue, and the fds a recvmsg
  // takes (moved into its RecvCall and back). No state: fork() does not copy them.
  std::vector<FileRef> sending_refs_;
  std::vector<FileRef> spare_taken_;

  // The state: fork() (sim/sim_collector.cpp) copies every member from here down, so a new
  // one is added there too.
  std::vector<FdTable> procs_;
  std::vector<ProcIds> ids_;  // by ProcId: real/effective and saved ids (set_ids)
  std::map<std::int64_t, long> inflight_by_uid_;  // user->unix_inflight: fds queued, by real uid
  std::size_t inflight_sockets_ = 0;  // queued references to sockets (the collector's vertices)
  std::map<std::string, std::int64_t> path_owner_;  // a socket file's owner (its binder's uid)
  std::vector<std::unique_ptr<OpenFile>> files_;    // by FileRef slot; nullptr when free
  std::vector<std::uint32_t> free_files_;
  std::vector<std::unique_ptr<UnixSocket>> sockets_;
  std::vector<std::uint32_t> free_sockets_;
  std::vector<std::unique_ptr<Pipe>> pipes_;
  ObjectId next_object_ = 1;
  std::vector<FileRef> releasing_;  // files whose last reference went, not yet released
  bool in_release_ = false;
  bool forked_ = false;    // a copy made to run one step as if the collector had run
  bool broken_ = false;    // an invariant broke (broken()): the state is not trusted
  bool watching_ = false;  // a step is being run by call_watching_garbage
  // The namespace of socket files in the scenario's directory: name -> the socket bound there,
  // or no_socket once it is released (the file stays until unlink). Abstract names vanish
  // with their socket, and each socket type has its own abstract names. Ordered maps: nothing
  // here depends on hash order.
  std::map<std::string, std::uint32_t> paths_;
  std::map<std::pair<SockType, std::string>, std::uint32_t> abstract_;
  std::map<ProcId, long> nofile_;    // RLIMIT_NOFILE soft limits that a scenario set
  std::vector<WireCreds> creds_;     // every credentials a segment carried, by creds_key
  std::vector<ReportedAddr> addrs_;  // each sending socket's address, by its addr_key
};

}  // namespace fdlab::sim

namespace fdlab {
using sim::SimKernel;  // the backend's public name
}  // namespace fdlab
