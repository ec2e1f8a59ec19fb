// Small files written whole: the journal's durable floor beside the database, the ready file an
// orchestrator waits for.
#ifndef OMNISTOCK_STORAGE_FILES_H_
#define OMNISTOCK_STORAGE_FILES_H_

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace omnistock::storage {

// UNAVAILABLE, "WHAT 'PATH': " and the error's text.
absl::Status FileError(absl::string_view what, const std::string& path, int error = errno);

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

enum class Durability { kUnsynced, kSynced };

// Replaces the file at `path` with `content` through a temporary beside it ("PATH.tmp") and a
// rename, so that a reader finds the old content or the new, never a part. kSynced: the content
// and the rename are on disk when it returns, so that a crash too leaves the old file or the new.
// The file is made 0644; a failure removes the temporary (a crash may leave it).
absl::Status ReplaceFile(const std::string& path, absl::string_view content, Durability durability);

}  // namespace omnistock::storage

#endif  // OMNISTOCK_STORAGE_FILES_H_
