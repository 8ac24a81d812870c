#pragma once
// The one rule for names derived from an output name: the extension of a file
// name is its last dot-suffix that does not start the name, and a final ".gz"
// takes the dot-suffix before it along ("hits.csv.gz" -> ".csv.gz"). Shards
// insert their tag before the extension and companion files (a screen's or
// predict's rejects TSV and summary JSON) replace it, so "a.tsv.csv",
// "a.tsv.csv.gz" and "a.tsv.json" all give "a.tsv.rejects.tsv".
#include <string>

namespace plmkit {

struct NameParts {
    std::string stem;       ///< the path up to the extension ("out/hits")
    std::string extension;  ///< "" or with its dot(s) (".csv", ".csv.gz")
};

/// `path` split by the rule above; only the file name part is looked at
/// ("run.1/results" has no extension; ".hidden" neither).
NameParts split_extension(const std::string& path);

/// "<stem><suffix>": the companion of `output` ("out/hits.csv.gz",
/// ".rejects.tsv" -> "out/hits.rejects.tsv").
std::string companion_path(const std::string& output, const std::string& suffix);

}  // namespace plmkit
