package workflow

import (
	"encoding/base64"
	"strconv"

	"github.com/ducha/ducha/domain"
)

// Cursors are opaque to clients: base64 of the last key of the page.

// EncodeCursor turns a page's last key into a cursor.
func EncodeCursor(key string) string {
	if key == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

// DecodeCursor returns the key inside a cursor, or EInvalid naming "query.next".
func DecodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 {
		return "", cursorError(c)
	}
	return string(b), nil
}

// DecodeIDCursor is DecodeCursor for numeric keys.
func DecodeIDCursor(c string) (int64, error) {
	k, err := DecodeCursor(c)
	if err != nil || k == "" {
		return 0, err
	}
	id, err := strconv.ParseInt(k, 10, 64)
	if err != nil || id < 0 {
		return 0, cursorError(c)
	}
	return id, nil
}

// EncodeIDCursor is EncodeCursor for numeric keys.
func EncodeIDCursor(id int64) string { return EncodeCursor(strconv.FormatInt(id, 10)) }

func cursorError(c string) error {
	var v domain.Validation
	v.AddValue("query.cursor", c, "malformed cursor; pass the `next` value of the previous page unchanged")
	return v.Err()
}

// Paged is one page of a listing.
type Paged[T any] struct {
	Items []T
	Next  string
}

// page cuts a list read with one extra row into a page and its cursor.
func page[T any](items []T, n int, key func(T) int64) Paged[T] {
	out := Paged[T]{Items: items}
	if len(items) > n {
		out.Items = items[:n]
		out.Next = EncodeIDCursor(key(items[n-1]))
	}
	return out
}
