# -DSIGSTORM_SANITIZE=address (the `asan` preset): build sigstorm's own code,
# the CLI, the engine and the test drivers, with -fsanitize=... The shim
# (libsigstorm.so) never: it is preloaded into other people's programs, where
# a sanitizer runtime cannot follow (ASan must be the first library loaded);
# nor the programs the tests run under the shim (tests/targets, examples,
# fuzz/programs, the corpus), nor the in-process fuzz harness (preloaded
# with the shim; scripts/fuzz-build builds it with sanitizers its own way).
# Included from the top-level CMakeLists.txt after every target exists.
set(SIGSTORM_SANITIZE "" CACHE STRING
    "-fsanitize= list for the CLI, the engine and the test drivers (e.g. address); never the shim")
set(SIGSTORM_SANITIZE_TARGETS sigstorm_cli sigstorm_engine sigstorm_unit sigstorm_e2e CACHE STRING
    "The targets SIGSTORM_SANITIZE applies to")
if(NOT SIGSTORM_SANITIZE)
  return()
endif()
set(_sigstorm_san -fsanitize=${SIGSTORM_SANITIZE} -fno-omit-frame-pointer)
foreach(t ${SIGSTORM_SANITIZE_TARGETS})
  if(NOT TARGET ${t})
    continue()
  endif()
  target_compile_options(${t} PRIVATE ${_sigstorm_san})
  get_target_property(_type ${t} TYPE)
  if(_type STREQUAL "STATIC_LIBRARY")
    # Whatever links the engine links the sanitizer runtime.
    target_link_options(${t} INTERFACE -fsanitize=${SIGSTORM_SANITIZE})
  else()
    target_link_options(${t} PRIVATE -fsanitize=${SIGSTORM_SANITIZE})
  endif()
endforeach()
if(TARGET sigstorm)
  get_target_property(_shim_opts sigstorm COMPILE_OPTIONS)
  if(_shim_opts MATCHES "-fsanitize" OR CMAKE_CXX_FLAGS MATCHES "-fsanitize" OR CMAKE_C_FLAGS MATCHES "-fsanitize")
    message(WARNING "sigstorm: -fsanitize in the global flags reaches libsigstorm.so too; "
                    "use -DSIGSTORM_SANITIZE=... instead of CMAKE_CXX_FLAGS")
  endif()
endif()
unset(_sigstorm_san)
