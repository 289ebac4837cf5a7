package canary

import "strings"

// Form is one way a secret shows up in text (a log line, a describe value,
// an embedded config file); Secrets are the parts of it that must never
// leave the process.
type Form struct {
	Name    string
	Text    string
	Secrets []string
}

// Forms is every form of secret the redactor knows, in one table: the
// kube canary test plants them in a cluster and reads them back through
// every Reader entry point, the end-to-end test through the model, Slack
// and the log, and FuzzRedactText embeds them in random text.
func Forms() []Form {
	return []Form{
		{"URL with an empty user", "cache redis://:Rz9pwQx7@redis:6379/0 up", []string{"Rz9pwQx7"}},
		{"URL password holding an @", "dsn postgres://app:Pw1@Tail9x@db:5432/shop ok", []string{"Pw1", "Tail9x"}},
		{"camelCase dbPass", "dbPass=Cm1dbPassVal", []string{"Cm1dbPassVal"}},
		{"camelCase encryptionKey", `encryptionKey: "Cm2encKeyVal"`, []string{"Cm2encKeyVal"}},
		{"camelCase signingKey", "signingKey=Cm3signVal", []string{"Cm3signVal"}},
		{"glued PGPASS", "PGPASS=Cm4pgpassVal", []string{"Cm4pgpassVal"}},
		{"clientSecret in JSON", `{"clientSecret":"Cm5clientSec"}`, []string{"Cm5clientSec"}},
		{"connection string AccountKey", "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=Cs1acctKey+/==;EndpointSuffix=core.windows.net", []string{"Cs1acctKey"}},
		{"connection string Password", "Server=db;Database=shop;User Id=app;Password=Cs2connPw;", []string{"Cs2connPw"}},
		{"connection string Pwd", "Driver={ODBC};Uid=app;Pwd=Cs3pwdVal", []string{"Cs3pwdVal"}},
		{"XML element", "<config><password>Xm1elemPw</password></config>", []string{"Xm1elemPw"}},
		{"XML add key value", `<appSettings><add key="DbPassword" value="Xm2addPw"/></appSettings>`, []string{"Xm2addPw"}},
		{"XML property name", `<property name="db.password">Xm3propPw</property>`, []string{"Xm3propPw"}},
		{".netrc", "machine api.example.com login bot password Nr1netrcPw", []string{"Nr1netrcPw"}},
		{".netrc on lines", "machine git.example.com\n  login bot\n  password Nr2netrcPw\n", []string{"Nr2netrcPw"}},
		{".pgpass", "db.example.com:5432:shop:app:Pg1pgpassPw\n*:*:*:postgres:Pg2pgpassPw", []string{"Pg1pgpassPw", "Pg2pgpassPw"}},
		{"Slack webhook URL", "notify https://hooks.slack.com/services/T0ABCDEF/B0GHIJKL/Sw1webhookSecretXyz done", []string{"Sw1webhookSecretXyz", "B0GHIJKL"}},
		{"Stripe live key", "charge with sk_live_St1stripeLive0123", []string{"St1stripeLive0123"}},
		{"Stripe restricted key", "rk_live_St2stripeRestr0123", []string{"St2stripeRestr0123"}},
		{"Stripe test key", "STRIPE=sk_test_St3stripeTest0123", []string{"St3stripeTest0123"}},
		{"PEM key without its BEGIN line", "MIIEpAIBAAKCAQEAPm1pemBodyLineOne\nPm1pemBodyLineTwoAAAA==\n-----END RSA PRIVATE KEY-----\n", []string{"Pm1pemBodyLineOne", "Pm1pemBodyLineTwo"}},
		{"PEM key without its BEGIN line, in JSON", `{"key":"MIIEpAIBAAKCAQEAPm2pemJSONOne\nPm2pemJSONTwoAAAA==\n-----END PRIVATE KEY-----\n"}`, []string{"Pm2pemJSONOne", "Pm2pemJSONTwo"}},
		{"PEM body after PRIVATE KEY", "loading PRIVATE KEY from vault\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nPm3pemNoMarkersAAAAAAAAAA\n", []string{"Pm3pemNoMarkers"}},
		{"PEM key", "-----BEGIN EC PRIVATE KEY-----\nPm4pemWholeAAAA\n-----END EC PRIVATE KEY-----", []string{"Pm4pemWhole"}},
		{"flag and value", "exec /app --db-password Ar1argPw --port 80", []string{"Ar1argPw"}},
		{"flag and value on lines (describe Args)", "    Args:\n      --db-password\n      Ar2argPw\n      --port=80", []string{"Ar2argPw"}},
		{"flag and value in a JSON list", `args: ["--db-password","Ar3argPw"]`, []string{"Ar3argPw"}},
		{"single-dash flag", "/bin/app -api-token Ar4argTok", []string{"Ar4argTok"}},
		{"flag=value", "--db-password=Ar5argPw", []string{"Ar5argPw"}},
		{"ENV=value", "PASSWORD=Ar6envPw", []string{"Ar6envPw"}},
		{"nested YAML", "db:\n  auth:\n    password: Ym1yaml words after\n  host: db", []string{"Ym1yaml", "words after"}},
		{"YAML block scalar", "password: |\n  Ym2blockLine1\n  Ym2blockLine2\nnext: 1", []string{"Ym2blockLine1", "Ym2blockLine2"}},
		{"YAML single-quoted", "apiKey: 'Ym3quoted with space'", []string{"Ym3quoted", "with space"}},
		{"ini with spaces", "[db]\npassword = In1iniPw and more\nport = 5432", []string{"In1iniPw", "and more"}},
		{"JSON", `{"user":"app","password":"Js1jsonPw"}`, []string{"Js1jsonPw"}},
		{"JSON with an escaped quote", `{"password":"Js2\"jsonPw"}`, []string{"Js2", "jsonPw"}},
		{"unterminated quote", `password="Js3unterminated`, []string{"Js3unterminated"}},
		{"docker auths", `{"auths":{"registry.example":{"auth":"ZG9ja2VyOkRrMWF1dGg="}}}`, []string{"ZG9ja2VyOkRrMWF1dGg"}},
		{"annotation in describe", "Annotations:  example.com/db-password: An1annPw\n              prometheus.io/scrape: true", []string{"An1annPw"}},
		{"describe ConfigMap data", ".pgpass:\n----\ndb:5432:shop:app:Dc1pgpass\n\nlog_level:\n----\ndebug\n", []string{"Dc1pgpass"}},
		{"bearer header", "Authorization: Bearer Bh1bearerToken0123456", []string{"Bh1bearerToken0123456"}},
	}
}

// Leaks returns the planted secrets of forms found in text.
func Leaks(text string, forms []Form) []string {
	var out []string
	for _, f := range forms {
		for _, s := range f.Secrets {
			if strings.Contains(text, s) {
				out = append(out, f.Name+": "+s)
			}
		}
	}
	return out
}
