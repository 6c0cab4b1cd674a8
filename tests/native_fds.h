#pragma once
// The fds open in one worker's table, read from /proc, for the native tests.
#include <dirent.h>
#include <sys/types.h>

#include <set>
#include <string>

namespace fdlab::testing {

inline std::set<int> fds_of(pid_t tid) {
  std::set<int> out;
  const std::string dir = "/proc/self/task/" + std::to_string(tid) + "/fd";
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d))
      if (e->d_name[0] != '.') out.insert(std::stoi(e->d_name));
    closedir(d);
  }
  return out;
}

}  // namespace fdlab::testing
