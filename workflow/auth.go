package workflow

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/golang-jwt/jwt/v5"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// AuthConfig tunes sign-in.
type AuthConfig struct {
	// Secret signs tokens; when empty, one is generated once and kept in the
	// database so that tokens survive restarts and are shared by replicas.
	Secret string
	// TokenTTL is how long a token is valid.
	TokenTTL time.Duration
	// Hashing is the argon2id cost; nil means argon2id.DefaultParams.
	Hashing *argon2id.Params
	// Throttle limits failed sign-ins.
	Throttle ThrottleConfig
}

// Auth signs users in and out and checks tokens.
type Auth struct {
	Deps
	cfg      AuthConfig
	secret   []byte
	throttle *Throttle
}

// NewAuth loads or creates the signing secret.
func NewAuth(d Deps, cfg AuthConfig) (*Auth, error) {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 12 * time.Hour
	}
	if cfg.Hashing == nil {
		cfg.Hashing = argon2id.DefaultParams
	}
	secret := cfg.Secret
	if secret == "" {
		var err error
		secret, err = d.Store.SettingOrInit("token_secret", func() (string, error) { return randomString(32) })
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
	}
	if cfg.Throttle.Log == nil {
		cfg.Throttle.Log = d.Log
	}
	return &Auth{Deps: d, cfg: cfg, secret: []byte(secret), throttle: NewThrottle(cfg.Throttle, d.Clock)}, nil
}

func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashPassword hashes a password with the configured argon2id cost.
func (a *Auth) HashPassword(p string) (string, error) {
	return argon2id.CreateHash(p, a.cfg.Hashing)
}

// claims are what a token carries: the user's id and token version.
type claims struct {
	Version int `json:"ver"`
	jwt.RegisteredClaims
}

// Session is the answer to a successful sign-in.
type Session struct {
	Token     string
	ExpiresAt time.Time
	User      store.User
}

// errBadCredentials is deliberately the same for an unknown user and a wrong
// password, so that sign-in does not reveal which usernames exist.
var errBadCredentials = domain.Errorf(domain.EUnauthenticated, "wrong username or password")

// Login checks a username and password and issues a token. Failed attempts
// are throttled per username and per client address.
func (a *Auth) Login(ctx context.Context, username, password, addr string) (Session, error) {
	now := a.now()
	if wait := a.throttle.Blocked(ctx, username, addr); wait > 0 {
		return Session{}, &domain.Error{Code: domain.ETooManyRequests,
			Message: "too many failed sign-ins; try again later",
			Extra:   map[string]any{"retry_after_seconds": int(wait.Seconds()) + 1}}
	}
	u, err := a.Store.Read(ctx).UserByUsername(username)
	if err != nil && domain.ErrorCode(err) != domain.ENotFound {
		return Session{}, err
	}
	ok := false
	if err == nil && !u.Disabled {
		ok, err = argon2id.ComparePasswordAndHash(password, u.PasswordHash)
		if err != nil {
			return Session{}, fmt.Errorf("auth: compare: %w", err)
		}
	}
	if !ok {
		a.throttle.Fail(ctx, username, addr)
		return Session{}, errBadCredentials
	}
	a.throttle.Succeed(ctx, username)
	exp := now.Add(a.cfg.TokenTTL)
	tok, err := a.sign(u, now, exp)
	if err != nil {
		return Session{}, err
	}
	return Session{Token: tok, ExpiresAt: exp, User: u}, nil
}

func (a *Auth) sign(u store.User, now, exp time.Time) (string, error) {
	jti, err := randomString(12)
	if err != nil {
		return "", err
	}
	c := claims{Version: u.TokenVersion, RegisteredClaims: jwt.RegisteredClaims{
		Subject: strconv.FormatInt(u.ID, 10), IssuedAt: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp), Issuer: "ducha", ID: jti,
	}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(a.secret)
	if err != nil {
		return "", fmt.Errorf("auth: sign: %w", err)
	}
	return s, nil
}

// Authenticate returns the user a token belongs to, or EUnauthenticated when
// the token is malformed, expired, revoked or its user disabled.
func (a *Auth) Authenticate(ctx context.Context, token string) (store.User, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return a.secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("ducha"), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(a.Clock.Now))
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return store.User{}, domain.Errorf(domain.EUnauthenticated, "token expired")
		}
		return store.User{}, domain.Errorf(domain.EUnauthenticated, "invalid token")
	}
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil {
		return store.User{}, domain.Errorf(domain.EUnauthenticated, "invalid token")
	}
	u, err := a.Store.Read(ctx).UserByID(id)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENotFound {
			return store.User{}, domain.Errorf(domain.EUnauthenticated, "invalid token")
		}
		return store.User{}, err
	}
	if u.Disabled || u.TokenVersion != c.Version {
		return store.User{}, domain.Errorf(domain.EUnauthenticated, "token revoked")
	}
	return u, nil
}

// Logout revokes every token of the user issued so far.
func (a *Auth) Logout(ctx context.Context, u store.User) error {
	now := a.now()
	return a.Store.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.RevokeTokens(u.ID, now); err != nil {
			return err
		}
		return audit(ctx, tx, u.Actor(), now, store.AuditEntry{Entity: "user", EntityID: strconv.FormatInt(u.ID, 10),
			RegionCode: u.RegionCode, Event: "logout"})
	})
}

// ChangePassword checks the old password, stores the new one and revokes
// every earlier token; the caller signs in again.
func (a *Auth) ChangePassword(ctx context.Context, u store.User, old, new string) error {
	var v domain.Validation
	checkPassword(&v, "body.new_password", new)
	if err := v.Err(); err != nil {
		return err
	}
	ok, err := argon2id.ComparePasswordAndHash(old, u.PasswordHash)
	if err != nil {
		return fmt.Errorf("auth: compare: %w", err)
	}
	if !ok {
		v.Add("body.old_password", "does not match the current password")
		return v.Err()
	}
	hash, err := a.HashPassword(new)
	if err != nil {
		return err
	}
	now := a.now()
	return a.Store.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.SetPassword(u.ID, hash, now); err != nil {
			return err
		}
		return audit(ctx, tx, u.Actor(), now, store.AuditEntry{Entity: "user", EntityID: strconv.FormatInt(u.ID, 10),
			RegionCode: u.RegionCode, Event: "change_password"})
	})
}

// EnsureAdmin creates the first user, `admin` (national_admin at the nation),
// when the database has no users. With an empty password it generates one and
// returns it so that the caller can print it once; otherwise it returns "".
func (a *Auth) EnsureAdmin(ctx context.Context, password string) (generated string, err error) {
	n, err := a.Store.Read(ctx).CountUsers()
	if err != nil || n > 0 {
		return "", err
	}
	if password == "" {
		if generated, err = randomString(18); err != nil {
			return "", err
		}
		password = generated
	}
	hash, err := a.HashPassword(password)
	if err != nil {
		return "", err
	}
	now := a.now()
	err = a.Store.Tx(ctx, func(tx *store.Tx) error {
		u, err := tx.CreateUser(store.User{Username: "admin", PasswordHash: hash, Role: domain.RoleNationalAdmin,
			RegionCode: domain.NationCode}, 0, now)
		if err != nil {
			return err
		}
		return audit(ctx, tx, domain.SystemActor, now, store.AuditEntry{Entity: "user",
			EntityID: strconv.FormatInt(u.ID, 10), RegionCode: domain.NationCode, Event: "create",
			Detail: map[string]any{"username": "admin", "role": domain.RoleNationalAdmin}})
	})
	if domain.ErrorCode(err) == domain.EConflict { // another replica was first
		return "", nil
	}
	return generated, err
}
