#include "apps/plmkit/featurizer_flags.hpp"

#include "data/molecule_reader.hpp"
#include "src/device.hpp"
#include "src/error.hpp"

namespace plmkit::cli {

CLI::Validator non_negative() {
    return CLI::Validator(
        [](std::string& value) {
            const auto b = value.find_first_not_of(" \t");
            return b != std::string::npos && value[b] == '-' ? "must be >= 0, got " + value
                                                             : std::string();
        },
        "NONNEGATIVE");
}

void add_runtime_flags(CLI::App* cmd, RuntimeFlags& f) {
    cmd->add_option("--threads", f.threads, "CPU threads (0 = all available cores)")
        ->capture_default_str();
    // One text per command: predict's --help has no business with train's rules.
    const bool train = cmd->get_name() == "train";
    cmd->add_option("--device", f.device,
                    std::string("ESM-2 device: auto, cpu, cuda[:N] (the SMILES encoder, RDKit "
                                "featurizers and heads on fixed features run on the CPU") +
                        (train ? "; cuda without --featurizer esm is refused)" : ")"))
        ->capture_default_str();
    cmd->add_option("--dtype", f.dtype,
                    train ? "ESM-2 compute dtype: fp32 (default), bf16 or fp16; frozen "
                            "--featurizer esm only"
                          : "ESM-2 compute dtype: fp32, bf16 or fp16 (default: the model's, "
                            "from its config.json)");
    cmd->add_option("--max-tokens", f.max_tokens, "Token budget per encoder batch")
        ->check(non_negative())
        ->capture_default_str();
}

pipelines::FeaturizerRuntime to_runtime(const RuntimeFlags& f) {
    if (f.threads < 0)
        throw UsageError("--threads must be >= 0 (0 = all cores), got " +
                         std::to_string(f.threads));
    if (f.max_tokens < 1) throw UsageError("--max-tokens must be >= 1, got 0");
    pipelines::FeaturizerRuntime rt;
    rt.threads = f.threads > 0 ? f.threads : global_options().threads;
    rt.device = parse_device(f.device);
    rt.dtype_given = !f.dtype.empty();
    rt.dtype = rt.dtype_given ? parse_compute_dtype(f.dtype) : ComputeDType::f32;
    rt.max_tokens = f.max_tokens;
    return rt;
}

std::string id_col_help() {
    const auto& molecule = data::auto_id_columns(false);
    const auto& protein = data::auto_id_columns(true);
    std::string text = "Id column (default: the first of";
    for (std::size_t i = 0; i < protein.size(); ++i) {
        if (i == molecule.size()) text += "; for proteins then";
        text += (i == 0 || i == molecule.size() ? " " : ", ") + protein[i];
    }
    return text + "; else <file stem>:<n>)";
}

}  // namespace plmkit::cli
