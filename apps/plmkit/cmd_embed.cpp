// plmkit embed: ESM-2 embeddings of a FASTA file or a CSV/TSV table into one HDF5 file.
#include <memory>

#include "apps/plmkit/command.hpp"
#include "apps/plmkit/featurizer_flags.hpp"
#include "apps/plmkit/list_options.hpp"
#include "apps/plmkit/number_checks.hpp"
#include "pipelines/embed_job.hpp"
#include "src/device.hpp"
#include "src/log.hpp"

namespace plmkit::cli {
namespace {

struct EmbedCliOptions {
    pipelines::EmbedOptions job;
    std::string device = "auto";
    std::string dtype = "fp32";
    bool nogpu = false;  ///< extract.py's --nogpu: --device cpu
};

/// What to embed with which model, where to, and which outputs and layers.
void add_what_options(CLI::App* cmd, pipelines::EmbedOptions& job) {
    cmd->add_option("--model", job.model_dir,
                    "Hugging Face ESM-2 model directory (config.json, vocab.txt, "
                    "model.safetensors)")
        ->required()
        ->check(not_empty("a model directory"));
    cmd->add_option("-i,--input", job.input,
                    "Protein FASTA file, or a CSV / TSV table with a sequence column (.csv, "
                    ".tsv, .tab; each plain or .gz)")
        ->required()
        ->check(not_empty("a FASTA or CSV/TSV file"));
    cmd->add_option("--format", job.format,
                    "auto (by extension: .csv, .tsv/.tab tables, any other name FASTA), fasta, "
                    "csv or tsv")
        ->check(CLI::IsMember({"auto", "fasta", "csv", "tsv"}))
        ->capture_default_str();
    cmd->add_option("--seq-col", job.seq_col, "Table input: the column holding the sequences")
        ->check(not_empty("a column name"))
        ->capture_default_str();
    cmd->add_option("--id-col", job.id_col, id_col_help() + "; table input only")
        ->check(not_empty("a column name"));
    cmd->add_option("-o,--output", job.output,
                    "HDF5 file to write; rejected records go to <output>.rejects.tsv")
        ->required()
        ->check(not_empty("an HDF5 file name"));
    add_list_option(cmd, "--include", job.include,
                    "Comma-separated outputs: mean, per_tok, bos, logits, contacts");
    add_list_option(cmd, "--layers,--repr_layers", job.layers,
                    "Comma-separated layers; negative counts from the end (-1 = last), "
                    "0 = embeddings (--repr_layers: extract.py's name; give 0,32,33, not 0 32 33)",
                    an_integer());
}

/// Batching, truncation and where and how the model runs.
void add_compute_options(CLI::App* cmd, EmbedCliOptions& opt) {
    auto& job = opt.job;
    cmd->add_option("--max-tokens,--toks_per_batch", job.max_tokens,
                    "Padded tokens per batch (length-sorted; --toks_per_batch: extract.py's name)")
        ->check(at_least(1))
        ->capture_default_str();
    cmd->add_option("--truncate,--truncation_seq_length", job.truncate,
                    "Residues kept per sequence (0 = no limit; --truncation_seq_length: "
                    "extract.py's name)")
        ->check(at_least(0))
        ->capture_default_str();
    cmd->add_option("--long", job.long_policy,
                    "Sequences longer than --truncate: truncate, skip (to rejects) or error")
        ->check(CLI::IsMember({"truncate", "skip", "error"}))
        ->capture_default_str();
    auto* device =
        cmd->add_option("--device", opt.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
    cmd->add_flag("--nogpu", opt.nogpu, "Same as --device cpu (extract.py's name)")
        ->excludes(device);
    cmd->add_option("--dtype", opt.dtype,
                    "Compute dtype: fp32, bf16 or fp16 (outputs are "
                    "float32)")
        ->capture_default_str();
    cmd->add_option("--threads", job.threads, "CPU threads (0 = all available cores)")
        ->check(at_least(0))
        ->capture_default_str();
}

/// Sharding (Slurm arrays) and checkpoints (--resume).
void add_run_options(CLI::App* cmd, pipelines::EmbedOptions& job) {
    cmd->add_option("--shard", job.shard,
                    "I/N: embed only records whose 0-based index modulo N is I; auto/N: I = "
                    "SLURM_ARRAY_TASK_ID; auto: I and N from the Slurm array. The shard writes "
                    "<output stem>.shard-I-of-N.h5")
        ->check(not_empty("I/N, auto/N or auto"));
    cmd->add_flag("--resume", job.resume,
                  "Continue an interrupted run of this command from <output>.partial/ (same "
                  "options and input, else refused); without checkpoints, start at the first "
                  "record");
    cmd->add_option("--checkpoint-every", job.checkpoint_every,
                    "Sequences per checkpoint (and per length-sorted window): an interrupted "
                    "run loses at most this much work")
        ->check(at_least(1))
        ->capture_default_str();
}

const char* const kEmbedFooter =
    "Writes /ids, /lengths, /original_lengths (before --truncate: larger than /lengths for\n"
    "the truncated sequences) and the requested datasets (/mean, /bos, /per_tok + /offsets,\n"
    "/logits, /contacts + /contact_offsets, /layers/<k>/...) with provenance attributes;\n"
    "see docs/embed.md for the layout and an h5py example. With several --layers the top\n"
    "layer is stored once: /layers/<top>/{mean,bos,per_tok} are HDF5 hard links to the\n"
    "top-level datasets (same data under both names).\n\n"
    "Finished windows are kept in <output>.partial/ until the run completes; after a\n"
    "kill (time limit, preemption, Ctrl-C) run the same command with --resume to go on.\n\n"
    "Examples:\n"
    "  plmkit embed --model esm2_t6_8M_UR50D --input proteins.fasta --output emb.h5\n"
    "  plmkit embed --model esm2_t33_650M_UR50D --input proteins.fasta.gz --output emb.h5 \\\n"
    "      --include mean,per_tok --layers -1,20 --dtype bf16 --device cuda\n"
    "  plmkit embed --model esm2_t6_8M_UR50D --input proteins.fasta --output emb.h5 "
    "--shard 3/8   (writes emb.shard-3-of-8.h5)\n"
    "  plmkit embed --model esm2_t33_650M_UR50D --input big.fasta --output emb.h5 --resume\n"
    "  plmkit embed --model esm2_t6_8M_UR50D --input deeploc.csv --seq-col sequence \\\n"
    "      --id-col protein_id --output emb.h5   (a table: ids from --id-col, else an id/name/\n"
    "      protein_id/... column, else <file stem>:<row>, the row counted from 1)";

void add_embed_command(CLI::App& app) {
    auto opt = std::make_shared<EmbedCliOptions>();
    auto* cmd = app.add_subcommand(
        "embed",
        "Embed protein sequences (FASTA, CSV or TSV) with an ESM-2 model into an HDF5 file");
    add_what_options(cmd, opt->job);
    add_compute_options(cmd, *opt);
    add_run_options(cmd, opt->job);
    cmd->footer(kEmbedFooter);
    cmd->callback([opt] {
        opt->job.device = parse_device(opt->nogpu ? std::string("cpu") : opt->device);
        opt->job.dtype = parse_compute_dtype(opt->dtype);
        opt->job.command_line = global_options().command_line;
        opt->job.progress = log_level() >= LogLevel::info;
        pipelines::run_embed(opt->job);
    });
}

PLMKIT_COMMAND(20, add_embed_command);

}  // namespace
}  // namespace plmkit::cli
