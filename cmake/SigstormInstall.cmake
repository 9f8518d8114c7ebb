# Installing sigstorm "like a sanitizer": `cmake --install BUILD --prefix P`
# (or `cpack -G DEB`) lays out
#
#   P/bin/sigstorm                          the CLI
#   P/lib/libsigstorm.so                    the shim, and libsigstorm-audit.so beside it (the CLI looks in ../lib/
#                                           beside itself; so does the harness)
#   P/lib/libsigstorm_fuzz.a                the in-process fuzz harness
#   P/lib/libsigstorm_engine.a              the engine the harness links
#   P/include/sigstorm/fuzz.h               the harness's one header (std only)
#   P/lib/cmake/sigstorm/                   find_package(sigstorm): sigstorm::fuzz,
#                                           sigstorm::engine, sigstorm::shim, sigstorm::cli
#   P/lib/pkgconfig/sigstorm.pc             pkg-config sigstorm (variable shim=)
#   P/share/man/man1/sigstorm.1.gz          the man page (docs/sigstorm.1)
#   P/share/bash-completion/completions/sigstorm
#   P/share/doc/sigstorm/                   README.md, points.md
#
# Everything is relative: the tree works wherever it is moved. The libraries
# go to lib/, not ${CMAKE_INSTALL_LIBDIR} (lib/x86_64-linux-gnu under /usr on
# Debian): the CLI finds the shim at ../lib/libsigstorm.so from its own path.
# Included from the top-level CMakeLists.txt after every target exists.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SIGSTORM_INSTALL_LIBDIR lib)
set(SIGSTORM_INSTALL_CMAKEDIR ${SIGSTORM_INSTALL_LIBDIR}/cmake/sigstorm)

if(SIGSTORM_SANITIZE)
  message(STATUS "sigstorm: SIGSTORM_SANITIZE=${SIGSTORM_SANITIZE}: the installed engine needs the sanitizer "
                 "runtime; install from a build without it")
endif()

# ---- the CLI and the shim ----
if(TARGET sigstorm_cli)
  install(TARGETS sigstorm_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
endif()
install(TARGETS sigstorm sigstorm_audit LIBRARY DESTINATION ${SIGSTORM_INSTALL_LIBDIR} COMPONENT runtime)
# The Python start-up hook, found next to the shim.
install(DIRECTORY ${PROJECT_BINARY_DIR}/lib/sigstorm-python/
        DESTINATION ${SIGSTORM_INSTALL_LIBDIR}/sigstorm-python COMPONENT runtime)

# ---- the fuzz harness ----
# The build's libsigstorm_fuzz.a falls back to the build tree's shim
# (SIGSTORM_FUZZ_SHIM, after $SIGSTORM_SHIM, the binary's directory and
# ../lib/): the installed one is the same source compiled with the installed
# shim's path instead, so no build-tree path ends up in an installed file.
# (A moved prefix or a .deb from a tree configured for another prefix: the
# harness still finds the shim through $SIGSTORM_SHIM, beside it or ../lib/.)
set(SIGSTORM_FUZZ_INSTALLED_SHIM "" CACHE STRING
    "The installed harness's last place to look for libsigstorm.so (default: CMAKE_INSTALL_PREFIX/lib/libsigstorm.so)")
set(_sigstorm_installed_shim "${SIGSTORM_FUZZ_INSTALLED_SHIM}")
if(NOT _sigstorm_installed_shim)
  set(_sigstorm_installed_shim "${CMAKE_INSTALL_PREFIX}/${SIGSTORM_INSTALL_LIBDIR}/libsigstorm.so")
endif()
# A copy of fuzz/CMakeLists.txt's sigstorm_fuzz: its sources, definitions,
# options, include directories and libraries, all but SIGSTORM_FUZZ_SHIM.
get_target_property(_sigstorm_fuzz_dir sigstorm_fuzz SOURCE_DIR)
get_target_property(_sigstorm_fuzz_sources sigstorm_fuzz SOURCES)
list(TRANSFORM _sigstorm_fuzz_sources PREPEND "${_sigstorm_fuzz_dir}/" REGEX "^[^/$]")
get_target_property(_sigstorm_fuzz_defs sigstorm_fuzz COMPILE_DEFINITIONS)
list(FILTER _sigstorm_fuzz_defs EXCLUDE REGEX "^SIGSTORM_FUZZ_SHIM=")
get_target_property(_sigstorm_fuzz_libs sigstorm_fuzz LINK_LIBRARIES)
add_library(sigstorm_fuzz_installed STATIC ${_sigstorm_fuzz_sources})
set_target_properties(sigstorm_fuzz_installed PROPERTIES
  OUTPUT_NAME sigstorm_fuzz
  ARCHIVE_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/install-lib)
target_include_directories(sigstorm_fuzz_installed PUBLIC $<TARGET_PROPERTY:sigstorm_fuzz,INCLUDE_DIRECTORIES>)
target_link_libraries(sigstorm_fuzz_installed PUBLIC ${_sigstorm_fuzz_libs})
target_compile_options(sigstorm_fuzz_installed PRIVATE $<TARGET_PROPERTY:sigstorm_fuzz,COMPILE_OPTIONS>)
target_compile_definitions(sigstorm_fuzz_installed PRIVATE ${_sigstorm_fuzz_defs}
                           SIGSTORM_FUZZ_SHIM="${_sigstorm_installed_shim}")

install(TARGETS sigstorm_fuzz_installed sigstorm_engine
        ARCHIVE DESTINATION ${SIGSTORM_INSTALL_LIBDIR} COMPONENT dev)
# A consumer compiles against fuzz.h alone (it includes only the standard
# library); the engine's own headers (inject/...) stay private.
install(FILES ${PROJECT_SOURCE_DIR}/fuzz/include/sigstorm/fuzz.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sigstorm COMPONENT dev)

# ---- find_package(sigstorm) ----
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/sigstormConfig.cmake.in
  ${PROJECT_BINARY_DIR}/packaging/sigstormConfig.cmake
  INSTALL_DESTINATION ${SIGSTORM_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_BINDIR CMAKE_INSTALL_INCLUDEDIR SIGSTORM_INSTALL_LIBDIR)
# 0.x: a minor version may change the harness API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/packaging/sigstormConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/packaging/sigstormConfig.cmake
              ${PROJECT_BINARY_DIR}/packaging/sigstormConfigVersion.cmake
        DESTINATION ${SIGSTORM_INSTALL_CMAKEDIR} COMPONENT dev)

# ---- pkg-config sigstorm ----
configure_file(${CMAKE_CURRENT_LIST_DIR}/sigstorm.pc.in ${PROJECT_BINARY_DIR}/packaging/sigstorm.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/packaging/sigstorm.pc
        DESTINATION ${SIGSTORM_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# ---- man page, bash completion, documentation ----
# Compressed, as Debian wants man pages (man reads either).
find_program(SIGSTORM_GZIP gzip)
if(SIGSTORM_GZIP)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/packaging/sigstorm.1.gz
    COMMAND ${SIGSTORM_GZIP} -9 -n -c ${PROJECT_SOURCE_DIR}/docs/sigstorm.1 > ${PROJECT_BINARY_DIR}/packaging/sigstorm.1.gz
    DEPENDS ${PROJECT_SOURCE_DIR}/docs/sigstorm.1 VERBATIM)
  add_custom_target(sigstorm_man ALL DEPENDS ${PROJECT_BINARY_DIR}/packaging/sigstorm.1.gz)
  install(FILES ${PROJECT_BINARY_DIR}/packaging/sigstorm.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
else()
  install(FILES ${PROJECT_SOURCE_DIR}/docs/sigstorm.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/scripts/completion/sigstorm.bash
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions RENAME sigstorm COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/points.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)

# ---- cpack -G DEB ----
set(CPACK_PACKAGE_NAME sigstorm)
set(CPACK_PACKAGE_VENDOR sigstorm)
set(CPACK_PACKAGE_CONTACT "sigstorm maintainers <sigstorm@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "finds bugs in signal handlers of unmodified programs (LD_PRELOAD shim)")
set(CPACK_PACKAGE_DESCRIPTION
  "sigstorm runs a program with a shim preloaded, wraps every signal handler it installs, sends
signals at chosen moments (--inject) and reports what the handlers did wrong: unsafe calls,
errno clobbering, reentrancy, hangs, crashes, longjmp out of a handler. Also: sigstorm fuzz,
and an in-process libFuzzer harness (<sigstorm/fuzz.h>, find_package(sigstorm), pkg-config).")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps finds libc6 and libelf1 from the ELF files (the CLI links
# libstdc++ and libgcc statically: cli/CMakeLists.txt); libunwind8 is
# dlopen()ed by the shim and libdw1 by the CLI's symbolizer, so they are
# named here.
find_program(SIGSTORM_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(SIGSTORM_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libunwind8, libdw1 (>= 0.188)")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6 (>= 2.34), libdw1 (>= 0.188), libelf1 (>= 0.188), libunwind8")
endif()
# Linking the harness (-ldw -lelf) needs the -dev packages; libFuzzer needs clang.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libdw-dev, libelf-dev, clang, libclang-rt-dev")
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build/" "/build-[^/]*/" "__pycache__")
include(CPack)
