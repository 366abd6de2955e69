// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The one-time TLS identity of a plugin process for go-plugin's AutoMTLS: a
// fresh ECDSA key and a self-signed certificate built from go-plugin's own
// template (mtls.go generateCert), so Terraform's client, which trusts exactly
// the certificate sent in the handshake line, accepts it. Part of plugin/.

#ifndef CVM_PROVIDER_PLUGIN_CERTIFICATE_H_
#define CVM_PROVIDER_PLUGIN_CERTIFICATE_H_

#include <string>

#include "absl/status/statusor.h"

namespace cvm::plugin {

enum class KeyType {
  kEcdsaP256,  // ecdsa-with-SHA256; the fast default (well under 1 ms).
  kEcdsaP521,  // ecdsa-with-SHA512; what go-plugin itself generates.
};

// A private key and its self-signed certificate. A plain copyable value.
struct Certificate {
  std::string key_pem;   // PKCS#8 "-----BEGIN PRIVATE KEY-----" PEM.
  std::string cert_pem;  // "-----BEGIN CERTIFICATE-----" PEM.
  std::string cert_der;  // The same certificate, DER bytes.
};

// Generates a new key of `key_type` and a self-signed X.509 v3 certificate:
// Subject and Issuer CN=localhost, O=HashiCorp (go-plugin's template);
// SAN DNS:localhost; critical BasicConstraints CA:TRUE; critical KeyUsage
// digitalSignature, keyEncipherment, keyAgreement, keyCertSign; ExtKeyUsage
// serverAuth, clientAuth; a subject key identifier; a random positive 128-bit
// serial; valid from 30 s ago for 262980 hours (about 30 years).
// The same template serves as a server or a client identity.
// Returns kInternal if OpenSSL fails (the message carries OpenSSL's error).
// Thread-safe.
absl::StatusOr<Certificate> GenerateCertificate(
    KeyType key_type = KeyType::kEcdsaP256);

// Returns OK if `pem` holds at least one PEM "CERTIFICATE" block whose body
// is one DER SEQUENCE, else kInvalidArgument. Used to check
// PLUGIN_CLIENT_CERT before serving, so that a missing or garbled
// certificate gets a clear message; the contents are not parsed (gRPC does
// that when serving starts, and a full parse here would cost about a
// millisecond of start-up).
absl::Status CheckCertificatePem(const std::string& pem);

}  // namespace cvm::plugin

#endif  // CVM_PROVIDER_PLUGIN_CERTIFICATE_H_
