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
// conjugated; in a ring; stereo none, any, Z, E, cis, trans. A double bond
// an SD file marks "either" (RDKit's STEREOANY, which no SMILES can write)
// is "none", as the same molecule read from SMILES: slot "any" stays 0 in
// plmkit-graph-3 (plmkit-graph-2 models, made before, set it, and keep
// their graphs).
//
// Every feature is independent of the order in which the SMILES lists the
// atoms (the chirality is the CIP label, not RDKit's order-relative CW/CCW
// tag), so a molecule written two ways gets one graph up to renumbering.
// The layout is named kGraphFeatures and stored with a model: a change of
// the features must change the name (plmkit-graph-1, never released, had
// the CW/CCW tags).
#include <cstdint>
#include <optional>
#include <string>

#include "models/mol_graph.hpp"

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

constexpr const char* kGraphFeatures = "plmkit-graph-3";
constexpr std::int64_t kAtomFeatures = 46;
constexpr std::int64_t kBondFeatures = 12;

/// What differs between the graph layouts this build makes.
struct MolGraphOptions {
    /// plmkit-graph-2: an SD "either" double bond (STEREOANY) sets slot "any".
    bool either_bond_as_any = false;
};

/// The options of a layout named in a model's config.json (kGraphFeatures
/// or plmkit-graph-2); nullopt for a layout this build does not make.
std::optional<MolGraphOptions> mol_graph_options(const std::string& layout);

/// The graph of a sanitized molecule. Thread-safe.
models::MolGraph build_mol_graph(const RDKit::ROMol& mol, const MolGraphOptions& options = {});

}  // namespace plmkit::pipelines
