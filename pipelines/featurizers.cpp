#include "pipelines/featurizers.hpp"

#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Descriptors/MQN.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/Descriptors/Property.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/PartialCharges/GasteigerCharges.h>
#include <GraphMol/ROMol.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "pipelines/crippen_logp.hpp"
#include "pipelines/descriptor_extras.hpp"
#include "pipelines/fingerprint_blocks.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/morgan.hpp"
#include "pipelines/rdkit_properties.hpp"
#include "src/error.hpp"

namespace plmkit::pipelines {
namespace {

const std::vector<std::string> kElements = {"B", "C", "N",  "O",  "F", "Si",
                                            "P", "S", "Cl", "Br", "I"};
constexpr int kMqn = 42, kSlogp = 12, kSmr = 10, kPeoe = 14;

std::vector<std::string> make_descriptor_names() {
    std::vector<std::string> names = RDKit::Descriptors::Properties::getAvailableProperties();
    for (int i = 1; i <= kMqn; ++i)
        names.push_back("MQN" + std::to_string(i));
    for (int i = 1; i <= kSlogp; ++i)
        names.push_back("SlogP_VSA" + std::to_string(i));
    for (int i = 1; i <= kSmr; ++i)
        names.push_back("SMR_VSA" + std::to_string(i));
    for (int i = 1; i <= kPeoe; ++i)
        names.push_back("PEOE_VSA" + std::to_string(i));
    for (const auto& e : kElements)
        names.push_back("count_" + e);
    for (const char* extra : {"count_other_atoms", "count_total_h", "count_positive_atoms",
                              "count_negative_atoms", "count_fragments"})
        names.push_back(extra);
    for (const auto& extra : extra_descriptor_names())
        names.push_back(extra);
    return names;
}

/// The rdkit2d list, in the order all_descriptors writes it.
const std::vector<std::string>& all_descriptor_names() {
    static const std::vector<std::string> names = make_descriptor_names();
    return names;
}

/// The `basic` set: cheap descriptors (no path enumeration, one Crippen
/// typing), among them the terms of Delaney's ESOL equation (clogp, mw,
/// rotatable bonds, aromatic proportion).
const std::vector<std::string>& basic_descriptor_names() {
    static const std::vector<std::string> names = {
        "mw",          "clogp", "tpsa",           "hbd",  "hba",           "rotb",
        "heavy_atoms", "rings", "aromatic_rings", "fsp3", "formal_charge", "aromatic_proportion"};
    return names;
}

void basic_descriptors(const RDKit::ROMol& mol, float* out) {
    namespace D = RDKit::Descriptors;
    const unsigned heavy = mol.getNumHeavyAtoms();
    unsigned aromatic = 0;
    for (const auto* atom : mol.atoms())
        aromatic += atom->getAtomicNum() > 1 && atom->getIsAromatic() ? 1 : 0;
    const double values[] = {D::calcAMW(mol),
                             crippen_logp(mol),
                             D::calcTPSA(mol, true, false),
                             static_cast<double>(D::calcNumHBD(mol)),
                             static_cast<double>(D::calcNumHBA(mol)),
                             static_cast<double>(D::calcNumRotatableBonds(mol, D::Strict)),
                             static_cast<double>(heavy),
                             static_cast<double>(D::calcNumRings(mol)),
                             static_cast<double>(D::calcNumAromaticRings(mol)),
                             D::calcFractionCSP3(mol),
                             static_cast<double>(RDKit::MolOps::getFormalCharge(mol)),
                             heavy ? static_cast<double>(aromatic) / heavy : 0.0};
    for (double v : values)
        *out++ = static_cast<float>(v);
}

void counts(const RDKit::ROMol& mol, float* out) {
    std::vector<float> c(kElements.size() + 5, 0.f);
    for (const auto* atom : mol.atoms()) {
        auto it = std::find(kElements.begin(), kElements.end(), atom->getSymbol());
        if (it != kElements.end())
            c[it - kElements.begin()] += 1;
        else
            c[kElements.size()] += 1;
        c[kElements.size() + 1] += static_cast<float>(atom->getTotalNumHs());
        if (atom->getFormalCharge() > 0) c[kElements.size() + 2] += 1;
        if (atom->getFormalCharge() < 0) c[kElements.size() + 3] += 1;
    }
    std::vector<int> frags;
    c[kElements.size() + 4] = static_cast<float>(RDKit::MolOps::getMolFrags(mol, frags));
    std::copy(c.begin(), c.end(), out);
}

template <class T>
float* put(const std::vector<T>& values, float* out) {
    for (const auto& v : values)
        *out++ = static_cast<float>(v);
    return out;
}

/// Gasteiger charges as computeGasteigerCharges(mol, charges, 12, false);
/// returns whether every atom had parameters (the throwing variant, which
/// BCUT2D uses, succeeds).
bool gasteiger_charges(const RDKit::ROMol& mol, std::vector<double>& charges) {
    charges.assign(mol.getNumAtoms(), 0.0);
    try {
        RDKit::computeGasteigerCharges(mol, charges, 12, true);
        return true;
    } catch (...) {  // RDKit's ValueErrorException / Invariant
        charges.assign(mol.getNumAtoms(), 0.0);
        RDKit::computeGasteigerCharges(mol, charges, 12, false);
        return false;
    }
}

/// Every rdkit2d descriptor of a molecule, in all_descriptor_names() order.
/// The work several descriptors share (Crippen typing, paths, Gasteiger
/// charges, QED's properties) is done once: pipelines/rdkit_properties.hpp.
void all_descriptors(const RDKit::ROMol& mol, float* out) {
    CrippenAtoms crippen;
    const CrippenAtoms* shared_crippen = crippen_atoms(mol, crippen) ? &crippen : nullptr;
    const std::vector<double> properties = rdkit_properties(mol, shared_crippen);
    float* p = put(properties, out);
    p = put(RDKit::Descriptors::calcMQNs(mol), p);
    std::vector<double> slogp, smr;
    crippen_vsa(mol, shared_crippen, slogp, smr);
    p = put(slogp, p);
    p = put(smr, p);
    std::vector<double> charges;
    SharedDescriptorInputs shared;
    shared.crippen = shared_crippen;
    shared.gasteiger_complete = gasteiger_charges(mol, charges);
    shared.gasteiger = &charges;
    p = put(peoe_vsa(mol, charges), p);
    counts(mol, p);
    static const std::size_t amw = rdkit_property_index("amw"),
                             hbd = rdkit_property_index("NumHBD"),
                             rotb = rdkit_property_index("NumRotatableBonds");
    shared.have_properties = true;
    shared.amw = properties[amw];
    shared.hbd = static_cast<int>(properties[hbd]);
    shared.rotb_strict = default_rotatable_bonds_are_strict()
                             ? static_cast<int>(properties[rotb])
                             : static_cast<int>(RDKit::Descriptors::calcNumRotatableBonds(
                                   mol, RDKit::Descriptors::Strict));
    extra_descriptors(mol, shared, p + kElements.size() + 5);
}

}  // namespace

bool basic_descriptors_from_screen_row(const RDKit::ROMol& mol,
                                       const std::vector<double>& screen_row, float* out) {
    // descriptor_row(): mw, clogp, tpsa, hbd, hba, rotb, heavy_atoms, rings,
    // aromatic_rings, fsp3, qed, formal_charge.
    if (screen_row.size() < 12) return false;
    const double heavy = screen_row[6];
    unsigned aromatic = 0;
    for (const auto* atom : mol.atoms())
        aromatic += atom->getAtomicNum() > 1 && atom->getIsAromatic() ? 1 : 0;
    for (std::size_t i = 0; i < 10; ++i)
        *out++ = static_cast<float>(screen_row[i]);
    *out++ = static_cast<float>(screen_row[11]);
    *out++ = static_cast<float>(heavy != 0 ? static_cast<double>(aromatic) / heavy : 0.0);
    return true;
}

const std::vector<std::string>& featurizer_parts() {
    static const std::vector<std::string> parts = {"morgan",  "maccs",   "atompair",
                                                   "torsion", "rdkit2d", "basic"};
    return parts;
}

std::string canonical_featurizer_name(const std::string& name) {
    const auto& parts = featurizer_parts();
    std::vector<char> seen(parts.size(), 0);
    std::size_t start = 0;
    while (true) {
        const std::size_t plus = name.find('+', start);
        const std::string part =
            name.substr(start, plus == std::string::npos ? plus : plus - start);
        const auto it = std::find(parts.begin(), parts.end(), part);
        if (it == parts.end())
            throw UsageError("unknown RDKit featurizer part '" + part + "' in '" + name +
                             "', expected morgan, maccs, atompair, torsion, rdkit2d or basic "
                             "joined by '+' (e.g. morgan+rdkit2d)");
        char& s = seen[static_cast<std::size_t>(it - parts.begin())];
        if (s) throw UsageError("featurizer '" + name + "' names '" + part + "' twice");
        s = 1;
        if (plus == std::string::npos) break;
        start = plus + 1;
    }
    if (seen[4] && seen[5])
        throw UsageError("featurizer '" + name +
                         "' has both rdkit2d and basic; basic is a "
                         "subset of rdkit2d's descriptors, choose one");
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i)
        if (seen[i]) out += (out.empty() ? "" : "+") + parts[i];
    return out;
}

Featurizer::Featurizer(const FeaturizerOptions& options) : options_(options) {
    options_.name = canonical_featurizer_name(options_.name);
    if (uses_descriptors())
        descriptor_names_ = basic() ? basic_descriptor_names() : all_descriptor_names();
}

bool Featurizer::has_part(const char* part) const {
    const std::string& n = options_.name;
    const std::size_t len = std::char_traits<char>::length(part);
    for (std::size_t start = 0;;) {
        const std::size_t plus = n.find('+', start);
        const std::size_t end = plus == std::string::npos ? n.size() : plus;
        if (end - start == len && n.compare(start, len, part) == 0) return true;
        if (plus == std::string::npos) return false;
        start = plus + 1;
    }
}

bool Featurizer::basic() const {
    return has_part("basic");
}

bool Featurizer::uses_descriptors() const {
    return has_part("rdkit2d") || basic();
}

std::size_t Featurizer::morgan_dim() const {
    return has_part("morgan") ? options_.morgan_bits : 0;
}

std::size_t Featurizer::fingerprint_dim() const {
    return morgan_dim() + (has_part("maccs") ? kMaccsKeys : 0) +
           (has_part("atompair") ? options_.atompair_slots : 0) +
           (has_part("torsion") ? options_.torsion_slots : 0);
}

std::size_t Featurizer::dim() const {
    return fingerprint_dim() + descriptor_names_.size();
}

float* Featurizer::fingerprints(const RDKit::ROMol& mol, float* out) const {
    if (morgan_dim() > 0) {
        // RDKit's hashed Morgan counts (getHashedFingerprint), from plmkit's
        // implementation of the algorithm (pipelines/morgan.hpp).
        std::fill(out, out + morgan_dim(), 0.f);
        thread_local std::vector<std::uint32_t> env;
        env.clear();
        morgan_environments(mol, options_.morgan_radius, env);
        for (std::uint32_t e : env)
            out[e % options_.morgan_bits] += 1.f;
        for (std::size_t i = 0; i < morgan_dim(); ++i)
            if (out[i] > 0) out[i] = options_.morgan_counts ? std::log1p(out[i]) : 1.f;
        out += morgan_dim();
    }
    if (has_part("maccs")) {
        maccs_keys(mol, out);
        out += kMaccsKeys;
    }
    if (has_part("atompair")) {
        atom_pair_counts(mol, options_.atompair_slots, out);
        out += options_.atompair_slots;
    }
    if (has_part("torsion")) {
        torsion_counts(mol, options_.torsion_slots, out);
        out += options_.torsion_slots;
    }
    return out;
}

void Featurizer::featurize(const RDKit::ROMol& input, float* out) const {
    // Stereo-center counts need perceived stereochemistry; a molecule parsed
    // without it is copied and perceived here (pipelines::parse_smiles does it).
    std::unique_ptr<RDKit::ROMol> copy;
    if (uses_descriptors() && !basic() &&
        !input.hasProp(RDKit::common_properties::_StereochemDone)) {
        copy = std::make_unique<RDKit::ROMol>(input);
        RDKit::MolOps::assignStereochemistry(*copy, /*cleanIt=*/true, /*force=*/true,
                                             /*flagPossibleStereoCenters=*/true);
    }
    const RDKit::ROMol& mol = copy ? *copy : input;
    out = fingerprints(mol, out);
    if (!uses_descriptors()) return;
    if (basic()) return basic_descriptors(mol, out);
    if (selection_.empty()) return all_descriptors(mol, out);
    // A model saved with another descriptor list (an older plmkit): compute
    // all, keep the model's.
    thread_local std::vector<float> all;
    all.resize(all_descriptor_names().size());
    all_descriptors(mol, all.data());
    for (std::size_t j = 0; j < selection_.size(); ++j)
        out[j] = all[selection_[j]];
}

void Featurizer::fit(const std::vector<float>& features, const std::vector<std::size_t>& rows) {
    const std::size_t d = dim(), nd = descriptor_names_.size(), off = fingerprint_dim();
    mean_.assign(nd, 0.f);
    std_.assign(nd, 1.f);
    log_.assign(nd, 0);
    for (std::size_t j = 0; j < nd; ++j) {
        std::vector<double> v;
        for (auto r : rows) {
            float x = features[r * d + off + j];
            if (std::isfinite(x)) v.push_back(x);
        }
        if (v.empty()) continue;
        double max_abs = 0;
        for (double x : v)
            max_abs = std::max(max_abs, std::fabs(x));
        log_[j] = max_abs > 1e4 ? 1 : 0;
        if (log_[j])
            for (double& x : v)
                x = std::copysign(std::log1p(std::fabs(x)), x);
        double m = 0, s = 0;
        for (double x : v)
            m += x;
        m /= static_cast<double>(v.size());
        for (double x : v)
            s += (x - m) * (x - m);
        s = std::sqrt(s / static_cast<double>(v.size()));
        mean_[j] = static_cast<float>(m);
        std_[j] = s > 1e-8 ? static_cast<float>(s) : 1.f;
    }
}

void Featurizer::normalize(float* row) const {
    if (!uses_descriptors()) return;
    if (!fitted()) throw Error("Featurizer::normalize called before fit");
    float* d = row + fingerprint_dim();
    const float clip = static_cast<float>(options_.clip);
    for (std::size_t j = 0; j < descriptor_names_.size(); ++j) {
        float x = d[j];
        if (!std::isfinite(x)) {
            d[j] = 0.f;
            continue;
        }
        if (log_[j]) x = std::copysign(std::log1p(std::fabs(x)), x);
        d[j] = std::clamp((x - mean_[j]) / std_[j], -clip, clip);
    }
}

std::string Featurizer::featurize_smiles(const std::string& smiles, float* out) const {
    auto parsed = parse_smiles(smiles);
    if (!parsed.mol) return parsed.error.empty() ? "unparsable SMILES" : parsed.error;
    featurize(*parsed.mol, out);
    return {};
}

void Featurizer::transform(const RDKit::ROMol& mol, float* out) const {
    featurize(mol, out);
    normalize(out);
}

nlohmann::json Featurizer::to_json() const {
    nlohmann::json j = {{"name", options_.name}, {"dim", dim()}};
    if (morgan_dim() > 0)
        j["morgan"] = {{"radius", options_.morgan_radius},
                       {"bits", options_.morgan_bits},
                       {"values", options_.morgan_counts ? "log1p(count)" : "bits"}};
    if (has_part("maccs")) j["maccs"] = {{"keys", kMaccsKeys}};
    if (has_part("atompair"))
        j["atompair"] = {{"slots", options_.atompair_slots}, {"values", "log1p(count)"}};
    if (has_part("torsion"))
        j["torsion"] = {{"slots", options_.torsion_slots}, {"values", "log1p(count)"}};
    if (uses_descriptors()) {
        std::vector<int> logs(log_.begin(), log_.end());
        j["rdkit2d"] = {{"names", descriptor_names_},
                        {"signed_log", logs},
                        {"mean", mean_},
                        {"std", std_},
                        {"clip", options_.clip}};
    }
    return j;
}

Featurizer Featurizer::from_json(const nlohmann::json& j) {
    try {
        FeaturizerOptions o;
        o.name = j.at("name").get<std::string>();
        try {
            o.name = canonical_featurizer_name(o.name);
        } catch (const UsageError& e) {
            throw ModelError(std::string("the model's featurizer does not fit this build: ") +
                             e.what());
        }
        if (j.contains("morgan")) {
            o.morgan_radius = j["morgan"].at("radius").get<unsigned>();
            o.morgan_bits = j["morgan"].at("bits").get<unsigned>();
            const std::string values = j["morgan"].value("values", std::string("log1p(count)"));
            if (values != "log1p(count)" && values != "bits")
                throw ModelError("unknown Morgan feature values '" + values +
                                 "', expected log1p(count) or bits");
            o.morgan_counts = values == "log1p(count)";
        }
        if (j.contains("atompair")) o.atompair_slots = j["atompair"].at("slots").get<unsigned>();
        if (j.contains("torsion")) o.torsion_slots = j["torsion"].at("slots").get<unsigned>();
        if (j.contains("rdkit2d")) o.clip = j["rdkit2d"].value("clip", o.clip);
        Featurizer f(o);
        if (f.uses_descriptors()) {
            const auto& d = j.at("rdkit2d");
            auto names = d.at("names").get<std::vector<std::string>>();
            if (names != f.descriptor_names_) {
                if (f.basic())
                    throw ModelError("the model's descriptor list (" +
                                     std::to_string(names.size()) +
                                     " names) differs from this build's basic descriptors (" +
                                     std::to_string(f.descriptor_names_.size()) + ")");
                // Models from an older plmkit use a subset of today's list.
                const auto& all = f.descriptor_names_;
                for (const auto& name : names) {
                    const auto it = std::find(all.begin(), all.end(), name);
                    if (it == all.end())
                        throw ModelError("the model uses descriptor '" + name +
                                         "', which this build does not compute");
                    f.selection_.push_back(static_cast<std::size_t>(it - all.begin()));
                }
                f.descriptor_names_ = names;
            }
            f.mean_ = d.at("mean").get<std::vector<float>>();
            f.std_ = d.at("std").get<std::vector<float>>();
            auto logs = d.at("signed_log").get<std::vector<int>>();
            f.log_.assign(logs.begin(), logs.end());
            if (f.mean_.size() != names.size() || f.std_.size() != names.size() ||
                f.log_.size() != names.size())
                throw ModelError("featurizer normalization has the wrong length, expected " +
                                 std::to_string(names.size()));
        }
        return f;
    } catch (const nlohmann::json::exception& e) {
        throw ModelError(std::string("invalid featurizer description: ") + e.what());
    }
}

}  // namespace plmkit::pipelines
