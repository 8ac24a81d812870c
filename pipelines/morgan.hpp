#pragma once
// Morgan (ECFP-like) fingerprints, Tanimoto similarity and a reference set of
// actives for nearest-neighbour search. Fingerprints equal RDKit's
// MorganFingerprints::getFingerprintAsBitVect (bits) or
// getHashedFingerprint (counts), computed by plmkit's own implementation of
// the algorithm and stored in plain containers so that callers need no
// RDKit headers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace RDKit {
class ROMol;
}
namespace plmkit::data {
struct MoleculeReaderOptions;
}

namespace plmkit::pipelines {

struct MorganOptions {
    unsigned radius = 2;
    unsigned nbits = 2048;   ///< fingerprint length (bits, or hashed count slots)
    bool counts = false;     ///< hashed count fingerprint instead of a bit vector
    bool chirality = false;  ///< include chirality in atom invariants
};

/// A bit vector (counts == false) or a sparse hashed count vector.
class MorganFingerprint {
  public:
    MorganFingerprint() = default;
    /// Bit vector of `nbits` with the given bits set (each < nbits).
    static MorganFingerprint from_bits(unsigned nbits, const std::vector<unsigned>& on_bits);
    /// Count vector of `nbits` slots from (index, count) pairs (any order,
    /// repeated indices are added, zero counts dropped).
    static MorganFingerprint from_counts(
        unsigned nbits, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& entries);

    bool counts() const { return counts_; }
    unsigned nbits() const { return nbits_; }
    /// Bits set (bit vector) or non-zero slots (counts), ascending.
    std::vector<unsigned> on_bits() const;
    /// (index, count) pairs ascending by index; a bit vector gives count 1.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> entries() const;
    /// Number of bits set, or the sum of all counts.
    std::uint64_t total() const { return total_; }

    friend double tanimoto(const MorganFingerprint& a, const MorganFingerprint& b);

  private:
    unsigned nbits_ = 0;
    bool counts_ = false;
    std::uint64_t total_ = 0;
    std::vector<std::uint64_t> words_;                              ///< bits
    std::vector<std::pair<std::uint32_t, std::uint32_t>> entries_;  ///< counts
};

/// The fingerprint of a sanitized molecule: RDKit's, bit for bit, from
/// plmkit's implementation of its algorithm (RDKit's own code with
/// options.chirality). Thread-safe for distinct molecules.
MorganFingerprint morgan_fingerprint(const RDKit::ROMol& mol, const MorganOptions& options);
/// The same from RDKit's MorganFingerprints functions: the reference in
/// tests and benchmarks.
MorganFingerprint rdkit_morgan_fingerprint(const RDKit::ROMol& mol, const MorganOptions& options);
/// The hashed invariant of every environment RDKit's Morgan algorithm counts
/// up to `radius` (without chirality), appended to `out` in no particular
/// order: bit = value % nbits, count = occurrences of a bit.
void morgan_environments(const RDKit::ROMol& mol, unsigned radius, std::vector<std::uint32_t>& out);

/// Tanimoto similarity: |a & b| / |a | b| for bits, sum(min)/sum(max) for
/// counts (as RDKit's DataStructs.TanimotoSimilarity). When both are empty,
/// like RDKit: 1 for bit vectors, 0 for counts.
/// Throws UsageError when the two fingerprints differ in kind or length.
double tanimoto(const MorganFingerprint& a, const MorganFingerprint& b);

/// Reference molecules (actives) with their fingerprints, for max-Tanimoto
/// nearest-neighbour search. nearest() is const and thread-safe.
class ReferenceSet {
  public:
    struct Hit {
        double similarity = 0;  ///< max Tanimoto (0 for an empty set)
        std::string id;         ///< id of the first reference reaching it ("" if none)
    };

    ReferenceSet() = default;
    explicit ReferenceSet(const MorganOptions& options) : options_(options) {}

    /// Reads .smi/.csv/.tsv/.sdf[.gz] through data::MoleculeReader. A
    /// reference that cannot be read or parsed is skipped with a warning
    /// naming file:line and the reason, and counted in skipped(). Throws
    /// IoError if the file cannot be read and InputError if no reference is
    /// usable.
    static ReferenceSet load(const std::string& path, const MorganOptions& options);
    /// The same with explicit reader options (SMILES / id columns, format).
    static ReferenceSet load(const std::string& path, const MorganOptions& options,
                             const data::MoleculeReaderOptions& reader_options);

    /// Adds a fingerprint (computed with options(); e.g. of a molecule the
    /// caller standardized first).
    void add(std::string id, MorganFingerprint fp);

    /// The most similar reference; ties go to the earliest reference.
    Hit nearest(const MorganFingerprint& fp) const;

    std::size_t size() const { return ids_.size(); }
    std::size_t skipped() const { return skipped_; }
    const MorganOptions& options() const { return options_; }

  private:
    MorganOptions options_;
    std::vector<std::string> ids_;
    std::vector<MorganFingerprint> fps_;
    std::size_t skipped_ = 0;
};

}  // namespace plmkit::pipelines
