#include "services/metrics.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "services/address.h"

namespace omnistock::services {
namespace {

// Seconds, from half a millisecond (an in-memory read) to ten (a stream of count batches).
const prometheus::Histogram::BucketBoundaries kCallBuckets = {
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

prometheus::MetricFamily One(const std::string& name, const std::string& help,
                             prometheus::MetricType type, double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return prometheus::MetricFamily{name, help, type, {metric}};
}

// The committer's write times as a Prometheus histogram (cumulative buckets, then +Inf).
prometheus::MetricFamily WriteSeconds(const storage::CommitterStats& stats) {
  prometheus::ClientMetric metric;
  uint64_t below = 0;
  for (size_t i = 0; i < storage::kWriteSecondsBuckets; ++i) {
    below += stats.write_seconds_le[i];
    metric.histogram.bucket.push_back({below, storage::kWriteSecondsBounds[i]});
  }
  metric.histogram.bucket.push_back({stats.batches, std::numeric_limits<double>::infinity()});
  metric.histogram.sample_count = stats.batches;
  metric.histogram.sample_sum = stats.write_seconds_sum;
  return prometheus::MetricFamily{
      "omnistock_commit_write_seconds",
      "How long each synced RocksDB write batch took, fsync included: the disk's share of a "
      "write call's latency.",
      prometheus::MetricType::Histogram,
      {metric}};
}

// The process's resident memory in bytes, from /proc/self/statm (0 if unreadable).
double ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0;
  uint64_t resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return 0;
  return static_cast<double>(resident_pages) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

// The figures of the ledger, committer, feed, RocksDB and process, read at each scrape.
class ServerFigures final : public prometheus::Collectable {
 public:
  explicit ServerFigures(Metrics::Sources sources) : sources_(sources) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    using prometheus::MetricType;
    const Ledger& ledger = *sources_.ledger;
    const storage::CommitterStats stats = sources_.committer->stats();
    std::vector<prometheus::MetricFamily> families = {
        One("omnistock_journal_sequence", "The last journal sequence applied in memory.",
            MetricType::Gauge, static_cast<double>(ledger.last_sequence())),
        One("omnistock_commits_total", "Ledger commits made durable.", MetricType::Counter,
            static_cast<double>(stats.commits)),
        One("omnistock_commit_batches_total",
            "Synced RocksDB write batches (one fsync each) that carried them.", MetricType::Counter,
            static_cast<double>(stats.batches)),
        WriteSeconds(stats),
        One("omnistock_reservations", "Reservations held in memory, in every state.",
            MetricType::Gauge, static_cast<double>(ledger.reservation_count())),
        One("omnistock_pos_transactions",
            "Till transactions, and idempotency keys of receipts and adjustments, held in "
            "memory for their idempotency retention.",
            MetricType::Gauge, static_cast<double>(ledger.pos_transaction_count())),
        One("omnistock_interned_ids",
            "Distinct SKU and location strings interned (kept for the life of the process).",
            MetricType::Gauge, static_cast<double>(internal::InternedCount())),
        One("omnistock_watchers", "Open availability feed streams.", MetricType::Gauge,
            static_cast<double>(sources_.feed->subscriber_count())),
        One("omnistock_journal_reads_pending",
            "Journal reads (ListMovements calls, pages of a watch's replay) queued or running on "
            "the journal reader.",
            MetricType::Gauge, static_cast<double>(sources_.journal_readers->pending())),
        One("omnistock_journal_reads_skipped_total",
            "Journal reads not made because their ListMovements call or watch ended (deadline, "
            "cancel) while they waited for the reader.",
            MetricType::Counter, static_cast<double>(sources_.journal_readers->skipped())),
        One("omnistock_storage_ok", "1 while storage writes succeed; 0 after a failure.",
            MetricType::Gauge, sources_.committer->status().ok() ? 1 : 0),
        One("omnistock_commit_backlog",
            "Applied changes waiting to be made durable (writes are refused at "
            "--commit_backlog_max).",
            MetricType::Gauge, static_cast<double>(sources_.committer->backlog())),
        One("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
            ResidentBytes()),
    };
    const std::pair<const char*, const char*> kRocksDb[] = {
        {"live_data", "rocksdb.estimate-live-data-size"},
        {"sst", "rocksdb.total-sst-files-size"},
        {"memtable", "rocksdb.cur-size-all-mem-tables"},
        {"pending_compaction", "rocksdb.estimate-pending-compaction-bytes"},
    };
    for (const auto& [name, property] : kRocksDb) {
      if (std::optional<uint64_t> value = sources_.store->Property(property)) {
        families.push_back(One(absl::StrCat("omnistock_rocksdb_", name, "_bytes"),
                               absl::StrCat("RocksDB's ", property, ", over its column families."),
                               MetricType::Gauge, static_cast<double>(*value)));
      }
    }
    return families;
  }

 private:
  Metrics::Sources sources_;
};

class CallInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(Metrics* metrics, std::string method)
      : metrics_(metrics), method_(std::move(method)), started_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started_;
      metrics_->RecordCall(method_, methods->GetSendStatus().error_code(), took.count());
    }
    methods->Proceed();
  }

 private:
  Metrics* metrics_;
  std::string method_;
  std::chrono::steady_clock::time_point started_;
};

// The paths of the methods omnistockd serves ("/omnistock.v1.Reservations/Reserve"), built once
// from the services' descriptors, then read without a lock.
const absl::flat_hash_set<std::string>& ServedMethods() {
  static const absl::flat_hash_set<std::string>* const served = [] {
    auto* paths = new absl::flat_hash_set<std::string>;
    for (const char* service :
         {"omnistock.v1.Network", "omnistock.v1.Inventory", "omnistock.v1.Reservations",
          "omnistock.v1.StoreSales", "omnistock.v1.Availability", "omnistock.v1.Warehouse",
          "omnistock.v1.Fulfillment", "grpc.reflection.v1alpha.ServerReflection",
          "grpc.health.v1.Health"}) {
      const google::protobuf::ServiceDescriptor* descriptor =
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
      if (descriptor == nullptr) continue;
      for (int i = 0; i < descriptor->method_count(); ++i) {
        paths->insert(absl::StrCat("/", service, "/", descriptor->method(i)->name()));
      }
    }
    return paths;
  }();
  return *served;
}

// The method label of a call: its path when omnistockd serves it, else "unknown", so that a
// client calling made-up paths cannot add series without end (the server answers those
// UNIMPLEMENTED).
std::string MethodLabel(const char* path) {
  if (path == nullptr || !ServedMethods().contains(path)) return "unknown";
  return path;
}

class CallInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallInterceptorFactory(Metrics* metrics) : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallInterceptor(metrics_, MethodLabel(info->method()));
  }

 private:
  Metrics* metrics_;
};

// Scrapes served at once, and how long one may take to send its request.
constexpr int kMetricsThreads = 8;
constexpr absl::Duration kMetricsRequestTimeout = absl::Seconds(5);

}  // namespace

absl::StatusOr<std::unique_ptr<Metrics>> Metrics::Serve(const std::string& listen,
                                                        Sources sources) {
  std::unique_ptr<Metrics> metrics(new Metrics());
  metrics->host_ = HostOf(listen);
  try {
    // civetweb's defaults (2 threads, 30 s to read a request) let two idle connections hold
    // every scrape off for good; a request must arrive whole within 5 s.
    metrics->exposer_ = std::make_unique<prometheus::Exposer>(std::vector<std::string>{
        "listening_ports", listen, "num_threads", std::to_string(kMetricsThreads),
        "request_timeout_ms", std::to_string(absl::ToInt64Milliseconds(kMetricsRequestTimeout))});
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on '", listen,
                     "' (is the address valid and the port free?): ", e.what()));
  }
  metrics->registry_ = std::make_shared<prometheus::Registry>();
  metrics->calls_ = &prometheus::BuildCounter()
                         .Name("omnistock_rpc_total")
                         .Help("gRPC calls answered, by method and status code.")
                         .Register(*metrics->registry_);
  metrics->durations_ = &prometheus::BuildHistogram()
                             .Name("omnistock_rpc_duration_seconds")
                             .Help("gRPC call latency in seconds, accepted to status sent.")
                             .Register(*metrics->registry_);
  metrics->server_figures_ = std::make_shared<ServerFigures>(sources);
  metrics->exposer_->RegisterCollectable(metrics->registry_);
  metrics->exposer_->RegisterCollectable(metrics->server_figures_);
  return metrics;
}

Metrics::~Metrics() {
  // Stop serving scrapes before the figures they read go away. civetweb's acceptor sees the
  // stop only when its poll() of the socket returns, after up to its 2 s quantum (about 0.9 s
  // measured): connecting to it wakes it, so a shutdown takes milliseconds, not a second.
  if (!exposer_) return;  // Serve failed to listen
  const std::string port = absl::StrCat(this->port());
  std::atomic<bool> stopped{false};
  std::thread stop([&] {
    exposer_.reset();
    stopped = true;
  });
  std::string host = Unbracketed(host_);
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) == 0) {
    for (int tries = 0; !stopped && tries < 300; ++tries) {
      const int socket = ::socket(found->ai_family, found->ai_socktype, found->ai_protocol);
      if (socket >= 0) {
        ::connect(socket, found->ai_addr, found->ai_addrlen);
        ::close(socket);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    freeaddrinfo(found);
  }
  stop.join();
}

int Metrics::port() const {
  const std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
Metrics::InterceptorFactory() {
  return std::make_unique<CallInterceptorFactory>(this);
}

void Metrics::RecordCall(const std::string& method, grpc::StatusCode code, double seconds) {
  const std::string code_name(absl::StatusCodeToString(static_cast<absl::StatusCode>(code)));
  calls_->Add({{"method", method}, {"code", code_name}}).Increment();
  durations_->Add({{"method", method}}, kCallBuckets).Observe(seconds);
}

}  // namespace omnistock::services
