#pragma once
// The `parse` step: a SMILES string or MDL mol block to a sanitized RDKit
// molecule. Failures (syntax, valence, kekulization) come back as a reason in
// RDKit's words, never as an exception or a line on stderr.
#include <cstdint>
#include <memory>
#include <string>

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

/// Molecules with more heavy atoms than this are rejected at parse time:
/// RDKit's canonical SMILES writer and fragment code recurse once per atom
/// along a chain, and about 11,000 atoms overflow an 8 MiB stack (a crash,
/// not an error). The limit leaves room for 2 MiB thread stacks (glibc's
/// default for threads when `ulimit -s` is unlimited).
constexpr unsigned kMaxHeavyAtoms = 2000;

struct ParseResult {
    std::unique_ptr<RDKit::ROMol> mol;  ///< null when parsing failed
    std::string error;                  ///< why, when mol is null
};

/// Parses SMILES (CXSMILES extensions allowed) without sanitizing, then
/// sanitizes separately so the reason names the failing operation. A
/// molecule above kMaxHeavyAtoms fails with a reason naming both counts.
ParseResult parse_smiles(const std::string& smiles);
/// Parses an MDL mol block (V2000/V3000), sanitizes, removes explicit Hs.
/// `first_line` (1-based; 0 = unknown) is the file line of the block's title:
/// RDKit's "on line K" (counted in the block) then also names the file line.
ParseResult parse_molblock(const std::string& molblock, std::uint64_t first_line = 0);

/// `reason` (a reject reason for the SDF record `input` whose title is on
/// file line `first_line`) with RDKit's "on line K", counted in the mol
/// block, also given as the file line: "on line 67 of the mol block (file
/// line 155)". Unchanged for a SMILES, an unknown line, a reason without
/// the phrase, or one that names the file line already. The featurizers of
/// train/predict/evaluate parse blocks without their file line.
std::string mol_block_reason(const std::string& input, const std::string& reason,
                             std::uint64_t first_line);

/// What a table shows in its smiles column for an input: the input itself,
/// or for an SDF mol block the canonical SMILES of its molecule; a block RDKit
/// cannot parse shows "(mol block at line N)" (`first_line` known) or
/// "(mol block)".
std::string shown_smiles(const std::string& input, std::uint64_t first_line = 0);

}  // namespace plmkit::pipelines
