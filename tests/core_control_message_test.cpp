// core/control_message: the bytes of a stated msg_control, and __scm_send's reading of them
// (the rules are checked on the kernel by scenarios/control; these pin the layout and the
// parser's answers for cases a scenario cannot isolate).
#include "core/control_message.h"

#include <gtest/gtest.h>

#include <set>

#include "core/control_space.h"

namespace fdlab {
namespace {

class FakeHost : public ScmSendHost {
 public:
  std::set<int> open{3, 4, 5};
  bool fd_open(int fd) const override { return open.count(fd) > 0; }
  bool pid_exists(std::int64_t pid) const override { return pid == 1 || pid == 77; }
  std::int64_t own_pid() const override { return 77; }
};

SendCmsg rights(std::vector<int> fds) {
  SendCmsg c;
  c.kind = SendCmsg::Kind::rights;
  c.fds = std::move(fds);
  return c;
}

SendControl control(std::vector<SendCmsg> cmsgs) {
  SendControl c;
  c.given = true;
  c.cmsgs = std::move(cmsgs);
  return c;
}

const CredNumbers kOwn{77, 0, 0};

TEST(ControlImage, EachCmsgStartsAtTheNextCmsgSpaceBoundary) {
  const std::string image = control_image(control({rights({3}), rights({4, 5})}), kOwn);
  ASSERT_EQ(image.size(), cmsg::space(4) + cmsg::space(8));  // 24 + 24
  EXPECT_EQ(static_cast<unsigned char>(image[0]), 20);         // cmsg_len of the first
  EXPECT_EQ(static_cast<unsigned char>(image[8]), 1);          // SOL_SOCKET
  EXPECT_EQ(static_cast<unsigned char>(image[12]), 1);         // SCM_RIGHTS
  EXPECT_EQ(static_cast<unsigned char>(image[16]), 3);         // the fd
  EXPECT_EQ(static_cast<unsigned char>(image[24]), 24);        // the second header
}

TEST(ControlImage, MsgControllenCutsOrPadsWithZeros) {
  SendControl c = control({rights({3})});
  c.controllen = 40;
  EXPECT_EQ(control_image(c, kOwn), control_image(control({rights({3})}), kOwn) + std::string(16, '\0'));
  c.controllen = 8;
  EXPECT_EQ(control_image(c, kOwn).size(), 8u);
}

// wasm32 and i386 (and a 64-bit kernel's compat path): a 12-byte header with a 4-byte
// cmsg_len, aligned to 4.
TEST(ControlImage, Ilp32LayoutPacksHeadersOfTwelveBytes) {
  const std::string image =
      control_image(control({rights({3}), rights({4, 5})}), kOwn, cmsg::ilp32);
  ASSERT_EQ(image.size(), cmsg::ilp32.space(4) + cmsg::ilp32.space(8));  // 16 + 20
  EXPECT_EQ(static_cast<unsigned char>(image[0]), 16);                    // cmsg_len
  EXPECT_EQ(static_cast<unsigned char>(image[4]), 1);                     // SOL_SOCKET
  EXPECT_EQ(static_cast<unsigned char>(image[8]), 1);                     // SCM_RIGHTS
  EXPECT_EQ(static_cast<unsigned char>(image[12]), 3);                    // the fd
  EXPECT_EQ(static_cast<unsigned char>(image[16]), 20);                   // the second header
  const ScmSend s = scm_send(image, FakeHost(), nullptr, cmsg::ilp32);
  EXPECT_EQ(s.err, Errno::ok);
  EXPECT_EQ(s.fds, (std::vector<int>{3, 4, 5}));
  // Read with the other layout, the same bytes are a malformed cmsg, not the same fds.
  EXPECT_NE(scm_send(image, FakeHost()).fds, s.fds);
}

TEST(ScmSend, WalksEveryCmsgAndMergesRights) {
  const ScmSend s = scm_send(control_image(control({rights({3}), rights({4, 5})}), kOwn), FakeHost());
  EXPECT_EQ(s.err, Errno::ok);
  EXPECT_EQ(s.fds, (std::vector<int>{3, 4, 5}));
}

TEST(ScmSend, ShortOrOverlongCmsgLenIsEinval) {
  SendCmsg c = rights({3});
  c.cmsg_len = 15;
  EXPECT_EQ(scm_send(control_image(control({c}), kOwn), FakeHost()).err, Errno::einval);
  c.cmsg_len = 25;  // past the 24 bytes of the buffer
  EXPECT_EQ(scm_send(control_image(control({c}), kOwn), FakeHost()).err, Errno::einval);
  c.cmsg_len = 23;  // within the buffer; one whole int, the cut second one is not read
  EXPECT_EQ(scm_send(control_image(control({c}), kOwn), FakeHost()).fds, std::vector<int>{3});
  c.cmsg_len = 24;  // exactly the buffer: two ints, the second the padding's 0 (not open here)
  EXPECT_EQ(scm_send(control_image(control({c}), kOwn), FakeHost()).err, Errno::ebadf);
}

TEST(ScmSend, AFailureDropsTheFdsAlreadyTaken) {
  const ScmSend s = scm_send(control_image(control({rights({3}), rights({9})}), kOwn), FakeHost());
  EXPECT_EQ(s.err, Errno::ebadf);
  EXPECT_TRUE(s.fds.empty());
}

TEST(ScmSend, CredentialsCheckIdsBeforeThePid) {
  SendCmsg c;
  c.kind = SendCmsg::Kind::creds;
  c.pid = {CredArg::Kind::number, 4242424};  // no such pid
  c.gid = {CredArg::Kind::number, 0xffffffffLL};
  EXPECT_EQ(scm_send(control_image(control({c}), kOwn), FakeHost()).err, Errno::einval);
  c.gid = {};
  EXPECT_EQ(scm_send(control_image(control({c}), kOwn), FakeHost()).err, Errno::esrch);
  c.pid = {CredArg::Kind::init, 0};
  const ScmSend s = scm_send(control_image(control({c}), kOwn), FakeHost());
  ASSERT_TRUE(s.creds.has_value());
  EXPECT_EQ(*s.creds, (WireCreds{1, 0, 0}));
}

TEST(ControlWriter, CutsACmsgThatDoesNotFitAndCountsWhatItUsed) {
  ControlWriter w(true, 20);
  EXPECT_EQ(w.put(cmsg::scm_credentials, cmsg::ucred_size), 4u);  // only the pid fits
  EXPECT_TRUE(w.ctrunc());
  EXPECT_EQ(w.used(), 20u);
  EXPECT_EQ(w.fd_room(), 0u);
  ControlWriter none(false, 64);  // NULL msg_control, whatever its length
  EXPECT_EQ(none.put(cmsg::scm_credentials, cmsg::ucred_size), 0u);
  EXPECT_TRUE(none.ctrunc());
  EXPECT_EQ(none.used(), 0u);
}

}  // namespace
}  // namespace fdlab
