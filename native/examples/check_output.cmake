# Runs PROGRAM RUNS times and fails unless its standard output equals EXPECTED every time.
# cmake -DPROGRAM=... -DEXPECTED=... [-DRUNS=n] [-DLAUNCHER=...] -P check_output.cmake
if(NOT RUNS)
  set(RUNS 1)
endif()
file(READ ${EXPECTED} expected)
separate_arguments(launcher UNIX_COMMAND "${LAUNCHER}")
foreach(run RANGE 1 ${RUNS})
  execute_process(COMMAND ${launcher} ${PROGRAM} OUTPUT_VARIABLE actual RESULT_VARIABLE code
                  TIMEOUT 60)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "run ${run}: ${PROGRAM} exited with ${code}")
  endif()
  if(NOT actual STREQUAL expected)
    message(FATAL_ERROR "run ${run}: output differs from ${EXPECTED}\n--- got:\n${actual}--- expected:\n${expected}")
  endif()
endforeach()
message(STATUS "${PROGRAM}: ${RUNS} run(s) printed ${EXPECTED}")
