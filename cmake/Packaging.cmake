# Installation layout and the Debian package (CPack DEB), for
# `scripts/package`. Only the two programs are installed (their install()
# rules live next to them in src/programs/); tests, benchmarks and fuzz
# targets never are. Included last from the top-level CMakeLists.txt.
include(GNUInstallDirs)

# Sample service files. The unit's ExecStart is /usr/bin/matrixrtc-auth, which
# is where the .deb puts it (CPack installs under /usr); an install into
# another prefix needs a drop-in with its own ExecStart=.
install(FILES packaging/systemd/matrixrtc-auth.service
        DESTINATION lib/systemd/system)
install(FILES packaging/systemd/env.example
              packaging/nginx/matrixrtc-auth.conf
              packaging/caddy/Caddyfile
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES README.md LICENSE ARCHITECTURE.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Debian keeps the licence statement in /usr/share/doc/<package>/copyright.
file(WRITE "${PROJECT_BINARY_DIR}/copyright"
     "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
     "Upstream-Name: matrixrtc\n"
     "\n"
     "Files: *\n"
     "Copyright: the matrixrtc authors\n"
     "License: Apache-2.0\n"
     " On Debian systems the full text of the Apache License 2.0 is in\n"
     " /usr/share/common-licenses/Apache-2.0 and in LICENSE next to this file.\n")
install(FILES "${PROJECT_BINARY_DIR}/copyright"
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs
        FILES_MATCHING PATTERN "*.md")

# `cpack` runs the `preinstall` target, which by default builds `all`: every
# test and benchmark, at Ninja's default parallelism. scripts/package builds
# just the two programs (-j2) before calling cpack, so the install step must
# not build anything itself. Consequence for `ninja install`: build first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(MATRIXRTC_PACKAGE_MAINTAINER "matrixrtc maintainers <maintainers@users.noreply.b-seed-3687c7cf.example>"
    CACHE STRING "Maintainer field of the Debian package")

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "matrixrtc")
set(CPACK_PACKAGE_VENDOR "matrixrtc")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${MATRIXRTC_PACKAGE_MAINTAINER}")
# The package holds the two programs (no library headers), so its summary
# says so rather than reusing PROJECT_DESCRIPTION.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "MatrixRTC authorization service for LiveKit (lk-jwt-service compatible) and CLI")
set(CPACK_PACKAGE_DESCRIPTION
    "matrixrtc-auth is a MatrixRTC Authorization Service for LiveKit SFUs,\n\
a drop-in replacement for element-hq/lk-jwt-service (same environment\n\
variables and endpoints): it validates Matrix OpenID tokens with the user's\n\
homeserver and issues LiveKit access tokens. A sandboxed systemd unit is\n\
included, not enabled; see /usr/share/doc/matrixrtc/docs/deployment.md.\n\
matrixrtc is a command-line tool for MatrixRTC: LiveKit name derivation,\n\
access and webhook tokens, LiveKit-compatible frame encryption, and call\n\
sessions and history from room events.")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
# RelWithDebInfo binaries carry full debug information; the package does not.
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${MATRIXRTC_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends computed by dpkg-shlibdeps (package dpkg-dev) from the binaries.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Homeservers are verified against the system CAs; Redis persists delegation
# jobs; nginx or Caddy terminate TLS in front of the service.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "redis-server, nginx | caddy")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
