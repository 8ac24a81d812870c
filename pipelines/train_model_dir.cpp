#include "pipelines/train_model_dir.hpp"

#include <filesystem>
#include <system_error>

#include "data/splits.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/train_resume.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/utf8.hpp"

namespace plmkit::pipelines {
namespace {

namespace fs = std::filesystem;

void write_split_csv(const std::string& path, const PropertyTable& t, const std::vector<int>& sets,
                     const char* header) {
    CsvWriter w(path);
    w.header({"row_index", "id", header, "split"});
    for (std::size_t i = 0; i < t.size(); ++i)
        // Valid UTF-8, as every plmkit output: a bad byte as \xHH.
        w.row({std::to_string(t.index[i]), escape_invalid_utf8(t.ids[i]),
               escape_invalid_utf8(shown_smiles(t.inputs[i])), data::split_name(sets[i])});
    w.close();
}

}  // namespace

nlohmann::json bundle_featurizer(const PropertyFeaturizer& f, const std::string& out) {
    nlohmann::json desc = f.to_json();
    if (f.name() != "smiles-lm") return desc;
    const fs::path dst = fs::path(out) / "smiles_lm";
    std::error_code ec;
    fs::remove_all(dst, ec);
    fs::copy(desc.at("model_dir").get<std::string>(), dst, fs::copy_options::recursive, ec);
    if (ec)
        throw IoError("cannot copy the SMILES encoder into '" + dst.string() +
                      "': " + ec.message());
    desc["model_dir"] = "smiles_lm";
    return desc;
}

void write_model_dir(const TrainOptions& o, const TrainData& p, const models::PropertyModel& model,
                     const nlohmann::json& metrics, const char* header) {
    write_json_file(o.output + "/metrics.json", metrics);
    write_split_csv(o.output + "/split.csv", p.table, p.sets, header);
    write_rejects(o.output + "/rejects.tsv", p.table.rejects, header);
    model.save(o.output);
    std::error_code ec;
    fs::remove_all(o.output + "/checkpoints", ec);
}

}  // namespace plmkit::pipelines
