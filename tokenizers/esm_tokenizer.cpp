#include "tokenizers/esm_tokenizer.hpp"

#include <string>

#include "src/error.hpp"
#include "src/line_reader.hpp"

namespace plmkit::tokenizers {

namespace {

constexpr std::int16_t kInvalid = -1;
constexpr std::int16_t kSkip = -2;  // whitespace inside a sequence

const char* const kAlphabet[EsmTokenizer::kVocabSize] = {
    "<cls>", "<pad>", "<eos>", "<unk>", "L", "A", "G", "V", "S", "E",        "R",
    "T",     "I",     "D",     "P",     "K", "Q", "N", "F", "Y", "M",        "H",
    "W",     "C",     "X",     "B",     "U", "Z", "O", ".", "-", "<null_1>", "<mask>"};

std::string describe_char(unsigned char c) {
    if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
    static const char* hex = "0123456789abcdef";
    return std::string("byte 0x") + hex[c >> 4] + hex[c & 15];
}

bool is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/// A `<...>` token starting at sequence[i] (which is '<'), as fair-esm's
/// Alphabet.tokenize splits it out of the text: `<mask>` and `<unk>` are read
/// as their ids; the alphabet's other special tokens and any other `<word>` are
/// a reason to reject. `length` is 0 when no '>' closes the '<' (then the '<'
/// is an invalid character).
struct SpecialToken {
    std::int32_t id = -1;
    std::size_t length = 0;
    std::string reason;
};

SpecialToken special_token_at(std::string_view sequence, std::size_t i, std::size_t end) {
    constexpr std::size_t kLongest = 16;  // longer <...> runs are not tokens
    SpecialToken t;
    const std::size_t close = sequence.substr(0, end).find('>', i + 1);
    if (close == std::string_view::npos || close - i + 1 > kLongest) return t;
    const std::string_view text = sequence.substr(i, close - i + 1);
    t.length = text.size();
    const std::string where = " at position " + std::to_string(i + 1);
    if (text == "<mask>") {
        t.id = EsmTokenizer::kMask;
    } else if (text == "<unk>") {
        t.id = EsmTokenizer::kUnk;
    } else if (text == "<cls>" || text == "<pad>" || text == "<eos>" || text == "<null_1>") {
        t.reason = "special token '" + std::string(text) + "'" + where +
                   " cannot be inside a sequence (only <mask> and <unk> can)";
    } else {
        t.reason = "unknown token '" + std::string(text) + "'" + where +
                   " (inside a sequence only <mask> and <unk> are tokens, in lower case)";
    }
    return t;
}

}  // namespace

EsmTokenizer::EsmTokenizer() : tokens_(kAlphabet, kAlphabet + kVocabSize) {
    for (auto& v : byte_to_id_)
        v = kInvalid;
    for (std::int32_t id = 0; id < kVocabSize; ++id) {
        const std::string& t = tokens_[id];
        if (t.size() != 1) continue;
        auto c = static_cast<unsigned char>(t[0]);
        byte_to_id_[c] = static_cast<std::int16_t>(id);
        if (c >= 'A' && c <= 'Z') byte_to_id_[c - 'A' + 'a'] = static_cast<std::int16_t>(id);
    }
    for (unsigned char c : {' ', '\t', '\n', '\r', '\v', '\f'})
        byte_to_id_[c] = kSkip;
}

EsmTokenizer EsmTokenizer::from_vocab_file(const std::string& path) {
    EsmTokenizer tok;
    LineReader reader(path);  // throws IoError naming the path
    std::string line;
    std::size_t n = 0;
    while (reader.next(line)) {
        while (!line.empty() && is_space(static_cast<unsigned char>(line.back())))
            line.pop_back();
        if (n >= tok.tokens_.size()) {
            if (line.empty()) continue;  // trailing blank lines are harmless
            throw ModelError(reader.where() + ": vocabulary has an extra token '" + line +
                             "': expected exactly " + std::to_string(kVocabSize) +
                             " tokens (the ESM-2 alphabet)");
        }
        if (line != tok.tokens_[n]) {
            throw ModelError(reader.where() + ": vocabulary token '" + line + "' (id " +
                             std::to_string(n) + "), expected '" + tok.tokens_[n] +
                             "': this is not the ESM-2 alphabet");
        }
        ++n;
    }
    if (n < tok.tokens_.size()) {
        throw ModelError(path + ": vocabulary ends after " + std::to_string(n) +
                         " tokens at line " + std::to_string(reader.line_number()) + ", expected " +
                         std::to_string(kVocabSize) + " (missing '" + tok.tokens_[n] +
                         "' at line " + std::to_string(n + 1) + ")");
    }
    return tok;
}

EsmEncoding EsmTokenizer::encode(std::string_view sequence, const EsmEncodeOptions& options) const {
    EsmEncoding enc;
    // One trailing '*' (a stop codon), possibly followed by whitespace, is dropped.
    std::size_t end = sequence.size();
    while (end > 0 && is_space(static_cast<unsigned char>(sequence[end - 1])))
        --end;
    const bool stop = end > 0 && sequence[end - 1] == '*';
    if (stop) --end;

    const bool specials = options.add_special_tokens;
    enc.ids.reserve(end + (specials ? 2 : 0));
    if (specials) enc.ids.push_back(kCls);
    std::size_t residues = 0;
    const std::size_t limit = options.truncate;
    for (std::size_t i = 0; i < end; ++i) {
        auto c = static_cast<unsigned char>(sequence[i]);
        std::int32_t id = byte_to_id_[c];
        if (c == '<') {
            SpecialToken t = special_token_at(sequence, i, end);
            if (!t.reason.empty()) {
                enc.ids.clear();
                enc.reason = std::move(t.reason);
                return enc;
            }
            if (t.length > 0) {
                id = t.id;
                i += t.length - 1;
            }
        }
        if (id >= 0) {
            if (limit == 0 || residues < limit) enc.ids.push_back(id);
            ++residues;
        } else if (id == kInvalid) {
            enc.ids.clear();
            enc.reason =
                "invalid character " + describe_char(c) + " at position " + std::to_string(i + 1);
            return enc;
        }
    }
    if (residues == 0) {
        enc.ids.clear();
        // A lone '*' (the stop codon dropped above) is not an empty record.
        enc.reason = stop ? "no residues: only the '*' stop character" : "empty sequence";
        return enc;
    }
    enc.original_residues = residues;
    enc.truncated = limit != 0 && residues > limit;
    enc.residues = enc.truncated ? limit : residues;
    if (specials) enc.ids.push_back(kEos);
    enc.ok = true;
    return enc;
}

const std::string& EsmTokenizer::token(std::int32_t id) const {
    if (id < 0 || id >= static_cast<std::int32_t>(tokens_.size()))
        throw Error("ESM token id " + std::to_string(id) + " out of range [0, " +
                    std::to_string(tokens_.size()) + ")");
    return tokens_[id];
}

}  // namespace plmkit::tokenizers
