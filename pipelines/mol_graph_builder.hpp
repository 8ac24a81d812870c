#pragma once
// RDKit molecule -> models::MolGraph, the input of the D-MPNN part of a
// property model (`plmkit train --head ...+mpnn`). Heavy atoms are nodes
// (hydrogens count as an atom feature), each bond two directed edges.
//
// Atom features (kAtomFeatures = 46), one-hot unless said:
//   element        H B C N O F Si P S Cl Se Br I, other          14
//   total degree   0 1 2 3 4 5, other                             7
//   formal charge  -2 -1 0 +1 +2, other                           6
//   chirality      none, R, S (CIP), a chiral tag without a label  4
//   total Hs       0 1 2 3 4, other                               6
//   hybridization  SP SP2 SP3 SP3D SP3D2, other                   6
//   aromatic, in a ring (0/1); mass / 100                         3
// Bond features (kBondFeatures = 12): single, double, triple, aromatic;
// conjugated; in a ring; stereo none, any, Z, E, cis, trans.
//
// Every feature is independent of the order in which the SMILES lists the
// atoms (the chirality is the CIP label, not RDKit's order-relative CW/CCW
// tag), so a molecule written two ways gets one graph up to renumbering.
// The layout is named kGraphFeatures and stored with a model: a change of
// the features must change the name (plmkit-graph-1, never released, had
// the CW/CCW tags).
#include <cstdint>

#include "models/mol_graph.hpp"

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

constexpr const char* kGraphFeatures = "plmkit-graph-2";
constexpr std::int64_t kAtomFeatures = 46;
constexpr std::int64_t kBondFeatures = 12;

/// The graph of a sanitized molecule. Thread-safe.
models::MolGraph build_mol_graph(const RDKit::ROMol& mol);

}  // namespace plmkit::pipelines
