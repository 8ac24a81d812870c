# Helpers shared by every layer: one static library per folder, warnings on,
# the repository root as the include root (`#include "models/esm2.hpp"`).

function(plmkit_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(PLMKIT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(PLMKIT_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()

# plmkit_program(<target>): what every executable gets (plmkit, tests,
# benchmarks): the allocator chosen at configure time. --no-as-needed keeps
# the library although no symbol is looked up in it by name: it replaces
# malloc for the whole process.
function(plmkit_program target)
  if(PLMKIT_TCMALLOC AND PLMKIT_TCMALLOC_LIBRARY)
    target_link_libraries(${target} PRIVATE "-Wl,--push-state,--no-as-needed"
                          "${PLMKIT_TCMALLOC_LIBRARY}" "-Wl,--pop-state")
  endif()
endfunction()

# plmkit_layer(<target> <folder> [DEPS public...] [PRIVATE_DEPS private...])
# Every .cpp below <folder> belongs to the layer (new files need no CMake edit).
function(plmkit_layer target folder)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/${folder}/*.cpp")
  if(NOT sources)
    # A layer with no sources yet: header-only interface target.
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE "${PROJECT_SOURCE_DIR}")
    target_compile_features(${target} INTERFACE cxx_std_17)
    target_link_libraries(${target} INTERFACE ${ARG_DEPS} ${ARG_PRIVATE_DEPS})
    return()
  endif()
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC "${PROJECT_SOURCE_DIR}")
  target_compile_features(${target} PUBLIC cxx_std_17)
  target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  plmkit_warnings(${target})
endfunction()

# plmkit_test(<name> <folder> LIBS <libs...>): one Catch2 binary per test folder,
# registered with CTest as a single test (a process per test case would pay
# LibTorch/RDKit start-up for every case).
function(plmkit_test name folder)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/${folder}/*.cpp")
  if(NOT sources)
    return()
  endif()
  add_executable(${name} ${sources})
  # Paths reach the tests through tests/test_support.cpp only, so test
  # objects do not depend on where the checkout is (ccache hits across clones).
  target_link_libraries(${name} PRIVATE plmkit_catch_main ${ARG_LIBS})
  plmkit_warnings(${name})
  plmkit_program(${name})
  add_test(NAME ${name} COMMAND ${name} --reporter compact --order decl)
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "OMP_NUM_THREADS=2")
endfunction()
