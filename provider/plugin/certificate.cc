// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

// Start-up: every OpenSSL 3.0 public- or private-key decode builds an
// OSSL_DECODER context, millions of instructions each. gRPC decodes the key,
// our certificate and the client's when serving starts; this file decodes
// nothing itself (see GenerateKey and CheckCertificatePem).

// The EC_KEY API is deprecated in OpenSSL 3.0 but still supported; see
// GenerateKey for why it is used.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "provider/plugin/certificate.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
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

// A new ECDSA key on the named curve `nid`, or null. A legacy (EC_KEY
// backed) key rather than EVP_EC_gen's provider-native one: X509_set_pubkey
// encodes a provider-native key with an OSSL_ENCODER and decodes the bytes
// again with an OSSL_DECODER (~5M instructions in OpenSSL 3.0, a sixth of
// the provider's start-up), while a legacy key is encoded directly.
Ptr<EVP_PKEY> GenerateKey(int nid) {
  EC_KEY* ec = EC_KEY_new_by_curve_name(nid);
  if (ec == nullptr) return nullptr;
  Ptr<EVP_PKEY> key(EVP_PKEY_new());
  if (key == nullptr || EC_KEY_generate_key(ec) != 1 ||
      EVP_PKEY_assign_EC_KEY(key.get(), ec) != 1) {
    EC_KEY_free(ec);
    return nullptr;
  }
  return key;  // Owns `ec`.
}

}  // namespace

absl::StatusOr<Certificate> GenerateCertificate(KeyType key_type) {
  const bool p521 = key_type == KeyType::kEcdsaP521;
  ERR_clear_error();
  Ptr<EVP_PKEY> key = GenerateKey(p521 ? NID_secp521r1 : NID_X9_62_prime256v1);
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
  // Only the PEM armour and the outer DER SEQUENCE are checked: a full
  // d2i_X509 would decode the public key (an OSSL_DECODER, see the top of
  // the file), and gRPC parses the certificate completely anyway.
  ERR_clear_error();
  Ptr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return OpenSslError("cannot read certificate");
  while (true) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) break;
    bool certificate = std::strcmp(name, PEM_STRING_X509) == 0;
    if (certificate) {
      const unsigned char* p = data;
      long body = 0;
      int tag = 0;
      int xclass = 0;
      const int ret = ASN1_get_object(&p, &body, &tag, &xclass, len);
      certificate = (ret & 0x80) == 0 && ret == V_ASN1_CONSTRUCTED &&
                    tag == V_ASN1_SEQUENCE && xclass == V_ASN1_UNIVERSAL &&
                    (p - data) + body == len;
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    if (certificate) {
      ERR_clear_error();
      return absl::OkStatus();
    }
  }
  ERR_clear_error();
  return absl::InvalidArgumentError(
      "PLUGIN_CLIENT_CERT does not hold a PEM certificate");
}

}  // namespace cvm::plugin
