// `plmkit pretrain --kind protein` writes the trained weights in the input
// checkpoint's dtype (it wrote float32 whatever the input held), or float32
// with --save-dtype float32. The fp16 input is made from the esm2_tiny fixture
// by tests/cli/data/esm_fp16.py (numpy), which also checks the outputs; the
// bf16 input by tests/cli/data/esm_bf16.py, which rounds float32 to bfloat16
// itself (numpy has no bfloat16) to check the written BF16 bits.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "src/safetensors.hpp"
#include "tests/test_support.hpp"

namespace test = plmkit::test;
using test::fresh_path;
using test::read_file;
using test::run_plmkit;
using test::shared_path;
using test::temp_path;

namespace {

const std::string kEsm = shared_path("fixtures/esm2_tiny/model");
const std::string kGb1 = shared_path("data/flip_gb1/sampled.csv");

/// Runs `script` (esm_fp16.py, or esm_bf16.py) with `args`; its stdout.
std::string python(const std::string& args, const std::string& script = "esm_fp16.py") {
    const std::string log = temp_path(script + ".log");
    const std::string cmd = "/usr/bin/python3 " + test::source_path("tests/cli/data/" + script) +
                            " " + args + " > " + log + " 2>&1";
    const int rc = std::system(cmd.c_str());
    INFO("needs /usr/bin/python3 with numpy: " << read_file(log));
    REQUIRE(rc == 0);
    return read_file(log);
}

std::vector<std::string> args(const std::string& model, const std::string& out,
                              const std::string& epochs) {
    return {"pretrain", "--kind", "protein",       "--esm-model", model,    "--data", kGb1,
            "--epochs", epochs,   "--max-records", "16",          "--crop", "100",    "--threads",
            "1",        "--lr",   "2e-3",          "--output",    out};
}

/// One epoch from `model` into `out` (the input's dtype, the default) and,
/// alike, into `out32` with --save-dtype float32.
void pretrain_twice(const std::string& model, const std::string& out, const std::string& out32) {
    auto a = run_plmkit(args(model, out, "1"));
    INFO(a.err);
    REQUIRE(a.exit_code == 0);
    auto b = run_plmkit(test::with(args(model, out32, "1"), {"--save-dtype", "float32"}));
    INFO(b.err);
    REQUIRE(b.exit_code == 0);
}

/// The esm2_tiny fixture with every F32 tensor as F16 (esm_fp16.py make),
/// made once for the SECTIONs below.
std::string fp16_model() {
    return test::built_once("esm2_tiny_fp16", [] {
        const std::string fp16 = test::fresh_dir("cli_esm_fp16_model");
        python("make " + kEsm + " " + fp16);
        return fp16;
    });
}

}  // namespace

TEST_CASE("cli pretrain protein: the output keeps an fp16 input's dtype",
          "[pretrain][protein][dtype]") {
    const std::string fp16 = fp16_model();
    SECTION("trained tensors: the float32 output's, rounded to fp16; the rest the input's") {
        const std::string out16 = fresh_path("cli_esm_fp16_out"),
                          out32 = fresh_path("cli_esm_fp16_out32");
        pretrain_twice(fp16, out16, out32);
        CHECK_THAT(python("check " + fp16 + " " + out16 + " " + out32), Catch::StartsWith("ok "));
    }
    SECTION("--epochs 0: the fp16 input comes back byte for byte") {
        const std::string out0 = fresh_path("cli_esm_fp16_out0");
        auto r = run_plmkit(args(fp16, out0, "0"));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        plmkit::SafetensorsFile in(fp16 + "/model.safetensors"), got(out0 + "/model.safetensors");
        REQUIRE(got.names().size() == in.names().size());
        for (const auto& name : in.names()) {
            INFO(name);
            const auto &x = in.get(name), &y = got.get(name);
            CHECK(y.dtype == x.dtype);
            CHECK((x.nbytes == y.nbytes && std::memcmp(x.data, y.data, x.nbytes) == 0));
        }
        CHECK_THAT(read_file(out0 + "/config.json"),
                   Catch::Contains("\"torch_dtype\": \"float16\""));
    }
    SECTION("--save-dtype: a bad value, and --kind smiles, are usage errors") {
        auto bad = args(fp16, fresh_path("cli_esm_fp16_bad"), "1");
        bad.insert(bad.end(), {"--save-dtype", "fp8"});
        auto r = run_plmkit(bad);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--save-dtype 'fp8': expected input or float32"));
        r = run_plmkit({"pretrain", "--data", kGb1, "--save-dtype", "float32", "--output",
                        fresh_path("cli_lm_save_dtype")});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--save-dtype does not apply to --kind smiles"));
    }
}

TEST_CASE("cli pretrain protein: a bf16 input gives bf16 weights, rounded to nearest even",
          "[pretrain][protein][dtype]") {
    // The test's own float32 -> bfloat16 rounding, on hand-checked values.
    CHECK_THAT(python("selftest", "esm_bf16.py"), Catch::StartsWith("ok"));
    const std::string bf16 = fresh_path("cli_esm_bf16_model");
    std::filesystem::create_directories(bf16);
    python("make " + kEsm + " " + bf16, "esm_bf16.py");

    const std::string out16 = fresh_path("cli_esm_bf16_out"),
                      out32 = fresh_path("cli_esm_bf16_out32");
    pretrain_twice(bf16, out16, out32);
    // Every trained BF16 tensor: the float32 one rounded by esm_bf16.py.
    CHECK_THAT(python("check " + bf16 + " " + out16 + " " + out32, "esm_bf16.py"),
               Catch::StartsWith("ok "));
    // plmkit reads them as BF16: 2 bytes a value, half the float32 output's
    // size for each trained tensor.
    plmkit::SafetensorsFile got(out16 + "/model.safetensors"), wide(out32 + "/model.safetensors");
    std::size_t trained = 0;
    for (const auto& name : got.names()) {
        INFO(name);
        const auto &x = got.get(name), &y = wide.get(name);
        if (y.dtype != plmkit::StoredDType::f32) continue;
        ++trained;
        CHECK(x.dtype == plmkit::StoredDType::bf16);
        CHECK(y.nbytes == 2 * x.nbytes);
    }
    CHECK(trained >= 10);
    CHECK_THAT(read_file(out16 + "/config.json"), Catch::Contains("\"torch_dtype\": \"bfloat16\""));

    SECTION("--epochs 0: the bf16 input comes back byte for byte") {
        const std::string out0 = fresh_path("cli_esm_bf16_out0");
        auto r = run_plmkit(args(bf16, out0, "0"));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        plmkit::SafetensorsFile in(bf16 + "/model.safetensors"), same(out0 + "/model.safetensors");
        REQUIRE(same.names().size() == in.names().size());
        for (const auto& name : in.names()) {
            INFO(name);
            const auto &x = in.get(name), &y = same.get(name);
            CHECK(y.dtype == x.dtype);
            CHECK((x.nbytes == y.nbytes && std::memcmp(x.data, y.data, x.nbytes) == 0));
        }
    }
}
