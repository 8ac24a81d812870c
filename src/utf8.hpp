#pragma once
// UTF-8 validity of text read from files: ids go into HDF5 strings tagged
// UTF-8 and into JSON, which both need valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace plmkit {

/// Byte offset of the first byte that is not part of a valid UTF-8 sequence
/// (stray continuation bytes, truncated or overlong sequences, surrogates,
/// code points above U+10FFFF), or std::string_view::npos when `s` is valid.
std::size_t invalid_utf8_at(std::string_view s);

/// `s` with each byte that is not valid UTF-8 written as `\xHH` (upper-case
/// hex), so that it can be shown and stored: "caf\xE9".
std::string escape_invalid_utf8(std::string_view s);

/// `s` as one line of valid UTF-8, as plmkit writes free text (ids, inputs,
/// reasons, kept columns) into its TSV rejects files: each tab, CR and LF a
/// space, then each byte that is not valid UTF-8 `\xHH`.
std::string one_line_utf8(std::string_view s);

/// "id is not valid UTF-8: byte 0xE9 at byte 4 of 'caf\xE9' on line 12 (save
/// the file as UTF-8, ...)", or "" when `s` is valid; `what` names the text,
/// `line` (0: not named) where it is.
std::string invalid_utf8_reason(std::string_view s, const std::string& what,
                                std::uint64_t line = 0);

}  // namespace plmkit
