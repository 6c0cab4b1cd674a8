// The usocket reference model (core/usocket/) on the simulator: the rules the README leaves to
// the library author, pinned piece by piece. Runs in the native and wasm builds.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/level.h"
#include "core/usocket/event_loop.h"
#include "core/usocket/kernel_named_sockets.h"
#include "sim/sim_kernel.h"

namespace fdlab::usocket {
namespace {

struct Pair {
  sim::SimKernel k;
  ProcId p = k.add_process();
  KernelNamedSockets named{k};
  EventLoop loop{k, named};
  USocket* w = nullptr;
  USocket* r = nullptr;
  Pair() {
    const Outcome o = k.socketpair(p, SockType::stream, false, false);
    w = &loop.new_socket(p);
    r = &loop.new_socket(p);
    EXPECT_TRUE(w->adopt(o.fds[0].fd, -1, true).ok());
    EXPECT_TRUE(r->adopt(o.fds[1].fd, -1, true).ok());
    loop.run();
    loop.log().take();
  }
  int file() { return k.open_temp(p).fds[0].fd; }
  std::vector<std::string> names() {
    std::vector<std::string> out;
    for (const auto& e : canonical_order(loop.log().take())) out.push_back(e.name);
    return out;
  }
};

TEST(UsocketModel, RefusesFdsWithoutDataInsteadOfDroppingThem) {
  Pair t;
  WriteRequest w;
  w.fds = {t.file()};
  EXPECT_EQ(t.w->write(w).code(), error::fds_without_data);
  t.loop.run();
  EXPECT_TRUE(t.r->read(std::nullopt, std::nullopt).null);
}

TEST(UsocketModel, CallsTheWriteCallbackFromTheLoopNotFromWrite) {
  Pair t;
  WriteRequest w;
  w.data = "abc";
  w.callback = 7;
  EXPECT_TRUE(t.w->write(w).ok());
  EXPECT_TRUE(t.loop.log().take().empty());
  t.loop.run();
  const auto events = canonical_order(t.loop.log().take());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].name, "callback");
  EXPECT_EQ(events[0].step, 7);
}

TEST(UsocketModel, TwoArgumentReadIsNullUntilTheAskedFdsArrive) {
  Pair t;
  WriteRequest w;
  w.data = "x";
  ASSERT_TRUE(t.w->write(w).ok());
  t.loop.run();
  EXPECT_TRUE(t.r->read(std::nullopt, std::size_t{1}).null);
  const ReadResult got = t.r->read(std::nullopt, std::size_t{0});
  ASSERT_FALSE(got.null);
  EXPECT_EQ(got.data.value_or(""), "x");
}

TEST(UsocketModel, UnshiftPutsFdsBackInFrontInTheirOrder) {
  Pair t;
  const int f1 = t.file(), f2 = t.file();
  WriteRequest w;
  w.data = "ab";
  w.fds = {f1, f2};
  ASSERT_TRUE(t.w->write(w).ok());
  t.loop.run();
  const ReadResult all = t.r->read(std::nullopt, std::nullopt);
  ASSERT_EQ(all.fds.size(), 2u);
  t.r->unshift("", all.fds);
  const ReadResult first = t.r->read(std::nullopt, std::size_t{1});
  ASSERT_EQ(first.fds.size(), 1u);
  EXPECT_EQ(first.fds[0].object, all.fds[0].object);
}

TEST(UsocketModel, StopsReceivingAtTheHighWaterMarkSoTheWriterWaits) {
  Pair t;
  WriteRequest w;
  w.data = std::string(4u << 20, 'a');
  w.callback = 1;
  ASSERT_TRUE(t.w->write(w).ok());
  t.loop.run();
  for (const auto& n : t.names()) EXPECT_NE(n, "callback");
  std::size_t got = 0;
  bool called = false;
  // Each round reads what is buffered and lets the loop refill; a bounded number of rounds,
  // so a model that stops moving data fails here instead of hanging.
  for (int round = 0; round < 100000 && got < w.data.size(); ++round) {
    const ReadResult r = t.r->read(std::nullopt);
    if (r.data) got += r.data->size();
    t.loop.run();
    for (const auto& n : t.names()) called |= n == "callback";
  }
  EXPECT_EQ(got, w.data.size());
  EXPECT_TRUE(called);
}

// Fills the kernel buffer with one large chunk (sent in part), then queues `small` more.
std::vector<bool> fill_then_write(Pair& t, int small) {
  std::vector<bool> returned;
  WriteRequest big;
  big.data = std::string(1u << 20, 'a');
  returned.push_back(t.w->write(big).value().value_or(false));
  for (int i = 0; i < small; ++i) {
    WriteRequest w;
    w.data = "b";
    returned.push_back(t.w->write(w).value().value_or(false));
  }
  return returned;
}

// Reads until the writer has nothing left to send; the names of the events on the way.
std::vector<std::string> drain_reader(Pair& t) {
  std::vector<std::string> seen;
  for (int round = 0; round < 100000; ++round) {
    const ReadResult r = t.r->read(std::nullopt);
    t.loop.run();
    for (const auto& n : t.names()) seen.push_back(n);
    if (r.null && t.r->read(std::nullopt).null) break;
  }
  return seen;
}

TEST(UsocketModel, WriteReturnsFalseFromTheSixteenthChunkNotYetSent) {
  Pair t;
  const std::vector<bool> returned = fill_then_write(t, 16);
  ASSERT_EQ(returned.size(), 17u);
  for (std::size_t i = 0; i < 15; ++i) EXPECT_TRUE(returned[i]) << "chunk " << i;
  EXPECT_FALSE(returned[15]);
  EXPECT_FALSE(returned[16]);
}

TEST(UsocketModel, AWriteSentAtOnceKeepsNothingPending) {
  Pair t;
  for (int i = 0; i < 40; ++i) {
    WriteRequest w;
    w.data = "x";
    EXPECT_EQ(t.w->write(w).value(), std::optional<bool>(true)) << "write " << i;
  }
}

TEST(UsocketModel, DrainComesFromTheLoopOnceEverythingWasSent) {
  Pair t;
  fill_then_write(t, 15);
  EXPECT_TRUE(t.loop.log().take().empty());
  const auto seen = drain_reader(t);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "drain"), 1);
}

TEST(UsocketModel, NoDrainAfterEnd) {
  Pair t;
  fill_then_write(t, 15);
  ASSERT_TRUE(t.w->end(std::nullopt, -1).ok());
  const auto seen = drain_reader(t);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "end"), 1);  // everything was sent
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "drain"), 0);
}

TEST(UsocketModel, ReceivedFdsAreCloseOnExec) {
  Pair t;
  WriteRequest w;
  w.data = "x";
  w.fds = {t.file()};
  ASSERT_TRUE(t.w->write(w).ok());
  t.loop.run();
  const ReadResult got = t.r->read(std::nullopt, std::size_t{1});
  ASSERT_EQ(got.fds.size(), 1u);
  EXPECT_TRUE(got.fds[0].cloexec);
}

TEST(UsocketModel, CollapsesRepeatedReadableIntoTheLastOne) {
  std::vector<UEvent> in(4);
  in[0].on = 1, in[0].name = "readable";
  in[1].on = 0, in[1].name = "close";
  in[2].on = 1, in[2].name = "fds";
  in[3].on = 1, in[3].name = "readable";
  const auto out = canonical_order(in);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].name, "close");
  EXPECT_EQ(out[1].name, "fds");
  EXPECT_EQ(out[2].name, "readable");
}

// A run's `as` labels connections for the run's process; one accepted by another process's
// server lives there, and the label would let the run's process use it with its own fd numbers.
// The parser cannot know which server accepts; the replay refuses it, naming step and field.
TEST(UsocketModel, ARunMayNotLabelAConnectionAcceptedByAnotherProcess) {
  const Scenario sc = parse_scenario(R"({"fdlab": 1, "id": "t/x", "level": "usocket",
    "title": "t", "provenance": ["t"], "rules": [], "processes": ["p", "q"], "steps": [
    {"proc": "p", "op": "userver", "as": "srv"},
    {"proc": "p", "op": "listen", "server": "srv", "path": "s.sock"},
    {"proc": "q", "op": "usocket", "as": "c", "path": "s.sock"},
    {"proc": "q", "op": "run", "as": ["conn"]},
    {"proc": "q", "op": "write", "socket": "conn", "data": "x"}]})",
                                     "t.json");
  sim::SimKernel k;
  const ReplayReport r = replay(sc, k);
  EXPECT_NE(r.error.find("step 3: field 'as': connection 'conn' was accepted by a server of "
                         "another process"),
            std::string::npos)
      << r.error;
  EXPECT_EQ(r.trace.size(), 3u);  // the steps before it ran
}

}  // namespace
}  // namespace fdlab::usocket
