#include "tokenizers/vocab.hpp"

#include <algorithm>
#include <cstdio>

#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "src/line_reader.hpp"

namespace plmkit::tokenizers {

const std::vector<std::string>& Vocab::special_tokens() {
    static const std::vector<std::string> specials = {"<pad>", "<unk>", "<cls>", "<eos>", "<mask>"};
    return specials;
}

Vocab::Vocab() : Vocab(special_tokens()) {}

Vocab::Vocab(std::vector<std::string> tokens)
    : tokens_(std::make_shared<const std::vector<std::string>>(std::move(tokens))) {
    index();
}

void Vocab::index() {
    auto ids = std::make_shared<std::unordered_map<std::string_view, std::int32_t>>();
    ids->reserve(tokens_->size() * 2);
    for (std::size_t i = 0; i < tokens_->size(); ++i) {
        const std::string& t = (*tokens_)[i];
        if (t.empty()) throw InputError("vocabulary token " + std::to_string(i) + " is empty");
        auto [it, inserted] = ids->emplace(std::string_view(t), static_cast<std::int32_t>(i));
        if (!inserted)
            throw InputError("vocabulary token '" + t + "' appears twice (ids " +
                             std::to_string(it->second) + " and " + std::to_string(i) + ")");
    }
    ids_ = std::move(ids);
    single_.fill(-1);
    for (std::size_t i = 0; i < tokens_->size(); ++i) {
        const std::string& t = (*tokens_)[i];
        if (t.size() == 1) single_[static_cast<unsigned char>(t[0])] = static_cast<std::int32_t>(i);
    }
    unk_ = find("<unk>");
    cls_ = find("<cls>");
    eos_ = find("<eos>");
    if (unk_ < 0) throw InputError("vocabulary has no '<unk>' token");
}

Vocab Vocab::load(const std::string& path) {
    LineReader reader(path);
    std::vector<std::string> tokens;
    std::string line;
    std::uint64_t blank_line = 0;
    while (reader.next(line)) {
        if (line.empty()) {
            if (!blank_line) blank_line = reader.line_number();
            continue;
        }
        if (blank_line)
            throw InputError(path + ":" + std::to_string(blank_line) +
                             ": empty line inside the vocabulary (line number = token id)");
        tokens.push_back(line);
    }
    try {
        return Vocab(std::move(tokens));
    } catch (const InputError& e) {
        throw InputError(path + ": " + e.what());
    }
}

void Vocab::save(const std::string& path) const {
    AtomicFile out(path);
    std::FILE* f = std::fopen(out.temp_path().c_str(), "wb");
    if (!f) throw IoError("cannot write '" + path + "': " + errno_message());
    bool ok = true;
    for (const auto& t : *tokens_) {
        ok = ok && std::fwrite(t.data(), 1, t.size(), f) == t.size() && std::fputc('\n', f) != EOF;
    }
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) throw IoError("cannot write '" + path + "': " + errno_message());
    out.commit();
}

const std::string& Vocab::token(std::int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= tokens_->size())
        throw Error("token id " + std::to_string(id) + " out of range [0, " +
                    std::to_string(tokens_->size()) + ")");
    return (*tokens_)[id];
}

std::int32_t Vocab::find(std::string_view token) const {
    if (token.size() == 1) return single_[static_cast<unsigned char>(token[0])];
    auto it = ids_->find(token);
    return it == ids_->end() ? -1 : it->second;
}

std::int32_t Vocab::encode_token(std::string_view token, std::uint64_t* unknown) const {
    std::int32_t id = find(token);
    if (id >= 0) return id;
    if (unknown) ++*unknown;
    return unk_;
}

std::uint64_t Vocab::encode(const std::vector<std::string_view>& tokens,
                            std::vector<std::int32_t>& ids, bool add_special_tokens) const {
    std::uint64_t unknown = 0;
    ids.clear();
    ids.reserve(tokens.size() + 2);
    const bool wrap = add_special_tokens && cls_ >= 0 && eos_ >= 0;
    if (wrap) ids.push_back(cls_);
    for (auto t : tokens)
        ids.push_back(encode_token(t, &unknown));
    if (wrap) ids.push_back(eos_);
    return unknown;
}

void VocabBuilder::add(const std::vector<std::string_view>& tokens) {
    for (auto t : tokens)
        add(t, 1);
    ++sequences_;
}

void VocabBuilder::add(std::string_view token, std::uint64_t count) {
    auto it = counts_.find(std::string(token));
    if (it == counts_.end())
        counts_.emplace(std::string(token), count);
    else
        it->second += count;
}

Vocab VocabBuilder::build(const VocabBuildOptions& options) const {
    const auto& specials = Vocab::special_tokens();
    std::vector<std::pair<std::string, std::uint64_t>> kept;
    for (const auto& [token, count] : counts_) {
        if (count < options.min_frequency) continue;
        if (std::find(specials.begin(), specials.end(), token) != specials.end()) continue;
        kept.emplace_back(token, count);
    }
    std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::vector<std::string> tokens = specials;
    for (auto& [token, count] : kept) {
        if (options.max_size != 0 && tokens.size() >= options.max_size) break;
        tokens.push_back(std::move(token));
    }
    return Vocab(std::move(tokens));
}

}  // namespace plmkit::tokenizers
