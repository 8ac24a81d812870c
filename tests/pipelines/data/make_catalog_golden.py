"""Golden file for tests/pipelines/test_catalog_matcher.cpp, made with RDKit's
Python API (Debian's /usr/bin/python3, RDKit 2022.09): for every 45th
molecule of ../shared/data/chembl30_subset (2014 molecules) plus a few
hand-picked PAINS/Brenk positives, every matching entry of the PAINS
(A+B+C in one catalog), BRENK, NIH and ZINC FilterCatalogs, in catalog
order (FilterCatalog.GetMatches), descriptions joined by '|'.
Run: /usr/bin/python3 make_catalog_golden.py > catalog_golden.csv"""
import csv
import sys

from rdkit import Chem, RDLogger
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

RDLogger.DisableLog("rdApp.*")
SRC = "../../../../shared/data/chembl30_subset/chembl30_subset_90k.csv"
F = FilterCatalogParams.FilterCatalogs
cats = []
for name, which in (("pains", F.PAINS), ("brenk", F.BRENK), ("nih", F.NIH), ("zinc", F.ZINC)):
    p = FilterCatalogParams()
    p.AddCatalog(which)
    cats.append(FilterCatalog(p))
rows = [("hand:1", "O=C(C=Cc1ccccc1)c1ccccc1"),            # chalcone (Michael acceptor)
        ("hand:2", "Oc1ccc(N=Nc2ccccc2)cc1"),              # azo phenol
        ("hand:3", "CN(C)c1ccc(C=C2SC(=S)NC2=O)cc1"),      # ene_rhod
        ("hand:4", "Oc1ccccc1O"),                          # catechol
        ("hand:5", "[Na+].[O-]C(=O)c1ccccc1"),             # salt, two fragments
        ("hand:6", "C[N+](C)(C)CCOC(=O)C=C"),
        ("hand:7", "O=[N+]([O-])c1ccc(Cl)cc1"),
        ("hand:8", "[2H]C([2H])([2H])Oc1ccc(cc1)N=Nc1ccccc1")]
for i, row in enumerate(csv.DictReader(open(SRC))):
    if i % 45 == 0:
        rows.append((row["chembl_id"], row["smiles"]))
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["id", "smiles", "pains", "brenk", "nih", "zinc"])
for ident, smi in rows:
    m = Chem.MolFromSmiles(smi)
    out.writerow([ident, smi] + ["|".join(e.GetDescription() for e in c.GetMatches(m)) for c in cats])
