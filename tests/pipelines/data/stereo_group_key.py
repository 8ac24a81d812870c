"""Expected canonical SMILES of molecules with OR/AND stereo groups, for
tests/pipelines/test_standardize.cpp: the smallest RDKit MolToCXSmiles over
the molecule with each OR/AND group's atoms inverted or not (every writing
from a fresh parse). Run with /usr/bin/python3 (RDKit 2022.09):
    python3 stereo_group_key.py 'C[C@@H](O)[C@H](C)N |o1:1,3|' ...
"""
import itertools
import sys

from rdkit import Chem


def key(smiles):
    mol = Chem.MolFromSmiles(smiles)
    groups = [(g.GetGroupType(), [a.GetIdx() for a in g.GetAtoms()])
              for g in mol.GetStereoGroups()
              if g.GetGroupType() != Chem.StereoGroupType.STEREO_ABSOLUTE]
    if not groups:
        return Chem.MolToSmiles(mol)
    best = None
    for mask in itertools.product([0, 1], repeat=len(groups)):
        m = Chem.RWMol(Chem.MolFromSmiles(smiles))
        m.SetStereoGroups([Chem.CreateStereoGroup(t, m, ids) for t, ids in groups])
        for flip, (_, ids) in zip(mask, groups):
            if flip:
                for i in ids:
                    m.GetAtomWithIdx(i).InvertChirality()
        written = Chem.MolToCXSmiles(m)
        if best is None or written < best:
            best = written
    return best


if __name__ == "__main__":
    for s in sys.argv[1:]:
        print(f"{s}\t{key(s)}")
