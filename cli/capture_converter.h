#pragma once
// Inside convert_capture (cli/capture_scenario.h): the scenario as it is being written, and
// what each scenario process's fd table holds after the steps written so far. Every step is
// written so that each fd gets the number the kernel gave the program, so that table is also
// the program's, as far as the model follows it: numbers the program holds on things the model
// does not follow are filled with placeholders (/dev/null), numbers a step must skip for a
// moment with fillers.
//
// One class over four files, by concept: capture_scenario.cpp (the records, the processes),
// capture_numbering.cpp (placeholders, fillers, fork, exec, exit), capture_messages.cpp
// (sendmsg, recvmsg, read, write, control data) and capture_addresses.cpp (socket names).
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/capture_scenario.h"

namespace fdlab::capture {

using json = nlohmann::ordered_json;  // steps keep the order they are written in: proc, op,
                                      // arguments, expect

// One open fd of a scenario process.
struct FdEntry {
  enum class Kind : std::uint8_t { initial, object, filler } kind = Kind::object;
  std::string label;     // the fd's label ("" for the initial 0, 1, 2: named by number)
  std::string object;    // the label of its object ("" for the initial ones)
  bool tracked = false;  // an AF_UNIX socket or pipe whose calls are recorded
  bool cloexec = false;
};

struct Proc {
  std::string name;
  int index = 0;
  long pid = 0;
  std::string argv0;
  std::map<int, FdEntry> fds;
  bool ended = false;
  int lowest_free() const;
};

struct PidInfo {
  std::string argv0;
  long ppid = 0;
  int proc = -1;         // its scenario process, once it has one
  int parent_proc = -1;  // the scenario process that forked it
};

class Converter {
 public:
  // Proc references stay valid: no more than 64 processes, all reserved at once.
  explicit Converter(const CaptureInfo& info) : info_(info) { procs_.reserve(64); }
  void record(const json& r);
  CaptureConversion finish();

 private:
  // ---- capture_scenario.cpp ----
  void on_start(const json& r);
  void on_fork(const json& r);
  void on_socket(const json& r);
  void on_pair(const json& r, bool pipe);
  void on_accept(const json& r);
  // A step making one new socket at the program's number r["ret"] (socket, accept), named
  // base + N, with flags' SOCK_NONBLOCK and SOCK_CLOEXEC; or its failure.
  void new_fd_step(Proc& p, json step, const json& r, int flags, const char* base);
  void on_close(const json& r);
  void on_dup(const json& r);
  void on_fcntl(const json& r);
  void on_ioctl(const json& r);
  void on_close_range(const json& r);
  void on_shutdown(const json& r);
  void on_listen(const json& r);
  void on_sockopt(const json& r, bool set);
  void on_poll(const json& r);

  Proc* live_proc(long pid);
  Proc& proc_of(long pid);  // created at its first tracked call
  Proc& new_proc(long pid, const std::string& hint);
  std::string unique_name(const std::string& hint);

  json& emit(Proc& p, const json& step, const std::string& comment = "");
  void note(bool error, const std::string& text, int step);
  void note_last(bool error, const std::string& text);  // about the last step written
  std::string new_object(const std::string& base);
  std::string fd_label(const std::string& object);  // a new label for one more fd of object
  json result(const json& r);                       // {"ret"} or {"errno"}
  std::optional<std::string> errno_of(const json& r);
  std::vector<std::string> msg_flags(long host, const std::string& what);
  json cred_pid(long pid);
  json cred_id(long id, bool uid);
  std::string object_of_key(const json& key);  // "" when unknown

  // ---- capture_numbering.cpp ----
  std::vector<int> arrange(Proc& p, const std::vector<int>& nums, int maybe_free_below = 0);
  void close_all(Proc& p, const std::vector<int>& nums, const std::string& comment);
  void free_number(Proc& p, int n);
  void open_placeholder(Proc& p, int n, const std::string& key = "");
  void placeholder_at(Proc& p, int n, const std::string& key);
  void open_filler(Proc& p, int n);
  void close_entry(Proc& p, int n, const std::string& comment);
  json fd_ref(Proc& p, int n);  // the label of fd n, or the number with a note
  void give_copy(Proc& from, int from_fd, Proc& to, int n, bool cloexec);
  void mirror_fork(Proc& parent, Proc& child, const json& fds);
  void inherit(Proc& child, long ppid, const json& fds);
  void exec_process(Proc& p, const json& r);
  void end_process(Proc& p, const std::string& how);
  void on_lost(const json& r);
  void on_exit(const json& r);

  // ---- capture_messages.cpp ----
  void on_send(const json& r, bool write);
  void on_recv(const json& r, bool read);
  json data_field(const std::string& bytes, const char* plain, const char* hex);
  bool send_control(Proc& p, const json& r, json& step);
  json rights_ref(Proc& p, int fd, const json& rights);
  json received_cmsgs(const std::string& control, bool& whole, json& creds);

  // ---- capture_addresses.cpp ----
  void on_bind(const json& r);
  void on_connect(const json& r);
  void on_name(const json& r, bool peer);
  void on_unlink(const json& r);
  std::optional<std::string> address_name(const json& addr, bool quiet = false);
  json reported_address(const json& addr);
  std::string path_name(const std::string& abs, const std::string& raw);
  void stale_socket_file(Proc& p, const std::string& name);

  const CaptureInfo& info_;
  json steps_ = json::array();
  std::vector<CaptureNote> notes_;
  std::vector<Proc> procs_;
  std::map<long, PidInfo> pids_;
  std::set<long> all_pids_;  // every pid of the program seen: their credentials are "scenario"
  std::set<std::string> names_;
  std::map<std::string, int> counters_;
  std::map<std::string, int> object_fds_;           // fds labelled per object
  std::map<std::string, std::string> key_objects_;  // object key (dev:ino:mode) -> label
  std::map<std::string, std::string> path_names_;   // absolute path -> scenario name
  std::map<std::string, std::string> raw_names_;    // path as bound -> scenario name
  std::set<std::string> taken_names_;
  std::set<std::string> files_;     // socket files the scenario's directory holds now
  std::set<std::string> abstract_;  // abstract names bound in the scenario
};

}  // namespace fdlab::capture
