"""Golden file for tests/pipelines/test_mol_filters.cpp and test_standardize.cpp,
made with RDKit's Python API (Debian's /usr/bin/python3, RDKit 2022.09):
for the first 400 molecules of ../shared/data/chembl30_subset, the
standardized SMILES (Cleanup, LargestFragmentChooser, Uncharger) and the
first default-pipeline filter rule that rejects it, checked in plmkit's
order: Lipinski (> 1 violation of MolWt 500, MolLogP 5, NumHDonors 5,
NumHAcceptors 10), Veber (rotatable bonds > 10, TPSA > 140), PAINS_A,
PAINS_B, PAINS_C (first matching entry's description).
Run: /usr/bin/python3 make_screen_golden.py > screen_filter_golden.csv"""
import csv
import sys

from rdkit import Chem, RDLogger
from rdkit.Chem import Crippen, Descriptors, Lipinski, rdMolDescriptors
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams
from rdkit.Chem.MolStandardize import rdMolStandardize as S

RDLogger.DisableLog("rdApp.*")
SRC = "../../../../shared/data/chembl30_subset/chembl30_subset_90k.csv"
cats = []
for name in ("PAINS_A", "PAINS_B", "PAINS_C"):
    p = FilterCatalogParams()
    p.AddCatalog(getattr(FilterCatalogParams.FilterCatalogs, name))
    cats.append((name.lower(), FilterCatalog(p)))
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["id", "smiles", "rule", "detail"])
largest, uncharger = S.LargestFragmentChooser(), S.Uncharger()
for i, row in enumerate(csv.DictReader(open(SRC))):
    if i == 400:
        break
    m = uncharger.uncharge(largest.choose(S.Cleanup(Chem.MolFromSmiles(row["smiles"]))))
    smi = Chem.MolToSmiles(m)
    m = Chem.MolFromSmiles(smi)
    v = [Descriptors.MolWt(m) > 500, Crippen.MolLogP(m) > 5,
         Lipinski.NumHDonors(m) > 5, Lipinski.NumHAcceptors(m) > 10]
    rule, detail = "", ""
    if sum(v) > 1:
        rule = "lipinski"
    elif rdMolDescriptors.CalcNumRotatableBonds(m) > 10 or rdMolDescriptors.CalcTPSA(m) > 140:
        rule = "veber"
    else:
        for name, fc in cats:
            e = fc.GetFirstMatch(m)
            if e is not None:
                rule, detail = name, e.GetDescription()
                break
    out.writerow([row["chembl_id"], smi, rule, detail])
