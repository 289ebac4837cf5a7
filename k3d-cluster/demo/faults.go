package demo

import "github.com/kubertnetes/kubertnetes/localcluster"

// FaultRules are the simulated world's kubelet rules: what the demo's and
// the scenarios' containers do on a real node, decided from each pod's own
// spec as the plane's kwok evaluates it. Pass them to localcluster.Start
// (Options.FaultRules). Every rule is something that really happens on k3d:
//
//   - listen-port-not-a-number: a container whose env LISTEN_PORT is empty
//     or has a character that is not a digit exits 1 at start, as
//     crashloop-app's script does (CrashLoopBackOff; a Job's pod fails).
//   - database-url-not-postgres: a container whose script reads
//     $DATABASE_URL, with env DATABASE_URL not starting with postgres://,
//     exits 3, as the migration scripts of the scenarios do.
//   - registry-unresolvable: an image from a registry under the reserved
//     .invalid domain (RFC 6761) cannot be pulled: no such host.
//   - tag-does-not-exist: an image tagged does-not-exist cannot be pulled:
//     the registry answers not found.
//   - stress-over-memory-limit: a container running stress (polinux/stress)
//     whose --vm workers × --vm-bytes exceed its memory limit is OOMKilled
//     (exit 137), as in the Kubernetes docs' example.
//   - readiness-port-undeclared, liveness-port-undeclared: a simulated
//     container listens on exactly the ports it declares (one that declares
//     none listens on any); an httpGet or tcpSocket probe aimed at another
//     port is refused, and a named port it does not declare cannot be
//     resolved. So the readiness probe fails (never Ready) or the liveness
//     probe fails (restarted on the probe's timing).
//
// A missing ConfigMap, Secret or key (CreateContainerConfigError) needs no
// rule: the plane checks references against the API, like a kubelet.
func FaultRules() []localcluster.FaultRule {
	return []localcluster.FaultRule{
		{
			Name: "listen-port-not-a-number", Kind: localcluster.FaultCrash, ExitCode: 1,
			When: `[.env[]? | select(.name == "LISTEN_PORT") | .value | strings | test("^[0-9]+$") | not] | any`,
		},
		{
			Name: "database-url-not-postgres", Kind: localcluster.FaultCrash, ExitCode: 3,
			When: `(((.command // []) + (.args // [])) | join(" ") | contains("$DATABASE_URL"))
				and ([.env[]? | select(.name == "DATABASE_URL") | .value | strings | startswith("postgres://") | not] | any)`,
		},
		{
			Name: "registry-unresolvable", Kind: localcluster.FaultImagePull,
			When:    `.image | test("^[^/]+[.]invalid(:[0-9]+)?/")`,
			Message: `rpc error: code = Unknown desc = failed to pull and unpack image "{image}": failed to resolve reference "{image}": failed to do request: Head "https://{registry}/v2/": dial tcp: lookup {registry}: no such host`,
		},
		{
			Name: "tag-does-not-exist", Kind: localcluster.FaultImagePull,
			When: `.image | test(":does-not-exist$")`,
		},
		{
			Name: "stress-over-memory-limit", Kind: localcluster.FaultOOMKilled,
			When: jqStressOverLimit,
		},
		{Name: "readiness-port-undeclared", Kind: localcluster.FaultReadinessProbe, When: jqProbePortUndeclared("readinessProbe")},
		{Name: "liveness-port-undeclared", Kind: localcluster.FaultLivenessProbe, When: jqProbePortUndeclared("livenessProbe")},
	}
}

// jqStressOverLimit: stress's memory need (workers × --vm-bytes, with its
// binary suffixes) against the container's memory limit (a Kubernetes
// quantity).
const jqStressOverLimit = `def quantity: tostring | capture("^(?<n>[0-9.]+)(?<u>[A-Za-z]*)$")
    | (.n | tonumber) * ({"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 1024, "Mi": 1048576, "Gi": 1073741824, "Ti": 1099511627776}[.u]);
  def stressbytes: capture("^(?<n>[0-9]+)(?<u>[BbKkMmGg]?)$")
    | (.n | tonumber) * ({"": 1, "b": 1, "k": 1024, "m": 1048576, "g": 1073741824}[.u | ascii_downcase]);
  ((.command // []) + (.args // [])) as $argv
  | ($argv | index("--vm-bytes")) as $i
  | ($argv | index("--vm")) as $w
  | $i != null and .resources.limits.memory != null
    and ((if $w != null then ($argv[$w + 1] | tonumber) else 1 end) * ($argv[$i + 1] | stressbytes) > (.resources.limits.memory | quantity))`

// jqProbePortUndeclared: the probe's httpGet or tcpSocket port is a name
// the container does not declare, or a number it does not declare while
// it declares some.
func jqProbePortUndeclared(probe string) string {
	return `(.` + probe + `.httpGet.port // .` + probe + `.tcpSocket.port) as $port
  | $port != null and (if ($port | type) == "string"
      then ([.ports[]?.name] | index($port)) == null
      else ((.ports // []) | length) > 0 and ([.ports[]?.containerPort] | index($port)) == null end)`
}
