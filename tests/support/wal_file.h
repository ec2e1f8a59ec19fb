// The write-ahead log of a test's RocksDB directory, read and damaged as a disk could: for the
// tests of what opening a store does with a damaged log (storage::WalRecovery).
#ifndef OMNISTOCK_TESTS_SUPPORT_WAL_FILE_H_
#define OMNISTOCK_TESTS_SUPPORT_WAL_FILE_H_

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "catch2/catch.hpp"

namespace omnistock::testing {

// The WAL files (*.log) in `dir`, oldest first (RocksDB numbers them in order).
inline std::vector<std::string> WalFiles(const std::string& dir) {
  std::vector<std::string> logs;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log") logs.push_back(entry.path().string());
  }
  std::sort(logs.begin(), logs.end());
  return logs;
}

// The only WAL file in `dir`.
inline std::string WalFile(const std::string& dir) {
  const std::vector<std::string> logs = WalFiles(dir);
  REQUIRE(logs.size() == 1);
  return logs[0];
}

// RocksDB's log format: blocks of 32 KiB, each record a header (checksum, length, type) and its
// payload; a block's last 6 bytes or fewer are padding.
inline constexpr uint64_t kWalHeaderBytes = 7;

// Where each record of a WAL file begins. (The tests' records are far below a block, so each
// is one fragment.)
inline std::vector<uint64_t> WalRecordOffsets(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr uint64_t kBlock = 32768;
  std::vector<uint64_t> offsets;
  uint64_t at = 0;
  while (at + kWalHeaderBytes <= bytes.size()) {
    if (kBlock - at % kBlock < kWalHeaderBytes) {
      at += kBlock - at % kBlock;
      continue;
    }
    const uint64_t length = static_cast<uint8_t>(bytes[at + 4]) |
                            static_cast<uint64_t>(static_cast<uint8_t>(bytes[at + 5])) << 8;
    if (length == 0 || at + kWalHeaderBytes + length > bytes.size()) break;
    offsets.push_back(at);
    at += kWalHeaderBytes + length;
  }
  return offsets;
}

// Flips a byte of the payload of the record at `record` (in its WriteBatch's sequence number),
// so that its checksum no longer matches.
inline void DamageWalRecord(const std::string& path, uint64_t record) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  const uint64_t at = record + kWalHeaderBytes + 2;
  file.seekg(static_cast<std::streamoff>(at));
  const char byte = static_cast<char>(file.get() ^ 0x5a);
  file.seekp(static_cast<std::streamoff>(at));
  file.put(byte);
  REQUIRE(file.good());
}

}  // namespace omnistock::testing

#endif  // OMNISTOCK_TESTS_SUPPORT_WAL_FILE_H_
