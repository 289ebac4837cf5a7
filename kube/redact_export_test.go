package kube

// SecretForm is one form of secret in text, for the external canary test.
type SecretForm struct {
	Name, Text string
	Secrets    []string
}

// SecretForms is the redactor's table of secret forms (secretForms).
func SecretForms() []SecretForm {
	out := make([]SecretForm, 0, len(secretForms))
	for _, f := range secretForms {
		out = append(out, SecretForm{Name: f.name, Text: f.text, Secrets: f.secrets})
	}
	return out
}
