// RocksDB's info log (flushes, compactions, recovery), in the data directory's LOG file as
// RocksDB would write it, but written with plain write(2) whose errors are ignored.
//
// RocksDB 7.8's own logger aborts the process once a write to LOG has failed, as on a full disk:
// its next line trips an assertion that Debian's build keeps (WritableFileWriter's
// `sync_without_flush_called_`). On a disk that filled up, a restart then died in recovery with
// SIGABRT, before it could say why, instead of refusing to start.
#ifndef OMNISTOCK_STORAGE_INFO_LOG_H_
#define OMNISTOCK_STORAGE_INFO_LOG_H_

#include <cstdarg>
#include <memory>
#include <string>

#include "rocksdb/env.h"

namespace omnistock::storage {

class InfoLog final : public rocksdb::Logger {
 public:
  // Moves an existing `dir`/LOG aside to LOG.old.<microseconds> (keeping the newest
  // `keep_old` such files) and starts a new one; unless another process holds the directory's
  // LOCK (a server using it: this open is bound to fail), whose log is left alone. A LOG that
  // cannot be opened leaves a logger that drops every line: the info log is diagnostics, never
  // a reason not to serve.
  static std::shared_ptr<rocksdb::Logger> Open(const std::string& dir, int keep_old);
  // A logger appending to `path` as it is (no LOG.old): Open's, and tests'.
  static std::shared_ptr<rocksdb::Logger> OpenFile(const std::string& path);
  ~InfoLog() override;

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;

 private:
  explicit InfoLog(int fd) : fd_(fd) {}
  const int fd_;  // -1: drop every line
};

}  // namespace omnistock::storage

#endif  // OMNISTOCK_STORAGE_INFO_LOG_H_
