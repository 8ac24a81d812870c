#!/usr/bin/python3
"""fp16 ESM-2 checkpoints for test_cli_pretrain_dtype.cpp, with numpy only
(Debian's /usr/bin/python3 has it; no torch needed).

  esm_fp16.py make SRC_DIR DST_DIR
      DST_DIR: SRC_DIR's model with every F32 tensor as F16 (numpy's
      round-to-nearest-even) and config.json torch_dtype "float16".
  esm_fp16.py check INPUT_DIR OUT_F16_DIR OUT_F32_DIR
      OUT_F16_DIR (pretrain's default, --save-dtype input) and OUT_F32_DIR
      (--save-dtype float32) were trained alike from INPUT_DIR (fp16): every
      tensor of OUT_F16_DIR is F16 and equals OUT_F32_DIR's, rounded to fp16
      by numpy when OUT_F32_DIR has it as F32; the tensors pretrain does not
      train keep INPUT_DIR's bytes. Prints "ok N" (N trained tensors) or the
      first difference, exit 1.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import esm_safetensors  # noqa: E402


def make(src, dst):
    esm_safetensors.make(src, dst, "F16", lambda a: a.astype(np.float16), "float16")


def trained_problem(name, dtype, arr, warr):
    if not np.array_equal(warr.astype(np.float16).view(np.uint16), arr.view(np.uint16)):
        return "%s: not the float32 output rounded to fp16" % name
    return None


def check(inp, out16, out32):
    return esm_safetensors.check(inp, out16, out32, "float16", trained_problem)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    else:
        problem = check(*sys.argv[2:5])
        if problem:
            print(problem)
            sys.exit(1)
