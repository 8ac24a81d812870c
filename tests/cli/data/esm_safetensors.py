"""What tests/cli/data/esm_fp16.py and esm_bf16.py share (numpy only): the
safetensors reader and writer, a half-precision copy of an ESM-2 checkpoint,
and the check of a pretrain run's output in the input's dtype against its
--save-dtype float32 twin.
"""
import json
import shutil
import struct

import numpy as np

# BF16 as its raw uint16 bit patterns: numpy has no bfloat16.
DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16, "I64": np.int64}


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


def make(src, dst, dtype, convert, torch_dtype):
    """DST: SRC's model with every F32 tensor as `dtype` (`convert` of the
    float32 array) and config.json torch_dtype `torch_dtype`."""
    tensors = read(src + "/model.safetensors")
    out = {n: (dtype, convert(a)) if d == "F32" else (d, a) for n, (d, a) in tensors.items()}
    write(dst + "/model.safetensors", out)
    with open(src + "/config.json") as f:
        config = json.load(f)
    config["torch_dtype"] = torch_dtype
    with open(dst + "/config.json", "w") as f:
        json.dump(config, f, indent=1)
    shutil.copyfile(src + "/vocab.txt", dst + "/vocab.txt")


def check(inp, out_half, out32, torch_dtype, trained_problem):
    """OUT_HALF (--save-dtype input) and OUT32 (--save-dtype float32) were
    trained alike from INP: each config.json names its dtype, every tensor of
    OUT_HALF has INP's dtype; where OUT32 has it as F32 (trained),
    `trained_problem(name, dtype, half_array, f32_array)` says what is wrong
    with it, or None; the tensors pretrain does not train keep INP's bytes.
    Prints "ok N" (N trained tensors) and returns None, or returns the first
    difference."""
    x, h, w = (read(d + "/model.safetensors") for d in (inp, out_half, out32))
    for d, want in ((out_half, torch_dtype), (out32, "float32")):
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
            problem = trained_problem(name, dtype, arr, warr)
            if problem:
                return problem
            changed += not np.array_equal(arr.view(np.uint16), x[name][1].view(np.uint16))
        elif warr.tobytes() != arr.tobytes() or arr.tobytes() != x[name][1].tobytes():
            return "%s: untrained, but not the input's bytes" % name
    if trained < 10 or changed < 10:
        return "only %d trained tensors, %d changed by training" % (trained, changed)
    print("ok %d" % trained)
    return None
