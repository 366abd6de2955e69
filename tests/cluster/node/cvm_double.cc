// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Test doubles for the real test node (tests/cluster/node/README.md), one
// static binary chosen by the name it is run as:
//
//   envbox docker     the envbox image's entry point: envbox's start-up
//                     contract (envbox_contract.h) without Docker or Sysbox.
//   init              /sbin/init of the systemd image: PID 1 that reports
//                     "starting", then "running", like systemd.
//   systemctl         answers `systemctl is-system-running [--quiet]`.
//   cvm-agent-double  stands in for the Coder agent: records the environment
//                     and identity it was started with, then stays up.
//
// Reports are one JSON line on stdout prefixed "CVM-DOUBLE-REPORT " (the
// pod's log); the agent also writes /tmp/cvm-agent-double.json (mode 0600).
// Secrets (the agent token, the pull secret) appear only as SHA-256 hashes.

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <openssl/sha.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/cluster/node/envbox_contract.h"

extern char** environ;

namespace cvm::testing {
namespace {

using nlohmann::json;

constexpr char kReportPrefix[] = "CVM-DOUBLE-REPORT ";
// The inner image's /etc/passwd, as envbox would read it with getent.
constexpr char kInnerPasswd[] = "/etc/cvm-double/inner-passwd";
constexpr char kSystemState[] = "/run/cvm-double/system-state";
constexpr char kInnerRoot[] = "/run/cvm-double/inner";
constexpr char kAgentReport[] = "/tmp/cvm-agent-double.json";

std::string Errno(int err) { return std::strerror(err); }

std::string Sha256Hex(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
         digest);
  std::string hex;
  for (unsigned char b : digest) {
    static constexpr char kDigits[] = "0123456789abcdef";
    hex += kDigits[b >> 4];
    hex += kDigits[b & 15];
  }
  return hex;
}

std::vector<std::string> Environ() {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

// Variables whose values a report shows only as hashes.
bool IsSecretName(std::string_view name) {
  return name.find("TOKEN") != std::string_view::npos ||
         name.find("SECRET") != std::string_view::npos;
}

// "NAME=value" entries as a JSON object, secrets hashed.
json EnvObject(const std::vector<std::string>& entries) {
  json out = json::object();
  for (const std::string& e : entries) {
    const size_t eq = e.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = e.substr(0, eq), value = e.substr(eq + 1);
    out[name] = IsSecretName(name) ? "sha256:" + Sha256Hex(value) : value;
  }
  return out;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream s;
  s << f.rdbuf();
  *out = s.str();
  return true;
}

bool WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) ==
                  static_cast<ssize_t>(text.size());
  return ::close(fd) == 0 && ok;
}

// mkdir -p; returns 0 or the errno of the first failure.
int MakeDirs(const std::string& path, mode_t mode = 0755) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    const std::string part = path.substr(0, i);
    if (::mkdir(part.c_str(), mode) != 0 && errno != EEXIST) return errno;
  }
  return 0;
}

// Tries a real write in `dir` that leaves nothing behind (an unnamed
// O_TMPFILE file); returns 0 or the errno (EROFS on a read-only mount).
int TryWrite(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0) {
    const bool ok = ::write(fd, "x", 1) == 1;
    ::close(fd);
    return ok ? 0 : EIO;
  }
  if (errno != EOPNOTSUPP && errno != EISDIR) return errno;
  // File systems without O_TMPFILE: a named file, removed at once.
  const std::string probe =
      dir + "/.cvm-double-probe-" + std::to_string(getpid());
  const int named =
      ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (named < 0) return errno;
  ::close(named);
  ::unlink(probe.c_str());
  return 0;
}

// The files of `dir` (not its dot entries, which a Secret volume's
// ..data links are; symlinks followed) as this process reads them: name ->
// "sha256:<hex>", or "unreadable: <error>". A directory that cannot be
// listed is {"": "unreadable: <error>"}.
json ReadFiles(const std::string& dir) {
  json out = json::object();
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return {{"", "unreadable: " + Errno(errno)}};
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.empty() || name[0] == '.') continue;
    std::ifstream in(dir + "/" + name, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    out[name] = in.good() || in.eof() ? "sha256:" + Sha256Hex(text.str())
                                      : "unreadable: " + Errno(errno);
  }
  ::closedir(d);
  return out;
}

// ReadFiles as uid:gid (no supplementary groups), in a child process.
json ReadFilesAs(const std::string& dir, uid_t uid, gid_t gid) {
  int fds[2];
  if (::pipe(fds) != 0) return {{"", "unreadable: " + Errno(errno)}};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    const std::string text =
        ::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0
            ? json({{"", "unreadable: setuid failed"}}).dump()
            : ReadFiles(dir).dump();
    const bool ok = ::write(fds[1], text.data(), text.size()) ==
                    static_cast<ssize_t>(text.size());
    ::_exit(ok ? 0 : 1);
  }
  ::close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof(buf))) > 0;) text.append(buf, n);
  ::close(fds[0]);
  int status = 0;
  if (pid > 0) ::waitpid(pid, &status, 0);
  json out = json::parse(text, nullptr, false);
  return out.is_discarded() ? json({{"", "unreadable: no answer"}}) : out;
}

// TryWrite as uid:gid (no supplementary groups), in a child process.
int TryWriteAs(const std::string& dir, uid_t uid, gid_t gid) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 ||
        ::setuid(uid) != 0) {
      ::_exit(125);
    }
    ::_exit(TryWrite(dir) == 0 ? 0 : 1);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return ECHILD;
  if (!WIFEXITED(status) || WEXITSTATUS(status) == 125) return EPERM;
  return WEXITSTATUS(status) == 0 ? 0 : EACCES;
}

// The mount points of this mount namespace, and whether each is read-only.
std::map<std::string, bool> MountPoints() {
  std::map<std::string, bool> out;
  std::string text;
  if (!ReadFile("/proc/self/mountinfo", &text)) return out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    std::string id, parent, devs, root, point, options;
    f >> id >> parent >> devs >> root >> point >> options;
    // The kernel writes ' ', '\t', '\n' and '\\' in paths as \ooo.
    std::string path;
    for (size_t i = 0; i < point.size(); ++i) {
      if (point[i] == '\\' && i + 3 < point.size()) {
        path += static_cast<char>(std::stoi(point.substr(i + 1, 3), nullptr, 8));
        i += 3;
      } else {
        path += point[i];
      }
    }
    out[path] = options == "ro" || options.rfind("ro,", 0) == 0;
  }
  return out;
}

// Creates a listening unix socket at `path` (as a daemon would); the fd is
// kept open for the life of the process.
int ListenUnix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    ::close(fd);
    return ENAMETOOLONG;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd, 8) != 0) {
    const int err = errno;
    ::close(fd);
    return err;
  }
  return 0;
}

void Log(const std::string& type, const std::string& output) {
  // envbox's build-log lines (buildlog.JSONLogger) on stderr.
  std::cerr << json{{"output", output}, {"type", type}}.dump() << std::endl;
}

void PrintReport(const json& report) {
  std::cout << kReportPrefix << report.dump() << std::endl;
}

// Blocks until SIGTERM or SIGINT, reaping children; returns the signal.
// The signals a role waits for: SIGTERM, SIGINT, systemd's halt
// (SIGRTMIN+3) and SIGCHLD. main() blocks them before anything else (and
// before any thread starts): as PID 1 the process would otherwise ignore
// them until it has a handler.
sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGRTMIN + 3);
  return set;
}

int WaitForStop(bool reap) {
  const sigset_t set = StopSignals();
  while (true) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGCHLD) {
      while (reap && ::waitpid(-1, nullptr, WNOHANG) > 0) {
      }
      continue;
    }
    return sig;
  }
}

// ---- envbox docker -------------------------------------------------------

class EnvboxDouble {
 public:
  int Run() {
    json report = {{"double", "envbox"}, {"errors", json::array()}};
    const std::vector<std::string> env = Environ();
    CheckVariables(env, &report);
    CheckNetwork(&report);
    StartDaemons(&report);
    std::optional<envbox::PasswdEntry> user = LookUpUser(&report);
    if (user) ApplyMounts(*user, &report);
    ReportHostPaths(&report);
    // envbox sets -1000 so its daemons outlive the workspace under memory
    // pressure; a machine without CAP_SYS_RESOURCE refuses it (reported only).
    report["oom_score_adj"] =
        WriteFile("/proc/self/oom_score_adj", "-1000", 0644)
            ? "-1000"
            : "refused: " + Errno(errno);
    report["ok"] = errors_.empty();
    report["errors"] = errors_;
    PrintReport(report);
    if (!errors_.empty()) {
      std::string message = "envbox double: " + errors_.front();
      for (size_t i = 1; i < errors_.size(); ++i) message += "; " + errors_[i];
      Log("error", "Failed to run envbox: " + message);
      WriteFile("/dev/termination-log", message, 0644);
      return 1;
    }
    Log("info", "Envbox startup complete!");
    Log("done", "");
    WaitForStop(true);
    return 0;
  }

 private:
  void Fail(const std::string& message) { errors_.push_back(message); }

  void CheckVariables(const std::vector<std::string>& env, json* report) {
    std::vector<std::string> coder;
    for (const std::string& e : env) {
      if (e.rfind("CODER_", 0) == 0) coder.push_back(e);
    }
    (*report)["variables"] = EnvObject(coder);
    for (const char* name : {"CODER_INNER_IMAGE", "CODER_INNER_USERNAME"}) {
      if (Env(name).empty()) Fail(std::string(name) + " is required and empty");
    }
    for (const char* name : {"CODER_ADD_TUN", "CODER_ADD_FUSE", "CODER_ADD_GPU",
                             "CODER_DISABLE_IDMAPPED_MOUNT"}) {
      const std::string v = Env(name);
      if (!v.empty() && !envbox::ParseGoBool(v)) {
        Fail(std::string(name) + "=" + v +
             " is not a Go bool: envbox would silently read false");
      }
    }
    for (const char* name : {"CODER_CPUS", "CODER_MEMORY"}) {
      const std::string v = Env(name);
      if (!v.empty() && !envbox::ParseGoInt(v)) {
        Fail(std::string(name) + "=" + v +
             " is not an integer: envbox would silently use 0 (no limit)");
      }
    }
    if (envbox::ParseGoBool(Env("CODER_ADD_GPU")).value_or(false) &&
        Env("CODER_USR_LIB_DIR").empty()) {
      Fail("when using GPUs, \"CODER_USR_LIB_DIR\" must be specified");
    }
    const std::string cidr = Env("CODER_DOCKER_BRIDGE_CIDR");
    if (cidr.find(':') != std::string::npos) {
      Fail("CODER_DOCKER_BRIDGE_CIDR=" + cidr + " is IPv6: envbox panics");
    }
    // What reaches the inner container (cli/docker.go defaultContainerEnvs).
    std::vector<std::string> inner = {"CODER_AGENT_TOKEN=" +
                                      Env("CODER_AGENT_TOKEN")};
    std::string subsystem = Env("CODER_AGENT_SUBSYSTEM");
    inner.push_back("CODER_AGENT_SUBSYSTEM=" +
                    (subsystem.empty() ? "envbox" : "envbox," + subsystem));
    for (std::string& e :
         envbox::SelectInnerEnvs(Env("CODER_INNER_ENVS"), env)) {
      inner.push_back(std::move(e));
    }
    (*report)["inner_env"] = EnvObject(inner);
  }

  void CheckNetwork(json* report) {
    std::string mtu;
    if (!ReadFile("/sys/class/net/eth0/mtu", &mtu)) {
      Fail("dockerd args: custom mtu: get eth0: " + Errno(errno));
      return;
    }
    while (!mtu.empty() && (mtu.back() == '\n' || mtu.back() == ' '))
      mtu.pop_back();
    (*report)["eth0_mtu"] = mtu;
    // Where the pod's traffic could go: a default route, and the name
    // servers it would ask (reported, for the tests of the node's network).
    std::string routes;
    bool default_route = false;
    if (ReadFile("/proc/net/route", &routes)) {
      std::istringstream lines(routes);
      std::string line;
      std::getline(lines, line);  // the header
      while (std::getline(lines, line)) {
        std::istringstream f(line);
        std::string iface, destination;
        f >> iface >> destination;
        default_route = default_route || destination == "00000000";
      }
    }
    (*report)["default_route"] = default_route;
    json servers = json::array();
    std::string resolv;
    if (ReadFile("/etc/resolv.conf", &resolv)) {
      std::istringstream lines(resolv);
      std::string line;
      while (std::getline(lines, line)) {
        std::istringstream f(line);
        std::string key, value;
        if (f >> key >> value && key == "nameserver") servers.push_back(value);
      }
    }
    (*report)["nameservers"] = servers;
  }

  // What sysbox-mgr, sysbox-fs and the outer dockerd create at start.
  void StartDaemons(json* report) {
    json files = json::object();
    auto step = [&](const std::string& path, int err) {
      files[path] = err == 0 ? "ok" : Errno(err);
      if (err != 0) Fail(path + ": " + Errno(err));
    };
    step("/run/sysbox", MakeDirs("/run/sysbox"));
    step("/run/sysbox/sysmgr.sock", ListenUnix("/run/sysbox/sysmgr.sock"));
    step("/run/sysbox/sysfs.sock", ListenUnix("/run/sysbox/sysfs.sock"));
    step("/var/lib/sysbox",
         MakeDirs("/var/lib/sysbox") ?: TryWrite("/var/lib/sysbox"));
    step("/var/lib/sysboxfs", MakeDirs("/var/lib/sysboxfs"));
    step("/var/run/docker", MakeDirs("/var/run/docker"));
    step("/var/run/docker.sock", ListenUnix("/var/run/docker.sock"));
    step("/var/run/docker.pid",
         WriteFile("/var/run/docker.pid", std::to_string(getpid()), 0644)
             ? 0
             : errno);
    step("/var/lib/docker/100000.100000",
         MakeDirs("/var/lib/docker/100000.100000"));
    step("/var/lib/containers",
         MakeDirs("/var/lib/containers") ?: TryWrite("/var/lib/containers"));
    (*report)["runtime_files"] = files;
  }

  std::optional<envbox::PasswdEntry> LookUpUser(json* report) {
    const std::string name = Env("CODER_INNER_USERNAME");
    std::string passwd;
    ReadFile(kInnerPasswd, &passwd);
    std::optional<envbox::PasswdEntry> user = envbox::FindUser(passwd, name);
    if (!user) {
      if (!name.empty()) {
        Fail("get image metadata: get /etc/passwd entry for " + name +
             ": no such user in the inner image");
      }
      return std::nullopt;
    }
    (*report)["inner_user"] = {{"name", user->name},
                               {"uid", user->uid},
                               {"gid", user->gid},
                               {"home", user->home}};
    return user;
  }

  // envbox's runDockerCVM mount handling, then the inner container's view
  // of each mount emulated with bind mounts under kInnerRoot, where the
  // inner user (its uid shifted by the offset) tries to write.
  void ApplyMounts(const envbox::PasswdEntry& user, json* report) {
    std::string error;
    std::optional<std::vector<envbox::Mount>> mounts =
        envbox::ParseMounts(Env("CODER_MOUNTS"), &error);
    if (!mounts) {
      Fail("read mounts: " + error);
      return;
    }
    const std::map<std::string, bool> points = MountPoints();
    json out = json::array();
    for (const envbox::Mount& m : *mounts) {
      json j = {{"source", m.source},
                {"target", m.target},
                {"read_only", m.read_only},
                {"private", envbox::IsPrivateMount(m)}};
      struct stat st {};
      if (::stat(m.source.c_str(), &st) != 0) {
        Fail("mount source " + m.source + ": " + Errno(errno));
        out.push_back(j);
        continue;
      }
      if (!envbox::IsPrivateMount(m)) {
        if (m.read_only && ::mount(nullptr, m.source.c_str(), nullptr,
                                   MS_REMOUNT | MS_BIND, nullptr) != 0) {
          Fail("remount: " + m.source + ": " + Errno(errno) +
               (points.count(m.source) ? "" : " (not a mount point)"));
        }
        if (::chmod(m.source.c_str(), 02755) != 0) {
          Fail("chmod mountpoint \"" + m.source + "\": " + Errno(errno));
        }
        const envbox::Owner owner = envbox::MountOwner(m, user.uid, user.gid);
        if (::chown(m.source.c_str(), owner.uid, owner.gid) != 0) {
          Fail("chown mountpoint \"" + m.source + "\": " + Errno(errno));
        }
        ::stat(m.source.c_str(), &st);
      }
      j["owner"] = {{"uid", st.st_uid}, {"gid", st.st_gid}};
      char mode[8];
      std::snprintf(mode, sizeof(mode), "%04o", st.st_mode & 07777);
      j["mode"] = mode;
      const std::string inner = std::string(kInnerRoot) + m.target;
      int err = MakeDirs(inner);
      if (err == 0 && ::mount(m.source.c_str(), inner.c_str(), nullptr,
                              MS_BIND | MS_REC, nullptr) != 0) {
        err = errno;
      }
      if (err == 0 && m.read_only &&
          ::mount(nullptr, inner.c_str(), nullptr,
                  MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
        err = errno;
      }
      if (err != 0) {
        Fail("bind " + m.source + " into the inner container: " + Errno(err));
      } else {
        j["inner_user_writable"] =
            TryWriteAs(inner, user.uid + envbox::kUserNamespaceOffset,
                       user.gid + envbox::kUserNamespaceOffset) == 0;
        j["inner_root_writable"] =
            TryWriteAs(inner, envbox::kUserNamespaceOffset,
                       envbox::kUserNamespaceOffset) == 0;
        if (m.target != user.home) {
          j["inner_user_reads"] =
              ReadFilesAs(inner, user.uid + envbox::kUserNamespaceOffset,
                          user.gid + envbox::kUserNamespaceOffset);
        }
      }
      if (m.target == user.home && err == 0) RecordBoot(inner, user, report);
      out.push_back(j);
    }
    (*report)["mounts"] = out;
  }

  // A record in the home volume of every start, written as the inner user,
  // so a test sees what survived a stop and start.
  void RecordBoot(const std::string& home, const envbox::PasswdEntry& user,
                  json* report) {
    const std::string file = home + "/.cvm-double-boots";
    std::string before;
    ReadFile(file, &before);
    const std::string line =
        Env("HOSTNAME") + " " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count()) +
        "\n";
    if (!WriteFile(file, before + line, 0644)) {
      Fail("write " + file + ": " + Errno(errno));
      return;
    }
    if (::chown(file.c_str(), user.uid + envbox::kUserNamespaceOffset,
                user.gid + envbox::kUserNamespaceOffset) != 0) {
      Fail("chown " + file + ": " + Errno(errno));
    }
    (*report)["home_boots"] =
        static_cast<int>(std::count(before.begin(), before.end(), '\n') + 1);
  }

  // Each host path the outer pod may mount: whether it is a mount point
  // here and whether a write there succeeds (found by writing).
  void ReportHostPaths(json* report) {
    const std::map<std::string, bool> points = MountPoints();
    json out = json::object();
    for (const char* path :
         {"/usr/src", "/lib/modules", "/mnt/host/var/run", "/mnt/host/var/lib",
          "/var/run", "/run", "/var/lib"}) {
      std::string resolved = path;
      char buf[PATH_MAX];
      if (::realpath(path, buf) != nullptr) resolved = buf;
      const auto it = points.find(resolved);
      json j = {{"mount_point", it != points.end()}};
      if (it != points.end()) {
        const int err = TryWrite(resolved);
        j["writable"] = err == 0;
        if (err != 0) j["write_error"] = Errno(err);
      }
      out[path] = j;
    }
    (*report)["host_paths"] = out;
    (*report)["service_account_token"] =
        ::access("/var/run/secrets/kubernetes.io/serviceaccount/token", R_OK) ==
        0;
  }

  std::vector<std::string> errors_;
};

// ---- systemd image: init, systemctl, agent -------------------------------

int Init() {
  MakeDirs("/run/cvm-double");
  MakeDirs("/run/systemd/system");  // sd_booted()'s marker
  WriteFile(kSystemState, "starting\n", 0644);
  std::thread([] {
    // Units take a moment; hooks must wait for "running".
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    WriteFile(kSystemState, "running\n", 0644);
  }).detach();
  WaitForStop(true);
  return 0;
}

int Systemctl(int argc, char** argv) {
  bool quiet = false;
  std::string verb;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quiet" || a == "-q") {
      quiet = true;
    } else if (a.rfind("-", 0) != 0 && verb.empty()) {
      verb = a;
    }
  }
  if (verb != "is-system-running") return 0;
  std::string state;
  if (!ReadFile(kSystemState, &state)) state = "offline\n";
  if (!quiet) std::cout << state << std::flush;
  return state == "running\n" ? 0 : 1;
}

int Agent(int argc, char** argv) {
  json report = {{"double", "agent"}};
  report["uid"] = getuid();
  report["gid"] = getgid();
  report["euid"] = geteuid();
  char cwd[PATH_MAX] = "";
  report["cwd"] = ::getcwd(cwd, sizeof(cwd)) ? cwd : "";
  report["env"] = EnvObject(Environ());
  std::string state;
  report["system_state_at_start"] = ReadFile(kSystemState, &state)
                                        ? state.substr(0, state.find('\n'))
                                        : "offline";
  const std::string home = Env("HOME");
  struct stat st {};
  if (!home.empty() && ::stat(home.c_str(), &st) == 0) {
    report["home_owner"] = {{"uid", st.st_uid}, {"gid", st.st_gid}};
  }
  report["home_writable"] = !home.empty() && TryWrite(home) == 0;
  // Arguments: directories to write to, and "read:<dir>" ones to read.
  json paths = json::object(), reads = json::object();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("read:", 0) == 0) {
      reads[arg.substr(5)] = ReadFiles(arg.substr(5));
    } else {
      paths[arg] = TryWrite(arg) == 0;
    }
  }
  report["writable"] = paths;
  report["reads"] = reads;
  PrintReport(report);
  // In /tmp, which any user can write: the report exists even when the
  // home is not writable (that is one of the things it reports).
  WriteFile(std::string(kAgentReport) + ".tmp", report.dump() + "\n", 0600);
  ::rename((std::string(kAgentReport) + ".tmp").c_str(), kAgentReport);
  WaitForStop(false);
  return 0;
}

}  // namespace
}  // namespace cvm::testing

int main(int argc, char** argv) {
  const sigset_t stop = cvm::testing::StopSignals();
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  std::string name = argv[0];
  name = name.substr(name.rfind('/') + 1);
  if (name == "cvm-double" && argc > 1) {  // cvm-double <role> [args]
    name = argv[1];
    ++argv;
    --argc;
  }
  if (name == "envbox") {
    if (argc < 2 || std::string(argv[1]) != "docker") {
      std::cerr << "usage: envbox docker (the envbox test double)\n";
      return 2;
    }
    return cvm::testing::EnvboxDouble().Run();
  }
  if (name == "init") return cvm::testing::Init();
  if (name == "systemctl") return cvm::testing::Systemctl(argc, argv);
  if (name == "cvm-agent-double") return cvm::testing::Agent(argc, argv);
  std::cerr << "cvm-double: unknown role " << name
            << " (envbox, init, systemctl, cvm-agent-double)\n";
  return 2;
}
