// Explains words that no option took (see stray_words.hpp).
#include "apps/plmkit/stray_words.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>

namespace plmkit::cli {
namespace {

/// A word that is an option name ("-o", "--layers=0"), not a value such as
/// "-" (standard input) or "-1" (a negative layer).
bool is_option_word(const std::string& w) {
    return w.size() >= 2 && w[0] == '-' && w[1] != '.' &&
           !std::isdigit(static_cast<unsigned char>(w[1]));
}

/// The option `word` names in `cmd` or, for global flags (-q, -v), its
/// parents; nullptr when none has it.
const CLI::Option* find_option(const CLI::App* cmd, const std::string& name) {
    for (const CLI::App* a = cmd; a; a = a->get_parent())
        if (const CLI::Option* o = a->get_option_no_throw(name)) return o;
    return nullptr;
}

/// Words after one option (or, with `option` null, after the command name or
/// an option of no command).
struct StrayGroup {
    const CLI::Option* option = nullptr;
    std::string given;  ///< "--layers 0": the option as written, with its value
    std::string value;  ///< "0"
    std::vector<std::string> words;
};

std::string quoted_list(const std::vector<std::string>& words) {
    std::string s;
    for (const auto& w : words)
        s += (s.empty() ? "'" : ", '") + w + "'";
    return s;
}

std::string explain(const CLI::App* cmd, const StrayGroup& g) {
    const std::string n = std::to_string(g.words.size());
    const bool one = g.words.size() == 1;
    if (!g.option || g.option->get_items_expected_max() == 0) {
        std::string s =
            quoted_list(g.words) + (one ? " is" : " are") + " not the value of an option";
        if (g.option) s += " ('" + g.given + "' is a flag: it takes no value)";
        s += ", and 'plmkit " + cmd->get_name() +
             "' takes no positional arguments: give each value after its option";
        if (cmd->get_name() == "embed")
            s += " (extract.py's positional model_location fasta_file output_dir are --model "
                 "DIR --input FILE --output FILE.h5 here)";
        return s;
    }
    const std::string name = g.option->get_name();
    std::string s = name + " takes one value, so " + quoted_list(g.words) + " after '" + g.given +
                    "' " + (one ? "was" : "were") + " not read";
    if (g.option->get_items_expected_max() > 1) {
        std::string joined = g.value;
        for (const auto& w : g.words)
            joined += "," + w;
        s += "; give the items comma-separated: " + name + " " + joined;
    } else {
        s += " (" + n + " extra word" + (one ? "" : "s") + ")";
    }
    return s;
}

/// Takes `word` out of `left` (the words CLI11 left over); false when it is
/// not there.
bool take(std::vector<std::string>& left, const std::string& word) {
    auto it = std::find(left.begin(), left.end(), word);
    if (it == left.end()) return false;
    left.erase(it);
    return true;
}

}  // namespace

std::string stray_words(const CLI::App& app, const std::vector<std::string>& args) {
    const CLI::App* cmd = &app;
    while (!cmd->get_subcommands().empty())
        cmd = cmd->get_subcommands().front();
    if (cmd == &app || cmd->get_allow_extras()) return "";
    // With positionals (tokenize FILE...), which word was stray is CLI11's to say.
    if (!cmd->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty())
        return "";
    std::vector<std::string> left = app.remaining(/*recurse=*/true);
    auto start = std::find(args.begin(), args.end(), cmd->get_name());
    if (left.empty() || start == args.end()) return "";
    std::vector<StrayGroup> groups(1);
    for (auto it = start + 1; it != args.end(); ++it) {
        const std::string& w = *it;
        if (w == "--") break;
        if (!is_option_word(w)) {
            if (take(left, w)) groups.back().words.push_back(w);
            continue;
        }
        const std::size_t eq = w.find('=');
        const bool long_name = w.rfind("--", 0) == 0;
        const std::string name = long_name ? w.substr(0, eq) : w.substr(0, 2);
        const CLI::Option* opt = find_option(cmd, name);
        StrayGroup g;
        g.option = opt;
        g.given = w;
        if (opt && opt->get_items_expected_max() > 0) {
            const bool inline_value = long_name ? eq != std::string::npos : w.size() > 2;
            if (inline_value) {
                g.value = long_name ? w.substr(eq + 1) : w.substr(2);
                g.given = w;
            } else if (it + 1 != args.end()) {
                g.value = *++it;
                g.given = w + " " + g.value;
            }
        }
        groups.push_back(g);
    }
    std::string msg;
    for (const auto& g : groups)
        if (!g.words.empty()) msg += (msg.empty() ? "" : "; ") + explain(cmd, g);
    if (msg.empty()) return msg;
    return "'plmkit " + cmd->get_name() + "': " + msg;
}

}  // namespace plmkit::cli
