#pragma once
// A molecule as a graph for message passing (models/dmpnn.hpp): per-atom
// feature rows and directed bonds with their own feature rows. Plain data,
// no RDKit: pipelines/mol_graph_builder.hpp makes them from molecules.
#include <cstdint>
#include <vector>

namespace plmkit::models {

struct MolGraph {
    std::int32_t atoms = 0;
    std::vector<float> atom_features;  ///< atoms * atom_dim, row-major
    /// Directed bonds, two per chemical bond: 2i goes from[2i] -> to[2i] and
    /// 2i + 1 is its reverse, so the reverse of bond b is b ^ 1.
    std::vector<std::int32_t> from, to;
    std::vector<float> bond_features;  ///< directed bonds * bond_dim, row-major
    std::size_t bonds() const { return from.size(); }
};

}  // namespace plmkit::models
