#!/usr/bin/python3
"""bfloat16 ESM-2 checkpoints for test_cli_pretrain_dtype.cpp, with numpy only.
numpy has no bfloat16: a BF16 tensor is handled as its uint16 bit patterns,
and float32 -> bfloat16 is done here by hand (round to nearest, ties to even),
by comparing the distances to the two neighbouring bfloat16 values in float64
(not by the usual add-0x7fff bit trick, so it checks LibTorch's conversion by
another route).

  esm_bf16.py selftest
      hand-checked roundings (ties both ways, negatives, carries into the
      exponent); prints "ok".
  esm_bf16.py make SRC_DIR DST_DIR
      DST_DIR: SRC_DIR's model with every F32 tensor as BF16 and config.json
      torch_dtype "bfloat16".
  esm_bf16.py check INPUT_DIR OUT_BF16_DIR OUT_F32_DIR
      OUT_BF16_DIR (pretrain's default, --save-dtype input) and OUT_F32_DIR
      (--save-dtype float32) were trained alike from INPUT_DIR (bf16): every
      tensor of OUT_BF16_DIR has INPUT_DIR's dtype; where OUT_F32_DIR has it
      as F32 (trained), its bits are that float32 tensor rounded here; the
      tensors pretrain does not train keep INPUT_DIR's bytes. Prints "ok N"
      (N trained tensors) or the first difference, exit 1.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import esm_safetensors  # noqa: E402


def to_bf16_bits(a):
    """float32 array -> uint16 bfloat16 bits, round to nearest, ties to even."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    if not np.all(np.isfinite(a)) or np.any(np.abs(a) > 1e38):
        raise ValueError("only finite values well inside bfloat16's range")
    bits = a.view(np.uint32).astype(np.uint64)
    low = bits & 0xFFFF0000  # truncated: the neighbour towards zero
    high = low + 0x10000     # the neighbour away from zero
    x = a.astype(np.float64)
    f_low = low.astype(np.uint32).view(np.float32).astype(np.float64)
    f_high = high.astype(np.uint32).view(np.float32).astype(np.float64)
    d_low, d_high = np.abs(x - f_low), np.abs(x - f_high)
    low_odd = ((low >> 16) & 1) == 1
    up = (d_high < d_low) | ((d_high == d_low) & low_odd)
    return (np.where(up, high, low) >> 16).astype(np.uint16)


def bf16_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def selftest():
    cases = [
        (1.0, 0x3F80),
        (-2.0, 0xC000),
        (0.0, 0x0000),
        # 1 + 2^-8 is halfway between 1 (even, 0x3F80) and 1 + 2^-7: down.
        (1.0 + 2.0 ** -8, 0x3F80),
        # 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6: up.
        (1.0 + 3 * 2.0 ** -8, 0x3F82),
        # just above the first halfway point: up.
        (1.0 + 2.0 ** -8 + 2.0 ** -20, 0x3F81),
        (-(1.0 + 2.0 ** -8 + 2.0 ** -20), 0xBF81),
        # 2 - 2^-9 rounds up into the next binade: 2.0.
        (2.0 - 2.0 ** -9, 0x4000),
        # 0.1 = 0x3DCCCCCD: 0x3DCC + (0xCCCD > 0x8000) -> 0x3DCD.
        (0.1, 0x3DCD),
    ]
    for value, want in cases:
        got = int(to_bf16_bits(np.array([value], dtype=np.float32))[0])
        if got != want:
            return "%r: 0x%04x, expected 0x%04x" % (value, got, want)
    print("ok")
    return None


def make(src, dst):
    esm_safetensors.make(src, dst, "BF16", to_bf16_bits, "bfloat16")


def trained_problem(name, dtype, arr, warr):
    if dtype != "BF16":
        return "%s: trained, but %s in the input" % (name, dtype)
    want_bits = to_bf16_bits(warr)
    if not np.array_equal(want_bits, arr):
        k = int(np.flatnonzero(want_bits.ravel() != arr.ravel())[0])
        return "%s[%d]: 0x%04x written for float32 %r, expected 0x%04x" % (
            name, k, int(arr.ravel()[k]), float(warr.ravel()[k]), int(want_bits.ravel()[k]))
    # and it is the nearest: within half a bfloat16 step of the float32
    err = np.abs(bf16_to_f32(arr).astype(np.float64) - warr.astype(np.float64))
    if np.any(err > np.abs(warr.astype(np.float64)) * 2.0 ** -8 + 1e-45):
        return "%s: more than half a bfloat16 step from the float32" % name
    return None


def check(inp, out16, out32):
    # Every trained tensor is BF16 (trained_problem), so at least 10 are.
    return esm_safetensors.check(inp, out16, out32, "bfloat16", trained_problem)


if __name__ == "__main__":
    if sys.argv[1] == "selftest":
        problem = selftest()
    elif sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
        problem = None
    else:
        problem = check(*sys.argv[2:5])
    if problem:
        print(problem)
        sys.exit(1)
