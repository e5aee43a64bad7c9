# The runtime (libseqrt, model support) and the tests that exercise it --
# runtime unit tests and the end-to-end tests, which compile models with the
# prebuilt seqc and run them through the runtime -- built with
# -fsanitize=${SEQC_SANITIZE}. tools/check.sh runs it with address,undefined
# (every test) and with thread (the concurrent-sessions tests).
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(GTest REQUIRED)
include(GoogleTest)

set(SEQC_SANITIZER_FLAGS -fsanitize=${SEQC_SANITIZE} -fno-omit-frame-pointer
                         -fno-sanitize-recover=all -g)
add_compile_options(${SEQC_SANITIZER_FLAGS})
add_link_options(-fsanitize=${SEQC_SANITIZE})

add_subdirectory(runtime)

# The compiler of the main build, under its usual target name.
add_executable(seqc IMPORTED GLOBAL)
set_target_properties(seqc PROPERTIES IMPORTED_LOCATION ${SEQC_PREBUILT_SEQC})

enable_testing()
include(test/TestModels.cmake)
add_subdirectory(test/unit/runtime)
if(NOT SEQC_SANITIZE STREQUAL "thread")
  add_subdirectory(test/e2e)
endif()
