#include "pipelines/chem_info.hpp"

#include <RDGeneral/versions.h>

namespace plmkit::pipelines {
std::string rdkit_version() {
    return RDKit::rdkitVersion;
}
}  // namespace plmkit::pipelines
