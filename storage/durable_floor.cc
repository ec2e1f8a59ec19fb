#include "storage/durable_floor.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "storage/files.h"

namespace omnistock::storage {
namespace {

std::string FloorPath(const std::string& dir) {
  return (std::filesystem::path(dir) / kDurableFloorFile).string();
}

}  // namespace

absl::StatusOr<std::optional<Sequence>> ReadDurableFloor(const std::string& dir) {
  const std::string path = FloorPath(dir);
  std::string content;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    return FileError("cannot open", path);
  }
  // A sequence is 20 digits at most: a longer file is not one (nor read whole).
  constexpr size_t kLongest = 64;
  char buffer[kLongest];
  ssize_t got = 0;
  while ((got = ::read(fd, buffer, sizeof buffer)) > 0 && content.size() <= kLongest) {
    content.append(buffer, static_cast<size_t>(got));
  }
  const int read_error = errno;
  ::close(fd);
  if (got < 0) return FileError("cannot read", path, read_error);
  Sequence floor = 0;
  // As written, "N\n"; a hand's edit may leave no newline, or "\r\n".
  const absl::string_view digits = absl::StripAsciiWhitespace(content);
  if (content.size() > kLongest || digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      !absl::SimpleAtoi(digits, &floor)) {
    return absl::DataLossError(absl::StrCat(
        "'", path, "' does not hold a journal sequence (it holds '", absl::CHexEscape(content),
        "'): omnistockd writes it, as the journal's last durable sequence. If it was damaged, move "
        "it away: this start then cannot check that the write-ahead log kept every "
        "acknowledged write"));
  }
  return floor;
}

absl::Status WriteDurableFloor(const std::string& dir, Sequence sequence) {
  return ReplaceFile(FloorPath(dir), absl::StrCat(sequence, "\n"), Durability::kSynced);
}

DurableFloorWriter::DurableFloorWriter(std::string dir, std::function<Sequence()> durable,
                                       std::function<void(const absl::Status&)> on_error,
                                       absl::Duration interval)
    : dir_(std::move(dir)),
      durable_(std::move(durable)),
      on_error_(std::move(on_error)),
      interval_(interval) {
  thread_ = std::thread([this] {
    absl::MutexLock lock(&mu_);
    for (;;) {
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_);
      if (stopping_) return;
      mu_.Unlock();
      WriteIfMoved();
      mu_.Lock();
    }
  });
}

DurableFloorWriter::~DurableFloorWriter() { Stop(false); }

void DurableFloorWriter::Stop(bool write_last) {
  if (!thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
  if (write_last) WriteIfMoved();
}

void DurableFloorWriter::WriteIfMoved() {
  const Sequence durable = durable_();
  if (written_ == durable) return;
  if (absl::Status status = WriteDurableFloor(dir_, durable); !status.ok()) {
    // Said at once, then once a minute while it lasts.
    const absl::Time now = absl::Now();
    if (now - last_error_report_ >= absl::Minutes(1)) {
      last_error_report_ = now;
      on_error_(status);
    }
    return;
  }
  written_ = durable;
  last_error_report_ = absl::InfinitePast();
}

}  // namespace omnistock::storage
