# cmake -DLIBRARY=path -P runtime_deps.cmake: prints the libraries LIBRARY
# needs, resolved as the loader would (the C library and the loader left
# out: every process has them), separated by ';'. Script mode: the command
# is meant for install code, and warns in a project.
file(GET_RUNTIME_DEPENDENCIES LIBRARIES "${LIBRARY}" RESOLVED_DEPENDENCIES_VAR deps
     POST_EXCLUDE_REGEXES "/libc\\.so" "/ld-linux")
execute_process(COMMAND ${CMAKE_COMMAND} -E echo_append "${deps}")
