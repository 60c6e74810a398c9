package domain

import (
	"errors"
	"fmt"
)

// Code classifies an Error. The API maps each code to one HTTP status in one
// place (api/problem.go); nothing else decides a status.
type Code string

const (
	EInvalid            Code = "invalid"             // 422: the request is well-formed but breaks a rule
	EBadRequest         Code = "bad_request"         // 400: the request cannot be read at all
	ENotFound           Code = "not_found"           // 404
	EConflict           Code = "conflict"            // 409: duplicates, lost races
	EIllegalTransition  Code = "illegal_transition"  // 409: the event is not allowed in the current state
	EForbidden          Code = "forbidden"           // 403
	EUnauthenticated    Code = "unauthenticated"     // 401
	EPreconditionFailed Code = "precondition_failed" // 412: a stale If-Match
	ETooManyRequests    Code = "too_many_requests"   // 429
	ETooLarge           Code = "too_large"           // 413
	EUnsupportedMedia   Code = "unsupported_media"   // 415
	EUnavailable        Code = "unavailable"         // 503
	EInternal           Code = "internal"            // 500: never shown to clients in detail
)

// FieldError names one offending field of a request and what is wrong with it.
// Location is a JSON-pointer-like path such as "body.region_codes[2]".
type FieldError struct {
	Location string `json:"location"`
	Message  string `json:"message"`
	Value    any    `json:"value,omitempty"`
}

// Error is the one application error type. Message is safe to show to a
// client; wrap internal causes with fmt.Errorf("op: %w", err) instead.
type Error struct {
	Code    Code
	Message string
	// Fields lists every field error found, so a client can fix all at once.
	Fields []FieldError
	// Extra is merged into the problem body (e.g. "allowed_events").
	Extra map[string]any
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s (%d field errors)", e.Code, e.Message, len(e.Fields))
}

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// Validation collects field errors and turns them into one EInvalid error.
// The zero value is ready to use.
type Validation struct {
	fields []FieldError
}

// Add records that the field at location is wrong.
func (v *Validation) Add(location, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Location: location, Message: fmt.Sprintf(format, args...)})
}

// AddValue is Add that also echoes the offending value.
func (v *Validation) AddValue(location string, value any, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Location: location, Message: fmt.Sprintf(format, args...), Value: value})
}

// OK reports whether nothing was added.
func (v *Validation) OK() bool { return len(v.fields) == 0 }

// Err returns nil when nothing was added, else an EInvalid *Error listing
// every field error.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Message: "validation failed", Fields: v.fields}
}
