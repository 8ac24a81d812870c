#pragma once
// Why a SMILES (or sequence) field read from a table cannot be used: the
// checks MoleculeReader makes of each record's field before RDKit sees it.
// Each returns the reject reason, or "" when the field is fine.
#include <string>

namespace plmkit::data {

/// Whitespace inside the field: RDKit would read the text after a space as
/// the molecule's name. `label` names the field ("SMILES", "sequence").
/// "" also for a SMILES followed by a CXSMILES "|...|" block.
std::string field_whitespace_reason(const std::string& smiles, const std::string& label);

/// A byte outside printable ASCII (tab excepted: field_whitespace_reason
/// judges it), which RDKit's SMILES parser would stop at without an error.
std::string smiles_non_ascii_reason(const std::string& smiles);

}  // namespace plmkit::data
