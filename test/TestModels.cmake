# The models the runtime and end-to-end tests load: compiled by seqc (the
# `seqc` target, or the prebuilt compiler of a sanitizer build), with random
# weights. Included by test/CMakeLists.txt and by the sanitizer build.
# Models the runtime tests load: compiled by seqc, with random weights.
set(SEQC_TEST_MODELS_DIR ${PROJECT_BINARY_DIR}/test/models)
set(HYBRID_MLIR ${PROJECT_SOURCE_DIR}/examples/hybrid-tiny.mlir)
add_custom_command(
  OUTPUT ${SEQC_TEST_MODELS_DIR}/hybrid-tiny.so
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SEQC_TEST_MODELS_DIR}
  COMMAND seqc ${HYBRID_MLIR} -o ${SEQC_TEST_MODELS_DIR}/hybrid-tiny.so
  DEPENDS seqc seqc_model_support ${HYBRID_MLIR}
  COMMENT "Compiling the example model for the runtime tests")
add_custom_command(
  OUTPUT ${SEQC_TEST_MODELS_DIR}/hybrid-tiny.safetensors
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SEQC_TEST_MODELS_DIR}
  COMMAND python3 ${PROJECT_SOURCE_DIR}/tools/random-weights.py ${HYBRID_MLIR}
          -o ${SEQC_TEST_MODELS_DIR}/hybrid-tiny.safetensors --seed 1
  DEPENDS ${HYBRID_MLIR} ${PROJECT_SOURCE_DIR}/tools/random-weights.py)
# The same values stored as f16/bf16 and as f32 rounded to those types: the
# runtime's conversion must make the two runs identical.
set(SEQC_TEST_WEIGHT_FILES ${SEQC_TEST_MODELS_DIR}/hybrid-tiny.safetensors)
foreach(half f16 bf16)
  foreach(variant "--dtype;${half}" "--round-to;${half}")
    list(GET variant 0 flag)
    set(out ${SEQC_TEST_MODELS_DIR}/hybrid-tiny${flag}-${half}.safetensors)
    string(REPLACE "--" "." out ${out})
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${SEQC_TEST_MODELS_DIR}
      COMMAND python3 ${PROJECT_SOURCE_DIR}/tools/random-weights.py ${HYBRID_MLIR}
              -o ${out} --seed 1 ${flag} ${half}
      DEPENDS ${HYBRID_MLIR} ${PROJECT_SOURCE_DIR}/tools/random-weights.py)
    list(APPEND SEQC_TEST_WEIGHT_FILES ${out})
  endforeach()
endforeach()

# A stateless model (embedding + linear) for seq_model_run.
set(LINEAR_MLIR ${PROJECT_SOURCE_DIR}/test/Driver/Inputs/linear.mlir)
add_custom_command(
  OUTPUT ${SEQC_TEST_MODELS_DIR}/linear.so ${SEQC_TEST_MODELS_DIR}/linear.safetensors
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SEQC_TEST_MODELS_DIR}
  COMMAND seqc ${LINEAR_MLIR} -o ${SEQC_TEST_MODELS_DIR}/linear.so
  COMMAND python3 ${PROJECT_SOURCE_DIR}/tools/random-weights.py ${LINEAR_MLIR}
          -o ${SEQC_TEST_MODELS_DIR}/linear.safetensors --seed 2
  DEPENDS seqc seqc_model_support ${LINEAR_MLIR}
          ${PROJECT_SOURCE_DIR}/tools/random-weights.py)

# The same with a stacked head weight (its weights are written by the test).
set(STACKED_MLIR ${PROJECT_SOURCE_DIR}/test/Driver/Inputs/stacked.mlir)
add_custom_command(
  OUTPUT ${SEQC_TEST_MODELS_DIR}/stacked.so
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SEQC_TEST_MODELS_DIR}
  COMMAND seqc ${STACKED_MLIR} -o ${SEQC_TEST_MODELS_DIR}/stacked.so
  DEPENDS seqc seqc_model_support ${STACKED_MLIR})

# One attention op with a caller-given kv_length (seq_model_run).
set(ATTENTION_KV_MLIR ${PROJECT_SOURCE_DIR}/test/Driver/Inputs/attention-kv.mlir)
add_custom_command(
  OUTPUT ${SEQC_TEST_MODELS_DIR}/attention-kv.so
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SEQC_TEST_MODELS_DIR}
  COMMAND seqc ${ATTENTION_KV_MLIR} -o ${SEQC_TEST_MODELS_DIR}/attention-kv.so
  DEPENDS seqc seqc_model_support ${ATTENTION_KV_MLIR})

# An encoder-decoder (the tiny BART golden folder; its weights are the
# folder's) for the beam and batched-source searches.
set(BART_DIR ${PROJECT_SOURCE_DIR}/test/Frontends/hf/seq2seq/bart)
add_custom_command(
  OUTPUT ${SEQC_TEST_MODELS_DIR}/bart-tiny.so
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SEQC_TEST_MODELS_DIR}
  COMMAND seqc import hf ${BART_DIR} -o ${SEQC_TEST_MODELS_DIR}/bart-tiny.mlir
  COMMAND seqc ${SEQC_TEST_MODELS_DIR}/bart-tiny.mlir
          -o ${SEQC_TEST_MODELS_DIR}/bart-tiny.so
  DEPENDS seqc seqc_model_support ${BART_DIR}/config.json
          ${BART_DIR}/model.safetensors)

add_custom_target(seqc-test-models ALL DEPENDS
  ${SEQC_TEST_MODELS_DIR}/attention-kv.so
  ${SEQC_TEST_MODELS_DIR}/bart-tiny.so
  ${SEQC_TEST_MODELS_DIR}/hybrid-tiny.so
  ${SEQC_TEST_WEIGHT_FILES}
  ${SEQC_TEST_MODELS_DIR}/linear.so
  ${SEQC_TEST_MODELS_DIR}/stacked.so)

