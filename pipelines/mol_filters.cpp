#include "pipelines/mol_filters.hpp"

#include <GraphMol/FilterCatalog/FilterCatalog.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/Substruct/SubstructMatch.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>

#include "pipelines/catalog_matcher.hpp"
#include "pipelines/rdkit_log_capture.hpp"
#include "src/error.hpp"

namespace plmkit::pipelines {

namespace {
using Params = RDKit::FilterCatalogParams;

const std::map<std::string, Params::FilterCatalogs>& catalog_table() {
    static const std::map<std::string, Params::FilterCatalogs> t = {
        {"PAINS_A", Params::PAINS_A}, {"PAINS_B", Params::PAINS_B}, {"PAINS_C", Params::PAINS_C},
        {"PAINS", Params::PAINS},     {"BRENK", Params::BRENK},     {"NIH", Params::NIH},
        {"ZINC", Params::ZINC}};
    return t;
}

std::string upper(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}
std::string lower(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string num(double v) {
    char buf[32];
    if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e12) {
        std::snprintf(buf, sizeof buf, "%.0f", v);
    } else {
        std::snprintf(buf, sizeof buf, "%.2f", v);
    }
    return buf;
}

struct Catalog {
    std::string rule;  ///< lower-case catalog name, e.g. "pains_a"
    std::unique_ptr<RDKit::FilterCatalog> catalog;
    std::unique_ptr<CatalogMatcher> matcher;  ///< RDKit's results with a pre-screen
};

struct Pattern {
    std::string name;
    std::unique_ptr<RDKit::ROMol> query;
};

struct Range {
    RangeRule rule;
    int index = -1;  ///< into the property vector; -1 = formal_charge
};

}  // namespace

struct MolFilters::Impl {
    FilterOptions options;
    std::vector<std::string> names;
    std::vector<Range> ranges;
    int mw = -1, clogp = -1, hbd = -1, hba = -1, rotb = -1, tpsa = -1;
    std::vector<Catalog> catalogs, flag_catalogs;
    std::vector<Pattern> include, exclude, flag;

    void check_properties(const RDKit::ROMol& mol, const std::vector<double>& props,
                          FilterVerdict& v) const;

    int index_of(const std::string& name, const std::string& needed_by) const {
        auto it = std::find(names.begin(), names.end(), name);
        if (it != names.end()) return static_cast<int>(it - names.begin());
        if (needed_by.empty()) return -1;
        std::string list;
        for (const auto& n : names)
            list += (list.empty() ? "" : ", ") + n;
        if (std::find(names.begin(), names.end(), "formal_charge") == names.end())
            list += ", formal_charge";  // computed apart from the descriptors
        throw UsageError(needed_by + ": unknown property '" + name + "' (expected one of: " + list +
                         ")");
    }
};

std::vector<std::string> filter_catalog_names() {
    std::vector<std::string> out;
    for (const auto& [k, v] : catalog_table())
        out.push_back(k);
    return out;
}

namespace {
Catalog make_catalog(const std::string& name) {
    auto it = catalog_table().find(upper(name));
    if (it == catalog_table().end()) {
        std::string list;
        for (const auto& n : filter_catalog_names())
            list += (list.empty() ? "" : ", ") + n;
        throw UsageError("filters: unknown FilterCatalog '" + name + "' (expected one of: " + list +
                         ")");
    }
    Catalog c{lower(it->first), std::make_unique<RDKit::FilterCatalog>(it->second), nullptr};
    c.matcher = std::make_unique<CatalogMatcher>(*c.catalog);
    return c;
}

std::vector<Pattern> make_patterns(const std::vector<SmartsRule>& rules, const char* key) {
    std::vector<Pattern> out;
    for (const auto& r : rules) {
        std::unique_ptr<RDKit::ROMol> q;
        try {
            q.reset(RDKit::SmartsToMol(r.smarts));
        } catch (const std::exception&) {
        }
        std::string log = take_rdkit_message();
        if (!q)
            throw UsageError(std::string("filters.") + key + ": invalid SMARTS '" + r.smarts +
                             "' for '" + r.name + "'" + (log.empty() ? "" : ": " + log));
        out.push_back({r.name, std::move(q)});
    }
    return out;
}

bool matches(const RDKit::ROMol& mol, const RDKit::ROMol& query) {
    RDKit::MatchVectType match;
    return RDKit::SubstructMatch(mol, query, match);
}

double formal_charge(const RDKit::ROMol& mol) {
    int q = 0;
    for (const auto* a : mol.atoms())
        q += a->getFormalCharge();
    return q;
}
}  // namespace

MolFilters::MolFilters(const FilterOptions& options, std::vector<std::string> property_names)
    : impl_(std::make_unique<Impl>()) {
    capture_rdkit_logs();
    auto& m = *impl_;
    m.options = options;
    m.names = std::move(property_names);
    for (const auto& r : options.ranges) {
        int idx = r.property == "formal_charge"
                      ? -1
                      : m.index_of(r.property, "filters.ranges." + r.property);
        m.ranges.push_back({r, idx});
    }
    if (options.lipinski) {
        m.mw = m.index_of("mw", "filters.lipinski");
        m.clogp = m.index_of("clogp", "filters.lipinski");
        m.hbd = m.index_of("hbd", "filters.lipinski");
        m.hba = m.index_of("hba", "filters.lipinski");
    }
    if (options.veber) {
        m.rotb = m.index_of("rotb", "filters.veber");
        m.tpsa = m.index_of("tpsa", "filters.veber");
    }
    for (const auto& c : options.catalogs)
        m.catalogs.push_back(make_catalog(c));
    for (const auto& c : options.flag_catalogs)
        m.flag_catalogs.push_back(make_catalog(c));
    m.include = make_patterns(options.include_smarts, "include_smarts");
    m.exclude = make_patterns(options.exclude_smarts, "exclude_smarts");
    m.flag = make_patterns(options.flag_smarts, "flag_smarts");
}

MolFilters::~MolFilters() = default;

bool MolFilters::empty() const {
    const auto& m = *impl_;
    return m.ranges.empty() && !m.options.lipinski && !m.options.veber && m.catalogs.empty() &&
           m.flag_catalogs.empty() && m.include.empty() && m.exclude.empty() && m.flag.empty();
}

bool MolFilters::uses_pattern_fp() const {
    return !impl_->catalogs.empty() || !impl_->flag_catalogs.empty();
}

std::vector<std::string> MolFilters::rule_names() const {
    const auto& m = *impl_;
    std::vector<std::string> out;
    if (!m.ranges.empty()) out.push_back("range");
    if (m.options.lipinski) out.push_back("lipinski");
    if (m.options.veber) out.push_back("veber");
    if (!m.include.empty()) out.push_back("include_smarts");
    if (!m.exclude.empty()) out.push_back("exclude_smarts");
    for (const auto& c : m.catalogs)
        out.push_back(c.rule);
    return out;
}

FilterVerdict MolFilters::check(const RDKit::ROMol& mol, const std::vector<double>& props) const {
    return check(mol, props, AtomLabelCounts(mol));
}

FilterVerdict MolFilters::check(const RDKit::ROMol& mol, const std::vector<double>& props,
                                const AtomLabelCounts& labels) const {
    const auto& m = *impl_;
    FilterVerdict v;
    m.check_properties(mol, props, v);
    if (!v.passed()) return v;
    auto reject = [&](const std::string& rule, const std::string& detail) {
        v.rule = rule;
        v.reason = rule + ": " + detail;
    };
    if (!m.include.empty()) {
        bool any = false;
        for (const auto& p : m.include)
            if ((any = matches(mol, *p.query))) break;
        if (!any) {
            std::string list;
            for (const auto& p : m.include)
                list += (list.empty() ? "" : ", ") + p.name;
            reject("include_smarts", "matches none of " + list);
            return v;
        }
    }
    for (const auto& p : m.exclude) {
        if (matches(mol, *p.query)) {
            reject("exclude_smarts", p.name);
            return v;
        }
    }
    for (const auto& c : m.catalogs) {
        if (const auto* hit = c.matcher->first_match(mol, labels)) {
            reject(c.rule, hit->getDescription());
            return v;
        }
    }
    for (const auto& c : m.flag_catalogs)
        for (const auto* hit : c.matcher->matches(mol, labels))
            v.flags.push_back(c.rule + ":" + hit->getDescription());
    for (const auto& p : m.flag)
        if (matches(mol, *p.query)) v.flags.push_back("smarts:" + p.name);
    return v;
}

void MolFilters::Impl::check_properties(const RDKit::ROMol& mol, const std::vector<double>& props,
                                        FilterVerdict& v) const {
    const auto& m = *this;
    for (const auto& r : m.ranges) {
        double x = r.index < 0 ? formal_charge(mol) : props.at(static_cast<std::size_t>(r.index));
        const auto& p = r.rule.property;
        if (r.rule.min && x < *r.rule.min) {
            v.rule = "range";
            v.reason = "range: " + p + " " + num(x) + " < " + num(*r.rule.min);
            return;
        }
        if (r.rule.max && x > *r.rule.max) {
            v.rule = "range";
            v.reason = "range: " + p + " " + num(x) + " > " + num(*r.rule.max);
            return;
        }
    }
    auto at = [&](int i) { return props.at(static_cast<std::size_t>(i)); };
    if (m.options.lipinski) {
        std::vector<std::string> broken;
        auto rule = [&](const char* name, int i, double limit) {
            if (at(i) > limit)
                broken.push_back(std::string(name) + " " + num(at(i)) + " > " + num(limit));
        };
        rule("mw", m.mw, 500);
        rule("clogp", m.clogp, 5);
        rule("hbd", m.hbd, 5);
        rule("hba", m.hba, 10);
        std::string detail;
        for (const auto& b : broken)
            detail += (detail.empty() ? "" : "; ") + b;
        if (static_cast<int>(broken.size()) > m.options.lipinski_max_violations) {
            v.rule = "lipinski";
            v.reason = "lipinski: " + std::to_string(broken.size()) + " violations (" + detail +
                       "), at most " + std::to_string(m.options.lipinski_max_violations) +
                       " allowed";
            return;
        }
        for (const auto& b : broken)
            v.flags.push_back("lipinski:" + b.substr(0, b.find(' ')));
    }
    if (m.options.veber) {
        if (at(m.rotb) > 10) {
            v.rule = "veber";
            v.reason = "veber: rotb " + num(at(m.rotb)) + " > 10";
        } else if (at(m.tpsa) > 140) {
            v.rule = "veber";
            v.reason = "veber: tpsa " + num(at(m.tpsa)) + " > 140";
        }
    }
}

}  // namespace plmkit::pipelines
