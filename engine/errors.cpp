#include "engine/errors.hpp"

namespace shardis::err {

std::string wrong_arity(std::string_view command) {
  std::string s = "ERR wrong number of arguments for '";
  s.append(command);
  s.append("' command");
  return s;
}

std::string unknown_command(std::string_view name, const std::string* args, size_t nargs) {
  // Redis cuts the name and each argument at 128 bytes and lists the
  // arguments while the text stays under 128 bytes.
  std::string s = "ERR unknown command '";
  s.append(name.substr(0, 128));
  s.append("', with args beginning with: ");
  std::string listed;
  for (size_t i = 0; i < nargs && listed.size() < 128; ++i) {
    size_t room = 128 - listed.size();
    listed.append("'");
    listed.append(std::string_view(args[i]).substr(0, room));
    listed.append("' ");
  }
  s.append(listed);
  return s;
}

std::string unknown_subcommand(std::string_view sub, std::string_view container) {
  std::string s = "ERR unknown subcommand '";
  s.append(sub.substr(0, 128));
  s.append("'. Try ");
  for (char c : container) s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  s.append(" HELP.");
  return s;
}

std::string invalid_expire(std::string_view command) {
  std::string s = "ERR invalid expire time in '";
  s.append(command);
  s.append("' command");
  return s;
}

}  // namespace shardis::err
