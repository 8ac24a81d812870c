"""Reference features for tests/pipelines/test_featurizers.cpp, computed with
RDKit's Python API (Debian's /usr/bin/python3, RDKit 2022.09):
  /usr/bin/python3 tests/pipelines/data/make_featurizer_golden.py > tests/pipelines/data/featurizer_golden.json
"""
import json
from rdkit import Chem
from rdkit.Chem import AllChem, MACCSkeys, rdMolDescriptors as r

SMILES = ["CC(=O)Oc1ccccc1C(=O)O", "c1ccc2ccccc2c1", "[Na+].[O-]C(=O)CCl", "CN1CCC[C@H]1c1cccnc1"]
props = r.Properties()
out = []
for s in SMILES:
    m = Chem.MolFromSmiles(s)
    fp = AllChem.GetHashedMorganFingerprint(m, 2, 2048).GetNonzeroElements()
    out.append({
        "smiles": s,
        "morgan_counts": {str(k): v for k, v in sorted(fp.items())},
        "properties": dict(zip(props.GetPropertyNames(), props.ComputeProperties(m))),
        "MQN": list(r.MQNs_(m)),
        "SlogP_VSA": list(r.SlogP_VSA_(m)),
        "SMR_VSA": list(r.SMR_VSA_(m)),
        "PEOE_VSA": list(r.PEOE_VSA_(m)),
        "count_C": sum(1 for a in m.GetAtoms() if a.GetSymbol() == "C"),
        "count_total_h": sum(a.GetTotalNumHs() for a in m.GetAtoms()),
        "count_fragments": len(Chem.GetMolFrags(m)),
        "maccs_on_bits": list(MACCSkeys.GenMACCSKeys(m).GetOnBits()),
        "atompair_counts": {str(k): v for k, v in sorted(
            r.GetHashedAtomPairFingerprint(m, nBits=2048).GetNonzeroElements().items())},
        "torsion_counts": {str(k): v for k, v in sorted(
            r.GetHashedTopologicalTorsionFingerprint(m, nBits=2048).GetNonzeroElements().items())},
    })
print(json.dumps(out, indent=1))
