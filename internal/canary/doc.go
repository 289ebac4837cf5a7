// Package canary is test data shared by the redaction tests of several
// packages: every form in which a secret shows up in text, and a check
// that finds any of them in what left the process. Only tests import it.
package canary
