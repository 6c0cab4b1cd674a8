# `cmake --install build/default --prefix PREFIX` installs:
#   bin/fdlab                                  the command
#   include/fdlab/core/*.h, include/fdlab/sim/*.h   the headers, included as "core/replay.h"
#   lib/libfdlab_core.a, lib/libfdlab_sim.a    the model and the simulated kernel
#   include/fdlab/sim.h, lib/libfdlab_capi.a   the simulator's C API (docs/programs.md)
#   lib/cmake/fdlab/                           the package: find_package(fdlab) gives
#                                              fdlab::core, fdlab::sim and fdlab::capi
# tests/install_consumer_test.sh builds tests/consumer/ against an installed copy.
include(CMakePackageConfigHelpers)

# The runner backend looks for fdlab_posix_runner next to fdlab (docs/posix-runner.md).
install(TARGETS fdlab fdlab_posix_runner RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set_target_properties(fdlab_core PROPERTIES EXPORT_NAME core)
set_target_properties(fdlab_sim PROPERTIES EXPORT_NAME sim)
set_target_properties(fdlab_capi PROPERTIES EXPORT_NAME capi)
add_library(fdlab::core ALIAS fdlab_core)
add_library(fdlab::sim ALIAS fdlab_sim)
add_library(fdlab::capi ALIAS fdlab_capi)
install(TARGETS fdlab_core fdlab_sim fdlab_capi EXPORT fdlabTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/capi/include/fdlab/sim.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fdlab)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fdlab/core
        FILES_MATCHING PATTERN "*.h")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sim/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fdlab/sim
        FILES_MATCHING PATTERN "*.h")

set(FDLAB_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/fdlab)
install(EXPORT fdlabTargets NAMESPACE fdlab:: DESTINATION ${FDLAB_PACKAGE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/fdlabConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/fdlabConfig.cmake
                              INSTALL_DESTINATION ${FDLAB_PACKAGE_DIR})
# 0.x: a minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/fdlabConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/fdlabConfig.cmake ${PROJECT_BINARY_DIR}/fdlabConfigVersion.cmake
        DESTINATION ${FDLAB_PACKAGE_DIR})
