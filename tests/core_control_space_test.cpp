// Expectations from include/linux/socket.h and include/net/scm.h on x86-64, and from probes on
// Linux 6.18 (controllen 17 and 19 receive no fd, 20 receives one, 24 receives two).
#include <gtest/gtest.h>

#include "core/control_space.h"

namespace fdlab {

TEST(ControlSpace, MatchesTheX86_64CmsgMacros) {
  EXPECT_EQ(cmsg::len(4), 20u);
  EXPECT_EQ(cmsg::space(4), 24u);
  EXPECT_EQ(cmsg::space(8), 24u);
  EXPECT_EQ(cmsg::space(12), 32u);
  EXPECT_EQ(cmsg::space(0), 16u);
}

TEST(ControlSpace, RoomForFdsFollowsScmMaxFds) {
  EXPECT_EQ(cmsg::max_fds_for_control_len(0), 0u);
  EXPECT_EQ(cmsg::max_fds_for_control_len(16), 0u);
  EXPECT_EQ(cmsg::max_fds_for_control_len(19), 0u);
  EXPECT_EQ(cmsg::max_fds_for_control_len(20), 1u);
  EXPECT_EQ(cmsg::max_fds_for_control_len(cmsg::space(4)), 2u);
}

TEST(ControlSpace, NoControlBufferDropsFdsWithCtrunc) {
  FdDelivery d = deliver_fds(false, 0, 3);
  EXPECT_EQ(d.installed, 0u);
  EXPECT_TRUE(d.ctrunc);
}

TEST(ControlSpace, NoFdsMeansNoCtruncEvenWithoutBuffer) {
  EXPECT_FALSE(deliver_fds(false, 0, 0).ctrunc);
}

TEST(ControlSpace, TooSmallBufferInstallsWhatFitsAndTruncates) {
  FdDelivery d = deliver_fds(true, cmsg::space(4), 3);
  EXPECT_EQ(d.installed, 2u);
  EXPECT_TRUE(d.ctrunc);
}

TEST(ControlSpace, BufferTooSmallForOneFdTruncates) {
  FdDelivery d = deliver_fds(true, 17, 1);
  EXPECT_EQ(d.installed, 0u);
  EXPECT_TRUE(d.ctrunc);
}

// scm_detach_fds_compat: CMSG_SPACE(sizeof(int)) is 16 bytes on ILP32 and holds one fd, where
// x86-64's 24 bytes hold two.
TEST(ControlSpace, Ilp32RoundingGivesNoSecondFd) {
  EXPECT_EQ(cmsg::ilp32.space(4), 16u);
  FdDelivery d = deliver_fds(true, cmsg::ilp32.space(4), 3, cmsg::ilp32);
  EXPECT_EQ(d.installed, 1u);
  EXPECT_TRUE(d.ctrunc);
  ControlWriter w(true, cmsg::ilp32.space(4), cmsg::ilp32);
  EXPECT_EQ(w.fd_room(), 1u);
  w.put_fds(1, 3);
  EXPECT_EQ(w.used(), 16u);
  EXPECT_EQ(w.cmsgs().back().len, 16u);  // CMSG_LEN(4) on ILP32
  EXPECT_TRUE(w.ctrunc());
}

TEST(ControlSpace, ExactFitIsNotTruncated) {
  FdDelivery d = deliver_fds(true, cmsg::space(4 * 253), 253);
  EXPECT_EQ(d.installed, 253u);
  EXPECT_FALSE(d.ctrunc);
}

}  // namespace fdlab
