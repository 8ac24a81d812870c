#include "pipelines/qed.hpp"

#include "pipelines/catalog_matcher.hpp"
#include "pipelines/crippen_logp.hpp"
#include "pipelines/smarts_query.hpp"

#include <DataStructs/BitOps.h>
#include <DataStructs/ExplicitBitVect.h>
#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/Fingerprints/Fingerprints.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace plmkit::pipelines {
namespace {

// Parameters, weights and SMARTS below are facts taken from RDKit's
// rdkit/Chem/QED.py (descriptor version 1.1.0, RDKit 2022.09), which follows
// Bickerton et al. 2012.

struct Ads {
    double a, b, c, d, e, f, dmax;
};

// Order: MW, ALOGP, HBA, HBD, PSA, ROTB, AROM, ALERTS.
constexpr Ads kAds[8] = {
    {2.817065973, 392.5754953, 290.7489764, 2.419764353, 49.22325677, 65.37051707, 104.9805561},
    {3.172690585, 137.8624751, 2.534937431, 4.581497897, 0.822739154, 0.576295591, 131.3186604},
    {2.948620388, 160.4605972, 3.615294657, 4.435986202, 0.290141953, 1.300669958, 148.7763046},
    {1.618662227, 1010.051101, 0.985094388, 0.000000001, 0.713820843, 0.920922555, 258.1632616},
    {1.876861559, 125.2232657, 62.90773554, 87.83366614, 12.01999824, 28.51324732, 104.5686167},
    {0.010000000, 272.4121427, 2.558379970, 1.565547684, 1.271567166, 2.758063707, 105.4420403},
    {3.217788970, 957.7374108, 2.274627939, 0.000000001, 1.317690384, 0.375760881, 312.3372610},
    {0.010000000, 1199.094025, -0.09002883, 0.000000001, 0.185904477, 0.875193782, 417.7253140},
};

const char* const kAliphaticRingAtoms = "[$([A;R][!a])]";

const char* const kAcceptorSmarts[] = {
    "[oH0;X2]",
    "[OH1;X2;v2]",
    "[OH0;X2;v2]",
    "[OH0;X1;v2]",
    "[O-;X1]",
    "[SH0;X2;v2]",
    "[SH0;X1;v2]",
    "[S-;X1]",
    "[nH0;X2]",
    "[NH0;X1;v3]",
    "[$([N;+0;X3;v3]);!$(N[C,S]=O)]",
};

// The 116 StructuralAlertSmarts of QED.py, same order.
const char* const kAlertSmarts[] = {
    "*1[O,S,N]*1",
    "[S,C](=[O,S])[F,Br,Cl,I]",
    "[CX4][Cl,Br,I]",
    "[#6]S(=O)(=O)O[#6]",
    "[$([CH]),$(CC)]#CC(=O)[#6]",
    "[$([CH]),$(CC)]#CC(=O)O[#6]",
    "n[OH]",
    "[$([CH]),$(CC)]#CS(=O)(=O)[#6]",
    "C=C(C=O)C=O",
    "n1c([F,Cl,Br,I])cccc1",
    "[CH1](=O)",
    "[#8][#8]",
    "[C;!R]=[N;!R]",
    "[N!R]=[N!R]",
    "[#6](=O)[#6](=O)",
    "[#16][#16]",
    "[#7][NH2]",
    "C(=O)N[NH2]",
    "[#6]=S",
    "[$([CH2]),$([CH][CX4]),$(C([CX4])[CX4])]=[$([CH2]),$([CH][CX4]),$(C([CX4])[CX4])]",
    "C1(=[O,N])C=CC(=[O,N])C=C1",
    "C1(=[O,N])C(=[O,N])C=CC=C1",
    "a21aa3a(aa1aaaa2)aaaa3",
    "a31a(a2a(aa1)aaaa2)aaaa3",
    "a1aa2a3a(a1)A=AA=A3=AA=A2",
    "c1cc([NH2])ccc1",
    "[Hg,Fe,As,Sb,Zn,Se,se,Te,B,Si,Na,Ca,Ge,Ag,Mg,K,Ba,Sr,Be,Ti,Mo,Mn,Ru,Pd,Ni,Cu,Au,Cd,Al,Ga,Sn,"
    "Rh,Tl,Bi,Nb,Li,Pb,Hf,Ho]",
    "I",
    "OS(=O)(=O)[O-]",
    "[N+](=O)[O-]",
    "C(=O)N[OH]",
    "C1NC(=O)NC(=O)1",
    "[SH]",
    "[S-]",
    "c1ccc([Cl,Br,I,F])c([Cl,Br,I,F])c1[Cl,Br,I,F]",
    "c1cc([Cl,Br,I,F])cc([Cl,Br,I,F])c1[Cl,Br,I,F]",
    "[CR1]1[CR1][CR1][CR1][CR1][CR1][CR1]1",
    "[CR1]1[CR1][CR1]cc[CR1][CR1]1",
    "[CR2]1[CR2][CR2][CR2][CR2][CR2][CR2][CR2]1",
    "[CR2]1[CR2][CR2]cc[CR2][CR2][CR2]1",
    "[CH2R2]1N[CH2R2][CH2R2][CH2R2][CH2R2][CH2R2]1",
    "[CH2R2]1N[CH2R2][CH2R2][CH2R2][CH2R2][CH2R2][CH2R2]1",
    "C#C",
    "[OR2,NR2]@[CR2]@[CR2]@[OR2,NR2]@[CR2]@[CR2]@[OR2,NR2]",
    "[$([N+R]),$([n+R]),$([N+]=C)][O-]",
    "[#6]=N[OH]",
    "[#6]=NOC=O",
    "[#6](=O)[CX4,CR0X3,O][#6](=O)",
    "c1ccc2c(c1)ccc(=O)o2",
    "[O+,o+,S+,s+]",
    "N=C=O",
    "[NX3,NX4][F,Cl,Br,I]",
    "c1ccccc1OC(=O)[#6]",
    "[CR0]=[CR0][CR0]=[CR0]",
    "[C+,c+,C-,c-]",
    "N=[N+]=[N-]",
    "C12C(NC(N1)=O)CSC2",
    "c1c([OH])c([OH,NH2,NH])ccc1",
    "P",
    "[N,O,S]C#N",
    "C=C=O",
    "[Si][F,Cl,Br,I]",
    "[SX2]O",
    "[SiR0,CR0](c1ccccc1)(c2ccccc2)(c3ccccc3)",
    "O1CCCCC1OC2CCC3CCCCC3C2",
    "N=[CR0][N,n,O,S]",
    "[cR2]1[cR2][cR2]([Nv3X3,Nv4X4])[cR2][cR2][cR2]1[cR2]2[cR2][cR2][cR2]([Nv3X3,Nv4X4])[cR2][cR2]"
    "2",
    "C=[C!r]C#N",
    "[cR2]1[cR2]c([N+0X3R0,nX3R0])c([N+0X3R0,nX3R0])[cR2][cR2]1",
    "[cR2]1[cR2]c([N+0X3R0,nX3R0])[cR2]c([N+0X3R0,nX3R0])[cR2]1",
    "[cR2]1[cR2]c([N+0X3R0,nX3R0])[cR2][cR2]c1([N+0X3R0,nX3R0])",
    "[OH]c1ccc([OH,NH2,NH])cc1",
    "c1ccccc1OC(=O)O",
    "[SX2H0][N]",
    "c12ccccc1(SC(S)=N2)",
    "c12ccccc1(SC(=S)N2)",
    "c1nnnn1C=O",
    "s1c(S)nnc1NC=O",
    "S1C=CSC1=S",
    "C(=O)Onnn",
    "OS(=O)(=O)C(F)(F)F",
    "N#CC[OH]",
    "N#CC(=O)",
    "S(=O)(=O)C#N",
    "N[CH2]C#N",
    "C1(=O)NCC1",
    "S(=O)(=O)[O-,OH]",
    "NC[F,Cl,Br,I]",
    "C=[C!r]O",
    "[NX2+0]=[O+0]",
    "[OR0,NR0][OR0,NR0]",
    "C(=O)O[C,H1].C(=O)O[C,H1].C(=O)O[C,H1]",
    "[CX2R0][NX3R0]",
    "c1ccccc1[C;!R]=[C;!R]c2ccccc2",
    "[NX3R0,NX4R0,OR0,SX2R0][CX4][NX3R0,NX4R0,OR0,SX2R0]",
    "[s,S,c,C,n,N,o,O]~[n+,N+](~[s,S,c,C,n,N,o,O])(~[s,S,c,C,n,N,o,O])~[s,S,c,C,n,N,o,O]",
    "[s,S,c,C,n,N,o,O]~[nX3+,NX3+](~[s,S,c,C,n,N])~[s,S,c,C,n,N]",
    "[*]=[N+]=[*]",
    "[SX3](=O)[O-,OH]",
    "N#N",
    "F.F.F.F",
    "[R0;D2][R0;D2][R0;D2][R0;D2]",
    "[cR,CR]~C(=O)NC(=O)~[cR,CR]",
    "C=!@CC=[O,S]",
    "[#6,#8,#16][#6](=O)O[#6]",
    "c[C;R0](=[O,S])[#6]",
    "c[SX2][C;!R]",
    "C=C=C",
    "c1nc([F,Cl,Br,I,S])ncc1",
    "c1ncnc([F,Cl,Br,I,S])c1",
    "c1nc(c2c(n1)nc(n2)[F,Cl,Br,I])",
    "[#6]S(=O)(=O)c1ccc(cc1)F",
    "[15N]",
    "[13C]",
    "[18O]",
    "[34S]",
};

/// SMARTS compiled once (thread-safe static initialisation); matching a
/// const query from several threads is safe (RDKit is built with
/// RDK_BUILD_THREADSAFE_SSS).
struct QedPatterns {
    SmartsQuery aliphatic_ring_atoms{kAliphaticRingAtoms};
    std::vector<SmartsQuery> acceptors;
    std::vector<SmartsQuery> alerts;
    std::vector<std::unique_ptr<ExplicitBitVect>> alert_fps;  ///< pattern fingerprints

    QedPatterns() {
        for (const char* s : kAcceptorSmarts)
            acceptors.emplace_back(s);
        for (const char* s : kAlertSmarts) {
            alerts.emplace_back(s);
            alert_fps.emplace_back(
                RDKit::PatternFingerprintMol(alerts.back().query(), kPatternFpBits));
        }
    }
    static const QedPatterns& get() {
        static const QedPatterns patterns;
        return patterns;
    }
};

/// Python: len(Chem.GetSSSR(Chem.DeleteSubstructs(Chem.Mol(mol), AliphaticRings)))
int aromatic_ring_count(const RDKit::ROMol& mol, const QedPatterns& patterns) {
    if (!patterns.aliphatic_ring_atoms.may_match(mol)) {
        RDKit::VECT_INT_VECT rings;
        std::unique_ptr<RDKit::ROMol> copy(new RDKit::ROMol(mol));
        return RDKit::MolOps::findSSSR(*copy, rings);
    }
    std::unique_ptr<RDKit::ROMol> rest(
        RDKit::deleteSubstructs(mol, patterns.aliphatic_ring_atoms.query(), false, false));
    RDKit::VECT_INT_VECT rings;
    return RDKit::MolOps::findSSSR(*rest, rings);
}

double ads(double x, const Ads& p) {
    const double exp1 = 1.0 + std::exp(-1.0 * (x - p.c + p.d / 2.0) / p.e);
    const double exp2 = 1.0 + std::exp(-1.0 * (x - p.c - p.d / 2.0) / p.f);
    const double dx = p.a + p.b / exp1 * (1.0 - 1.0 / exp2);
    return dx / p.dmax;
}

QedProperties properties_without_hs(const RDKit::ROMol& mol) {
    QedProperties props;
    props.mw = RDKit::Descriptors::calcAMW(mol);
    props.alogp = crippen_logp(mol);
    props.hbd = static_cast<int>(RDKit::Descriptors::calcNumHBD(mol));
    props.psa = RDKit::Descriptors::calcTPSA(mol, true, false);
    props.rotb = static_cast<int>(
        RDKit::Descriptors::calcNumRotatableBonds(mol, RDKit::Descriptors::Strict));
    qed_structure_counts(mol, props);
    return props;
}

}  // namespace

const QedWeights& qed_weights_mean() {
    static const QedWeights w{0.66, 0.46, 0.05, 0.61, 0.06, 0.65, 0.48, 0.95};
    return w;
}
const QedWeights& qed_weights_max() {
    static const QedWeights w{0.50, 0.25, 0.00, 0.50, 0.00, 0.50, 0.25, 1.00};
    return w;
}
const QedWeights& qed_weights_none() {
    static const QedWeights w{1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
    return w;
}

bool has_hydrogen_atoms(const RDKit::ROMol& mol) {
    for (const RDKit::Atom* atom : mol.atoms()) {
        if (atom->getAtomicNum() == 1) return true;
    }
    return false;
}

void qed_structure_counts(const RDKit::ROMol& mol, QedProperties& props,
                          const ExplicitBitVect* pattern_fp) {
    const QedPatterns& patterns = QedPatterns::get();
    props.hba = 0;
    for (const auto& acceptor : patterns.acceptors) {
        props.hba += static_cast<int>(acceptor.count_matches(mol));
    }
    props.arom = aromatic_ring_count(mol, patterns);
    props.alerts = 0;
    if (pattern_fp && pattern_fp->getNumBits() != kPatternFpBits) pattern_fp = nullptr;
    for (std::size_t i = 0; i < patterns.alerts.size(); ++i) {
        if (pattern_fp && !AllProbeBitsMatch(*patterns.alert_fps[i], *pattern_fp)) continue;
        if (patterns.alerts[i].has_match(mol)) ++props.alerts;
    }
}

QedProperties qed_properties(const RDKit::ROMol& mol) {
    // Python: mol = Chem.RemoveHs(mol). Without hydrogen atoms in the graph
    // that copy equals the (sanitized) input, so it is skipped.
    if (!has_hydrogen_atoms(mol)) return properties_without_hs(mol);
    // Same parameters as Python's Chem.RemoveHs, warnings off.
    RDKit::MolOps::RemoveHsParameters params;
    params.showWarnings = false;
    std::unique_ptr<RDKit::ROMol> no_hs(RDKit::MolOps::removeHs(mol, params, true));
    return properties_without_hs(*no_hs);
}

double qed_from_properties(const QedProperties& props, const QedWeights& weights) {
    const double values[8] = {props.mw,
                              props.alogp,
                              static_cast<double>(props.hba),
                              static_cast<double>(props.hbd),
                              props.psa,
                              static_cast<double>(props.rotb),
                              static_cast<double>(props.arom),
                              static_cast<double>(props.alerts)};
    double t = 0, wsum = 0;
    for (int i = 0; i < 8; ++i) {
        t += weights[i] * std::log(ads(values[i], kAds[i]));
        wsum += weights[i];
    }
    return std::exp(t / wsum);
}

double qed(const RDKit::ROMol& mol) {
    return qed_from_properties(qed_properties(mol), qed_weights_mean());
}

}  // namespace plmkit::pipelines
