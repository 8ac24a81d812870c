#include "pipelines/feature_cache.hpp"

#include <cstdint>
#include <fstream>

#include "src/atomic_file.hpp"
#include "src/error.hpp"

namespace plmkit::pipelines {

namespace {
const char* kFeatureMagic = "plmkit-features-v1";
}  // namespace

void save_features(const std::string& path, const PropertyTable& t, const nlohmann::json& desc) {
    nlohmann::json head = {{"magic", kFeatureMagic},
                           {"featurizer", desc},
                           {"rows", t.size()},
                           {"dim", t.dim},
                           {"index", t.index}};
    AtomicFile file(path);
    std::ofstream out(file.temp_path(), std::ios::binary);
    const std::string h = head.dump();
    const std::uint64_t len = h.size();
    out.write(reinterpret_cast<const char*>(&len), sizeof len);
    out.write(h.data(), static_cast<std::streamsize>(h.size()));
    out.write(reinterpret_cast<const char*>(t.features.data()),
              static_cast<std::streamsize>(t.features.size() * sizeof(float)));
    out.close();
    if (!out) throw IoError("cannot write '" + path + "': " + errno_message());
    file.commit();
}

bool load_features(const std::string& path, PropertyTable& t, const nlohmann::json& desc) {
    std::ifstream in(path, std::ios::binary);
    std::uint64_t len = 0;
    if (!in.read(reinterpret_cast<char*>(&len), sizeof len) || len > (1u << 30)) return false;
    std::string h(len, '\0');
    if (!in.read(h.data(), static_cast<std::streamsize>(len))) return false;
    nlohmann::json head = nlohmann::json::parse(h, nullptr, false);
    if (head.is_discarded() || head.value("magic", "") != kFeatureMagic ||
        head.value("featurizer", nlohmann::json()) != desc ||
        head.value("index", nlohmann::json()) != nlohmann::json(t.index))
        return false;
    t.dim = head.value("dim", std::size_t{0});
    t.features.assign(t.size() * t.dim, 0.f);
    return static_cast<bool>(in.read(reinterpret_cast<char*>(t.features.data()),
                                     static_cast<std::streamsize>(t.features.size() * 4)));
}

}  // namespace plmkit::pipelines
