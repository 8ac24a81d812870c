#!/usr/bin/python3
"""Checks of `plmkit export` for test_cli_export.cpp, with numpy and h5py only
(Debian's /usr/bin/python3 has them; no torch needed).

  esm_export.py tensors BASE_DIR EXPORT_DIR MODEL_DIR MEMBER
      EXPORT_DIR has exactly BASE_DIR's tensor names, shapes and dtypes. The
      tensors MODEL_DIR's member MEMBER fine-tuned (its
      members.<k>.encoder.* tensors, mapped here to Hugging Face names, the
      fused qkv split in three) hold the member's values in the base's dtype
      (numpy's round-to-nearest-even for F16) and differ from the base's;
      every other tensor is BASE_DIR's bytes. config.json is BASE_DIR's plus
      "plmkit_export" naming MODEL_DIR; vocab.txt is BASE_DIR's.
      Prints "ok T U" (T trained, U untouched tensors) or the first problem.
  esm_export.py head MODEL_DIR EMB_H5 PREDICTIONS_CSV [OTHER_EMB_H5]
      Pushes EMB_H5's mean (or, for --esm-pooling bos, bos) embeddings
      (plmkit embed) through MODEL_DIR's MLP
      head (member 0: linear, relu, ..., linear; targets de-standardized)
      and compares with the predictions' target column, by id. With
      OTHER_EMB_H5 (the base checkpoint's embeddings) those must NOT
      reproduce the predictions (else the check could not fail). Prints
      "ok D O" (largest difference with EMB_H5, smallest-largest with the
      other) or the problem.
  esm_export.py smiles MODEL_DIR EXPORT_DIR MEMBER
      A fine-tuned smiles-lm model's export: EXPORT_DIR has MODEL_DIR/smiles_lm's
      tensor names; each is MODEL_DIR's members.<MEMBER>.encoder.<name> where
      the model stores one (and then differs from the base), else the base's
      bytes. Prints "ok T U" or the problem.
  esm_export.py frozen MODEL_DIR LM_DIR OUT_DIR
      Writes OUT_DIR: MODEL_DIR (a fine-tuned smiles-lm model) turned into a
      frozen smiles-lm model over LM_DIR (copied in as OUT_DIR/smiles_lm): the
      members' encoder tensors dropped, member_encoders false. Its predictions
      equal MODEL_DIR's only if LM_DIR is the member's fine-tuned encoder.
"""
import csv
import os
import shutil
import json
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import esm_safetensors  # noqa: E402

BLOCK = {
    "attn_ln_weight": "attention.LayerNorm.weight",
    "attn_ln_bias": "attention.LayerNorm.bias",
    "out_weight": "attention.output.dense.weight",
    "out_bias": "attention.output.dense.bias",
    "ffn_ln_weight": "LayerNorm.weight",
    "ffn_ln_bias": "LayerNorm.bias",
    "fc1_weight": "intermediate.dense.weight",
    "fc1_bias": "intermediate.dense.bias",
    "fc2_weight": "output.dense.weight",
    "fc2_bias": "output.dense.bias",
}
TOP = {
    "word_embeddings": "esm.embeddings.word_embeddings.weight",
    "final_ln_weight": "esm.encoder.emb_layer_norm_after.weight",
    "final_ln_bias": "esm.encoder.emb_layer_norm_after.bias",
}


def read(path):
    """name -> (dtype string, raw bytes, numpy array)"""
    tensors = esm_safetensors.read(path)
    return {name: (dtype, arr.tobytes(), arr) for name, (dtype, arr) in tensors.items()}


def hf_tensors(encoder_name, arr):
    """The Hugging Face tensors of one plmkit encoder parameter."""
    if encoder_name in TOP:
        return {TOP[encoder_name]: arr}
    layer, suffix = encoder_name.split(".", 1)
    prefix = "esm.encoder.layer.%d." % int(layer[len("layer"):])
    if suffix in ("qkv_weight", "qkv_bias"):
        kind = suffix.split("_")[1]
        q, k, v = np.split(arr, 3, axis=0)
        return {prefix + "attention.self.%s.%s" % (p, kind): x
                for p, x in (("query", q), ("key", k), ("value", v))}
    return {prefix + BLOCK[suffix]: arr}


def expected_trained(model_dir, member):
    model = read(model_dir + "/model.safetensors")
    start = "members.%d.encoder." % member
    out = {}
    for name, (_, _, arr) in model.items():
        if name.startswith(start):
            out.update(hf_tensors(name[len(start):], arr))
    return out


def check_tensors(base_dir, export_dir, model_dir, member):
    base = read(base_dir + "/model.safetensors")
    exp = read(export_dir + "/model.safetensors")
    if sorted(base) != sorted(exp):
        return "tensor names differ: %s" % sorted(set(base) ^ set(exp))
    trained = expected_trained(model_dir, int(member))
    if not trained:
        return "the model has no encoder tensors for member %s" % member
    for name, (dtype, raw, arr) in exp.items():
        bdtype, braw, barr = base[name]
        if dtype != bdtype or arr.shape != barr.shape:
            return "%s: %s %s, the base has %s %s" % (name, dtype, arr.shape, bdtype, barr.shape)
        if name not in trained:
            if raw != braw:
                return "%s: not trained, but not the base's bytes" % name
            continue
        want = trained[name]
        if dtype == "F16":
            want = want.astype(np.float16)
        if dtype not in ("F32", "F16"):
            return "%s: dtype %s not checked here" % (name, dtype)
        if not np.array_equal(arr.view(np.uint8), np.ascontiguousarray(want).view(np.uint8)):
            return "%s: not the model's fine-tuned values" % name
        if raw == braw:
            return "%s: fine-tuned, but equal to the base's" % name
    with open(base_dir + "/config.json") as f:
        bconfig = json.load(f)
    with open(export_dir + "/config.json") as f:
        econfig = json.load(f)
    note = econfig.pop("plmkit_export", None)
    if econfig != bconfig:
        return "config.json differs from the base's"
    if not note or not note["source_model"].endswith(model_dir.rstrip("/").split("/")[-1]):
        return "config.json plmkit_export does not name the model: %r" % note
    if sorted(note["trained_tensors"]) != sorted(trained):
        return "config.json plmkit_export lists other trained tensors"
    for name in ("vocab.txt",):
        with open(base_dir + "/" + name, "rb") as a, open(export_dir + "/" + name, "rb") as b:
            if a.read() != b.read():
                return name + " differs from the base's"
    print("ok %d %d" % (len(trained), len(exp) - len(trained)))
    return None


def head_predictions(model_dir, emb_path):
    import h5py
    with open(model_dir + "/config.json") as f:
        config = json.load(f)
    if config["model"]["activation"] != "relu" or config["task"] != "regression":
        raise SystemExit("head check written for a relu regression MLP")
    tensors = read(model_dir + "/model.safetensors")
    pooling = config["featurizer"]["pooling"]  # mean | bos: embed's dataset
    with h5py.File(emb_path, "r") as f:
        ids = [i.decode() if isinstance(i, bytes) else i for i in f["ids"][()]]
        x = f[pooling][()].astype(np.float64)
    layers = len(config["model"]["hidden"]) + 1
    for i in range(layers):
        w = tensors["members.0.layers.%d.weight" % i][2].astype(np.float64)
        b = tensors["members.0.layers.%d.bias" % i][2].astype(np.float64)
        x = x @ w.T + b
        if i + 1 < layers:
            x = np.maximum(x, 0)
    norm = config["target_normalization"]
    x = x * np.array(norm["std"]) + np.array(norm["mean"])
    return dict(zip(ids, x[:, 0]))


def check_head(model_dir, emb_path, pred_path, other_path=None):
    target = json.load(open(model_dir + "/config.json"))["targets"][0]
    with open(pred_path) as f:
        preds = {r["id"]: float(r[target]) for r in csv.DictReader(f)}
    got = head_predictions(model_dir, emb_path)
    if sorted(got) != sorted(preds):
        return "ids differ between the embeddings and the predictions"
    diff = max(abs(got[i] - preds[i]) for i in preds)
    if not diff < 1e-5:
        return "the head on the embeddings is %g away from predict" % diff
    other = 0.0
    if other_path:
        base = head_predictions(model_dir, other_path)
        other = max(abs(base[i] - preds[i]) for i in preds)
        if not other > 100 * max(diff, 1e-7):
            return "the base's embeddings also give predict's outputs (%g): no proof" % other
    print("ok %g %g" % (diff, other))
    return None


def check_smiles(model_dir, export_dir, member):
    base = read(model_dir + "/smiles_lm/model.safetensors")
    exp = read(export_dir + "/model.safetensors")
    model = read(model_dir + "/model.safetensors")
    if sorted(base) != sorted(exp):
        return "tensor names differ from the base's: %s" % sorted(set(base) ^ set(exp))
    trained = 0
    for name, (dtype, raw, arr) in exp.items():
        key = "members.%s.encoder.%s" % (member, name)
        if key not in model:
            if raw != base[name][1]:
                return "%s: not trained, but not the base's bytes" % name
            continue
        trained += 1
        if dtype != model[key][0] or raw != model[key][1]:
            return "%s: not the member's fine-tuned tensor" % name
        if raw == base[name][1]:
            return "%s: fine-tuned, but equal to the base's" % name
    if trained == 0:
        return "no fine-tuned tensor in the export"
    print("ok %d %d" % (trained, len(exp) - trained))
    return None


def write(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, (dtype, raw, arr) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def make_frozen(model_dir, lm_dir, out_dir):
    os.makedirs(out_dir + "/smiles_lm")
    for name in ("config.json", "model.safetensors", "vocab.txt"):
        shutil.copyfile(lm_dir + "/" + name, out_dir + "/smiles_lm/" + name)
    tensors = read(model_dir + "/model.safetensors")
    write(out_dir + "/model.safetensors",
          {n: t for n, t in tensors.items() if ".encoder." not in n})
    with open(model_dir + "/config.json") as f:
        config = json.load(f)
    config["member_encoders"] = False
    config["featurizer"] = {"name": "smiles-lm", "model_dir": "smiles_lm",
                            "dim": config["featurizer"]["dim"]}
    with open(out_dir + "/config.json", "w") as f:
        json.dump(config, f, indent=1)
    return None


if __name__ == "__main__":
    if sys.argv[1] == "tensors":
        problem = check_tensors(*sys.argv[2:6])
    elif sys.argv[1] == "smiles":
        problem = check_smiles(*sys.argv[2:5])
    elif sys.argv[1] == "frozen":
        problem = make_frozen(*sys.argv[2:5])
    else:
        problem = check_head(*sys.argv[2:])
    if problem:
        print(problem)
        sys.exit(1)
