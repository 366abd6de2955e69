// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier:
// MPL-2.0

#include "provider/plugin/certificate.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cvm::plugin {
namespace {

// go-plugin's validity: time.Now().Add(262980 * time.Hour).
constexpr long kValiditySeconds = 262980L * 3600L;
constexpr long kBackdateSeconds = 30;

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(ASN1_INTEGER* p) const { ASN1_INTEGER_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Deleter>;

// Returns kInternal with `what` and the drained OpenSSL error queue.
absl::Status OpenSslError(const char* what) {
  std::string detail;
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!detail.empty()) detail += "; ";
    detail += buf;
  }
  return absl::InternalError(
      absl::StrCat(what, detail.empty() ? "" : ": ", detail));
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : "";
}

absl::Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid,
                          const char* value) {
  Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (ext == nullptr || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslError("cannot add certificate extension");
  }
  return absl::OkStatus();
}

absl::Status SetRandomSerial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return OpenSslError("cannot generate serial");
  }
  bytes[0] &= 0x7f;  // Positive.
  bytes[0] |= 0x01;  // Non-zero, and always 16 bytes long.
  Ptr<BIGNUM> bn(BN_bin2bn(bytes, sizeof(bytes), nullptr));
  if (bn == nullptr) return OpenSslError("cannot generate serial");
  Ptr<ASN1_INTEGER> serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (serial == nullptr || X509_set_serialNumber(cert, serial.get()) != 1) {
    return OpenSslError("cannot set serial");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Certificate> GenerateCertificate(KeyType key_type) {
  const bool p521 = key_type == KeyType::kEcdsaP521;
  ERR_clear_error();
  Ptr<EVP_PKEY> key(EVP_EC_gen(p521 ? "P-521" : "P-256"));
  if (key == nullptr) return OpenSslError("cannot generate ECDSA key");

  Ptr<X509> cert(X509_new());
  if (cert == nullptr || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslError("cannot create certificate");
  }
  if (absl::Status s = SetRandomSerial(cert.get()); !s.ok()) return s;
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds) ==
          nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds) ==
          nullptr) {
    return OpenSslError("cannot set validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>("localhost");
  const auto* org = reinterpret_cast<const unsigned char*>("HashiCorp");
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, org, -1, -1, 0) !=
          1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) !=
          1 ||
      X509_set_issuer_name(cert.get(), name) != 1 ||
      X509_set_pubkey(cert.get(), key.get()) != 1) {
    return OpenSslError("cannot set certificate names");
  }

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  struct {
    int nid;
    const char* value;
  } const kExtensions[] = {
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_key_usage,
       "critical,digitalSignature,keyEncipherment,keyAgreement,keyCertSign"},
      {NID_ext_key_usage, "serverAuth,clientAuth"},
      {NID_subject_alt_name, "DNS:localhost"},
      {NID_subject_key_identifier, "hash"},
  };
  for (const auto& ext : kExtensions) {
    if (absl::Status s = AddExtension(cert.get(), &ctx, ext.nid, ext.value);
        !s.ok()) {
      return s;
    }
  }
  if (X509_sign(cert.get(), key.get(), p521 ? EVP_sha512() : EVP_sha256()) <=
      0) {
    return OpenSslError("cannot sign certificate");
  }

  Certificate out;
  Ptr<BIO> key_bio(BIO_new(BIO_s_mem()));
  Ptr<BIO> cert_bio(BIO_new(BIO_s_mem()));
  if (key_bio == nullptr || cert_bio == nullptr ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0,
                               nullptr, nullptr) != 1 ||
      PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1) {
    return OpenSslError("cannot encode key or certificate as PEM");
  }
  out.key_pem = BioContents(key_bio.get());
  out.cert_pem = BioContents(cert_bio.get());
  int der_size = i2d_X509(cert.get(), nullptr);
  if (der_size <= 0) return OpenSslError("cannot encode certificate as DER");
  out.cert_der.resize(static_cast<size_t>(der_size));
  auto* der = reinterpret_cast<unsigned char*>(out.cert_der.data());
  if (i2d_X509(cert.get(), &der) != der_size) {
    return OpenSslError("cannot encode certificate as DER");
  }
  return out;
}

absl::Status CheckCertificatePem(const std::string& pem) {
  ERR_clear_error();
  Ptr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return OpenSslError("cannot read certificate");
  Ptr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (cert == nullptr) {
    return absl::InvalidArgumentError(
        "PLUGIN_CLIENT_CERT does not hold a PEM certificate");
  }
  return absl::OkStatus();
}

}  // namespace cvm::plugin
