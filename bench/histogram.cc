#include "bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace omnistock::bench {

LatencyHistogram::LatencyHistogram() : counts_(kBuckets, 0) {}

int LatencyHistogram::BucketOf(uint64_t value) {
  if (value < kSub) return static_cast<int>(value);
  const int exponent = std::bit_width(value) - 1;  // kSubBits .. 63
  const int shift = exponent - kSubBits;
  const int sub = static_cast<int>(value >> shift) - kSub;  // 0 .. kSub-1
  return kSub + shift * kSub + sub;
}

uint64_t LatencyHistogram::LowerBound(int bucket) {
  if (bucket < kSub) return static_cast<uint64_t>(bucket);
  const int shift = (bucket - kSub) / kSub;
  const int sub = (bucket - kSub) % kSub;
  return static_cast<uint64_t>(kSub + sub) << shift;
}

uint64_t LatencyHistogram::Width(int bucket) {
  if (bucket < kSub) return 1;
  return uint64_t{1} << ((bucket - kSub) / kSub);
}

void LatencyHistogram::Record(int64_t nanos) {
  if (nanos < 0) nanos = 0;
  ++counts_[BucketOf(static_cast<uint64_t>(nanos))];
  min_ = count_ == 0 ? nanos : std::min(min_, nanos);
  max_ = std::max(max_, nanos);
  sum_ += static_cast<uint64_t>(nanos);
  ++count_;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  count_ += other.count_;
}

int64_t LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const uint64_t rank =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  if (rank >= count_) return max_;
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const uint64_t middle = LowerBound(i) + (Width(i) - 1) / 2;
      return std::clamp(static_cast<int64_t>(middle), min_, max_);
    }
  }
  return max_;
}

}  // namespace omnistock::bench
