#!/usr/bin/python3
"""Reference SMILES tokenization with Python's `re` and the Molecular
Transformer pattern (Schwaller et al. 2019), for test_smiles_tokenizer.cpp.

Run from the repository root with Debian's python3:
    /usr/bin/python3 tests/tokenizers/data/make_golden.py \
        ../shared/data/chembl30_subset/chembl30_subset_90k.csv tests/tokenizers/data

Writes
  chembl30_first2000_tokens.txt  tokens of the first 2000 SMILES, one SMILES
                                 per line, tokens separated by one space
  chembl30_vocab_min100.txt      the vocabulary `plmkit vocab build --min-freq 100`
                                 must write: <pad> <unk> <cls> <eos> <mask>, then
                                 tokens seen >= 100 times by decreasing count
                                 (ties in byte order)
  edge_cases.tsv                 hand-picked cases (EDGE_CASES below)
  chembl30_summary.txt           whole-file summary: records, rejected, total
                                 tokens and a 64-bit FNV-1a hash of every
                                 token (each followed by 0x1f, each SMILES by
                                 0x1e; a rejected SMILES hashes as "!" 0x1e)
A SMILES is "rejected" when the matches of re.finditer do not cover the whole
string contiguously (re.findall would silently skip the uncovered characters).
"""
import csv
import re
import sys

PATTERN = r"(\[[^\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|\/|:|~|@|\?|>|\*|\$|\%[0-9]{2}|[0-9])"
REGEX = re.compile(PATTERN)
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK = (1 << 64) - 1


def tokenize(smiles):
    """Tokens, or None when the pattern does not cover the whole SMILES."""
    tokens = []
    pos = 0
    for m in REGEX.finditer(smiles):
        if m.start() != pos:
            return None
        tokens.append(m.group(0))
        pos = m.end()
    if pos != len(smiles) or not tokens:
        return None
    return tokens


def fnv(h, data):
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & MASK
    return h


# Hand-picked edge cases, tokenized by `re` into edge_cases.tsv
# (SMILES <tab> space-separated tokens, or REJECT).
EDGE_CASES = [
    "C[C@@H](Cl)c1ccccc1Br", "C1CC%10CC1%10", "c1ccccc1%12%13", "[nH]1cccc1", "[Na+].[Cl-]",
    "B", "BrB", "ClC(Cl)(Cl)Cl", "CCl", "CBr", "[13CH3]O", "N#N", "C/C=C\\C", "O=[N+]([O-])c1ccccc1",
    "C[C@H](O)$", "*C(=O)O", "CC>>CO", "CC>O>CO", "C~C", "C:C", "c1ccc2c(c1)[se]cc2",
    "[C[N]", "C%1", "C%", "C[", "C[]", "Cx", "C C", "Al", "L", "[Fe+2]", "%99", "Brr", "Cll",
    "C?C", "[2H]C([2H])([2H])[2H]", "C1=CC=CC=C1", "OCC(=O)[O-].[K+]",
]


def write_edge_cases(out_dir):
    with open(f"{out_dir}/edge_cases.tsv", "w") as f:
        for s in EDGE_CASES:
            toks = tokenize(s)
            f.write(s + "\t" + ("REJECT" if toks is None else " ".join(toks)) + "\n")


def main():
    src, out_dir = sys.argv[1], sys.argv[2]
    write_edge_cases(out_dir)
    with open(src, newline="") as f:
        reader = csv.DictReader(f)
        smiles = [row["smiles"] for row in reader]
    h = FNV_OFFSET
    total_tokens = 0
    rejected = 0
    first = []
    counts = {}
    for i, s in enumerate(smiles):
        toks = tokenize(s)
        if toks is None:
            rejected += 1
            h = fnv(h, b"!\x1e")
        else:
            assert "".join(toks) == s
            total_tokens += len(toks)
            for t in toks:
                counts[t] = counts.get(t, 0) + 1
            for t in toks:
                h = fnv(h, t.encode() + b"\x1f")
            h = fnv(h, b"\x1e")
        if i < 2000:
            assert toks is not None and not any(" " in t for t in toks)
            first.append(" ".join(toks))
    with open(f"{out_dir}/chembl30_first2000_tokens.txt", "w") as f:
        f.write("\n".join(first) + "\n")
    specials = ["<pad>", "<unk>", "<cls>", "<eos>", "<mask>"]
    kept = sorted((t for t, c in counts.items() if c >= 100 and t not in specials),
                  key=lambda t: (-counts[t], t.encode()))
    with open(f"{out_dir}/chembl30_vocab_min100.txt", "w") as f:
        f.write("".join(t + "\n" for t in specials + kept))
    with open(f"{out_dir}/chembl30_summary.txt", "w") as f:
        f.write(f"records {len(smiles)}\n")
        f.write(f"rejected {rejected}\n")
        f.write(f"tokens {total_tokens}\n")
        f.write(f"fnv1a64 {h:016x}\n")


if __name__ == "__main__":
    main()
