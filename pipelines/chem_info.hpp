#pragma once
#include <string>

namespace plmkit::pipelines {
/// RDKit's version string (RDKit::rdkitVersion; Debian's versions.h macros
/// are not filled in).
std::string rdkit_version();
}  // namespace plmkit::pipelines
