package fixer

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubertnetes/kubertnetes/kube"
)

// AuditReason is what happened to a fix; it is the Event's reason.
type AuditReason string

// Audit reasons, one per step of a fix's life.
const (
	FixProposed    AuditReason = "FixProposed"
	FixApproved    AuditReason = "FixApproved"
	FixRejected    AuditReason = "FixRejected"
	FixApplied     AuditReason = "FixApplied"
	FixFailed      AuditReason = "FixFailed"
	FixVerified    AuditReason = "FixVerified"
	FixNotVerified AuditReason = "FixNotVerified"
)

// AuditComponent is the Events' source and reporting controller.
const AuditComponent = "kubertnetes"

// AuditRecord is one step of one fix: who asked, who decided, as whom it
// was applied, which exact change (its hash) and the result.
type AuditRecord struct {
	Reason   AuditReason
	Proposal string // the proposal's id
	Preview  kube.Preview
	// UID of the target when the preview has none (a created object).
	UID         types.UID
	RequestedBy string
	DecidedBy   string
	As          Identity
	Result      string
}

// Auditor records fix steps. Recording never fails a fix: an Auditor logs
// its own failures.
type Auditor interface {
	Record(ctx context.Context, r AuditRecord)
}

// EventAuditor records each step as a Kubernetes Event on the target
// (visible in `kubectl describe` and `kubectl get events`), created with
// the fixer's identity (it needs create on events), and as a structured
// log line with the same fields.
type EventAuditor struct {
	core     kubernetes.Interface
	log      *zap.Logger
	instance string
	now      func() time.Time
}

var _ Auditor = (*EventAuditor)(nil)

// NewEventAuditor builds an auditor writing Events with cfg's identity.
func NewEventAuditor(cfg *rest.Config, log *zap.Logger) (*EventAuditor, error) {
	if cfg == nil {
		return nil, fmt.Errorf("new auditor: no cluster configuration")
	}
	if log == nil {
		log = zap.NewNop()
	}
	core, err := kubernetes.NewForConfig(kube.WithClientDefaults(cfg, "kubertnetes-audit"))
	if err != nil {
		return nil, fmt.Errorf("new auditor: clientset: %w", err)
	}
	host, _ := os.Hostname()
	return &EventAuditor{core: core, log: log, instance: host, now: time.Now}, nil
}

// Record logs the step and creates its Event; a failure to create the
// Event is logged, never returned.
func (a *EventAuditor) Record(ctx context.Context, r AuditRecord) {
	p, t := r.Preview, r.Preview.Fix.Target
	uid := r.UID
	if uid == "" {
		uid = p.UID
	}
	fields := []zap.Field{
		zap.String("reason", string(r.Reason)), zap.String("proposal", r.Proposal),
		zap.String("kind", p.Kind), zap.String("namespace", t.Namespace), zap.String("name", t.Name),
		zap.String("operation", string(p.Fix.Operation)), zap.String("patch_sha256", p.PatchHash),
		zap.String("requested_by", r.RequestedBy), zap.String("decided_by", r.DecidedBy),
		zap.String("as", r.As.String()), zap.String("result", r.Result),
	}
	a.log.Info("fix audit", fields...)

	now := metav1.NewTime(a.now())
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: t.Name + ".kubertnetes-", Namespace: t.Namespace},
		InvolvedObject: corev1.ObjectReference{
			Kind: p.Kind, APIVersion: apiVersion(p.Group, p.Version), Namespace: t.Namespace, Name: t.Name, UID: uid,
		},
		Reason:              string(r.Reason),
		Message:             auditMessage(r),
		Type:                auditType(r.Reason),
		Source:              corev1.EventSource{Component: AuditComponent},
		ReportingController: AuditComponent,
		ReportingInstance:   a.instance,
		Action:              string(p.Fix.Operation),
		FirstTimestamp:      now,
		LastTimestamp:       now,
		Count:               1,
	}
	// The Event is recorded even when the request that led here was cancelled.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := a.core.CoreV1().Events(t.Namespace).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		a.log.Warn("record fix audit Event (the fix is not affected)", append(fields, zap.Error(err))...)
	}
}

func apiVersion(group, version string) string {
	if group == "" {
		return version
	}
	return group + "/" + version
}

func auditType(r AuditReason) string {
	if r == FixFailed || r == FixNotVerified {
		return corev1.EventTypeWarning
	}
	return corev1.EventTypeNormal
}

// auditMessage is the Event's message (at most 1024 bytes, the API's limit).
func auditMessage(r AuditRecord) string {
	p := r.Preview
	parts := []string{fmt.Sprintf("fix %s (%s)", r.Proposal, p.Fix.Operation)}
	if r.RequestedBy != "" {
		parts = append(parts, "asked by "+r.RequestedBy)
	}
	if r.DecidedBy != "" {
		verb := "approved by "
		if r.Reason == FixRejected {
			verb = "rejected by "
		}
		parts = append(parts, verb+r.DecidedBy)
	}
	if !r.As.IsZero() || r.Reason == FixApplied {
		parts = append(parts, "applied as "+r.As.String())
	}
	parts = append(parts, "patch sha256 "+short(p.PatchHash))
	if r.Result != "" {
		parts = append(parts, "result: "+r.Result)
	}
	msg := strings.Join(parts, "; ")
	if len(msg) > 1024 {
		msg = strings.ToValidUTF8(msg[:1021], "") + "..."
	}
	return msg
}
