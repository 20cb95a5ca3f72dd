# Warnings are errors for our own targets; third-party headers are included as system headers.
function(matrixrtc_target_settings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Werror
    -Wconversion -Wsign-conversion -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports false positives deep inside libstdc++ and Boost at -O2/-O3
    # (maybe-uninitialized; null-dereference in Asio's scheduler), so neither is on.
    # mismatched-new-delete fires at -O2 on every Asio coroutine frame (its
    # operator new/delete pair is matched; GCC 12 loses track when inlining).
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized -Wno-mismatched-new-delete)
  endif()
endfunction()

if(MATRIXRTC_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

if(MATRIXRTC_BUILD_FUZZ)
  # Coverage instrumentation for every library the fuzz targets link; the
  # libFuzzer driver itself is linked only into the targets (fuzz/).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# Settings that change Boost's types must be the same in every translation
# unit (tests and fixtures included), or the program breaks the ODR.
add_compile_definitions(BOOST_ASIO_NO_DEPRECATED)
