// The sim's fds 0, 1, 2 against what Linux did with /dev/null opened O_RDWR and dup'ed to 0, 1
// and 2 (a C probe on 6.18.44, table in scenarios/process/README.md), which is what the native
// backend gives every scenario process.
#include <gtest/gtest.h>

#include "sim/sim_kernel.h"

namespace fdlab::sim {
namespace {

TEST(SimStdio, ReadIsEofWriteTakesEverythingAndLseekIsAlwaysZero) {
  SimKernel k;
  ProcId p = k.add_process();
  Outcome r = k.read(p, 0, 16);
  EXPECT_EQ(r.err, Errno::ok);
  EXPECT_EQ(r.ret, 0);
  EXPECT_EQ(r.data, "");
  EXPECT_EQ(k.write(p, 1, "hello").ret, 5);
  EXPECT_EQ(k.write(p, 2, std::string(70000, 'x')).ret, 70000);
  EXPECT_EQ(k.lseek(p, 1, 5, Whence::set).ret, 0);
  EXPECT_EQ(k.lseek(p, 1, -5, Whence::cur).ret, 0);
  EXPECT_EQ(k.lseek(p, 0, 7, Whence::end).ret, 0);
  Outcome neg = k.lseek(p, 2, -100, Whence::set);  // null_lseek: no EINVAL either
  EXPECT_EQ(neg.err, Errno::ok);
  EXPECT_EQ(neg.ret, 0);
}

TEST(SimStdio, TheThreeShareOneDescriptionAndEachProcessHasItsOwn) {
  SimKernel k;
  ProcId p = k.add_process(), q = k.add_process();
  EXPECT_EQ(k.fcntl(p, 0, FcntlCmd::getfl, 0).ret, fl::rdwr);
  EXPECT_EQ(k.fcntl(p, 1, FcntlCmd::getfd, 0).ret, 0);
  EXPECT_EQ(k.fcntl(p, 0, FcntlCmd::setfl, fl::nonblock | fl::append).err, Errno::ok);
  EXPECT_EQ(k.fcntl(p, 2, FcntlCmd::getfl, 0).ret, fl::rdwr | fl::nonblock | fl::append);
  EXPECT_EQ(k.fcntl(q, 0, FcntlCmd::getfl, 0).ret, fl::rdwr);
  // F_SETFL cannot change the access mode.
  EXPECT_EQ(k.fcntl(q, 0, FcntlCmd::setfl, fl::rdonly).err, Errno::ok);
  EXPECT_EQ(k.fcntl(q, 1, FcntlCmd::getfl, 0).ret, fl::rdwr);
}

TEST(SimStdio, TheyAreNotSocketsButCanBeDupedSentAndClosed) {
  SimKernel k;
  ProcId p = k.add_process();
  SendArgs one;
  one.data = "x";
  EXPECT_EQ(k.sendmsg(p, 1, one).err, Errno::enotsock);
  EXPECT_EQ(k.shutdown(p, 0, ShutHow::rdwr).err, Errno::enotsock);
  EXPECT_EQ(k.dup(p, 1).ret, 3);
  EXPECT_EQ(k.close(p, 0).err, Errno::ok);
  EXPECT_EQ(k.open_temp(p).ret, 0);
  EXPECT_EQ(k.finish().leaked, 0);
}

TEST(SimStdio, TheSnapshotNamesThemDevNullOncePerProcess) {
  SimKernel k;
  k.add_process();
  k.add_process();
  nlohmann::json s = k.snapshot();
  int seen = 0;
  for (const auto& o : s["objects"]) {
    if (o["kind"] != "dev_null") continue;
    ++seen;
    EXPECT_EQ(o["object"], 0);
    EXPECT_EQ(o["refs"], 3);
    EXPECT_EQ(o["status"], nlohmann::json::array({"O_RDWR"}));
  }
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace fdlab::sim
