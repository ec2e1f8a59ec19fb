#include "storage/durable_floor.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace omnistock::storage {
namespace {

std::string FloorPath(const std::string& dir) {
  return (std::filesystem::path(dir) / kDurableFloorFile).string();
}

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " '", path, "': ", std::strerror(errno)));
}

// Opens `path` with `flags`, runs `use(fd)`, closes it: the first failure, naming `path`.
template <typename Use>
absl::Status WithFile(const std::string& path, int flags, Use use) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot open", path);
  absl::Status status = use(fd);
  if (::close(fd) != 0 && status.ok()) status = Errno("cannot close", path);
  return status;
}

}  // namespace

absl::StatusOr<std::optional<Sequence>> ReadDurableFloor(const std::string& dir) {
  const std::string path = FloorPath(dir);
  std::ifstream in(path);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::nullopt;
    return Errno("cannot read", path);
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  Sequence floor = 0;
  absl::string_view digits = content;
  if (!absl::ConsumeSuffix(&digits, "\n") || digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      !absl::SimpleAtoi(digits, &floor)) {
    return absl::DataLossError(absl::StrCat(
        "'", path, "' does not hold a journal sequence (it holds '", absl::CHexEscape(content),
        "'): omnistockd alone writes it. If it was damaged, move it away: this start then cannot "
        "check that the write-ahead log kept every acknowledged write"));
  }
  return floor;
}

absl::Status WriteDurableFloor(const std::string& dir, Sequence sequence) {
  const std::string path = FloorPath(dir);
  const std::string temporary = path + ".tmp";
  const std::string content = absl::StrCat(sequence, "\n");
  absl::Status written = WithFile(temporary, O_WRONLY | O_CREAT | O_TRUNC, [&](int fd) {
    if (::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
      return Errno("cannot write", temporary);
    }
    if (::fdatasync(fd) != 0) return Errno("cannot sync", temporary);
    return absl::OkStatus();
  });
  if (!written.ok()) return written;
  if (::rename(temporary.c_str(), path.c_str()) != 0) return Errno("cannot rename", temporary);
  // The rename itself is durable once the directory is.
  return WithFile(dir, O_RDONLY | O_DIRECTORY, [&](int fd) {
    return ::fsync(fd) == 0 ? absl::OkStatus() : Errno("cannot sync", dir);
  });
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
    on_error_(status);
    return;
  }
  written_ = durable;
}

}  // namespace omnistock::storage
