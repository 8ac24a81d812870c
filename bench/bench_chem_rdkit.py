#!/usr/bin/python3
"""Per-step throughput of RDKit's Python API on one core: the reference for
build/bin/bench_chem (same molecules, same steps, same output format).

    /usr/bin/python3 bench/bench_chem_rdkit.py [n=20000] [csv=<shared>/data/chembl30_subset/...]
        [--repeat R]

Steps (each on the molecules parsed in the first step):
  parse+sanitize       Chem.MolFromSmiles
  standardize          rdMolStandardize.Cleanup -> LargestFragmentChooser().choose
                       -> Uncharger().uncharge (chooser/uncharger built once)
  PAINS A+B+C          one FilterCatalog with PAINS_A, PAINS_B, PAINS_C; GetFirstMatch
  Morgan r2/2048 bits  AllChem.GetMorganFingerprintAsBitVect(m, 2, nBits=2048)
  QED                  QED.qed
  all descriptors      the 12 plmkit columns: MolWt, MolLogP, TPSA(includeSandP=False),
                       NumHBD, NumHBA, NumRotatableBonds(Strict), heavy atoms, rings,
                       aromatic rings, FractionCSP3, QED, formal charge

Prints wall-clock and CPU (process_time) molecules/s; with --repeat R the
best of R runs per step. Python is single-threaded here (one core).
Needs Debian's python3-rdkit (scripts/setup.sh installs it).
"""
import argparse
import csv
import os
import sys
import time

from rdkit import Chem, RDLogger
from rdkit.Chem import QED, AllChem, Crippen, Descriptors, rdMolDescriptors
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams
from rdkit.Chem.MolStandardize import rdMolStandardize


def read_smiles(path, n):
    out = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            out.append(row["smiles"])
            if len(out) >= n:
                break
    return out


def timed(fn, items, repeat):
    best_wall, best_cpu, result = None, None, None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        result = [fn(x) for x in items]
        w, c = time.perf_counter() - w0, time.process_time() - c0
        best_wall = w if best_wall is None else min(best_wall, w)
        best_cpu = c if best_cpu is None else min(best_cpu, c)
    return best_wall, best_cpu, result


def report(step, n, wall, cpu):
    print(
        f"{step:<34} {n:8d} mols  {wall:8.3f} s  {n / wall:10.0f} mol/s  "
        f"(1 thread, cpu {cpu:.3f} s = {n / cpu:.0f} mol/s)",
        flush=True,
    )


def descriptors(m):
    return (
        Descriptors.MolWt(m),
        Crippen.MolLogP(m),
        rdMolDescriptors.CalcTPSA(m, includeSandP=False),
        rdMolDescriptors.CalcNumHBD(m),
        rdMolDescriptors.CalcNumHBA(m),
        rdMolDescriptors.CalcNumRotatableBonds(m, rdMolDescriptors.NumRotatableBondsOptions.Strict),
        m.GetNumHeavyAtoms(),
        rdMolDescriptors.CalcNumRings(m),
        rdMolDescriptors.CalcNumAromaticRings(m),
        rdMolDescriptors.CalcFractionCSP3(m),
        QED.qed(m),
        Chem.GetFormalCharge(m),
    )


def main():
    default_csv = os.path.join(
        os.path.dirname(os.path.abspath(__file__)),
        "../../shared/data/chembl30_subset/chembl30_subset_90k.csv",
    )
    if not os.path.exists(default_csv):
        default_csv = "/work/shared/data/chembl30_subset/chembl30_subset_90k.csv"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=20000)
    ap.add_argument("csv", nargs="?", default=default_csv)
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    RDLogger.DisableLog("rdApp.*")
    import rdkit

    smiles = read_smiles(a.csv, a.n)
    print(f"bench_chem_rdkit: {len(smiles)} molecules from {a.csv}, RDKit {rdkit.__version__}, "
          f"Python {sys.version.split()[0]}, 1 thread")

    wall, cpu, mols = timed(Chem.MolFromSmiles, smiles, a.repeat)
    report("parse+sanitize (MolFromSmiles)", len(smiles), wall, cpu)
    mols = [m for m in mols if m is not None]
    if len(mols) != len(smiles):
        print(f"  ({len(smiles) - len(mols)} SMILES failed to parse; skipped below)")

    chooser = rdMolStandardize.LargestFragmentChooser()
    uncharger = rdMolStandardize.Uncharger()

    def standardize(m):
        return uncharger.uncharge(chooser.choose(rdMolStandardize.Cleanup(m)))

    wall, cpu, _ = timed(standardize, mols, a.repeat)
    report("standardize (cleanup+largest+unch)", len(mols), wall, cpu)

    params = FilterCatalogParams()
    for c in (FilterCatalogParams.FilterCatalogs.PAINS_A, FilterCatalogParams.FilterCatalogs.PAINS_B,
              FilterCatalogParams.FilterCatalogs.PAINS_C):
        params.AddCatalog(c)
    pains = FilterCatalog(params)
    wall, cpu, hits = timed(pains.GetFirstMatch, mols, a.repeat)
    report("PAINS A+B+C (FilterCatalog)", len(mols), wall, cpu)
    print(f"  ({sum(h is not None for h in hits)} PAINS matches)")

    wall, cpu, _ = timed(lambda m: AllChem.GetMorganFingerprintAsBitVect(m, 2, nBits=2048), mols,
                         a.repeat)
    report("Morgan r2/2048 bits", len(mols), wall, cpu)
    wall, cpu, _ = timed(QED.qed, mols, a.repeat)
    report("QED", len(mols), wall, cpu)
    wall, cpu, _ = timed(descriptors, mols, a.repeat)
    report("all descriptors (incl. QED)", len(mols), wall, cpu)


if __name__ == "__main__":
    main()
