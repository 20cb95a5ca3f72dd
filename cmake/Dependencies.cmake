# Every dependency comes from a Debian 12 package; scripts/setup installs them.
find_package(Boost 1.81...<1.82 CONFIG REQUIRED COMPONENTS json url)
find_package(OpenSSL 3 REQUIRED)
find_package(Threads REQUIRED)
# c-ares ships no CMake package on Debian 12; its pkg-config file is there.
find_package(PkgConfig REQUIRED)
pkg_check_modules(CARES REQUIRED IMPORTED_TARGET libcares)
# hiredis (0.14 on Debian 12) likewise: the Redis client drives its async API.
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
# Its .pc adds -D_FILE_OFFSET_BITS=64, which its headers do not need; keep the
# compile flags of every translation unit the same (see the ODR rule).
set_property(TARGET PkgConfig::HIREDIS PROPERTY INTERFACE_COMPILE_OPTIONS "")
if(MATRIXRTC_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(MATRIXRTC_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
