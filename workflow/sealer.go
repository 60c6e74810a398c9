package workflow

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Sealer encrypts data at rest with AES-256-GCM: complainants' personal
// data and webhook secrets, under one key (LoadSealer). A sealed value is
// "v1:" followed by the base64 of nonce ‖ ciphertext ‖ tag; the field's name
// is the additional data, so a sealed phone number cannot pass for a name.
type Sealer struct {
	aead cipher.AEAD
}

const sealPrefix = "v1:"

// NewSealer returns a sealer with a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("encryption key: want 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// ParseSealerKey decodes a base64 (standard or URL alphabet, padded or not)
// 32-byte key, as DUCHA_ENCRYPTION_KEY holds it.
func ParseSealerKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != 32 {
				return nil, fmt.Errorf("encryption key: want base64 of 32 bytes, got %d bytes", len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("encryption key: not base64")
}

// Seal encrypts plain for field; "" stays "".
func (s *Sealer) Seal(field, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(field))
	return sealPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal returned for the same field; "" stays "". A value
// sealed with another key, for another field, or tampered with is an error.
func (s *Sealer) Open(field, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	b64, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return "", errors.New("open: unknown sealed format")
	}
	b, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errors.New("open: malformed sealed value")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(field))
	if err != nil {
		return "", fmt.Errorf("open %s: %w", field, err)
	}
	return string(plain), nil
}

// encryptionKeySetting is where a generated key is kept when none is
// configured.
const encryptionKeySetting = "complaint_encryption_key"

// IsSealed says whether v has the form Seal gives (its version prefix); a
// value stored before sealing began lacks it.
func IsSealed(v string) bool { return strings.HasPrefix(v, sealPrefix) }

// LoadSealer returns the one sealer of the process: the configured key
// (DUCHA_ENCRYPTION_KEY), or else one generated once and kept in the
// settings table (shared by replicas, surviving restarts) — with a warning,
// since whoever reads the database then also holds the key. The app builds
// it once and hands it to the complaints and the webhooks.
func LoadSealer(d Deps, configured string) (*Sealer, error) {
	if configured != "" {
		key, err := ParseSealerKey(configured)
		if err != nil {
			return nil, fmt.Errorf("DUCHA_ENCRYPTION_KEY: %w", err)
		}
		return NewSealer(key)
	}
	stored, err := d.Store.SettingOrInit(encryptionKeySetting, func() (string, error) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
		return base64.StdEncoding.EncodeToString(b), nil
	})
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	d.Log.Warn("DUCHA_ENCRYPTION_KEY is not set: complainants' personal data and webhook secrets are encrypted with a key generated once " +
		"and kept in the database's settings table; set DUCHA_ENCRYPTION_KEY (base64 of 32 bytes) to keep the key apart from the data")
	key, err := ParseSealerKey(stored)
	if err != nil {
		return nil, fmt.Errorf("stored encryption key: %w", err)
	}
	return NewSealer(key)
}
