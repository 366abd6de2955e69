// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The generic Terraform rules every resource gets without writing them:
// config validation walks, the generic plan (defaults, computed values
// unknown when they may change, stable computed values kept, write-only
// attributes null, requires-replace paths) and the same consistency checks
// Terraform applies to plans and apply results, so a provider bug becomes a
// precise diagnostic instead of "Provider produced invalid plan". Part of
// framework/. Pure functions; thread-safe.

#ifndef CVM_PROVIDER_FRAMEWORK_PLAN_H_
#define CVM_PROVIDER_FRAMEWORK_PLAN_H_

#include <vector>

#include "provider/framework/diagnostics.h"
#include "provider/schema/schema.h"
#include "provider/values/path.h"
#include "provider/values/value.h"

namespace cvm::framework {

// Runs attribute validators on known, non-null values and warns on
// configured deprecated attributes and blocks; checks list/set block item
// counts when known. Unknown values are skipped. Diagnostics carry paths.
void ValidateConfigValue(const schema::Block& block,
                         const values::Value& config, Diagnostics* diags);

struct GenericPlan {
  values::Value planned_state;
  std::vector<values::Path> requires_replace;
};

// The generic plan of a create (prior null) or update. REQUIRES: proposed
// and config are non-null objects of block's implied type.
//  1. Attributes with a default that are null in config get the default.
//  2. If nothing differs from prior, the plan is exactly prior (no diff).
//  3. Otherwise computed attributes null in config become unknown, except
//     use_state_for_unknown and live ones on update, which keep their
//     prior value.
//  4. Write-only attributes are null.
//  5. requires_replace lists every requires_replace attribute or block whose
//     planned value differs from prior (unknown counts as different).
GenericPlan PlanChange(const schema::Block& block, const values::Value& prior,
                       const values::Value& proposed,
                       const values::Value& config);

// Terraform's plan validity rules (objchange.AssertPlanValid, simplified to
// what our schemas use): adds an error per attribute whose planned value
// Terraform would reject.
void CheckPlanValid(const schema::Block& block, const values::Value& prior,
                    const values::Value& config, const values::Value& planned,
                    Diagnostics* diags);

// Terraform's apply consistency rules: `actual` must be wholly known, and
// every known value in `planned` must be equal in `actual`. Adds an error
// per offending path.
void CheckApplyConsistent(const values::Value& planned,
                          const values::Value& actual, Diagnostics* diags);

// `planned` with each live attribute of `block` (schema.h) as a plan must
// have it: unknown on create (`prior` null), else its value in `prior`.
values::Value PlanLiveAttributes(const schema::Block& block,
                                 const values::Value& prior,
                                 values::Value planned);

// `actual` (an apply result) with each live attribute of `block` that is
// known in `planned` set to that planned value.
values::Value KeepPlannedLiveAttributes(const schema::Block& block,
                                        const values::Value& planned,
                                        values::Value actual);

// Returns `v` with every write-only attribute of `block` set to null.
values::Value NullWriteOnly(const schema::Block& block, const values::Value& v);

}  // namespace cvm::framework

#endif  // CVM_PROVIDER_FRAMEWORK_PLAN_H_
