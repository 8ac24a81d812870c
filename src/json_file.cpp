#include "src/json_file.hpp"

#include <fstream>

#include "src/atomic_file.hpp"
#include "src/error.hpp"

namespace plmkit {

nlohmann::json read_json_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw IoError("cannot open '" + path + "': " + errno_message());
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(path + ": invalid JSON: " + e.what());
    }
}

void write_json_file(const std::string& path, const nlohmann::json& j) {
    AtomicFile file(path);
    std::ofstream out(file.temp_path());
    out << j.dump(2) << '\n';
    out.close();
    if (!out) throw IoError("cannot write '" + path + "': " + errno_message());
    file.commit();
}

}  // namespace plmkit
