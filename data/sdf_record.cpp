#include "data/sdf_record.hpp"

#include <algorithm>

namespace plmkit::data {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string trim(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && is_space(s[b]))
        ++b;
    while (e > b && is_space(s[e - 1]))
        --e;
    return s.substr(b, e - b);
}

bool is_blank(const std::string& s) {
    return std::all_of(s.begin(), s.end(), is_space);
}

bool is_end_of_record(const std::string& line) {
    return line.rfind("$$$$", 0) == 0 && is_blank(line.substr(4));
}

/// ">  <NAME>  (1)" -> NAME; an old-style "> DT12" -> DT12.
std::string tag_name(const std::string& line) {
    auto open = line.find('<');
    if (open != std::string::npos) {
        auto close = line.find('>', open + 1);
        if (close != std::string::npos) return line.substr(open + 1, close - open - 1);
    }
    return trim(line.substr(1));
}

void end_value(std::string& value) {
    while (!value.empty() && is_space(value.back()))
        value.pop_back();
}

}  // namespace

bool read_sdf_record(LineReader& reader, SdfRecord& record) {
    record = SdfRecord{};
    std::string line;
    bool in_block = true, in_value = false, any_text = false, terminated = false;
    while (reader.next(line)) {
        if (record.line == 0) record.line = reader.line_number();
        if (is_end_of_record(line)) {
            terminated = true;
            break;
        }
        any_text = any_text || !is_blank(line);
        if (in_block) {
            if (record.molblock.empty()) record.title = trim(line);
            record.molblock += line;
            record.molblock += '\n';
            if (line.rfind("M  END", 0) == 0) in_block = false;
        } else if (!line.empty() && line[0] == '>') {
            if (in_value) end_value(record.tags.back().second);
            record.tags.emplace_back(tag_name(line), std::string());
            in_value = true;
        } else if (in_value && is_blank(line)) {
            end_value(record.tags.back().second);
            in_value = false;
        } else if (in_value) {
            std::string& value = record.tags.back().second;
            if (!value.empty()) value += '\n';
            value += line;
        }
        // Other text between data items is ignored, as by RDKit.
    }
    if (in_value) end_value(record.tags.back().second);
    record.terminated = terminated;
    record.has_end = !in_block;
    if (!terminated && !any_text) return false;
    const std::string where = reader.path() + ":" + std::to_string(record.line) + ": ";
    if (!any_text)
        record.error = where + "empty SDF record";
    else if (in_block)
        record.error = where + "no 'M  END' line before " +
                       (terminated ? "'$$$$' (line " + std::to_string(reader.line_number()) + ")"
                                   : std::string("the end of the file"));
    return true;
}

}  // namespace plmkit::data
