# cmake -DSHARDIS_SOURCE_DIR=<repo> -DBUILD_DIR=<dir> -DC_COMPILER=<cc>
#       -DCXX_COMPILER=<c++> -P embed_example.cmake
#
# Builds docs/examples/embed from scratch in BUILD_DIR, as another project
# would consume shardis, and runs it. The compilers are the main build's, so
# that ccache can serve the shardis objects the main build compiled.
# Precompiled headers are off in this build: ccache cannot cache a
# compilation that uses one, so with them every run would recompile
# actors/*.cpp; without them only the first run after a change does.

foreach(var SHARDIS_SOURCE_DIR BUILD_DIR C_COMPILER CXX_COMPILER)
  if(NOT ${var})
    message(FATAL_ERROR "embed_example.cmake needs -D${var}=...")
  endif()
endforeach()

function(run step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${step} failed (${rc})")
  endif()
endfunction()

file(REMOVE_RECURSE ${BUILD_DIR})
run("configuring the example" ${CMAKE_COMMAND}
  -S ${SHARDIS_SOURCE_DIR}/docs/examples/embed -B ${BUILD_DIR} -G Ninja
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON
  -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
  -DSHARDIS_SOURCE_DIR=${SHARDIS_SOURCE_DIR})

# Pulled in by another project, shardis must leave its tests out.
if(EXISTS ${BUILD_DIR}/shardis/tests)
  message(FATAL_ERROR "shardis configured its tests inside the example project")
endif()

run("building the example" ${CMAKE_COMMAND} --build ${BUILD_DIR} -j2)
run("running the example" ${BUILD_DIR}/embed_example)
