// ESM-2 inference throughput with random weights of the real shapes (no
// checkpoint needed): 64 sequences of 256 residues and 64 sequences with
// lengths spread over 50..1000, length-sorted batches of at most 4096 padded
// tokens, mean embeddings of the last layer. Prints residues/s and peak RSS.
//   build/bin/bench_esm --help
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/cuda.h>

#include "models/esm2.hpp"
#include "models/esm2_loader.hpp"
#include "models/torch_runtime.hpp"
#include "src/blas_info.hpp"
#include "src/device.hpp"
#include "src/runtime.hpp"
#include "tokenizers/batching.hpp"

using namespace plmkit;
using Clock = std::chrono::steady_clock;

namespace {

struct Shape {
    const char* name;
    std::int64_t layers, hidden, heads;
};
const Shape kShapes[] = {
    {"t6", 6, 320, 20}, {"t12", 12, 480, 20}, {"t30", 30, 640, 20}, {"t33", 33, 1280, 20}};

struct Args {
    int threads = 2;
    std::string dtype = "fp32";
    std::string device = "cpu";
    std::string models = "t6,t12,t30";
    std::size_t max_tokens = 4096;
    int repeat = 1;
    std::size_t count = 64;  ///< sequences per set (fewer for quick checks)
};

const char* kUsage =
    "usage: bench_esm [--threads 2] [--dtype fp32|bf16|fp16] [--device cpu|cuda]\n"
    "                 [--models t6,t12,t30[,t33]] [--max-tokens 4096] [--repeat 1] [--count 64]\n"
    "ESM-2 inference with random weights of the real shapes: 64 x 256 residues and 64\n"
    "sequences of 50..1000 residues in length-sorted batches of at most --max-tokens\n"
    "padded tokens, mean embeddings of the last layer; prints residues/s (best of\n"
    "--repeat) and the process's peak RSS after each model.\n";

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        std::string k = argv[i];
        if (k == "--help" || k == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        }
    }
    if (argc % 2 == 0) {
        std::fprintf(stderr, "bench_esm: option %s needs a value\n%s", argv[argc - 1], kUsage);
        std::exit(2);
    }
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--threads")
            a.threads = std::stoi(v);
        else if (k == "--dtype")
            a.dtype = v;
        else if (k == "--device")
            a.device = v;
        else if (k == "--models")
            a.models = v;
        else if (k == "--max-tokens")
            a.max_tokens = std::stoul(v);
        else if (k == "--repeat")
            a.repeat = std::stoi(v);
        else if (k == "--count")
            a.count = std::stoul(v);
        else {
            std::fprintf(stderr, "bench_esm: unknown option %s\n", k.c_str());
            std::exit(2);
        }
    }
    return a;
}

/// Token ids <cls> residues <eos> of random standard amino acids.
std::vector<std::vector<std::int32_t>> make_sequences(const std::vector<std::size_t>& lengths,
                                                      unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> aa(4, 23);  // L A G V S E R T I D P K Q N F Y M H W C
    std::vector<std::vector<std::int32_t>> out;
    for (auto L : lengths) {
        std::vector<std::int32_t> ids{0};
        for (std::size_t i = 0; i < L; ++i)
            ids.push_back(aa(rng));
        ids.push_back(2);
        out.push_back(std::move(ids));
    }
    return out;
}

std::vector<std::size_t> mixed_lengths(std::size_t count) {
    std::vector<std::size_t> lengths;
    for (int i = 0; i < 64; ++i)
        lengths.push_back(50 + static_cast<std::size_t>(i) * 950 / 63);
    std::shuffle(lengths.begin(), lengths.end(), std::mt19937(7));
    lengths.resize(std::min<std::size_t>(count, 64));
    return lengths;
}

/// Runs all sequences in token-budget batches; returns seconds.
double run(models::Esm2& model, const std::vector<std::vector<std::int32_t>>& seqs,
           const Args& args, const at::Device& device) {
    std::vector<std::size_t> lengths;
    for (const auto& s : seqs)
        lengths.push_back(s.size());
    tokenizers::TokenBudgetOptions bo;
    bo.max_tokens = args.max_tokens;
    auto batches = tokenizers::token_budget_batches(lengths, bo);
    models::Esm2ForwardOptions fo;
    fo.repr_layers = {static_cast<int>(model->config().num_layers)};
    c10::InferenceMode guard;
    auto start = Clock::now();
    double checksum = 0;
    for (const auto& b : batches) {
        std::vector<std::vector<std::int32_t>> rows;
        for (auto i : b)
            rows.push_back(seqs[i]);
        auto padded = tokenizers::pad_batch(rows, 1);
        auto tokens = at::from_blob(padded.ids.data(),
                                    {static_cast<std::int64_t>(padded.batch),
                                     static_cast<std::int64_t>(padded.max_len)},
                                    at::kLong)
                          .to(device);
        auto out = model->forward(tokens, fo);
        auto rep = out.representations.begin()->second;
        // Mean over residues of each row, as `plmkit embed` does.
        for (std::size_t r = 0; r < rows.size(); ++r) {
            auto L = static_cast<std::int64_t>(rows[r].size()) - 2;
            checksum += rep[r].narrow(0, 1, L).to(at::kFloat).mean(0).sum().item<double>();
        }
    }
    if (device.is_cuda()) torch::cuda::synchronize();
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    if (checksum != checksum) std::fprintf(stderr, "bench_esm: NaN in outputs\n");
    return secs;
}

}  // namespace

int main(int argc, char** argv) {
    use_fast_blas_kernels(argv);  // as plmkit does
    Args args = parse(argc, argv);
    tune_allocator();
    models::set_threads(args.threads);
    at::manual_seed(0);
    auto dev = models::resolve_device(parse_device(args.device));
    auto device = models::to_torch_device(dev);
    auto dtype = models::to_scalar_type(parse_compute_dtype(args.dtype));
    const BlasInfo blas = detect_blas();
    std::printf(
        "bench_esm: torch %s, device %s, dtype %s, threads %d, max tokens %zu, blas %s%s%s\n",
        models::torch_version().c_str(), to_string(dev).c_str(), args.dtype.c_str(),
        models::threads(), args.max_tokens, blas.name.c_str(), blas.core.empty() ? "" : " ",
        blas.core.c_str());
    auto uniform = make_sequences(std::vector<std::size_t>(args.count, 256), 1);
    auto mixed = make_sequences(mixed_lengths(args.count), 2);
    std::size_t res_uniform = args.count * 256, res_mixed = 0;
    for (const auto& s : mixed)
        res_mixed += s.size() - 2;
    std::fflush(stdout);
    std::printf("%-5s %12s %14s %14s %12s\n", "model", "params", "64x256 res/s", "mixed res/s",
                "peak RSS MB");
    for (const auto& shape : kShapes) {
        if (("," + args.models + ",").find(std::string(",") + shape.name + ",") ==
            std::string::npos)
            continue;
        models::Esm2Config c;
        c.hidden_size = shape.hidden;
        c.num_layers = shape.layers;
        c.num_heads = shape.heads;
        c.intermediate_size = 4 * shape.hidden;
        models::Esm2InitOptions init;
        init.dtype = dtype;
        init.device = device;
        models::Esm2 model(c, init);
        std::int64_t params = 0;
        for (const auto& p : model->parameters())
            params += p.numel();
        run(model, make_sequences({100, 100}, 3), args, device);  // warm-up
        double best_u = 1e30, best_m = 1e30;
        for (int r = 0; r < args.repeat; ++r) {
            best_u = std::min(best_u, run(model, uniform, args, device));
            best_m = std::min(best_m, run(model, mixed, args, device));
        }
        std::printf("%-5s %11.1fM %14.0f %14.0f %12.0f\n", shape.name, params / 1e6,
                    res_uniform / best_u, res_mixed / best_m, peak_rss_bytes() / 1048576.0);
        std::fflush(stdout);
    }
    return 0;
}
