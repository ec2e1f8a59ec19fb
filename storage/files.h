// Small files written whole: the journal's durable floor beside the database, the ready file an
// orchestrator waits for.
#ifndef OMNISTOCK_STORAGE_FILES_H_
#define OMNISTOCK_STORAGE_FILES_H_

#include <cerrno>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace omnistock::storage {

// UNAVAILABLE, "WHAT 'PATH': " and the error's text.
absl::Status FileError(absl::string_view what, const std::string& path, int error = errno);

enum class Durability { kUnsynced, kSynced };

// Replaces the file at `path` with `content` through a temporary beside it ("PATH.tmp") and a
// rename, so that a reader finds the old content or the new, never a part. kSynced: the content
// and the rename are on disk when it returns, so that a crash too leaves the old file or the new.
// The file is made 0644; a failure removes the temporary (a crash may leave it).
absl::Status ReplaceFile(const std::string& path, absl::string_view content, Durability durability);

}  // namespace omnistock::storage

#endif  // OMNISTOCK_STORAGE_FILES_H_
