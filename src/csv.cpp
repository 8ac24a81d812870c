#include "src/csv.hpp"

#include "src/error.hpp"

namespace plmkit {

namespace {
/// Reads a quoted field starting after its opening quote at line[i]; returns
/// false when the closing quote is missing. `i` ends past the field.
bool read_quoted(std::string_view line, char sep, std::size_t& i, std::string& field) {
    const std::size_t n = line.size();
    while (i < n) {
        char c = line[i++];
        if (c != '"') {
            field.push_back(c);
        } else if (i < n && line[i] == '"') {
            field.push_back('"');
            ++i;
        } else {
            // Text after the closing quote up to the separator is kept as is.
            while (i < n && line[i] != sep)
                field.push_back(line[i++]);
            return true;
        }
    }
    return false;
}
}  // namespace

bool split_csv_line(std::string_view line, char sep, std::vector<std::string>& fields) {
    // Strings already in `fields` are reused, which saves allocations.
    std::size_t count = 0;
    auto next_field = [&]() -> std::string& {
        if (count == fields.size()) fields.emplace_back();
        std::string& f = fields[count++];
        f.clear();
        return f;
    };
    std::size_t i = 0;
    const std::size_t n = line.size();
    bool closed = true;
    for (;;) {
        std::string& field = next_field();
        // Leading spaces before an opening quote are allowed: ` "a,b"`.
        std::size_t q = i;
        while (q < n && line[q] == ' ' && sep != ' ')
            ++q;
        if (q < n && line[q] == '"') {
            i = q + 1;
            if (!read_quoted(line, sep, i, field)) {
                closed = false;
                break;
            }
        } else {
            std::size_t stop = line.find(sep, i);
            if (stop == std::string_view::npos) stop = n;
            field.assign(line.data() + i, stop - i);
            i = stop;
        }
        if (i >= n) break;
        ++i;  // skip the separator
        if (i == n) {
            next_field();  // "a,b," ends with an empty field
            break;
        }
    }
    fields.resize(count);
    return closed;
}

std::vector<std::string> split_csv_line(std::string_view line, char sep) {
    std::vector<std::string> fields;
    split_csv_line(line, sep, fields);
    return fields;
}

std::string csv_escape(std::string_view field, char sep) {
    bool quote = !field.empty() && (field.front() == ' ' || field.back() == ' ');
    for (char c : field) {
        if (c == sep || c == '"' || c == '\n' || c == '\r') {
            quote = true;
            break;
        }
    }
    if (!quote) return std::string(field);
    std::string out = "\"";
    for (char c : field) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

char csv_separator_for(const std::string& path) {
    std::string p = path;
    if (p.size() > 3 && p.compare(p.size() - 3, 3, ".gz") == 0) p.resize(p.size() - 3);
    auto ends = [&](const char* ext) {
        std::string e(ext);
        return p.size() >= e.size() && p.compare(p.size() - e.size(), e.size(), e) == 0;
    };
    return ends(".tsv") || ends(".tab") || ends(".TSV") ? '\t' : ',';
}

CsvWriter::CsvWriter(const std::string& path, char sep)
    : path_(path), sep_(sep ? sep : csv_separator_for(path)) {
    if (path == "-") {
        file_ = stdout;
        return;
    }
    atomic_ = std::make_unique<AtomicFile>(path);
    file_ = std::fopen(atomic_->temp_path().c_str(), "wb");
    if (!file_) throw IoError("cannot write '" + path + "': " + errno_message());
}

CsvWriter::~CsvWriter() {
    if (file_ && file_ != stdout) std::fclose(file_);
}

void CsvWriter::write_fields(const std::vector<std::string>& fields) {
    buffer_.clear();
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) buffer_.push_back(sep_);
        buffer_ += csv_escape(fields[i], sep_);
    }
    buffer_.push_back('\n');
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
        throw IoError("cannot write '" + path_ + "': " + errno_message());
}

void CsvWriter::header(const std::vector<std::string>& columns) {
    if (!file_) throw Error("CsvWriter::header after close() on '" + path_ + "'");
    if (columns_ != 0 || rows_ != 0)
        throw Error("CsvWriter::header called twice or after rows on '" + path_ + "'");
    columns_ = columns.size();
    write_fields(columns);
}

void CsvWriter::row(const std::vector<std::string>& fields) {
    if (!file_) throw Error("CsvWriter::row after close() on '" + path_ + "'");
    if (columns_ != 0 && fields.size() != columns_)
        throw Error("CsvWriter '" + path_ + "': row " + std::to_string(rows_ + 1) + " has " +
                    std::to_string(fields.size()) + " fields, expected " +
                    std::to_string(columns_));
    write_fields(fields);
    ++rows_;
}

void CsvWriter::close() {
    if (!file_) return;
    if (file_ == stdout) {
        std::fflush(stdout);
        file_ = nullptr;
        return;
    }
    bool ok = std::fflush(file_) == 0;
    ok = std::fclose(file_) == 0 && ok;
    file_ = nullptr;
    if (!ok) throw IoError("cannot write '" + path_ + "': " + errno_message());
    atomic_->commit();
}

}  // namespace plmkit
