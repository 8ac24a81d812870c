#include "pipelines/embed_merge.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <queue>

#include "pipelines/embed_job.hpp"
#include "pipelines/run_files.hpp"
#include "pipelines/shard.hpp"
#include "src/atomic_file.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/hdf5_reader.hpp"
#include "src/hdf5_writer.hpp"
#include "src/log.hpp"
#include "src/runtime.hpp"
#include "src/strings.hpp"
#include "src/utc_time.hpp"

namespace plmkit::pipelines {
namespace {

/// One shard file, opened, with its row bookkeeping loaded.
struct ShardFile {
    std::string path;
    std::unique_ptr<Hdf5Reader> reader;
    Shard shard;
    std::map<std::string, Hdf5Attribute> attrs;
    std::vector<Hdf5DatasetInfo> sets;
    std::uint64_t sequences = 0;
    std::vector<std::int64_t> record_index;
    std::vector<std::int64_t> offsets;          ///< empty when the file has none
    std::vector<std::int64_t> contact_offsets;  ///< empty when the file has none
};

/// How a dataset's rows map to sequences.
enum class RowKind { per_sequence, per_residue, per_contact, offsets, contact_offsets };

RowKind row_kind(const std::string& name) {
    if (name == "offsets") return RowKind::offsets;
    if (name == "contact_offsets") return RowKind::contact_offsets;
    if (name == "contacts") return RowKind::per_contact;
    auto slash = name.find_last_of('/');
    std::string leaf = slash == std::string::npos ? name : name.substr(slash + 1);
    if (leaf == "per_tok" || name == "logits") return RowKind::per_residue;
    return RowKind::per_sequence;
}

std::string attr_text(const Hdf5Attribute& a) {
    return a.is_string ? "'" + a.text + "'" : std::to_string(a.number);
}

std::int64_t attr_int(const ShardFile& f, const std::string& name) {
    auto it = f.attrs.find(name);
    return it == f.attrs.end() || it->second.is_string ? 0 : it->second.number;
}

std::vector<std::int64_t> read_all_i64(const Hdf5Reader& r, const std::string& name) {
    return r.read_i64(name, 0, r.info(name).rows);
}

/// Checks that a segment-offset vector starts at 0, never decreases and has
/// one entry per sequence plus one.
void check_offsets(const ShardFile& f, const std::string& name,
                   const std::vector<std::int64_t>& v) {
    if (v.size() != f.sequences + 1 || v.front() != 0)
        throw InputError(f.path + ": /" + name + " has " +
                         count_noun(v.size(), "entry", "entries") + ", expected " +
                         std::to_string(f.sequences + 1) +
                         " starting at 0 (one per sequence plus one)");
    for (std::size_t i = 1; i < v.size(); ++i)
        if (v[i] < v[i - 1])
            throw InputError(f.path + ": /" + name + " decreases at entry " + std::to_string(i));
}

ShardFile open_shard(const std::string& path) {
    ShardFile f;
    f.path = path;
    f.reader = std::make_unique<Hdf5Reader>(path);
    for (auto& a : f.reader->attributes())
        f.attrs[a.name] = a;
    if (f.attrs.count("merged_shards"))
        throw InputError(path + " is already a merged file (attribute merged_shards = " +
                         attr_text(f.attrs["merged_shards"]) + "); give the shard files");
    auto shard = f.attrs.find("shard");
    if (shard == f.attrs.end() || !shard->second.is_string)
        throw InputError(path + " has no 'shard' attribute: not a file written by plmkit embed");
    try {
        f.shard = parse_shard(shard->second.text);
    } catch (const UsageError& e) {
        throw InputError(path + ": bad 'shard' attribute: " + e.what());
    }
    f.sets = f.reader->datasets();
    if (!f.reader->has_dataset("ids"))
        throw InputError(path + " has no /ids dataset: not a file written by plmkit embed");
    f.sequences = f.reader->info("ids").rows;
    return f;
}

/// Loads /record_index (or 0..n-1 for an unsharded file) and the offsets,
/// and checks every row shape against the number of sequences.
void load_rows(ShardFile& f) {
    if (f.reader->has_dataset("record_index")) {
        f.record_index = read_all_i64(*f.reader, "record_index");
    } else if (f.shard.whole()) {
        for (std::uint64_t i = 0; i < f.sequences; ++i)
            f.record_index.push_back(static_cast<std::int64_t>(i));
    } else {
        throw InputError(f.path + " (shard " + f.shard.to_string() +
                         ") has no /record_index dataset, so its sequences cannot be put back "
                         "in input order; re-run the shard with this plmkit");
    }
    if (f.record_index.size() != f.sequences)
        throw InputError(f.path + ": /record_index has " +
                         count_noun(f.record_index.size(), "entry", "entries") + " for " +
                         count_noun(f.sequences, "sequence"));
    for (std::size_t i = 0; i < f.record_index.size(); ++i) {
        std::int64_t r = f.record_index[i];
        if (r < 0 || !f.shard.contains(static_cast<std::uint64_t>(r)) ||
            (i > 0 && r <= f.record_index[i - 1]))
            throw InputError(f.path + ": /record_index[" + std::to_string(i) +
                             "] = " + std::to_string(r) + " does not belong to shard " +
                             f.shard.to_string() + " (index % N == I, ascending)");
    }
    if (f.reader->has_dataset("offsets")) {
        f.offsets = read_all_i64(*f.reader, "offsets");
        check_offsets(f, "offsets", f.offsets);
    }
    if (f.reader->has_dataset("contact_offsets")) {
        f.contact_offsets = read_all_i64(*f.reader, "contact_offsets");
        check_offsets(f, "contact_offsets", f.contact_offsets);
    }
    for (const auto& d : f.sets) {
        RowKind k = row_kind(d.name);
        std::uint64_t want =
            k == RowKind::per_sequence  ? f.sequences
            : k == RowKind::per_residue ? (f.offsets.empty() ? 0 : f.offsets.back())
            : k == RowKind::per_contact ? (f.contact_offsets.empty() ? 0 : f.contact_offsets.back())
                                        : f.sequences + 1;
        if ((k == RowKind::per_residue && f.offsets.empty()) ||
            (k == RowKind::per_contact && f.contact_offsets.empty()))
            throw InputError(f.path + ": /" + d.name + " without its offsets dataset");
        if (d.rows != want)
            throw InputError(f.path + ": /" + d.name + " has " + count_noun(d.rows, "row") +
                             ", expected " + std::to_string(want));
    }
}

/// How one dataset reads in a difference message.
std::string describe_set(const Hdf5DatasetInfo* d) {
    if (!d) return "absent";
    std::string s = d->type == Hdf5ElementType::f32   ? "float"
                    : d->type == Hdf5ElementType::i64 ? "integer"
                                                      : "string";
    if (d->cols) s += ", " + count_noun(d->cols, "column");
    return d->link_of.empty() ? s : s + ", a link to /" + d->link_of;
}

/// The first dataset (by name) in which `a` and `b` differ (present, type,
/// width, or being a hard link to another), as "/name: <in b>, <in a>", or
/// empty when they match.
std::string layout_difference(const std::vector<Hdf5DatasetInfo>& a,
                              const std::vector<Hdf5DatasetInfo>& b, const std::string& a_path,
                              const std::string& b_path) {
    std::map<std::string, std::pair<const Hdf5DatasetInfo*, const Hdf5DatasetInfo*>> all;
    for (const auto& d : a)
        all[d.name].first = &d;
    for (const auto& d : b)
        all[d.name].second = &d;
    for (const auto& [name, p] : all) {
        const auto *da = p.first, *db = p.second;
        if (da && db && da->type == db->type && da->cols == db->cols && da->link_of == db->link_of)
            continue;
        // Since the top layer is stored once, /layers/<top>/... is a hard
        // link; plmkit before that wrote a copy there.
        if (da && db && da->type == db->type && da->cols == db->cols &&
            da->link_of.empty() != db->link_of.empty()) {
            const bool old_here = db->link_of.empty();
            const std::string& old_path = old_here ? b_path : a_path;
            const std::string& new_path = old_here ? a_path : b_path;
            return "/" + name + " is a copy of /" + (old_here ? da->link_of : db->link_of) +
                   " in " + old_path + " but a hard link to it in " + new_path + ": " + old_path +
                   " was written by a plmkit build from before the top layer was stored once "
                   "(docs/embed.md); shards of the two builds do not merge: embed that shard again "
                   "with this build (the same command, --shard included)";
        }
        return "/" + name + " is " + describe_set(db) + " here, " + describe_set(da) + " in " +
               a_path;
    }
    return "";
}

void check_same_run(const ShardFile& first, const ShardFile& f) {
    if (f.shard.count != first.shard.count)
        throw InputError(f.path + " is shard " + f.shard.to_string() + " but " + first.path +
                         " is shard " + first.shard.to_string() + ": not shards of one run");
    std::map<std::string, const Hdf5Attribute*> all;
    for (const auto& [name, a] : first.attrs)
        all[name] = &a;
    for (const auto& [name, a] : f.attrs)
        all[name] = &a;
    for (const auto& [name, unused] : all) {
        if (is_per_shard_attribute(name)) continue;
        auto a = first.attrs.find(name), b = f.attrs.find(name);
        std::string va = a == first.attrs.end() ? "(absent)" : attr_text(a->second);
        std::string vb = b == f.attrs.end() ? "(absent)" : attr_text(b->second);
        if (va != vb)
            throw InputError(f.path + " (shard " + f.shard.to_string() +
                             ") is foreign: attribute '" + name + "' is " + vb + ", but " + va +
                             " in " + first.path + " (shard " + first.shard.to_string() + ")");
    }
    std::string diff = layout_difference(first.sets, f.sets, first.path, f.path);
    if (!diff.empty())
        throw InputError(f.path + " (shard " + f.shard.to_string() +
                         ") is foreign: its datasets differ from " + first.path + "'s: " + diff);
}

/// Orders the shards by index and checks that all N are there exactly once.
void check_complete(std::vector<ShardFile>& shards) {
    std::sort(shards.begin(), shards.end(),
              [](const ShardFile& a, const ShardFile& b) { return a.shard.index < b.shard.index; });
    for (std::size_t i = 1; i < shards.size(); ++i)
        if (shards[i].shard.index == shards[i - 1].shard.index)
            throw InputError("shard " + shards[i].shard.to_string() +
                             " given twice: " + shards[i - 1].path + " and " + shards[i].path);
    std::int64_t n = shards.front().shard.count;
    std::string missing;
    std::size_t at = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        if (at < shards.size() && shards[at].shard.index == i) {
            ++at;
            continue;
        }
        missing += (missing.empty() ? "" : ", ") + Shard{i, n}.to_string();
    }
    if (!missing.empty())
        throw InputError("shard" +
                         std::string(missing.find(',') == std::string::npos ? " " : "s ") +
                         missing + " missing: got " + std::to_string(shards.size()) + " of " +
                         std::to_string(n) + " shard files");
}

}  // namespace

bool is_per_shard_attribute(const std::string& name) {
    return name == "shard" || name == "created" || name == "command_line" ||
           name == "num_sequences" || name == "num_truncated" || name == "num_rejected" ||
           name == "device";
}

namespace {

struct Entry {
    std::size_t shard;
    std::uint64_t row;
};

/// Rows [first, end) of a dataset that belong to sequence `row` of `f`.
std::pair<std::uint64_t, std::uint64_t> segment(const ShardFile& f, RowKind k, std::uint64_t row) {
    if (k == RowKind::per_residue)
        return {static_cast<std::uint64_t>(f.offsets[row]),
                static_cast<std::uint64_t>(f.offsets[row + 1])};
    if (k == RowKind::per_contact)
        return {static_cast<std::uint64_t>(f.contact_offsets[row]),
                static_cast<std::uint64_t>(f.contact_offsets[row + 1])};
    return {row, row + 1};
}

/// The sequences of all shards in input order (smallest record index first),
/// handed out in blocks bounded in sequences and residues.
class MergeOrder {
  public:
    explicit MergeOrder(const std::vector<ShardFile>& shards)
        : shards_(shards), cursor_(shards.size(), 0) {
        for (std::size_t s = 0; s < shards.size(); ++s)
            push(s);
    }

    bool next_block(std::vector<Entry>& block, std::size_t max_sequences,
                    std::size_t max_residues) {
        block.clear();
        std::uint64_t residues = 0;
        while (!heap_.empty() && block.size() < max_sequences && residues < max_residues) {
            std::size_t s = heap_.top().second;
            heap_.pop();
            std::uint64_t row = cursor_[s]++;
            block.push_back({s, row});
            const ShardFile& f = shards_[s];
            if (!f.offsets.empty()) residues += f.offsets[row + 1] - f.offsets[row];
            push(s);
        }
        return !block.empty();
    }

  private:
    void push(std::size_t s) {
        if (cursor_[s] < shards_[s].sequences) heap_.push({shards_[s].record_index[cursor_[s]], s});
    }
    using Item = std::pair<std::int64_t, std::size_t>;
    const std::vector<ShardFile>& shards_;
    std::vector<std::uint64_t> cursor_;
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap_;
};

/// Reads, for each shard, the rows the block needs, then lays them out in
/// block order. `read(file, first, rows)` returns rows * width values.
template <class T, class Read>
std::vector<T> gather(const std::vector<ShardFile>& shards, const std::vector<Entry>& block,
                      RowKind kind, std::size_t width, Read read) {
    std::vector<std::uint64_t> lo(shards.size(), 0), hi(shards.size(), 0);
    std::vector<bool> used(shards.size(), false);
    for (const auto& e : block) {
        if (!used[e.shard]) lo[e.shard] = e.row;
        used[e.shard] = true;
        hi[e.shard] = e.row + 1;
    }
    std::vector<std::vector<T>> parts(shards.size());
    std::vector<std::uint64_t> base(shards.size(), 0);
    for (std::size_t s = 0; s < shards.size(); ++s) {
        if (!used[s]) continue;
        base[s] = segment(shards[s], kind, lo[s]).first;
        std::uint64_t end = segment(shards[s], kind, hi[s] - 1).second;
        parts[s] = read(shards[s], base[s], end - base[s]);
    }
    std::vector<T> out;
    for (const auto& e : block) {
        auto [first, end] = segment(shards[e.shard], kind, e.row);
        const auto& p = parts[e.shard];
        out.insert(out.end(), p.begin() + (first - base[e.shard]) * width,
                   p.begin() + (end - base[e.shard]) * width);
    }
    return out;
}

/// Appends the next ends of a rebuilt offsets dataset.
void append_offsets(Hdf5Writer& w, const std::string& name, const std::vector<ShardFile>& shards,
                    const std::vector<Entry>& block, RowKind seg_kind, std::int64_t& end) {
    std::vector<std::int64_t> ends;
    ends.reserve(block.size());
    for (const auto& e : block) {
        auto [first, last] = segment(shards[e.shard], seg_kind, e.row);
        end += static_cast<std::int64_t>(last - first);
        ends.push_back(end);
    }
    w.append(name, ends.data(), ends.size());
}

void copy_block(const std::vector<ShardFile>& shards, const std::vector<Entry>& block,
                Hdf5Writer& w, std::int64_t& residues_end, std::int64_t& contacts_end) {
    for (const auto& d : shards.front().sets) {
        if (!d.link_of.empty()) continue;  // a second name: its data is copied once
        RowKind k = row_kind(d.name);
        if (k == RowKind::offsets) {
            append_offsets(w, d.name, shards, block, RowKind::per_residue, residues_end);
        } else if (k == RowKind::contact_offsets) {
            append_offsets(w, d.name, shards, block, RowKind::per_contact, contacts_end);
        } else if (d.type == Hdf5ElementType::f32) {
            std::size_t width = std::max<std::size_t>(d.cols, 1);
            auto v =
                gather<float>(shards, block, k, width, [&](const ShardFile& f, auto a, auto n) {
                    return f.reader->read_f32(d.name, a, n);
                });
            w.append(d.name, v.data(), v.size() / width);
        } else if (d.type == Hdf5ElementType::i64) {
            auto v =
                gather<std::int64_t>(shards, block, k, 1, [&](const ShardFile& f, auto a, auto n) {
                    return f.reader->read_i64(d.name, a, n);
                });
            w.append(d.name, v.data(), v.size());
        } else {
            w.append(d.name, gather<std::string>(shards, block, k, 1,
                                                 [&](const ShardFile& f, auto a, auto n) {
                                                     return f.reader->read_strings(d.name, a, n);
                                                 }));
        }
    }
}

/// The first file's attributes with the counts summed. `parts`: checkpoint
/// parts of one run, which keep their shard tag and get no merged_shards.
void write_attributes(Hdf5Writer& w, const std::vector<ShardFile>& shards,
                      const EmbedMergeOptions& opt, bool parts) {
    for (const auto& [name, a] : shards.front().attrs) {
        if (a.is_string)
            w.set_attribute(name, a.text);
        else
            w.set_attribute(name, a.number);
    }
    std::int64_t seqs = 0, truncated = 0, rejected = 0;
    for (const auto& f : shards) {
        seqs += static_cast<std::int64_t>(f.sequences);
        truncated += attr_int(f, "num_truncated");
        rejected += attr_int(f, "num_rejected");
    }
    w.set_attribute("num_sequences", seqs);
    w.set_attribute("num_truncated", truncated);
    w.set_attribute("num_rejected", rejected);
    if (!opt.command_line.empty()) w.set_attribute("command_line", opt.command_line);
    if (parts) return;
    w.set_attribute("shard", Shard{}.to_string());
    w.set_attribute("created", utc_timestamp());
    w.set_attribute("merged_shards", static_cast<std::int64_t>(shards.size()));
}

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path + ": cannot read the shard's rejects file (" + errno_message() +
                         "); was the shard complete?");
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line))
        lines.push_back(line);
    return lines;
}

/// Merges the shards' rejects (TSV with a 'line' column) in input order.
std::uint64_t merge_rejects(const std::vector<ShardFile>& shards, const std::string& output) {
    struct Row {
        std::int64_t line;
        std::string text;
    };
    std::vector<Row> rows;
    std::string header;
    for (const auto& f : shards) {
        std::string path = rejects_path_for(f.path);
        auto lines = read_lines(path);
        if (lines.empty()) throw InputError(path + ": empty, expected a header line");
        if (header.empty()) header = lines[0];
        if (lines[0] != header)
            throw InputError(path + ": header '" + lines[0] + "' differs from '" + header + "'");
        auto cols = split_csv_line(header, '\t');
        auto at = std::find(cols.begin(), cols.end(), "line") - cols.begin();
        if (at == static_cast<std::ptrdiff_t>(cols.size()))
            throw InputError(path + ": no 'line' column in the header '" + header + "'");
        auto want = f.attrs.find("num_rejected");
        if (want != f.attrs.end() && !want->second.is_string &&
            want->second.number != static_cast<std::int64_t>(lines.size() - 1))
            throw InputError("shard " + f.shard.to_string() + ": rejects '" + path + "' has " +
                             count_noun(lines.size() - 1, "row") +
                             ", its num_rejected attribute (" + f.path + ") says " +
                             std::to_string(want->second.number));
        for (std::size_t i = 1; i < lines.size(); ++i) {
            auto fields = split_csv_line(lines[i], '\t');
            std::int64_t line = 0;
            try {
                line = std::stoll(fields.at(at));
            } catch (const std::exception&) {
                throw InputError(path + ":" + std::to_string(i + 1) + ": no line number");
            }
            rows.push_back({line, lines[i]});
        }
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row& a, const Row& b) { return a.line < b.line; });
    std::string path = rejects_path_for(output);
    AtomicFile file(path);
    {
        std::ofstream out(file.temp_path(), std::ios::binary);
        out << header << '\n';
        for (const auto& r : rows)
            out << r.text << '\n';
        out.close();
        if (!out) throw IoError(path + ": cannot write: " + errno_message());
    }
    file.commit();
    return rows.size();
}

/// Writes the opened, checked files into opt.output (atomically) with their
/// rejects, in input order.
EmbedMergeSummary write_joined(const std::vector<ShardFile>& shards, const EmbedMergeOptions& opt,
                               bool parts) {
    AtomicFile h5(opt.output);
    Hdf5Writer w(h5.temp_path());
    const std::int64_t zero = 0;
    for (const auto& d : shards.front().sets) {
        if (!d.link_of.empty()) continue;
        w.create_dataset(d.name, d.type, d.cols);
        RowKind k = row_kind(d.name);
        if (k == RowKind::offsets || k == RowKind::contact_offsets) w.append(d.name, &zero, 1);
    }
    // Names that are hard links in the inputs (the last layer's
    // /layers/<k>/...) stay links to the same dataset: stored once.
    for (const auto& d : shards.front().sets)
        if (!d.link_of.empty()) w.link_dataset(d.link_of, d.name);
    write_attributes(w, shards, opt, parts);
    MergeOrder order(shards);
    std::vector<Entry> block;
    std::int64_t residues_end = 0, contacts_end = 0;
    EmbedMergeSummary summary;
    summary.shards = static_cast<std::int64_t>(shards.size());
    while (order.next_block(block, std::max<std::size_t>(opt.block_sequences, 1),
                            std::max<std::size_t>(opt.block_residues, 1))) {
        copy_block(shards, block, w, residues_end, contacts_end);
        summary.sequences += block.size();
        throw_if_interrupted();
    }
    w.close();
    summary.rejected = merge_rejects(shards, opt.output);
    h5.commit();
    for (const auto& f : shards)
        summary.truncated += static_cast<std::uint64_t>(attr_int(f, "num_truncated"));
    return summary;
}

}  // namespace

EmbedMergeSummary merge_embeddings(const EmbedMergeOptions& opt) {
    if (opt.inputs.empty()) throw UsageError("merge: no shard files given");
    if (opt.output.empty()) throw UsageError("merge: --output is required");
    // Else an HDF5 file named "-" (and "-.rejects.tsv") was written.
    if (opt.output == "-")
        throw UsageError(
            "merge --kind embed: --output -: an HDF5 file cannot be written to standard output; "
            "name a file (e.g. --output emb.h5)");
    check_hdf5_output_name(opt.output, "merge --kind embed: --output");
    std::vector<ShardFile> shards;
    for (const auto& path : opt.inputs) {
        // `merge -o emb.h5 emb.shard-*` also matches the shards' rejects files.
        if (ends_with(path, ".rejects.tsv")) {
            const std::string glob = shard_glob(path.substr(0, path.size() - 12));
            throw UsageError("merge --kind embed: '" + path +
                             "' is a rejects file: give only the shards' .h5 files (each shard's "
                             "rejects are read from beside it)" +
                             (glob.empty() ? std::string() : ", e.g. " + glob));
        }
        if (same_file(path, opt.output))
            throw UsageError("merge: --output " + opt.output + " is also an input (" + path + ")");
        if (same_file(rejects_path_for(path), rejects_path_for(opt.output)))
            throw UsageError("merge: --output " + opt.output + " would overwrite " +
                             rejects_path_for(path) + ", the rejects of an input");
        shards.push_back(open_shard(path));
    }
    for (const auto& f : shards)
        check_same_run(shards.front(), f);
    check_complete(shards);
    for (auto& f : shards)
        load_rows(f);
    EmbedMergeSummary summary = write_joined(shards, opt, /*parts=*/false);
    log_info("merged " + count_noun(summary.shards, "shard") + ": " +
             count_noun(summary.sequences, "sequence") + " (" + std::to_string(summary.truncated) +
             " truncated), " + std::to_string(summary.rejected) + " rejected -> " + opt.output);
    return summary;
}

EmbedMergeSummary join_embed_parts(const std::vector<std::string>& parts, const std::string& output,
                                   const std::string& command_line) {
    if (parts.empty()) throw UsageError("join: no part files given");
    std::vector<ShardFile> files;
    for (const auto& path : parts)
        files.push_back(open_shard(path));
    for (auto& f : files) {
        check_same_run(files.front(), f);
        if (f.shard.index != files.front().shard.index)
            throw InputError(f.path + " is of shard " + f.shard.to_string() + ", " +
                             files.front().path + " of shard " + files.front().shard.to_string());
        load_rows(f);
    }
    for (std::size_t i = 1; i < files.size(); ++i) {
        const auto& a = files[i - 1].record_index;
        const auto& b = files[i].record_index;
        if (!a.empty() && !b.empty() && b.front() <= a.back())
            throw InputError(files[i].path + " starts at record " + std::to_string(b.front()) +
                             ", not after the last record of " + files[i - 1].path + " (" +
                             std::to_string(a.back()) + ")");
    }
    EmbedMergeOptions opt;
    opt.output = output;
    opt.command_line = command_line;
    return write_joined(files, opt, /*parts=*/true);
}

}  // namespace plmkit::pipelines
