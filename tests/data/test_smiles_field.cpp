// data/smiles_field: the reasons a table's SMILES (or sequence) field is
// rejected before RDKit sees it. Expected texts written by hand.
#include <string>

#include "tests/catch.hpp"

#include "data/smiles_field.hpp"

using plmkit::data::field_whitespace_reason;
using plmkit::data::smiles_non_ascii_reason;

TEST_CASE("smiles field: whitespace", "[data][smiles_field]") {
    SECTION("no whitespace, or a CXSMILES block after it, is fine") {
        CHECK(field_whitespace_reason("CCO", "SMILES").empty());
        CHECK(field_whitespace_reason("C[C@H](O)F |o1:1|", "SMILES").empty());
        CHECK(field_whitespace_reason("C[C@H](O)F  |o1:1|  ", "SMILES").empty());
    }
    SECTION("other text after a space, a tab, a lone '|' or a block over two lines") {
        CHECK(field_whitespace_reason("CCO ethanol", "SMILES") ==
              "whitespace inside the SMILES field: 'CCO ethanol' (one SMILES per field; only a "
              "CXSMILES '|...|' block may follow a space)");
        CHECK(field_whitespace_reason("C\tC", "SMILES") ==
              "whitespace inside the SMILES field: 'C\\tC' (one SMILES per field; only a "
              "CXSMILES '|...|' block may follow a space)");
        CHECK_FALSE(field_whitespace_reason("CC |", "SMILES").empty());
        CHECK_FALSE(field_whitespace_reason("CC |a\nb|", "SMILES").empty());
        CHECK_FALSE(field_whitespace_reason("CC   ", "SMILES").empty());
    }
    SECTION("another label, and a long field cut at 60 characters") {
        CHECK(field_whitespace_reason("MKT AY", "sequence") ==
              "whitespace inside the sequence field: 'MKT AY' (one sequence per field)");
        const std::string long_field = std::string(59, 'C') + " " + std::string(10, 'O');
        CHECK(field_whitespace_reason(long_field, "sequence") ==
              "whitespace inside the sequence field: '" + std::string(59, 'C') +
                  " ...' (one sequence per field)");
    }
}

TEST_CASE("smiles field: bytes outside printable ASCII", "[data][smiles_field]") {
    CHECK(smiles_non_ascii_reason("CC(=O)O").empty());
    CHECK(smiles_non_ascii_reason("C\tC").empty());  // whitespace_reason's case
    CHECK(smiles_non_ascii_reason("C\xff"
                                  "C") ==
          "byte 0xFF at position 2 of the SMILES field 'C\\xFFC' is not printable ASCII (SMILES "
          "are ASCII; RDKit would silently read only 'C' before it: a non-breaking or zero-width "
          "space, or a character pasted from a document?)");
    CHECK(smiles_non_ascii_reason("CC\x01") ==
          "byte 0x01 at position 3 of the SMILES field 'CC\\x01' is not printable ASCII (a "
          "control character; SMILES are printable ASCII)");
}
