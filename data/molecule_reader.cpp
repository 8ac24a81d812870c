#include "data/molecule_reader.hpp"

#include <algorithm>
#include <cctype>

#include "data/smiles_field.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/name_hints.hpp"
#include "src/output_names.hpp"
#include "src/utf8.hpp"

namespace plmkit::data {

namespace {

constexpr std::size_t kMaxQuotedLines = 1000;

/// True when every quoted field of `line` ends at its closing quote (the
/// next character is the separator or the end), as RFC 4180 wants; a quote
/// inside an unquoted field is a character of it.
bool quotes_well_formed(const std::string& line, char sep) {
    std::size_t i = 0;
    const std::size_t n = line.size();
    auto skip_blanks = [&] {
        while (i < n && line[i] != sep && (line[i] == ' ' || line[i] == '\t'))
            ++i;
    };
    while (i <= n) {
        skip_blanks();
        if (i < n && line[i] == '"') {
            for (++i;; ++i) {
                if (i >= n) return false;  // not closed
                if (line[i] != '"') continue;
                if (i + 1 < n && line[i + 1] == '"') {
                    ++i;  // "" stands for one quote
                    continue;
                }
                ++i;
                break;
            }
            skip_blanks();
            if (i < n && line[i] != sep) return false;
        } else {
            while (i < n && line[i] != sep)
                ++i;
        }
        ++i;  // past the separator (or the end)
    }
    return true;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string trim(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && is_space(s[b]))
        ++b;
    while (e > b && is_space(s[e - 1]))
        --e;
    return std::string(s.substr(b, e - b));
}

void trim_in_place(std::string& s) {
    std::size_t e = s.size();
    while (e > 0 && is_space(s[e - 1]))
        --e;
    s.resize(e);
    std::size_t b = 0;
    while (b < s.size() && is_space(s[b]))
        ++b;
    if (b > 0) s.erase(0, b);
}

bool is_blank(const std::string& s) {
    return std::all_of(s.begin(), s.end(), is_space);
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string without_gz(const std::string& path) {
    auto n = path.size();
    if (n > 3 && lower(path.substr(n - 3)) == ".gz") return path.substr(0, n - 3);
    return path;
}

std::string file_name(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string extension(const std::string& path) {
    std::string name = file_name(without_gz(path));
    auto dot = name.rfind('.');
    return dot == std::string::npos ? "" : lower(name.substr(dot + 1));
}

std::string format_from_path(const std::string& path) {
    const std::string ext = extension(path);
    if (ext == "smi" || ext == "smiles" || ext == "ism" || ext == "txt") return "smi";
    if (ext == "csv") return "csv";
    if (ext == "tsv" || ext == "tab") return "tsv";
    if (ext == "sdf" || ext == "sd" || ext == "mol") return "sdf";
    throw UsageError("cannot tell the format of '" + path +
                     "' from its name; choose one of smi, csv, tsv, sdf (--format)");
}

std::string stem_of(const std::string& path) {
    if (path == "-") return "stdin";
    // ".GZ" too (as the readers do), then the stem of src/output_names.hpp.
    return split_extension(file_name(without_gz(path))).stem;
}

/// Index of `name` in `columns`: exact match first, then case-insensitive.
int find_column(const std::vector<std::string>& columns, const std::string& name) {
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (columns[i] == name) return static_cast<int>(i);
    const std::string l = lower(name);
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (lower(columns[i]) == l) return static_cast<int>(i);
    return -1;
}

/// Refuses a column chosen by find_column(columns, name) that the header
/// names more than once (the exact spelling twice, or, matched regardless of
/// case, two spellings): which copy holds the values would be a guess.
void check_named_once(const std::string& path, const std::vector<std::string>& columns, int index,
                      const std::string& name) {
    if (index < 0 || static_cast<std::size_t>(index) >= columns.size()) return;
    const bool exact = columns[index] == name;
    const std::string l = lower(name);
    const auto copies = std::count_if(columns.begin(), columns.end(), [&](const std::string& c) {
        return exact ? c == name : lower(c) == l;
    });
    if (copies > 1)
        throw InputError(path + ": the header names column '" + columns[index] +
                         "' more than once; rename the copies so that each is named once");
}

/// .smi fields: tab-separated when the line has a tab, else whitespace runs.
void split_smi(const std::string& line, std::vector<std::string>& fields) {
    fields.clear();
    if (line.find('\t') != std::string::npos) {
        split_csv_line(line, '\t', fields);
        for (auto& f : fields)
            f = trim(f);
        return;
    }
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && is_space(line[i]))
            ++i;
        std::size_t b = i;
        while (i < line.size() && !is_space(line[i]))
            ++i;
        if (i > b) fields.emplace_back(line, b, i - b);
    }
}

bool is_smiles_header(const std::string& first_field) {
    const std::string l = lower(first_field);
    return l == "smiles" || l == "smi" || l == "canonical_smiles";
}

/// How a quoted field that opened a table row failed to make a row of
/// `expected` fields: it closes `lines` - 1 lines later in a row of `found`
/// fields or with text after the closing quote, or it is not closed.
std::string stray_quote_reason(bool closed, bool well_formed, std::size_t lines, std::size_t found,
                               std::size_t expected) {
    if (closed)
        return "closes " + std::to_string(lines - 1) + " lines later " +
               (well_formed ? "in a row of " + std::to_string(found) + " fields (expected " +
                                  std::to_string(expected) + ")"
                            : std::string("with text after the closing quote"));
    return "is not closed" + (lines > kMaxQuotedLines
                                  ? " within " + std::to_string(kMaxQuotedLines) + " lines"
                                  : std::string(" by the end of the file"));
}

}  // namespace

const std::vector<std::string>& auto_id_columns(bool protein) {
    // CID: MoleculeNet's BACE (unique BACE_<n> ids).
    static const std::vector<std::string> molecule{"id",        "name",   "Compound ID",
                                                   "chembl_id", "mol_id", "CID"};
    static const std::vector<std::string> both = [] {
        std::vector<std::string> names = molecule;
        for (const char* n :
             {"protein_id", "accession", "uniprot_id", "uniprot", "entry", "sequence_id", "seq_id"})
            names.emplace_back(n);
        return names;
    }();
    return protein ? both : molecule;
}

MoleculeReader::MoleculeReader(const std::string& path, const MoleculeReaderOptions& options)
    : options_(options), reader_(path) {
    if (options_.smiles_col.empty()) options_.smiles_col = "smiles";
    format_ = lower(options.format);
    if (format_ == "auto" || format_.empty()) format_ = format_from_path(path);
    stem_ = stem_of(path);
    if (format_ == "csv" || format_ == "tsv") {
        sep_ = format_ == "csv" ? ',' : '\t';
        open_table();
    } else if (format_ == "smi") {
        open_smi();
    } else if (format_ == "sdf") {
        open_sdf();
    } else {
        throw UsageError("unknown molecule format '" + options.format +
                         "'; expected auto, smi, csv, tsv or sdf");
    }
}

MoleculeReader::~MoleculeReader() = default;

bool MoleculeReader::read_line(std::string& line) {
    line_from_file_ = false;
    if (has_pending_) {  // .smi only: no quoted fields, so no line end kept
        line.swap(pending_);
        has_pending_ = false;
        line_no_ = pending_line_;
        line_end_ = "\n";
        return true;
    }
    if (!replay_.empty()) {
        line.swap(replay_.front().text);
        line_no_ = replay_.front().number;
        line_end_.swap(replay_.front().end);
        replay_.pop_front();
        return true;
    }
    if (!reader_.next(line)) return false;
    line_no_ = reader_.line_number();  // LineReader drops a UTF-8 BOM
    line_end_ = reader_.line_end();
    line_from_file_ = true;
    return true;
}

std::string MoleculeReader::fallback_id(std::uint64_t index) const {
    return stem_ + ":" + std::to_string(index + 1);
}

void MoleculeReader::open_table() {
    std::string line;
    while (read_line(line) && is_blank(line)) {
    }
    if (is_blank(line) && options_.empty_ok) return;  // next() finds the end
    if (is_blank(line))
        throw InputError(path() + ": no header line (expected the column names of a " + format_ +
                         " table)");
    if (!split_csv_line(line, sep_, columns_))
        throw InputError(path() + ":" + std::to_string(line_no_) +
                         ": the header line has a quote that does not close its column name (a "
                         "stray '\"'?): " +
                         line.substr(0, 200));
    for (auto& c : columns_)
        c = trim(c);
    resolve_columns();
}

void MoleculeReader::resolve_columns() {
    smiles_index_ = find_column(columns_, options_.smiles_col);
    std::string smiles_name = options_.smiles_col;
    if (smiles_index_ < 0 && options_.smiles_col == "smiles") {
        for (const char* alt : {"canonical_smiles", "smi"})
            if (smiles_index_ < 0) {
                smiles_index_ = find_column(columns_, alt);
                smiles_name = alt;
            }
    }
    if (smiles_index_ < 0)
        throw UsageError(path() + ": no " + options_.column_label + " column '" +
                         options_.smiles_col + "' (columns: " + name_list(columns_) +
                         "); choose one with " + options_.column_option +
                         did_you_mean(options_.smiles_col, columns_) +
                         (format_ == "smi" ? "" : separator_hint(columns_, sep_)));
    check_named_once(path(), columns_, smiles_index_, smiles_name);
    id_index_ = -1;
    if (!options_.id_col.empty()) {
        id_index_ = find_column(columns_, options_.id_col);
        if (id_index_ < 0)
            throw UsageError(path() + ": no id column '" + options_.id_col + "' (columns: " +
                             name_list(columns_) + ")" + did_you_mean(options_.id_col, columns_));
        check_named_once(path(), columns_, id_index_, options_.id_col);
    } else {
        for (const auto& name : auto_id_columns(options_.protein_ids))
            if (id_index_ < 0) {
                id_index_ = find_column(columns_, name);
                check_named_once(path(), columns_, id_index_, name);
            }
        if (id_index_ < 0 && format_ == "smi" && smiles_index_ == 0) id_index_ = 1;
    }
    target_index_.clear();
    for (const auto& t : options_.target_cols) {
        int i = find_column(columns_, t);
        if (i < 0)
            throw UsageError(path() + ": no target column '" + t +
                             "' (columns: " + name_list(columns_) + ")" + options_.target_hint +
                             column_list_hint(t, columns_, "--target-col"));
        check_named_once(path(), columns_, i, t);
        target_index_.push_back(i);
    }
}

bool MoleculeReader::is_prop(std::size_t i) const {
    const int k = static_cast<int>(i);
    if (k == smiles_index_ || k == id_index_) return false;
    return std::find(target_index_.begin(), target_index_.end(), k) == target_index_.end();
}

std::string MoleculeReader::column_name(std::size_t i) const {
    return i < columns_.size() ? columns_[i] : "col" + std::to_string(i + 1);
}

void MoleculeReader::fill_from_fields(const std::vector<std::string>& fields,
                                      MoleculeRecord& record) {
    auto field = [&](int i) -> std::string {
        return i >= 0 && static_cast<std::size_t>(i) < fields.size() ? fields[i] : std::string();
    };
    record.smiles = field(smiles_index_);
    record.id = field(id_index_);
    for (std::size_t t = 0; t < target_index_.size(); ++t)
        record.targets.emplace_back(columns_[target_index_[t]], field(target_index_[t]));
    if (!options_.keep_props) return;
    // Fields past the header are named col<k> in .smi files, dropped in
    // tables (such a row is already rejected for its field count).
    for (std::size_t i = 0; i < fields.size(); ++i)
        if (is_prop(i) && (format_ == "smi" || i < columns_.size()))
            record.props.emplace_back(column_name(i), fields[i]);
}

void MoleculeReader::finish(MoleculeRecord& record) {
    record.index = count_++;
    if (record.id.empty()) record.id = fallback_id(record.index);
    if (record.error.empty()) {
        if (format_ == "sdf") {
            if (is_blank(record.molblock)) record.error = "empty SDF record";
        } else if (record.smiles.empty()) {
            record.error = "empty " + options_.column_label;
        } else {
            record.error = field_whitespace_reason(record.smiles, options_.column_label);
            // A Latin-1 or other non-UTF-8 byte: the file's encoding is the
            // problem, and the UTF-8 reason says how to convert it.
            if (record.error.empty() && options_.column_label == "SMILES")
                record.error = invalid_utf8_reason(record.smiles, "SMILES", record.line);
            if (record.error.empty() && options_.column_label == "SMILES")
                record.error = smiles_non_ascii_reason(record.smiles);
        }
    }
    if (!record.error.empty()) ++rejected_;
}

bool MoleculeReader::next(MoleculeRecord& record) {
    if (format_ == "sdf") return next_sdf(record);
    if (format_ == "smi") return next_smi(record);
    return next_table(record);
}

bool MoleculeReader::join_quoted_row(const std::string& line, MoleculeRecord& record) {
    // Keep the lines: if the row turns out malformed, the opening quote was a
    // stray one, and the lines it swallowed are read again as rows of their
    // own (only this line is rejected), rather than lost in one reject.
    // The line ends inside the field are its text, as in the file ("\r\n"
    // stays "\r\n", a lone CR a CR), as Python's csv module reads them;
    // so a lone CR there is no mixed line end for the LineReader's warning
    // (also when the row then turns out to be a stray quote's).
    std::vector<HeldLine> span;
    span.push_back({line, line_no_, line_end_});
    std::string joined = line, more;
    bool closed = false;
    while (!closed && span.size() <= kMaxQuotedLines) {
        if (line_from_file_) reader_.line_end_is_text();
        if (!read_line(more)) break;
        joined += span.back().end;
        joined += more;
        span.push_back({more, line_no_, line_end_});
        closed = split_csv_line(joined, sep_, fields_);
    }
    const bool well_formed = closed && quotes_well_formed(joined, sep_);
    if (closed && fields_.size() == columns_.size() && well_formed) return true;
    const std::size_t lines = span.size();
    const std::size_t found = fields_.size();
    for (std::size_t i = lines; i-- > 1;)
        replay_.push_front(std::move(span[i]));
    split_csv_line(line, sep_, fields_);
    for (auto& f : fields_)
        trim_in_place(f);
    record.error = path() + ":" + std::to_string(record.line) +
                   ": a quoted field opened on this line " +
                   stray_quote_reason(closed, well_formed, lines, found, columns_.size()) +
                   ": a stray '\"'? The lines after it are read as rows of their own";
    return false;
}

bool MoleculeReader::next_table(MoleculeRecord& record) {
    std::string line;
    do {
        if (!read_line(line)) return false;
    } while (is_blank(line));
    record = MoleculeRecord{};
    record.line = line_no_;
    // A quoted field may span lines.
    if (!split_csv_line(line, sep_, fields_) && !join_quoted_row(line, record)) {
        fill_from_fields(fields_, record);
        finish(record);
        return true;
    }
    for (auto& f : fields_)
        trim_in_place(f);
    if (fields_.size() != columns_.size()) {
        record.error = path() + ":" + std::to_string(record.line) + ": expected " +
                       std::to_string(columns_.size()) + " fields, found " +
                       std::to_string(fields_.size());
    }
    fill_from_fields(fields_, record);
    finish(record);
    return true;
}

void MoleculeReader::open_smi() {
    std::string line;
    while (read_line(line)) {
        if (is_blank(line) || trim(line)[0] == '#') continue;
        split_smi(line, fields_);
        // `--smiles-col NAME` names a column, so a first line with a field
        // NAME is its header too (`id NAME pIC50`).
        if (is_smiles_header(fields_[0]) || find_column(fields_, options_.smiles_col) >= 0) {
            columns_ = fields_;
            resolve_columns();
            return;
        }
        pending_.swap(line);
        pending_line_ = line_no_;
        has_pending_ = true;
        break;
    }
    // No header line: column 1 is the SMILES, column 2 the name.
    if (!options_.target_cols.empty() || !options_.id_col.empty() ||
        options_.smiles_col != "smiles")
        throw UsageError(path() + ": SMILES file without a header line (" +
                         (options_.smiles_col == "smiles"
                              ? std::string("'smiles name ...'")
                              : "the first line has no field '" + options_.smiles_col +
                                    "' and does not start with 'smiles'") +
                         "); columns cannot be chosen by name");
    smiles_index_ = 0;
    id_index_ = 1;
}

std::string MoleculeReader::id_column() const {
    if (format_ == "sdf") return options_.id_col;
    bool named = id_index_ >= 0 && static_cast<std::size_t>(id_index_) < columns_.size();
    return named ? columns_[static_cast<std::size_t>(id_index_)] : std::string();
}

std::string MoleculeReader::smiles_column() const {
    if (format_ == "sdf") return std::string();
    bool named = smiles_index_ >= 0 && static_cast<std::size_t>(smiles_index_) < columns_.size();
    return named ? columns_[static_cast<std::size_t>(smiles_index_)] : std::string();
}

bool MoleculeReader::next_smi(MoleculeRecord& record) {
    std::string line;
    do {
        if (!read_line(line)) return false;
    } while (is_blank(line) || trim(line)[0] == '#');
    record = MoleculeRecord{};
    record.line = line_no_;
    split_smi(line, fields_);
    fill_from_fields(fields_, record);
    finish(record);
    return true;
}

void MoleculeReader::open_sdf() {
    sdf_ = std::make_unique<SdfReader>(reader_);
    has_pending_record_ = sdf_->next(pending_record_);
    if (!has_pending_record_) return;
    // A file whose first record has neither "M  END" nor "$$$$" is not an SD
    // file at all (a CSV read with --format sdf): one record holding the whole
    // file would go to the rejects while the run "succeeds".
    if (!pending_record_.terminated && !pending_record_.has_end &&
        !pending_record_.unterminated_split)
        throw InputError(path() + ": not an SD file: no 'M  END' line and no '$$$$' line in " +
                         std::to_string(reader_.line_number()) +
                         " lines (expected mol blocks ending in 'M  END', records separated "
                         "by '$$$$')");
    for (const auto& tag : pending_record_.tags)
        columns_.push_back(tag.first);
    auto check = [&](const std::string& name, const char* what) {
        if (find_column(columns_, name) < 0)
            throw UsageError(path() + ": no SD tag '" + name + "' for the " + what +
                             " in the first record (tags: " + name_list(columns_) + ")" +
                             did_you_mean(name, columns_));
    };
    if (!options_.id_col.empty()) check(options_.id_col, "id");
    for (const auto& t : options_.target_cols)
        check(t, "targets");
}

bool MoleculeReader::next_sdf(MoleculeRecord& record) {
    SdfRecord sdf;
    if (has_pending_record_) {
        sdf = std::move(pending_record_);
        has_pending_record_ = false;
    } else if (!sdf_->next(sdf)) {
        return false;
    }
    record = MoleculeRecord{};
    record.line = sdf.line;
    record.molblock = std::move(sdf.molblock);
    record.error = std::move(sdf.error);
    std::vector<std::string> names;
    for (const auto& tag : sdf.tags)
        names.push_back(tag.first);
    std::vector<int> used;
    int id_tag = -1;
    if (!options_.id_col.empty()) {
        id_tag = find_column(names, options_.id_col);
    } else if (sdf.title.empty()) {
        for (const auto& name : auto_id_columns(options_.protein_ids))
            if (id_tag < 0) id_tag = find_column(names, name);
    } else {
        record.id = sdf.title;
    }
    if (id_tag >= 0) {
        record.id = trim(sdf.tags[id_tag].second);
        used.push_back(id_tag);
    }
    for (const auto& t : options_.target_cols) {
        int i = find_column(names, t);
        record.targets.emplace_back(t, i < 0 ? std::string() : trim(sdf.tags[i].second));
        if (i >= 0) used.push_back(i);
    }
    if (options_.keep_props) {
        for (std::size_t i = 0; i < sdf.tags.size(); ++i)
            if (std::find(used.begin(), used.end(), static_cast<int>(i)) == used.end())
                record.props.push_back(std::move(sdf.tags[i]));
    }
    finish(record);
    return true;
}

}  // namespace plmkit::data
