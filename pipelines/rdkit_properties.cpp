#include "pipelines/rdkit_properties.hpp"

#include <GraphMol/Descriptors/ConnectivityDescriptors.h>
#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/Descriptors/Property.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/PeriodicTable.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/Subgraphs/Subgraphs.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include "pipelines/crippen_logp.hpp"

namespace plmkit::pipelines {
namespace {

// The Properties computed here rather than by RDKit::Descriptors::Properties.
enum Own {
    kRotb,
    kClogP,
    kMR,
    kChi2v,
    kChi3v,
    kChi4v,
    kChi2n,
    kChi3n,
    kChi4n,
    kKappa2,
    kKappa3,
    kPhi,
    kOwnCount
};
const char* const kOwnNames[kOwnCount] = {"NumRotatableBonds",
                                          "CrippenClogP",
                                          "CrippenMR",
                                          "chi2v",
                                          "chi3v",
                                          "chi4v",
                                          "chi2n",
                                          "chi3n",
                                          "chi4n",
                                          "kappa2",
                                          "kappa3",
                                          "Phi"};

/// RDKit's list, split into the values RDKit computes (`rest`, at
/// `rest_pos`) and the ones computed here (at `own_pos`).
struct Layout {
    std::vector<std::string> names = RDKit::Descriptors::Properties::getAvailableProperties();
    std::unique_ptr<RDKit::Descriptors::Properties> rest;
    std::vector<std::size_t> rest_pos;
    std::array<std::size_t, kOwnCount> own_pos{};

    Layout() {
        std::array<bool, kOwnCount> found{};
        std::vector<std::string> rest_names;
        for (std::size_t i = 0; i < names.size(); ++i) {
            const auto it = std::find_if(std::begin(kOwnNames), std::end(kOwnNames),
                                         [&](const char* o) { return names[i] == o; });
            if (it == std::end(kOwnNames)) {
                rest_names.push_back(names[i]);
                rest_pos.push_back(i);
                continue;
            }
            const auto k = static_cast<std::size_t>(it - std::begin(kOwnNames));
            own_pos[k] = i;
            found[k] = true;
        }
        for (std::size_t k = 0; k < kOwnCount; ++k)
            if (!found[k])
                throw std::logic_error(std::string("RDKit's Properties lack ") + kOwnNames[k]);
        rest = std::make_unique<RDKit::Descriptors::Properties>(rest_names);
    }
    static const Layout& get() {
        static const Layout layout;
        return layout;
    }
};

/// RDKit's nVals: 1/sqrt(outer electrons - hydrogens) (the subtraction in
/// unsigned arithmetic, as RDKit's int - unsigned), 0 stays 0.
std::vector<double> chi_n_values(const RDKit::ROMol& mol) {
    const auto* table = RDKit::PeriodicTable::getTable();
    std::vector<double> v(mol.getNumAtoms(), 0.0);
    for (const auto* atom : mol.atoms()) {
        const auto outer = static_cast<unsigned>(table->getNouterElecs(atom->getAtomicNum()));
        double x = static_cast<double>(outer - atom->getTotalNumHs());
        if (x != 0.0) x = 1. / std::sqrt(x);
        v[atom->getIdx()] = x;
    }
    return v;
}

/// RDKit's calcChiNv/calcChiNn sum over the paths of n + 1 atoms, both
/// weightings at once (each accumulated in RDKit's order).
void chi_sums(const RDKit::PATH_LIST& paths, unsigned n, const std::vector<double>& dv,
              const std::vector<double>& dn, double& chi_v, double& chi_n) {
    chi_v = 0.0;
    chi_n = 0.0;
    for (const auto& p : paths) {
        double av = 1.0, an = 1.0;
        for (unsigned i = 0; i < n; ++i) {
            av *= dv[static_cast<std::size_t>(p[i])];
            an *= dn[static_cast<std::size_t>(p[i])];
        }
        if (p[n] != p[0]) {  // not a ring closure (RDKit's github 463)
            av *= dv[static_cast<std::size_t>(p[n])];
            an *= dn[static_cast<std::size_t>(p[n])];
        }
        chi_v += av;
        chi_n += an;
    }
}

// Kier's shape indices, as RDKit's kappa helpers compute them.
double kappa1_of(double p1, double a, double alpha) {
    const double denom = p1 + alpha;
    if (denom == 0.0) return 0.0;
    return (a + alpha) * (a + alpha - 1) * (a + alpha - 1) / (denom * denom);
}
double kappa2_of(double p2, double a, double alpha) {
    const double denom = (p2 + alpha) * (p2 + alpha);
    if (denom == 0.0) return 0.0;
    return (a + alpha - 1) * (a + alpha - 2) * (a + alpha - 2) / denom;
}
double kappa3_of(double p3, int a, double alpha) {
    const double denom = (p3 + alpha) * (p3 + alpha);
    if (denom == 0.0) return 0.0;
    if (a % 2) return (a + alpha - 1) * (a + alpha - 3) * (a + alpha - 3) / denom;
    return (a + alpha - 2) * (a + alpha - 3) * (a + alpha - 3) / denom;
}

/// chi2v..chi4n, kappa2, kappa3 and Phi from one enumeration of the paths
/// of 3, 4 and 5 atoms (RDKit enumerates them nine times).
void path_descriptors(const RDKit::ROMol& mol, std::vector<double>& out, const Layout& l) {
    std::vector<double> dv(mol.getNumAtoms());
    RDKit::Descriptors::detail::hkDeltas(mol, dv, false);
    const std::vector<double> dn = chi_n_values(mol);
    const RDKit::PATH_LIST p3 = RDKit::findAllPathsOfLengthN(mol, 3, false);
    const RDKit::PATH_LIST p4 = RDKit::findAllPathsOfLengthN(mol, 4, false);
    const RDKit::PATH_LIST p5 = RDKit::findAllPathsOfLengthN(mol, 5, false);
    double chi3v, chi3n, chi4v, chi4n;
    chi_sums(p4, 3, dv, dn, chi3v, chi3n);
    chi_sums(p5, 4, dv, dn, chi4v, chi4n);
    // RDKit registers calcChi3v/calcChi3n under chi2v/chi2n.
    out[l.own_pos[kChi2v]] = chi3v;
    out[l.own_pos[kChi3v]] = chi3v;
    out[l.own_pos[kChi4v]] = chi4v;
    out[l.own_pos[kChi2n]] = chi3n;
    out[l.own_pos[kChi3n]] = chi3n;
    out[l.own_pos[kChi4n]] = chi4n;

    // Paths of k bonds are the distinct-bond paths of k + 1 atoms.
    const double alpha = RDKit::Descriptors::calcHallKierAlpha(mol);
    const unsigned heavy = mol.getNumHeavyAtoms();
    const auto n2 = static_cast<double>(p3.size());
    out[l.own_pos[kKappa2]] = kappa2_of(n2, heavy, alpha);
    out[l.own_pos[kKappa3]] =
        kappa3_of(static_cast<double>(p4.size()), static_cast<int>(heavy), alpha);
    double phi = 0.0;
    if (heavy) {
        const double k1 = kappa1_of(static_cast<double>(mol.getNumBonds()), heavy, alpha);
        phi = k1 * kappa2_of(n2, heavy, alpha) / heavy;
    }
    out[l.own_pos[kPhi]] = phi;
}

void assign_bins(const std::vector<double>& contribs, const std::vector<double>& by,
                 const double* bins, std::size_t nbins, std::vector<double>& res) {
    res.assign(nbins + 1, 0.0);
    for (std::size_t i = 0; i < contribs.size(); ++i) {
        const auto idx =
            static_cast<std::size_t>(std::upper_bound(bins, bins + nbins, by[i]) - bins);
        res[idx] += contribs[i];
    }
}

std::vector<double> labute_contribs(const RDKit::ROMol& mol) {
    std::vector<double> vsa(mol.getNumAtoms());
    double h = 0;
    RDKit::Descriptors::getLabuteAtomContribs(mol, vsa, h, true, false);
    return vsa;
}

}  // namespace

std::size_t rdkit_property_index(const char* name) {
    const auto& names = Layout::get().names;
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) throw std::logic_error(std::string("RDKit's Properties lack ") + name);
    return static_cast<std::size_t>(it - names.begin());
}

bool default_rotatable_bonds_are_strict() {
    static const bool strict = [] {
        // An amide bond: rotatable by the NonStrict definition only.
        std::unique_ptr<RDKit::ROMol> probe(RDKit::SmilesToMol("CC(=O)NCC(F)(F)F"));
        namespace D = RDKit::Descriptors;
        return D::calcNumRotatableBonds(*probe) == D::calcNumRotatableBonds(*probe, D::Strict) &&
               D::calcNumRotatableBonds(*probe, D::Strict) !=
                   D::calcNumRotatableBonds(*probe, D::NonStrict);
    }();
    return strict;
}

std::vector<double> rdkit_properties(const RDKit::ROMol& mol, const CrippenAtoms* crippen) {
    const Layout& l = Layout::get();
    std::vector<double> out(l.names.size(), 0.0);
    const std::vector<double> rest = l.rest->computeProperties(mol);
    for (std::size_t i = 0; i < rest.size(); ++i)
        out[l.rest_pos[i]] = rest[i];
    out[l.own_pos[kRotb]] = RDKit::Descriptors::calcNumRotatableBonds(mol);
    if (crippen) {
        out[l.own_pos[kClogP]] = crippen->logp_with_hs;
        out[l.own_pos[kMR]] = crippen->mr_with_hs;
    } else {
        double logp = 0, mr = 0;
        RDKit::Descriptors::calcCrippenDescriptors(mol, logp, mr);
        out[l.own_pos[kClogP]] = logp;
        out[l.own_pos[kMR]] = mr;
    }
    path_descriptors(mol, out, l);
    return out;
}

void crippen_vsa(const RDKit::ROMol& mol, const CrippenAtoms* crippen, std::vector<double>& slogp,
                 std::vector<double>& smr) {
    if (!crippen) {
        slogp = RDKit::Descriptors::calcSlogP_VSA(mol);
        smr = RDKit::Descriptors::calcSMR_VSA(mol);
        return;
    }
    static const double kSlogpBins[] = {-0.4, -0.2, 0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6};
    static const double kSmrBins[] = {1.29, 1.82, 2.24, 2.45, 2.75, 3.05, 3.63, 3.8, 4.0};
    const std::vector<double> vsa = labute_contribs(mol);
    assign_bins(vsa, crippen->logp, kSlogpBins, std::size(kSlogpBins), slogp);
    assign_bins(vsa, crippen->mr, kSmrBins, std::size(kSmrBins), smr);
}

std::vector<double> peoe_vsa(const RDKit::ROMol& mol, const std::vector<double>& charges) {
    static const double kBins[] = {-.3, -.25, -.20, -.15, -.10, -.05, 0,
                                   .05, .10,  .15,  .20,  .25,  .30};
    std::vector<double> res;
    assign_bins(labute_contribs(mol), charges, kBins, std::size(kBins), res);
    return res;
}

}  // namespace plmkit::pipelines
