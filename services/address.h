// The parts of a HOST:PORT address (omnistockd's --listen and --metrics_listen), split in one
// place for the server's checks and the metrics endpoint.
#ifndef OMNISTOCK_SERVICES_ADDRESS_H_
#define OMNISTOCK_SERVICES_ADDRESS_H_

#include <string>

namespace omnistock::services {

// The host: all of `listen` without a colon, else what comes before the last one ("[::1]").
inline std::string HostOf(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  return colon == std::string::npos ? listen : listen.substr(0, colon);
}

// The port: what follows the last colon, "" without one.
inline std::string PortOf(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  return colon == std::string::npos ? std::string() : listen.substr(colon + 1);
}

// A host as getaddrinfo takes it: an IPv6 literal without its brackets.
inline std::string Unbracketed(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_ADDRESS_H_
