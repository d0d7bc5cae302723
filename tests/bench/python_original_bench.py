"""The Python original's ping-pong and task round trip, for threaded_async_bench.

    python3 python_original_bench.py PEER_DIR PINGPONG_OPS ROUNDTRIP_OPS REPETITIONS

PEER_DIR holds the original's threaded_async package. The same work as the
C++ benchmarks (library_bench.cpp): a thread put_waits a number, a task gets
it and puts it plus one on a second queue, the thread get_waits that; and
create_task(trivial()).wait() from a thread. Prints "name median" lines in
microseconds per round trip, the median of REPETITIONS runs after one warm-up
of a tenth of the size.
"""

import statistics
import sys
import time


def per_op_us(ops, repetitions, timed):
  timed(max(ops // 10, 1))
  samples = []
  for _ in range(repetitions):
    start = time.perf_counter()
    timed(ops)
    samples.append((time.perf_counter() - start) * 1e6 / ops)
  return statistics.median(samples)


def main():
  peer_dir, pingpong_ops, roundtrip_ops, repetitions = sys.argv[1:5]
  sys.path.insert(0, peer_dir)
  import threaded_async as ta  # pylint: disable=import-outside-toplevel

  async def increment_worker(in_queue, out_queue):
    while True:
      await out_queue.put(await in_queue.get() + 1)

  async def trivial():
    return 1

  with ta.AsyncRunner() as runner:
    in_queue, out_queue = ta.Queue(runner), ta.Queue(runner)
    worker = runner.create_task(increment_worker(in_queue, out_queue))

    def pingpong(ops):
      for sent in range(ops):
        in_queue.put_wait(sent)
        if out_queue.get_wait() != sent + 1:
          raise RuntimeError('queue ping-pong returns the number plus one')

    def roundtrip(ops):
      for _ in range(ops):
        if runner.create_task(trivial()).wait() != 1:
          raise RuntimeError("the task's result comes back")

    print('queue_pingpong_us %.6f' %
          per_op_us(int(pingpong_ops), int(repetitions), pingpong), flush=True)
    print('task_roundtrip_us %.6f' %
          per_op_us(int(roundtrip_ops), int(repetitions), roundtrip), flush=True)
    worker.cancel()


if __name__ == '__main__':
  main()
