#include "pipelines/descriptor_extras.hpp"

// Defines RDK_HAS_EIGEN3, which BCUT.h needs but does not include.
#include <RDGeneral/RDConfig.h>

#include <GraphMol/Descriptors/BCUT.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/PartialCharges/GasteigerCharges.h>
#include <GraphMol/PeriodicTable.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <sstream>

#include "pipelines/crippen_logp.hpp"
#include "pipelines/morgan.hpp"
#include "pipelines/qed.hpp"
#include "pipelines/smarts_query.hpp"
#include "src/error.hpp"

namespace plmkit::data::embedded {
// RDKit's Data/FragmentDescriptors.csv, embedded by pipelines/CMakeLists.txt.
extern const unsigned char rdkit_fragment_descriptors[];
extern const std::size_t rdkit_fragment_descriptors_size;
}  // namespace plmkit::data::embedded

namespace plmkit::pipelines {
namespace {

// Bin edges of RDKit's EState_VSA (by E-state) and VSA_EState (by Labute
// ASA contribution) descriptors; value v falls in bin upper_bound(v).
constexpr std::array<double, 10> kEstateBins = {-0.390, 0.290, 0.717, 1.165, 1.540,
                                                1.807,  2.05,  4.69,  9.17,  15.0};
constexpr std::array<double, 9> kVsaBins = {4.78, 5.00, 5.410, 5.740, 6.00, 6.07, 6.45, 7.00, 11.0};

struct Fragment {
    std::string name;
    std::shared_ptr<SmartsQuery> query;  ///< with a pre-screen: RDKit's counts, faster
};

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

/// The fr_* descriptors: one line per fragment, tab-separated name,
/// description and SMARTS; '#' starts a comment line. As RDKit's
/// Chem.Fragments, '=' and '-' in names become '_'.
const std::vector<Fragment>& fragments() {
    static const std::vector<Fragment> list = [] {
        std::vector<Fragment> out;
        std::istringstream in(
            std::string(reinterpret_cast<const char*>(data::embedded::rdkit_fragment_descriptors),
                        data::embedded::rdkit_fragment_descriptors_size));
        std::string line;
        int line_no = 0;
        while (std::getline(in, line)) {
            ++line_no;
            if (line.empty() || line[0] == '#') continue;
            std::vector<std::string> fields;
            std::stringstream ls(line);
            for (std::string f; std::getline(ls, f, '\t');)
                fields.push_back(f);
            if (fields.size() < 3) continue;
            std::string name = trim(fields[0]);
            std::replace(name.begin(), name.end(), '=', '_');
            std::replace(name.begin(), name.end(), '-', '_');
            const std::string smarts = trim(fields[2]);
            std::shared_ptr<const RDKit::ROMol> mol(RDKit::SmartsToMol(smarts));
            if (!mol || mol->getNumAtoms() == 0)
                throw Error("RDKit's FragmentDescriptors.csv line " + std::to_string(line_no) +
                            ": SMARTS '" + smarts + "' of " + name + " does not parse");
            // A name given twice (fr_sulfone is, identically): the later
            // definition counts, as in Python's module namespace.
            auto query = std::make_shared<SmartsQuery>(mol);
            auto same = std::find_if(out.begin(), out.end(),
                                     [&](const Fragment& f) { return f.name == name; });
            if (same != out.end())
                same->query = std::move(query);
            else
                out.push_back({name, std::move(query)});
        }
        return out;
    }();
    return list;
}

int principal_quantum_number(int z) {
    if (z <= 2) return 1;
    if (z <= 10) return 2;
    if (z <= 18) return 3;
    if (z <= 36) return 4;
    if (z <= 54) return 5;
    if (z <= 86) return 6;
    return 7;
}

/// Balaban's J (Chem. Phys. Lett. 89, 399-404, 1982) on the bond-order
/// weighted distance matrix, as RDKit's GraphDescriptors.BalabanJ.
double balaban_j(const RDKit::ROMol& mol) {
    const unsigned n = mol.getNumAtoms();
    const unsigned q = mol.getNumBonds();
    if (n == 0) return 0;
    // Owned by the molecule (cached as a computed property).
    const double* d = RDKit::MolOps::getDistanceMat(mol, /*useBO=*/true, /*useAtomWts=*/false,
                                                    /*force=*/true);
    std::vector<double> s(n, 0.0);
    for (unsigned i = 0; i < n; ++i)
        for (unsigned j = 0; j < n; ++j)
            s[i] += d[i * n + j];
    const long mu = static_cast<long>(q) - static_cast<long>(n) + 1;
    if (mu + 1 == 0) return 0;
    double sum = 0;
    for (const auto* b : mol.bonds())
        sum += 1.0 / std::sqrt(s[b->getBeginAtomIdx()] * s[b->getEndAtomIdx()]);
    return static_cast<double>(q) / static_cast<double>(mu + 1) * sum;
}

std::vector<std::string> make_names() {
    std::vector<std::string> names = {"MaxEStateIndex",
                                      "MinEStateIndex",
                                      "MaxAbsEStateIndex",
                                      "MinAbsEStateIndex",
                                      "qed",
                                      "HeavyAtomMolWt",
                                      "NumValenceElectrons",
                                      "NumRadicalElectrons",
                                      "MaxPartialCharge",
                                      "MinPartialCharge",
                                      "MaxAbsPartialCharge",
                                      "MinAbsPartialCharge",
                                      "FpDensityMorgan1",
                                      "FpDensityMorgan2",
                                      "FpDensityMorgan3",
                                      "BCUT2D_MWHI",
                                      "BCUT2D_MWLOW",
                                      "BCUT2D_CHGHI",
                                      "BCUT2D_CHGLO",
                                      "BCUT2D_LOGPHI",
                                      "BCUT2D_LOGPLOW",
                                      "BCUT2D_MRHI",
                                      "BCUT2D_MRLOW",
                                      "BalabanJ",
                                      "Chi0",
                                      "Chi1"};
    for (std::size_t i = 1; i <= kEstateBins.size() + 1; ++i)
        names.push_back("EState_VSA" + std::to_string(i));
    for (std::size_t i = 1; i <= kVsaBins.size() + 1; ++i)
        names.push_back("VSA_EState" + std::to_string(i));
    for (const auto& f : fragments())
        names.push_back(f.name);
    return names;
}

/// QED (== qed(mol)) with the properties the featurizer already has.
double shared_qed(const RDKit::ROMol& mol, const SharedDescriptorInputs& shared) {
    if (!shared.have_properties || has_hydrogen_atoms(mol)) return qed(mol);
    QedProperties props;  // as qed_properties() on a molecule without H atoms
    props.mw = shared.amw;
    props.alogp = shared.crippen ? shared.crippen->plmkit_logp : crippen_logp(mol);
    props.hbd = shared.hbd;
    props.psa = RDKit::Descriptors::calcTPSA(mol, true, false);
    props.rotb = shared.rotb_strict;
    qed_structure_counts(mol, props);
    return qed_from_properties(props, qed_weights_mean());
}

/// RDKit's BCUT2D(mol): the extremes of the Burden matrix's eigenvalues
/// with atomic masses, Gasteiger charges, Crippen logP and MR contributions
/// on the diagonal. RDKit's function recomputes the charges and the Crippen
/// typing on a RemoveHs copy; without hydrogen atoms in the graph that copy
/// is the molecule, so the shared values are used. Throws as RDKit's does
/// (an element without Gasteiger parameters, an unusual bond type).
std::vector<double> bcut2d(const RDKit::ROMol& mol, const SharedDescriptorInputs& shared) {
    if (!shared.crippen || !shared.gasteiger || mol.getNumAtoms() == 0 || has_hydrogen_atoms(mol))
        return RDKit::Descriptors::BCUT2D(mol);
    if (!shared.gasteiger_complete) throw Error("BCUT2D: no Gasteiger parameters");
    std::vector<double> masses;
    masses.reserve(mol.getNumAtoms());
    for (const auto* atom : mol.atoms())
        masses.push_back(atom->getMass());
    namespace D = RDKit::Descriptors;
    const auto m = D::BCUT2D(mol, masses);
    const auto c = D::BCUT2D(mol, *shared.gasteiger);
    const auto l = D::BCUT2D(mol, shared.crippen->logp);
    const auto r = D::BCUT2D(mol, shared.crippen->mr);
    return {m.first, m.second, c.first, c.second, l.first, l.second, r.first, r.second};
}

using Values = std::vector<double>;
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

/// Max, min, max |.| and min |.| of the atoms' E-state indices (NaN
/// without atoms).
void append_estate_extremes(const std::vector<double>& estate, Values& v) {
    if (estate.empty()) {
        v.insert(v.end(), 4, kNan);
        return;
    }
    double mx = estate[0], mn = estate[0], amx = std::fabs(estate[0]), amn = amx;
    for (double e : estate) {
        mx = std::max(mx, e);
        mn = std::min(mn, e);
        amx = std::max(amx, std::fabs(e));
        amn = std::min(amn, std::fabs(e));
    }
    v.insert(v.end(), {mx, mn, amx, amn});
}

/// NumValenceElectrons and NumRadicalElectrons.
void append_electron_counts(const RDKit::ROMol& mol, Values& v) {
    const auto* table = RDKit::PeriodicTable::getTable();
    double valence = 0, radicals = 0;
    for (const auto* atom : mol.atoms()) {
        valence += table->getNouterElecs(atom->getAtomicNum()) - atom->getFormalCharge() +
                   static_cast<double>(atom->getTotalNumHs());
        radicals += atom->getNumRadicalElectrons();
    }
    v.push_back(valence);
    v.push_back(radicals);
}

/// Max, min, max |.| and min |.| of the Gasteiger charges of the heavy
/// atoms (implicit hydrogens' charges are not atoms of the molecule); NaN
/// without atoms or with a charge that is not finite.
void append_charge_extremes(const RDKit::ROMol& mol, const SharedDescriptorInputs& shared,
                            Values& v) {
    const unsigned n = mol.getNumAtoms();
    std::vector<double> own_charges;
    if (!shared.gasteiger) {
        own_charges.assign(n, 0.0);
        RDKit::computeGasteigerCharges(mol, own_charges, 12, false);
    }
    const std::vector<double>& charges = shared.gasteiger ? *shared.gasteiger : own_charges;
    double cmin = 500, cmax = -500;
    bool finite = n > 0;
    for (double c : charges) {
        if (!std::isfinite(c)) finite = false;
        cmin = std::min(cmin, c);
        cmax = std::max(cmax, c);
    }
    if (finite)
        v.insert(v.end(), {cmax, cmin, std::max(std::fabs(cmin), std::fabs(cmax)),
                           std::min(std::fabs(cmin), std::fabs(cmax))});
    else
        v.insert(v.end(), 4, kNan);
}

/// FpDensityMorgan1..3: distinct Morgan environments (unfolded
/// fingerprint) per heavy atom.
void append_morgan_densities(const RDKit::ROMol& mol, Values& v) {
    const unsigned heavy = mol.getNumHeavyAtoms();
    for (unsigned radius = 1; radius <= 3; ++radius) {
        std::vector<std::uint32_t> env;
        morgan_environments(mol, radius, env);
        std::sort(env.begin(), env.end());
        const auto distinct = std::unique(env.begin(), env.end()) - env.begin();
        v.push_back(heavy ? static_cast<double>(distinct) / heavy : 0.0);
    }
}

/// The eight BCUT2D values, NaN where RDKit's function throws.
void append_bcut2d(const RDKit::ROMol& mol, const SharedDescriptorInputs& shared, Values& v) {
    try {
        const std::vector<double> bcut = bcut2d(mol, shared);
        if (bcut.size() != 8) throw Error("BCUT2D");
        v.insert(v.end(), bcut.begin(), bcut.end());
    } catch (...) {  // no Gasteiger parameters for an element (RDKit's
                     // Invariant is not a std::exception); Python gives NaN
        v.insert(v.end(), 8, kNan);
    }
}

/// BalabanJ, Chi0 and Chi1.
void append_topological_indices(const RDKit::ROMol& mol, Values& v) {
    v.push_back(balaban_j(mol));
    double chi0 = 0, chi1 = 0;
    for (const auto* atom : mol.atoms())
        if (atom->getDegree() > 0) chi0 += 1.0 / std::sqrt(static_cast<double>(atom->getDegree()));
    for (const auto* b : mol.bonds())
        chi1 += 1.0 / std::sqrt(static_cast<double>(b->getBeginAtom()->getDegree()) *
                                b->getEndAtom()->getDegree());
    v.push_back(chi0);
    v.push_back(chi1);
}

/// EState_VSA (Labute ASA summed by E-state bin) and VSA_EState (E-state
/// summed by Labute ASA bin).
void append_vsa_bins(const RDKit::ROMol& mol, const std::vector<double>& estate, Values& v) {
    const unsigned n = mol.getNumAtoms();
    std::vector<double> asa(n, 0.0);
    double h_contrib = 0;
    if (n > 0) RDKit::Descriptors::getLabuteAtomContribs(mol, asa, h_contrib, true, true);
    std::array<double, kEstateBins.size() + 1> estate_vsa{};
    std::array<double, kVsaBins.size() + 1> vsa_estate{};
    for (unsigned i = 0; i < n; ++i) {
        const auto eb = std::upper_bound(kEstateBins.begin(), kEstateBins.end(), estate[i]) -
                        kEstateBins.begin();
        estate_vsa[eb] += asa[i];
        const auto vb =
            std::upper_bound(kVsaBins.begin(), kVsaBins.end(), asa[i]) - kVsaBins.begin();
        vsa_estate[vb] += estate[i];
    }
    v.insert(v.end(), estate_vsa.begin(), estate_vsa.end());
    v.insert(v.end(), vsa_estate.begin(), vsa_estate.end());
}

}  // namespace

const std::vector<std::string>& extra_descriptor_names() {
    static const std::vector<std::string> names = make_names();
    return names;
}

std::vector<double> estate_indices(const RDKit::ROMol& mol) {
    const unsigned n = mol.getNumAtoms();
    std::vector<double> intrinsic(n, 0.0);
    const auto* table = RDKit::PeriodicTable::getTable();
    for (const auto* atom : mol.atoms()) {
        const unsigned degree = atom->getDegree();
        if (degree == 0) continue;
        const int z = atom->getAtomicNum();
        const double dv = table->getNouterElecs(z) - static_cast<double>(atom->getTotalNumHs());
        const double pqn = principal_quantum_number(z);
        intrinsic[atom->getIdx()] = (4.0 / (pqn * pqn) * dv + 1) / degree;
    }
    std::vector<double> s(intrinsic);
    if (n == 0) return s;
    const double* d = RDKit::MolOps::getDistanceMat(mol, /*useBO=*/false, /*useAtomWts=*/false,
                                                    /*force=*/true);
    for (unsigned i = 0; i < n; ++i)
        for (unsigned j = i + 1; j < n; ++j) {
            const double p = d[i * n + j] + 1;
            if (p >= 1e6) continue;  // another fragment
            const double delta = (intrinsic[i] - intrinsic[j]) / (p * p);
            s[i] += delta;
            s[j] -= delta;
        }
    return s;
}

void extra_descriptors(const RDKit::ROMol& mol, float* out) {
    extra_descriptors(mol, SharedDescriptorInputs{}, out);
}

void extra_descriptors(const RDKit::ROMol& mol, const SharedDescriptorInputs& shared, float* out) {
    Values v;
    v.reserve(extra_descriptor_names().size());
    const unsigned n = mol.getNumAtoms();
    const std::vector<double> estate = estate_indices(mol);
    append_estate_extremes(estate, v);
    v.push_back(n > 0 ? shared_qed(mol, shared) : kNan);
    v.push_back(RDKit::Descriptors::calcAMW(mol, /*onlyHeavy=*/true));
    append_electron_counts(mol, v);
    append_charge_extremes(mol, shared, v);
    append_morgan_densities(mol, v);
    append_bcut2d(mol, shared, v);
    append_topological_indices(mol, v);
    append_vsa_bins(mol, estate, v);
    for (const auto& f : fragments())
        v.push_back(static_cast<double>(f.query->count_matches(mol)));
    for (double x : v)
        *out++ = static_cast<float>(x);
}

}  // namespace plmkit::pipelines
