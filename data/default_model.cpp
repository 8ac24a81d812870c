#include "data/default_model.hpp"

namespace plmkit::data {
namespace embedded {
extern const unsigned char default_model_config[];
extern const std::size_t default_model_config_size;
extern const unsigned char default_model_weights[];
extern const std::size_t default_model_weights_size;
}  // namespace embedded

EmbeddedBytes default_model_config() {
    return {embedded::default_model_config, embedded::default_model_config_size};
}

EmbeddedBytes default_model_weights() {
    return {embedded::default_model_weights, embedded::default_model_weights_size};
}

}  // namespace plmkit::data
