#pragma once
// Comma-separated list options (--layers -1,0, --include mean,bos,
// --split-sizes 0.8,0.1,0.1, ...). CLI11's own ->delimiter(',') splits the
// text before any validator sees it and drops empty items, so
// `--layers "0,$L"` with L unset ran as `--layers 0`. add_list_option() takes
// the raw text instead: a validator sees each given value whole and refuses an
// empty item (leading, trailing or doubled comma, or an empty value) naming
// the item, then the callback splits it. Every list option is added with it.
// CLI11's vector form "[0,1]" reads as "0,1" (CLI11 split it itself and
// dropped empty items too: `--layers '[0,,1]'` ran as `--layers 0,1`), so one
// value per option: `--layers 0 1` is refused ("1" was not expected), not
// read as two layers.
#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

namespace plmkit::cli {

/// `text` split at every ',' (empty items kept); "[a,b]" (CLI11's vector
/// syntax) is "a,b", and "[]" has one empty item.
inline std::vector<std::string> split_list_items(std::string text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    std::vector<std::string> items;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        items.push_back(text.substr(start, comma == std::string::npos ? comma : comma - start));
        if (comma == std::string::npos) return items;
        start = comma + 1;
    }
}

/// The items of every value given to a list option (`--layers -1,0 --layers 2`
/// gives -1, 0, 2). The values passed its validator, so no item is empty.
inline std::vector<std::string> list_option_items(const CLI::Option& opt) {
    std::vector<std::string> items;
    for (const auto& value : opt.results())
        for (auto& item : split_list_items(value))
            items.push_back(std::move(item));
    return items;
}

/// Refuses a value with an empty item, or an item that `item_check` refuses
/// or that is not a T. The message follows the option's name ("--layers: ").
template <class T>
CLI::Validator list_items(CLI::Validator item_check) {
    return CLI::Validator(
        [item_check](std::string& text) -> std::string {
            if (text.empty() || text == "[]")
                return "is empty (expected a value; leave the option out for its default)";
            const auto items = split_list_items(text);
            for (std::size_t i = 0; i < items.size(); ++i) {
                std::string item = items[i];
                const std::string which =
                    "item " + std::to_string(i + 1) + " of " + std::to_string(items.size());
                if (item.empty())
                    return which + " in '" + text +
                           "' is empty (a leading, trailing or doubled comma, or an unset "
                           "shell variable?)";
                std::string problem = item_check(item);
                T value{};
                if (problem.empty() && !CLI::detail::lexical_cast(item, value))
                    problem = std::string("expected ") +
                              (std::is_integral<T>::value ? "an integer" : "a number") + ", got '" +
                              item + "'";
                if (!problem.empty()) return which + " in '" + text + "': " + problem;
            }
            return {};
        },
        "");
}

/// Adds `--name` (a list: "a,b,c", or the option repeated) bound to `out`,
/// which keeps its default unless the option is given. `item_check` runs on
/// each item (e.g. an_integer()); `count`, when > 0, is the number of items
/// required (checked once all values are read).
template <class T>
CLI::Option* add_list_option(CLI::App* cmd, const std::string& name, std::vector<T>& out,
                             const std::string& help, CLI::Validator item_check = CLI::Validator(),
                             std::size_t count = 0) {
    std::string shown;
    for (const auto& v : out)
        shown += (shown.empty() ? "" : ",") + CLI::detail::to_string(v);
    CLI::Option* opt = cmd->add_option_function<std::vector<std::string>>(
        name,
        [&out, name, count](const std::vector<std::string>& values) {
            std::vector<T> parsed;
            std::string given;
            for (const auto& value : values) {
                given += (given.empty() ? "" : " ") + value;
                for (const auto& item : split_list_items(value)) {
                    T v{};
                    CLI::detail::lexical_cast(item, v);  // checked by list_items
                    parsed.push_back(v);
                }
            }
            // `--split-sizes 0.8 0.1 0.1` (Chemprop's form) reads only 0.8:
            // say how to give all the items, not just how many were read.
            if (count > 0 && parsed.size() != count)
                throw CLI::ValidationError(
                    name, "expected " + std::to_string(count) + " items, got " +
                              std::to_string(parsed.size()) + " ('" + given + "'); give all " +
                              std::to_string(count) + " in one comma-separated value" +
                              (name == "--split-sizes" ? ", e.g. --split-sizes 0.8,0.1,0.1"
                                                       : std::string()));
            out = std::move(parsed);
        },
        help);
    // One value per --name: CLI11 would otherwise split "[a,,b]" itself,
    // dropping the empty item before list_items could see it.
    opt->allow_extra_args(false);
    opt->type_name(CLI::detail::type_name<T>());
    opt->check(list_items<T>(std::move(item_check)));
    if (!shown.empty()) opt->default_str(shown);
    return opt;
}

}  // namespace plmkit::cli
