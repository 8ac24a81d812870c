#!/usr/bin/python3
"""Golden values for tests/pipelines/test_{descriptors,qed,morgan}.cpp.

Run with Debian's Python (RDKit 2022.09), from the repository root:
    /usr/bin/python3 tests/pipelines/data/make_chem_golden.py ../shared
Writes, next to this script:
  chem_golden.csv     descriptors + QED (+ QED's own properties) per molecule:
                      every 45th row of the ChEMBL 90k subset (2014), all of
                      ESOL (1128) and a few hand-picked edge cases
  morgan_golden.csv   Morgan on-bits / counts and Tanimoto of molecule pairs
  morgan_refs.csv     a small reference set (2 unparsable rows on purpose)
  morgan_nearest.csv  max Tanimoto + nearest reference id for query molecules
"""
import csv
import os
import sys

from rdkit import Chem, DataStructs, RDLogger, rdBase
from rdkit.Chem import AllChem, Crippen, Descriptors, QED, rdMolDescriptors

RDLogger.DisableLog("rdApp.*")
HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../../shared")

EDGE_CASES = [
    "N=C(CCSCc1csc(N=C(N)N)n1)NS(N)(=O)=O",  # QED.py doctest examples
    "CNC(=NCCSCc1nc[nH]c1C)NC#N",
    "CCCCCNC(=N)NN=Cc1c[nH]c2ccc(CO)cc12",
    "[H]OC([H])([H])C([H])([H])[H]",  # explicit H (QED removes them)
    "[2H]C([2H])([2H])c1ccccc1",  # isotopic H
    "[13CH3]O",
    "[Na+].[O-]C(=O)c1ccccc1",  # salt
    "C[N+](C)(C)CCO",
    "[O-][N+](=O)c1ccc(Cl)cc1",
    "Cl[Sn](Cl)(Cl)Cl",  # metal (alert)
    "OB(O)c1ccccc1",
    "C[Si](C)(C)Cl",
    "N1C2=CC=CC=C2SC3=C1C=CC4=C3C=CC=C4",  # QED.py AROM comments
    "CC(C)C1=CC2=C(C)C=CC2=C(C)C=C1",
    "C",
    "[Cl-]",
    "c1ccc2c(c1)ccc1ccccc12",
    "O=C1NC(=O)C(N1)(c1ccccc1)c1ccccc1",
    "CC(=O)Oc1ccccc1C(=O)O",
    "C[C@H](N)C(=O)O",
    "F/C=C/F",
    "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCC",
]

DESC_COLS = ["mw", "clogp", "tpsa", "hbd", "hba", "rotb", "heavy_atoms", "rings",
             "aromatic_rings", "fsp3", "qed", "formal_charge"]
# QED's own property counts (its HBA and AROM differ from the descriptors'),
# and QED with the WEIGHT_MAX / WEIGHT_NONE weights.
QED_COLS = ["qed_hba", "qed_hbd", "qed_rotb", "qed_arom", "qed_alerts", "qed_max", "qed_none"]


def read_smiles():
    out = []
    with open(os.path.join(SHARED, "data/chembl30_subset/chembl30_subset_90k.csv")) as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i % 45 == 0:
                out.append(("chembl", row["smiles"].strip()))
    with open(os.path.join(SHARED, "data/esol/delaney-processed.csv")) as f:
        for row in csv.DictReader(f):
            out.append(("esol", row["smiles"].strip()))
    out += [("edge", s) for s in EDGE_CASES]
    return out


def fmt(x, digits=10):
    return ("%." + str(digits) + "g") % x


def descriptor_row(mol):
    p = QED.properties(mol)
    return [fmt(Descriptors.MolWt(mol)), fmt(Crippen.MolLogP(mol)), fmt(Descriptors.TPSA(mol)),
            Descriptors.NumHDonors(mol), Descriptors.NumHAcceptors(mol),
            Descriptors.NumRotatableBonds(mol), Descriptors.HeavyAtomCount(mol),
            Descriptors.RingCount(mol), Descriptors.NumAromaticRings(mol),
            fmt(Descriptors.FractionCSP3(mol)), fmt(QED.qed(mol)),
            Chem.GetFormalCharge(mol),
            p.HBA, p.HBD, p.ROTB, p.AROM, p.ALERTS,
            fmt(QED.weights_max(mol)), fmt(QED.weights_none(mol))]


def write_descriptors(mols):
    path = os.path.join(HERE, "chem_golden.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["source", "smiles"] + DESC_COLS + QED_COLS)
        for source, smi, mol in mols:
            w.writerow([source, smi] + descriptor_row(mol))
    print(path, len(mols))


def fp(mol, radius, nbits, counts, chirality):
    if counts:
        return AllChem.GetHashedMorganFingerprint(mol, radius, nBits=nbits,
                                                  useChirality=chirality)
    return AllChem.GetMorganFingerprintAsBitVect(mol, radius, nBits=nbits,
                                                 useChirality=chirality)


def fp_text(v, counts):
    if counts:
        return " ".join("%d:%d" % kv for kv in sorted(v.GetNonzeroElements().items()))
    return " ".join(str(b) for b in v.GetOnBits())


def write_morgan(mols):
    settings = [(2, 2048, False, False), (2, 2048, True, False), (3, 1024, False, True),
                (1, 512, True, True)]
    path = os.path.join(HERE, "morgan_golden.csv")
    n = 0
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["smiles_a", "smiles_b", "radius", "nbits", "counts", "chirality",
                    "tanimoto", "fp_a"])
        for k, (radius, nbits, counts, chir) in enumerate(settings):
            for i in range(k, len(mols) - 1, 40):
                a, b = mols[i][2], mols[i + 1][2]
                fa, fb = fp(a, radius, nbits, counts, chir), fp(b, radius, nbits, counts, chir)
                w.writerow([mols[i][1], mols[i + 1][1], radius, nbits, int(counts), int(chir),
                            fmt(DataStructs.TanimotoSimilarity(fa, fb), 10),
                            fp_text(fa, counts)])
                n += 1
    print(path, n)


def write_references(mols):
    refs = [("ref%02d" % i, mols[j][1]) for i, j in enumerate(range(2100, 2400, 15))]
    refs.insert(3, ("bad_syntax", "C1CC("))
    refs.insert(9, ("bad_valence", "C(C)(C)(C)(C)C"))
    with open(os.path.join(HERE, "morgan_refs.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["smiles", "id"])
        for rid, smi in refs:
            w.writerow([smi, rid])
    good = [(rid, Chem.MolFromSmiles(smi)) for rid, smi in refs]
    good = [(rid, m) for rid, m in good if m is not None]
    path = os.path.join(HERE, "morgan_nearest.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["smiles", "counts", "similarity", "nearest_id"])
        for counts in (False, True):
            ref_fps = [(rid, fp(m, 2, 2048, counts, False)) for rid, m in good]
            for source, smi, mol in mols[0:2400:24]:
                q = fp(mol, 2, 2048, counts, False)
                best, best_id = -1.0, ""
                for rid, rf in ref_fps:
                    s = DataStructs.TanimotoSimilarity(q, rf)
                    if s > best:
                        best, best_id = s, rid
                w.writerow([smi, int(counts), fmt(best, 10), best_id])
    print(path, len(good), "usable references")


def main():
    print("RDKit", rdBase.rdkitVersion)
    mols = []
    for source, smi in read_smiles():
        mol = Chem.MolFromSmiles(smi)
        if mol is None:
            print("skipped (unparsable in RDKit):", smi)
            continue
        mols.append((source, smi, mol))
    write_descriptors(mols)
    write_morgan(mols)
    write_references(mols)


if __name__ == "__main__":
    main()
