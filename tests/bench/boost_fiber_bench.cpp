// The Boost.Fiber peer (see peer_bench.hpp). A file of its own: Boost.Fiber
// defines a cpu_relax() macro, which would rewrite the library's
// detail::cpu_relax() that the other peers use.
#include <boost/fiber/buffered_channel.hpp>
#include <boost/fiber/fiber.hpp>
#include <thread>

#include "peer_bench.hpp"

namespace bench {

Figure boost_fiber_pingpong(const Plan& plan) {
  namespace fibers = boost::fibers;
  fibers::buffered_channel<long> in(2), out(2);  // a capacity is a power of two
  std::thread worker([&] {
    fibers::fiber answering([&] {
      long v;
      while (in.pop(v) == fibers::channel_op_status::success) out.push(v + 1);
    });
    answering.join();
  });
  const Figure f = per_op<Micros>(plan, plan.ops(200000), [&](std::size_t ops) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < ops; ++i) {
      const long sent = static_cast<long>(i);
      in.push(sent);
      long v = -1;
      out.pop(v);
      check(v == sent + 1, "boost.fiber ping-pong returns the number plus one");
    }
    return Clock::now() - start;
  });
  in.close();
  worker.join();
  return f;
}

Figure boost_fiber_contention(const Plan& plan, int producers) {
  namespace fibers = boost::fibers;
  // A buffered_channel of capacity 64 holds 63 items: the nearest to 64 it allows.
  fibers::buffered_channel<long> in(64), out(64);
  std::thread forwarding([&] {
    auto forward = [&] {
      long v;
      while (in.pop(v) == fibers::channel_op_status::success) out.push(v);
    };
    fibers::fiber a(forward), b(forward);
    a.join();
    b.join();
  });
  const Figure cost = per_op<Nanos>(plan, contention_ops(plan, producers), [&](std::size_t ops) {
    return contend(
        producers, ops, [&](long v) { in.push(v); },
        [&] {
          long v = -1;
          out.pop(v);
          return v;
        });
  });
  in.close();
  forwarding.join();
  return per_second(cost);
}

}  // namespace bench
