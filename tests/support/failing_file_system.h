// A RocksDB file system whose writable files fail every append and sync once a flag is set (a
// disk gone bad, for the storage-failure tests), whose write-ahead log syncs fail alone while
// another flag is set (the write reached the file, its sync failed), whose write-ahead log syncs
// wait while a third is set (a disk that stopped answering), and which counts the syncs of
// write-ahead log files (for the tests that an acknowledgement follows a synced log).
#ifndef OMNISTOCK_TESTS_SUPPORT_FAILING_FILE_SYSTEM_H_
#define OMNISTOCK_TESTS_SUPPORT_FAILING_FILE_SYSTEM_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "rocksdb/file_system.h"

namespace omnistock::testing {

// Writable files that fail every append and sync once `failing` is set: a disk gone bad.
class FailingFileSystem : public rocksdb::FileSystemWrapper {
 public:
  // Successful Sync and Fsync calls on *.log files (RocksDB's write-ahead logs).
  std::atomic<int64_t> wal_syncs{0};
  // While set, a sync of a write-ahead log waits (polling every millisecond) instead of
  // returning.
  std::atomic<bool> wal_stalled{false};
  // While set, a sync of a write-ahead log fails; its appends still reach the file.
  std::atomic<bool> wal_syncs_failing{false};

  explicit FailingFileSystem(std::atomic<bool>* failing)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), failing_(failing) {}
  const char* Name() const override { return "FailingFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, result, dbg);
    const bool wal = name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0;
    if (s.ok()) {
      *result =
          std::make_unique<File>(std::move(*result), failing_, wal ? &wal_syncs : nullptr,
                                 wal ? &wal_stalled : nullptr, wal ? &wal_syncs_failing : nullptr);
    }
    return s;
  }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, std::atomic<bool>* failing,
         std::atomic<int64_t>* syncs, std::atomic<bool>* stalled, std::atomic<bool>* sync_failing)
        : FSWritableFileOwnerWrapper(std::move(file)),
          failing_(failing),
          syncs_(syncs),
          stalled_(stalled),
          sync_failing_(sync_failing) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (*failing_) return rocksdb::IOStatus::IOError("injected write failure");
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      if (*failing_ || SyncFails()) return rocksdb::IOStatus::IOError("injected sync failure");
      WhileStalled();
      return Counted(FSWritableFileOwnerWrapper::Sync(options, dbg));
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      if (*failing_ || SyncFails()) return rocksdb::IOStatus::IOError("injected fsync failure");
      WhileStalled();
      return Counted(FSWritableFileOwnerWrapper::Fsync(options, dbg));
    }

   private:
    bool SyncFails() const { return sync_failing_ != nullptr && *sync_failing_; }
    void WhileStalled() {
      while (stalled_ != nullptr && *stalled_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    rocksdb::IOStatus Counted(rocksdb::IOStatus status) {
      if (status.ok() && syncs_ != nullptr) ++*syncs_;
      return status;
    }

    std::atomic<bool>* failing_;
    std::atomic<int64_t>* syncs_;      // null: not a write-ahead log
    std::atomic<bool>* stalled_;       // null: not a write-ahead log
    std::atomic<bool>* sync_failing_;  // null: not a write-ahead log
  };
  std::atomic<bool>* failing_;
};

}  // namespace omnistock::testing

#endif  // OMNISTOCK_TESTS_SUPPORT_FAILING_FILE_SYSTEM_H_
