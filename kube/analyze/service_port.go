package analyze

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubertnetes/kubertnetes/kube"
)

// declaredPort is one container port a selected pod declares.
type declaredPort struct {
	name     string
	number   int32
	protocol corev1.Protocol
}

func (d declaredPort) String() string {
	if d.name != "" {
		return fmt.Sprintf("%s (%d/%s)", d.name, d.number, d.protocol)
	}
	return fmt.Sprintf("%d/%s", d.number, d.protocol)
}

func protocolOrTCP(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// targetPortFinding reports Service ports whose targetPort no selected pod
// declares: a name no container port has (the EndpointSlice controller
// then leaves the pod out), or a number none declares while the pods do
// declare ports. Pods that declare no port at all are not judged: a
// number works without a declaration.
func targetPortFinding(svc *corev1.Service, selected []corev1.Pod) (kube.Finding, bool) {
	seen := map[declaredPort]bool{}
	var declared []declaredPort
	for _, p := range selected {
		for _, c := range p.Spec.Containers {
			for _, cp := range c.Ports {
				d := declaredPort{name: cp.Name, number: cp.ContainerPort, protocol: protocolOrTCP(cp.Protocol)}
				if !seen[d] {
					seen[d] = true
					declared = append(declared, d)
				}
			}
		}
	}
	var missing []int
	var ev []string
	for i, sp := range svc.Spec.Ports {
		tp, proto := sp.TargetPort, protocolOrTCP(sp.Protocol)
		if tp.Type == intstr.Int && tp.IntVal == 0 {
			tp = intstr.FromInt32(sp.Port)
		}
		found := false
		for _, d := range declared {
			if d.protocol == proto && ((tp.Type == intstr.String && d.name == tp.StrVal) || (tp.Type == intstr.Int && d.number == tp.IntVal)) {
				found = true
			}
		}
		if found || (tp.Type == intstr.Int && len(declared) == 0) {
			continue
		}
		missing = append(missing, i)
		ev = append(ev, fmt.Sprintf("port %s: targetPort %s/%s", servicePortName(sp), tp.String(), proto))
	}
	if len(missing) == 0 {
		return kube.Finding{}, false
	}
	var names []string
	for _, d := range declared {
		names = append(names, d.String())
	}
	if len(names) == 0 {
		names = []string{"none"}
	}
	sort.Strings(names)
	ev = append(ev, fmt.Sprintf("ports the %d selected pod(s) declare: %s", len(selected), strings.Join(names, ", ")))
	first := svc.Spec.Ports[missing[0]]
	f := kube.Finding{
		Object: kube.ObjectRef{Kind: "Service", Namespace: svc.Namespace, Name: svc.Name}, Severity: kube.Warning,
		Reason:   "ServiceTargetPortMissing",
		Message:  fmt.Sprintf("Service %s sends port %s to targetPort %s, which none of the %d pod(s) it selects exposes, so connections to it fail", svc.Name, servicePortName(first), first.TargetPort.String(), len(selected)),
		Evidence: ev,
		Docs:     "https://kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports",
		Fix:      "Set the Service port's targetPort to a port the pods' containers declare (by name or number), or declare that port in the pod template.",
	}
	var same []declaredPort // declared with the missing port's protocol
	for _, d := range declared {
		if d.protocol == protocolOrTCP(first.Protocol) {
			same = append(same, d)
		}
	}
	if len(missing) != 1 || len(same) != 1 {
		return f, true
	}
	d := same[0]
	target := intstr.FromInt32(d.number)
	if d.name != "" {
		target = intstr.FromString(d.name)
	}
	ports := append([]corev1.ServicePort(nil), svc.Spec.Ports...)
	ports[missing[0]].TargetPort = target
	doc, _ := json.Marshal(map[string]any{"spec": map[string]any{"ports": ports}})
	f.Fix = fmt.Sprintf("Set targetPort of port %s to %s, the only port the pods declare.", servicePortName(first), target.String())
	f.Proposal = &kube.Fix{
		Target: kube.Target{Kind: "Service", Namespace: svc.Namespace, Name: svc.Name}, Operation: kube.OpMergePatch, Patch: doc,
		Rationale: fmt.Sprintf("Service %s's port %s targets %s, which its pods do not expose; the only port they declare is %s.", svc.Name, servicePortName(first), first.TargetPort.String(), d),
		Risk:      "Traffic to the Service goes to the corrected port at once.",
		Expected:  fmt.Sprintf("Service %s has ready endpoints", svc.Name),
	}
	return f, true
}

func servicePortName(sp corev1.ServicePort) string {
	if sp.Name != "" {
		return fmt.Sprintf("%s (%d)", sp.Name, sp.Port)
	}
	return fmt.Sprint(sp.Port)
}
