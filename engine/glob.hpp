#pragma once
// Glob-style matching with Redis's exact semantics (KEYS, SCAN MATCH,
// PSUBSCRIBE, CONFIG GET, ...): '*', '?', '[abc]', '[^abc]', '[a-z]' and '\'
// escapes, including Redis's quirks, so a pattern selects the same names here
// as on Redis:
//   - an empty string matches no pattern except the empty one ("*" does not
//     match "": callers that treat "*" as "everything" test for it first,
//     as KEYS and SCAN do);
//   - a range may be written backwards ("[z-a]" == "[a-z]") and compares
//     bytes as signed chars;
//   - an unterminated class ("[abc") is closed by the end of the pattern;
//   - inside a class '\' escapes the next byte, compared case-sensitively
//     even when nocase is set;
//   - a trailing lone '\' matches a literal backslash.
// Work is bounded: '*' recursion stops at a depth of 1000 (no match past
// it), and once the rest of a pattern has failed at every position after a
// '*', enclosing '*'s give up instead of retrying, so patterns such as
// "a*a*a*a*...b" run in polynomial time.

#include <string_view>

namespace shardis {

bool glob_match(std::string_view pattern, std::string_view str, bool nocase = false);

}  // namespace shardis
