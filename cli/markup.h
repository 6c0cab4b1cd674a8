#pragma once
// Text made safe for XML and HTML: the JUnit report and the results matrix page write every
// piece of text they did not write themselves through this one function.
#include <string>

namespace fdlab {

// `text` as XML 1.0 character data or a quoted attribute value (HTML reads it the same way):
// & < > " ' escaped; characters XML 1.0 forbids (control characters other than tab, newline
// and carriage return) and bytes that are not UTF-8 become U+FFFD, so any scenario's text (a
// non-UTF-8 file name, a byte quoted in an error) yields a well-formed document.
std::string escape_markup(const std::string& text);

}  // namespace fdlab
