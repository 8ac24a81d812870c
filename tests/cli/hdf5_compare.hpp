#pragma once
// Catch2 checks that two HDF5 files hold the same datasets bit for bit (float
// bit patterns compared with memcmp, so -0 vs 0 or a NaN payload counts) and
// the same root attributes but the listed ones, and the same datasets as hard
// links of others (Hdf5DatasetInfo::link_of). For the merge tests.
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "src/hdf5_reader.hpp"

namespace plmkit::test {

inline void require_same_datasets(const Hdf5Reader& a, const Hdf5Reader& b) {
    auto sa = a.datasets(), sb = b.datasets();
    std::vector<std::string> na, nb;
    for (const auto& d : sa)
        na.push_back(d.name);
    for (const auto& d : sb)
        nb.push_back(d.name);
    REQUIRE(na == nb);
    for (std::size_t i = 0; i < sa.size(); ++i) {
        const auto& d = sa[i];
        INFO("dataset /" << d.name << " of " << b.path() << " vs " << a.path());
        REQUIRE(d.type == sb[i].type);
        REQUIRE(d.rows == sb[i].rows);
        REQUIRE(d.cols == sb[i].cols);
        REQUIRE(d.link_of == sb[i].link_of);  // a hard link in one is a link in the other
        if (d.type == Hdf5ElementType::f32) {
            auto va = a.read_f32(d.name, 0, d.rows), vb = b.read_f32(d.name, 0, d.rows);
            REQUIRE(va.size() == vb.size());
            CHECK(std::memcmp(va.data(), vb.data(), va.size() * sizeof(float)) == 0);
        } else if (d.type == Hdf5ElementType::i64) {
            CHECK(a.read_i64(d.name, 0, d.rows) == b.read_i64(d.name, 0, d.rows));
        } else {
            CHECK(a.read_strings(d.name, 0, d.rows) == b.read_strings(d.name, 0, d.rows));
        }
    }
}

inline void require_same_attributes(const Hdf5Reader& a, const Hdf5Reader& b,
                                    const std::set<std::string>& except) {
    auto text = [&](const Hdf5Reader& r) {
        std::map<std::string, std::string> m;
        for (const auto& at : r.attributes())
            if (!except.count(at.name))
                m[at.name] = at.is_string ? "s:" + at.text : "n:" + std::to_string(at.number);
        return m;
    };
    auto ma = text(a), mb = text(b);
    CHECK(ma.size() > 3);
    CHECK(ma == mb);
}

}  // namespace plmkit::test
