// plmkit doctor: what this installation will run on.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/plmkit/command.hpp"
#include "apps/plmkit/number_checks.hpp"
#include "models/torch_runtime.hpp"
#include "pipelines/chem_info.hpp"
#include "src/blas_info.hpp"
#include "src/hdf5_info.hpp"
#include "src/log.hpp"
#include "src/runtime.hpp"
#include "src/version.hpp"

namespace plmkit::cli {
namespace {

struct DoctorOptions {
    bool json = false;
    int threads = 0;
};

/// "2 of 64 in the machine: CPU affinity 16, CPU quota 2 (cgroup ...)" and
/// SLURM_CPUS_PER_TASK when set: every limit, with the fewest cores first.
std::string cores_text(const CoreLimits& l) {
    std::string s = std::to_string(l.cores()) + " of " + std::to_string(l.machine) +
                    " in the machine: CPU affinity " + std::to_string(l.affinity);
    if (l.quota.cores > 0)
        s += ", CPU quota " + std::to_string(l.quota.cores) + " (" + l.quota.describe() + ")";
    if (l.slurm_cpus > 0) s += ", SLURM_CPUS_PER_TASK " + std::to_string(l.slurm_cpus);
    return s;
}

nlohmann::json cores_json(const CoreLimits& l) {
    nlohmann::json quota = nullptr;
    if (l.quota.cores > 0)
        quota = {{"cores", l.quota.cores},
                 {"file", l.quota.file},
                 {"quota_us", l.quota.quota_us},
                 {"period_us", l.quota.period_us}};
    return {{"machine", l.machine},
            {"affinity", l.affinity},
            {"cpu_quota", quota},
            {"slurm_cpus_per_task", l.slurm_cpus > 0 ? nlohmann::json(l.slurm_cpus) : nullptr}};
}

void run_doctor(const DoctorOptions& opt) {
    const CoreLimits limits = core_limits();
    models::set_threads(opt.threads);
    BlasInfo blas = detect_blas();
    auto gpus = models::cuda_devices();
    nlohmann::json report = {
        {"plmkit", version()},
        {"libtorch", models::torch_version()},
        {"blas", blas.name},
        {"blas_library", blas.library},
        {"blas_config", blas.detail},
        {"blas_kernels", blas.core},
        {"blas_kernels_replaced", blas.replaced_core},
        {"threads", models::threads()},
        {"cores", limits.cores()},
        {"core_limits", cores_json(limits)},
        {"malloc", allocator_name()},
        {"cuda", models::cuda_available()},
        {"gpus", gpus},
        {"rdkit", pipelines::rdkit_version()},
        {"hdf5", hdf5_version()},
    };
    if (opt.json) {
        std::printf("%s\n", report.dump(2).c_str());
    } else {
        auto line = [](const char* k, const std::string& v) {
            std::printf("%-10s %s\n", k, v.c_str());
        };
        line("plmkit", version());
        line("libtorch", models::torch_version());
        line("blas", blas.name + (blas.library.empty() ? "" : " (" + blas.library + ")"));
        if (!blas.detail.empty()) line("", blas.detail);
        if (!blas.core.empty()) {
            std::string k = blas.core;
            if (!blas.replaced_core.empty())
                k += " (chosen by plmkit from the CPU's instruction set; OpenBLAS's own pick was " +
                     blas.replaced_core + ". Set OPENBLAS_CORETYPE to choose)";
            line("kernels", k);
        }
        line("threads", std::to_string(models::threads()) + " of " +
                            std::to_string(limits.cores()) + " cores");
        line("cores", cores_text(limits));
        line("malloc", allocator_name());
        std::string cuda = models::cuda_available() ? "yes" : "no";
        for (const auto& g : gpus)
            cuda += " " + g;
        line("cuda", cuda);
        line("rdkit", pipelines::rdkit_version());
        line("hdf5", hdf5_version());
    }
    if (blas.is_reference) {
        log_warn(
            "LibTorch is using the reference BLAS, ~16x slower for float32 matrix products. "
            "Install OpenBLAS: apt-get install libopenblas0 (or run scripts/setup.sh)");
    }
}

PLMKIT_COMMAND(90, [](CLI::App& app) {
    auto opt = std::make_shared<DoctorOptions>();
    auto* cmd = app.add_subcommand("doctor", "Report LibTorch, BLAS, threads, CUDA, RDKit, HDF5");
    cmd->add_flag("--json", opt->json, "Print the report as JSON");
    cmd->add_option("--threads", opt->threads, "Threads to report (0 = all available cores)")
        ->check(at_least(0))
        ->capture_default_str();
    cmd->footer("Examples:\n  plmkit doctor\n  plmkit doctor --json");
    cmd->callback([opt] { run_doctor(*opt); });
});

}  // namespace
}  // namespace plmkit::cli
