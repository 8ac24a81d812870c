// The prior correction of probabilities learned under weighted classes
// (models/class_prior.hpp): the formula on hand-worked cases, config.json's
// "class_prior" (round trip, refusals), and a property model's predictions
// with prior probabilities checked member by member against the formula
// applied by hand to each member's raw output (mean and spread over the
// corrected members), binary and multi-class; a model without "class_prior"
// (trained before it was written) and a regression model refuse them.
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "models/class_prior.hpp"
#include "models/property_model.hpp"
#include "tests/catch.hpp"

#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::models;

TEST_CASE("class_prior: the binary correction on hand-worked cases", "[models][class_prior]") {
    // Positive rate pi = 0.05: plmkit's balanced weight w = negatives /
    // positives = 0.95 / 0.05 = 19. A balanced-class 0.5 is the base rate:
    // 0.5 / (0.5 + 19 * 0.5) = 0.05.
    CHECK(prior_probability(0.5, 19.0) == Approx(0.05).epsilon(1e-12));
    // 0.9 / (0.9 + 19 * 0.1) = 0.9 / 2.8, which is also the brief's
    // p pi / (p pi + (1 - p)(1 - pi)) = 0.045 / (0.045 + 0.095).
    CHECK(prior_probability(0.9, 19.0) == Approx(0.9 / 2.8).epsilon(1e-12));
    CHECK(prior_probability(0.9, 19.0) == Approx(0.045 / 0.14).epsilon(1e-12));
    // 0.1 / (0.1 + 19 * 0.9) = 0.1 / 17.2
    CHECK(prior_probability(0.1, 19.0) == Approx(0.1 / 17.2).epsilon(1e-12));
    // A weight below 1 (more positives than negatives, pi = 0.8: w = 0.25):
    // 0.5 / (0.5 + 0.25 * 0.5) = 0.8.
    CHECK(prior_probability(0.5, 0.25) == Approx(0.8).epsilon(1e-12));
    // w = 1 (an unweighted loss) changes nothing; 0 and 1 stay.
    CHECK(prior_probability(0.37, 1.0) == Approx(0.37).epsilon(1e-12));
    CHECK(prior_probability(0.0, 19.0) == 0.0);
    CHECK(prior_probability(1.0, 19.0) == 1.0);
    // Monotone: the ranking is kept.
    CHECK(prior_probability(0.6, 50.0) > prior_probability(0.59, 50.0));
    CHECK_THROWS_AS(prior_probability(0.5, 0.0), Error);
    CHECK_THROWS_AS(prior_probability(1.5, 2.0), Error);
}

TEST_CASE("class_prior: the multi-class correction on a hand-worked case",
          "[models][class_prior]") {
    // p = (0.5, 0.3, 0.2) under class weights (1, 2, 4): p_k / w_k = (0.5,
    // 0.15, 0.05), sum 0.7.
    const double p[3] = {0.5, 0.3, 0.2}, w[3] = {1, 2, 4};
    double out[3];
    prior_class_probabilities(p, w, 3, out);
    CHECK(out[0] == Approx(0.5 / 0.7).epsilon(1e-12));
    CHECK(out[1] == Approx(0.15 / 0.7).epsilon(1e-12));
    CHECK(out[2] == Approx(0.05 / 0.7).epsilon(1e-12));
    // Balanced weights w_k = 1 / (K pi_k) for pi = (0.6, 0.3, 0.1) and
    // uniform balanced-class outputs: back to the class frequencies.
    const double u[3] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
    const double wb[3] = {1 / (3 * 0.6), 1 / (3 * 0.3), 1 / (3 * 0.1)};
    prior_class_probabilities(u, wb, 3, out);
    CHECK(out[0] == Approx(0.6).epsilon(1e-12));
    CHECK(out[1] == Approx(0.3).epsilon(1e-12));
    CHECK(out[2] == Approx(0.1).epsilon(1e-12));
    const double zero[3] = {0, 0, 0};
    CHECK_THROWS_AS(prior_class_probabilities(zero, w, 3, out), Error);
}

TEST_CASE("class_prior: the option's values", "[models][class_prior]") {
    CHECK(parse_probabilities("prior", "--probabilities") == Probabilities::prior);
    CHECK(parse_probabilities("as-trained", "--probabilities") == Probabilities::as_trained);
    CHECK_THROWS_WITH(parse_probabilities("balanced", "--probabilities"),
                      "--probabilities must be as-trained or prior, got 'balanced'");
    CHECK(probabilities_name(Probabilities::prior) == "prior");
}

TEST_CASE("class_prior: config.json round trip and refusals", "[models][class_prior]") {
    ClassPrior c;
    c.weighted_parts = {"mlp"};
    c.labelled_rows = {40, 38};
    c.frequencies = {0.1, 0.25};
    c.weights = {9.0, 3.0};
    const nlohmann::json j = c.to_json("classification");
    CHECK(j.at("positive_rate") == nlohmann::json({0.1, 0.25}));
    CHECK(j.at("positive_weight") == nlohmann::json({9.0, 3.0}));
    const ClassPrior back = ClassPrior::from_json(j, "classification", 2, "m/config.json");
    CHECK(back.weighted_parts == c.weighted_parts);
    CHECK(back.labelled_rows == c.labelled_rows);
    CHECK(back.frequencies == c.frequencies);
    CHECK(back.weights == c.weights);
    CHECK(back.weighted("mlp"));
    CHECK_FALSE(back.weighted("forest"));
    SECTION("a count that does not fit the outputs") {
        CHECK_THROWS_AS(ClassPrior::from_json(j, "classification", 3, "m/config.json"), ModelError);
    }
    SECTION("weights without weighted parts") {
        nlohmann::json bad = j;
        bad["weighted_parts"] = nlohmann::json::array();
        CHECK_THROWS_WITH(ClassPrior::from_json(bad, "classification", 2, "m/config.json"),
                          Catch::Contains("positive_weight"));
    }
    SECTION("a weight of 0") {
        nlohmann::json bad = j;
        bad["positive_weight"] = {0.0, 3.0};
        CHECK_THROWS_AS(ClassPrior::from_json(bad, "classification", 2, "m/config.json"),
                        ModelError);
    }
    SECTION("an unknown part") {
        nlohmann::json bad = j;
        bad["weighted_parts"] = {"forest"};
        CHECK_THROWS_WITH(ClassPrior::from_json(bad, "classification", 2, "m/config.json"),
                          Catch::Contains("'forest' is not mlp or mpnn"));
    }
    SECTION("a regression model") {
        CHECK_THROWS_AS(ClassPrior::from_json(j, "regression", 2, "m/config.json"), ModelError);
    }
}

namespace {

PropertyModelConfig binary_config() {
    PropertyModelConfig c;
    c.task = "classification";
    c.targets = {"a", "b"};
    c.featurizer = {{"name", "test"}};
    c.mlp.input_dim = 6;
    c.mlp.hidden = {8};
    c.mlp.output_dim = 2;
    return c;
}

/// Rows of features, `n` x 6.
std::vector<float> rows(std::int64_t n) {
    std::vector<float> x(static_cast<std::size_t>(n) * 6);
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = 1.5f * std::sin(0.7f * static_cast<float>(i));
    return x;
}

}  // namespace

TEST_CASE("class_prior: a weighted MLP ensemble, corrected member by member",
          "[models][class_prior]") {
    at::manual_seed(11);
    PropertyModelConfig c = binary_config();
    ClassPrior prior;
    prior.weighted_parts = {"mlp"};
    prior.labelled_rows = {100, 80};
    prior.frequencies = {0.05, 0.2};
    prior.weights = {19.0, 4.0};
    c.class_prior = prior;
    PropertyModel model(c, {Mlp(c.mlp), Mlp(c.mlp)});
    // Through config.json, as predict loads it.
    const std::string dir = test::temp_path("class_prior_model");
    model.save(dir);
    PropertyModel back = PropertyModel::load(dir);
    REQUIRE(back.config().class_prior);
    CHECK(back.config().class_prior->weights == prior.weights);
    back.set_probabilities(Probabilities::prior, dir);
    const std::int64_t n = 6;
    const std::vector<float> x = rows(n);
    std::vector<double> mean(n * 2), sd(n * 2), mean1(2), sd1(2);
    back.predict(x.data(), n, mean.data(), sd.data());  // the tensor path (> 4 rows)
    const at::Tensor xt = at::from_blob(const_cast<float*>(x.data()), {n, 6}, at::kFloat);
    for (std::int64_t r = 0; r < n; ++r) {
        back.predict(x.data() + r * 6, 1, mean1.data(), sd1.data());  // the loop path
        for (std::int64_t j = 0; j < 2; ++j) {
            // By hand: each member's sigmoid, then p / (p + w (1 - p)), then
            // the mean and population spread of the two corrected members.
            double q[2];
            for (int k = 0; k < 2; ++k) {
                const double z =
                    back.members()[k]->infer(xt.slice(0, r, r + 1))[0][j].item<double>();
                const double p = 1 / (1 + std::exp(-z));
                q[k] = p / (p + prior.weights[j] * (1 - p));
            }
            INFO("row " << r << " target " << j);
            CHECK(mean[r * 2 + j] == Approx((q[0] + q[1]) / 2).epsilon(1e-6));
            CHECK(mean1[j] == Approx((q[0] + q[1]) / 2).epsilon(1e-6));
            CHECK(sd[r * 2 + j] == Approx(std::fabs(q[0] - q[1]) / 2).margin(1e-7));
            CHECK(sd1[j] == Approx(std::fabs(q[0] - q[1]) / 2).margin(1e-7));
        }
    }
    SECTION("as-trained again gives the uncorrected outputs") {
        back.set_probabilities(Probabilities::as_trained, dir);
        std::vector<double> raw(n * 2);
        back.predict(x.data(), n, raw.data(), nullptr);
        std::vector<double> plain(n * 2);
        model.predict(x.data(), n, plain.data(), nullptr);
        for (std::size_t i = 0; i < raw.size(); ++i)
            CHECK(raw[i] == plain[i]);
    }
}

TEST_CASE("class_prior: unweighted members are left as they are", "[models][class_prior]") {
    at::manual_seed(12);
    PropertyModelConfig c = binary_config();
    ClassPrior prior;  // --class-weights none: rates stored, no part weighted
    prior.labelled_rows = {100, 80};
    prior.frequencies = {0.05, 0.2};
    c.class_prior = prior;
    PropertyModel model(c, {Mlp(c.mlp)});
    const std::vector<float> x = rows(5);
    std::vector<double> a(10), b(10);
    model.predict(x.data(), 5, a.data(), nullptr);
    model.set_probabilities(Probabilities::prior, "m");
    model.predict(x.data(), 5, b.data(), nullptr);
    for (std::size_t i = 0; i < a.size(); ++i)
        CHECK(a[i] == b[i]);
}

TEST_CASE("class_prior: a multi-class member is corrected by its class weights",
          "[models][class_prior]") {
    at::manual_seed(13);
    PropertyModelConfig c;
    c.task = "multiclass";
    c.targets = {"location"};
    c.classes = {"A", "B", "C"};
    c.featurizer = {{"name", "test"}};
    c.mlp.input_dim = 6;
    c.mlp.hidden = {7};
    c.mlp.output_dim = 3;
    ClassPrior prior;
    prior.weighted_parts = {"mlp"};
    prior.labelled_rows = {50};
    prior.frequencies = {0.6, 0.3, 0.1};
    prior.weights = {1 / 1.8, 1 / 0.9, 1 / 0.3};
    c.class_prior = prior;
    PropertyModel model(c, {Mlp(c.mlp)});
    model.set_probabilities(Probabilities::prior, "m");
    const std::vector<float> x = rows(2);
    std::vector<double> m(6);
    model.predict(x.data(), 2, m.data(), nullptr);
    const at::Tensor xt = at::from_blob(const_cast<float*>(x.data()), {2, 6}, at::kFloat);
    const at::Tensor z = model.members()[0]->infer(xt).to(at::kDouble);
    for (int r = 0; r < 2; ++r) {
        // By hand: softmax, then p_k / w_k renormalized (= p_k pi_k here).
        double p[3], sum = 0, total = 0;
        for (int k = 0; k < 3; ++k)
            sum += std::exp(z[r][k].item<double>());
        for (int k = 0; k < 3; ++k) {
            p[k] = std::exp(z[r][k].item<double>()) / sum * prior.frequencies[k];
            total += p[k];
        }
        for (int k = 0; k < 3; ++k)
            CHECK(m[r * 3 + k] == Approx(p[k] / total).epsilon(1e-6));
    }
}

TEST_CASE("class_prior: models that cannot give prior probabilities refuse them",
          "[models][class_prior]") {
    at::manual_seed(14);
    SECTION("a classifier without class_prior (trained before it was written)") {
        PropertyModelConfig c = binary_config();
        PropertyModel model(c, {Mlp(c.mlp)});
        const std::string dir = test::temp_path("class_prior_old_model");
        model.save(dir);
        const auto j = nlohmann::json::parse(test::read_file(dir + "/config.json"));
        CHECK_FALSE(j.contains("class_prior"));
        PropertyModel back = PropertyModel::load(dir);  // still loads
        back.set_probabilities(Probabilities::as_trained, dir);
        CHECK_THROWS_AS(back.set_probabilities(Probabilities::prior, dir), UsageError);
        CHECK_THROWS_WITH(back.set_probabilities(Probabilities::prior, dir),
                          Catch::Contains(dir + "/config.json has no \"class_prior\"") &&
                              Catch::Contains("train it again"));
    }
    SECTION("a regression model") {
        PropertyModelConfig c = binary_config();
        c.task = "regression";
        PropertyModel model(c, {Mlp(c.mlp)});
        CHECK_THROWS_WITH(model.set_probabilities(Probabilities::prior, "esol_model"),
                          Catch::Contains("esol_model is a regression model"));
    }
}
