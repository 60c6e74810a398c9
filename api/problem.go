package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ducha/ducha/domain"
)

// Problem is an RFC 9457 problem detail, the body of every error answer.
type Problem struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail,omitempty"`
	Instance string              `json:"instance,omitempty"`
	Errors   []*huma.ErrorDetail `json:"errors,omitempty"`
	// Extra members, e.g. allowed_events on an illegal transition.
	Extra map[string]any `json:"-"`
}

func (p *Problem) Error() string  { return p.Detail }
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send problems as application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" || ct == "" {
		return "application/problem+json"
	}
	return ct
}

// MarshalJSON merges Extra into the object.
func (p *Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	b, err := json.Marshal((*plain)(p))
	if err != nil || len(p.Extra) == 0 {
		return b, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range p.Extra {
		if _, taken := m[k]; !taken {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// statusOf is the one map from error codes to HTTP statuses.
var statusOf = map[domain.Code]int{
	domain.EInvalid:            http.StatusUnprocessableEntity,
	domain.EBadRequest:         http.StatusBadRequest,
	domain.ENotFound:           http.StatusNotFound,
	domain.EConflict:           http.StatusConflict,
	domain.EIllegalTransition:  http.StatusConflict,
	domain.EForbidden:          http.StatusForbidden,
	domain.EUnauthenticated:    http.StatusUnauthorized,
	domain.EPreconditionFailed: http.StatusPreconditionFailed,
	domain.ETooManyRequests:    http.StatusTooManyRequests,
	domain.ETooLarge:           http.StatusRequestEntityTooLarge,
	domain.EUnsupportedMedia:   http.StatusUnsupportedMediaType,
	domain.EUnavailable:        http.StatusServiceUnavailable,
	domain.EInternal:           http.StatusInternalServerError,
}

// codeOf maps a status back to a code, for errors that huma itself raises
// (malformed JSON, schema violations, oversize bodies).
func codeOf(status int) domain.Code {
	for c, s := range statusOf {
		if s == status && c != domain.EIllegalTransition {
			return c
		}
	}
	if status >= 500 {
		return domain.EInternal
	}
	return domain.EBadRequest
}

func problemType(c domain.Code) string { return "urn:ducha:problem:" + string(c) }

// newHumaError replaces huma.NewError so that huma's own errors (bad JSON,
// schema validation, body too large) are Problems too.
func newHumaError(status int, msg string, errs ...error) huma.StatusError {
	p := &Problem{Type: problemType(codeOf(status)), Title: http.StatusText(status), Status: status, Detail: msg}
	for _, e := range errs {
		if e == nil {
			continue
		}
		var d huma.ErrorDetailer
		if errors.As(e, &d) {
			p.Errors = append(p.Errors, d.ErrorDetail())
		} else if status < 500 {
			p.Errors = append(p.Errors, &huma.ErrorDetail{Message: e.Error()})
		}
	}
	return p
}

// toProblem converts a use case's error. Internal errors are logged and
// answered with a generic message: their text never reaches a client.
func toProblem(log *slog.Logger, err error) *Problem {
	var de *domain.Error
	if !errors.As(err, &de) {
		log.Error("internal error", "err", err)
		return &Problem{Type: problemType(domain.EInternal), Title: http.StatusText(500), Status: 500,
			Detail: "an internal error occurred; it has been logged"}
	}
	status := statusOf[de.Code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	p := &Problem{Type: problemType(de.Code), Title: http.StatusText(status), Status: status, Detail: de.Message, Extra: de.Extra}
	for _, f := range de.Fields {
		p.Errors = append(p.Errors, &huma.ErrorDetail{Location: f.Location, Message: f.Message, Value: f.Value})
	}
	if status >= 500 {
		log.Error("internal error", "err", err)
	}
	return p
}
