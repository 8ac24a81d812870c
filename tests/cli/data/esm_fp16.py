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
import json
import shutil
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
        out[name] = (t["dtype"], arr)
    return out


def write(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, (dtype, arr) in tensors.items():
        raw = np.ascontiguousarray(arr).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def make(src, dst):
    tensors = read(src + "/model.safetensors")
    half = {n: ("F16", a.astype(np.float16)) if d == "F32" else (d, a)
            for n, (d, a) in tensors.items()}
    write(dst + "/model.safetensors", half)
    with open(src + "/config.json") as f:
        config = json.load(f)
    config["torch_dtype"] = "float16"
    with open(dst + "/config.json", "w") as f:
        json.dump(config, f, indent=1)
    shutil.copyfile(src + "/vocab.txt", dst + "/vocab.txt")


def check(inp, out16, out32):
    x, h, w = (read(d + "/model.safetensors") for d in (inp, out16, out32))
    for d, want in ((out16, "float16"), (out32, "float32")):
        with open(d + "/config.json") as f:
            got = json.load(f).get("torch_dtype")
        if got != want:
            return "%s/config.json: torch_dtype %r, expected %r" % (d, got, want)
    if sorted(h) != sorted(x) or sorted(w) != sorted(x):
        return "tensor names differ from the input's"
    trained = changed = 0
    for name, (dtype, arr) in h.items():
        if dtype != x[name][0]:
            return "%s: %s in the default output, the input has %s" % (name, dtype, x[name][0])
        wdtype, warr = w[name]
        if wdtype == "F32":
            trained += 1
            if not np.array_equal(warr.astype(np.float16).view(np.uint16), arr.view(np.uint16)):
                return "%s: not the float32 output rounded to fp16" % name
            changed += not np.array_equal(arr.view(np.uint16), x[name][1].view(np.uint16))
        elif warr.tobytes() != arr.tobytes() or arr.tobytes() != x[name][1].tobytes():
            return "%s: untrained, but not the input's bytes" % name
    if trained < 10 or changed < 10:
        return "only %d trained tensors, %d changed by training" % (trained, changed)
    print("ok %d" % trained)
    return None


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    else:
        problem = check(*sys.argv[2:5])
        if problem:
            print(problem)
            sys.exit(1)
