// The stream read rules of unix_stream_read_generic, with expectations from probes on Linux
// 6.18 (/tmp probes p1.c, p2.c): e.g. "ab" + "cd"[fd] + "ef" reads as "abcd" with the fd.
#include <gtest/gtest.h>

#include "core/recv_queue.h"

namespace fdlab {
namespace {

const FileRef kF{7};
const FileRef kG{9};

struct Q {
  RecvQueue q;
  void push(const char* s, std::vector<FileRef> fds = {}) {
    q.push(s, fds.data(), fds.size(), 768);
  }
  std::string read(std::size_t len, std::vector<FileRef>* fds = nullptr, bool peek = false) {
    std::string out;
    std::vector<FileRef> got;
    q.read_stream(len, peek, out, got);
    if (fds) *fds = got;
    return out;
  }
};

}  // namespace

TEST(RecvQueue, GluesPlainBytesInFrontOfSegmentCarryingFds) {
  Q t;
  t.push("ab");
  t.push("cd", {kF});
  t.push("ef");
  std::vector<FileRef> fds;
  EXPECT_EQ(t.read(64, &fds), "abcd");
  EXPECT_EQ(fds, std::vector<FileRef>{kF});
  EXPECT_EQ(t.read(64, &fds), "ef");
  EXPECT_TRUE(fds.empty());
}

TEST(RecvQueue, NeverMergesTwoSegmentsCarryingFds) {
  Q t;
  t.push("abcd", {kF});
  t.push("efgh", {kG});
  std::vector<FileRef> fds;
  EXPECT_EQ(t.read(64, &fds), "abcd");
  EXPECT_EQ(fds, std::vector<FileRef>{kF});
  EXPECT_EQ(t.read(64, &fds), "efgh");
  EXPECT_EQ(fds, std::vector<FileRef>{kG});
}

TEST(RecvQueue, PartialReadTakesFdsWithFirstBytesAndRestGluesOn) {
  Q t;
  t.push("abcd", {kF});
  t.push("efgh", {kG});
  std::vector<FileRef> fds;
  EXPECT_EQ(t.read(2, &fds), "ab");
  EXPECT_EQ(fds, std::vector<FileRef>{kF});
  // The rest of the first segment no longer carries fds, so the second is glued to it.
  EXPECT_EQ(t.read(64, &fds), "cdefgh");
  EXPECT_EQ(fds, std::vector<FileRef>{kG});
}

TEST(RecvQueue, ZeroLengthReadTakesTheFds) {
  Q t;
  t.push("ab", {kF});
  std::vector<FileRef> fds;
  EXPECT_EQ(t.read(0, &fds), "");
  EXPECT_EQ(fds, std::vector<FileRef>{kF});
  EXPECT_EQ(t.read(64, &fds), "ab");
  EXPECT_TRUE(fds.empty());
}

TEST(RecvQueue, PeekConsumesNothingAndSeesFdsEachTime) {
  Q t;
  t.push("ab");
  t.push("cd", {kF});
  std::vector<FileRef> fds;
  EXPECT_EQ(t.read(64, &fds, true), "abcd");
  EXPECT_EQ(fds, std::vector<FileRef>{kF});
  EXPECT_EQ(t.read(1, &fds, true), "a");
  EXPECT_EQ(t.read(64, &fds, true), "abcd");
  EXPECT_EQ(fds, std::vector<FileRef>{kF});
  EXPECT_EQ(t.q.unread_bytes(), 4u);
}

TEST(RecvQueue, ReadRunsOutWhenQueueEmpties) {
  Q t;
  t.push("ab");
  std::string out;
  std::vector<FileRef> fds;
  QueueRead r = t.q.read_stream(64, false, out, fds);
  EXPECT_EQ(r.copied, 2u);
  EXPECT_TRUE(r.ran_out);
  EXPECT_EQ(r.freed_truesize, 768u);
  EXPECT_TRUE(t.q.empty());
  EXPECT_EQ(t.q.truesize(), 0u);
}

TEST(RecvQueue, PartlyReadSegmentKeepsChargingItsWholeTruesize) {
  Q t;
  t.push("abcd");
  t.read(1);
  EXPECT_EQ(t.q.unread_bytes(), 3u);
  EXPECT_EQ(t.q.truesize(), 768u);
}

TEST(RecvQueue, MessageReadTruncatesAndDropsTheRest) {
  Q t;
  t.push("abcdef", {kF});
  t.push("");
  std::string out;
  std::vector<FileRef> fds;
  QueueRead r = t.q.read_message(2, false, out, fds);
  EXPECT_EQ(out, "ab");
  EXPECT_EQ(r.message_len, 6u);
  EXPECT_EQ(fds, std::vector<FileRef>{kF});
  out.clear();
  r = t.q.read_message(64, false, out, fds);
  EXPECT_TRUE(r.got_message);
  EXPECT_EQ(r.copied, 0u);
  EXPECT_TRUE(t.q.empty());
}

TEST(RecvQueue, ClearHandsBackEveryQueuedReference) {
  Q t;
  t.push("a", {kF, kG});
  t.push("b", {kF});
  std::vector<FileRef> fds;
  t.q.clear(fds);
  EXPECT_EQ(fds.size(), 3u);
  EXPECT_TRUE(t.q.empty());
}

TEST(RecvQueue, ReusesSlotsAcrossManyRounds) {
  Q t;
  for (int i = 0; i < 1000; ++i) {
    t.push("x", {kF});
    std::vector<FileRef> fds;
    EXPECT_EQ(t.read(64, &fds), "x");
    ASSERT_EQ(fds.size(), 1u);
  }
  EXPECT_TRUE(t.q.empty());
}

}  // namespace fdlab

namespace fdlab {

// Measured on Linux 6.18 (scenarios/stream/peek-returns-fds-of-later-bytes.json): the peek
// branch of unix_stream_read_generic walks on after the bytes asked for.
TEST(RecvQueue, PeekEndingOnASegmentBoundaryAlsoPeeksTheNextSegmentsFds) {
  Q t;
  t.push("abc");
  t.push("xy");
  t.push("def", {kF});
  std::vector<FileRef> fds;
  EXPECT_EQ(t.read(3, &fds, /*peek=*/true), "abc");
  EXPECT_EQ(fds, std::vector<FileRef>{kF});
  EXPECT_EQ(t.read(3, &fds), "abc");
  EXPECT_TRUE(fds.empty());
}

TEST(RecvQueue, ZeroLengthPeekOfPlainBytesReturnsNothingWithoutRunningOut) {
  Q t;
  t.push("plain");
  std::string out;
  std::vector<FileRef> got;
  const QueueRead r = t.q.read_stream(0, true, out, got);
  EXPECT_EQ(r.copied, 0u);
  EXPECT_FALSE(r.ran_out);
  EXPECT_TRUE(got.empty());
}

}  // namespace fdlab
