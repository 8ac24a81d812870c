#pragma once
// RDKit writes its diagnostics (SMILES parse errors, sanitization warnings,
// MolStandardize's "Running Normalizer") to global loggers on stderr. Screening
// millions of molecules must not spam stderr, yet a reject needs RDKit's
// reason. capture_rdkit_logs() points every RDKit logger at a sink that keeps
// the text per thread; take_rdkit_message() returns (and clears) what the
// calling thread's RDKit calls logged since the last take.
#include <string>

namespace plmkit::pipelines {

/// Idempotent and process-wide: RDKit's loggers stay captured afterwards.
void capture_rdkit_logs();
/// The calling thread's captured RDKit messages, one line each without the
/// "[hh:mm:ss] " prefix, joined by "; " (empty when nothing was logged).
std::string take_rdkit_message();

}  // namespace plmkit::pipelines
