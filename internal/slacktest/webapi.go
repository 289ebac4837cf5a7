package slacktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
)

// object is a JSON object in a Web API response.
type object = map[string]any

// apiRequest is a parsed Web API call: form fields, query and JSON body merged
// (JSON values that are not strings keep their JSON text, as form fields do).
type apiRequest struct {
	method string
	token  string
	params map[string]string
}

func (r apiRequest) get(key string) string { return r.params[key] }

func (r apiRequest) has(key string) bool {
	_, ok := r.params[key]
	return ok
}

// apiResult is a Web API answer: always HTTP 200, ok or an error code.
type apiResult struct{ body object }

func ok(fields object) apiResult {
	if fields == nil {
		fields = object{}
	}
	fields["ok"] = true
	return apiResult{fields}
}

func fail(code string) apiResult { return apiResult{object{"ok": false, "error": code}} }

// tokenKind is the token type a method accepts.
type tokenKind int

const (
	botToken tokenKind = iota + 1
	appToken
)

type method struct {
	token  tokenKind
	handle func(apiRequest) apiResult
}

// methodTable routes Web API method names to handlers.
func (s *Server) methodTable() map[string]method {
	return map[string]method{
		"apps.connections.open":       {appToken, s.appsConnectionsOpen},
		"auth.test":                   {botToken, s.authTest},
		"chat.postMessage":            {botToken, s.chatPostMessage},
		"chat.update":                 {botToken, s.chatUpdate},
		"chat.postEphemeral":          {botToken, s.chatPostEphemeral},
		"reactions.add":               {botToken, s.reactionsAdd},
		"conversations.replies":       {botToken, s.conversationsReplies},
		"assistant.threads.setStatus": {botToken, s.assistantThreadsSetStatus},
		"users.info":                  {botToken, s.usersInfo},
		"usergroups.users.list":       {botToken, s.usergroupsUsersList},
	}
}

type webState struct {
	calls        map[string]int
	rateLimits   map[string]*rateLimit
	canned       map[string][][]byte // FailNext / RespondNext bodies, in order
	responseURLs map[string]responseTarget
	userGroups   map[string][]string // DefineUserGroup
}

type rateLimit struct {
	times      int
	retryAfter int // seconds
}

func (w *webState) init() {
	w.calls = map[string]int{}
	w.rateLimits = map[string]*rateLimit{}
	w.canned = map[string][][]byte{}
	w.responseURLs = map[string]responseTarget{}
	w.userGroups = map[string][]string{}
}

// RateLimit makes the next `times` calls of method answer HTTP 429 with a
// Retry-After header in whole seconds (rounded up, at least 1), as Slack does;
// slack-go turns that into *slack.RateLimitedError.
func (s *Server) RateLimit(method string, times int, retryAfter time.Duration) {
	secs := max(1, int(math.Ceil(retryAfter.Seconds())))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimits[method] = &rateLimit{times: times, retryAfter: secs}
}

// FailNext makes the next call of method answer {"ok":false,"error":errorCode}.
// Calls queue up: FailNext twice fails the next two calls.
func (s *Server) FailNext(method, errorCode string) {
	s.RespondNext(method, mustJSON(object{"ok": false, "error": errorCode}))
}

// RespondNext makes the next call of method answer body verbatim (HTTP 200, JSON),
// whatever the request; it shares FailNext's queue.
func (s *Server) RespondNext(method string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.canned[method] = append(s.canned[method], slices.Clone(body))
}

// Calls is how many requests method has received, failed ones included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/api/")
	s.mu.Lock()
	s.calls[name]++
	var limited int
	if rl := s.rateLimits[name]; rl != nil && rl.times > 0 {
		rl.times--
		limited = rl.retryAfter
	}
	var canned []byte
	if q := s.canned[name]; limited == 0 && len(q) > 0 {
		canned, s.canned[name] = q[0], q[1:]
	}
	s.notifyLocked()
	s.mu.Unlock()

	switch {
	case limited > 0:
		w.Header().Set("Retry-After", fmt.Sprint(limited))
		writeJSON(w, http.StatusTooManyRequests, object{"ok": false, "error": "ratelimited"})
		return
	case canned != nil:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(canned)
		return
	}
	m, found := s.methods[name]
	if !found {
		writeJSON(w, http.StatusOK, object{"ok": false, "error": "unknown_method", "req_method": name})
		return
	}
	req, err := parseRequest(r)
	if err != nil {
		writeJSON(w, http.StatusOK, fail(err.Error()).body)
		return
	}
	req.method = name
	if code := s.authorize(req.token, m.token); code != "" {
		writeJSON(w, http.StatusOK, fail(code).body)
		return
	}
	writeJSON(w, http.StatusOK, m.handle(req).body)
}

// authorize returns the Slack error code for a token, or "" when it may call.
func (s *Server) authorize(token string, want tokenKind) string {
	var got tokenKind
	switch token {
	case "":
		return "not_authed"
	case s.cfg.botToken:
		got = botToken
	case s.cfg.appToken:
		got = appToken
	default:
		return "invalid_auth"
	}
	if got != want {
		return "not_allowed_token_type"
	}
	return ""
}

// apiError is a request-level Slack error code.
type apiError string

func (e apiError) Error() string { return string(e) }

// parseRequest reads a call the ways slack-go makes them: form-encoded POST with a
// token field, JSON POST or GET with Authorization: Bearer.
func parseRequest(r *http.Request) (apiRequest, error) {
	req := apiRequest{params: map[string]string{}}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		// A token inside a JSON body does not count: Slack wants the Bearer header.
		body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		if err != nil {
			return req, apiError("invalid_json")
		}
		if len(bytes.TrimSpace(body)) > 0 {
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(body, &fields); err != nil {
				return req, apiError("invalid_json")
			}
			for k, v := range fields {
				var str string
				if json.Unmarshal(v, &str) == nil {
					req.params[k] = str
				} else {
					req.params[k] = string(v)
				}
			}
		}
		for k, vs := range r.URL.Query() {
			req.params[k] = vs[0]
		}
	} else {
		var err error
		if ct == "multipart/form-data" {
			err = r.ParseMultipartForm(16 << 20)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			return req, apiError("invalid_form_data")
		}
		for k, vs := range r.Form {
			req.params[k] = vs[0]
		}
		req.token = req.params["token"]
	}
	if bearer, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found {
		req.token = strings.TrimSpace(bearer)
	}
	return req, nil
}

func writeJSON(w http.ResponseWriter, status int, body object) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) authTest(apiRequest) apiResult {
	return ok(object{
		"url":                   "https://fake-" + strings.ToLower(s.cfg.teamID) + ".slack.com/",
		"team":                  "Fake Workspace",
		"user":                  s.cfg.botName,
		"team_id":               s.cfg.teamID,
		"user_id":               s.cfg.botUserID,
		"bot_id":                s.cfg.botID,
		"is_enterprise_install": false,
	})
}

func (s *Server) usersInfo(r apiRequest) apiResult {
	id := r.get("user")
	if id == "" {
		return fail("user_not_found")
	}
	name := s.userName(id)
	return ok(object{"user": object{
		"id": id, "team_id": s.cfg.teamID, "name": name, "deleted": false, "real_name": name,
		"is_bot": id == s.cfg.botUserID, "tz": "Etc/UTC",
		"profile": object{"real_name": name, "display_name": name},
	}})
}

// DefineUserGroup creates or replaces the user group id ("S…") with the given
// members, as usergroups.users.list reports them.
func (s *Server) DefineUserGroup(id string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userGroups[id] = slices.Clone(users)
	s.notifyLocked()
}

// usergroupsUsersList answers with a group's members; an unknown group is
// no_such_subteam, as in Slack.
func (s *Server) usergroupsUsersList(r apiRequest) apiResult {
	id := r.get("usergroup")
	if id == "" {
		return fail("invalid_arguments")
	}
	s.mu.Lock()
	users, found := s.userGroups[id]
	s.mu.Unlock()
	if !found {
		return fail("no_such_subteam")
	}
	if users == nil {
		users = []string{}
	}
	return ok(object{"users": slices.Clone(users)})
}
