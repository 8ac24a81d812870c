#include "pipelines/morgan.hpp"

#include "data/molecule_reader.hpp"
#include "pipelines/mol_parse.hpp"
#include "src/error.hpp"
#include "src/log.hpp"

#include <DataStructs/ExplicitBitVect.h>
#include <DataStructs/SparseIntVect.h>
#include <GraphMol/Fingerprints/MorganFingerprints.h>
#include <GraphMol/GraphMol.h>

#include <algorithm>
#include <boost/dynamic_bitset.hpp>
#include <memory>

namespace plmkit::pipelines {
namespace {

std::size_t word_count(unsigned nbits) {
    return (nbits + 63) / 64;
}

void check_comparable(const MorganFingerprint& a, const MorganFingerprint& b) {
    if (a.counts() != b.counts() || a.nbits() != b.nbits()) {
        auto kind = [](const MorganFingerprint& f) {
            return std::string(f.counts() ? "counts" : "bits") + "/" + std::to_string(f.nbits());
        };
        throw UsageError("tanimoto: fingerprints differ in kind or length (" + kind(a) + " vs " +
                         kind(b) + ")");
    }
}

double tanimoto_bits(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b,
                     std::uint64_t total_a, std::uint64_t total_b) {
    std::uint64_t both = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        both += __builtin_popcountll(a[i] & b[i]);
    const std::uint64_t either = total_a + total_b - both;
    if (either == 0) return 1.0;  // RDKit: two empty bit vectors are identical
    return static_cast<double>(both) / static_cast<double>(either);
}

double tanimoto_counts(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& a,
                       const std::vector<std::pair<std::uint32_t, std::uint32_t>>& b,
                       std::uint64_t total_a, std::uint64_t total_b) {
    std::uint64_t mins = 0;
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i].first < b[j].first) {
            ++i;
        } else if (b[j].first < a[i].first) {
            ++j;
        } else {
            mins += std::min(a[i].second, b[j].second);
            ++i;
            ++j;
        }
    }
    if (total_a + total_b == 0) return 0.0;  // RDKit's SparseIntVect convention
    return static_cast<double>(mins) / static_cast<double>(total_a + total_b - mins);
}

/// Parses one reference record as the screen's parse step does; nullptr with
/// `reason` set (RDKit's words) when it fails.
std::unique_ptr<RDKit::ROMol> parse_reference(const data::MoleculeRecord& record,
                                              std::string& reason) {
    ParseResult parsed =
        record.molblock.empty() ? parse_smiles(record.smiles) : parse_molblock(record.molblock);
    reason = parsed.error;
    return std::move(parsed.mol);
}

}  // namespace

MorganFingerprint MorganFingerprint::from_bits(unsigned nbits, const std::vector<unsigned>& on) {
    MorganFingerprint fp;
    fp.nbits_ = nbits;
    fp.counts_ = false;
    fp.words_.assign(word_count(nbits), 0);
    for (unsigned bit : on) {
        if (bit >= nbits) {
            throw UsageError("fingerprint bit " + std::to_string(bit) + " out of range (nbits " +
                             std::to_string(nbits) + ")");
        }
        fp.words_[bit / 64] |= std::uint64_t{1} << (bit % 64);
    }
    for (std::uint64_t w : fp.words_)
        fp.total_ += __builtin_popcountll(w);
    return fp;
}

MorganFingerprint MorganFingerprint::from_counts(
    unsigned nbits, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& entries) {
    MorganFingerprint fp;
    fp.nbits_ = nbits;
    fp.counts_ = true;
    auto sorted = entries;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [index, count] : sorted) {
        if (index >= nbits) {
            throw UsageError("fingerprint index " + std::to_string(index) +
                             " out of range (nbits " + std::to_string(nbits) + ")");
        }
        if (count == 0) continue;
        if (!fp.entries_.empty() && fp.entries_.back().first == index) {
            fp.entries_.back().second += count;
        } else {
            fp.entries_.emplace_back(index, count);
        }
        fp.total_ += count;
    }
    return fp;
}

std::vector<unsigned> MorganFingerprint::on_bits() const {
    std::vector<unsigned> out;
    if (counts_) {
        for (const auto& e : entries_)
            out.push_back(e.first);
        return out;
    }
    for (std::size_t w = 0; w < words_.size(); ++w) {
        for (std::uint64_t bits = words_[w]; bits != 0; bits &= bits - 1) {
            out.push_back(static_cast<unsigned>(w * 64 + __builtin_ctzll(bits)));
        }
    }
    return out;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> MorganFingerprint::entries() const {
    if (counts_) return entries_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
    for (unsigned bit : on_bits())
        out.emplace_back(bit, 1);
    return out;
}

double tanimoto(const MorganFingerprint& a, const MorganFingerprint& b) {
    check_comparable(a, b);
    if (a.counts_) return tanimoto_counts(a.entries_, b.entries_, a.total_, b.total_);
    return tanimoto_bits(a.words_, b.words_, a.total_, b.total_);
}

MorganFingerprint morgan_fingerprint(const RDKit::ROMol& mol, const MorganOptions& options) {
    if (options.nbits == 0) throw UsageError("Morgan fingerprint: nbits must be > 0");
    if (options.counts) {
        std::unique_ptr<RDKit::SparseIntVect<std::uint32_t>> sv(
            RDKit::MorganFingerprints::getHashedFingerprint(mol, options.radius, options.nbits,
                                                            nullptr, nullptr, options.chirality));
        std::vector<std::pair<std::uint32_t, std::uint32_t>> entries;
        for (const auto& [index, count] : sv->getNonzeroElements()) {
            entries.emplace_back(index, static_cast<std::uint32_t>(count));
        }
        return MorganFingerprint::from_counts(options.nbits, entries);
    }
    std::unique_ptr<ExplicitBitVect> bv(RDKit::MorganFingerprints::getFingerprintAsBitVect(
        mol, options.radius, options.nbits, nullptr, nullptr, options.chirality));
    std::vector<unsigned> on;
    on.reserve(bv->getNumOnBits());
    for (auto i = bv->dp_bits->find_first(); i != boost::dynamic_bitset<>::npos;
         i = bv->dp_bits->find_next(i)) {
        on.push_back(static_cast<unsigned>(i));
    }
    return MorganFingerprint::from_bits(options.nbits, on);
}

ReferenceSet ReferenceSet::load(const std::string& path, const MorganOptions& options) {
    return load(path, options, data::MoleculeReaderOptions{});
}

ReferenceSet ReferenceSet::load(const std::string& path, const MorganOptions& options,
                                const data::MoleculeReaderOptions& reader_options) {
    ReferenceSet set(options);
    data::MoleculeReader reader(path, reader_options);
    data::MoleculeRecord record;
    while (reader.next(record)) {
        std::string reason = record.error;
        std::unique_ptr<RDKit::ROMol> mol;
        if (reason.empty()) mol = parse_reference(record, reason);
        if (!mol) {
            log_warn(path + ":" + std::to_string(record.line) + ": reference '" + record.id +
                     "' skipped: " + reason);
            ++set.skipped_;
            continue;
        }
        set.add(record.id, morgan_fingerprint(*mol, options));
    }
    if (set.size() == 0) {
        throw InputError(path + ": no usable reference molecule (" + std::to_string(set.skipped_) +
                         " skipped)");
    }
    if (set.skipped_ > 0) {
        log_warn(path + ": " + std::to_string(set.skipped_) + " of " +
                 std::to_string(set.skipped_ + set.size()) + " reference molecules skipped");
    }
    return set;
}

void ReferenceSet::add(std::string id, MorganFingerprint fp) {
    if (fp.counts() != options_.counts || fp.nbits() != options_.nbits) {
        throw UsageError("reference '" + id + "': fingerprint does not match the set's options");
    }
    ids_.push_back(std::move(id));
    fps_.push_back(std::move(fp));
}

ReferenceSet::Hit ReferenceSet::nearest(const MorganFingerprint& fp) const {
    Hit hit;
    std::size_t best = fps_.size();
    for (std::size_t i = 0; i < fps_.size(); ++i) {
        const double s = tanimoto(fp, fps_[i]);
        if (best == fps_.size() || s > hit.similarity) {
            hit.similarity = s;
            best = i;
        }
    }
    if (best < fps_.size()) hit.id = ids_[best];
    return hit;
}

}  // namespace plmkit::pipelines
