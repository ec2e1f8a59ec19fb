// Prometheus metrics of one omnistockd, in the text format at http://HOST:PORT/metrics when
// omnistockd runs with --metrics_listen=HOST:PORT:
//   omnistock_rpc_total{method,code}         every gRPC call answered, by method and status
//   omnistock_rpc_duration_seconds{method}    their latency (a histogram), from a server
//                                             interceptor: accepted to status sent
//   omnistock_journal_sequence                the last sequence applied in memory
//   omnistock_commits_total                   ledger commits made durable
//   omnistock_commit_batches_total            synced WriteBatches (fsyncs): commits / batches
//                                             is the group commit's fan-in
//   omnistock_commit_write_seconds           how long each of those writes took, fsync included
//                                             (a histogram): the disk's share of a write's latency
//   omnistock_reservations                    reservations held in memory (every state)
//   omnistock_interned_ids                    distinct SKU and location strings interned (see
//                                             engine/types.h for what interns and what not)
//   omnistock_pos_transactions                till transactions, and keys of receipts and
//                                             adjustments, held (for their retention)
//   omnistock_commit_backlog                  applied changes waiting for the disk (writes are
//                                             refused at --commit_backlog_max)
//   omnistock_watchers                        open availability feed streams
//   omnistock_journal_reads_pending           journal reads queued or running on the journal
//                                             reader (ListMovements, a watch's replay pages)
//   omnistock_rocksdb_{live_data,sst,memtable,pending_compaction}_bytes
//                                             RocksDB's estimates, over its column families
//   process_resident_memory_bytes             the process's resident memory
//   omnistock_storage_ok                      1, or 0 once a storage write failed (fail-stop)
// The figures of the ledger, committer, feed, RocksDB and process are read when scraped;
// nothing is added to the write path but the per-call counter and histogram.
//
// Thread-safety: every method may be called from any thread.
#ifndef OMNISTOCK_SERVICES_METRICS_H_
#define OMNISTOCK_SERVICES_METRICS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/ledger.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/change_feed.h"
#include "services/journal_readers.h"
#include "storage/committer.h"
#include "storage/store.h"

namespace omnistock::services {

class Metrics {
 public:
  // What the scrape reads; each must outlive the Metrics.
  struct Sources {
    const Ledger* ledger = nullptr;
    const storage::Committer* committer = nullptr;
    const storage::Store* store = nullptr;
    const ChangeFeed* feed = nullptr;
    const JournalReaders* journal_readers = nullptr;
  };

  // Serves /metrics on `listen` (host:port). UNAVAILABLE, naming the address, when it cannot
  // listen there.
  static absl::StatusOr<std::unique_ptr<Metrics>> Serve(const std::string& listen, Sources sources);
  ~Metrics();

  // The host it listens on (as given) and the port actually bound.
  const std::string& host() const { return host_; }
  int port() const;

  // For grpc::ServerBuilder::experimental().SetInterceptorCreators: counts and times every call.
  // The factory refers to this object, which must outlive the gRPC server.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory();

  // One answered call: what the interceptor records.
  void RecordCall(const std::string& method, grpc::StatusCode code, double seconds);

 private:
  Metrics() = default;

  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string host_;  // where it listens, for the destructor to connect to
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> server_figures_;
  prometheus::Family<prometheus::Counter>* calls_ = nullptr;
  prometheus::Family<prometheus::Histogram>* durations_ = nullptr;
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_METRICS_H_
