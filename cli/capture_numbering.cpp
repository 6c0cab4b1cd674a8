// The fd numbers of a captured program, kept in its scenario: placeholders for fds the model
// does not follow, fillers that hold a number for a moment, the copies a fork gives its child,
// and what exec and exit close.
#include <algorithm>
#include <stdexcept>

#include "cli/capture_converter.h"

namespace fdlab::capture {

std::vector<int> Converter::arrange(Proc& p, const std::vector<int>& nums, int maybe_free_below) {
  for (int n : nums)
    if (p.fds.count(n)) free_number(p, n);
  const int top = *std::max_element(nums.begin(), nums.end());
  const std::set<int> wanted(nums.begin(), nums.end());
  std::vector<int> free;
  bool gaps = false;
  for (int k = 0; k < top; ++k) {
    if (p.fds.count(k)) continue;
    free.push_back(k);
    gaps |= !wanted.count(k);
  }
  if (!gaps) return {};
  // Every free number below the highest new one is opened, lowest first (each open takes the
  // lowest free number): the new fds' own numbers and those the program may have free get
  // fillers, the others (held in the program by fds the model does not follow) placeholders.
  std::vector<int> now, after;
  for (int k : free) {
    if (wanted.count(k)) {
      open_filler(p, k);
      now.push_back(k);
    } else if (k < maybe_free_below) {
      open_filler(p, k);
      after.push_back(k);
    } else {
      open_placeholder(p, k);
    }
  }
  close_all(p, now, "");
  return after;
}

void Converter::close_all(Proc& p, const std::vector<int>& nums, const std::string& comment) {
  for (int n : nums) close_entry(p, n, comment);
}

void Converter::free_number(Proc& p, int n) {
  const FdEntry e = p.fds.at(n);
  if (e.kind == FdEntry::Kind::initial) {
    close_entry(p, n,
                "fd " + std::to_string(n) +
                    " was closed in the program by a call the "
                    "capture does not record (one of the first three)");
  } else if (e.tracked) {
    close_entry(p, n, "");
    note_last(true, "fd " + std::to_string(n) + " (" + e.label + ") of " + p.name +
                        " was closed or replaced without a call the capture saw; its close "
                        "is placed where the capture noticed it");
  } else {
    close_entry(
        p, n,
        "the program's fd " + std::to_string(n) + " is no longer what this placeholder stood for");
  }
}

void Converter::open_placeholder(Proc& p, int n, const std::string& key) {
  if (p.lowest_free() != n)
    throw std::logic_error("capture: a placeholder for fd " + std::to_string(n) + " of " + p.name +
                           " would land at " + std::to_string(p.lowest_free()));
  const std::string obj = new_object("untracked");
  const std::string label = fd_label(obj);
  emit(p, {{"op", "open"}, {"kind", "dev_null"}, {"as", {label}}, {"expect", {{"ret", n}}}},
       "placeholder: the program's fd " + std::to_string(n) +
           " is open on something the model does not follow");
  p.fds[n] = FdEntry{FdEntry::Kind::object, label, obj, false, false};
  if (!key.empty()) key_objects_[key] = obj;
}

void Converter::placeholder_at(Proc& p, int n, const std::string& key) {
  const auto it = p.fds.find(n);
  if (it != p.fds.end() && it->second.kind == FdEntry::Kind::object && !it->second.tracked) {
    const auto known = key_objects_.find(key);
    if (known == key_objects_.end() || known->second == it->second.object) {
      key_objects_[key] = it->second.object;
      return;
    }
  }
  const auto fillers = arrange(p, {n}, n);
  open_placeholder(p, n, key);
  close_all(p, fillers, "");
}

void Converter::open_filler(Proc& p, int n) {
  if (p.lowest_free() != n)
    throw std::logic_error("capture: a filler for fd " + std::to_string(n) + " of " + p.name +
                           " would land at " + std::to_string(p.lowest_free()));
  const std::string obj = new_object("filler");
  const std::string label = fd_label(obj);
  emit(p, {{"op", "open"}, {"kind", "dev_null"}, {"as", {label}}, {"expect", {{"ret", n}}}},
       "filler: holds fd " + std::to_string(n) +
           " for a moment, so that the next fd gets the program's number");
  p.fds[n] = FdEntry{FdEntry::Kind::filler, label, obj, false, false};
}

void Converter::close_entry(Proc& p, int n, const std::string& comment) {
  const FdEntry e = p.fds.at(n);
  json fd = e.label.empty() ? json(n) : json(e.label);
  emit(p, {{"op", "close"}, {"fd", fd}, {"expect", {{"ret", 0}}}}, comment);
  p.fds.erase(n);
}

json Converter::fd_ref(Proc& p, int n) {
  const auto it = p.fds.find(n);
  if (it != p.fds.end()) return it->second.label.empty() ? json(n) : json(it->second.label);
  note(true,
       "fd " + std::to_string(n) + " of " + p.name +
           " is one the program got in a way the capture did not see; the step uses the "
           "number",
       static_cast<int>(steps_.size()));
  return n;
}

void Converter::give_copy(Proc& from, int from_fd, Proc& to, int n, bool cloexec) {
  const FdEntry src = from.fds.at(from_fd);
  const int q = from.lowest_free();
  const std::string label = fd_label(src.object);
  emit(from, {{"op", "dup"}, {"fd", src.label}, {"as", {label}}, {"expect", {{"ret", q}}}},
       "a copy of fd " + std::to_string(from_fd) + " for " + to.name);
  emit(from, {{"op", "give"}, {"fd", label}, {"to", to.name}, {"expect", {{"ret", n}}}},
       "so that " + to.name + " holds it as fd " + std::to_string(n) + ", as in the program");
  to.fds[n] = FdEntry{FdEntry::Kind::object, label, src.object, src.tracked, false};
  if (cloexec) {
    emit(to,
         {{"op", "fcntl"},
          {"fd", label},
          {"cmd", "F_SETFD"},
          {"arg", {"FD_CLOEXEC"}},
          {"expect", {{"ret", 0}}}},
         "close-on-exec, as in the program");
    to.fds[n].cloexec = true;
  }
}

void Converter::mirror_fork(Proc& parent, Proc& child, const json& fds) {
  std::map<int, bool> cloexec;
  for (const auto& f : fds) cloexec[f["fd"].get<int>()] = f["cloexec"].get<bool>();
  std::vector<int> numbers;
  for (const auto& [n, e] : parent.fds)
    if (e.kind == FdEntry::Kind::object) numbers.push_back(n);
  note(false,
       parent.name + " forked " + child.name + " (pid " + std::to_string(child.pid) +
           "): the scenario has no fork, so the child's fds are copies its parent gives it (dup, "
           "give), at the same numbers",
       static_cast<int>(steps_.size()));
  std::vector<int> fillers;
  for (int n : numbers) {
    const auto it = child.fds.find(n);
    if (it != child.fds.end())
      close_entry(child, n, "the parent's fd " + std::to_string(n) + " is not its first /dev/null");
    while (child.lowest_free() < n) {
      fillers.push_back(child.lowest_free());
      open_filler(child, child.lowest_free());
    }
    const bool ce = cloexec.count(n) ? cloexec[n] : parent.fds.at(n).cloexec;
    give_copy(parent, n, child, n, ce);
  }
  for (int fd = 0; fd < 3; ++fd)
    if (!parent.fds.count(fd) && child.fds.count(fd) &&
        child.fds[fd].kind == FdEntry::Kind::initial)
      close_entry(child, fd, "closed in the parent when it forked");
  close_all(child, fillers, "");
}

void Converter::inherit(Proc& child, long ppid, const json& fds) {
  note(false,
       child.name + " (pid " + std::to_string(child.pid) +
           ") started holding tracked fds it got without a fork the capture saw (posix_spawn, "
           "clone): copies are given to it by processes that hold them",
       static_cast<int>(steps_.size()));
  std::vector<int> fillers;
  for (const auto& f : fds) {
    const int n = f["fd"].get<int>();
    const std::string obj = object_of_key(f["key"]);
    Proc* holder = nullptr;
    int holder_fd = -1;
    std::vector<Proc*> order;
    if (Proc* parent = live_proc(ppid)) order.push_back(parent);
    for (auto& p : procs_)
      if (!p.ended && &p != &child) order.push_back(&p);
    for (Proc* p : order) {
      for (const auto& [fd, e] : p->fds)
        if (!obj.empty() && e.kind == FdEntry::Kind::object && e.object == obj) {
          holder = p;
          holder_fd = fd;
          break;
        }
      if (holder) break;
    }
    if (child.fds.count(n)) close_entry(child, n, "not the first /dev/null in the program");
    while (child.lowest_free() < n) {
      fillers.push_back(child.lowest_free());
      open_filler(child, child.lowest_free());
    }
    if (holder) {
      give_copy(*holder, holder_fd, child, n, f["cloexec"].get<bool>());
    } else {
      note(true,
           child.name + " started with fd " + std::to_string(n) +
               " on an object no captured process holds any more: a placeholder instead",
           static_cast<int>(steps_.size()));
      open_placeholder(child, n, f["key"].is_string() ? f["key"].get<std::string>() : "");
    }
  }
  close_all(child, fillers, "");
}

void Converter::exec_process(Proc& p, const json& r) {
  std::set<int> kept;
  for (const auto& f : r["fds"]) kept.insert(f["fd"].get<int>());
  note(false,
       p.name + " executed " + r["argv0"].get<std::string>() +
           "; capturing goes on (LD_PRELOAD is inherited)",
       static_cast<int>(steps_.size()));
  std::vector<int> numbers;
  for (const auto& [n, e] : p.fds)
    if (e.kind != FdEntry::Kind::initial && !(e.tracked && kept.count(n))) numbers.push_back(n);
  for (int n : numbers)
    close_entry(p, n,
                p.fds.at(n).tracked
                    ? "exec closed it (FD_CLOEXEC)"
                    : "exec: what this placeholder stood for may be gone (FD_CLOEXEC); "
                      "the number is filled again when needed");
  for (int n : kept)
    if (!p.fds.count(n))
      note(true,
           "after exec, " + p.name + " holds fd " + std::to_string(n) +
               ", which the scenario does not have there",
           static_cast<int>(steps_.size()));
}

void Converter::end_process(Proc& p, const std::string& how) {
  std::vector<int> numbers;
  for (const auto& [n, e] : p.fds)
    if (e.kind != FdEntry::Kind::initial) numbers.push_back(n);
  for (int n : numbers)
    close_entry(p, n, "the process ends (" + how + "): the kernel closes its fds, lowest first");
  p.ended = true;
  pids_[p.pid].proc = -1;
}

void Converter::on_exit(const json& r) {
  Proc* p = live_proc(r["pid"].get<long>());
  if (!p) return;
  const std::string how = r["how"].get<std::string>();
  if (r.value("reaped", false))
    note(false,
         p->name + " (pid " + std::to_string(p->pid) + ") was killed by " + how +
             ": its fds are closed where fdlab reaped it, which may be later than the "
             "kernel closed them (a step of another process that saw them closed would "
             "then fail its replay)",
         static_cast<int>(steps_.size()));
  end_process(*p, how == "SIGPIPE" ? "killed by the SIGPIPE of its last step" : how);
}

void Converter::on_lost(const json& r) {
  Proc* p = live_proc(r["pid"].get<long>());
  const int fd = r["fd"].get<int>();
  if (!p || !p->fds.count(fd)) return;
  free_number(*p, fd);
}

}  // namespace fdlab::capture
