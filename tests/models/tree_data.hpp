#pragma once
// Hand-made data sets for the tree-model tests (forest, boosted trees).
#include <vector>

namespace plmkit::test {

/// 100 rows, feature 0 = i / 10 (0 .. 9.9), feature 1 = noise in [0, 1):
/// y = 1 below 5, 3 from 5 on.
struct StepData {
    std::vector<float> x, y, mask;
    StepData() {
        for (int i = 0; i < 100; ++i) {
            x.push_back(static_cast<float>(i) / 10.f);
            x.push_back(static_cast<float>((i * 37) % 100) / 100.f);
            y.push_back(i < 50 ? 1.f : 3.f);
            mask.push_back(1.f);
        }
    }
};

/// XOR of two bits (features 0, 1) with three non-constant noise features;
/// every corner pattern appears 20 times.
struct XorData {
    std::vector<float> x, y, mask;
    XorData() {
        for (int i = 0; i < 80; ++i) {
            const int a = i % 2, b = (i / 2) % 2;
            x.push_back(static_cast<float>(a));
            x.push_back(static_cast<float>(b));
            for (int k = 0; k < 3; ++k)
                x.push_back(static_cast<float>((i * (k + 3) * 7) % 11) / 11.f);
            y.push_back(static_cast<float>(a ^ b));
            mask.push_back(1.f);
        }
    }
};

}  // namespace plmkit::test
