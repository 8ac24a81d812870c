"""Reference outputs of fair-esm for sequences with <mask> and <unk> tokens, for
tests/pipelines/test_embed_masked.cpp. The model is the esm2_tiny fixture's checkpoint
(../shared/fixtures/esm2_tiny/model) loaded into fair-esm's ESM2; each sequence runs alone
(no padding), tokenized by fair-esm's own BatchConverter with truncation_seq_length 24.

Needs Debian's /usr/bin/python3 with python3-torch (1.13) and a copy of fair-esm's source
(github.com/facebookresearch/esm, version 2.0.1; only imported, never copied):
  /usr/bin/python3 tests/pipelines/data/make_mask_reference.py --esm /path/to/fair-esm \\
      --shared ../shared > /dev/null
writes tests/pipelines/data/esm2_tiny_masked.safetensors: lengths I64 [N], offsets I64 [N+1],
offsets2 I64 [N+1], mean/bos F32 [N,64], per_tok F32 [sum L,64], logits F32 [sum L,33],
contacts F32 [sum L*L], layer_mean_0 F32 [N,64]; __metadata__ ids (JSON list).
fair-esm's FASTA lines are read as plmkit reads them (joined, whitespace removed). Its tokenizer
takes neither lower case nor '*', so the text is upper-cased and the trailing '*' removed before
it is given to fair-esm (plmkit does both itself: docs/tokenizers.md).
"""
import argparse, json, os, sys
import numpy as np

TRUNCATE = 24


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--esm', required=True)
    ap.add_argument('--shared', required=True)
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, a.esm)
    sys.path.insert(0, os.path.join(a.shared, 'tools'))
    import torch
    import esm
    from esm.model.esm2 import ESM2
    from make_esm_fixture import st_save, fairesm_to_hf, read_fasta

    fixture = os.path.join(a.shared, 'fixtures', 'esm2_tiny')
    cfg = json.load(open(os.path.join(fixture, 'model', 'config.json')))
    alphabet = esm.data.Alphabet.from_architecture('ESM-1b')
    model = ESM2(num_layers=cfg['num_hidden_layers'], embed_dim=cfg['hidden_size'],
                 attention_heads=cfg['num_attention_heads'], alphabet=alphabet, token_dropout=True).eval()
    stored = read_safetensors(os.path.join(fixture, 'model', 'model.safetensors'))
    model.load_state_dict({k: torch.from_numpy(stored[fairesm_to_hf(k)].copy()) for k in model.state_dict()})
    layers = cfg['num_hidden_layers']
    check_against_fixture(model, alphabet, fixture, layers, torch)

    recs = [(name, clean(seq)) for name, seq in read_fasta(os.path.join(here, 'masked.fasta'))]
    bc = alphabet.get_batch_converter(TRUNCATE)
    out = {k: [] for k in ('mean', 'bos', 'per_tok', 'logits', 'contacts', 'layer_mean_0')}
    lengths = []
    with torch.no_grad():
        for name, seq in recs:
            _, _, tk = bc([(name, seq)])
            L = tk.shape[1] - 2
            r = model(tk, repr_layers=[0, layers], return_contacts=True)
            fin = r['representations'][layers][0]
            out['mean'].append(fin[1:L + 1].mean(0).numpy())
            out['bos'].append(fin[0].numpy())
            out['per_tok'].append(fin[1:L + 1].numpy())
            out['logits'].append(r['logits'][0, 1:L + 1].numpy())
            out['contacts'].append(r['contacts'][0, :L, :L].numpy().reshape(-1))
            out['layer_mean_0'].append(r['representations'][0][0, 1:L + 1].mean(0).numpy())
            lengths.append(L)
            print(name, L, tk[0].tolist(), file=sys.stderr)
    exp = {'lengths': ('I64', np.array(lengths, dtype=np.int64)),
           'offsets': ('I64', np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)),
           'offsets2': ('I64', np.concatenate([[0], np.cumsum([n * n for n in lengths])]).astype(np.int64))}
    for k in ('mean', 'bos', 'layer_mean_0'):
        exp[k] = ('F32', np.stack(out[k]).astype(np.float32))
    for k in ('per_tok', 'logits', 'contacts'):
        exp[k] = ('F32', np.concatenate(out[k]).astype(np.float32))
    st_save(os.path.join(here, 'esm2_tiny_masked.safetensors'), exp,
            {'ids': json.dumps([n for n, _ in recs]), 'truncate': str(TRUNCATE),
             'reference': f'fair-esm {esm.__version__} on torch {torch.__version__}'})


def clean(seq):
    """What plmkit does before tokenizing and fair-esm does not: upper case, no trailing '*'."""
    seq = seq[:-1] if seq.endswith('*') else seq
    out, i = [], 0
    while i < len(seq):  # upper-case residues, leave <...> tokens as they are
        if seq[i] == '<':
            j = seq.index('>', i) + 1
            out.append(seq[i:j])
            i = j
        else:
            out.append(seq[i].upper())
            i += 1
    return ''.join(out)


def read_safetensors(path):
    raw = open(path, 'rb').read()
    n = int.from_bytes(raw[:8], 'little')
    header = json.loads(raw[8:8 + n])
    types = {'F32': np.float32, 'I64': np.int64}
    out = {}
    for name, t in header.items():
        if name == '__metadata__':
            continue
        b, e = t['data_offsets']
        out[name] = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=types[t['dtype']]).reshape(t['shape'])
    return out


def check_against_fixture(model, alphabet, fixture, layers, torch):
    """The checkpoint loaded here must reproduce the fixture's own reference means."""
    from make_esm_fixture import read_fasta
    want = read_safetensors(os.path.join(fixture, 'expected.safetensors'))
    bc = alphabet.get_batch_converter(1022)
    with torch.no_grad():
        for i, (name, seq) in enumerate(read_fasta(os.path.join(fixture, 'sequences.fasta'))):
            _, _, tk = bc([(name, seq)])
            rep = model(tk, repr_layers=[layers])['representations'][layers][0, 1:tk.shape[1] - 1]
            diff = np.abs(rep.mean(0).numpy() - want['mean'][i]).max()
            assert diff < 1e-6, (name, diff)


if __name__ == '__main__':
    main()
