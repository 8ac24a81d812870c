#pragma once
// The descriptors of RDKit's Python Descriptors.descList (RDKit 2022.09) that
// its C++ Descriptors::Properties, MQN and VSA functions do not provide:
// E-state indices and their VSA bins, QED, Gasteiger charge extremes, Morgan
// fingerprint densities, BCUT2D, Balaban's J, Chi0/Chi1 and the 85 fr_*
// functional-group counts. With them the rdkit2d featurizer covers descList
// except Ipc (broken in Debian's Python RDKit with numpy 1.24) and BertzCT.
// The definitions follow RDKit's (same formulas, bins and fragment SMARTS,
// the latter read from RDKit's FragmentDescriptors.csv at build time); the
// tests compare every value with RDKit's Python on real molecules.
#include <string>
#include <vector>

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

/// Names of the values extra_descriptors writes, in order.
const std::vector<std::string>& extra_descriptor_names();

struct CrippenAtoms;

/// What the rdkit2d featurizer computed before the extras, passed in so that
/// it is not computed again (pipelines/rdkit_properties.hpp). Each field
/// must be the value named for the same molecule.
struct SharedDescriptorInputs {
    const CrippenAtoms* crippen = nullptr;  ///< crippen_atoms(), or nullptr
    /// computeGasteigerCharges(mol, charges, 12, false), or nullptr.
    const std::vector<double>* gasteiger = nullptr;
    bool gasteiger_complete = false;  ///< every atom had Gasteiger parameters
    bool have_properties = false;     ///< the three values below are set
    double amw = 0;                   ///< calcAMW(mol)
    int hbd = 0;                      ///< calcNumHBD(mol)
    int rotb_strict = 0;              ///< calcNumRotatableBonds(mol, Strict)
};

/// Writes extra_descriptor_names().size() values for `mol` (as parsed:
/// implicit hydrogens). Values RDKit cannot compute (Gasteiger charges of
/// unparametrized elements) are NaN.
void extra_descriptors(const RDKit::ROMol& mol, float* out);
/// The same values, reusing `shared`.
void extra_descriptors(const RDKit::ROMol& mol, const SharedDescriptorInputs& shared, float* out);

/// Kier-Hall electrotopological state of every atom (Hall, Mohney and Kier,
/// J. Chem. Inf. Comput. Sci. 31, 76-82, 1991), as RDKit's EStateIndices.
std::vector<double> estate_indices(const RDKit::ROMol& mol);

}  // namespace plmkit::pipelines
