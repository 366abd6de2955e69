// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// LocalHttpServer: a tiny HTTP/1.1 server on 127.0.0.1 for transport tests.
// Keep-alive connections, Content-Length request bodies, and responses that
// are either whole (Content-Length) or streamed (chunked, optionally held
// open until the client goes away). Counts accepted TCP connections and
// requests. One thread per connection; Stop() (or the destructor) closes
// everything. Not a general-purpose server.

#ifndef CVM_TESTS_TESTING_LOCAL_HTTP_SERVER_H_
#define CVM_TESTS_TESTING_LOCAL_HTTP_SERVER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace cvm::testing {

struct HttpServerRequest {
  std::string method;
  std::string target;                          // path and query
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

struct HttpServerResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When non-empty: sent chunked, one chunk each, `chunk_delay` apart.
  std::vector<std::string> chunks;
  absl::Duration chunk_delay = absl::ZeroDuration();
  bool hold_open = false;  // after the chunks, wait for the client to leave
  bool close = false;      // close the connection after this response
};

class LocalHttpServer {
 public:
  using Handler = std::function<HttpServerResponse(const HttpServerRequest&)>;

  explicit LocalHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) !=
            0 ||
        ::listen(listen_fd_, 128) != 0) {
      ::close(listen_fd_);
      listen_fd_ = -1;
      return;
    }
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  ~LocalHttpServer() { Stop(); }

  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  bool ok() const { return listen_fd_ >= 0; }
  int port() const { return port_; }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

  void Stop() {
    if (stopping_.exchange(true)) return;
    if (acceptor_.joinable()) acceptor_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
    std::vector<std::thread> workers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
      workers = std::move(workers_);
    }
    for (auto& t : workers) t.join();
  }

 private:
  void AcceptLoop() {
    while (!stopping_.load()) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      connections_.fetch_add(1);
      std::lock_guard<std::mutex> lock(mu_);
      open_fds_.push_back(fd);
      workers_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  bool WriteAll(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n =
          ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads one request from `fd` (with `buffer` carrying leftovers).
  bool ReadRequest(int fd, std::string& buffer, HttpServerRequest& req) {
    size_t header_end;
    while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadMore(fd, buffer)) return false;
    }
    std::vector<std::string> lines =
        absl::StrSplit(buffer.substr(0, header_end), "\r\n");
    buffer.erase(0, header_end + 4);
    std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
    if (first.size() < 2) return false;
    req.method = first[0];
    req.target = first[1];
    for (size_t i = 1; i < lines.size(); ++i) {
      size_t colon = lines[i].find(':');
      if (colon == std::string::npos) continue;
      req.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
          std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    }
    size_t length = 0;
    auto it = req.headers.find("content-length");
    if (it != req.headers.end() && !absl::SimpleAtoi(it->second, &length)) {
      return false;
    }
    while (buffer.size() < length) {
      if (!ReadMore(fd, buffer)) return false;
    }
    req.body = buffer.substr(0, length);
    buffer.erase(0, length);
    return true;
  }

  bool ReadMore(int fd, std::string& buffer) {
    while (!stopping_.load()) {
      pollfd p{fd, POLLIN, 0};
      int r = ::poll(&p, 1, 20);
      if (r == 0) continue;
      if (r < 0) return false;
      char buf[8192];
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      buffer.append(buf, static_cast<size_t>(n));
      return true;
    }
    return false;
  }

  void Serve(int fd) {
    std::string buffer;
    while (!stopping_.load()) {
      HttpServerRequest req;
      if (!ReadRequest(fd, buffer, req)) break;
      requests_.fetch_add(1);
      HttpServerResponse resp = handler_(req);
      std::string head = absl::StrCat("HTTP/1.1 ", resp.status, " X\r\n");
      for (const auto& [k, v] : resp.headers)
        absl::StrAppend(&head, k, ": ", v, "\r\n");
      if (resp.close) head += "Connection: close\r\n";
      if (resp.chunks.empty()) {
        absl::StrAppend(&head, "Content-Length: ", resp.body.size(), "\r\n\r\n",
                        resp.body);
        if (!WriteAll(fd, head)) break;
      } else {
        head += "Transfer-Encoding: chunked\r\n\r\n";
        if (!WriteAll(fd, head)) break;
        bool ok = true;
        for (const auto& c : resp.chunks) {
          if (resp.chunk_delay > absl::ZeroDuration())
            absl::SleepFor(resp.chunk_delay);
          char size[32];
          std::snprintf(size, sizeof(size), "%zx\r\n", c.size());
          ok = WriteAll(fd, absl::StrCat(size, c, "\r\n"));
          if (!ok) break;
        }
        if (!ok) break;
        if (resp.hold_open) {
          // Until the client closes (or the server stops).
          std::string ignored;
          while (ReadMore(fd, ignored)) {
          }
          break;
        }
        if (!WriteAll(fd, "0\r\n\r\n")) break;
      }
      if (resp.close) break;
    }
    ::shutdown(fd, SHUT_RDWR);
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = open_fds_.begin(); it != open_fds_.end(); ++it) {
      if (*it == fd) {
        open_fds_.erase(it);
        break;
      }
    }
    ::close(fd);
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> open_fds_;
  std::vector<std::thread> workers_;
};

}  // namespace cvm::testing

#endif  // CVM_TESTS_TESTING_LOCAL_HTTP_SERVER_H_
