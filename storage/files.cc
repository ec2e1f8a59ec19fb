#include "storage/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace omnistock::storage {
namespace {

// Opens `path` with `flags` (created 0644), runs `use(fd)`, closes it: the first failure,
// naming `path`.
template <typename Use>
absl::Status WithFile(const std::string& path, int flags, Use use) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return FileError("cannot open", path);
  absl::Status status = use(fd);
  if (::close(fd) != 0 && status.ok()) status = FileError("cannot close", path);
  return status;
}

}  // namespace

absl::Status FileError(absl::string_view what, const std::string& path, int error) {
  return absl::UnavailableError(absl::StrCat(what, " '", path, "': ", std::strerror(error)));
}

absl::Status ReplaceFile(const std::string& path, absl::string_view content,
                         Durability durability) {
  const std::string temporary = path + ".tmp";
  absl::Status written = WithFile(temporary, O_WRONLY | O_CREAT | O_TRUNC, [&](int fd) {
    const ssize_t wrote = ::write(fd, content.data(), content.size());
    if (wrote < 0) return FileError("cannot write", temporary);
    if (wrote != static_cast<ssize_t>(content.size())) {
      return absl::UnavailableError(absl::StrCat("cannot write '", temporary, "': ", wrote, " of ",
                                                 content.size(), " bytes written"));
    }
    if (durability == Durability::kSynced && ::fdatasync(fd) != 0) {
      return FileError("cannot sync", temporary);
    }
    return absl::OkStatus();
  });
  if (!written.ok()) {
    ::unlink(temporary.c_str());  // what may have been written of it
    return written;
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    absl::Status renamed = FileError("cannot rename", temporary);
    ::unlink(temporary.c_str());
    return renamed;
  }
  if (durability == Durability::kUnsynced) return absl::OkStatus();
  // The rename itself is durable once the directory is.
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  return WithFile(dir, O_RDONLY | O_DIRECTORY, [&](int fd) {
    return ::fsync(fd) == 0 ? absl::OkStatus() : FileError("cannot sync", dir);
  });
}

}  // namespace omnistock::storage
