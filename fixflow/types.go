package fixflow

import "github.com/kubertnetes/kubertnetes/kube/fixer"

// The fix side's types a front end names, so that front ends import the
// workflow and never the code that writes to the cluster.
type (
	// Identity is who an approved fix is applied as.
	Identity = fixer.Identity
	// Verification is what watching an applied change saw.
	Verification = fixer.Verification
	// VerifyOptions bound a verification.
	VerifyOptions = fixer.VerifyOptions
	// Auditor records each step of a fix.
	Auditor = fixer.Auditor
	// AuditRecord is one recorded step.
	AuditRecord = fixer.AuditRecord
	// AuditReason is what happened in a step.
	AuditReason = fixer.AuditReason
)
