# Install layout: bin/{seqc,seq-opt,seq-run}, lib/{libseqrt.so,
# libseqc_model_support.a}, include/seq/runtime.h, lib/cmake/seqc (for
# find_package(seqc)) and lib/pkgconfig/seqrt.pc.
include(CMakePackageConfigHelpers)

# The compiler tools keep finding Debian's libMLIR.so/libLLVM.so once installed.
set_target_properties(seqc seq-opt PROPERTIES INSTALL_RPATH "${LLVM_LIBRARY_DIR}")
install(TARGETS seqc seq-opt RUNTIME DESTINATION bin)
install(TARGETS seq-run RUNTIME DESTINATION bin)
install(TARGETS seqrt EXPORT seqcTargets
  LIBRARY DESTINATION lib
  INCLUDES DESTINATION include)
install(TARGETS seqc_model_support ARCHIVE DESTINATION lib)
install(FILES runtime/include/seq/runtime.h DESTINATION include/seq)
install(EXPORT seqcTargets NAMESPACE seqc:: DESTINATION lib/cmake/seqc)

configure_package_config_file(cmake/seqcConfig.cmake.in
  ${CMAKE_BINARY_DIR}/seqcConfig.cmake INSTALL_DESTINATION lib/cmake/seqc)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/seqcConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/seqcConfig.cmake
              ${CMAKE_BINARY_DIR}/seqcConfigVersion.cmake
        DESTINATION lib/cmake/seqc)

configure_file(cmake/seqrt.pc.in ${CMAKE_BINARY_DIR}/seqrt.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/seqrt.pc DESTINATION lib/pkgconfig)
