#pragma once
// The default property model, shipped inside the binary: the bytes of
// data/assets/default_model/config.json and model.safetensors, embedded at
// build time (cmake/EmbedFile.cmake). It predicts ESOL aqueous solubility
// (log10 mol/L) and is the default score of `plmkit screen`; see
// data/assets/default_model/README.md and scripts/make_default_model.sh.
#include <cstddef>
#include <string>

namespace plmkit::data {

struct EmbeddedBytes {
    const unsigned char* data = nullptr;
    std::size_t size = 0;
};

EmbeddedBytes default_model_config();
EmbeddedBytes default_model_weights();
/// The name the screen config uses for it (`model: default`).
constexpr const char* kDefaultModelName = "default";

}  // namespace plmkit::data
