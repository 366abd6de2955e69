// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with its
// contents when the object is destroyed. For tests that need real files
// (kubeconfigs, token files, exec plugin scripts).

#ifndef CVM_TESTS_TESTING_TEMP_DIR_H_
#define CVM_TESTS_TESTING_TEMP_DIR_H_

#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace cvm::testing {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base ? base : "/tmp") + "/cvm-XXXXXX";
    char* made = ::mkdtemp(pattern.data());
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `content` to path()/`name` (creating parent directories) and
  // returns the full path. `mode` is applied with chmod.
  std::string Write(const std::string& name, const std::string& content,
                    mode_t mode = 0644) const {
    std::string full = path_ + "/" + name;
    std::error_code ec;
    std::filesystem::create_directories(
        std::filesystem::path(full).parent_path(), ec);
    // Write to a new file and rename it into place, so a rewrite changes the
    // inode (as kubelet's atomic token rotation does).
    std::string tmp = full + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << content;
    }
    ::chmod(tmp.c_str(), mode);
    std::filesystem::rename(tmp, full, ec);
    return full;
  }

 private:
  std::string path_;
};

}  // namespace cvm::testing

#endif  // CVM_TESTS_TESTING_TEMP_DIR_H_
