// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The volume blocks and the envbox block of cvm_workspace (see
// workspace_internal.h): Secrets, ConfigMaps, claims and NFS exports
// mounted into the workspace, and envbox's settings that read files from
// them (extra CA certificates, a Docker config). Pure functions.

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "provider/framework/value_access.h"
#include "provider/resources/validators.h"
#include "provider/resources/workspace_internal.h"
#include "provider/values/path.h"

namespace cvm::resources::workspace_internal {
namespace {

using framework::Attr;
using framework::ElementsOf;
using framework::BoolAttr;
using framework::Diagnostics;
using framework::StringAttr;
using schema::Attribute;
using schema::NestedBlock;
using values::Path;
using values::Type;
using values::Value;

// A volume's name becomes pod volume "vol-<name>" (a DNS label).
constexpr size_t kMaxVolumeName = 59;

struct SourceKind {
  const char* block;
  WorkspaceVolume::Kind kind;
};
constexpr SourceKind kSources[] = {
    {"secret", WorkspaceVolume::Kind::kSecret},
    {"config_map", WorkspaceVolume::Kind::kConfigMap},
    {"persistent_volume_claim", WorkspaceVolume::Kind::kClaim},
    {"nfs", WorkspaceVolume::Kind::kNfs},
};

bool IsSet(const Value& v) { return !v.IsUnknown() && !v.IsNull(); }

NestedBlock SingleBlock(const char* name, std::string description,
                        std::vector<Attribute> attributes) {
  NestedBlock b;
  b.type_name = name;
  b.nesting = NestedBlock::Nesting::kSingle;
  b.block.markdown_description = std::move(description);
  b.block.attributes = std::move(attributes);
  return b;
}

NestedBlock ObjectSourceBlock(const char* name, const char* kind) {
  return SingleBlock(
      name,
      absl::StrCat("The keys of ", kind,
                   " `name` as files, read-only (mode 0644: the workspace "
                   "user can read them)."),
      {Attribute("name", Type::String())
           .Required()
           .Validate(IsDnsSubdomain())
           .Describe(absl::StrCat("The ", kind,
                                  ", in the workspace's namespace.")),
       Attribute("optional", Type::Bool())
           .Optional()
           .Describe(absl::StrCat("When true, a missing ", kind,
                                  " mounts an empty directory instead of "
                                  "keeping the workspace from starting."))});
}

// A relative path to a file inside a volume.
schema::Validator IsFileInVolume() {
  return [](const Value& v) -> absl::Status {
    const std::string& s = v.AsString();
    bool plain = !s.empty() && s[0] != '/' && s.back() != '/';
    for (absl::string_view part : absl::StrSplit(s, '/')) {
      if (part.empty() || part == "." || part == "..") plain = false;
    }
    if (plain) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        QuoteValue(s),
        " must be a relative path inside the volume, without empty, '.' or "
        "'..' parts (e.g. \"ca.crt\")"));
  };
}

// The volume name `attribute` of the envbox block refers to, with its path.
struct VolumeReference {
  const char* attribute;
  const char* file_attribute;
};
constexpr VolumeReference kEnvboxVolumeReferences[] = {
    {"extra_certs_volume", "extra_certs_file"},
    {"docker_config_volume", "docker_config_file"},
};

std::string PodVolumeName(const WorkspaceVolume& v) {
  return "vol-" + v.name;
}

nlohmann::json PodVolume(const WorkspaceVolume& v) {
  nlohmann::json source;
  switch (v.kind) {
    case WorkspaceVolume::Kind::kSecret:
      source = {{"secret", {{"secretName", v.source}}}};
      if (v.optional) source["secret"]["optional"] = *v.optional;
      break;
    case WorkspaceVolume::Kind::kConfigMap:
      source = {{"configMap", {{"name", v.source}}}};
      if (v.optional) source["configMap"]["optional"] = *v.optional;
      break;
    case WorkspaceVolume::Kind::kClaim:
      source = {{"persistentVolumeClaim", {{"claimName", v.source}}}};
      if (v.read_only) source["persistentVolumeClaim"]["readOnly"] = true;
      break;
    case WorkspaceVolume::Kind::kNfs:
      source = {{"nfs", {{"server", v.server}, {"path", v.source}}}};
      if (v.read_only) source["nfs"]["readOnly"] = true;
      break;
  }
  source["name"] = PodVolumeName(v);
  return source;
}

nlohmann::json VolumeMount(const WorkspaceVolume& v, const std::string& path) {
  nlohmann::json m = {{"name", PodVolumeName(v)}, {"mountPath", path}};
  if (v.read_only) m["readOnly"] = true;
  return m;
}

// Where envbox finds `file` of volume `name`: the whole volume when `file`
// is empty.
std::string EnvboxFilePath(const std::string& name, const std::string& file) {
  std::string path = EnvboxVolumePath(name);
  if (!file.empty()) absl::StrAppend(&path, "/", file);
  return path;
}

void ValidateVolumeSources(const std::vector<Value>& volumes,
                           Diagnostics* diags) {
  for (size_t i = 0; i < volumes.size(); ++i) {
    const Path path = Path::FromAttr("volume").Index(static_cast<int64_t>(i));
    int set = 0;
    bool unknown = false;
    for (const SourceKind& s : kSources) {
      const Value& block = Attr(volumes[i], s.block);
      unknown |= block.IsUnknown();
      set += IsSet(block) ? 1 : 0;
    }
    if (!unknown && set != 1) {
      diags->AddAttributeError(
          path, "Invalid Volume Source",
          "Give exactly one of secret, config_map, persistent_volume_claim "
          "and nfs: where the volume's files come from.");
    }
    const bool api_data = IsSet(Attr(volumes[i], "secret")) ||
                          IsSet(Attr(volumes[i], "config_map"));
    if (api_data && BoolAttr(volumes[i], "read_only") == false) {
      diags->AddAttributeError(
          path.Attr("read_only"), "Volume Is Always Read-Only",
          "The kubelet mounts Secrets and ConfigMaps read-only; remove "
          "read_only = false, or copy the files where the workspace may "
          "change them.");
    }
  }
}

}  // namespace

std::string EnvboxVolumePath(const std::string& name) {
  return absl::StrCat("/home/.cvm-volume-", name);
}

NestedBlock VolumeBlock() {
  NestedBlock b;
  b.type_name = "volume";
  b.nesting = NestedBlock::Nesting::kList;
  b.block.markdown_description =
      "A Kubernetes volume mounted into the workspace at `target`: exactly "
      "one of `secret`, `config_map`, `persistent_volume_claim` and `nfs`. "
      "In envbox mode it is mounted on the envbox container under "
      "`/home/.cvm-volume-<name>` and passed in by `CODER_MOUNTS`, so envbox "
      "gives the mount point to the workspace user; in sysbox mode it is "
      "mounted on the workspace container (a writable claim's root is "
      "given to the workspace user before it starts; an NFS export keeps "
      "the server's owners). envbox remounts each of its mounts "
      "read-write and changes the owner of its root (cli/docker.go), so in "
      "envbox mode the storage underneath must allow that: an NFS export "
      "with root_squash, a read-only export or a claim whose volume is "
      "read-only keeps envbox from starting.";
  b.block.attributes = {
      Attribute("name", Type::String())
          .Required()
          .Validate(IsDnsLabel(kMaxVolumeName))
          .DescribeMarkdown(
              "Unique among the workspace's volumes (a DNS label of at most "
              "59 characters); the `envbox` block names volumes by it."),
      Attribute("target", Type::String())
          .Optional()
          .Validate(IsMountPath())
          .DescribeMarkdown(
              "Absolute path in the workspace; not under `/tmp`. Required "
              "in sysbox mode; in envbox mode a volume without a target is "
              "mounted for envbox only (e.g. `envbox.extra_certs_volume`)."),
      Attribute("read_only", Type::Bool())
          .Optional()
          .DescribeMarkdown(
              "Mount read-only. Secrets and ConfigMaps always are."),
  };
  b.block.block_types = {
      ObjectSourceBlock("secret", "Secret"),
      ObjectSourceBlock("config_map", "ConfigMap"),
      SingleBlock("persistent_volume_claim",
                  "A PersistentVolumeClaim of the namespace (another than "
                  "the home volume).",
                  {Attribute("claim_name", Type::String())
                       .Required()
                       .Validate(IsDnsSubdomain())
                       .Describe("The claim's name.")}),
      SingleBlock(
          "nfs", "An NFS export, mounted by the kubelet.",
          {Attribute("server", Type::String())
               .Required()
               .Describe("The NFS server's host name or IP address."),
           Attribute("path", Type::String())
               .Required()
               .Validate(IsMountPath())
               .Describe("The exported path on the server.")}),
  };
  return b;
}

NestedBlock EnvboxBlock() {
  return SingleBlock(
      "envbox",
      "envbox's own settings (envbox mode only), so that no raw `CODER_*` "
      "variable is needed. Files come from the workspace's `volume` "
      "blocks, named by `name`.",
      {Attribute("extra_certs_volume", Type::String())
           .Optional()
           .DescribeMarkdown(
               "A volume with extra CA certificates envbox trusts when it "
               "pulls `inner_image` and talks to Coder "
               "(`CODER_EXTRA_CERTS_PATH`), e.g. a Secret with the "
               "corporate CA."),
       Attribute("extra_certs_file", Type::String())
           .Optional()
           .Validate(IsFileInVolume())
           .DescribeMarkdown(
               "One file of `extra_certs_volume` (e.g. `ca.crt`); unset: "
               "every certificate in the volume."),
       Attribute("docker_config_volume", Type::String())
           .Optional()
           .DescribeMarkdown(
               "A volume with the Docker config envbox pulls `inner_image` "
               "with (`CODER_DOCKER_CONFIG`), e.g. a "
               "`kubernetes.io/dockerconfigjson` Secret."),
       Attribute("docker_config_file", Type::String())
           .Optional()
           .Validate(IsFileInVolume())
           .DescribeMarkdown(
               "The file of `docker_config_volume`; default "
               "`.dockerconfigjson`."),
       Attribute("disable_idmapped_mount", Type::Bool())
           .Optional()
           .DescribeMarkdown(
               "Start Sysbox without ID-mapped mounts "
               "(`CODER_DISABLE_IDMAPPED_MOUNT`), for kernels where they "
               "fail; shiftfs must then be available."),
       Attribute("inner_work_dir", Type::String())
           .Optional()
           .Validate(IsMountPath())
           .DescribeMarkdown(
               "Working directory of the workspace's first process "
               "(`CODER_INNER_WORK_DIR`)."),
       Attribute("inner_usr_lib_dir", Type::String())
           .Optional()
           .Validate(IsMountPath())
           .DescribeMarkdown(
               "Where the GPU libraries go in the workspace "
               "(`CODER_INNER_USR_LIB_DIR`); unset: envbox picks it from "
               "the image's `/etc/os-release`.")});
}

std::vector<WorkspaceVolume> VolumesFromValue(const Value& object) {
  std::vector<WorkspaceVolume> out;
  for (const Value& e : ElementsOf(Attr(object, "volume"))) {
    WorkspaceVolume v;
    v.name = StringAttr(e, "name").value_or("");
    v.target = StringAttr(e, "target").value_or("");
    v.read_only = BoolAttr(e, "read_only").value_or(false);
    for (const SourceKind& s : kSources) {
      const Value& block = Attr(e, s.block);
      if (!IsSet(block)) continue;
      v.kind = s.kind;
      switch (s.kind) {
        case WorkspaceVolume::Kind::kSecret:
        case WorkspaceVolume::Kind::kConfigMap:
          v.source = StringAttr(block, "name").value_or("");
          v.optional = BoolAttr(block, "optional");
          v.read_only = true;
          break;
        case WorkspaceVolume::Kind::kClaim:
          v.source = StringAttr(block, "claim_name").value_or("");
          break;
        case WorkspaceVolume::Kind::kNfs:
          v.server = StringAttr(block, "server").value_or("");
          v.source = StringAttr(block, "path").value_or("");
          break;
      }
      break;
    }
    out.push_back(std::move(v));
  }
  return out;
}

EnvboxOptions EnvboxOptionsFromValue(const Value& object) {
  EnvboxOptions o;
  const Value& e = Attr(object, "envbox");
  if (!IsSet(e)) return o;
  o.extra_certs_volume = StringAttr(e, "extra_certs_volume").value_or("");
  o.extra_certs_file = StringAttr(e, "extra_certs_file").value_or("");
  o.docker_config_volume = StringAttr(e, "docker_config_volume").value_or("");
  o.docker_config_file =
      StringAttr(e, "docker_config_file").value_or(o.docker_config_file);
  o.disable_idmapped_mount =
      BoolAttr(e, "disable_idmapped_mount").value_or(false);
  o.inner_work_dir = StringAttr(e, "inner_work_dir").value_or("");
  o.inner_usr_lib_dir = StringAttr(e, "inner_usr_lib_dir").value_or("");
  return o;
}

void AddEnvboxVolumeMounts(const WorkspaceSpec& spec, nlohmann::json* volumes,
                           nlohmann::json* mounts) {
  for (const WorkspaceVolume& v : spec.pod_options.volumes) {
    volumes->push_back(PodVolume(v));
    mounts->push_back(VolumeMount(v, EnvboxVolumePath(v.name)));
  }
}

void AppendVolumeCoderMounts(const WorkspaceSpec& spec,
                             std::vector<std::string>* coder_mounts) {
  for (const WorkspaceVolume& v : spec.pod_options.volumes) {
    if (v.target.empty()) continue;
    coder_mounts->push_back(absl::StrCat(EnvboxVolumePath(v.name), ":",
                                         v.target, v.read_only ? ":ro" : ""));
  }
}

void AddSysboxVolumeMounts(const WorkspaceSpec& spec, nlohmann::json* volumes,
                           nlohmann::json* mounts) {
  for (const WorkspaceVolume& v : spec.pod_options.volumes) {
    volumes->push_back(PodVolume(v));
    if (!v.target.empty()) mounts->push_back(VolumeMount(v, v.target));
  }
}

void AddOwnedVolumes(const WorkspaceSpec& spec, nlohmann::json* command,
                     nlohmann::json* mounts) {
  for (const WorkspaceVolume& v : spec.pod_options.volumes) {
    if (v.kind != WorkspaceVolume::Kind::kClaim || v.read_only ||
        v.target.empty()) {
      continue;
    }
    command->push_back(v.target);
    mounts->push_back(VolumeMount(v, v.target));
  }
}

void AppendEnvboxOptionsEnv(const WorkspaceSpec& spec, nlohmann::json* env) {
  const EnvboxOptions& o = spec.pod_options.envbox;
  auto add = [env](const char* name, const std::string& value) {
    env->push_back({{"name", name}, {"value", value}});
  };
  if (!o.extra_certs_volume.empty()) {
    add("CODER_EXTRA_CERTS_PATH",
        EnvboxFilePath(o.extra_certs_volume, o.extra_certs_file));
  }
  if (!o.docker_config_volume.empty()) {
    add("CODER_DOCKER_CONFIG",
        EnvboxFilePath(o.docker_config_volume, o.docker_config_file));
  }
  if (o.disable_idmapped_mount) add("CODER_DISABLE_IDMAPPED_MOUNT", "true");
  if (!o.inner_work_dir.empty()) add("CODER_INNER_WORK_DIR", o.inner_work_dir);
  if (!o.inner_usr_lib_dir.empty()) {
    add("CODER_INNER_USR_LIB_DIR", o.inner_usr_lib_dir);
  }
}

std::vector<std::pair<Path, std::string>> VolumeTargetsOf(const Value& config) {
  std::vector<std::pair<Path, std::string>> out;
  const std::vector<Value>& volumes = ElementsOf(Attr(config, "volume"));
  for (size_t i = 0; i < volumes.size(); ++i) {
    if (auto target = StringAttr(volumes[i], "target")) {
      out.emplace_back(Path::FromAttr("volume")
                           .Index(static_cast<int64_t>(i))
                           .Attr("target"),
                       *target);
    }
  }
  return out;
}

void ValidateVolumes(const Value& config, bool sysbox, Diagnostics* diags) {
  const std::vector<Value>& volumes = ElementsOf(Attr(config, "volume"));
  ValidateVolumeSources(volumes, diags);
  std::set<std::string> names;
  for (size_t i = 0; i < volumes.size(); ++i) {
    const Path path = Path::FromAttr("volume").Index(static_cast<int64_t>(i));
    if (auto name = StringAttr(volumes[i], "name");
        name && !names.insert(*name).second) {
      diags->AddAttributeError(
          path.Attr("name"), "Duplicate Volume Name",
          absl::StrCat("Another volume is already named ", QuoteValue(*name),
                       "; give each volume its own name."));
    }
    if (sysbox && Attr(volumes[i], "target").IsNull()) {
      diags->AddAttributeError(
          path.Attr("target"), "Missing Volume Target",
          "In sysbox mode a volume is only mounted into the workspace; set "
          "target to where it should appear (e.g. \"/etc/corp-ca\").");
    }
  }
  const Value& envbox = Attr(config, "envbox");
  if (!IsSet(envbox)) return;
  if (sysbox) {
    diags->AddAttributeError(
        Path::FromAttr("envbox"), "envbox Settings Need envbox Mode",
        "A sysbox-mode workspace runs without envbox; remove the envbox "
        "block, or mount the files with a volume block instead.");
    return;
  }
  const bool names_known = Attr(config, "volume").IsKnown() &&
                           std::all_of(volumes.begin(), volumes.end(),
                                       [](const Value& v) {
                                         return Attr(v, "name").IsKnown();
                                       });
  for (const VolumeReference& ref : kEnvboxVolumeReferences) {
    const Path path = Path::FromAttr("envbox").Attr(ref.attribute);
    const std::optional<std::string> name = StringAttr(envbox, ref.attribute);
    if (name && names_known && names.count(*name) == 0) {
      diags->AddAttributeError(
          path, "Unknown Volume",
          absl::StrCat("No volume block is named ", QuoteValue(*name),
                       "; add one (e.g. volume { name = \"", *name,
                       "\" secret { name = \"...\" } }) or name an "
                       "existing one."));
    }
    if (!Attr(envbox, ref.attribute).IsNull()) continue;
    if (IsSet(Attr(envbox, ref.file_attribute))) {
      diags->AddAttributeError(
          Path::FromAttr("envbox").Attr(ref.file_attribute),
          "File Without a Volume",
          absl::StrCat(ref.file_attribute, " names a file of ", ref.attribute,
                       "; set ", ref.attribute, " too."));
    }
  }
}

}  // namespace cvm::resources::workspace_internal
