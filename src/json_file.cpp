#include "src/json_file.hpp"

#include <fstream>

#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "src/utf8.hpp"

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

nlohmann::json with_valid_utf8(const nlohmann::json& j) {
    if (j.is_string()) return escape_invalid_utf8(j.get_ref<const std::string&>());
    if (j.is_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& v : j)
            out.push_back(with_valid_utf8(v));
        return out;
    }
    if (!j.is_object()) return j;
    nlohmann::json out = nlohmann::json::object();
    for (auto it = j.begin(); it != j.end(); ++it)
        out[escape_invalid_utf8(it.key())] = with_valid_utf8(it.value());
    return out;
}

std::string json_text(const nlohmann::json& j, int indent) {
    return with_valid_utf8(j).dump(indent);
}

void write_json_file(const std::string& path, const nlohmann::json& j, Durability durability) {
    AtomicFile file(path, durability);
    std::ofstream out(file.temp_path());
    out << json_text(j) << '\n';
    out.close();
    if (!out) throw IoError("cannot write '" + path + "': " + errno_message());
    file.commit();
}

}  // namespace plmkit
