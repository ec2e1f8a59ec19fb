#include "storage/info_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace omnistock::storage {
namespace {

// Whether another process holds a lock on `path` (RocksDB's LOCK: a server is using the
// directory), as /proc/locks says ("1: POSIX  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF", a
// waiter's line with "->" after the number). Asking fcntl instead would take a descriptor of
// the file, and closing it releases every lock this process holds on the file.
bool LockedByAnotherProcess(const std::string& path) {
  struct stat file;
  if (::stat(path.c_str(), &file) != 0) return false;
  const std::string device_and_inode = absl::StrFormat(
      "%02x:%02x:%d", major(file.st_dev), minor(file.st_dev), static_cast<uint64_t>(file.st_ino));
  const std::string self = absl::StrCat(::getpid());
  std::ifstream locks("/proc/locks");
  for (std::string line; std::getline(locks, line);) {
    const std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    for (size_t i = 1; i < fields.size(); ++i) {
      if (fields[i] == device_and_inode && fields[i - 1] != self) return true;
    }
  }
  return false;
}

}  // namespace

std::shared_ptr<rocksdb::Logger> InfoLog::Open(const std::string& dir, int keep_old) {
  namespace fs = std::filesystem;
  const fs::path log = fs::path(dir) / "LOG";
  // A server already serves from `dir`: this open will fail on RocksDB's lock, and must not
  // move or delete that server's log on the way. Its lines are dropped.
  if (LockedByAnotherProcess((fs::path(dir) / "LOCK").string())) {
    return std::shared_ptr<rocksdb::Logger>(new InfoLog(-1));
  }
  std::error_code ec;
  if (fs::exists(log, ec)) {
    fs::rename(log, absl::StrCat(log.string(), ".old.", absl::ToUnixMicros(absl::Now())), ec);
  }
  std::vector<fs::path> old;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (absl::StartsWith(entry.path().filename().string(), "LOG.old.")) old.push_back(entry);
  }
  // Their names end in the time they were moved aside: sorted by name, the oldest come first
  // (as long as the times have the same number of digits, until the year 2286).
  std::sort(old.begin(), old.end());
  for (size_t i = 0; i + keep_old < old.size(); ++i) fs::remove(old[i], ec);
  return OpenFile(log.string());
}

std::shared_ptr<rocksdb::Logger> InfoLog::OpenFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  return std::shared_ptr<rocksdb::Logger>(new InfoLog(fd));
}

InfoLog::~InfoLog() {
  if (fd_ >= 0) ::close(fd_);
}

void InfoLog::Logv(const char* format, va_list ap) {
  if (fd_ < 0) return;
  // As RocksDB's own: 2026/12/01-09:30:00.123456 message
  std::string line = absl::FormatTime("%Y/%m/%d-%H:%M:%E6S ", absl::Now(), absl::LocalTimeZone());
  char buffer[1024];
  va_list copy;
  va_copy(copy, ap);
  const int n = std::vsnprintf(buffer, sizeof(buffer), format, copy);
  va_end(copy);
  if (n < 0) return;
  if (static_cast<size_t>(n) < sizeof(buffer)) {
    line.append(buffer, static_cast<size_t>(n));
  } else {
    std::string long_line(static_cast<size_t>(n) + 1, '\0');
    std::vsnprintf(long_line.data(), long_line.size(), format, ap);
    long_line.resize(static_cast<size_t>(n));
    line += long_line;
  }
  if (line.back() != '\n') line.push_back('\n');
  // One write per line (O_APPEND): lines from RocksDB's threads never interleave. A failure
  // (a full disk) loses the line, and nothing else.
  [[maybe_unused]] const ssize_t written = ::write(fd_, line.data(), line.size());
}

}  // namespace omnistock::storage
