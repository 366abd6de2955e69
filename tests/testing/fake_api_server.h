// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// FakeApiServer: a kube::Transport that behaves like a small Kubernetes API
// server, for unit tests of code that reads and writes objects: it keeps
// objects in memory and answers GET, LIST (label selectors of the form
// k=v[,k=v]), server-side apply (PATCH, creates or replaces the applied
// fields; with dryRun, stores nothing), POST, DELETE and watches of one object, with resourceVersions,
// uids and 404/409 Status bodies as the API server writes them. Pods are
// given a status by a policy (Ready at once by default, like the node
// simulator). One-off replies (errors) can be queued in front of it.
// Thread-safe.
//
// A watch that has nothing to report ends at once and, when the server was
// given a FakeClock, advances it by the watch's timeoutSeconds: a wait for
// something that never happens runs into its deadline in microseconds.
// Statuses queued with QueueStatus play a kubelet's later reports: such a
// watch first applies the next one and reports it.
//
//   auto server = std::make_shared<FakeApiServer>(&clock);
//   server->Put(namespace_json);
//   ... kube::Client::Create(config, server->NewTransport(), hooks) ...
//   EXPECT_TRUE(server->Find("/api/v1/namespaces/ns/pods/dev"));

#ifndef CVM_TESTS_TESTING_FAKE_API_SERVER_H_
#define CVM_TESTS_TESTING_FAKE_API_SERVER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"
#include "provider/kube/transport.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_transport.h"

namespace cvm::testing {

class FakeApiServer : public std::enable_shared_from_this<FakeApiServer> {
 public:
  // What a pod's status becomes when it is applied: Ready (Running, Ready
  // condition true, scheduled to node "fake-node"); left as applied (no
  // status: Pending, as before a kubelet acts); or Failed, its first
  // container terminated with exit code 1, reason Error, message "boom".
  enum class PodPolicy { kReady, kPending, kFailed };

  explicit FakeApiServer(FakeClock* clock = nullptr) : clock_(clock) {}

  // A transport bound to this server (the client owns the transport, the
  // transport shares the server).
  std::unique_ptr<kube::Transport> NewTransport() {
    return std::make_unique<Bound>(shared_from_this());
  }

  void set_pod_policy(PodPolicy p) {
    absl::MutexLock lock(&mu_);
    pod_policy_ = p;
  }
  void set_version(std::string git_version) {
    absl::MutexLock lock(&mu_);
    git_version_ = std::move(git_version);
  }
  // Answers the next request whose method is `method` ("*": any) and whose
  // path (with query) starts with `path_prefix` with `reply` instead of the
  // store; replies queue up, each used once.
  void PushReply(std::string method, std::string path_prefix, Reply reply) {
    absl::MutexLock lock(&mu_);
    replies_.push_back(
        {std::move(method), std::move(path_prefix), std::move(reply)});
  }

  // Stores `object` as is (its path from apiVersion, kind, namespace, name),
  // with a uid and resourceVersion when it has none. Returns its path.
  std::string Put(nlohmann::json object) {
    absl::MutexLock lock(&mu_);
    const std::string path = PathOf(object);
    Stamp(object, nullptr);
    objects_[path] = std::move(object);
    return path;
  }
  // The stored object at `path` ("/api/v1/namespaces/ns/pods/p").
  std::optional<nlohmann::json> Find(const std::string& path) const {
    absl::MutexLock lock(&mu_);
    auto it = objects_.find(path);
    if (it == objects_.end()) return std::nullopt;
    return it->second;
  }
  void Erase(const std::string& path) {
    absl::MutexLock lock(&mu_);
    objects_.erase(path);
  }
  // Replaces the stored object's status (a kubelet's report).
  void SetStatus(const std::string& path, nlohmann::json status) {
    absl::MutexLock lock(&mu_);
    auto it = objects_.find(path);
    if (it == objects_.end()) return;
    it->second["status"] = std::move(status);
    Stamp(it->second, &it->second);
  }
  // Queues a status that a later watch of the object at `path` applies (as
  // SetStatus) when it finds nothing new: one per watch, in order, so a
  // wait sees a kubelet's reports one after the other. The object need
  // not exist yet.
  void QueueStatus(const std::string& path, nlohmann::json status) {
    absl::MutexLock lock(&mu_);
    queued_statuses_[path].push_back(std::move(status));
  }
  // Paths of every stored object under `prefix`.
  std::vector<std::string> Paths(const std::string& prefix = "/") const {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> out;
    for (const auto& [path, object] : objects_) {
      if (path.rfind(prefix, 0) == 0) out.push_back(path);
    }
    return out;
  }
  // "METHOD path" of every request, in order (overridden ones included).
  std::vector<std::string> log() const {
    absl::MutexLock lock(&mu_);
    return log_;
  }

  // The path of an object: /api/v1[/namespaces/NS]/PLURAL/NAME or
  // /apis/GROUP/VERSION[/namespaces/NS]/PLURAL/NAME.
  static std::string PathOf(const nlohmann::json& object) {
    const std::string api_version = object.value("apiVersion", "");
    const std::string kind = object.value("kind", "");
    const nlohmann::json& meta = object.at("metadata");
    std::string plural = Plural(kind);
    std::string path = api_version.find('/') == std::string::npos
                           ? absl::StrCat("/api/", api_version)
                           : absl::StrCat("/apis/", api_version);
    const std::string ns = meta.value("namespace", "");
    if (!ns.empty() && kind != "Namespace") {
      absl::StrAppend(&path, "/namespaces/", ns);
    }
    absl::StrAppend(&path, "/", plural, "/", meta.value("name", ""));
    return path;
  }

 private:
  class Bound : public kube::Transport {
   public:
    explicit Bound(std::shared_ptr<FakeApiServer> server)
        : server_(std::move(server)) {}
    absl::StatusOr<kube::HttpResponse> Send(
        const kube::HttpRequest& request) override {
      return server_->Serve(request, nullptr);
    }
    absl::StatusOr<kube::HttpResponse> Stream(
        const kube::HttpRequest& request,
        const kube::BodyChunkFn& on_chunk) override {
      return server_->Serve(request, &on_chunk);
    }

   private:
    std::shared_ptr<FakeApiServer> server_;
  };

  static std::string Plural(const std::string& kind) {
    static const std::map<std::string, std::string> kPlurals = {
        {"Pod", "pods"},
        {"PersistentVolumeClaim", "persistentvolumeclaims"},
        {"PersistentVolume", "persistentvolumes"},
        {"Secret", "secrets"},
        {"ConfigMap", "configmaps"},
        {"Namespace", "namespaces"},
        {"Node", "nodes"},
        {"RuntimeClass", "runtimeclasses"},
        {"Event", "events"},
        {"StorageClass", "storageclasses"}};
    auto it = kPlurals.find(kind);
    return it == kPlurals.end() ? kind : it->second;
  }

  static kube::HttpResponse JsonResponse(int status,
                                         const nlohmann::json& body) {
    kube::HttpResponse r;
    r.status = status;
    r.body = body.dump();
    return r;
  }
  static kube::HttpResponse StatusResponse(int code, const std::string& reason,
                                           const std::string& message) {
    return JsonResponse(code, {{"kind", "Status"},
                               {"apiVersion", "v1"},
                               {"status", code < 300 ? "Success" : "Failure"},
                               {"code", code},
                               {"reason", reason},
                               {"message", message}});
  }

  // Gives `object` a uid, creationTimestamp and a new resourceVersion
  // (keeping the ones of `previous`).
  void Stamp(nlohmann::json& object, const nlohmann::json* previous)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    nlohmann::json& meta = object["metadata"];
    if (previous != nullptr && previous->contains("metadata")) {
      const nlohmann::json& old = (*previous)["metadata"];
      for (const char* key : {"uid", "creationTimestamp"}) {
        if (old.contains(key)) meta[key] = old[key];
      }
    }
    if (!meta.contains("uid")) meta["uid"] = absl::StrCat("uid-", ++uids_);
    if (!meta.contains("creationTimestamp")) {
      meta["creationTimestamp"] = "2026-01-01T00:00:00Z";
    }
    meta["resourceVersion"] = std::to_string(++resource_version_);
  }

  void ApplyPodPolicy(nlohmann::json& pod) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (pod_policy_ == PodPolicy::kPending) return;
    pod["spec"]["nodeName"] = "fake-node";
    if (pod_policy_ == PodPolicy::kFailed) {
      pod["status"] = {
          {"phase", "Failed"},
          {"containerStatuses",
           {{{"name", pod["spec"]["containers"][0].value("name", "")},
             {"state",
              {{"terminated",
                {{"exitCode", 1},
                 {"reason", "Error"},
                 {"message", "boom"}}}}}}}}};
      return;
    }
    nlohmann::json statuses = nlohmann::json::array();
    for (const nlohmann::json& c :
         pod["spec"].value("containers", nlohmann::json::array())) {
      statuses.push_back({{"name", c.value("name", "")},
                          {"ready", true},
                          {"state", {{"running", nlohmann::json::object()}}}});
    }
    pod["status"] = {{"phase", "Running"},
                     {"conditions", {{{"type", "Ready"}, {"status", "True"}}}},
                     {"containerStatuses", statuses}};
  }

  static bool LabelsMatch(const nlohmann::json& object,
                          const std::string& selector) {
    if (selector.empty()) return true;
    const nlohmann::json labels =
        object["metadata"].value("labels", nlohmann::json::object());
    for (absl::string_view term : absl::StrSplit(selector, ',')) {
      std::pair<std::string, std::string> kv =
          absl::StrSplit(term, absl::MaxSplits('=', 1));
      if (labels.value(kv.first, std::string("\x01")) != kv.second) {
        return false;
      }
    }
    return true;
  }

  static std::string Unescape(absl::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '%' && i + 2 < text.size()) {
        int v = 0;
        if (absl::SimpleHexAtoi(text.substr(i + 1, 2), &v)) {
          out.push_back(static_cast<char>(v));
          i += 2;
          continue;
        }
      }
      out.push_back(text[i] == '+' ? ' ' : text[i]);
    }
    return out;
  }

  absl::StatusOr<kube::HttpResponse> Serve(const kube::HttpRequest& request,
                                           const kube::BodyChunkFn* on_chunk) {
    absl::MutexLock lock(&mu_);
    log_.push_back(absl::StrCat(request.method, " ", request.path));
    for (auto it = replies_.begin(); it != replies_.end(); ++it) {
      if ((it->method == "*" || it->method == request.method) &&
          request.path.rfind(it->prefix, 0) == 0) {
        Reply reply = std::move(it->reply);
        replies_.erase(it);
        if (!reply.error.ok()) return reply.error;
        kube::HttpResponse r;
        r.status = reply.status;
        r.body = reply.body;
        r.headers = reply.headers;
        return r;
      }
    }
    std::pair<std::string, std::string> parts =
        absl::StrSplit(request.path, absl::MaxSplits('?', 1));
    const std::string& path = parts.first;
    std::map<std::string, std::string> query;
    for (absl::string_view kv :
         absl::StrSplit(parts.second, '&', absl::SkipEmpty())) {
      std::pair<std::string, std::string> p =
          absl::StrSplit(kv, absl::MaxSplits('=', 1));
      query[p.first] = Unescape(p.second);
    }
    if (path == "/version") {
      return JsonResponse(200, {{"gitVersion", git_version_},
                                {"major", "1"},
                                {"minor", "29"},
                                {"platform", "linux/amd64"}});
    }
    if (query.count("watch")) return Watch(path, query, on_chunk);
    if (request.method == "GET") {
      auto it = objects_.find(path);
      if (it != objects_.end()) return JsonResponse(200, it->second);
      if (IsCollection(path)) return List(path, query);
      return StatusResponse(404, "NotFound", absl::StrCat(path, " not found"));
    }
    if (request.method == "PATCH") {
      nlohmann::json applied =
          nlohmann::json::parse(request.body, nullptr, false);
      if (!applied.is_object()) {
        return StatusResponse(400, "BadRequest", "the body is not JSON");
      }
      auto it = objects_.find(path);
      nlohmann::json object = applied;
      if (it != objects_.end()) {
        if (it->second.contains("status"))
          object["status"] = it->second["status"];
        if (it->second["spec"].contains("nodeName")) {
          object["spec"]["nodeName"] = it->second["spec"]["nodeName"];
        }
      }
      if (object.value("kind", "") == "Pod" && it == objects_.end()) {
        ApplyPodPolicy(object);
      }
      Stamp(object, it == objects_.end() ? nullptr : &it->second);
      // dryRun=All: answered as applied, never stored.
      if (!query.count("dryRun")) objects_[path] = object;
      return JsonResponse(it == objects_.end() ? 201 : 200, object);
    }
    if (request.method == "POST") {
      nlohmann::json object =
          nlohmann::json::parse(request.body, nullptr, false);
      if (!object.is_object()) {
        return StatusResponse(400, "BadRequest", "the body is not JSON");
      }
      const std::string object_path = PathOf(object);
      if (objects_.count(object_path)) {
        return StatusResponse(409, "AlreadyExists",
                              absl::StrCat(object_path, " already exists"));
      }
      Stamp(object, nullptr);
      objects_[object_path] = object;
      return JsonResponse(201, object);
    }
    if (request.method == "DELETE") {
      if (!objects_.erase(path)) {
        return StatusResponse(404, "NotFound",
                              absl::StrCat(path, " not found"));
      }
      return StatusResponse(200, "", "deleted");
    }
    return StatusResponse(405, "MethodNotAllowed", request.method);
  }

  // True when `object_path` is an item of `collection`; a collection of a
  // namespaced kind without a namespace (/api/v1/pods) holds every
  // namespace's.
  static bool InCollection(const std::string& object_path,
                           const std::string& collection) {
    if (object_path.rfind(collection + "/", 0) == 0 &&
        object_path.find('/', collection.size() + 1) == std::string::npos) {
      return true;
    }
    if (collection.find("/namespaces/") != std::string::npos) return false;
    const size_t cut = collection.rfind('/');
    const std::string api = collection.substr(0, cut);
    const std::string plural = collection.substr(cut + 1);
    if (object_path.rfind(api + "/namespaces/", 0) != 0) return false;
    const std::vector<std::string> rest =
        absl::StrSplit(object_path.substr(api.size() + 1), '/');
    return rest.size() == 4 && rest[2] == plural;
  }

  static bool IsCollection(const std::string& path) {
    const std::string last = path.substr(path.rfind('/') + 1);
    static const std::set<std::string> kCollections = {"pods",
                                                       "persistentvolumeclaims",
                                                       "persistentvolumes",
                                                       "secrets",
                                                       "configmaps",
                                                       "namespaces",
                                                       "nodes",
                                                       "runtimeclasses",
                                                       "events",
                                                       "storageclasses"};
    return kCollections.count(last) > 0;
  }

  kube::HttpResponse List(const std::string& collection,
                          const std::map<std::string, std::string>& query)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const std::string selector =
        query.count("labelSelector") ? query.at("labelSelector") : "";
    nlohmann::json items = nlohmann::json::array();
    for (const auto& [path, object] : objects_) {
      if (InCollection(path, collection) && LabelsMatch(object, selector)) {
        items.push_back(object);
      }
    }
    return JsonResponse(
        200, {{"kind", "List"},
              {"items", items},
              {"metadata",
               {{"resourceVersion", std::to_string(resource_version_)}}}});
  }

  absl::StatusOr<kube::HttpResponse> Watch(
      const std::string& collection,
      const std::map<std::string, std::string>& query,
      const kube::BodyChunkFn* on_chunk) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::string name;
    if (query.count("fieldSelector")) {
      const std::string& f = query.at("fieldSelector");
      if (f.rfind("metadata.name=", 0) == 0) name = f.substr(14);
    }
    int64_t since = 0;
    if (query.count("resourceVersion")) {
      absl::SimpleAtoi(query.at("resourceVersion"), &since);
    }
    kube::HttpResponse response;
    response.status = 200;
    auto it = objects_.find(absl::StrCat(collection, "/", name));
    std::string event;
    if (it == objects_.end()) {
      if (since > 0) {
        event = nlohmann::json{{"type", "DELETED"},
                               {"object", {{"metadata", {{"name", name}}}}}}
                    .dump();
      }
    } else {
      int64_t rv = 0;
      absl::SimpleAtoi(it->second["metadata"].value("resourceVersion", "0"),
                       &rv);
      std::vector<nlohmann::json>& queued = queued_statuses_[it->first];
      if (rv <= since && !queued.empty()) {
        it->second["status"] = std::move(queued.front());
        queued.erase(queued.begin());
        Stamp(it->second, &it->second);
        absl::SimpleAtoi(it->second["metadata"].value("resourceVersion", "0"),
                         &rv);
      }
      if (rv > since) {
        event =
            nlohmann::json{{"type", "MODIFIED"}, {"object", it->second}}.dump();
      }
    }
    if (!event.empty()) {
      if (on_chunk) (*on_chunk)(event + "\n");
      return response;
    }
    // Nothing to report: the server's timeoutSeconds pass.
    int64_t seconds = 1;
    if (query.count("timeoutSeconds")) {
      absl::SimpleAtoi(query.at("timeoutSeconds"), &seconds);
    }
    if (clock_ != nullptr) clock_->Advance(absl::Seconds(seconds));
    return response;
  }

  struct QueuedReply {
    std::string method, prefix;
    Reply reply;
  };

  FakeClock* const clock_;
  mutable absl::Mutex mu_;
  std::vector<QueuedReply> replies_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, nlohmann::json> objects_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> log_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<nlohmann::json>> queued_statuses_
      ABSL_GUARDED_BY(mu_);
  PodPolicy pod_policy_ ABSL_GUARDED_BY(mu_) = PodPolicy::kReady;
  std::string git_version_ ABSL_GUARDED_BY(mu_) = "v1.29.4";
  int64_t resource_version_ ABSL_GUARDED_BY(mu_) = 100;
  int64_t uids_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cvm::testing

#endif  // CVM_TESTS_TESTING_FAKE_API_SERVER_H_
