// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/workspace_validate.h"

#include <cmath>
#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "provider/framework/value_access.h"
#include "provider/resources/quantity.h"
#include "provider/resources/validators.h"
#include "provider/resources/workspace_internal.h"
#include "provider/values/path.h"

namespace cvm::resources {
namespace {

using framework::Attr;
using framework::BoolAttr;
using framework::Diagnostics;
using framework::StringAttr;
using values::Path;
using values::Value;

// What the rules know of `mode`. An unknown mode counts as envbox for the
// rules that only warn or check values (`envbox`), but as neither mode
// for the errors that depend on it (`known`, `sysbox`).
struct Mode {
  bool known;   // known, or null (the default, envbox)
  bool envbox;  // "envbox", null or unknown
  bool sysbox;  // known and not envbox
};

Mode ModeOf(const Value& config) {
  const std::optional<std::string> mode = StringAttr(config, "mode");
  Mode m;
  m.known = mode.has_value() || Attr(config, "mode").IsNull();
  m.envbox = mode.value_or("envbox") == "envbox";
  m.sysbox = m.known && !m.envbox;
  return m;
}

constexpr const char* kPrivateTargets[] = {
    "/var/lib/docker", "/var/lib/containers", "/var/lib/sysbox", "/lib/modules",
    "/usr/src",        "/var/lib/coder"};

// Environment variables the provider renders itself, and the argument that
// sets each. A user value would shadow ours (and CODER_AGENT_TOKEN would put
// the token into the pod spec in clear).
struct ReservedEnv {
  const char* name;
  const char* argument;
};
constexpr ReservedEnv kReservedEnvAlways[] = {
    {"CODER_AGENT_TOKEN", "agent_token"},
    {"CODER_AGENT_URL", "agent_url"},
};
constexpr ReservedEnv kReservedEnvEnvbox[] = {
    {"CODER_INNER_IMAGE", "inner_image"},
    {"CODER_INNER_USERNAME", "inner_username"},
    {"CODER_INNER_HOSTNAME", "inner_hostname"},
    {"CODER_BOOTSTRAP_SCRIPT", "bootstrap_script"},
    {"CODER_MOUNTS", "mounts"},
    {"CODER_INNER_ENVS", "env_passthrough"},
    {"CODER_DOCKER_BRIDGE_CIDR",
     "docker_bridge_cidr of the namespace's cvm_cluster_settings"},
    {"CODER_ADD_TUN", "tun"},
    {"CODER_ADD_FUSE", "fuse"},
    {"CODER_ADD_GPU", "the gpu block"},
    {"CODER_USR_LIB_DIR", "gpu.host_lib_dir"},
    {"CODER_CPUS", "cpu.limit"},
    {"CODER_MEMORY", "memory.limit"},
    {"CODER_IMAGE_PULL_SECRET", "image_pull_secret"},
    {"CODER_EXTRA_CERTS_PATH", "envbox.extra_certs_volume"},
    {"CODER_DOCKER_CONFIG", "envbox.docker_config_volume"},
    {"CODER_DISABLE_IDMAPPED_MOUNT", "envbox.disable_idmapped_mount"},
    {"CODER_INNER_WORK_DIR", "envbox.inner_work_dir"},
    {"CODER_INNER_USR_LIB_DIR", "envbox.inner_usr_lib_dir"},
};
constexpr ReservedEnv kReservedEnvSysbox[] = {
    {"CVM_BOOTSTRAP", "bootstrap_script"},
};

bool UnderPath(const std::string& path, const std::string& root) {
  return path == root || absl::StartsWith(path, root + "/");
}

void CheckGpuNeedsEnvbox(const Value& config, const Mode& mode,
                         Diagnostics* diags) {
  if (mode.sysbox && !Attr(config, "gpu").IsNull()) {
    diags->AddAttributeError(
        Path::FromAttr("gpu"), "GPUs Need envbox Mode",
        "Sysbox has no GPU passthrough (nestybox/sysbox#50), so sysbox-mode "
        "workspaces cannot use GPUs. Remove the gpu block or set mode = "
        "\"envbox\".");
  }
}

void CheckGpuLibDir(const Value& config, const Mode&, Diagnostics* diags) {
  if (auto lib = StringAttr(Attr(config, "gpu"), "host_lib_dir")) {
    if (*lib == "/" || *lib == "/usr" || *lib == "/lib") {
      diags->AddAttributeError(Path::FromAttr("gpu").Attr("host_lib_dir"),
                               "Invalid GPU Library Directory",
                               "Point host_lib_dir at the directory holding "
                               "the NVIDIA libraries, e.g. "
                               "/usr/lib/x86_64-linux-gnu or /usr/lib64.");
    }
  }
}

// The workspace user's home directory; nullopt while the user is unknown.
std::optional<std::string> HomeDirectory(const Value& config) {
  const Value& user = Attr(config, "inner_username");
  std::optional<std::string> home;
  if (user.IsNull()) home = "/home/coder";
  if (auto name = StringAttr(config, "inner_username")) home = "/home/" + *name;
  return home;
}

// The rules for one mount target: distinct, not the home directory, not
// under /tmp, not a directory envbox uses itself.
void CheckMountTarget(const Path& path, const std::string& target,
                      const std::optional<std::string>& home,
                      std::set<std::string>* seen, Diagnostics* diags) {
  if (!seen->insert(target).second) {
    diags->AddAttributeError(
        path, "Duplicate Mount Target",
        absl::StrCat("Another mount already targets ", QuoteValue(target),
                     "; give each mount its own target."));
  }
  if (home && target == *home) {
    diags->AddAttributeError(
        path, "Mount Target Is the Home Directory",
        absl::StrCat(*home,
                     " is the workspace's home, already mounted from the home "
                     "volume; mount below it (e.g. \"",
                     *home, "/projects\") or elsewhere."));
  }
  if (UnderPath(target, "/tmp")) {
    diags->AddAttributeError(
        path, "Mount Target Under /tmp",
        absl::StrCat("Files placed in /tmp of a CVM vanish once it boots "
                     "(systemd mounts a fresh /tmp). Mount ",
                     QuoteValue(target),
                     " somewhere else, e.g. under /opt or /home."));
  }
  for (const char* priv : kPrivateTargets) {
    if (UnderPath(target, priv)) {
      diags->AddAttributeError(
          path, "Mount Target Is Private to envbox",
          absl::StrCat("envbox uses ", priv,
                       " itself (Docker and Sysbox data, "
                       "kernel files); choose another target than ",
                       QuoteValue(target), "."));
    }
  }
}

void CheckMountTargets(const Value& config, const Mode&, Diagnostics* diags) {
  const Value& mounts = Attr(config, "mounts");
  const std::optional<std::string> home = HomeDirectory(config);
  std::set<std::string> seen;
  for (size_t i = 0; mounts.IsKnown() && i < mounts.Elements().size(); ++i) {
    const std::optional<std::string> target =
        StringAttr(mounts.Elements()[i], "target");
    if (!target) continue;
    const Path path =
        Path::FromAttr("mounts").Index(static_cast<int64_t>(i)).Attr("target");
    CheckMountTarget(path, *target, home, &seen, diags);
  }
  for (const auto& [path, target] :
       workspace_internal::VolumeTargetsOf(config)) {
    CheckMountTarget(path, target, home, &seen, diags);
  }
}

// Names in env or env_value_from that the provider sets itself.
void CheckReservedEnv(const Value& config, const Mode& mode,
                      Diagnostics* diags) {
  const auto names = workspace_internal::EnvNamesOf(config);
  auto check = [&](const ReservedEnv& r) {
    for (const workspace_internal::EnvName& n : names) {
      if (n.name != r.name) continue;
      diags->AddAttributeError(
          n.path, "Reserved Environment Variable",
          absl::StrCat(r.name, " is set by the provider; use ", r.argument,
                       " instead and remove it from ", n.attribute, "."));
    }
  };
  for (const ReservedEnv& r : kReservedEnvAlways) check(r);
  if (mode.envbox && mode.known) {
    for (const ReservedEnv& r : kReservedEnvEnvbox) check(r);
  }
  if (mode.sysbox) {
    for (const ReservedEnv& r : kReservedEnvSysbox) check(r);
  }
}

// Variables envbox itself (or the Docker daemon and Sysbox it starts, or
// the dynamic loader under them) reads; `env` sets them on the envbox
// container too.
constexpr const char* kEnvboxProcessEnv[] = {
    "HOME",
    "PATH",
    "TMPDIR",
    "XDG_RUNTIME_DIR",
    "DOCKER_HOST",
    "DOCKER_API_VERSION",
    "DOCKER_CERT_PATH",
    "DOCKER_TLS_VERIFY",
    "DOCKER_CONFIG",
    "GODEBUG",
    "GOGC",
    "GOMAXPROCS",
    "GOMEMLIMIT",
    "GOTRACEBACK",
};

bool ChangesEnvbox(const std::string& name) {
  if (absl::StartsWith(name, "LD_")) return true;
  for (const char* n : kEnvboxProcessEnv) {
    if (name == n) return true;
  }
  return false;
}

void CheckEnvChangesEnvbox(const Value& config, const Mode& mode,
                           Diagnostics* diags) {
  if (!(mode.envbox && mode.known)) return;
  for (const workspace_internal::EnvName& n :
       workspace_internal::EnvNamesOf(config)) {
    if (!ChangesEnvbox(n.name)) continue;
    diags->AddAttributeError(
        n.path, "Environment Variable Would Change envbox",
        absl::StrCat(
            "In envbox mode ", n.attribute,
            " is set on the envbox container as well as "
            "passed into the workspace, so ",
            n.name,
            " would also change envbox (and the Docker daemon and Sysbox it "
            "runs). Set it for the workspace only: in the env of the "
            "template's coder_agent, or exported by bootstrap_script."));
  }
}

// The request and limit of block `block` (cpu or memory).
void CheckQuantities(const Value& config, const std::string& block, bool cpu,
                     bool envbox, Diagnostics* diags) {
  const Value& b = Attr(config, block);
  const std::optional<std::string> request = StringAttr(b, "request");
  const std::optional<std::string> limit = StringAttr(b, "limit");
  if (!limit) return;
  absl::StatusOr<long double> l = ParseQuantity(*limit);
  if (!l.ok()) return;  // The attribute validator reports it.
  if (*l <= 0) {
    diags->AddAttributeError(Path::FromAttr(block).Attr("limit"),
                             "Invalid Limit",
                             "The limit must be greater than zero.");
  }
  if (request) {
    absl::StatusOr<long double> r = ParseQuantity(*request);
    if (r.ok() && *r > *l) {
      diags->AddAttributeError(
          Path::FromAttr(block).Attr("request"), "Request Exceeds Limit",
          absl::StrCat(block, ".request (", *request, ") is larger than ",
                       block, ".limit (", *limit,
                       "); lower the request or raise the limit."));
    }
  }
  if (cpu && envbox && std::fabs(*l - std::round(*l)) > 1e-9L) {
    diags->AddAttributeWarning(
        Path::FromAttr(block).Attr("limit"),
        "CPU Limit Rounded Up Inside the Workspace",
        absl::StrCat(
            "envbox gives the inner container a whole number of cores "
            "(CODER_CPUS is an integer from the downward API), so a limit of ",
            *limit, " becomes ", static_cast<long long>(std::ceil(*l)),
            " inside. Use a whole number of cores to avoid the surprise."));
  }
  if (!cpu && (absl::EndsWith(*limit, "G") || absl::EndsWith(*limit, "M"))) {
    diags->AddAttributeWarning(
        Path::FromAttr(block).Attr("limit"), "Decimal Memory Unit",
        absl::StrCat(QuoteValue(*limit),
                     " uses a decimal unit (1G = 10^9 bytes); write \"", *limit,
                     "i\" for binary units if that is what you meant."));
  }
}

void CheckCpu(const Value& config, const Mode& mode, Diagnostics* diags) {
  CheckQuantities(config, "cpu", /*cpu=*/true, mode.envbox, diags);
}

void CheckMemory(const Value& config, const Mode& mode, Diagnostics* diags) {
  CheckQuantities(config, "memory", /*cpu=*/false, mode.envbox, diags);
}

void CheckHomeSize(const Value& config, const Mode&, Diagnostics* diags) {
  const Value& home = Attr(config, "home");
  if (auto size = StringAttr(home, "size")) {
    absl::StatusOr<long double> bytes = ParseQuantity(*size);
    const long double gib = 1024.0L * 1024 * 1024;
    if (bytes.ok() && *bytes < 10 * gib) {
      diags->AddAttributeError(
          Path::FromAttr("home").Attr("size"), "Home Volume Too Small",
          absl::StrCat(
              "The home volume holds the home directory, the inner image and "
              "Docker's data; ",
              *size, " is below the 10Gi minimum."));
    } else if (bytes.ok() && *bytes < 50 * gib) {
      diags->AddAttributeWarning(
          Path::FromAttr("home").Attr("size"), "Small Home Volume",
          "50-100Gi is recommended: the inner image and /var/lib/docker count "
          "against the home volume, and a full disk slows envbox down.");
    }
  }
}

void CheckEnvboxPrivileged(const Value& config, const Mode& mode,
                           Diagnostics* diags) {
  if (!(mode.envbox && mode.known)) return;
  if (BoolAttr(config, "privileged") == std::optional<bool>(false)) {
    diags->AddAttributeError(
        Path::FromAttr("privileged"), "envbox Needs a Privileged Pod",
        "Sysbox inside envbox needs true root on the node "
        "(nestybox/sysbox#891); "
        "remove privileged = false, or use mode = \"sysbox\".");
  }
}

void CheckEnvboxImagePinned(const Value& config, const Mode& mode,
                            Diagnostics* diags) {
  if (!(mode.envbox && mode.known)) return;
  if (auto image = StringAttr(config, "image")) {
    absl::StatusOr<ImageReference> ref = ParseImageReference(*image);
    if (ref.ok() && ref->digest.empty() &&
        (ref->tag.empty() || ref->tag == "latest")) {
      diags->AddAttributeWarning(Path::FromAttr("image"),
                                 "Unpinned envbox Image",
                                 "Pin the envbox image to a release (e.g. "
                                 "ghcr.io/coder/envbox:0.6.7) so "
                                 "workspaces do not change under you.");
    }
  }
}

void CheckSysboxHostAccess(const Value& config, const Mode& mode,
                           Diagnostics* diags) {
  if (!mode.sysbox) return;
  for (const char* attr :
       {"privileged", "host_network", "host_pid", "host_ipc"}) {
    if (BoolAttr(config, attr).value_or(false)) {
      diags->AddAttributeError(
          Path::FromAttr(attr), "Not Supported in sysbox Mode",
          absl::StrCat(attr,
                       " breaks the isolation Sysbox provides and is not "
                       "supported for Sysbox pods (and Kubernetes rejects host "
                       "namespaces with a user namespace). Remove it, or use "
                       "mode = \"envbox\"."));
    }
  }
}

void CheckSysboxDevices(const Value& config, const Mode& mode,
                        Diagnostics* diags) {
  if (!mode.sysbox) return;
  for (const char* attr : {"tun", "fuse"}) {
    if (BoolAttr(config, attr).value_or(false)) {
      diags->AddAttributeError(
          Path::FromAttr(attr), "Not Supported in sysbox Mode",
          absl::StrCat("Sysbox pods cannot create device nodes, so ", attr,
                       " works only in envbox mode."));
    }
  }
}

void CheckInnerImageRegistry(const Value& config, const Mode& mode,
                             Diagnostics* diags) {
  if (auto inner = StringAttr(config, "inner_image")) {
    absl::StatusOr<ImageReference> ref = ParseImageReference(*inner);
    if (ref.ok() && ref->registry.empty() && mode.envbox) {
      diags->AddAttributeWarning(
          Path::FromAttr("inner_image"), "Image Without Registry",
          "envbox pulls the inner image itself and finds credentials and CA "
          "certificates by registry host; write the registry explicitly, e.g. "
          "docker.io/codercom/enterprise-base:ubuntu.");
    }
  }
}

void CheckPodOptions(const Value& config, const Mode& mode,
                     Diagnostics* diags) {
  workspace_internal::ValidatePodOptions(config, mode.sysbox, diags);
}

// A named rule; `check` adds its diagnostics.
struct ConfigRule {
  const char* name;
  void (*check)(const Value& config, const Mode& mode, Diagnostics* diags);
};

// In the order their diagnostics appear.
constexpr ConfigRule kConfigRules[] = {
    {"gpu-needs-envbox", CheckGpuNeedsEnvbox},
    {"gpu-lib-dir-not-a-system-root", CheckGpuLibDir},
    {"mount-targets", CheckMountTargets},
    {"reserved-env", CheckReservedEnv},
    {"env-changes-envbox", CheckEnvChangesEnvbox},
    {"cpu-request-and-limit", CheckCpu},
    {"memory-request-and-limit", CheckMemory},
    {"home-size", CheckHomeSize},
    {"envbox-privileged", CheckEnvboxPrivileged},
    {"envbox-image-pinned", CheckEnvboxImagePinned},
    {"sysbox-no-host-access", CheckSysboxHostAccess},
    {"sysbox-no-devices", CheckSysboxDevices},
    {"inner-image-registry", CheckInnerImageRegistry},
    {"pod-options", CheckPodOptions},
};

}  // namespace

void ValidateWorkspaceConfig(const Value& config, Diagnostics* diags) {
  const Mode mode = ModeOf(config);
  for (const ConfigRule& rule : kConfigRules) rule.check(config, mode, diags);
}

}  // namespace cvm::resources
