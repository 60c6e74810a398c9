package api

import (
	"strconv"
	"strings"

	"github.com/ducha/ducha/domain"
)

// IfMatch is the If-Match header of a request that changes a versioned
// resource.
type IfMatch struct {
	IfMatch string `header:"If-Match" doc:"The version the client last saw, e.g. \"3\"; a stale one gets 412."`
}

// version parses If-Match: "3", W/"3" or 3; "" and * mean no check; anything
// else is 412.
func (h IfMatch) version() (*int, error) {
	s := strings.TrimSpace(h.IfMatch)
	if s == "" || s == "*" {
		return nil, nil
	}
	s = strings.Trim(strings.TrimPrefix(s, "W/"), `"`)
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		// A tag we never issued cannot match the current one (RFC 9110 §13.1.1).
		return nil, domain.Errorf(domain.EPreconditionFailed, `If-Match %q matches no version; send the ETag as given, e.g. "3"`, h.IfMatch)
	}
	return &v, nil
}

// etag formats a version for the ETag header.
func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }
