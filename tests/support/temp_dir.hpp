#pragma once
// A fresh directory under the system temp dir, removed with everything in it
// when the object goes away. Tests use it for data dirs and server logs.

#include <filesystem>
#include <string_view>

namespace shardis::test {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "shardis-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace shardis::test
