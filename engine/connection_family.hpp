#pragma once
// Shared by the connection commands and the server's client registry.

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/session.hpp"

namespace shardis {

// The version shardis reports to clients (HELLO, INFO): the Redis release
// whose behaviour it follows.
std::string_view redis_version();

// One CLIENT LIST / CLIENT INFO line for a session, without the newline.
std::string client_info_line(const Session& s, int64_t now_ms);

}  // namespace shardis
