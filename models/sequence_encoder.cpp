#include "models/sequence_encoder.hpp"

#include <cstdlib>

#include "src/error.hpp"
#include "src/strings.hpp"

namespace plmkit::models {

std::string FinetuneMode::text() const {
    if (frozen) return "frozen";
    return last < 0 ? "full" : "last:" + std::to_string(last);
}

FinetuneMode parse_finetune(const std::string& text) {
    FinetuneMode m;
    if (text == "frozen") return m;
    m.frozen = false;
    if (text == "full") return m;
    if (text.rfind("last:", 0) == 0) {
        const std::string n = text.substr(5);
        char* end = nullptr;
        const long v = std::strtol(n.c_str(), &end, 10);
        if (!n.empty() && *end == '\0' && v >= 1 && v <= 1000) {
            m.last = static_cast<int>(v);
            return m;
        }
    }
    throw UsageError("--finetune must be frozen, full or last:N (N >= 1), got '" + text + "'");
}

void SequenceEncoder::load_trainable(const std::vector<std::pair<std::string, at::Tensor>>& state,
                                     const std::string& where) {
    at::NoGradGuard no_grad;
    for (auto& [name, param] : trainable()) {
        const at::Tensor* value = nullptr;
        for (const auto& [n, t] : state)
            if (n == name) value = &t;
        if (!value) throw ModelError(where + ": no tensor for encoder parameter '" + name + "'");
        if (value->sizes() != param.sizes())
            throw ModelError(where + ": encoder parameter '" + name + "' has the wrong shape");
        param.copy_(*value);
    }
}

SmilesSequenceEncoder::SmilesSequenceEncoder(SmilesEncoder encoder, const FinetuneMode& mode)
    : encoder_(std::move(encoder)) {
    const std::int64_t layers = encoder_->config().layers;
    const std::int64_t first = mode.frozen ? layers : mode.last < 0 ? 0 : layers - mode.last;
    if (!mode.frozen && mode.last > layers)
        throw UsageError("--finetune " + mode.text() + ": the SMILES encoder has " +
                         count_noun(layers, "block"));
    for (auto& p : encoder_->named_parameters()) {
        const std::string& name = p.key();
        bool train = false;
        if (name.rfind("layers.", 0) == 0) {
            train = std::stoll(name.substr(7)) >= first;
        } else if (name.rfind("final_ln", 0) == 0) {
            train = !mode.frozen;
        } else if (name == "token_embedding" || name == "position_embedding") {
            train = !mode.frozen && mode.last < 0;
        }  // the MLM head (head_*) is not used under a property head
        p.value().set_requires_grad(train);
        if (train) trainable_.emplace_back(name, p.value());
    }
}

at::Tensor SmilesSequenceEncoder::pooled(const at::Tensor& tokens) {
    return encoder_->pooled(tokens);
}

std::vector<std::pair<std::string, at::Tensor>> SmilesSequenceEncoder::trainable() {
    return trainable_;
}

}  // namespace plmkit::models
