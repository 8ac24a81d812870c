#include "models/esm2_config.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "src/error.hpp"

namespace plmkit::models {
namespace {

using nlohmann::json;

std::string key_error(const std::string& path, const std::string& key, const std::string& what) {
    return "'" + path + "': key '" + key + "' " + what;
}

std::int64_t get_int(const json& j, const std::string& path, const std::string& key,
                     const std::int64_t* fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (fallback) return *fallback;
        throw ModelError(key_error(path, key, "is missing"));
    }
    if (!it->is_number_integer())
        throw ModelError(key_error(path, key, "must be an integer, got " + it->dump()));
    std::int64_t v = it->get<std::int64_t>();
    if (v < 0) throw ModelError(key_error(path, key, "must be >= 0, got " + it->dump()));
    return v;
}

bool get_bool(const json& j, const std::string& path, const std::string& key, bool fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    if (!it->is_boolean())
        throw ModelError(key_error(path, key, "must be true or false, got " + it->dump()));
    return it->get<bool>();
}

double get_double(const json& j, const std::string& path, const std::string& key, double fallback) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    if (!it->is_number())
        throw ModelError(key_error(path, key, "must be a number, got " + it->dump()));
    return it->get<double>();
}

json parse_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ModelError("cannot open model config '" + path + "': " + errno_message());
    std::stringstream text;
    text << in.rdbuf();
    try {
        json j = json::parse(text.str());
        if (!j.is_object()) throw ModelError("'" + path + "': expected a JSON object");
        return j;
    } catch (const json::parse_error& e) {
        throw ModelError("'" + path + "': invalid JSON: " + e.what());
    }
}

/// A config.json of plmkit's own models, not a Hugging Face ESM-2 one: said
/// as such, with the command that takes it (else a missing 'hidden_size').
void refuse_plmkit_model(const json& j, const std::string& path) {
    if (!j.is_object()) return;
    auto text = [&](const char* key) {
        auto it = j.find(key);
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    std::string dir = path.size() > 12 && path.compare(path.size() - 12, 12, "/config.json") == 0
                          ? path.substr(0, path.size() - 12)
                          : path;
    const std::string not_esm =
        ", not an ESM-2 checkpoint (a Hugging Face folder whose config.json has "
        "model_type \"esm\")";
    if (text("format") == "plmkit-property-model") {
        // A fine-tuned ESM-2 encoder inside it can be written out as one.
        const auto f = j.find("featurizer");
        const bool tuned_esm = j.value("member_encoders", false) && f != j.end() &&
                               f->is_object() && f->value("name", std::string()) == "esm";
        throw ModelError("'" + path + "' is a property model of plmkit train" + not_esm +
                         "; predict with it: plmkit predict --model " + dir +
                         (tuned_esm ? "; its fine-tuned ESM-2 encoder becomes one with plmkit "
                                      "export --model " +
                                          dir + " --output ESM_DIR"
                                    : std::string()));
    }
    if (text("model_type") == "plmkit-smiles-encoder")
        throw ModelError("'" + path + "' is a SMILES encoder of plmkit pretrain" + not_esm +
                         "; use it with plmkit train --featurizer smiles-lm --lm-model " + dir);
}

}  // namespace

Esm2Config Esm2Config::from_json_file(const std::string& path) {
    const json j = parse_file(path);
    refuse_plmkit_model(j, path);
    auto type = j.find("position_embedding_type");
    if (type != j.end() && !type->is_null() && *type != "rotary")
        throw ModelError(key_error(path, "position_embedding_type",
                                   "is " + type->dump() +
                                       "; only ESM-2 checkpoints with \"rotary\" positions are "
                                       "supported"));
    auto model_type = j.find("model_type");
    if (model_type != j.end() && model_type->is_string() && *model_type != "esm")
        throw ModelError(
            key_error(path, "model_type", "is " + model_type->dump() + ", expected \"esm\""));
    Esm2Config c;
    c.vocab_size = get_int(j, path, "vocab_size", &c.vocab_size);
    c.hidden_size = get_int(j, path, "hidden_size", nullptr);
    c.num_layers = get_int(j, path, "num_hidden_layers", nullptr);
    c.num_heads = get_int(j, path, "num_attention_heads", nullptr);
    c.intermediate_size = get_int(j, path, "intermediate_size", nullptr);
    c.max_position_embeddings =
        get_int(j, path, "max_position_embeddings", &c.max_position_embeddings);
    c.mask_token_id = get_int(j, path, "mask_token_id", &c.mask_token_id);
    c.pad_token_id = get_int(j, path, "pad_token_id", &c.pad_token_id);
    c.layer_norm_eps = get_double(j, path, "layer_norm_eps", c.layer_norm_eps);
    c.token_dropout = get_bool(j, path, "token_dropout", c.token_dropout);
    c.emb_layer_norm_before = get_bool(j, path, "emb_layer_norm_before", c.emb_layer_norm_before);
    auto act = j.find("hidden_act");
    if (act != j.end() && act->is_string() && *act != "gelu")
        throw ModelError(
            key_error(path, "hidden_act", "is " + act->dump() + ", expected \"gelu\""));
    c.validate("'" + path + "'");
    return c;
}

void Esm2Config::validate(const std::string& origin) const {
    auto fail = [&](const std::string& what) { throw ModelError(origin + ": " + what); };
    if (hidden_size <= 0) fail("hidden_size must be > 0");
    if (num_layers <= 0) fail("num_hidden_layers must be > 0");
    if (num_heads <= 0) fail("num_attention_heads must be > 0");
    if (intermediate_size <= 0) fail("intermediate_size must be > 0");
    if (hidden_size % num_heads != 0)
        fail("hidden_size " + std::to_string(hidden_size) + " is not a multiple of " +
             "num_attention_heads " + std::to_string(num_heads));
    if (head_dim() % 2 != 0)
        fail("head size " + std::to_string(head_dim()) + " must be even for rotary embeddings");
    if (vocab_size != 33)
        fail("vocab_size is " + std::to_string(vocab_size) + ", expected 33 (the ESM alphabet)");
    // vocab.txt must be the ESM alphabet (checked line by line), where <pad> is
    // id 1 and <mask> id 32; other ids would pad batches with a real token and
    // count residues as masked in token dropout, silently changing every output.
    if (pad_token_id != 1)
        fail("pad_token_id is " + std::to_string(pad_token_id) +
             ", expected 1 (<pad> in the ESM alphabet of vocab.txt)");
    if (mask_token_id != 32)
        fail("mask_token_id is " + std::to_string(mask_token_id) +
             ", expected 32 (<mask> in the ESM alphabet of vocab.txt)");
    if (!(layer_norm_eps > 0)) fail("layer_norm_eps must be > 0");
}

std::string Esm2Config::to_json() const {
    json j;
    j["model_type"] = "esm";
    j["vocab_size"] = vocab_size;
    j["hidden_size"] = hidden_size;
    j["num_hidden_layers"] = num_layers;
    j["num_attention_heads"] = num_heads;
    j["intermediate_size"] = intermediate_size;
    j["max_position_embeddings"] = max_position_embeddings;
    j["mask_token_id"] = mask_token_id;
    j["pad_token_id"] = pad_token_id;
    j["layer_norm_eps"] = layer_norm_eps;
    j["token_dropout"] = token_dropout;
    j["emb_layer_norm_before"] = emb_layer_norm_before;
    j["position_embedding_type"] = "rotary";
    return j.dump();
}

}  // namespace plmkit::models
