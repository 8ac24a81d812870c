#pragma once
// Hints for a name that is not there (a --target-col missing from a table's
// header, ...): the names that are, capped so that a wide table does not
// flood the terminal, and the closest of them when one is close enough to be
// a typo.
#include <cstddef>
#include <string>
#include <vector>

namespace plmkit {

/// "'a', 'b', 'c'"; past `cap` names, the first `cap` then "... and N more";
/// "none" for an empty list.
std::string name_list(const std::vector<std::string>& names, std::size_t cap = 20);

/// The name in `names` that `name` most likely meant: the first that equals
/// it ignoring case, else the first at the smallest edit distance
/// (Levenshtein, ignoring case) when that is at most 1 for names of up to 4
/// characters, 2 up to 8, else 3; "" when none is that close.
std::string closest_name(const std::string& name, const std::vector<std::string>& names);

/// "; did you mean 'X'?" with X = closest_name(name, names), or "".
std::string did_you_mean(const std::string& name, const std::vector<std::string>& names);

/// For a name that `option` (given once per column, e.g. --target-col) got
/// as a list, "a,b" or "a b" when every item is one of `names`: "; 'a,b'
/// names 2 columns: give each after its own --target-col (--target-col a
/// --target-col b)"; else did_you_mean(name, names).
std::string column_list_hint(const std::string& name, const std::vector<std::string>& names,
                             const std::string& option);

/// When a table's header came out as one column holding another separator
/// (a ';'-separated export read as CSV with `sep` ','), what to do about it,
/// as ". The header is one column that holds ';': ..."; "" otherwise.
std::string separator_hint(const std::vector<std::string>& columns, char sep);

}  // namespace plmkit
