# -*- Python -*-
# lit configuration of seqc's regression tests: IR round trips, verifier
# diagnostics, passes and pipelines (seq-opt), and end-to-end runs.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "seqc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.seqc_obj_root, "test")
# Inputs/ holds files that tests read; unit/ is GoogleTest, run by ctest.
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs",
                   "unit"]

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
# seqc's object cache: the build tree's, not the user's.
config.environment["SEQC_CACHE_DIR"] = os.path.join(config.seqc_obj_root, "test-object-cache")
llvm_config.use_default_substitutions()
# FileCheck, not and count live in LLVM's versioned bin folder, not on PATH.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

config.substitutions.append(("%seqc_src_root", config.seqc_src_root))
config.substitutions.append(("%seqc_obj_root", config.seqc_obj_root))

# Project tools first, then LLVM's (FileCheck, not, count).
llvm_config.add_tool_substitutions(
    ["seq-opt", "seqc", "seq-run"], [config.seqc_tools_dir, config.llvm_tools_dir])
config.substitutions.append(("%python", "python3"))
config.substitutions.append(("%seqc_tools_dir", config.seqc_tools_dir))
config.substitutions.append(("%test_models", os.path.join(config.seqc_obj_root, "test", "models")))

# libdevice (CUDA toolkit): seqc --target=cuda needs it for kernels with math,
# and finds it the same way (compiler/GpuPipeline.cpp, findLibdevice).
def _has_libdevice():
    roots = [os.environ.get(v) for v in ("CUDA_HOME", "CUDA_PATH", "CUDA_ROOT")]
    paths = [os.path.join(r, "nvvm", "libdevice", "libdevice.10.bc") for r in roots if r]
    paths += ["/usr/local/cuda/nvvm/libdevice/libdevice.10.bc",
              "/usr/lib/nvidia-cuda-toolkit/libdevice/libdevice.10.bc"]
    return any(os.path.exists(p) for p in paths)

if _has_libdevice():
    config.available_features.add("libdevice")
llvm_config.with_system_environment(["CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"])
