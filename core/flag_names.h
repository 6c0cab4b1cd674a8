#pragma once
// Names of the modelled flags, as scenarios and traces spell them ("MSG_CTRUNC", "O_NONBLOCK").
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fdlab {

// msg:: bits <-> "MSG_*" names. Names come out in a fixed order so traces are comparable.
std::vector<std::string> msg_flag_names(std::uint32_t bits);
bool msg_flag_from_name(std::string_view name, std::uint32_t& bit);

// fl:: bits <-> "O_*" names (access mode included: O_RDONLY, O_WRONLY, O_RDWR).
std::vector<std::string> status_flag_names(long bits);
bool status_flag_from_name(std::string_view name, long& bit);

// Every name each table knows, in its fixed order (for the schema and the docs).
std::vector<std::string> all_msg_flag_names();
std::vector<std::string> all_status_flag_names();

// pollev:: bits <-> "POLL*" names, in the host's bit order. Requests take the names a caller
// may ask for (POLLERR, POLLHUP and POLLNVAL are only ever answers).
std::vector<std::string> poll_event_names(std::uint32_t bits);
bool poll_event_from_name(std::string_view name, std::uint32_t& bit);
std::vector<std::string> all_poll_request_names();

// F_GETFD's result: ["FD_CLOEXEC"] or [].
std::vector<std::string> fd_flag_names(long bits);

}  // namespace fdlab
