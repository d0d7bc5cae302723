// Under Node only: the page has no process CPU time to read.
#include <emscripten.h>

#include "process_cpu_time.hpp"

EM_JS(double, node_process_cpu_seconds, (), {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
});

double process_cpu_seconds() { return node_process_cpu_seconds(); }
