// Expectations measured with SIOCOUTQ on Linux 6.18 x86-64 (/tmp probe p4.c): the truesize
// charged for one stream send of each size, and how a nonblocking send is cut.
#include <gtest/gtest.h>

#include "core/send_buffer.h"

namespace fdlab {

TEST(SendBuffer, SmallSkbsAreChargedBySlabSize) {
  EXPECT_EQ(skb::stream_truesize(1), 768u);
  EXPECT_EQ(skb::stream_truesize(192), 768u);
  EXPECT_EQ(skb::stream_truesize(193), 1280u);
  EXPECT_EQ(skb::stream_truesize(704), 1280u);
  EXPECT_EQ(skb::stream_truesize(768), 2304u);
  EXPECT_EQ(skb::stream_truesize(1728), 2304u);
  EXPECT_EQ(skb::stream_truesize(1729), 4352u);
  EXPECT_EQ(skb::stream_truesize(3776), 4352u);
}

TEST(SendBuffer, LargeSkbsAddWholePages) {
  EXPECT_EQ(skb::stream_truesize(3777), 4864u);
  EXPECT_EQ(skb::stream_truesize(5000), 6400u);
  EXPECT_EQ(skb::stream_truesize(8193), 8960u);
  EXPECT_EQ(skb::stream_truesize(20000), 20736u);
  EXPECT_EQ(skb::stream_truesize(36544), 37120u);
}

TEST(SendBuffer, StreamSendsAreCutAt36544Bytes) {
  EXPECT_EQ(skb::stream_chunk(100000, skb::default_sndbuf), 36544u);
  EXPECT_EQ(skb::stream_chunk(5, skb::default_sndbuf), 5u);
}

TEST(SendBuffer, AllocationStopsOnlyOnceTheBufferIsFull) {
  EXPECT_TRUE(skb::may_allocate(212991, skb::default_sndbuf));
  EXPECT_FALSE(skb::may_allocate(212992, skb::default_sndbuf));
}

}  // namespace fdlab
