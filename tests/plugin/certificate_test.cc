// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/plugin/certificate.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cvm::plugin {
namespace {

using ::cvm::testing::IsOk;
using ::cvm::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Ne;

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr ParsePem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return X509Ptr(cert);
}

X509Ptr ParseDer(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

std::string NameEntry(X509_NAME* name, int nid) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(name, nid, buf, sizeof(buf));
  return buf;
}

// Verifies `cert` against a store holding only `cert`, for `purpose` and host
// "localhost", as Terraform's client does with the handshake certificate.
int VerifySelfSigned(X509* cert, int purpose) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, cert);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert, nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), "localhost", 0);
  int ok = X509_verify_cert(ctx);
  int error = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok == 1 ? X509_V_OK : (error == X509_V_OK ? -1 : error);
}

class CertificateTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(CertificateTest, FollowsGoPluginTemplate) {
  absl::StatusOr<Certificate> generated = GenerateCertificate(GetParam());
  ASSERT_THAT(generated, IsOk());
  X509Ptr cert = ParsePem(generated->cert_pem);
  ASSERT_NE(cert, nullptr);

  // PEM and DER are the same certificate.
  X509Ptr from_der = ParseDer(generated->cert_der);
  ASSERT_NE(from_der, nullptr);
  EXPECT_THAT(X509_cmp(cert.get(), from_der.get()), Eq(0));

  EXPECT_THAT(X509_get_version(cert.get()), Eq(X509_VERSION_3));
  EXPECT_THAT(NameEntry(X509_get_subject_name(cert.get()), NID_commonName),
              Eq("localhost"));
  EXPECT_THAT(
      NameEntry(X509_get_subject_name(cert.get()), NID_organizationName),
      Eq("HashiCorp"));
  EXPECT_THAT(X509_NAME_cmp(X509_get_subject_name(cert.get()),
                            X509_get_issuer_name(cert.get())),
              Eq(0));

  // SAN DNS:localhost.
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  ASSERT_NE(sans, nullptr);
  ASSERT_THAT(sk_GENERAL_NAME_num(sans), Eq(1));
  const GENERAL_NAME* san = sk_GENERAL_NAME_value(sans, 0);
  ASSERT_THAT(san->type, Eq(GEN_DNS));
  EXPECT_THAT(
      std::string(
          reinterpret_cast<const char*>(ASN1_STRING_get0_data(san->d.dNSName)),
          static_cast<size_t>(ASN1_STRING_length(san->d.dNSName))),
      Eq("localhost"));
  GENERAL_NAMES_free(sans);

  // Usages.
  EXPECT_THAT(X509_check_ca(cert.get()), Ne(0));
  const uint32_t eku = X509_get_extended_key_usage(cert.get());
  EXPECT_TRUE(eku & XKU_SSL_SERVER);
  EXPECT_TRUE(eku & XKU_SSL_CLIENT);
  const uint32_t ku = X509_get_key_usage(cert.get());
  EXPECT_TRUE(ku & KU_DIGITAL_SIGNATURE);
  EXPECT_TRUE(ku & KU_KEY_ENCIPHERMENT);
  EXPECT_TRUE(ku & KU_KEY_AGREEMENT);
  EXPECT_TRUE(ku & KU_KEY_CERT_SIGN);

  // Validity: from about 30 s ago, for about 30 years.
  int days = 0;
  int seconds = 0;
  ASSERT_THAT(
      ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notBefore(cert.get())),
      Eq(1));
  EXPECT_THAT(days, Eq(0));
  EXPECT_GE(seconds, -35);
  EXPECT_LE(seconds, -25);
  ASSERT_THAT(
      ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert.get())),
      Eq(1));
  EXPECT_GE(days, 10957);
  EXPECT_LE(days, 10958);

  // Serial: positive, 128 bits.
  BIGNUM* serial =
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr);
  ASSERT_NE(serial, nullptr);
  EXPECT_FALSE(BN_is_negative(serial));
  EXPECT_THAT(BN_num_bytes(serial), Eq(16));
  BN_free(serial);

  // Self-signed and valid for both purposes with host "localhost".
  EVP_PKEY* public_key = X509_get0_pubkey(cert.get());
  EXPECT_THAT(X509_verify(cert.get(), public_key), Eq(1));
  EXPECT_THAT(VerifySelfSigned(cert.get(), X509_PURPOSE_SSL_SERVER),
              Eq(X509_V_OK));
  EXPECT_THAT(VerifySelfSigned(cert.get(), X509_PURPOSE_SSL_CLIENT),
              Eq(X509_V_OK));

  // The private key matches the certificate.
  BIO* bio = BIO_new_mem_buf(generated->key_pem.data(),
                             static_cast<int>(generated->key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(key, nullptr);
  EXPECT_THAT(X509_check_private_key(cert.get(), key), Eq(1));
  EXPECT_THAT(generated->key_pem, HasSubstr("-----BEGIN PRIVATE KEY-----"));

  // Key type and signature algorithm.
  const bool p521 = GetParam() == KeyType::kEcdsaP521;
  EXPECT_THAT(EVP_PKEY_get_base_id(key), Eq(EVP_PKEY_EC));
  EXPECT_THAT(EVP_PKEY_get_bits(key), Eq(p521 ? 521 : 256));
  EXPECT_THAT(X509_get_signature_nid(cert.get()),
              Eq(p521 ? NID_ecdsa_with_SHA512 : NID_ecdsa_with_SHA256));
  EVP_PKEY_free(key);
}

TEST_P(CertificateTest, EachCallMakesANewKeyAndSerial) {
  absl::StatusOr<Certificate> a = GenerateCertificate(GetParam());
  absl::StatusOr<Certificate> b = GenerateCertificate(GetParam());
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_THAT(a->key_pem, Ne(b->key_pem));
  X509Ptr ca = ParseDer(a->cert_der);
  X509Ptr cb = ParseDer(b->cert_der);
  EXPECT_THAT(ASN1_INTEGER_cmp(X509_get0_serialNumber(ca.get()),
                               X509_get0_serialNumber(cb.get())),
              Ne(0));
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, CertificateTest,
                         ::testing::Values(KeyType::kEcdsaP256,
                                           KeyType::kEcdsaP521));

TEST(CheckCertificatePemTest, AcceptsCertificate) {
  absl::StatusOr<Certificate> cert = GenerateCertificate();
  ASSERT_THAT(cert, IsOk());
  EXPECT_THAT(CheckCertificatePem(cert->cert_pem), IsOk());
}

TEST(CheckCertificatePemTest, RejectsGarbage) {
  EXPECT_THAT(CheckCertificatePem("not a certificate"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("PLUGIN_CLIENT_CERT")));
  absl::StatusOr<Certificate> cert = GenerateCertificate();
  ASSERT_THAT(cert, IsOk());
  EXPECT_THAT(CheckCertificatePem(cert->key_pem),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("PLUGIN_CLIENT_CERT")));
}

TEST(CheckCertificatePemTest, RejectsACertificateBlockThatIsNotDer) {
  EXPECT_THAT(CheckCertificatePem("-----BEGIN CERTIFICATE-----\n"
                                  "AAAA\n"
                                  "-----END CERTIFICATE-----\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("PLUGIN_CLIENT_CERT")));
}

TEST(CheckCertificatePemTest, FindsTheCertificateAfterOtherBlocks) {
  absl::StatusOr<Certificate> cert = GenerateCertificate();
  ASSERT_THAT(cert, IsOk());
  EXPECT_THAT(CheckCertificatePem(cert->key_pem + cert->cert_pem), IsOk());
}

}  // namespace
}  // namespace cvm::plugin
