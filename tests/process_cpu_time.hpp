// The CPU time that this process has used so far, every thread's, in
// seconds: natively from the kernel (process_cpu_time_native.cpp), in
// WebAssembly from Node's process.cpuUsage() (process_cpu_time_emscripten.cpp).
#pragma once

double process_cpu_seconds();
