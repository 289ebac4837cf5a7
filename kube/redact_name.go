package kube

import "strings"

// sensitiveWords are name words that mark a value as a credential.
var sensitiveWords = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "pass": true, "secret": true, "secrets": true,
	"token": true, "tokens": true, "key": true, "apikey": true, "credential": true, "credentials": true,
	"auth": true, "authorization": true, "cert": true, "private": true, "dsn": true,
	"passphrase": true, "passcode": true, "sessionid": true, "cookie": true, "jwt": true,
}

// gluedSecrets are credential words found inside a glued word: dbpassword,
// APIKEY, secretkey, pgpass, identitytoken.
var gluedSecrets = []string{"password", "passwd", "secret", "token", "apikey", "credential", "privatekey", "accesskey", "signingkey", "encryptionkey"}

// passWords end in "pass" but are not a password (BYPASS, COMPASS).
var passWords = map[string]bool{"bypass": true, "compass": true, "surpass": true, "overpass": true, "underpass": true, "trespass": true, "encompass": true, "multipass": true}

// referenceWords end a name that refers to a credential or describes it
// without holding it: secretName, PASSWORD_FILE, TLS_KEY_PATH,
// tokenExpirationSeconds, secretKeyRef, OAUTH_TOKEN_URL (a URL's own
// credentials are masked by the text pass).
var referenceWords = map[string]bool{
	"name": true, "names": true, "file": true, "path": true, "dir": true, "seconds": true, "ref": true, "refs": true,
	"url": true, "uri": true, "endpoint": true, "length": true, "size": true, "ttl": true, "expiry": true,
	"expiration": true, "type": true, "mode": true, "format": true, "enabled": true, "algorithm": true, "header": true,
}

// keyQualifiers make a "key" that is not a credential: topologyKey,
// sortKey, publicKey.
var keyQualifiers = map[string]bool{
	"topology": true, "sort": true, "partition": true, "routing": true, "cache": true, "primary": true,
	"foreign": true, "public": true, "label": true, "selector": true, "hash": true, "shard": true,
	"idempotency": true, "object": true, "lookup": true, "node": true, "match": true, "group": true, "map": true,
}

// notCredentials are Kubernetes API fields whose names read like a
// credential but whose values are settings the approver must see.
var notCredentials = map[string]bool{"automountServiceAccountToken": true}

// SensitiveName reports whether a variable or key name looks like it holds a
// credential: PASSWORD, DB_TOKEN, api-key, aws_secret_access_key, tls.key,
// dbPass, encryptionKey, PGPASS, AccountKey … The name is split into words
// at separators and case changes. A bare "key" is not one (a label
// selector's key, an index key); a qualified one is.
func SensitiveName(name string) bool {
	if notCredentials[name] {
		return false
	}
	words := nameWords(name)
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	lower := strings.ToLower(name)
	if referenceWords[last] || (last == "id" && len(words) > 1 && words[len(words)-2] == "key") {
		return false
	}
	for _, suffix := range []string{"name", "file", "path", "seconds"} {
		if strings.HasSuffix(lower, suffix) {
			return false
		}
	}
	for i, w := range words {
		if w == "key" {
			if len(words) > 1 && (i == 0 || !keyQualifiers[words[i-1]]) {
				return true
			}
			continue
		}
		if sensitiveWords[w] || (strings.HasSuffix(w, "pass") && !passWords[w]) {
			return true
		}
		for _, g := range gluedSecrets {
			if strings.Contains(w, g) {
				return true
			}
		}
	}
	return false
}

// nameWords splits a name into lower-case words at anything that is not a
// letter or digit and at case changes: dbPassword → db password; APIKey →
// api key; s3SecretKey → s3 secret key; PGPASS → pgpass.
func nameWords(name string) []string {
	words := make([]string, 0, 4)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			words = append(words, strings.ToLower(name[start:end]))
		}
		start = -1
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		upper, lower, digit := c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z' || c >= 0x80, c >= '0' && c <= '9'
		if !upper && !lower && !digit {
			flush(i)
			continue
		}
		if upper && start >= 0 {
			p := name[i-1]
			pLower := p >= 'a' && p <= 'z' || p >= '0' && p <= '9'
			nextLower := i+1 < len(name) && name[i+1] >= 'a' && name[i+1] <= 'z'
			if pLower || (p >= 'A' && p <= 'Z' && nextLower) {
				flush(i)
			}
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(name))
	return words
}
