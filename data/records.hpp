#pragma once
// Records read from inputs. A record that cannot be used is still returned,
// with `error` set, so the caller can send it to the rejects output: no
// record is ever dropped silently.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace plmkit::data {

struct SequenceRecord {
    std::string id;           ///< first word of the header
    std::string description;  ///< rest of the header line
    std::string sequence;     ///< residues as in the file, lines joined
    std::uint64_t index = 0;  ///< 0-based record number in the file
    std::uint64_t line = 0;   ///< 1-based line of the header
    std::string error;        ///< non-empty: rejected, with the reason
};

struct MoleculeRecord {
    std::string id;        ///< from the id column / name / SD title; else "<file-stem>:<n>"
    std::string smiles;    ///< SMILES text (empty for SDF records)
    std::string molblock;  ///< SDF: the MDL mol block, to be parsed by RDKit
    /// Extra columns / SD tags.
    std::vector<std::pair<std::string, std::string>> props;
    /// The chosen target columns.
    std::vector<std::pair<std::string, std::string>> targets;
    std::uint64_t index = 0;  ///< 0-based record number
    std::uint64_t line = 0;   ///< 1-based line where the record starts
    std::string error;        ///< non-empty: rejected, with the reason
};

}  // namespace plmkit::data
