// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/pod_status.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "provider/resources/json_access.h"

namespace cvm::resources {
namespace {

// "; init container home-owner exited 1 (Error): chown: invalid spec" for
// each container of `pod` that terminated unsuccessfully.
std::string FailedContainers(const nlohmann::json& pod) {
  std::string out;
  const nlohmann::json& status = ObjectAt(pod, "status");
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    for (const nlohmann::json& c : ArrayAt(status, list)) {
      const nlohmann::json& t = ObjectAt(ObjectAt(c, "state"), "terminated");
      const auto code = t.find("exitCode");
      if (code == t.end() || !code->is_number_integer() || *code == 0) {
        continue;
      }
      const std::string message = StringAt(t, {"message"});
      absl::StrAppend(
          &out, "; ",
          absl::string_view(list) == "initContainerStatuses" ? "init container "
                                                             : "container ",
          StringAt(c, {"name"}), " exited ", code->get<int64_t>(), " (",
          StringAt(t, {"reason"}), ")", message.empty() ? "" : ": ", message);
    }
  }
  return out;
}

// The status lists of a pod's containers, in the order they start.
constexpr const char* kStatusLists[] = {"initContainerStatuses",
                                        "containerStatuses"};

std::string ContainerWord(absl::string_view list) {
  return list == "initContainerStatuses" ? "init container " : "container ";
}

// The kubelet's reasons for a container whose image pull failed
// (pkg/kubelet/images/types.go).
constexpr absl::string_view kErrImagePull = "ErrImagePull";
constexpr absl::string_view kImagePullBackOff = "ImagePullBackOff";

// Lower-case words of a pull error that no retry fixes: the registry says
// the image or tag does not exist, or refuses access. containerd says
// "<ref>: not found" (code = NotFound) or "pull access denied"; CRI-O and
// registries say "manifest unknown"; a token service "401 Unauthorized";
// a registry without anonymous access "403 Forbidden".
constexpr absl::string_view kPermanentPullWords[] = {
    "not found",     "code = notfound",    "manifest unknown",
    "name unknown",  "unauthorized",       "denied",
    "403 forbidden", "insufficient_scope", "repository does not exist"};

// Lower-case words of a pull error that a retry may fix: the network, a
// rate limit or an overloaded registry. Specific enough not to match an
// image name or digest.
constexpr absl::string_view kTransientPullWords[] = {
    "i/o timeout",
    "handshake timeout",
    "timeout exceeded",
    "timeout awaiting",
    "timed out",
    "deadline exceeded",
    "code = deadlineexceeded",
    "too many requests",
    "toomanyrequests",
    "connection refused",
    "connection reset",
    "broken pipe",
    "no route to host",
    "network is unreachable",
    "unexpected eof",
    "temporary failure",
    "service unavailable",
    "bad gateway",
    "gateway timeout",
    "registry is unavailable",
    "code = unavailable",
    "code = resourceexhausted"};

template <size_t N>
bool ContainsAny(absl::string_view text, const absl::string_view (&words)[N]) {
  for (absl::string_view w : words) {
    if (absl::StrContains(text, w)) return true;
  }
  return false;
}

// For a container backing off a pull: "; the last pull failed: <error>"
// when the error is known.
std::string PullErrorSuffix(const std::string& error) {
  return error.empty() ? "" : absl::StrCat("; the last pull failed: ", error);
}

// The message of the kubelet's 'Failed to pull image "<image>": <error>'
// event: the image and the error; false for any other message.
bool ParsePullFailure(absl::string_view message, std::string* image,
                      std::string* error) {
  constexpr absl::string_view kPrefix = "Failed to pull image \"";
  if (!absl::StartsWith(message, kPrefix)) return false;
  message.remove_prefix(kPrefix.size());
  const size_t end = message.find("\": ");
  if (end == absl::string_view::npos) return false;
  *image = std::string(message.substr(0, end));
  *error = std::string(message.substr(end + 3));
  return true;
}

}  // namespace

bool PermanentPullError(absl::string_view message) {
  const std::string text = absl::AsciiStrToLower(message);
  return ContainsAny(text, kPermanentPullWords) &&
         !ContainsAny(text, kTransientPullWords);
}

bool PodTerminated(const nlohmann::json& pod) {
  const std::string phase = StringAt(pod, {"status", "phase"});
  return phase == "Failed" || phase == "Succeeded";
}

bool PermanentWait(const std::string& reason, const std::string& message) {
  if (reason == "InvalidImageName" || reason == "ErrImageNeverPull") {
    return true;
  }
  if (reason == kErrImagePull) return PermanentPullError(message);
  return reason == "CreateContainerConfigError" &&
         !absl::StrContains(message, "failed to sync");
}

absl::StatusOr<bool> PodReady(const nlohmann::json& pod) {
  if (PodTerminated(pod)) {
    const std::string message = StringAt(pod, {"status", "message"});
    return absl::FailedPreconditionError(absl::StrCat(
        "the pod terminated (phase ", StringAt(pod, {"status", "phase"}), ")",
        message.empty() ? "" : absl::StrCat(": ", message),
        FailedContainers(pod)));
  }
  if (Terminating(pod)) {
    return absl::AbortedError("the pod is being deleted (by someone else)");
  }
  const nlohmann::json& status = ObjectAt(pod, "status");
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    for (const nlohmann::json& c : ArrayAt(status, list)) {
      const std::string reason = StringAt(c, {"state", "waiting", "reason"});
      const std::string message = StringAt(c, {"state", "waiting", "message"});
      if (PermanentWait(reason, message)) {
        return absl::FailedPreconditionError(
            absl::StrCat("container ", StringAt(c, {"name"}),
                         " cannot start: ", reason, ": ", message));
      }
    }
  }
  for (const nlohmann::json& c : ArrayAt(status, "conditions")) {
    if (StringAt(c, {"type"}) == "Ready" && StringAt(c, {"status"}) == "True") {
      return true;
    }
  }
  return false;
}

std::string PodReadiness::PullErrorFor(const std::string& name,
                                       const std::string& image) const {
  auto it = pull_errors_.find(name);
  if (it == pull_errors_.end()) return "";
  // A pull error of another image (the pod was updated) says nothing.
  if (!image.empty() && !it->second.image.empty() &&
      it->second.image != image) {
    return "";
  }
  return it->second.message;
}

std::string PodReadiness::LastPullError(const std::string& name) const {
  return PullErrorFor(name, "");
}

absl::StatusOr<bool> PodReadiness::Check(const nlohmann::json& pod) {
  last_pod_ = pod;
  const nlohmann::json& status = ObjectAt(pod, "status");
  for (const char* list : kStatusLists) {
    for (const nlohmann::json& c : ArrayAt(status, list)) {
      const std::string message = StringAt(c, {"state", "waiting", "message"});
      if (StringAt(c, {"state", "waiting", "reason"}) == kErrImagePull &&
          !message.empty()) {
        pull_errors_[StringAt(c, {"name"})] = {StringAt(c, {"image"}), message};
      }
    }
  }
  absl::StatusOr<bool> ready = PodReady(pod);
  if (!ready.ok() || *ready) return ready;
  for (const char* list : kStatusLists) {
    for (const nlohmann::json& c : ArrayAt(status, list)) {
      if (StringAt(c, {"state", "waiting", "reason"}) != kImagePullBackOff) {
        continue;
      }
      const std::string name = StringAt(c, {"name"});
      const std::string error = PullErrorFor(name, StringAt(c, {"image"}));
      if (PermanentPullError(error)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "container ", name, " cannot start: ", kImagePullBackOff, ": ",
            StringAt(c, {"state", "waiting", "message"}),
            PullErrorSuffix(error)));
      }
    }
  }
  return false;
}

bool PodReadiness::NeedsEvents() const {
  const nlohmann::json& status = ObjectAt(last_pod_, "status");
  for (const char* list : kStatusLists) {
    for (const nlohmann::json& c : ArrayAt(status, list)) {
      if (StringAt(c, {"state", "waiting", "reason"}) != kImagePullBackOff) {
        continue;
      }
      const std::string name = StringAt(c, {"name"});
      const std::string image = StringAt(c, {"image"});
      auto read = events_read_.find(name);
      if (PullErrorFor(name, image).empty() &&
          (read == events_read_.end() || read->second != image)) {
        return true;
      }
    }
  }
  return false;
}

void PodReadiness::NoteEvents(const std::vector<kube::Event>& events) {
  const std::string uid = StringAt(last_pod_, {"metadata", "uid"});
  const nlohmann::json& status = ObjectAt(last_pod_, "status");
  for (const kube::Event& e : events) {
    const std::string event_uid = StringAt(e.object, {"involvedObject", "uid"});
    std::string image, error;
    if ((!uid.empty() && !event_uid.empty() && event_uid != uid) ||
        !ParsePullFailure(e.message, &image, &error)) {
      continue;
    }
    for (const char* list : kStatusLists) {
      for (const nlohmann::json& c : ArrayAt(status, list)) {
        if (StringAt(c, {"image"}) == image) {
          pull_errors_[StringAt(c, {"name"})] = {image, error};
        }
      }
    }
  }
  for (const char* list : kStatusLists) {
    for (const nlohmann::json& c : ArrayAt(status, list)) {
      events_read_[StringAt(c, {"name"})] = StringAt(c, {"image"});
    }
  }
}

std::string PodReadiness::DescribeContainer(absl::string_view list,
                                            const nlohmann::json& c) const {
  const std::string name = StringAt(c, {"name"});
  const std::string image = StringAt(c, {"image"});
  std::string line = absl::StrCat("  ", ContainerWord(list), name);
  if (!image.empty()) absl::StrAppend(&line, " (image \"", image, "\")");
  const nlohmann::json& state = ObjectAt(c, "state");
  if (state.contains("waiting")) {
    const std::string reason = StringAt(state, {"waiting", "reason"});
    const std::string message = StringAt(state, {"waiting", "message"});
    absl::StrAppend(&line, ": waiting", reason.empty() ? "" : ": ", reason,
                    message.empty() ? "" : ": ", message);
    const std::string error = PullErrorFor(name, image);
    if ((reason == kErrImagePull || reason == kImagePullBackOff) &&
        error != message) {
      absl::StrAppend(&line, PullErrorSuffix(error));
    }
  } else if (state.contains("terminated")) {
    const nlohmann::json& t = state["terminated"];
    const auto code = t.find("exitCode");
    const std::string message = StringAt(t, {"message"});
    absl::StrAppend(&line, ": terminated: ", StringAt(t, {"reason"}),
                    " (exit code ",
                    code != t.end() && code->is_number_integer()
                        ? std::to_string(code->get<int64_t>())
                        : "?",
                    ")", message.empty() ? "" : ": ", message);
  } else if (state.contains("running")) {
    absl::StrAppend(&line, ContainerWord(list) == "container "
                               ? ": running, not ready"
                               : ": running");
  } else {
    absl::StrAppend(&line, ": not started");
  }
  return line + "\n";
}

std::string PodReadiness::Describe(const nlohmann::json* pod) const {
  const nlohmann::json& p =
      pod != nullptr && pod->is_object() ? *pod : last_pod_;
  const nlohmann::json& status = ObjectAt(p, "status");
  std::string out;
  for (const nlohmann::json& c : ArrayAt(status, "conditions")) {
    if (StringAt(c, {"type"}) == "PodScheduled" &&
        StringAt(c, {"status"}) == "False") {
      absl::StrAppend(&out, "  not scheduled: ", StringAt(c, {"reason"}), ": ",
                      StringAt(c, {"message"}), "\n");
    }
  }
  for (const char* list : kStatusLists) {
    for (const nlohmann::json& c : ArrayAt(status, list)) {
      const nlohmann::json& t = ObjectAt(ObjectAt(c, "state"), "terminated");
      const bool completed = t.contains("exitCode") && t["exitCode"] == 0 &&
                             absl::string_view(list) == "initContainerStatuses";
      const auto ready = c.find("ready");
      if (completed || (ready != c.end() && *ready == true)) continue;
      absl::StrAppend(&out, DescribeContainer(list, c));
    }
  }
  return out;
}

absl::StatusOr<nlohmann::json> WaitForPodReady(kube::Client& client,
                                               const kube::ObjectRef& ref,
                                               const nlohmann::json& pod,
                                               absl::Time deadline,
                                               const kube::CancelToken* cancel,
                                               PodReadiness* readiness) {
  // Ends a watch also when the events are needed: they are read between
  // watches, never from inside the watch's callback.
  const kube::Predicate ready_or_needs_events =
      [readiness](const nlohmann::json& p) -> absl::StatusOr<bool> {
    absl::StatusOr<bool> ready = readiness->Check(p);
    if (!ready.ok()) return ready;
    return *ready || readiness->NeedsEvents();
  };
  absl::StatusOr<nlohmann::json> seen = pod;
  do {
    if (readiness->NeedsEvents()) {
      absl::StatusOr<std::vector<kube::Event>> events =
          client.Events(ref, {deadline, cancel});
      readiness->NoteEvents(events.ok() ? *events : std::vector<kube::Event>());
    }
    seen = client.WaitFor(ref, ready_or_needs_events, deadline, cancel, *seen,
                          kube::WatchedFields::kStatus);
  } while (seen.ok() && readiness->NeedsEvents());
  return seen;
}

std::string WaitFailureDetails(const absl::Status& status,
                               const PodReadiness& readiness,
                               const nlohmann::json& pod,
                               const std::vector<kube::Event>& events) {
  std::string text;
  if (!absl::IsFailedPrecondition(status)) {
    const std::string seen = readiness.Describe(&pod);
    if (!seen.empty()) {
      absl::StrAppend(&text, "\nContainer statuses:\n",
                      absl::StripSuffix(seen, "\n"));
    }
  }
  const nlohmann::json& about = pod.is_object() ? pod : readiness.last_pod();
  const std::string uid = StringAt(about, {"metadata", "uid"});
  std::vector<kube::Event> warnings;
  for (kube::Event& e : kube::FilterEvents(events, "Warning")) {
    const std::string of = StringAt(e.object, {"involvedObject", "uid"});
    if (uid.empty() || of.empty() || of == uid)
      warnings.push_back(std::move(e));
  }
  if (!warnings.empty()) {
    absl::StrAppend(&text, "\nLast warning events:");
    const size_t first = warnings.size() > 3 ? warnings.size() - 3 : 0;
    for (size_t i = first; i < warnings.size(); ++i) {
      absl::StrAppend(&text, "\n  ", kube::FormatEvent(warnings[i]));
    }
  }
  return text;
}

}  // namespace cvm::resources
