#include "pipelines/screen_summary.hpp"

#include "src/version.hpp"

namespace plmkit::pipelines {

void ScreenCounts::add_reject(ScreenStep step, const std::string& reason) {
    ++removed[static_cast<int>(step)];
    if (step == ScreenStep::filter) ++filtered_by_rule[reason.substr(0, reason.find(':'))];
}

std::uint64_t ScreenCounts::rejected() const {
    std::uint64_t n = 0;
    for (auto s : {ScreenStep::read, ScreenStep::parse, ScreenStep::standardize,
                   ScreenStep::descriptors, ScreenStep::similarity, ScreenStep::score})
        n += removed[static_cast<int>(s)];
    return n;
}

bool ScreenCounts::balanced() const {
    return read == hits + rejected() + filtered() + duplicates() + cut_by_top();
}

nlohmann::json screen_reader_json(const std::string& format, const std::string& smiles_col,
                                  const std::string& id_col) {
    return {{"format", format}, {"smiles_col", smiles_col}, {"id_col", id_col}};
}

nlohmann::json screen_summary_json(const ScreenCounts& c, const std::string& input,
                                   const nlohmann::json& input_file, const nlohmann::json& reader,
                                   const nlohmann::json& config, const nlohmann::json& run) {
    using nlohmann::json;
    json steps = json::array();
    std::uint64_t in = c.read;
    for (int i = 0; i < kScreenSteps; ++i) {
        std::uint64_t out = in - c.removed[i];
        steps.push_back({{"step", step_name(static_cast<ScreenStep>(i))},
                         {"in", in},
                         {"removed", c.removed[i]},
                         {"out", out}});
        in = out;
    }
    json rules = json::object();
    for (const auto& [rule, n] : c.filtered_by_rule)
        rules[rule] = n;
    std::uint64_t total = c.hits + c.rejected() + c.filtered() + c.duplicates() + c.cut_by_top();
    json summary = {
        {"tool", std::string("plmkit ") + version()},
        {"command", "screen"},
        {"input", input},
        {"input_file", input_file},
        {"reader", reader},
        {"counts",
         {{"records_read", c.read},
          {"hits", c.hits},
          {"rejected", c.rejected()},
          {"filtered", c.filtered()},
          {"duplicates", c.duplicates()},
          {"cut_by_top", c.cut_by_top()}}},
        {"accounting",
         {{"identity", "records_read = hits + rejected + filtered + duplicates + cut_by_top"},
          {"records_read", c.read},
          {"sum", total},
          {"holds", c.balanced()}}},
        {"steps", steps},
        {"filtered_by_rule", rules},
        {"config", config},
        {"run", run}};
    return summary;
}

}  // namespace plmkit::pipelines
