"""Golden file for tests/pipelines/test_descriptor_extras.cpp, made with RDKit's
Python API (Debian's /usr/bin/python3, RDKit 2022.09): for every 300th
molecule of ../shared/data/chembl30_subset (302 molecules), every BBBP
molecule whose SMILES RDKit parses among the first 150, and hand-picked edge
cases, the descList descriptors that plmkit computes in
pipelines/descriptor_extras.cpp (E-state, QED, charges, Morgan densities,
BCUT2D, BalabanJ, Chi0/Chi1, EState_VSA, VSA_EState, fr_*), %.9g.
'gasteiger_nan' is 1 where some atom's Gasteiger charge is NaN (RDKit has
no parameters for it); the Python charge extremes are then order-dependent.
Run: /usr/bin/python3 make_descriptor_golden.py > descriptor_golden.csv"""
import csv
import math
import sys

from rdkit import Chem, RDLogger
from rdkit.Chem import Descriptors, rdPartialCharges

RDLogger.DisableLog("rdApp.*")
CHEMBL = "../../../../shared/data/chembl30_subset/chembl30_subset_90k.csv"
BBBP = "../../../../shared/data/bbbp/BBBP.csv"
NAMES = ["MaxEStateIndex", "MinEStateIndex", "MaxAbsEStateIndex", "MinAbsEStateIndex", "qed",
         "HeavyAtomMolWt", "NumValenceElectrons", "NumRadicalElectrons", "MaxPartialCharge",
         "MinPartialCharge", "MaxAbsPartialCharge", "MinAbsPartialCharge", "FpDensityMorgan1",
         "FpDensityMorgan2", "FpDensityMorgan3", "BCUT2D_MWHI", "BCUT2D_MWLOW", "BCUT2D_CHGHI",
         "BCUT2D_CHGLO", "BCUT2D_LOGPHI", "BCUT2D_LOGPLOW", "BCUT2D_MRHI", "BCUT2D_MRLOW",
         "BalabanJ", "Chi0", "Chi1"]
NAMES += [f"EState_VSA{i}" for i in range(1, 12)] + [f"VSA_EState{i}" for i in range(1, 11)]
FNS = dict(Descriptors.descList)
NAMES += [n for n, _ in Descriptors.descList if n.startswith("fr_")]

rows = [("hand:1", "[Na+].[O-]C(=O)CCl"),        # salt: two fragments
        ("hand:2", "C[CH2]"),                    # radical
        ("hand:3", "[2H]C([2H])([2H])O"),        # isotopes
        ("hand:4", "C"),                         # one atom, no bonds
        ("hand:5", "[Se]1C=CC=C1"),              # selenophene: no Gasteiger parameters
        ("hand:6", "OB(O)c1ccccc1"),             # boronic acid
        ("hand:7", "C[N+](C)(C)CC(=O)[O-]"),     # zwitterion
        ("hand:8", "c1ccc2c(c1)ccc1ccccc12"),    # fused aromatics
        ("hand:9", "CCCCCCCCCCCCCCCCCC(=O)OCC(O)CO"),
        ("hand:10", "O=[N+]([O-])c1ccc(cc1)S(=O)(=O)N")]
for i, row in enumerate(csv.DictReader(open(CHEMBL))):
    if i % 300 == 0:
        rows.append((row["chembl_id"], row["smiles"]))
for i, row in enumerate(csv.DictReader(open(BBBP))):
    if i < 150 and Chem.MolFromSmiles(row["smiles"]) is not None:
        rows.append(("bbbp:" + row["num"], row["smiles"]))

out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["id", "smiles", "gasteiger_nan"] + NAMES)
for ident, smi in rows:
    m = Chem.MolFromSmiles(smi)
    c = Chem.Mol(m)
    rdPartialCharges.ComputeGasteigerCharges(c)
    bad = any(math.isnan(float(a.GetProp("_GasteigerCharge"))) for a in c.GetAtoms())
    vals = []
    for n in NAMES:
        v = float(FNS[n](Chem.Mol(m)))
        vals.append("%.9g" % v)
    out.writerow([ident, smi, int(bad)] + vals)
