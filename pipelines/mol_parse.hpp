#pragma once
// The `parse` step: a SMILES string or MDL mol block to a sanitized RDKit
// molecule. Failures (syntax, valence, kekulization) come back as a reason in
// RDKit's words, never as an exception or a line on stderr.
#include <memory>
#include <string>

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

struct ParseResult {
    std::unique_ptr<RDKit::ROMol> mol;  ///< null when parsing failed
    std::string error;                  ///< why, when mol is null
};

/// Parses SMILES (CXSMILES extensions allowed) without sanitizing, then
/// sanitizes separately so the reason names the failing operation.
ParseResult parse_smiles(const std::string& smiles);
/// Parses an MDL mol block (V2000/V3000), sanitizes, removes explicit Hs.
ParseResult parse_molblock(const std::string& molblock);

}  // namespace plmkit::pipelines
