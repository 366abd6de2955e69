// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The pods Render (workspace_model.h) applies, one per mode (see
// workspace_internal.h). Pure functions.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "provider/resources/workspace_internal.h"
#include "provider/resources/workspace_model.h"

namespace cvm::resources::workspace_internal {
namespace {

const char* BoolText(bool b) { return b ? "true" : "false"; }

nlohmann::json EnvValue(const std::string& name, const std::string& value) {
  return {{"name", name}, {"value", value}};
}

// The agent's variables, in both modes: the token from the workspace's
// Secret (never its value) and the Coder URL.
void AppendAgentEnv(const WorkspaceSpec& spec, nlohmann::json* env) {
  if (spec.has_agent_token) {
    env->push_back(
        {{"name", "CODER_AGENT_TOKEN"},
         {"valueFrom",
          {{"secretKeyRef",
            {{"name", spec.SecretName()}, {"key", kAgentTokenKey}}}}}});
  }
  if (!spec.agent_url.empty()) {
    env->push_back(EnvValue("CODER_AGENT_URL", spec.agent_url));
  }
}

nlohmann::json Annotations(const WorkspaceSpec& spec) {
  nlohmann::json annotations = nlohmann::json::object();
  for (const auto& [k, v] : spec.annotations) annotations[k] = v;
  return annotations;
}

nlohmann::json Resources(const WorkspaceSpec& spec, bool gpu) {
  nlohmann::json requests = nlohmann::json::object();
  nlohmann::json limits = nlohmann::json::object();
  if (!spec.cpu_request.empty()) requests["cpu"] = spec.cpu_request;
  if (!spec.memory_request.empty()) requests["memory"] = spec.memory_request;
  if (!spec.cpu_limit.empty()) limits["cpu"] = spec.cpu_limit;
  if (!spec.memory_limit.empty()) limits["memory"] = spec.memory_limit;
  if (gpu && spec.gpu_count > 0)
    limits["nvidia.com/gpu"] = std::to_string(spec.gpu_count);
  nlohmann::json r = nlohmann::json::object();
  if (!requests.empty()) r["requests"] = requests;
  if (!limits.empty()) r["limits"] = limits;
  return r;
}

nlohmann::json TolerationsJson(const WorkspaceSpec& spec) {
  nlohmann::json out = nlohmann::json::array();
  for (const Toleration& t : spec.tolerations) {
    nlohmann::json j = nlohmann::json::object();
    if (!t.key.empty()) j["key"] = t.key;
    if (!t.op.empty()) j["operator"] = t.op;
    if (!t.value.empty()) j["value"] = t.value;
    if (!t.effect.empty()) j["effect"] = t.effect;
    if (t.seconds) j["tolerationSeconds"] = *t.seconds;
    out.push_back(j);
  }
  return out;
}

nlohmann::json HomeMount(const std::string& path, const std::string& sub_path,
                         bool read_only = false) {
  nlohmann::json m = {
      {"name", "home"}, {"mountPath", path}, {"subPath", sub_path}};
  if (read_only) m["readOnly"] = true;
  return m;
}

// "host" + the path as a DNS label: "/usr/src" -> "host-usr-src".
std::string HostPathVolumeName(const std::string& path) {
  std::string name = "host";
  for (char c : path) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    name.push_back(keep ? c : '-');
  }
  if (name.size() > 63) name.resize(63);
  while (name.back() == '-') name.pop_back();
  return name;
}

// Where envbox mode mounts `mounts` entry i in the outer container: a direct
// child of /home/, so that envbox gives it to the workspace user (its
// isHomeDir rule; any other source goes to the inner root, mode 02755, which
// the user cannot write). The leading dot keeps it apart from any user's home.
std::string EnvboxMountSource(size_t i) {
  return absl::StrCat("/home/.cvm-mount-", i);
}

// Last, as the pod options may replace a mode's defaults (dnsPolicy).
void AddCommonPodFields(const WorkspaceSpec& spec, nlohmann::json* pod) {
  nlohmann::json& s = (*pod)["spec"];
  s["restartPolicy"] = "Never";
  if (!spec.node_selector.empty()) {
    s["nodeSelector"] = nlohmann::json(spec.node_selector);
  }
  if (!spec.tolerations.empty()) s["tolerations"] = TolerationsJson(spec);
  AddPodOptions(spec, pod);
}

// envbox's CODER_* contract (what the outer container tells envbox about
// the inner one), then the user's variables.
nlohmann::json EnvboxEnv(const WorkspaceSpec& spec,
                         const ClusterSettings& settings) {
  const std::string home = "/home/" + spec.inner_username;
  const bool tun = spec.tun.value_or(settings.tun);
  const bool fuse = spec.fuse.value_or(settings.fuse);
  const bool gpu = spec.gpu_count > 0;
  nlohmann::json env = nlohmann::json::array();
  env.push_back(EnvValue("CODER_INNER_IMAGE", spec.inner_image));
  env.push_back(EnvValue("CODER_INNER_USERNAME", spec.inner_username));
  env.push_back(EnvValue("CODER_INNER_HOSTNAME", spec.inner_hostname.empty()
                                                     ? spec.name
                                                     : spec.inner_hostname));
  AppendAgentEnv(spec, &env);
  if (!spec.bootstrap_script.empty()) {
    env.push_back(EnvValue("CODER_BOOTSTRAP_SCRIPT", spec.bootstrap_script));
  }
  std::vector<std::string> coder_mounts = {home + ":" + home};
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    const WorkspaceMount& m = spec.mounts[i];
    coder_mounts.push_back(absl::StrCat(EnvboxMountSource(i), ":", m.target,
                                        m.read_only ? ":ro" : ""));
  }
  AppendVolumeCoderMounts(spec, &coder_mounts);
  env.push_back(EnvValue("CODER_MOUNTS", absl::StrJoin(coder_mounts, ",")));
  std::vector<std::string> inner_envs;
  for (const auto& [k, v] : spec.env) inner_envs.push_back(k);
  // envbox copies them by name from its own environment (filterElements
  // of cli/docker.go), where the kubelet resolved them.
  for (const EnvValueFrom& v : spec.pod_options.env_value_from) {
    inner_envs.push_back(v.name);
  }
  for (const std::string& p : spec.env_passthrough) inner_envs.push_back(p);
  if (!inner_envs.empty()) {
    env.push_back(EnvValue("CODER_INNER_ENVS", absl::StrJoin(inner_envs, ",")));
  }
  env.push_back(
      EnvValue("CODER_DOCKER_BRIDGE_CIDR", settings.docker_bridge_cidr));
  env.push_back(EnvValue("CODER_ADD_TUN", BoolText(tun)));
  env.push_back(EnvValue("CODER_ADD_FUSE", BoolText(fuse)));
  env.push_back(EnvValue("CODER_ADD_GPU", BoolText(gpu)));
  if (gpu) env.push_back(EnvValue("CODER_USR_LIB_DIR", kEnvboxGpuLibMount));
  env.push_back({{"name", "CODER_CPUS"},
                 {"valueFrom",
                  {{"resourceFieldRef",
                    {{"resource", "limits.cpu"}, {"divisor", "1"}}}}}});
  env.push_back({{"name", "CODER_MEMORY"},
                 {"valueFrom",
                  {{"resourceFieldRef",
                    {{"resource", "limits.memory"}, {"divisor", "1"}}}}}});
  if (!spec.image_pull_secret.empty()) {
    env.push_back({{"name", "CODER_IMAGE_PULL_SECRET"},
                   {"valueFrom",
                    {{"secretKeyRef",
                      {{"name", spec.image_pull_secret},
                       {"key", ".dockerconfigjson"}}}}}});
  }
  AppendEnvboxOptionsEnv(spec, &env);
  for (const auto& [k, v] : spec.env) env.push_back(EnvValue(k, v));
  AppendEnvValueFrom(spec, &env);
  return env;
}

// The outer container's mounts and the pod's volumes: the home volume's
// sub-paths, Sysbox's data, the `mounts`, and the host paths of `settings`
// (plus the GPU libraries), which also go to `host_paths`.
void AddEnvboxVolumes(const WorkspaceSpec& spec,
                      const ClusterSettings& settings, nlohmann::json* mounts,
                      nlohmann::json* volumes,
                      std::vector<HostPathMount>* host_paths) {
  const std::string home = "/home/" + spec.inner_username;
  const bool gpu = spec.gpu_count > 0;
  *mounts = nlohmann::json::array({
      HomeMount(home, "home"),
      HomeMount("/var/lib/coder/docker", "cache/docker"),
      HomeMount("/var/lib/coder/containers", "cache/containers"),
      HomeMount("/var/lib/docker", "envbox/docker"),
      HomeMount("/var/lib/containers", "envbox/containers"),
      {{"name", "sysbox"}, {"mountPath", "/var/lib/sysbox"}},
  });
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    mounts->push_back(HomeMount(
        EnvboxMountSource(i), absl::StrCat("mounts/", spec.mounts[i].source)));
  }
  *volumes = nlohmann::json::array({
      {{"name", "home"},
       {"persistentVolumeClaim", {{"claimName", spec.ClaimName()}}}},
      {{"name", "sysbox"}, {"emptyDir", nlohmann::json::object()}},
  });
  AddEnvboxVolumeMounts(spec, volumes, mounts);
  *host_paths = settings.HostPaths();
  if (gpu) {
    // The host's driver libraries; envbox bind-mounts the NVIDIA ones into
    // the inner container from CODER_USR_LIB_DIR.
    host_paths->push_back({spec.gpu_lib_dir, kEnvboxGpuLibMount, true});
  }
  for (const HostPathMount& hp : *host_paths) {
    const std::string volume = HostPathVolumeName(hp.path);
    volumes->push_back({{"name", volume}, {"hostPath", {{"path", hp.path}}}});
    nlohmann::json m = {{"name", volume}, {"mountPath", hp.mount_path}};
    if (hp.read_only) m["readOnly"] = true;
    mounts->push_back(m);
  }
}

// The postStart hook of a systemd workspace: once systemd is up, the
// bootstrap script runs in a login shell of the workspace user. `su -` resets
// the environment, so the agent's variables (the token, the URL, `env`) are
// named to keep with --whitelist-environment (util-linux su, as in Debian,
// Ubuntu and Fedora images), and so is the script itself, which the shell
// evaluates: names on command lines, never values. The log is the user's,
// mode 0600. The user name is quoted (IsPosixUsername allows a '$').
std::string SystemdBootstrapHook(const WorkspaceSpec& spec) {
  std::vector<std::string> keep;
  if (spec.has_agent_token) keep.push_back("CODER_AGENT_TOKEN");
  if (!spec.agent_url.empty()) keep.push_back("CODER_AGENT_URL");
  for (const auto& [name, value] : spec.env) keep.push_back(name);
  for (const EnvValueFrom& v : spec.pod_options.env_value_from) {
    keep.push_back(v.name);
  }
  keep.push_back("CVM_BOOTSTRAP");
  const std::string user = absl::StrCat("'", spec.inner_username, "'");
  const std::string log = "/var/log/cvm-bootstrap.log";
  return absl::StrCat(
      "until systemctl is-system-running --quiet || "
      "[ \"$(systemctl is-system-running)\" = degraded ]; do sleep 1; done; "
      "rm -f ",
      log, "; (umask 077; : >", log, "); chown ", user, ": ", log,
      "; nohup su --whitelist-environment=", absl::StrJoin(keep, ","), " - ",
      user, " -c 'eval \"$CVM_BOOTSTRAP\"' >>", log, " 2>&1 &");
}

// Gives the workspace user its home and its writable `mounts` (the kubelet
// creates sub-paths as root, mode 0755): `chown user:` of each mount point
// before the workspace starts. Not recursive: the user owns what it creates
// below, so every start costs one chown per mount, whatever the volume
// holds. Its output is its termination message, so a user missing from the
// image is reported by name.
nlohmann::json HomeOwnerContainer(const WorkspaceSpec& spec,
                                  const nlohmann::json& home_mount,
                                  const nlohmann::json& resources) {
  nlohmann::json command = {"chown", spec.inner_username + ":",
                            home_mount["mountPath"]};
  nlohmann::json mounts = {home_mount};
  for (const WorkspaceMount& m : spec.mounts) {
    if (m.read_only) continue;
    command.push_back(m.target);
    mounts.push_back(HomeMount(m.target, absl::StrCat("mounts/", m.source)));
  }
  AddOwnedVolumes(spec, &command, &mounts);
  nlohmann::json c = {
      {"name", "home-owner"},
      {"image", spec.inner_image},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", command},
      {"volumeMounts", mounts},
      {"terminationMessagePolicy", "FallbackToLogsOnError"},
  };
  // The same resources as the workspace keep the pod's QoS class.
  if (!resources.empty()) c["resources"] = resources;
  return c;
}

// The workspace container of sysbox mode: the inner image itself, with
// systemd as PID 1 (and the bootstrap script once it is up), or running
// the bootstrap script, or idle.
nlohmann::json SysboxContainer(const WorkspaceSpec& spec,
                               const nlohmann::json& mounts) {
  nlohmann::json env = nlohmann::json::array();
  AppendAgentEnv(spec, &env);
  for (const auto& [k, v] : spec.env) env.push_back(EnvValue(k, v));
  AppendEnvValueFrom(spec, &env);
  nlohmann::json container = {
      {"name", "dev"},
      {"image", spec.inner_image},
      {"imagePullPolicy", "IfNotPresent"},
      {"env", env},
      {"volumeMounts", mounts},
  };
  if (spec.systemd) {
    container["command"] = {"/sbin/init"};
    if (!spec.bootstrap_script.empty()) {
      container["lifecycle"] = {
          {"postStart",
           {{"exec",
             {{"command", {"sh", "-c", SystemdBootstrapHook(spec)}}}}}}};
      container["env"].push_back(
          EnvValue("CVM_BOOTSTRAP", spec.bootstrap_script));
    }
  } else if (!spec.bootstrap_script.empty()) {
    container["command"] = {"sh", "-c", spec.bootstrap_script};
  } else {
    container["command"] = {"sleep", "infinity"};
  }
  return container;
}

}  // namespace

nlohmann::json WorkspaceLabels(const WorkspaceSpec& spec) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [k, v] : spec.labels) labels[k] = v;
  // Ours win: they are how the objects are found and cleaned up together.
  labels[kManagedByLabel] = kManagedByValue;
  labels[kComponentLabel] = "workspace";
  labels[kWorkspaceLabel] = spec.name;
  return labels;
}

namespace {

// The workspace's Pod object around `pod_spec`, with our labels.
nlohmann::json WorkspacePod(const WorkspaceSpec& spec,
                            nlohmann::json annotations,
                            nlohmann::json pod_spec) {
  return {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", spec.PodName()},
        {"namespace", spec.namespace_name},
        {"labels", WorkspaceLabels(spec)},
        {"annotations", std::move(annotations)}}},
      {"spec", std::move(pod_spec)},
  };
}

}  // namespace

nlohmann::json EnvboxPod(const WorkspaceSpec& spec,
                         const ClusterSettings& settings,
                         std::vector<HostPathMount>* host_paths) {
  nlohmann::json mounts;
  nlohmann::json volumes;
  AddEnvboxVolumes(spec, settings, &mounts, &volumes, host_paths);
  nlohmann::json container = {
      {"name", "dev"},
      {"image", spec.image.empty() ? kDefaultEnvboxImage : spec.image},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", {"/envbox", "docker"}},
      {"securityContext", {{"privileged", true}}},
      {"env", EnvboxEnv(spec, settings)},
      {"volumeMounts", mounts},
  };
  nlohmann::json resources = Resources(spec, true);
  if (!resources.empty()) container["resources"] = resources;

  nlohmann::json pod = WorkspacePod(
      spec, Annotations(spec),
      {{"containers", {container}}, {"volumes", volumes}});
  if (spec.host_network) {
    pod["spec"]["hostNetwork"] = true;
    // Keep cluster DNS (the agent URL may be a Service name).
    pod["spec"]["dnsPolicy"] = "ClusterFirstWithHostNet";
  }
  if (spec.host_pid) pod["spec"]["hostPID"] = true;
  if (spec.host_ipc) pod["spec"]["hostIPC"] = true;
  AddCommonPodFields(spec, &pod);
  return pod;
}

nlohmann::json SysboxPod(const WorkspaceSpec& spec,
                         const ClusterSettings& settings) {
  const std::string home = "/home/" + spec.inner_username;
  nlohmann::json mounts = nlohmann::json::array({
      HomeMount(home, "home"),
      // Keeps the inner Docker's images across pod restarts (otherwise they
      // live in the Sysbox data store and vanish with the container).
      HomeMount("/var/lib/docker", "cache/docker"),
  });
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    mounts.push_back(HomeMount(spec.mounts[i].target,
                               absl::StrCat("mounts/", spec.mounts[i].source),
                               spec.mounts[i].read_only));
  }
  nlohmann::json volumes = nlohmann::json::array(
      {{{"name", "home"},
        {"persistentVolumeClaim", {{"claimName", spec.ClaimName()}}}}});
  AddSysboxVolumeMounts(spec, &volumes, &mounts);
  nlohmann::json container = SysboxContainer(spec, mounts);
  nlohmann::json resources = Resources(spec, false);
  if (!resources.empty()) container["resources"] = resources;

  nlohmann::json annotations = Annotations(spec);
  nlohmann::json pod_spec = {
      {"runtimeClassName", settings.runtime_class_name},
      // No fsGroup: the init container gives the user its mounts, where an
      // fsGroup would have the kubelet walk every file at every start.
      {"securityContext", {{"runAsUser", 0}}},
      {"initContainers", {HomeOwnerContainer(spec, mounts[0], resources)}},
      {"containers", {container}},
      {"volumes", std::move(volumes)},
  };
  if (spec.user_namespace == "host_users") {
    pod_spec["hostUsers"] = false;
  } else {
    annotations[kCrioUsernsAnnotation] = "auto:size=65536";
  }
  if (!spec.image_pull_secret.empty()) {
    pod_spec["imagePullSecrets"] = {{{"name", spec.image_pull_secret}}};
  }
  nlohmann::json pod = WorkspacePod(spec, annotations, pod_spec);
  AddCommonPodFields(spec, &pod);
  return pod;
}

}  // namespace cvm::resources::workspace_internal
