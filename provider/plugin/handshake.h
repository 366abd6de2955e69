// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The text a plugin process prints to announce itself: go-plugin's handshake
// line (normal mode) and the TF_REATTACH_PROVIDERS value (-debug mode).
// Pure formatting, no I/O. Part of plugin/ (the go-plugin process contract).

#ifndef CVM_PROVIDER_PLUGIN_HANDSHAKE_H_
#define CVM_PROVIDER_PLUGIN_HANDSHAKE_H_

#include <string>
#include <string_view>

namespace cvm::plugin {

// The fields of go-plugin's handshake line
// CORE|APP|NETWORK|ADDRESS|PROTOCOL|SERVERCERT.
struct Handshake {
  int core_version = 1;
  int app_version = 6;
  std::string network;  // "unix" or "tcp".
  std::string address;  // Socket path (no "unix:" prefix) or "127.0.0.1:port".
  // DER bytes of the server's TLS leaf certificate; empty when serving
  // plaintext.
  std::string server_cert_der;
};

// Returns the handshake line, newline-terminated, e.g.
// "1|6|unix|/tmp/plugin-Ab12Cd/p.sock|grpc|MIIB...\n". The protocol field is
// always "grpc"; the certificate field is Base64EncodeUnpadded of the DER, or
// empty without TLS. No seventh (multiplexing) field is ever written.
std::string FormatHandshakeLine(const Handshake& handshake);

// Returns `bytes` in base64 with the standard alphabet (A-Z a-z 0-9 + /) and
// no '=' padding: Go's base64.RawStdEncoding, which go-plugin's client uses to
// decode the certificate field (padded text is rejected by Terraform).
std::string Base64EncodeUnpadded(std::string_view bytes);

// Where a -debug provider listens, for TF_REATTACH_PROVIDERS.
struct ReattachInfo {
  std::string provider_address;  // e.g. "registry.terraform.io/cvm/cvm".
  int pid = 0;
  std::string network;  // "unix" or "tcp".
  std::string address;  // Socket path or "127.0.0.1:port".
};

// Returns the JSON value of TF_REATTACH_PROVIDERS for one provider, e.g.
// {"registry.terraform.io/cvm/cvm":{"Protocol":"grpc","ProtocolVersion":6,
// "Pid":42,"Test":true,"Addr":{"Network":"unix","String":"/tmp/x/p.sock"}}}
// "Test":true tells Terraform not to stop the process after each command.
// Strings are JSON-escaped.
std::string FormatReattachJson(const ReattachInfo& info);

// Returns the lines a -debug provider prints for its user: a human sentence
// and `TF_REATTACH_PROVIDERS='<json>'` (quoted for POSIX shells, so the line
// can be pasted after `export`), newline-terminated.
std::string FormatDebugInstructions(const ReattachInfo& info);

}  // namespace cvm::plugin

#endif  // CVM_PROVIDER_PLUGIN_HANDSHAKE_H_
