# cmake -DBINARIES="<test binary>|<test binary>..." -P check_test_names.cmake
#
# catch_discover_tests registers one ctest test per Catch test case, by
# name. CMake splits a name at ';' (its list separator), so a test case
# whose name holds one is registered as two filters that match nothing:
# ctest reports both as passed and the case never runs. Fails on any such
# name, so none can hide from CI again.

string(REPLACE "|" ";" binaries "${BINARIES}")
foreach(bin IN LISTS binaries)
  execute_process(COMMAND "${bin}" --list-test-names-only OUTPUT_VARIABLE names RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 AND names STREQUAL "")
    message(FATAL_ERROR "${bin} --list-test-names-only failed (${rc})")
  endif()
  string(FIND "${names}" ";" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "${bin}: a test case name holds ';' (ctest would never run it); "
                        "list them with --list-test-names-only")
  endif()
endforeach()
