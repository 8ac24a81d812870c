#include "pipelines/morgan.hpp"

#include "data/molecule_reader.hpp"
#include "pipelines/mol_parse.hpp"
#include "src/error.hpp"
#include "src/log.hpp"

#include <DataStructs/ExplicitBitVect.h>
#include <DataStructs/SparseIntVect.h>
#include <GraphMol/Fingerprints/MorganFingerprints.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/PeriodicTable.h>

#include <algorithm>
#include <boost/dynamic_bitset.hpp>
#include <memory>
#include <unordered_set>

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

namespace {

/// boost::hash_combine on 32-bit seeds, as RDKit's bundled gboost has it.
inline void hash_combine(std::uint32_t& seed, std::uint32_t v) {
    seed ^= v + 0x9e3779b9u + (seed << 6) + (seed >> 2);
}

/// Scratch of morgan_environments, kept per thread.
struct MorganScratch {
    std::vector<std::uint32_t> inv, next;
    std::vector<std::uint64_t> nbhd, round, seen;  ///< bond sets, `words` per entry
    std::vector<char> dead;
    std::vector<std::pair<std::int32_t, std::uint32_t>> nbrs;
    struct Item {
        std::uint32_t invar, atom;
    };
    std::vector<Item> items;
    std::unordered_set<std::uint64_t> seen_hashes;
};

std::uint64_t words_hash(const std::uint64_t* w, std::size_t words) {
    std::uint64_t h = 1469598103934665603ull;
    for (std::size_t i = 0; i < words; ++i)
        h = (h ^ w[i]) * 1099511628211ull;
    return h;
}

/// Whether bond set w (`words` words) is an environment already counted.
bool seen_before(const MorganScratch& s, const std::uint64_t* w, std::size_t words) {
    if (!s.seen_hashes.count(words_hash(w, words))) return false;
    for (std::size_t k = 0; k < s.seen.size(); k += words)
        if (std::equal(w, w + words, s.seen.data() + k)) return true;
    return false;
}

/// Connectivity invariants into s.inv and out: hash of atomic number, total
/// degree, total hydrogens, formal charge, whole-unit mass difference to the
/// element's weight, and 1 for ring atoms.
void connectivity_invariants(const RDKit::ROMol& mol, MorganScratch& s,
                             std::vector<std::uint32_t>& out) {
    const std::size_t n = mol.getNumAtoms();
    const RDKit::PeriodicTable* table = RDKit::PeriodicTable::getTable();
    const RDKit::RingInfo* rings = mol.getRingInfo();
    s.inv.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const RDKit::Atom* a = mol.getAtomWithIdx(static_cast<unsigned>(i));
        std::uint32_t h = 0;
        hash_combine(h, a->getAtomicNum());
        hash_combine(h, a->getTotalDegree());
        hash_combine(h, a->getTotalNumHs(true));
        hash_combine(h, static_cast<std::uint32_t>(a->getFormalCharge()));
        hash_combine(h, static_cast<std::uint32_t>(static_cast<int>(
                            a->getMass() - table->getAtomicWeight(a->getAtomicNum()))));
        if (rings->numAtomRings(a->getIdx())) hash_combine(h, 1);
        s.inv[i] = h;
        out.push_back(h);
    }
}

/// Atom a's invariant in the next layer: the layer, its invariant and its
/// sorted (bond type, neighbour invariant) pairs in s.nbrs, hashed.
std::uint32_t layer_invariant(unsigned layer, std::uint32_t invariant, const MorganScratch& s) {
    std::uint32_t h = layer;
    hash_combine(h, invariant);
    for (const auto& [bond_type, neighbour] : s.nbrs) {
        std::uint32_t pair = 0;  // hash of the (bond type, invariant) pair
        hash_combine(pair, static_cast<std::uint32_t>(bond_type));
        hash_combine(pair, neighbour);
        hash_combine(h, pair);
    }
    return h;
}

/// One layer's growth: each live atom's environment (s.round) takes in its
/// bonds and its neighbours' environments, and its next invariant goes to
/// s.next and s.items. Atoms without bonds or with an environment of an
/// earlier layer drop out.
void grow_environments(const RDKit::ROMol& mol, unsigned layer, std::size_t words,
                       MorganScratch& s) {
    const std::size_t n = mol.getNumAtoms();
    s.round = s.nbhd;
    s.next.assign(n, 0);  // atoms out of consideration hash as 0 next round
    s.items.clear();
    for (std::size_t i = 0; i < n; ++i) {
        if (s.dead[i]) continue;
        const RDKit::Atom* a = mol.getAtomWithIdx(static_cast<unsigned>(i));
        if (!a->getDegree()) {
            s.dead[i] = 1;
            continue;
        }
        std::uint64_t* env = s.round.data() + i * words;
        s.nbrs.clear();
        for (const RDKit::Bond* b : mol.atomBonds(a)) {
            const unsigned bi = b->getIdx(), o = b->getOtherAtomIdx(static_cast<unsigned>(i));
            env[bi / 64] |= std::uint64_t{1} << (bi % 64);
            const std::uint64_t* other = s.nbhd.data() + std::size_t{o} * words;
            for (std::size_t w = 0; w < words; ++w)
                env[w] |= other[w];
            s.nbrs.emplace_back(static_cast<std::int32_t>(b->getBondType()), s.inv[o]);
        }
        std::sort(s.nbrs.begin(), s.nbrs.end());
        const std::uint32_t h = layer_invariant(layer, s.inv[i], s);
        s.next[i] = h;
        s.items.push_back({h, static_cast<std::uint32_t>(i)});
        if (seen_before(s, env, words)) s.dead[i] = 1;  // an environment of an earlier round
    }
}

/// Of equal environments in this layer, the one with the smallest
/// (invariant, atom) counts (into out) and the others drop out (RDKit sorts
/// by bond set as a number, then invariant, then atom).
void count_new_environments(std::size_t words, MorganScratch& s, std::vector<std::uint32_t>& out) {
    std::sort(s.items.begin(), s.items.end(), [&](const auto& x, const auto& y) {
        const std::uint64_t* a = s.round.data() + std::size_t{x.atom} * words;
        const std::uint64_t* b = s.round.data() + std::size_t{y.atom} * words;
        for (std::size_t w = words; w-- > 0;)
            if (a[w] != b[w]) return a[w] < b[w];
        return x.invar != y.invar ? x.invar < y.invar : x.atom < y.atom;
    });
    for (const auto& it : s.items) {
        const std::uint64_t* env = s.round.data() + std::size_t{it.atom} * words;
        if (seen_before(s, env, words)) {
            s.dead[it.atom] = 1;
            continue;
        }
        out.push_back(it.invar);
        s.seen.insert(s.seen.end(), env, env + words);
        s.seen_hashes.insert(words_hash(env, words));
    }
}

}  // namespace

void morgan_environments(const RDKit::ROMol& mol, unsigned radius,
                         std::vector<std::uint32_t>& out) {
    // The algorithm of RDKit's MorganFingerprints (Rogers & Hahn's ECFP with
    // RDKit's invariants and duplicate-environment rules), without the
    // chirality option, in flat arrays: bond sets as 64-bit words, no
    // per-atom allocations. Every detail that decides a hash or which
    // environment counts follows RDKit 2022.09, so the fingerprints are
    // RDKit's bit for bit (tests/pipelines/test_morgan.cpp checks).
    thread_local MorganScratch s;
    const std::size_t n = mol.getNumAtoms();
    const std::size_t words = std::max<std::size_t>(1, (mol.getNumBonds() + 63) / 64);
    connectivity_invariants(mol, s, out);
    if (radius == 0 || n == 0) return;
    s.nbhd.assign(n * words, 0);
    s.dead.assign(n, 0);
    s.seen.clear();
    s.seen_hashes.clear();
    for (unsigned layer = 0; layer < radius; ++layer) {
        grow_environments(mol, layer, words, s);
        count_new_environments(words, s, out);
        s.inv.swap(s.next);
        s.nbhd.swap(s.round);
    }
}

MorganFingerprint rdkit_morgan_fingerprint(const RDKit::ROMol& mol, const MorganOptions& options) {
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

MorganFingerprint morgan_fingerprint(const RDKit::ROMol& mol, const MorganOptions& options) {
    if (options.nbits == 0) throw UsageError("Morgan fingerprint: nbits must be > 0");
    if (options.chirality) return rdkit_morgan_fingerprint(mol, options);
    thread_local std::vector<std::uint32_t> env;
    env.clear();
    morgan_environments(mol, options.radius, env);
    for (auto& e : env)
        e %= options.nbits;
    std::sort(env.begin(), env.end());
    if (options.counts) {
        std::vector<std::pair<std::uint32_t, std::uint32_t>> entries;
        for (std::size_t i = 0; i < env.size();) {
            std::size_t j = i;
            while (j < env.size() && env[j] == env[i])
                ++j;
            entries.emplace_back(env[i], static_cast<std::uint32_t>(j - i));
            i = j;
        }
        return MorganFingerprint::from_counts(options.nbits, entries);
    }
    env.erase(std::unique(env.begin(), env.end()), env.end());
    return MorganFingerprint::from_bits(options.nbits,
                                        std::vector<unsigned>(env.begin(), env.end()));
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
