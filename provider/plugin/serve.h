// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The go-plugin process contract, start to finish: the entry point main.cc
// calls with the gRPC services the provider serves. Part of plugin/, which
// knows nothing about Terraform's provider protocol or Kubernetes: it serves
// whatever grpc::Service objects it is given, next to go-plugin's own
// controller, stdio and health services.
//
// What Serve does, in order (hashicorp/go-plugin's server rules):
//  1. Unless debug: checks TF_PLUGIN_MAGIC_COOKIE; on mismatch prints
//     go-plugin's "This binary is a plugin..." text to stderr and returns 1.
//  2. Reads PLUGIN_PROTOCOL_VERSIONS as a set; if it is set and lacks 6 (or
//     cannot be parsed), explains on stderr and returns 1.
//  3. Chooses the listener: by default a unix socket `plugin.sock` in a new
//     0700 directory `plugin-XXXXXX` under PLUGIN_UNIX_SOCKET_DIR, else
//     $TMPDIR, else /tmp (falling back to /tmp when the path would not fit in
//     108 bytes). With CVM_PLUGIN_TRANSPORT=tcp: 127.0.0.1 on the first free
//     port in PLUGIN_MIN_PORT..PLUGIN_MAX_PORT (unset means 0: any port).
//     CVM_PLUGIN_TRANSPORT is ours, not go-plugin's; values other than
//     "", "unix" and "tcp" are refused (exit 1).
//     PLUGIN_UNIX_SOCKET_GROUP is not supported (Terraform never sets it).
//  4. AutoMTLS: unless debug, when PLUGIN_CLIENT_CERT is set and
//     TF_DISABLE_PLUGIN_TLS is empty, generates a fresh ECDSA P-256 key and
//     self-signed certificate (certificate.h) and serves TLS that requires
//     and verifies a client certificate signed by PLUGIN_CLIENT_CERT (i.e.
//     Terraform's own one-time certificate). Otherwise serves plaintext.
//  5. Starts one grpc++ server (max message size 256 MiB each way) with the
//     given services, plugin.GRPCController, plugin.GRPCStdio and the
//     default grpc.health.v1.Health service ("plugin" and "" SERVING).
//  6. Normal mode: writes exactly one line to stdout,
//     `1|6|unix|<path>|grpc|<base64 DER, unpadded>`, then points fd 1 at
//     /dev/null so nothing else can ever reach Terraform's stdout pipe.
//     Debug mode (-debug): writes instead a human sentence and
//     `TF_REATTACH_PROVIDERS='{...}'` to stdout (as terraform-plugin-go does,
//     so a script can capture it), then likewise redirects stdout.
//  7. Blocks until plugin.GRPCController/Shutdown is called or SIGTERM
//     arrives (or, in debug mode only, SIGINT). In normal mode SIGINT is
//     ignored: Ctrl-C reaches the whole process group, and Terraform drives
//     the graceful stop itself, as with go-plugin servers. SIGPIPE is ignored
//     (a closed stderr pipe must not kill the process). Outside debug mode
//     a parent that dies without stopping the plugin (Terraform killed
//     with SIGKILL) counts as SIGTERM, within about 250 ms, so an orphaned
//     plugin neither lingers nor goes on writing to the cluster.
//  8. Shutdown: calls ServeOptions::on_shutdown once, ends the stdio streams
//     and health watches, waits for in-flight RPCs (up to `shutdown_grace`,
//     then cancels them), closes every client connection at once (an idle
//     connection the client keeps open does not delay the exit), removes the
//     socket and its directory, restores the signal dispositions it changed,
//     and returns 0.
// Logs (hclog JSON) go to stderr only.

#ifndef CVM_PROVIDER_PLUGIN_SERVE_H_
#define CVM_PROVIDER_PLUGIN_SERVE_H_

#include <grpcpp/impl/service_type.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace cvm::plugin {

struct ServeOptions {
  // -debug: no cookie check, plaintext, print TF_REATTACH_PROVIDERS (with
  // "Test":true, so Terraform neither starts nor stops this process), and
  // stop on SIGINT as well as SIGTERM.
  bool debug = false;
  // The key in the TF_REATTACH_PROVIDERS JSON (debug mode only).
  std::string provider_address = "registry.terraform.io/cvm/cvm";
  // Called once, on the thread that called Serve, when shutdown begins and
  // before the server stops (e.g. to cancel in-flight work so the RPCs end
  // within `shutdown_grace`). May be empty.
  std::function<void()> on_shutdown;
  // How long in-flight RPCs may run on after shutdown begins before grpc++
  // cancels them. Terraform kills a plugin 2 s after calling Shutdown.
  std::chrono::milliseconds shutdown_grace{1500};
};

// Runs the whole go-plugin contract (see the file comment) and blocks until
// shutdown. Returns the process exit code: 0 after a Shutdown RPC or a
// stopping signal; 1 if the environment is wrong (no cookie, no protocol 6,
// bad PLUGIN_CLIENT_CERT or port range) or the server cannot start, after an
// explanation on stderr.
// The services are borrowed: REQUIRES: each outlives the call, none is
// registered with another server, and no two serve the same gRPC service name.
// REQUIRES: not called concurrently with itself (it owns process-wide state:
// signal dispositions, fd 1). Call it from the main thread, before starting
// threads that could print to stdout.
int Serve(const std::vector<grpc::Service*>& services,
          const ServeOptions& options);

}  // namespace cvm::plugin

#endif  // CVM_PROVIDER_PLUGIN_SERVE_H_
